"""Written reports: 首报、续报、终报 drafted from the record, edited, issued once, kept unchanged; the
.docx in the GB/T 9704 layout, its PDF, drill documents marked 演练, and the office's exports."""
import io
from datetime import datetime
import re
import unicodedata

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt

from emergency.services import documents, exports
from emergency.core.clock import FixedClock
from emergency.services.incidents import rebuild
from emergency.store import open_store
from emergency.services.users import add_user
from tests.conftest import PASSWORD, app_with_users, signed_in
from tests.refusals import refused


@pytest.fixture
def clock():
    return FixedClock("2026-12-02T10:30:00+08:00")


@pytest.fixture
def app(store_location, clock):
    return app_with_users(store_location, clock, TESTING=True, ISSUER="海门区应急管理局（测试）")


@pytest.fixture
def officer(app):
    return signed_in(app, "值班员张三")


def report_incident(client, plan="work_safety", drill=False, **facts):
    body = {"plan": plan, "title": "某机械厂行车倒塌", "facts": facts or {"deaths": 1, "serious_injuries": 2},
            "occurred_at": "2026-12-02T10:05", "reported_at": "2026-12-02T10:12", "drill": drill}
    r = client.post("/api/incidents", json=body, headers={"X-CSRFToken": client.csrf})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json["id"]


def draft_form(client, incident_id, kind):
    page = client.get(f"/incidents/{incident_id}/reports/new?kind={kind}")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    html = page.get_data(as_text=True)
    form = {name: value for name, value in re.findall(r'<input (?:type="hidden" )?name="([^"]+)"[^>]*value="([^"]*)"', html)}
    for name, text in re.findall(r'<textarea[^>]*\sname="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        form[name] = text.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return html, form


def issue(client, incident_id, form, **edits):
    """签发 as the page does it: from the preview, with the digest of what the preview showed (or the one given)."""
    body = {**form, **edits, "csrf_token": client.csrf}
    if "previewed" in body:
        return client.post(f"/incidents/{incident_id}/reports", data=body)
    preview = client.post(f"/incidents/{incident_id}/reports/preview", data=body).get_data(as_text=True)
    digest = re.search(r'name="previewed" value="([^"]+)"', preview)
    return client.post(f"/incidents/{incident_id}/reports", data={**body, "previewed": digest.group(1) if digest else ""})


def with_first_report(app, client, **header):
    """An incident with its 首报 issued through the pages."""
    inc = report_incident(client)
    _h, form = draft_form(client, inc, "first")
    assert issue(client, inc, form, **{"signer": "甲", "contact": "乙 0513-1", **header}).status_code == 302
    return inc


def body_text(content: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


def table_rows(content: bytes) -> list[list[str]]:
    """Every row of every table of a .docx, as its cells' texts."""
    return [[c.text for c in row.cells] for t in docx.Document(io.BytesIO(content)).tables for row in t.rows]


def test_first_report_carries_the_plans_fields_level_and_clause_and_the_officers_edit(app, officer):
    inc = report_incident(officer)
    html, form = draft_form(officer, inc, "first")
    for field in ("主要危害物质及危险源", "次生和衍生事故（事件）的可能性", "已经采取的措施"):  # work safety 5.1's list
        assert field in html
    assert "5.1" in html and form["issuer"] == "海门区应急管理局（测试）"
    assert "2026年12月2日10时05分" in form["field-1"]          # 时间, from the record
    r = issue(officer, inc, form, signer="李局长", contact="王五 0513-82100000", **{"field-2": "海门港新区某机械厂二号车间"})
    assert r.status_code == 302
    page = officer.get(f"/incidents/{inc}").get_data(as_text=True)
    store = open_store(app.config["DATABASE"])
    [row] = store.documents.issued(inc)
    assert row["sha256"] in page and row["kind"] == "first"
    event = store.incidents.events(inc)[-1]
    assert event["trigger"] == "issue_report" and event["payload"]["sha256"] == row["sha256"]
    kept = store.documents.get(row["id"])
    text = body_text(kept["content"])
    assert text[0] == "海门区应急管理局（测试）"
    assert "签发人：李局长" in text[1]
    assert "关于某机械厂行车倒塌情况的报告（首报）" in text
    assert "（二）地点：海门港新区某机械厂二号车间" in text          # the sentence the officer wrote
    assert "（三）信息来源：待核实" in text                          # left blank: printed as not yet verified
    level = next(t for t in text if t.startswith("依据《"))
    assert "2.4" in level and "（IV级）" in level                   # the level with its deciding clause
    assert "（联系人及联系方式：王五 0513-82100000）" in text
    # what the contents follow is on the screen and in the record, not on the signed paper (no 公文 element)
    assert not any(t.startswith("（本报告内容依据") for t in text)
    # after the 附注, only the 版记: 抄送 (when there is one), its thin rule, and 印发机关 with 印发日期
    after = text[text.index("（联系人及联系方式：王五 0513-82100000）") + 1:]
    assert after[-1].endswith("\t2026年12月2日印发") and all(not t or t.startswith("抄送：") for t in after[:-1])
    assert documents.verify_documents(store, inc) == []
    assert rebuild(store, inc) == store.incidents.get(inc)                    # the issue event replays
    # downloaded byte for byte, and the export is logged with who took it
    r = officer.get(f"/documents/{row['id']}.docx")
    assert r.data == kept["content"] and "attachment" in r.headers["Content-Disposition"]
    assert store.db.execute("SELECT count(*) FROM audit WHERE kind = 'export' AND actor = '值班员张三'").fetchone()[0] == 1
    store.close()


def test_the_docx_is_in_the_gbt_9704_layout(app, officer):
    inc = with_first_report(app, officer, signer="李局长", contact="王五 0513-82100000")
    store = open_store(app.config["DATABASE"])
    d = docx.Document(io.BytesIO(store.documents.get(store.documents.issued(inc)[0]["id"])["content"]))
    s = d.sections[0]
    def mm(*lengths):  # Word keeps twentieths of a point: compare to a tenth of a millimetre
        return tuple(round(x.mm, 1) for x in lengths)
    assert mm(s.page_width, s.page_height) == (210, 297)
    assert mm(s.top_margin, s.left_margin, s.right_margin, s.bottom_margin) == (37, 28, 26, 35)
    body = next(p for p in d.paragraphs if p.text.startswith("依据《"))
    normal = d.styles["Normal"]                                      # the body's runs take the style's fonts
    assert body.runs[0].font.size is None and body.style.name == "Normal"
    assert normal.font.size == Pt(16) and normal.font.name == "Times New Roman"
    assert normal.element.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) == "仿宋_GB2312"
    spacing = body.paragraph_format.line_spacing or body.style.paragraph_format.line_spacing
    assert round(spacing.pt, 2) == 28.95                              # 22 lines on the 225 mm 版心
    title = next(p for p in d.paragraphs if p.text.startswith("关于"))
    assert title.runs[0].font.size == Pt(22)
    assert title.runs[0]._element.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) == "方正小标宋简体"
    assert "PAGE" in s.footer._element.xml and "PAGE" in s.even_page_footer._element.xml
    assert "演练" not in s.header._element.xml                        # a real incident's report is not marked
    store.close()


