"""The response lifecycle (响应流程): one engine, one machine per plan of the library, built from its plan's data.

States, triggers, guards, level limits and actions come from ``plan.lifecycle``; guards and
actions resolve only through ``emergency.response.registry``. ``auto_transitions=False``, so no
``to_<state>()`` shortcut can bypass a guard.

Besides the plan's transitions, every state that is not final allows the record triggers
(``tick_notification``, ``update_facts``, ``add_note``, ``condition_arose``): they record what happened and never
change the state.

``Lifecycle.start`` makes the first event (``report``, 接报) and ``Lifecycle.apply`` derives the
next snapshot from a snapshot and an event; ``replay`` rebuilds a snapshot from events alone.
"""
from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any

from transitions import Machine


from emergency.response.checklist import check_cause
from emergency.response.classify import classify
from emergency.core.clock import format_time, parse_time
from emergency.response.deadlines import check_times
from emergency.core.errors import InputError, Refused, refuse_unknown
from emergency.plans.facts import nonzero
from emergency.core.inputs import clean_text, identifier, plausible_time
from emergency.response.calls import HANDED_OVER, acknowledges
from emergency.response.duties import (ACKNOWLEDGED, KNOWN_VIA, call_receipt, duty_rules, handed_over, is_ours, item_state,
                                       keep_on_change, recipients_reached, task_ref)
from emergency.core.incident import CallAttempt, IssuedReport, Mark, Receipt, SentMessage, Snapshot, TaskStep, UnitTask
from emergency.plans.model import LEVEL_RANK, LEVELS, Plan, TransitionDef
from emergency.response.payloads import clean_payload
from emergency.response.registry import ACTIONS, GUARDS, INCIDENT_GUARDS, Step
from emergency.response.requests import REPORT_FIELDS

RECORD_TRIGGERS = {
    "tick_notification": {"label": "勾选已完成的通知", "requires": ["notification"]},
    "update_facts": {"label": "更新事实并重新定级", "requires": ["facts"]},
    "add_note": {"label": "记录情况", "requires": ["note"]},
    "condition_arose": {"label": "记录条件已成立（开始计时）", "requires": ["notification"]},
    "record_call": {"label": "记录呼叫", "requires": ["notification", "outcome"]},
    # another party's duty accounted for (never a call), and tasks handed over or assigned to a unit
    "account_for": {"label": "记录他方报告情况", "requires": ["notification", "how"]},
    "hand_over_task": {"label": "移交后期处置任务", "requires": ["task", "unit", "due"]},
    "assign_task": {"label": "下达任务", "requires": ["duty", "unit", "due"]},
}
# A task's 签收, 反馈 and 办结: allowed in every state, a closed one included, because a task handed
# over at closing stays on the receiving unit's list until it is done.
FOLLOW_UP_TRIGGERS = {
    "sign_task": {"label": "签收任务", "requires": ["task_id"]},
    "report_task": {"label": "反馈任务", "requires": ["task_id", "note"]},
    "finish_task": {"label": "办结任务", "requires": ["task_id"]},
}
RECORD_STEPS = RECORD_TRIGGERS | FOLLOW_UP_TRIGGERS   # the steps that record and never change the state
# The steps whose event is the whole record: the incident after one differs from before only in its version and
# time (a note is kept in the event log alone). The store writes their event and leaves the incident row as it was
#; a test applies each to every plan and checks nothing else changed.
QUIET_TRIGGERS = frozenset({"add_note"})
REPORT_TRIGGER = "report"
# Issuing a written report (emergency.services.documents) is an event of its own: it records the issued file's hash and is
# made only by the documents service, never as a step a caller names (its payload is the server's, not a person's).
ISSUE_TRIGGER = "issue_report"
# A message sent through an outbound channel (emergency.services.outbound) is recorded with the channel's answer, which is the
# server's to write: like an issued report, it is never a step a caller names.
MESSAGE_TRIGGER = "send_message"
SERVER_TRIGGERS = (ISSUE_TRIGGER, MESSAGE_TRIGGER)
# What the steps that are not the plan's own are called on screen and in reports.
OTHER_STEP_LABELS = {REPORT_TRIGGER: "接报登记", ISSUE_TRIGGER: "签发书面报告", MESSAGE_TRIGGER: "发送消息",
                     **{k: v["label"] for k, v in RECORD_STEPS.items()}}


