"""Flow assumptions file (``flow_assumptions.csv``): read and check the inputs of the cohort-flow model.

The bundled file holds the figures of the former Long An province (observed
where a source exists, illustrative otherwise); a case may bring its own.
:func:`load_flow_assumptions` reads and checks it and returns a plain table;
:mod:`simlib.models.assumptions` turns the table into flow parameters (it
never opens a file).
The file
--------
Columns (header names as written):

``parameter``
    Parameter name, unique (e.g. ``thcs_share_gdtx``).
``value``
    A number (decimal point or decimal comma; no ``%``: shares are
    fractions 0-1), or ``residual`` for the parameters in :data:`RESIDUALS`,
    which are computed from other rows.
``unit``
    ``fraction of ...`` (0-1), ``fraction/year`` (growth, above -1),
    ``students/year`` (a whole count), ``years`` (a duration, above 0) or
    ``year`` (a calendar year, e.g. a programme's first intake).
``status``
    ``observed`` (a sourced figure of the province) or ``illustrative`` (an
    assumption; the reason is in ``notes``).
``source``
    URL; required for ``observed`` rows.
``obs_id``
    For ``observed`` rows that restate a bundled observation
    (``data/observations.csv``): its ``obs_id``, optionally followed by
    ``:value``, ``:low`` or ``:high`` to name the bound used (needed when the
    observation is a range). The row's value must equal the observation's
    (as a fraction for percentages, as a count otherwise) and its source
    the observation's ``url``. Empty for ``illustrative`` rows.
``notes``
    Where the number comes from, in words.

Vietnamese terms: THCS = lower secondary (grades 6-9); THPT = general upper
secondary (grades 10-12); GDTX = continuing education; GDNN = vocational
education, levels sơ cấp (elementary) and trung cấp (intermediate);
cao đẳng = college; đại học = university.

Examples
--------
>>> table = load_flow_assumptions()
>>> float(table.loc[table["parameter"] == "start_trung_hoc_nghe", "value"].iloc[0])
2026.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from simlib.inputs.bundle import load_observations
from simlib.inputs.resources import bundled_data_dir
from simlib.inputs.textio import NumberError, Problem, ValidationError, fold_key, parse_number, read_table

__all__ = [
    "REQUIRED_COLUMNS", "STATUSES", "RESIDUALS", "REQUIRED_PARAMETERS", "DURATION_PROGRAMMES", "START_PROGRAMMES",
    "load_flow_assumptions",
]


REQUIRED_COLUMNS: tuple[str, ...] = ("parameter", "value", "unit", "status", "source", "notes")
"""Columns every assumptions file must have (``obs_id`` is optional)."""

STATUSES: tuple[str, ...] = ("observed", "illustrative")
"""Allowed values of the ``status`` column."""

RESIDUAL = "residual"

RESIDUALS: Mapping[str, str] = MappingProxyType({
    "thcs_share_thpt_public": "1 - GDNN share - thcs_share_gdtx - thcs_share_not_continuing - "
                              "thcs_share_thpt_private - thcs_share_trung_hoc_nghe",
    "thpt_share_dai_hoc": "thpt_share_cao_dang_plus_dai_hoc - thpt_share_cao_dang",
    "thpt_share_not_continuing": "1 - thpt_share_cao_dang_plus_dai_hoc - thpt_share_trung_cap",
})
"""Parameters whose value must be written ``residual``, and how they are computed."""

#: Programmes whose duration (``duration_<programme>``, years) the file gives.
DURATION_PROGRAMMES: tuple[str, ...] = ("gdtx", "so_cap", "trung_cap", "trung_cap_thpt", "cao_dang", "dai_hoc",
                                        "trung_hoc_nghe")
_DURATION_PARAMS = tuple(f"duration_{p}" for p in DURATION_PROGRAMMES)
#: Programmes whose first intake year (``start_<programme>``, a calendar year) the file gives.
START_PROGRAMMES: tuple[str, ...] = ("trung_hoc_nghe",)
_START_PARAMS = tuple(f"start_{p}" for p in START_PROGRAMMES)

REQUIRED_PARAMETERS: tuple[str, ...] = (
    "thcs_graduates_per_year",
    "cohort_growth",
    "thcs_share_gdnn_so_cap_trung_cap",
    "thcs_share_gdnn_range_low",
    "thcs_share_gdnn_range_high",
    "thcs_trung_cap_fraction_of_gdnn",
    "thcs_share_not_continuing",
    "thcs_share_gdtx",
    "thcs_share_thpt_public",
    "thcs_share_thpt_private",
    "thcs_share_trung_hoc_nghe",
    "promotion_grade10",
    "promotion_grade11",
    "repetition_grade10_11_12",
    "thpt_graduation",
    "thpt_share_cao_dang_plus_dai_hoc",
    "thpt_share_cao_dang",
    "thpt_share_dai_hoc",
    "thpt_share_trung_cap",
    "thpt_share_not_continuing",
    *_DURATION_PARAMS,
    *_START_PARAMS,
)
"""Parameters the model reads; a file without one of them is rejected."""

_OBS_FIELDS = ("value", "low", "high")
_COLUMNS_OUT = ["row", "parameter", "value", "residual", "unit", "status", "source", "obs_id", "notes"]


# --------------------------------------------------------------------------
# loading and validation
# --------------------------------------------------------------------------
def load_flow_assumptions(path: str | Path | None = None, *,
                          observations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and check a flow-assumptions file (default ``data/flow_assumptions.csv``).

    Parameters
    ----------
    path : str or Path, optional
        A CSV or Excel file with the columns described in the module
        docstring. Default: the bundled ``flow_assumptions.csv``.
    observations : DataFrame, optional
        Observations that ``obs_id`` refers to, as from
        :func:`simlib.inputs.bundle.load_observations`; loaded from ``data/`` if not
        given.

    Returns
    -------
    DataFrame
        One row per parameter, in file order: ``row`` (spreadsheet row
        number), ``parameter``, ``value`` (float; fractions 0-1 for shares,
        students for counts, years for durations; NaN for residuals),
        ``residual`` (bool), ``unit``, ``status``, ``source``, ``obs_id``
        (missing where empty), ``notes``.

    Raises
    ------
    ValidationError
        Listing every problem (file, row, column, reason): a missing
        required column; a bad ``status``; a value that is not a number (or
        ``residual`` where not allowed, or a number where ``residual`` is
        required); a value out of range for its unit; an ``observed`` row
        without a source URL; an ``obs_id`` that is unknown or whose value or
        URL disagrees with ``data/observations.csv``; an ``obs_id`` on an
        illustrative row; a duplicate parameter; a missing required parameter.
    """
    raw = read_table(bundled_data_dir() / "flow_assumptions.csv" if path is None else path)
    label = raw.file
    problems: list[Problem] = list(raw.problems)
    frame = raw.frame
    cols = {fold_key(c): c for c in frame.columns}
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    for c in missing:
        problems.append(Problem(label, None, c, f"required column '{c}' is missing; the header must have "
                                                      f"{', '.join(REQUIRED_COLUMNS)} (and optionally obs_id)"))
    if missing:
        raise ValidationError(problems)
    has_obs_col = "obs_id" in cols
    obs = None

    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, rownum in enumerate(raw.rows):
        cell = {c: frame.iloc[i][cols[c]] for c in (*REQUIRED_COLUMNS, *(("obs_id",) if has_obs_col else ()))}
        text = {c: (None if v is None else str(v)) for c, v in cell.items()}

        def bad(column: str, message: str) -> None:
            problems.append(Problem(label, rownum, cols.get(column, column), message))

        name = text["parameter"]
        if not name:
            bad("parameter", "the parameter name is empty")
            continue
        key = fold_key(name)
        if key in seen:
            bad("parameter", f"parameter '{name}' appears twice (first at row {seen[key]}); keep one row")
            continue
        seen[key] = rownum

        status = (text["status"] or "").casefold()
        if status not in STATUSES:
            bad("status", f"status must be one of {', '.join(STATUSES)}; got {text['status']!r}")
        unit = text["unit"] or ""
        if not unit:
            bad("unit", "the unit is empty (e.g. 'fraction of THCS graduates', 'students/year', 'years')")

        value, residual = _parse_value(name, cell["value"], unit, bad)

        source = text["source"]
        if status == "observed" and not (source and source.lower().startswith(("http://", "https://"))):
            bad("source", "an observed row needs its source as a URL (http:// or https://)")

        obs_ref = text.get("obs_id")
        if obs_ref and status == "illustrative":
            bad("obs_id", "obs_id is only for observed rows; leave it empty for illustrative rows")
        elif status == "observed":
            if obs is None:
                obs = load_observations() if observations is None else observations
            if obs_ref:
                _check_obs(obs_ref, value, unit, source, obs, bad)
            elif source:
                same = obs.loc[obs["url"] == source, "obs_id"].tolist()
                if same:
                    bad("obs_id", "this observed row cites the same URL as bundled observation(s) "
                                  f"{', '.join(same)} in data/observations.csv; give the obs_id it restates "
                                  "(add an obs_id column if needed) so the two files cannot disagree")
        out.append({"row": rownum, "parameter": name, "value": value, "residual": residual, "unit": unit,
                    "status": status, "source": source, "obs_id": obs_ref, "notes": text["notes"]})

    for name in REQUIRED_PARAMETERS:
        if name not in seen:
            problems.append(Problem(label, None, "parameter", f"required parameter '{name}' is missing"))
    if problems:
        raise ValidationError(problems)
    table = pd.DataFrame(out, columns=_COLUMNS_OUT)
    table["value"] = table["value"].astype(float)
    table["residual"] = table["residual"].astype(bool)
    return table


