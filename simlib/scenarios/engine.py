"""Monte Carlo scenarios: trend draws x lever draws, pushed through the flow engine.

One run is for a geography and some of its sub-units (a province and its
communes, or a former province and its districts). Nothing here names a
province, a plan, an indicator or a year: what an indicator counts comes from
the registry (:mod:`simlib.evidence.indicators`), which figures a unit's
trend rests on from :mod:`simlib.evidence.series`, the cohort from the count
observations (:mod:`simlib.models.cohorts`), and the rest from the lever and
flow-assumption files.

1. **Baseline composition.** Each origin's destinations are cut into
   components (``destinations.csv``); each component's share is drawn from
   the trend fitted to its own figures (a unit's own, else its nearest
   ancestor's with the between-unit spread; the units of a province by the
   partial-pooling model of :mod:`simlib.models.hierarchy`), else from its
   sourced prior, and the draws are reconciled to sum to 1
   (:func:`simlib.models.composition.reconcile`): steered components keep
   their draws, a unit's own figures outrank borrowed ones and priors. One
   plausibility bound (``max_feasible_share``) caps the steered share, and
   the baseline shocks (``shocks`` in the lever file) move students from
   their start year.
2. **Levers.** Each scenario's settings (:class:`simlib.scenarios.levers.Scenario`)
   give per-draw effects (:func:`simlib.scenarios.levers.lever_effects`),
   combined sub-additively within the room to move, only in years after the
   case's ``as_of`` (the past is past).
3. **Flows.** Every draw goes through :func:`simlib.models.flows.simulate_flows`
   with the steered shares set (the other destinations give or take in
   proportion), the scenario's new tracks, its capacity caps and its public
   grade-10 quota (students above it split as ``quota.overflow`` says); the
   steered indicator is what comes out of the flow engine (caps can lower
   it), and every *derived* indicator of the registry is computed from the
   flows. :meth:`Baseline.rests_on` says which figures and priors decide it.
4. **Costs.** Per lever, unit and year, in VND (parameters from the lever
   file; placeholders there make the costs ILLUSTRATIVE).

Randomness is seeded and keyed by component (:func:`simlib.scenarios.levers.child_rng`),
so every scenario of a run shares the same trend and lever draws (common
random numbers): a scenario minus the baseline is the levers' effect only,
and a scenario whose levers have zero effect reproduces the baseline exactly.

Years are the calendar year in which the school year ends (2025 = the
graduates of 2024-25), as in ``data/``. Shares are fractions 0-1.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from simlib.errors import InputError
from simlib.evidence.indicators import Indicator, Registry, registry
from simlib.evidence.series import (Observation, former_area_rows, series_for, sub_units, unit_rows,
                                    unit_tree)
from simlib.evidence.targets import Threshold, p_met
from simlib.inputs.bundle import Bundle
from simlib.logit import expit, logit
from simlib.inputs.destinations import read_destinations
from simlib.models import assumptions as fa
from simlib.models import composition as comp_mod
from simlib.models import hierarchy, trends
from simlib.models.cohorts import Cohort, cohort_matrix, count_series, latest_count
from simlib.models.composition import Component
from simlib.models.flows import PROGRAMMES, THCS_TRACKS, THPT_ENTRY, THPT_TRACKS, Capacity, simulate_flows
from simlib.scenarios.levers import (
    LeverDraws,
    LeverError,
    LeverSet,
    Scenario,
    child_rng,
    combine,
    draw_levers,
    lever_effects,
    load_levers,
)

__all__ = [
    "DEFAULT_DRAWS", "DEFAULT_SEED", "DEFAULT_PROBS", "RunConfig", "Evidence", "Baseline", "ScenarioResult",
    "ScenarioRun", "simulate_baseline", "apply_scenario", "run_scenarios", "unit_list", "baseline_shares",
    "with_draws", "students_per_school", "evidence_series", "VOCATIONAL_TRACKS", "base_destination_shares",
    "RunPlan", "plan_run", "chunk_size", "BYTES_PER_CELL_DRAW", "progress_bar", "RestsOn", "rests_on",
    "decisive_components", "scenario_notes",
]

#: One Monte Carlo size for the command line, the notebooks and the report (tests use fewer).
DEFAULT_DRAWS = 10_000
#: The default seed of every run.
DEFAULT_SEED = 20251122
DEFAULT_PROBS = (0.05, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.95)
#: Flow tracks of each origin (the flow engine's order).
TRACKS: Mapping[str, tuple[str, ...]] = MappingProxyType({"thcs": THCS_TRACKS, "thpt": THPT_TRACKS})
#: Vocational (GDNN) levels among the flow tracks: entrants to these are "vocational entrants".
VOCATIONAL_TRACKS: tuple[str, ...] = ("so_cap", "trung_cap", "trung_hoc_nghe", "cao_dang")
#: School years whose students a school teaches (THCS grades 6-9, THPT grades 10-12), for the counselling dose.
_GRADES = {"thcs": 4.0, "thpt": 3.0}
#: The flow engine's outputs a scenario reads (nothing else is computed or stored).
_FLOW_OUTPUTS = ("thcs_graduates", "thpt_graduates", "thcs_intake", "thpt_intake", "programme_enrolment",
                 "thpt_enrolment_total")
#: Methods the engine can fit to one unit's series (``pooled`` needs a panel of units).
_SINGLE_SERIES = ("naive", "logit_linear", "local_linear_trend", "rw_drift")


class RunError(InputError):
    """A run cannot be set up as asked (option values, units, years); the message says why."""


@dataclass(frozen=True)
class RunConfig:
    """What to simulate.

    Parameters
    ----------
    years : tuple of int
        Years simulated (calendar year the school year ends).
    n_draws : int
        Monte Carlo draws (:data:`DEFAULT_DRAWS`; tests use a few hundred).
    seed : int
        Seed of every random stream.
    method : str
        Trend method fitted to each evidence source's series
        (:func:`simlib.models.trends.fit`): ``rw_drift`` (the default,
        :data:`simlib.models.trends.DEFAULT_METHOD`: a random walk with drift
        on the logit scale, chosen by the calibration benchmark),
        ``logit_linear``, ``naive`` or ``local_linear_trend`` (which falls
        back to ``logit_linear`` on fewer than 6 years, and says so).
    readings : {"primary", "alternative"}
        Which reading of an ambiguous observation to fit.
    indicators : tuple of str or None
        Steered indicators to simulate (registry ids); None: every steered
        indicator of the registry.
    progress : bool or None
        Progress bar: None shows it only in a terminal (silent under nbval).
    as_of : int or None
        "Today" of the case (the latest year whose graduates have streamed);
        carried for the tools that default to it (the explorer's start year).
    """

    years: tuple[int, ...] = tuple(range(2022, 2031))
    n_draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED
    method: str = trends.DEFAULT_METHOD
    readings: str = "primary"
    indicators: tuple[str, ...] | None = None
    progress: bool | None = None
    as_of: int | None = None

    def __post_init__(self) -> None:
        if int(self.n_draws) < 1:
            raise RunError(f"n_draws must be at least 1; got {self.n_draws}")
        if self.readings not in ("primary", "alternative"):
            raise RunError(f"readings must be 'primary' or 'alternative'; got {self.readings!r}")
        if self.method not in _SINGLE_SERIES:
            raise RunError(f"method {self.method!r} cannot be fitted unit by unit; use one of "
                           f"{', '.join(_SINGLE_SERIES)} (the pooled method needs a panel: "
                           "simlib.models.trends.fit(..., 'pooled'))")
        ys = tuple(int(y) for y in self.years)
        if not ys or list(ys) != list(range(ys[0], ys[0] + len(ys))):
            raise RunError(f"years must be consecutive, e.g. 2022-2030; got {ys}")
        object.__setattr__(self, "years", ys)


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


def rests_on(base: Baseline, indicator: Indicator, unit: str) -> RestsOn:
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
            series = series_for(bundle.observations, geo, indicator, readings=readings,
                                geographies=bundle.geographies, weight_indicator=weight_indicator, spread=spread,
                                tree=memo.get("tree") if memo is not None else None)
            if memo is not None:
                memo[key] = series
        if series:
            return geo, hops, series
    return None, 0, []


@dataclass(frozen=True)
class Baseline:
    """Baseline draws of a run, shared by every scenario (common random numbers).

    Attributes
    ----------
    units : list of str
        geo ids; the first is the geography the run is for.
    years : tuple of int
    trend : dict indicator -> ndarray (n, units, years)
        Business-as-usual shares from the trend fits (fractions).
    shares : dict indicator -> ndarray (n, units, years)
        ``trend`` plus the baseline shocks, clipped to [0, 1].
    evidence : dict (unit, indicator) -> Evidence
    draws : LeverDraws
    cohort : ndarray (units, years)
        THCS graduates per unit and year (students).
    cohort_known : bool
        False when no cohort size exists for the geography: counts are then
        per 1,000 graduates and flagged.
    schools : dict indicator -> ndarray (units,)
        Schools whose teachers a counselling lever on that indicator pays, NaN where unknown.
    registry : Registry
        What each indicator means.
    illustrative : tuple of str
        Flow-model inputs that are illustrative (``status`` in the flow assumptions).
    """

    bundle: Bundle
    levers: LeverSet
    config: RunConfig
    geography: str
    units: list[str]
    years: tuple[int, ...]
    trend: Mapping[str, np.ndarray]
    shares: Mapping[str, np.ndarray]
    evidence: Mapping[tuple[str, str], Evidence]
    draws: LeverDraws
    cohort: np.ndarray
    cohort_known: bool
    schools: Mapping[str, np.ndarray]
    flow_table: pd.DataFrame
    illustrative: tuple[str, ...]
    registry: Registry
    cohort_info: Cohort | None = None
    composition: Mapping[str, Mapping[str, np.ndarray]] = field(default_factory=dict)
    components: Mapping[str, tuple[Component, ...]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.config.n_draws

    def active_years(self) -> np.ndarray:
        """Boolean mask of the years a scenario can change: after the case's "today" (``as_of``); all without one."""
        yrs = np.asarray(self.years)
        a = self.config.as_of
        return np.ones(len(yrs), dtype=bool) if a is None else yrs > int(a)

    def rests_on(self, indicator: Indicator, unit: str) -> RestsOn:
        """Which evidence and which priors decide an indicator in a unit (see :class:`RestsOn`)."""
        return rests_on(self, indicator, unit)

    def unit_index(self, unit: str) -> int:
        try:
            return self.units.index(unit)
        except ValueError:
            raise RunError(f"unit {unit!r} is not in this run; units: {', '.join(self.units)}") from None

    def year_index(self, year: int) -> int:
        try:
            return self.years.index(int(year))
        except ValueError:
            raise RunError(f"year {year} is not simulated; years: {self.years[0]}-{self.years[-1]}") from None

    def steered(self, origin: str) -> Indicator | None:
        """The simulated steered indicator of an origin, or None."""
        ind = self.registry.steered_for(origin)
        return ind if ind is not None and ind.id in self.shares else None

    def subset(self, units: Sequence[str]) -> Baseline:
        """The same baseline restricted to some units (every draw kept; for one-unit sensitivity runs)."""
        idx = [self.unit_index(u) for u in units]
        pick = lambda m: MappingProxyType({k: v[:, idx, :] for k, v in m.items()})  # noqa: E731
        ci = self.cohort_info
        if ci is not None:
            ci = dataclasses.replace(ci, values=ci.values[idx], weights=ci.weights[idx],
                                     source=tuple(ci.source[i] for i in idx))
        def pick_comp(arr):
            a = np.asarray(arr)
            return a[:, idx, :] if a.ndim == 3 and a.shape[1] == len(self.units) else a
        composition = MappingProxyType({o: MappingProxyType({t: pick_comp(v) for t, v in d.items()})
                                        for o, d in self.composition.items()})
        return dataclasses.replace(
            self, composition=composition,
            units=[self.units[i] for i in idx], trend=pick(self.trend), shares=pick(self.shares),
            evidence=MappingProxyType({k: v for k, v in self.evidence.items() if k[0] in units}),
            cohort=self.cohort[idx], schools=MappingProxyType({k: v[idx] for k, v in self.schools.items()}),
            cohort_info=ci)


def _schools(bundle: Bundle, units: list[str], weights: np.ndarray, indicator: Indicator) -> np.ndarray:
    out = np.full(len(units), np.nan)
    if not indicator.schools_indicator:
        return out
    total = latest_count(bundle.observations, units[0], indicator.schools_indicator)
    if np.isfinite(total) and np.isfinite(weights).all():
        out[0] = total
        out[1:] = total * weights[1:]
    return out


def baseline_shares(trend: Mapping[str, np.ndarray], levers: LeverSet, draws: LeverDraws,
                    years: Sequence[int]) -> dict[str, np.ndarray]:
    """Trend draws plus the baseline shocks from their start year, clipped to [0, 1] (fractions)."""
    yr = np.asarray(list(years))
    out = {}
    for ind, t in trend.items():
        s = t.copy()
        for key, sh in levers.shocks.items():
            if sh["indicator"] == ind:
                on = (yr >= sh["start_year"]).astype(float)
                s = s + draws.shocks[key][:, None, None] * on[None, None, :]
        out[ind] = np.clip(s, 0.0, 1.0)
    return out


def with_draws(base: Baseline, draws: LeverDraws | None = None,
               trend: Mapping[str, np.ndarray] | None = None) -> Baseline:
    """A copy of ``base`` with other lever draws and/or trend draws (sensitivity analysis)."""
    draws = draws if draws is not None else base.draws
    trend = MappingProxyType(dict(trend)) if trend is not None else base.trend
    return dataclasses.replace(base, draws=draws, trend=trend,
                               shares=MappingProxyType(baseline_shares(trend, base.levers, draws, base.years)))


def _check_levers(levers: LeverSet, simulated: Iterable[str]) -> None:
    sim = set(simulated)
    for key, lv in levers.levers.items():
        if lv.indicator not in sim:
            raise LeverError(f"{levers.path.name}: levers.{key}.indicator {lv.indicator!r} is not a steered "
                             f"indicator of the registry; use one of {', '.join(sorted(sim))}")
    for key, sh in levers.shocks.items():
        if sh["indicator"] not in sim:
            raise LeverError(f"{levers.path.name}: shocks.{key}.indicator {sh['indicator']!r} is not a steered "
                             f"indicator of the registry; use one of {', '.join(sorted(sim))}")


def _fit(series: list[Observation], method: str):
    if method == "local_linear_trend":
        return trends.fit(series, method, fallback="logit_linear")
    return trends.fit(series, method)


def _evidence(bundle: Bundle, unit: str, spec: Indicator, config: RunConfig, levers: LeverSet, fits: dict,
              memo: dict | None = None) -> Evidence:
    """A unit's evidence for one steered indicator, fitting its source series once (``fits`` caches by source)."""
    geo, hops, series = evidence_series(bundle, unit, spec.id, config.readings, weight_indicator=spec.weight_indicator,
                                        spread=levers.district_spread_logit, memo=memo)
    if hops or geo is None:  # no figure of its own: the former areas it was formed from (official conversion tables) come first
        former = former_area_rows(bundle.observations, unit, spec.id, config.readings)
        if former:
            area = former[0][0]
            fs = series_for(bundle.observations, area, spec.id, readings=config.readings)
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


def _component_evidence(bundle: Bundle, unit: str, comp: Component, reg: Registry, config: RunConfig,
                        levers: LeverSet, fits: dict, memo: dict) -> Evidence:
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


def _own_draws(plan: RunPlan, ind: str, units: Sequence[str]) -> np.ndarray:
    """Share draws (n, units, years) from each unit's evidence source, plus the between-unit spread where borrowed."""
    c = plan.config
    n, years = c.n_draws, c.years
    arr = np.full((n, len(units), len(years)), np.nan)
    cache: dict[str, np.ndarray] = {}
    for j, unit in enumerate(units):
        ev = plan.evidence.get((unit, ind))
        if ev is None or not ev.assessable:
            continue
        if ev.source_geography not in cache:
            cache[ev.source_geography] = plan._source_draws(ev.source_geography, ind, ev.fit)
        z = cache[ev.source_geography]
        if ev.hops:
            sd = plan.levers.district_spread_logit * math.sqrt(ev.hops)
            z = z + child_rng(c.seed, f"spread:{unit}:{ind}").normal(0.0, sd, (n, 1))
        arr[:, j, :] = expit(z)
    return arr


def _province_units(plan: RunPlan) -> list[str]:
    """Every unit of the run's geography on the same map (new communes of a province, districts of a former one)."""
    g = plan.bundle.geographies
    kids = g[g["parent"] == plan.geography]
    if "valid_to" in g.columns:
        mine = g.loc[g["geo_id"] == plan.geography, "valid_to"]
        if len(mine) and pd.isna(mine.iloc[0]):
            kids = kids[kids["valid_to"].isna()]
    return list(kids["geo_id"])


def unit_hierarchy(plan: RunPlan, ind: str):
    """The partial-pooling fit (:func:`simlib.models.hierarchy.fit_units`) of the geography's units for an indicator.

    Figures: each unit's own (0 % and 100 % read with their counts), and the
    former districts' and communes' figures it was formed from (official
    conversion tables, up to the old map's last year). Cached on the plan.
    """
    cache = plan.__dict__.setdefault("_hierarchy_cache", {})
    if ind in cache:
        return cache[ind]
    kids = _province_units(plan)
    allobs = plan.bundle.observations
    spec = plan.registry[ind]
    spread = plan.levers.district_spread_logit
    obs = allobs[allobs["indicator"] == ind]
    sizes = allobs[allobs["indicator"] == spec.weight_indicator] if spec.weight_indicator else allobs.iloc[0:0]
    have = set(obs["geography"])
    by_geo = dict(tuple(obs.groupby("geography", sort=False)))
    frames = []
    for k in kids:
        size = {}
        if k in have:
            rows = unit_rows(by_geo[k], k, ind, plan.config.readings)
            if len(rows):
                size = {int(y): float(v) for y, v in count_series(sizes, k, spec.weight_indicator).items()} \
                    if spec.weight_indicator else {}
                frames.append(hierarchy.binomial_rows(rows, unit=k, size=size, spread_scale=spread))
        for area, w, frows in former_area_rows(obs, k, ind, plan.config.readings):
            frames.append(hierarchy.binomial_rows(frows, unit=k, group=True, group_weight=w, spread_scale=spread))
    # the province's own series anchors the years in which no unit has a figure of its own (e.g. the former
    # districts' years); in the other years the units' figures define it (not counted twice)
    own_years = {int(y) for fr in frames for y, g in zip(fr["year"], fr["group"]) if not g}
    pev = plan.evidence.get((plan.geography, ind))
    if pev is not None and pev.assessable and pev.hops == 0 and (frames or own_years):
        prow = pd.DataFrame([{"obs_id": o.obs_id, "year": o.year, "value_share": o.value_share,
                              "low_share": o.low_share, "high_share": o.high_share if not o.high_open else None,
                              "se_share": o.se_share, "flags": o.flags, "basis": o.basis}
                             for o in pev.series if o.year not in own_years and o.year_first in (None, o.year)])
        if len(prow):
            psize = {int(y): float(v) for y, v in count_series(sizes, plan.geography,
                                                                   spec.weight_indicator).items()} \
                if spec.weight_indicator else {}
            frames.append(hierarchy.binomial_rows(prow, unit=plan.geography, size=psize, spread_scale=spread))
    figs = pd.concat(frames, ignore_index=True) if frames else None
    fit = hierarchy.fit_units(figs, kids, indicator=ind, spread_scale=spread,
                              province=plan.geography) if kids else None
    cache[ind] = fit
    return fit


def _unit_draws(plan: RunPlan, ind: str, units: Sequence[str]) -> np.ndarray:
    """Share draws (n, units, years) of an indicator: the geography from its trend, its units by partial pooling.

    The run's geography keeps its own trend draws; every unit of it (all of
    them, whether in this chunk or not, so chunks give the same numbers) is
    drawn from :func:`unit_hierarchy` so that in every draw and year the
    units' cohort-weighted combination equals the geography's value. Other
    units (none in a province run) keep their own evidence's draws.
    """
    units = list(units)
    kids = _province_units(plan)
    pos = {u: i for i, u in enumerate(kids)}
    want = [j for j, u in enumerate(units) if u in pos]
    ev = plan.evidence.get((plan.geography, ind))
    if not want or ev is None or not ev.assessable:
        return _own_draws(plan, ind, units)
    c = plan.config
    out = np.full((c.n_draws, len(units), len(c.years)), np.nan)
    rest = [j for j in range(len(units)) if units[j] not in pos]
    if rest:
        out[:, rest, :] = _own_draws(plan, ind, [units[j] for j in rest])
    cache = plan.__dict__.setdefault("_hierarchy_draws", {})
    if ind not in cache:  # every unit's draws once per run: the chunks slice them
        fit = unit_hierarchy(plan, ind)
        province = _own_draws(plan, ind, [plan.geography])[:, 0, :]
        cohort_units = list(plan.units)
        if all(k in cohort_units for k in kids):
            w = plan.cohort.values[[cohort_units.index(k) for k in kids]]
        else:
            co = cohort_matrix(plan.bundle.observations, plan.bundle.context, [plan.geography] + kids, c.years,
                               indicator=plan.registry[ind].weight_indicator or "thcs_graduates",
                               growth=fa.assumption(plan.flow_table, "cohort_growth"),
                               components=sub_units(plan.bundle.geographies, plan.geography)[1])
            w = co.values[1:]
        w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
        w = np.where(w.sum(axis=0, keepdims=True) > 0, w, 1.0)
        cache[ind] = fit.sample(c.n_draws, c.years, child_rng(c.seed, f"hierarchy:{plan.geography}:{ind}"),
                                province=province, weights=w)
    out[:, want, :] = cache[ind][:, [pos[units[j]] for j in want], :]
    return out


@dataclass(frozen=True)
class RunPlan:
    """Everything about a run except the trend draws: units, evidence and fits, cohort, schools, lever draws.

    Built once by :func:`plan_run`; :meth:`baseline` draws the trend paths
    for all units or for a chunk of them. The draws of a unit depend only on
    the seed, its evidence source and its own name (common random numbers
    keyed by component), so a chunked run gives exactly the numbers of an
    unchunked one.
    """

    bundle: Bundle
    levers: LeverSet
    config: RunConfig
    geography: str
    units: tuple[str, ...]
    indicators: tuple[str, ...]
    evidence: Mapping[tuple[str, str], Evidence]
    draws: LeverDraws
    cohort: Cohort
    schools: Mapping[str, np.ndarray]
    flow_table: pd.DataFrame
    illustrative: tuple[str, ...]
    registry: Registry
    components: Mapping[str, tuple[Component, ...]] = field(default_factory=dict)

    def _source_draws(self, geo: str, ind: str, fit) -> np.ndarray:
        """Logit draws (n, years) of a source geography's trend (the same for every unit borrowing it)."""
        c = self.config
        return logit(fit.sample(c.n_draws, c.years, child_rng(c.seed, f"trend:{geo}:{ind}")))

    def _component_logits(self, comp: Component, units: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Logit draws of a component in each unit, their variance over draws (the reconciliation weights), the shares.

        A unit with evidence (its own or an ancestor's) gets the trend's draws
        (plus the between-unit spread when borrowed); a unit with none gets the
        prior: the flow assumptions' share with ``prior_sd_logit``, one draw
        for all units (the prior is about the province, not about communes).
        """
        c = self.config
        n, ny = c.n_draws, len(c.years)
        sd = comp.prior_sd_logit
        with np.errstate(divide="ignore"):
            centre = float(logit(np.clip(comp.prior_share, 0.0, 1.0)))
        prior_z = centre + (sd * child_rng(c.seed, f"prior:{comp.origin}:{comp.name}").standard_normal((n, 1))
                            if sd > 0 and np.isfinite(centre) else 0.0)
        prior_z = np.broadcast_to(prior_z, (n, ny))
        prior_var = sd * sd if np.isfinite(centre) else 0.0
        evs = [self.evidence.get((u, comp.key)) for u in units]
        if not any(ev is not None and ev.assessable for ev in evs):
            return prior_z[:, None, :], np.full((1, 1, ny), prior_var), expit(prior_z[:, None, :])
        if comp.indicator is not None and all(ev is None or not ev.assessable or ev.indicator == comp.indicator
                                              for ev in evs):
            # the component's own indicator: the geography's trend and its units by partial pooling
            share = _unit_draws(self, comp.indicator, units)
            with np.errstate(divide="ignore"):
                z = logit(share)
            miss = np.isnan(z)
            if miss.any():
                z = np.where(miss, prior_z[:, None, :], z)
            return z, np.var(z, axis=0)[None, :, :], np.where(miss, expit(z), share)
        z = np.empty((n, len(units), ny))
        cache: dict[str, np.ndarray] = {}
        for j, (unit, ev) in enumerate(zip(units, evs)):
            if ev is None or not ev.assessable:
                z[:, j, :] = prior_z
                continue
            if ev.source_geography not in cache:
                cache[ev.source_geography] = self._source_draws(ev.source_geography, ev.indicator, ev.fit)
            zz = cache[ev.source_geography]
            if ev.hops:
                spread = self.levers.district_spread_logit * math.sqrt(ev.hops)
                zz = zz + child_rng(c.seed, f"spread:{unit}:{comp.key}").normal(0.0, spread, (n, 1))
            z[:, j, :] = zz
        return z, np.var(z, axis=0)[None, :, :], expit(z)

    def _composition(self, units: Sequence[str]) -> tuple[dict, dict]:
        """Destination shares of each origin (reconciled, bounded) and the steered components' draws."""
        comps_out, steered = {}, {}
        for origin, comps in self.components.items():
            zs, ws, exact, own = {}, {}, {}, {}
            for comp in comps:
                zs[comp.name], ws[comp.name], exact[comp.name] = self._component_logits(comp, units)
                if not comp.absorbs:
                    ws[comp.name] = np.zeros_like(ws[comp.name])
                own[comp.name] = np.array([bool(ev is not None and ev.assessable and ev.hops == 0)
                                           for ev in (self.evidence.get((u, comp.key)) for u in units)])
            # a unit's own figures outrank borrowed figures and priors: where some absorbing component of a unit
            # rests on borrowed figures or a prior, those components take up the difference and the ones resting
            # on the unit's own figures keep their draws
            others = np.zeros(len(units), dtype=bool)
            for comp in comps:
                if comp.absorbs:
                    others |= ~own[comp.name]
            tiered = dict(ws)
            for comp in comps:
                if comp.absorbs and own[comp.name].any():
                    keep = (own[comp.name] & others)[None, :, None]
                    w = np.broadcast_to(ws[comp.name], (1, len(units), len(self.config.years)))
                    tiered[comp.name] = np.where(keep, 0.0, w)
            # ... unless the fixed components alone leave no room in a draw: then every absorbing component moves
            fixed = sum(np.where(np.asarray(tiered[k.name]) > 0, 0.0, expit(zs[k.name])) for k in comps)
            crowded = fixed >= 1.0 - 1e-6
            ws = {k: np.where(crowded, ws[k], tiered[k]) if np.any(crowded) else tiered[k] for k in ws}
            p = comp_mod.reconcile(zs, ws)
            for comp in comps:
                if not comp.absorbs:  # a fixed component keeps its draws bit for bit (not through logit and back)
                    p[comp.name] = np.broadcast_to(exact[comp.name], np.shape(p[comp.name]))
            st = next((k for k in comps if k.steered), None)
            if st is not None and st.indicator in self.draws.max_feasible:
                # one plausibility bound for trend and levers (levers.yaml combination.max_feasible_share)
                bound = self.draws.max_feasible[st.indicator][:, None, None]
                if np.any(p[st.name] > bound):
                    p = comp_mod.transfer(p, [st.name], np.minimum(p[st.name], bound))
            comps_out[origin] = comp_mod.split(p, {k.name: k.within for k in comps})
            if st is not None:
                steered[st.indicator] = p[st.name]
        return comps_out, steered

    def baseline(self, units: Sequence[str] | None = None) -> Baseline:
        """The baseline of ``units`` (default all; a chunk keeps every draw and the same numbers)."""
        units = list(units) if units is not None else list(self.units)
        idx = [self.units.index(u) for u in units]
        c = self.config
        n, years = c.n_draws, c.years
        composition, steered = self._composition(units)
        trend: dict[str, np.ndarray] = {}
        for ind in self.indicators:
            arr = np.array(np.broadcast_to(steered[ind], (n, len(units), len(years))))
            for j, unit in enumerate(units):
                if not self.evidence[(unit, ind)].assessable:
                    arr[:, j, :] = np.nan
            trend[ind] = arr
        shares = baseline_shares(trend, self.levers, self.draws, years)
        for origin, dest in composition.items():
            st = self.registry.steered_for(origin)
            if st is not None and st.id in shares:
                now = sum(np.asarray(dest[t]) for t in st.destinations if t in dest)
                composition[origin] = comp_mod.transfer(dest, st.destinations,
                                                        np.where(np.isnan(shares[st.id]), now, shares[st.id]))
        co = self.cohort
        cohort = dataclasses.replace(co, values=co.values[idx], weights=co.weights[idx],
                                     source=tuple(co.source[i] for i in idx))
        evidence = {k: v for k, v in self.evidence.items() if k[0] in set(units)}
        return Baseline(self.bundle, self.levers, c, self.geography, units, years, MappingProxyType(trend),
                        MappingProxyType(shares), MappingProxyType(evidence), self.draws, cohort.values, co.known,
                        MappingProxyType({k: v[idx] for k, v in self.schools.items()}), self.flow_table,
                        self.illustrative, self.registry, cohort,
                        MappingProxyType({o: MappingProxyType(d) for o, d in composition.items()}),
                        self.components)

    def chunks(self, size: int) -> list[list[str]]:
        """The units in consecutive chunks of at most ``size`` (the run's geography first)."""
        size = max(1, int(size))
        return [list(self.units[i:i + size]) for i in range(0, len(self.units), size)]


#: Memory a run holds per cell-draw (one unit, year and draw), all scenarios' kept outputs included, bytes.
#: An upper estimate measured by benchmarks/bench_scale.py (four scenarios); :func:`chunk_size` uses it.
BYTES_PER_CELL_DRAW = 1200.0


def chunk_size(n_draws: int, n_years: int, *, n_scenarios: int = 4, budget_bytes: float = 2e9) -> int:
    """How many units to simulate at a time so that a run stays within ``budget_bytes`` of memory.

    Examples
    --------
    >>> chunk_size(10_000, 5)
    33
    """
    per_unit = BYTES_PER_CELL_DRAW * n_draws * n_years * max(n_scenarios, 1) / 4.0
    return max(1, int(budget_bytes // per_unit))


def plan_run(bundle: Bundle, geography: str, config: RunConfig = RunConfig(), *, levers: LeverSet | None = None,
             flow_table: pd.DataFrame | None = None, units: Sequence[str] | None = None,
             destinations: pd.DataFrame | None = None) -> RunPlan:
    """Prepare a run: check the indicators and levers, find each unit's evidence and fit it, size the cohort.

    Parameters are those of :func:`simulate_baseline`.
    """
    reg = registry(bundle.indicators, tracks=TRACKS)
    steered = [i.id for i in reg.steered()]
    wanted = list(config.indicators) if config.indicators is not None else steered
    for ind in wanted:
        if ind not in steered:
            raise RunError(f"indicator {ind!r} is not steered (simulated from a trend); steered indicators: "
                           f"{', '.join(steered)} (data/indicators.csv, column role)")
    levers = levers if levers is not None else load_levers(bundle.data_dir / "levers.yaml")
    _check_levers(levers, steered)
    if flow_table is None:
        flow_table = fa.load_flow_assumptions(bundle.data_dir / "flow_assumptions.csv",
                                              observations=bundle.observations)
    units = list(units) if units is not None else unit_list(bundle, geography, wanted)
    if not units or units[0] != geography:
        raise RunError(f"the first unit must be the run's geography {geography!r}; got {units[:1]}")
    if len(set(units)) != len(units):
        raise RunError("a unit is listed twice in the run")
    fits: dict = {}
    memo: dict = {}
    evidence = {(u, ind): _evidence(bundle, u, reg[ind], config, levers, fits, memo) for ind in wanted for u in units}
    if destinations is None:
        destinations = read_destinations(bundle.data_dir / "destinations.csv")
    components = comp_mod.components_for(destinations, base_destination_shares(flow_table), reg)
    for comps in components.values():
        for comp in comps:
            if comp.indicator is None and comp.complement is None:
                continue
            for u in units:
                if (u, comp.key) not in evidence:
                    evidence[(u, comp.key)] = _component_evidence(bundle, u, comp, reg, config, levers, fits, memo)
    cohort = cohort_matrix(bundle.observations, bundle.context, units, config.years,
                           indicator=reg[wanted[0]].weight_indicator if wanted else "thcs_graduates",
                           growth=fa.assumption(flow_table, "cohort_growth"),
                           components=sub_units(bundle.geographies, geography)[1],
                           panel=getattr(bundle, "panel", None), figures=getattr(bundle, "province_figures", None))
    schools = {ind: _schools(bundle, units, cohort.weights, reg[ind]) for ind in wanted}
    illustrative = tuple(r["parameter"] for _, r in flow_table.iterrows() if r["status"] == "illustrative")
    return RunPlan(bundle, levers, config, geography, tuple(units), tuple(wanted), MappingProxyType(evidence),
                   draw_levers(levers, config.n_draws, config.seed), cohort, MappingProxyType(schools), flow_table,
                   illustrative, reg, MappingProxyType(components))


def simulate_baseline(bundle: Bundle, geography: str, config: RunConfig = RunConfig(), *,
                      levers: LeverSet | None = None, flow_table: pd.DataFrame | None = None,
                      units: Sequence[str] | None = None) -> Baseline:
    """Draw the baseline of a run: trend paths, shocks and lever parameters.

    Parameters
    ----------
    bundle : Bundle
        From :func:`simlib.inputs.bundle.load_bundle` (with any planner data added).
    geography : str
        geo id of the run; its children with targets are simulated with it
        unless ``units`` is given.
    config : RunConfig
    levers : LeverSet, optional
        Default: ``levers.yaml`` of the bundle's folder.
    flow_table : DataFrame, optional
        Flow assumptions (:func:`simlib.models.assumptions.load_flow_assumptions`);
        they give the destinations other than the steered indicators.
    units : sequence of str, optional
        The units (the first must be ``geography``); default :func:`unit_list`.

    Returns
    -------
    Baseline
    """
    return plan_run(bundle, geography, config, levers=levers, flow_table=flow_table, units=units).baseline()


# --------------------------------------------------------------------------
# one scenario
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's draws.

    Attributes
    ----------
    scenario : Scenario
    shares : dict indicator -> ndarray (n, units, years)
        Steered indicators as they come out of the flow engine (fractions).
    demand : dict indicator -> ndarray (n, units, years)
        Baseline + combined lever effects, before capacity caps.
    effects : dict indicator -> dict lever -> ndarray (n, units, years)
        Each lever's separate effect (fractions, before combination).
    combined : dict indicator -> ndarray
        Combined effect of the levers (fractions).
    intake : dict (origin, track) -> ndarray (n, units, years)
        Students entering each destination of each origin.
    graduates : dict origin -> ndarray (n, units, years)
        THCS and THPT graduates.
    seats : dict track -> ndarray (n, units, years)
        Enrolled students (seat-years) per programme (:data:`simlib.models.flows.PROGRAMMES`)
        and in grades 10-12 (``thpt``).
    costs : dict lever -> ndarray (n, units, years)
        VND per year.
    capped : bool
        True when the scenario sets capacity caps.
    """

    scenario: Scenario
    shares: Mapping[str, np.ndarray]
    demand: Mapping[str, np.ndarray]
    effects: Mapping[str, Mapping[str, np.ndarray]]
    combined: Mapping[str, np.ndarray]
    intake: Mapping[tuple[str, str], np.ndarray]
    graduates: Mapping[str, np.ndarray]
    seats: Mapping[str, np.ndarray]
    costs: Mapping[str, np.ndarray]
    capped: bool
    notes: tuple[str, ...] = ()

    def flow_share(self, indicator: Indicator) -> np.ndarray:
        """An indicator computed from the flows: intake into its destinations over its origins' graduates."""
        num = sum(self.intake[(o, t)] for o in indicator.origins for t in indicator.destinations
                  if (o, t) in self.intake)
        den = sum(self.graduates[o] for o in indicator.origins)
        return np.divide(num, den, out=np.full(np.shape(den), np.nan), where=den > 0)

    @property
    def vocational(self) -> np.ndarray:
        """Students entering any vocational (GDNN) level from THCS or THPT (n, units, years)."""
        return sum(self.intake[k] for k in self.intake if k[1] in VOCATIONAL_TRACKS)

    def total_cost(self) -> np.ndarray:
        """VND per draw, unit and year, all levers."""
        arrs = list(self.costs.values())
        if not arrs:
            return np.zeros_like(next(iter(self.graduates.values())))
        return np.sum(arrs, axis=0)


def base_destination_shares(flow_table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Destination shares of THCS and THPT graduates from the flow assumptions (fractions; each origin sums to 1)."""
    return {"thcs": fa.thcs_destination_shares(flow_table), "thpt": fa.thpt_destination_shares(flow_table)}


def students_per_school(base: Baseline, indicator: str) -> np.ndarray | None:
    """Students per school of the indicator's origin, per unit, or None where unknown.

    THCS: 4 school years x THCS graduates / schools; THPT: 3 x THCS graduates x
    the THPT share of THCS graduates (flow assumptions) / schools. Where school
    counts or the cohort are unknown the counselling dose assumes 250 students
    per teacher (full intensity), and verdict notes say so.
    """
    sch = base.schools.get(indicator)
    if sch is None or not np.isfinite(sch).all() or not base.cohort_known:
        return None
    origin = base.registry[indicator].origin
    if origin == "thcs":
        return _GRADES["thcs"] * base.cohort[:, 0] / sch
    dest = base_destination_shares(base.flow_table)["thcs"]
    thpt_share = sum(dest.get(t, 0.0) for t in THPT_ENTRY)
    return _GRADES["thpt"] * base.cohort[:, 0] * thpt_share / sch


def _demand(base: Baseline, scenario: Scenario):
    demand, effects, combined = {}, {}, {}
    active = base.active_years().astype(float)[None, None, :]
    for ind, s0 in base.shares.items():
        eff = lever_effects(base.levers, scenario, base.draws, ind, base.years, s0,
                            students_per_school=students_per_school(base, ind))
        eff = {k: e * active for k, e in eff.items()}  # the past is past: no lever acts on a year <= as_of
        if eff:
            room = base.draws.max_feasible[ind][:, None, None] - s0
            comb = combine(list(eff.values()), room)
        else:
            comb = np.zeros_like(s0)
        demand[ind] = np.clip(s0 + comb, 0.0, 1.0)
        effects[ind] = MappingProxyType(eff)
        combined[ind] = comb
    return demand, effects, combined


def _capacity(base: Baseline, scenario: Scenario) -> dict[str, dict[str, np.ndarray]]:
    n, u, y = base.n, len(base.units), len(base.years)
    caps: dict[str, dict[str, np.ndarray]] = {"thcs": {}, "thpt": {}}
    known_geos = set(base.bundle.geographies["geo_id"])
    for geo in scenario.capacity:
        if geo not in known_geos:
            raise LeverError(f"{scenario.name}: capacity for unknown geography {geo!r} "
                             f"(geo ids are in data/geographies.csv, e.g. {base.geography!r})")
    yrs = np.asarray(base.years, dtype=float)
    for j, unit in enumerate(base.units):
        for origin, tracks in scenario.capacity.get(unit, {}).items():
            if origin not in caps:
                raise LeverError(f"{scenario.name}: capacity origin must be 'thcs' or 'thpt'; got {origin!r}")
            for track, val in tracks.items():
                arr = caps[origin].setdefault(track, np.full((n, u, y), np.inf))
                if isinstance(val, Mapping):
                    ys = np.asarray(list(val.keys()), dtype=float)
                    v = np.interp(yrs, ys, np.asarray(list(val.values()), dtype=float))
                    v[yrs < ys[0]] = np.inf
                else:
                    v = np.full(y, float(val))
                arr[:, j, :] = v[None, :] * base.draws.utilisation[:, None]
    return caps


def _costs(base: Baseline, scenario: Scenario, seats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    n, u, y = base.n, len(base.units), len(base.years)
    lv = base.levers
    yrs = np.asarray(base.years, dtype=float)
    costs = {}
    for key in scenario.active_levers():
        lever = lv.levers[key]
        if lever.indicator not in base.shares:
            continue
        c = lever.cost
        if lever.mechanism == "counselling":
            cov = scenario.setting(lv, key, "coverage", yrs)
            cps = scenario.setting(lv, key, "counsellors_per_school", yrs)
            teachers = base.schools[lever.indicator][:, None] * (cov * cps)[None, :]
            per = c["periods_per_week"][0] * c["teaching_weeks"][0] * c["vnd_per_period"][0]
            costs[key] = np.broadcast_to(teachers * per, (n, u, y)).copy()
        elif lever.mechanism == "price":
            support = scenario.setting(lv, key, "support_vnd", yrs) * scenario.setting(lv, key, "coverage", yrs)
            paid = [t for t in base.registry[lever.indicator].destinations if t in seats]
            stock = sum(seats[t] for t in paid)
            costs[key] = stock * support[None, None, :]
        else:
            inten = scenario.setting(lv, key, "intensity", yrs)
            costs[key] = np.broadcast_to(base.cohort * inten[None, :] * c["vnd_per_student"][0], (n, u, y)).copy()
    return costs


def _new_tracks(base: Baseline, scenario: Scenario, thcs: dict) -> tuple[dict, np.ndarray]:
    """Move THCS graduates into a scenario's new tracks (trung học nghề), from the destinations the lever file names.

    Returns the new THCS shares and a boolean mask (n, units, years) of the cells that changed.
    """
    n, u, y = base.n, len(base.units), len(base.years)
    changed = np.zeros((n, u, y), dtype=bool)
    thcs = dict(thcs)
    for track, sources in base.levers.track_sources.items():
        share = scenario.by_year("tracks", track, base.years, 0.0) * base.active_years()
        if not np.any(share > 0):
            continue
        pool = sum(np.broadcast_to(np.asarray(thcs.get(t, 0.0), dtype=float), (n, u, y)) for t in sources)
        take = np.minimum(share[None, None, :], pool)
        frac = np.divide(take, pool, out=np.zeros((n, u, y)), where=pool > 0)
        for t in sources:
            thcs[t] = np.broadcast_to(np.asarray(thcs.get(t, 0.0), dtype=float), (n, u, y)) * (1.0 - frac)
        thcs[track] = np.broadcast_to(np.asarray(thcs.get(track, 0.0), dtype=float), (n, u, y)) + take
        changed |= take > 0
    return thcs, changed


def _quota_caps(base: Baseline, scenario: Scenario) -> tuple[dict, dict | str]:
    """Share caps from the scenario's grade-10 quota and private places, and where the displaced students go.

    Returns ``(share_caps, reroute)`` for :class:`simlib.models.flows.Capacity`:
    public THPT capped at ``grade10_public_share`` (1 = no cap in years
    without one, and in every year up to ``as_of``), private THPT at
    ``thpt_private_share`` where given; the students above the public quota
    split as the scenario's ``quota.overflow`` says, else by the lever file's
    default split drawn per draw (``quota.overflow`` in levers.yaml).
    """
    active = base.active_years()
    caps = {}
    for key, track in (("grade10_public_share", "thpt_public"), ("thpt_private_share", "thpt_private")):
        q = scenario.by_year("quota", key, base.years, np.nan)
        q = np.where(active, q, np.nan)
        if np.isfinite(q).any():
            caps[track] = np.where(np.isfinite(q), q, 1.0)[None, None, :]
    if "thpt_public" not in caps:
        return caps, "proportional"
    given = scenario.quota.get("overflow")
    if given is not None:
        split = {t: float(v) for t, v in given.items()}
    elif base.draws.overflow:
        split = {t: np.asarray(v)[:, None, None] for t, v in base.draws.overflow.items()}
    else:
        return caps, "proportional"
    return caps, {"thpt_public": split}


def scenario_notes(base: Baseline, scenario: Scenario) -> tuple[str, ...]:
    """What a run changes in a scenario as written: settings that ask for years up to ``as_of`` (the past)."""
    a = base.config.as_of
    if a is None:
        return ()
    first = []
    for sets in scenario.settings.values():
        starts = [min(int(y) for y in v) for v in sets.values() if isinstance(v, Mapping)]
        # a lever set by numbers only acts in every year; one with a {year: value} setting from its first year
        first.append(min(starts) if starts else base.years[0])
    for section in ("quota", "tracks"):
        for key, v in getattr(scenario, section).items():
            if key == "overflow":
                continue
            first.append(min(int(y) for y in v) if isinstance(v, Mapping) else base.years[0])
    early = [y for y in first if y <= a]
    if not early:
        return ()
    return (f"{scenario.name}: the file starts some settings in {min(early)}, not after today ({a}); levers, "
            f"quotas and new tracks act from {a + 1} (the past is past)",)


def apply_scenario(base: Baseline, scenario: Scenario) -> ScenarioResult:
    """Apply one scenario to a baseline: lever effects, new tracks, the grade-10 quota, flows, costs.

    A scenario without levers (or whose levers have zero effect) gives
    exactly the baseline shares.
    """
    scenario.check(base.levers)
    scenario.check_extra(base.levers)
    n, u, y = base.n, len(base.units), len(base.years)
    demand, effects, combined = _demand(base, scenario)
    active = base.active_years()[None, None, :]
    base_dest = base.composition or base_destination_shares(base.flow_table)
    origin_shares = {}
    for origin, dest in base_dest.items():
        ind = base.steered(origin)
        if ind is None or not np.any(combined[ind.id] != 0):
            origin_shares[origin] = dict(dest)
            continue
        now = sum(np.asarray(dest[t]) for t in ind.destinations if t in dest)
        v = np.where(np.isnan(demand[ind.id]), now, demand[ind.id])
        moved_to = comp_mod.transfer(dest, ind.destinations, v)
        # years up to as_of keep the baseline's shares bit for bit (the past is past)
        origin_shares[origin] = {t: np.where(active, moved_to[t], dest[t]) for t in dest}
    origin_shares["thcs"], moved = _new_tracks(base, scenario, origin_shares["thcs"])
    caps = _capacity(base, scenario)
    quota, reroute = _quota_caps(base, scenario)
    cohort = pd.DataFrame(base.cohort, index=pd.Index(base.units, name="unit"), columns=list(base.years))
    try:
        params = fa.flow_parameters(
            base.flow_table, thcs_shares=origin_shares["thcs"], thpt_shares=origin_shares["thpt"],
            thcs_capacity=Capacity(caps["thcs"], share_caps=quota, reroute=reroute),
            thpt_capacity=Capacity(caps["thpt"]))
        res = simulate_flows(cohort, params, outputs=_FLOW_OUTPUTS)
    except InputError as exc:  # a setting the flows cannot take (e.g. a new track before its first intake)
        where = scenario.path.name if scenario.path else scenario.name
        raise LeverError(f"{where}: {exc}") from None
    for arr_q in quota.values():
        moved = moved | (arr_q < 1.0)
    graduates = {"thcs": res.thcs_graduates, "thpt": res.thpt_graduates}
    intake = {}
    for origin, tracks in TRACKS.items():
        stacked = f"{origin}_intake"
        for k, t in enumerate(tracks):
            intake[(origin, t)] = res.track(stacked, k)
    shares = {}
    for ind_id in base.shares:
        ind = base.registry[ind_id]
        origin = ind.origin
        num = sum(intake[(origin, t)] for t in ind.destinations)
        grads = graduates[origin]
        sh = np.divide(num, grads, out=np.full(num.shape, np.nan), where=grads > 0)
        sh = np.where(np.isnan(demand[ind_id]), np.nan, sh)
        # where no cap applies and no student was moved the flow engine returns the input share up to
        # rounding: keep it bit-exact
        capped = np.zeros(sh.shape, dtype=bool) | (moved if origin == "thcs" else False)
        for arr_cap in caps[origin].values():
            capped |= np.isfinite(arr_cap)
        shares[ind_id] = np.where(np.isnan(sh) | capped, sh, demand[ind_id])
    seats = {t: res.track("programme_enrolment", k) for k, t in enumerate(PROGRAMMES)}
    seats["thpt"] = res.thpt_enrolment_total
    costs = _costs(base, scenario, seats)
    return ScenarioResult(scenario, MappingProxyType(shares), MappingProxyType(demand), MappingProxyType(effects),
                          MappingProxyType(combined), MappingProxyType(intake), MappingProxyType(graduates),
                          MappingProxyType(seats), MappingProxyType(costs),
                          bool(caps["thcs"] or caps["thpt"] or quota), scenario_notes(base, scenario))


# --------------------------------------------------------------------------
# a run: several scenarios on one baseline
# --------------------------------------------------------------------------
def _qname(p: float) -> str:
    return f"q{p:g}"


@dataclass(frozen=True)
class ScenarioRun:
    """Scenarios on a shared baseline, with summaries for verdicts and charts."""

    baseline: Baseline
    results: Mapping[str, ScenarioResult]

    @property
    def scenarios(self) -> list[str]:
        return list(self.results)

    def _res(self, scenario: str) -> ScenarioResult:
        try:
            return self.results[scenario]
        except KeyError:
            raise RunError(f"scenario {scenario!r} was not run; run: {', '.join(self.results)}") from None

    def simulated(self) -> list[str]:
        """Indicators with draws in this run: the steered ones simulated, then every derived one."""
        reg = self.baseline.registry
        return list(self.baseline.shares) + [i.id for i in reg.simulated() if i.role == "derived"]

    def share(self, indicator: str, scenario: str = "baseline") -> np.ndarray:
        """Draws (n, units, years) of an indicator (fractions): steered, or derived from the flows."""
        res = self._res(scenario)
        if indicator in res.shares:
            return res.shares[indicator]
        ind = self.baseline.registry[indicator]
        if ind.role != "derived":
            raise RunError(f"indicator {indicator!r} is not simulated in this run; simulated: "
                           f"{', '.join(self.simulated())}")
        return res.flow_share(ind)

    def is_illustrative(self, indicator: str) -> bool:
        """True when the indicator's draws rest on illustrative flow inputs (derived indicators)."""
        return indicator not in self.baseline.shares and bool(self.baseline.illustrative)

    def quantiles(self, indicator: str, scenario: str = "baseline",
                  probs: Sequence[float] = DEFAULT_PROBS) -> pd.DataFrame:
        """Quantiles over draws: columns unit, year, q... (fractions); NaN rows where no evidence."""
        arr = self.share(indicator, scenario)
        b = self.baseline
        q = np.quantile(arr, probs, axis=0)  # (probs, units, years); a unit without evidence is NaN throughout
        u, y = len(b.units), len(b.years)
        frame = pd.DataFrame({"unit": np.repeat(np.asarray(b.units, dtype=object), y),
                              "year": np.tile(np.asarray(b.years), u)})
        for i, p in enumerate(probs):
            frame[_qname(p)] = q[i].reshape(-1)
        return frame

    def fan(self, indicator: str, unit: str, scenario: str = "baseline",
            probs: Sequence[float] = (0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95)) -> pd.DataFrame:
        """Quantile table indexed by year (fractions), the input of :func:`simlib.present.charts.fan_chart`."""
        j = self.baseline.unit_index(unit)
        arr = self.share(indicator, scenario)[:, j, :]
        q = np.quantile(arr, probs, axis=0)
        return pd.DataFrame(q.T, index=pd.Index(self.baseline.years, name="year"),
                            columns=[_qname(p) for p in probs])

    def p_met(self, indicator: str, scenario: str, unit: str, year: int, thr: Threshold | float) -> float:
        """P(target met) in a unit and year (NaN without evidence); ``thr`` a Threshold or an "at least" fraction."""
        b = self.baseline
        return p_met(self.share(indicator, scenario)[:, b.unit_index(unit), b.year_index(year)], thr)

    def prob_at_least(self, indicator: str, scenario: str, unit: str, year: int, threshold: float) -> float:
        """P(indicator >= threshold) in a unit and year (NaN without evidence)."""
        return self.p_met(indicator, scenario, unit, year, Threshold(float(threshold)))

    def contributions(self, indicator: str, scenario: str, unit: str, year: int) -> pd.Series:
        """Mean contribution of each part to the scenario's mean share (fractions; additive).

        Index: ``trend`` (business as usual), each shock, each lever's
        separate effect, ``ceiling`` (what the room-to-move bound
        ``max_feasible_share`` removes from each lever on its own, <= 0),
        ``interaction`` (the sub-additive combination of the capped effects,
        <= 0 for positive effects) and ``capacity`` (what caps removed).
        They sum to the scenario's mean share.
        """
        b = self.baseline
        j, k = b.unit_index(unit), b.year_index(year)
        res = self._res(scenario)
        out = {"trend": float(np.mean(b.trend[indicator][:, j, k]))}
        base_mean = float(np.mean(b.shares[indicator][:, j, k]))
        shocks = base_mean - out["trend"]
        keys = [key for key, sh in b.levers.shocks.items() if sh["indicator"] == indicator]
        if keys:
            out[f"shock:{keys[0]}" if len(keys) == 1 else "shocks"] = shocks
        eff = res.effects[indicator]
        room = np.maximum(b.draws.max_feasible[indicator] - b.shares[indicator][:, j, k], 0.0)
        capped_sum = np.zeros(b.n)
        for key, e in eff.items():
            d = e[:, j, k]
            out[key] = float(np.mean(d))
            capped_sum = capped_sum + np.minimum(np.maximum(d, 0.0), room) + np.minimum(d, 0.0)
        lever_sum = sum(float(np.mean(e[:, j, k])) for e in eff.values())
        demand_mean = float(np.mean(res.demand[indicator][:, j, k]))
        out["ceiling"] = float(np.mean(capped_sum)) - lever_sum
        out["interaction"] = demand_mean - base_mean - float(np.mean(capped_sum))
        out["capacity"] = float(np.mean(res.shares[indicator][:, j, k])) - demand_mean
        return pd.Series(out, name="contribution")

    def additional_enrollees(self, indicator: str, scenario: str, *, years: Iterable[int] | None = None,
                             reference: str = "baseline") -> np.ndarray:
        """Extra students entering the indicator's destinations vs ``reference``, per draw and unit."""
        b = self.baseline
        ks = [b.year_index(y) for y in (years if years is not None else b.years)]
        ind = b.registry[indicator]

        def entrants(sc: str) -> np.ndarray:
            res = self._res(sc)
            return sum(res.intake[(o, t)] for o in ind.origins for t in ind.destinations if (o, t) in res.intake)

        diff = entrants(scenario) - entrants(reference)
        return diff[:, :, ks].sum(axis=2)

    def cost(self, scenario: str, *, years: Iterable[int] | None = None,
             indicator: str | None = None) -> np.ndarray:
        """Cost (VND) per draw and unit over ``years``, for the levers acting on ``indicator`` (all if None)."""
        b = self.baseline
        res = self._res(scenario)
        ks = [b.year_index(y) for y in (years if years is not None else b.years)]
        total = np.zeros((b.n, len(b.units)))
        for key, c in res.costs.items():
            if indicator is None or b.levers.levers[key].indicator == indicator:
                total = total + c[:, :, ks].sum(axis=2)
        return total

    def vocational_entrants(self, scenario: str) -> np.ndarray:
        """Students entering any vocational programme (sơ cấp, trung cấp from THCS or THPT, cao đẳng).

        Shape (n, units, years).
        """
        return self._res(scenario).vocational

    @property
    def illustrative(self) -> bool:
        """True when counts or costs of this run rest on an illustrative input (prices, cohort, flow inputs)."""
        b = self.baseline
        return (any(lv.illustrative_cost for lv in b.levers.levers.values()) or not b.cohort_known
                or bool(b.illustrative) or bool(b.cohort_info is not None and b.cohort_info.illustrative))

    def cost_table(self, *, years: Iterable[int] | None = None, probs=(0.1, 0.5, 0.9)) -> pd.DataFrame:
        """Cost per additional vocational entrant, by scenario, for the run's geography (first unit).

        Additional entrants are counted over all vocational programmes (sơ
        cấp, trung cấp, cao đẳng), because a lever on one track moves
        students between tracks (more trung cấp after THCS means fewer THPT
        graduates and fewer cao đẳng entrants three years later).

        Columns: scenario, years, cost_vnd (median total cost over the
        years, VND), additional (median extra entrants), share_draws_adding
        (draws with more entrants than the baseline), cost_per_additional_q..
        (VND per extra entrant over the draws that add entrants),
        illustrative.
        """
        b = self.baseline
        ys = list(years) if years is not None else list(b.years)
        ks = [b.year_index(y) for y in ys]
        base = self.vocational_entrants("baseline")[:, 0, ks].sum(axis=1)
        rows = []
        for sc in self.scenarios:
            res = self.results[sc]
            if sc == "baseline" or not res.costs:
                continue
            cost = self.cost(sc, years=ys)[:, 0]
            add = self.vocational_entrants(sc)[:, 0, ks].sum(axis=1) - base
            adding = add > 0.5
            ratio = cost[adding] / add[adding]
            q = np.quantile(ratio, probs) if ratio.size else np.full(len(probs), np.nan)
            rows.append({"scenario": sc, "years": f"{ys[0]}-{ys[-1]}",
                         "cost_vnd": float(np.median(cost)), "additional": float(np.median(add)),
                         "share_draws_adding": float(np.mean(adding)),
                         **{f"cost_per_additional_{_qname(p)}": float(v) for p, v in zip(probs, q)},
                         "illustrative": self.illustrative})
        return pd.DataFrame(rows)

    def seats_table(self, tracks: Sequence[str] | None = None, scenarios: Sequence[str] | None = None,
                    units: Sequence[str] | None = None, probs=(0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Seats needed (enrolled students) by scenario, track, unit and year, quantiles over draws.

        Columns: scenario, track, unit, year, q... (students).
        """
        b = self.baseline
        scs = list(scenarios) if scenarios is not None else self.scenarios
        rows = []
        for sc in scs:
            seats = self._res(sc).seats
            for track in (tracks if tracks is not None else list(seats)):
                q = np.quantile(seats[track], probs, axis=0)
                for j, u in enumerate(b.units):
                    if units is not None and u not in units:
                        continue
                    for k, y in enumerate(b.years):
                        rows.append([sc, track, u, y, *q[:, j, k]])
        return pd.DataFrame(rows, columns=["scenario", "track", "unit", "year", *(_qname(p) for p in probs)])


def progress_bar(iterable, total: int, enabled: bool | None, desc: str):
    if enabled is False:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return iterable
    if enabled is None and not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return iterable
    return tqdm(iterable, total=total, desc=desc, leave=False)


def run_scenarios(bundle: Bundle, scenarios: Sequence[Scenario], *, geography: str | None = None,
                  config: RunConfig = RunConfig(), levers: LeverSet | None = None,
                  flow_table: pd.DataFrame | None = None, baseline: Baseline | None = None) -> ScenarioRun:
    """Run several scenarios on one baseline (common random numbers).

    Give either ``baseline`` (from :func:`simulate_baseline`) or ``geography``.
    A scenario named ``baseline`` is always included (first): it is the
    reference for costs per additional enrollee.
    """
    if baseline is None:
        if geography is None:
            raise RunError("give the run's geography (a geo id) or a baseline from simulate_baseline")
        baseline = simulate_baseline(bundle, geography, config, levers=levers, flow_table=flow_table)
    scs = list(scenarios)
    if not any(s.name == "baseline" for s in scs):
        scs = [Scenario("baseline", "Baseline", "Kịch bản cơ sở", "no levers")] + scs
    names = [s.name for s in scs]
    if len(set(names)) != len(names):
        raise RunError(f"scenario names must be unique; got {names}")
    results = {}
    for sc in progress_bar(scs, len(scs), baseline.config.progress, "scenarios"):
        results[sc.name] = apply_scenario(baseline, sc)
    order = ["baseline"] + [n for n in names if n != "baseline"]
    return ScenarioRun(baseline, MappingProxyType({k: results[k] for k in order}))
