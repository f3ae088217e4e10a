"""On recorded incidents: duties that survive a level change, the 493号 补报's window
for a fire at the minute, and an office's own rules pinned to the incidents that started under them."""
import shutil
from pathlib import Path

import pytest

from emergency.services import documents
from emergency.services import incidents as svc
from emergency.response.checklist import checklist
from emergency.core.clock import FixedClock
from emergency.response.library import PlanLibrary
from emergency.response.lint import lint_overlays
from emergency.core.markdown import checklist_markdown
from emergency.store import open_store
from tests.library import PLANS, status_views

PLANS_DIR = Path(PLANS.directory)
OFFICE_FIXTURE = Path(__file__).resolve().parents[1] / "data" / "office_rules" / "office_rules.yaml"


@pytest.fixture
def clock():
    return FixedClock("2026-11-22T09:00:00+08:00")


def test_the_nantong_row_survives_iv_to_iii_with_its_clock_and_its_acknowledgement(tmp_path, clock):
    store = open_store(str(tmp_path / "t.db"))
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "槽罐车泄漏", "facts": {"deaths": 1},
                              "occurred_at": "2026-11-22T02:30", "reported_at": "2026-11-22T02:40"}, "值班员", clock)
    snap = svc.act(store, snap.id, "activate", snap.version, {"level": "IV", "approved_by": "副区长"}, "指挥", clock)
    snap = svc.act(store, snap.id, "tick_notification", snap.version, {"notification": "nat-493-10-city"}, "值班员", clock)
    before = next(n for n in status_views(snap, clock.now()) if n["id"] == "nat-493-10-city")
    assert before["status"] == "done" and before["due"] == "2026-11-22T04:40:00+08:00"
    snap = svc.act(store, snap.id, "change_level", snap.version, {"level": "III", "reason": "死亡3人"}, "指挥", clock)
    after = {n["id"]: n for n in status_views(snap, clock.now())}
    assert after["nat-493-10-city"]["status"] == "done" and after["nat-493-10-city"]["due"] == before["due"]
    assert after["nat-493-10-province"]["due"] == "2026-11-22T06:40:00+08:00"  # the hop above, new at III


@pytest.mark.parametrize("kind, days", [("fire", 7), ("leak", 30)])
def test_the_493_supplement_window_is_seven_days_for_a_fire_to_the_minute(tmp_path, kind, days):
    clock = FixedClock("2026-12-02T10:00:00+08:00")
    store = open_store(str(tmp_path / "s.db"))
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "仓库起火", "occurred_at": "2026-12-02T09:00",
                              "facts": {"poisoned": 2, "accident_kind": kind}}, "值班员张三", clock)
    plan = store.plans.plan("hazardous_chemicals")
    draft = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "first", clock.now(), store.plans,
                            {"issuer": "区应急管理局", "signer": "甲", "contact": "乙"})
    documents.issue(store, snap.id, draft, "值班员张三", clock)
    clock.advance(days=days, hours=-1)                         # exactly `days` days after 09:00 on 12-02
    snap = svc.act(store, snap.id, "update_facts", store.incidents.get(snap.id).version, {"facts": {"deaths": 1}}, "值班员张三",
                   clock)
    assert "supplementary" in {o["kind"] for o in documents.offers(snap, plan, clock.now(), store.plans)}
    clock.advance(minutes=1)
    assert "supplementary" not in {o["kind"] for o in documents.offers(snap, plan, clock.now(), store.plans)}


# ---- point 5: an office's own rules (本单位规定), empty as shipped
def test_the_shipped_office_rules_are_empty():
    assert PLANS.office_rules.rules == []
    assert not any(n.get("office") for lv in ("I", "IV") for n in
                   checklist(PLANS.plan("labor_dispute"), lv, "2026-11-22T08:00", "2026-11-22T08:10")["notifications"])


def _library_with(tmp_path, office_text: str) -> PlanLibrary:
    folder = tmp_path / "plans"
    if not folder.exists():
        shutil.copytree(PLANS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "reference" / "office_rules.yaml").write_text(office_text, encoding="utf-8")
    return PlanLibrary(folder)


def test_an_office_rule_is_listed_marked_as_the_offices_and_pinned_to_the_incidents_started_under_it(tmp_path, clock):
    plans = _library_with(tmp_path, OFFICE_FIXTURE.read_text(encoding="utf-8"))
    item = next(n for n in checklist(plans.plan("labor_dispute"), "II", "2026-11-22T08:00", "2026-11-22T08:10")
                ["notifications"] if n["id"] == "office-test-labor-written")
    assert item["office"].startswith("（测试用）") and item["national"] is None
    assert item["due"] == "2026-11-22T09:10:00+08:00"  # 1 hour from receipt, to the minute
    md = checklist_markdown(checklist(plans.plan("labor_dispute"), "II", "2026-11-22T08:00", "2026-11-22T08:10"))
    assert "本单位规定：（测试用）示例市突发事件信息报送办法" in md
    assert "office-test-labor-written" not in {n["id"] for n in checklist(
        plans.plan("labor_dispute"), "III", "2026-11-22T08:00", "2026-11-22T08:10")["notifications"]}
    # only the plan the rule names gets a new version
    assert plans.current_version("labor_dispute") != PLANS.current_version("labor_dispute")
    assert plans.current_version("environment") == PLANS.current_version("environment")

    db = str(tmp_path / "o.db")
    store = open_store(db, plans=plans)
    snap = svc.report(store, {"plan": "labor_dispute", "title": "讨薪", "facts": {"strike": 120},
                              "occurred_at": "2026-11-22T08:00", "reported_at": "2026-11-22T08:10"}, "值班员", clock)
    store.close()
    emptied = _library_with(tmp_path, "source: 本单位规定\nrules: []\n")        # the office withdraws its rule
    store = open_store(db, plans=emptied)
    kept = store.incidents.get(snap.id)
    assert "office-test-labor-written" in {n["id"] for n in status_views(kept, clock.now(), emptied)}
    later = svc.report(store, {"plan": "labor_dispute", "title": "讨薪二", "facts": {"strike": 120},
                               "occurred_at": "2026-11-22T08:00", "reported_at": "2026-11-22T08:10"}, "值班员", clock)
    assert "office-test-labor-written" not in {n["id"] for n in status_views(later, clock.now(), emptied)}


@pytest.mark.parametrize("change, words", [
    (lambda t: t.replace("applies_to: [labor_dispute]", "applies_to: [flood_control]"), "unknown plan 'flood_control'"),
    (lambda t: t.replace("id: office-test-labor-written", "id: nat-493-10-city"), "is used already"),
    (lambda t: t.replace("within_minutes: 60", "within_minutes: 600").replace("[labor_dispute]", "[environment]"),
     "longer than the national ceiling")])
def test_lint_checks_the_office_rules(tmp_path, change, words):
    plans = _library_with(tmp_path, change(OFFICE_FIXTURE.read_text(encoding="utf-8")))
    assert any(words in f.message and f.file.endswith("office_rules.yaml") for f in lint_overlays(plans))
