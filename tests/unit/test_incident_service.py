"""The incident use cases (接报, a step, one action end to end) on the incident log in memory (``tests.fakes``): what
a duty officer meets when two people act on one incident, when a request is sent twice, when the clock is set
back, when a drill's inject lands while a step is taken — without a database. The stores' own rules (the write
lock, the ledger, twenty writers at once) are tested on the stores in tests/integration."""
import pytest

from emergency.core.clock import FixedClock
from emergency.core.errors import InputError, NotFound, Refused, StaleVersion
from emergency.services import incidents as svc
from emergency.services.permissions import Actor, Forbidden
from tests.fakes import FakeUnitOfWork
from tests.library import A_RESPONSE, PLANS

REPORT = {"plan": "environment", "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:00",
          "reported_at": "2026-11-22T08:10"}


@pytest.fixture
def clock():
    return FixedClock("2026-11-22T09:00:00+08:00")


@pytest.fixture
def store():
    return FakeUnitOfWork(PLANS)


def test_an_incident_rebuilt_from_its_events_alone_is_the_one_kept(store, clock):
    snap = svc.report(store, REPORT, "值班员", clock)
    for trigger, payload in A_RESPONSE:
        clock.advance(minutes=3)
        snap = svc.act(store, snap.id, trigger, snap.version, payload, "指挥", clock)
    assert (snap.version, snap.level, len(store.incidents.events(snap.id))) == (8, "III", 8)
    assert svc.rebuild(store, snap.id) == store.incidents.get(snap.id)
    assert [e["seq"] for e in store.incidents.events(snap.id)] == list(range(1, 9))


def test_a_step_on_a_version_someone_else_moved_on_is_refused_and_nothing_is_kept(store, clock):
    snap = svc.report(store, REPORT, "值班员", clock)
    svc.act(store, snap.id, "assess", 1, {}, "甲", clock)
    with pytest.raises(StaleVersion, match="您依据的是第1版，现为第2版"):
        svc.act(store, snap.id, "start_first_response", 1, {}, "乙", clock)
    assert len(store.incidents.events(snap.id)) == 2 and store.incidents.get(snap.id).state == "assessing"


def test_a_step_the_state_does_not_allow_is_refused_and_writes_no_event(store, clock):
    snap = svc.report(store, REPORT, "值班员", clock)
    with pytest.raises(Refused):
        svc.act(store, snap.id, "terminate", 1, {"declared_by": "x"}, "甲", clock)
    assert store.incidents.get(snap.id).version == 1 and len(store.incidents.events(snap.id)) == 1


def test_a_note_and_a_tick_land_on_a_newer_version_but_a_level_decision_does_not(store, clock):
    snap = svc.report(store, REPORT, "值班员", clock)
    seen = snap.version
    svc.act(store, snap.id, "assess", seen, {}, "指挥", clock)                     # someone else moved it on
    noted = svc.act(store, snap.id, "add_note", seen, {"note": "现场已封控"}, "值班员", clock)
    assert noted.version == seen + 2 and noted.state == "assessing"
    ticked = svc.act(store, snap.id, "tick_notification", seen, {"notification": "first-phone"}, "值班员", clock)
    assert "first-phone" in ticked.notifications
    with pytest.raises(StaleVersion):
        svc.act(store, snap.id, "activate", seen, {"level": "IV", "approved_by": "区长"}, "指挥", clock)
    assert svc.rebuild(store, snap.id) == store.incidents.get(snap.id)


def test_a_report_sent_twice_with_one_key_makes_one_incident(store, clock):
    first = svc.report(store, REPORT, "值班员", clock, idempotency_key="form-1")
    again = svc.report(store, REPORT, "值班员", clock, idempotency_key="form-1")
    other = svc.report(store, REPORT, "值班员", clock, idempotency_key="form-2")
    assert again.id == first.id != other.id and len(store.incidents.list()) == 2


def test_drills_are_never_listed_among_real_incidents(store, clock):
    real = svc.report(store, REPORT, "值班员", clock)
    drill = svc.report(store, {**REPORT, "drill": True, "drill_id": "d1"}, "值班员", clock)
    assert [s.id for s in store.incidents.list()] == [real.id]
    assert [s.id for s in store.incidents.list(drill=True)] == [drill.id]


