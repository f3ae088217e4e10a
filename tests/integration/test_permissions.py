"""Every route of the console and the API, tried with every role, from the office that owns what it acts on, from
another office and signed out, against the table of actions (``webui/access.py`` ROUTE_ACTIONS and
``emergency.services.permissions`` ACTIONS): the role may not → 403; another office's own record (a shift's entry, a
handover, a swap) → 404; allowed → the page or the refusal of its input, never 401, 403 or a 5xx. A route added
later without an action stops the console starting, and without a request here fails this test. Then the findings
of the outside test, each through the pages and the API, and the rule that no view decides a permission itself."""
import io
import pathlib
import re
import tokenize
import zipfile

import pytest

from emergency.core.clock import FixedClock
from emergency.core.errors import Refused
from emergency.services import directory, drill_runs, intake, roster, shift
from emergency.services import incidents as svc
from emergency.services.permissions import ACTIONS, PLAN, Actor
from emergency.services.users import add_user, create_token
from emergency.store import open_store
from tests.conftest import PASSWORD, app_with_users
from tests.library import PLANS
from webui.access import ROUTE_ACTIONS

DUTY_ROOM, BUREAU, ENVIRONMENT = "海门区政府总值班室", "区应急管理局", "海门生态环境局"
ROLES = ("duty_officer", "commander", "drill_controller", "observer", "administrator")
OFFICES = {"room": None, "bureau": BUREAU}      # a user with no unit works for the duty room
PLAN_ID = "hazardous_chemicals"
# the roster of a month to come: a swap to decide, while today's shifts stay 未排班 (no crew to check)
ROTA = [roster.COLUMNS,
        [DUTY_ROOM, "2027-01-05", "白班", "08:30", "17:30", "duty_officer-room", "10000020001", "示例带班领导甲", "10000030001"],
        [DUTY_ROOM, "2027-01-06", "白班", "08:30", "17:30", "示例值班员乙", "10000020002", "示例带班领导甲", "10000030001"]]


MOBILES = {"entry": "13800138000", "entry text": "13800138001", "person": "13700137000", "24-hour line": "13600136000",
           "remarks": "13500135000"}
CALLED = ("+8613912345670", "+86 139 1234 5671", "139-1234-5672", "13912345673")


def user(role, office):
    return f"{role}-{office}"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A console with a user of each role in the duty room and in the bureau, and one of each thing a route acts
    on: an incident, an intake, a drill, the duty room's log entry, handover and swap."""
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    app = app_with_users(str(tmp_path_factory.mktemp("perm") / "perm.db"), clock, TESTING=True)
    store = open_store(app.config["DATABASE"])
    tokens = {}
    for role in ROLES:
        for key, unit in OFFICES.items():
            add_user(store, user(role, key), role, PASSWORD, clock, unit=unit)
            tokens[user(role, key)] = create_token(store, user(role, key), clock)
    room_officer = Actor(user("duty_officer", "room"), "duty_officer", DUTY_ROOM)
    snap = svc.report(store, {"plan": PLAN_ID, "facts": {"deaths": 1}, "title": "槽罐车泄漏（虚构）",
                              "occurred_at": "2026-11-22T08:00", "reported_at": "2026-11-22T08:10"}, room_officer.name, clock)
    received = intake.record(store, {"source": "public", "received_at": "2026-11-22T08:05", "description": "槽罐车泄漏",
                                     "matter": store.plans.routing.matters[0].id}, room_officer.name, clock)
    drill = drill_runs.create_drill(store, "hc-tank-leak", "导调王五", clock)
    # personal mobiles in every place one can be typed: calls in each form the validator takes, log entries, the
    # directory's people and 24-hour lines, handover remarks (the observer walk below looks for each)
    for number in CALLED:
        snap = svc.act(store, snap.id, "record_call", snap.version, {"notification": "office-to-leaders", "unit": "区委",
                                                                     "outcome": "busy", "number": number},
                       room_officer.name, clock)
    entry = shift.add_entry(store, room_officer, {"kind": "call_in", "party": "单位负责人", "phone": MOBILES["entry"],
                                                  "text": f"请回电{MOBILES['entry text']}", "callback": "on"}, clock.now())
    directory.save_one(store, {"unit": "区应急管理局", "name": "示例科长", "mobile": MOBILES["person"]}, None, "管理员",
                       "2026-11-22T09:00:00+08:00")
    directory.save_one(store, {"unit": "海门生态环境局", "duty_line": MOBILES["24-hour line"]}, None, "管理员",
                       "2026-11-22T09:00:00+08:00")
    window = shift.window_at([], DUTY_ROOM, clock.now())
    handover = shift.sign_out(store, room_officer, window, shift.next_window([], DUTY_ROOM, window), store.plans,
                              f"夜间联系人手机{MOBILES['remarks']}", clock.now(), DUTY_ROOM)
    roster.replace(store, roster.check(ROTA, store.plans), "管理员", "2026-11-20T09:00:00+08:00")
    rows = {r["officer"]: r["id"] for r in store.roster.rows()}
    swap = roster.request_swap(store, room_officer, rows["duty_officer-room"], "示例值班员乙", rows["示例值班员乙"],
                               "家中有事", "2026-11-22T09:00:00+08:00")
    store.close()
    ids = {"incident": snap.id, "intake": received["id"], "drill": drill["id"], "entry": entry["id"],
           "handover": handover["id"], "swap": swap}
    return app, tokens, ids


