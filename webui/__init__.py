"""The console and JSON API (Flask). ``create_app(test_config=None)`` is the application factory.

Config keys: ``DATABASE`` (SQLite path; default under the user's data directory; its schema must be
current — ``emergency init-db``, which ``emergency serve`` runs on start), ``PLANS_DIR`` (the plans
directory; default ``EMERGENCY_PLANS_DIR``, else the plans shipped with the package), ``SECRET_KEY``
(from config or ``EMERGENCY_SECRET_KEY``, at least 32 bytes; otherwise generated once and kept in
``secret_key`` beside the database, mode 600 — never in the source tree), ``CLOCK`` (an
``emergency.core.clock`` clock; the wall clock by default — tests pass a FixedClock), ``LOCK_TIMEOUT``
(seconds a write waits for the database lock before answering 503; default 5),
``SESSION_IDLE_HOURS`` (default 12), ``LOGIN_RATE_LIMIT`` (per client address; default 30 per minute),
``REMINDER_MINUTES`` (the browser's reminders announce what falls due within it; default 5), ``DUTY_ROOM`` (the
unit whose roster names the commander on duty; default 海门区政府总值班室), ``OUTBOUND_CHANNELS`` (name → apprise
URL for sending first notices; default none).
"""
from __future__ import annotations

import functools
import gzip
import os
import secrets
from pathlib import Path

from werkzeug.middleware.proxy_fix import ProxyFix
from jinja2 import MemcachedBytecodeCache
from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from emergency.services import outbound
from emergency.core.clock import SystemClock
from emergency.core.errors import EmergencyError
from emergency.store import verify_quick
from emergency.response.library import PlanLibrary, default_plans_dir, library
from emergency.response.lint import default_sources, lint_all_cached
from emergency.store import (StorageFull, StoreBusy, default_db_path, key_dir_for, read_or_create_key,
                             open_store, shown_location)

from . import (access, admin, api, auth, call_pages, console, db, directory_pages, drill_pages, i18n, incident_pages,
               intake_pages, plan_pages, report_pages, shift_pages)
from .auth import same_site_referrer
from emergency.core.wording import N_

from .i18n import api_refusal, gettext, refusal

MIN_SECRET_BYTES = 32


class ConfigError(EmergencyError):
    """The configuration cannot be used (e.g. a secret key that is too short)."""


def secret_key_for(database: str) -> str:
    """``EMERGENCY_SECRET_KEY``, else the ``secret_key`` file beside the database (made on first start)."""
    if database == ":memory:":
        return secrets.token_hex(32)
    return read_or_create_key(key_dir_for(database) / "secret_key", "EMERGENCY_SECRET_KEY")


