"""Whose duty each reporting item is. A command or working group of our own plans reports through
the office that houses it or the units that lead it, never as nobody; the environment plan's 区有关部门和单位 are the
departments that head the scene for the recorded cause; every quotation that stops inside a sentence ends with ……;
the national rules are shown as summaries. Each case for a user of the duty room and of the 区应急管理局."""
import re

import pytest

from emergency.core.clock import FixedClock
from emergency.core.errors import Refused
from emergency.response.lint import OUR_COMMAND, SCENE, named_parties
from emergency.services import incidents as svc
from emergency.services.incidents import notification_status
from emergency.store import open_store
from tests.library import PLANS

ROOM, BUREAU, HR, ECO = "海门区政府总值班室", "区应急管理局", "区人社局", "海门生态环境局"
CLOCK = FixedClock("2026-11-22T09:00:00+08:00")
OFFICES = {o.unit for o in PLANS.agencies.offices}


def _ours(snap, office):
    """Item id → whether it is ``office``'s own, as its pages show it."""
    return {n.id: n.ours for n in notification_status(snap, CLOCK.now(), PLANS, office)}


def _record(plan, level=None, **extra):
    store = open_store(":memory:")
    snap = svc.report(store, {"plan": plan, "title": "测试事件", "occurred_at": "2026-11-22T08:30",
                              "reported_at": "2026-11-22T08:40", **extra}, "值班员张三", CLOCK)
    if level:
        snap = svc.act(store, snap.id, "activate", snap.version, {"level": level, "approved_by": "副区长"}, "指挥李四",
                       CLOCK)
    return store, snap


def test_every_reporting_item_of_every_plan_and_level_is_owned_by_an_office_or_a_named_outside_party():
    ag = PLANS.agencies
    named = named_parties(ag)
    seen = 0
    for plan in PLANS.plans.values():
        for level in ("I", "II", "III", "IV"):
            for rule in plan.rules_for(level):
                owners = ag.owners_of(rule.bodies())
                seen += 1
                assert owners, (plan.id, rule.id)
                for body, owner in zip(rule.bodies(), owners, strict=False):
                    if owner in OFFICES:
                        continue
                    # a command or working group of our own plans is never an outside party
                    assert not (OUR_COMMAND.search(body) and not re.search("110|119|^南通|^江苏|^省", body)), \
                        (plan.id, rule.id, body)
                    assert body in named or owner in named or SCENE.search(body) or body.startswith(
                        ("南通", "江苏", "省", "国家", "上级")), (plan.id, rule.id, body)
    assert seen > 150


@pytest.mark.parametrize("office, ours", [(BUREAU, True), (ROOM, False)])
def test_the_hazardous_chemicals_commands_report_to_nantong_is_the_bureaus(office, ours):
    """3.6 "指挥部应立即向南通市政府办公室报告……"; 2.1 "办公地点设在市安监局，由市安监局负责人兼任办公室主任"."""
    _store, snap = _record("hazardous_chemicals", "II", facts={"deaths": 12})
    assert _ours(snap, office)["support-request-government"] is ours


def test_the_bureau_cannot_close_the_commands_report_with_an_account_but_the_duty_room_can():
    store, snap = _record("hazardous_chemicals", "II", facts={"deaths": 12})
    snap = svc.act(store, snap.id, "condition_arose", snap.version, {"notification": "support-request-government"},
                   "指挥李四", CLOCK)
    account = {"notification": "support-request-government", "how": "known", "via": "来电", "source": "区应急管理局"}
    with pytest.raises(Refused, match="本单位"):
        svc.act(store, snap.id, "account_for", snap.version, account, "应急局值班员", CLOCK, BUREAU)
    snap = svc.act(store, snap.id, "account_for", snap.version, account, "值班员张三", CLOCK, ROOM)
    assert "support-request-government" in snap.receipts


