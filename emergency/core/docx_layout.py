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
from emergency.core.wording import char_width

TITLE_FONT, BODY_FONT, KAI_FONT, HEI_FONT, SONG_FONT = "方正小标宋简体", "仿宋_GB2312", "楷体_GB2312", "黑体", "宋体"
LATIN = "Times New Roman"
SIZE_2, SIZE_3, SIZE_4, SIZE_5 = Pt(22), Pt(16), Pt(14), Pt(10.5)
LINE_PITCH = Pt(28.95)
RED = RGBColor(0xD0, 0x00, 0x00)
DRILL_MARK = "演练"
# The named paragraph styles of a 公文 (GB/T 9704 names its elements so): font, size, outline level (None: body text)
STYLES = {"发文机关标志": (TITLE_FONT, Pt(36), None), "发文字号": (BODY_FONT, SIZE_3, None),
          "公文标题": (TITLE_FONT, SIZE_2, None), "主送机关": (BODY_FONT, SIZE_3, None), "一级标题": (HEI_FONT, SIZE_3, 0),
          "署名": (BODY_FONT, SIZE_3, None), "成文日期": (BODY_FONT, SIZE_3, None), "附注": (BODY_FONT, SIZE_3, None),
          "版记": (BODY_FONT, SIZE_4, None)}


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


# The order WordprocessingML gives the children of a paragraph's and a table's properties: Word refuses a file
# whose elements are out of it ("unreadable content"), so an element python-docx has no method for goes in its place.
P_PR_ORDER = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
              "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
              "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
              "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
              "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")
TBL_PR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
                "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook")


def _put(parent, element, order: tuple[str, ...]) -> None:
    """``element`` into ``parent`` in the schema's ``order``, replacing one of its kind."""
    name = element.tag.rsplit("}", 1)[-1]
    old = parent.find(qn(f"w:{name}"))
    if old is not None:
        parent.replace(old, element)
        return
    later = order[order.index(name) + 1:]
    for child in parent:
        if child.tag.rsplit("}", 1)[-1] in later:
            child.addprevious(element)
            return
    parent.append(element)


def _snap_off(paragraph) -> None:
    """The paragraph off the document's character grid (a title, the letterhead, the 版记 keep their own sizes)."""
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    _put(paragraph._element.get_or_add_pPr(), snap, P_PR_ORDER)


# 28 characters × 22 lines (GB/T 9704 5.2.2). The 22 lines are the section's line grid (linePitch in twentieths of a
# point). The 28 characters are the body's character spacing, 3号 (16 pt) less 0.25 pt (156 mm / 28 = 15.79 pt a
# character): a grid of characters finer than the font (Word's linesAndChars with a negative charSpace) is laid out
# by LibreOffice at two cells a character, 17 characters a line, while spacing is honoured alike by both.
GRID_LINE_PITCH = round(LINE_PITCH.pt * 20)
CHARACTER_SPACING = -5          # twentieths of a point
R_PR_ORDER = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
              "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w",
              "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign",
              "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath")


COPY_TO_CHARS = 30     # 4号 (14 pt) characters on the 抄送 line: 156 mm less the one character it stands in


def _wrapped(text: str, first: int, rest: int) -> list[str]:
    """``text`` in lines of at most ``first`` then ``rest`` characters (a Latin letter or digit half of one)."""
    lines, line, width, limit = [], "", 0.0, first
    for ch in text:
        w = char_width(ch)
        if width + w > limit and line:
            lines.append(line)
            line, width, limit = "", 0.0, rest
        line += ch
        width += w
    return [*lines, line] if line else lines


