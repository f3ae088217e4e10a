"""Drill coverage (演练覆盖): which parts of each plan drills have exercised, and which never.

From the drill history in the store: reporting rules ticked, levels decided, groups stood up (all of a
plan's groups once a level is decided), lifecycle steps taken and termination conditions confirmed —
each counted over the last 12 and 36 months and ever, by when the drill was run (real time, not the
drill's simulated clock); the deadlines most often missed; and each plan's own drill requirement
against the record.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from emergency.core.clock import format_time, parse_time
from emergency.core.incident import Snapshot
from emergency.response.lifecycle import RECORD_TRIGGERS, SERVER_TRIGGERS


from emergency.plans.model import LEVELS, Plan
from emergency.services.report import deadline_rows
from emergency.core.wording import N_

WINDOWS = {"12个月": 365, "36个月": 3 * 365}


def _items(plan) -> list[dict[str, str]]:
    """Every exercisable part of a plan: kind, id, clause, words."""
    out = [{"kind": N_("报告"), "id": r.id, "clause": r.clause, "label": f"{r.from_} → {'、'.join(r.to)}"}
           for r in plan.reporting.rules]
    out += [{"kind": N_("级别"), "id": lv, "clause": plan.level(lv).clause, "label": plan.level(lv).name} for lv in LEVELS]
    out += [{"kind": N_("工作组"), "id": g.id, "clause": g.clause, "label": g.name} for g in plan.groups]
    seen = set()
    for t in plan.lifecycle.transitions:
        if t.trigger not in seen:
            seen.add(t.trigger)
            out.append({"kind": N_("响应步骤"), "id": t.trigger, "clause": t.clause, "label": t.label})
    out += [{"kind": N_("终止条件"), "id": c.id, "clause": c.clause, "label": c.text} for c in plan.termination.conditions]
    return out


def _exercised(snap: Snapshot, events: list[dict[str, Any]], plan: Plan) -> set[tuple[str, str]]:
    done = {("报告", rid) for rid in snap.notifications}
    done |= {("级别", h.to_level) for h in snap.level_history if h.kind == "response" and h.to_level}
    if snap.level:
        done |= {("工作组", g.id) for g in plan.groups}
    done |= {("响应步骤", e["trigger"]) for e in events if e["trigger"] not in RECORD_TRIGGERS and e["trigger"] not in ("report", *SERVER_TRIGGERS)}
    done |= {("终止条件", cid) for cid in snap.confirmed_conditions}
    return done


def coverage(store, now: datetime) -> dict[str, Any]:
    """The coverage matrix of every plan at ``now`` (real time)."""
    runs, missed, last_drill = _runs(store)
    plans = [_plan_coverage(plan, runs, last_drill.get(plan.id), now) for plan in store.plans.plans.values()]
    labels = {(p["plan"], r["id"]): r["label"] for p in plans for r in p["rows"] if r["kind"] == "报告"}
    titles = {p["plan"]: p["short_title"] for p in plans}
    top_missed = [{"plan": p, "plan_title": titles.get(p, ""), "id": i, "label": labels.get((p, i), ""), "clause": c,
                   "times": n} for (p, i, c), n in missed.most_common(10)]
    return {"plans": plans, "missed": top_missed, "drill_incidents": len(runs)}


def _runs(store) -> tuple[list[tuple[str, datetime, set]], Counter, dict[str, datetime]]:
    """Every drill incident under a plan still in the library: (plan, when its drill was run, what it exercised);
    the deadlines missed or late, counted per (plan, item, clause); each plan's last drill."""
    drills = {d["id"]: d for d in _drill_rows(store)}
    runs: list[tuple[str, datetime, set]] = []
    missed: Counter = Counter()
    last_drill: dict[str, datetime] = {}
    for snap in store.incidents.search(drill=True, closed=None, limit=100_000):
        if snap.plan not in store.plans.plans:
            continue  # a drill under a plan no longer in the library
        events = store.incidents.events(snap.id)
        d = drills.get(snap.drill_id or "")
        when = parse_time(d["created_at"] if d else snap.created_at, "created_at")
        runs.append((snap.plan, when, _exercised(snap, events, store.plans.plan_for(snap.plan, snap.plan_version))))
        last_drill[snap.plan] = max(last_drill.get(snap.plan, when), when)
        end = parse_time(events[-1]["at"], "at") if events else parse_time(snap.updated_at, "at")
        missed.update((snap.plan, row["id"], row["clause"]) for row in deadline_rows(snap, end, store.plans)
                      if row["verdict"] in ("missed", "late"))
    return runs, missed, last_drill


def _plan_coverage(plan: Plan, runs: list[tuple[str, datetime, set]], last: datetime | None,
                   now: datetime) -> dict[str, Any]:
    """One plan's rows (each part, how often drilled in each window and ever) and its drill requirement."""
    rows = []
    for item in _items(plan):
        key = (item["kind"], item["id"])
        whens = [when for p, when, done in runs if p == plan.id and key in done]
        counts = {name: sum(1 for when in whens if now - when <= timedelta(days=days)) for name, days in WINDOWS.items()}
        rows.append({**item, **counts, "ever": len(whens), "never": not whens})
    return {"plan": plan.id, "title": plan.title, "short_title": plan.short_title, "rows": rows,
            "requirement": _requirement(plan, last, now) if plan.drills else None,
            "never": sum(r["never"] for r in rows), "total": len(rows)}


def _requirement(plan: Plan, last: datetime | None, now: datetime) -> dict[str, Any]:
    """The plan's own drill requirement against the record: the last drill, when the next is due, whether overdue
    (a government duty with an interval, never drilled or past its due date)."""
    drills = plan.drills
    due = last + timedelta(days=round(drills.min_interval_months * 30.44)) if drills.min_interval_months and last \
        else None
    return {"clause": drills.clause, "text": drills.text, "duty_of": drills.duty_of,
            "government_duty": drills.government_duty, "interval_months": drills.min_interval_months,
            "last": last.isoformat() if last else None,
            "overdue": bool(drills.min_interval_months) and drills.government_duty
            and (last is None or (due is not None and due < now)),
            "due": due.isoformat() if due else None}


def _drill_rows(store) -> list[dict[str, Any]]:
    return store.drills.times()


def coverage_tables(cov: dict[str, Any], now: datetime):
    """The matrix as tables (one a plan, named by the plan's short title; one for the deadlines most often
    missed): what a person reads, the clause and the duty in the plan's words, no ids."""
    from emergency.services.formats import Table

    head = ["类别", "条款", "内容", "近12个月", "近36个月", "累计", "从未演练"]
    made = format_time(now)
    out = [Table(p["short_title"], head, [[r["kind"], r["clause"], r["label"], r["12个月"], r["36个月"], r["ever"],
                                          "是" if r["never"] else ""] for r in p["rows"]],
                 heading=f"{p['title']} 演练覆盖情况", made_at=made) for p in cov["plans"]]
    out.append(Table("最常超时", ["预案", "报告事项", "条款", "次数"],
                     [[m["plan_title"], m["label"], m["clause"], m["times"]] for m in cov["missed"]],
                     heading="演练中最常超时的报告事项", made_at=made))
    return out
