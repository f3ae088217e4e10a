"""The incident repository: incidents, their chained events and the plan versions they run under, on the store's
connection and inside its transactions (``Store.write``). One class for SQLite; the PostgreSQL store's subclass
(``emergency.store.postgres.PgIncidents``) writes a change without the database-wide lock when it can.

A state change and its event row are written in one transaction, after the version is checked: a change sent with
a stale version is refused, never merged (see ``Incidents.append``).
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

from emergency.core.chains import GENESIS, event_hash, incident_chain, ledger_mac, start_hash
from emergency.core.errors import NotFound, StaleVersion
from emergency.core.incident import Snapshot
from emergency.response.lifecycle import QUIET_TRIGGERS
from .refusals import mixed_drill, refusal
from .table import insert_row
from .where import insert_sql, where

if TYPE_CHECKING:
    from .interface import UnitOfWork as Store

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


class Incidents:
    """The incidents of one store: what a use case reads and writes of an incident, nothing of the connection."""

    def __init__(self, store: Store):
        self.store = store
        self.last_event: dict | None = None   # the event the last write put on a chain, with its hash (the answer)

    EVENT_KEYS = ("incident_id", "seq", "trigger", "payload", "actor", "at", "state", "level", "classified_level",
                  "version", "hash")

    @staticmethod
    def _row(snap: Snapshot, final: bool) -> dict[str, Any]:
        return {"id": snap.id, "plan": snap.plan, "title": snap.title, "drill": int(snap.drill),
                "drill_id": snap.drill_id, "event_group": snap.event_group, "state": snap.state,
                "level": snap.level, "classified_level": snap.classified_level, "version": snap.version,
                "occurred_at": snap.occurred_at, "reported_at": snap.reported_at, "created_at": snap.created_at,
                "updated_at": snap.updated_at, "closed": int(final), "follow_up": int(bool(snap.open_tasks())),
                "snapshot": snap.model_dump_json()}

    def _chained(self, event: dict, count: int, head: str) -> tuple[dict, tuple[str, int, str, str]]:
        """The event's row chained onto its incident's chain (which ends at ``count``, ``head``), and the chain's
        ledger entry after it (chain, count, head, MAC)."""
        row = {**event, "payload": json.dumps(event["payload"], ensure_ascii=False, sort_keys=True)}
        row["prev_hash"] = head
        row["hash"] = event_hash(row, self.store.key)
        chain = incident_chain(event["incident_id"])
        self.last_event = {**event, "hash": row["hash"]}   # what was written, for the action's answer
        return row, (chain, count + 1, row["hash"], ledger_mac(self.store.key, chain, count + 1, row["hash"]))

    def _insert_event(self, event: dict, count: int = 0, head: str = GENESIS) -> None:
        """Insert the event onto its incident's chain, which ends at ``count``, ``head`` (a new incident's is empty),
        and move the chain's ledger entry (one chain per incident, no database-wide chain for writers to
        queue on)."""
        row, (chain, n, tail, _tag) = self._chained(event, count, head)
        # one plain INSERT (sqlite-utils' insert reads the schema and wraps a savepoint: five statements more)
        self.store.db.execute(insert_sql("events", list(row)), list(row.values()))
        self.store.advance_ledger(chain, n, tail)

    def _insert_start(self, incident_id: str, at: str) -> None:
        """Chain the incident's start (``incident_starts``): a whole incident deleted, ledger entry and all, shows."""
        count, head = self.store.ledger("starts")
        entry = {"seq": count + 1, "incident_id": incident_id, "at": at, "prev_hash": head}
        entry["hash"] = start_hash(entry, self.store.key)
        self.store.db.execute("INSERT INTO incident_starts (seq, incident_id, at, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
                              [entry["seq"], incident_id, at, head, entry["hash"]])
        self.store.advance_ledger("starts", entry["seq"], entry["hash"])

    def find_by_idempotency_key(self, key: str) -> str | None:
        row = self.store.db.execute("SELECT id FROM incidents WHERE idempotency_key = ?", [key]).fetchone()
        return row[0] if row else None

    def create(self, snap: Snapshot, event: dict, final: bool = False, idempotency_key: str | None = None) -> Snapshot:
        """Insert a new incident and its first event, together.

        With an ``idempotency_key`` already used, nothing is written and the incident it made is returned.
        """
        with self.store.write() as db:
            if idempotency_key:
                existing = self.find_by_idempotency_key(idempotency_key)
                if existing:
                    return self._load(existing)
            if snap.plan_version:
                self._keep_plan_version(snap.plan, snap.plan_version, snap.created_at)
            try:
                insert_row(db, "incidents", {**self._row(snap, final), "idempotency_key": idempotency_key})
            except self.store.IntegrityError as exc:
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
        with self.store.write() as db:
            self.store.ledger(incident_chain(incident_id), for_write=True)
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
        with self.store.write() as db:
            written = self._write_change(db, incident_id, seen, snap, event, final)
            for name, row in also if written else ():
                insert_row(db, name, row)
        return written

    def _write_change(self, db, incident_id: str, seen: int, snap: Snapshot, event: dict, final: bool) -> bool:
        """Write ``snap`` and its event if the incident is still at version ``seen`` (its chain ends there: the
        version is the chain's count); False if it is not. A quiet change (a note) writes its event alone and leaves
        the incident row at the last change that altered it: reads take version and time from the head."""
        count, head = self.store.ledger(incident_chain(incident_id), for_write=True)
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

    def _keep_plan_version(self, plan_id: str, version: str, at: str) -> None:
        """Keep the text of the plan version an incident starts under (once per version)."""
        if version != self.store.plans.current_version(plan_id):
            return  # only the file in force can be started under; an older one is kept already
        self.store.db.execute("INSERT INTO plan_versions (plan, version, text, first_used_at) VALUES (?, ?, ?, ?) "
                              "ON CONFLICT (plan, version) DO NOTHING",
                              [plan_id, version, self.store.plans.current_text(plan_id), at])

    def with_plan_version(self, snap: Snapshot) -> Snapshot:
        """Make sure the plan version the incident runs under is loadable (it may be an older file): every read of a
        snapshot passes through here, ``verify`` too."""
        if snap.plan in self.store.plans.plans and not self.store.plans.is_known_version(snap.plan, snap.plan_version):
            row = self.store.db.execute("SELECT text FROM plan_versions WHERE plan = ? AND version = ?",
                                  [snap.plan, snap.plan_version]).fetchone()
            if row is not None:
                self.store.plans.register_version(snap.plan, snap.plan_version, row[0])
        return snap

    def _load(self, incident_id: str) -> Snapshot:
        """The incident as stored: its row's snapshot at the head of its chain (the version is the chain's count, the
        time its last event's), read with where the chain ends (kept for a write that follows: one read per action,
        )."""
        row = self.store.db.execute("SELECT i.snapshot, l.count, l.head, e.at FROM incidents i "
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
        return self.store.db.execute("SELECT 1 FROM incidents WHERE id = ?", [incident_id]).fetchone() is not None

    def group_members(self, group: str) -> list[tuple[str, bool, str | None]]:
        """(id, drill, drill_id) of every incident of an event group (the first one's id may be the key)."""
        rows = self.store.db.execute("SELECT id, drill, drill_id FROM incidents WHERE event_group = ? OR id = ?",
                               [group, group]).fetchall()
        return [(r[0], bool(r[1]), r[2]) for r in rows]

    def events(self, incident_id: str, newest: int | None = None, before: int | None = None) -> list[dict[str, Any]]:
        """The incident's events in order; with ``newest``, only the last that many (of those before event number
        ``before``, when given): one page of a long incident is read, not the whole of it."""
        sql = f"SELECT {', '.join(self.EVENT_KEYS)} FROM events WHERE incident_id = ?"
        params: list[Any] = [incident_id]
        if before is not None:
            sql, params = sql + " AND seq < ?", params + [before]
        if newest is None:
            rows = self.store.db.execute(sql + " ORDER BY seq", params).fetchall()
        else:
            rows = self.store.db.execute(sql + " ORDER BY seq DESC LIMIT ?", params + [newest]).fetchall()[::-1]
        keys, loads = self.EVENT_KEYS, json.loads
        out = []
        for r in rows:
            ev = dict(zip(keys, r, strict=False))
            ev["payload"] = loads(r[3])
            out.append(ev)
        return out

    def trigger_count(self, incident_id: str, trigger: str, from_seq: int = 1) -> int:
        """How many of the incident's events from number ``from_seq`` on are ``trigger`` steps."""
        return self.store.db.execute("SELECT count(*) FROM events WHERE incident_id = ? AND trigger = ? AND seq >= ?",
                                     [incident_id, trigger, from_seq]).fetchone()[0]

    def chain_head(self, incident_id: str) -> str | None:
        row = self.store.db.execute("SELECT hash FROM events WHERE incident_id = ? ORDER BY seq DESC LIMIT 1",
                              [incident_id]).fetchone()
        return row[0] if row else None

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
        rows = self.store.db.execute(f"SELECT incident_id, actor FROM events WHERE seq = 1 AND incident_id IN "
                               f"({', '.join('?' for _ in incident_ids)})", list(incident_ids)).fetchall()
        return dict(rows)

    def _snapshots(self, sql: str, params: list) -> list[Snapshot | dict[str, Any]]:
        """Rows of (id, title, snapshot, head seq, head time) as snapshots at the head of their chains; a damaged one
        as ``{"id", "title", "damaged": reason}``."""
        out: list[Snapshot | dict[str, Any]] = []
        for r in self.store.db.execute(sql, params).fetchall():
            try:
                out.append(self.with_plan_version(at_head(Snapshot.model_validate_json(r[2]), r[3], r[4])))
            except ValueError as exc:
                out.append({"id": r[0], "title": (r[1] or "")[:200], "damaged": str(exc).splitlines()[0][:200]})
        return out

    def incident_ids(self) -> list[str]:
        return [r[0] for r in self.store.db.execute("SELECT id FROM incidents ORDER BY id").fetchall()]
