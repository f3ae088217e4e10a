"""Whose duty is it: the console speaks for the office that uses it, not for the plan as a whole.

Pure functions over a plan, its reporting rules and an incident's snapshot:

- **Owners.** Every reporting rule names who reports (``from``); ``Agencies.owners`` turns that into units
  (``reference/agencies.yaml``, ``offices``: which office acts for which body the plans name). An item is *ours*
  when the office using the console is among its owners; every other item is *another party's*.
- **Receipts per recipient.** An item addressed to several units is done when each recipient has a receipt: a call
  we made that acknowledges it (接通 with who answered, 传真/送达 with who signed), or, for another party's item, an
  account of what we know (``ACCOUNTS``: 已获知 by a call, the platform or the scene; 已由××报告; 情况不明 with a
  reason). An account is never a call and never satisfies an item of ours.
- **Duties kept across a level change.** When the level changes, a duty of the old level that was already done,
  acknowledged in part, or due by then stays on the record with its original clock (``snap.kept``). None of the four
  plans says that a new level replaces an earlier level's report, so every such duty is kept.
- **Tasks.** A post-incident task may be handed over (移交) to a unit with a due date instead of being ticked, and a
  commander may assign a group's duty, a member unit's duty or a measure (任务下达) to a unit; the unit signs for it
  (签收), reports back (反馈) and it is marked done (办结). ``task_refs`` lists what a plan offers to assign.
"""
from __future__ import annotations

from typing import Any

from emergency.core.agencies import Agencies
from emergency.core.clock import parse_time
from emergency.response.deadlines import notification_item
from emergency.core.incident import Snapshot, UnitTask
from emergency.plans.model import LEVELS, Plan, ReportingRule, national_authority
from emergency.core.wording import N_

# What an office records of another party's duty, in the words a duty room's log uses.
ACCOUNTS = {"known": N_("已获知"), "reported_by": N_("已由他方报告"), "unknown": N_("情况不明")}
# How an office came to know (已获知): a call in, the reporting platform, or feedback from the scene.
KNOWN_VIA = ("来电", "平台", "现场反馈")
ACKNOWLEDGED = {"acknowledged", "ticked"}   # receipts of calls we made (or ticks of records kept elsewhere)
TASK_STATUS = {"assigned": N_("待签收"), "signed": N_("已签收"), "reported": N_("已反馈"), "done": N_("已办结")}
TASK_KINDS = {"handover": N_("移交"), "assignment": N_("任务下达")}


def is_ours(rule: ReportingRule, agencies: Agencies, office: str | None, cause: str | None = None) -> bool:
    """Whether ``rule`` is ``office``'s own duty: the office is among the units its 报告单位 names (``Agencies.owners``:
    today's names; a body no office acts for is its own owner), for the incident's recorded ``cause``."""
    return bool(office) and office in agencies.owners_of(rule.bodies(cause))


def recipients_reached(rule: ReportingRule, unit: str | None, agencies: Agencies) -> list[str]:
    """Which of the rule's recipients a call to ``unit`` reaches: the only one, or every one ``unit`` is or acts for
    (区应急管理局 receives for both 市应急办 and 市安委办); [] when the item has several and ``unit`` is none of them."""
    if len(rule.to) == 1:
        return list(rule.to)
    return [t for t in rule.to if unit and agencies.acts_for(unit, t)]


def call_receipt(call: dict[str, Any]) -> str:
    """How a recipient was reached, as a report says it: 电话，接听人周敏 / 传真，签收人钱七 / 书面送达，签收人钱七."""
    means = {"connected": "电话", "faxed": "传真", "delivered": "书面送达"}[call["outcome"]]
    parts = [means] + ([f"接听人{call['reached']}"] if call.get("reached") else []) + (
        [f"签收人{call['received_by']}"] if call.get("received_by") else [])
    return "，".join(parts)


def receipt_words(receipt: dict[str, Any]) -> str:
    """An account in words: 已获知（来电，110公安指挥中心，02:41）, 已由区应急管理局报告, 情况不明：…"""
    how = receipt.get("how")
    at = (receipt.get("at") or "")[11:16]
    if how == "known":
        return f"已获知（{'，'.join(x for x in (receipt.get('via'), receipt.get('source'), at) if x)}）"
    if how == "reported_by":
        return f"已由{receipt.get('source')}报告（{at}获知）" if at else f"已由{receipt.get('source')}报告"
    if how == "unknown":
        return f"情况不明：{receipt.get('reason')}"
    return receipt.get("note") or ""


def item_state(rule: ReportingRule, receipts: dict[str, Any], ours: bool = False) -> str | None:
    """``done`` when every recipient is acknowledged, ``accounted`` when every recipient is acknowledged or accounted
    for and at least one only accounted for, else None (some recipient left). ``ours``: for the item's own office,
    an account another office made (已获知、已由××报告、情况不明) never stands for a report it owes: only its
    acknowledged recipients count."""
    got = [receipts.get(t) for t in rule.to]
    if getattr(rule, "any_recipient", False) and any(r is not None and (r.how if hasattr(r, "how") else r["how"]) in ACKNOWLEDGED
                                  for r in got):
        return "done"   # 报A或B: one recipient told is the duty done
    if not got or any(r is None for r in got):
        return None
    hows = [r.how if hasattr(r, "how") else r["how"] for r in got]
    if all(h in ACKNOWLEDGED for h in hows):
        return "done"
    return None if ours else "accounted"


