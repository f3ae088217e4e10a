"""A plan and a checklist as a request names them (``/checklist/<plan>?level=…``): shared by the checklist pages,
their downloads and the call sheet of a checklist (its own module, so no blueprint imports another's)."""
from __future__ import annotations

from flask import abort, request

from emergency.response.checklist import checklist as build_checklist
from emergency.core.errors import EmergencyError, NotFound

from .db import plans


def plan_or_404(plan_id: str):
    try:
        return plans().plan(plan_id)
    except NotFound:
        abort(404)


def checklist_of_request(plan_id: str):
    """The plan (404 if unknown) and the checklist the query string asks for — level, occurred_at, reported_at,
    cause, hot_topic — as ``(plan, checklist, None)``, or ``(plan, None, refusal)`` naming a bad argument. The
    checklist page, its downloads and its call sheet each answer the refusal in their own way."""
    plan = plan_or_404(plan_id)
    args = request.args
    try:
        cl = build_checklist(plan, args.get("level", ""), args.get("occurred_at", ""),
                             args.get("reported_at") or args.get("occurred_at", ""), cause=args.get("cause") or None,
                             hot_topic=args.get("hot_topic") in ("1", "true", "on"))
    except EmergencyError as exc:
        return plan, None, exc
    return plan, cl, None
