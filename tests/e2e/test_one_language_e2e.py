"""A browser walk in Chinese — as duty officer, commander, administrator and observer — meets no
English sentence on a page, in a refusal, a flash or a plan's 取舍; with only drills running the home page shows
0 overdue real items and the drills' count apart."""
import re

import pytest
from playwright.sync_api import expect

from emergency.services import incidents as svc
from emergency.store import open_store
from emergency.services.users import add_user

from ..conftest import PASSWORD
from .worlds import tanker_world
from .fixtures import shot

pytestmark = pytest.mark.e2e

# three ASCII words in a row; the words a Chinese page may carry on purpose are named here
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{2,}[ ,']+[A-Za-z]{2,}[ ,']+[A-Za-z]{2,}")


def english_on(page) -> list[str]:
    text = page.locator("body").inner_text()
    return [m.group(0) for m in ENGLISH_SENTENCE.finditer(text)]


def test_a_walk_in_chinese_meets_no_english_sentence(page_factory, server, clock):
    incident = tanker_world(server, clock)
    walks = {
        "值班员张三": ["/", incident, incident + "/calls", "/intake", "/plans/hazardous_chemicals", "/directory",
                  "/roster", "/history", "/drills", "/classify/environment"],
        "指挥李四": ["/", incident, "/plans/work_safety", "/cards", "/incidents", "/wall", incident + "/checklist"],
        "管理员钱七": ["/admin/", "/directory"],
        "观察员赵六": ["/", incident, "/directory"],
    }
    found = {}
    for user, paths in walks.items():
        page = page_factory(user)
        for path in paths:
            page.goto(server.url + path)
            said = english_on(page)
            if said:
                found[f"{user} {path}"] = said
    # a refusal and a flash, as the duty officer meets them
    page = page_factory("值班员张三")
    page.goto(server.url + incident)
    page.locator("#call-site-to-110").evaluate("d => d.open = true")
    form = page.locator("#call-site-to-110 form.call-form")
    form.locator("input[name=number]").fill("call me")
    form.locator("select[name=outcome]").select_option("busy")
    form.locator("button.record-call").click()
    expect(page.locator(".flash.error")).to_contain_text("电话号码：“call me”不是电话或传真号码")
    if english_on(page):
        found["refusal"] = english_on(page)
    page.goto(server.url + "/intake")
    page.fill("#description", "河道有油污")
    page.fill("#matter", "B014")
    page.keyboard.press("Escape")   # close the suggestions a typed value opens (they take the next click)
    page.locator("#intake-form button").last.click()
    if english_on(page):
        found["intake 取舍"] = english_on(page)
    shot(page, "one-language-intake")
    assert found == {}, found


def test_with_only_drills_running_the_home_page_counts_no_real_overdue_item(page_factory, server, clock):
    store = open_store(server.app.config["DATABASE"])
    add_user(store, "环境局值班员吴十", "duty_officer", PASSWORD, clock, unit="海门生态环境局")
    svc.report(store, {"plan": "environment", "facts": {"deaths": 3}, "title": "演练：河道油污", "drill": True,
                       "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"}, "导调王五", clock)
    store.close()
    page = page_factory("环境局值班员吴十")         # the bureau's 第一时间 report of the drill is overdue
    page.goto(server.url + "/")
    expect(page.locator("#overdue-count")).to_have_text("0")
    expect(page.locator("#drill-overdue")).to_contain_text("演练")
    assert not re.match(r"^\(\d+\) ", page.title())
