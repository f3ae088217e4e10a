"""The browser console: home, plans, classify, checklists, incident board and incident pages.

Views are thin: parse the form, call the engine, flash and redirect. Refusals from the engine
are flashed beside what the user was doing; nothing here raises a 500 on bad input.
"""
from __future__ import annotations

import json
import math
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from flask_login import current_user
from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)

from emergency import incidents as service
from emergency.diagrams import main_path_chart, state_diagram
from emergency.boundaries import assessment, related_plans
from emergency.clock import SimulatedClock, format_time, parse_time
from emergency.drills import refuse_aliases
from emergency.errors import EmergencyError, InputError, NotFound, StaleVersion
from emergency.intake import open_incident as open_from_intake
from emergency import calls, directory, documents, roster, rota
from emergency.calls import OUTCOMES
from emergency import callsheet
from emergency.callsheet import for_observer
from emergency.duties import KNOWN_VIA, task_refs
from emergency.lifecycle import ISSUE_TRIGGER
from emergency.lint import revision_due
from emergency.markdown import checklist_markdown
from emergency.plandiff import diff_plans
from emergency.plans import PlanFileError
from emergency.step_names import PAYLOAD_FIELDS
from emergency.users import may_act

from .auth import actor as _current_actor, audit_export, forbid, require_trigger, same_site_referrer
from .db import app_clock, clock_for, get_store, now, plans
from .call_pages import configured_channels
from .directory_pages import call_lines, on_duty_now, plan_units
from .shift_pages import flag as shift_flag
from .plan_args import checklist_of_request, plan_or_404
from .timeline import decisions, timeline, trigger_labels
from .i18n import current_language, gettext as _, refusal

bp = Blueprint("console", __name__)

FORM_FIELDS = tuple(f for f in PAYLOAD_FIELDS if f != "facts")   # the facts come as a form of their own


@bp.app_context_processor
def _helpers():
    library = plans()
    return {"lang": current_language(), "user": current_user if current_user.is_authenticated else None,
            "plans_nav": library.plans, "now_iso": format_time(now()), "CAUSE_NAMES": library.causes,
            "FACT_LABELS": {f.name: f.label for p in library.plans.values() for f in p.facts},
            "VOCABULARY": library.vocabulary,
            "chain_problems": current_app.config.get("CHAIN_PROBLEMS"),
            "poll_ms": int(current_app.config.get("POLL_MS", 10000)), "OUTCOMES": OUTCOMES,
            "remind_minutes": int(current_app.config.get("REMINDER_MINUTES", 5))}


def _actor() -> str:
    return _current_actor()


def office() -> str:
    """The office the signed-in user works for (issue 27): every page speaks for it."""
    return current_user.office


def ours(items: list[dict]) -> list[dict]:
    """The office's own items (issue 27): only these are raised to its 带班领导, counted and reminded of."""
    return [n for n in items if n.get("ours") is not False]


@bp.get("/favicon.ico")
def favicon():
    """The tab's icon (issue 31: every page asked for /favicon.ico and got a 404)."""
    return current_app.send_static_file("favicon.ico")


@bp.get("/lang/<code>")
def set_lang(code: str):
    session["lang"] = "en" if code == "en" else "zh"
    return redirect(same_site_referrer(url_for("console.home")))


def _board_rows(drill: bool | None):
    rows = []
    page_now = now()
    for s in get_store().list_rows(drill=drill, open_only=True):
        try:
            at = clock_for(s).now() if not isinstance(s, dict) else page_now
        except EmergencyError:
            at = page_now
        row = service.safe_snapshot_view(s, at, plans(), office())
        row["remind"] = _reminders(row, at, page_now)
        row["escalated"] = calls.escalations(ours((row.get("checklist") or {}).get("notifications", [])), at)
        rows.append(row)
    for r in rows:
        items = (r["checklist"] or {}).get("notifications", [])  # most urgent first (notification_status)
        r["overdue"] = [n for n in ours(items) if n["status"] == "overdue"]
        r["next_due"] = next((n for n in items if n["status"] in ("overdue", "immediate", "pending")), None)
    rows.sort(key=lambda r: (not r.get("overdue"), not any(n["immediate"] for n in r.get("overdue") or [])))
    return rows


