"""Exports for planners: Excel workbooks and self-contained HTML summaries.

Planners exchange tables in Excel and read Vietnamese, so this module writes

* :func:`write_workbook`: one sheet per table, translated bold headers,
  frozen header row, autofilter, column widths from the content, numbers kept
  as numbers, optional number formats and an optional README sheet;
* :func:`write_html_summary`: one HTML file with inline CSS, tables, key
  figures ("callouts") and embedded charts, readable offline and printable;

and reads workbooks back with :func:`read_workbook`.

Both writers are deterministic: identical input gives byte-identical files
(no timestamps, fixed zip metadata), and both write atomically (a temporary
file in the target folder, then :func:`os.replace`), so a failed export never
leaves a partial file behind and never damages an existing one.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import html
import io
import math
import numbers
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from simlib.present.safety import neutralise, neutralise_frame

__all__ = [
    "write_csv",
    "Section",
    "Column",
    "Sheet",
    "COLUMN_KINDS",
    "write_workbook",
    "write_planner_workbook",
    "read_workbook",
    "write_html_summary",
    "display_table",
    "ordered_columns",
    "sheet_names",
]

#: Fixed timestamp written into the workbook's document properties.
FIXED_TIMESTAMP = _dt.datetime(2000, 1, 1, 0, 0, 0)
#: Fixed date and time of every zip entry (the earliest the zip format allows).
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

_EXCEL_MAX_ROWS = 1_048_576
_EXCEL_MAX_COLS = 16_384
_EXCEL_MAX_CELL_CHARS = 32_767
_SHEET_NAME_MAX = 31
_SHEET_BAD_CHARS = re.compile(r"[\[\]:*?/\\]")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_ILLEGAL_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what openpyxl refuses in cells
_MIN_WIDTH, _MAX_WIDTH = 8, 60


# --------------------------------------------------------------------------- atomic writes


def _atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write(fh)`` on a temporary file next to ``path``, then move it into place.

    The temporary file is created with mode ``0o666`` filtered by the umask,
    like an ordinary new file. On any error it is removed and ``path`` is left
    as it was (absent, or the previous file).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


# --------------------------------------------------------------------------- sheet names


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _truncate(s: str, limit: int) -> str:
    while _utf16_len(s) > limit:
        s = s[:-1]
    return s


def _clean_sheet_name(name: object) -> str:
    s = unicodedata.normalize("NFC", str(name))
    s = _CONTROL_CHARS.sub("", s)
    s = _SHEET_BAD_CHARS.sub("_", s)
    s = s.strip().strip("'").strip()
    if not s:
        s = "Sheet"
    if s.casefold() == "history":  # reserved by Excel
        s = f"{s}_"
    return _truncate(s, _SHEET_NAME_MAX).rstrip().rstrip("'") or "Sheet"


def sheet_names(names: Iterable[object], *, reserved: Iterable[str] = ()) -> list[str]:
    """Valid, unique Excel sheet names for ``names``, in the same order.

    Characters Excel forbids (``[ ] : * ? / \\``) and control characters become
    ``_`` or are dropped, leading/trailing spaces and apostrophes are removed,
    text is NFC-normalised (so Vietnamese diacritics count as one character
    each) and cut to 31 characters. Names that then clash (Excel compares
    them case-insensitively), or clash with ``reserved``, get a suffix
    `` (2)``, `` (3)``, ... within the 31 characters.

    Parameters
    ----------
    names : iterable
        Table names (converted with ``str``).
    reserved : iterable of str, optional
        Names that must not be used, e.g. the README sheet.

    Returns
    -------
    list of str
    """
    taken = {unicodedata.normalize("NFC", r).casefold() for r in reserved}
    out = []
    for name in names:
        base = _clean_sheet_name(name)
        candidate, k = base, 1
        while candidate.casefold() in taken:
            k += 1
            suffix = f" ({k})"
            stem = _truncate(base, _SHEET_NAME_MAX - len(suffix)).rstrip().rstrip("'")
            candidate = f"{stem}{suffix}"
        taken.add(candidate.casefold())
        out.append(candidate)
    return out


# --------------------------------------------------------------------------- CSV

#: Columns holding years (written as integers: 2030, never 2030.0000).
_YEAR_COLUMNS = re.compile(r"^(year|.*_year|year_.*|as_of)$")


def write_csv(df: pd.DataFrame, path: str | Path, *, float_format: str = "%.4f") -> Path:
    """Write a table as CSV for Excel and scripts: UTF-8 with a byte-order mark, years as integers, text neutralised.

    The byte-order mark makes Excel on Windows read the diacritics ("Phường
    Tân Ninh"); pandas and simlib's readers skip it. Year columns (``year``,
    ``*_year``, ``year_*``) are written as integers; every text cell passes
    through :func:`simlib.present.safety.neutralise`. Written atomically;
    identical input gives identical bytes.

    Parameters
    ----------
    df : DataFrame
    path : str or Path
    float_format : str
        printf format of other floats (default four decimals, decimal point).

    Returns
    -------
    Path
    """
    out = neutralise_frame(df)
    for col in out.columns:
        if _YEAR_COLUMNS.match(str(col)) and pd.api.types.is_numeric_dtype(out[col]) \
                and not pd.api.types.is_bool_dtype(out[col]):
            vals = pd.to_numeric(out[col], errors="coerce")
            if (vals.dropna() == vals.dropna().round()).all():
                out[col] = vals.round().astype("Int64")
    text = out.to_csv(index=False, lineterminator="\n", float_format=float_format)
    return _atomic_write(Path(path), lambda fh: fh.write(("\ufeff" + text).encode("utf-8")))


# --------------------------------------------------------------------------- cell values


def _is_missing(v: object) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, (float, np.floating)):
        return bool(np.isnan(v))
    if isinstance(v, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(v))
    return False


def _excel_value(v: object) -> object:
    """Convert one DataFrame value to what openpyxl should store.

    Raises
    ------
    ValueError
        For infinite numbers, timezone-aware datetimes and over-long text,
        which Excel cannot hold.
    """
    if _is_missing(v):
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isinf(f):
            raise ValueError(f"{f} cannot be stored in Excel (replace infinities before exporting)")
        return f
    if isinstance(v, decimal.Decimal):
        if not v.is_finite():
            raise ValueError(f"{v} cannot be stored in Excel")
        return v
    if isinstance(v, str):
        v = neutralise(v)
        if len(v) > _EXCEL_MAX_CELL_CHARS:
            raise ValueError(f"text of {len(v)} characters; Excel allows at most {_EXCEL_MAX_CELL_CHARS}")
        bad = _ILLEGAL_XML_CHARS.search(v)
        if bad:
            raise ValueError(f"text contains the control character {bad.group()!r}, which Excel files cannot hold")
        return v
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    elif isinstance(v, np.datetime64):
        v = pd.Timestamp(v).to_pydatetime()
    elif isinstance(v, pd.Timedelta):
        v = v.to_pytimedelta()
    elif isinstance(v, np.timedelta64):
        v = pd.Timedelta(v).to_pytimedelta()
    if isinstance(v, (_dt.datetime, _dt.time)) and v.tzinfo is not None:
        raise ValueError(f"{v} has a time zone; Excel cannot store one (convert to naive local time first)")
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)):
        return v
    if isinstance(v, numbers.Real):  # fractions and other real numbers
        return _excel_value(float(v))
    return _excel_value(str(v))


def _set_cell(ws, row: int, col: int, value: object):
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str) and value:
        # openpyxl would treat "=..." as a formula and "#N/A" as an error code;
        # data text must stay text.
        cell.data_type = "s"
    return cell


# --------------------------------------------------------------------------- column widths


def _text_width(s: str) -> int:
    """Displayed width of the longest line: combining marks 0, wide East Asian 2."""
    best = 0
    for line in unicodedata.normalize("NFC", s).splitlines() or [""]:
        w = 0
        for ch in line:
            if unicodedata.combining(ch):
                continue
            w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        best = max(best, w)
    return best


def _format_decimals(fmt: str | None) -> int | None:
    """Decimals shown by a simple number format such as ``0.00`` or ``#,##0.0``."""
    if not fmt:
        return None
    m = re.match(r"^[#,0]*0(?:\.(0+))?(%?)$", fmt.split(";")[0])
    if not m:
        return None
    return len(m.group(1) or "")


