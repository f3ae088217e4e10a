"""A unit of work held in memory: what the incident use cases (``emergency.services.incidents``) ask of a store —
its plans and its incident repository — so their tests run in the unit tier without a database.

It keeps the store's rules a use case relies on, and no more: one event per change, numbered from 1, each chained
onto the one before by the same keyed hash; a change at a version that is no longer the incident's refused as
stale (a mergeable one applied to the current version); nothing kept when a change raises; an idempotency key
answered with the incident it made; every read a copy, as a database gives. What the databases add — the ledger's
MACs, the write lock, integrity triggers, plan versions kept as text — is the real stores' and is tested on them
(``tests/integration/test_the_fake_keeps_the_stores_rules.py`` runs one sequence on this and on both stores).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from emergency.core.chains import GENESIS, event_hash
from emergency.core.errors import NotFound, StaleVersion
from emergency.core.incident import Snapshot

KEY = b"fake-incident-log"


class FakeUnitOfWork:
    """The store's place for the use cases: its plan library and the repositories it hands out."""

    def __init__(self, plans):
        self.plans = plans
        self.incidents = FakeIncidents()


class FakeIncidents:
    """``emergency.store.interface.IncidentRepository`` in memory."""

    def __init__(self):
        self._rows: dict[str, dict[str, Any]] = {}       # id → {"snapshot": JSON, "final": bool, "key": str | None}
        self._events: dict[str, list[dict[str, Any]]] = {}
        self.last_event: dict[str, Any] | None = None

    # ---------------------------------------------------------------- writes
    def find_by_idempotency_key(self, key: str) -> str | None:
        return next((i for i, row in self._rows.items() if row["key"] == key), None)

    def create(self, snap: Snapshot, event: dict, final: bool = False, idempotency_key: str | None = None) -> Snapshot:
        existing = self.find_by_idempotency_key(idempotency_key) if idempotency_key else None
        if existing:
            return self.get(existing)
        self._events[snap.id] = []
        self._rows[snap.id] = {"snapshot": snap.model_dump_json(), "final": final, "key": idempotency_key}
        self._chain(event)
        return snap

    def append(self, incident_id: str, expected_version: int,
               change: Callable[[Snapshot], tuple[Snapshot, dict, bool]], merge: bool = False,
               also: list[tuple[str, dict]] = (), current: Snapshot | None = None) -> Snapshot:
        """``change`` applied to the incident as kept (never to the caller's copy); kept only if it returns."""
        stored = self.get(incident_id)
        if stored.version != expected_version and not merge:
            raise StaleVersion(expected_version, stored.version)
        snap, event, final = change(stored)
        self._rows[incident_id].update(snapshot=snap.model_dump_json(), final=final)
        self._chain(event)
        return snap

    def _chain(self, event: dict) -> None:
        chain = self._events[event["incident_id"]]
        row = {**event, "prev_hash": chain[-1]["hash"] if chain else GENESIS}
        row["hash"] = event_hash({**row, "payload": _json(event["payload"])}, KEY)
        chain.append(row)
        self.last_event = {**event, "hash": row["hash"]}

    # ---------------------------------------------------------------- reads
    def get(self, incident_id: str) -> Snapshot:
        if incident_id not in self._rows:
            raise NotFound("incident", incident_id)
        return Snapshot.model_validate_json(self._rows[incident_id]["snapshot"])

    def exists(self, incident_id: str) -> bool:
        return incident_id in self._rows

    def events(self, incident_id: str, newest: int | None = None, before: int | None = None) -> list[dict[str, Any]]:
        kept = [{k: v for k, v in e.items() if k != "prev_hash"} for e in self._events.get(incident_id, [])
                if before is None or e["seq"] < before]
        return kept if newest is None else kept[-newest:] if newest else []

    def trigger_count(self, incident_id: str, trigger: str, from_seq: int = 1) -> int:
        return sum(1 for e in self._events.get(incident_id, []) if e["trigger"] == trigger and e["seq"] >= from_seq)

    def chain_head(self, incident_id: str) -> str | None:
        chain = self._events.get(incident_id)
        return chain[-1]["hash"] if chain else None

    def group_members(self, group: str) -> list[tuple[str, bool, str | None]]:
        return [(s.id, s.drill, s.drill_id) for s in self._all() if s.event_group == group or s.id == group]

    def list(self, drill: bool | None = False, open_only: bool | str = False, event_group: str | None = None,
             drill_id: str | None = None, limit: int = 500) -> list[Snapshot]:
        """Newest change first, as the stores list them."""
        out = [s for s in self._all()
               if (drill is None or s.drill == drill) and self._open(s, open_only)
               and (event_group is None or event_group in (s.event_group, s.id))
               and (drill_id is None or s.drill_id == drill_id)]
        return sorted(out, key=lambda s: (s.updated_at, s.id), reverse=True)[:limit]

    list_rows = list   # nothing kept here can be damaged

    def _open(self, snap: Snapshot, open_only: bool | str) -> bool:
        final = self._rows[snap.id]["final"]
        if open_only == "or_follow_up":
            return not final or bool(snap.open_tasks())
        return not (open_only and final)

    def _all(self) -> list[Snapshot]:
        return [self.get(i) for i in self._rows]


def _json(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)

    def with_plan_version(self, snap: Snapshot) -> Snapshot:
        return snap   # the fake keeps no older plan file: every incident runs under the plan in force
