"""The JSON API under /api. Same vocabulary as the CLI.

Errors: malformed JSON → 400; bad input → 422 naming the field; unknown plan or incident → 404;
a trigger not allowed now, a failed guard or a stale version → 409. Never a traceback.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from flask_login import current_user

from emergency.services import board, cap, cap_in, documents, drill_runs, incidents as service, intake
from emergency.services.callsheet import for_observer
from emergency.response.diagrams import state_diagram
from emergency.response.checklist import checklist as build_checklist
from emergency.response.boundaries import assessment, related_plans
from emergency.response.classify import classify
from emergency.core.errors import EmergencyError, InputError, NotFound, Refused, StaleVersion, refuse_unknown
from emergency.response.requests import check_body, library_models
from emergency.store import StorageFull, StoreBusy
from emergency.core.wording import N_

from emergency.services.permissions import Forbidden

from .access import incident_or_404, may, may_report, who
from .auth import actor
from .db import app_clock, clock_for, now, plans as library, use
from .i18n import api_refusal
from .openapi import DrillRequest, EventRequest, openapi_spec

bp = Blueprint("api", __name__, url_prefix="/api")


class BadJSON(EmergencyError):
    kind = "bad_json"

    def as_dict(self, translate=None) -> dict:
        return {**super().as_dict(translate), "field": "body"}


def json_body() -> Any:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        data = request.get_json(silent=True, force=True)
    except RecursionError:
        raise BadJSON(N_("请求的JSON嵌套层数过多")) from None
    if data is None:
        raise BadJSON(N_("请求不是有效的JSON"))
    return data


def json_object() -> dict:
    data = json_body()
    if not isinstance(data, dict):
        raise InputError("body", "须为JSON对象")
    return data


@bp.errorhandler(EmergencyError)
def _refusal(exc: EmergencyError):
    status = {BadJSON: 400, InputError: 422, NotFound: 404, Refused: 409, StaleVersion: 409, StoreBusy: 503,
              StorageFull: 507, Forbidden: 403}
    code = next((c for t, c in status.items() if isinstance(exc, t)), 400)
    headers = {"Retry-After": str(StoreBusy.retry_after)} if code == 503 else {}
    return jsonify(api_refusal(exc)), code, headers


@bp.get("/plans")
def plans():
    return jsonify([{"id": p.id, "title": p.title, "short_title": p.short_title, "document_number": p.document_number,
                     "issued_by": p.issued_by, "issued_on": p.issued_on.isoformat()} for p in library().plans.values()])


@bp.get("/plans/<plan_id>")
def plan(plan_id: str):
    p = library().plan(plan_id)
    data = p.model_dump(mode="json", by_alias=True)
    data["lifecycle"] = library().lifecycle(plan_id).as_data()
    return jsonify(data)


@bp.get("/plans/<plan_id>/diagram")
def plan_diagram(plan_id: str):
    library().plan(plan_id)
    return jsonify({"plan": plan_id, "mermaid": state_diagram(library().lifecycle(plan_id))})


@bp.post("/classify/<plan_id>")
def classify_facts(plan_id: str):
    p = library().plan(plan_id)
    result = classify(p, json_body())
    # 研判: each higher level's criteria against the facts, and what the nearest of each would set off
    # (its reports dated from now: a classification belongs to no incident yet)
    at = now()
    judged = assessment(p, result["facts"], result["level"], at, at, at)
    result.update(boundaries=judged["boundaries"], ahead=judged["ahead"], headline=judged["headline"],
                  related=related_plans(library(), p, result["facts"], result["level"], judged["ahead"]))
    return jsonify(result)


@bp.post("/checklist/<plan_id>")
def checklist(plan_id: str):
    p = library().plan(plan_id)
    data = json_object()
    check_body(library_models(library())["ChecklistRequest"], data)
    return jsonify(build_checklist(p, data["level"], data["occurred_at"], data["reported_at"],
                                   cause=data.get("cause"), hot_topic=data.get("hot_topic", False)))


@bp.get("/incidents")
def incidents():
    drill_arg = request.args.get("drill", "false")
    drill = {"false": False, "true": True, "all": None}.get(drill_arg)
    if drill_arg not in ("false", "true", "all"):
        raise InputError("drill", "须为false、true或all")
    at = now()
    rows = use(board.rows, library(), current_user.office, clock_for, at, drill,
                      open_only=request.args.get("open") == "true")
    return jsonify(shown_view([r.listed() for r in rows]))


def _plan_named(data: dict):
    """The plan a request body names (``plan``): 422 when missing, 404 when unknown."""
    if data.get("plan") is None:
        raise InputError("plan", "必须填写")
    return library().plan(data["plan"])


@bp.post("/incidents")
def create_incident():
    data = json_object()
    may_report(data.get("drill") is True, _plan_named(data))
    check_body(library_models(library())["IncidentRequest"], data)
    key = request.headers.get("Idempotency-Key")
    scoped = service.scoped_idempotency_key(key, actor(), data)
    before = use(service.by_idempotency_key, scoped) if scoped else None
    snap = use(service.report, data, actor(), app_clock(), idempotency_key=key)
    return jsonify(use(service.view, snap.id, now(), current_user.office, snap)), (200 if before else 201)


API_EVENTS = 200   # the newest events an incident answers with, unless asked for all (?events=all)


@bp.get("/incidents/<incident_id>")
def incident(incident_id: str):
    """The incident as its page shows it, with a page of its events: the newest ``API_EVENTS`` (``?before=N``: the
    ``API_EVENTS`` before event number N; ``events_next`` links to the page before this one, ``events_total`` says
    how many there are; ``?events=all`` answers with every one). Its notes and call attempts are those of the
    events answered (``calls_total``: how many attempts there are). Only
    the page is read: a poll of a long incident was 2.7 MB, and 111 ms on a district's 5,000-event incident."""
    every = request.args.get("events") == "all"
    before = None if every else _event_number(request.args.get("before"))
    snap = use(service.get, incident_id)
    out = use(service.view, incident_id, clock_for(snap).now(), current_user.office, snap,
              newest=None if every else API_EVENTS, before=before)
    oldest = out["events"][0]["seq"] if out["events"] else 1
    out["events_next"] = (None if every or oldest <= 1 else
                          url_for("api.incident", incident_id=incident_id, before=oldest))
    return jsonify(shown_view(out))


