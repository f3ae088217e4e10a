"""The ``emergency`` command: an edge over the engine.

Bad input exits with code 2 and one line on stderr naming the field; never a traceback.
"""
from __future__ import annotations

import json
import sys
from typing import Any

import click

from .checklist import checklist as build_checklist, checklist_markdown
from .classify import classify as run_classify, format_text
from .errors import EmergencyError
from .plans import load_plan, load_plans


def _refuse(exc: Exception) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


def _dump(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _read_json(source: str, field: str = "input") -> Any:
    try:
        text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()
    except OSError as exc:
        _refuse(EmergencyError(f"{field}: cannot read {source!r}: {exc.strerror}"))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _refuse(EmergencyError(f"{field}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"))


def _plan(plan_id: str):
    try:
        return load_plan(plan_id)
    except EmergencyError as exc:
        _refuse(exc)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Haimen emergency-plan decision support (海门应急预案决策支持).

    Classify an incident, date its notifications, run the console.
    """


@main.command("plans")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
def plans_cmd(fmt: str) -> None:
    """List the plans.

    Example: emergency plans --format json
    """
    plans = load_plans()
    rows = [{"id": p.id, "title": p.title, "document_number": p.document_number,
             "issued_by": p.issued_by, "issued_on": p.issued_on.isoformat()} for p in plans.values()]
    if fmt == "json":
        _dump(rows)
    else:
        for r in rows:
            click.echo(f"{r['id']:<20} {r['document_number']:<18} {r['title']}")


@main.command("classify")
@click.argument("plan", metavar="PLAN")
@click.option("--input", "source", required=True, help="A JSON object of facts; - reads stdin.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
def classify_cmd(plan: str, source: str, fmt: str) -> None:
    """Classify an incident from facts and quote the deciding clause.

    Example: echo '{"deaths": 3}' | emergency classify environment --input -
    """
    facts = _read_json(source)
    try:
        result = run_classify(_plan(plan), facts)
    except EmergencyError as exc:
        _refuse(exc)
    if fmt == "json":
        _dump(result)
    else:
        click.echo(format_text(result))


@main.command("checklist")
@click.argument("plan", metavar="PLAN")
@click.option("--level", required=True, help="I, II, III or IV.")
@click.option("--occurred-at", required=True, help="ISO time of the event (事发时间); +08:00 if no offset.")
@click.option("--reported-at", required=True, help="ISO time the report was received (接报时间).")
@click.option("--cause", default=None, help="Environment plan only: what caused the event (二(三)).")
@click.option("--hot-topic", is_flag=True, help="A hot public-opinion event (环境 四(一)1).")
@click.option("--format", "fmt", type=click.Choice(["json", "markdown"]), default="json", show_default=True)
def checklist_cmd(plan: str, level: str, occurred_at: str, reported_at: str, cause: str | None,
                  hot_topic: bool, fmt: str) -> None:
    """Print the notification checklist: dated notifications, report contents, command and groups.

    Example: emergency checklist environment --level III --occurred-at 2026-11-22T08:00 --reported-at 2026-11-22T08:20 --cause production_safety
    """
    try:
        cl = build_checklist(_plan(plan), level, occurred_at, reported_at, cause=cause, hot_topic=hot_topic)
    except EmergencyError as exc:
        _refuse(exc)
    if fmt == "json":
        _dump(cl)
    else:
        click.echo(checklist_markdown(cl), nl=False)


def _store(db_path: str | None):
    from .store import Store, default_db_path
    return Store(db_path or str(default_db_path()))


@main.group("user")
def user_group() -> None:
    """Manage users (sign-in for the console)."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True, help="duty_officer, commander, drill_controller or observer.")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin (never an argument).")
@click.option("--db", "db_path", default=None, help="SQLite file (default: under the user's data directory).")
def user_add_cmd(name: str, role: str, password_stdin: bool, db_path: str | None) -> None:
    """Create a user, or reset a user's role and password.

    Example: printf '%s' "$PASSWORD" | emergency user add 张三 --role duty_officer --password-stdin
    """
    from .clock import SystemClock
    from .users import add_user

    password = sys.stdin.readline().rstrip("\n")
    try:
        add_user(_store(db_path), name, role, password, SystemClock())
    except EmergencyError as exc:
        _refuse(exc)
    click.echo(f"user {name} ({role}) saved")


