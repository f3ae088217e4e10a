"""The browser console's board: home, the incident board, the wall screen and history (the plan and incident pages
are plan_pages and incident_pages).

Views are thin: parse the form, call the engine, flash and redirect. Refusals from the engine
are flashed beside what the user was doing; nothing here raises a 500 on bad input.
"""
from __future__ import annotations


from flask_login import current_user
from flask import (Blueprint, current_app, redirect, render_template, request, session,
                   url_for)

from emergency.services import incidents as service
from emergency.core.clock import format_time, parse_time
from emergency.core.errors import EmergencyError
from emergency.response import calls
from emergency.services import board as boards, roster, timeliness
from emergency.response.calls import OUTCOMES

from .auth import same_site_referrer
from .access import may, who
from .db import app_clock, clock_for, now, plans, use
from .downloads import send
from .i18n import current_language, gettext as _

bp = Blueprint("console", __name__)


@bp.app_context_processor
def _helpers():
    library = plans()
    return {"lang": current_language(), "user": current_user if current_user.is_authenticated else None,
            "plans_nav": library.plans, "now_iso": format_time(now()), "CAUSE_NAMES": library.causes,
            "FACT_LABELS": {f.name: f.label for p in library.plans.values() for f in p.facts},
            "VOCABULARY": library.vocabulary,
            "chain_problems": current_app.config.get("CHAIN_PROBLEMS"),
            "poll_ms": int(current_app.config.get("POLL_MS", 10000)), "OUTCOMES": OUTCOMES,
            "remind_minutes": int(current_app.config.get("REMINDER_MINUTES", 5)), "may": may}


def office() -> str:
    """The office the signed-in user works for: every page speaks for it."""
    return current_user.office


def ours(items: list[dict]) -> list[dict]:
    """The office's own items: only these are raised to its 带班领导, counted and reminded of."""
    return [n for n in items if service.ours(n)]


@bp.get("/favicon.ico")
def favicon():
    """The tab's icon (every page asked for /favicon.ico and got a 404)."""
    return current_app.send_static_file("favicon.ico")


@bp.get("/lang/<code>")
def set_lang(code: str):
    session["lang"] = "en" if code == "en" else "zh"
    return redirect(same_site_referrer(url_for("console.home")))


def _board_rows(drill: bool | None):
    """The board's rows for the looking office (``boards.rows``: counts and reminders computed once)."""
    return use(boards.rows, plans(), office(), clock_for, now(), drill)


@bp.get("/")
def home():
    h = use(boards.home, plans(), who(), app_clock())
    return render_template("console/home.html", plans=plans().plans.values(), real=h.real, drills=h.drills,
                           overdue=h.overdue, escalated=h.escalated, escalate_minutes=calls.ESCALATE_WITHIN_MINUTES,
                           drill_overdue=h.drill_totals.ours_overdue, todo=h.todo, raised_tasks=h.raised_tasks,
                           office=office(), revision=h.revision, directory_gaps=h.directory_gaps, duty=h.duty,
                           roster_gaps=h.roster_gaps, gap_days=roster.GAP_DAYS, shift_flag=h.unsigned,
                           understaffed=h.understaffed, undated=h.undated, fingerprint=_fingerprint(h.real + h.drills))


def _fingerprint(rows: list[boards.BoardRow]) -> str:
    """What the page shows, as the board's poller computes it from /api/incidents: sorted id:version."""
    return ",".join(sorted(f"{r.view['id']}:{'null' if r.view.get('version') is None else r.view['version']}"
                           for r in rows))


@bp.get("/incidents")
def board():
    drill = request.args.get("drill") == "1"
    rows = _board_rows(drill)
    return render_template("console/board.html", rows=rows, drill=drill, fingerprint=_fingerprint(rows))


@bp.get("/wall")
def wall():
    """The duty room's wall screen: large type, no navigation, overdue first, follows changes by itself."""
    drill = request.args.get("drill") == "1"
    w = use(boards.wall, plans(), who(), app_clock(), drill)
    return render_template("console/wall.html", rows=w.rows, drill=drill, fingerprint=_fingerprint(w.rows),
                           totals=w.totals, duty=w.duty, todo=w.todo, todo_overdue=w.todo_overdue,
                           shift_flag=w.unsigned)


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


def _period(args) -> tuple[dict, dict, str]:
    """The period a statistics page asks for: ``from``/``to`` dates, or this month by default; its name."""
    bounds, errors = date_bounds(args)
    today = format_time(now())[:10]
    quarter_month = (int(today[5:7]) - 1) // 3 * 3 + 1
    starts = {"month": today[:8] + "01", "quarter": f"{today[:5]}{quarter_month:02d}-01", "year": today[:5] + "01-01"}
    span = args.get("span") if args.get("span") in starts else "month"
    if "from" not in bounds:
        bounds["from"] = starts[span] + "T00:00:00+08:00"
    if "to" not in bounds:
        bounds["to"] = today + "T23:59:59+08:00"
    return bounds, errors, span


def _statistics():
    """The statistics the request asks for (its period, real or drill), for the page and every export alike."""
    bounds, errors, span = _period(request.args)
    p = use(timeliness.of_period, office(), bounds["from"], bounds["to"], now(), request.args.get("drill") == "1")
    return p, bounds, errors, span


@bp.get("/statistics")
def statistics():
    """信息报送统计: the office's own reporting items of a period, on time or not, others' accounted for."""
    p, bounds, errors, span = _statistics()
    return render_template("console/statistics.html", p=p, errors=errors, span=span, args=request.args,
                           names=timeliness.OWN_NAMES, by_level=p.by_plan_and_level())


@bp.get("/statistics.<fmt>")
def statistics_export(fmt: str):
    p, bounds, _errors, _span = _statistics()
    drill = p.drill
    name = f"{'演练-' if drill else ''}信息报送统计-{bounds['from'][:10]}至{bounds['to'][:10]}.{fmt}"
    return send(timeliness.tables(p, format_time(now())), name,
                ascii_name=f"{'drill-' if drill else ''}reporting-{bounds['from'][:10]}-{bounds['to'][:10]}.{fmt}")


@bp.get("/history")
def history():
    """Every incident, closed ones too, found by date, plan, level and words in the title."""
    args = request.args
    bounds, errors = date_bounds(args)
    plan_id = args.get("plan") if args.get("plan") in plans().plans else None
    level = args.get("level") if args.get("level") in ("I", "II", "III", "IV") else None
    closed = {"open": False, "closed": True}.get(args.get("status", ""))
    rows = use(service.search, since=bounds.get("from"), until=bounds.get("to"), plan=plan_id, level=level,
                              text=args.get("q", "").strip()[:100] or None, drill=args.get("drill") == "1",
                              closed=closed)
    return render_template("console/history.html", rows=[service.listing(s, plans()) for s in rows], args=args,
                           errors=errors)
