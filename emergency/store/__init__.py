"""The store package: every SQL statement of the service, and nothing else.

- ``interface`` — ``IncidentLog``, the ``Protocol`` the engine and the console speak to;
- ``sqlite`` — the embedded default (``Store``), and ``postgres`` — the same interface on PostgreSQL,
  loaded by name when a ``postgresql://`` URL asks for it;
- ``repositories`` — the table groups beside the incident log (people and sessions, drills,
  improvements, directory, roster);
- ``migrations`` (SQLite) and ``sql/postgresql/`` (PostgreSQL) — the schema, step by step;
- ``integrity`` — reading the chains back (``emergency verify``);
- ``refusals`` — the one table of database failures a person may meet.

Import from here; the modules inside are the store's own business.
"""
from .refusals import CorruptDatabase, StorageFull, StoreBusy
from .sqlite import (INTAKE_STATUS_WORDS, TABLES, DatabaseError, Store, adopt_chain_key, close_pools,
                                    copy_store, default_db_path, init_database, is_postgres, key_dir_for, private_file,
                                    quoted, read_or_create_key, shown_location, translate_sqlite_error)
from .integrity import issued_documents, verify, verify_quick
from .interface import IncidentLog
from . import sqlite as _sqlite


def _postgres_store():
    """The PostgreSQL store, imported when a ``postgresql://`` URL first asks for it (psycopg is needed only then)."""
    import importlib
    return importlib.import_module("emergency.store.postgres").PostgresStore


_sqlite.BACKENDS["postgresql"] = _postgres_store

__all__ = ["INTAKE_STATUS_WORDS", "TABLES", "CorruptDatabase", "DatabaseError", "IncidentLog", "StorageFull", "Store", "StoreBusy",
           "adopt_chain_key", "close_pools", "copy_store", "default_db_path", "init_database", "is_postgres",
           "issued_documents", "key_dir_for", "private_file", "quoted", "read_or_create_key", "shown_location",
           "translate_sqlite_error", "verify", "verify_quick"]
