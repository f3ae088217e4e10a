"""The web layer parses, calls a service, renders: no module of ``webui/`` calls a method of the store itself
(``get_store().get(…)``, ``store.shifts.handovers(…)``); reads and writes alike go through ``emergency.services``.
Only the module that opens the store (``db.py``) and the app factory (``__init__.py``) touch it, and a command
closes the store it opened."""
import re
from pathlib import Path

WEBUI = Path(__file__).resolve().parents[2] / "webui"
STORE_CALL = re.compile(r"get_store\(\)\.\w|\bstore\.(?!close\()\w+(\.\w+)?\(")
OPENS_THE_STORE = {"db.py", "__init__.py"}


def store_calls(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if STORE_CALL.search(line) and not line.lstrip().startswith("#")]


def test_no_view_calls_the_store():
    found = {p.name: store_calls(p.read_text(encoding="utf-8")) for p in sorted(WEBUI.glob("*.py"))
             if p.name not in OPENS_THE_STORE}
    assert not {name: calls for name, calls in found.items() if calls}


def test_the_check_finds_what_it_is_for():
    assert store_calls("    snap = get_store().get(incident_id)")
    assert store_calls("    h = store.shifts.handover(handover_id)")
    assert not store_calls("    snap = service.get(get_store(), incident_id)")
    assert not store_calls("        store.close()")
