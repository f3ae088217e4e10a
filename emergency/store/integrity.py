"""Tamper evidence (防篡改校验): what ``emergency verify`` checks.

1. Each incident's chain: every event's keyed hash covers its content and the previous event's hash, and the
   chain ends where its ledger entry ``incident:<id>`` says, with a valid MAC (a deleted last event shows).
2. The chain of incident starts (``incident_starts``, ledger ``starts``): every incident has its chained start and
   every start its incident, so a whole incident deleted — row, events and ledger entry — shows (one
   chain per incident replaced the database-wide chain over all events).
3. Each incident's stored snapshot (what pages show) equals the snapshot rebuilt from its events.
4. The audit chain (security events about people) and its ledger entry.
5. Each issued report's kept file has the SHA-256 its issue event recorded (and every issued file is kept).
6. Optionally, a published anchor (``emergency anchor``) is still a prefix of the log.

Every finding is a dict with ``incident_id`` (or ``chain``), ``seq`` and ``problem``.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from emergency.core.chains import (AUDIT_HASHED, GENESIS, HASHED, audit_hash, event_hash, incident_chain, ledger_mac,
                                   start_hash)
from emergency.core.errors import NotFound
from emergency.core.incident import Snapshot
from emergency.response.lifecycle import replay

from .interface import UnitOfWork as Store   # what verify reads: the store's interface, never its class


def verify(store: Store, anchor: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every broken chain, snapshot and anchor in the database; [] when all hold."""
    broken: list[dict[str, Any]] = []
    broken += _incident_chains(store)
    broken += _starts_chain(store)
    broken += _snapshots(store)
    broken += _audit_chain(store)
    broken += issued_documents(store)
    broken += signed_records(store)
    if anchor is not None:
        broken += check_anchor(store, anchor)
    return broken


def _incident_chains(store: Store) -> list[dict[str, Any]]:
    broken = []
    known = set(store.incidents.incident_ids())
    ids = [r[0] for r in store.db.execute("SELECT DISTINCT incident_id FROM events ORDER BY incident_id").fetchall()]
    for incident_id in ids:
        if incident_id not in known:
            broken.append({"incident_id": incident_id, "seq": None,
                           "problem": "events exist for an incident whose row was deleted"})
            continue
        prev = GENESIS
        rows = store.db.execute(f"SELECT {', '.join(HASHED)}, prev_hash, hash FROM events WHERE incident_id = ? "
                                "ORDER BY seq", [incident_id]).fetchall()
        for r in rows:
            row = dict(zip(HASHED + ("prev_hash", "hash"), r, strict=False))
            problem = None
            if row["prev_hash"] != prev:
                problem = "prev_hash does not match the previous event's hash (an event was removed or reordered)"
            elif not hmac.compare_digest(event_hash(row, store.key), row["hash"] or ""):
                problem = "the event's content does not match its hash (it was changed)"
            if problem:
                broken.append({"incident_id": incident_id, "seq": row["seq"], "problem": problem})
                break
            prev = row["hash"]
        else:
            broken += [{**p, "incident_id": incident_id}
                       for p in _ledger_problems(store, incident_chain(incident_id), len(rows), prev)]
    for incident_id in sorted(known - set(ids)):
        broken.append({"incident_id": incident_id, "seq": None, "problem": "the incident has no events"})
    for (chain,) in store.db.execute("SELECT chain FROM ledger WHERE chain LIKE 'incident:%' ORDER BY chain").fetchall():
        if chain.split(":", 1)[1] not in known:
            broken.append({"incident_id": chain.split(":", 1)[1], "seq": None, "chain": chain,
                           "problem": "the ledger names an incident that is no longer in the log (it was deleted)"})
    return broken


