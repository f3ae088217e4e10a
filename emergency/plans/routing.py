"""Haimen's 12345/110 list as data (海政办发〔2023〕13号 附件, ``reference/routing.yaml``): which platform
handles a matter first, and which of the plans a matter may open."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from emergency.core.errors import NotFound


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanLink(_Strict):
    plan: str
    mode: Literal["incident", "warning"]
    decision: str
    decision_en: str = ""


class Matter(_Strict):
    id: str
    part: Literal["12345→110", "110→12345"]
    category: str
    subcategory: str
    matter: str
    plans: list[PlanLink] = []


class Part(_Strict):
    name: str
    handled_first_by: Literal["110", "12345"]
    meaning: str


class Basis(_Strict):
    clause: str
    text: str


class Source(_Strict):
    """A platform reports come from (110), and the names the plans give it as a body that receives reports: its own
    receipt time, given at intake, is theirs."""
    names: list[str]
    decision: str
    decision_en: str = ""


class RoutingList(_Strict):
    title: str
    document: str
    source: str
    basis: Basis
    parts: dict[str, Part]
    decision: str
    decision_en: str = ""
    matters: list[Matter]
    sources: dict[str, Source] = {}

    def matter(self, matter_id: str) -> Matter:
        for m in self.matters:
            if m.id == matter_id:
                return m
        raise NotFound("matter", str(matter_id)[:40])