def _display_width(v: object, fmt: str | None) -> int:
    if v is None:
        return 0
    if isinstance(v, bool):
        return 5
    if isinstance(v, (int, float, decimal.Decimal)):
        nd = _format_decimals(fmt)
        x = float(v)
        if nd is not None:
            scale = 100.0 if fmt and fmt.split(";")[0].endswith("%") else 1.0
            sep = "," if fmt and "," in fmt else ""
            text = format(x * scale, f"{sep}.{nd}f") + ("%" if scale != 1.0 else "")
        elif isinstance(v, int) and abs(v) < 10**11:
            text = str(v)
        else:
            text = format(x, ".10g")  # Excel's General format shows about 10 digits
        return len(text)
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)):
        return 19 if isinstance(v, _dt.datetime) else 10
    return _text_width(str(v))


def _width(header: str, values: Iterable[object], fmt: str | None) -> float:
    w = _text_width(header) + 4  # bold text plus the autofilter button
    for v in values:
        w = max(w, _display_width(v, fmt) + 2)
    return float(min(max(w, _MIN_WIDTH), _MAX_WIDTH))


# --------------------------------------------------------------------------- workbook


def _label_for(key: str, column_labels: Callable[[str], str] | Mapping[str, str] | None) -> str:
    if column_labels is None:
        return key
    if callable(column_labels) and not isinstance(column_labels, Mapping):
        label = column_labels(key)
    else:
        label = column_labels.get(key)
    return key if label is None else str(label)


