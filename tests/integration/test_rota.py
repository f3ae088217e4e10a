"""A month of the roster from a pattern: generated with the holiday calendar, short crews flagged, a swap
asked for by an officer and decided by the 带班领导 (audited)."""
import io
import pathlib

import pytest

from emergency.core.errors import InputError

from emergency.store import open_store

from tests.conftest import ROOT, signed_in

PATTERN = (ROOT / "plans" / "demo" / "rota.yaml").read_text(encoding="utf-8")


def _generate(client, month="2026-10", pattern=PATTERN, start_with="0"):
    return client.post("/roster/generate", data={"csrf_token": client.csrf, "month": month, "start_with": start_with,
                                                 "pattern": (io.BytesIO(pattern.encode()), "rota.yaml")},
                       content_type="multipart/form-data")


def _rows(app, since, until):
    store = open_store(app.config["DATABASE"])
    try:
        return store.roster.rows(since, until)
    finally:
        store.close()


def test_a_month_is_generated_from_the_pattern_with_the_holidays_and_the_swapped_working_day(app):
    commander = signed_in(app, "指挥李四")
    answer = _generate(commander)
    assert answer.status_code == 302, answer.get_data(as_text=True)[-500:]
    rows = _rows(app, "2026-10-01T00:00:00+08:00", "2026-11-01T00:00:00+08:00")
    by_day = {}
    for r in rows:
        by_day.setdefault(r["starts_at"][:10], set()).add(r["shift"])
    assert by_day["2026-10-01"] == {"24小时班"}            # 国庆节: a rest day
    assert by_day["2026-10-07"] == {"24小时班"}            # its last day
    assert by_day["2026-10-08"] == {"白班", "夜班"}         # a Thursday at work
    assert by_day["2026-10-10"] == {"白班", "夜班"}         # a Saturday worked (国庆节调休上班)
    assert by_day["2026-10-11"] == {"24小时班"}            # an ordinary Sunday
    assert len(by_day) == 31
    crew = [r["officer"] for r in rows if r["starts_at"] == "2026-10-01T08:30:00+08:00"]
    assert crew == ["示例值班员甲", "示例值班员乙", "示例值班员丙"]
    nxt = [r["officer"] for r in rows if r["starts_at"] == "2026-10-02T08:30:00+08:00"]
    assert nxt == ["示例值班员丁", "示例值班员戊", "示例值班员己"]     # the rotation goes on across days
    assert {r["leader"] for r in rows if r["starts_at"][:10] == "2026-10-02"} == {"示例带班领导乙"}
    night = next(r for r in rows if r["starts_at"] == "2026-10-08T17:30:00+08:00")
    assert night["ends_at"] == "2026-10-09T08:30:00+08:00"


def test_a_month_of_a_year_the_calendar_does_not_hold_is_refused_and_nothing_is_written(app):
    commander = signed_in(app, "指挥李四")
    answer = _generate(commander, month="2031-01")
    assert answer.status_code == 422
    assert "节假日安排中没有2031年" in answer.get_data(as_text=True)
    assert _rows(app, "2031-01-01T00:00:00+08:00", "2031-02-01T00:00:00+08:00") == []


def test_a_bad_pattern_is_refused_naming_its_field(app):
    commander = signed_in(app, "指挥李四")
    answer = _generate(commander, pattern=PATTERN.replace('officers: 3}', 'officers: 0}', 1))
    assert answer.status_code == 422
    assert "值班员：不能小于1" in answer.get_data(as_text=True)


def test_a_commander_generates_only_his_own_office_and_a_duty_officer_not_at_all(app):
    officer = signed_in(app, "值班员张三")
    assert _generate(officer).status_code == 403
    commander = signed_in(app, "指挥李四")
    other = PATTERN.replace("unit: 海门区政府总值班室", "unit: 区应急管理局")
    answer = _generate(commander, pattern=other)
    assert answer.status_code == 403 and "按规则排班须由本单位办理" in answer.get_data(as_text=True)


def test_a_crew_short_of_the_minimum_is_flagged_on_the_roster_and_home_pages(app, clock):
    commander = signed_in(app, "指挥李四")
    # the clock stands at 2026-11-22 09:00: make November with two officers a shift against a minimum of three
    short = PATTERN.replace("officers: 3}", "officers: 2}")
    assert _generate(commander, month="2026-11", pattern=short).status_code == 302
    page = commander.get("/roster").get_data(as_text=True)
    assert "人手不足的班次" in page and "值班员 2 人（最低 3 人）" in page
    assert 'id="roster-understaffed"' in commander.get("/").get_data(as_text=True)
    assert _generate(commander, month="2026-11").status_code == 302   # three a shift: nothing short
    assert "值班员 2 人" not in commander.get("/roster").get_data(as_text=True)


