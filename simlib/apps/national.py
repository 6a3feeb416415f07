"""The national run (every commune and ward of the country) on one machine or on a Dask cluster.

:func:`national_bundle` adds every province and every commune and ward of the
official map (:mod:`simlib.inputs.places`: 34 provinces, 3,321 units) to a
library bundle; :func:`national_run` assesses the national plans (Decisions
1705 and 2239 by default) for the country and all its units, with every
scenario, in chunks of units.

The chunks are independent: a unit's draws depend only on the seed, its
evidence source and its own name (common random numbers keyed by name, see
:class:`simlib.scenarios.engine.RunPlan`), so a chunk gives the same numbers
wherever and whenever it runs. With ``client=None`` the chunks run one after
the other in this process; with a ``dask.distributed.Client`` they run on the
cluster's workers (:meth:`distributed.Client.map`): the run's plan (evidence
fits, lever draws, cohort) is built once here and sent to every worker once
(:meth:`distributed.Client.scatter`), each task returns plain tables, and the
tables are put together in chunk order. Both give the numbers of
:func:`simlib.assess.feasibility.assess_targets` bit for bit.

Command line: ``python -m simlib national [--scheduler tcp://host:8786 | local]``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from types import MappingProxyType

import pandas as pd

from simlib.assess.feasibility import FAN_PROBS, FeasibilityReport, assess_run, target_options
from simlib.errors import SimlibError
from simlib.evidence.targets import used_targets
from simlib.inputs.bundle import Bundle
from simlib.scenarios.engine import RunConfig, RunPlan, ScenarioRun, apply_scenario, plan_run, run_scenarios
from simlib.scenarios.levers import LeverSet, Scenario

__all__ = ["national_bundle", "national_run", "NATIONAL_PLANS", "DistributedError"]

#: The national plans assessed for every unit by default.
NATIONAL_PLANS = ("qd1705", "qd2239")


class DistributedError(SimlibError):
    """The Dask scheduler cannot be used (dask.distributed not installed, or no scheduler at the address)."""


def national_bundle(bundle: Bundle | None = None, n_units: int | None = None) -> tuple[Bundle, list[str]]:
    """The library bundle with every province and commune of the official map added to its geographies.

    Parameters
    ----------
    bundle : Bundle, optional
        Default: the bundled library (:func:`simlib.inputs.bundle.load_bundle`).
    n_units : int, optional
        Keep only the first ``n_units`` communes and wards (in the map's order,
        province by province); default all 3,321.

    Returns
    -------
    (Bundle, list of str)
        The bundle and the geo ids of the communes and wards (without ``"vn"``).
    """
    from simlib.inputs import places
    from simlib.inputs.bundle import load_bundle
    from simlib.inputs.validation import Reference

    b = bundle if bundle is not None else load_bundle()
    known = set(b.geographies["geo_id"])
    provs = places.provinces()
    rows = [{"geo_id": r.geo_id, "name_vi": r.name, "name_en": r.name, "level": "province", "parent": "vn"}
            for r in provs.itertuples() if r.geo_id not in known]
    units: list[str] = []
    for r in provs.itertuples():
        for x in places.units(r.name).itertuples():
            if x.geo_id not in known:
                rows.append({"geo_id": x.geo_id, "name_vi": x.name_vi, "name_en": x.name_vi,
                             "level": "ward" if x.kind == "ward" else "commune", "parent": r.geo_id})
            units.append(x.geo_id)
            if n_units is not None and len(units) >= n_units:
                break
        if n_units is not None and len(units) >= n_units:
            break
    geos = pd.concat([b.geographies, pd.DataFrame(rows)], ignore_index=True, sort=False)
    b = dataclasses.replace(b, geographies=geos, reference=Reference.build(geos, b.indicators, b.plans))
    return b, units


def _chunk_tables(chunk: Sequence[str], plan: RunPlan, scenarios: Sequence[Scenario], targets: pd.DataFrame,
                  as_of: int | None, fan_indicators: Sequence[str] | None) -> tuple[list, list, list]:
    """Verdict rows, reach and fans of one chunk of units, one scenario at a time (a task on a worker)."""
    base = plan.baseline(list(chunk))
    mine = targets[targets["geography"].isin(list(chunk))]
    frames, reach, fans, panels = [], [], [], {}
    for sc in scenarios:
        run = ScenarioRun(base, MappingProxyType({sc.name: apply_scenario(base, sc)}))
        frames.append(assess_run(run, mine, panel=panels, as_of=as_of))
        reach.append(target_options(run, plan.config.years[-1]))
        if sc.name == "baseline":
            for ind in (fan_indicators if fan_indicators is not None else run.simulated()):
                fans.append(run.quantiles(ind, "baseline", probs=FAN_PROBS).assign(indicator=ind))
    return frames, reach, fans


def _in_order(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    order = {k: {v: i for i, v in enumerate(dict.fromkeys(df[k]))} for k in keys}
    return df.sort_values(keys, key=lambda c: c.map(order[c.name]), kind="stable").reset_index(drop=True)


def national_run(bundle: Bundle, units: Sequence[str], *, scenarios: Sequence[Scenario],
                 plans: Sequence[str] = NATIONAL_PLANS, geography: str = "vn", config: RunConfig = RunConfig(),
                 levers: LeverSet | None = None, flow_table: pd.DataFrame | None = None, as_of: int | None = None,
                 chunk_units: int = 33, client=None, fan_indicators: Sequence[str] | None = None,
                 run_id: str = "national") -> FeasibilityReport:
    """Verdicts of ``plans`` for ``geography`` and ``units``, chunk by chunk, here or on a Dask cluster.

    Parameters
    ----------
    bundle : Bundle
        With every unit in its geographies (:func:`national_bundle`).
    units : sequence of str
        geo ids of the units (communes and wards), without ``geography``.
    scenarios : sequence of Scenario
        A scenario named ``baseline`` is added first if missing.
    plans : sequence of str
        Plan ids whose targets are assessed (default :data:`NATIONAL_PLANS`).
    geography : str
        The run's geography (default ``"vn"``, the country).
    config : RunConfig
        Draws, seed, years (widened to cover every target year).
    levers, flow_table : optional
        Default: the bundle's folder.
    as_of : int, optional
        "Today" (see :func:`simlib.assess.feasibility.assess_run`).
    chunk_units : int
        Units per chunk (a task); memory per task is about
        ``simlib.scenarios.engine.BYTES_PER_CELL_DRAW / 4`` bytes x units x
        draws x years (:func:`simlib.scenarios.engine.chunk_size` picks it from a budget).
    client : distributed.Client, optional
        Run the chunks on this Dask cluster (``Client("tcp://scheduler:8786")``
        or ``Client(LocalCluster(...))``); default: one after the other here.
        The numbers do not depend on it.
    fan_indicators : sequence of str, optional
        Indicators whose baseline quantiles go into ``fans`` (default every simulated one).
    run_id : str
        Key of the run in the report's ``runs``.

    Returns
    -------
    FeasibilityReport
        ``table`` (one row per target and scenario), ``runs`` (the
        geography's own chunk, every scenario), ``fans`` and ``reach`` for
        every unit, ``evidence``: as :func:`simlib.assess.feasibility.assess_targets`
        with ``units=[geography, *units]`` and the same ``chunk_units``.
    """
    all_targets = bundle.targets[bundle.targets["plan_id"].isin(list(plans))]
    used = set(used_targets(all_targets)["target_id"])
    targets = all_targets.assign(used=all_targets["target_id"].isin(used))
    years = [int(y) for y in targets["year"]]
    cfg = RunConfig(**{**config.__dict__, "years": tuple(range(min([config.years[0], *years]),
                                                               max([config.years[-1], *years]) + 1))})
    plan = plan_run(bundle, geography, cfg, levers=levers, flow_table=flow_table, units=[geography, *units])
    size = max(1, int(chunk_units))
    rest = [list(plan.units[i:i + size]) for i in range(1, len(plan.units), size)]
    # the geography's own chunk, every scenario at once, here (its run is kept for province-level tables)
    main = run_scenarios(bundle, scenarios, baseline=plan.baseline([geography]))
    scs = [main.results[n].scenario for n in main.scenarios]
    outside = targets[~targets["geography"].isin(plan.units)]
    mine = pd.concat([targets[targets["geography"] == geography], outside])
    frames = [assess_run(main, mine, panel={}, as_of=as_of)]
    reach = [target_options(main, cfg.years[-1])]
    fans = [main.quantiles(ind, "baseline", probs=FAN_PROBS).assign(indicator=ind)
            for ind in (fan_indicators if fan_indicators is not None else main.simulated())]
    if client is None:
        parts = [_chunk_tables(c, plan, scs, targets, as_of, fan_indicators) for c in rest]
    else:
        shared = client.scatter(plan, broadcast=True, hash=False)  # sent to each worker once, not per task
        futures = client.map(_chunk_tables, rest, plan=shared, scenarios=scs, targets=targets, as_of=as_of,
                             fan_indicators=fan_indicators, pure=False)
        parts = client.gather(futures)  # in chunk order, whichever worker ran which chunk
    for f, r, fa in parts:
        frames += f
        reach += r
        fans += fa
    table = pd.concat(frames, ignore_index=True)
    t_order = {tid: i for i, tid in enumerate(targets["target_id"])}
    s_order = {sc: i for i, sc in enumerate(main.scenarios)}
    table = table.sort_values(["target_id", "scenario"], key=lambda c: c.map(t_order if c.name == "target_id"
                                                                             else s_order), kind="stable")
    fan = pd.concat(fans, ignore_index=True)
    fan = fan[["indicator", "unit", "year", *[c for c in fan.columns if c.startswith("q")]]]
    return FeasibilityReport(table.reset_index(drop=True), MappingProxyType({run_id: main}),
                             _in_order(fan, ["indicator", "unit", "year"]),
                             _in_order(pd.concat(reach, ignore_index=True), ["indicator", "scenario", "unit"]),
                             plan.evidence)


def connect(scheduler: str):
    """A ``distributed.Client`` for ``scheduler``: an address (``tcp://host:8786``), or ``local`` / ``local:N``
    (a LocalCluster of N worker processes on this machine, default one per core).

    Raises
    ------
    DistributedError
        dask.distributed is not installed, or no scheduler answers at the address.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DistributedError("--scheduler needs dask.distributed: pip install 'simlib[distributed]' "
                               "(or: pip install distributed)") from None
    if scheduler == "local" or scheduler.startswith("local:"):
        n = scheduler.partition(":")[2]
        return Client(LocalCluster(n_workers=int(n) if n else None, threads_per_worker=1))
    try:
        return Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise DistributedError(f"no Dask scheduler answers at {scheduler!r} ({exc}); start one with "
                               "'dask scheduler' and workers with 'dask worker <address>'") from None