@pytest.mark.parametrize("office, ours", [(HR, True), (ROOM, False), (BUREAU, False)])
def test_the_labor_commands_reporting_to_the_party_and_government_is_the_hr_bureaus(office, ours):
    """4.2 "及时向市委、市政府汇报紧急事件的处置和进展情况……"; 4.1 "指挥部下设办公室，设在市人力资源和社会保障局"."""
    _store, snap = _record("labor_dispute", "II", facts={"strike": 150})
    items = _ours(snap, office)
    assert items["command-to-party"] is ours


@pytest.mark.parametrize("cause, bureau", [(None, False), ("pollutant_discharge", False),
                                           ("production_safety", True)])
def test_the_related_departments_of_environment_are_those_heading_the_scene_for_the_cause(cause, bureau):
    """四(一)1 "区有关部门和单位要在事发后2小时内向海门区政府书面报告"; 二(三)(2) "生产安全事故引发的突发环境事件，
    现场应急指挥部由应急管理局、消防救援大队、公安局、海门生态环境局负责。" The 海门生态环境局 owes it always."""
    extra = {"cause": cause} if cause else {}
    _store, snap = _record("environment", "IV", facts={"deaths": 1}, **extra)
    assert _ours(snap, BUREAU)["IV-written"] is bureau
    assert _ours(snap, ECO)["IV-written"] is True
    assert _ours(snap, ROOM)["IV-written"] is False


@pytest.mark.parametrize("office", [ROOM, BUREAU])
def test_every_office_that_reported_owes_the_hazardous_chemicals_supplementary_report(office):
    """3.1 "事故报告后出现新情况的，应当及时补报。": the duty room (2.2.3(1)) and the bureau (3.6) both report."""
    _store, snap = _record("hazardous_chemicals", "IV", facts={"deaths": 1})
    assert _ours(snap, office)["supplementary"] is True


def test_the_news_group_and_the_joint_release_are_owned_by_the_units_that_lead_them():
    ag = PLANS.agencies
    env = next(r for r in PLANS.plan("environment").reporting.rules if r.id == "press-I-II")
    assert {"区委宣传部", ECO, BUREAU} <= set(ag.owners_of(env.bodies()))       # 四(四)2(8) 新闻宣传组's 责任单位
    ws = next(r for r in PLANS.plan("work_safety").reporting.rules if r.id == "press-release")
    assert ag.owners_of(ws.bodies()) == ["区委宣传部", BUREAU]                    # 5.11 市委宣传部会同市应急办、安监局


def test_a_quotation_that_stops_inside_a_sentence_ends_with_an_ellipsis():
    """四(二) "…全力控制事件态势" goes on "，避免污染物向环境扩散…" in the text."""
    states = {s.name: s.text for s in PLANS.plan("environment").lifecycle.states}
    assert any(t.endswith("全力控制事件态势……") for t in states.values())
    rule = next(r for r in PLANS.plan("hazardous_chemicals").reporting.rules if r.id == "support-request-government")
    assert rule.text.endswith("指挥部应立即向南通市政府办公室报告……")


def test_a_national_rule_is_shown_as_a_summary_never_as_the_regulations_words(tmp_path):
    from tests.conftest import app_with_users, signed_in
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    officer = signed_in(app, "值班员张三")
    r = officer.post("/api/incidents", json={"plan": "hazardous_chemicals", "title": "储罐泄漏", "facts": {"deaths": 1},
                                            "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"},
                     headers={"X-CSRFToken": officer.csrf})
    page = officer.get(f"/incidents/{r.json['id']}").get_data(as_text=True)
    summaries = re.findall(r'<details class="clause summary">.*?</details>', page, re.S)
    assert summaries and all("摘要（非条例原文）" in s for s in summaries)
    assert not re.search(r'<blockquote lang="zh-CN">第[一二三四五六七八九十]+条', page)


