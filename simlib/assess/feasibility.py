"""Feasibility verdicts: P(target met), pace, feasible progress, inverse solve, target setting.

For every rate target in ``data/targets.csv`` whose indicator the scenario
engine simulates (:data:`simlib.scenarios.INDICATORS`) this module reports,
under each scenario:

* **P(target met)** by the target year, from the Monte Carlo draws of
  :mod:`simlib.scenarios`, with a verdict band (our choice, configurable):
  >= 0.8 likely, 0.5-0.8 possible, 0.2-0.5 unlikely, < 0.2 very unlikely;
* **required vs anticipated pace** from the latest exact observation, in
  percentage points per year and logit units per year, the ratio of the two
  and the UNSD progress-chart class (:func:`simlib.assess.progress.progress_class`);
* the UNESCAP **anticipated-progress gap** (:func:`simlib.assess.progress.anticipated_gap`);
* the UIS/GEM / World Bank ``sdgtrackr`` style **feasible-progress** check
  (:func:`simlib.assess.progress.feasible_progress`): the percentile of historical
  paces the target needs, and the speed multiple; with a thin peer panel,
  the documented logistic benchmark on the national logit slope prior.

And, for planners:

* :func:`solve_lever`: the smallest setting of one lever that reaches
  P(met) >= p (``scipy.optimize.brentq`` on the Monte Carlo with common
  random numbers), with its cost, or a plain "not reachable";
* :func:`target_options`: the value reachable with probability 0.5 and 0.8
  in a future year, per unit and scenario;
* :func:`capacity_check`: vocational entrants needed vs the intake capacity
  known in the data.

Targets whose indicator is not simulated (school shares, Cầu Ngang's
broader indicator, Đức Phổ's "secondary students") get the verdict
``not assessed`` with the reason. Shares are fractions 0-1 in the API;
tables carry percent columns named ``*_pct``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy import optimize

from simlib.assess import progress
from simlib.models import trends
from simlib.evidence.audit import used_targets
from simlib.inputs.bundle import Bundle
from simlib.scenarios.levers import LeverSet, Scenario, load_levers, load_scenario, list_scenarios
from simlib.scenarios.levers import draw_levers
from simlib.scenarios.engine import INDICATORS, Baseline, RunConfig, ScenarioRun, apply_scenario, run_scenarios, \
    simulate_baseline, with_draws

__all__ = [
    "VERDICT_BANDS", "verdict", "threshold", "plan_units", "plan_config", "assess_run", "feasibility",
    "FeasibilityReport", "InverseResult", "solve_lever", "target_options", "capacity_check", "peer_panel",
    "with_planner_data", "sensitivity",
]

#: P(met) bands, highest first: (lower bound, label)
VERDICT_BANDS: tuple[tuple[float, str], ...] = ((0.8, "likely"), (0.5, "possible"), (0.2, "unlikely"),
                                                (0.0, "very unlikely"))
NOT_ASSESSED = "not assessed"


def verdict(p: float, bands: Sequence[tuple[float, str]] = VERDICT_BANDS) -> str:
    """Verdict band of a probability (``not assessed`` for NaN)."""
    if p is None or not np.isfinite(p):
        return NOT_ASSESSED
    for lower, label in bands:
        if p >= lower:
            return label
    return bands[-1][1]


def threshold(row: Mapping) -> tuple[float, str]:
    """The share (fraction) a target must reach, and how the comparator was read.

    ``>=`` and ``>``: the value (for a continuous share they are the same
    event); ``range``: its floor ("met at its floor", as data/README.md
    says); ``approx``: the value, read as "at least about".
    """
    comp = row["comparator"]
    if comp == "range":
        return float(row["low_share"]), "range: met at its floor"
    if comp == "approx":
        return float(row["value_share"]), "approx ('khoảng') read as at least the value"
    return float(row["value_share"]), ""


def plan_units(bundle: Bundle, plan_id: str) -> tuple[str, list[str]]:
    """The run geography of a plan (its own) and the units: it plus every geography it sets targets for."""
    plans = bundle.plans
    hit = plans.loc[plans["plan_id"] == plan_id]
    if hit.empty:
        raise ValueError(f"unknown plan {plan_id!r}; plans: {', '.join(plans['plan_id'])}")
    geo = str(hit["geography"].iloc[0])
    t = bundle.targets[bundle.targets["plan_id"] == plan_id]
    units = [geo] + [g for g in dict.fromkeys(t["geography"]) if g != geo]
    return geo, units


def plan_config(bundle: Bundle, plan_id: str, base: RunConfig = RunConfig()) -> RunConfig:
    """``base`` with years widened to cover the plan's target years (and 2030)."""
    t = bundle.targets[bundle.targets["plan_id"] == plan_id]
    y0 = min([int(base.years[0])] + [int(y) for y in t["year"]])
    y1 = max([int(base.years[-1])] + [int(y) for y in t["year"]])
    return RunConfig(**{**base.__dict__, "years": tuple(range(y0, y1 + 1))})


