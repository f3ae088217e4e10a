"""The duty room's shift: its 值班日志 and its 交接班.

A shift is a window of the office's roster (``rota.crews``: the rows of one unit and one time are one crew). An
office without a roster keeps its log in 24-hour shifts changing at 08:30 (``DEFAULT_CHANGE``, the change time of
the 24-hour shifts in the shipped demo rosters; a decision of ours, not a rule of the plans), named 未排班.

The log of a shift is what the room recorded by hand (calls in and out, messages, leaders' instructions, free
entries: ``duty_log`` rows) merged, in time order, with what the record already holds of the office's people in
that window — intakes, incidents recorded, calls made, messages sent, reports issued, levels decided, tasks given
and answered — read from the record, never copied into the log.

The handover (交接班) is made from the record when the outgoing officer opens it: the open incidents with their
state and next deadline, the office's items due before the next shift ends, tasks it handed to others still
awaiting feedback and tasks given to it still open, calls awaiting a call-back, leaders' instructions not yet
carried out, and reports received not yet decided. Each item has a key, so a drill's after-action report can tell
whether the handover carried what was open.

Pure: the service functions that read and write the store are at the end (``log_of``, ``open_handover``, …).
"""
from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

from emergency.response.calls import OUTCOMES
from emergency.core.clock import TZ, backdated, format_time, minute_text, month_day_time, parse_time
from emergency.core.errors import InputError, NotFound, Refused
from emergency.services.handover_model import (DueItem, HandoverContent, Instruction, NextItem, Note,
                                              OpenIncident, OpenTask)
from emergency.services.incidents import OWED, incident_name, items_of, ours, kept_view
from emergency.core.inputs import clean_text
from emergency.services.intake import SOURCES as INTAKE_SOURCES
from emergency.services.permissions import Actor, Crew, OfficeThing, authorize
from emergency.services.rota import crews
from emergency.store import INTAKE_STATUS_WORDS
from emergency.core.wording import N_

DEFAULT_CHANGE = time(8, 30)
# How long after a shift ends its handover is still the one offered (a late 交班 at 09:10 is the night shift's, not
# the day shift's just begun). Our number: the plans and the issue give none.
HANDOVER_GRACE = timedelta(hours=4)

# what the room records by hand (the log's own entries)
ENTRY_KINDS = {"call_in": N_("来电"), "call_out": N_("去电"), "message": N_("短信传真"),
               "instruction": N_("领导批示"), "note": N_("其他")}
# what the record holds, shown beside them
RECORD_KINDS = {"intake": N_("接报"), "incident": N_("事件登记"), "call": N_("呼叫"), "sent": N_("发送消息"),
                "report": N_("签发报告"), "level": N_("定级"), "task": N_("任务"), "task_step": N_("任务反馈")}


# ---------------------------------------------------------------- shift windows

def _default_window(office: str, at: datetime) -> dict[str, Any]:
    start = datetime.combine(at.date(), DEFAULT_CHANGE, TZ)
    if at < start:
        start -= timedelta(days=1)
    return {"unit": office, "shift": "未排班", "starts_at": format_time(start),
            "ends_at": format_time(start + timedelta(days=1)), "officers": [], "leader": "", "rostered": False}


def window_at(shifts: list[Any], office: str, at: datetime) -> dict[str, Any]:
    """The office's shift that holds ``at``: its crew from the roster, else a 24-hour 未排班 window."""
    moment = format_time(at)
    for crew in crews(shifts, office):
        if crew["starts_at"] <= moment < crew["ends_at"]:
            return {**crew, "rostered": True}
    return _default_window(office, at)


def previous_window(shifts: list[Any], office: str, window: dict[str, Any]) -> dict[str, Any]:
    return window_at(shifts, office, parse_time(window["starts_at"], "starts_at") - timedelta(minutes=1))


def next_window(shifts: list[Any], office: str, window: dict[str, Any]) -> dict[str, Any]:
    return window_at(shifts, office, parse_time(window["ends_at"], "ends_at"))


