"""Incident services: report, act, view, rebuild. Thin functions over the lifecycle and the store;
the web API and the CLI call these. The clock is an argument.
"""
from __future__ import annotations

import hashlib
import json
import logging
import marshal

import math
import secrets
import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any
from collections.abc import Callable

from emergency.response.boundaries import headline_boundary, headline_of
from emergency.response.checklist import checklist as build_checklist
from emergency.response.classify import classify, raise_level
from emergency.core.clock import Clock, backdated, format_time, month_day_time, parse_time
from emergency.response.deadlines import Notification, notifications
from emergency.response.calls import acknowledges
from emergency.response.duties import (ACKNOWLEDGED, TASK_KINDS, TASK_STATUS, duty_rules, item_state, receipt_words,
                                       recipients_reached)
from emergency.core.errors import EmergencyError, InputError, NotFound, Refused, StaleVersion
from emergency.core.incident import Snapshot
from emergency.core.inputs import identifier, shown
from emergency.response.library import PlanLibrary, library
from emergency.response.lifecycle import FOLLOW_UP_TRIGGERS, RECORD_STEPS, replay
from emergency.plans.model import LEVEL_RANK, Plan, yaml_data
from emergency.store import UnitOfWork
from emergency.services.permissions import Actor, IncidentStep, TaskOf, authorize


def new_incident_id() -> str:
    return "inc-" + secrets.token_hex(5)


def _plan_id(data: Any, plans: PlanLibrary) -> str:
    if not isinstance(data, dict):
        raise InputError("", "须为JSON对象")
    pid = data.get("plan")
    if pid is None:
        raise InputError("plan", "必须填写")
    return plans.plan(pid).id


def scoped_idempotency_key(key: str | None, actor: str, data: dict) -> str | None:
    """The key a create is remembered by: the client's key scoped to who sent it and what they sent (
    a global key gave one user's incident to another's different create, and a drill create a real incident).
    The same person retrying the same body gets the same key; anyone or anything else, another."""
    key = identifier(key, "idempotency_key")
    if not key:
        return None
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256("\0".join((actor, key, body)).encode("utf-8")).hexdigest()[:40]
    return f"k-{digest}"


def report(store: UnitOfWork, data: dict, actor: str, clock: Clock, idempotency_key: str | None = None,
           scoped: bool = True) -> Snapshot:
    """Record a new incident (接报). ``data``: plan, facts, occurred_at, reported_at, drill, cause…

    ``idempotency_key`` (chosen by the client, e.g. a form's hidden field or the API's
    ``Idempotency-Key`` header): a retried create with the same key, by the same person with the same body,
    returns the incident the first one made and writes nothing (``scoped_idempotency_key``). A key the server
    makes itself (an intake's: one incident per intake, whoever opens it) is used as it is (``scoped=False``).
    An ``event_group`` must name an existing incident's group of the
    same kind: a drill's incidents join only their own drill's group, a real incident never a drill's.
    """
    key = scoped_idempotency_key(idempotency_key, actor, data) if scoped else identifier(idempotency_key, "idempotency_key")
    if key:
        existing = store.incidents.find_by_idempotency_key(key)
        if existing:
            return store.incidents.get(existing)
    machine = store.plans.lifecycle(_plan_id(data, store.plans))
    snap, event = machine.start(new_incident_id(), data, actor, clock.now())
    if snap.event_group:
        _check_group(store, snap)
    return store.incidents.create(snap, event, final=snap.state in machine.final, idempotency_key=key)


def _check_group(store: UnitOfWork, snap: Snapshot) -> None:
    for _id, drill, drill_id in store.incidents.group_members(snap.event_group):  # a new key starts a new group
        if drill != snap.drill or (drill_id or None) != (snap.drill_id or None):
            raise InputError("event_group", "演练与真实事件不得混合：演练事件只能并入本演练的事件")


log = logging.getLogger(__name__)


def stamp(current: Snapshot, clock: Clock) -> datetime:
    """The time an action on ``current`` is recorded at: now, or — when the clock reads earlier than the incident's
    latest event (the machine's clock was set back) — that event's time, so the chain's times never go backwards.
    Such an action is logged, and the pages say so (``clock_behind``)."""
    now = clock.now()
    last = parse_time(current.updated_at, "updated_at")
    if now >= last:
        return now
    log.warning("the clock reads %s, %d min before incident %s's latest event (%s): recorded at that event's time",
                format_time(now), clock_behind(current, clock), current.id, current.updated_at)
    return last


def clock_behind(snap: Snapshot, clock: Clock) -> int:
    """How many whole minutes (at least 1) the clock reads earlier than the incident's latest event; 0 when not."""
    gap = (parse_time(snap.updated_at, "updated_at") - clock.now()).total_seconds()
    return max(1, math.ceil(gap / 60)) if gap > 0 else 0


