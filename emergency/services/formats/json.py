"""JSON for other systems: each table as a list of objects keyed by its column heads."""
import json as _json

EXTENSION = "json"
MEDIA_TYPE = "application/json"


def render(tables) -> bytes:
    out = {t.title: [dict(zip(t.head, row, strict=False)) for row in t.rows] for t in tables}
    return _json.dumps(out, ensure_ascii=False, indent=2, default=str).encode("utf-8")
