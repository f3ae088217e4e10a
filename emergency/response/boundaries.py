"""研判: how near the facts are to each higher level, and what crossing it would set off.

The plans are data, so the criteria of every level above the one the facts call for can be read against the facts at
hand: for a figure (死亡人数, 疏散人数, 直接经济损失) the value it needs and how far the facts are from it; for a
choice or a flag, the value it needs; a criterion only a person can judge is listed as such. For the nearest
boundary of each higher level, the consequences are the difference between that level's checklist and today's:
the level and its colour, the reports it adds (dated from the incident's own clocks), the approval and command it
calls for. Pure: the facts, the plan and the times in; nothing read or written.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from emergency.response.checklist import command_parts
from emergency.response.deadlines import notifications
from emergency.response.classify import condition_met, measure
from emergency.core.clock import format_time
from emergency.plans.model import LEVEL_RANK, Condition, Plan


def _label(plan: Plan, name: str) -> str:
    """A fact as the plan names it (直接经济损失), else as the vocabulary does."""
    return next((f.label for f in plan.facts if f.name == name), None) or plan.vocabulary.label_of(name)


def _gaps(plan: Plan, cond: Condition, facts: BaseModel) -> list[dict[str, Any]] | None:
    """What the facts lack to meet ``cond``: one entry per unmet part (a figure, a choice, a flag, a judgement), or
    None when the condition cannot be met by more of the same facts (e.g. a figure already past a range's top)."""
    if condition_met(cond, facts):
        return []
    if cond.sum is not None or cond.max_of is not None:
        return _measure_gap(plan, cond, facts)
    if cond.fact is not None:
        labels = plan.vocabulary.choice_labels().get(cond.fact, {})
        current = getattr(facts, cond.fact)
        needed = "、".join(labels.get(v, v) for v in cond.in_ or [])
        return [{"kind": "choice", "fact": _label(plan, cond.fact), "current": labels.get(current, current),
                 "needed": needed, "distance": None, "qualitative": False,
                 "words": f"“{_label(plan, cond.fact)}”为{needed}（现为{labels.get(current, current)}）"}]
    if cond.flag is not None:
        return [{"kind": "flag", "fact": _label(plan, cond.flag), "current": False, "needed": True, "distance": None,
                 "qualitative": False, "words": f"出现“{_label(plan, cond.flag)}”"}]
    if cond.all is not None:
        return _all_gaps(plan, cond.all, facts)
    if cond.judgement:
        return [{"kind": "judgement", "fact": None, "current": None, "needed": None, "distance": None,
                 "qualitative": True, "judgement": cond.judgement, "words": f"须研判：{cond.judgement}"}]
    return None


def _measure_gap(plan: Plan, cond: Condition, facts: BaseModel) -> list[dict[str, Any]] | None:
    """How far a figure (or a sum of figures) is below the bound it needs, in the unit it is entered in; None when
    it is already past the range (this criterion is behind the facts, not ahead)."""
    names = cond.sum or cond.max_of or []
    current = measure(cond, facts)
    if current >= cond.at_least:
        return None
    needed = cond.at_least
    fact = "、".join(_label(plan, n) for n in names) + ("之和" if cond.sum is not None and len(names) > 1 else "")
    vocabulary = plan.vocabulary
    if vocabulary.count(names[0]).entered_as:   # a figure entered in another unit (万元): said in it
        shown, unit, kind = vocabulary.amount(names[0], needed), "", "amount"
        now_words = vocabulary.amount(names[0], current)
        words = f"{fact}达到{shown}（现为{now_words}）"
    else:
        unit = next((f.unit for f in plan.facts if f.name == names[0] and f.unit), "") or ""
        shown, kind, now_words = f"{needed}{unit}", "count", f"{current}{unit}"
        words = f"{fact}再增加{needed - current}{unit}（现为{current}{unit}，须达到{shown}）"
    return [{"kind": kind, "fact": fact, "current": current, "needed": needed, "distance": needed - current,
             "qualitative": False, "words": words, "needed_words": shown, "current_words": now_words, "unit": unit}]


def _all_gaps(plan: Plan, parts: list[Condition], facts: BaseModel) -> list[dict[str, Any]] | None:
    """Every part's gaps together; None when any part cannot be met by more of the same facts."""
    out = []
    for part in parts:
        gap = _gaps(plan, part, facts)
        if gap is None:
            return None
        out += gap
    return out


def boundaries(plan: Plan, facts: BaseModel | dict | None, level: str | None) -> list[dict[str, Any]]:
    """Each criterion of each level above ``level`` (the level the facts call for; None: below the plan's scope,
    when the scope's own floor counts too) with what the facts lack to meet it, nearest level first and, within a
    level, the nearest figure first. ``distance``: how much a figure must grow (None for a choice, a flag or a
    judgement); ``qualitative``: only a person can say."""
    facts = plan.vocabulary.parse(facts)
    rank = LEVEL_RANK[level] if level else 0
    out = []
    for c in plan.criteria:
        if LEVEL_RANK[c.level] <= rank or (c.when.always and level is not None):
            continue
        gaps = [] if c.when.always else _gaps(plan, c.when, facts)
        if gaps is None or (gaps == [] and not c.when.always):
            continue
        out.append(_boundary(plan, c, gaps))
    out.sort(key=lambda b: (LEVEL_RANK[b["level"]], nearness(b)))
    return out


def _boundary(plan: Plan, c, gaps: list[dict[str, Any]]) -> dict[str, Any]:
    """One criterion ahead of the facts with what they lack: one figure's current and needed value when a single
    part decides, the distance when every part is a figure, in words joined by 且."""
    figures = [g["distance"] for g in gaps if g["distance"] is not None]
    single = gaps[0] if len(gaps) == 1 else None
    return {"level": c.level, "level_name": plan.level(c.level).name, "colour": plan.level(c.level).colour,
            "clause": c.clause, "sentence": c.text, "criterion": c.id,
            "fact": "；".join(g["fact"] for g in gaps if g["fact"]) or None,
            "current": single["current"] if single else None,
            "needed": single["needed"] if single else None,
            "distance": sum(figures) if figures and len(figures) == len(gaps) else None,
            "qualitative": any(g["qualitative"] for g in gaps),
            "words": "，且".join(g["words"] for g in gaps) if gaps else "属本预案适用范围即达到",
            "parts": gaps}


def nearness(b: dict[str, Any]) -> tuple:
    """How near a boundary is: a figure by the share it still has to grow (4,800 of 5,000 evacuated is nearer than
    0 of 3 deaths), then a choice or a flag, a judgement last."""
    share = b["distance"] / b["needed"] if b["distance"] is not None and isinstance(b["needed"], int) and b["needed"] \
        else None
    return (b["qualitative"], share is None, share or 0)


def nearest(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The nearest boundary of each higher level (``nearness``)."""
    out: dict[str, dict[str, Any]] = {}
    for b in found:
        if b["level"] not in out or nearness(b) < nearness(out[b["level"]]):
            out[b["level"]] = b
    return out


def consequences(plan: Plan, level: str | None, to_level: str, occurred_at: Any, reported_at: Any,
                 now: datetime, made: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """What crossing into ``to_level`` sets off, against what ``level`` (None: nothing yet) already asks: the level
    and its colour, each report it adds with its clock time (from the incident's own occurrence and receipt; due
    already when that time has passed), the approval and the command it calls for — the checklist's own parts
    (``notifications``, ``command_parts``), not whole checklists. ``made``: the dated reports already worked out for
    these times, by level (an assessment of three levels ahead would date a level's reports three times)."""
    made = {} if made is None else made
    if to_level not in made:
        made[to_level] = [n.view() for n in notifications(plan, to_level, occurred_at, reported_at)]
    agencies = plan.library.agencies
    after = command_parts(plan, to_level, agencies)
    before = command_parts(plan, level, agencies) if level else {"command": [], "activation": []}
    had = {r.id for r in plan.rules_for(level)} if level else set()
    added, kept = _reports_added(made[to_level], had, format_time(now))
    old_command = {c["structure"] for c in before["command"]}
    old_authorities = {b["authority"] for b in before["activation"]}
    lv = plan.level(to_level)
    return {"level": to_level, "level_name": lv.name, "colour": lv.colour,
            "notifications": added, "still_owed": kept,
            "activation": [a for a in after["activation"] if a["authority"] not in old_authorities],
            "command": [c for c in after["command"] if c["structure"] not in old_command]}


def _reports_added(items: list[dict[str, Any]], had: set[str], stamp: str) -> tuple[list, list]:
    """The reports a higher level adds (due at once when their time has passed already), and those it keeps that
    are still dated."""
    added = [{"id": n["id"], "from": n["from"], "to": n["to"], "channel_name": n["channel_name"],
              "immediate": n["immediate"], "due": n["due"], "overdue_at_once": bool(n["due"] and n["due"] <= stamp),
              "clause": n["clause"], "national": n.get("national")}
             for n in items if n["id"] not in had]
    kept = [{"id": n["id"], "to": n["to"], "due": n["due"], "clause": n["clause"]}
            for n in items if n["id"] in had and n["due"]]
    return added, kept


def related_plans(library, plan: Plan, facts: Any, level: str | None,
                  ahead: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The plans the same event could also be recorded under (the plan's relation clauses), each with the level the
    same facts call for there and its nearest boundary; and, on each of ``ahead``'s consequences, which plan would
    lead if that boundary were crossed (``lead``), by the plans' own relation clauses."""
    from emergency.response.classify import classify
    levels = {plan.id: level}
    out = []
    for pid in dict.fromkeys(r.plan for r in plan.relations if r.plan in library.plans):
        other = library.plan(pid)
        other_level = classify(other, facts)["level"]
        levels[pid] = other_level
        out.append({"plan": pid, "plan_title": other.title, "level": other_level,
                    **headline_of(headline_boundary(other, facts, other_level))})
    if out:
        now_lead = library.lead_plan(levels)
        for x in ahead:
            x["consequences"]["lead"] = library.lead_plan({**levels, plan.id: x["boundary"]["level"]})
            x["consequences"]["lead_changes"] = x["consequences"]["lead"] != now_lead
    return out


def headline_boundary(plan: Plan, facts: Any, level: str | None) -> dict[str, Any] | None:
    """The nearest figure to a higher level (``headline_text`` says it in one line), or None: for the wall screen and
    the board, without the consequences' checklists."""
    return nearest_figure(nearest(boundaries(plan, facts, level)))


def headline(plan: Plan, facts: Any, level: str | None) -> str | None:
    """The nearest figure to a higher level in one line, or None."""
    return headline_text(headline_boundary(plan, facts, level))


def headline_of(figure: dict[str, Any] | None) -> dict[str, Any]:
    """A view's ``near`` (the boundary) and ``headline`` (its line), from the one boundary."""
    return {"near": figure, "headline": headline_text(figure)}


def headline_text(figure: dict[str, Any] | None) -> str | None:
    """The nearest figure in one line, as the API says it (距较大事故（III级）：死亡人数…再增加1人…); the pages render
    the same boundary in their reader's language."""
    return f"距{figure['level_name']}（{figure['level']}级）：{figure['parts'][0]['words']}" if figure else None


def nearest_figure(near: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Of the nearest boundaries, the nearest that one figure decides (any level; the lower on a tie)."""
    return next((b for b in sorted(near.values(), key=lambda b: (nearness(b), LEVEL_RANK[b["level"]]))
                 if b["distance"] is not None and len(b["parts"]) == 1), None)


def assessment(plan: Plan, facts: Any, level: str | None, occurred_at: Any, reported_at: Any,
               now: datetime) -> dict[str, Any]:
    """The 研判 of one plan: every boundary above ``level`` and, for the nearest of each higher level, its
    consequences; ``headline`` is the nearest figure in one line (距较大（III级）：死亡人数再增加1…)."""
    found = boundaries(plan, facts, level)
    near = nearest(found)
    ahead, made = [], {}
    for lv, b in sorted(near.items(), key=lambda kv: LEVEL_RANK[kv[0]]):
        ahead.append({"boundary": b, "consequences": consequences(plan, level, lv, occurred_at, reported_at, now,
                                                                  made)})
    return {"plan": plan.id, "level": level, "boundaries": found, "ahead": ahead,
            **headline_of(nearest_figure(near))}
