"""Users, roles, sessions and API tokens (登录与角色).

Roles (``emergency.core.roles``): ``duty_officer`` 值班员, ``commander`` 指挥, ``drill_controller``
演练导调 (creates and runs drills and acts on drill incidents), ``observer`` 观察员 (reads only),
``administrator`` 管理员 (users, tokens and the security log; no incident actions). Who may fire
each step of a response is plan data: each transition's ``roles`` and the lifecycle's
``record_roles`` (recording an incident and the record steps). Passwords are hashed with werkzeug's scrypt; tokens and session ids are
random and stored only as their SHA-256. No user and no password exist until someone creates them.

Revocation: a browser session is a row in ``sessions``; signing out deletes it, and disabling a
user, changing a role or a password, or "sign out everywhere" deletes all of the user's rows, so
a copied cookie stops working at once. Sessions idle longer than the idle limit expire. Tokens
have an expiry, a last-used time and can be revoked.

Every change here and every sign-in is a security event in the audit chain (``store.audit``).
"""
from __future__ import annotations

import functools
import math
import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from emergency.core.clock import Clock, format_time, parse_time
from emergency.core.errors import InputError, NotFound, choices
from emergency.core.inputs import clean_text, plain
from emergency.core.roles import ROLES
from emergency.store import StorageFull, UnitOfWork

# Sign-in throttling per account, counted in the database so every worker sees it.
FAILED_LIMIT = 5
FAILED_WINDOW = timedelta(minutes=15)
DEFAULT_TOKEN_DAYS = 90
UNSTORED_SESSION = timedelta(hours=1)  # a sign-in made while the disk was full lasts this long
# The password hash: werkzeug's scrypt. The test suite alone sets a cheap method (tests/conftest.py) so that
# making users does not dominate its time; ``serve`` refuses to start under anything but this (webui/cli.py).
PASSWORD_HASH_METHOD = "scrypt"
PRODUCTION_HASH_METHOD = "scrypt"


def _hash(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_HASH_METHOD)


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash no password matches, checked for an unknown name so that it costs what a known one does; made
    on first use (not at import: every CLI command would pay for it)."""
    return generate_password_hash("not-a-password-of-anyone", method=method)


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not re.fullmatch(r"[\w\u4e00-\u9fff.-]{1,50}", name):
        raise InputError("name", "须为1至50个汉字、字母、数字或 . - _")
    return name


def _check_role(role: Any) -> str:
    if role not in ROLES:
        raise InputError("role", "须为以下之一：%(allowed)s", allowed=choices(ROLES))
    return role


def _check_password(password: Any) -> str:
    if not isinstance(password, str) or len(password) < 10:
        raise InputError("password", "至少10个字符")
    if len(password) > 200:
        raise InputError("password", "最多200个字符")
    return password


def audit(store: UnitOfWork, kind: str, clock: Clock, actor: str | None = None, subject: str | None = None,
          detail: dict | None = None, addr: str | None = None) -> None:
    """Record a security event (user_created, sign_in_failed, token_revoked, export, backup…)."""
    store.audit.append(kind, plain(actor), plain(subject), detail, addr, format_time(clock.now()))


def _require_user(store: UnitOfWork, name: str) -> dict[str, Any]:
    user = store.people.user(name)
    if user is None:
        raise NotFound("user", name)
    return user


def _check_unit(unit: Any) -> str | None:
    """The office a user works for: a unit by today's name, as the directory and the plans name it; None
    leaves the instance's duty room (``DUTY_ROOM``)."""
    if unit in (None, ""):
        return None
    return clean_text(unit, "unit", 100, required=True)


def add_user(store: UnitOfWork, name: str, role: str, password: str, clock: Clock, actor: str = "cli",
             demo: bool = False, unit: str | None = None) -> None:
    """Create a user, or reset an existing user's role, office and password (which signs them out everywhere).
    ``unit``: the office the user works for (None: the instance's duty room).

    Raises InputError for a bad name, role, unit or weak password.
    """
    _check_name(name), _check_role(role), _check_password(password)
    unit = _check_unit(unit)
    stamp = format_time(clock.now())

    def detail(before):
        return {"role": role, **({"previous_role": before["role"]} if before else {}), "demo": demo,
                **({"unit": unit} if unit else {})}

    existed = store.people.user(name) is not None
    store.people.save_user({"name": name, "role": role, "unit": unit, "password_hash": _hash(password),
                            "created_at": stamp, "updated_at": stamp, "disabled": 0, "demo": int(demo)},
                           ("user_updated" if existed else "user_created", actor, detail, stamp))


