"""What a plan revision changes for the people on duty (预案修订对比): ``emergency diff OLD NEW``.

Compares two versions of one plan: level thresholds (and the cases that now grade differently,
found by classifying every bound of either version, at and just below it, under both), reporting
deadlines and recipients, groups and their leads, lifecycle states and guards, termination.
Returns plain findings; ``as_text`` and ``as_markdown`` write them for people.
"""
from __future__ import annotations

from typing import Any

from emergency.response.classify import classify
from emergency.plans.model import Condition, Plan
from emergency.response.registry import guard_words

COUNT_WORDS = {"at_least": "至少", "below": "少于", "at_most": "至多"}
FIELD_WORDS = {"level": "级别", "warning_level": "预警级别", "reason": "理由", "approved_by": "批准人",
               "declared_by": "宣布单位", "received_by": "接管机构", "issued_by": "发布机关", "condition": "终止条件",
               "task": "任务", "note": "情况", "notification": "报告事项"}


def _step_words(plan: Plan, t) -> str:
    """A lifecycle step's conditions and what it asks for, in words."""
    guards = "、".join(guard_words(g, plan, t) for g in t.conditions) or "无条件"
    asks = "、".join(FIELD_WORDS.get(f, f) for f in t.requires) or "无"
    return f"{guards}；需填写：{asks}" + (f"；适用{'/'.join(t.levels)}级" if t.levels else "")


def _cond(c: Condition) -> str:
    """A condition in words: 死亡人数+失踪人数 至少30、少于100."""
    if c.sum is not None or c.max_of is not None:
        names = "+".join(c.sum or []) if c.sum is not None else "max(" + ",".join(c.max_of or []) + ")"
        bounds = [f"{COUNT_WORDS[k]}{getattr(c, k)}" for k in ("at_least", "below", "at_most")
                  if getattr(c, k) is not None and not (k == "at_least" and getattr(c, k) == 0)]
        return f"{names} {'、'.join(bounds)}"
    if c.fact is not None:
        return f"{c.fact} ∈ {'/'.join(c.in_)}"
    if c.flag is not None:
        return c.flag
    if c.all is not None:
        return " 且 ".join(_cond(x) for x in c.all)
    if c.always:
        return "（兜底：未达其他标准时）"
    return f"（研判：{c.judgement}）"


def _rule_words(r) -> str:
    when = "立即" if r.immediate else (f"{r.within_minutes}分钟内" if r.within_minutes else "无时限")
    start = {"occurrence": "自事发", "receipt": "自接报", "condition": "自条件成立"}[r.counted_from]
    return (f"{r.from_} → {'、'.join(r.to)}（{ {'phone': '电话', 'written': '书面', 'any': '不限方式'}[r.channel] }，"
            f"{start}{when}，{'/'.join(r.levels)}级）")


def _bound_cases(old: Plan, new: Plan) -> list[dict[str, Any]]:
    bounds: dict[str, set[int]] = {}

    def walk(c: Condition):
        for name in (c.sum or []) + (c.max_of or []):
            for b in (c.at_least, c.below, (c.at_most + 1) if c.at_most is not None else None):
                if b:
                    bounds.setdefault(name, set()).update({b, b - 1})
        for sub in c.all or []:
            walk(sub)

    for plan in (old, new):
        for crit in plan.criteria:
            walk(crit.when)
    return [{fact: value} for fact in sorted(bounds) for value in sorted(bounds[fact]) if value >= 0]


def diff_plans(old: Plan, new: Plan) -> list[dict[str, Any]]:
    """Every change between two versions of a plan, as ``{"area", "what", "old", "new", "clause"}``."""
    out: list[dict[str, Any]] = []

    def add(area: str, what: str, before: Any, after: Any, clause: str = "") -> None:
        out.append({"area": area, "what": what, "old": before, "new": after, "clause": clause})

    def keyed(area: str, olds: list, news: list, key, name, words, changed) -> None:
        """Items matched by id: added, removed, or changed as ``changed(a, b)`` reports."""
        a_map, b_map = {key(x): x for x in olds}, {key(x): x for x in news}
        for k in sorted(a_map.keys() | b_map.keys()):
            a, b = a_map.get(k), b_map.get(k)
            if a is None:
                add(area, f"新增 {name(b)}", None, words(b), b.clause)
            elif b is None:
                add(area, f"删除 {name(a)}", words(a), None, a.clause)
            else:
                for what, before, after in changed(a, b):
                    add(area, what, before, after, b.clause)

    # ---- levels: thresholds, then the cases they move
    def criterion_changes(a, b):
        if (a.when, a.level) != (b.when, b.level):
            return [(f"{b.id}（{b.level}级）", _cond(a.when), _cond(b.when))]
        return [(f"{b.id} 原文", a.text, b.text)] if a.text != b.text else []

    keyed("分级标准", old.criteria, new.criteria, lambda c: c.id, lambda c: f"{c.level}级 {c.id}",
          lambda c: f"{_cond(c.when)} — {c.text}", criterion_changes)
    if old.criteria != new.criteria:
        _moved_cases(old, new, add)

    # ---- reporting
    keyed("信息报告", old.reporting.rules, new.reporting.rules, lambda r: r.id, lambda r: r.id, _rule_words,
          lambda a, b: [(b.id, _rule_words(a), _rule_words(b))] if _rule_words(a) != _rule_words(b) else [])

    # ---- groups
    def group_changes(a, b):
        out_ = []
        if a.lead != b.lead:
            out_.append((f"{b.name} 牵头单位", "、".join(a.lead), "、".join(b.lead)))
        if a.members != b.members:
            out_.append((f"{b.name} 成员单位", "、".join(a.members) or "—", "、".join(b.members) or "—"))
        return out_

    keyed("工作组", old.groups, new.groups, lambda g: g.id, lambda g: g.name,
          lambda g: f"牵头：{'、'.join(g.lead)}", group_changes)

    _lifecycle_changes(old, new, add)
    _termination_changes(old, new, add)
    return out


