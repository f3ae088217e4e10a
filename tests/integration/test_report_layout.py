"""A written report laid out to GB/T 9704-2012, measured where its recipient sees it: on the PDF the console prints
(positions read back by pdftotext) and in the .docx's XML. The 发文机关标志 35 mm under the 版心's top edge; 28
characters a line and 22 lines a page; the title in lines broken by meaning, the 文种 whole; no heading at a page's
foot; the 署名 centred over a 成文日期 four characters in; the 版记 at the foot of the last page."""
import io
import itertools
import re
import shutil
import subprocess

import docx
import pytest
from docx.oxml.ns import qn

from emergency.core.clock import FixedClock
from emergency.services import documents
from tests.integration.test_reports import draft_form, issue, report_incident
from emergency.services.users import add_user
from emergency.store import open_store
from tests.conftest import PASSWORD, USERS, app_with_users, signed_in
from tests.pdf_layout import PT_PER_MM, gb_t_9704_places, page_lines

# Chromium prints each report and LibreOffice reads its Word file (processes): the e2e tier, as the tiers say
pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("chromium") is None,
                                 reason="scripts/install-chromium installs Chromium and poppler-utils")]

# a long 处置情况 of Chinese characters only (a full line is 28 characters whatever digits do), running across a
# whole page
MEASURES = "".join(["现场已设置警戒区域并疏散周边群众，消防救援力量正在组织搜救被困人员，医疗救护人员在现场待命。"] * 30)


AT = "2026-12-02T10:30:00+08:00"


@pytest.fixture
def clock():
    return FixedClock(AT)


# the report of the duty room and of the 区应急管理局: one layout, measured for each issuing office
ISSUERS = {"值班员张三": "海门区政府总值班室", "应急局值班员": "区应急管理局"}


@pytest.fixture(scope="module", params=sorted(ISSUERS))
def issued(tmp_path_factory, request):
    """One report issued by each office, printed once (a Chromium print takes seconds) and read by every test."""
    clock = FixedClock(AT)
    app = app_with_users(str(tmp_path_factory.mktemp("layout") / "app.db"), clock, TESTING=True)
    if request.param not in USERS:
        store = open_store(app.config["DATABASE"])
        add_user(store, request.param, "duty_officer", PASSWORD, clock, unit=ISSUERS[request.param])
        store.close()
    officer = signed_in(app, request.param)
    inc = report_incident(officer)
    _h, form = draft_form(officer, inc, "first")
    assert issue(officer, inc, form, signer="张某某", contact="李某 0513-00000000", measures=MEASURES,
                 copy_to="区委宣传部、区公安局、区卫健委、区消防救援大队、区交通运输局、区住房城乡建设局、区市场监管局").status_code == 302
    page = officer.get(f"/incidents/{inc}").get_data(as_text=True)
    doc = re.search(r"/documents/([^\"/.]+)\.pdf", page).group(1)
    return ISSUERS[request.param], officer.get(f"/documents/{doc}.pdf").data, officer.get(f"/documents/{doc}.docx").data


def test_the_printed_report_stands_where_gb_t_9704_puts_each_part(issued):
    issuer, pdf, _docx = issued
    # the letterhead 35 mm under the top, the 文种 whole, no heading at a page's foot, the 印发 line on the last foot
    gb_t_9704_places(pdf, issuer, "2026年12月2日印发")
    assert "首报" not in page_lines(pdf)[0][1][2]             # the number line never says the kind
    pages = page_lines(pdf)
    assert len(pages) >= 3
    first = pages[0]
    title = [t for _a, _b, t in first if "情况的报告" in t or t.startswith("关于")]
    assert title == ["关于某机械厂行车倒塌情况的报告（首报）"]                               # one line, the 文种 whole
    # a page within the long 处置情况: 22 lines 28.95 pt apart, each full one 28 characters (a page that ends where
    # a heading keeps with its text, or where a paragraph keeps two lines together, holds 21)
    body = max(pages, key=len)
    assert len(body) == 22, [t for _a, _b, t in body]
    pitch = (body[-1][1] - body[0][1]) / 21       # glyph boxes differ by font a little; their mean pitch does not
    assert abs(pitch - 28.95) < 0.3, pitch
    full = [t for _a, _b, t in body if re.fullmatch(r"[\u4e00-\u9fff，。、；：]+", t)]
    assert full and max(len(t) for t in full) == 28 and all(len(t) <= 28 for t in full), full
    assert any(t.startswith("抄送：区委宣传部") for _a, _b, t in pages[-1])


