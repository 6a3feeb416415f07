"""The planner's workbook: typed columns (:class:`Column`), sheets (:class:`Sheet`) and :func:`write_planner_workbook`.

Each column has a kind (percent, probability, money, verdict...) that sets its number format, its width and how
:func:`display_table` and the HTML page show it. Re-exported by :mod:`simlib.present.export`.
"""

from __future__ import annotations

import copy
import decimal
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simlib.present.export import (
    _EXCEL_MAX_COLS,
    _EXCEL_MAX_ROWS,
    _MAX_WIDTH,
    _MIN_WIDTH,
    FIXED_TIMESTAMP,
    _atomic_write,
    _clean_sheet_name,
    _display_width,
    _excel_value,
    _is_missing,
    _normalise_zip,
    _set_cell,
    _text_width,
    sheet_names,
)


# --------------------------------------------------------------------------- the planner's workbook

#: Kinds of column a table spec can name (see :class:`Column`).
COLUMN_KINDS = ("text", "id", "code", "verdict", "bool", "int", "number", "percent", "prob", "money", "year")
_DEFAULT_DECIMALS = {"number": 2, "percent": 1, "prob": 2, "money": 0, "int": 0, "year": 0}
#: Cell tints of verdicts (Okabe-Ito, light): the same meaning as the probability chart's bands.
VERDICT_FILLS = {"likely": "D4EDE4", "possible": "DDEFF9", "unlikely": "FCEFD0", "very_unlikely": "F9DCCB",
                 "met": "D4EDE4", "missed": "F9DCCB", "not_assessed": "EEEEEE"}


@dataclass(frozen=True)
class Column:
    """How one column of a table is shown to people (Excel, HTML and Word use the same spec).

    Attributes
    ----------
    key : str
        Column name in the DataFrame.
    kind : str
        One of :data:`COLUMN_KINDS`:

        * ``text``: as given; ``id``: a machine id, moved to the right end of
          the table (human columns first, ids last);
        * ``code``: a code translated through the glossary namespace
          ``codes`` (e.g. ``"timing"``: ``timing.<code>``) or the ``values``
          mapping; a code the glossary does not have is shown as it is;
          ``verdict``: a verdict code (``likely`` ... ``met``, ``missed``),
          translated and tinted by band;
        * ``bool``: "Có"/"Không" ("Yes"/"No");
        * ``int`` (a count: ``10.000``), ``number`` (``decimals``),
          ``percent`` (a value already in percent, 0-100, shown with
          ``decimals``), ``prob`` (a probability 0-1, two decimals),
          ``money`` (VND), ``year`` (no grouping).
    label : str, optional
        Header; default :func:`simlib.present.i18n.column_label` (``col.<key>``).
    decimals : int, optional
        Decimals shown (default per kind: number 2, percent 1, prob 2).
    codes : str, optional
        Glossary namespace for ``code`` columns (``"timing"``, ``"track"``...).
    values : mapping, optional
        Raw value -> display text; wins over ``codes`` (e.g. scenario name ->
        the scenario file's title).
    width : float, optional
        Column width in characters (default from the content, 8 to 60).
    """

    key: str
    kind: str = "text"
    _: KW_ONLY  # the rest by name only: Column("x", "percent", decimals=2), never a stray positional label
    label: str | None = None
    decimals: int | None = None
    codes: str | None = None
    values: Mapping[Any, str] | None = None
    width: float | None = None

    def __post_init__(self):
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"column {self.key!r}: kind {self.kind!r} is not one of {COLUMN_KINDS}")

    @property
    def places(self) -> int:
        """Decimals shown."""
        return self.decimals if self.decimals is not None else _DEFAULT_DECIMALS.get(self.kind, 0)

    def header(self, lang: str) -> str:
        """Header text in ``lang``."""
        from simlib.present import i18n

        return self.label if self.label is not None else i18n.column_label(self.key, lang)

    def number_format(self, lang: str) -> str | None:
        """Excel number format of the column's numbers (None for text kinds)."""
        if self.kind in ("int",):
            return "#,##0"
        if self.kind == "year":
            return "0"
        if self.kind in ("number", "percent", "prob"):
            d = self.places
            base = "#,##0" if self.kind == "number" else "0"
            return base + ("." + "0" * d if d else "")
        if self.kind == "money":
            d = self.places
            num = "#,##0" + ("." + "0" * d if d else "")
            return f'{num} "đ"' if lang == "vi" else f'"VND "{num}'
        return None

    def cell(self, value, lang: str):
        """The value to store in a spreadsheet cell: numbers rounded to what is shown, codes translated."""
        from simlib.present import i18n

        if _is_missing(value):
            return None
        if self.values is not None and value in self.values:
            return self.values[value]
        if self.kind == "verdict":
            return i18n.verdict_label(value, lang)
        if self.kind == "code":
            if self.codes:
                key = f"{self.codes}.{str(value).strip().lower().replace(' ', '_').replace('-', '_')}"
                if i18n.has_label(key):
                    return i18n.t(key, lang)
            return str(value)  # a code the glossary does not know yet is shown as it is
        if self.kind == "bool":
            return i18n.t("yes" if _truthy(value) else "no", lang)
        if self.kind in ("int", "year"):
            return int(_round_half_up(float(value), 0))
        if self.kind in ("number", "percent", "prob", "money"):
            return _round_half_up(float(value), self.places)
        return value

    def text(self, value, lang: str) -> str:
        """The value as display text (HTML and Word), formatted for ``lang``."""
        from simlib.present import i18n

        if _is_missing(value):
            return "–"
        if self.values is not None and value in self.values:
            return str(self.values[value])
        if self.kind in ("verdict", "code", "bool"):
            return str(self.cell(value, lang))
        if self.kind == "int":
            return i18n.fmt_int(value, lang)
        if self.kind == "year":
            return i18n.fmt_year(value, lang)
        if self.kind == "number":
            return i18n.fmt_number(value, lang, self.places)
        if self.kind == "percent":
            return i18n.fmt_number(value, lang, self.places)
        if self.kind == "prob":
            return i18n.fmt_prob(value, lang, self.places)
        if self.kind == "money":
            return i18n.fmt_money(value, lang)
        return str(value)


