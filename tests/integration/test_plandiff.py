"""Emergency diff: a moved threshold and the cases it moves; nothing for an identical file."""
import re

from emergency.response.plandiff import diff_plans
from tests.library import PLANS, PLANS_DIR
from tests.cli import emergency


def _moved(tmp_path):
    text = (PLANS_DIR / "environment.yaml").read_text(encoding="utf-8")
    moved = text.replace("when: {sum: [deaths], at_least: 30}", "when: {sum: [deaths], at_least: 25}", 1)
    assert moved != text
    path = tmp_path / "environment.yaml"
    path.write_text(moved, encoding="utf-8")
    return path


def test_a_moved_threshold_is_listed_with_the_cases_that_change_level(tmp_path):
    changes = diff_plans(PLANS.plan("environment"), PLANS.load_plan_file(_moved(tmp_path)))
    thresholds = [c for c in changes if c["area"] == "分级标准"]
    assert [(c["what"], c["old"], c["new"]) for c in thresholds] == [("I-1-deaths（I级）", "deaths 至少30", "deaths 至少25")]
    moved = {c["what"]: (c["old"], c["new"]) for c in changes if c["area"] == "定级结果"}
    assert moved == {"deaths=25": ("II级（一(五)2(1)）", "I级（一(五)1(1)）"),
                     "deaths=29": ("II级（一(五)2(1)）", "I级（一(五)1(1)）")}
    assert len(changes) == 3


def test_identical_files_have_nothing_changed(tmp_path):
    r = emergency("diff", str(PLANS_DIR / "environment.yaml"), str(PLANS_DIR / "environment.yaml"))
    assert r.returncode == 0 and "无变化" in r.stdout


def test_the_cli_writes_markdown_and_refuses_two_different_plans(tmp_path):
    r = emergency("diff", str(PLANS_DIR / "environment.yaml"), str(_moved(tmp_path)), "--format", "markdown")
    assert r.returncode == 0 and re.search(r"\| 分级标准 \| I-1-deaths（I级） \| 一\(五\)1\(1\) \|", r.stdout)
    bad = emergency("diff", str(PLANS_DIR / "environment.yaml"), str(PLANS_DIR / "work_safety.yaml"))
    assert bad.returncode == 2 and "one plan's versions" in bad.stderr


def test_the_console_page_shows_a_revision_against_the_plan_in_force(tmp_path):
    from emergency.core.clock import FixedClock

    from tests.conftest import add_users, new_app
    from tests.integration.security.conftest import csrf_of, sign_in
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    app = new_app({"DATABASE": str(tmp_path / "d.db"), "SECRET_KEY": "k" * 32, "CLOCK": clock})
    add_users(app.config["DATABASE"], clock)
    c = app.test_client()
    sign_in(c, "指挥李四")
    page = c.post("/plans/environment/diff", data={"yaml": _moved(tmp_path).read_text(encoding="utf-8"),
                                                  "csrf_token": csrf_of(c, "/plans/environment/diff")})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "deaths 至少25" in html and "deaths=29" in html
    bomb = c.post("/plans/environment/diff", data={"yaml": "a: &a [1]\nb: *a\n", "csrf_token": csrf_of(c, "/")})
    assert bomb.status_code == 422 and "aliases" in bomb.get_data(as_text=True)
