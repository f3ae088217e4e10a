"""The incident log on PostgreSQL (psycopg 3 and its connection pool): the same ``Store`` interface as
SQLite, for a city or province that runs several app servers on one database.

What differs from SQLite, and why:

- **Writes to different incidents never wait for each other**. A change to an incident is one
  statement in its own transaction: the incident's chain moved on in the ledger only from the count (its version)
  and head this process read (the entry's row lock orders two writers of one incident), then the event inserted and,
  unless the change is quiet (a note: its event is the whole record), the incident row rewritten — all or nothing.
  An action at the version this process last read or wrote is worked out from that copy without a read; the
  condition makes a copy that is not the stored one write nothing, and the action reads and tries again.
- **Everything else writes under one lock**: creating an incident (its chained start), rows written beside an
  event (an issued document), the audit chain and every other table take the transaction-level advisory lock
  ``pg_advisory_xact_lock(WRITE_LOCK)``, as SQLite's ``BEGIN IMMEDIATE`` takes the write lock. A writer that
  cannot get the lock in ``lock_timeout`` seconds is refused with ``StoreBusy`` (HTTP 503). Readers never wait.
- **Migrations** are the numbered SQL files in ``emergency/store/sql/postgresql/``, one per SQLite migration
  and named like it, applied in order under the same lock and recorded in ``_schema_migrations``.
- **The SQL the store writes** uses ``?`` placeholders; ``PgDatabase`` gives it to psycopg as ``%s``. A row in or
  out (inserted, upserted, changed, deleted, read as a dict) is one statement of ``table``, which both databases
  read, so the store's code is one text for both.
"""
from __future__ import annotations

import functools
import os
import threading
from contextlib import contextmanager
from importlib import resources
from collections.abc import Iterator

import psycopg
from psycopg import errors as pgerrors
from psycopg_pool import ConnectionPool, PoolTimeout

from emergency.core.errors import EmergencyError
from emergency.core.incident import Snapshot
from .migrations import adopt_incident_chains
from .refusals import refusal
from .incidents import Incidents, at_head
from .sqlite import Store, shown_location
from .table import quoted

# The advisory lock every write transaction takes (an arbitrary constant: "EMER" in ASCII).
WRITE_LOCK = 0x454D4552
# Each incident as this process last read or wrote it: (url, id) → (version — its chain's count —, its row's snapshot
# JSON, chain head, time of the head). An action at that version writes from it without reading.
LATEST_KEPT = 2048
_latest: dict[tuple[str, str], tuple[int, str, str, str]] = {}
_latest_lock = threading.Lock()
POOL_SIZE = int(os.environ.get("EMERGENCY_POOL_SIZE", "20"))  # per process; PostgreSQL allows 100 connections by default

_pools: dict[tuple[int, str], ConnectionPool] = {}
_pools_lock = threading.Lock()


def pool_for(url: str, size: int = POOL_SIZE) -> ConnectionPool:
    """The process's connection pool for ``url`` (made on first use; autocommit connections). Keyed by
    process too: a server worker forked after ``serve`` ran the migrations opens its own connections."""
    key = (os.getpid(), url)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            # check: a connection the server dropped (a restart, a killed backend) is replaced before it is handed
            # out, so the request after a database restart is answered, not a 500
            pool = ConnectionPool(url, min_size=1, max_size=size, kwargs={"autocommit": True}, open=False,
                                  name=shown_location(url), check=ConnectionPool.check_connection)
            try:
                pool.open(wait=True, timeout=10)
            except PoolTimeout:
                pool.close()
                raise EmergencyError(f"db: cannot connect to {shown_location(url)}") from None
            _pools[key] = pool
        return pool


def close_pool(url: str) -> None:
    """Close the pool for ``url`` (tests dropping a database; a process shutting down)."""
    with _pools_lock:
        pool = _pools.pop((os.getpid(), url), None)
    if pool is not None:
        pool.close()


def close_all_pools() -> None:
    with _pools_lock:
        pools = [_pools.pop(k) for k in list(_pools) if k[0] == os.getpid()]
    for pool in pools:
        pool.close()


@functools.lru_cache(maxsize=512)
def _sql(sql: str) -> str:
    """The store's ``?`` placeholders as psycopg's ``%s`` (the same few statements, converted once each)."""
    return sql.replace("%", "%%").replace("?", "%s")


