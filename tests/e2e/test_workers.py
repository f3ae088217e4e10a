"""Several server processes on one database: the race, the chain, drills and sessions hold
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
from emergency.store import open_store

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
    store = open_store(db, create=False)
    assert len(store.incidents.events(inc["id"])) == 2 and store.incidents.get(inc["id"]).version == 2
    assert store.verify() == []


def test_a_drill_polled_by_four_server_processes_fires_each_step_once(store_location, tmp_path, shared_keys,
                                                                      monkeypatch):
    for k, v in shared_keys.items():
        monkeypatch.setenv(k, v)
    db = store_location
    tokens = add_users(db, SystemClock())
    store = open_store(db)
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
    store = open_store(db, create=False)
    row = drill_runs.get_drill(store, drill["id"])
    assert row["fired"] == steps
    assert len(row["log"]) == steps, [e["message"][:30] for e in row["log"]]  # one line per step: none fired twice
    titles = [s.title for s in store.incidents.list(drill=True, drill_id=drill["id"])]
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


def _signed_in_window(base, name):
    """A browser window signed in through the sign-in form: an opener with its own cookies, and its page token."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = opener.open(base + "/login", timeout=30).read().decode()
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    opener.open(base + "/login", data=urlencode({"name": name, "password": "test-password-不是默认",
                                                 "csrf_token": csrf}).encode(), timeout=30).read()
    home = opener.open(base + "/", timeout=30).read().decode()
    return opener, home.split('name="csrf-token" content="')[1].split('"')[0]


def _previewed_first_report(opener, csrf, base, incident_id):
    """The 首报's draft as the page fills it, previewed: the form 签发 posts, with the preview's digest."""
    import html as html_text
    import re
    page = opener.open(f"{base}/incidents/{incident_id}/reports/new?kind=first", timeout=60).read().decode()
    form = dict(re.findall(r'<input (?:type="hidden" )?name="([^"]+)"[^>]*value="([^"]*)"', page))
    form.update({k: html_text.unescape(v) for k, v in
                 re.findall(r'<textarea[^>]*\sname="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S)})
    form.update(signer="甲", contact="乙 0513-1", csrf_token=csrf)
    preview = opener.open(f"{base}/incidents/{incident_id}/reports/preview", data=urlencode(form).encode(),
                          timeout=60).read().decode()
    form["previewed"] = re.search(r'name="previewed" value="([^"]+)"', preview).group(1)
    return form


def test_ten_windows_issuing_ten_reports_at_once_on_four_workers_all_succeed_numbered_without_a_gap(
        store_location, tmp_path, shared_keys, monkeypatch):
    """The outside test's finding: ten windows each issuing a different incident's 首报 at the same moment, through
    ``serve --workers 4``, each report printed by Chromium at issue. Every issue lands (the page says 已签发) and the
    ten 发文字号 are 1 to 10 of the office's sequence, none shared, none skipped."""
    import re
    for k, v in shared_keys.items():
        monkeypatch.setenv(k, v)
    db = store_location
    token = add_users(db, SystemClock())["值班员张三"]
    proc, port, log_path = serve(db, tmp_path, "--workers", "4", "--threads", "4", env=shared_keys)
    base = f"http://127.0.0.1:{port}"
    try:
        ids = []
        for i in range(10):
            status, inc = _call(base + "/api/incidents", token, {"plan": "work_safety", "title": f"某厂事故{i}",
                                                                 "occurred_at": "2026-11-22T08:00",
                                                                 "facts": {"deaths": 1}})
            assert status == 201, inc
            ids.append(inc["id"])
        windows = []
        for incident_id in ids:
            opener, csrf = _signed_in_window(base, "值班员张三")
            windows.append((opener, incident_id, _previewed_first_report(opener, csrf, base, incident_id)))
        said, barrier = {}, threading.Barrier(10, timeout=60)

        def sign(opener, incident_id, form):
            barrier.wait()
            try:
                page = opener.open(f"{base}/incidents/{incident_id}/reports", data=urlencode(form).encode(),
                                   timeout=120).read().decode()
                said[incident_id] = "已签发" if "已签发" in page else page[:300]
            except urllib.error.HTTPError as exc:
                said[incident_id] = f"HTTP {exc.code}"

        threads = [threading.Thread(target=sign, args=w) for w in windows]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert list(said.values()) == ["已签发"] * 10, (said, log_path.read_text()[-2000:])
    store = open_store(db, create=False)
    numbers = sorted(int(re.search(r"〕(\d+)号", n).group(1))
                     for (n,) in store.db.execute("SELECT doc_number FROM documents").fetchall())
    assert numbers == list(range(1, 11))
    assert store.verify() == []
