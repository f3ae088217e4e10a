import os
import pathlib

import pytest
from click.testing import CliRunner

from emergency.clock import FixedClock
from emergency.library import library
from emergency.store import Store, init_database
from emergency.users import add_user, create_token
from tests.pg import Cluster
from webui import create_app


# Real-Chromium fixtures (browser, server, page…), shared by tests/e2e and tests/security.
pytest_plugins = ["tests.e2e.fixtures"]

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = pathlib.Path(os.environ.get("EMERGENCY_SOURCES_DIR") or ROOT.parent / "shared" / "sources")


@pytest.fixture(scope="session")
def sources_dir():
    assert SOURCES.is_dir(), f"the plan texts are expected at {SOURCES} (../shared/sources beside the repo)"
    return SOURCES


# Users the tests sign in as: one of each role. Passwords are per-test constants, never defaults of the app.
USERS = {"值班员张三": "duty_officer", "指挥李四": "commander", "导调王五": "drill_controller", "观察员赵六": "observer"}
PASSWORD = "test-password-不是默认"


def add_users(database: str, clock) -> dict[str, str]:
    """Create the test users in ``database``; return an API token for each."""
    store = Store(database)
    try:
        for name, role in USERS.items():
            add_user(store, name, role, PASSWORD, clock)
        return {name: create_token(store, name, clock) for name in USERS}
    finally:
        store.close()


def as_user(client, name: str) -> None:
    """Make the test client send the bearer token of ``name``."""
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {client.application.config['TEST_TOKENS'][name]}"


TEST_KEY = "test-key-not-secret-0123456789abcdef"


def new_app(config: dict):
    """The console as ``emergency serve`` starts it: the database initialised first (init-db), then the app."""
    if config.get("DATABASE") and config["DATABASE"] != ":memory:":
        init_database(config["DATABASE"], library(config["PLANS_DIR"]) if config.get("PLANS_DIR") else None)
    return create_app(config)


def app_with_users(database: str, clock, **config):
    """``new_app`` on ``database`` at ``clock``, with one user of each role (their tokens in TEST_TOKENS)."""
    application = new_app({"DATABASE": database, "SECRET_KEY": TEST_KEY, "CLOCK": clock, **config})
    application.config["TEST_TOKENS"] = add_users(database, clock)
    return application


@pytest.fixture
def clock():
    return FixedClock("2026-11-22T09:00:00+08:00")


@pytest.fixture
def app(tmp_path, clock):
    """A console on a fresh database at a fixed clock, with one user of each role (tokens in TEST_TOKENS)."""
    return app_with_users(str(tmp_path / "app.db"), clock, TESTING=True)


@pytest.fixture
def client(app):
    """A test client acting as the commander (as_user switches)."""
    c = app.test_client()
    as_user(c, "指挥李四")
    return c


@pytest.fixture
def runner():
    """The ``emergency`` command, run in-process (exit codes and output as a shell would see them)."""
    return CliRunner()


def signed_in(app, name: str):
    """A test client signed in through the sign-in form as ``name`` (a browser session); ``.csrf`` is the
    page token every form post needs."""
    import re
    c = app.test_client()
    page = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    c.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    c.csrf = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/").get_data(as_text=True)).group(1)
    return c


# ---------------------------------------------------------------- both stores (issue 12)
REQUIRE_POSTGRES = os.environ.get("EMERGENCY_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away PostgreSQL server for the whole run (tests/pg.py), or a skip when there is none here."""
    try:
        cluster = Cluster()
    except RuntimeError as exc:
        if REQUIRE_POSTGRES:
            raise
        pytest.skip(f"no PostgreSQL here ({exc})")
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request, tmp_path, monkeypatch):
    """A fresh, empty database of each kind: a SQLite file path, then a PostgreSQL URL (its keys in the
    test's own directory, as EMERGENCY_KEY_DIR says)."""
    if request.param == "sqlite":
        yield str(tmp_path / "incidents.db")
        return
    monkeypatch.setenv("EMERGENCY_KEY_DIR", str(tmp_path / "keys"))
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.database()
    yield url
    cluster.drop(url)