def window_name(window: dict[str, Any]) -> str:
    """``11-22 17:30—11-23 08:30 夜班`` (a person's words for a shift)."""
    return f"{month_day_time(window['starts_at'])}—{month_day_time(window['ends_at'])} {window['shift']}"


# ---------------------------------------------------------------- entries

def check_entry(form: dict[str, Any], now: datetime) -> dict[str, Any]:
    """An entry the room records, checked: kind, time (not in the future), who, number, what, and for an
    instruction the leader who gave it and by when; a call may ask for a call-back."""
    kind = form.get("kind") or ""
    if kind not in ENTRY_KINDS:
        raise InputError("kind", "须为以下之一：%(expected)s", expected="、".join(ENTRY_KINDS.values()))
    at = _happened(form.get("at"), "at", now)
    text = clean_text(form.get("text"), "text", 2000, multiline=True)
    if not text:
        raise InputError("text", "必须填写")
    leader = clean_text(form.get("leader"), "instruction_leader", 40)
    if kind == "instruction" and not leader:
        raise InputError("instruction_leader", "领导批示须写明批示领导")
    due = (form.get("due") or "").strip()
    return {"kind": kind, "at": format_time(at), "text": text, "leader": leader,
            "party": clean_text(form.get("party"), "party", 60), "phone": clean_text(form.get("phone"), "phone", 30),
            "due": format_time(parse_time(due, "due")) if due else None,
            "callback": kind in ("call_in", "message") and str(form.get("callback") or "") in ("1", "on", "true"),
            "incident_id": (form.get("incident_id") or None)}


# How far back an entry or its 回电/落实 may be written (补记): as far as an intake without a reason.
WRITTEN_LATE_LIMIT = timedelta(days=7)


def _happened(raw: Any, field: str, now: datetime, not_before: datetime | None = None) -> datetime:
    """When something the log records happened: now when not given; never in the future, never more than
    ``WRITTEN_LATE_LIMIT`` back, never before ``not_before`` (a 回电 before the call it answers)."""
    raw = (raw or "").strip() if isinstance(raw, str) else raw
    at = parse_time(raw, field) if raw else now
    if at > now + timedelta(minutes=1):
        raise InputError(field, "不能晚于现在")
    if now - at > WRITTEN_LATE_LIMIT:
        raise InputError(field, "补记不能早于7天前（收到：%(got)s）", got=minute_text(format_time(at)))
    if not_before is not None and at < not_before:
        raise InputError(field, "不能早于该记录本身的时间（%(at)s）", at=minute_text(format_time(not_before)))
    return at


def entry_line(entry: dict[str, Any]) -> dict[str, Any]:
    """A recorded entry as a line of the log."""
    who = "，".join(p for p in (entry.get("party") or "", entry.get("phone") or "") if p)
    text = entry["text"] if not who else f"{who}：{entry['text']}"
    if entry["kind"] == "instruction":
        text = f"{entry['leader']}批示：{entry['text']}" + (f"（{month_day_time(entry['due'])}前落实）"
                                                            if entry.get("due") else "")
    open_ = entry["kind"] == "instruction" or entry.get("callback")
    return {"at": entry["at"], "kind": entry["kind"], "kind_name": ENTRY_KINDS[entry["kind"]], "text": text,
            "by": entry["recorded_by"], "entry_id": entry["id"], "incident_id": entry.get("incident_id"),
            "awaits": ("instruction" if entry["kind"] == "instruction" else "callback") if open_ else None,
            "done_at": entry.get("done_at"), "done_by": entry.get("done_by"), "done_note": entry.get("done_note"),
            # 补记: written down more than a few minutes after it happened (both times are shown)
            "recorded_at": entry["recorded_at"], "backdated": backdated(entry["at"], entry["recorded_at"]),
            "done_recorded_at": entry.get("done_recorded_at"),
            "done_backdated": bool(entry.get("done_at") and entry.get("done_recorded_at")
                                   and backdated(entry["done_at"], entry["done_recorded_at"]))}


