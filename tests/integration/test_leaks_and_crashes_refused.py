"""Short reproductions of what were leaks, 500s or crashes found from outside, now refused
or masked. Each test fails on the code before the fix."""
import csv
import io
import re
import zipfile

import openpyxl
import pytest

from emergency.services import directory, roster
from emergency.services.directory import ImportRefused
from emergency.store import open_store
from tests.cli import emergency
from tests.conftest import as_user, signed_in
from tests.library import PLANS

MOBILES = {"+8613800138000": "13800138000", "138-0013-8000": "13800138000", "139 0013 9000": "13900139000"}


def _texts(body: bytes) -> str:
    """Everything a person could read in a download: a zip's (xlsx, docx) parts unpacked, else the text."""
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return body.decode("utf-8", "replace")


def _digits(text: str) -> str:
    return re.sub(r"[\s\-+()]", "", text)


def _incident(client):
    r = client.post("/api/incidents", json={"plan": "hazardous_chemicals", "occurred_at": "2026-11-22T08:00",
                                            "facts": {"deaths": 1}, "title": "槽罐车泄漏"})
    assert r.status_code == 201
    return r.json


def test_an_observer_never_sees_a_mobile_however_it_was_written(app, client):
    inc = _incident(client)
    version = inc["version"]
    for number in MOBILES:
        r = client.post(f"/api/incidents/{inc['id']}/events", json={
            "trigger": "record_call", "expected_version": version,
            "payload": {"notification": "site-to-110", "unit": "110公安指挥中心", "number": number,
                        "outcome": "no_answer"}})
        assert r.status_code == 200, r.json
        version = r.json["version"]
    stored = {c["number"] for c in r.json["calls"]}
    assert stored == {"13800138000", "13900139000"}  # normalised when stored
    store = open_store(app.config["DATABASE"])
    directory.replace(store, directory.check([directory.COLUMNS,
                                              ["海门区政府", "", "", "", "", "", "0513-82100000", ""],
                                              ["海门区政府", "示例甲", "值班员", "0513-82100003", "", "", "139-0013-9000", 1]],
                                             PLANS), "管理员", "2026-11-22T09:00:00+08:00")
    store.close()
    observer = signed_in(app, "观察员赵六")
    as_user(observer, "观察员赵六")
    paths = ["/api/incidents", "/api/incidents?drill=all", f"/api/incidents/{inc['id']}", f"/incidents/{inc['id']}",
             f"/incidents/{inc['id']}/calls", f"/incidents/{inc['id']}/calls.json", f"/incidents/{inc['id']}/calls.xlsx",
             f"/incidents/{inc['id']}/calls.md", f"/incidents/{inc['id']}/timeline.docx",
             f"/incidents/{inc['id']}/notifications.xlsx", "/directory", "/directory.csv", "/directory.xlsx", "/",
             "/incidents", "/wall", "/roster"]
    for path in paths:
        r = observer.get(path)
        assert r.status_code == 200, path
        seen = _digits(_texts(r.data))
        for mobile in set(MOBILES.values()):
            assert mobile not in seen, f"{path} shows {mobile} to an observer"
    duty = signed_in(app, "值班员张三")
    assert "13800138000" in _digits(_texts(duty.get(f"/incidents/{inc['id']}/calls.json").data))  # who may, sees it


@pytest.mark.parametrize("trigger", ["add_note", "record_call", "tick_notification", "condition_arose"])
@pytest.mark.parametrize("outcome", [[], {}])
def test_an_outcome_that_is_not_a_word_is_refused_naming_the_field(client, trigger, outcome):
    inc = _incident(client)
    r = client.post(f"/api/incidents/{inc['id']}/events", json={
        "trigger": trigger, "expected_version": inc["version"],
        "payload": {"outcome": outcome, "note": "x", "notification": "site-to-110", "unit": "110公安指挥中心",
                    "number": "0513-82100000"}})
    assert r.status_code == 422 and r.json["field"].startswith("payload.")


