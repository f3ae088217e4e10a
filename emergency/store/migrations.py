"""Schema migrations (sqlite-utils ``Migrations``), applied in order and recorded in ``_sqlite_migrations``.

Every schema change is a new function here, never an edit of an applied one. ``migrate`` runs them
under the write lock so two processes starting at once apply each migration once.
"""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from emergency.core.chains import GENESIS, event_hash, incident_chain, ledger_mac, legacy_event_hash, mac, start_hash
from emergency.core.errors import EmergencyError

migrations = Migrations("emergency")


class MigrationRefused(EmergencyError):
    """A migration found something it must not paper over (e.g. a broken chain before re-keying)."""


@migrations()
def m001_initial(db: Database) -> None:
    """The tables of the first version (created only where missing)."""
    db["incidents"].create({
        "id": str, "plan": str, "title": str, "drill": int, "drill_id": str, "event_group": str,
        "state": str, "level": str, "classified_level": str, "version": int, "occurred_at": str,
        "reported_at": str, "created_at": str, "updated_at": str, "closed": int, "snapshot": str,
    }, pk="id", if_not_exists=True, not_null={"plan", "state", "version", "drill"})
    db["events"].create({
        "id": int, "incident_id": str, "seq": int, "trigger": str, "payload": str, "actor": str,
        "at": str, "state": str, "level": str, "classified_level": str, "version": int,
        "prev_hash": str, "hash": str,
    }, pk="id", if_not_exists=True, foreign_keys=[("incident_id", "incidents", "id")])
    db["events"].create_index(["incident_id", "seq"], unique=True, if_not_exists=True)
    db["incidents"].create_index(["drill", "closed", "updated_at"], if_not_exists=True)
    db["incidents"].create_index(["event_group"], if_not_exists=True)
    db["incidents"].create_index(["drill_id"], if_not_exists=True)
    db["drills"].create({
        "id": str, "scenario_id": str, "title": str, "scenario": str, "seed": int, "variation": str,
        "status": str, "speed": float, "sim_anchor": str, "real_anchor": str, "start": str, "fired": int,
        "log": str, "created_at": str, "created_by": str, "finished_at": str, "version": int,
    }, pk="id", if_not_exists=True)
    db["scenarios"].create({"id": str, "yaml": str, "created_by": str, "created_at": str}, pk="id", if_not_exists=True)
    db["users"].create({"name": str, "role": str, "password_hash": str, "created_at": str}, pk="name",
                       if_not_exists=True)
    db["tokens"].create({"token_hash": str, "name": str, "created_at": str}, pk="token_hash", if_not_exists=True)
    db["improvements"].create({
        "id": int, "drill_id": str, "incident_id": str, "plan": str, "clause": str, "finding": str,
        "owner": str, "due": str, "status": str, "created_by": str, "created_at": str,
        "closed_by": str, "closed_at": str,
    }, pk="id", if_not_exists=True)


def _add(db: Database, table: str, **columns) -> None:
    have = set(db[table].columns_dict)
    for name, kind in columns.items():
        if name not in have:
            db[table].add_column(name, kind)


@migrations()
def m002_security_and_integrity(db: Database) -> None:
    """Keyed chains with a database-wide ledger, the audit chain, revocable sessions and tokens,
    idempotent creates, and drills that can never mix with real incidents (enforced by triggers)."""
    _add(db, "events", gseq=int, ghash=str)
    db["events"].create_index(["gseq"], unique=True, if_not_exists=True)
    db["ledger"].create({"chain": str, "count": int, "head": str, "mac": str}, pk="chain", if_not_exists=True)
    db["audit"].create({"seq": int, "at": str, "kind": str, "actor": str, "subject": str, "detail": str, "addr": str,
                        "prev_hash": str, "hash": str}, pk="seq", if_not_exists=True)
    db["audit"].create_index(["kind", "at"], if_not_exists=True)
    db["audit"].create_index(["subject", "kind", "at"], if_not_exists=True)
    _add(db, "incidents", idempotency_key=str)
    db["incidents"].create_index(["idempotency_key"], unique=True, if_not_exists=True)
    _add(db, "users", disabled=int, demo=int, updated_at=str)
    db["sessions"].create({"sid_hash": str, "name": str, "created_at": str, "last_seen": str, "addr": str},
                          pk="sid_hash", if_not_exists=True)
    db["sessions"].create_index(["name"], if_not_exists=True)
    _add(db, "tokens", id=str, expires_at=str, last_used_at=str, revoked_at=str)
    for sql in _DRILL_TRIGGERS:
        db.execute(sql)
    _rechain(db)


