"""Bad facts are refused with one message naming the field and what is allowed."""
import pytest

from emergency import InputError, classify
from tests.library import PLANS


@pytest.mark.parametrize("facts, field, allowed", [
    ({"deaths": -1}, "facts.deaths", "whole number from 0"),
    ({"deaths": 2.5}, "facts.deaths", "whole number"),
    ({"deaths": "3"}, "facts.deaths", "whole number"),
    ({"deaths": True}, "facts.deaths", "whole number"),
    ({"direct_loss_yuan": 10**20}, "facts.direct_loss_yuan", "10000000000000"),
    ({"dead": 1}, "facts.dead", "unknown fact"),
    ({"cross_boundary": "mars"}, "facts.cross_boundary", "none, county, city, province, national"),
    ({"serious_crime": "yes"}, "facts.serious_crime", "true or false"),
])
def test_bad_fact_is_refused_naming_the_field(facts, field, allowed):
    with pytest.raises(InputError) as exc:
        classify(PLANS.plan("environment"), facts)
    assert exc.value.field == field
    assert allowed in str(exc.value)


def test_facts_must_be_an_object():
    with pytest.raises(InputError, match="JSON object"):
        PLANS.vocabulary.parse([1, 2])


def test_missing_facts_take_their_defaults():
    f = PLANS.vocabulary.parse({})
    assert f.deaths == 0 and f.cross_boundary == "none" and f.serious_crime is False