@pytest.mark.parametrize("when", ["9999-12-31T08:00", "0001-01-01T08:00", "1999-12-31T23:59"])
def test_a_checklist_time_out_of_bounds_is_refused_everywhere(client, when):
    q = f"level=III&occurred_at=2026-11-22T08:00&reported_at={when}"
    assert client.post("/api/checklist/environment", json={"level": "III", "occurred_at": "2026-11-22T08:00",
                                                           "reported_at": when}).status_code == 422
    for path in (f"/checklist/environment?{q}", f"/checklist/environment.md?{q}", f"/checklist/environment/calls?{q}"):
        assert client.get(path).status_code == 422, path
    ran = emergency("checklist", "environment", "--level", "III", "--occurred-at", "2026-11-22T08:00",
                    "--reported-at", when)
    assert ran.returncode == 2 and "[reported_at]" in ran.stderr and "须为2000年至2100年之间的时间" in ran.stderr


def test_an_intake_received_in_the_year_1_is_refused(client):
    r = client.post("/api/intake", json={"source": "12345", "reference": "GD20261123001", "matter": "A033",
                                         "description": "储罐泄漏", "received_at": "0001-01-01T03:00"})
    assert r.status_code == 422 and r.json["field"] == "received_at"


def test_the_classify_page_drops_a_carried_fact_it_cannot_show(client):
    r = client.get('/classify/environment?facts={"direct_loss_yuan":"x","deaths":2}')
    assert r.status_code == 200 and 'value="2"' in r.get_data(as_text=True)


@pytest.mark.parametrize("order", ["²", "①", "፩", "٣"])
def test_a_precedence_that_only_looks_like_a_digit_is_refused_naming_its_column(order):
    rows = [directory.COLUMNS, ["海门区政府", "示例甲", "值班员", "0513-82100003", "", "", "", order]]
    with pytest.raises(ImportRefused) as refused:
        directory.check(rows, PLANS)
    assert refused.value.problems[0]["column"] == "顺序" and refused.value.problems[0]["row"] == 2


def test_a_csv_field_longer_than_the_reader_takes_is_refused_not_a_crash():
    body = ",".join(directory.COLUMNS) + "\n海门区政府," + "甲" * 140_000 + ",,,,,,\n"
    with pytest.raises(ImportRefused) as refused:
        directory.read_rows(body.encode("utf-8"), "d.csv")
    assert "不是可读的.csv文件" in refused.value.problems[0]["message"]


def test_a_night_shift_on_the_last_day_of_9999_is_refused_naming_the_date():
    rows = [roster.COLUMNS, ["海门区政府总值班室", "9999-12-31", "夜班", "18:00", "08:00", "示例值班员", "", "", ""]]
    with pytest.raises(ImportRefused) as refused:
        roster.check(rows, PLANS)
    assert refused.value.problems[0]["column"] == "日期" and "日期须在2000年至2099年之间" in refused.value.problems[0]["message"]


def test_a_name_that_starts_like_a_formula_stays_text_in_every_export(app):
    rows = [directory.COLUMNS, ["海门区政府", "", "", "", "", "", "0513-82100000", ""],
            ["海门区政府", '=HYPERLINK("http://x.invalid","点我")', "值班员", "0513-82100003", "", "", "", 1],
            ["海门区政府", "@SUM(1+1)", "-2+3", "0513-82100004", "", "", "", 2]]
    contacts = directory.check(rows, PLANS)
    book = openpyxl.load_workbook(io.BytesIO(directory.xlsx_bytes(contacts)))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)                    # no live formula
    assert not any(isinstance(c.value, str) and c.value.startswith(("=", "@", "-")) for c in cells)
    for line in csv.reader(io.StringIO(directory.csv_bytes(contacts).decode("utf-8-sig"))):
        assert not any(v.startswith(("=", "+", "-", "@")) for v in line)
    shift = [roster.COLUMNS, ["海门区政府总值班室", "2026-11-22", "白班", "08:00", "18:00", "=1+1", "", "", ""]]
    for line in csv.reader(io.StringIO(roster.csv_bytes(roster.check(shift, PLANS)).decode("utf-8-sig"))):
        assert not any(v.startswith("=") for v in line)


