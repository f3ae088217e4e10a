"""The duty roster (值班表): who is 值班员 and 带班领导 for each shift, for the district duty room and for each unit
that keeps one.

Offices keep it in Excel, one row a shift: 单位、日期、班次、开始、结束、值班员、值班员电话、带班领导、带班领导电话.
A shift whose end is not after its start ends the next day (18:00–08:00 is a night shift, 08:00–08:00 a
24-hour one). ``check`` reads every row before anything is written and refuses the whole file with each
problem's row and column, overlapping shifts of one unit included; ``on_duty`` is who holds a unit's shift at
a moment; ``gaps`` the hours in the next days that no shift covers. ``replace`` (store side) replaces the
shifts of the units a file names, in one transaction.

Pure except ``replace``, ``load`` and ``load_demo``.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from typing import Any
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from emergency.core.clock import EARLIEST, LATEST, TZ, format_time, month_day_time, parse_time
from emergency.services.directory import ImportRefused, check_header, known_units, read_rows, text_of
from emergency.core.numbers import mobile_of, number_problem
from emergency.core.sheets import csv_bytes as safe_csv, workbook_bytes
from emergency.core.inputs import clean_text
from emergency.core.errors import EmergencyError, InputError, NotFound, Refused
from emergency.core.wording import N_
from emergency.services import rota
from emergency.services.permissions import Actor, OfficeThing, Swap, authorize
from emergency.store.repositories import Roster as RosterRows
from emergency.plans.model import yaml_data

COLUMNS = ["单位", "日期", "班次", "开始", "结束", "值班员", "值班员电话", "带班领导", "带班领导电话"]
FIELDS = ["unit", "date", "shift", "start", "end", "officer", "officer_phone", "leader", "leader_phone"]
SHEET = "值班表"
GAP_DAYS = 7   # "a roster with a gap in the next 7 days is flagged"


class Shift(BaseModel):
    """One shift of one unit, its times with +08:00."""

    model_config = ConfigDict(extra="forbid")
    id: int | None = None             # the stored row's id (a swap names the rows it changes)
    unit: str
    shift: str = ""
    starts_at: str
    ends_at: str
    officer: str
    officer_phone: str = ""
    leader: str = ""
    leader_phone: str = ""

    def covers(self, at: datetime) -> bool:
        return parse_time(self.starts_at, "starts_at") <= at < parse_time(self.ends_at, "ends_at")


def _date(value: Any) -> date:
    """A roster date, from 2000 up to 2099 (the one rule for every time that enters, emergency.core.clock): 9999-12-31
    with a night shift once rolled over into the year 1."""
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = text_of(value).replace("/", "-").replace(".", "-")
        try:
            y, m, d = (int(p) for p in text.split("-"))
            day = date(y, m, d)
        except ValueError:
            raise ValueError(f"“{text}”不是日期，例如2026-12-02") from None
    if not EARLIEST.date() <= day < LATEST.date() - timedelta(days=1):
        raise ValueError(f"{day.isoformat()}：日期须在2000年至2099年之间")
    return day


def _time(value: Any) -> time:
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    if isinstance(value, float) and 0 <= value < 1:   # Excel's fraction of a day, unformatted
        minutes = round(value * 24 * 60)
        return time(minutes // 60, minutes % 60)
    text = text_of(value).replace("：", ":")
    try:
        h, m = (int(p) for p in text.split(":")[:2])
        return time(h, m)
    except ValueError:
        raise ValueError(f"“{text}”不是时刻，例如08:00") from None


def check(rows: list[list[Any]], plans) -> list[Shift]:
    """The shifts the rows give, or ImportRefused naming every bad row and column (nothing half-read).
    Two shifts of one unit that overlap are refused, naming both rows."""
    check_header(rows, COLUMNS)
    units = known_units(plans)
    problems: list[dict[str, Any]] = []
    shifts: list[tuple[int, Shift]] = []
    for number, raw in enumerate(rows[1:], start=2):
        cells = list(raw) + [None] * (len(COLUMNS) - len(raw))
        if not any(text_of(v) for v in cells):
            continue
        found, shift = _check_row(number, dict(zip(FIELDS, cells, strict=False)), units)
        problems += found
        if shift is not None:
            shifts.append((number, shift))
    problems += _overlaps(shifts)
    if not shifts and not problems:
        problems.append({"row": None, "column": "", "message": "文件中没有班次"})
    if problems:
        raise ImportRefused(sorted(problems, key=lambda p: (p["row"] or 0)))
    return [s for _, s in shifts]


def _check_row(number: int, row: dict[str, Any], units: dict[str, str]) -> tuple[list[dict[str, Any]], Shift | None]:
    """One row's problems (each with its row and column), and its shift when it has none."""
    problems: list[dict[str, Any]] = []

    def bad(field: str, message: str) -> None:
        problems.append({"row": number, "column": COLUMNS[FIELDS.index(field)], "message": message})

    text, unreadable = {}, set()
    for field in ("unit", "shift", "officer", "leader"):
        try:
            text[field] = clean_text(text_of(row[field]), COLUMNS[FIELDS.index(field)], 100)
        except EmergencyError as exc:
            bad(field, str(exc))
            text[field] = ""
            unreadable.add(field)   # said once: not "is required" as well
    unit = text["unit"]
    if not unit and "unit" not in unreadable:
        bad("unit", "必须填写")
    elif unit and unit not in units:
        bad("unit", f"“{unit}”不是预案中的单位（见通讯录页的单位列表）")
    if not text["officer"] and "officer" not in unreadable:
        bad("officer", "必须填写当班值班员")
    phones = {}
    for field in ("officer_phone", "leader_phone"):
        phones[field] = "".join(text_of(row[field]).split())
        problem = number_problem(phones[field], "either")
        if problem:
            bad(field, problem)
    if phones["leader_phone"] and not text["leader"]:
        bad("leader", "填写了带班领导电话，须同时填写带班领导姓名")
    window = _window(row, bad)
    if problems or window is None:
        return problems, None
    starts, ends = window
    return problems, Shift(unit=units[unit], shift=text["shift"], starts_at=format_time(starts),
                           ends_at=format_time(ends), officer=text["officer"], officer_phone=phones["officer_phone"],
                           leader=text["leader"], leader_phone=phones["leader_phone"])


