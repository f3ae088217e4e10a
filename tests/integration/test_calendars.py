"""The roster and the directory where phones read them: the roster as iCalendar, read back by the icalendar
library with the right local times across a month (a night shift ends the next morning, 08:30 stays 08:30); the
directory as vCards, an observer's without any personal mobile."""
from datetime import date, datetime, timedelta

import icalendar
import vobject

from emergency.core.clock import TZ, FixedClock
from emergency.services import directory, roster
from emergency.store import open_store
from tests.conftest import app_with_users, signed_in

CLOCK = FixedClock("2026-12-01T09:00:00+08:00")


def _month(store) -> list[roster.Shift]:
    """December 2026 for the duty room: a day shift 08:30–17:30 and a night shift 17:30–08:30 every day."""
    shifts = []
    day = date(2026, 12, 1)
    while day.month == 12:
        start = datetime(day.year, day.month, day.day, 8, 30, tzinfo=TZ)
        for name, begins, hours, officer in (("白班", start, 9, "示例值班员甲"),
                                             ("夜班", start + timedelta(hours=9), 15, "示例值班员乙")):
            shifts.append(roster.Shift(unit="海门区政府总值班室", shift=name, starts_at=begins.isoformat(),
                                       ends_at=(begins + timedelta(hours=hours)).isoformat(), officer=officer,
                                       officer_phone="13800138000", leader="示例带班领导甲", leader_phone="13900139000"))
        day += timedelta(days=1)
    roster.replace(store, shifts, "测试", "2026-12-01T09:00:00+08:00")
    directory.replace(store, [directory.Contact(unit="海门区政府总值班室", duty_line="0513-82100000"),
                              directory.Contact(unit="海门区政府总值班室", name="示例值班员甲", mobile="13800138000")],
                      "测试", "2026-12-01T09:00:00+08:00")
    return shifts


def test_the_roster_reads_back_in_a_calendar_with_its_local_times_across_a_month(tmp_path):
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    shifts = _month(store)
    store.close()
    got = signed_in(app, "指挥李四").get("/roster.ics")
    assert got.status_code == 200 and got.headers["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(got.data)
    events = sorted(cal.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    assert len(events) == len(shifts) == 62
    for event, shift in zip(events, sorted(shifts, key=lambda s: s.starts_at), strict=True):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert start == datetime.fromisoformat(shift.starts_at) and end == datetime.fromisoformat(shift.ends_at)
        assert str(start.tzinfo) == "Asia/Shanghai" and start.strftime("%H:%M") in ("08:30", "17:30")
    night = events[-1]                                                     # 12-31 17:30 to 01-01 08:30
    assert night.decoded("dtend").strftime("%m-%d %H:%M") == "01-01 08:30"
    assert "带班领导：示例带班领导甲" in str(night["description"]) and "0513-82100000" in str(night["description"])
    assert cal.walk("VTIMEZONE")[0]["tzid"] == "Asia/Shanghai"
    one = icalendar.Calendar.from_ical(signed_in(app, "指挥李四").get("/roster.ics?officer=示例值班员乙").data)
    assert {str(e["summary"]) for e in one.walk("VEVENT")} == {"海门区政府总值班室 夜班 值班：示例值班员乙"}


def test_an_observers_vcards_and_calendar_carry_no_personal_mobile(tmp_path):
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    _month(store)
    store.close()
    officer = signed_in(app, "指挥李四").get("/directory.vcf")
    assert officer.headers["Content-Type"].startswith("text/vcard")
    cards = list(vobject.readComponents(officer.get_data(as_text=True)))
    person = next(c for c in cards if c.fn.value == "示例值班员甲")
    assert [t.value for t in person.contents["tel"]] == ["13800138000"] and person.org.value == ["海门区政府总值班室"]
    unit = next(c for c in cards if c.fn.value == "海门区政府总值班室")
    assert [t.value for t in unit.contents["tel"]] == ["0513-82100000"]
    observer = signed_in(app, "观察员赵六")
    seen = observer.get("/directory.vcf").get_data(as_text=True) + observer.get("/roster.ics").get_data(as_text=True)
    assert "13800138000" not in seen and "13900139000" not in seen and "0513-82100000" in seen


def _subscribe(client, **form) -> str:
    """The address the roster page shows once after 生成订阅地址, as the user would copy it."""
    import re
    page = client.post("/roster/subscription", data={**form, "csrf_token": client.csrf}).get_data(as_text=True)
    assert page.count('id="subscription-address"') == 1 and re.search(r"<title>值班表[^<]*</title>", page)
    return re.search(r'<input readonly value="([^"]+)" id="subscription-address"', page).group(1).replace("&amp;", "&")


def test_a_subscription_address_serves_its_users_calendar_without_a_session_until_revoked(tmp_path):
    """A phone calendar polls the address with no cookie: it gets the unit's shifts; a new address stops the old one;
    停用 stops it (404, not a sign-in page); the address opens nothing else, and an API token opens no calendar."""
    from emergency.services import users
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    _month(store)
    commander = signed_in(app, "指挥李四")
    first = _subscribe(commander, unit="海门区政府总值班室", officer="示例值班员乙")
    path = first.removeprefix("http://localhost")
    phone = app.test_client()                                 # no session, no header: only the address
    got = phone.get(path)
    assert got.status_code == 200 and got.headers["Content-Type"].startswith("text/calendar")
    assert "attachment" not in got.headers.get("Content-Disposition", "")
    events = icalendar.Calendar.from_ical(got.data).walk("VEVENT")
    assert len(events) == 31 and {str(e["summary"]) for e in events} == {"海门区政府总值班室 夜班 值班：示例值班员乙"}
    state = commander.get("/roster").get_data(as_text=True)
    assert "已有订阅地址" in state and "最近取回于" in state and first not in state      # live, fetched, not shown again
    token = path.split("/")[-1].split(".ics")[0]
    assert phone.get("/api/incidents", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert phone.get(path.replace(token, users.create_token(store, "指挥李四", CLOCK))).status_code == 404
    second = _subscribe(commander)
    assert phone.get(path).status_code == 404 and phone.get(second.removeprefix("http://localhost")).status_code == 200
    commander.post("/roster/subscription/revoke", data={"csrf_token": commander.csrf})
    gone = phone.get(second.removeprefix("http://localhost"))
    assert gone.status_code == 404 and "login" not in gone.headers.get("Location", "")
    assert users.calendar_subscriptions(store, "指挥李四", CLOCK) == []
    assert "已有订阅地址" not in commander.get("/roster").get_data(as_text=True)
    store.close()


def test_an_observers_subscription_carries_no_personal_mobile(tmp_path):
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    _month(store)
    store.close()
    address = _subscribe(signed_in(app, "观察员赵六"))
    seen = app.test_client().get(address.removeprefix("http://localhost")).get_data(as_text=True)
    assert "示例值班员甲" in seen and "13800138000" not in seen and "13900139000" not in seen