# Drills and real incidents never mix (integrity issue, point 3): the store refuses it, not only the forms.
_DRILL_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS incidents_real_has_no_drill BEFORE INSERT ON incidents
       WHEN NEW.drill = 0 AND NEW.drill_id IS NOT NULL
       BEGIN SELECT RAISE(ABORT, 'a real incident cannot belong to a drill (drill_id)'); END""",
    """CREATE TRIGGER IF NOT EXISTS incidents_group_not_mixed BEFORE INSERT ON incidents
       WHEN NEW.event_group IS NOT NULL AND EXISTS (
         SELECT 1 FROM incidents m WHERE (m.event_group = NEW.event_group OR m.id = NEW.event_group)
           AND (m.drill != NEW.drill OR coalesce(m.drill_id, '') != coalesce(NEW.drill_id, '')))
       BEGIN SELECT RAISE(ABORT, 'an event group cannot mix drill and real incidents, or two drills (event_group)'); END""",
    """CREATE TRIGGER IF NOT EXISTS incidents_drill_flag_fixed BEFORE UPDATE OF drill, drill_id, event_group ON incidents
       WHEN NEW.drill != OLD.drill OR coalesce(NEW.drill_id, '') != coalesce(OLD.drill_id, '')
         OR coalesce(NEW.event_group, '') != coalesce(OLD.event_group, '')
       BEGIN SELECT RAISE(ABORT, 'an incident cannot change between drill and real, or change its event group'); END""",
]


def _rechain(db: Database) -> None:
    """Events written before this migration carry an unkeyed SHA-256 chain. Check it, then re-key every
    event under the chain key and build the database-wide chain. A broken old chain stops the migration:
    re-keying it would launder the damage."""
    key = db._emergency_key  # set by migrate()
    cols = ("id", "incident_id", "seq", "trigger", "payload", "actor", "at", "state", "level", "classified_level",
            "version", "prev_hash", "hash")
    rows = [dict(zip(cols, r, strict=False)) for r in db.execute(
        f"SELECT {', '.join(cols)} FROM events WHERE gseq IS NULL ORDER BY id").fetchall()]
    if not rows:
        return
    heads: dict[str, str] = {}
    for r in rows:
        prev = heads.get(r["incident_id"], GENESIS)
        if r["prev_hash"] != prev or legacy_event_hash(r) != r["hash"]:
            raise MigrationRefused(f"incident {r['incident_id']} event {r['seq']}: the old chain is broken; "
                                   "restore a backup before upgrading (旧哈希链已损坏)")
        heads[r["incident_id"]] = r["hash"]
    heads.clear()
    ghead, count = GENESIS, 0
    for r in rows:
        r["prev_hash"] = heads.get(r["incident_id"], GENESIS)
        r["hash"] = event_hash(r, key)
        heads[r["incident_id"]] = r["hash"]
        count += 1
        ghead = mac(key, ghead + r["hash"])
        db.execute("UPDATE events SET prev_hash = ?, hash = ?, gseq = ?, ghash = ? WHERE id = ?",
                   [r["prev_hash"], r["hash"], count, ghead, r["id"]])
    db.execute("INSERT OR REPLACE INTO ledger (chain, count, head, mac) VALUES ('events', ?, ?, ?)",
               [count, ghead, ledger_mac(key, "events", count, ghead)])


@migrations()
def m003_intakes(db: Database) -> None:
    """接报登记: every report received, whether or not it opened an incident."""
    db["intakes"].create({
        "id": str, "source": str, "reference": str, "received_at": str, "caller": str, "callback": str,
        "place": str, "description": str, "matter": str, "late_reason": str, "drill": int, "drill_id": str,
        "recorded_by": str, "recorded_at": str, "status": str, "incident_id": str, "plan": str,
        "closed_reason": str, "closed_by": str, "closed_at": str, "drill_title": str,
    }, pk="id", if_not_exists=True, not_null={"source", "received_at", "matter", "drill", "status"})
    db["intakes"].create_index(["received_at"], if_not_exists=True)
    db["intakes"].create_index(["matter", "received_at"], if_not_exists=True)


@migrations()
def m004_plan_versions(db: Database) -> None:
    """Every plan file an incident started under, kept so the incident stays on it after the file changes."""
    db["plan_versions"].create({"version": str, "plan": str, "text": str, "first_used_at": str},
                               pk=("plan", "version"), if_not_exists=True)


@migrations()
def m005_documents(db: Database) -> None:
    """Issued reports (首报、续报、终报): the exact file, its hash (also in the incident's event), who and when.
    An issued document is never changed or removed: a correction is a new 续报."""
    db["documents"].create({
        "id": str, "incident_id": str, "kind": str, "number": int, "title": str, "filename": str, "sha256": str,
        "size": int, "content": bytes, "draft": str, "drill": int, "issued_by": str, "issued_at": str,
        "event_seq": int,
    }, pk="id", if_not_exists=True, not_null={"incident_id", "kind", "sha256", "content", "draft", "issued_at"})
    db["documents"].create_index(["incident_id", "issued_at"], if_not_exists=True)
    for when in ("UPDATE", "DELETE"):
        db.execute(f"""CREATE TRIGGER IF NOT EXISTS documents_never_{when.lower()} BEFORE {when} ON documents
                       BEGIN SELECT RAISE(ABORT, 'an issued document cannot be changed or removed'); END""")


@migrations()
def m006_contacts(db: Database) -> None:
    """The contact directory (通讯录): a unit's own lines (name empty) and its people, replaced whole on import."""
    db["contacts"].create({
        "id": int, "unit": str, "name": str, "position": str, "office_phone": str, "mobile": str, "fax": str,
        "duty_line": str, "precedence": int, "updated_by": str, "updated_at": str,
    }, pk="id", if_not_exists=True, not_null={"unit"})
    db["contacts"].create_index(["unit", "precedence"], if_not_exists=True)


@migrations()
def m007_roster(db: Database) -> None:
    """The duty roster (值班表): one row a shift of a unit, its times with +08:00; replaced per unit on import."""
    db["roster"].create({
        "id": int, "unit": str, "shift": str, "starts_at": str, "ends_at": str, "officer": str, "officer_phone": str,
        "leader": str, "leader_phone": str, "updated_by": str, "updated_at": str,
    }, pk="id", if_not_exists=True, not_null={"unit", "starts_at", "ends_at", "officer"})
    db["roster"].create_index(["unit", "starts_at"], if_not_exists=True)
    db["roster"].create_index(["ends_at"], if_not_exists=True)


@migrations()
def m008_document_renderings(db: Database) -> None:
    """What an issued report is served as, kept and hashed: the draft's hash, and the PDF printed once
    at issue with its hash (both also in the issue event). A document cannot be replaced by inserting its id
    again (INSERT OR REPLACE deleted the row without the delete trigger seeing it)."""
    db["documents"].add_column("draft_sha256", str)
    db["documents"].add_column("pdf", bytes)
    db["documents"].add_column("pdf_sha256", str)
    db.execute("""CREATE TRIGGER IF NOT EXISTS documents_never_replaced BEFORE INSERT ON documents
                  WHEN EXISTS (SELECT 1 FROM documents WHERE id = NEW.id)
                  BEGIN SELECT RAISE(ABORT, 'an issued document cannot be changed or removed'); END""")


@migrations()
def m009_document_numbers(db: Database) -> None:
    """发文字号: each issued report's number, e.g. 海应值〔2026〕12号, unique so two offices' windows
    issuing at once never share one."""
    db["documents"].add_column("doc_number", str)
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS idx_documents_doc_number ON documents (doc_number)")


@migrations()
def m010_offices(db: Database) -> None:
    """Whose duty is it: each user works for one office (a unit of the directory, by today's name); an
    incident with a task still open (handed over or assigned) stays on the receiving unit's list after it closes."""
    db["users"].add_column("unit", str)
    db["incidents"].add_column("follow_up", int, not_null_default=0)
    db.execute("CREATE INDEX IF NOT EXISTS idx_incidents_follow_up ON incidents (follow_up)")


@migrations()
def m011_report_headers(db: Database) -> None:
    """The 主送 and 抄送 an office last used for each kind of written report under each plan (``kind`` = plan/kind;
    ), offered on its next draft of that kind."""
    db["report_headers"].create({"office": str, "kind": str, "addressee": str, "copy_to": str, "updated_by": str,
                                 "updated_at": str}, pk=("office", "kind"), if_not_exists=True,
                                not_null={"office", "kind", "addressee", "copy_to", "updated_by", "updated_at"},
                                defaults={"addressee": "", "copy_to": ""})


@migrations()
def m012_shifts(db: Database) -> None:
    """The duty room's shift: the 值班日志 entries an office records (calls in and out, messages,
    leaders' instructions, free entries; what the record already holds is read from it, not copied), the
    交接班 of each shift with both signatures, the swaps asked of and decided by the 带班领导, and each unit's
    minimum staffing per shift."""
    db["duty_log"].create({
        "id": int, "office": str, "at": str, "kind": str, "party": str, "phone": str, "text": str, "leader": str,
        "due": str, "callback": int, "done_at": str, "done_by": str, "done_note": str, "incident_id": str,
        "drill": int, "drill_id": str, "recorded_by": str, "recorded_at": str,
    }, pk="id", if_not_exists=True, not_null={"office", "at", "kind", "text", "callback", "drill", "recorded_by",
                                              "recorded_at"}, defaults={"callback": 0, "drill": 0})
    db["duty_log"].create_index(["office", "at"], if_not_exists=True)
    db["handovers"].create({
        "id": str, "office": str, "shift": str, "starts_at": str, "ends_at": str, "next_ends_at": str,
        "outgoing": str, "outgoing_at": str, "remarks": str, "content": str, "incoming": str, "incoming_at": str,
        "incoming_remarks": str, "drill": int, "drill_id": str,
    }, pk="id", if_not_exists=True, not_null={"office", "starts_at", "ends_at", "outgoing", "outgoing_at",
                                              "content", "drill", "drill_id"}, defaults={"drill": 0, "drill_id": ""})
    # one handover a shift of an office: a real shift's drill_id is '' (not NULL, which a unique index lets repeat)
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS idx_handovers_office_starts_at_drill_id "
               "ON handovers (office, starts_at, drill_id)")
    db["roster_swaps"].create({
        "id": int, "unit": str, "shift_id": int, "with_shift_id": int, "from_officer": str, "to_officer": str,
        "reason": str, "requested_by": str, "requested_at": str, "status": str, "decided_by": str,
        "decided_at": str, "decision_note": str,
    }, pk="id", if_not_exists=True, not_null={"unit", "shift_id", "from_officer", "to_officer", "requested_by",
                                              "requested_at", "status"})
    db["roster_swaps"].create_index(["unit", "status"], if_not_exists=True)
    db["staffing"].create({"unit": str, "officers": int, "leader": int, "basis": str, "updated_by": str,
                           "updated_at": str}, pk="unit", if_not_exists=True, not_null={"officers", "leader"})


