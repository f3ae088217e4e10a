"""From a call to a printed call sheet in the fewest steps: the demo's
hazardous-chemicals case, counted action by action in Chromium. The count is asserted; the time
is measured and printed, never asserted (shared machines)."""
import time

import pytest
from playwright.sync_api import expect

from emergency.services import incidents as svc
from emergency.store import open_store

from .fixtures import shot

pytestmark = pytest.mark.e2e


class Actions:
    """Every click and field entry a person makes, counted."""

    def __init__(self, page):
        self.page, self.count, self.log = page, 0, []

    def click(self, selector):
        self.count += 1
        self.log.append(f"click {selector}")
        self.page.locator(selector).first.click()

    def fill(self, selector, value):
        self.count += 1
        self.log.append(f"type {selector}")
        self.page.fill(selector, value)


def test_the_demo_chemical_case_takes_at_most_eight_actions_from_home_to_print(page, server, clock):
    svc.load_demo(open_store(server.app.config["DATABASE"]), clock)
    page.add_init_script("window.print = () => { window.__printed = true; };")
    page.goto(server.url + "/")
    a = Actions(page)
    t0 = time.perf_counter()
    a.click("a.button[href='/classify/hazardous_chemicals']")        # the right plan, from the home page
    a.fill("#f-deaths", "1")                                          # the demo case's facts
    a.fill("#f-poisoned", "12")
    expect(page.locator("#result-level")).to_contain_text("IV级")     # level shown …
    expect(page.locator("#deciding-clause")).to_contain_text("3人以下死亡")  # … with its clause
    a.fill("#title", "某化工企业储罐泄漏起火")
    a.click("#record-and-print")                                      # received time defaulted to now
    expect(page.locator("#incident-title")).to_contain_text("储罐泄漏")
    a.click("button[data-action=print]")
    assert page.evaluate("() => window.__printed === true")
    elapsed = time.perf_counter() - t0
    shot(page, "fewest-steps-checklist")
    print(f"\nfrom home to printed checklist: {a.count} actions, {elapsed:.1f} s in Chromium ({'; '.join(a.log)})")
    assert a.count <= 8, a.log
