"""The contact directory (通讯录), the duty roster (值班表) and the call sheet (通知呼叫单) built on them.

Everyone signed in reads the directory and the roster; an administrator imports them (a whole .xlsx or .csv,
checked before anything is written) and edits single contacts. Personal mobiles are personal data: an observer
sees the units' duty lines and office numbers only, on screen and in every export; every export is logged with
who took it.
"""
from __future__ import annotations

import json
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from emergency.services import calendars, callsheet, directory, roster, rota, users
from emergency.core.clock import format_time
from emergency.core.errors import EmergencyError, InputError, NotFound
from emergency.services.incidents import get as get_incident, notification_status

from emergency.services.permissions import Forbidden

from .access import may, who
from .db import app_clock, clock_for, now, plans, use
from .downloads import feed, send
from .i18n import gettext as _, refusal
from .plan_args import checklist_of_request

bp = Blueprint("directory", __name__)


def personal_numbers_shown() -> bool:
    return may("directory.personal")


def _contacts():
    shown = personal_numbers_shown()
    return [c if shown else directory.for_observer(c) for c in use(directory.load)]


def plan_units() -> list[str]:
    return directory.plan_units(plans())


def incident_roles() -> list[str]:
    """The roles of an incident the plans name (agencies.yaml ``roles``): found from the incident, not dialled."""
    return [r.name for r in plans().agencies.roles]


@bp.app_context_processor
def _checklist_gaps():
    def checklist_gaps(cl: dict) -> list[str]:
        """The recipients of a checklist's notifications that have no number in the directory."""
        grouped = directory.by_unit(use(directory.load))
        agencies = plans().agencies
        return sorted({r["display"] for n in cl.get("notifications", []) for r in n.get("recipients", [])
                       if (r["current"] or r["plan_name"]) not in grouped
                       and not agencies.is_role(r["current"] or r["plan_name"])})
    return {"checklist_gaps": checklist_gaps}


@bp.get("/directory")
def page(problems=None, status=200):
    contacts = _contacts()
    grouped = directory.by_unit(contacts)
    query = request.args.get("q", "")[:50]
    shown = directory.search(grouped, query, personal_numbers_shown())
    editing = None
    if may("directory.manage") and request.args.get("edit", "").isdigit():
        editing = next((c for c in contacts if c.id == int(request.args["edit"])), None)
    return render_template("directory/index.html", grouped=shown, gaps=directory.gaps(plan_units(), grouped),
                           query=query, total=len(grouped), roles=incident_roles(),
                           units=plan_units(), problems=problems, columns=directory.COLUMNS,
                           fields=dict(zip(directory.FIELDS, directory.COLUMNS, strict=False)), editing=editing,
                           form=request.form if request.method == "POST" else {},
                           personal=personal_numbers_shown(), may_import=may("directory.manage")), status


@bp.post("/directory/contacts")
def save_contact():
    """Add one contact, or change the one ``id`` names (administrator); a bad value re-shows the form with the
    field named (422), nothing written."""
    raw = request.form.get("id", "")
    contact_id = int(raw) if raw.isdigit() else None
    values = {f: request.form.get(f, "").strip() for f in directory.FIELDS}
    try:
        c = use(directory.save_one, values, contact_id, current_user.name, format_time(now()))
    except directory.ImportRefused as exc:
        return page(problems=exc.problems, status=422)
    flash(_("已保存：%(who)s", who=f"{c.unit} {c.name}".strip()), "ok")
    return redirect(url_for("directory.page") + f"#unit-{c.unit}")


@bp.post("/directory/contacts/<int:contact_id>/delete")
def delete_contact(contact_id: int):
    try:
        use(directory.delete_one, contact_id, current_user.name, format_time(now()))
    except directory.ImportRefused as exc:
        return page(problems=exc.problems, status=404)
    flash(_("已删除。"), "ok")
    return redirect(url_for("directory.page"))


@bp.post("/directory/import")
def import_file():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return page(problems=[{"row": None, "column": "file", "message": _("请选择 .xlsx 或 .csv 文件")}], status=422)
    try:
        contacts = directory.check(directory.read_rows(upload.read(), upload.filename), plans())
    except directory.ImportRefused as exc:
        return page(problems=exc.problems, status=422)
    use(directory.replace, contacts, current_user.name, app_clock().now().isoformat(timespec="seconds"))
    flash(_("通讯录已导入：%(n)s 行。", n=len(contacts)), "ok")
    return redirect(url_for("directory.page"))