def _starts_chain(store: Store) -> list[dict[str, Any]]:
    """The chained starts of every incident, each incident's start present and each start's incident too."""
    head, count, started = GENESIS, 0, set()
    for seq, incident_id, at, prev, h in store.db.execute(
            "SELECT seq, incident_id, at, prev_hash, hash FROM incident_starts ORDER BY seq").fetchall():
        count += 1
        row = {"seq": seq, "incident_id": incident_id, "at": at, "prev_hash": prev}
        if seq != count or prev != head or not hmac.compare_digest(start_hash(row, store.key), h or ""):
            return [{"incident_id": incident_id, "seq": seq, "chain": "starts",
                     "problem": f"the chain of incident starts breaks at entry {count} "
                                "(an incident's start was deleted, inserted or recomputed)"}]
        head = h
        started.add(incident_id)
    out = _ledger_problems(store, "starts", count, head)
    known = set(store.incidents.incident_ids())
    out += [{"incident_id": i, "seq": None, "chain": "starts",
             "problem": "an incident recorded in the chain of starts is no longer in the log (it was deleted)"}
            for i in sorted(started - known)]
    out += [{"incident_id": i, "seq": None, "chain": "starts",
             "problem": "the incident has no chained start (it was inserted outside the service)"}
            for i in sorted(known - started)]
    return out


def _ledger_problems(store: Store, chain: str, count: int, head: str) -> list[dict[str, Any]]:
    row = store.db.execute("SELECT count, head, mac FROM ledger WHERE chain = ?", [chain]).fetchone()
    if row is None:
        if count == 0:
            return []
        return [{"incident_id": None, "seq": None, "chain": chain, "problem": f"the {chain} ledger entry is missing"}]
    if not hmac.compare_digest(ledger_mac(store.key, chain, row[0], row[1]), row[2] or ""):
        return [{"incident_id": None, "seq": None, "chain": chain,
                 "problem": f"the {chain} ledger entry was changed (its MAC does not match)"}]
    if (row[0], row[1]) != (count, head):
        return [{"incident_id": None, "seq": None, "chain": chain,
                 "problem": f"the {chain} log ends at entry {count} but the ledger says {row[0]} "
                            "(entries were deleted from the end)"}]
    return []


def _snapshots(store: Store) -> list[dict[str, Any]]:
    broken = []
    for incident_id, snapshot, state, level, version in store.db.execute(
            "SELECT id, snapshot, state, level, version FROM incidents ORDER BY id").fetchall():
        events = store.incidents.events(incident_id)
        if not events:
            continue  # reported by _incident_chains
        try:
            store.incidents.with_plan_version(Snapshot.model_validate_json(snapshot))  # an older plan file it runs under
            rebuilt = replay(events, store.plans).model_dump(mode="json")
            stored = json.loads(snapshot)
            row_version = stored.get("version")
            if events[-1]["seq"] > (row_version or 0):   # quiet changes (notes) since the row was written
                stored.update(version=events[-1]["seq"], updated_at=events[-1]["at"])
        except Exception as exc:  # noqa: BLE001 - any failure to rebuild is a finding, not a crash
            broken.append({"incident_id": incident_id, "seq": None,
                           "problem": f"the incident cannot be rebuilt from its events ({str(exc)[:120]})"})
            continue
        if rebuilt != stored or (state, level, version) != (rebuilt["state"], rebuilt["level"], row_version):
            diff = sorted(k for k in rebuilt if rebuilt.get(k) != stored.get(k)) or ["state/level/version columns"]
            broken.append({"incident_id": incident_id, "seq": None,
                           "problem": f"the stored snapshot differs from its events in {', '.join(diff)[:200]} "
                                      "(the incident row was edited)"})
    return broken


