"""A month of the duty roster made from a pattern (排班规则), the holiday calendar it follows, the minimum
staffing it must meet, and the swaps (换班) an officer asks for and the 带班领导 decides.

A pattern names a unit, its shifts on a working day and on a rest day (a weekend or a holiday; a 调休 weekend is a
working day), how many officers each shift takes, its officers in the order they take turns and its 带班领导, one a
day in turn. Officers are taken in turn across every shift of every day (a daily rotation): with seven officers
and three a shift, the day shift of the 1st is 1-2-3, its night 4-5-6, the next day 7-1-2. The calendar
(``reference/calendar.yaml``) says which days are holidays and which weekend days are worked; a month of a year it
does not list is refused, never guessed.

Pure: the store side (``roster.replace_month``, ``roster.decide_swap``) lives in ``emergency.services.roster``.
"""
from __future__ import annotations

import calendar as months
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from emergency.core.clock import TZ, format_time
from emergency.core.errors import InputError
from emergency.core.inputs import validation_refusal
from emergency.plans.model import first_alias, yaml_data


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=40)
    phone: str = ""

    @field_validator("phone", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return "" if value is None else str(value)


class ShiftSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shift: str = Field(min_length=1, max_length=20)
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    officers: int = Field(default=1, ge=1, le=20)


class Minimum(BaseModel):
    """The office's own rule for a shift: at least ``officers`` on duty, and a 带班领导 when ``leader``."""

    model_config = ConfigDict(extra="forbid")
    officers: int = Field(ge=1, le=20)
    leader: bool = True
    basis: str = ""


# Bounds on a pattern, checked before anything is generated (a 100 kB file of shifts took 38 s and 1.2 GB): a day has
# a few shifts, a unit a few hundred people, and a month's roster is at most as many rows as an imported file.
MAX_SHIFTS_A_DAY = 12
MAX_PEOPLE = 500
MAX_MONTH_ROWS = 5000


class Pattern(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: str = Field(min_length=1, max_length=100)
    minimum: Minimum
    workday: list[ShiftSpec] = Field(min_length=1, max_length=MAX_SHIFTS_A_DAY)
    rest_day: list[ShiftSpec] = Field(min_length=1, max_length=MAX_SHIFTS_A_DAY)
    officers: list[Person] = Field(min_length=1, max_length=MAX_PEOPLE)
    leaders: list[Person] = Field(default_factory=list, max_length=MAX_PEOPLE)

    def rows_a_month(self) -> int:
        """The most roster rows a month of this pattern makes (31 days of its larger day)."""
        return 31 * max(sum(s.officers for s in self.workday), sum(s.officers for s in self.rest_day))


class Holiday(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    first: date = Field(alias="from")
    last: date = Field(alias="to")
    name: str
    text: str = ""


class Workday(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: date
    name: str
    text: str = ""


class Year(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    holidays: list[Holiday] = Field(default_factory=list)
    workdays: list[Workday] = Field(default_factory=list)


class Calendar(BaseModel):
    model_config = ConfigDict(extra="forbid")
    years: dict[int, Year] = Field(default_factory=dict)

    def day(self, day: date) -> dict[str, str]:
        """``{"kind": "work" | "rest", "name": the holiday or 调休 named, or ""}``; refused for a year not listed."""
        year = self.years.get(day.year)
        if year is None:
            raise InputError("month", "节假日安排中没有%(year)s年（已录入：%(known)s）；请管理员按国务院办公厅当年的"
                             "节假日安排通知，在 plans/reference/calendar.yaml 中录入该年的放假和调休日期",
                             year=day.year, known=[f"{y}年" for y in sorted(self.years)] or ["无"])
        for h in year.holidays:
            if h.first <= day <= h.last:
                return {"kind": "rest", "name": h.name}
        for w in year.workdays:
            if w.date == day:
                return {"kind": "work", "name": w.name}
        return {"kind": "rest" if day.weekday() >= 5 else "work", "name": ""}


def load_calendar(path: Path) -> Calendar:
    if not path.exists():
        return Calendar()
    return Calendar.model_validate(yaml_data(path.read_text(encoding="utf-8")) or {})


def read_pattern(text: str) -> Pattern:
    """A pattern file (YAML) read and checked; a bad file is refused naming its field. Anchors and aliases are
    refused as in a scenario (a few bytes must not expand into gigabytes)."""
    if len(text) > 100_000:
        raise InputError("pattern", "排班规则文件不能超过%(n)s个字符", n=100_000)
    if first_alias(text) is not None:
        raise InputError("pattern", "排班规则文件不能使用 YAML 锚点和别名（& 和 *），请把值写出来")
    try:
        data = yaml_data(text)
    except yaml.YAMLError:
        raise InputError("pattern", "排班规则文件不是有效的 YAML") from None
    if not isinstance(data, dict):
        raise InputError("pattern", "排班规则文件不是有效的 YAML")
    try:
        pattern = Pattern.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            raise InputError(f"pattern.{where}", "排班规则没有这一项") from None
        raise validation_refusal(err, f"pattern.{where}") from None
    if pattern.rows_a_month() > MAX_MONTH_ROWS:
        raise InputError("pattern.workday", "一个月的班次人次不能超过%(n)s（每班值班员人数 × 每日班次 × 天数）",
                         n=MAX_MONTH_ROWS)
    return pattern


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of ``YYYY-MM`` and the first day after it."""
    try:
        year, number = (int(p) for p in month.split("-"))
        first = date(year, number, 1)
        if not 2000 <= year <= 2100:   # as every time is bounded (9999-12 overflowed the month after it)
            raise ValueError(month)
    except ValueError:
        raise InputError("month", "月份须写作 2026-10（2000年至2100年）") from None
    return first, first + timedelta(days=months.monthrange(year, number)[1])


def generate(pattern: Pattern, month: str, calendar: Calendar, start_with: int = 0) -> list[dict[str, Any]]:
    """The month's shifts as roster rows (``unit, shift, starts_at, ends_at, officer, officer_phone, leader,
    leader_phone``) plus ``day_name`` (the holiday or 调休 a day is), one row per officer on a shift.
    ``start_with``: the index of the officer who takes the first turn (to carry on from the month before)."""
    first, after = month_bounds(month)
    rows, turn, day, index = [], start_with, first, 0
    while day < after:
        kind = calendar.day(day)
        leader = pattern.leaders[index % len(pattern.leaders)] if pattern.leaders else Person(name="—")
        for spec in pattern.workday if kind["kind"] == "work" else pattern.rest_day:
            starts = datetime.combine(day, datetime.strptime(spec.start, "%H:%M").time(), TZ)
            ends = datetime.combine(day, datetime.strptime(spec.end, "%H:%M").time(), TZ)
            if ends <= starts:
                ends += timedelta(days=1)
            for _ in range(spec.officers):
                officer = pattern.officers[turn % len(pattern.officers)]
                turn += 1
                rows.append({"unit": pattern.unit, "shift": spec.shift, "starts_at": format_time(starts),
                             "ends_at": format_time(ends), "officer": officer.name, "officer_phone": officer.phone,
                             "leader": leader.name if pattern.leaders else "",
                             "leader_phone": leader.phone if pattern.leaders else "", "day_name": kind["name"]})
        day += timedelta(days=1)
        index += 1
    return rows


def crews(shifts: list[Any], unit: str | None = None) -> list[dict[str, Any]]:
    """Shifts (of ``unit``, when given) grouped by unit and time: one crew a shift, with its officers (rows of one
    window are one shift)."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for s in shifts:
        get = s.get if isinstance(s, dict) else lambda k, s=s: getattr(s, k)
        if unit is not None and get("unit") != unit:
            continue
        key = (get("unit"), get("starts_at"), get("ends_at"))
        crew = out.setdefault(key, {"unit": key[0], "shift": get("shift"), "starts_at": key[1], "ends_at": key[2],
                                    "officers": [], "leader": get("leader") or ""})
        crew["officers"].append(get("officer"))
        crew["leader"] = crew["leader"] or get("leader") or ""
    return sorted(out.values(), key=lambda c: (c["unit"], c["starts_at"]))


def understaffed(shifts: list[Any], staffing: dict[str, dict[str, Any]], now: datetime,
                 until: datetime | None = None) -> list[dict[str, Any]]:
    """The shifts not yet over (ending after ``now``, starting before ``until``) of a unit with a minimum whose
    crew is short of it: ``{"unit", "shift", "from", "to", "officers", "needed", "no_leader"}``, earliest first."""
    since = format_time(now)
    before = format_time(until) if until else None
    out = []
    for crew in crews(shifts):
        rule = staffing.get(crew["unit"])
        if rule is None or crew["ends_at"] <= since or (before and crew["starts_at"] >= before):
            continue
        short = len(set(crew["officers"])) < rule["officers"]
        no_leader = bool(rule["leader"]) and not crew["leader"]
        if short or no_leader:
            out.append({"unit": crew["unit"], "shift": crew["shift"], "from": crew["starts_at"], "to": crew["ends_at"],
                        "officers": len(set(crew["officers"])), "needed": rule["officers"], "no_leader": no_leader})
    return sorted(out, key=lambda g: g["from"])


def swap_changes(swap: dict[str, Any], phones: dict[str, str]) -> list[tuple[int, str, str, str, str | None]]:
    """The roster rows a swap changes (row id, new officer, phone, and the officer and start the row must still
    have, as the swap names them): the shift's officer gives it to ``to_officer``; with a second shift (the one
    ``to_officer`` holds), the two exchange (换班); without it, ``to_officer`` stands in (替班). ``phones``: each
    officer's number as the roster gives it."""
    giver, taker = swap["from_officer"], swap["to_officer"]
    changes = [(swap["shift_id"], taker, phones.get(taker, ""), giver, swap.get("shift_starts_at"))]
    if swap.get("with_shift_id"):
        changes.append((swap["with_shift_id"], giver, phones.get(giver, ""), taker, swap.get("with_starts_at")))
    return changes
