"""Every numeric bound of every level, at the bound and just below it, read from the plan texts.

The expected levels and clauses are written here by hand from ../shared/sources, not derived
from plans/*.yaml, so a wrong number in a plan file fails a test.
"""
import pytest

from emergency.response.classify import classify
from tests.library import PLANS

YI = 100_000_000      # 1亿元
WAN = 10_000          # 万元


def case(plan, facts, level, clause):
    return pytest.param(plan, facts, level, clause, id=f"{plan}-{facts}-{level}")


ENVIRONMENT = [
    # 一(五) deaths: 30以上 I; 10以上30以下 II; 3以上10以下 III; 3以下 IV
    case("environment", {"deaths": 30}, "I", "一(五)1(1)"),
    case("environment", {"deaths": 29}, "II", "一(五)2(1)"),
    case("environment", {"deaths": 10}, "II", "一(五)2(1)"),
    case("environment", {"deaths": 9}, "III", "一(五)3(1)"),
    case("environment", {"deaths": 3}, "III", "一(五)3(1)"),
    case("environment", {"deaths": 2}, "IV", "一(五)4(1)"),
    case("environment", {"deaths": 1}, "IV", "一(五)4(1)"),
    case("environment", {}, "IV", "一(五)4(5)"),
    # 中毒或重伤 (added): 100 / 50 / 10
    case("environment", {"poisoned": 100}, "I", "一(五)1(1)"),
    case("environment", {"poisoned": 60, "serious_injuries": 40}, "I", "一(五)1(1)"),
    case("environment", {"poisoned": 99}, "II", "一(五)2(1)"),
    case("environment", {"serious_injuries": 50}, "II", "一(五)2(1)"),
    case("environment", {"serious_injuries": 49}, "III", "一(五)3(1)"),
    case("environment", {"poisoned": 5, "serious_injuries": 5}, "III", "一(五)3(1)"),
    case("environment", {"poisoned": 9}, "IV", "一(五)4(1)"),
    # 疏散、转移: 5万 / 1万 / 5000
    case("environment", {"evacuated": 50_000}, "I", "一(五)1(2)"),
    case("environment", {"evacuated": 49_999}, "II", "一(五)2(2)"),
    case("environment", {"evacuated": 10_000}, "II", "一(五)2(2)"),
    case("environment", {"evacuated": 9_999}, "III", "一(五)3(2)"),
    case("environment", {"evacuated": 5_000}, "III", "一(五)3(2)"),
    case("environment", {"evacuated": 4_999}, "IV", "一(五)4(2)"),
    # 直接经济损失: 1亿 / 2000万 / 500万
    case("environment", {"direct_loss_yuan": YI}, "I", "一(五)1(3)"),
    case("environment", {"direct_loss_yuan": YI - 1}, "II", "一(五)2(3)"),
    case("environment", {"direct_loss_yuan": 2000 * WAN}, "II", "一(五)2(3)"),
    case("environment", {"direct_loss_yuan": 2000 * WAN - 1}, "III", "一(五)3(3)"),
    case("environment", {"direct_loss_yuan": 500 * WAN}, "III", "一(五)3(3)"),
    case("environment", {"direct_loss_yuan": 500 * WAN - 1}, "IV", "一(五)4(3)"),
    # qualitative criteria
    case("environment", {"ecological_function": "lost"}, "I", "一(五)1(4)"),
    case("environment", {"protected_species": "extinct"}, "I", "一(五)1(4)"),
    case("environment", {"drinking_water_interrupted": "regional"}, "I", "一(五)1(5)"),
    case("environment", {"cross_boundary": "national"}, "I", "一(五)1(6)"),
    case("environment", {"ecological_function": "partial_loss"}, "II", "一(五)2(4)"),
    case("environment", {"protected_species": "mass_death"}, "II", "一(五)2(4)"),
    case("environment", {"drinking_water_interrupted": "town"}, "II", "一(五)2(5)"),
    case("environment", {"cross_boundary": "province"}, "II", "一(五)2(6)"),
    case("environment", {"protected_species": "damaged"}, "III", "一(五)3(4)"),
    case("environment", {"drinking_water_interrupted": "township"}, "III", "一(五)3(5)"),
    case("environment", {"cross_boundary": "city"}, "III", "一(五)3(6)"),
    case("environment", {"cross_boundary": "county"}, "IV", "一(五)4(4)"),
    # 死亡 without 含失踪: missing persons do not count
    case("environment", {"missing": 50}, "IV", "一(五)4(5)"),
]

