"""Several server processes on one database (issue 12): the race, the chain, drills and sessions hold
because the database serialises writers, not a lock inside one process."""
import json
import secrets
from datetime import timedelta
import threading
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import urlencode

import pytest

from emergency.services import drill_runs
from emergency.core.clock import SystemClock, format_time, parse_time
from emergency.response.drills import timeline
from emergency.store import Store

from tests.conftest import add_users
from tests.serving import serve

pytestmark = pytest.mark.both_stores  # the store is what is tested: SQLite and PostgreSQL


def _call(url, token, body=None, method="POST"):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


@pytest.fixture
def shared_keys(tmp_path):
    """What several servers of one deployment share through configuration: the session and chain keys."""
    return {"EMERGENCY_SECRET_KEY": secrets.token_hex(32), "EMERGENCY_CHAIN_KEY": secrets.token_hex(32),
            "EMERGENCY_KEY_DIR": str(tmp_path / "keys")}


def _four_servers(db, tmp_path, env):
    servers = [serve(db, tmp_path, env=env, name=f"server{i}") for i in range(4)]
    return servers, [f"http://127.0.0.1:{port}/api" for _, port, _ in servers]


def test_twenty_transitions_across_four_server_processes_apply_exactly_once(store_location, tmp_path, shared_keys,
                                                                          monkeypatch):
    for k, v in shared_keys.items():
        monkeypatch.setenv(k, v)
    db = store_location
    token = add_users(db, SystemClock())["指挥李四"]
    servers, bases = _four_servers(db, tmp_path, shared_keys)
    try:
        status, inc = _call(bases[0] + "/incidents", token, {"plan": "environment", "occurred_at": "2026-11-22T08:00",
                                                             "facts": {"deaths": 1}})
        assert status == 201
        results, barrier = [], threading.Barrier(20, timeout=60)

        def operator(i):
            barrier.wait()
            results.append(_call(f"{bases[i % 4]}/incidents/{inc['id']}/events", token,
                                 {"trigger": "start_first_response", "expected_version": 1})[0])

        threads = [threading.Thread(target=operator, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for proc, _, _ in servers:
            proc.terminate()
            proc.wait(timeout=30)
    assert sorted(results) == [200] + [409] * 19
    store = Store(db, create=False)
    assert len(store.events(inc["id"])) == 2 and store.get(inc["id"]).version == 2
    assert store.verify() == []


def test_a_drill_polled_by_four_server_processes_fires_each_step_once(store_location, tmp_path, shared_keys,
                                                                      monkeypatch):
    for k, v in shared_keys.items():
        monkeypatch.setenv(k, v)
    db = store_location
    tokens = add_users(db, SystemClock())
    store = Store(db)
    drill = drill_runs.create_drill(store, "env-river-spill", "导调王五", SystemClock(),
                                    start="2026-11-22T08:00:00+08:00")
    steps = len(timeline(drill["scenario"]))
    started = drill_runs.control(store, drill["id"], "start", SystemClock())
    last = max(step["at"] for step in timeline(drill["scenario"]))
    # the drill's clock stands past its last step: every step is due at the first poll, and all pollers race for it
    assert store.drills.update(drill["id"], started["version"], {"sim_anchor": format_time(
        parse_time(started["start"], "start") + timedelta(minutes=last + 1))})
    store.close()
    servers, bases = _four_servers(db, tmp_path, shared_keys)
    try:
        stop = threading.Event()

        def poll(i):
            while not stop.is_set():
                status, view = _call(f"{bases[i % 4]}/drills/{drill['id']}/tick", tokens["导调王五"], {})
                assert status == 200, view
                if view["fired"] >= steps:
                    return

        threads = [threading.Thread(target=poll, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        stop.set()
    finally:
        for proc, _, _ in servers:
            proc.terminate()
            proc.wait(timeout=30)
    store = Store(db, create=False)
    row = drill_runs.get_drill(store, drill["id"])
    assert row["fired"] == steps
    assert len(row["log"]) == steps, [e["message"][:30] for e in row["log"]]  # one line per step: none fired twice
    titles = [s.title for s in store.list(drill=True, drill_id=drill["id"])]
    assert len(titles) == len(set(titles)), titles  # no incident opened twice
    assert store.verify() == []


def test_sessions_and_csrf_hold_across_the_workers_of_one_serve(store_location, tmp_path, shared_keys, monkeypatch):
    """``emergency serve --workers 3``: a browser session signed in on one worker is honoured by the others."""
    for k, v in shared_keys.items():
        monkeypatch.setenv(k, v)
    db = store_location
    add_users(db, SystemClock())
    proc, port, log_path = serve(db, tmp_path, "--workers", "3", "--threads", "2", env=shared_keys)
    base = f"http://127.0.0.1:{port}"
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    try:
        page = opener.open(base + "/login", timeout=30).read().decode()
        csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        body = urlencode({"name": "指挥李四", "password": "test-password-不是默认", "csrf_token": csrf}).encode()
        opener.open(base + "/login", data=body, timeout=30).read()
        for _ in range(30):  # the requests spread over the workers; each must know the session
            r = opener.open(base + "/", timeout=30)
            assert r.geturl().rstrip("/") == base, "signed out by another worker"
        home = opener.open(base + "/", timeout=30).read().decode()
        csrf = home.split('name="csrf-token" content="')[1].split('"')[0]
        req = urllib.request.Request(base + "/api/incidents", method="POST", headers={
            "Content-Type": "application/json", "X-CSRFToken": csrf},
            data=json.dumps({"plan": "environment", "occurred_at": "2026-11-22T08:00"}).encode())
        created = [opener.open(req, timeout=30).status for _ in range(6)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert created == [201] * 6, log_path.read_text()[-2000:]
    assert "workers: 3" in log_path.read_text()
