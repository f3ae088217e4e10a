"""The console and JSON API (Flask). ``create_app(test_config=None)`` is the application factory.

Config keys: ``DATABASE`` (SQLite path; default under the user's data directory), ``SECRET_KEY``
(from config or EMERGENCY_SECRET_KEY; otherwise generated once and kept in the instance folder),
``CLOCK`` (an ``emergency.clock`` clock; the wall clock by default — tests pass a FixedClock).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from emergency.clock import SystemClock
from emergency.store import Store, default_db_path

from . import db


def _secret_key(app: Flask) -> str:
    env = os.environ.get("EMERGENCY_SECRET_KEY")
    if env:
        return env
    path = Path(app.instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DATABASE=str(default_db_path()),
        CLOCK=SystemClock(),
        JSON_AS_ASCII=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,          # set EMERGENCY_SESSION_COOKIE_SECURE=true behind HTTPS
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        DEBUG=False,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.config.from_prefixed_env("EMERGENCY")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    Store(app.config["DATABASE"]).close()  # create the database and its schema on first run
    db.init_app(app)

    from . import api, auth, console, drill_pages
    auth.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(drill_pages.bp)
    _error_pages(app)
    return app


def _error_pages(app: Flask) -> None:
    """4xx and 5xx answer with a short message (JSON under /api), never a traceback."""
    from flask import jsonify, render_template, request
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if request.path.startswith("/api/"):
            return jsonify({"error": exc.name.lower().replace(" ", "_"), "message": exc.description}), exc.code
        return render_template("error.html", code=exc.code, message=exc.description), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        app.logger.exception("unexpected error")
        if request.path.startswith("/api/"):
            return jsonify({"error": "internal", "message": "internal error; it has been logged"}), 500
        return render_template("error.html", code=500, message="内部错误，已记录。"), 500
