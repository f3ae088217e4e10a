"""A .csv of the first table, UTF-8 with a byte-order mark so Excel reads the Chinese, every cell made safe."""
from emergency.core.sheets import csv_bytes

EXTENSION = "csv"
MEDIA_TYPE = "text/csv"


def render(tables) -> bytes:
    first = tables[0]
    return csv_bytes([first.head, *first.rows])