@main.group("token")
def token_group() -> None:
    """API tokens for scripts (Authorization: Bearer …)."""


@token_group.command("create")
@click.argument("name")
@click.option("--db", "db_path", default=None, help="SQLite file (default: under the user's data directory).")
def token_create_cmd(name: str, db_path: str | None) -> None:
    """Print a new API token for a user; it is shown once and stored only as a hash.

    Example: emergency token create 张三
    """
    from .clock import SystemClock
    from .users import create_token

    try:
        click.echo(create_token(_store(db_path), name, SystemClock()))
    except EmergencyError as exc:
        _refuse(exc)


@main.command("verify")
@click.option("--db", "db_path", default=None, help="SQLite file (default: under the user's data directory).")
def verify_cmd(db_path: str | None) -> None:
    """Check every incident's event hash chain; name the first broken link. Exit 1 if any is broken.

    Example: emergency verify --db ~/.local/share/emergency/emergency.db
    """
    from .store import Store, default_db_path

    path = db_path or str(default_db_path())
    import os
    if not os.path.exists(path):
        _refuse(EmergencyError(f"db: no database at {path}"))
    store = Store(path)
    broken = store.verify()
    count = len(store.incident_ids())
    for b in broken:
        click.echo(f"BROKEN incident {b['incident_id']} at event {b['seq']}: {b['problem']}")
    click.echo(f"{count} incidents checked, {len(broken)} broken chains")
    sys.exit(1 if broken else 0)


@main.command("backup")
@click.argument("destination")
@click.option("--db", "db_path", default=None, help="SQLite file (default: under the user's data directory).")
def backup_cmd(destination: str, db_path: str | None) -> None:
    """Copy the database while the console runs (SQLite online backup), then verify the copy.

    Example: emergency backup /backup/emergency-$(date +%F).db
    """
    import os
    import sqlite3

    from .store import Store, default_db_path

    path = db_path or str(default_db_path())
    if not os.path.exists(path):
        _refuse(EmergencyError(f"db: no database at {path}"))
    if os.path.exists(destination):
        _refuse(EmergencyError(f"destination: {destination} exists; choose a new file"))
    src = sqlite3.connect(path)
    dst = sqlite3.connect(destination)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    broken = Store(destination, create=False).verify()
    click.echo(f"backed up {path} to {destination}; {len(broken)} broken chains in the copy")
    sys.exit(1 if broken else 0)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--db", "db_path", default=None, help="SQLite file (default: under the user's data directory).")
@click.option("--demo", is_flag=True, help="Load one example incident per plan (marked as drills).")
@click.option("--threads", default=8, show_default=True, type=int)
def serve_cmd(host: str, port: int, db_path: str | None, demo: bool, threads: int) -> None:
    """Start the console and API with a production WSGI server (waitress).

    Example: emergency serve --demo --port 8080
    """
    from waitress import serve

    from webui import create_app

    from .clock import SystemClock
    from .incidents import load_demo
    from .store import Store

    config = {"DATABASE": db_path} if db_path else {}
    app = create_app(config)
    if demo:
        import secrets

        from .users import add_user
        store = Store(app.config["DATABASE"])
        try:
            if not store.list(drill=True, drill_id="demo"):
                load_demo(store, SystemClock())
            click.echo("demo users (passwords generated now, valid until the next --demo start):", err=True)
            for name, role in (("demo-commander", "commander"), ("demo-duty", "duty_officer"),
                               ("demo-controller", "drill_controller")):
                password = secrets.token_urlsafe(9)
                add_user(store, name, role, password, SystemClock())
                click.echo(f"  {name:<16} {role:<17} {password}", err=True)
        finally:
            store.close()
    click.echo(f"console: http://{host}:{port}/  database: {app.config['DATABASE']}", err=True)
    serve(app, host=host, port=port, threads=threads, ident="emergency")


if __name__ == "__main__":  # pragma: no cover
    main()
