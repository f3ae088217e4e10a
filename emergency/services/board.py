"""The board, computed once: each open incident with what the looking office owes on it and what others owe, counted
in one place. The home page, the board, the wall, the board's .xlsx and the API render these rows and counts and
compute none of their own, so no two of them can disagree (a board once read 已超时 0 beside a red "已超时 143 分钟":
the column counted the office's own items, the red line was another party's, and neither said so).

Every count says whose items it counts: ``ours_*`` are the looking office's own (本单位), ``others_*`` another
party's (他方), which the office only accounts for."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from emergency.core.clock import Clock, format_time, parse_time
from emergency.core.errors import EmergencyError
from emergency.response import calls
from emergency.response.duties import undated_own_items
from emergency.response.lint import revision_due
from emergency.services import callsheet, directory, drill_runs, roster, rota, shift
from emergency.services.incidents import OWED, items_of, listed, ours, kept_view, safe_snapshot_view
from emergency.services.permissions import Actor, allowed


@dataclass(frozen=True)
class ItemCounts:
    """An incident's reporting items in numbers, each for whose they are."""
    ours_overdue: int = 0      # 本单位已超时
    others_overdue: int = 0    # 他方已超时（本单位记录获知情况即可，不计入本单位超时）
    ours_owed: int = 0         # 本单位未完成（已超时、立即办理或未到时限）
    escalated: int = 0         # 提请带班领导（本单位事项）

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class BoardRow:
    """One incident on the board for the looking office, at the incident's own clock (``at``: a drill's simulated
    one). The incident's own fields (its title, level, state …) are its view's (``view``) and read through as
    attributes, so a page writes ``row.title`` as it writes ``row.counts``; what the board derives is typed here.

    ``overdue``: our overdue items; ``others_overdue``: another party's; ``owed``: all of ours still owed, most
    urgent first; ``next_due``: our next owed item; ``next_others``: another party's next owed item; ``escalated``:
    ours raised to the leader on duty; ``remind``: our dated items for the browser's reminders, each due on the
    page's clock."""
    view: dict[str, Any]
    at: datetime
    overdue: list[dict[str, Any]]
    others_overdue: list[dict[str, Any]]
    owed: list[dict[str, Any]]
    next_due: dict[str, Any] | None
    next_others: dict[str, Any] | None
    escalated: list[dict[str, Any]]
    counts: ItemCounts
    remind: list[dict[str, str]]

    def __getattr__(self, name: str) -> Any:
        if name == "view":          # not set yet (a copy being made): never look it up in itself
            raise AttributeError(name)
        try:
            return self.view[name]
        except KeyError:
            raise AttributeError(name) from None

    def listed(self) -> dict[str, Any]:
        """The row as the API lists it: the view, with what the board derives and its counts as plain numbers."""
        return {**self.view, "overdue": self.overdue, "others_overdue": self.others_overdue,
                "next_due": self.next_due, "next_others": self.next_others, "counts": self.counts.as_dict()}


def board_row(view: dict[str, Any], at: datetime, page_now: datetime | None = None) -> BoardRow:
    """The board's row of one incident's view at ``at`` (its own clock); reminders on ``page_now``'s clock."""
    items = items_of(view)
    own = [n for n in items if ours(n)]
    theirs = [n for n in items if not ours(n)]
    overdue, owed = _with_status(own, {"overdue"}), _with_status(own, OWED)
    others_overdue, others_owed = _with_status(theirs, {"overdue"}), _with_status(theirs, OWED)
    escalated = [] if view.get("damaged") else calls.escalations(own, at)
    return BoardRow(view=view, at=at, overdue=overdue, others_overdue=others_overdue, owed=owed,
                    next_due=(owed or [None])[0], next_others=(others_owed or [None])[0], escalated=escalated,
                    counts=ItemCounts(ours_overdue=len(overdue), others_overdue=len(others_overdue),
                                      ours_owed=len(owed), escalated=len(escalated)),
                    remind=_reminders(view, owed, at, page_now or at))


def _with_status(items: list[dict[str, Any]], statuses) -> list[dict[str, Any]]:
    return [n for n in items if n["status"] in statuses]


def _reminders(view: dict[str, Any], owed: list[dict[str, Any]], at: datetime, page_now: datetime) -> list[dict]:
    """Our owed items that have a due time, for the browser's reminders: each due time on the page's clock (a
    drill's due time is as far from the page's now as from the drill's own)."""
    title = view.get("name") or view.get("title") or ""     # what a person calls it (incident_name), never its id
    tag = "【演练】" if view.get("drill") else ""
    return [{"due": format_time(parse_time(n["due"], "due") - at + page_now), "key": f"{view['id']}:{n['id']}",
             "label": f"{tag}{title}：{'、'.join(n['to'])}（{n['channel_name']}）"} for n in owed if n["due"]]


def rows(store, plans, office: str | None, clock_of: Callable, page_now: datetime, drill: bool | None,
         open_only: bool = True) -> list[BoardRow]:
    """The board's rows for ``office``: one read of the incidents, each viewed on its own clock (``clock_of``);
    rows with our overdue items first, those with an overdue 立即 item first of all."""
    out = []
    for s in store.incidents.list_rows(drill=drill, open_only=open_only):
        try:
            at = clock_of(s).now() if not isinstance(s, dict) else page_now
        except EmergencyError:
            at = page_now
        out.append(board_row(safe_snapshot_view(s, at, plans, office), at, page_now))
    out.sort(key=lambda r: (not r.overdue, not any(n["immediate"] for n in r.overdue)))
    return out


