"""Planning answers: what a grade-10 quota gives, and the seats that follow.

Provinces steer streaming mainly through the public grade-10 quota (chỉ tiêu
tuyển sinh lớp 10 công lập). :func:`quota_options` answers "what quota gives
which streaming share, and how many trung cấp / trung học nghề / GDTX seats
follow?": for each quota (a share of THCS graduates) it runs the scenario
with that quota on the same draws (common random numbers, so differences
between rows are the quota's effect, not noise) and reports, for one unit and
year, the median and 80 % interval of the shares that matter and the median
seats by programme, with P(met) for any targets given.
:func:`defendable_targets` answers "what target can each unit defend?": for
every unit, indicator (steered or derived from the flows) and scenario, the
share reached with probability 0.5 and 0.8, and P(met) of a target such as a
national benchmark applied to every unit.

Shares are fractions 0-1 in the API; the table has percent columns
(``*_pct``) and seats in students.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from simlib.evidence.targets import p_met, threshold, used_targets
from simlib.scenarios.engine import Baseline, ScenarioRun, apply_scenario, run_scenarios
from simlib.scenarios.levers import Scenario

__all__ = ["QUOTA_INDICATORS", "QUOTA_SEATS", "quota_options", "defendable_targets"]

#: Indicators reported for each quota (registry ids; those not simulated are skipped).
QUOTA_INDICATORS = ("thcs_to_thpt_public", "thcs_to_gdnn_sc_tc", "thcs_to_vocational", "thcs_transition",
                    "vet_share_pooled")
#: Programmes whose seats are reported (flow tracks; "thpt" is grades 10-12).
QUOTA_SEATS = ("thpt", "gdtx", "trung_cap", "trung_hoc_nghe", "so_cap", "cao_dang")


def quota_options(base: Baseline, shares: Sequence[float], *, year: int, from_year: int, unit: str | None = None,
                  scenario: Scenario | None = None, targets: pd.DataFrame | None = None,
                  indicators: Sequence[str] = QUOTA_INDICATORS, seats: Sequence[str] = QUOTA_SEATS) -> pd.DataFrame:
    """One row per public grade-10 quota: streaming shares, seats and P(met) in ``year``.

    Parameters
    ----------
    base : Baseline
        The run (:func:`simlib.scenarios.engine.simulate_baseline`).
    shares : sequence of float
        Quotas to try, as shares (0-1) of THCS graduates (within the lever
        file's plausible range, ``quota.grade10_public_share``).
    year : int
        Year whose numbers are reported (e.g. 2030).
    from_year : int
        First year the quota applies (e.g. the next intake).
    unit : str, optional
        geo id (default the run's geography).
    scenario : Scenario, optional
        Other settings kept (levers, tracks); default none (the baseline).
    targets : DataFrame, optional
        Target rows (library format) of ``unit`` in ``year``; their P(met)
        under each quota is added as ``p_met:<target_id>``.
    indicators, seats : sequence of str

    Returns
    -------
    DataFrame
        Columns quota_pct, then for each indicator ``<id>_pct`` (median) with
        ``<id>_q0.1_pct`` and ``<id>_q0.9_pct``, then ``seats_<track>``
        (median students), then ``p_met:<target_id>``. The first row is the
        baseline without a quota (quota_pct NaN).
    """
    unit = unit or base.geography
    j, k = base.unit_index(unit), base.year_index(year)
    sc0 = scenario if scenario is not None else Scenario("baseline")
    run = run_scenarios(base.bundle, [], baseline=base) if scenario is None else \
        run_scenarios(base.bundle, [sc0], baseline=base)
    simulated = set(run.simulated())
    inds = [i for i in indicators if i in simulated]
    rows = [_row(run, sc0.name, np.nan, inds, seats, targets, j, k)]
    for q in shares:
        sc = sc0.with_quota(grade10_public_share={int(from_year): float(q)})
        sc = Scenario(f"quota_{q:g}", sc.title_en, sc.title_vi, sc.description, sc.settings, sc.capacity, sc.path,
                      sc.quota, sc.tracks)
        r = ScenarioRun(base, {sc.name: apply_scenario(base, sc)})
        rows.append(_row(r, sc.name, round(100.0 * float(q), 9), inds, seats, targets, j, k))
    return pd.DataFrame(rows)


def _row(run: ScenarioRun, name: str, quota_pct: float, inds, seats, targets, j: int, k: int) -> dict:
    row = {"quota_pct": quota_pct}
    for ind in inds:
        x = run.share(ind, name)[:, j, k]
        q10, q50, q90 = np.quantile(x, [0.1, 0.5, 0.9])
        row.update({f"{ind}_pct": 100 * q50, f"{ind}_q0.1_pct": 100 * q10, f"{ind}_q0.9_pct": 100 * q90})
    res = run.results[name]
    for t in seats:
        if t in res.seats:
            row[f"seats_{t}"] = float(np.median(res.seats[t][:, j, k]))
    if targets is not None:
        for tr in targets.to_dict("records"):
            if tr["indicator"] in inds:
                row[f"p_met:{tr['target_id']}"] = p_met(run.share(tr["indicator"], name)[:, j, k], threshold(tr))
    return row


def defendable_targets(run: ScenarioRun, year: int, *, indicators: Sequence[str] | None = None,
                       probs: Sequence[float] = (0.5, 0.8), targets: pd.DataFrame | None = None,
                       units: Sequence[str] | None = None) -> pd.DataFrame:
    """The share each unit can defend in ``year``, per indicator and scenario, with P(met) of a target.

    "Defendable with probability p" is the share met or exceeded in a fraction
    p of the draws (the (1-p) quantile), as in
    :func:`simlib.assess.feasibility.target_options`, but for every simulated
    indicator, derived ones included (e.g. ``thcs_transition``,
    ``vet_share_pooled``, which come from the cohort-flow model).

    Parameters
    ----------
    run : ScenarioRun
    year : int
        Year of the targets (e.g. 2030).
    indicators : sequence of str, optional
        Registry ids (default: every simulated indicator, :meth:`ScenarioRun.simulated`).
    probs : sequence of float
        Probabilities (0-1); one column ``reach_p<100 p>_pct`` each.
    targets : DataFrame, optional
        Target rows (library format) in ``year``. A unit's own target is used
        where it has one, else the run geography's target (a national or
        provincial target applied to every unit); of several variants, the
        used one (:func:`simlib.evidence.targets.used_targets`).
    units : sequence of str, optional
        Default: every unit of the run.

    Returns
    -------
    DataFrame
        One row per unit, indicator and scenario: unit, unit_name, indicator,
        scenario, year, ``reach_p50_pct``, ``reach_p80_pct`` (percent),
        evidence (the trend's source geography, or ``flow model`` for a derived
        indicator, None without evidence), n_points, illustrative (the draws rest
        on illustrative flow inputs), and when ``targets`` has one for the
        indicator: target_id, target_pct (the threshold, percent), target_of
        (``own`` or the geography), p_met (fraction 0-1). Shares are NaN for a
        unit without evidence.

    """
    b = run.baseline
    k = b.year_index(year)
    inds = list(indicators) if indicators is not None else run.simulated()
    units = list(units) if units is not None else list(b.units)
    own: dict = {}
    if targets is not None and len(targets):
        t = used_targets(targets[targets["year"] == int(year)])
        for r in t.to_dict("records"):
            own.setdefault((r["geography"], r["indicator"]), r)
    rows = []
    for ind in inds:
        steered = ind in b.shares
        for sc in run.scenarios:
            arr = run.share(ind, sc)[:, :, k]
            for unit in units:
                j = b.unit_index(unit)
                x = arr[:, j]
                ev = b.evidence.get((unit, ind)) if steered else None
                row = {"unit": unit, "unit_name": b.bundle.geo_name(unit), "indicator": ind, "scenario": sc,
                       "year": int(year)}
                nan = bool(np.isnan(x).all())
                for p in probs:
                    row[f"reach_p{round(100 * p)}_pct"] = np.nan if nan else 100.0 * float(np.nanquantile(x, 1.0 - p))
                row.update({"evidence": (ev.source_geography if ev is not None else None) if steered
                            else (None if nan else "flow_model"),
                            "n_points": ev.n_points if ev is not None else 0,
                            "illustrative": run.is_illustrative(ind)})
                tr = own.get((unit, ind)) or own.get((b.geography, ind))
                if tr is not None:
                    thr = threshold(tr)
                    row.update({"target_id": tr["target_id"], "target_pct": 100.0 * thr.value,
                                "target_of": "own" if (unit, ind) in own else b.geography, "p_met": p_met(x, thr)})
                rows.append(row)
    return pd.DataFrame(rows)
