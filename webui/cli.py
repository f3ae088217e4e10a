"""The ``emergency`` command with the web side added: ``emergency serve``.

The engine's commands live in ``emergency.cli``, which never imports the web package; this module
adds ``serve`` to that group and is the console script's entry point.
"""
from __future__ import annotations

import os
import secrets
import sys

import click
from waitress import serve

from emergency.cli import DB_HELP, _db_path, _refuse, main, plans_option
from emergency.clock import SystemClock
from emergency.errors import EmergencyError
from emergency.incidents import load_demo
from emergency.library import PlanLibrary
from emergency.store import Store, init_database
from emergency.users import add_user, count_users, retire_demo_users

from . import ConfigError, create_app

DEMO_USERS = (("demo-commander", "commander"), ("demo-duty", "duty_officer"),
              ("demo-controller", "drill_controller"), ("demo-observer", "observer"))


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--db", "db_path", default=None, help=DB_HELP)
@click.option("--demo", is_flag=True, help="Load one example incident per plan (marked as drills) and demo users.")
@click.option("--threads", default=8, show_default=True, type=int)
@plans_option
def serve_cmd(host: str, port: int, db_path: str | None, demo: bool, threads: int, plans: PlanLibrary) -> None:
    """Start the console and API with a production WSGI server (waitress).

    Creates the database on first run and applies pending migrations (emergency init-db) before the
    app starts. Demo accounts made by an
    earlier ``--demo`` start are disabled at every start; ``--demo`` makes new ones with new
    passwords, printed once. Example: emergency serve --demo --port 8080
    """
    os.umask(0o077)  # the database, its WAL and the key files are the owner's only
    database = db_path or os.environ.get("EMERGENCY_DATABASE") or _db_path(None)
    try:
        init_database(database, plans)
        app = create_app({"DATABASE": database, "PLANS_DIR": str(plans.directory)})
    except (ConfigError, EmergencyError) as exc:
        _refuse(exc)
    clock = SystemClock()
    store = Store(app.config["DATABASE"], create=False, plans=plans)
    try:
        retire_demo_users(store, clock)
        if demo:
            if not store.list(drill=True, drill_id="demo"):
                load_demo(store, clock)
            lines = ["demo users (passwords made now; disabled when the console next starts without --demo):"]
            for name, role in DEMO_USERS:
                password = secrets.token_urlsafe(12)
                add_user(store, name, role, password, clock, actor="serve --demo", demo=True)
                lines.append(f"  {name:<16} {role:<17} {password}")
            click.echo("\n".join(lines))
        elif count_users(store) == 0:
            click.echo("no users yet: add one with\n  printf '%s' \"$PASSWORD\" | emergency user add NAME "
                       "--role commander --password-stdin" + (f" --db {db_path}" if db_path else ""), err=True)
    finally:
        store.close()
    for problem in app.config["CHAIN_PROBLEMS"]:
        click.echo(f"WARNING tamper evidence: {problem['problem']} — run emergency verify", err=True)
    click.echo(f"console: http://{host}:{port}/  database: {app.config['DATABASE']}", err=True)
    sys.stdout.flush()
    serve(app, host=host, port=port, threads=threads, ident="")


if __name__ == "__main__":  # pragma: no cover
    main()
