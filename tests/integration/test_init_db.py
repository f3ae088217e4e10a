"""The schema is changed by an explicit step: ``emergency init-db`` (which ``serve`` runs
before the app starts); the app itself never migrates and refuses a database that is behind."""
import sqlite3

import pytest

from emergency.store import init_database
from webui import ConfigError, create_app
from tests.conftest import TEST_KEY


def test_the_app_refuses_a_database_whose_schema_is_behind_and_names_the_step(tmp_path):
    db = tmp_path / "old.db"
    sqlite3.connect(db).close()  # an empty file, as a first start without init-db leaves it
    with pytest.raises(ConfigError) as refused:
        create_app({"DATABASE": str(db), "SECRET_KEY": TEST_KEY})
    assert "emergency init-db" in str(refused.value) and "m001" in str(refused.value)
    tables = sqlite3.connect(db).execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    assert tables == []  # the app wrote nothing
    applied = init_database(db)
    assert applied[0].startswith("m001") and len(applied) >= 4
    assert init_database(db) == []  # a second run has nothing to do
    assert create_app({"DATABASE": str(db), "SECRET_KEY": TEST_KEY}).config["DATABASE"] == str(db)
