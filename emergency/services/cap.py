"""An issued written report as an OASIS CAP 1.2 message, for an emergency platform to read (the profile's choices:
``reference/cap.yaml``, ``emergency.plans.exchange``).

The message says what the report says: its title is the headline, its body the description, its 联系人 the
contact; who issued it is the senderName, when it was issued the sent time (+08:00). The kind decides the message
type, as CAP defines them: a 首报 is an Alert; a 续报 or 补报 an Update referencing every earlier message of the
incident; a 终报 an Update whose responseType is AllClear and whose urgency is Past. A drill's reports are
status Exercise, never Actual. (Cancel is CAP's word for voiding a message sent in error: a report is never sent
in error here — it is superseded by the next one — so no message of this service is a Cancel.)

Pure: it takes the report (its stored row and draft), the earlier reports of the incident and the plans' profile.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from emergency.core.clock import minute_text
from emergency.plans.exchange import CapProfile
from emergency.services.incidents import incident_name

NS = "urn:oasis:names:tc:emergency:cap:1.2"
MEDIA_TYPE = "application/cap+xml"
MESSAGE_TYPES = {"first": "Alert", "progress": "Update", "supplementary": "Update", "final": "Update"}


def _text(parent, tag: str, value: str | None) -> None:
    if value:
        etree.SubElement(parent, f"{{{NS}}}{tag}").text = value


def reference(profile: CapProfile, document: dict[str, Any]) -> str:
    """An earlier message as CAP names it in <references>: sender,identifier,sent."""
    return f"{profile.sender},{document['id']},{document['issued_at']}"


def _note(draft) -> str:
    """What a recipient reads first beside the message: its 发文字号, 主送 and 抄送, and 演练 for a drill."""
    notes = [f"发文字号：{draft.doc_number}" if draft.doc_number else "",
             f"主送：{draft.addressee}" if draft.addressee else "", f"抄送：{draft.copy_to}" if draft.copy_to else "",
             "演练信息，非真实事件" if draft.drill else ""]
    return "；".join(n for n in notes if n)


def _info(info, profile: CapProfile, draft, issued_at: str, paragraphs: list[str], level: str | None, event: str,
          occurred_at: str | None) -> None:
    """The message's one <info>, in zh-CN: what happened, how grave, who says so, in the report's own words."""
    _text(info, "language", "zh-CN")
    _text(info, "category", profile.categories.get(draft.plan, "Other"))
    _text(info, "event", event)
    if draft.kind == "final":
        _text(info, "responseType", "AllClear")
    grade = profile.levels[level if level in profile.levels else "none"]
    _text(info, "urgency", "Past" if draft.kind == "final" else grade.urgency)
    _text(info, "severity", grade.severity)
    _text(info, "certainty", "Observed")          # a report is of an event that has happened
    _text(info, "effective", issued_at)
    _text(info, "onset", occurred_at)
    _text(info, "senderName", draft.issuer)
    _text(info, "headline", draft.title)
    _text(info, "description", "\n".join(p for p in paragraphs if p))
    _text(info, "contact", draft.contact)
    area = etree.SubElement(info, f"{{{NS}}}area")
    _text(area, "areaDesc", profile.area)


def message(profile: CapProfile, document: dict[str, Any], draft, paragraphs: list[str], level: str | None,
            earlier: list[dict[str, Any]], event: str, occurred_at: str | None = None) -> bytes:
    """The report ``document`` (its stored row; ``draft`` what it was issued from, ``paragraphs`` its body as the
    .docx and PDF carry it) as a CAP 1.2 alert; ``earlier``: the incident's reports issued before it, oldest
    first; ``level``: the response level the report states (None: below every level); ``event``: the plan's kind
    of event (劳资纠纷突发事件)."""
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _text(root, "identifier", document["id"])
    _text(root, "sender", profile.sender)
    _text(root, "sent", document["issued_at"])
    _text(root, "status", "Exercise" if document.get("drill") or draft.drill else "Actual")
    _text(root, "msgType", MESSAGE_TYPES[draft.kind])
    _text(root, "scope", profile.scope)
    if profile.scope == "Restricted":
        _text(root, "restriction", profile.restriction)
    _text(root, "note", _note(draft))
    if MESSAGE_TYPES[draft.kind] == "Update" and earlier:
        _text(root, "references", " ".join(reference(profile, d) for d in earlier))
    _text(root, "incidents", draft.incident_id)
    _info(etree.SubElement(root, f"{{{NS}}}info"), profile, draft, document["issued_at"], paragraphs, level, event,
          occurred_at)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# The district's own warning steps (a warning received from higher government is not ours to send again).
WARNING_STEPS = ("issue_warning", "adjust_warning")
WARNING_ENDS = ("lift_warning", "end_warning_without_response")


def issued_a_warning(events: list[dict[str, Any]]) -> bool:
    """Whether the district itself issued a warning on the incident (one it received is not its to send)."""
    return any(e["trigger"] in WARNING_STEPS for e in events)


def warning_identifier(incident_id: str, event: dict[str, Any]) -> str:
    return f"{incident_id}-warning-{event['seq']}"


def warning_message(profile: CapProfile, snap, plan, events: list[dict[str, Any]], issuer: str) -> bytes | None:
    """The district's warning as it stands, as a CAP 1.2 message: an Alert when it was issued, an Update
    referencing the earlier messages when it was adjusted, an Update with AllClear (urgency Past) once lifted or
    ended; Exercise for a drill. None when the district issued no warning on this incident. ``issuer``: the
    office that speaks for it (senderName)."""
    steps = [e for e in events if e["trigger"] in WARNING_STEPS + WARNING_ENDS]
    if not issued_a_warning(steps):
        return None
    last = steps[-1]
    level = next(e["payload"]["warning_level"] for e in reversed(steps) if e["trigger"] in WARNING_STEPS)
    ended = last["trigger"] in WARNING_ENDS
    colour = plan.level(level).colour_name
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _text(root, "identifier", warning_identifier(snap.id, last))
    _text(root, "sender", profile.sender)
    _text(root, "sent", last["at"])
    _text(root, "status", "Exercise" if snap.drill else "Actual")
    _text(root, "msgType", "Alert" if len(steps) == 1 else "Update")
    _text(root, "scope", "Public")     # a warning is published to the public (三(三)2: 广播、电视…发布)
    _text(root, "note", "演练信息，非真实预警" if snap.drill else None)
    if len(steps) > 1:
        _text(root, "references", " ".join(f"{profile.sender},{warning_identifier(snap.id, e)},{e['at']}"
                                           for e in steps[:-1]))
    _text(root, "incidents", snap.id)
    info = etree.SubElement(root, f"{{{NS}}}info")
    _text(info, "language", "zh-CN")
    _text(info, "category", profile.categories.get(plan.id, "Other"))
    _text(info, "event", f"{plan.short_title}预警")
    _text(info, "responseType", "AllClear" if ended else "Monitor")
    grade = profile.levels[level]
    _text(info, "urgency", "Past" if ended else grade.urgency)
    _text(info, "severity", grade.severity)
    _text(info, "certainty", "Likely")     # a warning is of an event that may happen (预警), not one observed
    _text(info, "effective", last["at"])
    _text(info, "senderName", issuer)
    what = "解除" if ended else ("调整为" if len(steps) > 1 else "发布")
    _text(info, "headline", f"{issuer}{what}{colour}预警：{incident_name(snap, plan)}")
    reason = (last["payload"].get("reason") or "").strip()
    _text(info, "description", f"{issuer}于{minute_text(last['at'])}{what}{colour}预警。"
                               + (f"理由：{reason}" if reason else ""))
    area = etree.SubElement(info, f"{{{NS}}}area")
    _text(area, "areaDesc", profile.area)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
