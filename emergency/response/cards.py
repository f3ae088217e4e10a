"""Response cards (应急处置卡): one printable page per plan, level and role, for the first ten
minutes — first actions, whom to call by when, and the fields of the first report.

Roles: ``duty_officer`` (值班员: what counts from receipt), ``unit_head`` (事发单位负责人/现场:
what counts from the occurrence), ``commander`` (指挥: activation, command, warning and
termination) and ``group:<id>`` (each response group's lead). Everything on a card is read
from the plan data; only the role headings are wording of the console.
"""
from __future__ import annotations

from typing import Any

from emergency.response.deadlines import CHANNEL_NAMES
from emergency.core.errors import InputError
from emergency.response.boundaries import boundaries
from emergency.plans.model import LEVEL_RANK, LEVELS, Plan
from emergency.core.wording import N_

ROLE_NAMES = {"duty_officer": N_("值班员"), "unit_head": N_("事发单位负责人（现场）"), "commander": N_("指挥人员")}
GROUP_LEAD = N_("牵头单位")


def roles(plan: Plan) -> list[tuple[str, str]]:
    return list(ROLE_NAMES.items()) + [(f"group:{g.id}", f"{g.name}{GROUP_LEAD}") for g in plan.groups]


def role_words(plan: Plan, role: str) -> tuple[str | None, str]:
    """A card role as (the plan's group name or None, the console word): 综合协调组 + 牵头单位, or None + 值班员."""
    if role.startswith("group:"):
        return next(g.name for g in plan.groups if f"group:{g.id}" == role), GROUP_LEAD
    return None, ROLE_NAMES[role]


def _when(rule) -> str:
    base = {"occurrence": "事发后", "receipt": "接报后", "condition": "条件成立时"}[rule.counted_from]
    if rule.immediate:
        text = f"{base}立即" if rule.counted_from != "condition" else f"{rule.condition}时立即"
        return text + (f"（最迟{rule.cap_minutes // 60}小时）" if rule.cap_minutes else "")
    if rule.within_minutes:
        m = rule.within_minutes
        return f"{base}{m // 60}小时内" if m % 60 == 0 else f"{base}{m}分钟内"
    return "及时（原文未规定时限）"


def next_level_line(plan: Plan, level: str) -> dict[str, str] | None:
    """The figures at which the facts reach the next level up, in one line for the commander's card:
    升级标准（较大事故，III级）：死亡人数、失踪人数之和达到3人；中毒人数达到30人…（1.4(3)）."""
    rank = LEVEL_RANK[level] + 1
    above = next((lv for lv, r in LEVEL_RANK.items() if r == rank), None)
    if above is None:
        return None
    figures = [b for b in boundaries(plan, {}, level) if b["level"] == above and b["distance"] is not None
               and len(b["parts"]) == 1]
    if not figures:
        return None
    said = [f"{b['fact']}达到{b['parts'][0]['needed_words']}" for b in figures[:3]]
    clauses = "、".join(dict.fromkeys(b["clause"] for b in figures[:3]))
    return {"text": f"升级标准（{plan.level(above).name}，{above}级）：" + "；".join(said)
                    + ("等" if len(figures) > 3 else ""), "clause": clauses}


def card(plan: Plan, level: str, role: str) -> dict[str, Any]:
    """One response card. Raises InputError for an unknown level or role."""
    if level not in LEVELS:
        raise InputError("level", "须为以下之一：%(allowed)s", allowed=list(LEVELS))
    known = dict(roles(plan))
    if role not in known:
        raise InputError("role", "须为以下之一：%(allowed)s", allowed=list(known))
    lv = plan.level(level)
    # a rule may name the cards it goes on (``card_roles``; [] for none, e.g. the hops above Nantong, which are
    # the city's and the province's duty and stay on the checklist of a card that must fit one A4 page)
    rules = [r for r in plan.rules_for(level) if r.card_roles is None or role in r.card_roles]
    out: dict[str, Any] = {"plan": plan.id, "plan_title": plan.title, "level": level, "level_name": lv.name,
                           "colour": lv.colour, "role": role, "role_name": known[role], "actions": [], "calls": [],
                           "report": None, "notes": []}
    maker = {"duty_officer": _duty_officer, "unit_head": _unit_head, "commander": _commander}.get(role, _group)
    out.update(maker(plan, level, role, rules))
    out["notes"] = out["notes"] + _precautions(plan, role)
    return out


