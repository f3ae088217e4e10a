"""On paper and in a second reader: the printed call sheet of a large incident fits two A4 pages with every number on
one line; LibreOffice opens every workbook and Word file the console makes and renders it as a picture."""
import io
import pathlib
import shutil
import subprocess

import pypdf
import pytest
from playwright.sync_api import expect

from emergency.services import directory
from emergency.store import open_store
from tests.e2e.fixtures import ARTIFACTS, shot
from tests.conftest import signed_in

pytestmark = pytest.mark.e2e

SOFFICE = shutil.which("soffice")


def _big_incident(served) -> str:
    """A hazardous-chemicals explosion at level I: the most reporting items a plan gives one incident."""
    store = open_store(served.app.config["DATABASE"])
    directory.load_demo(store, "2026-11-22T09:00:00+08:00")
    store.close()
    client = signed_in(served.app, "值班员张三")
    r = client.post("/api/incidents", headers={"X-CSRFToken": client.csrf}, json={
        "plan": "hazardous_chemicals", "title": "某化工园区储罐爆炸", "facts": {"deaths": 31, "serious_injuries": 60},
        "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json["id"]


def test_the_longest_call_sheet_prints_on_two_pages_numbers_on_one_line(page, server):
    inc = _big_incident(server)
    page.goto(f"{server.url}/incidents/{inc}/calls")
    rows = page.locator("table.call-sheet tbody tr")                 # ours to dial, and others' to account for
    assert rows.count() >= 18, rows.count()     # the longest sheet a plan gives one incident
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})            # A4 at 96 dpi, as the print lays it out
    # every number stays on one line: its box is one line high
    heights = page.eval_on_selector_all("#call-sheet ol.numbers strong",
                                        "els => els.map(e => e.getClientRects().length)")
    assert heights and max(heights) == 1
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    (ARTIFACTS / "call-sheet-print.pdf").write_bytes(pdf)
    assert pages <= 2, pages
    page.emulate_media(media="screen")
    expect(page.locator("h1")).to_contain_text("某化工园区储罐爆炸")
    shot(page, "call-sheet-large")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is installed by scripts/install-chromium")
def test_libreoffice_opens_every_workbook_and_word_file(server, tmp_path):
    inc = _big_incident(server)
    client = signed_in(server.app, "值班员张三")
    commander = signed_in(server.app, "指挥李四")
    files = {"board.xlsx": "/incidents.xlsx", "notifications.xlsx": f"/incidents/{inc}/notifications.xlsx",
             "calls.xlsx": f"/incidents/{inc}/calls.xlsx", "log.xlsx": "/shift/log.xlsx",
             "directory.xlsx": "/directory.xlsx", "roster.xlsx": "/roster.xlsx", "coverage.xlsx": "/coverage.xlsx",
             "timeline.docx": f"/incidents/{inc}/timeline.docx", "log.docx": "/shift/log.docx"}
    for name, url in files.items():
        got = client.get(url)
        if got.status_code == 403:
            got = commander.get(url)
        assert got.status_code == 200, url
        (tmp_path / name).write_bytes(got.data)
    out = tmp_path / "pdf"
    done = subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "pdf", "--outdir", str(out), *[str(tmp_path / n) for n in files]],
                          capture_output=True, timeout=240)
    assert done.returncode == 0, done.stderr.decode()[-500:]
    pictures = ARTIFACTS / "libreoffice"
    pictures.mkdir(parents=True, exist_ok=True)
    for name in files:
        pdf = out / (pathlib.Path(name).stem + ".pdf")
        assert pdf.exists(), f"LibreOffice could not open {name}"
        assert len(pypdf.PdfReader(str(pdf)).pages) >= 1
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                        str(pictures / pathlib.Path(name).stem)], check=True, timeout=60)


def test_the_months_reporting_statistics_print_on_a4_within_the_page(page, server):
    """报送统计 as the duty room prints it for its month's assessment: nothing runs off the A4 page's width, the top
    bar and the links stay off the paper, and a time or a verdict is not broken one character a line."""
    _big_incident(server)
    page.goto(f"{server.url}/statistics?from=2026-11-01&to=2026-11-30")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1077})          # A4 less its 12 mm margins, at 96 dpi
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, overflow
    assert page.locator(".topbar").is_hidden()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    (ARTIFACTS / "statistics-print.pdf").write_bytes(pdf)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "导出" not in text and "统计" in text      # the paper has no links to press (its CJK text reads back in radicals)
    lines = page.eval_on_selector_all(
        "table.statistics-items td:nth-child(4), table.statistics-items td:nth-child(6)",
        "els => els.map(e => { const r = document.createRange(); r.selectNodeContents(e); "
        "return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; })")
    assert lines and max(lines) <= 2, lines     # a time on one line, 未记录获知情况 on at most two
