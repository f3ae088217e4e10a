"""The night, counted (the done-when of the night without retyping): in Chromium from a 110 transfer at 02:40 — a liquid
chlorine tanker overturned in 海门港新区 — recorded under hazardous chemicals and environment, through calls, accounting
for others' items, the 首报, new facts at 04:10, level III, a task, the 08:30 handover between two duty officers,
termination and the 终报 to 结案 of both records; then a labor blockade.

Every click, every field typed or chosen and every key that submits is one action (``Acts``); signing in is three.
The written reports' own drafting (signer, contact) is counted apart: the reports' own work counts it. The tanker night
must take at most 120 actions, and no field is typed that the record already holds (each fill is checked: the field
was empty or held something else)."""
import pytest
from playwright.sync_api import expect

from emergency.core.clock import FixedClock
from emergency.services import roster
from emergency.services.users import add_user
from emergency.store import open_store

from ..conftest import PASSWORD
from .fixtures import ARTIFACTS, shot

pytestmark = pytest.mark.e2e

DAY_OFFICER = "值班员孙七"
ROSTER = [roster.COLUMNS,
          ["海门区政府总值班室", "2026-11-21", "夜班", "17:30", "08:30", "值班员张三", "10000020004", "指挥李四", "10000030001"],
          ["海门区政府总值班室", "2026-11-22", "白班", "08:30", "17:30", DAY_OFFICER, "10000020005", "指挥李四", "10000030001"]]
TANKER_BUDGET = 120
REPORT_BUDGET = 5


class Acts:
    """One person's actions, counted as the done-when counts them."""

    def __init__(self):
        self.count, self.drafting, self.log = 0, 0, []

    def _one(self, what: str, drafting: bool = False) -> None:
        if drafting:
            self.drafting += 1
        else:
            self.count += 1
        self.log.append(what)

    def login(self, page, base: str, user: str) -> None:
        page.goto(base + "/login")
        self.fill(page.locator("#name"), user)
        self.fill(page.locator("#password"), PASSWORD)
        self.click(page.locator("#login"))
        page.wait_for_selector("#whoami")

    def go(self, page, url: str) -> None:
        """Back to a record from wherever the officer is: one click (a link on the board or the linked card)."""
        page.goto(url)
        self._one("go")

    def click(self, locator, what: str = "click") -> None:
        locator.click()
        self._one(what)

    def confirm(self, page, locator) -> None:
        """A click that asks first (结案, 应急终止): the click and the dialog's OK."""
        page.once("dialog", lambda d: d.accept())
        locator.click()
        self._one("click")
        self._one("confirm")

    def fill(self, locator, value: str, drafting: bool = False) -> None:
        held = locator.input_value()
        assert held != value, f"typed what the page already held: {value!r}"
        locator.fill(value)
        self._one(f"fill {value}", drafting)

    def choose(self, locator, value: str) -> None:
        locator.select_option(value)
        self._one(f"choose {value}")

    def tick(self, locator) -> None:
        locator.check()
        self._one("tick")


@pytest.fixture
def clock():
    return FixedClock("2026-11-22T02:40:00+08:00")


def _setup(server, clock):
    store = open_store(server.app.config["DATABASE"])
    add_user(store, DAY_OFFICER, "duty_officer", PASSWORD, clock)
    roster.replace(store, roster.check(ROSTER, store.plans), "管理员", "2026-11-20T09:00:00+08:00")
    store.close()


def _intake(acts, page_factory, server, reference: str, place: str, description: str):
    """The duty officer signs in and begins a 110 intake: its number, where, and what the caller said."""
    page = page_factory(None)
    acts.login(page, server.url, "值班员张三")
    acts.click(page.locator("a.new-report"))
    acts.fill(page.locator("#reference"), reference)
    acts.fill(page.locator("#place"), place)
    acts.fill(page.locator("#description"), description)
    return page