def _calls(plan: Plan, selected: list) -> list[dict[str, Any]]:
    agencies = plan.library.agencies
    return [{"when": _when(r), "from": agencies.display(r.from_), "to": [agencies.display(t) for t in r.to],
             "channel": CHANNEL_NAMES[r.channel], "clause": r.clause} for r in selected]


def _first_report(plan: Plan) -> dict[str, Any]:
    initial = plan.reporting.report_kinds[0]
    return {"name": initial.name, "fields": initial.fields, "clause": initial.clause}


def _duty_officer(plan: Plan, level: str, _role: str, rules: list) -> dict[str, Any]:
    lv = plan.level(level)
    actions = [{"text": "记录接报时间，核实事件类型、地点、伤亡和影响范围", "clause": plan.reporting.report_kinds[0].clause},
               {"text": f"按分级标准初判级别（本卡：{lv.name}）", "clause": lv.clause}]
    actions += [{"text": f"报请启动：{a.authority}", "clause": a.clause} for a in plan.activation_for(level)]
    return {"actions": actions, "report": _first_report(plan),
            "calls": _calls(plan, [r for r in rules if r.counted_from in ("receipt", "condition")])}


def _unit_head(plan: Plan, _level: str, _role: str, rules: list) -> dict[str, Any]:
    return {"actions": [{"text": f.text, "clause": f.clause} for f in plan.first_response[:2]],
            "calls": _calls(plan, [r for r in rules if r.counted_from == "occurrence"]), "report": _first_report(plan)}


def _commander(plan: Plan, level: str, _role: str, rules: list) -> dict[str, Any]:
    agencies = plan.library.agencies
    actions = [{"text": "启动：" + a.authority, "clause": a.clause} for a in plan.activation_for(level)]
    actions += [{"text": c.structure + "；指挥：" + agencies.display(c.commander), "clause": c.clause}
                for c in plan.command_for(level)]
    actions += [{"text": s.text, "clause": s.clause} for s in plan.activation_steps]
    if plan.warning:
        w = next(x for x in plan.warning.levels if x.level == level)
        actions.append({"text": f"{w.colour_name}预警：{w.issuer}发布", "clause": w.clause})
    return {"actions": actions, "notes": _commander_notes(plan, level), "groups": [g.name for g in plan.groups],
            "calls": _calls(plan, [r for r in rules if r.counted_from == "receipt" and r.kind == "report"])}


def _commander_notes(plan: Plan, level: str) -> list[dict[str, Any]]:
    """应急终止 with its conditions, what would raise the response, and 应急保障 — one line each."""
    mode = "符合其一" if plan.termination.mode == "any" else "须全部满足"
    notes = [{"text": f"应急终止（{mode}）：" + "；".join(c.text for c in plan.termination.conditions)
              + (f"；{plan.termination.approval_by}批准" if plan.termination.requires_approval else ""),
              "clause": plan.termination.clause}]
    nxt = next_level_line(plan, level)
    if nxt:   # 研判: what would raise the response, one line
        notes.append(nxt)
    if plan.support:  # one line: the card must stay on one A4 page; the plan page has the full text
        topics = dict.fromkeys(f"{x.topic}（{x.clause}）" for x in plan.support)
        notes.append({"text": "应急保障：" + "、".join(topics), "clause": plan.support[0].clause})
    return notes


def _group(plan: Plan, _level: str, role: str, _rules: list) -> dict[str, Any]:
    agencies = plan.library.agencies
    g = next(x for x in plan.groups if f"group:{x.id}" == role)
    return {"actions": [{"text": part.strip(), "clause": g.clause} for part in g.duties.split("；") if part.strip()],
            "notes": [{"text": "牵头：" + "、".join(agencies.display(u) for u in g.lead)
                       + ("；成员：" + "、".join(agencies.display(u) for u in g.members) if g.members else ""),
                       "clause": g.clause}]}


def _precautions(plan: Plan, role: str) -> list[dict[str, Any]]:
    """The plan's safety precautions on a card: one line on the commander's (it is full), the text on a responder's."""
    on_cards = [p for p in plan.precautions if p.on_cards]
    clauses = "、".join(dict.fromkeys(p.clause for p in on_cards))
    if on_cards and role == "commander":
        return [{"text": f"安全防护与群众疏散：见预案{clauses}（各工作组处置卡载有全文）", "clause": clauses}]
    if on_cards and role != "duty_officer":
        return [{"text": "注意：" + "".join(p.text for p in on_cards), "clause": clauses}]
    return []