def requests(ids):
    """For each endpoint: (method, path, form or JSON body, whose it is). ``room``: a record the duty room keeps
    (another office gets 404); ``trigger``: the plan step a PLAN action is tried with."""
    i = ids
    note = {"trigger": "add_note", "expected_version": "1", "note": "核实中"}
    return {
        "auth.login": ("GET", "/login", None, {}), "static": ("GET", "/static/console.css", None, {}),
        "api.openapi": ("GET", "/api/openapi.json", None, {}), "console.set_lang": ("GET", "/lang/zh", None, {}),
        "console.favicon": ("GET", "/favicon.ico", None, {}),
        "auth.logout": ("POST", "/logout", {}, {}), "auth.logout_everywhere": ("POST", "/logout-everywhere", {}, {}),
        "api.plans": ("GET", "/api/plans", None, {}), "api.plan": ("GET", f"/api/plans/{PLAN_ID}", None, {}),
        "api.plan_diagram": ("GET", f"/api/plans/{PLAN_ID}/diagram", None, {}),
        "api.classify_facts": ("POST", f"/api/classify/{PLAN_ID}", {"json": {"deaths": 1}}, {}),
        "api.checklist": ("POST", f"/api/checklist/{PLAN_ID}", {"json": {"level": "IV", "occurred_at": "2026-11-22T08:00",
                                                                          "reported_at": "2026-11-22T08:10"}}, {}),
        "api.routing": ("GET", "/api/routing", None, {}),
        "plans.plan_page": ("GET", f"/plans/{PLAN_ID}", None, {}), "plans.plan_diff": ("GET", f"/plans/{PLAN_ID}/diff", None, {}),
        "plans.classify_page": ("GET", f"/classify/{PLAN_ID}", None, {}),
        "plans.checklist_page": ("GET", f"/checklist/{PLAN_ID}?level=IV&occurred_at=2026-11-22T08:00", None, {}),
        "plans.checklist_download": ("GET", f"/checklist/{PLAN_ID}.md?level=IV&occurred_at=2026-11-22T08:00", None, {}),
        "drills.cards_index": ("GET", "/cards", None, {}),
        "drills.card_page": ("GET", f"/cards/{PLAN_ID}/IV/duty_officer", None, {}),
        "console.home": ("GET", "/", None, {}), "console.board": ("GET", "/incidents", None, {}),
        "console.wall": ("GET", "/wall", None, {}), "console.history": ("GET", "/history", None, {}),
        "console.statistics": ("GET", "/statistics", None, {}),
        "console.statistics_export": ("GET", "/statistics.xlsx", None, {}),
        "api.incidents": ("GET", "/api/incidents", None, {}),
        "api.incident": ("GET", f"/api/incidents/{i['incident']}", None, {}),
        "incidents.incident_page": ("GET", f"/incidents/{i['incident']}", None, {}),
        "incidents.incident_checklist": ("GET", f"/incidents/{i['incident']}/checklist", None, {}),
        "directory.calls": ("GET", f"/incidents/{i['incident']}/calls", None, {}),
        "directory.calls_download": ("GET", f"/incidents/{i['incident']}/calls.xlsx", None, {}),
        "reports.timeline_docx": ("GET", f"/incidents/{i['incident']}/timeline.docx", None, {}),
        "reports.notifications_download": ("GET", f"/incidents/{i['incident']}/notifications.xlsx", None, {}),
        "reports.board_export": ("GET", "/incidents.xlsx", None, {}),
        "reports.document_page": ("GET", "/documents/doc-none", None, {"missing": True}),
        "reports.document_docx": ("GET", "/documents/doc-none.docx", None, {"missing": True}),
        "reports.document_pdf": ("GET", "/documents/doc-none.pdf", None, {"missing": True}),
        "reports.document_cap": ("GET", "/documents/doc-none.cap.xml", None, {"missing": True}),
        "api.document_cap": ("GET", "/api/documents/doc-none/cap", None, {"missing": True}),
        "api.warning_cap": ("GET", f"/api/incidents/{i['incident']}/warning/cap", None, {"missing": True}),
        "reports.warning_cap": ("GET", f"/incidents/{i['incident']}/warning.cap.xml", None, {"missing": True}),
        "incidents.create_incident": ("POST", "/incidents", {"plan": PLAN_ID, "title": "x"}, {"trigger": "report"}),
        "api.create_incident": ("POST", "/api/incidents", {"json": {"plan": PLAN_ID, "occurred_at": "2026-11-22T08:00"}},
                                {"trigger": "report"}),
        "intake.intake_form": ("GET", "/intake", None, {}),
        "intake.intake_page": ("GET", f"/intake/{i['intake']}", None, {}),
        "api.get_intake": ("GET", f"/api/intake/{i['intake']}", None, {}),
        "intake.intake_record": ("POST", "/intake", {"source": "110"}, {"trigger": "report"}),
        "api.create_intake": ("POST", "/api/intake", {"json": {"source": "110"}}, {"trigger": "report"}),
        "intake.intake_close": ("POST", f"/intake/{i['intake']}/close", {}, {"trigger": "report"}),
        # a drill controller may take an exercise message; a real one is refused in the service (test_cap_in)
        "intake.warning_form": ("GET", "/warnings/receive", None, {"trigger": "report", "drill": True}),
        "intake.warning_receive": ("POST", "/warnings/receive", {}, {"trigger": "report", "drill": True}),
        "api.receive_warning": ("POST", "/api/warnings", {"json": {"not": "a CAP message"}},
                                {"trigger": "report", "drill": True}),  # a drill controller receives exercises
        "api.intake_incident": ("POST", f"/api/intake/{i['intake']}/incident", {"json": {"plan": PLAN_ID}},
                                {"trigger": "report"}),
        "incidents.incident_act": ("POST", f"/incidents/{i['incident']}/act", note, {"trigger": "add_note"}),
        "api.incident_event": ("POST", f"/api/incidents/{i['incident']}/events",
                               {"json": {"trigger": "add_note", "expected_version": 1, "payload": {"note": "核实中"}}},
                               {"trigger": "add_note"}),
        "calls.record_call": ("POST", f"/incidents/{i['incident']}/calls",
                              {"notification": "office-to-leaders", "outcome": "no_answer", "unit": "区委"},
                              {"trigger": "record_call"}),
        "reports.draft_page": ("GET", f"/incidents/{i['incident']}/reports/new", None, {"trigger": "issue_report"}),
        "reports.preview": ("POST", f"/incidents/{i['incident']}/reports/preview", {}, {"trigger": "issue_report"}),
        "reports.issue": ("POST", f"/incidents/{i['incident']}/reports", {}, {"trigger": "issue_report"}),
        "directory.page": ("GET", "/directory", None, {}), "directory.export": ("GET", "/directory.xlsx", None, {}),
        "directory.roster_page": ("GET", "/roster", None, {}), "directory.roster_export": ("GET", "/roster.xlsx", None, {}),
        # a calendar's subscription address opens by its own token alone: an unknown one is 404 whoever sends it
        "directory.roster_subscription": ("GET", "/roster/subscription/cal_unknown.ics", None, {"address": True}),
        "directory.roster_subscribe": ("POST", "/roster/subscription", {}, {}),
        "directory.roster_unsubscribe": ("POST", "/roster/subscription/revoke", {}, {}),
        "directory.checklist_calls": ("GET", f"/checklist/{PLAN_ID}/calls?level=IV&occurred_at=2026-11-22T08:00", None, {}),
        "directory.import_file": ("POST", "/directory/import", {}, {}),
        "directory.save_contact": ("POST", "/directory/contacts", {}, {}),
        "directory.delete_contact": ("POST", "/directory/contacts/999999/delete", {}, {"missing": True}),
        "directory.roster_import": ("POST", "/roster/import", {}, {}),
        "directory.roster_generate": ("POST", "/roster/generate", {}, {}),
        "directory.swap_request": ("POST", "/roster/swaps", {}, {}),
        "directory.swap_decide": ("POST", f"/roster/swaps/{i['swap']}/decide", {}, {"room": True}),
        "shift.log_page": ("GET", "/shift", None, {}), "shift.log_print": ("GET", "/shift/print", None, {}),
        "shift.log_export": ("GET", "/shift/log.xlsx", None, {}),
        "shift.handover_page": ("GET", "/shift/handover", None, {}),
        "shift.handover_view": ("GET", f"/shift/handover/{i['handover']}", None, {"room": True}),
        "shift.handover_print": ("GET", f"/shift/handover/{i['handover']}/print", None, {"room": True}),
        "shift.add_entry": ("POST", "/shift/entries", {}, {}),
        "shift.entry_done": ("POST", f"/shift/entries/{i['entry']}/done", {}, {"room": True}),
        "shift.sign_out": ("POST", "/shift/handover", {}, {}),
        "shift.sign_in": ("POST", f"/shift/handover/{i['handover']}/sign-in", {}, {"room": True}),
        "shift.drill_handover": ("GET", f"/drills/{i['drill']}/handover", None, {}),
        "shift.drill_sign_out": ("POST", f"/drills/{i['drill']}/handover", {}, {"drill": True, "missing": True}),
        "drills.drills": ("GET", "/drills", None, {}), "drills.panel": ("GET", f"/drills/{i['drill']}", None, {}),
        "drills.report": ("GET", f"/drills/{i['drill']}/report", None, {}),
        "drills.report_json": ("GET", f"/drills/{i['drill']}/report.json", None, {}),
        "drills.report_docx": ("GET", f"/drills/{i['drill']}/report.docx", None, {}),
        "drills.improvements": ("GET", "/improvements", None, {}),
        "drills.improvements_docx": ("GET", f"/drills/{i['drill']}/improvements.docx", None, {}),
        "drills.coverage_page": ("GET", "/coverage", None, {}), "drills.coverage_download": ("GET", "/coverage.xlsx", None, {}),
        "api.drills": ("GET", "/api/drills", None, {}),
        "drills.create": ("POST", "/drills", {}, {}), "drills.control": ("POST", f"/drills/{i['drill']}/control", {}, {}),
        "drills.scenario_new": ("GET", "/scenarios/new", None, {}), "drills.scenario_save": ("POST", "/scenarios", {}, {}),
        "drills.add_improvement": ("POST", f"/drills/{i['drill']}/improvements", {}, {}),
        "drills.close_improvement": ("POST", "/improvements/999999/close", {}, {}),
        "api.create_drill": ("POST", "/api/drills", {"json": {"scenario": "hc-tank-leak"}}, {}),
        "api.drill_control": ("POST", f"/api/drills/{i['drill']}/control", {"json": {}}, {}),
        "api.drill_tick": ("POST", f"/api/drills/{i['drill']}/tick", {"json": {}}, {}),
        "admin.security": ("GET", "/admin/", None, {}), "admin.add_user": ("POST", "/admin/users", {}, {}),
        "admin.change_user": ("POST", "/admin/users/无此用户", {}, {}),
        "admin.unlock": ("POST", "/admin/locked/无此用户", {}, {}),
        "admin.set_prefix": ("POST", "/admin/prefixes", {}, {}),
        "admin.archive_download": ("GET", "/admin/archive?from=2026-11-01&to=2026-11-30", None, {}),
    }