@bp.get("/directory.<fmt>")
def export(fmt: str):
    if fmt not in ("xlsx", "csv", "vcf"):
        abort(404)
    contacts = _contacts()
    name = f"通讯录.{fmt}"
    body = (directory.xlsx_bytes(contacts) if fmt == "xlsx" else calendars.contacts_vcf(contacts) if fmt == "vcf"
            else directory.csv_bytes(contacts))
    return send(body, name, audited_as=name + ("" if personal_numbers_shown() else "（不含个人手机）"),
                ascii_name=f"directory.{fmt}")


def duty_room() -> str:
    """The unit whose roster gives the commander on duty: the signed-in user's office (a bureau's officer
    raises items to the bureau's own 带班领导), else ``DUTY_ROOM`` (the district's 总值班室 by default, today's name
    of the plans' 市政府总值班室)."""
    if current_user and current_user.is_authenticated:
        return current_user.office
    return current_app.config["DUTY_ROOM"]


def call_lines(notifications: list[dict], attempts: list[dict]) -> list[dict]:
    """The call sheet's lines (``emergency.services.callsheet.lines``) from this request's directory and roster. Who is on
    duty is read on the app's clock: a drill on a simulated clock still calls the people on duty now."""
    at = now()
    grouped = directory.by_unit(_contacts())
    shifts = shown_shifts(use(roster.load, since=format_time(at)))
    lines = callsheet.lines(notifications, attempts, grouped, shifts, at, personal_numbers_shown(),
                            roles={r.name for r in plans().agencies.roles})
    return lines if personal_numbers_shown() else callsheet.for_observer(lines)


def on_duty_now(at) -> dict:
    """The duty room's shift now (its 值班员 and 带班领导) for the top of the call sheet and the home page."""
    shifts = shown_shifts(use(roster.load, since=format_time(at)))
    return {"unit": duty_room(), "commander": callsheet.commander_on_duty(shifts, duty_room(), at)}


def call_sheet(incident_id: str) -> tuple[dict, list[dict]]:
    """The incident and, for each of its notifications, the numbers to dial for each recipient in order."""
    try:
        snap = use(get_incident, incident_id)
    except NotFound:
        abort(404)
    at = clock_for(snap).now()
    # the office's own items first, in the order they are due; another party's below, to be accounted for
    views = [item.view() for item in notification_status(snap, at, plans(), duty_room())]
    views.sort(key=lambda n: not n.get("ours"))
    name = snap.title or plans().plan_for(snap.plan, snap.plan_version).short_title
    return ({"id": snap.id, "title": snap.title, "name": name, "drill": snap.drill, "plan": snap.plan,
             "now": format_time(at), "office": duty_room()},
            call_lines(views, [a.model_dump() for a in snap.calls]))


@bp.get("/checklist/<plan_id>/calls")
def checklist_calls(plan_id: str):
    """The call sheet of a checklist result, before any incident is recorded (same arguments as the checklist)."""
    plan, cl, refused = checklist_of_request(plan_id)
    if refused:
        return render_template("error.html", code=422, message=refusal(refused)), 422
    at = now()
    lines = call_lines(cl["notifications"], [])
    title = f"{plan.short_title} {cl['level']}级（尚未登记为事件）"
    incident = {"id": None, "title": title, "name": title,
                "drill": request.args.get("drill") == "1", "plan": plan.id, "now": format_time(at)}
    return render_template("directory/calls.html", incident=incident, lines=lines, gaps=callsheet.gaps(lines), plan=plan,
                           duty=on_duty_now(at))


@bp.get("/incidents/<incident_id>/calls")
def calls(incident_id: str):
    incident, lines = call_sheet(incident_id)
    # the numbers missing are those of the office's own calls (another party's items are not dialled from here)
    return render_template("directory/calls.html", incident=incident, lines=lines,
                           gaps=callsheet.gaps([line for line in lines if line.get("ours") is not False]),
                           plan=plans().plan(incident["plan"]), duty=on_duty_now(now()))


