"""Moving data between the stores and one schema on both (point 1)."""
import re

import psycopg
import pytest

from emergency.services import incidents as svc
from emergency.core.clock import FixedClock
from emergency.cli import main
from emergency.store.postgres import migration_files
from emergency.store import open_store, TABLES

from tests.conftest import add_users


def _rows(store, table):
    cur = store.db.execute(f"SELECT * FROM {table}")
    columns = [d[0] for d in cur.description]
    return columns, sorted(tuple(r) for r in cur.fetchall())


def test_sqlite_to_postgresql_copies_every_row_verifies_and_refuses_a_full_target(tmp_path, pg_url, runner):
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    db = str(tmp_path / "district.db")
    add_users(db, clock)
    source = open_store(db)
    demo = svc.load_demo(source, clock)
    svc.act(source, demo[0].id, "add_note", demo[0].version, {"note": "迁移前的记录"}, "值班员", clock)
    result = runner.invoke(main, ["migrate-store", "--from", f"sqlite:///{db}", "--to", pg_url])
    assert result.exit_code == 0, result.output
    assert "0 broken chains on the target" in result.output
    target = open_store(pg_url, create=False)  # its chain key is the source's, adopted by migrate-store
    assert target.key == source.key
    for table in TABLES:
        assert _rows(target, table) == _rows(source, table), table
    assert target.verify() == []
    assert svc.rebuild(target, demo[0].id) == target.incidents.get(demo[0].id)
    # the copy is a working store: a new event continues both chains
    snap = svc.act(target, demo[0].id, "add_note", target.incidents.get(demo[0].id).version, {"note": "迁移后"}, "值班员", clock)
    assert target.verify() == [] and snap.version == source.incidents.get(demo[0].id).version + 1
    again = runner.invoke(main, ["migrate-store", "--from", db, "--to", pg_url])
    assert again.exit_code == 2 and "目标数据库已有数据" in again.output


def test_postgresql_back_to_sqlite(tmp_path, pg_url, runner):
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    source = open_store(pg_url)
    svc.load_demo(source, clock)
    back = str(tmp_path / "back.db")
    result = runner.invoke(main, ["migrate-store", "--from", pg_url, "--to", back])
    assert result.exit_code == 0, result.output
    target = open_store(back, create=False)
    assert target.key == source.key
    for table in TABLES:
        assert _rows(target, table) == _rows(source, table), table


def test_a_missing_source_is_refused_with_exit_2(tmp_path, runner):
    result = runner.invoke(main, ["migrate-store", "--from", str(tmp_path / "none.db"), "--to", str(tmp_path / "x.db")])
    assert result.exit_code == 2 and "no database" in result.output


def test_both_stores_have_the_same_migrations_and_the_same_columns(tmp_path, pg_url):
    """Each schema change is one step on each store, named alike, giving the same tables and columns."""
    lite, pg = open_store(str(tmp_path / "s.db")), open_store(pg_url)
    assert lite.applied_migrations() == pg.applied_migrations() == [name for name, _ in migration_files()]
    for table in TABLES:
        lite_cols = [r[1] for r in lite.db.execute(f"PRAGMA table_info({table})").fetchall()]
        pg_cols = [r[0] for r in pg.db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table]).fetchall()]
        assert sorted(lite_cols) == sorted(pg_cols), table


def test_the_store_itself_refuses_mixing_drills_and_real_incidents_on_postgresql(pg_url):
    store = open_store(pg_url)
    with pytest.raises(Exception) as refused:
        store.db.execute("INSERT INTO incidents (id, plan, drill, drill_id, state, version) "
                         "VALUES ('x', 'environment', 0, 'drl-1', 'reported', 1)")
    assert "cannot belong to a drill" in str(refused.value)
    assert isinstance(refused.value, psycopg.IntegrityError)


# SQLite's declared type → the family PostgreSQL's type must belong to
TYPE_FAMILIES = {"integer": {"integer", "bigint", "smallint", "boolean"}, "text": {"text", "character varying"},
                 "float": {"double precision", "real", "numeric"}, "real": {"double precision", "real", "numeric"},
                 "blob": {"bytea"}, "": {"text"}}


# the refusal a guard of the database raises (RAISE(ABORT, '…') in SQLite, RAISE EXCEPTION '…' in PostgreSQL)
GUARD_WORDS = re.compile(r"RAISE(?:\(ABORT,| EXCEPTION) '([^']+)'")


def _sqlite_schema(store):
    columns, indexes, triggers = {}, {}, set()
    for table in TABLES:
        for _cid, name, kind, notnull, _default, pk in store.db.execute(f"PRAGMA table_info({table})").fetchall():
            columns[(table, name)] = (kind.lower(), bool(notnull) or bool(pk))
        for _seq, index, unique, origin, _partial in store.db.execute(f"PRAGMA index_list({table})").fetchall():
            if origin == "c":  # an index the schema creates (not a primary key's or a UNIQUE's own)
                cols = [r[2] for r in store.db.execute(f"PRAGMA index_info({index})").fetchall()]
                indexes[(table, tuple(cols))] = bool(unique)
    for (sql,) in store.db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'").fetchall():
        triggers |= set(GUARD_WORDS.findall(sql))
    return columns, indexes, triggers


def _postgres_schema(store):
    columns, indexes, triggers = {}, {}, set()
    for table, name, kind, nullable in store.db.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'public'").fetchall():
        if table in TABLES:
            columns[(table, name)] = (kind, nullable == "NO")
    for table, cols, unique in store.db.execute(
            "SELECT t.relname, array_agg(a.attname ORDER BY k.ord), ix.indisunique FROM pg_index ix "
            "JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid "
            "JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) ON true "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
            "WHERE NOT ix.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid) "
            "GROUP BY t.relname, i.relname, ix.indisunique").fetchall():
        if table in TABLES:
            indexes[(table, tuple(cols))] = unique
    for (body,) in store.db.execute("SELECT p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
                                    "WHERE NOT t.tgisinternal").fetchall():
        triggers |= set(GUARD_WORDS.findall(body))
    return columns, indexes, triggers


def test_both_stores_have_the_same_types_not_nulls_indexes_and_guards(tmp_path, pg_url):
    """The schema is written twice (sqlite-utils migrations and SQL files); this keeps the two one schema:
    each column's type family and NOT NULL, each index's columns and uniqueness, and every guard the database
    itself enforces, by the refusal it raises (SQLite has a trigger per guard and event; PostgreSQL one trigger
    function per table, fired on several events, and TRUNCATE, which SQLite does not have)."""
    lite, pg = open_store(str(tmp_path / "s.db")), open_store(pg_url)
    try:
        lite_cols, lite_idx, lite_trg = _sqlite_schema(lite)
        pg_cols, pg_idx, pg_trg = _postgres_schema(pg)
    finally:
        lite.close(), pg.close()
    assert set(lite_cols) == set(pg_cols)
    for key, (kind, notnull) in lite_cols.items():
        assert pg_cols[key][0] in TYPE_FAMILIES[kind], (key, kind, pg_cols[key][0])
        assert pg_cols[key][1] == notnull, (key, "NOT NULL" if notnull else "NULL")
    assert lite_idx == pg_idx
    assert lite_trg == pg_trg and len(lite_trg) == 9