def expected(endpoint: str, role: str, office: str, spec: dict) -> str:
    """What the table says: ``login`` (signed out), ``403``, ``404`` or ``ok``. A plan step is the plan's record
    roles for the steps tried here (recording, a note, a call, a report), as the plan files give them."""
    action = ACTIONS[ROUTE_ACTIONS[endpoint]]
    if action.relation == "public":
        return "ok"
    if spec.get("address"):     # neither a session nor an API token opens a subscription address
        return "404"
    if role is None:
        return "login"
    if action.roles is PLAN:
        plan = PLANS.plan(PLAN_ID)
        trigger = spec["trigger"]
        roles = set(plan.lifecycle.record_roles) if trigger in ("report", "add_note", "record_call", "issue_report") \
            else set()
        if role not in roles and not (spec.get("drill") and role == "drill_controller"):   # any drill's step
            return "403"
    elif role not in action.roles and not (action.drills_too and spec.get("drill") and role == "drill_controller"):
        return "403"
    if spec.get("room") and office != "room" and role != "administrator":
        return "404"
    return "ok"


def test_every_route_has_an_action_and_a_request_here(world):
    app, _tokens, ids = world
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert endpoints == set(ROUTE_ACTIONS), "a route without an action (or an action for no route)"
    assert endpoints == set(requests(ids)), "a route this test does not try"


