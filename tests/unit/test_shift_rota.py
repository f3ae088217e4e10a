"""The shift's pure parts: which shift holds a moment, what a handover carries and what it must, a month
of the roster from a pattern, and a crew short of its minimum — each at its bound."""
from datetime import date

import pytest

from emergency.services.handover_model import HandoverContent
from emergency.services import rota, shift
from emergency.core.clock import parse_time
from emergency.core.errors import InputError

SHIFTS = [{"unit": "总值班室", "shift": "白班", "starts_at": "2026-11-22T08:30:00+08:00",
           "ends_at": "2026-11-22T17:30:00+08:00", "officer": "甲", "leader": "领导甲"},
          {"unit": "总值班室", "shift": "夜班", "starts_at": "2026-11-21T17:30:00+08:00",
           "ends_at": "2026-11-22T08:30:00+08:00", "officer": "乙", "leader": "领导乙"},
          {"unit": "总值班室", "shift": "夜班", "starts_at": "2026-11-21T17:30:00+08:00",
           "ends_at": "2026-11-22T08:30:00+08:00", "officer": "丙", "leader": "领导乙"}]


def at(text):
    return parse_time(f"2026-11-22T{text}:00+08:00", "at")


def test_the_shift_change_minute_belongs_to_the_incoming_shift():
    assert shift.window_at(SHIFTS, "总值班室", at("08:29"))["shift"] == "夜班"
    day = shift.window_at(SHIFTS, "总值班室", at("08:30"))
    assert day["shift"] == "白班" and day["officers"] == ["甲"] and day["rostered"]
    night = shift.window_at(SHIFTS, "总值班室", at("08:29"))
    assert night["officers"] == ["乙", "丙"] and night["leader"] == "领导乙"   # two rows of one window: one crew


def test_an_office_without_a_roster_keeps_24_hour_shifts_changing_at_0830():
    before = shift.window_at([], "区人社局", at("08:29"))
    assert (before["starts_at"], before["ends_at"]) == ("2026-11-21T08:30:00+08:00", "2026-11-22T08:30:00+08:00")
    assert not before["rostered"] and before["shift"] == "未排班"
    assert shift.window_at([], "区人社局", at("08:30"))["starts_at"] == "2026-11-22T08:30:00+08:00"


class _Shifts:
    """The store's handover list, holding what was signed."""
    def __init__(self, signed=()):
        self.signed = [{"starts_at": s} for s in signed]

    def handovers(self, office, drill=False, limit=10, unsigned=False):
        return self.signed


class _Store:
    def __init__(self, signed=()):
        self.shifts = _Shifts(signed)


@pytest.mark.parametrize("moment, handed", [("08:25", "夜班"), ("12:29", "夜班"), ("12:30", "白班")])
def test_the_night_is_the_shift_to_hand_over_until_four_hours_after_it_ended(moment, handed):
    outgoing, incoming = shift.shift_to_hand_over(_Store(), SHIFTS, "总值班室", at(moment))
    assert outgoing["shift"] == handed


def test_once_the_night_is_handed_over_the_day_shift_is_next():
    outgoing, _ = shift.shift_to_hand_over(_Store(["2026-11-21T17:30:00+08:00"]), SHIFTS, "总值班室", at("08:40"))
    assert outgoing["shift"] == "白班"


def _view(due, ours=True, status="pending", final=False, tasks=()):
    return {"id": "i1", "name": "槽罐车泄漏", "state_label": "响应中", "level": "III", "final": final,
            "checklist": {"notifications": [{"id": "n1", "to": ["南通市应急管理局"], "channel_name": "电话",
                                             "due": due, "status": status, "ours": ours, "clause": "3.1"}]},
            "tasks": list(tasks)}


NIGHT = {"shift": "夜班", "starts_at": "2026-11-21T17:30:00+08:00", "ends_at": "2026-11-22T08:30:00+08:00"}
DAY = {"shift": "白班", "starts_at": "2026-11-22T08:30:00+08:00", "ends_at": "2026-11-22T17:30:00+08:00"}


