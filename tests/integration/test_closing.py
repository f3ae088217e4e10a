"""Closing a response as one sitting: termination's conditions ticked together, post-incident tasks handed over as one
table, and — before 结案 — everything still open on the record and on its linked record, ours and others'."""
import re

from emergency.core.clock import FixedClock
from emergency.services import incidents as svc
from emergency.store import open_store
from tests.conftest import app_with_users, signed_in

CLOCK = FixedClock("2026-11-22T09:00:00+08:00")


def _flashes(page: str) -> list[str]:
    return re.findall(r'class="flash[^"]*"[^>]*>([^<]*)', page)


def _tanker(store):
    """The tanker under hazardous chemicals (activated at IV) and the same event under environment, linked."""
    tanker = svc.report(store, {"plan": "hazardous_chemicals", "facts": {"deaths": 1}, "title": "液氯槽罐车侧翻",
                                "occurred_at": "2026-11-22T02:35", "reported_at": "2026-11-22T02:40"}, "值班员张三", CLOCK)
    tanker = svc.act(store, tanker.id, "activate", 1, {"level": "IV", "approved_by": "副区长"}, "指挥李四", CLOCK)
    spill = svc.report(store, {"plan": "environment", "facts": {"evacuated": 300}, "title": "液氯槽罐车侧翻",
                               "occurred_at": "2026-11-22T02:35", "reported_at": "2026-11-22T02:40",
                               "event_group": tanker.id}, "值班员张三", CLOCK)
    spill = svc.act(store, spill.id, "activate", 1, {"level": "IV", "approved_by": "副区长"}, "指挥李四", CLOCK)
    return tanker, spill


def test_three_termination_conditions_are_confirmed_with_one_submit(tmp_path):
    """Hazardous chemicals 3.10 "事故现场得以控制，环境符合有关标准，导致次生、衍生事故隐患消除后" — all three, one
    click: each is its own event on the timeline, and 批准现场应急结束 is open at once."""
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    tanker, _spill = _tanker(store)
    store.close()
    commander = signed_in(app, "指挥李四")
    page = commander.get(f"/incidents/{tanker.id}").get_data(as_text=True)
    form = page[page.index('data-trigger="confirm_condition"'):]
    form = form[:form.index("</form>")]
    assert form.count('type="checkbox" name="condition"') == 3
    page = commander.post(f"/incidents/{tanker.id}/act", data={
        "trigger": "confirm_condition", "expected_version": tanker.version, "csrf_token": commander.csrf,
        "condition": ["scene_controlled", "environment_meets_standards", "secondary_hazards_removed"]},
        follow_redirects=True).get_data(as_text=True)
    assert any(f.startswith("已执行：") and f.endswith("（3项）。") for f in _flashes(page)), _flashes(page)
    store = open_store(app.config["DATABASE"])
    snap = store.incidents.get(tanker.id)
    assert set(snap.confirmed_conditions) == {"scene_controlled", "environment_meets_standards",
                                              "secondary_hazards_removed"}
    assert snap.version == tanker.version + 3           # three events: each condition its own decision on the record
    terminate = page[page.index('data-trigger="terminate"'):]
    terminate = terminate[:terminate.index("</form>")]
    assert 'class="blocked"' not in terminate       # 3.10's conditions all met: 批准现场应急结束 may be taken now


def test_none_ticked_is_refused_naming_the_field(tmp_path):
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    tanker, _spill = _tanker(store)
    store.close()
    commander = signed_in(app, "指挥李四")
    page = commander.post(f"/incidents/{tanker.id}/act", data={
        "trigger": "confirm_condition", "expected_version": tanker.version, "csrf_token": commander.csrf,
        "condition": []}, follow_redirects=True).get_data(as_text=True)
    assert open_store(app.config["DATABASE"]).incidents.get(tanker.id).version == tanker.version
    assert not any(f.startswith("已执行") for f in _flashes(page))


def _to_post_incident(store, snap):
    for trigger, payload in (("confirm_condition", {"condition": "controlled"}),
                             ("terminate", {"declared_by": "海门区政府"}), ("start_post_incident", {})):
        snap = svc.act(store, snap.id, trigger, snap.version, payload, "指挥李四", CLOCK)
    return snap


