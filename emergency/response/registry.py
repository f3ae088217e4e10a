"""The only guards and actions a plan file may name.

transitions would resolve a dotted name in a plan file to any importable function; plan files
name guards and actions from these registries instead, and a plan that names anything else
fails validation. A guard returns None when it passes or the reason (Chinese, for the
commander) when it does not. An action changes the working snapshot.

Each takes a ``Step``: the plan, the working snapshot, the payload, the actor and the time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable

from emergency.core.incident import LevelChange, Mark
from emergency.core.step_names import ACTION_NAMES, GUARD_NAMES


@dataclass
class Step:
    plan: Any            # emergency.plans.model.Plan (not imported: plans imports this registry)
    snap: Any            # emergency.core.incident.Snapshot, the working copy
    payload: dict
    actor: str
    at: str              # formatted time of the event
    trigger: str
    office: str | None = None   # the office of who acts (None on replay: a guard that asks whose is lenient there)
    refusals: list[str] = field(default_factory=list)   # why the step's guards refused it, in the plan's words


# ---- guards -----------------------------------------------------------------

def termination_conditions_met(step: Step) -> str | None:
    term = step.plan.termination
    confirmed = set(step.snap.confirmed_conditions)
    ids = [c.id for c in term.conditions]
    if term.mode == "any":
        if confirmed & set(ids):
            return None
        return f"终止条件未满足（{term.clause}：符合下列条件之一）：尚未确认任何一项终止条件"
    missing = [c for c in term.conditions if c.id not in confirmed]
    if not missing:
        return None
    return f"终止条件未满足（{term.clause}：须全部满足）：尚缺“" + "”“".join(c.text for c in missing) + "”"


def approval_given(step: Step) -> str | None:
    who = step.payload.get("approved_by")
    if isinstance(who, str) and who.strip():
        return None
    approver = next((t.approver for t in step.plan.lifecycle.transitions
                     if t.trigger == step.trigger and t.approver and step.snap.state in t.source), None)
    approver = approver or step.plan.termination.approval_by or "总指挥"
    return f"需要{approver}批准（approved_by）"


def immediate_reports_done(step: Step) -> str | None:
    """结案 is refused while an at-once (立即) report of the incident's level is unticked."""
    from emergency.response.duties import duty_rules, item_state  # duties imports plans, which imports this registry

    if step.snap.effective_level is None:
        return None
    from emergency.response.duties import is_ours

    snap, ag = step.snap, step.plan.library.agencies
    # whose is it: the closing office's own items must be acknowledged; another office's account of them (已获知、
    # 已由××报告、情况不明) never closes them (duties.item_state with ours)
    missing = [r for r in duty_rules(step.plan, snap)
               if r.immediate and r.counted_from != "condition" and r.id not in snap.notifications
               and item_state(r, snap.receipts.get(r.id, {}), ours=is_ours(r, ag, step.office, snap.cause)) is None]
    if not missing:
        return None
    return ("立即报告事项尚未确认（本单位的须确认接听或签收，他方的须记录获知情况）：" +
            "；".join(f"{ag.current(r.from_) or r.from_}→{'、'.join(ag.current(t) or t for t in r.to)}（{r.clause}）"
                     for r in missing))


def post_incident_tasks_done(step: Step) -> str | None:
    from emergency.response.duties import handed_over

    missing = [t for t in step.plan.post_incident
               if t.id not in step.snap.completed_tasks and not handed_over(step.snap, t.id)]
    if not missing:
        return None
    return "后期处置任务未完成或未移交：" + "、".join(t.name for t in missing)


def warning_in_force(step: Step) -> str | None:
    if step.snap.warning_level:
        return None
    return "当前没有生效的预警"


def classified_below_scope(step: Step) -> str | None:
    lv = step.snap.classified_level
    if lv is None:
        return None
    return f"当前事实已达到{step.plan.level(lv).name}（{lv}级）标准（{step.snap.deciding_clause}），不能以“不足以启动最低响应级别”关闭"


def guard_words(name: str, plan, transition) -> str:
    """A guard in the plan's own words, with its clause, for diagrams (never the guard's code name)."""
    term = plan.termination
    if name == "termination_conditions_met":
        return f"终止条件{'满足其一' if term.mode == 'any' else '全部满足'}（{term.clause}）"
    if name == "approval_given":
        who = transition.approver or term.approval_by or "总指挥"
        return f"须{who}批准（{transition.clause}）"
    if name == "post_incident_tasks_done":
        return "后期处置任务均已完成或移交"
    if name == "immediate_reports_done":
        return "立即报告事项均已确认或记录获知情况"
    if name == "classified_below_scope":
        return f"事实未达最低响应级别（{transition.clause}）"
    if name == "warning_in_force":
        return "预警生效中"
    return "须满足预案条件"


# Guards that read only the incident, never what the person types: whether they hold can be told before the
# click, so the console shows the reason beside a step instead of offering a button that will be refused.
INCIDENT_GUARDS = {"termination_conditions_met", "post_incident_tasks_done", "immediate_reports_done",
                   "warning_in_force", "classified_below_scope"}

GUARDS: dict[str, Callable[[Step], str | None]] = {
    "termination_conditions_met": termination_conditions_met,
    "approval_given": approval_given,
    "post_incident_tasks_done": post_incident_tasks_done,
    "immediate_reports_done": immediate_reports_done,
    "classified_below_scope": classified_below_scope,
    "warning_in_force": warning_in_force,
}


# ---- actions ----------------------------------------------------------------

def set_level(step: Step) -> None:
    new = step.payload["level"]
    snap = step.snap
    snap.level_history.append(LevelChange(at=step.at, by=step.actor, trigger=step.trigger,
                                          from_level=snap.level, to_level=new,
                                          reason=step.payload.get("reason")))
    snap.level = new


def set_warning(step: Step) -> None:
    new = step.payload["warning_level"]
    snap = step.snap
    snap.level_history.append(LevelChange(at=step.at, by=step.actor, trigger=step.trigger, kind="warning",
                                          from_level=snap.warning_level, to_level=new,
                                          reason=step.payload.get("reason")))
    snap.warning_level = new


def clear_warning(step: Step) -> None:
    snap = step.snap
    if snap.warning_level is not None:
        snap.level_history.append(LevelChange(at=step.at, by=step.actor, trigger=step.trigger, kind="warning",
                                              from_level=snap.warning_level, to_level=None,
                                              reason=step.payload.get("reason")))
        snap.warning_level = None


def confirm_condition(step: Step) -> None:
    step.snap.confirmed_conditions[step.payload["condition"]] = Mark(by=step.actor, at=step.at,
                                                                     note=step.payload.get("note"))


def complete_task(step: Step) -> None:
    step.snap.completed_tasks[step.payload["task"]] = Mark(by=step.actor, at=step.at, note=step.payload.get("note"))


ACTIONS: dict[str, Callable[[Step], None]] = {
    "set_level": set_level,
    "set_warning": set_warning,
    "clear_warning": clear_warning,
    "confirm_condition": confirm_condition,
    "complete_task": complete_task,
}

assert set(GUARDS) == GUARD_NAMES and set(ACTIONS) == ACTION_NAMES, "step_names lists the registry's names"