def set_role(store: UnitOfWork, name: str, role: str, clock: Clock, actor: str = "cli") -> None:
    """Change a user's role; their sessions end (they sign in again under the new role)."""
    _check_role(role)
    old = _require_user(store, name)
    stamp = format_time(clock.now())
    store.people.change_user(name, {"role": role, "updated_at": stamp},
                             ("role_changed", actor, {"from": old["role"], "to": role}, stamp))


def set_unit(store: UnitOfWork, name: str, unit: str | None, clock: Clock, actor: str = "cli") -> None:
    """Move a user to another office; their sessions end, so every page they see speaks for the new one."""
    unit = _check_unit(unit)
    old = _require_user(store, name)
    stamp = format_time(clock.now())
    store.people.change_user(name, {"unit": unit, "updated_at": stamp},
                             ("unit_changed", actor, {"from": old.get("unit") or "", "to": unit or ""}, stamp))


def change_user(store: UnitOfWork, name: str, changes: dict[str, str | None], clock: Clock, actor: str) -> None:
    """The administrator's page changes one user: ``role``, ``password``, ``disabled`` ("1"/"0") and, when ``unit`` is
    among the changes, the office (None: the duty room). An administrator cannot disable or demote themselves (the last one would lock everyone out
    of the console's management): refused naming the user."""
    if name == actor and (changes.get("disabled") == "1" or changes.get("role") not in (None, "administrator")):
        raise InputError("name", "不能停用自己或改变自己的角色")
    if changes.get("role"):
        set_role(store, name, changes["role"], clock, actor=actor)
    if "unit" in changes:
        set_unit(store, name, changes["unit"], clock, actor=actor)
    if changes.get("password"):
        reset_password(store, name, changes["password"], clock, actor=actor)
    if changes.get("disabled") in ("0", "1"):
        set_disabled(store, name, changes["disabled"] == "1", clock, actor=actor)


def reset_password(store: UnitOfWork, name: str, password: str, clock: Clock, actor: str = "cli") -> None:
    _check_password(password)
    _require_user(store, name)
    stamp = format_time(clock.now())
    store.people.change_user(name, {"password_hash": _hash(password), "updated_at": stamp},
                             ("password_reset", actor, {}, stamp))


def set_disabled(store: UnitOfWork, name: str, disabled: bool, clock: Clock, actor: str = "cli") -> None:
    """Disable (or enable) a user: a disabled user's sessions and tokens stop working at once."""
    _require_user(store, name)
    stamp = format_time(clock.now())
    store.people.change_user(name, {"disabled": int(disabled), "updated_at": stamp},
                             ("user_disabled" if disabled else "user_enabled", actor, {}, stamp))


def sign_out_everywhere(store: UnitOfWork, name: str, clock: Clock, actor: str = "cli") -> int:
    """End every session of a user. Returns how many there were."""
    _require_user(store, name)
    return store.people.end_sessions(name, actor, format_time(clock.now()))


def retire_demo_users(store: UnitOfWork, clock: Clock) -> list[str]:
    """Disable the accounts a ``--demo`` start made (each start makes new ones; none outlives its demo)."""
    names = store.people.demo_names()
    for name in names:
        set_disabled(store, name, True, clock, actor="serve")
    return names


# ------------------------------------------------------------------ sign-in
FIRST_DELAY = timedelta(seconds=30)  # an address's wait after its first failure on a locked account; it doubles


def recent_failures(store: UnitOfWork, name: str, now: datetime) -> list[dict[str, Any]]:
    """The failed sign-ins for ``name`` in the throttling window (and since its last unlock), oldest first."""
    return store.audit.failed_sign_ins(name, format_time(now - FAILED_WINDOW))


def locked_for(store: UnitOfWork, name: str, now: datetime, addr: str | None = None) -> int:
    """Seconds until a sign-in to ``name`` from ``addr`` may be tried (0: now).

    Five failures in 15 minutes lock the account, but not against everyone (anyone could lock the
    commander out at night): an address that has made no failed attempt on it in the window still gets through
    with the right password; an address that has waits, 30 seconds after its first failure, doubling with
    each, at most what is left of the window. An administrator's unlock clears the count."""
    fails = recent_failures(store, name, now)
    if len(fails) < FAILED_LIMIT:
        return 0
    mine = [f for f in fails if f["addr"] == (addr or "")]
    if not mine:
        return 0
    delay = min(FIRST_DELAY * 2 ** (len(mine) - 1), FAILED_WINDOW)
    until = min(parse_time(mine[-1]["at"], "at") + delay, parse_time(fails[-FAILED_LIMIT]["at"], "at") + FAILED_WINDOW)
    return max(0, math.ceil((until - now).total_seconds()))


