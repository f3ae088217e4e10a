"""The lifecycle diagram at 3 a.m.: the main path large and in order, guards in the
plan's words, the current state and the allowed next steps marked, legible on A4."""
import pytest
from playwright.sync_api import expect

from emergency.services import incidents as svc
from emergency.store import open_store

from .fixtures import shot

pytestmark = pytest.mark.e2e

GUARD_CODE_NAMES = ("termination_conditions_met", "approval_given", "classified_below_scope",
                    "post_incident_tasks_done", "immediate_reports_done", "warning_in_force")


@pytest.mark.parametrize("plan_id", ["environment", "work_safety", "hazardous_chemicals", "labor_dispute"])
def test_the_printed_main_path_is_legible_on_a4(browser, server, plan_id):
    from .fixtures import login
    ctx = browser.new_context(viewport={"width": 794, "height": 1123}, locale="zh-CN")  # A4 width at 96 dpi
    page = ctx.new_page()
    login(page, server.url, "指挥李四")
    page.goto(f"{server.url}/plans/{plan_id}")
    page.emulate_media(media="print")
    page.wait_for_selector(".diagram-main svg")
    text = page.locator(".diagram-main").inner_text()
    assert not any(name in text for name in GUARD_CODE_NAMES)
    assert "接报" in text and "结案" in text
    smallest_pt = page.evaluate("""() => {
        const svg = document.querySelector('.diagram-main svg');
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        let least = 1e9;
        svg.querySelectorAll('span, text, tspan').forEach(el => {
            if (!el.textContent.trim()) return;
            const px = parseFloat(getComputedStyle(el).fontSize) * scale;
            least = Math.min(least, px);
        });
        return least * 0.75;   // CSS px at 96 dpi to points
    }""")
    assert smallest_pt >= 8, f"smallest printed text {smallest_pt:.1f} pt"
    shot(page, f"diagram-print-{plan_id}")
    ctx.close()


def test_the_incident_diagram_marks_where_we_are_and_what_can_happen_next(page, server, clock):
    store = open_store(server.app.config["DATABASE"])
    snap = svc.report(store, {"plan": "environment", "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:30",
                              "title": "河道油污"}, "值班员张三", clock)
    snap = svc.act(store, snap.id, "assess", snap.version, {}, "指挥李四", clock)
    page.goto(f"{server.url}/incidents/{snap.id}")
    page.locator(".diagram-box > summary").click()
    page.wait_for_selector(".diagram-main svg")
    current = page.locator(".diagram-main svg .node.current")
    expect(current).to_contain_text("研判初判")
    assert page.locator(".diagram-main svg path[style*='stroke-width: 4px'], .diagram-main svg path[style*='stroke-width:4px']").count() >= 1
    expect(page.locator(".diagram-main")).to_contain_text("须区政府主要领导")
    shot(page, "diagram-incident")
