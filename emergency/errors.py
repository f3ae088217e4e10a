"""The refusals the engine gives. Edges map them: InputError → HTTP 422 / exit 2,
Refused and StaleVersion → HTTP 409, NotFound → HTTP 404."""
from __future__ import annotations


class EmergencyError(Exception):
    """Base of every refusal; ``str()`` is one line fit to show a person."""


class InputError(EmergencyError, ValueError):
    """Input that cannot be accepted. ``field`` names it (dotted path), ``message`` says what is allowed."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)

    def as_dict(self) -> dict:
        return {"error": "invalid_input", "field": self.field, "message": str(self)}


class NotFound(EmergencyError, LookupError):
    def __init__(self, what: str, key: str, allowed: list[str] | None = None):
        self.field = what
        msg = f"unknown {what} {key!r}"
        if allowed:
            msg += f"; known: {', '.join(allowed)}"
        super().__init__(msg)

    def as_dict(self) -> dict:
        return {"error": "not_found", "field": self.field, "message": str(self)}


class Refused(EmergencyError):
    """A trigger that is not allowed now, or whose guard failed (the plan's own condition)."""

    def __init__(self, message: str, reasons: list[str] | None = None):
        self.reasons = reasons or []
        super().__init__(message + ("：" + "；".join(self.reasons) if self.reasons else ""))

    def as_dict(self) -> dict:
        return {"error": "refused", "message": str(self), "reasons": self.reasons}


class StaleVersion(EmergencyError):
    def __init__(self, expected: int, current: int):
        self.expected, self.current = expected, current
        super().__init__(
            f"stale version: you acted on version {expected} but the incident is at version {current}; "
            f"reload to see what changed (事件已被他人更新，请刷新后再操作)"
        )

    def as_dict(self) -> dict:
        return {"error": "stale_version", "message": str(self), "expected_version": self.expected,
                "current_version": self.current}
