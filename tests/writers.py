"""Writers racing on one database: each in a thread of its own with its own store, all started together."""
from __future__ import annotations

import threading
from collections.abc import Callable

from emergency.store import open_store


def race(location: str, work: Callable[..., None], each: list[tuple]) -> list[str]:
    """Run ``work(store, *args)`` for every ``args`` in ``each`` at once, each thread with its own store at
    ``location``; what they raised, as text ([] when every write landed)."""
    errors: list[str] = []

    def writer(*args) -> None:
        store = open_store(location)
        try:
            work(store, *args)
        except Exception as exc:  # noqa: BLE001 - collected and shown by the caller's assertion
            errors.append(repr(exc))
        finally:
            store.close()
    threads = [threading.Thread(target=writer, args=args) for args in each]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
