"""Markdown: each table under its heading, for a wiki, a chat or a plain-text print. Times are shown as a person
reads them (2026-12-07 04:52), never as stored."""
from emergency.core.sheets import shown_text

EXTENSION = "md"
MEDIA_TYPE = "text/markdown"


def render(tables) -> bytes:
    out: list[str] = []
    for t in tables:
        out += [f"# {t.heading or t.title}", ""]
        if t.made_at:
            out += [f"制表时间：{shown_text(t.made_at)}", ""]
        out += ["| " + " | ".join(t.head) + " |", "|" + "---|" * len(t.head)]
        out += ["| " + " | ".join(shown_text(c).replace("|", "／").replace("\n", " ") for c in row) + " |"
                for row in t.rows]
        out.append("")
    return "\n".join(out).encode("utf-8")
