"""The plan texts, each point at its edge: the thresholds, deadlines and owners a careful reading found."""
import pytest

from emergency.services import incidents as svc
from emergency.response.checklist import checklist
from emergency.core.markdown import checklist_markdown
from emergency.core.clock import FixedClock
from emergency.core.errors import Refused
from tests.library import PLANS, status_views
from emergency.store import open_store
from tests.refusals import refused

CLOCK = FixedClock("2026-11-22T09:00:00+08:00")


def _cl(plan, level):
    return checklist(PLANS.plan(plan), level, "2026-11-22T08:00", "2026-11-22T08:10")


# ---- point 2: two plans on one event keep every plan's clocks
def test_one_event_under_work_safety_and_hazardous_chemicals_keeps_both_plans_clocks():
    store = open_store(":memory:")
    event = {"occurred_at": "2026-11-22T08:00", "reported_at": "2026-11-22T08:10", "event_group": "evt-ws-hc",
             "facts": {"deaths": 12}}
    ws = svc.report(store, {**event, "plan": "work_safety"}, "值班员", CLOCK)
    hc = svc.report(store, {**event, "plan": "hazardous_chemicals"}, "值班员", CLOCK)
    views = [svc.snapshot_view(s, None, CLOCK.now()) for s in (ws, hc)]
    lead, basis = PLANS.lead_with_basis({"work_safety": "II", "hazardous_chemicals": "II"})
    assert lead == "hazardous_chemicals" and basis["clause"] == "9.2"
    merged = svc.merged_notifications(views)
    clauses = {(s["plan"], s["clause"]) for m in merged for s in m["sources"]}
    # work safety 5.1: phone within 15 minutes and in writing within 30 to the government duty room
    ws_items = [m for m in merged if any(s["plan"] == "work_safety" and s["clause"] == "5.1" for s in m["sources"])]
    dues = {m["due"] for m in ws_items}
    assert "2026-11-22T08:15:00+08:00" in dues and "2026-11-22T08:30:00+08:00" in dues  # counted from the accident
    # hazardous chemicals 3.1: the at-once chain from the site
    hc_now = [m for m in merged if any(s["plan"] == "hazardous_chemicals" and s["clause"] == "3.1" for s in m["sources"])]
    assert any(m["immediate"] and m["due"] == "2026-11-22T08:00:00+08:00" for m in hc_now)
    assert ("work_safety", "5.1") in clauses and ("hazardous_chemicals", "3.1") in clauses
    # nothing a single plan requires is lost in the merge
    for v in views:
        ids = {(v["plan"], n["id"]) for n in v["checklist"]["notifications"]}
        assert ids <= {(s["plan"], s["id"]) for m in merged for s in m["sources"]}


def test_the_same_recipient_and_channel_is_kept_once_with_the_earliest_due_time():
    store = open_store(":memory:")
    event = {"occurred_at": "2026-11-22T08:00", "reported_at": "2026-11-22T08:10", "event_group": "evt-dup",
             "facts": {"deaths": 4}}
    views = [svc.snapshot_view(svc.report(store, {**event, "plan": p}, "值班员", CLOCK), None, CLOCK.now())
             for p in ("work_safety", "hazardous_chemicals")]
    merged = svc.merged_notifications(views)
    keys = [(frozenset(m["to"]), m["channel"]) for m in merged]
    assert len(keys) == len(set(keys))
    shared = [m for m in merged if len({s["plan"] for s in m["sources"]}) > 1]
    assert shared, "the two plans share at least one recipient and channel (493号 to Nantong, for one)"
    for m in shared:
        dues = [s["due"] for s in m["sources"] if s["due"]]
        assert m["due"] == (min(dues) if dues else None)


def test_environment_leads_from_level_ii_pollution_with_8_2_quoted():
    assert PLANS.lead_with_basis({"environment": "II", "hazardous_chemicals": "III"})[0] == "environment"
    lead, basis = PLANS.lead_with_basis({"environment": "III", "hazardous_chemicals": "III"})
    assert lead == "hazardous_chemicals" and basis["clause"] == "8.2" and "重大环境污染事故" in basis["text"]


