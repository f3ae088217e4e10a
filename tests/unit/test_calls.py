"""What acknowledges a notification, the next number after failed attempts, escalation at the exact
minute, and the duty roster (shifts across midnight, overlaps refused with their rows, gaps in the next 7 days)."""
from datetime import datetime, timedelta

import pytest

from emergency.response import calls

from emergency.services import callsheet, directory, roster
from emergency.core.clock import TZ
from tests.library import PLANS

AT = datetime(2026, 12, 2, 9, 0, tzinfo=TZ)


@pytest.mark.parametrize("channel, attempt, acknowledged", [
    ("phone", {"outcome": "connected", "reached": "王科长"}, True),
    ("phone", {"outcome": "connected", "reached": ""}, False),          # got through, but to whom?
    ("phone", {"outcome": "voicemail", "reached": "王科长"}, False),
    ("phone", {"outcome": "faxed", "received_by": "李某"}, False),      # a fax is not the phone report the rule asks
    ("written", {"outcome": "faxed", "received_by": "李某"}, True),
    ("written", {"outcome": "faxed"}, False),                          # sent, nobody signed yet
    ("written", {"outcome": "delivered", "received_by": "李某"}, True),
    ("written", {"outcome": "connected", "reached": "李某"}, False),   # a call is not a written report
    ("written", {"outcome": "connected", "reached": "李某", "received_by": "李某"}, True),  # receipt confirmed on a call
    ("any", {"outcome": "connected", "reached": "王科长"}, True),
    ("any", {"outcome": "delivered", "received_by": "李某"}, True),
    ("any", {"outcome": "busy"}, False),
])
def test_an_item_is_acknowledged_only_by_a_named_person(channel, attempt, acknowledged):
    assert calls.acknowledges(channel, attempt) is acknowledged


NUMBERS = [{"kind": "duty_line", "number": "0513-82100000", "who": "海门区政府", "position": ""},
           {"kind": "office_phone", "number": "0513-82100003", "who": "示例李二", "position": "值班员"},
           {"kind": "mobile", "number": "10000000001", "who": "示例张一", "position": "主任"}]


def _fails(number, n, outcome="no_answer"):
    return [{"number": number, "outcome": outcome, "at": f"2026-12-02T09:0{i}:00+08:00"} for i in range(n)]


def test_two_failed_attempts_on_a_number_suggest_the_next_one():
    first = calls.next_contact(NUMBERS, [])
    assert first["number"] == "0513-82100000" and first["tries_here"] == 0 and first["failed_before"] == []
    assert calls.next_contact(NUMBERS, [], failures=1)["number"] == "0513-82100000"   # untried is never "failed"
    one = calls.next_contact(NUMBERS, _fails("0513-82100000", 1))
    assert one["number"] == "0513-82100000" and one["tries_here"] == 1       # one failure: try it again
    two = calls.next_contact(NUMBERS, _fails("0513-82100000", 1) + _fails("0513-82100000", 1, "busy"))
    assert two["number"] == "0513-82100003"
    assert two["failed_before"] == [{"number": "0513-82100000", "who": "海门区政府", "failed": 2}]
    every = _fails("0513-82100000", 2) + _fails("0513-82100003", 2) + _fails("10000000001", 2, "voicemail")
    assert calls.next_contact(NUMBERS, every) is None                      # another way is needed
    # a call that got through or a fax is not a failure
    assert calls.next_contact(NUMBERS, _fails("0513-82100000", 2, "connected"))["number"] == "0513-82100000"


def test_progress_counts_attempts_and_finds_the_acknowledgement():
    attempts = [{"notification": "a", "outcome": "no_answer", "at": "2026-12-02T09:01:00+08:00", "acknowledged": False},
                {"notification": "a", "outcome": "connected", "at": "2026-12-02T09:03:00+08:00", "acknowledged": True},
                {"notification": "a", "outcome": "faxed", "at": "2026-12-02T09:02:00+08:00", "acknowledged": False},
                {"notification": "b", "outcome": "busy", "at": "2026-12-02T09:02:00+08:00", "acknowledged": False}]
    p = calls.progress(attempts, "a")
    assert p["count"] == 3 and p["failed"] == 1 and p["acknowledged"]["at"] == "2026-12-02T09:03:00+08:00"
    assert [a["at"][11:16] for a in p["attempts"]] == ["09:01", "09:02", "09:03"]         # oldest first
    assert calls.progress(attempts, "b")["acknowledged"] is None


