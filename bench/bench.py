"""Benchmarks: each prints a ratio against a bare baseline measured in the same run.

    .venv/bin/python bench/bench.py all          # or: classify | transition | board | rebuild | pg-transition | pg-board | report-docx | directory-import | call-sheet | pages | shift-log | startup

Not tests: the machines are shared and noisy, so nothing here asserts a time. Targets:
classify throughput ≥ 0.7 of a constant endpoint; a transition with its durable event ≥ 0.5 of
a bare insert; the board with 10,000 incidents / 1,000,000 events ≤ 3× the board with 100 / 10,000;
rebuilding from 1,000 events ≤ 5× reading the rows.
"""
from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emergency.services import incidents as svc  # noqa: E402
from emergency.core.clock import FixedClock  # noqa: E402
from emergency.store import open_store  # noqa: E402
from emergency.store.incidents import Incidents  # noqa: E402
from emergency.services.users import add_user, create_token  # noqa: E402
from tests.serving import free_port, wait_for_port  # noqa: E402

CLOCK = FixedClock("2026-11-22T09:00:00+08:00")


def best(fn, repeat=7):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


# ------------------------------------------------------------------ 1. classify throughput

def _serve(db: str, port: int) -> None:
    from waitress import serve

    from webui import create_app
    from webui.access import ROUTE_ACTIONS
    ROUTE_ACTIONS["bench_constant"] = "plans.read"     # the same gate as classify: signed in by token, may read plans
    app = create_app({"DATABASE": db, "SECRET_KEY": "test-key-not-secret-0123456789abcdef"})
    app.add_url_rule("/api/bench/constant", "bench_constant", lambda: {"level": "III"}, methods=["POST"])
    serve(app, host="127.0.0.1", port=port, threads=8, _quiet=True)


