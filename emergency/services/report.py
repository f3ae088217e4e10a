"""After-action reports (应急过程评价 / 总结报告) of drills.

For each incident of a drill, at the moment the drill finished: each deadline met or missed and
by how many minutes; the level chosen against the level the facts called for after each event;
the groups stood up; the termination conditions checked. Findings are what a controller can
turn into improvement items, each linked to the clause it concerns.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from emergency.response import calls
from emergency.response.checklist import checklist as build_checklist
from emergency.core.clock import format_time, parse_time
from emergency.core.incident import Snapshot
from emergency.services.incidents import notification_status, ours
from emergency.response.library import PlanLibrary, library
from emergency.response.lifecycle import step_label
from emergency.plans.model import LEVEL_RANK
from emergency.services.shift import drill_findings


class Finding(TypedDict, total=False):
    """What the drill found, in words a controller turns into an improvement item, with the clause it concerns."""
    kind: str              # deadline, calls, level, termination, handover (a problem) or handover_ok (said, not one)
    text: str
    clause: str
    plan: str | None
    incident_id: str
    notification: str
    minutes: int | None


class LevelRow(TypedDict):
    """The level decided against the level the facts called for, after an event that changed either."""
    at: str
    trigger: str
    label: str
    actor: str
    chosen: str | None
    facts_call_for: str | None
    match: str | None      # match, under, over, or None when one of them is not known


# Another party's item, with how the drill's officers accounted for each recipient (``from``, a keyword, is its
# 报告单位 as every other view names it: hence the functional form)
OthersItem = TypedDict("OthersItem", {"id": str, "from": str, "to": list[str], "channel_name": str, "clause": str,
                                      "accounted": bool, "recipients": list[dict[str, str]]})


class IncidentReport(TypedDict):
    """One incident of a drill as the after-action report judges it at the drill's end. ``deadlines``: the office's
    own items, each its notification's view with ``verdict``, ``minutes`` and how it was called (``call_score``)."""
    incident_id: str
    title: str
    plan: str
    plan_title: str
    scores: dict[str, int]
    state: str
    level: str | None
    classified_level: str | None
    office: str | None
    deadlines: list[dict[str, Any]]
    others: list[OthersItem]
    levels: list[LevelRow]
    groups_stood_up: list[str]
    conditions: list[dict[str, Any]]
    termination_mode: str
    findings: list[Finding]
    events: list[dict[str, Any]]


class DrillReport(TypedDict):
    """A drill's after-action report (应急演练评估报告): the page, its Word file and the improvement items read these
    fields and no others (tests/integration/test_drills.py holds the report to them)."""
    drill_id: str
    title: str
    office: str | None
    scenario_id: str
    seed: int | None
    variation: Any
    start: str
    end: str
    minutes: int
    incidents: list[IncidentReport]
    log: list[dict[str, Any]]
    handover: list[Finding]
    findings: list[Finding]
    chart: dict[str, Any]


def call_score(snap: Snapshot, notification: str, due: str | None, end: datetime) -> dict[str, Any]:
    """How one notification was passed on (drills score attempts, not ticks): ``attempts`` and ``failed_attempts``,
    ``acknowledged_at`` and by whom (None when no call acknowledged it), ``messages`` sent, ``ticked_only`` (done by a
    bare tick, with no call that acknowledged it) and ``escalated`` (still unacknowledged 5 minutes before its due
    time, so raised to the commander on duty)."""
    prog = calls.progress([a.model_dump() for a in snap.calls], notification)
    ack = prog["acknowledged"]
    escalated = False
    if due:
        raised = calls.raised_at(parse_time(due, "due"))
        escalated = end >= raised and (ack is None or parse_time(ack["at"], "at") > raised)
    return {"attempts": prog["count"], "failed_attempts": prog["failed"],
            "acknowledged_at": ack["at"] if ack else None, "acknowledged_by": (ack["reached"] or ack["received_by"]) if ack else None,
            "messages": sum(1 for m in snap.messages if m.notification == notification),
            "ticked_only": notification in snap.notifications and ack is None, "escalated": escalated}