def _column_key(col: object) -> str:
    if isinstance(col, tuple):
        raise ValueError(f"multi-level column {col!r}: flatten the columns before exporting")
    return col if isinstance(col, str) else str(col)


def _fill_table(ws, df: pd.DataFrame, table: str, column_labels, number_formats) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"table {table!r}: expected a pandas DataFrame, got {type(df).__name__}")
    n_rows, n_cols = df.shape
    if n_rows + 1 > _EXCEL_MAX_ROWS or n_cols > _EXCEL_MAX_COLS:
        raise ValueError(f"table {table!r}: {n_rows} rows x {n_cols} columns exceeds Excel's sheet size")
    keys = [_column_key(c) for c in df.columns]
    labels = [_label_for(k, column_labels) for k in keys]
    dupes = sorted({lab for lab in labels if labels.count(lab) > 1})
    if dupes:
        raise ValueError(f"table {table!r}: duplicate column headers {dupes}; headers must be unique to read the sheet back")
    bold = Font(bold=True)
    formats = number_formats or {}
    for j, (key, label) in enumerate(zip(keys, labels), start=1):
        try:
            _set_cell(ws, 1, j, _excel_value(label)).font = bold
        except ValueError as exc:
            raise ValueError(f"table {table!r}, header {label!r}: {exc}") from None
        fmt = formats.get(key)
        values = []
        for i, raw in enumerate(df.iloc[:, j - 1].tolist(), start=2):
            try:
                v = _excel_value(raw)
                cell = _set_cell(ws, i, j, v)
            except ValueError as exc:
                raise ValueError(f"table {table!r}, column {key!r}, row {i}: {exc}") from None
            if fmt is not None and v is not None and not isinstance(v, (str, bool)):
                cell.number_format = fmt
            values.append(v)
        ws.column_dimensions[get_column_letter(j)].width = _width(label, values, fmt)
    if n_cols:
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(n_cols)}{n_rows + 1}"


def _fill_readme(ws, tables: Mapping[str, pd.DataFrame], sheets: list[str], notes: Mapping[str, str],
                 column_labels) -> None:
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    top = Alignment(vertical="top", wrap_text=True)
    row = 1
    widths = [0.0, 0.0, 0.0]

    def put(col: int, value: object, *, is_bold: bool = False, wrap: bool = False) -> None:
        v = _excel_value(value)
        cell = _set_cell(ws, row, col, v)
        if is_bold:
            cell.font = bold
        if wrap:
            cell.alignment = top
        widths[col - 1] = max(widths[col - 1], _display_width(v, None) + 2)

    general = str(notes.get("", "")).strip()
    if general:
        for line in general.splitlines():
            put(1, line)
            row += 1
        row += 1
    table_keys = {str(t) for t in tables}
    extra = [(str(k), v) for k, v in notes.items() if str(k) and str(k) not in table_keys]
    if extra:
        for key, text in extra:
            put(1, key, is_bold=True)
            put(2, str(text), wrap=True)
            row += 1
        row += 1
    header = [_label_for(k, column_labels) for k in ("sheet", "table", "note")]
    for j, lab in enumerate(header, start=1):
        put(j, lab, is_bold=True)
    row += 1
    for table, sheet in zip(tables, sheets):
        put(1, sheet)
        put(2, str(table))
        put(3, str(notes.get(str(table), notes.get(table, ""))), wrap=True)
        row += 1
    from openpyxl.utils import get_column_letter

    for j, w in enumerate(widths, start=1):
        if w:  # the note column may be wider; long text wraps there
            ws.column_dimensions[get_column_letter(j)].width = float(min(max(w, _MIN_WIDTH), 80 if j == 3 else _MAX_WIDTH))


