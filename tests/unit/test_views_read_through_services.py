"""The web layer parses, calls a service, renders. It never holds the store: a view hands a use case of
``emergency.services`` its arguments through ``webui.db.use``, which gives it the request's store, so no view can read
or write around a service. Only the module that opens the request's store (``db.py``) and the app factory
(``__init__.py``, ``cli.py``: a command opens and closes a store of its own) touch a store."""
import ast
import re
from pathlib import Path

WEBUI = Path(__file__).resolve().parents[2] / "webui"
OPENS_THE_STORE = {"db.py", "__init__.py", "cli.py"}
STORE_CALL = re.compile(r"get_store\(\)\.\w|\bstore\.(?!close\()\w+(\.\w+)?\(")


def _views():
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(WEBUI.glob("*.py")) if p.name not in OPENS_THE_STORE}


def store_calls(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if STORE_CALL.search(line) and not line.lstrip().startswith("#")]


def holds_the_store(text: str) -> list[str]:
    """Where a module names ``get_store``, takes a ``store`` parameter, or hands ``use`` something that is not a use
    case imported from ``emergency.services``."""
    tree = ast.parse(text)
    services = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("emergency.services"):
            services |= {a.asname or a.name for a in node.names}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "get_store" or (
                isinstance(node, ast.alias) and node.name == "get_store"):
            found.append(f"line {getattr(node, 'lineno', '?')}: get_store")
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)):
            found += [f"line {node.lineno}: a parameter named store" for a in node.args.args if a.arg == "store"]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "use":
            target = node.args[0] if node.args else None
            while isinstance(target, ast.Attribute):
                target = target.value
            if not (isinstance(target, ast.Name) and target.id in services):
                found.append(f"line {node.lineno}: use({ast.unparse(node.args[0]) if node.args else ''})")
    return found


def test_no_view_holds_the_store_or_calls_it():
    assert not {name: calls for name, text in _views().items() if (calls := store_calls(text))}
    assert not {name: found for name, text in _views().items() if (found := holds_the_store(text))}


def test_the_checks_find_what_they_are_for():
    assert store_calls("    snap = get_store().get(incident_id)")
    assert store_calls("    h = store.shifts.handover(handover_id)")
    assert not store_calls("    snap = use(service.get, incident_id)")
    assert not store_calls("        store.close()")
    services = "from emergency.services import incidents as service\n"
    assert holds_the_store(services + "snap = service.get(get_store(), 'x')\n")
    assert holds_the_store(services + "def helper(store):\n    return service.get(store, 'x')\n")
    assert holds_the_store(services + "from .db import use\ndef helper():\n    return use(_local, 'x')\n")
    assert not holds_the_store(services + "from .db import use\nsnap = use(service.get, 'x')\n")
