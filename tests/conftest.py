import pathlib

import pytest

# Real-Chromium fixtures (browser, server, page…), shared by tests/e2e and tests/security.
pytest_plugins = ["tests.e2e.fixtures"]

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = ROOT.parent / "shared" / "sources"


@pytest.fixture(scope="session")
def sources_dir():
    assert SOURCES.is_dir(), f"the plan texts are expected at {SOURCES} (../shared/sources beside the repo)"
    return SOURCES


# Users the tests sign in as: one of each role. Passwords are per-test constants, never defaults of the app.
USERS = {"值班员张三": "duty_officer", "指挥李四": "commander", "导调王五": "drill_controller", "观察员赵六": "observer"}
PASSWORD = "test-password-不是默认"


def add_users(database: str, clock) -> dict[str, str]:
    """Create the test users in ``database``; return an API token for each."""
    from emergency.store import Store
    from emergency.users import add_user, create_token
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
