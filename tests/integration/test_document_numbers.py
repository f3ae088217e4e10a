"""发文字号 under load: ten windows issuing ten incidents' 首报 at once, each with a print that takes its time, all
succeed with numbers 1 to 10, none shared and none skipped; a print that fails keeps its number for the retry; each
office numbers under its own prefix and sequence. On SQLite and on PostgreSQL (the store is what is tested)."""
import re
import time

import pytest

from emergency.core.clock import FixedClock
from emergency.core.errors import Refused
from emergency.services import documents
from emergency.services import incidents as svc
from emergency.store import open_store, init_database
from tests.writers import race

pytestmark = pytest.mark.both_stores
HEADER = {"issuer": "海门区人民政府总值班室", "signer": "甲", "contact": "乙 0513-1"}
CLOCK = FixedClock("2026-12-02T10:30:00+08:00")


@pytest.fixture
def location(store_location):
    init_database(store_location)
    return store_location


def _incidents(location, n):
    store = open_store(location)
    try:
        return [svc.report(store, {"plan": "work_safety", "title": f"某厂事故{i}", "facts": {"deaths": 1},
                                   "occurred_at": "2026-12-02T10:05"}, "值班员张三", CLOCK).id for i in range(n)]
    finally:
        store.close()


def _first_report(store, incident_id, prefix="海政值", render_pdf=None):
    snap = store.incidents.get(incident_id)
    plan = store.plans.plan_for(snap.plan, snap.plan_version)
    d = documents.draft(snap, store.incidents.events(incident_id), plan, "first", CLOCK.now(), store.plans, HEADER)
    return documents.issue(store, incident_id, d, "值班员张三", CLOCK, render_pdf=render_pdf, prefix=prefix)


def _numbers(location):
    store = open_store(location)
    try:
        rows = store.db.execute("SELECT doc_number FROM documents").fetchall()
        return sorted(int(re.search(r"〕(\d+)号", r[0]).group(1)) for r in rows)
    finally:
        store.close()


def slow_print(_draft):
    time.sleep(0.3)    # a print takes seconds: the numbers are reserved before it, never beside it
    return b"%PDF-1.4 test"


def test_ten_reports_issued_at_once_get_ten_numbers_without_a_gap(location):
    ids = _incidents(location, 10)
    errors = race(location, lambda store, i: _first_report(store, i, render_pdf=slow_print), [(i,) for i in ids])
    assert errors == []
    assert _numbers(location) == list(range(1, 11))


def test_a_failed_print_keeps_its_number_for_the_retry(location):
    first, second = _incidents(location, 2)
    store = open_store(location)
    try:
        def broken(_draft):
            raise Refused("打印失败")
        with pytest.raises(Refused):
            _first_report(store, first, render_pdf=broken)
        _first_report(store, first)                      # the retry prints the number it was given
        _first_report(store, second)
        numbers = dict(store.db.execute("SELECT incident_id, doc_number FROM documents").fetchall())
    finally:
        store.close()
    assert numbers == {first: "海政值〔2026〕1号", second: "海政值〔2026〕2号"}


def test_each_office_numbers_under_its_own_prefix(location):
    ids = _incidents(location, 3)
    store = open_store(location)
    try:
        documents.set_office_prefix(store, "区应急管理局", "海应值", "管理员", "2026-12-02T10:00:00+08:00")
        with pytest.raises(Refused, match="已由另一单位使用"):
            documents.set_office_prefix(store, "海门生态环境局", "海应值", "管理员", "2026-12-02T10:00:00+08:00")
        bureau = documents.office_prefix(store, "区应急管理局", "海门区政府总值班室", "海政值")
        assert documents.office_prefix(store, "海门生态环境局", "海门区政府总值班室", "海政值") == ""  # none set
        _first_report(store, ids[0], prefix="海政值")
        _first_report(store, ids[1], prefix=bureau)
        _first_report(store, ids[2], prefix="海政值")
        numbers = [r[0] for r in store.db.execute("SELECT doc_number FROM documents ORDER BY issued_at, doc_number")]
    finally:
        store.close()
    assert sorted(numbers) == ["海应值〔2026〕1号", "海政值〔2026〕1号", "海政值〔2026〕2号"]