def _parse_value(name: str, value: object, unit: str, bad) -> tuple[float, bool]:
    """Parse one ``value`` cell; report problems through ``bad``. Returns (value, is_residual)."""
    is_residual_param = name in RESIDUALS
    if isinstance(value, str) and value.strip().casefold() == RESIDUAL:
        if not is_residual_param:
            bad("value", f"'residual' is allowed only for {', '.join(RESIDUALS)}; give a number")
        return math.nan, True
    if is_residual_param:
        bad("value", f"write 'residual': this parameter is computed as {RESIDUALS[name]}, "
                     "so a number here could disagree with the other rows")
        return math.nan, True
    if value is None:
        bad("value", "the value is empty")
        return math.nan, False
    u = unit.casefold()
    count = u.startswith("students")
    try:
        x, had_pct = parse_number(value, integer=count, rate=not count)
    except NumberError as exc:
        bad("value", f"{exc}")
        return math.nan, False
    if had_pct:
        bad("value", f"'{value}': write shares as fractions 0-1 without '%' (e.g. 0.1319 for 13.19 %)")
        return math.nan, False
    if u.startswith("fraction/") and not x > -1:
        bad("value", f"a growth rate must be above -1 (a fraction per year); got {x:g}")
    elif u.startswith("fraction") and not u.startswith("fraction/") and not 0 <= x <= 1:
        bad("value", f"a fraction must be between 0 and 1; got {x:g}")
    elif u == "years" and not x > 0:
        bad("value", f"a duration must be above 0 years; got {x:g}")
    elif u == "year" and not (x == int(x) and 1900 <= x <= 2200):
        bad("value", f"a calendar year must be a whole number such as 2026; got {x:g}")
    elif count and x < 0:
        bad("value", f"a count must be zero or more; got {x:g}")
    return x, False


