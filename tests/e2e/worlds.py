"""Records the browser walks start from (plain functions, not fixtures: a test module imports them freely)."""
from emergency.services import directory, incidents as svc
from emergency.services.users import add_user
from emergency.store import open_store

from ..conftest import PASSWORD


def tanker_world(server, clock) -> str:
    """An administrator, the demo directory and one real hazardous-chemicals incident; the incident's page path."""
    store = open_store(server.app.config["DATABASE"])
    add_user(store, "管理员钱七", "administrator", PASSWORD, clock)
    directory.load_demo(store, "2026-11-22T09:00:00+08:00")
    real = svc.report(store, {"plan": "hazardous_chemicals", "facts": {"deaths": 1}, "title": "槽罐车泄漏（虚构）",
                              "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"}, "值班员张三", clock)
    store.close()
    return f"/incidents/{real.id}"
