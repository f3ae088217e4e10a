"""What a duty officer met in a full walk-through, each fixed and checked in Chromium."""
import re

import pytest
from playwright.sync_api import expect

from emergency.services import incidents as svc
from tests.library import PLANS
from emergency.store import open_store

from .fixtures import shot

pytestmark = pytest.mark.e2e


@pytest.fixture
def server_config():
    """The environment plan's at-once report to 海门区政府 is the bureau's (区有关部门): these officers work
    for 海门生态环境局, so its items are their own, raised and counted."""
    return {"DUTY_ROOM": "海门生态环境局"}


def _incident(server, clock, **kw):
    store = open_store(server.app.config["DATABASE"])
    data = {"plan": "environment", "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:30",
            "reported_at": "2026-11-22T08:40", "title": "河道油污", **kw}
    return store, svc.report(store, data, "值班员张三", clock)


def test_immediate_calls_pending_are_red_first_on_home_board_and_incident(page, server, clock):
    _incident(server, clock)
    page.goto(server.url + "/")
    box = page.locator(".overdue-box")
    expect(box).to_have_class(re.compile("alarm"))
    expect(box).to_contain_text("河道油污")
    page.goto(server.url + "/incidents")
    expect(page.locator("tr.row-overdue")).to_contain_text("河道油污")
    page.locator("table.board a", has_text="河道油污").first.click()
    first_row = page.locator("table.notifications tbody tr").first
    expect(first_row).to_have_class(re.compile("st-row-overdue"))
    expect(first_row).to_contain_text("立即未报")
    shot(page, "walkthrough-immediate-overdue")


def test_the_board_and_an_incident_page_show_another_users_change(page, server, clock):
    server.app.config["POLL_MS"] = 500
    page.goto(server.url + "/incidents")
    store, snap = _incident(server, clock, title="另一人登记的事件")
    expect(page.locator("body")).to_contain_text("另一人登记的事件", timeout=10000)
    page.locator("table.board a", has_text="另一人登记的事件").click()
    svc.act(store, snap.id, "add_note", snap.version, {"note": "现场已封控"}, "值班员张三", clock)
    expect(page.locator("#sim-notice")).to_contain_text("值班员张三", timeout=10000)


def test_a_refused_action_keeps_what_was_typed_and_asks_before_ending(page, server, clock):
    store, snap = _incident(server, clock)
    snap = svc.act(store, snap.id, "activate", snap.version, {"level": "IV", "approved_by": "区长"}, "指挥李四", clock)
    page.goto(f"{server.url}/incidents/{snap.id}")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    form = page.locator("form.action[data-trigger=terminate]")
    expect(form).to_have_class(re.compile("danger"))
    # the plan's condition is not met yet: the page says so and offers no button that would be refused
    expect(form.locator(".blocked")).to_contain_text("终止条件未满足")
    expect(form.locator("button")).to_be_disabled()
    # someone else confirms a condition meanwhile: the page is stale; the end is refused, what was typed stays
    cond = next(iter(c.id for c in PLANS.plan("environment").termination.conditions))
    svc.act(store, snap.id, "confirm_condition", snap.version, {"condition": cond}, "指挥王", clock)
    page.reload()
    expect(form.locator("button")).to_be_enabled()
    svc.act(store, snap.id, "add_note", snap.version + 1, {"note": "现场报告"}, "值班员张三", clock)
    form.locator("input[name=declared_by]").fill("海门区人民政府")
    form.locator("button").click()
    expect(page.locator(".flash.error")).to_contain_text("事件已被他人更新")
    expect(page.locator("form.action[data-trigger=terminate] input[name=declared_by]")).to_have_value("海门区人民政府")
    assert dialogs and "不能撤回" in dialogs[0]


def test_each_role_sees_only_what_it_may_do_and_a_403_links_back(page_factory, server, clock):
    _, snap = _incident(server, clock)
    observer = page_factory(user="观察员赵六")
    observer.goto(f"{server.url}/incidents/{snap.id}")
    assert observer.locator("form.action").count() == 0
    duty = page_factory(user="值班员张三")
    duty.goto(f"{server.url}/incidents/{snap.id}")
    assert duty.locator("form.action[data-trigger=activate]").count() == 0
    assert duty.locator("form.action[data-trigger=assess]").count() == 1
    duty.goto(f"{server.url}/incidents/{snap.id}")
    duty.goto(f"{server.url}/admin/", referer=f"{server.url}/incidents/{snap.id}")
    expect(duty.locator("a.button", has_text="返回")).to_be_visible()


