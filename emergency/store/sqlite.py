"""The durable incident log (事件日志): SQLite through sqlite-utils, WAL mode.

Tables: ``incidents`` (the latest snapshot, its state, level and version), the append-only
``events``, ``incident_starts`` (the chained start of every incident), ``ledger`` (where each chain ends),
``audit`` (security events about people: sign-ins, users, tokens, exports, backups), and the drill, scenario,
user, session, token, improvement, directory, roster and shift tables. The schema is made and changed only by
the numbered migrations in ``emergency.store.migrations`` (sqlite-utils ``Migrations``), run by ``Store.migrate``.

A state change and its event row are written in one transaction that first takes the write lock
(``BEGIN IMMEDIATE``), then checks the version: a change sent with a stale version is refused,
never merged. A writer that cannot get the lock within ``lock_timeout`` seconds is refused with
``StoreBusy`` (HTTP 503), a full disk with ``StorageFull`` (HTTP 507); readers never wait behind a
writer (WAL).

Tamper evidence: every event is chained within its incident (``prev_hash``/``hash``), each incident's chain ends
where its ledger entry ``incident:<id>`` says, and every incident's start is chained in ``incident_starts``
(one chain per incident replaced a chain across the whole database, so writes to two incidents never
queue on one chain). HMAC-SHA256 under a key kept outside the database (``chain_key`` beside it, mode 600, or
``EMERGENCY_CHAIN_KEY``): without it the chains cannot be recomputed after an edit; ``emergency.store.integrity``
checks them.
"""
from __future__ import annotations

import functools
import json
import os
import secrets
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

from sqlite_utils import Database

from emergency.core.chains import (AUDIT_HASHED, GENESIS, HASHED, audit_hash, event_hash, incident_chain, ledger_mac,  # noqa: F401 - API
                                   legacy_event_hash, mac, start_hash)
from emergency.core.wording import N_
from emergency.core.errors import EmergencyError, NotFound, Refused, StaleVersion
from emergency.core.incident import Snapshot
from .integrity import verify as verify_store
from .refusals import CorruptDatabase, StorageFull, StoreBusy, mixed_drill, refusal  # noqa: F401 - the store's API
from emergency.response.library import PlanLibrary, library
from emergency.response.lifecycle import QUIET_TRIGGERS
from .migrations import migrate as apply_migrations, migrations
from .repositories import Audit, Directory, Documents, Drills, Improvements, People, Roster, ShiftLog
from .table import insert_row, quoted
from .where import insert_sql, where

# A change is worked out before the write lock is taken and written only if nobody got in meanwhile; a change that
# cannot conflict (a note) is worked out again when another writer got in first, this many times, and then once more
# under the lock with the incident's chain held, where it cannot lose (a busy incident never starves a writer)
OPTIMISTIC_ATTEMPTS = 3

# An incident's version and time are those of the head of its chain: a quiet change (a note) writes its
# event and moves the ledger, and leaves the incident row at the last change that altered the incident. Only an open
# incident's row can be behind its chain — a quiet change to a closed one is written whole (``_quiet``) — so a list
# reads the head for open rows alone (the report page's list of ten thousand incidents looks up a hundred).
HEAD_SEQ = ("CASE WHEN closed = 0 THEN (SELECT e.seq FROM events e WHERE e.incident_id = incidents.id "
            "ORDER BY e.seq DESC LIMIT 1) END")
HEAD_AT = ("CASE WHEN closed = 0 THEN (SELECT e.at FROM events e WHERE e.incident_id = incidents.id "
           "ORDER BY e.seq DESC LIMIT 1) END")
LAST_CHANGE = f"coalesce({HEAD_AT}, updated_at)"


def at_head(snap: Snapshot, version: int | None, at: str | None) -> Snapshot:
    """``snap`` (an incident row's snapshot) at the head of its chain: the version and time of its last event, when
    quiet changes followed the row's last write."""
    if version is not None and at is not None and version > snap.version:
        snap.version, snap.updated_at = version, at
    return snap


