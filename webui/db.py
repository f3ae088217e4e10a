"""The app's plan library, store and clock for a request: one store connection per request, closed
at teardown; the library and the clock come from the app's configuration (``PLANS_DIR``, ``CLOCK``)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g

from emergency.response.library import PlanLibrary
from emergency.store import Store, open_store

PLANS_KEY = "emergency.plans.model"
T = TypeVar("T")


def plans() -> PlanLibrary:
    """The plan library the app was started with (``PLANS_DIR``)."""
    return current_app.extensions[PLANS_KEY]


def get_store() -> Store:
    if "store" not in g:
        g.store = open_store(current_app.config["DATABASE"], create=False,
                        lock_timeout=float(current_app.config.get("LOCK_TIMEOUT", 5.0)), plans=plans())
    return g.store


def use(service: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``service`` — a use case of ``emergency.services``, which takes the store first — on the request's store.
    This is the web layer's one way to the data: a view parses, hands a use case its arguments here and renders the
    answer; it never holds the store, so it cannot read or write around a service."""
    return service(get_store(), *args, **kwargs)


def close_store(_exc=None) -> None:
    store = g.pop("store", None)
    if store is not None:
        store.close()


def app_clock():
    """The app's clock (the wall clock; tests pass a FixedClock)."""
    return current_app.config["CLOCK"]


def now():
    return app_clock().now()


def clock_for(snap):
    """The clock an incident lives on (its drill's simulated clock, else the app's)."""
    from emergency.services.drill_runs import clock_for as drill_clock_for
    return drill_clock_for(get_store(), snap, app_clock())


def init_app(app: Flask, library: PlanLibrary) -> None:
    app.extensions[PLANS_KEY] = library
    app.teardown_appcontext(close_store)
