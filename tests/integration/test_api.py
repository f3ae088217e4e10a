"""The JSON API: status codes, field-naming refusals, and an OpenAPI description kept true."""
import datetime

import pytest

from emergency.core.clock import FixedClock
from emergency.core.clock import TZ
from emergency.core.errors import InputError
from emergency.response.requests import library_models
from tests.library import PLANS

from tests.conftest import add_users, as_user, new_app


@pytest.fixture
def clock():
    return FixedClock("2026-11-22T09:00:00+08:00")


@pytest.fixture
def client(store_location, clock):
    """The API on both stores: a SQLite file, then a PostgreSQL database."""
    app = new_app({"DATABASE": store_location, "TESTING": True, "SECRET_KEY": "test-key-not-secret-0123456789abcdef", "CLOCK": clock})
    app.config["TEST_TOKENS"] = add_users(app.config["DATABASE"], clock)
    c = app.test_client()
    as_user(c, "指挥李四")
    return c


def new(client, **kw):
    body = {"plan": "environment", "facts": {"deaths": 3}, "occurred_at": "2026-11-22T08:00",
            "reported_at": "2026-11-22T08:10", **kw}
    r = client.post("/api/incidents", json=body)
    assert r.status_code == 201, r.json
    return r.json


def steps(client, incident: dict, made) -> dict:
    """The steps ``made(n)`` gives — (trigger, payload) for n = 0, 1, … until it gives None — taken through the
    service on the client's database (as the API takes them, without a request each): a long incident in a blink."""
    from emergency.services import incidents as svc
    from emergency.store import open_store
    app = client.application
    store = open_store(app.config["DATABASE"], create=False)
    try:
        snap, n = store.incidents.get(incident["id"]), 0
        while (step := made(n)) is not None:
            snap = svc.act(store, snap.id, step[0], snap.version, step[1], "指挥李四", app.config["CLOCK"])
            n += 1
    finally:
        store.close()
    return {"id": snap.id, "version": snap.version}


def test_plans_and_one_plan_with_its_lifecycle(client):
    assert [p["id"] for p in client.get("/api/plans").json] == ["environment", "work_safety", "hazardous_chemicals",
                                                               "labor_dispute"]
    plan = client.get("/api/plans/hazardous_chemicals").json
    assert plan["document_number"] == "海政办发〔2018〕9号"
    assert {"trigger": "request_support", "source": ["activated"], "dest": "support_requested"}.items() <= \
        next(t for t in plan["lifecycle"]["transitions"] if t["trigger"] == "request_support").items()
    assert client.get("/api/plans/nope").status_code == 404


def test_classify_and_checklist(client):
    r = client.post("/api/classify/environment", json={"drinking_water_interrupted": "town"})
    assert r.json["level"] == "II" and r.json["deciding"]["clause"] == "一(五)2(5)"
    r = client.post("/api/checklist/environment", json={"level": "II", "occurred_at": "2026-11-22T08:00",
                                                        "reported_at": "2026-11-22T08:10"})
    phone = next(n for n in r.json["notifications"] if n["id"] == "I-II-phone")
    assert phone["due"] == "2026-11-22T08:20:00+08:00"


@pytest.mark.parametrize("method, url, body, status, field", [
    ("post", "/api/classify/environment", {"deaths": -1}, 422, "facts.deaths"),
    ("post", "/api/classify/environment", {"deaths": 10**30}, 422, "facts.deaths"),
    ("post", "/api/classify/environment", {"nonsense": 1}, 422, "facts.nonsense"),
    ("post", "/api/classify/environment", [1, 2], 422, "facts"),
    ("post", "/api/classify/mars", {}, 404, "plan"),
    ("post", "/api/checklist/environment", {"level": "IV"}, 422, "occurred_at"),
    ("post", "/api/checklist/environment", {"level": "IV", "occurred_at": "2026-11-22T08:00",
                                            "reported_at": "2026-11-22T08:00", "cause": "ufo"}, 422, "cause"),
    ("post", "/api/incidents", {"plan": "environment"}, 422, "occurred_at"),
    ("post", "/api/incidents", {"plan": "environment", "occurred_at": "2026-11-22T08:00", "x" * 5000: 1}, 422, "x" * 5000),
    ("post", "/api/incidents", {"plan": "environment", "occurred_at": "2026-11-22T08:00", "actor": "冒名"}, 422, "actor"),
    ("post", "/api/incidents", {"plan": "nope", "occurred_at": "2026-11-22T08:00"}, 404, "plan"),
    ("get", "/api/incidents/inc-missing", None, 404, "incident"),
])
def test_bad_input_gets_a_4xx_naming_the_field(client, method, url, body, status, field):
    r = getattr(client, method)(url, json=body) if body is not None else getattr(client, method)(url)
    assert r.status_code == status
    assert r.json["field"] == field
    assert "Traceback" not in r.get_data(as_text=True)