def test_seven_post_incident_tasks_are_handed_over_as_one_table_with_one_due_time(tmp_path):
    """Environment 五: seven 后期处置 tasks, one table, one 统一完成时限, one submit (it took 37 actions one by one);
    the unit is filled from the task's owner, and a row's own due time wins over the table's."""
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    _tanker_snap, spill = _tanker(store)
    spill = _to_post_incident(store, spill)
    plan = store.plans.plan("environment")
    tasks = [t.id for t in plan.post_incident]
    store.close()
    assert len(tasks) == 7
    commander = signed_in(app, "指挥李四")
    page = commander.get(f"/incidents/{spill.id}").get_data(as_text=True)
    table = page[page.index('id="hand-over-table"'):]
    table = table[:table.index("</form>")]
    assert table.count('name="task"') == 7
    owner = plan.post_incident[0].owner
    assert f'name="unit-{tasks[0]}" maxlength="100" list="units-list" value="{owner}"' in table
    form = {"trigger": "hand_over_task", "expected_version": spill.version, "csrf_token": commander.csrf,
            "task": tasks, "due_all": "2027-01-31T17:00", f"due-{tasks[1]}": "2026-12-31T17:00"}
    form.update({f"unit-{t}": "海门生态环境局" for t in tasks})
    page = commander.post(f"/incidents/{spill.id}/act", data=form, follow_redirects=True).get_data(as_text=True)
    assert any("（7项）" in f for f in _flashes(page)), _flashes(page)
    snap = open_store(app.config["DATABASE"]).incidents.get(spill.id)
    assert [t.ref for t in snap.tasks] == tasks and {t.unit for t in snap.tasks} == {"海门生态环境局"}
    assert snap.tasks[1].due.startswith("2026-12-31T17:00") and snap.tasks[0].due.startswith("2027-01-31T17:00")
    assert 'id="hand-over-table"' not in page


def test_a_row_without_a_due_time_is_refused_by_name_before_any_is_handed_over(tmp_path):
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    _t, spill = _tanker(store)
    spill = _to_post_incident(store, spill)
    tasks = [t.id for t in store.plans.plan("environment").post_incident]
    store.close()
    commander = signed_in(app, "指挥李四")
    form = {"trigger": "hand_over_task", "expected_version": spill.version, "csrf_token": commander.csrf,
            "task": tasks[:2], f"due-{tasks[0]}": "2027-01-31T17:00", f"unit-{tasks[0]}": "海门生态环境局",
            f"unit-{tasks[1]}": "海门生态环境局"}
    page = commander.post(f"/incidents/{spill.id}/act", data=form, follow_redirects=True).get_data(as_text=True)
    second = open_store(app.config["DATABASE"]).plans.plan("environment").post_incident[1].name
    assert f"“{second}”的完成时限须填写（或填写统一完成时限）" in " ".join(_flashes(page)), _flashes(page)
    assert open_store(app.config["DATABASE"]).incidents.get(spill.id).tasks == []


def test_before_closing_the_page_lists_what_is_still_open_ours_others_and_the_linked_record(tmp_path):
    """结案 of the environment record: the tanker record of the same event has no 终报 and is not closed, a task handed
    over is not signed for, and another party's item is unacknowledged — each listed beside the button."""
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    _t, spill = _tanker(store)
    spill = _to_post_incident(store, spill)
    for t in store.plans.plan("environment").post_incident:
        spill = svc.act(store, spill.id, "hand_over_task", spill.version,
                        {"task": t.id, "unit": "海门生态环境局", "due": "2027-01-31T17:00"}, "指挥李四", CLOCK)
    store.close()
    page = signed_in(app, "指挥李四").get(f"/incidents/{spill.id}").get_data(as_text=True)
    box = page[page.index('id="still-open"'):]
    box = box[:box.index("</div>")]
    assert "同一事件在危险化学品事故预案下的记录（液氯槽罐车侧翻）" in box and "终报未签发" in box
    assert "海门生态环境局：" in box and "未签收" in box
    assert 'class="others' in box
