"""A board row is one typed value: the board, home, the wall, the board's table and the API read the same fields,
and the incident's own fields read through it as the pages write them (``row.title``)."""
from datetime import timedelta

import pytest

from emergency.core.clock import parse_time
from emergency.services.board import board_row

AT = parse_time("2026-11-22T09:00:00+08:00", "at")        # the drill's simulated clock
PAGE = parse_time("2026-11-22T15:00:00+08:00", "now")     # the page's


def _item(i, status, ours=True, due="2026-11-22T09:10:00+08:00", immediate=False):
    return {"id": i, "status": status, "ours": ours, "due": due, "immediate": immediate, "to": ["南通市政府"],
            "channel_name": "电话", "from": "区政府总值班室", "clause": "5.1"}


def _view(*items):
    return {"id": "i1", "title": "储罐泄漏", "name": "储罐泄漏", "drill": True, "checklist": {"notifications": list(items)}}


def test_a_row_counts_ours_and_others_apart_and_says_our_next_item():
    row = board_row(_view(_item("a", "overdue"), _item("b", "pending"), _item("c", "overdue", ours=False),
                          _item("d", "done")), AT, PAGE)
    assert (row.counts.ours_overdue, row.counts.others_overdue, row.counts.ours_owed) == (1, 1, 2)
    assert [n["id"] for n in row.overdue] == ["a"] and row.next_due["id"] == "a" and row.next_others["id"] == "c"
    assert row.title == "储罐泄漏"                                  # the incident's own field, read through
    with pytest.raises(AttributeError):
        _ = row.no_such_field                                       # a page's test of a missing field stays false


def test_a_drills_reminders_fall_due_on_the_pages_clock():
    row = board_row(_view(_item("b", "pending", due="2026-11-22T09:30:00+08:00")), AT, PAGE)
    assert [parse_time(m["due"], "due") for m in row.remind] == [PAGE + timedelta(minutes=30)]
    assert row.remind[0]["label"].startswith("【演练】储罐泄漏：南通市政府")
    untitled = {**_view(_item("b", "pending")), "title": "", "name": "危险化学品事故（11-22 08:26）"}
    assert board_row(untitled, AT, PAGE).remind[0]["label"].startswith("【演练】危险化学品事故（11-22 08:26）：")  # never its id


def test_the_api_lists_the_view_with_the_boards_fields_and_plain_counts():
    listed = board_row(_view(_item("a", "overdue")), AT, PAGE).listed()
    assert listed["counts"] == {"ours_overdue": 1, "others_overdue": 0, "ours_owed": 1, "escalated": 0}
    assert listed["title"] == "储罐泄漏" and listed["next_due"]["id"] == "a"
    assert not {"at", "owed", "escalated", "remind", "view"} & set(listed)
