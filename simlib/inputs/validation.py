"""Schemas and checks for simlib's tables and for planners' own files.

Each table kind (``observations``, ``targets``, ``geographies``, ``indicators``,
``plans``, ``context``) has a :class:`Schema`: its columns, which must be
present and filled, and its key. :func:`validate_table` applies the schema and
the domain rules and returns a typed :class:`pandas.DataFrame` or raises
:class:`~simlib.inputs.textio.ValidationError` listing *every* problem with file,
row, column and reason.

A planner's own data uses the ``observations`` schema (see
``data/template/observations_template.csv`` and ``data/README.md``).

Units
-----
Rates are stored in the unit their source used, named in the ``unit`` column:
``percent`` (0-100) or ``share`` (0-1). Loaded frames add ``*_share`` columns
(fractions 0-1) so downstream code never has to guess.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from simlib.inputs.textio import (
    NumberError,
    Problem,
    RawTable,
    ValidationError,
    fold_key,
    is_missing,
    parse_number,
    strip_accents,
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
]

RATE_UNITS = {"percent": 100.0, "share": 1.0}
COUNT_UNITS = ("students", "places", "institutions", "schools", "classes", "learners")
UNIT_ALIASES = {
    "%": "percent", "pct": "percent", "phần trăm": "percent", "phan tram": "percent", "percentage": "percent",
    "fraction": "share", "proportion": "share", "tỷ lệ (0-1)": "share",
    "học sinh": "students", "hoc sinh": "students", "student": "students", "pupils": "students",
    "chỗ": "places", "chỉ tiêu": "places", "place": "places", "seats": "places",
    "trường": "schools", "school": "schools", "lớp": "classes", "class": "classes",
    "cơ sở": "institutions", "institution": "institutions", "người học": "learners", "learner": "learners",
}
BASIS = ("same", "broader", "narrower", "unclear")
COMPARATORS = {">=": ">=", "≥": ">=", "=>": ">=", ">": ">", "range": "range", "approx": "approx", "~": "approx",
               "<=": "<=", "≤": "<=", "=<": "<=", "<": "<", "ít nhất": ">=", "it nhat": ">=", "trên": ">",
               "tren": ">", "khoảng": "approx", "khoang": "approx", "không quá": "<=", "khong qua": "<=",
               "dưới": "<", "duoi": "<"}
INDICATOR_KINDS = ("rate", "school_share", "count")
LEVELS = ("country", "province", "district", "commune_group", "commune", "school")
TRUE_WORDS = {"yes", "y", "true", "1", "có", "co", "x"}
FALSE_WORDS = {"no", "n", "false", "0", "không", "khong"}


@dataclass(frozen=True)
class Column:
    """One column of a table schema.

    ``kind`` is one of: text, id, int, year, number, count, bool, choice,
    geography, indicator, plan, unit, comparator.
    ``required``: the header must contain it. ``nonempty``: every row needs a value.
    ``aliases``: other header spellings accepted (e.g. Vietnamese).
    """

    name: str
    kind: str = "text"
    required: bool = True
    nonempty: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class Schema:
    kind: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    doc: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


_PROV = (
    Column("source", nonempty=True, doc="document or publisher the figure comes from"),
    Column("url", doc="URL or file path of the source"),
    Column("locator", doc="table, section, page or sentence within the source"),
    Column("source_date", required=False, doc="date of the source document"),
)

SCHEMAS: dict[str, Schema] = {
    "observations": Schema(
        "observations",
        (
            Column("obs_id", "id", required=False, doc="unique id (bundled data); generated from the row number if absent"),
            Column("geography", "geography", nonempty=True, aliases=("địa bàn", "dia ban", "huyện", "unit", "đơn vị hành chính"),
                   doc="geo_id or name from data/geographies.csv"),
            Column("indicator", "indicator", nonempty=True, aliases=("chỉ tiêu", "chi tieu"), doc="indicator_id from data/indicators.csv"),
            Column("breakdown", required=False, doc="sub-group (e.g. a level of training); empty for the total"),
            Column("period", required=False, doc="the period as the source states it"),
            Column("year", "year", aliases=("năm", "nam", "school_year", "năm học"),
                   doc="reference year: the calendar year in which the school year ends ('2020-2021' is read as 2021)"),
            Column("year_first", "year", required=False, doc="first year covered when a figure spans several years"),
            Column("value", "number", required=False, aliases=("giá trị", "gia tri"), doc="the figure (point value)"),
            Column("low", "number", required=False, doc="lower end of a range or a lower bound ('over 6 %')"),
            Column("high", "number", required=False, doc="upper end of a range"),
            Column("high_open", "bool", required=False, doc="yes when the upper end is open ('over 16 %')"),
            Column("numerator", "count", required=False, doc="count of students in the numerator (e.g. entrants to trung cấp)"),
            Column("denominator", "count", required=False, doc="count of students in the denominator (e.g. THCS graduates)"),
            Column("se", "number", required=False, doc="standard error of the value, same unit"),
            Column("unit", "unit", nonempty=True, aliases=("đơn vị", "don vi"), doc="percent, share, or a count unit"),
            Column("basis", "choice", required=False, choices=BASIS,
                   doc="how the figure's definition relates to the indicator's: same, broader, narrower, unclear"),
            Column("flags", required=False, doc="semicolon-separated caveats"),
            Column("derivation", required=False, doc="how a derived figure was computed"),
            Column("source", nonempty=True, aliases=("nguồn", "nguon"), doc="document or publisher the figure comes from"),
            Column("url", required=False),
            Column("locator", required=False),
            Column("source_date", required=False),
            Column("notes", required=False),
        ),
        key=("geography", "indicator", "breakdown", "year", "year_first"),
        doc="Historical figures (bundled) or a planner's own data (template).",
    ),
    "targets": Schema(
        "targets",
        (
            Column("target_id", "id", nonempty=True),
            Column("plan_id", "plan", nonempty=True),
            Column("geography", "geography", nonempty=True),
            Column("indicator", "indicator", nonempty=True),
            Column("year", "year", nonempty=True),
            Column("comparator", "comparator", nonempty=True),
            Column("value", "number", required=True),
            Column("low", "number", required=True),
            Column("high", "number", required=True),
            Column("unit", "unit", nonempty=True),
            Column("as_written", nonempty=True, doc="the number exactly as the plan writes it"),
            Column("variant", required=False, doc="body / appendix / national / disadvantaged_areas"),
            Column("source_status", "choice", nonempty=True, choices=("primary", "secondary")),
            Column("locator", nonempty=True),
            Column("url", nonempty=True),
            Column("notes", required=False),
        ),
        key=("plan_id", "geography", "indicator", "year", "variant"),
        doc="Quantitative targets from the plans.",
    ),
    "case_targets": Schema(
        "case_targets",
        (
            Column("target_id", "id", required=False, doc="unique id; generated from the row if absent"),
            Column("geography", "geography", nonempty=True, aliases=("địa bàn", "dia ban", "xã", "phường", "unit"),
                   doc="the commune, ward or province the target is for"),
            Column("indicator", "indicator", nonempty=True, aliases=("chỉ tiêu", "chi tieu"),
                   doc="indicator_id from data/indicators.csv"),
            Column("year", "year", nonempty=True, aliases=("năm", "nam")),
            Column("comparator", "comparator", required=False, aliases=("so sánh", "so sanh"),
                   doc=">= (default), >, <=, <, range or approx"),
            Column("value", "number", required=False, aliases=("giá trị", "gia tri", "mục tiêu", "muc tieu")),
            Column("low", "number", required=False),
            Column("high", "number", required=False),
            Column("unit", "unit", nonempty=True, aliases=("đơn vị", "don vi")),
            Column("as_written", required=False, doc="the number exactly as the plan writes it (default: value)"),
            Column("source", nonempty=True, aliases=("nguồn", "nguon", "văn bản", "van ban"),
                   doc="the plan or decision that sets the target"),
            Column("locator", required=False),
            Column("url", required=False),
            Column("notes", required=False, aliases=("ghi chú", "ghi chu")),
        ),
        key=("geography", "indicator", "year"),
        doc="A case's own targets (planner template).",
    ),
    "geographies": Schema(
        "geographies",
        (
            Column("geo_id", "id", nonempty=True),
            Column("name_vi", nonempty=True),
            Column("name_en", nonempty=True),
            Column("level", "choice", nonempty=True, choices=LEVELS),
            Column("parent", required=True),
            Column("aliases", required=False),
            Column("notes", required=False),
        ),
        key=("geo_id",),
    ),
    "indicators": Schema(
        "indicators",
        (
            Column("indicator_id", "id", nonempty=True),
            Column("kind", "choice", nonempty=True, choices=INDICATOR_KINDS),
            Column("unit", "unit", nonempty=True),
            Column("name_en", nonempty=True),
            Column("name_vi", nonempty=True),
            Column("population", required=False),
            Column("destinations", required=False),
            Column("weight_indicator", required=False),
            Column("origin", "choice", required=False, choices=("thcs", "thpt", "thcs+thpt")),
            Column("role", "choice", required=False, choices=("steered", "derived")),
            Column("headline", "bool", required=False),
            Column("short_vi", required=False),
            Column("short_en", required=False),
            Column("schools_indicator", required=False),
            Column("notes", required=False),
        ),
        key=("indicator_id",),
    ),
    "plans": Schema(
        "plans",
        (
            Column("plan_id", "id", nonempty=True),
            Column("title", nonempty=True),
            Column("short", required=False, doc="a short name for charts, e.g. QĐ 522"),
            Column("issuer", nonempty=True),
            Column("geography", "geography", nonempty=True),
            Column("date", required=True),
            Column("status", "choice", nonempty=True, choices=("draft", "issued")),
            Column("document", nonempty=True),
            Column("source_status", "choice", nonempty=True, choices=("primary", "secondary")),
            Column("notes", required=False),
        ),
        key=("plan_id",),
    ),
    "context": Schema(
        "context",
        (
            Column("context_id", "id", nonempty=True),
            Column("geography", "geography", nonempty=True),
            Column("item", nonempty=True),
            Column("value", "number", required=True),
            Column("text", required=True),
            Column("unit", nonempty=True),
            Column("date", nonempty=True),
            Column("source", nonempty=True),
            Column("url", nonempty=True),
            Column("locator", nonempty=True),
            Column("notes", required=False),
        ),
        key=("context_id",),
    ),
}


@dataclass(frozen=True)
class Reference:
    """Known geographies, indicators and plans, used to check other tables.

    Build with :func:`simlib.inputs.bundle.load_reference`.
    """

    geographies: pd.DataFrame
    indicators: pd.DataFrame
    plans: pd.DataFrame | None = None
    _geo_lookup: dict[str, set[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, geographies: pd.DataFrame, indicators: pd.DataFrame, plans: pd.DataFrame | None = None) -> "Reference":
        lookup: dict[str, set[str]] = {}
        for row in geographies.itertuples(index=False):
            names = [row.geo_id, row.name_vi, row.name_en]
            aliases = getattr(row, "aliases", None)
            if isinstance(aliases, str):
                names += [a for a in aliases.split(";") if a.strip()]
            for n in names:
                lookup.setdefault(fold_key(n), set()).add(row.geo_id)
        return cls(geographies, indicators, plans, lookup)

    def resolve_geography(self, name: str) -> tuple[str | None, str | None]:
        """Return (geo_id, None) or (None, reason) for a geography as written."""
        ids = self._geo_lookup.get(fold_key(name))
        if ids and len(ids) == 1:
            return next(iter(ids)), None
        if ids:
            return None, f"'{name}' is ambiguous: it could be {', '.join(sorted(ids))}; write the geo_id"
        return None, f"unknown geography '{name}'" + _suggest(name, self._geo_lookup.keys(), self._display_name)

    def _display_name(self, key: str) -> str:
        ids = self._geo_lookup[key]
        gid = next(iter(ids))
        row = self.geographies.loc[self.geographies["geo_id"] == gid].iloc[0]
        return f"{row['name_vi']} ({gid})"

    def indicator(self, name: str) -> tuple[pd.Series | None, str | None]:
        key = fold_key(name)
        hit = self.indicators.loc[self.indicators["indicator_id"].map(fold_key) == key]
        if len(hit) == 1:
            return hit.iloc[0], None
        known = list(self.indicators["indicator_id"])
        return None, f"unknown indicator '{name}'" + _suggest(name, [fold_key(k) for k in known], lambda k: k, lookup_list=known)


def _suggest(name: str, keys, display: Callable[[str], str], lookup_list: list[str] | None = None) -> str:
    keys = list(keys)
    plain = {strip_accents(k): k for k in keys}
    target = strip_accents(name)
    if target in plain:
        return f"; did you mean {display(plain[target])}? (letters with diacritics must match)"
    close = difflib.get_close_matches(target, list(plain), n=3, cutoff=0.75)
    if close:
        return "; did you mean " + " or ".join(display(plain[c]) for c in close) + "?"
    if lookup_list is not None:
        return " (known indicators are listed in data/indicators.csv)"
    return " (known geographies are listed in data/geographies.csv)"


def guess_kind(file_name: str) -> str:
    """Table kind from a file name: 'targets.csv' -> 'targets'; anything else -> 'observations'."""
    stem = re.sub(r"\.(csv|tsv|txt|xlsx|xlsm)$", "", file_name.rsplit("/", 1)[-1].casefold())
    for kind in SCHEMAS:
        if stem == kind or stem.startswith(kind + "_") or stem.endswith("_" + kind):
            return kind
    return "observations"


# ----------------------------------------------------------------------------
# The validator
# ----------------------------------------------------------------------------


def validate_table(raw: RawTable, kind: str, ref: Reference | None = None, *, strict: bool = False) -> pd.DataFrame:
    """Check a raw table against its schema and the domain rules.

    Parameters
    ----------
    raw : RawTable
        From :func:`simlib.inputs.textio.read_table`.
    kind : str
        One of ``SCHEMAS``.
    ref : Reference, optional
        Known geographies/indicators/plans; required for kinds with such columns.
    strict : bool
        Bundled-data mode: observations must carry ``obs_id``, ``basis``,
        ``url`` and ``locator`` (full provenance), and keys are ``obs_id``.

    Returns
    -------
    pandas.DataFrame
        Typed table (numbers as float, years as int, geographies as geo_id),
        with a ``row`` column giving each record's spreadsheet row. For
        observations also ``value_share``, ``low_share``, ``high_share``,
        ``se_share`` (fractions 0-1, rates only).

    Raises
    ------
    ValidationError
        Listing every problem found.
    """
    if kind not in SCHEMAS:
        raise ValueError(f"unknown table kind {kind!r}; choose from {sorted(SCHEMAS)}")
    schema = SCHEMAS[kind]
    problems: list[Problem] = list(raw.problems)
    f = raw.file
    header_map = _match_header(raw.frame.columns, schema)
    present = set(header_map.values())
    for col in schema.columns:
        required = col.required or (strict and kind == "observations" and col.name in {"obs_id", "basis", "url", "locator"})
        if required and col.name not in present:
            problems.append(Problem(f, 1, col.name, f"required column '{col.name}' is missing"
                                    + (f" ({col.doc})" if col.doc else "")))
    if any(p.row == 1 and "is missing" in p.message for p in problems):
        raise ValidationError(problems)

    df = raw.frame.rename(columns=header_map)
    df = df[[c for c in df.columns if c in {col.name for col in schema.columns}]].copy()
    for col in schema.columns:
        if col.name not in df.columns:
            df[col.name] = None
    original_name = {v: k for k, v in header_map.items()}
    rows = list(raw.rows)
    out: dict[str, list] = {c.name: [] for c in schema.columns}
    ctx = _Ctx(f, rows, original_name, problems)
    for i in range(len(df)):
        for col in schema.columns:
            out[col.name].append(_parse_cell(df.iloc[i][col.name], col, i, ctx, ref, kind, strict))
    typed = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in out.items()})
    typed.insert(0, "row", rows)

    rule = _ROW_RULES.get(kind)
    if rule is not None:
        typed = rule(typed, ctx, ref, strict)
    _check_duplicates(typed, schema, ctx, kind, strict)
    if problems:
        raise ValidationError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    return typed


@dataclass
class _Ctx:
    file: str
    rows: list[int]
    names: dict[str, str]
    problems: list[Problem]
    failed: set = field(default_factory=set)  # (row index, column) whose cell could not be parsed

    def add(self, i: int | None, column: str | None, message: str) -> None:
        row = None if i is None else self.rows[i]
        self.problems.append(Problem(self.file, row, None if column is None else self.names.get(column, column), message))


def _match_header(columns, schema: Schema) -> dict[str, str]:
    mapping: dict[str, str] = {}
    by_key: dict[str, str] = {}
    for col in schema.columns:
        by_key[fold_key(col.name)] = col.name
        for a in col.aliases:
            by_key.setdefault(fold_key(a), col.name)
    for c in columns:
        k = fold_key(c).replace(" ", "_")
        name = by_key.get(k) or by_key.get(fold_key(c))
        if name and name not in mapping.values():
            mapping[c] = name
    return mapping


def _parse_cell(v, col: Column, i: int, ctx: _Ctx, ref: Reference | None, kind: str, strict: bool):
    if is_missing(v):
        needs = col.nonempty or (strict and kind == "observations" and col.name in {"obs_id", "basis", "url", "locator"})
        if needs:
            ctx.add(i, col.name, f"'{col.name}' is empty; every row needs a value here" + (f" ({col.doc})" if col.doc else ""))
        return None
    k = col.kind
    if k in ("text", "id"):
        return str(v)
    if k == "year":
        return _parse_year(v, col, i, ctx)
    if k in ("number", "count"):
        try:
            x, pct = parse_number(v, integer=(k == "count"))
        except NumberError as exc:
            ctx.add(i, col.name, f"not a usable number: {exc}")
            ctx.failed.add((i, col.name))
            return None
        if k == "count" and x < 0:
            ctx.add(i, col.name, f"a count cannot be below zero (found {v})")
        return (x, pct, v) if k == "number" else x
    if k == "bool":
        s = fold_key(str(v))
        if s in TRUE_WORDS:
            return True
        if s in FALSE_WORDS:
            return False
        ctx.add(i, col.name, f"'{v}' is not yes/no")
        return None
    if k == "choice":
        s = fold_key(str(v))
        if s in col.choices:
            return s
        ctx.add(i, col.name, f"'{v}' is not allowed; use one of: {', '.join(col.choices)}")
        return None
    if k == "comparator":
        s = str(v).strip()
        if s in COMPARATORS:
            return COMPARATORS[s]
        ctx.add(i, col.name, f"'{v}' is not a comparator; use >= (ít nhất), > (trên), <= (không quá), < (dưới), "
                             "range (a band low-high) or approx (khoảng)")
        return None
    if k == "unit":
        s = fold_key(str(v))
        s = UNIT_ALIASES.get(s, s)
        if s in RATE_UNITS or s in COUNT_UNITS:
            return s
        ctx.add(i, col.name, f"unknown unit '{v}'; use percent (0-100), share (0-1) or one of: {', '.join(COUNT_UNITS)}")
        return None
    if k == "geography":
        if ref is None:
            return str(v)
        gid, why = ref.resolve_geography(str(v))
        if why:
            ctx.add(i, col.name, why)
        return gid
    if k == "indicator":
        if ref is None:
            return str(v)
        row, why = ref.indicator(str(v))
        if why:
            ctx.add(i, col.name, why)
            return None
        return row["indicator_id"]
    if k == "plan":
        if ref is None or ref.plans is None:
            return str(v)
        if str(v) in set(ref.plans["plan_id"]):
            return str(v)
        ctx.add(i, col.name, f"unknown plan '{v}'; known plans are in data/plans.csv: {', '.join(ref.plans['plan_id'])}")
        return None
    raise AssertionError(k)  # pragma: no cover


_YEAR_RANGE = re.compile(r"^(\d{4})\s*[-–/]\s*(\d{2}|\d{4})$")


def _parse_year(v, col: Column, i: int, ctx: _Ctx) -> int | None:
    s = str(v).strip()
    m = _YEAR_RANGE.match(s)
    if m:
        a, b = int(m.group(1)), m.group(2)
        b = int(b) if len(b) == 4 else (a // 100) * 100 + int(b)
        if b != a + 1:
            ctx.add(i, col.name, f"'{v}' is not a school year (expected e.g. 2020-2021)")
            return None
        return b
    try:
        x, _ = parse_number(v, integer=True, rate=True)
    except NumberError:
        ctx.add(i, col.name, f"'{v}' is not a year (write e.g. 2021 or 2020-2021)")
        return None
    if not 1990 <= x <= 2100:
        ctx.add(i, col.name, f"year {int(x)} is outside 1990-2100")
        return None
    return int(x)


# ----------------------------------------------------------------------------
# Row rules
# ----------------------------------------------------------------------------


def _num(t):
    return None if t is None else t[0]


def _pct_sign(t):
    return t is not None and t[1]


def _check_rate_bounds(ctx: _Ctx, i: int, col: str, x: float | None, unit: str | None) -> None:
    if x is None or unit not in RATE_UNITS:
        return
    top = RATE_UNITS[unit]
    if x < 0 or x > top:
        hint = ""
        if unit == "share" and 1 < x <= 100:
            hint = "; it looks like a percent: set unit to 'percent' or divide by 100"
        ctx.add(i, col, f"a rate must lie between 0 and {top:g} {'%' if unit == 'percent' else '(share)'}"
                        f"; found {x:g}{hint}")


def _rules_observations(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool) -> pd.DataFrame:
    n = len(df)
    kinds = dict(zip(ref.indicators["indicator_id"], ref.indicators["kind"])) if ref is not None else {}
    value = np.full(n, np.nan)
    low = np.full(n, np.nan)
    high = np.full(n, np.nan)
    se = np.full(n, np.nan)
    for i, r in enumerate(df.itertuples(index=False)):
        unit = r.unit
        if ref is not None and r.indicator is not None and unit is not None:
            is_rate_ind = kinds[r.indicator] in ("rate", "school_share")
            if is_rate_ind and unit not in RATE_UNITS:
                ctx.add(i, "unit", f"indicator '{r.indicator}' is a rate, so the unit must be percent or share (found '{unit}')")
                unit = None  # further range checks would only repeat this problem
            elif not is_rate_ind and unit in RATE_UNITS:
                ctx.add(i, "unit", f"indicator '{r.indicator}' is a count, so the unit must be a count unit such as students (found '{unit}')")
                unit = None
        for c in ("value", "low", "high", "se"):
            if _pct_sign(getattr(r, c)) and unit == "share":
                ctx.add(i, c, "the value has a % sign but the unit column says share (0-1)")
        v, lo, hi, s = _num(r.value), _num(r.low), _num(r.high), _num(r.se)
        num, den = r.numerator, r.denominator
        if num is not None and den is not None:
            if num > den:
                ctx.add(i, "numerator", f"the numerator ({num:g}) is larger than the denominator ({den:g}); "
                                        "a share of a group cannot exceed the whole group")
            elif den == 0:
                ctx.add(i, "denominator", "the denominator is zero")
            elif unit in RATE_UNITS:
                implied = num / den * RATE_UNITS[unit]
                if v is None:
                    v = implied
                elif abs(v - implied) > 0.0005 * RATE_UNITS[unit]:
                    ctx.add(i, "value", f"the value {v:g} does not match numerator/denominator = {implied:.4g}")
        elif (num is None) != (den is None):
            which = "denominator" if den is None else "numerator"
            ctx.add(i, which, f"'{which}' is empty but '{'numerator' if den is None else 'denominator'}' is given; give both or neither")
        unparsed = any((i, c) in ctx.failed for c in ("value", "low", "high", "numerator", "denominator"))
        if v is None and lo is None and hi is None and not (num is not None and den is not None) and not unparsed:
            ctx.add(i, "value", "no figure: give a value, a low/high range, or numerator and denominator")
        if hi is not None and lo is None:
            ctx.add(i, "low", "a range needs its low end (for 'under X' write low 0)")
        if lo is not None and hi is not None and lo > hi:
            ctx.add(i, "low", f"the low end ({lo:g}) is above the high end ({hi:g})")
        if v is not None and lo is not None and hi is not None and not (lo <= v <= hi):
            ctx.add(i, "value", f"the value {v:g} lies outside its own range {lo:g}-{hi:g}")
        for c, x in (("value", v), ("low", lo), ("high", hi)):
            _check_rate_bounds(ctx, i, c, x, unit)
            raw = getattr(r, c)[2] if getattr(r, c) is not None else None
            if unit in COUNT_UNITS and isinstance(raw, str):
                try:
                    parse_number(raw, integer=True)
                except NumberError as exc:
                    ctx.add(i, c, f"not a usable count: {exc}")
                    continue
            if x is not None and unit in COUNT_UNITS and x < 0:
                ctx.add(i, c, f"a count cannot be below zero (found {x:g})")
            if x is not None and unit in COUNT_UNITS and not float(x).is_integer():
                ctx.add(i, c, f"a count must be a whole number (found {x:g})")
        if s is not None and s < 0:
            ctx.add(i, "se", "a standard error cannot be negative")
        if r.year_first is not None and r.year is not None and r.year_first > r.year:
            ctx.add(i, "year_first", f"year_first ({r.year_first}) is after year ({r.year})")
        value[i] = np.nan if v is None else v
        low[i] = np.nan if lo is None else lo
        high[i] = np.nan if hi is None else hi
        se[i] = np.nan if s is None else s
    out = df.copy()
    out["value"], out["low"], out["high"], out["se"] = value, low, high, se
    out["high_open"] = out["high_open"].map(lambda b: bool(b) if b is not None else False).astype(bool)
    out["basis"] = out["basis"].map(lambda b: b if b is not None else "same")
    out["breakdown"] = out["breakdown"].map(lambda b: b if b is not None else "")
    out["flags"] = out["flags"].map(lambda b: b if b is not None else "")
    if out["obs_id"].isna().any():
        out["obs_id"] = [oid if oid is not None else f"{ctx.file}:row{r}" for oid, r in zip(out["obs_id"], out["row"])]
    scale = out["unit"].map(lambda u: RATE_UNITS.get(u, np.nan)).astype(float)
    for c in ("value", "low", "high", "se"):
        out[f"{c}_share"] = out[c].astype(float) / scale
    out["year"] = out["year"].astype("Int64")
    out["year_first"] = out["year_first"].astype("Int64")
    for c in ("numerator", "denominator"):
        out[c] = out[c].astype(float)
    return out


def _rules_targets(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool) -> pd.DataFrame:
    out = df.copy()
    vals, lows, highs = [], [], []
    for i, r in enumerate(df.itertuples(index=False)):
        v, lo, hi = _num(r.value), _num(r.low), _num(r.high)
        if r.unit is not None and r.unit not in RATE_UNITS:
            ctx.add(i, "unit", f"a target must be a rate: unit percent or share (found '{r.unit}')")
        if r.comparator == "range":
            if lo is None or hi is None:
                ctx.add(i, "low", "a range target needs both low and high")
            elif lo >= hi:
                ctx.add(i, "low", f"the low end ({lo:g}) must be below the high end ({hi:g})")
            if v is not None:
                ctx.add(i, "value", "a range target takes low and high, not value")
        elif r.comparator is not None:
            if v is None:
                ctx.add(i, "value", f"a '{r.comparator}' target needs a value")
            if lo is not None or hi is not None:
                ctx.add(i, "low", "low/high are only for range targets")
        for c, x in (("value", v), ("low", lo), ("high", hi)):
            _check_rate_bounds(ctx, i, c, x, r.unit)
        if ref is not None and r.indicator is not None:
            kind = ref.indicators.set_index("indicator_id").loc[r.indicator, "kind"]
            if kind == "count":
                ctx.add(i, "indicator", f"'{r.indicator}' is a count indicator; targets must be rates")
        vals.append(np.nan if v is None else v)
        lows.append(np.nan if lo is None else lo)
        highs.append(np.nan if hi is None else hi)
    out["value"], out["low"], out["high"] = vals, lows, highs
    scale = out["unit"].map(lambda u: RATE_UNITS.get(u, np.nan)).astype(float)
    for c in ("value", "low", "high"):
        out[f"{c}_share"] = out[c].astype(float) / scale
    out["variant"] = out["variant"].map(lambda b: b if b is not None else "")
    out["year"] = out["year"].astype("Int64")
    return out


def _rules_geographies(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool) -> pd.DataFrame:
    ids = set(df["geo_id"].dropna())
    for i, r in enumerate(df.itertuples(index=False)):
        if r.parent is not None and r.parent not in ids:
            ctx.add(i, "parent", f"parent '{r.parent}' is not a geo_id in this file")
        if r.parent is None and r.level != "country":
            ctx.add(i, "parent", "only the country has no parent")
    return df


def _rules_indicators(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool) -> pd.DataFrame:
    for i, r in enumerate(df.itertuples(index=False)):
        if r.kind in ("rate", "school_share") and r.unit not in RATE_UNITS:
            ctx.add(i, "unit", "a rate indicator needs unit percent or share")
        if r.kind == "count" and r.unit in RATE_UNITS:
            ctx.add(i, "unit", "a count indicator needs a count unit")
    return df


def _rules_context(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool) -> pd.DataFrame:
    out = df.copy()
    vals = []
    for i, r in enumerate(df.itertuples(index=False)):
        v = _num(r.value)
        if v is None and r.text is None:
            ctx.add(i, "value", "give a number in 'value' or a statement in 'text'")
        if v is not None and v < 0:
            ctx.add(i, "value", f"cannot be below zero (found {v:g})")
        vals.append(np.nan if v is None else v)
    out["value"] = vals
    return out


_ROW_RULES = {
    "observations": _rules_observations,
    "targets": _rules_targets,
    "case_targets": lambda df, ctx, ref, strict: _rules_targets(
        df.assign(comparator=df["comparator"].map(lambda c: c if c is not None else ">="), variant=None),
        ctx, ref, strict),
    "geographies": _rules_geographies,
    "indicators": _rules_indicators,
    "context": _rules_context,
}


def _check_duplicates(df: pd.DataFrame, schema: Schema, ctx: _Ctx, kind: str, strict: bool) -> None:
    keys = [("obs_id",)] if (kind == "observations" and strict) else []
    if kind == "observations" and not strict:
        keys = [schema.key]
        if df["obs_id"].notna().all() and not df["obs_id"].astype(str).str.contains(":row").any():
            keys.append(("obs_id",))
    elif kind != "observations":
        keys = [schema.key]
        first_id = schema.columns[0]
        if first_id.kind == "id" and (first_id.name,) != schema.key:
            keys.append((first_id.name,))
    for key in keys:
        sub = df[list(key)].astype(str)
        dup = sub.duplicated(keep=False)
        if not dup.any():
            continue
        groups: dict[tuple, list[int]] = {}
        for idx in np.flatnonzero(dup.to_numpy()):
            groups.setdefault(tuple(sub.iloc[idx]), []).append(idx)
        for k, idxs in groups.items():
            first_row = df["row"].iloc[idxs[0]]
            shown = ", ".join(f"{c}={v}" for c, v in zip(key, k) if v not in ("None", "", "<NA>", "nan"))
            for idx in idxs[1:]:
                ctx.add(int(idx), key[0], f"duplicate of row {first_row}: the same {' + '.join(key)} ({shown}) appears twice")
