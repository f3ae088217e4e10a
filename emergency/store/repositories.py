"""The store's table groups other than incidents and events: people (users, sessions, tokens and the
security log), drills (runs and the scenarios written in the browser) and improvement items.

Every SQL statement of the service lives in ``emergency.store`` and here; the engine modules and
the web layer call these methods. Each write runs in the store's ``write()`` transaction, so a
change and its audit row are written together or not at all.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol

from ..core.chains import record_digest
from ..core.errors import NotFound, Refused
from ..core.wording import N_
from .table import count_rows, delete_rows, insert_row, one_row, select_rows, update_row, upsert_row
from .where import insert_sql, where



class Store(Protocol):
    """What a repository needs of the store it lives in: its connection, its write transaction and its audit log
    (written in the same transaction as the repository's rows). The SQLite and PostgreSQL stores are both this."""
    db: Any
    key: bytes

    def write(self) -> Any: ...

    def audit_in_transaction(self, kind: str, actor: str | None, subject: str | None, detail: dict | None, addr: str | None,
                      at: str) -> None: ...

# an intake's status in words, for the refusal when two windows act on one report
INTAKE_STATUS_WORDS = {"open": N_("待处理"), "incident": N_("已立事件"), "no_incident": N_("不立事件")}

USER_COLUMNS = ("name", "role", "unit", "disabled", "demo", "created_at", "updated_at")
TOKEN_COLUMNS = ("id", "name", "created_at", "expires_at", "last_used_at", "revoked_at", "scope")
AUDIT_COLUMNS = ("seq", "at", "kind", "actor", "subject", "detail", "addr")


class People:
    """Users, their server-side sessions and API tokens (hashes only); their security events are ``Audit``'s."""

    def __init__(self, store: Store):
        self.store = store

    def user(self, name: str) -> dict[str, Any] | None:
        """A user's row (with ``password_hash``), or None."""
        row = one_row(self.store.db, "users", "name", name)
        if row is None:
            return None
        return {**row, "disabled": bool(row.get("disabled")), "demo": bool(row.get("demo"))}

    def users(self) -> list[dict[str, Any]]:
        return [{k: (bool(r.get(k)) if k in ("disabled", "demo") else r.get(k)) for k in USER_COLUMNS}
                for r in select_rows(self.store.db, "users", order_by="name")]

    def count_enabled(self) -> int:
        return count_rows(self.store.db, "users", "coalesce(disabled, 0) = 0")

    def demo_names(self) -> list[str]:
        return [r["name"] for r in select_rows(self.store.db, "users", "demo = 1 AND coalesce(disabled, 0) = 0")]

    def save_user(self, row: dict[str, Any], audit: tuple) -> dict[str, Any] | None:
        """Create or replace a user, end their sessions and record ``audit`` (kind, actor, detail, at) in one
        transaction. Returns the row it replaced, if any."""
        with self.store.write() as db:
            before = self.user(row["name"])
            upsert_row(db, "users", row, "name")
            delete_rows(db, "sessions", "name = ?", [row["name"]])
            kind, actor, detail, at = audit
            self.store.audit_in_transaction(kind, actor, row["name"], detail(before) if callable(detail) else detail, None, at)
        return before

    def change_user(self, name: str, changes: dict[str, Any], audit: tuple) -> None:
        """Change a user's columns, end their sessions and record ``audit`` (kind, actor, detail, at)."""
        with self.store.write() as db:
            update_row(db, "users", "name", name, changes)
            delete_rows(db, "sessions", "name = ?", [name])
            kind, actor, detail, at = audit
            self.store.audit_in_transaction(kind, actor, name, detail, None, at)

    def end_all_sessions(self) -> int:
        """Every session ended (a new session key): how many there were."""
        with self.store.write() as db:
            return db.execute("DELETE FROM sessions").rowcount

    def end_sessions(self, name: str, actor: str, at: str) -> int:
        with self.store.write() as db:
            n = db.execute("DELETE FROM sessions WHERE name = ?", [name]).rowcount
            self.store.audit_in_transaction("signed_out_everywhere", actor, name, {"sessions": n}, None, at)
        return n

    # ---- sessions
    def add_session(self, row: dict[str, Any]) -> None:
        with self.store.write() as db:
            insert_row(db, "sessions", row)

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
            delete_rows(db, "sessions", "sid_hash = ?", [sid_hash])
            if row and audit_at:
                self.store.audit_in_transaction("sign_out", row[0], row[0], {}, addr, audit_at)

    def touch_session(self, sid_hash: str, at: str) -> None:
        with self.store.write() as db:
            update_row(db, "sessions", "sid_hash", sid_hash, {"last_seen": at})

    # ---- tokens
    def add_token(self, row: dict[str, Any], actor: str, detail: dict[str, Any]) -> None:
        with self.store.write() as db:
            insert_row(db, "tokens", row)
            self.store.audit_in_transaction("token_created", actor, row["name"], detail, None, row["created_at"])

    def tokens(self, name: str | None = None) -> list[dict[str, Any]]:
        where = ("name = ?", [name]) if name else (None, None)
        return [{k: r.get(k) for k in TOKEN_COLUMNS}
                for r in select_rows(self.store.db, "tokens", where[0], where[1] or (), order_by="created_at")]

    def revoke_token(self, token_id: str, actor: str, at: str) -> None:
        with self.store.write() as db:
            row = one_row(db, "tokens", "id", token_id)
            if row is None:
                raise NotFound("token", token_id)
            if row["revoked_at"] is None:
                update_row(db, "tokens", "token_hash", row["token_hash"], {"revoked_at": at})
                self.store.audit_in_transaction("token_revoked", actor, row["name"], {"token": token_id}, None, at)

    def token(self, token_hash: str) -> dict[str, Any] | None:
        """A token with its user's role and whether the user is disabled, or None."""
        row = self.store.db.execute(
            "SELECT t.name, u.role, t.expires_at, t.revoked_at, t.last_used_at, coalesce(u.disabled, 0), u.unit, "
            "t.scope FROM tokens t JOIN users u ON u.name = t.name WHERE t.token_hash = ?", [token_hash]).fetchone()
        if row is None:
            return None
        return dict(zip(("name", "role", "expires_at", "revoked_at", "last_used_at"), row[:5], strict=False)) | {
            "disabled": bool(row[5]), "unit": row[6], "scope": row[7]}

    def touch_token(self, token_hash: str, at: str) -> None:
        with self.store.write() as db:
            update_row(db, "tokens", "token_hash", token_hash, {"last_used_at": at})



class Audit:
    """The security log (审计): who did what to whom, from where — each event chained and keyed like incident
    events, written in the transaction of what it records (``Store.audit_in_transaction``) or on its own
    (``append``); and what the sign-in checks and the administrator read of it."""

    def __init__(self, store: Store):
        self.store = store

    def append(self, kind: str, actor: str | None, subject: str | None, detail: dict | None, addr: str | None,
               at: str) -> None:
        """One security event on its own, in its own transaction."""
        with self.store.write():
            self.store.audit_in_transaction(kind, actor, subject, detail, addr, at)

    def failed_sign_ins(self, name: str, since: str) -> list[dict[str, Any]]:
        """The failed sign-ins for ``name`` since ``since`` and since an administrator last unlocked it, oldest
        first: each its time and the address it came from."""
        unlocked = [r["seq"] for r in select_rows(
            self.store.db, "audit", "kind = 'account_unlocked' AND subject = ?", [name], order_by="seq desc", limit=1,
            columns="seq")]
        return [{"at": r["at"], "addr": r["addr"] or ""} for r in select_rows(
            self.store.db, "audit", "kind = 'sign_in_failed' AND subject = ? AND at >= ? AND seq > ?",
            [name, since, unlocked[0] if unlocked else 0], order_by="seq", columns="at, addr")]

    def failed_names(self, since: str) -> list[str]:
        """The names with a failed sign-in since ``since`` (those an administrator may find locked)."""
        return [r["subject"] for r in select_rows(
            self.store.db, "audit", "kind = 'sign_in_failed' AND at >= ? AND subject IS NOT NULL", [since],
            columns="DISTINCT subject")]

    def log(self, limit: int = 500) -> list[dict[str, Any]]:
        return [{k: r[k] for k in AUDIT_COLUMNS}
                for r in select_rows(self.store.db, "audit", order_by="seq desc", limit=limit)]


class Documents:
    """Issued reports (首报、续报、终报) as issued: their rows, the 发文字号 reserved for each, each office's prefix, the
    PDF printed late, and the header lines (主送, 抄送, 签发人 …) each office last used, per kind."""

    def __init__(self, store: Store):
        self.store = store

    def issued(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's issued documents, oldest first, without their content (with the draft they were made from:
        who signed them)."""
        rows = self.store.db.execute("SELECT id, incident_id, kind, number, title, filename, sha256, size, drill, issued_by, "
                               "issued_at, event_seq, draft FROM documents WHERE incident_id = ? "
                               "ORDER BY issued_at, event_seq", [incident_id]).fetchall()
        keys = ("id", "incident_id", "kind", "number", "title", "filename", "sha256", "size", "drill", "issued_by",
                "issued_at", "event_seq", "draft")
        return [dict(zip(keys, r, strict=False)) for r in rows]

    def reserve_number(self, stem: str, drill: bool, report: tuple[str, str, int], number_of, by: str,
                       at: str) -> str:
        """The 发文字号 of one report — ``report`` is (incident, kind, 续报 n) — under ``stem`` (海应值〔2026〕): the
        one reserved for it before, else the next of the stem's sequence (drills' apart), reserved now in a short
        transaction of its own. ``number_of(seq)`` words it. Numbers issued before reservations existed count."""
        incident_id, kind, report_number = report
        with self.store.write() as db:
            row = db.execute("SELECT number FROM document_reservations r WHERE incident_id = ? AND kind = ? "
                             "AND report_number = ? AND stem = ? AND drill = ? AND NOT EXISTS "
                             "(SELECT 1 FROM documents d WHERE d.doc_number = r.number) ORDER BY seq LIMIT 1",
                             [incident_id, kind, report_number, stem, int(drill)]).fetchone()
            if row:
                return row[0]
            reserved = db.execute("SELECT coalesce(max(seq), 0) FROM document_reservations WHERE stem = ? AND drill = ?",
                                  [stem, int(drill)]).fetchone()[0]
            issued = db.execute("SELECT count(*) FROM documents WHERE doc_number LIKE ? AND drill = ?",
                                [stem + "%", int(drill)]).fetchone()[0]
            seq = max(reserved, issued) + 1
            number = number_of(seq)
            db.execute("INSERT INTO document_reservations (number, stem, drill, seq, incident_id, kind, report_number, "
                       "reserved_by, reserved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [number, stem, int(drill), seq, incident_id, kind, report_number, by, at])
            return number

    def prefixes(self) -> dict[str, str]:
        """Each office's 发文字号 prefix as its administrator set it."""
        return dict(self.store.db.execute("SELECT office, prefix FROM office_prefixes").fetchall())

    def set_prefix(self, office: str, prefix: str | None, by: str, at: str, refuse) -> None:
        """Set (or, with ``prefix`` None, clear) an office's prefix, with its audit row; ``refuse()`` words the refusal
        when another office numbers under it already (one sequence is one office's)."""
        with self.store.write() as db:
            if prefix and db.execute("SELECT 1 FROM office_prefixes WHERE prefix = ? AND office != ?",
                                     [prefix, office]).fetchone():
                raise refuse()
            db.execute("DELETE FROM office_prefixes WHERE office = ?", [office])
            if prefix:
                db.execute("INSERT INTO office_prefixes (office, prefix, updated_by, updated_at) VALUES (?, ?, ?, ?)",
                           [office, prefix, by, at])
            self.store.audit_in_transaction("document_prefix_set", by, office, {"prefix": prefix or ""}, None, at)

    def get(self, document_id: str) -> dict[str, Any]:
        """One issued document with its content (bytes) and the draft it was made from (JSON text)."""
        keys = ("id", "incident_id", "kind", "number", "title", "filename", "sha256", "content", "draft", "drill",
                "issued_by", "issued_at", "event_seq", "pdf", "pdf_sha256")
        columns = ", ".join(f"d.{k}" for k in keys[:-2]) + ", coalesce(d.pdf, p.pdf), coalesce(d.pdf_sha256, p.sha256)"
        row = self.store.db.execute(f"SELECT {columns} FROM documents d LEFT JOIN document_pdfs p ON p.document_id = d.id "
                              "WHERE d.id = ?", [document_id]).fetchone()
        if not row:
            raise NotFound("document", document_id)
        out = dict(zip(keys, row, strict=True))
        out["content"] = bytes(out["content"])
        out["pdf"] = bytes(out["pdf"]) if out["pdf"] is not None else None
        return out

    def keep_pdf(self, document_id: str, pdf: bytes, by: str, at: str) -> bytes:
        """Keep the PDF printed late for a document issued without one, its SHA-256 into the audit chain, and return
        the PDF now kept: this one, or the one another request kept first (so every download serves the same bytes)."""
        digest = hashlib.sha256(pdf).hexdigest()
        with self.store.write() as db:
            row = db.execute("SELECT coalesce(d.pdf, p.pdf) FROM documents d LEFT JOIN document_pdfs p "
                             "ON p.document_id = d.id WHERE d.id = ?", [document_id]).fetchone()
            if row is None:
                raise NotFound("document", document_id)
            if row[0] is not None:
                return bytes(row[0])
            db.execute("INSERT INTO document_pdfs (document_id, pdf, sha256, printed_by, printed_at) "
                       "VALUES (?, ?, ?, ?, ?)", [document_id, pdf, digest, by, at])
            self.store.audit_in_transaction("document_pdf_kept", by, document_id, {"sha256": digest}, None, at)
        return pdf

    def header(self, office: str, kind: str) -> dict[str, str]:
        """The header lines ``office`` last used for a report of ``kind`` (主送, 抄送, 报告单位, 签发人, 联系人; {} before
        its first); the 报告单位, 签发人 and 联系人 of its latest report of any kind when this kind has none yet."""
        cols = ("addressee", "copy_to", "issuer", "signer", "contact")
        row = self.store.db.execute(f"SELECT {', '.join(cols)} FROM report_headers WHERE office = ? AND kind = ?",
                              [office, kind]).fetchone()
        out = {k: v for k, v in zip(cols, row, strict=True) if v} if row else {}
        latest = self.store.db.execute("SELECT issuer, signer, contact FROM report_headers WHERE office = ? "
                                 "ORDER BY updated_at DESC LIMIT 1", [office]).fetchone()
        for k, v in zip(("issuer", "signer", "contact"), latest or (), strict=False):
            if v and not out.get(k):
                out[k] = v
        return out

    def remember_header(self, office: str, kind: str, addressee: str, copy_to: str, by: str, at: str,
                        issuer: str = "", signer: str = "", contact: str = "") -> None:
        with self.store.write() as db:
            db.execute("DELETE FROM report_headers WHERE office = ? AND kind = ?", [office, kind])
            db.execute("INSERT INTO report_headers (office, kind, addressee, copy_to, updated_by, updated_at, issuer, "
                       "signer, contact) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [office, kind, addressee, copy_to, by, at, issuer, signer, contact])


class Drills:
    """Drill runs (their simulated clock, fired steps and log) and the scenarios written in the browser."""

    def __init__(self, store: Store):
        self.store = store

    def scenario_texts(self) -> list[tuple[str, str]]:
        return [(r["id"], r["yaml"]) for r in select_rows(self.store.db, "scenarios", order_by="id")]

    def save_scenario(self, scenario_id: str, text: str, actor: str, at: str) -> None:
        with self.store.write() as db:
            upsert_row(db, "scenarios", {"id": scenario_id, "yaml": text, "created_by": actor, "created_at": at}, "id")

    def get(self, drill_id: str) -> dict[str, Any]:
        """The drill's row with its variation and log decoded (the scenario stays JSON). Raises NotFound."""
        row = one_row(self.store.db, "drills", "id", drill_id)
        if row is None:
            raise NotFound("drill", str(drill_id)[:64])
        row["variation"] = json.loads(row["variation"]) if row["variation"] else None
        row["log"] = json.loads(row["log"])
        return row

    def ids(self) -> list[str]:
        return [r["id"] for r in select_rows(self.store.db, "drills", order_by="created_at desc", columns="id")]

    def times(self) -> list[dict[str, Any]]:
        return select_rows(self.store.db, "drills", columns="id, created_at")

    def insert(self, row: dict[str, Any]) -> None:
        with self.store.write() as db:
            insert_row(db, "drills", row)

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
            log = json.loads(one_row(db, "drills", "id", drill_id)["log"])
            log.append(entry)
            update_row(db, "drills", "id", drill_id, {"log": json.dumps(log, ensure_ascii=False)})


class Improvements:
    """整改事项: improvement items from drills' findings, each with an owner and a due date."""

    def __init__(self, store: Store):
        self.store = store

    def add(self, row: dict[str, Any]) -> None:
        with self.store.write() as db:
            insert_row(db, "improvements", row)

    def list(self, drill_id: str | None = None, open_only: bool = False) -> list[dict[str, Any]]:
        where, params = [], []
        if drill_id:
            where.append("drill_id = ?")
            params.append(drill_id)
        if open_only:
            where.append("status = 'open'")
        return select_rows(self.store.db, "improvements", " AND ".join(where) or None, params,
                           order_by="status desc, due, id")

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
            self.store.audit_in_transaction("directory_imported", actor, None, {"rows": len(rows)}, None, at)

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
            self.store.audit_in_transaction("contact_saved", actor, unit, {"name": name, "id": contact_id}, None, at)

    def delete(self, contact_id: int, actor: str, at: str, refuse) -> None:
        with self.store.write() as db:
            row = db.execute("SELECT unit, name FROM contacts WHERE id = ?", [contact_id]).fetchone()
            if row is None:
                raise refuse("gone")
            db.execute("DELETE FROM contacts WHERE id = ?", [contact_id])
            self.store.audit_in_transaction("contact_deleted", actor, row[0], {"name": row[1] or "", "id": contact_id}, None, at)


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
            self.store.audit_in_transaction("roster_imported", actor, None, {"rows": len(rows), "units": units}, None, at)

    def rows(self, since: str | None = None, until: str | None = None) -> list[dict[str, Any]]:
        """The shifts (ending after ``since`` and starting before ``until``, when given), by unit and start, each
        with its row id."""
        clause, params = where(("ends_at > ?", since), ("starts_at < ?", until))
        rows = self.store.db.execute(f"SELECT id, {', '.join(self.COLUMNS)} FROM roster{clause} "
                                     "ORDER BY unit, starts_at, id", params).fetchall()
        return [dict(zip(("id", *self.COLUMNS), r, strict=False)) for r in rows]

    def replace_between(self, unit: str, since: str, until: str, rows: list[list[Any]], staffing: dict[str, Any],
                        actor: str, at: str) -> None:
        """A unit's shifts starting in [since, until) replaced by ``rows`` (a month made from a pattern), and its
        minimum staffing set, with an audit entry, in one transaction."""
        with self.store.write() as db:
            db.execute("DELETE FROM roster WHERE unit = ? AND starts_at >= ? AND starts_at < ?", [unit, since, until])
            self.store.insert_rows("roster", [*self.COLUMNS, "updated_by", "updated_at"], [[*r, actor, at] for r in rows])
            self._set_staffing(db, unit, staffing, actor, at)
            self.store.audit_in_transaction("roster_generated", actor, unit,
                                     {"rows": len(rows), "from": since, "to": until, **staffing}, None, at)

    # ------------------------------------------------------------ minimum staffing per shift
    STAFFING = ("unit", "officers", "leader", "basis")

    def _set_staffing(self, db, unit: str, staffing: dict[str, Any], actor: str, at: str) -> None:
        db.execute("DELETE FROM staffing WHERE unit = ?", [unit])
        db.execute("INSERT INTO staffing (unit, officers, leader, basis, updated_by, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)", [unit, int(staffing["officers"]), int(bool(staffing["leader"])),
                                                  staffing.get("basis") or "", actor, at])

    def staffing(self) -> dict[str, dict[str, Any]]:
        """Each unit's minimum per shift: ``{unit: {"officers", "leader", "basis"}}``."""
        rows = self.store.db.execute(f"SELECT {', '.join(self.STAFFING)} FROM staffing ORDER BY unit").fetchall()
        return {r[0]: {"officers": r[1], "leader": bool(r[2]), "basis": r[3] or ""} for r in rows}

    # ------------------------------------------------------------ swaps (换班), decided by the 带班领导
    SWAP = ("id", "unit", "shift_id", "with_shift_id", "from_officer", "to_officer", "reason", "requested_by",
            "requested_at", "status", "decided_by", "decided_at", "decision_note", "shift_starts_at", "with_starts_at")

    def request_swap(self, row: dict[str, Any]) -> int:
        cols = [c for c in self.SWAP if c not in ("id", "decided_by", "decided_at", "decision_note")]
        with self.store.write() as db:
            swap_id = db.execute(insert_sql("roster_swaps", cols, "id"), [row.get(c) for c in cols]).fetchone()[0]
            self.store.audit_in_transaction("swap_requested", row["requested_by"], row["unit"],
                                     {"id": swap_id, "from": row["from_officer"], "to": row["to_officer"],
                                      "shift_id": row["shift_id"], "with_shift_id": row.get("with_shift_id")},
                                     None, row["requested_at"])
        return swap_id

    def swaps(self, unit: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        clause, params = where(("unit = ?", unit), ("status = ?", status))
        rows = self.store.db.execute(f"SELECT {', '.join(self.SWAP)} FROM roster_swaps{clause} "
                                     "ORDER BY requested_at DESC, id DESC", params).fetchall()
        return [dict(zip(self.SWAP, r, strict=True)) for r in rows]

    def decide_swap(self, swap_id: int, approve: bool, changes: list[tuple[int, str, str, str, str | None]], by: str,
                    at: str, note: str, refuse) -> None:
        """Approve (the shifts' officers changed as ``changes`` — row id, officer, phone, and the officer and start
        the row must still have — say) or refuse a swap still asked for, with an audit entry, in one transaction;
        ``refuse(reason)`` when it was decided already (``decided``), a shift it names is gone (``gone``) or is no
        longer the one asked for (``changed``: another officer holds it, or the month was made again)."""
        with self.store.write() as db:
            row = db.execute("SELECT unit, status FROM roster_swaps WHERE id = ?", [swap_id]).fetchone()
            if row is None:
                raise refuse("gone")
            if row[1] != "requested":
                raise refuse("decided")
            if approve:
                for shift_id, officer, phone, holder, starts_at in changes:
                    now_row = db.execute("SELECT officer, starts_at FROM roster WHERE id = ?", [shift_id]).fetchone()
                    if not now_row:
                        raise refuse("gone")
                    if now_row[0] != holder or (starts_at and now_row[1] != starts_at):
                        raise refuse("changed")
                    db.execute("UPDATE roster SET officer = ?, officer_phone = ?, updated_by = ?, updated_at = ? "
                               "WHERE id = ?", [officer, phone, by, at, shift_id])
            db.execute("UPDATE roster_swaps SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? "
                       "WHERE id = ?", ["approved" if approve else "refused", by, at, note, swap_id])
            self.store.audit_in_transaction("swap_approved" if approve else "swap_refused", by, row[0],
                                     {"id": swap_id, "note": note}, None, at)


class ShiftLog:
    """The duty room's shift: 值班日志 entries and 交接班 records, each write with its audit row."""

    ENTRY = ("id", "office", "at", "kind", "party", "phone", "text", "leader", "due", "callback", "done_at", "done_by",
             "done_note", "incident_id", "drill", "drill_id", "recorded_by", "recorded_at", "done_recorded_at")
    HANDOVER = ("id", "office", "shift", "starts_at", "ends_at", "next_ends_at", "outgoing", "outgoing_at", "remarks",
                "content", "incoming", "incoming_at", "incoming_remarks", "drill", "drill_id")

    # what each signature covers: 交班 the handover as made and remarked (not what 接班 adds), 接班 all of it; an
    # entry as written, and its 回电/落实 with it
    SIGNED_OUT = tuple(c for c in HANDOVER if c not in ("incoming", "incoming_at", "incoming_remarks"))
    WRITTEN = tuple(c for c in ENTRY if c not in ("done_at", "done_by", "done_note", "done_recorded_at"))

    def __init__(self, store: Store):
        self.store = store

    def digest(self, record: dict[str, Any], part: str) -> str:
        """The SHA-256 of what a signature covered (``part``: signed_out, signed_in, written, done) of a handover or
        an entry as it reads back."""
        if part == "signed_out":
            content = {k: v for k, v in record["content"].items() if k != "open_at_sign_in"}
            return record_digest({**{c: record[c] for c in self.SIGNED_OUT}, "content": content})
        if part == "written":
            return record_digest({c: record[c] for c in self.WRITTEN})
        # an entry closed before 回电/落实 took their own time has no done_recorded_at: its digest is as it was kept
        return record_digest({k: v for k, v in record.items() if not (k == "done_recorded_at" and v is None)})

    def _entry(self, row) -> dict[str, Any]:
        out = dict(zip(self.ENTRY, row, strict=True))
        return {**out, "callback": bool(out["callback"]), "drill": bool(out["drill"])}

    def add(self, row: dict[str, Any]) -> dict[str, Any]:
        """One entry written with its audit row; returns it with its id."""
        cols = [c for c in self.ENTRY if c != "id"]
        values = [int(row.get(c) or 0) if c in ("callback", "drill") else row.get(c) for c in cols]
        with self.store.write() as db:
            entry_id = db.execute(insert_sql("duty_log", cols, "id"), values).fetchone()[0]
            written = self.digest(self.get(entry_id), "written")
            self.store.audit_in_transaction("shift_entry", row["recorded_by"], row["office"],
                                     {"id": entry_id, "kind": row["kind"], "at": row["at"], "sha256": written}, None,
                                     row["recorded_at"])
        return self.get(entry_id)

    def get(self, entry_id: int) -> dict[str, Any]:
        row = self.store.db.execute(f"SELECT {', '.join(self.ENTRY)} FROM duty_log WHERE id = ?", [entry_id]).fetchone()
        if row is None:
            raise NotFound("entry", str(entry_id))
        return self._entry(row)

    def entries(self, office: str, since: str | None = None, until: str | None = None, drill: bool = False,
                open_only: bool = False) -> list[dict[str, Any]]:
        """An office's entries whose time falls in [since, until), in time order; ``open_only``: instructions and
        calls awaiting a call-back not yet done, whenever they were recorded."""
        clause, params = where(("office = ?", office), ("drill = ?", bool(drill)), ("at >= ?", since), ("at < ?", until),
                               ("done_at IS NULL AND (kind = 'instruction' OR callback = 1)", open_only))
        rows = self.store.db.execute(f"SELECT {', '.join(self.ENTRY)} FROM duty_log{clause} ORDER BY at, id",
                                     params).fetchall()
        return [self._entry(r) for r in rows]

    def mark_done(self, entry_id: int, office: str, by: str, at: str, note: str, refuse,
                  recorded_at: str | None = None) -> None:
        """An instruction carried out (落实) or a call returned (已回电); ``refuse(reason)`` words a refusal when the
        entry is not the office's (``gone``) or is done already (``done``)."""
        with self.store.write() as db:
            row = db.execute("SELECT office, done_at FROM duty_log WHERE id = ?", [entry_id]).fetchone()
            if row is None or row[0] != office:
                raise refuse("gone")
            if row[1]:
                raise refuse("done")
            db.execute("UPDATE duty_log SET done_at = ?, done_by = ?, done_note = ?, done_recorded_at = ? WHERE id = ?",
                       [at, by, note, recorded_at or at, entry_id])
            self.store.audit_in_transaction("shift_entry_done", by, office, {"id": entry_id, "note": note, "sha256":
                                     self.digest(self.get(entry_id), "done")}, None, recorded_at or at)

    # ------------------------------------------------------------ 交接班
    def _handover(self, row) -> dict[str, Any]:
        out = dict(zip(self.HANDOVER, row, strict=True))
        return {**out, "content": json.loads(out["content"]), "drill": bool(out["drill"])}

    def handover(self, handover_id: str) -> dict[str, Any]:
        row = self.store.db.execute(f"SELECT {', '.join(self.HANDOVER)} FROM handovers WHERE id = ?",
                                    [handover_id]).fetchone()
        if row is None:
            raise NotFound("handover", handover_id)
        return self._handover(row)

    def handovers(self, office: str | None = None, drill: bool | None = False, drill_id: str | None = None,
                  unsigned: bool = False, limit: int = 50) -> list[dict[str, Any]]:
        """Handovers, latest shift first."""
        clause, params = where(("office = ?", office), ("drill = ?", drill), ("drill_id = ?", drill_id),
                               ("incoming IS NULL", unsigned))   # a real handover's drill_id is ''
        rows = self.store.db.execute(f"SELECT {', '.join(self.HANDOVER)} FROM handovers{clause} "
                                     f"ORDER BY starts_at DESC LIMIT {int(limit)}", params).fetchall()
        return [self._handover(r) for r in rows]

    def sign_out(self, row: dict[str, Any], refuse) -> None:
        """The outgoing officer's signature (交班): the handover as made from the record, written once per shift."""
        with self.store.write() as db:
            if db.execute("SELECT 1 FROM handovers WHERE office = ? AND starts_at = ? AND drill_id = ?",
                          [row["office"], row["starts_at"], row.get("drill_id") or ""]).fetchone():
                raise refuse("signed")
            cols = list(self.HANDOVER)
            values = [json.dumps(row[c], ensure_ascii=False) if c == "content" else int(row[c]) if c == "drill" else
                      (row.get(c) or "") if c == "drill_id" else row.get(c) for c in cols]
            db.execute(insert_sql("handovers", cols), values)
            self.store.audit_in_transaction("handover_signed_out", row["outgoing"], row["office"],
                                     {"id": row["id"], "shift": row["shift"], "starts_at": row["starts_at"],
                                      "sha256": self.digest(self.handover(row["id"]), "signed_out")}, None,
                                     row["outgoing_at"])

    def sign_in(self, handover_id: str, incoming: str, at: str, remarks: str, refuse,
                open_then: dict[str, Any] | None = None) -> None:
        """The incoming officer's signature (接班), with what the record held open at that moment (``open_then``,
        kept beside the handover so a drill's report can tell whether it carried everything); refused when the
        handover is gone or signed for already."""
        with self.store.write() as db:
            row = db.execute("SELECT office, incoming, content FROM handovers WHERE id = ?", [handover_id]).fetchone()
            if row is None:
                raise refuse("gone")
            if row[1]:
                raise refuse("signed")
            content = json.loads(row[2])
            if open_then is not None:
                content["open_at_sign_in"] = open_then
            db.execute("UPDATE handovers SET incoming = ?, incoming_at = ?, incoming_remarks = ?, content = ? "
                       "WHERE id = ?", [incoming, at, remarks, json.dumps(content, ensure_ascii=False), handover_id])
            self.store.audit_in_transaction("handover_signed_in", incoming, row[0], {
                "id": handover_id, "sha256": self.digest(self.handover(handover_id), "signed_in")}, None, at)


class Intakes:
    """The reports received (接报登记) from 12345, 110 and the duty telephone, and what became of each."""

    def __init__(self, store: Store):
        self.store = store

    INTAKE_COLUMNS = ("id", "source", "reference", "received_at", "caller", "callback", "place", "description",
                      "matter", "late_reason", "drill", "drill_id", "recorded_by", "recorded_at", "status",
                      "incident_id", "plan", "closed_reason", "closed_by", "closed_at", "drill_title", "facts",
                      "unit_received_at")

    def add(self, row: dict[str, Any]) -> None:
        with self.store.write() as db:
            insert_row(db, "intakes", {**row, "drill": int(bool(row.get("drill"))),
                                  "facts": json.dumps(row.get("facts") or {}, ensure_ascii=False)})

    def _row(self, row) -> dict[str, Any]:
        out = dict(zip(self.INTAKE_COLUMNS, row, strict=False))
        return {**out, "drill": bool(out["drill"]), "facts": json.loads(out["facts"] or "{}")}

    def get(self, intake_id: str) -> dict[str, Any]:
        row = self.store.db.execute(f"SELECT {', '.join(self.INTAKE_COLUMNS)} FROM intakes WHERE id = ?",
                              [intake_id]).fetchone()
        if row is None:
            raise NotFound("intake", str(intake_id)[:40])
        return self._row(row)

    def of(self, incident_id: str, event_group: str | None = None) -> dict[str, Any] | None:
        """The report received (接报登记) an incident was opened from — or, for an event recorded under several
        plans, the one any of its records was opened from — else None."""
        row = self.store.db.execute(
            f"SELECT {', '.join(self.INTAKE_COLUMNS)} FROM intakes WHERE incident_id = ? OR incident_id IN "
            "(SELECT id FROM incidents WHERE event_group = ?) ORDER BY received_at, id LIMIT 1",
            [incident_id, event_group or incident_id]).fetchone()
        return self._row(row) if row else None

    def update(self, intake_id: str, expected_status: str, **changes) -> None:
        """Change an intake that is still ``expected_status`` (so two windows cannot both act on it)."""
        sets = ", ".join(f"{k} = ?" for k in changes)
        with self.store.write() as db:
            cur = db.execute(f"UPDATE intakes SET {sets} WHERE id = ? AND status = ?",
                             [*changes.values(), intake_id, expected_status])
            if cur.rowcount != 1:
                current = self.get(intake_id)["status"]
                raise Refused("该接报已处理（%(status)s），请刷新", status=INTAKE_STATUS_WORDS.get(current, current))

    def search(self, since: str | None = None, until: str | None = None, matter: str | None = None,
                       drill: bool = False, limit: int = 200) -> list[dict[str, Any]]:
        clause, params = where(("drill = ?", bool(drill)), ("received_at >= ?", since), ("received_at <= ?", until),
                               ("matter = ?", matter))
        rows = self.store.db.execute(f"SELECT {', '.join(self.INTAKE_COLUMNS)} FROM intakes{clause} "
                               "ORDER BY received_at DESC, id LIMIT ?", params + [limit]).fetchall()
        return [self._row(r) for r in rows]
