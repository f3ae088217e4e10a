"""Plans as validated data (预案数据).

Each ``*.yaml`` file at the top of a plans directory is one plan: levels and criteria, warning,
reporting rules, command, groups, termination, post-incident tasks and the lifecycle machine.
Every item carries the clause it comes from and the original Chinese sentence. The models here
validate one file; ``emergency.response.library`` reads a whole directory. Criteria are checked against
the facts vocabulary passed as validation context (``{"vocabulary": Vocabulary}``), so a plan
names only facts the vocabulary file defines.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, ValidationInfo, model_validator

from emergency.plans.facts import Vocabulary
from emergency.core.step_names import ACTION_NAMES, GUARD_NAMES, PAYLOAD_FIELDS
from emergency.core.agencies import parties
from emergency.core.roles import Role

LEVELS = ("I", "II", "III", "IV")
LEVEL_RANK = {"I": 4, "II": 3, "III": 2, "IV": 1}

Level = Literal["I", "II", "III", "IV"]
PLAN_ID = r"^[a-z][a-z0-9_]{0,40}$"


def _vocabulary(info: ValidationInfo) -> Vocabulary:
    vocab = (info.context or {}).get("vocabulary")
    if vocab is None:
        raise ValueError("plans are validated against a facts vocabulary (validation context 'vocabulary')")
    return vocab


def error_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# libyaml's safe loader where PyYAML was built with it (its wheels are): the same data as the pure-Python one,
# 7× faster — reading the plans was a quarter of the console's start-up
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml_data(text: str) -> Any:
    """YAML text as data, safely (no Python objects), by the fast loader."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader


