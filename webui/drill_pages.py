"""Drill pages: scenario library and editor, controller panel, after-action report, improvement
items and response cards. Views are thin over emergency.services.drill_runs, .report and .cards."""
from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user

from emergency.services import drill_runs, exports, incidents as service, intake, shift
from emergency.response.cards import card, roles
from emergency.core.clock import format_time, parse_time
from emergency.core.errors import EmergencyError, NotFound
from emergency.services.coverage import coverage, coverage_tables
from emergency.plans.model import LEVELS, PlanFileError
from emergency.services.report import drill_report

from .auth import actor as _actor
from .db import app_clock, plans, use
from .downloads import send
from .i18n import gettext as _, refusal
from .pdf import PdfUnavailable, picture

bp = Blueprint("drills", __name__)


def drill_or_404(drill_id: str) -> dict:
    """The drill with every step due on its clock fired (a page about a drill shows it as it stands), or 404."""
    try:
        return use(drill_runs.advance, drill_id, app_clock())
    except NotFound:
        abort(404)


@bp.get("/drills")
def drills():
    return render_template("drills/drills.html", scenarios=use(drill_runs.scenario_library),
                           drills=[drill_runs.drill_view(d, app_clock()) for d in use(drill_runs.list_drills)])


@bp.post("/drills")
def create():
    form = request.form
    seed = form.get("seed", "").strip()
    try:
        d = use(drill_runs.create_drill, form.get("scenario", ""), _actor(), app_clock(),
                                    seed=int(seed) if seed.isdigit() else None, start=form.get("start") or None,
                                    boundary=form.get("boundary") == "on" and seed.isdigit(),
                                    at_boundary=form.get("at_boundary") == "on")
    except (EmergencyError, PlanFileError) as exc:
        flash(refusal(exc), "error")
        return redirect(url_for("drills.drills"))
    if seed and not seed.isdigit():
        flash(_("随机种子须为整数；已按情景原样生成演练"), "error")
    return redirect(url_for("drills.panel", drill_id=d["id"]))


@bp.get("/drills/<drill_id>")
def panel(drill_id: str):
    d = drill_or_404(drill_id)
    view = drill_runs.drill_view(d, app_clock())
    incidents = use(service.listed, drill=True, drill_id=drill_id)
    intakes = [r for r in use(intake.search, drill=True) if r["drill_id"] == drill_id]
    return render_template("drills/drill.html", d=view, incidents=incidents, intakes=intakes, speeds=drill_runs.SPEEDS)


@bp.post("/drills/<drill_id>/control")
def control(drill_id: str):
    try:
        use(drill_runs.control, drill_id, request.form.get("action", ""), app_clock(),
                           speed=request.form.get("speed"))
    except NotFound:
        abort(404)
    except EmergencyError as exc:
        flash(refusal(exc), "error")
    return redirect(url_for("drills.panel", drill_id=drill_id))


def _report(drill_id: str) -> dict:
    d = drill_or_404(drill_id)
    end = parse_time(d["finished_at"], "finished_at") if d["finished_at"] else drill_runs.drill_clock(d, app_clock()).now()
    incidents = [(s, use(service.events, s.id)) for s in sorted(use(service.listed, drill=True, drill_id=drill_id),
                                                         key=lambda s: s.created_at)]
    handovers = use(shift.handovers, current_user.office, drill=True, drill_id=drill_id)
    return drill_report(d, incidents, end, plans(), current_user.office, handovers)   # for the office reading it


@bp.get("/drills/<drill_id>/report")
def report(drill_id: str):
    rep = _report(drill_id)
    items = use(drill_runs.improvements, drill_id=drill_id)
    return render_template("drills/report.html", r=rep, items=items, plans=plans().plans)


@bp.get("/drills/<drill_id>/report.json")
def report_json(drill_id: str):
    rep = _report(drill_id)
    return send(json.dumps(rep, ensure_ascii=False, indent=2).encode(), f"演练-{rep['title']}-评估报告.json",
                ascii_name=f"after-action-{drill_id}.json")


@bp.get("/drills/<drill_id>/report.docx")
def report_docx(drill_id: str):
    rep = _report(drill_id)
    body = exports.drill_report_docx(rep, use(drill_runs.improvements, drill_id=drill_id), chart_picture(rep))
    return send(body, f"演练-{rep['title']}-评估报告.docx", ascii_name=f"after-action-{drill_id}.docx")


CHART_WIDTH = 1000   # CSS pixels, the chart's own viewBox width


