"""Monte Carlo scenarios: trend draws x lever draws, pushed through the flow engine.

One run is for a geography and some of its sub-units (a province and its
communes, or a former province and its districts). Nothing here names a
province, a plan, an indicator or a year: what an indicator counts comes from
the registry (:mod:`simlib.evidence.indicators`), which figures a unit's
trend rests on from :mod:`simlib.evidence.series`, the cohort from the count
observations (:mod:`simlib.models.cohorts`), and the rest from the lever and
flow-assumption files.

1. **Baseline** (:mod:`simlib.scenarios.baseline`). Each origin's
   destinations are cut into components (``destinations.csv``); each
   component's share is drawn from the trend fitted to its own figures (a
   unit's own, else its nearest ancestor's with the between-unit spread; the
   units of a province by partial pooling), else from its sourced prior, and
   the draws are reconciled to sum to 1. One plausibility bound
   (``max_feasible_share``) caps the steered share, and the baseline shocks
   move students from their start year.
2. **Resolve.** A scenario is resolved once against the run's lever set
   (:meth:`simlib.scenarios.levers.Scenario.resolve`) into a
   :class:`~simlib.scenarios.lever_types.Schedule`: the levers it sets, each
   an object of its type, with its settings, checked.
3. **Effects and combine.** Each lever gives its separate per-draw effect on
   its steered share; the effects combine sub-additively within the room to
   move, only in years after the case's ``as_of`` (the past is past); the
   origin's other destinations give or take in proportion, and levers that
   move students between destinations act next.
4. **Flows.** Every draw goes through :func:`simlib.models.flows.simulate_flows`
   within the limits the levers set (seat caps, share caps and where the
   students above them go); the steered indicator is what comes out of the
   flow engine (caps can lower it), and every *derived* indicator of the
   registry is computed from the flows.
5. **Costs.** Each lever's cost per unit and year, in VND (parameters from
   the lever file; placeholders there make the costs ILLUSTRATIVE).

This module names no lever type: what a lever does is its type's code
(:mod:`simlib.scenarios.lever_types`).

Randomness is seeded and keyed by component (:func:`simlib.scenarios.levers.child_rng`),
so every scenario of a run shares the same trend and lever draws (common
random numbers): a scenario minus the baseline is the levers' effect only,
and a scenario whose levers have zero effect reproduces the baseline exactly.

Years are the calendar year in which the school year ends (2025 = the
graduates of 2024-25), as in ``data/``. Shares are fractions 0-1.
"""


from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np
import pandas as pd

from simlib.errors import InputError
from simlib.evidence.indicators import registry  # noqa: F401 - re-exported for callers
from simlib.inputs.bundle import Bundle
from simlib.models import assumptions as fa
from simlib.models import composition as comp_mod
from simlib.models.flows import PROGRAMMES, Capacity, simulate_flows
from simlib.scenarios.baseline import (  # noqa: F401 - the engine's public surface is re-exported here
    BYTES_PER_CELL_DRAW,
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    TRACKS,
    Baseline,
    RunConfig,
    RunError,
    RunPlan,
    _unit_draws,
    base_destination_shares,
    baseline_shares,
    chunk_size,
    plan_run,
    simulate_baseline,
    unit_hierarchy,
    with_draws,
)
from simlib.scenarios.lever_types import Schedule
from simlib.scenarios.levers import LeverError, LeverSet, Scenario, combine
from simlib.scenarios.results import (  # noqa: F401
    DEFAULT_PROBS,
    VOCATIONAL_TRACKS,
    ScenarioResult,
    ScenarioRun,
    progress_bar,
)
from simlib.scenarios.sources import (  # noqa: F401
    Evidence,
    RestsOn,
    decisive_components,
    evidence_series,
    rests_on,
    unit_list,
)

__all__ = [
    "DEFAULT_DRAWS", "DEFAULT_SEED", "DEFAULT_PROBS", "RunConfig", "Evidence", "Baseline", "ScenarioResult",
    "ScenarioRun", "simulate_baseline", "apply_scenario", "run_scenarios", "unit_list", "baseline_shares",
    "with_draws", "evidence_series", "VOCATIONAL_TRACKS", "base_destination_shares",
    "RunPlan", "plan_run", "chunk_size", "BYTES_PER_CELL_DRAW", "progress_bar", "RestsOn", "rests_on",
    "decisive_components", "scenario_notes",
]

#: The flow engine's outputs a scenario reads (nothing else is computed or stored).
_FLOW_OUTPUTS = ("thcs_graduates", "thpt_graduates", "thcs_intake", "thpt_intake", "programme_enrolment",
                 "thpt_enrolment_total")


def scenario_notes(base: Baseline, scenario: Scenario | Schedule) -> tuple[str, ...]:
    """What a run changes in a scenario as written: settings that ask for years up to ``as_of`` (the past)."""
    a = base.config.as_of
    if a is None:
        return ()
    sched = _schedule(base, scenario)
    early = [y for y in sched.first_years() if y <= a]
    if not early:
        return ()
    return (f"{sched.name}: the file starts some settings in {min(early)}, not after today ({a}); levers, "
            f"quotas and new tracks act from {a + 1} (the past is past)",)


def _schedule(base: Baseline, scenario: Scenario | Schedule) -> Schedule:
    """The scenario resolved against the run's own lever set (checked once per scenario and lever set)."""
    return scenario if isinstance(scenario, Schedule) else scenario.resolve(base.levers, base.years)