def act(store: UnitOfWork, incident_id: str, trigger: Any, expected_version: Any, payload: Any, actor: str,
        clock: Clock, office: str | None = None, current: Snapshot | None = None) -> Snapshot:
    """Apply a trigger to an incident at ``expected_version``; one transaction, one event. ``office``: the office of
    who acts, recorded in the event: it decides whether an item is theirs to report or to account for,
    and whether a task's 签收/反馈 is their own or recorded on the unit's behalf. ``current``: the incident as the
    caller has just read it (one read per action), else it is read here."""
    if not isinstance(trigger, str) or not trigger:
        raise InputError("trigger", "必须填写")
    if not isinstance(expected_version, int) or isinstance(expected_version, bool) or expected_version < 1:
        raise InputError("expected_version", "须为您所依据的事件版本号（不小于1的整数）")
    if payload is not None and not isinstance(payload, dict):
        raise InputError("payload", "须为JSON对象")

    def change(current: Snapshot):  # current is freshly read inside the transaction: apply in place
        machine = store.plans.lifecycle(current.plan, current.plan_version)
        if trigger == "close":
            _check_group_before_closing(store, current)
        snap, event = machine.apply(current, trigger, payload or {}, actor, stamp(current, clock), in_place=True,
                                    office=office)
        return snap, event, snap.state in machine.final

    try:
        return store.incidents.append(incident_id, expected_version, change, merge=trigger in MERGEABLE, current=current)
    except StaleVersion as stale:
        if not _only_injects_since(store, incident_id, expected_version):
            raise
        # what came in between was the drill's own injects: no person decided anything, so the step is checked again
        # against the incident as it is now (its guards and the state included) rather than refused as stale
        return store.incidents.append(incident_id, stale.current, change, merge=False)


# The name a drill's injects are recorded under (drill_runs): a scenario's, never a person's (a user name holds no brackets).
INJECTED_BY = "导调（注入）"


def _only_injects_since(store: UnitOfWork, incident_id: str, version: int) -> bool:
    """Whether every event after ``version`` is a drill's inject (new facts from the scenario, no person's change)."""
    later = [e for e in store.incidents.events(incident_id) if e["seq"] > version]
    return bool(later) and all(e["actor"] == INJECTED_BY for e in later)


def perform(store: UnitOfWork, incident_id: str, trigger: Any, expected_version: Any, payload: Any, actor: Actor,
            clock_of: Callable[[Snapshot], Clock], view: bool = True,
            current: Snapshot | None = None, shared: list | None = None) -> dict[str, Any] | Snapshot:
    """One action, end to end: read the incident once, check the actor's role may fire ``trigger`` on
    it, apply it on the incident's clock (``clock_of``: a drill's simulated one), write the event, and answer with
    the view made from what is held — the new snapshot and the event just written (``events``: that event;
    ``events_total``: how many there are; the whole timeline is read apart, page by page). ``view`` False answers
    with the snapshot (a page that redirects after the action); ``current``: the incident the caller just read.
    New facts reach the event's linked records (``share_facts``); ``shared`` collects which, for the page to say."""
    current = current if current is not None and current.id == incident_id else store.incidents.get(incident_id)
    plan = store.plans.plan_for(current.plan, current.plan_version)
    if isinstance(trigger, str) and trigger:
        authorize(actor, "incident.act", IncidentStep(plan, current.drill, trigger))
        task = _task_named(current, trigger, payload)
        if task is not None:
            authorize(actor, "task.follow_up", TaskOf(plan, current.drill, trigger, task.unit, task.office))
    clock = clock_of(current)
    snap = act(store, incident_id, trigger, expected_version, payload, actor.name, clock, actor.office,
               current=current)
    written = store.incidents.last_event
    linked = (share_facts(store, snap, payload, actor, clock_of) if trigger == "update_facts" else
              share_call(store, snap, payload, actor, clock_of) if trigger == "record_call" else [])
    if shared is not None:
        shared.extend(linked)
    if not view:
        return snap
    out = snapshot_view(snap, [written] if written else [], clock.now(), store.plans, actor.office)
    out.update(events_total=snap.version, chain_head=written["hash"] if written else None,
               clock_behind_minutes=clock_behind(snap, clock), linked_updated=linked)
    return out