def _truthy(v) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes", "có")
    return bool(v)


def _round_half_up(x: float, places: int) -> float:
    if not math.isfinite(x):
        raise ValueError(f"{x} cannot be stored in Excel (replace infinities before exporting)")
    q = decimal.Decimal(repr(x)).quantize(decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP)
    return float(q) if places else float(int(q))


@dataclass(frozen=True)
class Sheet:
    """One sheet of the planner's workbook.

    Attributes
    ----------
    name : str
        Sheet name in the report's language (made valid and unique, at most 31 characters).
    table : DataFrame
    columns : sequence of Column, optional
        The columns to show, in order; ``id`` columns are moved to the right
        end. Columns of ``table`` not listed are left out (keep the CSV for
        those). None: every column as text/number, in the table's order.
    note : str
        One line on the README sheet saying what the sheet holds.
    freeze_columns : int
        Leading columns kept in view when scrolling right (with the header row).
    """

    name: str
    table: pd.DataFrame
    columns: Sequence[Column] | None = None
    note: str = ""
    freeze_columns: int = 1


def ordered_columns(table: pd.DataFrame, columns: Sequence[Column] | None) -> list[Column]:
    """The columns to show: human columns in spec order, then ``id`` columns; checks they exist.

    Raises
    ------
    ValueError
        If a column in the spec is not in the table, or is listed twice.
    """
    if columns is None:
        return [Column(str(c), "number" if pd.api.types.is_float_dtype(table[c]) else "text") for c in table.columns]
    keys = [c.key for c in columns]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ValueError(f"columns listed twice: {dupes}")
    missing = [k for k in keys if k not in table.columns]
    if missing:
        raise ValueError(f"columns {missing} are not in the table (it has {list(table.columns)})")
    return [c for c in columns if c.kind != "id"] + [c for c in columns if c.kind == "id"]


def _sheet_width(col: Column, header: str, values: list) -> float:
    if col.width is not None:
        return float(col.width)
    longest_word = max((_text_width(w) for w in header.split()), default=0)
    w = max(longest_word + 2, min(_text_width(header), 18) + 2)
    fmt = col.number_format("en")
    for v in values:
        w = max(w, _display_width(v, fmt) + 2)
    return float(min(max(w, _MIN_WIDTH), _MAX_WIDTH))


