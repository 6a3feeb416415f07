"""Reading planners' files: CSV, Excel (.xlsx, .xls) and OpenDocument (.ods), as an office exports them.

Everything here is read-only: no function in this module opens a file for
writing. Problems are collected as :class:`Problem` records (file, sheet,
row, column letter and header, reason) instead of being raised one at a
time, so a planner sees every fault in a file at once.

What a planner's office sends is rarely a bare table. :func:`read_table`
finds the table inside the sheet and says what it did, as ``notes``:

* the sheet: the active, visible sheet of a workbook unless ``sheet`` names
  one; a hidden sheet is never read unless named; other sheets holding data
  are mentioned;
* the header row under a title block ("UỶ BAN NHÂN DÂN TỈNH …", "BIỂU TỔNG
  HỢP …"), and a second header row under merged header cells;
* rows that are not data: totals ("Tổng cộng", "Cộng", "Toàn tỉnh"), section
  headings ("I. CẤP THCS") and footnotes or signature blocks under the table;
* a unit written in a header ("Giá trị (%)"), kept for the validator;
* cell number formats: a cell formatted as a percentage (shows "15,21%",
  stores 0.1521) arrives as a :class:`PercentCell`, so it can never be read
  as 0.1521 %;
* a formula with no saved result arrives as a :class:`FormulaCell`, so the
  message names the formula instead of saying "no figure".

Row numbers are the ones the spreadsheet shows (the first line of the file
is row 1), whatever title block sits above the header.

Readers (see README, "Bring your own data"): ``openpyxl`` for .xlsx/.xlsm
(it exposes number formats, merged cells, hidden sheets and the active
sheet), ``xlrd`` for .xls (with ``formatting_info`` it exposes the same for
the old binary format), ``python-calamine`` for .ods (fast, and it reports
hidden sheets; percentage-typed cells are found in the file's XML).
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
import statistics
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from simlib.errors import InputError

__all__ = [
    "Problem",
    "ValidationError",
    "RawTable",
    "PercentCell",
    "FormulaCell",
    "read_table",
    "normalize_text",
    "fold_key",
    "strip_accents",
    "is_missing",
    "parse_number",
    "NumberError",
    "column_letter",
    "header_unit",
    "TOTAL_WORDS",
]

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
SUPPORTED = ".csv, .tsv, .txt, .xlsx, .xlsm, .xls, .ods"
MISSING_TOKENS = {"", "na", "n/a", "nan", "none", "null", "-", "—", "–", "..", "…"}

#: First-cell texts of rows that sum other rows; they are not data (folded, accents kept).
TOTAL_WORDS = ("tổng cộng", "cộng", "tổng", "tổng số", "toàn tỉnh", "toàn huyện", "toàn thành phố", "toàn ngành",
               "total", "grand total", "sum", "tong cong", "toan tinh", "cong")


# ----------------------------------------------------------------------------
# Problems
# ----------------------------------------------------------------------------


def _ranges(rows: tuple[int, ...]) -> str:
    out, start, prev = [], None, None
    for r in sorted(set(rows)):
        if start is None:
            start = prev = r
        elif r == prev + 1:
            prev = r
        else:
            out.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = r
    if start is not None:
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(out)


@dataclass(frozen=True)
class Problem:
    """One fault in an input file, in words a planner understands.

    Attributes
    ----------
    file : str
        File name as given by the user.
    row : int or None
        Row number as the spreadsheet shows it (first line of the file = 1);
        None when the problem concerns the whole file. When one cause hits
        several rows, ``row`` is the first and ``rows`` lists them all.
    column : str or None
        Column header as written in the file (or the schema name when the
        column is missing).
    message : str
        What is wrong, the value seen, and what to do.
    sheet : str or None
        Worksheet name (workbooks only).
    letter : str or None
        Column letter as the spreadsheet shows it ("D").
    rows : tuple of int
        Every row with this same problem (empty: just ``row``).
    lang : {"en", "vi"}
        Language of the location words in ``str(problem)``.
    """

    file: str
    row: int | None
    column: str | None
    message: str
    sheet: str | None = None
    letter: str | None = None
    rows: tuple[int, ...] = ()
    lang: str = "en"

    def where(self) -> str:
        vi = self.lang == "vi"
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"{'trang tính' if vi else 'sheet'} '{self.sheet}'")
        rows = self.rows or ((self.row,) if self.row is not None else ())
        if rows:
            word = ("dòng" if vi else ("rows" if len(rows) > 1 else "row"))
            parts.append(f"{word} {_ranges(rows)}")
        if self.column is not None or self.letter is not None:
            word = "cột" if vi else "column"
            if self.letter and self.column:
                parts.append(f"{word} '{self.column}' ({self.letter})")
            elif self.column:
                parts.append(f"{word} '{self.column}'")
            else:
                parts.append(f"{word} {self.letter}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"


class ValidationError(InputError):
    """Raised when an input file has one or more problems.

    ``problems`` lists every problem found, not just the first; ``notes``
    says what the reader did (sheet, header row, rows left out).
    """

    def __init__(self, problems: list[Problem], notes: tuple[str, ...] | list[str] = ()):
        self.problems = list(problems)
        self.notes = tuple(notes)
        n = len(self.problems)
        vi = bool(self.problems) and all(p.lang == "vi" for p in self.problems)
        head = (f"Tìm thấy {n} lỗi:" if vi else f"{n} problem{'s' if n != 1 else ''} found:")
        lines = [head, *(f"  - {p}" for p in self.problems)]
        if self.notes:
            lines += [("Ghi chú:" if vi else "Notes:"), *(f"  * {s}" for s in self.notes)]
        super().__init__("\n".join(lines))


# ----------------------------------------------------------------------------
# Cells
# ----------------------------------------------------------------------------


class PercentCell(float):
    """A number cell formatted as a percentage: the float is the stored fraction (0.1521 shows "15,21%")."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{100 * float(self):g}%"


@dataclass(frozen=True)
class FormulaCell:
    """A formula cell with no saved result (the file was written by a program that does not calculate)."""

    formula: str

    def __str__(self) -> str:
        return self.formula if self.formula.startswith("=") else "=" + self.formula


# Invisible characters removed from every text cell (zero-width space/joiners, word joiner, soft hyphen,
# BOM, bidi marks); every kind of space becomes a plain space.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\u00ad\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                               "\u2066\u2067\u2068\u2069\u180e"), None)
_INVISIBLE.update(dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008"
                                     "\u3000\t\r\n\x0b\x0c"), " "))
_INVISIBLE.update({c: None for c in range(0, 32) if chr(c) not in "\t\r\n\x0b\x0c"})


def normalize_text(value: object) -> object:
    """Normalise a text cell: Unicode NFC, invisible characters removed, every space a plain space, stripped.

    Vietnamese text may arrive in NFD (decomposed diacritics, common from macOS
    and some web forms) or NFC; both compare equal after this. Zero-width
    spaces, soft hyphens, byte-order marks and direction marks are removed.
    """
    if not isinstance(value, str):
        return value
    if value.isascii() and value.isprintable():
        return value.strip()
    s = value.translate(_INVISIBLE)
    if not s.isascii():
        s = unicodedata.normalize("NFC", s)
    return s.strip()


