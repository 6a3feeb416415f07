"""The main job: compute a case once, then write its tables, charts, workbook and HTML page in each language.

``python -m simlib report [--case ID|DIR] [--lang vi|en|vi,en] [--out DIR] [--data DIR] [--planner FILE]
[--draws N] [--seed S]`` writes, for each language (into ``--out`` for one
language, ``--out/<lang>/`` for several):

Tables (CSV, column keys as headers, decimal point; for scripts; the same in every language):

* ``audit.csv``, ``audit_{gaps,aggregates,contradictions,outliers}.csv``, ``audit.txt``: the target audit;
* ``feasibility.csv``: every target of the case x scenario: timing (past or
  future), P(met), verdict, observed value of a past year, median and 80 %
  interval, pace, feasible progress, notes;
* ``targets_reachable.csv``: values reachable with probability 0.5 and 0.8 in
  the case's last year, per unit and scenario;
* ``contributions.csv``, ``sensitivity.csv``, ``costs.csv``, ``capacity.csv``,
  ``seats.csv``, ``priors.csv``.

Charts (PNG for documents, SVG for print; labels in the report's language):
``targets_vs_evidence``; ``fan_<indicator>`` for each headline indicator;
``units_<indicator>`` (small multiples of the sub-units); ``p_met``;
``waterfall_<indicator>`` and ``tornado_<indicator>`` for the first headline
indicator that levers act on.

``simlib_report.xlsx`` (one sheet per table, headers in the report's
language, a README sheet), ``summary.html`` (self-contained), ``run.json``
(parameters, seed, simlib version, SHA-256 of every input file).

Inputs are validated first and files are written to a temporary folder and
moved into place only when everything succeeded: a failed run leaves nothing
partial. Identical inputs give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import simlib
from simlib.assess import feasibility as F
from simlib.assess.verdicts import NOT_ASSESSED
from simlib.evidence.audit import AuditResult, audit
from simlib.evidence.series import series_for
from simlib.evidence.targets import threshold, used_targets
from simlib.inputs.case import Case, CaseInputs, load_case, load_case_inputs
from simlib.models.assumptions import load_flow_assumptions
from simlib.present import charts, i18n
from simlib.present.export import Section, write_html_summary, write_workbook
from simlib.present.plots import plot_targets_vs_evidence, save_figure
from simlib.scenarios.engine import DEFAULT_DRAWS, DEFAULT_SEED, RunConfig, ScenarioRun
from simlib.scenarios.levers import LeverSet, Scenario, list_scenarios, load_levers, load_scenario

__all__ = ["ReportData", "compute", "render", "run_report", "history_frame", "sensitivity_label"]

_TEXT = {
    "title": {"vi": "Phân luồng học sinh: khả năng đạt mục tiêu", "en": "Student streaming: can the targets be met?"},
    "headline": {"vi": "Kết luận chính", "en": "Headline"},
    "verdicts": {"vi": "Đánh giá từng mục tiêu", "en": "Verdicts by target"},
    "districts": {"vi": "Các đơn vị", "en": "Units"},
    "levers": {"vi": "Đòn bẩy chính sách", "en": "Policy levers"},
    "targets_2030": {"vi": "Mục tiêu có thể bảo vệ cho năm {year}", "en": "Targets a plan can defend for {year}"},
    "evidence": {"vi": "Mục tiêu và số liệu", "en": "Targets and evidence"},
    "caveats": {"vi": "Lưu ý", "en": "Caveats"},
    "fan_title": {"vi": "{geo}: {ind}", "en": "{geo}: {ind}"},
    "districts_title": {"vi": "Các đơn vị, mục tiêu năm {year}: {ind}\n({k}/{m} đơn vị không có số liệu riêng: dùng "
                              "xu hướng của cấp trên)",
                        "en": "Units, {year} targets: {ind}\n({k} of {m} units have no evidence of their own: "
                              "the parent's trend is used)"},
    "p_met_title": {"vi": "Xác suất đạt mục tiêu năm {year}, theo kịch bản",
                    "en": "Probability of meeting the {year} targets, by scenario"},
    "waterfall_title": {"vi": "Đóng góp vào tỷ lệ năm {year}: {scenario} (trung bình các lần mô phỏng)",
                        "en": "What makes up the {year} share: {scenario} (mean over draws)"},
    "tornado_title": {"vi": "Độ nhạy của tỷ lệ năm {year} ({scenario})",
                      "en": "Sensitivity of the {year} share ({scenario})"},
    "source_fan": {"vi": "Số liệu: {evidence}; mục tiêu: {plan}; xu hướng {method} với tiên nghiệm quốc gia; "
                         "cú sốc trong kịch bản cơ sở theo giả định chuyên gia ({levers}); {n} lần mô phỏng, seed {seed}",
                   "en": "Data: {evidence}; targets: {plan}; {method} trend with a national prior; baseline shocks "
                         "are judgement priors ({levers}); {n} draws, seed {seed}"},
    "source_short": {"vi": "{evidence}, mục tiêu: {plan}, {levers} (giả định chuyên gia); {n} lần mô phỏng, seed {seed}",
                     "en": "{evidence}, targets: {plan}, {levers} (judgement priors); {n} draws, seed {seed}"},
    "source_levers": {"vi": "Tác động đòn bẩy: tiên nghiệm theo đánh giá chuyên gia từ bằng chứng nước ngoài "
                            "({levers}); {n} lần mô phỏng, seed {seed}",
                      "en": "Lever effects: judgement priors from non-Vietnamese evidence ({levers}); {n} draws, "
                            "seed {seed}"},
}


def _tx(key: str, lang: str, **kw) -> str:
    return _TEXT[key][lang].format(**kw) if kw else _TEXT[key][lang]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def history_frame(observations: pd.DataFrame, geography: str, indicator: str,
                  readings: str = "primary") -> pd.DataFrame:
    """Observations of one series as the ``history`` table of :func:`simlib.present.charts.fan_chart`.

    Columns year, value, low, high (fractions, NaN when absent), high_open,
    same_definition, planner (True for rows from a planner's file).
    """
    series = series_for(observations, geography, indicator, readings=readings)
    rows = [{"year": o.t_mid, "value": o.value_share if o.value_share is not None else np.nan,
             "low": o.low_share if o.low_share is not None else np.nan,
             "high": o.high_share if o.high_share is not None else np.nan,
             "high_open": bool(o.high_open), "same_definition": o.basis == "same",
             "planner": "planner_data" in o.flag_set} for o in series]
    return pd.DataFrame(rows, columns=["year", "value", "low", "high", "high_open", "same_definition", "planner"])


# --------------------------------------------------------------------------
# compute (once per run, whatever the languages)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportData:
    """Everything a report shows, computed once.

    Attributes
    ----------
    inputs : CaseInputs
    config : RunConfig
    levers : LeverSet
    scenarios : list of Scenario
    audit : AuditResult
    report : FeasibilityReport
    run : ScenarioRun
        The case's run (its geography and units).
    tables : dict name -> DataFrame
        The CSV tables (machine-readable keys, fractions as percent columns named ``*_pct``).
    lever_scenario : Scenario or None
        The scenario whose lever contributions and sensitivities are shown.
    lever_indicator : str or None
        The headline indicator levers act on (waterfall, tornado).
    """

    inputs: CaseInputs
    config: RunConfig
    levers: LeverSet
    scenarios: list
    audit: AuditResult
    report: F.FeasibilityReport
    run: ScenarioRun
    tables: dict
    lever_scenario: Scenario | None
    lever_indicator: str | None

    @property
    def case(self) -> Case:
        return self.inputs.case

    @property
    def used(self) -> pd.DataFrame:
        """The case's targets simlib uses (appendix over body), within the run's units."""
        b = self.inputs.bundle
        t = used_targets(b.targets[b.targets["plan_id"].isin(self.inputs.plans)])
        return t[t["geography"].isin(self.run.baseline.units)]

    def headline(self) -> list[str]:
        """Headline indicators: the case's, else the registry's, that this run simulates."""
        reg = self.run.baseline.registry
        wanted = list(self.case.headline) or [i.id for i in reg.headline()]
        return [i for i in wanted if i in self.run.simulated()]


def _lever_choice(run: ScenarioRun, scenarios: Sequence[Scenario], headline: Sequence[str]):
    """The scenario with the most active levers, and the first headline indicator they act on."""
    active = [s for s in scenarios if s.active_levers()]
    if not active:
        return None, None
    sc = max(active, key=lambda s: (len(s.active_levers()), -scenarios.index(s)))
    lv = run.baseline.levers
    acted = {lv.levers[k].indicator for k in sc.active_levers()}
    ind = next((i for i in headline if i in acted and i in run.baseline.shares), None)
    return sc, ind


def _tables(rep: F.FeasibilityReport, run: ScenarioRun, levers: LeverSet, lever_sc, lever_ind) -> dict:
    b = run.baseline
    geo, last = b.geography, b.years[-1]
    tables = {"feasibility": rep.table.copy(), "targets_reachable": F.target_options(run, last)}
    rows = []
    for ind in b.shares:
        for sc in run.scenarios:
            for part, v in run.contributions(ind, sc, geo, last).items():
                rows.append({"indicator": ind, "scenario": sc, "unit": geo, "year": last, "part": part,
                             "contribution_pp": 100.0 * v})
    tables["contributions"] = pd.DataFrame(rows)
    if lever_sc is not None and lever_ind is not None:
        sens = F.sensitivity(b, lever_sc, indicator=lever_ind, unit=geo, year=last)
        tables["sensitivity"] = sens.assign(indicator=lever_ind, scenario=lever_sc.name, year=last,
                                            output="mean share (%)")
    tables["costs"] = run.cost_table()
    tables["capacity"] = F.capacity_check(run, last)
    tables["seats"] = run.seats_table(units=[geo])
    tables["priors"] = levers.priors_frame()
    return tables


def _say(progress, message: str) -> None:
    if callable(progress):
        progress(message)


def compute(case: Case | str | Path, *, data_dir: str | Path | None = None, planner_file: str | Path | None = None,
            n_draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED, progress=None) -> ReportData:
    """Validate a case's inputs, run the audit, the scenarios and the verdicts.

    Parameters
    ----------
    case : Case, bundled case id or folder
    data_dir : path, optional
        The library folder (default: the bundled ``data/``).
    planner_file : path, optional
        A planner's observations: adds evidence (a unit's own rates) and graduate counts.
    n_draws, seed : int
        Monte Carlo size and seed (recorded in ``run.json``).
    progress : callable, bool or None
        A callable gets one line per stage (the command line prints them in a
        terminal); True/None/False set the Monte Carlo progress bar (None: only in a terminal).
    """
    case = case if isinstance(case, Case) else load_case(case, data_dir=data_dir)
    _say(progress, f"reading and validating the inputs of case {case.id}")
    inputs = load_case_inputs(case, data_dir=data_dir, planner_file=planner_file)
    bundle = inputs.bundle
    levers = load_levers(inputs.levers_path)
    flow = load_flow_assumptions(inputs.flow_assumptions_path, observations=bundle.observations)
    names = list(case.scenarios) if case.scenarios is not None else list_scenarios(inputs.scenarios_dir)
    scenarios = [load_scenario(n, levers, directory=inputs.scenarios_dir) for n in names]
    own = [p for p in inputs.plans if p not in case.benchmarks]
    planner_rows = bundle.observations[bundle.observations["flags"].fillna("").str.contains("planner_data")]
    aud = audit(bundle, plans=own, planner_data=planner_rows if len(planner_rows) else None)
    config = RunConfig(years=case.years, n_draws=int(n_draws), seed=int(seed), as_of=case.as_of,
                       progress=None if callable(progress) else progress)
    _say(progress, f"simulating {len(inputs.units)} unit(s) x {len(scenarios)} scenario(s) x {int(n_draws):,} draws")
    rep = F.assess_targets(bundle, geography=inputs.geography, units=inputs.units, plans=inputs.plans,
                           scenarios=scenarios, config=config, levers=levers, flow_table=flow, as_of=case.as_of,
                           run_id=case.id)
    run = rep.runs[case.id]
    reg = run.baseline.registry
    headline = [i for i in (list(case.headline) or [x.id for x in reg.headline()]) if i in run.simulated()]
    lever_sc, lever_ind = _lever_choice(run, scenarios, headline)
    _say(progress, "tables: targets reachable, contributions, sensitivity, costs, seats")
    tables = _tables(rep, run, levers, lever_sc, lever_ind)
    return ReportData(inputs, config, levers, scenarios, aud, rep, run, tables, lever_sc, lever_ind)


# --------------------------------------------------------------------------
# render (per language)
# --------------------------------------------------------------------------
def _save(fig, folder: Path, name: str) -> list[str]:
    save_figure(fig, folder / f"{name}.png")
    save_figure(fig, folder / f"{name}.svg")
    plt.close(fig)
    return [f"{name}.png", f"{name}.svg"]


def _csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", float_format="%.4f")


def _sources(data: ReportData, lang: str) -> dict[str, str]:
    n, sd = f"{data.config.n_draws:,}", data.config.seed
    ev = ", ".join(["data/observations.csv"] + [p.name for p in data.inputs.planner_files])
    plan = ", ".join(p for p in data.inputs.plans)
    lev = data.inputs.levers_path.name
    method = data.config.method
    return {"fan": _tx("source_fan", lang, evidence=ev, plan=plan, method=method, levers=lev, n=n, seed=sd),
            "short": _tx("source_short", lang, evidence=ev, plan=plan, levers=lev, n=n, seed=sd),
            "levers": _tx("source_levers", lang, levers=lev, n=n, seed=sd)}


def _target_lines(data: ReportData, ind: str, unit: str, lang: str) -> list[tuple]:
    used = data.used
    tg = used[(used["indicator"] == ind) & (used["geography"] == unit)]
    return [(i18n.t("target", lang) + f" {int(r['year'])} ({r['as_written']})", threshold(r).value, int(r["year"]))
            for r in tg.to_dict("records")]


def _fan_charts(data: ReportData, lang: str, folder: Path) -> dict[str, list[str]]:
    run, b = data.run, data.run.baseline
    geo, reg = b.geography, b.registry
    bundle = data.inputs.bundle
    src = _sources(data, lang)
    out = {}
    for ind in data.headline():
        ev = b.evidence.get((geo, ind))
        hist = history_frame(bundle.observations, ev.source_geography, ind) if ev is not None and ev.assessable \
            else None
        fig = charts.fan_chart(run.fan(ind, geo, "baseline"), history=hist, targets=_target_lines(data, ind, geo, lang),
                               lang=lang, title=_tx("fan_title", lang, geo=bundle.geo_name(geo),
                                                    ind=reg.label(ind, lang, short=False)),
                               source=src["fan"], illustrative=run.is_illustrative(ind))
        out[f"fan_{ind}"] = _save(fig, folder, f"fan_{ind}")
        years = sorted({y for _, _, y in _target_lines(data, ind, geo, lang)}) or [b.years[-1]]
        year = years[0]
        panels, tmap, pmap = {}, {}, {}
        for unit in b.units[1:]:
            name = bundle.geo_name(unit)
            panels[name] = run.fan(ind, unit, "baseline")
            trow = data.used[(data.used["indicator"] == ind) & (data.used["geography"] == unit)
                             & (data.used["year"] == year)]
            if len(trow):
                thr = threshold(trow.iloc[0])
                tmap[name] = thr.value
                pmap[name] = run.p_met(ind, "baseline", unit, year, thr)
        if panels:
            borrowed = sum(b.evidence[(u, ind)].hops > 0 for u in b.units[1:]) if ind in b.shares else len(panels)
            fig = charts.small_multiples(panels, targets=tmap, probs=pmap, lang=lang,
                                         title=_tx("districts_title", lang, ind=reg.label(ind, lang, short=False),
                                                   year=year, k=borrowed, m=len(b.units) - 1),
                                         source=src["fan"], illustrative=run.is_illustrative(ind))
            out[f"units_{ind}"] = _save(fig, folder, f"units_{ind}")
    return out


def _lever_charts(data: ReportData, lang: str, folder: Path) -> dict[str, list[str]]:
    run, b = data.run, data.run.baseline
    out = {}
    src = _sources(data, lang)
    rows = []
    for ind in data.headline():
        for r in data.used[(data.used["indicator"] == ind) & (data.used["geography"] == b.geography)].to_dict("records"):
            if int(r["year"]) not in b.years:
                continue
            thr = threshold(r)
            for sc in run.scenarios:
                rows.append({"label": f"{b.registry.label(ind, lang)} {r['as_written']} % ({int(r['year'])}): "
                                      f"{_scenario_label(data, sc, lang)}",
                             "p_met": run.p_met(ind, sc, b.geography, int(r["year"]), thr)})
    if rows:
        year = int(data.used["year"].max())
        fig = charts.probability_bars(pd.DataFrame(rows), lang=lang, title=_tx("p_met_title", lang, year=year),
                                      source=src["short"], illustrative=True)
        out["p_met"] = _save(fig, folder, "p_met")
    sc, ind = data.lever_scenario, data.lever_indicator
    if sc is None or ind is None:
        return out
    last = b.years[-1]
    c = run.contributions(ind, sc.name, b.geography, last) * 100.0
    parts = c.drop(labels=["trend"])
    parts = parts[parts.abs() > 1e-9]
    parts.index = [p.replace("shock:", "") for p in parts.index]
    fig = charts.waterfall(parts, baseline=float(c["trend"]), total=float(c.sum()), lang=lang,
                           title=_tx("waterfall_title", lang, year=last, scenario=_scenario_label(data, sc.name, lang)),
                           source=src["levers"], illustrative=True, unit_label=i18n.t("percent_of_graduates", lang))
    out[f"waterfall_{ind}"] = _save(fig, folder, f"waterfall_{ind}")
    sens = data.tables["sensitivity"]
    sens_lab = sens.assign(parameter=[sensitivity_label(p, lang) for p in sens["parameter"]])
    fig = charts.tornado(sens_lab, base=float(sens["base"].iloc[0]), lang=lang,
                         title=_tx("tornado_title", lang, year=last, scenario=_scenario_label(data, sc.name, lang)),
                         source=src["levers"], illustrative=True)
    out[f"tornado_{ind}"] = _save(fig, folder, f"tornado_{ind}")
    return out


def _scenario_label(data: ReportData, name: str, lang: str, short: bool = True) -> str:
    """A scenario's title from its file in ``lang`` (short: the part before the first colon), else its label."""
    for s in data.scenarios:
        if s.name == name:
            title = s.title_vi if lang == "vi" else s.title_en
            if title:
                return title.split(":")[0].strip() if short else title
    return i18n.label(name, lang)


