"""PDF through the headless Chromium the project already uses (Debian's ``chromium``): a page printed to A4.

An issued report is printed once, when it is issued, and the PDF is kept beside the .docx (it is as immutable as
the file, and its hash is in the issue event); a download serves the kept bytes. Printing is still bounded,
because a report issued before that, or whose print failed, is printed on request (sixteen PDF
downloads in flight stalled the service).

**One Chromium kept warm** (``WarmChromium``): each process starts one headless Chromium at its first print, through
Playwright, and prints every later page on it, one at a time, so that 签发 costs a print and not a browser's start
(a cold start was most of it). It runs locked down: JavaScript off, the page served to it under a name of its own
and every other request aborted before it leaves (so a frame of a local file or an image from a server on this
machine is never fetched), every request that could leave sent to a proxy where nothing listens, host names
resolved to nothing, its own throw-away profile, the page's own Content-Security-Policy refusing anything but its
inline styles and data: fonts and images. In front of it a bounded queue: a print that cannot join it within
``QUEUE_SECONDS`` is answered 503 with ``Retry-After`` (``PrintBusy``); one that takes longer than
``TIMEOUT_SECONDS`` has its Chromium killed (every process of its profile) and started again for the next page.

Without Playwright (a deployment that left it out) each page is printed by a Chromium of its own, as before: at
most ``MAX_PRINTS`` at once, the same flags, the same timeout, the whole process group killed after it.
"""
from __future__ import annotations

import atexit
import io
import logging
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from emergency.core.errors import EmergencyError
from emergency.core.wording import N_

log = logging.getLogger(__name__)

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
MAX_PRINTS = 2      # a Chromium of its own per page (without Playwright): at most this many at once
QUEUED = 4          # pages waiting for the warm Chromium, beyond the one it prints
QUEUE_SECONDS = 0.2  # a request does not hold a server thread waiting for a print: it is told to come back
RETRY_AFTER_SECONDS = 10
_slots = threading.BoundedSemaphore(MAX_PRINTS)
# What a person reads when no PDF comes (the error page, in the reader's language: the catalogue has the English)
BUSY = N_("PDF打印繁忙，请几秒后再试（Word文件现在即可下载）")
LATE = N_("PDF未能按时生成，可先下载Word文件")
FAILED = N_("PDF未能生成，可先下载Word文件")
MISSING = N_("生成PDF需要Chromium（%(path)s：请安装chromium或设置EMERGENCY_CHROMIUM），可先下载Word文件")


class PdfUnavailable(EmergencyError):
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
    return _bounded(chromium, with_policy(html), "report.pdf", lambda out: [f"--print-to-pdf={out}"], {"kind": "pdf"})


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
                                 "--force-device-scale-factor=2"], {"kind": "png", "width": width, "height": height})


def _bounded(chromium: str, html: str, name: str, output_flags, job: dict) -> bytes:
    """``html`` printed as ``job`` says on the warm Chromium, or, without Playwright, by a Chromium of its own
    (writing ``name`` with ``output_flags``), within the bounds of the module's description."""
    exe = chromium if os.path.isabs(chromium) else shutil.which(chromium)
    if not exe or not os.access(exe, os.X_OK):
        raise PdfUnavailable(MISSING, path=chromium)
    warm = warm_chromium(exe)
    if warm is not None:
        return warm.run({**job, "html": html})
    if not _slots.acquire(timeout=QUEUE_SECONDS):
        raise PrintBusy(BUSY)
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
            log.warning("Chromium did not start: %s", type(exc).__name__)
            raise PdfUnavailable(FAILED) from None
        try:
            proc.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(LATE) from None
        finally:
            try:  # Chromium's own helper processes go with it, whatever happened
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        if not out.is_file() or out.stat().st_size == 0:
            raise PdfUnavailable(FAILED)
        return out.read_bytes()


# ---------------------------------------------------------------- one Chromium kept warm

PAGE_URL = "http://report.print.invalid/"   # the name the page is served under (.invalid resolves nowhere)
PRINT_WINDOW = {"width": 1280, "height": 720}
_warm: dict[str, WarmChromium] = {}
_warm_lock = threading.Lock()


def warm_chromium(exe: str) -> WarmChromium | None:
    """This process's warm Chromium at ``exe`` (started at its first page), or None without Playwright."""
    try:
        import playwright.sync_api  # noqa: F401 - only to know it is there
    except ImportError:
        return None
    with _warm_lock:
        if exe not in _warm:
            _warm[exe] = WarmChromium(exe)
        return _warm[exe]


