"""The durable incident log (事件日志): SQLite through sqlite-utils, WAL mode.

Two tables: ``incidents`` (the latest snapshot, its state, level and version) and the
append-only ``events``. A state change and its event row are written in one transaction that
first takes the write lock (``BEGIN IMMEDIATE``), then checks the version: a change sent with
a stale version is refused, never merged. Real and drill incidents are flagged and listed apart.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from sqlite_utils import Database

from .errors import NotFound, StaleVersion
from .incident import Snapshot


GENESIS = "0" * 64
HASHED = ("incident_id", "seq", "trigger", "payload", "actor", "at", "state", "level", "classified_level", "version")


def event_hash(row: dict[str, Any]) -> str:
    """SHA-256 of the event's content and the previous event's hash (tamper evidence)."""
    content = json.dumps([row[k] for k in HASHED] + [row["prev_hash"]], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def default_db_path() -> Path:
    """Under the user's data directory: $XDG_DATA_HOME/emergency/emergency.db."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "emergency" / "emergency.db"


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), waiting up to 30 s for a lock."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=30, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Store:
    """One connection's view of the incident log. Open one per thread (the web app: per request)."""

    def __init__(self, path: str | Path, create: bool = True):
        self.path = str(path)
        self.db = Database(connect(path))
        if create:
            self.ensure_schema()

    def close(self) -> None:
        self.db.conn.close()

    def ensure_schema(self) -> None:
        """Create the tables on first run; WAL mode."""
        if self.path != ":memory:":
            self.db.enable_wal()
        self.db["incidents"].create({
            "id": str, "plan": str, "title": str, "drill": int, "drill_id": str, "event_group": str,
            "state": str, "level": str, "classified_level": str, "version": int, "occurred_at": str,
            "reported_at": str, "created_at": str, "updated_at": str, "closed": int, "snapshot": str,
        }, pk="id", if_not_exists=True, not_null={"plan", "state", "version", "drill"})
        self.db["events"].create({
            "id": int, "incident_id": str, "seq": int, "trigger": str, "payload": str, "actor": str,
            "at": str, "state": str, "level": str, "classified_level": str, "version": int,
            "prev_hash": str, "hash": str,
        }, pk="id", if_not_exists=True, foreign_keys=[("incident_id", "incidents", "id")])
        self.db["events"].create_index(["incident_id", "seq"], unique=True, if_not_exists=True)
        self.db["incidents"].create_index(["drill", "closed", "updated_at"], if_not_exists=True)
        self.db["incidents"].create_index(["event_group"], if_not_exists=True)
        self.db["incidents"].create_index(["drill_id"], if_not_exists=True)
        self.db["drills"].create({
            "id": str, "scenario_id": str, "title": str, "scenario": str, "seed": int, "variation": str,
            "status": str, "speed": float, "sim_anchor": str, "real_anchor": str, "start": str, "fired": int,
            "log": str, "created_at": str, "created_by": str, "finished_at": str, "version": int,
        }, pk="id", if_not_exists=True)
        self.db["scenarios"].create({"id": str, "yaml": str, "created_by": str, "created_at": str},
                                    pk="id", if_not_exists=True)
        self.db["users"].create({"name": str, "role": str, "password_hash": str, "created_at": str},
                                pk="name", if_not_exists=True)
        self.db["tokens"].create({"token_hash": str, "name": str, "created_at": str}, pk="token_hash",
                                 if_not_exists=True)
        self.db["improvements"].create({
            "id": int, "drill_id": str, "incident_id": str, "plan": str, "clause": str, "finding": str,
            "owner": str, "due": str, "status": str, "created_by": str, "created_at": str,
            "closed_by": str, "closed_at": str,
        }, pk="id", if_not_exists=True)

    @contextmanager
    def write(self) -> Iterator[Database]:
        """One write transaction holding the write lock from its start.

        ``db.atomic()`` starts a deferred transaction; a read-then-write there can fail to
        upgrade its lock when another writer got in first, so the lock is taken up front.
        """
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.rollback()
            raise
        else:
            self.db.commit()

    # ------------------------------------------------------------ writes
    @staticmethod
    def _row(snap: Snapshot, final: bool) -> dict[str, Any]:
        return {"id": snap.id, "plan": snap.plan, "title": snap.title, "drill": int(snap.drill),
                "drill_id": snap.drill_id, "event_group": snap.event_group, "state": snap.state,
                "level": snap.level, "classified_level": snap.classified_level, "version": snap.version,
                "occurred_at": snap.occurred_at, "reported_at": snap.reported_at, "created_at": snap.created_at,
                "updated_at": snap.updated_at, "closed": int(final), "snapshot": snap.model_dump_json()}

    def _event_row(self, event: dict) -> dict[str, Any]:
        """The event as a row, chained: its hash covers its content and the previous event's hash."""
        prev = self.db.execute("SELECT hash FROM events WHERE incident_id = ? ORDER BY seq DESC LIMIT 1",
                               [event["incident_id"]]).fetchone()
        row = {**event, "payload": json.dumps(event["payload"], ensure_ascii=False, sort_keys=True)}
        row["prev_hash"] = prev[0] if prev else GENESIS
        row["hash"] = event_hash(row)
        return row

    def create(self, snap: Snapshot, event: dict, final: bool = False) -> None:
        """Insert a new incident and its first event, together."""
        with self.write() as db:
            db["incidents"].insert(self._row(snap, final))
            db["events"].insert(self._event_row(event))

    def append(self, incident_id: str, expected_version: int,
               change: Callable[[Snapshot], tuple[Snapshot, dict, bool]]) -> Snapshot:
        """Apply ``change`` to the incident at ``expected_version`` and write the result and its event.

        ``change`` takes the current snapshot and returns (new snapshot, event, whether final).
        Raises NotFound, StaleVersion, or whatever ``change`` raises; nothing is written then.
        """
        with self.write() as db:
            current = self._load(incident_id)
            if current.version != expected_version:
                raise StaleVersion(expected_version, current.version)
            snap, event, final = change(current)
            cur = db.execute("UPDATE incidents SET state=?, level=?, classified_level=?, version=?, updated_at=?, "
                             "closed=?, snapshot=? WHERE id=? AND version=?",
                             [snap.state, snap.level, snap.classified_level, snap.version, snap.updated_at,
                              int(final), snap.model_dump_json(), incident_id, expected_version])
            if cur.rowcount != 1:  # cannot happen under the write lock; refuse rather than merge
                raise StaleVersion(expected_version, self._load(incident_id).version)
            db["events"].insert(self._event_row(event))
        return snap

    # ------------------------------------------------------------ reads
    def _load(self, incident_id: str) -> Snapshot:
        row = self.db.execute("SELECT snapshot FROM incidents WHERE id = ?", [incident_id]).fetchone()
        if row is None:
            raise NotFound("incident", incident_id)
        return Snapshot.model_validate_json(row[0])

    def get(self, incident_id: str) -> Snapshot:
        return self._load(incident_id)

    EVENT_KEYS = ("incident_id", "seq", "trigger", "payload", "actor", "at", "state", "level", "classified_level",
                  "version", "hash")

    def events(self, incident_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute(f"SELECT {', '.join(self.EVENT_KEYS)} FROM events WHERE incident_id = ? ORDER BY seq",
                               [incident_id]).fetchall()
        keys, loads = self.EVENT_KEYS, json.loads
        out = []
        for r in rows:
            ev = dict(zip(keys, r))
            ev["payload"] = loads(r[3])
            out.append(ev)
        return out

    def chain_head(self, incident_id: str) -> str | None:
        row = self.db.execute("SELECT hash FROM events WHERE incident_id = ? ORDER BY seq DESC LIMIT 1",
                              [incident_id]).fetchone()
        return row[0] if row else None

    def verify(self) -> list[dict[str, Any]]:
        """Check every incident's hash chain. Returns the first broken link of each broken chain."""
        broken = []
        for incident_id in self.incident_ids():
            prev = GENESIS
            rows = self.db.execute(f"SELECT {', '.join(HASHED)}, prev_hash, hash FROM events WHERE incident_id = ? "
                                   "ORDER BY seq", [incident_id]).fetchall()
            for r in rows:
                row = dict(zip(HASHED + ("prev_hash", "hash"), r))
                problem = None
                if row["prev_hash"] != prev:
                    problem = "prev_hash does not match the previous event's hash (an event was removed or reordered)"
                elif event_hash(row) != row["hash"]:
                    problem = "the event's content does not match its hash (it was changed)"
                if problem:
                    broken.append({"incident_id": incident_id, "seq": row["seq"], "problem": problem})
                    break
                prev = row["hash"]
        return broken

    def list(self, drill: bool | None = False, open_only: bool = False, event_group: str | None = None,
             drill_id: str | None = None, limit: int = 500) -> list[Snapshot]:
        """Incidents, newest first. ``drill``: False real only (the default), True drills only, None both."""
        where, params = [], []
        if drill is not None:
            where.append("drill = ?")
            params.append(int(drill))
        if open_only:
            where.append("closed = 0")
        if event_group is not None:  # an event's incidents; the first one's id may serve as the group key
            where.append("(event_group = ? OR id = ?)")
            params += [event_group, event_group]
        if drill_id is not None:
            where.append("drill_id = ?")
            params.append(drill_id)
        sql = "SELECT snapshot FROM incidents" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY updated_at DESC, id LIMIT ?"
        rows = self.db.execute(sql, params + [limit]).fetchall()
        return [Snapshot.model_validate_json(r[0]) for r in rows]

    def incident_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM incidents ORDER BY id").fetchall()]