def sensitivity_label(parameter: str, lang: str) -> str:
    """Readable label of a :func:`simlib.assess.feasibility.sensitivity` parameter in ``lang``."""
    if parameter.startswith("trend"):
        return i18n.t("param.trend", lang)
    if parameter.startswith("combination"):
        return i18n.t("param.max_feasible", lang)
    head, _, tail = parameter.partition(": ")
    head = head.replace("shock", "").strip() or tail
    lever = i18n.label(head, lang)
    if parameter.startswith("shock"):
        return i18n.label(tail.strip(), lang)
    return f"{lever}: {i18n.label('param.' + tail, lang, ('',)) if i18n.has_label('param.' + tail) else tail}"


def _headline_text(data: ReportData, lang: str) -> str:
    """The headline paragraphs, built from the verdict table (nothing hard-coded about the result)."""
    b = data.run.baseline
    t = data.report.table
    num = lambda x, d=2: i18n.fmt_number(x, lang, d)  # noqa: E731
    paras = []
    for ind in data.headline():
        tg = data.used[(data.used["indicator"] == ind) & (data.used["geography"] == b.geography)]
        for tid in tg["target_id"]:
            r = t[(t["target_id"] == tid) & (t["scenario"] == "baseline")].iloc[0]
            if r["verdict"] == NOT_ASSESSED:
                continue
            best = t[t["target_id"] == tid]["p_met"].max()
            name = b.registry.label(ind, lang, short=False)
            v = i18n.verdict_label(r["verdict"], lang).lower()
            past = r["timing"] != "future"
            if lang == "vi":
                when = "đã qua; ước tính cho năm đó" if past else "dự báo"
                txt = (f"{name}: mục tiêu {r['as_written']} % năm {int(r['year'])} ({when}): {v} (xác suất "
                       f"{num(r['p_met'])} theo kịch bản cơ sở, cao nhất {num(best)} với các đòn bẩy).")
            else:
                when = "past; the estimate for that year" if past else "forecast"
                txt = (f"{name}: the {int(r['year'])} target of {r['as_written']} % ({when}): {v} (P = "
                       f"{num(r['p_met'])} in the baseline, at most {num(best)} with levers).")
            if pd.notna(r.get("required_pace_pts")):
                txt += (f" Cần tăng {num(r['required_pace_pts'], 1)} điểm %/năm từ {num(r['last_pct'], 2)} % năm "
                        f"{int(r['last_year'])}; xu hướng cho {num(r['anticipated_pace_pts'], 1)} điểm %/năm."
                        if lang == "vi" else
                        f" It needs {num(r['required_pace_pts'], 1)} points a year from {num(r['last_pct'], 2)} % in "
                        f"{int(r['last_year'])}; the trend gives {num(r['anticipated_pace_pts'], 1)}.")
            if pd.notna(r.get("n_points")):
                txt += (f" Dựa trên {int(r['n_points'])} điểm số liệu thực." if lang == "vi"
                        else f" It rests on {int(r['n_points'])} real data point(s).")
            paras.append(txt)
    borrowed = sum(b.evidence[(u, i)].hops > 0 for u in b.units[1:] for i in b.shares)
    if borrowed:
        paras.append({"vi": f"{borrowed} chuỗi số liệu cấp dưới không có số liệu riêng: dùng xu hướng của cấp trên "
                            "với độ phân tán giả định.",
                      "en": f"{borrowed} sub-unit series have no evidence of their own: they use the parent's trend "
                            "with an assumed spread."}[lang])
    return "\n\n".join(paras)


