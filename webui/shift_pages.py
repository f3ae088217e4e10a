"""The duty room's shift: the 值班日志 of the shift (what the room recorded and what the record holds of
its people), the 交接班 (made from the record, signed by the outgoing and the incoming officer), their A4 prints
and exports. Every page speaks for the signed-in user's office. Views are thin over ``emergency.services.shift``."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from emergency.services import drill_runs, exports, roster, shift
from emergency.core.clock import format_time, parse_time
from emergency.core.errors import EmergencyError, NotFound

from emergency.services.handover_model import SECTIONS
from emergency.services.permissions import Forbidden, OfficeThing

from .access import authorize, may, shown, who
from .auth import audit_export
from .downloads import send, table_formats
from .db import app_clock, now, plans, use
from .drill_pages import drill_or_404
from .i18n import gettext as _, refusal

bp = Blueprint("shift", __name__)


def _office() -> str:
    return current_user.office


def _duty_room() -> str:
    return current_app.config["DUTY_ROOM"]


def _shifts(around: datetime | None = None):
    """The roster, read once a request; ``around`` a moment: only the shifts ending after two days before it (the
    shift on duty then, the one before and those after) — a three-year roster is not read whole to find one night."""
    since = format_time(around - ROSTER_LOOKBACK) if around is not None else None
    cache = g.setdefault("rosters", {})
    if since not in cache:
        cache[since] = use(roster.load, since=since)
    return cache[since]


# how far before a moment the shift pages read the roster: the shift then and the one before it (a 24-hour shift
# at most), with a day to spare
ROSTER_LOOKBACK = timedelta(days=2)


def _window():
    """The shift the page shows: ``?shift=<its start>``, else the one on duty now; or, to search across shifts, the
    days ``?from=`` … ``?to=`` (dates, both included)."""
    if request.args.get("from") or request.args.get("to"):
        try:
            first = parse_time(f"{request.args.get('from') or request.args.get('to')}T00:00", "from")
            last = parse_time(f"{request.args.get('to') or request.args.get('from')}T00:00", "to") + timedelta(days=1)
        except EmergencyError:
            abort(404)
        return {"unit": _office(), "shift": _("查询结果"), "starts_at": format_time(first), "ends_at": format_time(last),
                "officers": [], "leader": "", "rostered": False, "search": True}
    at = (request.args.get("shift") or "").replace(" ", "+")   # a "+08:00" typed into an address reads as a space
    try:
        moment = parse_time(at, "shift") if at else now()
    except EmergencyError:
        abort(404)
    g.moment = moment
    return shift.window_at(_shifts(moment), _office(), moment)


def _log(window, query: str = ""):
    """The shift's log as this user may see it (an observer: no personal mobile, wherever it was typed)."""
    return shown(use(shift.log_of, _office(), window, plans(), _duty_room(), query=query))


def flag():
    """The unsigned handover of the signed-in user's office, for the home page and the wall (None: all signed)."""
    if not current_user.is_authenticated or not current_user.office:
        return None
    return use(shift.unsigned, _office(), _shifts(now()), now())


@bp.get("/shift")
def log_page(error: EmergencyError | None = None, values: dict | None = None, status: int = 200):
    window = _window()
    query = request.args.get("q", "")
    shifts = _shifts(g.get("moment") or parse_time(window["starts_at"], "starts_at"))   # the roster read once
    return render_template("shift/log.html", window=window, name=shift.window_name(window), lines=_log(window, query),
                           query=query, kinds=shift.ENTRY_KINDS, error=error, values=values or {},
                           previous=shift.previous_window(shifts, _office(), window),
                           following=shift.next_window(shifts, _office(), window), office=_office(),
                           may_write=may("shift.write"), flag=flag(),
                           now_local=format_time(now())[:16]), status


@bp.post("/shift/entries")
def add_entry():
    form = {k: request.form.get(k, "") for k in ("kind", "at", "party", "phone", "text", "leader", "due", "callback")}
    try:
        use(shift.add_entry, who(), form, now())
    except EmergencyError as exc:
        return log_page(error=exc, values=form, status=422)
    flash(_("已记入值班日志。"), "ok")
    return redirect(url_for("shift.log_page") + "#log")


@bp.post("/shift/entries/<int:entry_id>/done")
def entry_done(entry_id: int):
    try:
        use(shift.mark_done, who(), entry_id, request.form.get("note", ""), now(), request.form.get("done_at"))
        flash(_("已登记办理情况。"), "ok")
    except (Forbidden, NotFound):
        raise
    except EmergencyError as exc:
        flash(refusal(exc), "error")
    return redirect(url_for("shift.log_page") + "#log")


@bp.get("/shift/print")
def log_print():
    window = _window()
    lines = _log(window)
    audit_export(f"值班日志（{shift.window_name(window)}）打印")
    return render_template("shift/log_print.html", window=window, name=shift.window_name(window), lines=lines,
                           log_cells=shift.log_cells,
                           office=_office())


@bp.get("/shift/log.<fmt>")
def log_export(fmt: str):
    if fmt != "docx" and fmt not in table_formats():
        abort(404)
    window = _window()
    name = shift.window_name(window)
    lines = _log(window)
    filename = f"值班日志-{window['starts_at'][:10]}-{window['shift']}.{fmt}"
    # the log is a table in any table format; its Word file is a document of its own layout
    value = (exports.shift_log_docx(_office(), name, lines) if fmt == "docx"
             else exports.shift_log_tables(_office(), name, lines, now()))
    return send(value, filename)


# ---------------------------------------------------------------- 交接班

