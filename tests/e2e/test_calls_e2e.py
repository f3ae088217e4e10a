"""Calls in Chromium: an administrator imports a duty roster (.xlsx); the duty officer records an unanswered
call and an acknowledged one on the incident page; the reminder banner, the tab title, the sound and the desktop
notification follow the (injected) browser clock past a due time; the call sheet prints on A4 with the attempts."""
import re

import pytest

from playwright.sync_api import expect

from emergency.services import directory
from emergency.store import open_store
from emergency.services.users import add_user

from ..conftest import PASSWORD
from ..integration.test_calls import ROSTER, roster_xlsx
from .fixtures import login, shot
from .test_console_e2e import record


@pytest.fixture
def server_config():
    """The environment plan's reports to 海门区政府 are the bureau's (区有关部门): these officers work for
    海门生态环境局, whose roster (ROSTER) names the leader their items are raised to."""
    return {"DUTY_ROOM": "海门生态环境局"}


def test_roster_calls_reminders_and_the_printed_call_sheet(page_factory, server, clock, tmp_path):
    store = open_store(server.app.config["DATABASE"])
    add_user(store, "管理员钱七", "administrator", PASSWORD, clock)
    directory.load_demo(store, "2026-11-22T09:00:00+08:00")
    store.close()
    admin = page_factory(user=None)
    login(admin, server.url, "管理员钱七")
    admin.goto(server.url + "/roster")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(roster_xlsx(ROSTER + [["海门生态环境局", "2026-11-22", "", "17:00", "19:00", "示例丙", "", "", ""]]))
    admin.set_input_files("#roster-import input[type=file]", str(bad))
    admin.click("#import-roster")
    expect(admin.locator("#import-problems")).to_contain_text("与第2行的班次")
    good = tmp_path / "roster.xlsx"
    good.write_bytes(roster_xlsx(ROSTER))
    admin.set_input_files("#roster-import input[type=file]", str(good))
    admin.click("#import-roster")
    expect(admin.locator(".flash.ok")).to_contain_text("值班表已导入")
    expect(admin.locator("#on-duty-now")).to_contain_text("示例带班领导甲")
    shot(admin, "roster")

    page = page_factory("值班员张三")
    page.context.grant_permissions(["notifications"], origin=server.url)
    page.clock.install()
    record(page, server, "environment", {"#f-deaths": "3"}, title="河道油污（虚构）", occurred="2026-11-22T08:50",
           reported="2026-11-22T08:55")
    expect(page.locator("#on-duty-now")).to_contain_text("示例值班员甲")
    # the bureau's at-once report is overdue from the start: the banner is up and the title counts it; the
    # discoverer's report (涉事企业…) is another party's and counts for nothing here
    expect(page.locator("#reminders")).to_be_visible()
    expect(page.locator("#reminder-overdue-count")).to_have_text("1")
    assert re.match(r"^\(1\) ", page.title())
    assert int(page.evaluate("document.body.dataset.chimes || '0'")) >= 1
    assert int(page.evaluate("document.body.dataset.notified || '0'")) >= 1      # the desktop notification, allowed
    sound = page.request.get(server.url + page.locator("#reminders").get_attribute("data-sound"))
    assert sound.ok and sound.headers["content-type"].startswith("audio/") and sound.body()[:4] == b"RIFF"

    # an unanswered call on the 30-minute phone report: recorded, the item stays open
    page.click("tr[data-notification=III-phone] [data-open-call]")
    item = page.locator("#call-III-phone")
    expect(item.locator(".suggest-number")).to_have_text("0513-00010073")
    expect(item.locator("input[name=number]")).to_have_value("0513-00010073")
    disc = page.locator("#call-discoverer form.call-form")                   # two recipients: the number follows
    page.locator("#call-discoverer").evaluate("d => d.open = true")
    disc.locator("select[name=unit]").select_option("海门生态环境局")
    expect(disc.locator("input[name=number]")).to_have_value(re.compile(r"^0513-0001"))
    assert disc.locator("input[name=number]").input_value() != "0513-00010058"
    item.locator("select[name=outcome]").select_option("no_answer")
    item.locator("button.record-call").click()
    expect(page.locator(".flash.ok")).to_contain_text("已记录呼叫")
    expect(page.locator("#call-III-phone .attempt-count")).to_contain_text("已呼叫 1 次（未接通 1 次）")
    expect(page.locator("tr[data-notification=III-phone]")).not_to_have_class(re.compile("st-row-done"))

    # an acknowledged one on the first-time phone report: done, one overdue item fewer
    page.click("tr[data-notification=first-phone] [data-open-call]")
    item = page.locator("#call-first-phone")
    item.locator("select[name=outcome]").select_option("connected")
    item.locator("input[name=reached]").fill("示例值班员073")
    item.locator("button.record-call").click()
    expect(page.locator("tr[data-notification=first-phone]")).to_have_class(re.compile("st-row-done"))
    expect(page.locator("#call-first-phone > summary")).to_contain_text("已确认")
    assert not re.match(r"^\(\d+\) ", page.title())
    shot(page, "incident-calls")

    # the clock passes 09:15, five minutes before the two 09:20 phone reports (海门区政府, 南通市生态环境局, 四(一)1):
    # due soon; then 09:21: overdue
    chimes = int(page.evaluate("document.body.dataset.chimes || '0'"))
    page.context.set_offline(True)                                           # the reminders need no network
    page.clock.fast_forward("14:30")
    expect(page.locator("#reminder-soon-count")).to_have_text("0")                  # 09:14:30: not yet
    page.clock.fast_forward("01:00")
    expect(page.locator("#reminder-soon-count")).to_have_text("2")
    expect(page.locator("#reminder-list")).to_contain_text("南通市生态环境局")
    assert int(page.evaluate("document.body.dataset.chimes")) > chimes
    page.clock.fast_forward("06:00")
    expect(page.locator("#reminder-overdue-count")).to_have_text("2")
    assert re.match(r"^\(2\) ", page.title())
    shot(page, "incident-reminders")
    page.context.set_offline(False)

    # the call sheet, with the attempt and the people on duty, printed on A4
    page.goto(page.url.split("#")[0] + "/calls")
    expect(page.locator("#on-duty-now")).to_contain_text("示例带班领导甲")
    row = page.locator("#call-sheet tr[data-notification=III-phone]").first
    expect(row.locator("td.attempts")).to_contain_text("未接")
    page.emulate_media(media="print")
    expect(page.locator("#reminders")).to_be_hidden()
    assert page.pdf(format="A4")[:4] == b"%PDF"
    page.emulate_media(media="screen")
    shot(page, "call-sheet-attempts")
