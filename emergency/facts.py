"""The facts vocabulary: the contract shared by the CLI, the web API and the console.

All facts are optional: a missing count is 0, a missing choice is ``none``, a missing flag is
false. Unknown names are refused. ``parse_facts`` turns any refusal into one ``InputError``
naming the field and what is allowed.
"""
from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InputError
from .inputs import shown

MAX_PEOPLE = 100_000_000          # more people than live in Jiangsu: surely a typing error
MAX_YUAN = 10_000_000_000_000     # 10万亿元

Count = Field(default=0, ge=0, le=MAX_PEOPLE, strict=True)

DrinkingWater = Literal["none", "township", "town", "regional"]
CrossBoundary = Literal["none", "county", "city", "province", "national"]
ProtectedSpecies = Literal["none", "damaged", "mass_death", "extinct"]
EcologicalFunction = Literal["none", "partial_loss", "lost"]
SocialImpact = Literal["none", "some", "larger", "major", "especially_major"]
TrafficBlocking = Literal["none", "local", "arterial"]
OfficeSiege = Literal["none", "grassroots", "county_or_above"]
# Where a petition is made (labor dispute 2.1, 2.2(3), 2.3(3)); missing means a city department or higher,
# so inputs written before this fact existed keep their meaning.
PetitionTo = Literal["city_or_above", "township", "other"]


class Facts(BaseModel):
    """What is known about an incident (事件事实)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deaths: int = Count
    missing: int = Count
    serious_injuries: int = Count
    poisoned: int = Count
    lives_endangered: int = Count
    evacuated: int = Count
    direct_loss_yuan: int = Field(default=0, ge=0, le=MAX_YUAN, strict=True)
    petition: int = Count
    march: int = Count
    strike: int = Count
    employers_involved: int = Field(default=0, ge=0, le=1_000_000, strict=True)

    drinking_water_interrupted: DrinkingWater = "none"
    cross_boundary: CrossBoundary = "none"
    protected_species: ProtectedSpecies = "none"
    ecological_function: EcologicalFunction = "none"
    social_impact: SocialImpact = "none"
    traffic_blocking: TrafficBlocking = "none"
    government_office_siege: OfficeSiege = "none"
    petition_to: PetitionTo = "city_or_above"

    suicide_risk_in_public: bool = Field(default=False, strict=True)
    serious_crime: bool = Field(default=False, strict=True)
    employer_absconded: bool = Field(default=False, strict=True)
    industry_wide: bool = Field(default=False, strict=True)

    def nonzero(self) -> dict[str, Any]:
        """The facts that differ from their defaults."""
        return self.model_dump(exclude_defaults=True)


def _kind(name: str) -> str:
    ann = Facts.model_fields[name].annotation
    if ann is int:
        return "count"
    if ann is bool:
        return "flag"
    return "choice"


COUNT_FACTS = tuple(n for n in Facts.model_fields if _kind(n) == "count")
FLAG_FACTS = tuple(n for n in Facts.model_fields if _kind(n) == "flag")
CHOICE_FACTS = {n: get_args(Facts.model_fields[n].annotation) for n in Facts.model_fields if _kind(n) == "choice"}
ALL_FACTS = tuple(Facts.model_fields)


def fact_kind(name: str) -> str:
    return _kind(name)


def first_error(exc: ValidationError, prefix: str = "") -> InputError:
    """One clear ``InputError`` from a pydantic error: the field's dotted path and what is allowed."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    field = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
    name = str(err["loc"][-1]) if err["loc"] else ""
    kind = err["type"]
    got = err.get("input")
    if kind == "extra_forbidden":
        return InputError(field, f"unknown fact; known facts: {', '.join(ALL_FACTS)}")
    if name in CHOICE_FACTS:
        return InputError(field, f"must be one of {', '.join(CHOICE_FACTS[name])} (got {shown(got)})")
    if name in FLAG_FACTS:
        return InputError(field, f"must be true or false (got {shown(got)})")
    if name in COUNT_FACTS:
        limit = Facts.model_fields[name].metadata
        upper = next((m.le for m in limit if getattr(m, "le", None) is not None), None)
        return InputError(field, f"must be a whole number from 0 to {upper} (got {shown(got)})")
    return InputError(field, err["msg"])


def parse_facts(data: Any, prefix: str = "facts") -> Facts:
    """Validate a JSON object of facts. Raises InputError naming the first bad field."""
    if isinstance(data, Facts):
        return data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(prefix, f"must be a JSON object of facts (got {type(data).__name__})")
    try:
        return Facts.model_validate(data)
    except ValidationError as exc:
        raise first_error(exc, prefix) from None