def _fill_planner_sheet(ws, sheet: Sheet, lang: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    df = sheet.table
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"sheet {sheet.name!r}: expected a pandas DataFrame, got {type(df).__name__}")
    cols = ordered_columns(df, sheet.columns)
    n_rows = len(df)
    if n_rows + 1 > _EXCEL_MAX_ROWS or len(cols) > _EXCEL_MAX_COLS:
        raise ValueError(f"sheet {sheet.name!r}: {n_rows} rows x {len(cols)} columns exceeds Excel's sheet size")
    headers = [c.header(lang) for c in cols]
    dupes = sorted({h for h in headers if headers.count(h) > 1})
    if dupes:
        raise ValueError(f"sheet {sheet.name!r}: duplicate column headers {dupes}")
    head_font = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DCE9F5")
    head_align = Alignment(wrap_text=True, vertical="center")
    thin = Side(style="thin", color="B0B0B0")
    head_border = Border(bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for j, (col, header) in enumerate(zip(cols, headers), start=1):
        cell = _set_cell(ws, 1, j, _excel_value(header))
        cell.font, cell.fill, cell.alignment, cell.border = head_font, head_fill, head_align, head_border
        fmt = col.number_format(lang)
        values = []
        raw_values = df[col.key].tolist()
        for i, raw in enumerate(raw_values, start=2):
            try:
                values.append(_excel_value(col.cell(raw, lang)))
            except ValueError as exc:
                raise ValueError(f"sheet {sheet.name!r}, column {col.key!r}, row {i}: {exc}") from None
        width = _sheet_width(col, header, values)
        ws.column_dimensions[get_column_letter(j)].width = width
        # the column's alignment is known before its cells are made: each cell is written once
        long_text = any(isinstance(v, str) and _text_width(v) > width - 2 for v in values)
        align = wrap_top if long_text else top if col.kind in ("text", "code", "id", "verdict") else None
        styled: dict = {}  # (number format?, fill) -> the column's first cell styled so
        for i, (raw, v) in enumerate(zip(raw_values, values), start=2):
            c = _set_cell(ws, i, j, v)
            number = fmt is not None and isinstance(v, (int, float)) and not isinstance(v, bool)
            fill = None
            if col.kind == "verdict" and not _is_missing(raw):
                fill = VERDICT_FILLS.get(str(raw).strip().lower().replace(" ", "_"))
            proto = styled.get((number, fill))
            if proto is not None:
                # the same style as a cell above: its style indices copied (openpyxl's own way of copying a
                # style, as in its worksheet copier), instead of hashing the format objects again for each cell
                c._style = copy.copy(proto._style)
                continue
            if number:
                c.number_format = fmt
            if fill:
                c.fill = PatternFill("solid", fgColor=fill)
            if align is not None:
                c.alignment = align
            styled[(number, fill)] = c
    # the header row's height set from its wrapped lines (LibreOffice does not grow it: the header would cover row 2)
    lines = 1
    for j, header in enumerate(headers, start=1):
        width = ws.column_dimensions[get_column_letter(j)].width or _MIN_WIDTH
        lines = max(lines, math.ceil(_text_width(str(header)) / max(1.0, width - 1)))
    ws.row_dimensions[1].height = 15.0 * min(lines, 6) + 3
    if cols:
        freeze = max(0, min(int(sheet.freeze_columns), len(cols) - 1))
        ws.freeze_panes = f"{get_column_letter(freeze + 1)}2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{n_rows + 1}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _fill_planner_readme(ws, *, title: str, lang: str, notes: Sequence[str], sheets: Sequence[Sheet],
                         names: Sequence[str]) -> None:
    from openpyxl.styles import Alignment, Font

    from simlib.present import i18n

    wrap = Alignment(wrap_text=True, vertical="top")
    row = 1
    _set_cell(ws, row, 1, _excel_value(i18n.t("workbook.readme_title", lang, title=title))).font = Font(bold=True,
                                                                                                        size=13)
    row += 2
    if notes:
        _set_cell(ws, row, 1, _excel_value(i18n.t("workbook.readme_notes", lang))).font = Font(bold=True)
        row += 1
        for line in notes:
            c = _set_cell(ws, row, 1, _excel_value(str(line)))
            c.alignment = wrap
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            row += 1
        row += 1
    _set_cell(ws, row, 1, _excel_value(i18n.t("workbook.readme_sheets", lang))).font = Font(bold=True)
    row += 1
    for j, key in enumerate(("sheet", "table"), start=1):
        _set_cell(ws, row, j, _excel_value(i18n.column_label(key, lang))).font = Font(bold=True)
    row += 1
    for sheet, name in zip(sheets, names):
        _set_cell(ws, row, 1, _excel_value(name))
        _set_cell(ws, row, 2, _excel_value(sheet.note)).alignment = wrap
        row += 1
    row += 1
    for key in ("workbook.readme_columns", "workbook.readme_numbers"):
        c = _set_cell(ws, row, 1, _excel_value(i18n.t(key, lang)))
        c.alignment = wrap
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        row += 1
    ws.column_dimensions["A"].width = 34.0
    ws.column_dimensions["B"].width = 90.0