def locked_accounts(store: UnitOfWork, now: datetime) -> list[dict[str, Any]]:
    """The accounts locked now (five failures in the window since their last unlock), for the administrator:
    each with its failures and the addresses they came from."""
    out = []
    for name in sorted(store.audit.failed_names(format_time(now - FAILED_WINDOW))):
        fails = recent_failures(store, name, now)
        if len(fails) >= FAILED_LIMIT:
            out.append({"name": name, "failures": len(fails), "last": fails[-1]["at"],
                        "addresses": sorted({f["addr"] for f in fails if f["addr"]})})
    return out


def unlock(store: UnitOfWork, name: str, clock: Clock, actor: str) -> None:
    """Clear a locked account's failures (a security event); the user signs in again at once."""
    audit(store, "account_unlocked", clock, actor=actor, subject=name)


def check_password(store: UnitOfWork, name: str, password: str, clock: Clock | None = None,
                   addr: str | None = None) -> dict[str, Any] | None:
    """The user when the password is right and the account enabled, else None (same answer for an unknown name).

    With a ``clock``, the attempt is recorded as a security event.
    """
    name = name if isinstance(name, str) else ""
    user = store.people.user(name[:50])
    ok = (check_password_hash(user["password_hash"] if user else _dummy_hash(PASSWORD_HASH_METHOD), password or "")
          and user is not None and not user["disabled"])
    if clock is not None:  # on a full disk the attempt is not recorded, and signing in goes on
        _bookkeeping(lambda: audit(store, "sign_in" if ok else "sign_in_failed", clock, actor=name[:50] if ok else None,
                                   subject=name[:50], addr=addr))
    return {"name": user["name"], "role": user["role"], "unit": user.get("unit")} if ok else None


def start_session(store: UnitOfWork, name: str, clock: Clock, addr: str | None = None) -> str:
    """A new server-side session; returns its id (kept only in the signed cookie)."""
    sid = secrets.token_urlsafe(32)
    stamp = format_time(clock.now())
    store.people.add_session({"sid_hash": _sha(sid), "name": name, "created_at": stamp, "last_seen": stamp,
                              "addr": addr or ""})
    return sid


def end_session(store: UnitOfWork, sid: str | None, clock: Clock, addr: str | None = None) -> None:
    if sid:
        store.people.drop_session(_sha(sid), format_time(clock.now()), addr)


def user_for_session(store: UnitOfWork, sid: str | None, clock: Clock, idle: timedelta) -> dict[str, Any] | None:
    """The user of a live session, or None (unknown, revoked, idle too long, or the user disabled).

    Refreshes ``last_seen`` at most once a minute.
    """
    if not sid or not isinstance(sid, str):
        return None
    session = store.people.session(_sha(sid))
    if session is None or session["disabled"]:
        return None
    now = clock.now()
    last = parse_time(session["last_seen"], "last_seen")
    if now - last > idle:
        store.people.drop_session(_sha(sid))
        return None
    if now - last > timedelta(minutes=1):
        _bookkeeping(lambda: store.people.touch_session(_sha(sid), format_time(now)))
    return {"name": session["name"], "role": session["role"], "unit": session.get("unit")}


def _bookkeeping(write) -> bool:
    """A write that only keeps the books of a read (a session's or a token's last use): on a full disk it is
    skipped, so reading goes on (a full disk answered 507 to an idle token's first request). True when
    it was written."""
    try:
        write()
        return True
    except StorageFull:
        return False


def user_for_unstored_session(store: UnitOfWork, held: Any, clock: Clock) -> dict[str, Any] | None:
    """The user of a sign-in made while the disk was full (its session could not be stored): held in the signed
    cookie (``{"name", "until"}``) for at most UNSTORED_SESSION, while the user exists and is enabled."""
    if not isinstance(held, dict) or not isinstance(held.get("name"), str) or not isinstance(held.get("until"), str):
        return None
    try:
        if parse_time(held["until"], "until") <= clock.now():
            return None
    except InputError:
        return None
    user = store.people.user(held["name"])
    return {"name": user["name"], "role": user["role"], "unit": user.get("unit")} if user and not user["disabled"] else None