class OfficialDocument:
    def __init__(self, drill: bool = False):
        self.doc = Document()
        self.drill = drill
        self._properties_of_its_own()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.left_margin = Mm(37), Mm(28)
        section.right_margin, section.bottom_margin = Mm(26), Mm(35)
        section.header_distance, section.footer_distance = Mm(15), Mm(28)
        section.start_type = WD_SECTION.NEW_PAGE
        grid = section._sectPr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            section._sectPr.append(grid)
        grid.attrib.pop(qn("w:charSpace"), None)
        for key, value in (("w:type", "lines"), ("w:linePitch", str(GRID_LINE_PITCH))):
            grid.set(qn(key), value)
        self._body_style()
        self._styles()
        self.doc.settings.odd_and_even_pages_header_footer = True
        self._page_numbers(section)
        if drill:
            for header in (section.header, section.even_page_header):
                p = header.paragraphs[0]
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _fonts(p.add_run(DRILL_MARK), HEI_FONT, SIZE_3, bold=True, colour=RED)

    def _properties_of_its_own(self) -> None:
        """python-docx's template says its own author, a 2013 date, en-US and carries a thumbnail: none of that is
        this document's."""
        props = self.doc.core_properties
        props.author = props.last_modified_by = props.comments = props.keywords = props.subject = ""
        props.language, props.revision, props.category = "zh-CN", 1, "公文"
        for stale in ("dcterms:created", "dcterms:modified", "cp:lastPrinted"):    # no date is better than 2013's
            found = props._element.find(qn(stale))
            if found is not None:
                props._element.remove(found)
        for rel_id, rel in list(self.doc.part.package.rels.items()):
            if rel.reltype.endswith("/thumbnail"):
                self.doc.part.package.rels.pop(rel_id)

    def _body_style(self) -> None:
        """The Normal style is the body: 3号仿宋 (Times New Roman for Latin), zh-CN, 28 characters on 22 exact lines;
        the document's defaults say the same size and language (LibreOffice reads them where Word reads the style).
        The language is the East Asian text's; the Latin text's (figures: 2026) stays en-US, as Chinese Word writes it:
        with zh-CN for Latin too, LibreOffice breaks figures as it breaks Chinese, 20 at a line's end and 26 on the next."""
        normal = self.doc.styles["Normal"]
        normal.font.name, normal.font.size = LATIN, SIZE_3
        r_pr = normal.element.get_or_add_rPr()
        r_pr.get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
        defaults = self.doc.styles.element.find(qn("w:docDefaults"))
        base = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
        for target in (r_pr, base):
            if target is None:
                continue
            for tag, attrs in (("sz", {"w:val": str(int(SIZE_3.pt * 2))}), ("szCs", {"w:val": str(int(SIZE_3.pt * 2))}),
                               ("lang", {"w:val": "en-US", "w:eastAsia": "zh-CN"})):
                el = OxmlElement(f"w:{tag}")
                for key, value in attrs.items():
                    el.set(qn(key), value)
                _put(target, el, R_PR_ORDER)
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(CHARACTER_SPACING))
        _put(r_pr, spacing, R_PR_ORDER)
        fmt = normal.paragraph_format
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE_PITCH
        fmt.space_before = fmt.space_after = Pt(0)

    def _styles(self) -> None:
        """The 公文's elements as named paragraph styles (STYLES), so a secretary who edits the file in Word sees 一级标题
        in the navigation pane and can restyle an element at once. Each is based on the body and carries its font;
        the blocks below apply them and keep their own formatting too (LibreOffice and Word read both alike)."""
        from docx.enum.style import WD_STYLE_TYPE
        for name, (east_asian, size, outline) in STYLES.items():
            style = self.doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = self.doc.styles["Normal"]
            style.quick_style = True
            style.font.size = size
            style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)
            if outline is not None:
                level = OxmlElement("w:outlineLvl")
                level.set(qn("w:val"), str(outline))
                style.element.get_or_add_pPr().append(level)

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
    def _para(self, align=None, first_indent=None, style: str | None = None):
        p = self.doc.add_paragraph(style=style)
        if align is not None:
            p.alignment = align
        if first_indent is not None:
            p.paragraph_format.first_line_indent = first_indent
        return p

    def letterhead(self, issuer: str) -> None:
        """发文机关标志 (7.2.4): red 小标宋, centred, its top edge 35 mm below the 版心's; the 发文字号 two blank lines
        under it (7.2.5). A 36 pt line at single spacing puts the glyphs' top about 2 mm under the line's."""
        p = self._para(WD_ALIGN_PARAGRAPH.CENTER, style="发文机关标志")
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        p.paragraph_format.line_spacing = Pt(40)
        p.paragraph_format.space_before = Mm(35) - Pt(3)
        p.paragraph_format.space_after = LINE_PITCH * 2
        _snap_off(p)
        _fonts(p.add_run(issuer), TITLE_FONT, Pt(36), colour=RED)

    def number_line(self, name: str, signer: str) -> None:
        """发文字号 one character in from the left, 签发人 one in from the right (7.2.5, 7.2.6), and the red separator
        4 mm beneath, as wide as the 版心 (7.2.7): the paragraph has no indents, so its border runs the full width."""
        p = self._para(first_indent=SIZE_3, style="发文字号")
        p.paragraph_format.tab_stops.add_tab_stop(Mm(156) - SIZE_3, alignment=2)  # 2: right-aligned tab
        _fonts(p.add_run(name), BODY_FONT, SIZE_3)
        _fonts(p.add_run("\t签发人："), BODY_FONT, SIZE_3)
        _fonts(p.add_run(signer), KAI_FONT, SIZE_3)
        p_pr = p._element.get_or_add_pPr()
        border = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "11"), ("w:color", "D00000")):
            bottom.set(qn(key), value)
        border.append(bottom)
        _put(p_pr, border, P_PR_ORDER)
        self._para()

    def title(self, text: str, lines: list[str] | None = None) -> None:
        """标题 in 2号小标宋, centred, broken into ``lines`` where given (by meaning: documents.title_lines)."""
        self.doc.core_properties.title = text
        p = self._para(WD_ALIGN_PARAGRAPH.CENTER, style="公文标题")
        p.paragraph_format.line_spacing = Pt(35)
        p.paragraph_format.keep_with_next = True
        _snap_off(p)
        for n, line in enumerate(lines or [text]):
            run = p.add_run(line)
            _fonts(run, TITLE_FONT, SIZE_2)
            if n < len(lines or [text]) - 1:
                run.add_break()
        self._para().paragraph_format.keep_with_next = True

    def addressee(self, text: str) -> None:
        _fonts(self._para(style="主送机关").add_run(text), BODY_FONT, SIZE_3)

    def heading(self, text: str) -> None:
        """一、 in 黑体, never the last line of a page: it keeps with what it heads."""
        p = self._para(first_indent=SIZE_3 * 2, style="一级标题")
        p.paragraph_format.keep_with_next = True
        _fonts(p.add_run(text), HEI_FONT, SIZE_3)

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

    def signature(self, issuer: str, date: str, places: tuple[float, float], seal_lines: int) -> None:
        """署名 and 成文日期 as a sealed report has them (7.3.5.1): ``seal_lines`` blank lines for the seal under the
        body, the date ``places[1]`` characters in from the right and the 署名 ``places[0]`` (centred over it);
        never alone on a page (7.3.5): the last line of the body keeps with them."""
        if self.doc.paragraphs:
            self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        for _ in range(seal_lines):
            self._para().paragraph_format.keep_with_next = True
        for text, chars, style in ((issuer, places[0], "署名"), (date, places[1], "成文日期")):
            p = self._para(WD_ALIGN_PARAGRAPH.RIGHT, style=style)
            p.paragraph_format.right_indent = Pt(SIZE_3.pt * chars)
            p.paragraph_format.keep_with_next = text == issuer
            _fonts(p.add_run(text), BODY_FONT, SIZE_3)

    def note(self, text: str) -> None:
        if text:
            _fonts(self._para(first_indent=SIZE_3 * 2, style="附注").add_run(text), BODY_FONT, SIZE_3)

    def edition(self, copy_to: str, printer: str, printed: str) -> None:
        """版记 (7.4) at the foot of the last page: its paragraphs in one frame anchored to the bottom of the 版心 (its
        last rule on the 版心's bottom edge), the first and last rules thick (0.35 mm), a thin one (0.25 mm) between
        抄送 and the 印发 line; 4号仿宋, 抄送 one character in (a wrapped line under the first name), 印发机关 one in
        from the left, 印发日期 one in from the right.

        Every paragraph of the frame has the same rules and indents, so Word and LibreOffice both draw them as one box
        (LibreOffice 7.4 draws no rule of a framed paragraph whose rules differ from its neighbours'), and the thin
        rule is a paragraph of its own, 0.7 pt high and black."""
        if copy_to:
            p = self._edition_paragraph()
            p.paragraph_format.tab_stops.add_tab_stop(SIZE_4 * 4)
            for n, line in enumerate(_wrapped(copy_to, COPY_TO_CHARS, COPY_TO_CHARS - 3)):
                _fonts(p.add_run(("\t" if n else "") + line), BODY_FONT, SIZE_4)
            for run in p.runs[:-1]:
                run.add_break()
            rule = self._edition_paragraph(line=Pt(0.7))
            shade = OxmlElement("w:shd")
            for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", "000000")):
                shade.set(qn(key), value)
            _put(rule._element.get_or_add_pPr(), shade, P_PR_ORDER)
        p = self._edition_paragraph()
        p.paragraph_format.tab_stops.add_tab_stop(Mm(156) - SIZE_4, alignment=2)
        _fonts(p.add_run(printer), BODY_FONT, SIZE_4)
        _fonts(p.add_run("\t" + printed), BODY_FONT, SIZE_4)

    def _edition_paragraph(self, line=LINE_PITCH):
        p = self._para(first_indent=SIZE_4 if line == LINE_PITCH else Pt(0), style="版记")
        fmt = p.paragraph_format
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, line
        fmt.left_indent = fmt.right_indent = Pt(0)
        p_pr = p._element.get_or_add_pPr()
        frame = OxmlElement("w:framePr")
        for key, value in (("w:w", str(int(Mm(156).twips))), ("w:wrap", "around"), ("w:hAnchor", "margin"),
                           ("w:vAnchor", "margin"), ("w:xAlign", "center"), ("w:yAlign", "bottom")):
            frame.set(qn(key), value)
        _put(p_pr, frame, P_PR_ORDER)
        border = OxmlElement("w:pBdr")
        for side in ("top", "bottom"):
            el = OxmlElement(f"w:{side}")
            for key, value in (("w:val", "single"), ("w:sz", "8"), ("w:space", "1"), ("w:color", "000000")):
                el.set(qn(key), value)
            border.append(el)
        _put(p_pr, border, P_PR_ORDER)
        _snap_off(p)
        return p

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