@pytest.mark.both_stores
def test_two_windows_issue_the_first_report_once(app, officer, clock):
    inc = report_incident(officer)
    other = signed_in(app, "指挥李四")
    _h, form = draft_form(officer, inc, "first")
    _h, form2 = draft_form(other, inc, "first")
    assert issue(officer, inc, form, signer="甲", contact="乙 0513-1").status_code == 302
    r = issue(other, inc, form2, signer="丙", contact="丁 0513-2")
    page = other.get(r.headers["Location"]).get_data(as_text=True)
    assert "未签发" in page and 'data-report-kind="first"' not in page  # back on the incident: the 首报 is out
    store = open_store(app.config["DATABASE"])
    assert [d["kind"] for d in store.documents.issued(inc)] == ["first"]
    assert sum(1 for e in store.incidents.events(inc) if e["trigger"] == "issue_report") == 1
    store.close()


def test_a_level_change_offers_a_numbered_progress_report_and_the_493_supplement(app, officer, clock):
    inc = with_first_report(app, officer)
    page = officer.get(f"/incidents/{inc}").get_data(as_text=True)
    assert 'data-report-kind="first"' not in page and 'data-report-kind="progress"' in page
    assert "建议报送" not in page                                      # nothing changed: offered, not called for
    clock.advance(minutes=20)
    store = open_store(app.config["DATABASE"])
    r = officer.post(f"/api/incidents/{inc}/events", json={"trigger": "update_facts", "expected_version": store.incidents.get(inc).version,
                                                         "payload": {"facts": {"deaths": 3}}},
                     headers={"X-CSRFToken": officer.csrf})
    assert r.status_code == 200, r.json
    offers = {o["kind"]: o for o in documents.offers(store.incidents.get(inc), store.plans.plan("work_safety"), clock.now(), store.plans)}
    assert offers["progress"]["due"] and offers["progress"]["name"] == "续报一"
    assert "级别已变化" in offers["progress"]["reason"] and "伤亡人数已变化" in offers["progress"]["reason"]
    assert offers["supplementary"]["clause"] == "493号第十三条"
    # the 补报 is the 区应急管理局's (493号第十三条, by the national rule): offered to it, never to the duty room
    for office, offered in (("区应急管理局", True), ("海门区政府总值班室", False)):
        kinds = {o["kind"] for o in documents.offers(store.incidents.get(inc), store.plans.plan("work_safety"), clock.now(),
                                                     store.plans, office)}
        assert ("supplementary" in kinds) is offered, office
    assert 'data-report-kind="supplementary"' not in officer.get(f"/incidents/{inc}").get_data(as_text=True)
    html, form = draft_form(officer, inc, "progress")
    assert "事故应急救援进展情况" in html and "5.4(6)" in html
    assert "经核实" in form["field-1"]                                # the progress since the 首报
    issue(officer, inc, form, signer="甲", contact="乙 0513-1")
    _h, form = draft_form(officer, inc, "progress")
    issue(officer, inc, form, signer="甲", contact="乙 0513-1")
    titles = [d["title"] for d in store.documents.issued(inc)]
    assert titles == ["关于某机械厂行车倒塌情况的报告（首报）", "关于某机械厂行车倒塌情况的报告（续报一）", "关于某机械厂行车倒塌情况的报告（续报二）"]
    second = body_text(store.documents.get(store.documents.issued(inc)[1]["id"])["content"])
    assert any("（III级）" in t for t in second)                        # the new level, stated in the 续报
    store.close()


