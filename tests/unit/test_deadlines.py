"""Deadline arithmetic for every reporting rule, at the exact minute.

The event happens at 08:00 and the report is received at 08:20 (Asia/Shanghai), so a rule
counted from the wrong moment is off by 20 minutes. Expected times are worked out by hand
from the plan texts.
"""
import pytest

from emergency.response.checklist import checklist
from emergency.response.deadlines import notifications
from tests.library import PLANS, status_views
from emergency.core.clock import parse_time
from emergency.core.errors import InputError
from emergency.core.incident import Mark, Snapshot

OCC, REC = "2026-11-22T08:00", "2026-11-22T08:20"


def due_by_id(plan_id, level, hot_topic=False, occ=OCC, rec=REC):
    return {n["id"]: n for n in (item.view() for item in notifications(PLANS.plan(plan_id), level, occ, rec, hot_topic))}


@pytest.mark.parametrize("level, rule, due, channel", [
    # 四(一)1 一般: 事发后2小时内书面
    ("IV", "IV-written", "2026-11-22T10:00:00+08:00", "written"),
    ("IV", "bureau-IV-written", "2026-11-22T10:00:00+08:00", "written"),
    # 较大: 事发后30分钟内电话、1小时内书面
    ("III", "III-phone", "2026-11-22T08:30:00+08:00", "phone"),
    ("III", "III-written", "2026-11-22T09:00:00+08:00", "written"),
    ("III", "bureau-III-phone", "2026-11-22T08:30:00+08:00", "phone"),
    ("III", "bureau-III-written", "2026-11-22T09:00:00+08:00", "written"),
    # 重大、特别重大: 接报后10分钟内电话、30分钟内书面
    ("II", "I-II-phone", "2026-11-22T08:30:00+08:00", "phone"),
    ("II", "I-II-written", "2026-11-22T08:50:00+08:00", "written"),
    ("I", "I-II-phone", "2026-11-22T08:30:00+08:00", "phone"),
    ("I", "bureau-I-II-written", "2026-11-22T08:50:00+08:00", "written"),
    # 第一时间电话报告 (at receipt), 立即报告 by the unit (at occurrence)
    ("IV", "first-phone", "2026-11-22T08:20:00+08:00", "phone"),
    ("IV", "discoverer", "2026-11-22T08:00:00+08:00", "any"),
    # 四(六) 24小时内新闻发布会 (I, II); 48小时内回应 (others)
    ("I", "press-I-II", "2026-11-23T08:20:00+08:00", "any"),
    ("III", "press-III-IV", "2026-11-24T08:20:00+08:00", "any"),
])
def test_environment_deadlines(level, rule, due, channel):
    items = due_by_id("environment", level)
    assert items[rule]["due"] == due
    assert items[rule]["channel"] == channel


def test_environment_level_iii_has_no_level_iv_or_i_ii_limits():
    items = due_by_id("environment", "III")
    assert "IV-written" not in items and "I-II-phone" not in items
    assert "press-I-II" not in items


def test_environment_items_without_a_time_limit_have_no_due_time():
    items = due_by_id("environment", "IV")
    assert items["IV-filing"]["due"] is None
    assert items["other-districts"]["due"] is None
    assert items["other-districts"]["condition"] == "事件将影响到市内其他区"


@pytest.mark.parametrize("level, rule, due, latest, immediate", [
    ("IV", "site-to-head", "2026-11-22T08:00:00+08:00", None, True),
    ("IV", "head-to-authority", "2026-11-22T09:20:00+08:00", None, False),  # 接报后1小时内
    ("IV", "head-to-110", "2026-11-22T08:00:00+08:00", None, True),
    ("IV", "110-to-city", "2026-11-22T08:20:00+08:00", "2026-11-22T10:20:00+08:00", True),  # 每级不超过2小时
    ("IV", "warning-IV", "2026-11-22T08:20:00+08:00", None, True),
    ("II", "major-phone", "2026-11-22T08:15:00+08:00", None, False),     # 15分钟内电话
    ("II", "major-written", "2026-11-22T08:30:00+08:00", None, False),   # 30分钟内书面
    ("I", "major-phone", "2026-11-22T08:15:00+08:00", None, False),
    ("III", "city-to-nantong", "2026-11-22T08:20:00+08:00", "2026-11-22T10:20:00+08:00", True),
])
def test_work_safety_deadlines(level, rule, due, latest, immediate):
    item = due_by_id("work_safety", level)[rule]
    assert (item["due"], item["latest"], item["immediate"]) == (due, latest, immediate)


def test_work_safety_level_iv_goes_no_further_than_the_city():
    items = due_by_id("work_safety", "IV")
    assert "city-to-nantong" not in items and "major-phone" not in items
    assert "city-to-nantong" in due_by_id("work_safety", "III")
    assert "major-phone" not in due_by_id("work_safety", "III")