def issued_documents(store: Store, incident_id: str | None = None) -> list[dict[str, Any]]:
    """Each issued report against the hashes in its issue event: the kept file, the draft every page and PDF is
    made from, and the kept PDF (a draft replaced under an unchanged file was served as issued); a
    recorded issue whose file is gone; a kept document no issue event recorded."""
    where, params = ("AND incident_id = ?", [incident_id]) if incident_id else ("", [])
    recorded = {}
    for inc, seq, payload in store.db.execute(f"SELECT incident_id, seq, payload FROM events WHERE trigger = 'issue_report' "
                                              f"{where}", params).fetchall():
        p = json.loads(payload)
        recorded[p["document_id"]] = (inc, seq, p)
    out = []

    def sha(value) -> str | None:
        if value is None:
            return None
        return hashlib.sha256(value.encode("utf-8") if isinstance(value, str) else bytes(value)).hexdigest()
    rows = store.db.execute(f"SELECT id, incident_id, content, draft, pdf FROM documents WHERE 1 = 1 {where}",
                            params).fetchall()
    for doc_id, inc, content, draft, pdf in rows:
        if doc_id not in recorded:
            out.append({"incident_id": inc, "seq": None, "problem": f"issued document {doc_id}: no issue event "
                                                                    "records it (it was put there, not issued)"})
            continue
        inc_, seq, p = recorded.pop(doc_id)
        checks = [("the kept file", content, p["sha256"])]
        if p.get("draft_sha256"):
            checks.append(("the kept text (draft) its pages are made from", draft, p["draft_sha256"]))
        if p.get("pdf_sha256"):
            checks.append(("the kept PDF", pdf, p["pdf_sha256"]))
        elif pdf is not None and "draft_sha256" in p:
            checks.append(("the kept PDF", pdf, None))  # a PDF where none was issued
        for what, value, digest in checks:
            if sha(value) != digest:
                out.append({"incident_id": inc, "seq": seq, "problem": f"issued document {doc_id}: {what} does not "
                                                                       "match the SHA-256 in its issue event"})
    for doc_id, (inc, seq, _p) in recorded.items():
        out.append({"incident_id": inc, "seq": seq, "problem": f"issued document {doc_id}: its file is missing"})
    return out + _late_pdfs(store, where, params)


def _late_pdfs(store: Store, where: str, params: list) -> list[dict[str, Any]]:
    """Each PDF printed after its report was issued against the SHA-256 the audit chain took when it was kept."""
    kept = {subject: (seq, json.loads(detail or "{}").get("sha256")) for seq, subject, detail in store.db.execute(
        "SELECT seq, subject, detail FROM audit WHERE kind = 'document_pdf_kept'").fetchall()}
    out = []
    rows = store.db.execute("SELECT p.document_id, d.incident_id, p.pdf FROM document_pdfs p JOIN documents d "
                            f"ON d.id = p.document_id WHERE 1 = 1 {where.replace('incident_id', 'd.incident_id')}",
                            params).fetchall()
    for doc_id, inc, pdf in rows:
        seq, digest = kept.get(doc_id, (None, None))
        if digest is None:
            out.append({"incident_id": inc, "seq": None, "chain": "audit",
                        "problem": f"issued document {doc_id}: a PDF is kept that the audit chain never recorded"})
        elif hashlib.sha256(bytes(pdf)).hexdigest() != digest:
            out.append({"incident_id": inc, "seq": seq, "chain": "audit",
                        "problem": f"issued document {doc_id}: the PDF printed after issue does not match the "
                                   f"SHA-256 in audit entry {seq}"})
    return out


# the audit entries whose signature covers a record, with what they cover (``ShiftLog.digest``)
SIGNED = {"handover_signed_out": ("handover", "signed_out"), "handover_signed_in": ("handover", "signed_in"),
          "shift_entry": ("entry", "written"), "shift_entry_done": ("entry", "done")}
SIGNED_WORDS = {"handover": "交接班", "entry": "值班日志条目"}


def signed_records(store: Store) -> list[dict[str, Any]]:
    """Each signed 交接班 and each 值班日志 entry against the SHA-256 its signature put into the audit chain: a row
    rewritten or removed under the database's guards is named (a signature recorded before hashes were kept is
    passed over)."""
    out = []
    kinds = ", ".join(f"'{k}'" for k in SIGNED)
    for seq, kind, detail in store.db.execute(f"SELECT seq, kind, detail FROM audit WHERE kind IN ({kinds}) ORDER BY seq"):
        d = json.loads(detail or "{}")
        if not d.get("sha256"):
            continue
        what, part = SIGNED[kind]
        try:
            record = store.shifts.handover(d["id"]) if what == "handover" else store.shifts.get(int(d["id"]))
        except NotFound:
            out.append({"incident_id": None, "seq": seq, "chain": "audit",
                        "problem": f"{SIGNED_WORDS[what]} {d['id']}: signed (audit entry {seq}) but removed"})
            continue
        if store.shifts.digest(record, part) != d["sha256"]:
            out.append({"incident_id": None, "seq": seq, "chain": "audit",
                        "problem": f"{SIGNED_WORDS[what]} {d['id']}: changed since it was signed "
                                   f"(audit entry {seq}, {kind})"})
    return out


