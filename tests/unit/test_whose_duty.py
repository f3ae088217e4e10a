"""The console speaks for the office that uses it. Items are ours or another party's by the plan's 报告单位
(through ``reference/agencies.yaml``, ``offices``); another party's item is accounted for, never called; an item to
several recipients needs each one; duties done or due survive a level change; post-incident tasks are handed over,
and a task is signed for and reported back, its own unit's or on its behalf."""
from datetime import timedelta

import pytest

from emergency.core.clock import FixedClock, parse_time
from emergency.core.errors import Refused
from emergency.services.incidents import notification_status
from tests.library import PLANS
from tests.refusals import refused

DUTY_ROOM = "海门区政府总值班室"
BUREAU = "区应急管理局"
AT = FixedClock("2026-12-06T02:42:00+08:00").now()


def tanker(level_facts=None):
    """The tanker leak of the issue: a hazardous-chemicals accident at 02:30, 110 called the duty room at 02:40."""
    m = PLANS.lifecycle("hazardous_chemicals")
    snap, _ = m.start("t-1", {"plan": "hazardous_chemicals", "facts": level_facts or {"deaths": 1, "poisoned": 3},
                              "occurred_at": "2026-12-06T02:30", "reported_at": "2026-12-06T02:40"}, "值班员", AT)
    return m, snap


def go(m, snap, trigger, office=DUTY_ROOM, at=AT, **payload):
    snap, _ = m.apply(snap, trigger, payload, "值班员", at, office=office)
    return snap


def items(snap, office=DUTY_ROOM, at=AT):
    return {n.id: n for n in notification_status(snap, at, PLANS, office)}


def test_the_duty_room_owns_the_governments_items_and_the_bureau_the_493_ones():
    _, snap = tanker()
    room, bureau = items(snap), items(snap, BUREAU)
    assert room["office-to-leaders"].ours and not room["site-to-110"].ours and not room["nat-493-10-city"].ours
    assert bureau["nat-493-10-city"].ours and bureau["government-to-office"].ours is False
    assert room["site-to-110"].owners == ["事故现场人员"]
    assert room["110-to-office"].owners == ["110公安指挥中心", "119消防指挥中心"]   # 、 splits the reporters


def test_another_partys_item_is_accounted_for_without_a_call_and_ours_never_is():
    m, snap = tanker()
    assert items(snap)["site-to-110"].status == "overdue"
    snap = go(m, snap, "account_for", notification="site-to-110", how="known", via="来电", source="110公安指挥中心")
    got = items(snap)["site-to-110"]
    assert got.status == "accounted" and snap.calls == [] and "site-to-110" not in snap.notifications
    assert got.receipts[0]["words"].startswith("已获知（来电，110公安指挥中心")
    with pytest.raises(Refused, match="本单位"):
        go(m, snap, "account_for", notification="office-to-leaders", how="reported_by", source="区应急管理局")
    with pytest.raises(Refused, match="本单位"):  # the bureau's own 493 report is the bureau's to make
        go(m, snap, "account_for", office=BUREAU, notification="nat-493-10-city", how="unknown", reason="不清楚")
    with refused("payload.reason"):
        go(m, snap, "account_for", notification="head-to-government", how="unknown")
    with refused("payload.source"):
        go(m, snap, "account_for", notification="head-to-government", how="reported_by")


def test_a_four_recipient_item_needs_four_acknowledgements():
    m, snap = tanker()
    call = {"notification": "nat-493-10-inform", "number": "0513-82100000", "outcome": "connected"}
    with refused("payload.unit"):       # which of the four was called
        go(m, snap, "record_call", office=BUREAU, **call, reached="甲")
    for called, unit in enumerate(["公安机关", "人力资源社会保障行政部门", "工会"], 1):
        snap = go(m, snap, "record_call", office=BUREAU, **call, unit=unit, reached=f"接听人{called}")
        got = items(snap, BUREAU)["nat-493-10-inform"]
        assert got.status != "done" and len(got.left) == 4 - called
    assert items(snap, BUREAU)["nat-493-10-inform"].left == ["海门区人民检察院（原文：人民检察院）"]   # by today's name
    snap = go(m, snap, "record_call", office=BUREAU, **call, unit="人民检察院", reached="丁")
    assert items(snap, BUREAU)["nat-493-10-inform"].status == "done"


