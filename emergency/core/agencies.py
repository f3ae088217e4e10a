"""Today's names of the bodies the plans name (``reference/agencies.yaml``).

The plans were written in 2018–2023; several bodies have been renamed since (市安监局 → 区应急管理局).
Every unit on a checklist is shown by today's name with the plan's own beside it.
"""
from __future__ import annotations

import functools
import re

from pydantic import BaseModel, ConfigDict


class Renamed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plan_name: str
    current: str
    basis: str


class Office(BaseModel):
    """An office that uses the console and the bodies the plans name that it acts for."""

    model_config = ConfigDict(extra="forbid")
    unit: str                 # the directory's unit, by today's name
    acts_for: list[str]       # plan names or today's names of the bodies it acts for
    basis: str


def parties(text: str) -> list[str]:
    """The bodies one ``from`` names, split at the top-level 、，；: ``公安110指挥中心、事故发生地区镇政府（管委会）`` is
    two; ``区镇（街道）政府（管委会、办事处）`` one (a 、 inside brackets does not split)."""
    out, depth, part = [], 0, ""
    for ch in text:
        depth += ch in "（(" 
        depth -= ch in "）)"
        if depth == 0 and ch in "、，,；;":
            out.append(part)
            part = ""
        else:
            part += ch
    out.append(part)
    return [p.strip() for p in out if p.strip()]


PLAN_NAME_ASIDE = re.compile(r"（原文：[^（）]*(?:（[^（）]*）[^（）]*)*）")


def today_only(text: str) -> str:
    """A text shown with the plan's names beside today's (``Agencies.display``) as a document prints it: today's
    names only — the plan's own name stays on screen, never in what leaves the office."""
    return PLAN_NAME_ASIDE.sub("", text)


class Role(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    basis: str


class Command(BaseModel):
    """A 指挥部 of our own plans and the office that houses it, as the plan's text says: the command reports (and
    is told) through that office, so its items are the office's own and never nobody's."""

    model_config = ConfigDict(extra="forbid")
    names: list[str]          # the plan's name of the command and today's
    office: str               # the office (a unit of ``offices``) that houses it
    plan: str
    clause: str
    text: str                 # the sentence that houses it
    decision: str | None = None
    decision_en: str | None = None


class Agencies(BaseModel):
    model_config = ConfigDict(extra="forbid")
    basis: list[dict[str, str]]
    renamed: list[Renamed]
    current_names: list[dict[str, str]] = []   # bodies named by today's name already (no mapping needed)
    unverified: list[dict[str, str]] = []      # names the lint lists for a person to resolve (kept as data)
    offices: list[Office] = []                 # who acts for which body
    roles: list[Role] = []                     # roles of an incident, not offices: no standing number
    commands: list[Command] = []               # each 指挥部 and the office that houses it

    # Lookups by name, made on first use: the lists are read once from reference data and never change after, and
    # scanning them on every call was a fifth of the board's and classify's time. (cached_property keeps them in the
    # instance's own dictionary: a pydantic private attribute is read through its slower __getattr__.)
    @functools.cached_property
    def rename_table(self) -> dict[str, str | None]:
        table: dict[str, str | None] = {}
        for r in self.renamed:           # the first entry for a name counts
            table.setdefault(r.plan_name, r.current if r.current != r.plan_name else None)
        return table

    @functools.cached_property
    def owner_table(self) -> dict[str, str]:
        return {}

    def housing(self, body: str) -> Command | None:
        """The command ``body`` names (by the plan's name or today's), with the office that houses it."""
        return next((c for c in self.commands if body in c.names or (self.current(body) or body) in c.names), None)

    def is_role(self, name: str) -> bool:
        """Whether ``name`` is a role of the incident (事故单位, 专家 …) rather than an office with a number."""
        return any(r.name == name for r in self.roles)

    def current(self, name: str) -> str | None:
        """Today's name for a body a plan names, or None where it is unchanged or unknown."""
        return self.rename_table.get(name)

    def display(self, name: str) -> str:
        """Today's name with the plan's name beside it: ``区应急管理局（原文：市安监局）``."""
        cur = self.current(name)
        return f"{cur}（原文：{name}）" if cur else name

    def unit(self, name: str) -> dict[str, str | None]:
        return {"plan_name": name, "current": self.current(name), "display": self.display(name)}

    def owner(self, body: str) -> str:
        """The unit whose duty a body's item is: the office that acts for it (or houses the command it is), else the
        body by today's name."""
        owners = self.owner_table
        if body not in owners:
            owners[body] = self._owner(body)
        return owners[body]

    def _owner(self, body: str) -> str:
        command = self.housing(body)
        if command is not None:
            return command.office
        for office in self.offices:
            if body in office.acts_for or (self.current(body) or body) in office.acts_for:
                return office.unit
        return self.current(body) or body

    def owners(self, text: str) -> list[str]:
        """The units whose duty an item ``from`` ``text`` is, in the order the text names them."""
        return self.owners_of(parties(text))

    def owners_of(self, bodies: list[str]) -> list[str]:
        """The units whose duty an item carried out by ``bodies`` is (``ReportingRule.bodies``), in their order."""
        return list(dict.fromkeys(self.owner(b) for b in bodies))

    def acts_for(self, unit: str, body: str) -> bool:
        """Whether ``unit`` is (or acts for) ``body``: a recipient named by the plan reached through the unit."""
        return unit in (body, self.current(body)) or self.owner(body) == unit
