"""The store's life on ``g``: one connection per request, closed at teardown."""
from __future__ import annotations

from flask import Flask, current_app, g

from emergency.store import Store


def get_store() -> Store:
    if "store" not in g:
        g.store = Store(current_app.config["DATABASE"], create=False,
                        lock_timeout=float(current_app.config.get("LOCK_TIMEOUT", 5.0)))
    return g.store


def close_store(_exc=None) -> None:
    store = g.pop("store", None)
    if store is not None:
        store.close()


def app_clock():
    """The app's clock (the wall clock; tests pass a FixedClock)."""
    return current_app.config["CLOCK"]


def now():
    return app_clock().now()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_store)


def clock_for(snap):
    """The clock an incident lives on: its drill's simulated clock, else the app's clock.

    A real incident always runs on the app's clock, whatever it names.
    """
    from emergency import drill_runs
    from emergency.errors import NotFound
    if snap.drill and snap.drill_id and snap.drill_id != "demo":
        try:
            return drill_runs.drill_clock(drill_runs.get_drill(get_store(), snap.drill_id), current_app.config["CLOCK"])
        except NotFound:
            pass
    return current_app.config["CLOCK"]
