"""Recording calls (呼叫记录) on an incident's page, and sending a first notice through an outbound channel.

``POST /incidents/<id>/calls`` records one attempt against a notification (``record_call``, an event in the
hash-chained log) and, when the operator chose a channel, sends the message through it (apprise) and records
what the channel answered (``send_message``). The call is recorded first: a failed send is shown and logged,
and never stands in the way of the phone path.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user

from emergency.services import incidents as service
from emergency.services import outbound
from emergency.core.errors import EmergencyError
from emergency.response.lifecycle import MESSAGE_TRIGGER

from emergency.services.permissions import IncidentStep

from .access import authorize, incident_or_404, who
from .auth import actor
from .db import clock_for, plans, use
from .i18n import gettext as _, refusal

bp = Blueprint("calls", __name__)

CALL_FIELDS = ("notification", "outcome", "unit", "number", "reached", "document", "received_by", "done_at", "note")


def configured_channels() -> dict[str, str]:
    """The instance's outbound channels (``OUTBOUND_CHANNELS``), name → apprise URL."""
    return outbound.channels(current_app.config.get("OUTBOUND_CHANNELS"))


@bp.post("/incidents/<incident_id>/calls")
def record_call(incident_id: str):
    """Record an attempt (and send a message when a channel is chosen). Refusals are flashed beside the form,
    naming the field; nothing is written for a refused attempt."""
    form = request.form
    back = url_for("incidents.incident_page", incident_id=incident_id) + "#calls"
    snap, plan = incident_or_404(incident_id)
    clock = clock_for(snap)
    payload = {k: form[k].strip() for k in CALL_FIELDS if form.get(k, "").strip()}
    channel = form.get("channel", "").strip()
    try:
        version = int(form.get("expected_version", ""))
    except ValueError:
        version = snap.version
    if payload.get("outcome"):
        authorize("incident.act", IncidentStep(plan, snap.drill, "record_call"))
        shared: list = []
        try:
            use(service.perform, incident_id, "record_call", version, payload, who(), clock_for, view=False,
                            current=snap, shared=shared)
            flash(_("已记录呼叫。"), "ok")
            say_shared(shared)
        except EmergencyError as exc:
            flash(refusal(exc), "error")
            return redirect(back)
    elif not channel:
        flash(_("payload.outcome: 请选择呼叫结果（或选择发送渠道只发消息）"), "error")
        return redirect(back)
    if channel:
        _send(incident_id, snap, plan, payload.get("notification", ""), channel, form.get("message", ""), clock)
    return redirect(back)


def say_shared(shared: list[dict]) -> None:
    """What one action did on the event's other records (``incidents.share_call`` / ``share_facts``), in words."""
    for other in shared:
        if other.get("call"):
            flash(_("同一事件在%(plan)s预案下的记录中报%(to)s的事项，已按本次呼叫同时记录。", plan=other["plan_short"],
                    to=other["to"]), "ok")
            continue
        level = (_("%(level)s级", level=other["classified_level"]) if other["classified_level"] else _("未达分级标准"))
        words = _("同一事件在%(plan)s预案下的记录已同步更新事实：按该预案事实对应%(level)s。", plan=other["plan_short"],
                  level=level)
        if other["level"] and other["level"] != other["classified_level"]:
            words += _("该记录现按%(level)s级响应，请在该记录核对是否调整级别。", level=other["level"])
        flash(words, "ok")


def _send(incident_id: str, snap, plan, notification: str, channel: str, text: str, clock) -> None:
    """Send through ``channel`` and record the answer; a failure is flashed and recorded, never raised."""
    authorize("incident.act", IncidentStep(plan, snap.drill, MESSAGE_TRIGGER))
    try:
        channels = configured_channels()
        if channel not in channels:
            flash(_("channel: 未配置此发送渠道：%(name)s", name=channel[:50]), "error")
            return
        text = outbound.check_text(text)
        if plans().lifecycle(snap.plan, snap.plan_version).rule_of(snap, notification) is None:
            flash(_("notification: 请选择要通知的事项"), "error")   # checked before anything goes out
            return
        title = f"{'【演练】' if snap.drill else ''}{snap.title or plan.short_title}"
        ok, answer = outbound.send(channels[channel], title, text)
        use(service.record_message, incident_id, notification, channel, text, ok, answer, actor(), clock)
    except EmergencyError as exc:
        flash(refusal(exc), "error")
        return
    if ok:
        flash(_("消息已通过“%(name)s”发出。", name=channel), "ok")
    else:
        flash(_("消息未能通过“%(name)s”发出：%(why)s。请按号码电话通知。", name=channel, why=answer[:200]), "error")
    current_app.logger.info("outbound %s by %s: %s", channel, current_user.name, "ok" if ok else "failed")