@migrations()
def m013_incident_chains(db: Database) -> None:
    """One chain per incident: each incident's chain ends where its ledger entry ``incident:<id>`` says,
    and the start of every incident is chained in ``incident_starts`` (ledger ``starts``). The database-wide chain
    over all events (``gseq``/``ghash``) is checked once and retired: writes to different incidents no longer
    queue on it."""
    db["incident_starts"].create({"seq": int, "incident_id": str, "at": str, "prev_hash": str, "hash": str},
                                 pk="seq", if_not_exists=True, not_null={"incident_id", "at", "prev_hash", "hash"})
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS idx_incident_starts_incident_id ON incident_starts (incident_id)")
    db.execute("DROP INDEX IF EXISTS idx_events_gseq")   # the retired chain's; a new event has no gseq
    adopt_incident_chains(db, db._emergency_key)


def adopt_incident_chains(db, key: bytes) -> None:
    """Check the database-wide chain as it stands (a broken one stops the upgrade: anchoring its incidents would
    launder the damage), then give every incident its ledger entry and its chained start, in the order they were
    recorded, and retire the database-wide chain's ledger entry. ``db.execute`` with ``?`` parameters: both stores."""
    head, count = GENESIS, 0
    for gseq, incident_id, seq, h, gh in db.execute(
            "SELECT gseq, incident_id, seq, hash, ghash FROM events ORDER BY gseq").fetchall():
        count += 1
        if gseq != count or mac(key, head + (h or "")) != gh:
            raise MigrationRefused(f"incident {incident_id} event {seq}: the database-wide chain is broken; run "
                                   "emergency verify and restore a backup before upgrading (数据库总链已损坏)")
        head = gh
    row = db.execute("SELECT count, head, mac FROM ledger WHERE chain = 'events'").fetchone()
    if count and (row is None or (row[0], row[1]) != (count, head) or row[2] != ledger_mac(key, "events", count, head)):
        raise MigrationRefused("the events ledger does not match the log (entries were deleted); run emergency verify "
                               "and restore a backup before upgrading (总账与日志不符)")
    starts, prev = 0, GENESIS
    for incident_id, created_at in db.execute("SELECT id, created_at FROM incidents ORDER BY created_at, id").fetchall():
        last = db.execute("SELECT seq, hash FROM events WHERE incident_id = ? ORDER BY seq DESC LIMIT 1",
                          [incident_id]).fetchone()
        n = db.execute("SELECT count(*) FROM events WHERE incident_id = ?", [incident_id]).fetchone()[0]
        chain, tail = incident_chain(incident_id), (last[1] if last else GENESIS)
        db.execute("INSERT INTO ledger (chain, count, head, mac) VALUES (?, ?, ?, ?)",
                   [chain, n, tail, ledger_mac(key, chain, n, tail)])
        starts += 1
        entry = {"seq": starts, "incident_id": incident_id, "at": created_at or "", "prev_hash": prev}
        entry["hash"] = start_hash(entry, key)
        db.execute("INSERT INTO incident_starts (seq, incident_id, at, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
                   [entry["seq"], incident_id, entry["at"], prev, entry["hash"]])
        prev = entry["hash"]
    if starts:
        db.execute("INSERT INTO ledger (chain, count, head, mac) VALUES ('starts', ?, ?, ?)",
                   [starts, prev, ledger_mac(key, "starts", starts, prev)])
    db.execute("DELETE FROM ledger WHERE chain = 'events'")