def _call(acts, page, notification: str, reached: str) -> None:
    """Record the acknowledging call to each recipient still waiting on one of our items (the form picks the next)."""
    item = page.locator(f"#call-{notification}")
    while True:
        item = page.locator(f"#call-{notification}")
        if "acknowledged" in (item.get_attribute("class") or ""):
            return
        if not item.evaluate("d => d.open"):
            acts.click(item.locator("summary").first)
        form = item.locator("form.call-form")
        if form.locator("input[name=received_by]").count():
            acts.choose(form.locator("select[name=outcome]"), "connected")
            acts.fill(form.locator("input[name=reached]"), reached)
        else:
            acts.choose(form.locator("select[name=outcome]"), "connected")
            acts.fill(form.locator("input[name=reached]"), reached)
        acts.click(form.locator("button.record-call"))
        expect(page.locator(".flash.ok").first).to_be_visible()


def _account_all(acts, page) -> None:
    """What 110, the scene and the bureau owe, known from 110's transfer, accounted for together."""
    acts.click(page.locator("#account-all summary"))
    form = page.locator("form.account-all-form")
    acts.choose(form.locator("select[name=via]"), "平台")
    acts.fill(form.locator("input[name=source]"), "110指挥中心")
    acts.click(form.locator("button"))
    expect(page.locator(".flash.ok").first).to_contain_text("项")


def _issue(acts, page, kind: str) -> None:
    """起草 to 签发 of one report, its drafting counted too: at most REPORT_BUDGET actions when the record holds what
    the report needs (the 主送 from the office's own items, the 签发人 and 联系人 remembered for the office)."""
    before = acts.count + acts.drafting
    acts.click(page.locator(".report-offers li", has_text=kind).locator("a").first)
    if not page.locator("[name=addressee]").input_value():   # no written item of the office's own: it says whom
        acts.fill(page.locator("[name=addressee]"), "海门区政府", drafting=True)
    if not page.locator("input[name=signer]").input_value():
        acts.fill(page.locator("input[name=signer]"), "王某某", drafting=True)
    if not page.locator("input[name=contact]").input_value():
        acts.fill(page.locator("input[name=contact]"), "李某 0513-00000000", drafting=True)
    acts.click(page.locator("#preview-report"))
    expect(page.locator("#preview-bar")).to_be_visible()
    acts.click(page.locator("#issue-report"))
    expect(page.locator(".flash.ok")).to_contain_text("已签发")
    took = acts.count + acts.drafting - before
    print(kind, took, "actions from 起草 to 签发")
    assert took <= REPORT_BUDGET, acts.log[-took:]


