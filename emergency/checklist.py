"""Notification checklists (通知清单): every reporting rule of a plan as a dated item, with the
report kinds and their fields, command, groups, on-site command and precautions.

Due times are counted from the occurrence (事发) or the receipt of the report (接报), as each
rule says, in Asia/Shanghai. "At once" (立即) items are ``immediate`` and due at the time they
count from; a cap (每级上报时间不得超过2小时) is given as ``latest``. Items that count from a
condition (e.g. 请求上级支援) have no due time until the condition is recorded.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from .clock import format_time, parse_time
from .errors import InputError
from .plans import (ENVIRONMENT_CAUSES, LEVELS, PLANS_DIR, Plan, ReportingRule, load_national_rules,
                    national_rules_for)

CHANNEL_NAMES = {"phone": "电话", "written": "书面", "any": "不限方式"}
COUNTED_FROM_NAMES = {"occurrence": "事发时间", "receipt": "接报时间", "condition": "条件成立时"}


class Renamed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plan_name: str
    current: str
    basis: str


class Agencies(BaseModel):
    model_config = ConfigDict(extra="forbid")
    basis: list[dict[str, str]]
    renamed: list[Renamed]
    current_names: list[dict[str, str]] = []   # bodies named by today's name already (no mapping needed)
    unverified: list[dict[str, str]] = []

    def current(self, name: str) -> str | None:
        """Today's name for a body a plan names, or None where it is unchanged or unknown."""
        for r in self.renamed:
            if r.plan_name == name:
                return r.current if r.current != name else None
        return None

    def display(self, name: str) -> str:
        """Today's name with the plan's name beside it: ``区应急管理局（原文：市安监局）``."""
        cur = self.current(name)
        return f"{cur}（原文：{name}）" if cur else name

    def unit(self, name: str) -> dict[str, str | None]:
        return {"plan_name": name, "current": self.current(name), "display": self.display(name)}


@lru_cache(maxsize=4)
def _load_agencies(path: str) -> Agencies:
    return Agencies.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def load_agencies(directory: Path | None = None) -> Agencies:
    return _load_agencies(str((directory or PLANS_DIR) / "agencies.yaml"))


def _check_level(level: Any) -> str:
    if level not in LEVELS:
        raise InputError("level", f"must be one of {', '.join(LEVELS)} (got {level!r})")
    return level


def check_times(occurred_at: Any, reported_at: Any) -> tuple[datetime, datetime]:
    """Parse both times; the report cannot be received before the event happened."""
    occurred = parse_time(occurred_at, "occurred_at")
    reported = parse_time(reported_at, "reported_at")
    if reported < occurred:
        raise InputError("reported_at", "must not be before occurred_at (接报时间不能早于事发时间)")
    return occurred, reported


def check_cause(plan: Plan, cause: Any) -> str | None:
    if cause in (None, ""):
        return None
    if plan.onsite_command is None:
        raise InputError("cause", f"only the environment plan takes a cause; {plan.id} does not")
    if cause not in ENVIRONMENT_CAUSES:
        raise InputError("cause", f"must be one of {', '.join(ENVIRONMENT_CAUSES)} (got {cause!r})")
    return cause


def rules_for(plan: Plan, level: str, hot_topic: bool = False) -> list[ReportingRule]:
    """The reporting rules that apply at a level (and the hot-topic rule when asked for), then the
    national rules that apply to this plan at this level (``plans/national_rules.yaml``)."""
    hot = plan.reporting.hot_topic.rule if (hot_topic and plan.reporting.hot_topic) else None
    own = [r for r in plan.reporting.rules if level in r.levels or r.id == hot]
    return own + national_rules_for(plan.id, level)


def notification_item(rule: ReportingRule, occurred: datetime, reported: datetime,
                      agencies: Agencies, condition_at: datetime | None = None) -> dict[str, Any]:
    """One dated notification from one rule."""
    base = {"occurrence": occurred, "receipt": reported, "condition": condition_at}[rule.counted_from]
    if base is None:
        due = None
    elif rule.immediate:
        due = base
    elif rule.within_minutes is not None:
        due = base + timedelta(minutes=rule.within_minutes)
    else:
        due = None
    latest = base + timedelta(minutes=rule.cap_minutes) if (base is not None and rule.cap_minutes) else None
    return {
        "id": rule.id,
        "from": agencies.display(rule.from_),
        "to": [agencies.display(t) for t in rule.to],
        "recipients": [agencies.unit(t) for t in rule.to],
        "channel": rule.channel,
        "channel_name": CHANNEL_NAMES[rule.channel],
        "immediate": rule.immediate,
        "within_minutes": rule.within_minutes,
        "due": format_time(due),
        "latest": format_time(latest),
        "counted_from": rule.counted_from,
        "counted_from_name": COUNTED_FROM_NAMES[rule.counted_from],
        "counted_from_time": format_time(base),
        "condition": rule.condition,
        "kind": rule.kind,
        "clause": rule.clause,
        "text": rule.text,
        "decision": rule.decision,
        "national": getattr(rule, "authority", None),  # a national rule, not the local plan's words
    }


