"""In Chromium: a liquid-chlorine tanker overturned on a road, seen by the 区应急管理局 — the
command's report to Nantong (3.6) is its own, the road-traffic plan leads (8.2), a national rule reads as a summary
and another party's clock says it is estimated from our receipt."""
from playwright.sync_api import expect

from emergency.services import incidents as svc
from emergency.services.users import add_user
from emergency.store import open_store

from ..conftest import PASSWORD
from .fixtures import shot

BUREAU_USER = "应急局值班员孙八"


def test_the_tanker_on_a_road_seen_by_the_bureau(page_factory, server, clock):
    store = open_store(server.app.config["DATABASE"])
    add_user(store, BUREAU_USER, "duty_officer", PASSWORD, clock, unit="区应急管理局")
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "液氯槽罐车侧翻", "occurred_at": "2026-11-22T08:30",
                              "reported_at": "2026-11-22T08:40",
                              "facts": {"deaths": 2, "poisoned": 12, "accident_setting": "road"}}, "值班员张三", clock)
    store.close()
    page = page_factory(BUREAU_USER)
    page.goto(f"{server.url}/incidents/{snap.id}")
    expect(page.locator("#outside-lead")).to_contain_text("道路交通事故应急预案")
    expect(page.locator("#outside-lead")).to_contain_text("本预案为辅")
    summary = page.locator("details.clause.summary").first
    summary.locator("summary").click()
    expect(summary).to_contain_text("摘要（非条例原文）")
    expect(page.locator(".counted-estimated").first).to_have_text("按本单位接报时间推算")
    shot(page, "fourth-reading-tanker-bureau")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "fourth-reading-tanker-bureau-phone")