def _reminders(row: dict, at, page_now) -> list[dict]:
    """The row's notifications not yet done that have a due time, for the browser's reminders: each due time on
    the page's clock (a drill's due time is as far from the page's now as from the drill's own)."""
    out = []
    for n in ours((row.get("checklist") or {}).get("notifications", [])):
        if n["status"] in ("pending", "overdue", "immediate") and n["due"]:
            due = parse_time(n["due"], "due") - at + page_now
            title = row.get("title") or row.get("plan_title") or row["id"]
            out.append({"due": format_time(due), "key": f"{row['id']}:{n['id']}",
                        "label": f"{'【演练】' if row.get('drill') else ''}{title}：{'、'.join(n['to'])}（{n['channel_name']}）"})
    return out


@bp.get("/")
def home():
    real = _board_rows(False)
    drills = _board_rows(True)
    # the live picture is real incidents only (issue 31): drills are counted apart and raise nothing to the real
    # leader on duty; their reminders sound on the drill board, not here
    overdue = [(r, n) for r in real for n in r["overdue"]]
    drill_overdue = sum(len(r["overdue"]) for r in drills)
    escalated = [(r, n) for r in real for n in r.get("escalated", [])]
    todo, raised_tasks = _task_queue(real)
    today = now().date()
    revision = [(p, revision_due(p)) for p in plans().plans.values() if revision_due(p) <= today]
    grouped = directory.by_unit(directory.load(get_store()))
    at = now()
    return render_template("console/home.html", plans=plans().plans.values(), real=real, drills=drills, overdue=overdue,
                           escalated=escalated, escalate_minutes=calls.ESCALATE_WITHIN_MINUTES, drill_overdue=drill_overdue,
                           todo=todo, raised_tasks=raised_tasks, office=office(),
                           revision=revision, directory_gaps=directory.gaps(plan_units(), grouped),
                           duty=on_duty_now(at), roster_gaps=roster.gaps(roster.load(get_store(), since=format_time(at)), at),
                           gap_days=roster.GAP_DAYS, shift_flag=shift_flag(), understaffed=_understaffed(at),
                           fingerprint=_fingerprint(real + drills))


def _understaffed(at) -> list[dict]:
    """The shifts of the next days short of their unit's minimum staffing (issue 33), flagged as gaps are."""
    store = get_store()
    return rota.understaffed(roster.load(store, since=format_time(at)), store.roster.staffing(), at,
                             at + timedelta(days=roster.GAP_DAYS))


def _task_queue(real: list[dict]) -> tuple[list, list]:
    """The office's 待办 (issue 27): open tasks given to it — assigned, or handed over at closing (a closed record
    keeps them until they are done) — and the open tasks it gave that are overdue (raised to whoever gave them).
    Real incidents only; a drill's tasks stay on its own incidents."""
    at = now()
    views = {r["id"]: r for r in real if r.get("tasks") is not None}
    for s in get_store().list(drill=False, open_only="or_follow_up"):
        if s.id not in views and s.tasks:
            views[s.id] = service.snapshot_view(s, None, at, plans(), office())
    todo, raised = [], []
    for v in views.values():
        for t in v.get("tasks") or []:
            if t["done"] is None and t["mine"]:
                todo.append((v, t))
            elif t["done"] is None and t["overdue"] and t["by"] == _actor():
                raised.append((v, t))
    todo.sort(key=lambda p: (p[1]["due"] or "9999"))
    return todo, raised


def _fingerprint(rows: list[dict]) -> str:
    """What the page shows, as the board's poller computes it from /api/incidents: sorted id:version."""
    return ",".join(sorted(f"{r['id']}:{'null' if r.get('version') is None else r['version']}" for r in rows))