@bp.get("/shift/handover")
def handover_page(error: EmergencyError | None = None, status: int = 200):
    """The handover due now: one waiting to be signed for (接班), else the draft of the shift to hand over (交班)."""
    office = _office()
    waiting = use(shift.handovers, office, unsigned=True, limit=1)
    if waiting:
        return render_template("shift/handover.html", h=shown(waiting[0]), draft=None, sections=SECTIONS, error=error,
                               may_write=may("shift.write"), office=office), status
    shifts = _shifts(now())   # the shift now, the one before it and the next: never the three-year roster
    outgoing, incoming = use(shift.shift_to_hand_over, shifts, office, now())
    recent = use(shift.handovers, office, limit=10)
    done = next((r for r in recent if r["starts_at"] == outgoing["starts_at"]), None)
    if done is not None:   # this shift is handed over already (signed before its end): show it, never a second 交班
        return render_template("shift/handover.html", h=shown(done), draft=None, sections=SECTIONS, error=error,
                               may_write=may("shift.write"), office=office,
                               next_change=outgoing["ends_at"], recent=recent), status
    draft = use(shift.draft_handover, office, outgoing, incoming, plans(), now(), _duty_room())
    return render_template("shift/handover.html", h=None, draft=shown(draft), window=outgoing, sections=SECTIONS,
                           error=error, may_write=may("shift.write"), office=office,
                           action=url_for("shift.sign_out"), recent=recent,
                           missed=use(shift.missed, office, shifts, now())), status


@bp.post("/shift/handover")
def sign_out():
    office = _office()
    outgoing, incoming = use(shift.shift_to_hand_over, _shifts(now()), office, now())
    if request.form.get("window") != outgoing["starts_at"]:
        flash(_("交班的班次已变化，请核对后再签字。"), "error")
        return redirect(url_for("shift.handover_page"))
    try:
        h = use(shift.sign_out, who(), outgoing, incoming, plans(), request.form.get("remarks", ""), now(),
                           _duty_room())
    except Forbidden:
        raise
    except EmergencyError as exc:
        return handover_page(error=exc, status=409)
    flash(_("已交班签字，待接班人签字。"), "ok")
    return redirect(url_for("shift.handover_view", handover_id=h["id"]))


@bp.post("/shift/handover/<handover_id>/sign-in")
def sign_in(handover_id: str):
    try:
        h = use(shift.handover, handover_id)
        at = drill_runs.drill_clock(use(drill_runs.get_drill, h["drill_id"]), app_clock()).now() if h["drill_id"] \
            else now()   # a drill's handover is signed for on the drill's clock
        use(shift.sign_in, who(), handover_id, request.form.get("remarks", ""), at, plans(), _duty_room(),
                      _shifts(at))
    except NotFound:
        abort(404)
    except Forbidden:
        raise
    except EmergencyError as exc:
        flash(refusal(exc), "error")
        return redirect(url_for("shift.handover_view", handover_id=handover_id))
    flash(_("已接班签字。"), "ok")
    return redirect(url_for("shift.handover_view", handover_id=handover_id))


def _handover_or_404(handover_id: str):
    """A handover of the user's office, or 404 (another office's is not there for it)."""
    try:
        h = use(shift.handover, handover_id)
    except NotFound:
        abort(404)
    authorize("shift.read", OfficeThing(h["office"]))
    return h


@bp.get("/shift/handover/<handover_id>")
def handover_view(handover_id: str):
    h = _handover_or_404(handover_id)
    return render_template("shift/handover.html", h=shown(h), draft=None, sections=SECTIONS, error=None,
                           may_write=may("shift.write") or (h["drill"] and may("drills.run")),
                           office=_office())


@bp.get("/shift/handover/<handover_id>/print")
def handover_print(handover_id: str):
    h = _handover_or_404(handover_id)
    audit_export(f"交接班记录（{h['content'].window}）打印")
    return render_template("shift/handover_print.html", h=shown(h), sections=SECTIONS, office=_office())


# ---------------------------------------------------------------- a drill's shift change (a scenario inject)

@bp.get("/drills/<drill_id>/handover")
def drill_handover(drill_id: str, error: EmergencyError | None = None, status: int = 200):
    """The drill's handover at its shift change, made from the drill's record on the drill's clock."""
    d, office = drill_or_404(drill_id), _office()
    windows = drill_runs.shift_windows(d, office)
    if windows is None:
        flash(_("本演练尚未到交接班时间。"), "error")
        return redirect(url_for("drills.panel", drill_id=drill_id))
    done = use(shift.handovers, office, drill=True, drill_id=drill_id, limit=1)
    if done:
        return redirect(url_for("shift.handover_view", handover_id=done[0]["id"]))
    at = drill_runs.drill_clock(d, app_clock()).now()
    draft = use(shift.draft_handover, office, *windows, plans(), at, _duty_room(), drill=True, drill_id=drill_id)
    return render_template("shift/handover.html", h=None, draft=shown(draft), window=windows[0], sections=SECTIONS,
                           error=error, may_write=may("shift.write") or may("drills.run"),
                           office=office, action=url_for("shift.drill_sign_out", drill_id=drill_id), drill=d,
                           recent=[]), status


@bp.post("/drills/<drill_id>/handover")
def drill_sign_out(drill_id: str):
    d, office = drill_or_404(drill_id), _office()
    windows = drill_runs.shift_windows(d, office)
    if windows is None:
        abort(404)
    at = drill_runs.drill_clock(d, app_clock()).now()
    try:
        h = use(shift.sign_out, who(), *windows, plans(), request.form.get("remarks", ""), at,
                           _duty_room(), drill=True, drill_id=drill_id)
    except Forbidden:
        raise
    except EmergencyError as exc:
        return drill_handover(drill_id, error=exc, status=409)
    flash(_("已交班签字，待接班人签字。"), "ok")
    return redirect(url_for("shift.handover_view", handover_id=h["id"]))
