"""Intake (接报登记): a report received from 12345, 110, a unit or the public, routed by Haimen's
12345/110 list (海政办发〔2023〕13号 附件, ``reference/routing.yaml`` of the plan library).

``check_intake`` validates what the duty officer typed; ``routing_view`` says which platform
handles the matter first and which of our plans it may open, each with the plan's own scope
sentence and the facts that plan grades by. The receipt time becomes the incident's
``reported_at``, so every "from receipt" deadline counts from the real call.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from pypinyin import Style, lazy_pinyin

from emergency.services import incidents as service
from emergency.core.clock import format_time, parse_time
from emergency.core.errors import InputError, NotFound, choices, refuse_unknown
from emergency.core.inputs import clean_text, shown
from emergency.core.wording import N_
from emergency.plans.routing import RoutingList

SOURCES = {"12345": N_("12345工单"), "110": N_("110警情"), "unit": N_("单位报告"), "public": N_("群众报告"), "other": N_("其他")}
# A work-order or alarm number: the routing document gives no format, so only what no number can hold is refused
# (spaces, Chinese, punctuation other than '-'), with a length any real number fits in. A decision, not the text's.
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{3,31}")
# A call-back number: a mobile (11 digits starting with 1) or a landline with its area code (0513-…), as offices write them.
PHONE = re.compile(r"1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?")
LATE_AFTER = timedelta(days=7)
FUTURE_TOLERANCE = timedelta(minutes=1)


def matter_choices(routing: RoutingList) -> list[dict[str, str]]:
    """Every matter for the searchable list: its words and their pinyin initials (危化品 → whp)."""
    out = []
    for m in routing.matters:
        words = f"{m.subcategory or m.category} {m.matter}"
        initials = "".join(lazy_pinyin(m.subcategory or m.category, style=Style.FIRST_LETTER))
        out.append({"id": m.id, "label": f"{m.subcategory or m.category}（{m.category}，{m.part}）{m.matter} [{initials}]",
                    "words": words, "initials": initials})
    return out


def routing_view(matter_id: str, library) -> dict[str, Any]:
    """Who handles the matter first and which of the library's plans it may open, with the plans' own sentences."""
    routing = library.routing
    m = routing.matter(matter_id)
    part = routing.parts[m.part]
    plans = []
    for link in m.plans:
        plan = library.plan(link.plan)
        plans.append({"plan": plan.id, "title": plan.title, "short_title": plan.short_title, "mode": link.mode,
                      "decision": link.decision, "decision_en": link.decision_en, "scope_clause": plan.scope.clause, "scope_text": plan.scope.text,
                      "facts": [{"name": f.name, "label": f.label} for f in plan.facts]})
    return {"matter": m.model_dump(), "part": m.part, "part_name": part.name,
            "handled_first_by": part.handled_first_by, "handling": part.meaning,
            "basis": routing.basis.model_dump(), "document": routing.document, "plans": plans}


def check_intake(data: Any, now: datetime, routing: RoutingList) -> dict[str, Any]:
    """A received report, checked whole. Raises InputError naming the first bad field; nothing is half-kept.

    ``received_at`` defaults to ``now``; it may not be in the future, and one more than 7 days back needs
    ``late_reason``.
    """
    if not isinstance(data, dict):
        raise InputError("body", "须为JSON对象")
    known = {"source", "reference", "received_at", "caller", "callback", "place", "description", "matter",
             "late_reason", "drill"}
    refuse_unknown(data, sorted(known))
    source = data.get("source")
    if not isinstance(source, str) or source not in SOURCES:
        raise InputError("source", "须为以下之一：%(allowed)s（收到：%(got)s）", allowed=choices(SOURCES),
                         got=shown(source))
    reference = clean_text(data.get("reference"), "reference", 40)
    if source in ("12345", "110") and not reference:
        raise InputError("reference", "%(source)s须填写编号", source=SOURCES[source])
    if reference and not REFERENCE.fullmatch(reference):
        raise InputError("reference", "工单号或警情号须为4至32个字母、数字或“-”，例如20231122000123（收到：%(got)s）",
                         got=shown(reference))
    received = parse_time(data.get("received_at") or now, "received_at")
    if received > now + FUTURE_TOLERANCE:
        raise InputError("received_at", "不能晚于当前时间（%(now)s）", now=format_time(now)[:16].replace("T", " "))
    late_reason = clean_text(data.get("late_reason"), "late_reason", 500, multiline=True)
    if now - received > LATE_AFTER and not late_reason:
        raise InputError("late_reason", "接报时间已超过7天，请写明补录原因")
    callback = clean_text(data.get("callback"), "callback", 40)
    if callback and not PHONE.fullmatch(callback.replace(" ", "")):
        raise InputError("callback", "须为手机（以1开头的11位数字）或带区号的固定电话，例如0513-82212345（收到：%(got)s）",
                         got=shown(callback))
    matter = data.get("matter")
    if not isinstance(matter, str) or not matter:
        raise InputError("matter", "必须填写：请从12345/110事项清单中选择")
    try:
        routing.matter(matter)
    except NotFound:
        raise InputError("matter", "不在12345/110事项清单中（收到：%(got)s）", got=shown(matter)) from None
    drill = data.get("drill", False)
    if not isinstance(drill, bool):
        raise InputError("drill", "须为是或否（true/false）")
    return {"source": source, "reference": reference, "received_at": format_time(received),
            "caller": clean_text(data.get("caller"), "caller", 50), "callback": callback.replace(" ", ""),
            "place": clean_text(data.get("place"), "place", 200),
            "description": clean_text(data.get("description"), "description", 2000, multiline=True, required=True),
            "matter": matter, "late_reason": late_reason, "drill": drill}


def new_intake_id() -> str:
    return "int-" + secrets.token_hex(5)


def record(store, data: Any, actor: str, clock, drill_id: str | None = None,
           drill_title: str | None = None) -> dict[str, Any]:
    """Keep a received report (接报登记). Returns the stored intake.

    A drill's intake carries its drill and the title its incident will have, so the drill's later
    injects find the incident the participants open from it."""
    clean = check_intake(data, clock.now(), store.plans.routing)
    row = {**clean, "id": new_intake_id(), "drill_id": drill_id, "recorded_by": actor,
           "recorded_at": format_time(clock.now()), "status": "open", "incident_id": None, "plan": None,
           "closed_reason": None, "closed_by": None, "closed_at": None, "drill_title": drill_title}
    store.add_intake(row)
    return store.get_intake(row["id"])


def open_incident(store, intake_id: str, plan_id: str, data: dict, actor: str, clock,
                  idempotency_key: str | None = None):
    """Record an incident from an intake: its receipt time becomes the incident's ``reported_at``."""
    intake = store.get_intake(intake_id)
    store.plans.plan(plan_id)
    if intake["status"] == "incident" and intake["incident_id"]:
        return store.get(intake["incident_id"])
    data = {**data, "plan": plan_id, "reported_at": intake["received_at"], "drill": intake["drill"]}
    if intake["drill_id"]:
        data.update(drill_id=intake["drill_id"], event_group=intake["drill_id"])
        if intake["drill_title"]:
            data["title"] = intake["drill_title"]
    if idempotency_key:  # the client's own key, scoped to who sent what
        snap = service.report(store, data, actor, clock, idempotency_key=idempotency_key)
    else:  # one incident per intake, whoever opens it
        snap = service.report(store, data, actor, clock, idempotency_key=f"intake-{intake_id}", scoped=False)
    store.update_intake(intake_id, "open", status="incident", incident_id=snap.id, plan=plan_id)
    return snap


def close_without_incident(store, intake_id: str, reason: Any, actor: str, clock) -> dict[str, Any]:
    """Keep an intake that opened no incident, with the reason (e.g. 转12345办理，非突发事件)."""
    why = clean_text(reason, "reason", 500, multiline=True, required=True)
    store.update_intake(intake_id, "open", status="no_incident", closed_reason=why, closed_by=actor,
                        closed_at=format_time(clock.now()))
    return store.get_intake(intake_id)