def test_a_first_report_after_it_was_issued_is_refused(app, officer):
    inc = with_first_report(app, officer)
    r = officer.get(f"/incidents/{inc}/reports/new?kind=first")
    assert r.status_code == 302
    assert "现在不能起草这种报告（首报）" in officer.get(r.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("field, value", [("field-2", "地点\x00"), ("title", "标题\x0b"), ("signer", "\u202e李")])
def test_characters_that_break_xml_are_refused_naming_the_field(app, officer, field, value):
    inc = report_incident(officer)
    _h, form = draft_form(officer, inc, "first")
    r = issue(officer, inc, {**form, "signer": "甲", "contact": "乙 0513-1"}, **{field: value})
    page = officer.get(r.headers["Location"]).get_data(as_text=True)
    assert "不得含控制字符" in page and {"title": "标题：", "signer": "签发人："}.get(field, "地点") in page
    store = open_store(app.config["DATABASE"])
    assert store.documents.issued(inc) == []
    store.close()


def test_blank_header_lines_are_refused(app, officer):
    inc = report_incident(officer)
    _h, form = draft_form(officer, inc, "first")
    r = issue(officer, inc, {**form, "signer": "", "contact": "乙"})
    assert "签发人：签发前不能为空" in officer.get(r.headers["Location"]).get_data(as_text=True)


def test_an_observer_reads_reports_but_does_not_issue_them(app, officer):
    inc = with_first_report(app, officer)
    observer = signed_in(app, "观察员赵六")
    assert observer.get(f"/incidents/{inc}/reports/new?kind=progress").status_code == 403
    assert observer.post(f"/incidents/{inc}/reports", data={"kind": "progress", "csrf_token": observer.csrf}).status_code == 403
    store = open_store(app.config["DATABASE"])
    doc = store.documents.issued(inc)[0]["id"]
    assert observer.get(f"/documents/{doc}.docx").status_code == 200
    store.close()


@pytest.mark.both_stores
def test_an_issued_document_cannot_be_changed_or_removed(app, officer):
    inc = with_first_report(app, officer, signer="甲", contact="乙 0513-1")
    store = open_store(app.config["DATABASE"])
    for sql in ("UPDATE documents SET content = ?", "DELETE FROM documents WHERE content <> ?"):
        with pytest.raises(Exception, match="cannot be changed or removed"):
            with store.write() as db:
                db.execute(sql, [b"forged"])
    # inserting the same id again (SQLite's INSERT OR REPLACE, PostgreSQL's upsert) and TRUNCATE
    doc = store.documents.issued(inc)[0]["id"]
    columns = "id, incident_id, kind, sha256, content, draft, issued_at"
    replace = (f"INSERT OR REPLACE INTO documents ({columns}) VALUES (?, ?, 'first', 'x', ?, '{{}}', 'x')"
               if store.kind == "sqlite" else
               f"INSERT INTO documents ({columns}) VALUES (?, ?, 'first', 'x', ?, '{{}}', 'x') "
               "ON CONFLICT (id) DO UPDATE SET draft = EXCLUDED.draft")
    attempts = [(replace, [doc, inc, b"forged"])]
    if store.kind == "postgresql":
        attempts.append(("TRUNCATE documents", []))
    for sql, args in attempts:
        with pytest.raises(Exception, match="cannot be changed or removed"):
            with store.write() as db:
                db.execute(sql, args)
    assert documents.verify_documents(store, inc) == []
    store.close()


def test_a_drill_report_is_marked_in_its_title_and_on_every_page(app, officer):
    inc = report_incident(officer, drill=True)
    _h, form = draft_form(officer, inc, "first")
    issue(officer, inc, {**form, "title": "关于行车倒塌情况的报告（首报）"}, signer="甲", contact="乙 0513-1")  # 演练 cannot be typed away
    store = open_store(app.config["DATABASE"])
    row = store.documents.issued(inc)[0]
    d = docx.Document(io.BytesIO(store.documents.get(row["id"])["content"]))
    assert row["title"].startswith("【演练】") and row["filename"].startswith("演练-")
    assert any(p.text == "【演练】关于行车倒塌情况的报告（首报）" for p in d.paragraphs)
    section = d.sections[0]
    assert section.header.paragraphs[0].text == "演练" and section.even_page_header.paragraphs[0].text == "演练"
    store.close()


@pytest.mark.e2e  # Chromium prints it
def test_the_pdf_is_printed_by_chromium_with_the_same_text(app, officer):
    from pypdf import PdfReader
    app.config["PRINT_AT_ISSUE"] = True  # printed once, at issue, and kept
    inc = report_incident(officer)
    _h, form = draft_form(officer, inc, "first")
    long_text = "现场正在组织搜救，" * 120                                # long enough for a second page
    issue(officer, inc, form, signer="李局长", contact="王五 0513-82100000", **{"field-2": long_text})
    store = open_store(app.config["DATABASE"])
    doc = store.documents.issued(inc)[0]["id"]
    assert store.documents.get(doc)["pdf"] is not None                      # kept beside the .docx
    r = officer.get(f"/documents/{doc}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data == store.documents.get(doc)["pdf"]
    pdf = PdfReader(io.BytesIO(r.data))
    assert len(pdf.pages) >= 2
    text = unicodedata.normalize("NFKC", "".join(page.extract_text() for page in pdf.pages)).replace(" ", "").replace("\n", "")
    for expected in ("关于某机械厂行车倒塌情况的报告（首报）", "签发人：李局长", "（IV级）", "现场正在组织搜救"):
        assert in_pdf_text(expected, text), expected
    # real fonts embedded, no Type 3 bitmaps (what pdffonts would list)
    subtypes = {f.get_object().get("/Subtype") for page in pdf.pages for f in page["/Resources"]["/Font"].values()}
    assert "/Type3" not in subtypes and subtypes, subtypes
    # GB/T 9704 page numbers, as the .docx has them: "— 1 —" on the first page, "— 2 —" on the second
    for number, page in enumerate(pdf.pages[:2], 1):
        assert f"—{number}—" in unicodedata.normalize("NFKC", page.extract_text()).replace(" ", "")


@pytest.mark.e2e  # Chromium prints it
def test_a_drill_pdf_carries_its_mark_in_the_top_margin_of_every_page_never_over_the_text(app, officer):
    from pypdf import PdfReader
    app.config["PRINT_AT_ISSUE"] = True
    inc = report_incident(officer, drill=True)
    _h, form = draft_form(officer, inc, "first")
    issue(officer, inc, form, signer="甲", contact="乙 0513-1", **{"field-2": "现场正在组织搜救，" * 120})
    store = open_store(app.config["DATABASE"])
    pdf = PdfReader(io.BytesIO(store.documents.get(store.documents.issued(inc)[0]["id"])["pdf"]))
    store.close()
    top_margin = float(pdf.pages[0].mediabox.height) - 37 / 25.4 * 72      # GB/T 9704: the text starts 37 mm down
    assert len(pdf.pages) >= 2
    for number, page in enumerate(pdf.pages, 1):
        heights = []                                                             # where 演练 stands on the page
        page.extract_text(visitor_text=lambda text, cm, tm, *_, found=heights: found.append(cm[5] + tm[5])
                          if in_pdf_text("演练", text) else None)
        assert any(y > top_margin for y in heights), (number, heights)           # above the text, on every page


def in_pdf_text(expected: str, text: str) -> bool:
    """The Noto CJK font maps some glyphs back to radical code points (门 → U+2ED4) in the PDF's text layer:
    a character may come back as any radical, everything else exactly."""
    pattern = "".join(f"(?:{re.escape(ch)}|[\u2e80-\u2fdf])" for ch in unicodedata.normalize("NFKC", expected))
    return re.search(pattern, text) is not None
    store.close()


def test_the_pdf_refusal_names_what_is_missing(app, officer):
    """Without Chromium the report is issued all the same (the .docx is the document); its PDF, not printed at
    issue, is refused naming what is missing, and the Word file downloads."""
    app.config["CHROMIUM"] = "/nonexistent/chromium"
    inc = with_first_report(app, officer)
    store = open_store(app.config["DATABASE"])
    doc = store.documents.issued(inc)[0]["id"]
    r = officer.get(f"/documents/{doc}.pdf")
    assert r.status_code == 503 and "chromium" in r.get_data(as_text=True).lower()
    assert officer.get(f"/documents/{doc}.docx").status_code == 200
    store.close()


def test_a_pdf_printed_after_issue_is_kept_once_and_hashed(app, officer, monkeypatch):
    """A report issued while Chromium could not print gets its PDF at the first download, kept from then on: the
    second download is the same file (before, every download printed it again, unkept), its SHA-256 is in the
    audit chain, and a replaced kept PDF is named by verify."""
    from webui import report_pages
    app.config["CHROMIUM"] = "/nonexistent/chromium"
    inc = with_first_report(app, officer)
    prints = iter([b"%PDF-1.4 first print", b"%PDF-1.4 second print"])
    monkeypatch.setattr(report_pages, "print_pdf", lambda _html, _exe: next(prints))
    store = open_store(app.config["DATABASE"])
    doc = store.documents.issued(inc)[0]["id"]
    first, again = officer.get(f"/documents/{doc}.pdf"), officer.get(f"/documents/{doc}.pdf")
    assert first.status_code == again.status_code == 200
    assert first.data == again.data == b"%PDF-1.4 first print" == store.documents.get(doc)["pdf"]
    assert store.verify() == []
    kept = store.db.execute("SELECT detail FROM audit WHERE kind = 'document_pdf_kept' AND subject = ?",
                            [doc]).fetchall()
    assert len(kept) == 1
    with pytest.raises(Exception, match="cannot be changed"):
        store.db.execute("UPDATE document_pdfs SET pdf = ?", [b"%PDF-1.4 forged"])
    store.db.conn.rollback()
    store.db.execute("DROP TRIGGER document_pdfs_never_update")
    store.db.execute("UPDATE document_pdfs SET pdf = ?", [b"%PDF-1.4 forged"])
    store.db.conn.commit()
    assert any(doc in p["problem"] and "PDF printed after issue" in p["problem"] for p in store.verify())
    store.close()


def test_exports_of_the_timeline_notifications_and_board(app, officer):
    inc = with_first_report(app, officer)
    content = officer.get(f"/incidents/{inc}/timeline.docx").data
    timeline, rows = body_text(content), table_rows(content)
    assert timeline[0] == "某机械厂行车倒塌处置时间线" and rows[0] == ["时间", "步骤", "执行人", "状态", "内容"]
    issued = next(r for r in rows if r[1] == "签发书面报告")                       # the page's table, as a table
    assert not re.search(r"[0-9a-f]{64}", " ".join(issued)) and "见附录" in issued[4]   # no digest inside a row
    digests = [t for t in timeline if re.fullmatch(r"\d+\. [0-9a-f]{64}", t)]
    assert "附录：校验值（SHA-256）" in timeline and digests                        # each digest on its own line
    wb = openpyxl.load_workbook(io.BytesIO(officer.get(f"/incidents/{inc}/notifications.xlsx").data))
    rows = list(wb["报告事项"].iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "条款", "报告人", "报告对象") and len(rows) > 3
    assert isinstance(rows[1][6], datetime) and not any(inc in str(c) for r in rows for c in r)   # times, no ids
    issued = list(wb["书面报告"].iter_rows(values_only=True))
    assert issued[0][:4] == ("标题", "发文字号", "类别", "签发人")
    assert issued[1][0] == "关于某机械厂行车倒塌情况的报告（首报）" and issued[1][2] == "首报" and issued[1][3] == HEADER["signer"]
    board = openpyxl.load_workbook(io.BytesIO(officer.get("/incidents.xlsx").data)).active
    assert [r[0] for r in board.iter_rows(min_row=2, values_only=True)] == ["某机械厂行车倒塌"]


# ---------------------------------------------------------------- the engine, without the pages

HEADER = {"issuer": "海门区人民政府总值班室", "signer": "甲", "contact": "乙 0513-1"}


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "r.db"))
    yield s
    s.close()


