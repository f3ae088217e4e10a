"""One JSON error shape for the API: every refusal is ``{"error": code, "message": text}``,
with ``field`` naming the field where one is at fault — for 400, 401, 403, 404, 409 and 422 alike."""
import re

from tests.conftest import as_user

CODE = re.compile(r"^[a-z]+(_[a-z]+)*$")


def _shape(response, status, field=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert CODE.match(body["error"]), body
    assert isinstance(body["message"], str) and body["message"].strip(), body
    if field is not None:
        assert body["field"] == field, body
    return body


def test_every_api_refusal_has_the_same_shape(app, client):
    anonymous = app.test_client()
    _shape(anonymous.get("/api/incidents"), 401)
    _shape(client.post("/api/classify/environment", data="{not json", content_type="application/json"), 400, "body")
    _shape(client.post("/api/classify/environment", json={"deaths": -1}), 422, "facts.deaths")
    _shape(client.post("/api/classify/flood", json={}), 404, "plan")
    _shape(client.get("/api/incidents/inc-none"), 404, "incident")
    _shape(client.get("/api/no-such-endpoint"), 404)
    created = client.post("/api/incidents", json={"plan": "environment", "occurred_at": "2026-11-22T08:00"}).get_json()
    stale = client.post(f"/api/incidents/{created['id']}/events",
                        json={"trigger": "add_note", "expected_version": 1, "payload": {"note": "a"}})
    assert stale.status_code == 200
    refused = _shape(client.post(f"/api/incidents/{created['id']}/events",
                                 json={"trigger": "terminate", "expected_version": 2, "payload": {}}), 409)
    assert refused["error"] == "refused"
    _shape(client.post(f"/api/incidents/{created['id']}/events",
                       json={"trigger": "assess", "expected_version": 1, "payload": {}}), 409)
    as_user(client, "观察员赵六")
    _shape(client.post("/api/incidents", json={"plan": "environment", "occurred_at": "2026-11-22T08:00"}), 403)
