"""The plan's colours stay colours, and the words on them are legible: every level badge and every status colour
on its background reaches WCAG's 4.5:1 for normal text (the level II badge was white on orange, 3.08:1)."""
import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "webui" / "static" / "console.css").read_text(encoding="utf-8")
VARS = dict(re.findall(r"--([a-z]+):(#[0-9a-fA-F]{6})", CSS))


def _colour(value: str) -> str:
    value = value.strip()
    return VARS[value[6:-1]] if value.startswith("var(") else value


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _rule(selector: str) -> str:
    return re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS).group(1)


def _property(rule: str, name: str) -> str | None:
    found = re.search(rf"(?<![-\w]){name}\s*:\s*([^;]+)", rule)
    return _colour(found.group(1)) if found else None


@pytest.mark.parametrize("level", ["red", "orange", "yellow", "blue", "none"])
def test_each_level_badge_is_legible(level):
    rule = _rule(f".lv-{level}")
    text = _property(rule, "color") or _property(_rule(".badge"), "color")
    assert contrast(_property(rule, "background"), "#ffffff" if text == "#fff" else text) >= 4.5, level


@pytest.mark.parametrize("status", ["st-overdue", "st-pending", "st-done", "st-immediate", "st-late"])
def test_each_status_colour_is_legible_on_white(status):
    assert contrast(_property(_rule(f".{status}"), "color"), "#ffffff") >= 4.5, status


def test_the_measure_is_the_one_the_review_used():
    assert round(contrast("#ffffff", "#ef6c00"), 2) == 3.08          # the badge as it was: below 4.5