ENDPOINTS = sorted(ROUTE_ACTIONS)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_route_answers_each_role_and_office_as_the_table_says(world, endpoint):
    app, tokens, ids = world
    method, path, body, spec = requests(ids)[endpoint]
    seen = {}
    for role in (None, *ROLES):
        for office in (("room",) if role is None else OFFICES):
            c = app.test_client()
            if role is not None:
                c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {tokens[user(role, office)]}"
            if method == "GET":
                r = c.get(path)
            elif body and "json" in body:
                r = c.post(path, json=body["json"])
            else:
                r = c.post(path, data=body or {})
            want = expected(endpoint, role, office, spec)
            got = r.status_code
            r.close()
            seen[(role, office)] = (got, want)
            if want == "login":
                ok = got == 401 if path.startswith("/api/") else (got == 302 and "/login" in r.headers["Location"])
            elif want in ("403", "404"):
                ok = got == int(want)
            elif spec.get("missing"):
                ok = got == 404            # allowed, and the record asked for is not there
            else:
                ok = got not in (401, 403, 404) and got < 500 and (method == "POST" or got in (200, 302))
            assert ok, f"{endpoint} {method} {path} as {role} of {office}: {got}, the table says {want}"


def _readable(response) -> str:
    """What a person reads in an answer: its text, or the XML text of a workbook or a Word file."""
    body = response.get_data()
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return body.decode("utf-8", "replace")


