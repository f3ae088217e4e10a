"""Tamper evidence: a keyed chain per incident, each ending where its ledger entry says, the chained starts of
every incident (so a whole incident deleted shows), snapshots bound to their events, published anchors; verify
names what broke."""
import json
import os
import re
import sqlite3

from emergency.services import incidents as svc
from emergency.core.clock import FixedClock
from emergency.core.chains import event_hash, mac
from emergency.store import open_store
from emergency.services.users import add_user
from tests.conftest import PASSWORD, new_app
from tests.cli import emergency


def make(tmp_path):
    path = tmp_path / "chain.db"
    store = open_store(path)
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    snap = svc.report(store, {"plan": "environment", "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:00"},
                      "值班员", clock)
    for trigger, payload in [("assess", {}), ("activate", {"level": "IV", "approved_by": "区长"}),
                             ("add_note", {"note": "现场已封控"})]:
        snap = svc.act(store, snap.id, trigger, snap.version, payload, "指挥", clock)
    other = svc.report(store, {"plan": "labor_dispute", "facts": {"petition": 60}, "occurred_at": "2026-11-22T08:30"},
                       "值班员", clock)
    return path, store, snap, other


def run_verify(path, *extra):
    return emergency("verify", "--db", str(path), *extra)


def test_an_untouched_log_verifies(tmp_path):
    path, store, snap, _ = make(tmp_path)
    assert store.verify() == []
    r = run_verify(path)
    assert r.returncode == 0 and "2 incidents checked, 0 broken chains" in r.stdout
    assert svc.view(store, snap.id, FixedClock("2026-11-22T09:00").now())["chain_head"] == store.incidents.events(snap.id)[-1]["hash"]


def test_a_changed_event_is_named(tmp_path):
    path, store, snap, _ = make(tmp_path)
    store.db.execute("UPDATE events SET actor = '别人' WHERE incident_id = ? AND seq = 2", [snap.id])
    assert {"incident_id": snap.id, "seq": 2,
            "problem": "the event's content does not match its hash (it was changed)"} in store.verify()
    r = run_verify(path)
    assert r.returncode == 1 and f"BROKEN incident {snap.id} at event 2" in r.stdout


def test_a_removed_event_is_named(tmp_path):
    path, store, snap, _ = make(tmp_path)
    store.db.execute("DELETE FROM events WHERE incident_id = ? AND seq = 3", [snap.id])
    broken = store.verify()
    assert any(b["incident_id"] == snap.id and b["seq"] == 4 and "removed" in b["problem"] for b in broken)


def test_an_edited_snapshot_is_found_though_every_chain_holds(tmp_path):
    """The pages read the snapshot: editing it to level I and a new title must not pass."""
    path, store, snap, _ = make(tmp_path)
    data = json.loads(store.db.execute("SELECT snapshot FROM incidents WHERE id = ?", [snap.id]).fetchone()[0])
    data.update(level="I", title="改写的标题")
    store.db.execute("UPDATE incidents SET snapshot = ?, level = 'I' WHERE id = ?", [json.dumps(data), snap.id])
    (b,) = store.verify()
    assert b["incident_id"] == snap.id and "level" in b["problem"] and "title" in b["problem"]
    r = run_verify(path)
    assert r.returncode == 1 and "stored snapshot differs" in r.stdout


def test_deleting_the_last_events_shows_in_the_ledger(tmp_path):
    path, store, snap, other = make(tmp_path)
    store.db.execute("DELETE FROM events WHERE incident_id = ? AND seq = 4", [snap.id])  # its newest event
    broken = store.verify()
    assert any(b["incident_id"] == snap.id and "ends at entry 3 but the ledger says 4" in b["problem"]
               for b in broken), broken
    assert run_verify(path).returncode == 1


def test_deleting_a_whole_incident_with_its_ledger_entry_is_found(tmp_path):
    path, store, snap, other = make(tmp_path)
    store.db.execute("DELETE FROM events WHERE incident_id = ?", [snap.id])
    store.db.execute("DELETE FROM incidents WHERE id = ?", [snap.id])
    store.db.execute("DELETE FROM ledger WHERE chain = ?", [f"incident:{snap.id}"])
    broken = store.verify()
    assert any(b["incident_id"] == snap.id and "chain of starts is no longer in the log" in b["problem"]
               for b in broken), broken
    store.db.execute("DELETE FROM incident_starts WHERE incident_id = ?", [snap.id])   # and its start too
    assert any("chain of incident starts breaks" in b["problem"] for b in store.verify())


