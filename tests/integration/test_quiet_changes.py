"""A note leaves the incident row as it was: its event is the whole record, so the store writes
the event and moves the chain's ledger entry, and nothing else. Everything that reads an incident — one incident,
the board's list, the search, a shift's log, the integrity check — sees it at the head of its chain: the version
and time of its last event. A change that does alter the incident, made after notes, writes the row again."""
import pytest

from emergency.core.clock import FixedClock
from emergency.core.errors import StaleVersion
from emergency.services import incidents as svc
from emergency.store import open_store
from tests.writers import race

pytestmark = pytest.mark.both_stores


def _row(store, incident_id):
    return tuple(store.db.execute("SELECT version, updated_at, state FROM incidents WHERE id = ?",
                                  [incident_id]).fetchone())


def _activated_then_noted(store, clock):
    """Reported 09:00, activated 09:05, notes at 09:20, 09:35 and 09:50."""
    snap = svc.report(store, {"plan": "environment", "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:40"},
                      "值班员", clock)
    clock.advance(minutes=5)
    snap = svc.act(store, snap.id, "activate", snap.version, {"level": "IV", "approved_by": "区长"}, "指挥", clock)
    for _ in range(3):
        clock.advance(minutes=15)
        snap = svc.act(store, snap.id, "add_note", snap.version, {"note": "现场已封控"}, "值班员", clock)
    return snap


def test_notes_leave_the_row_and_every_read_sees_the_incident_at_its_last_event(store_location):
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    store = open_store(store_location)
    snap = _activated_then_noted(store, clock)
    assert (snap.version, snap.updated_at) == (5, "2026-11-22T09:50:00+08:00")
    assert _row(store, snap.id) == (2, "2026-11-22T09:05:00+08:00", "activated")   # the activation's row, untouched
    store.close()

    store = open_store(store_location)   # a fresh process's view: nothing kept from the writes
    seen = {"get": store.incidents.get(snap.id), "list": store.incidents.list(open_only=True)[0], "search": store.incidents.search()[0],
            "touched": store.incidents.touched("2026-11-22T09:10:00+08:00", "2026-11-22T10:00:00+08:00")[0]}
    for how, s in seen.items():
        assert (s.id, s.version, s.updated_at, s.state, s.level) == (
            snap.id, 5, "2026-11-22T09:50:00+08:00", "activated", "IV"), how
    assert store.incidents.get(snap.id) == snap
    assert store.verify() == []
    store.close()


def test_a_change_after_notes_writes_the_row_at_its_version(store_location):
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    store = open_store(store_location)
    snap = _activated_then_noted(store, clock)
    clock.advance(minutes=5)
    snap = svc.act(store, snap.id, "update_facts", snap.version, {"facts": {"deaths": 2}}, "值班员", clock)
    assert _row(store, snap.id) == (6, "2026-11-22T09:55:00+08:00", "activated")
    with pytest.raises(StaleVersion):   # a note's version counts: a change worked out at 5 is stale
        svc.act(store, snap.id, "change_level", 5, {"level": "III", "approved_by": "区长"}, "指挥", clock)
    assert store.incidents.get(snap.id).facts == {"deaths": 2} and store.verify() == []
    store.close()


def test_a_shift_sees_an_incident_whose_only_activity_in_it_was_a_note(store_location):
    """The shift log reads the incidents changed since the shift began: a note is a change."""
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    store = open_store(store_location)
    quiet = svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:40"}, "值班员", clock)
    clock.advance(minutes=30)
    other = svc.report(store, {"plan": "labor_dispute", "occurred_at": "2026-11-22T08:40"}, "值班员", clock)
    clock.advance(hours=10)                                                    # 19:30, in the night shift
    svc.act(store, quiet.id, "add_note", quiet.version, {"note": "夜间复查无异常"}, "值班员", clock)
    night = store.incidents.touched("2026-11-22T17:30:00+08:00", "2026-11-23T08:30:00+08:00")
    assert [s.id for s in night] == [quiet.id]
    # and the board lists it first: its last event is the newest
    assert [s.id for s in store.incidents.list(open_only=True)] == [quiet.id, other.id]
    store.close()


def test_a_row_put_back_under_later_notes_is_found(store_location):
    """The row rolled back to before the activation, the notes after it left in place: the events rebuild an
    activated incident, the row says reported — the integrity check names the incident."""
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    store = open_store(store_location)
    first = svc.report(store, {"plan": "environment", "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:40"},
                       "值班员", clock)
    clock.advance(minutes=5)
    snap = svc.act(store, first.id, "activate", first.version, {"level": "IV", "approved_by": "区长"}, "指挥", clock)
    for _ in range(2):
        snap = svc.act(store, snap.id, "add_note", snap.version, {"note": "现场已封控"}, "值班员", clock)
    store.db.execute("UPDATE incidents SET snapshot = ?, state = ?, level = ?, version = ? WHERE id = ?",
                     [first.model_dump_json(), first.state, first.level, first.version, first.id])
    if store.kind == "sqlite":
        store.db.conn.commit()
    problems = store.verify()
    assert [p["incident_id"] for p in problems] == [first.id]
    assert "stored snapshot differs from its events" in problems[0]["problem"]
    store.close()