def issue_kind(store, snap, kind, clock):
    plan = store.plans.plan_for(snap.plan, snap.plan_version)
    d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, kind, clock.now(), store.plans, HEADER)
    documents.issue(store, snap.id, d, "值班员张三", clock)
    return d


def test_a_final_report_is_offered_once_the_response_has_ended(store, clock):
    from emergency.services import incidents as svc
    snap = svc.report(store, {"plan": "labor_dispute", "title": "某建筑工地欠薪集体上访", "facts": {"petition": 600},
                              "occurred_at": "2026-12-02T09:00"}, "值班员张三", clock)
    plan = store.plans.plan("labor_dispute")
    assert snap.classified_level == "II"
    snap = svc.act(store, snap.id, "activate", snap.version, {"level": "II", "approved_by": "市长"}, "指挥李四", clock)
    issue_kind(store, snap, "first", clock)
    snap = store.incidents.get(snap.id)
    assert "final" not in {o["kind"] for o in documents.offers(snap, plan, clock.now(), store.plans)}
    for c in plan.termination.conditions:
        snap = svc.act(store, snap.id, "confirm_condition", snap.version, {"condition": c.id}, "指挥李四", clock)
    snap = svc.act(store, snap.id, "terminate", snap.version, {"declared_by": "总指挥", "approved_by": "市长"},
                   "指挥李四", clock)
    offers = {o["kind"] for o in documents.offers(snap, plan, clock.now(), store.plans)}
    assert offers == {"progress", "final"}                         # no 493号 补报: not a production-safety accident
    d = issue_kind(store, snap, "final", clock)
    labels = [s.label for s in d.sections if s.part == "fields"]
    assert labels == ["紧急事件的处置情况", "劳动者工资偿付情况", "遗留问题"]
    termination = next(s for s in d.sections if s.part == "termination").text
    assert re.search(r"已于.+确认", termination) and "尚未确认" not in termination
    assert d.title == "关于某建筑工地欠薪集体上访情况的报告（终报）"
    assert "final" not in {o["kind"] for o in documents.offers(store.incidents.get(snap.id), plan, clock.now(), store.plans)}


