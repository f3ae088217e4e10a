"""The duty room's night shift in Chromium (done-when): a report kept without an incident, a real incident,
a leader's instruction; the handover at 08:30 lists the open items and the incoming officer signs; the shift's log
prints on A4 and exports; a month of the roster is made from a pattern with a holiday, and a swap is approved."""
import io
import pathlib
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from playwright.sync_api import expect

from emergency.services import roster
from emergency.core.clock import FixedClock
from emergency.store import open_store

from ..conftest import ROOT
from .fixtures import ARTIFACTS, shot

pytestmark = pytest.mark.e2e

NIGHT = [roster.COLUMNS,
         ["海门区政府总值班室", "2026-11-21", "夜班", "17:30", "08:30", "示例值班员乙", "10000020002", "示例带班领导乙", "10000030002"],
         ["海门区政府总值班室", "2026-11-21", "夜班", "17:30", "08:30", "值班员张三", "10000020004", "示例带班领导乙", "10000030002"],
         ["海门区政府总值班室", "2026-11-22", "白班", "08:30", "17:30", "示例值班员丙", "10000020003", "指挥李四", "10000030001"]]
# the users sign as the roster names them: 值班员张三 on the night crew, 指挥李四 leading the day shift after it


@pytest.fixture
def clock():
    return FixedClock("2026-11-21T22:05:00+08:00")   # in the night shift (17:30–08:30)


def _roster(server):
    store = open_store(server.app.config["DATABASE"])
    roster.replace(store, roster.check(NIGHT, store.plans), "管理员", "2026-11-20T09:00:00+08:00")
    store.close()


def _a4_pages(page, name: str) -> int:
    """The page printed by Chromium on A4 (kept in tests/artifacts to look at), and how many pages it took."""
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert all(round(float(p.mediabox.width)) == 595 and round(float(p.mediabox.height)) == 842 for p in pages)  # A4
    return len(pages)


def _intake(page, server, source: str, reference: str, received_at: str, description: str) -> None:
    """A report recorded on the intake form (matter A033, a hazardous-chemicals leak under the routing list)."""
    page.goto(server.url + "/intake")
    page.select_option("#source", source)
    page.fill("#reference", reference)
    page.fill("#received_at", received_at)
    page.fill("#description", description)
    page.fill("#matter", "A033")
    page.keyboard.press("Escape")   # close the suggestions a typed value opens (they take the next click)
    page.click("#record-intake")


def test_a_night_shift_is_logged_handed_over_at_0830_and_signed_for(page_factory, server, clock):
    _roster(server)
    night = page_factory("值班员张三")
    # 22:05 a noise complaint from 12345, kept without an incident
    _intake(night, server, "12345", "20261121000456", "2026-11-21T22:05", "工地夜间施工噪声扰民")
    night.fill("input[name=reason]", "转住建部门处理，不立事件")
    night.locator("button", has_text="记录为未启动事件").click()
    # 23:50 a tanker leak, recorded as an incident from its 110 report
    clock.advance(minutes=105)
    _intake(night, server, "110", "20261121000789", "2026-11-21T23:50", "临江新区槽罐车泄漏")
    night.locator("article[data-plan=hazardous_chemicals] a.button").click()
    night.fill("#occurred_at", "2026-11-21T23:40")
    night.fill("#f-deaths", "1")
    night.click("#record")
    expect(night.locator(".flash.ok")).to_contain_text("事件已登记")
    # 00:20 the 区长's instruction, written in the log
    clock.advance(minutes=30)
    night.goto(server.url + "/shift")
    expect(night.locator("#shift-name")).to_have_text("11-21 17:30—11-22 08:30 夜班")
    night.select_option("#kind", "instruction")
    night.fill("#leader", "区长")
    night.fill("#text", "全力处置槽罐车泄漏，随时报告")
    night.click("#add-entry")
    log = night.locator("#log-table")
    expect(log).to_contain_text("12345工单：工地夜间施工噪声扰民（不立事件）")
    expect(log).to_contain_text("临江新区槽罐车泄漏")
    expect(log).to_contain_text("区长批示：全力处置槽罐车泄漏，随时报告")
    expect(log.locator("tr.log-instruction")).to_contain_text("待落实")
    shot(night, "shift-log")
    # 08:25: the night hands over
    clock.advance(hours=8, minutes=5)
    night.goto(server.url + "/")
    expect(night.locator("#handover-flag")).to_have_count(0)   # the night is still on: nothing unsigned yet
    night.goto(server.url + "/shift")
    night.click("#go-handover")
    expect(night.locator("#handover-window")).to_have_text("11-21 17:30—11-22 08:30 夜班")
    expect(night.locator("#handover-incidents")).to_contain_text("临江新区槽罐车泄漏")
    expect(night.locator("#handover-incidents")).to_contain_text("下一时限")
    expect(night.locator("#handover-instructions")).to_contain_text("区长批示：全力处置槽罐车泄漏")
    night.fill("#remarks", "槽罐车现场仍在堵漏，注意续报时限")
    shot(night, "shift-handover-draft")
    night.click("#sign-out")
    expect(night.locator("#awaiting-incoming")).to_be_visible()
    # 08:35: the day shift's officer reads it, sees the flag, and signs for it
    clock.advance(minutes=10)
    day = page_factory("指挥李四")
    day.goto(server.url + "/")
    expect(day.locator("#handover-flag")).to_contain_text("交接班待接班签字")
    day.locator("#handover-flag a").click()
    expect(day.locator("#handover-incidents")).to_contain_text("临江新区槽罐车泄漏")
    expect(day.locator("#signed-out")).to_contain_text("槽罐车现场仍在堵漏")
    day.click("#sign-in")
    expect(day.locator("#signed-in")).to_contain_text("指挥李四")
    expect(day.locator("#signed-in")).to_contain_text("11-22 08:35")
    shot(day, "shift-handover-signed")
    handover_url = day.url
    day.goto(server.url + "/")
    expect(day.locator("#handover-flag")).to_have_count(0)
    # the handover prints on one A4 page; so does this night's log
    day.goto(handover_url)
    day.click("#handover-print")
    expect(day.locator("h1")).to_have_text("海门区政府总值班室交接班记录")
    assert _a4_pages(day, "shift-handover") == 1
    day.goto(server.url + "/shift?shift=2026-11-21T17:30:00%2B08:00")
    day.click("#log-print")
    expect(day.locator("table.log")).to_contain_text("区长批示")
    assert _a4_pages(day, "shift-log") == 1
    day.goto(server.url + "/shift?shift=2026-11-21T17:30:00%2B08:00")
    with day.expect_download() as got:
        day.click("#log-xlsx")
    data = pathlib.Path(got.value.path()).read_bytes()
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert [r[2] for r in rows[1:]] == ["接报", "接报", "事件登记", "领导批示"]      # 时间, 补记于, 类别…


