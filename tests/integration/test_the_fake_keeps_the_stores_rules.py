"""The incident log in memory that the unit tier's use-case tests run on (``tests.fakes``) answers as the stores do:
one sequence of steps — a report, steps, a note merged onto a newer version, a stale step refused, a key sent twice,
a drill beside a real incident — run on the fake and on each store leaves the same incidents, the same events in
the same order, the same lists and the same refusals. A rule the fake lost would pass in the unit tier and fail here."""
import pytest

from emergency.core.clock import FixedClock
from emergency.core.errors import EmergencyError
from emergency.services import incidents as svc
from emergency.store import open_store
from tests.fakes import FakeUnitOfWork
from tests.library import PLANS

pytestmark = pytest.mark.both_stores

REPORT = {"plan": "environment", "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:00",
          "reported_at": "2026-11-22T08:10"}


def _run(store) -> dict:
    """The sequence, and what a reader of the store sees after it (ids made by the store replaced by their order)."""
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    refusals = []

    def attempt(*args):
        try:
            return svc.act(store, *args, clock)
        except EmergencyError as exc:
            refusals.append(str(exc))
            return None

    real = svc.report(store, REPORT, "值班员", clock, idempotency_key="k1")
    again = svc.report(store, REPORT, "值班员", clock, idempotency_key="k1")
    drill = svc.report(store, {**REPORT, "drill": True, "drill_id": "d1"}, "值班员", clock)
    clock.advance(minutes=5)
    attempt(real.id, "assess", 1, {}, "指挥")
    attempt(real.id, "add_note", 1, {"note": "现场已封控"}, "值班员")            # merged onto version 2
    attempt(real.id, "start_first_response", 1, {}, "值班员")                  # stale
    attempt(real.id, "terminate", 3, {"declared_by": "x"}, "指挥")             # not from this state
    clock.advance(minutes=5)
    attempt(real.id, "activate", 3, {"level": "IV", "approved_by": "区长"}, "指挥")
    attempt(real.id, "tick_notification", 3, {"notification": "first-phone"}, "值班员")  # merged onto version 4
    names = {real.id: "real", drill.id: "drill"}
    return {"again": names[again.id], "refusals": refusals,
            "real": store.incidents.get(real.id).model_dump(exclude={"id"}),
            "events": [{k: v for k, v in e.items() if k not in ("incident_id", "hash")} for e in store.incidents.events(real.id)],
            "rebuilt": svc.rebuild(store, real.id) == store.incidents.get(real.id),
            "listed": [names[s.id] for s in store.incidents.list()], "drills": [names[s.id] for s in store.incidents.list(drill=True)],
            "open": sorted(names[s.id] for s in store.incidents.list(drill=None, open_only=True))}


def test_the_fake_and_the_store_answer_one_sequence_alike(store_location):
    store = open_store(store_location, plans=PLANS)
    try:
        real = _run(store)
    finally:
        store.close()
    assert _run(FakeUnitOfWork(PLANS)) == real
    assert len(real["refusals"]) == 2 and real["real"]["version"] == 5 and real["rebuilt"]
    assert "first-phone" in real["real"]["notifications"] and real["real"]["state"] != "assessing"
