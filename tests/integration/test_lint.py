"""emergency lint: clean on the four plans but for the evaluation dates,
and each kind of breakage in a copy is named with its file, path and clause."""
import datetime
import shutil

import pytest
import yaml

from emergency.response.lint import lint_all, lint_plan
from tests.library import PLANS, PLANS_DIR
from tests.cli import emergency

TODAY = datetime.date(2026, 11, 23)


def test_the_four_plans_lint_clean_but_for_their_three_year_evaluation(sources_dir):
    findings = lint_all(None, sources_dir, TODAY, PLANS)
    assert [f for f in findings if f.severity == "error"] == []
    warnings = [f for f in findings if f.severity == "warning"]
    assert {f.file.rsplit("/", 1)[-1] for f in warnings} == {"environment.yaml", "work_safety.yaml",
                                                             "hazardous_chemicals.yaml", "labor_dispute.yaml"}
    assert all("three-year evaluation" in f.message for f in warnings)
    # the environment plan (2023-09-05) falls due on 2026-09-05: not yet on the 4th, due on the 5th
    env = PLANS_DIR / "environment.yaml"
    assert lint_plan(env, sources_dir, datetime.date(2026, 9, 4), PLANS) == []
    assert len(lint_plan(env, sources_dir, datetime.date(2026, 9, 5), PLANS)) == 1


def _unreachable(d):
    d["lifecycle"]["transitions"] = [t for t in d["lifecycle"]["transitions"] if t["trigger"] != "start_post_incident"]


def _no_activation(d):
    d["activation"] = [a for a in d["activation"] if "IV" not in a["levels"]]


def _misquoted(d):
    d["criteria"][0]["text"] = d["criteria"][0]["text"].replace("死亡", "受伤")


def _long_deadline(d):
    rule = next(r for r in d["reporting"]["rules"] if r.get("within_minutes"))
    rule["within_minutes"] = 300


def _command_nobody_houses(d):
    d["reporting"]["rules"][0]["from"] = "区防汛抗旱指挥部"


def _nobody(d):
    d["reporting"]["rules"][0]["from"] = "区防疫站"


def _cut_with_a_full_stop(d):
    """四(二) "…全力控制事件态势" goes on "，避免污染物向环境扩散…": a 。 there is not the source's."""
    state = next(s for s in d["lifecycle"]["states"] if s["text"].endswith("全力控制事件态势……"))
    state["text"] = state["text"].replace("全力控制事件态势……", "全力控制事件态势。")


@pytest.mark.parametrize("change, words", [
    (_unreachable, "cannot be reached"), (_no_activation, "level IV has no activation"),
    (_misquoted, "not found verbatim"), (_long_deadline, "longer than the national ceiling"),
    (_command_nobody_houses, "a command or working group of our own plans that no office houses"),
    (_nobody, "resolves to no office and to no named outside party"),
    (_cut_with_a_full_stop, "stops inside a sentence"),
])
def test_each_breakage_is_named(tmp_path, sources_dir, change, words):
    path = tmp_path / "environment.yaml"
    shutil.copy(PLANS_DIR / "environment.yaml", path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    errors = [f for f in lint_plan(path, sources_dir, TODAY, PLANS) if f.severity == "error"]
    assert any(words in f.message for f in errors), errors
    assert all(f.file == str(path) for f in errors)
    r = emergency("lint", str(path), "--sources", str(sources_dir))
    assert r.returncode == 1 and words in r.stdout


def test_the_cli_exits_0_with_warnings_on_the_plans_as_they_are(sources_dir):
    r = emergency("lint", "--sources", str(sources_dir))
    assert r.returncode == 0 and "0 errors" in r.stdout and "WARNING" in r.stdout


def test_a_start_on_the_same_plans_reads_the_checks_back_and_a_changed_plan_is_checked_again(tmp_path, sources_dir):
    """The console's start keeps the plan checks by what they follow from: the same findings read back, and a
    misquoted sentence written into a plan afterwards is found at the next start, not hidden by what was kept."""
    from emergency.response.library import PlanLibrary
    from emergency.response.lint import lint_all_cached
    plans_dir = tmp_path / "plans"
    shutil.copytree(PLANS_DIR, plans_dir)
    today, cache = datetime.date(2026, 12, 7), tmp_path / "cache"
    first = lint_all_cached(sources_dir, today, PlanLibrary(plans_dir), cache)
    assert [f.severity for f in first] == ["warning"] * 4 and len(list(cache.glob("plan-checks-*.json"))) == 1
    assert lint_all_cached(sources_dir, today, PlanLibrary(plans_dir), cache) == first
    assert lint_all_cached(sources_dir, today, PlanLibrary(plans_dir), None) == first         # no cache: the same
    path = plans_dir / "environment.yaml"
    d = yaml.safe_load(path.read_text(encoding="utf-8"))
    _misquoted(d)
    path.write_text(yaml.safe_dump(d, allow_unicode=True, sort_keys=False), encoding="utf-8")
    again = lint_all_cached(sources_dir, today, PlanLibrary(plans_dir), cache)
    assert any(f.severity == "error" and "not found verbatim" in f.message for f in again)
    assert len(list(cache.glob("plan-checks-*.json"))) == 1                                 # the stale one is gone
