"""An auditor's archive of a period: written by ``emergency archive``, signed with the office's Ed25519 key, and
checked offline by ``emergency verify --archive`` with the public key alone — intact, a one-byte change in any file
named, a file left out named, a file slipped in named, another key's archive refused. The chains' key is not in it."""
import io
import zipfile

import pytest

from emergency.core.clock import FixedClock
from emergency.services import incidents as svc
from emergency.store import open_store
from tests.cli import emergency
from tests.integration.test_reports import HEADER

CLOCK = FixedClock("2026-11-20T10:00:00+08:00")


@pytest.fixture
def period(tmp_path, monkeypatch):
    """A November with an incident, its 首报 issued, and a shift-log entry; its archive and the public key."""
    monkeypatch.delenv("EMERGENCY_SIGNING_KEY", raising=False)
    db = tmp_path / "t.db"
    store = open_store(str(db))
    from emergency.services import documents
    snap = svc.report(store, {"plan": "work_safety", "title": "某机械厂行车倒塌", "facts": {"deaths": 1},
                              "occurred_at": "2026-11-20T09:00"}, "值班员张三", CLOCK)
    plan = store.plans.plan("work_safety")
    d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "first", CLOCK.now(), store.plans, HEADER)
    documents.issue(store, snap.id, d, "值班员张三", CLOCK)
    key = store.key
    store.close()
    out, pem = tmp_path / "2026-11.zip", tmp_path / "office.pem"
    ran = emergency("archive", "--db", db, "--office", "海门区政府总值班室", "--from", "2026-11-01", "--to",
                    "2026-11-30", "--out", out, "--public-key-out", pem)
    assert ran.returncode == 0, ran.stderr
    return out, pem, key


def _rewrite(path, change):
    """The archive with ``change(name, body) -> body | None`` applied to each file (None leaves it out)."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in source.namelist():
            body = change(name, source.read(name))
            if body is not None:
                z.writestr(name, body)
    path.write_bytes(out.getvalue())


def test_an_intact_archive_verifies_with_the_public_key_alone(period):
    out, pem, chain_key = period
    ran = emergency("verify", "--archive", out, "--public-key", pem)
    assert ran.returncode == 0 and "intact, signature valid" in ran.stdout
    names = zipfile.ZipFile(out).namelist()
    assert {"incidents.json", "incidents.xlsx", "documents.json", "shift_log.json", "handovers.json",
            "manifest.json", "manifest.sig"} <= set(names)
    assert any(n.startswith("documents/") and n.endswith(".docx") for n in names)      # the file as issued
    assert all(chain_key not in zipfile.ZipFile(out).read(n) for n in names)           # the chains' key stays home
    assert b"chain_heads" in zipfile.ZipFile(out).read("manifest.json")


@pytest.mark.parametrize("victim", ["incidents.json", "incidents.xlsx", "documents.json", "shift_log.json",
                                    "handovers.json", "documents/"])
def test_a_one_byte_change_in_any_file_is_named(period, victim):
    out, pem, _key = period
    changed = []

    def flip(name, body):
        if name.startswith(victim) and not changed:
            changed.append(name)
            return bytes([body[0] ^ 1]) + body[1:]
        return body
    _rewrite(out, flip)
    ran = emergency("verify", "--archive", out, "--public-key", pem)
    assert ran.returncode == 1 and f"BROKEN {changed[0]}: 内容被改动" in ran.stdout


def test_a_file_left_out_or_slipped_in_is_named(period):
    out, pem, _key = period
    _rewrite(out, lambda name, body: None if name == "shift_log.json" else body)
    with zipfile.ZipFile(out, "a") as z:
        z.writestr("extra.json", b"{}")
    ran = emergency("verify", "--archive", out, "--public-key", pem)
    assert ran.returncode == 1
    assert "BROKEN shift_log.json: 缺失" in ran.stdout and "BROKEN extra.json: 多出的文件" in ran.stdout


def test_a_changed_manifest_or_another_key_fails_the_signature(period, tmp_path, monkeypatch):
    out, pem, _key = period
    _rewrite(out, lambda name, body: body.replace(b"2026-11-30", b"2026-11-29") if name == "manifest.json" else body)
    ran = emergency("verify", "--archive", out, "--public-key", pem)
    assert ran.returncode == 1 and "签名不符" in ran.stdout
    other = tmp_path / "other.pem"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from emergency.services.archive import public_key_pem
    other.write_text(public_key_pem(Ed25519PrivateKey.generate()))
    assert emergency("verify", "--archive", out, "--public-key", other).returncode == 1


def test_bad_input_is_refused_with_exit_2(period, tmp_path):
    out, pem, _key = period
    (tmp_path / "not.pem").write_text("hello")
    (tmp_path / "not.zip").write_bytes(b"PK nothing")
    assert emergency("verify", "--archive", out, "--public-key", tmp_path / "not.pem").returncode == 2
    assert emergency("verify", "--archive", tmp_path / "not.zip", "--public-key", pem).returncode == 2
    assert emergency("verify", "--archive", out).returncode == 2
    assert emergency("archive", "--office", "x", "--from", "2026-13-01", "--to", "2026-11-30", "--out",
                     tmp_path / "n.zip").returncode == 2


def test_the_administrator_downloads_it_and_the_page_shows_the_key_that_verifies_it(tmp_path, monkeypatch):
    import html
    import re

    from emergency.services import archive
    from emergency.services.users import add_user
    from tests.conftest import PASSWORD, app_with_users, signed_in
    monkeypatch.delenv("EMERGENCY_SIGNING_KEY", raising=False)
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    add_user(store, "管理员钱七", "administrator", PASSWORD, CLOCK)
    svc.report(store, {"plan": "work_safety", "title": "某机械厂行车倒塌", "occurred_at": "2026-11-20T09:00"},
               "值班员张三", CLOCK)
    store.close()
    admin = signed_in(app, "管理员钱七")
    page = admin.get("/admin/").get_data(as_text=True)
    pem = html.unescape(re.search(r'<pre class="public-key" id="public-key"[^>]*>(.*?)</pre>', page, re.S).group(1))
    assert archive.fingerprint(pem) in page
    got = admin.get("/admin/archive?from=2026-11-01&to=2026-11-30")
    assert got.status_code == 200 and got.headers["Content-Type"] == "application/zip"
    assert archive.verify(got.data, pem.encode()) == []
    assert json_names(got.data) >= {"incidents.json", "manifest.json"}
    assert signed_in(app, "值班员张三").get("/admin/archive?from=2026-11-01&to=2026-11-30").status_code == 403


def json_names(body: bytes) -> set[str]:
    return set(zipfile.ZipFile(io.BytesIO(body)).namelist())