def _dealt_with(line: dict[str, Any]) -> str:
    """Who dealt with a log line and how (its 回电 or 落实), or what it still waits for."""
    if line.get("done_at"):
        return f"{line.get('done_by') or ''} {line.get('done_note') or ''}".strip()
    return "待落实" if line.get("awaits") == "instruction" else "待回电"


def log_cells(line: dict[str, Any]) -> list[str]:
    """A log line as every copy of the log prints it (the page's print, .xlsx, .docx): time, kind, what, who, and
    how it was dealt with — each 补记 (written down later than it happened) says when it was written."""
    short = minute_text

    when = short(line["at"]) + (f"（补记，记录于{short(line['recorded_at'])[5:]}）" if line.get("backdated") else "")
    done = ""
    if line.get("awaits"):
        done = f"{short(line['done_at'])} {_dealt_with(line)}".strip() if line.get("done_at") else _dealt_with(line)
        if line.get("done_backdated"):
            done += f"（补记，记录于{short(line['done_recorded_at'])[5:]}）"
    return [when, line["kind_name"], line["text"], line.get("by") or "", done]


LOG_TABLE_HEAD = ["时间", "补记于", "类别", "内容", "记录人", "办理情况", "办理时间", "办理补记于"]


def log_row(line: dict[str, Any]) -> list[Any]:
    """A log line as a table holds it, one fact a column (the .xlsx, .csv and .json): the same facts as
    ``log_cells``, the times as times."""
    done = _dealt_with(line) if line.get("done_at") or line.get("awaits") else ""
    return [line["at"], line["recorded_at"] if line.get("backdated") else "", line["kind_name"], line["text"],
            line.get("by") or "", done, line.get("done_at") or "",
            line.get("done_recorded_at") if line.get("done_backdated") else ""]


# ---------------------------------------------------------------- what the record holds of a window

def _in(at: str | None, window: dict[str, Any]) -> bool:
    return bool(at) and window["starts_at"] <= at < window["ends_at"]


def intake_line(row: dict[str, Any]) -> dict[str, Any]:
    said = "；".join(p for p in (row.get("place") or "", row.get("description") or "") if p)
    status = INTAKE_STATUS_WORDS.get(row["status"], row["status"])
    return {"at": row["received_at"], "kind": "intake", "kind_name": RECORD_KINDS["intake"],
            "text": f"{INTAKE_SOURCES.get(row['source'], row['source'])}：{said}（{status}）", "by": row["recorded_by"],
            "intake_id": row["id"], "incident_id": row.get("incident_id"), "awaits": None}


def record_lines(window: dict[str, Any], people: set[str], office: str, snaps: list[Any], names: dict[str, str],
                 first_actor: dict[str, str]) -> list[dict[str, Any]]:
    """What the office's people did on incidents in the window, from the snapshots (``names``: each incident's
    name; ``first_actor``: who recorded each)."""
    return [{"at": at, "kind": kind, "kind_name": RECORD_KINDS[kind], "text": f"{names[s.id]}：{text}", "by": by,
             "incident_id": s.id, "awaits": None}
            for s in snaps
            for at, kind, text, by in (*_done_by_people(s, window, people, first_actor), *_task_steps(s, window, office))]


def _done_by_people(s, window: dict[str, Any], people: set[str], first_actor: dict[str, str]):
    """The incident's recording and the calls made by ``people`` in the window, then what they sent and decided."""
    if _in(s.created_at, window) and first_actor.get(s.id) in people:
        yield s.created_at, "incident", "登记事件", first_actor[s.id]
    for c in s.calls:
        if _in(c.at, window) and c.by in people:
            who = c.reached or c.received_by
            yield (c.at, "call", f"{c.unit} {c.number} {OUTCOMES.get(c.outcome, c.outcome)}".strip()
                   + (f"（{who}）" if who else ""), c.by)
    yield from _sent_and_issued(s, window, people)


