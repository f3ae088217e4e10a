"""What SQLAlchemy Core would cost the stores' write path (docs/decisions/0017): one change as the stores write it
(UPDATE the incident row with its snapshot, INSERT its event, UPSERT the chain's ledger entry, one transaction), 300
times, seven rounds interleaved, the driver bare against SQLAlchemy Core on the same driver; medians per change.

SQLAlchemy is not one of the project's packages: install it apart and point PYTHONPATH at it, e.g.
    .venv/bin/python -m pip install --target /tmp/sa_pkgs sqlalchemy
    PYTHONPATH=/tmp/sa_pkgs:. .venv/bin/python bench/core_vs_driver.py [pg]
(``pg``: also on a throw-away PostgreSQL cluster, tests/pg.py)."""
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

N, ROUNDS = 300, 7
SNAPSHOT = json.dumps({"x": "y" * 3000})
HASH = "h" * 64
SCHEMA = ["CREATE TABLE incidents (id TEXT PRIMARY KEY, version INT, snapshot TEXT)",
          "CREATE TABLE events (incident_id TEXT, seq INT, payload TEXT, hash TEXT, PRIMARY KEY (incident_id, seq))",
          "CREATE TABLE ledger (chain TEXT PRIMARY KEY, count INT, head TEXT)",
          "INSERT INTO incidents VALUES ('i', 0, '')"]
UPSERT = ("INSERT INTO ledger VALUES ('c', {p}, {p}) ON CONFLICT(chain) DO UPDATE SET count = excluded.count, "
          "head = excluded.head")

META = sa.MetaData()
INCIDENTS = sa.Table("incidents", META, sa.Column("id", sa.Text, primary_key=True), sa.Column("version", sa.Integer),
                     sa.Column("snapshot", sa.Text))
EVENTS = sa.Table("events", META, sa.Column("incident_id", sa.Text, primary_key=True),
                  sa.Column("seq", sa.Integer, primary_key=True), sa.Column("payload", sa.Text), sa.Column("hash", sa.Text))
LEDGER = sa.Table("ledger", META, sa.Column("chain", sa.Text, primary_key=True), sa.Column("count", sa.Integer),
                  sa.Column("head", sa.Text))


def core(engine, upsert) -> None:
    with engine.connect() as conn:
        for i in range(N):
            with conn.begin():
                conn.execute(INCIDENTS.update().where(INCIDENTS.c.id == "i").values(version=i, snapshot=SNAPSHOT))
                conn.execute(EVENTS.insert().values(incident_id="i", seq=i, payload="{}", hash=HASH))
                stmt = upsert(LEDGER).values(chain="c", count=i, head=HASH)
                conn.execute(stmt.on_conflict_do_update(index_elements=["chain"],
                                                        set_={"count": stmt.excluded.count, "head": stmt.excluded.head}))


def measure(pairs: dict) -> dict[str, float]:
    """Microseconds per change, the median of ``ROUNDS`` rounds, the two ways interleaved."""
    out: dict[str, list[float]] = {k: [] for k in pairs}
    for _ in range(ROUNDS):
        for name, (run, reset) in pairs.items():
            reset()
            t = time.perf_counter()
            run()
            out[name].append((time.perf_counter() - t) / N * 1e6)
    return {k: statistics.median(v) for k, v in out.items()}


def sqlite_pair() -> dict:
    path = os.path.join(tempfile.mkdtemp(), "bench.db")
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    for sql in SCHEMA:
        setup.execute(sql)
    setup.close()

    def bare() -> None:
        c = sqlite3.connect(path, isolation_level=None)
        for i in range(N):
            c.execute("BEGIN IMMEDIATE")
            c.execute("UPDATE incidents SET version = ?, snapshot = ? WHERE id = 'i'", [i, SNAPSHOT])
            c.execute("INSERT INTO events VALUES ('i', ?, ?, ?)", [i, "{}", HASH])
            c.execute(UPSERT.format(p="?"), [i, HASH])
            c.execute("COMMIT")
        c.close()

    def reset() -> None:
        c = sqlite3.connect(path, isolation_level=None)
        c.execute("DELETE FROM events")
        c.execute("DELETE FROM ledger")
        c.close()

    engine = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi, _record):
        dbapi.isolation_level = None          # the transaction is begun below, as the store begins it

    @sa.event.listens_for(engine, "begin")
    def _immediate(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return {"bare": (bare, reset), "core": (lambda: core(engine, sqlite_insert), reset)}


def pg_pair(url: str) -> dict:
    import psycopg
    with psycopg.connect(url, autocommit=True) as c:
        for sql in SCHEMA:
            c.execute(sql)

    def bare() -> None:
        with psycopg.connect(url) as c:
            for i in range(N):
                with c.transaction():
                    c.execute("UPDATE incidents SET version = %s, snapshot = %s WHERE id = 'i'", [i, SNAPSHOT])
                    c.execute("INSERT INTO events VALUES ('i', %s, %s, %s)", [i, "{}", HASH])
                    c.execute(UPSERT.format(p="%s"), [i, HASH])

    def reset() -> None:
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("DELETE FROM events")
            c.execute("DELETE FROM ledger")

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    return {"bare": (bare, reset), "core": (lambda: core(engine, pg_insert), reset)}


def report(name: str, r: dict[str, float]) -> None:
    print(f"{name}: bare {r['bare']:.0f} µs a change, SQLAlchemy Core {r['core']:.0f} µs, "
          f"Core/bare {r['core'] / r['bare']:.2f}")


if __name__ == "__main__":
    report("sqlite", measure(sqlite_pair()))
    if sys.argv[1:] == ["pg"]:
        from tests.pg import Cluster
        cluster = Cluster()
        try:
            report("postgresql", measure(pg_pair(cluster.database())))
        finally:
            cluster.stop()
