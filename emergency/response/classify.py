"""Classification (事件分级): facts in, the level and the clause that decides it out.

The highest level whose criterion the facts meet wins. Within that level the first criterion
in the plan file decides (the plan's own order). Criteria that need a person's judgement
(``judgement``) never decide; they are listed for the commander. A plan's floor (``always``: every
event in scope is at least this level) is met only when no other criterion is.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from emergency.plans.facts import nonzero
from emergency.plans.model import LEVEL_RANK, LEVELS, Condition, Criterion, Plan


def measure(cond: Condition, facts: BaseModel) -> int:
    values = [getattr(facts, name) for name in (cond.sum or cond.max_of or [])]
    return sum(values) if cond.sum is not None else max(values)


def condition_met(cond: Condition, facts: BaseModel) -> bool:
    """Whether the facts meet one condition; ``judgement`` conditions are never met by facts alone."""
    if cond.sum is not None or cond.max_of is not None:
        value = measure(cond, facts)
        if value < cond.at_least:
            return False
        if cond.below is not None and value >= cond.below:
            return False
        if cond.at_most is not None and value > cond.at_most:
            return False
        return True
    if cond.fact is not None:
        return getattr(facts, cond.fact) in cond.in_
    if cond.flag is not None:
        return bool(getattr(facts, cond.flag))
    if cond.all is not None:
        return all(condition_met(c, facts) for c in cond.all)
    if cond.always:
        return True
    return False


def _criterion_view(plan: Plan, c: Criterion) -> dict[str, Any]:
    return {"id": c.id, "level": c.level, "level_name": plan.level(c.level).name,
            "clause": c.clause, "text": c.text}


def classify(plan: Plan, facts: BaseModel | dict | None) -> dict[str, Any]:
    """Classify facts under a plan.

    Returns a dict: ``plan``; ``level`` (``I``–``IV`` or None when below the plan's scope);
    ``level_name``, ``level_short``, ``colour``; ``deciding`` (the criterion that decided);
    ``met`` (every criterion met, highest level first); ``judgement`` (qualitative criteria
    the facts cannot decide); ``notes`` (how an unclear text was read, facts the plan does not
    use); ``below_scope`` when level is None; ``facts`` (the facts given).
    Raises InputError for bad facts.
    """
    facts = plan.vocabulary.parse(facts)
    met = _met(plan, facts)
    deciding = met[0] if met else None
    level = deciding.level if deciding else None
    return {
        "plan": plan.id,
        "plan_title": plan.title,
        "level": level,
        **_level_words(plan, level),
        "deciding": _criterion_view(plan, deciding) if deciding else None,
        "met": [_criterion_view(plan, c) for c in met],
        "judgement": [
            {"id": c.id, "level": c.level, "clause": c.clause, "text": c.text, "question": c.when.judgement}
            for c in plan.criteria if c.when.judgement
        ],
        "notes": _notes(plan, met, facts),
        "below_scope": None if level else {"clause": plan.below_scope.clause, "text": plan.below_scope.text,
                                           "note": plan.below_scope.note},
        "facts": nonzero(facts),
    }


def _met(plan: Plan, facts: BaseModel) -> list[Criterion]:
    """The criteria the facts meet, highest level first, the plan's order kept within a level; a plan's floor
    (环境 一(五)4(5), 危化 1.5) only when nothing else is met."""
    met = [c for c in plan.criteria if not c.when.always and condition_met(c.when, facts)]
    if not met:
        met = [c for c in plan.criteria if c.when.always]
    met.sort(key=lambda c: -LEVEL_RANK[c.level])  # stable: keeps the plan's order within a level
    return met


def _level_words(plan: Plan, level: str | None) -> dict[str, Any]:
    if not level:
        return {"level_name": None, "level_short": None, "colour": None}
    lv = plan.level(level)
    return {"level_name": lv.name, "level_short": lv.short, "colour": lv.colour}


def _notes(plan: Plan, met: list[Criterion], facts: BaseModel) -> list[dict[str, str]]:
    """How an unclear text was read (the criteria met, then the plan's own notes) and the facts the plan does not
    grade by."""
    notes = [{"clause": c.clause, "note": c.note} for c in met if c.note]
    used = {f.name for f in plan.facts}
    unused = [name for name in nonzero(facts) if name not in used]
    if unused:
        notes.append({"clause": "", "note": "本预案分级标准不使用以下事实，未计入：" + "、".join(unused)})
    return notes + [{"clause": n.clause, "note": n.note} for n in plan.notes]


def raise_level(level: str | None, steps: int) -> str | None:
    """The level ``steps`` above ``level`` (I is the highest)."""
    if level is None:
        return None
    idx = max(0, LEVELS.index(level) - steps)
    return LEVELS[idx]


def format_text(result: dict[str, Any]) -> str:
    """The classification as a few lines of Chinese for a terminal."""
    lines = [result["plan_title"]]
    if result["level"]:
        d = result["deciding"]
        lines.append(f"级别：{result['level_name']}（{result['level']}级）")
        lines.append(f"依据：{d['clause']}  {d['text']}")
        others = [m for m in result["met"] if m["id"] != d["id"]]
        for m in others:
            lines.append(f"  另符合 {m['level']}级 {m['clause']}  {m['text']}")
    else:
        b = result["below_scope"]
        lines.append("级别：未达到本预案分级标准")
        lines.append(f"依据：{b['clause']}  {b['note']}")
    for j in result["judgement"]:
        lines.append(f"需研判：{j['clause']}  {j['text']}")
    for n in result["notes"]:
        lines.append(f"注：{(n['clause'] + ' ') if n['clause'] else ''}{n['note']}")
    return "\n".join(lines)
