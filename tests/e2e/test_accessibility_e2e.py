"""axe-core (vendored from the npm registry) on the console's pages, in Chinese and in English, at a desk and on a
phone: no violation of WCAG 2.2 A or AA that axe rates serious or critical."""
import json
import pathlib

import pytest

from .fixtures import login
from .worlds import tanker_world

pytestmark = pytest.mark.e2e

AXE = pathlib.Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"][0] for n in v["nodes"]][:8]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_serious_accessibility_violation_on_any_page(browser, server, clock, lang):
    incident = tanker_world(server, clock)
    walks = {"值班员张三": ["/", incident, incident + "/calls", "/intake", "/plans/hazardous_chemicals", "/directory",
                       "/roster", "/history", "/statistics", "/drills", "/classify/environment", "/incidents",
                       "/shift", "/warnings/receive", incident + "/reports/new?kind=first"],
             "指挥李四": ["/wall", "/cards", incident + "/checklist"],
             "管理员钱七": ["/admin/"]}
    found = {}
    for viewport in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
        for user, paths in walks.items():
            ctx = browser.new_context(viewport=viewport, locale="zh-CN", bypass_csp=True)   # axe is injected
            page = ctx.new_page()
            login(page, server.url, user)
            if lang == "en":
                page.goto(server.url + "/lang/en?next=/")
            for path in paths:
                page.goto(server.url + path)
                bad = _violations(page)
                if bad:
                    found[f"{viewport['width']} {path}"] = bad
            ctx.close()
    summary = {where: [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in bad] for where, bad in found.items()}
    assert not found, json.dumps(summary, ensure_ascii=False, indent=1)[:12000]
