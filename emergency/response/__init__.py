"""Deciding from the plans: classification and 研判, dated notifications and whose duty they are, the
checklist, the response lifecycle built from plan data (its steps' code in ``registry``, their payloads), the plan
library with its scenarios, response cards, plan checks and comparisons, and the lifecycle drawn for people. Pure:
no database, no file but the plans directory read by the library."""
