"""Plans ship with the package: a wheel built from the checkout, installed into a fresh
virtual environment outside it, classifies and serves with the plans it carries."""
import json
import os
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from pathlib import Path

from tests.serving import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


def test_a_wheel_installed_outside_the_checkout_classifies_and_serves(tmp_path):
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(wheels.glob("emergency-*.whl"))
    with zipfile.ZipFile(wheel) as packed:  # the store package carries the PostgreSQL schema, file for file
        shipped = {n.rsplit("/", 1)[1] for n in packed.namelist() if n.startswith("emergency/store/sql/postgresql/")}
    assert shipped == {p.name for p in (ROOT / "emergency/store/sql/postgresql").glob("*.sql")}
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # the project only from the wheel; its dependencies from this environment's site-packages, added as a
    # plain path (the checkout's editable install is not activated there)
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, timeout=300, capture_output=True)
    (site / "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "EMERGENCY_PLANS_DIR")}
    env["HOME"] = str(outside)
    python = str(venv / "bin" / "python")
    where = subprocess.run([python, "-c", "import emergency, emergency.response.library as l; print(emergency.__file__); "
                                          "print(l.default_plans_dir())"], cwd=outside, env=env,
                           capture_output=True, text=True, timeout=60)
    assert where.returncode == 0, where.stderr
    module, plans_dir = where.stdout.split()
    assert module.startswith(str(site)) and plans_dir.startswith(str(site)), where.stdout
    assert (Path(plans_dir) / "reference" / "facts.yaml").is_file() and (Path(plans_dir) / "scenarios").is_dir()
    run = [python, "-m", "webui.cli"]
    classified = subprocess.run(run + ["classify", "environment", "--input", "-"], input='{"deaths": 3}', cwd=outside,
                                env=env, capture_output=True, text=True, timeout=60)
    assert classified.returncode == 0, classified.stderr
    assert json.loads(classified.stdout)["deciding"]["clause"] == "一(五)3(1)"
    port = free_port()
    log_path = outside / "serve.log"
    with open(log_path, "w", encoding="utf-8") as log:
        server = subprocess.Popen(run + ["serve", "--port", str(port), "--db", str(outside / "e.db")], cwd=outside,
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, server, log_path=log_path)
        login = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10).read().decode()
        assert "海门" in login  # a template from the wheel
        script = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/console.js", timeout=10).read()
        assert b"initClassify" in script  # static files from the wheel
    finally:
        server.terminate()
        server.wait(timeout=30)