def get_user(store: UnitOfWork, name: str) -> dict[str, Any] | None:
    user = store.people.user(name)
    return {"name": user["name"], "role": user["role"], "unit": user.get("unit"), "disabled": user["disabled"]} if user else None


def list_users(store: UnitOfWork) -> list[dict[str, Any]]:
    return store.people.users()


def count_users(store: UnitOfWork) -> int:
    return store.people.count_enabled()


# ------------------------------------------------------------------ tokens
def create_token(store: UnitOfWork, name: str, clock: Clock, days: int = DEFAULT_TOKEN_DAYS, actor: str = "cli",
                 scope: str | None = None) -> str:
    """A new token for a user, valid for ``days``; printed once, stored only as its hash. ``scope`` None: an API
    token; ``CALENDAR``: a calendar subscription, which opens its user's roster calendar and nothing else."""
    if get_user(store, name) is None:
        raise NotFound("user", name)
    if not isinstance(days, int) or not 1 <= days <= 3650:
        raise InputError("days", "须为1至3650的整数天数")
    token = ("cal_" if scope == CALENDAR else "emg_") + secrets.token_urlsafe(32)
    token_id = "tok-" + secrets.token_hex(4)
    now = clock.now()
    store.people.add_token({"token_hash": _sha(token), "name": name, "created_at": format_time(now), "id": token_id,
                            "expires_at": format_time(now + timedelta(days=days)), "last_used_at": None,
                            "revoked_at": None, "scope": scope}, actor,
                           {"token": token_id, "days": days} | ({"scope": scope} if scope else {}))
    return token


# A calendar subscription: one per user, a year long (a phone polls it; renewing means a new address on the phone)
CALENDAR = "calendar"
CALENDAR_DAYS = 365


def subscribe_calendar(store: UnitOfWork, name: str, clock: Clock) -> str:
    """A new calendar subscription token for ``name``, the user's earlier one revoked (one address per user: a new
    one is how a lost phone's is shut)."""
    revoke_calendar(store, name, clock)
    return create_token(store, name, clock, CALENDAR_DAYS, actor=name, scope=CALENDAR)


def calendar_subscriptions(store: UnitOfWork, name: str, clock: Clock) -> list[dict[str, Any]]:
    """The user's live calendar subscriptions (at most one, but an administrator's list shows any)."""
    now = clock.now()
    return [t for t in store.people.tokens(name) if t.get("scope") == CALENDAR and t["revoked_at"] is None
            and t["expires_at"] and parse_time(t["expires_at"], "expires_at") > now]


def revoke_calendar(store: UnitOfWork, name: str, clock: Clock) -> int:
    """Revoke the user's calendar subscriptions; how many there were."""
    live = calendar_subscriptions(store, name, clock)
    for t in live:
        revoke_token(store, t["id"], clock, actor=name)
    return len(live)


def list_tokens(store: UnitOfWork, name: str | None = None) -> list[dict[str, Any]]:
    return store.people.tokens(name)


def revoke_token(store: UnitOfWork, token_id: str, clock: Clock, actor: str = "cli") -> None:
    store.people.revoke_token(token_id, actor, format_time(clock.now()))


def user_for_token(store: UnitOfWork, token: str, clock: Clock, scope: str | None = None) -> dict[str, Any] | None:
    """The user of a valid token of ``scope`` (not revoked, not expired, user enabled), recording its last use (per
    minute). A calendar subscription is no API token, and an API token opens no calendar address."""
    row = store.people.token(_sha(token))
    if row is None or row["revoked_at"] is not None or row["disabled"] or row.get("scope") != scope:
        return None
    now = clock.now()
    if row["expires_at"] is None or parse_time(row["expires_at"], "expires_at") <= now:  # first-version tokens had none
        return None
    if row["last_used_at"] is None or now - parse_time(row["last_used_at"], "last_used_at") > timedelta(minutes=1):
        _bookkeeping(lambda: store.people.touch_token(_sha(token), format_time(now)))
    return {"name": row["name"], "role": row["role"], "unit": row.get("unit")}


def security_log(store: UnitOfWork, limit: int = 500) -> list[dict[str, Any]]:
    return store.audit.log(limit)
