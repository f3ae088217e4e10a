"""The store's table groups other than incidents and events: people (users, sessions, tokens and the
security log), drills (runs and the scenarios written in the browser) and improvement items.

Every SQL statement of the service lives in ``emergency.store`` and here; the engine modules and
the web layer call these methods. Each write runs in the store's ``write()`` transaction, so a
change and its audit row are written together or not at all.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlite_utils.db import NotFoundError

from ..errors import NotFound

if TYPE_CHECKING:
    from .sqlite import Store

USER_COLUMNS = ("name", "role", "unit", "disabled", "demo", "created_at", "updated_at")
TOKEN_COLUMNS = ("id", "name", "created_at", "expires_at", "last_used_at", "revoked_at")
AUDIT_COLUMNS = ("seq", "at", "kind", "actor", "subject", "detail", "addr")


class People:
    """Users, their server-side sessions and API tokens (hashes only), and security events."""

    def __init__(self, store: Store):
        self.store = store

    def user(self, name: str) -> dict[str, Any] | None:
        """A user's row (with ``password_hash``), or None."""
        try:
            row = self.store.db["users"].get(name)
        except NotFoundError:
            return None
        return {**row, "disabled": bool(row.get("disabled")), "demo": bool(row.get("demo"))}

    def users(self) -> list[dict[str, Any]]:
        return [{k: (bool(r.get(k)) if k in ("disabled", "demo") else r.get(k)) for k in USER_COLUMNS}
                for r in self.store.db["users"].rows_where(order_by="name")]

    def count_enabled(self) -> int:
        return self.store.db["users"].count_where("coalesce(disabled, 0) = 0")

    def demo_names(self) -> list[str]:
        return [r["name"] for r in self.store.db["users"].rows_where("demo = 1 AND coalesce(disabled, 0) = 0")]

    def save_user(self, row: dict[str, Any], audit: tuple) -> dict[str, Any] | None:
        """Create or replace a user, end their sessions and record ``audit`` (kind, actor, detail, at) in one
        transaction. Returns the row it replaced, if any."""
        with self.store.write() as db:
            before = self.user(row["name"])
            db["users"].upsert(row, pk="name")
            db["sessions"].delete_where("name = ?", [row["name"]])
            kind, actor, detail, at = audit
            self.store._insert_audit(kind, actor, row["name"], detail(before) if callable(detail) else detail, None, at)
        return before

    def change_user(self, name: str, changes: dict[str, Any], audit: tuple) -> None:
        """Change a user's columns, end their sessions and record ``audit`` (kind, actor, detail, at)."""
        with self.store.write() as db:
            db["users"].update(name, changes)
            db["sessions"].delete_where("name = ?", [name])
            kind, actor, detail, at = audit
            self.store._insert_audit(kind, actor, name, detail, None, at)

    def end_all_sessions(self) -> int:
        """Every session ended (a new session key): how many there were."""
        with self.store.write() as db:
            return db.execute("DELETE FROM sessions").rowcount

    def end_sessions(self, name: str, actor: str, at: str) -> int:
        with self.store.write() as db:
            n = db.execute("DELETE FROM sessions WHERE name = ?", [name]).rowcount
            self.store._insert_audit("signed_out_everywhere", actor, name, {"sessions": n}, None, at)
        return n

    # ---- sessions
    def add_session(self, row: dict[str, Any]) -> None:
        with self.store.write() as db:
            db["sessions"].insert(row)

    def session(self, sid_hash: str) -> dict[str, Any] | None:
        """The session with its user's role and whether the user is disabled, or None."""
        row = self.store.db.execute(
            "SELECT s.name, u.role, s.last_seen, coalesce(u.disabled, 0), u.unit FROM sessions s JOIN users u "
            "ON u.name = s.name WHERE s.sid_hash = ?", [sid_hash]).fetchone()
        return None if row is None else {"name": row[0], "role": row[1], "last_seen": row[2], "disabled": bool(row[3]),
                                         "unit": row[4]}

    def drop_session(self, sid_hash: str, audit_at: str | None = None, addr: str | None = None) -> None:
        """End one session; with ``audit_at``, record the sign-out."""
        with self.store.write() as db:
            row = db.execute("SELECT name FROM sessions WHERE sid_hash = ?", [sid_hash]).fetchone()
            db["sessions"].delete_where("sid_hash = ?", [sid_hash])
            if row and audit_at:
                self.store._insert_audit("sign_out", row[0], row[0], {}, addr, audit_at)

    def touch_session(self, sid_hash: str, at: str) -> None:
        with self.store.write() as db:
            db["sessions"].update(sid_hash, {"last_seen": at})

    # ---- tokens
    def add_token(self, row: dict[str, Any], actor: str, detail: dict[str, Any]) -> None:
        with self.store.write() as db:
            db["tokens"].insert(row)
            self.store._insert_audit("token_created", actor, row["name"], detail, None, row["created_at"])

    def tokens(self, name: str | None = None) -> list[dict[str, Any]]:
        where = ("name = ?", [name]) if name else (None, None)
        return [{k: r.get(k) for k in TOKEN_COLUMNS}
                for r in self.store.db["tokens"].rows_where(where[0], where[1], order_by="created_at")]

    def revoke_token(self, token_id: str, actor: str, at: str) -> None:
        with self.store.write() as db:
            row = next(db["tokens"].rows_where("id = ?", [token_id]), None)
            if row is None:
                raise NotFound("token", token_id)
            if row["revoked_at"] is None:
                db["tokens"].update(row["token_hash"], {"revoked_at": at})
                self.store._insert_audit("token_revoked", actor, row["name"], {"token": token_id}, None, at)

    def token(self, token_hash: str) -> dict[str, Any] | None:
        """A token with its user's role and whether the user is disabled, or None."""
        row = self.store.db.execute(
            "SELECT t.name, u.role, t.expires_at, t.revoked_at, t.last_used_at, coalesce(u.disabled, 0), u.unit "
            "FROM tokens t JOIN users u ON u.name = t.name WHERE t.token_hash = ?", [token_hash]).fetchone()
        if row is None:
            return None
        return dict(zip(("name", "role", "expires_at", "revoked_at", "last_used_at"), row[:5], strict=False)) | {
            "disabled": bool(row[5]), "unit": row[6]}

    def touch_token(self, token_hash: str, at: str) -> None:
        with self.store.write() as db:
            db["tokens"].update(token_hash, {"last_used_at": at})

    # ---- security events
    def failed_sign_ins(self, name: str, since: str) -> list[dict[str, Any]]:
        """The failed sign-ins for ``name`` since ``since`` and since an administrator last unlocked it, oldest
        first: each its time and the address it came from."""
        unlocked = [r["seq"] for r in self.store.db["audit"].rows_where(
            "kind = 'account_unlocked' AND subject = ?", [name], order_by="seq desc", limit=1, select="seq")]
        return [{"at": r["at"], "addr": r["addr"] or ""} for r in self.store.db["audit"].rows_where(
            "kind = 'sign_in_failed' AND subject = ? AND at >= ? AND seq > ?", [name, since, unlocked[0] if unlocked else 0],
            order_by="seq", select="at, addr")]

    def failed_names(self, since: str) -> list[str]:
        """The names with a failed sign-in since ``since`` (those an administrator may find locked)."""
        return [r["subject"] for r in self.store.db["audit"].rows_where(
            "kind = 'sign_in_failed' AND at >= ? AND subject IS NOT NULL", [since], select="DISTINCT subject")]

    def security_log(self, limit: int = 500) -> list[dict[str, Any]]:
        return [{k: r[k] for k in AUDIT_COLUMNS}
                for r in self.store.db["audit"].rows_where(order_by="seq desc", limit=limit)]


