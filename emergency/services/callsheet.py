"""The call sheet (通知呼叫单): each notification the plans require, with the numbers to dial for each recipient in
order, the person on duty where the unit keeps a roster, the attempts made so far and the number to try next.

Pure: it takes the notifications (views, with status and due), the incident's attempts, the directory grouped
by unit (``directory.by_unit``), the shifts (``roster.load``) and the moment; the pages, downloads and the API
show what it returns.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from collections.abc import Iterable

from emergency.response import calls
from emergency.response.duties import ACKNOWLEDGED

from emergency.services import directory, roster
from emergency.core.numbers import masked_number
from emergency.core.clock import month_day_time


def _belongs(attempt: dict[str, Any], unit: str, names: set[str], numbers: set[str]) -> bool:
    """An attempt was made to this recipient: it names the unit (by today's or the plan's name) or dialled one
    of its numbers."""
    return (attempt.get("unit") or "") in names or (attempt.get("number") or "") in numbers


def lines(notifications: list[dict[str, Any]], attempts: Iterable[dict[str, Any]], grouped: dict[str, dict[str, Any]],
          shifts: list[roster.Shift], at: datetime, personal: bool,
          roles: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Each notification with ``dial`` (per recipient: ``numbers`` in order, ``on_duty``, its ``attempts`` and
    ``suggest``, the number to try now), ``calls`` (``calls.progress``) and ``requirement`` (what acknowledges it).
    A recipient that is a role of the incident (``roles``: 单位负责人, 原报告接收单位 …) has no standing number: it is
    marked ``role`` and offered none, whatever the directory holds under that name."""
    attempts = [a if personal else masked(a) for a in attempts]
    roles = set(roles)
    out = []
    for n in notifications:
        prog = calls.progress(attempts, n["id"])
        # each recipient of an item is acknowledged on its own (its receipt, or an acknowledging call to it): until
        # then it keeps its numbers, its attempts and its next number, whatever another recipient answered
        receipts = {x["recipient"]: x.get("how") for x in n.get("receipts") or []}
        recipients = [_recipient(r, prog["attempts"], receipts, grouped, shifts, at, personal, roles)
                      for r in n["recipients"]]
        out.append({**n, "dial": recipients, "calls": prog, "requirement": calls.requirement(n["channel"])})
    return out


def _recipient(r: dict[str, Any], attempts: list[dict[str, Any]], receipts: dict[str, Any],
               grouped: dict[str, dict[str, Any]], shifts: list[roster.Shift], at: datetime, personal: bool,
               roles: set[str]) -> dict[str, Any]:
    """One recipient of an item: its numbers in order (none for a role of the incident), who is on duty there, the
    attempts made to it, whether it is acknowledged, and the number to try now."""
    unit = r["current"] or r["plan_name"]
    role = unit in roles or r["plan_name"] in roles
    shift = None if role else roster.on_duty(shifts, unit, at)
    numbers = [] if role else directory.numbers_to_dial(unit, grouped, personal, on_duty=shift)
    names = {unit, r.get("plan_name") or unit, r.get("display") or unit}
    mine = [a for a in attempts if _belongs(a, unit, names, {d["number"] for d in numbers})]
    acknowledged = receipts.get(r["plan_name"]) in ACKNOWLEDGED or any(a.get("acknowledged") for a in mine)
    return {"unit": unit, "display": r["display"], "numbers": numbers, "role": role,
            "on_duty": shift.model_dump() if shift else None, "attempts": mine, "acknowledged": acknowledged,
            "suggest": calls.next_contact(numbers, mine) if numbers and not acknowledged else None}


def first_notice(incident: dict[str, Any], plan_name: str, notification: dict[str, Any]) -> str:
    """The text offered for a first notice by message (the operator edits it before sending): the event, its plan,
    level and time, and the report the plan requires of whom."""
    level = incident.get("level") or incident.get("classified_level")
    head = f"{'【演练】' if incident.get('drill') else ''}{incident.get('title') or plan_name}（{plan_name}"
    head += f"，{level}级" if level else ""
    head += f"，事发{month_day_time(incident['occurred_at'])}）"
    return (f"{head}。按{notification['clause']}向{'、'.join(notification['to'])}{notification['channel_name']}报告，"
            "请值班人员接收并回复。")


