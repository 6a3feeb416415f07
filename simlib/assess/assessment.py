"""The assessment chain: plan -> baseline (in chunks) -> scenarios -> verdicts -> fans and reach.

One object assesses the targets of a run, whatever asks for it (the report,
the ``feasibility`` command, the notebooks)::

    from simlib.assess import Assessment
    result = Assessment.from_case(inputs, config=RunConfig(n_draws=2000)).run()
    result.verdicts          # one row per target x scenario
    print(result.summary())  # the verdicts in plain words

:class:`Assessment` holds what to assess (a bundle, the run's geography and
units, the plans, the scenarios, a :class:`~simlib.scenarios.engine.RunConfig`)
and runs it in named steps, each a method that can be called on its own:

1. :meth:`Assessment.targets` - the plans' targets, with the variant simlib uses marked;
2. :meth:`Assessment.run_config` - the years widened once to cover every target year;
3. :meth:`Assessment.plan` - the run plan (evidence found and fitted, cohort sized) for all units;
4. :meth:`Assessment.chunks` - the units in chunks (the geography's own first) so memory stays bounded;
5. :meth:`Assessment.scenario_runs` - the scenarios on one chunk's baseline (common random numbers);
6. :func:`~simlib.assess.feasibility.assess_run` - the verdicts of a run's targets;
7. :meth:`Assessment.fans` and :func:`~simlib.assess.feasibility.target_options` - baseline
   quantiles and the values reachable with probability 0.5 and 0.8, for every unit.

:meth:`Assessment.run` chains them and returns an :class:`AssessmentResult`
(frozen): ``verdicts``, ``fans``, ``reach``, ``evidence``, ``runs``, with
:meth:`~AssessmentResult.summary` (text) and
:meth:`~AssessmentResult.summary_frame` (a compact table). Chunking changes
no number: a chunk's baseline is the slice of the whole baseline.

:func:`feasibility` assesses several plans, each on its own run
(:meth:`Assessment.for_plan`); :func:`assess_targets` is the keyword form
of :class:`Assessment` kept for scripts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from simlib.assess.feasibility import COLUMNS, PlanError, assess_run, plan_units, target_options
from simlib.assess.verdicts import NOT_ASSESSED
from simlib.evidence.targets import used_targets
from simlib.inputs.bundle import Bundle
from simlib.models import trends
from simlib.models.assumptions import load_flow_assumptions
from simlib.scenarios.engine import (
    RunConfig,
    RunPlan,
    ScenarioRun,
    apply_scenario,
    chunk_size,
    plan_run,
    progress_bar,
    run_scenarios,
)
from simlib.scenarios.levers import LeverSet, Scenario, list_scenarios, load_levers, load_scenario
from simlib.vocab import FAN_PROBS, interval_columns

__all__ = ["Assessment", "AssessmentResult", "FeasibilityReport", "feasibility", "assess_targets", "FAN_PROBS",
           "SUMMARY_COLUMNS"]

#: Columns of :meth:`AssessmentResult.summary_frame`.
SUMMARY_COLUMNS = ["plan_id", "geography_name", "indicator", "year", "as_written", "timing", "scenario", "p_met",
                   "verdict", "median_pct", *interval_columns(pct=True), "required_pace_pts",
                   "anticipated_pace_pts", "feasible_progress"]


@dataclass(frozen=True)
class AssessmentResult:
    """What an assessment found: verdicts, fans, reach and the evidence behind them.

    Attributes
    ----------
    verdicts : DataFrame
        One row per target and scenario, columns
        :data:`simlib.assess.feasibility.COLUMNS`: P(target met) (fraction
        0-1), verdict, timing, median and 80 % interval (percent), pace,
        feasible progress, the evidence and a note.
    runs : mapping run id -> ScenarioRun
        The runs with their draws (for a chunked run: the chunk holding the
        run's geography, with every scenario).
    fans : DataFrame or None
        Baseline quantiles of every simulated indicator for every unit:
        indicator, unit, year, ``q0.05`` ... ``q0.95`` (fractions,
        :data:`simlib.vocab.FAN_PROBS`).
    reach : DataFrame or None
        Values reachable with probability 0.5 and 0.8 in the last simulated
        year, per unit, indicator and scenario (percent;
        :func:`~simlib.assess.feasibility.target_options`).
    evidence : mapping (unit, indicator) -> Evidence, or None
        Where every unit's trend comes from (all chunks).
    config : RunConfig or None
        The configuration run (years widened to cover every target year).
    """

    verdicts: pd.DataFrame
    runs: Mapping[str, ScenarioRun]
    fans: pd.DataFrame | None = None
    reach: pd.DataFrame | None = None
    evidence: Mapping | None = None
    config: RunConfig | None = None

    @property
    def table(self) -> pd.DataFrame:
        """The verdict table (the earlier name of :attr:`verdicts`)."""
        return self.verdicts

    @property
    def run(self) -> ScenarioRun:
        """The run, when there is one (a case); else the first."""
        return next(iter(self.runs.values()))

    def summary_frame(self, scenario: str | None = None, used_only: bool = True) -> pd.DataFrame:
        """A compact verdict table (:data:`SUMMARY_COLUMNS`): the variant used, one scenario or all."""
        t = self.verdicts
        if used_only:
            t = t[t["used"].astype(bool)]
        if scenario is not None:
            t = t[t["scenario"] == scenario]
        return t[SUMMARY_COLUMNS].reset_index(drop=True)

    def summary(self, scenario: str | None = "baseline") -> str:
        """The verdicts of the targets simlib uses, one line each, in plain English.

        ``scenario``: one scenario (default the baseline) or None for all.
        """
        t = self.summary_frame(scenario)
        lo, hi = interval_columns(pct=True)
        draws = self.config.n_draws if self.config is not None else None
        head = (f"Assessment of {t['plan_id'].nunique()} plan(s), {len(t)} verdict row(s)"
                + (f", {draws:,} draws, seed {self.config.seed}" if draws else "")
                + (f", years {self.config.years[0]}-{self.config.years[-1]}" if self.config is not None else "")
                + (f", scenario {scenario}" if scenario else ""))
        lines = [head]
        for r in t.to_dict("records"):
            what = f"{r['geography_name']}, {r['indicator']} {r['as_written']} in {r['year']}"
            if r["verdict"] == NOT_ASSESSED:
                lines.append(f"- {what} [{r['scenario']}]: not assessed")
                continue
            p = "" if not np.isfinite(r["p_met"]) else f"P(met) {r['p_met']:.2f}, "
            med = ("" if not np.isfinite(r["median_pct"]) else
                   f"; median {r['median_pct']:.1f} %, 80 % interval {r[lo]:.1f}-{r[hi]:.1f} %")
            lines.append(f"- {what} [{r['scenario']}]: {p}{r['verdict']} ({r['timing']}){med}")
        skipped = self.verdicts[self.verdicts["verdict"] == NOT_ASSESSED]["target_id"].nunique()
        lines.append(f"{skipped} target(s) not assessed (the note column says why).")
        return "\n".join(lines)

    @staticmethod
    def combine(results: Sequence[AssessmentResult]) -> AssessmentResult:
        """Several assessments (one per plan) as one result: tables stacked, runs merged."""
        def cat(frames):
            frames = [f for f in frames if f is not None]
            return pd.concat(frames, ignore_index=True) if frames else None

        runs, evidence = {}, {}
        for r in results:
            runs.update(r.runs)
            evidence.update(r.evidence or {})
        return AssessmentResult(cat([r.verdicts for r in results]), MappingProxyType(runs),
                                cat([r.fans for r in results]), cat([r.reach for r in results]),
                                MappingProxyType(evidence), results[0].config if results else None)


#: The earlier name of :class:`AssessmentResult`.
FeasibilityReport = AssessmentResult


def _with_used(targets: pd.DataFrame) -> pd.DataFrame:
    used = set(used_targets(targets)["target_id"])
    return targets.assign(used=targets["target_id"].isin(used))


def _in_order(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows sorted by ``keys``, each key in the order of its first appearance (chunking does not change a table)."""
    order = {k: {v: i for i, v in enumerate(dict.fromkeys(df[k]))} for k in keys}
    return df.sort_values(keys, key=lambda c: c.map(order[c.name]) if c.name in order else c,
                          kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Assessment:
    """What to assess, and the chain that assesses it (:meth:`run`).

    Parameters
    ----------
    bundle : Bundle
        With any case files added (:func:`simlib.inputs.case.load_case_inputs`).
    geography : str
        The run's geo id.
    units : sequence of str
        The run's units, the geography first.
    plans : sequence of str
        Plan ids whose targets are assessed; targets outside ``units`` are
        listed as ``not_assessed``.
    scenarios : sequence of Scenario
        A ``baseline`` scenario is added first when missing.
    config : RunConfig
        Draws, seed, trend method, "today" (``as_of``); the years are widened
        to cover every target year (:meth:`run_config`).
    levers, flow_table : optional
        The lever set and the flow assumptions (default: the bundle's folder).
    as_of : int, optional
        "Today" for the verdicts (past targets are judged on their
        observation or estimated); default ``config.as_of``.
    run_id : str
        Key of the run in the result's ``runs``.
    chunk_units : int, optional
        Simulate at most this many units at a time, one scenario at a time
        (default: all at once). The numbers do not depend on it.
    fan_indicators : sequence of str, optional
        Indicators whose baseline quantiles go into ``fans`` (default: every simulated one).
    """

    bundle: Bundle
    geography: str
    units: tuple[str, ...]
    plans: tuple[str, ...]
    scenarios: tuple[Scenario, ...]
    config: RunConfig = RunConfig()
    levers: LeverSet | None = None
    flow_table: pd.DataFrame | None = None
    as_of: int | None = None
    run_id: str = "run"
    chunk_units: int | None = None
    fan_indicators: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("units", "plans", "scenarios"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.fan_indicators is not None:
            object.__setattr__(self, "fan_indicators", tuple(self.fan_indicators))
        if self.as_of is None and self.config.as_of is not None:
            object.__setattr__(self, "as_of", int(self.config.as_of))

    # ------------------------------------------------------------------
    # ways in
    # ------------------------------------------------------------------
    @classmethod
    def from_case(cls, inputs, *, config: RunConfig | None = None, scenarios: Sequence[str | Scenario] | None = None,
                  as_of: int | None = None, chunk_units: int | str | None = "auto",
                  fan_indicators: Sequence[str] | None = None) -> Assessment:
        """The assessment of a planning case: its units, its plans and benchmarks, its levers and scenarios.

        Parameters
        ----------
        inputs : CaseInputs
            From :func:`simlib.inputs.case.load_case_inputs`.
        config : RunConfig, optional
            Default: the case's years and ``as_of`` with the default draws
            and seed. ``as_of`` is set to the case's when missing.
        scenarios : sequence of names or Scenario, optional
            Default: the case's list, else every scenario file of its folder.
        as_of : int, optional
            "Today" for the verdicts (default: the case's).
        chunk_units : int, "auto" or None
            ``"auto"``: as many units as fit the memory budget
            (:func:`simlib.scenarios.engine.chunk_size`); None: all at once.
        """
        case = inputs.case
        as_of = int(as_of) if as_of is not None else int(case.as_of)
        config = config if config is not None else RunConfig(years=case.years)
        if config.as_of is None:
            config = dataclasses.replace(config, as_of=as_of)
        levers = load_levers(inputs.levers_path)
        flow = load_flow_assumptions(inputs.flow_assumptions_path, observations=inputs.bundle.observations)
        names = list(scenarios) if scenarios else (list(case.scenarios) if case.scenarios is not None
                                                   else list_scenarios(inputs.scenarios_dir))
        scs = tuple(s if isinstance(s, Scenario) else load_scenario(s, levers, directory=inputs.scenarios_dir)
                    for s in names)
        if chunk_units == "auto":
            chunk_units = chunk_size(int(config.n_draws), len(config.years), n_scenarios=len(scs))
        return cls(inputs.bundle, inputs.geography, tuple(inputs.units), tuple(inputs.plans), scs, config,
                   levers=levers, flow_table=flow, as_of=as_of, run_id=case.id, chunk_units=chunk_units,
                   fan_indicators=fan_indicators)

    @classmethod
    def for_plan(cls, bundle: Bundle, plan_id: str, scenarios: Sequence[Scenario], *,
                 config: RunConfig = RunConfig(), levers: LeverSet | None = None,
                 units: Sequence[str] | None = None, as_of: int | None = None) -> Assessment:
        """One plan on its own run: its geography and every unit it sets targets for (or ``units``)."""
        geo, plan_unit_list = plan_units(bundle, plan_id)
        if units is not None:
            plan_unit_list = list(units)
        return cls(bundle, geo, tuple(plan_unit_list), (plan_id,), tuple(scenarios), config, levers=levers,
                   as_of=as_of, run_id=plan_id)

    # ------------------------------------------------------------------
    # the steps
    # ------------------------------------------------------------------
    def targets(self) -> pd.DataFrame:
        """Step 1: the plans' targets (rows of ``bundle.targets``), ``used`` marking the variant simlib uses."""
        t = self.bundle.targets
        return _with_used(t[t["plan_id"].isin(list(self.plans))])

    def run_config(self) -> RunConfig:
        """Step 2: the configuration with its years widened to cover every target year (once)."""
        years = [int(y) for y in self.targets()["year"]]
        c = self.config
        return dataclasses.replace(c, years=tuple(range(min([c.years[0], *years]), max([c.years[-1], *years]) + 1)))

    def plan(self, config: RunConfig | None = None) -> RunPlan:
        """Step 3: the run plan of every unit (evidence found and fitted, cohort sized, lever draws)."""
        return plan_run(self.bundle, self.geography, config if config is not None else self.run_config(),
                        levers=self.levers, flow_table=self.flow_table, units=list(self.units))

    def chunks(self, plan: RunPlan) -> list[list[str]]:
        """Step 4: the units in chunks of at most ``chunk_units``; the geography alone in the first when chunked.

        The geography's own chunk keeps every scenario (province-level tables
        read it); the others are reduced one scenario at a time.
        """
        size = self.chunk_units or len(plan.units)
        if size >= len(plan.units):
            return [list(plan.units)]
        return [[plan.units[0]]] + [list(plan.units[i:i + size]) for i in range(1, len(plan.units), size)]

    def scenario_runs(self, plan: RunPlan, chunk: Sequence[str], main: ScenarioRun | None = None
                      ) -> Iterator[ScenarioRun]:
        """Step 5: the scenarios on the baseline of ``chunk``.

        Without ``main``: one run with every scenario (the first chunk). With
        ``main`` (the first chunk's run): one run per scenario, each holding
        one scenario's draws at a time.
        """
        if main is None:
            yield run_scenarios(self.bundle, self.scenarios, baseline=plan.baseline(chunk))
            return
        base = plan.baseline(chunk)
        for sc in main.scenarios:
            yield ScenarioRun(base, MappingProxyType({sc: apply_scenario(base, main.results[sc].scenario)}))

    def fans(self, run: ScenarioRun) -> list[pd.DataFrame]:
        """Step 7a: baseline quantiles (:data:`simlib.vocab.FAN_PROBS`) of the fan indicators, every unit of ``run``."""
        if "baseline" not in run.results:
            return []
        inds = self.fan_indicators if self.fan_indicators is not None else run.simulated()
        return [run.quantiles(ind, "baseline", probs=FAN_PROBS).assign(indicator=ind) for ind in inds]

    def run(self) -> AssessmentResult:
        """The whole chain: plan, baseline in chunks, scenarios, verdicts, fans and reach."""
        targets = self.targets()
        cfg = self.run_config()
        plan = self.plan(cfg)
        chunks = self.chunks(plan)
        prior = trends.derive_national_prior(self.bundle.observations)
        frames, fans, reach, panels = [], [], [], {}
        outside = targets[~targets["geography"].isin(plan.units)]
        main = next(self.scenario_runs(plan, chunks[0]))
        for k, chunk in enumerate(progress_bar(chunks, len(chunks), cfg.progress, "units")):
            mine = targets[targets["geography"].isin(chunk)]
            if k == 0:
                runs: Sequence[ScenarioRun] | Iterator[ScenarioRun] = [main]
                mine = pd.concat([mine, outside])
            else:
                runs = self.scenario_runs(plan, chunk, main)
            for run in runs:
                frames.append(assess_run(run, mine, prior=prior, panel=panels, as_of=self.as_of))
                reach.append(target_options(run, cfg.years[-1]))
                fans.extend(self.fans(run))
        table = pd.concat(frames, ignore_index=True).reindex(columns=COLUMNS)
        t_order = {tid: i for i, tid in enumerate(targets["target_id"])}
        s_order = {sc: i for i, sc in enumerate(main.scenarios)}
        table = table.sort_values(["target_id", "scenario"], key=lambda c: c.map(t_order if c.name == "target_id"
                                                                                 else s_order), kind="stable")
        table = table.reset_index(drop=True)
        fan = None
        if fans:
            fan = pd.concat(fans, ignore_index=True)
            fan = _in_order(fan[["indicator", "unit", "year", *[c for c in fan.columns if c.startswith("q")]]],
                            ["indicator", "unit", "year"])
        return AssessmentResult(table, MappingProxyType({self.run_id: main}), fan,
                                _in_order(pd.concat(reach, ignore_index=True), ["indicator", "scenario", "unit"]),
                                plan.evidence, cfg)


# --------------------------------------------------------------------------
# the function forms
# --------------------------------------------------------------------------
def feasibility(bundle: Bundle, *, plans: Sequence[str] | None = None,
                scenarios: Sequence[Scenario | str] | None = None, config: RunConfig = RunConfig(),
                levers: LeverSet | None = None, as_of: int | None = None,
                units: Mapping[str, Sequence[str]] | None = None) -> AssessmentResult:
    """Verdicts for every target of the plans (default: all), under every scenario.

    Each plan is one :class:`Assessment` (:meth:`Assessment.for_plan`: its
    geography and every unit it sets targets for, or ``units[plan_id]``),
    seeded with ``config.seed``, so a plan's verdicts do not depend on which
    other plans are assessed. ``as_of``: see
    :func:`~simlib.assess.feasibility.assess_run`.
    """
    levers = levers if levers is not None else load_levers(bundle.data_dir / "levers.yaml")
    sdir = bundle.data_dir / "scenarios"
    if scenarios is None:
        scenarios = list_scenarios(sdir)
    scs = [s if isinstance(s, Scenario) else load_scenario(s, levers, directory=sdir) for s in scenarios]
    plan_ids = list(plans) if plans else list(bundle.plans["plan_id"])
    results = []
    for pid in plan_ids:
        own = units.get(pid) if units is not None else None
        results.append(Assessment.for_plan(bundle, pid, scs, config=config, levers=levers, units=own,
                                           as_of=as_of).run())
    if not results:
        raise PlanError("no plan to assess")
    return AssessmentResult.combine(results)


def assess_targets(bundle: Bundle, *, geography: str, units: Sequence[str], plans: Sequence[str],
                   scenarios: Sequence[Scenario], config: RunConfig = RunConfig(), levers: LeverSet | None = None,
                   flow_table: pd.DataFrame | None = None, as_of: int | None = None, run_id: str = "run",
                   chunk_units: int | None = None, fan_indicators: Sequence[str] | None = None) -> AssessmentResult:
    """``Assessment(bundle, geography, units, plans, scenarios, ...).run()`` (see :class:`Assessment`)."""
    return Assessment(bundle, geography, tuple(units), tuple(plans), tuple(scenarios), config, levers=levers,
                      flow_table=flow_table, as_of=as_of, run_id=run_id, chunk_units=chunk_units,
                      fan_indicators=None if fan_indicators is None else tuple(fan_indicators)).run()