def test_the_493_supplement_reports_the_changed_casualties_within_30_days(store, clock):
    from emergency.services import incidents as svc
    snap = svc.report(store, {"plan": "hazardous_chemicals", "title": "某化工厂储罐泄漏", "facts": {"poisoned": 4},
                              "occurred_at": "2026-12-02T09:00"}, "值班员张三", clock)
    plan = store.plans.plan("hazardous_chemicals")
    issue_kind(store, snap, "first", clock)
    snap = svc.act(store, snap.id, "update_facts", store.incidents.get(snap.id).version, {"facts": {"deaths": 1}}, "值班员张三", clock)
    d = issue_kind(store, snap, "supplementary", clock)
    casualty = next(s for s in d.sections if s.label and "伤亡人数" in s.label)
    assert "死亡人数1人" in casualty.text and "中毒人数4人" in casualty.text
    assert d.basis[0]["clause"] == "493号第十三条"
    assert "supplementary" not in {o["kind"] for o in documents.offers(store.incidents.get(snap.id), plan, clock.now(), store.plans)}
    clock.advance(days=29, hours=22, minutes=30)                     # exactly 30 days after 09:00 on 12-02
    assert clock.now().isoformat() == "2027-01-01T09:00:00+08:00"
    snap = svc.act(store, snap.id, "update_facts", store.incidents.get(snap.id).version, {"facts": {"deaths": 2}}, "值班员张三", clock)
    assert "supplementary" in {o["kind"] for o in documents.offers(snap, plan, clock.now(), store.plans)}
    clock.advance(minutes=1)                                         # one minute later the national rule no longer asks
    offers = {o["kind"]: o for o in documents.offers(snap, plan, clock.now(), store.plans)}
    assert "supplementary" not in offers and offers["progress"]["due"]


def test_a_progress_report_says_every_graded_fact_that_moved_not_only_the_casualties(store, clock):
    """A labor petition of 120 that grows to 260 and blocks the road: its 续报 opens on the figure and the new
    circumstance (the plan grades by both), never on 级别和伤亡人数未发生变化."""
    from emergency.services import incidents as svc
    snap = svc.report(store, {"plan": "labor_dispute", "title": "某工地工人讨薪", "facts": {"petition": 120},
                              "occurred_at": "2026-12-02T09:00"}, "值班员张三", clock)
    issue_kind(store, snap, "first", clock)
    clock.advance(minutes=40)
    snap = svc.act(store, snap.id, "update_facts", store.incidents.get(snap.id).version,
                   {"facts": {"petition": 260, "traffic_blocking": "local"}}, "值班员张三", clock)
    d = issue_kind(store, snap, "progress", clock)
    assert "集体上访、请愿、静坐人数由120人增至260人" in d.opening and "扰乱交通秩序：拦截车辆、围堵交通" in d.opening, d.opening
    assert "未发生变化" not in d.opening
    snap = store.incidents.get(snap.id)
    d = documents.draft(snap, store.incidents.events(snap.id), store.plans.plan_for(snap.plan, snap.plan_version), "progress",
                        clock.now(), store.plans, HEADER)
    assert "级别和分级所依据的各项事实未发生变化" in d.opening, d.opening


def test_a_work_safety_supplement_carries_the_casualties_from_the_plans_progress_fields(store, clock):
    from emergency.services import incidents as svc
    snap = svc.report(store, {"plan": "work_safety", "title": "某机械厂行车倒塌", "facts": {"deaths": 1},
                              "occurred_at": "2026-12-02T09:00"}, "值班员张三", clock)
    issue_kind(store, snap, "first", clock)
    snap = svc.act(store, snap.id, "update_facts", store.incidents.get(snap.id).version, {"facts": {"serious_injuries": 4}}, "甲", clock)
    d = issue_kind(store, snap, "supplementary", clock)
    assert [(s.label, s.clause) for s in d.sections if s.part == "fields"] == [("时间", "5.1"), ("事故中人员伤亡、财产损失信息", "5.4(6)")]
    assert "重伤人数4人" in d.sections[1].text


def test_issue_report_cannot_be_sent_as_a_step(store, clock):
    from emergency.services import incidents as svc
    snap = svc.report(store, {"plan": "environment", "facts": {"deaths": 1}, "occurred_at": "2026-12-02T09:00"}, "甲", clock)
    with refused("trigger", "从报告草稿签发"):
        svc.act(store, snap.id, "issue_report", snap.version, {"sha256": "0" * 64}, "甲", clock)
    assert documents.offers(snap, store.plans.plan("environment"), clock.now(), store.plans)[0]["kind"] == "first"


def test_a_stored_value_with_control_characters_still_makes_a_valid_docx():
    d = documents.Draft(incident_id="inc-1", plan="environment", plan_title="预案", kind="first", number=1, name="首报",
                        title="标题\x00", drill=False, version=1, date="2026-12-02T09:00:00+08:00", issuer="单位\x1f",
                        signer="甲", contact="乙", opening="导语\x08",
                        sections=[documents.Section(id="field-1", part="fields", label="地点", text="河道\x0c下游")])
    text = body_text(documents.docx_file(d))
    assert "标题" in text and "（一）地点：河道下游" in text


