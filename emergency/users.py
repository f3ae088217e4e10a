"""Users, roles and API tokens (登录与角色).

Roles: ``duty_officer`` (值班员: record incidents, tick notifications, record facts and notes),
``commander`` (指挥: everything on incidents — activate, change level, terminate…),
``drill_controller`` (演练导调: create and run drills, act on drill incidents),
``observer`` (观察员: read only). Passwords are hashed with werkzeug's scrypt; tokens are random
and stored only as their SHA-256. No user and no password exist until someone creates them.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from .clock import Clock, format_time
from .errors import InputError, NotFound
from .store import Store

ROLES = {"duty_officer": "值班员", "commander": "指挥", "drill_controller": "演练导调", "observer": "观察员"}

# What each role may do to an incident; the commander may do everything.
DUTY_TRIGGERS = {"report", "tick_notification", "update_facts", "add_note", "condition_arose", "start_first_response",
                 "assess", "complete_task"}


def may_act(role: str, trigger: str, drill: bool) -> bool:
    """Whether ``role`` may apply ``trigger`` (``report`` = record an incident) to a real or drill incident."""
    if role == "commander":
        return True
    if role == "duty_officer":
        return trigger in DUTY_TRIGGERS
    if role == "drill_controller":
        return drill
    return False


def may(role: str, what: str) -> bool:
    """Permissions that are not incident triggers: ``drills`` (run drills, write scenarios, improvement items)."""
    if what == "drills":
        return role in ("drill_controller", "commander")
    return False


def _ensure(store: Store) -> None:
    """The tables are made by Store.ensure_schema; a store opened without it gets them here."""
    if "users" not in store.db.table_names():
        store.ensure_schema()


def add_user(store: Store, name: str, role: str, password: str, clock: Clock) -> None:
    """Create or replace a user. Raises InputError for a bad name, role or weak password."""
    _ensure(store)
    if not isinstance(name, str) or not re.fullmatch(r"[\w\u4e00-\u9fff.-]{1,50}", name):
        raise InputError("name", "1–50 letters, digits, Chinese characters, '.', '-' or '_'")
    if role not in ROLES:
        raise InputError("role", f"must be one of {', '.join(ROLES)}")
    if not isinstance(password, str) or len(password) < 10:
        raise InputError("password", "must be at least 10 characters")
    with store.write() as db:
        db["users"].upsert({"name": name, "role": role, "password_hash": generate_password_hash(password),
                            "created_at": format_time(clock.now())}, pk="name")


def check_password(store: Store, name: str, password: str) -> dict[str, Any] | None:
    """The user when the password is right, else None (same answer for an unknown name)."""
    _ensure(store)
    row = store.db.execute("SELECT name, role, password_hash FROM users WHERE name = ?", [name]).fetchone()
    if row is None:
        check_password_hash(generate_password_hash("x"), password or "")  # spend the same time
        return None
    if not check_password_hash(row[2], password or ""):
        return None
    return {"name": row[0], "role": row[1]}


def get_user(store: Store, name: str) -> dict[str, Any] | None:
    _ensure(store)
    row = store.db.execute("SELECT name, role FROM users WHERE name = ?", [name]).fetchone()
    return {"name": row[0], "role": row[1]} if row else None


def create_token(store: Store, name: str, clock: Clock) -> str:
    """A new API token for a user; printed once, stored only as its hash."""
    if get_user(store, name) is None:
        raise NotFound("user", name)
    token = "emg_" + secrets.token_urlsafe(32)
    with store.write() as db:
        db["tokens"].insert({"token_hash": hashlib.sha256(token.encode()).hexdigest(), "name": name,
                             "created_at": format_time(clock.now())})
    return token


def user_for_token(store: Store, token: str) -> dict[str, Any] | None:
    _ensure(store)
    row = store.db.execute("SELECT name FROM tokens WHERE token_hash = ?",
                           [hashlib.sha256(token.encode()).hexdigest()]).fetchone()
    return get_user(store, row[0]) if row else None


def count_users(store: Store) -> int:
    _ensure(store)
    return store.db.execute("SELECT count(*) FROM users").fetchone()[0]