@functools.lru_cache(maxsize=16)
def _change_sql(cols: tuple[str, ...], quiet: bool) -> str:
    """The one statement of a change (see ``PgIncidents._commit_change``): the ledger entry moved on from where it
    was read, then the event inserted and — unless the change is quiet — the incident row rewritten, each only if the
    entry moved."""
    incident = "" if quiet else (
        "upd AS (UPDATE incidents SET state = ?, level = ?, classified_level = ?, version = ?, updated_at = ?, "
        "closed = ?, follow_up = ?, snapshot = ? WHERE id = ? AND EXISTS (SELECT 1 FROM led)), ")
    return ("WITH led AS (UPDATE ledger SET count = ?, head = ?, mac = ? WHERE chain = ? AND count = ? AND head = ? "
            f"RETURNING chain), {incident}ev AS (INSERT INTO events ({quoted(cols)}) "
            f"SELECT {', '.join('?' for _ in cols)} WHERE EXISTS (SELECT 1 FROM led) RETURNING id) "
            "SELECT count(*) FROM ev")


def _values(params) -> list:
    return [int(p) if isinstance(p, bool) else p for p in (params or [])]


class PgDatabase:
    """One pooled connection, taking the store's SQL with ``?`` placeholders (``db.execute``, as SQLite's connection
    takes it); the rows in and out are ``table``'s, the same for both stores."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def execute(self, sql: str, params=None) -> psycopg.Cursor:
        try:
            return self.conn.execute(_sql(sql), _values(params))
        except psycopg.OperationalError:
            if self.conn.broken or self.conn.closed:   # the server went away mid-request: 503, try again
                raise refusal("unavailable") from None
            raise

    def table_names(self) -> list[str]:
        rows = self.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        return [r[0] for r in rows.fetchall()]


MIGRATIONS_DIR = "sql/postgresql"


def migration_files() -> list[tuple[str, str]]:
    """(name, SQL) of every PostgreSQL migration, in order."""
    folder = resources.files("emergency.store").joinpath(MIGRATIONS_DIR)
    files = sorted(p for p in folder.iterdir() if p.name.endswith(".sql"))
    return [(p.name[:-4], p.read_text(encoding="utf-8")) for p in files]


class PgIncidents(Incidents):
    """The incidents of a PostgreSQL store: a change written in one statement, without the database-wide lock, from
    the incident as this process last read or wrote it (see the module's description)."""

    def _remember(self, incident_id: str, snapshot: str, version: int, head: str, at: str) -> None:
        with _latest_lock:
            _latest.pop((self.store.path, incident_id), None)
            _latest[(self.store.path, incident_id)] = (version, snapshot, head, at)
            while len(_latest) > LATEST_KEPT:
                _latest.pop(next(iter(_latest)))

    def _known(self, incident_id: str) -> tuple[int, str, str, str] | None:
        with _latest_lock:
            return _latest.get((self.store.path, incident_id))

    def _forget(self, incident_id: str) -> None:
        with _latest_lock:
            _latest.pop((self.store.path, incident_id), None)

    def _current(self, incident_id: str, expected_version: int) -> Snapshot:
        """The incident at ``expected_version`` as this process last read or wrote it, without a read: the write is
        conditional on the chain's count and head (an HMAC over the whole history), so a snapshot that is not the
        stored one is never written from — the write fails and the action reads and tries again."""
        known = self._known(incident_id)
        if known is not None and known[0] == expected_version:
            return self.with_plan_version(at_head(Snapshot.model_validate_json(known[1]), known[0], known[3]))
        return self._load(incident_id)

    def _commit_change(self, incident_id: str, seen: int, snap: Snapshot, event: dict, final: bool,
                       also: list[tuple[str, dict]]) -> bool:
        """A change without rows beside it is one statement in its own transaction: the chain's ledger
        entry moved on only from the count and head this process read (its row lock orders two writers of one
        incident), then — only if it moved — the event inserted and, unless the change is quiet (a note), the
        incident row rewritten. No database-wide lock: writes to two incidents never wait for each other."""
        known = self._known(incident_id)
        if also or known is None or known[0] != seen:
            return self._commit_the_long_way(incident_id, seen, snap, event, final, also)
        _version, stored, head, _at = known
        row, (chain, n, tail, tag) = self._chained(event, seen, head)
        quiet = self._quiet(event, final)
        params = []
        if not quiet:
            stored = snap.model_dump_json()
            params = [snap.state, snap.level, snap.classified_level, snap.version, snap.updated_at, int(final),
                      int(bool(snap.open_tasks())), stored, incident_id]
        try:
            written = self.store.db.execute(_change_sql(tuple(row), quiet),
                                      [n, tail, tag, chain, seen, head, *params, *row.values()]).fetchone()[0]
        except psycopg.Error as exc:
            raise self.store.translate_error(exc) or exc from None
        if written:
            self._remember(incident_id, stored, snap.version, tail, snap.updated_at)
        else:  # another writer got in first, or the chain is not where this process saw it: read and try again
            self._forget(incident_id)
        return bool(written)

    def _commit_the_long_way(self, incident_id: str, seen: int, snap: Snapshot, event: dict, final: bool,
                             also: list[tuple[str, dict]]) -> bool:
        """Under the write lock, the chain's head read inside the transaction (rows written beside the event)."""
        self._forget(incident_id)
        return super()._commit_change(incident_id, seen, snap, event, final, also)


class PostgresStore(Store):
    """The incident log in a PostgreSQL database; see the module's description."""

    IntegrityError = psycopg.IntegrityError
    INCIDENTS = PgIncidents

    def _open(self) -> PgDatabase:
        self._pool = pool_for(self.path)
        try:
            conn = self._pool.getconn(timeout=self.lock_timeout)
        except PoolTimeout:
            # every connection busy, or none could be made (the server is down): say which
            stats = self._pool.get_stats()
            raise refusal("pool_full" if stats.get("pool_size", 0) >= self._pool.max_size else "unreachable") from None
        return PgDatabase(conn)

    def close(self) -> None:
        if getattr(self, "db", None) is not None:
            self._pool.putconn(self.db.conn)
            self.db = None

    def __del__(self):  # a store dropped without close() gives its connection back to the pool
        try:
            self.close()
        except Exception:  # noqa: BLE001 - the pool may be closed already at interpreter exit
            pass

    @property
    def kind(self) -> str:
        return "postgresql"

    def insert_rows(self, table: str, columns: list[str], rows: list) -> None:
        with self.db.conn.cursor() as cur:
            cur.executemany(_sql(f"INSERT INTO {table} ({quoted(columns)}) "
                                 f"VALUES ({', '.join('?' for _ in columns)})"), rows)

    def after_copy(self) -> None:
        for table in ("events", "improvements", "contacts", "roster", "duty_log", "roster_swaps"):
            self.db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")

    LEDGER_FOR_WRITE = " FOR UPDATE"   # the long way locks the entry a quiet change moves without the incident row

    @contextmanager
    def write(self) -> Iterator[PgDatabase]:
        """One write transaction holding the service's write lock (an advisory lock) from its start."""
        try:
            with self.db.conn.transaction():
                self.db.execute("SELECT set_config('lock_timeout', ?, true), pg_advisory_xact_lock(?)",
                                [f"{int(self.lock_timeout * 1000)}ms", WRITE_LOCK])
                yield self.db
        except psycopg.Error as exc:
            raise self.translate_error(exc) or exc from None

    def translate_error(self, exc: Exception) -> EmergencyError | None:
        """The refusal a person should see for a PostgreSQL error (from the one table), or None when it is a bug."""
        if isinstance(exc, (pgerrors.LockNotAvailable, pgerrors.QueryCanceled, pgerrors.SerializationFailure,
                            pgerrors.DeadlockDetected)):
            return refusal("busy")
        if isinstance(exc, (pgerrors.DiskFull, pgerrors.OutOfMemory)):
            return refusal("full")
        if isinstance(exc, pgerrors.UndefinedTable):
            return refusal("no_schema", location=shown_location(self.path))
        return None

    # ------------------------------------------------------------ schema
    def _applied(self) -> list[str]:
        self.db.execute("CREATE TABLE IF NOT EXISTS _schema_migrations (name text PRIMARY KEY, applied_at text)")
        return [r[0] for r in self.db.execute("SELECT name FROM _schema_migrations ORDER BY name").fetchall()]

    def applied_migrations(self) -> list[str]:
        if not self._has_table("_schema_migrations"):
            return []
        return [r[0] for r in self.db.execute("SELECT name FROM _schema_migrations ORDER BY name").fetchall()]

    def pending_migrations(self) -> list[str]:
        applied = set(self.applied_migrations())
        return [name for name, _ in migration_files() if name not in applied]

    def _has_table(self, name: str) -> bool:
        return self.db.execute("SELECT to_regclass(?) IS NOT NULL", [name]).fetchone()[0]

    def migrate(self) -> list[str]:
        """Apply the migrations this database lacks, in order, each recorded with its time, under the write lock
        (two servers starting at once apply each one once)."""
        if not self.pending_migrations():
            return []
        done = []
        with self.write() as db:
            applied = set(self._applied())  # read again under the lock
            for name, sql in migration_files():
                if name not in applied:
                    db.conn.execute(sql)
                    if name == "m013_incident_chains":   # the incidents already recorded, under the chain key
                        adopt_incident_chains(db, self.key)
                    db.execute("INSERT INTO _schema_migrations (name, applied_at) VALUES (?, now()::text)", [name])
                    done.append(name)
        return done
