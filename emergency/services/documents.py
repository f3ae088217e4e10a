"""The written reports the plans require (首报、续报、终报、补报), drafted from the incident and issued as files.

A report is first a ``Draft``: its header lines (主送、报告单位、签发人、联系人), an opening paragraph and sections
— the plan's own report fields (``plans/*.yaml`` ``reporting.report_kinds``, chosen per document by
``reporting.documents``), then the level with its deciding clause, the measures taken, the notifications made and
the groups stood up. The console shows the draft, the officer edits its text, and ``issue`` turns it into a .docx
(``docx_file``, GB/T 9704 layout), records the file's hash as an event of the incident and keeps the file — all in
one transaction, at the version the officer saw, so two windows issuing at once issue it once.

Pure except ``issue``, which writes through the store. The clock is an argument.
"""
from __future__ import annotations

from collections.abc import Callable

import hashlib
import re
import json
import secrets
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from emergency.response.boundaries import boundaries, nearest, nearest_figure
from emergency.response.checklist import checklist as build_checklist
from emergency.response.classify import classify
from emergency.core.clock import Clock, format_time, parse_time
from emergency.core.errors import InputError, Refused
from emergency.core.incident import Snapshot
from emergency.response.duties import task_ref
from emergency.services.incidents import OWED, notification_status
from emergency.core.inputs import clean_text
from emergency.response.lifecycle import ISSUE_TRIGGER, REPORT_TRIGGER, SERVER_TRIGGERS, step_label
from emergency.plans.model import Plan
from emergency.core.wording import N_, text_width
from emergency.services.formats import DOCUMENT_TYPES

Kind = Literal["first", "progress", "final", "supplementary"]
KIND_NAMES = {"first": N_("首报"), "progress": N_("续报"), "final": N_("终报"), "supplementary": N_("补报")}
NUMERALS = "零一二三四五六七八九十"
UNVERIFIED = "待核实"          # what a field left blank prints as: the recipient sees what is not yet known
DOCX_TYPE = DOCUMENT_TYPES["docx"]   # the one registry of media types (formats)
# The parts of a report after the plan's own fields, in order (their headings are numbered 二、三、…).
PARTS = {"level": "事件级别", "measures": "处置情况", "notifications": "信息报告情况", "groups": "应急工作组",
         "termination": "应急终止"}
HEADER_SOURCES = {"issuer", "signer", "contact"}   # report fields the header lines answer
TEXT_LIMIT = 4000


def numeral(n: int) -> str:
    """一 … 九十九, for 续报一、续报二 and the numbered headings."""
    if n <= 10:
        return NUMERALS[n]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens] if tens > 1 else "") + "十" + (NUMERALS[ones] if ones else "")


def cn_time(value: str) -> str:
    """2026-12-02T10:05:00+08:00 → 2026年12月2日10时05分."""
    t = parse_time(value, "at")
    return f"{t.year}年{t.month}月{t.day}日{t.hour}时{t.minute:02d}分"


def cn_date(value: str) -> str:
    t = parse_time(value, "at")
    return f"{t.year}年{t.month}月{t.day}日"


# ---------------------------------------------------------------- the page as GB/T 9704-2012 lays it out
# Both renderings (the .docx and the printed PDF) take these from here, so they break and place alike.

GENRE = "情况的报告（{name}）"   # 7.3.1: a title names its 文种; a report on an incident is 关于…情况的报告
TITLE_CHARS = 20                 # 2号 (22 pt) 小标宋 in the 156 mm 版心: 20 characters a line
BREAK_AFTER = "）、，"           # a title line may end after these…
BREAK_BEFORE = "（"              # …or before this
PLACE_ENDS = "省市区县镇乡村港厂司园路"   # or after a place's or a body's last character (海门港|新区, 某机械厂|行车)


def title_lines(title: str, per_line: int = TITLE_CHARS) -> list[str]:
    """The title broken into lines by meaning (GB/T 9704 7.3.1: 词意完整): the 文种 (情况的报告（首报）) whole on the
    last line; the rest broken after a closing bracket or a stop, before an opening bracket, or after a place's
    last character, never inside a run of letters and digits (G40) and never leaving fewer than four characters on
    a line; only when no such place is found, at the line's end."""
    if text_width(title) <= per_line:
        return [title]
    at = title.rfind("情况的报告")
    head, genre = (title[:at], title[at:]) if at > 0 else (title, "")
    lines: list[str] = []
    while text_width(head) > per_line:
        cut = _title_cut(head, per_line)
        lines.append(head[:cut])
        head = head[cut:]
    if genre and text_width(head + genre) <= per_line:
        lines.append(head + genre)
    else:
        lines.extend(line for line in (head, genre) if line)
    return lines


def _title_cut(text: str, per_line: int) -> int:
    """Where the line ``text`` begins is best ended, at most ``per_line`` characters wide."""
    fits = max(i for i in range(1, len(text) + 1) if text_width(text[:i]) <= per_line)
    for i in range(fits, 3, -1):
        before, after = text[i - 1], text[i] if i < len(text) else ""
        if before in BREAK_AFTER or after in BREAK_BEFORE or (before in PLACE_ENDS and after not in "（）"):
            return i
    while fits > 4 and text[fits - 1].isascii() and text[fits:fits + 1].isascii() and text[fits:fits + 1].isalnum():
        fits -= 1          # never inside G40
    return fits


class PageLayout(BaseModel):
    """Where a report's parts stand on the page, the same for its .docx and its PDF."""

    title: list[str]                      # the title's lines
    places: tuple[float, float]           # 署名 and 成文日期: characters in from the right
    edition: tuple[str, str, str]         # 版记: 抄送 line, 印发机关, 印发日期


def page_layout(d: Draft) -> PageLayout:
    date = cn_date(d.date)
    return PageLayout(title=title_lines(d.title), places=signature_places(d.issuer, date), edition=edition_lines(d))


SEAL_LINES = 2    # 7.3.5.1: the seal's top within a line of the body, 署名 and 成文日期 just under its centre


def signature_places(issuer: str, date: str) -> tuple[float, float]:
    """How many characters in from the right the 发文机关署名 and the 成文日期 stand (GB/T 9704 7.3.5.1, a sealed
    report): the date four characters in; the 署名 centred over the date."""
    date_in = 4.0
    return max(0.0, date_in + (text_width(date) - text_width(issuer)) / 2), date_in


