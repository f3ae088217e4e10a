"""PDF through the headless Chromium the project already uses (Debian's ``chromium``): a page printed to A4.

The page is written to a private temporary directory and printed with ``--print-to-pdf``; Chromium gets its own
throw-away profile, so two prints at once never share one. Nothing is fetched from the network: the page carries
its own styles, and the flags turn off Chromium's background traffic.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--no-pdf-header-footer"]
TIMEOUT_SECONDS = 60


class PdfUnavailable(Exception):
    """Chromium is missing or failed: the .docx is still there; the message says what to install or check."""


def print_pdf(html: str, chromium: str = "/usr/bin/chromium") -> bytes:
    exe = chromium if os.path.isabs(chromium) else shutil.which(chromium)
    if not exe or not os.access(exe, os.X_OK):
        raise PdfUnavailable(f"PDF needs Chromium at {chromium} (apt-get install chromium; or set EMERGENCY_CHROMIUM); "
                             "the Word file can be downloaded meanwhile")
    with tempfile.TemporaryDirectory(prefix="emergency-pdf-") as tmp:
        page, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        try:
            subprocess.run([exe, *FLAGS, f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}", page.as_uri()],
                           capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(f"Chromium did not print the PDF ({type(exc).__name__}); the Word file can be "
                                 "downloaded meanwhile") from None
        if not out.is_file() or out.stat().st_size == 0:
            raise PdfUnavailable("Chromium did not print the PDF; the Word file can be downloaded meanwhile")
        return out.read_bytes()