def peer_panel(bundle: Bundle, indicator: str) -> pd.DataFrame:
    """Exact observations of an indicator across all units: unit, year, value (fractions).

    Ranges and alternative readings are left out; points on a narrower or
    unclear definition are kept (a pace is a change within one unit, where
    the definition is mostly the same from year to year). This is the peer panel of the feasible-progress check; today it is
    thin (the national series and one Long An point), so the check falls
    back to the logistic benchmark and says so.
    """
    obs = bundle.observations
    v = obs["value_share"]
    obs = obs[(v > 0) & (v < 1)]  # exact values only; a 0 % or 100 % point has no logit pace
    rows = []
    for geo in dict.fromkeys(obs.loc[obs["indicator"] == indicator, "geography"]):
        if geo == trends.NATIONAL_GEOGRAPHY and indicator == trends.NATIONAL_INDICATOR:
            series = trends.national_history(obs)
        else:
            series = trends.observations_from_frame(obs, indicator=indicator, geography=geo)
        for o in series:
            if o.value_share is not None and 0 < o.value_share < 1:
                rows.append((geo, int(o.year), float(o.value_share)))
    return pd.DataFrame(rows, columns=["unit", "year", "value"]).drop_duplicates(["unit", "year"])


def with_planner_data(bundle: Bundle, planner: pd.DataFrame) -> Bundle:
    """The bundle with a planner's validated observations added (flagged ``planner_data``).

    A district with observations of its own is then fitted on them instead
    of borrowing its province's trend.
    """
    import dataclasses

    if planner is None or not len(planner):
        return bundle
    extra = planner.assign(flags=planner["flags"].fillna("").astype(str) + ";planner_data")
    obs = pd.concat([bundle.observations, extra], ignore_index=True)
    return dataclasses.replace(bundle, observations=obs)


def _pct(x):
    return 100.0 * x if x is not None and np.isfinite(x) else np.nan


