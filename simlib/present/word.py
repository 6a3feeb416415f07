"""The Word report (``report.docx``): a báo cáo a Sở can paste into its annual report or send as it is.

:func:`write_report_docx` writes, in the report's language:

* the title block of a Vietnamese administrative document (issuing agency on
  the left, the national motto on the right, number and place/date), or a
  plain title block in English;
* the title ("BÁO CÁO" and the subject), the headline paragraphs and the
  key figures;
* numbered sections (I., II., ...) with paragraphs, bullet points, charts
  (PNG, full text width, numbered captions "Hình 1. ...") and short tables
  ("Bảng 1. ..."), formatted with the same column spec as the workbook
  (:class:`simlib.present.export.Column`);
* caveats, sources, and the "Nơi nhận" / signature block when given.

Page: A4 portrait with the margins of Decree 30/2020/NĐ-CP on administrative
documents (top and bottom 2 cm, left 3 cm, right 2 cm); Times New Roman 13 pt
for every script (Latin, East Asian and complex-script slots set, so
Vietnamese never falls back to another font); justified paragraphs with a
1 cm first-line indent.

Determinism: the document properties carry a fixed date and the zip entries
fixed timestamps and attributes, so identical input gives identical bytes
(with the same python-docx, lxml and zlib versions). The file is written to a
temporary file and moved into place only when complete.
"""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simlib.present import i18n
from simlib.present.export import FIXED_TIMESTAMP, Column, _atomic_write, _normalise_zip, display_table
from simlib.present.safety import neutralise

__all__ = ["DocHeader", "DocSection", "write_report_docx", "FONT", "FONT_SIZE_PT"]

#: Body font and size (Decree 30/2020: Times New Roman, 13-14 pt).
FONT = "Times New Roman"
FONT_SIZE_PT = 13
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV")
_TEXT_WIDTH_CM = 16.0  # 21 cm - 3 cm - 2 cm
_MAX_FIGURE_HEIGHT_CM = 21.0  # a tall figure (four panels) is narrowed to fit a page, never shrunk to a stamp


@dataclass(frozen=True)
class DocHeader:
    """The title block of an administrative document.

    Attributes
    ----------
    agency_parent : str
        The superior body, e.g. "UBND TỈNH TÂY NINH" (written in capitals).
    agency : str
        The issuing body, e.g. "SỞ GIÁO DỤC VÀ ĐÀO TẠO" (bold capitals).
    number : str
        e.g. "Số:      /BC-SGDĐT"; blank for the clerk to fill.
    place_date : str
        e.g. "Tây Ninh, ngày      tháng      năm 2026" (italic).
    draft : bool
        Write "DỰ THẢO" / "DRAFT" above the title.
    """

    agency_parent: str = ""
    agency: str = ""
    number: str = ""
    place_date: str = ""
    draft: bool = False


@dataclass(frozen=True)
class DocSection:
    """One numbered section of the report.

    Attributes
    ----------
    heading : str
        Without the number (I., II. are added).
    paragraphs : sequence of str
    bullets : sequence of str
        Written as "- text" lines, as báo cáo do.
    images : sequence of (Path, str)
        PNG charts with their captions; numbered "Hình n." / "Figure n."; after the table.
    table : DataFrame, optional
        A short table (one row per target), formatted with ``columns`` (``id``
        columns are left out); rows never split across pages and the header
        repeats on each page.
    columns : sequence of Column, optional
        How to show ``table`` (see :class:`simlib.present.export.Column`).
    table_caption : str
        Numbered "Bảng n." / "Table n.".
    """

    heading: str
    paragraphs: Sequence[str] = ()
    bullets: Sequence[str] = ()
    images: Sequence[tuple[Path, str]] = ()
    table: pd.DataFrame | None = None
    columns: Sequence[Column] | None = None
    table_caption: str = ""


# --------------------------------------------------------------------------- low-level helpers