def edition_lines(d: Draft) -> tuple[str, str, str]:
    """版记 (GB/T 9704 7.4): the 抄送 line (empty when there is none), the 印发机关 and the 印发日期. The report is
    printed and sent by the office that issues it, on the day it is issued."""
    copy_to = f"抄送：{d.copy_to.rstrip('。')}。" if d.copy_to else ""
    return copy_to, d.issuer or "（报告单位）", f"{cn_date(d.date)}印发"


class Section(BaseModel):
    """One paragraph of the body: a plan field (``label``, with its clause) or a part of the report (``part``)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    part: str                     # "fields" or one of PARTS
    label: str | None = None      # the plan's field name, for a field
    clause: str | None = None
    text: str = ""


class Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    incident_id: str
    plan: str
    plan_title: str
    kind: Kind
    number: int                   # 续报 n; 1 for the others
    name: str                     # 首报 / 续报二 / 终报 / 补报
    title: str
    drill: bool
    version: int                  # the incident's version it was drafted from
    date: str                     # 成文日期, from the clock
    addressee: str = ""           # 主送机关
    copy_to: str = ""             # 抄送机关 (版记), remembered per office and kind like 主送
    issuer: str = ""              # 报告单位 / 发文机关署名
    signer: str = ""              # 签发人
    contact: str = ""             # 联系人及联系方式
    doc_number: str = ""          # 发文字号, given at issue (e.g. 海应值〔2026〕12号); empty without a prefix
    opening: str = ""
    sections: list[Section] = Field(default_factory=list)
    basis: list[dict[str, str]] = Field(default_factory=list)   # the report kinds its fields come from (clause, text)

    @property
    def filename(self) -> str:
        """The file's name as the office names it: 发文字号 and title (a drill's marked 演练), never an id; the ASCII
        name a browser falls back to is ``ascii_filename``."""
        title = self.title.removeprefix("【演练】")
        stem = f"{self.doc_number} {title}" if self.doc_number else title
        return f"{'演练-' if self.drill else ''}{FILE_UNSAFE.sub('', stem).strip()[:120] or self.name}.docx"

    @property
    def ascii_filename(self) -> str:
        """A name of ASCII letters alone, never empty: for a browser that cannot read the Chinese one."""
        return f"{'drill-' if self.drill else ''}report-{self.kind}-{self.number}-{self.incident_id}.docx"


# Characters a file name cannot hold on the systems an office uses (Windows above all).
FILE_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


# ---------------------------------------------------------------- what is offered

def offers(snap: Snapshot, plan: Plan, now: datetime, plans, office: str | None = None) -> list[dict[str, Any]]:
    """The reports that may be issued now, each with why (``reason``) and whether it is called for (``due``):
    a 首报 until one is issued; then 续报 (called for when the level or the casualties changed since the last
    report), 终报 once the response has ended, and the national 补报 when casualties changed within its days."""
    docs = plan.reporting.documents
    if docs is None or snap.state in plans.lifecycle(snap.plan, snap.plan_version).final:
        return []
    if not any(r.kind == "first" for r in snap.reports):
        return [{"kind": "first", "name": KIND_NAMES["first"], "due": True, "reason": N_("尚未报送首报")}]
    last = snap.reports[-1]
    changed = []
    if (snap.effective_level or None) != (last.level or None):
        changed.append(N_("级别已变化"))
    if casualties(snap, plan) != last.casualties:
        changed.append(N_("伤亡人数已变化"))
    out = [{"kind": "progress", "name": f"{KIND_NAMES['progress']}{numeral(_next_number(snap, 'progress'))}",
            "due": bool(changed), "reason": "、".join(changed) or N_("报告处置进展")}]
    supplementary = _supplementary(snap, plan, now, plans, office) if casualties(snap, plan) != last.casualties \
        else None
    if supplementary:
        out.append(supplementary)
    if snap.state in plan.lifecycle.response_ended and not any(r.kind == "final" for r in snap.reports):
        out.append({"kind": "final", "name": KIND_NAMES["final"], "due": True, "reason": N_("应急响应已结束")})
    return out


def _supplementary(snap: Snapshot, plan: Plan, now: datetime, plans, office: str | None) -> dict[str, Any] | None:
    """The national 补报, once casualties changed since the last report that stated them, within the rule's days —
    offered only to the office the national rule names (493号第十三条: the bureau)."""
    docs = plan.reporting.documents
    if not docs.supplementary:
        return None
    rule = next((r for r in plans.national_rules.rules if r.id == docs.supplementary.rule), None)
    if rule is not None and office and office not in plan.library.agencies.owners_of(rule.bodies(snap.cause)):
        return None
    limit = parse_time(snap.occurred_at, "occurred_at") + timedelta(days=docs.supplementary.days_for(snap.facts))
    if now > limit:
        return None
    return {"kind": "supplementary", "name": KIND_NAMES["supplementary"], "due": True,
            "reason": N_("伤亡人数在国家规定的期限内发生变化"), "clause": rule.clause, "text": rule.text,
            "national": rule.authority}


def _next_number(snap: Snapshot, kind: str) -> int:
    return sum(1 for r in snap.reports if r.kind == kind) + 1


def casualties(snap: Snapshot, plan: Plan) -> dict[str, int]:
    docs = plan.reporting.documents
    return {name: int(snap.facts.get(name, 0) or 0) for name in (docs.casualties if docs else [])}


def stated_facts(snap: Snapshot, plan: Plan) -> dict[str, Any]:
    """Every fact the plan grades by that the record holds (a figure, or a yes), as a report states it."""
    return {f.name: snap.facts[f.name] for f in plan.facts
            if snap.facts.get(f.name) not in (None, "", 0, False, "none")}   # none: a listed circumstance, absent


def _level_change(plan: Plan, was: str | None, now_level: str | None) -> str:
    """The response level's change since the last report, or nothing when it is the same."""
    if (now_level or None) == (was or None):
        return ""
    before = f"{plan.written_level(was)}级" if was else "未定级"
    return f"响应级别由{before}调整为{plan.written_level(now_level)}级" if now_level else "响应级别已撤销"


def _fact_change(plan: Plan, fact, before: Any, now_value: Any) -> str:
    """One fact's change since the last report, in words: a figure up or down, a circumstance now so or no longer,
    a choice from the plan's list or a place as it now is."""
    label, unit = fact.label, fact.unit or ""
    if isinstance(now_value, bool) or isinstance(before, bool):
        return f"新增情形：{label}" if now_value else f"已不再{label}"
    if isinstance(now_value, (int, float)) and isinstance(before, (int, float)):
        return f"{label}由{before}{unit}{'增至' if now_value > before else '减至'}{now_value}{unit}"
    if now_value and plan.vocabulary.kind(fact.name) == "choice":      # a circumstance from the plan's list
        return f"{label}：{plan.vocabulary.choice_labels()[fact.name].get(now_value, now_value)}"
    return f"{label}：{now_value}" if now_value else ""                # a place or a name, now known or changed


