"""Also 5: security headers on every page, no server banner, and the pages still work in Chromium."""
import urllib.request

import pytest

from tests.serving import ThreadedServer

PAGES = ["/", "/incidents", "/plans/environment", "/classify/hazardous_chemicals", "/drills", "/cards",
         "/improvements", "/scenarios/new", "/checklist/environment?level=III&occurred_at=2026-11-22T08:00",
         "/api/plans", "/login"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_carries_the_security_headers(signed_in, path):
    r = signed_in().get(path)
    assert r.status_code == 200, path
    csp = r.headers["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    html = r.get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html  # nothing inline for the policy to block


def test_the_production_server_sends_no_version_banner(app):
    srv = ThreadedServer(app, threads=2, ident="")
    try:
        with urllib.request.urlopen(f"{srv.url}/login", timeout=10) as resp:
            assert resp.headers.get("Server") in (None, "")
            assert "Content-Security-Policy" in resp.headers
    finally:
        srv.stop()
