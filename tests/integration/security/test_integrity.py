"""The integrity issue: dates at the calendar's edges, idempotent creates, drills never mixing with
real incidents, length limits, a locked or full database, hostile input, backdated ticks, small
authorisation gaps. Each test failed on the code as it was."""
import json
import sqlite3
import threading
import time

import pytest

from emergency.services import incidents as svc
from emergency.core.clock import FixedClock
from emergency.store import StorageFull, open_store

from .conftest import csrf_of, new_app
from tests.refusals import refused


@pytest.fixture
def api(app):
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_TOKENS']['指挥李四']}"
    return c


def new(api, **kw):
    body = {"plan": "environment", "facts": {"deaths": 3}, "occurred_at": "2026-11-22T08:00",
            "reported_at": "2026-11-22T08:10", **kw}
    return api.post("/api/incidents", json=body)


# ---------------------------------------------------------------- 1. dates and idempotency
@pytest.mark.parametrize("field,value", [
    ("occurred_at", "0001-01-01T00:00"), ("occurred_at", "9999-12-31T20:00"), ("occurred_at", "9999-12-31T23:59-12:00"),
    ("occurred_at", "1999-12-31T23:59"), ("reported_at", "2026-11-23T09:00:01"), ("reported_at", "9999-12-31T20:00")])
def test_an_implausible_time_is_refused_and_the_board_stays_up(api, signed_in, field, value):
    r = new(api, **{field: value})
    assert r.status_code == 422 and r.json["field"] == field
    assert api.get("/api/incidents").status_code == 200
    assert signed_in().get("/").status_code == 200


def test_a_day_ahead_is_the_edge_for_a_real_incident(api):
    assert new(api, occurred_at="2026-11-23T09:00", reported_at="2026-11-23T09:00").status_code == 201
    assert new(api, occurred_at="2026-11-23T09:00:01", reported_at="2026-11-23T09:00:01").status_code == 422


def test_a_drill_may_be_set_in_scenario_time_but_not_beyond_2100(app):
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_TOKENS']['导调王五']}"
    assert new(c, drill=True, occurred_at="2030-06-01T08:00", reported_at="2030-06-01T08:10").status_code == 201
    assert new(c, drill=True, occurred_at="2100-01-01T00:00:01", reported_at="2100-01-01T00:00:01").status_code == 422


def test_a_tick_at_the_end_of_the_calendar_is_refused(api):
    inc = new(api, reported_at="2026-11-22T08:10").json
    r = api.post(f"/api/incidents/{inc['id']}/events", json={
        "trigger": "tick_notification", "expected_version": inc["version"],
        "payload": {"notification": inc["checklist"]["notifications"][0]["id"], "done_at": "9999-12-31T20:00"}})
    assert r.status_code == 422 and r.json["field"] == "payload.done_at"
    assert api.get("/api/incidents").status_code == 200


