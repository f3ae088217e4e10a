"""Each plan's machine, as its text says: warnings, below-scope closing, local handling,
activation, level changes, termination guards and post-incident tasks."""
import pytest

from emergency.core.clock import FixedClock, parse_time
from emergency.response.diagrams import state_diagram
from emergency.core.errors import InputError, Refused
from emergency.response.lifecycle import QUIET_TRIGGERS, RECORD_TRIGGERS
from tests.library import PLANS, status_views
from tests.refusals import refused

CLOCK = FixedClock("2026-11-22T09:00:00+08:00")


def start(plan, facts=None, **extra):
    m = PLANS.lifecycle(plan)
    snap, event = m.start("t-1", {"plan": plan, "facts": facts or {}, "occurred_at": "2026-11-22T08:00",
                                  "reported_at": "2026-11-22T08:10", **extra}, "值班员", CLOCK.now())
    return m, snap


def go(m, snap, trigger, **payload):
    snap, _ = m.apply(snap, trigger, payload, "指挥", CLOCK.now())
    return snap


@pytest.mark.parametrize("plan_id", PLANS.ids)
def test_machines_use_no_automatic_transitions(plan_id):
    """The transitions machine the engine applies a step with has no to_<state> shortcut past the guards."""
    m, snap = start(plan_id)
    assert not [e for e in m.machine.events if e.startswith("to_")]
    assert m.machine.models == []           # one machine per plan version, holding no incident
    assert not any(t.startswith("to_") for t in m.allowed_triggers(snap.state))
    with refused("trigger", "本预案没有这个操作"):
        m.apply(snap, "to_closed", {}, "x", CLOCK.now())


def test_a_step_the_plan_refuses_now_is_marked_with_the_refusal_it_would_give():
    """The console offers no button whose guard fails: ``blocked`` reads the plan's guards that read the incident,
    as the machine decides a step, and its reason is the refusal the step itself gives."""
    m, snap = start("environment", {"deaths": 1})
    snap = go(m, snap, "activate", level="IV", approved_by="区长")
    blocked = m.blocked(snap)
    assert blocked["terminate"] and "终止条件未满足" in blocked["terminate"][0]
    assert blocked["change_level"] == []  # needs only what the person types
    with pytest.raises(Refused) as refused:
        go(m, snap, "terminate", declared_by="海门区人民政府")
    assert blocked["terminate"][0] in refused.value.reasons
    cond = PLANS.plan("environment").termination.conditions[0].id
    snap = go(m, snap, "confirm_condition", condition=cond)
    assert m.blocked(snap)["terminate"] == []
    assert go(m, snap, "terminate", declared_by="海门区人民政府").state == "terminated"


def test_environment_warning_is_issued_adjusted_and_lifted_with_history():
    """三(三)2: the district issues blue only, signed off; yellow to red are received from higher government."""
    m, snap = start("environment")
    with refused("payload.approved_by"):
        go(m, snap, "issue_warning", warning_level="IV")
    with pytest.raises(Refused, match="适用：IV级"):
        go(m, snap, "issue_warning", warning_level="III", approved_by="区政府值班领导")
    snap = go(m, snap, "issue_warning", warning_level="IV", approved_by="区政府值班领导")
    assert snap.state == "warning" and snap.warning_level == "IV"
    with refused("payload.issued_by"):
        go(m, snap, "receive_warning", warning_level="III")
    snap = go(m, snap, "receive_warning", warning_level="III", issued_by="南通市人民政府")
    assert snap.warning_level == "III"
    with pytest.raises(Refused, match="适用：IV级"):
        go(m, snap, "adjust_warning", warning_level="II", reason="x", approved_by="y")
    snap = go(m, snap, "adjust_warning", warning_level="IV", reason="污染带缩小", approved_by="区政府值班领导")
    snap = go(m, snap, "lift_warning", reason="危险已经解除")
    assert snap.state == "assessing" and snap.warning_level is None
    assert [(h.from_level, h.to_level) for h in snap.level_history if h.kind == "warning"] == [
        (None, "IV"), ("IV", "III"), ("III", "IV"), ("IV", None)]