@bp.get("/incidents/<incident_id>/calls.<fmt>")
def calls_download(incident_id: str, fmt: str):
    """The call sheet as a table in any table format, or as JSON for other systems (the whole sheet)."""
    incident, lines = call_sheet(incident_id)
    name = f"{'演练-' if incident['drill'] else ''}{incident['name']}-呼叫单.{fmt}"
    ascii_name = f"{'drill-' if incident['drill'] else ''}{incident_id}-calls.{fmt}"
    if fmt == "json":
        body = json.dumps({"incident": incident, "notifications": lines}, ensure_ascii=False, indent=2).encode()
        return send(body, name, ascii_name=ascii_name)
    return send(callsheet.tables(incident, lines), name, ascii_name=ascii_name)


# ---------------------------------------------------------------- the duty roster (值班表)

def shown_shifts(shifts: list[roster.Shift]) -> list[roster.Shift]:
    """The shifts as this user may see them: an observer sees no personal mobile of the people on duty."""
    return shifts if personal_numbers_shown() else roster.without_mobiles(shifts)

@bp.get("/roster")
def roster_page(problems=None, status=200, error: EmergencyError | None = None, subscription: str | None = None):
    at = now()
    shifts = shown_shifts(use(roster.load, since=format_time(at)))
    units = sorted({s.unit for s in shifts})
    office, staffing = current_user.office, use(roster.staffing)
    return render_template("directory/roster.html", shifts=shifts, units=units, problems=problems,
                           gaps=roster.gaps(shifts, at), columns=roster.COLUMNS, days=roster.GAP_DAYS,
                           on_duty={u: roster.on_duty(shifts, u, at) for u in units}, duty=on_duty_now(at),
                           may_import=may("directory.manage"), may_rota=may("roster.generate"),
                           understaffed=rota.understaffed(shifts, staffing, at,
                                                          at + timedelta(days=roster.GAP_DAYS)),
                           staffing=staffing, office=office, error=error,
                           own_shifts=roster.of_unit(shifts, office),
                           swaps=use(roster.swaps, office), swap_status=roster.SWAP_STATUS,
                           may_swap=may("swap.request"), may_decide=may("swap.decide"),
                           subscription=subscription,
                           subscribed=use(users.calendar_subscriptions, current_user.name, app_clock()),
                           next_month=(at.replace(day=1) + timedelta(days=32)).strftime("%Y-%m")), status


def _whole(text: str, field: str) -> int:
    """A form's whole number, or the refusal naming its field (a shift is chosen from a list: only none is wrong)."""
    try:
        return int(text)
    except ValueError:
        if field == "start_with":
            raise InputError(field, "须为整数") from None
        raise InputError(field, "请选择班次") from None


@bp.post("/roster/generate")
def roster_generate():
    """A month of the office's roster made from a pattern file and the holiday calendar (administrator, or the
    office's commander for its own unit): the unit's shifts starting in that month are replaced, audited."""
    upload = request.files.get("pattern")
    month = request.form.get("month", "")
    try:
        if upload is None or not upload.filename:
            raise InputError("pattern", "请选择排班规则文件（.yaml）")
        pattern = rota.read_pattern(upload.read().decode("utf-8", errors="replace"))
        start_with = _whole(request.form.get("start_with") or "0", "start_with")
        shifts = use(roster.replace_month, pattern, month, who(), format_time(now()), start_with)
    except directory.ImportRefused as exc:
        return roster_page(problems=exc.problems, status=422)
    except Forbidden:
        raise
    except EmergencyError as exc:
        return roster_page(error=exc, status=422)
    flash(_("已按排班规则生成 %(month)s 值班表：%(n)s 个班次。", month=month, n=len(rota.crews(shifts))), "ok")
    return redirect(url_for("directory.roster_page"))


@bp.post("/roster/swaps")
def swap_request():
    """An officer's swap asked for (换班申请), of the office's own roster; the 带班领导 decides it."""
    form = request.form
    try:
        with_shift = form.get("with_shift_id") or None
        use(roster.request_swap, who(), _whole(form.get("shift_id") or "", "shift"),
                            form.get("to_officer", ""),
                            _whole(with_shift, "with_shift") if with_shift else None,
                            form.get("reason", ""), format_time(now()))
    except Forbidden:
        raise
    except EmergencyError as exc:
        return roster_page(error=exc, status=422)
    flash(_("换班申请已提交，待带班领导批准。"), "ok")
    return redirect(url_for("directory.roster_page") + "#swaps")


