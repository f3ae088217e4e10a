"""The duty room's shift: the 值班日志 of a shift, the 交接班 made from the record and signed by both
officers, the unsigned handover flagged, the prints and the exports."""
import io
from datetime import datetime
import re

import pytest
from docx import Document
from openpyxl import load_workbook

from emergency.services import roster
from emergency.core.clock import FixedClock
from emergency.store import open_store

from tests.conftest import app_with_users, signed_in

NIGHT = [roster.COLUMNS,
         ["海门区政府总值班室", "2026-11-21", "白班", "08:30", "17:30", "示例值班员甲", "10000020001", "示例带班领导甲", "10000030001"],
         ["海门区政府总值班室", "2026-11-21", "夜班", "17:30", "08:30", "示例值班员乙", "10000020002", "示例带班领导乙", "10000030002"],
         ["海门区政府总值班室", "2026-11-21", "夜班", "17:30", "08:30", "值班员张三", "10000020004", "示例带班领导乙", "10000030002"],
         ["海门区政府总值班室", "2026-11-22", "白班", "08:30", "17:30", "示例值班员丙", "10000020003", "指挥李四", "10000030003"]]
# The test users sign as the roster names them: 值班员张三 is on the night crew, 指挥李四 leads the day shift after it
# (交班 by the ending crew, 接班 by the next).


@pytest.fixture
def night(tmp_path):
    """A console at 23:00 of a night shift (17:30–08:30), the duty room's roster imported."""
    clock = FixedClock("2026-11-21T23:00:00+08:00")
    app = app_with_users(str(tmp_path / "night.db"), clock, TESTING=True)
    store = open_store(app.config["DATABASE"])
    roster.replace(store, roster.check(NIGHT, store.plans), "管理员", "2026-11-20T09:00:00+08:00")
    store.close()
    return app, clock


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_an_entry_goes_into_the_shift_log_and_an_instruction_waits_until_carried_out(night):
    app, clock = night
    officer = signed_in(app, "值班员张三")
    page = officer.get("/shift").get_data(as_text=True)
    assert "11-21 17:30—11-22 08:30 夜班" in page and "示例值班员乙" in page and "示例带班领导乙" in page
    answer = officer.post("/shift/entries", data={"csrf_token": officer.csrf, "kind": "instruction", "leader": "区长",
                                                  "text": "请应急局连夜核查化工园区", "due": "2026-11-22T06:00"})
    assert answer.status_code == 302
    page = officer.get("/shift").get_data(as_text=True)
    assert "区长批示：请应急局连夜核查化工园区（11-22 06:00前落实）" in page and "待落实" in page
    entry_id = re.search(r"/shift/entries/(\d+)/done", page).group(1)
    officer.post(f"/shift/entries/{entry_id}/done", data={"csrf_token": officer.csrf, "note": "应急局已反馈无异常"})
    page = officer.get("/shift").get_data(as_text=True)
    assert "应急局已反馈无异常" in page and "待落实" not in page