def test_verify_finds_a_kept_file_that_no_longer_matches_its_hash(store, clock):
    """Tamper evidence (SQLite file edited around the service, the trigger dropped first)."""
    from emergency.services import incidents as svc
    snap = svc.report(store, {"plan": "environment", "title": "河道污染", "facts": {"deaths": 1},
                              "occurred_at": "2026-12-02T09:00"}, "甲", clock)
    issue_kind(store, snap, "first", clock)
    assert store.verify() == []
    store.db.execute("DROP TRIGGER documents_never_update")
    store.db.execute("UPDATE documents SET content = ?", [b"a forged file"])
    store.db.conn.commit()
    [problem] = store.verify()
    assert problem["incident_id"] == snap.id and "does not match" in problem["problem"]
    assert documents.verify_documents(store, snap.id) == [problem["problem"]]


def test_verify_names_a_document_whose_text_or_pdf_was_replaced_under_an_unchanged_file(store, clock):
    """The print page and the PDF are made from the kept draft, so its hash is in the issue event, and
    so is the PDF's (printed once at issue). Replacing either, the file untouched, is named by verify."""
    from emergency.services import incidents as svc
    snap = svc.report(store, {"plan": "environment", "title": "河道污染", "facts": {"deaths": 1},
                              "occurred_at": "2026-12-02T09:00"}, "甲", clock)
    plan = store.plans.plan_for(snap.plan, snap.plan_version)
    d = documents.draft(store.incidents.get(snap.id), store.incidents.events(snap.id), plan, "first", clock.now(), store.plans, HEADER)
    issued = documents.issue(store, snap.id, d, "值班员张三", clock, render_pdf=lambda _d: b"%PDF-1.4 the issued print")
    row = store.documents.get(issued["document_id"])
    assert row["pdf"] == b"%PDF-1.4 the issued print" and store.verify() == []
    store.db.execute("DROP TRIGGER documents_never_update")
    forged = row["draft"].replace("河道污染", "无事发生")
    store.db.execute("UPDATE documents SET draft = ?, pdf = ?", [forged, b"%PDF-1.4 forged"])
    store.db.conn.commit()
    problems = [p["problem"] for p in store.verify()]
    doc = issued["document_id"]
    assert any(doc in p and "kept text (draft)" in p for p in problems)
    assert any(doc in p and "kept PDF" in p for p in problems)


def test_a_drills_after_action_report_and_improvement_plan_are_word_files_marked_drill(app, clock):
    from emergency.services import drill_runs as dr
    store = open_store(app.config["DATABASE"])
    drill = dr.create_drill(store, "hc-tank-leak", "导调王五", clock)
    dr.control(store, drill["id"], "start", clock)
    dr.control(store, drill["id"], "speed", clock, speed=60)
    clock.advance(seconds=10)                                        # 10 simulated minutes: deadlines are missed
    dr.advance(store, drill["id"], clock)
    drill = dr.control(store, drill["id"], "finish", clock)
    store.improvements.add({"drill_id": drill["id"], "plan": "hazardous_chemicals", "clause": "3.1",
                            "finding": "未立即报告110", "owner": "区应急管理局", "due": "2027-01-31", "status": "open",
                            "created_by": "导调王五", "created_at": "2026-12-02T11:00:00+08:00"})
    controller = signed_in(app, "导调王五")
    for url, title in ((f"/drills/{drill['id']}/report.docx", "评估报告"), (f"/drills/{drill['id']}/improvements.docx", "整改计划")):
        r = controller.get(url)
        assert r.status_code == 200 and "%E6%BC%94%E7%BB%83" in r.headers["Content-Disposition"]  # 演练- in the name
        d = docx.Document(io.BytesIO(r.data))
        assert d.paragraphs[0].text.startswith("【演练】") and d.paragraphs[0].text.endswith(title)
        section = d.sections[0]
        assert section.header.paragraphs[0].text == "演练" and section.even_page_header.paragraphs[0].text == "演练"
        assert ["1", "未立即报告110", "3.1", "区应急管理局", "2027-01-31", "未完成"] in table_rows(r.data)  # a table
        assert d.tables[0].rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None      # its head on every page
    report = [p.text for p in docx.Document(io.BytesIO(controller.get(f"/drills/{drill['id']}/report.docx").data)).paragraphs]
    # each deadline judged at the drill's end (10 simulated minutes after the 02:30 receipt)
    # scored for the controller's office (the duty room): the bureau's and 110's items are listed with what is known
    assert ("他方事项：110公安指挥中心、119消防指挥中心向区应急管理局报告（不限方式，3.1）——区应急管理局：未记录获知情况。"
            in report)
    assert not any("原文" in p for p in report), [p for p in report if "原文" in p]
    # a controller of the bureau reads the same drill scored on the bureau's own items: the 493号 report is its own
    from emergency.services.users import set_unit
    set_unit(store, "导调王五", "区应急管理局", clock)
    bureau = signed_in(app, "导调王五")
    body = bureau.get(f"/drills/{drill['id']}/report.docx").data
    report = body_text(body)
    assert ["南通市应急管理局", "不限方式", "493号第十条、第十一条", "未到时限，尚余110分钟", "—"] in table_rows(body)
    assert "演练结束时仍未确定响应级别（事实对应IV级，1.4(4)）" in report
    store.close()