# ---- point 7: labor dispute III and IV have their notifications
def test_labor_dispute_levels_iii_and_iv_bring_in_the_hr_bureau_and_ii_the_government_office():
    for level in ("III", "IV"):
        (n,) = _cl("labor_dispute", level)["notifications"]
        assert n["clause"] == "5.1" and any("人社局" in t for t in n["to"]) and n["due"] is None
    # the fourth reading: at II the government office handles it with the bureau (5.1), command not a report
    command = [c for c in _cl("labor_dispute", "II")["command"] if c["clause"] == "5.1"]
    assert command and "政府办公室" in command[0]["structure"] and "人社局" in command[0]["structure"]


# ---- point 10: national rules on the checklist, marked as such
def test_national_rules_are_on_accident_checklists_marked_with_their_article():
    for plan in ("work_safety", "hazardous_chemicals"):
        items = {n["id"]: n for n in _cl(plan, "IV")["notifications"]}
        city = items["nat-493-10-city"]
        assert city["national"].endswith("（国务院令第493号）") and city["due"] == "2026-11-22T10:10:00+08:00"
        assert any("南通" in t for t in city["to"])
        assert "nat-493-10-inform" in items and items["nat-493-13-supplement"]["due"] is None
        md = checklist_markdown(_cl(plan, "IV"))
        assert "国家规定（摘要）：生产安全事故报告和调查处理条例（国务院令第493号） 493号第十条" in md
    # only 一般 goes to Nantong by Art. 10 here; III and above already go there under the plan itself
    assert "nat-493-10-city" not in {n["id"] for n in _cl("work_safety", "III")["notifications"]}
    for plan in ("environment", "labor_dispute"):
        assert not any(n["national"] for n in _cl(plan, "IV")["notifications"])


def test_a_supplementary_report_is_dated_when_casualties_change():
    store = open_store(":memory:")
    snap = svc.report(store, {"plan": "work_safety", "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:00",
                              "reported_at": "2026-11-22T08:10"}, "值班员", CLOCK)
    later = FixedClock("2026-11-30T10:00:00+08:00")
    snap = svc.act(store, snap.id, "condition_arose", snap.version, {"notification": "nat-493-13-supplement"}, "值班员",
                   later)
    item = next(n for n in status_views(snap, later.now()) if n["id"] == "nat-493-13-supplement")
    assert item["due"] == "2026-11-30T10:00:00+08:00" and item["status"] == "immediate"  # due this very moment


# ---- points 5 and 6 on the checklist
def test_environment_warning_measures_include_the_special_groups():
    measures = _cl("environment", "IV")["warning"]["measures"]
    assert any("老、幼、病、残、孕" in m["text"] and "警报盲区" in m["text"] for m in measures)


# ---- point 8: environment cross-district, province, survey, assessment form, who declares the end
def test_environment_cross_district_items_are_dated_when_the_crossing_is_recorded():
    store = open_store(":memory:")
    snap = svc.report(store, {"plan": "environment", "facts": {"cross_boundary": "county"},
                              "occurred_at": "2026-11-22T08:00", "reported_at": "2026-11-22T08:10"}, "值班员",
                      FixedClock("2026-11-22T08:12:00+08:00"))
    items = {n["id"]: n for n in status_views(snap, CLOCK.now())}
    assert items["cross-district-city"]["status"] == "open" and items["office-to-province"]["due"] is None
    assert "江苏省生态环境厅" in items["office-to-province"]["to"]
    snap = svc.act(store, snap.id, "condition_arose", snap.version, {"notification": "cross-district-city"}, "值班员",
                   FixedClock("2026-11-22T08:40:00+08:00"))
    items = {n["id"]: n for n in status_views(snap, CLOCK.now())}
    assert items["cross-district-city"]["due"] == "2026-11-22T08:40:00+08:00"
    assert PLANS.lifecycle("environment")


def test_environment_end_is_declared_by_the_government_that_started_the_response():
    m = PLANS.lifecycle("environment")
    labels = {a["label"] for a in m.describe_triggers("under_higher_command") if a["trigger"] == "terminate"}
    assert labels == {"记录省、市政府宣布应急终止"}
    labels = {a["label"] for a in m.describe_triggers("activated") if a["trigger"] == "terminate"}
    assert labels == {"区政府宣布应急终止"}
    cl = _cl("environment", "IV")
    assert any("涉事单位不明" in x["text"] for x in cl["measures"])
    assert any("损害评估简表" in t["text"] for t in cl["post_incident"])


