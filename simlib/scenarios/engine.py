"""Monte Carlo scenarios: trend draws x lever draws, pushed through the flow engine.

One run, for a geography and its child units (Long An and its 15 districts):

1. **Baseline shares.** For each indicator (``thcs_to_gdnn_sc_tc``,
   ``thpt_to_cao_dang``) and unit, draws of the business-as-usual share path
   from :mod:`simlib.models.trends`, fitted to the unit's own observations, or, when
   it has none, to its nearest ancestor's, with a between-unit spread on the
   logit scale (``districts.spread_logit`` in ``data/levers.yaml``, per level
   borrowed). The free public THPT shock (``shocks`` in the lever file) is
   added from its start year.
2. **Levers.** Each scenario's settings (:class:`simlib.scenarios.levers.Scenario`)
   give per-draw effects (:func:`simlib.scenarios.levers.lever_effects`), combined
   sub-additively within the room to move.
3. **Flows.** Every draw goes through :func:`simlib.models.flows.simulate_flows`
   with the indicator shares set and the other destinations scaled
   proportionally, and the scenario's capacity caps; the reported
   indicator is what comes out of the flow engine (caps can lower it).
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

import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from simlib.models import assumptions as fa
from simlib.models import trends
from simlib.inputs.bundle import Bundle, population_weights
from simlib.models.flows import PROGRAMMES, THCS_TRACKS, THPT_TRACKS, Capacity, simulate_flows
from simlib.scenarios.levers import LeverDraws, LeverSet, Scenario, child_rng, combine, draw_levers, lever_effects, load_levers

__all__ = [
    "INDICATORS", "RunConfig", "Evidence", "Baseline", "ScenarioResult", "ScenarioRun",
    "simulate_baseline", "apply_scenario", "run_scenarios", "unit_list", "baseline_shares", "with_draws",
    "students_per_school",
]

#: indicator -> (origin, destinations counted)
INDICATORS: Mapping[str, tuple[str, tuple[str, ...]]] = MappingProxyType({
    "thcs_to_gdnn_sc_tc": ("thcs", ("so_cap", "trung_cap")),
    "thpt_to_cao_dang": ("thpt", ("cao_dang",)),
})
#: programmes whose students a price lever pays for
_PRICE_PROGRAMMES = {"thcs_to_gdnn_sc_tc": ("so_cap", "trung_cap"), "thpt_to_cao_dang": ("cao_dang",)}
_SCHOOLS = {"thcs_to_gdnn_sc_tc": "thcs_schools", "thpt_to_cao_dang": "thpt_schools"}
DEFAULT_PROBS = (0.05, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.95)


@dataclass(frozen=True)
class RunConfig:
    """What to simulate.

    Parameters
    ----------
    years : tuple of int
        Years simulated (calendar year the school year ends).
    n_draws : int
        Monte Carlo draws (tests use a few hundred, reports 10,000).
    seed : int
        Seed of every random stream.
    method : str
        Trend method (:func:`simlib.models.trends.fit`).
    readings : {"primary", "alternative"}
        Which reading of an ambiguous observation to fit (Long An THPT 2021:
        14.51 % as published, 9.35 % the other reading).
    indicators : tuple of str
        Keys of :data:`INDICATORS`.
    progress : bool or None
        Progress bar: None shows it only in a terminal (silent under nbval).
    """

    years: tuple[int, ...] = tuple(range(2022, 2031))
    n_draws: int = 2000
    seed: int = 20251122
    method: str = "logit_linear"
    readings: str = "primary"
    indicators: tuple[str, ...] = tuple(INDICATORS)
    progress: bool | None = None


@dataclass(frozen=True)
class Evidence:
    """Where a unit's baseline comes from, for one indicator."""

    unit: str
    indicator: str
    source_geography: str | None   # None: no evidence anywhere up the tree
    hops: int                      # 0 = own evidence, 1 = parent's, ...
    n_points: int                  # real observations used by the trend fit
    last_year: int | None
    last_value: float | None       # latest exact share (fraction), if any
    slope_logit: float | None      # posterior median slope, logit per year
    fit: Any = field(default=None, repr=False, compare=False)

    @property
    def assessable(self) -> bool:
        return self.source_geography is not None

    def describe(self) -> str:
        if self.source_geography is None:
            return "no evidence for this indicator here or in any parent unit"
        own = "own" if self.hops == 0 else f"borrowed from {self.source_geography} (+ between-unit spread)"
        return f"{self.n_points} real point(s), {own}"


