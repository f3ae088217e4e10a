"""The night without retyping, in Chromium: what the page already knows is filled in for the officer."""
from playwright.sync_api import expect

from emergency.services import incidents as svc
from emergency.store import open_store


def test_a_tasks_unit_follows_the_group_it_is_for(page_factory, server, clock):
    store = open_store(server.app.config["DATABASE"])
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "液氯槽罐车侧翻", "occurred_at": "2026-11-22T08:30",
                              "reported_at": "2026-11-22T08:40", "facts": {"deaths": 2}}, "值班员张三", clock)
    snap = svc.act(store, snap.id, "activate", snap.version, {"level": "IV", "approved_by": "副区长"}, "指挥李四", clock)
    store.close()
    page = page_factory("指挥李四")
    page.goto(f"{server.url}/incidents/{snap.id}")
    page.locator("details.assign summary").click()
    form = page.locator("form.assign-form")
    duty = form.locator("select[name=duty]")
    unit = form.locator("input[name=unit]")
    options = duty.locator("option").evaluate_all("os => os.map(o => [o.value, o.dataset.unit])")
    expect(unit).to_have_value(options[0][1])
    other = next((v, u) for v, u in options if u and u != options[0][1])
    duty.select_option(other[0])
    expect(unit).to_have_value(other[1])                     # 承办单位 follows the group chosen
    form.locator("input[name=due]").fill("2026-11-22T12:00")
    form.locator("button").click()
    expect(page.locator("#task-list tr#task-t1")).to_be_visible()
    expect(page.locator("#task-list tr#task-t1 td").nth(1)).to_have_text(other[1])
