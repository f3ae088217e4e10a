"""Calls and acknowledgements as events (done when acknowledged, not when ticked), the duty roster
imported whole and shown as "on duty now", single contacts edited by an administrator, escalation to the leader
on duty, and a drill's after-action report that scores attempts."""
import io
from datetime import datetime, time
import re

import openpyxl
import pytest

from emergency.services import directory, report, roster
from emergency.core.clock import FixedClock
from emergency.services.incidents import act, notification_status, rebuild
from emergency.store import open_store
from emergency.services.users import add_user
from tests.conftest import PASSWORD, app_with_users, as_user, signed_in
from tests.integration.test_directory import xlsx
from tests.library import PLANS
from tests.refusals import refused


@pytest.fixture
def clock():
    return FixedClock("2026-11-22T09:00:00+08:00")


@pytest.fixture
def app(store_location, clock):
    # the environment plan's reports to 海门区政府 (III-phone, first-phone) are the bureau's duty (区有关部门):
    # these users work for 海门生态环境局, whose roster names the leader its items are raised to
    application = app_with_users(store_location, clock, TESTING=True, DUTY_ROOM="海门生态环境局")
    store = open_store(application.config["DATABASE"])
    directory.load_demo(store, "2026-11-22T09:00:00+08:00")
    store.close()
    return application


def new_incident(client, **kw):
    """A level III environment incident (III-phone: 30 minutes from the occurrence, to 海门区政府)."""
    body = {"plan": "environment", "facts": {"deaths": 3}, "occurred_at": "2026-11-22T08:50",
            "reported_at": "2026-11-22T08:55", "title": "河道油污（虚构）", **kw}
    r = client.post("/api/incidents", json=body)
    assert r.status_code == 201, r.json
    return r.json


def call(client, inc, **payload):
    return client.post(f"/api/incidents/{inc['id']}/events",
                       json={"trigger": "record_call", "expected_version": inc["version"], "payload": payload})


def item(view, notification):
    return next(n for n in view["checklist"]["notifications"] if n["id"] == notification)


@pytest.mark.both_stores
def test_an_unanswered_call_does_not_complete_an_item_an_answered_one_does(app, clock):
    c = app.test_client()
    as_user(c, "值班员张三")
    inc = new_incident(c)
    assert item(inc, "III-phone")["due"] == "2026-11-22T09:20:00+08:00" and inc["classified_level"] == "III"
    r = call(c, inc, notification="III-phone", unit="海门区政府", number="0513-00010073", outcome="no_answer")
    assert r.status_code == 200, r.json
    assert item(r.json, "III-phone")["status"] == "pending"                 # tried, not done
    assert r.json["calls"][0]["acknowledged"] is False
    clock.advance(minutes=2)
    r = call(c, r.json, notification="III-phone", unit="海门区政府", number="0513-00010073", outcome="connected",
             reached="示例值班员073")
    done = item(r.json, "III-phone")
    assert done["status"] == "done" and done["done_at"] == "2026-11-22T09:02:00+08:00" and done["late_minutes"] < 0
    assert [a["outcome"] for a in r.json["calls"]] == ["no_answer", "connected"]
    # each attempt is an event of the chained log, and the snapshot rebuilds from the events alone; the action's
    # answer carries the event it wrote, the whole log is read with the incident
    assert [e["trigger"] for e in r.json["events"]] == ["record_call"] and r.json["events_total"] == r.json["version"]
    events = [e for e in c.get(f"/api/incidents/{inc['id']}").json["events"] if e["trigger"] == "record_call"]
    assert len(events) == 2 and all(e["hash"] for e in events)
    store = open_store(app.config["DATABASE"])
    assert rebuild(store, inc["id"]).model_dump() == store.incidents.get(inc["id"]).model_dump()
    assert store.verify() == []
    store.close()