_TONES = "\u0300\u0301\u0303\u0309\u0323"
_OLD_TONE = re.compile(rf"([oO])([aAeE])([{_TONES}])|([uU])([yY])([{_TONES}])")


def fold_key(value: object) -> str:
    """Key for matching names: NFC, case-folded, inner whitespace collapsed, one tone-mark placement.

    "Hoà" and "Hòa", "Thuỷ" and "Thủy" (old and new tone placement) give the same key.
    """
    return _fold(value if isinstance(value, str) else str(value))


@functools.lru_cache(maxsize=131072)
def _fold(value: str) -> str:
    s = str(normalize_text(value))
    if not s.isascii():
        d = unicodedata.normalize("NFD", s)
        if _OLD_TONE.search(d):
            d = _OLD_TONE.sub(lambda m: (m.group(1) + m.group(3) + m.group(2)) if m.group(1)
                              else (m.group(4) + m.group(6) + m.group(5)), d)
        s = unicodedata.normalize("NFC", d)
    return re.sub(r"\s+", " ", s).casefold()


def strip_accents(value: str) -> str:
    """'Đức Hòa' -> 'duc hoa' (for suggestions and slugs, never for matching)."""
    s = unicodedata.normalize("NFD", fold_key(value).replace("đ", "d"))
    return "".join(ch for ch in s if unicodedata.category(ch) != "Mn")


