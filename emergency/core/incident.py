"""The incident aggregate (事件): what is true of one incident after its events.

It is plain data. The lifecycle engine derives a new snapshot from the old one and an event;
the store keeps the latest snapshot beside the append-only events so that a test can rebuild
it from events alone and compare.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Mark(BaseModel):
    """Who did something and when (simulated time in a drill)."""

    model_config = ConfigDict(extra="forbid")
    by: str
    at: str                          # the time claimed (a call made before it was ticked)
    note: str | None = None
    recorded_at: str | None = None   # when it was recorded; shown beside ``at`` when they differ


class LevelChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: str
    by: str
    trigger: str
    from_level: str | None
    to_level: str | None
    reason: str | None = None
    kind: str = "response"  # response | warning


class IssuedReport(BaseModel):
    """A written report issued from the console (首报、续报、终报、补报); its file is in the documents table."""

    model_config = ConfigDict(extra="forbid")
    kind: str                 # first | progress | final | supplementary
    number: int               # 续报一 is progress 1; the others count too, so a second 首报 is never issued
    title: str
    document_id: str
    sha256: str
    by: str
    at: str
    level: str | None = None          # the level the report stated (a later change offers a 续报)
    casualties: dict[str, int] = Field(default_factory=dict)  # the casualty facts it stated
    # every fact the plan grades by, as the report stated it (empty for a report issued before this was kept: its
    # 续报 then compares the casualties alone)
    facts: dict[str, Any] = Field(default_factory=dict)
    draft_sha256: str | None = None   # the text every rendering is made from (None before)
    pdf_sha256: str | None = None     # the PDF printed once at issue (None: printed on request, not kept)


class CallAttempt(BaseModel):
    """One attempt to pass on a notification (呼叫记录): ``emergency.response.calls`` says whether it acknowledges it."""

    model_config = ConfigDict(extra="forbid")
    notification: str
    outcome: str                      # connected | no_answer | busy | voicemail | faxed | delivered
    at: str                           # when the call was made (claimed; a call from another phone is logged later)
    recorded_at: str
    by: str
    unit: str = ""                    # the recipient unit called
    number: str = ""
    reached: str = ""                 # the person who answered (接听人)
    document: str = ""                # a written report: what was sent
    received_by: str = ""             # who signed for it (签收人)
    note: str = ""
    acknowledged: bool = False


class SentMessage(BaseModel):
    """A message sent through an outbound channel (短信、钉钉、企业微信、邮件) for a notification, and its answer."""

    model_config = ConfigDict(extra="forbid")
    notification: str
    channel: str                      # the channel's name in the instance configuration, never its address
    text: str
    ok: bool
    response: str = ""
    by: str
    at: str


class Receipt(BaseModel):
    """One recipient of a notification, acknowledged (a call or a receipt we recorded: ``how`` = acknowledged, or
    ticked from a record kept elsewhere) or accounted for when the item is another party's: ``known``
    (已获知：来电/平台/现场反馈, from ``source``), ``reported_by`` (已由``source``报告) or ``unknown`` (情况不明, ``reason``)."""

    model_config = ConfigDict(extra="forbid")
    how: str                          # acknowledged | ticked | known | reported_by | unknown
    by: str
    at: str                           # when it happened (claimed)
    recorded_at: str
    office: str = ""                  # the office of who recorded it
    via: str = ""                     # known: 来电 / 平台 / 现场反馈
    source: str = ""                  # known / reported_by: from whom, by whom
    reason: str = ""                  # unknown: why it cannot be told
    note: str = ""                    # acknowledged: 接通：张三 / 已传真：李四（签收）


class TaskStep(BaseModel):
    """A member unit's 签收, 反馈 or 办结 of a task; ``on_behalf`` when an officer of another office recorded it
    from a phone call (``contact``: who called)."""

    model_config = ConfigDict(extra="forbid")
    by: str
    at: str
    recorded_at: str
    office: str = ""
    note: str = ""
    contact: str = ""
    on_behalf: bool = False


class UnitTask(BaseModel):
    """A task given to a unit: a post-incident task handed over (移交) or a duty assigned (任务下达)."""

    model_config = ConfigDict(extra="forbid")
    id: str                           # t1, t2 … within the incident
    kind: str                         # handover | assignment
    ref: str                          # the plan's item: a post-incident task id, group:<id>, duty:<n>, measure:<n>
    title: str
    clause: str
    text: str = ""
    unit: str                         # the unit it is given to, by today's name
    due: str | None = None
    note: str = ""
    by: str
    at: str
    office: str = ""                  # the office that gave it
    signed: TaskStep | None = None
    feedback: list[TaskStep] = Field(default_factory=list)
    done: TaskStep | None = None

    @property
    def status(self) -> str:
        return "done" if self.done else "reported" if self.feedback else "signed" if self.signed else "assigned"


class Snapshot(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    id: str
    plan: str
    plan_version: str | None = None   # the plan file it started under (its checklist and lifecycle stay on it)
    title: str = ""
    drill: bool = False
    drill_id: str | None = None
    event_group: str | None = None   # incidents of one event across several plans share it

    state: str
    level: str | None = None              # the response level decided (响应级别)
    warning_level: str | None = None
    classified_level: str | None = None   # the level the facts call for now
    deciding_clause: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict)

    occurred_at: str
    reported_at: str
    cause: str | None = None
    hot_topic: bool = False
    sensitive: bool = False

    version: int = 0
    created_at: str
    updated_at: str

    level_history: list[LevelChange] = Field(default_factory=list)
    confirmed_conditions: dict[str, Mark] = Field(default_factory=dict)
    completed_tasks: dict[str, Mark] = Field(default_factory=dict)
    notifications: dict[str, Mark] = Field(default_factory=dict)
    condition_times: dict[str, str] = Field(default_factory=dict)
    reports: list[IssuedReport] = Field(default_factory=list)
    calls: list[CallAttempt] = Field(default_factory=list)
    messages: list[SentMessage] = Field(default_factory=list)
    receipts: dict[str, dict[str, Receipt]] = Field(default_factory=dict)  # notification → recipient → receipt
    # when a unit before us received the report, as the caller said at intake (110's 接警时间): unit → time
    units_received: dict[str, str] = Field(default_factory=dict)
    kept: dict[str, str] = Field(default_factory=dict)   # duties kept across a level change: rule id → level owed at
    tasks: list[UnitTask] = Field(default_factory=list)      # handed over and assigned
    # Notes (add_note) live only in the event log: the snapshot stays small however long the incident runs.

    def open_tasks(self) -> list[UnitTask]:
        return [t for t in self.tasks if t.done is None]

    @property
    def effective_level(self) -> str | None:
        """The level deadlines and groups follow: the decided level, else what the facts call for."""
        return self.level or self.classified_level