def default_db_path() -> Path:
    """Under the user's data directory: $XDG_DATA_HOME/emergency/emergency.db."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "emergency" / "emergency.db"


def private_file(path: str | Path) -> None:
    """Create ``path`` (and its directory) readable by its owner only, if it does not exist yet."""
    path = Path(path)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def read_or_create_key(path: Path, env: str, nbytes: int = 32) -> str:
    """A secret from the environment variable ``env``, else the file ``path``, else a new one written there (0600)."""
    value = os.environ.get(env)
    if value:
        return value
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    private_file(path)
    value = secrets.token_hex(nbytes)
    path.write_text(value, encoding="utf-8")
    return value


def key_dir_for(location: str | Path) -> Path:
    """Where the keys of a database live when the environment does not give them: beside a SQLite file;
    for a PostgreSQL URL, ``EMERGENCY_KEY_DIR`` or the user's data directory. Several servers on one
    PostgreSQL database must share them: give each the same ``EMERGENCY_SECRET_KEY`` and
    ``EMERGENCY_CHAIN_KEY`` (README, Operations) or the same key directory."""
    if is_postgres(location):
        return Path(os.environ.get("EMERGENCY_KEY_DIR") or default_db_path().parent)
    return Path(location).resolve().parent


@functools.lru_cache(maxsize=32)
def _key_for(path: str, env_value: str | None) -> bytes:
    if path == ":memory:":
        return env_value.encode() if env_value else secrets.token_bytes(32)
    return read_or_create_key(key_dir_for(path) / "chain_key", "EMERGENCY_CHAIN_KEY").encode()


def adopt_chain_key(key: bytes, location: str | Path) -> None:
    """Make ``key`` the chain key of the database at ``location`` (a copy made by migrate-store keeps its
    source's chains, so it must keep their key). Refuses when the target already has another key."""
    given = os.environ.get("EMERGENCY_CHAIN_KEY")
    if given is not None:
        if given.encode() != key:
            raise Refused("EMERGENCY_CHAIN_KEY与源数据库的链密钥不同，副本的防篡改链将无法校验（请取消设置，或设为源数据库的密钥）")
        return
    path = key_dir_for(location) / "chain_key"
    if path.exists():
        if path.read_text(encoding="utf-8").strip().encode() != key:
            raise Refused("目标位置已有另一个链密钥（%(path)s）：请移走，或将EMERGENCY_CHAIN_KEY设为源数据库的密钥", path=str(path))
        return
    private_file(path)
    path.write_text(key.decode(), encoding="utf-8")


def chain_key_for(path: str | Path) -> bytes:
    """The HMAC key of a database's chains: ``EMERGENCY_CHAIN_KEY``, else ``chain_key`` beside the file."""
    return _key_for(str(path), os.environ.get("EMERGENCY_CHAIN_KEY"))


def connect(path: str | Path, lock_timeout: float = 10.0) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), waiting up to ``lock_timeout`` s for a lock.

    A new database file is created readable by its owner only (it holds password and token hashes).
    """
    if str(path) != ":memory:":
        private_file(path)
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=lock_timeout, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(lock_timeout * 1000)}")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


# an intake's status in words, for the refusal when two windows act on one report
INTAKE_STATUS_WORDS = {"open": N_("待处理"), "incident": N_("已立事件"), "no_incident": N_("不立事件")}


def translate_sqlite_error(exc: sqlite3.Error) -> EmergencyError | None:
    """The refusal a person should see for a SQLite error (from the one table), or None when it is a bug."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return refusal("busy")
    if "disk is full" in text or "database or disk is full" in text:
        return refusal("full")
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return refusal("unreadable", detail=str(exc))
    if "drill" in text and "constraint" not in text:
        return mixed_drill()
    return None


def close_pools() -> None:
    """Close this process's PostgreSQL connection pools (before a server forks its workers)."""
    if "emergency.store.postgres" in sys.modules:
        sys.modules["emergency.store.postgres"].close_all_pools()


# The database errors a caller outside the store may meet (the CLI names an unreadable file by them)
DatabaseError = sqlite3.DatabaseError


# Every table of the schema, parents before children (events name their incident).
TABLES = ("incidents", "events", "ledger", "audit", "drills", "scenarios", "users", "sessions", "tokens",
          "improvements", "intakes", "plan_versions", "documents", "contacts", "roster", "report_headers",
          "duty_log", "handovers", "roster_swaps", "staffing", "incident_starts", "document_reservations",
          "office_prefixes", "document_pdfs")