def is_missing(value: object) -> bool:
    """None, NaN, an empty or blank cell, or a placeholder such as "-", "NA", "…"."""
    if value is None:
        return True
    t = type(value)
    if t is str:
        return len(value) <= 6 and value.strip().casefold() in MISSING_TOKENS
    if t is float:
        return value != value
    if isinstance(value, str):
        return value.strip().casefold() in MISSING_TOKENS
    return False


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA' (the spreadsheet's column letters)."""
    s, n = "", index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


_UNIT_IN_HEADER = re.compile(r"^(.*?)\s*[\(\[]\s*([^()\[\]]{1,24})\s*[\)\]]\s*$")
_HEADER_UNITS = {"%": "percent", "phần trăm": "percent", "percent": "percent", "pct": "percent",
                 "0-1": "share", "share": "share", "tỷ lệ 0-1": "share",
                 "học sinh": "students", "hs": "students", "students": "students", "người": "students",
                 "chỗ": "places", "places": "places", "chỉ tiêu": "places"}


def header_unit(header: str) -> tuple[str, str | None]:
    """Split a header into its name and the unit written in brackets: 'Giá trị (%)' -> ('Giá trị', 'percent').

    A bracketed text that is not a unit stays part of the name.
    """
    m = _UNIT_IN_HEADER.match(header)
    if m:
        unit = _HEADER_UNITS.get(fold_key(m.group(2)))
        if unit:
            return m.group(1).strip(), unit
    s = header.strip()
    if s.endswith("%") and len(s) > 1 and not s[:-1].strip().endswith(("%", "(")):
        return s[:-1].strip().rstrip("(").strip(), "percent"
    return s, None


# ----------------------------------------------------------------------------
# Numbers
# ----------------------------------------------------------------------------


class NumberError(InputError):
    """A cell that is not a usable number; the message says why in plain words."""


_NUM_CHARS = re.compile(r"^[+-]?[0-9][0-9.,\s]*$")


def parse_number(value: object, *, integer: bool = False, rate: bool = False) -> tuple[float, bool]:
    """Parse a number written the Vietnamese or the English way.

    Parameters
    ----------
    value : str, int or float
        The cell. Excel number cells arrive as ``int``/``float`` and are taken
        as they are; a :class:`PercentCell` (a cell formatted as a percentage)
        gives its percent value (0.1521 -> 15.21) with the % flag set.
    integer : bool
        The column holds whole counts (students, places): a fractional value is
        an error, and a lone separator followed by exactly three digits
        ("21.000", "21,000") is refused as ambiguous.
    rate : bool
        The column holds a rate: a lone separator is always a decimal mark
        ("40,12" and "40.12" both mean 40.12).

    Returns
    -------
    (number, had_percent_sign)

    Rules
    -----
    * "40,12" -> 40.12 (decimal comma); "40.12" -> 40.12.
    * "1.688.547" or "1,688,547" or "1 688 547" -> 1688547 (thousands separators).
    * "1.234,5" -> 1234.5 (Vietnamese); "1,234.5" -> 1234.5 (English).
    * A trailing "%" is allowed and reported back, so the caller can check it
      agrees with the unit column.
    """
    if isinstance(value, FormulaCell):
        raise NumberError(f"the cell holds the formula {value} but no saved result; open the file in Excel or "
                          "LibreOffice, let it calculate, save it, and try again (or type the number)")
    if isinstance(value, bool):
        raise NumberError(f"'{value}' is not a number")
    if isinstance(value, PercentCell):
        x = 100.0 * float(value)
        if integer:
            raise NumberError(f"'{x:g}%' is a percentage, not a count of students or places")
        return round(x, 10), True
    if isinstance(value, (int, float)):
        x = float(value)
        if math.isnan(x):
            raise NumberError("the cell is empty")
        if integer and not x.is_integer():
            raise NumberError(f"'{value}' is not a whole number (counts of students or places must be whole)")
        return x, False
    s = str(normalize_text(value))
    had_pct = s.endswith("%")
    if had_pct:
        s = s[:-1].strip()
    if not s or not _NUM_CHARS.match(s):
        raise NumberError(f"'{value}' is not a number")
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    s = re.sub(r"\s+", "", s)
    n_dot, n_comma = s.count("."), s.count(",")
    if n_dot and n_comma:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        thou = "." if dec == "," else ","
        if s.count(dec) > 1:
            raise NumberError(f"'{value}' mixes separators in a way that cannot be read")
        int_part, frac = s.split(dec)
        if not _grouped_ok(int_part, thou):
            raise NumberError(f"'{value}' has misplaced thousands separators")
        s = int_part.replace(thou, "") + "." + frac
    elif n_dot + n_comma == 1:
        sep = "." if n_dot else ","
        int_part, frac = s.split(sep)
        if not int_part or not frac:
            raise NumberError(f"'{value}' is not a number")
        if integer and len(frac) == 3 and not rate:
            raise NumberError(
                f"'{value}' is ambiguous: it could be {int_part}{sep}{frac} with a decimal mark "
                f"or {int_part}{frac} with a thousands separator; write the count without separators "
                f"(e.g. {int_part}{frac})"
            )
        s = int_part + "." + frac
    elif n_dot + n_comma > 1:
        sep = "." if n_dot else ","
        if not _grouped_ok(s, sep):
            raise NumberError(f"'{value}' has misplaced thousands separators")
        s = s.replace(sep, "")
    try:
        x = sign * float(s)
    except ValueError:  # pragma: no cover - guarded by the regex above
        raise NumberError(f"'{value}' is not a number") from None
    if integer and not x.is_integer():
        raise NumberError(f"'{value}' is not a whole number (counts of students or places must be whole)")
    return x, had_pct


def _grouped_ok(s: str, sep: str) -> bool:
    parts = s.split(sep)
    return bool(parts[0]) and len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])


# ----------------------------------------------------------------------------
# The table read from a file
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RawTable:
    """A file's cells as read, before any checking.

    ``frame`` holds one column per header cell (header text normalised, a
    bracketed unit removed: "Giá trị (%)" -> "Giá trị") and the cells as
    Python objects: ``str`` for text (NFC, stripped), ``int``/``float`` for
    number cells, :class:`PercentCell` for percent-formatted cells,
    :class:`FormulaCell` for formulas without a saved result, ``None`` for
    empty cells. ``rows`` gives each frame row's row number as the
    spreadsheet shows it.

    Attributes
    ----------
    sheet : str or None
        The worksheet read (workbooks).
    notes : tuple of str
        What the reader did (sheet chosen, header row, rows left out).
    header_row : int
        Row number of the header (the last one when two rows make the header).
    letters : dict
        Column header -> column letter ("D").
    units : dict
        Column header -> unit written in the header ("percent").
    title : tuple of str
        Text of the title block above the header (used for the file's province).
    excluded : tuple of (int, str)
        Rows left out as totals, sections or footnotes, with their first text.
    lang : {"en", "vi"}
        "vi" when the header is written in Vietnamese.
    """

    file: str
    frame: pd.DataFrame
    rows: tuple[int, ...]
    problems: tuple[Problem, ...] = ()
    sheet: str | None = None
    notes: tuple[str, ...] = ()
    header_row: int = 1
    letters: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    title: tuple[str, ...] = ()
    excluded: tuple[tuple[int, str], ...] = ()
    lang: str = "en"


class _Bi(str):
    """A note in English (the string) that also carries its Vietnamese text, chosen once the header is known."""

    vi: str

    def __new__(cls, en: str, vi: str):
        obj = super().__new__(cls, en)
        obj.vi = vi
        return obj


@dataclass
class _Grid:
    """One sheet as rows of cells: ``cells[i][j]`` is at spreadsheet row ``row0 + i`` and column ``j``."""

    cells: list[list[object]]
    row0: int = 1
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r1, c1, r2, c2), 0-based inclusive
    others: list[str] = field(default_factory=list)  # other visible sheets holding data (workbooks)


def read_table(path: str | Path, *, sheet: str | int | None = None, header_names: set[str] | None = None,
               lang: str | None = None) -> RawTable:
    """Read a CSV, Excel or OpenDocument file into a :class:`RawTable` without judging its content.

    Parameters
    ----------
    path : path-like
        ``.csv``/``.tsv``/``.txt`` (UTF-8 with or without BOM, UTF-16 with BOM,
        or Windows-1258; comma, semicolon or tab; an Excel ``sep=;`` first line
        is honoured), ``.xlsx``/``.xlsm``, ``.xls`` or ``.ods``.
    sheet : str or int, optional
        Worksheet name, or its position counting from 1 as the tabs show.
        Default: the active sheet if visible, else the first visible one. A
        hidden sheet is read only when named here.
    header_names : set of str, optional
        Folded header words the caller expects (schema names and aliases);
        used to find the header row under a title block.
    lang : {"en", "vi"}, optional
        Language of the notes and problems (default: from the header row).

    Raises
    ------
    ValidationError
        When the file cannot be read at all (missing, wrong encoding, empty,
        unsupported format, unknown sheet). Cell-level problems are not
        raised here. The file is opened read-only and never modified.
    """
    p = Path(path)
    label = str(path)
    vi = lang == "vi"
    if not p.exists():
        raise ValidationError([Problem(label, None, None, "không tìm thấy tệp" if vi else "file not found", lang=lang or "en")])
    if p.is_dir():
        raise ValidationError([Problem(label, None, None, "đây là thư mục, không phải tệp" if vi
                                       else "this is a folder, not a file", lang=lang or "en")])
    suffix = p.suffix.lower()
    head = p.read_bytes()[:8]
    reader = None
    if suffix in EXCEL_SUFFIXES or (suffix not in {".xls", ".ods"} and head.startswith(b"PK\x03\x04")
                                     and _zip_kind(p) == "xlsx"):
        reader = _read_xlsx
    elif suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        reader = _read_xls
    elif suffix == ".ods" or (head.startswith(b"PK\x03\x04") and _zip_kind(p) == "ods"):
        reader = _read_ods
    if reader is not None:
        grid, sheet_name, notes = reader(p, label, sheet, lang)
        if sheet is None and header_names and grid.others and _header_score(grid, header_names) < 2:
            # The active sheet holds no table (instructions, a cover page): one other visible sheet that does is read.
            found = []
            for other in grid.others:
                g2, _, _ = reader(p, label, other, lang)
                if _header_score(g2, header_names) >= 2:
                    found.append((g2, other))
            if len(found) == 1:
                grid, name2 = found[0]
                notes = [_Bi(f"sheet '{sheet_name}' (the active sheet) holds no table with simlib's columns; read "
                             f"sheet '{name2}', the only other sheet that does (choose with --sheet NAME)",
                             f"trang tính '{sheet_name}' (đang mở) không có bảng với các cột của simlib; đã đọc trang "
                             f"'{name2}', trang duy nhất có bảng (chọn bằng --sheet TÊN)")]
                sheet_name = name2
    elif head.startswith(b"PK\x03\x04"):
        raise ValidationError([Problem(label, None, None, f"not a readable spreadsheet (a zip archive that is neither "
                                                          f".xlsx nor .ods); supported: {SUPPORTED}")])
    else:
        if sheet is not None:
            notes = [_Bi(f"--sheet is ignored: {p.name} is a text (CSV) file with one table",
                     f"bỏ qua --sheet: {p.name} là tệp văn bản (CSV) chỉ có một bảng")]
        else:
            notes = []
        grid, csv_notes = _read_csv(p, label, lang)
        notes += csv_notes
        sheet_name = None
    return _table_from_grid(label, sheet_name, grid, notes, header_names, lang)


def _zip_kind(p: Path) -> str:
    try:
        with zipfile.ZipFile(p) as z:
            names = set(z.namelist())
    except zipfile.BadZipFile:
        return ""
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names:
        return "ods"
    return ""


def _sheet_error(label: str, sheet, names: list[str], lang: str | None) -> ValidationError:
    shown = ", ".join(f"{i + 1}: '{n}'" for i, n in enumerate(names))
    if lang == "vi":
        msg = f"không có trang tính '{sheet}'; tệp có: {shown}; chọn bằng --sheet TÊN hoặc --sheet SỐ (đếm từ 1)"
    else:
        msg = f"there is no sheet '{sheet}'; the workbook has {shown}; choose one with --sheet NAME or --sheet N (from 1)"
    return ValidationError([Problem(label, None, None, msg, lang=lang or "en")])


def _choose_sheet(label: str, sheet, names: list[str], visible: list[bool], active: int | None, has_data: list[bool],
                  lang: str | None) -> tuple[int, list[str]]:
    """Index of the sheet to read and the notes that say why."""
    notes: list[str] = []
    vi = lang == "vi"
    if sheet is not None:
        s = str(sheet).strip()
        idx = next((i for i, n in enumerate(names) if n == s), None)
        if idx is None:
            idx = next((i for i, n in enumerate(names) if fold_key(n) == fold_key(s)), None)
        if idx is None and re.fullmatch(r"\d+", s) and 1 <= int(s) <= len(names):
            idx = int(s) - 1
        if idx is None:
            raise _sheet_error(label, sheet, names, lang)
        if not visible[idx]:
            notes.append(_Bi(f"sheet '{names[idx]}' is hidden in the workbook; it was read because --sheet names it",
                             f"trang tính '{names[idx]}' đang bị ẩn; đã đọc vì được chọn bằng --sheet"))
        return idx, notes
    candidates = [i for i in range(len(names)) if visible[i]]
    if not candidates:
        raise ValidationError([Problem(label, None, None, "mọi trang tính đều bị ẩn; chọn một bằng --sheet" if vi
                                       else "every sheet is hidden; choose one with --sheet NAME", lang=lang or "en")])
    idx = active if active is not None and 0 <= active < len(names) and visible[active] else candidates[0]
    others = [i for i in range(len(names)) if i != idx and has_data[i]]
    if len(names) > 1:
        act = idx == active
        en = f"read sheet '{names[idx]}' ({'the active sheet' if act else 'the first visible sheet'})"
        vi_ = f"đã đọc trang tính '{names[idx]}' ({'trang tính đang mở' if act else 'trang tính hiện đầu tiên'})"
        if others:
            en += "; other sheets also hold data: " + ", ".join(
                f"'{names[i]}'" + (" (hidden)" if not visible[i] else "") for i in others) + " — choose one with --sheet NAME"
            vi_ += "; các trang khác cũng có số liệu: " + ", ".join(
                f"'{names[i]}'" + (" (ẩn)" if not visible[i] else "") for i in others) + " — chọn bằng --sheet TÊN"
        notes.append(_Bi(en, vi_))
    return idx, notes


def _others(names, visible, has_data, idx) -> list[str]:
    return [n for i, n in enumerate(names) if i != idx and visible[i] and has_data[i]]


def _excel_value(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, (int, float)):
        return v
    if hasattr(v, "year") and hasattr(v, "month"):
        # A date cell: keep the year, which is what simlib's year columns hold.
        return str(getattr(v, "year"))
    s = normalize_text(str(v))
    return s if s != "" else None


def _read_xlsx_openpyxl(p: Path, label: str, sheet, lang) -> tuple[_Grid, str, list[str]]:
    """Fallback reader for a workbook python-calamine cannot open (formats, merges and sheets from openpyxl)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, data_only=True, read_only=False)
    except Exception as exc:  # zip/xml errors from a corrupt workbook
        raise ValidationError([Problem(label, None, None, f"not a readable Excel workbook ({type(exc).__name__}); "
                                                          "open it in Excel and save it again as .xlsx")]) from None
    try:
        sheets = wb.worksheets
        names = [ws.title for ws in sheets]
        visible = [ws.sheet_state == "visible" for ws in sheets]
        try:
            active = wb.index(wb.active) if wb.active is not None else None
        except (ValueError, AttributeError):
            active = None
        has_data = [ws.max_row > 1 or ws.max_column > 1 or ws.cell(1, 1).value is not None for ws in sheets]
        idx, notes = _choose_sheet(label, sheet, names, visible, active, has_data, lang)
        ws = sheets[idx]
        formulas = _xlsx_formulas_without_value(p, names[idx])
        cells: list[list[object]] = []
        for r_i, row in enumerate(ws.iter_rows()):
            out = []
            for c_i, c in enumerate(row):
                v = c.value
                if v is None:
                    f = formulas.get((r_i, c_i))
                    out.append(FormulaCell(f) if f is not None else None)
                    continue
                if isinstance(v, (int, float)) and not isinstance(v, bool) and "%" in (c.number_format or ""):
                    out.append(PercentCell(v))
                else:
                    out.append(_excel_value(v))
            cells.append(out)
        merged = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        return _Grid(cells, 1, merged, _others(names, visible, has_data, idx)), names[idx], notes
    finally:
        wb.close()


