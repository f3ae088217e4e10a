"""The store package's seam: both databases answer the one ``IncidentLog`` interface, with the
same parameters, and the refusals a person meets come from one table."""
import inspect

import pytest

from emergency.store import IncidentLog, Store, open_store
from emergency.store.interface import IncidentLog as Declared
from emergency.store.postgres import PostgresStore
from emergency.store.refusals import REFUSALS, refusal

pytestmark = pytest.mark.integration

METHODS = [name for name, value in vars(Declared).items() if callable(value) and not name.startswith("_")]


def test_the_interface_names_what_the_service_uses():
    assert {"create", "append", "get", "events", "write", "add_intake"} <= set(METHODS)


@pytest.mark.parametrize("backend", [Store, PostgresStore], ids=["sqlite", "postgresql"])
@pytest.mark.parametrize("method", METHODS)
def test_each_store_has_the_declared_method_with_its_parameters(backend, method):
    declared = list(inspect.signature(getattr(Declared, method)).parameters)
    actual = list(inspect.signature(getattr(backend, method)).parameters)
    assert actual == declared, f"{backend.__name__}.{method}"


@pytest.mark.both_stores
def test_an_open_store_is_an_incident_log(store_location):
    store = open_store(store_location)
    try:
        assert isinstance(store, IncidentLog)
    finally:
        store.close()


def test_every_refusal_of_the_table_reads_chinese_and_carries_its_status_class():
    for kind, (cls, _template) in REFUSALS.items():
        text = str(refusal(kind, detail="x", location="y"))
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), kind
        assert isinstance(refusal(kind, detail="x", location="y"), cls)
