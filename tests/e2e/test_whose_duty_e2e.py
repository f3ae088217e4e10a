"""Whose duty it is, in Chromium: the tanker leak walked as the duty room and as the 区应急管理局 — only our items raised,
another party's accounted for without a call, a four-recipient item needing four acknowledgements, a fax's 签收人
never a 接管, and a commander's task signed for and reported back by a user of the bureau."""
import re

from playwright.sync_api import expect

from emergency.services import directory, incidents as svc
from emergency.store import open_store
from emergency.services.users import add_user

from ..conftest import PASSWORD
from .fixtures import shot
from .test_console_e2e import record

BUREAU_USER = "应急局值班员孙八"


def call(page, notification, unit, outcome="connected", reached="", received_by="", document=""):
    page.locator(f"#call-{notification}").evaluate("d => d.open = true")
    form = page.locator(f"#call-{notification} form.call-form")
    form.locator("select[name=unit]").select_option(unit)
    form.locator("input[name=number]").fill("0513-82100000")
    form.locator("select[name=outcome]").select_option(outcome)
    if reached:
        form.locator("input[name=reached]").fill(reached)
    if document:
        form.locator("input[name=document]").fill(document)
    if received_by:
        form.locator("input[name=received_by]").fill(received_by)
    form.locator("button.record-call").click()
    expect(page.locator(".flash.ok")).to_be_visible()


def submit_in(row, details: str, form: str, choose: dict | None = None, fill: dict | None = None) -> None:
    """Open a row's folded form (``details``), choose and fill its fields by name, and send it."""
    row.locator(f"{details} summary").click()
    f = row.locator(form)
    for name, value in (choose or {}).items():
        f.locator(f"select[name={name}]").select_option(value)
    for name, value in (fill or {}).items():
        f.locator(f"[name={name}]").fill(value)
    f.locator("button").click()


def task_step(page, step, note=None):
    """签收 or 反馈 of task t1 on its row of the incident page."""
    form = page.locator(f"#task-list tr[data-task-id=t1] form[data-step={step}]")
    form.evaluate("f => f.closest('details').open = true")
    if note:
        form.locator("textarea[name=note]").fill(note)
    form.locator("button").click()


