"""The first walk-through: a chemical-plant explosion kills 4, then pollutes the river so a
township's water intake stops. Work-safety and hazardous-chemicals responses, the environment
plan linked, the level raised, deadlines dated, termination refused until its conditions hold,
post-incident tasks listed."""
import pytest

from emergency.services import incidents as svc
from emergency.core.clock import FixedClock
from emergency.core.errors import Refused
from emergency.store import open_store
from tests.refusals import refused


def test_chemical_plant_explosion_then_river_pollution(tmp_path):
    store = open_store(tmp_path / "walk.db")
    clock = FixedClock("2026-11-22T14:10:00+08:00")
    event = {"occurred_at": "2026-11-22T14:00", "reported_at": "2026-11-22T14:06", "event_group": "evt-1",
             "title": "某化工厂爆炸"}

    ws = svc.report(store, {**event, "plan": "work_safety", "facts": {"deaths": 4}}, "值班员", clock)
    hc = svc.report(store, {**event, "plan": "hazardous_chemicals", "facts": {"deaths": 4}}, "值班员", clock)
    assert (ws.classified_level, hc.classified_level) == ("III", "III")

    # work safety: 较大 → report to Nantong at once (receipt 14:06), at most 2 hours per level
    v = svc.view(store, ws.id, clock.now())
    nantong = next(n for n in v["checklist"]["notifications"] if n["id"] == "city-to-nantong")
    assert (nantong["due"], nantong["latest"]) == ("2026-11-22T14:06:00+08:00", "2026-11-22T16:06:00+08:00")
    authority = next(n for n in v["checklist"]["notifications"] if n["id"] == "head-to-authority")
    assert authority["due"] == "2026-11-22T15:06:00+08:00"       # 接报后1小时 (the head's receipt unknown: ours)
    ws = svc.act(store, ws.id, "request_higher_response", ws.version, {"level": "III"}, "指挥", clock)
    assert ws.state == "under_higher_command"

    # hazardous chemicals: activated with the commander's approval
    hc = svc.act(store, hc.id, "activate", hc.version, {"level": "III", "approved_by": "分管副区长"}, "指挥", clock)

    # 14:40 the pollutant reaches the river; a township's water intake stops: environment plan linked
    clock.advance(minutes=30)
    env = svc.report(store, {**event, "plan": "environment", "reported_at": "2026-11-22T14:40",
                             "facts": {"drinking_water_interrupted": "township"}, "cause": "production_safety"},
                     "值班员", clock)
    assert env.classified_level == "III"
    group = store.incidents.list(event_group="evt-1")
    assert {s.plan for s in group} == {"work_safety", "hazardous_chemicals", "environment"}
    v = svc.view(store, env.id, clock.now())
    phone = next(n for n in v["checklist"]["notifications"] if n["id"] == "III-phone")
    assert phone["due"] == "2026-11-22T14:30:00+08:00" and phone["status"] == "overdue"  # 30 min from 事发
    assert v["checklist"]["onsite_command"]["clause"] == "二(三)(2)"
    env = svc.act(store, env.id, "request_higher_response", env.version, {"level": "III"}, "指挥", clock)

    # more missing found: 4 dead + 6 missing → 重大; the level is raised with its reason kept
    clock.advance(minutes=20)
    hc = svc.act(store, hc.id, "update_facts", hc.version, {"facts": {"missing": 6}}, "值班员", clock)
    assert (hc.classified_level, hc.level) == ("II", "III")
    hc = svc.act(store, hc.id, "change_level", hc.version, {"level": "II", "reason": "失踪6人，死亡（含失踪）10人"},
                 "指挥", clock)
    assert hc.level == "II" and hc.level_history[-1].from_level == "III"

    # termination refused until all three conditions hold and the commander approves
    with pytest.raises(Refused, match="3.10"):
        svc.act(store, hc.id, "terminate", hc.version, {"declared_by": "现场指挥部", "approved_by": "总指挥"}, "指挥", clock)
    for cid in ("scene_controlled", "environment_meets_standards", "secondary_hazards_removed"):
        hc = svc.act(store, hc.id, "confirm_condition", hc.version, {"condition": cid}, "现场指挥部", clock)
    with refused("approved_by"):
        svc.act(store, hc.id, "terminate", hc.version, {"declared_by": "现场指挥部"}, "指挥", clock)
    hc = svc.act(store, hc.id, "terminate", hc.version, {"declared_by": "现场指挥部", "approved_by": "总指挥"},
                 "指挥", clock)
    hc = svc.act(store, hc.id, "start_post_incident", hc.version, {}, "指挥", clock)
    v = svc.view(store, hc.id, clock.now())
    assert [t["name"] for t in v["checklist"]["post_incident"]] == [
        "应急恢复", "组织疏散居民返回居住地", "事故调查", "保险理赔", "总结评估（应急救援总结报告）"]
    assert "complete_task" in v["allowed_triggers"]

    for s in group:
        assert svc.rebuild(store, s.id) == store.incidents.get(s.id)
