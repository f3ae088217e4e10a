"""A district's database after years of use, and every page a duty officer waits for measured on it.

``bench.py district [scale]`` builds the record through the service — each incident reported, walked through its
response and closed as the console would (the environment plan's walk: 首报 by phone, level IV then III, the
termination conditions, 后期处置 and 结案), notes and calls on top, a roster of every day, the 值班日志, the
directory — first one year of it, then two more, and after each it times every page. Each page is printed as

    district PAGE: N ms median, X× a route of the same bytes, Y× its own SQL, 3y/1y Z

``a route of the same bytes``: a bare Flask app answering the very bytes the page answered, in the same run;
``its own SQL``: the statements the page sent to the database (caught by SQLite's trace) run again alone on one
connection; ``3y/1y``: the page after three years against the same page after the first. Sizes (``SIZES``) are a
district's in its third year and scale together (``scale`` 0.1 builds a tenth of it in seconds).
"""
from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from emergency.core.clock import TZ, FixedClock
from emergency.core.errors import EmergencyError
from emergency.response.duties import KNOWN_VIA, duty_rules
from emergency.services import directory, incidents as svc, roster, shift
from emergency.services.permissions import Actor
from emergency.services.users import create_token
from emergency.store import open_store

# A district in its third year: incidents (open ones among them), their events (one incident far longer than the
# rest), the directory, and the 值班日志's entries; the roster has a day and a night shift every day.
SIZES = {"incidents": 3001, "open": 60, "events": 136_858, "big": 4_998, "contacts": 2_000, "log": 6_570}
YEARS = 3
FIRST_DAY = datetime(2024, 1, 1, 8, 30, tzinfo=TZ)
OFFICE = "海门区政府总值班室"
OFFICER = Actor("值班员张三", "duty_officer", OFFICE)
FACTS = {"deaths": 1}
# The environment plan's walk from 接报 to 结案 (the steps every incident of the district's history took).
WALK = [("start_first_response", {}), ("activate", {"level": "IV", "approved_by": "区长"}),
        ("tick_notification", {"notification": "first-phone"}),
        ("update_facts", {"facts": {"evacuated": 6000}}),
        ("change_level", {"level": "III", "reason": "疏散人数达5000人以上"}),
        ("confirm_condition", {"condition": "controlled"}), ("terminate", {"declared_by": "海门区政府"}),
        ("start_post_incident", {})]
CALL = {"notification": "first-phone", "outcome": "no_answer", "number": "0513-82212345"}


