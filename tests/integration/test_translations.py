"""The English catalogue: what ships (.mo) is what was translated (.po), every
message the code and templates use is in it, and every entry is translated."""
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from emergency.core.errors import EXTRACT_KEYWORDS

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "webui" / "translations" / "en" / "LC_MESSAGES"


def _read(path: Path, reader=read_po):
    with path.open("rb") as f:
        return reader(f)


def _messages(catalog) -> dict:
    """Each message's id and its translation; a plural message's as tuples (its forms)."""
    return {(tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id):
            (tuple(m.string) if isinstance(m.string, (list, tuple)) else m.string) for m in catalog if m.id}


def _forms(message) -> list[tuple[str, str]]:
    """(source, translation) for each form of a message: one for a message, each plural form for a plural one
    (English has two: the singular from the id, the plural from its plural id)."""
    if isinstance(message.id, (list, tuple)):
        ids, strings = list(message.id), list(message.string)
        return [(ids[min(n, len(ids) - 1)], text) for n, text in enumerate(strings)]
    return [(message.id, message.string)]


def test_the_shipped_mo_is_the_compiled_po():
    po = _messages(_read(CATALOGUE / "messages.po"))
    mo = _messages(_read(CATALOGUE / "messages.mo", read_mo))
    assert mo == po, "run: pybabel compile -d webui/translations"


def test_every_message_is_translated_and_keeps_its_placeholders():
    po = _read(CATALOGUE / "messages.po")
    untranslated = [m.id for m in po if m.id and not all(text for _source, text in _forms(m))]
    assert untranslated == []
    for m in po:
        for source, text in (_forms(m) if m.id else []):
            assert sorted(re.findall(r"%\(\w+\)s", source)) == sorted(re.findall(r"%\(\w+\)s", text)), m.id
            assert not re.search(r"[\u4e00-\u9fff]", text), f"{m.id}: the English has Chinese in it"


def test_the_catalogue_holds_every_message_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    keywords = [arg for k in EXTRACT_KEYWORDS for arg in ("-k", k)]   # the console's words and the engine's refusals
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    *keywords, "-o", str(pot), str(ROOT)], check=True, cwd=ROOT, capture_output=True)
    wanted = {m.id for m in _read(pot) if m.id}
    have = set(_messages(_read(CATALOGUE / "messages.po")))
    assert wanted - have == set(), "run pybabel update (README, Translations)"