def test_one_damaged_row_is_shown_as_damaged_and_the_rest_of_the_board_works(api, store, signed_in):
    good = new(api, title="好的事件").json
    bad = new(api, title="坏的事件").json
    store.db.execute("UPDATE incidents SET snapshot = '{\"not\": \"a snapshot\"}' WHERE id = ?", [bad["id"]])
    home = signed_in().get("/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert "好的事件" in html and "记录已损坏" in html
    rows = api.get("/api/incidents").json
    assert {r["id"]: bool(r.get("damaged")) for r in rows} == {good["id"]: False, bad["id"]: True}


def test_a_retried_create_with_the_same_key_makes_one_incident(api, store):
    first = api.post("/api/incidents", json={"plan": "environment", "occurred_at": "2026-11-22T08:00"},
                     headers={"Idempotency-Key": "call-0800-001"})
    again = api.post("/api/incidents", json={"plan": "environment", "occurred_at": "2026-11-22T08:00"},
                     headers={"Idempotency-Key": "call-0800-001"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["id"] == again.json["id"]
    assert len(store.incidents.list(drill=None)) == 1


def test_the_console_form_carries_its_own_idempotency_key(signed_in, store):
    c = signed_in()
    page = c.get("/classify/environment").get_data(as_text=True)
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    form = {"plan": "environment", "occurred_at": "2026-11-22T08:00", "idempotency_key": key,
            "csrf_token": csrf_of(c, "/")}
    a, b = c.post("/incidents", data=form), c.post("/incidents", data=form)
    assert a.headers["Location"] == b.headers["Location"]
    assert len(store.incidents.list(drill=None)) == 1


# ---------------------------------------------------------------- 3. drills never mix
def test_a_drill_incident_cannot_join_a_real_event(app, api):
    real = new(api).json
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_TOKENS']['导调王五']}"
    r = new(c, drill=True, event_group=real["id"])
    assert r.status_code == 422 and r.json["field"] == "event_group"


def test_a_real_incident_cannot_name_a_drill(api):
    r = new(api, drill_id="drl-1234")
    assert r.status_code == 422 and r.json["field"] == "drill_id"


def test_the_store_itself_refuses_mixing(store):
    clock = FixedClock("2026-11-22T09:00")
    real = svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:00"}, "x", clock)
    with pytest.raises(sqlite3.IntegrityError, match="real incident cannot belong to a drill"):
        store.db.execute("INSERT INTO incidents (id, plan, state, version, drill, drill_id) "
                         "VALUES ('i2', 'environment', 'reported', 1, 0, 'drl-1')")
    with pytest.raises(sqlite3.IntegrityError, match="cannot mix drill and real"):
        store.db.execute("INSERT INTO incidents (id, plan, state, version, drill, event_group) "
                         "VALUES ('i3', 'environment', 'reported', 1, 1, ?)", [real.id])
    with pytest.raises(sqlite3.IntegrityError, match="cannot change between drill and real"):
        store.db.execute("UPDATE incidents SET drill = 1 WHERE id = ?", [real.id])


# ---------------------------------------------------------------- 5. lengths, 7. hostile input, 8. control chars
@pytest.mark.parametrize("field,value", [("event_group", "g" * 1_000_000), ("event_group", "g" * 65),
                                         ("title", "长" * 201), ("drill_id", "d" * 65),
                                         ("title", "a\x00b"), ("title", "警报\x07"), ("title", "\x1b[31m红"),
                                         ("title", "abc\u202eevil"), ("title", "\ud800")])
def test_oversized_ids_and_control_characters_are_refused(api, field, value):
    body = {"plan": "environment", "occurred_at": "2026-11-22T08:00", field: value}
    raw = json.dumps(body)  # a lone surrogate goes over the wire as the escape \ud800
    r = api.post("/api/incidents", data=raw, content_type="application/json")
    assert r.status_code == 422 and r.json["field"] == field
    assert len(r.get_data()) < 2000


def test_deeply_nested_json_is_a_400_not_a_500(api):
    r = api.post("/api/incidents", data="[" * 100_000, content_type="application/json")
    assert r.status_code == 400


@pytest.mark.parametrize("field,value", [("direct_loss_yuan", "nan"), ("direct_loss_yuan", "inf"), ("deaths", "²"),
                                         ("deaths", "١٢")])
def test_console_numbers_refuse_nan_and_unicode_digits(signed_in, field, value):
    c = signed_in()
    r = c.post("/incidents", data={"plan": "environment", "occurred_at": "2026-11-22T08:00", field: value,
                                   "csrf_token": csrf_of(c, "/")})
    assert r.status_code == 302 and "/classify/" in r.headers["Location"]


def test_a_long_note_is_refused_with_its_field(api):
    inc = new(api).json
    r = api.post(f"/api/incidents/{inc['id']}/events", json={"trigger": "add_note", "expected_version": inc["version"],
                                                            "payload": {"note": "x" * 2001}})
    assert r.status_code == 422 and r.json["field"] == "payload.note"


# ---------------------------------------------------------------- 6. a locked or full database
def test_a_write_that_cannot_get_the_lock_answers_503_and_reads_go_on(tmp_path, clock):

    from tests.conftest import add_users
    db = str(tmp_path / "lock.db")
    app = new_app({"DATABASE": db, "SECRET_KEY": "k" * 32, "CLOCK": clock, "LOCK_TIMEOUT": 0.5})
    token = add_users(db, clock)["指挥李四"]
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert new(c).status_code == 201
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        t0 = time.monotonic()
        r = new(c)
        assert r.status_code == 503 and r.headers["Retry-After"] == "5" and r.json["error"] == "busy"
        assert time.monotonic() - t0 < 10
        board = c.get("/api/incidents")
        assert board.status_code == 200 and len(board.json) == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert new(c).status_code == 201


def test_a_full_disk_is_storage_full_not_internal_error(tmp_path, clock, monkeypatch, app, api):
    store = open_store(tmp_path / "full.db")
    svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:00"}, "x", clock)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own SQLITE_FULL, as on a full disk
    with pytest.raises(StorageFull, match="存储空间已满"):
        for _ in range(50):
            svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:00", "title": "x" * 200}, "x", clock)
    import webui.api
    # the API's use cases run on the full database (the sign-in check still reads the app's own)
    monkeypatch.setattr(webui.api, "use", lambda service, *args, **kwargs: service(store, *args, **kwargs))
    r = new(api, title="y" * 200)
    assert r.status_code == 507 and "storage full" in r.json["message"]


# ---------------------------------------------------------------- 8. ticks are never backdated silently
def test_a_backdated_tick_keeps_its_recording_time_and_cannot_be_overwritten(api, app, clock, signed_in):
    inc = new(api, reported_at="2026-11-22T08:10").json
    item = inc["checklist"]["notifications"][0]["id"]
    clock.advance(minutes=30)
    r = api.post(f"/api/incidents/{inc['id']}/events", json={
        "trigger": "tick_notification", "expected_version": inc["version"],
        "payload": {"notification": item, "done_at": "2026-11-22T08:12"}})
    assert r.status_code == 200
    done = next(n for n in r.json["checklist"]["notifications"] if n["id"] == item)
    assert done["done_at"] == "2026-11-22T08:12:00+08:00" and done["recorded_at"] == "2026-11-22T09:30:00+08:00"
    assert done["backdated"] is True
    page = signed_in().get(f"/incidents/{inc['id']}").get_data(as_text=True)
    assert "补记" in page and "09:30" in page
    again = api.post(f"/api/incidents/{inc['id']}/events", json={
        "trigger": "tick_notification", "expected_version": r.json["version"], "payload": {"notification": item}})
    assert again.status_code == 409 and "never overwritten" in again.json["message"]
    before = api.post(f"/api/incidents/{inc['id']}/events", json={
        "trigger": "tick_notification", "expected_version": r.json["version"],
        "payload": {"notification": r.json["checklist"]["notifications"][1]["id"], "done_at": "2026-11-22T07:00"}})
    assert before.status_code == 422 and "before the event occurred" in before.json["message"]


# ---------------------------------------------------------------- 9. authorisation gaps
def test_an_observer_cannot_fire_a_drills_injects(app, signed_in):
    ctl = app.test_client()
    ctl.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_TOKENS']['导调王五']}"
    drill = ctl.post("/api/drills", json={"scenario": "hc-tank-leak"}).json
    obs = app.test_client()
    obs.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_TOKENS']['观察员赵六']}"
    assert obs.post(f"/api/drills/{drill['id']}/tick").status_code == 403
    assert ctl.post(f"/api/drills/{drill['id']}/tick").status_code == 200


def test_improvement_items_need_a_drill_that_exists(signed_in, store):
    c = signed_in("导调王五")
    r = c.post("/drills/drl-nope/improvements", data={"finding": "x", "owner": "y", "due": "2026-12-01",
                                                     "csrf_token": csrf_of(c, "/")})
    assert r.status_code == 404
    assert store.db.execute("SELECT count(*) FROM improvements").fetchone()[0] == 0


def test_engine_refuses_a_real_incident_on_a_drill_clock():
    store = open_store(":memory:")
    with refused("drill_id"):
        svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:00", "drill_id": "drl-1"}, "x",
                   FixedClock("2026-11-22T09:00"))


def test_concurrent_identical_creates_make_one_incident(tmp_path, clock):
    path = tmp_path / "race.db"
    open_store(path).close()
    ids, errors = [], []

    def go():
        s = open_store(path)
        try:
            ids.append(svc.report(s, {"plan": "environment", "occurred_at": "2026-11-22T08:00"}, "x", clock,
                                  idempotency_key="same-call").id)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            s.close()
    threads = [threading.Thread(target=go) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == [] and len(set(ids)) == 1
