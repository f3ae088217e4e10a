"""A night without retyping: what the record holds reaches every page, and the pages say what was done as it was
done (the step's own label, the call sheet in the office's words)."""
import csv
import io
import re

from emergency.core.clock import FixedClock
from emergency.services import incidents as svc
from emergency.store import open_store
from tests.conftest import app_with_users, signed_in

CLOCK = FixedClock("2026-11-22T09:00:00+08:00")


def test_the_page_says_the_step_it_took_from_the_state_it_was_taken_in(tmp_path):
    """Environment 四(五): under the higher command the button is 记录省、市政府宣布应急终止, and so is what the page
    says was done (it flashed 区政府宣布应急终止, the IV transition's label)."""
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    snap = svc.report(store, {"plan": "environment", "title": "河道污染", "facts": {"deaths": 10},
                              "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"}, "值班员张三", CLOCK)
    snap = svc.act(store, snap.id, "request_higher_response", snap.version, {"level": "II"}, "指挥李四", CLOCK)
    snap = svc.act(store, snap.id, "confirm_condition", snap.version, {"condition": "controlled"}, "指挥李四", CLOCK)
    store.close()
    commander = signed_in(app, "指挥李四")
    page = commander.post(f"/incidents/{snap.id}/act", data={"trigger": "terminate", "expected_version": snap.version,
                                                             "declared_by": "南通市政府", "csrf_token": commander.csrf},
                          follow_redirects=True).get_data(as_text=True)
    flashes = re.findall(r'class="flash[^"]*"[^>]*>([^<]*)', page)
    assert "已执行：记录省、市政府宣布应急终止。" in flashes, flashes


def test_an_item_recorded_as_not_known_is_never_shown_as_done(tmp_path):
    """情况不明 is recorded, not accomplished: no green ✓ beside it (only acknowledged or reported items get one)."""
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "储罐泄漏", "facts": {"deaths": 1},
                              "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"}, "值班员张三", CLOCK)
    snap = svc.act(store, snap.id, "account_for", snap.version,
                   {"notification": "site-to-110", "how": "unknown", "reason": "现场人员联系不上"}, "值班员张三", CLOCK,
                   "海门区政府总值班室")
    store.close()
    page = signed_in(app, "值班员张三").get(f"/incidents/{snap.id}").get_data(as_text=True)
    row = page[page.index('data-notification="site-to-110"'):]
    row = row[:row.index("</tr>")]
    assert "情况不明（已记录）" in row and "✓" not in row


def test_activating_below_the_level_the_facts_call_for_asks_for_the_reason_and_keeps_it():
    """Activating at IV while the facts say III (3 deaths, hazardous chemicals 1.4(3)) is a decision someone owns."""
    import pytest
    from emergency.core.errors import InputError
    store = open_store(":memory:")
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "液氯槽罐车侧翻", "facts": {"deaths": 3},
                              "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"}, "值班员张三", CLOCK)
    assert snap.classified_level == "III"
    with pytest.raises(InputError, match="须写明理由") as refused:
        svc.act(store, snap.id, "activate", snap.version, {"level": "IV", "approved_by": "副区长"}, "指挥李四", CLOCK)
    assert refused.value.field == "payload.reason"
    svc.act(store, snap.id, "activate", snap.version, {"level": "III", "approved_by": "副区长"}, "指挥李四", CLOCK)
    other = svc.report(store, {"plan": "hazardous_chemicals", "title": "另一起", "facts": {"deaths": 3},
                               "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"}, "值班员张三", CLOCK)
    other = svc.act(store, other.id, "activate", other.version,
                    {"level": "IV", "approved_by": "副区长", "reason": "死亡人数待核实，先按一般启动"}, "指挥李四", CLOCK)
    assert other.level == "IV"
    assert store.incidents.events(other.id)[-1]["payload"]["reason"] == "死亡人数待核实，先按一般启动"


