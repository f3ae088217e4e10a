"""研判 in Chromium: the classify page's 研判 follows the facts as they are typed — 200 people from III, then
one, then III reached and the next boundary is II's."""
import pytest
from playwright.sync_api import expect

from .fixtures import shot

pytestmark = pytest.mark.e2e


def test_the_classify_page_says_how_near_the_next_level_is_as_facts_are_typed(page, server):
    page.goto(server.url + "/classify/environment")
    page.fill("#f-evacuated", "4800")
    iii = page.locator("#boundaries li[data-level=III]")
    expect(iii).to_contain_text("疏散、转移人数再增加200人")
    expect(iii).to_contain_text("一(五)3(2)")
    expect(iii).to_contain_text("将新增报告")
    shot(page, "judgement-4800")
    page.fill("#f-evacuated", "4999")
    expect(iii).to_contain_text("再增加1人")
    page.fill("#f-evacuated", "5000")
    expect(page.locator("#result-level")).to_contain_text("（III级）")
    expect(page.locator("#boundaries li[data-level=III]")).to_have_count(0)      # III is reached: II is next
    expect(page.locator("#boundaries li[data-level=II]")).to_contain_text("疏散、转移人数再增加5000人")


def test_in_english_the_classify_pages_judgement_is_english_with_the_plans_words_in_chinese(page, server):
    page.goto(server.url + "/lang/en")
    page.goto(server.url + "/classify/environment")
    page.fill("#f-evacuated", "4800")
    iii = page.locator("#boundaries li[data-level=III]")
    expect(iii).to_contain_text("200人 more (now 4800人, 5000人 needed)")
    expect(iii).not_to_contain_text("再增加")
    assert iii.locator('span[lang="zh-CN"]').first.inner_text() == "疏散、转移人数"
