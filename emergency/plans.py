"""Plans as validated data (预案数据).

Each file in ``plans/`` is one plan: levels and criteria, warning, reporting rules, command,
groups, termination, post-incident tasks and the lifecycle machine. Every item carries the
clause it comes from and the original Chinese sentence. ``load_plan`` validates a file and a
malformed file fails with ``PlanFileError`` naming the file, the path inside it and the problem.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import NotFound
from .facts import ALL_FACTS, CHOICE_FACTS, COUNT_FACTS, FLAG_FACTS
from .registry import ACTIONS, GUARDS, PAYLOAD_FIELDS

PLANS_DIR = Path(__file__).resolve().parent.parent / "plans"
PLAN_IDS = ("environment", "work_safety", "hazardous_chemicals", "labor_dispute")
LEVELS = ("I", "II", "III", "IV")
LEVEL_RANK = {"I": 4, "II": 3, "III": 2, "IV": 1}
ENVIRONMENT_CAUSES = ("pollutant_discharge", "production_safety", "traffic_accident", "water_diversion",
                      "ship_pollution", "public_health", "social_security", "natural_disaster", "other")

Level = Literal["I", "II", "III", "IV"]


class PlanFileError(ValueError):
    """A plan file that does not validate: names the file, the path inside it and the problem."""

    def __init__(self, file: Path | str, path: str, problem: str):
        self.file, self.path, self.problem = str(file), path, problem
        super().__init__(f"{file}: {path or '(top level)'}: {problem}")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Sourced(Strict):
    """An item with its clause reference and the original sentence."""

    clause: str = Field(min_length=1)
    text: str = Field(min_length=1)
    decision: str | None = None


# ---------------------------------------------------------------- criteria

class Condition(Strict):
    """When a criterion is met. Exactly one kind:

    - a measure: ``sum`` (or ``max_of``) of counts, with ``at_least`` (以上, inclusive),
      ``below`` (以下, exclusive) and/or ``at_most`` (～ ranges, inclusive);
    - a choice: ``fact`` with the values it must be ``in``;
    - a ``flag`` that must be true;
    - ``all`` of several conditions;
    - ``always`` (environment 一(五)4(5));
    - ``judgement``: a qualitative criterion the facts cannot decide; shown to the commander.
    """

    sum: list[str] | None = None
    max_of: list[str] | None = None
    at_least: int | None = Field(default=None, ge=0)
    below: int | None = Field(default=None, ge=1)
    at_most: int | None = Field(default=None, ge=0)
    fact: str | None = None
    in_: list[str] | None = Field(default=None, alias="in")
    flag: str | None = None
    all: list["Condition"] | None = None
    always: bool | None = None
    judgement: str | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        measure = self.sum is not None or self.max_of is not None
        kinds = [measure, self.fact is not None, self.flag is not None, self.all is not None,
                 self.always is not None, self.judgement is not None]
        if sum(kinds) != 1:
            raise ValueError("a condition needs exactly one of sum/max_of, fact, flag, all, always, judgement")
        if measure:
            if self.sum is not None and self.max_of is not None:
                raise ValueError("use sum or max_of, not both")
            for name in self.sum or self.max_of or []:
                if name not in COUNT_FACTS:
                    raise ValueError(f"{name!r} is not a count fact; counts: {', '.join(COUNT_FACTS)}")
            if self.at_least is None:
                raise ValueError("a measure needs at_least (以上, inclusive)")
            if self.below is not None and self.at_most is not None:
                raise ValueError("use below (以下, exclusive) or at_most (inclusive), not both")
            top = self.below if self.below is not None else (self.at_most + 1 if self.at_most is not None else None)
            if top is not None and top <= self.at_least:
                raise ValueError("the upper bound must be above at_least")
        elif self.at_least is not None or self.below is not None or self.at_most is not None:
            raise ValueError("bounds go with sum or max_of only")
        if self.fact is not None:
            if self.fact not in CHOICE_FACTS:
                raise ValueError(f"{self.fact!r} is not a choice fact; choices: {', '.join(CHOICE_FACTS)}")
            if not self.in_:
                raise ValueError("a choice condition needs `in`")
            for v in self.in_:
                if v not in CHOICE_FACTS[self.fact]:
                    raise ValueError(f"{v!r} is not a value of {self.fact}; values: {', '.join(CHOICE_FACTS[self.fact])}")
        elif self.in_ is not None:
            raise ValueError("`in` goes with `fact`")
        if self.flag is not None and self.flag not in FLAG_FACTS:
            raise ValueError(f"{self.flag!r} is not a flag fact; flags: {', '.join(FLAG_FACTS)}")
        if self.always is False:
            raise ValueError("always must be true when given")
        return self

    def facts_used(self) -> set[str]:
        names = set(self.sum or []) | set(self.max_of or [])
        if self.fact:
            names.add(self.fact)
        if self.flag:
            names.add(self.flag)
        for c in self.all or []:
            names |= c.facts_used()
        return names


class Criterion(Sourced):
    id: str
    level: Level
    when: Condition
    note: str | None = None  # shown with the result when met (Chinese, for the duty officer)


class LevelDef(Sourced):
    level: Level
    name: str
    short: str
    colour: Literal["red", "orange", "yellow", "blue"]
    colour_name: str


class FactDef(Strict):
    name: str
    label: str
    unit: str | None = None
    clause: str


class BelowScope(Strict):
    clause: str
    text: str
    note: str


class PlanNote(Sourced):
    note: str


# ---------------------------------------------------------------- warning, reporting

class WarningLevel(Sourced):
    level: Level
    colour: str
    colour_name: str
    meaning: str
    issuer: str


class Warning(Sourced):
    levels: list[WarningLevel]
    adjust: Sourced
    lift: Sourced
    undetermined: Sourced | None = None
    measures: list[Sourced] = []


class ReportingRule(Sourced):
    """Who reports to whom, by which channel, by when (counted from occurrence, receipt or a condition)."""

    id: str
    levels: list[Level] = list(LEVELS)
    from_: str = Field(alias="from")
    to: list[str]
    channel: Literal["phone", "written", "any"]
    immediate: bool = False
    within_minutes: int | None = Field(default=None, gt=0)
    cap_minutes: int | None = Field(default=None, gt=0)
    counted_from: Literal["occurrence", "receipt", "condition"]
    condition: str | None = None
    kind: Literal["report", "information_release"] = "report"

    @model_validator(mode="after")
    def _timing(self):
        if self.immediate and self.within_minutes is not None:
            raise ValueError("a rule is either immediate (立即) or has within_minutes, not both")
        if self.counted_from == "condition" and not self.condition:
            raise ValueError("counted_from: condition needs the condition's text")
        if self.cap_minutes is not None and not self.immediate:
            raise ValueError("cap_minutes (latest time) goes with immediate rules")
        return self


class HotTopic(Sourced):
    rule: str


class ReportKind(Sourced):
    id: str
    name: str
    fields: list[str]


class Reporting(Strict):
    rules: list[ReportingRule]
    hot_topic: HotTopic | None = None
    notes: list[Sourced] = []
    report_kinds: list[ReportKind]


# ---------------------------------------------------------------- command, groups, termination

class CommandDef(Sourced):
    levels: list[Level]
    structure: str
    commander: str
    under_higher_command: bool = False


class ActivationDef(Sourced):
    levels: list[Level]
    authority: str
    requests_higher: bool = False
    local_handling: bool = False


class FirstResponse(Sourced):
    who: str


class Group(Sourced):
    id: str
    name: str
    aliases: list[str] = []
    lead: list[str] = Field(min_length=1)
    members: list[str] = []
    duties: str


class OnsiteCause(Sourced):
    cause: str
    name: str
    leads: list[str] = Field(min_length=1)


class OnsiteCommand(Sourced):
    by_cause: list[OnsiteCause]


class TerminationCondition(Sourced):
    id: str


class Termination(Sourced):
    mode: Literal["any", "all"]
    requires_approval: bool = False
    approval_by: str | None = None
    declared_by: str
    conditions: list[TerminationCondition] = Field(min_length=1)


class MemberDuty(Sourced):
    """What one member unit of the command must do (e.g. 危化 2.2.3)."""

    unit: str


class SupportItem(Sourced):
    """应急保障: duty readiness, teams, stockpiles, communications, transport, funding…"""

    topic: str


class Task(Sourced):
    id: str
    name: str
    owner: str


class RelationCondition(Strict):
    """When a lead relation holds: the named plan's incident at least / below a level."""

    plan: str
    at_least: Level | None = None
    below: Level | None = None