@pytest.mark.parametrize("due, listed", [("2026-11-22T17:29:00+08:00", True), ("2026-11-22T17:30:00+08:00", False),
                                         (None, True)])
def test_an_item_of_ours_is_handed_over_when_due_before_the_next_shift_ends(due, listed):
    content = shift.handover_content(NIGHT, DAY, "总值班室", [_view(due)], [], [])
    assert bool(content.due_next) is listed
    assert content.incidents[0].next.due == due      # the incident's next deadline, whoever owns it


def test_another_partys_item_and_a_closed_incident_are_not_our_handover():
    content = shift.handover_content(NIGHT, DAY, "总值班室", [_view("2026-11-22T09:00:00+08:00", ours=False)], [], [])
    assert content.due_next == [] and len(content.incidents) == 1
    closed = shift.handover_content(NIGHT, DAY, "总值班室", [_view(None, final=True, status="done")], [], [])
    assert closed.incidents == [] and closed.due_next == []


def test_tasks_are_split_into_those_we_gave_and_those_given_to_us():
    given = {"id": "t1", "done": None, "office": "总值班室", "unit": "区应急管理局", "title": "现场监测",
             "status_name": "已签收", "due": None, "overdue": False, "mine": False}   # as task_view gives them
    ours = {**given, "id": "t2", "office": "区应急管理局", "unit": "总值班室", "title": "汇总信息", "mine": True}
    done = {**given, "id": "t3", "done": {"by": "x"}}
    content = shift.handover_content(NIGHT, DAY, "总值班室", [_view(None, status="done", tasks=[given, ours, done])],
                                     [], [])
    assert [t.title for t in content.tasks_given] == ["现场监测"]
    assert [t.title for t in content.tasks_ours] == ["汇总信息"]


def test_a_handover_that_left_out_an_item_open_when_it_was_signed_for_is_told():
    open_then = shift.handover_content(NIGHT, DAY, "总值班室", [_view("2026-11-22T09:00:00+08:00")], [], [])
    empty = shift.handover_content(NIGHT, DAY, "总值班室", [], [], [])
    signed_for = open_then.model_copy(update={"open_at_sign_in": open_then})
    assert signed_for.carried() == {"carried": True, "missing": [], "listed": 2}
    told = empty.model_copy(update={"open_at_sign_in": open_then}).carried()
    assert not told["carried"] and told["missing"] == ["due:i1:n1", "incident:i1"]
    assert empty.model_copy(update={"open_at_sign_in": open_then}).open_at_sign_in.words("due:i1:n1").startswith(
        "下一班到期的本单位报告事项：")                                  # the missing item in words, never its key


def test_an_entry_in_the_future_or_an_instruction_without_its_leader_is_refused():
    now = at("09:00")
    with pytest.raises(InputError) as late:
        shift.check_entry({"kind": "note", "text": "x", "at": "2026-11-22T09:02"}, now)
    assert late.value.field == "at"
    assert shift.check_entry({"kind": "note", "text": "x", "at": "2026-11-22T09:01"}, now)["at"].endswith("09:01:00+08:00")
    with pytest.raises(InputError) as leaderless:
        shift.check_entry({"kind": "instruction", "text": "连夜核查"}, now)
    assert leaderless.value.field == "instruction_leader"
    assert not shift.check_entry({"kind": "note", "text": "x", "callback": "1"}, now)["callback"]  # only calls wait
    assert shift.check_entry({"kind": "call_in", "text": "x", "callback": "1"}, now)["callback"]


CAL = rota.Calendar.model_validate({"years": {"2026": {"source": "测试", "holidays": [
    {"from": "2026-10-01", "to": "2026-10-03", "name": "国庆节"}], "workdays": [{"date": "2026-10-10", "name": "调休"}]}}})
PATTERN = rota.Pattern.model_validate({
    "unit": "总值班室", "minimum": {"officers": 2},
    "workday": [{"shift": "白班", "start": "08:30", "end": "17:30", "officers": 2},
                {"shift": "夜班", "start": "17:30", "end": "08:30", "officers": 2}],
    "rest_day": [{"shift": "24小时班", "start": "08:30", "end": "08:30", "officers": 2}],
    "officers": [{"name": n} for n in "甲乙丙丁戊"], "leaders": [{"name": "领导一"}, {"name": "领导二"}]})


