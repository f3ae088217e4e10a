"""Scenarios as validated data, seeded variants, the drill clock and the after-action report."""
import pytest

from emergency.services import drill_runs as dr
from emergency.core.clock import FixedClock, parse_time
from emergency.response.drills import Scenario, _bounds, parse_scenario_yaml, variant
from emergency.plans.model import PlanFileError
from tests.library import PLANS
from emergency.services.report import DrillReport, Finding, IncidentReport, LevelRow, OthersItem, drill_report
from emergency.services import incidents as svc
from emergency.store import open_store
from tests.refusals import refused


def test_library_has_at_least_two_scenarios_per_plan_and_some_cross_plans():
    lib = PLANS.scenarios
    for plan in PLANS.ids:
        assert sum(plan in s.plans for s in lib.values()) >= 2, plan
    assert sum(len(s.plans) > 1 for s in lib.values()) >= 2


def test_same_seed_same_drill_other_seed_other_drill():
    sc = PLANS.scenarios["hc-tanker-river"]
    a, ca = variant(sc, 41, PLANS)
    b, cb = variant(sc, 41, PLANS)
    c, cc = variant(sc, 42, PLANS)
    assert a == b and ca == cb
    assert a != c


@pytest.mark.parametrize("boundary", [False, True])
def test_variant_figures_land_next_to_the_plans_level_bounds(boundary):
    sc = PLANS.scenarios["env-toxic-gas"]
    plan = PLANS.plan("environment")
    checked = 0
    for seed in range(20):
        varied, info = variant(sc, seed, PLANS, boundary=boundary)
        for ch in info["changes"]:
            if "near_bound" not in ch or ch["held"]:  # held: kept at an earlier, larger figure (counts never go down)
                continue
            bounds = _bounds(plan, ch["fact"])
            # measured from the plan's own bounds, not from what the variant says it aimed at
            assert min(abs(ch["to"] - b) for b in bounds) <= 1, ch
            assert ch["near_bound"] in bounds
            checked += 1
    assert checked >= 20  # the property was tested on real changes, not vacuously


def test_a_variant_keeps_the_scenarios_arc_unless_a_boundary_drill_is_asked_for():
    """3 poisoned at T+0 must not become 101 and skip the escalation the drill tests."""
    from emergency.response.classify import classify
    sc = PLANS.scenarios["hc-tank-leak"]
    plan = PLANS.plan("hazardous_chemicals")

    def arc(scenario):
        """The level the facts call for at T+0 and after each inject that changes them."""
        facts = dict(scenario.incidents[0].facts)
        levels = [classify(plan, facts)["level"]]
        for j in scenario.injects:
            if j.facts:
                facts.update(j.facts)
                levels.append(classify(plan, facts)["level"])
        return levels

    written = arc(sc)
    for seed in range(40):
        assert arc(variant(sc, seed, PLANS)[0]) == written, seed
    jumped = [variant(sc, seed, PLANS, boundary=True)[0].incidents[0].facts["poisoned"] for seed in range(40)]
    assert max(jumped) >= 29  # a boundary drill may start at a higher level's bound


def test_bounds_are_read_from_the_plan():
    assert _bounds(PLANS.plan("environment"), "evacuated") == [1, 5000, 10000, 50000]
    assert _bounds(PLANS.plan("hazardous_chemicals"), "poisoned") == [1, 30, 50, 100, 101]


def test_variant_counts_never_go_down_as_the_drill_goes_on():
    sc = PLANS.scenarios["ws-crane-collapse"]
    for seed in range(30):
        v, _ = variant(sc, seed, PLANS)
        first = v.incidents[0].facts["deaths"]
        later = [j.facts["deaths"] for j in v.injects if j.facts and "deaths" in j.facts]
        assert all(x >= first for x in later)


