"""What leaves the office is Chinese prose — no ids, no lists, no English, no sign-in
names, units by today's name only — and 信息报告情况 never says 尚未 and 已 of the same body."""
import io
import re

import docx
import pytest

from emergency.services import documents
from emergency.services import incidents as svc
from emergency.core.clock import FixedClock
from emergency.store import open_store

FORBIDDEN = [(re.compile(r"[A-Za-z_]{3,}"), "an id or English"), (re.compile(r"[\[\]'{}]"), "list or dict syntax"),
             (re.compile("（原文："), "the plan's old name"), (re.compile("None"), "a Python None")]
ACTORS = ("值班员张三", "指挥李四")  # the sign-in names of the people who recorded, acted and issued
HEADER = {"issuer": "海门区政府总值班室", "signer": "王五", "contact": "赵六 0513-82100000", "addressee": "区委、海门区政府"}


def _docx_text(content: bytes) -> str:
    d = docx.Document(io.BytesIO(content))
    return "\n".join(p.text for p in d.paragraphs)


@pytest.fixture
def record(tmp_path):
    clock = FixedClock("2026-12-06T02:40:00+08:00")
    store = open_store(str(tmp_path / "words.db"))
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "槽罐车泄漏", "facts": {"deaths": 1, "poisoned": 3},
                              "occurred_at": "2026-12-06T02:30"}, "值班员张三", clock)
    clock.advance(minutes=5)
    snap = svc.act(store, snap.id, "record_call", snap.version, {
        "notification": "government-to-office", "unit": "区应急管理局", "number": "0513-82100000",
        "outcome": "connected", "reached": "周敏"}, "值班员张三", clock)
    snap = svc.act(store, snap.id, "record_call", snap.version, {
        "notification": "nat-493-10-city", "unit": "南通市应急管理局", "number": "0513-85000000",
        "outcome": "faxed", "document": "事故快报", "received_by": "钱七"}, "值班员张三", clock)
    snap = svc.act(store, snap.id, "activate", snap.version, {"level": "IV", "approved_by": "副区长"}, "指挥李四", clock)
    snap = svc.act(store, snap.id, "update_facts", snap.version, {"facts": {"deaths": 2}}, "值班员张三", clock)
    return store, snap, clock


def test_an_issued_first_report_reads_as_a_government_document(record):
    store, snap, clock = record
    plan = store.plans.plan("hazardous_chemicals")
    d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "first", clock.now(), store.plans, HEADER)
    issued = documents.issue(store, snap.id, d, "值班员张三", clock)
    text = _docx_text(store.documents.get(issued["document_id"])["content"])
    for pattern, what in FORBIDDEN:
        found = pattern.search(text)
        assert found is None, f"{what} in the issued report: …{text[max(0, found.start() - 30):found.end() + 30]}…"
    for actor in ACTORS:
        assert actor not in text
    reported = next(s.text for s in d.sections if s.part == "notifications")
    assert "已向区应急管理局" in reported and "接听人周敏" in reported and "签收人钱七" in reported
    done = set(re.findall(r"已向(.+?)报告", reported))
    owed = set(re.findall(r"尚需向(.+?)(?:（|报告)", reported))
    assert not {u for group in done for u in group.split("、")} & {u for group in owed for u in group.split("、")}
    groups = next(s.text for s in d.sections if s.part == "groups")
    assert "牵头单位：区应急管理局" in groups
    # addressed to the bureau, the report never tells the bureau it was reported to (by name or by who answered)
    to_bureau = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "progress", clock.now(), store.plans,
                                {**HEADER, "addressee": "区应急管理局、海门区安委办"})
    reported = next(s.text for s in to_bureau.sections if s.part == "notifications")
    assert "已向区应急管理局" not in reported and "已向海门区安委办" not in reported and "签收人钱七" in reported


def test_a_progress_report_opens_with_what_changed_since_the_last_report(record):
    store, snap, clock = record
    plan = store.plans.plan("hazardous_chemicals")
    first = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "first", clock.now(), store.plans, HEADER)
    assert "以来" not in first.opening
    documents.issue(store, snap.id, first, "值班员张三", clock)
    clock.advance(minutes=30)
    snap = store.incidents.get(snap.id)
    snap = svc.act(store, snap.id, "update_facts", snap.version, {"facts": {"deaths": 3}}, "值班员张三", clock)
    snap = svc.act(store, snap.id, "change_level", snap.version, {"level": "III", "reason": "死亡3人"}, "指挥李四", clock)
    d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "progress", clock.now(), store.plans, HEADER)
    assert "响应级别由IV级调整为III级" in d.opening and "死亡人数由2人增至3人" in d.opening
    assert d.opening.index("以来") < d.opening.index("续报如下")


