"""The incident pages: recording an incident, its page (status, checklist, calls, 研判, timeline page by page),
acting on it through the service's one action, and its checklist (split from the console). Views are thin."""
from __future__ import annotations

import json
import math

from flask import (Blueprint, abort, flash, redirect, render_template, request, session,
                   url_for)

from emergency.services import incidents as service
from emergency.response.diagrams import main_path_chart, state_diagram
from emergency.core.clock import SimulatedClock
from emergency.core.errors import EmergencyError, InputError, NotFound, StaleVersion
from emergency.services.intake import open_incident as open_from_intake
from emergency.response import calls
from emergency.services import closing, incident_page as pages
from emergency.response.duties import KNOWN_VIA, task_refs
from emergency.core.step_names import PAYLOAD_FIELDS
from emergency.services.permissions import Forbidden

from .access import may_report, who
from .auth import actor
from .db import app_clock, clock_for, now, plans, use
from .call_pages import configured_channels, say_shared
from .plan_args import plan_or_404
from .timeline import decisions, label_of, timeline, trigger_labels
from .i18n import gettext as _, refusal


bp = Blueprint("incidents", __name__)


FORM_FIELDS = tuple(f for f in PAYLOAD_FIELDS if f != "facts")   # the facts come as a form of their own


def _facts_from_form(plan, form) -> dict:
    """The plan's facts from a form, by their kind in the vocabulary: a count entered in another unit
    (``entered_as``: the loss in 万元) is converted; an unticked flag and a default choice are left out."""
    vocab = plan.vocabulary
    facts: dict = {}
    for f in plan.facts:
        raw = form.get(f.name, "").strip()
        kind = vocab.kind(f.name)
        if kind == "choice":
            if raw and raw != vocab.choice(f.name).default:
                facts[f.name] = raw
        elif kind == "flag":
            if raw in ("on", "true", "1"):
                facts[f.name] = True
        elif not raw:
            continue
        elif vocab.count(f.name).entered_as:
            unit = vocab.count(f.name).entered_as
            try:
                value = float(raw)
            except ValueError:
                raise InputError(unit.field, _("%(field)s须为数字（%(unit)s）", field=unit.label, unit=unit.unit)) from None
            top = vocab.count(f.name).max / unit.factor
            if not math.isfinite(value) or value < 0 or value > top:
                raise InputError(unit.field, _("%(field)s须在0至%(top)s%(unit)s之间", field=unit.label, top=f"{top:g}", unit=unit.unit))
            facts[f.name] = round(value * unit.factor)
        else:
            if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
                raise InputError(f"facts.{f.name}", _("%(field)s须为非负整数", field=f.label))
            facts[f.name] = int(raw)
    return facts


@bp.post("/incidents")
def create_incident():
    plan_id = request.form.get("plan", "")
    plan = plan_or_404(plan_id)
    form = request.form
    may_report(form.get("drill") == "on", plan)
    try:
        facts = _facts_from_form(plan, form)
        if form.get("intake_id"):
            snap = use(open_from_intake, form["intake_id"][:40], plan_id, {
                "facts": facts, "title": form.get("title", "").strip(), "occurred_at": form.get("occurred_at", ""),
                "cause": form.get("cause") or None, "hot_topic": form.get("hot_topic") == "on",
                "sensitive": form.get("sensitive") == "on"}, actor(), app_clock())
            flash(_("事件已登记。"), "ok")
            return redirect(_after_recording(snap.id))
        snap = use(service.report, {
            "plan": plan_id, "facts": facts, "title": form.get("title", "").strip(),
            "occurred_at": form.get("occurred_at", ""), "reported_at": form.get("reported_at") or form.get("occurred_at", ""),
            "cause": form.get("cause") or None, "drill": form.get("drill") == "on",
            "hot_topic": form.get("hot_topic") == "on", "sensitive": form.get("sensitive") == "on",
            "event_group": form.get("event_group") or None,
        }, actor(), app_clock(), idempotency_key=form.get("idempotency_key") or None)
    except EmergencyError as exc:
        flash(refusal(exc), "error")
        return redirect(url_for("plans.classify_page", plan_id=plan_id))
    flash(_("事件已登记。"), "ok")
    return redirect(_after_recording(snap.id))


def _after_recording(incident_id: str) -> str:
    """The incident page, or its printable checklist when the officer asked for it (one click fewer)."""
    if request.form.get("then") == "checklist":
        return url_for("incidents.incident_checklist", incident_id=incident_id)
    return url_for("incidents.incident_page", incident_id=incident_id)