@pytest.mark.parametrize("text, path", [
    ("id: x\ntitle: t\nincidents: []\n", "incidents"),
    ("id: x\ntitle: t\nincidents: [{key: a, plan: mars, title: t, at: 0}]\n", "incidents[0]"),
    ("id: x\ntitle: t\nincidents: [{key: a, plan: environment, title: t, at: 0, facts: {deaths: -1}}]\n", "incidents[0]"),
    ("id: x\ntitle: t\nincidents: [{key: a, plan: environment, title: t, at: 0}]\ninjects: [{at: 5, incident: b, facts: {deaths: 1}, message: m}]\n", ""),
])
def test_a_bad_scenario_is_refused_naming_where(text, path):
    with pytest.raises(PlanFileError) as exc:
        parse_scenario_yaml(text, PLANS, "my-scenario")
    assert "my-scenario" in str(exc.value)
    assert path in str(exc.value)


def test_drill_fires_injects_on_its_clock_and_the_report_names_the_missed_deadline():
    store = open_store(":memory:")
    real = FixedClock("2026-11-22T10:00:00+08:00")
    drill = dr.create_drill(store, "hc-tank-leak", "导调", real)
    drill = dr.control(store, drill["id"], "start", real)
    drill = dr.control(store, drill["id"], "speed", real, speed=60)
    real.advance(seconds=3)                      # 3 simulated minutes
    drill = dr.advance(store, drill["id"], real)
    (inc,) = store.incidents.list(drill=True, drill_id=drill["id"])
    assert inc.title == "【演练】某化工企业储罐区苯泄漏起火" and inc.reported_at == "2026-03-14T02:30:00+08:00"
    assert inc.occurred_at == "2026-03-14T02:26:00+08:00"
    sim = dr.drill_clock(drill, real)
    assert sim.now() == parse_time("2026-03-14T02:33", "t")
    inc = svc.act(store, inc.id, "tick_notification", inc.version, {"notification": "site-to-110"}, "参演甲", sim)
    assert inc.notifications["site-to-110"].at == "2026-03-14T02:33:00+08:00"
    real.advance(seconds=4)                      # T+7: the T+5 inject has fired
    drill = dr.advance(store, drill["id"], real)
    assert store.incidents.get(inc.id).facts == {"poisoned": 12, "deaths": 1}
    assert drill["log"][-1]["message"].startswith("T+5")
    dr.control(store, drill["id"], "pause", real)
    real.advance(seconds=30)                     # paused: the drill clock stands still
    drill = dr.advance(store, drill["id"], real)
    assert dr.drill_clock(drill, real).now() == parse_time("2026-03-14T02:37", "t")
    drill = dr.control(store, drill["id"], "finish", real)
    end = parse_time(drill["finished_at"], "end")
    rep = drill_report(drill, [(s, store.incidents.events(s.id)) for s in store.incidents.list(drill=True, drill_id=drill["id"])], end)
    rows = {d["id"]: d for d in rep["incidents"][0]["deadlines"]}
    # 立即, due 02:26 and ticked 02:33: flagged as a late at-once report
    assert rows["site-to-110"]["verdict"] == "late" and rows["site-to-110"]["minutes"] == 7
    assert any("未立即报告" in f["text"] and f["notification"] == "site-to-110" for f in rep["findings"])
    dues = [d["due"] for d in rep["incidents"][0]["deadlines"] if d["due"]]
    assert dues == sorted(dues)  # the report's table reads in time order
    assert rows["police-circulation"]["verdict"] == "missed" and rows["police-circulation"]["minutes"] == 7  # due 02:30
    assert any("海门区公安局" in f["text"] and "7分钟" in f["text"] for f in rep["findings"])
    assert any("仍未确定响应级别（事实对应IV级" in f["text"] for f in rep["findings"])
    # the report holds the fields its contract names, no more and no fewer (the page, its Word file and the
    # improvement items read these)
    assert set(rep) == set(DrillReport.__annotations__)
    assert all(set(inc) == set(IncidentReport.__annotations__) for inc in rep["incidents"])
    assert all(set(o) == set(OthersItem.__annotations__) for inc in rep["incidents"] for o in inc["others"])
    assert all(set(f) <= set(Finding.__annotations__) for f in rep["findings"])
    assert all(set(r) == set(LevelRow.__annotations__) for inc in rep["incidents"] for r in inc["levels"])