def _event_number(text: str | None) -> int | None:
    """``?before=`` as an event number (1 and up), or None when not given; anything else is refused naming it."""
    if text is None:
        return None
    if not text.isdigit() or not 0 < int(text) < 2 ** 63:
        raise InputError("before", "须为从1起的整数")
    return int(text)


@bp.get("/documents/<document_id>/cap")
def document_cap(document_id: str):
    """An issued report as an OASIS CAP 1.2 message (the same as the incident page's CAP link)."""
    row = use(documents.document, document_id)
    snap, plan = incident_or_404(row["incident_id"])
    body = use(documents.cap_of, row, snap, plan)
    return Response(body, mimetype=cap.MEDIA_TYPE)


@bp.get("/incidents/<incident_id>/warning/cap")
def warning_cap(incident_id: str):
    """The district's warning on the incident as a CAP 1.2 message (the same as the incident page's link)."""
    snap, plan = incident_or_404(incident_id)
    body = use(documents.warning_cap, snap, plan, current_user.office)
    if body is None:
        raise NotFound("warning", incident_id)
    return Response(body, mimetype=cap.MEDIA_TYPE)


@bp.post("/warnings")
def receive_warning():
    """A warning from higher government as a CAP 1.2 message (the request's body; ``?plan=`` when the message does
    not name one): recorded as the incident and its 接收上级预警 step; 422 naming what is wrong, nothing written."""
    may_report(True)          # whoever may record at least a drill's; the service decides for the message itself
    snap = use(cap_in.receive, request.get_data(cache=False)[:cap_in.LARGEST + 1],
                          request.args.get("plan") or None, who(), app_clock())
    return jsonify(use(service.view, snap.id, now(), current_user.office, snap)), 201


def shown_view(view):
    """An incident's view (or a list of them) as this user may see it: an observer sees no personal mobile, on a
    call, in an event or in the roster's people on duty, however the number was written."""
    return view if may("directory.personal") else for_observer(view)


@bp.post("/incidents/<incident_id>/events")
def incident_event(incident_id: str):
    data = json_object()
    refuse_unknown(data, EventRequest.model_fields)
    # the service owns the action: one read, the role checked, the event written, the view from it
    view = use(service.perform, incident_id, data.get("trigger"), data.get("expected_version"),
                           data.get("payload"), who(), clock_for)
    return jsonify(shown_view(view))


@bp.get("/drills")
def drills():
    return jsonify([drill_runs.drill_view(d, app_clock()) for d in use(drill_runs.list_drills)])


@bp.post("/drills")
def create_drill():
    data = json_object()
    refuse_unknown(data, DrillRequest.model_fields)
    d = use(drill_runs.create_drill, str(data.get("scenario", "")), actor(), app_clock(), seed=data.get("seed"),
                                start=data.get("start"), boundary=data.get("boundary", False),
                                at_boundary=data.get("at_boundary", False))
    return jsonify(drill_runs.drill_view(d, app_clock())), 201


@bp.post("/drills/<drill_id>/tick")
def drill_tick(drill_id: str):
    """Fire what is due on the drill's clock and return the drill (the pages poll this)."""
    return jsonify(drill_runs.drill_view(use(drill_runs.advance, drill_id, app_clock()), app_clock()))


@bp.post("/drills/<drill_id>/control")
def drill_control(drill_id: str):
    data = json_object()
    refuse_unknown(data, ("action", "speed"))
    d = use(drill_runs.control, drill_id, str(data.get("action", "")), app_clock(), speed=data.get("speed"))
    return jsonify(drill_runs.drill_view(d, app_clock()))


@bp.get("/routing")
def routing():
    return jsonify(library().routing.model_dump())


def _intake_view(record: dict) -> dict:
    return {**record, "routing": intake.routing_view(record["matter"], library())}


@bp.post("/intake")
def create_intake():
    data = json_object()
    may_report(data.get("drill") is True)
    return jsonify(_intake_view(use(intake.record, data, actor(), app_clock()))), 201


@bp.get("/intake/<intake_id>")
def get_intake(intake_id: str):
    return jsonify(_intake_view(use(intake.get, intake_id)))


@bp.post("/intake/<intake_id>/incident")
def intake_incident(intake_id: str):
    data = json_object()
    plan_id = data.pop("plan", None)
    if not isinstance(plan_id, str):
        raise InputError("plan", "必须填写")
    record = use(intake.get, intake_id)
    may_report(record["drill"], library().plan(plan_id))
    check_body(library_models(library())["IntakeIncidentRequest"], {**data, "plan": plan_id})
    snap = use(intake.open_incident, intake_id, plan_id, data, actor(), app_clock())
    return jsonify(use(service.view, snap.id, now(), current_user.office, snap)), 201


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_spec(library()))

