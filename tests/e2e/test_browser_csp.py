"""Also 5, in real Chromium: under the policy the pages work (mermaid draws, live classify answers,
print buttons are wired) and the browser reports no violation."""
import pytest
from playwright.sync_api import expect

from .fixtures import shot

pytestmark = pytest.mark.e2e


def _watch(page):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_plan_diagram_and_live_classify_work_under_the_policy(page, server):
    problems = _watch(page)
    page.goto(server.url + "/plans/hazardous_chemicals")
    expect(page.locator(".mermaid svg").first).to_be_visible()
    page.goto(server.url + "/classify/hazardous_chemicals")
    page.fill("#f-deaths", "3")
    expect(page.locator("#result-level")).to_contain_text("级")
    shot(page, "security-classify-under-csp")
    assert problems == []


def test_an_injected_inline_script_is_blocked(page, server):
    problems = _watch(page)
    page.goto(server.url + "/")
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.pwned = 1'; "
                  "document.body.appendChild(s); }")
    assert page.evaluate("() => window.pwned") is None
    assert any("Content Security Policy" in p for p in problems)
