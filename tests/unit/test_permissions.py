"""Who may do what to whose item: the table of actions, and the rules it implies where the plans say nothing — another
office's account never closes an item of its owner's, a task is followed up by its receiver (or its giver, from the
receiver's call), a swap is decided by a commander who is not party to it, a handover is signed by the crews."""
import pytest

from emergency.core.errors import NotFound
from emergency.response.registry import Step, immediate_reports_done
from emergency.services import permissions as p
from emergency.services.permissions import Actor, Forbidden, authorize
from tests.library import PLANS
from tests.unit.test_whose_duty import AT, BUREAU, DUTY_ROOM, go, items, tanker

ENVIRONMENT_BUREAU = "海门生态环境局"


def test_every_action_names_known_roles_and_a_relation_with_its_words():
    for name, action in p.ACTIONS.items():
        assert action.relation in p.RELATIONS, name
        assert action.roles is p.PLAN or action.roles <= p.ALL, name
        assert action.words and not action.words.isascii(), name   # said in Chinese in a refusal


def test_another_offices_account_leaves_the_owners_item_owed():
    """The bureau records 已由他方报告 on the duty room's own item (hazardous chemicals 2.2.3(1), office-to-leaders):
    the bureau sees it accounted for, the duty room still owes it, to every recipient."""
    m, snap = tanker()
    snap = go(m, snap, "account_for", office=BUREAU, notification="office-to-leaders", how="reported_by",
              source="海门区政府总值班室")
    assert items(snap, BUREAU)["office-to-leaders"].status == "accounted"
    room = items(snap, DUTY_ROOM)["office-to-leaders"]
    assert room.status != "accounted" and len(room.left) == 3
    # and the other way round: the duty room's account of the bureau's 493号 Art. 10 item
    snap = go(m, snap, "account_for", notification="nat-493-10-city", how="unknown", reason="未联系上")
    assert items(snap, DUTY_ROOM)["nat-493-10-city"].status == "accounted"
    assert items(snap, BUREAU)["nat-493-10-city"].status == "pending"


def test_the_owners_call_acknowledges_over_another_offices_account():
    m, snap = tanker()
    snap = go(m, snap, "account_for", office=BUREAU, notification="office-to-leaders", how="unknown",
              reason="电话未通")
    for unit in ("区委", "海门区政府", "上级有关部门"):
        snap = go(m, snap, "record_call", notification="office-to-leaders", outcome="connected", reached="周敏",
                  unit=unit)
    assert items(snap, DUTY_ROOM)["office-to-leaders"].status == "done"


def _closing(office):
    """Work safety at IV: the bureau's 立即 item (4.3 warning-IV) accounted for by the duty room alone."""
    m = PLANS.lifecycle("work_safety")
    snap, _ = m.start("w-1", {"plan": "work_safety", "facts": {"deaths": 1}, "occurred_at": "2026-12-06T02:30",
                              "reported_at": "2026-12-06T02:40"}, "值班员", AT)
    snap, _ = m.apply(snap, "account_for", {"notification": "warning-IV", "how": "reported_by",
                                            "source": "区应急管理局"}, "值班员", AT, office=DUTY_ROOM)
    return immediate_reports_done(Step(plan=m.plan, snap=snap, payload={}, actor="x", at="", trigger="close",
                                       office=office))


def test_closing_asks_whose_each_immediate_item_is():
    """结案: the closing office's own 立即 items must be acknowledged; another office's account of them is not enough,
    while for the office that accounted (not the owner) the account is what it owes."""
    assert "4.3" in _closing(BUREAU)            # the bureau's own item, only accounted for by the duty room
    assert "4.3" not in (_closing(DUTY_ROOM) or "")


TASK = dict(plan=PLANS.plan("hazardous_chemicals"), drill=False, trigger="finish_task", unit=BUREAU, giver=DUTY_ROOM)


@pytest.mark.parametrize("office, allowed", [(BUREAU, True), (DUTY_ROOM, True), (ENVIRONMENT_BUREAU, False)])
def test_a_task_is_followed_up_by_its_receiver_or_its_giver_and_nobody_else(office, allowed):
    actor = Actor("某人", "duty_officer", office)
    if allowed:
        authorize(actor, "task.follow_up", p.TaskOf(**TASK))
    else:
        with pytest.raises(Forbidden, match="任务的承办单位或下达、移交该任务的单位"):
            authorize(actor, "task.follow_up", p.TaskOf(**TASK))


def test_a_swap_is_decided_by_a_commander_who_is_no_party_to_it():
    swap = p.Swap(DUTY_ROOM, parties=("指挥李四", "示例值班员甲", "指挥李四"))
    with pytest.raises(Forbidden, match="不是换班当事人"):
        authorize(Actor("指挥李四", "commander", DUTY_ROOM), "swap.decide", swap)
    authorize(Actor("指挥周某", "commander", DUTY_ROOM), "swap.decide", swap)
    with pytest.raises(Forbidden):
        authorize(Actor("值班员张三", "duty_officer", DUTY_ROOM), "swap.decide", swap)
    with pytest.raises(NotFound):                                   # another office's swap is not there for it
        authorize(Actor("指挥王某", "commander", BUREAU), "swap.decide", swap)


def test_a_rostered_shift_is_handed_over_by_its_crew_and_taken_over_by_the_next():
    night = p.Crew(DUTY_ROOM, officers=["示例值班员乙"], leader="示例带班领导乙", rostered=True)
    for name in ("示例值班员乙", "示例带班领导乙"):
        authorize(Actor(name, "duty_officer", DUTY_ROOM), "handover.sign_out", night)
    with pytest.raises(Forbidden, match="该班次的值班员或带班领导"):
        authorize(Actor("示例值班员甲", "duty_officer", DUTY_ROOM), "handover.sign_out", night)
    unrostered = p.Crew(DUTY_ROOM)   # an office without a roster: no crew to check
    authorize(Actor("示例值班员甲", "duty_officer", DUTY_ROOM), "handover.sign_out", unrostered)
    with pytest.raises(Forbidden):
        authorize(Actor("导调王五", "drill_controller", DUTY_ROOM), "handover.sign_out", unrostered)
    authorize(Actor("导调王五", "drill_controller", DUTY_ROOM), "drill.handover", p.Crew(DUTY_ROOM, drill=True))


def test_a_plan_step_is_the_plans_roles_and_a_drill_controller_on_a_drill():
    plan = PLANS.plan("hazardous_chemicals")
    step = p.IncidentStep(plan, False, "add_note")
    authorize(Actor("值班员张三", "duty_officer", DUTY_ROOM), "incident.act", step)
    for role in ("observer", "administrator", "drill_controller"):
        with pytest.raises(Forbidden, match="无权执行“记录情况”"):
            authorize(Actor("某人", role, DUTY_ROOM), "incident.act", step)
    authorize(Actor("导调王五", "drill_controller", DUTY_ROOM), "incident.act", p.IncidentStep(plan, True, "add_note"))