class Relation(Sourced):
    plan: str | None
    name: str
    applies_when: RelationCondition | None = None
    quoted_from: str | None = None  # the plan whose text is quoted, when it is not this plan
    relation: Literal["parent", "child", "lead_over", "led_by", "concurrent", "subordinate", "related"]


class Precaution(Sourced):
    on_cards: bool = False  # printed on response cards for responders (安全防护)


class Drills(Sourced):
    min_interval_months: int | None = None
    forms: list[str] = []
    duty_of: str = ""               # who must drill, as the sentence says (government, member units, enterprises)
    government_duty: bool = True    # False where the plan puts the duty on enterprises, not the government


class SensitiveRaise(Sourced):
    steps: int = Field(ge=1, le=3)


class ResponseAdjustment(Strict):
    sensitive_raise: SensitiveRaise | None = None
    adjust: Sourced | None = None
    beyond_capacity: Sourced | None = None


class ProtectiveEquipment(Sourced):
    role: str
    equipment: list[str]


class Supersedes(Sourced):
    title: str | None


# ---------------------------------------------------------------- lifecycle

class StateDef(Sourced):
    name: str
    label: str
    final: bool = False


class TransitionDef(Sourced):
    trigger: str
    source: list[str]
    dest: str | None  # null: stays in the same state (an internal transition)
    label: str
    requires: list[str] = []
    levels: list[Level] | None = None
    conditions: list[str] = []
    actions: list[str] = []
    approver: str | None = None  # who must approve (approved_by), in the plan's words, for the refusal message

    @model_validator(mode="before")
    @classmethod
    def _source_list(cls, data: Any):
        if isinstance(data, dict) and isinstance(data.get("source"), str):
            data = {**data, "source": [data["source"]]}
        return data

    @model_validator(mode="after")
    def _names(self):
        for g in self.conditions:
            if g not in GUARDS:
                raise ValueError(f"unknown guard {g!r}; guards: {', '.join(sorted(GUARDS))}")
        for a in self.actions:
            if a not in ACTIONS:
                raise ValueError(f"unknown action {a!r}; actions: {', '.join(sorted(ACTIONS))}")
        for f in self.requires:
            if f not in PAYLOAD_FIELDS:
                raise ValueError(f"unknown payload field {f!r}; fields: {', '.join(sorted(PAYLOAD_FIELDS))}")
        if self.levels is not None and "level" not in self.requires and "warning_level" not in self.requires:
            raise ValueError("a transition limited to levels must require `level` or `warning_level`")
        return self


