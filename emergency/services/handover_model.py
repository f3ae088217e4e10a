"""What a 交接班 holds, as one typed value: the handover page, its print, the drill's after-action report and the
check of what a handover carried read these fields, never keys of a dict nobody types.

The value is kept as JSON beside the signatures (``model_dump``) and read back through ``model_validate``, so a
handover signed before a field was added still reads (the new field takes its default); the signatures cover the
JSON as kept, not this model. Every item has a ``key`` (``incident:…``, ``due:…``, ``task:…``, ``entry:…``,
``intake:…``) by which the record open at 接班 is compared with what the handover listed."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from emergency.core.wording import N_


class _Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    key: str


class NextItem(BaseModel):
    """An open incident's next owed item, whoever owns it (``ours``: the handing-over office's own)."""
    model_config = ConfigDict(frozen=True, extra="ignore")
    to: str
    channel: str
    due: str | None = None
    status: str
    ours: bool


class OpenIncident(_Item):
    incident_id: str
    name: str
    state: str
    level: str = ""
    next: NextItem | None = None


class DueItem(_Item):
    """An item of the office's own due before the next shift ends."""
    incident_id: str
    name: str
    to: str
    channel: str
    due: str | None = None
    status: str
    clause: str = ""


class OpenTask(_Item):
    incident_id: str
    name: str
    title: str
    unit: str
    status: str
    due: str | None = None
    overdue: bool = False


class Note(_Item):
    """A call awaiting a call-back, or a report received not yet decided."""
    at: str
    text: str


class Instruction(Note):
    """A leader's instruction not yet carried out."""
    due: str | None = None


# the sections in the order the page, the print and the after-action report list them
SECTIONS = [("incidents", N_("未结事件")), ("due_next", N_("下一班到期的本单位报告事项")),
            ("tasks_given", N_("已移交或下达、待反馈的任务")), ("tasks_ours", N_("交给本单位、尚未办结的任务")),
            ("callbacks", N_("待回电")), ("instructions", N_("领导批示未落实")), ("intakes", N_("接报待处理"))]


class Sections(BaseModel):
    """What was open, section by section (a handover's content, or the record as it stood at 接班)."""
    model_config = ConfigDict(frozen=True, extra="ignore")
    incidents: list[OpenIncident] = []
    due_next: list[DueItem] = []
    tasks_given: list[OpenTask] = []
    tasks_ours: list[OpenTask] = []
    callbacks: list[Note] = []
    instructions: list[Instruction] = []
    intakes: list[Note] = []

    def items(self):
        """Every item with its section's name and title, in the sections' order."""
        for name, title in SECTIONS:
            for item in getattr(self, name):
                yield name, title, item

    def keys(self) -> set[str]:
        return {item.key for _name, _title, item in self.items()}

    def words(self, key: str) -> str:
        """An item in words, for a person (never its key)."""
        for _name, title, item in self.items():
            if item.key == key:
                what = getattr(item, "name", "")
                detail = (getattr(item, "to", "") or getattr(item, "title", "") or getattr(item, "text", "")
                          or getattr(item, "state", ""))
                return f"{title}：{what}{'，' if what and detail else ''}{detail}"
        return "一项已不在记录中的事项"

    def sections(self) -> dict[str, list]:
        """The sections alone, as kept (what 接班 keeps of the record open at that moment)."""
        return self.model_dump(include={name for name, _ in SECTIONS})


class HandoverContent(Sections):
    """A handover: the shift handed over, the shift taking over, and what was open; after 接班 also the record
    as it stood then (``open_at_sign_in``)."""
    window: str
    next_window: str
    open_at_sign_in: Sections | None = None

    def as_signed(self) -> dict:
        """The content as 交班 keeps and signs it."""
        return self.model_dump(exclude={"open_at_sign_in"})

    def carried(self) -> dict:
        """Whether the handover carried what was open when it was signed for: the keys open then that it did not
        list (none when it was not signed for yet)."""
        missing = (self.open_at_sign_in or Sections()).keys() - self.keys()
        return {"carried": not missing, "missing": sorted(missing), "listed": len(self.keys())}
