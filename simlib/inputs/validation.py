"""Schemas and checks for simlib's tables and for planners' own files.

Each table kind (``observations``, ``targets``, ``geographies``, ``indicators``,
``plans``, ``context``) has a :class:`Schema`: its columns, which must be
present and filled, and its key. :func:`validate_table` applies the schema and
the domain rules and returns a typed :class:`pandas.DataFrame` or raises
:class:`~simlib.inputs.textio.ValidationError` listing *every* problem with file,
sheet, row, column letter and header, the value seen, why, and what to do.

One rule set: an observation that the forecasting models would refuse (a rate
of exactly 0 % or 100 %, which has no logit; a standard error of 0; an upper
bound alone) is refused here first, in the same words, so ``validate``,
``audit``, ``feasibility`` and ``report`` accept the same files. How strict the
check is never depends on the file's name.

One message per cause: the same fault on many rows is one problem listing the
rows; a cell that cannot be read does not also produce the problems that
would follow from it (an unknown geography is not also a duplicate).

Messages are in Vietnamese when the file's header is (or with ``lang="vi"``).

Validation is vectorised: each distinct cell text is parsed once, and the
row rules work on whole columns (100,000 rows in well under 5 s of CPU; see
``benchmarks/bench_validate.py``).

Units
-----
Rates are stored in the unit their source used, named in the ``unit`` column
(or in the value header, "Giá trị (%)"): ``percent`` (0-100) or ``share``
(0-1). Loaded frames add ``*_share`` columns (fractions 0-1) so downstream
code never has to guess. A cell formatted as a percentage in a workbook holds
a fraction and is read as such, whatever the unit column says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from simlib.inputs.textio import (
    FormulaCell,
    NumberError,
    PercentCell,
    Problem,
    RawTable,
    ValidationError,
    fold_key,
    is_missing,
    parse_number,
)
from simlib.inputs.layout import province_in_title
from simlib.inputs.messages import _g, _m
from simlib.inputs.reference import Reference, _vi_places, guess_kind
from simlib.inputs.schemas import (
    BASIS,
    INDICATOR_KINDS,
    LEVELS,
    SMALL_PERCENT_FLAG,
    header_words,
    Column,
    COMPARATORS,
    COUNT_UNITS,
    FALSE_WORDS,
    RATE_UNITS,
    Schema,
    SCHEMAS,
    TRUE_WORDS,
    UNIT_ALIASES,
)


__all__ = [
    "Column",
    "Schema",
    "Reference",
    "SCHEMAS",
    "RATE_UNITS",
    "COUNT_UNITS",
    "validate_table",
    "guess_kind",
    "header_words",
    "BASIS",
    "INDICATOR_KINDS",
    "LEVELS",
    "SMALL_PERCENT_FLAG",
]

# ----------------------------------------------------------------------------
# The validator
# ----------------------------------------------------------------------------


class _Ctx:
    """Problems of one table, grouped by cause: one Problem per (column, message) listing its rows."""

    def __init__(self, raw: RawTable, names: dict[str, str], lang: str):
        self.raw = raw
        self.file = raw.file
        self.rows = list(raw.rows)
        self.names = names
        self.lang = lang
        self.groups: dict[tuple[str | None, str], list[int]] = {}
        self.whole: list[Problem] = []
        self.failed: dict[str, np.ndarray] = {}  # column -> bool mask of cells that could not be read
        self.notes: list[str] = list(raw.notes)

    def add(self, i, column: str | None, message: str) -> None:
        idx = [int(i)] if np.isscalar(i) else [int(x) for x in i]
        if not idx:
            return
        if isinstance(message, tuple):
            message = _err_text(message, self.lang)
        self.groups.setdefault((column, message), []).extend(idx)

    def add_file(self, column: str | None, message: str, row: int | None = None, letter: str | None = None) -> None:
        self.whole.append(Problem(self.file, row, column, message, self.raw.sheet, letter, (), self.lang))

    def fail(self, column: str, mask: np.ndarray) -> None:
        cur = self.failed.get(column)
        self.failed[column] = mask if cur is None else (cur | mask)

    def failed_mask(self, *columns: str) -> np.ndarray:
        out = np.zeros(len(self.rows), dtype=bool)
        for c in columns:
            if c in self.failed:
                out |= self.failed[c]
        return out

    def problems(self) -> list[Problem]:
        out = list(self.whole)
        for (col, msg), idx in self.groups.items():
            rows = tuple(sorted({self.rows[i] for i in idx}))
            header = self.names.get(col, col) if col is not None else None
            letter = self.raw.letters.get(header) if header is not None else None
            out.append(Problem(self.file, rows[0], header, msg, self.raw.sheet, letter,
                               rows if len(rows) > 1 else (), self.lang))
        out.sort(key=lambda p: (p.row or 0, p.letter or "", p.column or ""))
        return out


def validate_table(raw: RawTable, kind: str, ref: Reference | None = None, *, strict: bool = False,
                   lang: str | None = None, province: str | None = None) -> pd.DataFrame:
    """Check a raw table against its schema and the domain rules.

    Parameters
    ----------
    raw : RawTable
        From :func:`simlib.inputs.textio.read_table`.
    kind : str
        One of ``SCHEMAS``.
    ref : Reference, optional
        Known geographies/indicators/plans. Without it (``None``) geographies,
        indicators and plans are free labels: no reference checks.
    strict : bool
        Bundled-data mode: observations must carry ``obs_id``, ``basis``,
        ``url`` and ``locator`` (full provenance). Used by the bundle loader
        only; never chosen from a file's name.
    lang : {"en", "vi"}, optional
        Language of the messages (default: Vietnamese when the file's header is).
    province : str, optional
        The file's province (name or geo_id): bare unit names are looked up
        there (default: the reference's province, else the province named in
        the title block, else the one province the file's other rows share).

    Returns
    -------
    pandas.DataFrame
        Typed table (numbers as float, years as int, geographies as geo_id),
        with a ``row`` column giving each record's spreadsheet row. For
        observations also ``value_share``, ``low_share``, ``high_share``,
        ``se_share`` (fractions 0-1, rates only). ``frame.attrs["notes"]``
        says what the reader and the validator did (sheet, header row, rows
        left out, old place names mapped); ``frame.attrs["geographies"]``
        lists units from the official map that are not in the reference (a
        tuple of dicts with the geographies columns; ``pd.DataFrame(list(...))``
        makes them a table). Only plain values are kept in ``attrs``, so
        ``pd.concat`` of validated frames works.

    Raises
    ------
    ValidationError
        Listing every problem found, one per cause.
    """
    if kind not in SCHEMAS:
        raise ValueError(f"unknown table kind {kind!r}; choose from {sorted(SCHEMAS)}")
    lang = lang or raw.lang or "en"
    schema = SCHEMAS[kind]
    header_map, alias_groups = _match_header(raw.frame, schema)
    guessed = header_map.pop("\x00guessed", None)
    names = {v: k for k, v in header_map.items()}
    ctx = _Ctx(raw, names, lang)
    if guessed is not None:
        letter = raw.letters.get(guessed, "?")
        ctx.notes.append(_m(lang, "value_column_guessed", letter=letter, col=guessed))
    for p in raw.problems:
        ctx.whole.append(Problem(p.file, p.row, p.column, p.message, p.sheet, p.letter, p.rows, lang))
    present = set(header_map.values())
    header_unit = _header_unit(raw, header_map)
    # An office export without a unit column: each row's unit is its indicator's (data/indicators.csv), which a
    # percent-formatted cell confirms; said in a note.
    infer_unit = (kind == "observations" and not strict and ref is not None and "unit" not in present
                  and header_unit is None and "indicator" in present)
    _check_required_columns(schema, kind, present, strict, header_unit is not None or infer_unit, ctx)

    if kind == "observations" and not strict:
        raw = _drop_unfilled_rows(raw, header_map, ctx)
        ctx.raw, ctx.rows = raw, list(raw.rows)
    n = len(raw.frame)
    cols: dict[str, pd.Series] = {}
    for col in schema.columns:
        if col.name in present:
            cols[col.name] = raw.frame[names[col.name]].reset_index(drop=True)
        else:
            cols[col.name] = pd.Series([None] * n, dtype=object)
    for target, others in alias_groups.items():
        _compare_alias_columns(raw, target, names[target], others, schema.column(target), ctx)
    if header_unit is not None and "unit" not in present:
        cols["unit"] = pd.Series([header_unit] * n, dtype=object)

    typed: dict[str, object] = {}
    for col in schema.columns:
        if col.kind in ("geography", "indicator", "plan") or (infer_unit and col.name == "unit"):
            continue
        typed[col.name] = _parse_column(cols[col.name], col, ctx, kind, strict)
    if header_unit is not None and "unit" in present:
        _check_header_unit(typed["unit"], header_unit, ctx)
    years = typed.get("year")
    for col in schema.columns:
        if col.kind == "indicator":
            typed[col.name] = _parse_indicators(cols[col.name], col, ctx, ref)
        elif col.kind == "plan":
            typed[col.name] = _parse_plans(cols[col.name], col, ctx, ref)
    if infer_unit:
        typed["unit"] = _registry_units(typed["indicator"], cols, ref, ctx)
    if "map" in typed:
        years = _map_years(typed["map"], years, ctx)
    for col in schema.columns:
        if col.kind == "geography":
            typed[col.name] = _parse_geographies(cols[col.name], col, ctx, ref, years, province)

    df = pd.DataFrame({c.name: _obj(typed[c.name], n) for c in schema.columns})
    df.insert(0, "row", list(raw.rows))
    rule = _ROW_RULES.get(kind)
    if rule is not None:
        df = rule(df, ctx, ref, strict, raw_cols=cols)
    _check_duplicates(df, schema, ctx, kind, strict)
    problems = ctx.problems()
    if problems:
        raise ValidationError(problems, ctx.notes)
    if "map" in df.columns:
        df = df.drop(columns="map")
    df.attrs.update(notes=tuple(ctx.notes), geographies=ctx.__dict__.get("new_geographies", ()), sheet=raw.sheet,
                    lang=lang)
    return df


def _check_required_columns(schema, kind: str, present: set, strict: bool, unit_known: bool, ctx: _Ctx) -> None:
    """Refuse a table missing a required column (bundled observations: full provenance too); ``unit_known``: the
    unit comes from the header or the registry, so no unit column is needed."""
    for col in schema.columns:
        required = col.required or (strict and kind == "observations" and col.name in {"obs_id", "basis", "url", "locator"})
        if col.name == "unit" and unit_known:
            required = False
        if required and col.name not in present:
            ctx.add_file(col.shown(ctx.lang), _m(ctx.lang, "missing_col", col=col.shown(ctx.lang), doc=col.described(ctx.lang)),
                         row=ctx.raw.header_row)
    if ctx.whole and any("missing" in p.message or "thiếu cột" in p.message for p in ctx.whole):
        raise ValidationError(ctx.problems(), ctx.notes)


def _check_header_unit(units, header_unit: str, ctx: _Ctx) -> None:
    """Rows whose unit column says otherwise than the unit written in the value column's header."""
    bad = np.array([x is not None and x != header_unit for x in units], dtype=bool)
    if bad.any():
        for val in pd.unique(pd.Series(units, dtype=object)[bad]):
            rows = np.flatnonzero(bad & (pd.Series(units, dtype=object) == val).to_numpy())
            ctx.add(rows, "unit", _m(ctx.lang, "header_unit", hu=header_unit, unit=val))


_FIGURE_COLUMNS = ("value", "low", "high", "numerator", "denominator", "se", "source")


def _drop_unfilled_rows(raw: RawTable, header_map: dict[str, str], ctx: "_Ctx") -> RawTable:
    """Leave out template rows nobody filled: no figure and no source (the name, indicator and year were printed).

    The case README says such rows are not read; one note counts them.
    """
    import dataclasses

    cols = [c for c, name in header_map.items() if name in _FIGURE_COLUMNS and c in raw.frame.columns]
    if not cols or "source" not in header_map.values() or not len(raw.frame):
        return raw
    empty = np.ones(len(raw.frame), dtype=bool)
    for c in cols:
        empty &= _missing_mask(raw.frame[c].reset_index(drop=True))
    if not empty.any():
        return raw
    keep = ~empty
    ctx.notes.append(_m(ctx.lang, "unfilled_rows", n=int(empty.sum())))
    return dataclasses.replace(raw, frame=raw.frame[keep].reset_index(drop=True),
                               rows=tuple(r for r, k in zip(raw.rows, keep) if k))


def _registry_units(indicators: list, cols: dict, ref: Reference, ctx: "_Ctx") -> list:
    """Each row's unit from its indicator's registry unit (no unit column in the file), with one note."""
    units = dict(zip(ref.indicators["indicator_id"], ref.indicators["unit"]))
    out = [units.get(i) if i is not None else None for i in indicators]
    vals = cols["value"].to_numpy(dtype=object) if "value" in cols else [None] * len(out)
    n_pct = sum(1 for v in vals if isinstance(v, PercentCell))
    shown = ", ".join(f"{i} -> {units[i]}" for i in dict.fromkeys(x for x in indicators if x is not None))
    ctx.notes.append(_m(ctx.lang, "unit_from_registry", shown=shown)
                     + (_m(ctx.lang, "unit_from_registry_pct", n=n_pct) if n_pct else ""))
    return out


_MAP_NEW = ("mới", "moi", "new", "hiện nay", "hien nay", "từ 1/7/2025", "sau 1/7/2025", "since 1/7/2025", "2025 mới")
_MAP_OLD = ("cũ", "cu", "old", "trước 1/7/2025", "truoc 1/7/2025", "before 1/7/2025")


def _map_years(maps: list, years, ctx: "_Ctx") -> list:
    """The year each row's name is looked up on: 2026 for names of the map since 1/7/2025, 2025 for the old map."""
    yrs = list(years) if years is not None else [None] * len(maps)
    bad: dict[str, list[int]] = {}
    for i, m in enumerate(maps):
        if m is None:
            continue
        k = fold_key(str(m))
        if k.startswith(_MAP_NEW):
            yrs[i] = 2026 if yrs[i] is None or yrs[i] <= 2025 else yrs[i]
        elif k.startswith(_MAP_OLD):
            yrs[i] = 2025 if yrs[i] is None or yrs[i] > 2025 else yrs[i]
        else:
            bad.setdefault(str(m), []).append(i)
    for v, idx in bad.items():
        ctx.add(idx, "map", _m(ctx.lang, "not_a_map", v=v))
    return yrs


def _obj(values, n: int) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True).astype(object) if values.dtype != object else values.reset_index(drop=True)
    return pd.Series(list(values) if values is not None else [None] * n, dtype=object)


def _header_unit(raw: RawTable, header_map: dict[str, str]) -> str | None:
    for rawname, name in header_map.items():
        if name in ("value", "low", "high") and rawname in raw.units:
            return raw.units[rawname]
    return None


def _match_header(frame: pd.DataFrame, schema: Schema) -> tuple[dict[str, str], dict[str, list[str]]]:
    """raw header -> schema column (the first of several synonyms), and schema column -> the other synonyms."""
    by_key: dict[str, str] = {}
    for col in schema.columns:
        by_key[fold_key(col.name)] = col.name
    for col in schema.columns:
        for a in col.aliases:
            by_key.setdefault(fold_key(a), col.name)
    mapping: dict[str, str] = {}
    extra: dict[str, list[str]] = {}
    guessed = None
    for c in frame.columns:
        base = re.sub(r"\s*\([A-Z]{1,3}\)$", "", str(c))
        k = fold_key(base)
        name = by_key.get(k.replace(" ", "_")) or by_key.get(k) or by_key.get(k.replace("_", " "))
        if name in ("unit", "geography") and k in ("đơn vị", "don vi"):
            name = _unit_or_geography(frame[c])
        if not name:
            continue
        if name in mapping.values():
            extra.setdefault(name, []).append(c)
        else:
            mapping[c] = name
    figure = {"value", "low", "high", "numerator", "denominator"}
    if "value" in {col.name for col in schema.columns} and not figure & set(mapping.values()):
        # A descriptive rate header ("Tỷ lệ HS tốt nghiệp THCS vào học nghề (%)") holds the value when no
        # column is named for it; the choice is noted.
        cands = [c for c in frame.columns if c not in mapping
                 and fold_key(c).startswith(("tỷ lệ", "tỉ lệ", "giá trị", "rate", "value", "share"))]
        if len(cands) == 1:
            mapping[cands[0]] = "value"
            guessed = cands[0]
    mapping["\x00guessed"] = guessed
    return mapping, extra


def _unit_or_geography(s: pd.Series) -> str:
    """A column headed "Đơn vị" holds units of measure (%, học sinh) or administrative units: look at its cells."""
    vals = [fold_key(v) for v in s.dropna().astype(str).head(50) if not is_missing(v)]
    if not vals:
        return "unit"
    units = sum(1 for v in vals if UNIT_ALIASES.get(v, v) in RATE_UNITS or UNIT_ALIASES.get(v, v) in COUNT_UNITS)
    return "unit" if units * 2 >= len(vals) else "geography"


def _compare_alias_columns(raw: RawTable, target: str, first: str, others: list[str], col: Column, ctx: _Ctx) -> None:
    a = raw.frame[first].reset_index(drop=True)
    for other in others:
        b = raw.frame[other].reset_index(drop=True)
        differ = None
        for i, (x, y) in enumerate(zip(a, b)):
            if is_missing(x) and is_missing(y):
                continue
            if _same_cell(x, y, col):
                continue
            differ = (i, x, y)
            break
        la, lb = raw.letters.get(first, "?"), raw.letters.get(other, "?")
        if differ is None:
            ctx.notes.append(f"columns {la} '{first}' and {lb} '{other}' both mean '{target}' and hold the same "
                             f"figures; {la} was used" if ctx.lang != "vi" else
                             f"cột {la} '{first}' và {lb} '{other}' cùng nghĩa '{target}' và giống nhau; đã dùng cột {la}")
        else:
            i, x, y = differ
            ctx.add_file(target, _m(ctx.lang, "dup_cols", col=target, a=f"{la} '{first}'", b=f"{lb} '{other}'",
                                    row=raw.rows[i], va=_show(x), vb=_show(y)), row=raw.header_row)
            ctx.fail(target, np.ones(len(raw.rows), dtype=bool))


def _same_cell(x, y, col: Column) -> bool:
    if is_missing(x) or is_missing(y):
        return False
    if col.kind in ("number", "count"):
        try:
            return abs(parse_number(x)[0] - parse_number(y)[0]) < 1e-9
        except NumberError:
            return False
    return fold_key(str(x)) == fold_key(str(y))


def _show(v) -> str:
    if isinstance(v, PercentCell):
        return repr(v)
    return str(v)


_YEAR_RANGE = re.compile(r"^(\d{4})\s*[-–/]\s*(\d{2}|\d{4})$")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _missing_mask(s: pd.Series) -> np.ndarray:
    """True where a cell is empty or a placeholder ("-", "NA"); a formula without a result is not empty."""
    vals = s.to_numpy(dtype=object)
    out = np.asarray(pd.isna(vals), dtype=bool)
    idx = np.flatnonzero(~out)
    if len(idx):
        sub = vals[idx]
        out[idx] = [type(v) is str and len(v) <= 6 and is_missing(v) for v in sub]
    return out


def _unique_map(s: pd.Series, present: np.ndarray, fn) -> tuple[list, dict]:
    """Apply ``fn`` once per distinct cell; returns (values per row, {cell: result})."""
    cache: dict = {}
    out: list = [None] * len(s)
    vals = s.to_numpy(dtype=object)
    for i in np.flatnonzero(present):
        v = vals[i]
        key = (type(v).__name__, v if not isinstance(v, FormulaCell) else v.formula)
        r = cache.get(key)
        if r is None:
            r = fn(v)
            cache[key] = r
        out[i] = r
    return out, cache


def _parse_column(s: pd.Series, col: Column, ctx: _Ctx, kind: str, strict: bool):
    lang = ctx.lang
    miss = _missing_mask(s)
    needs = col.nonempty or (strict and kind == "observations" and col.name in {"obs_id", "basis", "url", "locator"})
    if needs and miss.any():
        ctx.add(np.flatnonzero(miss), col.name, _m(lang, "empty", col=col.shown(lang), doc=col.described(lang)))
        ctx.fail(col.name, miss)
    present = ~miss
    k = col.kind
    if k in ("text", "id"):
        return [None if m else str(v) for v, m in zip(s.to_numpy(dtype=object), miss)]
    if k == "year":
        parsed, _ = _unique_map(s, present, _year_of)
    elif k in ("number", "count"):
        parsed, _ = _unique_map(s, present, lambda v: _number_of(v, k == "count"))
    elif k == "bool":
        parsed, _ = _unique_map(s, present, lambda v: _bool_of(v))
    elif k == "choice":
        parsed, _ = _unique_map(s, present, lambda v: _choice_of(v, col.choices))
    elif k == "comparator":
        parsed, _ = _unique_map(s, present, lambda v: _comparator_of(v))
    elif k == "unit":
        parsed, _ = _unique_map(s, present, lambda v: _unit_of(v))
    else:  # pragma: no cover
        raise AssertionError(k)
    out: list = [None] * len(s)
    errs: dict[str, list[int]] = {}
    failed = np.zeros(len(s), dtype=bool)
    for i in np.flatnonzero(present):
        ok, val, err = parsed[i]
        if ok:
            out[i] = val
        else:
            errs.setdefault(err, []).append(i)
            failed[i] = True
    formulas = [(e, idx) for e, idx in errs.items() if e[0] == "formula"]
    if formulas:  # one cause: the file was saved without calculating; show the first formula
        first = min(formulas, key=lambda t: min(t[1]))[0]
        allidx = sorted(i for _, idx in formulas for i in idx)
        for e, _ in formulas:
            del errs[e]
        errs[first] = allidx
    for err, idx in errs.items():
        ctx.add(idx, col.name, err)
    if failed.any():
        ctx.fail(col.name, failed)
    return out


_YEAR_WORDS = re.compile(r"^(?:năm học|năm|nh|school year|year)\s*:?\s*", re.I)


def _year_of(v):
    s = _YEAR_WORDS.sub("", str(v).strip())
    m = _YEAR_RANGE.match(s)
    if m:
        a, b = int(m.group(1)), m.group(2)
        b = int(b) if len(b) == 4 else (a // 100) * 100 + int(b)
        if b != a + 1:
            return False, None, ("not_school_year", v)
        return True, b, None
    try:
        x, _ = parse_number(s, integer=True, rate=True)
    except NumberError:
        return False, None, ("not_year", v)
    if not 1990 <= x <= 2100:
        return False, None, ("year_range", int(x))
    return True, int(x), None


def _number_of(v, integer: bool):
    try:
        x, pct = parse_number(v, integer=integer)
    except NumberError as exc:
        if isinstance(v, FormulaCell):
            return False, None, ("formula", str(exc), str(v))
        return False, None, ("not_number", str(exc))
    if integer and x < 0:
        return False, None, ("count_neg", _g(x))
    return True, ((x, pct, v) if not integer else x), None


def _bool_of(v):
    s = fold_key(str(v))
    if s in TRUE_WORDS:
        return True, True, None
    if s in FALSE_WORDS:
        return True, False, None
    return False, None, ("not_bool", v)


def _choice_of(v, choices):
    s = fold_key(str(v))
    if s in choices:
        return True, s, None
    return False, None, ("choice", v, ", ".join(choices))


def _comparator_of(v):
    s = str(v).strip()
    s = s if s in COMPARATORS else fold_key(s)
    if s in COMPARATORS:
        return True, COMPARATORS[s], None
    return False, None, ("comparator", v)


def _unit_of(v):
    s = fold_key(str(v))
    s = UNIT_ALIASES.get(s, s)
    if s in RATE_UNITS or s in COUNT_UNITS:
        return True, s, None
    return False, None, ("unit", v)


# The parse helpers return error codes; turn them into words in the file's language.
def _err_text(code, lang: str) -> str:
    key = code[0]
    if key == "not_school_year":
        return _m(lang, key, v=code[1])
    if key == "not_year":
        return _m(lang, key, v=code[1])
    if key == "year_range":
        return _m(lang, key, v=code[1])
    if key == "formula":
        return _m(lang, key, why=code[1], formula=code[2])
    if key == "not_number":
        return _m(lang, key, why=_number_reason(code[1], lang))
    if key == "count_neg":
        return _m(lang, key, v=code[1])
    if key == "not_bool":
        return _m(lang, key, v=code[1])
    if key == "choice":
        return _m(lang, key, v=code[1], choices=code[2])
    if key == "comparator":
        return _m(lang, key, v=code[1])
    if key == "unit":
        return _m(lang, key, v=code[1], counts=", ".join(COUNT_UNITS))
    raise AssertionError(code)  # pragma: no cover


_REASONS_VI = [
    (re.compile(r"^'(.*)' is not a number$"), "'{0}' không phải là số"),
    (re.compile(r"^'(.*)' is ambiguous: it could be (.*) with a decimal mark or (.*) with a thousands separator; "
                r"write the count without separators \(e\.g\. (.*)\)$"),
     "'{0}' không rõ nghĩa: có thể là {1} (dấu thập phân) hoặc {2} (dấu phân cách hàng nghìn); hãy ghi số lượng "
     "không có dấu phân cách (ví dụ {3})"),
    (re.compile(r"^'(.*)' is not a whole number.*$"), "'{0}' không phải số nguyên (số học sinh, số chỗ phải là số "
                                                      "nguyên)"),
    (re.compile(r"^'(.*)' has misplaced thousands separators$"), "'{0}' đặt dấu phân cách hàng nghìn sai chỗ"),
    (re.compile(r"^'(.*)' is an Excel error value \((.*)\): .*$"),
     "'{0}' là giá trị lỗi của Excel ({1}): công thức của ô này bị lỗi nên không có số liệu; hãy sửa công thức trong "
     "Excel (hoặc gõ số liệu) rồi lưu lại"),
    (re.compile(r"^'(.*)' mixes separators.*$"), "'{0}' trộn dấu chấm và dấu phẩy không đọc được"),
]


def _number_reason(why: str, lang: str) -> str:
    if lang != "vi":
        return why
    for rx, vi in _REASONS_VI:
        m = rx.match(why)
        if m:
            g = list(m.groups())
            if "Excel" in vi:
                from simlib.inputs.textio import EXCEL_ERRORS

                g[1] = next((v[1] for v in EXCEL_ERRORS.values() if v[0] == g[1]), g[1])
            return vi.format(*g)
    return why


def _parse_indicators(s: pd.Series, col: Column, ctx: _Ctx, ref: Reference | None):
    miss = _missing_mask(s)
    if col.nonempty and miss.any():
        ctx.add(np.flatnonzero(miss), col.name, _m(ctx.lang, "empty", col=col.shown(ctx.lang), doc=col.described(ctx.lang)))
        ctx.fail(col.name, miss)
    vals = s.to_numpy(dtype=object)
    if ref is None:
        return [None if m else str(v) for v, m in zip(vals, miss)]
    out: list = [None] * len(s)
    bad: dict[str, list[int]] = {}
    cache: dict[str, str | None] = {}
    for i in np.flatnonzero(~miss):
        v = str(vals[i])
        if v not in cache:
            cache[v] = ref.indicator_id(v)
        iid = cache[v]
        if iid is None:
            bad.setdefault(v, []).append(i)
        else:
            out[i] = iid
    failed = np.zeros(len(s), dtype=bool)
    for v, idx in bad.items():
        ctx.add(idx, col.name, ref.unknown_indicator(v, ctx.lang, listed=True))
        failed[idx] = True
    if bad:
        ctx.notes.append(_m(ctx.lang, "known_indicators", known=ref.known_indicators()))
    ctx.fail(col.name, failed | miss)
    return out


def _parse_plans(s: pd.Series, col: Column, ctx: _Ctx, ref: Reference | None):
    miss = _missing_mask(s)
    if col.nonempty and miss.any():
        ctx.add(np.flatnonzero(miss), col.name, _m(ctx.lang, "empty", col=col.shown(ctx.lang), doc=""))
        ctx.fail(col.name, miss)
    vals = [None if m else str(v) for v, m in zip(s.to_numpy(dtype=object), miss)]
    if ref is None or ref.plans is None:
        return vals
    known = set(ref.plans["plan_id"])
    failed = np.zeros(len(s), dtype=bool)
    for v in dict.fromkeys(x for x in vals if x is not None and x not in known):
        idx = [i for i, x in enumerate(vals) if x == v]
        ctx.add(idx, col.name, _m(ctx.lang, "unknown_plan", v=v, plans=", ".join(ref.plans["plan_id"])))
        failed[idx] = True
        for i in idx:
            vals[i] = None
    ctx.fail(col.name, failed | miss)
    return vals


def _parse_geographies(s: pd.Series, col: Column, ctx: _Ctx, ref: Reference | None, years, province: str | None):
    """Geo ids of a geography column: each distinct (name, year) located once, former units noted, places of the
    official map not in the reference kept for ``attrs["geographies"]``."""
    lang = ctx.lang
    miss = _missing_mask(s)
    if col.nonempty and miss.any():
        ctx.add(np.flatnonzero(miss), col.name, _m(lang, "empty", col=col.shown(lang), doc=col.described(lang)))
        ctx.fail(col.name, miss)
    vals = s.to_numpy(dtype=object)
    if ref is None:
        return [None if m else str(v) for v, m in zip(vals, miss)]
    yrs = _usual_years(years, len(s))
    pairs: dict[tuple[str, int | None], list[int]] = {}
    for i in np.flatnonzero(~miss):
        y = yrs[i]
        pairs.setdefault((str(vals[i]), y), []).append(i)
    results = _locate_pairs(pairs, ref, ctx, province)
    for key, r in list(results.items()):
        clash = _same_name_today(key[0], key[1], r[2], lang)
        if clash is not None:
            results[key] = (None, clash, None)
    out: list = [None] * len(s)
    failed = miss.copy()
    notes: dict[str, list[int]] = {}
    old_map: dict[str, dict[str, list[int]]] = {}
    new_geos: dict[str, dict] = {}
    known = set(ref.geographies["geo_id"])
    for key, idx in pairs.items():
        gid, why, place = results[key]
        if gid is None:
            ctx.add(idx, col.name, why)
            failed[idx] = True
            continue
        for i in idx:
            out[i] = gid
        if place is not None:
            if gid not in known:
                new_geos[gid] = {"geo_id": gid, "name_vi": place.name_vi, "name_en": place.name_vi,
                                 "level": place.level, "parent": place.parent, "code": place.code,
                                 "successor": place.successor,
                                 "valid_to": None if place.current else "2025-06-30"}
            if not place.current:
                y = key[1]
                if y is None or y <= 2025:
                    grp = old_map.setdefault(place.successor or "?", {})
                    grp.setdefault(place.name_vi, []).extend(ctx.rows[i] for i in idx)
                    continue
                now = place.note.split('-> ', 1)[1]
                tag = _m(lang, "abolished_unit", name=key[0], year=y, now=_vi_places(now) if lang == "vi" else now)
                notes.setdefault(tag, []).extend(ctx.rows[i] for i in idx)
    _mapped_notes(old_map, notes, ctx)
    ctx.fail(col.name, failed)
    if new_geos:
        ctx.new_geographies = tuple(new_geos.values())
    return out


def _usual_years(years, n: int) -> list:
    """Each row's year; a row whose year could not be read is placed on the file's usual map (the median year)."""
    yrs = list(years) if years is not None else [None] * n
    known_years = [y for y in yrs if y is not None]
    if known_years and len(known_years) < len(yrs):
        usual = int(np.median(known_years))  # a row whose year could not be read is placed on the file's usual map
        yrs = [usual if y is None else y for y in yrs]
    return yrs


def _locate_pairs(pairs: Mapping, ref: Reference, ctx: _Ctx, province: str | None) -> dict:
    """(name, year) -> (geo id, why, place) of every distinct unit name, looked up in the file's province: given,
    the reference's, the title block's, or (after a first pass) the one province its other rows share (noted)."""
    lang = ctx.lang
    ctx_prov = province or ref.province
    source = None
    if ctx_prov is None:
        t = province_in_title(ctx.raw.title)
        if t:
            try:
                from simlib.inputs import places

                places._context(t)
                ctx_prov, source = t, "title"
            except Exception:
                ctx_prov = None
    results = {key: ref.locate(key[0], year=key[1], province=ctx_prov, lang=lang) for key in pairs}
    if ctx_prov is None and any(r[0] is None and "ambiguous" in (r[1] or "") or "chưa rõ" in (r[1] or "")
                                for r in results.values()):
        provs = set()
        for (name, y), r in results.items():
            if r[0] is not None:
                p = ref._bundled_province(r[0]) if r[2] is None else r[2].province_id
                if p:
                    provs.add(p)
        if len(provs) == 1:
            ctx_prov, source = provs.pop(), "rows"
            for key, r in list(results.items()):
                if r[0] is None:
                    results[key] = ref.locate(key[0], year=key[1], province=ctx_prov, lang=lang)
    if source is not None and any(r[0] is not None for r in results.values()):
        from simlib.inputs import places

        try:
            new, old = places._context(ctx_prov)
            pname = places._legacy()["provinces"][old]["name_vi"] if old else places._new_name(new)
        except places.PlaceError:  # pragma: no cover - checked when the context was taken
            pname = ctx_prov
        ctx.notes.append(_m(lang, "province_taken", name=pname,
                            source=_m(lang, "from_title" if source == "title" else "from_other_rows")))
    return results


def _mapped_notes(old_map: Mapping, notes: Mapping, ctx: _Ctx) -> None:
    """Notes on rows of units of the former map (mapped to their successor) and of units abolished in their year."""
    lang = ctx.lang
    from simlib.inputs.textio import _ranges
    from simlib.inputs.places import _new_name

    for succ, units in old_map.items():
        rows = tuple(r for rs in units.values() for r in rs)
        shown = ", ".join(list(units)[:6]) + (", …" if len(units) > 6 else "")
        ctx.notes.append(_m(lang, "rows_prefix", s="s" if len(rows) > 1 else "", rows=_ranges(rows))
                         + _m(lang, "old_map_units", n=len(units), s="s" if len(units) > 1 else "", shown=shown,
                              now=_new_name(succ)))
    for tag, rows in notes.items():
        ctx.notes.append(_m(lang, "rows_prefix", s="s" if len(rows) > 1 else "", rows=_ranges(tuple(rows))) + tag)


def _same_name_today(name: str, year, place, lang: str) -> str | None:
    """A reason to refuse a past row whose name is both a former commune and a different commune of today.

    A row copied from the template (today's communes) with an earlier year is
    read on the map of its year: "Xã Minh Hóa" in 2024 is the former Xã Minh
    Hóa, whose area went into Xã Kim Phú, not today's Xã Minh Hóa. When both
    exist and are different areas the row cannot be placed without the
    planner saying which is meant.
    """
    if place is None or place.current or year is None or year > 2025 or place.level != "commune":
        return None
    from simlib.inputs import places

    try:
        today = places.resolve(name, province=place.successor, when=2026)
    except places.PlaceError:
        return None
    if not today.current or today.geo_id == place.successor_unit:
        return None
    if places._split_kind(today.name_vi)[1] != places._split_kind(name)[1]:
        return None
    went = ""
    if place.successor_unit:
        try:
            went = places.resolve(place.successor_unit).name_vi
        except places.PlaceError:  # pragma: no cover - ids come from the map itself
            went = place.successor_unit
    return _m(lang, "same_name_today", name=name, year=year, old=place.name_vi, old_id=place.geo_id,
              went=_m(lang, "same_name_went", went=went) if went else "", today=today.name_vi,
              today_id=today.geo_id)


# the row rules build on the parsing above (imported last: they import this module)
from simlib.inputs.row_rules import _ROW_RULES, _check_duplicates  # noqa: E402

