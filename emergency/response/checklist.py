"""Notification checklists (通知清单): the dated notifications of ``emergency.response.deadlines`` with the
report kinds and their fields, command, groups, on-site command and precautions of a plan at a level.
"""
from __future__ import annotations

from typing import Any

from emergency.core.agencies import Agencies
from emergency.core.clock import format_time
from emergency.response.deadlines import Notification, check_level, check_times, notifications
from emergency.core.errors import InputError, choices
from emergency.core.inputs import shown
from emergency.plans.model import Plan


def check_cause(plan: Plan, cause: Any) -> str | None:
    if cause in (None, ""):
        return None
    if not plan.causes:
        raise InputError("cause", "本预案不按事故起因设现场指挥，请不要填写")
    if not isinstance(cause, str) or cause not in plan.causes:
        raise InputError("cause", "须为以下之一：%(allowed)s（收到：%(got)s）", allowed=choices(plan.causes), got=shown(cause))
    return cause


def _units(agencies: Agencies, names: list[str]) -> list[str]:
    return [agencies.display(n) for n in names]


def checklist(plan: Plan, level: Any, occurred_at: Any, reported_at: Any, cause: Any = None,
              hot_topic: bool = False, condition_times: dict[str, Any] | None = None,
              dated: list[Notification] | None = None) -> dict[str, Any]:
    """Everything a duty officer needs once the level is known.

    Returns a dict with ``notifications`` (each: ``from``, ``to``, ``channel``, ``due``,
    ``immediate``, ``clause``, ``text``…), ``report_kinds``, ``command``, ``activation``,
    ``groups`` (each: ``name``, ``lead``, ``members``, ``duties``), ``onsite_command`` (the
    environment plan, by cause), ``first_response``, ``warning``, ``precautions``,
    ``protective_equipment``, ``termination`` and ``post_incident``.
    ``dated``: the notifications already dated (with their status) for an incident, so they are not
    computed twice. Raises InputError naming a bad level, time or cause.
    """
    level = check_level(level)
    occurred, reported = check_times(occurred_at, reported_at)
    cause = check_cause(plan, cause)
    agencies = plan.library.agencies
    lv = plan.level(level)
    out: dict[str, Any] = {
        "plan": plan.id,
        "plan_title": plan.title,
        "document_number": plan.document_number,
        "level": level,
        "level_name": lv.name,
        "colour": lv.colour,
        "occurred_at": format_time(occurred),
        "reported_at": format_time(reported),
        "cause": cause,
        "hot_topic": hot_topic,
        "notifications": [n.view() for n in (dated if dated is not None else
                                             notifications(plan, level, occurred, reported, hot_topic, condition_times))],
        **_reporting(plan),
        **command_parts(plan, level, agencies),
        **_organisation(plan, agencies),
        "termination": _termination(plan),
        "post_incident": [{"id": t.id, "name": t.name, "owner": t.owner_for(level), "clause": t.clause, "text": t.text,
                           "owner_basis": t.owner_at_basis if level in t.owner_at else None}
                          for t in plan.post_incident],
        "warning": _warning(plan, level),
        "onsite_command": _onsite_command(plan, cause, agencies),
    }
    return out


def _reporting(plan: Plan) -> dict[str, Any]:
    return {"reporting_notes": [{"clause": n.clause, "text": n.text} for n in plan.reporting.notes],
            "report_kinds": [{"id": k.id, "name": k.name, "fields": k.fields, "clause": k.clause, "text": k.text}
                             for k in plan.reporting.report_kinds]}


def command_parts(plan: Plan, level: str, agencies: Agencies) -> dict[str, Any]:
    """Who commands at the level, who activates it and how, and what is done first (the checklist's, and what 研判
    says a higher level would add)."""
    return {"command": [{"structure": c.structure, "commander": agencies.display(c.commander),
                         "under_higher_command": c.under_higher_command, "clause": c.clause, "text": c.text}
                        for c in plan.command_for(level)],
            "activation": [{"authority": a.authority, "requests_higher": a.requests_higher,
                            "local_handling": a.local_handling, "clause": a.clause, "text": a.text}
                           for a in plan.activation_for(level)],
            "activation_steps": [{"clause": s.clause, "text": s.text} for s in plan.activation_steps],
            "first_response": [{"who": f.who, "clause": f.clause, "text": f.text} for f in plan.first_response]}


def _organisation(plan: Plan, agencies: Agencies) -> dict[str, Any]:
    """The working groups, the measures, each member's duties, support, precautions and protective equipment."""
    return {"groups": [{"id": g.id, "name": g.name, "lead": _units(agencies, g.lead),
                        "members": _units(agencies, g.members), "duties": g.duties, "clause": g.clause,
                        "text": g.text} for g in plan.groups],
            "groups_clause": plan.groups_clause,
            "groups_text": plan.groups_text,
            "measures": [{"clause": m.clause, "text": m.text} for m in plan.measures],
            "member_duties": [{"unit": agencies.display(m.unit), "clause": m.clause, "text": m.text}
                              for m in plan.member_duties],
            "support": [{"topic": x.topic, "clause": x.clause, "text": x.text} for x in plan.support],
            "precautions": [{"clause": p.clause, "text": p.text} for p in plan.precautions],
            "protective_equipment": [{"role": p.role, "equipment": p.equipment, "clause": p.clause, "text": p.text}
                                     for p in plan.protective_equipment]}


def _termination(plan: Plan) -> dict[str, Any]:
    t = plan.termination
    return {"mode": t.mode, "requires_approval": t.requires_approval, "approval_by": t.approval_by,
            "declared_by": t.declared_by, "clause": t.clause, "text": t.text,
            "conditions": [{"id": c.id, "clause": c.clause, "text": c.text} for c in t.conditions]}


def _warning(plan: Plan, level: str) -> dict[str, Any] | None:
    """The warning of the level's colour, with its measures and how it is lifted (a plan with warnings)."""
    if not plan.warning:
        return None
    w = next(x for x in plan.warning.levels if x.level == level)
    return {"level": w.level, "colour": w.colour, "colour_name": w.colour_name, "issuer": w.issuer,
            "meaning": w.meaning, "clause": w.clause, "text": w.text,
            "measures": [{"clause": m.clause, "text": m.text} for m in plan.warning.measures],
            "lift": {"clause": plan.warning.lift.clause, "text": plan.warning.lift.text}}


def _onsite_command(plan: Plan, cause: str | None, agencies: Agencies) -> dict[str, Any] | None:
    """Who forms the on-site command for the recorded cause; no cause given: the plan's last entry, its catch-all
    (environment 二(三)(9) 其他类型)."""
    if plan.onsite_command is None:
        return None
    oc = next((c for c in plan.onsite_command.by_cause if c.cause == cause), plan.onsite_command.by_cause[-1])
    return {"cause": oc.cause, "cause_name": oc.name, "leads": _units(agencies, oc.leads), "clause": oc.clause,
            "text": oc.text, "composition": plan.onsite_command.text}