def _audit_chain(store: Store) -> list[dict[str, Any]]:
    head, count = GENESIS, 0
    for r in store.db.execute(f"SELECT {', '.join(AUDIT_HASHED)}, prev_hash, hash FROM audit ORDER BY seq").fetchall():
        row = dict(zip(AUDIT_HASHED + ("prev_hash", "hash"), r, strict=False))
        count += 1
        if row["seq"] != count or row["prev_hash"] != head or not hmac.compare_digest(audit_hash(row, store.key),
                                                                                      row["hash"] or ""):
            return [{"incident_id": None, "seq": row["seq"], "chain": "audit",
                     "problem": f"the audit chain breaks at entry {row['seq']} (a security event was changed or removed)"}]
        head = row["hash"]
    return _ledger_problems(store, "audit", count, head)


def check_anchor(store: Store, anchor: dict[str, Any]) -> list[dict[str, Any]]:
    """A published anchor (``emergency anchor``: where the audit chain, the chain of starts and each incident's chain
    ended) must still be in the log at its position. An anchor published before incidents had their own chains names the database-wide
    chain (``events``), still readable from the events it covered."""
    out = []
    if not isinstance(anchor, dict):
        return out

    def missing(chain: str, at: Any, incident_id: str | None = None) -> dict[str, Any]:
        return {"incident_id": incident_id, "seq": at, "chain": chain,
                "problem": f"the published anchor ({chain} entry {at}) is not in this log "
                           "(the log was rolled back or rewritten)"}

    for chain, table, seq_col, head_col in (("events", "events", "gseq", "ghash"), ("audit", "audit", "seq", "hash"),
                                            ("starts", "incident_starts", "seq", "hash")):
        a = anchor.get(chain)
        if not a or not a.get("count"):
            continue
        row = store.db.execute(f"SELECT {head_col} FROM {table} WHERE {seq_col} = ?", [a["count"]]).fetchone()
        if row is None or row[0] != a.get("head"):
            out.append(missing(chain, a["count"]))
    for incident_id, a in (anchor.get("incidents") or {}).items():
        if not a or not a.get("count"):
            continue
        row = store.db.execute("SELECT hash FROM events WHERE incident_id = ? AND seq = ?",
                               [incident_id, a["count"]]).fetchone()
        if row is None or row[0] != a.get("head"):
            out.append(missing(incident_chain(incident_id), a["count"], incident_id))
    return out


def verify_quick(store: Store) -> list[dict[str, Any]]:
    """What a start-up can afford on a large database: the ledger entries are authentic and the logs end where they
    say (catches deleted incidents, truncated logs and a replaced ledger), without reading every event's content."""
    out = []
    for chain, table, seq_col, head_col in (("audit", "audit", "seq", "hash"), ("starts", "incident_starts", "seq", "hash")):
        n, last = store.db.execute(f"SELECT count(*), max({seq_col}) FROM {table}").fetchone()
        head = GENESIS
        if last is not None:
            head = store.db.execute(f"SELECT {head_col} FROM {table} WHERE {seq_col} = ?", [last]).fetchone()[0]
        if last is not None and last != n:
            out.append({"incident_id": None, "seq": None, "chain": chain,
                        "problem": f"the {chain} log has {n} entries but its last is numbered {last} (entries were deleted)"})
        out += _ledger_problems(store, chain, n, head)
    tails = store.db.execute(
        "SELECT e.incident_id, count(*), (SELECT hash FROM events t WHERE t.incident_id = e.incident_id "
        "ORDER BY seq DESC LIMIT 1) FROM events e GROUP BY e.incident_id").fetchall()
    seen = set()
    for incident_id, n, head in tails:
        seen.add(incident_id)
        out += [{**p, "incident_id": incident_id} for p in _ledger_problems(store, incident_chain(incident_id), n, head)]
    for (chain,) in store.db.execute("SELECT chain FROM ledger WHERE chain LIKE 'incident:%'").fetchall():
        if chain.split(":", 1)[1] not in seen:
            out.append({"incident_id": chain.split(":", 1)[1], "seq": None, "chain": chain,
                        "problem": "the ledger names an incident whose events are gone (it was deleted)"})
    return out
