"""Word documents in the layout of GB/T 9704-2012 党政机关公文格式, with python-docx.

What the standard fixes and is applied here:
- A4 (210 × 297 mm); 天头 (top margin) 37 mm, 订口 (left) 28 mm, 版心 156 × 225 mm, so right 26 mm and bottom 35 mm;
- 正文 in 3号 (16 pt) 仿宋, 22 lines a page (line pitch 225 mm / 22 = 28.95 pt), the first line indented two characters;
- 发文机关标志 in 小标宋, red, centred; a red 版头 separator line beneath the number line;
- 签发人 on the number line: "签发人：" in 3号仿宋, the name in 3号楷体;
- 标题 in 2号 (22 pt) 小标宋, centred; 主送机关 in 3号仿宋 flush left;
- headings 一、 in 黑体, （一） in 楷体; 附注 in parentheses indented two characters;
- page numbers in 4号 (14 pt) 宋体 as "— 1 —", odd pages right and even pages left, one character in.

The fonts are named as the standard names them (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体, 宋体); Word substitutes
its own where a font is absent. Latin letters and digits are in Times New Roman. A drill's document carries 演练 in
the header of every page (odd and even).
"""
from __future__ import annotations

import io
from datetime import UTC, datetime

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from emergency.core.clock import TZ

TITLE_FONT, BODY_FONT, KAI_FONT, HEI_FONT, SONG_FONT = "方正小标宋简体", "仿宋_GB2312", "楷体_GB2312", "黑体", "宋体"
LATIN = "Times New Roman"
SIZE_2, SIZE_3, SIZE_4, SIZE_5 = Pt(22), Pt(16), Pt(14), Pt(10.5)
LINE_PITCH = Pt(28.95)
RED = RGBColor(0xD0, 0x00, 0x00)
DRILL_MARK = "演练"


def _fonts(run, east_asian: str, size, bold: bool = False, colour: RGBColor | None = None) -> None:
    """The run's fonts where they differ from the body's (the Normal style: 3号仿宋, Times New Roman for Latin)."""
    if (east_asian, size, bold, colour) == (BODY_FONT, SIZE_3, False, None):
        return  # the style says it: a long report stays quick to build
    run.font.name = LATIN
    run.font.size = size
    if bold:
        run.font.bold = True
    r_pr = run._element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, r_fonts)
    r_fonts.set(qn("w:eastAsia"), east_asian)
    if colour is not None:
        run.font.color.rgb = colour


