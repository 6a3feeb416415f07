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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from simlib.assess import progress
from simlib.assess.notes import Note, encode, is_id
from simlib.assess.verdicts import MET, MISSED, NOT_ASSESSED, verdict
from simlib.errors import InputError
from simlib.evidence.series import series_for
from simlib.evidence.targets import Threshold, is_met, p_met, threshold
from simlib.inputs.bundle import Bundle
from simlib.models import trends
from simlib.scenarios.engine import Baseline, ScenarioRun, apply_scenario, with_draws
from simlib.scenarios.levers import Scenario, draw_levers
from simlib.vocab import INTERVAL, MEDIAN, draw_quantiles, interval_columns

__all__ = [
    "plan_units", "assess_run", "InverseResult", "solve_lever", "target_options", "capacity_check", "peer_panel",
    "sensitivity", "TIMINGS", "COLUMNS",
]

#: Names that moved to :mod:`simlib.assess.assessment` (the assessment chain); still reachable from here.
_MOVED = ("feasibility", "assess_targets", "FeasibilityReport", "FAN_PROBS", "Assessment", "AssessmentResult")


def __getattr__(name: str):
    if name in _MOVED:
        from simlib.assess import assessment

        return getattr(assessment, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

#: How a target's year relates to the run's "today" (``as_of``): observed past, estimated past, future.
TIMINGS = ("past_observed", "past_estimated", "future")

#: Columns of the verdict table, in order.
COLUMNS = ["target_id", "plan_id", "geography", "geography_name", "indicator", "variant", "used", "year",
           "comparator", "as_written", "target_pct", "timing", "scenario", "p_met", "verdict", "observed_pct",
           "median_pct", *interval_columns(pct=True), "evidence", "n_points", "last_year", "last_pct",
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


def _past_note(observed: float, year: int, obs_id) -> Note:
    args = {"value": 100 * observed, "year": int(year)}
    if obs_id and is_id(obs_id):
        args["obs"] = str(obs_id)
    return Note("past_observed", args)


def _pct(x):
    return 100.0 * x if x is not None and np.isfinite(x) else np.nan


def _observed(bundle: Bundle, geo: str, ind: str, year: int) -> tuple[float | None, str | None]:
    """The exact observed share of a unit in a year (fraction) and its obs_id, if the evidence has one."""
    for o in series_for(bundle.observations, geo, ind):
        if o.year == year and o.year_first in (None, year) and o.value_share is not None and o.basis == "same":
            return float(o.value_share), o.obs_id
    return None, None


def _evidence_note(ev) -> Note:
    """Where a steered indicator's evidence comes from, as a note."""
    if ev is None or ev.source_geography is None:
        return Note("no_evidence")
    if ev.hops == 0:
        return Note("evidence_own", {"n": ev.n_points})
    return Note("evidence_borrowed", {"n": ev.n_points, "source": ev.source_geography})


def _rests_on_note(ro, code: str = "derived_rests_on") -> Note:
    """What decides a derived indicator: the figures (count, geographies) and the tracks resting on priors."""
    priors = list(dict.fromkeys(tr for comp, ev in ro.parts if ev is None or not ev.assessable for tr in comp.tracks))
    args: dict = {"n": ro.n_points}
    if ro.sources:
        args["sources"] = list(ro.sources)
    if priors:
        args["priors"] = priors
    return Note(code, args)


def _skip_reason(run: ScenarioRun, ind: str, geo: str, year: int) -> Note | None:
    b = run.baseline
    spec = b.registry.get(ind)
    if spec is None or not spec.simulated:
        return Note("not_simulated", {"indicator": ind})
    if spec.role == "steered" and ind not in b.shares:
        return Note("not_in_run", {"indicator": ind})
    if geo not in b.units:
        return Note("not_a_unit", {"geography": geo})
    if year not in b.years:
        return Note("year_outside", {"year": int(year)})
    if spec.role == "steered" and not b.evidence[(geo, ind)].assessable:
        return Note("no_evidence")
    if spec.role == "derived" and b.components:
        ro = b.rests_on(spec, geo)
        if not ro.assessable:
            return _rests_on_note(ro, "derived_no_figures")
    elif spec.role == "derived":
        for origin in spec.origins:
            st = b.steered(origin)
            if st is not None and not b.evidence[(geo, st.id)].assessable:
                return Note("derived_origin_no_evidence", {"origin": origin, "indicator": st.id})
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
        "feasible_progress": fp.verdict, "feasible_method": fp.method, "_fp_units": fp.n_units,
        "_fp_spells": fp.n_episodes,
    }


def _notes(run: ScenarioRun, ind: str, geo: str, thr: Threshold, pace: dict, comparator: str
           ) -> tuple[list[Note], dict]:
    """Why the answer is what it is, as language-free notes (:mod:`simlib.assess.notes`), and the evidence columns."""
    b = run.baseline
    spec = b.registry[ind]
    notes, extra = [], {}
    if spec.role == "steered":
        ev = b.evidence[(geo, ind)]
        notes.append(_evidence_note(ev))
        extra = {"evidence": ev.source_geography, "n_points": ev.n_points, "last_year": ev.last_year,
                 "last_pct": _pct(ev.last_value)}
        ceiling = b.draws.max_feasible.get(ind)
        if ceiling is not None and thr.at_least and thr.value > float(np.max(ceiling)):
            notes.append(Note("above_room", {"max_pct": round(100 * float(np.max(ceiling)), 1)}))
        for lv in b.levers.levers.values():
            if lv.indicator == ind:
                notes.extend(n for n in (Note(code, args) for code, args in lv.caveats(b)) if n not in notes)
    elif b.components:
        ro = b.rests_on(spec, geo)
        notes.append(_rests_on_note(ro))
        extra = {"evidence": ", ".join(ro.sources) or "priors_only", "n_points": ro.n_points}
    else:
        steer = [b.steered(o) for o in spec.origins]
        notes.append(Note("derived_model", {"steered": [s.id for s in steer if s is not None] or "none",
                                            "illustrative": len(b.illustrative)}))
        extra = {"evidence": "flow_model", "n_points": 0}
    if comparator in ("range", "approx"):
        notes.append(Note(f"comparator_{comparator}"))
    if pace.get("feasible_method") in ("logistic_fallback", "none"):
        notes.append(Note("feasible_fallback" if pace["feasible_method"] == "logistic_fallback" else "feasible_none",
                          {"units": pace["_fp_units"], "spells": pace["_fp_spells"]}))
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
    lo_col, hi_col = interval_columns(pct=True)
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
                             "note": reason.encode()})
            continue
        if reason:  # a past target with an observation but no simulation: judge it on the observation alone
            v = MET if is_met(observed, thr) else MISSED
            for sc in run.scenarios:
                rows.append({**common, "timing": timing, "scenario": sc, "p_met": np.nan, "verdict": v,
                             "observed_pct": 100 * observed,
                             "note": encode([_past_note(observed, year, obs_id), reason])})
            continue
        pace = _pace(run, ind, geo, year, thr, prior, panel) if not past else {}
        notes, extra = _notes(run, ind, geo, thr, pace, str(t["comparator"]))
        if timing == "past_observed":
            notes.insert(0, _past_note(observed, year, obs_id))
        elif timing == "past_estimated":
            notes.insert(0, Note("past_estimated", {"year": year}))
        illus = run.is_illustrative(ind)
        j, k = b.unit_index(geo), b.year_index(year)
        pace_cols = {c: v for c, v in pace.items() if not c.startswith("_")}
        for sc in run.scenarios:
            x = run.share(ind, sc)[:, j, k]
            p = p_met(x, thr)
            q = np.quantile(x, [INTERVAL[0], MEDIAN, INTERVAL[1]])
            if timing == "past_observed":
                v = MET if is_met(observed, thr) else MISSED
            else:
                v = verdict(p)
            sc_notes = []
            if past and sc != "baseline":
                if run.results[sc].notes:  # the scenario file starts settings in the past
                    sc_notes.append(Note("scenario_early", {"as_of": int(as_of)}))
                sc_notes.append(Note("past_scenario", {"year": year, "as_of": int(as_of)}))
            rows.append({**common, "timing": timing, "scenario": sc, "p_met": p, "verdict": v,
                         "observed_pct": _pct(observed), "median_pct": 100 * q[1], lo_col: 100 * q[0],
                         hi_col: 100 * q[2], **extra, **pace_cols, "illustrative": illus,
                         "note": encode(notes + sc_notes)})
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


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
        elif p_max <= p_min and (lag := lv.lag_range()) is not None and year < start + lag[0]:
            why = f" The lever cannot change it: {lv.kind} acts {lag[0]:g}-{lag[1]:g} school years after {setting} " \
                  "is reached."
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
    names = {unit: b.bundle.geo_name(unit) for unit in b.units}
    for ind in b.shares:
        for sc in run.scenarios:
            qs = draw_quantiles(run.share(ind, sc)[:, :, k], [1.0 - p for p in probs])  # (probs, units)
            for j, unit in enumerate(b.units):
                ev = b.evidence[(unit, ind)]
                row = {"unit": unit, "unit_name": names[unit], "indicator": ind, "scenario": sc,
                       "year": int(year)}
                for i, p in enumerate(probs):
                    v = np.nan if not ev.assessable else float(qs[i, j])
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
    # what the known capacity covers, as a note: the published intake figure's year and observation id, or none
    covers = {"year": int(quota["year"].iloc[-1])} if len(quota) else {}
    if len(quota) and is_id(quota["obs_id"].iloc[-1]):
        covers["obs"] = str(quota["obs_id"].iloc[-1])
    what = Note("cap_covers", covers).encode() if len(quota) else Note("cap_none").encode()
    one = len(quota) and "one_institution" in str(quota["flags"].iloc[-1] or "")
    base_note = [Note("cap_one" if one else "cap_known" if len(quota) else "cap_unknown")]
    rows = []
    for sc in run.scenarios:
        v = run.vocational_entrants(sc)[:, 0, k]
        row = {"scenario": sc, "unit": b.geography, "year": int(year)}
        for p in probs:
            row[f"entrants_q{p:g}"] = float(np.quantile(v, p)) if b.cohort_known else np.nan
        row.update({"capacity_known": known, "capacity_covers": what,
                    "p_entrants_above_known": float(np.mean(v > known)) if b.cohort_known and np.isfinite(known)
                    else np.nan,
                    "note": encode(base_note + ([] if b.cohort_known else [Note("cohort_unknown")]))})
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
            if ind != indicator:
                t[ind] = arr
                continue
            qa = np.quantile(arr, qq, axis=0)  # (units, years)
            t[ind] = np.broadcast_to(qa, arr.shape).copy()
        vals.append(out(with_draws(base, trend=t)))
    rows.append({"parameter": "trend (business as usual)", "low": vals[0], "high": vals[1], "base": ref,
                 "low_value": float("nan"), "high_value": float("nan"),
                 "low_label": f"q{q[0]:g}", "high_label": f"q{q[1]:g}"})
    df = pd.DataFrame(rows)
    df["swing"] = (df["high"] - df["low"]).abs()
    return df.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
