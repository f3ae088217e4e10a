"""What the parts below the plan library need of it, as a Protocol: the plans by id and in order, the facts
vocabulary, the causes and the 12345/110 list. The scenarios and the request models take this, not the library
itself, so the library (which reads the scenarios and builds the lifecycles that use the request fields) imports
them without either importing it back."""
from __future__ import annotations

from typing import Protocol

from emergency.plans.facts import Vocabulary
from emergency.plans.model import Plan
from emergency.plans.routing import RoutingList


class PlanSource(Protocol):
    ids: tuple[str, ...]
    plans: dict[str, Plan]
    vocabulary: Vocabulary
    causes: dict[str, str]
    routing: RoutingList

    def plan(self, plan_id: str) -> Plan: ...