class Lifecycle(Strict):
    initial: str
    states: list[StateDef]
    transitions: list[TransitionDef]
    # The response's main path in order (接报 → 先期处置 → 研判 → 启动 → 终止 → 后期处置 → 结案), drawn large;
    # every other state is a side path, drawn apart.
    main_path: list[str] = []

    @model_validator(mode="after")
    def _consistent(self):
        names = [s.name for s in self.states]
        for name in self.main_path:
            if name not in names:
                raise ValueError(f"main_path names an unknown state {name!r}")
        if len(set(names)) != len(names):
            raise ValueError("state names must be unique")
        if self.initial not in names:
            raise ValueError(f"initial state {self.initial!r} is not a state")
        for i, t in enumerate(self.transitions):
            for s in t.source + ([t.dest] if t.dest else []):
                if s not in names:
                    raise ValueError(f"transitions[{i}] ({t.trigger}): {s!r} is not a state")
        return self

    def state(self, name: str) -> StateDef:
        return next(s for s in self.states if s.name == name)


# ---------------------------------------------------------------- the plan

class Plan(Strict):
    id: Literal["environment", "work_safety", "hazardous_chemicals", "labor_dispute"]
    source_file: str              # the plan's original text in the sources folder
    title: str
    short_title: str
    title_en: str
    document_number: str
    issued_by: str
    issued_on: _dt.date
    supersedes: Supersedes
    scope: Sourced
    bounds: Sourced
    facts: list[FactDef]
    levels: list[LevelDef]
    levels_decision: str | None = None
    criteria: list[Criterion]
    below_scope: BelowScope
    notes: list[PlanNote] = []
    warning: Warning | None = None
    reporting: Reporting
    command: list[CommandDef]
    activation: list[ActivationDef]
    activation_steps: list[Sourced] = []
    response_adjustment: ResponseAdjustment | None = None
    first_response: list[FirstResponse]
    measures: list[Sourced] = []
    groups_decision: str | None = None
    groups_clause: str
    groups_text: str
    groups: list[Group]
    onsite_command: OnsiteCommand | None = None
    precautions: list[Precaution] = []
    protective_equipment: list[ProtectiveEquipment] = []
    member_duties_decision: str | None = None
    member_duties: list[MemberDuty] = []
    support_decision: str | None = None
    support: list[SupportItem] = []
    termination: Termination
    post_incident: list[Task] = Field(min_length=1)
    relations: list[Relation] = []
    drills: Drills | None = None
    lifecycle: Lifecycle

    @model_validator(mode="after")
    def _consistent(self):
        if [lv.level for lv in self.levels] != list(LEVELS):
            raise ValueError("levels must be I, II, III, IV in that order")
        declared = {f.name for f in self.facts}
        for f in declared:
            if f not in ALL_FACTS:
                raise ValueError(f"facts: {f!r} is not in the facts vocabulary")
        for c in self.criteria:
            missing = c.when.facts_used() - declared
            if missing:
                raise ValueError(f"criterion {c.id} uses facts not declared under `facts`: {', '.join(sorted(missing))}")
        for lv in LEVELS:
            if not any(c.level == lv for c in self.criteria):
                raise ValueError(f"level {lv} has no criterion")
        for name, items in (("criteria", self.criteria), ("reporting.rules", self.reporting.rules),
                            ("groups", self.groups), ("post_incident", self.post_incident),
                            ("termination.conditions", self.termination.conditions)):
            ids = [i.id for i in items]
            if len(set(ids)) != len(ids):
                raise ValueError(f"{name}: ids must be unique")
        if self.onsite_command:
            for oc in self.onsite_command.by_cause:
                if oc.cause not in ENVIRONMENT_CAUSES:
                    raise ValueError(f"onsite_command: unknown cause {oc.cause!r}")
        if self.reporting.hot_topic and self.reporting.hot_topic.rule not in {r.id for r in self.reporting.rules}:
            raise ValueError("reporting.hot_topic.rule names no rule")
        for lv in LEVELS:
            if not any(lv in c.levels for c in self.command):
                raise ValueError(f"command: level {lv} has no command structure")
            if not any(lv in a.levels for a in self.activation):
                raise ValueError(f"activation: level {lv} has no activation authority")
        for r in self.relations:
            if r.plan is not None and r.plan not in PLAN_IDS:
                raise ValueError(f"relations: unknown plan id {r.plan!r}")
        return self

    # -- look-ups used by the engine and the console
    def level(self, level: str) -> LevelDef:
        return next(lv for lv in self.levels if lv.level == level)

    def fact_labels(self) -> dict[str, str]:
        return {f.name: f.label for f in self.facts}

    def termination_condition(self, cid: str) -> TerminationCondition | None:
        return next((c for c in self.termination.conditions if c.id == cid), None)

    def task(self, tid: str) -> Task | None:
        return next((t for t in self.post_incident if t.id == tid), None)

    def command_for(self, level: str) -> list[CommandDef]:
        return [c for c in self.command if level in c.levels]

    def activation_for(self, level: str) -> list[ActivationDef]:
        return [a for a in self.activation if level in a.levels]


