"""A PostgreSQL connection the server drops (a restart, a killed backend): the next request is answered from a fresh
connection, and a request whose connection goes away mid-way is told to try again (503), never a 500."""
import psycopg
import pytest

from emergency.core.clock import FixedClock
from emergency.store import open_store, StoreBusy
from tests.conftest import app_with_users, as_user


def _kill_backends(url):
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")


def test_a_dropped_connection_is_replaced_and_one_lost_mid_request_is_a_503(pg_url):
    app = app_with_users(pg_url, FixedClock("2026-11-22T09:00:00+08:00"), TESTING=True)
    c = app.test_client()
    as_user(c, "值班员张三")
    assert c.get("/api/incidents").status_code == 200
    _kill_backends(pg_url)
    assert c.get("/api/incidents").status_code == 200            # the pool handed out a checked connection
    store = open_store(pg_url)
    try:
        _kill_backends(pg_url)
        with pytest.raises(StoreBusy, match="数据库连接中断"):
            store.incidents.list(drill=None)
    finally:
        store.close()
