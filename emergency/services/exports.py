"""The office's copies of the record: the incident timeline and drill reports as .docx (the official layout of
``emergency.core.docx_layout``, 演练 on every page of a drill's); the board, an incident's notifications and the
shift log as tables any format renders (``formats``).

Pure: each function takes what it shows and returns the file's bytes.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any


from emergency.core.agencies import today_only
from emergency.core.clock import format_time, minute_text
from emergency.services.documents import KIND_NAMES, numeral, stored_draft
from emergency.core.incident import Snapshot
from emergency.services.incidents import incident_name, notification_status
from emergency.services.formats import Table, Tables
from emergency.services.shift import LOG_TABLE_HEAD, log_cells, log_row
from emergency.plans.model import Plan

VERDICTS = {"met": "按时完成", "late": "超时完成", "done_at_once": "立即完成", "missed": "未完成", "not_due": "未到时限",
            "no_limit": "未规定时限", "accounted": "已记录获知情况"}
MINUTES_WORD = {"late": "超时", "missed": "已超过时限", "not_due": "尚余"}
STATUS = {"done": "已完成", "overdue": "已超时", "pending": "未到时限", "immediate": "立即办理", "open": "待条件"}




_short = minute_text


def board_tables(rows: list, plans, now: datetime) -> Tables:
    """The board at ``now`` as the board page shows it (``board.rows``: the same rows and counts, for the same
    office): each incident with its plan, level, state, the office's own overdue and next item (its time and to
    whom, one fact a column), and others' overdue. Any table format renders it (``formats``)."""
    out = []
    for r in rows:
        v, nxt = r.view, r.next_due
        if v.get("damaged"):
            out.append([v["title"], "", "", "", "", "", "", "", f"无法显示：{v['damaged']}"])
            continue
        out.append([v["title"], plans.plan(v["plan"]).short_title, v.get("level") or "",
                    v.get("classified_level") or "", v.get("state_label", v.get("state")), r.counts.ours_overdue,
                    r.counts.others_overdue, nxt["due"] if nxt else "", "、".join(nxt["to"]) if nxt else ""])
    return [Table("事件看板", ["事件", "预案", "响应级别", "事实对应级别", "状态", "本单位超时事项数",
                           "他方超时事项数", "本单位下一时限", "下一时限报告对象"], out, made_at=format_time(now))]


NOTIFICATION_HEAD = ["序号", "条款", "报告人", "报告对象", "方式", "时限", "截止时间", "状态", "完成人", "完成时间",
                     "超时（分钟）"]
ISSUED_HEAD = ["标题", "发文字号", "类别", "签发人", "签发时间", "SHA-256"]


def notifications_tables(snap: Snapshot, plan: Plan, now: datetime, plans, documents: list[dict[str, Any]]) -> Tables:
    """An incident's notifications with their due times, who reported and when; and the written reports issued,
    each with the name it was signed with."""
    rows = []
    for number, n in enumerate((item.view() for item in notification_status(snap, now, plans)), 1):
        rows.append([number, n["clause"], n["from"], "、".join(n["to"]), n["channel_name"],
                     "立即" if n["immediate"] else (f"{n['within_minutes']}分钟" if n["within_minutes"] else ""),
                     n["due"] or "", STATUS.get(n["status"], n["status"]), n.get("done_by") or "",
                     n.get("done_at") or "",
                     n.get("late_minutes") if n["status"] == "done" else n.get("overdue_minutes")])
    issued = [[d["title"], d.get("number") or "", KIND_NAMES.get(d["kind"], d["kind"]), _signer(d),
               d["issued_at"], d["sha256"]] for d in documents]
    name = incident_name(snap, plan)
    return [Table("报告事项", NOTIFICATION_HEAD, rows, heading=f"{name} 报告事项", made_at=format_time(now)),
            Table("书面报告", ISSUED_HEAD, issued, heading=f"{name} 书面报告", made_at=format_time(now))]