@pytest.mark.parametrize("payload, field", [
    ({"notification": "III-phone", "outcome": "connected"}, "payload.reached"),        # who answered?
    ({"notification": "III-written", "outcome": "faxed"}, "payload.document"),         # which document?
    ({"notification": "III-phone", "outcome": "no_answer", "received_by": "某"}, "payload.received_by"),
    ({"notification": "III-phone", "outcome": "hung_up"}, "payload.outcome"),
    ({"notification": "III-phone", "outcome": "busy", "number": "call me"}, "payload.number"),
    ({"notification": "nope", "outcome": "busy"}, "payload.notification"),
    ({"notification": "III-phone"}, "payload.outcome"),
    ({"notification": "III-phone", "outcome": "busy", "done_at": "2026-11-22T10:00"}, "payload.done_at"),  # future
])
def test_a_bad_attempt_is_refused_naming_the_field_and_nothing_is_written(app, payload, field):
    c = app.test_client()
    as_user(c, "值班员张三")
    inc = new_incident(c)
    r = call(c, inc, **payload)
    assert r.status_code == 422 and r.json["field"] == field, r.json
    assert c.get(f"/api/incidents/{inc['id']}").json["version"] == inc["version"]


def test_a_written_report_is_done_when_signed_for(app):
    c = app.test_client()
    as_user(c, "值班员张三")
    inc = new_incident(c)
    r = call(c, inc, notification="III-written", outcome="faxed", document="首报（传真）", number="0513-00000073")
    assert item(r.json, "III-written")["status"] != "done"                 # faxed, nobody signed yet
    r = call(c, r.json, notification="III-written", outcome="connected", reached="示例值班员073",
             received_by="示例值班员073", note="确认收到传真")
    assert item(r.json, "III-written")["status"] == "done"


def test_a_drill_controller_may_record_on_a_drill_an_observer_never(app):
    c = app.test_client()
    as_user(c, "值班员张三")
    inc = new_incident(c)
    as_user(c, "观察员赵六")
    assert call(c, inc, notification="III-phone", outcome="busy").status_code == 403
    r = c.post(f"/api/incidents/{inc['id']}/events", json={"trigger": "send_message", "expected_version": 1,
                                                           "payload": {"notification": "III-phone"}})
    assert r.status_code in (403, 422)                                     # the server writes messages, never a caller


def test_console_records_calls_suggests_the_next_number_and_escalates(app, clock):
    duty = signed_in(app, "值班员张三")
    page = duty.post("/incidents", data={"plan": "environment", "title": "河道油污（虚构）", "deaths": "3",
                                         "occurred_at": "2026-11-22T08:50", "reported_at": "2026-11-22T08:55",
                                         "csrf_token": duty.csrf})
    url = page.headers["Location"]
    iid = url.rsplit("/", 1)[-1]
    html = duty.get(url).get_data(as_text=True)
    assert "III-phone" not in escalated(html)                              # due 09:20, now 09:00: not yet
    assert "first-phone" in escalated(html)                                # 第一时间 (at once) and not acknowledged
    box = re.search(r'id="call-III-phone".*?</form>', html, re.S).group(0)
    assert re.search(r'suggest-number"><a class="tel" href="tel:051300010073">0513-00010073<', box)   # the duty line first, dialled

    def attempt(outcome, number, **more):
        version = re.search(r'id="version">(\d+)', duty.get(url).get_data(as_text=True)).group(1)
        return duty.post(f"/incidents/{iid}/calls", data={"csrf_token": duty.csrf, "notification": "III-phone",
                                                         "expected_version": version, "unit": "海门区政府",
                                                         "number": number, "outcome": outcome, **more})

    assert attempt("no_answer", "0513-00010073").status_code == 302
    assert attempt("busy", "0513-00010073").status_code == 302
    box = re.search(r'id="call-III-phone".*?</form>', duty.get(url).get_data(as_text=True), re.S).group(0)
    nxt = re.search(r'suggest-number"><a[^>]*>([^<]+)<', box).group(1)
    assert nxt != "0513-00010073" and "2 次未接通" in box                    # two failures: the next number
    clock.advance(minutes=14)                                               # 09:14: six minutes before 09:20
    assert "III-phone" not in escalated(duty.get(url).get_data(as_text=True))
    assert "III-phone" not in escalated(duty.get("/").get_data(as_text=True))
    clock.advance(minutes=1)                                                # 09:15: five minutes before: raised
    html = duty.get(url).get_data(as_text=True)
    assert "III-phone" in escalated(html)
    assert "III-phone" in escalated(duty.get("/").get_data(as_text=True))  # the home page raises it too
    assert "值班表中此刻无带班领导" in re.search(r'id="escalation".*?</section>', html, re.S).group(0)  # no roster: said
    # refused in the console: the field named, nothing written
    r = attempt("connected", "0513-00010073")
    assert r.status_code == 302
    assert "接听人：接通须记录接听人" in duty.get(url).get_data(as_text=True)
    attempt("connected", nxt, reached="示例值班员")
    html = duty.get(url).get_data(as_text=True)
    assert "III-phone" not in escalated(html)                               # acknowledged: no longer raised
    timeline = re.search(r'id="timeline".*?</ol>', html, re.S).group(0)
    assert timeline.count("记录呼叫") == 3


