import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = ROOT.parent / "shared" / "sources"


@pytest.fixture(scope="session")
def sources_dir():
    assert SOURCES.is_dir(), f"the plan texts are expected at {SOURCES} (../shared/sources beside the repo)"
    return SOURCES
