"""Where each unit's baseline comes from: the series its trend rests on, the fit, and what decides an indicator.

A unit uses its own figures (with its sub-units' rates aggregated), else
its nearest ancestor's with the between-unit spread, else the former areas
it was formed from (official conversion tables). Each source geography's
series is fitted once (:func:`simlib.models.trends.fit`) and shared by every
unit borrowing it. :class:`RestsOn` says which figures and priors decide an
indicator in a unit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simlib.evidence.indicators import Indicator, Registry
from simlib.evidence.series import Observation, ObservationIndex, former_area_rows, series_for, unit_tree
from simlib.inputs.bundle import Bundle
from simlib.models import trends
from simlib.models.composition import Component

__all__ = ["Evidence", "RestsOn", "decisive_components", "rests_on", "unit_list", "evidence_series",
           "fit_evidence", "component_evidence"]


@dataclass(frozen=True)
class Evidence:
    """Where a unit's baseline comes from, for one steered indicator."""

    unit: str
    indicator: str
    source_geography: str | None   # None: no evidence anywhere up the tree
    hops: int                      # 0 = own evidence, 1 = parent's, ...
    n_points: int                  # real observations used by the trend fit
    last_year: int | None
    last_value: float | None       # latest exact share (fraction), if any
    slope_logit: float | None      # posterior median slope, logit per year
    fit: Any = field(default=None, repr=False, compare=False)
    series: tuple[Observation, ...] = field(default=(), repr=False, compare=False)

    @property
    def assessable(self) -> bool:
        return self.source_geography is not None

    def describe(self) -> str:
        if self.source_geography is None:
            return "no evidence for this indicator here or in any parent unit"
        own = "own" if self.hops == 0 else f"borrowed from {self.source_geography} (+ between-unit spread)"
        return f"{self.n_points} real point(s), {own}"


@dataclass(frozen=True)
class RestsOn:
    """What decides an indicator in a unit: the components it depends on, each with its evidence or prior.

    Attributes
    ----------
    parts : tuple of (Component, Evidence or None)
        The decisive components (those the indicator counts, or, when it
        counts most of the origin, those it leaves out) and their evidence
        (None or not assessable: the component rests on its prior).
    """

    indicator: str
    unit: str
    parts: tuple[tuple[Component, Evidence | None], ...]

    @property
    def n_points(self) -> int:
        """Real figures behind the decisive components (own or borrowed)."""
        return sum(ev.n_points for _, ev in self.parts if ev is not None and ev.assessable)

    @property
    def assessable(self) -> bool:
        """True when every origin of the indicator has a decisive component resting on figures (not only priors)."""
        origins = {comp.origin for comp, _ in self.parts}
        return bool(origins) and all(any(ev is not None and ev.assessable for comp, ev in self.parts
                                         if comp.origin == o) for o in origins)

    @property
    def sources(self) -> tuple[str, ...]:
        """Geographies whose figures are used."""
        return tuple(dict.fromkeys(ev.source_geography for _, ev in self.parts if ev is not None and ev.assessable))

    def describe(self) -> str:
        """E.g. "rests on 1 figure of thcs_not_continuing (vn.long_an) and the prior for gdtx"."""
        figs, priors = [], []
        for comp, ev in self.parts:
            if ev is not None and ev.assessable:
                own = "" if ev.hops == 0 else ", borrowed with a between-unit spread"
                figs.append(f"{ev.n_points} figure(s) of {comp.key} ({ev.source_geography}{own})")
            else:
                priors.append(f"the prior for {comp.name} ({comp.prior_share:.1%}, {comp.prior_status})")
        parts = figs + priors
        text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"rests on {text}" if parts else "rests on no component"


