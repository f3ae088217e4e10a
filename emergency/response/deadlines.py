"""Dated notifications (信息报告时限): every reporting rule of a plan at a level as a dated item.

Due times are counted from the occurrence (事发) or the receipt of the report (接报), as each
rule says, in Asia/Shanghai. "At once" (立即) items are ``immediate`` and due at the time they
count from; a cap (每级上报时间不得超过2小时) is given as ``latest``. Items that count from a
condition (e.g. 请求上级支援) have no due time until the condition is recorded.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from emergency.core.agencies import Agencies
from emergency.core.clock import format_time, parse_time
from emergency.core.errors import InputError
from emergency.core.inputs import shown
from emergency.plans.model import LEVELS, OfficeRule, Plan, ReportingRule, national_authority
from emergency.core.wording import N_

CHANNEL_NAMES = {"phone": N_("电话"), "written": N_("书面"), "any": N_("不限方式")}
COUNTED_FROM_NAMES = {"occurrence": N_("事发时间"), "receipt": N_("接报时间"), "condition": N_("条件成立时")}


def check_level(level: Any) -> str:
    if level not in LEVELS:
        raise InputError("level", "须为以下之一：%(allowed)s（收到：%(got)s）", allowed=list(LEVELS), got=shown(level))
    return level


def check_times(occurred_at: Any, reported_at: Any) -> tuple[datetime, datetime]:
    """Parse both times; the report cannot be received before the event happened."""
    occurred = parse_time(occurred_at, "occurred_at")
    reported = parse_time(reported_at, "reported_at")
    if reported < occurred:
        raise InputError("reported_at", "接报时间不能早于事发时间")
    return occurred, reported


class Notification(BaseModel):
    """One dated notification of a plan (``notifications``), and its status at a moment once an incident's
    ticks are read (``emergency.services.incidents.notification_status``). Times stay datetimes until ``view``."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    from_: str = Field(alias="from")
    to: list[str]
    recipients: list[dict[str, str | None]]
    channel: Literal["phone", "written", "any"]
    channel_name: str
    immediate: bool
    within_minutes: int | None
    due: datetime | None
    latest: datetime | None
    counted_from: Literal["occurrence", "receipt", "condition"]
    counted_from_name: str
    counted_from_time: datetime | None
    # whose 接报 a receipt-counted item counts from: a unit whose acknowledgement of a call the record holds (its own
    # receipt), else the incident's receipt; ``estimated`` when that is another party's clock counted from ours
    # (按本单位接报时间推算: its receipt is earlier and unknown)
    counted_from_unit: str | None = None
    estimated: bool = False
    any_recipient: bool = False   # 报A或B: one recipient acknowledged suffices (the page says so)
    informs: bool = False         # 通知 alongside a report: a written report's 抄送, never its 主送
    condition: str | None
    kind: str
    clause: str
    text: str
    decision: str | None
    decision_en: str | None = None
    text_en: str | None = None       # a national rule's summary as quoted (``text`` is it in Chinese)
    national: str | None  # a national rule's authority, not the local plan's words
    office: str | None = None  # an office rule's document (本单位规定), neither the plan's nor the nation's words
    example: bool = False      # an office rule that only illustrates (serve --demo): shown 本单位规定（示例）
    # the status at a moment (set by notification_status; unset on a plain checklist)
    owners: list[str] = Field(default_factory=list)   # the units whose duty it is, today's names
    # the status at a moment (set by notification_status; unset on a plain checklist). ``accounted``: another party's
    # item whose every recipient is acknowledged or accounted for; ``closed``: not done when the incident closed
    status: Literal["done", "accounted", "overdue", "pending", "immediate", "open", "closed"] | None = None
    ours: bool | None = None          # the office's own item (set when the office is known)
    receipts: list[dict[str, Any]] | None = None   # per recipient: name, display, how, words, by, at (None: not yet)
    left: list[str] | None = None     # recipients neither acknowledged nor accounted for
    done_by: str | None = None
    done_at: datetime | None = None
    recorded_at: datetime | None = None
    late_minutes: int | None = None
    backdated: bool | None = None
    took_minutes: int | None = None
    overdue_minutes: int | None = None
    past_latest: bool | None = None
    elapsed_minutes: int | None = None
    minutes_left: int | None = None

    def view(self) -> dict[str, Any]:
        """As the pages, the API and the downloads show it: times printed with +08:00; status fields only
        once a status is set."""
        out = self.model_dump(by_alias=True, exclude_unset=True)
        for key in ("due", "latest", "counted_from_time", "done_at", "recorded_at"):
            if key in out:
                out[key] = format_time(out[key])
        return out