@pytest.mark.parametrize("office", OFFICES)
def test_an_observer_meets_no_personal_mobile_on_any_page_or_export(world, office):
    """Every GET route of the table, as an observer of the duty room and of the bureau: none of the mobiles typed into
    calls, log entries, the directory and a handover appears whole (its digits, however spaced)."""
    app, tokens, ids = world
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {tokens[user('observer', office)]}"
    digits = [re.sub(r"\D", "", n)[-11:] for n in (*MOBILES.values(), *CALLED)]
    read = 0
    for endpoint, (method, path, _body, _spec) in requests(ids).items():
        if method != "GET" or endpoint == "static":
            continue
        r = c.get(path)
        if r.status_code != 200:
            r.close()
            continue
        text = re.sub(r"[\s\-]", "", _readable(r))
        r.close()
        read += 1
        for number in digits:
            assert number not in text, f"{endpoint} ({path}) shows {number} to an observer of {office}"
    assert read > 40


# ---------------------------------------------------------------- the findings, through the pages and the API

def _token(app, name, role, unit, clock):
    store = open_store(app.config["DATABASE"])
    try:
        add_user(store, name, role, PASSWORD, clock, unit=unit)
        return create_token(store, name, clock)
    finally:
        store.close()


def _as(app, token):
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


def test_the_bureaus_account_of_the_duty_rooms_item_leaves_it_owed_for_the_duty_room(app, clock):
    bureau = _as(app, _token(app, "应急局值班员孙八", "duty_officer", BUREAU, clock))
    room = _as(app, app.config["TEST_TOKENS"]["值班员张三"])
    made = room.post("/api/incidents", json={"plan": PLAN_ID, "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:00",
                                            "reported_at": "2026-11-22T08:10"}).get_json()
    r = bureau.post(f"/api/incidents/{made['id']}/events", json={
        "trigger": "account_for", "expected_version": made["version"],
        "payload": {"notification": "office-to-leaders", "how": "reported_by", "source": DUTY_ROOM}})
    assert r.status_code == 200
    items = {n["id"]: n for n in room.get(f"/api/incidents/{made['id']}").get_json()["checklist"]["notifications"]}
    assert items["office-to-leaders"]["status"] != "accounted" and items["office-to-leaders"]["left"]


