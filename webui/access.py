"""Which action of ``emergency.services.permissions`` each route is, and the one gate that asks it.

Every route of the console and the API names its action here (``ROUTE_ACTIONS``); ``create_app`` refuses to start
with a route that has none, and a test tries every route with every role, from the owning office and another, against
this table. Before a view runs, the gate asks ``permissions.authorize`` whether the signed-in role may take the
route's action at all; the view then loads what it acts on through an ``…_or_404`` helper or a service, which asks
again with the thing itself (whose it is). No view compares a role or an office itself.
"""
from __future__ import annotations

from flask import Flask, abort, jsonify, render_template, request
from flask_login import current_user

from emergency.core.errors import NotFound
from emergency.core.numbers import masked_text
from emergency.services import incidents, permissions
from emergency.services.permissions import Actor, Forbidden, IncidentStep

from .auth import same_site_referrer
from .db import plans, use

from .i18n import api_refusal, refusal

ROUTE_ACTIONS = {
    # before sign-in
    "auth.login": "public", "static": "public", "api.openapi": "public", "console.set_lang": "public",
    "console.favicon": "public",
    "auth.logout": "session", "auth.logout_everywhere": "session",
    # plans, checklists, cards
    "api.plans": "plans.read", "api.plan": "plans.read", "api.plan_diagram": "plans.read",
    "api.classify_facts": "plans.read", "api.checklist": "plans.read", "api.routing": "plans.read",
    "plans.plan_page": "plans.read", "plans.plan_diff": "plans.read", "plans.classify_page": "plans.read",
    "plans.checklist_page": "plans.read", "plans.checklist_download": "plans.read",
    "drills.cards_index": "plans.read", "drills.card_page": "plans.read",
    # incidents: reading them
    "console.home": "incidents.read", "console.board": "incidents.read", "console.wall": "incidents.read",
    "console.history": "incidents.read", "console.statistics": "incidents.read",
    "console.statistics_export": "incidents.read", "api.incidents": "incidents.read", "api.incident": "incidents.read",
    "incidents.incident_page": "incidents.read", "incidents.incident_checklist": "incidents.read",
    "directory.calls": "incidents.read", "directory.calls_download": "incidents.read",
    "reports.timeline_docx": "incidents.read", "reports.notifications_download": "incidents.read",
    "reports.board_export": "incidents.read",
    "reports.document_page": "documents.read", "reports.document_docx": "documents.read",
    "reports.document_pdf": "documents.read", "reports.document_cap": "documents.read",
    "api.document_cap": "documents.read", "api.warning_cap": "incidents.read",
    "reports.warning_cap": "incidents.read",
    # incidents: acting on them (the plan's roles, decided with the incident in hand)
    "incidents.create_incident": "incident.report", "api.create_incident": "incident.report",
    "intake.intake_form": "intake.read", "intake.intake_page": "intake.read", "api.get_intake": "intake.read",
    "intake.intake_record": "incident.report", "api.create_intake": "incident.report",
    "intake.intake_close": "incident.report", "intake.warning_form": "incident.report",
    "intake.warning_receive": "incident.report", "api.receive_warning": "incident.report", "api.intake_incident": "incident.report",
    "incidents.incident_act": "incident.act", "api.incident_event": "incident.act", "calls.record_call": "incident.act",
    "reports.draft_page": "report.issue", "reports.preview": "report.issue", "reports.issue": "report.issue",
    # directory and roster
    "directory.page": "directory.read", "directory.export": "directory.read", "directory.roster_page": "directory.read",
    "directory.roster_export": "directory.read", "directory.roster_subscription": "directory.read",
    "directory.roster_subscribe": "directory.read", "directory.roster_unsubscribe": "directory.read", "directory.checklist_calls": "directory.read",
    "directory.import_file": "directory.manage", "directory.save_contact": "directory.manage",
    "directory.delete_contact": "directory.manage", "directory.roster_import": "directory.manage",
    "directory.roster_generate": "roster.generate", "directory.swap_request": "swap.request",
    "directory.swap_decide": "swap.decide",
    # the shift
    "shift.log_page": "shift.read", "shift.log_print": "shift.read", "shift.log_export": "shift.read",
    "shift.handover_page": "shift.read", "shift.handover_view": "shift.read", "shift.handover_print": "shift.read",
    "shift.add_entry": "shift.write", "shift.entry_done": "shift.write",
    "shift.sign_out": "handover.sign_out", "shift.sign_in": "handover.sign_in",
    "shift.drill_handover": "drills.read", "shift.drill_sign_out": "drill.handover",
    # drills
    "drills.drills": "drills.read", "drills.panel": "drills.read", "drills.report": "drills.read",
    "drills.report_json": "drills.read", "drills.report_docx": "drills.read", "drills.improvements": "drills.read",
    "drills.improvements_docx": "drills.read", "drills.coverage_page": "drills.read",
    "drills.coverage_download": "drills.read", "api.drills": "drills.read",
    "drills.create": "drills.run", "drills.control": "drills.run", "drills.scenario_new": "drills.run",
    "drills.scenario_save": "drills.run", "drills.add_improvement": "drills.run",
    "drills.close_improvement": "drills.run", "api.create_drill": "drills.run", "api.drill_control": "drills.run",
    "api.drill_tick": "drills.clock",
    # administration
    "admin.security": "admin", "admin.add_user": "admin", "admin.change_user": "admin", "admin.unlock": "admin", "admin.set_prefix": "admin",
    "admin.archive_download": "admin",
}