@pytest.mark.parametrize("rule, due", [
    ("site-to-110", "2026-11-22T08:00:00+08:00"),
    ("head-to-government", "2026-11-22T08:00:00+08:00"),
    ("government-to-office", "2026-11-22T08:20:00+08:00"),
    ("110-to-office", "2026-11-22T08:20:00+08:00"),
    ("police-circulation", "2026-11-22T08:20:00+08:00"),
    ("coordination-to-nantong", None),
    ("support-request-government", None),
    ("supplementary", None),
])
def test_hazardous_chemicals_deadlines_are_all_at_once(rule, due):
    item = due_by_id("hazardous_chemicals", "IV")[rule]
    assert item["due"] == due
    if due:
        assert item["immediate"] is True


def test_hazardous_chemicals_police_pass_alarms_to_five_bodies_with_todays_names():
    item = due_by_id("hazardous_chemicals", "III")["police-circulation"]
    assert item["to"] == ["海门区政府办公室（原文：市政府办公室）", "区应急管理局（原文：市应急办）",
                          "区应急管理局（原文：市安监局）", "区交通运输局（原文：交通局）", "海门生态环境局（原文：环保局）"]


def test_labor_dispute_dated_reports_only_for_especially_major():
    items = due_by_id("labor_dispute", "I")
    assert items["major-to-city"]["due"] == "2026-11-22T08:20:00+08:00"
    assert items["major-to-nantong-hr"]["to"] == ["南通市人力资源和社会保障局"]
    # IV and III: 5.1 会同市人社局 — the bureau is brought in, with no time limit in the text
    assert {k: v["due"] for k, v in due_by_id("labor_dispute", "IV").items()} == {"township-with-hr": None}


def test_times_with_another_offset_are_shown_in_shanghai_time_and_cross_midnight():
    items = due_by_id("environment", "IV", occ="2026-11-22T15:30:00Z", rec="2026-11-22T15:45:00Z")
    assert items["IV-written"]["due"] == "2026-11-23T01:30:00+08:00"


def test_checklist_onsite_command_by_cause():
    cl = checklist(PLANS.plan("environment"), "IV", OCC, REC, cause="traffic_accident")
    assert cl["onsite_command"]["clause"] == "二(三)(3)"
    assert cl["onsite_command"]["leads"] == ["区交通运输局（原文：交通运输局）", "海门区公安局（原文：公安局）", "海门生态环境局"]


def test_checklist_hazardous_chemicals_has_precautions_and_protective_equipment():
    cl = checklist(PLANS.plan("hazardous_chemicals"), "II", OCC, REC)
    assert [p["clause"] for p in cl["precautions"]][:2] == ["3.5(1)", "3.5(2)"]
    assert any("正压自给式防毒面具" in p["text"] for p in cl["precautions"])
    assert cl["protective_equipment"][1]["equipment"] == ["密闭型防毒面罩", "防酸碱型防护服", "空气呼吸器"]
    assert len(cl["groups"]) == 9


def _snap(**kw):
    base = dict(id="x", plan="environment", state="activated", level="III", occurred_at="2026-11-22T08:00:00+08:00",
                reported_at="2026-11-22T08:20:00+08:00", created_at="x", updated_at="x")
    return Snapshot(**{**base, **kw})


@pytest.mark.parametrize("now, status, extra", [
    ("2026-11-22T08:29:00", "pending", ("minutes_left", 1)),
    ("2026-11-22T08:30:00", "pending", ("minutes_left", 0)),
    ("2026-11-22T08:30:01", "overdue", ("overdue_minutes", 1)),
    ("2026-11-22T08:45:00", "overdue", ("overdue_minutes", 15)),
])
def test_status_of_a_phone_report_due_0830(now, status, extra):
    item = next(i for i in status_views(_snap(), parse_time(now, "now")) if i["id"] == "III-phone")
    assert item["status"] == status
    assert item[extra[0]] == extra[1]


@pytest.mark.parametrize("done_at, late", [("2026-11-22T08:30:00", 0), ("2026-11-22T08:31:00", 1),
                                           ("2026-11-22T08:12:00", -18)])
def test_a_ticked_report_says_how_late_it_was(done_at, late):
    snap = _snap(notifications={"III-phone": Mark(by="值班员", at=parse_time(done_at, "t").isoformat())})
    item = next(i for i in status_views(snap, parse_time("2026-11-22T12:00", "now")) if i["id"] == "III-phone")
    assert item["status"] == "done"
    assert item["late_minutes"] == late


