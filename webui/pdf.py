"""PDF through the headless Chromium the project already uses (Debian's ``chromium``): a page printed to A4.

An issued report is printed once, when it is issued, and the PDF is kept beside the .docx (it is as immutable as
the file, and its hash is in the issue event); a download serves the kept bytes. Printing is still bounded,
because a report issued before that, or whose print failed, is printed on request (sixteen PDF
downloads in flight stalled the service):

- at most ``MAX_PRINTS`` prints at once in a process; a request that would wait longer than ``QUEUE_SECONDS``
  is answered 503 with ``Retry-After`` (``PrintBusy``);
- Chromium runs locked down: no script runs (the page's policy), every request sent to a proxy where nothing listens (loopback
  included), host names resolved to nothing, its own throw-away profile, the page's own Content-Security-Policy
  refusing anything but its inline styles and data: fonts and images, and a hard timeout after which the whole
  process group is killed.
"""
from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--no-pdf-header-footer",
         # nothing leaves the page: no network (loopback too), no name resolution; no script runs in it (its policy:
         # Chromium's own switch for scripts, blink-settings scriptEnabled=false, stops --print-to-pdf printing)
         "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-extensions", "--disable-plugins",
         "--disable-dev-shm-usage"]
# The page itself refuses to load anything but what it carries (read_only: an injected <iframe src=file://…> or
# <img src=http://127.0.0.1…> is blocked by the browser before any request).
PAGE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
               "frame-src 'none'; form-action 'none'; base-uri 'none'")
TIMEOUT_SECONDS = 30
MAX_PRINTS = 2
QUEUE_SECONDS = 0.2  # a request does not hold a server thread waiting for a print: it is told to come back
RETRY_AFTER_SECONDS = 10
_slots = threading.BoundedSemaphore(MAX_PRINTS)


class PdfUnavailable(Exception):
    """Chromium is missing or failed: the .docx is still there; the message says what to install or check."""


class PrintBusy(PdfUnavailable):
    """Every print slot is taken: try again in ``RETRY_AFTER_SECONDS``."""


def with_policy(html: str) -> str:
    """``html`` with the print policy as the first thing in its <head>."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{PAGE_POLICY}">'
    return html.replace("<head>", "<head>" + meta, 1) if "<head>" in html else meta + html


def print_pdf(html: str, chromium: str = "/usr/bin/chromium") -> bytes:
    """The page ``html`` printed to A4 by Chromium. Raises PrintBusy when every slot stays taken, PdfUnavailable
    when Chromium is missing, fails or runs out of time."""
    return _bounded(chromium, with_policy(html), "report.pdf", lambda out: [f"--print-to-pdf={out}"])


def page_count(pdf: bytes) -> int:
    """How many pages a PDF Chromium printed has (its page objects; 0 when it cannot be read)."""
    from pypdf import PdfReader   # loaded when a report is printed
    from pypdf.errors import PdfReadError

    try:
        return len(PdfReader(io.BytesIO(pdf)).pages)
    except (PdfReadError, ValueError, OSError):
        return 0


def picture(html: str, width: int, height: int, chromium: str = "/usr/bin/chromium") -> bytes:
    """The page ``html`` as a PNG of ``width``×``height`` CSS pixels at twice that resolution (sharp on paper), by the
    same locked-down Chromium and under the same bounds as a print: a chart in a Word file is a picture of the very
    markup the page shows."""
    return _bounded(chromium, with_policy(html), "picture.png",
                    lambda out: [f"--screenshot={out}", f"--window-size={width},{height}", "--hide-scrollbars",
                                 "--force-device-scale-factor=2"])


def _bounded(chromium: str, html: str, name: str, output_flags) -> bytes:
    exe = chromium if os.path.isabs(chromium) else shutil.which(chromium)
    if not exe or not os.access(exe, os.X_OK):
        raise PdfUnavailable(f"PDF needs Chromium at {chromium} (apt-get install chromium; or set EMERGENCY_CHROMIUM); "
                             "the Word file can be downloaded meanwhile")
    if not _slots.acquire(timeout=QUEUE_SECONDS):
        raise PrintBusy("the PDF printer is busy; try again in a few seconds (the Word file can be downloaded now)")
    try:
        return _run(exe, html, name, output_flags)
    finally:
        _slots.release()


def _run(exe: str, html: str, name: str, output_flags) -> bytes:
    with tempfile.TemporaryDirectory(prefix="emergency-pdf-") as tmp:
        page, out = Path(tmp) / "page.html", Path(tmp) / name
        page.write_text(html, encoding="utf-8")
        try:
            proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={tmp}/profile", *output_flags(out),
                                     page.as_uri()], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
        except OSError as exc:
            raise PdfUnavailable(f"Chromium did not start ({type(exc).__name__}); the Word file can be downloaded "
                                 "meanwhile") from None
        try:
            proc.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable("Chromium did not print the PDF in time; the Word file can be downloaded "
                                 "meanwhile") from None
        finally:
            try:  # Chromium's own helper processes go with it, whatever happened
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        if not out.is_file() or out.stat().st_size == 0:
            raise PdfUnavailable("Chromium did not print the PDF; the Word file can be downloaded meanwhile")
        return out.read_bytes()