def test_reports_are_numbered_per_office_and_year_and_drills_apart(record):
    store, snap, clock = record
    plan = store.plans.plan("hazardous_chemicals")
    numbers = []
    for kind in ("first", "progress"):
        d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, kind, clock.now(), store.plans, HEADER)
        issued = documents.issue(store, snap.id, d, "值班员张三", clock, prefix="海应值")
        row = store.documents.get(issued["document_id"])
        numbers.append(documents.stored_draft(row).doc_number)
        assert numbers[-1] in _docx_text(row["content"])                   # on the number line of the file
    assert numbers == ["海应值〔2026〕1号", "海应值〔2026〕2号"]
    drill = svc.report(store, {"plan": "hazardous_chemicals", "title": "演练", "drill": True, "facts": {"deaths": 1},
                               "occurred_at": "2026-12-06T02:30"}, "值班员张三", clock)
    d = documents.draft(drill, store.incidents.events(drill.id), plan, "first", clock.now(), store.plans, HEADER)
    issued = documents.issue(store, drill.id, d, "值班员张三", clock, prefix="海应值")
    assert documents.stored_draft(store.documents.get(issued["document_id"])).doc_number == "海应值〔2026〕1号（演练）"


def test_what_the_duty_room_knows_of_others_reports_is_prose_and_it_owes_only_its_own(record):
    """Whose duty it is, in the report: an account is a sentence of its own (one for every recipient it covers), never an
    event name among the measures; the issuing office's 尚需 lists its own items only."""
    store, snap, clock = record
    snap = svc.act(store, snap.id, "account_for", snap.version, {"notification": "site-to-110", "how": "known",
                                                                  "via": "来电", "source": "110公安指挥中心"},
                   "值班员张三", clock, "海门区政府总值班室")
    snap = svc.act(store, snap.id, "assign_task", snap.version, {"duty": "group:coordination", "unit": "区应急管理局",
                                                                  "due": "2026-12-06T06:00"}, "指挥李四", clock)
    plan = store.plans.plan("hazardous_chemicals")
    d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "first", clock.now(), store.plans,
                        {**HEADER, "office": "海门区政府总值班室"})
    text = "\n".join(s.text for s in d.sections)
    for pattern, what in FORBIDDEN:
        found = pattern.search(text)
        assert found is None, f"{what} in the draft: …{text[max(0, found.start() - 30):found.end() + 30]}…"
    reported = next(s.text for s in d.sections if s.part == "notifications")
    assert "据110公安指挥中心（来电）获知，事故现场人员已向110公安指挥中心、119消防指挥中心、单位负责人报告。" in reported
    assert "尚需向当地政府" not in reported                  # 单位负责人's duty, not the duty room's
    measures = next(s.text for s in d.sections if s.part == "measures")
    assert "向区应急管理局下达任务：综合协调组，完成时限12月6日6时" in measures


@pytest.mark.parametrize("event, intake, said", [
    ("海门港新区危化品重大泄露", {"place": "海门港新区"}, "海门港新区发生危化品重大泄露"),
    ("某机械厂行车倒塌", None, "发生某机械厂行车倒塌"),
    ("某厂发生爆炸", {"place": "某厂"}, "某厂发生爆炸"),
])
def test_the_opening_says_what_happened_with_its_verb(event, intake, said):
    """"2026年12月7日2时35分，海门港新区液氯槽罐车侧翻泄漏事故。" had no verb."""
    assert documents.happened(event, intake) == said


def test_a_labor_report_names_the_member_units_taking_part_by_todays_names(tmp_path):
    """The labor plan lists its member units' duties (4.3), not working groups: its report says which units take
    part, by today's names and without the directory's remarks, never each unit as a 组 led by itself."""
    from emergency.core.clock import FixedClock
    clock = FixedClock("2026-12-02T10:00:00+08:00")
    store = open_store(str(tmp_path / "l.db"))
    snap = svc.report(store, {"plan": "labor_dispute", "title": "某工地工人讨薪", "facts": {"petition": 260},
                              "occurred_at": "2026-12-02T09:00"}, "值班员张三", clock)
    level = store.incidents.get(snap.id).classified_level
    snap = svc.act(store, snap.id, "activate", store.incidents.get(snap.id).version,
                   {"level": level, "approved_by": "总指挥"}, "指挥李四", clock)
    plan = store.plans.plan("labor_dispute")
    d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "first", clock.now(), store.plans, HEADER)
    groups = next(s.text for s in d.sections if s.part == "groups")
    assert groups.startswith("本预案未设专项工作组，参与处置的成员单位为：区人社局"), groups
    assert "牵头单位" not in groups and "名称以现行机构设置为准" not in groups and "市人力资源和社会保障局" not in groups
    assert "区发改委、区工信局" in groups
    store.close()