#: From this many cells on (draws x units x years), :func:`_combine` combines the levers' effects in one compiled
#: pass (:mod:`simlib.scenarios._numba_combine`, the numpy path's numbers bit for bit) when numba is installed.
COMPILED_FROM = 200_000


def _compiled(s0: np.ndarray, effects: list[np.ndarray], mf: np.ndarray) -> bool:
    """Whether the compiled combination applies: large float64 arrays of one 3-D shape, at most 8 levers."""
    arrs = [s0, *effects]
    if (s0.ndim != 3 or s0.size < COMPILED_FROM or len(effects) > 8 or np.shape(mf) != (s0.shape[0],)
            or any(a.shape != s0.shape or a.dtype != np.float64 or not a.flags.writeable for a in arrs)
            or np.asarray(mf).dtype != np.float64 or not np.asarray(mf).flags.writeable):
        return False
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover - numba is a dependency; numpy is the fallback
        return False
    return True


def _combine(base: Baseline, effects: Mapping[str, Mapping[str, np.ndarray]]):
    """Demand (baseline + combined effects, clipped to [0, 1]) per steered indicator; effects only after ``as_of``."""
    demand, kept, combined = {}, {}, {}
    active = base.active_years().astype(float)[None, None, :]
    for ind, s0 in base.shares.items():
        eff = {k: e * active for k, e in effects.get(ind, {}).items()}  # the past is past
        mf = base.draws.max_feasible[ind] if eff else None
        if eff and _compiled(s0, list(eff.values()), mf):
            from simlib.scenarios import _numba_combine

            comb, demand[ind] = _numba_combine.run(tuple(eff.values()), mf, s0)
        else:
            if eff:
                room = mf[:, None, None] - s0
                comb = combine(list(eff.values()), room)
            else:
                comb = np.zeros_like(s0)
            demand[ind] = np.clip(s0 + comb, 0.0, 1.0)
        kept[ind] = MappingProxyType(eff)
        combined[ind] = comb
    return demand, kept, combined


def _steer(base: Baseline, demand: Mapping[str, np.ndarray], combined: Mapping[str, np.ndarray]) -> dict:
    """Destination shares of each origin with its steered share set to the demand (the others give or take)."""
    active = base.active_years()
    base_dest = base.composition or base_destination_shares(base.flow_table)
    origin_shares = {}
    for origin, dest in base_dest.items():
        ind = base.steered(origin)
        if ind is None or not np.any(combined[ind.id] != 0):
            origin_shares[origin] = dict(dest)
            continue
        now = sum(np.asarray(dest[t]) for t in ind.destinations if t in dest)
        v = np.where(np.isnan(demand[ind.id]), now, demand[ind.id])
        # years up to as_of keep the baseline's shares bit for bit (the past is past)
        origin_shares[origin] = comp_mod.transfer(dest, ind.destinations, v, years=active)
    return origin_shares


def apply_scenario(base: Baseline, scenario: Scenario | Schedule) -> ScenarioResult:
    """Apply one scenario to a baseline: resolve -> effects -> combine -> flows -> costs.

    1. **resolve**: the scenario against the run's lever set
       (:meth:`simlib.scenarios.levers.Scenario.resolve`, checked once);
    2. **effects**: each lever's separate effect on its steered share;
    3. **combine**: sub-additively within the room to move, only after
       ``as_of``; the origin's other destinations give or take in proportion;
       levers that move students between destinations (new tracks) act next;
    4. **flows**: the cohort through :func:`simlib.models.flows.simulate_flows`
       within the levers' limits (seat caps, share caps and where the
       displaced students go);
    5. **costs**: each lever's cost from the seats that follow.

    A scenario without levers (or whose levers have zero effect) gives
    exactly the baseline shares.
    """
    sched = _schedule(base, scenario)
    sc = sched.scenario
    demand, effects, combined = _combine(base, sched.effects(base))
    origin_shares = _steer(base, demand, combined)
    origin_shares["thcs"], moved = sched.reshape(base, origin_shares["thcs"])
    lim = sched.limits(base)
    cohort = pd.DataFrame(base.cohort, index=pd.Index(base.units, name="unit"), columns=list(base.years))
    try:
        params = fa.flow_parameters(
            base.flow_table, thcs_shares=origin_shares["thcs"], thpt_shares=origin_shares["thpt"],
            thcs_capacity=Capacity(lim.seats["thcs"], share_caps=lim.share_caps, reroute=lim.reroute),
            thpt_capacity=Capacity(lim.seats["thpt"]), **base.flow_fields)
        res = simulate_flows(cohort, params, outputs=_FLOW_OUTPUTS)
    except InputError as exc:  # a setting the flows cannot take (e.g. a new track before its first intake)
        where = sc.path.name if sc.path else sc.name
        raise LeverError(f"{where}: {exc}", vi=f"{where}: {exc.text('vi')}") from None
    for arr_q in lim.share_caps.values():
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
        for arr_cap in lim.seats[origin].values():
            capped |= np.isfinite(arr_cap)
        shares[ind_id] = np.where(np.isnan(sh) | capped, sh, demand[ind_id])
    seats = {t: res.track("programme_enrolment", k) for k, t in enumerate(PROGRAMMES)}
    seats["thpt"] = res.thpt_enrolment_total
    costs = sched.costs(base, seats)
    return ScenarioResult(sc, MappingProxyType(shares), MappingProxyType(demand), MappingProxyType(effects),
                          MappingProxyType(combined), MappingProxyType(intake), MappingProxyType(graduates),
                          MappingProxyType(seats), MappingProxyType(costs), lim.any, scenario_notes(base, sched))


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