def chart_picture(rep: dict) -> bytes | None:
    """The report's time line as a PNG: the page's own chart markup (``drills/_chart.html``), in Chinese whatever the
    reader's language (the Word report is Chinese), photographed by the Chromium that prints reports. None when
    Chromium is missing or busy: the report is still the report, and says where the chart is."""
    if not current_app.config.get("CHART_PICTURES", True):
        return None
    with force_locale("zh"):
        html = render_template("drills/chart_picture.html", r=rep)
    height = 40 + 40 * len(rep["chart"]["rows"]) + 30 + 40    # the viewBox's height, the legend under it
    try:
        return picture(html, CHART_WIDTH, height, current_app.config.get("CHROMIUM", "/usr/bin/chromium"))
    except PdfUnavailable:
        current_app.logger.warning("the after-action report's chart was not drawn: Chromium is unavailable or busy")
        return None


@bp.get("/drills/<drill_id>/improvements.docx")
def improvements_docx(drill_id: str):
    rep = _report(drill_id)
    body = exports.improvements_docx(rep, use(drill_runs.improvements, drill_id=drill_id))
    return send(body, f"演练-{rep['title']}-整改计划.docx", ascii_name=f"improvements-{drill_id}.docx")


@bp.post("/drills/<drill_id>/improvements")
def add_improvement(drill_id: str):
    drill_or_404(drill_id)
    form = request.form
    finding, owner, due = (form.get(k, "").strip() for k in ("finding", "owner", "due"))
    errors = [name for name, value in (("owner", owner), ("due", due), ("finding", finding)) if not value]
    try:
        if due:
            parse_time(due + "T00:00" if len(due) == 10 else due, "due")
    except EmergencyError:
        errors.append("due")
    if errors or len(finding) > 2000 or len(owner) > 100:
        flash(_("整改事项未保存，请填写：%(fields)s", fields="、".join(errors or ["finding"])), "error")
        return redirect(url_for("drills.report", drill_id=drill_id) + "#findings")
    use(drill_runs.add_improvement, {"drill_id": drill_id, "incident_id": form.get("incident_id"),
                                   "plan": form.get("plan"), "clause": form.get("clause", "")[:50], "finding": finding,
                                   "owner": owner, "due": due[:10], "status": "open", "created_by": _actor(),
                                   "created_at": format_time(app_clock().now())})
    flash(_("整改事项已登记。"), "ok")
    return redirect(url_for("drills.report", drill_id=drill_id) + "#findings")


@bp.get("/improvements")
def improvements():
    return render_template("drills/improvements.html", items=use(drill_runs.improvements, open_only=request.args.get("all") != "1"),
                           plans=plans().plans, show_all=request.args.get("all") == "1")


@bp.post("/improvements/<int:item_id>/close")
def close_improvement(item_id: int):
    use(drill_runs.close_improvement, item_id, _actor(), format_time(app_clock().now()))
    return redirect(url_for("drills.improvements"))


@bp.get("/scenarios/new")
def scenario_new():
    scenarios = plans().scenarios
    example = next(iter(scenarios.values())).model_dump_json(indent=2) if scenarios else ""
    return render_template("drills/scenario_new.html", text="", example=example)


@bp.post("/scenarios")
def scenario_save():
    text = request.form.get("yaml", "")
    try:
        sc = use(drill_runs.save_scenario, text, _actor(), app_clock())
    except (EmergencyError, PlanFileError) as exc:
        return render_template("drills/scenario_new.html", text=text, error=refusal(exc), example=""), 422
    flash(_("情景已保存：%(id)s", id=sc.id), "ok")
    return redirect(url_for("drills.drills"))


@bp.get("/cards")
def cards_index():
    return render_template("drills/cards_index.html", plans=plans().plans, roles=roles, levels=LEVELS)


@bp.get("/cards/<plan_id>/<level>/<role>")
def card_page(plan_id: str, level: str, role: str):
    try:
        c = card(plans().plan(plan_id), level, role)
    except (NotFound, EmergencyError):
        abort(404)
    return render_template("drills/card.html", c=c)


@bp.get("/coverage")
def coverage_page():
    """Which parts of each plan drills have exercised in the last 12 and 36 months, and which never."""
    return render_template("drills/coverage.html", cov=use(coverage, app_clock().now()))


@bp.get("/coverage.xlsx")
def coverage_download():
    at = app_clock().now()
    return send(coverage_tables(use(coverage, at), at), "演练覆盖情况.xlsx", ascii_name="drill-coverage.xlsx")