def changes_since_last(snap: Snapshot, plan: Plan) -> str:
    """The first paragraph's sentence on what changed since the last report issued (a 续报 says what is
    new before anything else): the level and every fact the plan grades by that moved (a figure up or down, a
    circumstance now known or no longer so); for a report issued before its facts were kept, the casualties alone.
    Empty when there was no report."""
    if not snap.reports:
        return ""
    last = snap.reports[-1]
    changes = [_level_change(plan, last.level, snap.effective_level)]
    facts = {f.name: f for f in plan.facts}
    if last.facts or not last.casualties:
        before_all, now_all = last.facts, stated_facts(snap, plan)
        said = "级别和分级所依据的各项事实"
    else:
        before_all, now_all = last.casualties, casualties(snap, plan)
        said = "级别和伤亡人数"
    for name in dict.fromkeys([*before_all, *now_all]):
        before, now_value = before_all.get(name, 0), now_all.get(name, 0)
        if before != now_value and name in facts:
            changes.append(_fact_change(plan, facts[name], before, now_value))
    changes = [c for c in changes if c]
    when = cn_time(last.at)[5:]
    if not changes:
        return f"自{when}报告以来，{said}未发生变化。"
    return f"自{when}报告以来，" + "，".join(changes) + "。"


# ---------------------------------------------------------------- drafting

def draft(snap: Snapshot, events: list[dict[str, Any]], plan: Plan, kind: str, now: datetime, plans,
          header: dict[str, str] | None = None, intake: dict[str, Any] | None = None) -> Draft:
    """The report of ``kind`` as the record makes it, for the officer to edit. Refused when it is not offered.
    ``intake``: the report received (接报登记) the incident was opened from, whose place, source and words fill the
    plan's fields for them."""
    offered = _offered(snap, plan, kind, now, plans, (header or {}).get("office"))
    number = _next_number(snap, kind)
    name = f"{KIND_NAMES[kind]}{numeral(number)}" if kind == "progress" else KIND_NAMES[kind]
    fields, basis = _fields_and_basis(plan, kind, offered)
    header = {k: v for k, v in (header or {}).items() if v}
    since = snap.reports[-1].at if snap.reports else None
    facts_text = Facts(snap, plan, events, since, now, plans, header.get("office") or "", intake)
    addressee = header.get("addressee") or _addressee(plan, snap, now, plans, header.get("office"))
    facts_text.addressees = set(re.split(r"[、，,]", addressee)) - {""}   # never told that they were told
    sections = _sections(plan, snap, kind, fields, facts_text)
    event = snap.title or plan.short_title
    title = f"关于{event}{GENRE.format(name=name)}"     # the 文种 is 报告; 首报/续报一/终报 says which
    opening = _opening(snap, plan, kind, event, intake)
    return Draft(incident_id=snap.id, plan=plan.id, plan_title=plan.title, kind=kind, number=number, name=name,
                 title=("【演练】" if snap.drill else "") + title, drill=snap.drill, version=snap.version,
                 date=format_time(now),
                 addressee=addressee,
                 copy_to=header.get("copy_to") or _copy_to(plan, snap, now, plans, header.get("office")),
                 issuer=header.get("issuer", ""), signer=header.get("signer", ""), contact=header.get("contact", ""),
                 opening=opening, sections=sections, basis=basis)


def _offered(snap: Snapshot, plan: Plan, kind: str, now: datetime, plans, office: str | None) -> dict[str, Any]:
    """The reports the office may draft now, by kind; refused, naming them, when ``kind`` is not one."""
    offered = {o["kind"]: o for o in offers(snap, plan, now, plans, office)}
    if kind not in offered:
        raise Refused("现在不能起草这种报告（%(kind)s）；可起草：%(offered)s", kind=KIND_NAMES.get(kind, str(kind)[:20]),
                      offered=list(KIND_NAMES.get(k, k) for k in offered) or ["—"])
    return offered


def _opening(snap: Snapshot, plan: Plan, kind: str, event: str, intake: dict[str, Any] | None) -> str:
    """When and where what happened, when it was received, what changed since the last report, 现将…如下."""
    return (f"{cn_time(snap.occurred_at)}，{happened(event, intake)}。"
            f"{cn_time(snap.reported_at)}接报。" + (changes_since_last(snap, plan) if kind != "first" else "")
            + f"现将有关情况{'续报' if kind == 'progress' else '报告'}如下：")


def _fields_and_basis(plan: Plan, kind: str, offered: dict[str, dict[str, Any]]) -> tuple[list, list[dict[str, str]]]:
    """The plan's report fields a report of ``kind`` fills, and the clauses it follows. A 补报 has the time and the
    casualties as the plan's own report fields name them, under the national rule that calls for it."""
    docs = plan.reporting.documents
    if kind == "supplementary":
        used = [plan.reporting.report_kind(d.report_kind) for d in (docs.first, docs.progress, docs.final)]
        fields = [(k, f) for k in used[:1] for f in k.fields if k.fill.get(f) == "occurred_at"]
        fields += list({f: (k, f) for k in used for f in k.fields if k.fill.get(f) == "casualties"}.values())[:1]
        rule = offered["supplementary"]
        return fields, [{"clause": rule["clause"], "text": rule["text"]}]
    doc = getattr(docs, kind)
    kinds = [plan.reporting.report_kind(k) for k in [doc.report_kind, *doc.also]]
    return [(k, f) for k in kinds for f in k.fields], [{"clause": k.clause, "text": k.text} for k in kinds]


