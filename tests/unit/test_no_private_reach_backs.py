"""No module of the engine or the console reaches into another's private parts: a name starting with one underscore
is used only on ``self``/``cls`` or in the module that defines it. The store's repositories write the security log
through the store's public ``audit_in_transaction`` and integrity reads older plan versions through
``with_plan_version``; the only private names used from outside are other libraries' documented ones, listed here
with why."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# python-docx gives no public door to the XML of a run, paragraph, section or row (its documentation says to use
# ``_element`` for what it does not wrap: page grids, rules, East Asian fonts); a namedtuple's ``_replace`` is public
# API with an underscore so that it cannot clash with a field's name
OTHER_LIBRARIES = {"_element", "_sectPr", "_tr", "_replace"}


def _defined(tree: ast.Module) -> set[str]:
    names = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    for n in ast.walk(tree):
        targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AnnAssign) else []
        names |= {t.attr if isinstance(t, ast.Attribute) else t.id for t in targets
                  if isinstance(t, (ast.Attribute, ast.Name))}
    return names


def _reach_backs() -> list[str]:
    out = []
    for folder in ("emergency", "webui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            own = _defined(tree)
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")):
                    continue
                base = node.value
                if isinstance(base, ast.Name) and base.id in ("self", "cls"):
                    continue
                if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "super":
                    continue
                if node.attr in own or node.attr in OTHER_LIBRARIES:
                    continue
                out.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    return out


def test_no_module_uses_another_modules_private_names():
    assert _reach_backs() == []
