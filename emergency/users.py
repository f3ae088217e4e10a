"""Users, roles, sessions and API tokens (登录与角色).

Roles: ``duty_officer`` (值班员: record incidents, tick notifications, record facts and notes),
``commander`` (指挥: everything on incidents — activate, change level, terminate…),
``drill_controller`` (演练导调: create and run drills, act on drill incidents),
``observer`` (观察员: read only), ``administrator`` (管理员: users, tokens and the security log;
no incident actions). Passwords are hashed with werkzeug's scrypt; tokens and session ids are
random and stored only as their SHA-256. No user and no password exist until someone creates them.

Revocation: a browser session is a row in ``sessions``; signing out deletes it, and disabling a
user, changing a role or a password, or "sign out everywhere" deletes all of the user's rows, so
a copied cookie stops working at once. Sessions idle longer than the idle limit expire. Tokens
have an expiry, a last-used time and can be revoked.

Every change here and every sign-in is a security event in the audit chain (``Store.append_audit``).
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from .clock import Clock, format_time, parse_time
from .errors import InputError, NotFound
from .store import Store

ROLES = {"duty_officer": "值班员", "commander": "指挥", "drill_controller": "演练导调", "observer": "观察员",
         "administrator": "管理员"}

# What each role may do to an incident; the commander may do everything.
DUTY_TRIGGERS = {"report", "tick_notification", "update_facts", "add_note", "condition_arose", "start_first_response",
                 "assess", "complete_task"}
# Sign-in throttling per account, counted in the database so every worker sees it.
FAILED_LIMIT = 5
FAILED_WINDOW = timedelta(minutes=15)
DEFAULT_TOKEN_DAYS = 90
_DUMMY_HASH = generate_password_hash("not-a-password-of-anyone")


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
    """Permissions that are not incident triggers: ``drills`` (run drills, write scenarios, improvement items),
    ``drill_clock`` (advance a drill's clock, which fires its injects), ``admin`` (users, tokens, security log)."""
    if what == "drills":
        return role in ("drill_controller", "commander")
    if what == "drill_clock":
        return role in ("drill_controller", "commander", "duty_officer")
    if what == "admin":
        return role == "administrator"
    return False


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not re.fullmatch(r"[\w\u4e00-\u9fff.-]{1,50}", name):
        raise InputError("name", "1–50 letters, digits, Chinese characters, '.', '-' or '_'")
    return name


def _check_role(role: Any) -> str:
    if role not in ROLES:
        raise InputError("role", f"must be one of {', '.join(ROLES)}")
    return role


def _check_password(password: Any) -> str:
    if not isinstance(password, str) or len(password) < 10:
        raise InputError("password", "must be at least 10 characters")
    if len(password) > 200:
        raise InputError("password", "must be at most 200 characters")
    return password


def audit(store: Store, kind: str, clock: Clock, actor: str | None = None, subject: str | None = None,
          detail: dict | None = None, addr: str | None = None) -> None:
    """Record a security event (user_created, sign_in_failed, token_revoked, export, backup…)."""
    store.append_audit(kind, actor, subject, detail, addr, format_time(clock.now()))


def _require_user(store: Store, name: str) -> dict[str, Any]:
    row = store.db.execute("SELECT name, role, coalesce(disabled, 0), coalesce(demo, 0) FROM users WHERE name = ?",
                           [name]).fetchone()
    if row is None:
        raise NotFound("user", name)
    return {"name": row[0], "role": row[1], "disabled": bool(row[2]), "demo": bool(row[3])}


def add_user(store: Store, name: str, role: str, password: str, clock: Clock, actor: str = "cli",
             demo: bool = False) -> None:
    """Create a user, or reset an existing user's role and password (which signs them out everywhere).

    Raises InputError for a bad name, role or weak password.
    """
    _check_name(name), _check_role(role), _check_password(password)
    stamp = format_time(clock.now())
    with store.write() as db:
        existed = db.execute("SELECT role FROM users WHERE name = ?", [name]).fetchone()
        db["users"].upsert({"name": name, "role": role, "password_hash": generate_password_hash(password),
                            "created_at": stamp, "updated_at": stamp, "disabled": 0, "demo": int(demo)}, pk="name")
        db.execute("DELETE FROM sessions WHERE name = ?", [name])
        store._insert_audit("user_updated" if existed else "user_created", actor, name,
                            {"role": role, **({"previous_role": existed[0]} if existed else {}), "demo": demo},
                            None, stamp)


def set_role(store: Store, name: str, role: str, clock: Clock, actor: str = "cli") -> None:
    """Change a user's role; their sessions end (they sign in again under the new role)."""
    _check_role(role)
    old = _require_user(store, name)
    stamp = format_time(clock.now())
    with store.write() as db:
        db.execute("UPDATE users SET role = ?, updated_at = ? WHERE name = ?", [role, stamp, name])
        db.execute("DELETE FROM sessions WHERE name = ?", [name])
        store._insert_audit("role_changed", actor, name, {"from": old["role"], "to": role}, None, stamp)


def reset_password(store: Store, name: str, password: str, clock: Clock, actor: str = "cli") -> None:
    _check_password(password)
    _require_user(store, name)
    stamp = format_time(clock.now())
    with store.write() as db:
        db.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?",
                   [generate_password_hash(password), stamp, name])
        db.execute("DELETE FROM sessions WHERE name = ?", [name])
        store._insert_audit("password_reset", actor, name, {}, None, stamp)


