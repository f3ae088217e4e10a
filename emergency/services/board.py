"""The board, computed once: each open incident with what the looking office owes on it and what others owe, counted
in one place. The home page, the board, the wall, the board's .xlsx and the API render these rows and counts and
compute none of their own, so no two of them can disagree (a board once read 已超时 0 beside a red "已超时 143 分钟":
the column counted the office's own items, the red line was another party's, and neither said so).

Every count says whose items it counts: ``ours_*`` are the looking office's own (本单位), ``others_*`` another
party's (他方), which the office only accounts for."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from emergency.core.errors import EmergencyError
from emergency.response import calls
from emergency.services.incidents import OWED, ours, safe_snapshot_view


@dataclass(frozen=True)
class ItemCounts:
    """An incident's reporting items in numbers, each for whose they are."""
    ours_overdue: int = 0      # 本单位已超时
    others_overdue: int = 0    # 他方已超时（本单位记录获知情况即可，不计入本单位超时）
    ours_owed: int = 0         # 本单位未完成（已超时、立即办理或未到时限）
    escalated: int = 0         # 提请带班领导（本单位事项）

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def items_of(view: dict[str, Any]) -> list[dict[str, Any]]:
    """A view's dated notifications, most urgent first (as ``notification_status`` orders them)."""
    return (view.get("checklist") or {}).get("notifications", [])


def derive(view: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The board's fields of one incident's view at ``at`` (its own clock: a drill's simulated one), in place:
    ``overdue`` (our overdue items), ``others_overdue``, ``next_due`` (our next owed item), ``next_others`` (another
    party's next owed item), ``owed`` (all of ours still owed, most urgent first), ``escalated`` (ours raised to the leader on duty) and ``counts``."""
    items = items_of(view)
    own = [n for n in items if ours(n)]
    theirs = [n for n in items if not ours(n)]
    view["overdue"] = [n for n in own if n["status"] == "overdue"]
    view["others_overdue"] = [n for n in theirs if n["status"] == "overdue"]
    view["owed"] = [n for n in own if n["status"] in OWED]
    view["next_due"] = view["owed"][0] if view["owed"] else None
    view["next_others"] = next((n for n in theirs if n["status"] in OWED), None)
    view["escalated"] = calls.escalations(own, at) if not view.get("damaged") else []
    view["counts"] = ItemCounts(ours_overdue=len(view["overdue"]), others_overdue=len(view["others_overdue"]),
                                ours_owed=len(view["owed"]),
                                escalated=len(view["escalated"]))
    return view


def rows(store, plans, office: str | None, clock_of: Callable, page_now: datetime, drill: bool | None,
         open_only: bool = True) -> list[dict[str, Any]]:
    """The board's rows for ``office``: one read of the incidents, each viewed on its own clock (``clock_of``), with
    ``derive``'s fields; rows with our overdue items first, those with an overdue 立即 item first of all."""
    out = []
    for s in store.list_rows(drill=drill, open_only=open_only):
        try:
            at = clock_of(s).now() if not isinstance(s, dict) else page_now
        except EmergencyError:
            at = page_now
        row = derive(safe_snapshot_view(s, at, plans, office), at)
        row["at"] = at
        out.append(row)
    out.sort(key=lambda r: (not r["overdue"], not any(n["immediate"] for n in r["overdue"])))
    return out


def totals(board: list[dict[str, Any]]) -> ItemCounts:
    """The counts of every row together (the home page's and the wall's headline numbers)."""
    return ItemCounts(**{k: sum(getattr(r["counts"], k) for r in board) for k in ItemCounts.__dataclass_fields__})