def unit_list(bundle: Bundle, geography: str, indicators: Iterable[str]) -> list[str]:
    """The geography and those of its children that have a target on one of the indicators."""
    kids = bundle.children(geography)
    t = bundle.targets
    with_targets = set(t.loc[t["indicator"].isin(list(indicators)), "geography"])
    return [geography] + [k for k in kids if k in with_targets]


def _evidence_obs(bundle: Bundle, unit: str, indicator: str, readings: str):
    obs = bundle.observations
    for hops, geo in enumerate([unit] + bundle.ancestors(unit)):
        sel = obs[(obs["geography"] == geo) & (obs["indicator"] == indicator)]
        if len(sel) == 0:
            continue
        if geo == trends.NATIONAL_GEOGRAPHY and indicator == "thcs_to_gdnn_sc_tc":
            series = trends.national_history(obs)
        else:
            series = trends.observations_from_frame(obs, indicator=indicator, geography=geo, readings=readings)
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
        ``trend`` plus the baseline shocks (free public THPT), clipped to [0, 1].
    evidence : dict (unit, indicator) -> Evidence
    draws : LeverDraws
    cohort : ndarray (units, years)
        THCS graduates per unit and year (students).
    cohort_known : bool
        False when no cohort size exists for the geography: counts are then
        per 1,000 graduates and flagged.
    schools : dict indicator -> ndarray (units,)
        Schools (THCS / THPT) per unit, NaN where unknown (costs of counselling).
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

    @property
    def n(self) -> int:
        return self.config.n_draws

    def unit_index(self, unit: str) -> int:
        try:
            return self.units.index(unit)
        except ValueError:
            raise ValueError(f"unit {unit!r} is not in this run; units: {', '.join(self.units)}") from None

    def year_index(self, year: int) -> int:
        try:
            return self.years.index(int(year))
        except ValueError:
            raise ValueError(f"year {year} is not simulated; years: {self.years[0]}-{self.years[-1]}") from None


def _schools(bundle: Bundle, units: list[str], weights: np.ndarray, indicator: str) -> np.ndarray:
    obs = bundle.observations
    out = np.full(len(units), np.nan)
    sel = obs[(obs["indicator"] == _SCHOOLS[indicator]) & (obs["geography"] == units[0])]
    if len(sel) and np.isfinite(weights).all():
        total = float(sel.sort_values("year")["value"].iloc[-1])
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
    import dataclasses

    draws = draws if draws is not None else base.draws
    trend = MappingProxyType(dict(trend)) if trend is not None else base.trend
    return dataclasses.replace(base, draws=draws, trend=trend,
                               shares=MappingProxyType(baseline_shares(trend, base.levers, draws, base.years)))


