"""Feasibility verdicts: P(target met), pace, feasible progress, inverse solve, target setting.

For every rate target whose indicator the scenario engine simulates (steered
or derived, :mod:`simlib.evidence.indicators`) this module reports, under
each scenario:

* **P(target met)** by the target year, from the Monte Carlo draws of
  :mod:`simlib.scenarios.engine`, with a verdict band
  (:mod:`simlib.assess.verdicts`); a target whose year has passed is
  ``met`` / ``missed`` when an observation of that year exists, otherwise
  its P(met) is an *estimate of a past year* (``timing`` says which);
* **required vs anticipated pace** from the latest exact observation, in
  percentage points per year and logit units per year, the ratio of the two
  and the UNSD progress-chart class (:func:`simlib.assess.progress.progress_class`);
* the UNESCAP **anticipated-progress gap** (:func:`simlib.assess.progress.anticipated_gap`);
* the UIS/GEM / World Bank ``sdgtrackr`` style **feasible-progress** check
  (:func:`simlib.assess.progress.feasible_progress`).

And, for planners:

* :func:`solve_lever`: the smallest setting of one lever that reaches
  P(met) >= p (``scipy.optimize.brentq`` on the Monte Carlo with common
  random numbers), with its cost, or a plain "not reachable";
* :func:`target_options`: the value reachable with probability 0.5 and 0.8
  in a future year, per unit and scenario;
* :func:`capacity_check`: vocational entrants needed vs the intake capacity
  known in the data;
* :func:`sensitivity`: one-at-a-time sensitivity (tornado).

Targets whose indicator is not simulated (school shares, indicators whose
destinations are not flow tracks) get the verdict ``not_assessed`` with the
reason. Shares are fractions 0-1 in the API; tables carry percent columns
named ``*_pct``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy import optimize

from simlib.assess import progress
from simlib.assess.verdicts import MET, MISSED, NOT_ASSESSED, verdict
from simlib.errors import InputError
from simlib.evidence.series import series_for
from simlib.evidence.targets import Threshold, is_met, p_met, threshold, used_targets
from simlib.inputs.bundle import Bundle
from simlib.models import trends
from simlib.scenarios.engine import (
    Baseline,
    RunConfig,
    ScenarioRun,
    progress_bar,
    apply_scenario,
    plan_run,
    run_scenarios,
    simulate_baseline,
    with_draws,
)
from simlib.scenarios.levers import LeverSet, Scenario, draw_levers, list_scenarios, load_levers, load_scenario

__all__ = [
    "plan_units", "plan_config", "assess_run", "feasibility", "assess_targets", "FeasibilityReport", "InverseResult", "solve_lever",
    "target_options", "capacity_check", "peer_panel", "sensitivity", "TIMINGS", "COLUMNS",
]

#: How a target's year relates to the run's "today" (``as_of``): observed past, estimated past, future.
TIMINGS = ("past_observed", "past_estimated", "future")

#: Columns of the verdict table, in order.
COLUMNS = ["target_id", "plan_id", "geography", "geography_name", "indicator", "variant", "used", "year",
           "comparator", "as_written", "target_pct", "timing", "scenario", "p_met", "verdict", "observed_pct",
           "median_pct", "q0.1_pct", "q0.9_pct", "evidence", "n_points", "last_year", "last_pct",
           "required_pace_pts", "required_pace_logit", "anticipated_pace_pts", "observed_slope_logit", "pace_ratio",
           "progress_class", "anticipated_gap", "feasible_tau", "speed_multiple", "feasible_progress",
           "feasible_method", "illustrative", "note"]


class PlanError(InputError):
    """A plan id is unknown or a plan cannot be assessed as asked."""


def plan_units(bundle: Bundle, plan_id: str) -> tuple[str, list[str]]:
    """The run geography of a plan (its own) and the units: it plus every geography it sets targets for."""
    plans = bundle.plans
    hit = plans.loc[plans["plan_id"] == plan_id]
    if hit.empty:
        raise PlanError(f"unknown plan {plan_id!r}; plans: {', '.join(plans['plan_id'])}")
    geo = str(hit["geography"].iloc[0])
    t = bundle.targets[bundle.targets["plan_id"] == plan_id]
    units = [geo] + [g for g in dict.fromkeys(t["geography"]) if g != geo]
    return geo, units


def plan_config(bundle: Bundle, plan_id: str, base: RunConfig = RunConfig()) -> RunConfig:
    """``base`` with years widened to cover the plan's target years."""
    t = bundle.targets[bundle.targets["plan_id"] == plan_id]
    y0 = min([int(base.years[0])] + [int(y) for y in t["year"]])
    y1 = max([int(base.years[-1])] + [int(y) for y in t["year"]])
    return RunConfig(**{**base.__dict__, "years": tuple(range(y0, y1 + 1))})