@bp.post("/roster/swaps/<int:swap_id>/decide")
def swap_decide(swap_id: int):
    approve = request.form.get("decision") == "approve"
    try:
        use(roster.decide_swap, who(), swap_id, approve, request.form.get("note", ""), format_time(now()))
    except (Forbidden, NotFound):
        raise
    except EmergencyError as exc:
        flash(refusal(exc), "error")
        return redirect(url_for("directory.roster_page") + "#swaps")
    flash(_("已批准换班，值班表已更新。") if approve else _("已不批准该换班申请。"), "ok")
    return redirect(url_for("directory.roster_page") + "#swaps")


@bp.post("/roster/import")
def roster_import():
    """Import a roster file (administrator): the shifts of the units it names are replaced; a bad row refuses
    the whole file (422, each row and column named), nothing written."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return roster_page(problems=[{"row": None, "column": "file", "message": _("请选择 .xlsx 或 .csv 文件")}], status=422)
    try:
        shifts = roster.read(upload.read(), upload.filename, plans())
    except directory.ImportRefused as exc:
        return roster_page(problems=exc.problems, status=422)
    units = use(roster.replace, shifts, current_user.name, format_time(now()))
    flash(_("值班表已导入：%(n)s 个班次（%(units)s）。", n=len(shifts), units="、".join(units)), "ok")
    return redirect(url_for("directory.roster_page"))


@bp.get("/roster.<fmt>")
def roster_export(fmt: str):
    if fmt not in ("xlsx", "csv", "ics"):
        abort(404)
    shifts, stem = _selected(shown_shifts(use(roster.load)))
    name = f"{stem}.{fmt}"
    if fmt == "ics":
        body = _calendar(shifts, stem)
    else:
        body = roster.xlsx_bytes(shifts) if fmt == "xlsx" else roster.csv_bytes(shifts)
    return send(body, name, audited_as=name + ("" if personal_numbers_shown() else "（不含个人手机）"),
                ascii_name=f"roster.{fmt}")


SUBSCRIPTION_DAYS_BACK = 31   # a subscribed calendar carries the last month's shifts and every one to come


@bp.get("/roster/subscription/<token>.ics")
def roster_subscription(token: str):
    """A phone calendar's subscription: the shifts of the unit and/or person its address names (``?unit=``,
    ``?officer=``, as the download), read as the subscriber may read them (an observer's carries no personal
    mobile). The token in the address opens this and nothing else; revoked, it answers 404."""
    since = format_time(now() - timedelta(days=SUBSCRIPTION_DAYS_BACK))
    shifts, stem = _selected(shown_shifts(use(roster.load, since=since)))
    return feed(_calendar(shifts, stem), "ics")


def _selected(shifts: list[roster.Shift]) -> tuple[list[roster.Shift], str]:
    """The shifts of the unit and/or person the request names (``?unit=``, ``?officer=``; all when neither), and the
    name they go by (值班表-海门区政府总值班室)."""
    unit, officer = request.args.get("unit", "")[:100], request.args.get("officer", "")[:50]
    return roster.of(shifts, unit, officer), f"值班表{('-' + (officer or unit)) if (officer or unit) else ''}"


def _calendar(shifts: list[roster.Shift], name: str) -> bytes:
    """The shifts as one iCalendar, each with its unit's 24-hour line."""
    return calendars.roster_ics(shifts, calendars.duty_lines(_contacts()), now(), name)


@bp.post("/roster/subscription")
def roster_subscribe():
    """A new subscription address for the signed-in user (the old one stops working), shown once on the page: the
    token is kept only as its hash."""
    unit, officer = request.form.get("unit", "").strip()[:100], request.form.get("officer", "").strip()[:50]
    token = use(users.subscribe_calendar, current_user.name, app_clock())
    address = url_for("directory.roster_subscription", token=token, _external=True,
                      **({"unit": unit} if unit else {}), **({"officer": officer} if officer else {}))
    return roster_page(subscription=address)


@bp.post("/roster/subscription/revoke")
def roster_unsubscribe():
    """Stop the signed-in user's subscription address (a lost phone): the calendar gets 404 from now on."""
    if use(users.revoke_calendar, current_user.name, app_clock()):
        flash(_("日历订阅地址已停用，手机日历将不再更新。"), "ok")
    return redirect(url_for("directory.roster_page") + "#calendar-subscription")
