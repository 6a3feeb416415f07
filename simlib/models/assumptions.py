"""Flow assumptions: the inputs of the cohort-flow model (``flow_assumptions.csv``).

The bundled file holds the figures of the former Long An province (observed
where a source exists, illustrative otherwise); a case may bring its own.

The cohort-flow notebook (``notebooks/02_cohort_flows.ipynb``) takes every
input of :func:`simlib.models.flows.simulate_flows` from one table, one row per
parameter, read and checked by
:func:`simlib.inputs.assumptions.load_flow_assumptions` (the file's columns
and rules are described there). This module never opens a file: it turns the
table into :class:`simlib.models.flows.FlowParameters` (destination shares,
grade rates, programme durations and first intake years), so that notebooks
never rebuild the destination shares themselves.

Vietnamese terms: THCS = lower secondary (grades 6-9); THPT = general upper
secondary (grades 10-12); GDTX = continuing education; GDNN = vocational
education, levels sơ cấp (elementary) and trung cấp (intermediate);
cao đẳng = college; đại học = university.

Examples
--------
>>> from simlib.inputs.assumptions import load_flow_assumptions
>>> from simlib.models import assumptions as fa
>>> table = load_flow_assumptions()
>>> params = fa.flow_parameters(table, gdnn_share=0.1319)
>>> round(params.thcs_shares["thpt_public"], 4)
0.6881
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd

from simlib.inputs.assumptions import (  # noqa: F401 - the file's format, re-exported for callers of this module
    DURATION_PROGRAMMES,
    REQUIRED_COLUMNS,
    REQUIRED_PARAMETERS,
    RESIDUALS,
    START_PROGRAMMES,
    STATUSES,
    load_flow_assumptions,
)
from simlib.models.flows import (
    SEAT_TRACKS,
    Durations,
    FlowParameterError,
    FlowParameters,
    FlowResult,
    project_cohort,
)

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
    "durations",
    "programme_start",
    "flow_parameters",
    "table_parameters",
    "TABLE_FIELDS",
    "seats_table",
]


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
        its first intake (the ``start_trung_hoc_nghe`` row; see ``FlowParameters.programme_start``).

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


def durations(assumptions: pd.DataFrame) -> Durations:
    """Programme durations (years) from the table's ``duration_<programme>`` rows (no default in code)."""
    return Durations(**{f.name: assumption(assumptions, f"duration_{f.name}") for f in fields(Durations)})


def programme_start(assumptions: pd.DataFrame) -> dict[str, int]:
    """First intake year of each programme that opens during the horizon (``start_<programme>`` rows).

    Trung học nghề's comes from the bundled file's ``start_trung_hoc_nghe``
    row (Laws 123/2025/QH15 and 124/2025/QH15, in force 1 January 2026:
    first intake school year 2026-27, year 2026 here).
    """
    return {p: int(assumption(assumptions, f"start_{p}")) for p in START_PROGRAMMES
            if (assumptions["parameter"] == f"start_{p}").any()}


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
        all three grades, ``thpt_graduation``, :class:`Durations` from
        the ``duration_*`` rows (years) and ``programme_start`` from the
        ``start_*`` rows (calendar years). ``thcs_graduation`` stays 1: the
        cohort is THCS graduates.
    """
    kwargs: dict[str, Any] = {}
    if "thcs_shares" not in overrides:
        kwargs["thcs_shares"] = thcs_destination_shares(assumptions, gdnn_share)
    if "thpt_shares" not in overrides:
        kwargs["thpt_shares"] = thpt_destination_shares(assumptions)
    # the table is read only for what the overrides leave (a caller building many parameter sets from one
    # table passes table_parameters(table) once, see simlib.scenarios.engine)
    kwargs.update(table_parameters(assumptions, skip=overrides))
    kwargs.update(overrides)
    return FlowParameters(**kwargs)


#: The FlowParameters fields :func:`table_parameters` reads from the flow assumptions (shares aside).
TABLE_FIELDS = ("promotion", "repetition", "thpt_graduation", "durations", "programme_start")


def table_parameters(assumptions: pd.DataFrame, *, skip: Iterable[str] = ()) -> dict[str, Any]:
    """The :class:`~simlib.models.flows.FlowParameters` fields that come from the table alone (not the shares).

    ``promotion`` (``promotion_grade10``, ``promotion_grade11``), ``repetition``
    (``repetition_grade10_11_12`` in all three grades), ``thpt_graduation``,
    ``durations`` (years) and ``programme_start`` (calendar years), except the
    fields named in ``skip``. Building them once and passing them to
    :func:`flow_parameters` as overrides gives the same parameters without
    reading the table again.

    Examples
    --------
    >>> sorted(table_parameters(load_flow_assumptions()))
    ['durations', 'programme_start', 'promotion', 'repetition', 'thpt_graduation']
    """
    skip = set(skip)
    a = lambda name: assumption(assumptions, name)  # noqa: E731
    build = {
        "promotion": lambda: (a("promotion_grade10"), a("promotion_grade11")),
        "repetition": lambda: (a("repetition_grade10_11_12"),) * 3,
        "thpt_graduation": lambda: a("thpt_graduation"),
        "durations": lambda: durations(assumptions),
        "programme_start": lambda: programme_start(assumptions),
    }
    return {k: f() for k, f in build.items() if k not in skip}


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
