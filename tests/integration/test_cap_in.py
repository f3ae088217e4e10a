"""Warnings received from higher government as CAP 1.2 messages (environment 三(三)2: yellow, orange and red come
from higher government; the district records receiving them and from whom). Each becomes the received-warning record
under the plan its category and event name, on the drill side for an Exercise; a malformed, oversized, entity-laden
or out-of-time message is refused naming what is wrong, and nothing is written."""
import io

import pytest

from emergency.store import open_store
from tests.conftest import app_with_users, signed_in
from emergency.core.clock import FixedClock

CLOCK_AT = "2026-12-07T05:00:00+08:00"


def cap(severity="Severe", status="Actual", category="Env", event="突发环境事件预警", sent="2026-12-07T04:30:00+08:00",
        identifier="NT-2026-1207-001", msg_type="Alert", extra=""):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier><sender>nantong-emergency</sender><sent>{sent}</sent>
  <status>{status}</status><msgType>{msg_type}</msgType><scope>Restricted</scope>
  <restriction>仅限各区政府</restriction>{extra}
  <info><language>zh-CN</language><category>{category}</category><event>{event}</event>
    <urgency>Expected</urgency><severity>{severity}</severity><certainty>Likely</certainty>
    <onset>2026-12-07T04:00:00+08:00</onset><senderName>南通市人民政府</senderName>
    <headline>长江海门段上游化工企业泄漏，发布橙色预警</headline>
    <description>上游企业储罐泄漏，污染团预计6时到达海门段取水口。</description>
    <area><areaDesc>海门区沿江</areaDesc></area></info>
</alert>""".encode()


@pytest.fixture
def app(tmp_path):
    return app_with_users(str(tmp_path / "t.db"), FixedClock(CLOCK_AT), TESTING=True)


@pytest.fixture
def duty(app):
    """Recording a received warning is the commander's step (the plans give receive_warning no other role)."""
    return signed_in(app, "指挥李四")


def _post(client, body, plan=None):
    return client.post("/api/warnings" + (f"?plan={plan}" if plan else ""), data=body,
                       headers={"X-CSRFToken": client.csrf, "Content-Type": "application/cap+xml"})


def _incidents(app, drill=False):
    store = open_store(app.config["DATABASE"])
    try:
        return store.incidents.list(drill=drill)
    finally:
        store.close()


def test_an_orange_warning_from_nantong_is_recorded_with_who_issued_it_and_when(app, duty):
    got = _post(duty, cap())
    assert got.status_code == 201, got.get_data(as_text=True)
    (snap,) = _incidents(app)
    assert snap.plan == "environment" and snap.warning_level == "II" and snap.state == "warning"
    assert snap.title == "长江海门段上游化工企业泄漏，发布橙色预警"
    assert snap.occurred_at == "2026-12-07T04:00:00+08:00"
    page = duty.get(f"/incidents/{snap.id}").get_data(as_text=True)
    assert "南通市人民政府" in page and "2026-12-07 04:30发布" in page and "NT-2026-1207-001" in page
    assert _post(duty, cap()).status_code == 201 and len(_incidents(app)) == 1      # the same message: one record


def test_an_exercise_is_recorded_on_the_drill_side_never_as_real(app, duty):
    assert _post(duty, cap(status="Exercise", identifier="EX-1")).status_code == 201
    assert _incidents(app) == [] and [s.warning_level for s in _incidents(app, drill=True)] == ["II"]


@pytest.mark.parametrize("body, field", [
    (b"<alert", "cap"),                                                                        # not XML
    (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&x;'
     b"</alert>", "cap"),                                                                      # entities
    (b"<alert>" + b"x" * 300_000 + b"</alert>", "cap"),                                        # oversized
    (b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"/>', "cap"),                         # not CAP 1.2
    (cap(sent="2026-12-08T09:00:00+08:00"), "cap.sent"),                                       # tomorrow
    (cap(sent="2026-10-01T09:00:00+08:00"), "cap.sent"),                                       # two months old
    (cap(sent="2026-12-07T04:30:00"), "cap.sent"),                                             # no zone
    (cap(status="Test"), "cap.status"),
    (cap(msg_type="Cancel"), "cap.msgType"),
])
def test_a_bad_message_is_refused_naming_what_is_wrong_and_nothing_is_written(app, duty, body, field):
    got = _post(duty, body)
    assert got.status_code == 422 and got.json["field"] == field, got.get_data(as_text=True)
    assert got.json["message_zh"] and _incidents(app) == [] and _incidents(app, drill=True) == []


def test_a_blue_warning_is_the_districts_own_and_is_not_received(app, duty):
    got = _post(duty, cap(severity="Minor"))
    assert got.status_code in (409, 422) and "上级政府发布" in got.json["message_zh"]
    assert _incidents(app) == []


def test_the_officer_chooses_the_plan_when_the_message_names_none(app, duty):
    body = cap(category="Other", event="其他突发事件预警")
    got = _post(duty, body)
    assert got.status_code == 422 and got.json["field"] == "plan" and _incidents(app) == []
    assert _post(duty, body, plan="environment").status_code == 201
    assert [s.plan for s in _incidents(app)] == ["environment"]


def test_the_page_takes_the_file_and_opens_the_record(app, duty):
    form = duty.get("/warnings/receive").get_data(as_text=True)
    assert "接收上级预警" in form and "三(三)2" in form
    got = duty.post("/warnings/receive", data={"csrf_token": duty.csrf, "plan": "",
                                               "message": (io.BytesIO(cap(identifier="P-1")), "warning.xml")},
                    content_type="multipart/form-data")
    assert got.status_code == 302 and "/incidents/" in got.headers["Location"]
    refused = duty.post("/warnings/receive", data={"csrf_token": duty.csrf, "plan": "",
                                                   "message": (io.BytesIO(b"<alert"), "bad.xml")},
                        content_type="multipart/form-data")
    assert refused.status_code == 422 and "不是有效的XML" in refused.get_data(as_text=True)
    assert len(_incidents(app)) == 1


@pytest.mark.parametrize("who", ["观察员赵六", "值班员张三"])
def test_only_a_role_the_plan_gives_the_step_records_a_warning(app, who):
    assert _post(signed_in(app, who), cap()).status_code == 403 and _incidents(app) == []


def test_a_drill_controller_receives_an_exercise_but_not_a_real_warning(app):
    controller = signed_in(app, "导调王五")
    assert _post(controller, cap()).status_code == 403 and _incidents(app) == []
    got = _post(controller, cap(status="Exercise", identifier="EX-2"))
    assert got.status_code == 201, got.get_data(as_text=True)
    assert [s.warning_level for s in _incidents(app, drill=True)] == ["II"]


def test_a_hostile_message_is_refused_and_nothing_is_written(app, duty):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
                         for n in range(1, 10))
              + b']><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>')
    got = _post(duty, laughs)                                              # entity expansion
    assert got.status_code == 422 and "实体" in got.json["message_zh"]
    huge = _post(duty, cap(extra="<note>" + "长" * (20 * 1024 * 1024 // 3) + "</note>"))   # 20 MB
    assert huge.status_code == 413 and huge.is_json and huge.json["message_zh"]
    bad_dates = _post(duty, cap(sent="2026-13-45T99:00:00+08:00"))
    assert bad_dates.status_code == 422 and bad_dates.json["field"] == "cap.sent"
    assert _incidents(app) == [] and _incidents(app, drill=True) == []