def _html_sections(data: ReportData, lang: str, folder: Path, written: dict) -> list[Section]:
    b = data.run.baseline
    geo = b.geography
    callouts = []
    t = data.report.table
    for ind in data.headline():
        tg = data.used[(data.used["indicator"] == ind) & (data.used["geography"] == geo)]
        for r in tg.to_dict("records")[:1]:
            row = t[(t["target_id"] == r["target_id"]) & (t["scenario"] == "baseline")].iloc[0]
            short = b.registry.label(ind, lang)
            lbl = {"vi": f"Xác suất đạt {r['as_written']} % ({short}, {int(r['year'])})",
                   "en": f"P({r['as_written']} % {short} met, {int(r['year'])})"}[lang]
            callouts.append((lbl, i18n.fmt_number(row["p_met"], lang, 2)))
            if ind in b.shares:
                pts = {"vi": f"Số điểm số liệu thực ({short})", "en": f"Real data points ({short})"}[lang]
                callouts.append((pts, str(b.evidence[(geo, ind)].n_points)))
    summary = t[t["used"] & (t["verdict"] != NOT_ASSESSED)]
    cols = ["plan_id", "geography_name", "indicator", "year", "as_written", "timing", "scenario", "p_met", "verdict",
            "median_pct", "q0.1_pct", "q0.9_pct", "n_points"]
    vt = summary[summary["geography"] == geo][cols].copy()
    vt["verdict"] = [i18n.verdict_label(v, lang) for v in vt["verdict"]]
    vt["scenario"] = [_scenario_label(data, s, lang) for s in vt["scenario"]]
    vt["indicator"] = [b.registry.label(i, lang) for i in vt["indicator"]]
    vt.columns = [i18n.column_label(c, lang) for c in vt.columns]
    img = lambda name: [folder / f"{name}.svg"] if name in written else []  # noqa: E731
    reach = data.tables["targets_reachable"]
    reach = reach[reach["unit"] == geo][["indicator", "scenario", "reach_p50_pct", "reach_p80_pct", "n_points"]]
    reach = reach.assign(scenario=[_scenario_label(data, s, lang) for s in reach["scenario"]],
                         indicator=[b.registry.label(i, lang) for i in reach["indicator"]])
    reach.columns = [i18n.column_label(c, lang) for c in reach.columns]
    caveats = {
        "vi": ("Hiệu quả của các đòn bẩy là giả định chuyên gia dựa trên nghiên cứu nước ngoài; nghiên cứu gần nhất "
               "(nông thôn Trung Quốc) không thấy tác động của tư vấn hướng nghiệp. Chi phí dùng đơn giá MINH HỌA. "
               "Số học sinh của đơn vị cấp dưới được chia theo số liệu có sẵn (số học sinh tốt nghiệp hoặc dân số 2019)."),
        "en": ("Lever effects are judgement priors from non-Vietnamese studies; the closest study (rural China) found "
               "no effect of counselling. Costs use ILLUSTRATIVE unit prices. Sub-unit cohorts are split by what is "
               "available (graduate counts, else the 2019 population)."),
    }[lang]
    fans = [img(f"fan_{i}") for i in data.headline()]
    units = [img(f"units_{i}") for i in data.headline()]
    ind = data.lever_indicator
    return [
        Section(_tx("headline", lang), _headline_text(data, lang), callouts=callouts, images=img("p_met")),
        Section(_tx("verdicts", lang), "", table=vt.reset_index(drop=True), images=sum(fans, [])),
        Section(_tx("districts", lang), "", images=sum(units, [])),
        Section(_tx("levers", lang), "", images=img(f"waterfall_{ind}") + img(f"tornado_{ind}")),
        Section(_tx("targets_2030", lang, year=b.years[-1]), "", table=reach.reset_index(drop=True)),
        Section(_tx("evidence", lang), "", images=img("targets_vs_evidence")),
        Section(_tx("caveats", lang), caveats),
    ]