def _error_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def load_plan_file(path: Path) -> Plan:
    """Load and validate one plan file. Raises PlanFileError naming the file, path and problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise PlanFileError(path, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise PlanFileError(path, "", "a plan file must be a mapping")
    if data.get("id") != path.stem:
        raise PlanFileError(path, "id", f"must equal the file name {path.stem!r} (got {data.get('id')!r})")
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise PlanFileError(path, _error_path(err["loc"]), err["msg"]) from None


@lru_cache(maxsize=8)
def _load_all(directory: str) -> dict[str, Plan]:
    d = Path(directory)
    plans = {}
    for pid in PLAN_IDS:
        text = (d / f"{pid}.yaml").read_text(encoding="utf-8")
        plans[pid] = load_plan_file(d / f"{pid}.yaml")
        _TEXTS[(directory, pid)] = (version_of_text(text), text)  # the version of exactly what was loaded
    return plans


_TEXTS: dict[tuple[str, str], tuple[str, str]] = {}


def load_plans(directory: Path | None = None) -> dict[str, Plan]:
    """All four plans, validated, by id. Cached per directory."""
    return _load_all(str(directory or PLANS_DIR))


# ---------------------------------------------------------------- versions
# A plan's version is the SHA-256 of its file (first 16 hex digits). An incident keeps the version it
# started under; older versions are kept in the store (plan_versions) and registered here when needed.
_OLDER: dict[tuple[str, str], Plan] = {}


def version_of_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def current_version(plan_id: str, directory: Path | None = None) -> str:
    """The version of the plan in force: the file as it was loaded (a new file is adopted at restart)."""
    return _current(plan_id, directory)[0]


def current_text(plan_id: str, directory: Path | None = None) -> str:
    return _current(plan_id, directory)[1]


def _current(plan_id: str, directory: Path | None) -> tuple[str, str]:
    key = str(directory or PLANS_DIR)
    load_plans(directory)
    return _TEXTS[(key, plan_id)]


def register_version(plan_id: str, version: str, text: str) -> Plan:
    """Make an older version of a plan loadable (its text kept in the store)."""
    if (plan_id, version) not in _OLDER:
        data = yaml.safe_load(text)
        _OLDER[(plan_id, version)] = Plan.model_validate(data)
    return _OLDER[(plan_id, version)]


def is_known_version(plan_id: str, version: str | None) -> bool:
    return version is None or version == current_version(plan_id) or (plan_id, version) in _OLDER


def plan_for(plan_id: str, version: str | None = None) -> Plan:
    """The plan an incident runs under: its own version, else the one in force.

    Raises NotFound for a version neither in force nor registered from the store.
    """
    if version is None or version == current_version(plan_id):
        return load_plan(plan_id)
    try:
        return _OLDER[(plan_id, version)]
    except KeyError:
        raise NotFound("plan version", f"{plan_id}@{version}") from None


def load_plan(plan_id: str, directory: Path | None = None) -> Plan:
    """One plan by id. Raises NotFound for an unknown id, naming the known ones."""
    if plan_id not in PLAN_IDS:
        raise NotFound("plan", plan_id, list(PLAN_IDS))
    return load_plans(directory)[plan_id]


class NationalRule(ReportingRule):
    """A national rule that applies to some plans whatever they say (shown marked 国家规定)."""

    authority: str
    applies_to: list[str]


class Ceiling(Sourced):
    """The longest a report may take to go up one level under a national rule, per plan and level."""

    applies_to: list[str]
    levels: list[Level]
    minutes: int = Field(gt=0)


class NationalRules(Strict):
    source: str
    rules: list[NationalRule]
    ceilings: list[Ceiling] = []


@lru_cache(maxsize=4)
def _load_national(path: str) -> NationalRules:
    p = Path(path)
    if not p.exists():
        return NationalRules(source="", rules=[])
    try:
        return NationalRules.model_validate(yaml.safe_load(p.read_text(encoding="utf-8")))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise PlanFileError(p, _error_path(err["loc"]), err["msg"]) from None


def load_national_rules(directory: Path | None = None) -> NationalRules:
    """``plans/national_rules.yaml``: national rules (e.g. 493号) shown on the plans they apply to."""
    return _load_national(str((directory or PLANS_DIR) / "national_rules.yaml"))


def national_rules_for(plan_id: str, level: str) -> list[NationalRule]:
    return [r for r in load_national_rules().rules if plan_id in r.applies_to and level in r.levels]


def lead_plan(levels: dict[str, str | None], directory: Path | None = None) -> str | None:
    """Which plan leads when one event meets several, from the plans' own relation clauses.

    ``levels``: plan id → the level of that plan's incident (decided, else what the facts call for).
    A plan led by another present plan (``led_by``, or the other's ``lead_over``) whose
    ``applies_when`` holds does not lead. Of the plans left, the first in PLAN_IDS order leads.
    """
    return lead_with_basis(levels, directory)[0]


def lead_with_basis(levels: dict[str, str | None], directory: Path | None = None) -> tuple[str | None, dict | None]:
    """The lead plan (as ``lead_plan``) and the relation clause that put it in the lead:
    ``{"plan", "clause", "text", "decision"}`` of the relation that made the others assist, or None
    when no clause decides (one plan alone, or the first in order)."""
    def holds(rel: Relation) -> bool:
        cond = rel.applies_when
        if cond is None:
            return True
        level = levels.get(cond.plan)
        if level is None:
            return False
        if cond.at_least and LEVEL_RANK[level] < LEVEL_RANK[cond.at_least]:
            return False
        if cond.below and LEVEL_RANK[level] >= LEVEL_RANK[cond.below]:
            return False
        return True

    plans = load_plans(directory)
    led: dict[str, tuple[str, Relation]] = {}
    for pid in levels:
        for rel in plans[pid].relations:
            if rel.plan in levels and holds(rel):
                if rel.relation == "led_by":
                    led.setdefault(pid, (pid, rel))
                elif rel.relation == "lead_over":
                    led.setdefault(rel.plan, (pid, rel))
    leaders = [pid for pid in PLAN_IDS if pid in levels and pid not in led]
    if not leaders:
        return None, None
    lead = leaders[0]
    basis = next(((owner, rel) for owner, rel in led.values()), None)
    if basis is None:
        return lead, None
    owner, rel = basis
    source = rel.quoted_from or owner
    return lead, {"plan": source, "clause": rel.clause, "text": rel.text, "decision": rel.decision}