WORK_SAFETY = [
    # 死亡（含失踪）: 30 / 10 / 3 / 2.4 below 3 / 1.3(1) 1以上
    case("work_safety", {"deaths": 30}, "I", "2.1"),
    case("work_safety", {"deaths": 20, "missing": 10}, "I", "2.1"),
    case("work_safety", {"deaths": 29}, "II", "2.2"),
    case("work_safety", {"missing": 10}, "II", "2.2"),
    case("work_safety", {"deaths": 9}, "III", "2.3"),
    case("work_safety", {"deaths": 2, "missing": 1}, "III", "2.3"),
    case("work_safety", {"deaths": 2}, "IV", "2.4"),
    case("work_safety", {"missing": 1}, "IV", "2.4"),
    case("work_safety", {}, None, None),
    # 危及生命安全
    case("work_safety", {"lives_endangered": 30}, "I", "2.1"),
    case("work_safety", {"lives_endangered": 29}, "II", "2.2"),
    case("work_safety", {"lives_endangered": 10}, "II", "2.2"),
    case("work_safety", {"lives_endangered": 9}, "III", "2.3"),
    case("work_safety", {"lives_endangered": 3}, "III", "2.3"),
    case("work_safety", {"lives_endangered": 2}, "IV", "2.4"),
    case("work_safety", {"lives_endangered": 1}, "IV", "2.4"),
    # 直接经济损失: 1亿 / 5000万 / 1000万 / 500万 (2.4 and 1.3(1))
    case("work_safety", {"direct_loss_yuan": YI}, "I", "2.1"),
    case("work_safety", {"direct_loss_yuan": YI - 1}, "II", "2.2"),
    case("work_safety", {"direct_loss_yuan": 5000 * WAN}, "II", "2.2"),
    case("work_safety", {"direct_loss_yuan": 5000 * WAN - 1}, "III", "2.3"),
    case("work_safety", {"direct_loss_yuan": 1000 * WAN}, "III", "2.3"),
    case("work_safety", {"direct_loss_yuan": 1000 * WAN - 1}, "IV", "2.4"),
    case("work_safety", {"direct_loss_yuan": 500 * WAN}, "IV", "2.4"),
    case("work_safety", {"direct_loss_yuan": 500 * WAN - 1}, None, None),
    # 重伤（中毒）, added: 100 / 50 / 10 / 3
    case("work_safety", {"serious_injuries": 100}, "I", "2.1"),
    case("work_safety", {"serious_injuries": 99}, "II", "2.2"),
    case("work_safety", {"poisoned": 50}, "II", "2.2"),
    case("work_safety", {"poisoned": 49}, "III", "2.3"),
    case("work_safety", {"serious_injuries": 6, "poisoned": 4}, "III", "2.3"),
    case("work_safety", {"serious_injuries": 9}, "IV", "2.4"),
    case("work_safety", {"serious_injuries": 3}, "IV", "2.4"),
    case("work_safety", {"serious_injuries": 2, "poisoned": 1}, "IV", "2.4"),
    case("work_safety", {"serious_injuries": 2}, None, None),
    # 1.3(1) 多人中毒: 2 or more
    case("work_safety", {"poisoned": 2}, "IV", "1.3(1)"),
    case("work_safety", {"poisoned": 1}, None, None),
    # 需紧急转移安置: 10万 / 5万 / 1万 / 1.3(1) 1000
    case("work_safety", {"evacuated": 100_000}, "I", "2.1"),
    case("work_safety", {"evacuated": 99_999}, "II", "2.2"),
    case("work_safety", {"evacuated": 50_000}, "II", "2.2"),
    case("work_safety", {"evacuated": 49_999}, "III", "2.3"),
    case("work_safety", {"evacuated": 10_000}, "III", "2.3"),
    case("work_safety", {"evacuated": 9_999}, "IV", "1.3(1)"),
    case("work_safety", {"evacuated": 1_000}, "IV", "1.3(1)"),
    case("work_safety", {"evacuated": 999}, None, None),
]

