"""A hazardous-chemicals drill at ×60 in real headless Chromium, from start to its after-action
report, another party's item left unaccounted (listed, not scored); response cards print on one A4 page each."""
import re

from playwright.sync_api import expect

import pytest

from emergency.services import incidents as svc
from emergency.store import open_store

from .fixtures import acknowledge, login, shot


def test_hazardous_chemicals_drill_at_x60_to_its_after_action_report(browser, server, clock):
    """The drill's clock is driven, not waited for: the app's clock is advanced 21 seconds, which at
    ×60 is 21 minutes of drill, past the scenario's T+20 inject, however busy the machine is."""
    live_server = server
    ctl_ctx, part_ctx = browser.new_context(), browser.new_context()
    try:
        ctl, part = ctl_ctx.new_page(), part_ctx.new_page()
        login(ctl, live_server.url, "导调王五")
        login(part, live_server.url, "指挥李四")
        ctl.goto(live_server.url + "/drills")
        ctl.select_option("#scenario", "hc-tank-leak")
        ctl.click("#create-drill")
        ctl.wait_for_url(re.compile(r"/drills/drl-"))
        ctl.click("#btn-start")
        expect(ctl.locator("#sim-status")).to_contain_text("进行中")
        ctl.click("#speed-60")
        expect(ctl.locator("#sim-speed")).to_have_text("60")
        ctl.wait_for_selector("#drill-incidents a", timeout=15000)
        shot(ctl, "drill-panel")

        # a participant works the incident in another window; police-circulation is left undone on purpose
        part.goto(live_server.url + ctl.locator("#drill-incidents a").first.get_attribute("href"))
        assert part.is_visible(".drill-banner")
        for nid in ("site-to-110", "head-to-government", "government-to-office", "110-to-office"):
            acknowledge(part, nid)
            expect(part.locator(f"tr[data-notification=\"{nid}\"]")).to_contain_text("✓")
        shot(part, "drill-incident")

        # run the scenario past its T+20 inject: 21 seconds of the app's clock at ×60, then finish. The panel
        # reloads itself when the inject fires; wait for that reload rather than navigating over it
        fired = ctl.get_attribute("#drill-panel", "data-fired")
        clock.advance(seconds=21)
        expect(ctl.locator("#drill-panel")).not_to_have_attribute("data-fired", fired)
        ctl.wait_for_load_state()
        expect(ctl.locator("#sim-minute")).to_have_text("T+21")
        ctl.click("#btn-finish")
        expect(ctl.locator("#sim-status")).to_contain_text("已结束")
        ctl.click("#to-report")
        ctl.wait_for_url(re.compile(r"/report$"))
        # police-circulation is the 公安局's to report: the duty room's drill lists it with what was
        # recorded of it — nothing — and never scores it as the duty room's missed deadline
        row = ctl.locator("table.others tr[data-notification=police-circulation]")
        assert "未记录获知情况" in row.inner_text()
        data = ctl.request.get(ctl.url + ".json").json()
        others = {o["id"]: o for o in data["incidents"][0]["others"]}
        assert others["police-circulation"]["accounted"] is False
        assert "police-circulation" not in {d["id"] for d in data["incidents"][0]["deadlines"]}
        assert ctl.locator(".finding", has_text="海门区公安局").count() == 0
        assert ctl.locator(".finding", has_text="仍未确定响应级别").count() == 1
        assert "35" in str(data["incidents"][0]["events"][-1]["payload"])  # the T+20 inject reached the incident
        shot(ctl, "after-action-report")

        # the finding becomes an improvement item with an owner and a due date
        finding = ctl.locator(".finding", has_text="仍未确定响应级别")
        finding.locator("input[name=owner]").fill("区公安局指挥中心")
        finding.locator("input[name=due]").fill("2026-12-31")
        finding.locator("button").click()
        expect(ctl.locator(".flash.ok")).to_contain_text("整改事项已登记")
        ctl.goto(live_server.url + "/improvements")
        expect(ctl.locator("body")).to_contain_text("区公安局指挥中心")
    finally:
        ctl_ctx.close()
        part_ctx.close()


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.mark.parametrize("plan, level", [("hazardous_chemicals", "III"), ("environment", "IV"),
                                         ("work_safety", "II"), ("labor_dispute", "I")])
def test_response_cards_print_on_one_a4_page_each(page, server, plan, level):
    from emergency.response.cards import roles
    from tests.library import PLANS
    for role, _name in roles(PLANS.plan(plan)):
        page.goto(f"{server.url}/cards/{plan}/{level}/{role}")
        page.emulate_media(media="print")
        assert not page.is_visible(".topbar")
        pdf = page.pdf(format="A4", print_background=True)
        assert _pages(pdf) == 1, f"{plan} {level} {role} prints on {_pages(pdf)} pages"
        if role in ("duty_officer", "commander"):
            shot(page, f"card-{plan}-{level}-{role}")


def test_the_coverage_page_after_two_drills_marks_exercised_and_never(page, server, clock):
    """In Chromium."""
    from emergency.services import drill_runs as dr
    from emergency.core.clock import FixedClock
    store = open_store(server.app.config["DATABASE"])
    real = FixedClock("2026-11-22T08:00:00+08:00")
    for scenario in ("hc-tank-leak", "env-river-spill"):
        d = dr.create_drill(store, scenario, "导调王五", real)
        dr.control(store, d["id"], "start", real)
        real.advance(minutes=1)
        dr.advance(store, d["id"], real)
    (inc,) = [s for s in store.incidents.list(drill=True) if s.plan == "hazardous_chemicals"]
    svc.act(store, inc.id, "tick_notification", inc.version, {"notification": "site-to-110"}, "值班员", real)
    page.goto(server.url + "/coverage")
    hc = page.locator("section[data-plan=hazardous_chemicals]")
    expect(hc.locator("tr[data-item='报告:site-to-110']")).to_have_class("exercised")
    expect(hc.locator("tr[data-item='级别:I']")).to_contain_text("从未演练")
    expect(page.locator("section[data-plan=work_safety]")).to_contain_text("本预案将演练义务规定给企业")
    shot(page, "coverage")
