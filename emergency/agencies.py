"""Today's names of the bodies the plans name (``reference/agencies.yaml``).

The plans were written in 2018–2023; several bodies have been renamed since (市安监局 → 区应急管理局).
Every unit on a checklist is shown by today's name with the plan's own beside it.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Renamed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plan_name: str
    current: str
    basis: str


class Agencies(BaseModel):
    model_config = ConfigDict(extra="forbid")
    basis: list[dict[str, str]]
    renamed: list[Renamed]
    current_names: list[dict[str, str]] = []   # bodies named by today's name already (no mapping needed)
    unverified: list[dict[str, str]] = []      # names the lint lists for a person to resolve (kept as data)

    def current(self, name: str) -> str | None:
        """Today's name for a body a plan names, or None where it is unchanged or unknown."""
        for r in self.renamed:
            if r.plan_name == name:
                return r.current if r.current != name else None
        return None

    def display(self, name: str) -> str:
        """Today's name with the plan's name beside it: ``区应急管理局（原文：市安监局）``."""
        cur = self.current(name)
        return f"{cur}（原文：{name}）" if cur else name

    def unit(self, name: str) -> dict[str, str | None]:
        return {"plan_name": name, "current": self.current(name), "display": self.display(name)}
