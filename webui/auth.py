"""Sign-in (browser session) and bearer tokens (scripts), roles, and CSRF protection.

Every page and API call needs a signed-in user or ``Authorization: Bearer <token>``, except the
sign-in page, static files and the OpenAPI description. Every state-changing request from a
browser session must carry the CSRF token (forms: hidden field; fetch: X-CSRFToken header);
token-authenticated API calls carry no cookie and need none.
"""
from __future__ import annotations

from flask import (Blueprint, Flask, abort, flash, g, jsonify, redirect, render_template, request, session,
                   url_for)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from emergency import users

from .db import get_store

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()
PUBLIC = {"auth.login", "static", "api.openapi"}


class User(UserMixin):
    def __init__(self, name: str, role: str):
        self.id = name
        self.name = name
        self.role = role

    @property
    def role_name(self) -> str:
        return users.ROLES[self.role]


@login_manager.user_loader
def _load(name: str):
    u = users.get_user(get_store(), name)
    return User(u["name"], u["role"]) if u else None


@login_manager.request_loader
def _from_token(req):
    header = req.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        u = users.user_for_token(get_store(), header[7:].strip())
        if u:
            g.token_auth = True
            return User(u["name"], u["role"])
    return None


def _gate():
    if request.endpoint in PUBLIC or request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            return jsonify({"error": "unauthorized",
                            "message": "sign in, or send Authorization: Bearer <token> (emergency token create NAME)"}), 401
        return redirect(url_for("auth.login", next=request.full_path))
    if request.method not in ("GET", "HEAD", "OPTIONS") and not g.get("token_auth"):
        csrf.protect()
    return None


def _csrf_error(exc: CSRFError):
    if request.path.startswith("/api/"):
        return jsonify({"error": "csrf", "field": "csrf_token", "message": f"csrf_token: {exc.description}"}), 400
    flash(f"表单已过期，请重试（{exc.description}）", "error")
    return redirect(request.referrer or url_for("console.home"))


def actor() -> str:
    return current_user.name


def forbid(message: str):
    """Refuse: 403 JSON for the API, a flash and 403 page otherwise."""
    if request.path.startswith("/api/"):
        response = jsonify({"error": "forbidden", "message": message})
        response.status_code = 403
        abort(response)
    abort(403, description=message)


def require_trigger(trigger: str, drill: bool) -> None:
    if not users.may_act(current_user.role, trigger, drill):
        forbid(f"{current_user.role_name}无权执行“{trigger}”（role {current_user.role} may not {trigger}）")


def require(what: str) -> None:
    if not users.may(current_user.role, what):
        forbid(f"{current_user.role_name}无权进行此操作（role {current_user.role} may not manage {what}）")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        csrf.protect()
        u = users.check_password(get_store(), request.form.get("name", ""), request.form.get("password", ""))
        if u:
            session.clear()
            login_user(User(u["name"], u["role"]))
            target = request.args.get("next") or ""
            return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("console.home"))
        error = "用户名或密码不正确（name or password is wrong）"
    return render_template("login.html", error=error, no_users=users.count_users(get_store()) == 0), (401 if error else 200)


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 12 * 3600)
    login_manager.init_app(app)
    csrf.init_app(app)
    app.before_request(_gate)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_blueprint(bp)
