"""A throw-away PostgreSQL cluster for the tests and benchmarks: Debian's ``postgresql``
package, ``initdb`` into a temporary directory, a free port on loopback, stopped and removed at the end.
As root the server runs as the ``postgres`` user (PostgreSQL refuses to run as root).

``scripts/test`` installs the package and sets ``EMERGENCY_REQUIRE_POSTGRES=1``, so there a missing
server fails the run; elsewhere the PostgreSQL half of the suite is skipped with the reason.
"""
from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from emergency.store.postgres import close_pool
from tests.serving import free_port


def bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class Cluster:
    """One running server; ``database()`` makes a fresh empty database on it and returns its URL."""

    def __init__(self):
        self.bin = bindir()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (Debian package postgresql; scripts/install-postgresql)")
        self.root = Path(tempfile.mkdtemp(prefix="emergency-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._numbers = itertools.count(1)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300 "
                "-c shared_buffers=64MB")
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"), "-w", "start")

    def _run(self, program: str, *args: str) -> str:
        cmd = [str(self.bin / program), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stderr or done.stdout}")
        return done.stdout

    def url(self, name: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def admin(self, sql: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def database(self) -> str:
        name = f"t{os.getpid()}_{next(self._numbers)}"
        self.admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop(self, url: str) -> None:
        close_pool(url)
        name = url.rsplit("/", 1)[1]
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
