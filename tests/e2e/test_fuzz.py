"""A fuzz run of the API against its own OpenAPI description (schemathesis): no input, however
malformed, gets a 5xx. The server is the production one (emergency serve) on a loopback port."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from emergency.core.clock import SystemClock

from tests.conftest import add_users
from tests.serving import serve


def test_no_generated_request_gets_a_server_error(tmp_path):
    db = str(tmp_path / "fuzz.db")
    token = add_users(db, SystemClock())["指挥李四"]
    server, port, _log = serve(db, tmp_path)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    try:
        st = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
        r = subprocess.run([st, "run", f"http://127.0.0.1:{port}/api/openapi.json", "-H", f"Authorization: Bearer {token}",
                            "-c", "not_a_server_error", "-n", "25", "--seed", "7"],
                           capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    finally:
        server.kill()
        server.wait()
    assert r.returncode == 0, r.stdout[-3000:]
    assert " passed" in r.stdout and "failed" not in r.stdout.split("Test cases:")[-1]
