"""Sign-in (browser session) and bearer tokens (scripts), roles, CSRF, throttling and security headers.

Every page and API call needs a signed-in user or ``Authorization: Bearer <token>``, except the
sign-in page, the language switch, static files and the OpenAPI description. Every state-changing request from a
browser session must carry the CSRF token (forms: hidden field; fetch: X-CSRFToken header);
token-authenticated API calls carry no cookie and need none.

A browser session is a server-side row (``emergency.services.users``): the signed cookie holds only its
random id, so signing out, disabling a user or changing a role or password ends it everywhere,
and a session idle longer than ``SESSION_IDLE_HOURS`` (default 12, one duty shift) expires.

Sign-in is throttled by client address (Flask-Limiter, ``LOGIN_RATE_LIMIT``) and by account (five
failures in 15 minutes, counted in the database so that every worker sees them): 429 with
Retry-After. Every attempt is a security event.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote, urlsplit

from flask import (Blueprint, Flask, abort, current_app, flash, g, jsonify, redirect, render_template, request,
                   session, url_for)
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from emergency.services import users
from emergency.core.clock import format_time
from emergency.core.roles import ROLES
from emergency.store import StorageFull

from .db import app_clock, use
from .i18n import gettext as _

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", headers_enabled=True)
PUBLIC = {"auth.login", "static", "api.openapi", "console.set_lang", "console.favicon"}  # before sign-in too

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class User(UserMixin):
    def __init__(self, name: str, role: str, unit: str | None = None):
        self.id = name
        self.name = name
        self.role = role
        self.unit = unit

    @property
    def office(self) -> str:
        """The office this user works for: their unit, else the instance's duty room (``DUTY_ROOM``)."""
        return self.unit or current_app.config["DUTY_ROOM"]

    @property
    def role_name(self) -> str:
        return ROLES[self.role]


class PageSessions(SecureCookieSessionInterface):
    """The signed session cookie, refreshed on page loads only. A page's own fetches (/api/…: the live
    classification, polls of the board and the incident) were answered with the cookie as they read it, and one
    started before a form was sent and finished after it put back the cookie without the form's flash — the officer
    did not see 事件已登记. A fetch still sends the cookie when it changed the session."""

    def should_set_cookie(self, app: Flask, session) -> bool:
        if session.modified:
            return True
        return session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"] and not request.path.startswith("/api/")


def _idle() -> timedelta:
    return timedelta(hours=float(current_app.config.get("SESSION_IDLE_HOURS", 12)))


def _session_user():
    """The user of this browser: its server-side session, or a sign-in held in the cookie while the disk was full."""
    u = use(users.user_for_session, session.get("sid"), app_clock(), _idle())
    if u is None and session.get("unstored"):
        u = use(users.user_for_unstored_session, session.get("unstored"), app_clock())
    return User(u["name"], u["role"], u.get("unit")) if u else None


@login_manager.user_loader
def _load(_name: str):
    """Flask-Login's id in the cookie is not trusted alone: the server-side session must be live."""
    return _session_user()


CALENDAR_ENDPOINT = "directory.roster_subscription"


@login_manager.request_loader
def _from_token(req):
    if req.endpoint == CALENDAR_ENDPOINT:   # a phone calendar polling: its token is in the address, nothing else is
        u = use(users.user_for_token, str((req.view_args or {}).get("token", ""))[:200], app_clock(),
                                 scope=users.CALENDAR)
        g.token_auth = True
        return User(u["name"], u["role"], u.get("unit")) if u else None
    header = req.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        u = use(users.user_for_token, header[7:].strip()[:200], app_clock())
        if u:
            g.token_auth = True
            return User(u["name"], u["role"], u.get("unit"))
        return None
    return _session_user()


def _gate():
    if request.endpoint in PUBLIC or request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        if request.endpoint == CALENDAR_ENDPOINT:   # a revoked or unknown address: nothing there, no sign-in page
            abort(404)
        if request.path.startswith("/api/"):
            return jsonify({"error": "unauthorized",
                            "message": "sign in, or send Authorization: Bearer <token> (emergency token create NAME)"}), 401
        session.pop("sid", None)
        return redirect(url_for("auth.login", next=request.full_path))
    if request.method not in ("GET", "HEAD", "OPTIONS") and not g.get("token_auth"):
        csrf.protect()
    return None