def _signer(document: dict[str, Any]) -> str:
    """Who signed an issued report: the 签发人 its stored draft carries (the person, never a sign-in name)."""
    return stored_draft(document).signer if document.get("draft") else ""


def _document(drill: bool, title: str):
    from emergency.core.docx_layout import OfficialDocument  # python-docx is loaded only when a document is made

    doc = OfficialDocument(drill=drill)
    doc.title(("【演练】" if drill and not title.startswith("【演练】") else "") + title)  # never doubled
    return doc


DIGEST = re.compile(r"\b[0-9a-f]{64}\b")


def _digests_apart(text: str, found: list[str]) -> str:
    """``text`` with each SHA-256 digest replaced by its number in the appendix (a digest wrapped inside a sentence
    can be neither read nor compared): ``found`` collects them in order."""
    def mark(m: re.Match) -> str:
        if m.group(0) not in found:
            found.append(m.group(0))
        return f"（校验值{found.index(m.group(0)) + 1}，见附录）"
    return DIGEST.sub(mark, text)


def timeline_docx(snap: Snapshot, plan: Plan, timeline: list[dict[str, Any]]) -> bytes:
    """The incident's timeline as the page shows it: a table of time, step, who, state and what it says, in the
    official layout; the digests it names in an appendix, one a line."""
    doc = _document(snap.drill, f"{incident_name(snap, plan)}处置时间线")
    doc.paragraph(f"预案：{plan.title}。事发时间{_short(snap.occurred_at)}，接报时间{_short(snap.reported_at)}。")
    digests: list[str] = []
    rows = [[_short(t["at"])[5:], t["label"], t["actor"],
             t["state"] + (f"（{t['level']}级）" if t["level"] else ""),
             _digests_apart(today_only("；".join(t["details"])), digests)] for t in timeline]
    doc.table(["时间", "步骤", "执行人", "状态", "内容"], rows, [26, 30, 24, 24, 52])   # the 156 mm 版心
    doc.appendix("附录：校验值（SHA-256）", [f"{n}. {d}" for n, d in enumerate(digests, 1)])
    return doc.bytes()


CHART_CAPTION = "图　演练时间线（横轴为演练开始后的分钟数）"


def drill_report_docx(report: dict[str, Any], items: list[dict[str, Any]], chart: bytes | None = None) -> bytes:
    """A drill's after-action report (应急演练评估报告), 演练 in its title and on every page; ``chart``: the page's
    time line as a PNG, placed under the opening (without it the report says where the chart is)."""
    doc = _document(True, f"{report['title']}评估报告")
    doc.paragraph(f"演练时间：{_short(report['start'])}至{_short(report['end'])}（模拟时钟，共{report['minutes']}分钟）。"
                  + (f"评估对象：{report['office']}的报告时限与呼叫确认；他方的报告事项列其获知情况。"
                     if report.get("office") else ""))
    if chart:
        doc.picture(chart, 156, CHART_CAPTION)     # the type area's width (GB/T 9704 5.2.2: 156 mm)
    else:
        doc.paragraph("演练时间线图见系统中本次演练的评估报告页面。")
    for n, inc in enumerate(report["incidents"], 1):
        doc.heading(f"{numeral(n)}、{inc['title'] or '未命名事件'}（{inc['plan_title']}）")   # never its id
        doc.paragraph(f"结束时状态：{inc['state']}；响应级别：{inc['level'] or '未确定'}；事实对应级别："
                      f"{inc['classified_level'] or '未达分级标准'}。")
        if inc["deadlines"]:
            doc.table(["报告对象", "方式", "条款", "结论", "呼叫与确认"],
                      [_deadline_cells(d) for d in inc["deadlines"]], [44, 20, 22, 30, 40])
        for o in inc.get("others", []):
            doc.paragraph(today_only(f"他方事项：{o['from']}向{'、'.join(o['to'])}报告（{o['channel_name']}，"
                                     f"{o['clause']}）——" + "；".join(f"{t['display']}：{t['words']}"
                                                                    for t in o["recipients"]) + "。"))
        if inc["groups_stood_up"]:
            doc.paragraph("成立的应急工作组：" + "、".join(inc["groups_stood_up"]) + "。")
    for h in report.get("handover") or []:
        if h["kind"] == "handover_ok":   # a handover that carried everything is said, not listed as a problem
            doc.paragraph(today_only(h["text"]))
    doc.heading(f"{numeral(len(report['incidents']) + 1)}、发现的问题")
    for f in report["findings"] or [{"text": "未发现超时或定级问题。"}]:
        doc.paragraph(today_only(f["text"]))
    if items:
        doc.heading(f"{numeral(len(report['incidents']) + 2)}、整改事项")
        _improvement_lines(doc, items)
    return doc.bytes()


