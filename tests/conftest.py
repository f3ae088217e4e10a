import atexit
import os
import pathlib
import shutil
import sqlite3
import tempfile

import pytest
from click.testing import CliRunner

from emergency.services import users
from emergency.core.clock import FixedClock
from emergency.response.library import library
from emergency.store import open_store, init_database, is_postgres, key_dir_for
from emergency.services.users import add_user, create_token
from tests.pg import Cluster
from webui import create_app


def _remember_werkzeug_url_builders() -> None:
    """Every test makes its own app, and werkzeug compiles each of the app's 111 routes into two URL builders from
    Python ASTs (about 40 ms an app, a third of making one). A builder is a pure function of the route's text, its
    parts, its defaults and whether unknown arguments are appended — the routed app itself is passed to it when
    it runs — so the builders compiled for the first app are the ones every later app would compile, and are kept.
    Only for werkzeug 3, whose builder this key describes whole; another version compiles as it always did."""
    import functools
    from importlib.metadata import version

    from werkzeug.routing.rules import Rule
    if not version("werkzeug").startswith("3."):
        return
    compiled = Rule._compile_builder

    @functools.wraps(compiled)
    def remembered(self, append_unknown: bool = True):
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
        builder = _BUILDERS.get(key)
        if builder is None:
            builder = _BUILDERS[key] = compiled(self, append_unknown)
        return builder
    Rule._compile_builder = remembered


_BUILDERS: dict = {}
_remember_werkzeug_url_builders()


# Real-Chromium fixtures (browser, server, page…), used by tests/e2e.
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


# Passwords made by the tests are hashed cheaply (one PBKDF2 round instead of scrypt's ~0.1 s each): a setting of
# this suite only, which `emergency serve` refuses (tests/integration/test_cli.py proves it). A subprocess server
# still checks these hashes, since the method is written into each hash.
users.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"


def add_users(database: str, clock) -> dict[str, str]:
    """Create the test users in ``database``; return an API token for each."""
    store = open_store(database)
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


# ---------------------------------------------------------------- template databases
# Migrating a fresh database (with fsync) and making its users is paid once per plans directory and clock
# time; each test copies the template file (and the chain key its audit rows were signed with).
_TEMPLATES: dict[tuple, tuple[pathlib.Path, dict[str, str]]] = {}
_TEMPLATE_ROOT = pathlib.Path(tempfile.mkdtemp(prefix="emergency-templates-"))
atexit.register(shutil.rmtree, _TEMPLATE_ROOT, True)


def _template(plans_dir: str | None, clock) -> tuple[pathlib.Path, dict[str, str]]:
    key = (plans_dir, clock.now().isoformat() if clock is not None else None)
    if key not in _TEMPLATES:
        folder = _TEMPLATE_ROOT / str(len(_TEMPLATES))
        folder.mkdir()
        db = folder / "template.db"
        init_database(db, library(plans_dir) if plans_dir else None)
        tokens = add_users(str(db), clock) if clock is not None else {}
        with sqlite3.connect(db) as conn:  # everything in the main file, so that one file copy is the database
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        _TEMPLATES[key] = (db, tokens)
    return _TEMPLATES[key]


def _copy_template(database: str, plans_dir: str | None, clock) -> dict[str, str] | None:
    """Make ``database`` a copy of the template when it is a SQLite file not made yet (and no chain key is
    given by the environment); return the template users' tokens, or None when nothing was copied."""
    target = pathlib.Path(database)
    if is_postgres(database) or database == ":memory:" or target.exists() or os.environ.get("EMERGENCY_CHAIN_KEY"):
        return None
    template, tokens = _template(plans_dir, clock)
    keys = key_dir_for(database)
    if (keys / "chain_key").exists():
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(template, target)
    keys.mkdir(parents=True, exist_ok=True)
    shutil.copy2(template.parent / "chain_key", keys / "chain_key")
    return tokens


