"""Asserting a refusal by what is stable: the field it names (``InputError.field``, the API's ``field``), and the
Chinese words a duty officer reads (the words are Chinese; the field key is for programs)."""
from contextlib import contextmanager

import pytest

from emergency.core.errors import InputError


@contextmanager
def refused(field: str, words: str | None = None):
    """The block raises an InputError naming ``field`` (exactly, or as its last dotted parts), saying ``words``."""
    with pytest.raises(InputError) as info:
        yield info
    got = info.value.field
    assert got == field or got.endswith("." + field), f"refused {got!r}, not {field!r}: {info.value}"
    if words is not None:
        assert words in str(info.value), str(info.value)