def _read_xlsx(p: Path, label: str, sheet, lang) -> tuple[_Grid, str, list[str]]:
    """Values by python-calamine (fast); number formats, formulas and the active sheet from the workbook's XML."""
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(p))
    except Exception:
        return _read_xlsx_openpyxl(p, label, sheet, lang)
    try:
        meta = wb.sheets_metadata
        names = [m.name for m in meta]
        visible = [m.visible == pc.SheetVisibleEnum.Visible for m in meta]
        sheets = [wb.get_sheet_by_name(n) for n in names]
        has_data = [sh.height > 0 for sh in sheets]
        info = _XlsxInfo(p)
        idx, notes = _choose_sheet(label, sheet, names, visible, info.active, has_data, lang)
        ws = sheets[idx]
        rows = ws.to_python(skip_empty_area=False)
        merged = [(a[0], a[1], b[0], b[1]) for a, b in (ws.merged_cell_ranges or [])]
    finally:
        wb.close()
    xml = info.sheet_xml(names[idx])
    pct = info.percent_cells(xml)
    formulas = _xlsx_formulas_without_value(p, names[idx], xml)
    cells: list[list[object]] = []
    for r_i, row in enumerate(rows):
        out = []
        for c_i, v in enumerate(row):
            if v == "" or v is None:
                f = formulas.get((r_i, c_i)) if formulas else None
                out.append(FormulaCell(f) if f is not None else None)
            elif pct and (r_i, c_i) in pct and isinstance(v, (int, float)) and not isinstance(v, bool):
                out.append(PercentCell(v))
            elif type(v) is str:
                s = normalize_text(v)
                out.append(s if s != "" else None)
            else:
                out.append(_excel_value(v))
        cells.append(out)
    # formulas in cells beyond the values' area
    for (r_i, c_i), f in (formulas or {}).items():
        while len(cells) <= r_i:
            cells.append([])
        row = cells[r_i]
        if len(row) <= c_i:
            row.extend([None] * (c_i + 1 - len(row)))
        if row[c_i] is None:
            row[c_i] = FormulaCell(f)
    return _Grid(cells, 1, merged, _others(names, visible, has_data, idx)), names[idx], notes


