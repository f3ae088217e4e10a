"""The small things a new user met — a favicon, a directory that can be searched, and the plans'
roles of an incident (事故单位, 专家 …) listed as such, never as numbers missing from the directory."""
import re

from emergency.services import directory
from emergency.store import open_store
from tests.conftest import signed_in
from tests.library import PLANS


def test_the_favicon_is_served_to_anyone(app):
    r = app.test_client().get("/favicon.ico")
    body = r.data
    r.close()
    assert r.status_code == 200 and body[:4] == b"\x00\x00\x01\x00"             # an .ico, before sign-in too


def _directory(app):
    store = open_store(app.config["DATABASE"])
    directory.load_demo(store, "2026-11-22T09:00:00+08:00")
    store.close()


def units_shown(page: str) -> set[str]:
    return set(re.findall(r'<tr data-unit="([^"]+)"', page))


def test_the_directory_is_searched_by_unit_initials_name_and_number(app):
    _directory(app)
    officer = signed_in(app, "值班员张三")
    everything = units_shown(officer.get("/directory").get_data(as_text=True))
    assert len(everything) > 50
    by_name = units_shown(officer.get("/directory?q=生态环境").get_data(as_text=True))
    assert "海门生态环境局" in by_name and len(by_name) < 10
    assert "海门生态环境局" in units_shown(officer.get("/directory?q=hmsthjj").get_data(as_text=True))   # initials
    by_number = officer.get("/directory?q=0513-0001-0079").get_data(as_text=True)       # dashes anywhere
    assert units_shown(by_number) == {"海门生态环境局"} and "找到 1 个单位" in by_number
    person = officer.get("/directory?q=示例值班员079").get_data(as_text=True)
    assert units_shown(person) == {"海门生态环境局"}
    assert not units_shown(officer.get("/directory?q=没有这个单位").get_data(as_text=True))


def test_an_observer_finds_no_one_by_a_mobile_they_cannot_see(app):
    _directory(app)
    observer = signed_in(app, "观察员赵六")
    assert not units_shown(observer.get("/directory?q=10000000079").get_data(as_text=True))
    assert units_shown(signed_in(app, "值班员张三").get("/directory?q=10000000079").get_data(as_text=True))


def test_roles_of_an_incident_are_listed_as_such_and_never_as_missing_numbers(app):
    roles = {r.name for r in PLANS.agencies.roles}
    assert {"事故单位", "事故企业", "专家", "单位负责人"} <= roles
    reporters = {b for plan in PLANS.plans.values() for r in plan.reporting.rules for b in r.bodies()}
    assert roles <= set(directory.known_units(PLANS).values()) | reporters  # each is a name the plans use
    officer = signed_in(app, "值班员张三")                                # an empty directory: every office a gap
    page = officer.get("/directory").get_data(as_text=True)
    gaps = re.search(r'<section id="gaps".*?</section>', page, re.S).group(0)
    missing = set(re.search(r'<p lang="zh-CN">([^<]*)</p>', gaps.split("<details")[0]).group(1).split("、"))
    assert "海门生态环境局" in missing and not roles & missing
    assert "随事件而定的对象" in gaps and "事故单位" in gaps.split("<details")[1]
    _directory(app)
    home = officer.get("/").get_data(as_text=True)
    listed = re.search(r'id="directory-gaps".*?</section>', home, re.S)
    assert not listed or "事故单位" not in listed.group(0)
