"""The store package's seam: both databases answer the one ``UnitOfWork`` interface, and hand out incident and
intake repositories answering theirs, with the same parameters; the refusals a person meets come from one table."""
import inspect

import pytest

from emergency.store import IncidentRepository, IntakeRepository, Store, UnitOfWork, open_store
from emergency.store.incidents import Incidents
from emergency.store.interface import IncidentRepository as DeclaredIncidents, UnitOfWork as Declared
from emergency.store.postgres import PgIncidents, PostgresStore
from emergency.store.repositories import Intakes
from tests.fakes import FakeIncidents
from emergency.store.refusals import REFUSALS, refusal

pytestmark = pytest.mark.integration

def _methods(protocol) -> list[str]:
    return [name for name, value in vars(protocol).items() if callable(value) and not name.startswith("_")]


def test_the_interfaces_name_what_the_service_uses():
    assert {"write", "migrate", "backup_to"} <= set(_methods(Declared))
    assert {"create", "append", "get", "events"} <= set(_methods(DeclaredIncidents))
    assert not {"create", "append", "get", "events"} & set(_methods(Declared))   # incidents are the repository's


def _same_parameters(protocol, cls, only_those_it_has: bool = False):
    for method in _methods(protocol):
        if only_those_it_has and not hasattr(cls, method):
            continue
        declared = list(inspect.signature(getattr(protocol, method)).parameters)
        assert list(inspect.signature(getattr(cls, method)).parameters) == declared, f"{cls.__name__}.{method}"


@pytest.mark.parametrize("backend", [Store, PostgresStore], ids=["sqlite", "postgresql"])
def test_each_store_has_the_declared_methods_with_their_parameters(backend):
    _same_parameters(Declared, backend)


@pytest.mark.parametrize("repository", [Incidents, PgIncidents], ids=["sqlite", "postgresql"])
def test_each_incident_repository_has_the_declared_methods(repository):
    _same_parameters(DeclaredIncidents, repository)


def test_the_fake_answers_what_it_has_as_the_repositories_do():
    """The fake holds what the use cases ask (not the shift log's windows): that, with the stores' parameters."""
    assert {"create", "append", "get", "events", "list", "trigger_count"} <= set(vars(FakeIncidents))
    _same_parameters(DeclaredIncidents, FakeIncidents, only_those_it_has=True)


def test_the_intake_repository_has_the_declared_methods():
    _same_parameters(IntakeRepository, Intakes)


@pytest.mark.both_stores
def test_an_open_store_is_a_unit_of_work_handing_out_the_repositories(store_location):
    store = open_store(store_location)
    try:
        assert isinstance(store, UnitOfWork)
        assert isinstance(store.incidents, IncidentRepository) and isinstance(store.intakes, IntakeRepository)
        assert store.incidents.store is store and store.intakes.store is store
    finally:
        store.close()


def test_every_refusal_of_the_table_reads_chinese_and_carries_its_status_class():
    for kind, (cls, _template) in REFUSALS.items():
        text = str(refusal(kind, detail="x", location="y"))
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), kind
        assert isinstance(refusal(kind, detail="x", location="y"), cls)