def _write_tables(data: ReportData, t: Path) -> None:
    aud = data.audit
    _csv(aud.to_frame(), t / "audit.csv")
    for name in ("gaps", "aggregates", "contradictions", "outliers"):
        _csv(getattr(aud, name), t / f"audit_{name}.csv")
    (t / "audit.txt").write_text(aud.to_text(data.inputs.bundle) + "\n", encoding="utf-8")
    for name, df in data.tables.items():
        _csv(df, t / f"{name}.csv")


def _write_workbook(data: ReportData, lang: str, t: Path) -> None:
    n, sd = data.config.n_draws, data.config.seed
    notes = {
        "": (f"simlib {simlib.__version__}; {data.case.title(lang)}; {n:,} Monte Carlo draws, seed {sd}"
             + "".join(f"; planner file {p.name}" for p in data.inputs.planner_files)
             + (". Costs use ILLUSTRATIVE placeholder prices." if data.run.illustrative else "")),
        "feasibility": "Every target x scenario: P(met), verdict, median and 80 % interval (percent), pace.",
        "targets_reachable": "Shares reachable with probability 0.5 and 0.8 (percent).",
        "contributions": "Mean contribution of trend, shock and each lever (percentage points).",
        "sensitivity": "One-at-a-time sensitivity: input held at its 10th / 90th percentile.",
        "costs": "ILLUSTRATIVE: cost per additional vocational entrant (VND), placeholder prices.",
        "capacity": "Vocational new entrants needed vs the known intake quota.",
        "seats": "Enrolled students (seat-years) by programme; counts rest on ILLUSTRATIVE flow inputs.",
        "priors": "Every lever prior with its status and source.",
    }
    fmts = {"p_met": "0.00", "target_pct": "0.00", "median_pct": "0.0", "q0.1_pct": "0.0", "q0.9_pct": "0.0",
            "cost_vnd": "#,##0", "additional": "#,##0"}
    write_workbook(data.tables, t / "simlib_report.xlsx", column_labels=lambda k: i18n.column_label(k, lang),
                   notes=notes, number_formats=fmts)