def test_the_tanker_leak_as_the_duty_room_and_as_the_bureau(page_factory, server, clock):
    store = open_store(server.app.config["DATABASE"])
    add_user(store, BUREAU_USER, "duty_officer", PASSWORD, clock, unit="区应急管理局")
    directory.load_demo(store, "2026-11-22T09:00:00+08:00")
    store.close()

    room = page_factory("值班员张三")            # the duty room (DUTY_ROOM), 110 called at 08:55
    record(room, server, "hazardous_chemicals", {"#f-deaths": "1", "#f-poisoned": "3"}, title="槽罐车泄漏（虚构）",
           occurred="2026-11-22T08:45", reported="2026-11-22T08:55")
    url = room.url.split("#")[0]
    # nothing of another party is raised to our leader or counted in the tab title
    expect(room.locator("#escalation")).to_have_count(0)
    assert not re.match(r"^\(\d+\) ", room.title())
    expect(room.locator("#our-items")).to_contain_text("海门区政府总值班室")
    expect(room.locator("table.own-items tr[data-notification=office-to-leaders]")).to_be_visible()
    other = room.locator("table.others-items tr[data-notification=site-to-110]")
    expect(other).to_contain_text("待记录获知情况")
    # 110 is who called us: accounted for, never a call we made
    submit_in(other, "details.account", "form.account-form", {"how": "known", "via": "来电"},
              {"source": "110公安指挥中心"})
    expect(room.locator("tr[data-notification=site-to-110]")).to_contain_text("已记录获知情况")
    expect(room.locator("#timeline")).to_contain_text("记录他方报告情况")
    expect(room.locator("#timeline")).to_contain_text("事故现场人员 → 110公安指挥中心")   # the item in words …
    expect(room.locator("#timeline")).not_to_contain_text("site-to-110")              # … never its id
    expect(room.locator("#call-site-to-110 .attempt-count")).to_contain_text("已呼叫 0 次")
    shot(room, "whose-duty-duty-room")

    bureau = page_factory(BUREAU_USER)
    bureau.goto(url)
    expect(bureau.locator("#our-items")).to_contain_text("区应急管理局")
    inform = "table.own-items tr[data-notification=nat-493-10-inform]"
    expect(bureau.locator(inform)).to_be_visible()
    for n, unit in enumerate(["海门区公安局", "区人社局", "区总工会", "海门区人民检察院"], 1):   # by today's names
        call(bureau, "nat-493-10-inform", unit, reached=f"接听人{n}")
        if n < 4:
            expect(bureau.locator(inform)).not_to_have_class(re.compile("st-row-done"))
            expect(bureau.locator(inform + " ul.receipts li.st-left")).to_have_count(4 - n)
    expect(bureau.locator(inform)).to_have_class(re.compile("st-row-done"))
    # a fax signed for: a receipt on the item, nothing in the record of decisions
    call(bureau, "nat-493-10-city", "南通市应急管理局", outcome="faxed", document="事故快报", received_by="周敏")
    expect(bureau.locator("tr[data-notification=nat-493-10-city]")).to_contain_text("已完成")
    expect(bureau.locator("#timeline")).to_contain_text("周敏")
    assert "接管" not in (bureau.locator("#decisions").all_inner_texts() or [""])[0]

    # the commander gives the 综合协调组's duty to the bureau; the bureau signs for it and reports back
    boss = page_factory("指挥李四")
    boss.goto(url)
    submit_in(boss, "details.assign", "form.assign-form", {"duty": "group:coordination"},
              {"unit": "区应急管理局", "due": "2026-11-22T12:00"})
    expect(boss.locator("#task-list tr[data-task-id=t1] .task-status")).to_have_text("待签收")
    bureau.goto(server.url + "/")
    expect(bureau.locator("#todo li[data-task-id=t1]")).to_contain_text("综合协调组")
    bureau.goto(url + "#tasks")
    task_step(bureau, "sign_task")
    expect(bureau.locator("#task-list tr[data-task-id=t1] .task-status")).to_have_text("已签收")
    task_step(bureau, "report_task", "已通知各成员单位负责人赶赴现场")
    expect(bureau.locator(".flash.ok")).to_contain_text("反馈任务")
    boss.reload()                                             # the commander's page, read again
    expect(boss.locator("#task-list tr[data-task-id=t1]")).to_contain_text("已通知各成员单位负责人赶赴现场")
    expect(boss.locator("#task-list tr[data-task-id=t1] .task-status")).to_have_text("已反馈")
    expect(boss.locator("#timeline")).to_contain_text("综合协调组 区应急管理局")
    assert not re.search(r"\bt1\b|group:", boss.locator("#timeline").inner_text())
    shot(boss, "whose-duty-tasks")
    # on a phone (390×844) the page fits the screen: the items and tasks stack as cards, nothing off to the side
    phone = boss.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                             storage_state=boss.context.storage_state())
    small = phone.new_page()
    small.goto(url)
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    widest = small.evaluate("Math.max(...[...document.querySelectorAll('table.notifications tr, #task-list tr')]"
                            ".map(r => r.getBoundingClientRect().right))")
    assert widest <= 390                                    # each row a card within the screen, not scrolled aside
    expect(small.locator("table.notifications thead").first).to_be_hidden()
    shot(small, "whose-duty-phone")
    phone.close()