@bp.get("/plans/<plan_id>")
def plan_page(plan_id: str):
    plan = plan_or_404(plan_id)
    by_level = {lv.level: [c for c in plan.criteria if c.level == lv.level] for lv in plan.levels}
    machine = plans().lifecycle(plan_id)
    return render_template("console/plan.html", plan=plan, by_level=by_level, diagram=state_diagram(machine),
                           main_diagram=main_path_chart(machine))


@bp.route("/plans/<plan_id>/diff", methods=["GET", "POST"])
def plan_diff(plan_id: str):
    """Paste a revised plan file: what it changes for the people on duty, against the plan in force."""
    plan = plan_or_404(plan_id)
    text = request.form.get("yaml", "") if request.method == "POST" else ""
    changes, error = None, None
    if text:
        try:
            if len(text) > 500_000:
                raise InputError("yaml", "太长（最多500,000个字符）")
            refuse_aliases(text, "revision")
            path = Path(tempfile.mkdtemp()) / f"{plan_id}.yaml"
            path.write_text(text, encoding="utf-8")
            changes = diff_plans(plan, plans().load_plan_file(path))
        except (EmergencyError, PlanFileError) as exc:
            error = refusal(exc)[:500]
    return render_template("console/plan_diff.html", plan=plan, text=text, changes=changes, error=error), (422 if error else 200)


@bp.get("/classify/<plan_id>")
def classify_page(plan_id: str):
    plan = plan_or_404(plan_id)
    at = now()
    return render_template("console/classify.html", plan=plan, causes=plan.causes, default_time=format_time(at)[:16],
                           idempotency_key="form-" + secrets.token_hex(12),
                           event_group=request.args.get("event_group", "")[:64],
                           occurred=request.args.get("occurred_at", "")[:16] or format_time(at)[:16],
                           reported=request.args.get("reported_at", "")[:16], title=request.args.get("title", "")[:200],
                           drill=request.args.get("drill") == "1", prefill=_prefill_facts(plan),
                           intake_id=(request.args.get("intake_id") or "")[:40])


def _prefill_facts(plan) -> dict:
    """Facts carried over from the same event under another plan (``facts`` JSON in the query string),
    only those this plan uses; anything unreadable is dropped, never an error."""
    try:
        facts = json.loads(request.args.get("facts", "{}")[:5000])
    except ValueError:
        return {}
    if not isinstance(facts, dict):
        return {}
    used = {f.name for f in plan.facts}

    def fits(name, value) -> bool:  # only a value the vocabulary accepts (issue 26: "x" for a loss was a 500)
        try:
            plan.vocabulary.parse({name: value})
            return True
        except EmergencyError:
            return False
    return {k: v for k, v in facts.items() if k in used and fits(k, v)}


@bp.get("/checklist/<plan_id>")
def checklist_page(plan_id: str):
    plan, cl, refused = checklist_of_request(plan_id)
    if refused:
        return render_template("console/checklist_form.html", plan=plan, error=refused), 422
    query = urlencode({k: v for k, v in request.args.items()})
    return render_template("console/checklist.html", plan=plan, cl=cl, query=query, drill=request.args.get("drill") == "1")