HAZARDOUS_CHEMICALS = [
    # 死亡（含失踪，下同）: 30及以上 / 10～29 / 3～9 / 3人以下
    case("hazardous_chemicals", {"deaths": 30}, "I", "1.4(1)"),
    case("hazardous_chemicals", {"deaths": 25, "missing": 5}, "I", "1.4(1)"),
    case("hazardous_chemicals", {"deaths": 29}, "II", "1.4(2)"),
    case("hazardous_chemicals", {"deaths": 10}, "II", "1.4(2)"),
    case("hazardous_chemicals", {"deaths": 9}, "III", "1.4(3)"),
    case("hazardous_chemicals", {"deaths": 3}, "III", "1.4(3)"),
    case("hazardous_chemicals", {"deaths": 2}, "IV", "1.4(4)"),
    case("hazardous_chemicals", {"missing": 1}, "IV", "1.4(4)"),
    # 1.5: every accident in scope is at least 一般 (IV); 1.4(4) is a ceiling, not a floor
    case("hazardous_chemicals", {}, "IV", "1.5"),
    case("hazardous_chemicals", {"serious_injuries": 15}, "IV", "1.5"),
    case("hazardous_chemicals", {"evacuated": 50_000}, "IV", "1.5"),
    # 中毒: 100以上 / 50～100 (100 overlaps: the inclusive bound of 特别重大 wins) / 30～49 / 30人以下
    case("hazardous_chemicals", {"poisoned": 101}, "I", "1.4(1)"),
    case("hazardous_chemicals", {"poisoned": 100}, "I", "1.4(1)"),
    case("hazardous_chemicals", {"poisoned": 99}, "II", "1.4(2)"),
    case("hazardous_chemicals", {"poisoned": 50}, "II", "1.4(2)"),
    case("hazardous_chemicals", {"poisoned": 49}, "III", "1.4(3)"),
    case("hazardous_chemicals", {"poisoned": 30}, "III", "1.4(3)"),
    case("hazardous_chemicals", {"poisoned": 29}, "IV", "1.4(4)"),
    case("hazardous_chemicals", {"poisoned": 1}, "IV", "1.4(4)"),
    # 疏散转移10万人以上 is the only evacuation figure
    case("hazardous_chemicals", {"evacuated": 100_000}, "I", "1.4(1)"),
    case("hazardous_chemicals", {"evacuated": 99_999}, "IV", "1.5"),
    # 直接经济损失: 1亿以上 / 5000～10000万 / 较大 (national 493号: 1000万以上5000万以下)
    case("hazardous_chemicals", {"direct_loss_yuan": YI}, "I", "1.4(1)"),
    case("hazardous_chemicals", {"direct_loss_yuan": YI - 1}, "II", "1.4(2)"),
    case("hazardous_chemicals", {"direct_loss_yuan": 5000 * WAN}, "II", "1.4(2)"),
    case("hazardous_chemicals", {"direct_loss_yuan": 5000 * WAN - 1}, "III", "1.4(3)"),
    case("hazardous_chemicals", {"direct_loss_yuan": 1000 * WAN}, "III", "1.4(3)"),
    case("hazardous_chemicals", {"direct_loss_yuan": 1000 * WAN - 1}, "IV", "1.5"),
    # 社会影响
    case("hazardous_chemicals", {"social_impact": "especially_major"}, "I", "1.4(1)"),
    case("hazardous_chemicals", {"social_impact": "major"}, "II", "1.4(2)"),
    case("hazardous_chemicals", {"social_impact": "larger"}, "III", "1.4(3)"),
    case("hazardous_chemicals", {"social_impact": "some"}, "IV", "1.4(4)"),
]