def test_a_swap_asked_by_an_officer_is_approved_by_the_leader_and_changes_both_shifts(app):
    commander = signed_in(app, "指挥李四")
    _generate(commander, month="2026-11")
    rows = _rows(app, "2026-11-23T00:00:00+08:00", "2026-11-25T00:00:00+08:00")
    mine = next(r for r in rows if r["officer"] == "示例值班员甲")
    theirs = next(r for r in rows if r["officer"] == "示例值班员丁" and r["starts_at"] != mine["starts_at"])
    officer = signed_in(app, "值班员张三")
    asked = officer.post("/roster/swaps", data={"csrf_token": officer.csrf, "shift_id": mine["id"],
                                                "to_officer": "示例值班员丁", "with_shift_id": theirs["id"],
                                                "reason": "家中有事"})
    assert asked.status_code == 302
    page = officer.get("/roster").get_data(as_text=True)
    assert "待批准" in page and "家中有事" in page and "approve-swap" not in page   # an officer cannot approve
    swap_id = _swap_id(app)
    assert officer.post(f"/roster/swaps/{swap_id}/decide", data={"csrf_token": officer.csrf,
                                                                 "decision": "approve"}).status_code == 403
    commander.post(f"/roster/swaps/{swap_id}/decide", data={"csrf_token": commander.csrf, "decision": "approve",
                                                            "note": "同意"})
    after = {r["id"]: r for r in _rows(app, "2026-11-23T00:00:00+08:00", "2026-11-25T00:00:00+08:00")}
    assert after[mine["id"]]["officer"] == "示例值班员丁" and after[mine["id"]]["officer_phone"] == "10000020004"
    assert after[theirs["id"]]["officer"] == "示例值班员甲" and after[theirs["id"]]["officer_phone"] == "10000020001"
    again = commander.post(f"/roster/swaps/{swap_id}/decide", data={"csrf_token": commander.csrf, "decision": "approve"})
    assert "该换班申请已处理" in commander.get(again.headers["Location"]).get_data(as_text=True)
    store = open_store(app.config["DATABASE"])
    kinds = [r[0] for r in store.db.execute("SELECT kind FROM audit WHERE kind LIKE 'swap%' ORDER BY seq")]
    store.close()
    assert kinds == ["swap_requested", "swap_approved"]


def test_a_swap_for_a_shift_the_other_officer_does_not_hold_is_refused(app):
    commander = signed_in(app, "指挥李四")
    _generate(commander, month="2026-11")
    rows = _rows(app, "2026-11-23T00:00:00+08:00", "2026-11-25T00:00:00+08:00")
    mine = next(r for r in rows if r["officer"] == "示例值班员甲")
    answer = commander.post("/roster/swaps", data={"csrf_token": commander.csrf, "shift_id": mine["id"],
                                                   "to_officer": "示例值班员丁", "with_shift_id": mine["id"]})
    assert answer.status_code == 422
    assert "换班的另一班次须是接替值班员本人的班次" in answer.get_data(as_text=True)


def _swap_id(app) -> int:
    store = open_store(app.config["DATABASE"])
    try:
        return store.roster.swaps()[0]["id"]
    finally:
        store.close()


def test_the_shipped_calendar_reads_each_day_in_the_words_of_its_notice():
    from emergency.services.rota import load_calendar
    from datetime import date
    cal = load_calendar(pathlib.Path(ROOT / "plans" / "reference" / "calendar.yaml"))
    assert cal.day(date(2026, 2, 14)) == {"kind": "work", "name": "春节调休上班"}
    assert cal.day(date(2026, 2, 15)) == {"kind": "rest", "name": "春节"}
    assert cal.day(date(2026, 2, 23)) == {"kind": "rest", "name": "春节"}
    assert cal.day(date(2026, 2, 24)) == {"kind": "work", "name": ""}
    assert cal.day(date(2026, 12, 5)) == {"kind": "rest", "name": ""}
    for year in cal.years.values():   # each weekday written in a notice's words agrees with the calendar
        for h in year.holidays:
            assert f"周{'一二三四五六日'[h.first.weekday()]}" in h.text.split("至")[0], h.name
        for w in year.workdays:
            assert f"周{'一二三四五六日'[w.date.weekday()]}" in w.text, w.name


def test_a_start_that_is_not_a_number_is_refused_in_words(app):
    commander = signed_in(app, "指挥李四")
    answer = _generate(commander, start_with="第三个")
    assert answer.status_code == 422 and "起始值班员序号：须为整数" in answer.get_data(as_text=True)


def test_a_pattern_that_would_make_a_huge_month_is_refused_before_anything_is_generated(app, monkeypatch):
    """A file just under 100 kB of shifts once cost 38 s of CPU and 1.2 GB before it was refused: the work a pattern
    asks for (officers × shifts × days) is bounded when it is read, and nothing is generated for it."""
    from emergency.services import rota

    def never(*_a, **_k):
        raise AssertionError("generated a month for a pattern that should have been refused")
    monkeypatch.setattr(rota, "generate", never)
    shifts = "\n".join(f"  - {{shift: 班{i}, start: \"08:30\", end: \"17:30\", officers: 20}}" for i in range(12))
    people = "\n".join(f"  - {{name: 值班员{i:04d}, phone: \"1000002{i:04d}\"}}" for i in range(500))
    text = (f"unit: 海门区政府总值班室\nminimum: {{officers: 1, leader: false}}\nworkday:\n{shifts}\nrest_day:\n{shifts}\n"
            f"officers:\n{people}\n")
    with pytest.raises(InputError, match="班次人次不能超过5000"):
        rota.read_pattern(text)
    for big in (shifts + "\n" + shifts.replace("班", "夜"),):   # more shifts a day than a day has
        with pytest.raises(InputError):
            rota.read_pattern(text.replace(shifts, big, 1))
    commander = signed_in(app, "指挥李四")
    answer = _generate(commander, pattern=text)
    assert answer.status_code == 422 and "班次人次不能超过5000" in answer.get_data(as_text=True)


def test_a_month_out_of_range_is_refused_naming_the_month_and_a_year_not_entered_names_those_that_are(app):
    commander = signed_in(app, "指挥李四")
    answer = _generate(commander, month="9999-12")     # once a 500 (the day after it overflowed)
    assert answer.status_code == 422 and "月份须写作 2026-10（2000年至2100年）" in answer.get_data(as_text=True)
    page = _generate(commander, month="2031-01").get_data(as_text=True)
    assert "已录入：2026年" in page and "calendar.yaml" in page