def decisive_components(components: Sequence[Component], destinations: Iterable[str]) -> list[Component]:
    """The components that decide a share of ``destinations``: those it counts, or those it leaves out.

    An indicator that counts more than half of the origin's components (the
    transition rate: everything but not continuing) is decided by what it
    leaves out; otherwise by what it counts. A component split between the
    two sides counts on both.
    """
    dest = set(destinations)
    inside = [c for c in components if set(c.tracks) & dest]
    outside = [c for c in components if set(c.tracks) - dest]
    return outside if len(inside) > len(components) / 2 else inside


def rests_on(base: Any, indicator: Indicator, unit: str) -> RestsOn:
    """Which evidence and which priors decide ``indicator`` in ``unit`` (see :class:`RestsOn`)."""
    parts = []
    for origin in indicator.origins:
        comps = base.components.get(origin, ())
        for comp in decisive_components(comps, indicator.destinations):
            parts.append((comp, base.evidence.get((unit, comp.key))))
    return RestsOn(indicator.id, unit, tuple(parts))


def unit_list(bundle: Bundle, geography: str, indicators: Iterable[str]) -> list[str]:
    """The geography and those of its children that have a target on one of the indicators."""
    kids = bundle.children(geography)
    t = bundle.targets
    with_targets = set(t.loc[t["indicator"].isin(list(indicators)), "geography"])
    return [geography] + [k for k in kids if k in with_targets]


def evidence_series(bundle: Bundle, unit: str, indicator: str, readings: str = "primary", *,
                    weight_indicator: str = "", spread: float = 0.35, memo: dict | None = None
                    ) -> tuple[str | None, int, list[Observation]]:
    """The series a unit's trend rests on: its own (with its sub-units' rates aggregated), else its nearest ancestor's.

    Parameters
    ----------
    weight_indicator : str
        Count indicator weighting sub-units when their rates are aggregated (``thcs_graduates``).
    spread : float
        Between-unit spread (logit units) for the aggregate's uncertainty.
    memo : dict, optional
        Series already built in this run, by geography (many communes borrow one province's series).

    Returns
    -------
    (geography, hops, observations)
        ``geography`` None (and an empty list) when no unit up the tree has evidence.
    """
    if memo is not None:
        if "parents" not in memo:
            memo["parents"] = dict(zip(bundle.geographies["geo_id"], bundle.geographies["parent"]))
        chain, g = [unit], memo["parents"].get(unit)
        while isinstance(g, str) and g:
            chain.append(g)
            g = memo["parents"].get(g)
    else:
        chain = [unit] + bundle.ancestors(unit)
    for hops, geo in enumerate(chain):
        key = (geo, indicator, readings, weight_indicator, spread)
        if memo is not None and key in memo:
            series = memo[key]
        else:
            if memo is not None and "tree" not in memo:
                memo["tree"] = unit_tree(bundle.geographies)
            series = series_for(_rows_of(bundle, memo, indicator, weight_indicator), geo, indicator, readings=readings,
                                geographies=bundle.geographies, weight_indicator=weight_indicator, spread=spread,
                                tree=memo.get("tree") if memo is not None else None)
            if memo is not None:
                memo[key] = series
        if series:
            return geo, hops, series
    return None, 0, []


def _rows_of(bundle: Bundle, memo: dict | None, *indicators: str) -> pd.DataFrame | ObservationIndex:
    """The observations of ``indicators`` only (all a series of one indicator reads), filtered and indexed once per run.

    With a ``memo``, the rows come as an :class:`~simlib.evidence.series.ObservationIndex` (each unit's rows a
    look-up); the series built from it are those of the table itself.
    """
    if memo is None:
        return bundle.observations
    key = ("rows", *indicators)
    if key not in memo:
        o = bundle.observations
        memo[key] = ObservationIndex(o[o["indicator"].isin([i for i in indicators if i])])
    return memo[key]


def _fit(series: list[Observation], method: str):
    if method == "local_linear_trend":
        return trends.fit(series, method, fallback="logit_linear")
    return trends.fit(series, method)