def test_the_record_shows_who_decided_and_the_print_who_ticked(page, server, clock):
    store, snap = _incident(server, clock)
    snap = svc.act(store, snap.id, "activate", snap.version, {"level": "IV", "approved_by": "区长王某"}, "指挥李四", clock)
    snap = svc.act(store, snap.id, "tick_notification", snap.version, {"notification": "first-phone"}, "值班员张三", clock)
    page.goto(f"{server.url}/incidents/{snap.id}")
    expect(page.locator("#decisions")).to_contain_text("区长王某")
    expect(page.locator("#timeline")).to_contain_text("启动Ⅳ级响应")
    assert "activate" not in page.locator("#timeline").inner_text()
    page.goto(f"{server.url}/incidents/{snap.id}/checklist")
    page.emulate_media(media="print")
    expect(page.locator("#incident-title")).to_contain_text("河道油污")
    expect(page.locator("tr", has_text="第一时间").first.locator("td.write-in")).to_contain_text("值班员张三")


def test_closed_incidents_are_found_in_history(page, server, clock):
    store, snap = _incident(server, clock, title="已关闭的演示记录")
    page.goto(server.url + "/history?q=已关闭")
    expect(page.locator("#history")).to_contain_text("已关闭的演示记录")
    page.goto(server.url + "/history?plan=labor_dispute")
    expect(page.locator("#history")).not_to_contain_text("已关闭的演示记录")


def test_recording_under_another_plan_keeps_facts_title_and_receipt_time(page, server, clock):
    _, snap = _incident(server, clock, facts={"deaths": 4, "evacuated": 300})
    page.goto(f"{server.url}/incidents/{snap.id}")
    page.locator(".link-other a", has_text="危险化学品").click()
    expect(page.locator("#title")).to_have_value("河道油污")
    expect(page.locator("#reported_at")).to_have_value("2026-11-22T08:40")
    expect(page.locator("#occurred_at")).to_have_value("2026-11-22T08:30")
    expect(page.locator("#f-deaths")).to_have_value("4")
    expect(page.locator("#f-evacuated")).to_have_value("300")


def test_the_phone_layout_puts_actions_first_and_nothing_overflows(browser, server, clock):
    from .fixtures import login
    _, snap = _incident(server, clock)
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = ctx.new_page()
    login(page, server.url, "指挥李四")
    page.goto(f"{server.url}/incidents/{snap.id}")
    actions = page.locator("#actions").bounding_box()
    checklist = page.locator("#checklist").bounding_box()
    assert actions["y"] < checklist["y"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(page, "walkthrough-phone-incident")
    ctx.close()


def test_mermaid_loads_only_when_the_diagram_is_opened(page, server, clock):
    _, snap = _incident(server, clock)
    scripts = []
    page.on("request", lambda r: scripts.append(r.url) if "mermaid.min.js" in r.url else None)
    page.goto(f"{server.url}/incidents/{snap.id}")
    page.wait_for_load_state("networkidle")
    assert scripts == []
    page.locator(".diagram-box > summary").click()
    page.wait_for_selector(".diagram-main svg")
    assert len(scripts) == 1


def test_the_wall_screen_is_readable_from_across_the_room(browser, server, clock):
    """Large type, no navigation, overdue first, follows changes; 1920×1080."""
    from .fixtures import login
    store, snap = _incident(server, clock, title="储罐泄漏")
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = ctx.new_page()
    login(page, server.url, "值班员张三")
    page.goto(server.url + "/wall")
    expect(page.locator("#wall-board")).to_contain_text("储罐泄漏")
    assert page.locator("nav").count() == 0
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('#wall-board td')).fontSize)")
    assert size >= 28
    expect(page.locator("#wall-board tr.row-overdue")).to_contain_text("立即未报")
    shot(page, "wall-screen")
    ctx.close()


def test_pages_in_chromium_show_no_internal_names(page, server, clock):
    """As a person sees it: the rendered text of the main pages has no snake_case ids."""
    store, snap = _incident(server, clock)
    svc.load_demo(store, clock)
    strip = """() => { const b = document.body.cloneNode(true);
        b.querySelectorAll('code, pre, script, style, textarea, svg').forEach(e => e.remove()); return b.innerText; }"""
    for path in ("/", "/incidents", "/drills", "/plans/labor_dispute", "/classify/labor_dispute",
                 f"/incidents/{snap.id}", "/intake", "/history", "/cards"):
        page.goto(server.url + path)
        words = re.findall(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b", page.evaluate(strip))
        assert words == [], (path, words)


def test_a_drill_started_from_the_browser_takes_its_speed(page, server):
    """Start with a speed is taken, not silently ignored."""
    page.goto(server.url + "/drills")
    result = page.evaluate("""async () => {
        const h = {'Content-Type': 'application/json',
                   'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content};
        const d = await (await fetch('/api/drills', {method: 'POST', headers: h,
                          body: JSON.stringify({scenario: 'hc-tank-leak', seed: 3})})).json();
        const r = await fetch('/api/drills/' + d.id + '/control', {method: 'POST', headers: h,
                          body: JSON.stringify({action: 'start', speed: 30})});
        const bad = await fetch('/api/drills/' + d.id + '/control', {method: 'POST', headers: h,
                          body: JSON.stringify({action: 'pause', speed: 5})});
        return {status: r.status, speed: (await r.json()).speed, bad: bad.status};
    }""")
    assert result == {"status": 200, "speed": 30.0, "bad": 422}