def peer_panel(bundle: Bundle, indicator: str) -> pd.DataFrame:
    """Exact observations of an indicator across all units: unit, year, value (fractions).

    Each unit's series by :func:`simlib.evidence.series.series_for`; ranges
    are left out; points on a narrower or unclear definition are kept (a pace
    is a change within one unit, where the definition is mostly the same from
    year to year). This is the peer panel of the feasible-progress check.
    """
    obs = bundle.observations
    rows = []
    for geo in dict.fromkeys(obs.loc[obs["indicator"] == indicator, "geography"]):
        for o in series_for(obs, geo, indicator):
            if o.value_share is not None:
                rows.append((geo, int(o.year), float(o.value_share)))
    return pd.DataFrame(rows, columns=["unit", "year", "value"]).drop_duplicates(["unit", "year"])


def _pct(x):
    return 100.0 * x if x is not None and np.isfinite(x) else np.nan


def _observed(bundle: Bundle, geo: str, ind: str, year: int) -> tuple[float | None, str | None]:
    """The exact observed share of a unit in a year (fraction) and its obs_id, if the evidence has one."""
    for o in series_for(bundle.observations, geo, ind):
        if o.year == year and o.year_first in (None, year) and o.value_share is not None and o.basis == "same":
            return float(o.value_share), o.obs_id
    return None, None


def _skip_reason(run: ScenarioRun, ind: str, geo: str, year: int) -> str | None:
    b = run.baseline
    spec = b.registry.get(ind)
    if spec is None or not spec.simulated:
        return f"indicator {ind} is not simulated (its destinations are not flow tracks, or it is not a rate)"
    if spec.role == "steered" and ind not in b.shares:
        return f"indicator {ind} was not part of this run"
    if geo not in b.units:
        return f"{geo} is not a unit of this run"
    if year not in b.years:
        return f"year {year} is outside the simulated years"
    if spec.role == "steered" and not b.evidence[(geo, ind)].assessable:
        return b.evidence[(geo, ind)].describe()
    if spec.role == "derived" and b.components:
        ro = b.rests_on(spec, geo)
        if not ro.assessable:
            return (f"derived from the flows; the shares that decide it have no figure for this unit or any parent "
                    f"unit: it {ro.describe()} only")
    elif spec.role == "derived":
        for origin in spec.origins:
            st = b.steered(origin)
            if st is not None and not b.evidence[(geo, st.id)].assessable:
                return (f"derived from the flows, whose {origin.upper()} share ({st.id}) has no evidence for this "
                        "unit or any parent unit")
    return None


