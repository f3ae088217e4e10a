"""接报登记 in Chromium: record a 110 alarm, see who handles it first, open the incident from it,
and see its deadlines counted from the call."""
import pytest
from playwright.sync_api import expect

from .fixtures import shot

pytestmark = pytest.mark.e2e


def test_record_an_intake_open_an_incident_and_count_from_the_call(page, server):
    page.goto(server.url + "/")
    page.locator("a.new-report").click()
    page.select_option("#source", "110")
    page.fill("#reference", "20261122000417")
    page.fill("#received_at", "2026-11-22T08:47")
    page.fill("#caller", "王先生")
    page.fill("#callback", "13912345678")
    page.fill("#place", "海门港新区化工园区")
    page.fill("#description", "化工园区管廊泄漏，有刺鼻气味，有人头晕")
    page.fill("#matter", "A033")
    page.keyboard.press("Escape")   # close the suggestions a typed value opens (they take the next click)
    shot(page, "intake-form")
    page.click("#record-intake")
    expect(page.locator("#handled-first")).to_have_text("110")
    expect(page.locator("article[data-plan=hazardous_chemicals]")).to_contain_text("1.5")
    shot(page, "intake-routing")
    page.locator("article[data-plan=hazardous_chemicals] a.button").click()
    expect(page.locator("#reported_at")).to_have_value("2026-11-22T08:47")
    page.fill("#occurred_at", "2026-11-22T08:40")
    page.fill("#f-poisoned", "3")
    expect(page.locator("#result-level")).to_contain_text("级")
    page.click("#record")
    expect(page.locator(".flash.ok")).to_contain_text("事件已登记")
    expect(page.locator(".incident-head")).to_contain_text("接报时间 2026-11-22 08:47")
    # 3.1: the government reports at once from receipt — dated at the call, not at recording
    row = page.locator("tr[data-notification=government-to-office]")
    expect(row).to_contain_text("11-22 08:47")
    shot(page, "intake-incident")


def test_a_bad_intake_is_refused_with_its_field_and_kept_on_screen(page, server):
    page.goto(server.url + "/intake")
    page.select_option("#source", "110")
    page.fill("#reference", "20261122000417")
    page.fill("#callback", "12345")
    page.fill("#description", "河面发黑")
    page.fill("#matter", "B066")
    page.keyboard.press("Escape")   # close the suggestions a typed value opens (they take the next click)
    page.click("#record-intake")
    expect(page.locator("#intake-error")).to_contain_text("回拨电话：须为手机")
    expect(page.locator("#description")).to_have_value("河面发黑")