def _load(port: int, path: str, token: str, seconds: float, threads: int, out) -> None:
    body = json.dumps({"deaths": 3, "evacuated": 12000, "drinking_water_interrupted": "township"})
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    counts = [0] * threads
    stop = time.monotonic() + seconds

    def worker(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            conn.request("POST", path, body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            assert r.status == 200, r.status
            counts[i] += 1
        conn.close()

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.put(sum(counts) / seconds)


def bench_classify(seconds: float = 5.0) -> float:
    tmp = tempfile.mkdtemp()
    db = os.path.join(tmp, "bench.db")
    store = open_store(db)
    add_user(store, "bench", "observer", "bench-password-x", CLOCK)
    token = create_token(store, "bench", CLOCK)
    store.close()
    port = free_port()
    server = mp.Process(target=_serve, args=(db, port), daemon=True)
    server.start()
    wait_for_port(port)
    rates = {}
    try:
        for name, path in (("warm-up", "/api/classify/environment"), ("constant", "/api/bench/constant"),
                           ("classify", "/api/classify/environment")):
            q = mp.Queue()
            client = mp.Process(target=_load, args=(port, path, token, 1.0 if name == "warm-up" else seconds, 4, q))
            client.start()
            rates[name] = q.get()
            client.join()
    finally:
        server.terminate()
    ratio = rates["classify"] / rates["constant"]
    print(f"classify: {rates['classify']:.0f} req/s, constant endpoint: {rates['constant']:.0f} req/s "
          f"-> ratio {ratio:.2f} (target >= 0.7)")
    return ratio


# ------------------------------------------------------------------ 2. transition vs bare insert

def bench_transition(n: int = 300) -> float:
    tmp = tempfile.mkdtemp()
    store = open_store(os.path.join(tmp, "t.db"))  # WAL, synchronous=FULL, as in production
    snap = svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:00"}, "bench", CLOCK)
    store.db["bare"].create({"id": int, "payload": str}, pk="id")

    def transitions():
        nonlocal snap
        for i in range(n):
            snap = svc.act(store, snap.id, "add_note", snap.version, {"note": f"n{i}"}, "bench", CLOCK)

    def bare():
        for i in range(n):
            with store.write() as db:
                db["bare"].insert({"payload": json.dumps({"note": f"n{i}"})})

    t_bare = best(bare, 3)
    t_transition = best(transitions, 3)
    ratio = t_bare / t_transition
    print(f"transition with durable event: {t_transition / n * 1e3:.2f} ms, bare insert: {t_bare / n * 1e3:.2f} ms "
          f"-> throughput ratio {ratio:.2f} (target >= 0.5)")
    return ratio


# ------------------------------------------------------------------ 3. the board at scale

def _board_db(path: str, incidents: int, open_incidents: int, events: int) -> None:
    store = open_store(path)
    store.db.execute("PRAGMA synchronous = OFF")
    template = []
    for i in range(open_incidents):
        plan = ("environment", "work_safety", "hazardous_chemicals", "labor_dispute")[i % 4]
        facts = {"environment": {"deaths": 3}, "work_safety": {"deaths": 1}, "hazardous_chemicals": {"poisoned": 12},
                 "labor_dispute": {"petition": 45}}[plan]
        snap = svc.report(store, {"plan": plan, "facts": facts, "occurred_at": "2026-11-22T08:00",
                                  "reported_at": "2026-11-22T08:10"}, "bench", CLOCK)
        template.append(snap)
    rows = []
    for i in range(incidents - open_incidents):
        snap = template[i % len(template)].model_copy(update={"id": f"old-{i:06d}", "updated_at": "2025-01-01T00:00:00+08:00"})
        rows.append({**Incidents._row(snap, True), "closed": 1})
    store.db["incidents"].insert_all(rows, batch_size=1000)
    per = max(1, events // incidents)
    ids = [s.id for s in template] + [r["id"] for r in rows]
    batch = []
    for iid in ids:
        for seq in range(2, per + 2):
            batch.append({"incident_id": iid, "seq": seq, "trigger": "add_note", "payload": '{"note": "x"}',
                          "actor": "bench", "at": "2026-11-22T09:00:00+08:00", "state": "reported", "level": None,
                          "classified_level": "III", "version": seq, "prev_hash": "0" * 64, "hash": "0" * 64})
            if len(batch) >= 20000:
                store.db["events"].insert_all(batch, batch_size=20000)
                batch = []
    if batch:
        store.db["events"].insert_all(batch, batch_size=20000)
    store.db.execute("ANALYZE")
    store.close()


def _time_board(location: str, incidents: int, events: int, build) -> tuple[float, int, float]:
    """Build a database of ``incidents`` (100 open) and ``events`` with ``build``; time the board on it.
    Returns (seconds per board, events in the database, seconds the data took to build)."""
    from webui import create_app
    t = time.perf_counter()
    build(location, incidents, 100, events)
    built = time.perf_counter() - t
    store = open_store(location)
    add_user(store, "bench", "observer", "bench-password-x", CLOCK)
    token = create_token(store, "bench", CLOCK)
    count = store.db.execute("SELECT count(*) FROM events").fetchone()[0]
    store.close()
    app = create_app({"DATABASE": location, "SECRET_KEY": "test-key-not-secret-0123456789abcdef", "CLOCK": CLOCK,
                      "VERIFY_ON_START": False})  # rows bulk-inserted around the store carry no ledger
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/incidents", headers=headers).status_code == 200
    return best(lambda: client.get("/incidents", headers=headers), 5), count, built


BOARD_SIZES = {"small": (100, 10_000), "large": (10_000, 1_000_000)}


def bench_board() -> float:
    tmp = tempfile.mkdtemp()
    timings = {}
    for name, (n, events) in BOARD_SIZES.items():
        timings[name], count, built = _time_board(os.path.join(tmp, f"{name}.db"), n, events, _board_db)
        print(f"  board {name}: {n} incidents (100 open), {count} events: {timings[name] * 1e3:.0f} ms "
              f"(data built in {built:.0f} s)")
    ratio = timings["large"] / timings["small"]
    print(f"board: large/small -> {ratio:.2f}x (target <= 3)")
    return ratio


# ------------------------------------------------------------------ 4. rebuild vs bare read

def bench_rebuild(n: int = 1000) -> float:
    tmp = tempfile.mkdtemp()
    store = open_store(os.path.join(tmp, "r.db"))
    store.db.execute("PRAGMA synchronous = OFF")
    snap = svc.report(store, {"plan": "environment", "facts": {"deaths": 1}, "occurred_at": "2026-11-22T08:00"}, "b", CLOCK)
    snap = svc.act(store, snap.id, "activate", snap.version, {"level": "IV", "approved_by": "区长"}, "b", CLOCK)
    for i in range(n - 2):
        snap = svc.act(store, snap.id, "add_note", snap.version, {"note": f"n{i}"}, "b", CLOCK)
    assert svc.rebuild(store, snap.id) == store.incidents.get(snap.id)
    t_rebuild = best(lambda: svc.rebuild(store, snap.id), 9)
    t_bare = best(lambda: store.db.execute("SELECT * FROM events WHERE incident_id = ? ORDER BY seq",
                                           [snap.id]).fetchall(), 9)
    ratio = t_rebuild / t_bare
    print(f"rebuild from {n} events: {t_rebuild * 1e3:.1f} ms, bare read: {t_bare * 1e3:.1f} ms "
          f"-> {ratio:.1f}x (target <= 5)")
    return ratio


# ------------------------------------------------------------------ 5. PostgreSQL

def _pg_worker(url: str, kind: str, seconds: float, start, out) -> None:
    """One server-like process: transitions on its own incident (one chain and one write lock for all),
    or bare inserts of an event-sized row, for ``seconds`` after ``start`` is set."""
    store = open_store(url, create=False)
    if kind == "transition":
        snap = svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:00"}, "bench", CLOCK)
    start.wait()
    stop, count = time.monotonic() + seconds, 0
    while time.monotonic() < stop:
        if kind == "transition":
            snap = svc.act(store, snap.id, "add_note", snap.version, {"note": f"n{count}"}, "bench", CLOCK)
        elif kind == "event":   # the row an event writes, into a table with the events table's columns and indexes
            store.db.execute("INSERT INTO bare_events (incident_id, seq, trigger, payload, actor, at, state, version, "
                             "prev_hash, hash) VALUES (?, ?, 'add_note', ?, 'bench', ?, 'reported', ?, ?, ?)",
                             [f"w{os.getpid()}", count, json.dumps({"note": f"n{count}"}), "2026-11-22T09:00:00+08:00",
                              count, "0" * 64, "1" * 64])
        else:
            store.db.execute("INSERT INTO bare (payload) VALUES (?)", [json.dumps({"note": f"n{count}"})])
        count += 1
    store.close()
    out.put(count)


def _pg_rate(url: str, kind: str, workers: int, seconds: float) -> float:
    start, out = mp.Event(), mp.Queue()
    procs = [mp.Process(target=_pg_worker, args=(url, kind, seconds, start, out)) for _ in range(workers)]
    for p in procs:
        p.start()
    time.sleep(1.0)  # every worker connected and ready
    start.set()
    total = sum(out.get() for _ in procs)
    for p in procs:
        p.join()
    return total / seconds


def bench_pg_transition(seconds: float = 2.0, rounds: int = 5) -> dict[int, float]:
    """Transitions per second with 1, 2 and 4 processes on one PostgreSQL database, each against bare inserts by the
    same number of processes — of a small row, and of an event's row into a table shaped like events. The kinds
    alternate in ``rounds`` short runs and each ratio is the median of the rounds' ratios: the machine is shared,
    and a bare run and a transition run minutes apart measured the load as much as the code."""
    from statistics import median

    from tests.pg import Cluster
    cluster = Cluster()
    try:
        url = cluster.database()
        store = open_store(url)
        store.db.execute("CREATE TABLE bare (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, payload text)")
        store.db.execute("CREATE TABLE bare_events (LIKE events INCLUDING ALL)")
        store.close()
        rates = {}
        for workers in (1, 2, 4):
            runs = [(_pg_rate(url, "bare", workers, seconds), _pg_rate(url, "event", workers, seconds),
                     _pg_rate(url, "transition", workers, seconds)) for _ in range(rounds)]
            bare, event, transitions = (median(r[i] for r in runs) for i in range(3))
            rates[workers] = transitions
            print(f"  {workers} worker(s), median of {rounds} alternating rounds: {transitions:.0f} transitions/s; "
                  f"bare insert {bare:.0f}/s -> ratio {median(t / b for b, _e, t in runs):.2f}; "
                  f"bare event row {event:.0f}/s -> ratio {median(t / e for _b, e, t in runs):.2f}")
        print(f"pg transitions: scaling 1 -> 4 workers {rates[4] / rates[1]:.2f}x (goal >= 1.3)")
        return rates
    finally:
        cluster.stop()


def _pg_board_db(url: str, incidents: int, open_incidents: int, events: int) -> None:
    store = open_store(url)
    template = []
    for i in range(open_incidents):
        plan = ("environment", "work_safety", "hazardous_chemicals", "labor_dispute")[i % 4]
        facts = {"environment": {"deaths": 3}, "work_safety": {"deaths": 1}, "hazardous_chemicals": {"poisoned": 12},
                 "labor_dispute": {"petition": 45}}[plan]
        template.append(svc.report(store, {"plan": plan, "facts": facts, "occurred_at": "2026-11-22T08:00",
                                           "reported_at": "2026-11-22T08:10"}, "bench", CLOCK))
    rows = [{**Incidents._row(template[i % len(template)].model_copy(
        update={"id": f"old-{i:06d}", "updated_at": "2025-01-01T00:00:00+08:00"}), True), "closed": 1}
        for i in range(incidents - open_incidents)]
    columns = list(Incidents._row(template[0], True))
    with store.db.conn.cursor() as cur:
        with cur.copy(f"COPY incidents ({', '.join(columns)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row([r[c] for c in columns])
        per = max(1, events // incidents)
        cols = ("incident_id", "seq", '"trigger"', "payload", "actor", "at", "state", "classified_level", "version",
                "prev_hash", "hash")
        with cur.copy(f"COPY events ({', '.join(cols)}) FROM STDIN") as copy:
            for iid in [t.id for t in template] + [r["id"] for r in rows]:
                for seq in range(2, per + 2):
                    copy.write_row([iid, seq, "add_note", '{"note": "x"}', "bench", "2026-11-22T09:00:00+08:00",
                                    "reported", "III", seq, "0" * 64, "0" * 64])
    store.db.execute("ANALYZE")
    store.close()


def bench_pg_board() -> float:
    from tests.pg import Cluster
    cluster = Cluster()
    timings = {}
    try:
        for name, (n, events) in BOARD_SIZES.items():
            timings[name], count, built = _time_board(cluster.database(), n, events, _pg_board_db)
            print(f"  pg board {name}: {n} incidents (100 open), {count} events: {timings[name] * 1e3:.0f} ms "
                  f"(data built in {built:.0f} s)")
    finally:
        cluster.stop()
    ratio = timings["large"] / timings["small"]
    print(f"pg board: large/small -> {ratio:.2f}x (target <= 3)")
    return ratio


# ------------------------------------------------------------------ 6. a written report of a long incident

def bench_report_docx(n: int = 200) -> float:
    """Drafting and building the .docx of a 续报 for an incident of ``n`` events, against python-docx writing the
    same number of paragraphs bare (the floor any .docx of that length costs). Target: under a second outright."""
    import io

    import docx

    from emergency.services import documents
    tmp = tempfile.mkdtemp()
    store = open_store(os.path.join(tmp, "d.db"))
    store.db.execute("PRAGMA synchronous = OFF")
    snap = svc.report(store, {"plan": "environment", "title": "基准事件", "facts": {"deaths": 1},
                              "occurred_at": "2026-11-22T08:00"}, "b", CLOCK)
    snap = svc.act(store, snap.id, "activate", snap.version, {"level": "IV", "approved_by": "区长"}, "b", CLOCK)
    for i in range(n - 2):
        snap = svc.act(store, snap.id, "add_note", snap.version, {"note": f"第{i}条处置情况记录：现场正在处置。"}, "b", CLOCK)
    plan = store.plans.plan("environment")
    header = {"issuer": "基准单位", "signer": "甲", "contact": "乙 0513-1"}

    def build():
        s = store.incidents.get(snap.id)
        d = documents.draft(s, store.incidents.events(snap.id), plan, "first", CLOCK.now(), store.plans, header)
        return documents.docx_file(d), d

    content, d = build()
    paragraphs = len(documents.body_paragraphs(d)) + 8   # the body plus the header, title, signature and notes

    def bare():
        doc = docx.Document()
        for i in range(paragraphs):
            doc.add_paragraph(f"第{i}条处置情况记录：现场正在处置。")
        doc.save(io.BytesIO())

    t_report, t_bare = best(build, 5), best(bare, 5)
    ratio = t_report / t_bare
    print(f"report .docx of a {n}-event incident ({paragraphs} paragraphs, {len(content) // 1024} KiB): "
          f"{t_report * 1e3:.0f} ms, bare python-docx: {t_bare * 1e3:.0f} ms -> {ratio:.2f}x (target: under 1 s)")
    return ratio


# ------------------------------------------------------------------ 7. importing a directory

def bench_directory_import(n: int = 2000) -> float:
    """Reading, checking and writing a 2,000-contact .xlsx against openpyxl only reading the same file."""
    import io

    from openpyxl import Workbook, load_workbook

    from emergency.services import directory
    tmp = tempfile.mkdtemp()
    store = open_store(os.path.join(tmp, "c.db"))
    units = sorted(set(directory.known_units(store.plans).values()))
    wb = Workbook()
    ws = wb.active
    ws.append(directory.COLUMNS)
    for i in range(n):
        ws.append([units[i % len(units)], f"示例{i:04d}", "值班员", f"0513-{i:08d}", f"100{i:08d}", "", "", i % 9 + 1])
    buf = io.BytesIO()
    wb.save(buf)
    content = buf.getvalue()

    def imported():
        contacts = directory.check(directory.read_rows(content, "d.xlsx"), store.plans)
        directory.replace(store, contacts, "bench", "2026-12-02T10:00:00+08:00")

    def bare():
        rows = load_workbook(io.BytesIO(content), data_only=True).active.iter_rows(values_only=True)
        return list(rows)

    t_import, t_bare = best(imported, 3), best(bare, 3)
    ratio = t_import / t_bare
    print(f"import of {n} contacts (.xlsx {len(content) // 1024} KiB): {t_import * 1e3:.0f} ms, openpyxl reading it: "
          f"{t_bare * 1e3:.0f} ms -> {ratio:.2f}x (target: seconds)")
    return ratio


# ------------------------------------------------------------------ 8. the call sheet of an incident

def bench_call_sheet(attempts: int = 40) -> float:
    """An incident's call sheet (the demo directory and roster read, numbers in order, on-duty people, attempts
    and the next number per recipient) against the dated notifications it is built on (notification_status)."""
    from emergency.services import callsheet, directory, roster
    from emergency.services.incidents import notification_status
    tmp = tempfile.mkdtemp()
    store = open_store(os.path.join(tmp, "s.db"))
    directory.load_demo(store, "2026-11-22T09:00:00+08:00")
    roster.load_demo(store, CLOCK.now())
    snap = svc.report(store, {"plan": "environment", "facts": {"deaths": 3}, "occurred_at": "2026-11-22T08:50",
                              "reported_at": "2026-11-22T08:55"}, "bench", CLOCK)
    for i in range(attempts):
        snap = svc.act(store, snap.id, "record_call", snap.version,
                       {"notification": "III-phone", "outcome": "no_answer", "number": f"0513-0001{i:04d}"}, "bench", CLOCK)
    at = CLOCK.now()

    def bare():
        return [n.view() for n in notification_status(snap, at, store.plans)]

    def sheet():
        views = bare()
        grouped = directory.by_unit(directory.load(store))
        shifts = roster.load(store, since="2026-11-22T09:00:00+08:00")
        return callsheet.lines(views, [a.model_dump() for a in snap.calls], grouped, shifts, at, personal=True)

    t_sheet, t_bare = best(sheet, 7), best(bare, 7)
    ratio = t_sheet / t_bare
    print(f"call sheet ({len(bare())} notifications, {attempts} attempts, demo directory and roster): "
          f"{t_sheet * 1e3:.1f} ms, the notifications alone: {t_bare * 1e3:.1f} ms -> {ratio:.2f}x")
    return ratio


def bench_pdf_flood(clients: int = 16, seconds: float = 15.0) -> float:
    """``clients`` observers keep PDF downloads in flight while a duty officer opens an incident. One
    report was issued with its PDF kept (served from the database), one before that change (no kept PDF: printed
    on request, within the print slots). The duty officer's median and worst time for the incident, against the
    same requests with nobody downloading. Target: under 1 s."""
    import statistics
    import urllib.request

    from emergency.services import documents
    from webui.pdf import print_pdf
    tmp = tempfile.mkdtemp()
    db = os.path.join(tmp, "pdf.db")
    store = open_store(db)
    add_user(store, "观察员", "observer", "bench-password-123", CLOCK)
    add_user(store, "值班员", "duty_officer", "bench-password-123", CLOCK)
    tokens = {n: create_token(store, n, CLOCK) for n in ("观察员", "值班员")}
    snap = svc.report(store, {"plan": "environment", "title": "基准事件", "facts": {"deaths": 1},
                              "occurred_at": "2026-11-22T08:00"}, "b", CLOCK)
    plan = store.plans.plan("environment")
    header = {"issuer": "基准单位", "signer": "甲", "contact": "乙 0513-1"}
    d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "first", CLOCK.now(), store.plans, header)
    kept = documents.issue(store, snap.id, d, "b", CLOCK, render_pdf=lambda _d: print_pdf(
        "<html><head><meta charset='utf-8'></head><body><p>基准报告</p></body></html>"))["document_id"]
    d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "progress", CLOCK.now(), store.plans, header)
    legacy = documents.issue(store, snap.id, d, "b", CLOCK)["document_id"]
    store.close()
    port = free_port()
    server = mp.get_context("spawn").Process(target=_serve, args=(db, port), daemon=True)
    server.start()
    wait_for_port(port)

    def get(path, who):
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {tokens[who]}"})
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        return time.perf_counter() - t, status

    def duty_times(n=20):
        return [get(f"/api/incidents/{snap.id}", "值班员")[0] for _ in range(n)]

    quiet = duty_times()
    results = {}
    for name, doc in (("kept PDF", kept), ("printed on request", legacy)):
        stop, statuses = threading.Event(), []

        def flood(doc=doc, stop=stop, statuses=statuses):
            while not stop.is_set():
                statuses.append(get(f"/documents/{doc}.pdf", "观察员")[1])
        threads = [threading.Thread(target=flood) for _ in range(clients)]
        for t in threads:
            t.start()
        time.sleep(1)
        busy = duty_times()
        time.sleep(max(0.0, seconds - 1 - sum(busy)))
        stop.set()
        for t in threads:
            t.join()
        results[name] = busy
        print(f"{clients} PDF downloads in flight ({name}): the duty officer's incident median "
              f"{statistics.median(busy) * 1e3:.0f} ms, worst {max(busy) * 1e3:.0f} ms (quiet: median "
              f"{statistics.median(quiet) * 1e3:.0f} ms); downloads answered {len(statuses)}: "
              f"{statuses.count(200)} × 200, {statuses.count(503)} × 503")
    server.terminate()
    ratio = statistics.median(results["printed on request"]) / statistics.median(quiet)
    return ratio


def _refuse_in_child(body: bytes, out) -> None:
    import resource

    from emergency.services import directory
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    try:
        directory.read_rows(body, "bomb.xlsx")
        verdict = "read"
    except directory.ImportRefused as exc:
        verdict = exc.problems[0]["message"][:60]
    out.put((time.perf_counter() - t, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024, verdict))


def bench_xlsx_bomb() -> float:
    """Spreadsheet bombs (a small upload that unpacks to 60 MB; one cell of 900 KB; 10,000 rows), each
    read in a fresh process: the time to the refusal and the process's peak memory, against reading a normal
    2-row directory the same way. Target: under 2 s and 200 MB."""
    from tests.integration.test_leaks_and_crashes_refused import _cell, _sheet, _workbook

    from emergency.services import directory
    header = "".join(_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(directory.COLUMNS))
    rows = "".join(f'<row r="{r}">{_cell(f"A{r}", "海门区政府")}{_cell(f"G{r}", "0513-82100000")}</row>'
                   for r in range(2, 10_002))
    cases = {"normal": _workbook(_sheet(f'<row r="1">{header}</row><row r="2">{_cell("A2", "海门区政府")}</row>')),
             "60 MB unpacked": _workbook(_sheet(f'<row r="1">{header}</row>', padding=60 * 1024 * 1024)),
             "one 900 KB cell": _workbook(_sheet(f'<row r="1">{header}</row><row r="2">{_cell("B2", "a" * 900 * 1024)}</row>')),
             "10,000 rows": _workbook(_sheet(f'<row r="1">{header}</row>{rows}'))}
    ctx = mp.get_context("spawn")
    results = {}
    for name, body in cases.items():
        q = ctx.Queue()
        proc = ctx.Process(target=_refuse_in_child, args=(body, q))
        proc.start()
        results[name] = q.get(timeout=120)
        proc.join()
        took, peak, verdict = results[name]
        print(f"{name} ({len(body) // 1024} KB uploaded): {took * 1e3:.0f} ms, peak memory +{peak} MB, {verdict}")
    worst = max(results[n][0] for n in cases if n != "normal")
    return worst / max(results["normal"][0], 1e-6)


# ------------------------------------------------------------------ an action does not grow with history

def bench_note_growth(events: int = 10_000) -> float:
    """A note through the API (sign-in by token, the role check, one read, the write, the answer) on an incident
    with 10 events and on one with ``events``: the ratio of the best times. Target: ≤ 2."""
    from tests.conftest import app_with_users
    with tempfile.TemporaryDirectory() as tmp:
        app = app_with_users(str(Path(tmp) / "n.db"), CLOCK, TESTING=True)
        store = open_store(app.config["DATABASE"])
        ids = {}
        for size in (10, events):
            snap = svc.report(store, {"plan": "environment", "occurred_at": "2026-11-22T08:00"}, "bench", CLOCK)
            with store.write() as db:        # the history written directly: the bench times the note, not the fill
                rows = [{"incident_id": snap.id, "seq": seq, "trigger": "add_note", "payload": '{"note": "x"}',
                         "actor": "bench", "at": "2026-11-22T09:00:00+08:00", "state": "reported", "level": None,
                         "classified_level": "IV", "version": seq, "prev_hash": "0", "hash": f"h{seq}",
                         "gseq": None, "ghash": None} for seq in range(2, size + 1)]
                db["events"].insert_all(rows, batch_size=1000)
                snap.version = size
                db.execute("UPDATE incidents SET version = ?, snapshot = ? WHERE id = ?",
                           [size, snap.model_dump_json(), snap.id])
                store.advance_ledger(f"incident:{snap.id}", size, f"h{size}")   # the chain ends where the fill did
            ids[size] = snap.id
        store.close()
        client = app.test_client()
        token = {"Authorization": f"Bearer {app.config['TEST_TOKENS']['值班员张三']}"}
        times = {}
        for size, iid in ids.items():
            version = [size]

            def note(iid=iid, version=version):
                r = client.post(f"/api/incidents/{iid}/events", headers=token, json={
                    "trigger": "add_note", "expected_version": version[0], "payload": {"note": "现场已封控"}})
                version[0] = r.get_json()["version"]
            times[size] = best(note, repeat=15)
    ratio = times[events] / times[10]
    print(f"note-growth: a note through the API on an incident of 10 events {times[10] * 1e3:.1f} ms, of {events:,} "
          f"events {times[events] * 1e3:.1f} ms: {ratio:.2f}× (target ≤ 2)")
    return ratio


def bench_pages(events: int = 300, open_incidents: int = 30) -> dict[str, float]:
    """The incident page (an incident of ``events`` events) and the board (``open_incidents`` open), each through
    the app as a browser asks for it, against the app's cheapest signed-in page (the favicon) in the same run: what
    the page's own work costs, whatever the machine is doing."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.conftest import app_with_users, signed_in
    tmp = tempfile.mkdtemp()
    app = app_with_users(os.path.join(tmp, "p.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    snaps = [svc.report(store, {"plan": ("hazardous_chemicals", "environment", "work_safety")[i % 3],
                                "title": f"事件{i}", "facts": {"deaths": i % 4}, "occurred_at": "2026-11-22T08:30"},
                        "bench", CLOCK) for i in range(open_incidents)]
    snap = snaps[0]
    for i in range(events):
        snap = svc.act(store, snap.id, "add_note", snap.version, {"note": f"情况{i}"}, "bench", CLOCK)
    store.close()
    client = signed_in(app, "值班员张三")

    def get(url):
        return lambda: client.get(url).status_code

    bare = best(get("/favicon.ico"), 9)
    out = {}
    for name, url in (("incident page", f"/incidents/{snap.id}"), ("board", "/incidents"), ("home", "/")):
        t = best(get(url), 7)
        out[name] = t / bare
        print(f"{name} ({events} events, {open_incidents} open): {t * 1e3:.1f} ms, a bare signed-in page "
              f"{bare * 1e3:.2f} ms -> {out[name]:.0f}x")
    return out


def bench_shift_log(years: int = 3) -> float:
    """The 值班日志 page on a district's roster of ``years`` years (the duty room, a day and a night shift every day),
    against the app's cheapest signed-in page in the same run."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from datetime import datetime, timedelta
    from emergency.core.clock import TZ
    from emergency.services import roster
    from tests.conftest import app_with_users, signed_in
    tmp = tempfile.mkdtemp()
    app = app_with_users(os.path.join(tmp, "s.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    import district   # bench/district.py: the same roster, a day and a night shift every day
    shifts = district.day_and_night(datetime(2026, 11, 22, 8, 30, tzinfo=TZ) - timedelta(days=365 * years),
                                    365 * years + 30)
    roster.replace(store, shifts, "bench", "2026-11-22T09:00:00+08:00")
    store.close()
    client = signed_in(app, "值班员张三")
    bare = best(lambda: client.get("/favicon.ico").status_code, 9)
    t = best(lambda: client.get("/shift").status_code, 5)
    ratio = t / bare
    print(f"shift log ({len(shifts):,} shifts, {years} years): {t * 1e3:.1f} ms, a bare signed-in page "
          f"{bare * 1e3:.2f} ms -> {ratio:.0f}x")
    return ratio


STARTUP = """
import os, sys, tempfile, time
t = time.perf_counter()
sys.path.insert(0, {root!r})
from webui import create_app
from emergency.response.library import library
from emergency.store import init_database
d = tempfile.mkdtemp()
init_database(os.path.join(d, "a.db"), library())
app = create_app({{"DATABASE": os.path.join(d, "a.db"), "SECRET_KEY": "x" * 40, "TESTING": True}})
assert app.test_client().get("/login").status_code == 200
print(time.perf_counter() - t)
"""
BARE_STARTUP = """
import time
t = time.perf_counter()
from flask import Flask
app = Flask(__name__)
app.get("/")(lambda: "ok")
assert app.test_client().get("/").status_code == 200
print(time.perf_counter() - t)
"""


def bench_startup(rounds: int = 5) -> float:
    """A fresh process to the console's first 200 (importing the app, reading the plans, opening a new database),
    against a bare Flask app's, interleaved in the same run: the median of each."""
    import statistics
    import subprocess
    root = str(Path(__file__).resolve().parent.parent)
    ours, bare = [], []
    for _ in range(rounds):
        for code, out in ((STARTUP.format(root=root), ours), (BARE_STARTUP, bare)):
            run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            out.append(float(run.stdout.strip().splitlines()[-1]))
    t, b = statistics.median(ours), statistics.median(bare)
    print(f"start-up to the first 200: {t:.2f} s, a bare Flask app {b:.2f} s -> {t / b:.1f}x")
    return t / b


def bench_sign(reports: int = 5) -> float:
    """签发 through the pages (the preview's digest, the number reserved, the .docx built, the PDF printed twice so its
    版记 stands at the foot of the last page, all kept) against a cold Chromium printing a one-line page, interleaved,
    medians. Target: ≤ 0.5."""
    import re
    import statistics
    from tests.integration.test_reports import draft_form, issue, report_incident
    from tests.conftest import signed_in, app_with_users
    from webui import pdf
    tmp = tempfile.mkdtemp()
    app = app_with_users(os.path.join(tmp, "s.db"), FixedClock("2026-12-02T11:00:00+08:00"), TESTING=True,
                         PRINT_AT_ISSUE=True)   # the day the helpers report their incident
    officer = signed_in(app, "值班员张三")
    inc = report_incident(officer)
    _h, form = draft_form(officer, inc, "first")
    assert issue(officer, inc, form, signer="甲", contact="乙 0513-1").status_code == 302   # Chromium warmed up
    one_line = pdf.with_policy('<html><head><meta charset="utf-8"></head><body><p>一行</p></body></html>')
    signs, colds = [], []
    for _ in range(reports):
        _h, form = draft_form(officer, inc, "progress")
        body = {**form, "signer": "甲", "contact": "乙 0513-1", "csrf_token": officer.csrf}
        preview = officer.post(f"/incidents/{inc}/reports/preview", data=body).get_data(as_text=True)
        body["previewed"] = re.search(r'name="previewed" value="([^"]+)"', preview).group(1)
        t = time.perf_counter()   # the click on 签发, after the preview was read
        assert officer.post(f"/incidents/{inc}/reports", data=body).status_code == 302
        signs.append(time.perf_counter() - t)
        t = time.perf_counter()
        pdf._run("/usr/bin/chromium", one_line, "report.pdf", lambda out: [f"--print-to-pdf={out}"])
        colds.append(time.perf_counter() - t)
    sign, cold = statistics.median(signs), statistics.median(colds)
    print(f"sign: 签发 of a 续报 through the pages {sign:.2f} s, a cold Chromium printing a one-line page {cold:.2f} s "
          f"-> {sign / cold:.2f} (target ≤ 0.5)")
    return sign / cold


def bench_district(scale: float | None = None) -> dict:
    """A district's database after one year and after three, built through the service, and each page timed on it
    against a route of the same bytes and its own SQL (``bench/district.py``). ``bench.py district 0.1``: a tenth."""
    import district   # bench/district.py, beside this file
    return district.run(scale if scale is not None else float(os.environ.get("DISTRICT_SCALE", "1")))


BENCHES = {"classify": bench_classify, "transition": bench_transition, "board": bench_board, "rebuild": bench_rebuild,
           "pg-transition": bench_pg_transition, "pg-board": bench_pg_board, "report-docx": bench_report_docx,
           "directory-import": bench_directory_import, "call-sheet": bench_call_sheet, "pdf-flood": bench_pdf_flood,
           "xlsx-bomb": bench_xlsx_bomb, "note-growth": bench_note_growth, "pages": bench_pages,
           "shift-log": bench_shift_log, "startup": bench_startup, "district": bench_district,
           "sign": bench_sign}

if __name__ == "__main__":
    which = sys.argv[1:] or ["all"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    if which[:1] == ["district"] and len(which) == 2:   # bench.py district SCALE
        bench_district(float(which[1]))
        sys.exit(0)
    for name in (BENCHES if which == ["all"] else which):
        BENCHES[name]()
