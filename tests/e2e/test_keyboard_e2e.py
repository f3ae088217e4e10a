"""By keyboard alone: the first Tab on a page is 跳到正文, which lands on the content past the top bar; a call form
opened with Enter on its summary puts the focus in its first field, and the call is recorded without a mouse."""
import pytest
from playwright.sync_api import expect

from tests.conftest import signed_in
from tests.e2e.fixtures import shot

pytestmark = pytest.mark.e2e


def test_a_call_is_recorded_from_the_incident_page_by_keyboard_alone(page_factory, server):
    client = signed_in(server.app, "值班员张三")
    r = client.post("/api/incidents", headers={"X-CSRFToken": client.csrf}, json={
        "plan": "work_safety", "title": "某机械厂行车倒塌", "facts": {"deaths": 1},
        "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:50"})
    assert r.status_code == 201
    page = page_factory("值班员张三")
    page.goto(f"{server.url}/incidents/{r.json['id']}")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("跳到正文")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # every open call form closed, then one opened with Enter on its summary
    page.evaluate("document.querySelectorAll('#calls details.call-item').forEach(d => d.open = false)")
    item = page.locator("#calls details.call-item").first
    item.locator(":scope > summary").focus()
    page.keyboard.press("Enter")
    expect(item).to_have_attribute("open", "")
    # the focus moves to the form's first field as the form opens (waited for: it follows the opening)
    first_field = item.locator("form.call-form").locator("input:not([type=hidden]), select, textarea").first
    expect(first_field).to_be_focused()
    form = item.locator("form.call-form")
    outcome = form.locator("select[name=outcome]")
    outcome.focus()
    page.keyboard.press("Home")                                      # chosen by the arrow keys, not the mouse
    for _ in range(10):
        if outcome.input_value() == "connected":
            break
        page.keyboard.press("ArrowDown")
    assert outcome.input_value() == "connected"
    form.locator("input[name=reached]").focus()
    page.keyboard.type("示例接听人")
    form.locator("button.record-call").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".flash")).to_be_visible()
    shot(page, "keyboard-call")