def test_the_tanker_night_takes_at_most_120_actions_and_types_nothing_twice(page_factory, server, clock):
    _setup(server, clock)
    acts = Acts()
    # 02:40 — the 110 transfer, typed once: where, what, the caller's figures and 110's own receipt time
    night = _intake(acts, page_factory, server, "20261122000240", "海门港新区",
                    "液氯槽罐车侧翻泄漏，2人死亡，12人中毒，正在疏散周边约300人")
    acts.fill(night.locator("#unit_received_at"), "2026-11-22T02:36")
    matter = night.locator("#matter-list option").filter(has_text="").evaluate_all(
        "os => os.map(o => o.value).filter(v => v.startsWith('危化品重大泄露'))")[0]
    acts.fill(night.locator("#matter"), matter)
    acts.fill(night.locator("#fact-deaths"), "2")
    acts.fill(night.locator("#fact-poisoned"), "12")
    acts.fill(night.locator("#fact-evacuated"), "300")
    night.locator("#intake-form").screenshot(path=str(ARTIFACTS / "counted-night-intake-form.png"))
    acts.click(night.locator("#record-intake"))
    acts.click(night.locator("article[data-plan=hazardous_chemicals] a.button"))
    expect(night.locator("#title")).to_have_value("海门港新区危化品重大泄露")
    acts.click(night.locator("#record"))
    expect(night.locator(".flash.ok")).to_contain_text("事件已登记")
    tanker_url = night.url.split("#")[0]
    # the same event under environment: carried over, recorded with one click more
    acts.click(night.locator(".link-other a", has_text="环境"))
    acts.click(night.locator("#record"))
    expect(night.locator(".flash.ok")).to_contain_text("事件已登记")
    spill_url = night.url.split("#")[0]
    acts.click(night.locator("section.linked article h3 a", has_text="危险化学品"))
    shot(night, "counted-night-tanker-recorded")
    # 02:45 — the duty room's own call (2.2.3(1): 区委、区政府), and what 110, the scene and the bureau owe, known from
    # 110's transfer, accounted for together
    clock.advance(minutes=5)
    night.reload()
    _call(acts, night, "office-to-leaders", "值班秘书刘某")
    _account_all(acts, night)
    # 03:00 — the 首报
    clock.advance(minutes=15)
    _issue(acts, night, "首报")
    acts.go(night, spill_url)
    _account_all(acts, night)
    _issue(acts, night, "首报")
    # 03:05 — the commander activates both records at IV, as the facts then call for
    clock.advance(minutes=5)
    boss = page_factory(None)
    acts.login(boss, server.url, "指挥李四")
    acts.click(boss.locator("table.board tr", has_text="危险化学品").locator("a", has_text="海门港新区危化品重大泄露"))
    _activate(acts, boss, "activate", "区长")              # 2 deaths: hazardous chemicals 1.4(4), IV
    acts.click(boss.locator("section.linked article h3 a", has_text="环境"))
    _activate(acts, boss, "request_higher_response")       # 12 poisoned: environment 较大 (III), 报请省、市
    # 04:12 — new facts learned at 04:10, typed once on the chemicals record; the environment record takes them
    clock.advance(minutes=67)
    acts.go(night, tanker_url)
    acts.click(night.locator("details.facts-update summary"))
    facts = night.locator("form.facts-form")
    acts.fill(facts.locator("input[name=deaths]"), "4")
    acts.fill(facts.locator("input[name=done_at]"), "2026-11-22T04:10")
    acts.click(facts.locator("button"))
    expect(night.locator(".flash.ok", has_text="同步更新事实")).to_be_visible()
    # 04:20 — the commander raises both to III with the clause the page offers (one click each)
    clock.advance(minutes=8)
    acts.go(boss, tanker_url)
    acts.click(boss.locator("#classification form.inline button, form.inline button", has_text="调整为该级别").first)
    expect(boss.locator("#level")).to_contain_text("III")
    acts.click(boss.locator("section.linked article h3 a", has_text="环境"))   # took the 04:10 facts, still III
    expect(boss.locator("#facts, .facts, main").first).to_contain_text("4")
    # 04:30 — a task to the 区应急管理局
    clock.advance(minutes=10)
    acts.click(boss.locator("section.linked article h3 a", has_text="危险化学品"))
    acts.click(boss.locator("details.assign summary"))
    assign = boss.locator("form.assign-form")
    duty = assign.locator("select[name=duty]")
    bureau = duty.locator("option[data-unit='区应急管理局']").first.get_attribute("value")
    if duty.input_value() != bureau:
        acts.choose(duty, bureau)
    acts.fill(assign.locator("input[name=due]"), "2026-11-22T07:00")
    acts.click(assign.locator("button"))
    expect(boss.locator("#task-list tr#task-t1")).to_contain_text("区应急管理局")
    # 08:25 — the night hands over; 08:35 the day officer signs for it
    clock.advance(hours=3, minutes=55)
    acts.click(night.locator("nav a", has_text="值班日志"))
    acts.click(night.locator("#go-handover"))
    expect(night.locator("#handover-incidents")).to_contain_text("海门港新区危化品重大泄露")
    acts.click(night.locator("#sign-out"))
    expect(night.locator("#awaiting-incoming")).to_be_visible()
    clock.advance(minutes=10)
    day = page_factory(None)
    acts.login(day, server.url, DAY_OFFICER)
    acts.click(day.locator("#handover-flag a"))
    acts.click(day.locator("#sign-in"))
    expect(day.locator("#signed-in")).to_contain_text(DAY_OFFICER)
    # 10:00 — the scene is controlled: both records terminated, their tasks handed over, 终报 issued, and closed
    clock.advance(minutes=85)
    acts.go(boss, tanker_url)
    _close_record(acts, boss, conditions=3)
    acts.click(boss.locator("section.linked article h3 a", has_text="环境"))
    _close_record(acts, boss, conditions=1)
    print("tanker night", acts.count, "actions;", acts.drafting, "in the reports' drafting")
    assert acts.count <= TANKER_BUDGET, acts.log


