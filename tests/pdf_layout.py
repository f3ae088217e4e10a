"""A printed report read back as its recipient's eye reads it: each page's lines with their places (pdftotext), and
the GB/T 9704-2012 places every report must keep — the 发文机关标志 35 mm under the 版心's top, the 文种 whole on
its line, no heading at a page's foot, the 版记's 印发 line on the last page's foot."""
import re
import subprocess
import xml.etree.ElementTree as ET

PT_PER_MM = 72 / 25.4
TOP, BOTTOM = 37 * PT_PER_MM, (297 - 35) * PT_PER_MM          # the 版心's top and bottom edges, from the page's top
PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")
HEADING = re.compile(r"^[一二三四五六七八九十]+、")


def page_lines(pdf: bytes) -> list[list[tuple[float, float, str]]]:
    """Each page's lines as (top, bottom, text), top to bottom, page numbers left out."""
    out = subprocess.run(["pdftotext", "-bbox-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    root = ET.fromstring(re.sub(rb"<!DOCTYPE[^>]*>", b"", out).replace(b'xmlns="http://www.w3.org/1999/xhtml"', b""))
    pages = []
    for page in root.iter("page"):
        lines = [(float(line.get("yMin")), float(line.get("yMax")), "".join(w.text or "" for w in line.iter("word")))
                 for line in page.iter("line")]
        pages.append([line for line in lines if not PAGE_NUMBER.fullmatch(line[2])])
    return pages


def gb_t_9704_places(pdf: bytes, issuer: str, printed: str) -> None:
    """Assert the places every report keeps (``printed``: the 印发日期 line's text, …印发)."""
    pages = page_lines(pdf)
    first = pages[0]
    letterhead = next(line for line in first if line[2] == issuer)
    assert abs(letterhead[0] - (TOP + 35 * PT_PER_MM)) <= 2 * PT_PER_MM, letterhead
    genre = [t for _a, _b, t in first if "情况的报告" in t]
    assert len(genre) == 1 and re.search(r"情况的报告（[^（）]+）$", genre[0]), genre       # the 文种 whole, on one line
    for page in pages[:-1]:
        assert not HEADING.match(page[-1][2]), f"a heading at a page's foot: {page[-1][2]}"
    last = pages[-1]
    foot = sorted(t for top, _b, t in last if abs(top - last[-1][0]) < 2)
    assert foot == sorted([printed, issuer]), foot
    assert BOTTOM - 14 <= last[-1][1] <= BOTTOM, (last[-1], BOTTOM)
