"""The ``emergency`` command with the web side added: ``emergency serve``.

The engine's commands live in ``emergency.cli``, which never imports the web package; this module
adds ``serve`` to that group and is the console script's entry point.
"""
from __future__ import annotations

import os
import secrets
import sys

import click
from gunicorn.app.base import BaseApplication
from waitress import serve

from emergency.cli import DB_HELP, _db_path, _refuse, main, plans_option
from emergency.core.clock import SystemClock
from emergency.core.errors import EmergencyError
from emergency.services.directory import load_demo as load_demo_directory
from emergency.services.incidents import listed, load_demo
from emergency.services.roster import load_demo as load_demo_roster
from emergency.response.library import PlanLibrary, library
from emergency.store import close_pools, init_database, open_store, shown_location
from emergency.services import users
from emergency.services.users import add_user, count_users, retire_demo_users

from . import ConfigError, create_app

# (name, role, office): the duty room's officers (two, so that one hands over to the other; both on the demo
# roster by these names), an officer of the 区应急管理局 (whose duties differ) and an
# administrator who manages users. The name is the one the record carries (签发书面报告 · 演示值班员张某),
# so it reads as a person, as an office names its accounts, never as a sign-in handle.
DEMO_USERS = (("演示指挥李某", "commander", None), ("演示值班员张某", "duty_officer", None),
              ("演示值班员周某", "duty_officer", None),
              ("演示应急局值班员王某", "duty_officer", "区应急管理局"), ("演示导调赵某", "drill_controller", None),
              ("演示观察员钱某", "observer", None), ("演示管理员孙某", "administrator", None))


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--db", "db_path", default=None, help=DB_HELP)
@click.option("--demo", is_flag=True, help="Load one example incident per plan (marked as drills) and demo users.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes on the one port (more than 1: gunicorn's pre-fork workers).")
@plans_option
def serve_cmd(host: str, port: int, db_path: str | None, demo: bool, threads: int, workers: int,
              plans: PlanLibrary) -> None:
    """Start the console and API with a production WSGI server: waitress, or with ``--workers N`` N gunicorn
    processes sharing the port (on SQLite or PostgreSQL; sessions, CSRF and tokens work across them, as
    the secret key is shared through its file or EMERGENCY_SECRET_KEY).

    Creates the database on first run and applies pending migrations (emergency init-db) before the
    app starts. Demo accounts made by an
    earlier ``--demo`` start are disabled at every start; ``--demo`` makes new ones with new
    passwords, printed once. Examples: emergency serve --demo --port 8080;
    emergency serve --db postgresql://emergency@db.example/emergency --workers 4
    """
    os.umask(0o077)  # the database, its WAL and the key files are the owner's only
    if users.PASSWORD_HASH_METHOD != users.PRODUCTION_HASH_METHOD:  # the test suite's cheap hash, never served
        _refuse(ConfigError(f"passwords would be hashed with {users.PASSWORD_HASH_METHOD}, not "
                            f"{users.PRODUCTION_HASH_METHOD}: a setting of the test suite only (密码散列方式不可用于服务)"))
    database = db_path or os.environ.get("EMERGENCY_DATABASE_URL") or os.environ.get("EMERGENCY_DATABASE") \
        or _db_path(None)
    office_rules = _demo_office_rules(plans) if demo else None
    if office_rules:
        plans = library(plans.directory, office_rules)
    try:
        init_database(database, plans)
        app = create_app({"DATABASE": database, "PLANS_DIR": str(plans.directory), "OFFICE_RULES": office_rules})
    except (ConfigError, EmergencyError) as exc:
        _refuse(exc)
    clock = SystemClock()
    store = open_store(app.config["DATABASE"], create=False, plans=plans)
    try:
        retire_demo_users(store, clock)
        if demo:
            if not listed(store, drill=True, drill_id="demo"):
                load_demo(store, clock)
            load_demo_directory(store, clock.now().isoformat(timespec="seconds"))
            load_demo_roster(store, clock.now())
            lines = ["demo users (passwords made now; disabled when the console next starts without --demo):"]
            for name, role, unit in DEMO_USERS:
                password = secrets.token_urlsafe(12)
                add_user(store, name, role, password, clock, actor="serve --demo", demo=True, unit=unit)
                lines.append(f"  {name}\t{role:<17} {password}" + (f"  ({unit})" if unit else ""))
            click.echo("\n".join(lines))
        elif count_users(store) == 0:
            click.echo("no users yet: add one with\n  printf '%s' \"$PASSWORD\" | emergency user add NAME "
                       "--role commander --password-stdin" + (f" --db {db_path}" if db_path else ""), err=True)
    finally:
        store.close()
    for problem in app.config["CHAIN_PROBLEMS"]:
        click.echo(f"WARNING tamper evidence: {problem['problem']} — run emergency verify", err=True)
    click.echo(f"console: http://{host}:{port}/  database: {shown_location(database)}"
               + (f"  workers: {workers}" if workers > 1 else ""), err=True)
    sys.stdout.flush()
    if workers == 1:
        serve(app, host=host, port=port, threads=threads, ident="")
        return
    config = {"DATABASE": database, "PLANS_DIR": str(plans.directory), "SECRET_KEY": app.config["SECRET_KEY"],
              "OFFICE_RULES": office_rules}
    close_pools()  # each worker opens its own connections after the fork
    Workers(lambda: create_app(config), {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                                          "worker_class": "gthread", "accesslog": None, "errorlog": "-",
                                          "loglevel": "warning", "timeout": 60}).run()


def _demo_office_rules(plans: PlanLibrary) -> str | None:
    """The demo's example office rule (plans/demo/office_rules.yaml, marked 示例 wherever it shows), so the demo shows
    an office's own rule at work; None where the office has rules of its own, which stay in force."""
    example = plans.directory / "demo" / "office_rules.yaml"
    if plans.office_rules.rules or not example.is_file():
        return None
    return str(example)


class Workers(BaseApplication):
    """Gunicorn's pre-fork server with the app made by ``factory`` in each worker (``serve --workers``)."""

    def __init__(self, factory, options: dict):
        self.factory, self.options = factory, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.factory()


if __name__ == "__main__":  # pragma: no cover
    main()