def _pace(run: ScenarioRun, ind: str, geo: str, year: int, thr: Threshold, prior, panel) -> dict:
    """Required vs anticipated pace and the feasible-progress check, from the unit's latest exact point."""
    b = run.baseline
    ev = b.evidence.get((geo, ind))
    if ev is None or ev.last_value is None or ev.last_year is None or year <= ev.last_year:
        return {}
    j, k = b.unit_index(geo), b.year_index(year)
    base_med = float(np.median(b.shares[ind][:, j, k]))  # trend + baseline shocks
    pace = progress.required_pace(ev.last_value, ev.last_year, thr.value, year)
    antic = 100.0 * (base_med - ev.last_value) / (year - ev.last_year)
    ratio, klass = progress.progress_class(antic, pace.points_per_year)
    if ind not in panel:
        panel[ind] = peer_panel(b.bundle, ind)
    fp = progress.feasible_progress(ev.last_value, ev.last_year, thr.value, year, panel=panel[ind],
                                    slope_mean=prior.slope_mean, slope_sd=prior.slope_sd)
    return {
        "required_pace_pts": pace.points_per_year, "required_pace_logit": pace.logit_per_year,
        "anticipated_pace_pts": antic, "observed_slope_logit": ev.slope_logit,
        "pace_ratio": ratio, "progress_class": klass,
        "anticipated_gap": progress.anticipated_gap(thr.value, base_med, ev.last_value),
        "feasible_tau": fp.tau_star, "speed_multiple": fp.speed_multiple,
        "feasible_progress": fp.verdict, "feasible_method": fp.method, "_fp_note": fp.note,
    }


def _notes(run: ScenarioRun, ind: str, geo: str, thr: Threshold, pace: dict) -> tuple[list[str], dict]:
    b = run.baseline
    spec = b.registry[ind]
    notes, extra = [], {}
    if spec.role == "steered":
        ev = b.evidence[(geo, ind)]
        notes.append(ev.describe())
        extra = {"evidence": ev.source_geography, "n_points": ev.n_points, "last_year": ev.last_year,
                 "last_pct": _pct(ev.last_value)}
        if ev.hops:
            notes.append(f"no evidence for {b.bundle.geo_name(geo)} itself: "
                         f"{b.bundle.geo_name(ev.source_geography)}'s trend with a between-unit spread")
        ceiling = b.draws.max_feasible.get(ind)
        if ceiling is not None and thr.at_least and thr.value > float(np.max(ceiling)):
            notes.append(f"the target is above the room-to-move bound for levers (max_feasible_share at most "
                         f"{100 * float(np.max(ceiling)):.1f} %, data/levers.yaml): levers cannot lift a draw to it")
        if b.schools.get(ind) is None or not np.isfinite(b.schools[ind]).all() or not b.cohort_known:
            notes.append("school counts or cohort unknown: counselling levers assume 250 students per teacher "
                         "(full intensity), an optimistic dose")
    elif b.components:
        ro = b.rests_on(spec, geo)
        notes.append(f"derived from the cohort flows; it {ro.describe()}")
        extra = {"evidence": ", ".join(ro.sources) or "priors only", "n_points": ro.n_points}
    else:
        steer = [b.steered(o) for o in spec.origins]
        names = ", ".join(s.id for s in steer if s is not None) or "none"
        notes.append(f"derived from the cohort-flow model (steered indicators: {names}; other destination shares "
                     f"from the flow assumptions, {len(b.illustrative)} of them illustrative)")
        extra = {"evidence": "flow model", "n_points": 0}
    if thr.note:
        notes.append(thr.note)
    if pace.get("_fp_note") and pace.get("feasible_method") != "peer_panel":
        notes.append(pace["_fp_note"])
    return notes, extra


