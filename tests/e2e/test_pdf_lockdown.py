"""The Chromium that prints PDFs reads nothing but its page: an injected frame of a local file or an image
from a server on this machine is never fetched, no script runs, and prints beyond the slots wait or are refused."""

import threading
import time

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


def _hostile(port: int, tmp_path) -> str:
    """A report page carrying a frame of a local file, a frame, an image and a stylesheet from a server on this
    machine, and a script."""
    secret = tmp_path / "secret.txt"
    secret.write_text("LOCAL-FILE-SECRET", encoding="utf-8")
    return (f'<html><head><meta charset="utf-8"><link rel="stylesheet" href="http://127.0.0.1:{port}/css"></head>'
            f'<body><p>报告正文</p><iframe src="{secret.as_uri()}"></iframe>'
            f'<iframe src="http://127.0.0.1:{port}/frame"></iframe><img src="http://127.0.0.1:{port}/img">'
            f'<script>document.body.insertAdjacentText("beforeend", "SCRIPT-RAN")</script></body></html>')


def _kept_to_itself(text: str, hits: list) -> None:
    assert "报告正文" in text and "SCRIPT-RAN" not in text and "LOCAL-FILE-SECRET" not in text
    assert "SECRET-FROM-LOOPBACK" not in text and hits == []


def test_a_hostile_page_reads_no_local_file_and_reaches_no_server(listener, tmp_path):
    port, hits = listener
    _kept_to_itself(_text(pdf.print_pdf(_hostile(port, tmp_path))), hits)


def _page(text: str) -> str:
    return f'<html><head><meta charset="utf-8"></head><body><p>{text}</p></body></html>'


def test_the_chromium_is_kept_warm_and_prints_page_after_page():
    """Three prints and a picture on one Chromium started once: 签发 pays a print, not a browser's start."""
    warm = pdf.warm_chromium("/usr/bin/chromium")
    texts = [_text(pdf.print_pdf(_page(f"第{n}份报告"))) for n in range(3)]
    starts = warm.starts
    png = pdf.picture(_page("图"), 320, 200)
    assert ["".join(t.split()) for t in texts] == ["第0份报告", "第1份报告", "第2份报告"]
    assert png.startswith(b"\x89PNG") and warm.starts == starts and starts >= 1
    assert _text(pdf.print_pdf(_page("图后"))).strip() == "图后" and warm.starts == starts


def test_a_page_that_takes_too_long_has_its_chromium_killed_and_the_next_page_prints(monkeypatch):
    warm = pdf.WarmChromium("/usr/bin/chromium")
    try:
        assert _text(warm.run({"kind": "pdf", "html": _page("先")})).strip() == "先"
        first = warm.starts
        real = warm._print
        hang = threading.Event()

        def stuck(context, job):
            if "卡住" in job["html"]:
                hang.wait(10)
                raise RuntimeError("killed")
            return real(context, job)
        monkeypatch.setattr(warm, "_print", stuck)
        monkeypatch.setattr(pdf, "TIMEOUT_SECONDS", 1)
        with pytest.raises(pdf.PdfUnavailable):
            warm.run({"kind": "pdf", "html": _page("卡住")})
        hang.set()
        monkeypatch.setattr(pdf, "TIMEOUT_SECONDS", 30)
        assert _text(warm.run({"kind": "pdf", "html": _page("后")})).strip() == "后"
        assert warm.starts == first + 1        # started again for the page after
    finally:
        warm.close()


def test_prints_beyond_the_queue_are_refused_as_busy(monkeypatch):
    """The warm Chromium prints one page and holds ``QUEUED`` more; the next is told to come back (503)."""
    monkeypatch.setattr(pdf, "QUEUE_SECONDS", 0.1)
    warm = pdf.WarmChromium("/usr/bin/chromium")
    release = threading.Event()
    monkeypatch.setattr(warm, "_print", lambda context, job: release.wait(10) and b"%PDF")
    waiting = [threading.Thread(target=warm.run, args=({"kind": "pdf", "html": "x"},)) for _ in range(pdf.QUEUED + 1)]
    try:
        for t in waiting:
            t.start()
        deadline = time.monotonic() + 10
        while not warm.jobs.full() and time.monotonic() < deadline:
            time.sleep(0.01)
        with pytest.raises(pdf.PrintBusy) as busy:
            warm.run({"kind": "pdf", "html": "y"})
        assert str(busy.value) == "PDF打印繁忙，请几秒后再试（Word文件现在即可下载）"   # the page's words, in Chinese
    finally:
        release.set()
        for t in waiting:
            t.join(10)
        warm.close()


def test_the_warm_chromium_alone_runs_no_script_and_sends_no_request(listener, tmp_path):
    """The page's own policy left out: the browser itself (JavaScript off, every request but the page aborted)
    still keeps the page to what it carries."""
    port, hits = listener
    _kept_to_itself(_text(pdf.warm_chromium("/usr/bin/chromium").run({"kind": "pdf", "html": _hostile(port, tmp_path)})),
                    hits)