def test_an_instruction_without_its_leader_is_refused_naming_the_field_and_nothing_is_written(night):
    app, _ = night
    officer = signed_in(app, "值班员张三")
    answer = officer.post("/shift/entries", data={"csrf_token": officer.csrf, "kind": "instruction", "text": "连夜核查"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "批示领导：领导批示须写明批示领导" in page  # the field, named in Chinese
    assert "本班尚无记录" in page


def test_an_observer_reads_the_log_but_cannot_write_in_it(night):
    app, _ = night
    observer = signed_in(app, "观察员赵六")
    assert observer.get("/shift").status_code == 200
    answer = observer.post("/shift/entries", data={"csrf_token": observer.csrf, "kind": "note", "text": "x"})
    assert answer.status_code == 403


def _night_shift(app, clock):
    """A night: a noise complaint kept without an incident, a tanker leak recorded as an incident, the 区长's
    instruction, and a caller who waits for a call-back."""
    officer = signed_in(app, "值班员张三")
    r = officer.post("/intake", data={"csrf_token": officer.csrf, "source": "12345", "reference": "20261121000456",
                                      "received_at": "2026-11-21T22:10", "description": "工地夜间施工噪声扰民",
                                      "matter": "A033"})
    intake_id = r.headers["Location"].rsplit("/", 1)[1]
    officer.post(f"/intake/{intake_id}/close", data={"csrf_token": officer.csrf, "reason": "转住建部门处理，不立事件"})
    clock.advance(minutes=110)   # 00:50
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_TOKENS']['值班员张三']}"
    made = api.post("/api/incidents", json={"plan": "hazardous_chemicals", "title": "临江新区槽罐车泄漏",
                                            "facts": {"deaths": 1}, "occurred_at": "2026-11-21T23:40",
                                            "reported_at": "2026-11-21T23:50"})
    assert made.status_code == 201, made.json
    officer.post("/shift/entries", data={"csrf_token": officer.csrf, "kind": "instruction", "leader": "区长",
                                         "text": "全力处置槽罐车泄漏，随时报告", "at": "2026-11-22T00:20"})
    officer.post("/shift/entries", data={"csrf_token": officer.csrf, "kind": "call_in", "party": "临江新区管委会",
                                         "phone": "0513-80000000", "text": "询问是否需要疏散", "callback": "1",
                                         "at": "2026-11-22T00:40"})
    return officer, made.json["id"]


def test_a_night_shift_is_handed_over_at_0830_with_its_open_items_and_signed_for(night):
    app, clock = night
    outgoing, incident_id = _night_shift(app, clock)
    log = outgoing.get("/shift").get_data(as_text=True)
    for said in ("工地夜间施工噪声扰民（不立事件）", "临江新区槽罐车泄漏：登记事件", "区长批示：全力处置槽罐车泄漏",
                 "临江新区管委会，0513-80000000：询问是否需要疏散", "待回电"):
        assert said in log, said
    clock.advance(hours=7, minutes=35)   # 08:25: the night's end
    draft = outgoing.get("/shift/handover").get_data(as_text=True)
    assert "11-21 17:30—11-22 08:30 夜班" in draft and "11-22 08:30—11-22 17:30 白班" in draft
    assert f'data-key="incident:{incident_id}"' in draft           # the open incident, its state and next deadline
    assert "临江新区槽罐车泄漏：接报" in draft and "下一时限" in draft
    assert "下一班到期的本单位报告事项（0）" in draft   # the duty room owns no clocked item of this plan's IV
    assert "区长批示：全力处置槽罐车泄漏" in draft and "询问是否需要疏散" in draft
    window = re.search(r'name="window" value="([^"]+)"', draft).group(1)
    signed = outgoing.post("/shift/handover", data={"csrf_token": outgoing.csrf, "window": window,
                                                    "remarks": "槽罐车现场仍在堵漏，注意续报时限"})
    assert signed.status_code == 302
    handover_id = signed.headers["Location"].rsplit("/", 1)[1]
    again = outgoing.post("/shift/handover", data={"csrf_token": outgoing.csrf, "window": window})
    assert "本班已交班签字" in again.get_data(as_text=True) or again.status_code == 302
    home = outgoing.get("/").get_data(as_text=True)
    assert 'id="handover-flag"' in home and "交接班待接班签字" in home
    refused = outgoing.post(f"/shift/handover/{handover_id}/sign-in", data={"csrf_token": outgoing.csrf})
    assert "交班人和接班人不能是同一人" in outgoing.get(refused.headers["Location"]).get_data(as_text=True)
    clock.advance(minutes=10)   # 08:35
    incoming = signed_in(app, "指挥李四")
    waiting = incoming.get("/shift/handover").get_data(as_text=True)
    assert "待接班人核对并签字" in waiting and "槽罐车现场仍在堵漏" in waiting
    incoming.post(f"/shift/handover/{handover_id}/sign-in", data={"csrf_token": incoming.csrf, "remarks": "已接"})
    done = incoming.get(f"/shift/handover/{handover_id}").get_data(as_text=True)
    assert "接班人" in done and "指挥李四" in done and "08:35" in done
    assert 'id="handover-flag"' not in incoming.get("/").get_data(as_text=True)
    wall = incoming.get("/wall").get_data(as_text=True)
    assert 'id="handover-flag"' not in wall
    store = open_store(app.config["DATABASE"])
    kinds = [r[0] for r in store.db.execute("SELECT kind FROM audit WHERE kind LIKE 'handover%' ORDER BY seq")]
    store.close()
    assert kinds == ["handover_signed_out", "handover_signed_in"]   # both signatures are chained events


def test_a_shift_not_handed_over_is_flagged_on_the_home_page_and_the_wall(night):
    app, clock = night
    clock.advance(hours=10)   # 09:00: the night shift ended at 08:30 and nobody signed its handover
    officer = signed_in(app, "值班员张三")
    for page in ("/", "/wall"):
        text = officer.get(page).get_data(as_text=True)
        assert "上一班尚未交班签字" in text and "11-21 17:30—11-22 08:30 夜班" in text, page
    # the flag leads to the shift the handover page offers, until four hours after the night ended
    assert "11-21 17:30—11-22 08:30 夜班" in officer.get("/shift/handover").get_data(as_text=True)
    clock.advance(hours=3, minutes=29)   # 12:29
    assert "上一班尚未交班签字" in officer.get("/").get_data(as_text=True)
    clock.advance(minutes=1)             # 12:30: the page now offers the day shift, and the flag says no more
    assert "上一班尚未交班签字" not in officer.get("/").get_data(as_text=True)
    page = officer.get("/shift/handover").get_data(as_text=True)
    assert "11-22 08:30—11-22 17:30 白班" in page
    assert "上一班未交接班：" in page and "11-21 17:30—11-22 08:30 夜班" in page   # said, never silently forgotten


def test_the_handover_prints_and_the_log_exports_as_excel_and_word(night):
    app, clock = night
    outgoing, _ = _night_shift(app, clock)
    clock.advance(hours=7, minutes=35)
    window = re.search(r'name="window" value="([^"]+)"', outgoing.get("/shift/handover").get_data(as_text=True)).group(1)
    handover_id = outgoing.post("/shift/handover", data={"csrf_token": outgoing.csrf, "window": window}
                                ).headers["Location"].rsplit("/", 1)[1]
    printed = outgoing.get(f"/shift/handover/{handover_id}/print").get_data(as_text=True)
    assert "海门区政府总值班室交接班记录" in printed and "交班人" in printed and "区长批示" in printed
    shift = "2026-11-21T17:30:00+08:00"
    xlsx = outgoing.get(f"/shift/log.xlsx?shift={shift}")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("时间", "补记于", "类别", "内容", "记录人", "办理情况", "办理时间", "办理补记于")
    assert any(r[2] == "领导批示" and "全力处置" in r[3] and r[5] == "待落实" for r in rows[1:])
    assert any(r[2] == "接报" and "不立事件" in r[3] for r in rows[1:])
    assert all(isinstance(r[0], datetime) for r in rows[1:])
    docx = Document(io.BytesIO(outgoing.get(f"/shift/log.docx?shift={shift}").data))
    text = "\n".join(p.text for p in docx.paragraphs)
    assert "海门区政府总值班室值班日志" in text and "11-21 17:30—11-22 08:30 夜班" in text and "【来电】" in text
    assert not re.search(r"[A-Za-z_]{4,}", text.replace("SHA", ""))   # no ids, keys or English in what leaves
    printed_log = outgoing.get(f"/shift/print?shift={shift}").get_data(as_text=True)
    assert "值班日志" in printed_log and "示例值班员乙" in printed_log


def test_the_log_is_searched_across_shifts_by_words_and_days(night):
    app, clock = night
    officer, _ = _night_shift(app, clock)
    found = officer.get("/shift?q=槽罐车&from=2026-11-21&to=2026-11-22").get_data(as_text=True)
    table = re.search(r'<table id="log-table">.*?</table>', found, re.S).group(0)
    assert "临江新区槽罐车泄漏：登记事件" in table and "区长批示：全力处置槽罐车泄漏" in table
    assert "噪声" not in table
    assert "噪声" not in officer.get("/shift?q=槽罐车").get_data(as_text=True).split('id="log-table"')[1]
    none = officer.get("/shift?q=槽罐车&from=2026-11-20&to=2026-11-20").get_data(as_text=True)
    assert "槽罐车" not in none.split('id="log-table"')[1]


def test_a_shift_handed_over_before_its_end_is_shown_as_signed_never_offered_again(night):
    """Both signatures at 05:35, before the 08:30 change: the page shows the signed handover and says the next one is
    after the shift's end; it offers no second 交班签字 for the same night."""
    app, clock = night
    clock.advance(hours=6, minutes=30)                                   # 05:30
    outgoing = signed_in(app, "值班员张三")
    draft = outgoing.get("/shift/handover").get_data(as_text=True)
    window = re.search(r'name="window" value="([^"]+)"', draft).group(1)
    handover_id = outgoing.post("/shift/handover", data={"csrf_token": outgoing.csrf, "window": window}
                                ).headers["Location"].rsplit("/", 1)[1]
    clock.advance(minutes=5)                                             # 05:35
    incoming = signed_in(app, "指挥李四")
    incoming.post(f"/shift/handover/{handover_id}/sign-in", data={"csrf_token": incoming.csrf, "remarks": "已接"})
    clock.advance(minutes=5)
    page = outgoing.get("/shift/handover").get_data(as_text=True)
    assert 'id="handed-over"' in page and "11-22 08:30" in page and 'id="signed-in"' in page
    assert 'id="sign-out-form"' not in page and 'id="sign-out"' not in page


def test_an_entry_and_its_carrying_out_take_the_time_they_happened_and_say_when_written(night):
    """The 区长's call at 23:50 written at 00:20, and its 落实 at 01:00 written at 01:30: each shows the time it
    happened and, being written later, 补记 with the time it was written — on the page, the print and the .xlsx."""
    import io

    from openpyxl import load_workbook
    app, clock = night
    clock.advance(hours=1, minutes=20)                          # 00:20 (the night fixture stands at 23:00)
    officer = signed_in(app, "值班员张三")
    officer.post("/shift/entries", data={"csrf_token": officer.csrf, "kind": "instruction", "leader": "区长",
                                         "text": "连夜核查化工园区", "at": "2026-11-21T23:50"})
    page = officer.get("/shift").get_data(as_text=True)
    assert "11-21 23:50 <small class=\"backdated\">补记（记录于11-22 00:20）</small>" in page
    entry_id = re.search(r"/shift/entries/(\d+)/done", page).group(1)
    clock.advance(hours=1, minutes=10)                          # 01:30
    refused = officer.post(f"/shift/entries/{entry_id}/done", data={"csrf_token": officer.csrf, "note": "已核查",
                                                                    "done_at": "2026-11-21T23:40"},
                           follow_redirects=True).get_data(as_text=True)
    assert "不能早于该记录本身的时间（2026-11-21 23:50）" in refused and "待落实" in refused
    officer.post(f"/shift/entries/{entry_id}/done", data={"csrf_token": officer.csrf, "note": "已核查",
                                                          "done_at": "2026-11-22T01:00"})
    page = officer.get("/shift").get_data(as_text=True)
    assert "11-22 01:00 <span lang=\"zh-CN\">值班员张三 已核查</span></span> <small class=\"backdated\">补记（记录于11-22 01:30）" in page
    printed = officer.get("/shift/print").get_data(as_text=True)
    assert "2026-11-21 23:50（补记，记录于11-22 00:20）" in printed and "（补记，记录于11-22 01:30）" in printed
    sheet = load_workbook(io.BytesIO(officer.get("/shift/log.xlsx").data)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    # one fact a column: when it happened, when it was written down, each a time
    assert any(r[0] == datetime(2026, 11, 21, 23, 50) and r[1] == datetime(2026, 11, 22, 0, 20)
               and r[6] == datetime(2026, 11, 22, 1, 0) and r[7] == datetime(2026, 11, 22, 1, 30) for r in rows), rows


def test_an_entry_more_than_seven_days_back_or_in_the_future_is_refused(night):
    app, _ = night
    officer = signed_in(app, "值班员张三")
    for at, words in (("2026-11-14T22:00", "补记不能早于7天前"), ("2026-11-21T23:10", "不能晚于现在")):
        answer = officer.post("/shift/entries", data={"csrf_token": officer.csrf, "kind": "note", "text": "x", "at": at})
        assert answer.status_code == 422 and words in answer.get_data(as_text=True)


def test_the_log_page_reads_the_roster_once_and_only_around_the_shift(night, monkeypatch):
    """A district's three-year roster is not read whole, three times, to show one night: the page reads it once,
    from two days before the shift it shows."""
    app, _clock = night
    officer = signed_in(app, "值班员张三")
    reads = []
    real = roster.load
    monkeypatch.setattr(roster, "load", lambda store, since=None: reads.append(since) or real(store, since))
    page = officer.get("/shift").get_data(as_text=True)
    assert "11-21 17:30—11-22 08:30 夜班" in page and "示例带班领导乙" in page      # the same shift as before
    assert reads == ["2026-11-19T23:00:00+08:00"]