def migrate(store) -> list[str]:
    """Apply pending migrations to ``store`` under the write lock. Returns the names applied."""
    db = store.db
    if not migrations.pending(db):
        return []
    if store.path != ":memory:":
        db.enable_wal()
    db._emergency_key = store.key
    applied = []
    with store.write():
        for m in migrations.pending(db):  # read again under the lock: another process may have applied them
            applied.append(m.name)
        migrations.apply(db)
    return applied


@migrations()
def m014_numbers_and_signed_records(db: Database) -> None:
    """发文字号 reserved before a report is printed, each office's own prefix, and what was signed kept as signed.

    A number is taken in a short transaction of its own before the PDF is printed (a print takes seconds; a number
    taken as count + 1 beside it clashed when ten windows issued at once) and kept for the same report when the print
    or the issue fails, so the retry prints the same number and none is skipped. Each office numbers under its own
    prefix, set by the administrator. A signed 交接班 and a 值班日志 entry can no longer be changed or removed (only an
    open entry's 回电/落实 is written, once); what each signature covered is hashed into the audit chain."""
    db["document_reservations"].create({
        "number": str, "stem": str, "drill": int, "seq": int, "incident_id": str, "kind": str, "report_number": int,
        "reserved_by": str, "reserved_at": str,
    }, pk="number", if_not_exists=True, not_null={"stem", "drill", "seq", "incident_id", "kind", "report_number"})
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS idx_document_reservations_seq "
               "ON document_reservations (stem, drill, seq)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_document_reservations_report "
               "ON document_reservations (incident_id, kind, report_number)")
    db["office_prefixes"].create({"office": str, "prefix": str, "updated_by": str, "updated_at": str}, pk="office",
                                 if_not_exists=True, not_null={"prefix"})
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS idx_office_prefixes_prefix ON office_prefixes (prefix)")
    signed_out = ("office", "shift", "starts_at", "ends_at", "next_ends_at", "outgoing", "outgoing_at", "remarks",
                  "drill", "drill_id")
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in signed_out)
    db.execute(f"""CREATE TRIGGER IF NOT EXISTS handovers_signed_stay BEFORE UPDATE ON handovers
                   WHEN OLD.incoming IS NOT NULL OR NEW.incoming IS NULL OR {changed}
                   BEGIN SELECT RAISE(ABORT, 'a signed handover cannot be changed'); END""")
    db.execute("""CREATE TRIGGER IF NOT EXISTS handovers_never_removed BEFORE DELETE ON handovers
                  BEGIN SELECT RAISE(ABORT, 'a signed handover cannot be removed'); END""")
    kept = [c for c in ("office", "at", "kind", "party", "phone", "text", "leader", "due", "callback", "incident_id",
                        "drill", "drill_id", "recorded_by", "recorded_at")]
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in kept)
    db.execute(f"""CREATE TRIGGER IF NOT EXISTS duty_log_entries_stay BEFORE UPDATE ON duty_log
                   WHEN OLD.done_at IS NOT NULL OR NEW.done_at IS NULL OR {changed}
                   BEGIN SELECT RAISE(ABORT, 'a shift log entry cannot be changed'); END""")
    db.execute("""CREATE TRIGGER IF NOT EXISTS duty_log_entries_never_removed BEFORE DELETE ON duty_log
                  BEGIN SELECT RAISE(ABORT, 'a shift log entry cannot be removed'); END""")
    # a swap names its shifts by time too: a month made again reuses the roster's row ids
    _add(db, "roster_swaps", shift_starts_at=str, with_starts_at=str)
    # INSERT OR REPLACE deletes the old row without firing a delete trigger: refuse a second row of the same id
    db.execute("""CREATE TRIGGER IF NOT EXISTS handovers_never_replaced BEFORE INSERT ON handovers
                  WHEN EXISTS (SELECT 1 FROM handovers WHERE id = NEW.id)
                  BEGIN SELECT RAISE(ABORT, 'a signed handover cannot be changed'); END""")
    db.execute("""CREATE TRIGGER IF NOT EXISTS duty_log_entries_never_replaced BEFORE INSERT ON duty_log
                  WHEN EXISTS (SELECT 1 FROM duty_log WHERE id = NEW.id)
                  BEGIN SELECT RAISE(ABORT, 'a shift log entry cannot be changed'); END""")


