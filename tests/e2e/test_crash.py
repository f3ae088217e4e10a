"""Killing the process (SIGKILL) in the middle of a burst of transitions leaves a database whose
every incident rebuilds from its events, and nothing acknowledged is lost."""
import os
import signal
import subprocess
import sys
import textwrap
import time

from emergency.services import incidents as svc
from emergency.store import open_store

WRITER = textwrap.dedent("""
    import sys
    from emergency.services import incidents as svc
    from emergency.core.clock import FixedClock
    from emergency.store import open_store
    store = open_store(sys.argv[1])
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    i = 0
    while True:
        snap = svc.report(store, {"plan": "environment", "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:00",
                                  "reported_at": "2026-11-22T08:05"}, "w", clock)
        print("ACK", snap.id, snap.version, flush=True)
        for n in range(8):
            clock.advance(seconds=30)
            snap = svc.act(store, snap.id, "add_note", snap.version, {"note": f"n{n}"}, "w", clock)
            print("ACK", snap.id, snap.version, flush=True)
        i += 1
""")


def test_sigkill_during_a_burst_loses_nothing_acknowledged(tmp_path):
    db = tmp_path / "crash.db"
    open_store(db).close()
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True)
    acked: dict[str, int] = {}
    deadline = time.monotonic() + 60
    while len(acked) < 6 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("ACK"):
            _, iid, version = line.split()
            acked[iid] = int(version)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert len(acked) >= 6, "the writer did not get going"

    store = open_store(db)
    ids = store.incidents.incident_ids()
    assert set(acked) <= set(ids)
    for iid in ids:
        stored = store.incidents.get(iid)
        assert svc.rebuild(store, iid) == stored
        assert len(store.incidents.events(iid)) == stored.version
        assert stored.version >= acked.get(iid, 0)