def _window(row: dict[str, Any], bad) -> tuple[datetime, datetime] | None:
    """A row's start and end (a shift whose end is not after its start ends the next day), or None, said to
    ``bad`` field by field."""
    try:
        day = _date(row["date"]) if text_of(row["date"]) or isinstance(row["date"], (date, datetime)) else None
        if day is None:
            bad("date", "必须填写，例如2026-12-02")
    except ValueError as exc:
        day = None
        bad("date", str(exc))
    times = {}
    for field in ("start", "end"):
        try:
            if row[field] is None or text_of(row[field]) == "":
                bad(field, "必须填写，例如08:00")
            else:
                times[field] = _time(row[field])
        except ValueError as exc:
            bad(field, str(exc))
    if not day or len(times) != 2:
        return None
    starts = datetime.combine(day, times["start"], TZ)
    ends = datetime.combine(day, times["end"], TZ)
    return starts, ends + timedelta(days=1) if ends <= starts else ends   # a night shift, or 08:00–08:00 for 24 h


def _overlaps(shifts: list[tuple[int, Shift]]) -> list[dict[str, Any]]:
    """Two shifts of one unit that overlap, each named by its row (the rows of one window are one crew)."""
    problems = []
    by_unit: dict[str, list[tuple[int, Shift]]] = {}
    for number, s in shifts:
        by_unit.setdefault(s.unit, []).append((number, s))
    for unit, items in by_unit.items():
        items.sort(key=lambda x: x[1].starts_at)
        for (n1, a), (n2, b) in zip(items, items[1:], strict=False):
            if (a.starts_at, a.ends_at) == (b.starts_at, b.ends_at):
                continue   # one shift of several officers (a room of three on duty)
            if b.starts_at < a.ends_at:
                problems.append({"row": n2, "column": "开始", "message": f"{unit}：此班次（{month_day_time(b.starts_at)}）"
                                 f"与第{n1}行的班次（{month_day_time(a.starts_at)}–{month_day_time(a.ends_at)}）重叠"})
    return problems


def of_unit(shifts: Iterable[Shift], unit: str) -> list[Shift]:
    """The shifts of one unit (an office's own, for its swaps)."""
    return [s for s in shifts if s.unit == unit]


def of(shifts: Iterable[Shift], unit: str = "", person: str = "") -> list[Shift]:
    """The shifts of one unit and/or one person (as 值班员 or 带班领导); all when neither is given."""
    return [s for s in shifts if (not unit or s.unit == unit) and (not person or person in (s.officer, s.leader))]


def on_duty(shifts: Iterable[Shift], unit: str, at: datetime) -> Shift | None:
    """The shift of ``unit`` that covers ``at`` (its first officer's row when several are on duty), or None."""
    return next((s for s in shifts if s.unit == unit and s.covers(at)), None)