def _run_record(data: ReportData, langs: Sequence[str], outputs: list[str]) -> dict:
    inputs = dict(data.inputs.files)
    lib = Path(data.inputs.bundle.data_dir)
    for name in ("geographies.csv", "indicators.csv", "plans.csv", "targets.csv", "observations.csv", "context.csv"):
        inputs.setdefault(f"data/{name}", lib / name)
    inputs["levers"] = data.inputs.levers_path
    inputs["flow_assumptions"] = data.inputs.flow_assumptions_path
    for s in data.scenarios:
        if s.path is not None:
            inputs[f"scenarios/{s.path.name}"] = s.path
    return {
        "simlib_version": simlib.__version__,
        "command": "report",
        "case": data.case.id,
        "parameters": {"langs": list(langs), "n_draws": data.config.n_draws, "method": data.config.method,
                       "readings": data.config.readings, "years": [data.run.baseline.years[0],
                                                                   data.run.baseline.years[-1]],
                       "as_of": data.case.as_of, "plans": list(data.inputs.plans),
                       "scenarios": [s.name for s in data.scenarios],
                       "planner_files": [p.name for p in data.inputs.planner_files]},
        "seed": data.config.seed,
        "inputs_sha256": {k: _sha256(Path(v)) for k, v in sorted(inputs.items())},
        "outputs": sorted(outputs + ["run.json"]),
    }