def simulate_baseline(bundle: Bundle, geography: str = "vn.long_an", config: RunConfig = RunConfig(), *,
                      levers: LeverSet | None = None, flow_table: pd.DataFrame | None = None,
                      units: Sequence[str] | None = None) -> Baseline:
    """Draw the baseline of a run: trend paths, shocks and lever parameters.

    Parameters
    ----------
    bundle : Bundle
        From :func:`simlib.inputs.bundle.load_bundle`.
    geography : str
        geo id; its children with targets are simulated with it.
    config : RunConfig
    levers : LeverSet, optional
        Default ``data/levers.yaml`` of the bundle's folder.
    flow_table : DataFrame, optional
        Flow assumptions (:func:`simlib.models.assumptions.load_flow_assumptions`);
        they give the destinations other than the indicators, and Long An's
        cohort size.
    units : sequence of str, optional
        Override the units (default :func:`unit_list`).

    Returns
    -------
    Baseline
    """
    for ind in config.indicators:
        if ind not in INDICATORS:
            raise ValueError(f"indicator {ind!r} cannot be simulated; known: {', '.join(INDICATORS)}")
    if config.n_draws < 1:
        raise ValueError("n_draws must be at least 1")
    if config.readings not in ("primary", "alternative"):
        raise ValueError(f"readings must be 'primary' or 'alternative'; got {config.readings!r}")
    levers = levers if levers is not None else load_levers(bundle.data_dir / "levers.yaml")
    from simlib.scenarios.levers import LeverError
    for key, lv in levers.levers.items():
        if lv.indicator not in INDICATORS:
            raise LeverError(f"{levers.path.name}: levers.{key}.indicator {lv.indicator!r} is not simulated; "
                             f"use one of {', '.join(INDICATORS)}")
    for key, sh in levers.shocks.items():
        if sh["indicator"] not in INDICATORS:
            raise LeverError(f"{levers.path.name}: shocks.{key}.indicator {sh['indicator']!r} is not simulated; "
                             f"use one of {', '.join(INDICATORS)}")
    if flow_table is None:
        flow_table = fa.load_flow_assumptions(bundle.data_dir / "flow_assumptions.csv",
                                              observations=bundle.observations)
    units = list(units) if units is not None else unit_list(bundle, geography, config.indicators)
    years = tuple(int(y) for y in config.years)
    n, seed = config.n_draws, config.seed
    trend_draws, evidence = {}, {}
    fits: dict[tuple[str, str], Any] = {}
    for ind in config.indicators:
        arr = np.full((n, len(units), len(years)), np.nan)
        for j, unit in enumerate(units):
            geo, hops, series = _evidence_obs(bundle, unit, ind, config.readings)
            if geo is None:
                evidence[(unit, ind)] = Evidence(unit, ind, None, 0, 0, None, None, None)
                continue
            if (geo, ind) not in fits:
                fits[(geo, ind)] = trends.fit(series, config.method)
            fit = fits[(geo, ind)]
            z = trends._logit(fit.sample(n, years, child_rng(seed, f"trend:{geo}:{ind}")))
            if hops:
                sd = levers.district_spread_logit * math.sqrt(hops)
                z = z + child_rng(seed, f"spread:{unit}:{ind}").normal(0.0, sd, (n, 1))
            arr[:, j, :] = trends._expit(z)
            exact = [o for o in series if o.value_share is not None]
            last = max(exact, key=lambda o: o.year) if exact else None
            try:
                lo, hi = fit.slope_interval(0.5)
                slope = 0.5 * (lo + hi)
            except Exception:  # naive / LLT fits have no slope posterior  # noqa: BLE001
                slope = None
            evidence[(unit, ind)] = Evidence(unit, ind, geo, hops, fit.n_used,
                                             int(last.year) if last else None,
                                             float(last.value_share) if last else None, slope, fit)
        trend_draws[ind] = arr
    draws = draw_levers(levers, n, seed)
    shares = baseline_shares(trend_draws, levers, draws, years)
    # cohort sizes: Long An's graduates split by 2019 population; elsewhere unknown
    weights = np.full(len(units), np.nan)
    cohort_known = False
    grads = np.ones((len(units), len(years))) * 1000.0
    illustrative = [r["parameter"] for _, r in flow_table.iterrows() if r["status"] == "illustrative"]
    if geography == "vn.long_an":
        pop = population_weights(bundle, geography)
        weights[0] = 1.0
        for j, u in enumerate(units[1:], start=1):
            weights[j] = pop.get(u, np.nan) / pop.sum()
        if np.isfinite(weights).all():
            base_year = years[0] - 1
            cohort = fa.long_an_cohort(flow_table, base_year=base_year, years=years)
            grads = weights[:, None] * cohort.to_numpy(dtype=float).reshape(1, -1)
            cohort_known = True
    schools = {ind: _schools(bundle, units, weights, ind) for ind in config.indicators}
    return Baseline(bundle, levers, config, geography, units, years, MappingProxyType(trend_draws),
                    MappingProxyType(shares), MappingProxyType(evidence), draws, grads, cohort_known,
                    MappingProxyType(schools), flow_table, tuple(illustrative))


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
        The indicator as it comes out of the flow engine (fractions).
    demand : dict indicator -> ndarray (n, units, years)
        Baseline + combined lever effects, before capacity caps.
    effects : dict indicator -> dict lever -> ndarray (n, units, years)
        Each lever's separate effect (fractions, before combination).
    combined : dict indicator -> ndarray
        Combined effect of the levers (fractions).
    intake : dict indicator -> ndarray (n, units, years)
        Students entering the indicator's destinations.
    seats : dict track -> ndarray (n, units, years)
        Enrolled students (seat-years) in ``so_cap``, ``trung_cap`` (from THCS),
        ``cao_dang`` and grades 10-12 (``thpt``).
    costs : dict lever -> ndarray (n, units, years)
        VND per year.
    """

    scenario: Scenario
    shares: Mapping[str, np.ndarray]
    demand: Mapping[str, np.ndarray]
    effects: Mapping[str, Mapping[str, np.ndarray]]
    combined: Mapping[str, np.ndarray]
    intake: Mapping[str, np.ndarray]
    seats: Mapping[str, np.ndarray]
    costs: Mapping[str, np.ndarray]
    vocational: np.ndarray
    capped: bool

    def total_cost(self) -> np.ndarray:
        """VND per draw, unit and year, all levers."""
        arrs = list(self.costs.values())
        if not arrs:
            return np.zeros_like(next(iter(self.intake.values())))
        return np.sum(arrs, axis=0)


def _scaled_shares(base: Mapping[str, float], focus: Sequence[str], value: np.ndarray) -> dict[str, np.ndarray]:
    """Destination shares with the ``focus`` tracks summing to ``value``, others scaled to fill the rest."""
    f_total = sum(base.get(t, 0.0) for t in focus)
    rest_total = 1.0 - f_total
    out = {}
    for t, b in base.items():
        if t in focus:
            out[t] = value * (b / f_total) if f_total > 0 else value / len(focus)
        else:
            out[t] = (1.0 - value) * (b / rest_total) if rest_total > 0 else np.zeros_like(value)
    return out


def students_per_school(base: Baseline, indicator: str) -> np.ndarray | None:
    """Students per THCS (grades 6-9) or THPT (grades 10-12) school per unit, or None where unknown.

    THCS: 4 x THCS graduates / schools; THPT: 3 x THCS graduates x the THPT
    share of THCS graduates (flow assumptions) / schools. Where school counts
    or the cohort are unknown the counselling dose assumes 250 students per
    teacher (full intensity), and verdict notes say so.
    """
    sch = base.schools.get(indicator)
    if sch is None or not np.isfinite(sch).all() or not base.cohort_known:
        return None
    if indicator == "thcs_to_gdnn_sc_tc":
        return 4.0 * base.cohort[:, 0] / sch
    thpt_share = fa.thcs_destination_shares(base.flow_table)["thpt"]
    return 3.0 * base.cohort[:, 0] * thpt_share / sch


def apply_scenario(base: Baseline, scenario: Scenario) -> ScenarioResult:
    """Apply one scenario to a baseline: lever effects, flows, costs.

    A scenario without levers (or whose levers have zero effect) gives
    exactly the baseline shares.
    """
    scenario.check(base.levers)
    lv = base.levers
    years = base.years
    n, u, y = base.n, len(base.units), len(years)
    demand, effects, combined = {}, {}, {}
    for ind, s0 in base.shares.items():
        eff = lever_effects(lv, scenario, base.draws, ind, years, s0,
                            students_per_school=students_per_school(base, ind))
        if eff:
            room = base.draws.max_feasible[ind][:, None, None] - s0
            comb = combine(list(eff.values()), room)
        else:
            comb = np.zeros_like(s0)
        demand[ind] = np.clip(s0 + comb, 0.0, 1.0)
        effects[ind] = MappingProxyType(eff)
        combined[ind] = comb
    # flows
    thcs_base = fa.thcs_destination_shares(base.flow_table)
    thpt_base = fa.thpt_destination_shares(base.flow_table)
    placeholder = {"thcs_to_gdnn_sc_tc": sum(thcs_base[t] for t in INDICATORS["thcs_to_gdnn_sc_tc"][1]),
                   "thpt_to_cao_dang": thpt_base["cao_dang"]}
    dem_thcs = demand.get("thcs_to_gdnn_sc_tc")
    dem_thpt = demand.get("thpt_to_cao_dang")
    v_thcs = np.nan_to_num(dem_thcs, nan=placeholder["thcs_to_gdnn_sc_tc"]) if dem_thcs is not None \
        else np.full((n, u, y), placeholder["thcs_to_gdnn_sc_tc"])
    v_thpt = np.nan_to_num(dem_thpt, nan=placeholder["thpt_to_cao_dang"]) if dem_thpt is not None \
        else np.full((n, u, y), placeholder["thpt_to_cao_dang"])
    thcs_shares = _scaled_shares(thcs_base, INDICATORS["thcs_to_gdnn_sc_tc"][1], v_thcs)
    thpt_shares = _scaled_shares(thpt_base, INDICATORS["thpt_to_cao_dang"][1], v_thpt)
    caps = {"thcs": {}, "thpt": {}}
    known_geos = set(base.bundle.geographies["geo_id"])
    for geo in scenario.capacity:
        if geo not in known_geos:
            raise ValueError(f"{scenario.name}: capacity for unknown geography {geo!r} "
                             f"(geo ids are in data/geographies.csv, e.g. {base.geography!r})")
    for j, unit in enumerate(base.units):
        for origin, tracks in scenario.capacity.get(unit, {}).items():
            if origin not in caps:
                raise ValueError(f"{scenario.name}: capacity origin must be 'thcs' or 'thpt'; got {origin!r}")
            for track, val in tracks.items():
                arr = caps[origin].setdefault(track, np.full((n, u, y), np.inf))
                yrs = np.asarray(years, dtype=float)
                if isinstance(val, Mapping):
                    ys = np.asarray(list(val.keys()), dtype=float)
                    v = np.interp(yrs, ys, np.asarray(list(val.values()), dtype=float))
                    v[yrs < ys[0]] = np.inf
                else:
                    v = np.full(y, float(val))
                arr[:, j, :] = v[None, :] * base.draws.utilisation[:, None]
    params = fa.long_an_flow_parameters(
        base.flow_table, thcs_shares=thcs_shares, thpt_shares=thpt_shares,
        thcs_capacity=Capacity(caps["thcs"]), thpt_capacity=Capacity(caps["thpt"]))
    cohort = pd.DataFrame(base.cohort, index=pd.Index(base.units, name="unit"), columns=list(years))
    res = simulate_flows(cohort, params)
    shares, intake = {}, {}
    for ind in base.shares:
        origin, dests = INDICATORS[ind]
        tracks = THCS_TRACKS if origin == "thcs" else THPT_TRACKS
        stacked = "thcs_intake" if origin == "thcs" else "thpt_intake"
        grads = res.thcs_graduates if origin == "thcs" else res.thpt_graduates
        num = sum(res.track(stacked, tracks.index(t)) for t in dests)
        sh = np.divide(num, grads, out=np.full(num.shape, np.nan), where=grads > 0)
        sh = np.where(np.isnan(demand[ind]), np.nan, sh)
        # where no cap applies the flow engine returns the input share up to rounding: keep it bit-exact
        capped = np.zeros(sh.shape, dtype=bool)
        for arr_cap in caps[origin].values():
            capped |= np.isfinite(arr_cap)
        sh = np.where(np.isnan(sh) | capped, sh, demand[ind])
        shares[ind] = sh
        intake[ind] = num
    seats = {t: res.track("programme_enrolment", PROGRAMMES.index(t)) for t in ("so_cap", "trung_cap", "cao_dang")}
    seats["thpt"] = sum(res.track("thpt_enrolment", g) for g in range(3))
    vocational = (res.track("thcs_intake", THCS_TRACKS.index("so_cap"))
                  + res.track("thcs_intake", THCS_TRACKS.index("trung_cap"))
                  + res.track("thpt_intake", THPT_TRACKS.index("trung_cap"))
                  + res.track("thpt_intake", THPT_TRACKS.index("cao_dang")))
    costs = {}
    yrs = np.asarray(years, dtype=float)
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
            stock = sum(seats[t] for t in _PRICE_PROGRAMMES[lever.indicator])
            costs[key] = stock * support[None, None, :]
        else:
            inten = scenario.setting(lv, key, "intensity", yrs)
            costs[key] = np.broadcast_to(base.cohort * inten[None, :] * c["vnd_per_student"][0], (n, u, y)).copy()
    return ScenarioResult(scenario, MappingProxyType(shares), MappingProxyType(demand), MappingProxyType(effects),
                          MappingProxyType(combined), MappingProxyType(intake), MappingProxyType(seats),
                          MappingProxyType(costs), vocational, bool(caps["thcs"] or caps["thpt"]))


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
            raise ValueError(f"scenario {scenario!r} was not run; run: {', '.join(self.results)}") from None

    def share(self, indicator: str, scenario: str = "baseline") -> np.ndarray:
        """Draws (n, units, years) of the indicator (fractions)."""
        res = self._res(scenario)
        if indicator not in res.shares:
            raise ValueError(f"indicator {indicator!r} was not simulated; simulated: {', '.join(res.shares)}")
        return res.shares[indicator]

    def quantiles(self, indicator: str, scenario: str = "baseline",
                  probs: Sequence[float] = DEFAULT_PROBS) -> pd.DataFrame:
        """Quantiles over draws: columns unit, year, q... (fractions); NaN rows where no evidence."""
        arr = self.share(indicator, scenario)
        b = self.baseline
        rows = []
        for j, unit in enumerate(b.units):
            if np.isnan(arr[:, j, :]).all():
                q = np.full((len(probs), len(b.years)), np.nan)
            else:
                q = np.quantile(arr[:, j, :], probs, axis=0)
            for k, year in enumerate(b.years):
                rows.append([unit, year, *q[:, k]])
        return pd.DataFrame(rows, columns=["unit", "year", *(_qname(p) for p in probs)])

    def fan(self, indicator: str, unit: str, scenario: str = "baseline",
            probs: Sequence[float] = (0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95)) -> pd.DataFrame:
        """Quantile table indexed by year (fractions), the input of :func:`simlib.present.charts.fan_chart`."""
        j = self.baseline.unit_index(unit)
        arr = self.share(indicator, scenario)[:, j, :]
        q = np.quantile(arr, probs, axis=0)
        return pd.DataFrame(q.T, index=pd.Index(self.baseline.years, name="year"),
                            columns=[_qname(p) for p in probs])

    def prob_at_least(self, indicator: str, scenario: str, unit: str, year: int, threshold: float) -> float:
        """P(indicator >= threshold) in a unit and year (NaN without evidence)."""
        b = self.baseline
        x = self.share(indicator, scenario)[:, b.unit_index(unit), b.year_index(year)]
        if np.isnan(x).all():
            return float("nan")
        return float(np.mean(x >= threshold - 1e-12))

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
        diff = self._res(scenario).intake[indicator] - self._res(reference).intake[indicator]
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
                         "illustrative": bool(any(b.levers.levers[k].illustrative_cost for k in res.costs)
                                              or not b.cohort_known or bool(b.illustrative))})
        return pd.DataFrame(rows)

    def seats_table(self, track: str, scenario: str = "baseline", probs=(0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Seats needed (enrolled students) by unit and year: columns unit, year, q...."""
        b = self.baseline
        arr = self._res(scenario).seats[track]
        q = np.quantile(arr, probs, axis=0)
        rows = [[u, y, *q[:, j, k]] for j, u in enumerate(b.units) for k, y in enumerate(b.years)]
        return pd.DataFrame(rows, columns=["unit", "year", *(_qname(p) for p in probs)])


