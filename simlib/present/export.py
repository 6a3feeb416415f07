"""Exports for planners: CSV files, Excel workbooks and self-contained HTML summaries.

Planners exchange tables in Excel and read Vietnamese, so this module writes
(the planner's typed workbook lives in :mod:`simlib.present.planner_workbook`,
the HTML page in :mod:`simlib.present.html`; both are re-exported here)

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

import datetime as _dt
import decimal
import functools
import io
import math
import numbers
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import BinaryIO

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
    "VERDICT_FILLS",
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


@functools.lru_cache(maxsize=65536)
def _text_width(s: str) -> int:
    """Displayed width of the longest line: combining marks 0, wide East Asian 2 (cached: a workbook's columns
    repeat the same names and codes)."""
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


# the planner's workbook and the HTML page build on the writers above (imported last: they import this module)
from simlib.present.html import Section, write_html_summary  # noqa: E402
from simlib.present.planner_workbook import (  # noqa: E402
    COLUMN_KINDS,
    VERDICT_FILLS,
    Column,
    Sheet,
    display_table,
    ordered_columns,
    write_planner_workbook,
)
