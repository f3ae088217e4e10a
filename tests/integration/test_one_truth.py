"""One record, one truth: every surface that counts an office's items — the home page, the board, the wall, the
board's .xlsx and the API — shows the same numbers, for every office, over generated incidents and receipts
(hypothesis). Each count says whose items it counts (本单位 / 他方)."""
import io
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import load_workbook

from emergency.core.clock import FixedClock
from emergency.services import incidents as svc, users
from emergency.services.incidents import notification_status
from emergency.services.users import add_user
from emergency.store import open_store
from tests.conftest import PASSWORD, app_with_users, signed_in

CLOCK = FixedClock("2026-11-22T09:00:00+08:00")
OFFICES = {"值班员张三": "海门区政府总值班室", "应急局值班员": "区应急管理局", "环境局值班员": "海门生态环境局"}
PLAN_FACTS = {"hazardous_chemicals": ("deaths", "poisoned"), "environment": ("deaths", "evacuated"),
              "work_safety": ("deaths", "serious_injuries"), "labor_dispute": ("petition", "strike")}

incident = st.fixed_dictionaries({
    "plan": st.sampled_from(sorted(PLAN_FACTS)),
    "size": st.integers(0, 40),
    "minutes_ago": st.integers(0, 400),
    "receipts": st.lists(st.tuples(st.integers(0, 30), st.sampled_from(sorted(OFFICES.values()))), max_size=4),
})


def _record(store, spec) -> None:
    """One incident reported ``minutes_ago``, sized by ``size``, with some items acknowledged or accounted for."""
    first, second = PLAN_FACTS[spec["plan"]]
    reported = CLOCK.now().timestamp() - spec["minutes_ago"] * 60
    at = FixedClock(CLOCK.now().__class__.fromtimestamp(reported, CLOCK.now().tzinfo))
    snap = svc.report(store, {"plan": spec["plan"], "title": f"事件{spec['size']}", "facts": {
        first: spec["size"] // 10, second: spec["size"]}, "occurred_at": at.now().isoformat()[:16],
        "reported_at": at.now().isoformat()[:16]}, "值班员张三", CLOCK)
    for pick, office in spec["receipts"]:
        items = [n for n in notification_status(snap, CLOCK.now(), store.plans, office) if n.status != "done"]
        if not items:
            return
        item = items[pick % len(items)]
        step = ({"notification": item.id, "outcome": "connected", "reached": "某某",
                 **({"unit": item.recipients[0]["plan_name"]} if len(item.recipients) > 1 else {})}
                if item.ours else {"notification": item.id, "how": "known", "via": "来电"})
        try:
            snap = svc.act(store, snap.id, "record_call" if item.ours else "account_for", snap.version, step,
                           "值班员张三", CLOCK, office)
        except Exception:   # a step the engine refuses (e.g. a role without a number) is simply not taken
            snap = store.incidents.get(snap.id)


def _numbers(client) -> dict[str, tuple[int, int]]:
    """(ours overdue, others overdue) as each surface shows them."""
    home = client.get("/").get_data(as_text=True)
    board = client.get("/incidents").get_data(as_text=True)
    wall = client.get("/wall").get_data(as_text=True)
    cells = lambda cls: sum(int(re.sub(r"<[^>]+>", "", c).split()[0])   # noqa: E731
                            for c in re.findall(rf'<td class="{cls}"[^>]*>(.*?)</td>', board, re.S))
    sheet = load_workbook(io.BytesIO(client.get("/incidents.xlsx").data)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    api = client.get("/api/incidents?open=true").json
    return {
        "home": (int(re.search(r'id="overdue-count">(\d+)<', home).group(1)), None),
        "board": (cells("ours-overdue"), cells("others-overdue")),
        "wall": (int(re.search(r'id="wall-overdue">[^<\d]*(\d+)', wall).group(1)),
                 int(re.search(r'id="wall-others-overdue">[^<\d]*(\d+)', wall).group(1))),
        # red on the wall means something of ours is overdue, nothing else: its count is red exactly when it is not 0
        "wall red": (int(re.search(r'id="wall-overdue">[^<\d]*(\d+)', wall).group(1))
                     if 'class="st-overdue" id="wall-overdue"' in wall else 0, None),
        "xlsx": (sum(r[5] or 0 for r in rows), sum(r[6] or 0 for r in rows)),
        "api": (sum(r["counts"]["ours_overdue"] for r in api), sum(r["counts"]["others_overdue"] for r in api)),
    }


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(incident, min_size=1, max_size=4))
def test_every_surface_shows_the_same_counts_for_every_office(specs):
    with tempfile.TemporaryDirectory() as tmp:
        app = app_with_users(str(Path(tmp) / "t.db"), CLOCK, TESTING=True)
        store = open_store(app.config["DATABASE"])
        for name, unit in OFFICES.items():
            if name != "值班员张三":
                add_user(store, name, "duty_officer", PASSWORD, CLOCK, unit=unit)
        for spec in specs:
            _record(store, spec)
        truth = {}
        for office in OFFICES.values():
            views = [svc.snapshot_view(s, None, CLOCK.now(), store.plans, office) for s in store.incidents.list(drill=False)]
            own = sum(1 for v in views for n in (v["checklist"] or {}).get("notifications", [])
                      if n["ours"] and n["status"] == "overdue")
            theirs = sum(1 for v in views for n in (v["checklist"] or {}).get("notifications", [])
                         if not n["ours"] and n["status"] == "overdue")
            truth[office] = (own, theirs)
        store.close()
        for name, office in OFFICES.items():
            shown = _numbers(signed_in(app, name))
            for surface, (own, theirs) in shown.items():
                assert own == truth[office][0], (office, surface, shown, truth[office])
                assert theirs in (None, truth[office][1]), (office, surface, shown, truth[office])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(incident, min_size=1, max_size=3))