def test_a_third_office_cannot_finish_a_task_given_to_the_bureau(app, clock):
    commander = _as(app, app.config["TEST_TOKENS"]["指挥李四"])
    made = commander.post("/api/incidents", json={"plan": PLAN_ID, "facts": {"deaths": 1},
                                                 "occurred_at": "2026-11-22T08:00"}).get_json()
    given = commander.post(f"/api/incidents/{made['id']}/events", json={
        "trigger": "assign_task", "expected_version": made["version"],
        "payload": {"duty": "group:coordination", "unit": BUREAU, "due": "2026-11-22T12:00"}}).get_json()
    third = _as(app, _token(app, "环境局值班员", "duty_officer", ENVIRONMENT, clock))
    finish = {"trigger": "finish_task", "expected_version": given["version"],
              "payload": {"task_id": "t1", "contact": "随便一个名字"}}
    r = third.post(f"/api/incidents/{made['id']}/events", json=finish)
    assert r.status_code == 403 and "任务的承办单位" in r.get_json()["message_zh"]
    bureau = _as(app, _token(app, "应急局值班员孙八", "duty_officer", BUREAU, clock))
    assert bureau.post(f"/api/incidents/{made['id']}/events", json={**finish, "payload": {"task_id": "t1"}}).status_code == 200