def _sections(plan: Plan, snap: Snapshot, kind: str, fields: list, facts_text: Facts) -> list[Section]:
    """The report's body: the plan's fields as the record fills them (the header lines say 报告单位、签发人、联系人),
    then level, measures (a 续报: what is new), reports made, groups and, in a 终报, the termination; each bounded."""
    sections = [Section(id=f"field-{i}", part="fields", label=field, clause=k.clause,
                        text=facts_text.fill(k.fill[field]) if k.fill.get(field) else "")
                for i, (k, field) in enumerate(fields, 1) if k.fill.get(field) not in HEADER_SOURCES]
    level_text = facts_text.level()
    near = step_away(plan, snap) if kind == "progress" else None
    if near:   # 研判: a 续报 of an incident one step from a higher level says so
        level_text += f"\n研判：{near}。"
    sections.append(Section(id="level", part="level", text=level_text))
    sections.append(Section(id="measures", part="measures",
                            text=facts_text.progress() if kind == "progress" else facts_text.measures()))
    sections.append(Section(id="notifications", part="notifications", text=facts_text.notifications()))
    sections.append(Section(id="groups", part="groups", text=facts_text.groups()))
    if kind == "final":
        sections.append(Section(id="termination", part="termination", text=facts_text.termination()))
    for section in sections:  # generated or typed, every section is held to the same bound
        section.text = bounded(section.text)
    return sections


def happened(event: str, intake: dict[str, Any] | None = None) -> str:
    """The opening's clause with its verb: where (the intake's place) 发生 what — "海门港新区发生危化品重大泄露" —
    else 发生 and the event's name; a name that says 发生 already is kept as it is."""
    if "发生" in event:
        return event
    place = (intake or {}).get("place") or ""
    if place and event.startswith(place) and len(event) > len(place):
        return f"{place}发生{event[len(place):]}"
    return f"发生{event}"


# Record steps that are not measures taken: calls and accounts are told in 信息报告情况, a task's 签收/办结 by its 反馈.
NOT_MEASURES = ("tick_notification", "condition_arose", "record_call", "account_for", "sign_task", "finish_task")
# Who decided a step, as a report says it after the step's name: 启动应急救援预案（IV级；批准：副区长）
STEP_PEOPLE = {"approved_by": "批准", "declared_by": "宣布", "issued_by": "发布", "received_by": "接管"}


def step_away(plan: Plan, snap: Snapshot) -> str | None:
    """The nearest higher level's boundary, in one line, when the incident is one step from it — one more of a
    figure, or within a tenth of the figure it needs (疏散4,800人 of 5,000) — else None."""
    b = nearest_figure(nearest(boundaries(plan, snap.facts, snap.effective_level or snap.classified_level)))
    if b and (b["distance"] <= 1 or b["distance"] / b["needed"] <= 0.1):
        return f"距{b['level_name']}（{plan.written_level(b['level'])}级）{b['parts'][0]['words']}（{b['clause']}）"
    return None


# A bracket that explains a body's name (设在区应急管理局; 原文：…) is the console's note, never part of a 主送.
NAME_NOTE = re.compile(r"（[^（）]*）")


def _addressee(plan: Plan, snap: Snapshot, now: datetime, plans, office: str | None = None) -> str:
    """主送: the bodies the issuing ``office`` itself reports to on this incident — its own items that report (not those
    that inform), in writing where it has such items — by today's names without their notes, never the office itself,
    a role of the incident (原报告接收单位) or a command the office houses. With no such item the officer writes it
    (and it is remembered per office, plan and kind): another party's recipients are never the office's 主送. Without
    an office, the plan's addressee of written reports (``reporting.documents.addressee``)."""
    agencies = plan.library.agencies
    if not office:
        return "、".join(NAME_NOTE.sub("", agencies.current(t) or t) for t in plan.reporting.documents.addressee.to)
    own = [item for item in _own_items(snap, now, plans, office) if not item.informs]
    written = [item for item in own if item.channel == "written"] or own   # a written duty says whom reports go to
    return "、".join(_bodies(written, agencies, office))


def _copy_to(plan: Plan, snap: Snapshot, now: datetime, plans, office: str | None) -> str:
    """抄送: the bodies the office's own items inform (``informs``: 通知 alongside a report), by today's names."""
    if not office:
        return ""
    informs = [item for item in _own_items(snap, now, plans, office) if item.informs]
    return "、".join(_bodies(informs, plan.library.agencies, office))


def _own_items(snap: Snapshot, now: datetime, plans, office: str) -> list:
    """The office's own reporting items on the incident, written or by any channel, whose condition has arisen."""
    return [item for item in notification_status(snap, now, plans, office) if item.ours and item.kind == "report"
            and item.channel in ("written", "any") and not (item.counted_from == "condition" and item.due is None)]


def _bodies(items: list, agencies, office: str) -> list[str]:
    """The recipients of ``items`` as a header names them: today's names without notes, once each, never a role of the
    incident, the office itself or a command it houses."""
    roles = {r.name for r in agencies.roles}
    out = []
    for item in items:
        for r in item.recipients:
            name = NAME_NOTE.sub("", r["current"] or r["plan_name"])
            housed = agencies.housing(r["plan_name"])
            if r["plan_name"] not in roles and name != office and not (housed and housed.office == office):
                out.append(name)
    return list(dict.fromkeys(out))


