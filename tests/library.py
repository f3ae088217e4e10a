"""The plan library the tests read: the plans shipped in the repository's plans/ directory."""
from emergency.response.library import library

PLANS = library()
PLANS_DIR = PLANS.directory


def status_views(snap, now, plans=PLANS) -> list[dict]:
    """An incident's notifications with their status at ``now``, as the pages and the API show them."""
    from emergency.services.incidents import notification_status
    return [n.view() for n in notification_status(snap, now, plans)]
