"""Dated notifications (信息报告时限): every reporting rule of a plan at a level as a dated item.

Due times are counted from the occurrence (事发) or the receipt of the report (接报), as each
rule says, in Asia/Shanghai. "At once" (立即) items are ``immediate`` and due at the time they
count from; a cap (每级上报时间不得超过2小时) is given as ``latest``. Items that count from a
condition (e.g. 请求上级支援) have no due time until the condition is recorded.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .agencies import Agencies
from .clock import format_time, parse_time
from .errors import InputError
from .plans import LEVELS, Plan, ReportingRule

CHANNEL_NAMES = {"phone": "电话", "written": "书面", "any": "不限方式"}
COUNTED_FROM_NAMES = {"occurrence": "事发时间", "receipt": "接报时间", "condition": "条件成立时"}


def check_level(level: Any) -> str:
    if level not in LEVELS:
        raise InputError("level", f"must be one of {', '.join(LEVELS)} (got {level!r})")
    return level


def check_times(occurred_at: Any, reported_at: Any) -> tuple[datetime, datetime]:
    """Parse both times; the report cannot be received before the event happened."""
    occurred = parse_time(occurred_at, "occurred_at")
    reported = parse_time(reported_at, "reported_at")
    if reported < occurred:
        raise InputError("reported_at", "must not be before occurred_at (接报时间不能早于事发时间)")
    return occurred, reported


def notification_item(rule: ReportingRule, occurred: datetime, reported: datetime,
                      agencies: Agencies, condition_at: datetime | None = None) -> dict[str, Any]:
    """One dated notification from one rule."""
    base = {"occurrence": occurred, "receipt": reported, "condition": condition_at}[rule.counted_from]
    if base is None:
        due = None
    elif rule.immediate:
        due = base
    elif rule.within_minutes is not None:
        due = base + timedelta(minutes=rule.within_minutes)
    else:
        due = None
    latest = base + timedelta(minutes=rule.cap_minutes) if (base is not None and rule.cap_minutes) else None
    return {
        "id": rule.id,
        "from": agencies.display(rule.from_),
        "to": [agencies.display(t) for t in rule.to],
        "recipients": [agencies.unit(t) for t in rule.to],
        "channel": rule.channel,
        "channel_name": CHANNEL_NAMES[rule.channel],
        "immediate": rule.immediate,
        "within_minutes": rule.within_minutes,
        "due": format_time(due),
        "latest": format_time(latest),
        "counted_from": rule.counted_from,
        "counted_from_name": COUNTED_FROM_NAMES[rule.counted_from],
        "counted_from_time": format_time(base),
        "condition": rule.condition,
        "kind": rule.kind,
        "clause": rule.clause,
        "text": rule.text,
        "decision": rule.decision,
        "national": getattr(rule, "authority", None),  # a national rule, not the local plan's words
    }


def notifications(plan: Plan, level: str, occurred_at: Any, reported_at: Any, hot_topic: bool = False,
                  condition_times: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Dated notifications for a level, earliest due first; items with no due time last."""
    level = check_level(level)
    occurred, reported = check_times(occurred_at, reported_at)
    agencies = plan.library.agencies
    cond = {k: parse_time(v, f"condition_times.{k}") for k, v in (condition_times or {}).items()}
    items = [notification_item(r, occurred, reported, agencies, cond.get(r.id))
             for r in plan.rules_for(level, hot_topic)]
    order = {r.id: i for i, r in enumerate(list(plan.reporting.rules) + plan.library.national_rules.rules)}
    items.sort(key=lambda it: (it["due"] is None, it["due"] or "", order[it["id"]]))
    return items