class Facts:
    """The sentences a draft is filled with, each from the incident's record (never a figure it does not hold)."""

    def __init__(self, snap: Snapshot, plan: Plan, events: list[dict[str, Any]], since: str | None, now: datetime,
                 plans, office: str = "", intake: dict[str, Any] | None = None):
        self.intake = intake or {}
        self.snap, self.plan, self.events, self.since, self.now, self.plans = snap, plan, events, since, now, plans
        self.office = office   # the issuing office: what it still owes is its own items only
        self.labels = {f.name: f.label for f in plan.facts}
        self.units = {f.name: f.unit for f in plan.facts}

    def fill(self, source: str) -> str:
        """A field's text from its source in the plan's ``fill``: a method of this class, or ``facts:a,b`` — the
        named facts with their labels (拦截车辆、阻断交通：无)."""
        if source.startswith("facts:"):   # a count of 0 is not said (罢工人数：40人, not 游行人数：0人 beside it)
            names = [n for n in source.removeprefix("facts:").split(",")
                     if n and not (self.plan.vocabulary.kind(n) == "count" and not self.snap.facts.get(n))]
            if len(names) == 1 and self.plan.vocabulary.kind(names[0]) == "choice":   # the field asks this fact alone
                value = self.snap.facts.get(names[0], self._default(names[0]))
                return "" if value == self._default(names[0]) else self._shown(names[0], value) + "。"
            said = [f"{self.labels.get(n, n)}：{self._shown(n, self.snap.facts.get(n, self._default(n)))}" for n in names]
            return "；".join(said) + "。" if said else ""
        return getattr(self, source)()

    def _default(self, name: str) -> Any:
        kind = self.plan.vocabulary.kind(name)
        return self.plan.vocabulary.choice(name).default if kind == "choice" else (False if kind == "flag" else 0)

    # ---- from the report received (接报登记): what the caller said, never more
    def place(self) -> str:
        return self.intake.get("place") or ""

    def time_place(self) -> str:
        where = self.place()
        return self.occurred_at() + (f"；地点：{where}" if where else "")

    def report_source(self) -> str:
        """信息来源: who reported, and the work-order or alarm number (not the caller's name or number: those stay
        in the intake)."""
        if not self.intake:
            return ""
        from emergency.services.intake import SOURCES
        ref = self.intake.get("reference")
        return f"{SOURCES.get(self.intake.get('source'), '')}" + (f"（编号{ref}）" if ref else "") + \
            f"，{cn_time(self.intake['received_at'])}接报。"

    def narrative(self) -> str:
        said = (self.intake.get("description") or "").strip()
        return f"据报：{said}" + ("" if said.endswith(("。", "！", "？")) else "。") if said else ""

    def occurred_at(self) -> str:
        return f"{cn_time(self.snap.occurred_at)}（事发），{cn_time(self.snap.reported_at)}接报"

    def _figures(self, names: list[str]) -> str:
        return "，".join(f"{self.labels.get(n, n)}{int(self.snap.facts.get(n, 0) or 0)}{self.units.get(n) or ''}"
                        for n in names)

    def casualties(self) -> str:
        names = self.plan.reporting.documents.casualties if self.plan.reporting.documents else []
        return f"据现有记录：{self._figures(names)}。" if names else ""

    def loss(self) -> str:
        yuan = int(self.snap.facts.get("direct_loss_yuan", 0) or 0)
        return f"初步估计{self.plan.vocabulary.amount('direct_loss_yuan', yuan)}（据现有记录）。" if yuan else ""

    def evacuated(self) -> str:
        return f"{self._figures(['evacuated'])}。" if self.snap.facts.get("evacuated") else ""

    def _shown(self, name: str, value: Any) -> str:
        kind = self.plan.vocabulary.kind(name)
        if kind == "flag":
            return "是" if value else "否"
        if kind == "choice":
            return self.plan.vocabulary.choice_labels()[name].get(value, str(value))
        return f"{value}{self.units.get(name) or ''}"

    def facts(self) -> str:
        parts = [f"{self.labels.get(n, n)}：{self._shown(n, v)}" for n, v in self.snap.facts.items()]
        return "；".join(parts) + ("。" if parts else "")

    def _step_lines(self, since: str | None) -> list[str]:
        """What was done, one sentence a step in the time order it was done: a step at the time it was taken
        (``done_at``, 实施时间, when the officer recorded it later), else when it was recorded; a lifecycle step by
        its plan label as taken from the state it left, with who approved, declared or took over."""
        dated = []
        before = None                    # the state each event was taken from (a trigger's label depends on it)
        # since the last report: what the log holds after that report's 签发 (a step taken in the minute of the
        # 签发 is new to the 续报 when it came after it); a report without its event in the log goes by its time
        issued = [i for i, e in enumerate(self.events) if e["trigger"] == ISSUE_TRIGGER]
        after = issued[-1] if since and issued else None
        for n, e in enumerate(self.events):
            source, before = before, e.get("state")
            if (n <= after) if after is not None else bool(since and e["at"] <= since):
                continue
            if e["trigger"] in (REPORT_TRIGGER, *SERVER_TRIGGERS, *NOT_MEASURES):
                continue
            p = e.get("payload") or {}
            what = self._step_words(e["trigger"], p, source)
            if what:
                dated.append((p.get("done_at") or e["at"], what))
        dated.sort(key=lambda d: d[0])   # stable: steps of one minute keep the order they were recorded in
        return [f"{cn_time(at)[5:]}，{what}。".replace("。。", "。") for at, what in dated]

    def _step_words(self, trigger: str, p: dict[str, Any], source: str | None) -> str:
        """One step in a report's words: a note, a task or facts learned as the record holds them, a lifecycle step
        by the plan's label for it."""
        if trigger in ("add_note", "assign_task", "hand_over_task", "report_task", "update_facts"):
            return self._record_words(trigger, p)
        return self._lifecycle_words(trigger, p, source)

    def _record_words(self, trigger: str, p: dict[str, Any]) -> str:
        if trigger == "add_note":
            return p.get("note", "")
        if trigger == "update_facts":
            return "经核实，" + "，".join(f"{self.labels.get(n, n)}{self._shown(n, v)}"
                                          for n, v in (p.get("facts") or {}).items())
        if trigger == "report_task":
            task = next((t for t in self.snap.tasks if t.id == p.get("task_id")), None)
            return f"{task.unit}反馈{task.title}任务情况：{p.get('note', '')}" if task is not None else ""
        due = f"，完成时限{cn_time(p['due'])[5:]}" if p.get("due") else ""
        if trigger == "assign_task":
            return f"向{p['unit']}下达任务：{(task_ref(self.plan, p['duty']) or {}).get('title')}{due}"
        return f"{self.plan.task(p['task']).name}移交{p['unit']}办理{due}"

    def _lifecycle_words(self, trigger: str, p: dict[str, Any], source: str | None) -> str:
        """启动应急救援预案（IV级；批准：副区长）: the label as taken from ``source``, its level and who decided, then
        what it names (the condition confirmed, the task completed) and its reason or note."""
        what = step_label(self.plan, trigger, source)
        said = [f"{self.plan.written_level(p['level'])}级"] if p.get("level") else []
        said += [f"{word}：{p[key]}" for key, word in STEP_PEOPLE.items() if p.get(key)]
        if said:
            what += f"（{'；'.join(said)}）"
        named = []
        if trigger == "confirm_condition" and p.get("condition"):
            named.append(next((c.text for c in self.plan.termination.conditions if c.id == p["condition"]),
                              "").rstrip("。；"))
        if trigger == "complete_task" and p.get("task"):
            named.append(self.plan.task(p["task"]).name)
        return what + "".join(f"：{x}" for x in [*named, p.get("reason"), p.get("note")] if x)

    def measures(self) -> str:
        return "\n".join(self._step_lines(None))

    def progress(self) -> str:
        return "\n".join(self._step_lines(self.since))

    def level(self) -> str:
        result = classify(self.plan, self.snap.facts)
        out = []
        if result["deciding"]:
            d = result["deciding"]
            lv = self.plan.level(result["level"])
            quoted = d["text"].rstrip("；;，,。")  # an item of the clause's list, quoted without its list stop
            out.append(f"依据《{self.plan.title}》{d['clause']}“{quoted}”，现有事实对应{lv.name}（{self.plan.written_level(lv.level)}级）。")
        else:
            out.append("现有事实未达到本预案分级标准。")
        if self.snap.level:
            lv = self.plan.level(self.snap.level)
            out.append(f"已确定响应级别为{self.plan.written_level(lv.level)}级（{lv.short}）。")
        return "".join(out)

    def _unit(self, name: str) -> str:
        """A body by today's name only (the plan's own name stays on screen, never in a document)."""
        return self.plan.library.agencies.current(name) or name

    def _named(self, name: str) -> str:
        """A body as a document names it: today's name without the directory's remarks — a note that the name
        follows today's organisation is dropped, and a duty that passed to another body names that body too
        (区发改委（工业和信息化职责：区工信局） → 区发改委、区工信局)."""
        today = self._unit(name)
        passed = re.findall(r"（[^（）：]*职责：([^（）]+)）", today)
        return "、".join([NAME_NOTE.sub("", today), *passed])

    addressees: set[str] = set()   # the report's 主送: a sentence never tells them they were told

    def _told_themselves(self, unit: str, means: str) -> bool:
        """Whether a sentence "已向X报告（接听人Y）" would tell the report's own 主送 that it was reported to — X is one
        of them, or the person who answered was at one of them (上级有关部门 reached at 南通市政府总值班室)."""
        bare = NAME_NOTE.sub("", unit)
        return any(a and (a == bare or a in means) for a in self.addressees)

    def notifications(self) -> str:
        """信息报告情况 as prose, as the issuing office speaks: what was reported, to whom, when, by
        which means and who received it (each recipient apart); what others reported that we know of (the accounts
        ); then what the office still owes, never to a body already reported to. No ids, no lists."""
        done, known, reached = [], [], set()
        items = notification_status(self.snap, self.now, self.plans, self.office or None)
        for n in items:
            ours, others = self._reported(n, reached)
            done += ours
            known += others
        owed = [line for n in items if (line := self._still_owed(n, reached))]
        said = list(dict.fromkeys(done)) + list(dict.fromkeys(known)) + list(dict.fromkeys(owed))
        return "\n".join(said) or "截至本报告，尚无信息报告记录。"

    def _reported(self, n, reached: set[str]) -> tuple[list[str], list[str]]:
        """One item's sentences: each recipient reported to (adding it to ``reached``), never telling a recipient of
        this report about itself; then what others reported, one sentence per account however many recipients it
        covers."""
        done = []
        owner = "、".join(dict.fromkeys(self._unit(o) for o in n.owners))
        accounts: dict[tuple, list[str]] = {}
        for r in n.receipts or []:
            unit = self._unit(r["recipient"])
            if r["how"] in ("acknowledged", "ticked"):
                reached.add(unit)
                means = f"（{r['words']}）" if r["how"] == "acknowledged" and r.get("words") else ""
                if not self._told_themselves(unit, means):
                    done.append(f"{cn_time(r['at'])[5:]}，已向{unit}报告{means}。")
            elif r["how"]:
                got = self.snap.receipts[n.id][r["recipient"]]
                accounts.setdefault((got.how, got.via, got.source, got.reason, got.at), []).append(unit)
        return done, [_account_sentence(owner, "、".join(units), *key) for key, units in accounts.items()]

    def _still_owed(self, n, reached: set[str]) -> str | None:
        """What the office still owes on an item of its own, never to a body already reported to."""
        if n.status not in OWED or n.ours is False:
            return None
        to = [u for u in dict.fromkeys(self._unit(r["recipient"]) for r in n.receipts or [] if r["how"] is None)
              if u not in reached]
        if not to:
            return None
        how = {"phone": "（电话）", "written": "（书面）"}.get(n.channel, "")
        return f"尚需向{'、'.join(to)}{how}报告。"

    def groups(self) -> str:
        level = self.snap.level
        if not level:
            return "尚未启动应急响应，未成立应急工作组。"
        cl = build_checklist(self.plan, level, self.snap.occurred_at, self.snap.reported_at, cause=self.snap.cause)
        stood_up = [g for g in self.plan.groups if g.id in {g["id"] for g in cl["groups"]}]
        if stood_up and all(g.lead == [g.name] for g in stood_up):
            # the plan lists its member units' duties, not working groups (the labor plan's 4.3): say who takes part
            units = "、".join(dict.fromkeys(self._named(g.name) for g in stood_up))
            return f"本预案未设专项工作组，参与处置的成员单位为：{units}。"
        lines = []
        for g in stood_up:
            named = "、".join(dict.fromkeys(self._named(u) for u in g.lead))
            lines.append(f"{g.name}（牵头单位：{named}）" if named else g.name)
        return "\n".join(lines)

    def termination(self) -> str:
        lines = []
        for c in self.plan.termination.conditions:
            mark = self.snap.confirmed_conditions.get(c.id)
            lines.append(f"{c.text}：{'已于' + cn_time(mark.at)[5:] + '确认' if mark else '尚未确认'}。")
        return "\n".join(lines)


