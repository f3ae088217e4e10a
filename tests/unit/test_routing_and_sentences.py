"""The plan data alone, each decided point at its edge: the routing list's links and the sentences a person sees."""
import pytest

from emergency.response.checklist import checklist
from emergency.core.markdown import checklist_markdown
from tests.library import PLANS

OCC, REC = "2026-11-22T08:00", "2026-11-22T08:10"


def items(plan, level):
    return {n["id"]: n for n in checklist(PLANS.plan(plan), level, OCC, REC)["notifications"]}


# ---- point 1: 493号 Art. 10/11, the hop to Nantong at every level of a hazardous-chemicals accident
@pytest.mark.parametrize("level", ["I", "II", "III", "IV"])
def test_a_hazardous_chemicals_accident_of_any_level_carries_a_dated_report_to_nantong(level):
    city = items("hazardous_chemicals", level)["nat-493-10-city"]
    assert city["to"] == ["南通市应急管理局"] and city["national"].endswith("（国务院令第493号）")
    assert city["due"] == "2026-11-22T10:10:00+08:00"  # 2 hours from the district's receipt at 08:10, to the minute
    assert city["counted_from"] == "receipt"


def test_the_hop_above_nantong_is_dated_by_the_hops_it_takes():
    assert items("hazardous_chemicals", "III")["nat-493-10-province"]["due"] == "2026-11-22T12:10:00+08:00"
    assert "nat-493-10-ministry" not in items("hazardous_chemicals", "III")  # 较大 stops at the province
    two = items("hazardous_chemicals", "II")
    assert two["nat-493-10-province"]["to"] == ["江苏省应急管理厅"]
    assert two["nat-493-10-ministry"]["to"] == ["应急管理部"] and two["nat-493-10-ministry"]["due"] == "2026-11-22T14:10:00+08:00"
    four = items("hazardous_chemicals", "IV")
    assert "nat-493-10-province" not in four and "nat-493-10-ministry" not in four  # 一般 stops at Nantong


def test_work_safety_keeps_its_own_hop_to_nantong_from_level_iii_and_the_national_one_below():
    assert "nat-493-10-city" in items("work_safety", "IV") and "city-to-nantong" not in items("work_safety", "IV")
    three = items("work_safety", "III")
    assert "nat-493-10-city" not in three and three["city-to-nantong"]["latest"] == "2026-11-22T10:10:00+08:00"
    assert three["nat-493-10-province"]["due"] == "2026-11-22T12:10:00+08:00"


def test_the_hazardous_chemicals_iii_checklist_on_paper_names_nantong_with_its_time_and_the_article():
    md = checklist_markdown(checklist(PLANS.plan("hazardous_chemicals"), "III", OCC, REC))
    line = next(line for line in md.splitlines() if "南通市应急管理局" in line and "493号第十条" in line)
    assert "10:10" in line and "国家规定" in line


# ---- point 2: 17号 Art. 3 for environment levels I and II
@pytest.mark.parametrize("level, expected", [("I", True), ("II", True), ("III", False), ("IV", False)])
def test_environment_i_and_ii_go_to_the_province_and_the_ministry_within_two_hours(level, expected):
    item = items("environment", level).get("nat-17-3-province")
    assert (item is not None) == expected
    if item:
        assert item["to"] == ["江苏省生态环境厅", "生态环境部"] and item["due"] == "2026-11-22T10:10:00+08:00"
        assert item["national"] == "突发环境事件信息报告办法（环境保护部令第17号）"


# ---- point 3: the low ones
def test_work_safety_head_to_authority_counts_from_the_heads_receipt_as_the_text_says_and_why():
    """The fourth reading replaced the third's stricter count from the accident: 5.1 "单位负责人接报后应于1小时内"."""
    item = items("work_safety", "IV")["head-to-authority"]
    assert item["counted_from"] == "receipt" and item["due"] == "2026-11-22T09:10:00+08:00"   # 08:10 + 1 h
    assert "每一级自本级接报起算" in item["decision"] and "each hop counts from its own" in item["decision_en"]


@pytest.mark.parametrize("level", ["I", "II", "III", "IV"])
def test_a_warning_that_reaches_level_iv_or_above_is_reported_to_the_government_at_once(level):
    item = items("work_safety", level)["warning-IV"]
    assert item["immediate"] and "达到IV级" in item["text"]


def test_the_unit_head_tells_the_townships_own_safety_office():
    item = items("work_safety", "IV")["head-to-110"]
    assert item["to"][-1] == "当地区镇安委会办公室" and "4.1" in item["decision"]