def test_drills_stay_out_of_the_real_board():
    store = open_store(":memory:")
    real = FixedClock("2026-11-22T10:00:00+08:00")
    drill = dr.create_drill(store, "ld-wage-petition", "导调", real, seed=5)
    dr.control(store, drill["id"], "start", real)
    real.advance(seconds=1)
    dr.advance(store, drill["id"], real)
    assert store.incidents.list() == []
    assert len(store.incidents.list(drill=True)) == 1


def test_a_controller_can_write_a_scenario_and_run_it():
    store = open_store(":memory:")
    real = FixedClock("2026-11-22T10:00:00+08:00")
    text = ("id: my-drill\ntitle: 自编情景\nduration: 20\nincidents:\n"
            "  - {key: a, plan: labor_dispute, title: 欠薪上访, at: 0, facts: {petition: 12}}\n"
            "injects:\n  - {at: 10, incident: a, facts: {petition: 40}, message: 人数增加}\n")
    dr.save_scenario(store, text, "导调", real)
    assert "my-drill" in dr.scenario_library(store)
    drill = dr.create_drill(store, "my-drill", "导调", real)
    assert drill["scenario"].incidents[0].facts == {"petition": 12}


def test_a_deadline_not_yet_due_when_the_drill_ends_is_not_reported_as_missed():
    from emergency.services.report import incident_report
    store = open_store(":memory:")
    clock = FixedClock("2026-11-22T08:20:00+08:00")
    snap = svc.report(store, {"plan": "environment", "facts": {"drinking_water_interrupted": "township"},
                              "occurred_at": "2026-11-22T08:00", "reported_at": "2026-11-22T08:10", "drill": True},
                      "导调", clock)
    rows = {d["id"]: d for d in incident_report(snap, store.incidents.events(snap.id), clock.now())["deadlines"]}
    # 四(一)1 较大: phone within 30 min of 事发 (08:30), written within 1 hour (09:00); the drill ends at 08:20
    assert (rows["III-phone"]["verdict"], rows["III-phone"]["minutes"]) == ("not_due", 10)
    assert (rows["III-written"]["verdict"], rows["III-written"]["minutes"]) == ("not_due", 40)
    assert (rows["first-phone"]["verdict"], rows["first-phone"]["minutes"]) == ("missed", 10)  # 第一时间, from 08:10


def test_a_drill_warns_when_it_reaches_its_planned_length():
    from emergency.core.clock import FixedClock
    store = open_store(":memory:")
    real = FixedClock("2026-11-22T09:00:00+08:00")
    drill = dr.create_drill(store, "hc-tank-leak", "导调", real)
    dr.control(store, drill["id"], "start", real)
    duration = drill["scenario"].duration
    real.advance(minutes=duration - 1)
    assert dr.drill_view(dr.advance(store, drill["id"], real), real)["over_length"] is None
    real.advance(minutes=1)
    assert dr.drill_view(dr.advance(store, drill["id"], real), real)["over_length"] == 0
    real.advance(minutes=7)
    assert dr.drill_view(dr.advance(store, drill["id"], real), real)["over_length"] == 7


def test_start_takes_a_speed_and_speed_is_refused_with_other_actions():
    store = open_store(":memory:")
    real = FixedClock("2026-11-22T09:00:00+08:00")
    drill = dr.create_drill(store, "hc-tank-leak", "导调", real)
    drill = dr.control(store, drill["id"], "start", real, speed=30)
    assert drill["status"] == "running" and drill["speed"] == 30
    real.advance(minutes=1)
    assert dr.drill_view(dr.advance(store, drill["id"], real), real)["minute"] == 30.0
    with refused("speed"):
        dr.control(store, drill["id"], "pause", real, speed=5)
    assert dr.get_drill(store, drill["id"])["status"] == "running"
    with refused("boundary"):
        dr.create_drill(store, "hc-tank-leak", "导调", real, boundary=True)


