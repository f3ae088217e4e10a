"""接报登记: Haimen's 12345/110 list as data, intake routed by it, and the receipt time
carried into the incident's 接报时间."""
import pytest

from emergency.services import intake
from tests.library import PLANS, PLANS_DIR, status_views
from emergency.core.clock import FixedClock
from emergency.core.errors import InputError
from emergency.store import open_store

from tests.conftest import add_users, as_user, new_app


def annex_rows(text: str) -> list[tuple[str, str, str, str]]:
    """The annex read straight from the source: cells are tab-led lines, a row ends at an empty line;
    an empty first cell continues the category above."""
    part, cat, block, rows = None, None, [], []

    def flush():
        nonlocal cat, block
        cells, block = [c[1:].strip() for c in block], []
        if part is None or not cells or cells[0].replace(" ", "") == "类别":
            return
        if len(cells) == 1:
            cells = [""] + ["", cells[0]]
        elif len(cells) == 2:
            cells = [""] + cells
        cat = cells[0] or cat
        rows.append((part, cat, cells[1], cells[2]))

    for line in text.splitlines():
        if line.startswith("一、12345转110"):
            flush(); part, cat = "12345→110", None  # noqa: E702
        elif line.startswith("二、110转12345"):
            flush(); part, cat = "110→12345", None  # noqa: E702
        elif line.startswith("\t"):
            block.append(line)
        elif not line.strip():
            flush()
    flush()
    return rows


def test_every_line_of_the_annex_is_encoded_in_order(sources_dir):
    rows = annex_rows((sources_dir / "hotline-routing-2023.md").read_text(encoding="utf-8"))
    data = [(m.part, m.category, m.subcategory, m.matter) for m in PLANS.routing.matters]
    assert len(rows) == 130 and data == rows
    assert PLANS.routing.basis.text in (sources_dir / "hotline-routing-2023.md").read_text(encoding="utf-8")


@pytest.fixture
def clock():
    return FixedClock("2026-11-23T03:10:00+08:00")


@pytest.fixture
def store():
    return open_store(":memory:")


def _matter(sub):
    return next(m.id for m in PLANS.routing.matters if m.subcategory == sub)


def test_a_12345_report_of_a_major_chemical_leak_goes_to_110_and_offers_the_chemicals_plan():
    view = intake.routing_view(_matter("危化品重大泄露"), PLANS)
    assert view["handled_first_by"] == "110" and view["part"] == "12345→110"
    assert [p["plan"] for p in view["plans"]][0] == "hazardous_chemicals"
    assert view["plans"][0]["scope_clause"] == "1.5"


def test_a_110_report_of_river_pollution_goes_to_12345_and_offers_the_environment_plan():
    view = intake.routing_view(_matter("河流污染"), PLANS)
    assert view["handled_first_by"] == "12345"
    assert [p["plan"] for p in view["plans"]] == ["environment"]


def test_a_leak_not_yet_serious_is_non_urgent_but_still_in_the_chemicals_plans_scope():
    view = intake.routing_view(_matter("危化品泄露"), PLANS)
    assert view["handled_first_by"] == "12345" and view["plans"][0]["plan"] == "hazardous_chemicals"
    assert "尚未造成严重后果" in view["matter"]["matter"] and "1.5" in view["plans"][0]["decision"]
    hazard = intake.routing_view(_matter("安全生产"), PLANS)
    assert hazard["plans"][0]["plan"] == "work_safety" and hazard["plans"][0]["mode"] == "warning"


def test_wage_claims_at_height_and_group_petitions_offer_the_labor_plan():
    assert intake.routing_view(_matter("危难救助"), PLANS)["plans"][0]["plan"] == "labor_dispute"
    assert intake.routing_view(_matter("劳资纠纷"), PLANS)["plans"][0]["plan"] == "labor_dispute"


