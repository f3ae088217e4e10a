"""Also 6 (and the integrity issue's point 2): scenario YAML with aliases is refused quickly, error
messages stay short, and user text is escaped wherever it is shown."""
import time

import pytest

from emergency.services.drill_runs import save_scenario
from emergency.plans.model import PlanFileError

from .conftest import csrf_of

BOMB = """id: bomb
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
facts: [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_a_billion_laughs_scenario_is_refused_quickly_with_a_short_page(signed_in):
    c = signed_in("导调王五")
    t0 = time.monotonic()
    r = c.post("/scenarios", data={"yaml": BOMB, "csrf_token": csrf_of(c, "/scenarios/new")})
    elapsed = time.monotonic() - t0
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "anchors and aliases" in body and len(body) < 60_000
    assert elapsed < 5  # the old code took 21 s and 3.9 GB; this is a bound, not a speed claim


def test_an_alias_anywhere_is_refused_by_the_engine(store, clock):
    with pytest.raises(PlanFileError, match="line 2, column 7: YAML anchors and aliases"):
        save_scenario(store, "id: x\nbase: &b {deaths: 1}\nfacts: *b\n", "导调", clock)


def test_a_huge_value_is_not_echoed_back_in_full(signed_in):
    c = signed_in()
    huge = "x" * 200_000
    r = c.post("/api/classify/environment", json={"drinking_water_interrupted": huge},
               headers={"X-CSRFToken": csrf_of(c, "/")})
    assert r.status_code == 422
    assert len(r.get_data()) < 1000 and "x…" in r.json["message"] and "x…" in r.json["message_zh"]


def test_a_script_in_a_title_is_shown_as_text_everywhere(signed_in, app):
    c = signed_in()
    h = {"Authorization": f"Bearer {app.config['TEST_TOKENS']['指挥李四']}"}
    title = '<script>alert(1)</script>[链接](javascript:alert(1))'
    r = app.test_client().post("/api/incidents", headers=h, json={
        "plan": "environment", "title": title, "facts": {"deaths": 3}, "occurred_at": "2026-11-22T08:00"})
    assert r.status_code == 201
    iid = r.json["id"]
    for path in ("/", "/incidents", f"/incidents/{iid}", f"/incidents/{iid}/checklist"):
        html = c.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    assert app.test_client().get(f"/api/incidents/{iid}", headers=h).json["title"] == title