def _activate(acts, page, trigger: str, approver: str | None = None) -> None:
    form = page.locator(f"form.action[data-trigger={trigger}]")
    if form.locator("input[name=approved_by]").count():
        acts.fill(form.locator("input[name=approved_by]"), approver)
    acts.click(form.locator("button"))
    _done(page)


def _done(page) -> None:
    """The step was taken: the page says 已执行 (a refusal is shown in full)."""
    refused = page.locator(".flash.error")
    assert not refused.count(), refused.all_inner_texts()
    expect(page.locator(".flash.ok").first).to_contain_text("已执行")


def _close_record(acts, page, conditions: int) -> None:
    """Termination's conditions ticked together, 终止, post-incident tasks handed over as one table, 终报, 结案."""
    form = page.locator("form.action[data-trigger=confirm_condition]")
    boxes = form.locator("input[name=condition]")
    for n in range(conditions):
        acts.tick(boxes.nth(n))
    acts.click(form.locator("button"))
    _done(page)
    end = page.locator("form.action[data-trigger=terminate]")
    acts.fill(end.locator("input[name=declared_by]"), "海门区政府")
    if end.locator("input[name=approved_by]").count():
        acts.fill(end.locator("input[name=approved_by]"), "区长")
    acts.confirm(page, end.locator("button"))
    _done(page)
    acts.click(page.locator("form.action[data-trigger=start_post_incident] button"))
    table = page.locator("#hand-over-table")
    table.screenshot(path=str(ARTIFACTS / f"counted-night-hand-over-{conditions}.png"))
    acts.fill(table.locator("input[name=due_all]"), "2027-01-31T17:00")
    acts.click(table.locator("button"))
    expect(page.locator(".flash.ok")).to_contain_text("项")
    shot(page, "counted-night-handed-over")
    _issue(acts, page, "终报")
    closing = page.locator("form.action[data-trigger=close]")
    closing.screenshot(path=str(ARTIFACTS / f"counted-night-before-closing-{conditions}.png"))
    assert not closing.locator(".blocked").count(), closing.locator(".blocked").inner_text()
    acts.confirm(page, closing.locator("button"))
    expect(page.locator("#state")).to_contain_text("结案")


def test_the_labor_blockade_is_found_by_the_callers_word_and_recorded_in_few_actions(page_factory, server, clock):
    """05:20 a 110 transfer: about 40 workers demanding unpaid wages block the road at a site gate. 讨薪 finds 劳资纠纷
    (it found only 讨薪跳楼); the title is place and matter; 2.3(5) "拦截车辆、围堵交通等扰乱交通秩序的" grades it 重大 (II),
    handled by the 市政府办公室 with the bureau (5.1): one click for the commander."""
    _setup(server, clock)
    clock.advance(hours=2, minutes=40)
    acts = Acts()
    night = _intake(acts, page_factory, server, "20261122000520", "海门港新区某工地门口",
                    "约40名工人讨要拖欠的3个月工资，堵住工地门口道路")
    found = night.locator("#matter-list option").evaluate_all(
        "os => os.filter(o => (o.value + o.label).includes('讨薪')).map(o => o.value)")
    labor = next(v for v in found if v.startswith("劳资纠纷"))
    acts.fill(night.locator("#matter"), labor)
    acts.click(night.locator("#record-intake"))
    acts.click(night.locator("article[data-plan=labor_dispute] a.button"))
    expect(night.locator("#title")).to_have_value("海门港新区某工地门口劳资纠纷")
    acts.choose(night.locator("select[name=traffic_blocking]"), "local")
    expect(night.locator("#result-level")).to_contain_text("II级")
    acts.click(night.locator("#record"))
    expect(night.locator(".flash.ok")).to_contain_text("事件已登记")
    boss = page_factory(None)
    acts.login(boss, server.url, "指挥李四")
    acts.click(boss.locator("table.board a", has_text="海门港新区某工地门口劳资纠纷"))
    _activate(acts, boss, "handle_locally")
    expect(boss.locator("#level")).to_contain_text("II级")
    shot(boss, "counted-night-labor")
    print("labor blockade", acts.count, "actions")
    assert acts.count <= 20, acts.log