def step_label(plan: Plan, trigger: str, source: str | None = None) -> str:
    """A step's name in the plan's words (its transition's label: the one taken from state ``source`` when given, as
    a trigger has a label per transition — environment 四(五) terminate is 区政府宣布应急终止 from activated and
    记录省、市政府宣布应急终止 under the higher command), or the service's for the other steps."""
    mine = [t for t in plan.lifecycle.transitions if t.trigger == trigger]
    own = next((t.label for t in mine if source in t.source), None) or next((t.label for t in mine), None)
    return own or OTHER_STEP_LABELS.get(trigger, trigger)


class _Incident:
    """What a transition moves: an incident's state, for the one step being taken."""
    __slots__ = ("state",)

    def __init__(self, state: str):
        self.state = state


class Lifecycle:
    """The machine of one plan."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.states = [s.name for s in plan.lifecycle.states]
        self.final = {s.name for s in plan.lifecycle.states if s.final}
        self.specs: list[TransitionDef] = list(plan.lifecycle.transitions)
        self.triggers = list(dict.fromkeys(t.trigger for t in self.specs))

    # ------------------------------------------------------------ queries
    def allowed_triggers(self, state: str) -> list[str]:
        """Triggers allowed in a state: the plan's, then the record triggers (not in final states)."""
        own = [t.trigger for t in self.specs if state in t.source]
        if state not in self.final:
            own += list(RECORD_TRIGGERS)
        own += list(FOLLOW_UP_TRIGGERS)
        return list(dict.fromkeys(own))

    def describe_triggers(self, state: str) -> list[dict[str, Any]]:
        """The allowed triggers with their labels, required fields and clause, for buttons."""
        return [_record_button(name) if name in RECORD_STEPS else self._step_button(name, state)
                for name in self.allowed_triggers(state)]

    def _step_button(self, name: str, state: str) -> dict[str, Any]:
        """A lifecycle step from ``state``: its fields, the levels it applies to, where it leads, its conditions and
        whether it ends or closes the response (asked to be confirmed on screen)."""
        specs = [t for t in self.specs if t.trigger == name and state in t.source]
        return {"trigger": name, "label": specs[0].label,
                "requires": list(dict.fromkeys(f for t in specs for f in t.requires)),
                "levels": _levels_of(specs), "record": False, "clause": specs[0].clause, "text": specs[0].text,
                "dest": [t.dest for t in specs], "conditions": sorted({g for t in specs for g in t.conditions}),
                "ends": any(self._ends(t.dest, state) for t in specs if t.dest)}

    def _ends(self, dest: str, state: str) -> bool:
        """Whether going to ``dest`` from ``state`` closes the incident or ends its response."""
        ended = self.plan.lifecycle.response_ended
        return dest in self.final or (dest in ended and state not in ended)

    @cached_property
    def machine(self) -> Machine:
        """The plan version's machine, built once: every transition of the plan with its level limit and guards (which
        say why they refuse on the step, ``Step.refusals``) and its actions. It holds no incident: a step moves a
        model made for it (``_Incident``), so one machine serves every incident of the version and every thread.
        ``auto_transitions`` is off, so no ``to_<state>`` shortcut exists."""
        transitions = [{"trigger": t.trigger, "source": list(t.source), "dest": t.dest,
                        "conditions": [self._level_guard(t), *(self._guard(g) for g in t.conditions)],
                        "after": [self._actions(t)]} for t in self.specs]
        return Machine(model=None, states=self.states, transitions=transitions, initial=self.plan.lifecycle.initial,
                       auto_transitions=False, send_event=True)

    def blocked(self, snap: Snapshot) -> dict[str, list[str]]:
        """For each of the plan's steps allowed in the incident's state, why a guard that reads only the incident
        refuses it now (empty: it may be taken) — the plan's table read directly, as the machine would decide it
        (a step may be taken when any of its transitions from the state has every guard pass), without the level
        or approval the person has yet to type."""
        out: dict[str, list[str]] = {}
        for t in self.specs:
            if snap.state not in t.source or out.get(t.trigger) == []:
                continue
            step = Step(plan=self.plan, snap=snap, payload={}, actor="", at="", trigger=t.trigger)
            reasons = [r for g in t.conditions if g in INCIDENT_GUARDS for r in [GUARDS[g](step)] if r]
            out[t.trigger] = [] if not reasons else list(dict.fromkeys([*out.get(t.trigger, []), *reasons]))
        return out

    def as_data(self) -> dict[str, Any]:
        """States and transitions (trigger, source, destination) as plain data."""
        return {
            "initial": self.plan.lifecycle.initial,
            "states": [s.model_dump() for s in self.plan.lifecycle.states],
            "transitions": [t.model_dump() for t in self.specs],
            "record_triggers": [{"trigger": k, **v} for k, v in RECORD_STEPS.items()],
        }

    # ------------------------------------------------------------ events
    version: str | None = None  # set by PlanLibrary.lifecycle

    def start(self, incident_id: str, data: dict, actor: str, at: datetime) -> tuple[Snapshot, dict]:
        """The first event (接报): a new incident from ``plan``-independent report data.

        ``data``: ``facts``, ``occurred_at``, ``reported_at``, optional ``title``, ``drill``,
        ``drill_id``, ``cause``, ``hot_topic``, ``sensitive``, ``event_group``.
        """
        if not isinstance(data, dict):
            raise InputError("", "须为JSON对象")
        data = {k: v for k, v in data.items() if k != "plan_version"}  # the version is the machine's, never the caller's
        refuse_unknown(data, REPORT_FIELDS)  # the same list as the API's IncidentRequest (emergency.response.requests)
        facts = self.plan.vocabulary.parse(data.get("facts"))
        if "occurred_at" not in data:
            raise InputError("occurred_at", "必须填写")
        for flag in ("drill", "hot_topic", "sensitive"):
            if not isinstance(data.get(flag, False), bool):
                raise InputError(flag, "须为是或否（true/false）")
        drill = data.get("drill", False)
        plausible_time(parse_time(data["occurred_at"], "occurred_at"), "occurred_at", at, drill)
        if data.get("reported_at"):
            plausible_time(parse_time(data["reported_at"], "reported_at"), "reported_at", at, drill)
        occurred, reported = check_times(data["occurred_at"], data.get("reported_at") or data["occurred_at"])
        cause = check_cause(self.plan, data.get("cause"))
        title = clean_text(data.get("title"), "title", 200)
        drill_id = identifier(data.get("drill_id"), "drill_id")
        event_group = identifier(data.get("event_group"), "event_group")
        if drill_id and not drill:
            raise InputError("drill_id", "真实事件不能属于演练")
        received = _units_received(data.get("units_received"), reported)
        result = classify(self.plan, facts)
        stamp = format_time(at)
        snap = Snapshot(
            id=incident_id, plan=self.plan.id, plan_version=self.version, title=title, drill=drill,
            drill_id=drill_id, event_group=event_group,
            state=self.plan.lifecycle.initial, facts=nonzero(facts),
            classified_level=result["level"],
            deciding_clause=result["deciding"]["clause"] if result["deciding"] else None,
            occurred_at=format_time(occurred), reported_at=format_time(reported), cause=cause,
            hot_topic=data.get("hot_topic", False), sensitive=data.get("sensitive", False),
            version=1, created_at=stamp, updated_at=stamp, units_received=received,
        )
        payload = {**data, "facts": nonzero(facts), "occurred_at": snap.occurred_at,
                   "reported_at": snap.reported_at, "plan": self.plan.id, "title": title, "plan_version": self.version}
        if received:
            payload["units_received"] = received
        return snap, self._event(snap, REPORT_TRIGGER, payload, actor, stamp)

    def apply(self, snap: Snapshot, trigger: str, payload: dict | None, actor: str,
              at: datetime | str, in_place: bool = False, trusted: bool = False,
              office: str | None = None) -> tuple[Snapshot, dict]:
        """The snapshot after one event.

        The given snapshot is not changed unless ``in_place`` (for a caller that owns it: the store
        hands over a freshly read snapshot; a refusal raises before anything is written, so a
        half-changed snapshot is simply dropped). ``trusted`` is for replay, and applies to the record
        steps only (ticks, facts, notes): their stored payloads were checked against the clock when they
        were made (a tick may not claim a time in the future), so they are applied as stored. The plan's
        own steps are checked again on replay, guards included, so a log that could not have happened
        does not rebuild. ``office``: the office of who acts, kept in the event's payload.

        A change of the level the incident follows keeps the old level's duties that were done or due
        (``duties.keep_on_change``).

        Raises InputError (unknown trigger, bad payload), Refused (not allowed in this state, or
        the plan's guard failed, with the plan's reason).
        """
        payload = payload or {}
        stamp = at if isinstance(at, str) else format_time(at)
        before = snap.effective_level
        snap, event = self._apply(snap, trigger, payload, actor, stamp, in_place, trusted, office)
        keep_on_change(self.plan, snap, before, stamp)
        return snap, event

    def _apply(self, snap: Snapshot, trigger: str, payload: dict, actor: str, stamp: str, in_place: bool,
               trusted: bool, office: str | None) -> tuple[Snapshot, dict]:
        if trigger in SERVER_TRIGGERS:
            if not trusted:
                raise InputError("trigger", "书面报告从报告草稿签发，消息从呼叫表单发送，不能作为处置步骤记录")
            work = snap if in_place else snap.model_copy(deep=True)
            return (self.issue if trigger == ISSUE_TRIGGER else self.record_message)(work, payload, actor, stamp)
        if trigger in RECORD_STEPS:
            return self._record_step(snap, trigger, payload, actor, stamp, in_place, trusted, office)
        return self._transition(snap, trigger, payload, actor, stamp, in_place, trusted, office)

    def _record_step(self, snap: Snapshot, trigger: str, payload: dict, actor: str, stamp: str, in_place: bool,
                     trusted: bool, office: str | None) -> tuple[Snapshot, dict]:
        """A step that records without moving the incident (a call, a tick, a note, a task …); after 结案 only the
        follow-up steps. Replayed (``trusted``), it is applied as stored, on the snapshot itself."""
        if snap.state in self.final and trigger not in FOLLOW_UP_TRIGGERS:
            raise Refused("事件已结案（%(state)s），不能再“%(step)s”", state=self._label(snap.state),
                          step=step_label(self.plan, trigger))
        if trusted:
            self._record(snap, trigger, payload, actor, stamp, trusted=True)
            snap.version += 1
            snap.updated_at = stamp
            return snap, {}
        spec = RECORD_STEPS[trigger]
        clean = clean_payload(self.plan, snap, trigger, spec["requires"], payload, stamp, spec["label"])
        if office:
            clean["office"] = office
        work = snap if in_place else snap.model_copy(deep=True)
        self._record(work, trigger, clean, actor, stamp)
        return self._finish(work, trigger, clean, actor, stamp)

    def _transition(self, snap: Snapshot, trigger: str, payload: dict, actor: str, stamp: str, in_place: bool,
                    trusted: bool, office: str | None) -> tuple[Snapshot, dict]:
        """A step of the plan's lifecycle: from a state it leaves, its payload checked, through the machine's guards."""
        if trigger not in self.triggers:
            raise InputError("trigger", "本预案没有这个操作（%(trigger)s）；可用操作：%(allowed)s", trigger=str(trigger)[:40],
                             allowed=list(step_label(self.plan, t) for t in self.triggers + list(RECORD_TRIGGERS)))
        candidates = [t for t in self.specs if t.trigger == trigger and snap.state in t.source]
        if not candidates:
            raise Refused("当前状态（%(state)s）不能“%(step)s”；现在可以：%(allowed)s", state=self._label(snap.state),
                          step=step_label(self.plan, trigger),
                          allowed=list(step_label(self.plan, t) for t in self.allowed_triggers(snap.state)) or ["—"])
        requires = list(dict.fromkeys(f for t in candidates for f in t.requires))
        clean = clean_payload(self.plan, snap, trigger, requires, payload, stamp, candidates[0].label)
        if not trusted:
            self._below_the_facts(snap, clean, candidates[0].label)
        work = snap if in_place else snap.model_copy(deep=True)
        step = Step(plan=self.plan, snap=work, payload=clean, actor=actor, at=stamp, trigger=trigger, office=office)
        model = _Incident(snap.state)
        if not self.machine.events[trigger].trigger(model, step=step):
            raise Refused("不能“%(step)s”", list(dict.fromkeys(step.refusals)), step=candidates[0].label)
        work.state = model.state
        self._done_by_entering(work, actor, stamp, candidates[0].label)
        return self._finish(work, trigger, clean, actor, stamp)

    @staticmethod
    def _below_the_facts(snap: Snapshot, clean: dict, label: str) -> None:
        """A level chosen below the one the recorded facts call for (IV while the facts say III) is taken only with a
        reason, which the event keeps: the plans grade by the facts, so a lower level is a decision someone owns.
        (Checked when the step is taken, not on replay: a log written before this rule still rebuilds.)"""
        level, facts = clean.get("level"), snap.classified_level
        if level and facts and LEVEL_RANK[level] < LEVEL_RANK[facts] and not clean.get("reason"):
            raise InputError("payload.reason", "事实对应%(facts)s级，“%(step)s”选择%(level)s级须写明理由",
                             facts=facts, level=level, step=label)

    def _done_by_entering(self, work: Snapshot, actor: str, stamp: str, label: str) -> None:
        """A duty that a step itself carries out (ReportingRule.done_on_entering: environment 四(四)1, the request to
        the province and city is made by taking 报请省、市启动) is done when the step brings the incident there."""
        for rule in self.plan.reporting.rules:
            if work.state in rule.done_on_entering and rule.id not in work.notifications:
                work.notifications[rule.id] = Mark(by=actor, at=stamp, recorded_at=stamp, note=label)

    def issue(self, work: Snapshot, record: dict, actor: str, stamp: str) -> tuple[Snapshot, dict]:
        """Record an issued report on ``work`` (changed in place): allowed in any state but a final one."""
        if work.state in self.final:
            raise Refused("事件已结案（%(state)s），不能再签发报告", state=self._label(work.state))
        work.reports.append(IssuedReport(**record, by=actor, at=stamp))
        return self._finish(work, ISSUE_TRIGGER, record, actor, stamp)

    def record_message(self, work: Snapshot, record: dict, actor: str, stamp: str) -> tuple[Snapshot, dict]:
        """Record a message sent (or that failed to send) through an outbound channel, on ``work`` in place."""
        if work.state in self.final:
            raise Refused("事件已结案（%(state)s），不能再记录消息", state=self._label(work.state))
        work.messages.append(SentMessage(**record, by=actor, at=stamp))
        return self._finish(work, MESSAGE_TRIGGER, record, actor, stamp)

    def rule_of(self, snap: Snapshot, notification: str):
        """The reporting rule ``notification`` names for this incident: one of the rules at its level (national
        rules included), else one of the plan's own (the level changed since), else None."""
        rules = duty_rules(self.plan, snap) + list(self.plan.reporting.rules)
        return next((r for r in rules if r.id == notification), None)

    def channel_of(self, snap: Snapshot, notification: str) -> str:
        """The channel (phone / written / any) of one of the incident's notifications."""
        rule = self.rule_of(snap, notification)
        return rule.channel if rule else "any"

    def _record_call(self, work: Snapshot, clean: dict, actor: str, stamp: str, trusted: bool) -> None:
        """An attempt (``record_call``): kept on the snapshot; the first one that acknowledges completes the item."""
        channel = self.channel_of(work, clean["notification"])
        if not trusted:
            _check_call(clean)
        rule = self.rule_of(work, clean["notification"])
        recipients = recipients_reached(rule, clean.get("unit"), self.plan.library.agencies) if rule else []
        if rule and not recipients and not trusted:
            raise InputError("payload.unit", "此项报告对象有多个，请选择所呼叫的单位：%(units)s", units=list(
                self.plan.library.agencies.current(t) or t for t in rule.to))
        at = clean.get("done_at") or stamp
        ack = acknowledges(channel, clean)
        fields = {k: clean.get(k) or "" for k in ("unit", "number", "reached", "document", "received_by", "note")}
        work.calls.append((CallAttempt.model_construct if trusted else CallAttempt)(
            notification=clean["notification"], outcome=clean["outcome"], at=at, recorded_at=stamp, by=actor,
            acknowledged=ack, **fields))
        if ack:
            # each recipient separately; a call logged before the item had its recipients named (an
            # old log replayed) acknowledges every recipient, as it did when it was recorded
            _acknowledged(work, rule, recipients or (rule.to if rule else []), clean, actor, at, stamp)

    def _account_for(self, work: Snapshot, clean: dict, actor: str, stamp: str, trusted: bool) -> None:
        """Another party's duty accounted for: what the office knows of it, per recipient. Never
        a call, and never for an item that is the office's own."""
        rule = self.rule_of(work, clean["notification"])
        agencies = self.plan.library.agencies
        office = clean.get("office")
        if not trusted:
            if is_ours(rule, agencies, office, work.cause):
                raise Refused("此项是本单位（%(office)s）的报告责任（%(clause)s），须实际报告并记录接听人或签收人，"
                              "不能以“已获知/已由他方报告/情况不明”代替", office=office, clause=rule.clause)
            _check_account(clean, rule)
        got = work.receipts.setdefault(clean["notification"], {})
        names = [clean["recipient"]] if clean.get("recipient") else [t for t in rule.to if t not in got]
        for name in (n for n in names if n not in got or got[n].how not in ACKNOWLEDGED):  # never over a receipt
            got[name] = Receipt(how=clean["how"], by=actor, at=clean.get("done_at") or stamp, recorded_at=stamp,
                                office=office or "", via=clean.get("via", ""), source=clean.get("source", ""),
                                reason=clean.get("reason", ""))

    def _task(self, work: Snapshot, trigger: str, clean: dict, actor: str, stamp: str, trusted: bool) -> None:
        """Tasks: a post-incident task handed over (移交), a duty assigned (任务下达), and
        a unit's 签收, 反馈 and 办结 — its own, or recorded by another office from a call (``on_behalf``)."""
        if trigger in ("hand_over_task", "assign_task"):
            work.tasks.append(self._new_task(work, trigger, clean, actor, stamp, trusted))
            return
        task = next((t for t in work.tasks if t.id == clean["task_id"]), None)
        if task is None:
            raise InputError("payload.task_id", "没有这项任务（%(task)s）", task=clean["task_id"])
        office = clean.get("office", "")
        on_behalf = bool(office) and office != task.unit
        if not trusted:
            _check_task_step(task, trigger, clean, on_behalf)
        step = TaskStep(by=actor, at=clean.get("done_at") or stamp, recorded_at=stamp, office=office,
                        note=clean.get("note", ""), contact=clean.get("contact", ""), on_behalf=on_behalf)
        if trigger == "sign_task":
            task.signed = step
        elif trigger == "report_task":
            task.signed = task.signed or step   # a report back is a receipt too
            task.feedback.append(step)
        else:
            task.done = step

    def _new_task(self, work: Snapshot, trigger: str, clean: dict, actor: str, stamp: str, trusted: bool) -> UnitTask:
        """A post-incident task handed over (移交: once, and not one already completed) or a duty assigned (下达)."""
        if trigger == "hand_over_task":
            item = self.plan.task(clean["task"])
            if not trusted and (clean["task"] in work.completed_tasks or handed_over(work, clean["task"])):
                raise Refused("“%(task)s”已完成或已移交", task=item.name)
            ref, title, clause, text = item.id, item.name, item.clause, item.text
        else:
            found = task_ref(self.plan, clean["duty"])
            ref, title, clause, text = found["ref"], found["title"], found["clause"], found["text"]
        return UnitTask(id=f"t{len(work.tasks) + 1}", kind="handover" if trigger == "hand_over_task" else "assignment",
                        ref=ref, title=title, clause=clause, text=text, unit=clean["unit"], due=clean["due"],
                        note=clean.get("note", ""), by=actor, at=stamp, office=clean.get("office", ""))

    # ------------------------------------------------------------ helpers
    def _label(self, state: str) -> str:
        return self.plan.lifecycle.state(state).label

    @staticmethod
    def _level_guard(t: TransitionDef):
        def check(ev) -> bool:
            if not t.levels:
                return True
            payload = ev.kwargs["step"].payload
            level = payload.get("level") if "level" in t.requires else payload.get("warning_level")
            if level in t.levels:
                return True
            ev.kwargs["step"].refusals.append(f"{level}级不适用于“{t.label}”（适用：{'、'.join(t.levels)}级，{t.clause}）")
            return False
        return check

    @staticmethod
    def _guard(name: str):
        guard = GUARDS[name]

        def check(ev) -> bool:
            reason = guard(ev.kwargs["step"])
            if reason:
                ev.kwargs["step"].refusals.append(reason)
                return False
            return True
        return check

    @staticmethod
    def _actions(t: TransitionDef):
        def run(ev) -> None:
            for name in t.actions:
                ACTIONS[name](ev.kwargs["step"])
        return run

    def _record(self, work: Snapshot, trigger: str, clean: dict, actor: str, stamp: str, trusted: bool = False) -> None:
        if trigger == "tick_notification":
            self._tick(work, clean, actor, stamp, trusted)
        elif trigger == "update_facts":
            work.facts = clean["facts"]
            result = classify(self.plan, work.facts)
            work.classified_level = result["level"]
            work.deciding_clause = result["deciding"]["clause"] if result["deciding"] else None
        elif trigger == "record_call":
            self._record_call(work, clean, actor, stamp, trusted)
        elif trigger == "account_for":
            self._account_for(work, clean, actor, stamp, trusted)
        elif trigger in ("hand_over_task", "assign_task") or trigger in FOLLOW_UP_TRIGGERS:
            self._task(work, trigger, clean, actor, stamp, trusted)
        elif trigger == "condition_arose":
            work.condition_times[clean["notification"]] = clean.get("done_at") or stamp
        # add_note changes nothing but the version: the note is the event itself

    def _tick(self, work: Snapshot, clean: dict, actor: str, stamp: str, trusted: bool) -> None:
        """An item ticked done (once: a tick never covers another), each of its recipients with a receipt 勾选."""
        mark = Mark.model_construct if trusted else Mark  # replay: the stored values were validated when written
        done = work.notifications.get(clean["notification"])
        if done is not None and not trusted:
            raise Refused("此项已由%(by)s于%(at)s勾选，勾选不能覆盖；更正请记录情况", by=done.by, at=done.at[11:16])
        at = clean.get("done_at") or stamp
        work.notifications[clean["notification"]] = mark(by=actor, at=at, note=clean.get("note"), recorded_at=stamp)
        rule = self.rule_of(work, clean["notification"])
        got = work.receipts.setdefault(clean["notification"], {})
        for name in (rule.to if rule else []):
            got.setdefault(name, Receipt(how="ticked", by=actor, at=at, recorded_at=stamp, note=clean.get("note") or ""))

    def _finish(self, work: Snapshot, trigger: str, clean: dict, actor: str, stamp: str) -> tuple[Snapshot, dict]:
        work.version += 1
        work.updated_at = stamp
        return work, self._event(work, trigger, clean, actor, stamp)

    @staticmethod
    def _event(snap: Snapshot, trigger: str, payload: dict, actor: str, stamp: str) -> dict:
        return {"incident_id": snap.id, "seq": snap.version, "trigger": trigger, "payload": payload,
                "actor": actor, "at": stamp, "state": snap.state, "level": snap.level,
                "classified_level": snap.classified_level, "version": snap.version}