def test_an_immediate_item_records_how_long_it_took():
    snap = _snap(notifications={"first-phone": Mark(by="值班员", at="2026-11-22T08:27:00+08:00")})
    item = next(i for i in status_views(snap, parse_time("2026-11-22T09:00", "now")) if i["id"] == "first-phone")
    assert item["took_minutes"] == 7


@pytest.mark.parametrize("now, status, minutes", [
    ("2026-11-22T08:20:00", "immediate", None),      # the moment it counts from: due now
    ("2026-11-22T08:20:01", "overdue", 1),           # a second later and unticked: overdue
    ("2026-11-22T08:28:00", "overdue", 8),
])
def test_an_unticked_immediate_item_is_overdue_from_its_moment(now, status, minutes):
    item = next(i for i in status_views(_snap(), parse_time(now, "now")) if i["id"] == "first-phone")
    assert item["immediate"] and item["due"] == "2026-11-22T08:20:00+08:00"
    assert item["status"] == status
    assert item.get("overdue_minutes") == minutes


def test_overdue_immediate_items_rank_first():
    items = status_views(_snap(), parse_time("2026-11-22T08:45:00", "now"))
    statuses = [(i["status"], i["immediate"]) for i in items]
    first_timed = next(k for k, (st, imm) in enumerate(statuses) if not (st == "overdue" and imm))
    assert all(st == "overdue" and imm for st, imm in statuses[:first_timed]) and first_timed >= 1
    assert statuses[first_timed][0] == "overdue"  # then the 08:30 phone report, overdue too


# ---- found by mutation testing (mutmut over deadlines.py)

def test_a_plain_checklist_item_is_exactly_the_rule_dated_and_named_as_today():
    """Work safety 5.1: the unit head's hour, counted from 接报 (the fourth reading: the head's own, here unknown, so
    the incident's); 市安监局 shown as 区应急管理局 with the
    plan's name beside it; no status on a checklist that belongs to no incident."""
    item = due_by_id("work_safety", "IV")["head-to-authority"]
    rule = next(r for r in PLANS.plan("work_safety").reporting.rules if r.id == "head-to-authority")
    assert item == {
        "id": "head-to-authority", "from": "单位负责人",
        "to": ["区应急管理局（原文：市安监局）", "负有安全生产监管职责的有关部门"],
        "recipients": [{"plan_name": "市安监局", "current": "区应急管理局", "display": "区应急管理局（原文：市安监局）"},
                       {"plan_name": "负有安全生产监管职责的有关部门", "current": None,
                        "display": "负有安全生产监管职责的有关部门"}],
        "channel": "any", "channel_name": "不限方式", "immediate": False, "within_minutes": 60,
        "due": "2026-11-22T09:20:00+08:00", "latest": None, "counted_from": "receipt",
        "counted_from_name": "接报时间", "counted_from_time": "2026-11-22T08:20:00+08:00", "condition": None,
        "kind": "report", "clause": "5.1", "text": "单位负责人接报后应于1小时内报市级以上安监部门或负有安全生产监管职的有关部门……",
        "decision": rule.decision, "decision_en": rule.decision_en, "text_en": None, "national": None,
        "owners": ["单位负责人"], "any_recipient": True,   # 报…或…: one of them suffices
    }


def test_a_national_rule_says_whose_rule_it_is():
    item = due_by_id("work_safety", "IV")["nat-493-10-city"]
    assert item["national"] == "生产安全事故报告和调查处理条例（国务院令第493号）"
    assert item["due"] == "2026-11-22T10:20:00+08:00"  # 2 hours from receipt (Art. 11)


def test_items_run_by_due_time_and_those_without_one_come_last():
    items = [n.view() for n in notifications(PLANS.plan("work_safety"), "IV", OCC, REC)]
    dues = [n["due"] for n in items]
    dated = [d for d in dues if d is not None]
    assert dues[-1] is None and dues == dated + [None] * (len(dues) - len(dated))  # undated ones (及时, 条件) last
    assert dated == sorted(dated)
    assert [n["id"] for n in items][:2] == ["site-to-head", "head-to-110"]  # same moment: the plan's own order


def test_a_report_received_before_the_event_is_refused_naming_the_field():
    with pytest.raises(InputError) as refused:
        notifications(PLANS.plan("environment"), "III", "2026-11-22T08:00", "2026-11-22T07:59")
    assert refused.value.field == "reported_at" and "接报时间不能早于事发时间" in str(refused.value)
    with pytest.raises(InputError) as bad:
        notifications(PLANS.plan("environment"), "III", "yesterday", REC)
    assert bad.value.field == "occurred_at"
    with pytest.raises(InputError) as bad:
        notifications(PLANS.plan("environment"), "III", OCC, "later")
    assert bad.value.field == "reported_at"
    with pytest.raises(InputError) as bad:
        notifications(PLANS.plan("environment"), "V", OCC, REC)
    assert bad.value.field == "level"