class _XlsxInfo:
    """What an .xlsx says about its sheets and styles, read from its XML (no cell values)."""

    NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}

    def __init__(self, p: Path):
        self.p = p
        self.active: int | None = None
        self.targets: dict[str, str] = {}
        self.percent_styles: set[int] = set()
        try:
            with zipfile.ZipFile(p) as z:
                wbx = ElementTree.fromstring(z.read("xl/workbook.xml"))
                rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
                styles = z.read("xl/styles.xml") if "xl/styles.xml" in z.namelist() else None
        except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
            return
        m, r = self.NS["m"], self.NS["r"]
        view = wbx.find(f"{{{m}}}bookViews/{{{m}}}workbookView")
        if view is not None:
            self.active = int(view.get("activeTab", "0"))
        else:
            self.active = 0
        rel = {x.get("Id"): x.get("Target") for x in rels}
        for sh in wbx.iter(f"{{{m}}}sheet"):
            t = rel.get(sh.get(f"{{{r}}}id"))
            if t:
                self.targets[sh.get("name")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
        if styles is not None:
            st = ElementTree.fromstring(styles)
            fmts = {9: "0%", 10: "0.00%"}
            for nf in st.iter(f"{{{m}}}numFmt"):
                fmts[int(nf.get("numFmtId"))] = nf.get("formatCode", "")
            xfs = st.find(f"{{{m}}}cellXfs")
            if xfs is not None:
                for i, xf in enumerate(xfs):
                    code = fmts.get(int(xf.get("numFmtId", "0")), "")
                    if "%" in code.replace("\\%", "").replace('"%"', ""):
                        self.percent_styles.add(i)

    def sheet_xml(self, name: str) -> bytes:
        t = self.targets.get(name)
        if not t:
            return b""
        try:
            with zipfile.ZipFile(self.p) as z:
                return z.read(t)
        except (KeyError, zipfile.BadZipFile):
            return b""

    def percent_cells(self, xml: bytes) -> set[tuple[int, int]]:
        if not self.percent_styles or not xml:
            return set()
        want = {str(i).encode() for i in self.percent_styles}
        out = set()
        for mt in _STYLED_CELL_RE.finditer(xml):
            if mt.group(3) in want:
                out.add((int(mt.group(2)) - 1, _col_index(mt.group(1))))
        return out


_STYLED_CELL_RE = re.compile(rb"<c r=\"([A-Z]+)(\d+)\"[^>]*?\ss=\"(\d+)\"")


def _col_index(letters: bytes) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ch - 64
    return col - 1


_CELL_RE = re.compile(rb"<c r=\"([A-Z]+)(\d+)\"[^>]*?(?:/>|>(.*?)</c>)", re.S)
_F_RE = re.compile(rb"<f[^>]*?(?:/>|>(.*?)</f>)", re.S)
_V_RE = re.compile(rb"<v>\s*[^<\s]")


def _xlsx_formulas_without_value(p: Path, sheet_name: str, xml: bytes | None = None) -> dict[tuple[int, int], str]:
    """(row, column) 0-based -> formula text, for formula cells whose saved result is missing."""
    if xml is not None:
        return _formulas_in(xml)
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    try:
        with zipfile.ZipFile(p) as z:
            wbx = ElementTree.fromstring(z.read("xl/workbook.xml"))
            rid = next((s.get(f"{{{ns['r']}}}id") for s in wbx.iter(f"{{{ns['m']}}}sheet")
                        if s.get("name") == sheet_name), None)
            rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            target = next((r.get("Target") for r in rels if r.get("Id") == rid), None)
            if target is None:
                return {}
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            xml = z.read(target)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return {}
    return _formulas_in(xml)


def _formulas_in(xml: bytes) -> dict[tuple[int, int], str]:
    if b"<f" not in xml:
        return {}
    out = {}
    for m in _CELL_RE.finditer(xml):
        body = m.group(3) or b""
        fm = _F_RE.search(body)
        if fm is None or _V_RE.search(body):
            continue
        col = 0
        for ch in m.group(1).decode():
            col = col * 26 + ord(ch) - 64
        text = (fm.group(1) or b"").decode("utf-8", "replace")
        out[(int(m.group(2)) - 1, col - 1)] = "=" + text if text else "(shared formula)"
    return out


def _read_xls(p: Path, label: str, sheet, lang) -> tuple[_Grid, str, list[str]]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(p), formatting_info=True, on_demand=True)
    except Exception as exc:
        raise ValidationError([Problem(label, None, None, f"not a readable Excel 97-2003 (.xls) workbook "
                                                          f"({type(exc).__name__}); open it in Excel and save as .xlsx")]) from None
    try:
        names = book.sheet_names()
        shs = [book.sheet_by_index(i) for i in range(len(names))]
        visible = [sh.visibility == 0 for sh in shs]
        active = next((i for i, sh in enumerate(shs) if sh.sheet_visible), None)
        has_data = [sh.nrows > 0 for sh in shs]
        idx, notes = _choose_sheet(label, sheet, names, visible, active, has_data, lang)
        sh = shs[idx]
        cells = []
        for r in range(sh.nrows):
            out = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                t = cell.ctype
                if t in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    out.append(None)
                elif t == xlrd.XL_CELL_NUMBER:
                    fmt = book.format_map.get(book.xf_list[cell.xf_index].format_key)
                    if fmt is not None and "%" in fmt.format_str:
                        out.append(PercentCell(cell.value))
                    else:
                        out.append(_excel_value(cell.value))
                elif t == xlrd.XL_CELL_DATE:
                    out.append(str(xlrd.xldate_as_tuple(cell.value, book.datemode)[0]))
                elif t == xlrd.XL_CELL_BOOLEAN:
                    out.append(bool(cell.value))
                elif t == xlrd.XL_CELL_ERROR:
                    out.append(xlrd.error_text_from_code.get(cell.value, "#ERROR"))
                else:
                    out.append(_excel_value(cell.value))
            cells.append(out)
        merged = [(r1, c1, r2 - 1, c2 - 1) for r1, r2, c1, c2 in sh.merged_cells]
        return _Grid(cells, 1, merged, _others(names, visible, has_data, idx)), names[idx], notes
    finally:
        book.release_resources()


def _read_ods(p: Path, label: str, sheet, lang) -> tuple[_Grid, str, list[str]]:
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(p))
    except Exception as exc:
        raise ValidationError([Problem(label, None, None, f"not a readable OpenDocument spreadsheet (.ods) "
                                                          f"({type(exc).__name__})")]) from None
    try:
        meta = wb.sheets_metadata
        names = [m.name for m in meta]
        visible = [m.visible == pc.SheetVisibleEnum.Visible for m in meta]
        has_data = []
        for n in names:
            try:
                has_data.append(wb.get_sheet_by_name(n).height > 0)
            except Exception:
                has_data.append(False)
        active = _ods_active_sheet(p, names)
        idx, notes = _choose_sheet(label, sheet, names, visible, active, has_data, lang)
        ws = wb.get_sheet_by_name(names[idx])
        rows = ws.to_python(skip_empty_area=False)
    finally:
        wb.close()
    pct, spans = _ods_cell_types(p, idx)
    cells = []
    for r_i, row in enumerate(rows):
        out = []
        for c_i, v in enumerate(row):
            if isinstance(v, str) and v == "":
                out.append(None)
            elif (r_i, c_i) in pct and isinstance(v, (int, float)) and not isinstance(v, bool):
                out.append(PercentCell(v))
            else:
                out.append(_excel_value(v))
        cells.append(out)
    return _Grid(cells, 1, spans, _others(names, visible, has_data, idx)), names[idx], notes