def running_drill(store, clock, seconds: int) -> dict:
    """The tank-leak drill started at ×60 and run for ``seconds`` real seconds (a simulated minute each)."""
    drill = dr.create_drill(store, "hc-tank-leak", "导调王五", clock)
    dr.control(store, drill["id"], "start", clock)
    dr.control(store, drill["id"], "speed", clock, speed=60)
    clock.advance(seconds=seconds)
    return dr.advance(store, drill["id"], clock)


def test_the_after_action_chart_draws_a_mark_for_each_event_and_its_words_are_svg_text(app, clock):
    """The chart was empty — an HTML <span> inside SVG <text> draws nothing — and the Word
    report's title read 【演练】【演练】."""
    import io
    import re

    import docx

    from emergency.services import exports
    from tests.conftest import signed_in
    store = open_store(app.config["DATABASE"])
    drill = running_drill(store, clock, seconds=7)
    drill = dr.control(store, drill["id"], "finish", clock)
    incidents = store.incidents.list(drill=True, drill_id=drill["id"])
    events = sum(len(store.incidents.events(s.id)) for s in incidents)
    store.close()
    page = signed_in(app, "导调王五").get(f"/drills/{drill['id']}/report").get_data(as_text=True)
    svg = re.search(r"<svg class=\"chart\".*?</svg>", page, re.S).group(0)
    assert len(re.findall(r"<circle ", svg)) == events and "<span" not in svg
    labels = re.findall(r"<text [^>]*>([^<]*)</text>", svg)
    assert labels and all(label.strip() for label in labels)
    report = drill_report(drill, [(s, []) for s in incidents], parse_time(drill["finished_at"], "end"))
    title = docx.Document(io.BytesIO(exports.drill_report_docx(report, []))).core_properties.title or ""
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(exports.drill_report_docx(report, []))).paragraphs)
    assert "【演练】【演练】" not in title + body


def test_the_after_action_level_table_is_timed_on_the_drills_clock(app, clock):
    """A level decided during a drill is timed on the drill's simulated clock in the after-action
    report (the drill of 02:30 on 14 March), never on the wall clock of the day it was run."""
    import re

    from tests.conftest import signed_in
    store = open_store(app.config["DATABASE"])
    drill = running_drill(store, clock, seconds=5)
    snap = store.incidents.list(drill=True, drill_id=drill["id"])[0]
    store.close()
    commander = signed_in(app, "指挥李四")
    r = commander.post(f"/api/incidents/{snap.id}/events", headers={"X-CSRFToken": commander.csrf}, json={
        "trigger": "activate", "expected_version": snap.version, "payload": {"level": "IV", "approved_by": "总指挥"}})
    assert r.status_code == 200, r.get_json()
    clock.advance(seconds=3)
    commander.post(f"/drills/{drill['id']}/control", data={"action": "finish", "csrf_token": commander.csrf})
    data = signed_in(app, "导调王五").get(f"/drills/{drill['id']}/report.json").get_json()
    start, end = data["start"], data["end"]
    rows = data["incidents"][0]["levels"]
    decided = next(r for r in rows if r["chosen"] == "IV")
    assert start <= decided["at"] <= end and decided["at"].startswith(start[:10])
    assert decided["at"] == "2026-03-14T02:35:00+08:00"            # 5 real seconds at ×60 after the 02:30 start
    page = signed_in(app, "导调王五").get(f"/drills/{drill['id']}/report").get_data(as_text=True)
    row = re.search(r"<tr><td>02:35</td><td>(.*?)</td>", page)
    assert row and "总指挥" not in row.group(1) and "指挥李四" in row.group(1), page[page.find("级别：所定"):][:600]


