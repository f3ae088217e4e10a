"""The security suite: an app on a fixed clock, users of every role, and sign-in through the real form."""
import re

import pytest

from emergency.store import open_store
from emergency.services.users import add_user

from tests.conftest import PASSWORD, app_with_users, new_app  # noqa: F401 - new_app is imported from here by the suite

KEY = "security-suite-key-0123456789abcdef"


@pytest.fixture
def app(tmp_path, clock):
    """The shared app with this suite's key, a loose sign-in limit, and an administrator besides."""
    application = app_with_users(str(tmp_path / "sec.db"), clock, SECRET_KEY=KEY, LOGIN_RATE_LIMIT="1000 per minute")
    store = open_store(application.config["DATABASE"])
    add_user(store, "管理员甲", "administrator", PASSWORD, clock)
    store.close()
    return application


@pytest.fixture
def store(app):
    s = open_store(app.config["DATABASE"])
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