def test_facts_take_the_time_they_were_learned_in_the_report_and_on_the_timeline(tmp_path):
    """The 04:10 facts typed at 05:29 read 04:10 in the report sent to Nantong (its 已经采取的措施), and 补记 on
    the timeline."""
    from emergency.services import documents
    clock = FixedClock("2026-11-22T02:45:00+08:00")
    app = app_with_users(str(tmp_path / "t.db"), clock, TESTING=True)
    store = open_store(app.config["DATABASE"])
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "液氯槽罐车侧翻", "facts": {"deaths": 2},
                              "occurred_at": "2026-11-22T02:30", "reported_at": "2026-11-22T02:40"}, "值班员张三", clock)
    store.close()
    clock.advance(hours=2, minutes=44)                                    # 05:29
    officer = signed_in(app, "值班员张三")
    form = {"trigger": "update_facts", "expected_version": snap.version, "csrf_token": officer.csrf,
            "deaths": "3", "done_at": "2026-11-22T04:10"}
    officer.post(f"/incidents/{snap.id}/act", data=form)
    store = open_store(app.config["DATABASE"])
    snap = store.incidents.get(snap.id)
    assert snap.facts["deaths"] == 3
    plan = store.plans.plan("hazardous_chemicals")
    d = documents.draft(snap, store.incidents.events(snap.id), plan, "first", clock.now(), store.plans,
                        {"issuer": "海门区人民政府总值班室", "signer": "甲", "contact": "乙 0513-1"})
    text = "\n".join(s.text for s in d.sections)
    assert "11月22日4时10分，经核实" in text and "5时29分，经核实" not in text
    store.close()
    page = officer.get(f"/incidents/{snap.id}").get_data(as_text=True)
    assert "获知于 11-22 04:10，补记" in page
    future = {**form, "expected_version": snap.version, "done_at": "2026-11-22T06:00", "deaths": "4"}
    refused = officer.post(f"/incidents/{snap.id}/act", data=future, follow_redirects=True).get_data(as_text=True)
    assert "不能晚于当前时间" in refused


def test_each_recipient_keeps_its_numbers_and_next_number_until_it_is_acknowledged(tmp_path):
    """Work safety 5.1 to 南通市政府 and 南通市安委会: once the first answered, the item is 已确认 1/2, the second keeps
    its suggested number and is the one the form calls next (the checklist and the call form agree)."""
    from emergency.services import directory
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    directory.load_demo(store, "2026-11-22T08:00:00+08:00")
    snap = svc.report(store, {"plan": "work_safety", "title": "机械厂爆炸", "facts": {"deaths": 3},
                              "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"}, "值班员张三", CLOCK)
    snap = svc.act(store, snap.id, "record_call", snap.version,
                   {"notification": "city-to-nantong", "unit": "南通市政府", "number": "0513-00010049",
                    "outcome": "connected", "reached": "示例值班员049"}, "值班员张三", CLOCK, "海门区政府总值班室")
    store.close()
    page = signed_in(app, "值班员张三").get(f"/incidents/{snap.id}").get_data(as_text=True)
    item = page[page.index('id="call-city-to-nantong"'):]
    item = item[:item.index("</form>")]
    assert "已确认 1/2" in item
    second = item[item.index('data-unit="南通市安委会"'):]
    assert "建议拨打" in second[:second.index("</div>")]
    assert re.search(r'<option value="南通市安委会"[^>]*selected', item)
    assert re.search(r'name="number"[^>]*value="0513-', item)
    # the printed sheet (any table format: .csv here) says so recipient by recipient, as the page does
    sheet = signed_in(app, "值班员张三").get(f"/incidents/{snap.id}/calls.csv").get_data(as_text=True)
    rows = {r[4]: r for r in csv.reader(io.StringIO(sheet.lstrip("\ufeff"))) if len(r) > 7 and r[3] == "5.1"}
    assert rows["南通市政府"][7] == "已确认" and rows["南通市安委会"][7] == ""


def test_an_inject_never_makes_a_participants_step_stale_but_another_officers_change_does():
    """A ×60 drill: the scenario's inject lands while the participant is about to take 开始先期处置 on the version
    they saw; the step is checked again on the new version and taken. Another officer's change still refuses it."""
    import pytest
    from emergency.core.errors import StaleVersion
    store = open_store(":memory:")
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "【演练】储罐泄漏", "facts": {"deaths": 1},
                              "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"}, "值班员张三", CLOCK)
    seen = snap.version
    svc.act(store, snap.id, "update_facts", seen, {"facts": {"poisoned": 5}}, svc.INJECTED_BY, CLOCK)
    after = svc.act(store, snap.id, "start_first_response", seen, {}, "值班员张三", CLOCK)
    assert after.state == "first_response" and after.facts["poisoned"] == 5
    other = svc.report(store, {"plan": "hazardous_chemicals", "title": "储罐泄漏", "facts": {"deaths": 1},
                               "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"}, "值班员张三", CLOCK)
    svc.act(store, other.id, "update_facts", other.version, {"facts": {"deaths": 3}}, "值班员李四", CLOCK)
    with pytest.raises(StaleVersion):
        svc.act(store, other.id, "start_first_response", other.version, {}, "值班员张三", CLOCK)