class Drills:
    """Drill runs (their simulated clock, fired steps and log) and the scenarios written in the browser."""

    def __init__(self, store: Store):
        self.store = store

    def scenario_texts(self) -> list[tuple[str, str]]:
        return [(r["id"], r["yaml"]) for r in self.store.db["scenarios"].rows_where(order_by="id")]

    def save_scenario(self, scenario_id: str, text: str, actor: str, at: str) -> None:
        with self.store.write() as db:
            db["scenarios"].upsert({"id": scenario_id, "yaml": text, "created_by": actor, "created_at": at}, pk="id")

    def get(self, drill_id: str) -> dict[str, Any]:
        """The drill's row with its variation and log decoded (the scenario stays JSON). Raises NotFound."""
        try:
            row = dict(self.store.db["drills"].get(drill_id))
        except NotFoundError:
            raise NotFound("drill", str(drill_id)[:64]) from None
        row["variation"] = json.loads(row["variation"]) if row["variation"] else None
        row["log"] = json.loads(row["log"])
        return row

    def ids(self) -> list[str]:
        return [r["id"] for r in self.store.db["drills"].rows_where(order_by="created_at desc", select="id")]

    def times(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.store.db["drills"].rows_where(select="id, created_at")]

    def insert(self, row: dict[str, Any]) -> None:
        with self.store.write() as db:
            db["drills"].insert(row)

    def update(self, drill_id: str, version: int, changes: dict[str, Any]) -> bool:
        """Apply ``changes`` if the drill is still at ``version`` (and count a new version). False if it is not."""
        sets = ", ".join(f"\"{k}\" = ?" for k in changes)
        with self.store.write() as db:
            cur = db.execute(f"UPDATE drills SET {sets}, version = version + 1 WHERE id = ? AND version = ?",
                             [*changes.values(), drill_id, version])
        return cur.rowcount == 1

    def claim_step(self, drill_id: str, index: int) -> bool:
        """Claim step ``index`` (the next one to fire), so two requests never fire it twice."""
        with self.store.write() as db:
            cur = db.execute("UPDATE drills SET fired = ?, version = version + 1 WHERE id = ? AND fired = ?",
                             [index + 1, drill_id, index])
        return cur.rowcount == 1

    def append_log(self, drill_id: str, entry: dict[str, Any]) -> None:
        with self.store.write() as db:
            log = json.loads(db["drills"].get(drill_id)["log"])
            log.append(entry)
            db["drills"].update(drill_id, {"log": json.dumps(log, ensure_ascii=False)})


