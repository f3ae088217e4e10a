"""The administrator's pages (管理): users, API tokens and the security log. Read-only here; changes
are made with ``emergency user …`` and ``emergency token …`` on the server, each recorded in the
security log."""
from __future__ import annotations

import json

from flask import Blueprint, render_template

from emergency import users

from .auth import require
from .db import get_store
from .i18n import lazy_gettext as _l

bp = Blueprint("admin", __name__, url_prefix="/admin")

KIND_LABELS = {
    "sign_in": _l("登录成功"), "sign_in_failed": _l("登录失败"), "sign_in_throttled": _l("登录被限流"), "sign_out": _l("退出"),
    "signed_out_everywhere": _l("全部会话已退出"), "user_created": _l("新建用户"), "user_updated": _l("用户重置"),
    "role_changed": _l("角色变更"), "password_reset": _l("重置密码"), "user_disabled": _l("停用用户"), "user_enabled": _l("启用用户"),
    "token_created": _l("创建令牌"), "token_revoked": _l("吊销令牌"), "export": _l("下载导出"), "backup": _l("备份"),
    "secret_rotated": _l("更换会话密钥"),
}


@bp.get("/")
def security():
    """Users, tokens and the newest security events; 403 for every role but administrator."""
    require("admin")
    store = get_store()
    log = users.security_log(store, limit=300)
    for row in log:
        row["detail"] = json.loads(row["detail"] or "{}")
        row["label"] = KIND_LABELS.get(row["kind"], row["kind"])
    return render_template("admin/admin.html", users=users.list_users(store), tokens=users.list_tokens(store), log=log,
                           roles=users.ROLES)
