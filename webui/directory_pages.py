"""The contact directory (通讯录) and the call sheet (通知呼叫单) built on it.

Everyone signed in reads the directory; an administrator imports it (a whole .xlsx or .csv, checked before anything
is written). Personal mobiles are personal data: an observer sees the units' duty lines and office numbers only,
on screen and in every export; every export is logged with who took it.
"""
from __future__ import annotations

import io
import json

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from emergency import directory
from emergency.errors import EmergencyError, NotFound
from emergency.exports import workbook_bytes
from emergency.incidents import notification_status

from .auth import audit_export, require
from .db import app_clock, clock_for, get_store, plans
from .i18n import gettext as _

bp = Blueprint("directory", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def personal_numbers_shown() -> bool:
    return current_user.role != "observer"


def _contacts():
    shown = personal_numbers_shown()
    return [c if shown else c.model_copy(update={"mobile": ""}) for c in directory.load(get_store())]


def plan_units() -> list[str]:
    """Every unit the plans name, by today's name."""
    return sorted(set(directory.known_units(plans()).values()))


@bp.app_context_processor
def _checklist_gaps():
    def checklist_gaps(cl: dict) -> list[str]:
        """The recipients of a checklist's notifications that have no number in the directory."""
        grouped = directory.by_unit(directory.load(get_store()))
        return sorted({r["display"] for n in cl.get("notifications", []) for r in n.get("recipients", [])
                       if (r["current"] or r["plan_name"]) not in grouped})
    return {"checklist_gaps": checklist_gaps}


@bp.get("/directory")
def page(problems=None, status=200):
    contacts = _contacts()
    grouped = directory.by_unit(contacts)
    return render_template("directory/index.html", grouped=grouped, gaps=directory.gaps(plan_units(), grouped),
                           units=plan_units(), problems=problems, columns=directory.COLUMNS,
                           personal=personal_numbers_shown(), may_import=current_user.may("directory")), status


@bp.post("/directory/import")
def import_file():
    require("directory")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return page(problems=[{"row": None, "column": "file", "message": _("请选择 .xlsx 或 .csv 文件")}], status=422)
    try:
        contacts = directory.check(directory.read_rows(upload.read(), upload.filename), plans())
    except directory.ImportRefused as exc:
        return page(problems=exc.problems, status=422)
    directory.replace(get_store(), contacts, current_user.name, app_clock().now().isoformat(timespec="seconds"))
    flash(_("通讯录已导入：%(n)s 行。", n=len(contacts)), "ok")
    return redirect(url_for("directory.page"))


@bp.get("/directory.<fmt>")
def export(fmt: str):
    if fmt not in ("xlsx", "csv"):
        abort(404)
    contacts = _contacts()
    name = f"通讯录.{fmt}"
    audit_export(name + ("" if personal_numbers_shown() else "（不含个人手机）"))
    body = directory.xlsx_bytes(contacts) if fmt == "xlsx" else directory.csv_bytes(contacts)
    return send_file(io.BytesIO(body), mimetype=XLSX if fmt == "xlsx" else "text/csv", as_attachment=True,
                     download_name=name)


def call_sheet(incident_id: str) -> tuple[dict, list[dict]]:
    """The incident and, for each of its notifications, the numbers to dial for each recipient in order."""
    try:
        snap = get_store().get(incident_id)
    except NotFound:
        abort(404)
    views = [item.view() for item in notification_status(snap, clock_for(snap).now(), plans())]
    return {"id": snap.id, "title": snap.title, "drill": snap.drill, "plan": snap.plan}, dial_lines(views)


def dial_lines(notifications: list[dict]) -> list[dict]:
    """Each notification with, for each recipient, the numbers to dial in order (none for an unknown unit)."""
    grouped = directory.by_unit(_contacts())
    lines = []
    for n in notifications:
        recipients = []
        for r in n["recipients"]:
            unit = r["current"] or r["plan_name"]
            recipients.append({"unit": unit, "display": r["display"],
                               "numbers": directory.numbers_to_dial(unit, grouped, personal_numbers_shown())})
        lines.append({**n, "dial": recipients})
    return lines


@bp.get("/checklist/<plan_id>/calls")
def checklist_calls(plan_id: str):
    """The call sheet of a checklist result, before any incident is recorded (same arguments as the checklist)."""
    from .console import _checklist_from_args, _plan_or_404
    plan = _plan_or_404(plan_id)
    try:
        cl = _checklist_from_args(plan)
    except EmergencyError as exc:
        return render_template("error.html", code=422, message=str(exc)), 422
    lines = dial_lines(cl["notifications"])
    gaps = sorted({r["display"] for line in lines for r in line["dial"] if not r["numbers"]})
    incident = {"id": None, "title": f"{plan.short_title} {cl['level']}级（尚未登记为事件）",
                "drill": request.args.get("drill") == "1", "plan": plan.id}
    return render_template("directory/calls.html", incident=incident, lines=lines, gaps=gaps, plan=plan)


@bp.get("/incidents/<incident_id>/calls")
def calls(incident_id: str):
    incident, lines = call_sheet(incident_id)
    gaps = sorted({r["display"] for line in lines for r in line["dial"] if not r["numbers"]})
    return render_template("directory/calls.html", incident=incident, lines=lines, gaps=gaps,
                           plan=plans().plan(incident["plan"]))


@bp.get("/incidents/<incident_id>/calls.<fmt>")
def calls_download(incident_id: str, fmt: str):
    if fmt not in ("json", "xlsx", "md"):
        abort(404)
    incident, lines = call_sheet(incident_id)
    name = f"{'演练-' if incident['drill'] else ''}{incident_id}-呼叫单.{fmt}"
    audit_export(name)
    rows = [[line["due"] or "", "、".join(line["to"]), line["channel_name"], line["clause"], r["display"],
             "；".join(f"{d['who']} {d['number']}" for d in r["numbers"]) or "通讯录无此单位号码", "", "", ""]
            for line in lines for r in line["dial"]]
    head = ["时限", "报告对象", "方式", "条款", "单位", "号码（按拨打顺序）", "拨打时间", "接听人", "结果"]
    if fmt == "json":
        body = json.dumps({"incident": incident, "notifications": lines}, ensure_ascii=False, indent=2).encode()
        mimetype = "application/json"
    elif fmt == "xlsx":
        body, mimetype = workbook_bytes([("呼叫单", head, rows)]), XLSX
    else:
        md = [f"# {'【演练】' if incident['drill'] else ''}{incident['title'] or incident_id} 呼叫单", "",
              "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        md += ["| " + " | ".join(str(c).replace("|", "／") for c in row) + " |" for row in rows]
        body, mimetype = ("\n".join(md) + "\n").encode(), "text/markdown"
    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True, download_name=name)