def test_the_call_form_and_the_checklist_agree_on_every_recipient(specs):
    """Each recipient of each item: acknowledged on the call form exactly when the checklist's receipts say so."""
    from emergency.response.duties import ACKNOWLEDGED
    from emergency.services import callsheet
    store = open_store(":memory:")
    for spec in specs:
        _record(store, spec)
    for snap in store.incidents.list(drill=False):
        for office in OFFICES.values():
            items = [n.view() for n in notification_status(snap, CLOCK.now(), store.plans, office)]
            lines = callsheet.lines(items, [a.model_dump() for a in snap.calls], {}, [], CLOCK.now(), True)
            for item, line in zip(items, lines, strict=True):
                shown = {r["recipient"]: r.get("how") in ACKNOWLEDGED for r in item["receipts"]}
                dialled = {rec["plan_name"]: d["acknowledged"] for rec, d in zip(item["recipients"], line["dial"],
                                                                                 strict=True)}
                assert shown == dialled, (snap.plan, item["id"], office, shown, dialled)


def test_the_board_downloads_in_every_table_format_with_the_same_rows(tmp_path):
    """One table value, every format: the board's .xlsx, .csv and .json carry the same rows; a format the service
    does not make is a 404. A format is one module of emergency/services/formats (csv and json were added so)."""
    import csv as csv_lib
    import json
    from emergency.core.sheets import shown_text
    from emergency.services import formats
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    _record(store, {"plan": "hazardous_chemicals", "size": 30, "minutes_ago": 120, "receipts": []})
    store.close()
    client = signed_in(app, "值班员张三")
    assert {"xlsx", "csv", "json"} <= set(formats.formats())
    sheet = load_workbook(io.BytesIO(client.get("/incidents.xlsx").data)).active
    # the same cells, a time read as a person reads it (a date cell in Excel, +08:00 text in the CSV)
    from_xlsx = [[shown_text(c.value) for c in r] for r in sheet.iter_rows()]
    got = client.get("/incidents.csv")
    assert got.headers["Content-Type"].startswith("text/csv") and "attachment" in got.headers["Content-Disposition"]
    from_csv = [[shown_text(c) for c in r] for r in csv_lib.reader(io.StringIO(got.data.decode("utf-8-sig")))]
    assert from_csv == from_xlsx
    [(title, rows)] = json.loads(client.get("/incidents.json").data).items()
    assert title.startswith("事件看板") and [str(r["本单位超时事项数"]) for r in rows] == [r[5] for r in from_xlsx[1:]]
    assert client.get("/incidents.txt").status_code == 404