class Improvements:
    """整改事项: improvement items from drills' findings, each with an owner and a due date."""

    def __init__(self, store: Store):
        self.store = store

    def add(self, row: dict[str, Any]) -> None:
        with self.store.write() as db:
            db["improvements"].insert(row)

    def list(self, drill_id: str | None = None, open_only: bool = False) -> list[dict[str, Any]]:
        where, params = [], []
        if drill_id:
            where.append("drill_id = ?")
            params.append(drill_id)
        if open_only:
            where.append("status = 'open'")
        return [dict(r) for r in self.store.db["improvements"].rows_where(
            " AND ".join(where) or None, params, order_by="status desc, due, id")]

    def close(self, item_id: int, by: str, at: str) -> None:
        with self.store.write() as db:
            db.execute("UPDATE improvements SET status = 'closed', closed_by = ?, closed_at = ? "
                       "WHERE id = ? AND status = 'open'", [by, at, item_id])


class Directory:
    """The contact directory (通讯录): one row a unit's own line or a person in it; every change audited."""

    COLUMNS = ("unit", "name", "position", "office_phone", "mobile", "fax", "duty_line", "precedence")

    def __init__(self, store: Store):
        self.store = store

    def count(self) -> int:
        return self.store.db.execute("SELECT count(*) FROM contacts").fetchone()[0]

    def rows(self) -> list[dict[str, Any]]:
        """Every line, by unit, the unit's own lines first, then by 顺序."""
        rows = self.store.db.execute(f"SELECT id, {', '.join(self.COLUMNS)} FROM contacts "
                                     "ORDER BY unit, name = '' DESC, precedence, id").fetchall()
        return [dict(zip(("id", *self.COLUMNS), r, strict=False)) for r in rows]

    def replace(self, rows: list[list[Any]], actor: str, at: str) -> None:
        """The whole directory replaced by ``rows`` (in COLUMNS order), with an audit entry, in one transaction."""
        with self.store.write() as db:
            db.execute("DELETE FROM contacts")
            if rows:
                self.store.insert_rows("contacts", [*self.COLUMNS, "updated_by", "updated_at"],
                                       [[*r, actor, at] for r in rows])
            self.store._insert_audit("directory_imported", actor, None, {"rows": len(rows)}, None, at)

    def save(self, cells: list[Any], contact_id: int | None, actor: str, at: str, refuse) -> None:
        """Add one line (``contact_id`` None) or change one; ``refuse(reason)`` is raised as the caller words it
        when the line no longer exists (``gone``) or would list a unit or person twice (``twin``)."""
        unit, name = cells[0], cells[1]
        with self.store.write() as db:
            if contact_id is not None and not db.execute("SELECT 1 FROM contacts WHERE id = ?",
                                                         [contact_id]).fetchone():
                raise refuse("gone")
            if db.execute("SELECT id FROM contacts WHERE unit = ? AND coalesce(name, '') = ? AND id != ?",
                          [unit, name, contact_id or -1]).fetchone():
                raise refuse("twin")
            if contact_id is None:
                self.store.insert_rows("contacts", [*self.COLUMNS, "updated_by", "updated_at"], [[*cells, actor, at]])
            else:
                db.execute(f"UPDATE contacts SET {', '.join(f'{c} = ?' for c in (*self.COLUMNS, 'updated_by', 'updated_at'))} "
                           "WHERE id = ?", [*cells, actor, at, contact_id])
            self.store._insert_audit("contact_saved", actor, unit, {"name": name, "id": contact_id}, None, at)

    def delete(self, contact_id: int, actor: str, at: str, refuse) -> None:
        with self.store.write() as db:
            row = db.execute("SELECT unit, name FROM contacts WHERE id = ?", [contact_id]).fetchone()
            if row is None:
                raise refuse("gone")
            db.execute("DELETE FROM contacts WHERE id = ?", [contact_id])
            self.store._insert_audit("contact_deleted", actor, row[0], {"name": row[1] or "", "id": contact_id}, None, at)


