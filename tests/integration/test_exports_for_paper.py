"""Every table the console lets a person download, read as Excel and as paper read it: each used column has a width,
the sheet prints on A4 fitted to the page's width with its head row on every page and its title and time in the
page header; every time is a date cell; and no id, key or English word reaches a person — in the workbooks, the
CSV and Markdown copies and the Word files alike. File names fall back to ASCII a client can save."""
import csv
import io
import re
from datetime import date, datetime, time
from urllib.parse import unquote

import docx
import openpyxl

from tests.conftest import signed_in
from tests.integration.test_reports import app, clock, officer, with_first_report  # noqa: F401  (fixtures)

ENGLISH = re.compile(r"[A-Za-z_]{4,}")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _exports(inc: str) -> list[str]:
    return ["/incidents.xlsx", f"/incidents/{inc}/notifications.xlsx", f"/incidents/{inc}/calls.xlsx", "/shift/log.xlsx",
            "/directory.xlsx", "/roster.xlsx", "/coverage.xlsx"]


def _texts_of_sheet(ws) -> list[str]:
    heads = [c.value for c in ws[1]]
    return [str(c.value) for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and heads[c.column - 1] != "SHA-256"]


def test_every_workbook_is_ready_for_excel_and_for_paper(app, officer):  # noqa: F811
    inc = with_first_report(app, officer)
    commander = signed_in(app, "指挥李四")
    for url in _exports(inc):
        got = officer.get(url)
        if got.status_code == 403:
            got = commander.get(url)
        assert got.status_code == 200, url
        disposition = got.headers["Content-Disposition"]
        fallback = re.search(r'filename="([^"]*)"', disposition).group(1)
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*\.xlsx", fallback), (url, disposition)   # never a bare .xlsx
        book = openpyxl.load_workbook(io.BytesIO(got.data))
        for ws in book.worksheets:
            where = f"{url} {ws.title}"
            used = range(1, ws.max_column + 1)
            assert all(ws.column_dimensions[openpyxl.utils.get_column_letter(n)].width for n in used), where
            assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToWidth == 1, where
            assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0, where
            assert ws.print_title_rows == "$1:$1", where                       # the head row on every page
            assert ws.oddHeader.center.text and ws.freeze_panes == "A2", where
            texts = _texts_of_sheet(ws)
            assert not [t for t in texts if ISO_TIME.fullmatch(t[:16]) and len(t) <= 25], where  # times are cells
            times = [c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, (datetime, date, time))]
            assert all(c.is_date for c in times), where
            assert not [t for t in texts if inc in t], where                     # no id
            assert not [t for t in texts if ENGLISH.search(t)], (where, [t for t in texts if ENGLISH.search(t)][:3])
        if url.endswith("notifications.xlsx"):
            assert ws.oddHeader.right.text.startswith("制表时间：")


def test_the_board_and_the_log_times_are_cells_and_their_copies_read_the_same(app, officer):  # noqa: F811
    inc = with_first_report(app, officer)
    notes = openpyxl.load_workbook(io.BytesIO(officer.get(f"/incidents/{inc}/notifications.xlsx").data))["报告事项"]
    due = [r[6] for r in notes.iter_rows(min_row=2, values_only=True) if r[6]]
    assert due and all(isinstance(d, datetime) for d in due)
    assert notes.cell(2, 7).number_format == "yyyy-mm-dd hh:mm"          # Excel shows 2026-12-02 10:42
    md = officer.get(f"/incidents/{inc}/calls.md").get_data(as_text=True)
    assert "# 某机械厂行车倒塌 呼叫单" in md and not ISO_TIME.search(md)      # a person's times, no T or seconds
    assert re.search(r"\| 2026-12-02 \d{2}:\d{2} \|", md)
    rows = list(csv.reader(io.StringIO(officer.get(f"/incidents/{inc}/notifications.csv").data.decode("utf-8-sig"))))
    assert rows[0][0] == "序号" and not any(inc in c for r in rows for c in r)


def test_the_word_exports_carry_no_id(app, officer):  # noqa: F811
    inc = with_first_report(app, officer)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(officer.get(f"/incidents/{inc}/timeline.docx").data))
                     .paragraphs)
    assert "某机械厂行车倒塌处置时间线" in text and inc not in text
    got = officer.get(f"/incidents/{inc}/timeline.docx")
    disposition = got.headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "某机械厂行车倒塌-时间线.docx"   # named, no id
    assert re.search(r'filename="[A-Za-z0-9-]+-timeline\.docx"', disposition)
