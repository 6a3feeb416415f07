"""Reading planners' files: CSV or Excel, Vietnamese text, decimal commas.

Everything here is read-only: no function in this module opens a file for
writing. Problems are collected as :class:`Problem` records (file, row,
column, reason) instead of being raised one at a time, so a planner sees
every fault in a file at once.

Row numbers follow the spreadsheet convention: the header is row 1 and the
first data row is row 2, which is what Excel and LibreOffice show.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simlib.errors import InputError

__all__ = [
    "Problem",
    "ValidationError",
    "RawTable",
    "read_table",
    "normalize_text",
    "fold_key",
    "parse_number",
    "NumberError",
]

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
MISSING_TOKENS = {"", "na", "n/a", "nan", "none", "null", "-", "—", "–"}


@dataclass(frozen=True)
class Problem:
    """One fault in an input file, in words a planner understands.

    Attributes
    ----------
    file : str
        File name as given by the user.
    row : int or None
        Spreadsheet row number (header = 1, first data row = 2); None when the
        problem concerns the whole file.
    column : str or None
        Column name as written in the file's header, or None.
    message : str
        What is wrong and, where possible, how to fix it.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class ValidationError(InputError):
    """Raised when an input file has one or more problems.

    ``problems`` lists every problem found, not just the first.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


@dataclass(frozen=True)
class RawTable:
    """A file's cells as read, before any checking.

    ``frame`` holds one column per header cell (header text normalised to NFC
    and stripped) and the cells as Python objects: ``str`` for text (NFC,
    stripped), ``int``/``float`` for Excel number cells, ``None`` for empty
    cells. ``rows`` gives each frame row's spreadsheet row number.
    """

    file: str
    frame: pd.DataFrame
    rows: tuple[int, ...]
    problems: tuple[Problem, ...] = ()


def normalize_text(value: object) -> object:
    """Normalise a text cell: Unicode NFC, no BOM, non-breaking spaces folded, stripped.

    Vietnamese text may arrive in NFD (decomposed diacritics, common from macOS
    and some web forms) or NFC; both compare equal after this.
    """
    if not isinstance(value, str):
        return value
    s = unicodedata.normalize("NFC", value)
    s = s.replace("\ufeff", "").replace("\u00a0", " ").replace("\u202f", " ")
    return s.strip()


def fold_key(value: str) -> str:
    """Key for matching names: NFC, case-folded, inner whitespace collapsed."""
    s = normalize_text(value)
    return re.sub(r"\s+", " ", str(s)).casefold()


def strip_accents(value: str) -> str:
    """'Đức Hòa' -> 'duc hoa' (for suggestions only, never for matching)."""
    s = unicodedata.normalize("NFD", fold_key(value).replace("đ", "d"))
    return "".join(ch for ch in s if unicodedata.category(ch) != "Mn")


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and value.strip().casefold() in MISSING_TOKENS:
        return True
    return False


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
        as they are.
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
    if isinstance(value, bool):
        raise NumberError(f"'{value}' is not a number")
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
# Files
# ----------------------------------------------------------------------------


def read_table(path: str | Path, *, sheet: str | int | None = None) -> RawTable:
    """Read a CSV or Excel file into a :class:`RawTable` without judging its content.

    CSV files may be UTF-8 with or without a byte-order mark, or UTF-16 with a
    BOM (Excel's "Unicode Text"); the delimiter may be a comma, a semicolon
    (Excel in Vietnamese locale, where the comma is the decimal mark) or a tab.
    Excel ``.xlsx``/``.xlsm`` files are read from their first sheet unless
    ``sheet`` is given. The file is opened read-only and never modified.

    Raises
    ------
    ValidationError
        When the file cannot be read at all (missing, wrong encoding, empty,
        unsupported format). Cell-level problems are not raised here.
    """
    p = Path(path)
    label = str(path)
    if not p.exists():
        raise ValidationError([Problem(label, None, None, "file not found")])
    if p.is_dir():
        raise ValidationError([Problem(label, None, None, "this is a folder, not a file")])
    suffix = p.suffix.lower()
    if suffix == ".xls":
        raise ValidationError([Problem(label, None, None,
                                       "old Excel 97-2003 (.xls) files are not supported; "
                                       "open it in Excel and save as .xlsx or as 'CSV UTF-8'")])
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(p, label, sheet)
    return _read_csv(p, label)


def _read_excel(p: Path, label: str, sheet: str | int | None) -> RawTable:
    try:
        raw = pd.read_excel(p, sheet_name=0 if sheet is None else sheet, header=None, dtype=object, engine="openpyxl")
    except ValueError as exc:
        raise ValidationError([Problem(label, None, None, f"cannot read the sheet: {exc}")]) from None
    except Exception as exc:  # zip/xml errors from a corrupt workbook
        raise ValidationError([Problem(label, None, None, f"not a readable Excel workbook ({type(exc).__name__})")]) from None
    cells = [[_excel_cell(v) for v in row] for row in raw.itertuples(index=False, name=None)]
    return _from_rows(label, cells, first_row_number=1)


def _excel_cell(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, (int, float)):
        return v
    if hasattr(v, "year") and hasattr(v, "month"):
        # A date cell: keep the year, which is what simlib's year columns hold.
        return str(getattr(v, "year"))
    return normalize_text(str(v))


def _read_csv(p: Path, label: str) -> RawTable:
    data = p.read_bytes()
    if not data.strip():
        raise ValidationError([Problem(label, None, None, "the file is empty")])
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ValidationError([Problem(
                label, line, None,
                "the file is not UTF-8 text (Vietnamese letters cannot be read). In Excel use "
                "'Save As' > 'CSV UTF-8 (Comma delimited)', or save as .xlsx")]) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first = next((ln for ln in text.split("\n") if ln.strip()), "")
    delim = max([",", ";", "\t"], key=lambda d: _count_outside_quotes(first, d))
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    try:
        rows = [list(r) for r in reader]
    except csv.Error as exc:
        raise ValidationError([Problem(label, None, None, f"the CSV structure is broken ({exc})")]) from None
    cells = [[normalize_text(c) if c.strip() else None for c in r] for r in rows]
    return _from_rows(label, cells, first_row_number=1)


def _count_outside_quotes(line: str, ch: str) -> int:
    n, inq = 0, False
    for c in line:
        if c == '"':
            inq = not inq
        elif c == ch and not inq:
            n += 1
    return n


def _from_rows(label: str, cells: list[list[object]], first_row_number: int) -> RawTable:
    problems: list[Problem] = []
    numbered = [(first_row_number + i, r) for i, r in enumerate(cells)]
    numbered = [(n, r) for n, r in numbered if any(not is_missing(c) for c in r)]
    if not numbered:
        raise ValidationError([Problem(label, None, None, "the file has no header row and no data")])
    header_row, header = numbered[0]
    names: list[str] = []
    for j, h in enumerate(header):
        name = "" if is_missing(h) else str(normalize_text(h))
        names.append(name)
    # Drop trailing unnamed columns that are empty everywhere (Excel padding).
    keep = [j for j, n in enumerate(names) if n or any(j < len(r) and not is_missing(r[j]) for _, r in numbered[1:])]
    seen: dict[str, int] = {}
    for j in keep:
        n = names[j]
        if not n:
            problems.append(Problem(label, header_row, None, f"column {j + 1} has data but no name in the header row"))
            names[j] = f"(column {j + 1})"
        key = fold_key(names[j])
        if key in seen:
            problems.append(Problem(label, header_row, names[j], "this column name appears twice in the header row"))
        seen[key] = j
    data_rows, row_numbers = [], []
    width = len(header)
    for n, r in numbered[1:]:
        if len(r) > width and any(not is_missing(c) for c in r[width:]):
            problems.append(Problem(label, n, None, f"the row has {len(r)} cells but the header has {width}; "
                                                    "a value may contain an unquoted delimiter"))
        r = list(r) + [None] * (width - len(r))
        data_rows.append([None if is_missing(r[j]) else r[j] for j in keep])
        row_numbers.append(n)
    frame = pd.DataFrame(data_rows, columns=[names[j] for j in keep], dtype=object)
    return RawTable(label, frame, tuple(row_numbers), tuple(problems))
