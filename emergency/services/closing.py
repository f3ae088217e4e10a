"""What is still open before 结案, ours and others' (one list, shown beside the 结案 button), and the
steps a person takes together: termination's conditions ticked at once, post-incident tasks handed over as one table.

The plan's guards still decide what refuses 结案 (the closing office's own 立即 items, the post-incident tasks); this
list only says, before the click, everything else the record knows is unfinished — another party's unacknowledged
item, a task handed over and never signed for, a linked record of the same event without its 终报 — so that closing
is a decision taken knowingly, never a surprise found the next morning."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emergency.core.errors import EmergencyError, InputError
from emergency.services.incidents import items_of

# a notification's status that leaves nothing owed
SETTLED = frozenset({"done", "accounted"})


@dataclass(frozen=True)
class OpenItem:
    """One unfinished thing: whose it is (``ours``: the looking office's; ``others``: another party's; ``linked``: a
    linked record of the same event), what it is, and whether it refuses 结案 (as the plan's guards do: our own 立即
    items and post-incident tasks, and another party's 立即 items not yet accounted for)."""
    whose: str
    text: str
    refuses: bool = False


def still_open(v: dict[str, Any], linked: list[dict[str, Any]], final_reports: set[str]) -> list[OpenItem]:
    """Everything unfinished on the incident ``v`` (its view for the looking office) and on its ``linked`` records
    (views of the same event under other plans); ``final_reports``: the incidents with an issued 终报."""
    return [*_open_items(v), *_open_post_incident(v), *_open_tasks(v), *_open_linked(v, linked, final_reports)]


def _open_items(v: dict[str, Any]) -> list[OpenItem]:
    """Reporting items neither done nor accounted for (a duty whose condition has not arisen is not yet owed)."""
    out = []
    for n in items_of(v):
        if n.get("status") in SETTLED or n.get("status") == "open" and n.get("counted_from") == "condition":
            continue
        left = "、".join(n.get("left") or n.get("to") or [])
        refuses = bool(n.get("immediate"))   # a 立即 item, ours or another party's unaccounted: the plan's guard
        if n.get("ours") is False:
            out.append(OpenItem("others", f"{n.get('from') or ''}报{left}（{n['clause']}）：未确认，本单位亦未记录获知情况",
                                refuses))
        else:
            out.append(OpenItem("ours", f"报{left}（{n['clause']}）：未确认", refuses))
    return out


def _open_post_incident(v: dict[str, Any]) -> list[OpenItem]:
    handed = {t["ref"] for t in v.get("tasks", []) if t["kind"] == "handover"}
    return [OpenItem("ours", f"后期处置“{t['name']}”：未办结、未移交", refuses=True)
            for t in (v.get("checklist") or {}).get("post_incident", [])
            if t["id"] not in v.get("completed_tasks", {}) and t["id"] not in handed]


def _open_tasks(v: dict[str, Any]) -> list[OpenItem]:
    return [OpenItem("ours" if t.get("mine") else "others",
                     f"{t['unit']}：“{t['title']}”{'已签收未办结' if t.get('signed') else '未签收'}")
            for t in v.get("tasks", []) if not t.get("done")]


def _open_linked(v: dict[str, Any], linked: list[dict[str, Any]], final_reports: set[str]) -> list[OpenItem]:
    out = []
    for other in (o for o in linked if o["id"] != v["id"]):
        missing = [] if other.get("final") else [f"尚处于“{other['state_label']}”"]
        if other["id"] not in final_reports and other.get("level"):
            missing.append("终报未签发")
        if missing:
            out.append(OpenItem("linked", f"同一事件在{other['plan_short']}预案下的记录（{other['name']}）："
                                + "，".join(missing)))
    return out


def perform_each(perform, incident_id: str, trigger: str, version: int, payloads: list[dict[str, Any]]):
    """One step per payload, each its own transaction and event, each at the version the one before left (they are
    one person's choices from one page: the first refusal stops the rest, and what was done stays done). Returns
    the last snapshot and how many were done; a refusal after the first is raised with that count."""
    if not payloads:
        raise InputError(trigger_field(trigger), "请至少选择一项")
    snap, done = None, 0
    for payload in payloads:
        try:
            snap = perform(incident_id, trigger, version, payload)
        except EmergencyError as exc:
            exc.done_before = done  # what the page says was done before the refusal
            raise
        version, done = snap.version, done + 1
    return snap, done


def trigger_field(trigger: str) -> str:
    return {"confirm_condition": "condition", "hand_over_task": "task", "account_for": "notification"}.get(trigger,
                                                                                                           "payload")