def write_planner_workbook(
    path: str | Path,
    sheets: Sequence[Sheet],
    *,
    lang: str,
    title: str,
    notes: Sequence[str] = (),
    readme_sheet: str | None = None,
) -> Path:
    """The planner's workbook: sheets in the report's language, README last; byte-identical on reruns.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file.
    sheets : sequence of Sheet
        In order; put the summary (one row per target) first.
    lang : {"vi", "en"}
        Language of headers, codes, number formats (money) and the README sheet.
    title : str
        What the workbook is about (first line of the README sheet).
    notes : sequence of str
        General notes for the README sheet (run, sources, "illustrative" flags).
    readme_sheet : str, optional
        Name of the README sheet (default glossary ``workbook.readme_sheet``:
        "Hướng dẫn" / "README").

    Returns
    -------
    Path

    Notes
    -----
    Every sheet: bold shaded header row (wrapped), frozen header row and
    ``freeze_columns`` leading columns, an autofilter, widths from the
    content, number formats per column kind (counts ``#,##0``, shares
    ``0.0``, probabilities ``0.00``, money ``#,##0 "đ"``), verdict cells
    tinted, printing on A4 landscape fitted to the page width with the header
    repeated. Numbers are stored rounded to what is shown (the CSV files keep
    full precision). Excel shows the decimal mark of the reader's computer.
    """
    from openpyxl import Workbook

    from simlib.present import i18n

    i18n.check_lang(lang)
    if not sheets:
        raise ValueError("nothing to write: no sheets")
    readme = _clean_sheet_name(readme_sheet or i18n.t("workbook.readme_sheet", lang))
    names = sheet_names([s.name for s in sheets], reserved=[readme])
    wb = Workbook()
    wb.remove(wb.active)
    props = wb.properties
    props.created = props.modified = FIXED_TIMESTAMP
    props.creator = "simlib"
    props.lastModifiedBy = None
    props.title = title
    props.language = lang
    for sheet, name in zip(sheets, names):
        _fill_planner_sheet(wb.create_sheet(name), sheet, lang)
    _fill_planner_readme(wb.create_sheet(readme), title=title, lang=lang, notes=list(notes), sheets=sheets,
                         names=names)
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    return _atomic_write(Path(path), lambda fh: _normalise_zip(data, fh))


def display_table(table: pd.DataFrame, columns: Sequence[Column] | None, lang: str, *,
                  ids: bool = False) -> pd.DataFrame:
    """A table as display text for HTML and Word: headers and values in ``lang``, columns in spec order.

    ``id`` columns are left out (documents for people show no machine ids;
    the workbook and the CSV files keep them) unless ``ids=True`` (then last).
    """
    cols = [c for c in ordered_columns(table, columns) if ids or c.kind != "id"]
    out = pd.DataFrame({c.header(lang): [c.text(v, lang) for v in table[c.key].tolist()] for c in cols},
                       index=range(len(table)))
    return out
