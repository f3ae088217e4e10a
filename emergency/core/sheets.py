"""Spreadsheets and CSV the console writes (the directory, roster, checklists, exports): every cell made safe from
being read as a formula. No engine imports: a writer of rows, used by the engine's modules alike."""
from __future__ import annotations

import csv
from io import BytesIO, StringIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

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


def workbook_bytes(sheets: list[tuple[str, list[str], list[list[Any]]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, head, rows in sheets:
        ws = wb.create_sheet(name[:31])
        ws.append(head)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([safe_cell(x) for x in row])
        ws.freeze_panes = "A2"
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
