"""The plan library the tests read: the plans shipped in the repository's plans/ directory."""
from emergency.library import library

PLANS = library()
PLANS_DIR = PLANS.directory