LABOR_DISPUTE = [
    # 集体上访、请愿、静坐: 100以上 II / 30以上100以下 III / 10以上30以下 IV
    case("labor_dispute", {"petition": 100}, "II", "2.3(3)"),
    case("labor_dispute", {"petition": 99}, "III", "2.2(3)"),
    case("labor_dispute", {"petition": 30}, "III", "2.2(3)"),
    case("labor_dispute", {"petition": 29}, "IV", "2.1"),
    case("labor_dispute", {"petition": 10}, "IV", "2.1"),
    case("labor_dispute", {"petition": 9}, None, None),
    # where the petition is made: only a city department or higher counts
    case("labor_dispute", {"petition": 100, "petition_to": "city_or_above"}, "II", "2.3(3)"),
    case("labor_dispute", {"petition": 100, "petition_to": "township"}, None, None),
    case("labor_dispute", {"petition": 100, "petition_to": "other"}, None, None),
    case("labor_dispute", {"petition": 30, "petition_to": "other"}, None, None),
    case("labor_dispute", {"petition": 10, "petition_to": "township"}, None, None),
    case("labor_dispute", {"petition": 10, "petition_to": "city_or_above"}, "IV", "2.1"),
    case("labor_dispute", {"petition": 100, "petition_to": "other", "traffic_blocking": "local"}, "II", "2.3(5)"),
    case("labor_dispute", {"petition": 50, "petition_to": "other", "employer_absconded": True}, "I", "2.4(5)"),
    case("labor_dispute", {"petition": 5, "petition_to": "other", "employers_involved": 3}, "II", "2.3(4)"),
    # 游行: 100以上 I / 30以上100以下 II / 10以上30以下 III
    case("labor_dispute", {"march": 100}, "I", "2.4(1)"),
    case("labor_dispute", {"march": 99}, "II", "2.3(2)"),
    case("labor_dispute", {"march": 30}, "II", "2.3(2)"),
    case("labor_dispute", {"march": 29}, "III", "2.2(1)"),
    case("labor_dispute", {"march": 10}, "III", "2.2(1)"),
    case("labor_dispute", {"march": 9}, None, None),
    # 罢工: 100以上 II / 30以上100以下 III
    case("labor_dispute", {"strike": 100}, "II", "2.3(1)"),
    case("labor_dispute", {"strike": 99}, "III", "2.2(2)"),
    case("labor_dispute", {"strike": 30}, "III", "2.2(2)"),
    case("labor_dispute", {"strike": 29}, None, None),
    # 3家以上用人单位共同发起
    case("labor_dispute", {"employers_involved": 3, "strike": 5}, "II", "2.3(4)"),
    case("labor_dispute", {"employers_involved": 2, "strike": 5}, None, None),
    case("labor_dispute", {"employers_involved": 3}, None, None),
    # 业主逃逸: 50以上 I / 30以上50以下 II (workers: the largest of strike, march, petition)
    case("labor_dispute", {"employer_absconded": True, "petition": 50}, "I", "2.4(5)"),
    case("labor_dispute", {"employer_absconded": True, "strike": 49}, "II", "2.3(6)"),
    case("labor_dispute", {"employer_absconded": True, "strike": 30}, "II", "2.3(6)"),
    case("labor_dispute", {"employer_absconded": True, "strike": 20, "petition": 29}, "IV", "2.1"),
    case("labor_dispute", {"employer_absconded": True, "strike": 29}, None, None),
    # qualitative criteria
    case("labor_dispute", {"suicide_risk_in_public": True}, "III", "2.2(4)"),
    case("labor_dispute", {"traffic_blocking": "local"}, "II", "2.3(5)"),
    case("labor_dispute", {"traffic_blocking": "arterial"}, "I", "2.4(2)"),
    case("labor_dispute", {"government_office_siege": "grassroots"}, "II", "2.3(7)"),
    case("labor_dispute", {"government_office_siege": "county_or_above"}, "I", "2.4(4)"),
    case("labor_dispute", {"serious_crime": True}, "I", "2.4(3)"),
    case("labor_dispute", {"industry_wide": True}, "I", "2.4(6)"),
]


@pytest.mark.parametrize("plan_id, facts, level, clause", ENVIRONMENT + WORK_SAFETY + HAZARDOUS_CHEMICALS + LABOR_DISPUTE)
def test_level_and_deciding_clause(plan_id, facts, level, clause):
    result = classify(PLANS.plan(plan_id), facts)
    assert result["level"] == level
    if level is None:
        assert result["deciding"] is None
        assert result["below_scope"]["clause"]
    else:
        assert result["deciding"]["clause"] == clause
        assert result["deciding"]["level"] == level
        assert result["level_name"] == PLANS.plan(plan_id).level(level).name


def test_highest_level_met_wins_and_every_met_criterion_is_listed():
    result = classify(PLANS.plan("environment"), {"deaths": 3, "evacuated": 12_000, "cross_boundary": "county"})
    assert result["level"] == "II"
    assert result["deciding"]["clause"] == "一(五)2(2)"
    met = {(m["level"], m["clause"]) for m in result["met"]}
    assert {("II", "一(五)2(2)"), ("III", "一(五)3(1)"), ("IV", "一(五)4(4)")} <= met
    # 4(5) reads "尚未达到较大突发环境事件级别的": the floor is not listed once a higher criterion is met
    assert ("IV", "一(五)4(5)") not in met
    assert [m["level"] for m in result["met"]] == sorted((m["level"] for m in result["met"]),
                                                        key=["I", "II", "III", "IV"].index)


def test_deciding_clause_is_quoted_in_the_plans_words():
    result = classify(PLANS.plan("environment"), {"drinking_water_interrupted": "township"})
    assert result["deciding"]["text"] == "因环境污染造成乡镇集中式饮用水水源地取水中断的"
    assert result["level_name"] == "较大突发环境事件"


def test_hazardous_chemicals_loss_without_a_figure_says_the_national_figure_was_used():
    result = classify(PLANS.plan("hazardous_chemicals"), {"direct_loss_yuan": 2000 * WAN})
    assert result["level"] == "III"
    assert any("493号" in n["note"] for n in result["notes"])


