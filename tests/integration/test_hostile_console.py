"""The console's forms answer hostile input with a clear refusal (4xx or a flash), never a 5xx."""
import re

import pytest

from emergency.services import incidents as svc
from emergency.core.clock import FixedClock
from emergency.store import open_store

from tests.conftest import PASSWORD, add_users, new_app

LONG = "长" * 100_000


@pytest.fixture
def client(tmp_path):
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    app = new_app({"DATABASE": str(tmp_path / "h.db"), "SECRET_KEY": "test-key-not-secret-0123456789abcdef", "CLOCK": clock})
    add_users(app.config["DATABASE"], clock)
    c = app.test_client()
    page = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    c.post("/login", data={"name": "指挥李四", "password": PASSWORD, "csrf_token": token})
    c.csrf = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/").get_data(as_text=True)).group(1)
    store = open_store(app.config["DATABASE"])
    c.incident = svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:00"}, "x", clock).id
    return c


HOSTILE = [{}, {"plan": "nope"}, {"plan": "environment", "deaths": "-5", "occurred_at": "x"},
           {"plan": "environment", "deaths": "9" * 400, "occurred_at": "2026-11-22T08:00"},
           {"plan": "environment", "direct_loss_yuan": "1e400", "occurred_at": "2026-11-22T08:00"},
           {"plan": "environment", "title": LONG, "occurred_at": "2026-11-22T08:00"},
           {"plan": "labor_dispute", "traffic_blocking": "<script>", "occurred_at": "2026-11-22T08:00"},
           {"trigger": "activate", "expected_version": "one"}, {"trigger": "x" * 5000, "expected_version": "1"},
           {"trigger": "change_level", "expected_version": "1", "level": "IX", "reason": LONG},
           {"action": "explode", "speed": "NaN"}, {"scenario": "../../etc/passwd", "seed": "-1"},
           {"yaml": "!!python/object/apply:os.system ['true']"}, {"yaml": LONG},
           {"finding": "", "owner": LONG, "due": "tomorrow"}]


@pytest.mark.parametrize("body", HOSTILE)
def test_no_form_answers_hostile_input_with_a_server_error(client, body):
    drill_page = client.post("/drills", data={"scenario": "hc-tank-leak", "csrf_token": client.csrf})
    drill = drill_page.location.rsplit("/", 1)[-1]
    for url in ("/incidents", f"/incidents/{client.incident}/act", "/incidents/inc-nope/act", "/drills",
                f"/drills/{drill}/control", "/drills/drl-nope/control", f"/drills/{drill}/improvements", "/scenarios",
                "/improvements/999999/close"):
        r = client.post(url, data={**body, "csrf_token": client.csrf})
        assert r.status_code < 500, (url, body, r.status_code)
        assert "Traceback" not in r.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/checklist/environment?level=IV&occurred_at=" + "9" * 5000,
                                 "/checklist/environment.md?level=%00", "/cards/environment/IV/nope",
                                 "/cards/mars/IV/duty_officer", "/plans/../../etc", "/incidents/" + "x" * 3000,
                                 "/drills/drl-x/report", "/classify/nope"])
def test_no_page_answers_hostile_urls_with_a_server_error(client, url):
    r = client.get(url)
    assert 400 <= r.status_code < 500


def test_vendored_mermaid_is_served_compressed(client):
    r = client.get("/static/vendor/mermaid/mermaid.min.js", headers={"Accept-Encoding": "gzip, deflate"})
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
    assert int(r.headers["Content-Length"]) < 1_500_000  # 3.6 MB uncompressed
    import gzip
    assert len(gzip.decompress(r.data)) > 3_000_000
    with client.get("/static/vendor/mermaid/mermaid.min.js") as plain:
        assert "Content-Encoding" not in plain.headers


def test_home_lists_the_plans_due_for_their_three_year_evaluation(client):
    html = client.get("/").get_data(as_text=True)
    assert 'id="revision-due"' in html and "海政办发〔2018〕9号" in html and "2021-02-02" in html