NUMBER_KEYS = {"number", "officer_phone", "leader_phone", "mobile", "office_phone", "fax", "duty_line", "phone"}


def masked(attempt: dict[str, Any]) -> dict[str, Any]:
    """An attempt as an observer sees it: a personal mobile dialled is not shown, however it was written."""
    return {**attempt, "number": masked_number(attempt["number"])} if attempt.get("number") else attempt


def for_observer(value: Any) -> Any:
    """Any view (an incident, a list of them, a call sheet) as an observer may see it: every mobile under a key
    that holds a number is masked, at any depth (the incident list showed them)."""
    if isinstance(value, dict):
        return {k: masked_number(v) if k in NUMBER_KEYS else for_observer(v) for k, v in value.items()}
    if isinstance(value, list):
        return [for_observer(v) for v in value]
    return value


HEAD = ["时限", "报告对象", "方式", "条款", "单位", "号码（按拨打顺序）", "已呼叫", "确认", "拨打时间", "接听人", "结果"]
OTHERS_HEAD = ["时限", "条款", "报告单位", "报告对象", "方式", "获知情况"]


def _dial_row(line: dict[str, Any], r: dict[str, Any]) -> list[Any]:
    """One recipient of one item: when, to whom, how, the numbers in order, the attempts; three blanks for the pen."""
    return [line["due"] or "", "、".join(line["to"]), line["channel_name"], line["clause"], r["display"],
            "；".join(f"{d['who']} {d['number']}" for d in r["numbers"]) or "通讯录无此单位号码",
            "；".join(f"{a['at'][11:16]} {a['number']} {calls.OUTCOMES[a['outcome']]} "
                     f"{a['reached'] or a['received_by']}".strip() for a in r["attempts"]),
            "已确认" if r["acknowledged"] else "", "", "", ""]   # this recipient's, as the page says it


def tables(incident: dict[str, Any], call_lines: list[dict[str, Any]]):
    """The sheet as the page shows it, to print or fill by hand (any table format): the office's own items, a row a
    recipient with its numbers in order and the attempts so far, the last three columns blank for the pen; then
    another party's items, to be accounted for, without numbers (they are not dialled from here)."""
    from emergency.services.formats import Table

    own = [line for line in call_lines if line.get("ours") is not False]
    others = [line for line in call_lines if line.get("ours") is False]
    rows = [_dial_row(line, r) for line in own for r in line["dial"]]
    name = f"{'【演练】' if incident['drill'] else ''}{incident['name']}"
    out = [Table("呼叫单", HEAD, rows, heading=f"{name} 呼叫单", made_at=incident["now"])]
    if others:
        out.append(Table("他方的报告事项", OTHERS_HEAD, [
            [line["due"] or "", line["clause"], line["from"], "、".join(line["to"]), line["channel_name"],
             "已记录获知情况" if line.get("status") == "accounted" else "待记录获知情况"] for line in others],
            heading=f"{name} 他方的报告事项", made_at=incident["now"]))
    return out


def gaps(call_lines: list[dict[str, Any]]) -> list[str]:
    """The recipients on the sheet with no number to dial."""
    return sorted({r["display"] for line in call_lines for r in line["dial"] if not r["numbers"] and not r.get("role")})


def commander_on_duty(shifts: list[roster.Shift], duty_room: str, at: datetime) -> dict[str, Any] | None:
    """The 带班领导 of the duty room's shift at ``at`` (who an item about to slip is raised to), or None when the
    roster has nobody there."""
    shift = roster.on_duty(shifts, duty_room, at)
    if shift is None:
        return None
    return {"unit": duty_room, "leader": shift.leader, "leader_phone": shift.leader_phone, "officer": shift.officer,
            "officer_phone": shift.officer_phone, "shift": shift.shift, "until": shift.ends_at}