class Roster:
    """The duty roster (值班表): shifts by unit; an import replaces the units it names, audited."""

    COLUMNS = ("unit", "shift", "starts_at", "ends_at", "officer", "officer_phone", "leader", "leader_phone")

    def __init__(self, store: Store):
        self.store = store

    def count(self) -> int:
        return self.store.db.execute("SELECT count(*) FROM roster").fetchone()[0]

    def replace(self, units: list[str], rows: list[list[Any]], actor: str, at: str) -> None:
        with self.store.write() as db:
            for unit in units:
                db.execute("DELETE FROM roster WHERE unit = ?", [unit])
            self.store.insert_rows("roster", [*self.COLUMNS, "updated_by", "updated_at"],
                                   [[*r, actor, at] for r in rows])
            self.store._insert_audit("roster_imported", actor, None, {"rows": len(rows), "units": units}, None, at)

    def rows(self, since: str | None = None) -> list[dict[str, Any]]:
        """The shifts (ending after ``since``, when given), by unit and start."""
        sql, params = f"SELECT {', '.join(self.COLUMNS)} FROM roster", []
        if since:
            sql += " WHERE ends_at > ?"
            params.append(since)
        return [dict(zip(self.COLUMNS, r, strict=False))
                for r in self.store.db.execute(sql + " ORDER BY unit, starts_at", params).fetchall()]
