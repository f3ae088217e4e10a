"""The directory in Chromium: an administrator imports an .xlsx directory; a refused file names row and
column; the call sheet of an incident shows the numbers in order and prints on A4."""
import re

from playwright.sync_api import expect

from emergency.store import open_store
from emergency.services.users import add_user

from ..conftest import PASSWORD
from ..integration.test_directory import GOOD, xlsx
from .fixtures import login, shot
from .test_console_e2e import record


def test_import_a_directory_and_print_a_call_sheet(page_factory, server, clock, tmp_path):
    store = open_store(server.app.config["DATABASE"])
    add_user(store, "管理员钱七", "administrator", PASSWORD, clock)
    store.close()
    admin = page_factory(user=None)
    login(admin, server.url, "管理员钱七")
    admin.goto(server.url + "/directory")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(GOOD + [["海门区政府", "示例", "", "", "1380000", "", "", 1]]))
    admin.set_input_files("#directory-import input[type=file]", str(bad))
    admin.click("#import-directory")
    expect(admin.locator("#import-problems")).to_contain_text("手机为以1开头的11位数字")
    expect(admin.locator("#import-problems tbody tr td").first).to_have_text(str(len(GOOD) + 1))
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(GOOD))
    admin.set_input_files("#directory-import input[type=file]", str(good))
    admin.click("#import-directory")
    expect(admin.locator(".flash.ok")).to_contain_text("通讯录已导入")
    expect(admin.locator("#directory tr[data-unit=海门区政府]")).to_have_count(4)
    shot(admin, "directory")

    page = page_factory()
    # the duty room's own item (hazardous chemicals 2.2.3(1), to 市委、市政府……): 海门区政府 is dialled from here
    record(page, server, "hazardous_chemicals", {"#f-deaths": "1"}, title="储罐泄漏（虚构）", occurred="2026-11-22T08:30",
           reported="2026-11-22T08:40")
    page.click("#call-sheet-link")
    page.wait_for_url(re.compile(r"/calls$"))
    row = page.locator("#call-sheet tr", has_text="海门区政府").first
    numbers = row.locator("ol.numbers li strong").all_inner_texts()
    assert numbers[:3] == ["0513-82100000", "0513-82100001", "0513-82100002"]
    expect(page.locator("#call-gaps")).to_contain_text("区委")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()                      # on paper: no navigation
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF"
    shot(page, "call-sheet")