def test_the_form_says_what_acknowledges_each_channel():
    assert calls.requirement("phone") == "电话接通并记录接听人"
    assert calls.requirement("written") == "传真或送达后记录签收人"
    assert calls.requirement("any") == "电话接通并记录接听人，或送达后记录签收人"


def _item(due: datetime, status="pending"):
    return {"id": "x", "status": status, "due": due.isoformat()}


def test_escalation_at_exactly_five_minutes_before_the_due_time():
    due = AT + timedelta(minutes=30)
    assert calls.escalations([_item(due)], due - timedelta(minutes=5)) != []          # at the minute: raised
    assert calls.escalations([_item(due)], due - timedelta(minutes=5, seconds=1)) == []
    assert calls.escalations([_item(due)], due - timedelta(minutes=6)) == []          # a minute earlier: not yet
    assert calls.escalations([_item(due, "overdue")], due + timedelta(minutes=1)) != []
    assert calls.escalations([_item(due, "done")], due) == []                         # acknowledged: never
    both = [_item(due, "done"), {"id": "y", "status": "pending", "due": due}]        # a datetime due works too
    assert calls.escalations(both, due) == [both[1]]                                  # a done item stops nothing
    assert calls.escalations([{"id": "y", "status": "open", "due": None}], due) == []
    assert calls.raised_at(due) == due - timedelta(minutes=5)


# ---------------------------------------------------------------- the roster

HEAD = roster.COLUMNS


def test_night_and_24_hour_shifts_end_the_next_day():
    shifts = roster.check([HEAD,
                           ["海门区政府总值班室", "2026-12-02", "白班", "08:00", "18:00", "示例甲", "10000020001", "示例领导", "10000030001"],
                           ["海门区政府总值班室", "2026-12-02", "夜班", "18:00", "08:00", "示例乙", "", "", ""],
                           ["市政府总值班室", "2026-12-03", "", "08:00", "08:00", "示例丙", "0513-82100000", "", ""]], PLANS)
    assert [(s.starts_at, s.ends_at) for s in shifts] == [
        ("2026-12-02T08:00:00+08:00", "2026-12-02T18:00:00+08:00"),
        ("2026-12-02T18:00:00+08:00", "2026-12-03T08:00:00+08:00"),
        ("2026-12-03T08:00:00+08:00", "2026-12-04T08:00:00+08:00")]
    assert shifts[2].unit == "海门区政府总值班室"                                # the plans' old name, stored as today's
    night = datetime(2026, 12, 3, 7, 59, tzinfo=TZ)
    assert roster.on_duty(shifts, "海门区政府总值班室", night).officer == "示例乙"
    assert roster.on_duty(shifts, "海门区政府总值班室", night + timedelta(minutes=1)).officer == "示例丙"  # end exclusive
    assert roster.on_duty(shifts, "海门区政府总值班室", datetime(2026, 12, 2, 7, 59, tzinfo=TZ)) is None
    assert roster.on_duty(shifts, "区应急管理局", night) is None            # another unit's shift is not its own


