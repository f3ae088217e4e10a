"""A draft is filled from the record — the report received (place, source, what the caller said)
and the facts the plan grades by — into the plan's own report fields, never with a figure the record does not hold."""
import re

import pytest

from emergency.services import documents, intake
from emergency.core.clock import FixedClock
from emergency.services.incidents import incident_name
from emergency.store import open_store
from tests.library import PLANS

CLOCK = FixedClock("2026-12-06T09:00:00+08:00")


def fields_of(store, snap, kind="first"):
    plan = store.plans.plan_for(snap.plan, snap.plan_version)
    d = documents.draft(snap, store.incidents.events(snap.id), plan, kind, CLOCK.now(), store.plans,
                        intake=store.intakes.of(snap.id, snap.event_group))
    return d, {s.label: s.text for s in d.sections if s.part == "fields"}


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "r.db"))
    yield s
    s.close()


def received(store, matter, description, place="海门港新区某工地门口", source="110", reference="20261206000001"):
    return intake.record(store, {"source": source, "reference": reference, "received_at": "2026-12-06T08:40",
                                 "caller": "王某", "callback": "13912345678", "place": place,
                                 "description": description, "matter": matter}, "值班员张三", CLOCK)


def test_the_labor_first_report_carries_the_place_the_demand_and_the_grading_facts(store):
    rec = received(store, "B049", "约40名工人聚集讨要拖欠的3个月工资，堵住工地大门")
    snap = intake.open_incident(store, rec["id"], "labor_dispute", {
        "occurred_at": "2026-12-06T08:30", "facts": {"strike": 40, "traffic_blocking": "local"}}, "值班员张三", CLOCK)
    d, f = fields_of(store, snap)
    assert d.title == "关于海门港新区某工地门口劳资纠纷情况的报告（首报）"          # place and matter, never the caller's words cut
    level = next(s.text for s in d.sections if s.part == "level")   # 2.3(5) quoted without its list stop “…的；”
    assert "2.3(5)“拦截车辆、围堵交通等扰乱交通秩序的”，" in level
    assert f["事发时间、地点"].endswith("地点：海门港新区某工地门口")
    assert f["诉求（如拖欠工资）"] == "据报：约40名工人聚集讨要拖欠的3个月工资，堵住工地大门。"
    assert f["参与人数及行为（罢工、游行、静坐、集体上访）"] == "罢工人数：40人。"      # no 游行人数：0人 beside it
    assert f["是否有交通阻断、围堵政府机关或刑事犯罪"].startswith("扰乱交通秩序：拦截车辆、围堵交通；")
    assert f["用人单位法人或业主下落"] == "用人单位法人或业主逃逸或较长时间下落不明：否。"
    assert f["用人单位名称"] == ""                                       # not in the record: 待核实, not made up
    assert "王某" not in str(d.model_dump()) and "13912345678" not in str(d.model_dump())   # the caller stays home


def test_the_hazardous_chemicals_first_report_carries_time_place_kind_and_the_account(store):
    rec = received(store, "A033", "槽罐车在G40沪陕高速海门段侧翻，液氨泄漏", place="G40沪陕高速海门段")
    snap = intake.open_incident(store, rec["id"], "hazardous_chemicals", {
        "occurred_at": "2026-12-06T08:30", "facts": {"deaths": 1, "accident_kind": "leak"}}, "值班员张三", CLOCK)
    _d, f = fields_of(store, snap)
    assert f["事故发生的时间、地点以及事故现场情况"].endswith("地点：G40沪陕高速海门段")
    assert f["事故的简要经过"] == "据报：槽罐车在G40沪陕高速海门段侧翻，液氨泄漏。"
    assert f["事故的类别（火灾、爆炸、泄漏等）"] == "泄漏。"                 # the field asks this fact alone


def test_the_environment_report_says_where_it_was_reported_from(store):
    rec = received(store, "B014", "河道出现大面积油污", place="青龙河三和段", source="12345", reference="20261206000777")
    snap = intake.open_incident(store, rec["id"], "environment", {"occurred_at": "2026-12-06T08:00"}, "值班员张三", CLOCK)
    _d, f = fields_of(store, snap)
    assert f["地点"] == "青龙河三和段" and f["基本过程"] == "据报：河道出现大面积油污。"
    assert f["信息来源"] == "12345工单（编号20261206000777），2026年12月6日8时40分接报。"


def test_a_draft_without_an_intake_leaves_those_fields_to_the_officer(store):
    from emergency.services import incidents as svc
    snap = svc.report(store, {"plan": "environment", "occurred_at": "2026-12-06T08:00"}, "值班员张三", CLOCK)
    _d, f = fields_of(store, snap)
    assert f["地点"] == "" and f["信息来源"] == "" and f["基本过程"] == ""


def test_every_fact_a_report_field_names_is_a_fact_of_the_vocabulary():
    for plan in PLANS.plans.values():
        for kind in plan.reporting.report_kinds:
            for source in kind.fill.values():
                if source.startswith("facts:"):
                    for name in source.removeprefix("facts:").split(","):
                        assert PLANS.vocabulary.kind(name), (plan.id, kind.id, name)
    assert re.fullmatch(r"facts:[a-z_]+(,[a-z_]+)*", "facts:strike,march")


def test_an_untitled_incident_is_named_by_its_plan_s_kind_of_event_once(store):
    from emergency.services import incidents
    snap = incidents.report(store, {"plan": "hazardous_chemicals", "occurred_at": "2026-12-06T08:30",
                                    "reported_at": "2026-12-06T08:40", "facts": {}}, "值班员张三", CLOCK)
    d, _ = fields_of(store, snap)
    assert d.title == "关于危险化学品事故情况的报告（首报）"                      # never 危险化学品事故事件
    assert incident_name(snap, store.plans.plan_for(snap.plan)) == "危险化学品事故（12-06 08:30）"