def notifications(plan: Plan, level: str, occurred_at: Any, reported_at: Any, hot_topic: bool = False,
                  condition_times: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Dated notifications for a level, earliest due first; items with no due time last."""
    level = _check_level(level)
    occurred, reported = check_times(occurred_at, reported_at)
    agencies = load_agencies()
    cond = {k: parse_time(v, f"condition_times.{k}") for k, v in (condition_times or {}).items()}
    items = [notification_item(r, occurred, reported, agencies, cond.get(r.id))
             for r in rules_for(plan, level, hot_topic)]
    order = {r.id: i for i, r in enumerate(list(plan.reporting.rules) + load_national_rules().rules)}
    items.sort(key=lambda it: (it["due"] is None, it["due"] or "", order[it["id"]]))
    return items


def _units(agencies: Agencies, names: list[str]) -> list[str]:
    return [agencies.display(n) for n in names]


def checklist(plan: Plan, level: Any, occurred_at: Any, reported_at: Any, cause: Any = None,
              hot_topic: bool = False, condition_times: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything a duty officer needs once the level is known.

    Returns a dict with ``notifications`` (each: ``from``, ``to``, ``channel``, ``due``,
    ``immediate``, ``clause``, ``text``…), ``report_kinds``, ``command``, ``activation``,
    ``groups`` (each: ``name``, ``lead``, ``members``, ``duties``), ``onsite_command`` (the
    environment plan, by cause), ``first_response``, ``warning``, ``precautions``,
    ``protective_equipment``, ``termination`` and ``post_incident``.
    Raises InputError naming a bad level, time or cause.
    """
    level = _check_level(level)
    occurred, reported = check_times(occurred_at, reported_at)
    cause = check_cause(plan, cause)
    agencies = load_agencies()
    lv = plan.level(level)
    out: dict[str, Any] = {
        "plan": plan.id,
        "plan_title": plan.title,
        "document_number": plan.document_number,
        "level": level,
        "level_name": lv.name,
        "colour": lv.colour,
        "occurred_at": format_time(occurred),
        "reported_at": format_time(reported),
        "cause": cause,
        "hot_topic": hot_topic,
        "notifications": notifications(plan, level, occurred, reported, hot_topic, condition_times),
        "reporting_notes": [{"clause": n.clause, "text": n.text} for n in plan.reporting.notes],
        "report_kinds": [{"id": k.id, "name": k.name, "fields": k.fields, "clause": k.clause, "text": k.text}
                         for k in plan.reporting.report_kinds],
        "command": [{"structure": c.structure, "commander": agencies.display(c.commander),
                     "under_higher_command": c.under_higher_command, "clause": c.clause, "text": c.text}
                    for c in plan.command_for(level)],
        "activation": [{"authority": a.authority, "requests_higher": a.requests_higher,
                        "local_handling": a.local_handling, "clause": a.clause, "text": a.text}
                       for a in plan.activation_for(level)],
        "activation_steps": [{"clause": s.clause, "text": s.text} for s in plan.activation_steps],
        "first_response": [{"who": f.who, "clause": f.clause, "text": f.text} for f in plan.first_response],
        "groups": [{"id": g.id, "name": g.name, "lead": _units(agencies, g.lead),
                    "members": _units(agencies, g.members), "duties": g.duties, "clause": g.clause,
                    "text": g.text} for g in plan.groups],
        "groups_clause": plan.groups_clause,
        "groups_text": plan.groups_text,
        "measures": [{"clause": m.clause, "text": m.text} for m in plan.measures],
        "member_duties": [{"unit": agencies.display(m.unit), "clause": m.clause, "text": m.text}
                          for m in plan.member_duties],
        "support": [{"topic": x.topic, "clause": x.clause, "text": x.text} for x in plan.support],
        "precautions": [{"clause": p.clause, "text": p.text} for p in plan.precautions],
        "protective_equipment": [{"role": p.role, "equipment": p.equipment, "clause": p.clause, "text": p.text}
                                 for p in plan.protective_equipment],
        "termination": {"mode": plan.termination.mode, "requires_approval": plan.termination.requires_approval,
                        "approval_by": plan.termination.approval_by, "declared_by": plan.termination.declared_by,
                        "clause": plan.termination.clause, "text": plan.termination.text,
                        "conditions": [{"id": c.id, "clause": c.clause, "text": c.text}
                                       for c in plan.termination.conditions]},
        "post_incident": [{"id": t.id, "name": t.name, "owner": t.owner, "clause": t.clause, "text": t.text}
                          for t in plan.post_incident],
        "warning": None,
        "onsite_command": None,
    }
    if plan.warning:
        w = next(x for x in plan.warning.levels if x.level == level)
        out["warning"] = {"level": w.level, "colour": w.colour, "colour_name": w.colour_name, "issuer": w.issuer,
                          "meaning": w.meaning, "clause": w.clause, "text": w.text,
                          "measures": [{"clause": m.clause, "text": m.text} for m in plan.warning.measures],
                          "lift": {"clause": plan.warning.lift.clause, "text": plan.warning.lift.text}}
    if plan.onsite_command is not None:
        chosen = cause or "other"
        oc = next(c for c in plan.onsite_command.by_cause if c.cause == chosen)
        out["onsite_command"] = {"cause": oc.cause, "cause_name": oc.name, "leads": _units(agencies, oc.leads),
                                 "clause": oc.clause, "text": oc.text,
                                 "composition": plan.onsite_command.text}
    return out


def checklist_markdown(cl: dict[str, Any], drill: bool = False) -> str:
    """The checklist as Markdown, with a blank column to write the time each call was made."""
    lines = []
    if drill:
        lines.append("> **演练 DRILL** — 本清单用于演练，不是真实事件。\n")
    lines += [f"# 通知清单：{cl['plan_title']}", "",
              f"- 文号：{cl['document_number']}",
              f"- 级别：{cl['level_name']}（{cl['level']}级）",
              f"- 事发时间：{cl['occurred_at']}", f"- 接报时间：{cl['reported_at']}", "",
              "## 信息报告", "",
              "| 截止时间 | 报告单位 | 报告对象 | 方式 | 依据 | 实际报告时间 |",
              "|---|---|---|---|---|---|"]
    for n in cl["notifications"]:
        if n["due"] is None:
            due = f"条件成立时立即：{n['condition']}" if n["condition"] else "原文未规定时限"
        elif n["immediate"]:
            due = f"立即（{n['due']}）" + (f"，最迟 {n['latest']}" if n["latest"] else "")
        else:
            due = f"{n['due']}（{n['counted_from_name']}后{n['within_minutes']}分钟内）"
        basis = f"国家规定：{n['national']} {n['clause']}" if n.get("national") else n["clause"]
        lines.append(f"| {due} | {n['from']} | {'、'.join(n['to'])} | {n['channel_name']} | {basis} | |")
    lines += ["", "## 报告内容", ""]
    for k in cl["report_kinds"]:
        lines.append(f"### {k['name']}（{k['clause']}）")
        lines += [f"- [ ] {f}" for f in k["fields"]]
        lines.append("")
    lines += ["## 指挥体系", ""]
    for c in cl["command"]:
        lines.append(f"- {c['structure']}；指挥：{c['commander']}（{c['clause']}）")
    if cl["onsite_command"]:
        oc = cl["onsite_command"]
        lines += ["", f"## 现场应急指挥部（{oc['cause_name']}）", "",
                  f"负责组建：{'、'.join(oc['leads'])}（{oc['clause']}）"]
    lines += ["", "## 工作组", ""]
    for g in cl["groups"]:
        members = "、".join(g["members"]) or "—"
        lines.append(f"- **{g['name']}**（{g['clause']}）牵头：{'、'.join(g['lead'])}；成员：{members}。{g['duties']}")
    if cl["warning"]:
        w = cl["warning"]
        lines += ["", f"## 预警（{w['colour_name']}，发布：{w['issuer']}，{w['clause']}）", ""]
        lines += [f"- [ ] {m['text']}（{m['clause']}）" for m in w["measures"]]
    if cl["measures"]:
        lines += ["", "## 处置措施", ""] + [f"- [ ] {m['text']}（{m['clause']}）" for m in cl["measures"]]
    if cl["precautions"]:
        lines += ["", "## 应急处置注意事项", ""] + [f"- {p['clause']} {p['text']}" for p in cl["precautions"]]
    if cl["protective_equipment"]:
        lines += ["", "## 安全防护", ""] + [f"- {p['role']}：{'、'.join(p['equipment'])}（{p['clause']}）"
                                            for p in cl["protective_equipment"]]
    t = cl["termination"]
    mode = "符合下列条件之一" if t["mode"] == "any" else "下列条件须全部满足"
    lines += ["", f"## 应急终止（{t['clause']}，{mode}）", ""] + [f"- [ ] {c['text']}" for c in t["conditions"]]
    if t["requires_approval"]:
        lines.append(f"- [ ] {t['approval_by']}批准")
    lines += ["", "## 后期处置", ""] + [f"- [ ] {p['name']}（{p['clause']}，{p['owner']}）" for p in cl["post_incident"]]
    return "\n".join(lines) + "\n"