def _sent_and_issued(s, window: dict[str, Any], people: set[str]):
    """The messages sent, reports issued and changes of level made by ``people`` in the window."""
    for m in s.messages:
        if _in(m.at, window) and m.by in people:
            yield m.at, "sent", ("已发送" if m.ok else "发送失败") + f"：{m.text[:60]}", m.by
    for r in s.reports:
        if _in(r.at, window) and r.by in people:
            yield r.at, "report", r.title, r.by
    for h in s.level_history:
        if _in(h.at, window) and h.by in people and h.kind == "response":
            yield h.at, "level", f"{h.from_level or '未定级'} → {h.to_level or '未定级'}", h.by


def _task_steps(s, window: dict[str, Any], office: str):
    """The tasks the office gave in the window, and each 签收, 反馈 and 办结 it recorded."""
    for t in s.tasks:
        if _in(t.at, window) and t.office == office:
            yield t.at, "task", f"{t.title} → {t.unit}", t.by
        for step, word in ((t.signed, "签收"), *((f, "反馈") for f in t.feedback), (t.done, "办结")):
            if step is not None and _in(step.at, window) and step.office == office:
                yield step.at, "task_step", f"{t.title} {word}" + (f"：{step.note}" if step.note else ""), step.by


def compose_log(lines: list[dict[str, Any]], query: str = "") -> list[dict[str, Any]]:
    """The log's lines in time order; ``query`` keeps those whose words hold it."""
    q = query.strip()
    kept = [x for x in lines if not q or q in x["text"] or q in x["kind_name"] or q in (x.get("by") or "")]
    return sorted(kept, key=lambda x: (x["at"], x.get("entry_id") or 0))


# ---------------------------------------------------------------- the handover

def handover_content(window: dict[str, Any], following: dict[str, Any], office: str, views: list[dict[str, Any]],
                     open_entries: list[dict[str, Any]], open_intakes: list[dict[str, Any]]) -> HandoverContent:
    """What the outgoing shift hands over, made from the record (``views``: the open incidents and those with
    tasks still open, as the office sees them)."""
    given, ours_open = _open_tasks(views, office)
    return HandoverContent(
        window=window_name(window), next_window=window_name(following), incidents=_open_incidents(views),
        due_next=_due_next(views, following["ends_at"]), tasks_given=given, tasks_ours=ours_open,
        callbacks=[Note(key=f"entry:{e['id']}", at=e["at"], text=entry_line(e)["text"])
                   for e in open_entries if e["kind"] != "instruction"],
        instructions=[Instruction(key=f"entry:{e['id']}", at=e["at"], text=entry_line(e)["text"], due=e.get("due"))
                      for e in open_entries if e["kind"] == "instruction"],
        intakes=[Note(key=f"intake:{r['id']}", at=r["received_at"], text=intake_line(r)["text"]) for r in open_intakes])


def _waiting(view: dict[str, Any]) -> list[dict[str, Any]]:
    """An incident's items still owed, most urgent first, whoever owns them."""
    return [n for n in items_of(view) if n["status"] in OWED]


def _open_incidents(views: list[dict[str, Any]]) -> list[OpenIncident]:
    """The incidents not closed, each with its next owed item."""
    out = []
    for v in views:
        if v.get("final"):
            continue
        waiting = _waiting(v)
        out.append(OpenIncident(key=f"incident:{v['id']}", incident_id=v["id"], name=v["name"], state=v["state_label"],
                                level=v.get("level") or v.get("classified_level") or "",
                                next=_next_item(waiting[0]) if waiting else None))
    return out


def _due_next(views: list[dict[str, Any]], until: str) -> list[DueItem]:
    """The office's own items due before the next shift ends (or due at once), soonest first."""
    due = [DueItem(key=f"due:{v['id']}:{n['id']}", incident_id=v["id"], name=v["name"], to="、".join(n["to"]),
                   channel=n["channel_name"], due=n["due"], status=n["status"], clause=n["clause"])
           for v in views for n in _waiting(v) if ours(n) and (n["due"] is None or n["due"] < until)]
    return sorted(due, key=lambda n: n.due or "")


