"""The Chromium that prints PDFs reads nothing but its page: an injected frame of a local file or an image
from a server on this machine is never fetched, no script runs, and prints beyond the slots wait or are refused."""

import pytest
from pypdf import PdfReader

from tests.serving import loopback_http
from webui import pdf


@pytest.fixture
def listener():
    with loopback_http(b"SECRET-FROM-LOOPBACK") as (port, received):
        yield port, received


def _text(body: bytes) -> str:
    """The PDF's text, NFKC-normalised (the CJK font maps some characters to their Kangxi radical forms)."""
    import io
    import unicodedata
    return unicodedata.normalize("NFKC", "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages))


def test_a_hostile_page_reads_no_local_file_and_reaches_no_server(listener, tmp_path):
    port, hits = listener
    secret = tmp_path / "secret.txt"
    secret.write_text("LOCAL-FILE-SECRET", encoding="utf-8")
    html = (f'<html><head><meta charset="utf-8"></head><body><p>报告正文</p>'
            f'<iframe src="{secret.as_uri()}"></iframe><iframe src="http://127.0.0.1:{port}/frame"></iframe>'
            f'<img src="http://127.0.0.1:{port}/img"><link rel="stylesheet" href="http://127.0.0.1:{port}/css">'
            f'<script>document.body.insertAdjacentText("beforeend", "SCRIPT-RAN")</script></body></html>')
    body = pdf.print_pdf(html)
    text = _text(body)
    assert "报告正文" in text
    assert "LOCAL-FILE-SECRET" not in text and "SECRET-FROM-LOOPBACK" not in text and "SCRIPT-RAN" not in text
    assert hits == []


def test_prints_beyond_the_slots_are_refused_as_busy(monkeypatch):
    monkeypatch.setattr(pdf, "QUEUE_SECONDS", 0.1)
    for _ in range(pdf.MAX_PRINTS):
        assert pdf._slots.acquire(timeout=1)
    try:
        with pytest.raises(pdf.PrintBusy):
            pdf.print_pdf("<html><head></head><body>x</body></html>")
    finally:
        for _ in range(pdf.MAX_PRINTS):
            pdf._slots.release()