def _levels_of(specs: list[TransitionDef]) -> list[str] | None:
    """The levels a step applies to, in order (None: any level)."""
    if not any(t.levels for t in specs):
        return None
    return [lv for lv in LEVELS if any(t.levels and lv in t.levels for t in specs)]


def _record_button(name: str) -> dict[str, Any]:
    """A step that records without moving the incident, as a button."""
    spec = RECORD_STEPS[name]
    return {"trigger": name, "label": spec["label"], "requires": spec["requires"], "levels": None, "record": True,
            "clause": None, "text": None, "dest": [None]}


def _check_task_step(task: UnitTask, trigger: str, clean: dict, on_behalf: bool) -> None:
    """A unit's 签收, 反馈 or 办结 as recorded by a person: not on a task already done, signed for once, and one
    recorded for the unit by another office names who said so on the phone."""
    if task.done is not None:
        raise Refused("任务“%(task)s”已办结", task=task.title)
    if on_behalf and not clean.get("contact"):
        raise InputError("payload.contact", "代%(unit)s记录须写明电话告知人（对方姓名）", unit=task.unit)
    if trigger == "sign_task" and task.signed is not None:
        raise Refused("任务“%(task)s”已由%(by)s签收", task=task.title, by=task.signed.by)


def _check_call(clean: dict) -> None:
    """A call as recorded by a person: connected names who answered, a fax or delivery names the document, and only
    a call that got through has someone who signed for it."""
    outcome = clean["outcome"]
    if outcome == "connected" and not clean.get("reached"):
        raise InputError("payload.reached", "接通须记录接听人")
    if outcome in HANDED_OVER and not clean.get("document"):
        raise InputError("payload.document", "已传真或已送达须记录所送文件")
    if clean.get("received_by") and outcome not in HANDED_OVER | {"connected"}:
        raise InputError("payload.received_by", "未接通不能记录签收人")


