"""Critical 1: no session-signing key, chain key or database in git; keys made outside the source tree."""
import subprocess
from pathlib import Path

import pytest

from webui import ConfigError

from .conftest import sign_in, new_app
from tests.cli import emergency
from emergency.services import users

ROOT = Path(__file__).resolve().parents[3]


def test_no_secret_key_or_database_is_tracked_in_git():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    bad = [f for f in files if Path(f).name in ("secret_key", "chain_key") or f.startswith(("instance/", ".schemathesis/"))
           or f.endswith((".db", ".sqlite", ".sqlite3", ".db-wal", ".db-shm", ".pem", ".key"))]
    assert bad == []


def test_gitignore_covers_keys_databases_and_tool_caches():
    ignored = (ROOT / ".gitignore").read_text()
    for pattern in ("instance/", "secret_key", "chain_key", "*.db", ".schemathesis/"):
        assert pattern in ignored


def test_the_key_is_generated_beside_the_database_for_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("EMERGENCY_SECRET_KEY", raising=False)
    data = tmp_path / "data"
    app = new_app({"DATABASE": str(data / "e.db")})
    key_file = data / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert app.config["SECRET_KEY"] == key_file.read_text() and len(app.config["SECRET_KEY"]) >= 64
    assert not (ROOT / "instance").exists()
    assert new_app({"DATABASE": str(data / "e.db")}).config["SECRET_KEY"] == app.config["SECRET_KEY"]


@pytest.mark.parametrize("key", ["short", "x" * 31])
def test_a_configured_key_shorter_than_32_bytes_is_refused(tmp_path, key):
    with pytest.raises(ConfigError, match="SECRET_KEY: must be at least 32 bytes"):
        new_app({"DATABASE": str(tmp_path / "e.db"), "SECRET_KEY": key})


def test_serve_refuses_a_short_key_from_the_environment_with_exit_2(tmp_path, monkeypatch):
    monkeypatch.setattr(users, "PASSWORD_HASH_METHOD", users.PRODUCTION_HASH_METHOD)
    r = emergency("serve", "--db", str(tmp_path / "e.db"), "--port", "1", env={"EMERGENCY_SECRET_KEY": "change-me"})
    assert r.returncode == 2 and "SECRET_KEY: must be at least 32 bytes" in r.stderr and "Traceback" not in r.stderr


def test_serve_refuses_the_test_suites_cheap_password_hash(tmp_path):
    """The suite hashes its users' passwords with one PBKDF2 round (tests/conftest.py); served, that would let a
    stolen database give up its passwords at once, so ``serve`` refuses to start with it (exit 2)."""
    assert users.PASSWORD_HASH_METHOD != users.PRODUCTION_HASH_METHOD  # what the suite runs under
    r = emergency("serve", "--db", str(tmp_path / "e.db"), "--port", "1")
    assert r.returncode == 2 and "pbkdf2:sha256:1" in r.stderr and "scrypt" in r.stderr
    assert not (tmp_path / "e.db").exists()  # refused before anything was made


def test_rotate_secret_writes_a_new_key_and_signs_everyone_out(tmp_path, monkeypatch, clock):
    monkeypatch.delenv("EMERGENCY_SECRET_KEY", raising=False)
    from tests.conftest import add_users
    db = str(tmp_path / "e.db")
    app = new_app({"DATABASE": db, "CLOCK": clock})
    add_users(db, clock)
    c = app.test_client()
    assert sign_in(c, "指挥李四").status_code == 302
    assert c.get("/").status_code == 200
    old = (tmp_path / "secret_key").read_text()
    r = emergency("rotate-secret", "--db", db, env={"EMERGENCY_SECRET_KEY": None})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "secret_key").read_text() != old
    assert "1 sessions ended" in r.stdout
    # even a worker that still has the old key in memory no longer accepts the session
    assert c.get("/").status_code == 302


def test_the_readme_suggests_no_literal_key():
    readme = "\n".join((ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "docs/operations.md"))
    assert "change-me" not in readme
    assert "EMERGENCY_SECRET_KEY=" not in readme.replace("EMERGENCY_SECRET_KEY=$(", "")
