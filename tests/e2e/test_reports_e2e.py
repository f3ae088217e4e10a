"""Reports in Chromium: issue a 首报 from an incident after editing a sentence, see it on the timeline with its
hash, download it; then a 续报 after a level change."""
import io
import pathlib
import re

import docx
from playwright.sync_api import expect

from .fixtures import shot
from .test_console_e2e import record

README_IMAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "sample-first-report.png"


def test_issue_a_first_report_then_a_progress_report_after_a_level_change(page, server):
    record(page, server, "environment", {"#f-deaths": "1"}, title="某化工园区河道污染（虚构）",
           occurred="2026-11-22T08:30", reported="2026-11-22T08:40")
    expect(page.locator("#reports")).to_contain_text("尚未签发书面报告")
    page.click("a[data-report-kind=first]")
    page.wait_for_url(re.compile(r"/reports/new\?kind=first"))
    expect(page.locator("h1")).to_contain_text("首报")
    expect(page.locator("#report-draft")).to_contain_text("主要污染物和数量")   # 四(一)2(1)'s list
    opening = page.locator("textarea[name=opening]")
    opening.fill(opening.input_value().replace("现将有关情况报告如下", "现将初步核实的情况报告如下"))
    page.fill("label[data-section=field-3] textarea", "海门区某河道下游约两公里处（虚构）")
    page.fill("input[name=issuer]", "海门区人民政府总值班室（虚构）")
    page.fill("input[name=signer]", "张某某")
    page.fill("input[name=contact]", "李某 0513-00000000（虚构）")
    shot(page, "report-draft")
    page.click("#preview-report")                      # the page as issued, 待核实 marked, then 签发
    expect(page.locator(".letterhead")).to_contain_text("海门区人民政府总值班室（虚构）")
    expect(page.locator("#preview-bar .unverified-count")).to_be_visible()
    assert page.locator("p.unverified").count() >= 1
    shot(page, "report-preview")
    page.click("#issue-report")
    page.wait_for_url(re.compile(r"/incidents/inc-[0-9a-f]+#reports"))
    expect(page.locator(".flash.ok")).to_contain_text("已签发：首报")
    row = page.locator("#issued-reports tbody tr")
    expect(row).to_have_count(1)
    digest = row.locator("code.hash").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    expect(page.locator("#timeline")).to_contain_text("签发书面报告 · 指挥李四")
    expect(page.locator("#timeline")).to_contain_text(digest)
    with page.expect_download() as dl:
        row.locator("a", has_text="Word").click()
    content = pathlib.Path(dl.value.path()).read_bytes()
    texts = [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]
    assert "2026年11月22日8时30分，发生某化工园区河道污染（虚构）。2026年11月22日8时40分接报。现将初步核实的情况报告如下：" in texts
    assert "（三）地点：海门区某河道下游约两公里处（虚构）" in texts
    # the printable page, as the README shows it
    row.locator("a", has_text="查看").click()
    page.wait_for_selector(".letterhead")
    README_IMAGE.parent.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 900, "height": 1270})
    page.screenshot(path=str(README_IMAGE), full_page=False)
    shot(page, "report-print")
    page.go_back()
    # a level change: activate at IV, then raise to III — a 续报 is called for
    page.locator("form.action[data-trigger=activate] input[name=approved_by]").fill("区长")
    page.locator("form.action[data-trigger=activate] button").click()
    form = page.locator("form.action[data-trigger=change_level]")
    form.locator("select[name=level]").select_option("III")
    form.locator("input[name=reason]").fill("污染范围扩大")
    form.locator("button").click()
    expect(page.locator("#level")).to_contain_text("III级")
    offer = page.locator(".report-offers li.report-due", has_text="续报一")
    expect(offer).to_contain_text("级别已变化")
    offer.locator("a").click()
    expect(page.locator("input[name=signer]")).to_have_value("张某某")          # the header lines are remembered
    page.click("#preview-report")
    page.click("#issue-report")
    page.wait_for_url(re.compile(r"#reports"))
    expect(page.locator("#issued-reports tbody tr")).to_have_count(2)
    expect(page.locator("#issued-reports")).to_contain_text("关于某化工园区河道污染（虚构）情况的报告（续报一）")
    shot(page, "report-issued")