def _normalise_zip(data: bytes, fh: BinaryIO) -> None:
    """Copy the xlsx zip in ``data`` to ``fh`` with fixed timestamps and metadata.

    Entry order is openpyxl's, which is already deterministic (spreadsheet
    programs do not require ``[Content_Types].xml`` to come first). The
    ``modified`` date that openpyxl stamps into ``docProps/core.xml`` at save
    time is replaced by :data:`FIXED_TIMESTAMP`.
    """
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 lambda m: m.group(1) + stamp.encode() + m.group(2), content)
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            dst.writestr(zi, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)


def write_workbook(
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    column_labels: Callable[[str], str] | Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
    number_formats: Mapping[str, str] | None = None,
    notes_sheet: str = "README",
) -> Path:
    """Write tables to an Excel workbook, one sheet per table, byte-identical on reruns.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Table name -> table, written in this order. The index is not written
        (call ``reset_index()`` first to keep it). Column names are the
        column *keys*; non-string names are converted with ``str``.
        Sheet names are derived with :func:`sheet_names`, which makes them
        valid and unique and never equal to ``notes_sheet``.
    path : str or Path
        The ``.xlsx`` file to write. Parent folders are created.
    column_labels : callable or mapping, optional
        Header text for each column key: ``label = column_labels(key)`` or
        ``column_labels[key]``. Keys it does not know (mapping: missing;
        callable: returns None) keep the key as header. The README sheet's
        headers use the keys ``"sheet"``, ``"table"`` and ``"note"``.
    notes : mapping of str to str, optional
        If given, a first sheet ``notes_sheet`` is added. The key ``""`` is a
        general note placed at the top (one line per row); keys equal to a
        table name annotate that table in the list of sheets; any other key
        (e.g. ``"source"``, ``"seed"``, ``"illustrative"``) is listed as a
        global note under the general one.
    number_formats : mapping of str to str, optional
        Column key -> Excel number format for its numeric cells, e.g.
        ``{"gap_pct": "0.00", "students": "#,##0"}``. Applies to every table
        with that column; keys matching no column are ignored.
    notes_sheet : str, default "README"
        Name of the notes sheet.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        If there is nothing to write, a table has duplicate headers,
        multi-level columns or is too large for Excel, or a value cannot be
        stored in Excel (infinity, timezone-aware datetime, text over 32,767
        characters, control characters). Nothing is written then.
    TypeError
        If a table is not a DataFrame.

    Notes
    -----
    Cells: integers stay integers, floats floats, booleans booleans; NaN,
    None, ``pd.NA`` and NaT become empty cells, and so does the empty string.
    Text is always stored as text (``"=1+1"`` is not turned into a formula).
    Dates and times are stored as Excel dates. Other objects are written as
    ``str(value)``. openpyxl writes numbers with 16 significant digits, so a
    float needing 17 digits comes back within one part in 10**16, and
    integers beyond 10**16 lose precision (Excel itself keeps 15 digits).

    Every header is bold, the header row is frozen and has an autofilter, and
    column widths follow the longest displayed value (8 to 60 characters).

    Determinism: the document properties carry a fixed date
    (:data:`FIXED_TIMESTAMP`) and the zip entries a fixed date, attributes
    and compression, so identical input gives identical bytes (with the same
    openpyxl and zlib versions). The file is written to a temporary file in
    the same folder and moved into place only when complete.
    """
    from openpyxl import Workbook

    tables = dict(tables)
    if not tables and not notes:
        raise ValueError("nothing to write: no tables and no notes")
    notes_sheet = _clean_sheet_name(notes_sheet)
    names = sheet_names(tables, reserved=[notes_sheet])
    wb = Workbook()
    wb.remove(wb.active)
    props = wb.properties
    props.created = props.modified = FIXED_TIMESTAMP
    props.creator = "simlib"
    props.lastModifiedBy = None
    if notes:
        try:
            _fill_readme(wb.create_sheet(notes_sheet), tables, names, notes, column_labels)
        except ValueError as exc:
            raise ValueError(f"notes: {exc}") from None
    for (table, df), sheet in zip(tables.items(), names):
        _fill_table(wb.create_sheet(sheet), df, str(table), column_labels, number_formats)
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    return _atomic_write(Path(path), lambda fh: _normalise_zip(data, fh))