def _deadline_cells(d: dict[str, Any]) -> list[str]:
    """One deadline of a drill as the report's table row: to whom, how, the clause, the verdict, the calls."""
    minutes = (f"，{MINUTES_WORD[d['verdict']]}{d['minutes']}分钟"
               if d["minutes"] not in (None, 0) and d["verdict"] in MINUTES_WORD else "")
    quiet = d["attempts"] == 0 and not d["ticked_only"] and d["verdict"] in ("not_due", "no_limit")
    called = f"呼叫{d['attempts']}次" + (f"（未接通{d['failed_attempts']}次）" if d["failed_attempts"] else "")
    called += (f"，{_short(d['acknowledged_at'])[5:]}确认（{d['acknowledged_by']}）" if d["acknowledged_at"]
               else "，只勾选、无确认记录" if d["ticked_only"] else "，未获确认")
    return [today_only("、".join(d["to"])), d["channel_name"], d["clause"], f"{VERDICTS[d['verdict']]}{minutes}",
            "—" if quiet else called]


def improvements_docx(report: dict[str, Any], items: list[dict[str, Any]]) -> bytes:
    """The drill's improvement plan (整改计划): each item with its finding, clause, owner and due date."""
    doc = _document(True, f"{report['title']}整改计划")
    doc.paragraph(f"依据{_short(report['end'])}结束的演练评估，整改事项如下：")
    if not items:
        doc.paragraph("尚未登记整改事项。")
    _improvement_lines(doc, items)
    return doc.bytes()


def _improvement_lines(doc, items: list[dict[str, Any]]) -> None:
    """The improvement items as a table: the finding, its clause, who is to put it right, by when, done or not."""
    if items:
        doc.table(["序号", "发现的问题", "条款", "责任单位", "完成时限", "状态"],
                  [[str(n), it["finding"], it.get("clause") or "", it.get("owner") or "", it.get("due") or "",
                    "已完成" if it.get("status") == "closed" else "未完成"] for n, it in enumerate(items, 1)],
                  [12, 60, 18, 30, 22, 14])


# ---------------------------------------------------------------- the duty room's shift
def shift_log_tables(office: str, window: str, lines: list[dict[str, Any]], now: datetime | None = None) -> Tables:
    """The shift's log as a table, one fact a column (``shift.log_row``: the times as times, a 补记's own time
    beside it)."""
    return [Table("值班日志", LOG_TABLE_HEAD, [log_row(x) for x in lines], heading=f"{office}值班日志 {window}",
                  made_at=format_time(now) if now else "")]


def shift_log_docx(office: str, window: str, lines: list[dict[str, Any]], drill: bool = False) -> bytes:
    """A shift's 值班日志 in the official layout, one paragraph an entry."""
    doc = _document(drill, f"{office}值班日志")
    doc.paragraph(f"班次：{window}。共{len(lines)}条。")
    for x in lines:
        time_, kind, text, by, done = log_cells(x)
        doc.paragraph(today_only(f"{time_} 【{kind}】{text}（{by}）" + (f"——{done}" if done else "")))
    if not lines:
        doc.paragraph("本班无记录。")
    return doc.bytes()