def test_a_month_follows_the_calendar_and_the_officers_take_turns_across_days():
    rows = rota.generate(PATTERN, "2026-10", CAL)
    days = {}
    for r in rows:
        days.setdefault(r["starts_at"][:10], []).append((r["shift"], r["officer"], r["leader"]))
    assert [s for s, _o, _l in days["2026-10-03"]] == ["24小时班", "24小时班"]          # a holiday
    assert [s for s, _o, _l in days["2026-10-05"]] == ["白班", "白班", "夜班", "夜班"]    # Monday after the holiday
    assert [s for s, _o, _l in days["2026-10-10"]] == ["白班", "白班", "夜班", "夜班"]    # a Saturday worked
    assert [s for s, _o, _l in days["2026-10-11"]] == ["24小时班", "24小时班"]            # Sunday
    assert [o for _s, o, _l in days["2026-10-01"] + days["2026-10-02"]] == ["甲", "乙", "丙", "丁"]
    assert {lead for _s, _o, lead in days["2026-10-02"]} == {"领导二"}
    assert rota.generate(PATTERN, "2026-10", CAL, start_with=2)[0]["officer"] == "丙"


def test_a_month_the_calendar_does_not_hold_is_refused():
    with pytest.raises(InputError) as refused:
        rota.generate(PATTERN, "2027-01", CAL)
    assert refused.value.field == "month" and "2027" in str(refused.value)
    with pytest.raises(InputError):
        rota.month_bounds("2026/10")


def test_a_crew_at_its_minimum_passes_and_one_short_or_without_its_leader_is_flagged():
    rule = {"总值班室": {"officers": 2, "leader": True}}
    full = [dict(s, officer=o) for s, o in ((SHIFTS[0], "甲"), (SHIFTS[0], "乙"))]
    assert rota.understaffed(full, rule, at("08:00")) == []
    short = rota.understaffed(full[:1], rule, at("08:00"))
    assert short[0]["officers"] == 1 and short[0]["needed"] == 2 and not short[0]["no_leader"]
    leaderless = rota.understaffed([dict(s, leader="") for s in full], rule, at("08:00"))
    assert leaderless[0]["no_leader"] and leaderless[0]["officers"] == 2
    assert rota.understaffed(full[:1], rule, at("17:30")) == []          # a shift over is not flagged
    twice = [dict(SHIFTS[0], officer="甲"), dict(SHIFTS[0], officer="甲")]
    assert rota.understaffed(twice, rule, at("08:00"))[0]["officers"] == 1   # one person counted once


def test_a_pattern_with_an_anchor_or_an_unknown_field_is_refused():
    with pytest.raises(InputError) as anchor:
        rota.read_pattern("unit: &u 总值班室\nother: *u\n")
    assert "锚点" in str(anchor.value)
    with pytest.raises(InputError) as unknown:
        rota.read_pattern("unit: 总值班室\nshifts: []\n")
    assert unknown.value.field.startswith("pattern")
    assert date(2026, 10, 1) == rota.month_bounds("2026-10")[0]


def test_a_handover_reads_back_as_it_was_kept_and_one_kept_before_a_field_existed_still_reads():
    """The content is kept as JSON under the signatures: the typed value gives back the same JSON, and a handover
    kept without a later field (an incident's level, an item's clause) reads with that field empty."""
    kept = shift.handover_content(NIGHT, DAY, "总值班室", [_view("2026-11-22T09:00:00+08:00")], [], []).as_signed()
    assert HandoverContent.model_validate(kept).as_signed() == kept
    older = {**kept, "incidents": [{k: v for k, v in kept["incidents"][0].items() if k != "level"}],
             "due_next": [{k: v for k, v in kept["due_next"][0].items() if k != "clause"}]}
    read = HandoverContent.model_validate(older)
    assert read.incidents[0].level == "" and read.due_next[0].clause == "" and read.window == kept["window"]
