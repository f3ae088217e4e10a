"""Every kind of security-log entry the code writes is named in words on the 管理 page:
an entry shown by its key (``swap_requested``) is English on a Chinese page."""
import re

from tests.conftest import ROOT
from webui.admin import KIND_LABELS

WRITTEN = re.compile(r'audit_in_transaction\(\s*"(\w+)"(?:\s+if [^"]+ else\s+"(\w+)")?|audit\([^,()]+(?:\(\))?, "(\w+)"')


def test_every_kind_written_has_its_words():
    kinds = set()
    for path in [*ROOT.glob("emergency/**/*.py"), *ROOT.glob("webui/*.py")]:
        for match in WRITTEN.finditer(path.read_text(encoding="utf-8")):
            kinds |= {k for k in match.groups() if k}
    assert {"shift_entry", "handover_signed_in", "swap_approved", "swap_refused", "export"} <= kinds
    assert kinds - set(KIND_LABELS) == set()