def escalated(html: str) -> list[str]:
    """The notifications the incident page raises to the leader on duty."""
    box = re.search(r'id="escalation".*?</section>', html, re.S)
    return re.findall(r'<li data-notification="([^"]+)"', box.group(0)) if box else []


def roster_xlsx(rows, sheets=1, merge=None) -> bytes:
    return xlsx(rows, sheets, merge, title="值班表")


ROSTER = [roster.COLUMNS,
          ["海门生态环境局", "2026-11-22", "白班", "08:00", "18:00", "示例值班员甲", "10000020001", "示例带班领导甲", "10000030001"],
          ["海门生态环境局", "2026-11-22", "夜班", "18:00", "08:00", "示例值班员乙", "10000020002", "示例带班领导乙", "10000030002"]]


def admin(app, clock):
    store = open_store(app.config["DATABASE"])
    add_user(store, "管理员钱七", "administrator", PASSWORD, clock)
    store.close()
    return signed_in(app, "管理员钱七")


def upload_roster(client, content: bytes, name="值班表.xlsx"):
    return client.post("/roster/import", data={"file": (io.BytesIO(content), name), "csrf_token": client.csrf},
                       content_type="multipart/form-data")


@pytest.mark.both_stores
def test_a_roster_is_imported_whole_and_names_the_leader_on_duty(app, clock):
    boss = admin(app, clock)
    overlapping = ROSTER + [["海门生态环境局", "2026-11-22", "加班", "17:00", "20:00", "示例丙", "", "", ""]]
    r = upload_roster(boss, roster_xlsx(overlapping))
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "与第2行的班次" in body
    store = open_store(app.config["DATABASE"])
    assert roster.load(store) == []                                         # nothing half-imported
    store.close()
    assert upload_roster(boss, roster_xlsx(ROSTER)).status_code == 302
    duty = signed_in(app, "值班员张三")
    home = duty.get("/").get_data(as_text=True)
    on_duty = re.search(r'id="on-duty-now".*?</p>', home, re.S).group(0)
    assert "示例值班员甲" in on_duty and "示例带班领导甲" in on_duty and "10000030001" in on_duty
    assert 'id="roster-gaps"' in home                                       # one day kept: the next 7 have gaps
    observer = signed_in(app, "观察员赵六")
    seen = observer.get("/roster").get_data(as_text=True)
    assert "示例带班领导甲" in seen and "10000030001" not in seen              # personal mobiles hidden
    assert upload_roster(observer, roster_xlsx(ROSTER)).status_code == 403
    # the commander an item is raised to is the roster's leader on duty
    clock.advance(minutes=15)
    page = duty.post("/incidents", data={"plan": "environment", "title": "河道油污（虚构）", "deaths": "3",
                                         "occurred_at": "2026-11-22T08:50", "reported_at": "2026-11-22T08:55",
                                         "csrf_token": duty.csrf})
    html = duty.get(page.headers["Location"]).get_data(as_text=True)
    escalation = re.search(r'id="escalation".*?</section>', html, re.S).group(0)
    assert "示例带班领导甲" in escalation and "10000030001" in escalation and "III-phone" in escalated(html)
    wall = duty.get("/wall").get_data(as_text=True)                         # the duty room's screen says it too
    assert re.search(r'id="wall-escalated">[^<]*[1-9]', wall) and "示例带班领导甲" in wall
    # export and import back as is; the export is logged
    exported = boss.get("/roster.xlsx")
    assert exported.status_code == 200
    rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True)]
    # the date and the times are date cells (Excel sorts and filters them), and they import back as they are
    assert rows[1][:6] == ["海门生态环境局", datetime(2026, 11, 22), "白班", time(8, 0), time(18, 0), "示例值班员甲"]
    assert upload_roster(boss, exported.data).status_code == 302
    store = open_store(app.config["DATABASE"])
    assert store.db.execute("SELECT count(*) FROM audit WHERE kind = 'roster_imported'").fetchone()[0] == 2
    assert store.db.execute("SELECT count(*) FROM audit WHERE kind = 'export'").fetchone()[0] >= 1
    store.close()


