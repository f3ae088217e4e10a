"""Drill coverage: after two drills, what was exercised and what never was."""
from emergency.services import drill_runs as dr
from emergency.services import incidents as svc
from emergency.core.clock import FixedClock
from emergency.services import formats
from emergency.services.coverage import coverage, coverage_tables
from emergency.store import open_store


def _two_drills(store):
    real = FixedClock("2026-11-20T09:00:00+08:00")
    first = dr.create_drill(store, "hc-tank-leak", "导调", real)
    dr.control(store, first["id"], "start", real)
    real.advance(minutes=1)
    dr.advance(store, first["id"], real)
    (inc,) = store.incidents.list(drill=True, drill_id=first["id"])
    sim = dr.drill_clock(dr.get_drill(store, first["id"]), real)
    inc = svc.act(store, inc.id, "tick_notification", inc.version, {"notification": "site-to-110"}, "值班员", sim)
    inc = svc.act(store, inc.id, "activate", inc.version, {"level": "IV", "approved_by": "总指挥"}, "指挥", sim)
    dr.control(store, first["id"], "finish", real)
    second = dr.create_drill(store, "env-river-spill", "导调", real)
    dr.control(store, second["id"], "start", real)
    real.advance(minutes=1)
    dr.advance(store, second["id"], real)
    return real


def test_exercised_and_never_exercised_parts_after_two_drills():
    store = open_store(":memory:")
    real = _two_drills(store)
    cov = {p["plan"]: p for p in coverage(store, real.now())["plans"]}
    hc = {(r["kind"], r["id"]): r for r in cov["hazardous_chemicals"]["rows"]}
    assert hc[("报告", "site-to-110")]["12个月"] == 1 and not hc[("报告", "site-to-110")]["never"]
    assert hc[("级别", "IV")]["ever"] == 1 and hc[("响应步骤", "activate")]["ever"] == 1
    assert hc[("工作组", "medical")]["ever"] == 1                # a level decided stands the groups up
    assert hc[("级别", "I")]["never"] and hc[("终止条件", next(k[1] for k in hc if k[0] == "终止条件"))]["never"]
    assert all(r["never"] for r in cov["labor_dispute"]["rows"])
    # the hazardous-chemicals plan asks its command for a drill every two years: done, not overdue
    assert cov["hazardous_chemicals"]["requirement"]["overdue"] is False
    # work safety puts the yearly drill on enterprises: never overdue for the government
    assert cov["work_safety"]["requirement"]["government_duty"] is False
    assert cov["work_safety"]["requirement"]["overdue"] is False
    # three years later the same drills fall out of the 12- and 36-month windows
    real.advance(days=3 * 366)
    later = {p["plan"]: p for p in coverage(store, real.now())["plans"]}
    row = next(r for r in later["hazardous_chemicals"]["rows"] if r["id"] == "site-to-110")
    assert (row["12个月"], row["36个月"], row["ever"]) == (0, 0, 1)
    assert later["hazardous_chemicals"]["requirement"]["overdue"] is True


def test_the_matrix_exports_as_xlsx_with_formulas_kept_as_text():
    from io import BytesIO

    from openpyxl import load_workbook
    store = open_store(":memory:")
    real = _two_drills(store)
    wb = load_workbook(BytesIO(formats.render(coverage_tables(coverage(store, real.now()), real.now()), "xlsx")))
    short = {p.id: p.short_title for p in store.plans.plans.values()}
    assert {short["environment"], short["hazardous_chemicals"], short["labor_dispute"], "最常超时"} <= set(wb.sheetnames)
    assert not {"environment", "hazardous_chemicals"} & set(wb.sheetnames)          # sheet names are words, not ids
    rows = list(wb[short["hazardous_chemicals"]].iter_rows(values_only=True))
    assert rows[0][:3] == ("类别", "条款", "内容")
    assert not any("site-to-110" in str(c) for r in rows for c in r)
    assert any("110" in r[2] and r[5] == 1 for r in rows[1:])