def test_environment_warning_that_proves_a_false_alarm_ends_without_a_response():
    m, snap = start("environment")
    snap = go(m, snap, "issue_warning", warning_level="IV", approved_by="区政府值班领导")
    snap = go(m, snap, "end_warning_without_response", reason="监测证实未发生污染（误报）", declared_by="海门区政府")
    assert snap.state == "warning_ended" and snap.warning_level is None and snap.level is None
    assert snap.state in m.final


def test_environment_level_iv_needs_the_district_leaders_approval():
    """四(四)2: confirmed by the environment command centre and approved by the 区政府主要领导."""
    m, snap = start("environment")
    with refused("payload.approved_by"):
        go(m, snap, "activate", level="IV")
    snap = go(m, snap, "activate", level="IV", approved_by="区长")
    assert snap.state == "activated"


def test_environment_levels_i_to_iii_are_requested_from_city_and_province():
    m, snap = start("environment", {"drinking_water_interrupted": "township"})
    with pytest.raises(Refused, match="适用：IV级"):
        go(m, snap, "activate", level="III", approved_by="区长")
    snap = go(m, snap, "request_higher_response", level="III")
    assert snap.state == "under_higher_command" and snap.level == "III"


def test_environment_level_change_moves_between_district_and_higher_command_and_keeps_history():
    m, snap = start("environment")
    snap = go(m, snap, "activate", level="IV", approved_by="区长")
    snap = go(m, snap, "change_level", level="III", reason="重大节假日，适当提高应急响应等级（四(三)）")
    assert snap.state == "under_higher_command" and snap.level == "III"
    snap = go(m, snap, "change_level", level="IV", reason="污染已控制")
    assert snap.state == "activated"
    assert [(h.from_level, h.to_level) for h in snap.level_history] == [(None, "IV"), ("IV", "III"), ("III", "IV")]
    assert snap.level_history[1].reason.startswith("重大节假日") and snap.level_history[1].by == "指挥"
    assert [h.to_level for h in snap.level_history] == ["IV", "III", "IV"]


def test_environment_termination_needs_any_one_of_five_conditions():
    m, snap = start("environment")
    snap = go(m, snap, "activate", level="IV", approved_by="区长")
    with pytest.raises(Refused, match="符合下列条件之一"):
        go(m, snap, "terminate", declared_by="海门区政府")
    snap = go(m, snap, "confirm_condition", condition="release_within_limits")
    snap = go(m, snap, "terminate", declared_by="海门区政府")
    assert snap.state == "terminated"


def test_work_safety_termination_needs_all_six_conditions_the_hand_over_and_confirmation():
    m, snap = start("work_safety", {"deaths": 1})
    snap = go(m, snap, "activate", level="IV")
    conditions = [c.id for c in PLANS.plan("work_safety").termination.conditions]
    for cid in conditions[:-1]:
        snap = go(m, snap, "confirm_condition", condition=cid)
    with pytest.raises(Refused) as exc:
        go(m, snap, "terminate", declared_by="现场指挥部", approved_by="应急指挥中心")
    assert "进行撤离和交接程序" in str(exc.value)  # 5.12: withdrawal and hand-over come last, before the end
    snap = go(m, snap, "confirm_condition", condition=conditions[-1])
    with refused("payload.approved_by"):
        go(m, snap, "terminate", declared_by="现场指挥部")
    snap = go(m, snap, "terminate", declared_by="现场指挥部", approved_by="应急指挥中心")
    assert snap.state == "terminated"


def test_work_safety_below_scope_closes_the_response_only_when_the_facts_are_below_scope():
    m, snap = start("work_safety", {"serious_injuries": 1})
    snap = go(m, snap, "assess")
    snap = go(m, snap, "close_below_scope", reason="1人重伤，不足以启动最低响应级别")
    assert snap.state == "closed_below_scope"
    assert "tick_notification" not in m.allowed_triggers(snap.state)
    m, snap = start("work_safety", {"deaths": 1})
    with pytest.raises(Refused, match="2.4"):
        go(m, snap, "close_below_scope", reason="x")


def test_labor_general_and_larger_are_handled_locally_and_escalate_only_with_commanders_consent():
    m, snap = start("labor_dispute", {"petition": 45})
    snap = go(m, snap, "handle_locally", level="III")
    assert snap.state == "local_handling"
    with pytest.raises(Refused, match="适用：I、II级"):
        go(m, snap, "activate", level="III", approved_by="市政府主要负责人")
    with refused("approved_by"):
        go(m, snap, "activate", level="II")
    snap = go(m, snap, "activate", level="II", approved_by="总指挥")
    assert snap.state == "activated" and snap.level == "II"