def test_nobody_approves_a_swap_of_his_own(app, clock):
    store = open_store(app.config["DATABASE"])
    roster.replace(store, roster.check([roster.COLUMNS,
                                        [DUTY_ROOM, "2026-12-05", "白班", "08:30", "17:30", "指挥李四", "10000020001", "", ""],
                                        [DUTY_ROOM, "2026-12-06", "白班", "08:30", "17:30", "示例值班员乙", "10000020002", "", ""]],
                                       store.plans), "管理员", "2026-11-20T09:00:00+08:00")
    rows = {r["officer"]: r["id"] for r in store.roster.rows()}
    store.close()
    commander = _as(app, app.config["TEST_TOKENS"]["指挥李四"])
    assert commander.post("/roster/swaps", data={"shift_id": rows["指挥李四"], "to_officer": "示例值班员乙",
                                                 "with_shift_id": rows["示例值班员乙"], "reason": "家中有事"}).status_code == 302
    store = open_store(app.config["DATABASE"])
    swap_id = store.roster.swaps(DUTY_ROOM)[0]["id"]
    store.close()
    mine = commander.post(f"/roster/swaps/{swap_id}/decide", data={"decision": "approve"})
    assert mine.status_code == 403 and "不是换班当事人" in mine.get_data(as_text=True)
    other = _as(app, _token(app, "指挥周某", "commander", None, clock))
    assert other.post(f"/roster/swaps/{swap_id}/decide", data={"decision": "approve"}).status_code == 302
    store = open_store(app.config["DATABASE"])
    assert store.roster.swaps(DUTY_ROOM)[0]["status"] == "approved"
    store.close()


def test_a_handover_is_signed_by_the_ending_crew_and_taken_over_by_the_next_within_four_hours(tmp_path):
    clock = FixedClock("2026-11-22T08:20:00+08:00")
    app = app_with_users(str(tmp_path / "crew.db"), clock, TESTING=True)
    store = open_store(app.config["DATABASE"])
    roster.replace(store, roster.check([roster.COLUMNS,
                                        [DUTY_ROOM, "2026-11-21", "夜班", "17:30", "08:30", "值班员张三", "10000020001", "", ""],
                                        [DUTY_ROOM, "2026-11-22", "白班", "08:30", "17:30", "示例值班员丙", "10000020003",
                                         "指挥李四", "10000030001"]], store.plans), "管理员", "2026-11-20T09:00:00+08:00")
    store.close()
    outsider = _as(app, _token(app, "值班员周五", "duty_officer", None, clock))
    page = outsider.get("/shift/handover").get_data(as_text=True)
    window = re.search(r'name="window" value="([^"]+)"', page).group(1)
    refused = outsider.post("/shift/handover", data={"window": window})
    assert refused.status_code == 403 and "该班次的值班员或带班领导" in refused.get_data(as_text=True)
    outgoing = _as(app, app.config["TEST_TOKENS"]["值班员张三"])
    signed = outgoing.post("/shift/handover", data={"window": window})
    assert signed.status_code == 302
    handover_id = signed.headers["Location"].rsplit("/", 1)[1]
    assert outsider.post(f"/shift/handover/{handover_id}/sign-in").status_code == 403   # not on the day shift
    clock.advance(hours=4, minutes=11)     # 12:31: four hours after the night ended at 08:30, and a minute
    incoming = _as(app, app.config["TEST_TOKENS"]["指挥李四"])
    late = incoming.post(f"/shift/handover/{handover_id}/sign-in")
    assert "已过接班签字时限" in incoming.get(late.headers["Location"]).get_data(as_text=True)
    clock.advance(minutes=-2)              # 12:29: still within the time the page offers it
    incoming.post(f"/shift/handover/{handover_id}/sign-in")
    assert "指挥李四" in incoming.get(f"/shift/handover/{handover_id}").get_data(as_text=True)
    store = open_store(app.config["DATABASE"])
    assert store.shifts.handover(handover_id)["incoming"] == "指挥李四"
    store.close()


WEB = pathlib.Path(__file__).resolve().parents[2] / "webui"


def _code_lines(path: pathlib.Path) -> dict[int, str]:
    """Each line's code without its strings and comments (a docstring saying "role in" is no comparison)."""
    lines: dict[int, list[str]] = {}
    with path.open("rb") as f:
        for tok in tokenize.tokenize(f.readline):
            if tok.type in (tokenize.NAME, tokenize.OP):
                lines.setdefault(tok.start[0], []).append(tok.string)
    return {n: " ".join(t).replace(" . ", ".") for n, t in lines.items()}


