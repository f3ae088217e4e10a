"""Every plan file validates, quotes its source verbatim, and a malformed file fails clearly."""
import re
import shutil

import pytest
import yaml

from emergency.plans.model import PlanFileError
from tests.library import PLANS, PLANS_DIR

SOURCE_FILES = {pid: plan.source_file for pid, plan in PLANS.plans.items()}


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _quoted(node, path=""):
    """Every (path, clause, text, source-plan) an item of a plan file quotes."""
    if isinstance(node, dict):
        if isinstance(node.get("text"), str) and "clause" in node:
            yield path, node["clause"], node["text"], node.get("quoted_from")
        for k, v in node.items():
            yield from _quoted(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _quoted(v, f"{path}[{i}]")


def test_all_four_plans_load_and_validate():
    plans = PLANS.plans
    assert sorted(plans) == sorted(PLANS.ids)
    for p in plans.values():
        assert [lv.level for lv in p.levels] == ["I", "II", "III", "IV"]
        assert p.document_number.startswith("海政办发")


@pytest.mark.parametrize("plan_id", PLANS.ids)
def test_every_quoted_sentence_is_in_the_source_text(plan_id, sources_dir):
    data = yaml.safe_load((PLANS_DIR / f"{plan_id}.yaml").read_text(encoding="utf-8"))
    problems = []
    items = list(_quoted(data))
    assert len(items) > 40, "a plan encodes far more than a handful of clauses"
    for path, clause, text, source in items:
        src = _norm((sources_dir / SOURCE_FILES[source or plan_id]).read_text(encoding="utf-8"))
        assert isinstance(clause, str) and clause, f"{path}: clause must be a non-empty string"
        for fragment in re.split(r"……|…", text):
            frag = _norm(fragment).strip("：:；;。，,、（）()")
            if len(frag) >= 4 and frag not in src:
                problems.append(f"{path} [{clause}]: {frag[:60]}")
    assert not problems, "text not found verbatim in the source:\n" + "\n".join(problems)


@pytest.mark.parametrize("plan_id", PLANS.ids)
def test_every_level_criterion_cites_a_clause_of_its_level(plan_id):
    """A criterion sits under its level's clause (or, for work safety IV, the scope clause 1.3)."""
    plan = PLANS.plans[plan_id]
    for c in plan.criteria:
        assert c.clause.startswith((plan.level(c.level).clause, plan.scope.clause)), (c.id, c.clause)


def _broken_copy(tmp_path, plan_id, mutate):
    data = yaml.safe_load((PLANS_DIR / f"{plan_id}.yaml").read_text(encoding="utf-8"))
    mutate(data)
    target = tmp_path / f"{plan_id}.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


def test_malformed_plan_names_file_path_and_problem(tmp_path):
    def mutate(d):
        d["criteria"][3]["when"]["at_least"] = "lots"
    target = _broken_copy(tmp_path, "environment", mutate)
    with pytest.raises(PlanFileError) as exc:
        PLANS.load_plan_file(target)
    msg = str(exc.value)
    assert str(target) in msg
    assert "criteria[3].when.at_least" in msg
    assert "integer" in msg


def test_plan_naming_an_unregistered_guard_is_refused(tmp_path):
    def mutate(d):
        d["lifecycle"]["transitions"][0]["conditions"] = ["os.system"]
    target = _broken_copy(tmp_path, "work_safety", mutate)
    with pytest.raises(PlanFileError, match="unknown guard 'os.system'"):
        PLANS.load_plan_file(target)


def test_criterion_on_an_undeclared_fact_is_refused(tmp_path):
    def mutate(d):
        d["criteria"][0]["when"] = {"sum": ["strike"], "at_least": 1}
    target = _broken_copy(tmp_path, "environment", mutate)
    with pytest.raises(PlanFileError, match="strike"):
        PLANS.load_plan_file(target)


def test_numeric_clause_must_be_quoted(tmp_path):
    shutil.copy(PLANS_DIR / "hazardous_chemicals.yaml", tmp_path / "hazardous_chemicals.yaml")
    p = tmp_path / "hazardous_chemicals.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace('clause: "3.10"', "clause: 3.10", 1), encoding="utf-8")
    with pytest.raises(PlanFileError, match="clause: Input should be a valid string"):
        PLANS.load_plan_file(p)


def test_invalid_yaml_names_the_line(tmp_path):
    p = tmp_path / "labor_dispute.yaml"
    p.write_text("id: labor_dispute\ncriteria: [\n", encoding="utf-8")
    with pytest.raises(PlanFileError, match="line"):
        PLANS.load_plan_file(p)


def test_national_rules_quote_their_source_and_name_real_plans(sources_dir):
    national = PLANS.national_rules
    src = _norm((sources_dir / national.source).read_text(encoding="utf-8"))
    assert len(national.rules) >= 3
    own_ids = {r.id for p in PLANS.plans.values() for r in p.reporting.rules}
    for r in national.rules:
        assert _norm(r.text_en) in src, r.id          # the summary as quoted; text is it in Chinese
        assert set(r.applies_to) <= set(PLANS.ids) and r.id not in own_ids
        assert r.decision, f"{r.id}: a national rule carries the reading that put it here"


def test_national_ceilings_quote_their_source(sources_dir):
    src = _norm((sources_dir / "national-rules.md").read_text(encoding="utf-8"))
    ceilings = PLANS.national_rules.ceilings
    assert {c.minutes for c in ceilings} == {120, 240}
    for c in ceilings:
        assert _norm(c.text_en) in src and ("2 hours" in c.text_en) == (c.minutes == 120)


def test_every_reading_of_the_plans_is_written_in_chinese_with_the_english_beside_it():
    """Each ``decision`` (and ``*_decision``) in plans/ and plans/reference/ is Chinese, with its
    English as ``<key>_en`` for the English interface; a national rule's summary likewise (``text``/``text_en``)."""
    import re
    import yaml
    english_sentence = re.compile(r"[A-Za-z]{2,}[ ,']+[A-Za-z]{2,}[ ,']+[A-Za-z]{2,}")
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if (key == "decision" or key.endswith("_decision")) and isinstance(value, str):
                    found.append((where, key, value, node.get(f"{key}_en")))
                else:
                    walk(value, where)
        elif isinstance(node, list):
            for item in node:
                walk(item, where)
    root = PLANS_DIR
    for path in sorted(root.rglob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    assert len(found) > 120
    for where, key, chinese, english in found:
        assert re.search(r"[\u4e00-\u9fff]", chinese) and not english_sentence.search(chinese), (where, chinese)
        assert english and re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", english), (where, key, "no English beside it")
    for rule in PLANS.national_rules.rules:
        assert not english_sentence.search(rule.text) and rule.text_en, rule.id
