"""Properties of the classifier that must hold for any facts (hypothesis)."""
from hypothesis import given, settings, strategies as st

from emergency.response.classify import classify
from emergency.plans.model import LEVEL_RANK
from tests.library import PLANS

counts = st.fixed_dictionaries({}, optional={f: st.integers(0, 200_000) for f in PLANS.vocabulary.count_names if f != "direct_loss_yuan"}
                               | {"direct_loss_yuan": st.integers(0, 300_000_000)})
choices = st.fixed_dictionaries({}, optional={f: st.sampled_from(v) for f, v in PLANS.vocabulary.choice_values.items()})
flags = st.fixed_dictionaries({}, optional={f: st.booleans() for f in PLANS.vocabulary.flag_names})
facts = st.builds(lambda a, b, c: {**a, **b, **c}, counts, choices, flags)
CASUALTIES = ("deaths", "missing", "serious_injuries", "poisoned", "lives_endangered", "evacuated",
              "direct_loss_yuan", "petition", "march", "strike")


def rank(level):
    return LEVEL_RANK[level] if level else 0


@settings(max_examples=300, deadline=None)
@given(plan=st.sampled_from(PLANS.ids), base=facts, fact=st.sampled_from(CASUALTIES), more=st.integers(1, 100_000))
def test_more_casualties_never_lower_the_level(plan, base, fact, more):
    p = PLANS.plan(plan)
    before = classify(p, base)["level"]
    after = classify(p, {**base, fact: base.get(fact, 0) + more})["level"]
    assert rank(after) >= rank(before)


@settings(max_examples=300, deadline=None)
@given(plan=st.sampled_from(PLANS.ids), f=facts)
def test_the_level_is_the_highest_level_met_and_the_deciding_criterion_is_met(plan, f):
    result = classify(PLANS.plan(plan), f)
    if result["level"] is None:
        assert result["met"] == [] and result["below_scope"]
    else:
        assert result["deciding"] in result["met"]
        assert rank(result["level"]) == max(rank(m["level"]) for m in result["met"])


@settings(max_examples=200, deadline=None)
@given(f=facts)
def test_every_environmental_event_is_at_least_level_iv(f):
    assert classify(PLANS.plan("environment"), f)["level"] is not None


@settings(max_examples=200, deadline=None)
@given(f=facts)
def test_every_hazardous_chemicals_accident_in_scope_is_at_least_level_iv(f):
    """1.5 covers every leak, fire, explosion or poisoning accident; 1.4(4) is a ceiling."""
    result = classify(PLANS.plan("hazardous_chemicals"), f)
    assert result["level"] is not None
    assert any(j["id"] == "IV-endangers" for j in result["judgement"])


@settings(max_examples=200, deadline=None)
@given(f=facts, n=st.integers(0, 100_000))
def test_a_petition_away_from_government_departments_never_raises_the_level(f, n):
    """2.1/2.2(3)/2.3(3) count petitions made at a city department or higher; elsewhere they add nothing."""
    p = PLANS.plan("labor_dispute")
    base = {**f, "petition": 0}
    elsewhere = {**f, "petition": n, "petition_to": "other"}
    if not f.get("employer_absconded") and f.get("employers_involved", 0) < 3:
        assert rank(classify(p, elsewhere)["level"]) == rank(classify(p, base)["level"])


@settings(max_examples=200, deadline=None)
@given(plan=st.sampled_from(PLANS.ids), f=facts)
def test_classification_is_a_pure_function_of_the_facts(plan, f):
    """The same facts give the same result whatever was classified before, and a fact left out is the same
    as its default spelled out (a missing count is 0, a missing choice its first value, a flag false)."""
    p = PLANS.plan(plan)
    first = classify(p, f)
    classify(p, {"deaths": 999, "poisoned": 999})  # no state carried from one call to the next
    vocab = PLANS.vocabulary
    spelled_out = {**{n: 0 for n in vocab.count_names}, **{n: vocab.choice(n).default for n in vocab.choice_values},
                   **{n: False for n in vocab.flag_names}, **f}
    assert classify(p, spelled_out) == first
    assert first["facts"] == {k: v for k, v in spelled_out.items() if v != (0 if vocab.kind(k) == "count" else
                                                                              False if vocab.kind(k) == "flag" else
                                                                              vocab.choice(k).default)}