def test_the_word_file_lays_out_the_same_places(issued):
    issuer, _pdf, body = issued
    d = docx.Document(io.BytesIO(body))
    paragraphs = d.paragraphs
    letterhead = paragraphs[0]
    assert letterhead.text == issuer
    # the 发文字号 where the office numbers its reports, else nothing before the 签发人 (never the kind, 首报)
    assert paragraphs[1].text == {"海门区政府总值班室": "海政值〔2026〕1号", "区应急管理局": ""}[issuer] + "\t签发人：张某某"
    assert abs(letterhead.paragraph_format.space_before.mm - 35) <= 1.5
    grid = d.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == str(round(28.95 * 20)) and grid.get(qn("w:type")) == "lines"
    style = d.styles["Normal"].element.rPr
    spacing = int(style.find(qn("w:spacing")).get(qn("w:val"))) / 20      # points, on the 3号 (16 pt) body
    assert int(156 * PT_PER_MM / (16 + spacing)) == 28                       # 28 characters in the 156 mm 版心
    headings = [p for p in paragraphs if re.match(r"^[一二三四五六七八九十]+、", p.text)]
    assert headings and all(p.paragraph_format.keep_with_next for p in headings)
    date = next(p for p in paragraphs if p.text == "2026年12月2日")
    signature = paragraphs[paragraphs.index(date) - 1]
    assert signature.text == issuer
    places = documents.signature_places(signature.text, date.text)
    assert round(date.paragraph_format.right_indent.pt / 16, 2) == 4.0
    assert round(signature.paragraph_format.right_indent.pt / 16, 2) == round(places[0], 2)
    framed = [p for p in paragraphs if p._element.pPr is not None and p._element.pPr.find(qn("w:framePr")) is not None]
    assert [p.text[:3] for p in framed] == ["抄送：", "", issuer[:3]]          # 抄送, the thin rule, 印发
    assert all(p._element.pPr.find(qn("w:framePr")).get(qn("w:yAlign")) == "bottom" for p in framed)
    assert framed[-1].text.endswith("\t2026年12月2日印发")
    # each element a named style of its own, the headings on the outline (Word's navigation pane)
    styled = {p.style.name for p in paragraphs}
    assert {"发文机关标志", "发文字号", "公文标题", "一级标题", "署名", "成文日期", "版记"} <= styled
    assert letterhead.style.name == "发文机关标志" and all(p.style.name == "一级标题" for p in headings)
    assert d.styles["一级标题"].element.pPr.find(qn("w:outlineLvl")).get(qn("w:val")) == "0"
    assert {p.style.name for p in framed} == {"版记"} and date.style.name == "成文日期"


def test_a_long_title_breaks_by_meaning_and_keeps_its_genre_whole():
    assert documents.title_lines("关于G40沪陕高速槽罐车液氨泄漏（虚构）情况的报告（续报一）") == [
        "关于G40沪陕高速槽罐车液氨泄漏（虚构）", "情况的报告（续报一）"]
    assert documents.title_lines("关于海门港新区液氯槽罐车侧翻泄漏事故情况的报告（首报）") == [
        "关于海门港新区液氯槽罐车侧翻泄漏事故", "情况的报告（首报）"]
    assert documents.title_lines("关于某机械厂行车倒塌情况的报告（首报）") == ["关于某机械厂行车倒塌情况的报告（首报）"]
    for title in ("关于海门港新区某工地门口劳资纠纷及人员聚集堵塞道路交通的群体性事件情况的报告（续报二）",
                  "关于海门港新区G40沪陕高速公路海门段K1234+500处槽罐车侧翻事故情况的报告（终报）"):
        lines = documents.title_lines(title)
        assert "".join(lines) == title and lines[-1].endswith("情况的报告（" + title.rsplit("（", 1)[1])
        assert all(documents.text_width(line) <= documents.TITLE_CHARS for line in lines)
        assert not any(a[-1:].isascii() and a[-1:].isalnum() and b[:1].isascii() and b[:1].isalnum()
                       for a, b in zip(lines, lines[1:], strict=False))          # never inside G40


def test_a_report_writes_the_level_as_its_plan_does(app):
    """The environment and labor plans number their levels Ⅰ–Ⅳ (Roman numeral characters), the work-safety plan
    I–IV in Latin letters: a report writes its plan's level as the plan writes it."""
    officer = signed_in(app, "值班员张三")
    for plan, written in (("environment", "（Ⅳ级）"), ("work_safety", "（IV级）")):
        inc = report_incident(officer, plan=plan, deaths=1)
        _h, form = draft_form(officer, inc, "first")
        assert written in form["level"], (plan, form["level"])
    from emergency.response.library import library
    lib = library()
    assert [lib.plan(p).written_level("IV") for p in ("environment", "labor_dispute", "work_safety",
                                                       "hazardous_chemicals")] == ["Ⅳ", "Ⅳ", "IV", "IV"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by scripts/install-chromium")
def test_the_second_reader_never_breaks_a_figure_across_a_line(issued, tmp_path):
    """LibreOffice lays the .docx out as a secretary's computer may: 2026 stays whole at a line's end (Latin text in
    zh-CN was broken as Chinese is, 20 on one line and 26 on the next)."""
    _issuer, _pdf, body = issued
    (tmp_path / "report.docx").write_bytes(body)
    done = subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "report.docx")],
                          capture_output=True, timeout=240)
    assert done.returncode == 0, done.stderr.decode()[-500:]
    lines = subprocess.run(["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    assert any("2026" in line for line in lines)
    broken = [(a, b) for a, b in itertools.pairwise(lines) if a[-1:].isdigit() and b[:1].isdigit()]
    assert not broken, broken