class _CompiledTemplates:
    """Compiled templates kept for the process, keyed by Jinja (a template's name and its source's checksum, so an
    edited template is compiled again): every app the process makes shares them. A server makes one app, but the
    tests make one for each test, and compiling the home page's templates afresh was most of a test's time."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._code.get(key)

    def set(self, key: str, value: bytes, timeout=None) -> None:
        self._code[key] = value


TEMPLATE_CODE = MemcachedBytecodeCache(_CompiledTemplates(), prefix="emergency/")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.jinja_options = {**app.jinja_options, "bytecode_cache": TEMPLATE_CODE}
    app.config.from_mapping(
        DATABASE=str(default_db_path()),
        CLOCK=SystemClock(),
        JSON_AS_ASCII=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,          # set EMERGENCY_SESSION_COOKIE_SECURE=true behind HTTPS
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        SESSION_IDLE_HOURS=12,
        LOGIN_RATE_LIMIT="30 per minute",
        LOCK_TIMEOUT=5.0,
        DEBUG=False,
        MAX_CONTENT_LENGTH=1024 * 1024,
        REMINDER_MINUTES=5,                   # the browser announces what falls due within this many minutes
        PRINT_AT_ISSUE=True,                  # Chromium prints each report's PDF once, at issue, and it is kept
        DOCUMENT_PREFIX="海政值",              # 发文字号 prefix of this office (EMERGENCY_DOCUMENT_PREFIX): 海政值〔2026〕1号
        DUTY_ROOM="海门区政府总值班室",          # whose roster names the commander on duty (带班领导)
        OUTBOUND_CHANNELS={},                 # name → apprise URL (EMERGENCY_OUTBOUND_CHANNELS as JSON); never in git
        PROXY_HOPS=0,                         # reverse proxies in front whose X-Forwarded-For is trusted (0: none)
    )
    app.config.from_prefixed_env("EMERGENCY")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key_for(app.config["DATABASE"])
    if len(str(app.config["SECRET_KEY"]).encode()) < MIN_SECRET_BYTES:
        raise ConfigError(f"SECRET_KEY: must be at least {MIN_SECRET_BYTES} bytes "
                          "(python -c 'import secrets; print(secrets.token_hex(32))'), or leave it unset to have "
                          "one generated beside the database")
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    _trust_proxies(app)
    try:
        outbound.channels(app.config.get("OUTBOUND_CHANNELS"))
    except EmergencyError as exc:
        raise ConfigError(str(exc)) from None

    try:
        plans = library(app.config.get("PLANS_DIR") or default_plans_dir(), app.config.get("OFFICE_RULES"))
    except EmergencyError as exc:
        raise ConfigError(f"PLANS_DIR: {exc}") from None
    store = open_store(app.config["DATABASE"], create=False, plans=plans)
    try:
        pending = store.pending_migrations()
        if pending:
            raise ConfigError(f"DATABASE: {shown_location(app.config['DATABASE'])} lacks {len(pending)} schema "
                              f"migration(s) ({pending[0]}…): run emergency init-db --db {shown_location(app.config['DATABASE'])}")
        # VERIFY_ON_START=False only for synthetic benchmark data written around the store
        app.config["CHAIN_PROBLEMS"] = verify_quick(store) if app.config.get("VERIFY_ON_START", True) else []
    finally:
        store.close()
    if app.config["CHAIN_PROBLEMS"]:
        app.logger.error("tamper evidence: %d broken chain(s); run emergency verify", len(app.config["CHAIN_PROBLEMS"]))
    _lint_on_start(app, plans)
    db.init_app(app, plans)

    i18n.init_app(app)
    auth.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(plan_pages.bp)
    app.register_blueprint(incident_pages.bp)
    app.register_blueprint(drill_pages.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(intake_pages.bp)
    app.register_blueprint(report_pages.bp)
    app.register_blueprint(directory_pages.bp)
    app.register_blueprint(call_pages.bp)
    app.register_blueprint(shift_pages.bp)
    access.init_app(app)   # every route's action, asked after the sign-in gate; refuses a route without one
    _error_pages(app)
    app.after_request(_compress_vendor)
    return app


_GZ_CACHE: dict[tuple[str, float], bytes] = {}


def _compress_vendor(response):
    """Vendored scripts (mermaid is 3.6 MB) go out gzip-compressed to browsers that accept it,
    compressed once per file version and kept in memory."""
    if (request.path.startswith("/static/vendor/") and response.status_code == 200
            and "gzip" in request.headers.get("Accept-Encoding", "") and not response.headers.get("Content-Encoding")):
        path = Path(app_static_root()) / request.path[len("/static/"):]
        try:
            key = (str(path), path.stat().st_mtime)
        except OSError:
            return response
        if key not in _GZ_CACHE:
            _GZ_CACHE[key] = gzip.compress(path.read_bytes(), 6)
        body = _GZ_CACHE[key]
        if hasattr(response.response, "close"):
            response.response.close()  # the file the static view opened
        response.direct_passthrough = False
        response.set_data(body)
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Content-Length"] = str(len(body))
        response.headers["Vary"] = "Accept-Encoding"
    return response


def app_static_root() -> str:
    return str(Path(__file__).resolve().parent / "static")


def _trust_proxies(app: Flask) -> None:
    """Behind ``PROXY_HOPS`` reverse proxies, the client's address is the one they forward (werkzeug's ProxyFix):
    sign-in throttling and the lockout key on it, not on the proxy's, which is everyone's. Off by default: a
    forwarded header from a client reached directly is never believed."""
    try:
        hops = int(app.config.get("PROXY_HOPS") or 0)
    except (TypeError, ValueError):
        raise ConfigError("PROXY_HOPS: must be a whole number of reverse proxies (0 when none)") from None
    if not 0 <= hops <= 5:
        raise ConfigError("PROXY_HOPS: must be between 0 and 5")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _lint_on_start(app: Flask, plans: PlanLibrary) -> None:
    """The plan checks of ``emergency lint`` at start: an error stops the console, warnings are logged."""
    findings = _lint_once(default_sources(), app.config["CLOCK"].now().date(), plans)
    errors = [f for f in findings if f.severity == "error"]
    for f in findings:
        app.logger.warning("plan check: %s", f.line())
    if errors:
        raise ConfigError("plans: " + errors[0].line() + (f" (and {len(errors) - 1} more; run emergency lint)"
                                                           if len(errors) > 1 else ""))


@functools.lru_cache(maxsize=8)
def _lint_once(sources, today, plans: PlanLibrary):
    """The checks once per process, library and day (the plans are loaded once per process too), and across
    processes in the user's cache (EMERGENCY_CACHE_DIR, else $XDG_CACHE_HOME/emergency or ~/.cache/emergency)
    while the plans, the texts, the code and the day are the same."""
    return tuple(lint_all_cached(sources, today, plans, _cache_dir()))


def _cache_dir() -> Path | None:
    if os.environ.get("EMERGENCY_CACHE_DIR"):
        return Path(os.environ["EMERGENCY_CACHE_DIR"])
    home = os.environ.get("XDG_CACHE_HOME") or (str(Path.home() / ".cache") if Path.home().is_dir() else "")
    return Path(home) / "emergency" if home else None


# What an HTTP refusal says to a person, in the page's language (werkzeug's own words are English): used where the
# refusal carries no message of its own.
HTTP_WORDS = {400: N_("请求无法读取，请检查后重试。"), 403: N_("无权执行此操作。"), 404: N_("未找到所要的内容。"),
              405: N_("不支持这种请求。"), 413: N_("提交的内容过大（上限1 MB）。"),
              429: N_("请求过于频繁，请一分钟后再试。")}


def _error_pages(app: Flask) -> None:
    """4xx and 5xx answer with a short message (JSON under /api), never a traceback."""

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        headers = {}
        if exc.code == 429:
            headers["Retry-After"] = "60"
        own = exc.description != type(exc).description or exc.code not in HTTP_WORDS
        words = exc.description if own else gettext(HTTP_WORDS[exc.code])
        if request.path.startswith("/api/"):
            body = {"error": exc.name.lower().replace(" ", "_"), "message": exc.description}
            if not own:
                body["message_zh"] = HTTP_WORDS[exc.code]
            return jsonify(body), exc.code, headers
        back = same_site_referrer("") if exc.code in (403, 409, 422) else ""
        return render_template("error.html", code=exc.code, message=words, back=back), exc.code, headers

    @app.errorhandler(StoreBusy)
    @app.errorhandler(StorageFull)
    def _unavailable(exc: EmergencyError):
        code = 507 if isinstance(exc, StorageFull) else 503
        headers = {"Retry-After": str(StoreBusy.retry_after)} if code == 503 else {}
        if request.path.startswith("/api/"):
            return jsonify(api_refusal(exc)), code, headers
        return render_template("error.html", code=code, message=refusal(exc)), code, headers

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        app.logger.exception("unexpected error")
        if request.path.startswith("/api/"):
            return jsonify({"error": "internal", "message": "internal error; it has been logged"}), 500
        return render_template("error.html", code=500, message=gettext("内部错误，已记录。")), 500
