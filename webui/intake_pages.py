"""接报登记 pages: record a report from 12345, 110, a unit or the public; see who handles it first under
Haimen's 12345/110 list and which plans it may open; open an incident from it (its receipt time
becomes the incident's 接报时间) or keep it with the reason it opened none. Views are thin over
emergency.services.intake."""
from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from emergency.services import cap_in, intake as intakes
from emergency.core.clock import format_time
from emergency.core.errors import EmergencyError, InputError, NotFound

from .access import may_report, who
from .auth import actor
from .console import date_bounds
from .db import app_clock, now, plans, use
from .i18n import gettext as _, refusal

bp = Blueprint("intake", __name__)


def _form_page(values: dict | None = None, error: EmergencyError | None = None, status: int = 200):
    bounds, _errors = date_bounds(request.args)
    matter = request.args.get("matter") or None
    rows = use(intakes.search, since=bounds.get("from"), until=bounds.get("to"), matter=matter,
                                      drill=request.args.get("drill") == "1")
    routing = plans().routing
    names = {m.id: m for m in routing.matters}
    return render_template("intake/intake.html", values=values or {"received_at": format_time(now())[:16], "source": "110"},
                           error=error, choices=intakes.matter_choices(routing, plans().matter_words),
                           sources=intakes.SOURCES, rows=rows, intake_facts=intakes.INTAKE_FACTS,
                           names=names, args=request.args), status


@bp.get("/intake")
def intake_form():
    """The intake form and the log of what was received (searchable by date and matter)."""
    return _form_page()


@bp.post("/intake")
def intake_record():
    form = request.form
    values = {k: form.get(k, "") for k in ("source", "reference", "received_at", "caller", "callback", "place",
                                           "description", "matter", "late_reason", "unit_received_at")}
    drill = form.get("drill") == "on"
    may_report(drill)
    data = {k: v for k, v in values.items() if v}
    values["facts"] = {f: form.get(f"fact-{f}", "").strip() for f in intakes.INTAKE_FACTS}
    data.update(drill=drill, facts={k: v for k, v in values["facts"].items() if v})
    try:
        record = use(intakes.record, data, actor(), app_clock())
    except EmergencyError as exc:
        return _form_page({**values, "drill": drill}, exc, 422)
    return redirect(url_for("intake.intake_page", intake_id=record["id"]))


@bp.get("/intake/<intake_id>")
def intake_page(intake_id: str):
    try:
        record = use(intakes.get, intake_id)
    except NotFound:
        abort(404)
    return render_template("intake/intake_view.html", i=record, r=intakes.routing_view(record["matter"], plans()),
                           sources=intakes.SOURCES, received_by=intakes.UNIT_RECEIVED,
                           title=intakes.title_for(record, plans().routing),
                           facts_json=json.dumps(record["facts"], ensure_ascii=False) if record["facts"] else "")


@bp.post("/intake/<intake_id>/close")
def intake_close(intake_id: str):
    try:
        record = use(intakes.get, intake_id)
    except NotFound:
        abort(404)
    may_report(record["drill"])
    try:
        use(intakes.close_without_incident, intake_id, request.form.get("reason"), actor(), app_clock())
        flash(_("已记录：本次接报未启动事件。"), "ok")
    except EmergencyError as exc:
        flash(refusal(exc), "error")
    return redirect(url_for("intake.intake_page", intake_id=intake_id))


# ---------------------------------------------------------------- warnings received as CAP 1.2 messages

def _warning_plans() -> list:
    """The plans under which a warning from higher government is recorded, each with its 接收上级预警 step."""
    return [(p, step) for p in plans().plans.values() if (step := cap_in.receive_step(p))]


@bp.get("/warnings/receive")
def warning_form(error: EmergencyError | None = None, status: int = 200):
    """Upload a warning received from higher government as a CAP 1.2 message (yellow, orange, red)."""
    may_report(True)          # whoever may record at least a drill's; the service decides for the message itself
    return render_template("intake/cap_receive.html", plans_open=_warning_plans(), error=error and refusal(error),
                           chosen=request.form.get("plan", "")), status


@bp.post("/warnings/receive")
def warning_receive():
    may_report(True)
    upload = request.files.get("message")
    body = upload.read(cap_in.LARGEST + 1) if upload else b""
    try:
        if not body:
            raise InputError("cap", "请选择收到的CAP预警消息文件（.xml）")
        snap = use(cap_in.receive, body, request.form.get("plan") or None, who(), app_clock())
    except EmergencyError as exc:
        return warning_form(exc, 422)
    flash(_("已接收上级预警，并登记为事件。"), "ok")
    return redirect(url_for("incidents.incident_page", incident_id=snap.id))
