"""The contact directory (import checked whole, export, personal mobiles hidden from observers,
gaps) and the call sheet built on it."""
import csv
import io
import re
import json

import openpyxl
import pytest

from emergency.services import directory
from emergency.core.clock import FixedClock
from emergency.store import open_store
from tests.conftest import app_with_users, signed_in
from tests.library import PLANS

HEADER = directory.COLUMNS


def xlsx(rows, sheets=1, merge=None, title="通讯录") -> bytes:
    """A workbook of ``rows`` on a sheet named ``title``, with ``sheets`` sheets in all and ``merge`` merged."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    for i in range(1, sheets):
        wb.create_sheet(f"Sheet{i + 1}")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD = [HEADER,
        ["海门区政府", "", "", "0513-82100001", "", "0513-82100002", "0513-82100000", ""],
        ["海门区政府", "示例张一", "总值班室主任（虚构）", "", "10000000001", "", "", 2],
        ["海门区政府", "示例李二", "值班员（虚构）", "0513-82100003", "10000000002", "", "", 1],
        ["市政府", "示例王三", "秘书（虚构）", "", "10000000003", "", "", 3]]     # the plan's name: stored as today's


@pytest.fixture
def clock():
    return FixedClock("2026-12-02T10:30:00+08:00")


@pytest.fixture
def app(store_location, clock):
    return app_with_users(store_location, clock, TESTING=True)


def admin_client(app, clock):
    from emergency.services.users import add_user
    from tests.conftest import PASSWORD
    store = open_store(app.config["DATABASE"])
    add_user(store, "管理员钱七", "administrator", PASSWORD, clock)
    store.close()
    return signed_in(app, "管理员钱七")


def upload(client, content: bytes, name: str):
    return client.post("/directory/import", data={"file": (io.BytesIO(content), name), "csrf_token": client.csrf},
                       content_type="multipart/form-data")


@pytest.mark.both_stores
def test_an_import_is_checked_whole_and_stored_by_todays_names(app, clock):
    admin = admin_client(app, clock)
    r = upload(admin, xlsx(GOOD), "通讯录.xlsx")
    assert r.status_code == 302
    store = open_store(app.config["DATABASE"])
    grouped = directory.by_unit(directory.load(store))
    # 市政府 (the 2018 plans' name) is today's 海门区政府; people in the order to try them
    assert [p.name for p in grouped["海门区政府"]["people"]] == ["示例李二", "示例张一", "示例王三"]
    assert "市政府" not in grouped
    numbers = directory.numbers_to_dial("海门区政府", grouped, personal=True)
    assert [n["number"] for n in numbers] == ["0513-82100000", "0513-82100001", "0513-82100002", "0513-82100003",
                                               "10000000002", "10000000001", "10000000003"]  # duty line first
    assert store.db.execute("SELECT count(*) FROM audit WHERE kind = 'directory_imported'").fetchone()[0] == 1
    store.close()


@pytest.mark.parametrize("row, column, words", [
    (["海门区政府", "示例", "", "", "1380000000", "", "", 1], "手机", "手机为以1开头的11位数字"),
    (["海门区政府", "示例", "", "", "23800000000", "", "", 1], "手机", "手机为以1开头的11位数字"),
    (["海门区政府", "示例", "", "82100000", "", "", "", 1], "办公电话", "须带区号"),
    (["海门区政府", "", "", "", "", "", "8210", ""], "24小时值班电话", "固定电话带区号"),
    (["不存在的单位", "示例", "", "", "10000000001", "", "", 1], "单位", "不是预案中的单位"),
    (["海门区政府", "示例", "", "", "10000000001", "", "", "first"], "顺序", "须为1（最先拨打）至99的整数"),
    (["海门区政府", "示例", "", "", "", "", "", 1], "手机", "联系人须有可拨打的号码"),
    (["海门区政府", "示例李二", "", "", "10000000009", "", "", 1], "姓名", "重复（第"),
])
def test_a_bad_row_is_refused_with_its_row_and_column_and_nothing_is_written(app, clock, row, column, words):
    admin = admin_client(app, clock)
    r = upload(admin, xlsx(GOOD + [row]), "通讯录.xlsx")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert f"<td>{len(GOOD) + 1}</td><td lang=\"zh-CN\">{column}</td>" in page and words in page
    store = open_store(app.config["DATABASE"])
    assert directory.load(store) == []                                   # nothing half-imported
    store.close()


@pytest.mark.parametrize("content, name, words", [
    (lambda: xlsx(GOOD, sheets=2), "d.xlsx", "工作簿只能有一张工作表"),
    (lambda: xlsx(GOOD, merge="A2:A3"), "d.xlsx", "含合并单元格（A2:A3）"),
    (lambda: xlsx([HEADER] + [["海门区政府", f"人{i}", "", "", "10000000001", "", "", 1] for i in range(5001)]), "d.xlsx",
     "超过5000行"),
    (lambda: xlsx([["单位", "名字"]] + GOOD[1:]), "d.xlsx", "列须依次为"),
    (lambda: b"not a workbook", "d.xlsx", "不是可读的.xlsx文件"),
    (lambda: "单位,姓名".encode("gbk"), "d.csv", "UTF-8"),
    (lambda: b"x", "d.txt", "请选择.xlsx或.csv文件"),
])
def test_a_file_that_is_not_a_directory_is_refused_whole(app, clock, content, name, words):
    admin = admin_client(app, clock)
    r = upload(admin, content(), name)
    assert r.status_code == 422 and words in r.get_data(as_text=True)


@pytest.mark.both_stores
def test_csv_round_trip_and_observers_never_see_personal_mobiles(app, clock):
    admin = admin_client(app, clock)
    body = io.StringIO()
    csv.writer(body).writerows(GOOD)
    assert upload(admin, body.getvalue().encode("utf-8-sig"), "通讯录.csv").status_code == 302
    exported = admin.get("/directory.csv").data.decode("utf-8-sig")
    assert "10000000002" in exported and "0513-82100000" in exported
    again = admin.get("/directory.xlsx").data
    assert upload(admin, again, "again.xlsx").status_code == 302                     # an export imports back as is
    observer = signed_in(app, "观察员赵六")
    page = observer.get("/directory").get_data(as_text=True)
    assert "0513-82100000" in page and "1000000000" not in page
    assert "1000000000" not in observer.get("/directory.csv").data.decode("utf-8-sig")
    assert "1000000000" not in observer.get("/directory.xlsx").data.decode("latin-1")
    assert upload(observer, again, "x.xlsx").status_code == 403
    assert upload(signed_in(app, "指挥李四"), again, "x.xlsx").status_code == 403    # only an administrator imports
    store = open_store(app.config["DATABASE"])
    exports = [r[0] for r in store.db.execute("SELECT actor FROM audit WHERE kind = 'export' ORDER BY seq").fetchall()]
    assert exports == ["管理员钱七", "管理员钱七", "观察员赵六", "观察员赵六"]
    store.close()


def test_the_call_sheet_lists_numbers_in_order_and_the_gaps(app, clock):
    admin = admin_client(app, clock)
    upload(admin, xlsx(GOOD), "通讯录.xlsx")
    duty = signed_in(app, "值班员张三")
    # the duty room's own item (hazardous chemicals 2.2.3(1): to 市委、市政府和上级有关部门): 海门区政府 is dialled
    r = duty.post("/api/incidents", json={"plan": "hazardous_chemicals", "title": "储罐泄漏", "facts": {"deaths": 1},
                                          "occurred_at": "2026-12-02T10:05", "reported_at": "2026-12-02T10:12"},
                  headers={"X-CSRFToken": duty.csrf})
    inc = r.json["id"]
    page = duty.get(f"/incidents/{inc}/calls").get_data(as_text=True)
    row = page[page.index("海门区政府（原文：市政府）</td>"):]
    row = row[:row.index("</tr>")]
    assert row.index("0513-82100000") < row.index("0513-82100003") < row.index("10000000002") < row.index("10000000001")
    gaps = page[page.index("call-gaps"):page.index("call-sheet\"")]
    assert "通讯录中没有号码" in page and "区委" in gaps
    assert "上级有关部门" not in gaps and "随事件而定，无固定号码" in page     # a role: no number, and no gap
    assert page.index('id="call-sheet"') < page.index('id="others-items"')      # others' items below ours'
    assert re.search(r"呼叫单：(<[^>]+>)?储罐泄漏", page)                          # the sheet has its incident's name
    sheet = json.loads(duty.get(f"/incidents/{inc}/calls.json").data)
    first = next(n for n in sheet["notifications"] if any(d["unit"] == "海门区政府" for d in n["dial"]))
    dial = next(d for d in first["dial"] if d["unit"] == "海门区政府")
    assert dial["numbers"][0] == {"kind": "duty_line", "number": "0513-82100000", "who": "海门区政府", "position": ""}
    wb = openpyxl.load_workbook(io.BytesIO(duty.get(f"/incidents/{inc}/calls.xlsx").data))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][-3:] == ("拨打时间", "接听人", "结果") and any("0513-82100000" in (r[5] or "") for r in rows[1:])
    assert "| 时限 |" in duty.get(f"/incidents/{inc}/calls.md").data.decode()
    observer_sheet = signed_in(app, "观察员赵六").get(f"/incidents/{inc}/calls").get_data(as_text=True)
    assert "0513-82100000" in observer_sheet and "10000000002" not in observer_sheet


def test_the_home_page_lists_plan_units_without_a_number(app, clock):
    home = signed_in(app, "值班员张三").get("/").get_data(as_text=True)
    units = {u for u in directory.known_units(PLANS).values() if not PLANS.agencies.is_role(u)}   # offices, not roles
    assert f"通讯录缺少号码的单位（{len(units)}）" in home
    admin = admin_client(app, clock)
    upload(admin, xlsx(GOOD), "通讯录.xlsx")
    home = signed_in(app, "值班员张三").get("/").get_data(as_text=True)
    assert f"通讯录缺少号码的单位（{len(units) - 1}）" in home


def test_the_demo_directory_covers_every_unit_with_fictitious_numbers(tmp_path, clock):
    store = open_store(str(tmp_path / "d.db"))
    assert directory.load_demo(store, "2026-12-02T10:30:00+08:00") > 0
    grouped = directory.by_unit(directory.load(store))
    assert directory.gaps(set(directory.known_units(store.plans).values()), grouped) == []
    for c in directory.load(store):
        assert c.mobile == "" or c.mobile.startswith("100")                 # no carrier issues 100…
        assert all(n == "" or n.startswith("0513-000") for n in (c.office_phone, c.fax, c.duty_line))
        assert c.name == "" or c.name.startswith("示例")
    assert directory.load_demo(store, "2026-12-02T10:30:00+08:00") == 0       # never over an office's own
    store.close()


def test_a_checklist_names_its_recipients_without_a_number(app, clock):
    duty = signed_in(app, "值班员张三")
    url = "/checklist/environment?level=III&occurred_at=2026-12-02T10:00&reported_at=2026-12-02T10:05"
    page = duty.get(url).get_data(as_text=True)
    assert "海门区政府" in page[page.index('id="checklist-gaps"'):][:2000]
    upload(admin_client(app, clock), xlsx(GOOD), "通讯录.xlsx")
    page = duty.get(url).get_data(as_text=True)
    gaps = page[page.index('id="checklist-gaps"'):]
    assert "海门区政府" not in gaps[:gaps.index("</p>")]


def test_a_checklist_result_has_its_call_sheet_before_any_incident(app, clock):
    upload(admin_client(app, clock), xlsx(GOOD), "通讯录.xlsx")
    duty = signed_in(app, "值班员张三")
    query = "level=III&occurred_at=2026-12-02T10:00&reported_at=2026-12-02T10:05"
    checklist = duty.get(f"/checklist/environment?{query}").get_data(as_text=True)
    assert 'id="checklist-call-sheet" href="/checklist/environment/calls?level=III&amp;' in checklist
    page = duty.get(f"/checklist/environment/calls?{query}").get_data(as_text=True)
    assert "尚未登记为事件" in page and "0513-82100000" in page and "10:05" in page
    assert duty.get("/checklist/environment/calls?level=V&occurred_at=2026-12-02T10:00").status_code == 422
