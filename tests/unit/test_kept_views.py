"""A list's view of an incident is built once a minute and kept (``incidents.kept_view``): what the board, home,
the wall and the 交接班 show is the view the incident page shows that minute, built again when the incident
changes or the minute turns, and no page can change what the next one is shown."""
from datetime import timedelta

import pytest

from emergency.core.clock import FixedClock
from emergency.services import incidents as svc
from tests.fakes import FakeUnitOfWork
from tests.library import PLANS

OFFICE = "海门区政府总值班室"


@pytest.fixture
def built(monkeypatch):
    """How many views were built (kept ones are not)."""
    count = []
    real = svc.snapshot_view

    def counting(*args, **kwargs):
        count.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(svc, "snapshot_view", counting)
    return count


@pytest.fixture
def incident():
    store = FakeUnitOfWork(PLANS)
    clock = FixedClock("2026-11-22T09:00:10+08:00")
    snap = svc.report(store, {"plan": "environment", "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:00",
                              "reported_at": "2026-11-22T08:10"}, "值班员", clock)
    return store, snap, clock


def test_a_view_is_of_its_minute_whatever_the_seconds(incident):
    store, snap, clock = incident
    at = clock.now()
    assert svc.snapshot_view(snap, None, at, PLANS, OFFICE) == svc.snapshot_view(
        snap, None, at.replace(second=59), PLANS, OFFICE) == svc.snapshot_view(snap, None, at.replace(second=0),
                                                                               PLANS, OFFICE)


def test_the_kept_view_is_the_view_of_that_minute_built_once(incident, built):
    store, snap, clock = incident
    first = svc.kept_view(snap, clock.now(), PLANS, OFFICE)
    again = svc.kept_view(store.incidents.get(snap.id), clock.now() + timedelta(seconds=40), PLANS, OFFICE)
    assert first == again == svc.snapshot_view(snap, None, clock.now(), PLANS, OFFICE)
    assert len(built) == 2        # the kept view once, the comparison once


def test_a_change_or_the_next_minute_or_another_office_builds_it_again(incident, built):
    store, snap, clock = incident
    svc.kept_view(snap, clock.now(), PLANS, OFFICE)
    noted = svc.act(store, snap.id, "add_note", snap.version, {"note": "现场已封控"}, "值班员", clock)
    assert svc.kept_view(noted, clock.now(), PLANS, OFFICE)["version"] == snap.version + 1
    assert len(built) == 2
    svc.kept_view(noted, clock.now() + timedelta(minutes=1), PLANS, OFFICE)
    svc.kept_view(noted, clock.now() + timedelta(minutes=1), PLANS, "海门生态环境局")
    assert len(built) == 4


def test_a_deadline_passing_shows_on_the_kept_view_from_the_minute_after(incident):
    """An item due at a minute is not overdue in the minute before, at any second of it, and is overdue a minute
    after — the kept view and the view built then agree."""
    from emergency.core.clock import parse_time
    store, snap, clock = incident
    early = clock.now().replace(hour=8, minute=11, second=0)
    item = next(n for n in svc.snapshot_view(snap, None, early, PLANS, OFFICE)["checklist"]["notifications"]
                if n["due"] and parse_time(n["due"], "due") > early + timedelta(minutes=2))
    due = parse_time(item["due"], "due")

    def status(at):
        view = svc.kept_view(snap, at, PLANS, OFFICE)
        assert view == svc.snapshot_view(snap, None, at, PLANS, OFFICE)
        return next(n["status"] for n in view["checklist"]["notifications"] if n["id"] == item["id"])
    assert status(due - timedelta(minutes=1)) != "overdue" and status(due - timedelta(seconds=1)) != "overdue"
    assert status(due + timedelta(minutes=1)) == "overdue"


def test_what_one_page_does_to_its_copy_no_other_page_sees(incident):
    store, snap, clock = incident
    mine = svc.kept_view(snap, clock.now(), PLANS, OFFICE)
    mine["title"] = "改过"
    mine["checklist"]["notifications"].clear()
    theirs = svc.kept_view(snap, clock.now(), PLANS, OFFICE)
    assert theirs["title"] != "改过" and theirs["checklist"]["notifications"]