def read_workbook(
    path: str | Path,
    *,
    header_map: Mapping[str, str] | None = None,
    notes_sheet: str | None = "README",
) -> dict[str, pd.DataFrame]:
    """Read every table sheet of a workbook back into DataFrames.

    The first row of each sheet is the header; the rest are data. Cells keep
    their Excel type (numbers, booleans, text, dates); empty cells become
    missing values. Formulas give their last computed value (None if the file
    was never opened and saved by a spreadsheet program).

    Parameters
    ----------
    path : str or Path
        An ``.xlsx`` file, e.g. one written by :func:`write_workbook`.
    header_map : mapping of str to str, optional
        Header label -> column key, to undo ``column_labels``; labels not in
        the mapping are kept as they are.
    notes_sheet : str or None, default "README"
        The notes sheet to skip; None reads every sheet.

    Returns
    -------
    dict of str to DataFrame
        Sheet name -> table, in workbook order. Sheet names are the sanitised
        names (see :func:`sheet_names`), not necessarily the original table
        names.

    Notes
    -----
    Fully empty rows at the end of a sheet are dropped (spreadsheet programs
    often leave formatted blank rows), so a trailing row that was entirely
    missing does not come back. Columns with an empty header and no data
    are dropped; an empty header over data becomes ``"Unnamed: <i>"``.
    """
    from openpyxl import load_workbook

    wb = load_workbook(Path(path), read_only=True, data_only=True)
    try:
        out: dict[str, pd.DataFrame] = {}
        for ws in wb.worksheets:
            if notes_sheet is not None and ws.title == notes_sheet:
                continue
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            out[ws.title] = _frame_from_rows(rows, header_map)
    finally:
        wb.close()
    return out


def _frame_from_rows(rows: list[list[object]], header_map: Mapping[str, str] | None) -> pd.DataFrame:
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    if not rows:
        return pd.DataFrame()
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    header, data = rows[0], rows[1:]
    while width and header[width - 1] is None and all(r[width - 1] is None for r in data):
        width -= 1
    header = header[:width]
    data = [r[:width] for r in data]
    mapping = header_map or {}
    columns = []
    for i, h in enumerate(header):
        label = f"Unnamed: {i}" if h is None else str(h)
        columns.append(mapping.get(label, label))
    if not data:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame.from_records(data, columns=range(width))
    frame.columns = columns
    return frame


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
                v = _excel_value(col.cell(raw, lang))
            except ValueError as exc:
                raise ValueError(f"sheet {sheet.name!r}, column {col.key!r}, row {i}: {exc}") from None
            c = _set_cell(ws, i, j, v)
            if fmt is not None and isinstance(v, (int, float)) and not isinstance(v, bool):
                c.number_format = fmt
            if col.kind == "verdict" and not _is_missing(raw):
                fill = VERDICT_FILLS.get(str(raw).strip().lower().replace(" ", "_"))
                if fill:
                    c.fill = PatternFill("solid", fgColor=fill)
            values.append(v)
        width = _sheet_width(col, header, values)
        ws.column_dimensions[get_column_letter(j)].width = width
        long_text = any(isinstance(v, str) and _text_width(v) > width - 2 for v in values)
        if long_text:
            for i in range(2, n_rows + 2):
                ws.cell(row=i, column=j).alignment = wrap_top
        elif col.kind in ("text", "code", "id", "verdict"):
            for i in range(2, n_rows + 2):
                ws.cell(row=i, column=j).alignment = top
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


# --------------------------------------------------------------------------- HTML


