"""The ``emergency`` command: an edge over the engine.

Bad input exits with code 2 and one line on stderr naming the field; never a traceback.
"""
from __future__ import annotations

import functools
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from emergency.response.checklist import checklist as build_checklist
from emergency.response.classify import classify as run_classify, format_text
from emergency.core.clock import SystemClock, format_time, parse_time
from emergency.core.errors import EmergencyError, InputError
from emergency.response.library import PLANS_ENV, PlanLibrary, default_plans_dir, library
from emergency.response.lint import default_sources, lint_all
from emergency.core.markdown import checklist_markdown
from emergency.response.plandiff import as_markdown, as_text, diff_plans
from emergency.plans.model import PlanFileError
from emergency.store import (adopt_chain_key, copy_store, open_store, default_db_path, is_postgres, key_dir_for,
                             private_file, DatabaseError, shown_location, translate_sqlite_error, verify)
from emergency.services.users import (add_user, audit, create_token, list_tokens, list_users, reset_password,
                                      revoke_token, set_disabled, set_unit, set_role, sign_out_everywhere)


def _refuse(exc: Exception) -> None:
    """One line on stderr, exit 2: the refusal as a person reads it, and the field it names for a script."""
    field = getattr(exc, "field", None)
    click.echo(f"error: {exc}" + (f" [{field}]" if field else ""), err=True)
    sys.exit(2)