def test_a_drill_at_the_boundary_says_which_boundary_and_injects_the_step(app, clock):
    """The first incident is placed one step below its nearest boundary and the step is injected;
    the drill says which boundary and which step, and the incident's facts cross it when the inject fires."""
    from emergency.response.classify import classify
    store = open_store(app.config["DATABASE"])
    drill = dr.create_drill(store, "hc-tank-leak", "导调王五", clock, at_boundary=True)
    step = drill["variation"]["boundary_step"]
    plan = store.plans.plan("hazardous_chemicals")
    assert step["step"] == step["below"] + 1 and step["clause"] and step["level"] in ("I", "II", "III")
    scenario = Scenario.model_validate_json(store.drills.get(drill["id"])["scenario"], context={"plans": store.plans})
    first = scenario.incidents[0]
    assert first.facts[step["fact"]] == step["below"]
    assert classify(plan, first.facts)["level"] != step["level"]                # one step below: not yet
    inject = next(j for j in scenario.injects if j.facts and j.facts.get(step["fact"]) == step["step"])
    assert inject.at == step["at"] and step["clause"] in inject.message
    assert classify(plan, {**first.facts, **inject.facts})["level"] == step["level"]   # the step crosses it
    page = signed_in_page(app, f"/drills/{drill['id']}")
    assert "临界一步：" in page and step["clause"] in page
    store.close()


def signed_in_page(app, path: str) -> str:
    from tests.conftest import signed_in
    return signed_in(app, "导调王五").get(path).get_data(as_text=True)


def test_every_library_scenario_can_be_drilled_one_step_below_a_boundary(app, clock):
    from emergency.response.classify import classify
    store = open_store(app.config["DATABASE"])
    for scenario_id in sorted(dr.scenario_library(store)):
        drill = dr.create_drill(store, scenario_id, "导调王五", clock, at_boundary=True)
        step = drill["variation"]["boundary_step"]
        scenario = Scenario.model_validate_json(store.drills.get(drill["id"])["scenario"], context={"plans": store.plans})
        first = scenario.incidents[0]
        plan = store.plans.plan(first.plan)
        assert classify(plan, first.facts)["level"] != step["level"], scenario_id
        assert classify(plan, {**first.facts, step["fact"]: step["step"]})["level"] == step["level"], scenario_id
    store.close()


def test_a_drill_in_which_the_duty_room_did_nothing_finds_each_of_its_missed_items():
    """Hazardous chemicals at III: the duty room's own reporting is 及时 (no clock in the text), so a drill in which
    it made no call scored "有时限的报告 0 项" and one finding. Each own item never made is now a finding by name,
    and the scores count the untimed items and how many were never made."""
    from emergency.services.report import incident_report
    store = open_store(":memory:")
    clock = FixedClock("2026-11-22T04:00:00+08:00")
    snap = svc.report(store, {"plan": "hazardous_chemicals", "facts": {"deaths": 4}, "title": "液氯槽罐车侧翻",
                              "occurred_at": "2026-11-22T02:35", "reported_at": "2026-11-22T02:40", "drill": True},
                      "导调", clock)
    rep = incident_report(snap, store.incidents.events(snap.id), clock.now(), office="海门区政府总值班室")
    missed = [f for f in rep["findings"] if f["kind"] == "deadline"]
    own = [d for d in rep["deadlines"] if not d["due"] and d["counted_from"] != "condition"]
    assert own and {f["notification"] for f in missed} >= {d["id"] for d in own}
    leaders = next(f for f in missed if f["notification"] == "office-to-leaders")
    assert "至演练结束未报告" in leaders["text"] and "预案未规定时限，应及时报告" in leaders["text"]
    assert rep["scores"]["untimed"] == len(own) == rep["scores"]["untimed_missed"]
    # one recipient reached, two left: the finding names those still not told
    snap = svc.act(store, snap.id, "record_call", snap.version, {"notification": "office-to-leaders", "unit": "区委",
                                                                 "outcome": "connected", "reached": "值班秘书"},
                   "值班员张三", clock, "海门区政府总值班室")
    rep = incident_report(snap, store.incidents.events(snap.id), clock.now(), office="海门区政府总值班室")
    leaders = next(f for f in rep["findings"] if f.get("notification") == "office-to-leaders")
    assert "区委" not in leaders["text"].split("→")[1] and "海门区政府" in leaders["text"]