def gaps(shifts: Iterable[Shift], now: datetime, days: int = GAP_DAYS) -> list[dict[str, str]]:
    """For each unit that keeps a roster, the stretches of the next ``days`` days that no shift covers:
    ``{"unit", "from", "to"}``, earliest first."""
    end = now + timedelta(days=days)
    by_unit: dict[str, list[Shift]] = {}
    for s in shifts:
        by_unit.setdefault(s.unit, []).append(s)
    out = []
    for unit, items in sorted(by_unit.items()):
        cursor = now
        for s in sorted(items, key=lambda s: s.starts_at):
            start, finish = parse_time(s.starts_at, "starts_at"), parse_time(s.ends_at, "ends_at")
            if finish <= cursor:
                continue
            if start > cursor:
                out.append({"unit": unit, "from": format_time(cursor), "to": format_time(min(start, end))})
            cursor = max(cursor, finish)
            if cursor >= end:
                break
        if cursor < end:
            out.append({"unit": unit, "from": format_time(cursor), "to": format_time(end)})
    return [g for g in out if g["from"] < g["to"]]


def to_rows(shifts: Iterable[Shift]) -> list[list[Any]]:
    rows: list[list[Any]] = [list(COLUMNS)]
    for s in shifts:
        rows.append([s.unit, s.starts_at[:10], s.shift, s.starts_at[11:16], s.ends_at[11:16], s.officer,
                     s.officer_phone, s.leader, s.leader_phone])
    return rows


def xlsx_bytes(shifts: Iterable[Shift]) -> bytes:
    rows = to_rows(shifts)
    return workbook_bytes([(SHEET, rows[0], rows[1:])])


def csv_bytes(shifts: Iterable[Shift]) -> bytes:
    return safe_csv(to_rows(shifts))


def read(content: bytes, filename: str, plans) -> list[Shift]:
    """A roster file (.xlsx or .csv) checked whole."""
    return check(read_rows(content, filename, SHEET), plans)


# ---------------------------------------------------------------- the store's side
STORED = list(RosterRows.COLUMNS)      # the stored columns, in the store's one list


def replace(store, shifts: list[Shift], actor: str, at: str) -> list[str]:
    """The shifts of the units ``shifts`` name replaced by them, in one transaction with an audit entry.
    Other units' rosters are kept. Returns the units replaced."""
    units = sorted({s.unit for s in shifts})
    store.roster.replace(units, _stored(shifts), actor, at)
    return units


def _stored(shifts: list[Shift]) -> list[list[Any]]:
    return [[getattr(s, f) for f in STORED] for s in shifts]


def without_mobiles(shifts: list[Shift]) -> list[Shift]:
    """The shifts as an observer sees them: no personal mobile of the people on duty (a desk line stays)."""
    return [s.model_copy(update={k: "" for k in ("officer_phone", "leader_phone") if mobile_of(getattr(s, k))})
            for s in shifts]


def load(store, since: str | None = None) -> list[Shift]:
    """The shifts (ending after ``since``, when given), by unit and start."""
    return [Shift(**row) for row in store.roster.rows(since)]


def demo_rows(spec: dict[str, Any], today: date) -> list[list[Any]]:
    """The demo roster's rows from ``demo/roster.yaml``: each unit's shifts from yesterday for ``days`` days, its
    fictitious people taking turns."""
    rows: list[list[Any]] = [list(COLUMNS)]
    for u in spec["units"]:
        turn = 0
        for offset in range(-1, spec["days"]):
            day = today + timedelta(days=offset)
            for sh in u["shifts"]:
                officer = u["officers"][turn % len(u["officers"])]
                leader = u["leaders"][turn % len(u["leaders"])] if u.get("leaders") else {"name": "", "phone": ""}
                rows.append([u["unit"], day.isoformat(), sh["shift"], sh["start"], sh["end"], officer["name"],
                             str(officer["phone"]), leader["name"], str(leader["phone"])])
                turn += 1
    return rows


def load_demo(store, now: datetime) -> int:
    """The demo roster (``demo/roster.yaml``: fictitious people, 100… numbers) when no roster is kept."""
    if store.roster.count():
        return 0
    path = store.plans.demo_file.parent / "roster.yaml"
    if not path.exists():
        return 0
    spec = yaml_data(path.read_text(encoding="utf-8"))
    shifts = check(demo_rows(spec, now.date()), store.plans)
    replace(store, shifts, "演示", format_time(now))
    return len(shifts)