@pytest.mark.parametrize("make, message", [
    (lambda: roster_xlsx(ROSTER, sheets=2), "工作簿只能有一张工作表（值班表）"),
    (lambda: roster_xlsx(ROSTER, merge="A2:A3"), "含合并单元格（A2:A3）"),
    (lambda: roster_xlsx([roster.COLUMNS] + [ROSTER[1]] * 5001), "超过5000行"),
    (lambda: roster_xlsx([["单位", "日期"]] + ROSTER[1:]), "列须依次为"),
])
def test_a_roster_file_that_is_not_one_is_refused_whole(app, clock, make, message):
    r = upload_roster(admin(app, clock), make())
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    store = open_store(app.config["DATABASE"])
    assert roster.load(store) == []
    store.close()


def test_an_administrator_edits_one_contact_and_a_bad_number_is_refused(app, clock):
    boss = admin(app, clock)
    values = {"unit": "市政府", "name": "示例新人", "position": "值班员（虚构）", "office_phone": "", "mobile": "1380000",
              "fax": "", "duty_line": "", "precedence": "3", "csrf_token": boss.csrf}
    r = boss.post("/directory/contacts", data=values)
    assert r.status_code == 422 and "手机为以1开头的11位数字" in r.get_data(as_text=True)
    r = boss.post("/directory/contacts", data={**values, "mobile": "10000000999"})
    assert r.status_code == 302
    store = open_store(app.config["DATABASE"])
    added = next(c for c in directory.load(store) if c.name == "示例新人")
    assert added.unit == "海门区政府"                                       # the plan's name, stored as today's
    store.close()
    r = boss.post("/directory/contacts", data={**values, "mobile": "10000000998", "id": str(added.id)})
    assert r.status_code == 302
    r = boss.post("/directory/contacts", data={**values, "mobile": "10000000997"})   # a second 示例新人
    assert r.status_code == 422 and "已在通讯录中" in r.get_data(as_text=True)
    assert boss.post(f"/directory/contacts/{added.id}/delete", data={"csrf_token": boss.csrf}).status_code == 302
    store = open_store(app.config["DATABASE"])
    assert all(c.name != "示例新人" for c in directory.load(store))
    kinds = [r[0] for r in store.db.execute("SELECT kind FROM audit WHERE kind LIKE 'contact_%' ORDER BY seq")]
    assert kinds == ["contact_saved", "contact_saved", "contact_deleted"]
    store.close()
    duty = signed_in(app, "值班员张三")
    assert duty.post("/directory/contacts", data={**values, "csrf_token": duty.csrf, "mobile": "10000000999"}).status_code == 403


def test_the_after_action_report_scores_attempts_not_ticks(app, clock):
    store = open_store(app.config["DATABASE"])
    from emergency.services.incidents import report as record
    snap = record(store, {"plan": "environment", "facts": {"deaths": 3}, "occurred_at": "2026-11-22T08:50",
                          "reported_at": "2026-11-22T08:55", "drill": True, "title": "演练"}, "导调王五", clock)
    snap = act(store, snap.id, "record_call", snap.version, {"notification": "III-phone", "outcome": "no_answer",
                                                             "number": "0513-00010073"}, "值班员张三", clock)
    clock.advance(minutes=16)                                               # 09:16: past the 09:15 escalation point
    snap = act(store, snap.id, "record_call", snap.version, {"notification": "III-phone", "outcome": "connected",
                                                             "reached": "示例值班员", "number": "0513-00010073"},
               "值班员张三", clock)
    snap = act(store, snap.id, "tick_notification", snap.version, {"notification": "III-written"}, "值班员张三", clock)
    clock.advance(minutes=30)
    r = report.incident_report(snap, store.incidents.events(snap.id), clock.now(), PLANS)
    phone = next(d for d in r["deadlines"] if d["id"] == "III-phone")
    assert (phone["attempts"], phone["failed_attempts"], phone["acknowledged_at"]) == (2, 1, "2026-11-22T09:16:00+08:00")
    assert phone["escalated"] is True and phone["verdict"] == "met"
    written = next(d for d in r["deadlines"] if d["id"] == "III-written")
    assert written["ticked_only"] is True and written["attempts"] == 0
    assert any(f["kind"] == "calls" and f["notification"] == "III-written" for f in r["findings"])
    assert r["scores"]["acknowledged_in_time"] == 1 and r["scores"]["ticked_only"] == 1
    assert r["scores"]["attempts"] == 2 and r["scores"]["escalated"] >= 1
    status = {n.id: n.status for n in notification_status(snap, clock.now(), PLANS)}
    assert status["III-phone"] == "done"
    store.close()


