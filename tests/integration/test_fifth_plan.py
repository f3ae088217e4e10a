"""A new plan is one YAML file: a copy of plans/ with a fifth, fictitious plan and its
one new choice fact added to the vocabulary, started with PLANS_DIR / --plans, classifies, records, acts
and prints a checklist with no Python change."""
import json
import shutil
from pathlib import Path

import pytest
import yaml

from emergency.response.library import PlanLibrary
from tests.conftest import TEST_KEY, add_users, as_user, new_app, signed_in
from tests.library import PLANS_DIR
from tests.cli import emergency

DATA = Path(__file__).resolve().parent.parent / "data" / "fifth_plan"


def make_fifth_plan_dir(tmp_path: Path, sources: Path) -> tuple[Path, Path]:
    """Plans/ copied with the flood plan added, and the sources copied with its text (for the start-up lint)."""
    plans = tmp_path / "plans"
    shutil.copytree(PLANS_DIR, plans, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    shutil.copy(DATA / "flood_control.yaml", plans / "flood_control.yaml")
    vocab_file = plans / "reference" / "facts.yaml"
    vocab = yaml.safe_load(vocab_file.read_text(encoding="utf-8"))
    vocab["choices"].append(yaml.safe_load((DATA / "river_level.yaml").read_text(encoding="utf-8")))
    vocab_file.write_text(yaml.safe_dump(vocab, allow_unicode=True, sort_keys=False), encoding="utf-8")
    texts = tmp_path / "sources"
    shutil.copytree(sources, texts)
    shutil.copy(DATA / "flood-control-test.md", texts / "flood-control-test.md")
    return plans, texts


@pytest.fixture
def fifth(tmp_path, sources_dir, monkeypatch, clock):
    plans, texts = make_fifth_plan_dir(tmp_path, sources_dir)
    monkeypatch.setenv("EMERGENCY_SOURCES_DIR", str(texts))
    app = new_app({"DATABASE": str(tmp_path / "five.db"), "SECRET_KEY": TEST_KEY, "CLOCK": clock,
                   "PLANS_DIR": str(plans), "TESTING": True})
    app.config["TEST_TOKENS"] = add_users(app.config["DATABASE"], clock)
    client = app.test_client()
    as_user(client, "指挥李四")
    return plans, texts, app, client


def test_the_library_reads_the_plans_present_in_their_order(fifth):
    plans, *_ = fifth
    lib = PlanLibrary(plans)
    assert lib.ids == ("environment", "work_safety", "hazardous_chemicals", "labor_dispute", "flood_control")
    assert lib.vocabulary.choice("river_level").default == "none"


def test_classify_record_act_and_print_a_checklist_under_the_fifth_plan_through_the_api(fifth):
    _plans, _texts, _app, client = fifth
    assert "flood_control" in [p["id"] for p in client.get("/api/plans").get_json()]
    at_warning = client.post("/api/classify/flood_control", json={"river_level": "above_warning"}).get_json()
    assert at_warning["level"] == "III" and at_warning["deciding"]["clause"] == "2"
    assert client.post("/api/classify/flood_control", json={}).get_json()["level"] is None  # below the plan's scope
    refused = client.post("/api/classify/flood_control", json={"river_level": "flooded"})
    assert refused.status_code == 422 and refused.get_json()["field"] == "facts.river_level"
    created = client.post("/api/incidents", json={"plan": "flood_control", "facts": {"river_level": "above_guarantee"},
                                                  "occurred_at": "2026-11-22T08:00", "reported_at": "2026-11-22T08:05"})
    assert created.status_code == 201, created.get_json()
    inc = created.get_json()
    assert inc["classified_level"] == "II" and inc["state"] == "reported"
    acted = client.post(f"/api/incidents/{inc['id']}/events",
                        json={"trigger": "activate", "expected_version": 1, "payload": {"level": "II"}})
    assert acted.status_code == 200, acted.get_json()
    view = acted.get_json()
    assert view["state"] == "activated" and view["level"] == "II"
    phone = next(n for n in view["checklist"]["notifications"] if n["id"] == "duty-phone")
    assert phone["due"] == "2026-11-22T08:05:00+08:00" and phone["status"] == "overdue"  # 立即 from receipt
    spec = client.get("/api/openapi.json").get_json()
    assert "river_level" in spec["components"]["schemas"]["Facts"]["properties"]
    assert "flood_control" in spec["paths"]["/api/classify/{plan_id}"]["post"]["parameters"][0]["schema"]["enum"]


def test_the_duty_officer_records_and_the_commander_acts_in_the_console(fifth):
    _plans, _texts, app, _client = fifth
    duty = signed_in(app, "值班员张三")
    page = duty.get("/classify/flood_control").get_data(as_text=True)
    assert "超过保证潮位" in page and 'name="river_level"' in page  # the choice's labels from the vocabulary
    r = duty.post("/incidents", data={"plan": "flood_control", "river_level": "above_record", "deaths": "2",
                                      "title": "江堤漫溢", "occurred_at": "2026-11-22T08:00",
                                      "reported_at": "2026-11-22T08:05", "then": "checklist", "csrf_token": duty.csrf})
    assert r.status_code == 302 and r.headers["Location"].endswith("/checklist"), r.get_data(as_text=True)
    printed = duty.get(r.headers["Location"]).get_data(as_text=True)
    assert "区防汛办" in printed and "抢险组" in printed
    incident_id = r.headers["Location"].split("/incidents/")[1].split("/")[0]
    actions = duty.get(f"/incidents/{incident_id}").get_data(as_text=True).split('id="actions"')[1].split("</section>")[0]
    assert "启动应急响应" not in actions  # the plan's roles: activating is the commander's
    commander = signed_in(app, "指挥李四")
    r = commander.post(f"/incidents/{incident_id}/act", data={"trigger": "activate", "expected_version": "1",
                                                              "level": "I", "csrf_token": commander.csrf})
    assert r.status_code == 302
    page = commander.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert "特别重大汛情" in page and "确认险情消除" in page


def test_the_cli_takes_plans_dir(fifth, tmp_path):
    plans, texts, *_ = fifth
    out = emergency("classify", "flood_control", "--plans", str(plans), "--input", "-",
                    stdin=json.dumps({"river_level": "above_record"}))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["level"] == "I"
    unknown = emergency("classify", "flood_control", "--input", "-", stdin="{}")
    assert unknown.returncode == 2 and "flood_control" in unknown.stderr  # not in the shipped plans
    lint = emergency("lint", "--plans", str(plans), "--sources", str(texts))
    assert lint.returncode == 0, lint.stdout
    assert "flood_control" not in "\n".join(line for line in lint.stdout.splitlines() if line.startswith("ERROR"))