def test_one_call_to_the_bureau_reaches_both_bodies_it_acts_for():
    m, snap = tanker()
    snap = go(m, snap, "record_call", notification="government-to-office", unit=BUREAU, number="0513-82100000",
              outcome="connected", reached="周敏")
    assert items(snap)["government-to-office"].status == "done"   # 市应急办 and 市安委办 are both 区应急管理局


def test_a_fax_signed_for_is_a_receipt_in_words_never_a_hand_over():
    m, snap = tanker()
    snap = go(m, snap, "record_call", office=BUREAU, notification="nat-493-10-city", unit="南通市应急管理局",
              number="0513-85000000", outcome="faxed", document="事故快报", received_by="周敏")
    got = items(snap, BUREAU)["nat-493-10-city"]
    assert got.status == "done" and got.receipts[0]["words"] == "传真，签收人周敏"


def environment_iv():
    m = PLANS.lifecycle("environment")
    snap, _ = m.start("e-1", {"plan": "environment", "facts": {"evacuated": 100}, "occurred_at": "2026-12-06T02:30",
                              "reported_at": "2026-12-06T02:40"}, "值班员", AT)
    return m, go(m, snap, "activate", level="IV", approved_by="区长")


def test_a_duty_done_or_due_before_a_level_change_stays_with_its_clock():
    m, snap = environment_iv()
    assert snap.level == "IV"
    # 四(一)1: IV-written “事发后2小时内…书面报告” was due 04:30 (occurred 02:30); bureau-IV-written likewise (四(一)1)
    late = AT + timedelta(hours=3)
    snap = go(m, snap, "record_call", office="海门生态环境局", at=late, notification="bureau-IV-written",
              unit="南通市生态环境局", number="0513-85000000", outcome="faxed", document="首报", received_by="钱七")
    snap = go(m, snap, "change_level", at=late, level="III", reason="疏散人数增加")
    kept = items(snap, "海门生态环境局", late)
    assert kept["bureau-IV-written"].status == "done"            # done: stays, done
    assert kept["IV-written"].status == "overdue"                # due before the change: still owed, its own clock
    assert kept["IV-written"].due == parse_time("2026-12-06T04:30", "due")
    assert "III-written" in kept and snap.kept == {"IV-written": "IV", "bureau-IV-written": "IV"}


def test_a_duty_not_yet_due_at_a_level_change_is_replaced_by_the_new_levels():
    m, snap = environment_iv()
    snap = go(m, snap, "change_level", level="III", reason="疏散人数增加")   # 02:42: nothing of IV was due yet
    assert snap.kept == {} and "IV-written" not in items(snap)


def closing_environment(m, snap):
    snap = go(m, snap, "confirm_condition", condition="controlled")
    snap = go(m, snap, "terminate", declared_by="海门区政府")
    return go(m, snap, "start_post_incident")