def test_hazardous_chemicals_requests_nantong_support_and_hands_over_command():
    m, snap = start("hazardous_chemicals", {"deaths": 4})
    snap = go(m, snap, "activate", level="III", approved_by="副市长")
    snap = go(m, snap, "request_support", reason="救援措施不能使事故很快得到有效控制")
    assert snap.state == "support_requested"
    snap = go(m, snap, "hand_over_command", received_by="南通市危险化学品应急救援指挥部")
    assert snap.state == "under_higher_command"


def test_post_incident_tasks_must_all_be_ticked_before_closing():
    m, snap = start("environment")
    snap = go(m, snap, "activate", level="IV", approved_by="区长")
    snap = go(m, snap, "confirm_condition", condition="controlled")
    snap = go(m, snap, "terminate", declared_by="海门区政府")
    snap = go(m, snap, "start_post_incident")
    tasks = [t.id for t in PLANS.plan("environment").post_incident]
    assert {"damage_assessment", "investigation", "aftercare", "insurance", "process_evaluation"} <= set(tasks)
    for t in tasks[:-1]:
        snap = go(m, snap, "complete_task", task=t)
    with pytest.raises(Refused, match="后期处置任务未完成"):
        go(m, snap, "close")
    snap = go(m, snap, "complete_task", task=tasks[-1])
    # 结案 waits for every at-once (立即) report to be ticked
    with pytest.raises(Refused, match="立即报告事项尚未确认") as exc:
        go(m, snap, "close")
    immediate = [r.id for r in PLANS.plan("environment").reporting.rules
                 if r.immediate and r.counted_from != "condition" and "IV" in r.levels]
    assert immediate and "四(一)1" in str(exc.value)
    for rid in immediate:
        snap = go(m, snap, "tick_notification", notification=rid)
    snap = go(m, snap, "close")
    assert snap.state == "closed"
    # a closed record takes only a task's 签收/反馈/办结 (handed-over tasks outlive the record)
    assert m.allowed_triggers("closed") == ["sign_task", "report_task", "finish_task"]


def test_a_refused_trigger_leaves_the_snapshot_unchanged():
    m, snap = start("environment")
    before = snap.model_dump()
    with pytest.raises(Refused):
        go(m, snap, "terminate", declared_by="x")
    assert snap.model_dump() == before


def test_update_facts_reclassifies_without_changing_the_decided_level():
    m, snap = start("environment", {"deaths": 1})
    snap = go(m, snap, "activate", level="IV", approved_by="区长")
    snap = go(m, snap, "update_facts", facts={"drinking_water_interrupted": "township"})
    assert snap.classified_level == "III" and snap.level == "IV"
    assert snap.facts == {"deaths": 1, "drinking_water_interrupted": "township"}
    with refused("payload.facts.deaths"):
        go(m, snap, "update_facts", facts={"deaths": -4})


@pytest.mark.parametrize("payload, field", [
    ({"level": "V", "approved_by": "区长"}, "payload.level"),
    ({"level": "IV", "approved_by": "区长", "colour": "red"}, "payload.colour"),
    ({"level": "IV"}, "payload.approved_by"),
])
def test_bad_payload_names_the_field(payload, field):
    m, snap = start("environment")
    with pytest.raises(InputError) as exc:
        m.apply(snap, "activate", payload, "x", CLOCK.now())
    assert exc.value.field == field


@pytest.mark.parametrize("plan_id", PLANS.ids)
def test_diagram_is_drawn_from_the_plan_data(plan_id):
    m = PLANS.lifecycle(plan_id)
    text = state_diagram(m)
    assert "stateDiagram-v2" in text
    for s in PLANS.plan(plan_id).lifecycle.states:
        assert f'state "{s.label}" as {s.name}' in text
    for t in PLANS.plan(plan_id).lifecycle.transitions:
        assert t.label in text
    assert not set(RECORD_TRIGGERS) & set(text.split())