def test_environment_2_2_also_tells_the_district_command_centre_and_member_units():
    to = items("environment", "IV")["office-to-province"]["to"]
    assert "区突发环境事件应急指挥中心" in to and "有关成员单位" in to


@pytest.mark.parametrize("nid, clause", [("office-to-leaders", "2.2.3(1)"), ("onsite-to-command", "2.2.5")])
def test_hazardous_chemicals_reporting_duties_of_the_office_and_the_onsite_command_are_items(nid, clause):
    for level in ("I", "IV"):
        item = items("hazardous_chemicals", level)[nid]
        assert item["clause"] == clause and item["due"] is None  # 及时: no clock is invented


def test_the_environment_first_report_does_not_put_the_evacuation_count_under_sensitive_places():
    kind = PLANS.plan("environment").reporting.report_kind("initial")
    assert "居民区等环境敏感点受影响情况" in kind.fields and "居民区等环境敏感点受影响情况" not in kind.fill


@pytest.mark.parametrize("fact, clause_words", [
    ("serious_crime", "引发杀人、纵火、抢劫、斗殴、绑架、毁坏公共财产等重大刑事犯罪以及危及人身安全，包括有集体自杀、自残倾向"),
    ("employer_absconded", "用人单位法人或业主逃逸或较长时间下落不明"),
    ("industry_wide", "行业性罢工、游行、静坐或集体上访"),
    ("suicide_risk_in_public", "当事人在公共场所有自杀倾向")])
def test_labor_fact_labels_quote_their_clause_whole(fact, clause_words, sources_dir):
    label = next(f.label for f in PLANS.vocabulary.flags if f.name == fact)
    assert label == clause_words
    assert label in (sources_dir / "labor-dispute-2018.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("matter, plans", [("B056", {"environment"}), ("B058", {"labor_dispute"}),
                                           ("B066", {"hazardous_chemicals", "environment"})])
def test_routing_links_hold_each_decided_matter(matter, plans):
    m = next(m for m in PLANS.routing.matters if m.id == matter)
    assert {link.plan for link in m.plans} == plans


def test_a_fire_has_seven_days_for_its_493_supplement_and_other_accidents_thirty():
    sup = PLANS.plan("hazardous_chemicals").reporting.documents.supplementary
    assert sup.days_for({"accident_kind": "fire"}) == 7
    assert sup.days_for({"accident_kind": "explosion"}) == 30 and sup.days_for({}) == 30
    # the fourth reading: 9.2 moves only hazmat enterprises' fires, so an industrial fire under work safety has 7 too
    assert PLANS.plan("work_safety").reporting.documents.supplementary.days_for({"accident_kind": "fire"}) == 7


# ---- point 4: sentences encoded
def test_the_environment_final_report_carries_the_5_2_summary_contents():
    plan = PLANS.plan("environment")
    assert "evaluation" in plan.reporting.documents.final.also
    fields = plan.reporting.report_kind("evaluation").fields
    assert fields[0] == "突发环境事件等级" and "环境应急任务完成情况" in fields


def test_decided_sentences_are_encoded_where_a_person_sees_them():
    ws, hc, env = (PLANS.plan(p) for p in ("work_safety", "hazardous_chemicals", "environment"))
    assert {"5.4(3)", "5.4(4)", "5.4(5)", "5.7", "3.1"} <= {m.clause for m in ws.measures}
    assert any("跨地区、跨行业" in m.text and m.decision for m in ws.measures)          # 5.6, an approval
    assert {"abnormal-situation", "press-release"} <= {r.id for r in ws.reporting.rules}  # 4.1, 5.11
    assert any(n.clause == "9.2" and "提出" in n.text and "确认" in n.text for n in ws.notes)
    cards = [p for p in hc.precautions if p.on_cards]
    assert any("疏散集合点" in p.text for p in cards) and any("横穿危险区域" in p.text for p in cards)   # 3.8
    assert any("短暂培训" in p.text for p in cards)                                                  # 3.7
    assert any(m.clause == "3.4" and "推诿" in m.text for m in hc.measures)
    assert any(m.clause == "四(四)" and "立即调动应急救援力量" in m.text for m in env.measures)
    assert any("手机短信" in m.text for m in env.warning.measures)                                # 三(三)2
    assert any(n.clause == "3" and "属地管理" in n.text for n in PLANS.plan("labor_dispute").notes)