def test_excel_dates_and_times_and_blank_rows_are_read():
    from datetime import date, time
    shifts = roster.check([HEAD,
                           ["区应急管理局", date(2026, 12, 2), "白班", time(8, 0), time(18, 0), "示例甲", "", "", ""],
                           [None] * 9,                                                  # a blank line between days
                           ["区应急管理局", datetime(2026, 12, 2), "夜班", 0.75, 1 / 3, "示例乙", 10000020001.0, "", ""],
                           ["区应急管理局", "2026/12/3", "白班", "8：00", "18:00:00", "示例丙", "100 0002 0003", "", ""],
                           ["区应急管理局", "2026.12.3", "夜班", 0.75, 0.0, "示例丁", "", "", ""],
                           ["区应急管理局", "2026-12-04", "早班", 0.0, 0.7604166666666666, "示例戊", "", "", ""]], PLANS)
    assert [(s.starts_at, s.ends_at) for s in shifts] == [
        ("2026-12-02T08:00:00+08:00", "2026-12-02T18:00:00+08:00"),
        ("2026-12-02T18:00:00+08:00", "2026-12-03T08:00:00+08:00"),     # Excel's fractions of a day
        ("2026-12-03T08:00:00+08:00", "2026-12-03T18:00:00+08:00"),
        ("2026-12-03T18:00:00+08:00", "2026-12-04T00:00:00+08:00"),     # 0.0 is midnight
        ("2026-12-04T00:00:00+08:00", "2026-12-04T18:15:00+08:00")]
    assert [s.shift for s in shifts] == ["白班", "夜班", "白班", "夜班", "早班"]
    assert shifts[1].officer_phone == "10000020001"                     # a number Excel stored as a float
    assert shifts[2].officer_phone == "10000020003"                     # spaces dropped
    with pytest.raises(directory.ImportRefused) as exc:
        roster.check([HEAD, ["区应急管理局", "2026-12-02", "", 1.5, "18:00", "示例", "", "", ""]], PLANS)
    assert exc.value.problems[0]["column"] == "开始"                     # 1.5 days is not a time of day


def test_overlapping_shifts_and_bad_cells_are_refused_with_row_and_column():
    with pytest.raises(directory.ImportRefused) as exc:
        roster.check([HEAD,
                      ["海门区政府总值班室", "2026-12-02", "白班", "08:00", "18:00", "示例甲", "", "", ""],
                      ["海门区政府总值班室", "2026-12-02", "夜班", "17:30", "08:00", "示例乙", "", "", ""],
                      ["不存在的单位", "2026-12-02", "", "08:00", "18:00", "示例丙", "", "", ""],
                      ["区应急管理局", "2026-13-02", "", "8点", "18:00", "", "1380000", "", "10000030001"]], PLANS)
    problems = {(p["row"], p["column"]) for p in exc.value.problems}
    assert (3, "开始") in problems                                     # the overlap, on the later row
    overlap = next(p for p in exc.value.problems if p["row"] == 3)
    assert "与第2行的班次" in overlap["message"]
    assert (4, "单位") in problems
    assert {(5, "日期"), (5, "开始"), (5, "值班员"), (5, "值班员电话"), (5, "带班领导")} <= problems
    said = {(p["row"], p["column"]): p["message"] for p in exc.value.problems}
    assert "不是日期，例如2026-12-02" in said[(5, "日期")] and "不是时刻，例如08:00" in said[(5, "开始")]
    assert said[(5, "值班员")].startswith("必须填写") and "手机为11位数字" in said[(5, "值班员电话")]
    assert said[(5, "带班领导")] == "填写了带班领导电话，须同时填写带班领导姓名"
    assert "不是预案中的单位" in said[(4, "单位")]
    with pytest.raises(directory.ImportRefused) as exc:
        roster.check([HEAD, ["", "", "夜班", "", None, "", "", "", ""]], PLANS)    # only the shift filled in
    said = {p["column"]: p["message"] for p in exc.value.problems}
    assert said == {"单位": "必须填写", "日期": "必须填写，例如2026-12-02", "开始": "必须填写，例如08:00",
                    "结束": "必须填写，例如08:00", "值班员": "必须填写当班值班员"}
    with pytest.raises(directory.ImportRefused) as exc:
        roster.check([HEAD, ["区应急管理局", "2026-12-02", "", "08:00", "18:00", "示" * 101, "", "", ""]], PLANS)
    assert [(p["row"], p["column"]) for p in exc.value.problems] == [(2, "值班员")]
    assert exc.value.problems[0]["message"].startswith("值班员") and "100" in exc.value.problems[0]["message"]
    with pytest.raises(directory.ImportRefused) as exc:
        roster.check([HEAD], PLANS)
    assert exc.value.problems == [{"row": None, "column": "", "message": "文件中没有班次"}]


