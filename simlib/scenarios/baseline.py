"""The baseline of a run: the plan (units, evidence, fits, cohort, lever draws) and the draws every scenario shares.

:func:`plan_run` prepares a run once; :meth:`RunPlan.baseline` draws the
destination composition of each origin for all units or a chunk of them
(components drawn from their trends or priors, reconciled, bounded, the
baseline shocks added). The draws of a unit depend only on the seed, its
evidence source and its own name (common random numbers keyed by
component), so a chunked run gives exactly the numbers of an unchunked one.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from simlib.errors import InputError
from simlib.evidence.indicators import Indicator, Registry, registry
from simlib.evidence.series import ObservationIndex, former_area_rows, sub_units, unit_rows
from simlib.inputs.bundle import Bundle
from simlib.inputs.assumptions import load_flow_assumptions
from simlib.inputs.destinations import read_destinations
from simlib.inputs.levers import lever_error, lever_file
from simlib.logit import expit, logit
from simlib.models import assumptions as fa
from simlib.models import composition as comp_mod
from simlib.models import hierarchy, trends
from simlib.models.cohorts import Cohort, cohort_matrix, count_series, latest_count
from simlib.models.composition import Component
from simlib.models.flows import THCS_TRACKS, THPT_TRACKS
from simlib.scenarios.run_defaults import DEFAULT_DRAWS, DEFAULT_SEED
from simlib.scenarios.levers import LeverDraws, LeverSet, child_rng, draw_levers, load_levers
from simlib.scenarios.sources import (Evidence, RestsOn, _component_evidence, _evidence, rests_on,
                                      unit_list)

__all__ = ["DEFAULT_DRAWS", "DEFAULT_SEED", "TRACKS", "RunError", "RunConfig", "Baseline", "RunPlan", "plan_run",
           "simulate_baseline", "baseline_shares", "with_draws", "base_destination_shares", "unit_hierarchy",
           "chunk_size", "BYTES_PER_CELL_DRAW"]

#: Flow tracks of each origin (the flow engine's order).
TRACKS: Mapping[str, tuple[str, ...]] = MappingProxyType({"thcs": THCS_TRACKS, "thpt": THPT_TRACKS})
#: Vocational (GDNN) levels among the flow tracks: entrants to these are "vocational entrants".
VOCATIONAL_TRACKS: tuple[str, ...] = ("so_cap", "trung_cap", "trung_hoc_nghe", "cao_dang")
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

    @functools.cached_property
    def flow_fields(self) -> Mapping[str, object]:
        """The flow parameters read from ``flow_table`` alone (promotion, repetition, durations...), read once.

        Every scenario builds its :class:`~simlib.models.flows.FlowParameters`
        from these and its own destination shares
        (:func:`simlib.models.assumptions.table_parameters`).
        """
        return MappingProxyType(fa.table_parameters(self.flow_table))

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
        mine = set(units)
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
            evidence=MappingProxyType({k: v for k, v in self.evidence.items() if k[0] in mine}),
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
            raise lever_error("lev_not_steered", where=f"{levers.path.name}: levers.{key}.indicator",
                              ind=repr(lv.indicator), known=", ".join(sorted(sim)))
    for key, sh in levers.shocks.items():
        if sh["indicator"] not in sim:
            raise lever_error("lev_not_steered", where=f"{levers.path.name}: shocks.{key}.indicator",
                              ind=repr(sh["indicator"]), known=", ".join(sorted(sim)))


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
    # each unit's rows looked up, not scanned for (a province has up to a few hundred communes)
    obs = ObservationIndex(allobs[allobs["indicator"] == ind])
    sizes = ObservationIndex(allobs[allobs["indicator"] == spec.weight_indicator] if spec.weight_indicator
                             else allobs.iloc[0:0])
    frames = []
    for k in kids:
        size = {}
        if obs.has(k, ind):
            rows = unit_rows(obs, k, ind, plan.config.readings)
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

    def _component_logits(self, comp: Component, units: Sequence[str]
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """Logit draws of a component in each unit, their variance over draws (the reconciliation weights), the shares.

        The last item is True when the shares are ``expit`` of the logits (computed once, reused).

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
            return prior_z[:, None, :], np.full((1, 1, ny), prior_var), expit(prior_z[:, None, :]), True
        if comp.indicator is not None and all(ev is None or not ev.assessable or ev.indicator == comp.indicator
                                              for ev in evs):
            # the component's own indicator: the geography's trend and its units by partial pooling
            share = _unit_draws(self, comp.indicator, units)
            with np.errstate(divide="ignore"):
                z = logit(share)
            miss = np.isnan(z)
            if miss.any():
                z = np.where(miss, prior_z[:, None, :], z)
            return z, np.var(z, axis=0)[None, :, :], np.where(miss, expit(z), share), False
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
        return z, np.var(z, axis=0)[None, :, :], expit(z), True

    def _composition(self, units: Sequence[str]) -> tuple[dict, dict]:
        """Destination shares of each origin (reconciled, bounded) and the steered components' draws."""
        comps_out, steered = {}, {}
        for origin, comps in self.components.items():
            zs, ws, exact, own, ez = {}, {}, {}, {}, {}
            for comp in comps:
                zs[comp.name], ws[comp.name], exact[comp.name], is_expit = self._component_logits(comp, units)
                ez[comp.name] = exact[comp.name] if is_expit else expit(zs[comp.name])
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
            fixed = sum(np.where(np.asarray(tiered[k.name]) > 0, 0.0, ez[k.name]) for k in comps)
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
        where = {u: i for i, u in enumerate(self.units)}
        idx = [where[u] if u in where else self.units.index(u) for u in units]  # an unknown unit: index's error
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
        mine = set(units)
        evidence = {k: v for k, v in self.evidence.items() if k[0] in mine}
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
    levers = levers if levers is not None else load_levers(lever_file(bundle.data_dir))
    _check_levers(levers, steered)
    if flow_table is None:
        flow_table = load_flow_assumptions(bundle.data_dir / "flow_assumptions.csv",
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


def base_destination_shares(flow_table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Destination shares of THCS and THPT graduates from the flow assumptions (fractions; each origin sums to 1)."""
    return {"thcs": fa.thcs_destination_shares(flow_table), "thpt": fa.thpt_destination_shares(flow_table)}