def notification_item(rule: ReportingRule, occurred: datetime, reported: datetime,
                      agencies: Agencies, condition_at: datetime | None = None,
                      cause: str | None = None, received: dict[str, datetime] | None = None,
                      office: str | None = None) -> Notification:
    """One dated notification from one rule (its owners for the incident's recorded ``cause``).

    Where the text counts from 接报, each hop counts from its own: ``received`` holds when units received the report
    (a call to them acknowledged), and an item of such a unit counts from that time; ``office`` (who looks) sees its own
    items from its own receipt, another party's from that party's when known, else from the incident's receipt —
    marked ``estimated`` (按本单位接报时间推算)."""
    owners = agencies.owners_of(rule.bodies(cause))
    base = {"occurrence": occurred, "receipt": reported, "condition": condition_at}[rule.counted_from]
    unit, estimated = None, False
    if rule.counted_from == "receipt" and getattr(rule, "own_receipt", False) and (received or office):
        unit, estimated = _counting_unit(owners, received, office)
        if unit is not None:
            base = received[unit]
    due, latest = _due_and_latest(rule, base)
    return Notification(
        id=rule.id, from_=agencies.display(rule.from_), to=[agencies.display(t) for t in rule.to],
        recipients=[agencies.unit(t) for t in rule.to], channel=rule.channel, channel_name=CHANNEL_NAMES[rule.channel],
        immediate=rule.immediate, within_minutes=rule.within_minutes, due=due, latest=latest,
        counted_from=rule.counted_from, counted_from_name=COUNTED_FROM_NAMES[rule.counted_from],
        counted_from_time=base, condition=rule.condition, kind=rule.kind, clause=rule.clause, text=rule.text,
        decision=rule.decision, decision_en=rule.decision_en, text_en=getattr(rule, "text_en", None),
        owners=owners, national=national_authority(rule), **_marks(rule, unit, estimated))


def _counting_unit(owners: list[str], received: dict[str, datetime] | None,
                   office: str | None) -> tuple[str | None, bool]:
    """Whose receipt an item counted from 接报 counts from: the looking office's own when it is an owner and has
    received it, else the owner who received it first; ``estimated`` when neither is known to the looking office,
    another party's item then counting from the incident's receipt."""
    known = {o: received[o] for o in owners if received and o in received}
    unit = None
    if office in known:
        unit = office
    elif office not in owners and known:
        unit = min(known, key=known.get)
    return unit, unit is None and office is not None and office not in owners


def _due_and_latest(rule: ReportingRule, base: datetime | None) -> tuple[datetime | None, datetime | None]:
    """An item's due time (at once, or within its minutes of ``base``; none without a base or a time limit) and its
    latest time (the cap, when the text gives one)."""
    if base is None:
        return None, None
    due = base if rule.immediate else base + timedelta(minutes=rule.within_minutes) \
        if rule.within_minutes is not None else None
    return due, base + timedelta(minutes=rule.cap_minutes) if rule.cap_minutes else None


def _marks(rule: ReportingRule, unit: str | None, estimated: bool) -> dict[str, Any]:
    """The fields an item carries only when they apply (an office's own rule, its example status, whose receipt it
    counts from, an estimate, any one recipient enough, an item that only informs)."""
    out: dict[str, Any] = {}
    if isinstance(rule, OfficeRule):
        out["office"] = rule.authority
        if rule.example:
            out["example"] = True
    if unit:
        out["counted_from_unit"] = unit
    if estimated:
        out["estimated"] = True
    for flag in ("any_recipient", "informs"):
        if getattr(rule, flag, False):
            out[flag] = True
    return out


def notifications(plan: Plan, level: str, occurred_at: Any, reported_at: Any, hot_topic: bool = False,
                  condition_times: dict[str, Any] | None = None,
                  rules: list[ReportingRule] | None = None, cause: str | None = None,
                  received: dict[str, datetime] | None = None, office: str | None = None) -> list[Notification]:
    """Dated notifications for a level (or for ``rules``: an incident's duties, kept ones included), earliest due
    first; items with no due time last."""
    level = check_level(level)
    occurred, reported = check_times(occurred_at, reported_at)
    agencies = plan.library.agencies
    cond = {k: parse_time(v, f"condition_times.{k}") for k, v in (condition_times or {}).items()}
    items = [notification_item(r, occurred, reported, agencies, cond.get(r.id), cause, received, office)
             for r in (rules if rules is not None else plan.rules_for(level, hot_topic))]
    order = {r.id: i for i, r in enumerate(list(plan.reporting.rules) + plan.library.national_rules.rules
                                           + plan.office_rules)}
    order.update({it.id: len(order) for it in items if it.id not in order})
    items.sort(key=lambda it: (it.due is None, it.due or occurred, order[it.id]))
    return items
