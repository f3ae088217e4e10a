"""Time as an argument. Every time is Asia/Shanghai and printed with +08:00.

The engine never reads the wall clock; it is handed a ``Clock``. ``SystemClock`` is the one
place that reads it, used at the edges. Drills run on ``SimulatedClock``.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from emergency.core.errors import InputError

TZ = ZoneInfo("Asia/Shanghai")
# One rule for every time that enters: from 2000 up to 2100. Where a clock is at hand the future is
# bounded more tightly (emergency.core.inputs.plausible_time: a day ahead for a real incident).
EARLIEST = datetime(2000, 1, 1, tzinfo=TZ)
LATEST = datetime(2100, 1, 1, tzinfo=TZ)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, in Asia/Shanghai. Use only at the edges (CLI, web app)."""

    def now(self) -> datetime:
        return datetime.now(TZ).replace(microsecond=0)


class FixedClock:
    """A clock that stands still until moved; for tests."""

    def __init__(self, at: datetime | str):
        self._at = parse_time(at, "clock") if isinstance(at, str) else at.astimezone(TZ)

    def now(self) -> datetime:
        return self._at

    def advance(self, **delta) -> datetime:
        self._at = self._at + timedelta(**delta)
        return self._at


class SimulatedClock:
    """Scenario time for drills: ``start`` at ``real_anchor``, then ``speed`` × real time while running.

    ``real`` is the clock it reads real time from (a SystemClock in the app, a FixedClock in tests),
    so the simulated clock itself never touches the wall clock. A drill's anchors live in the store
    (emergency.services.drill_runs), which builds one of these per request.
    """

    def __init__(self, start: datetime, real: Clock, speed: float = 1.0, running: bool = False,
                 real_anchor: datetime | None = None):
        self._sim_at_anchor = start.astimezone(TZ)
        self._real_anchor = real_anchor or real.now()
        self._real = real
        self.speed = speed
        self.running = running

    def now(self) -> datetime:
        if not self.running:
            return self._sim_at_anchor
        elapsed = (self._real.now() - self._real_anchor) * self.speed
        return (self._sim_at_anchor + elapsed).replace(microsecond=0)


def parse_time(value: str | datetime, field: str) -> datetime:
    """Parse an ISO 8601 time. A time without an offset is taken as Asia/Shanghai.

    Raises InputError naming ``field`` when the value is not a time.
    """
    if isinstance(value, datetime):
        dt = value
    else:
        if not isinstance(value, str) or not value.strip():
            raise InputError(field, "须为时间，例如2026-11-22T09:30+08:00")
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputError(field, "须为时间，例如2026-11-22T09:30+08:00（收到：“%(got)s”）", got=value[:40]) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=TZ)
    try:
        dt = dt.astimezone(TZ)
    except (OverflowError, ValueError):
        dt = None
    if dt is None or not EARLIEST <= dt < LATEST:
        raise InputError(field, "须为2000年至2100年之间的时间（收到：“%(got)s”）", got=str(value)[:40])
    return dt


def minute_text(stamp: str | None) -> str:
    """A stored time as a person reads it, to the minute: ``2026-11-22T17:30:00+08:00`` → ``2026-11-22 17:30``
    (nothing for nothing)."""
    return (stamp or "")[:16].replace("T", " ")


def month_day_time(stamp: str) -> str:
    """A stored time as a person reads it within the year: ``2026-11-22T17:30:00+08:00`` → ``11-22 17:30``."""
    return stamp[5:16].replace("T", " ")


def format_time(dt: datetime | None) -> str | None:
    """ISO 8601 in Asia/Shanghai with +08:00, to the second."""
    if dt is None:
        return None
    return dt.astimezone(TZ).replace(microsecond=0).isoformat()


# A record made this long after what it records is shown as 补记 (typed later), beside the time it happened.
BACKDATED_AFTER = timedelta(minutes=5)


def backdated(happened: str | datetime, recorded: str | datetime) -> bool:
    """Whether a record of ``happened`` made at ``recorded`` is a 补记 (more than ``BACKDATED_AFTER`` later)."""
    return parse_time(recorded, "recorded_at") - parse_time(happened, "at") > BACKDATED_AFTER