def test_a_level_change_keeps_the_faxed_row_and_the_environment_record_closes_with_its_tasks_handed_over(
        page_factory, server, clock):
    """Points 4 and 5 in Chromium: IV→III keeps the 南通市 row the bureau faxed; the environment record of the same
    event closes with its seven 后期处置 tasks handed over to 海门生态环境局 (others' 立即 items accounted for, not
    called), shows no countdown once closed, and the tasks wait on the receiving unit's home page."""
    store = open_store(server.app.config["DATABASE"])
    add_user(store, BUREAU_USER, "duty_officer", PASSWORD, clock, unit="区应急管理局")
    add_user(store, "环境局值班员吴十", "duty_officer", PASSWORD, clock, unit="海门生态环境局")
    tanker = svc.report(store, {"plan": "hazardous_chemicals", "facts": {"deaths": 1}, "title": "槽罐车泄漏（虚构）",
                                "occurred_at": "2026-11-22T08:45", "reported_at": "2026-11-22T08:55"}, "值班员张三", clock)
    tanker = svc.act(store, tanker.id, "activate", 1, {"level": "IV", "approved_by": "区长"}, "指挥李四", clock)
    spill = svc.report(store, {"plan": "environment", "facts": {"evacuated": 100}, "title": "槽罐车泄漏致河道污染（虚构）",
                               "occurred_at": "2026-11-22T08:45", "reported_at": "2026-11-22T08:55"}, "值班员张三", clock)
    spill = svc.act(store, spill.id, "activate", 1, {"level": "IV", "approved_by": "区长"}, "指挥李四", clock)
    for trigger, payload in (("confirm_condition", {"condition": "controlled"}),
                             ("terminate", {"declared_by": "海门区政府"}), ("start_post_incident", {})):
        spill = svc.act(store, spill.id, trigger, spill.version, payload, "指挥李四", clock)
    store.close()

    bureau = page_factory(BUREAU_USER)
    bureau.goto(f"{server.url}/incidents/{tanker.id}")
    call(bureau, "nat-493-10-city", "南通市应急管理局", outcome="faxed", document="事故快报", received_by="周敏")
    boss = page_factory("指挥李四")
    boss.goto(f"{server.url}/incidents/{tanker.id}")
    form = boss.locator("form.action[data-trigger=change_level]")
    form.locator("select[name=level]").select_option("III")
    form.locator("input[name=reason]").fill("死亡人数增至3人")
    form.locator("button").click()
    expect(boss.locator("#level")).to_contain_text("III级")
    bureau.reload()
    expect(bureau.locator("tr[data-notification=nat-493-10-city]")).to_contain_text("已完成")

    boss.goto(f"{server.url}/incidents/{spill.id}")
    tasks = boss.locator("ul.post-incident li[data-task]")
    assert tasks.count() == 7
    table = boss.locator("#hand-over-table")              # the seven handed over as one table, one due time
    for unit in table.locator("input[name^=unit-]").all():
        unit.fill("海门生态环境局")
    table.locator("input[name=due_all]").fill("2027-01-31T17:00")
    table.locator("button").click()
    expect(boss.locator(".flash.ok")).to_contain_text("7项")
    expect(boss.locator("ul.post-incident li.ticked")).to_have_count(7)
    # the 第一时间 reports are others' (the bureau's, 区有关部门): accounted for, never a call we made
    while boss.locator("table.others-items tr:not(.st-row-done) details.account").count():
        row = boss.locator("table.others-items tr:not(.st-row-done)").filter(has=boss.locator("details.account")).first
        submit_in(row, "details.account", "form.account-form", {"how": "reported_by"}, {"source": "海门生态环境局"})
        expect(boss.locator(".flash.ok")).to_be_visible()
        if boss.locator("form.action[data-trigger=close]").count() and not boss.locator(
                "form.action[data-trigger=close] .blocked").count():
            break
    expect(boss.locator("form.action[data-trigger=close] .blocked")).to_have_count(0)
    boss.once("dialog", lambda d: d.accept())                 # 结案 asks before it ends the response
    boss.locator("form.action[data-trigger=close] button").click()
    expect(boss.locator("#state")).to_contain_text("结案")
    body = boss.locator("main").inner_text()
    assert "剩余" not in body and "已超时" not in body
    expect(boss.locator(".countdown")).to_have_count(0)       # no live countdown anywhere on a closed record
    shot(boss, "whose-duty-closed-with-handovers")
    env = page_factory("环境局值班员吴十")
    expect(env.locator("#todo li[data-task-id]")).to_have_count(7)
