"""A plans directory as one object: the plan library (预案库).

``PlanLibrary(directory)`` reads, validates and keeps what one plans directory holds:

- every ``*.yaml`` at its top is a plan (its id is the file name), listed in each plan's ``order``;
- ``reference/facts.yaml`` the facts vocabulary, ``reference/agencies.yaml`` today's names of
  renamed bodies, ``reference/national_rules.yaml`` the national rules shown on checklists,
  ``reference/routing.yaml`` the 12345/110 list;
- ``scenarios/*.yaml`` the drill scenarios and ``demo/incidents.yaml`` the demo incidents.

The directory is configuration: ``create_app(PLANS_DIR=…)``, ``--plans DIR`` on every command,
or ``EMERGENCY_PLANS_DIR``. Without one, the plans shipped with the package are used
(``default_plans_dir``). ``library(directory)`` keeps one library per directory in the process,
so the files are read once; a revised file is adopted at the next start.

A plan's version is the SHA-256 of its file (first 16 hex digits). An incident keeps the version
it started under; the store keeps older texts and ``register_version`` makes them loadable here.
"""
from __future__ import annotations

import hashlib
import os
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from emergency.core.agencies import Agencies
from emergency.response.drills import Scenario, parse_scenario_yaml
from emergency.core.errors import NotFound
from emergency.plans.facts import Vocabulary
from emergency.response.lifecycle import Lifecycle
import yaml

from emergency.plans.model import (LEVEL_RANK, NationalRule, NationalRules, OfficeRules, Plan, PlanFileError, Relation,
                                   error_path, load_yaml_text)
from emergency.plans.routing import RoutingList
from emergency.plans.exchange import CapProfile

PLANS_ENV = "EMERGENCY_PLANS_DIR"
_NOT_PLANS = {"reference", "scenarios", "demo"}


def default_plans_dir() -> Path:
    """``EMERGENCY_PLANS_DIR``, else the plans shipped with the package (``emergency_plans``)."""
    configured = os.environ.get(PLANS_ENV)
    if configured:
        return Path(configured)
    return Path(str(resources.files("emergency_plans")))


# An office's own rules (reference/office_rules.yaml) that apply to a plan are pinned with the plan: they are
# appended to the plan's text after this line, so the plan's version (the hash of that text) changes when they
# do, the store keeps them with the plan text an incident started under, and an incident keeps the rules it
# started with, exactly as it keeps an older plan file. With no office rule for a plan its text and version are
# the plan file's alone, as before.
OFFICE_SEPARATOR = "\n# ==== 本单位规定（reference/office_rules.yaml）====\n"


def version_of_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanFileError(path, "", f"cannot be read: {exc.strerror or exc}") from None
    return load_yaml_text(text, path)


