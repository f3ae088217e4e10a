"""The store on SQLite (the embedded default) through sqlite-utils, WAL mode: the unit of work — one connection and
its write transaction — and the repositories it hands out (``store.incidents``, ``store.intakes``, ``store.people``,
``store.audit``, ``store.documents``, …; ``emergency.store.incidents`` and ``emergency.store.repositories``).

Tables: ``incidents`` (the latest snapshot, its state, level and version), the append-only
``events``, ``incident_starts`` (the chained start of every incident), ``ledger`` (where each chain ends),
``audit`` (security events about people: sign-ins, users, tokens, exports, backups), and the drill, scenario,
user, session, token, improvement, directory, roster and shift tables. The schema is made and changed only by
the numbered migrations in ``emergency.store.migrations`` (sqlite-utils ``Migrations``), run by ``Store.migrate``.

A state change and its event row are written in one transaction that first takes the write lock
(``BEGIN IMMEDIATE``), then checks the version: a change sent with a stale version is refused,
never merged. A writer that cannot get the lock within ``lock_timeout`` seconds is refused with
``StoreBusy`` (HTTP 503), a full disk with ``StorageFull`` (HTTP 507); readers never wait behind a
writer (WAL).

Tamper evidence: every event is chained within its incident (``prev_hash``/``hash``), each incident's chain ends
where its ledger entry ``incident:<id>`` says, and every incident's start is chained in ``incident_starts``
(one chain per incident replaced a chain across the whole database, so writes to two incidents never
queue on one chain). HMAC-SHA256 under a key kept outside the database (``chain_key`` beside it, mode 600, or
``EMERGENCY_CHAIN_KEY``): without it the chains cannot be recomputed after an edit; ``emergency.store.integrity``
checks them.
"""
from __future__ import annotations

import functools
import json
import os
import secrets
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

from sqlite_utils import Database

from emergency.core.chains import (AUDIT_HASHED, GENESIS, HASHED, audit_hash, event_hash, incident_chain, ledger_mac,  # noqa: F401 - API
                                   legacy_event_hash, mac, start_hash)
from emergency.core.errors import EmergencyError, Refused
from .integrity import verify as verify_store
from .refusals import CorruptDatabase, StorageFull, StoreBusy, mixed_drill, refusal  # noqa: F401 - the store's API
from emergency.response.library import PlanLibrary, library
from .migrations import migrate as apply_migrations, migrations
from .incidents import Incidents
from .repositories import (INTAKE_STATUS_WORDS, Audit, Directory, Documents, Drills, Improvements,  # noqa: F401 - API
                           Intakes, People, Roster, ShiftLog)
from .table import insert_row, quoted


def default_db_path() -> Path:
    """Under the user's data directory: $XDG_DATA_HOME/emergency/emergency.db."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "emergency" / "emergency.db"


def private_file(path: str | Path) -> None:
    """Create ``path`` (and its directory) readable by its owner only, if it does not exist yet."""
    path = Path(path)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def read_or_create_key(path: Path, env: str, nbytes: int = 32) -> str:
    """A secret from the environment variable ``env``, else the file ``path``, else a new one written there (0600)."""
    value = os.environ.get(env)
    if value:
        return value
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    private_file(path)
    value = secrets.token_hex(nbytes)
    path.write_text(value, encoding="utf-8")
    return value


def key_dir_for(location: str | Path) -> Path:
    """Where the keys of a database live when the environment does not give them: beside a SQLite file;
    for a PostgreSQL URL, ``EMERGENCY_KEY_DIR`` or the user's data directory. Several servers on one
    PostgreSQL database must share them: give each the same ``EMERGENCY_SECRET_KEY`` and
    ``EMERGENCY_CHAIN_KEY`` (README, Operations) or the same key directory."""
    if is_postgres(location):
        return Path(os.environ.get("EMERGENCY_KEY_DIR") or default_db_path().parent)
    return Path(location).resolve().parent


@functools.lru_cache(maxsize=32)
def _key_for(path: str, env_value: str | None) -> bytes:
    if path == ":memory:":
        return env_value.encode() if env_value else secrets.token_bytes(32)
    return read_or_create_key(key_dir_for(path) / "chain_key", "EMERGENCY_CHAIN_KEY").encode()


def adopt_chain_key(key: bytes, location: str | Path) -> None:
    """Make ``key`` the chain key of the database at ``location`` (a copy made by migrate-store keeps its
    source's chains, so it must keep their key). Refuses when the target already has another key."""
    given = os.environ.get("EMERGENCY_CHAIN_KEY")
    if given is not None:
        if given.encode() != key:
            raise Refused("EMERGENCY_CHAIN_KEY与源数据库的链密钥不同，副本的防篡改链将无法校验（请取消设置，或设为源数据库的密钥）")
        return
    path = key_dir_for(location) / "chain_key"
    if path.exists():
        if path.read_text(encoding="utf-8").strip().encode() != key:
            raise Refused("目标位置已有另一个链密钥（%(path)s）：请移走，或将EMERGENCY_CHAIN_KEY设为源数据库的密钥", path=str(path))
        return
    private_file(path)
    path.write_text(key.decode(), encoding="utf-8")


def chain_key_for(path: str | Path) -> bytes:
    """The HMAC key of a database's chains: ``EMERGENCY_CHAIN_KEY``, else ``chain_key`` beside the file."""
    return _key_for(str(path), os.environ.get("EMERGENCY_CHAIN_KEY"))


def connect(path: str | Path, lock_timeout: float = 10.0) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), waiting up to ``lock_timeout`` s for a lock.

    A new database file is created readable by its owner only (it holds password and token hashes).
    """
    if str(path) != ":memory:":
        private_file(path)
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=lock_timeout, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(lock_timeout * 1000)}")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn



def translate_sqlite_error(exc: sqlite3.Error) -> EmergencyError | None:
    """The refusal a person should see for a SQLite error (from the one table), or None when it is a bug."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return refusal("busy")
    if "disk is full" in text or "database or disk is full" in text:
        return refusal("full")
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return refusal("unreadable", detail=str(exc))
    if "drill" in text and "constraint" not in text:
        return mixed_drill()
    return None