def test_notes_and_calls_racing_on_one_incident_all_land_and_the_row_holds_every_call(store_location):
    """Two writers add notes (the event alone) while a third records calls (the row rewritten) on one incident; on
    PostgreSQL every other call is written the long way, under the write lock with the ledger entry's row locked.
    Every write lands, the chain verifies, and the row holds all fifteen calls: no note wrote over a call."""
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    setup = open_store(store_location)
    incident = svc.report(setup, {"plan": "environment", "facts": {"deaths": 3}, "occurred_at": "2026-11-22T08:50"},
                          "值班员", clock).id
    setup.close()

    def write(store, trigger: str, payload: dict) -> None:
        for i in range(15):
            snap = store.incidents.get(incident)
            if i % 2 and hasattr(store, "_forget"):
                store.incidents._forget(incident)          # nothing kept: the long way
            svc.act(store, incident, trigger, snap.version, payload, "值班员", clock)
    call = {"notification": "III-phone", "outcome": "no_answer", "number": "0513-00010073"}
    errors = race(store_location, write, [("add_note", {"note": "现场已封控"}), ("add_note", {"note": "下游取水口已关闭"}),
                                          ("record_call", call)])
    assert errors == []
    store = open_store(store_location)
    snap = store.incidents.get(incident)
    assert (snap.version, len(store.incidents.events(incident)), len(snap.calls)) == (46, 46, 15)
    row = store.db.execute("SELECT snapshot FROM incidents WHERE id = ?", [incident]).fetchone()[0]
    assert row.count('"outcome":"no_answer"') == 15
    assert store.verify() == []
    store.close()


def _in_transaction(store) -> bool:
    conn = store.db.conn
    return conn.in_transaction if hasattr(conn, "in_transaction") else conn.info.transaction_status != 0


def test_a_call_that_another_writer_beats_every_time_it_is_worked_out_still_lands(store_location):
    """A busy incident never starves a writer: here a note gets in while the call is worked out, every time it is
    worked out outside the write lock. The call is then worked out once more holding the incident's chain, and
    lands — the duty officer is not told 数据库正忙 because colleagues keep adding notes."""
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    store, other = open_store(store_location), open_store(store_location)
    incident = svc.report(store, {"plan": "environment", "facts": {"deaths": 3}, "occurred_at": "2026-11-22T08:50"},
                          "值班员", clock)
    beaten = []
    append = store.incidents.append

    def contested(incident_id, expected_version, change, **kw):
        def worked_out(current):
            if not _in_transaction(store):      # outside the lock a colleague's note gets in first
                svc.act(other, incident_id, "add_note", other.incidents.get(incident_id).version,
                        {"note": f"现场情况{len(beaten) + 1}"}, "值班员", clock)
                beaten.append(current.version)
            return change(current)
        return append(incident_id, expected_version, worked_out, **kw)
    store.incidents.append = contested
    call = {"notification": "III-phone", "outcome": "no_answer", "number": "0513-00010073"}
    snap = svc.act(store, incident.id, "record_call", incident.version, call, "值班员", clock)
    assert beaten and len(snap.calls) == 1 and snap.version == incident.version + len(beaten) + 1
    fresh = open_store(store_location)
    assert [e["trigger"] for e in fresh.incidents.events(incident.id)][-len(beaten) - 1:] == ["add_note"] * len(beaten) + [
        "record_call"]
    assert fresh.verify() == []
    for s in (store, other, fresh):
        s.close()


def test_on_postgresql_a_note_waits_for_a_write_that_holds_the_ledger_entry(pg_url):
    """A write the long way (rows beside its event, under the write lock) reads the chain's ledger entry locked: a
    note, which moves that entry without touching the incident row, waits for it instead of slipping in between
    the read and the write."""
    import threading
    import time

    from emergency.core.chains import incident_chain

    clock = FixedClock("2026-11-22T09:00:00+08:00")
    holder, noter = open_store(pg_url), open_store(pg_url)
    snap = svc.report(holder, {"plan": "environment", "occurred_at": "2026-11-22T08:50"}, "值班员", clock)
    noter.incidents.get(snap.id)
    done = []
    with holder.write():
        assert holder.ledger(incident_chain(snap.id), for_write=True)[0] == 1
        note = threading.Thread(target=lambda: done.append(
            svc.act(noter, snap.id, "add_note", 1, {"note": "现场已封控"}, "值班员", clock).version))
        note.start()
        waiting, until = 0, time.monotonic() + 10
        while not waiting and not done and time.monotonic() < until:
            waiting = holder.db.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND wait_event_type = 'Lock'").fetchone()[0]
        assert waiting == 1 and done == []          # the note waits on the entry's row lock
    note.join()
    assert done == [2] and holder.verify() == []
    holder.close()
    noter.close()


def test_a_quiet_change_that_leaves_the_incident_closed_writes_its_row(store_location):
    """Lists read the head of the chain for open incidents only, so the store never leaves a closed incident's row
    behind its chain: a note-like change written with the incident final (no plan offers one; the store's own
    contract) rewrites the row."""
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    store = open_store(store_location)
    snap = svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:40"}, "值班员", clock)

    def closing_note(current):
        current.version, current.updated_at, current.state = current.version + 1, "2026-11-22T09:30:00+08:00", "closed"
        return current, {"incident_id": current.id, "seq": current.version, "trigger": "add_note",
                         "payload": {"note": "已结案"}, "actor": "值班员", "at": current.updated_at,
                         "state": "closed", "level": None, "classified_level": None, "version": current.version}, True
    store.incidents.append(snap.id, 1, closing_note)
    assert _row(store, snap.id) == (2, "2026-11-22T09:30:00+08:00", "closed")
    assert [(s.version, s.updated_at) for s in store.incidents.list()] == [(2, "2026-11-22T09:30:00+08:00")]
    store.close()