def test_an_incident_from_an_intake_counts_its_deadlines_from_the_call(store, clock):
    rec = intake.record(store, {"source": "110", "reference": "20261123000178", "received_at": "2026-11-23T02:55",
                                "matter": _matter("危化品重大泄露"), "description": "化工园区储罐泄漏，有刺激性气味"},
                        "值班员", clock)
    snap = intake.open_incident(store, rec["id"], "hazardous_chemicals",
                                {"facts": {"poisoned": 3}, "occurred_at": "2026-11-23T02:40"}, "值班员", clock)
    assert snap.reported_at == "2026-11-23T02:55:00+08:00"
    items = {n["id"]: n for n in status_views(snap, clock.now())}
    receipt = [n for n in items.values() if n["counted_from"] == "receipt" and n["due"]]
    assert receipt and all(n["counted_from_time"] == "2026-11-23T02:55:00+08:00" for n in receipt)
    assert store.intakes.get(rec["id"])["incident_id"] == snap.id
    # opened twice (a second window): the same incident, no second one
    again = intake.open_incident(store, rec["id"], "hazardous_chemicals",
                                 {"facts": {}, "occurred_at": "2026-11-23T02:40"}, "值班员", clock)
    assert again.id == snap.id and len(store.incidents.list(drill=None)) == 1


def test_moving_the_receipt_time_moves_the_deadlines(store, clock):
    def first_receipt_due(received):
        rec = intake.record(store, {"source": "12345", "reference": "GD-2026-0001", "received_at": received,
                                    "matter": _matter("河流污染"), "description": "河面发黑"}, "值班员", clock)
        snap = intake.open_incident(store, rec["id"], "environment", {"facts": {"deaths": 3},
                                                                        "occurred_at": "2026-11-23T01:00"}, "值班员", clock)
        return next(n["due"] for n in status_views(snap, clock.now())
                    if n["counted_from"] == "receipt" and n["due"] and not n["immediate"])
    a, b = first_receipt_due("2026-11-23T02:00"), first_receipt_due("2026-11-23T02:20")
    assert (a[11:16], b[11:16]) != (None, None) and int(b[14:16]) - int(a[14:16]) == 20


@pytest.mark.parametrize("data, field", [
    ({"matter": "Z999"}, "matter"),
    ({"received_at": "2026-11-23T03:12"}, "received_at"),          # two minutes in the future
    ({"received_at": "2026-11-15T03:09"}, "late_reason"),          # more than 7 days back, no reason
    ({"reference": "工单 12"}, "reference"),
    ({"reference": ""}, "reference"),                              # a 110 report needs its alarm number
    ({"callback": "12345"}, "callback"),
    ({"source": "weibo"}, "source"),
    ({"source": {}}, "source"),                                    # found by the API fuzz run: was a 500
    ({"description": ""}, "description"),
])
def test_bad_intakes_are_refused_by_field_and_nothing_is_kept(store, clock, data, field):
    base = {"source": "110", "reference": "20261123000178", "matter": _matter("河流污染"), "description": "河面发黑"}
    with pytest.raises(InputError) as exc:
        intake.record(store, {**base, **data}, "值班员", clock)
    assert exc.value.field == field
    assert store.intakes.search() == []


def test_a_late_intake_is_kept_with_its_reason_and_one_that_opened_nothing_is_searchable(store, clock):
    rec = intake.record(store, {"source": "public", "received_at": "2026-11-10T09:00", "late_reason": "纸质记录补登",
                                "matter": _matter("生产噪音"), "description": "夜间工厂噪音"}, "值班员", clock)
    intake.close_without_incident(store, rec["id"], "非突发事件，已转12345办理", "值班员", clock)
    found = store.intakes.search(since="2026-11-10T00:00:00+08:00", until="2026-11-10T23:59:59+08:00",
                                 matter=_matter("生产噪音"))
    assert [(r["id"], r["status"], r["closed_reason"]) for r in found] == [(rec["id"], "no_incident", "非突发事件，已转12345办理")]
    assert store.intakes.search(matter=_matter("河流污染")) == []


def test_the_api_records_an_intake_and_opens_an_incident_from_it(tmp_path, clock):
    app = new_app({"DATABASE": str(tmp_path / "i.db"), "SECRET_KEY": "k" * 32, "CLOCK": clock})
    app.config["TEST_TOKENS"] = add_users(app.config["DATABASE"], clock)
    c = app.test_client()
    as_user(c, "值班员张三")
    r = c.post("/api/intake", json={"source": "12345", "reference": "GD20261123001", "matter": _matter("危化品重大泄露"),
                                    "description": "储罐泄漏", "received_at": "2026-11-23T03:00"})
    assert r.status_code == 201 and r.json["routing"]["handled_first_by"] == "110"
    bad = c.post("/api/intake", json={"source": "12345", "reference": "GD20261123001", "matter": "nope",
                                      "description": "x"})
    assert bad.status_code == 422 and bad.json["field"] == "matter"
    inc = c.post(f"/api/intake/{r.json['id']}/incident", json={"plan": "hazardous_chemicals",
                                                               "occurred_at": "2026-11-23T02:50"})
    assert inc.status_code == 201 and inc.json["reported_at"] == "2026-11-23T03:00:00+08:00"
    assert c.get(f"/api/intake/{r.json['id']}").json["incident_id"] == inc.json["id"]
    assert len(c.get("/api/routing").json["matters"]) == 130