@bp.get("/checklist/<plan_id>.<fmt>")
def checklist_download(plan_id: str, fmt: str):
    """The checklist as a Markdown or JSON file; 422 with the message for bad arguments."""
    if fmt not in ("md", "json"):
        abort(404)
    plan, cl, refused = checklist_of_request(plan_id)
    if refused:
        return Response(refusal(refused), status=422, mimetype="text/plain")
    if fmt == "md":
        body, mimetype = checklist_markdown(cl, drill=request.args.get("drill") == "1"), "text/markdown"
    else:
        body, mimetype = json.dumps(cl, ensure_ascii=False, indent=2), "application/json"
    name = f"checklist-{plan_id}-{cl['level']}.{fmt}"
    audit_export(name)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})


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
    require_trigger("report", form.get("drill") == "on", plan)
    try:
        facts = _facts_from_form(plan, form)
        if form.get("intake_id"):
            snap = open_from_intake(get_store(), form["intake_id"][:40], plan_id, {
                "facts": facts, "title": form.get("title", "").strip(), "occurred_at": form.get("occurred_at", ""),
                "cause": form.get("cause") or None, "hot_topic": form.get("hot_topic") == "on",
                "sensitive": form.get("sensitive") == "on"}, _actor(), app_clock())
            flash(_("事件已登记。"), "ok")
            return redirect(_after_recording(snap.id))
        snap = service.report(get_store(), {
            "plan": plan_id, "facts": facts, "title": form.get("title", "").strip(),
            "occurred_at": form.get("occurred_at", ""), "reported_at": form.get("reported_at") or form.get("occurred_at", ""),
            "cause": form.get("cause") or None, "drill": form.get("drill") == "on",
            "hot_topic": form.get("hot_topic") == "on", "sensitive": form.get("sensitive") == "on",
            "event_group": form.get("event_group") or None,
        }, _actor(), app_clock(), idempotency_key=form.get("idempotency_key") or None)
    except EmergencyError as exc:
        flash(refusal(exc), "error")
        return redirect(url_for("console.classify_page", plan_id=plan_id))
    flash(_("事件已登记。"), "ok")
    return redirect(_after_recording(snap.id))


def _after_recording(incident_id: str) -> str:
    """The incident page, or its printable checklist when the officer asked for it (one click fewer)."""
    if request.form.get("then") == "checklist":
        return url_for("console.incident_checklist", incident_id=incident_id)
    return url_for("console.incident_page", incident_id=incident_id)


@bp.get("/incidents")
def board():
    drill = request.args.get("drill") == "1"
    rows = _board_rows(drill)
    return render_template("console/board.html", rows=rows, drill=drill, fingerprint=_fingerprint(rows))


@bp.get("/wall")
def wall():
    """The duty room's wall screen: large type, no navigation, overdue first, follows changes by itself."""
    drill = request.args.get("drill") == "1"
    rows = _board_rows(drill)
    for r in rows:
        r["overdue_count"] = len(r.get("overdue") or [])
        r["escalated_count"] = len(r.get("escalated") or [])
    # the office's 待办 in one line (issue 27): tasks given to it still open, how many past their time
    todo = [] if drill else _task_queue(rows)[0]
    return render_template("console/wall.html", rows=rows, drill=drill, fingerprint=_fingerprint(rows),
                           duty=on_duty_now(now()), todo=todo, todo_overdue=sum(1 for _v, t in todo if t["overdue"]),
                           shift_flag=None if drill else shift_flag())


def date_bounds(args) -> tuple[dict, dict]:
    """``from``/``to`` dates of a search form as whole days in Asia/Shanghai, and any that cannot be read."""
    bounds, errors = {}, {}
    for name, suffix in (("from", "T00:00:00+08:00"), ("to", "T23:59:59+08:00")):
        raw = args.get(name, "").strip()
        if raw:
            try:
                bounds[name] = format_time(parse_time(raw[:10] + suffix, name))
            except EmergencyError:
                errors[name] = _("日期格式应为 2026-11-22")
    return bounds, errors


@bp.get("/history")
def history():
    """Every incident, closed ones too, found by date, plan, level and words in the title."""
    args = request.args
    bounds, errors = date_bounds(args)
    plan_id = args.get("plan") if args.get("plan") in plans().plans else None
    level = args.get("level") if args.get("level") in ("I", "II", "III", "IV") else None
    closed = {"open": False, "closed": True}.get(args.get("status", ""))
    rows = get_store().search(since=bounds.get("from"), until=bounds.get("to"), plan=plan_id, level=level,
                              text=args.get("q", "").strip()[:100] or None, drill=args.get("drill") == "1",
                              closed=closed)
    at = now()
    views = [service.safe_snapshot_view(s, at, plans()) for s in rows]
    return render_template("console/history.html", rows=views, args=args, errors=errors)


