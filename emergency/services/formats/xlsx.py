"""Excel workbooks: one sheet per table, every cell made safe (``core.sheets``)."""
from emergency.core.sheets import XLSX_TYPE, workbook_bytes

EXTENSION = "xlsx"
MEDIA_TYPE = XLSX_TYPE


def render(tables) -> bytes:
    made_at = next((t.made_at for t in tables if t.made_at), "")
    return workbook_bytes([(t.title, t.head, t.rows, t.heading or t.title) for t in tables], made_at=made_at)