@dataclass(frozen=True)
class Section:
    """One section of an HTML summary.

    Attributes
    ----------
    heading : str
        Section heading (``<h2>``).
    text : str
        Plain text; blank lines separate paragraphs.
    table : DataFrame or None
        A table shown after the text (index not shown).
    images : sequence of Path
        Charts: ``.svg`` files are inlined as markup, ``.png``, ``.jpg``,
        ``.gif`` and ``.webp`` files embedded as base64 data URIs.
    callouts : sequence of (str, str)
        Key figures as (label, value), shown as large boxes, e.g.
        ``("Xác suất đạt chỉ tiêu 40,12% (năm 2025)", "0,08")``.
    formatters : mapping of str to callable, optional
        Column name -> function turning a non-missing value into display
        text; overrides the float format for that column (ignored with
        ``columns``).
    columns : sequence of Column, optional
        How to show ``table`` (the spec the workbook uses): headers and codes
        in the page's language, numbers formatted per kind and right-aligned,
        verdicts tinted; ``id`` columns are not shown (the workbook has them).
    note : str
        Small print after the table and images (e.g. how to read a verdict).
    captions : sequence of str
        One caption per image (``<figcaption>``); default the file name.
    page_break_before : bool
        Start the section on a new printed page (e.g. the details after the verdicts).
    """

    heading: str
    text: str = ""
    table: pd.DataFrame | None = None
    images: Sequence[Path] = ()
    callouts: Sequence[tuple[str, str]] = ()
    formatters: Mapping[str, Callable[[Any], str]] | None = field(default=None)
    columns: Sequence["Column"] | None = None
    note: str = ""
    captions: Sequence[str] = ()
    page_break_before: bool = False


# A4 portrait: 210 mm wide; with 15 mm margins the text block is 180 mm. On screen the page is as wide as the
# printed text block, so what fits the screen fits the paper; tables wrap their cells instead of scrolling.
_CSS = """\
:root { --blue: #0072B2; --orange: #E69F00; --vermillion: #D55E00; --green: #009E73;
        --ink: #1a1a1a; --muted: #555; --rule: #d0d0d0; }
* { box-sizing: border-box; }
html { background: #fff; }
body { font-family: "Noto Sans", "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); line-height: 1.45; font-size: 15px;
       width: 100%; max-width: 180mm; margin: 0 auto; padding: 12mm 0 16mm; overflow-wrap: break-word; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 0.4rem; padding-bottom: 0.4rem; border-bottom: 4px solid var(--blue); }
.subtitle { color: var(--muted); margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 0.5rem; padding-left: 0.5rem; border-left: 4px solid var(--blue); }
p { margin: 0 0 0.7rem; }
.callouts { display: flex; flex-wrap: wrap; gap: 0.6rem; margin: 0.6rem 0 1rem; }
.callout { flex: 1 1 10rem; min-width: 0; border: 1px solid var(--rule); border-top: 6px solid var(--blue); padding: 0.5rem 0.7rem; break-inside: avoid; }
.callout:nth-child(4n+2) { border-top-color: var(--orange); }
.callout:nth-child(4n+3) { border-top-color: var(--vermillion); }
.callout:nth-child(4n+4) { border-top-color: var(--green); }
.callout .value { font-size: 1.7rem; font-weight: 700; line-height: 1.2; font-variant-numeric: tabular-nums; }
.callout .label { color: var(--muted); font-size: 0.85rem; }
.table-wrap { margin: 0.6rem 0 1rem; }
table { width: 100%; border-collapse: collapse; font-size: 0.78rem; line-height: 1.3; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--rule); padding: 0.2rem 0.35rem; vertical-align: top; overflow-wrap: break-word; }
th { background: #eef4f9; text-align: left; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
tbody tr:nth-child(even) { background: #f7f7f7; }
td.v-likely, td.v-met { background: #D4EDE4; }
td.v-possible { background: #DDEFF9; }
td.v-unlikely { background: #FCEFD0; }
td.v-very_unlikely, td.v-missed { background: #F9DCCB; }
td.v-not_assessed { background: #EEEEEE; color: var(--muted); }
figure { margin: 0.8rem 0; break-inside: avoid; }
figure svg, figure img { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 0.8rem; margin-top: 0.2rem; }
.note { color: var(--muted); font-size: 0.82rem; }
footer { margin-top: 2rem; padding-top: 0.5rem; border-top: 1px solid var(--rule); color: var(--muted); font-size: 0.8rem; }
.illustrative { color: var(--vermillion); font-weight: 700; }
@page { size: A4; margin: 15mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  .lead { break-inside: avoid; page-break-inside: avoid; }
  section.page-break { break-before: page; }
  section.keep { break-inside: avoid; }
  figure, .callouts, .callout, tr, p { break-inside: avoid; page-break-inside: avoid; }
  p { orphans: 3; widows: 3; }
  figure svg, figure img { max-height: 235mm; width: auto; max-width: 100%; margin: 0 auto; }
  td.num { white-space: normal; }
  thead { display: table-header-group; }
  tbody tr:nth-child(even) { background: none; }
}
"""

_IMAGE_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp"}
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_EXTERNAL_REF = re.compile(r"""(?:\b(?:href|src)\s*=\s*["']\s*|url\(\s*["']?\s*)(?!data:)(?:[a-z][a-z0-9+.-]*:|//)""",
                           re.I)