@migrations()
def m015_late_pdfs(db: Database) -> None:
    """The PDF of a report issued while Chromium could not print: printed at its first download and kept, once.

    An issued document's row never changes, so the late PDF is a row of its own, never changed or removed either, and
    its SHA-256 goes into the audit chain when it is kept; ``verify`` compares the two. Every later download serves
    the kept bytes (before, each download printed the PDF again, unkept and unhashed)."""
    db["document_pdfs"].create({"document_id": str, "pdf": bytes, "sha256": str, "printed_by": str,
                                "printed_at": str}, pk="document_id", if_not_exists=True, not_null={"pdf", "sha256"})
    for when in ("UPDATE", "DELETE"):
        db.execute(f"""CREATE TRIGGER IF NOT EXISTS document_pdfs_never_{when.lower()} BEFORE {when} ON document_pdfs
                       BEGIN SELECT RAISE(ABORT, 'a kept PDF cannot be changed or removed'); END""")
    db.execute("""CREATE TRIGGER IF NOT EXISTS document_pdfs_never_replaced BEFORE INSERT ON document_pdfs
                  WHEN EXISTS (SELECT 1 FROM document_pdfs WHERE document_id = NEW.document_id)
                  BEGIN SELECT RAISE(ABORT, 'a kept PDF cannot be changed or removed'); END""")


