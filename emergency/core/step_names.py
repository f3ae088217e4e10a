"""The names a plan file may use for a step's guards, actions and payload fields — names only, no code, so the plan
model checks a file without importing the steps' code (plans → registry → duties → plans was a circle).
``emergency.response.registry`` holds the code under exactly these names (checked when it is imported)."""
from __future__ import annotations

GUARD_NAMES = frozenset({"termination_conditions_met", "approval_given", "post_incident_tasks_done",
                         "immediate_reports_done", "classified_below_scope", "warning_in_force"})
ACTION_NAMES = frozenset({"set_level", "set_warning", "clear_warning", "confirm_condition", "complete_task"})

# Payload fields a step may carry and a transition may require, in the order the console's forms read them; the
# one list (the console's action form and the plan check both read it). ``facts`` comes as a form of its own.
PAYLOAD_FIELDS = ("level", "warning_level", "reason", "condition", "task", "approved_by", "declared_by",
                  "received_by", "issued_by", "notification", "note", "done_at",
                  # another party's duty accounted for; tasks handed over, assigned, signed and reported
                  "how", "via", "source", "recipient", "unit", "due", "duty", "task_id", "contact", "facts")
