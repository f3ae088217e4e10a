"""Console words the engine defines (role names, report sources, coverage kinds): written in Chinese,
marked with ``N_`` so ``pybabel extract`` puts them in the catalogue, and translated where they are
shown (the web layer's ``_(word)``). The engine itself never translates: it has no reader's language."""
from __future__ import annotations


def N_(word: str) -> str:
    """Mark ``word`` for the translation catalogue; returns it unchanged."""
    return word
