"""The plan pages: a plan with its levels, lifecycle and rules, a revision compared, classifying from facts and the
notification checklist before any incident is recorded (split from the console). Views are thin."""
from __future__ import annotations

import json
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from flask import (Blueprint, Response, abort, render_template, request)

from emergency.response.diagrams import main_path_chart, state_diagram
from emergency.core.clock import format_time
from emergency.response.drills import refuse_aliases
from emergency.core.errors import EmergencyError, InputError
from emergency.core.markdown import checklist_markdown
from emergency.response.plandiff import diff_plans
from emergency.plans.model import PlanFileError

from .downloads import send
from .db import now, plans
from .plan_args import checklist_of_request, plan_or_404
from .i18n import refusal


bp = Blueprint("plans", __name__)


@bp.get("/plans/<plan_id>")
def plan_page(plan_id: str):
    plan = plan_or_404(plan_id)
    by_level = {lv.level: [c for c in plan.criteria if c.level == lv.level] for lv in plan.levels}
    machine = plans().lifecycle(plan_id)
    return render_template("console/plan.html", plan=plan, by_level=by_level, diagram=state_diagram(machine),
                           main_diagram=main_path_chart(machine))


@bp.route("/plans/<plan_id>/diff", methods=["GET", "POST"])
def plan_diff(plan_id: str):
    """Paste a revised plan file: what it changes for the people on duty, against the plan in force."""
    plan = plan_or_404(plan_id)
    text = request.form.get("yaml", "") if request.method == "POST" else ""
    changes, error = None, None
    if text:
        try:
            if len(text) > 500_000:
                raise InputError("yaml", "太长（最多500,000个字符）")
            refuse_aliases(text, "revision")
            path = Path(tempfile.mkdtemp()) / f"{plan_id}.yaml"
            path.write_text(text, encoding="utf-8")
            changes = diff_plans(plan, plans().load_plan_file(path))
        except (EmergencyError, PlanFileError) as exc:
            error = refusal(exc)[:500]
    return render_template("console/plan_diff.html", plan=plan, text=text, changes=changes, error=error), (422 if error else 200)


@bp.get("/classify/<plan_id>")
def classify_page(plan_id: str):
    plan = plan_or_404(plan_id)
    at = now()
    return render_template("console/classify.html", plan=plan, causes=plan.causes, default_time=format_time(at)[:16],
                           idempotency_key="form-" + secrets.token_hex(12),
                           event_group=request.args.get("event_group", "")[:64],
                           occurred=request.args.get("occurred_at", "")[:16] or format_time(at)[:16],
                           reported=request.args.get("reported_at", "")[:16], title=request.args.get("title", "")[:200],
                           drill=request.args.get("drill") == "1", prefill=_prefill_facts(plan),
                           intake_id=(request.args.get("intake_id") or "")[:40])


def _prefill_facts(plan) -> dict:
    """Facts carried over from the same event under another plan (``facts`` JSON in the query string),
    only those this plan uses; anything unreadable is dropped, never an error."""
    try:
        facts = json.loads(request.args.get("facts", "{}")[:5000])
    except ValueError:
        return {}
    if not isinstance(facts, dict):
        return {}
    used = {f.name for f in plan.facts}

    def fits(name, value) -> bool:  # only a value the vocabulary accepts ("x" for a loss was a 500)
        try:
            plan.vocabulary.parse({name: value})
            return True
        except EmergencyError:
            return False
    return {k: v for k, v in facts.items() if k in used and fits(k, v)}


@bp.get("/checklist/<plan_id>")
def checklist_page(plan_id: str):
    plan, cl, refused = checklist_of_request(plan_id)
    if refused:
        return render_template("console/checklist_form.html", plan=plan, error=refused), 422
    query = urlencode({k: v for k, v in request.args.items()})
    return render_template("console/checklist.html", plan=plan, cl=cl, query=query, drill=request.args.get("drill") == "1")


@bp.get("/checklist/<plan_id>.<fmt>")
def checklist_download(plan_id: str, fmt: str):
    """The checklist as a Markdown or JSON file; 422 with the message for bad arguments."""
    if fmt not in ("md", "json"):
        abort(404)
    plan, cl, refused = checklist_of_request(plan_id)
    if refused:
        return Response(refusal(refused), status=422, mimetype="text/plain")
    if fmt == "md":
        body = checklist_markdown(cl, drill=request.args.get("drill") == "1")
    else:
        body = json.dumps(cl, ensure_ascii=False, indent=2)
    return send(body.encode("utf-8"), f"{plan.short_title}{cl['level']}级检查单.{fmt}",
                ascii_name=f"checklist-{plan_id}-{cl['level']}.{fmt}")