def test_a_new_table_format_is_one_module(tmp_path, monkeypatch):
    """Adding a format is adding one module to ``emergency.services.formats``: dropped in beside the others, a
    tab-separated format is offered by every table download (the board, an incident's items, the call sheet, the
    shift log) with its media type and its audit record, and nothing else changes."""
    from emergency.services import formats
    folder = tmp_path / "more_formats"
    folder.mkdir()
    (folder / "tsv.py").write_text('EXTENSION = "tsv"\nMEDIA_TYPE = "text/tab-separated-values"\n\n\n'
                                   'def render(tables):\n'
                                   '    t = tables[0]\n'
                                   '    return "\\n".join("\\t".join(str(c) for c in r) for r in [t.head, *t.rows])'
                                   '.encode("utf-8")\n', encoding="utf-8")
    monkeypatch.setattr(formats, "__path__", [*formats.__path__, str(folder)])
    app = app_with_users(str(tmp_path / "t.db"), CLOCK, TESTING=True)
    store = open_store(app.config["DATABASE"])
    _record(store, {"plan": "hazardous_chemicals", "size": 30, "minutes_ago": 120, "receipts": []})
    incident = store.incidents.list(drill=False)[0].id
    store.close()
    client = signed_in(app, "值班员张三")
    for url in ("/incidents.tsv", f"/incidents/{incident}/notifications.tsv", f"/incidents/{incident}/calls.tsv",
                "/shift/log.tsv"):
        got = client.get(url)
        assert got.status_code == 200 and got.headers["Content-Type"].startswith("text/tab-separated-values"), url
        assert "\t" in got.get_data(as_text=True).splitlines()[0], url
    store = open_store(app.config["DATABASE"])
    exported = [e["detail"] for e in users.security_log(store) if e["kind"] == "export"]
    store.close()
    assert any(".tsv" in d for d in exported), exported
    monkeypatch.undo()
    assert signed_in(app, "值班员张三").get("/incidents.tsv").status_code == 404      # gone with its module


def test_a_level_not_yet_decided_reads_as_the_facts_level_on_every_list(app, clock):
    """The board, the history and the wall say a record's level the same way: the level decided as its badge, and
    for one not decided yet the level its facts call for beside a blank badge — the history once showed
    较大（III级） for a record the board showed undecided."""
    store = open_store(app.config["DATABASE"])
    svc.report(store, {"plan": "environment", "title": "河道油污染", "facts": {"deaths": 3},
                       "occurred_at": "2026-11-22T08:00"}, "值班员张三", clock)
    decided = svc.report(store, {"plan": "work_safety", "title": "机械厂爆炸", "facts": {"deaths": 1},
                                 "occurred_at": "2026-11-22T08:10"}, "值班员张三", clock)
    for trigger, payload in (("start_first_response", {}), ("activate", {"level": "IV", "approved_by": "区长"})):
        decided = svc.act(store, decided.id, trigger, decided.version, payload, "指挥李四", clock)
    store.close()
    officer = signed_in(app, "值班员张三")
    for path in ("/incidents", "/history", "/wall"):
        page = officer.get(path).get_data(as_text=True)
        undecided_row, decided_row = (_row_text(page, "河道油污染"), _row_text(page, "机械厂爆炸"))
        assert "事实：III级" in undecided_row and "较大（III级）" not in undecided_row, path
        assert ("一般（IV级）" if path != "/wall" else "IV级") in decided_row and "事实：" not in decided_row, path


def _row_text(page: str, title: str) -> str:
    """The text of the table row that names ``title``, without its tags."""
    tail = page[page.index(title):]
    return re.sub(r"<[^>]+>", "", tail[:tail.index("</tr>")])
