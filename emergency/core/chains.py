"""The keyed hash chains of the log (tamper evidence): every event chained within its incident and across
the database, the audit chain of security events, and the ledger's MAC of where each chain ends.
HMAC-SHA256 under the chain key kept outside the database."""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

GENESIS = "0" * 64
HASHED = ("incident_id", "seq", "trigger", "payload", "actor", "at", "state", "level", "classified_level", "version")
AUDIT_HASHED = ("seq", "at", "kind", "actor", "subject", "detail", "addr")


def mac(key: bytes, content: str) -> str:
    """HMAC-SHA256 of ``content`` under the chain key, as hex."""
    return hmac.digest(key, content.encode("utf-8"), "sha256").hex()   # OpenSSL's one-shot HMAC


def event_hash(row: dict[str, Any], key: bytes) -> str:
    """The event's content and the previous event's hash, keyed (tamper evidence)."""
    content = json.dumps([row[k] for k in HASHED] + [row["prev_hash"]], ensure_ascii=False, separators=(",", ":"))
    return mac(key, content)


def legacy_event_hash(row: dict[str, Any]) -> str:
    """The unkeyed SHA-256 chain of databases written before migration 002 (checked once, then re-keyed)."""
    content = json.dumps([row[k] for k in HASHED] + [row["prev_hash"]], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def audit_hash(row: dict[str, Any], key: bytes) -> str:
    content = json.dumps([row[k] for k in AUDIT_HASHED] + [row["prev_hash"]], ensure_ascii=False, separators=(",", ":"))
    return mac(key, content)


def ledger_mac(key: bytes, chain: str, count: int, head: str) -> str:
    return mac(key, f"{chain}|{count}|{head}")


# Per-incident chains: each incident's events form its own chain, anchored by its ledger entry
# ``incident:<id>``; the start of every incident is itself chained in ``incident_starts`` (ledger ``starts``), so a
# whole incident deleted — its row, events and ledger entry — still shows. Writes to two incidents never queue on
# one database-wide chain.
START_HASHED = ("seq", "incident_id", "at")


def incident_chain(incident_id: str) -> str:
    """The ledger's name of one incident's chain."""
    return f"incident:{incident_id}"


def start_hash(row: dict[str, Any], key: bytes) -> str:
    content = json.dumps([row[k] for k in START_HASHED] + [row["prev_hash"]], ensure_ascii=False, separators=(",", ":"))
    return mac(key, content)


def record_digest(fields: dict[str, Any]) -> str:
    """The SHA-256 of a signed record's fields as they read back (a 交接班 at each signature, a 值班日志 entry when
    written and when closed), kept in the audit chain's entry for the signature: ``verify`` reads the record again
    and compares, so a row rewritten under the database's guards is named."""
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