def replace_month(store, pattern: rota.Pattern, month: str, actor: Actor, at: str, start_with: int = 0) -> list[Shift]:
    """A month of ``pattern``'s unit made from the pattern and the holiday calendar, checked as an imported file
    is (units, numbers, overlaps), replacing that unit's shifts starting in the month; the unit's minimum staffing
    set from the pattern. Returns the shifts written. An administrator makes any unit's; a commander his own
    office's (``permissions``: ``roster.generate``)."""
    unit_office = known_units(store.plans).get(pattern.unit, pattern.unit)
    authorize(actor, "roster.generate", OfficeThing(unit_office, private=False))
    calendar = rota.load_calendar(store.plans.directory / "reference" / "calendar.yaml")
    made = [Shift(**{f: r[f] for f in STORED}) for r in rota.generate(pattern, month, calendar, start_with)]
    shifts = check(to_rows(made), store.plans)   # checked as the same month imported from a file would be
    first, after = rota.month_bounds(month)
    unit = shifts[0].unit
    store.roster.replace_between(unit, format_time(datetime.combine(first, time(0), TZ)),
                                 format_time(datetime.combine(after, time(0), TZ)),
                                 _stored(shifts),
                                 pattern.minimum.model_dump(), actor.name, at)
    return shifts


SWAP_STATUS = {"requested": N_("待批准"), "approved": N_("已批准"), "refused": N_("未批准")}


def _swap_refusal(reason: str) -> Exception:
    """The refusal the roster store raises when a swap's shift is gone or the swap decided already."""
    if reason == "gone":
        return Refused("该班次已不在值班表中")
    if reason == "changed":
        return Refused("申请所指的班次已变化（值班表已重新生成，或已由他人值班），请重新申请换班")
    return Refused("该换班申请已处理")


def request_swap(store, actor: Actor, shift_id: int, to_officer: str, with_shift_id: int | None, reason: str,
                 at: str) -> int:
    """An officer's swap asked for (换班申请): the shift ``shift_id`` of the actor's office given to ``to_officer`` —
    in exchange for ``with_shift_id`` (a shift ``to_officer`` holds) or as a stand-in. Decided by the 带班领导."""
    unit = actor.office
    authorize(actor, "swap.request", OfficeThing(unit))
    rows = {r["id"]: r for r in store.roster.rows() if r["unit"] == unit}
    shift = rows.get(shift_id)
    if shift is None:
        raise InputError("shift", "不是本单位值班表中的班次")
    to_officer = clean_text(to_officer, "officer", 100)
    if not to_officer:
        raise InputError("officer", "必须填写接替的值班员")
    if to_officer == shift["officer"]:
        raise InputError("officer", "接替的值班员与原值班员相同")
    other = None
    if with_shift_id is not None:
        other = rows.get(with_shift_id)
        if other is None:
            raise InputError("with_shift", "不是本单位值班表中的班次")
        if other["officer"] != to_officer:
            raise InputError("with_shift", "换班的另一班次须是接替值班员本人的班次")
    return store.roster.request_swap({"unit": unit, "shift_id": shift_id, "with_shift_id": with_shift_id,
                                      "from_officer": shift["officer"], "to_officer": to_officer,
                                      "reason": clean_text(reason, "reason", 200), "requested_by": actor.name,
                                      "requested_at": at, "status": "requested", "shift_starts_at": shift["starts_at"],
                                      "with_starts_at": other["starts_at"] if other else None})


def decide_swap(store, actor: Actor, swap_id: int, approve: bool, note: str, at: str) -> None:
    """The 带班领导's decision on a swap of the actor's office: approved, the shifts' officers (and their numbers)
    change. Decided by a commander of the office who is neither party: not who asked, gives or takes the shift."""
    unit = actor.office
    swap = next((w for w in store.roster.swaps(unit) if w["id"] == swap_id), None)
    if swap is None:   # none of the office's swaps: another office's is not there for it
        raise NotFound("swap", str(swap_id))
    authorize(actor, "swap.decide", Swap(unit, parties=(swap["requested_by"], swap["from_officer"], swap["to_officer"])))
    rows = {r["id"]: r for r in store.roster.rows() if r["unit"] == unit}
    phones = {r["officer"]: r["officer_phone"] or "" for r in rows.values()}
    changes = []
    if approve:
        if swap["shift_id"] not in rows or (swap["with_shift_id"] and swap["with_shift_id"] not in rows):
            raise _swap_refusal("gone")
        changes = rota.swap_changes(swap, phones)   # checked against the rows as they are, in the transaction
    store.roster.decide_swap(swap_id, approve, changes, actor.name, at, clean_text(note, "note", 200), _swap_refusal)


def staffing(store) -> Any:
    """The minimum staffing each unit has set (人员配置), read for the understaffed-shift warnings."""
    return store.roster.staffing()


def swaps(store, office: str) -> list[dict[str, Any]]:
    """An office's shift swaps, asked and decided."""
    return store.roster.swaps(office)