def test_an_idempotency_key_belongs_to_one_person_and_one_request(app, client):
    body = {"plan": "environment", "occurred_at": "2026-11-22T08:00", "facts": {"deaths": 1}, "title": "甲"}
    first = client.post("/api/incidents", json=body, headers={"Idempotency-Key": "same-key"})
    again = client.post("/api/incidents", json=body, headers={"Idempotency-Key": "same-key"})
    assert (first.status_code, again.status_code) == (201, 200) and again.json["id"] == first.json["id"]
    other = app.test_client()
    as_user(other, "值班员张三")
    theirs = other.post("/api/incidents", json={**body, "title": "乙"}, headers={"Idempotency-Key": "same-key"})
    assert theirs.status_code == 201 and theirs.json["id"] != first.json["id"] and theirs.json["title"] == "乙"
    controller = app.test_client()
    as_user(controller, "导调王五")
    drill = controller.post("/api/incidents", json={**body, "drill": True}, headers={"Idempotency-Key": "same-key"})
    assert drill.status_code == 201 and drill.json["drill"] is True and drill.json["id"] != first.json["id"]


def _workbook(sheet_xml: str) -> bytes:
    """A real .xlsx (openpyxl's parts) whose sheet is ``sheet_xml``, packed as Excel packs it (deflate)."""
    wb = openpyxl.Workbook()
    wb.active.title = "通讯录"
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, sheet_xml if name == "xl/worksheets/sheet1.xml" else src.read(name))
    return out.getvalue()


def _sheet(rows_xml: str, padding: int = 0) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main"><sheetData>' + rows_xml + "</sheetData>"
            + ("<!--" + "a" * padding + "-->" if padding else "") + "</worksheet>")


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_a_spreadsheet_bomb_is_refused_before_it_is_parsed(monkeypatch):
    body = _workbook(_sheet('<row r="1">' + _cell("A1", "单位") + "</row>", padding=60 * 1024 * 1024))
    assert len(body) < 200_000                       # a small upload that unpacks to 60 MB
    import openpyxl as real

    def must_not_parse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")
    monkeypatch.setattr(real, "load_workbook", must_not_parse)
    with pytest.raises(ImportRefused) as refused:
        directory.read_rows(body, "d.xlsx")
    assert "工作簿解压后有60 MB，最多20 MB" in refused.value.problems[0]["message"]


def test_a_single_huge_cell_is_refused_naming_its_row():
    header = "".join(_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(directory.COLUMNS))
    body = _workbook(_sheet(f'<row r="1">{header}</row><row r="2">{_cell("A2", "海门区政府")}{_cell("B2", "a" * 900 * 1024)}'
                            "</row>"))
    with pytest.raises(ImportRefused) as refused:
        directory.read_rows(body, "d.xlsx")
    assert refused.value.problems[0]["row"] == 2 and "最多1000个" in refused.value.problems[0]["message"]


def test_a_channel_address_apprise_cannot_parse_never_reaches_the_log(caplog):
    from emergency.services import outbound
    with caplog.at_level("DEBUG"):
        ok, answer = outbound.send("notaservice://S3CRETTOKEN@host.invalid/x", "首报", "测试")
    assert ok is False and "S3CRETTOKEN" not in answer
    assert "S3CRETTOKEN" not in caplog.text and "host.invalid" not in caplog.text


