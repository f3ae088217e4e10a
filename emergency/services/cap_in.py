"""A warning received from higher government as a CAP 1.2 message becomes the received-warning record.

The plans give the district blue warnings only; yellow, orange and red come from higher government and are recorded
as received, with who issued them (environment 三(三)2, work safety 4.2: ``receive_warning``). A message received
here is read with defusedxml (no DTD, no entities, no external references), refused whole — naming what is wrong,
writing nothing — when it is not CAP 1.2, too large, or its times are not times or out of range. Its plan comes from
its category and event, by the same profile the service writes with (``reference/cap.yaml``); where that names no
plan, or more than one, the officer chooses. Its level comes from its severity by that profile's table read
backwards. A message whose status is Exercise is recorded on the drill side; Actual on the real one; a message of
any other status (System, Test, Draft) is not a warning to act on and is refused.

The same message received twice records one warning (its sender and identifier are the key).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from defusedxml import ElementTree as SafeXML
from defusedxml.common import DefusedXmlException

from emergency.core.clock import Clock, format_time, minute_text
from emergency.core.errors import InputError, Refused
from emergency.services import incidents
from emergency.services.permissions import Actor, IncidentStep, authorize

NS = "{urn:oasis:names:tc:emergency:cap:1.2}"
LARGEST = 256 * 1024                       # bytes: a warning is a page of text, not a file
SENT_AHEAD = timedelta(minutes=10)         # a sender's clock a little ahead is allowed, not tomorrow
OLDEST = timedelta(days=30)                # a month-old message is not a warning in force
RECEIVE = "receive_warning"


@dataclass(frozen=True)
class Warning:
    """What a received CAP message says, as the record needs it."""
    identifier: str
    sender: str
    sender_name: str
    sent: str
    status: str
    category: str
    event: str
    severity: str
    headline: str
    description: str
    onset: str | None
    area: str
    level: str | None          # I–IV from the severity (None: Unknown)
    plans: tuple[str, ...]     # the plans its category and event name


def _parse(body: bytes):
    if len(body) > LARGEST:
        raise InputError("cap", "CAP消息过大（%(size)s字节，上限%(limit)s字节）", size=len(body), limit=LARGEST)
    try:
        root = SafeXML.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise InputError("cap", "CAP消息含有文档类型定义或实体，出于安全原因不予读取") from None
    except SafeXML.ParseError as exc:
        raise InputError("cap", "不是有效的XML（%(where)s）", where=str(exc)[:80]) from None
    if root.tag != f"{NS}alert":
        raise InputError("cap", "不是CAP 1.2消息：根元素须为 urn:oasis:names:tc:emergency:cap:1.2 的 alert")
    return root


def _required(node, name: str) -> str:
    text = (node.findtext(f"{NS}{name}") or "").strip()
    if not text:
        raise InputError(f"cap.{name}", "CAP消息缺少必填元素 %(name)s", name=name)
    return text


def _time(text: str | None, name: str, now: datetime) -> str | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"cap.{name}", "时间格式不对（收到：%(got)s）", got=text[:40]) from None
    if at.tzinfo is None:
        raise InputError(f"cap.{name}", "时间须带时区（如 +08:00）（收到：%(got)s）", got=text[:40])
    if at > now + SENT_AHEAD or at < now - OLDEST:
        raise InputError(f"cap.{name}", "时间不合理：不能晚于现在，也不能早于30天前（收到：%(got)s）", got=text[:40])
    return format_time(at)


def _kind(short_title: str) -> str:
    return re.sub(r"(事件|事故)(（[^）]*）)?$", "", short_title)


def read(body: bytes, plans, now: datetime) -> Warning:
    """The message ``body`` read as a warning (InputError naming what is wrong: nothing is written)."""
    root = _parse(body)
    info = root.find(f"{NS}info")
    if info is None:
        raise InputError("cap.info", "CAP消息没有 info（预警内容）")
    status = _required(root, "status")
    if status not in ("Actual", "Exercise"):
        raise InputError("cap.status", "状态为 %(status)s 的消息不是须处置的预警（只接收 Actual 或 Exercise）",
                         status=status[:20])
    msg_type = _required(root, "msgType")
    if msg_type not in ("Alert", "Update"):
        raise InputError("cap.msgType", "消息类型 %(type)s 须人工处理（此处接收 Alert 与 Update）", type=msg_type[:20])
    sent = _time(_required(root, "sent"), "sent", now)
    profile = plans.cap
    category, event = _required(info, "category"), _required(info, "event")
    severity = _required(info, "severity")
    by_severity = {g.severity: lv for lv, g in profile.levels.items() if lv != "none"}
    named = tuple(p for p, c in profile.categories.items() if c == category and p in plans.plans)
    # of the plans the category names, those whose kind of event the message's event names (突发环境 in 突发环境事件预警)
    by_event = tuple(p for p in named if _kind(plans.plan(p).short_title) in event) or named
    area = info.find(f"{NS}area")
    return Warning(identifier=_required(root, "identifier")[:200], sender=_required(root, "sender")[:200],
                   sender_name=(info.findtext(f"{NS}senderName") or "").strip()[:100], sent=sent, status=status,
                   category=category, event=event[:100], severity=severity,
                   headline=(info.findtext(f"{NS}headline") or "").strip()[:160],
                   description=(info.findtext(f"{NS}description") or "").strip()[:2000],
                   onset=_time(info.findtext(f"{NS}onset"), "onset", now),
                   area=((area.findtext(f"{NS}areaDesc") if area is not None else "") or "").strip()[:200],
                   level=by_severity.get(severity), plans=by_event)


def receive_step(plan):
    """The plan's 接收上级预警 step (its levels, clause and sentence), or None: the plan receives no warning."""
    return next((t for t in plan.lifecycle.transitions if t.trigger == RECEIVE), None)


