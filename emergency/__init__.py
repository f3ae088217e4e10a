"""Haimen emergency-plan decision support engine (海门应急预案决策支持).

A core of plans as validated data (``library.PlanLibrary``: one plans directory), classification,
dated notification checklists and the response lifecycle, with the durable store
(``store.Store``, SQLite) as its one persistence seam. It never imports Flask or the web package;
the CLI (``emergency.cli``) and the console (``webui``) are edges over it. The clock is always an
argument.
"""
from emergency.response.classify import classify
from emergency.core.clock import TZ, format_time, parse_time
from emergency.core.errors import InputError, NotFound, Refused, StaleVersion
from emergency.response.library import PlanLibrary
from emergency.plans.model import Plan

__all__ = [
    "InputError", "Refused", "StaleVersion", "NotFound",
    "Plan", "PlanLibrary",
    "classify", "TZ", "parse_time", "format_time",
]