_ODS_NS = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
           "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
           "config": "urn:oasis:names:tc:opendocument:xmlns:config:1.0"}


def _ods_active_sheet(p: Path, names: list[str]) -> int | None:
    try:
        with zipfile.ZipFile(p) as z:
            if "settings.xml" not in z.namelist():
                return None
            root = ElementTree.fromstring(z.read("settings.xml"))
    except (zipfile.BadZipFile, ElementTree.ParseError):
        return None
    for item in root.iter(f"{{{_ODS_NS['config']}}}config-item"):
        if item.get(f"{{{_ODS_NS['config']}}}name") == "ActiveTable" and item.text in names:
            return names.index(item.text)
    return None


def _ods_cell_types(p: Path, index: int) -> tuple[set[tuple[int, int]], list[tuple[int, int, int, int]]]:
    """Percentage-typed cells and merged (spanned) cells of the ``index``-th table of an .ods file."""
    t = _ODS_NS["table"]
    o = _ODS_NS["office"]
    pct: set[tuple[int, int]] = set()
    spans: list[tuple[int, int, int, int]] = []
    try:
        with zipfile.ZipFile(p) as z:
            data = z.read("content.xml")
    except (KeyError, zipfile.BadZipFile):
        return pct, spans
    if b"percentage" not in data and b"spanned" not in data:
        return pct, spans
    root = ElementTree.fromstring(data)
    tables = list(root.iter(f"{{{t}}}table"))
    if index >= len(tables):
        return pct, spans
    r = 0
    for row in tables[index].iter(f"{{{t}}}table-row"):
        rrep = int(row.get(f"{{{t}}}number-rows-repeated", "1"))
        c = 0
        for cell in row:
            crep = int(cell.get(f"{{{t}}}number-columns-repeated", "1"))
            if cell.get(f"{{{o}}}value-type") == "percentage" and rrep * crep < 10_000:
                for dr in range(rrep):
                    for dc in range(crep):
                        pct.add((r + dr, c + dc))
            cs = int(cell.get(f"{{{t}}}number-columns-spanned", "1"))
            rs = int(cell.get(f"{{{t}}}number-rows-spanned", "1"))
            if cs > 1 or rs > 1:
                spans.append((r, c, r + rs - 1, c + cs - 1))
            c += crep
        r += rrep
    return pct, spans


# ----------------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------------

_VI_LETTERS = set("aăâbcdđeêghiklmnoôơpqrstuưvxyfjwz"
                  "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


def _decode(data: bytes, label: str, lang) -> tuple[str, list[str]]:
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16"), []
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    # Mostly valid UTF-8 with a few bad bytes is a damaged UTF-8 file, not a legacy encoding.
    non_ascii = sum(1 for b in data if b >= 0x80)
    lossy = data.decode("utf-8", "replace")
    good_multibyte = sum(1 for ch in lossy if ord(ch) >= 0x80 and ch != "\ufffd")
    line = data[:first_bad].count(b"\n") + 1
    if good_multibyte * 2 < non_ascii * 0.5 or good_multibyte == 0:
        try:
            text = unicodedata.normalize("NFC", data.decode("cp1258"))
        except UnicodeDecodeError:
            text = None
        if text is not None:
            letters = [ch for ch in text.casefold() if ch.isalpha()]
            if letters and all(ch in _VI_LETTERS for ch in letters):
                note = _Bi("the file is not UTF-8; it was read as Windows-1258 (Vietnamese) — check that the names "
                           "below look right", "tệp không phải UTF-8; đã đọc theo bảng mã Windows-1258 (tiếng Việt) "
                           "— hãy kiểm tra tên địa danh bên dưới")
                return text, [note]
    raise ValidationError([Problem(
        label, line, None,
        "tệp không phải văn bản UTF-8 (không đọc được chữ tiếng Việt; có thể là bảng mã TCVN3/VNI). Trong Excel chọn "
        "'Save As' > 'CSV UTF-8', hoặc lưu thành .xlsx; với bảng mã cũ dùng Unikey để chuyển sang Unicode"
        if lang == "vi" else
        "the file is not UTF-8 text (Vietnamese letters cannot be read; it may be in an old TCVN3/VNI encoding). "
        "In Excel use 'Save As' > 'CSV UTF-8 (Comma delimited)', or save as .xlsx; convert old encodings to "
        "Unicode with Unikey", lang=lang or "en")]) from None


def _read_csv(p: Path, label: str, lang) -> tuple[_Grid, list[str]]:
    data = p.read_bytes()
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ValidationError([Problem(label, None, None, "tệp rỗng" if lang == "vi" else "the file is empty",
                                       lang=lang or "en")])
    text, notes = _decode(data, label, lang)
    text = text.lstrip("\ufeff")
    row0 = 1
    delim = None
    m = re.match(r"\s*sep=(.)\s*?(\r\n|\n|\r|$)", text)
    if m:
        delim = m.group(1)
        text = text[m.end():]
        row0 = 2
        notes.append(_Bi(f"line 1 'sep={delim}' sets the delimiter", f"dòng 1 'sep={delim}' chỉ định dấu phân cách"))
    if delim is None:
        delim = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        rows = [r for r in reader]
    except csv.Error as exc:
        raise ValidationError([Problem(label, None, None, f"the CSV structure is broken ({exc})")]) from None
    memo: dict[str, object] = {}

    def clean(c: str):
        v = memo.get(c, memo)
        if v is memo:
            v = normalize_text(c) or None
            if len(memo) < 500_000:
                memo[c] = v
        return v

    cells = [[clean(c) if c else None for c in r] for r in rows]
    return _Grid(cells, row0, []), notes


def _count_outside_quotes(line: str, ch: str) -> int:
    n, inq = 0, False
    for c in line:
        if c == '"':
            inq = not inq
        elif c == ch and not inq:
            n += 1
    return n


def _sniff_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:60] if ln.strip()][:40]
    best, best_score = ",", (-1, -1)
    for d in (";", "\t", ","):
        counts = [_count_outside_quotes(ln, d) for ln in lines]
        nz = [c for c in counts if c > 0]
        if not nz:
            continue
        mode = statistics.mode(nz)
        score = (sum(1 for c in counts if c == mode), mode)
        if score > best_score:
            best, best_score = d, score
    return best


# ----------------------------------------------------------------------------
# Finding the table in a grid
# ----------------------------------------------------------------------------


_NUMERIC_TEXT = re.compile(r"^\s*[+-]?[0-9][0-9.,\s]*%?\s*$")


def _is_text(v) -> bool:
    return type(v) is str and not is_missing(v) and not _looks_numeric(v)


def _looks_numeric(v) -> bool:
    t = type(v)
    if t is int or t is float or t is PercentCell:
        return True
    if t is str:
        return bool(v) and (v[0].isdigit() or v[0] in "+- ") and bool(_NUMERIC_TEXT.match(v))
    if isinstance(v, FormulaCell):
        return True
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _header_key(v) -> str:
    name, _ = header_unit(str(v))
    return fold_key(name)