def test_a_drill_can_start_with_a_110_alarm_as_an_intake(clock):
    """The first report arrives as an intake; the participants choose the plan."""
    from emergency.services import drill_runs as dr
    store = open_store(":memory:")
    real = FixedClock("2026-11-23T09:00:00+08:00")
    drill = dr.create_drill(store, "hc-110-alarm", "导调", real)
    dr.control(store, drill["id"], "start", real)
    drill = dr.advance(store, drill["id"], real)
    (rec,) = store.intakes.search(drill=True)
    assert rec["drill_id"] == drill["id"] and rec["received_at"] == "2026-06-10T22:15:00+08:00"
    assert store.incidents.list(drill=True, drill_id=drill["id"]) == []            # no incident until someone opens one
    assert "110警情接报" in drill["log"][-1]["message"]
    snap = intake.open_incident(store, rec["id"], "hazardous_chemicals", {"facts": {"poisoned": 2},
                                "occurred_at": "2026-06-10T22:05"}, "值班员", FixedClock("2026-06-10T22:16"))
    assert snap.drill and snap.drill_id == drill["id"] and snap.reported_at == "2026-06-10T22:15:00+08:00"
    real.advance(minutes=9)                                              # T+9: the T+8 inject reaches that incident
    dr.advance(store, drill["id"], real)
    assert store.incidents.get(snap.id).facts["poisoned"] == 14


def test_a_scenario_naming_a_matter_off_the_list_is_refused():
    from emergency.response.drills import parse_scenario_yaml
    from emergency.plans.model import PlanFileError
    text = (PLANS_DIR / "scenarios" / "hc-110-alarm.yaml").read_text(encoding="utf-8").replace("A033", "Z999")
    with pytest.raises(PlanFileError, match="not on the 12345/110 list"):
        parse_scenario_yaml(text, PLANS)


def test_110s_own_receipt_time_given_at_intake_starts_110s_onward_clock(store, clock):
    """Hazardous chemicals 3.1 "110公安指挥中心、119消防指挥中心接到危险化学品事故报告后，立即上报市应急办" counts from
    110's own 接报: a transfer at 02:40 of an alarm 110 took at 02:35 makes 110's report due at 02:35, from 110's time,
    not ours; without it the same item counts from ours, marked as estimated for the duty room."""
    from emergency.services.incidents import notification_status
    base = {"source": "110", "reference": "20261123000178", "received_at": "2026-11-23T02:40",
            "matter": _matter("危化品重大泄露"), "description": "液氯槽罐车侧翻"}
    rec = intake.record(store, {**base, "unit_received_at": "2026-11-23T02:35"}, "值班员", clock)
    assert rec["unit_received_at"] == "2026-11-23T02:35:00+08:00"
    snap = intake.open_incident(store, rec["id"], "hazardous_chemicals",
                                {"facts": {"deaths": 2}, "occurred_at": "2026-11-23T02:30"}, "值班员", clock)
    item = next(n for n in notification_status(snap, clock.now(), PLANS, "海门区政府总值班室") if n.id == "110-to-office")
    assert (item.counted_from_unit, item.due.isoformat(), item.estimated) == (
        "110公安指挥中心", "2026-11-23T02:35:00+08:00", False)
    plain = intake.record(store, {**base, "reference": "20261123000179"}, "值班员", clock)
    other = intake.open_incident(store, plain["id"], "hazardous_chemicals",
                                 {"facts": {"deaths": 2}, "occurred_at": "2026-11-23T02:30"}, "值班员", clock)
    item = next(n for n in notification_status(other, clock.now(), PLANS, "海门区政府总值班室") if n.id == "110-to-office")
    assert item.due.isoformat() == "2026-11-23T02:40:00+08:00" and item.estimated