# ---- point 9: hazardous chemicals member units, monitoring, information release, groups
def test_hazardous_chemicals_lists_all_twenty_member_units_and_its_groups_as_written():
    plan = PLANS.plan("hazardous_chemicals")
    assert [m.clause for m in plan.member_duties if m.clause.startswith("2.2.3")] == [f"2.2.3({i})" for i in range(1, 21)]
    # the third reading adds the enterprise's duties to the on-site command (2.2.6), after the twenty
    assert [m.unit for m in plan.member_duties if m.clause == "2.2.6"] == ["危险化学品从业单位"]
    assert plan.member_duties[4].unit == "市公安局" and "110报警后" in plan.member_duties[4].text
    groups = {g.id: g for g in plan.groups}
    assert groups["coordination"].lead == ["市安监局", "市应急办"]
    assert groups["medical"].members == ["医护人员"]
    cl = _cl("hazardous_chemicals", "IV")
    assert len(cl["member_duties"]) == 21 and any(m["clause"] == "3.9" for m in cl["measures"])


def test_hazardous_chemicals_information_is_released_only_when_the_command_head_approves():
    m = PLANS.lifecycle("hazardous_chemicals")
    store = open_store(":memory:")
    snap = svc.report(store, {"plan": "hazardous_chemicals", "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:00"},
                      "值班员", CLOCK)
    snap, _ = m.apply(snap, "activate", {"level": "IV", "approved_by": "总指挥"}, "指挥", CLOCK.now())
    with refused("payload.approved_by"):
        m.apply(snap, "release_information", {"note": "通报：泄漏已控制"}, "指挥", CLOCK.now())
    snap, ev = m.apply(snap, "release_information", {"note": "通报：泄漏已控制", "approved_by": "指挥部负责人"}, "指挥",
                       CLOCK.now())
    assert ev["payload"]["approved_by"] == "指挥部负责人" and snap.state == "activated"


# ---- point 11: 应急保障 as data, on the plan page and the commander's card
def test_support_is_encoded_for_the_three_plans_that_have_it_and_on_the_commanders_card():
    from emergency.response.cards import card
    for plan_id, funding_clause in (("environment", "六(六)"), ("work_safety", "7.6"), ("hazardous_chemicals", "5.6")):
        plan = PLANS.plan(plan_id)
        funding = [x for x in plan.support if x.topic == "资金"]
        assert funding and funding[0].clause == funding_clause
        notes = card(plan, "IV", "commander")["notes"]
        assert any(n["text"].startswith("应急保障：") and f"资金（{funding_clause}）" in n["text"] for n in notes)
    env = PLANS.plan("environment")
    assert any("先行垫付" in x.text for x in env.support)  # the finance bureau advances when the payer is unknown


# moved from tests/unit/test_lifecycle.py: it writes to a database
def test_closing_waits_for_a_linked_plans_incident_still_at_receipt():
    store = open_store(":memory:")
    ev = {"occurred_at": "2026-11-22T08:00", "event_group": "evt-close", "facts": {"deaths": 1}}
    env = svc.report(store, {**ev, "plan": "environment"}, "x", CLOCK)
    svc.report(store, {**ev, "plan": "hazardous_chemicals"}, "x", CLOCK)
    plan = PLANS.plan("environment")
    steps = [("activate", {"level": "IV", "approved_by": "区长"}), ("confirm_condition", {"condition": "controlled"}),
             ("terminate", {"declared_by": "海门区政府"}), ("start_post_incident", {})]
    steps += [("complete_task", {"task": t.id}) for t in plan.post_incident]
    steps += [("tick_notification", {"notification": r.id}) for r in plan.reporting.rules
              if r.immediate and r.counted_from != "condition" and "IV" in r.levels]
    for trigger, payload in steps:
        env = svc.act(store, env.id, trigger, env.version, payload, "指挥", CLOCK)
    with pytest.raises(Refused, match="仍停留在接报"):
        svc.act(store, env.id, "close", env.version, {}, "指挥", CLOCK)