def set_disabled(store: Store, name: str, disabled: bool, clock: Clock, actor: str = "cli") -> None:
    """Disable (or enable) a user: a disabled user's sessions and tokens stop working at once."""
    _require_user(store, name)
    stamp = format_time(clock.now())
    with store.write() as db:
        db.execute("UPDATE users SET disabled = ?, updated_at = ? WHERE name = ?", [int(disabled), stamp, name])
        db.execute("DELETE FROM sessions WHERE name = ?", [name])
        store._insert_audit("user_disabled" if disabled else "user_enabled", actor, name, {}, None, stamp)


def sign_out_everywhere(store: Store, name: str, clock: Clock, actor: str = "cli") -> int:
    """End every session of a user. Returns how many there were."""
    _require_user(store, name)
    with store.write() as db:
        n = db.execute("DELETE FROM sessions WHERE name = ?", [name]).rowcount
        store._insert_audit("signed_out_everywhere", actor, name, {"sessions": n}, None, format_time(clock.now()))
    return n


def retire_demo_users(store: Store, clock: Clock) -> list[str]:
    """Disable the accounts a ``--demo`` start made (each start makes new ones; none outlives its demo)."""
    names = [r[0] for r in store.db.execute("SELECT name FROM users WHERE demo = 1 AND coalesce(disabled, 0) = 0")]
    for name in names:
        set_disabled(store, name, True, clock, actor="serve")
    return names


# ------------------------------------------------------------------ sign-in
def recent_failures(store: Store, name: str, now: datetime) -> list[str]:
    """Times of the failed sign-ins for ``name`` in the throttling window, oldest first."""
    since = format_time(now - FAILED_WINDOW)
    return [r[0] for r in store.db.execute(
        "SELECT at FROM audit WHERE kind = 'sign_in_failed' AND subject = ? AND at >= ? ORDER BY seq",
        [name, since]).fetchall()]


def locked_for(store: Store, name: str, now: datetime) -> int:
    """Seconds until ``name`` may try again (0: now). Five failures in 15 minutes lock the account for
    what remains of the window since the oldest of them; a success does not reset it."""
    fails = recent_failures(store, name, now)
    if len(fails) < FAILED_LIMIT:
        return 0
    oldest = parse_time(fails[-FAILED_LIMIT], "at")
    return max(1, int((oldest + FAILED_WINDOW - now).total_seconds()))


def check_password(store: Store, name: str, password: str, clock: Clock | None = None,
                   addr: str | None = None) -> dict[str, Any] | None:
    """The user when the password is right and the account enabled, else None (same answer for an unknown name).

    With a ``clock``, the attempt is recorded as a security event.
    """
    name = name if isinstance(name, str) else ""
    row = store.db.execute("SELECT name, role, password_hash, coalesce(disabled, 0) FROM users WHERE name = ?",
                           [name[:50]]).fetchone()
    ok = check_password_hash(row[2] if row else _DUMMY_HASH, password or "") and row is not None and not row[3]
    if clock is not None:
        audit(store, "sign_in" if ok else "sign_in_failed", clock, actor=name[:50] if ok else None,
              subject=name[:50], addr=addr)
    return {"name": row[0], "role": row[1]} if ok else None


def start_session(store: Store, name: str, clock: Clock, addr: str | None = None) -> str:
    """A new server-side session; returns its id (kept only in the signed cookie)."""
    sid = secrets.token_urlsafe(32)
    stamp = format_time(clock.now())
    with store.write() as db:
        db["sessions"].insert({"sid_hash": _sha(sid), "name": name, "created_at": stamp, "last_seen": stamp,
                               "addr": addr or ""})
    return sid


def end_session(store: Store, sid: str | None, clock: Clock, addr: str | None = None) -> None:
    if not sid:
        return
    with store.write() as db:
        row = db.execute("SELECT name FROM sessions WHERE sid_hash = ?", [_sha(sid)]).fetchone()
        db.execute("DELETE FROM sessions WHERE sid_hash = ?", [_sha(sid)])
        if row:
            store._insert_audit("sign_out", row[0], row[0], {}, addr, format_time(clock.now()))