def _dump(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _read_json(source: str, field: str = "input") -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        _refuse(EmergencyError(f"{field}: cannot read {source!r}: {exc.strerror}"))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _refuse(EmergencyError(f"{field}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"))


PLANS_HELP = f"The plans directory (default: ${PLANS_ENV}, else the plans shipped with the package)."


def open_library(directory: str | None) -> PlanLibrary:
    """The plan library of ``directory`` (or the default); a directory that does not load exits 2 naming the file."""
    try:
        return library(directory or default_plans_dir())
    except EmergencyError as exc:
        _refuse(exc)


def plans_option(command):
    """``--plans DIR`` (or ``EMERGENCY_PLANS_DIR``) on a command that reads plans; the command gets ``plans``,
    a PlanLibrary."""
    @click.option("--plans", "plans_dir", default=None, type=click.Path(file_okay=False), help=PLANS_HELP)
    @functools.wraps(command)
    def run(*args, plans_dir: str | None = None, **kwargs):
        return command(*args, plans=open_library(plans_dir), **kwargs)
    return run


def _plan(plans: PlanLibrary, plan_id: str):
    try:
        return plans.plan(plan_id)
    except EmergencyError as exc:
        _refuse(exc)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Haimen emergency-plan decision support (海门应急预案决策支持).

    Classify an incident, date its notifications, run the console.
    """


@main.command("plans")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@plans_option
def plans_cmd(fmt: str, plans: PlanLibrary) -> None:
    """List the plans.

    Example: emergency plans --format json
    """
    rows = [{"id": p.id, "title": p.title, "document_number": p.document_number,
             "issued_by": p.issued_by, "issued_on": p.issued_on.isoformat()} for p in plans.plans.values()]
    if fmt == "json":
        _dump(rows)
    else:
        for r in rows:
            click.echo(f"{r['id']:<20} {r['document_number']:<18} {r['title']}")


@main.command("classify")
@click.argument("plan", metavar="PLAN")
@click.option("--input", "source", required=True, help="A JSON object of facts; - reads stdin.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@plans_option
def classify_cmd(plan: str, source: str, fmt: str, plans: PlanLibrary) -> None:
    """Classify an incident from facts and quote the deciding clause.

    Example: echo '{"deaths": 3}' | emergency classify environment --input -
    """
    facts = _read_json(source)
    try:
        result = run_classify(_plan(plans, plan), facts)
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
@plans_option
def checklist_cmd(plan: str, level: str, occurred_at: str, reported_at: str, cause: str | None,
                  hot_topic: bool, fmt: str, plans: PlanLibrary) -> None:
    """Print the notification checklist: dated notifications, report contents, command and groups.

    Example: emergency checklist environment --level III --occurred-at 2026-11-22T08:00 --reported-at 2026-11-22T08:20 --cause production_safety
    """
    try:
        cl = build_checklist(_plan(plans, plan), level, occurred_at, reported_at, cause=cause, hot_topic=hot_topic)
    except EmergencyError as exc:
        _refuse(exc)
    if fmt == "json":
        _dump(cl)
    else:
        click.echo(checklist_markdown(cl), nl=False)


DB_HELP = ("SQLite file, or a postgresql:// URL (default: EMERGENCY_DATABASE_URL, else a SQLite file under the "
           "user's data directory).")


def _db_path(db_path: str | None) -> str:
    return db_path or os.environ.get("EMERGENCY_DATABASE_URL") or str(default_db_path())


def _store(db_path: str | None, must_exist: bool = False, plans: PlanLibrary | None = None):
    """The store at ``db_path``, its schema migrated; a missing or unreadable file exits 2 with one line."""
    path = _db_path(db_path)
    if must_exist and not is_postgres(path) and not os.path.exists(path):
        _refuse(EmergencyError(f"db: no database at {path}"))
    try:
        return open_store(path, plans=plans)
    except DatabaseError as exc:
        _refuse(translate_sqlite_error(exc) or EmergencyError(f"db: {exc}"))
    except EmergencyError as exc:
        _refuse(exc)


def _clock():
    return SystemClock()


def _change(db_path: str | None, change, done: str):
    """Run ``change(store, clock)`` on an existing database; a refusal exits 2 with one line, else print ``done``
    (formatted with the change's result as ``{result}``)."""
    try:
        result = change(_store(db_path, must_exist=True), _clock())
    except EmergencyError as exc:
        _refuse(exc)
    click.echo(done.format(result=result))


def _password_from_stdin() -> str:
    return sys.stdin.readline().rstrip("\n")


@main.command("lint")
@click.argument("plan_files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--sources", "sources", default=None, type=click.Path(file_okay=False),
              help="The plan texts, to check every quotation (default: ../shared/sources).")
@plans_option
def lint_cmd(plan_files: tuple[str, ...], sources: str | None, plans: PlanLibrary) -> None:
    """Check plan files before they are adopted: lifecycle, levels, termination, agencies, quotations,
    national ceilings, scenarios, the three-year evaluation. Exit 1 on errors; warnings are printed.

    Example: emergency lint plans/environment.yaml --sources ../shared/sources
    """
    findings = lint_all([Path(f) for f in plan_files] or None, Path(sources) if sources else default_sources(),
                        _clock().now().date(), plans)
    for f in findings:
        click.echo(f.line())
    errors = sum(f.severity == "error" for f in findings)
    click.echo(f"{len(findings) - errors} warnings, {errors} errors")
    sys.exit(1 if errors else 0)


def _plan_version(spec: str, plans: PlanLibrary):
    """A plan from a file, or from git as REV:PATH (e.g. HEAD~3:plans/environment.yaml)."""
    if os.path.exists(spec):
        path = Path(spec)
    elif ":" in spec:
        rev, _, inner = spec.partition(":")
        try:
            text = subprocess.run(["git", "show", f"{rev}:{inner}"], capture_output=True, text=True, check=True,
                                  timeout=30).stdout
        except (subprocess.CalledProcessError, OSError) as exc:
            _refuse(EmergencyError(f"plan: cannot read {spec!r} from git ({getattr(exc, 'stderr', '') or exc})".strip()))
        path = Path(tempfile.mkdtemp()) / Path(inner).name
        path.write_text(text, encoding="utf-8")
    else:
        _refuse(EmergencyError(f"plan: no file {spec!r} (give a path, or REV:PATH for a git revision)"))
    try:
        return plans.load_plan_file(path)
    except PlanFileError as exc:
        _refuse(EmergencyError(str(exc)))


@main.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
@plans_option
def diff_cmd(old: str, new: str, fmt: str, plans: PlanLibrary) -> None:
    """What a plan revision changes for the people on duty: thresholds (and the cases that now grade
    differently), deadlines, recipients, groups and leads, lifecycle, termination.

    Example: emergency diff HEAD~5:plans/environment.yaml plans/environment.yaml --format markdown
    """
    a, b = _plan_version(old, plans), _plan_version(new, plans)
    if a.id != b.id:
        _refuse(EmergencyError(f"new: compares one plan's versions; got {a.id} and {b.id}"))
    changes = diff_plans(a, b)
    title = f"{b.short_title}：{old} → {new}"
    click.echo((as_markdown if fmt == "markdown" else as_text)(changes, title), nl=False)


@main.command("init-db")
@click.option("--db", "db_path", default=None, help=DB_HELP)
@plans_option
def init_db_cmd(db_path: str | None, plans: PlanLibrary) -> None:
    """Create the database, or apply the schema migrations it lacks (serve does this on start too).

    Example: emergency init-db --db /var/lib/emergency/emergency.db
    """
    store = _store(db_path, plans=plans)
    applied = store.applied_migrations()
    click.echo(f"database {shown_location(store.path)}: schema at {applied[-1] if applied else 'none'} "
               f"({len(applied)} migrations)")


@main.group("user")
def user_group() -> None:
    """Manage users (sign-in for the console)."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True, help="duty_officer, commander, drill_controller, observer or administrator.")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin (never an argument).")
@click.option("--unit", default=None, help="The office the user works for, by today's name (default: the duty room).")
@click.option("--db", "db_path", default=None, help=DB_HELP)
def user_add_cmd(name: str, role: str, password_stdin: bool, unit: str | None, db_path: str | None) -> None:
    """Create a user, or reset a user's role, office and password (their sessions end).

    Example: printf '%s' "$PASSWORD" | emergency user add 张三 --role duty_officer --unit 区应急管理局 --password-stdin
    """
    try:
        add_user(_store(db_path), name, role, _password_from_stdin(), _clock(), unit=unit)
    except EmergencyError as exc:
        _refuse(exc)
    click.echo(f"user {name} ({role}{', ' + unit if unit else ''}) saved")


@user_group.command("unit")
@click.argument("name")
@click.argument("unit")
@click.option("--db", "db_path", default=None, help=DB_HELP)
def user_unit_cmd(name: str, unit: str, db_path: str | None) -> None:
    """Move a user to another office (their sessions end). An empty UNIT ('') puts them back in the duty room.

    Example: emergency user unit 张三 区应急管理局
    """
    try:
        set_unit(_store(db_path), name, unit, _clock())
    except EmergencyError as exc:
        _refuse(exc)
    click.echo(f"user {name} now works for {unit or 'the duty room'}")


@user_group.command("list")
@click.option("--db", "db_path", default=None, help=DB_HELP)
def user_list_cmd(db_path: str | None) -> None:
    """List users with their role and whether they are disabled.

    Example: emergency user list
    """
    for u in list_users(_store(db_path, must_exist=True)):
        flags = " disabled" if u["disabled"] else ""
        flags += " demo" if u["demo"] else ""
        click.echo(f"{u['name']:<20} {u['role']:<17} {u.get('unit') or '':<16}{flags}")


@user_group.command("set-role")
@click.argument("name")
@click.argument("role")
@click.option("--db", "db_path", default=None, help=DB_HELP)
def user_set_role_cmd(name: str, role: str, db_path: str | None) -> None:
    """Change a user's role; the user is signed out everywhere.

    Example: emergency user set-role 张三 commander
    """
    _change(db_path, lambda store, clock: set_role(store, name, role, clock), f"user {name} is now {role}; signed out everywhere")


@user_group.command("reset-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the new password from stdin.")
@click.option("--db", "db_path", default=None, help=DB_HELP)
def user_reset_password_cmd(name: str, password_stdin: bool, db_path: str | None) -> None:
    """Set a new password; the user is signed out everywhere.

    Example: printf '%s' "$PASSWORD" | emergency user reset-password 张三 --password-stdin
    """
    password = _password_from_stdin()
    _change(db_path, lambda store, clock: reset_password(store, name, password, clock),
            f"password of {name} reset; signed out everywhere")


@user_group.command("disable")
@click.argument("name")
@click.option("--db", "db_path", default=None, help=DB_HELP)
def user_disable_cmd(name: str, db_path: str | None) -> None:
    """Disable a user: their sessions and tokens stop working at once.

    Example: emergency user disable 张三
    """
    _change(db_path, lambda store, clock: set_disabled(store, name, True, clock), f"user {name} disabled")


@user_group.command("enable")
@click.argument("name")
@click.option("--db", "db_path", default=None, help=DB_HELP)
def user_enable_cmd(name: str, db_path: str | None) -> None:
    """Enable a disabled user again.

    Example: emergency user enable 张三
    """
    _change(db_path, lambda store, clock: set_disabled(store, name, False, clock), f"user {name} enabled")


@user_group.command("sign-out")
@click.argument("name")
@click.option("--db", "db_path", default=None, help=DB_HELP)
def user_sign_out_cmd(name: str, db_path: str | None) -> None:
    """End every browser session of a user (e.g. a lost phone).

    Example: emergency user sign-out 张三
    """
    _change(db_path, lambda store, clock: sign_out_everywhere(store, name, clock), "{result} sessions of " + name + " ended")


@main.group("token")
def token_group() -> None:
    """API tokens for scripts (Authorization: Bearer …)."""


@token_group.command("create")
@click.argument("name")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3650), help="Days until it expires.")
@click.option("--db", "db_path", default=None, help=DB_HELP)
def token_create_cmd(name: str, days: int, db_path: str | None) -> None:
    """Print a new API token for a user; it is shown once and stored only as a hash.

    Example: emergency token create 张三 --days 30
    """
    try:
        click.echo(create_token(_store(db_path), name, _clock(), days=days))
    except EmergencyError as exc:
        _refuse(exc)


@token_group.command("list")
@click.option("--user", "name", default=None, help="Only this user's tokens.")
@click.option("--db", "db_path", default=None, help=DB_HELP)
def token_list_cmd(name: str | None, db_path: str | None) -> None:
    """List tokens: id, user, created, expires, last used, revoked.

    Example: emergency token list --user 张三
    """
    for t in list_tokens(_store(db_path, must_exist=True), name):
        state = f"revoked {t['revoked_at']}" if t["revoked_at"] else f"expires {t['expires_at'] or '(no expiry: invalid)'}"
        click.echo(f"{t['id'] or '(old)':<14} {t['name']:<16} created {t['created_at']}  {state}  "
                   f"last used {t['last_used_at'] or 'never'}")


@token_group.command("revoke")
@click.argument("token_id")
@click.option("--db", "db_path", default=None, help=DB_HELP)
def token_revoke_cmd(token_id: str, db_path: str | None) -> None:
    """Revoke a token by its id (from emergency token list); it stops working at once.

    Example: emergency token revoke tok-1a2b3c4d
    """
    _change(db_path, lambda store, clock: revoke_token(store, token_id, clock), f"token {token_id} revoked")


@main.command("rotate-secret")
@click.option("--db", "db_path", default=None, help=DB_HELP)
def rotate_secret_cmd(db_path: str | None) -> None:
    """Replace the session-signing key beside the database and end every browser session.

    Restart the console afterwards. A key given in EMERGENCY_SECRET_KEY is replaced there instead.
    Example: emergency rotate-secret --db /var/lib/emergency/emergency.db
    """
    store = _store(db_path, must_exist=True)
    path = key_dir_for(store.path) / "secret_key"
    private_file(path)
    path.write_text(secrets.token_hex(32), encoding="utf-8")
    ended = store.people.end_all_sessions()
    audit(store, "secret_rotated", _clock(), actor="cli", detail={"sessions_ended": ended})
    click.echo(f"new session key written to {path}; {ended} sessions ended; restart the console")
    if os.environ.get("EMERGENCY_SECRET_KEY"):
        click.echo("note: EMERGENCY_SECRET_KEY is set and takes precedence; replace it there too", err=True)


def _problems_line(b: dict) -> str:
    where = f"incident {b['incident_id']}" if b.get("incident_id") else f"{b.get('chain', 'log')} chain"
    at = f" at event {b['seq']}" if b.get("seq") is not None else ""
    return f"BROKEN {where}{at}: {b['problem']}"


@main.command("verify")
@click.option("--db", "db_path", default=None, help=DB_HELP)
@click.option("--anchor", "anchor_file", default=None, help="A file written by emergency anchor: check the log still holds it.")
@click.option("--archive", "archive_file", default=None,
              help="An auditor's archive (emergency archive): check it offline against --public-key instead.")
@click.option("--public-key", "public_key_file", default=None, help="The office's public key (PEM) for --archive.")
@plans_option
def verify_cmd(db_path: str | None, anchor_file: str | None, archive_file: str | None, public_key_file: str | None,
               plans: PlanLibrary) -> None:
    """Check every hash chain, every snapshot against its events, and the ledger; name each broken link.
    With --archive and --public-key: check an auditor's archive, offline, with the public key alone.

    Exit 1 if anything is broken. Example: emergency verify --db ~/.local/share/emergency/emergency.db;
    emergency verify --archive 2026-11.zip --public-key office.pem
    """
    if archive_file or public_key_file:
        _verify_archive(archive_file, public_key_file)
    path = _db_path(db_path)
    if not is_postgres(path) and not os.path.exists(path):
        _refuse(EmergencyError(f"db: no database at {path}"))
    anchor = _read_json(anchor_file, "anchor") if anchor_file else None
    try:
        store = open_store(path, create=False, plans=plans)
        broken = verify(store, anchor)
        count = len(store.incidents.incident_ids())
    except Exception as exc:  # noqa: BLE001 - any database error: the file or database cannot be read
        if not isinstance(exc, (DatabaseError, EmergencyError)) and "psycopg" not in type(exc).__module__:
            raise
        click.echo(f"BROKEN database {shown_location(path)}: cannot be read ({str(exc)[:200]})")
        sys.exit(1)
    for b in broken:
        click.echo(_problems_line(b))
    click.echo(f"{count} incidents checked, {len(broken)} broken chains")
    sys.exit(1 if broken else 0)


def _verify_archive(archive_file: str | None, public_key_file: str | None) -> None:
    from emergency.services import archive

    if not archive_file or not public_key_file:
        _refuse(InputError("archive", "--archive 与 --public-key 须一同给出"))
    try:
        problems = archive.verify(archive.read_file(archive_file, "archive"),
                                  archive.read_file(public_key_file, "public_key"))
    except EmergencyError as exc:
        _refuse(exc)
    for p in problems:
        click.echo(f"BROKEN {p}")
    click.echo(f"archive {archive_file}: " + (f"{len(problems)} problems" if problems else "intact, signature valid"))
    sys.exit(1 if problems else 0)


@main.command("archive")
@click.option("--db", "db_path", default=None, help=DB_HELP)
@click.option("--office", required=True, help="The office whose period it is (its shift log and handovers).")
@click.option("--from", "since", required=True, help="First day, e.g. 2026-11-01.")
@click.option("--to", "until", required=True, help="Last day, e.g. 2026-11-30.")
@click.option("--out", "out_file", required=True, help="The .zip to write (a new file).")
@click.option("--public-key-out", "pem_file", default=None, help="Also write the public key (PEM) here.")
@plans_option
def archive_cmd(db_path: str | None, office: str, since: str, until: str, out_file: str, pem_file: str | None,
                plans: PlanLibrary) -> None:
    """Write an auditor's archive of a period, signed with the office's key; verify it with verify --archive.

    Example: emergency archive --office 海门区政府总值班室 --from 2026-11-01 --to 2026-11-30 --out 2026-11.zip
    """
    from emergency.services import archive

    bounds = {}
    for name, day, suffix in (("from", since, "T00:00:00+08:00"), ("to", until, "T23:59:59+08:00")):
        try:
            bounds[name] = format_time(parse_time(day[:10] + suffix, name))
        except EmergencyError as exc:
            _refuse(exc)
    if os.path.exists(out_file):
        _refuse(EmergencyError(f"out: {out_file} exists; choose a new file"))
    store = _store(db_path, must_exist=True, plans=plans)
    body = archive.build(store, office, bounds["from"], bounds["to"], _clock().now())
    Path(out_file).write_bytes(body)
    if pem_file:
        Path(pem_file).write_text(archive.public_key_pem(archive.signing_key(store)), encoding="utf-8")
    audit(store, "export", _clock(), actor="cli", detail={"archive": str(out_file)[:200], "from": since, "to": until})
    click.echo(f"wrote {out_file} ({len(body)} bytes)")


@main.command("anchor")
@click.option("--db", "db_path", default=None, help=DB_HELP)
def anchor_cmd(db_path: str | None) -> None:
    """Print the log's current heads as JSON, to keep off the machine (e.g. daily); verify --anchor checks them.

    Example: emergency anchor > /backup/anchor-$(date +%F).json
    """
    store = _store(db_path, must_exist=True)
    _dump({"at": format_time(_clock().now()), "database": shown_location(store.path), **store.anchor()})


@main.command("backup")
@click.argument("destination")
@click.option("--db", "db_path", default=None, help=DB_HELP)
@plans_option
def backup_cmd(destination: str, db_path: str | None, plans: PlanLibrary) -> None:
    """Copy the database while the console runs (SQLite online backup), then verify the copy.

    The copy is readable by its owner only. Example: emergency backup /backup/emergency-$(date +%F).db
    """
    path = _db_path(db_path)
    if is_postgres(path):
        _refuse(EmergencyError("PostgreSQL数据库请用pg_dump备份（见README“运维”），再用emergency verify校验"))
    if not os.path.exists(path):
        _refuse(EmergencyError(f"db: no database at {path}"))
    if os.path.exists(destination):
        _refuse(EmergencyError(f"destination: {destination} exists; choose a new file"))
    store = _store(path, plans=plans)
    private_file(destination)
    store.backup_to(destination)
    broken = verify(open_store(destination, create=False, chain_key=store.key, plans=plans))
    audit(store, "backup", _clock(), actor="cli", detail={"destination": str(destination)[:200], "broken": len(broken)})
    click.echo(f"backed up {path} to {destination}; {len(broken)} broken chains in the copy")
    sys.exit(1 if broken else 0)


@main.command("migrate-store")
@click.option("--from", "source", required=True, help="The database to copy: a SQLite file or sqlite:///PATH, "
              "or a postgresql:// URL.")
@click.option("--to", "target", required=True, help="The new database: a postgresql:// URL, or a SQLite file.")
@plans_option
def migrate_store_cmd(source: str, target: str, plans: PlanLibrary) -> None:
    """Copy every table from one store to another (SQLite to PostgreSQL, or back), then verify every hash
    chain on the target. Refuses a target that already holds data. Both use the same chain key
    (EMERGENCY_CHAIN_KEY, or the chain_key file of the source).

    Example: emergency migrate-store --from sqlite:///var/lib/emergency/emergency.db --to postgresql://emergency@db/emergency
    """
    source, target = _sqlite_path(source), _sqlite_path(target)
    if not is_postgres(source) and not os.path.exists(source):
        _refuse(EmergencyError(f"from: no database at {source}"))
    src = _store(source, plans=plans)
    try:
        adopt_chain_key(src.key, target)  # the copy's chains were made with the source's key
        dst = _store(target, plans=plans)
        copied = copy_store(src, dst)
    except EmergencyError as exc:
        _refuse(exc)
    broken = verify(dst)
    for b in broken:
        click.echo(_problems_line(b))
    click.echo(f"copied {sum(copied.values())} rows in {len(copied)} tables from {shown_location(source)} to "
               f"{shown_location(target)}: {copied.get('incidents', 0)} incidents, {copied.get('events', 0)} events; "
               f"{len(broken)} broken chains on the target (keyed with the source's chain key, kept in "
               f"{'EMERGENCY_CHAIN_KEY' if os.environ.get('EMERGENCY_CHAIN_KEY') else key_dir_for(target) / 'chain_key'}; "
               "the servers on the target need the same key)")
    sys.exit(1 if broken else 0)


def _sqlite_path(location: str) -> str:
    """sqlite:///relative.db and sqlite:////absolute.db (as SQLAlchemy writes them) name SQLite files."""
    return location[len("sqlite:///"):] if location.startswith("sqlite:///") else location


if __name__ == "__main__":  # pragma: no cover
    main()