def totals(board: list[BoardRow]) -> ItemCounts:
    """The counts of every row together (the home page's and the wall's headline numbers)."""
    return ItemCounts(**{k: sum(getattr(r.counts, k) for r in board) for k in ItemCounts.__dataclass_fields__})


# how far before now the board's pages read the roster: the shift on duty and the one before it (a 24-hour shift at
# most, whose handover may be unsigned), with a day to spare; a three-year roster is not read whole
ROSTER_LOOKBACK = timedelta(days=2)


@dataclass(frozen=True)
class Home:
    """The home page for one office, read once: the real board and the drill board, what of ours is overdue and
    raised to the leader (real incidents only: drills raise nothing to the real leader on duty), the office's 待办,
    and what the office should put right before it matters (plans due for revision, units without a number, the
    roster's gaps and short-staffed shifts, items without a clock, an unsigned handover)."""
    real: list[BoardRow]
    drills: list[BoardRow]
    totals: ItemCounts                  # of the real board
    drill_totals: ItemCounts
    overdue: list[tuple[BoardRow, dict[str, Any]]]      # (row, item), ours
    escalated: list[tuple[BoardRow, dict[str, Any]]]
    todo: list[tuple[dict[str, Any], dict[str, Any]]]         # (incident, task) given to the office, still open
    raised_tasks: list[tuple[dict[str, Any], dict[str, Any]]]  # tasks the looking person gave, open and overdue
    revision: list[tuple[Any, Any]]     # (plan, the date its evaluation was due)
    directory_gaps: list[str]
    duty: dict[str, Any]
    roster_gaps: list[dict[str, str]]
    understaffed: list[dict[str, Any]]
    undated: int
    unsigned: Any                       # the office's unsigned handover, or None


@dataclass(frozen=True)
class Wall:
    """The duty room's wall screen: the board's rows and their totals, who is on duty, the office's 待办."""
    rows: list[BoardRow]
    totals: ItemCounts
    duty: dict[str, Any]
    todo: list[tuple[dict[str, Any], dict[str, Any]]]
    todo_overdue: int
    unsigned: Any


def clock_of(store, app_clock: Clock) -> Callable:
    """Each incident's own clock: its drill's simulated one, else the app's."""
    return lambda snap: drill_runs.clock_for(store, snap, app_clock)


def home(store, library, actor: Actor, app_clock: Clock) -> Home:
    now = app_clock.now()
    real = rows(store, library, actor.office, clock_of(store, app_clock), now, False)
    drills = rows(store, library, actor.office, clock_of(store, app_clock), now, True)
    shifts = _shifts(store, actor, now)
    todo, raised = task_queue(store, library, real, actor, now)
    contacts = directory.by_unit(directory.load(store))
    return Home(
        real=real, drills=drills, totals=totals(real), drill_totals=totals(drills),
        overdue=[(r, n) for r in real for n in r.overdue], escalated=[(r, n) for r in real for n in r.escalated],
        todo=todo, raised_tasks=raised,
        revision=[(p, revision_due(p)) for p in library.plans.values() if revision_due(p) <= now.date()],
        directory_gaps=directory.gaps(directory.plan_units(library), contacts), duty=on_duty(shifts, actor, now),
        roster_gaps=roster.gaps(shifts, now),
        understaffed=rota.understaffed(shifts, roster.staffing(store), now, now + timedelta(days=roster.GAP_DAYS)),
        undated=len(undated_own_items(library, actor.office)) if actor.office else 0,
        unsigned=shift.unsigned(store, actor.office, shifts, now) if actor.office else None)


def wall(store, library, actor: Actor, app_clock: Clock, drill: bool) -> Wall:
    now = app_clock.now()
    board = rows(store, library, actor.office, clock_of(store, app_clock), now, drill)
    shifts = _shifts(store, actor, now)
    todo = [] if drill else task_queue(store, library, board, actor, now)[0]
    return Wall(rows=board, totals=totals(board), duty=on_duty(shifts, actor, now), todo=todo,
                todo_overdue=sum(1 for _v, t in todo if t["overdue"]),
                unsigned=None if drill or not actor.office else shift.unsigned(store, actor.office, shifts, now))


def _shifts(store, actor: Actor, now: datetime) -> list[roster.Shift]:
    """The roster from the shift before the one on duty onward, as ``actor`` may see it (an observer: no mobiles)."""
    shifts = roster.load(store, since=format_time(now - ROSTER_LOOKBACK))
    return shifts if allowed(actor, "directory.personal") else roster.without_mobiles(shifts)


def on_duty(shifts: list[roster.Shift], actor: Actor, now: datetime) -> dict[str, Any]:
    """The looking office's shift now: the 带班领导 its items are raised to."""
    return {"unit": actor.office, "commander": callsheet.commander_on_duty(shifts, actor.office, now)}


def task_queue(store, library, real: list[BoardRow], actor: Actor, now: datetime) -> tuple[list, list]:
    """The office's 待办: open tasks given to it — assigned, or handed over at closing (a closed record keeps them
    until they are done) — and the open tasks the looking person gave that are overdue (raised to whoever gave
    them). Real incidents only; a drill's tasks stay on its own incidents."""
    views = {r.view["id"]: r.view for r in real if r.view.get("tasks") is not None}
    for s in listed(store, drill=False, open_only="or_follow_up"):
        if s.id not in views and s.tasks:
            views[s.id] = kept_view(s, now, library, actor.office)
    todo, raised = [], []
    for v in views.values():
        for t in v.get("tasks") or []:
            if t["done"] is None and t["mine"]:
                todo.append((v, t))
            elif t["done"] is None and t["overdue"] and t["by"] == actor.name:
                raised.append((v, t))
    todo.sort(key=lambda p: (p[1]["due"] or "9999"))
    return todo, raised