def user_for_session(store: Store, sid: str | None, clock: Clock, idle: timedelta) -> dict[str, Any] | None:
    """The user of a live session, or None (unknown, revoked, idle too long, or the user disabled).

    Refreshes ``last_seen`` at most once a minute.
    """
    if not sid or not isinstance(sid, str):
        return None
    row = store.db.execute(
        "SELECT s.name, u.role, s.last_seen, coalesce(u.disabled, 0) FROM sessions s JOIN users u ON u.name = s.name "
        "WHERE s.sid_hash = ?", [_sha(sid)]).fetchone()
    if row is None or row[3]:
        return None
    now = clock.now()
    last = parse_time(row[2], "last_seen")
    if now - last > idle:
        with store.write() as db:
            db.execute("DELETE FROM sessions WHERE sid_hash = ?", [_sha(sid)])
        return None
    if now - last > timedelta(minutes=1):
        with store.write() as db:
            db.execute("UPDATE sessions SET last_seen = ? WHERE sid_hash = ?", [format_time(now), _sha(sid)])
    return {"name": row[0], "role": row[1]}


def get_user(store: Store, name: str) -> dict[str, Any] | None:
    row = store.db.execute("SELECT name, role, coalesce(disabled, 0) FROM users WHERE name = ?", [name]).fetchone()
    return {"name": row[0], "role": row[1], "disabled": bool(row[2])} if row else None


def list_users(store: Store) -> list[dict[str, Any]]:
    rows = store.db.execute("SELECT name, role, coalesce(disabled, 0), coalesce(demo, 0), created_at, updated_at "
                            "FROM users ORDER BY name").fetchall()
    return [{"name": r[0], "role": r[1], "disabled": bool(r[2]), "demo": bool(r[3]), "created_at": r[4],
             "updated_at": r[5]} for r in rows]


def count_users(store: Store) -> int:
    return store.db.execute("SELECT count(*) FROM users WHERE coalesce(disabled, 0) = 0").fetchone()[0]


# ------------------------------------------------------------------ tokens
def create_token(store: Store, name: str, clock: Clock, days: int = DEFAULT_TOKEN_DAYS, actor: str = "cli") -> str:
    """A new API token for a user, valid for ``days``; printed once, stored only as its hash."""
    if get_user(store, name) is None:
        raise NotFound("user", name)
    if not isinstance(days, int) or not 1 <= days <= 3650:
        raise InputError("days", "must be a whole number of days from 1 to 3650")
    token = "emg_" + secrets.token_urlsafe(32)
    token_id = "tok-" + secrets.token_hex(4)
    now = clock.now()
    with store.write() as db:
        db["tokens"].insert({"token_hash": _sha(token), "name": name, "created_at": format_time(now), "id": token_id,
                             "expires_at": format_time(now + timedelta(days=days)), "last_used_at": None,
                             "revoked_at": None})
        store._insert_audit("token_created", actor, name, {"token": token_id, "days": days}, None, format_time(now))
    return token


def list_tokens(store: Store, name: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT id, name, created_at, expires_at, last_used_at, revoked_at FROM tokens"
    rows = store.db.execute(sql + (" WHERE name = ?" if name else "") + " ORDER BY created_at",
                            [name] if name else []).fetchall()
    return [dict(zip(("id", "name", "created_at", "expires_at", "last_used_at", "revoked_at"), r)) for r in rows]


def revoke_token(store: Store, token_id: str, clock: Clock, actor: str = "cli") -> None:
    stamp = format_time(clock.now())
    with store.write() as db:
        row = db.execute("SELECT name, revoked_at FROM tokens WHERE id = ?", [token_id]).fetchone()
        if row is None:
            raise NotFound("token", token_id)
        if row[1] is None:
            db.execute("UPDATE tokens SET revoked_at = ? WHERE id = ?", [stamp, token_id])
            store._insert_audit("token_revoked", actor, row[0], {"token": token_id}, None, stamp)


def user_for_token(store: Store, token: str, clock: Clock) -> dict[str, Any] | None:
    """The user of a valid token (not revoked, not expired, user enabled), recording its last use (per minute)."""
    row = store.db.execute(
        "SELECT t.name, u.role, t.expires_at, t.revoked_at, t.last_used_at, coalesce(u.disabled, 0), t.token_hash "
        "FROM tokens t JOIN users u ON u.name = t.name WHERE t.token_hash = ?", [_sha(token)]).fetchone()
    if row is None or row[3] is not None or row[5]:
        return None
    now = clock.now()
    if row[2] is None or parse_time(row[2], "expires_at") <= now:  # tokens of the first version had no expiry
        return None
    if row[4] is None or now - parse_time(row[4], "last_used_at") > timedelta(minutes=1):
        with store.write() as db:
            db.execute("UPDATE tokens SET last_used_at = ? WHERE token_hash = ?", [format_time(now), row[6]])
    return {"name": row[0], "role": row[1]}


def security_log(store: Store, limit: int = 500) -> list[dict[str, Any]]:
    rows = store.db.execute("SELECT seq, at, kind, actor, subject, detail, addr FROM audit ORDER BY seq DESC LIMIT ?",
                            [limit]).fetchall()
    return [dict(zip(("seq", "at", "kind", "actor", "subject", "detail", "addr"), r)) for r in rows]