def test_an_intake_is_typed_once_its_figures_and_title_reach_the_classify_page(tmp_path):
    """The 02:40 transfer: the matter chosen by its words (not A033), the caller's figures typed at intake, and the
    classify page opened from it holds them, with the title made of place and matter."""
    from html import unescape
    from urllib.parse import parse_qs, urlparse
    from emergency.services.intake import matter_text
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    officer = signed_in(app, "值班员张三")
    matter = matter_text(open_store(app.config["DATABASE"]).plans.routing.matter("A033"))
    page = officer.get("/intake").get_data(as_text=True)
    assert f'<option value="{matter}"' in page and 'value="A033"' not in page
    response = officer.post("/intake", data={
        "csrf_token": officer.csrf, "source": "110", "reference": "20261122000240", "received_at": "2026-11-22T02:40",
        "unit_received_at": "2026-11-22T02:36", "place": "海门港新区", "matter": matter,
        "description": "液氯槽罐车侧翻，2人死亡，12人中毒，正在疏散约300人", "fact-deaths": "2", "fact-poisoned": "12",
        "fact-evacuated": "300"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    view = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "110接报时间 <strong>2026-11-22 02:36</strong>" in view
    link = unescape(re.search(r'href="(/classify/hazardous_chemicals[^"]+)"', view).group(1))
    query = parse_qs(urlparse(link).query)
    assert query["title"] == ["海门港新区危化品重大泄露"]
    classify = officer.get(link).get_data(as_text=True)
    for name, value in (("deaths", "2"), ("poisoned", "12"), ("evacuated", "300")):
        assert re.search(rf'name="{name}"[^>]*value="{value}"', classify), name
    assert 'value="海门港新区危化品重大泄露"' in classify


def test_facts_entered_on_one_record_of_an_event_reach_its_other_record(tmp_path):
    """The tanker under hazardous chemicals and environment: the 04:10 facts typed once on the chemicals record reach
    the environment record at the same 获知时间, re-classified under its own plan, its level change offered, not made."""
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    tanker = svc.report(store, {"plan": "hazardous_chemicals", "title": "液氯槽罐车侧翻", "facts": {"deaths": 2},
                                "occurred_at": "2026-11-22T02:35", "reported_at": "2026-11-22T02:40"}, "值班员张三", CLOCK)
    spill = svc.report(store, {"plan": "environment", "title": "液氯槽罐车侧翻", "facts": {"deaths": 2, "evacuated": 300},
                               "occurred_at": "2026-11-22T02:35", "reported_at": "2026-11-22T02:40",
                               "event_group": tanker.id}, "值班员张三", CLOCK)
    spill = svc.act(store, spill.id, "activate", spill.version, {"level": "IV", "approved_by": "副区长"}, "指挥李四", CLOCK)
    store.close()
    officer = signed_in(app, "值班员张三")
    page = officer.post(f"/incidents/{tanker.id}/act", data={
        "trigger": "update_facts", "expected_version": tanker.version, "csrf_token": officer.csrf,
        "deaths": "4", "poisoned": "12", "done_at": "2026-11-22T04:10"}, follow_redirects=True).get_data(as_text=True)
    store = open_store(app.config["DATABASE"])
    other = store.incidents.get(spill.id)
    assert other.facts["deaths"] == 4 and other.facts["evacuated"] == 300   # what only environment grades by stays
    assert other.level == "IV" and other.classified_level == "III"          # offered, never changed behind its back
    last = store.incidents.events(spill.id)[-1]
    assert (last["trigger"], last["actor"], last["payload"]["done_at"][:16]) == ("update_facts", "值班员张三",
                                                                                 "2026-11-22T04:10")
    flashes = " ".join(re.findall(r'class="flash[^"]*"[^>]*>([^<]*)', page))
    assert "同一事件在突发环境事件预案下的记录已同步更新事实：按该预案事实对应III级" in flashes, flashes
    assert "请在该记录核对是否调整级别" in flashes
    # the commander is offered the change, with the clause, on the environment record itself
    env_page = signed_in(app, "指挥李四").get(f"/incidents/{spill.id}").get_data(as_text=True)
    assert "调整为该级别：III级" in env_page.replace("</button>", "")


def test_one_call_to_nantong_reports_the_event_for_both_of_its_records(tmp_path):
    """A factory explosion recorded under work safety and environment, both at III: the duty room's call to 南通市政府
    (environment 四(一) cross-district-city; work safety 5.1 "应立即向南通市政府和南通市安委会报告") is one call — it is
    recorded on both records, so neither shows the 南通市政府 recipient as still owed. Another recipient (南通市安委会)
    stays owed: only the unit the call reached counts."""
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    blast = svc.report(store, {"plan": "work_safety", "title": "化工厂爆炸", "facts": {"deaths": 4},
                               "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"}, "值班员张三", CLOCK)
    spill = svc.report(store, {"plan": "environment", "title": "化工厂爆炸", "facts": {"deaths": 4},
                               "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40",
                               "event_group": blast.id}, "值班员张三", CLOCK)
    spill = svc.act(store, spill.id, "request_higher_response", spill.version, {"level": "III"}, "指挥李四", CLOCK)
    store.close()
    officer = signed_in(app, "值班员张三")
    page = officer.post(f"/incidents/{spill.id}/calls", data={
        "csrf_token": officer.csrf, "expected_version": spill.version, "notification": "cross-district-city",
        "unit": "南通市政府", "outcome": "connected", "reached": "周敏", "number": "0513-85098000"},
        follow_redirects=True).get_data(as_text=True)
    flashes = " ".join(re.findall(r'class="flash[^"]*"[^>]*>([^<]*)', page))
    assert "同一事件在工矿企业安全生产事故预案下的记录中报南通市政府的事项，已按本次呼叫同时记录。" in flashes, flashes
    store = open_store(app.config["DATABASE"])
    other = store.incidents.get(blast.id)
    assert "南通市政府" in other.receipts["city-to-nantong"] and "南通市安委会" not in other.receipts["city-to-nantong"]
    call = other.calls[-1]
    assert (call.reached, call.notification) == ("周敏", "city-to-nantong")


def test_others_items_are_accounted_for_together_with_one_submit(tmp_path):
    """The tanker's items of 110, the scene and the bureau: the duty room learned of them all from 110's transfer.
    One form records 已获知 for every ticked item (it took three actions per item, one item at a time)."""
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "液氯槽罐车侧翻", "facts": {"deaths": 2},
                              "occurred_at": "2026-11-22T02:35", "reported_at": "2026-11-22T02:40"}, "值班员张三", CLOCK)
    store.close()
    officer = signed_in(app, "值班员张三")
    page = officer.get(f"/incidents/{snap.id}").get_data(as_text=True)
    form = page[page.index('class="account-all-form"'):]
    form = form[:form.index("</form>")]
    offered = re.findall(r'name="notification" value="([^"]+)"( checked)?', form)
    ticked = [n for n, on in offered if on]
    assert "site-to-110" in ticked and "110-to-office" in ticked
    assert "office-to-leaders" not in [n for n, _ in offered]          # our own item is called, never accounted for
    assert "support-request-government" not in ticked                   # a duty whose condition has not arisen
    page = officer.post(f"/incidents/{snap.id}/act", data={
        "trigger": "account_for", "expected_version": snap.version, "csrf_token": officer.csrf, "several": "1",
        "notification": ticked, "how": "known", "via": "平台", "source": "110指挥中心王警官"},
        follow_redirects=True).get_data(as_text=True)
    assert any(f"（{len(ticked)}项）" in f for f in re.findall(r'class="flash[^"]*"[^>]*>([^<]*)', page))
    got = open_store(app.config["DATABASE"]).incidents.get(snap.id).receipts
    assert all(got[n] and all(r.how == "known" and r.source == "110指挥中心王警官" for r in got[n].values())
               for n in ticked)