def _header_score(grid: _Grid, header_names: set[str]) -> int:
    """The most expected column names found in one of the first rows of a sheet."""
    best = 0
    seen = 0
    for row in grid.cells:
        if not any(not is_missing(c) for c in row):
            continue
        seen += 1
        best = max(best, sum(1 for c in row if _is_text(c) and _header_key(c) in header_names))
        if seen >= 40:
            break
    return best


def _fill_merged(grid: _Grid) -> None:
    cells = grid.cells
    for r1, c1, r2, c2 in grid.merged:
        if r1 >= len(cells):
            continue
        top = cells[r1][c1] if c1 < len(cells[r1]) else None
        if top is None:
            continue
        for r in range(r1, min(r2, len(cells) - 1) + 1):
            row = cells[r]
            if len(row) <= c2:
                row.extend([None] * (c2 + 1 - len(row)))
            for c in range(c1, c2 + 1):
                if row[c] is None:
                    row[c] = top


_PROVINCE_IN_TITLE = re.compile(r"\b(TỈNH|THÀNH PHỐ|TP\.?)\s+([^\n,;:–\-]+)", re.I)


def _is_vietnamese(words: list[str]) -> bool:
    """Whether most headers are written in Vietnamese (with diacritics)."""
    if not words:
        return False
    vi = sum(1 for w in words if any(not ch.isascii() and ch.isalpha() for ch in w))
    return vi * 2 >= len(words)


def _table_from_grid(label: str, sheet: str | None, grid: _Grid, notes: list[str], header_names: set[str] | None,
                     lang: str | None) -> RawTable:
    _fill_merged(grid)
    cells = grid.cells
    nonempty = [i for i, r in enumerate(cells) if any(not is_missing(c) for c in r)]
    if not nonempty:
        vi = lang == "vi"
        where = (f"trang tính '{sheet}' " if vi else f"sheet '{sheet}' ") if sheet else ""
        raise ValidationError([Problem(label, None, None, (f"{where}không có dòng tiêu đề và không có số liệu" if vi
                                                           else f"{where}has no header row and no data").strip(),
                                       sheet=sheet, lang=lang or "en")], notes)
    # The header row: the first row with the most expected column names (or, with none expected, the most text cells).
    scan = nonempty[:40]

    def score(i: int) -> int:
        row = cells[i]
        if header_names:
            return sum(1 for c in row if _is_text(c) and _header_key(c) in header_names)
        return sum(1 for c in row if _is_text(c))

    scores = [score(i) for i in scan]
    if header_names and max(scores) == 0:
        vi = lang == "vi" or (lang is None and _is_vietnamese([str(c) for i in scan for c in cells[i] if _is_text(c)]))
        where = (("trang tính " if vi else "sheet ") + f"'{sheet}'") if sheet else ("tệp" if vi else "the file")
        others = ", ".join(f"'{n}'" for n in grid.others)
        if vi:
            msg = (f"{where} không có dòng tiêu đề với các cột của simlib (Địa bàn, Chỉ tiêu, Năm, Giá trị, Đơn vị, "
                   "Nguồn — xem data/template/observations_template.csv)"
                   + (f"; các trang khác có số liệu: {others} — chọn bằng --sheet TÊN" if others else ""))
        else:
            msg = (f"{where} has no header row with simlib's columns (geography, indicator, year, value, unit, "
                   "source, or their Vietnamese names; see data/template/observations_template.csv)"
                   + (f"; other sheets hold data: {others} — choose one with --sheet NAME" if others else ""))
        final = [n.vi if vi and isinstance(n, _Bi) else str(n) for n in notes]
        raise ValidationError([Problem(label, None, None, msg, sheet=sheet, lang="vi" if vi else "en")], final)
    if header_names and max(scores) < 2:
        scores = [sum(1 for c in cells[i] if _is_text(c)) for i in scan]
    best = max(scores)
    h = scan[scores.index(best)] if best > 0 else scan[0]
    header = list(cells[h])
    title = list(dict.fromkeys(str(c) for i in nonempty if i < h for c in cells[i] if _is_text(c)))
    # A second header row under merged cells: text only, no numbers, and it names what the row above does not.
    sub = None
    nxt = next((i for i in nonempty if i > h), None)
    if nxt is not None:
        row2 = cells[nxt]
        texts = [c for c in row2 if not is_missing(c)]
        spans_header = any(r1 <= h <= r2 and c2 > c1 for r1, c1, r2, c2 in grid.merged) or \
            any(r1 == h and r2 > r1 for r1, c1, r2, c2 in grid.merged)
        all_text = texts and all(_is_text(c) for c in texts)
        if all_text and (spans_header or (header_names and any(_header_key(c) in header_names for c in texts))) \
                and not _is_number_row(row2):
            sub = nxt
    width = max(len(cells[i]) for i in nonempty)
    header += [None] * (width - len(header))
    names: list[str] = []
    for j in range(width):
        top = header[j]
        low = cells[sub][j] if sub is not None and j < len(cells[sub]) else None
        top_s = "" if is_missing(top) else str(top)
        low_s = "" if is_missing(low) else str(low)
        if sub is not None and low_s and top_s and low_s != top_s:
            if header_names and _header_key(low_s) in header_names:
                name = low_s
            elif header_names and _header_key(top_s) in header_names:
                name = top_s if _count_in(header, top) == 1 else f"{top_s} - {low_s}"
            else:
                name = f"{top_s} - {low_s}"
        else:
            name = low_s or top_s
        names.append(name)
    last_header = sub if sub is not None else h
    data_idx = [i for i in nonempty if i > last_header]
    if h != nonempty[0] or grid.row0 + h != 1:
        hr = f"{grid.row0 + h}" if sub is None else f"{grid.row0 + h}-{grid.row0 + sub}"
        notes.append(_Bi(f"row{'s' if sub is not None else ''} {hr} {'were' if sub is not None else 'was'} taken as "
                         "the header row" + (f" (above it, a title block: {_short(title)})" if title else ""),
                         f"dòng {hr} được lấy làm dòng tiêu đề" + (f" (phía trên là phần đầu biểu: {_short(title)})"
                                                                  if title else "")))
    elif sub is not None:
        notes.append(_Bi(f"rows {grid.row0 + h}-{grid.row0 + sub} make a two-row header (merged cells)",
                         f"dòng {grid.row0 + h}-{grid.row0 + sub} là tiêu đề hai tầng (ô gộp)"))
    # Columns: named, or unnamed with data (noted and ignored); an STT / TT column is a row counter.
    problems: list[Problem] = []
    keep: list[int] = []
    used: dict[str, int] = {}
    units: dict[str, str] = {}
    letters: dict[str, str] = {}
    final_names: list[str] = []
    for j, n in enumerate(names):
        if not n:
            has_data = any(j < len(cells[i]) and not is_missing(cells[i][j]) for i in data_idx)
            if has_data:
                notes.append(_Bi(f"column {column_letter(j)} has data but no name in the header row; it was ignored",
                                 f"cột {column_letter(j)} có số liệu nhưng không có tên ở dòng tiêu đề; đã bỏ qua"))
            continue
        if fold_key(n) in {"stt", "tt", "số tt", "so tt", "số thứ tự", "no.", "no", "#"}:
            continue
        base, unit = header_unit(n)
        base = base or n
        key = fold_key(base)
        if key in used:
            # the same header twice: keep both, the second with its letter, so the validator can compare them
            base = f"{base} ({column_letter(j)})"
        used[fold_key(base)] = j
        if unit:
            units[base] = unit
        letters[base] = column_letter(j)
        keep.append(j)
        final_names.append(base)
    # Rows: data, or totals / section headings / footnotes (noted and left out).
    first_col = next((j for j in keep), 0)
    excluded: list[tuple[int, str]] = []
    data_rows, row_numbers = [], []
    header_keys = {fold_key(n) for n in final_names}
    last_numeric = next((i for i in reversed(data_idx)
                         if _is_number_row([cells[i][j] for j in keep if j < len(cells[i])])), None)
    nkeep = len(keep)
    contiguous = keep == list(range(keep[0], keep[0] + nkeep)) if keep else True
    for i in data_idx:
        row = cells[i]
        if contiguous and len(row) >= (keep[-1] + 1 if keep else 0):
            vals = row[keep[0]:keep[0] + nkeep] if keep else []
        else:
            vals = [row[j] if j < len(row) else None for j in keep]
        kind = _row_kind(vals, row, keep, first_col, i, last_numeric, header_keys)
        if kind:
            first_text = next((str(v) for v in row if _is_text(v)), "")
            excluded.append((grid.row0 + i, kind + ": " + first_text[:60]))
            continue
        if len(row) > width and any(not is_missing(c) for c in row[width:]):
            problems.append(Problem(label, grid.row0 + i, None, f"the row has {len(row)} cells but the header has "
                                    f"{width}; a value may contain an unquoted delimiter", sheet=sheet))
        data_rows.append([None if v is None or (type(v) is str and len(v) <= 6 and is_missing(v)) else v
                          for v in vals])
        row_numbers.append(grid.row0 + i)
    if excluded:
        notes.extend(_excluded_notes(excluded, lang))
    frame = pd.DataFrame(data_rows, columns=final_names, dtype=object) if data_rows else \
        pd.DataFrame({n: pd.Series([], dtype=object) for n in final_names})
    final_lang = lang or ("vi" if _is_vietnamese(final_names) else "en")
    notes = [n.vi if (final_lang == "vi" and isinstance(n, _Bi)) else str(n) for n in notes]
    return RawTable(label, frame, tuple(row_numbers), tuple(problems), sheet, tuple(notes),
                    grid.row0 + (sub if sub is not None else h), letters, units, tuple(title), tuple(excluded),
                    final_lang)