def test_the_call_sheet_download_lists_attempts(app):
    c = app.test_client()
    as_user(c, "值班员张三")
    inc = new_incident(c)
    call(c, inc, notification="III-phone", unit="海门区政府", number="0513-00010073", outcome="busy")
    md = c.get(f"/incidents/{inc['id']}/calls.md").get_data(as_text=True)
    assert "0513-00010073 占线" in md
    data = c.get(f"/incidents/{inc['id']}/calls.json").get_json()
    line = next(n for n in data["notifications"] if n["id"] == "III-phone")
    assert line["calls"]["count"] == 1 and line["dial"][0]["attempts"][0]["outcome"] == "busy"


def test_the_demo_roster_is_fictitious_and_covers_the_next_seven_days(tmp_path, clock):
    store = open_store(str(tmp_path / "d.db"))
    assert roster.load_demo(store, clock.now()) > 0
    shifts = roster.load(store)
    assert roster.gaps(shifts, clock.now()) == []
    fictitious = ("示例", "演示")   # the demo's own accounts are on its roster by their names (演示…)
    assert roster.on_duty(shifts, "海门区政府总值班室", clock.now()).leader.startswith(fictitious)
    for s in shifts:
        assert s.officer.startswith(fictitious) and s.officer_phone.startswith("100")  # no carrier issues 100…
        assert s.leader == "" or (s.leader.startswith(fictitious) and s.leader_phone.startswith("100"))
    assert roster.load_demo(store, clock.now()) == 0                        # never over an office's own
    store.close()


def test_the_board_carries_each_due_item_for_the_reminders_on_the_pages_clock(app, clock):
    c = app.test_client()
    as_user(c, "值班员张三")
    inc = new_incident(c)
    duty = signed_in(app, "值班员张三")
    board = duty.get("/incidents").get_data(as_text=True)
    dues = dict(re.findall(r'data-remind-due="([^"]+)" data-remind-key="([^"]+)"', board))
    assert dues.get("2026-11-22T09:20:00+08:00", "").startswith(inc["id"])
    assert f'{inc["id"]}:III-written' in board                              # 09:50
    call(c, inc, notification="III-phone", outcome="connected", reached="示例值班员073")
    board = duty.get("/").get_data(as_text=True)
    assert f'{inc["id"]}:III-phone' not in board                            # acknowledged: nothing to remind
    assert 'id="reminders"' in board


def test_a_message_is_recorded_for_a_national_rules_item_and_refused_for_an_unknown_one(app, clock):
    from emergency.services.incidents import record_message, report as record
    store = open_store(app.config["DATABASE"])
    snap = record(store, {"plan": "work_safety", "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:50",
                          "reported_at": "2026-11-22T08:55"}, "值班员张三", clock)
    assert snap.classified_level == "IV"
    snap = record_message(store, snap.id, "nat-493-10-city", "邮件", "首报通知", True, "sent", "值班员张三", clock)
    assert [(m.notification, m.ok) for m in snap.messages] == [("nat-493-10-city", True)]
    with refused("notification"):
        record_message(store, snap.id, "nope", "邮件", "x", True, "sent", "值班员张三", clock)
    assert len(store.incidents.events(snap.id)) == 2
    store.close()