def test_overlap_at_100_poisoned_is_noted():
    result = classify(PLANS.plan("hazardous_chemicals"), {"poisoned": 100})
    assert any("100人" in n["note"] for n in result["notes"])
    assert {m["level"] for m in result["met"]} == {"I", "II"}  # the 1.5 floor is not listed once a level is met


def test_facts_a_plan_does_not_use_are_noted_not_counted():
    result = classify(PLANS.plan("environment"), {"missing": 12})
    assert result["level"] == "IV"
    assert any("missing" in n["note"] for n in result["notes"])


def test_work_safety_qualitative_scope_criteria_are_shown_for_judgement():
    result = classify(PLANS.plan("work_safety"), {})
    clauses = {j["clause"] for j in result["judgement"]}
    assert clauses == {"1.3(2)", "1.3(3)"}
    assert result["below_scope"]["clause"] == "4.3"


# ---- found by mutation testing (mutmut over classify.py): what the earlier cases let through

def test_at_an_upper_bound_only_the_higher_bands_criterion_is_met():
    """以下 excludes the bound: 10 deaths is 较大 (III) alone, not also "3人以上10人以下" of the band below,
    which the text output would otherwise list as 另符合."""
    met = [m["id"] for m in classify(PLANS.plan("work_safety"), {"deaths": 10})["met"]]
    assert "III-deaths" not in met and met[0] == "II-deaths"
    met = [m["id"] for m in classify(PLANS.plan("work_safety"), {"deaths": 9})["met"]]
    assert met[0] == "III-deaths"


def test_a_plans_floor_decides_when_nothing_else_is_met():
    env = classify(PLANS.plan("environment"), {})
    assert (env["level"], env["deciding"]["clause"]) == ("IV", "一(五)4(5)")
    hc = classify(PLANS.plan("hazardous_chemicals"), {})
    assert (hc["level"], hc["deciding"]["clause"]) == ("IV", "1.5")
    assert [m["id"] for m in classify(PLANS.plan("environment"), {"deaths": 3})["met"]] == ["III-1-deaths"]


def test_the_whole_result_as_the_api_and_the_cli_give_it():
    """Every key of a result, written out by hand from work safety 2.3, 1.3(1)–(3), 9.2 and 4.3."""
    result = classify(PLANS.plan("work_safety"), {"deaths": 3, "petition": 5})
    deaths_iii = {"id": "III-deaths", "level": "III", "level_name": "较大事故", "clause": "2.3",
                  "text": "指一次死亡3人以上、10人以下（含失踪）……"}
    assert result == {
        "plan": "work_safety", "plan_title": "海门市安全生产事故应急预案（修订版）",
        "level": "III", "level_name": "较大事故", "level_short": "较大", "colour": "yellow",
        "deciding": deaths_iii,
        "met": [deaths_iii, {"id": "scope-deaths", "level": "IV", "level_name": "一般事故", "clause": "1.3(1)",
                             "text": "造成1人以上死亡（含失踪）……"}],
        "judgement": [
            {"id": "scope-capacity", "level": "IV", "clause": "1.3(2)",
             "text": "超出区、镇政府（管委会）应急处置能力……的工矿企业安全生产事故。",
             "question": "超出区镇处置能力（由指挥中心判断）"},
            {"id": "scope-leaders", "level": "IV", "clause": "1.3(3)",
             "text": "市政府领导认为需要市安全生产委员会（以下简称市安委会）处置的工矿企业安全生产事故。",
             "question": "市政府领导认为需要市安委会处置"}],
        "notes": [{"clause": "", "note": "本预案分级标准不使用以下事实，未计入：petition"},
                  {"clause": "9.2", "note": "危化品企业火灾爆炸事故另见《海门市危险化学品事故应急预案》。"},
                  # 9.2's second sentence (third reading): who proposes and who confirms
                  {"clause": "9.2", "note": "本预案适用范围以外、需由安委会处置的其他工矿企业安全生产事故：由区应急管理局（原市安监局）"
                                            "或相关部门提出，经区政府领导确认后按本预案处置。"}],
        "below_scope": None,
        "facts": {"deaths": 3, "petition": 5},
    }
    below = classify(PLANS.plan("work_safety"), {})
    assert below["level"] is None and below["level_short"] is None and below["colour"] is None
    assert below["below_scope"] == {
        "clause": "4.3", "text": "如果事故不足以启动应急救援体系的最低响应级别，则应急响应关闭。",
        "note": "未达到本预案适用范围（1.3）和一般事故标准（2.4）：由企业或所辖区镇按原有规定向应急管理局等部门报告（9.2），"
                "本预案应急响应关闭。"}
