"""Excel workbooks: one sheet per table, every cell made safe (``core.sheets``)."""
from emergency.core.sheets import XLSX_TYPE, workbook_bytes

EXTENSION = "xlsx"
MEDIA_TYPE = XLSX_TYPE


def render(tables) -> bytes:
    return workbook_bytes([(t.title, t.head, t.rows) for t in tables])