def copy_store(source: Store, target: Store) -> dict[str, int]:
    """Copy every row of ``source`` into the empty ``target`` in one transaction (emergency migrate-store).
    Refuses a target holding any row. Returns the rows copied per table."""
    full = [t for t in TABLES if target.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]]
    if full:
        raise Refused("目标数据库已有数据（%(tables)s），请指定空数据库", tables=full)
    copied = {}
    with target.write():
        for name in TABLES:
            cur = source.db.execute(f"SELECT * FROM {name}")
            columns = [d[0] for d in cur.description]
            rows = cur.fetchall()
            if rows:
                target.insert_rows(name, columns, rows)
            copied[name] = len(rows)
        target.after_copy()
    return copied


def is_postgres(location: str | Path) -> bool:
    """A PostgreSQL URL (``postgresql://…``) rather than a SQLite file path."""
    return str(location).startswith(("postgresql://", "postgres://"))


def shown_location(location: str | Path) -> str:
    """A database location fit for a message or a log: a URL's password is replaced by ***."""
    text = str(location)
    if is_postgres(text):
        parts = urlsplit(text)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
            return urlunsplit(parts._replace(netloc=netloc))
    return text


class Store:
    """One connection's view of the incident log in a SQLite file (the embedded default). Open one per thread (the
    web app: per request), through ``emergency.store.open_store``, which picks this store or the PostgreSQL one
    (``emergency.store.postgres``) by the location: the same interface, the same SQL where the two agree, and the
    dialect's own transaction, locking and migrations where they do not.
    """

    IntegrityError: type[Exception] = sqlite3.IntegrityError

    last_event: dict | None = None   # the event the last append wrote, with its hash (the action's answer)

    def __init__(self, path: str | Path, create: bool = True, lock_timeout: float = 10.0,
                 chain_key: bytes | None = None, plans: PlanLibrary | None = None):
        self.path = str(path)
        # The plan library incidents are read against: the store keeps the text of every plan version an
        # incident started under, and makes an older one loadable again when the incident is read.
        self.plans = plans or library()
        self.people, self.drills, self.improvements = People(self), Drills(self), Improvements(self)
        self.audit, self.documents = Audit(self), Documents(self)
        self.directory, self.roster, self.shifts = Directory(self), Roster(self), ShiftLog(self)
        self.lock_timeout = lock_timeout
        self.db = self._open()
        self.key = chain_key if chain_key is not None else chain_key_for(self.path)
        if create:
            self.migrate()

    def _open(self):
        return Database(connect(self.path, self.lock_timeout))

    def close(self) -> None:
        self.db.conn.close()

    def migrate(self) -> list[str]:
        """Apply pending schema migrations (emergency init-db / serve on start). Returns their names."""
        try:
            return apply_migrations(self)
        except sqlite3.DatabaseError as exc:
            raise translate_sqlite_error(exc) or exc from None

    def pending_migrations(self) -> list[str]:
        """The names of the schema migrations this database lacks."""
        return [m.name for m in migrations.pending(self.db)]

    def applied_migrations(self) -> list[str]:
        return [m.name for m in migrations.applied(self.db)]

    def translate_error(self, exc: Exception) -> EmergencyError | None:
        """The refusal a person should see for a database error of this store, or None when it is a bug."""
        return translate_sqlite_error(exc) if isinstance(exc, sqlite3.Error) else None

    @property
    def kind(self) -> str:
        return "sqlite"

    def insert_rows(self, name: str, columns: list[str], rows: list) -> None:
        """Insert many rows at once (inside ``write()``)."""
        self.db.conn.executemany(f"INSERT INTO {name} ({quoted(columns)}) "
                                 f"VALUES ({', '.join('?' for _ in columns)})", rows)

    def after_copy(self) -> None:
        """Bring counters up to the copied rows (PostgreSQL's identity sequences; nothing on SQLite)."""

    @contextmanager
    def write(self) -> Iterator[Database]:
        """One write transaction holding the write lock from its start.

        ``db.atomic()`` starts a deferred transaction; a read-then-write there can fail to
        upgrade its lock when another writer got in first, so the lock is taken up front.
        Raises StoreBusy when the lock is not had within the lock timeout, StorageFull on a full disk.
        """
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise translate_sqlite_error(exc) or exc from None
        try:
            yield self.db
        except BaseException as exc:
            if self.db.conn.in_transaction:
                self.db.conn.rollback()
            if isinstance(exc, sqlite3.OperationalError):
                raise translate_sqlite_error(exc) or exc from None
            raise
        else:
            try:
                self.db.conn.commit()
            except sqlite3.OperationalError as exc:
                if self.db.conn.in_transaction:
                    self.db.conn.rollback()
                raise translate_sqlite_error(exc) or exc from None

    # ------------------------------------------------------------ writes
    @staticmethod
    def _row(snap: Snapshot, final: bool) -> dict[str, Any]:
        return {"id": snap.id, "plan": snap.plan, "title": snap.title, "drill": int(snap.drill),
                "drill_id": snap.drill_id, "event_group": snap.event_group, "state": snap.state,
                "level": snap.level, "classified_level": snap.classified_level, "version": snap.version,
                "occurred_at": snap.occurred_at, "reported_at": snap.reported_at, "created_at": snap.created_at,
                "updated_at": snap.updated_at, "closed": int(final), "follow_up": int(bool(snap.open_tasks())),
                "snapshot": snap.model_dump_json()}

    # How a writer reads a chain's ledger entry inside its transaction: SQLite's write lock already keeps every other
    # writer out; PostgreSQL locks the entry's row (a note moves it without touching the incident row).
    LEDGER_FOR_WRITE = ""

    def _ledger(self, chain: str, for_write: bool = False) -> tuple[int, str]:
        row = self.db.execute("SELECT count, head FROM ledger WHERE chain = ?" + (self.LEDGER_FOR_WRITE if for_write
                                                                                 else ""), [chain]).fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def _advance_ledger(self, chain: str, count: int, head: str) -> None:
        self.db.execute("INSERT INTO ledger (chain, count, head, mac) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT(chain) DO UPDATE SET count = excluded.count, head = excluded.head, mac = excluded.mac",
                        [chain, count, head, ledger_mac(self.key, chain, count, head)])

    def _chained(self, event: dict, count: int, head: str) -> tuple[dict, tuple[str, int, str, str]]:
        """The event's row chained onto its incident's chain (which ends at ``count``, ``head``), and the chain's
        ledger entry after it (chain, count, head, MAC)."""
        row = {**event, "payload": json.dumps(event["payload"], ensure_ascii=False, sort_keys=True)}
        row["prev_hash"] = head
        row["hash"] = event_hash(row, self.key)
        chain = incident_chain(event["incident_id"])
        self.last_event = {**event, "hash": row["hash"]}   # what was written, for the action's answer
        return row, (chain, count + 1, row["hash"], ledger_mac(self.key, chain, count + 1, row["hash"]))

    def _insert_event(self, event: dict, count: int = 0, head: str = GENESIS) -> None:
        """Insert the event onto its incident's chain, which ends at ``count``, ``head`` (a new incident's is empty),
        and move the chain's ledger entry (one chain per incident, no database-wide chain for writers to
        queue on)."""
        row, (chain, n, tail, tag) = self._chained(event, count, head)
        # one plain INSERT (sqlite-utils' insert reads the schema and wraps a savepoint: five statements more)
        self.db.execute(insert_sql("events", list(row)), list(row.values()))
        self.db.execute("INSERT INTO ledger (chain, count, head, mac) VALUES (?, ?, ?, ?) ON CONFLICT(chain) DO UPDATE "
                        "SET count = excluded.count, head = excluded.head, mac = excluded.mac", [chain, n, tail, tag])

    def _insert_start(self, incident_id: str, at: str) -> None:
        """Chain the incident's start (``incident_starts``): a whole incident deleted, ledger entry and all, shows."""
        count, head = self._ledger("starts")
        entry = {"seq": count + 1, "incident_id": incident_id, "at": at, "prev_hash": head}
        entry["hash"] = start_hash(entry, self.key)
        self.db.execute("INSERT INTO incident_starts (seq, incident_id, at, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
                        [entry["seq"], incident_id, at, head, entry["hash"]])
        self._advance_ledger("starts", entry["seq"], entry["hash"])

    def find_by_idempotency_key(self, key: str) -> str | None:
        row = self.db.execute("SELECT id FROM incidents WHERE idempotency_key = ?", [key]).fetchone()
        return row[0] if row else None

    def create(self, snap: Snapshot, event: dict, final: bool = False, idempotency_key: str | None = None) -> Snapshot:
        """Insert a new incident and its first event, together.

        With an ``idempotency_key`` already used, nothing is written and the incident it made is returned.
        """
        with self.write() as db:
            if idempotency_key:
                existing = self.find_by_idempotency_key(idempotency_key)
                if existing:
                    return self._load(existing)
            if snap.plan_version:
                self._keep_plan_version(snap.plan, snap.plan_version, snap.created_at)
            try:
                insert_row(db, "incidents", {**self._row(snap, final), "idempotency_key": idempotency_key})
            except self.IntegrityError as exc:
                raise mixed_drill("event_group" if "group" in str(exc) else "drill_id") from None
            self._insert_start(snap.id, snap.created_at)
            self._insert_event(event)
        return snap

    def append(self, incident_id: str, expected_version: int,
               change: Callable[[Snapshot], tuple[Snapshot, dict, bool]], merge: bool = False,
               also: list[tuple[str, dict]] = (), current: Snapshot | None = None) -> Snapshot:
        """Apply ``change`` to the incident at ``expected_version`` and write the result and its event.

        ``change`` takes the current snapshot and returns (new snapshot, event, whether final).
        With ``merge`` (a change that cannot conflict, e.g. a note) it applies to the current version
        even when the caller saw an older one. Raises NotFound, StaleVersion, or whatever ``change``
        raises; nothing is written then.

        The change is worked out before the write lock is taken (it is most of a transition's time), and
        written under the lock only if the incident is still at the version it was worked out from (the
        conditional UPDATE): writers on several processes then wait for each other only while the rows
        and both chains are written. When another writer got in between, a state change is refused as
        stale; a merge is worked out again under the lock, so it always lands.

        ``also``: rows (table, row) written in the same transaction as the event, e.g. an issued document.
        ``current``: the incident as the caller read it just now (one read per action); the conditional
        UPDATE still refuses it if another writer got in between.
        """
        current = current if current is not None and current.id == incident_id else self._current(incident_id,
                                                                                                  expected_version)
        if current.version != expected_version and not merge:
            raise StaleVersion(expected_version, current.version)
        for _attempt in range(OPTIMISTIC_ATTEMPTS):
            seen = current.version  # change() may apply in place
            snap, event, final = change(current)
            if self._commit_change(incident_id, seen, snap, event, final, also):
                return snap
            current = self._load(incident_id)
            if not merge and current.version != expected_version:
                raise StaleVersion(expected_version, current.version)
            # a merge that lost the race, or a change worked out on a copy that was not the stored one: worked out
            # again on what is there now
        return self._append_holding_the_chain(incident_id, expected_version, change, merge, also)

    def _append_holding_the_chain(self, incident_id: str, expected_version: int,
                                  change: Callable[[Snapshot], tuple[Snapshot, dict, bool]], merge: bool,
                                  also: list[tuple[str, dict]]) -> Snapshot:
        """A change that lost the race every time it was tried (quicker writers — notes — kept getting in while it
        was worked out) is worked out and written under the write lock with the chain's ledger entry held, so
        nobody can get in between: it lands, however busy the incident, instead of being refused as busy."""
        with self.write() as db:
            self._ledger(incident_chain(incident_id), for_write=True)
            current = self._load(incident_id)
            if not merge and current.version != expected_version:
                raise StaleVersion(expected_version, current.version)
            seen = current.version
            snap, event, final = change(current)
            if not self._write_change(db, incident_id, seen, snap, event, final):
                raise refusal("busy")   # not reached: the entry is held, so the chain is where it was read
            for name, row in also:
                insert_row(db, name, row)
        return snap

    def _commit_change(self, incident_id: str, seen: int, snap: Snapshot, event: dict, final: bool,
                       also: list[tuple[str, dict]]) -> bool:
        """Write the change in one transaction if the incident is still at version ``seen``; False if it is not."""
        with self.write() as db:
            written = self._write_change(db, incident_id, seen, snap, event, final)
            for name, row in also if written else ():
                insert_row(db, name, row)
        return written

    def _write_change(self, db, incident_id: str, seen: int, snap: Snapshot, event: dict, final: bool) -> bool:
        """Write ``snap`` and its event if the incident is still at version ``seen`` (its chain ends there: the
        version is the chain's count); False if it is not. A quiet change (a note) writes its event alone and leaves
        the incident row at the last change that altered it: reads take version and time from the head."""
        count, head = self._ledger(incident_chain(incident_id), for_write=True)
        if count != seen:
            return False
        if not self._quiet(event, final):
            db.execute("UPDATE incidents SET state=?, level=?, classified_level=?, version=?, updated_at=?, "
                       "closed=?, follow_up=?, snapshot=? WHERE id=?",
                       [snap.state, snap.level, snap.classified_level, snap.version, snap.updated_at,
                        int(final), int(bool(snap.open_tasks())), snap.model_dump_json(), incident_id])
        self._insert_event(event, count, head)
        return True

    @staticmethod
    def _quiet(event: dict, final: bool) -> bool:
        """A change whose event is the whole record (a note) to an incident that stays open: its row is not written."""
        return event["trigger"] in QUIET_TRIGGERS and not final

    def backup_to(self, destination: str | Path) -> None:
        """A copy of this SQLite database at ``destination``, taken while it is in use (SQLite's online backup)."""
        src, dst = sqlite3.connect(self.path), sqlite3.connect(str(destination))
        try:
            with dst:
                src.backup(dst)
        finally:
            src.close()
            dst.close()

    def audit_in_transaction(self, kind: str, actor: str | None, subject: str | None, detail: dict | None,
                             addr: str | None, at: str) -> None:
        """One security event written inside the write transaction the caller holds (``write()``), so a repository's
        rows and the event that records them land together or not at all."""
        count, head = self._ledger("audit")
        row = {"seq": count + 1, "at": at, "kind": kind, "actor": actor or "", "subject": subject or "",
               "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True), "addr": addr or "",
               "prev_hash": head}
        row["hash"] = audit_hash(row, self.key)
        insert_row(self.db, "audit", row)
        self._advance_ledger("audit", row["seq"], row["hash"])

    def _keep_plan_version(self, plan_id: str, version: str, at: str) -> None:
        """Keep the text of the plan version an incident starts under (once per version)."""
        if version != self.plans.current_version(plan_id):
            return  # only the file in force can be started under; an older one is kept already
        self.db.execute("INSERT INTO plan_versions (plan, version, text, first_used_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (plan, version) DO NOTHING", [plan_id, version, self.plans.current_text(plan_id), at])

    def with_plan_version(self, snap: Snapshot) -> Snapshot:
        """Make sure the plan version the incident runs under is loadable (it may be an older file): every read of a
        snapshot passes through here, ``verify`` too."""
        if snap.plan in self.plans.plans and not self.plans.is_known_version(snap.plan, snap.plan_version):
            row = self.db.execute("SELECT text FROM plan_versions WHERE plan = ? AND version = ?",
                                  [snap.plan, snap.plan_version]).fetchone()
            if row is not None:
                self.plans.register_version(snap.plan, snap.plan_version, row[0])
        return snap

    # ------------------------------------------------------------ reads
    def _load(self, incident_id: str) -> Snapshot:
        """The incident as stored: its row's snapshot at the head of its chain (the version is the chain's count, the
        time its last event's), read with where the chain ends (kept for a write that follows: one read per action,
        )."""
        row = self.db.execute("SELECT i.snapshot, l.count, l.head, e.at FROM incidents i "
                              "LEFT JOIN ledger l ON l.chain = 'incident:' || i.id "
                              "LEFT JOIN events e ON e.incident_id = i.id AND e.seq = l.count WHERE i.id = ?",
                              [incident_id]).fetchone()
        if row is None:
            raise NotFound("incident", incident_id)
        snap = at_head(Snapshot.model_validate_json(row[0]), row[1], row[3])
        self._remember(incident_id, row[0], snap.version, row[2] or GENESIS, snap.updated_at)
        return self.with_plan_version(snap)

    def _remember(self, incident_id: str, snapshot: str, version: int, head: str, at: str) -> None:
        """Keep an incident as read or written — its row's snapshot, and its version, chain head and time at the head
        of its chain — (the PostgreSQL store writes from it)."""

    def _current(self, incident_id: str, expected_version: int) -> Snapshot:
        """The incident an action applies to: as stored (the PostgreSQL store may answer from what it last read or
        wrote at ``expected_version``, its write then conditional on the chain's head)."""
        return self._load(incident_id)

    def get(self, incident_id: str) -> Snapshot:
        return self._load(incident_id)

    def exists(self, incident_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM incidents WHERE id = ?", [incident_id]).fetchone() is not None

    def group_members(self, group: str) -> list[tuple[str, bool, str | None]]:
        """(id, drill, drill_id) of every incident of an event group (the first one's id may be the key)."""
        rows = self.db.execute("SELECT id, drill, drill_id FROM incidents WHERE event_group = ? OR id = ?",
                               [group, group]).fetchall()
        return [(r[0], bool(r[1]), r[2]) for r in rows]

    EVENT_KEYS = ("incident_id", "seq", "trigger", "payload", "actor", "at", "state", "level", "classified_level",
                  "version", "hash")

    def events(self, incident_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute(f"SELECT {', '.join(self.EVENT_KEYS)} FROM events WHERE incident_id = ? ORDER BY seq",
                               [incident_id]).fetchall()
        keys, loads = self.EVENT_KEYS, json.loads
        out = []
        for r in rows:
            ev = dict(zip(keys, r, strict=False))
            ev["payload"] = loads(r[3])
            out.append(ev)
        return out

    def chain_head(self, incident_id: str) -> str | None:
        row = self.db.execute("SELECT hash FROM events WHERE incident_id = ? ORDER BY seq DESC LIMIT 1",
                              [incident_id]).fetchone()
        return row[0] if row else None

    def anchor(self) -> dict[str, Any]:
        """Where every chain ends now — the audit chain, the chain of incident starts and each incident's chain — to
        publish or keep elsewhere (a daily anchor): a log rolled back or rewritten since no longer holds it."""
        out: dict[str, Any] = {}
        for chain in ("audit", "starts"):
            count, head = self._ledger(chain)
            out[chain] = {"count": count, "head": head}
        rows = self.db.execute("SELECT chain, count, head FROM ledger WHERE chain LIKE 'incident:%' ORDER BY chain")
        out["incidents"] = {r[0].split(":", 1)[1]: {"count": r[1], "head": r[2]} for r in rows.fetchall()}
        return out

    def verify(self) -> list[dict[str, Any]]:
        """Every broken link, snapshot and anchor (see emergency.store.integrity.verify)."""
        return verify_store(self)

    def list(self, drill: bool | None = False, open_only: bool = False, event_group: str | None = None,
             drill_id: str | None = None, limit: int = 500) -> list[Snapshot]:
        """Incidents, newest first. ``drill``: False real only (the default), True drills only, None both.

        A row whose snapshot cannot be read is skipped here; ``list_rows`` reports it as damaged.
        """
        return [s for s in self.list_rows(drill, open_only, event_group, drill_id, limit) if isinstance(s, Snapshot)]

    def list_rows(self, drill: bool | None = False, open_only: bool = False, event_group: str | None = None,
                  drill_id: str | None = None, limit: int = 500) -> list[Snapshot | dict[str, Any]]:
        """Like ``list``, but a damaged row comes back as ``{"id", "title", "damaged": reason}``."""
        clause, params = where(("drill = ?", drill),
                               # open, or closed with a task still open
                               ("(closed = 0 OR follow_up = 1)", open_only == "or_follow_up"),
                               ("closed = 0", bool(open_only) and open_only != "or_follow_up"),
                               # an event's incidents; the first one's id may serve as the group key
                               ("(event_group = ? OR id = ?)", event_group), ("drill_id = ?", drill_id))
        return self._snapshots(f"SELECT id, title, snapshot, {HEAD_SEQ}, {LAST_CHANGE} FROM incidents{clause} "
                               "ORDER BY 5 DESC, id LIMIT ?", params + [limit])

    def search(self, since: str | None = None, until: str | None = None, plan: str | None = None,
               level: str | None = None, text: str | None = None, drill: bool | None = False,
               closed: bool | None = None, limit: int = 200) -> list[Snapshot]:
        """Incidents, closed ones included, by occurrence time (ISO bounds, inclusive), plan, level
        (decided, else classified), words in the title, drill flag and closed flag; newest first."""
        clause, params = where(("occurred_at >= ?", since), ("occurred_at <= ?", until), ("plan = ?", plan),
                               ("coalesce(level, classified_level) = ?", level), ("instr(title, ?) > 0", text),
                               ("drill = ?", drill), ("closed = ?", closed))
        sql = f"SELECT id, title, snapshot, {HEAD_SEQ}, {HEAD_AT} FROM incidents{clause} ORDER BY occurred_at DESC, id LIMIT ?"
        return [s for s in self._snapshots(sql, params + [limit]) if isinstance(s, Snapshot)]

    def touched(self, since: str, until: str, drill: bool = False, drill_id: str | None = None) -> list[Snapshot]:
        """The incidents a window of time could hold activity of: recorded before ``until`` and changed since
        ``since`` (a shift's log), not every incident ever recorded."""
        clause, params = where((f"(updated_at >= ? OR {HEAD_AT} >= ?)", since), ("created_at < ?", until), ("drill = ?", drill),
                               ("drill_id = ?", drill_id))
        return [s for s in self._snapshots(f"SELECT id, title, snapshot, {HEAD_SEQ}, {HEAD_AT} FROM incidents{clause} "
                                           "ORDER BY created_at, id", params) if isinstance(s, Snapshot)]

    def first_actors(self, incident_ids: list[str]) -> dict[str, str]:
        """Who recorded each incident (the actor of its first event), in one query."""
        if not incident_ids:
            return {}
        rows = self.db.execute(f"SELECT incident_id, actor FROM events WHERE seq = 1 AND incident_id IN "
                               f"({', '.join('?' for _ in incident_ids)})", list(incident_ids)).fetchall()
        return dict(rows)

    def _snapshots(self, sql: str, params: list) -> list[Snapshot | dict[str, Any]]:
        """Rows of (id, title, snapshot, head seq, head time) as snapshots at the head of their chains; a damaged one
        as ``{"id", "title", "damaged": reason}``."""
        out: list[Snapshot | dict[str, Any]] = []
        for r in self.db.execute(sql, params).fetchall():
            try:
                out.append(self.with_plan_version(at_head(Snapshot.model_validate_json(r[2]), r[3], r[4])))
            except ValueError as exc:
                out.append({"id": r[0], "title": (r[1] or "")[:200], "damaged": str(exc).splitlines()[0][:200]})
        return out

    # ------------------------------------------------------------ intakes (接报登记)
    INTAKE_COLUMNS = ("id", "source", "reference", "received_at", "caller", "callback", "place", "description",
                      "matter", "late_reason", "drill", "drill_id", "recorded_by", "recorded_at", "status",
                      "incident_id", "plan", "closed_reason", "closed_by", "closed_at", "drill_title", "facts",
                      "unit_received_at")

    def add_intake(self, row: dict[str, Any]) -> None:
        with self.write() as db:
            insert_row(db, "intakes", {**row, "drill": int(bool(row.get("drill"))),
                                  "facts": json.dumps(row.get("facts") or {}, ensure_ascii=False)})

    def _intake_row(self, row) -> dict[str, Any]:
        out = dict(zip(self.INTAKE_COLUMNS, row, strict=False))
        return {**out, "drill": bool(out["drill"]), "facts": json.loads(out["facts"] or "{}")}

    def get_intake(self, intake_id: str) -> dict[str, Any]:
        row = self.db.execute(f"SELECT {', '.join(self.INTAKE_COLUMNS)} FROM intakes WHERE id = ?",
                              [intake_id]).fetchone()
        if row is None:
            raise NotFound("intake", str(intake_id)[:40])
        return self._intake_row(row)

    def intake_of(self, incident_id: str, event_group: str | None = None) -> dict[str, Any] | None:
        """The report received (接报登记) an incident was opened from — or, for an event recorded under several
        plans, the one any of its records was opened from — else None."""
        row = self.db.execute(
            f"SELECT {', '.join(self.INTAKE_COLUMNS)} FROM intakes WHERE incident_id = ? OR incident_id IN "
            "(SELECT id FROM incidents WHERE event_group = ?) ORDER BY received_at, id LIMIT 1",
            [incident_id, event_group or incident_id]).fetchone()
        return self._intake_row(row) if row else None

    def update_intake(self, intake_id: str, expected_status: str, **changes) -> None:
        """Change an intake that is still ``expected_status`` (so two windows cannot both act on it)."""
        sets = ", ".join(f"{k} = ?" for k in changes)
        with self.write() as db:
            cur = db.execute(f"UPDATE intakes SET {sets} WHERE id = ? AND status = ?",
                             [*changes.values(), intake_id, expected_status])
            if cur.rowcount != 1:
                current = self.get_intake(intake_id)["status"]
                raise Refused("该接报已处理（%(status)s），请刷新", status=INTAKE_STATUS_WORDS.get(current, current))

    def search_intakes(self, since: str | None = None, until: str | None = None, matter: str | None = None,
                       drill: bool = False, limit: int = 200) -> list[dict[str, Any]]:
        clause, params = where(("drill = ?", bool(drill)), ("received_at >= ?", since), ("received_at <= ?", until),
                               ("matter = ?", matter))
        rows = self.db.execute(f"SELECT {', '.join(self.INTAKE_COLUMNS)} FROM intakes{clause} "
                               "ORDER BY received_at DESC, id LIMIT ?", params + [limit]).fetchall()
        return [self._intake_row(r) for r in rows]

    def incident_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM incidents ORDER BY id").fetchall()]
