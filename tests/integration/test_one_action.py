"""The service owns each action — one read of the incident, the role checked, the event written
and the view made from what it holds. A note through the API is four SQL statements, three inside one transaction, with
the incident's snapshot read once; its answer does not grow with the incident's history."""
import json
import re

import pytest

from emergency.services import incidents as svc
from emergency.services.permissions import Actor, Forbidden
import webui.api
import webui.db
from emergency.store import open_store


@pytest.fixture
def traced(app, monkeypatch):
    """The statements the API's store runs, once the request has its store."""
    seen: list[str] = []

    real = webui.api.use

    def use(service, *args, **kwargs):   # the API's own use cases, after the sign-in check has read its token
        webui.db.get_store().db.conn.set_trace_callback(seen.append)
        return real(service, *args, **kwargs)
    monkeypatch.setattr(webui.api, "use", use)
    return seen


def note(client, token, incident_id, version):
    return client.post(f"/api/incidents/{incident_id}/events", headers={"Authorization": f"Bearer {token}"},
                       json={"trigger": "add_note", "expected_version": version, "payload": {"note": "现场已封控"}})


def test_a_note_is_one_read_one_transaction_and_four_statements(app, clock, traced):
    store = open_store(app.config["DATABASE"])
    snap = svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:00"}, "值班员张三", clock)
    store.close()
    r = note(app.test_client(), app.config["TEST_TOKENS"]["值班员张三"], snap.id, snap.version)
    assert r.status_code == 200, r.get_json()
    work = [q for q in traced if q.split()[0].upper() not in ("BEGIN", "COMMIT")]
    assert sum(bool(re.match(r"SELECT .*snapshot.* FROM incidents", q)) for q in traced) == 1   # read once
    assert len(work) <= 4, work
    assert not any(q.upper().startswith("UPDATE INCIDENTS") for q in work)    # the note's event is the whole record
    assert [q.split()[0].upper() for q in traced].count("BEGIN") == 1


def test_the_answer_to_an_action_does_not_grow_with_the_incident(app, clock):
    store = open_store(app.config["DATABASE"])
    snap = svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:00"}, "值班员张三", clock)
    for i in range(300):
        snap = svc.act(store, snap.id, "add_note", snap.version, {"note": f"第{i}条"}, "值班员张三", clock)
    store.close()
    r = note(app.test_client(), app.config["TEST_TOKENS"]["值班员张三"], snap.id, snap.version)
    said = r.get_json()
    assert [e["trigger"] for e in said["events"]] == ["add_note"] and said["events_total"] == 302
    reader = open_store(app.config["DATABASE"])
    timeline = json.dumps(reader.incidents.events(snap.id), ensure_ascii=False).encode()
    reader.close()
    # the answer carries the one new event, never the 302 of the timeline it was once sent whole with
    assert said["chain_head"] == said["events"][0]["hash"] and len(r.data) < len(timeline) / 2


def test_a_role_that_may_not_is_refused_by_the_service(app, clock):
    store = open_store(app.config["DATABASE"])
    snap = svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:00"}, "值班员张三", clock)
    with pytest.raises(Forbidden, match="观察员无权执行"):
        svc.perform(store, snap.id, "add_note", 1, {"note": "x"}, Actor("观察员赵六", "observer"),
                    lambda s: clock)
    assert store.incidents.get(snap.id).version == 1                     # nothing written
    store.close()
    r = note(app.test_client(), app.config["TEST_TOKENS"]["观察员赵六"], snap.id, 1)
    assert r.status_code == 403 and r.get_json()["message_zh"].startswith("观察员无权执行")


def test_reading_an_incident_reads_its_snapshot_once(app, clock, traced):
    """The incident's clock (a drill's, or the app's) and its view are made from one read."""
    store = open_store(app.config["DATABASE"])
    snap = svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:00"}, "值班员张三", clock)
    store.close()
    r = app.test_client().get(f"/api/incidents/{snap.id}",
                              headers={"Authorization": f"Bearer {app.config['TEST_TOKENS']['值班员张三']}"})
    assert r.status_code == 200 and r.get_json()["id"] == snap.id
    assert sum(bool(re.match(r"SELECT .*snapshot.* FROM incidents", q)) for q in traced) == 1