def _open_tasks(views: list[dict[str, Any]], office: str) -> tuple[list[OpenTask], list[OpenTask]]:
    """Tasks still open: those the office gave another unit, and those given to it."""
    given, ours_open = [], []
    for v in views:
        for t in v.get("tasks") or []:
            if t["done"] is not None:
                continue
            item = OpenTask(key=f"task:{v['id']}:{t['id']}", incident_id=v["id"], name=v["name"], title=t["title"],
                            unit=t["unit"], status=t["status_name"], due=t["due"], overdue=t["overdue"])
            if t["office"] == office and t["unit"] != office:
                given.append(item)
            elif t["mine"]:
                ours_open.append(item)
    return given, ours_open


def _next_item(n: dict[str, Any]) -> NextItem:
    return NextItem(to="、".join(n["to"]), channel=n["channel_name"], due=n["due"], status=n["status"], ours=ours(n))


def _typed(handover: dict[str, Any]) -> dict[str, Any]:
    """A handover as kept, its content read into the typed value every surface renders."""
    return {**handover, "content": HandoverContent.model_validate(handover["content"])}


# ---------------------------------------------------------------- the service (store at the edges)

def _refusal(reason: str) -> Exception:
    """The refusal the shift store raises, by its reason."""
    if reason == "gone":
        return Refused("该记录不存在或不属于本单位")
    if reason == "done":
        return Refused("该事项已办结，无需重复登记")
    return Refused("本班已交班签字，不能重复交班")


def office_people(store, office: str, duty_room: str) -> set[str]:
    """The accounts of the office's people (a user with no unit works for the instance's duty room)."""
    return {u["name"] for u in store.people.users() if (u.get("unit") or duty_room) == office}


def log_of(store, office: str, window: dict[str, Any], plans, duty_room: str, drill: bool = False, query: str = "",
           drill_id: str | None = None) -> list[dict[str, Any]]:
    """The shift's log: the room's entries and what the record holds of its people in the window."""
    people = office_people(store, office, duty_room)
    lines = [entry_line(e) for e in store.shifts.entries(office, window["starts_at"], window["ends_at"], drill)]
    for row in store.intakes.search(since=window["starts_at"], until=window["ends_at"], drill=drill, limit=1000):
        if row["recorded_by"] in people and row["received_at"] < window["ends_at"]:
            lines.append(intake_line(row))
    snaps = store.incidents.touched(window["starts_at"], window["ends_at"], drill, drill_id)
    names = {s.id: incident_name(s, plans.plan(s.plan)) for s in snaps}
    first = store.incidents.first_actors([s.id for s in snaps if _in(s.created_at, window)])
    lines += record_lines(window, people, office, snaps, names, first)
    return compose_log(lines, query)


def add_entry(store, actor: Actor, form: dict[str, Any], now: datetime, drill: bool = False,
              drill_id: str | None = None) -> dict[str, Any]:
    """An entry of the actor's office's log (来电、去电、短信传真、领导批示、其他)."""
    office = actor.office
    authorize(actor, "shift.write", OfficeThing(office))
    entry = check_entry(form, now)
    if entry["incident_id"] and not store.incidents.exists(entry["incident_id"]):
        raise NotFound("incident", entry["incident_id"])
    return store.shifts.add({**entry, "office": office, "drill": drill, "drill_id": drill_id, "recorded_by": actor.name,
                             "recorded_at": format_time(now)})


def mark_done(store, actor: Actor, entry_id: int, note: str, now: datetime, done_at: Any = None) -> None:
    """An entry's call-back made or instruction carried out (回电、已落实), by the office that logged it: another
    office's entry is not there for it (404). ``done_at``: when it happened (default now; not before the entry)."""
    if not 0 < entry_id < 2 ** 63:
        raise NotFound("entry", str(entry_id))
    entry = store.shifts.get(entry_id)
    authorize(actor, "shift.write", OfficeThing(entry["office"]))
    happened = _happened(done_at, "done_at", now, parse_time(entry["at"], "at"))
    store.shifts.mark_done(entry_id, entry["office"], actor.name, format_time(happened), clean_text(note, "note", 200),
                           _refusal, recorded_at=format_time(now))