class WarmChromium:
    """One headless Chromium, driven by Playwright from a thread of its own, printing the pages of a bounded queue
    one at a time (see the module's description)."""

    def __init__(self, exe: str):
        self.exe = exe
        self.jobs: queue.Queue = queue.Queue(maxsize=QUEUED)
        self.profile: str | None = None
        self.starts = 0      # how many times a Chromium was started (once, unless one misbehaved)
        self._html: str | None = None
        self._playwright = None
        self._thread = threading.Thread(target=self._work, name="warm-chromium", daemon=True)
        self._thread.start()

    def run(self, job: dict) -> bytes:
        """The page of ``job`` (``kind`` pdf or png, ``html``, a png's ``width`` and ``height``) printed."""
        job = {**job, "done": threading.Event(), "abandoned": False}
        try:
            self.jobs.put(job, timeout=QUEUE_SECONDS)
        except queue.Full:
            raise PrintBusy(BUSY) from None
        if not job["done"].wait(TIMEOUT_SECONDS):
            job["abandoned"] = True
            self.kill()   # the page hangs: its Chromium goes, and the next page starts a new one
            raise PdfUnavailable(LATE)
        if "error" in job:
            log.warning("the warm Chromium did not print the page: %s", job["error"])
            raise PdfUnavailable(FAILED)
        return job["result"]

    def kill(self) -> None:
        """Every process of this Chromium's profile killed at once (the browser and its helpers)."""
        profile = self.profile
        if not profile:
            return
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if f"--user-data-dir={profile}".encode() in f.read():
                        os.kill(int(entry), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                continue

    # ------------------------------------------------------------ the thread that owns the browser
    def _work(self) -> None:
        context = None
        while (job := self.jobs.get()) is not None:
            if not job["abandoned"]:
                context = self._attempt(job, context)
                job["done"].set()
        self._stop(context)
        if self._playwright is not None:
            self._playwright.stop()

    def _attempt(self, job: dict, context):
        """``job`` printed on ``context``, started when there is none, and once more when the one there died since
        the last page; returns the Chromium to keep (none after a page killed for taking too long)."""
        for _attempt in (1, 2):
            try:
                context = context or self._start()
                job["result"] = self._print(context, job)
                job.pop("error", None)
                break
            except Exception as exc:  # noqa: BLE001 - a browser that failed is closed and started again
                job["error"] = type(exc).__name__
                context = self._stop(context)
                if job["abandoned"]:
                    break
        return self._stop(context) if job["abandoned"] else context

    def _start(self):
        from playwright.sync_api import sync_playwright

        self._playwright = self._playwright or sync_playwright().start()
        self.profile = tempfile.mkdtemp(prefix="emergency-chromium-")
        self.starts += 1
        context = self._playwright.chromium.launch_persistent_context(
            self.profile, executable_path=self.exe, headless=True, java_script_enabled=False, offline=True,
            device_scale_factor=2, accept_downloads=False, timeout=TIMEOUT_SECONDS * 1000,
            args=[f for f in FLAGS if f not in ("--headless", "--no-pdf-header-footer")])
        context.route("**/*", self._serve)
        return context

    def _serve(self, route) -> None:
        """The page itself, under its own name; any other request is aborted before it leaves."""
        if route.request.url == PAGE_URL and self._html is not None:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self._html)
        else:
            route.abort()

    def _print(self, context, job: dict) -> bytes:
        # one tab, kept with the browser: each page replaces the last one's document (a new tab cost 60–120 ms)
        page = context.pages[0] if context.pages else context.new_page()
        self._html = job["html"]   # one page at a time: what ``_serve`` answers while this one loads
        try:
            # a picture is of its own size; a print lays out on the page size its CSS says, from the usual window
            page.set_viewport_size({"width": job["width"], "height": job["height"]} if job["kind"] == "png"
                                   else PRINT_WINDOW)
            page.goto(PAGE_URL, wait_until="load", timeout=TIMEOUT_SECONDS * 1000)
            if job["kind"] == "png":
                return page.screenshot(type="png", timeout=TIMEOUT_SECONDS * 1000)
            return page.pdf(prefer_css_page_size=True, display_header_footer=False)
        finally:
            self._html = None

    def _stop(self, context) -> None:
        if context is not None:
            try:
                context.close()
            except Exception:  # noqa: BLE001 - it may be dead already
                pass
        self.kill()
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None
        return None

    def close(self) -> None:
        """Stop the thread and its Chromium (at exit)."""
        self.jobs.put(None)
        self._thread.join(timeout=TIMEOUT_SECONDS)


@atexit.register
def _close_warm() -> None:
    for warm in list(_warm.values()):
        warm.close()
