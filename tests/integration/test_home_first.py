"""The home page puts what is happening first: overdue items, what is due, the open incidents and drills, and only
then the house's own chores (plans due for review, units without numbers). In English one drill's tag is "Drill"."""
from emergency.services import incidents as svc
from emergency.store import open_store
from tests.conftest import signed_in


def test_open_incidents_stand_above_the_plan_review_and_a_drill_is_tagged_as_one(app, clock):
    store = open_store(app.config["DATABASE"])
    svc.report(store, {"plan": "work_safety", "title": "某机械厂行车倒塌（演练）", "facts": {"deaths": 1},
                       "occurred_at": "2026-11-22T08:30", "drill": True}, "值班员张三", clock)
    store.close()
    officer = signed_in(app, "值班员张三")
    home = officer.get("/").get_data(as_text=True)
    assert 'id="revision-due"' in home                                # the 2018 plans are past their review
    assert home.index("进行中的事件") < home.index('id="revision-due"')
    assert home.index("进行中的演练") < home.index('id="revision-due"')
    officer.get("/lang/en?next=/")
    english = officer.get("/").get_data(as_text=True)
    assert '<span class="drill-tag">Drill</span>' in english and '<span class="drill-tag">Drills</span>' not in english
    assert "<h1>Incidents: duty-room wall screen</h1>" in officer.get("/wall").get_data(as_text=True)   # one sentence
