"""Written reports (首报、续报、终报、补报) and the office's exports: draft, edit, issue, download.

The draft is made from the incident at the version the officer sees; issuing sends that version back, so a second
window (or a change of facts meanwhile) is refused as stale and the officer reviews the new draft with the text
typed kept. What was issued is served byte for byte from the store; the PDF is printed from the same draft.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from emergency.services import documents as reports
from emergency.services import exports
from emergency.services.incidents import events as service_events, incident_name
from emergency.services.intake import of_incident as intake_of
from emergency.core.clock import format_time
from emergency.core.errors import EmergencyError, InputError, NotFound, Refused, StaleVersion
from emergency.core.wording import N_
from emergency.response.lifecycle import ISSUE_TRIGGER

from .access import incident_or_404
from .db import app_clock, clock_for, plans, use
from .downloads import send
from .i18n import gettext as _, refusal
from .timeline import timeline
from .pdf import RETRY_AFTER_SECONDS, PdfUnavailable, PrintBusy, page_count, print_pdf

bp = Blueprint("reports", __name__)

HEADER = ("addressee", "issuer", "signer", "contact")


def _to_issue(incident_id: str):
    """The incident a report is drafted, previewed or issued on, or 404; 403 for a user who may not issue it."""
    return incident_or_404(incident_id, "report.issue", ISSUE_TRIGGER)


def _header_defaults(kind: str = "", plan_id: str = "") -> dict[str, str]:
    """The header lines of a new draft: the 报告单位, 签发人 and 联系人 this person last signed with, else those the
    office last signed with (any officer of it, any kind), else the configured 报告单位 (EMERGENCY_ISSUER) or the
    office; the 主送 and 抄送 the office last used for this kind of report under this plan (the plans address
    different bodies), else from its own items (documents.draft). ``office``: the issuing office, whose own items
    alone are 尚需 in the report."""
    kept = session.get("report_header") or {}
    office = use(reports.header, current_user.office, f"{plan_id}/{kind}") if kind else {}
    return {"issuer": kept.get("issuer") or office.get("issuer") or current_app.config.get("ISSUER")
            or current_user.office, "signer": kept.get("signer") or office.get("signer", ""),
            "contact": kept.get("contact") or office.get("contact", ""), "office": current_user.office,
            "addressee": office.get("addressee", ""), "copy_to": office.get("copy_to", "")}


def _draft(snap, plan, kind: str):
    return reports.draft(snap, use(service_events, snap.id), plan, kind, clock_for(snap).now(), plans(), _header_defaults(kind, plan.id),
                         intake=use(intake_of, snap.id, snap.event_group))


@bp.get("/incidents/<incident_id>/reports/new")
def draft_page(incident_id: str):
    snap, plan = _to_issue(incident_id)
    kind = request.args.get("kind", "")
    try:
        d = _draft(snap, plan, kind)
    except EmergencyError as exc:
        flash(refusal(exc), "error")
        return redirect(url_for("incidents.incident_page", incident_id=incident_id) + "#reports")
    kept = session.pop("report_edits", None)
    if kept and kept.get("incident") == incident_id and kept.get("kind") == kind:
        try:
            d = reports.edited(d, {k: v for k, v in kept["form"].items() if k != "title" or not snap.drill})
        except InputError:
            pass
    return render_template("reports/draft.html", d=d, plan=plan, snap=snap,
                           parts=reports.PARTS, unverified=reports.UNVERIFIED)


def _form() -> dict[str, str]:
    return {k: v for k, v in request.form.items()
            if k not in ("csrf_token", "kind", "expected_version", "previewed", "back")}


@bp.post("/incidents/<incident_id>/reports/preview")
def preview(incident_id: str):
    """The report exactly as it will be issued — the page the PDF is printed from — with every 待核实 marked; 签发
    from here issues this and nothing else."""
    snap, plan = _to_issue(incident_id)
    form, kind = _form(), request.form.get("kind", "")
    back = url_for("reports.draft_page", incident_id=incident_id, kind=kind)
    try:
        d = reports.edited(_draft(snap, plan, kind), form)
        reports.check_issuable(d)
    except EmergencyError as exc:
        session["report_edits"] = {"incident": incident_id, "kind": kind, "form": {k: v[:4000] for k, v in form.items()}}
        flash(refusal(exc), "error")
        return redirect(back)
    return render_template("reports/print.html", **_page(d), row={}, preview={
                               "form": form, "kind": kind, "version": snap.version, "incident": incident_id,
                               "digest": reports.preview_digest(d), "back": back, "numbered": bool(_prefix())},
                           unverified=reports.UNVERIFIED)


@bp.post("/incidents/<incident_id>/reports")
def issue(incident_id: str):
    snap, plan = _to_issue(incident_id)
    form = _form()
    kind = request.form.get("kind", "")
    back = url_for("reports.draft_page", incident_id=incident_id, kind=kind)
    if request.form.get("back"):            # 返回修改 from the preview: the draft again, with what was typed
        session["report_edits"] = {"incident": incident_id, "kind": kind, "form": {k: v[:4000] for k, v in form.items()}}
        return redirect(back)
    try:
        seen = int(request.form.get("expected_version", ""))
    except ValueError:
        flash("expected_version: missing", "error")
        return redirect(back)
    try:
        if snap.version != seen:  # another window issued, or the record moved on: review the new draft first
            raise StaleVersion(seen, snap.version)
        d = reports.edited(_draft(snap, plan, kind), form)
        reports.check_issuable(d)
        previewed = request.form.get("previewed")
        if not previewed:   # 签发 is from the preview: what is signed is what the signer saw
            raise Refused(N_("请先预览：签发的是预览所见的成文"))
        if previewed != reports.preview_digest(d):
            raise Refused(N_("预览之后报告内容已有变化，请重新预览后再签发"))
        issued = use(reports.issue, incident_id, d, current_user.name, clock_for(snap), render_pdf=_pdf_or_none if current_app.config.get("PRINT_AT_ISSUE", True) else None,
                               prefix=_prefix())
    except StaleVersion as exc:
        session["report_edits"] = {"incident": incident_id, "kind": kind, "form": {k: v[:4000] for k, v in form.items()}}
        flash(_("未签发：事件已更新（你看到的是第%(seen)s版，现在是第%(now)s版），报告已按最新记录重新生成，你填写的文字已保留，请核对后再签发。",
                seen=exc.expected, now=exc.current), "error")
        return redirect(back if kind in {o["kind"] for o in _offered(incident_id)} else
                        url_for("incidents.incident_page", incident_id=incident_id) + "#reports")
    except EmergencyError as exc:
        session["report_edits"] = {"incident": incident_id, "kind": kind, "form": {k: v[:4000] for k, v in form.items()}}
        flash(refusal(exc), "error")
        return redirect(back)
    session["report_header"] = {k: d.model_dump()[k] for k in ("issuer", "signer", "contact")}
    use(reports.remember_header, current_user.office, f"{plan.id}/{d.kind}", d.addressee, d.copy_to, current_user.name,
                                       app_clock().now().isoformat(timespec="seconds"), issuer=d.issuer,
                                       signer=d.signer, contact=d.contact)
    flash(_("已签发：%(name)s（SHA-256 %(sha)s）", name=issued["name"], sha=issued["sha256"][:16] + "…"), "ok")
    return redirect(url_for("incidents.incident_page", incident_id=incident_id) + "#reports")


def _offered(incident_id: str) -> list[dict]:
    snap, plan = incident_or_404(incident_id)
    return reports.offers(snap, plan, clock_for(snap).now(), plans(), current_user.office)


def _document(document_id: str) -> dict:
    try:
        return use(reports.document, document_id)
    except NotFound:
        abort(404)


def _download(body: bytes, name: str, ascii_name: str | None = None):
    return send(body, name, ascii_name=ascii_name)


@bp.get("/documents/<document_id>.docx")
def document_docx(document_id: str):
    row = _document(document_id)
    return _download(row["content"], row["filename"], f"report-{row['kind']}-{row['id']}.docx")


@bp.get("/documents/<document_id>.cap.xml")
def document_cap(document_id: str):
    """The issued report as an OASIS CAP 1.2 message, for an emergency platform (``emergency.services.cap``)."""
    row = _document(document_id)
    snap, plan = incident_or_404(row["incident_id"])
    body = use(reports.cap_of, row, snap, plan)
    return send(body, row["filename"].removesuffix(".docx") + ".cap.xml",
                ascii_name=f"report-{row['kind']}-{row['id']}.cap.xml")


@bp.get("/incidents/<incident_id>/warning.cap.xml")
def warning_cap(incident_id: str):
    """The district's warning on the incident, as it stands, as a CAP 1.2 message (404 when it issued none)."""
    snap, plan = incident_or_404(incident_id)
    body = use(reports.warning_cap, snap, plan, current_user.office)
    if body is None:
        abort(404)
    return send(body, f"{'演练-' if snap.drill else ''}{incident_name(snap, plan)}-预警.cap.xml",
                ascii_name=f"{'drill-' if snap.drill else ''}{incident_id}-warning.cap.xml")