def share_call(store: UnitOfWork, snap: Snapshot, payload: dict, actor: Actor,
               clock_of: Callable[[Snapshot], Clock]) -> list[dict[str, Any]]:
    """What both plans ask once is done once: a call that reported the event to a recipient (acknowledged, by a
    channel that counts) is the same report for the event's other records. Where another open record of the same
    event has an item of the calling office's own, still open, to the same unit (by today's name) by a channel this
    call acknowledges, the same call is recorded there too — its own event, same time, person and words, so each
    record's call sheet and report say how the recipient was reached. Another party's item is never ticked so."""
    if not isinstance(payload, dict) or not payload.get("notification"):
        return []
    rule = store.plans.lifecycle(snap.plan, snap.plan_version).rule_of(snap, payload["notification"])
    if rule is None or not acknowledges(rule.channel, payload):
        return []
    agencies = store.plans.plan_for(snap.plan, snap.plan_version).library.agencies
    reached = {agencies.current(t) or t for t in recipients_reached(rule, payload.get("unit"), agencies)}
    out = []
    for other in _linked_open(store, snap):
        # the other record is acted on by the same person: their role on its plan decides, as for any step
        authorize(actor, "incident.act", IncidentStep(store.plans.plan_for(other.plan, other.plan_version), other.drill,
                                                      "record_call"))
        for item_id, unit in _same_call_items(store, other, payload, reached, actor.office, clock_of):
            step = {**payload, "notification": item_id, **({"unit": unit} if unit else {})}
            try:
                other = act(store, other.id, "record_call", other.version, step, actor.name, clock_of(other),
                            actor.office, current=other)
            except EmergencyError as exc:   # the other record refuses (its own reason): it stays for its page
                log.info("call not carried to %s %s: %s", other.id, item_id, exc)
                continue
            out.append({"id": other.id, "plan": other.plan, "notification": item_id, "to": "、".join(sorted(reached)),
                        "plan_short": store.plans.plan_for(other.plan, other.plan_version).short_title, "call": True})
    return out


def _linked_open(store: UnitOfWork, snap: Snapshot) -> list[Snapshot]:
    """The event's other records still open, of the same kind (a drill's with a drill's)."""
    out = []
    for other in store.incidents.list(drill=None, event_group=snap.event_group or snap.id):
        other_plan = store.plans.plan_for(other.plan, other.plan_version)
        if other.id != snap.id and not other_plan.lifecycle.state(other.state).final and other.drill == snap.drill:
            out.append(other)
    return out


def _same_call_items(store: UnitOfWork, other: Snapshot, payload: dict, reached: set[str], office: str | None,
                     clock_of: Callable[[Snapshot], Clock]) -> list[tuple[str, str | None]]:
    """``other``'s open items of ``office``'s own that the same call reports: (item, the recipient it reached when
    the item has several, else None)."""
    machine = store.plans.lifecycle(other.plan, other.plan_version)
    agencies = store.plans.plan_for(other.plan, other.plan_version).library.agencies
    out = []
    for item in notification_status(other, clock_of(other).now(), store.plans, office):
        rule = machine.rule_of(other, item.id)
        if item.ours is False or item.status in ("done", "accounted", "closed") or rule is None \
                or not acknowledges(rule.channel, payload):
            continue
        same = [t for t in recipients_reached(rule, payload.get("unit"), agencies) if (agencies.current(t) or t) in reached]
        if same:
            out.append((item.id, same[0] if len(rule.to) > 1 else None))
    return out


def share_facts(store: UnitOfWork, snap: Snapshot, payload: dict, actor: Actor,
                clock_of: Callable[[Snapshot], Clock]) -> list[dict[str, Any]]:
    """One event, one set of facts: facts entered on one record reach every open linked record of the same event (its
    other plans), each re-classified under its own plan — its level is never changed here (the page offers the
    change, with the clause, as it does after any new facts). Only the facts both plans grade by are carried; a fact
    only the other plan knows stays as it was. Each record is its own transaction and event, at the same 获知时间,
    recorded by the same person. Returns, per record updated: its id, plan, the level its facts now call for and the
    level it follows."""
    plan = store.plans.plan_for(snap.plan, snap.plan_version)
    mine = {f.name for f in plan.facts}
    out = []
    for other in _linked_open(store, snap):
        other_plan = store.plans.plan_for(other.plan, other.plan_version)
        both = mine & {f.name for f in other_plan.facts}
        facts = {k: v for k, v in other.facts.items() if k not in both}
        facts.update({k: v for k, v in snap.facts.items() if k in both})
        if not both or facts == other.facts:
            continue
        authorize(actor, "incident.act", IncidentStep(other_plan, other.drill, "update_facts"))
        step = {"facts": facts, **({"done_at": payload["done_at"]} if payload.get("done_at") else {})}
        done = act(store, other.id, "update_facts", other.version, step, actor.name, clock_of(other), actor.office,
                   current=other)
        out.append({"id": done.id, "plan": done.plan, "plan_short": other_plan.short_title,
                    "classified_level": done.classified_level, "level": done.level})
    return out


