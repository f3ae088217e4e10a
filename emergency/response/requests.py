"""The bodies the service accepts, as pydantic models: one list of fields for the engine's checks, the
JSON API's validation and its OpenAPI description.

The models that depend on the plans (plan ids, the facts vocabulary, the causes) are built per
library. They check shape and type at the edge; the engine then checks what needs the plan and the
clock (plausible times, a cause the plan knows, text limits) and names the field when it refuses.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from emergency.core.errors import InputError
from emergency.core.inputs import validation_refusal
from emergency.plans.source import PlanSource


STRICT = ConfigDict(extra="forbid")

# A new incident's report (接报): the fields of ``Lifecycle.start`` and of POST /api/incidents.
REPORT_FIELDS = ("plan", "facts", "occurred_at", "reported_at", "title", "drill", "drill_id", "cause", "hot_topic",
                 "sensitive", "event_group", "units_received")
CHECKLIST_FIELDS = ("level", "occurred_at", "reported_at", "cause", "hot_topic")
INTAKE_INCIDENT_FIELDS = ("plan", "facts", "occurred_at", "title", "cause")


@lru_cache(maxsize=8)
def library_models(library: PlanSource) -> dict[str, type[BaseModel]]:
    """The request models that depend on the plans: plan ids, the facts vocabulary and the causes."""
    facts = library.vocabulary.model
    plan = Literal[library.ids]  # type: ignore[valid-type]
    cause = (Literal[tuple(library.causes)] | None) if library.causes else None  # type: ignore[valid-type]
    types: dict[str, tuple[Any, Any]] = {
        "plan": (plan, ...), "facts": (facts, facts()), "occurred_at": (datetime, ...),
        "reported_at": (datetime | None, None), "title": (str, ""), "drill": (bool, False),
        "drill_id": (str | None, None), "cause": (cause, None), "hot_topic": (bool, False),
        "sensitive": (bool, False), "event_group": (str | None, None),
        "units_received": (dict[str, datetime], {}),
        "level": (Literal["I", "II", "III", "IV"], ...),
    }
    checklist = create_model("ChecklistRequest", __config__=STRICT,  # a checklist needs both times
                             **{f: types[f] for f in CHECKLIST_FIELDS} | {"reported_at": (datetime, ...)})
    incident = create_model("IncidentRequest", __config__=STRICT, **{f: types[f] for f in REPORT_FIELDS})
    from_intake = create_model("IntakeIncidentRequest", __config__=STRICT, **{f: types[f] for f in INTAKE_INCIDENT_FIELDS})
    from_intake.__doc__ = "Open an incident from an intake: its receipt time becomes the incident's reported_at."
    return {"Facts": facts, "ChecklistRequest": checklist, "IncidentRequest": incident,
            "IntakeIncidentRequest": from_intake}


def check_body(model: type[BaseModel], data: Any) -> None:
    """Refuse a body ``model`` does not accept, naming the first field at fault (an unknown one too)."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        if first["type"] == "extra_forbidden":
            raise InputError(field, "不认识的字段；可用字段：%(fields)s", fields=list(model.model_fields)) from None
        raise validation_refusal(first, field) from None