@pytest.mark.parametrize("levels, lead", [
    ({"hazardous_chemicals": "III", "environment": "II"}, "environment"),       # 危化8.2: 重大环境污染 → 环境预案为主
    ({"hazardous_chemicals": "III", "environment": "III"}, "hazardous_chemicals"),
    ({"hazardous_chemicals": "IV", "environment": "I"}, "environment"),
    ({"work_safety": "III", "hazardous_chemicals": "III"}, "hazardous_chemicals"),
    ({"work_safety": "III", "hazardous_chemicals": "II", "environment": "II"}, "environment"),
    ({"work_safety": "III", "environment": "IV"}, "environment"),
    ({"labor_dispute": "II"}, "labor_dispute"),
])
def test_the_lead_plan_follows_the_plans_relation_clauses(levels, lead):
    assert PLANS.lead_plan(levels) == lead


def test_a_notification_counted_from_a_condition_is_dated_when_the_condition_is_recorded():
    m, snap = start("hazardous_chemicals", {"deaths": 4})
    snap = go(m, snap, "activate", level="III", approved_by="副市长")
    items = {n["id"]: n for n in status_views(snap, CLOCK.now())}
    assert items["support-request-government"]["due"] is None
    with refused("payload.notification", "不是本事件当前的报告事项"):
        go(m, snap, "condition_arose", notification="site-to-110")   # not a conditional item
    snap = go(m, snap, "condition_arose", notification="support-request-government")
    items = {n["id"]: n for n in status_views(snap, parse_time("2026-11-22T09:05", "now"))}
    assert items["support-request-government"]["due"] == "2026-11-22T09:00:00+08:00"
    assert items["support-request-government"]["status"] == "overdue"  # 立即, unticked 5 minutes after its moment
    assert items["support-request-government"]["overdue_minutes"] == 5


def test_work_safety_i_to_iii_start_the_local_plan_under_higher_command():
    """5.2 flow chart: the municipal plan starts for 一般及以上; 3.1: the 市长 or 分管副市长 commands."""
    from emergency.response.checklist import checklist
    cl = checklist(PLANS.plan("work_safety"), "III", "2026-11-22T08:00", "2026-11-22T08:10")
    assert any("市长或分管副市长" in c["commander"] for c in cl["command"])
    assert any(c["under_higher_command"] for c in cl["command"])
    assert any(a["clause"] == "5.2" for a in cl["activation"])
    assert {m["clause"] for m in cl["measures"]} >= {"5.6", "5.8", "5.9(1)", "5.10"}


def test_work_safety_warnings_blue_confirmed_locally_others_received():
    m, snap = start("work_safety", {"deaths": 1})
    with pytest.raises(Refused, match="适用：IV级"):
        go(m, snap, "issue_warning", warning_level="III", approved_by="x")
    snap = go(m, snap, "receive_warning", warning_level="III", issued_by="南通市安委会")
    snap = go(m, snap, "end_warning_without_response", reason="险情排除", declared_by="南通市安委会")
    assert snap.state == "warning_ended"


@pytest.mark.parametrize("plan_id", PLANS.ids)
@pytest.mark.parametrize("trigger", sorted(QUIET_TRIGGERS))
def test_a_quiet_step_changes_nothing_but_the_version_and_time(plan_id, trigger):
    """The store leaves the incident row as it was for a quiet step, so the step must change nothing else:
    applied in every state the plan's walk reaches, the incident after it is the one before, one version and one
    time on."""
    m, snap = start(plan_id, {"deaths": 1})
    later = CLOCK.now().replace(minute=40)
    payload = {"note": "现场已封控"}
    states = [snap]
    try:   # and once the response is under way, where the plan activates at level IV
        states.append(go(m, snap.model_copy(deep=True), "activate", level="IV", approved_by="区长"))
    except (Refused, InputError):
        pass
    assert plan_id == "labor_dispute" or len(states) == 2
    for state_snap in states:
        before = state_snap.model_dump()
        after, event = m.apply(state_snap.model_copy(deep=True), trigger, payload, "值班员", later)
        assert (after.version, after.updated_at) == (before["version"] + 1, "2026-11-22T09:40:00+08:00")
        assert after.model_dump(exclude={"version", "updated_at"}) == {k: v for k, v in before.items()
                                                                       if k not in ("version", "updated_at")}
        assert (event["seq"], event["at"]) == (after.version, after.updated_at)