def _task_named(snap: Snapshot, trigger: str, payload: Any):
    """The task a 签收/反馈/办结 names, if it is one of the incident's (an unknown one is the engine's refusal)."""
    if trigger not in FOLLOW_UP_TRIGGERS or not isinstance(payload, dict):
        return None
    return next((t for t in snap.tasks if t.id == payload.get("task_id")), None)


# Actions that record what happened and cannot conflict with another person's change: applied to the
# latest version even when the page was older (a second tick of one item is still refused by the engine).
MERGEABLE = set(RECORD_STEPS) - {"update_facts"}


def task_view(task, now: datetime, office: str | None = None) -> dict[str, Any]:
    """A task as the pages and the API show it: its status in words, whether it is overdue (only while open, never
    once done or on a closed record's finished task) and whether it is the looking office's own."""
    out = task.model_dump()
    out.update(status=task.status, status_name=TASK_STATUS[task.status], kind_name=TASK_KINDS[task.kind],
               overdue=bool(task.done is None and task.due and parse_time(task.due, "due") < now),
               mine=bool(office) and office == task.unit)
    return out


def record_message(store: UnitOfWork, incident_id: str, notification: str, channel: str, text: str, ok: bool,
                   response: str, actor: str, clock: Clock) -> Snapshot:
    """Record a message sent (or not) through an outbound channel for one of the incident's notifications: one
    ``send_message`` event carrying the channel's name, the text and its answer (merged onto the latest
    version: a message cannot conflict with anyone's change)."""
    def change(current: Snapshot):
        machine = store.plans.lifecycle(current.plan, current.plan_version)
        if machine.rule_of(current, notification) is None:
            raise InputError("notification", "不是本事件的报告事项（收到：%(got)s）", got=shown(notification))
        record = {"notification": notification, "channel": channel, "text": text, "ok": ok, "response": response}
        snap, event = machine.record_message(current, record, actor, format_time(stamp(current, clock)))
        return snap, event, False

    current = store.incidents.get(incident_id)
    return store.incidents.append(incident_id, current.version, change, merge=True)


def _check_group_before_closing(store: UnitOfWork, snap: Snapshot) -> None:
    """结案 is refused while a linked plan's incident of the same event is still only at 接报."""
    group = snap.event_group or snap.id
    for other in store.incidents.list(drill=None, event_group=group):
        other_plan = store.plans.plan_for(other.plan, other.plan_version)
        if other.id != snap.id and other.state == other_plan.lifecycle.initial:
            raise Refused("同一事件在%(plan)s预案下的记录（%(title)s）仍停留在接报，请先处置或关闭该记录再结案",
                          plan=other_plan.short_title, title=other.title or other_plan.short_title)


def rebuild(store: UnitOfWork, incident_id: str) -> Snapshot:
    """The incident as its events alone make it."""
    events = store.incidents.events(incident_id)
    if not events:
        raise NotFound("incident", incident_id)
    return replay(events, store.plans)


# A tick whose claimed time is more than this before it was recorded shows both times (补记).


def _minutes(delta_seconds: float) -> int:
    """Whole minutes, rounding towards later (a report 30 s late is 1 minute late)."""
    return math.ceil(delta_seconds / 60) if delta_seconds > 0 else -math.floor(-delta_seconds / 60)


def units_received(snap: Snapshot, agencies) -> dict[str, datetime]:
    """When each unit received the report, as far as the record knows: the earliest acknowledgement of a call to it,
    or its own account that it learned of another party's report (已获知, recorded by the recipient's office itself);
    the unit by today's name, as an item's owners are; and the times the caller gave at intake (110's 接警时间)."""
    out: dict[str, datetime] = {}
    for unit, when in snap.units_received.items():
        name, at = agencies.owner(unit), parse_time(when, "units_received")
        out[name] = min(at, out.get(name, at))
    for got in snap.receipts.values():
        for recipient, receipt in got.items():
            unit = agencies.owner(recipient)
            if receipt.how in ACKNOWLEDGED or (receipt.how == "known" and receipt.office == unit):
                at = parse_time(receipt.at, "at")
                out[unit] = min(at, out.get(unit, at))
    return out


