"""Each event carries a hash of its content and of the previous event; verify names the first broken link."""
import subprocess
import sys

from emergency import incidents as svc
from emergency.clock import FixedClock
from emergency.store import Store


def make(tmp_path):
    path = tmp_path / "chain.db"
    store = Store(path)
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    snap = svc.report(store, {"plan": "environment", "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:00"},
                      "值班员", clock)
    for trigger, payload in [("assess", {}), ("activate", {"level": "IV"}), ("add_note", {"note": "现场已封控"})]:
        snap = svc.act(store, snap.id, trigger, snap.version, payload, "指挥", clock)
    return path, store, snap


def run_verify(path):
    return subprocess.run([sys.executable, "-m", "emergency.cli", "verify", "--db", str(path)],
                          capture_output=True, text=True, timeout=60)


def test_an_untouched_log_verifies(tmp_path):
    path, store, snap = make(tmp_path)
    assert store.verify() == []
    r = run_verify(path)
    assert r.returncode == 0 and "1 incidents checked, 0 broken chains" in r.stdout
    assert svc.view(store, snap.id, FixedClock("2026-11-22T09:00").now())["chain_head"] == store.events(snap.id)[-1]["hash"]


def test_a_changed_event_is_named(tmp_path):
    path, store, snap = make(tmp_path)
    store.db.execute("UPDATE events SET actor = '别人' WHERE incident_id = ? AND seq = 2", [snap.id])
    assert store.verify() == [{"incident_id": snap.id, "seq": 2,
                               "problem": "the event's content does not match its hash (it was changed)"}]
    r = run_verify(path)
    assert r.returncode == 1 and f"BROKEN incident {snap.id} at event 2" in r.stdout


def test_a_removed_event_is_named(tmp_path):
    path, store, snap = make(tmp_path)
    store.db.execute("DELETE FROM events WHERE incident_id = ? AND seq = 3", [snap.id])
    (b,) = store.verify()
    assert b["seq"] == 4 and "removed" in b["problem"]


def test_backup_while_running_copies_a_verified_database(tmp_path):
    path, store, snap = make(tmp_path)
    dest = tmp_path / "copy.db"
    r = subprocess.run([sys.executable, "-m", "emergency.cli", "backup", str(dest), "--db", str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert Store(dest).get(snap.id) == store.get(snap.id)
