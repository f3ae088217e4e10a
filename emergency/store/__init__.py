"""The store package: every SQL statement of the service, and nothing else.

- ``interface`` — ``UnitOfWork``, the ``Protocol`` the engine and the console speak to: a connection, its write
  transaction and the repositories it hands out (``incidents``, ``intakes``, people, audit, documents, …);
- ``open_store(location)`` — the store for a location: ``sqlite`` (``Store``, the embedded default) for a file
  path, ``postgres`` (the same interface on PostgreSQL, psycopg imported only then) for a ``postgresql://`` URL;
- ``incidents`` — the incident repository (incidents, their chained events, the plan versions they run under);
- ``repositories`` — the other table groups (intakes, people and sessions, the security log, issued documents,
  drills, improvements, directory, roster, shifts);
- ``migrations`` (SQLite) and ``sql/postgresql/`` (PostgreSQL) — the schema, step by step;
- ``integrity`` — reading the chains back (``emergency verify``);
- ``refusals`` — the one table of database failures a person may meet.

Import from here; the modules inside are the store's own business.
"""
from __future__ import annotations

from pathlib import Path

from .refusals import CorruptDatabase, StorageFull, StoreBusy
from .sqlite import (INTAKE_STATUS_WORDS, TABLES, DatabaseError, Store, adopt_chain_key, close_pools,
                                    copy_store, default_db_path, is_postgres, key_dir_for, private_file,
                                    quoted, read_or_create_key, shown_location, translate_sqlite_error)
from .integrity import issued_documents, verify, verify_quick
from .interface import IncidentRepository, IntakeRepository, UnitOfWork


def open_store(location: str | Path, **options) -> Store:
    """The store for ``location``: the PostgreSQL store for a ``postgresql://`` URL — its module, and psycopg with it,
    imported only then, so a SQLite deployment never needs them — else the SQLite file. ``options``: ``create``,
    ``lock_timeout``, ``chain_key``, ``plans`` (``Store``)."""
    if is_postgres(location):
        from .postgres import PostgresStore
        return PostgresStore(location, **options)
    return Store(location, **options)


def init_database(location: str | Path, plans=None) -> list[str]:
    """Create the database at ``location`` or apply the schema migrations it lacks (``emergency init-db``,
    ``emergency serve`` on start). Returns the names of the migrations applied."""
    store = open_store(location, create=False, plans=plans)
    try:
        return store.migrate()
    finally:
        store.close()

__all__ = ["INTAKE_STATUS_WORDS", "TABLES", "CorruptDatabase", "DatabaseError", "IncidentRepository", "IntakeRepository", "StorageFull", "Store", "StoreBusy",
           "adopt_chain_key", "close_pools", "copy_store", "default_db_path", "init_database", "is_postgres",
           "issued_documents", "key_dir_for", "open_store", "private_file", "quoted", "read_or_create_key", "shown_location",
           "translate_sqlite_error", "UnitOfWork", "verify", "verify_quick"]
