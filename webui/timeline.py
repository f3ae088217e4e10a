"""The incident's timeline and record of decisions as the pages and the timeline's Word file show them: each event
in a person's words (the step's label, the item, task or condition by its words, never an id), who decided what.
A presenter shared by the incident page and the downloads (no blueprint imports another's privates)."""
from __future__ import annotations


from emergency.core.clock import backdated
from emergency.response.calls import OUTCOMES
from emergency.services.callsheet import masked
from emergency.response.duties import item_names, receipt_words, task_refs
from emergency.response.lifecycle import FOLLOW_UP_TRIGGERS, RECORD_STEPS, RECORD_TRIGGERS, step_label

from .access import may
from .i18n import gettext as _, lazy_gettext as _l


DECISION_FIELDS = {"approved_by": _l("批准"), "declared_by": _l("宣布"), "issued_by": _l("发布（上级）"), "received_by": _l("接管")}


def trigger_labels(plan) -> dict[str, str]:
    labels = {"report": _("接报登记"), "issue_report": _("签发书面报告"), "send_message": _("发送消息")}
    labels.update({k: v["label"] for k, v in RECORD_STEPS.items()})
    for tr in plan.lifecycle.transitions:
        labels.setdefault(tr.trigger, tr.label)
    return labels


def label_of(plan, trigger: str, source: str | None, labels: dict[str, str]) -> str:
    """An event's label: a plan step's as taken from state ``source`` (lifecycle.step_label), else the console's."""
    if any(t.trigger == trigger for t in plan.lifecycle.transitions):
        return step_label(plan, trigger, source)
    return labels.get(trigger, trigger)


def timeline(plan, events: list[dict], given: list | None = None) -> list[dict]:
    """The timeline in a person's words: the action's label, the item, task or condition it names (by its words, never
    its id), who decided. ``given``: the incident's tasks (t1, t2 … named by their titles)."""
    labels = trigger_labels(plan)
    tasks = {t.id: t.name for t in plan.post_incident}
    tasks.update((r["ref"], r["title"]) for r in task_refs(plan))
    tasks.update((t.id, t.title) for t in given or [])
    names = {"tasks": tasks, "items": item_names(plan), "conditions": {c.id: c.text for c in plan.termination.conditions}}
    out = []
    before = None                 # the state each event was taken from (its label depends on it)
    for e in events:
        p = e["payload"] or {}
        details = [*_what_it_names(names, e["trigger"], p), *_when_done(e["trigger"], p, e["at"]),
                   *_who_and_why(names, e["trigger"], p)]
        out.append({"at": e["at"], "label": label_of(plan, e["trigger"], before, labels), "actor": e["actor"],
                    "state": plan.lifecycle.state(e["state"]).label, "level": e["level"], "details": details})
        before = e["state"]
    return out


def _what_it_names(names: dict, trigger: str, p: dict) -> list[str]:
    """The task, condition, call, message or item an event names, in words."""
    items = names["items"]
    if trigger == "complete_task" and p.get("task"):
        return [names["tasks"].get(p["task"], p["task"])]
    if trigger == "confirm_condition" and p.get("condition"):
        return [names["conditions"].get(p["condition"], p["condition"])]
    if trigger == "record_call":
        return [_call_words(items, p if may("directory.personal") else masked(p))]
    if trigger == "send_message":
        return [f"{items.get(p.get('notification'), p.get('notification', ''))} {p.get('channel', '')} "
                + (_("已发出") if p.get("ok") else _("发送失败"))]
    if trigger in ("tick_notification", "condition_arose") and p.get("notification"):
        return [items.get(p["notification"], p["notification"])
                + (_("（称于 %(time)s 完成）", time=p["done_at"][11:16]) if p.get("done_at") else "")]
    return []


def _call_words(items: dict, p: dict) -> str:
    """A call: the item, whom and which number, how it went and who answered or signed."""
    who = p.get("reached") or p.get("received_by") or ""
    outcome = _(OUTCOMES[p["outcome"]]) if p.get("outcome") in OUTCOMES else ""
    return " ".join(x for x in (items.get(p.get("notification"), p.get("notification")), p.get("unit"), p.get("number"),
                                outcome, who) if x)


def _when_done(trigger: str, p: dict, at: str) -> list[str]:
    """When a call, a tick, a fact or a step was done, where it was recorded later."""
    if not p.get("done_at"):
        return []
    if trigger == "record_call":
        return [_("（称于 %(time)s 完成）", time=p["done_at"][11:16])]
    if trigger in ("tick_notification", "condition_arose"):      # said with the item it names
        return []
    if not backdated(p["done_at"], at):
        return []
    if trigger in ("update_facts", "add_note"):
        return [_("（获知于 %(time)s，补记）", time=p["done_at"][5:16].replace("T", " "))]
    if trigger not in RECORD_TRIGGERS:
        return [_("（实施于 %(time)s，补记）", time=p["done_at"][5:16].replace("T", " "))]
    return []


def _who_and_why(names: dict, trigger: str, p: dict) -> list[str]:
    """Who decided, whose item an account is, the task a follow-up names, the reason or note, a report's digest."""
    out = [f"{word}：{p[key]}" for key, word in DECISION_FIELDS.items() if p.get(key) and trigger not in RECORD_TRIGGERS]
    out += _whose(names, trigger, p)
    out += [p[key] for key in ("reason", "note") if p.get(key)]
    if trigger == "issue_report":
        out.append(f"{p.get('title', '')} · SHA-256 {p.get('sha256', '')}")
    return out


def _whose(names: dict, trigger: str, p: dict) -> list[str]:
    """Whose item an account is for, or the task a task step names, the unit and who told the recorder."""
    if trigger == "account_for":
        return [" ".join(x for x in (names["items"].get(p.get("notification"), p.get("notification")),
                                     p.get("recipient"), receipt_words(p)) if x)]
    if trigger in FOLLOW_UP_TRIGGERS or trigger in ("hand_over_task", "assign_task"):
        ref = p.get("task_id") or p.get("task") or p.get("duty")
        told = (_("代记录，告知人：") + p["contact"]) if p.get("contact") else ""
        return [" ".join(x for x in (names["tasks"].get(ref, ref), p.get("unit"), told) if x)]
    return []


def decisions(events: list[dict]) -> list[dict]:
    """Who approved, declared, issued or took over what: the record of who decided."""
    out = []
    for e in events:
        p = e["payload"] or {}
        if e["trigger"] in RECORD_TRIGGERS:  # a call's 签收人 is a receipt, never a 接管
            continue
        for key, word in DECISION_FIELDS.items():
            if p.get(key):
                out.append({"at": e["at"], "trigger": e["trigger"], "what": word, "who": p[key], "recorded_by": e["actor"]})
    return out
