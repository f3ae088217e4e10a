"""The store's life on ``g``: one connection per request, closed at teardown."""
from __future__ import annotations

from flask import Flask, current_app, g

from emergency.store import Store


def get_store() -> Store:
    if "store" not in g:
        g.store = Store(current_app.config["DATABASE"], create=False)
    return g.store


def close_store(_exc=None) -> None:
    store = g.pop("store", None)
    if store is not None:
        store.close()


def now():
    return current_app.config["CLOCK"].now()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_store)
