"""Drills stay out of the live picture — the home page's overdue list, its reminders (tab title,
chime) and the items raised to the real leader on duty count real incidents only; a drill's items are raised to
the drill's stand-in."""
import re

from emergency.services import incidents as svc
from emergency.store import open_store
from tests.conftest import signed_in


def _drill_incident(app, clock):
    store = open_store(app.config["DATABASE"])
    # a work-safety accident of level III: 市政府、市安委办 → 南通市 at once (5.1), the duty room's own item
    snap = svc.report(store, {"plan": "work_safety", "title": "演练：厂房坍塌", "drill": True,
                              "facts": {"deaths": 3}, "occurred_at": "2026-11-22T07:00"}, "导调王五", clock)
    store.close()
    return snap


def test_with_only_drills_running_the_home_page_shows_no_real_overdue_item(app, clock):
    snap = _drill_incident(app, clock)
    page = signed_in(app, "值班员张三").get("/").get_data(as_text=True)
    assert "已超时（<span id=\"overdue-count\">0</span>）" in page
    assert re.search(r'id="drill-overdue".*?另有演练事项 (\d+) 项已超时', page, re.S)
    assert "data-remind-due" not in page                     # no tab-title count, no chime for a drill here
    board = signed_in(app, "值班员张三").get("/incidents?drill=1").get_data(as_text=True)
    assert "data-remind-due" in board                        # the drill board keeps its reminders
    incident = signed_in(app, "导调王五").get(f"/incidents/{snap.id}").get_data(as_text=True)
    assert "演练导调（代带班领导）" in incident and "值班表中此刻无带班领导" not in incident