@bp.get("/incidents/<incident_id>")
def incident_page(incident_id: str):
    try:
        page = use(pages.incident_page, plans(), incident_id, who(), app_clock())
    except NotFound:
        abort(404)
    v, plan, snap, sheet = page.incident, page.plan, page.snap, page.calls
    draft = session.pop("draft", None)
    if not draft or draft.get("incident") != incident_id:
        draft = None
    machine = plans().lifecycle(v["plan"], v["plan_version"])
    return render_template(
        "console/incident.html", v=v, plan=plan, offers=page.offers, documents=page.documents,
        still_open=page.still_open, group=page.group, lead=page.lead, lead_basis=page.lead_basis,
        group_outside_lead=page.outside_lead, merged=page.merged, group_key=v["event_group"] or v["id"],
        call_lines=sheet.lines, escalated=sheet.escalated, message_texts=sheet.message_texts, messages=sheet.messages,
        # a drill raises its items to the drill's own stand-in for the leader on duty, never the real one
        duty=sheet.duty or {"unit": _("演练"), "drill": True}, channels=list(configured_channels()),
        escalate_minutes=calls.ESCALATE_WITHIN_MINUTES, failures_before_next=calls.FAILURES_BEFORE_NEXT,
        KNOWN_VIA=KNOWN_VIA, may_assign=page.may_assign, may_follow_up=page.may_follow_up,
        unit_names=page.unit_names, task_refs=task_refs(plan), may_issue=page.may_issue, draft=draft,
        **_timeline_page(plan, v["events"], snap.tasks), decisions=decisions(v["events"]),
        other_plan_query=_other_plan_query(v), own_warning=page.own_warning, sim=_sim_info(snap, page.clock),
        now_local=page.at.strftime("%Y-%m-%dT%H:%M"), judged=page.judged,
        diagram=main_path_chart(machine, v["state"], v["allowed_triggers"]),
        full_diagram=state_diagram(machine, v["state"]))


TIMELINE_PAGE = 100  # events on one page of an incident's timeline, newest first (9,331 made 2.8 MB)