def _acknowledged(work: Snapshot, rule, reached: list[str], clean: dict, actor: str, at: str, stamp: str) -> None:
    """An acknowledging call: a receipt for each recipient it reached (standing over another office's account of
    the same recipient), and the item done once every recipient it needs has acknowledged."""
    words = call_receipt(clean)
    got = work.receipts.setdefault(clean["notification"], {})
    for name in reached:
        if name not in got or got[name].how not in ACKNOWLEDGED:
            got[name] = Receipt(how="acknowledged", by=actor, at=at, recorded_at=stamp, note=words,
                                office=clean.get("office", ""))
    if clean["notification"] not in work.notifications and (rule is None or item_state(rule, got) == "done"):
        work.notifications[clean["notification"]] = Mark(by=actor, at=at, recorded_at=stamp, note=words)


def _check_account(clean: dict, rule) -> None:
    """Another party's duty accounted for by a person: who told or who reported, by which way it was learned, why
    it is not known, and a recipient that is one of the item's."""
    how = clean["how"]
    if how in ("known", "reported_by") and not clean.get("source"):
        raise InputError("payload.source", "请写明由谁告知或由谁报告")
    if how == "known" and clean.get("via") not in KNOWN_VIA:
        raise InputError("payload.via", "请选择获知途径：%(ways)s", ways=list(KNOWN_VIA))
    if how == "unknown" and not clean.get("reason"):
        raise InputError("payload.reason", "情况不明须写明原因")
    if clean.get("recipient") and clean["recipient"] not in rule.to:
        raise InputError("payload.recipient", "不是此项的报告对象；报告对象：%(units)s", units=list(rule.to))