def test_with_the_disk_full_a_duty_officer_signs_in_and_reads_and_only_writes_are_refused(app, client, monkeypatch):
    """A full disk answered 507 to sign-in, to an idle token's first request and to audited exports.
    The store's every write transaction is made to fail as on a full disk (SQLITE_FULL)."""
    from contextlib import contextmanager

    from emergency.store import StorageFull, Store as RealStore
    from tests.conftest import PASSWORD
    inc = _incident(client)

    @contextmanager
    def full(self):
        raise StorageFull("storage full: the database cannot be written; tell the operator (存储空间已满)")
        yield  # pragma: no cover
    monkeypatch.setattr(RealStore, "write", full)
    duty = app.test_client()
    page = duty.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = duty.post("/login", data={"name": "值班员张三", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    shown = duty.get(f"/incidents/{inc['id']}")
    assert shown.status_code == 200 and "槽罐车泄漏" in shown.get_data(as_text=True) and "存储空间已满" in \
        shown.get_data(as_text=True)                                         # told why, once
    assert duty.get("/").status_code == 200
    download = duty.get(f"/incidents/{inc['id']}/calls.xlsx")
    assert download.status_code == 200 and download.data[:2] == b"PK"       # the download, unrecorded, with a warning
    assert "未能记入安全日志" in duty.get("/").get_data(as_text=True)
    reader = app.test_client()
    as_user(reader, "观察员赵六")                                             # a token used for the first time
    assert reader.get(f"/api/incidents/{inc['id']}").status_code == 200
    write = client.post("/api/incidents", json={"plan": "environment", "occurred_at": "2026-11-22T08:00"})
    assert write.status_code == 507 and "存储空间已满" in write.json["message"]


def test_the_systems_own_draft_of_a_long_record_can_be_issued_and_keeps_its_first_and_last_lines(tmp_path):
    """120 notes made 已经采取的措施 7,211 characters, over the 4,000 any section may hold."""
    from emergency.services import documents
    from emergency.services import incidents as svc
    from emergency.core.clock import FixedClock
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    store = open_store(str(tmp_path / "long.db"))
    snap = svc.report(store, {"plan": "environment", "title": "河道污染", "facts": {"deaths": 1},
                              "occurred_at": "2026-11-22T08:00"}, "值班员", clock)
    snap = svc.act(store, snap.id, "activate", snap.version, {"level": "IV", "approved_by": "区长"}, "指挥", clock)
    for i in range(120):
        snap = svc.act(store, snap.id, "add_note", snap.version,
                       {"note": f"第{i:03d}条：现场继续处置，监测数据正常，无新增伤亡。"}, "值班员", clock)
    plan = store.plans.plan("environment")
    d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "first", clock.now(), store.plans,
                        {"issuer": "区应急管理局", "signer": "甲", "contact": "乙 0513-1"})
    assert all(len(s.text) <= documents.TEXT_LIMIT for s in d.sections)
    measures = next(s for s in d.sections if s.part == "measures").text
    assert "第000条" in measures and "第119条" in measures and "详见事件时间线" in measures
    assert documents.issue(store, snap.id, d, "值班员", clock)["document_id"]
    too_long = d.model_copy(deep=True)
    too_long.sections[0].text = "字" * (documents.TEXT_LIMIT + 1)   # a section that no form field checked
    with pytest.raises(Exception, match="最多4000个"):
        documents.check_issuable(too_long)


def test_the_incident_page_pages_its_timeline(app, client, monkeypatch):
    import webui.incident_pages
    monkeypatch.setattr(webui.incident_pages, "TIMELINE_PAGE", 10)  # 10 a page here (100 served), so 23 notes make 3 pages
    inc = _incident(client)
    version = inc["version"]
    for i in range(23):
        r = client.post(f"/api/incidents/{inc['id']}/events", json={"trigger": "add_note", "expected_version": version,
                                                                    "payload": {"note": f"记录{i:03d}"}})
        version = r.json["version"]
    duty = signed_in(app, "值班员张三")
    first = duty.get(f"/incidents/{inc['id']}").get_data(as_text=True)
    assert "记录022" in first and "记录012" not in first and "第1/3页" in first
    last = duty.get(f"/incidents/{inc['id']}?timeline_page=3").get_data(as_text=True)
    assert "记录000" in last and "记录022" not in last
    assert duty.get(f"/incidents/{inc['id']}?timeline_page=x").status_code == 200
