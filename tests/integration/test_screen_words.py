"""No developer words on screen: every page a person reads shows plan titles and
Chinese labels, never snake_case ids — outside code, form fields holding code, URLs and downloads."""
import re
from html.parser import HTMLParser

import pytest

from emergency.services import directory, drill_runs, intake, roster, users
from emergency.services import incidents as svc
from emergency.core.clock import FixedClock
from tests.library import PLANS
from emergency.store import open_store

from tests.conftest import add_users, new_app
from tests.integration.security.conftest import sign_in

SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")


class VisibleText(HTMLParser):
    """The text a person reads: not scripts, styles, code, preformatted diagrams or code editors."""
    HIDDEN = ("code", "script", "style", "pre", "textarea")

    def __init__(self):
        super().__init__()
        self.depth, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.depth += tag in self.HIDDEN

    def handle_endtag(self, tag):
        self.depth -= tag in self.HIDDEN and self.depth > 0

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    clock = FixedClock("2026-11-22T09:00:00+08:00")
    db = str(tmp_path_factory.mktemp("words") / "w.db")
    app = new_app({"DATABASE": db, "SECRET_KEY": "k" * 32, "CLOCK": clock})
    add_users(db, clock)
    store = open_store(db)
    demo = svc.load_demo(store, clock)
    directory.load_demo(store, "2026-11-22T09:00:00+08:00")   # the call sheets and call forms with numbers
    roster.load_demo(store, clock.now())                       # and the people on duty
    client = app.test_client()
    sign_in(client, "指挥李四")
    return client, demo


def pages(demo):
    out = ["/", "/incidents", "/incidents?drill=1", "/drills", "/cards", "/improvements", "/history", "/intake",
           "/scenarios/new"]
    for pid in PLANS.plans:
        out += [f"/plans/{pid}", f"/classify/{pid}", f"/checklist/{pid}?level=III&occurred_at=2026-11-22T08:00",
                f"/cards/{pid}/III/commander", f"/cards/{pid}/IV/duty_officer"]
    out += [f"/incidents/{s.id}" for s in demo] + [f"/incidents/{s.id}/checklist" for s in demo]
    # the draft of a written report, for every demo incident still open
    out += [f"/incidents/{s.id}/reports/new?kind=first" for s in demo
            if s.state not in PLANS.lifecycle(s.plan).final]
    # the directory and each demo incident's call sheet
    out += ["/directory", "/roster", "/shift", "/shift/handover"] + [f"/incidents/{s.id}/calls" for s in demo]
    return out


def test_no_page_shows_a_snake_case_id(site):
    client, demo = site
    found = {}
    for path in pages(demo):
        r = client.get(path)
        assert r.status_code == 200, path
        parser = VisibleText()
        parser.feed(r.get_data(as_text=True))
        for word in set(SNAKE.findall(" ".join(parser.parts))):
            found.setdefault(word, path)
    assert found == {}, f"internal names on screen: {found}"


HAN = re.compile(r"[\u4e00-\u9fff]+")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class EnglishText(HTMLParser):
    """What an English reader sees that is not marked as plan text: text outside elements with
    ``lang="zh-CN"`` (plan quotations, names, clause text), scripts, styles and code; plus placeholders.
    The tab title is left out: it is made of the incident's and the plan's names, and <title> holds no markup."""
    HIDDEN = ("code", "script", "style", "pre", "textarea", "title")

    def __init__(self):
        super().__init__()
        self.stack, self.parts = [], []

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = self._hidden() or tag in self.HIDDEN or (attrs.get("lang") or "").startswith("zh")
        if not hidden and attrs.get("placeholder"):
            self.parts.append(attrs["placeholder"])
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self._hidden():
            self.parts.append(data)


def test_every_page_in_english_shows_chinese_only_as_marked_plan_text(site):
    """With English chosen, every UI word comes from the catalogue; what stays Chinese is
    plan text — quotations, names of units and plans, clause text — marked lang="zh-CN" in the templates."""
    _, demo = site
    app = site[0].application
    clock = app.config["CLOCK"]
    with app.app_context():
        store = open_store(app.config["DATABASE"])
        users.add_user(store, "管理员孙七", "administrator", "admin-password-long", clock)
        ready = drill_runs.create_drill(store, "env-river-spill", "导调王五", clock)
        done = drill_runs.create_drill(store, "hc-110-alarm", "导调王五", clock, seed=7)
        drill_runs.control(store, done["id"], "start", clock)
        drill_runs.control(store, done["id"], "finish", clock)
        received = intake.record(store, {"source": "110", "reference": "20261122000123", "received_at": "2026-11-22T08:40",
                                         "matter": store.plans.routing.matters[0].id, "description": "化工园区异味"},
                                 "值班员张三", clock)
        store.close()
    extra = ["/plans/environment/diff", "/wall", "/coverage", f"/drills/{ready['id']}", f"/drills/{done['id']}",
             f"/drills/{done['id']}/report", f"/intake/{received['id']}", "/history?status=closed&from=2026-01-01"]
    client = app.test_client()
    client.get("/lang/en")
    found = {}
    def read(path, r, status=200):
        assert r.status_code == status, path
        assert '<html lang="en">' in r.get_data(as_text=True), f"{path} is not in English"
        parser = EnglishText()
        parser.feed(r.get_data(as_text=True))
        for part in parser.parts:
            for run in HAN.findall(part):
                found.setdefault(run, (path, part.strip()[:80]))
    read("/login", client.get("/login"))
    sign_in(client, "管理员孙七", "admin-password-long")
    read("/admin/", client.get("/admin/"))
    sign_in(client, "指挥李四")
    read("/no-such-page", client.get("/no-such-page"), 404)
    for path in pages(demo) + extra:
        read(path, client.get(path))
    parts = sorted({v for v in found.values()})
    assert found == {}, "Chinese outside plan text in English pages:\n" + "\n".join(f"{p}: {t}" for p, t in parts[:80])
