"""Flow assumptions: the inputs of the cohort-flow model (``flow_assumptions.csv``).

The bundled file holds the figures of the former Long An province (observed
where a source exists, illustrative otherwise); a case may bring its own.

The cohort-flow notebook (``notebooks/02_cohort_flows.ipynb``) takes every
input of :func:`simlib.models.flows.simulate_flows` from one table, one row per
parameter. This module reads and checks that table and turns it into
:class:`simlib.models.flows.FlowParameters`, so that notebooks never rebuild the
destination shares themselves.

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
    ``students/year`` (a whole count) or ``years`` (above 0).
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
>>> from simlib.models import assumptions as fa
>>> table = fa.load_flow_assumptions()
>>> params = fa.flow_parameters(table, gdnn_share=0.1319)
>>> round(params.thcs_shares["thpt_public"], 4)
0.6881
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from simlib.inputs.bundle import load_observations
from simlib.inputs.resources import bundled_data_dir
from simlib.models.flows import (
    SEAT_TRACKS,
    Durations,
    FlowParameterError,
    FlowParameters,
    FlowResult,
    project_cohort,
)
from simlib.inputs.textio import NumberError, Problem, ValidationError, fold_key, parse_number, read_table

__all__ = [
    "REQUIRED_COLUMNS",
    "STATUSES",
    "RESIDUALS",
    "REQUIRED_PARAMETERS",
    "load_flow_assumptions",
    "assumption",
    "cohort_from_assumptions",
    "draw_gdnn_share",
    "thcs_destination_shares",
    "thpt_destination_shares",
    "flow_parameters",
    "seats_table",
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

_DURATION_PARAMS = tuple(f"duration_{f.name}" for f in fields(Durations))

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


# --------------------------------------------------------------------------
# from assumptions to flow parameters
# --------------------------------------------------------------------------
def assumption(assumptions: pd.DataFrame, parameter: str) -> float:
    """The value of one parameter (float, in the row's unit).

    Raises
    ------
    KeyError
        If the parameter is not in the table or is a residual (computed
        by :func:`thcs_destination_shares` / :func:`thpt_destination_shares`).
    """
    rows = assumptions.loc[assumptions["parameter"] == parameter]
    if rows.empty:
        raise KeyError(f"no parameter {parameter!r} in the flow assumptions")
    row = rows.iloc[0]
    if bool(row["residual"]):
        raise KeyError(f"{parameter!r} is a residual, computed as {RESIDUALS[parameter]}")
    return float(row["value"])


def cohort_from_assumptions(assumptions: pd.DataFrame, *, base_year: int, years: Iterable[int],
                            unit: str = "unit") -> pd.DataFrame:
    """THCS graduates per year (students): ``thcs_graduates_per_year`` grown at ``cohort_growth``.

    Returns the table of :func:`simlib.models.flows.project_cohort` (units x years),
    to be used with ``thcs_graduation = 1`` (the input is already graduates,
    which is the FlowParameters default).
    """
    return project_cohort(assumption(assumptions, "thcs_graduates_per_year"), base_year, years,
                          growth=assumption(assumptions, "cohort_growth"), unit=unit)


def draw_gdnn_share(assumptions: pd.DataFrame, rng: np.random.Generator, n_draws: int,
                    n_years: int) -> np.ndarray:
    """Monte Carlo draws of the GDNN (sơ cấp + trung cấp) share of THCS graduates.

    Uniform(``thcs_share_gdnn_range_low``, ``thcs_share_gdnn_range_high``),
    independently per draw and year.

    Returns
    -------
    ndarray, shape (n_draws, 1, n_years)
        Fractions 0-1, for one unit; pass as ``gdnn_share`` to
        :func:`flow_parameters`.
    """
    low = assumption(assumptions, "thcs_share_gdnn_range_low")
    high = assumption(assumptions, "thcs_share_gdnn_range_high")
    return rng.uniform(low, high, (int(n_draws), 1, int(n_years)))


def thcs_destination_shares(assumptions: pd.DataFrame, gdnn_share: Any = None) -> dict[str, Any]:
    """Destination shares of THCS graduates (fractions 0-1, summing to 1 in every cell).

    Parameters
    ----------
    assumptions : DataFrame
        From :func:`load_flow_assumptions`.
    gdnn_share : float or array-like, optional
        Share of THCS graduates entering GDNN sơ cấp + trung cấp (the
        Decision 522 indicator), a fraction 0-1: a scalar, or an array that
        broadcasts against (draws, units, years), e.g. from
        :func:`draw_gdnn_share`. Default: the observed central value
        ``thcs_share_gdnn_so_cap_trung_cap``.

    Returns
    -------
    dict
        One share per :data:`simlib.models.flows.THCS_TRACKS`:
        ``trung_cap = gdnn_share * f``, ``so_cap = gdnn_share * (1 - f)``
        with ``f = thcs_trung_cap_fraction_of_gdnn``; ``gdtx``,
        ``not_continuing``, ``thpt_private`` and ``trung_hoc_nghe`` from the
        table; ``thpt_public = 1 - gdnn_share - gdtx - not_continuing -
        thpt_private - trung_hoc_nghe`` (the residual). Scalars stay floats.
        A positive ``trung_hoc_nghe`` share is only valid for years from
        its first intake (2026; see ``FlowParameters.programme_start``).

    Raises
    ------
    FlowParameterError
        If ``gdnn_share`` is outside [0, 1] or leaves a negative public THPT share.
    """
    if gdnn_share is None:
        gdnn_share = assumption(assumptions, "thcs_share_gdnn_so_cap_trung_cap")
    g = np.asarray(gdnn_share, dtype=float)
    if np.isnan(g).any() or g.min() < 0 or g.max() > 1:
        raise FlowParameterError("gdnn_share: must be fractions in [0, 1] (e.g. 0.1319 for 13.19 %)")
    tc = assumption(assumptions, "thcs_trung_cap_fraction_of_gdnn")
    gdtx = assumption(assumptions, "thcs_share_gdtx")
    nc = assumption(assumptions, "thcs_share_not_continuing")
    private = assumption(assumptions, "thcs_share_thpt_private")
    thn = assumption(assumptions, "thcs_share_trung_hoc_nghe")
    public = 1.0 - g - gdtx - nc - private - thn
    if public.min() < 0:
        others = gdtx + nc + private + thn
        raise FlowParameterError(
            f"gdnn_share: with GDTX {gdtx:g}, not continuing {nc:g}, private THPT {private:g} and trung học nghề "
            f"{thn:g}, a GDNN share above {1 - others:g} leaves a negative public THPT share (largest given {g.max():g})")
    scalar = g.ndim == 0
    conv = float if scalar else (lambda a: a)
    return {"thpt_public": conv(public), "thpt_private": private, "trung_hoc_nghe": thn, "gdtx": gdtx,
            "so_cap": conv(g * (1.0 - tc)), "trung_cap": conv(g * tc), "not_continuing": nc}


def thpt_destination_shares(assumptions: pd.DataFrame) -> dict[str, float]:
    """Destination shares of THPT graduates (fractions 0-1, summing to 1).

    ``cao_dang`` and ``trung_cap`` from the table; ``dai_hoc =
    thpt_share_cao_dang_plus_dai_hoc - thpt_share_cao_dang``;
    ``not_continuing = 1 - thpt_share_cao_dang_plus_dai_hoc - trung_cap``.
    """
    cdh = assumption(assumptions, "thpt_share_cao_dang_plus_dai_hoc")
    cd = assumption(assumptions, "thpt_share_cao_dang")
    tc = assumption(assumptions, "thpt_share_trung_cap")
    shares = {"dai_hoc": cdh - cd, "cao_dang": cd, "trung_cap": tc, "not_continuing": 1.0 - cdh - tc}
    negative = [k for k, v in shares.items() if v < 0]
    if negative:
        raise FlowParameterError(f"thpt shares: {negative} would be negative with the given assumptions")
    return shares


def flow_parameters(assumptions: pd.DataFrame, *, gdnn_share: Any = None,
                    **overrides: Any) -> FlowParameters:
    """Flow parameters of the cohort-flow model, built from the assumptions table.

    Parameters
    ----------
    assumptions : DataFrame
        From :func:`load_flow_assumptions`.
    gdnn_share : float or array-like, optional
        GDNN (sơ cấp + trung cấp) share of THCS graduates, fraction 0-1;
        scalar or (draws, units, years) array. See
        :func:`thcs_destination_shares`.
    **overrides
        Other :class:`~simlib.models.flows.FlowParameters` fields (e.g.
        ``thcs_capacity``, ``warm_start``); they replace the values built
        from the table.

    Returns
    -------
    FlowParameters
        THCS shares from :func:`thcs_destination_shares`, THPT shares from
        :func:`thpt_destination_shares`, promotion (``promotion_grade10``,
        ``promotion_grade11``), repetition ``repetition_grade10_11_12`` in
        all three grades, ``thpt_graduation``, and :class:`Durations` from
        the ``duration_*`` rows (years). ``thcs_graduation`` stays 1: the
        cohort is THCS graduates.
    """
    a = lambda name: assumption(assumptions, name)  # noqa: E731
    kwargs: dict[str, Any] = dict(
        thcs_shares=thcs_destination_shares(assumptions, gdnn_share),
        thpt_shares=thpt_destination_shares(assumptions),
        promotion=(a("promotion_grade10"), a("promotion_grade11")),
        repetition=(a("repetition_grade10_11_12"),) * 3,
        thpt_graduation=a("thpt_graduation"),
        durations=Durations(**{f.name: a(f"duration_{f.name}") for f in fields(Durations)}),
    )
    kwargs.update(overrides)
    return FlowParameters(**kwargs)


def seats_table(result: FlowResult, tracks: Sequence[str] = SEAT_TRACKS,
                probs: Iterable[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
    """Seats needed (enrolled students) by track, unit and year, summarised over draws.

    Parameters
    ----------
    result : FlowResult
        From :func:`simlib.models.flows.simulate_flows`.
    tracks : sequence of str
        Tracks accepted by :meth:`FlowResult.seats_needed` (default all:
        ``thpt`` = general THPT grades 10-12; ``trung_cap`` includes THPT
        graduates in trung cấp).
    probs : iterable of float
        Quantile probabilities in [0, 1].

    Returns
    -------
    DataFrame
        Columns ``track``, ``unit``, ``year`` and one column per
        probability (``q0.05``, ``q0.5``, ...), in students; tracks in the
        order given.
    """
    probs = list(probs)
    frames = [result.quantiles(result.seats_needed(t), probs).assign(track=t) for t in tracks]
    out = pd.concat(frames, ignore_index=True)
    qcols = [c for c in out.columns if c.startswith("q")]
    return out[["track", "unit", "year", *qcols]]