def new_app(config: dict, initialised: bool = False):
    """The console as ``emergency serve`` starts it: the database initialised first (init-db), then the app."""
    database = config.get("DATABASE")
    if database and database != ":memory:" and not initialised:
        if _copy_template(str(database), config.get("PLANS_DIR"), None) is None:
            init_database(database, library(config["PLANS_DIR"]) if config.get("PLANS_DIR") else None)
    return create_app(config)


def app_with_users(database: str, clock, **config):
    """``new_app`` on ``database`` at ``clock``, with one user of each role (their tokens in TEST_TOKENS)."""
    tokens = _copy_template(str(database), config.get("PLANS_DIR"), clock)
    # Reports issued in tests are not printed by Chromium at issue (a second or two each) unless a test asks for it
    # (PRINT_AT_ISSUE); their PDF is then printed on request, as for a report issued before PDFs were kept. Nor is
    # an after-action report's chart photographed for its Word file unless a test asks for it (CHART_PICTURES).
    application = new_app({"DATABASE": database, "SECRET_KEY": TEST_KEY, "CLOCK": clock, "PRINT_AT_ISSUE": False,
                           "CHART_PICTURES": False, **config},
                          initialised=tokens is not None)
    application.config["TEST_TOKENS"] = tokens if tokens is not None else add_users(database, clock)
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


# ---------------------------------------------------------------- both stores
REQUIRE_POSTGRES = os.environ.get("EMERGENCY_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away PostgreSQL server for the whole run (tests/pg.py), or a skip when there is none here (or
    the run is on SQLite only: `scripts/test --fast`)."""
    if "postgresql" not in STORES:
        pytest.skip("this run is on SQLite only (EMERGENCY_STORES)")
    try:
        cluster = Cluster()
    except RuntimeError as exc:
        if REQUIRE_POSTGRES:
            raise
        pytest.skip(f"no PostgreSQL here ({exc})")
    yield cluster
    cluster.stop()


# `scripts/test --fast` sets EMERGENCY_STORES=sqlite: the fast lane needs no PostgreSQL.
STORES = os.environ.get("EMERGENCY_STORES", "sqlite,postgresql").split(",")


def pytest_generate_tests(metafunc):
    """``store_location`` is a SQLite file, and also a PostgreSQL database for a test marked ``both_stores``:
    the two stores are compared where the store is what is tested, not on every page."""
    if "store_location" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_stores"):
        metafunc.parametrize("store_location", STORES, indirect=True)


@pytest.fixture
def store_location(request, tmp_path, monkeypatch):
    """A fresh, empty database: a SQLite file path, and (marked ``both_stores``) a PostgreSQL URL, its keys in
    the test's own directory, as EMERGENCY_KEY_DIR says."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield str(tmp_path / "incidents.db")
        return
    monkeypatch.setenv("EMERGENCY_KEY_DIR", str(tmp_path / "keys"))
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.database()
    yield url
    cluster.drop(url)


@pytest.fixture
def pg_url(pg_cluster, tmp_path, monkeypatch):
    """A fresh PostgreSQL database only (a test of what PostgreSQL alone does), its keys in the test's directory."""
    monkeypatch.setenv("EMERGENCY_KEY_DIR", str(tmp_path / "keys"))
    url = pg_cluster.database()
    yield url
    pg_cluster.drop(url)


# ---------------------------------------------------------------- tiers
# The folder a test lives in is its tier, and its tier says what it may cost: unit (pure: no database, no
# file, no socket, no process; tests/unit/conftest.py refuses them), integration (a database or the app in
# this process), e2e (a real browser or server processes). `scripts/test --fast` runs unit + integration.
TIERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(config, items):
    tests_dir = pathlib.Path(__file__).resolve().parent
    for item in items:
        tier = pathlib.Path(str(item.fspath)).resolve().relative_to(tests_dir).parts[0]
        assert tier in TIERS, f"{item.nodeid}: every test lives in tests/unit, tests/integration or tests/e2e"
        if not any(item.get_closest_marker(t) for t in TIERS):  # a test may declare a costlier tier (e2e) itself
            item.add_marker(getattr(pytest.mark, tier))