_NUMERIC_KINDS = ("int", "number", "percent", "prob", "money", "year")


def _esc(text: object) -> str:
    return html.escape(str(neutralise(str(text))), quote=True)


def _paragraphs(text: str, indent: str = "", cls: str = "") -> list[str]:
    parts = [p.strip() for p in re.split(r"\n[ \t]*\n", str(text).replace("\r\n", "\n"))]
    attr = f' class="{cls}"' if cls else ""
    return [f"{indent}<p{attr}>{_esc(p)}</p>" for p in parts if p]


def _default_float(x: float) -> str:
    s = f"{x:.2f}"
    if s.startswith("-") and not any(c in "123456789" for c in s):
        s = s[1:]  # no "-0.00"
    return s


def _locale_float(lang: str) -> Callable[[float], str]:
    """Two decimals in the page's language (``0,08`` in Vietnamese) when simlib knows it, else ``0.08``."""
    from simlib.present import i18n

    if lang in i18n.LANGS:
        return lambda x: i18n.fmt_number(x, lang, 2)
    return _default_float


def _cell_text(v, float_format, fmt) -> tuple[str, bool]:
    """(display text, is numeric) of one value in the legacy path (no column spec)."""
    if _is_missing(v):
        return "–", False
    if fmt is not None:
        return str(fmt(v)), isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v)), False
    if isinstance(v, (float, np.floating)):
        return float_format(float(v)), True
    if isinstance(v, (int, np.integer)):
        return str(int(v)), True
    return str(v), False


def _table_html(df: pd.DataFrame, lang: str, float_format, formatters, columns) -> str:
    rows_html = []
    if columns is not None:
        cols = [c for c in ordered_columns(df, columns) if c.kind != "id"]  # ids stay in the workbook and CSV
        headers = [c.header(lang) for c in cols]
        for rec in df[[c.key for c in cols]].itertuples(index=False, name=None):
            cells = []
            for c, v in zip(cols, rec):
                classes = []
                if c.kind in _NUMERIC_KINDS:  # numbers and their dashes line up on the right
                    classes.append("num")
                if c.kind == "verdict" and not _is_missing(v):
                    classes.append("v-" + str(v).strip().lower().replace(" ", "_"))
                attr = f' class="{" ".join(classes)}"' if classes else ""
                cells.append(f"<td{attr}>{_esc(c.text(v, lang))}</td>")
            rows_html.append("<tr>" + "".join(cells) + "</tr>")
    else:
        headers = [str(c) for c in df.columns]
        for rec in df.itertuples(index=False, name=None):
            cells = []
            for col, v in zip(df.columns, rec):
                text, numeric = _cell_text(v, float_format, (formatters or {}).get(col))
                cells.append(f'<td class="num">{_esc(text)}</td>' if numeric else f"<td>{_esc(text)}</td>")
            rows_html.append("<tr>" + "".join(cells) + "</tr>")
    head = "<thead><tr>" + "".join(f"<th>{_esc(h)}</th>" for h in headers) + "</tr></thead>"
    return "\n".join(['<table class="data">', head, "<tbody>", *rows_html, "</tbody>", "</table>"])


def _svg_markup(path: Path, prefix: str) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^\ufeff?\s*<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"^\s*<!DOCTYPE[^>]*>\s*", "", text, flags=re.I)
    text = re.sub(r"^\s*<!--.*?-->\s*", "", text, flags=re.S)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)  # RDF boilerplate
    if re.search(r"<script\b|<foreignObject\b", text, re.I):
        raise ValueError(f"{path}: SVG with scripts or foreign objects is not inlined")
    if _EXTERNAL_REF.search(text):
        raise ValueError(f"{path}: SVG refers to external files; the summary must be self-contained")
    # Give every id a per-image prefix so several inlined charts cannot clash.
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r'(\bhref=")#([^"]+)"', lambda m: f'{m.group(1)}#{prefix}{m.group(2)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", text)
    return text.strip()


