"""A checklist as Markdown (for a download or a paste into a message)."""
from __future__ import annotations

from typing import Any


def checklist_markdown(cl: dict[str, Any], drill: bool = False) -> str:
    """The checklist as Markdown, with a blank column to write the time each call was made."""
    lines = ["> **演练** — 本清单用于演练，不是真实事件。\n"] if drill else []
    for part in (_head, _notifications, _report_kinds, _command, _groups, _warning, _measures, _termination,
                 _post_incident):
        lines += part(cl)
    return "\n".join(lines) + "\n"


def _head(cl: dict[str, Any]) -> list[str]:
    return [f"# 通知清单：{cl['plan_title']}", "", f"- 文号：{cl['document_number']}",
            f"- 级别：{cl['level_name']}（{cl['level']}级）",
            f"- 事发时间：{cl['occurred_at']}", f"- 接报时间：{cl['reported_at']}", ""]


def _due(n: dict[str, Any]) -> str:
    """When an item is due, in words: at once, by a time counted from a moment, or when its condition holds."""
    if n["due"] is None:
        if not n["condition"]:
            return "原文未规定时限"
        return f"条件成立时立即：{n['condition']}" if n["immediate"] else f"条件成立后（原文未规定时限）：{n['condition']}"
    if n["immediate"]:
        return f"立即（{n['due']}）" + (f"，最迟 {n['latest']}" if n["latest"] else "")
    return f"{n['due']}（{n['counted_from_name']}后{n['within_minutes']}分钟内）"


def _basis(n: dict[str, Any]) -> str:
    """The clause an item rests on: the plan's, the national rule's (summarised), or the office's own."""
    if n.get("national"):
        return f"国家规定（摘要）：{n['national']} {n['clause']}"
    return f"本单位规定：{n['office']} {n['clause']}" if n.get("office") else n["clause"]


def _notifications(cl: dict[str, Any]) -> list[str]:
    return ["## 信息报告", "", "| 截止时间 | 报告单位 | 报告对象 | 方式 | 依据 | 实际报告时间 |", "|---|---|---|---|---|---|"] + [
        f"| {_due(n)} | {n['from']} | {'、'.join(n['to'])} | {n['channel_name']} | {_basis(n)} | |"
        for n in cl["notifications"]]


def _report_kinds(cl: dict[str, Any]) -> list[str]:
    lines = ["", "## 报告内容", ""]
    for k in cl["report_kinds"]:
        lines += [f"### {k['name']}（{k['clause']}）", *(f"- [ ] {f}" for f in k["fields"]), ""]
    return lines


def _command(cl: dict[str, Any]) -> list[str]:
    lines = ["## 指挥体系", ""] + [f"- {c['structure']}；指挥：{c['commander']}（{c['clause']}）" for c in cl["command"]]
    oc = cl["onsite_command"]
    if oc:
        lines += ["", f"## 现场应急指挥部（{oc['cause_name']}）", "", f"负责组建：{'、'.join(oc['leads'])}（{oc['clause']}）"]
    return lines


def _groups(cl: dict[str, Any]) -> list[str]:
    return ["", "## 工作组", ""] + [
        f"- **{g['name']}**（{g['clause']}）牵头：{'、'.join(g['lead'])}；成员：{'、'.join(g['members']) or '—'}。{g['duties']}"
        for g in cl["groups"]]


def _warning(cl: dict[str, Any]) -> list[str]:
    w = cl["warning"]
    if not w:
        return []
    return ["", f"## 预警（{w['colour_name']}，发布：{w['issuer']}，{w['clause']}）", ""] + [
        f"- [ ] {m['text']}（{m['clause']}）" for m in w["measures"]]


def _measures(cl: dict[str, Any]) -> list[str]:
    lines = []
    if cl["measures"]:
        lines += ["", "## 处置措施", ""] + [f"- [ ] {m['text']}（{m['clause']}）" for m in cl["measures"]]
    if cl["precautions"]:
        lines += ["", "## 应急处置注意事项", ""] + [f"- {p['clause']} {p['text']}" for p in cl["precautions"]]
    if cl["protective_equipment"]:
        lines += ["", "## 安全防护", ""] + [f"- {p['role']}：{'、'.join(p['equipment'])}（{p['clause']}）"
                                            for p in cl["protective_equipment"]]
    return lines


def _termination(cl: dict[str, Any]) -> list[str]:
    t = cl["termination"]
    mode = "符合下列条件之一" if t["mode"] == "any" else "下列条件须全部满足"
    lines = ["", f"## 应急终止（{t['clause']}，{mode}）", ""] + [f"- [ ] {c['text']}" for c in t["conditions"]]
    return lines + ([f"- [ ] {t['approval_by']}批准"] if t["requires_approval"] else [])


def _post_incident(cl: dict[str, Any]) -> list[str]:
    return ["", "## 后期处置", ""] + [f"- [ ] {p['name']}（{p['clause']}，{p['owner']}）" for p in cl["post_incident"]]
