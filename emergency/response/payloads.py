"""What a step of the response may carry (its payload), as pydantic models: one per trigger and the fields
its transitions require, each field checked against the plan and the incident it is applied to.

``step_payload(trigger, requires)`` is the model of one trigger; ``clean_payload`` validates a payload with
it, in the context of the plan, the incident and the time of the event, and returns the cleaned payload
(texts stripped and checked, facts merged onto the incident's and re-validated, a claimed time printed
with +08:00). Every refusal is one ``InputError`` naming ``payload.<field>``.
"""
from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, create_model, field_validator

from emergency.response.calls import OUTCOMES
from emergency.core.numbers import normalized_number
from emergency.core.clock import format_time, parse_time
from emergency.core.errors import InputError, choices
from emergency.plans.facts import nonzero
from emergency.core.inputs import clean_text, shown, validation_refusal
from emergency.response.duties import ACCOUNTS, duty_rules, task_ref
from emergency.plans.model import LEVELS

# A call may be ticked with the time it was made (another phone, a paper log); never in the future.
CLAIM_TOLERANCE = timedelta(minutes=1)
# Free-text fields and their longest length (a note is a paragraph, the rest a name or a sentence).
TEXTS = {"reason": 200, "approved_by": 200, "declared_by": 200, "received_by": 200, "issued_by": 200, "note": 2000,
         "reached": 100, "document": 200, "unit": 100, "source": 100, "contact": 100, "via": 20, "recipient": 200,
         "task_id": 20}
# A number as dialled: digits with an area code's hyphen or an extension, or a leading + (what a duty phone shows).
NUMBER = re.compile(r"\+?[0-9][0-9-]{2,23}")
MULTILINE = {"reason", "note"}