class OfficialDocument:
    def __init__(self, drill: bool = False):
        self.doc = Document()
        self.drill = drill
        # python-docx's template says its own author, a 2013 date and en-US: none of that is this document's
        props = self.doc.core_properties
        props.author = props.last_modified_by = props.comments = props.keywords = props.subject = ""
        props.language, props.revision, props.category = "zh-CN", 1, "公文"
        for stale in ("dcterms:created", "dcterms:modified", "cp:lastPrinted"):    # no date is better than 2013's
            found = props._element.find(qn(stale))
            if found is not None:
                props._element.remove(found)
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.left_margin = Mm(37), Mm(28)
        section.right_margin, section.bottom_margin = Mm(26), Mm(35)
        section.header_distance, section.footer_distance = Mm(15), Mm(28)
        section.start_type = WD_SECTION.NEW_PAGE
        normal = self.doc.styles["Normal"]
        normal.font.name, normal.font.size = LATIN, SIZE_3
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
        fmt = normal.paragraph_format
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE_PITCH
        fmt.space_before = fmt.space_after = Pt(0)
        self.doc.settings.odd_and_even_pages_header_footer = True
        self._page_numbers(section)
        if drill:
            for header in (section.header, section.even_page_header):
                p = header.paragraphs[0]
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _fonts(p.add_run(DRILL_MARK), HEI_FONT, SIZE_3, bold=True, colour=RED)

    # ------------------------------------------------------------ page furniture
    @staticmethod
    def _page_field(paragraph) -> None:
        _fonts(paragraph.add_run("— "), SONG_FONT, SIZE_4)
        run = paragraph.add_run()
        _fonts(run, SONG_FONT, SIZE_4)
        for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
            if kind:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            elif text == "PAGE":
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = " PAGE "
            else:
                el = OxmlElement("w:t")
                el.text = text
            run._element.append(el)
        _fonts(paragraph.add_run(" —"), SONG_FONT, SIZE_4)

    def _page_numbers(self, section) -> None:
        for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
            p = footer.paragraphs[0]
            p.alignment = align
            if align == WD_ALIGN_PARAGRAPH.RIGHT:
                p.paragraph_format.right_indent = SIZE_4
            else:
                p.paragraph_format.left_indent = SIZE_4
            self._page_field(p)

    # ------------------------------------------------------------ blocks
    def _para(self, align=None, first_indent=None):
        p = self.doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if first_indent is not None:
            p.paragraph_format.first_line_indent = first_indent
        return p

    def letterhead(self, issuer: str) -> None:
        p = self._para(WD_ALIGN_PARAGRAPH.CENTER)
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        p.paragraph_format.space_after = Pt(12)
        _fonts(p.add_run(issuer), TITLE_FONT, Pt(36), colour=RED)

    def number_line(self, name: str, signer: str) -> None:
        """The document's name (首报 / 续报二) on the left, 签发人 on the right, and the red separator beneath."""
        p = self._para()
        p.paragraph_format.left_indent = p.paragraph_format.right_indent = SIZE_3
        p.paragraph_format.tab_stops.add_tab_stop(Mm(156) - SIZE_3 * 2, alignment=2)  # 2: right-aligned tab
        _fonts(p.add_run(name), BODY_FONT, SIZE_3)
        _fonts(p.add_run("\t签发人："), BODY_FONT, SIZE_3)
        _fonts(p.add_run(signer), KAI_FONT, SIZE_3)
        p_pr = p._element.get_or_add_pPr()
        border = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", "D00000")):
            bottom.set(qn(key), value)
        border.append(bottom)
        p_pr.append(border)
        self._para()

    def title(self, text: str) -> None:
        self.doc.core_properties.title = text
        p = self._para(WD_ALIGN_PARAGRAPH.CENTER)
        p.paragraph_format.line_spacing = Pt(35)
        _fonts(p.add_run(text), TITLE_FONT, SIZE_2)
        self._para()

    def addressee(self, text: str) -> None:
        _fonts(self._para().add_run(text), BODY_FONT, SIZE_3)

    def heading(self, text: str) -> None:
        _fonts(self._para(first_indent=SIZE_3 * 2).add_run(text), HEI_FONT, SIZE_3)

    def field(self, lead: str, text: str) -> None:
        p = self._para(first_indent=SIZE_3 * 2)
        _fonts(p.add_run(lead), KAI_FONT, SIZE_3)
        _fonts(p.add_run(text), BODY_FONT, SIZE_3)

    def paragraph(self, text: str) -> None:
        _fonts(self._para(first_indent=SIZE_3 * 2).add_run(text), BODY_FONT, SIZE_3)

    def table(self, head: list[str], rows: list[list[str]], widths_mm: list[float] | None = None) -> None:
        """A table where the page has one: ruled, the head row bold and repeated on every page, 5号 text at single
        spacing (a table is read across, not as body text); ``widths_mm``: each column's width."""
        table = self.doc.add_table(rows=1, cols=len(head))
        table.style = "Table Grid"
        for cells in [head, *rows]:
            row = table.rows[0] if cells is head else table.add_row()
            for cell, text in zip(row.cells, cells, strict=True):
                p = cell.paragraphs[0]
                p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                p.paragraph_format.first_line_indent = Pt(0)
                _fonts(p.add_run(str(text)), HEI_FONT if cells is head else BODY_FONT, SIZE_5)
        header = table.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        header.append(repeat)
        if widths_mm:        # the grid and every cell: Word reads the cells', LibreOffice the grid
            table.autofit = False
            for column, width in zip(table.columns, widths_mm, strict=True):
                column.width = Mm(width)
            for row in table.rows:
                for cell, width in zip(row.cells, widths_mm, strict=True):
                    cell.width = Mm(width)
        self._para()

    def picture(self, png: bytes, width_mm: float, caption: str) -> None:
        """A picture the width of ``width_mm``, centred, its caption (图题) under it in 5号 and kept with it."""
        p = self._para(WD_ALIGN_PARAGRAPH.CENTER)
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE   # the fixed body line would clip the picture
        p.paragraph_format.first_line_indent = Pt(0)
        p.paragraph_format.keep_with_next = True
        p.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))
        _fonts(self._para(WD_ALIGN_PARAGRAPH.CENTER).add_run(caption), BODY_FONT, SIZE_5)

    def appendix(self, title: str, lines: list[str]) -> None:
        """An appendix of machine strings (SHA-256 digests): each on one line in a monospaced font, never wrapped
        inside a sentence."""
        if not lines:
            return
        _fonts(self._para().add_run(title), HEI_FONT, SIZE_4)
        for line in lines:
            p = self._para()
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            run = p.add_run(line)
            run.font.name, run.font.size = "Courier New", Pt(8)
            run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), SONG_FONT)

    def signature(self, issuer: str, date: str) -> None:
        """署名 and 成文日期, never alone on a page (GB/T 9704 7.3.5): the last line of the body keeps with them."""
        if self.doc.paragraphs:
            self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        self._para().paragraph_format.keep_with_next = True
        for text in (issuer, date):
            p = self._para(WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.right_indent = SIZE_3 * 4   # 成文日期右空四字; the signature centred above it
            p.paragraph_format.keep_with_next = text == issuer
            _fonts(p.add_run(text), BODY_FONT, SIZE_3)

    def note(self, text: str) -> None:
        if text:
            _fonts(self._para(first_indent=SIZE_3 * 2).add_run(text), BODY_FONT, SIZE_3)

    def copy_to(self, names: str) -> None:
        """版记's 抄送机关 (GB/T 9704 7.4.2): 4号, one character in, under a rule, ending in 。"""
        if not names:
            return
        p = self._para(first_indent=SIZE_4)
        p.paragraph_format.space_before = Pt(14)
        _fonts(p.add_run(f"抄送：{names.rstrip('。')}。"), BODY_FONT, SIZE_4)

    def properties(self, author: str, made: datetime | None) -> None:
        """The file's own properties, as a records system reads them: who made it (the issuing office) and when."""
        props = self.doc.core_properties
        props.author = props.last_modified_by = author
        if made is not None:      # the file keeps UTC; a date alone is the day in Asia/Shanghai
            local = made if made.tzinfo else made.replace(tzinfo=TZ)
            props.created = props.modified = local.astimezone(UTC).replace(tzinfo=None)

    def bytes(self) -> bytes:
        buf = io.BytesIO()
        self.doc.save(buf)
        return buf.getvalue()