def replay(events: list[dict], plans) -> Snapshot:
    """Rebuild an incident from its events alone (each with trigger, payload, actor, at), under the plan
    version its report names, from ``plans`` (a ``PlanLibrary``)."""
    if not events or events[0]["trigger"] != REPORT_TRIGGER:
        raise ValueError("an incident's events start with its report")
    first = events[0]
    machine = plans.lifecycle(first["payload"]["plan"], first["payload"].get("plan_version"))
    snap, _ = machine.start(first["incident_id"], first["payload"], first["actor"], parse_time(first["at"], "at"))
    for ev in events[1:]:
        at = ev["at"] if ev["trigger"] in RECORD_TRIGGERS else parse_time(ev["at"], "at")
        snap, _ = machine.apply(snap, ev["trigger"], ev["payload"], ev["actor"], at, in_place=True, trusted=True)
    return snap


def _units_received(given, reported: datetime) -> dict[str, str]:
    """When units before us received the report (unit → time, as the caller said at intake), none after our own."""
    if not given:
        return {}
    if not isinstance(given, dict):
        raise InputError("units_received", "须为JSON对象（单位 → 接报时间）")
    out = {}
    for unit, when in given.items():
        name = clean_text(unit, "units_received", 100, required=True)
        at = parse_time(when, f"units_received.{name}")
        if at > reported:
            raise InputError(f"units_received.{name}", "不能晚于本单位接报时间")
        out[name] = format_time(at)
    return out
