"""How messages to other systems are written (``reference/cap.yaml``): the service's CAP 1.2 profile — its sender,
area and scope, each plan's CAP category, and each level's urgency and severity. Choices of ours, each with its
reason in the file, to be checked against GB/T 35965.1 (CAP's Chinese profile) when its text is at hand."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CATEGORIES = Literal["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
                     "CBRNE", "Other"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Grade(_Strict):
    urgency: Literal["Immediate", "Expected", "Future", "Past", "Unknown"]
    severity: Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]


class CapProfile(_Strict):
    # CAP 3.2.1: no spaces, commas or the restricted characters < and &
    sender: str = Field(pattern=r"^[^\s,<&]+$")
    area: str
    scope: Literal["Public", "Restricted", "Private"]
    restriction: str = ""
    categories: dict[str, CATEGORIES]
    levels: dict[Literal["I", "II", "III", "IV", "none"], Grade]