def close_pools() -> None:
    """Close this process's PostgreSQL connection pools (before a server forks its workers)."""
    if "emergency.store.postgres" in sys.modules:
        sys.modules["emergency.store.postgres"].close_all_pools()


# The database errors a caller outside the store may meet (the CLI names an unreadable file by them)
DatabaseError = sqlite3.DatabaseError


# Every table of the schema, parents before children (events name their incident).
TABLES = ("incidents", "events", "ledger", "audit", "drills", "scenarios", "users", "sessions", "tokens",
          "improvements", "intakes", "plan_versions", "documents", "contacts", "roster", "report_headers",
          "duty_log", "handovers", "roster_swaps", "staffing", "incident_starts", "document_reservations",
          "office_prefixes", "document_pdfs")


def copy_store(source: Store, target: Store) -> dict[str, int]:
    """Copy every row of ``source`` into the empty ``target`` in one transaction (emergency migrate-store).
    Refuses a target holding any row. Returns the rows copied per table."""
    full = [t for t in TABLES if target.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]]
    if full:
        raise Refused("目标数据库已有数据（%(tables)s），请指定空数据库", tables=full)
    copied = {}
    with target.write():
        for name in TABLES:
            cur = source.db.execute(f"SELECT * FROM {name}")
            columns = [d[0] for d in cur.description]
            rows = cur.fetchall()
            if rows:
                target.insert_rows(name, columns, rows)
            copied[name] = len(rows)
        target.after_copy()
    return copied


def is_postgres(location: str | Path) -> bool:
    """A PostgreSQL URL (``postgresql://…``) rather than a SQLite file path."""
    return str(location).startswith(("postgresql://", "postgres://"))


def shown_location(location: str | Path) -> str:
    """A database location fit for a message or a log: a URL's password is replaced by ***."""
    text = str(location)
    if is_postgres(text):
        parts = urlsplit(text)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
            return urlunsplit(parts._replace(netloc=netloc))
    return text