def validated(model: type[BaseModel], data: Any, path: Path | str, context: dict | None = None) -> Any:
    """``model`` from ``data``; a failure is a PlanFileError naming the file, the path inside it and the problem."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise PlanFileError(path, error_path(err["loc"]), err["msg"]) from None


def load_vocabulary(path: Path) -> Vocabulary:
    return validated(Vocabulary, read_yaml(path), path)


class PlanLibrary:
    """The plans of one directory and their reference data, validated together."""

    def __init__(self, directory: Path | str, office_rules: Path | str | None = None):
        self.directory = Path(directory)
        # the office's own rules: reference/office_rules.yaml, or another file (serve --demo's example)
        self.office_rules_path = Path(office_rules) if office_rules else self.directory / "reference" / "office_rules.yaml"
        if not self.directory.is_dir():
            raise PlanFileError(self.directory, "", "is not a plans directory")
        self.vocabulary = load_vocabulary(self.directory / "reference" / "facts.yaml")
        self._texts: dict[str, tuple[str, str]] = {}   # id → (version, text) of the file in force
        self._older: dict[tuple[str, str], Plan] = {}  # (id, version) → an older version from the store
        loaded = {}
        office = self._office_raw()
        for path in sorted(self.directory.glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            extra = _office_section(office, path.stem)
            if extra:
                text += OFFICE_SEPARATOR + extra
            loaded[path.stem] = self.parse_plan(text, path)
            self._texts[path.stem] = (version_of_text(text), text)
        if not loaded:
            raise PlanFileError(self.directory, "", "holds no plan file (*.yaml)")
        self.plans: dict[str, Plan] = dict(sorted(loaded.items(), key=lambda kv: (kv[1].order, kv[0])))
        self.ids: tuple[str, ...] = tuple(self.plans)
        for plan in self.plans.values():
            for i, rel in enumerate(plan.relations):
                for named in (rel.plan, rel.applies_when.plan if rel.applies_when else None, rel.quoted_from):
                    if named is not None and named not in self.plans:
                        raise PlanFileError(self.directory / f"{plan.id}.yaml", f"relations[{i}]",
                                            f"unknown plan id {named!r}; plans: {', '.join(self.ids)}")

    def __repr__(self) -> str:
        return f"PlanLibrary({str(self.directory)!r})"

    # ------------------------------------------------------------ plans
    def parse_plan(self, text: str, path: Path | str) -> Plan:
        """One plan file's text, validated against this library's vocabulary (not added to the library); the
        office rules pinned after OFFICE_SEPARATOR, if any, go with it."""
        text, _, extra = text.partition(OFFICE_SEPARATOR)
        data = load_yaml_text(text, path)
        if not isinstance(data, dict):
            raise PlanFileError(path, "", "a plan file must be a mapping")
        stem = Path(str(path)).stem
        if isinstance(path, Path) and data.get("id") != stem:
            raise PlanFileError(path, "id", f"must equal the file name {stem!r} (got {data.get('id')!r})")
        plan = validated(Plan, data, path, {"vocabulary": self.vocabulary})
        plan._library = self
        if extra:
            plan._office_rules = validated(OfficeRules, load_yaml_text(extra, path), f"{path} (本单位规定)").rules
        return plan

    def load_plan_file(self, path: Path) -> Plan:
        return self.parse_plan(path.read_text(encoding="utf-8"), path)

    def plan(self, plan_id: Any) -> Plan:
        """One plan by id. Raises NotFound for an unknown id, naming the known ones."""
        if not isinstance(plan_id, str) or plan_id not in self.plans:
            raise NotFound("plan", str(plan_id)[:64], list(self.ids))
        return self.plans[plan_id]

    def current_version(self, plan_id: str) -> str:
        """The version of the plan in force: the file as it was loaded (a new file is adopted at restart)."""
        self.plan(plan_id)
        return self._texts[plan_id][0]

    def current_text(self, plan_id: str) -> str:
        self.plan(plan_id)
        return self._texts[plan_id][1]

    def register_version(self, plan_id: str, version: str, text: str) -> Plan:
        """Make an older version of a plan loadable (its text kept in the store)."""
        if (plan_id, version) not in self._older:
            self._older[(plan_id, version)] = self.parse_plan(text, f"{plan_id}@{version}")
        return self._older[(plan_id, version)]

    def is_known_version(self, plan_id: str, version: str | None) -> bool:
        return version is None or version == self.current_version(plan_id) or (plan_id, version) in self._older

    def plan_for(self, plan_id: str, version: str | None = None) -> Plan:
        """The plan an incident runs under: its own version, else the one in force.

        Raises NotFound for a version neither in force nor registered from the store.
        """
        if version is None or version == self.current_version(plan_id):
            return self.plan(plan_id)
        try:
            return self._older[(plan_id, version)]
        except KeyError:
            raise NotFound("plan version", f"{plan_id}@{version}") from None

    def lifecycle(self, plan_id: str, version: str | None = None):
        """The machine of a plan, of a given version (an incident's own) or the one in force."""
        version = version or self.current_version(plan_id)
        return self._lifecycle(plan_id, version)

    @lru_cache(maxsize=64)  # noqa: B019 - one library per directory lives as long as the process
    def _lifecycle(self, plan_id: str, version: str):
        machine = Lifecycle(self.plan_for(plan_id, version))
        machine.version = version
        return machine

    # ------------------------------------------------------------ reference data
    @cached_property
    def agencies(self) -> Agencies:
        path = self.directory / "reference" / "agencies.yaml"
        return validated(Agencies, read_yaml(path), path)

    @cached_property
    def national_rules(self) -> NationalRules:
        """National rules (e.g. 493号) shown on the plans they apply to; none when the file is absent."""
        path = self.directory / "reference" / "national_rules.yaml"
        if not path.exists():
            return NationalRules(source="", rules=[])
        return validated(NationalRules, read_yaml(path), path)

    def _office_raw(self) -> dict[str, Any]:
        """``reference/office_rules.yaml`` as read and validated (an office's own rules; absent or empty: none)."""
        path = self.office_rules_path
        data = read_yaml(path) if path.exists() else None
        data = data or {"source": "", "rules": []}
        validated(OfficeRules, data, path)
        return data

    @cached_property
    def office_rules(self) -> OfficeRules:
        """The office's own rules in force (each plan's incidents keep the ones they started with)."""
        return validated(OfficeRules, self._office_raw(), self.office_rules_path)

    def national_rules_for(self, plan_id: str, level: str) -> list[NationalRule]:
        return [r for r in self.national_rules.rules if r.applies(plan_id, level)]

    @cached_property
    def routing(self) -> RoutingList:
        """The 12345/110 list (海政办发〔2023〕13号 附件); each link to a plan must name a plan here."""
        path = self.directory / "reference" / "routing.yaml"
        routing = validated(RoutingList, read_yaml(path), path)
        for m in routing.matters:
            for link in m.plans:
                if link.plan not in self.plans:
                    raise PlanFileError(path, f"matters.{m.id}.plans", f"unknown plan {link.plan!r}")
        return routing

    @cached_property
    def cap(self) -> CapProfile:
        """The CAP 1.2 profile messages are written in (``reference/cap.yaml``); a plan it does not name is of
        CAP's category Other."""
        path = self.directory / "reference" / "cap.yaml"
        profile = validated(CapProfile, read_yaml(path), path)
        if profile.scope == "Restricted" and not profile.restriction:
            raise PlanFileError(path, "restriction", "a Restricted scope needs its restriction (CAP 3.2.1)")
        return profile

    @cached_property
    def matter_words(self) -> dict[str, list[str]]:
        """Words callers use (讨薪、堵路…) and the rows of the 12345/110 list each may mean: a search aid at intake
        (``reference/matter_words.yaml``), never the list's words; every row named must be in the list."""
        path = self.directory / "reference" / "matter_words.yaml"
        if not path.exists():
            return {}
        words = (read_yaml(path) or {}).get("words") or {}
        known = {m.id for m in self.routing.matters}
        for word, ids in words.items():
            for matter in ids:
                if matter not in known:
                    raise PlanFileError(path, f"words.{word}", f"unknown matter {matter!r}")
        return {str(w): list(ids) for w, ids in words.items()}

    @cached_property
    def scenarios(self) -> dict[str, Scenario]:
        """The scenario library (``scenarios/*.yaml``), validated against these plans, by id."""
        out = {}
        for path in sorted((self.directory / "scenarios").glob("*.yaml")):
            sc = parse_scenario_yaml(path.read_text(encoding="utf-8"), self, str(path))
            if sc.id != path.stem:
                raise PlanFileError(path, "id", f"must equal the file name {path.stem!r}")
            out[sc.id] = sc
        return out

    @property
    def demo_file(self) -> Path:
        return self.directory / "demo" / "incidents.yaml"

    @cached_property
    def causes(self) -> dict[str, str]:
        """Every cause any plan names for its on-site command (cause id → name)."""
        out: dict[str, str] = {}
        for plan in self.plans.values():
            out.update(plan.causes)
        return out

    # ------------------------------------------------------------ several plans on one event
    def lead_with_basis(self, levels: dict[str, str | None]) -> tuple[str | None, dict | None]:
        """Which plan leads when one event meets several, from the plans' own relation clauses, and the
        relation clause that put it in the lead: ``{"plan", "clause", "text", "decision"}``, or None when no
        clause decides (one plan alone, or the first in the plans' ``order``).

        ``levels``: plan id → the level of that plan's incident (decided, else what the facts call for).
        A plan led by another present plan (``led_by``, or the other's ``lead_over``) whose
        ``applies_when`` holds does not lead.
        """
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

        led: dict[str, tuple[str, Relation]] = {}
        for pid in levels:
            for rel in self.plan(pid).relations:
                if rel.plan in levels and holds(rel):
                    if rel.relation == "led_by":
                        led.setdefault(pid, (pid, rel))
                    elif rel.relation == "lead_over":
                        led.setdefault(rel.plan, (pid, rel))
        leaders = [pid for pid in self.ids if pid in levels and pid not in led]
        if not leaders:
            return None, None
        basis = next(iter(led.values()), None)
        if basis is None:
            return leaders[0], None
        owner, rel = basis
        return leaders[0], {"plan": rel.quoted_from or owner, "clause": rel.clause, "text": rel.text,
                            "decision": rel.decision, "decision_en": rel.decision_en}

    def outside_lead(self, plan_id: str, facts: dict, version: str | None = None) -> dict | None:
        """The plan not held here that leads this incident by its own facts (hazardous chemicals 8.2: a road traffic
        accident involving hazardous chemicals is led by the road-traffic accident plan), with its clause; None."""
        for rel in self.plan_for(plan_id, version).relations:
            if rel.plan is None and rel.relation == "led_by" and rel.applies_when and rel.applies_when.holds_for(facts):
                return {"name": rel.name, "clause": rel.clause, "text": rel.text, "decision": rel.decision}
        return None

    def lead_plan(self, levels: dict[str, str | None]) -> str | None:
        return self.lead_with_basis(levels)[0]


@lru_cache(maxsize=16)
def _library(directory: str, office_rules: str | None = None) -> PlanLibrary:
    return PlanLibrary(directory, office_rules)


def library(directory: Path | str | None = None, office_rules: Path | str | None = None) -> PlanLibrary:
    """The library of a plans directory (default: ``default_plans_dir()``), read once per process; ``office_rules``:
    the office's own rules from another file than the directory's reference/office_rules.yaml."""
    return _library(str(Path(directory or default_plans_dir()).resolve()),
                    str(Path(office_rules).resolve()) if office_rules else None)


def _office_section(office: dict[str, Any], plan_id: str) -> str:
    """The office rules that apply to ``plan_id``, as the YAML text pinned after its plan file (or "")."""
    rules = [r for r in office.get("rules") or [] if plan_id in (r.get("applies_to") or [])]
    if not rules:
        return ""
    return yaml.safe_dump({"source": office.get("source", ""), "rules": rules}, allow_unicode=True, sort_keys=False)
