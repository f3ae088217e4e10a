"""Bad facts are refused with one message naming the field and what is allowed."""
import pytest

from emergency import InputError

from emergency.response.classify import classify
from tests.library import PLANS
from tests.refusals import refused


@pytest.mark.parametrize("facts, field, allowed", [
    ({"deaths": -1}, "facts.deaths", "“死亡人数”须为0至100000000的整数（收到：-1）"),
    ({"deaths": 2.5}, "facts.deaths", "整数（收到：2.5）"),
    ({"deaths": "3"}, "facts.deaths", "整数（收到：“3”）"),
    ({"deaths": True}, "facts.deaths", "整数（收到：true）"),
    ({"direct_loss_yuan": 10**20}, "facts.direct_loss_yuan", "10000000000000"),
    ({"dead": 1}, "facts.dead", "没有这项事实（dead）；可用：死亡人数"),
    ({"cross_boundary": "mars"}, "facts.cross_boundary", "须为以下之一：无、跨区县级行政区域纠纷、跨市级行政区域影响"),
    ({"serious_crime": "yes"}, "facts.serious_crime", "须为是或否（收到：“yes”）"),
])
def test_bad_fact_is_refused_naming_the_field(facts, field, allowed):
    with pytest.raises(InputError) as exc:
        classify(PLANS.plan("environment"), facts)
    assert exc.value.field == field
    assert allowed in str(exc.value)


def test_facts_must_be_an_object():
    with refused("facts", "须为JSON对象"):
        PLANS.vocabulary.parse([1, 2])


def test_missing_facts_take_their_defaults():
    f = PLANS.vocabulary.parse({})
    assert f.deaths == 0 and f.cross_boundary == "none" and f.serious_crime is False
