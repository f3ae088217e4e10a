"""The plan library the tests read: the plans shipped in the repository's plans/ directory."""
from emergency.response.library import library

PLANS = library()
PLANS_DIR = PLANS.directory


def status_views(snap, now, plans=PLANS) -> list[dict]:
    """An incident's notifications with their status at ``now``, as the pages and the API show them."""
    from emergency.services.incidents import notification_status
    return [n.view() for n in notification_status(snap, now, plans)]


# An environment response from first response to termination, step by step (trigger, payload): the use cases on the
# fake (tests/unit) and each store (tests/integration) walk it, and rebuild the incident from its events.
A_RESPONSE = [("start_first_response", {}), ("activate", {"level": "IV", "approved_by": "区长"}),
              ("tick_notification", {"notification": "first-phone"}),
              ("update_facts", {"facts": {"evacuated": 6000}}),
              ("change_level", {"level": "III", "reason": "疏散人数达5000人以上"}),
              ("confirm_condition", {"condition": "controlled"}),
              ("terminate", {"declared_by": "海门区政府"})]