@bp.get("/documents/<document_id>")
def document_page(document_id: str):
    """The issued report as a printable A4 page (what the PDF is printed from)."""
    row = _document(document_id)
    d = reports.stored_draft(row)
    return render_template("reports/print.html", **_page(d), row=row)


def _prefix() -> str:
    """The 发文字号 prefix of the signed-in user's office ("" where it numbers none)."""
    return use(reports.office_prefix, current_user.office, current_app.config["DUTY_ROOM"],
                                 current_app.config.get("DOCUMENT_PREFIX", ""))


def _page(d) -> dict:
    """What the report's page is rendered from: the draft, its body, date and basis line, and its layout."""
    return {"d": d, "body": reports.body_paragraphs(d), "date": reports.cn_date(d.date), "basis": reports.basis_line(d),
            "layout": reports.page_layout(d)}


def _print_html(d, row=None, pages: int | None = None) -> str:
    css = (Path(current_app.static_folder) / "report-print.css").read_text(encoding="utf-8")
    return render_template("reports/print.html", **_page(d), row=row or {}, standalone=True, css=css, pages=pages)


def print_report(d, row=None) -> bytes:
    """The report printed to A4 with its 版记 at the foot of the last page (GB/T 9704 7.4). Chromium cannot place a
    box at the foot of whichever page is last, so it prints twice: once with the 版记 after the body (so the body and
    the 版记 are known to fit in N pages), then with the page's content made N pages tall and the 版记 at its foot.
    Should that second print not come out N pages, the first is the report."""
    chromium = current_app.config.get("CHROMIUM", "/usr/bin/chromium")
    first = print_pdf(_print_html(d, row), chromium)
    pages = page_count(first)
    if not pages:
        return first
    placed = print_pdf(_print_html(d, row, pages), chromium)
    return placed if page_count(placed) == pages else first


