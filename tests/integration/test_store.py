"""The durable incident log: rebuild from events, stale versions, concurrent operators, drills apart."""
import threading

import pytest

from emergency.services import incidents as svc
from emergency.core.clock import FixedClock
from emergency.core.errors import Refused, StaleVersion
from emergency.store import open_store
from tests.library import A_RESPONSE

pytestmark = pytest.mark.both_stores  # the store is what is tested: SQLite and PostgreSQL


@pytest.fixture
def clock():
    return FixedClock("2026-11-22T09:00:00+08:00")


@pytest.fixture
def db_path(store_location):
    """Every test here runs on both stores: a SQLite file, then a PostgreSQL database."""
    return store_location


def new(store, clock, plan="environment", **kw):
    data = {"plan": plan, "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:00", "reported_at": "2026-11-22T08:10"}
    return svc.report(store, {**data, **kw}, "值班员", clock)


def test_database_is_created_with_its_tables_and_sqlite_in_wal_mode(db_path):
    store = open_store(db_path)
    if store.kind == "sqlite":
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"incidents", "events", "ledger", "audit", "intakes", "plan_versions", "documents", "contacts", "roster"} <= set(store.db.table_names())
    assert store.pending_migrations() == [] and store.applied_migrations()[-1] == "m018_history_by_occurrence"


def test_state_rebuilt_from_events_alone_equals_the_stored_state(db_path, clock):
    store = open_store(db_path)
    snap = new(store, clock)
    for trigger, payload in A_RESPONSE:
        clock.advance(minutes=3)
        snap = svc.act(store, snap.id, trigger, snap.version, payload, "指挥", clock)
    assert snap.version == 8
    assert len(store.incidents.events(snap.id)) == 8
    assert svc.rebuild(store, snap.id) == store.incidents.get(snap.id)


def test_stale_version_is_refused_and_writes_nothing(db_path, clock):
    store = open_store(db_path)
    snap = new(store, clock)
    svc.act(store, snap.id, "assess", 1, {}, "甲", clock)
    with pytest.raises(StaleVersion, match="您依据的是第1版，现为第2版"):
        svc.act(store, snap.id, "start_first_response", 1, {}, "乙", clock)
    assert len(store.incidents.events(snap.id)) == 2


def test_a_refused_trigger_writes_no_event(db_path, clock):
    store = open_store(db_path)
    snap = new(store, clock)
    with pytest.raises(Refused):
        svc.act(store, snap.id, "terminate", 1, {"declared_by": "x"}, "甲", clock)
    assert store.incidents.get(snap.id).version == 1 and len(store.incidents.events(snap.id)) == 1


def _twenty_at_once(db_path, incident_id, trigger, payload, clock) -> list[str]:
    """Twenty operators, each on its own connection, send ``trigger`` at version 1 at the same moment."""
    results, barrier = [], threading.Barrier(20, timeout=60)

    def operator(i):
        store = open_store(db_path, create=False)
        barrier.wait()
        try:
            svc.act(store, incident_id, trigger, 1, payload(i), f"op{i}", clock)
            results.append("ok")
        except StaleVersion:
            results.append("409")
        finally:
            store.close()

    threads = [threading.Thread(target=operator, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_simultaneous_transitions_with_one_version_apply_exactly_once(db_path, clock):
    snap = new(open_store(db_path), clock)
    results = _twenty_at_once(db_path, snap.id, "start_first_response", lambda i: {}, clock)
    assert results.count("ok") == 1 and results.count("409") == 19
    store = open_store(db_path)
    assert len(store.incidents.events(snap.id)) == 2
    assert store.incidents.get(snap.id).version == 2


def test_twenty_simultaneous_notes_are_all_kept(db_path, clock):
    snap = new(open_store(db_path), clock)
    results = _twenty_at_once(db_path, snap.id, "add_note", lambda i: {"note": f"operator {i}"}, clock)
    assert results.count("ok") == 20
    store = open_store(db_path)
    assert len(store.incidents.events(snap.id)) == 21 and store.verify() == []


def test_drills_are_never_listed_among_real_incidents(db_path, clock):
    store = open_store(db_path)
    real = new(store, clock)
    drill = new(store, clock, drill=True, drill_id="d1")
    assert [s.id for s in store.incidents.list()] == [real.id]
    assert [s.id for s in store.incidents.list(drill=True)] == [drill.id]
    assert {s.id for s in store.incidents.list(drill=None)} == {real.id, drill.id}
    assert store.incidents.get(drill.id).drill is True
    assert store.db.execute("SELECT drill FROM incidents WHERE id = ?", [drill.id]).fetchone()[0] == 1