class Store:
    """The unit of work on a SQLite file: one connection, its write transaction (``write()``), its schema, and the
    repositories that read and write through them — a use case asks ``store.incidents`` for an incident and
    ``store.audit`` for the security log, never the connection. Open one per thread (the web app: per request),
    through ``emergency.store.open_store``, which picks this store or the PostgreSQL one (``emergency.store.postgres``)
    by the location: the same interface, the same SQL where the two agree, and the dialect's own transaction,
    locking and migrations where they do not.
    """

    IntegrityError: type[Exception] = sqlite3.IntegrityError
    INCIDENTS: type[Incidents] = Incidents   # the incident repository of this database (PostgreSQL has its own)

    def __init__(self, path: str | Path, create: bool = True, lock_timeout: float = 10.0,
                 chain_key: bytes | None = None, plans: PlanLibrary | None = None):
        self.path = str(path)
        # The plan library incidents are read against: the store keeps the text of every plan version an
        # incident started under, and makes an older one loadable again when the incident is read.
        self.plans = plans or library()
        # the repositories this unit of work hands out: each reads through its connection and writes in its
        # transaction (``write()``), the security log beside a repository's rows in the same one
        self.incidents, self.intakes = self.INCIDENTS(self), Intakes(self)
        self.people, self.drills, self.improvements = People(self), Drills(self), Improvements(self)
        self.audit, self.documents = Audit(self), Documents(self)
        self.directory, self.roster, self.shifts = Directory(self), Roster(self), ShiftLog(self)
        self.lock_timeout = lock_timeout
        self.db = self._open()
        self.key = chain_key if chain_key is not None else chain_key_for(self.path)
        if create:
            self.migrate()

    def _open(self):
        return Database(connect(self.path, self.lock_timeout))

    def close(self) -> None:
        self.db.conn.close()

    def migrate(self) -> list[str]:
        """Apply pending schema migrations (emergency init-db / serve on start). Returns their names."""
        try:
            return apply_migrations(self)
        except sqlite3.DatabaseError as exc:
            raise translate_sqlite_error(exc) or exc from None

    def pending_migrations(self) -> list[str]:
        """The names of the schema migrations this database lacks."""
        return [m.name for m in migrations.pending(self.db)]

    def applied_migrations(self) -> list[str]:
        return [m.name for m in migrations.applied(self.db)]

    def translate_error(self, exc: Exception) -> EmergencyError | None:
        """The refusal a person should see for a database error of this store, or None when it is a bug."""
        return translate_sqlite_error(exc) if isinstance(exc, sqlite3.Error) else None

    @property
    def kind(self) -> str:
        return "sqlite"

    def insert_rows(self, name: str, columns: list[str], rows: list) -> None:
        """Insert many rows at once (inside ``write()``)."""
        self.db.conn.executemany(f"INSERT INTO {name} ({quoted(columns)}) "
                                 f"VALUES ({', '.join('?' for _ in columns)})", rows)

    def after_copy(self) -> None:
        """Bring counters up to the copied rows (PostgreSQL's identity sequences; nothing on SQLite)."""

    @contextmanager
    def write(self) -> Iterator[Database]:
        """One write transaction holding the write lock from its start.

        ``db.atomic()`` starts a deferred transaction; a read-then-write there can fail to
        upgrade its lock when another writer got in first, so the lock is taken up front.
        Raises StoreBusy when the lock is not had within the lock timeout, StorageFull on a full disk.
        """
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise translate_sqlite_error(exc) or exc from None
        try:
            yield self.db
        except BaseException as exc:
            if self.db.conn.in_transaction:
                self.db.conn.rollback()
            if isinstance(exc, sqlite3.OperationalError):
                raise translate_sqlite_error(exc) or exc from None
            raise
        else:
            try:
                self.db.conn.commit()
            except sqlite3.OperationalError as exc:
                if self.db.conn.in_transaction:
                    self.db.conn.rollback()
                raise translate_sqlite_error(exc) or exc from None

    # ------------------------------------------------------------ the chains' ledger
    # How a writer reads a chain's ledger entry inside its transaction: SQLite's write lock already keeps every other
    # writer out; PostgreSQL locks the entry's row (a note moves it without touching the incident row).
    LEDGER_FOR_WRITE = ""

    def ledger(self, chain: str, for_write: bool = False) -> tuple[int, str]:
        row = self.db.execute("SELECT count, head FROM ledger WHERE chain = ?" + (self.LEDGER_FOR_WRITE if for_write
                                                                                 else ""), [chain]).fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def advance_ledger(self, chain: str, count: int, head: str) -> None:
        self.db.execute("INSERT INTO ledger (chain, count, head, mac) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT(chain) DO UPDATE SET count = excluded.count, head = excluded.head, mac = excluded.mac",
                        [chain, count, head, ledger_mac(self.key, chain, count, head)])

    def backup_to(self, destination: str | Path) -> None:
        """A copy of this SQLite database at ``destination``, taken while it is in use (SQLite's online backup)."""
        src, dst = sqlite3.connect(self.path), sqlite3.connect(str(destination))
        try:
            with dst:
                src.backup(dst)
        finally:
            src.close()
            dst.close()

    def audit_in_transaction(self, kind: str, actor: str | None, subject: str | None, detail: dict | None,
                             addr: str | None, at: str) -> None:
        """One security event written inside the write transaction the caller holds (``write()``), so a repository's
        rows and the event that records them land together or not at all."""
        count, head = self.ledger("audit")
        row = {"seq": count + 1, "at": at, "kind": kind, "actor": actor or "", "subject": subject or "",
               "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True), "addr": addr or "",
               "prev_hash": head}
        row["hash"] = audit_hash(row, self.key)
        insert_row(self.db, "audit", row)
        self.advance_ledger("audit", row["seq"], row["hash"])

    def anchor(self) -> dict[str, Any]:
        """Where every chain ends now — the audit chain, the chain of incident starts and each incident's chain — to
        publish or keep elsewhere (a daily anchor): a log rolled back or rewritten since no longer holds it."""
        out: dict[str, Any] = {}
        for chain in ("audit", "starts"):
            count, head = self.ledger(chain)
            out[chain] = {"count": count, "head": head}
        rows = self.db.execute("SELECT chain, count, head FROM ledger WHERE chain LIKE 'incident:%' ORDER BY chain")
        out["incidents"] = {r[0].split(":", 1)[1]: {"count": r[1], "head": r[2]} for r in rows.fetchall()}
        return out

    def verify(self) -> list[dict[str, Any]]:
        """Every broken link, snapshot and anchor (see emergency.store.integrity.verify)."""
        return verify_store(self)