def _pdf_or_none(d) -> bytes | None:
    """The PDF of a report being issued, printed once and kept with it; None when Chromium cannot print it now
    (the report is issued all the same, and its PDF is printed when it is asked for)."""
    try:
        return print_report(d)
    except PdfUnavailable:
        current_app.logger.warning("the PDF was not printed at issue; it will be printed on request")
        return None


@bp.get("/documents/<document_id>.pdf")
def document_pdf(document_id: str):
    """The PDF kept at issue (hashed in the issue event); for a report issued without one, printed at its first
    download within the print slots (503 with Retry-After when they are all taken) and kept from then on, its
    SHA-256 in the audit chain, so every later download is the same file."""
    row = _document(document_id)
    body = row["pdf"]
    if body is None:
        try:
            body = print_report(reports.stored_draft(row), row)
        except PrintBusy as exc:
            return (render_template("error.html", code=503, message=refusal(exc)), 503,
                    {"Retry-After": str(RETRY_AFTER_SECONDS)})
        except PdfUnavailable as exc:
            return render_template("error.html", code=503, message=refusal(exc)), 503
        body = use(reports.keep_pdf, document_id, body, current_user.get_id() or "", format_time(app_clock().now()))
    return _download(body, row["filename"].removesuffix(".docx") + ".pdf", f"report-{row['kind']}-{row['id']}.pdf")


# ---------------------------------------------------------------- exports of the record



@bp.get("/incidents/<incident_id>/timeline.docx")
def timeline_docx(incident_id: str):
    snap, plan = incident_or_404(incident_id)
    body = exports.timeline_docx(snap, plan, timeline(plan, use(service_events, incident_id), snap.tasks))
    return _download(body, f"{'演练-' if snap.drill else ''}{incident_name(snap, plan)}-时间线.docx",
                     f"{'drill-' if snap.drill else ''}{incident_id}-timeline.docx")


@bp.get("/incidents/<incident_id>/notifications.<fmt>")
def notifications_download(incident_id: str, fmt: str):
    """An incident's reporting items and its issued reports, in any table format."""
    snap, plan = incident_or_404(incident_id)
    tables = exports.notifications_tables(snap, plan, clock_for(snap).now(), plans(), use(reports.issued, incident_id))
    return send(tables, f"{'演练-' if snap.drill else ''}{incident_name(snap, plan)}-报告事项.{fmt}",
                ascii_name=f"{'drill-' if snap.drill else ''}{incident_id}-notifications.{fmt}")


@bp.get("/incidents.<fmt>")
def board_export(fmt: str):
    """The board as the page shows it, in any table format (xlsx, csv, json…: ``emergency.services.formats``)."""
    from emergency.services import board
    from .console import office
    at = app_clock().now()
    rows = use(board.rows, plans(), office(), clock_for, at, request.args.get("drill") == "1")
    stamp = format_time(at)[:16].replace("T", "-").replace(":", "")
    return send(exports.board_tables(rows, plans(), at), f"事件看板-{stamp}.{fmt}",
                ascii_name=f"incidents-board-{stamp}.{fmt}")
