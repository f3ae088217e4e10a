"""The security suite: an app on a fixed clock, users of every role, and sign-in through the real form."""
import re

import pytest

from emergency.clock import FixedClock
from emergency.users import add_user

from ..conftest import PASSWORD, add_users, new_app

KEY = "security-suite-key-0123456789abcdef"


@pytest.fixture
def clock():
    return FixedClock("2026-11-22T09:00:00+08:00")


@pytest.fixture
def app(tmp_path, clock):
    app = new_app({"DATABASE": str(tmp_path / "sec.db"), "SECRET_KEY": KEY, "CLOCK": clock,
                      "LOGIN_RATE_LIMIT": "1000 per minute"})
    app.config["TEST_TOKENS"] = add_users(app.config["DATABASE"], clock)
    from emergency.store import Store
    store = Store(app.config["DATABASE"])
    add_user(store, "管理员甲", "administrator", PASSWORD, clock)
    store.close()
    return app


@pytest.fixture
def store(app):
    from emergency.store import Store
    s = Store(app.config["DATABASE"])
    yield s
    s.close()


def csrf_of(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, name, password=PASSWORD, next_=None):
    url = "/login" + (f"?next={next_}" if next_ is not None else "")
    return client.post(url, data={"name": name, "password": password, "csrf_token": csrf_of(client)})


@pytest.fixture
def signed_in(app):
    def make(name="指挥李四"):
        c = app.test_client()
        r = sign_in(c, name)
        assert r.status_code == 302, r.get_data(as_text=True)[:500]
        return c
    return make