def test_a_drill_may_not_join_a_real_events_group(store, clock):
    real = svc.report(store, REPORT, "值班员", clock)
    with pytest.raises(InputError, match="演练与真实事件不得混合"):
        svc.report(store, {**REPORT, "plan": "work_safety", "drill": True, "drill_id": "d1",
                           "event_group": real.id}, "值班员", clock)


def test_after_the_clock_steps_back_a_step_is_recorded_at_the_latest_events_time(store, clock):
    snap = svc.report(store, REPORT, "值班员", clock)
    clock.advance(minutes=30)
    snap = svc.act(store, snap.id, "add_note", snap.version, {"note": "现场已封控"}, "值班员", clock)
    latest = store.incidents.events(snap.id)[-1]["at"]
    clock.advance(minutes=-60)
    snap = svc.act(store, snap.id, "add_note", snap.version, {"note": "时钟回拨后"}, "值班员", clock)
    times = [e["at"] for e in store.incidents.events(snap.id)]
    assert times == sorted(times) and times[-1] == latest and svc.clock_behind(snap, clock) == 60


def test_a_drills_inject_in_between_never_makes_the_participants_step_stale(store, clock):
    snap = svc.report(store, {**REPORT, "plan": "hazardous_chemicals", "drill": True, "drill_id": "d1"}, "值班员",
                      clock)
    seen = snap.version
    svc.act(store, snap.id, "update_facts", seen, {"facts": {"poisoned": 5}}, svc.INJECTED_BY, clock)
    taken = svc.act(store, snap.id, "start_first_response", seen, {}, "值班员", clock)
    assert taken.state == "first_response" and taken.facts["poisoned"] == 5
    svc.act(store, snap.id, "add_note", taken.version, {"note": "另一人的记录"}, "指挥", clock)
    with pytest.raises(StaleVersion):                   # another person's change in between still refuses it
        svc.act(store, snap.id, "assess", taken.version, {}, "值班员", clock)


def test_one_action_end_to_end_answers_with_the_event_it_wrote_and_is_refused_to_an_observer(store, clock):
    snap = svc.report(store, REPORT, "值班员", clock)
    officer = Actor("值班员", "duty_officer", "海门区政府总值班室")
    out = svc.perform(store, snap.id, "add_note", 1, {"note": "现场已封控"}, officer, lambda s: clock)
    assert out["version"] == 2 and out["events_total"] == 2 and out["chain_head"] == store.incidents.chain_head(snap.id)
    assert [e["trigger"] for e in out["events"]] == ["add_note"]
    with pytest.raises(Forbidden):
        svc.perform(store, snap.id, "assess", 2, {}, Actor("观察员", "observer", "海门区政府总值班室"),
                    lambda s: clock)
    assert store.incidents.get(snap.id).version == 2


def test_a_step_on_an_incident_that_is_not_there_is_not_found(store, clock):
    with pytest.raises(NotFound):
        svc.act(store, "no-such-incident", "assess", 1, {}, "甲", clock)


def test_the_history_lists_each_incident_as_its_own_page_would_say_it(store, clock):
    """The history page lists incidents without building each one's checklist and 研判; every field it shows is
    the full view's, so the list and the incident page never disagree."""
    snap = svc.report(store, {**REPORT, "title": ""}, "值班员", clock)
    for trigger, payload in A_RESPONSE[:3]:
        snap = svc.act(store, snap.id, trigger, snap.version, payload, "指挥", clock)
    drill = svc.report(store, {**REPORT, "drill": True, "drill_id": "d1", "title": "储罐泄漏"}, "值班员", clock)
    for s in (store.incidents.get(snap.id), store.incidents.get(drill.id)):
        listed, full = svc.listing(s, PLANS), svc.snapshot_view(s, None, clock.now(), PLANS)
        assert listed == {k: full[k] for k in listed}
    assert svc.listing(store.incidents.get(snap.id), PLANS)["name"].startswith("突发环境事件")   # no title: the kind and time