def _moved_cases(old: Plan, new: Plan, add) -> None:
    """The cases at the bounds of either version whose level the revision moves (定级结果)."""
    def words(level, clause):
        return f"{level}级（{clause}）" if level else "未达分级标准"

    for facts in _bound_cases(old, new):
        ra, rb = classify(old, facts), classify(new, facts)
        la = (ra["level"], ra["deciding"]["clause"] if ra["deciding"] else None)
        lb = (rb["level"], rb["deciding"]["clause"] if rb["deciding"] else None)
        if la[0] != lb[0]:
            add("定级结果", "、".join(f"{k}={v}" for k, v in facts.items()), words(*la), words(*lb))


def _lifecycle_changes(old: Plan, new: Plan, add) -> None:
    """States added or removed, and steps added, removed or given other conditions (响应流程)."""
    sa = {s.name: s.label for s in old.lifecycle.states}
    sb = {s.name: s.label for s in new.lifecycle.states}
    for name in sorted(sa.keys() ^ sb.keys()):
        add("响应流程", f"{'新增' if name in sb else '删除'}状态 {name}", sa.get(name), sb.get(name))

    def key(t):
        return (t.trigger, tuple(t.source), t.dest)

    ta = {key(t): t for t in old.lifecycle.transitions}
    tb = {key(t): t for t in new.lifecycle.transitions}
    for k in sorted(ta.keys() | tb.keys(), key=str):
        a, b = ta.get(k), tb.get(k)
        where = f"{'/'.join(k[1])} → {k[2] or '（不变）'}"
        if a is None:
            add("响应流程", f"新增步骤 {b.label}", None, f"{where}；{_step_words(new, b)}", b.clause)
        elif b is None:
            add("响应流程", f"删除步骤 {a.label}", f"{where}；{_step_words(old, a)}", None, a.clause)
        elif (a.conditions, a.requires, a.levels) != (b.conditions, b.requires, b.levels):
            add("响应流程", f"{b.label} 的条件", _step_words(old, a), _step_words(new, b), b.clause)


def _termination_changes(old: Plan, new: Plan, add) -> None:
    """The way termination is judged and its conditions (应急终止)."""
    modes = {"any": "符合其一", "all": "须全部满足"}
    if old.termination.mode != new.termination.mode:
        add("应急终止", "判断方式", modes[old.termination.mode], modes[new.termination.mode], new.termination.clause)
    ca = {c.id: c.text for c in old.termination.conditions}
    cb = {c.id: c.text for c in new.termination.conditions}
    for cid in sorted(ca.keys() | cb.keys()):
        if ca.get(cid) != cb.get(cid):
            add("应急终止", f"条件 {cid}", ca.get(cid), cb.get(cid), new.termination.clause)


def as_text(changes: list[dict[str, Any]], title: str) -> str:
    if not changes:
        return f"{title}: 无变化 (nothing changed)\n"
    lines = [f"{title}: {len(changes)} 处变化"]
    for c in changes:
        clause = f" [{c['clause']}]" if c["clause"] else ""
        lines.append(f"- {c['area']} · {c['what']}{clause}: {c['old'] if c['old'] is not None else '（无）'} → "
                     f"{c['new'] if c['new'] is not None else '（无）'}")
    return "\n".join(lines) + "\n"


def as_markdown(changes: list[dict[str, Any]], title: str) -> str:
    if not changes:
        return f"# {title}\n\n无变化。\n"
    lines = [f"# {title}", "", "| 方面 | 事项 | 条款 | 原 | 新 |", "|---|---|---|---|---|"]
    for c in changes:
        cells = [c["area"], c["what"], c["clause"] or "", str(c["old"] or "（无）"), str(c["new"] or "（无）")]
        lines.append("| " + " | ".join(x.replace("|", "｜") for x in cells) + " |")
    return "\n".join(lines) + "\n"
