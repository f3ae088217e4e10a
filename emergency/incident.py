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
    draft_sha256: str | None = None   # the text every rendering is made from (issue 26; None before)
    pdf_sha256: str | None = None     # the PDF printed once at issue (None: printed on request, not kept)


class CallAttempt(BaseModel):
    """One attempt to pass on a notification (呼叫记录): ``emergency.calls`` says whether it acknowledges it."""

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
    # Notes (add_note) live only in the event log: the snapshot stays small however long the incident runs.

    @property
    def effective_level(self) -> str | None:
        """The level deadlines and groups follow: the decided level, else what the facts call for."""
        return self.level or self.classified_level