def test_the_request_to_the_province_and_city_is_the_duty_rooms_until_the_step_is_taken():
    """四(四)1 "初判为特别重大、重大、较大突发环境事件，由区政府报请省政府、市政府启动Ⅰ、Ⅱ、Ⅲ级应急响应。"."""
    store, snap = _record("environment", facts={"deaths": 10})             # 重大 (II) by the facts, not yet started
    items = {n.id: n for n in notification_status(snap, CLOCK.now(), PLANS, ROOM)}
    assert items["request-higher-response"].ours and items["request-higher-response"].status == "open"
    assert _ours(snap, BUREAU)["request-higher-response"] is False
    snap = svc.act(store, snap.id, "request_higher_response", snap.version, {"level": "II"}, "指挥李四", CLOCK, ROOM)
    items = {n.id: n for n in notification_status(snap, CLOCK.now(), PLANS, ROOM)}
    assert items["request-higher-response"].status == "done"
    store4, four = _record("environment", facts={"deaths": 1})             # 一般 (IV): the district starts it itself
    assert "request-higher-response" not in _ours(four, ROOM)


def test_a_major_labor_dispute_is_handled_by_the_government_office_with_the_bureau_not_reported_to_it():
    """5.1 "重大劳资纠纷应急处理由市政府办公室会同市人社局共同处理。": command, not a report to the duty room's body."""
    plan = PLANS.plan("labor_dispute")
    assert not any(r.id == "office-with-hr" for r in plan.rules_for("II"))
    assert any(c.clause == "5.1" and "共同处理" in c.structure for c in plan.command_for("II"))
    assert not any(c.clause == "5.1" for c in plan.command_for("III"))


@pytest.mark.parametrize("facts, level", [({"cross_area": "townships"}, "IV"), ({"cross_area": "sectors"}, "IV"),
                                          ({"cross_area": "none"}, None), ({}, None)])
def test_a_work_safety_accident_across_townships_or_fields_is_the_plans_at_level_iv(facts, level):
    """1.3(2) "……或跨区、镇级行政区、跨市内多个领域（行业和部门）的工矿企业安全生产事故。": a recorded fact."""
    from emergency.response.classify import classify
    assert classify(PLANS.plan("work_safety"), facts)["level"] == level


def test_at_level_iv_the_duty_room_reports_upward_when_the_city_finds_it_necessary():
    """1.4(3) "……必要时，市政府应立即向上级政府报告事故情况。"."""
    _store, snap = _record("work_safety", "IV", facts={"deaths": 1})
    items = {n.id: n for n in notification_status(snap, CLOCK.now(), PLANS, ROOM)}
    assert items["city-to-higher-when-needed"].ours and items["city-to-higher-when-needed"].due is None
    assert _ours(snap, BUREAU)["city-to-higher-when-needed"] is False


@pytest.mark.parametrize("setting, led", [("road", True), ("fixed_site", False), (None, False)])
def test_a_tanker_on_a_road_is_led_by_the_road_traffic_accident_plan_this_plan_assisting(setting, led):
    """8.2 "当发生重大环境污染事故或发生道路交通事故涉及危险化学品时，以相应预案为主，本预案为辅，根据现场情况部分实施。"."""
    facts = {"deaths": 2, "poisoned": 12, **({"accident_setting": setting} if setting else {})}
    store, snap = _record("hazardous_chemicals", facts=facts)
    lead = svc.view(store, snap.id, CLOCK.now(), ROOM)["outside_lead"]
    assert (lead is not None) is led
    if led:
        assert lead["name"] == "道路交通事故应急预案" and lead["clause"] == "8.2"


def test_each_hop_counts_from_its_own_receipt_where_the_text_counts_from_jiebao():
    """5.1 "市政府和市安委办在接到较大、重大、特别重大安全生产事故报告后，应立即向南通市政府和南通市安委会报告。": the
    duty room received it at 08:40 (the record's receipt); the 市安委办 (the bureau) learned of 110's report at 09:15.
    Each office's own clock counts from its own 接报."""
    store, snap = _record("work_safety", facts={"deaths": 3})                  # 较大 (III), received 08:40
    later = FixedClock("2026-11-22T09:15:00+08:00")
    snap = svc.act(store, snap.id, "account_for", snap.version,
                   {"notification": "110-to-city", "how": "known", "via": "来电", "source": "110公安指挥中心",
                    "recipient": "市安委办"}, "应急局值班员", later, BUREAU)
    bureau = {n.id: n for n in notification_status(snap, later.now(), PLANS, BUREAU)}["city-to-nantong"]
    room = {n.id: n for n in notification_status(snap, later.now(), PLANS, ROOM)}["city-to-nantong"]
    assert bureau.due.isoformat() == "2026-11-22T09:15:00+08:00" and bureau.counted_from_unit == BUREAU
    assert room.due.isoformat() == "2026-11-22T08:40:00+08:00" and room.counted_from_unit is None
    assert not room.estimated and not bureau.estimated


