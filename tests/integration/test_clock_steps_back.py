"""A machine's clock set back an hour in the night: the next action is recorded at the incident's latest event's time,
never before it (the chain's times keep their order), and the officer is told to check the system time."""
from emergency.services import incidents as svc
from emergency.store import open_store
from tests.conftest import signed_in


def _incident(app, clock):
    store = open_store(app.config["DATABASE"])
    snap = svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:00"}, "值班员张三", clock)
    clock.advance(minutes=30)
    snap = svc.act(store, snap.id, "add_note", snap.version, {"note": "现场已封控"}, "值班员张三", clock)
    store.close()
    return snap


def _times(app, incident_id):
    store = open_store(app.config["DATABASE"])
    try:
        return [e["at"] for e in store.incidents.events(incident_id)]
    finally:
        store.close()


def test_an_action_after_the_clock_steps_back_keeps_the_chains_order_and_says_so(app, clock):
    snap = _incident(app, clock)
    latest = _times(app, snap.id)[-1]
    clock.advance(minutes=-60)                                   # the machine's clock set back an hour
    r = app.test_client().post(f"/api/incidents/{snap.id}/events",
                               headers={"Authorization": f"Bearer {app.config['TEST_TOKENS']['值班员张三']}"},
                               json={"trigger": "add_note", "expected_version": snap.version,
                                     "payload": {"note": "时钟回拨后的记录"}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["clock_behind_minutes"] == 60
    times = _times(app, snap.id)
    assert times == sorted(times) and times[-1] == latest         # stamped at the latest event's time, not before it


def test_the_page_tells_the_officer_to_check_the_system_time(app, clock):
    snap = _incident(app, clock)
    officer = signed_in(app, "值班员张三")
    clock.advance(minutes=-60)
    r = officer.post(f"/incidents/{snap.id}/act", data={"trigger": "add_note", "expected_version": snap.version,
                                                         "note": "时钟回拨后的记录", "csrf_token": officer.csrf},
                     follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "本机时钟比本事件最近一条记录早60分钟" in page and "请核对系统时间" in page
    times = _times(app, snap.id)
    assert times == sorted(times)


def test_a_clock_that_keeps_time_says_nothing(app, clock):
    snap = _incident(app, clock)
    officer = signed_in(app, "值班员张三")
    clock.advance(minutes=5)
    page = officer.post(f"/incidents/{snap.id}/act", data={"trigger": "add_note", "expected_version": snap.version,
                                                            "note": "正常记录", "csrf_token": officer.csrf},
                        follow_redirects=True).get_data(as_text=True)
    assert "本机时钟" not in page