def test_measures_are_told_in_the_order_they_were_done_at_the_time_they_were_done(tmp_path):
    """已采取的措施 as a secretary reads it: the steps the officer recorded at 05:20 for what was done in the night
    stand at the times they were done (实施时间), in that order, each by the plan's name for it with who approved."""
    clock = FixedClock("2026-12-06T05:20:00+08:00")
    store = open_store(str(tmp_path / "measures.db"))
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "液氯槽罐车侧翻泄漏", "facts": {"deaths": 1},
                              "occurred_at": "2026-12-06T02:30", "reported_at": "2026-12-06T02:35"}, "值班员张三", clock)
    for trigger, payload in (("start_first_response", {"done_at": "2026-12-06T02:40"}),
                             ("add_note", {"note": "消防救援力量已到场", "done_at": "2026-12-06T02:45"}),
                             ("assess", {"done_at": "2026-12-06T02:50"}),
                             ("activate", {"level": "IV", "approved_by": "副区长"})):
        snap = svc.act(store, snap.id, trigger, snap.version, payload, "指挥李四", clock)
    d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), store.plans.plan("hazardous_chemicals"), "first",
                        clock.now(), store.plans, {**HEADER, "office": "海门区政府总值班室"})
    measures = next(s.text for s in d.sections if s.part == "measures")
    assert measures.splitlines() == ["12月6日2时40分，开始先期处置。", "12月6日2时45分，消防救援力量已到场。",
                                     "12月6日2时50分，核实并初步判断。",
                                     "12月6日5时20分，启动应急救援预案（IV级；批准：副区长）。"]


def test_a_step_done_before_it_was_recorded_says_so_on_the_timeline(tmp_path):
    from webui import create_app
    from webui.timeline import timeline
    clock = FixedClock("2026-12-06T05:20:00+08:00")
    store = open_store(str(tmp_path / "later.db"))
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "泄漏", "facts": {"deaths": 1},
                              "occurred_at": "2026-12-06T02:30"}, "值班员张三", clock)
    snap = svc.act(store, snap.id, "start_first_response", snap.version, {"done_at": "2026-12-06T02:40"}, "值班员张三",
                   clock)
    with create_app({"DATABASE": str(tmp_path / "later.db"), "SECRET_KEY": "k" * 32, "CLOCK": clock}).test_request_context():
        lines = timeline(store.plans.plan("hazardous_chemicals"), store.incidents.events(snap.id))
    assert "（实施于 12-06 02:40，补记）" in lines[-1]["details"]


def test_a_progress_report_tells_what_was_done_after_the_last_report_even_in_its_minute(tmp_path):
    """The 续报's 处置情况 holds what the log holds after the last report's 签发 — the plan started within the minute
    of the 首报 included — and nothing told before."""
    clock = FixedClock("2026-12-06T03:00:00+08:00")
    store = open_store(str(tmp_path / "progress.db"))
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "槽罐车泄漏", "facts": {"deaths": 1},
                              "occurred_at": "2026-12-06T02:30"}, "值班员张三", clock)
    snap = svc.act(store, snap.id, "add_note", snap.version, {"note": "消防救援力量已到场"}, "值班员张三", clock)
    plan = store.plans.plan("hazardous_chemicals")
    first = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "first", clock.now(), store.plans,
                            {**HEADER, "office": "海门区政府总值班室"})
    documents.issue(store, snap.id, first, "值班员张三", clock)
    snap = store.incidents.get(snap.id)
    snap = svc.act(store, snap.id, "activate", snap.version, {"level": "IV", "approved_by": "副区长"}, "指挥李四", clock)
    d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "progress", clock.now(), store.plans,
                        {**HEADER, "office": "海门区政府总值班室"})
    told = next(s.text for s in d.sections if s.part == "measures")
    assert told == "12月6日3时00分，启动应急救援预案（IV级；批准：副区长）。"
