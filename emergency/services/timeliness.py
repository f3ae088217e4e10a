"""信息报送 on the record: for a period and an office, whether its reporting was on time.

The revised 突发事件应对法 (2024) forbids 迟报、谎报、瞒报、漏报, and duty rooms are assessed on their 信息报送. For the
incidents that occurred in the period (real ones; a drill's are counted apart, on the drills' side), each of the
office's own dated items is judged as the after-action report judges it (``report.deadline_rows``): on time, late
by how many minutes, never acknowledged once due, not yet due, or without a limit; another party's items are
accounted for or not. Beside them: from receipt to the 首报 issued, per plan and level, and the intervals between
reports. Every count keeps the items it counts, so a page can link each figure to its rows.

Pure over the store's reads: it takes the incidents and the moment the judgement is made.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emergency.core.clock import parse_time
from emergency.core.wording import N_
from emergency.services.incidents import incident_name
from emergency.services.report import deadline_rows

# what an own item's verdict counts as (``deadline_rows``'s verdicts)
OWN = {"met": "on_time", "done_at_once": "on_time", "late": "late", "missed": "missed", "not_due": "not_due",
       "no_limit": "no_limit"}
OWN_NAMES = {"on_time": N_("按时"), "late": N_("迟报"), "missed": N_("未报（已过时限）"), "not_due": N_("未到时限"),
             "no_limit": N_("未规定时限")}


@dataclass
class Item:
    """One counted reporting item: which incident, which duty, due when, done when, its verdict."""
    incident_id: str
    incident: str
    plan: str
    level: str
    clause: str
    to: str
    due: str | None
    done_at: str | None
    verdict: str          # on_time | late | missed | not_due | no_limit | accounted | unaccounted
    minutes: int | None   # late by, or overdue by


@dataclass
class Period:
    office: str
    since: str
    until: str
    drill: bool
    incidents: int = 0
    own: dict[str, list[Item]] = field(default_factory=lambda: {k: [] for k in OWN_NAMES})
    others: dict[str, list[Item]] = field(default_factory=lambda: {"accounted": [], "unaccounted": []})
    first_reports: list[dict[str, Any]] = field(default_factory=list)   # receipt → 首报, each incident
    intervals: list[dict[str, Any]] = field(default_factory=list)       # between consecutive reports

    @property
    def late_minutes(self) -> int:
        return sum(i.minutes or 0 for i in self.own["late"])

    def by_plan_and_level(self) -> list[dict[str, Any]]:
        """Receipt → 首报 per plan and level: how many, the longest and the mean minutes; those without one."""
        groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in self.first_reports:
            groups[(r["plan"], r["level"])].append(r)
        out = []
        for (plan, level), rows in sorted(groups.items()):
            taken = [r["minutes"] for r in rows if r["minutes"] is not None]
            out.append({"plan": plan, "level": level, "incidents": len(rows), "issued": len(taken),
                        "longest": max(taken) if taken else None,
                        "mean": round(sum(taken) / len(taken)) if taken else None})
        return out


def _minutes(a: str, b: str) -> int:
    return round((parse_time(b, "at") - parse_time(a, "at")).total_seconds() / 60)


def period(snaps, office: str, since: str, until: str, now: datetime, plans, drill: bool = False) -> Period:
    """The period's 信息报送 for ``office``: ``snaps`` are the incidents that occurred in it (real, or a drill's
    when ``drill``), judged at ``now``."""
    out = Period(office=office, since=since, until=until, drill=drill)
    for snap in sorted(snaps, key=lambda s: s.occurred_at):
        if snap.drill != drill or not (since <= snap.occurred_at <= until):
            continue
        out.incidents += 1
        plan = plans.plan_for(snap.plan, snap.plan_version)
        level = snap.effective_level or "未定级"
        name = incident_name(snap, plan)
        for r in deadline_rows(snap, now, plans, office):
            item = Item(snap.id, name, plan.short_title, level, r["clause"], "、".join(r["to"]), r["due"],
                        r.get("done_at"), "", r["minutes"])
            if r.get("ours") is False:
                item.verdict = "accounted" if r["verdict"] == "accounted" else "unaccounted"
                out.others[item.verdict].append(item)
            else:
                item.verdict = OWN[r["verdict"]] if r["verdict"] in OWN else "no_limit"
                out.own[item.verdict].append(item)
        reports = sorted(snap.reports, key=lambda r: r.at)
        first = next((r for r in reports if r.kind == "first"), None)
        out.first_reports.append({"incident_id": snap.id, "incident": name, "plan": plan.short_title, "level": level,
                                  "reported_at": snap.reported_at, "issued_at": first.at if first else None,
                                  "minutes": _minutes(snap.reported_at, first.at) if first else None})
        for a, b in zip(reports, reports[1:], strict=False):
            out.intervals.append({"incident_id": snap.id, "incident": name, "from": a.title, "to": b.title,
                                  "minutes": _minutes(a.at, b.at)})
    return out


def tables(p: Period, made_at: str):
    """The period as tables (any table format): the counts, each own item, others' items, receipt → 首报."""
    from emergency.services.formats import Table

    heading = f"{p.office}信息报送统计（{p.since[:10]}至{p.until[:10]}{'，演练' if p.drill else ''}）"
    counts = [[OWN_NAMES[k], len(v)] for k, v in p.own.items()] + [
        ["他方事项：已记录获知情况", len(p.others["accounted"])], ["他方事项：未记录获知情况", len(p.others["unaccounted"])]]
    head = ["事件", "预案", "级别", "条款", "报告对象", "截止时间", "完成时间", "结论", "分钟"]

    def rows(items, words):
        return [[i.incident, i.plan, i.level, i.clause, i.to, i.due or "", i.done_at or "", words, i.minutes]
                for i in items]

    own = [r for k, items in p.own.items() for r in rows(items, OWN_NAMES[k])]
    others = rows(p.others["accounted"], "已记录获知情况") + rows(p.others["unaccounted"], "未记录获知情况")
    firsts = [[r["plan"], r["level"], r["incidents"], r["issued"], r["longest"], r["mean"]] for r in p.by_plan_and_level()]
    return [Table("统计", ["项目", "数量"], [["事件数", p.incidents], *counts], heading=heading, made_at=made_at),
            Table("本单位事项", head, own, heading=heading, made_at=made_at),
            Table("他方事项", head, others, heading=heading, made_at=made_at),
            Table("接报至首报", ["预案", "级别", "事件数", "已报首报", "最长（分钟）", "平均（分钟）"], firsts,
                  heading=heading, made_at=made_at)]


def of_period(store, office: str, since: str, until: str, now: datetime, drill: bool = False) -> Period:
    """The period read from the store: every incident that occurred in it, closed ones too."""
    snaps = store.incidents.search(since=since, until=until, drill=drill, closed=None, limit=100_000)
    return period(snaps, office, since, until, now, store.plans, drill)