def deadline_rows(snap: Snapshot, end: datetime, plans: PlanLibrary,
                  office: str | None = None) -> list[dict[str, Any]]:
    """Each of the incident's deadlines judged at ``end``: met, late, missed, not yet due or without a limit,
    with how it was called (``call_score``). With ``office``, each row says whether it is ``ours``; another party's
    item whose recipients were all accounted for is ``accounted``."""
    rows = []
    for n in (item.view() for item in notification_status(snap, end, plans, office)):
        if n["status"] == "accounted":
            verdict, minutes = "accounted", None
        elif n["status"] == "open":
            verdict, minutes = "no_limit", None
        elif n["status"] == "done":
            late = n.get("late_minutes")
            if n["immediate"]:
                # 立即 has no allowance in the text: made after its moment, it was late
                verdict, minutes = ("done_at_once" if (n.get("took_minutes") or 0) <= 0 else "late"), n.get("took_minutes")
            else:
                verdict, minutes = ("met" if (late or 0) <= 0 else "late"), late
        elif n["status"] == "pending":  # not yet due when the drill ended
            verdict, minutes = "not_due", n["minutes_left"]
        else:  # overdue, or an at-once report never made
            verdict, minutes = "missed", n.get("overdue_minutes", n.get("elapsed_minutes"))
        rows.append({**n, "verdict": verdict, "minutes": minutes, **call_score(snap, n["id"], n["due"], end)})
    rows.sort(key=lambda r: (r["due"] is None, r["due"] or ""))  # the report reads in time order
    return rows


def _level_rows(events: list[dict[str, Any]], plan) -> list[LevelRow]:
    """The level decided against the level the facts called for, at the first event and at each event after which
    either changed (a call or a note that changes neither adds no row), each step by its name."""
    rows, last = [], None
    for e in events:
        chosen, called = e["level"], e["classified_level"]
        if rows and (chosen, called) == last:
            continue
        last = (chosen, called)
        match = None
        if chosen and called:
            match = "match" if chosen == called else ("under" if LEVEL_RANK[called] > LEVEL_RANK[chosen] else "over")
        rows.append({"at": e["at"], "trigger": e["trigger"], "label": step_label(plan, e["trigger"]), "actor": e["actor"],
                     "chosen": chosen, "facts_call_for": called, "match": match})
    return rows


def accounted_rows(rows: list[dict[str, Any]]) -> list[OthersItem]:
    """Another party's items as the after-action report lists them: who reports to whom, and for each
    recipient how the drill's officers accounted for it (已获知、已由××报告、情况不明) or that nothing was recorded."""
    return [{"id": r["id"], "from": r["from"], "to": r["to"], "channel_name": r["channel_name"], "clause": r["clause"],
             "accounted": r["verdict"] in ("accounted", "met", "done_at_once", "late"),
             "recipients": [{"display": t["display"], "words": t.get("words") or "未记录获知情况"}
                            for t in r.get("receipts") or []]} for r in rows]