def who() -> Actor:
    """The signed-in user as the services know them: name, role and office."""
    return Actor(current_user.name, current_user.role, current_user.office)


def may(action: str, resource=None) -> bool:
    """Whether the signed-in user may take ``action`` (on ``resource``): for showing a button, never instead of the
    check the service makes."""
    return bool(current_user.is_authenticated) and permissions.allowed(who(), action, resource)


def authorize(action: str, resource=None) -> None:
    """``permissions.authorize`` for the signed-in user: raises Forbidden (403) or NotFound (404)."""
    permissions.authorize(who(), action, resource)


def incident_or_404(incident_id: str, action: str = "incidents.read", trigger: str | None = None):
    """The incident and the plan version it runs under, or 404; with an action and its trigger, 403 when the user
    may not take it on this incident (load and check in one step)."""
    try:
        snap = use(incidents.get, incident_id)
    except NotFound:
        abort(404)
    plan = plans().plan_for(snap.plan, snap.plan_version)
    if trigger is not None:
        authorize(action, IncidentStep(plan, snap.drill, trigger))
    return snap, plan


def may_report(drill: bool, plan=None) -> None:
    """403 unless the user may record an incident (``plan`` None: an intake, before a plan is chosen — under any)."""
    authorize("incident.report", IncidentStep(plan, drill, "report",
                                              candidates=[] if plan is not None else list(plans().plans.values())))


def _gate():
    """The route's action, for the role alone, before the view loads anything (the view asks again with it)."""
    if request.endpoint is None or not current_user.is_authenticated:
        return None
    action = ROUTE_ACTIONS[request.endpoint]
    if action != "public":
        permissions.authorize(who(), action)
    return None


def shown(value):
    """``value`` (a page's lines, a handover, an export's rows) as the signed-in user may see it: without the
    personal mobiles written anywhere in it, for a user who may not see them (an observer)."""
    return value if may("directory.personal") else masked_text(value)


TEXT_TYPES = ("text/html", "text/plain", "text/markdown", "text/csv", "application/json")


def _mask_answer(response):
    """The last net under every page and API answer in text: a personal mobile that a view let through is masked
    for a user who may not see it (the views mask what they render; this keeps a page added later from leaking)."""
    if (response.direct_passthrough or not response.mimetype or not response.mimetype.startswith(TEXT_TYPES)
            or not current_user.is_authenticated or may("directory.personal")):
        return response
    body = response.get_data(as_text=True)
    masked = masked_text(body)
    if masked != body:
        response.set_data(masked)
    return response


def _forbidden(exc: Forbidden):
    if request.path.startswith("/api/"):
        return jsonify(api_refusal(exc)), 403
    return render_template("error.html", code=403, message=refusal(exc), back=same_site_referrer("")), 403


def _not_found(exc: NotFound):
    if request.path.startswith("/api/"):
        return jsonify(api_refusal(exc)), 404
    return render_template("error.html", code=404, message=refusal(exc)), 404


def init_app(app: Flask) -> None:
    """Refuse to start with a route that names no action; ask the gate before every view."""
    missing = sorted(r.endpoint for r in app.url_map.iter_rules() if r.endpoint not in ROUTE_ACTIONS)
    if missing:
        raise RuntimeError(f"routes without an action in webui/access.py ROUTE_ACTIONS: {', '.join(missing)}")
    unknown = sorted(a for a in set(ROUTE_ACTIONS.values()) if a not in permissions.ACTIONS)
    if unknown:
        raise RuntimeError(f"ROUTE_ACTIONS names actions permissions.ACTIONS does not have: {', '.join(unknown)}")
    app.before_request(_gate)
    app.after_request(_mask_answer)
    app.register_error_handler(Forbidden, _forbidden)
    app.register_error_handler(NotFound, _not_found)