def load_yaml_text(text: str, source: Path | str) -> Any:
    """YAML text as data; a syntax error is a PlanFileError naming the source, the line and the column."""
    try:
        return yaml_data(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise PlanFileError(source, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None


def first_alias(text: str) -> Any | None:
    """The first YAML anchor or alias in ``text`` (its parser event, with ``start_mark``), or None. Anchors and
    aliases can expand a few hundred bytes into gigabytes (a "billion laughs"): a file people upload is refused with
    one before anything is built. Scanning events is linear in the text; a syntax error gives None (the load that
    follows reports it with its position)."""
    try:
        return next((e for e in yaml.parse(text, Loader=yaml.SafeLoader)
                     if isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None)), None)
    except yaml.YAMLError:
        return None


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
    decision: str | None = None      # how the text is read, where it is not plain, in Chinese …
    decision_en: str | None = None   # … and in English, for the English interface


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
    all: list[Condition] | None = None
    always: bool | None = None
    judgement: str | None = None

    @model_validator(mode="after")
    def _one_kind(self, info: ValidationInfo):
        vocab = _vocabulary(info)
        measure = self.sum is not None or self.max_of is not None
        kinds = [measure, self.fact is not None, self.flag is not None, self.all is not None,
                 self.always is not None, self.judgement is not None]
        if sum(kinds) != 1:
            raise ValueError("a condition needs exactly one of sum/max_of, fact, flag, all, always, judgement")
        if measure:
            self._a_measure(vocab.count_names)
        elif self.at_least is not None or self.below is not None or self.at_most is not None:
            raise ValueError("bounds go with sum or max_of only")
        if self.fact is not None:
            self._a_choice(vocab.choice_values)
        elif self.in_ is not None:
            raise ValueError("`in` goes with `fact`")
        if self.flag is not None and self.flag not in vocab.flag_names:
            raise ValueError(f"{self.flag!r} is not a flag fact; flags: {', '.join(vocab.flag_names)}")
        if self.always is False:
            raise ValueError("always must be true when given")
        return self

    def _a_measure(self, counts) -> None:
        """A sum or a maximum of count facts, with its lower bound and at most one upper bound above it."""
        if self.sum is not None and self.max_of is not None:
            raise ValueError("use sum or max_of, not both")
        for name in self.sum or self.max_of or []:
            if name not in counts:
                raise ValueError(f"{name!r} is not a count fact; counts: {', '.join(counts)}")
        if self.at_least is None:
            raise ValueError("a measure needs at_least (以上, inclusive)")
        if self.below is not None and self.at_most is not None:
            raise ValueError("use below (以下, exclusive) or at_most (inclusive), not both")
        top = self.below if self.below is not None else (self.at_most + 1 if self.at_most is not None else None)
        if top is not None and top <= self.at_least:
            raise ValueError("the upper bound must be above at_least")

    def _a_choice(self, choices) -> None:
        """A choice fact with the values, each one of the fact's, that meet the condition."""
        if self.fact not in choices:
            raise ValueError(f"{self.fact!r} is not a choice fact; choices: {', '.join(choices)}")
        if not self.in_:
            raise ValueError("a choice condition needs `in`")
        for v in self.in_:
            if v not in choices[self.fact]:
                raise ValueError(f"{v!r} is not a value of {self.fact}; values: {', '.join(choices[self.fact])}")

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
    # Which response cards list it (cards.py roles); None: as the card's role decides from when it counts.
    card_roles: list[str] | None = None
    # The text counts from the reporting unit's own 接报 (接报后…, 接到…报告后): each hop counts from its own receipt
    # when the record knows it (a call to the unit acknowledged), else from the incident's, marked 按本单位接报时间推算.
    own_receipt: bool = False
    # States whose step carries the duty out (报请省、市启动 is the request itself): entering one marks it done.
    done_on_entering: list[str] = []
    # The sentence joins its recipients with 或 (报A或B): one acknowledged recipient carries the duty out; otherwise
    # every recipient is told, each with its own numbers and attempts until it acknowledges.
    any_recipient: bool = False
    # The sentence informs its recipients (通知) alongside a report made to others: in a written report they are
    # 抄送, never 主送 (493号第十条 "每一级上报的同时通知公安机关……").
    informs: bool = False
    # The bodies that carry it out: the parts of ``from``, a working group of the plan replaced by its lead units
    # (Plan._consistent); whose duty it is is decided from these (Agencies.owners_of).
    _bodies: list[str] | None = PrivateAttr(default=None)
    _by_cause: dict[str, list[str]] = PrivateAttr(default_factory=dict)

    def bodies(self, cause: str | None = None) -> list[str]:
        """The bodies the item's 报告单位 names, a working group of its plan as the units that lead it, and the plan's
        相关部门 as the departments that head the scene for the recorded ``cause`` (OnsiteCommand.departments)."""
        private = self.__pydantic_private__      # directly, as ``Plan.library`` says why
        if cause in private["_by_cause"]:
            return private["_by_cause"][cause]
        return private["_bodies"] if private["_bodies"] is not None else parties(self.from_)

    @model_validator(mode="after")
    def _timing(self):
        if self.immediate and self.within_minutes is not None:
            raise ValueError("a rule is either immediate (立即) or has within_minutes, not both")
        if self.counted_from == "condition" and not self.condition:
            raise ValueError("counted_from: condition needs the condition's text")
        if self.cap_minutes is not None and not self.immediate:
            raise ValueError("cap_minutes (latest time) goes with immediate rules")
        if self.own_receipt and self.counted_from != "receipt":
            raise ValueError("own_receipt goes with counted_from: receipt")
        return self


class HotTopic(Sourced):
    rule: str


# What the console can put into a report field from the incident's record (emergency.services.documents); a field
# without one is left for the officer to write. issuer/signer/contact are the document's own header lines.
# What fills a report field: a sentence the record makes (documents.Facts), the report received (place, time_place,
# report_source, narrative), or ``facts:a,b`` — named facts with their labels.
FillSource = Literal["occurred_at", "casualties", "loss", "evacuated", "facts", "measures", "progress", "groups",
                     "issuer", "signer", "contact", "place", "time_place", "report_source", "narrative"] | Annotated[
    str, StringConstraints(pattern=r"^facts:[a-z_]+(,[a-z_]+)*$")]


class ReportKind(Sourced):
    id: str
    name: str
    fields: list[str]
    fill: dict[str, FillSource] = {}

    @model_validator(mode="after")
    def _fill_names_fields(self):
        unknown = [name for name in self.fill if name not in self.fields]
        if unknown:
            raise ValueError(f"fill names fields this report kind does not list: {', '.join(unknown)}")
        return self


class Addressee(Sourced):
    """主送机关: to whom the written reports go (by the plan's names; today's names are shown)."""

    to: list[str] = Field(min_length=1)


class DocumentDef(Strict):
    """One written report the console drafts: the report kind whose fields it carries, and others added to it."""

    report_kind: str
    also: list[str] = []


class ShorterWindow(Strict):
    """Fewer days for some kinds of event: those whose fact ``fact`` is one of ``in``."""

    fact: str
    in_: list[str] = Field(alias="in", min_length=1)
    within_days: int = Field(gt=0)


class SupplementaryDef(Strict):
    """A report owed again when casualties change within some days of the event (a national rule's 补报)."""

    rule: str
    within_days: int = Field(gt=0)
    # 493号 Art. 13: 7 days for road traffic and fire accidents (each kind its own fact)
    shorter: list[ShorterWindow] = []
    decision: str | None = None
    decision_en: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_or_more(cls, data: Any):
        if isinstance(data, dict) and isinstance(data.get("shorter"), dict):
            data = {**data, "shorter": [data["shorter"]]}
        return data

    def days_for(self, facts: dict[str, Any]) -> int:
        """The window for an event with these facts: the shortest that applies."""
        return min([w.within_days for w in self.shorter if facts.get(w.fact) in w.in_], default=self.within_days)


class Documents(Strict):
    """首报, 续报 and 终报. ``casualties``: the facts whose change after a report offers a 续报."""

    casualties: list[str] = []
    addressee: Addressee
    first: DocumentDef
    progress: DocumentDef
    final: DocumentDef
    supplementary: SupplementaryDef | None = None


class Reporting(Strict):
    rules: list[ReportingRule]
    hot_topic: HotTopic | None = None
    notes: list[Sourced] = []
    report_kinds: list[ReportKind]
    documents: Documents | None = None

    @model_validator(mode="after")
    def _documents_name_kinds(self):
        if self.documents:
            kinds = {k.id for k in self.report_kinds}
            for doc in (self.documents.first, self.documents.progress, self.documents.final):
                for name in [doc.report_kind, *doc.also]:
                    if name not in kinds:
                        raise ValueError(f"documents: no report kind {name!r} (kinds: {', '.join(sorted(kinds))})")
        return self

    def report_kind(self, kind_id: str) -> ReportKind:
        return next(k for k in self.report_kinds if k.id == kind_id)


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
    # The plan's words for the departments that carry a duty (环境预案四(一)1 区有关部门和单位) and who always is one;
    # once the cause is recorded, the departments that head the scene for it (``by_cause``) carry it too.
    departments: str | None = None
    departments_always: list[str] = []
    departments_decision: str | None = None
    departments_decision_en: str | None = None


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
    # who owns it at some levels instead, by a national rule (493号 Art. 19: the investigation of a 较大 accident is
    # the 设区的市's, of a 重大 the province's, of a 特别重大 the State Council's), with the rule's summary
    owner_at: dict[Level, str] = {}
    owner_at_basis: str | None = None

    def owner_for(self, level: str | None) -> str:
        return self.owner_at.get(level, self.owner) if level else self.owner


class RelationCondition(Strict):
    """When a lead relation holds: the named plan's incident at least / below a level, or (a plan not held here,
    hazardous chemicals 8.2's road-traffic accident plan) one of the incident's own facts has a value ``in``."""

    plan: str | None = None
    at_least: Level | None = None
    below: Level | None = None
    fact: str | None = None
    in_: list[str] | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.plan is None) == (self.fact is None) or (self.fact is None) != (self.in_ is None):
            raise ValueError("applies_when names a plan (with its level) or a fact with the values it must be in")
        return self

    def holds_for(self, facts: dict) -> bool:
        """Whether the incident's own fact holds (a fact condition only)."""
        return self.fact is not None and facts.get(self.fact) in (self.in_ or [])


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
    # Who may fire it (a drill controller may also act on drill incidents). Default: the commander alone.
    roles: list[Role] = ["commander"]

    @model_validator(mode="before")
    @classmethod
    def _source_list(cls, data: Any):
        if isinstance(data, dict) and isinstance(data.get("source"), str):
            data = {**data, "source": [data["source"]]}
        return data

    @model_validator(mode="after")
    def _names(self):
        for g in self.conditions:
            if g not in GUARD_NAMES:
                raise ValueError(f"unknown guard {g!r}; guards: {', '.join(sorted(GUARD_NAMES))}")
        for a in self.actions:
            if a not in ACTION_NAMES:
                raise ValueError(f"unknown action {a!r}; actions: {', '.join(sorted(ACTION_NAMES))}")
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
    # Who may record an incident (接报) and the record steps (tick a notification, update facts, a note).
    record_roles: list[Role] = ["commander", "duty_officer"]
    # States in which the plan's response was never started (a warning that ended, a case below scope,
    # one handled locally): an after-action report does not ask for a level there.
    without_response: list[str] = []
    # States at or after the end of the response (应急终止 and after): termination conditions were met.
    response_ended: list[str] = []
    # who may fire each trigger, gathered from the transitions on first ask (every button on a page asks)
    _roles_by_trigger: dict[str, frozenset[str]] | None = PrivateAttr(default=None)

    def roles_for(self, trigger: str) -> frozenset[str]:
        """The roles any transition fired by ``trigger`` names."""
        if self._roles_by_trigger is None:
            found: dict[str, set[str]] = {}
            for t in self.transitions:
                found.setdefault(t.trigger, set()).update(t.roles)
            self._roles_by_trigger = {k: frozenset(v) for k, v in found.items()}
        return self._roles_by_trigger.get(trigger, frozenset())

    @model_validator(mode="after")
    def _consistent(self):
        names = [s.name for s in self.states]
        for field in ("main_path", "without_response", "response_ended"):
            for name in getattr(self, field):
                if name not in names:
                    raise ValueError(f"{field} names an unknown state {name!r}")
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