def _evidence(bundle: Bundle, unit: str, spec: Indicator, config: Any, levers: Any, fits: dict,
              memo: dict | None = None) -> Evidence:
    """A unit's evidence for one steered indicator, fitting its source series once (``fits`` caches by source)."""
    geo, hops, series = evidence_series(bundle, unit, spec.id, config.readings, weight_indicator=spec.weight_indicator,
                                        spread=levers.district_spread_logit, memo=memo)
    if hops or geo is None:  # no figure of its own: the former areas it was formed from (official conversion tables) come first
        rows = _rows_of(bundle, memo, spec.id)
        former = former_area_rows(rows, unit, spec.id, config.readings)
        if former:
            area = former[0][0]
            fs = series_for(rows, area, spec.id, readings=config.readings)
            if fs:
                geo, hops, series = area, 1, fs
    if geo is None:
        return Evidence(unit, spec.id, None, 0, 0, None, None, None)
    if (geo, spec.id) not in fits:
        fits[(geo, spec.id)] = _fitted(geo, spec.id, series, config.method)
    return dataclasses.replace(fits[(geo, spec.id)], unit=unit, hops=hops)


def _fitted(geo: str, indicator: str, series: list[Observation], method: str) -> Evidence:
    """A source geography's series fitted once: the fit, its latest exact figure and its median slope."""
    fit = _fit(series, method)
    exact = [o for o in series if o.value_share is not None]
    last = max(exact, key=lambda o: o.year) if exact else None
    try:
        lo, hi = fit.slope_interval(0.5)
        slope = 0.5 * (lo + hi)
    except trends.TrendError:  # naive fits have no slope posterior
        slope = None
    return Evidence(geo, indicator, geo, 0, fit.n_used, int(last.year) if last else None,
                    float(last.value_share) if last else None, slope, fit, tuple(series))


def _complement(o: Observation) -> Observation | None:
    """A figure of "everything else" read as a figure of the component (``1 - value``); None when it cannot be."""
    if o.value_share is not None:
        lo = None if o.high_share is None else 1.0 - o.high_share
        hi = None if o.low_share is None else 1.0 - o.low_share
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        return dataclasses.replace(o, value_share=1.0 - o.value_share, low_share=lo, high_share=hi,
                                   high_open=False, flags=";".join(filter(None, [o.flags, "complement"])))
    if o.low_share is not None and o.high_share is not None and not o.high_open:
        return dataclasses.replace(o, low_share=1.0 - o.high_share, high_share=1.0 - o.low_share,
                                   flags=";".join(filter(None, [o.flags, "complement"])))
    return None  # "over x %" of the rest says only "under 1 - x %" of the component: too little to use


def _component_evidence(bundle: Bundle, unit: str, comp: Component, reg: Registry, config: Any,
                        levers: Any, fits: dict, memo: dict) -> Evidence:
    """A unit's evidence for one destination component: its own indicator, else the complement's figures."""
    direct = (_evidence(bundle, unit, reg[comp.indicator], config, levers, fits, memo)
              if comp.indicator is not None else None)
    if comp.complement is None or (direct is not None and direct.assessable and direct.hops == 0):
        return direct if direct is not None else Evidence(unit, comp.key, None, 0, 0, None, None, None)
    spec = reg[comp.complement]
    geo, hops, series = evidence_series(bundle, unit, spec.id, config.readings,
                                        weight_indicator=spec.weight_indicator,
                                        spread=levers.district_spread_logit, memo=memo)
    series = [c for c in (_complement(o) for o in series) if c is not None]
    if geo is None or not series or (direct is not None and direct.assessable and direct.hops <= hops):
        return direct if direct is not None else Evidence(unit, comp.key, None, 0, 0, None, None, None)
    key = (geo, f"{comp.key}~{spec.id}")
    if key not in fits:
        fits[key] = _fitted(geo, spec.id, series, config.method)
    return dataclasses.replace(fits[key], unit=unit, hops=hops)




#: Public names of the fitting steps (used by the run plan).
fit_evidence = _evidence
component_evidence = _component_evidence