def message_key(w: Warning) -> str:
    """One key per message (CAP: a sender's identifiers are unique), in the characters a key may hold."""
    return "cap:" + hashlib.sha256(f"{w.sender},{w.identifier}".encode()).hexdigest()[:40]


def receive(store, body: bytes, plan_id: str | None, actor: Actor, clock: Clock) -> Any:
    """Record the warning ``body`` says under ``plan_id`` (or the one plan the message names): the incident, and
    its 接收上级预警 step with who issued it and when. Refused, writing nothing, when the plan is not clear, the
    plan cannot receive a warning, or the level is not one a higher government issues there."""
    now = clock.now()
    w = read(body, store.plans, now)
    plan_id = plan_id or (w.plans[0] if len(w.plans) == 1 else None)
    if not plan_id:
        raise InputError("plan", "消息未指明适用的预案（类别 %(category)s，事件 %(event)s）：请选择预案",
                         category=w.category, event=w.event)
    plan = store.plans.plan(plan_id)
    step = receive_step(plan)
    if step is None:
        raise Refused("《%(plan)s》没有接收上级预警这一步", plan=plan.title)
    drill = w.status == "Exercise"
    authorize(actor, "incident.report", IncidentStep(plan, drill, "report"))
    authorize(actor, "incident.act", IncidentStep(plan, drill, RECEIVE))
    if w.level not in (step.levels or []):
        raise Refused("此预警级别（%(severity)s）不由上级政府发布：%(clause)s“%(text)s”", severity=w.severity,
                      clause=step.clause, text=step.text)
    snap = incidents.report(store, {
        "plan": plan_id, "title": (w.headline or w.event)[:120], "occurred_at": w.onset or w.sent,
        "reported_at": format_time(now), "drill": drill},
        actor.name, clock, idempotency_key=message_key(w), scoped=False)
    if snap.warning_level:       # the same message again: recorded once
        return snap
    note = (f"CAP预警消息（{w.sender}，编号{w.identifier}），{minute_text(w.sent)}发布"
            f"{'，' + w.area if w.area else ''}。{w.description}")
    return incidents.act(store, snap.id, RECEIVE, snap.version, {
        "warning_level": w.level, "issued_by": (w.sender_name or w.sender)[:200], "note": note[:2000]}, actor.name, clock, actor.office)
