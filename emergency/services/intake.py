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


from emergency.services import incidents as service
from emergency.core.clock import format_time, parse_time
from emergency.core.errors import InputError, choices, refuse_unknown
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


# The figures a caller gives that the plans grade by, taken at intake and carried to 定级 and the record (typed once).
INTAKE_FACTS = ("deaths", "missing", "serious_injuries", "poisoned", "evacuated", "petition")


def matter_text(m) -> str:
    """A matter as the intake field shows it once chosen: its words, never its code (A033)."""
    return f"{m.subcategory or m.category}（{m.category}）：{m.matter}"


def matter_choices(routing: RoutingList, said: dict[str, list[str]] | None = None) -> list[dict[str, str]]:
    """Every matter for the searchable list: its words (the field's value), their pinyin initials (危化品 → whp) and
    the words callers use that may mean it (讨薪、堵路…, ``PlanLibrary.matter_words``), so typing any of them finds it."""
    from pypinyin import Style, lazy_pinyin   # a quarter of a second to import: loaded when the intake is first shown

    heard: dict[str, list[str]] = {}
    for word, ids in (said or {}).items():
        for matter in ids:
            heard.setdefault(matter, []).append(word)
    out = []
    for m in routing.matters:
        initials = "".join(lazy_pinyin(m.subcategory or m.category, style=Style.FIRST_LETTER))
        also = " ".join(heard.get(m.id, []))
        out.append({"id": m.id, "value": matter_text(m), "label": f"{m.part} [{initials}]" + (f" {also}" if also else ""),
                    "words": f"{m.subcategory or m.category} {m.matter} {also}".strip(), "initials": initials})
    return out


def resolve_matter(given: Any, routing: RoutingList) -> str:
    """The row a matter field names: its code (the API's way) or its words as the list shows them (the page's)."""
    if not isinstance(given, str) or not given.strip():
        raise InputError("matter", "必须填写：请从12345/110事项清单中选择")
    given = given.strip()
    for m in routing.matters:
        if given in (m.id, matter_text(m)):
            return m.id
    raise InputError("matter", "不在12345/110事项清单中，请从列表中选择（收到：%(got)s）", got=shown(given))


def title_for(intake: dict[str, Any], routing: RoutingList) -> str:
    """An incident's title from the intake: where and what (海门港新区 危化品重大泄露), never the caller's words cut
    mid-phrase; the officer may still change it."""
    m = routing.matter(intake["matter"])
    if intake.get("place"):
        return f"{intake['place']}{m.subcategory or m.category}"[:200]
    # no place given: the caller's first phrase, whole (up to its first stop), when it is short enough to name it
    first = re.split(r"[，。；！？,.;!?\n]", intake.get("description") or "", maxsplit=1)[0].strip()
    return first if 0 < len(first) <= 30 else (m.subcategory or m.category)


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


def check_intake(data: Any, now: datetime, routing: RoutingList, vocabulary) -> dict[str, Any]:
    """A received report, checked whole. Raises InputError naming the first bad field; nothing is half-kept.

    ``received_at`` defaults to ``now``; it may not be in the future, and one more than 7 days back needs
    ``late_reason``.
    """
    if not isinstance(data, dict):
        raise InputError("body", "须为JSON对象")
    known = {"source", "reference", "received_at", "caller", "callback", "place", "description", "matter",
             "late_reason", "drill", "facts", "unit_received_at"}
    refuse_unknown(data, sorted(known))
    source, reference = _source_and_reference(data)
    received, late_reason = _received(data, now)
    callback = clean_text(data.get("callback"), "callback", 40)
    if callback and not PHONE.fullmatch(callback.replace(" ", "")):
        raise InputError("callback", "须为手机（以1开头的11位数字）或带区号的固定电话，例如0513-82212345（收到：%(got)s）",
                         got=shown(callback))
    matter = resolve_matter(data.get("matter"), routing)
    unit_received = _unit_received(data.get("unit_received_at"), source, received)
    facts = _intake_facts(data.get("facts"), vocabulary)
    drill = data.get("drill", False)
    if not isinstance(drill, bool):
        raise InputError("drill", "须为是或否（true/false）")
    return {"source": source, "reference": reference, "received_at": format_time(received),
            "caller": clean_text(data.get("caller"), "caller", 50), "callback": callback.replace(" ", ""),
            "place": clean_text(data.get("place"), "place", 200),
            "description": clean_text(data.get("description"), "description", 2000, multiline=True, required=True),
            "matter": matter, "late_reason": late_reason, "drill": drill, "facts": facts,
            "unit_received_at": format_time(unit_received) if unit_received else None}


def _source_and_reference(data: dict[str, Any]) -> tuple[str, str]:
    """Where the report came from, and its 工单号 or 警情号 (required of 12345 and 110)."""
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
    return source, reference


def _received(data: dict[str, Any], now: datetime) -> tuple[datetime, str]:
    """When the office received it (now by default; never in the future), and why it is entered late (required
    more than 7 days after)."""
    received = parse_time(data.get("received_at") or now, "received_at")
    if received > now + FUTURE_TOLERANCE:
        raise InputError("received_at", "不能晚于当前时间（%(now)s）", now=format_time(now)[:16].replace("T", " "))
    late_reason = clean_text(data.get("late_reason"), "late_reason", 500, multiline=True)
    if now - received > LATE_AFTER and not late_reason:
        raise InputError("late_reason", "接报时间已超过7天，请写明补录原因")
    return received, late_reason


