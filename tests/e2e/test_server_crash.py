"""SIGKILL the production server during a burst of writes: every acknowledged write is in the
database and every incident still rebuilds from its events."""
import http.client
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request

from emergency.services import incidents as svc
from emergency.core.clock import SystemClock
from emergency.store import open_store

from tests.conftest import add_users
from tests.serving import serve


def _call(url, token, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status, json.loads(r.read())


def test_sigkill_of_the_server_loses_no_acknowledged_write(tmp_path):
    db = str(tmp_path / "server.db")
    token = add_users(db, SystemClock())["指挥李四"]
    proc, port, log_path = serve(db, tmp_path)
    base = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 60
    try:
        acked: list[tuple[str, int]] = []
        lock, stop = threading.Lock(), threading.Event()

        def writer(n):
            try:
                _, inc = _call(base + "/incidents", token, {"plan": "environment", "occurred_at": "2026-11-22T08:00",
                                                            "facts": {"deaths": 1}, "title": f"w{n}"})
                with lock:
                    acked.append((inc["id"], inc["version"]))
                version = inc["version"]
                for i in range(200):
                    if stop.is_set():
                        return
                    _, view = _call(f"{base}/incidents/{inc['id']}/events", token,
                                    {"trigger": "add_note", "expected_version": version, "payload": {"note": f"{n}-{i}"}})
                    version = view["version"]
                    with lock:
                        acked.append((inc["id"], version))
            except (urllib.error.URLError, http.client.HTTPException, OSError):
                # the server was killed: the connection is refused or reset, or an answer is cut off mid-way
                # (IncompleteRead, RemoteDisconnected); a write whose answer never arrived was not acknowledged
                return

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        while len(acked) < 60 and time.monotonic() < deadline + 30:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    assert len(acked) >= 60, "the burst did not get going; server log: " + log_path.read_text()[-2000:]
    store = open_store(db)
    latest: dict[str, int] = {}
    for iid, version in acked:
        latest[iid] = max(version, latest.get(iid, 0))
    for iid, version in latest.items():
        stored = store.incidents.get(iid)
        assert stored.version >= version, f"{iid}: acknowledged version {version}, stored {stored.version}"
        assert len(store.incidents.events(iid)) == stored.version
        assert svc.rebuild(store, iid) == stored
    assert store.verify() == []