def assess_run(run: ScenarioRun, targets: pd.DataFrame, *, prior: trends.NationalPrior | None = None,
               panel: Mapping[str, pd.DataFrame] | None = None, as_of: int | None = None) -> pd.DataFrame:
    """Verdict rows for the targets of one run (one row per target and scenario).

    Parameters
    ----------
    run : ScenarioRun
    targets : DataFrame
        Rows of ``bundle.targets`` (any indicators; those not simulated or
        outside the run's units get ``not_assessed``). A ``used`` column
        (True for the variant simlib uses) is kept if present.
    prior : NationalPrior, optional
        Logit slope prior of the logistic benchmark (default: derived from
        the bundle's national history).
    panel : mapping indicator -> DataFrame, optional
        Peer panels (default :func:`peer_panel`).
    as_of : int, optional
        "Today": the latest year whose graduates have already streamed (2026
        in December 2026). Targets of that year or before are judged as past:
        ``met``/``missed`` against an observation of their year where one
        exists (``observed_pct``), otherwise their P(met) is an estimate of a
        past year (``timing`` = ``past_estimated``). None: every target is
        treated as a forecast.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`.
    """
    b: Baseline = run.baseline
    bundle = b.bundle
    prior = prior if prior is not None else trends.derive_national_prior(bundle.observations)
    panel = dict(panel) if panel is not None else {}
    rows = []
    for t in targets.to_dict("records"):
        ind, geo, year = t["indicator"], t["geography"], int(t["year"])
        thr = threshold(t)
        past = as_of is not None and year <= as_of
        common = {
            "target_id": t["target_id"], "plan_id": t["plan_id"], "geography": geo,
            "geography_name": bundle.geo_name(geo), "indicator": ind, "variant": t.get("variant", ""),
            "used": bool(t.get("used", True)), "year": year, "comparator": t["comparator"],
            "as_written": t["as_written"], "target_pct": 100.0 * thr.value,
        }
        observed, obs_id = _observed(bundle, geo, ind, year) if past else (None, None)
        timing = "future" if not past else ("past_observed" if observed is not None else "past_estimated")
        reason = _skip_reason(run, ind, geo, year)
        if reason and observed is None:
            for sc in run.scenarios:
                rows.append({**common, "timing": timing, "scenario": sc, "p_met": np.nan, "verdict": NOT_ASSESSED,
                             "note": reason})
            continue
        if reason:  # a past target with an observation but no simulation: judge it on the observation alone
            v = MET if is_met(observed, thr) else MISSED
            for sc in run.scenarios:
                rows.append({**common, "timing": timing, "scenario": sc, "p_met": np.nan, "verdict": v,
                             "observed_pct": 100 * observed, "note": f"observed {100 * observed:.2f} % in {year} "
                             f"({obs_id}); {reason}"})
            continue
        pace = _pace(run, ind, geo, year, thr, prior, panel) if not past else {}
        notes, extra = _notes(run, ind, geo, thr, pace)
        if timing == "past_observed":
            notes.insert(0, f"past target: observed {100 * observed:.2f} % in {year} ({obs_id})")
        elif timing == "past_estimated":
            notes.insert(0, f"past target: no observation for {year}; P(met) is the evidence's estimate for that "
                            "past year")
        illus = run.is_illustrative(ind)
        j, k = b.unit_index(geo), b.year_index(year)
        pace_cols = {c: v for c, v in pace.items() if not c.startswith("_")}
        for sc in run.scenarios:
            x = run.share(ind, sc)[:, j, k]
            p = p_met(x, thr)
            q = np.quantile(x, [0.1, 0.5, 0.9])
            if timing == "past_observed":
                v = MET if is_met(observed, thr) else MISSED
            else:
                v = verdict(p)
            sc_notes = list(run.results[sc].notes) if past and sc != "baseline" else []
            if past and sc != "baseline":
                sc_notes.append(f"a past year: every scenario gives the baseline ({year} <= today, {as_of})")
            rows.append({**common, "timing": timing, "scenario": sc, "p_met": p, "verdict": v,
                         "observed_pct": _pct(observed), "median_pct": 100 * q[1], "q0.1_pct": 100 * q[0],
                         "q0.9_pct": 100 * q[2], **extra, **pace_cols, "illustrative": illus,
                         "note": "; ".join(notes + sc_notes)})
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