ROMAN_NUMERALS = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ"}


class Plan(Strict):
    id: str = Field(pattern=PLAN_ID)  # equals the file name
    # Where the plan stands in lists, and which plan leads when two apply to one event and no relation
    # clause decides (lower first). No plan text gives this order; it is the order of the console.
    order: int = Field(ge=0)
    source_file: str              # the plan's original text in the sources folder
    title: str
    # The kind of event as a report names it (关于{short_title}的首报): it ends in 事件 or 事故 (a bracketed note may
    # follow), so no page adds a second noun — never 事件事件, never 事故事件.
    short_title: str = Field(pattern=r"(事件|事故)(（[^）]*）)?$")
    title_en: str
    document_number: str
    issued_by: str
    issued_on: _dt.date
    supersedes: Supersedes
    scope: Sourced
    bounds: Sourced
    facts: list[FactDef]
    levels: list[LevelDef]
    # How the plan writes its levels where it numbers them with Roman numeral characters (Ⅰ级…Ⅳ级); a written report
    # writes them as its plan does. Without it, Latin letters (I级…IV级), as the work-safety plan writes them.
    level_numerals: Sourced | None = None
    levels_decision: str | None = None
    levels_decision_en: str | None = None
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
    groups_decision_en: str | None = None
    groups_clause: str
    groups_text: str
    groups: list[Group]
    onsite_command: OnsiteCommand | None = None
    precautions: list[Precaution] = []
    protective_equipment: list[ProtectiveEquipment] = []
    member_duties_decision: str | None = None
    member_duties_decision_en: str | None = None
    member_duties: list[MemberDuty] = []
    support_decision: str | None = None
    support_decision_en: str | None = None
    support: list[SupportItem] = []
    termination: Termination
    post_incident: list[Task] = Field(min_length=1)
    relations: list[Relation] = []
    drills: Drills | None = None
    lifecycle: Lifecycle

    _library: Any = PrivateAttr(default=None)  # the emergency.response.library.PlanLibrary it was loaded from
    # The office's own rules (本单位规定) this version of the plan runs with: pinned with the plan (library.py).
    _office_rules: list = PrivateAttr(default_factory=list)

    def written_level(self, level: str) -> str:
        """A level as this plan writes it: Ⅳ where the plan numbers its levels so, else IV."""
        return ROMAN_NUMERALS.get(level, level) if self.level_numerals else level

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo):
        """The plan holds together: every level graded, commanded and activated; facts declared and known; ids
        unique; every name a rule gives resolved. Each check raises the sentence the plan's author reads."""
        if [lv.level for lv in self.levels] != list(LEVELS):
            raise ValueError("levels must be I, II, III, IV in that order")
        self._facts_declared(_vocabulary(info).names)
        self._ids_unique()
        self._resolve_bodies()
        self._names_resolved()
        self._every_level_covered()
        return self

    def _facts_declared(self, vocabulary: set[str]) -> None:
        declared = {f.name for f in self.facts}
        for f in declared:
            if f not in vocabulary:
                raise ValueError(f"facts: {f!r} is not in the facts vocabulary")
        for c in self.criteria:
            missing = c.when.facts_used() - declared
            if missing:
                raise ValueError(f"criterion {c.id} uses facts not declared under `facts`: {', '.join(sorted(missing))}")
        if self.reporting.documents:
            missing = set(self.reporting.documents.casualties) - declared
            if missing:
                raise ValueError(f"reporting.documents.casualties: facts not declared under `facts`: {', '.join(sorted(missing))}")

    def _ids_unique(self) -> None:
        for name, items in (("criteria", self.criteria), ("reporting.rules", self.reporting.rules),
                            ("groups", self.groups), ("post_incident", self.post_incident),
                            ("termination.conditions", self.termination.conditions)):
            ids = [i.id for i in items]
            if len(set(ids)) != len(ids):
                raise ValueError(f"{name}: ids must be unique")
        if self.onsite_command:
            causes = [oc.cause for oc in self.onsite_command.by_cause]
            if len(set(causes)) != len(causes):
                raise ValueError("onsite_command: each cause once")

    def _names_resolved(self) -> None:
        states = {st.name for st in self.lifecycle.states}
        for r in self.reporting.rules:
            if set(r.done_on_entering) - states:
                raise ValueError(f"reporting.rules {r.id}: done_on_entering names no state of the lifecycle")
        if self.reporting.hot_topic and self.reporting.hot_topic.rule not in {r.id for r in self.reporting.rules}:
            raise ValueError("reporting.hot_topic.rule names no rule")

    def _every_level_covered(self) -> None:
        for lv in LEVELS:
            if not any(c.level == lv for c in self.criteria):
                raise ValueError(f"level {lv} has no criterion")
            if not any(lv in c.levels for c in self.command):
                raise ValueError(f"command: level {lv} has no command structure")
            if not any(lv in a.levels for a in self.activation):
                raise ValueError(f"activation: level {lv} has no activation authority")

    def _resolve_bodies(self) -> None:
        """Who carries out each reporting item (ReportingRule.bodies). A working group that reports acts through the
        units that lead it, as the group's clause names them (environment 四(四)2(8) 新闻宣传组: 责任单位
        宣传部、海门生态环境局、应急管理局……); the plan's 相关部门 are, for a recorded cause, those heading its scene."""
        groups = {n: g for g in self.groups for n in (g.name, *g.aliases)}
        oc = self.onsite_command
        for r in self.reporting.rules:
            named = parties(r.from_)
            if any(n in groups for n in named):
                r._bodies = list(dict.fromkeys(b for n in named for b in (groups[n].lead if n in groups else [n])))
            if oc and oc.departments and oc.departments in named:
                r._by_cause = {c.cause: list(dict.fromkeys(b for n in r.bodies() for b in (
                    [*oc.departments_always, *c.leads] if n == oc.departments else [n]))) for c in oc.by_cause}

    # -- look-ups used by the engine and the console
    @property
    def library(self):
        """The ``PlanLibrary`` this plan was loaded from (its vocabulary, agencies, national rules)."""
        # read from pydantic's store of private attributes directly: ``self._library`` goes through the model's
        # __getattr__ after a failed lookup, and 研判 asks a plan for its library some thirty times a classification
        # (a third of its time went to such lookups)
        library = self.__pydantic_private__["_library"]
        if library is None:
            raise RuntimeError(f"plan {self.id} was not loaded through a PlanLibrary")
        return library

    @property
    def vocabulary(self) -> Vocabulary:
        return self.library.vocabulary

    @property
    def causes(self) -> dict[str, str]:
        """The causes that decide the on-site command (cause id → name), in the plan's order; {} when none."""
        return {oc.cause: oc.name for oc in self.onsite_command.by_cause} if self.onsite_command else {}

    def level(self, level: str) -> LevelDef:
        return next(lv for lv in self.levels if lv.level == level)

    def rules_for(self, level: str, hot_topic: bool = False) -> list[ReportingRule]:
        """The reporting rules that apply at a level (and the hot-topic rule when asked for), then the
        national rules that apply to this plan at this level (``reference/national_rules.yaml``)."""
        hot = self.reporting.hot_topic.rule if (hot_topic and self.reporting.hot_topic) else None
        own = [r for r in self.reporting.rules if level in r.levels or r.id == hot]
        office = [r for r in self._office_rules if r.applies(self.id, level)]
        return own + self.library.national_rules_for(self.id, level) + office

    @property
    def office_rules(self) -> list[OfficeRule]:
        """The office's own reporting rules pinned to this version of the plan (``reference/office_rules.yaml``)."""
        return list(self._office_rules)

    def task(self, tid: str) -> Task | None:
        return next((t for t in self.post_incident if t.id == tid), None)

    def command_for(self, level: str) -> list[CommandDef]:
        return [c for c in self.command if level in c.levels]

    def activation_for(self, level: str) -> list[ActivationDef]:
        return [a for a in self.activation if level in a.levels]


