"""Spreadsheets and CSV the console writes (the directory, roster, checklists, exports): every cell made safe from
being read as a formula, every time a date cell, every sheet ready to print. No engine imports but the clock's zone:
a writer of rows, used by the engine's modules alike."""
from __future__ import annotations

import csv
import re
from datetime import date, datetime, time
from io import BytesIO, StringIO
from typing import Any

from emergency.core.clock import TZ as SHANGHAI, minute_text
from emergency.core.wording import text_width

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text that starts with = + - @ (or a tab or carriage return) would be read as a formula by a spreadsheet:
    keep it text. Every .xlsx and .csv the console writes goes through this."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def csv_bytes(rows: list[list[Any]]) -> bytes:
    """Rows as a UTF-8 .csv with a byte-order mark (so Excel reads the Chinese), every cell made safe."""
    buf = StringIO()
    csv.writer(buf).writerows([[safe_cell(x) for x in row] for row in rows])
    return buf.getvalue().encode("utf-8-sig")


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"   # what a download of one is sent as


# A time the record holds as text becomes a date cell, so Excel sorts, filters and shows it as a time (the whole cell
# must be the time: a sentence that mentions one stays a sentence). Zoned times are shown in Asia/Shanghai.
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?([+-]\d{2}:\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
SHOWN_AS = {datetime: "yyyy-mm-dd hh:mm", date: "yyyy-mm-dd", time: "hh:mm"}      # as Excel shows each kind
SHOWN_STRF = {datetime: "%Y-%m-%d %H:%M", date: "%Y-%m-%d", time: "%H:%M"}          # the same, in plain text
WIDEST = 50          # characters: a longer text wraps inside its column instead of widening the page


def typed_cell(value: Any) -> Any:
    """``value`` as the cell it is: a time text becomes a date cell (naive, in Asia/Shanghai, as Excel keeps
    them), any other text is made safe from being read as a formula."""
    if not isinstance(value, str):
        return value.astimezone(SHANGHAI).replace(tzinfo=None) if isinstance(value, datetime) and value.tzinfo else value
    if m := _DATETIME.match(value):
        at = datetime.fromisoformat(f"{m[1]}T{m[2]}{m[3] or ''}{m[4] or ''}")
        return at.astimezone(SHANGHAI).replace(tzinfo=None) if at.tzinfo else at
    if _DATE.match(value):
        return date.fromisoformat(value)
    if _CLOCK.match(value):
        return time.fromisoformat(value)
    return safe_cell(value)


def shown_text(value: Any) -> str:
    """A cell as a person reads it in plain text (Markdown, a print): a time as 2026-12-07 04:52, nothing for
    nothing."""
    cell = typed_cell(value) if isinstance(value, str) else value
    for kind, shown in SHOWN_STRF.items():
        if isinstance(cell, kind):
            return cell.strftime(shown)
    return "" if value is None else str(value)


def shown_width(value: Any) -> int:
    """How many character widths a cell takes on the page: a Chinese character two, a time its shown form."""
    for kind, shown in SHOWN_AS.items():
        if isinstance(value, kind):
            return len(shown)
    text = "" if value is None else str(value)
    return max((round(text_width(line) * 2) for line in text.splitlines()), default=0)   # in half widths


def _header_text(text: str) -> str:
    return text.replace("&", "&&")     # & begins a field code in a page header


def _fit_columns(ws) -> list[int]:
    """Each column as wide as what it holds (a longer text wraps), each time shown as a time; the widths."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    widths = [max(shown_width(cell.value) for cell in column) for column in ws.iter_cols()]
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            kind = type(cell.value)
            if kind in SHOWN_AS:
                cell.number_format = SHOWN_AS[kind]
            elif widths[cell.column - 1] > WIDEST:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for n, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(n)].width = min(max(w, 4), WIDEST) + 2
    return widths


def _for_paper(ws, widths: list[int], heading: str, made_at: str) -> None:
    """A4 fitted to the width, the head row frozen and on every page, the heading and time above, pages below."""
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sum(min(w, WIDEST) + 2 for w in widths) > 100 else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.oddHeader.center.text = _header_text(heading)
    if made_at:
        ws.oddHeader.right.text = _header_text(f"制表时间：{minute_text(made_at)}")
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def workbook_bytes(sheets: list[tuple], made_at: str = "") -> bytes:
    """Sheets of rows as an .xlsx ready for Excel and for paper: the head row bold, frozen and printed on every page;
    every column as wide as what it holds (up to ``WIDEST``, then wrapped); times as date cells; A4, fitted to the
    page's width (landscape when the columns need it); the page header says what it is and when it was made
    (``made_at``), the footer the page number. Each sheet is (name, head, rows) or (name, head, rows, heading):
    the heading its pages carry, by default its name."""
    # openpyxl is loaded when a workbook is first made, not when the console starts
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, head, rows, *heading in sheets:
        ws = wb.create_sheet(re.sub(r"[\[\]:*?/\\]", "", name)[:31] or "表")   # what a sheet's name may hold
        ws.append(head)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([typed_cell(x) for x in row])
        widths = _fit_columns(ws)
        _for_paper(ws, widths, heading[0] if heading else name, made_at)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