def render(data: ReportData, lang: str, folder: str | Path) -> list[Path]:
    """Write every file of the report in one language into ``folder`` (created). Returns the files, by name."""
    i18n.check_lang(lang)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write_tables(data, folder)
    written = {"targets_vs_evidence": _save(plot_targets_vs_evidence(data.inputs.bundle), folder,
                                            "targets_vs_evidence")}
    written.update(_fan_charts(data, lang, folder))
    written.update(_lever_charts(data, lang, folder))
    _write_workbook(data, lang, folder)
    sections = _html_sections(data, lang, folder, written)
    write_html_summary(folder / "summary.html", title=f"{_tx('title', lang)} ({data.case.title(lang)})", lang=lang,
                       sections=sections, footer=f"simlib {simlib.__version__} · {data.config.n_draws:,} draws · "
                                                 f"seed {data.config.seed} · run.json")
    return sorted(folder.iterdir())


def run_report(out: str | Path = "reports", *, case: Case | str | Path, langs: Sequence[str] = ("vi",),
               data_dir: str | Path | None = None, planner_file: str | Path | None = None,
               n_draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED, progress=None) -> list[Path]:
    """Compute a case once and write its report in each language.

    One language writes into ``out``; several write into ``out/<lang>/``.
    Everything is written to a temporary folder first and copied when all
    succeeded, so a failed run leaves nothing partial.

    Returns
    -------
    list of Path
        The files written.
    """
    langs = [i18n.check_lang(x) for x in langs]
    data = compute(case, data_dir=data_dir, planner_file=planner_file, n_draws=n_draws, seed=seed,
                   progress=progress)
    out = Path(out)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        for lang in langs:
            sub = Path(tmp) / lang
            _say(progress, f"writing charts, workbook and page ({lang})")
            files = render(data, lang, sub)
            record = _run_record(data, langs if len(langs) == 1 else [lang], [p.name for p in files])
            (sub / "run.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for lang in langs:
            dest = out if len(langs) == 1 else out / lang
            dest.mkdir(parents=True, exist_ok=True)
            for p in sorted((Path(tmp) / lang).iterdir()):
                shutil.copyfile(p, dest / p.name)
                written.append(dest / p.name)
    return written
