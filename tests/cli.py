"""The ``emergency`` command run in this process through click's CliRunner: the same commands,
arguments, standard input, exit codes and the two output streams a shell sees, without paying for a new
Python process and its imports each time. The installed entry point itself is run as a process by
tests/e2e/test_wheel.py."""
from __future__ import annotations

from dataclasses import dataclass

from click.testing import CliRunner

from webui.cli import main


@dataclass
class Ran:
    """What a shell would see: ``returncode``, ``stdout`` and ``stderr`` (as subprocess.CompletedProcess names them)."""

    returncode: int
    stdout: str
    stderr: str


def emergency(*args: str, stdin: str | None = None, env: dict[str, str | None] | None = None) -> Ran:
    """``emergency ARGS`` with ``stdin``; ``env`` sets (or, with None, removes) environment variables meanwhile.
    An exception the command does not turn into a refusal propagates: a traceback fails the test."""
    result = CliRunner().invoke(main, [str(a) for a in args], input=stdin, env=env, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)
