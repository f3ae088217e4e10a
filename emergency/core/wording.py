"""Console words the engine defines (role names, report sources, coverage kinds): written in Chinese,
marked with ``N_`` so ``pybabel extract`` puts them in the catalogue, and translated where they are
shown (the web layer's ``_(word)``). The engine itself never translates: it has no reader's language."""
from __future__ import annotations


def N_(word: str) -> str:
    """Mark ``word`` for the translation catalogue; returns it unchanged."""
    return word


WIDE_FROM = 0x2E80   # from the CJK radicals on, a character is a full em wide; below it (letters, digits) half


def char_width(ch: str) -> float:
    """How wide one character stands on the page, in Chinese characters: 1, or 0.5 for a Latin letter or a digit."""
    return 1.0 if ord(ch) >= WIDE_FROM else 0.5


def text_width(text: str) -> float:
    """How many Chinese characters wide ``text`` stands (a title's line, a 署名, a spreadsheet's column)."""
    return sum(char_width(ch) for ch in text)
