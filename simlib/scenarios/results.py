"""A run's results: one scenario's draws (:class:`ScenarioResult`) and scenarios on a shared baseline (:class:`ScenarioRun`)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simlib.evidence.indicators import Indicator
from simlib.evidence.targets import Threshold, p_met
from simlib.scenarios.baseline import Baseline, RunError
from simlib.scenarios.levers import Scenario
from simlib.vocab import draw_quantiles

__all__ = ["DEFAULT_PROBS", "VOCATIONAL_TRACKS", "ScenarioResult", "ScenarioRun", "progress_bar"]

DEFAULT_PROBS = (0.05, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.95)
#: Vocational (GDNN) levels among the flow tracks: entrants to these are "vocational entrants".
VOCATIONAL_TRACKS: tuple[str, ...] = ("so_cap", "trung_cap", "trung_hoc_nghe", "cao_dang")


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
        q = draw_quantiles(arr, probs)  # (probs, units, years); a unit without evidence is NaN throughout
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
        q = draw_quantiles(arr, probs)
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
        keep = [j for j, u in enumerate(b.units) if units is None or u in units]  # only the units asked for
        for sc in scs:
            seats = self._res(sc).seats
            for track in (tracks if tracks is not None else list(seats)):
                q = draw_quantiles(np.asarray(seats[track])[:, keep, :], probs)
                for i, j in enumerate(keep):
                    for k, y in enumerate(b.years):
                        rows.append([sc, track, b.units[j], y, *q[:, i, k]])
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


