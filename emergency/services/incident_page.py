"""The incident page as one value, worked out here from one read of each thing it shows: the incident for the looking
office (its items, receipts and counts), the event's other records and the lead plan, the reports issued and those
that may be issued now, the call sheet's lines from the directory and roster, what is still open before 结案, and
the 研判. The page renders it and computes nothing of its own; what the looking person may do or see (the actions of
their role, personal mobiles) is decided here by ``permissions``, the one place that decides it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emergency.core.clock import Clock, format_time
from emergency.core.incident import Snapshot
from emergency.plans.model import Plan
from emergency.response import calls
from emergency.response.boundaries import assessment, related_plans
from emergency.response.library import PlanLibrary
from emergency.response.lifecycle import ISSUE_TRIGGER

from . import callsheet, cap, closing, directory, documents, drill_runs, incidents, roster
from .permissions import Actor, IncidentStep, allowed


@dataclass(frozen=True)
class CallSheet:
    """The incident page's calls: each notification's numbers, attempts and next number (``lines``), the items
    raised to the commander on duty (``escalated``), who that is now (``duty``: None for a drill, which raises its
    items to its own stand-in, never the real leader), a first-notice text per notification, the messages sent."""
    lines: list[dict[str, Any]]
    escalated: list[dict[str, Any]]
    duty: dict[str, Any] | None
    message_texts: dict[str, str]
    messages: list[dict[str, Any]]


@dataclass(frozen=True)
class IncidentPage:
    snap: Snapshot
    plan: Plan
    at: datetime                        # the incident's clock now (a drill's simulated clock)
    clock: Clock
    incident: dict[str, Any]            # incidents.view for the looking office, its actions those of their role
    group: list[dict[str, Any]]         # the event's records under every plan, the lead plan's first
    lead: str | None
    lead_basis: dict[str, Any] | None
    outside_lead: dict[str, Any] | None  # a plan this service does not hold leads the event
    merged: list[dict[str, Any]]        # every plan's duties to report, once each (more than one record)
    documents: list[dict[str, Any]]     # the reports issued for this incident
    offers: list[dict[str, Any]]        # the reports that may be issued now
    still_open: list[Any]               # what is unfinished before 结案 (only where 结案 may be taken)
    calls: CallSheet
    judged: dict[str, Any]              # the 研判: boundaries ahead, consequences, the other plans
    unit_names: list[str]               # every unit a task may be given to
    own_warning: bool                   # this incident issued a warning of its own (its CAP message)
    may_assign: bool
    may_follow_up: bool
    may_issue: bool
    personal: bool                      # whether the looking person sees personal mobiles
    allowed_triggers: list[str] = field(default_factory=list)


def incident_page(store, library: PlanLibrary, incident_id: str, actor: Actor, app_clock: Clock) -> IncidentPage:
    """The page of ``incident_id`` for ``actor`` (NotFound when there is none). Everything is read once: the
    incident, its events, the event's other records, the reports issued for any of them, the directory, the
    roster window from now on."""
    snap = incidents.get(store, incident_id)
    clock = drill_runs.clock_for(store, snap, app_clock)
    at, now = clock.now(), app_clock.now()
    plan = library.plan_for(snap.plan, snap.plan_version)
    personal = allowed(actor, "directory.personal")
    may_fire = _may_fire(actor, plan, snap)
    v = _as_seen(incidents.view(store, incident_id, at, actor.office, snap), personal, may_fire)
    group, lead, lead_basis = _ordered_group(store, library, v, now, actor.office)
    issued = {g["id"]: documents.issued(store, g["id"]) for g in group}
    final_reports = {i for i, docs in issued.items() if any(d["kind"] == "final" for d in docs)}
    contacts, shifts = _directory_and_roster(store, now, personal)
    return IncidentPage(
        snap=snap, plan=plan, at=at, clock=clock, incident=v, group=group, lead=lead, lead_basis=lead_basis,
        outside_lead=next((g["outside_lead"] for g in group if g.get("outside_lead")), None),
        merged=incidents.merged_notifications(group) if len(group) > 1 else [],
        documents=issued[incident_id], offers=documents.offers(snap, plan, at, library, actor.office),
        still_open=closing.still_open(v, group, final_reports) if "close" in v["allowed_triggers"] else [],
        calls=_calls(snap, v, plan, library, contacts, shifts, at, now, actor.office, personal),
        judged=_judged(library, plan, snap, v, at),
        unit_names=sorted(set(directory.by_unit(contacts)) | {o.unit for o in library.agencies.offices}),
        own_warning=cap.issued_a_warning(v["events"]), may_assign="assign_task" in v["allowed_triggers"],
        may_follow_up=may_fire("sign_task"),
        may_issue=allowed(actor, "report.issue", IncidentStep(plan, snap.drill, ISSUE_TRIGGER)), personal=personal,
        allowed_triggers=list(v["allowed_triggers"]))


def _may_fire(actor: Actor, plan: Plan, snap: Snapshot):
    """Whether ``actor`` may fire a trigger of this incident (``permissions``: ``incident.act``)."""
    return lambda trigger: allowed(actor, "incident.act", IncidentStep(plan, snap.drill, trigger))


def _as_seen(v: dict[str, Any], personal: bool, may_fire) -> dict[str, Any]:
    """The incident's view as the looking person sees it: without personal mobiles for one who may not see them,
    and offering only the steps they may take."""
    if not personal:
        v = callsheet.for_observer(v)
    v["actions"] = [a for a in v["actions"] if may_fire(a["trigger"])]
    v["allowed_triggers"] = [t for t in v["allowed_triggers"] if may_fire(t)]
    return v


def _ordered_group(store, library: PlanLibrary, v: dict[str, Any], now: datetime, office: str):
    """The event's records, the leading plan's first, with the leading plan and why it leads."""
    group = _group(store, library, v, now, office)
    lead, lead_basis = library.lead_with_basis({g["plan"]: g["level"] or g["classified_level"] for g in group})
    group.sort(key=lambda g: (g["plan"] != lead, g["created_at"]))
    return group, lead, lead_basis


def _directory_and_roster(store, now: datetime, personal: bool):
    """The directory and the roster from now on, without personal mobiles for one who may not see them."""
    contacts = directory.load(store)
    shifts = roster.load(store, since=format_time(now))
    if not personal:
        return [directory.for_observer(c) for c in contacts], roster.without_mobiles(shifts)
    return contacts, shifts


def _group(store, library: PlanLibrary, v: dict[str, Any], now: datetime, office: str) -> list[dict[str, Any]]:
    """The event's records under every plan (this one's view among them), each with its plan's short title."""
    key = v["event_group"] or v["id"]
    group = [incidents.kept_view(s, now, library, office)
             for s in incidents.listed(store, drill=None, event_group=key) if s.id != v["id"]] + [v]
    for g in group:
        g.setdefault("plan_short", library.plan_for(g["plan"], g["plan_version"]).short_title)
    return group


