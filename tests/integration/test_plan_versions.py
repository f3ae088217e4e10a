"""Plan versions pinned per incident: an incident recorded before a plan edit keeps
its old deadlines, lifecycle and checklist after the edit; new incidents run the new file."""
import shutil

import pytest

from emergency.services import incidents as svc
from emergency.core.clock import FixedClock
from emergency.response.library import PlanLibrary
from emergency.store import open_store
from tests.library import PLANS_DIR, status_views

CLOCK = FixedClock("2026-11-22T09:00:00+08:00")


@pytest.fixture
def plans_dir(tmp_path):
    d = tmp_path / "plans"
    shutil.copytree(PLANS_DIR, d)
    return d


def _phone_due(snap, plans):
    return next(n["due"] for n in status_views(snap, CLOCK.now(), plans) if n["id"] == "III-phone")


def test_an_incident_keeps_its_plan_version_after_the_plan_file_changes(plans_dir, tmp_path):
    d = plans_dir
    first = PlanLibrary(d)  # the console as started before the edit
    store = open_store(tmp_path / "v.db", plans=first)
    before = svc.report(store, {"plan": "environment", "facts": {"deaths": 3}, "occurred_at": "2026-11-22T08:00",
                                "reported_at": "2026-11-22T08:10"}, "值班员", CLOCK)
    old_version = before.plan_version
    assert old_version == first.current_version("environment") and _phone_due(before, first).endswith("08:30:00+08:00")
    text = (d / "environment.yaml").read_text(encoding="utf-8")
    rule = text.index("- id: III-phone")
    edited = text[:rule] + text[rule:].replace("within_minutes: 30", "within_minutes: 20", 1)
    assert edited != text
    (d / "environment.yaml").write_text(edited, encoding="utf-8")
    later = PlanLibrary(d)  # a restart: the old version is known only from the database
    assert later.current_version("environment") != old_version
    store = open_store(tmp_path / "v.db", plans=later)
    kept = store.incidents.get(before.id)
    assert kept.plan_version == old_version and _phone_due(kept, later).endswith("08:30:00+08:00")
    view = svc.snapshot_view(kept, None, CLOCK.now(), later)
    assert view["newer_plan"] is True
    after = svc.report(store, {"plan": "environment", "facts": {"deaths": 3}, "occurred_at": "2026-11-22T08:00",
                               "reported_at": "2026-11-22T08:10"}, "值班员", CLOCK)
    assert after.plan_version != old_version and _phone_due(after, later).endswith("08:20:00+08:00")
    # actions and the tamper check still run the incident on its own version
    kept = svc.act(store, before.id, "tick_notification", kept.version, {"notification": "III-phone"}, "值班员", CLOCK)
    assert store.verify() == []