def _timeline_page(plan, events: list[dict], given: list | None = None) -> dict:
    """One page of the timeline (``?timeline_page=N``, newest first), with the pages there are."""
    pages = max(1, -(-len(events) // TIMELINE_PAGE))
    raw = request.args.get("timeline_page", "1")
    page = min(max(int(raw), 1), pages) if raw.isascii() and raw.isdigit() else 1
    end = len(events) - (page - 1) * TIMELINE_PAGE
    return {"timeline": timeline(plan, events[max(0, end - TIMELINE_PAGE):end], given), "timeline_page": page,
            "timeline_pages": pages, "timeline_total": len(events)}


def _other_plan_query(v: dict) -> dict:
    """What recording the same event under another plan carries over: title, times, facts and the group."""
    return {"event_group": v["event_group"] or v["id"], "occurred_at": v["occurred_at"][:16],
            "reported_at": v["reported_at"][:16], "title": v["title"], "facts": json.dumps(v["facts"], ensure_ascii=False),
            "drill": "1" if v["drill"] else ""}


@bp.post("/incidents/<incident_id>/act")
def incident_act(incident_id: str):
    form = request.form
    trigger = form.get("trigger", "")
    try:
        version = int(form.get("expected_version", ""))
    except ValueError:
        flash("expected_version: missing", "error")
        return redirect(url_for("incidents.incident_page", incident_id=incident_id))
    payload = {k: form[k].strip() for k in FORM_FIELDS if form.get(k, "").strip()}
    try:
        snap = use(service.get, incident_id)            # read once: the form's facts, then the action itself
        snap_plan = plans().plan_for(snap.plan, snap.plan_version)
        if trigger == "update_facts":
            payload = {"facts": _facts_from_form(snap_plan, form)}
            if form.get("done_at", "").strip():     # 获知时间: when the facts were learned (default: now)
                payload["done_at"] = form["done_at"].strip()
        before = snap.state       # the step's label is the one from this state (perform changes snap in place)
        label = label_of(snap_plan, trigger, before, trigger_labels(snap_plan))
        several = _several(snap_plan, trigger, form)
        if several is not None:   # termination's conditions ticked together, post-incident tasks handed over as a table
            done, count = closing.perform_each(
                lambda iid, trig, ver, pl: use(service.perform, iid, trig, ver, pl, who(), clock_for,
                                                           view=False),
                incident_id, trigger, version, several)
            flash(_("已执行：%(action)s（%(count)s项）。", action=label, count=count), "ok")
        else:
            shared: list = []
            done = use(service.perform, incident_id, trigger, version, payload, who(), clock_for, view=False,
                                   current=snap, shared=shared)
            flash(_("已执行：%(action)s。", action=label), "ok")
            say_shared(shared)
        behind = service.clock_behind(done, clock_for(done))
        if behind:
            flash(_("本机时钟比本事件最近一条记录早%(minutes)s分钟：本条已按最近一条记录的时间记录，以保持记录的先后顺序。"
                    "请核对系统时间。", minutes=behind), "error")
    except Forbidden:
        raise   # 403, answered by the access module
    except StaleVersion as exc:
        _keep_draft(incident_id, trigger, form)
        flash(_("操作未执行：事件已被他人更新（你看到的是第%(seen)s版，现在是第%(now)s版）。你填写的内容已保留在下方，请查看变化后再提交。", seen=exc.expected, now=exc.current), "error")
    except NotFound:
        abort(404)
    except EmergencyError as exc:
        _keep_draft(incident_id, trigger, form)
        if getattr(exc, "done_before", 0):
            flash(_("已执行前%(count)s项；其余未执行：", count=exc.done_before) + refusal(exc), "error")
        else:
            flash(refusal(exc), "error")
    return redirect(url_for("incidents.incident_page", incident_id=incident_id) + "#actions")


def _several(plan, trigger: str, form) -> list[dict] | None:
    """The payloads of one form that takes several of one step (None: the form takes one): termination conditions
    ticked together, others' items accounted for together, or the post-incident tasks of the hand-over table."""
    if trigger == "confirm_condition" and "condition" in form:
        return [{"condition": c[:80]} for c in dict.fromkeys(form.getlist("condition"))]
    if trigger == "account_for" and form.get("several"):
        common = {k: form.get(k, "").strip() for k in ("how", "via", "source", "reason", "done_at")}
        return [{"notification": n[:80], **{k: v for k, v in common.items() if v}}
                for n in dict.fromkeys(form.getlist("notification"))]
    if trigger == "hand_over_task" and "unit" not in form:
        return [_hand_over_row(plan, task[:80], form) for task in dict.fromkeys(form.getlist("task"))]
    return None


def _hand_over_row(plan, task: str, form) -> dict:
    """One row of the hand-over table: its unit, its due time (its own, else the table's one) and note — checked
    before any row is handed over, so a missing field hands over nothing."""
    row = {"task": task, "unit": form.get(f"unit-{task}", "").strip(),
           "due": form.get(f"due-{task}", "").strip() or form.get("due_all", "").strip(),
           "note": form.get(f"note-{task}", "").strip()}
    for field, words in (("unit", _("接收单位")), ("due", _("完成时限"))):
        if not row[field]:
            name = next((t.name for t in plan.post_incident if t.id == task), task)
            raise InputError(f"{field}-{task}", _("“%(task)s”的%(field)s须填写（或填写统一完成时限）",
                                                  task=name, field=words))
    return {k: v for k, v in row.items() if v}


def _keep_draft(incident_id: str, trigger: str, form) -> None:
    """A refused action keeps what was typed: the page fills the same form again."""
    fields = {k: form[k][:2000] for k in FORM_FIELDS if form.get(k)}
    session["draft"] = {"incident": incident_id, "trigger": trigger, "fields": fields}


def _sim_info(snap, clock) -> dict | None:
    """For a drill incident: its drill's id, speed and whether its clock runs (for the page's clock)."""
    if isinstance(clock, SimulatedClock):
        return {"drill_id": snap.drill_id, "speed": clock.speed, "running": clock.running}
    return None


@bp.get("/incidents/<incident_id>/checklist")
def incident_checklist(incident_id: str):
    try:
        v = use(service.view, incident_id, now())
    except NotFound:
        abort(404)
    if not v["checklist"]:
        flash(_("尚未确定级别，无法生成清单。"), "error")
        return redirect(url_for("incidents.incident_page", incident_id=incident_id))
    plan = plans().plan_for(v["plan"], v["plan_version"])
    return render_template("console/checklist.html", plan=plan, cl=v["checklist"], query=None, drill=v["drill"], incident=v)