def draft_handover(store, office: str, window: dict[str, Any], following: dict[str, Any], plans, now: datetime,
                   duty_room: str, drill: bool = False, drill_id: str | None = None) -> HandoverContent:
    """The handover as the record makes it now (not yet signed)."""
    views = []
    for s in store.incidents.list(drill=drill, drill_id=drill_id, open_only="or_follow_up"):
        views.append(kept_view(s, now, plans, office))
    open_entries = store.shifts.entries(office, drill=drill, open_only=True)
    people = office_people(store, office, duty_room)
    intakes = [r for r in store.intakes.search(drill=drill, limit=1000)
               if r["status"] == "open" and r["recorded_by"] in people]
    return handover_content(window, following, office, views, open_entries, intakes)


def _last_shift(store, shifts: list[Any], office: str, now: datetime,
                drill: bool = False) -> tuple[dict[str, Any], dict[str, Any], bool, timedelta]:
    """The current shift, the one before it, whether that one was handed over, and how long ago it ended."""
    current = window_at(shifts, office, now)
    last = previous_window(shifts, office, current)
    signed = {h["starts_at"] for h in store.shifts.handovers(office, drill=drill, limit=10)}
    return current, last, last["starts_at"] in signed, now - parse_time(last["ends_at"], "ends_at")


