"""The emergency command, run as a user would run it."""
import json
import pathlib
import re

import pytest
from tests.cli import emergency

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def run(*args, stdin=None):
    return emergency(*args, stdin=stdin)


def test_classify_from_stdin_prints_json_with_the_deciding_clause():
    r = run("classify", "environment", "--input", "-", stdin='{"deaths": 3, "evacuated": 200}')
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["level"] == "III"
    assert out["deciding"]["clause"] == "一(五)3(1)"
    assert "3人以上10人以下死亡" in out["deciding"]["text"]


def test_classify_from_file_in_text_form(tmp_path):
    f = tmp_path / "facts.json"
    f.write_text('{"poisoned": 100}', encoding="utf-8")
    r = run("classify", "hazardous_chemicals", "--input", str(f), "--format", "text")
    assert r.returncode == 0
    assert "特别重大事故（I级）" in r.stdout
    assert "1.4(1)" in r.stdout


@pytest.mark.parametrize("args, stdin, needle", [
    (("classify", "environment", "--input", "-"), '{"deaths": -2}', "facts.deaths"),
    (("classify", "environment", "--input", "-"), '{"deaths": "many"}', "facts.deaths"),
    (("classify", "environment", "--input", "-"), '{"boom": 1}', "facts.boom"),
    (("classify", "environment", "--input", "-"), '{"deaths": 1', "not valid JSON"),
    (("classify", "labor_dispute", "--input", "-"), '{"traffic_blocking": "all"}', "须为以下之一：无、拦截车辆、围堵交通"),
    (("classify", "chemistry", "--input", "-"), '{}', "没有这个预案：“chemistry”"),
    (("classify", "environment", "--input", "/nonexistent.json"), None, "cannot read"),
    (("checklist", "environment", "--level", "V", "--occurred-at", "2026-11-22T08:00",
      "--reported-at", "2026-11-22T08:10"), None, "level"),
    (("checklist", "environment", "--level", "IV", "--occurred-at", "yesterday",
      "--reported-at", "2026-11-22T08:10"), None, "occurred_at"),
    (("checklist", "environment", "--level", "IV", "--occurred-at", "2026-11-22T08:00",
      "--reported-at", "2026-11-22T07:10"), None, "reported_at"),
    (("checklist", "environment", "--level", "IV", "--occurred-at", "2026-11-22T08:00",
      "--reported-at", "2026-11-22T08:10", "--cause", "aliens"), None, "cause"),
])
def test_bad_input_exits_2_with_one_line_naming_the_field(args, stdin, needle):
    r = run(*args, stdin=stdin)
    assert r.returncode == 2
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert needle in r.stderr
    assert "Traceback" not in r.stderr


def test_plans_lists_all_four():
    r = run("plans", "--format", "json")
    assert r.returncode == 0
    assert [p["id"] for p in json.loads(r.stdout)] == ["environment", "work_safety", "hazardous_chemicals",
                                                        "labor_dispute"]


def test_every_cli_command_is_documented():
    from emergency.cli import main
    docs = "\n".join(p.read_text(encoding="utf-8") for p in [README, *sorted((README.parent / "docs").glob("*.md"))])
    for name in main.commands:
        assert re.search(rf"emergency {name}\b", docs), f"`emergency {name}` is in neither README.md nor docs/"