@pytest.mark.parametrize("given, words", [
    ("2026-11-23T02:41", "不能晚于本单位接报时间"),     # a minute after our own receipt
    ("2026-11-15T02:39", "7天以上"),
])
def test_a_units_receipt_time_after_ours_or_long_before_is_refused(store, clock, given, words):
    with pytest.raises(InputError, match=words) as exc:
        intake.record(store, {"source": "110", "reference": "20261123000178", "received_at": "2026-11-23T02:40",
                              "unit_received_at": given, "matter": _matter("危化品重大泄露"), "description": "泄漏"},
                      "值班员", clock)
    assert exc.value.field == "unit_received_at"
    assert intake.record(store, {"source": "110", "reference": "20261123000178", "received_at": "2026-11-23T02:40",
                                 "unit_received_at": "2026-11-23T02:40", "matter": _matter("危化品重大泄露"),
                                 "description": "泄漏"}, "值班员", clock)["unit_received_at"]   # the same minute is fine


def test_the_callers_figures_are_kept_and_the_title_is_place_and_matter(store, clock):
    rec = intake.record(store, {"source": "110", "reference": "20261123000178", "received_at": "2026-11-23T02:40",
                                "place": "海门港新区", "matter": intake.matter_text(PLANS.routing.matter(_matter("危化品重大泄露"))),
                                "description": "液氯槽罐车侧翻，现场有人中毒倒地，周边居民正在疏散，具体人数还在核实中",
                                "facts": {"deaths": "2", "poisoned": "12", "evacuated": 300}}, "值班员", clock)
    assert rec["matter"] == _matter("危化品重大泄露")          # chosen by its words, kept by its row
    assert rec["facts"] == {"deaths": 2, "poisoned": 12, "evacuated": 300}
    assert intake.title_for(rec, PLANS.routing) == "海门港新区危化品重大泄露"
    snap = intake.open_incident(store, rec["id"], "hazardous_chemicals",
                                {"facts": rec["facts"], "occurred_at": "2026-11-23T02:30"}, "值班员", clock)
    assert snap.title == "海门港新区危化品重大泄露"


@pytest.mark.parametrize("facts, field", [({"deaths": -1}, "facts.deaths"), ({"deaths": "两"}, "facts.deaths"),
                                          ({"height": 3}, "height")])
def test_bad_figures_at_intake_are_refused_by_field(store, clock, facts, field):
    with pytest.raises(InputError) as exc:
        intake.record(store, {"source": "110", "reference": "20261123000178", "matter": _matter("危化品重大泄露"),
                              "description": "泄漏", "facts": facts}, "值班员", clock)
    assert exc.value.field == field


@pytest.mark.parametrize("word, sub", [("讨薪", "劳资纠纷"), ("欠薪", "劳资纠纷"), ("讨薪", "讨薪跳楼"),
                                       ("堵路", "劳资纠纷"), ("槽罐车", "危化品重大泄露")])
def test_the_words_callers_use_find_the_matter(word, sub):
    """讨薪 found only A030 讨薪跳楼: the words people say now find every row they may mean."""
    found = [c for c in intake.matter_choices(PLANS.routing, PLANS.matter_words) if word in c["label"] or word in c["value"]]
    assert any(sub in c["value"] for c in found), [c["value"] for c in found]
    assert all(not c["value"].startswith(("A0", "B0")) for c in found)   # the field shows words, never a code


@pytest.mark.parametrize("place, description, title", [
    ("", "临江新区槽罐车泄漏", "临江新区槽罐车泄漏"),
    ("", "临江新区槽罐车泄漏，有刺激性气味，两人倒地", "临江新区槽罐车泄漏"),            # the first phrase, whole
    ("", "据报在临江新区某化工企业的厂区东侧靠近长江大堤的一条道路上有一辆槽罐车发生泄漏", "危化品重大泄露"),
    ("临江新区", "槽罐车泄漏", "临江新区危化品重大泄露"),
])
def test_a_title_is_never_the_callers_words_cut_mid_phrase(place, description, title):
    rec = {"place": place, "description": description, "matter": _matter("危化品重大泄露")}
    assert intake.title_for(rec, PLANS.routing) == title