def _unit_received(given: Any, source: str, received: datetime) -> datetime | None:
    """When 110, 12345 or the reporting unit received it themselves: not after us, and not a week before."""
    if not given:
        return None
    if source not in UNIT_RECEIVED:
        raise InputError("unit_received_at", "只有110、12345或报告单位的接报可填写其接报时间")
    unit_received = parse_time(given, "unit_received_at")
    if unit_received > received:
        raise InputError("unit_received_at", "%(unit)s的接报时间不能晚于本单位接报时间（%(ours)s）",
                         unit=UNIT_RECEIVED[source], ours=format_time(received)[:16].replace("T", " "))
    if received - unit_received > LATE_AFTER:
        raise InputError("unit_received_at", "%(unit)s的接报时间早于本单位接报7天以上，请核对",
                         unit=UNIT_RECEIVED[source])
    return unit_received


# Who received the report before us, by source, in words: its own 接报时间 (110's 接警时间) may be given at intake. The
# plans' names for it as a receiving body (whose onward clocks count from that time) are in reference/routing.yaml.
UNIT_RECEIVED = {"110": "110", "12345": "12345", "unit": N_("报告单位")}


def _intake_facts(given: Any, vocabulary) -> dict[str, int]:
    """The caller's figures (INTAKE_FACTS), each a count the vocabulary bounds; an empty one is left out."""
    if given in (None, ""):
        return {}
    if not isinstance(given, dict):
        raise InputError("facts", "须为JSON对象")
    refuse_unknown(given, list(INTAKE_FACTS))
    out = {}
    for name, value in given.items():
        if value in (None, ""):
            continue
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
            value = int(value)
        top = vocabulary.count(name).max
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top:
            raise InputError(f"facts.{name}", "%(field)s须为0至%(top)s的整数", field=vocabulary.label_of(name), top=top)
        out[name] = value
    return out


def new_intake_id() -> str:
    return "int-" + secrets.token_hex(5)


def record(store, data: Any, actor: str, clock, drill_id: str | None = None,
           drill_title: str | None = None) -> dict[str, Any]:
    """Keep a received report (接报登记). Returns the stored intake.

    A drill's intake carries its drill and the title its incident will have, so the drill's later
    injects find the incident the participants open from it."""
    clean = check_intake(data, clock.now(), store.plans.routing, store.plans.vocabulary)
    row = {**clean, "id": new_intake_id(), "drill_id": drill_id, "recorded_by": actor,
           "recorded_at": format_time(clock.now()), "status": "open", "incident_id": None, "plan": None,
           "closed_reason": None, "closed_by": None, "closed_at": None, "drill_title": drill_title}
    store.intakes.add(row)
    return store.intakes.get(row["id"])


def open_incident(store, intake_id: str, plan_id: str, data: dict, actor: str, clock,
                  idempotency_key: str | None = None):
    """Record an incident from an intake: its receipt time becomes the incident's ``reported_at``."""
    intake = store.intakes.get(intake_id)
    store.plans.plan(plan_id)
    if intake["status"] == "incident" and intake["incident_id"]:
        return store.incidents.get(intake["incident_id"])
    data = {**data, "plan": plan_id, "reported_at": intake["received_at"], "drill": intake["drill"]}
    if not data.get("title"):
        data["title"] = title_for(intake, store.plans.routing)
    known = store.plans.routing.sources.get(intake["source"])
    if intake.get("unit_received_at") and known:
        data["units_received"] = {name: intake["unit_received_at"] for name in known.names}
    if intake["drill_id"]:
        data.update(drill_id=intake["drill_id"], event_group=intake["drill_id"])
        if intake["drill_title"]:
            data["title"] = intake["drill_title"]
    if idempotency_key:  # the client's own key, scoped to who sent what
        snap = service.report(store, data, actor, clock, idempotency_key=idempotency_key)
    else:  # one incident per intake, whoever opens it
        snap = service.report(store, data, actor, clock, idempotency_key=f"intake-{intake_id}", scoped=False)
    store.intakes.update(intake_id, "open", status="incident", incident_id=snap.id, plan=plan_id)
    return snap


def close_without_incident(store, intake_id: str, reason: Any, actor: str, clock) -> dict[str, Any]:
    """Keep an intake that opened no incident, with the reason (e.g. 转12345办理，非突发事件)."""
    why = clean_text(reason, "reason", 500, multiline=True, required=True)
    store.intakes.update(intake_id, "open", status="no_incident", closed_reason=why, closed_by=actor,
                        closed_at=format_time(clock.now()))
    return store.intakes.get(intake_id)


# ---------------------------------------------------------------- reading the intakes (the pages' one door to them)

def get(store, intake_id: str) -> dict[str, Any]:
    """One intake record (NotFound when there is none)."""
    return store.intakes.get(intake_id)


def search(store, **filters: Any) -> list[dict[str, Any]]:
    """Intake records by time, matter, words and drill."""
    return store.intakes.search(**filters)


def of_incident(store, incident_id: str, event_group: str | None = None) -> dict[str, Any] | None:
    """The intake an incident (or its event) was opened from, if any."""
    return store.intakes.of(incident_id, event_group)
