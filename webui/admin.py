"""The administrator's pages (管理): users, API tokens and the security log. An administrator adds users,
changes their role, resets a password and disables or enables an account here (the administrator
manages users) or with ``emergency user …`` on the server; tokens stay with ``emergency token …``. Every change
is recorded in the security log with who made it."""
from __future__ import annotations

import json

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from emergency.core.clock import format_time
from emergency.services import archive, documents, users
from emergency.core.errors import EmergencyError, InputError

from .db import app_clock, plans, use
from .i18n import gettext as _, lazy_gettext as _l, refusal

bp = Blueprint("admin", __name__, url_prefix="/admin")

KIND_LABELS = {
    "sign_in": _l("登录成功"), "sign_in_failed": _l("登录失败"), "sign_in_throttled": _l("登录被限流"), "sign_out": _l("退出"),
    "signed_out_everywhere": _l("全部会话已退出"), "user_created": _l("新建用户"), "user_updated": _l("用户重置"),
    "role_changed": _l("角色变更"), "password_reset": _l("重置密码"), "user_disabled": _l("停用用户"), "user_enabled": _l("启用用户"),
    "token_created": _l("创建令牌"), "token_revoked": _l("吊销令牌"), "export": _l("下载导出"), "backup": _l("备份"),
    "secret_rotated": _l("更换会话密钥"), "directory_imported": _l("导入通讯录"), "contact_saved": _l("修改通讯录"),
    "contact_deleted": _l("删除通讯录条目"), "roster_imported": _l("导入值班表"), "account_unlocked": _l("解除锁定"), "unit_changed": _l("单位变更"),
    # the shift
    "shift_entry": _l("记值班日志"), "shift_entry_done": _l("值班日志事项办结"), "handover_signed_out": _l("交班签字"),
    "handover_signed_in": _l("接班签字"), "roster_generated": _l("按规则生成值班表"), "swap_requested": _l("申请换班"),
    "swap_approved": _l("批准换班"), "swap_refused": _l("不批准换班"), "document_prefix_set": _l("设置发文字号前缀"),
    "document_pdf_kept": _l("补印并留存报告PDF"),
}


def units() -> list[str]:
    """The offices a user may work for: the offices of ``agencies.yaml`` first, then every unit the plans
    name by today's name (the same names the items' owners resolve to)."""
    from emergency.services.directory import known_units
    library = plans()
    offices = [o.unit for o in library.agencies.offices]
    return list(dict.fromkeys(offices + sorted(set(known_units(library).values()))))


def _unit(form) -> str | None:
    """The unit a form names, refused unless the plans name it (a typo would leave the user with no items)."""
    unit = (form.get("unit") or "").strip()
    if unit and unit not in units():
        raise InputError("unit", _("“%(unit)s”不是预案或通讯录中的单位，请从列表中选择", unit=unit[:100]))
    return unit or None


@bp.get("/")
def security():
    """Users, tokens and the newest security events; 403 for every role but administrator."""
    log = use(users.security_log, limit=300)
    for row in log:
        row["detail"] = json.loads(row["detail"] or "{}")
        row["label"] = KIND_LABELS.get(row["kind"], row["kind"])
    return render_template("admin/admin.html", users=use(users.list_users), tokens=use(users.list_tokens), log=log,
                           roles=users.ROLES, locked=use(users.locked_accounts, app_clock().now()), units=units(),
                           prefixes=_prefixes(), undated=_undated(), public_key=_public_key())


def _public_key() -> dict[str, str]:
    """The office's public key (PEM) and its fingerprint, for the auditors who verify an archive."""
    pem = archive.public_key_pem(use(archive.signing_key))
    return {"pem": pem, "fingerprint": archive.fingerprint(pem)}


