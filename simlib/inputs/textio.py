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

The file readers live in :mod:`simlib.inputs.sheets` (which library reads
which format, and why: README, "Bring your own data"), the search for the
table inside a sheet in :mod:`simlib.inputs.layout`; this module holds what
they share (cells, text, numbers, problems) and :func:`read_table`.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

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
]

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
SUPPORTED = ".csv, .tsv, .txt, .xlsx, .xlsm, .xls, .ods"
#: Excel's error values, with what each means (English, Vietnamese).
EXCEL_ERRORS = {
    "#DIV/0!": ("division by zero", "chia cho 0"),
    "#REF!": ("a reference to a cell that no longer exists", "tham chiếu tới ô không còn tồn tại"),
    "#N/A": ("a value not found, e.g. by a lookup", "không tìm thấy giá trị, ví dụ khi tra cứu"),
    "#VALUE!": ("a wrong kind of value in the formula", "giá trị sai kiểu trong công thức"),
    "#NAME?": ("an unknown name in the formula", "tên không xác định trong công thức"),
    "#NUM!": ("an impossible number", "số không hợp lệ"),
    "#NULL!": ("ranges that do not intersect", "các vùng không giao nhau"),
    "#SPILL!": ("a result that cannot spill into its cells", "kết quả không tràn được ra các ô"),
    "#CALC!": ("a calculation error", "lỗi tính toán"),
}
MISSING_TOKENS = {"", "na", "n/a", "nan", "none", "null", "-", "—", "–", "..", "…"}

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
    err = EXCEL_ERRORS.get(s.strip().upper())
    if err is not None:
        raise NumberError(f"'{s.strip()}' is an Excel error value ({err[0]}): the formula of this cell failed, so "
                          "there is no figure; correct the formula in Excel (or type the figure) and save again")
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


_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def _encrypted_office(p: Path) -> bool:
    """An OLE compound file holding an ``EncryptedPackage`` stream: a password-protected .xlsx/.docx."""
    with open(p, "rb") as fh:
        data = fh.read(1 << 20)
    return _ENCRYPTED in data


def _looks_text(p: Path) -> bool:
    """The first bytes decode as text (UTF-8, UTF-16 with a mark, or single-byte) with no control bytes."""
    with open(p, "rb") as fh:
        data = fh.read(4096)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in data or any(b < 9 or 13 < b < 32 for b in data if b != 27):
        return False
    first = next((ln for ln in data.splitlines() if ln.strip()), b"")
    return any(d in first for d in (b",", b";", b"\t"))  # a table: its first line holds a delimiter


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
    from simlib.inputs.layout import header_score, table_from_grid
    from simlib.inputs.sheets import BiText, read_csv, read_ods, read_xls, read_xlsx, zip_kind

    p = Path(path)
    label = str(path)
    vi = lang == "vi"
    if not p.exists():
        raise ValidationError([Problem(label, None, None, "không tìm thấy tệp" if vi else "file not found", lang=lang or "en")])
    if p.is_dir():
        raise ValidationError([Problem(label, None, None, "đây là thư mục, không phải tệp" if vi
                                       else "this is a folder, not a file", lang=lang or "en")])
    suffix = p.suffix.lower()
    size = p.stat().st_size
    if size == 0:
        raise ValidationError([Problem(label, None, None, "tệp rỗng (0 byte): không có gì để đọc; hãy mở tệp gốc và "
                                       "lưu lại" if vi else "the file is empty (0 bytes): there is nothing to read; "
                                       "open the original and save it again", lang=lang or "en")])
    with open(p, "rb") as fh:
        head = fh.read(8)
    ole = head.startswith(b"\xd0\xcf\x11\xe0")
    if ole and _encrypted_office(p):
        raise ValidationError([Problem(label, None, None, (
            "tệp Excel được đặt mật khẩu (mã hóa) nên không đọc được; mở bằng Excel, nhập mật khẩu, vào File > Info > "
            "Protect Workbook > Encrypt with Password, xóa mật khẩu, lưu lại rồi thử lại" if vi else
            "the workbook is password-protected (encrypted), so it cannot be read; open it in Excel with its "
            "password, remove it (File > Info > Protect Workbook > Encrypt with Password: empty), save, and try "
            "again"), lang=lang or "en")])
    reader = None
    text_named_sheet = None
    if suffix in EXCEL_SUFFIXES | {".xls", ".ods"} and not ole and not head.startswith(b"PK\x03\x04") \
            and _looks_text(p):
        text_named_sheet = suffix  # a CSV saved under a workbook's name: read as the text it is, and say so
    elif suffix in EXCEL_SUFFIXES and ole:
        reader = read_xls  # an Excel 97-2003 workbook renamed .xlsx
    elif suffix in EXCEL_SUFFIXES or (suffix not in {".xls", ".ods"} and head.startswith(b"PK\x03\x04")
                                      and zip_kind(p) == "xlsx"):
        reader = read_xlsx
    elif suffix == ".xls" or ole:
        reader = read_xls
    elif suffix == ".ods" or (head.startswith(b"PK\x03\x04") and zip_kind(p) == "ods"):
        reader = read_ods
    if reader is not None:
        grid, sheet_name, notes = reader(p, label, sheet, lang)
        if sheet is None and header_names and grid.others and header_score(grid, header_names) < 2:
            # The active sheet holds no table (instructions, a cover page): one other visible sheet that does is read.
            found = []
            for other in grid.others:
                g2, _, _ = reader(p, label, other, lang)
                if header_score(g2, header_names) >= 2:
                    found.append((g2, other))
            if len(found) == 1:
                grid, name2 = found[0]
                notes = [BiText(f"sheet '{sheet_name}' (the active sheet) holds no table with simlib's columns; read "
                             f"sheet '{name2}', the only other sheet that does (choose with --sheet NAME)",
                             f"trang tính '{sheet_name}' (đang mở) không có bảng với các cột của simlib; đã đọc trang "
                             f"'{name2}', trang duy nhất có bảng (chọn bằng --sheet TÊN)")]
                sheet_name = name2
    elif head.startswith(b"PK\x03\x04"):
        raise ValidationError([Problem(label, None, None, f"not a readable spreadsheet (a zip archive that is neither "
                                                          f".xlsx nor .ods); supported: {SUPPORTED}")])
    else:
        if sheet is not None:
            notes = [BiText(f"--sheet is ignored: {p.name} is a text (CSV) file with one table",
                     f"bỏ qua --sheet: {p.name} là tệp văn bản (CSV) chỉ có một bảng")]
        else:
            notes = []
        if text_named_sheet is not None:
            notes.append(BiText(f"{p.name} is named {text_named_sheet} but is a text (CSV) file; it was read as text",
                                f"{p.name} có đuôi {text_named_sheet} nhưng là tệp văn bản (CSV); đã đọc như văn bản"))
        grid, csv_notes = read_csv(p, label, lang)
        notes += csv_notes
        sheet_name = None
    return table_from_grid(label, sheet_name, grid, notes, header_names, lang)