def notification_status(snap: Snapshot, now: datetime, plans: PlanLibrary | None = None,
                        office: str | None = None) -> list[Notification]:
    """The incident's dated notifications, each with its status now (typed; ``Notification.view`` shows it).

    The items are the duties of its level and those kept from an earlier level (``duties.duty_rules``). ``office``:
    the office looking: each item says whether it is ``ours``; without it, ``ours`` stays unset.
    ``status``: ``done`` (every recipient acknowledged; with ``done_by``, ``done_at``, ``late_minutes``: minutes
    after due, 0 or less when on time), ``accounted`` (another party's item, every recipient acknowledged or
    accounted for), ``overdue`` (``overdue_minutes``; an unticked 立即 item is overdue from the
    moment it counts from, ``past_latest`` once a cap such as 2 hours has passed too), ``pending``
    (``minutes_left``), ``immediate`` (立即, due this very moment), ``open`` (no time limit in the
    text, or a condition not yet arisen) or ``closed`` (not done when the incident closed: no countdown). Each item
    lists its ``receipts`` per recipient and the recipients ``left``. Items are returned most urgent first: overdue
    立即 items, then other overdue items, then by due time.
    """
    level = snap.effective_level
    if level is None:
        return []
    plan = (plans or library()).plan_for(snap.plan, snap.plan_version)
    agencies = plan.library.agencies
    closed = plan.lifecycle.state(snap.state).final
    rules = {r.id: r for r in duty_rules(plan, snap)}
    items = notifications(plan, level, snap.occurred_at, snap.reported_at, snap.hot_topic, snap.condition_times,
                          rules=list(rules.values()), cause=snap.cause, received=units_received(snap, agencies),
                          office=office)
    for it in items:
        mark = snap.notifications.get(it.id)
        got = snap.receipts.get(it.id, {})
        _receipts(it, rules[it.id].to, got, mark, agencies, office)
        if mark:
            _done(it, mark)
        elif item_state(rules[it.id], got, ours=bool(it.ours)) == "accounted":
            it.status = "accounted"
        elif closed:
            it.status = "closed"   # a closed record shows no countdown anywhere
        else:
            _counting(it, now)
    items.sort(key=lambda it: (STATUS_RANK[it.status], not (it.status == "overdue" and it.immediate),
                               it.due is None, it.due or now))
    return items


def _receipts(it: Notification, to: list[str], got: dict[str, Any], mark: Any, agencies, office: str | None) -> None:
    """An item's receipts per recipient, whether it is the looking office's, and the recipients still left: for its
    own office, a recipient only accounted for by another office is still to be reported to."""
    it.receipts = [{"recipient": t, "display": agencies.display(t), **(
        {"how": got[t].how, "words": receipt_words(got[t].model_dump()), "by": got[t].by, "at": got[t].at}
        if t in got else {"how": None})} for t in to]
    if office:
        it.ours = office in it.owners
    it.left = [r["display"] for r in it.receipts
               if not mark and (r["how"] is None or (it.ours and r["how"] not in ACKNOWLEDGED))]


def _done(it: Notification, mark: Any) -> None:
    """A ticked item: who ticked it, when it was done and recorded, how late (an immediate item: how long it took)."""
    done_at = parse_time(mark.at, "done_at")
    it.status, it.done_by, it.done_at = "done", mark.by, done_at
    it.recorded_at = parse_time(mark.recorded_at or mark.at, "recorded_at")
    it.late_minutes = _minutes((done_at - it.due).total_seconds()) if it.due else None
    it.backdated = backdated(done_at, it.recorded_at)
    if it.immediate and it.due:
        it.took_minutes = _minutes((done_at - it.due).total_seconds())


