"""Haimen emergency-plan decision support engine (海门应急预案决策支持).

A pure core: plans as validated data, classification, dated notification checklists and
the response lifecycle. It imports neither Flask nor the database; the store, the CLI and
the web console are edges over it.
"""
from .errors import InputError, Refused, StaleVersion, NotFound
from .plans import Plan, load_plans, load_plan, PLANS_DIR
from .classify import classify
from .clock import TZ, parse_time, format_time

__all__ = [
    "InputError", "Refused", "StaleVersion", "NotFound",
    "Plan", "load_plans", "load_plan", "PLANS_DIR",
    "classify", "TZ", "parse_time", "format_time",
]