class District:
    """The database being built, the year it has reached, and the clock its pages are read at."""

    def __init__(self, location: str, scale: float):
        self.location, self.scale = location, scale
        self.sizes = {k: max(1, round(v * scale)) for k, v in SIZES.items()}
        self.left_open: list[str] = []
        self.big: str | None = None
        self.small: str | None = None

    def fill_year(self, year: int) -> float:
        """Year ``year`` (1-based) of the district's record, through the service. Returns the seconds it took."""
        started = time.perf_counter()
        store = open_store(self.location)
        store.db.execute("PRAGMA synchronous = OFF")   # the fill's own speed: the pages read what it wrote
        try:
            begin = FIRST_DAY + timedelta(days=365 * (year - 1))
            self._close_last_years_open(store, begin)
            per_year = self.sizes["incidents"] // YEARS + (1 if year == 1 else 0)
            events_each = (self.sizes["events"] - self.sizes["big"]) // max(1, self.sizes["incidents"] - 1)
            for i in range(per_year):
                at = begin + timedelta(days=365 * i / per_year)
                keep_open = i >= per_year - self.sizes["open"]
                snap = self._incident(store, at, events_each, keep_open)
                if keep_open:
                    self.left_open.append(snap.id)
            if year == 1:
                self.big = self._incident(store, begin + timedelta(days=1), self.sizes["big"], True).id
                directory.replace(store, _contacts(self.sizes["contacts"]), "bench", begin.isoformat())
            self.small = self.left_open[-1]
            # the roster from the first day to a month past this year (a duty room plans its next month)
            roster.replace(store, day_and_night(FIRST_DAY, 365 * year + 30), "bench", begin.isoformat())
            self._log(store, begin, self.sizes["log"] // YEARS)
        finally:
            store.close()
        return time.perf_counter() - started

    def _incident(self, store, at: datetime, events: int, keep_open: bool):
        clock = FixedClock(at)
        snap = svc.report(store, {"plan": "environment", "title": f"区内事件{at:%Y%m%d%H%M}", "facts": FACTS,
                                  "occurred_at": at.isoformat()}, "值班员张三", clock)

        def act(trigger, payload, snap):
            clock.advance(minutes=2)
            return svc.act(store, snap.id, trigger, snap.version, payload, "指挥李四", clock)

        # a call for every four notes, at least three: the long incident's officers called as often as they wrote
        calls = max(3, events // 5)
        for _call in range(calls):
            snap = act("record_call", CALL, snap)
        for n in range(max(0, events - 20 - calls)):   # the walk and its closing take 20 events
            snap = act("add_note", {"note": f"现场情况第{n + 1}条"}, snap)
        if not keep_open:
            snap = self._walk_to_closed(store, snap, act)
        return snap

    def _walk_to_closed(self, store, snap, act):
        for trigger, payload in WALK:
            snap = act(trigger, payload, snap)
        plan = store.plans.plans["environment"]
        for task in plan.post_incident:
            snap = act("complete_task", {"task": task.id}, snap)
        for rule in duty_rules(plan, snap):
            if rule.immediate and rule.id not in snap.notifications:
                try:
                    snap = act("tick_notification", {"notification": rule.id}, snap)
                except EmergencyError:   # another office's duty: accounted for, never ticked
                    snap = act("account_for", {"notification": rule.id, "how": KNOWN_VIA[0]}, snap)
        return act("close", {}, snap)

    def _close_last_years_open(self, store, now: datetime) -> None:
        """Last year's open incidents were closed since (the board holds this year's, as a district's does)."""
        for incident_id in self.left_open:
            snap = store.incidents.get(incident_id)
            clock = FixedClock(now)

            def act(trigger, payload, snap, clock=clock):
                clock.advance(minutes=2)
                return svc.act(store, snap.id, trigger, snap.version, payload, "指挥李四", clock)
            self._walk_to_closed(store, snap, act)
        self.left_open = []

    def _log(self, store, begin: datetime, entries: int) -> None:
        for i in range(entries):
            at = begin + timedelta(days=365 * i / entries)
            shift.add_entry(store, OFFICER, {"kind": ("call_in", "call_out", "note")[i % 3], "at": at.isoformat(),
                                             "text": f"来电反映情况第{i + 1}件", "party": "市民"}, at)


def _contacts(n: int) -> list:
    return [directory.Contact(unit=f"单位{i // 20:03d}", name="" if i % 20 == 0 else f"联系人{i}",
                              position="值班", office_phone=f"0513-8{i:07d}"[:13], mobile=f"139{i:08d}")
            for i in range(n)]


def day_and_night(begin: datetime, days: int) -> list:
    """The duty room's roster from ``begin``: a day shift (9 hours) and a night shift (15) every day."""
    out = []
    for day in range(days):
        start = begin + timedelta(days=day)
        out += [roster.Shift(unit=OFFICE, shift="白班", starts_at=start.isoformat(),
                             ends_at=(start + timedelta(hours=9)).isoformat(), officer="示例甲", leader="示例乙"),
                roster.Shift(unit=OFFICE, shift="夜班", starts_at=(start + timedelta(hours=9)).isoformat(),
                             ends_at=(start + timedelta(hours=24)).isoformat(), officer="示例丙", leader="示例乙")]
    return out


# ------------------------------------------------------------------ timing the pages

def pages(d: District) -> dict[str, tuple[str, str, dict | None]]:
    """name → (method, URL, JSON body): what a duty officer opens in a shift."""
    return {"home": ("GET", "/", None), "board": ("GET", "/incidents", None),
            "incident (small)": ("GET", f"/incidents/{d.small}", None),
            "incident (big)": ("GET", f"/incidents/{d.big}", None),
            "API incident (small)": ("GET", f"/api/incidents/{d.small}", None),
            "API incident (big)": ("GET", f"/api/incidents/{d.big}", None),
            "call sheet": ("GET", f"/incidents/{d.small}/calls", None),
            "checklist": ("GET", f"/incidents/{d.small}/checklist", None),
            "classify": ("POST", "/api/classify/environment", {"deaths": 3, "evacuated": 12000}),
            "history search": ("GET", "/history?q=区内事件", None), "值班日志": ("GET", "/shift", None),
            "交接班": ("GET", "/shift/handover", None), "plan page": ("GET", "/plans/environment", None)}


class TracedSQL:
    """Every statement the app sends to SQLite while on, caught by the connection's trace callback."""

    def __init__(self):
        self.on, self.statements = False, []
        import emergency.store.sqlite as sqlite_store
        self._connect = sqlite_store.connect

        def connect(path, lock_timeout=10.0):
            conn = self._connect(path, lock_timeout)
            conn.set_trace_callback(lambda sql: self.statements.append(sql) if self.on else None)
            return conn
        sqlite_store.connect = connect

    def catch(self, fn):
        self.on, self.statements = True, []
        try:
            fn()
        finally:
            self.on = False
        return list(self.statements)


def sql_alone(location: str, statements: list[str], repeat: int) -> float:
    """The median time of ``statements`` run again on one connection (reads only; writes are the page's own)."""
    conn = sqlite3.connect(location)
    reads = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH", "PRAGMA"))]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for sql in reads:
            conn.execute(sql).fetchall()
        times.append(time.perf_counter() - t)
    conn.close()
    return statistics.median(times)


def measure(app, d: District, traced: TracedSQL, repeat: int) -> dict[str, dict[str, float]]:
    from flask import Flask, Response
    from tests.conftest import signed_in
    client, api_client = signed_in(app, "值班员张三"), app.test_client()   # a browser's session; a program's token
    store = open_store(d.location)
    try:   # a token made now (the district's clock has moved past the first one's expiry)
        token = {"Authorization": f"Bearer {create_token(store, '值班员张三', app.config['CLOCK'])}"}
    finally:
        store.close()
    bare = Flask("bare")
    kept: dict[str, tuple[bytes, str]] = {}
    bare.add_url_rule("/<int:n>", "same", lambda n: Response(kept[list(kept)[n]][0], mimetype=kept[list(kept)[n]][1]))
    bare_client = bare.test_client()
    out = {}
    for n, (name, (method, url, body)) in enumerate(pages(d).items()):
        api = url.startswith("/api/")

        def get(method=method, url=url, body=body, api=api):
            if method == "POST":
                return api_client.post(url, json=body, headers=token)
            return (api_client if api else client).get(url, headers=token if api else None)
        first = get()
        assert first.status_code == 200, (name, first.status_code, first.get_data(as_text=True)[:300])
        kept[name] = (first.get_data(), first.mimetype)
        statements = traced.catch(get)
        times, bares = [], []
        for _ in range(repeat):   # interleaved: the page, then the same bytes from the bare app
            t = time.perf_counter()
            get()
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            bare_client.get(f"/{n}")
            bares.append(time.perf_counter() - t)
        page, same = statistics.median(times), statistics.median(bares)
        out[name] = {"ms": page * 1e3, "bytes": page / same, "sql": page / max(sql_alone(d.location, statements,
                                                                                            repeat), 1e-6),
                     "size": len(kept[name][0])}
    return out


def call_growth(app, d: District, repeat: int) -> tuple[float, float]:
    """A call recorded through the API on the district's longest incident and on one just reported, interleaved:
    the medians (s). What a write costs should not grow with what the incident has behind it."""
    store = open_store(d.location)
    try:
        token = {"Authorization": f"Bearer {create_token(store, '值班员张三', app.config['CLOCK'])}"}
        fresh = svc.report(store, {"plan": "environment", "facts": FACTS, "occurred_at":
                                   app.config["CLOCK"].now().isoformat()}, "值班员张三", app.config["CLOCK"]).id
    finally:
        store.close()
    client = app.test_client()
    versions = {d.big: None, fresh: None}
    times: dict[str, list[float]] = {d.big: [], fresh: []}
    for incident_id in versions:
        versions[incident_id] = client.get(f"/api/incidents/{incident_id}", headers=token).get_json()["version"]
    for _ in range(repeat):
        for incident_id in versions:
            t = time.perf_counter()
            r = client.post(f"/api/incidents/{incident_id}/events", headers=token, json={
                "trigger": "record_call", "expected_version": versions[incident_id], "payload": CALL})
            times[incident_id].append(time.perf_counter() - t)
            assert r.status_code == 200, r.get_data(as_text=True)[:300]
            versions[incident_id] = r.get_json()["version"]
    return statistics.median(times[d.big]), statistics.median(times[fresh])


def run(scale: float = 1.0, repeat: int = 7) -> dict[str, dict[str, float]]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.conftest import app_with_users
    tmp = tempfile.mkdtemp(prefix="district-")
    location = str(Path(tmp) / "district.db")
    clock = FixedClock(FIRST_DAY)
    app = app_with_users(location, clock, TESTING=True)
    app.config["RATELIMIT_ENABLED"] = False
    d, traced = District(location, scale), TracedSQL()
    built = d.fill_year(1)
    clock._at = FIRST_DAY + timedelta(days=365, hours=-1)
    first = measure(app, d, traced, repeat)
    built += d.fill_year(2) + d.fill_year(3)
    clock._at = FIRST_DAY + timedelta(days=3 * 365, hours=-1)
    third = measure(app, d, traced, repeat)
    big, fresh = call_growth(app, d, repeat * 3)
    store = open_store(location)
    events = store.db.execute("SELECT count(*) FROM events").fetchone()[0]
    incidents = store.db.execute("SELECT count(*) FROM incidents").fetchone()[0]
    store.close()
    print(f"district: {incidents:,} incidents, {events:,} events, scale {scale}, built through the service in "
          f"{built:.0f} s")
    for name, m in third.items():
        print(f"district {name}: {m['ms']:.0f} ms median, {m['bytes']:.0f}× a route of the same bytes, "
              f"{m['sql']:.0f}× its own SQL, 3y/1y {m['ms'] / first[name]['ms']:.2f} ({m['size'] / 1024:.0f} KB)")
    print(f"district a call on the {d.sizes['big']:,}-event incident: {big * 1e3:.1f} ms median, on a new incident "
          f"{fresh * 1e3:.1f} ms: {big / fresh:.2f}× (target ≤ 1.2)")
    return third