@pytest.mark.parametrize("office", [ROOM, BUREAU])
def test_another_partys_receipt_counted_clock_says_it_is_estimated_from_ours(office):
    """5.1 "单位负责人接报后应于1小时内……": the unit head's receipt is unknown, so the hour is estimated from ours."""
    _store, snap = _record("work_safety", "IV", facts={"deaths": 1})
    item = {n.id: n for n in notification_status(snap, CLOCK.now(), PLANS, office)}["head-to-authority"]
    assert item.estimated and item.due.isoformat() == "2026-11-22T09:40:00+08:00"


@pytest.mark.parametrize("plan, level, owner", [("hazardous_chemicals", "III", "南通市政府（事故调查组）"),
                                                ("hazardous_chemicals", "IV", "市安监局牵头"),
                                                ("work_safety", "III", "南通市政府（事故调查组）"),
                                                ("work_safety", "II", "江苏省政府（事故调查组）")])
def test_a_larger_accidents_investigation_is_the_higher_governments(plan, level, owner):
    """493号第十九条: 较大事故 by the 设区的市, 重大 by the province; a 一般 one stays with the plan's owner."""
    from emergency.response.checklist import checklist
    cl = checklist(PLANS.plan(plan), level, "2026-11-22T08:30", "2026-11-22T08:40")
    (task,) = [t for t in cl["post_incident"] if t["id"] == "investigation"]
    assert task["owner"] == owner and (task["owner_basis"] is not None) is (level != "IV")


@pytest.mark.parametrize("plan, facts, days", [("work_safety", {"deaths": 1, "accident_kind": "fire"}, 7),
                                               ("work_safety", {"deaths": 1}, 30),
                                               ("hazardous_chemicals", {"deaths": 1, "accident_setting": "road"}, 7),
                                               ("hazardous_chemicals", {"deaths": 1, "accident_kind": "leak"}, 30)])
def test_the_493_supplement_window_is_seven_days_for_a_fire_or_a_road_accident(plan, facts, days):
    """493号第十三条: 30 days, 7 for road traffic and fire accidents; 9.2 moves only hazmat enterprises' fires."""
    assert PLANS.plan(plan).reporting.documents.supplementary.days_for(facts) == days


def test_informing_the_four_bodies_has_no_clock_of_its_own():
    """493号第十条's 同时通知 is not limited by Art. 11's 2 hours, which limit reporting upward."""
    rule = next(r for r in PLANS.national_rules.rules if r.id == "nat-493-10-inform")
    assert rule.within_minutes is None and not rule.immediate


def test_the_environment_filing_is_the_command_centres_and_labors_nantong_notice_the_bureaus():
    """四(四)2 "……报市环境应急指挥中心办公室备案" (the centre's office is at the 海门生态环境局); labor 5.1 I
    "同时通报南通市人力资源和社会保障局" (4.1 gives it to the 人社局)."""
    ag = PLANS.agencies
    filing = next(r for r in PLANS.plan("environment").reporting.rules if r.id == "IV-filing")
    assert ag.owners_of(filing.bodies()) == [ECO]
    notice = next(r for r in PLANS.plan("labor_dispute").reporting.rules if r.id == "major-to-nantong-hr")
    assert ag.owners_of(notice.bodies()) == [HR]


