"""One chain per incident: a database written with the database-wide chain is adopted by
migration m013 on both stores — every incident given its ledger entry and its chained start, the old chain checked
first — and a broken old chain stops the upgrade. Writes to two incidents then share no chain."""
import pytest

from emergency.services import incidents as svc
from emergency.core.chains import GENESIS, ledger_mac, mac
from emergency.core.clock import FixedClock
from emergency.store import open_store
from emergency.store.migrations import MigrationRefused
from tests.writers import race

pytestmark = pytest.mark.both_stores
CLOCK = FixedClock("2026-11-22T09:00:00+08:00")


def _record(store) -> list[str]:
    ids = []
    for plan, facts in (("environment", {"deaths": 1}), ("labor_dispute", {"petition": 60})):
        snap = svc.report(store, {"plan": plan, "facts": facts, "occurred_at": "2026-11-22T08:00"}, "值班员", CLOCK)
        snap = svc.act(store, snap.id, "add_note", snap.version, {"note": "现场已封控"}, "值班员", CLOCK)
        ids.append(snap.id)
    return ids


def _as_before_m013(store) -> None:
    """Put the database back as the database-wide chain left it: gseq/ghash on every event and the ledger's
    'events' entry, no per-incident entries, no starts, m013 not applied."""
    head = GENESIS
    rows = store.db.execute("SELECT id, hash FROM events ORDER BY id").fetchall()
    for n, (row_id, h) in enumerate(rows, 1):
        head = mac(store.key, head + h)
        store.db.execute("UPDATE events SET gseq = ?, ghash = ? WHERE id = ?", [n, head, row_id])
    store.db.execute("DELETE FROM ledger WHERE chain LIKE 'incident:%' OR chain = 'starts'")
    store.db.execute("INSERT INTO ledger (chain, count, head, mac) VALUES ('events', ?, ?, ?)",
                     [len(rows), head, ledger_mac(store.key, "events", len(rows), head)])
    store.db.execute("CREATE UNIQUE INDEX idx_events_gseq ON events (gseq)")
    if store.kind == "postgresql":
        store.db.execute("DROP TABLE incident_starts")
        store.db.execute("DELETE FROM _schema_migrations WHERE name = 'm013_incident_chains'")
    else:
        store.db.execute("DELETE FROM incident_starts")
        store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm013_incident_chains'")


def test_an_older_database_is_adopted_into_one_chain_per_incident(store_location):
    store = open_store(store_location)
    ids = _record(store)
    _as_before_m013(store)
    assert store.pending_migrations() == ["m013_incident_chains"]
    assert store.migrate() == ["m013_incident_chains"]
    assert store.verify() == []
    anchor = store.anchor()
    assert set(anchor["incidents"]) == set(ids) and anchor["starts"]["count"] == 2
    assert all(a["count"] == 2 for a in anchor["incidents"].values())
    assert store.db.execute("SELECT count(*) FROM ledger WHERE chain = 'events'").fetchone()[0] == 0
    snap = store.incidents.get(ids[0])
    svc.act(store, snap.id, "add_note", snap.version, {"note": "升级后续记"}, "值班员", CLOCK)
    assert store.verify() == [] and store.anchor()["incidents"][ids[0]]["count"] == 3
    store.close()


def test_a_broken_database_wide_chain_stops_the_upgrade(store_location):
    store = open_store(store_location)
    ids = _record(store)
    _as_before_m013(store)
    store.db.execute("DELETE FROM events WHERE incident_id = ? AND seq = 2", [ids[1]])   # the last event, gone
    with pytest.raises(MigrationRefused, match="总账与日志不符"):
        store.migrate()
    assert store.pending_migrations() == ["m013_incident_chains"]   # nothing half-applied
    store.close()


def test_two_incidents_written_in_turn_each_extend_only_their_own_chain(store_location):
    store = open_store(store_location)
    a, b = _record(store)
    before = store.anchor()
    snap = store.incidents.get(a)
    svc.act(store, a, "add_note", snap.version, {"note": "一"}, "值班员", CLOCK)
    after = store.anchor()
    assert after["incidents"][b] == before["incidents"][b] and after["starts"] == before["starts"]
    assert after["incidents"][a]["count"] == before["incidents"][a]["count"] + 1
    assert store.verify() == []
    store.close()


def test_notes_racing_on_one_incident_and_on_others_all_land_and_every_chain_holds(store_location):
    """Four writers at once, two on one incident and two on their own: a note cannot conflict, so each is worked
    out again when another writer got in first (PostgreSQL writes it in one statement, without a lock shared by
    all incidents); every chain verifies afterwards."""
    import threading

    setup = open_store(store_location)
    shared, own_a = _record(setup)
    own_b = svc.report(setup, {"plan": "environment", "occurred_at": "2026-11-22T08:00"}, "值班员", CLOCK).id
    setup.close()

    def notes(store, incident_id: str, n: int) -> None:
        for i in range(n):
            snap = store.incidents.get(incident_id)
            svc.act(store, incident_id, "add_note", snap.version - 1 if i % 2 else snap.version,
                    {"note": f"{threading.get_ident()}-{i}"}, "值班员", CLOCK)
    errors = race(store_location, notes, [(i, 15) for i in (shared, shared, own_a, own_b)])
    assert errors == []
    store = open_store(store_location)
    counts = {i: len(store.incidents.events(i)) for i in (shared, own_a, own_b)}
    assert counts == {shared: 2 + 30, own_a: 2 + 15, own_b: 1 + 15}
    assert store.verify() == []
    store.close()