@bp.get("/archive")
def archive_download():
    """An auditor's archive of a period for the administrator's office: the record, the issued files, the shift
    log and handovers, signed (``emergency verify --archive`` checks it with the public key alone)."""
    from .console import date_bounds
    from .downloads import send

    bounds, errors = date_bounds(request.args)
    if errors or "from" not in bounds or "to" not in bounds:
        flash(_("请填写归档的起止日期（如 2026-11-01 至 2026-11-30）"), "error")
        return redirect(url_for("admin.security") + "#archive")
    body = use(archive.build, current_user.office, bounds["from"], bounds["to"], app_clock().now())
    return send(body, f"审计归档-{bounds['from'][:10]}至{bounds['to'][:10]}.zip",
                ascii_name=f"archive-{bounds['from'][:10]}-{bounds['to'][:10]}.zip")


def _undated() -> list[dict]:
    """Each office that uses the console with its own items that no clock and no office rule cover (duties.py)."""
    from emergency.response.duties import undated_own_items
    library = plans()
    duty_room = current_app.config["DUTY_ROOM"]
    offices = list(dict.fromkeys([duty_room] + [o.unit for o in library.agencies.offices]))
    return [{"office": o, "rows": undated_own_items(library, o)} for o in offices]


def _prefixes() -> list[dict[str, str]]:
    """Each office that uses the console with its 发文字号 prefix (the duty room's default from the configuration)."""
    duty_room = current_app.config["DUTY_ROOM"]
    offices = list(dict.fromkeys([duty_room] + [o.unit for o in plans().agencies.offices]))
    default = current_app.config.get("DOCUMENT_PREFIX", "")
    return [{"office": o, "prefix": use(documents.office_prefix, o, duty_room, default)} for o in offices]


@bp.post("/prefixes")
def set_prefix():
    """An office's 发文字号 prefix (e.g. 海应值): each office numbers its reports in its own sequence."""
    try:
        use(documents.set_office_prefix, request.form.get("office", ""), request.form.get("prefix", ""),
                                    current_user.name, format_time(app_clock().now()))
        flash(_("已设置发文字号前缀。"), "ok")
    except EmergencyError as exc:
        flash(refusal(exc), "error")
    return redirect(url_for("admin.security") + "#prefixes")


@bp.post("/locked/<name>")
def unlock(name: str):
    """Clear a locked account's failed sign-ins: its user signs in again at once, from anywhere."""
    use(users.unlock, name[:50], app_clock(), actor=current_user.name)
    flash(_("已解除锁定：%(name)s", name=name[:50]), "ok")
    return redirect(url_for("admin.security") + "#locked")


@bp.post("/users")
def add_user():
    """A new user (name, role, a password of at least 10 characters told to them in person); an existing name is
    refused rather than reset."""
    form = request.form
    name = form.get("name", "").strip()
    try:
        if use(users.get_user, name):
            raise InputError("name", _("已有此用户；修改角色或重置密码请在下方该用户一行操作"))
        use(users.add_user, name, form.get("role", ""), form.get("password", ""), app_clock(),
                       actor=current_user.name, unit=_unit(form))
        flash(_("已新建用户：%(name)s", name=name), "ok")
    except EmergencyError as exc:
        flash(refusal(exc), "error")
    return redirect(url_for("admin.security") + "#users")


@bp.post("/users/<name>")
def change_user(name: str):
    """Change one user: ``role``, ``unit`` (the office; empty: the duty room), ``password``, or ``disabled`` (1/0). An administrator cannot disable or demote
    themselves (the last one would lock everyone out of the console's management)."""
    form, clock = request.form, app_clock()
    try:
        changes = {k: form[k] for k in ("role", "password", "disabled") if form.get(k)}
        if "unit" in form:
            changes["unit"] = _unit(form)
        use(users.change_user, name, changes, clock, actor=current_user.name)
        flash(_("已修改用户：%(name)s", name=name), "ok")
    except EmergencyError as exc:
        flash(refusal(exc), "error")
    return redirect(url_for("admin.security") + "#users")
