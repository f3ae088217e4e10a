"""A fifth plan from one YAML file, in Chromium: the console started on a plans directory
with a small fictitious flood plan classifies it as you type, records it and prints its checklist, and the
commander acts on it — no Python change."""
import pytest
from playwright.sync_api import expect

from tests.integration.test_fifth_plan import make_fifth_plan_dir

from .fixtures import shot


@pytest.fixture
def server_config(tmp_path, sources_dir, monkeypatch):
    plans, texts = make_fifth_plan_dir(tmp_path, sources_dir)
    monkeypatch.setenv("EMERGENCY_SOURCES_DIR", str(texts))  # the start-up lint checks its quotations too
    return {"PLANS_DIR": str(plans)}


def test_the_fifth_plan_is_classified_recorded_printed_and_acted_on(page, server):
    page.goto(server.url + "/")
    page.locator("a.button[href='/classify/flood_control']").click()
    page.select_option("#f-river_level", "above_guarantee")  # the new choice fact, labels from the vocabulary
    expect(page.locator("#result-level")).to_contain_text("II级")
    expect(page.locator("#deciding-clause")).to_contain_text("超过保证潮位")
    page.fill("#title", "长江潮位超过保证潮位")
    page.locator("#record-and-print").click()
    expect(page.locator("#incident-title")).to_contain_text("长江潮位")
    expect(page.locator("body")).to_contain_text("区防汛办")
    shot(page, "fifth-plan-checklist")
    page.goto(page.url.rsplit("/checklist", 1)[0])
    form = page.locator("form.action[data-trigger=activate]")
    form.locator("select[name=level]").select_option("II")
    form.locator("button").click()
    expect(page.locator(".flash.ok")).to_be_visible()
    terminate = page.locator("form.action[data-trigger=terminate]")
    expect(terminate.locator(".blocked")).to_contain_text("终止条件未满足")  # the plan's own condition, not met yet
    expect(terminate.locator("button")).to_be_disabled()
    shot(page, "fifth-plan-incident")