def test_malformed_json_is_a_400(client):
    r = client.post("/api/classify/environment", data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.json["field"] == "body"


@pytest.mark.both_stores
def test_incident_lifecycle_through_the_api(client, clock):
    as_user(client, "值班员张三")
    inc = new(client)
    as_user(client, "指挥李四")
    assert inc["state"] == "reported" and inc["version"] == 1 and inc["classified_level"] == "III"
    assert "request_higher_response" in inc["allowed_triggers"]
    r = client.post(f"/api/incidents/{inc['id']}/events",
                    json={"trigger": "request_higher_response", "expected_version": 1, "payload": {"level": "III"}})
    assert r.status_code == 200 and r.json["state"] == "under_higher_command" and r.json["version"] == 2
    full = client.get(f"/api/incidents/{inc['id']}").json
    assert [e["actor"] for e in full["events"]] == ["值班员张三", "指挥李四"]
    statuses = {n["id"]: n["status"] for n in full["checklist"]["notifications"]}
    assert statuses["III-phone"] == "overdue"  # due 08:30, now 09:00


@pytest.mark.both_stores
def test_trigger_not_allowed_and_stale_version_are_409(client):
    inc = new(client)
    r = client.post(f"/api/incidents/{inc['id']}/events", json={"trigger": "close", "expected_version": 1})
    assert r.status_code == 409 and "not allowed" in r.json["message"]
    client.post(f"/api/incidents/{inc['id']}/events", json={"trigger": "assess", "expected_version": 1})
    r = client.post(f"/api/incidents/{inc['id']}/events", json={"trigger": "assess", "expected_version": 1})
    assert r.status_code == 409 and r.json["error"] == "stale_version"
    r = client.post(f"/api/incidents/{inc['id']}/events", json={"trigger": "assess", "expected_version": "2"})
    assert r.status_code == 422 and r.json["field"] == "expected_version"


def test_drill_incidents_are_listed_only_when_asked(client):
    real = new(client)
    drill = new(client, drill=True)
    assert [i["id"] for i in client.get("/api/incidents").json] == [real["id"]]
    assert [i["id"] for i in client.get("/api/incidents?drill=true").json] == [drill["id"]]


def test_openapi_describes_exactly_the_api_routes(client):
    spec = client.get("/api/openapi.json").json
    documented = {(path, m.upper()) for path, ops in spec["paths"].items() for m in ops}
    app = client.application
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api"):
            path = rule.rule.replace("<", "{").replace(">", "}")
            for m in rule.methods - {"HEAD", "OPTIONS"}:
                served.add((path, m))
    assert documented == served


def test_openapi_describes_whose_duty_each_item_is_and_the_tasks_given(client):
    """The incident's answer carries each item's owners, ``ours``, receipts per recipient and
    recipients left, and the tasks given; the description documents every field the answer has."""
    spec = client.get("/api/openapi.json").json
    schemas = spec["components"]["schemas"]
    answer = spec["paths"]["/api/incidents/{incident_id}"]["get"]["responses"]["200"]["content"]
    assert answer["application/json"]["schema"]["$ref"].endswith("/IncidentView")
    inc = new(client)
    r = client.post(f"/api/incidents/{inc['id']}/events", json={
        "trigger": "assign_task", "expected_version": 1,
        "payload": {"duty": "group:coordination", "unit": "海门生态环境局", "due": "2026-11-22T12:00"}})
    assert r.status_code == 200, r.json
    seen = client.get(f"/api/incidents/{inc['id']}").json
    assert seen["office"] == "海门区政府总值班室"
    item = seen["checklist"]["notifications"][0]
    assert {"owners", "ours", "receipts", "left"} <= set(item)
    assert set(item) <= set(schemas["NotificationStatus"]["properties"])
    assert set(item["receipts"][0]) - {"display", "recipient", "words"} <= set(schemas["Receipt"]["properties"])
    task = seen["tasks"][0]
    assert task["unit"] == "海门生态环境局" and task["status"] == "assigned"
    assert set(task) <= set(schemas["TaskView"]["properties"])


def test_openapi_incident_fields_are_the_fields_the_engine_accepts():
    """Every field the OpenAPI description documents is accepted by the engine, and a field it does not
    document is refused naming it: the description and the engine accept the same body."""
    model = library_models(PLANS)["IncidentRequest"]
    machine = PLANS.lifecycle("environment")
    at = datetime.datetime(2026, 11, 22, 9, tzinfo=TZ)
    base = {"plan": "environment", "occurred_at": "2026-11-22T08:00"}
    samples = {"facts": {"deaths": 3}, "reported_at": "2026-11-22T08:10", "title": "河道污染", "drill": True,
               "drill_id": "drl-1", "cause": "traffic_accident", "hot_topic": True, "sensitive": True,
               "event_group": "grp-1", "units_received": {"110公安指挥中心": "2026-11-22T07:55"}}
    assert set(model.model_fields) == set(base) | set(samples)
    for name, value in samples.items():
        snap, event = machine.start("x", {**base, name: value, **({"drill": True} if name == "drill_id" else {})},
                                    "x", at)
        assert name in event["payload"]  # kept in the report event as the engine cleaned it
    with pytest.raises(InputError) as refused:
        machine.start("x", {**base, "casualties": 3}, "x", at)
    assert refused.value.field == "casualties"


def test_checklist_downloads_as_markdown_and_json_and_refuses_bad_arguments(client):
    q = "?level=III&occurred_at=2026-11-22T08:00&reported_at=2026-11-22T08:20&drill=1"
    md = client.get("/checklist/environment.md" + q)
    assert md.status_code == 200 and "attachment" in md.headers["Content-Disposition"]
    text = md.get_data(as_text=True)
    assert "**演练** — 本清单用于演练" in text and "DRILL" not in text and "| 2026-11-22T08:30:00+08:00（事发时间后30分钟内）" in text
    js = client.get("/checklist/environment.json" + q)
    assert js.json["level"] == "III"
    bad = client.get("/checklist/environment.json?level=III&occurred_at=later")
    assert bad.status_code == 422 and "事发时间：须为时间" in bad.get_data(as_text=True)


def test_without_sign_in_or_token_the_api_answers_401(client):
    client.environ_base.pop("HTTP_AUTHORIZATION")
    r = client.get("/api/plans")
    assert r.status_code == 401 and "Bearer" in r.json["message"]
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer emg_forged"
    assert client.get("/api/incidents").status_code == 401
    assert client.get("/api/openapi.json").status_code == 200


@pytest.mark.parametrize("user, trigger, payload, status", [
    ("值班员张三", "tick_notification", {"notification": "first-phone"}, 200),
    ("值班员张三", "request_higher_response", {"level": "III"}, 403),
    ("观察员赵六", "add_note", {"note": "x"}, 403),
    ("导调王五", "add_note", {"note": "x"}, 403),          # a controller acts on drill incidents only
    ("指挥李四", "request_higher_response", {"level": "III"}, 200),
])
def test_roles_decide_who_may_do_what(client, user, trigger, payload, status):
    inc = new(client)
    as_user(client, user)
    r = client.post(f"/api/incidents/{inc['id']}/events", json={"trigger": trigger, "expected_version": 1, "payload": payload})
    assert r.status_code == status, r.json
    if status == 200:
        assert r.json["events"][-1]["actor"] == user


@pytest.mark.both_stores
def test_observer_reads_but_cannot_record_and_controller_records_only_drills(client):
    as_user(client, "观察员赵六")
    assert client.get("/api/incidents").status_code == 200
    assert client.post("/api/incidents", json={"plan": "environment", "occurred_at": "2026-11-22T08:00"}).status_code == 403
    as_user(client, "导调王五")
    assert client.post("/api/incidents", json={"plan": "environment", "occurred_at": "2026-11-22T08:00"}).status_code == 403
    assert client.post("/api/incidents", json={"plan": "environment", "occurred_at": "2026-11-22T08:00",
                                               "drill": True}).status_code == 201
    as_user(client, "值班员张三")
    assert client.post("/api/drills", json={"scenario": "hc-tank-leak"}).status_code == 403


def test_browser_forms_need_the_csrf_token(client):
    client.environ_base.pop("HTTP_AUTHORIZATION")
    page = client.get("/login")
    assert page.status_code == 200
    import re
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    r = client.post("/login", data={"name": "指挥李四", "password": "wrong-password", "csrf_token": token})
    assert r.status_code == 401
    r = client.post("/login", data={"name": "指挥李四", "password": __import__("tests.conftest", fromlist=["x"]).PASSWORD,
                                    "csrf_token": token})
    assert r.status_code == 302
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    r = client.post("/incidents", data={"plan": "environment", "occurred_at": "2026-11-22T08:00"})
    assert r.status_code == 302 and "/incidents/" not in r.location  # refused: sent back, nothing recorded
    assert client.get("/api/incidents").json == []
    r = client.post("/incidents", data={"plan": "environment", "occurred_at": "2026-11-22T08:00", "csrf_token": token})
    assert r.status_code == 302 and "/incidents/inc-" in r.location
    assert client.post("/api/classify/environment", json={}).status_code == 400  # fetch without X-CSRFToken
    assert client.post("/api/classify/environment", json={}, headers={"X-CSRFToken": token}).status_code == 200


def test_session_cookie_is_http_only_and_same_site(client):
    client.environ_base.pop("HTTP_AUTHORIZATION")
    client.get("/login")
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_each_body_is_refused_with_the_fields_its_openapi_schema_documents(client):
    """One list of accepted fields: an unknown field is refused naming the fields the
    OpenAPI description gives for that body, and a wrong type is refused naming its field."""
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    received = client.post("/api/intake", json={"source": "public", "received_at": "2026-11-22T08:05", "description": "x",
                                                "matter": PLANS.routing.matters[0].id})
    assert received.status_code == 201, received.get_json()
    intake_id = received.get_json()["id"]
    bodies = {"IncidentRequest": ("/api/incidents", {"plan": "environment", "occurred_at": "2026-11-22T08:00"}),
              "ChecklistRequest": ("/api/checklist/environment", {"level": "III", "occurred_at": "2026-11-22T08:00",
                                                                  "reported_at": "2026-11-22T08:10"}),
              "IntakeIncidentRequest": (f"/api/intake/{intake_id}/incident",
                                        {"plan": "environment", "occurred_at": "2026-11-22T08:00"})}
    for name, (url, good) in bodies.items():
        r = client.post(url, json={**good, "colour": "red"})
        assert r.status_code == 422 and r.get_json()["field"] == "colour", name
        listed = r.get_json()["message"].split("fields: ")[1].split(", ")
        assert set(listed) == set(schemas[name]["properties"]), name
        r = client.post(url, json={**good, "occurred_at": "yesterday"})
        assert r.status_code == 422 and r.get_json()["field"] == "occurred_at", name


def test_a_long_incident_answers_with_its_newest_events_and_all_of_them_when_asked(client):
    """An incident of 260 events: GET answers with the newest 200 (events_total says 260, the last one written is
    last), the 60 older ones' bytes left out; ?events=all answers with every one."""
    inc = new(client)
    steps(client, inc, lambda n: ("add_note", {"note": f"第{n}次核实"}) if n < 259 else None)
    short = client.get(f"/api/incidents/{inc['id']}")
    whole = client.get(f"/api/incidents/{inc['id']}?events=all")
    assert short.json["events_total"] == whole.json["events_total"] == 260 == len(whole.json["events"])
    assert len(short.json["events"]) == 200 and short.json["events"] == whole.json["events"][-200:]
    assert short.json["events"][-1]["payload"]["note"] == "第258次核实"
    assert len(whole.data) - len(short.data) > 60 * 100        # each event is over 100 bytes of JSON
    # the page before: the 60 older events, then no page before them; the notes are those of the events answered
    older = client.get(short.json["events_next"])
    assert older.json["events"] == whole.json["events"][:60] and older.json["events_next"] is None
    assert whole.json["events_next"] is None
    assert [n["note"] for n in short.json["notes"]] == [f"第{n}次核实" for n in range(59, 259)]
    assert len(older.json["notes"]) == 59 and len(whole.json["notes"]) == 259


@pytest.mark.parametrize("before", ["0", "-3", "x", "1e3", "99999999999999999999"])
def test_a_page_before_something_not_an_event_number_is_refused_naming_the_field(client, before):
    inc = new(client)
    r = client.get(f"/api/incidents/{inc['id']}?before={before}")
    assert r.status_code == 422 and r.get_json()["field"] == "before"


def test_a_page_of_events_carries_the_call_attempts_those_events_recorded(client):
    """A call attempt is recorded by its own 记录呼叫 step: a page of events carries those steps' attempts, in order,
    and calls_total says how many there are (a long incident's answer does not carry every call it ever made)."""
    inc = new(client)
    item = inc["checklist"]["notifications"][0]
    numbers = [f"0513-{n:08d}" for n in range(0, 230, 3)]

    def step(n):
        if n >= 230:
            return None
        return (("record_call", {"notification": item["id"], "unit": item["to"][0], "number": f"0513-{n:08d}",
                                 "outcome": "no_answer"}) if n % 3 == 0 else ("add_note", {"note": f"第{n}次核实"}))
    steps(client, inc, step)
    pages, url = [], f"/api/incidents/{inc['id']}"
    while url:
        page = client.get(url).json
        pages.insert(0, [c["number"] for c in page["calls"]])
        assert [e["payload"]["number"] for e in page["events"] if e["trigger"] == "record_call"] == pages[0]
        assert page["calls_total"] == len(numbers)
        url = page["events_next"]
    assert sum(pages, []) == numbers and len(pages) == 2
    assert [c["number"] for c in client.get(f"/api/incidents/{inc['id']}?events=all").json["calls"]] == numbers