def test_overlaps_are_per_unit_and_found_in_any_order():
    rows = [HEAD, ["区应急管理局", "2026-12-02", "", "12:00", "20:00", "示例乙", "", "", ""],
            ["海门区政府总值班室", "2026-12-02", "", "08:00", "18:00", "示例丙", "", "", ""],   # another unit: no overlap
            ["区应急管理局", "2026-12-02", "", "08:00", "13:00", "示例甲", "", "", ""],
            ["区应急管理局", "2026-12-03", "", "08:00", "小时", "示例丁", "", "", ""]]
    with pytest.raises(directory.ImportRefused) as exc:
        roster.check(rows, PLANS)
    assert [(p["row"], p["column"]) for p in exc.value.problems] == [(2, "开始"), (5, "结束")]     # in row order
    assert exc.value.problems[0]["message"] == "区应急管理局：此班次（12-02 12:00）与第4行的班次（12-02 08:00–12-02 13:00）重叠"


def test_adjacent_shifts_are_not_an_overlap():
    shifts = roster.check([HEAD,
                           ["区应急管理局", "2026-12-02", "", "08:00", "18:00", "示例甲", "", "", ""],
                           ["区应急管理局", "2026-12-02", "", "18:00", "08:00", "示例乙", "", "", ""]], PLANS)
    assert len(shifts) == 2


def test_gaps_in_the_next_seven_days_are_found():
    rows = [HEAD] + [["区应急管理局", (AT.date() + timedelta(days=d)).isoformat(), "", "08:30", "08:30", "示例甲", "", "", ""]
                     for d in range(-1, 7)]
    shifts = roster.check(rows, PLANS)
    # 24-hour shifts from yesterday 08:30 for 8 days cover until 2026-12-09 08:30; the window ends 12-09 09:00
    assert roster.gaps(shifts, AT) == [{"unit": "区应急管理局", "from": "2026-12-09T08:30:00+08:00",
                                        "to": "2026-12-09T09:00:00+08:00"}]
    missing_day = [s for s in shifts if not s.starts_at.startswith("2026-12-04")]
    assert roster.gaps(missing_day, AT)[0] == {"unit": "区应急管理局", "from": "2026-12-04T08:30:00+08:00",
                                               "to": "2026-12-05T08:30:00+08:00"}
    assert roster.gaps([], AT) == []                                   # no roster kept: nothing to flag


def test_the_call_sheet_puts_the_officer_on_duty_after_the_duty_line():
    contacts = directory.check([directory.COLUMNS,
                                ["区应急管理局", "", "", "", "", "", "0513-82100099", ""],
                                ["区应急管理局", "示例科长", "科长", "0513-82100098", "10000000009", "", "", 1]], PLANS)
    shifts = roster.check([HEAD, ["区应急管理局", "2026-12-02", "白班", "08:00", "18:00", "示例值班", "10000020009",
                                  "示例领导", "10000030009"]], PLANS)
    grouped = directory.by_unit(contacts)
    notification = {"id": "n1", "channel": "phone", "recipients": [{"current": "区应急管理局", "plan_name": "市安监局",
                                                                    "display": "区应急管理局（原市安监局）"}]}
    line = callsheet.lines([notification], [], grouped, shifts, AT, personal=True)[0]
    assert [d["number"] for d in line["dial"][0]["numbers"]] == ["0513-82100099", "10000020009", "0513-82100098",
                                                                 "10000000009"]
    assert line["dial"][0]["suggest"]["number"] == "0513-82100099"
    hidden = callsheet.lines([notification], [], grouped, shifts, AT, personal=False)[0]
    assert [d["number"] for d in hidden["dial"][0]["numbers"]] == ["0513-82100099", "0513-82100098"]  # no mobiles
    failed = [{"notification": "n1", "unit": "市安监局", "number": "0513-82100099", "outcome": "no_answer",
               "at": f"2026-12-02T09:0{i}:00+08:00"} for i in range(2)]
    again = callsheet.lines([notification], failed, grouped, shifts, AT, personal=True)[0]
    assert again["dial"][0]["suggest"]["number"] == "10000020009"           # the officer on duty is next
    boss = callsheet.commander_on_duty(shifts, "区应急管理局", AT)
    assert boss["leader"] == "示例领导" and boss["leader_phone"] == "10000030009"
    assert callsheet.commander_on_duty(shifts, "区应急管理局", AT + timedelta(hours=9)) is None