def test_a_tanker_on_a_road_recorded_under_two_plans_names_the_road_plan_as_lead_on_both(tmp_path):
    """Hazardous chemicals 8.2 "发生道路交通事故涉及危险化学品时，以相应预案为主，本预案为辅": on the linked cards
    of the same event neither of our plans is tagged 主预案; the road-traffic plan (not held here) leads, ours assist."""
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    tanker = svc.report(store, {"plan": "hazardous_chemicals", "title": "液氯槽罐车侧翻",
                                "facts": {"deaths": 2, "accident_setting": "road"},
                                "occurred_at": "2026-11-22T02:35", "reported_at": "2026-11-22T02:40"}, "值班员张三", CLOCK)
    spill = svc.report(store, {"plan": "environment", "title": "液氯槽罐车侧翻", "facts": {"deaths": 2},
                               "occurred_at": "2026-11-22T02:35", "reported_at": "2026-11-22T02:40",
                               "event_group": tanker.id}, "值班员张三", CLOCK)
    store.close()
    officer = signed_in(app, "值班员张三")
    for record in (tanker, spill):
        page = officer.get(f"/incidents/{record.id}").get_data(as_text=True)
        linked = page[page.index('class="linked"'):page.index('id="merged-notifications"')]
        basis = linked[linked.index('id="lead-basis"'):]
        assert "道路交通事故" in basis[:600] and "本服务未收录该预案" in basis[:600], basis[:600]
        cards = linked[:linked.index('id="lead-basis"')]
        assert 'class="lead-tag"' not in cards