def test_no_view_compares_a_role_or_an_office_itself():
    """Permission is decided in ``emergency.services.permissions`` alone: the web layer asks it (``may``,
    ``authorize``, ``…_or_404``) and never compares a role or an office itself."""
    # a user's role or office (``current_user.role``, ``x.office``, ``office == …``, ``role in (…)``) compared;
    # a form's value checked against a list of names (``unit not in units()``) is input, not permission
    pattern = re.compile(r"(\.role|\.unit|\.office|\boffice|\brole)\s*(==|!=|\bin\b|\bnot in\b)|"
                         r"(==|!=)\s*(\w+\.)?(role|unit|office)\b")
    found = []
    for path in sorted(WEB.glob("*.py")):
        for number, code in _code_lines(path).items():
            if pattern.search(code):
                found.append(f"{path.name}:{number}: {code}")
    assert not found, "\n".join(found)


def test_a_swap_asked_before_the_month_was_made_again_is_refused_not_applied_to_another_shift(app, clock):
    """Roster rows are made anew with the month (their ids reused): a swap names its shifts by officer and time, and
    approving it after the roster changed under it is refused, leaving the new roster as it is."""
    rows = [roster.COLUMNS, [DUTY_ROOM, "2026-12-05", "白班", "08:30", "17:30", "值班员张三", "10000020001", "", ""],
            [DUTY_ROOM, "2026-12-06", "白班", "08:30", "17:30", "示例值班员乙", "10000020002", "", ""]]
    store = open_store(app.config["DATABASE"])
    roster.replace(store, roster.check(rows, store.plans), "管理员", "2026-11-20T09:00:00+08:00")
    ids = {r["officer"]: r["id"] for r in store.roster.rows()}
    officer = Actor("值班员张三", "duty_officer", DUTY_ROOM)
    swap = roster.request_swap(store, officer, ids["值班员张三"], "示例值班员乙", None, "家中有事", "2026-11-22T09:00:00+08:00")
    again = [roster.COLUMNS, [DUTY_ROOM, "2026-12-05", "白班", "08:30", "17:30", "示例值班员丙", "10000020003", "", ""],
             [DUTY_ROOM, "2026-12-06", "白班", "08:30", "17:30", "值班员张三", "10000020001", "", ""]]
    roster.replace(store, roster.check(again, store.plans), "管理员", "2026-11-21T09:00:00+08:00")
    before = {(r["starts_at"], r["officer"]) for r in store.roster.rows()}
    with pytest.raises(Refused, match="申请所指的班次已变化"):
        roster.decide_swap(store, Actor("指挥李四", "commander", DUTY_ROOM), swap, True, "", "2026-11-22T10:00:00+08:00")
    assert {(r["starts_at"], r["officer"]) for r in store.roster.rows()} == before
    store.close()


@pytest.mark.parametrize("how", [{}, [], [1], 7])
def test_an_account_with_a_how_that_is_no_word_is_refused_naming_the_field(client, how):
    made = client.post("/api/incidents", json={"plan": PLAN_ID, "facts": {"deaths": 1},
                                               "occurred_at": "2026-11-22T08:00"}).get_json()
    r = client.post(f"/api/incidents/{made['id']}/events", json={
        "trigger": "account_for", "expected_version": made["version"],
        "payload": {"notification": "nat-493-10-city", "how": how}})
    assert r.status_code == 422 and r.get_json()["field"] == "payload.how"


def test_a_log_entry_id_too_long_for_the_database_is_a_404(world):
    app, tokens, _ids = world
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {tokens[user('duty_officer', 'room')]}"
    assert c.post("/shift/entries/12345678901234567890/done").status_code == 404


def test_another_offices_swap_is_a_404_said_in_words(world):
    """A swap of the duty room, decided by the bureau's commander: not there for it, said as a person reads it."""
    app, tokens, ids = world
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {tokens[user('commander', 'bureau')]}"
    r = c.post(f"/roster/swaps/{ids['swap']}/decide", data={})
    assert r.status_code == 404 and "没有这个换班申请" in r.get_data(as_text=True) and "swap" not in r.get_data(as_text=True)