def test_a_month_of_the_roster_is_made_from_a_pattern_and_a_swap_is_approved(page_factory, server, tmp_path):
    commander = page_factory("指挥李四")
    commander.goto(server.url + "/roster")
    commander.fill("#rota-month", "2026-10")
    commander.set_input_files("#rota-file", str(ROOT / "plans" / "demo" / "rota.yaml"))
    commander.click("#generate-roster")
    expect(commander.locator(".flash.ok")).to_contain_text("已按排班规则生成 2026-10 值班表")
    store = open_store(server.app.config["DATABASE"])
    october = store.roster.rows("2026-10-01T00:00:00+08:00", "2026-11-01T00:00:00+08:00")
    store.close()
    assert {r["shift"] for r in october if r["starts_at"].startswith("2026-10-01")} == {"24小时班"}   # 国庆节
    assert {r["shift"] for r in october if r["starts_at"].startswith("2026-10-10")} == {"白班", "夜班"}  # 调休上班
    # November (the clock's month) too, so its shifts are on the page to swap
    commander.fill("#rota-month", "2026-11")
    commander.set_input_files("#rota-file", str(ROOT / "plans" / "demo" / "rota.yaml"))
    commander.click("#generate-roster")
    officer = page_factory("值班员张三")
    officer.goto(server.url + "/roster")
    first = officer.locator("#swap-shift option").first.inner_text()
    officer.fill("#swap-to", "示例值班员庚")
    officer.fill("#swap-reason", "家中有事")
    officer.click("#request-swap")
    expect(officer.locator(".flash.ok")).to_contain_text("待带班领导批准")
    expect(officer.locator("#swap-table")).to_contain_text("待批准")
    expect(officer.locator(".approve-swap")).to_have_count(0)
    commander.goto(server.url + "/directory")   # away and back: a hash-only goto would not reload the page
    commander.goto(server.url + "/roster")
    commander.locator(".approve-swap").first.click()
    expect(commander.locator(".flash.ok")).to_contain_text("已批准换班")
    expect(commander.locator("#swap-table")).to_contain_text("已批准")
    shot(commander, "roster-swap")
    swapped = first.rsplit(" ", 1)[0]
    expect(commander.locator("#swap-shift")).to_contain_text(f"{swapped} 示例值班员庚")
    assert tmp_path


def test_a_busy_nights_handover_still_prints_on_one_a4_page(page_factory, server, clock):
    """Nine open incidents and fourteen leaders' instructions: the print sets smaller type, never a second page."""
    from emergency.services import incidents as svc
    _roster(server)
    store = open_store(server.app.config["DATABASE"])
    for n in range(9):
        svc.report(store, {"plan": "hazardous_chemicals", "title": f"化工园区第{n + 1}处泄漏", "facts": {"poisoned": n + 1},
                           "occurred_at": "2026-11-21T21:00", "reported_at": "2026-11-21T21:10"}, "值班员张三", clock)
    for n in range(14):
        store.shifts.add({"office": "海门区政府总值班室", "at": f"2026-11-21T22:{n:02d}:00+08:00", "kind": "instruction",
                          "text": f"第{n + 1}条批示：请相关单位立即核查现场情况并于天亮前报告处置进展", "leader": "区长",
                          "recorded_by": "值班员张三", "recorded_at": "2026-11-21T22:05:00+08:00"})
    store.close()
    clock.advance(hours=10, minutes=20)   # 08:25
    night = page_factory("值班员张三")
    night.goto(server.url + "/shift/handover")
    expect(night.locator("#handover-incidents li")).to_have_count(9)
    night.click("#sign-out")
    night.click("#handover-print")
    expect(night.locator("body")).to_have_class(re.compile("dense"))
    assert _a4_pages(night, "shift-handover-busy") == 1