def _set_run_font(run, *, size: float | None = None, bold: bool | None = None, italic: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = FONT
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic


def _style_fonts(style, size: float, *, bold: bool | None = None) -> None:
    """Times New Roman in every script slot of a style, theme fonts removed, black text."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.color.rgb = RGBColor(0, 0, 0)
    if bold is not None:
        style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _para(doc_or_cell, text: str = "", *, align=None, size: float | None = None, bold: bool | None = None,
          italic: bool | None = None, indent: bool = False, space_after: float = 6, keep_with_next: bool = False,
          bullet: bool = False):
    """A paragraph; its text passes through :func:`~simlib.present.safety.neutralise` (a bullet's "- " is added
    after, so only the caller's text is checked)."""
    from docx.shared import Cm, Pt

    p = doc_or_cell.add_paragraph()
    if text:
        body = neutralise(str(text))
        _set_run_font(p.add_run(f"- {body}" if bullet else body), size=size, bold=bold, italic=italic)
    fmt = p.paragraph_format
    if align is not None:
        p.alignment = align
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    fmt.first_line_indent = Cm(1.0) if indent else None
    fmt.keep_with_next = keep_with_next
    return p


# OOXML requires the children of tblPr, pPr and tcPr in schema order (Word refuses files that break it):
# each element is inserted before the first sibling that must follow it.
_AFTER_TBL_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")
_AFTER_P_BDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                "w:rPr", "w:sectPr", "w:pPrChange")
_AFTER_TC_SHD = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")


def _no_borders(table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.insert_element_before(borders, *_AFTER_TBL_BORDERS)


def _shade(cell, hex_fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_fill)
    cell._tc.get_or_add_tcPr().insert_element_before(shd, *_AFTER_TC_SHD)


def _row_flag(row, flag: str) -> None:
    """Set a table-row property: ``tblHeader`` (repeat on every page) or ``cantSplit`` (keep the row on one page)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement(f"w:{flag}")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)  # trPr's children are an unordered choice


def _rule(cell, indent_cm: float) -> None:
    """A short centred line under the previous paragraph (the rule under the agency and under the motto)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    p = cell.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.left_indent = fmt.right_indent = Cm(indent_cm)
    fmt.line_spacing = Pt(2)
    bdr = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(k), v)
    bdr.append(top)
    p._p.get_or_add_pPr().insert_element_before(bdr, *_AFTER_P_BDR)


# --------------------------------------------------------------------------- blocks


def _title_block(doc, header: DocHeader | None, lang: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    if header is None:
        return
    center = WD_ALIGN_PARAGRAPH.CENTER
    if lang != "vi":
        for text, bold in ((header.agency_parent, False), (header.agency, True)):
            if text:
                _para(doc, text, align=center, size=12, bold=bold, space_after=0)
        if header.number or header.place_date:
            _para(doc, " · ".join(x for x in (header.number, header.place_date) if x), align=center, size=12,
                  italic=True, space_after=6)
        return
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    table.autofit = False
    widths = (Cm(6.2), Cm(9.8))
    for col, cell, w in zip(table.columns, table.rows[0].cells, widths):
        col.width = w
        cell.width = w
    left, right = table.rows[0].cells
    left.paragraphs[0].text = ""
    right.paragraphs[0].text = ""
    first_l, first_r = left.paragraphs[0], right.paragraphs[0]
    first_l.alignment = first_r.alignment = center
    if header.agency_parent:
        _set_run_font(first_l.add_run(header.agency_parent.upper()), size=12)
        _para(left, header.agency.upper(), align=center, size=12, bold=True, space_after=0)
    else:
        _set_run_font(first_l.add_run(header.agency.upper()), size=12, bold=True)
    _rule(left, 1.8)
    if header.number:
        _para(left, header.number, align=center, size=13, space_after=0)
    _set_run_font(first_r.add_run(i18n.t("word.motto_1", lang)), size=12, bold=True)
    _para(right, i18n.t("word.motto_2", lang), align=center, size=13, bold=True, space_after=0)
    _rule(right, 2.0)
    if header.place_date:
        _para(right, header.place_date, align=center, size=13, italic=True, space_after=0)
    _para(doc, "", space_after=6)


def _table(doc, frame: pd.DataFrame, columns: Sequence[Column] | None, lang: str) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    shown = display_table(frame, columns, lang)
    numeric = set()
    if columns is not None:
        from simlib.present.export import ordered_columns

        numeric = {i for i, c in enumerate(c for c in ordered_columns(frame, columns) if c.kind != "id")
                   if c.kind in ("int", "number", "percent", "prob", "money", "year")}
    table = doc.add_table(rows=1, cols=len(shown.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    size = 11 if len(shown.columns) <= 6 else 10
    widths = _column_widths(shown, size)
    for col, w in zip(table.columns, widths):
        col.width = Cm(w)
    head = table.rows[0]
    _row_flag(head, "tblHeader")
    _row_flag(head, "cantSplit")
    head_cells = head.cells
    for j, name in enumerate(shown.columns):
        cell = head_cells[j]
        cell.width = Cm(widths[j])
        cell.paragraphs[0].text = ""
        _set_run_font(cell.paragraphs[0].add_run(neutralise(str(name))), size=size, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        cell.paragraphs[0].paragraph_format.space_after = 0
        _shade(cell, "DCE9F5")
    for rec in shown.itertuples(index=False, name=None):
        row = table.add_row()
        _row_flag(row, "cantSplit")
        cells = row.cells  # python-docx builds the row's cell list on each access
        for j, value in enumerate(rec):
            cells[j].width = Cm(widths[j])
            p = cells[j].paragraphs[0]
            p.text = ""
            p.paragraph_format.space_after = 0
            _set_run_font(p.add_run(neutralise(str(value))), size=size)
            if j in numeric:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _column_widths(shown: pd.DataFrame, size: float) -> list[float]:
    """Column widths in cm sized to the content: never narrower than the longest word (no word is broken:
    "THCS+THPT → GDNN" wraps between words), wider columns for longer text, the whole within the text width."""
    cm_per_char = 0.023 * size  # Times New Roman, an average character (bold headers included), cm per point
    pad = 0.45  # the cell's left and right margins (0.19 cm each in Word and LibreOffice) and a little
    floor, want = [], []
    for j, name in enumerate(shown.columns):
        texts = [str(name)] + [str(v) for v in shown.iloc[:, j]]
        longest_word = max((len(w) for x in texts for w in x.split()), default=1)
        longest = max((len(x) for x in texts[1:]), default=0)
        floor.append(longest_word * cm_per_char + pad)
        want.append(max(floor[-1], min(max(longest, len(str(name)) / 2), 40) * cm_per_char + pad))
    total = sum(want)
    if total <= _TEXT_WIDTH_CM:
        return want
    spare = _TEXT_WIDTH_CM - sum(floor)
    if spare <= 0:  # even the longest words do not fit: share the width by them
        return [_TEXT_WIDTH_CM * f / sum(floor) for f in floor]
    extra = [w - f for w, f in zip(want, floor)]
    k = spare / sum(extra) if sum(extra) else 0.0
    return [f + k * e for f, e in zip(floor, extra)]


def _picture_width_cm(path) -> float:
    """Width of a chart in the document: the text width, narrower when the chart would be taller than
    :data:`_MAX_FIGURE_HEIGHT_CM` (so a figure shares its page with text)."""
    head = Path(path).read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":  # not a PNG (a JPEG): full width
        return _TEXT_WIDTH_CM
    w, h = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    return min(_TEXT_WIDTH_CM, _MAX_FIGURE_HEIGHT_CM * w / h) if h else _TEXT_WIDTH_CM


def _set_page(doc) -> None:
    from docx.shared import Cm

    for section in doc.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2.0)
        section.left_margin, section.right_margin = Cm(3.0), Cm(2.0)
        section.header_distance = section.footer_distance = Cm(1.0)


def _set_styles(doc) -> None:
    from docx.shared import Pt

    normal = doc.styles["Normal"]
    _style_fonts(normal, FONT_SIZE_PT)
    normal.paragraph_format.line_spacing = 1.15
    normal.paragraph_format.space_after = Pt(6)
    for name, size in (("Title", 14), ("Heading 1", 13), ("Heading 2", 13), ("Caption", 11)):
        try:
            style = doc.styles[name]
        except KeyError:  # pragma: no cover - the default template has them
            continue
        _style_fonts(style, size, bold=name != "Caption")
        style.paragraph_format.space_before = Pt(6)
        style.paragraph_format.space_after = Pt(6)


def _fixed_properties(doc, *, title: str, lang: str) -> None:
    cp = doc.core_properties
    stamp = _dt.datetime(FIXED_TIMESTAMP.year, FIXED_TIMESTAMP.month, FIXED_TIMESTAMP.day)
    cp.created = cp.modified = cp.last_printed = stamp
    cp.author = cp.last_modified_by = "simlib"
    cp.title = title
    cp.language = lang
    cp.revision = 1
    cp.comments = ""
    cp.keywords = ""
    cp.subject = ""


# --------------------------------------------------------------------------- the document


def _key_figures(doc, key_figures: Sequence[tuple[str, str]]) -> None:
    """A two-column grid: label, then the figure in large bold type."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    t.autofit = False  # LibreOffice and Word keep the widths below (the label wide, the figure narrow)
    widths = (Cm(12.0), Cm(4.0))
    for col, w in zip(t.columns, widths):
        col.width = w
    for label, value in key_figures:
        cells = t.add_row().cells
        cells[0].paragraphs[0].text = ""
        _set_run_font(cells[0].paragraphs[0].add_run(neutralise(str(label))), size=12)
        cells[1].paragraphs[0].text = ""
        _set_run_font(cells[1].paragraphs[0].add_run(neutralise(str(value))), size=14, bold=True)
        cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        for cell, w in zip(cells, widths):
            cell.width = w
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            cell.paragraphs[0].paragraph_format.space_after = 0
    _para(doc, "", space_after=6)


def _signature_block(doc, recipients: Sequence[str], signature: Sequence[str], lang: str) -> None:
    """"Nơi nhận:" at the bottom left, the signature lines at the bottom right (a borderless table)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    center = WD_ALIGN_PARAGRAPH.CENTER
    t = doc.add_table(rows=1, cols=2)
    _no_borders(t)
    left, right = t.rows[0].cells
    left.paragraphs[0].text = ""
    if recipients:
        _set_run_font(left.paragraphs[0].add_run(i18n.t("word.recipients", lang)), size=12, bold=True, italic=True)
        for line in recipients:
            text = str(line)
            bullet = text.startswith("- ")
            _para(left, text[2:] if bullet else text, size=11, space_after=0, bullet=bullet)
    right.paragraphs[0].text = ""
    right.paragraphs[0].alignment = center
    for k, line in enumerate(signature):
        if k == 0:
            _set_run_font(right.paragraphs[0].add_run(line), size=13, bold=True)
        else:
            _para(right, line, align=center, size=13, bold=True, space_after=0)


def write_report_docx(
    path: str | Path,
    *,
    lang: str,
    title: str,
    subject: str = "",
    header: DocHeader | None = None,
    headline: Sequence[str] = (),
    key_figures: Sequence[tuple[str, str]] = (),
    sections: Sequence[DocSection] = (),
    caveats: Sequence[str] = (),
    sources: Sequence[str] = (),
    recipients: Sequence[str] = (),
    signature: Sequence[str] = (),
    footer_note: str = "",
) -> Path:
    """Write ``report.docx``: title block, headline, key charts, a short table per target, caveats, sources.

    Parameters
    ----------
    path : str or Path
        The ``.docx`` file (parent folders are created).
    lang : {"vi", "en"}
    title : str
        The subject line under "BÁO CÁO" / "REPORT", e.g. "Đánh giá khả năng
        đạt các chỉ tiêu phân luồng học sinh năm 2025".
    subject : str
        A second line under the title (e.g. the place and the date of the data).
    header : DocHeader, optional
        The agency block; None for none.
    headline : sequence of str
        The headline paragraphs (verdicts first), under the heading
        "Kết luận chính" / "Key findings".
    key_figures : sequence of (label, value)
        A two-column table after the headline (e.g. P(met) of each headline target).
    sections : sequence of DocSection
        Numbered I., II., ... after the headline section.
    caveats, sources : sequence of str
        Bullet lists in their own numbered sections (skipped when empty).
    recipients : sequence of str
        "Nơi nhận:" lines at the bottom left.
    signature : sequence of str
        Signature block lines at the bottom right (e.g. "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC").
    footer_note : str
        Small italic note at the end (default glossary ``word.generated_by``
        filled with the simlib version by the caller; "" for none).

    Returns
    -------
    Path

    Raises
    ------
    simlib.errors.InputError
        For an unknown language.
    ValueError
        For a chart that is not a PNG or JPEG, or a table column missing.
    """
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    i18n.check_lang(lang)
    for sec in sections:
        for img, _ in sec.images:
            if Path(img).suffix.lower() not in (".png", ".jpg", ".jpeg"):
                raise ValueError(f"{img}: Word charts must be PNG or JPEG (save the chart as .png)")
    doc = docx.Document()
    _set_page(doc)
    _set_styles(doc)
    _fixed_properties(doc, title=title, lang=lang)
    center, justify = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY

    _title_block(doc, header, lang)
    if header is not None and header.draft:
        _para(doc, i18n.t("word.draft", lang), align=WD_ALIGN_PARAGRAPH.RIGHT, size=12, bold=True)
    _para(doc, i18n.t("word.doc_kind", lang), align=center, size=14, bold=True, space_after=0, keep_with_next=True)
    _para(doc, title, align=center, size=14, bold=True, space_after=0 if subject else 12, keep_with_next=True)
    if subject:
        _para(doc, subject, align=center, size=13, italic=True, space_after=12)

    n_sec = 0
    n_fig = 0
    n_tab = 0

    def heading(text: str) -> None:
        nonlocal n_sec
        roman = _ROMAN[n_sec] if n_sec < len(_ROMAN) else str(n_sec + 1)
        n_sec += 1
        _para(doc, f"{roman}. {text.upper() if lang == 'vi' else text}", size=13, bold=True, space_after=6,
              keep_with_next=True)

    if headline or key_figures:
        heading(i18n.t("report.headline", lang))
        for text in headline:
            _para(doc, text, align=justify, indent=True)
        if key_figures:
            _key_figures(doc, key_figures)
    for sec in sections:
        heading(sec.heading)
        for text in sec.paragraphs:
            _para(doc, text, align=justify, indent=True)
        for text in sec.bullets:
            _para(doc, text, bullet=True, align=justify, indent=True, space_after=3)
        if sec.table is not None:  # the table (one row per target) before the charts that explain it
            n_tab += 1
            if sec.table_caption:
                _para(doc, i18n.t("word.table", lang, n=str(n_tab), caption=sec.table_caption), align=center,
                      size=11, bold=True, space_after=3, keep_with_next=True)
            _table(doc, sec.table, sec.columns, lang)
            _para(doc, "", space_after=6)
        for img, caption in sec.images:
            n_fig += 1
            p = _para(doc, "", align=center, space_after=2, keep_with_next=True)
            p.add_run().add_picture(str(img), width=Cm(_picture_width_cm(img)))
            _para(doc, i18n.t("word.figure", lang, n=str(n_fig), caption=caption), align=center, size=11,
                  italic=True, space_after=10)
    if caveats:
        heading(i18n.t("report.caveats", lang))
        for text in caveats:
            _para(doc, text, bullet=True, align=justify, indent=True, space_after=3)
    if sources:
        heading(i18n.t("report.sources", lang))
        for text in sources:
            _para(doc, text, bullet=True, align=justify, indent=True, space_after=3)
    if recipients or signature:
        _signature_block(doc, recipients, signature, lang)
    if footer_note:
        _para(doc, "", space_after=6)
        _para(doc, footer_note, size=10, italic=True)

    buf = io.BytesIO()
    doc.save(buf)
    data = buf.getvalue()
    return _atomic_write(Path(path), lambda fh: _normalise_zip(data, fh))