def _image_html(path: Path, prefix: str, caption: str | None = None) -> str:
    path = Path(path)
    suffix = path.suffix.lower()
    alt = _esc(caption if caption else path.stem.replace("_", " "))
    cap = f"\n<figcaption>{_esc(caption)}</figcaption>" if caption else ""
    if suffix == ".svg":
        body = _svg_markup(path, prefix)
        return f'<figure role="img" aria-label="{alt}">\n{body}{cap}\n</figure>'
    mime = _IMAGE_MIME.get(suffix)
    if mime is None:
        raise ValueError(f"{path}: unsupported image type {suffix!r} (use .svg, .png, .jpg, .gif or .webp)")
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<figure>\n<img src="data:{mime};base64,{data}" alt="{alt}">{cap}\n</figure>'


def write_html_summary(
    path: str | Path,
    *,
    title: str,
    lang: str,
    sections: Sequence[Section],
    footer: str = "",
    float_format: Callable[[float], str] | None = None,
    subtitle: str = "",
) -> Path:
    """Write a self-contained page that prints on A4; byte-identical on reruns.

    Parameters
    ----------
    path : str or Path
        The ``.html`` file to write. Parent folders are created.
    title : str
        Page title, shown as ``<title>`` and ``<h1>``.
    lang : str
        Language tag of the page, e.g. ``"vi"`` or ``"en"``.
    sections : sequence of Section
        Shown in order: heading, text paragraphs, callouts, table, images,
        note. Put the verdicts first and the details after (``page_break_before``
        on the first detail section starts it on a new printed page).
    footer : str, optional
        Text at the bottom (sources, seed, "illustrative" flags); blank lines
        separate paragraphs.
    float_format : callable, optional
        Float -> display text for table cells without a column spec; default
        two decimals in the page's language (``0,08`` for ``vi``, ``0.08``
        for ``en`` and other tags).
    subtitle : str, optional
        A line under the title.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        For an invalid ``lang``, an unsupported image type, or an SVG with
        scripts or external references. Nothing is written then.

    Notes
    -----
    Everything is in the one file: inline CSS (Okabe-Ito accents), SVG
    charts inlined as markup (XML declaration and doctype removed, ids
    prefixed per image), raster images as base64 data URIs; no scripts,
    external links or timestamps. The page is 180 mm wide on screen, the
    text width of A4 with 15 mm margins (``@page``), and tables wrap their
    cells instead of scrolling, so nothing runs off a printed page. All text
    is HTML-escaped. SVG files are trusted input (matplotlib output) and are
    inlined after the checks above, not sanitised.
    """
    if not _LANG_RE.match(lang or ""):
        raise ValueError(f"lang must be a language tag such as 'vi' or 'en', not {lang!r}")
    ffmt = float_format or _locale_float(lang)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{_esc(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        "<style>",
        _CSS.rstrip("\n"),
        "</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{_esc(title)}</h1>",
    ]
    if subtitle:
        out.append(f'<p class="subtitle">{_esc(subtitle)}</p>')
    for s_i, sec in enumerate(sections, start=1):
        short = len(sec.images) <= 1 and sec.table is None and not sec.callouts and len(sec.text) < 600
        classes = (["page-break"] if sec.page_break_before else []) + (["keep"] if short else [])
        out.append(f'<section class="{" ".join(classes)}">' if classes else "<section>")
        blocks = list(_paragraphs(sec.text))
        if sec.callouts:
            blocks.append("\n".join(['<div class="callouts">']
                                    + [f'<div class="callout"><div class="value">{_esc(value)}</div>'
                                       f'<div class="label">{_esc(label)}</div></div>' for label, value in sec.callouts]
                                    + ["</div>"]))
        if sec.table is not None:
            blocks.append('<div class="table-wrap">\n' + _table_html(sec.table, lang, ffmt, sec.formatters,
                                                                      sec.columns) + "\n</div>")
        captions = list(sec.captions)
        for i_i, img in enumerate(sec.images, start=1):
            cap = captions[i_i - 1] if i_i - 1 < len(captions) else None
            blocks.append(_image_html(Path(img), f"s{s_i}i{i_i}-", cap))
        if sec.note:
            blocks.extend(_paragraphs(sec.note, cls="note"))
        # the heading travels with its first block (never alone at the foot of a printed page)
        out.append('<div class="lead">')
        out.append(f"<h2>{_esc(sec.heading)}</h2>")
        out.extend(blocks[:1])
        out.append("</div>")
        out.extend(blocks[1:])
        out.append("</section>")
    out.append("</main>")
    if footer:
        out.append("<footer>")
        out.extend(_paragraphs(footer))
        out.append("</footer>")
    out.extend(["</body>", "</html>", ""])
    data = "\n".join(out).encode("utf-8")
    return _atomic_write(Path(path), lambda fh: fh.write(data))