def duty_rules(plan: Plan, snap: Snapshot) -> list[ReportingRule]:
    """The reporting rules the incident owes now: those of its level, then those kept from an earlier level."""
    level = snap.effective_level
    rules = list(plan.rules_for(level, snap.hot_topic)) if level else []
    ids = {r.id for r in rules}
    for rid, kept_level in snap.kept.items():
        if rid in ids:
            continue
        rule = next((r for r in plan.rules_for(kept_level, snap.hot_topic) if r.id == rid), None)
        if rule is not None:
            rules.append(rule)
            ids.add(rid)
    return rules


def keep_on_change(plan: Plan, snap: Snapshot, before: str | None, at: str) -> None:
    """After an event that changed the level the incident follows from ``before``: keep every duty of ``before`` that
    the new level does not have and that was done, acknowledged in part or due by ``at`` (``snap.kept``, in place)."""
    after = snap.effective_level
    if before is None or before == after:
        return
    now_ids = {r.id for r in plan.rules_for(after, snap.hot_topic)} if after else set()
    moment = parse_time(at, "at")
    occurred, reported = parse_time(snap.occurred_at, "occurred_at"), parse_time(snap.reported_at, "reported_at")
    for rule in plan.rules_for(before, snap.hot_topic):
        if rule.id in now_ids or rule.id in snap.kept:
            continue
        touched = rule.id in snap.notifications or bool(snap.receipts.get(rule.id))
        cond = snap.condition_times.get(rule.id)
        item = notification_item(rule, occurred, reported, plan.library.agencies,
                                 parse_time(cond, "condition") if cond else None)
        if touched or (item.due is not None and item.due <= moment):
            snap.kept[rule.id] = before


def item_names(plan: Plan) -> dict[str, str]:
    """Every reporting item of the plan at any level (its own, the nation's and the office's rules) in words a person
    reads — 报告单位 → 接收对象 — by id: a timeline or an export names the item, never its id."""
    ag = plan.library.agencies
    rules = {r.id: r for level in LEVELS for r in plan.rules_for(level, hot_topic=True)}
    rules.update((r.id, r) for r in plan.reporting.rules)
    return {rid: f"{ag.display(r.from_)} → {'、'.join(ag.display(t) for t in r.to)}" for rid, r in rules.items()}


# ---- tasks ------------------------------------------------------------------------------------------------------

def task_refs(plan: Plan) -> list[dict[str, str]]:
    """What a commander may assign (任务下达): each working group's duties (lead units), each member unit's duty and
    each measure, with the clause and the unit the plan names (the default assignee)."""
    ag = plan.library.agencies
    out = [{"ref": f"group:{g.id}", "title": g.name, "clause": g.clause, "text": g.duties,
            "unit": ag.owner(g.lead[0])} for g in plan.groups]
    out += [{"ref": f"duty:{i}", "title": f"{ag.current(m.unit) or m.unit}职责", "clause": m.clause, "text": m.text,
             "unit": ag.owner(m.unit)} for i, m in enumerate(plan.member_duties, 1)]
    out += [{"ref": f"measure:{i}", "title": m.text[:24] + ("…" if len(m.text) > 24 else ""), "clause": m.clause,
             "text": m.text, "unit": ""} for i, m in enumerate(plan.measures, 1)]
    return out


def task_ref(plan: Plan, ref: str) -> dict[str, str] | None:
    return next((r for r in task_refs(plan) if r["ref"] == ref), None)


def handed_over(snap: Snapshot, task_id: str) -> UnitTask | None:
    """The handover of a post-incident task of the plan, if it was handed over."""
    return next((t for t in snap.tasks if t.kind == "handover" and t.ref == task_id), None)


def undated_own_items(plans, office: str) -> list[dict[str, Any]]:
    """The office's own reporting items that have no clock (the text says 及时 or gives no limit) and that no office
    rule covers (``OfficeRule.covers``), per plan with the levels each stands at: the gap the plans leave, made
    visible and never filled by invention. An office records its own rule, with its document and sentence, in
    reference/office_rules.yaml."""
    ag = plans.agencies
    covered = {c for r in plans.office_rules.rules for c in r.covers}
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for plan in plans.plans.values():
        for level in LEVELS:
            for rule in plan.rules_for(level):
                if rule.immediate or rule.within_minutes is not None or rule.id in covered:
                    continue
                if not is_ours(rule, ag, office):
                    continue
                item = out.setdefault((plan.id, rule.id), {
                    "plan": plan.id, "plan_title": plan.short_title, "id": rule.id, "levels": [],
                    "clause": rule.clause, "text": rule.text, "to": [ag.display(t) for t in rule.to],
                    "condition": rule.condition, "national": national_authority(rule)})
                item["levels"].append(level)
    return list(out.values())

