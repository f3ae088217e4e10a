"""A checklist as Markdown (for a download or a paste into a message)."""
from __future__ import annotations

from typing import Any


def checklist_markdown(cl: dict[str, Any], drill: bool = False) -> str:
    """The checklist as Markdown, with a blank column to write the time each call was made."""
    lines = []
    if drill:
        lines.append("> **演练** — 本清单用于演练，不是真实事件。\n")
    lines += [f"# 通知清单：{cl['plan_title']}", "",
              f"- 文号：{cl['document_number']}",
              f"- 级别：{cl['level_name']}（{cl['level']}级）",
              f"- 事发时间：{cl['occurred_at']}", f"- 接报时间：{cl['reported_at']}", "",
              "## 信息报告", "",
              "| 截止时间 | 报告单位 | 报告对象 | 方式 | 依据 | 实际报告时间 |",
              "|---|---|---|---|---|---|"]
    for n in cl["notifications"]:
        if n["due"] is None:
            due = ((f"条件成立时立即：{n['condition']}" if n["immediate"] else f"条件成立后（原文未规定时限）：{n['condition']}")
                   if n["condition"] else "原文未规定时限")
        elif n["immediate"]:
            due = f"立即（{n['due']}）" + (f"，最迟 {n['latest']}" if n["latest"] else "")
        else:
            due = f"{n['due']}（{n['counted_from_name']}后{n['within_minutes']}分钟内）"
        basis = (f"国家规定（摘要）：{n['national']} {n['clause']}" if n.get("national")
                 else f"本单位规定：{n['office']} {n['clause']}" if n.get("office") else n["clause"])
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