@bp.get("/incidents/<incident_id>")
def incident_page(incident_id: str):
    try:
        snap = get_store().get(incident_id)
    except NotFound:
        abort(404)
    clock = clock_for(snap)
    v = service.view(get_store(), incident_id, clock.now(), office())
    if current_user.role == "observer":
        v = for_observer(v)
    plan = plans().plan_for(v["plan"], v["plan_version"])
    group_key = v["event_group"] or v["id"]
    at = now()
    group = [service.snapshot_view(s, None, at, plans(), office()) for s in get_store().list(drill=None, event_group=group_key)
             if s.id != v["id"]] + [v]
    lead, lead_basis = _lead_plan(group)
    group.sort(key=lambda g: (g["plan"] != lead, g["created_at"]))
    merged = service.merged_notifications(group) if len(group) > 1 else []
    draft = session.pop("draft", None)
    if not draft or draft.get("incident") != incident_id:
        draft = None
    role = current_user.role
    v["actions"] = [a for a in v["actions"] if may_act(role, a["trigger"], v["drill"], plan)]  # only this role's
    v["allowed_triggers"] = [tr for tr in v["allowed_triggers"] if may_act(role, tr, v["drill"], plan)]
    machine = plans().lifecycle(v["plan"], v["plan_version"])
    offers = documents.offers(snap, plan, clock.now(), plans())
    call_sheet = _calls_view(snap, v, plan, clock.now())
    may_assign = "assign_task" in v["allowed_triggers"]
    may_follow_up = may_act(role, "sign_task", v["drill"], plan)
    unit_names = sorted(set(directory.by_unit(directory.load(get_store()))) | {o.unit for o in plan.library.agencies.offices})
    return render_template("console/incident.html", offers=offers, **call_sheet, documents=get_store().documents(incident_id),
                           KNOWN_VIA=KNOWN_VIA, may_assign=may_assign, may_follow_up=may_follow_up, unit_names=unit_names,
                           task_refs=task_refs(plan),
                           may_issue=may_act(role, ISSUE_TRIGGER, v["drill"], plan), v=v, plan=plan, group=group, lead=lead, lead_basis=lead_basis,
                           merged=merged, group_key=group_key, draft=draft, **_timeline_page(plan, v["events"], snap.tasks),
                           decisions=decisions(v["events"]), other_plan_query=_other_plan_query(v),
                           sim=_sim_info(snap, clock),
                           judged=_judged(plan, snap, v, clock.now()),
                           diagram=main_path_chart(machine, v["state"], v["allowed_triggers"]),
                           full_diagram=state_diagram(machine, v["state"]))


TIMELINE_PAGE = 100  # events on one page of an incident's timeline, newest first (issue 26: 9,331 made 2.8 MB)


