"""The facts vocabulary: the contract shared by the CLI, the web API and the console.

The vocabulary is data (``plans/reference/facts.yaml``): counts, choices with their labels, and
flags. ``Vocabulary.model`` is the pydantic model of one set of facts built from it, so every
input is validated by the same model the OpenAPI description is generated from.

All facts are optional: a missing count is 0, a missing choice its first value (``none`` for
most), a missing flag false. Unknown names are refused. ``Vocabulary.parse`` turns any refusal
into one ``InputError`` naming the field and what is allowed.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator, model_validator

from emergency.core.errors import InputError, choices
from emergency.core.inputs import shown, validation_refusal

NAME = r"^[a-z][a-z0-9_]{0,40}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EnteredAs(_Strict):
    """The console takes a count in another unit (e.g. a loss in 万元) and converts it."""

    field: str = Field(pattern=NAME)
    unit: str
    factor: int = Field(gt=0)
    label: str


class CountFact(_Strict):
    name: str = Field(pattern=NAME)
    label: str
    max: int = Field(gt=0)
    entered_as: EnteredAs | None = None


class ChoiceFact(_Strict):
    name: str = Field(pattern=NAME)
    label: str
    values: dict[str, str] = Field(min_length=2)  # value → label; the first is the default

    @field_validator("values")
    @classmethod
    def _value_names(cls, values: dict[str, str]) -> dict[str, str]:
        for v in values:
            if not isinstance(v, str) or not v.replace("_", "").isalnum() or not v.isascii():
                raise ValueError(f"choice value {v!r}: letters, digits and _ only")
        return values

    @property
    def default(self) -> str:
        return next(iter(self.values))


class FlagFact(_Strict):
    name: str = Field(pattern=NAME)
    label: str


class Vocabulary(_Strict):
    """Every fact a plan may use, as read from the vocabulary file."""

    counts: list[CountFact]
    choices: list[ChoiceFact] = []
    flags: list[FlagFact] = []

    @model_validator(mode="after")
    def _unique(self):
        names = [f.name for f in (*self.counts, *self.choices, *self.flags)]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"facts named twice: {', '.join(dupes)}")
        return self

    # ---- the names by kind
    @cached_property
    def count_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.counts)

    @cached_property
    def flag_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.flags)

    @cached_property
    def choice_values(self) -> dict[str, tuple[str, ...]]:
        return {f.name: tuple(f.values) for f in self.choices}

    @cached_property
    def names(self) -> tuple[str, ...]:
        return self.count_names + tuple(self.choice_values) + self.flag_names

    def kind(self, name: str) -> Literal["count", "choice", "flag"] | None:
        if name in self.count_names:
            return "count"
        if name in self.choice_values:
            return "choice"
        if name in self.flag_names:
            return "flag"
        return None

    def count(self, name: str) -> CountFact:
        return next(f for f in self.counts if f.name == name)

    def choice(self, name: str) -> ChoiceFact:
        return next(f for f in self.choices if f.name == name)

    def amount(self, name: str, value: int) -> str:
        """A count as a person reads it: in the unit it is entered in when it has one (a loss of 10,000,000 元 is
        1000万元, ``entered_as``), else the number."""
        entered = self.count(name).entered_as if self.kind(name) == "count" else None
        return f"{value / entered.factor:g}{entered.unit}" if entered else f"{value}"

    def label_of(self, name: str) -> str:
        """A fact's name as a person reads it (死亡人数), else its key."""
        return next((f.label for f in (*self.counts, *self.choices, *self.flags) if f.name == name), name)

    def choice_labels(self) -> dict[str, dict[str, str]]:
        """Each choice fact's values with the labels shown for them."""
        return {f.name: dict(f.values) for f in self.choices}

    # ---- the model of one set of facts
    @cached_property
    def model(self) -> type[BaseModel]:
        """The pydantic model of a set of facts (事件事实): every fact optional, unknown names refused."""
        fields: dict[str, Any] = {}
        for c in self.counts:
            fields[c.name] = (int, Field(default=0, ge=0, le=c.max, strict=True, description=c.label))
        for ch in self.choices:
            fields[ch.name] = (Literal[tuple(ch.values)], Field(default=ch.default, description=ch.label))  # type: ignore[valid-type]
        for fl in self.flags:
            fields[fl.name] = (bool, Field(default=False, strict=True, description=fl.label))
        return create_model("Facts", __config__=ConfigDict(extra="forbid", frozen=True), **fields)

    def parse(self, data: Any, prefix: str = "facts") -> BaseModel:
        """Validate a JSON object of facts. Raises InputError naming the first bad field."""
        if isinstance(data, self.model):
            return data
        if data is None:
            data = {}
        if isinstance(data, BaseModel):
            data = data.model_dump(exclude_defaults=True)
        if not isinstance(data, dict):
            raise InputError(prefix, "须为JSON对象（收到：%(got)s）", got=shown(data))
        try:
            return self.model.model_validate(data)
        except ValidationError as exc:
            raise self.first_error(exc, prefix) from None

    def first_error(self, exc: ValidationError, prefix: str = "") -> InputError:
        """One clear ``InputError`` from a pydantic error: the field's dotted path and what is allowed."""
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        field = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
        name = str(err["loc"][-1]) if err["loc"] else ""
        got = err.get("input")
        if err["type"] == "extra_forbidden":
            return InputError(field, "没有这项事实（%(name)s）；可用：%(names)s", name=name,
                              names=list(self.label_of(n) for n in self.names))
        kind = self.kind(name)
        if kind == "choice":
            return InputError(field, "“%(fact)s”须为以下之一：%(allowed)s（收到：%(got)s）", fact=self.choice(name).label,
                              allowed=choices(self.choice(name).values), got=shown(got))
        if kind == "flag":
            return InputError(field, "“%(fact)s”须为是或否（收到：%(got)s）", fact=self.label_of(name), got=shown(got))
        if kind == "count":
            return InputError(field, "“%(fact)s”须为0至%(max)s的整数（收到：%(got)s）", fact=self.count(name).label,
                              max=self.count(name).max, got=shown(got))
        return validation_refusal(err, field)


def nonzero(facts: BaseModel) -> dict[str, Any]:
    """The facts that differ from their defaults."""
    return facts.model_dump(exclude_defaults=True)