class StepPayload(BaseModel):
    """Every field a step may carry; a trigger's model makes the fields its transitions require required."""

    model_config = ConfigDict(extra="forbid")

    level: Any = None
    warning_level: Any = None
    reason: Any = None
    condition: Any = None
    task: Any = None
    approved_by: Any = None
    declared_by: Any = None
    received_by: Any = None
    issued_by: Any = None
    notification: Any = None
    facts: Any = None
    note: Any = None
    done_at: Any = None
    outcome: Any = None
    number: Any = None
    unit: Any = None
    reached: Any = None
    document: Any = None
    # accounting for another party's duty, and tasks
    how: Any = None
    via: Any = None
    source: Any = None
    recipient: Any = None
    duty: Any = None
    due: Any = None
    task_id: Any = None
    contact: Any = None

    @field_validator("how")
    @classmethod
    def _how(cls, value):
        if value is not None and (not isinstance(value, str) or value not in ACCOUNTS):   # {} and [] are not keys
            raise InputError("payload.how", "须为以下之一：%(allowed)s（收到：%(got)s）",
                             allowed=choices(ACCOUNTS), got=shown(value))
        return value

    @field_validator("duty")
    @classmethod
    def _duty(cls, value, info: ValidationInfo):
        """What a commander assigns: one of the plan's groups, member duties or measures (``duties.task_refs``)."""
        if value is not None and (not isinstance(value, str) or task_ref(info.context["plan"], value) is None):
            raise InputError("payload.duty", "须为本预案的工作组、成员单位职责或处置措施之一（收到：%(got)s）",
                             got=shown(value))
        return value

    @field_validator("due")
    @classmethod
    def _due(cls, value, info: ValidationInfo):
        """A task's due time: any time from the event on (a task may be due weeks later)."""
        return None if value is None else format_time(_since_occurrence(value, "payload.due", info))

    @field_validator("outcome")
    @classmethod
    def _outcome(cls, value):
        if value is not None and (not isinstance(value, str) or value not in OUTCOMES):
            raise InputError("payload.outcome", "须为以下之一：%(allowed)s（收到：%(got)s）",
                             allowed=choices(OUTCOMES), got=shown(value))
        return value

    @field_validator("number")
    @classmethod
    def _number(cls, value):
        if value is None:
            return value
        text = re.sub(r"\s", "", str(value))
        if not NUMBER.fullmatch(text):
            raise InputError("payload.number", "%(got)s不是电话或传真号码：固定电话带区号（例如0513-82100000），"
                                               "手机为11位数字", got=shown(str(value), 30))
        return normalized_number(text)  # a mobile kept as its 11 digits, so it is known (and masked) as one

    @field_validator("level", "warning_level")
    @classmethod
    def _level(cls, value, info: ValidationInfo):
        if value is not None and value not in LEVELS:
            raise InputError(f"payload.{info.field_name}", "须为以下之一：%(allowed)s（收到：%(got)s）",
                             allowed=list(LEVELS), got=shown(value))
        return value

    @field_validator("condition", "task")
    @classmethod
    def _plan_item(cls, value, info: ValidationInfo):
        """A termination condition or a post-incident task: one of the plan's own ids."""
        plan = info.context["plan"]
        items = plan.termination.conditions if info.field_name == "condition" else plan.post_incident
        ids = [item.id for item in items]
        if value is not None and value not in ids:
            raise InputError(f"payload.{info.field_name}", "不是本预案的条目（收到：%(got)s）；可选：%(allowed)s",
                             got=shown(value), allowed=list(getattr(i, "name", None) or i.text for i in items))
        return value

    @field_validator("notification")
    @classmethod
    def _notification(cls, value, info: ValidationInfo):
        if value is None:
            return value
        plan, snap = info.context["plan"], info.context["snap"]
        rules = duty_rules(plan, snap)  # no level: no checklist yet; duties kept from an earlier level count
        if info.context["trigger"] == "condition_arose":
            rules = [r for r in rules if r.counted_from == "condition"]
        ids = [r.id for r in rules]
        if value not in ids:
            raise InputError("payload.notification", "不是本事件当前的报告事项（收到：%(got)s）", got=shown(value))
        return value

    @field_validator("facts")
    @classmethod
    def _facts(cls, value, info: ValidationInfo):
        if value is None:
            return value
        if not isinstance(value, dict):
            raise InputError("payload.facts", "须为JSON对象")
        plan, snap = info.context["plan"], info.context["snap"]
        return nonzero(plan.vocabulary.parse({**snap.facts, **value}, "payload.facts"))

    @field_validator("done_at")
    @classmethod
    def _done_at(cls, value, info: ValidationInfo):
        if value is None:
            return value
        done = _since_occurrence(value, "payload.done_at", info)
        now = info.context["now"]
        if done > parse_time(now, "now") + CLAIM_TOLERANCE:
            raise InputError("payload.done_at", "不能晚于当前时间（%(now)s）：尚未发生的事不能记为已完成", now=now[:16].replace("T", " "))
        return format_time(done)

    @field_validator(*TEXTS)
    @classmethod
    def _text(cls, value, info: ValidationInfo):
        if value is None:
            return value
        return clean_text(value, f"payload.{info.field_name}", TEXTS[info.field_name],
                          multiline=info.field_name in MULTILINE, required=True)


def _since_occurrence(value: Any, field: str, info: ValidationInfo):
    """A claimed time, never before the event occurred."""
    moment = parse_time(value, field)
    occurred = info.context["snap"].occurred_at
    if moment < parse_time(occurred, "occurred_at"):
        raise InputError(field, "不能早于事发时间（%(occurred)s）", occurred=occurred[:16].replace("T", " "))
    return moment


@lru_cache(maxsize=256)
def step_payload(trigger: str, requires: tuple[str, ...]) -> type[StepPayload]:
    """The payload model of ``trigger``: the fields its transitions ``requires`` are required."""
    required = {name: (Any, ...) for name in requires}
    return create_model(f"{trigger}_payload", __base__=StepPayload, **required)


def clean_payload(plan, snap, trigger: str, requires: list[str], payload: Any, now: str,
                  label: str = "") -> dict[str, Any]:
    """The payload of one step, validated with its trigger's model; only the fields given are kept. ``label``: the
    step's name, for a refusal."""
    if not isinstance(payload, dict):
        raise InputError("payload", "须为JSON对象")
    for name in requires:  # given but empty is missing too
        if payload.get(name) in (None, ""):
            raise InputError(f"payload.{name}", "“%(step)s”须填写此项", step=label or trigger)
    model = step_payload(trigger, tuple(requires))
    try:
        checked = model.model_validate(payload, context={"plan": plan, "snap": snap, "now": now, "trigger": trigger})
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            raise InputError(f"payload.{name}", "“%(step)s”没有这一项", step=label or trigger) from None
        raise validation_refusal(err, f"payload.{name}") from None
    return {k: v for k, v in checked.model_dump(include=set(payload)).items() if v is not None}