@migrations()
def m016_intake_facts(db: Database) -> None:
    """What the caller said at intake, kept so it is typed once: the figures the plans grade by (``facts``, JSON) and
    when the calling unit itself received the report (``unit_received_at``: 110's 接警时间), from which that unit's
    onward clocks count where the plan counts from 接报; and when a log entry's 回电/落实 was written down
    (``done_recorded_at``), its ``done_at`` being the time it happened."""
    _add(db, "intakes", facts=str, unit_received_at=str)
    # a 回电/落实 takes the time it happened; when it was written down is kept beside it (补记 when later)
    _add(db, "duty_log", done_recorded_at=str)
    # the 报告单位, 签发人 and 联系人 an office last signed with, kept with its 主送 and 抄送 (they lived in one browser
    # session, so a colleague's 续报 began blank)
    _add(db, "report_headers", issuer=str, signer=str, contact=str)


@migrations()
def m017_calendar_subscriptions(db: Database) -> None:
    """What a token may do (``scope``): none is an API token (everything its user may do); ``calendar`` is a phone
    calendar's subscription, which only reads its user's roster (the token rides in the URL a calendar app polls, so
    it must open nothing else)."""
    _add(db, "tokens", scope=str)


@migrations()
def m018_history_by_occurrence(db: Database) -> None:
    """The history lists incidents newest occurrence first: an index in that order finds its first 200 without
    sorting every incident ever recorded (28.8 → 2.2 ms on a district's 3,002)."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_incidents_drill_occurred_at ON incidents (drill, occurred_at)")