def safe_next(target: str | None, fallback: str) -> str:
    """A path on this site to go to after sign-in or a language switch, else ``fallback``.

    Backslashes count as slashes (browsers treat them so), control characters and white space
    anywhere refuse the target, and anything that names a scheme or another host goes home:
    ``//x``, ``/\\x``, ``/%5Cx``, ``https:x``, ``/\\t/x``… A percent-encoded slash is decoded once
    before the same check, so ``/%2F%2Fx`` is refused too.
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return fallback
    for candidate in (target, unquote(target)):
        if any(ord(ch) < 0x21 or ord(ch) == 0x7f for ch in candidate):
            return fallback
        norm = candidate.replace("\\", "/")
        if not norm.startswith("/") or norm.startswith("//"):
            return fallback
        parts = urlsplit(norm)
        if parts.scheme or parts.netloc:
            return fallback
    return target


def same_site_referrer(fallback: str) -> str:
    """The referring page when it is on this site (its path and query only), else ``fallback``."""
    ref = request.referrer
    if not ref:
        return fallback
    parts = urlsplit(ref)
    if parts.netloc and parts.netloc != request.host:
        return fallback
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(path, fallback)


def _csrf_error(exc: CSRFError):
    if request.path.startswith("/api/"):
        return jsonify({"error": "csrf", "field": "csrf_token", "message": f"csrf_token: {exc.description}"}), 400
    flash(_("表单已过期，请重试（%(why)s）", why=exc.description), "error")
    return redirect(same_site_referrer(url_for("console.home")))


def actor() -> str:
    return current_user.name


def forbid(message: str):
    """Refuse: 403 JSON for the API, a flash and 403 page otherwise."""
    if request.path.startswith("/api/"):
        response = jsonify({"error": "forbidden", "message": message})
        response.status_code = 403
        abort(response)
    abort(403, description=message)


def client_addr() -> str:
    return (request.remote_addr or "")[:64]


def audit_export(what: str) -> None:
    """Record that the signed-in user downloaded ``what`` (a security event). On a full disk the download goes on
    and the record is refused with a warning the user sees (reads must work while the disk is full)."""
    try:
        use(users.audit, "export", app_clock(), actor=current_user.name, subject=current_user.name,
                    detail={"file": what[:200]}, addr=client_addr())
    except StorageFull:
        current_app.logger.warning("storage full: the download of %s was not recorded in the security log", what[:200])
        flash(_("存储空间已满：本次下载未能记入安全日志；请通知运维人员。"), "error")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("LOGIN_RATE_LIMIT", "20 per minute"), methods=["POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        csrf.protect()
        clock = app_clock()
        name = request.form.get("name", "")[:50]
        wait = use(users.locked_for, name, clock.now(), client_addr())
        if wait:
            use(users.audit, "sign_in_throttled", clock, subject=name, addr=client_addr())
            body = render_template("auth/login.html", error=_("尝试次数过多，请 %(minutes)s 分钟后再试", minutes=wait // 60 + 1), no_users=False)
            return body, 429, {"Retry-After": str(wait)}
        u = use(users.check_password, name, request.form.get("password", ""), clock, client_addr())
        if u:
            lang = session.get("lang")  # the language chosen before signing in stays chosen
            session.clear()
            if lang:
                session["lang"] = lang
            try:
                session["sid"] = use(users.start_session, u["name"], clock, client_addr())
            except StorageFull:  # the disk is full: sign in all the same, for an hour, held in the signed cookie
                session["unstored"] = {"name": u["name"], "until": format_time(clock.now() + users.UNSTORED_SESSION)}
                flash(_("存储空间已满：本次登录未能写入数据库，1小时内有效；请立即通知运维人员清理磁盘。"), "error")
            session.permanent = True
            login_user(User(u["name"], u["role"], u.get("unit")))
            return redirect(safe_next(request.args.get("next"), url_for("console.home")))
        error, status = _("用户名或密码不正确"), 401
    return render_template("auth/login.html", error=error, no_users=use(users.count_users) == 0), status


@bp.post("/logout")
def logout():
    try:
        use(users.end_session, session.get("sid"), app_clock(), client_addr())
    except StorageFull:
        pass  # the cookie is cleared below; the stored session ends with its idle time
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/logout-everywhere")
def logout_everywhere():
    use(users.sign_out_everywhere, current_user.name, app_clock(), actor=current_user.name)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.pop("Server", None)
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 12 * 3600)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.session_interface = PageSessions()
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    app.before_request(_gate)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_blueprint(bp)
