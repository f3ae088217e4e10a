"""The unit tier is pure: plans, classification, deadlines and lifecycles on values and a clock. A test here
that opens a database, a socket or a process fails at once, naming what it reached for; it belongs in
tests/integration (or tests/e2e)."""
import socket
import sqlite3
import subprocess

import pytest


def _refuse(what):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a unit test may not use {what}: move the test to tests/integration")
    return refuse


@pytest.fixture(autouse=True)
def _pure(monkeypatch):
    monkeypatch.setattr(sqlite3, "connect", _refuse("a database (sqlite3.connect)"))
    monkeypatch.setattr(socket.socket, "connect", _refuse("the network (socket.connect)"))
    monkeypatch.setattr(subprocess.Popen, "__init__", _refuse("a process (subprocess)"))