def test_the_duty_rooms_undated_items_are_listed_and_an_office_rule_takes_one_off():
    """The duty room's main duty in every plan is 及时 (no clock): nothing is invented, the gap is listed; an office
    rule that covers an item (the demo's example, marked 示例) takes it off the list and gives it a clock."""
    from pathlib import Path
    from emergency.response.duties import undated_own_items
    from emergency.response.library import PlanLibrary
    room = {(i["plan"], i["id"]) for i in undated_own_items(PLANS, ROOM)}
    assert ("hazardous_chemicals", "office-to-leaders") in room                   # 2.2.3(1) 及时向市委、市政府……
    assert ("environment", "request-higher-response") in room
    assert ("hazardous_chemicals", "support-request-government") not in room      # the bureau's (3.6, 2.1)
    assert ("hazardous_chemicals", "onsite-to-command") in {(i["plan"], i["id"]) for i in undated_own_items(PLANS, BUREAU)}
    demo = PlanLibrary(PLANS.directory, Path(PLANS.directory) / "demo" / "office_rules.yaml")
    assert ("hazardous_chemicals", "office-to-leaders") not in {(i["plan"], i["id"]) for i in undated_own_items(demo, ROOM)}
    store = open_store(":memory:", plans=demo)
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "储罐泄漏", "facts": {"deaths": 1},
                              "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"}, "值班员张三", CLOCK)
    rule = {n.id: n for n in notification_status(snap, CLOCK.now(), demo, ROOM)}["example-duty-room-written"]
    assert rule.example and "示例" in rule.office and rule.due.isoformat() == "2026-11-22T09:40:00+08:00"


def test_an_example_office_rule_must_say_so():
    from pydantic import ValidationError
    from emergency.plans.model import OfficeRule
    with pytest.raises(ValidationError, match="示例"):
        OfficeRule.model_validate({"id": "x", "authority": "某区信息报送办法", "applies_to": ["environment"],
                                   "clause": "第一条", "text": "……", "from": "海门区政府总值班室", "to": ["区委"],
                                   "channel": "any", "counted_from": "receipt", "example": True})


def test_the_admin_page_lists_them_and_the_home_page_says_so_once(tmp_path):
    from tests.conftest import app_with_users, signed_in
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    home = signed_in(app, "值班员张三").get("/").get_data(as_text=True)
    assert home.count('id="undated-note"') == 1 and "原文未规定时限" in home
    from emergency.services.users import add_user
    store = open_store(app.config["DATABASE"])
    add_user(store, "管理员周九", "administrator", "test-password-不是默认", CLOCK)
    store.close()
    admin = signed_in(app, "管理员周九").get("/admin/").get_data(as_text=True)
    assert 'id="undated"' in admin and 'data-item="office-to-leaders"' in admin and "office_rules.yaml" in admin



def test_a_sentence_joining_its_recipients_with_or_is_done_when_one_acknowledges():
    """Work safety 5.1 "单位负责人接报后应于1小时内报市级以上安监部门或负有安全生产监管职的有关部门": 或 — one
    recipient told is the duty done, and the page says so; an item joined by 和 still waits for each recipient."""
    store, snap = _record("work_safety", "IV", facts={"deaths": 1})
    snap = svc.act(store, snap.id, "record_call", snap.version, {"notification": "head-to-authority", "unit": "市安监局",
                                                                 "outcome": "connected", "reached": "周敏"},
                   "值班员张三", CLOCK, BUREAU)
    items = {n.id: n for n in notification_status(snap, CLOCK.now(), PLANS, BUREAU)}
    assert items["head-to-authority"].any_recipient and items["head-to-authority"].status == "done"
    assert items["head-to-authority"].left == []
    both = next(r for r in PLANS.plan("work_safety").reporting.rules if r.id == "city-to-nantong")
    assert not both.any_recipient and "和" in both.text   # 南通市政府和南通市安委会: each of them


def test_every_item_marked_one_of_several_says_or_in_its_sentence():
    """any_recipient only where the plan's own sentence joins the recipients with 或."""
    for plan in PLANS.plans.values():
        for rule in plan.reporting.rules:
            if rule.any_recipient:
                assert "或" in rule.text and len(rule.to) > 1, (plan.id, rule.id)