class NationalRule(ReportingRule):
    """A national rule that applies to some plans whatever they say (shown marked 国家规定)."""

    authority: str
    applies_to: list[str]
    text_en: str | None = None   # the English summary as quoted (national-rules.md); ``text`` is it in Chinese
    # Levels for one plan where they differ from ``levels`` (493号 Art. 10 sends every hazardous-chemicals
    # accident to Nantong, while for work safety the plan itself already does so from 较大 up).
    plan_levels: dict[str, list[Level]] = {}

    def applies(self, plan_id: str, level: str) -> bool:
        """Whether the rule stands on the checklist of ``plan_id`` at ``level``."""
        return plan_id in self.applies_to and level in self.plan_levels.get(plan_id, self.levels)


class OfficeRule(NationalRule):
    """An office's own reporting rule (本单位规定), e.g. a municipal 信息报送 rule: ``authority`` names the document
    and its number, ``text`` quotes its sentence. Shown marked 本单位规定, never as the plan's or the nation's words."""

    # the plan items (ids) it gives a clock to: they leave the list of the office's undated items
    covers: list[str] = []
    # an illustration (``serve --demo``), no rule in force: marked 示例 wherever it shows; its authority says so too
    example: bool = False

    @model_validator(mode="after")
    def _example_says_so(self):
        if self.example and "示例" not in self.authority:
            raise ValueError("an example rule's authority must say 示例")
        return self


class OfficeRules(Strict):
    """``reference/office_rules.yaml``: empty as shipped; an office fills it with its own rules."""

    source: str = ""
    rules: list[OfficeRule] = []


class Ceiling(Sourced):
    """The longest a report may take to go up one level under a national rule, per plan and level."""

    applies_to: list[str]
    levels: list[Level]
    minutes: int = Field(gt=0)
    text_en: str | None = None


class NationalRules(Strict):
    source: str
    rules: list[NationalRule]
    ceilings: list[Ceiling] = []


def national_authority(rule: ReportingRule) -> str | None:
    """A national rule's authority (its text is a summary, shown 国家规定); None for a plan's or an office's rule."""
    return rule.authority if isinstance(rule, NationalRule) and not isinstance(rule, OfficeRule) else None