def _check_obs(ref: str, value: float, unit: str, source: str | None, obs: pd.DataFrame, bad) -> None:
    """Check that an observed row agrees with the bundled observation it names."""
    obs_id, _, fld = ref.partition(":")
    obs_id, fld = obs_id.strip(), fld.strip().casefold()
    match = obs[obs["obs_id"] == obs_id]
    if match.empty:
        bad("obs_id", f"no observation '{obs_id}' in data/observations.csv")
        return
    o = match.iloc[0]
    present = [f for f in _OBS_FIELDS if pd.notna(o[f])]
    if fld and fld not in _OBS_FIELDS:
        bad("obs_id", f"'{ref}': after ':' write one of {', '.join(_OBS_FIELDS)}")
        return
    if not fld:
        if len(present) != 1:
            bad("obs_id", f"observation '{obs_id}' has {', '.join(present) or 'no value'}; "
                          f"name the one used, e.g. '{obs_id}:{present[0] if present else 'value'}'")
            return
        fld = present[0]
    if fld not in present:
        bad("obs_id", f"observation '{obs_id}' has no '{fld}' (it has {', '.join(present) or 'none'})")
        return
    is_pct = str(o["unit"]) == "percent"
    expected = float(o[f"{fld}_share"]) if is_pct else float(o[fld])
    if is_pct and not unit.casefold().startswith("fraction"):
        bad("unit", f"observation '{obs_id}' is a percentage; the unit here must be a fraction (0-1)")
    if not math.isnan(value) and not math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12):
        shown = f"{o[fld]:g} {o['unit']}" + (f" = {expected:g} as a fraction" if is_pct else "")
        bad("value", f"{value:g} disagrees with observation '{obs_id}' in data/observations.csv "
                     f"({fld} = {shown}); correct one of the two files")
    url = o.get("url")
    if isinstance(url, str) and url and source and source != url:
        bad("source", f"source differs from the url of observation '{obs_id}' ({url})")


