"""研判 through the API, the pages and a 续报: the classification carries its boundaries; the incident page's 研判
panel, the wall screen's line and a 续报 one step from a boundary say how near the next level is."""
import re

from emergency.services import documents, incidents as svc
from emergency.store import open_store
from tests.conftest import signed_in

FIELDS = {"level", "clause", "sentence", "fact", "current", "needed", "distance", "qualitative"}


def test_the_classification_json_names_each_boundary_and_the_openapi_describes_it(client):
    r = client.post("/api/classify/environment", json={"evacuated": 4800})
    said = r.get_json()
    b = next(b for b in said["boundaries"] if b["clause"] == "一(五)3(2)")
    assert FIELDS <= set(b) and (b["level"], b["needed"], b["distance"]) == ("III", 5000, 200)
    assert said["headline"].startswith("距较大突发环境事件（III级）")
    assert said["ahead"][0]["consequences"]["notifications"]                  # what III adds, dated
    spec = client.get("/api/openapi.json").get_json()
    answer = spec["paths"]["/api/classify/{plan_id}"]["post"]["responses"]["200"]["content"]["application/json"]
    schema = spec["components"]["schemas"][answer["schema"]["$ref"].rsplit("/", 1)[1]]
    boundary = spec["components"]["schemas"]["Boundary"]
    assert "boundaries" in schema["properties"] and FIELDS <= set(boundary["properties"])


def test_the_incident_page_and_the_wall_show_how_near_the_next_level_is(app, clock):
    store = open_store(app.config["DATABASE"])
    snap = svc.report(store, {"plan": "hazardous_chemicals", "facts": {"deaths": 2}, "title": "槽罐车泄漏（虚构）",
                              "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"}, "值班员张三", clock)
    store.close()
    officer = signed_in(app, "值班员张三")
    page = officer.get(f"/incidents/{snap.id}").get_data(as_text=True)
    panel = re.sub(r"<span[^>]*>|</span>", "", re.search(r'<section class="judged" id="judged">.*?</section>', page,
                                                        re.S).group(0))
    assert "距较大事故（III级）" in panel and "再增加1人" in panel and "1.4(3)" in panel
    assert "江苏省应急管理厅" in panel                                       # what III would add
    wall = officer.get("/wall").get_data(as_text=True)
    wall = re.sub(r"<span[^>]*>|</span>", "", wall)
    assert re.search(r'class="wall-headline">距较大事故（III级）：死亡人数', wall)


def test_a_progress_report_one_step_from_a_boundary_says_so(app, clock):
    store = open_store(app.config["DATABASE"])
    snap = svc.report(store, {"plan": "environment", "facts": {"evacuated": 4800}, "title": "化工园区泄漏致疏散（虚构）",
                              "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"}, "值班员张三", clock)
    snap = svc.act(store, snap.id, "add_note", snap.version, {"note": "已疏散周边居民"}, "值班员张三", clock)
    plan = store.plans.plan(snap.plan)
    first = documents.draft(snap, store.incidents.events(snap.id), plan, "first", clock.now(), store.plans)
    documents.issue(store, snap.id, documents.edited(first, {"issuer": "海门区政府总值班室", "signer": "张某",
                                                             "contact": "李某 0513-00000000"}),
                    "值班员张三", clock)
    snap = store.incidents.get(snap.id)
    progress = documents.draft(snap, store.incidents.events(snap.id), plan, "progress", clock.now(), store.plans)
    level = next(s.text for s in progress.sections if s.part == "level")
    assert "研判：距较大突发环境事件（Ⅲ级）疏散、转移人数再增加200人" in level and "一(五)3(2)" in level
    far = svc.act(store, snap.id, "update_facts", snap.version, {"facts": {"evacuated": 100}}, "值班员张三", clock)
    progress = documents.draft(far, store.incidents.events(far.id), plan, "progress", clock.now(), store.plans)
    assert "研判" not in next(s.text for s in progress.sections if s.part == "level")      # far from any bound
    store.close()


def test_the_judgement_line_is_the_readers_language_and_the_same_sentence_as_the_api(app, clock):
    """研判 is a sentence the console writes: in Chinese the page says what the API says; in English it is
    translated through the catalogue, only the plan's words (the level's name, the fact) left in Chinese."""
    store = open_store(app.config["DATABASE"])
    snap = svc.report(store, {"plan": "environment", "facts": {"evacuated": 4800}, "title": "河道油污（虚构）",
                              "occurred_at": "2026-11-22T08:30", "reported_at": "2026-11-22T08:40"}, "值班员张三", clock)
    store.close()
    officer = signed_in(app, "值班员张三")
    said = officer.get(f"/api/incidents/{snap.id}").get_json()["headline"]
    page = officer.get(f"/incidents/{snap.id}").get_data(as_text=True)
    shown = re.sub(r"<[^>]+>", "", re.search(r'<p class="headline"><strong>(.*?)</strong>', page).group(1))
    assert shown == said and said.startswith("距较大突发环境事件（III级）：")
    officer.get("/lang/en?next=/")
    english = officer.get(f"/incidents/{snap.id}").get_data(as_text=True)
    line = re.search(r'<p class="headline"><strong>(.*?)</strong>', english).group(1)
    assert line.startswith("Nearest higher level, <span lang=\"zh-CN\">较大突发环境事件</span> (level III): ")
    assert re.sub(r"<[^>]+>", "", line).endswith("200人 more (now 4800人, 5000人 needed)")
    shown = re.sub(r"<script.*?</script>", "", english, flags=re.S)   # the page's words for its script are keyed in Chinese
    assert "再增加" not in shown and "须达到" not in shown