def _timeline_page(plan, events: list[dict], given: list | None = None) -> dict:
    """One page of the timeline (``?timeline_page=N``, newest first), with the pages there are."""
    pages = max(1, -(-len(events) // TIMELINE_PAGE))
    raw = request.args.get("timeline_page", "1")
    page = min(max(int(raw), 1), pages) if raw.isascii() and raw.isdigit() else 1
    end = len(events) - (page - 1) * TIMELINE_PAGE
    return {"timeline": timeline(plan, events[max(0, end - TIMELINE_PAGE):end], given), "timeline_page": page,
            "timeline_pages": pages, "timeline_total": len(events)}


def _calls_view(snap, v: dict, plan, at) -> dict:
    """The incident page's calls: each notification's numbers, attempts and next number (``lines``), the items
    raised to the commander on duty (``escalated``), who that is now (``duty``), the outbound channels and a
    first-notice text per notification."""
    items = (v["checklist"] or {}).get("notifications", [])
    lines = call_lines(items, [a.model_dump() for a in snap.calls]) if items else []
    texts = {n["id"]: callsheet.first_notice(v, plan.short_title, n) for n in items}
    # a drill raises its items to the drill's own stand-in for the leader on duty, never the real one (issue 31)
    duty = {"unit": _("演练"), "drill": True} if snap.drill else on_duty_now(now())
    return {"call_lines": lines, "escalated": calls.escalations(ours(items), at), "duty": duty,
            "channels": list(configured_channels()), "message_texts": texts,
            "messages": [m.model_dump() for m in snap.messages], "escalate_minutes": calls.ESCALATE_WITHIN_MINUTES,
            "failures_before_next": calls.FAILURES_BEFORE_NEXT}


def _judged(plan, snap, v: dict, at) -> dict:
    """The incident's 研判 (issue 34): its own plan's boundaries and consequences, and the plans the event could also
    be recorded under, with which plan would lead past each boundary."""
    level = snap.effective_level or v["classification"]["level"]
    judged = assessment(plan, snap.facts, level, snap.occurred_at, snap.reported_at, at)
    judged["related"] = related_plans(plans(), plan, snap.facts, level, judged["ahead"])
    return judged


def _other_plan_query(v: dict) -> dict:
    """What recording the same event under another plan carries over: title, times, facts and the group."""
    return {"event_group": v["event_group"] or v["id"], "occurred_at": v["occurred_at"][:16],
            "reported_at": v["reported_at"][:16], "title": v["title"], "facts": json.dumps(v["facts"], ensure_ascii=False),
            "drill": "1" if v["drill"] else ""}


def _lead_plan(views: list[dict]) -> tuple[str | None, dict | None]:
    """The lead plan among an event's incidents and the clause that says so (PlanLibrary.lead_with_basis)."""
    return plans().lead_with_basis({g["plan"]: g["level"] or g["classified_level"] for g in views})


@bp.post("/incidents/<incident_id>/act")
def incident_act(incident_id: str):
    form = request.form
    trigger = form.get("trigger", "")
    try:
        version = int(form.get("expected_version", ""))
    except ValueError:
        flash("expected_version: missing", "error")
        return redirect(url_for("console.incident_page", incident_id=incident_id))
    payload = {k: form[k].strip() for k in FORM_FIELDS if form.get(k, "").strip()}
    try:
        snap = get_store().get(incident_id)            # read once: the form's facts, then the action itself
        snap_plan = plans().plan_for(snap.plan, snap.plan_version)
        if trigger == "update_facts":
            payload = {"facts": _facts_from_form(snap_plan, form)}
        service.perform(get_store(), incident_id, trigger, version, payload,
                        service.Actor(_actor(), current_user.role, office()), clock_for, view=False, current=snap)
        flash(_("已执行：%(action)s。", action=trigger_labels(snap_plan).get(trigger, trigger)), "ok")
    except service.Forbidden:
        forbid(_("%(role)s无权执行“%(action)s”", role=current_user.role_name,
                 action=trigger_labels(snap_plan).get(trigger, trigger)))
    except StaleVersion as exc:
        _keep_draft(incident_id, trigger, form)
        flash(_("操作未执行：事件已被他人更新（你看到的是第%(seen)s版，现在是第%(now)s版）。你填写的内容已保留在下方，请查看变化后再提交。", seen=exc.expected, now=exc.current), "error")
    except NotFound:
        abort(404)
    except EmergencyError as exc:
        _keep_draft(incident_id, trigger, form)
        flash(refusal(exc), "error")
    return redirect(url_for("console.incident_page", incident_id=incident_id) + "#actions")


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
        v = service.view(get_store(), incident_id, now())
    except NotFound:
        abort(404)
    if not v["checklist"]:
        flash(_("尚未确定级别，无法生成清单。"), "error")
        return redirect(url_for("console.incident_page", incident_id=incident_id))
    plan = plans().plan_for(v["plan"], v["plan_version"])
    return render_template("console/checklist.html", plan=plan, cl=v["checklist"], query=None, drill=v["drill"], incident=v)

