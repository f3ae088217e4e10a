"""High 2 (and the integrity issue's correction): no redirect leaves the site."""
import pytest

from webui.auth import safe_next

from .conftest import csrf_of, sign_in

BYPASSES = ["//evil.example", "/\\evil.example", "/%5Cevil.example", "https:evil.example", "\\\\evil.example",
            "/%2F%2Fevil.example", "%2F%09%2Fevil.example", "/\t/evil.example", "/%09/evil.example",
            "https://evil.example/", "/\r\nLocation: https://evil.example", "javascript:alert(1)", " //evil.example",
            "/%2F/evil.example", "/\\/evil.example"]


@pytest.mark.parametrize("target", BYPASSES)
def test_bypasses_go_home(target):
    assert safe_next(target, "/") == "/"


@pytest.mark.parametrize("target", ["/incidents", "/incidents/inc-1?x=1", "/plans/environment#levels"])
def test_paths_on_this_site_are_kept(target):
    assert safe_next(target, "/") == target


@pytest.mark.parametrize("raw", ["%2F%09%2Fevil.com", "%2F%5Cevil.com", "%2F%2Fevil.com", "https%3Aevil.com",
                                 "%2F%0D%0ALocation%3A%20http%3A%2F%2Fevil.com", "%2F%0A%2Fevil.com"])
def test_sign_in_never_redirects_off_site(app, raw):
    c = app.test_client()
    r = sign_in(c, "指挥李四", next_=raw)
    assert r.status_code == 302
    loc = r.headers["Location"]
    assert loc in ("/", "http://localhost/"), loc


def test_sign_in_keeps_a_path_on_this_site(app):
    r = sign_in(app.test_client(), "指挥李四", next_="%2Fincidents")
    assert r.headers["Location"].endswith("/incidents")


def test_language_switch_ignores_a_foreign_referrer(signed_in):
    c = signed_in()
    r = c.get("/lang/en", headers={"Referer": "https://evil.example/phish"})
    assert r.status_code == 302 and "evil" not in r.headers["Location"]
    r = c.get("/lang/zh", headers={"Referer": "http://localhost/incidents?drill=1"})
    assert r.headers["Location"].endswith("/incidents?drill=1")


def test_csrf_failure_ignores_a_foreign_referrer(signed_in):
    c = signed_in()
    r = c.post("/incidents", data={"plan": "environment"}, headers={"Referer": "https://evil.example/"})
    assert r.status_code == 302 and "evil" not in r.headers["Location"]
    csrf_of(c, "/")
