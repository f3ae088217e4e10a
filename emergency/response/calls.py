"""Calls and acknowledgements (呼叫与确认): every attempt to pass on a notification the plans require.

A duty officer records each attempt against a notification: when, which number, whom they reached and the
outcome (接通 / 未接 / 占线 / 留言 / 已传真 / 已送达); for a written report, the document sent and who signed for
it (签收). An item is done when it is **acknowledged**, not when it is ticked:

- a phone report (电话) when a call got through (接通) and the person who answered is named;
- a written report (书面) when it was faxed or delivered (or confirmed by a call) and someone signed for it;
- a report by any means (不限方式) by either.

Pure functions over a snapshot's attempts and the numbers to dial (``emergency.services.directory.numbers_to_dial``):
``acknowledges`` (does this attempt close the item), ``progress`` (each item's attempts, failures and
acknowledgement), ``next_contact`` (the number to try now: after two failed attempts on a number, the next
one in order) and ``escalations`` (items due within minutes and not acknowledged, raised to the commander
on duty). The attempts themselves are events of the incident (``record_call``) in the hash-chained log.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from collections.abc import Iterable

from emergency.core.wording import N_

# The outcomes an officer records, in the words of the issue (and of a duty room's paper call log).
OUTCOMES = {"connected": N_("接通"), "no_answer": N_("未接"), "busy": N_("占线"), "voicemail": N_("留言"),
            "faxed": N_("已传真"), "delivered": N_("已送达")}
# Attempts that did not reach anyone: two of them on a number suggest the next number.
FAILED = {"no_answer", "busy", "voicemail"}
# Outcomes that hand over a document: a written report is acknowledged by the signature on its receipt.
HANDED_OVER = {"faxed", "delivered"}
FAILURES_BEFORE_NEXT = 2       # "two failed attempts suggest the next contact"
ESCALATE_WITHIN_MINUTES = 5    # "due in 5 minutes and not acknowledged is raised to the commander on duty"


def acknowledges(channel: str, attempt: dict[str, Any]) -> bool:
    """Whether ``attempt`` acknowledges a notification sent by ``channel`` (phone / written / any).

    A phone report needs a call that got through to a named person; a written one a receipt signed by a named
    person (faxed, delivered, or confirmed on a call that got through); ``any`` takes either.
    """
    outcome = attempt.get("outcome")
    by_phone = outcome == "connected" and bool(attempt.get("reached"))
    signed = bool(attempt.get("received_by")) and outcome in HANDED_OVER | {"connected"}
    if channel == "phone":
        return by_phone
    if channel == "written":
        return signed
    return by_phone or signed


def requirement(channel: str) -> str:
    """What acknowledges an item of ``channel``, for the form and the refusals."""
    return {"phone": N_("电话接通并记录接听人"), "written": N_("传真或送达后记录签收人"),
            "any": N_("电话接通并记录接听人，或送达后记录签收人")}[channel]


def progress(attempts: Iterable[dict[str, Any]], notification: str) -> dict[str, Any]:
    """The attempts of one notification, oldest first, with ``failed`` (how many reached nobody),
    ``acknowledged`` (the first acknowledging attempt, or None) and ``count``."""
    mine = sorted((a for a in attempts if a.get("notification") == notification), key=lambda a: a["at"])
    ack = next((a for a in mine if a.get("acknowledged")), None)
    return {"attempts": mine, "count": len(mine), "failed": sum(1 for a in mine if a.get("outcome") in FAILED),
            "acknowledged": ack}


def next_contact(numbers: list[dict[str, str]], attempts: Iterable[dict[str, Any]],
                 failures: int = FAILURES_BEFORE_NEXT) -> dict[str, Any] | None:
    """The number to try now for one recipient: the first in dialling order with fewer than ``failures`` failed
    attempts, with ``failed_before`` (the numbers passed over and how often each failed). None when every
    number has failed that often (or there is none): the officer needs another way."""
    failed: dict[str, int] = {}
    for a in attempts:
        if a.get("outcome") in FAILED and a.get("number"):
            failed[a["number"]] = failed.get(a["number"], 0) + 1
    passed = []
    for n in numbers:
        if failed.get(n["number"], 0) >= failures:
            passed.append({"number": n["number"], "who": n["who"], "failed": failed[n["number"]]})
            continue
        return {**n, "failed_before": passed, "tries_here": failed.get(n["number"], 0)}
    return None


def escalations(items: Iterable[dict[str, Any]], now: datetime,
                within: int = ESCALATE_WITHIN_MINUTES) -> list[dict[str, Any]]:
    """The notifications (views with ``status`` and ``due``) not acknowledged that are due within ``within``
    minutes of ``now`` or already overdue: each is raised to the commander on duty. At exactly ``within``
    minutes before the due time it is raised; a minute earlier it is not."""
    out = []
    for it in items:
        if it.get("status") in ("done", "open", None) or not it.get("due"):
            continue
        due = it["due"] if isinstance(it["due"], datetime) else datetime.fromisoformat(it["due"])
        if due - now <= timedelta(minutes=within):
            out.append(it)
    return out


def raised_at(due: datetime, within: int = ESCALATE_WITHIN_MINUTES) -> datetime:
    """When an item not yet acknowledged is raised to the commander on duty."""
    return due - timedelta(minutes=within)