@pytest.mark.e2e  # Chromium photographs the chart
def test_the_after_action_reports_word_file_carries_the_pages_time_line_as_a_picture(app, clock):
    """The Word report carries the chart the page draws, photographed from the page's own markup: a PNG the width of
    the type area, its caption under it saying what each mark means; the page keeps its chart as drawn markup."""
    from emergency.services import drill_runs as dr
    store = open_store(app.config["DATABASE"])
    drill = dr.create_drill(store, "hc-tank-leak", "导调王五", clock)
    dr.control(store, drill["id"], "start", clock)
    dr.control(store, drill["id"], "speed", clock, speed=60)
    clock.advance(seconds=10)
    dr.advance(store, drill["id"], clock)
    drill = dr.control(store, drill["id"], "finish", clock)
    app.config["CHART_PICTURES"] = True
    controller = signed_in(app, "导调王五")
    page = controller.get(f"/drills/{drill['id']}/report").get_data(as_text=True)
    assert page.count('<svg class="chart"') == 1
    body = controller.get(f"/drills/{drill['id']}/report.docx").data
    d = docx.Document(io.BytesIO(body))
    shapes = d.inline_shapes
    assert len(shapes) == 1 and round(shapes[0].width.mm) == 156
    blob = d.part.related_parts[shapes[0]._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(blob[16:20], "big"), int.from_bytes(blob[20:24], "big")
    assert width == 2000 and height == 2 * (40 + 40 * 1 + 30 + 40)    # one incident's row, the legend under it
    texts = [p.text for p in d.paragraphs]
    caption = texts.index(exports.CHART_CAPTION)
    assert d.paragraphs[caption - 1].runs[0]._element.xpath(".//pic:pic")  # the caption right under its picture
    store.close()


def test_the_preview_is_the_page_issued_and_a_change_after_it_is_refused(app, officer):
    """预览 shows the report as it will be issued (the print page), every 待核实 marked; 签发 from the
    preview issues that, and a draft that no longer matches what was previewed is refused, nothing issued."""
    inc = report_incident(officer)
    _h, form = draft_form(officer, inc, "first")
    form = {**form, "signer": "张某某", "contact": "李某 0513-00000000"}
    page = officer.post(f"/incidents/{inc}/reports/preview", data={**form, "csrf_token": officer.csrf})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="letterhead"' in html and 'id="preview-bar"' in html
    assert html.count('class="unverified"') >= 1 and "项“待核实”，已标出" in html
    assert "（本报告内容依据《海门市安全生产事故应急预案（修订版）》5.1。）" in html   # one line, not the quotations
    digest = re.search(r'name="previewed" value="([0-9a-f]{64})"', html).group(1)
    changed = issue(officer, inc, {**form, "previewed": digest}, signer="王某某")  # edited after the preview
    assert "预览之后报告内容已有变化" in officer.get(changed.headers["Location"]).get_data(as_text=True)
    store = open_store(app.config["DATABASE"])
    assert store.documents.issued(inc) == []
    store.close()
    back = issue(officer, inc, {**form, "previewed": digest, "back": "1"})           # 返回修改 keeps what was typed
    assert 'value="张某某"' in officer.get(back.headers["Location"]).get_data(as_text=True)
    unseen = officer.post(f"/incidents/{inc}/reports", data={**form, "csrf_token": officer.csrf})  # no preview
    assert "请先预览" in officer.get(unseen.headers["Location"]).get_data(as_text=True)
    done = issue(officer, inc, {**form, "previewed": digest})
    assert "已签发" in officer.get(done.headers["Location"]).get_data(as_text=True)
    store = open_store(app.config["DATABASE"])
    text = [p.text for p in docx.Document(io.BytesIO(store.documents.get(store.documents.issued(inc)[0]["id"])["content"])).paragraphs]
    store.close()
    assert not any(p.startswith(("（本报告内容依据《", "5.1：")) for p in text)


@pytest.mark.both_stores
def test_the_addressee_and_copy_lines_are_remembered_per_office_and_kind(app, officer, clock):
    """The 主送 and 抄送 an office used for a kind of report are offered on its next draft of that
    kind under the same plan — to any officer of the office, not to another office, nor under another plan (the plans
    address different bodies); 抄送 prints in the 版记."""
    inc = report_incident(officer)
    _h, form = draft_form(officer, inc, "first")
    issue(officer, inc, form, signer="张某某", contact="李某 0513-00000000", addressee="海门区人民政府",
          copy_to="区应急管理局、海门区公安局")
    store = open_store(app.config["DATABASE"])
    text = [p.text for p in docx.Document(io.BytesIO(store.documents.get(store.documents.issued(inc)[0]["id"])["content"])).paragraphs]
    assert "抄送：区应急管理局、海门区公安局。" in text and text[-1].endswith("印发")
    add_user(store, "值班员周九", "duty_officer", PASSWORD, clock)                       # the same office (duty room)
    add_user(store, "应急局值班员孙八", "duty_officer", PASSWORD, clock, unit="区应急管理局")
    store.close()
    colleague = signed_in(app, "值班员周九")
    html, form = draft_form(colleague, report_incident(colleague), "first")
    assert form["addressee"] == "海门区人民政府" and form["copy_to"] == "区应急管理局、海门区公安局"
    other = signed_in(app, "应急局值班员孙八")
    _html, form = draft_form(other, report_incident(other), "first")
    # not the duty room's lines: the bureau's own — 主送 whom its items report to, 抄送 whom 493号第十条 has it inform
    assert form["addressee"] != "海门区人民政府" and form["copy_to"] == "海门区公安局、区人社局、区总工会、海门区人民检察院"
    _html, form = draft_form(colleague, report_incident(colleague, plan="environment"), "first")
    assert form["copy_to"] == "" and form["addressee"] != "海门区人民政府"         # another plan: its own lines


def test_the_signature_keeps_with_the_last_line_of_the_body_in_the_word_file(app, officer):
    """GB/T 9704 7.3.5: the 署名 and 成文日期 never stand alone on a page — the last body line keeps with them."""
    inc = report_incident(officer)
    _h, form = draft_form(officer, inc, "first")
    issue(officer, inc, form, signer="张某某", contact="李某 0513-00000000")
    store = open_store(app.config["DATABASE"])
    paragraphs = docx.Document(io.BytesIO(store.documents.get(store.documents.issued(inc)[0]["id"])["content"])).paragraphs
    store.close()
    signature = next(i for i, p in enumerate(paragraphs) if p.text == "海门区应急管理局（测试）" and i > 5)
    last_body = max(i for i in range(signature) if paragraphs[i].text.strip())
    assert all(paragraphs[i].paragraph_format.keep_with_next for i in range(last_body, signature + 1))


def test_a_field_of_several_lines_reads_the_same_in_the_docx_and_the_printed_page(app, officer):
    """A field typed on three lines (the course of the rescue, as an officer writes it) is three paragraphs in the
    .docx and three in the page the PDF is printed from — never a blank line in one and a space in the other."""
    import html as html_lib
    import re as re_lib
    inc = report_incident(officer)
    _html, form = draft_form(officer, inc, "first")
    assert issue(officer, inc, form, signer="李局长", contact="王五 0513-82100000",
                 **{"field-2": "海门港新区某机械厂\n二号车间东侧\n行车轨道下方"}).status_code == 302
    store = open_store(app.config["DATABASE"])
    [row] = store.documents.issued(inc)
    words = body_text(store.documents.get(row["id"])["content"])
    printed = officer.get(f"/documents/{row['id']}").get_data(as_text=True)
    paragraphs = [html_lib.unescape(re_lib.sub(r"<[^>]+>", "", p)).strip()
                  for p in re_lib.findall(r"<p[^>]*>(.*?)</p>", printed, re_lib.S)]
    lines = ["（二）地点：海门港新区某机械厂", "二号车间东侧", "行车轨道下方"]
    at = words.index(lines[0])
    assert words[at:at + 3] == lines
    at = paragraphs.index(lines[0])
    assert paragraphs[at:at + 3] == lines


@pytest.mark.parametrize("unit, plan, facts, addressee, copy_to", [
    # the duty room's own 2.2.3(1) item: 区委、区政府 — never the recipients of another party's report
    (None, "hazardous_chemicals", {"deaths": 2}, "区委、海门区政府", ""),
    # the bureau reports up (493号第十条, 3.6) and informs the four bodies alongside: they are 抄送
    ("区应急管理局", "hazardous_chemicals", {"deaths": 2}, "南通市应急管理局、南通市政府",
     "海门区公安局、区人社局、区总工会、海门区人民检察院"),
    # the duty room has no written item of its own in the labor plan: the officer writes it (remembered after)
    (None, "labor_dispute", {"petition": 120}, "", ""),
])
def test_a_draft_is_addressed_from_the_issuing_offices_own_items(app, clock, unit, plan, facts, addressee, copy_to):
    """主送 once defaulted to 区应急管理局、海门区安委办（设在区应急管理局）— the recipients of another party's report, with
    a bracket no 主送 carries. Now: the bodies the issuing office itself reports to, without notes."""
    name = "值班员张三"
    if unit:
        store = open_store(app.config["DATABASE"])
        name = "应急局值班员孙八"
        add_user(store, name, "duty_officer", PASSWORD, clock, unit=unit)
        store.close()
    client = signed_in(app, name)
    inc = report_incident(client, plan=plan, **facts)
    _html, form = draft_form(client, inc, "first")
    assert (form["addressee"], form["copy_to"]) == (addressee, copy_to)
    assert "（" not in form["addressee"]


def test_the_signer_and_contact_are_remembered_for_the_office_not_one_browser(app, officer, clock):
    """签发人 and 联系人 lived in one browser session: a colleague's 续报 began blank. They are the office's now."""
    inc = report_incident(officer)
    _h, form = draft_form(officer, inc, "first")
    issue(officer, inc, form, signer="李局长", contact="王五 0513-82100000")
    store = open_store(app.config["DATABASE"])
    add_user(store, "值班员周九", "duty_officer", PASSWORD, clock)                       # the same office, another browser
    snap = store.incidents.get(inc)
    from emergency.services import incidents as svc
    svc.act(store, inc, "update_facts", snap.version, {"facts": {"deaths": 2, "serious_injuries": 2}}, "值班员张三", clock)
    store.close()
    colleague = signed_in(app, "值班员周九")
    _html, form = draft_form(colleague, inc, "progress")
    assert (form["signer"], form["contact"]) == ("李局长", "王五 0513-82100000")


def test_a_report_downloads_under_its_number_and_title_with_an_ascii_name_beside(app, officer):
    """The file fell back to inc-…-首报.docx: it is named as the office would name it (发文字号 and title), and a
    browser that cannot read Chinese gets a non-empty ASCII name."""
    from urllib.parse import unquote
    inc = report_incident(officer)
    _h, form = draft_form(officer, inc, "first")
    issue(officer, inc, form, signer="李局长", contact="王五 0513-82100000")
    store = open_store(app.config["DATABASE"])
    [row] = store.documents.issued(inc)
    store.close()
    for ext in ("docx", "pdf"):
        got = officer.get(f"/documents/{row['id']}.{ext}")
        if got.status_code != 200:          # the PDF needs Chromium (the browser tier prints it)
            continue
        header = got.headers["Content-Disposition"]
        ascii_name = re.search(r'filename="([^"]+)"', header).group(1)
        assert ascii_name.isascii() and ascii_name.startswith("report-first-") and ascii_name.endswith(f".{ext}")
        name = unquote(re.search(r"filename\*=UTF-8''([^;]+)", header).group(1))
        assert name.endswith(f"关于某机械厂行车倒塌情况的报告（首报）.{ext}") and inc not in name, name


def test_an_issued_reports_file_says_who_made_it_when_in_chinese(app, officer):
    """The .docx's own properties are the report's, not python-docx's (its author, a 2013 date, en-US)."""
    inc = with_first_report(app, officer, issuer="海门区人民政府总值班室")
    store = open_store(app.config["DATABASE"])
    props = docx.Document(io.BytesIO(store.documents.get(store.documents.issued(inc)[0]["id"])["content"])).core_properties
    store.close()
    assert props.title == "关于某机械厂行车倒塌情况的报告（首报）" and props.author == "海门区人民政府总值班室"
    assert props.language == "zh-CN" and "python-docx" not in (props.last_modified_by + props.comments)
    assert props.created.year == 2026 and props.created.strftime("%m-%d") in ("12-01", "12-02")   # the day, in UTC