def assess_run(run: ScenarioRun, targets: pd.DataFrame, *, prior: trends.NationalPrior | None = None,
               panel: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Verdict rows for the targets of one run (one row per target and scenario).

    Parameters
    ----------
    run : ScenarioRun
    targets : DataFrame
        Rows of ``bundle.targets`` (any indicators; those not simulated or
        outside the run's units get ``not assessed``). A ``used`` column
        (True for the variant simlib uses) is kept if present.
    prior : NationalPrior, optional
        Logit slope prior of the logistic benchmark (default: derived from
        the bundle's national history).
    panel : mapping indicator -> DataFrame, optional
        Peer panels (default :func:`peer_panel`).

    Returns
    -------
    DataFrame
        Columns: target_id, plan_id, geography, geography_name, indicator,
        variant, used, year, comparator, as_written, target_pct, scenario,
        p_met, verdict, median_pct, q0.1_pct, q0.9_pct, evidence,
        n_points, last_year, last_pct, required_pace_pts,
        required_pace_logit, anticipated_pace_pts, observed_slope_logit,
        pace_ratio, progress_class, anticipated_gap, feasible_tau,
        speed_multiple, feasible_progress, feasible_method, note.
    """
    b: Baseline = run.baseline
    bundle = b.bundle
    prior = prior if prior is not None else trends.derive_national_prior(bundle.observations)
    panel = dict(panel) if panel is not None else {}
    rows = []
    for _, t in targets.iterrows():
        ind, geo, year = t["indicator"], t["geography"], int(t["year"])
        common = {
            "target_id": t["target_id"], "plan_id": t["plan_id"], "geography": geo,
            "geography_name": bundle.geo_name(geo), "indicator": ind, "variant": t.get("variant", ""),
            "used": bool(t.get("used", True)), "year": year, "comparator": t["comparator"],
            "as_written": t["as_written"],
            "target_pct": 100.0 * float(t["low_share"] if t["comparator"] == "range" else t["value_share"]),
        }
        reason = None
        if ind not in INDICATORS:
            reason = f"indicator {ind} is not simulated (no evidence on this definition)"
        elif ind not in b.shares:
            reason = f"indicator {ind} was not part of this run"
        elif geo not in b.units:
            reason = f"{geo} is not a unit of this run"
        elif year not in b.years:
            reason = f"year {year} is outside the simulated years"
        elif not b.evidence[(geo, ind)].assessable:
            reason = b.evidence[(geo, ind)].describe()
        if reason:
            for sc in run.scenarios:
                rows.append({**common, "scenario": sc, "p_met": np.nan, "verdict": NOT_ASSESSED, "note": reason})
            continue
        thr, how = threshold(t)
        ev = b.evidence[(geo, ind)]
        j, k = b.unit_index(geo), b.year_index(year)
        base_med = float(np.median(b.shares[ind][:, j, k]))  # trend + baseline shocks
        pace = fp = None
        pace_extra = {}
        if ev.last_value is not None and ev.last_year is not None and year > ev.last_year:
            pace = progress.required_pace(ev.last_value, ev.last_year, thr, year)
            antic = 100.0 * (base_med - ev.last_value) / (year - ev.last_year)
            ratio, klass = progress.progress_class(antic, pace.points_per_year)
            if ind not in panel:
                panel[ind] = peer_panel(bundle, ind)
            fp = progress.feasible_progress(ev.last_value, ev.last_year, thr, year, panel=panel[ind],
                                            slope_mean=prior.slope_mean, slope_sd=prior.slope_sd)
            pace_extra = {
                "required_pace_pts": pace.points_per_year, "required_pace_logit": pace.logit_per_year,
                "anticipated_pace_pts": antic, "observed_slope_logit": ev.slope_logit,
                "pace_ratio": ratio, "progress_class": klass,
                "anticipated_gap": progress.anticipated_gap(thr, base_med, ev.last_value),
                "feasible_tau": fp.tau_star, "speed_multiple": fp.speed_multiple,
                "feasible_progress": fp.verdict, "feasible_method": fp.method,
            }
        notes = [ev.describe()]
        if how:
            notes.append(how)
        if ev.hops:
            notes.append(f"no evidence for {bundle.geo_name(geo)} itself: "
                         f"{bundle.geo_name(ev.source_geography)}'s trend with a between-unit spread")
        if fp is not None and fp.method != "peer_panel":
            notes.append(fp.note)
        ceiling = b.draws.max_feasible.get(ind)
        if ceiling is not None and thr > float(np.max(ceiling)):
            notes.append(f"the target is above the room-to-move bound for levers (max_feasible_share at most "
                         f"{100 * float(np.max(ceiling)):.1f} %, data/levers.yaml): levers cannot lift a draw to it")
        if b.schools.get(ind) is None or not np.isfinite(b.schools[ind]).all() or not b.cohort_known:
            notes.append("school counts or cohort unknown: counselling levers assume 250 students per teacher "
                         "(full intensity), an optimistic dose")
        for sc in run.scenarios:
            x = run.share(ind, sc)[:, j, k]
            p = float(np.mean(x >= thr - 1e-12))
            q = np.quantile(x, [0.1, 0.5, 0.9])
            rows.append({**common, "scenario": sc, "p_met": p, "verdict": verdict(p),
                         "median_pct": 100 * q[1], "q0.1_pct": 100 * q[0], "q0.9_pct": 100 * q[2],
                         "evidence": ev.source_geography, "n_points": ev.n_points,
                         "last_year": ev.last_year, "last_pct": _pct(ev.last_value), **pace_extra,
                         "note": "; ".join(notes)})
    cols = ["target_id", "plan_id", "geography", "geography_name", "indicator", "variant", "used", "year",
            "comparator", "as_written", "target_pct", "scenario", "p_met", "verdict", "median_pct", "q0.1_pct",
            "q0.9_pct", "evidence", "n_points", "last_year", "last_pct", "required_pace_pts",
            "required_pace_logit", "anticipated_pace_pts", "observed_slope_logit", "pace_ratio",
            "progress_class", "anticipated_gap", "feasible_tau", "speed_multiple", "feasible_progress",
            "feasible_method", "note"]
    return pd.DataFrame(rows).reindex(columns=cols)


@dataclass(frozen=True)
class FeasibilityReport:
    """Verdicts for several plans, with the runs behind them."""

    table: pd.DataFrame
    runs: Mapping[str, ScenarioRun]

    def summary(self, scenario: str | None = None, used_only: bool = True) -> pd.DataFrame:
        """A compact table: target, target %, scenario, P(met), verdict, median %, pace."""
        t = self.table
        if used_only:
            t = t[t["used"]]
        if scenario is not None:
            t = t[t["scenario"] == scenario]
        cols = ["plan_id", "geography_name", "indicator", "year", "as_written", "scenario", "p_met", "verdict",
                "median_pct", "q0.1_pct", "q0.9_pct", "required_pace_pts", "anticipated_pace_pts",
                "feasible_progress"]
        return t[cols].reset_index(drop=True)


def _with_used(targets: pd.DataFrame) -> pd.DataFrame:
    used = set(used_targets(targets)["target_id"])
    return targets.assign(used=targets["target_id"].isin(used))


def feasibility(bundle: Bundle, *, plans: Sequence[str] | None = None,
                scenarios: Sequence[Scenario | str] | None = None, config: RunConfig = RunConfig(),
                levers: LeverSet | None = None) -> FeasibilityReport:
    """Verdicts for every target of the plans (default: all), under every scenario.

    Each plan is one run (its geography and every unit it sets targets for),
    seeded with ``config.seed``, so a plan's verdicts do not depend on which
    other plans are assessed.
    """
    levers = levers if levers is not None else load_levers(bundle.data_dir / "levers.yaml")
    sdir = bundle.data_dir / "scenarios"
    if scenarios is None:
        scenarios = list_scenarios(sdir)
    scs = [s if isinstance(s, Scenario) else load_scenario(s, levers, directory=sdir) for s in scenarios]
    plan_ids = list(plans) if plans else list(bundle.plans["plan_id"])
    targets = _with_used(bundle.targets)
    prior = trends.derive_national_prior(bundle.observations)
    panels = {ind: peer_panel(bundle, ind) for ind in INDICATORS}
    frames, runs = [], {}
    for pid in plan_ids:
        geo, units = plan_units(bundle, pid)
        cfg = plan_config(bundle, pid, config)
        base = simulate_baseline(bundle, geo, cfg, levers=levers, units=units)
        run = run_scenarios(bundle, scs, baseline=base)
        runs[pid] = run
        frames.append(assess_run(run, targets[targets["plan_id"] == pid], prior=prior, panel=panels))
    return FeasibilityReport(pd.concat(frames, ignore_index=True), MappingProxyType(runs))


# --------------------------------------------------------------------------
# inverse solve
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class InverseResult:
    """The smallest lever setting reaching P(met) >= p, or why there is none.

    Attributes
    ----------
    reachable : bool
    value : float
        The setting (NaN when not reachable).
    p_at_value, p_at_max, p_at_min : float
        P(met) at the solution and at the ends of the plausible range.
    cost_vnd : float
        Median cost of the lever (VND, summed over the years up to the
        target year) at the solution; NaN when not reachable.
    message : str
        Plain-language answer.
    """

    lever: str
    setting: str
    unit: str
    indicator: str
    year: int
    target: float
    p: float
    reachable: bool
    value: float
    p_at_value: float
    p_at_min: float
    p_at_max: float
    cost_vnd: float
    evaluations: int
    message: str


def solve_lever(base: Baseline, scenario: Scenario, lever: str, setting: str, *, indicator: str, unit: str,
                year: int, target: float, p: float = 0.5, start_year: int | None = None,
                xtol: float | None = None) -> InverseResult:
    """Smallest value of ``lever.setting`` (held from ``start_year``) with P(share >= target) >= p.

    The other settings of ``scenario`` are kept. With common random numbers
    P(met) is a non-decreasing step function of a lever whose effect draws
    are all positive (price and, mostly, counselling; the counselling prior
    allows negative effects, so P(met) can dip); ``scipy.optimize.brentq``
    brackets the step where it crosses ``p`` and the answer is the right
    end of the bracket, checked to reach ``p``. If even the top of the
    plausible range (from ``data/levers.yaml``) falls short the answer says
    so, and why when the reason is structural (the room-to-move ceiling is
    below the target, or the lever's lag).

    Parameters
    ----------
    target : float
        Share to reach (fraction 0-1).
    start_year : int, optional
        First year the setting applies. Default: the first simulated year,
        i.e. "had the lever been in place from the start", which flatters
        what can be reached; pass the plan's first year for a forward look.
    """
    lv = base.levers.levers.get(lever)
    if lv is None:
        raise ValueError(f"unknown lever {lever!r}; known: {', '.join(base.levers.levers)}")
    if setting not in lv.settings:
        raise ValueError(f"lever {lever} has no setting {setting!r}; settings: {', '.join(lv.settings)}")
    if lv.indicator != indicator:
        raise ValueError(f"lever {lever} acts on {lv.indicator}, not {indicator}")
    st = lv.settings[setting]
    start = int(start_year) if start_year is not None else int(base.years[0])
    j, k = base.unit_index(unit), base.year_index(year)
    cost_years = [y for y in base.years if y <= year]
    evals = 0
    cache: dict[float, tuple[float, float]] = {}

    def prob(x: float) -> float:
        nonlocal evals
        x = float(x)
        if x not in cache:
            evals += 1
            sc = scenario.with_settings(lever, **{setting: {start: x}})
            res = apply_scenario(base, sc)
            share = res.shares[indicator][:, j, k]
            ks = [base.year_index(y) for y in cost_years]
            cost = res.costs[lever][:, j, ks].sum(axis=1) if lever in res.costs else np.zeros(base.n)
            cache[x] = (float(np.mean(share >= target - 1e-12)), float(np.median(cost)))
        return cache[x][0]

    p_min, p_max = prob(st.min), prob(st.max)
    common = dict(lever=lever, setting=setting, unit=unit, indicator=indicator, year=int(year), target=target,
                  p=p, p_at_min=p_min, p_at_max=p_max)
    what = f"{lever}.{setting}"
    if p_max < p:
        why = ""
        ceiling = base.draws.max_feasible.get(indicator)
        if p_max <= p_min and ceiling is not None and target > float(np.max(ceiling)):
            why = (f" The lever cannot change it: the target is above every draw of the room-to-move bound "
                   f"max_feasible_share (at most {100 * float(np.max(ceiling)):.1f} %, data/levers.yaml), so "
                   f"levers add nothing to draws below the target.")
        elif p_max <= p_min and year < start + 1 and lv.mechanism == "counselling":
            why = " The lever cannot change it: counselling acts 1-3 school years after coverage is reached."
        elif p_max < p_min:
            why = " More of this lever lowers P(met) in some draws: its effect prior allows negative effects."
        return InverseResult(**common, reachable=False, value=float("nan"), p_at_value=float("nan"),
                             cost_vnd=float("nan"), evaluations=evals,
                             message=(f"Not reachable with this lever within its plausible range: even at "
                                      f"{what} = {st.max:,.2f} ({st.unit}) from {start}, P(>= {100 * target:.2f} % "
                                      f"in {year}) is {p_max:.2f} (without it {p_min:.2f}), below {p:.2f}."
                                      + why))
    if p_min >= p:
        x = st.min
    else:
        tol = xtol if xtol is not None else 1e-3 * (st.max - st.min)
        lo, hi = st.min, st.max
        x0 = optimize.brentq(lambda x: prob(x) - p + 1e-9, lo, hi, xtol=tol)
        # brentq stops inside the bracket of the step; walk right to a value that reaches p
        x = min(hi, x0)
        while prob(x) < p and x < hi:
            x = min(hi, x + tol)
    return InverseResult(**common, reachable=True, value=float(x), p_at_value=prob(x), cost_vnd=cache[float(x)][1],
                         evaluations=evals,
                         message=(f"{what} = {x:,.2f} ({st.unit}) from {start} gives P(>= {100 * target:.2f} % "
                                  f"in {year}) = {prob(x):.2f} (needed {p:.2f}; {p_min:.2f} without it); median "
                                  f"cost {cache[float(x)][1]:,.0f} VND over {max(start, cost_years[0])}-{year}."))


# --------------------------------------------------------------------------
# target setting and capacity
# --------------------------------------------------------------------------
def target_options(run: ScenarioRun, year: int, probs: Sequence[float] = (0.5, 0.8)) -> pd.DataFrame:
    """Values reachable with probability p in ``year``, per unit, indicator and scenario.

    "Reachable with probability 0.8" is the share the indicator meets or
    exceeds in 80 % of draws: the 20th percentile. Columns: unit,
    unit_name, indicator, scenario, year, ``reach_p50_pct``,
    ``reach_p80_pct`` (percent), evidence, n_points.
    """
    b = run.baseline
    k = b.year_index(year)
    rows = []
    for ind in b.shares:
        for sc in run.scenarios:
            arr = run.share(ind, sc)[:, :, k]
            for j, unit in enumerate(b.units):
                ev = b.evidence[(unit, ind)]
                row = {"unit": unit, "unit_name": b.bundle.geo_name(unit), "indicator": ind, "scenario": sc,
                       "year": int(year)}
                for p in probs:
                    v = np.nan if not ev.assessable else float(np.quantile(arr[:, j], 1.0 - p))
                    row[f"reach_p{round(100 * p)}_pct"] = 100.0 * v
                row.update({"evidence": ev.source_geography, "n_points": ev.n_points})
                rows.append(row)
    return pd.DataFrame(rows)


def capacity_check(run: ScenarioRun, year: int, probs: Sequence[float] = (0.5, 0.9)) -> pd.DataFrame:
    """Vocational new entrants (trung cấp + cao đẳng + sơ cấp) needed vs known intake capacity.

    Capacity comes from observations with indicator ``gdnn_intake_quota``
    for the run's geography (today: one college's quota, so it is a lower
    bound of the province's capacity, and the table says so). Counts exist
    only where the cohort size is known (Long An).
    """
    b = run.baseline
    k = b.year_index(year)
    obs = b.bundle.observations
    quota = obs[(obs["geography"] == b.geography) & (obs["indicator"] == "gdnn_intake_quota")]
    quota = quota.sort_values("year", kind="stable")
    known = float(quota["value"].iloc[-1]) if len(quota) else np.nan
    what = (f"{quota['breakdown'].iloc[-1]} ({int(quota['year'].iloc[-1])}; obs {quota['obs_id'].iloc[-1]})"
            if len(quota) else "no intake capacity in the data")
    rows = []
    for sc in run.scenarios:
        v = run.vocational_entrants(sc)[:, 0, k]
        row = {"scenario": sc, "unit": b.geography, "year": int(year)}
        for p in probs:
            row[f"entrants_q{p:g}"] = float(np.quantile(v, p)) if b.cohort_known else np.nan
        row.update({"capacity_known": known, "capacity_covers": what,
                    "p_entrants_above_known": float(np.mean(v > known)) if b.cohort_known and np.isfinite(known)
                    else np.nan,
                    "note": ("known capacity is one institution only: a lower bound, not the province's capacity"
                             if len(quota) else "capacity unknown") + ("" if b.cohort_known
                                                                       else "; cohort size unknown: no counts")})
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------
# sensitivity (tornado)
# --------------------------------------------------------------------------
def sensitivity(base: Baseline, scenario: Scenario, *, indicator: str, unit: str, year: int,
                target: float | None = None, q: tuple[float, float] = (0.1, 0.9)) -> pd.DataFrame:
    """One-at-a-time sensitivity of a scenario's result to each uncertain input.

    Each input is held at its ``q[0]`` and ``q[1]`` quantile in every draw
    while the others keep their draws: the lever priors of the levers
    active on ``indicator``, the baseline shocks, the combination bound,
    and the trend itself (its path held at the quantile of each year).

    Returns
    -------
    DataFrame
        Columns parameter, low, high, base, low_label, high_label, where the
        outputs are P(share >= target) if ``target`` is given, else the mean
        share in percent. Sorted by swing ``|high - low|``, largest first.
    """
    j, k = base.unit_index(unit), base.year_index(year)

    def out(b: Baseline) -> float:
        x = apply_scenario(b, scenario).shares[indicator][:, j, k]
        return float(np.mean(x >= target - 1e-12)) if target is not None else 100.0 * float(np.mean(x))

    ref = out(base)
    lv = base.levers
    items = []
    for key in scenario.active_levers():
        lever = lv.levers[key]
        if lever.indicator == indicator:
            for name, prior in lever.priors.items():
                items.append(((key, name), prior, f"{key}: {name}"))
    for key, sh in lv.shocks.items():
        if sh["indicator"] == indicator:
            items.append(((f"shock:{key}", "effect"), sh["effect"], f"shock: {key}"))
    if scenario.active_levers() and indicator in lv.max_feasible:
        items.append((("combination", indicator), lv.max_feasible[indicator], "combination: max feasible share"))
    rows = []
    for addr, prior, label in items:
        vals = []
        for qq in q:
            d = draw_levers(lv, base.n, base.config.seed, fixed={addr: prior.quantile(qq)})
            vals.append(out(with_draws(base, draws=d)))
        rows.append({"parameter": label, "low": vals[0], "high": vals[1], "base": ref,
                     "low_label": f"{prior.quantile(q[0]):.3g}", "high_label": f"{prior.quantile(q[1]):.3g}"})
    vals = []
    for qq in q:
        t = {}
        for ind, arr in base.trend.items():
            qa = np.quantile(arr, qq, axis=0)  # (units, years)
            t[ind] = np.broadcast_to(qa, arr.shape).copy() if ind == indicator else arr
        vals.append(out(with_draws(base, trend=t)))
    rows.append({"parameter": "trend (business as usual)", "low": vals[0], "high": vals[1], "base": ref,
                 "low_label": f"q{q[0]:g}", "high_label": f"q{q[1]:g}"})
    df = pd.DataFrame(rows)
    df["swing"] = (df["high"] - df["low"]).abs()
    return df.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
