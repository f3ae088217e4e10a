"""Whose duty it is, on the pages that are not the incident page: the wall screen carries the office's 待办 in one line."""
from emergency.services import incidents as svc
from emergency.store import open_store
from emergency.services.users import add_user
from tests.conftest import PASSWORD, signed_in


def test_the_wall_screen_counts_the_offices_open_tasks_and_those_past_their_time(app, clock):
    store = open_store(app.config["DATABASE"])
    add_user(store, "应急局值班员孙八", "duty_officer", PASSWORD, clock, unit="区应急管理局")
    snap = svc.report(store, {"plan": "hazardous_chemicals", "facts": {"deaths": 1}, "title": "槽罐车泄漏（虚构）",
                              "occurred_at": "2026-11-22T08:00", "reported_at": "2026-11-22T08:10"}, "值班员张三", clock)
    for due in ("2026-11-22T08:59", "2026-11-22T09:01"):          # one past its time at 09:00, one not yet
        snap = svc.act(store, snap.id, "assign_task", snap.version,
                       {"duty": "group:coordination", "unit": "区应急管理局", "due": due}, "指挥李四", clock)
    store.close()
    wall = signed_in(app, "应急局值班员孙八").get("/wall").get_data(as_text=True)
    assert "本单位待办任务 2" in wall and "（超时 1）" in wall
    room = signed_in(app, "值班员张三").get("/wall").get_data(as_text=True)   # the duty room was given none
    assert "本单位待办任务" not in room