def shift_to_hand_over(store, shifts: list[Any], office: str, now: datetime,
                       drill: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """The shift whose handover is due now and the one that takes over: the last shift when it ended less than
    ``HANDOVER_GRACE`` ago and was not handed over, else the current one."""
    current, last, handed_over, ended = _last_shift(store, shifts, office, now, drill)
    if not handed_over and timedelta(0) <= ended < HANDOVER_GRACE:
        return last, current
    return current, next_window(shifts, office, current)


def crew_of(window: dict[str, Any], office: str, drill: bool = False) -> Crew:
    """A shift's crew as ``permissions`` checks a signature against it."""
    return Crew(office, officers=list(window.get("officers") or []), leader=window.get("leader") or "",
                rostered=bool(window.get("rostered")), drill=drill)


def sign_out(store, actor: Actor, window: dict[str, Any], following: dict[str, Any], plans, remarks: str,
             now: datetime, duty_room: str, drill: bool = False, drill_id: str | None = None) -> dict[str, Any]:
    """交班: the handover made from the record now, with the outgoing officer's remarks and signature — an officer
    or the 带班领导 of the ending shift's crew (``permissions``: ``handover.sign_out``)."""
    office = actor.office
    authorize(actor, "drill.handover" if drill else "handover.sign_out", crew_of(window, office, drill))
    content = draft_handover(store, office, window, following, plans, now, duty_room, drill, drill_id)
    row = {"id": f"h-{uuid.uuid4().hex[:12]}", "office": office, "shift": window["shift"],
           "starts_at": window["starts_at"], "ends_at": window["ends_at"], "next_ends_at": following["ends_at"],
           "outgoing": actor.name, "outgoing_at": format_time(now), "remarks": clean_text(remarks, "remarks", 2000, True),
           "content": content.as_signed(), "drill": drill, "drill_id": drill_id}
    store.shifts.sign_out(row, _refusal)
    return _typed(store.shifts.handover(row["id"]))


def sign_in(store, actor: Actor, handover_id: str, remarks: str, now: datetime, plans, duty_room: str,
            shifts: list[Any] = ()) -> dict[str, Any]:
    """接班: the incoming officer signs for the handover (not the one who signed it out): an officer or the 带班领导
    of the next shift's crew (``shifts``: the roster), while the handover page still offers the shift (until
    ``HANDOVER_GRACE`` after it ended). What the record holds open at that moment is kept beside it, so whether the
    handover carried everything can be told (a drill's report)."""
    handover = store.shifts.handover(handover_id)
    office = handover["office"]
    if handover["drill"]:
        crew = crew_of({}, office, drill=True)
    else:
        crew = crew_of(window_at(list(shifts), office, parse_time(handover["ends_at"], "ends_at")), office)
    if handover["drill"] and office != actor.office:
        raise _refusal("gone")
    if handover["outgoing"] == actor.name:
        raise Refused("交班人和接班人不能是同一人")
    authorize(actor, "handover.sign_in", crew)
    until = parse_time(handover["ends_at"], "ends_at") + HANDOVER_GRACE
    if not handover["drill"] and now > until:
        raise Refused("已过接班签字时限（%(until)s，班次结束后%(hours)s小时内），此交接班不能再接班签字；"
                      "请在本班交接班中说明", until=month_day_time(format_time(until)),
                      hours=int(HANDOVER_GRACE.total_seconds() // 3600))
    outgoing = {"shift": handover["shift"], "starts_at": handover["starts_at"], "ends_at": handover["ends_at"]}
    following = {"shift": "", "starts_at": handover["ends_at"], "ends_at": handover["next_ends_at"] or handover["ends_at"]}
    open_then = draft_handover(store, office, outgoing, following, plans, now, duty_room, handover["drill"],
                               handover["drill_id"] or None)
    store.shifts.sign_in(handover_id, actor.name, format_time(now), clean_text(remarks, "remarks", 2000, True), _refusal,
                         open_then.sections())
    return _typed(store.shifts.handover(handover_id))


def drill_findings(drill: dict[str, Any], handovers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a drill's after-action report says of its shift change: not handed over, not signed for, or the items
    open when it was signed for that the handover did not list."""
    if not any(e.get("shift_change") for e in drill["log"]):
        return []
    if not handovers:
        return [{"kind": "handover", "plan": None, "clause": "", "text": "演练中的交接班未完成：未交班签字。"}]
    h = handovers[0]
    if not h["incoming"]:
        return [{"kind": "handover", "plan": None, "clause": "",
                 "text": f"演练中的交接班未完成：{h['outgoing']}已交班签字，无人接班签字。"}]
    content = h["content"]
    told = content.carried()
    if told["carried"]:
        return [{"kind": "handover_ok", "text": f"交接班列明了接班时未结的全部{told['listed']}项事项"
                                                f"（{h['outgoing']}交班，{h['incoming']}接班）。"}]
    return [{"kind": "handover", "plan": None, "clause": "", "text": f"交接班漏列了接班时未结的{len(told['missing'])}项事项："
                                         + "；".join(content.open_at_sign_in.words(k)
                                                    for k in told["missing"]) + "。"}]


def missed(store, office: str, shifts: list[Any], now: datetime) -> str | None:
    """The last rostered shift that ended without a handover and can no longer be handed over (past
    ``HANDOVER_GRACE``): said on the handover page, so a missed 交接班 is not silently forgotten."""
    _current, last, handed_over, ended = _last_shift(store, shifts, office, now)
    return None if not last["rostered"] or ended < HANDOVER_GRACE or handed_over else window_name(last)


def unsigned(store, office: str, shifts: list[Any], now: datetime, drill: bool = False) -> dict[str, Any] | None:
    """The flag for the home page and the wall: a handover not yet signed for (接班未签), or a rostered shift that
    has ended and is still the one to hand over (交班未签: within ``HANDOVER_GRACE`` of its end — the handover page
    offers the same shift, so the flag always leads to what can be signed). None when nothing waits."""
    waiting = store.shifts.handovers(office, drill=drill, unsigned=True, limit=1)
    if waiting:
        return {"what": "incoming", "handover": _typed(waiting[0]), "window": waiting[0]["content"]["window"]}
    due, _following = shift_to_hand_over(store, shifts, office, now, drill)
    if not due["rostered"] or due["ends_at"] > format_time(now):
        return None   # an office is held to the handover of a rostered shift that has ended, never of a guessed one
    return {"what": "outgoing", "handover": None, "window": window_name(due), "starts_at": due["starts_at"]}


# ---------------------------------------------------------------- reading the handovers (the pages' one door)

def handovers(store, office: str | None = None, **filters: Any) -> list[dict[str, Any]]:
    """An office's handovers, newest first (unsigned ones, a drill's, a number of them)."""
    return [_typed(h) for h in store.shifts.handovers(office, **filters)]


def handover(store, handover_id: str) -> dict[str, Any]:
    """One handover (NotFound when there is none)."""
    return _typed(store.shifts.handover(handover_id))