def incident_report(snap: Snapshot, events: list[dict[str, Any]], end: datetime,
                    plans: PlanLibrary | None = None, office: str | None = None) -> IncidentReport:
    """One incident of a drill judged at ``end``. ``office``: the office the drill trains — only its own
    items are scored and make findings; another party's are listed with how they were accounted for."""
    plans = plans or library()
    plan = plans.plan_for(snap.plan, snap.plan_version)
    rows = deadline_rows(snap, end, plans, office)
    deadlines = [d for d in rows if ours(d)]
    others = accounted_rows([d for d in rows if not ours(d)])
    levels = _level_rows(events, plan)
    level = snap.effective_level
    groups = build_checklist(plan, level, snap.occurred_at, snap.reported_at, cause=snap.cause)["groups"] if level else []
    stood_up = [g["name"] for g in groups] if snap.level else []
    conditions = [{"id": c.id, "text": c.text, "clause": c.clause, "confirmed": c.id in snap.confirmed_conditions,
                   "by": snap.confirmed_conditions[c.id].by if c.id in snap.confirmed_conditions else None}
                  for c in plan.termination.conditions]
    findings = [f for d in deadlines for f in _item_findings(snap, d)] + _response_findings(snap, plan, levels,
                                                                                            conditions)
    scores = _scores(deadlines)
    return {"incident_id": snap.id, "title": snap.title, "plan": snap.plan, "plan_title": plan.title, "scores": scores,
            "state": plan.lifecycle.state(snap.state).label, "level": snap.level, "classified_level": snap.classified_level,
            "office": office, "deadlines": deadlines, "others": others, "levels": levels, "groups_stood_up": stood_up, "conditions": conditions,
            "termination_mode": plan.termination.mode, "findings": findings, "events": events}


def _item_findings(snap: Snapshot, d: dict[str, Any]) -> list[Finding]:
    """What a drill finds of one of the office's items: missed or late, a 及时 item never made, ticked without a
    call, or called and never acknowledged."""
    out = []
    base = {"clause": d["clause"], "plan": snap.plan, "incident_id": snap.id, "notification": d["id"]}
    if d["verdict"] in ("missed", "late"):
        what = "未完成" if d["verdict"] == "missed" else ("未立即报告" if d["immediate"] else "超时完成")
        out.append({"kind": "deadline", **base, "minutes": d["minutes"],
                    "text": f"{d['from']} → {'、'.join(d['to'])}（{d['channel_name']}）{what}，"
                            f"超过时限{d['minutes']}分钟（{d['clause']}）"})
    if d["verdict"] == "no_limit" and d.get("counted_from") != "condition" and d.get("left") != []:
        # 及时 (no clock in the text) is still owed: a drill in which it was never made finds it, by name
        out.append({"kind": "deadline", **base, "minutes": None,
                    "text": f"{d['from']} → {'、'.join(d.get('left') or d['to'])}（{d['channel_name']}）"
                            f"至演练结束未报告（{d['clause']}；预案未规定时限，应及时报告）"})
    if d["ticked_only"]:
        out.append({"kind": "calls", **base, "minutes": None,
                    "text": f"{d['from']} → {'、'.join(d['to'])}（{d['channel_name']}）只勾选完成，无接通或签收的"
                            f"呼叫记录（{d['clause']}；演练按呼叫与确认计分）"})
    elif d["failed_attempts"] and not d["acknowledged_at"]:
        out.append({"kind": "calls", **base, "minutes": None,
                    "text": f"{'、'.join(d['to'])}（{d['channel_name']}）呼叫{d['attempts']}次、"
                            f"{d['failed_attempts']}次未接通，至演练结束未获确认（{d['clause']}）"})
    return out


def _response_findings(snap: Snapshot, plan, levels: list[LevelRow],
                       conditions: list[dict[str, Any]]) -> list[Finding]:
    """What a drill finds of the response: no level decided, a level below the facts', termination unconfirmed."""
    out = []
    base = {"plan": snap.plan, "incident_id": snap.id}
    if snap.level is None and snap.classified_level and snap.state not in plan.lifecycle.without_response:
        out.append({"kind": "level", "clause": plan.level(snap.classified_level).clause, **base,
                    "text": f"演练结束时仍未确定响应级别（事实对应{snap.classified_level}级，{snap.deciding_clause}）"})
    under = next((r for r in levels if r["match"] == "under"), None)
    if under:
        out.append({"kind": "level", "clause": "", **base,
                    "text": f"{under['at'][11:16]} 响应级别{under['chosen']}级低于事实对应的{under['facts_call_for']}级"})
    missing = [c for c in conditions if not c["confirmed"]]
    if snap.state not in plan.lifecycle.response_ended and snap.level and missing:
        out.append({"kind": "termination", "clause": plan.termination.clause, **base,
                    "text": "演练结束时应急终止条件尚未确认：" + "；".join(c["text"] for c in missing)})
    return out