def _calls(snap: Snapshot, v: dict[str, Any], plan: Plan, library: PlanLibrary, contacts, shifts, at: datetime,
           now: datetime, office: str, personal: bool) -> CallSheet:
    """Who is on duty is read on the app's clock: a drill on a simulated clock still calls the people on duty now."""
    items = incidents.items_of(v)
    lines = callsheet.lines(items, [a.model_dump() for a in snap.calls], directory.by_unit(contacts), shifts, now,
                            personal, roles={r.name for r in library.agencies.roles}) if items else []
    if not personal:
        lines = callsheet.for_observer(lines)
    duty = None if snap.drill else {"unit": office, "commander": callsheet.commander_on_duty(shifts, office, now)}
    return CallSheet(lines=lines, escalated=calls.escalations([n for n in items if incidents.ours(n)], at), duty=duty,
                     message_texts={n["id"]: callsheet.first_notice(v, plan.short_title, n) for n in items},
                     messages=[m.model_dump() for m in snap.messages])


def _judged(library: PlanLibrary, plan: Plan, snap: Snapshot, v: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The incident's 研判: its own plan's boundaries and consequences, and the plans the event could also be
    recorded under, with which plan would lead past each boundary."""
    level = snap.effective_level or v["classification"]["level"]
    judged = assessment(plan, snap.facts, level, snap.occurred_at, snap.reported_at, at)
    judged["related"] = related_plans(library, plan, snap.facts, level, judged["ahead"])
    return judged
