"""The project's knowledge stays in the repository: code, tests, templates, plan files and the docs give the reason,
never a tracker number; the README is what a newcomer needs first (short, readable lines)."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRACKER = re.compile(r"\b[Ii]ssue \d+|议题 ?\d+|(?<![\w&#/])#\d{1,3}\b(?![\w-])")
SUFFIXES = (".py", ".html", ".yaml", ".md", ".js", ".sql", ".toml", ".cfg", ".ini", ".txt")


FOLDERS = ("emergency", "webui", "tests", "plans", "scripts", "bench", "docs", ".ci")
SKIP = ("webui/static/vendor/", "tests/artifacts/", "__pycache__")


def _tracked() -> list[Path]:
    """The repository's own text files (vendored code, test artifacts and caches aside), the configuration
    files at its root included."""
    out = [ROOT / "README.md"] + [p for p in sorted(ROOT.glob("*")) if p.is_file() and (
        p.suffix in SUFFIXES or p.name.startswith("."))]
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            if path.is_file() and (path.suffix in SUFFIXES or folder in ("scripts", ".ci")) and not any(
                    s in rel for s in SKIP):
                out.append(path)
    return out


def test_no_tracker_number_in_code_tests_templates_plans_or_docs():
    found = []
    for path in _tracked():
        if not path.exists():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if TRACKER.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    assert not found, "\n".join(found[:20])


def test_the_pattern_finds_what_it_is_for():
    issue, topic = "iss" + "ue", "议" + "题"        # spelled apart, so this file passes its own scan
    assert TRACKER.search(f"({issue} 32)") and TRACKER.search(f"{topic}29") and TRACKER.search("see " + "#" + "27")
    assert not TRACKER.search("color: #fff") and not TRACKER.search("&#27;") and not TRACKER.search("carrier issues 100")


def test_the_readme_is_short_and_its_lines_readable():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) < 250
    assert all(len(line) <= 200 for line in lines), [n for n, line in enumerate(lines, 1) if len(line) > 200]


ROUND = re.compile(r"第[一二三四五六七八九十]+次研读|\b(first|second|third|fourth|fifth) reading\b", re.I)


def test_a_plan_decision_gives_its_reason_never_the_review_round_it_came_from():
    """A duty officer reads a decision beside its clause for the reason; "（第三次研读）" tells them only when the
    project wrote it down."""
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}" for path in sorted((ROOT / "plans").rglob("*.yaml"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if ROUND.search(line)]
    assert not found, "\n".join(found[:20])
    assert ROUND.search("（第四次研读）") and ROUND.search("(Third reading.)") and not ROUND.search("the other reading")
