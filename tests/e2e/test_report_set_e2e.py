"""In Chromium, the 首报, a 续报 and the 终报 of the tanker leak (hazardous chemicals) and of the
labor blockade are drafted from the record, previewed and issued as drafted; each issued .docx says nothing internal,
and its PDF says the same text, carries page numbers and embeds real fonts (pdffonts: no Type 3)."""
import io
import re
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import docx
import pytest
from playwright.sync_api import expect

from emergency.services import incidents as svc, intake
from emergency.store import open_store
from emergency.services import documents
from emergency.services.users import add_user
from tests.pdf_layout import gb_t_9704_places

from ..conftest import PASSWORD
from .fixtures import ARTIFACTS, shot

pytestmark = pytest.mark.e2e

# what must never reach a recipient: ids, list syntax, English, the 原文 aside, a sign-in name
INTERNAL = re.compile(r"inc-[0-9a-f]+|[\[\]{}']|[A-Za-z]{3,}[ _][A-Za-z]{3,}|（原文：|None|值班员张三|指挥李四")


def plain(text: str) -> str:
    """Text as both files can be compared: NFKC, no spaces or line breaks, any CJK radical glyph as one mark (the
    Noto fonts map some characters back to radicals in a PDF's text layer)."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\u2e80-\u2fdf]", "#", re.sub(r"\s+", "", text))


def shot_pdf(body: bytes, name: str) -> None:
    """Keep the PDF beside the screenshots, to be read as its recipient reads it."""
    target = ARTIFACTS
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{name}.pdf").write_bytes(body)


def pdf_text_and_fonts(body: bytes) -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pdf"
        path.write_bytes(body)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return text.stdout, fonts.stdout


def last_page_opening(printed: str) -> str:
    """The first line of the PDF's last page (pdftotext separates pages with a form feed)."""
    pages = [p for p in printed.split("\f") if p.strip()]
    return next(line.strip() for line in pages[-1].splitlines() if line.strip())


def issue_from_the_page(page, server, incident_id: str, kind_name: str, signer="张某某", contact="李某 0513-00000000"):
    page.goto(f"{server.url}/incidents/{incident_id}?seen={kind_name}")     # a new load, not a hash jump
    page.locator(".report-offers li", has_text=kind_name).locator("a").first.click()
    page.wait_for_url(re.compile(r"/reports/new\?kind="))
    page.fill("input[name=signer]", signer)
    page.fill("input[name=contact]", contact)
    page.click("#preview-report")
    expect(page.locator("#preview-bar")).to_be_visible()
    page.click("#issue-report")
    expect(page.locator(".flash.ok")).to_contain_text("已签发")


def check_issued(page, server, store_path: str, incident_id: str, count: int, label: str) -> list[str]:
    """Each issued document's .docx against its PDF; returns the .docx texts."""
    store = open_store(store_path)
    rows = store.documents.issued(incident_id)
    store.close()
    assert len(rows) == count
    out = []
    for row in rows:
        body = page.request.get(f"{server.url}/documents/{row['id']}.docx").body()
        paragraphs = [p.text for p in docx.Document(io.BytesIO(body)).paragraphs if p.text.strip()]
        text = "\n".join(paragraphs)
        assert not INTERNAL.search(text), (row["title"], INTERNAL.search(text).group(0))
        pdf = page.request.get(f"{server.url}/documents/{row['id']}.pdf")
        assert pdf.ok and pdf.body()[:4] == b"%PDF"
        printed, fonts = pdf_text_and_fonts(pdf.body())
        shot_pdf(pdf.body(), f"report-{label}-{row['kind']}")
        d = documents.stored_draft(row)           # each kind, each office: the places GB/T 9704 gives every report
        gb_t_9704_places(pdf.body(), d.issuer, f"{documents.cn_date(d.date)}印发")
        assert "Type 3" not in fonts and "TrueType" in fonts, fonts
        assert re.search(r"—\s*1\s*—", printed), "no page number"
        assert last_page_opening(printed) != "海门区政府总值班室", "the 署名 stands alone on the last page"
        flat = re.sub(r"—\d+—", "", plain(printed))             # a page number may fall inside a paragraph
        at = 0
        for line in paragraphs:                                # the PDF says what the .docx says, line by line, in order
            found = flat.find(plain(line), at)
            assert found >= 0, (row["title"], line)
            at = found + len(plain(line))
        out.append(text)
    return out