def _progress(iterable, total: int, enabled: bool | None, desc: str):
    if enabled is False:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return iterable
    disable = None if enabled is None else not enabled
    if enabled is None and not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return iterable
    return tqdm(iterable, total=total, desc=desc, disable=disable, leave=False)


def run_scenarios(bundle: Bundle, scenarios: Sequence[Scenario], *, geography: str = "vn.long_an",
                  config: RunConfig = RunConfig(), levers: LeverSet | None = None,
                  flow_table: pd.DataFrame | None = None, baseline: Baseline | None = None) -> ScenarioRun:
    """Run several scenarios on one baseline (common random numbers).

    A scenario named ``baseline`` is always included (first): it is the
    reference for costs per additional enrollee.
    """
    base = baseline if baseline is not None else simulate_baseline(
        bundle, geography, config, levers=levers, flow_table=flow_table)
    scs = list(scenarios)
    if not any(s.name == "baseline" for s in scs):
        scs = [Scenario("baseline", "Baseline", "Kịch bản cơ sở", "no levers")] + scs
    names = [s.name for s in scs]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must be unique; got {names}")
    results = {}
    for sc in _progress(scs, len(scs), base.config.progress, "scenarios"):
        results[sc.name] = apply_scenario(base, sc)
    order = ["baseline"] + [n for n in names if n != "baseline"]
    return ScenarioRun(base, MappingProxyType({k: results[k] for k in order}))
