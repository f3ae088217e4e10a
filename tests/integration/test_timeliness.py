"""信息报送 statistics for a month, checked against a count the test makes from the events alone: a generated
month of work-safety accidents in which the 区应急管理局 reports some items on time, some late by a known number of
minutes and some never; the page's and the workbook's figures are that count, and each figure links to its rows."""
import io
import random
from datetime import datetime, timedelta

import openpyxl

from emergency.core.clock import FixedClock, parse_time
from emergency.services import incidents as svc, timeliness
from emergency.services.incidents import notification_status
from emergency.store import open_store
from tests.conftest import app_with_users, signed_in

OFFICE = "区应急管理局"
NOW = FixedClock("2026-12-07T09:00:00+08:00")


def _month(store, seed=7):
    """Twenty accidents in November, the office's dated items each acknowledged on time, late or never."""
    rng = random.Random(seed)
    for day in range(1, 21):
        at = datetime(2026, 11, day, 8, 0, tzinfo=NOW.now().tzinfo)
        clock = FixedClock(at.isoformat())
        snap = svc.report(store, {"plan": "work_safety", "title": f"11月{day}日某厂事故",
                                  "facts": {"deaths": rng.choice([0, 1, 2])}, "occurred_at": at.isoformat(),
                                  "reported_at": (at + timedelta(minutes=10)).isoformat()}, "值班员张三", clock)
        own = [n for n in (i.view() for i in notification_status(snap, clock.now(), store.plans, OFFICE))
               if n.get("ours") and n["due"]]
        plan = []
        for n in own:
            choice = rng.choice(["on_time", "late", "never"])
            if choice != "never":
                due = parse_time(n["due"], "due")
                plan.append((due + timedelta(minutes=-10 if choice == "on_time" else rng.randint(5, 90)), n))
        for when, n in sorted(plan, key=lambda p: p[0]):
            clock = FixedClock(max(when, parse_time(snap.updated_at, "at")).isoformat())
            for unit in n["to"]:
                snap = svc.act(store, snap.id, "record_call", snap.version,
                               {"notification": n["id"], "unit": unit, "number": "0513-00000000",
                                "outcome": "connected", "reached": "示例接听人"}, "示例值班员", clock, OFFICE)


def _count_from_events(store) -> dict[str, int]:
    """The oracle: from each incident's events — its first event's due times (the checklist it was recorded with)
    and its acknowledged calls — on time, late (and by how much) and never, without the statistics code."""
    out = {"on_time": 0, "late": 0, "missed": 0, "late_minutes": 0}
    for snap in store.incidents.search(since="2026-11-01T00:00:00+08:00", until="2026-11-30T23:59:59+08:00", limit=1000):
        events = store.incidents.events(snap.id)
        first = store.incidents.get(snap.id)
        dues = {n["id"]: (n["due"], n["to"]) for n in (
            i.view() for i in notification_status(first, parse_time(events[0]["at"], "at"), store.plans, OFFICE))
            if n.get("ours") and n["due"]}
        acked: dict[str, dict[str, str]] = {}
        for e in events:
            p = e.get("payload") or {}
            if e["trigger"] == "record_call" and p.get("outcome") == "connected":
                acked.setdefault(p["notification"], {}).setdefault(p["unit"], e["at"])
        for item, (due, to) in dues.items():
            times = acked.get(item, {})
            if set(times) != set(to):
                out["missed"] += 1
                continue
            done = max(parse_time(t, "at") for t in times.values())
            late = round((done - parse_time(due, "due")).total_seconds() / 60)
            if late <= 0:
                out["on_time"] += 1
            else:
                out["late"] += 1
                out["late_minutes"] += late
    return out


def test_a_months_statistics_are_the_count_the_events_give(tmp_path):
    store = open_store(str(tmp_path / "t.db"))
    _month(store)
    expected = _count_from_events(store)
    p = timeliness.of_period(store, OFFICE, "2026-11-01T00:00:00+08:00", "2026-11-30T23:59:59+08:00", NOW.now())
    store.close()
    assert p.incidents == 20 and sum(expected.values()) > 20
    got = {"on_time": len(p.own["on_time"]), "late": len(p.own["late"]), "missed": len(p.own["missed"]),
           "late_minutes": p.late_minutes}
    assert got == expected
    assert expected["on_time"] and expected["late"] and expected["missed"]          # the month has all three


def test_the_page_and_the_workbook_show_the_same_figures_each_linked_to_its_rows(tmp_path):
    app = app_with_users(str(tmp_path / "t.db"), NOW, TESTING=True)
    store = open_store(app.config["DATABASE"])
    _month(store)
    expected = _count_from_events(store)
    from emergency.services.users import add_user
    from tests.conftest import PASSWORD
    add_user(store, "应急局值班员孙八", "duty_officer", PASSWORD, NOW, unit=OFFICE)
    store.close()
    client = signed_in(app, "应急局值班员孙八")
    page = client.get("/statistics?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    for key in ("on_time", "late", "missed"):
        assert f'href="#own-{key}" id="count-{key}"' in page and f'id="count-{key}"' in page
        shown = int(page.split(f'id="count-{key}"')[1].split(">")[1].split("<")[0])
        assert shown == expected[key], key
        if shown:
            section = page.split(f'id="own-{key}"')[1].split("</table>")[0]
            assert section.count("<tr><td><a href=\"/incidents/") == shown            # the figure's rows
    book = openpyxl.load_workbook(io.BytesIO(client.get("/statistics.xlsx?from=2026-11-01&to=2026-11-30").data))
    counts = dict(book["统计"].iter_rows(min_row=2, values_only=True))
    assert counts["事件数"] == 20 and counts["按时"] == expected["on_time"] and counts["迟报"] == expected["late"]
    assert counts["未报（已过时限）"] == expected["missed"]
    drills = client.get("/statistics?from=2026-11-01&to=2026-11-30&drill=1").get_data(as_text=True)
    assert 'id="count-incidents">0<' in drills                                      # drills counted apart