@dataclass(frozen=True)
class FeasibilityReport:
    """Verdicts for several plans, with the runs behind them.

    Attributes
    ----------
    table : DataFrame
        One row per target and scenario (:data:`COLUMNS`).
    runs : mapping run id -> ScenarioRun
        The runs (for a chunked run: the chunk holding the run's geography).
    fans : DataFrame or None
        Baseline quantiles of every simulated indicator for every unit:
        indicator, unit, year, q0.05 ... q0.95 (fractions), kept when a run
        is chunked so that no unit's draws need to stay in memory.
    reach : DataFrame or None
        :func:`target_options` for every unit in the last simulated year.
    evidence : mapping (unit, indicator) -> Evidence, or None
        Where every unit's trend comes from (all chunks).
    """

    table: pd.DataFrame
    runs: Mapping[str, ScenarioRun]
    fans: pd.DataFrame | None = None
    reach: pd.DataFrame | None = None
    evidence: Mapping | None = None

    def summary(self, scenario: str | None = None, used_only: bool = True) -> pd.DataFrame:
        """A compact table: target, target %, scenario, P(met), verdict, median %, pace."""
        t = self.table
        if used_only:
            t = t[t["used"]]
        if scenario is not None:
            t = t[t["scenario"] == scenario]
        cols = ["plan_id", "geography_name", "indicator", "year", "as_written", "timing", "scenario", "p_met",
                "verdict", "median_pct", "q0.1_pct", "q0.9_pct", "required_pace_pts", "anticipated_pace_pts",
                "feasible_progress"]
        return t[cols].reset_index(drop=True)


def _with_used(targets: pd.DataFrame) -> pd.DataFrame:
    used = set(used_targets(targets)["target_id"])
    return targets.assign(used=targets["target_id"].isin(used))


def feasibility(bundle: Bundle, *, plans: Sequence[str] | None = None,
                scenarios: Sequence[Scenario | str] | None = None, config: RunConfig = RunConfig(),
                levers: LeverSet | None = None, as_of: int | None = None,
                units: Mapping[str, Sequence[str]] | None = None) -> FeasibilityReport:
    """Verdicts for every target of the plans (default: all), under every scenario.

    Each plan is one run (its geography and every unit it sets targets for,
    or ``units[plan_id]``), seeded with ``config.seed``, so a plan's verdicts
    do not depend on which other plans are assessed. ``as_of``: see
    :func:`assess_run`.
    """
    levers = levers if levers is not None else load_levers(bundle.data_dir / "levers.yaml")
    sdir = bundle.data_dir / "scenarios"
    if scenarios is None:
        scenarios = list_scenarios(sdir)
    scs = [s if isinstance(s, Scenario) else load_scenario(s, levers, directory=sdir) for s in scenarios]
    plan_ids = list(plans) if plans else list(bundle.plans["plan_id"])
    targets = _with_used(bundle.targets)
    prior = trends.derive_national_prior(bundle.observations)
    panels: dict[str, pd.DataFrame] = {}
    frames, runs = [], {}
    for pid in plan_ids:
        geo, plan_unit_list = plan_units(bundle, pid)
        if units is not None and pid in units:
            plan_unit_list = list(units[pid])
        cfg = plan_config(bundle, pid, config)
        base = simulate_baseline(bundle, geo, cfg, levers=levers, units=plan_unit_list)
        run = run_scenarios(bundle, scs, baseline=base)
        runs[pid] = run
        frames.append(assess_run(run, targets[targets["plan_id"] == pid], prior=prior, panel=panels, as_of=as_of))
    return FeasibilityReport(pd.concat(frames, ignore_index=True), MappingProxyType(runs))


FAN_PROBS = (0.05, 0.1, 0.2, 0.25, 0.35, 0.5, 0.65, 0.75, 0.8, 0.9, 0.95)  # 80 % and 50 % bands for charts


