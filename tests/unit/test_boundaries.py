"""研判 — for the facts at hand, each higher level's criteria with what the facts lack, and what the nearest
boundary of each level would set off, read from the plans' own data."""
from emergency.response.boundaries import assessment, boundaries, headline
from emergency.response.classify import classify
from emergency.core.clock import FixedClock
from tests.library import PLANS

NOW = FixedClock("2026-12-06T03:00:00+08:00").now()
FIELDS = {"level", "clause", "sentence", "fact", "current", "needed", "distance", "qualitative"}


def judged(plan_id, facts):
    plan = PLANS.plan(plan_id)
    level = classify(plan, facts)["level"]
    return level, assessment(plan, facts, level, "2026-12-06T02:30", "2026-12-06T02:40", NOW)


def test_a_hazardous_chemicals_accident_with_two_deaths_is_one_death_from_iii():
    level, a = judged("hazardous_chemicals", {"deaths": 2})
    assert level == "IV"
    iii = next(b for b in a["boundaries"] if b["level"] == "III" and b["distance"] == 1)
    assert FIELDS <= set(iii) and iii["clause"] == "1.4(3)" and iii["needed"] == 3 and iii["current"] == 2
    assert iii["sentence"] == next(c.text for c in PLANS.plan("hazardous_chemicals").criteria if c.id == iii["criterion"])
    assert a["headline"].startswith("距较大事故（III级）：") and "再增加1人" in a["headline"]
    ahead = {x["boundary"]["level"]: x["consequences"] for x in a["ahead"]}
    iii_adds = ahead["III"]
    # III adds the hop from Nantong to the province (493号第十条); the dated 南通市 report stands at every level
    # since the third reading and stays owed with its clock
    assert any(n["id"] == "nat-493-10-province" and n["due"] == "2026-12-06T06:40:00+08:00"
               for n in iii_adds["notifications"])
    assert any(s["id"] == "nat-493-10-city" and s["due"] == "2026-12-06T04:40:00+08:00"
               for s in iii_adds["still_owed"])


def test_an_environment_event_with_4800_evacuated_is_200_people_from_iii():
    level, a = judged("environment", {"evacuated": 4800})
    assert level == "IV"
    b = next(b for b in a["boundaries"] if b["clause"] == "一(五)3(2)")
    assert (b["level"], b["current"], b["needed"], b["distance"]) == ("III", 4800, 5000, 200)
    assert a["ahead"][0]["boundary"]["clause"] == "一(五)3(2)"       # the nearest by share: 4% to go, not 3 deaths
    assert "疏散、转移人数再增加200人" in a["headline"]


def test_at_and_just_below_the_bound():
    level, a = judged("environment", {"evacuated": 4999})
    assert level == "IV" and next(b for b in a["boundaries"] if b["clause"] == "一(五)3(2)")["distance"] == 1
    level, a = judged("environment", {"evacuated": 5000})
    assert level == "III" and not any(b["level"] in ("III", "IV") for b in a["boundaries"])
    ii = next(b for b in a["boundaries"] if b["clause"] == "一(五)2(2)")
    assert ii["distance"] == 5000                                     # 1万人以上 for II


def test_qualitative_criteria_are_named_for_a_person_to_confirm():
    _level, a = judged("hazardous_chemicals", {"deaths": 2})
    choices = [b for b in a["boundaries"] if b["distance"] is None]
    assert any("社会影响" in b["words"] for b in choices)
    plan = PLANS.plan("labor_dispute")
    assert headline(plan, {"strike": 29}, classify(plan, {"strike": 29})["level"]).startswith("距较大")


def test_below_the_scope_the_floor_is_the_first_boundary():
    plan = PLANS.plan("labor_dispute")
    found = boundaries(plan, {"petition": 9}, None)
    assert found[0]["level"] == "IV" and found[0]["distance"] == 1


def test_the_commanders_card_says_what_would_raise_the_response():
    """Point 3: a card is printed per level, not per incident, so it carries the next level's figures in one line."""
    from emergency.response.cards import card
    notes = [n["text"] for n in card(PLANS.plan("hazardous_chemicals"), "IV", "commander")["notes"]]
    assert "升级标准（较大事故，III级）：死亡人数、失踪人数之和达到3人；中毒人数达到30人；直接经济损失达到1000万元" in notes
    assert not any(n.startswith("升级标准") for n in [x["text"] for x in card(PLANS.plan("environment"), "I",
                                                                              "commander")["notes"]])


def test_the_plans_the_event_could_also_be_under_and_who_would_lead():
    """Point 1–2: the same facts under the related plans, and which plan leads past each boundary (环境 一(六) /
    危化 8.2: a 重大 environmental event is led by the environment plan, a lesser one by hazardous chemicals)."""
    from emergency.response.boundaries import related_plans
    plan = PLANS.plan("environment")
    level, a = judged("environment", {"evacuated": 5000})
    related = related_plans(PLANS, plan, {"evacuated": 5000}, level, a["ahead"])
    assert [r["plan"] for r in related] == ["hazardous_chemicals"] and related[0]["level"] == "IV"
    ii = next(x["consequences"] for x in a["ahead"] if x["boundary"]["level"] == "II")
    assert ii["lead"] == "environment" and ii["lead_changes"] is True