def test_an_incident_inserted_outside_the_service_is_found(tmp_path):
    path, store, snap, other = make(tmp_path)
    store.db.execute("DELETE FROM incident_starts WHERE incident_id = ?", [other.id])   # the last start: no break
    store.db.execute("UPDATE ledger SET count = 1 WHERE chain = 'starts'")
    broken = store.verify()
    assert any("ledger entry was changed" in b["problem"] for b in broken), broken
    assert any(b["incident_id"] == other.id and "no chained start" in b["problem"] for b in broken), broken


def test_recomputing_the_chain_without_the_key_is_found(tmp_path):
    """An attacker who edits an event and recomputes its hash with a key of their own (or plain
    SHA-256) still fails: the chain is keyed with a secret kept outside the database."""
    path, store, snap, _ = make(tmp_path)
    forged_key = b"attacker-does-not-have-the-key"
    rows = store.db.execute("SELECT incident_id, seq, trigger, payload, actor, at, state, level, classified_level, "
                            "version, prev_hash FROM events WHERE incident_id = ? ORDER BY seq", [snap.id]).fetchall()
    cols = ("incident_id", "seq", "trigger", "payload", "actor", "at", "state", "level", "classified_level",
            "version", "prev_hash")
    prev = "0" * 64
    for r in rows:
        row = dict(zip(cols, r, strict=False))
        row["actor"] = "别人"
        row["prev_hash"] = prev
        h = event_hash(row, forged_key)
        store.db.execute("UPDATE events SET actor = ?, prev_hash = ?, hash = ? WHERE incident_id = ? AND seq = ?",
                         [row["actor"], prev, h, snap.id, row["seq"]])
        prev = h
    broken = store.verify()
    assert any(b["incident_id"] == snap.id and b["seq"] == 1 for b in broken), broken
    assert mac(store.key, "x") != mac(forged_key, "x")


def test_the_chain_key_is_kept_beside_the_database_for_its_owner_only(tmp_path):
    path, store, _, _ = make(tmp_path)
    key_file = tmp_path / "chain_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert key_file.read_text().encode() not in path.read_bytes()


def test_a_published_anchor_shows_a_rollback(tmp_path):
    path, store, snap, _ = make(tmp_path)
    anchor = emergency("anchor", "--db", str(path))
    assert anchor.returncode == 0, anchor.stderr
    anchor_file = tmp_path / "anchor.json"
    anchor_file.write_text(anchor.stdout)
    assert run_verify(path, "--anchor", str(anchor_file)).returncode == 0
    # roll the whole database back to a copy taken before the last event: every chain and the ledger
    # of the copy are consistent, but the published anchor is not in it
    before = tmp_path / "before.db"
    store2 = open_store(before)
    svc.report(store2, {"plan": "environment", "facts": {}, "occurred_at": "2026-11-22T08:00"}, "值班员",
               FixedClock("2026-11-22T09:00"))
    r = run_verify(before, "--anchor", str(anchor_file))
    assert r.returncode == 1 and "published anchor" in r.stdout


def test_verify_on_a_file_that_is_not_a_database_says_so_in_one_line(tmp_path):
    bad = tmp_path / "broken.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    r = run_verify(bad)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr + r.stdout
    assert r.stdout.strip().startswith("BROKEN database") and len(r.stdout.strip().splitlines()) == 1


def test_a_broken_chain_is_announced_on_every_page_and_at_start(tmp_path):
    path, store, snap, other = make(tmp_path)
    store.db.execute("DELETE FROM events WHERE incident_id = ?", [other.id])
    store.db.execute("DELETE FROM incidents WHERE id = ?", [other.id])
    app = new_app({"DATABASE": str(path), "SECRET_KEY": "k" * 32, "CLOCK": FixedClock("2026-11-22T09:00")})
    assert app.config["CHAIN_PROBLEMS"]
    add_user(store, "指挥", "commander", PASSWORD, FixedClock("2026-11-22T09:00"))
    c = app.test_client()
    c.get("/login")
    with c.session_transaction():
        pass
    page = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    c.post("/login", data={"name": "指挥", "password": PASSWORD, "csrf_token": token})
    home = c.get("/").get_data(as_text=True)
    assert 'id="chain-warning"' in home


def test_backup_while_running_copies_a_verified_database_readable_by_its_owner_only(tmp_path):
    path, store, snap, _ = make(tmp_path)
    dest = tmp_path / "copy.db"
    r = emergency("backup", str(dest), "--db", str(path))
    assert r.returncode == 0, r.stderr
    assert open_store(dest).incidents.get(snap.id) == store.incidents.get(snap.id)
    assert oct(os.stat(dest).st_mode & 0o777) == "0o600"
    kinds = [row[0] for row in sqlite3.connect(path).execute("SELECT kind FROM audit")]
    assert "backup" in kinds