def _count_in(row, v) -> int:
    return sum(1 for c in row if c == v)


def _short(texts: list[str]) -> str:
    s = " / ".join(t for t in texts[:3])
    return s if len(s) <= 90 else s[:87] + "..."


def _is_number_row(vals) -> bool:
    return any(_looks_numeric(v) and not isinstance(v, bool) for v in vals if not is_missing(v))


_SECTION = re.compile(r"^(?:[IVXLC]+|[A-Z]|[a-z]|\d+(?:\.\d+)*)[\.\)]\s+\S")
_FOOTNOTE = re.compile(r"^(?:\(?\*+\)?|ghi chú|chú thích|chú ý|lưu ý|nguồn|note|notes|source|người lập|người lập biểu|"
                       r"thủ trưởng|giám đốc|kt\.|tm\.|ngày\b|.*ngày \d|.*, ngày)", re.I)


@functools.lru_cache(maxsize=4096)
def _is_total(lead: str) -> bool:
    lead = re.sub(r"[:\.\s]+$", "", lead)
    return lead in TOTAL_WORDS or lead.startswith(("tổng cộng", "toàn tỉnh", "cộng toàn"))


def _row_kind(vals, row, keep, first_col, i, last_numeric, header_keys=frozenset()) -> str:
    """'' for a data row, else why it is left out: total, section, footnote or empty."""
    first_text = next((v for v in vals if _is_text(v)), None)
    lead = fold_key(first_text) if first_text is not None else ""
    if lead and _is_total(lead):
        return "total"
    row_text = next((v for v in row if _is_text(v)), None)  # "Tổng cộng" may sit in the STT column
    if row_text is not None and row_text is not first_text and _is_total(fold_key(row_text)):
        return "total"
    if any(_looks_numeric(v) for v in vals):
        return ""
    nonmiss = [v for v in vals if not is_missing(v)]
    if not nonmiss:
        return "empty"
    if len(nonmiss) >= 2 and sum(1 for v in nonmiss if _is_text(v) and fold_key(header_unit(str(v))[0]) in header_keys) \
            >= max(2, len(nonmiss) // 2):
        return "header"  # the header repeated above a second table
    if last_numeric is not None and i > last_numeric and (len(nonmiss) <= 2 or _FOOTNOTE.match(lead)):
        return "footnote"
    if len(nonmiss) == 1 and _FOOTNOTE.match(lead):
        return "footnote"
    if len(nonmiss) == 1 and first_text is not None and _SECTION.match(str(first_text)):
        return "section"
    return ""


def _excluded_notes(excluded: list[tuple[int, str]], lang) -> list[str]:
    out = []
    words = {"total": ("dòng tổng (không phải số liệu của một đơn vị)", "a total row (not one unit's figure)"),
             "section": ("tiêu đề mục", "a section heading"),
             "footnote": ("ghi chú / chữ ký dưới bảng", "a footnote or signature under the table"),
             "header": ("dòng tiêu đề lặp lại", "the header repeated")}
    by: dict[str, list[tuple[int, str]]] = {}
    for r, s in excluded:
        kind, text = s.split(": ", 1)
        if kind == "empty":
            continue
        by.setdefault(kind, []).append((r, text))
    for kind, items in by.items():
        vi_w, en_w = words[kind]
        rows = _ranges(tuple(r for r, _ in items))
        sample = "; ".join(f"'{t}'" for _, t in items[:2] if t)
        out.append(_Bi(f"row{'s' if len(items) > 1 else ''} {rows}: {en_w}, not read as data"
                       + (f" ({sample})" if sample else ""),
                       f"dòng {rows} là {vi_w}, không đọc làm số liệu" + (f" ({sample})" if sample else "")))
    return out


def province_in_title(title: tuple[str, ...]) -> str | None:
    """The province named in a title block ('UỶ BAN NHÂN DÂN TỈNH TRÀ VINH' -> 'TRÀ VINH'), if any."""
    for t in title:
        m = _PROVINCE_IN_TITLE.search(t)
        if m:
            name = m.group(2).strip()
            name = re.split(r"\s{2,}|\bCỘNG HÒA\b|\bCỘNG HOÀ\b|\bNĂM\b|\bGIAI ĐOẠN\b", name, flags=re.I)[0].strip()
            if name:
                return name
    return None
