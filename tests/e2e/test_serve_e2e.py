"""`emergency serve` as a process: the demo accounts it prints live only as long as the demo (moved here from
the sign-in tests, it starts two server processes)."""
import os
import signal
import subprocess
import sys

from emergency.services import users
from emergency.store import open_store
from tests.serving import free_port, wait_for_port


def test_demo_accounts_do_not_outlive_their_demo(tmp_path):
    """--demo prints fresh passwords once on stdout; a start without --demo disables those accounts."""
    db = str(tmp_path / "demo.db")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "webui.cli", "serve", "--demo", "--db", db, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        wait_for_port(port, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert "演示观察员钱某" in out and "演示指挥李某" in out and "演示指挥李某" not in err
    password = next(line.split()[-1] for line in out.splitlines() if "演示值班员张某" in line)
    store = open_store(db)
    assert users.check_password(store, "演示值班员张某", password) is not None
    admin = next(line.split()[-1] for line in out.splitlines() if "演示管理员孙某" in line)   # an administrator
    assert users.check_password(store, "演示管理员孙某", admin) is not None
    assert users.get_user(store, "演示管理员孙某")["role"] == "administrator"
    assert users.get_user(store, "演示应急局值班员王某")["unit"] == "区应急管理局"                   # another office
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "webui.cli", "serve", "--db", db, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        wait_for_port(port, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert users.check_password(store, "演示值班员张某", password) is None
    assert clock_free_check(store)


def clock_free_check(store):
    return all(u["disabled"] for u in users.list_users(store) if u["demo"])