def _scores(deadlines: list[dict[str, Any]]) -> dict[str, int]:
    """The office's items in numbers: timed and untimed, acknowledgements in time; calls, ticks, escalations."""
    timed = [d for d in deadlines if d["due"]]
    untimed = [d for d in deadlines if not d["due"] and d.get("counted_from") != "condition"]
    return {"deadlines": len(timed), "untimed": len(untimed),
            "untimed_missed": sum(1 for d in untimed if d["verdict"] == "no_limit" and d.get("left") != []),
            "acknowledged": sum(1 for d in timed if d["acknowledged_at"]), "acknowledged_in_time": _in_time(timed),
            "escalated": sum(1 for d in timed if d["escalated"]), **_call_scores(deadlines)}


def _in_time(timed: list[dict[str, Any]]) -> int:
    return sum(1 for d in timed if d["acknowledged_at"] and d["acknowledged_at"] <= d["due"])


def _call_scores(deadlines: list[dict[str, Any]]) -> dict[str, int]:
    return {"attempts": sum(d["attempts"] for d in deadlines),
            "failed_attempts": sum(d["failed_attempts"] for d in deadlines),
            "ticked_only": sum(1 for d in deadlines if d["ticked_only"])}

def drill_report(drill: dict[str, Any], incidents: list[tuple[Snapshot, list[dict]]], end: datetime,
                 plans: PlanLibrary | None = None, office: str | None = None,
                 handovers: list[dict[str, Any]] = ()) -> DrillReport:
    """The after-action report of a drill at ``end`` (its finish time on the simulated clock), scoring the items of
    ``office`` (the office the drill trains) and listing how others' were accounted for; with a shift change, whether
    the office's handover (``handovers``) was signed both ways and carried what was open."""
    per = [incident_report(s, ev, end, plans, office) for s, ev in incidents]
    t0 = parse_time(drill["start"], "start")
    handover = drill_findings(drill, list(handovers))
    return {"drill_id": drill["id"], "title": drill["title"], "office": office, "scenario_id": drill["scenario_id"],
            "seed": drill["seed"], "variation": drill["variation"], "start": drill["start"], "end": format_time(end),
            "minutes": round((end - t0).total_seconds() / 60), "incidents": per,
            "log": sorted(drill["log"], key=lambda e: e["at"]), "handover": handover,
            "findings": [f for r in per for f in r["findings"]] + [f for f in handover if f["kind"] == "handover"],
            "chart": timeline_chart(drill, per, t0, end)}


def timeline_chart(drill: dict[str, Any], per: list[dict[str, Any]], t0: datetime, end: datetime) -> dict[str, Any]:
    """Positions for an SVG time line: one row per incident; events, deadlines and injects by minute."""
    total = max(1.0, (end - t0).total_seconds() / 60)

    def x(at: str) -> float:
        return round(max(0.0, min(1.0, (parse_time(at, "at") - t0).total_seconds() / 60 / total)) * 100, 2)

    rows = []
    for r in per:
        marks = [{"x": x(e["at"]), "kind": "event", "label": e["trigger"]} for e in r["events"]]
        for d in r["deadlines"]:
            if d["due"]:
                marks.append({"x": x(d["latest"] or d["due"]), "kind": d["verdict"], "label": d["id"]})
        # every row of a drill's chart is a drill's record: its name without the 【演练】 every one carries
        rows.append({"title": (r["title"] or "").removeprefix("【演练】"), "marks": marks})
    injects = [{"x": x(entry["at"]), "label": entry["message"]} for entry in drill["log"]]
    ticks = [{"x": round(m / total * 100, 2), "label": f"T+{m}"} for m in range(0, int(total) + 1, max(5, int(total) // 8 or 5))]
    return {"rows": rows, "injects": injects, "ticks": ticks}
