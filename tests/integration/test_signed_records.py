"""What was signed stays as signed: the database refuses to change or remove a signed 交接班 or a 值班日志 entry (only an
open entry's 回电/落实 is written, once), and ``verify`` names one rewritten behind the guards' back (each signature's
SHA-256 is in the audit chain). On SQLite and on PostgreSQL."""
import pytest

from emergency.core.clock import FixedClock
from emergency.services import shift
from emergency.services.permissions import Actor
from emergency.store import open_store, init_database

pytestmark = pytest.mark.both_stores
ROOM = "海门区政府总值班室"
CLOCK = FixedClock("2026-11-22T09:00:00+08:00")


@pytest.fixture
def signed(store_location):
    init_database(store_location)
    store = open_store(store_location)
    out, incoming = Actor("值班员张三", "duty_officer", ROOM), Actor("指挥李四", "commander", ROOM)
    entry = shift.add_entry(store, out, {"kind": "instruction", "leader": "区长", "text": "连夜核查化工园区"}, CLOCK.now())
    window = shift.window_at([], ROOM, CLOCK.now())
    h = shift.sign_out(store, out, window, shift.next_window([], ROOM, window), store.plans, "注意续报", CLOCK.now(), ROOM)
    yield store, h["id"], entry["id"], incoming
    store.close()


def _refused(store, sql, args):
    with pytest.raises(Exception, match="cannot be (changed|removed)"):
        with store.write() as db:
            db.execute(sql, args)


def test_a_signed_handover_and_a_log_entry_cannot_be_changed_or_removed(signed):
    store, handover_id, entry_id, incoming = signed
    _refused(store, "UPDATE handovers SET remarks = ? WHERE id = ?", ["一切正常", handover_id])
    _refused(store, "UPDATE handovers SET content = ? WHERE id = ?", ["{}", handover_id])
    _refused(store, "DELETE FROM handovers WHERE id = ?", [handover_id])
    _refused(store, "UPDATE duty_log SET text = ? WHERE id = ?", ["无事", entry_id])
    _refused(store, "DELETE FROM duty_log WHERE id = ?", [entry_id])
    if store.kind == "sqlite":     # INSERT OR REPLACE deletes the old row without a delete trigger
        _refused(store, "INSERT OR REPLACE INTO duty_log (id, office, at, kind, text, callback, drill, recorded_by, "
                        "recorded_at) VALUES (?, ?, 'x', 'note', '无事', 0, 0, 'x', 'x')", [entry_id, ROOM])
    else:
        _refused(store, "TRUNCATE handovers", [])
    shift.mark_done(store, incoming, entry_id, "已落实", CLOCK.now())          # the one change an entry takes
    _refused(store, "UPDATE duty_log SET done_note = ? WHERE id = ?", ["改过", entry_id])
    shift.sign_in(store, incoming, handover_id, "已接", CLOCK.now(), store.plans, ROOM)
    _refused(store, "UPDATE handovers SET incoming_remarks = ? WHERE id = ?", ["改过", handover_id])
    assert store.verify() == []


def _without_guards(store):
    triggers = ("handovers_signed_stay", "duty_log_entries_stay")
    with store.write() as db:
        for name in triggers:
            db.execute(f"DROP TRIGGER {name}" + (" ON handovers" if store.kind != "sqlite" and "handovers" in name
                                                 else " ON duty_log" if store.kind != "sqlite" else ""))


def test_verify_names_a_handover_and_an_entry_rewritten_behind_the_guards(signed):
    store, handover_id, entry_id, incoming = signed
    shift.sign_in(store, incoming, handover_id, "已接", CLOCK.now(), store.plans, ROOM)
    _without_guards(store)
    with store.write() as db:
        db.execute("UPDATE handovers SET remarks = ? WHERE id = ?", ["一切正常", handover_id])
        db.execute("UPDATE duty_log SET text = ? WHERE id = ?", ["无事", entry_id])
    problems = [p["problem"] for p in store.verify()]
    assert any(f"交接班 {handover_id}: changed since it was signed" in p and "handover_signed_out" in p for p in problems)
    assert any(f"交接班 {handover_id}: changed" in p and "handover_signed_in" in p for p in problems)
    assert any(f"值班日志条目 {entry_id}: changed since it was signed" in p for p in problems)


def test_a_pdf_printed_after_issue_is_kept_once_unchangeable_and_hashed(store_location):
    """A report issued while Chromium could not print: the PDF printed at its first download is kept, once — a second
    print does not replace it — the database refuses to change it, and verify names one replaced under the guard."""
    from emergency.services import documents
    from emergency.services import incidents as svc
    init_database(store_location)
    store = open_store(store_location)
    snap = svc.report(store, {"plan": "environment", "title": "河道污染", "facts": {"deaths": 1},
                              "occurred_at": "2026-11-22T08:40"}, "甲", CLOCK)
    plan = store.plans.plan_for(snap.plan, snap.plan_version)
    header = {"issuer": "海门区人民政府总值班室", "signer": "甲", "contact": "乙 0513-1"}
    d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "first", CLOCK.now(), store.plans, header)
    doc = documents.issue(store, snap.id, d, "值班员张三", CLOCK, render_pdf=lambda _d: None)["document_id"]
    assert store.documents.get(doc)["pdf"] is None
    assert store.documents.keep_pdf(doc, b"%PDF-1.4 first", "值班员张三", "2026-11-22T09:05:00+08:00") == b"%PDF-1.4 first"
    assert store.documents.keep_pdf(doc, b"%PDF-1.4 second", "值班员李四", "2026-11-22T09:06:00+08:00") == b"%PDF-1.4 first"
    assert store.documents.get(doc)["pdf"] == b"%PDF-1.4 first" and store.verify() == []
    _refused(store, "UPDATE document_pdfs SET pdf = ? WHERE document_id = ?", [b"%PDF-1.4 forged", doc])
    _refused(store, "DELETE FROM document_pdfs WHERE document_id = ?", [doc])
    with store.write() as db:
        db.execute("DROP TRIGGER document_pdfs_never_update" if store.kind == "sqlite"
                   else "DROP TRIGGER document_pdfs_never_change ON document_pdfs")
        db.execute("UPDATE document_pdfs SET pdf = ? WHERE document_id = ?", [b"%PDF-1.4 forged", doc])
    assert any(doc in p["problem"] and "PDF printed after issue" in p["problem"] for p in store.verify())
    store.close()