def test_the_environment_record_closes_with_its_tasks_handed_over_and_shows_no_countdown():
    m, snap = environment_iv()
    snap = closing_environment(m, snap)
    with pytest.raises(Refused, match="后期处置任务未完成或未移交"):
        go(m, snap, "close")
    for task in PLANS.plan("environment").post_incident:
        snap = go(m, snap, "hand_over_task", task=task.id, unit="海门生态环境局", due="2027-01-31T17:00",
                  note="按五(一)至五(四)办理")
    with pytest.raises(Refused, match="立即报告事项尚未确认"):   # 第一时间 reports: others' — account for them
        go(m, snap, "close")
    for n in items(snap).values():
        if n.immediate and n.status not in ("done", "accounted") and not n.ours and n.counted_from != "condition":
            snap = go(m, snap, "account_for", notification=n.id, how="reported_by", source="海门生态环境局")
    snap = go(m, snap, "close")
    assert snap.state == "closed" and len(snap.open_tasks()) == 7
    after = items(snap, DUTY_ROOM, AT + timedelta(days=2))
    assert all(n.minutes_left is None and n.overdue_minutes is None for n in after.values())
    assert {n.status for n in after.values()} <= {"done", "accounted", "closed"}
    # a task handed over outlives the record: the receiving unit signs for it, reports back and marks it done
    snap = go(m, snap, "sign_task", office="海门生态环境局", task_id="t1")
    snap = go(m, snap, "report_task", office="海门生态环境局", task_id="t1", note="评估方案已制订")
    snap = go(m, snap, "finish_task", office="海门生态环境局", task_id="t1")
    assert snap.tasks[0].status == "done" and len(snap.open_tasks()) == 6
    with pytest.raises(Refused):
        go(m, snap, "add_note", note="结案后不能再记录情况")


def test_a_task_taken_by_phone_on_a_units_behalf_names_who_called():
    m, snap = tanker()
    snap = go(m, snap, "assign_task", duty="group:coordination", unit=BUREAU, due="2026-12-06T06:00")
    assert snap.tasks[0].title and snap.tasks[0].clause
    with refused("payload.contact"):
        go(m, snap, "sign_task", task_id="t1")                    # the duty room records for the bureau: who said so
    snap = go(m, snap, "sign_task", task_id="t1", contact="区应急管理局值班员孙八")
    assert snap.tasks[0].signed.on_behalf and snap.tasks[0].signed.contact == "区应急管理局值班员孙八"
    snap = go(m, snap, "report_task", office=BUREAU, task_id="t1", note="已到场")
    assert not snap.tasks[0].feedback[0].on_behalf
    with refused("payload.duty"):
        go(m, snap, "assign_task", duty="group:nonexistent", unit=BUREAU, due="2026-12-06T06:00")


def test_the_after_action_report_scores_our_items_and_lists_how_others_were_accounted_for():
    """Point 7: a drill of the duty room is scored on the duty room's items; another party's item is listed with how
    it was accounted for — never a missed deadline or a finding of ours."""
    from emergency.services.report import incident_report
    m, snap = tanker()
    snap = go(m, snap, "account_for", notification="site-to-110", how="known", via="来电", source="110公安指挥中心")
    end = AT + timedelta(hours=3)
    rep = incident_report(snap, [], end, PLANS, DUTY_ROOM)
    scored = {d["id"] for d in rep["deadlines"]}
    others = {o["id"]: o for o in rep["others"]}
    assert "office-to-leaders" in scored and not scored & set(others)
    assert others["site-to-110"]["accounted"]
    assert others["site-to-110"]["recipients"][0]["words"].startswith("已获知（来电，110公安指挥中心")
    assert not others["nat-493-10-city"]["accounted"]            # the bureau's report: nothing recorded of it
    # no finding names another party's item: the drill trained the duty room, not 110 or the bureau
    assert not {f.get("notification") for f in rep["findings"]} & set(others)
    # the same record read for the bureau: its 493号 report to 南通市 (2 hours) is its own, missed by the end
    rep = incident_report(snap, [], end, PLANS, BUREAU)
    missed = {f["notification"] for f in rep["findings"] if f["kind"] == "deadline"}
    assert "nat-493-10-city" in missed and "site-to-110" not in {d["id"] for d in rep["deadlines"]}
    # without an office (the CLI's whole-plan view) every item is scored as before
    assert {d["id"] for d in incident_report(snap, [], end, PLANS)["deadlines"]} == scored | set(others)
