"""The roster and the directory in the formats phones read: shifts as iCalendar (RFC 5545, with the icalendar
library), one event a shift in Asia/Shanghai with its 带班领导 and the unit's duty line; the directory's lines as
vCard (RFC 6350, with vobject), a unit's own numbers and each person's. What is shown is what the caller may see
(an observer's lists carry no personal mobile: the pages mask them before they reach here).

Pure: each function takes the shifts or the contacts and returns the file's bytes.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from emergency.core.clock import TZ
from emergency.services.directory import Contact
from emergency.services.roster import Shift

PRODUCT = "-//海门区应急预案决策支持服务//值班表//ZH"


def _uid(shift: Shift) -> str:
    """A shift's identity across downloads (a calendar updates the event instead of adding a second one)."""
    key = f"{shift.unit}|{shift.starts_at}|{shift.shift}"
    return f"shift-{hashlib.sha256(key.encode()).hexdigest()[:24]}@haimen-emergency"


def roster_ics(shifts: Iterable[Shift], duty_lines: dict[str, str], made_at: datetime, name: str = "值班表") -> bytes:
    """The shifts as one calendar: each an event from its start to its end in Asia/Shanghai (a VTIMEZONE is
    included), titled with the unit, the shift and who is on duty; its description names the 带班领导 and the
    numbers to call (``duty_lines``: each unit's 24-hour line)."""
    import icalendar   # imported when a calendar is asked for, not at the console's start (60 ms)

    cal = icalendar.Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for s in shifts:
        event = icalendar.Event()
        event.add("uid", _uid(s))
        event.add("dtstamp", made_at)
        event.add("dtstart", datetime.fromisoformat(s.starts_at).astimezone(TZ))
        event.add("dtend", datetime.fromisoformat(s.ends_at).astimezone(TZ))
        event.add("summary", f"{s.unit} {s.shift} 值班：{s.officer}")
        lines = [f"值班员：{s.officer}" + (f" {s.officer_phone}" if s.officer_phone else "")]
        if s.leader:
            lines.append(f"带班领导：{s.leader}" + (f" {s.leader_phone}" if s.leader_phone else ""))
        if duty_lines.get(s.unit):
            lines.append(f"{s.unit}值班电话：{duty_lines[s.unit]}")
        event.add("description", "\n".join(lines))
        event.add("location", s.unit)
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def duty_lines(contacts: Iterable[Contact]) -> dict[str, str]:
    """Each unit's 24-hour duty line, from its own line of the directory (the first that has one)."""
    out: dict[str, str] = {}
    for c in contacts:
        if not c.name and c.duty_line:
            out.setdefault(c.unit, c.duty_line)
    return out


def contacts_vcf(contacts: Iterable[Contact]) -> bytes:
    """The directory as vCards: a unit's own line (its 24-hour duty line, office phone and fax) and each person
    (name, position, unit, numbers). A number left empty — an observer's masked mobile — is left out."""
    import vobject   # as icalendar: when the cards are asked for

    cards = []
    for c in contacts:
        card = vobject.vCard()
        card.add("fn").value = c.name or c.unit
        card.add("n").value = vobject.vcard.Name(family=c.name[:1], given=c.name[1:]) if c.name else \
            vobject.vcard.Name(family=c.unit)
        card.add("org").value = [c.unit]
        if c.position:
            card.add("title").value = c.position
        for number, kinds in ((c.duty_line, ["work", "voice"]), (c.office_phone, ["work"]), (c.mobile, ["cell"]),
                              (c.fax, ["fax"])):
            if number:
                tel = card.add("tel")
                tel.value = number
                tel.type_paramlist = kinds
        cards.append(card.serialize())
    return "".join(cards).encode("utf-8")
