"""An auditor's archive of a period: everything of a date range — incidents with their events and calls, the
issued reports as issued, the shift logs and handovers — as one .zip, with a manifest naming every file's SHA-256
and each incident's chain head, signed with the office's own Ed25519 key (``cryptography``).

``verify`` checks an archive offline with the public key alone: the manifest's signature, then every file the
manifest names (present, and the same bytes), and no file the manifest does not name. The chains' HMAC key never
leaves the service: the chain heads are in the manifest so that an auditor can compare them with the service's
own ``emergency verify`` or an ``emergency anchor`` kept elsewhere.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any


from emergency.core.clock import format_time
from emergency.core.errors import InputError
from emergency.services import formats
from emergency.services.formats import Table
from emergency.store.sqlite import key_dir_for, read_or_create_key

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
LARGEST = 2 * 1024 ** 3          # an archive read for verification: no zip bomb past this many bytes unpacked


def signing_key(store) -> Ed25519PrivateKey:
    """The office's signing key: ``EMERGENCY_SIGNING_KEY`` (64 hex digits), else ``signing_key`` beside the
    database's other keys, made on first use (mode 600)."""
    # cryptography is imported when an archive is signed or checked, not at the console's start (30 ms)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    seed = read_or_create_key(key_dir_for(store.path) / "signing_key", "EMERGENCY_SIGNING_KEY", 32)
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed))


def public_key_pem(key: Ed25519PrivateKey) -> str:
    """The public half, as PEM: what the administrator's page shows and prints for the auditors."""
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def fingerprint(pem: str) -> str:
    """A short check a person reads aloud over the phone: the SHA-256 of the public key, in groups of four."""
    digest = hashlib.sha256(pem.strip().encode()).hexdigest()[:32]
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode("utf-8")


def contents(store, office: str, since: str, until: str) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The period's files by name (the record as JSON, the lists as .xlsx, the issued files as issued), and each
    incident's chain head (for the manifest)."""
    snaps = store.incidents.search(since=since, until=until, drill=None, closed=None, limit=100_000)
    files: dict[str, bytes] = {}
    incidents, heads, issued = [], {}, []
    for snap in sorted(snaps, key=lambda s: s.occurred_at):
        events = store.incidents.events(snap.id)
        incidents.append({"snapshot": snap.model_dump(mode="json"), "events": events})
        if events:
            heads[snap.id] = {"seq": events[-1]["seq"], "hash": events[-1]["hash"]}
        for doc in store.documents.issued(snap.id):
            row = store.documents.get(doc["id"])
            stem = f"documents/{doc['id']}"
            files[f"{stem}.docx"] = row["content"]
            if row["pdf"] is not None:
                files[f"{stem}.pdf"] = row["pdf"]
            issued.append({k: v for k, v in doc.items() if k != "draft"})
    entries = store.shifts.entries(office, since=since, until=until, drill=False)
    handovers = [h for h in store.shifts.handovers(office, drill=None, limit=10_000)
                 if since <= (h.get("starts_at") or h.get("created_at") or "") <= until]
    files["incidents.json"] = _json(incidents)
    files["documents.json"] = _json(issued)
    files["shift_log.json"] = _json(entries)
    files["handovers.json"] = _json(handovers)
    files["incidents.xlsx"] = formats.render([Table("事件", ["事件", "预案", "事发时间", "接报时间", "响应级别", "状态",
                                                          "演练", "事件数"],
                                                    [[i["snapshot"]["title"], i["snapshot"]["plan"],
                                                      i["snapshot"]["occurred_at"], i["snapshot"]["reported_at"],
                                                      i["snapshot"].get("level") or "", i["snapshot"]["state"],
                                                      "是" if i["snapshot"]["drill"] else "", len(i["events"])]
                                                     for i in incidents], heading=f"{office} {since[:10]}至{until[:10]}")],
                                             "xlsx")
    return files, heads


def build(store, office: str, since: str, until: str, now: datetime) -> bytes:
    """The period's archive, signed: a .zip of the files, ``manifest.json`` and ``manifest.sig``."""
    files, heads = contents(store, office, since, until)
    key = signing_key(store)
    manifest = _json({"office": office, "since": since, "until": until, "made_at": format_time(now),
                      "files": {name: hashlib.sha256(body).hexdigest() for name, body in sorted(files.items())},
                      "chain_heads": heads, "public_key": public_key_pem(key)})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in sorted(files.items()):
            z.writestr(name, body)
        z.writestr(MANIFEST, manifest)
        z.writestr(SIGNATURE, base64.b64encode(key.sign(manifest)))
    return out.getvalue()


def _public_key(pem: bytes) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise InputError("public_key", "不是PEM格式的公钥") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError("public_key", "须为Ed25519公钥")
    return key


def verify(archive: bytes, public_pem: bytes) -> list[str]:
    """What is wrong with ``archive`` under the public key (empty: intact): a bad signature, a file changed, a
    file left out, a file added. Raises InputError when it is not an archive or the key is not a key."""
    from cryptography.exceptions import InvalidSignature

    key = _public_key(public_pem)
    try:
        z = zipfile.ZipFile(io.BytesIO(archive))
        if sum(i.file_size for i in z.infolist()) > LARGEST:
            raise InputError("archive", "归档解压后过大")
        names = set(z.namelist())
        manifest, signature = z.read(MANIFEST), z.read(SIGNATURE)
    except (zipfile.BadZipFile, KeyError):
        raise InputError("archive", "不是本服务生成的归档（缺少 manifest.json 或 manifest.sig）") from None
    try:
        key.verify(base64.b64decode(signature), manifest)
    except (InvalidSignature, ValueError):
        return ["manifest.json: 签名不符（清单被改动，或不是此公钥签署的）"]
    listed = json.loads(manifest)["files"]
    problems = []
    for name, digest in sorted(listed.items()):
        if name not in names:
            problems.append(f"{name}: 缺失（清单列有此文件）")
        elif hashlib.sha256(z.read(name)).hexdigest() != digest:
            problems.append(f"{name}: 内容被改动（SHA-256 不符）")
    for name in sorted(names - set(listed) - {MANIFEST, SIGNATURE}):
        problems.append(f"{name}: 多出的文件（清单未列）")
    return problems


def read_file(path: str, field: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        raise InputError(field, "无法读取文件：%(path)s", path=path[:200]) from None