def _counting(it: Notification, now: datetime) -> None:
    """An item still owed, by its clock: open (no time limit, or its condition not arisen), immediate (立即, due this
    very moment), pending with the minutes left, or overdue by so many minutes."""
    due = it.due
    if due is None:
        it.status = "open"
    elif it.immediate:
        # 立即: overdue from its moment until it is ticked (a pending 立即 call must never look calm)
        if now > due:
            it.status, it.overdue_minutes = "overdue", _minutes((now - due).total_seconds())
            it.past_latest = bool(it.latest and now > it.latest)
        else:
            it.status, it.elapsed_minutes = "immediate", 0
    elif now > due:
        it.status, it.overdue_minutes = "overdue", _minutes((now - due).total_seconds())
    else:
        it.status, it.minutes_left = "pending", int((due - now).total_seconds() // 60)


def view(store: UnitOfWork, incident_id: str, now: datetime, office: str | None = None,
         snap: Snapshot | None = None, newest: int | None = None, before: int | None = None) -> dict[str, Any]:
    """Everything the incident page and ``GET /api/incidents/<id>`` show (``office``: for whom;
    ``snap``: the incident as the caller has just read or written it, else it is read here — once). With
    ``newest``, its timeline and notes are of the last that many events (before event number ``before``, when
    given) — a page of a long incident — and ``events_total`` says how many it has."""
    snap = snap if snap is not None and snap.id == incident_id else store.incidents.get(incident_id)
    events = store.incidents.events(incident_id, newest, before)
    out = snapshot_view(snap, events, now, store.plans, office)
    out["chain_head"] = store.incidents.chain_head(incident_id)
    out["events_total"] = snap.version   # an incident's version is the number of its events (its chain's count)
    out["calls_total"] = len(out["calls"])
    if newest is not None:
        out["calls"] = _calls_of(store, incident_id, out["calls"], events, before)
    return out


def _calls_of(store: UnitOfWork, incident_id: str, calls: list, events: list[dict], before: int | None) -> list:
    """The call attempts recorded by ``events`` (a page of the incident's events): each 记录呼叫 step adds one
    attempt, in order, so they are the attempts after those of the earlier steps and before those of the later."""
    here = sum(1 for e in events if e["trigger"] == "record_call")
    later = store.incidents.trigger_count(incident_id, "record_call", before) if before is not None else 0
    return calls[max(0, len(calls) - later - here):len(calls) - later]


# A list's view of an incident, computed once a minute and kept: what the board, home, the wall, the 交接班 and a group's
# other records show of each incident, without building its checklist, clocks and 研判 again on every request.
#
# A view is of the incident as stored and of a minute (``snapshot_view`` reads the clock to the minute, so
# every surface of that minute says the same): the same incident — its whole stored snapshot, version and all —
# looked at by the same office in the same minute under the same plans is the same view. The board is polled every
# ten seconds by every open browser, so all but the first look of a minute read the kept one.
#
# A view is kept as ``marshal`` bytes (a view is JSON's types only) and handed out as a fresh copy each time: no page
# can change what another is shown, and a copy costs a fifth of building the view (measured on a district's
# incident: 0.35 ms against 1.9 ms).

# How many views are kept (a view is 10–50 KB): the open incidents of a district looked at by its few offices.
KEPT = 512
_kept: OrderedDict[tuple, bytes] = OrderedDict()
_lock = threading.Lock()


def kept_view(snap: Snapshot, now: datetime, plans: PlanLibrary | None = None,
              office: str | None = None) -> dict[str, Any]:
    """``snapshot_view(snap, None, now, plans, office)``, built at most once a minute for the same stored incident."""
    plans = plans or library()
    minute = on_the_minute(now)
    # the whole snapshot in the key: a change to the incident (a note moves its version) is a new view
    key = (snap.model_dump_json(), minute, office, plans)
    with _lock:
        held = _kept.get(key)
        if held is not None:
            _kept.move_to_end(key)
    if held is not None:
        return marshal.loads(held)
    view = snapshot_view(snap, None, minute, plans, office)
    held = marshal.dumps(view)
    with _lock:
        _kept[key] = held
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return view


def safe_snapshot_view(row: Snapshot | dict[str, Any], now: datetime, plans: PlanLibrary | None = None,
                       office: str | None = None) -> dict[str, Any]:
    """A board row: the incident's view, or, when its stored data cannot be shown, a damaged row
    (id, title, reason) — one bad row never takes the board down for everyone."""
    if isinstance(row, Snapshot):
        try:
            return kept_view(row, now, plans, office)
        except (EmergencyError, ValueError, OverflowError, KeyError) as exc:
            row = {"id": row.id, "title": row.title, "damaged": str(exc)[:200]}
    return {"id": row["id"], "title": row["title"], "damaged": row["damaged"], "plan": None, "checklist": None,
            "state": None, "level": None, "classified_level": None, "drill": None, "version": None}


def listing(snap: Snapshot, plans: PlanLibrary) -> dict[str, Any]:
    """An incident as a list of incidents shows it (the history page): what it is and where it stands — its name,
    plan, state and levels — without its checklist, its clocks or its 研判, which a list of two hundred incidents
    does not show and each cost a whole view; a row that cannot be read is a damaged row, as on the board."""
    try:
        plan = plans.plan_for(snap.plan, snap.plan_version)
        return {"id": snap.id, "plan": snap.plan, "title": snap.title, "name": incident_name(snap, plan),
                "drill": snap.drill, "state": snap.state, "state_label": plan.lifecycle.state(snap.state).label,
                "final": snap.state in plans.lifecycle(snap.plan, snap.plan_version).final, "level": snap.level,
                "classified_level": snap.classified_level, "occurred_at": snap.occurred_at, "version": snap.version}
    except (EmergencyError, ValueError, KeyError) as exc:
        return safe_snapshot_view({"id": snap.id, "title": snap.title, "damaged": str(exc)[:200]}, None)


def incident_name(snap: Snapshot, plan) -> str:
    """What a person calls the incident: its title, else the plan's kind of event and when it occurred — never its
    id."""
    return snap.title or f"{plan.short_title}（{month_day_time(snap.occurred_at)}）"


def on_the_minute(now: datetime) -> datetime:
    """The minute ``now`` falls in: what a view is of (deadlines are read and said to the minute)."""
    return now.replace(second=0, microsecond=0)


def snapshot_view(snap: Snapshot, events: list[dict] | None, now: datetime,
                  plans: PlanLibrary | None = None, office: str | None = None) -> dict[str, Any]:
    """What the pages and the API show of one incident (``events``: its timeline, when wanted; ``office``: the
    office looking, which marks each notification ``ours`` or another party's), as of the minute ``now`` falls in:
    every surface of one minute says the same of it, and a list's view of it can be kept for that minute
    (``kept_views``)."""
    now = on_the_minute(now)
    plans = plans or library()
    plan = plans.plan_for(snap.plan, snap.plan_version)
    machine = plans.lifecycle(snap.plan, snap.plan_version)
    result = classify(plan, snap.facts)
    level = snap.effective_level
    cl = build_checklist(plan, level, snap.occurred_at, snap.reported_at, cause=snap.cause, hot_topic=snap.hot_topic,
                         dated=notification_status(snap, now, plans, office)) if level else None
    return {
        "id": snap.id,
        "plan": snap.plan,
        "plan_title": plan.title,
        "title": snap.title,
        "name": incident_name(snap, plan),
        "drill": snap.drill,
        "drill_id": snap.drill_id,
        "event_group": snap.event_group,
        "state": snap.state,
        "state_label": plan.lifecycle.state(snap.state).label,
        "final": snap.state in machine.final,
        "level": snap.level,
        "level_name": plan.level(snap.level).name if snap.level else None,
        "warning_level": snap.warning_level,
        "classified_level": snap.classified_level,
        "classification": result,
        # 研判 in one line: the nearest figure to a higher level than the one the incident follows
        **headline_of(headline_boundary(plan, snap.facts, snap.effective_level or result["level"])),
        "level_mismatch": _level_mismatch(snap.level, result["level"]),
        "sensitive_suggestion": _sensitive_suggestion(plan, snap, result["level"]),
        "version": snap.version,
        "allowed_triggers": machine.allowed_triggers(snap.state),
        "actions": _with_blocks(machine.describe_triggers(snap.state), machine.blocked(snap)),
        "occurred_at": snap.occurred_at,
        "reported_at": snap.reported_at,
        "cause": snap.cause,
        "facts": snap.facts,
        # a plan not held here that leads by the incident's own facts (hazardous chemicals 8.2: on a road)
        "outside_lead": plans.outside_lead(snap.plan, snap.facts, snap.plan_version),
        "checklist": cl,
        "level_history": [h.model_dump() for h in snap.level_history],
        "confirmed_conditions": {k: v.model_dump() for k, v in snap.confirmed_conditions.items()},
        "completed_tasks": {k: v.model_dump() for k, v in snap.completed_tasks.items()},
        "calls": [a.model_dump() for a in snap.calls],
        "messages": [m.model_dump() for m in snap.messages],
        "tasks": [task_view(t, now, office) for t in snap.tasks],
        "office": office,
        "notes": _notes(events or []),
        "events": events or [],
        "created_at": snap.created_at,
        "updated_at": snap.updated_at,
        "now": format_time(now),
        "plan_version": snap.plan_version,
        "plan_document": f"{plan.document_number}（{plan.issued_on}）",
        "newer_plan": bool(snap.plan_version) and snap.plan_version != plans.current_version(snap.plan),
    }


def _notes(events: list[dict]) -> list[dict[str, Any]]:
    return [{"by": e["actor"], "at": e["at"], "note": e["payload"]["note"]} for e in events if e["trigger"] == "add_note"]


def _sensitive_suggestion(plan: Plan, snap: Snapshot, facts_level: str | None) -> dict[str, Any] | None:
    """The level the plan suggests for a sensitive incident (raised by its steps), with its clause; None when the
    plan raises none or the incident is not sensitive."""
    adjustment = plan.response_adjustment
    if not (adjustment and adjustment.sensitive_raise and snap.sensitive and facts_level):
        return None
    sr = adjustment.sensitive_raise
    return {"level": raise_level(facts_level, sr.steps), "clause": sr.clause, "text": sr.text}


def _level_mismatch(decided: str | None, facts_level: str | None) -> dict[str, Any] | None:
    """The level decided and the one the facts call for, when they differ, and which way the facts point."""
    if not (decided and facts_level and decided != facts_level):
        return None
    return {"decided": decided, "facts_call_for": facts_level,
            "direction": "raise" if LEVEL_RANK[facts_level] > LEVEL_RANK[decided] else "lower"}


def _with_blocks(actions: list[dict[str, Any]], blocked: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Each action with ``blocked``: why the plan refuses it now (a condition on the incident), or []."""
    return [{**a, "blocked": blocked.get(a["trigger"], [])} for a in actions]


def load_demo(store: UnitOfWork, clock: Clock, path=None) -> list[Snapshot]:
    """Record the demo incidents of the library's ``demo/incidents.yaml`` (as drills), timed relative to ``clock``."""
    data = yaml_data((path or store.plans.demo_file).read_text(encoding="utf-8"))
    at = clock.now()
    out = []
    for item in data["incidents"]:
        snap = report(store, {
            "plan": item["plan"], "title": item["title"], "facts": item.get("facts", {}), "drill": True,
            "drill_id": "demo", "cause": item.get("cause"),
            "occurred_at": format_time(at - timedelta(minutes=item["occurred_minutes_ago"])),
            "reported_at": format_time(at - timedelta(minutes=item["reported_minutes_ago"])),
        }, "演示", clock)
        for action in item.get("actions", []):
            snap = act(store, snap.id, action["trigger"], snap.version, action.get("payload", {}), "演示", clock)
        out.append(snap)
    return out


STATUS_RANK = {"overdue": 0, "immediate": 1, "pending": 2, "open": 3, "closed": 4, "accounted": 5, "done": 6}
# a notification still owed: overdue, due at once, or due later (its clock running)
OWED = frozenset({"overdue", "immediate", "pending"})


def items_of(view: dict[str, Any]) -> list[dict[str, Any]]:
    """A view's dated notifications, most urgent first (as ``notification_status`` orders them); none without a
    level or when the record is damaged."""
    return (view.get("checklist") or {}).get("notifications", [])


def ours(item: dict[str, Any]) -> bool:
    """A notification the looking office owes: its own (``ours``), or any when no office looks (``ours`` unset)."""
    return item.get("ours") is not False


def merged_notifications(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One event under several plans: the union of every plan's duties to report.

    Whatever plan leads command, every plan's notifications stand. Items to the same recipients by
    the same channel are kept once, with the earliest due time and every plan and clause that
    requires them; each source keeps its own status. Sorted earliest due first.
    """
    merged: dict[tuple, dict[str, Any]] = {}
    for v in views:
        for n in items_of(v):
            recipients = frozenset((r["current"] or r["plan_name"]) for r in n["recipients"])
            key = (recipients, n["channel"])
            source = {"incident_id": v["id"], "plan": v["plan"], "plan_title": v.get("plan_title"), "id": n["id"],
                      "clause": n["clause"], "text": n["text"], "national": n.get("national"),
                      "office": n.get("office"),
                      "due": n["due"], "status": n.get("status"), "immediate": n["immediate"]}
            item = merged.get(key)
            if item is None:
                merged[key] = {**{k: n[k] for k in ("to", "recipients", "channel", "channel_name", "from")},
                               "due": n["due"], "immediate": n["immediate"], "sources": [source]}
                continue
            item["sources"].append(source)
            if n["due"] and (item["due"] is None or n["due"] < item["due"]):
                item.update(due=n["due"], immediate=n["immediate"], **{"from": n["from"]})
    out = list(merged.values())
    for item in out:
        statuses = [s["status"] for s in item["sources"] if s["status"]]
        item["status"] = min(statuses, key=lambda st: STATUS_RANK.get(st, 9)) if statuses else None
        item["plans"] = sorted({s["plan"] for s in item["sources"]})
    out.sort(key=lambda it: (it["due"] is None, it["due"] or ""))
    return out


# ---------------------------------------------------------------- reading the record (the pages' one door to it)

def get(store: UnitOfWork, incident_id: str) -> Snapshot:
    """One incident as it stands (NotFound when there is none)."""
    return store.incidents.get(incident_id)


def events(store: UnitOfWork, incident_id: str) -> list[dict[str, Any]]:
    """An incident's events, oldest first (its timeline's source)."""
    return store.incidents.events(incident_id)


def listed(store: UnitOfWork, **filters: Any) -> list[Snapshot]:
    """Incidents by the store's filters (drill, open_only, event_group, drill_id)."""
    return store.incidents.list(**filters)


def search(store: UnitOfWork, **filters: Any) -> list[Snapshot]:
    """Incidents by time, plan, level and words (the history page's search)."""
    return store.incidents.search(**filters)


def by_idempotency_key(store: UnitOfWork, key: str) -> str | None:
    """The incident an earlier request with this key recorded, if any (a repeated request records nothing new)."""
    return store.incidents.find_by_idempotency_key(key)
