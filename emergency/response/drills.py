"""Drills (演练): scenarios as data, seeded variants, and the drill's simulated time line.

A scenario is a timeline of injects on scenario time (T+minutes): incidents reported, facts
changed, messages to participants, incidents opened under another plan. ``variant`` derives an
unscripted drill from a scenario and a seed: casualty and evacuee figures chosen next to the
plan's own level bounds, water-source type and night/holiday timing varied. The same seed
gives the same drill.

Everything here is pure: the running drill (its clock, which injects have fired) lives in the
store (``emergency.services.drill_runs``). Scenarios are validated against a plan library passed as
validation context (``{"plans": PlanSource}``): plans, facts, causes and 12345/110 matters.
"""
from __future__ import annotations

import hashlib
import random
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator


from emergency.core.errors import EmergencyError, InputError, NotFound
from emergency.plans.model import LEVEL_RANK, Condition, PlanFileError, error_path, first_alias, load_yaml_text
from emergency.plans.source import PlanSource



def _plans(info: ValidationInfo) -> PlanSource:
    plans = (info.context or {}).get("plans")
    if plans is None:
        raise ValueError("scenarios are validated against a plan library (validation context 'plans')")
    return plans


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioIncident(_Strict):
    """An incident the scenario opens: reported at T+``at``, having occurred ``occurred_before`` earlier."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    plan: str
    title: str = Field(min_length=1, max_length=200)
    at: int = Field(ge=0, le=24 * 60)
    occurred_before: int = Field(default=0, ge=0, le=24 * 60)
    facts: dict[str, Any] = {}
    cause: str | None = None
    # The report arrives as an intake (a 110 alarm, a 12345 work order…): participants decide from the
    # 12345/110 list which plan applies and open the incident themselves.
    intake: ScenarioIntake | None = None

    @model_validator(mode="after")
    def _valid(self, info: ValidationInfo):
        plans = _plans(info)
        if self.plan not in plans.plans:
            raise ValueError(f"unknown plan {self.plan!r}; plans: {', '.join(plans.ids)}")
        causes = plans.plan(self.plan).causes
        try:
            plans.vocabulary.parse(self.facts)
        except EmergencyError as exc:
            raise ValueError(str(exc)) from None
        if self.cause is not None and self.cause not in causes:
            raise ValueError(f"cause {self.cause!r}: " + (f"this plan's causes: {', '.join(causes)}" if causes
                                                          else "this plan has no on-site command by cause"))
        return self


class ScenarioIntake(_Strict):
    source: Literal["12345", "110", "unit", "public", "other"] = "110"
    reference: str = "DRILL-0001"
    matter: str = Field(min_length=1)      # an id of plans/reference/routing.yaml
    description: str = Field(min_length=1, max_length=500)
    caller: str = ""
    place: str = ""


    @model_validator(mode="after")
    def _on_the_list(self, info: ValidationInfo):
        try:
            _plans(info).routing.matter(self.matter)
        except NotFound:
            raise ValueError(f"matter {self.matter!r} is not on the 12345/110 list (plans/reference/routing.yaml)") from None
        return self


ScenarioIncident.model_rebuild()


class Inject(_Strict):
    """At T+``at``: a message, new facts for an incident, or a new incident (under any plan)."""

    at: int = Field(ge=0, le=24 * 60)
    message: str = Field(min_length=1, max_length=500)
    incident: str | None = None
    facts: dict[str, Any] | None = None
    open: ScenarioIncident | None = None
    # a shift change on the drill's clock: the participants hand over and sign for what is open; the
    # after-action report says whether the handover carried it
    shift_change: bool = False

    @model_validator(mode="after")
    def _valid(self, info: ValidationInfo):
        if self.facts is not None:
            if self.incident is None:
                raise ValueError("facts need the key of the incident they change")
            try:
                _plans(info).vocabulary.parse(self.facts)
            except EmergencyError as exc:
                raise ValueError(str(exc)) from None
        if self.open is not None and self.open.at != self.at:
            raise ValueError("an opened incident is reported at the inject's time")
        return self


class Variation(_Strict):
    facts: list[str] = []          # count facts whose figures vary next to level bounds
    choices: list[str] = []        # choice facts varied among their other values (when not at the default)
    timing: bool = False           # vary the start: day, night or holiday (sensitive time, 环境 四(三))

    @model_validator(mode="before")
    @classmethod
    def _older_water(cls, data: Any):
        """Scenarios written before choices could vary said ``water: true`` for the drinking-water source."""
        if isinstance(data, dict) and "water" in data:
            data = dict(data)
            if data.pop("water"):
                data["choices"] = list(dict.fromkeys([*data.get("choices", []), "drinking_water_interrupted"]))
        return data

    @model_validator(mode="after")
    def _valid(self, info: ValidationInfo):
        vocab = _plans(info).vocabulary
        for f in self.facts:
            if f not in vocab.count_names:
                raise ValueError(f"{f!r} is not a count fact")
        for f in self.choices:
            if f not in vocab.choice_values:
                raise ValueError(f"{f!r} is not a choice fact")
        return self


class Scenario(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=60)
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    clause: str | None = None           # the plan clause that requires such drills
    form: str = "桌面推演"              # 桌面推演 / 功能演练 / 全面演练 (危化 6.2)
    start: str = "2026-01-01T09:00"      # scenario T+0, Asia/Shanghai; a drill may start it at another time
    duration: int = Field(default=60, ge=5, le=24 * 60)
    incidents: list[ScenarioIncident] = Field(min_length=1)
    injects: list[Inject] = []
    variation: Variation = Field(default_factory=lambda: Variation.model_construct())
    # The notifications the drill is meant to exercise (checked by lint; the after-action report lists
    # any of them no incident of the drill had done by its end).
    expected_deadlines: list[str] = []

    @model_validator(mode="after")
    def _consistent(self):
        keys = [i.key for i in self.incidents] + [j.open.key for j in self.injects if j.open]
        if len(set(keys)) != len(keys):
            raise ValueError("incident keys must be unique")
        titles = [i.title for i in self.incidents] + [j.open.title for j in self.injects if j.open]
        if len(set(titles)) != len(titles):
            raise ValueError("incident titles must be unique within a scenario")
        for j in self.injects:
            if j.incident is not None and j.incident not in keys:
                raise ValueError(f"inject at T+{j.at} names unknown incident {j.incident!r}")
            if j.at > self.duration:
                raise ValueError(f"inject at T+{j.at} is after the scenario's duration ({self.duration} min)")
        return self

    @property
    def plans(self) -> list[str]:
        return list(dict.fromkeys([i.plan for i in self.incidents] + [j.open.plan for j in self.injects if j.open]))

    def incident_plan(self, key: str) -> str:
        for i in self.incidents + [j.open for j in self.injects if j.open]:
            if i.key == key:
                return i.plan
        raise KeyError(key)


def parse_scenario(data: Any, plans: PlanSource, source: str = "scenario") -> Scenario:
    """Validate scenario data against ``plans``; raises PlanFileError naming the source, the path and the problem."""
    if not isinstance(data, dict):
        raise PlanFileError(source, "", "a scenario must be a mapping")
    try:
        return Scenario.model_validate(data, context={"plans": plans})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise PlanFileError(source, error_path(err["loc"]), err["msg"]) from None


def refuse_aliases(text: str, source: str) -> None:
    """A scenario with a YAML anchor or alias refused before anything is built (``first_alias``)."""
    event = first_alias(text)
    if event is not None:
        mark = event.start_mark
        raise PlanFileError(source, f"line {mark.line + 1}, column {mark.column + 1}",
                            "YAML anchors and aliases (& and *) are not allowed here; write the values out")


def parse_scenario_yaml(text: str, plans: PlanSource, source: str = "scenario") -> Scenario:
    refuse_aliases(text, source)
    return parse_scenario(load_yaml_text(text, source), plans, source)


# ------------------------------------------------------------------ variants

def _bounds(plan, fact: str) -> list[int]:
    """The plan's level bounds for a count fact: every at_least, below and at_most+1 of a measure
    that counts that fact (so a value just below or at each bound changes the level)."""
    out: set[int] = set()

    def walk(c: Condition):
        names = (c.sum or []) + (c.max_of or [])
        if fact in names:
            out.add(c.at_least)
            if c.below is not None:
                out.add(c.below)
            if c.at_most is not None:
                out.add(c.at_most + 1)
        for sub in c.all or []:
            walk(sub)

    for crit in plan.criteria:
        walk(crit.when)
    return sorted(b for b in out if b > 0)


def _rng(scenario_id: str, seed: int) -> random.Random:
    digest = hashlib.sha256(f"{scenario_id}:{seed}".encode()).hexdigest()
    return random.Random(int(digest[:16], 16))


TIMINGS = [("day", "T09:30", False), ("night", "T02:40", False), ("holiday", "T10:15", True)]


def _near_own_bound(bounds: list[int], original: int, rng: random.Random) -> int:
    """A figure next to a bound of the level band the scenario's own figure is in, so the scenario's arc
    (its escalation from one level to the next) is kept: the band's lower bound, one above it, or one
    below the next bound."""
    lower = max((b for b in bounds if b <= original), default=0)
    upper = min((b for b in bounds if b > original), default=None)
    choices = {lower, lower + 1} | ({upper - 1} if upper is not None else set())
    choices = {c for c in choices if (upper is None or c < upper) and c >= (1 if original >= 1 else 0)}
    return rng.choice(sorted(choices)) if choices else original


def variant(scenario: Scenario, seed: int, plans: PlanSource,
            boundary: bool = False) -> tuple[Scenario, dict[str, Any]]:
    """An unscripted drill from a scenario and a seed; the same seed gives the same drill.

    Each figure moves next to a bound of its own level band, so the scenario's arc is kept; with
    ``boundary`` (a boundary drill the controller asks for) any of the plan's bounds may be chosen,
    which can move a report to another level. Counts never go down as the drill goes on.
    Returns the varied scenario and what was varied (for the controller and the report).
    """
    rng = _rng(scenario.id, seed)
    data = scenario.model_dump()
    changes: list[dict[str, Any]] = []
    sensitive = False
    last: dict[tuple[str, str], int] = {}  # counts never go down as the drill goes on

    def vary_facts(facts: dict, plan_id: str, where: str, key: str):
        for fact in scenario.variation.facts:
            if fact in facts:
                bounds = _bounds(plans.plan(plan_id), fact)
                if not bounds:
                    continue
                if boundary:
                    proposed = max(0, rng.choice(bounds) + rng.choice([-1, 0, 1]))
                else:
                    proposed = _near_own_bound(bounds, facts[fact], rng)
                value = max(proposed, last.get((key, fact), 0))
                bound = min(bounds, key=lambda b: abs(b - proposed))
                last[(key, fact)] = value
                changes.append({"where": where, "fact": fact, "from": facts[fact], "to": value, "near_bound": bound,
                                "held": value != proposed})
                facts[fact] = value
        for fact in scenario.variation.choices:
            choice = plans.vocabulary.choice(fact)
            if facts.get(fact, choice.default) != choice.default:
                new = rng.choice([v for v in choice.values if v != choice.default])
                changes.append({"where": where, "fact": fact, "from": facts[fact], "to": new})
                facts[fact] = new

    for inc in data["incidents"]:
        vary_facts(inc["facts"], inc["plan"], inc["key"], inc["key"])
    for j in sorted(data["injects"], key=lambda j: j["at"]):
        if j.get("open"):
            vary_facts(j["open"]["facts"], j["open"]["plan"], j["open"]["key"], j["open"]["key"])
        if j.get("facts") is not None:
            vary_facts(j["facts"], scenario.incident_plan(j["incident"]), f"T+{j['at']}", j["incident"])
    if scenario.variation.timing:
        name, clock_time, sensitive = rng.choice(TIMINGS)
        day = data["start"][:10]
        data["start"] = day + clock_time
        changes.append({"where": "start", "fact": "timing", "from": scenario.start, "to": name})
    data["id"] = scenario.id
    return Scenario.model_validate(data, context={"plans": plans}), {"seed": seed, "changes": changes, "sensitive": sensitive,
                                           "boundary": boundary}


def at_boundary(scenario: Scenario, plans: PlanSource, after: int = 10) -> tuple[Scenario, dict[str, Any]]:
    """A boundary drill made explicit: the scenario's first incident is placed one step below the
    nearest boundary its facts have to a higher level (``boundaries``: a figure, by the share still to go), and an
    inject ``after`` minutes later takes the step. Returns the drill's scenario and which boundary and which step
    (for the controller, and for the after-action report to judge whether the level was raised in time)."""
    from emergency.response.boundaries import boundaries, nearness
    from emergency.response.classify import classify
    data = scenario.model_dump()
    first = data["incidents"][0]
    plan = plans.plan(first["plan"])
    facts = dict(first["facts"])
    level = classify(plan, facts)["level"]

    def figure_of(cond: Condition) -> Condition | None:
        """The criterion's figure: the condition itself, or the one measure among its parts (the rest met)."""
        if cond.sum or cond.max_of:
            return cond
        measures = [c for c in cond.all or [] if c.sum or c.max_of]
        return measures[0] if len(measures) == 1 else None
    figure = {c.id: figure_of(c.when) for c in plan.criteria}
    figures = [b for b in boundaries(plan, facts, level)
               if figure.get(b["criterion"]) and b["distance"] is not None and len(b["parts"]) == 1 and b["needed"]]
    chosen = None
    for b in sorted(figures, key=lambda x: (nearness(x), LEVEL_RANK[x["level"]])):   # nearest first
        cond = figure[b["criterion"]]
        names = cond.sum or cond.max_of or []
        target = names[0]                                   # the step is taken by the criterion's first figure
        others = sum(facts.get(n, 0) for n in names[1:]) if cond.sum else 0
        below, step = b["needed"] - 1 - others, b["needed"] - others
        placed, stepped = {**facts, target: below}, {**facts, target: step}
        # one step below means below: another criterion must not already be met by the placed figure
        if LEVEL_RANK.get(classify(plan, placed)["level"], 0) < LEVEL_RANK[b["level"]] and \
                classify(plan, stepped)["level"] == b["level"]:
            chosen = (b, target, below, step, placed)
            break
    if chosen is None:
        raise InputError("boundary", "此场景的事实没有可逐步接近的更高级别标准")
    b, target, below, step, placed = chosen
    first["facts"] = placed
    at = min(first["at"] + after, scenario.duration)
    data["injects"] = sorted(data["injects"] + [{
        "at": at, "incident": first["key"], "facts": {target: step},
        "message": f"续报：{plan.vocabulary.label_of(target)}增至{step}（临界：{b['level_name']}，{b['clause']}）"}],
        key=lambda j: j["at"])
    said = {"level": b["level"], "level_name": b["level_name"], "clause": b["clause"], "sentence": b["sentence"],
            "fact": target, "below": below, "step": step, "at": at}
    return Scenario.model_validate(data, context={"plans": plans}), {"boundary_step": said}


# ------------------------------------------------------------------ the time line

def timeline(scenario: Scenario) -> list[dict[str, Any]]:
    steps = [{"kind": "incident", "at": i.at, "incident": i.model_dump()} for i in scenario.incidents]
    steps += [{"kind": "inject", "at": j.at, "inject": j.model_dump()} for j in scenario.injects]
    return sorted(steps, key=lambda s: (s["at"], s["kind"] != "incident"))