def assess_targets(bundle: Bundle, *, geography: str, units: Sequence[str], plans: Sequence[str],
                   scenarios: Sequence[Scenario], config: RunConfig = RunConfig(), levers: LeverSet | None = None,
                   flow_table: pd.DataFrame | None = None, as_of: int | None = None, run_id: str = "run",
                   chunk_units: int | None = None, fan_indicators: Sequence[str] | None = None) -> FeasibilityReport:
    """Verdicts for the targets of several plans on one run (one geography and its units).

    This is how a planning case is assessed: its own plan, and national
    plans applied to its geography as benchmarks, share one simulation of
    the case's units. Targets of the plans outside the units are listed as
    ``not_assessed``. Years are widened to cover every target year.

    Parameters
    ----------
    bundle : Bundle
        With the case's files added (:func:`simlib.inputs.case.load_case_inputs`).
    geography, units : str, sequence of str
        The run (the geography first).
    plans : sequence of str
        Plan ids whose targets are assessed.
    scenarios : sequence of Scenario
    config : RunConfig
    levers, flow_table : optional
        The case's lever set and flow assumptions (default: the bundle's folder).
    as_of : int, optional
        "Today" (see :func:`assess_run`).
    run_id : str
        Key of the run in the report's ``runs``.
    chunk_units : int, optional
        Simulate at most this many units at a time, one scenario at a time
        (memory is then set by the chunk, not by the number of units); the
        numbers are the same as unchunked. ``runs`` keeps the geography's own
        chunk with every scenario; ``fans`` and ``reach`` cover every unit.
    fan_indicators : sequence of str, optional
        Indicators whose baseline quantiles go into ``fans`` (default: every simulated one).
    """
    targets = _with_used(bundle.targets[bundle.targets["plan_id"].isin(list(plans))])
    years = [int(y) for y in targets["year"]]
    cfg = RunConfig(**{**config.__dict__, "years": tuple(range(min([config.years[0], *years]),
                                                               max([config.years[-1], *years]) + 1))})
    plan = plan_run(bundle, geography, cfg, levers=levers, flow_table=flow_table, units=list(units))
    size = chunk_units or len(plan.units)
    # the geography's own chunk keeps every scenario (province-level tables read it); the other chunks are
    # reduced one scenario at a time, so memory is one chunk and one scenario
    chunks = [list(plan.units[:size])] if size >= len(plan.units) else \
        [[plan.units[0]]] + [list(plan.units[i:i + size]) for i in range(1, len(plan.units), size)]
    frames, fans, reach, panels = [], [], [], {}
    outside = targets[~targets["geography"].isin(plan.units)]
    main = run_scenarios(bundle, scenarios, baseline=plan.baseline(chunks[0]))
    names = main.scenarios
    for k, chunk in enumerate(progress_bar(chunks, len(chunks), cfg.progress, "units")):
        mine = targets[targets["geography"].isin(chunk)]
        if k == 0:
            runs = [main]
            mine = pd.concat([mine, outside])
        else:
            base = plan.baseline(chunk)
            runs = (ScenarioRun(base, MappingProxyType({sc: apply_scenario(base, main.results[sc].scenario)}))
                    for sc in names)
        for run in runs:
            frames.append(assess_run(run, mine, panel=panels, as_of=as_of))
            reach.append(target_options(run, cfg.years[-1]))
            if "baseline" in run.results:
                for ind in (fan_indicators if fan_indicators is not None else run.simulated()):
                    fans.append(run.quantiles(ind, "baseline", probs=FAN_PROBS).assign(indicator=ind))
    table = pd.concat(frames, ignore_index=True)
    t_order = {tid: i for i, tid in enumerate(targets["target_id"])}
    s_order = {sc: i for i, sc in enumerate(names)}
    table = table.sort_values(["target_id", "scenario"], key=lambda c: c.map(t_order if c.name == "target_id"
                                                                             else s_order), kind="stable")
    table = table.reset_index(drop=True)
    fan = pd.concat(fans, ignore_index=True)
    fan = fan[["indicator", "unit", "year", *[c for c in fan.columns if c.startswith("q")]]]
    return FeasibilityReport(table, MappingProxyType({run_id: main}), _in_order(fan, ["indicator", "unit", "year"]),
                             _in_order(pd.concat(reach, ignore_index=True), ["indicator", "scenario", "unit"]),
                             plan.evidence)