BUREAU_USER = "应急局值班员孙八"


@pytest.mark.parametrize("issuer", ["指挥李四", BUREAU_USER])     # the duty room's reports, and the bureau's
def test_the_tanker_leak_and_the_labor_blockade_each_get_three_reports_as_drafted(page_factory, server, clock, issuer):
    path = server.app.config["DATABASE"]
    store = open_store(path)
    if issuer == BUREAU_USER:
        add_user(store, BUREAU_USER, "duty_officer", PASSWORD, clock, unit="区应急管理局")
    leak = intake.record(store, {"source": "110", "reference": "20261122000110", "received_at": "2026-11-22T08:40",
                                 "caller": "王某", "callback": "13900000000", "place": "G40沪陕高速海门段",
                                 "description": "槽罐车侧翻，液氨泄漏，一名司机死亡", "matter": "A033"}, "值班员张三", clock)
    tanker = intake.open_incident(store, leak["id"], "hazardous_chemicals", {
        "occurred_at": "2026-11-22T08:30", "title": "G40沪陕高速槽罐车液氨泄漏（虚构）",
        "facts": {"deaths": 1, "accident_kind": "leak"}}, "值班员张三", clock)
    crowd = intake.record(store, {"source": "110", "reference": "20261122000111", "received_at": "2026-11-22T08:45",
                                  "caller": "赵某", "callback": "13900000001", "place": "海门港新区某工地门口",
                                  "description": "约40名工人讨要拖欠的3个月工资，堵住工地大门", "matter": "B049"},
                          "值班员张三", clock)
    blockade = intake.open_incident(store, crowd["id"], "labor_dispute", {
        "occurred_at": "2026-11-22T08:30", "title": "某工地工人讨薪堵门（虚构）",
        "facts": {"strike": 40, "traffic_blocking": "local"}}, "值班员张三", clock)
    store.close()

    page = page_factory(issuer)
    for snap, level in ((tanker, "IV"), (blockade, "II")):
        issue_from_the_page(page, server, snap.id, "首报")
        store = open_store(path)
        current = store.incidents.get(snap.id)
        current = svc.act(store, snap.id, "activate", current.version, {"level": level, "approved_by": "区长"},
                          "指挥李四", clock)
        store.close()
        issue_from_the_page(page, server, snap.id, "续报")
        store = open_store(path)
        plan = store.plans.plan(snap.plan)
        current = store.incidents.get(snap.id)                                   # the 续报's issue moved the record on
        for condition in plan.termination.conditions:
            current = svc.act(store, snap.id, "confirm_condition", current.version, {"condition": condition.id},
                              "指挥李四", clock)
        current = svc.act(store, snap.id, "terminate", current.version,
                          {"declared_by": "海门区人民政府", "approved_by": "区长"}, "指挥李四", clock)
        store.close()
        issue_from_the_page(page, server, snap.id, "终报")
    shot(page, "report-set-issued")

    office = "bureau" if issuer == BUREAU_USER else "room"
    texts = check_issued(page, server, path, tanker.id, 3, f"tanker-{office}")
    assert "地点：G40沪陕高速海门段" in texts[0] and "据报：槽罐车侧翻，液氨泄漏，一名司机死亡。" in texts[0]
    assert "王某" not in "".join(texts) and "13900000000" not in "".join(texts)
    labor = check_issued(page, server, path, blockade.id, 3, f"labor-{office}")
    assert "据报：约40名工人讨要拖欠的3个月工资，堵住工地大门。" in labor[0] and "罢工人数：40人。" in labor[0]
    assert "安委办" not in labor[0]          # the tanker's 主送 is remembered for hazardous chemicals, not for labor