def _account_sentence(owner: str, to: str, how: str, via: str, source: str, reason: str, at: str) -> str:
    """Another party's report as the office knows of it: learned from someone, reported by someone, or not known."""
    if how == "known":
        return f"{cn_time(at)[5:]}，据{source}{'（' + via + '）' if via else ''}获知，{owner}已向{to}报告。"
    if how == "reported_by":
        return f"{source}已向{to}报告（{cn_time(at)[5:]}获知）。"
    return f"{owner}向{to}报告的情况不明：{reason}。"


def bounded(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` within ``limit`` characters: a long record keeps its first and last lines and says how many lines
    between them are left to the timeline (120 notes made a section that could not be issued)."""
    if len(text) <= limit:
        return text
    lines = text.split("\n")
    head, tail = [], []
    budget = limit - 60  # room for the line that counts what was left out
    while lines and len("\n".join(head + tail)) + len(lines[0]) + 1 < budget * 2 // 3:
        head.append(lines.pop(0))
    while lines and len("\n".join(head + tail)) + len(lines[-1]) + 1 < budget:
        tail.insert(0, lines.pop())
    if not head and not tail:  # one very long line
        return text[:budget] + f"……（以下{len(text) - budget}字从略）"
    return "\n".join([*head, f"……（中间另有{len(lines)}条记录，详见事件时间线）", *tail])


# ---------------------------------------------------------------- editing

def edited(base: Draft, form: dict[str, Any]) -> Draft:
    """The draft with the officer's text: header lines, opening and each section by id. Every text is checked
    (no control characters, NUL or direction overrides — they would corrupt the document); the refusal names
    the field. The structure (kind, number, sections and their order) stays the draft's."""
    out = base.model_copy(deep=True)
    for name, limit in (("addressee", 200), ("copy_to", 200), ("issuer", 100), ("signer", 50), ("contact", 200),
                        ("title", 200)):
        if name in form:
            setattr(out, name, clean_text(form[name], name, limit))
    if "opening" in form:
        out.opening = clean_text(form["opening"], "opening", TEXT_LIMIT, multiline=True)
    for s in out.sections:
        if s.id in form:
            s.text = clean_text(form[s.id], s.label or PARTS.get(s.part, s.id), TEXT_LIMIT, multiline=True)
    if base.drill and not out.title.startswith("【演练】"):
        out.title = "【演练】" + out.title   # a drill's report is marked 演练 whatever is typed
    return out


def check_issuable(d: Draft) -> None:
    """What a written report must name before it goes out (environment 四(一)2: 报告单位、签发人、联系人)."""
    for name in ("issuer", "signer", "contact", "title"):   # 报告单位、签发人、联系人及联系方式、标题 (errors.FIELD_NAMES)
        if not getattr(d, name).strip():
            raise InputError(name, "签发前不能为空")
    for section in d.sections:
        if len(section.text) > TEXT_LIMIT:
            raise InputError(section.label or PARTS.get(section.part, section.id), "有%(length)s个字符，最多%(limit)s个",
                             length=len(section.text), limit=TEXT_LIMIT)


# ---------------------------------------------------------------- the Word file

def body_paragraphs(d: Draft) -> list[tuple[str, str, str]]:
    """The body as (style, lead, text) in order: headings ``h1``, fields ``field`` (lead = the field's name),
    text ``p``. The .docx and the printable page are both made from this, so they say the same."""
    out: list[tuple[str, str, str]] = []
    if d.opening:
        out.append(("p", "", d.opening))
    part_no, field_no, current = 0, 0, None
    for s in d.sections:
        if s.part != current:
            current = s.part
            part_no += 1
            out.append(("h1", "", f"{numeral(part_no)}、{'基本情况' if s.part == 'fields' else PARTS[s.part]}"))
        if s.part == "fields":
            field_no += 1
            # a field of several lines is its first line after the lead, then one paragraph per line — the same in
            # the .docx and the PDF (a line break was a blank line in Word and a space in the PDF)
            lines = [line.strip() for line in (s.text.strip() or UNVERIFIED).splitlines() if line.strip()]
            out.append(("field", f"（{numeral(field_no)}）{s.label}：", lines[0]))
            out.extend(("p", "", line) for line in lines[1:])
        else:
            for line in (s.text.strip() or UNVERIFIED).splitlines():
                if line.strip():
                    out.append(("p", "", line.strip()))
    return out


def preview_digest(d: Draft) -> str:
    """What a reader of the issued report sees, as one SHA-256: header lines, title, body and the date as printed.
    The preview carries it and 签发 refuses a draft that no longer matches it (签发 issues what was
    previewed)."""
    seen = {"addressee": d.addressee, "copy_to": d.copy_to, "issuer": d.issuer, "signer": d.signer, "contact": d.contact,
            "title": d.title, "body": body_paragraphs(d), "date": cn_date(d.date), "basis": d.basis}
    return hashlib.sha256(json.dumps(seen, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def xml_safe(text: str) -> str:
    """Text with any character XML 1.0 cannot carry removed (a stored value from before the checks)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or (ord(ch) >= 0x20 and not 0xD800 <= ord(ch) <= 0xDFFF
                                                             and ch not in "\ufffe\uffff"))


def _xml_safe_values(value: Any) -> Any:
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, dict):
        return {k: _xml_safe_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_xml_safe_values(v) for v in value]
    return value


def docx_file(d: Draft) -> bytes:
    """The report as a .docx in the GB/T 9704-2012 layout (see emergency.core.docx_layout)."""
    from emergency.core.docx_layout import OfficialDocument  # python-docx is loaded only when a document is made

    d = Draft.model_validate(_xml_safe_values(d.model_dump()))  # belt and braces: edits are checked already
    doc = OfficialDocument(drill=d.drill)
    doc.properties(d.issuer, parse_time(d.date, "date"))   # a draft's date is always the time it was made
    doc.letterhead(d.issuer or "（报告单位）")
    doc.number_line(d.doc_number, d.signer)   # an office without a prefix numbers none: the 签发人 alone
    layout = page_layout(d)
    doc.title(d.title, layout.title)
    if d.addressee:
        doc.addressee(d.addressee + "：")
    for style, lead, text in body_paragraphs(d):
        if style == "h1":
            doc.heading(text)
        elif style == "field":
            doc.field(lead, text)
        else:
            doc.paragraph(text)
    doc.signature(d.issuer, cn_date(d.date), layout.places, SEAL_LINES)
    doc.note(f"（联系人及联系方式：{d.contact}）" if d.contact else "")
    # the plan and clauses the contents follow are no element of a 公文 (GB/T 9704): on the screen and in the
    # record (the draft keeps them), never on the signed paper
    doc.edition(*layout.edition)
    return doc.bytes()


def basis_line(d: Draft) -> str:
    """The plan and clauses the report's contents follow, in one line: shown on the screen beside the report (the
    draft, the preview, the issued report's page), kept in the record, and left off the .docx and the PDF — it is
    no element of a 公文."""
    clauses = "、".join(dict.fromkeys(b["clause"] for b in d.basis))
    return f"（本报告内容依据《{d.plan_title}》{clauses}。）" if d.basis else ""


# ---------------------------------------------------------------- issuing

def document_number(store, prefix: str, d: Draft, year: int, actor: str, at: str) -> str:
    """The 发文字号 of report ``d`` under its office's ``prefix`` in ``year``: 海应值〔2026〕12号 — reserved for this
    report (incident, kind, 续报 n) in a short transaction before it is printed, and the same again when a print or
    an issue of it is tried again, so no two documents share a number and none is skipped. Drills are numbered apart
    (…号（演练）), so an exercise never takes a real document's number."""
    stem = f"{prefix}〔{year}〕"
    return store.documents.reserve_number(stem, d.drill, (d.incident_id, d.kind, d.number),
                                         lambda seq: f"{stem}{seq}号" + ("（演练）" if d.drill else ""), actor, at)


def office_prefix(store, office: str, duty_room: str, default: str) -> str:
    """The 发文字号 prefix of ``office``: the one its administrator set, else (for the instance's duty room alone)
    the configured default (``EMERGENCY_DOCUMENT_PREFIX``); another office without one issues unnumbered rather
    than in the duty room's sequence."""
    return store.documents.prefixes().get(office) or (default if office == duty_room else "")


def set_office_prefix(store, office: str, prefix: str, actor: str, at: str) -> None:
    """The administrator sets an office's 发文字号 prefix (e.g. 海应值); empty clears it. One prefix, one office."""
    office = clean_text(office, "office", 100, required=True)
    prefix = clean_text(prefix, "number_prefix", 20)
    if prefix and not re.fullmatch(r"[\u4e00-\u9fff]{1,12}", prefix):
        raise InputError("number_prefix", "须为1至12个汉字")
    store.documents.set_prefix(office, prefix or None, actor, at,
                            lambda: Refused("发文字号前缀“%(prefix)s”已由另一单位使用", prefix=prefix))


def issue(store, incident_id: str, d: Draft, actor: str, clock: Clock,
          render_pdf: Callable[[Draft], bytes | None] | None = None, prefix: str = "") -> dict[str, Any]:
    """Issue ``d``: make the .docx (and, with ``render_pdf``, the PDF, printed once here and kept), and in one
    transaction record the issue event — with the SHA-256 of the file, of the draft every rendering is made
    from, and of the PDF — and keep them. Refused as stale when the incident changed since the draft was made
    (another window issued it, or the facts moved): the officer reviews the new draft."""
    check_issuable(d)
    if prefix:  # reserved in a transaction of its own, before the print (seconds) and kept if it fails
        d = d.model_copy(update={"doc_number": document_number(store, prefix, d, clock.now().year, actor,
                                                               format_time(clock.now()))})
    content = docx_file(d)
    digest = hashlib.sha256(content).hexdigest()
    draft_json = d.model_dump_json()
    draft_digest = hashlib.sha256(draft_json.encode("utf-8")).hexdigest()
    pdf = render_pdf(d) if render_pdf else None   # before the write lock: printing takes a second or two
    pdf_digest = hashlib.sha256(pdf).hexdigest() if pdf else None
    document_id = "doc-" + secrets.token_hex(6)
    rows: list[tuple[str, dict]] = []

    def change(current: Snapshot):
        plan = store.plans.plan_for(current.plan, current.plan_version)
        machine = store.plans.lifecycle(current.plan, current.plan_version)
        if d.kind == "first" and any(r.kind == "first" for r in current.reports):
            raise Refused("首报已签发；更正请另发续报")
        record = {"kind": d.kind, "number": d.number, "title": d.title, "document_id": document_id,
                  "sha256": digest, "draft_sha256": draft_digest, "pdf_sha256": pdf_digest,
                  "level": current.effective_level, "casualties": casualties(current, plan),
                  "facts": stated_facts(current, plan)}
        stamp = format_time(clock.now())
        snap, event = machine.issue(current, record, actor, stamp)
        rows[:] = [("documents", {"id": document_id, "incident_id": incident_id, "kind": d.kind, "number": d.number,
                                  "title": d.title, "filename": d.filename, "sha256": digest, "size": len(content),
                                  "content": content, "draft": draft_json, "draft_sha256": draft_digest,
                                  "pdf": pdf, "pdf_sha256": pdf_digest, "drill": int(d.drill),
                                  "doc_number": d.doc_number or None,
                                  "issued_by": actor, "issued_at": stamp, "event_seq": snap.version})]
        return snap, event, False

    store.incidents.append(incident_id, d.version, change, also=rows)  # StaleVersion when it moved on
    return {"document_id": document_id, "sha256": digest, "name": d.name, "filename": d.filename,
            "size": len(content)}


def verify_documents(store, incident_id: str) -> list[str]:
    """The incident's kept files against the hashes its issue events recorded (emergency verify checks them all)."""
    from emergency.store import issued_documents
    return [p["problem"] for p in issued_documents(store, incident_id)]


def stored_draft(row: dict[str, Any]) -> Draft:
    return Draft.model_validate(json.loads(row["draft"]))


# ---------------------------------------------------------------- reading the issued reports (the pages' one door)

def issued(store, incident_id: str) -> list[dict[str, Any]]:
    """An incident's issued reports, oldest first, without their files."""
    return store.documents.issued(incident_id)


def document(store, document_id: str) -> dict[str, Any]:
    """One issued report with its file and the draft it was made from (NotFound when there is none)."""
    return store.documents.get(document_id)


def keep_pdf(store, document_id: str, pdf: bytes, by: str, at: str) -> bytes:
    """Keep the PDF printed for a report issued without one (its digest in the audit chain); the kept one when
    another request printed it first."""
    return store.documents.keep_pdf(document_id, pdf, by, at)


def header(store, office: str, kind: str) -> dict[str, str]:
    """What the office last addressed and signed a report of this kind with (主送、抄送、签发人、联系人)."""
    return store.documents.header(office, kind)


def remember_header(store, office: str, kind: str, addressee: str, copy_to: str, by: str, at: str,
                    **header: str) -> None:
    """Remember, for the office's next report of this kind, whom it was addressed to and who signed it."""
    store.documents.remember_header(office, kind, addressee, copy_to, by, at, **header)


def cap_of(store, row: dict[str, Any], snap, plan) -> bytes:
    """The issued report ``row`` as a CAP 1.2 message (``cap.message``): its body as its .docx and PDF carry it
    (``body_paragraphs``), the level it stated, and the incident's reports issued before it as the messages it
    updates."""
    from emergency.services import cap

    d = stored_draft(row)
    level = next((r.level for r in snap.reports if r.document_id == row["id"]), snap.effective_level)
    earlier = [doc for doc in issued(store, row["incident_id"])
               if (doc["issued_at"], doc.get("event_seq") or 0) < (row["issued_at"], row.get("event_seq") or 0)]
    paragraphs = [f"{lead}{text}" for _style, lead, text in body_paragraphs(d)]
    return cap.message(store.plans.cap, row, d, paragraphs, level, earlier, plan.short_title, snap.occurred_at)


def warning_cap(store, snap, plan, issuer: str) -> bytes | None:
    """The district's warning on the incident as a CAP 1.2 message (``cap.warning_message``); None when the
    district issued none."""
    from emergency.services import cap

    return cap.warning_message(store.plans.cap, snap, plan, store.incidents.events(snap.id), issuer)