def _in_order(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows sorted by ``keys``, each key in the order of its first appearance (chunking does not change a table)."""
    order = {k: {v: i for i, v in enumerate(dict.fromkeys(df[k]))} for k in keys}
    return df.sort_values(keys, key=lambda c: c.map(order[c.name]) if c.name in order else c,
                          kind="stable").reset_index(drop=True)


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
        raise PlanError(f"unknown lever {lever!r}; known: {', '.join(base.levers.levers)}")
    if setting not in lv.settings:
        raise PlanError(f"lever {lever} has no setting {setting!r}; settings: {', '.join(lv.settings)}")
    if lv.indicator != indicator:
        raise PlanError(f"lever {lever} acts on {lv.indicator}, not {indicator}")
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
            cache[x] = (p_met(share, target), float(np.median(cost)))
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


def capacity_check(run: ScenarioRun, year: int, probs: Sequence[float] = (0.5, 0.9), *,
                   capacity_indicator: str = "gdnn_intake_quota") -> pd.DataFrame:
    """Vocational new entrants (trung cấp + cao đẳng + sơ cấp) needed vs known intake capacity.

    Capacity comes from count observations of ``capacity_indicator`` (places)
    for the run's geography; where the only figure is one institution's quota
    it is a lower bound of the province's capacity, and the table says so.
    Counts exist only where the cohort size is known.
    """
    b = run.baseline
    k = b.year_index(year)
    obs = b.bundle.observations
    quota = obs[(obs["geography"] == b.geography) & (obs["indicator"] == capacity_indicator)]
    quota = quota.sort_values("year", kind="stable")
    known = float(quota["value"].iloc[-1]) if len(quota) else np.nan
    what = (f"{quota['breakdown'].iloc[-1]} ({int(quota['year'].iloc[-1])}; obs {quota['obs_id'].iloc[-1]})"
            if len(quota) else "no intake capacity in the data")
    one = len(quota) and "one_institution" in str(quota["flags"].iloc[-1] or "")
    base_note = ("known capacity is one institution only: a lower bound, not the province's capacity" if one
                 else "known intake capacity" if len(quota) else "capacity unknown")
    rows = []
    for sc in run.scenarios:
        v = run.vocational_entrants(sc)[:, 0, k]
        row = {"scenario": sc, "unit": b.geography, "year": int(year)}
        for p in probs:
            row[f"entrants_q{p:g}"] = float(np.quantile(v, p)) if b.cohort_known else np.nan
        row.update({"capacity_known": known, "capacity_covers": what,
                    "p_entrants_above_known": float(np.mean(v > known)) if b.cohort_known and np.isfinite(known)
                    else np.nan,
                    "note": base_note + ("" if b.cohort_known else "; cohort size unknown: no counts")})
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
        Columns parameter, low, high, base, low_value, high_value (the input's
        setting at each end, in its own unit; NaN for the trend), low_label,
        high_label (those settings as plain text), where the
        outputs are P(share >= target) if ``target`` is given, else the median
        share in percent. Sorted by swing ``|high - low|``, largest first.
    """
    base = base.subset([unit])  # the table reads one unit: simulate only it (the numbers are the same)
    j, k = 0, base.year_index(year)

    def out(b: Baseline) -> float:
        x = apply_scenario(b, scenario).shares[indicator][:, j, k]
        return p_met(x, target) if target is not None else 100.0 * float(np.median(x))  # the report's central value

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
                     "low_value": float(prior.quantile(q[0])), "high_value": float(prior.quantile(q[1])),
                     "low_label": f"{prior.quantile(q[0]):.3g}", "high_label": f"{prior.quantile(q[1]):.3g}"})
    vals = []
    for qq in q:
        t = {}
        for ind, arr in base.trend.items():
            qa = np.quantile(arr, qq, axis=0)  # (units, years)
            t[ind] = np.broadcast_to(qa, arr.shape).copy() if ind == indicator else arr
        vals.append(out(with_draws(base, trend=t)))
    rows.append({"parameter": "trend (business as usual)", "low": vals[0], "high": vals[1], "base": ref,
                 "low_value": float("nan"), "high_value": float("nan"),
                 "low_label": f"q{q[0]:g}", "high_label": f"q{q[1]:g}"})
    df = pd.DataFrame(rows)
    df["swing"] = (df["high"] - df["low"]).abs()
    return df.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
