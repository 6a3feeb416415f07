"""The main job: regenerate every table, chart, the Excel workbook and the HTML summary.

``python -m simlib report [--plan ID] [--lang vi|en] [--data DIR] [--out DIR]
[--planner FILE] [--draws N] [--seed S]`` (``make report`` runs it for both
languages) writes into ``--out``:

Tables (CSV, column keys as headers, decimal point; for scripts):

* ``audit.csv`` and ``audit_{gaps,aggregates,contradictions,outliers}.csv``,
  ``audit.txt``: the target audit (contradictions, weighted aggregates, gaps,
  outliers);
* ``feasibility.csv``: every target of every plan x scenario: P(met),
  verdict, median and 80 % interval, pace, feasible progress, notes;
* ``targets_2030.csv``: values reachable with probability 0.5 and 0.8 in
  2030 per unit and scenario (the chart plan's units);
* ``contributions.csv``, ``sensitivity.csv``, ``costs.csv``,
  ``capacity.csv``, ``seats.csv``, ``priors.csv``.

Charts (PNG for documents, SVG for print; labels in the chosen language):

* ``targets_vs_evidence``: every plan's targets against the evidence;
* ``fan_thcs``, ``fan_thpt``: fan charts 2022-2030 for the chart plan's
  geography under the baseline, from the last observation, targets dashed;
* ``districts_thcs``, ``districts_thpt``: small multiples of the districts'
  fans with their targets and P(met);
* ``p_met``: P(target met) by scenario for the two headline targets;
* ``waterfall_thcs``, ``tornado_thcs``: lever contributions and
  sensitivities, all levers, THCS indicator, 2030.

``simlib_report.xlsx``: one sheet per table, headers in the chosen language,
numbers as numbers, a README sheet with sources and flags.
``summary.html``: a self-contained page with the verdicts and charts.
``run.json``: parameters, seed, simlib version, SHA-256 of every input file.

All inputs are validated first and files are written to a temporary folder
and moved into ``--out`` only when everything succeeded: a failed run
leaves nothing partial. Identical inputs give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import simlib
from simlib.present import charts
from simlib.assess import feasibility as F
from simlib.present import i18n
from simlib.models import trends
from simlib.evidence.audit import audit
from simlib.evidence.targets import used_targets
from simlib.inputs.bundle import FILES, Bundle, load_bundle, load_planner_file
from simlib.present.export import Section, write_html_summary, write_workbook
from simlib.scenarios.levers import list_scenarios, load_levers, load_scenario
from simlib.present.plots import plot_targets_vs_evidence, save_figure
from simlib.scenarios.engine import RunConfig

__all__ = ["run_report", "history_frame", "DEFAULT_DRAWS"]

DEFAULT_DRAWS = 10_000
DEFAULT_SEED = 20251122
CHART_PLAN = "long_an_2025"
HEADLINE = {"thcs_to_gdnn_sc_tc": "thcs", "thpt_to_cao_dang": "thpt"}

_TEXT = {
    "title": {"vi": "Phân luồng học sinh: khả năng đạt mục tiêu", "en": "Student streaming: can the targets be met?"},
    "headline": {"vi": "Kết luận chính", "en": "Headline"},
    "verdicts": {"vi": "Đánh giá từng mục tiêu", "en": "Verdicts by target"},
    "districts": {"vi": "Các huyện", "en": "Districts"},
    "levers": {"vi": "Đòn bẩy chính sách", "en": "Policy levers"},
    "targets_2030": {"vi": "Mục tiêu có thể bảo vệ cho năm 2030", "en": "Targets a plan can defend for 2030"},
    "evidence": {"vi": "Mục tiêu và số liệu", "en": "Targets and evidence"},
    "caveats": {"vi": "Lưu ý", "en": "Caveats"},
    "fan_title": {"vi": "{geo}: {ind}", "en": "{geo}: {ind}"},
    "districts_title": {"vi": "Các huyện, mục tiêu năm {year}: {ind}\n({k}/{m} huyện không có số liệu riêng: dùng "
                              "xu hướng của tỉnh)",
                        "en": "Districts, {year} targets: {ind}\n({k} of {m} districts have no evidence of their own: "
                              "the province's trend is used)"},
    "p_met_title": {"vi": "Xác suất đạt mục tiêu năm {year}, theo kịch bản",
                    "en": "Probability of meeting the {year} targets, by scenario"},
    "waterfall_title": {"vi": "Đóng góp vào tỷ lệ năm {year}: {scenario} (trung bình các lần mô phỏng)",
                        "en": "What makes up the {year} share: {scenario} (mean over draws)"},
    "tornado_title": {"vi": "Độ nhạy của tỷ lệ năm {year} ({scenario})",
                      "en": "Sensitivity of the {year} share ({scenario})"},
    "source_fan": {"vi": "Số liệu: data/observations.csv; mục tiêu: {plan} (phụ lục); xu hướng logit tuyến tính với "
                         "tiên nghiệm quốc gia; cú sốc miễn học phí THPT (giả định chuyên gia, data/levers.yaml); "
                         "{n} lần mô phỏng, seed {seed}",
                   "en": "Data: data/observations.csv; targets: {plan} (appendix); logit-linear trend with a national "
                         "prior; free-THPT shock (judgement, data/levers.yaml); {n} draws, seed {seed}"},
    "source_short": {"vi": "data/observations.csv, data/targets.csv, data/levers.yaml (giả định chuyên gia); "
                           "{n} lần mô phỏng, seed {seed}",
                     "en": "data/observations.csv, data/targets.csv, data/levers.yaml (judgement priors); "
                           "{n} draws, seed {seed}"},
    "source_levers": {"vi": "Tác động đòn bẩy: tiên nghiệm theo đánh giá chuyên gia từ bằng chứng nước ngoài "
                            "(data/levers.yaml, policy_levers.md); {n} lần mô phỏng, seed {seed}",
                      "en": "Lever effects: judgement priors from non-Vietnamese evidence (data/levers.yaml, "
                            "policy_levers.md); {n} draws, seed {seed}"},
}


def _tx(key: str, lang: str, **kw) -> str:
    return _TEXT[key][lang].format(**kw) if kw else _TEXT[key][lang]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def history_frame(bundle: Bundle, geography: str, indicator: str, readings: str = "primary") -> pd.DataFrame:
    """Observations of one series as the ``history`` table of :func:`simlib.present.charts.fan_chart`.

    Columns year, value, low, high (fractions, NaN when absent), high_open,
    same_definition.
    """
    obs = bundle.observations
    sel = obs[(obs["geography"] == geography) & (obs["indicator"] == indicator)]
    if sel.empty:
        return pd.DataFrame(columns=["year", "value", "low", "high", "high_open", "same_definition"])
    if geography == trends.NATIONAL_GEOGRAPHY and indicator == trends.NATIONAL_INDICATOR:
        series = trends.national_history(obs)
    else:
        series = trends.observations_from_frame(obs, indicator=indicator, geography=geography, readings=readings)
    rows = [{"year": o.t_mid, "value": o.value_share if o.value_share is not None else np.nan,
             "low": o.low_share if o.low_share is not None else np.nan,
             "high": o.high_share if o.high_share is not None else np.nan,
             "high_open": bool(o.high_open), "same_definition": o.basis == "same"} for o in series]
    return pd.DataFrame(rows)


def _save(fig, folder: Path, name: str) -> list[str]:
    save_figure(fig, folder / f"{name}.png")
    save_figure(fig, folder / f"{name}.svg")
    plt.close(fig)
    return [f"{name}.png", f"{name}.svg"]


def _csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", float_format="%.4f")


def run_report(out: str | Path = "reports", *, data_dir: str | Path | None = None,
               planner_file: str | Path | None = None, plans: list[str] | None = None, lang: str = "vi",
               n_draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED, chart_plan: str | None = None) -> list[Path]:
    """Validate the inputs, run audit, scenarios and verdicts; write tables, charts, workbook, HTML.

    Parameters
    ----------
    out : path
        Output folder (created; existing files of the same names replaced).
    data_dir : path, optional
        A data folder in the bundled layout (default: the bundled ``data/``).
    planner_file : path, optional
        A planner's observations (``data/template/``): adds evidence (e.g.
        a district's own rates) and graduate weights for the audit.
    plans : list of str, optional
        Plans to assess (default all).
    lang : {"vi", "en"}
        Language of chart labels, workbook headers and the HTML page.
    n_draws, seed : int
        Monte Carlo size and seed (recorded in ``run.json``).
    chart_plan : str, optional
        Plan whose geography gets the fans, district charts, levers and 2030
        tables (default ``long_an_2025`` when assessed, else the first plan).

    Returns
    -------
    list of Path
        The files written, sorted by name.
    """
    i18n.check_lang(lang)
    bundle = load_bundle(data_dir)
    planner = load_planner_file(planner_file, ref=bundle.reference) if planner_file else None
    levers = load_levers(bundle.data_dir / "levers.yaml")
    sdir = bundle.data_dir / "scenarios"
    scenario_names = list_scenarios(sdir)
    scenarios = [load_scenario(n, levers, directory=sdir) for n in scenario_names]
    plan_ids = list(plans) if plans else list(bundle.plans["plan_id"])
    for pid in plan_ids:
        F.plan_units(bundle, pid)  # unknown plan ids fail here, before any work
    result = audit(bundle, plans=plans, planner_data=planner)
    fbundle = F.with_planner_data(bundle, planner) if planner is not None else bundle
    config = RunConfig(n_draws=int(n_draws), seed=int(seed), progress=None)
    rep = F.feasibility(fbundle, plans=plan_ids, scenarios=scenarios, config=config, levers=levers)
    cplan = chart_plan or (CHART_PLAN if CHART_PLAN in plan_ids else plan_ids[0])
    if cplan not in rep.runs:
        raise ValueError(f"chart plan {cplan!r} is not among the assessed plans {plan_ids}")
    run = rep.runs[cplan]
    base = run.baseline
    geo = base.geography
    geo_name = bundle.geo_name(geo)
    n, sd = config.n_draws, config.seed
    illustrative_costs = any(lv.illustrative_cost for lv in levers.levers.values())

    # ---- tables ---------------------------------------------------------------
    tables: dict[str, pd.DataFrame] = {}
    table = rep.table.copy()
    tables["feasibility"] = table
    last_year = base.years[-1]
    tables["targets_2030"] = F.target_options(run, last_year)
    contrib_rows, sens = [], []
    for ind in base.shares:
        for sc in run.scenarios:
            c = run.contributions(ind, sc, geo, last_year)
            for part, v in c.items():
                contrib_rows.append({"indicator": ind, "scenario": sc, "unit": geo, "year": last_year,
                                     "part": part, "contribution_pp": 100.0 * v})
    tables["contributions"] = pd.DataFrame(contrib_rows)
    all_sc = next((s for s in scenarios if s.name == "all_levers"), scenarios[-1])
    sens_thcs = F.sensitivity(base, all_sc, indicator="thcs_to_gdnn_sc_tc", unit=geo, year=last_year)
    tables["sensitivity"] = sens_thcs.assign(indicator="thcs_to_gdnn_sc_tc", scenario=all_sc.name,
                                             year=last_year, output="mean share (%)")
    costs = run.cost_table()
    tables["costs"] = costs
    tables["capacity"] = F.capacity_check(run, last_year)
    seat_frames = []
    for track in ("so_cap", "trung_cap", "cao_dang", "thpt"):
        for sc in run.scenarios:
            st = run.seats_table(track, sc)
            seat_frames.append(st[st["unit"] == geo].assign(track=track, scenario=sc))
    tables["seats"] = pd.concat(seat_frames, ignore_index=True)[["scenario", "track", "unit", "year", "q0.05",
                                                                 "q0.5", "q0.95"]]
    tables["priors"] = levers.priors_frame()

    # ---- charts ---------------------------------------------------------------
    used = used_targets(bundle.targets[bundle.targets["plan_id"] == cplan])
    charts_written: dict[str, list[str]] = {}
    src_fan = _tx("source_fan", lang, plan=cplan, n=f"{n:,}", seed=sd)
    src_lev = _tx("source_levers", lang, n=f"{n:,}", seed=sd)

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        result.to_frame().to_csv(t / "audit.csv", index=False, lineterminator="\n", float_format="%.4f")
        for name in ("gaps", "aggregates", "contradictions", "outliers"):
            getattr(result, name).to_csv(t / f"audit_{name}.csv", index=False, lineterminator="\n",
                                         float_format="%.4f")
        (t / "audit.txt").write_text(result.to_text(bundle) + "\n", encoding="utf-8")
        for name, df in tables.items():
            _csv(df, t / f"{name}.csv")
        charts_written["targets_vs_evidence"] = _save(plot_targets_vs_evidence(bundle), t, "targets_vs_evidence")

        tyear = {}
        for ind, short in HEADLINE.items():
            if ind not in base.shares:
                continue
            tg = used[(used["indicator"] == ind) & (used["geography"] == geo)]
            targets = [(i18n.t("target", lang) + f" {int(r['year'])} ({r['as_written']})", F.threshold(r)[0],
                        int(r["year"])) for _, r in tg.iterrows()]
            tyear[ind] = int(tg["year"].iloc[0]) if len(tg) else last_year
            ev = base.evidence[(geo, ind)]
            hist = history_frame(fbundle, ev.source_geography, ind) if ev.assessable else None
            fig = charts.fan_chart(run.fan(ind, geo, "baseline"), history=hist, targets=targets, lang=lang,
                                   title=_tx("fan_title", lang, geo=geo_name, ind=i18n.t(ind, lang)),
                                   source=src_fan, illustrative=False)
            charts_written[f"fan_{short}"] = _save(fig, t, f"fan_{short}")
            # districts
            k = base.year_index(tyear[ind])
            panels, tmap, pmap = {}, {}, {}
            for unit in base.units[1:]:
                trow = used[(used["indicator"] == ind) & (used["geography"] == unit) & (used["year"] == tyear[ind])]
                name = bundle.geo_name(unit)
                panels[name] = run.fan(ind, unit, "baseline")
                if len(trow):
                    thr = F.threshold(trow.iloc[0])[0]
                    tmap[name] = thr
                    pmap[name] = run.prob_at_least(ind, "baseline", unit, tyear[ind], thr)
            if panels:
                fig = charts.small_multiples(panels, targets=tmap, probs=pmap, lang=lang,
                                             title=_tx("districts_title", lang, ind=i18n.t(ind, lang), year=tyear[ind],
                                                       k=sum(base.evidence[(u, ind)].hops > 0 for u in base.units[1:]),
                                                       m=len(base.units) - 1),
                                             source=src_fan, illustrative=False)
                charts_written[f"districts_{short}"] = _save(fig, t, f"districts_{short}")
        # P(met) by scenario for the headline targets
        rows = []
        for ind in base.shares:
            tg = used[(used["indicator"] == ind) & (used["geography"] == geo)]
            if tg.empty:
                continue
            thr, year = F.threshold(tg.iloc[0])[0], int(tg["year"].iloc[0])
            for sc in run.scenarios:
                rows.append({"label": f"{short_ind(ind)} {tg['as_written'].iloc[0]} %: {i18n.label(sc, lang)}",
                             "p_met": run.prob_at_least(ind, sc, geo, year, thr)})
        if rows:
            year = int(used["year"].max())
            fig = charts.probability_bars(pd.DataFrame(rows), lang=lang, title=_tx("p_met_title", lang, year=year),
                                          source=_tx("source_short", lang, n=f"{n:,}", seed=sd),
                                          illustrative=True)
            charts_written["p_met"] = _save(fig, t, "p_met")
        # levers: waterfall and tornado (THCS, all levers, last year)
        ind = "thcs_to_gdnn_sc_tc"
        if ind in base.shares:
            c = run.contributions(ind, all_sc.name, geo, last_year) * 100.0
            parts = c.drop(labels=["trend"])
            parts = parts[parts.abs() > 1e-9]
            parts.index = [p.replace("shock:", "") for p in parts.index]
            fig = charts.waterfall(parts, baseline=float(c["trend"]), total=float(c.sum()), lang=lang,
                                   title=_tx("waterfall_title", lang, year=last_year, scenario=i18n.label(all_sc.name,
                                                                                                         lang)),
                                   source=src_lev, illustrative=True,
                                   unit_label=i18n.t("percent_of_graduates", lang))
            charts_written["waterfall_thcs"] = _save(fig, t, "waterfall_thcs")
            sens_lab = sens_thcs.assign(parameter=[sensitivity_label(p, lang) for p in sens_thcs["parameter"]])
            fig = charts.tornado(sens_lab, base=float(sens_thcs["base"].iloc[0]), lang=lang,
                                 title=_tx("tornado_title", lang, year=last_year,
                                           scenario=i18n.label(all_sc.name, lang)),
                                 source=src_lev, illustrative=True,
                                 xlabel=i18n.t("share_2030", lang) if last_year == 2030 else None)
            charts_written["tornado_thcs"] = _save(fig, t, "tornado_thcs")

        # ---- workbook -------------------------------------------------------------
        notes = {
            "": (f"simlib {simlib.__version__}; {n:,} Monte Carlo draws, seed {sd}; data folder "
                 f"{'bundled data/' if data_dir is None else data_dir}"
                 + (f"; planner file {Path(planner_file).name}" if planner_file else "")
                 + (". Costs use ILLUSTRATIVE placeholder prices (data/levers.yaml)." if illustrative_costs else "")),
            "feasibility": "Every target x scenario: P(met), verdict, median and 80 % interval (percent), pace.",
            "targets_2030": "Shares reachable with probability 0.5 and 0.8 (percent).",
            "contributions": "Mean contribution of trend, shock and each lever (percentage points).",
            "sensitivity": "One-at-a-time sensitivity: input held at its 10th / 90th percentile.",
            "costs": "ILLUSTRATIVE: cost per additional vocational entrant (VND), placeholder prices.",
            "capacity": "Vocational new entrants needed vs the only known intake quota (a lower bound).",
            "seats": "Enrolled students (seat-years) by programme; counts rest on ILLUSTRATIVE flow inputs.",
            "priors": "Every lever prior with its status and source.",
        }
        fmts = {"p_met": "0.00", "target_pct": "0.00", "median_pct": "0.0", "q0.1_pct": "0.0", "q0.9_pct": "0.0",
                "cost_vnd": "#,##0", "additional": "#,##0"}
        write_workbook(tables, t / "simlib_report.xlsx", column_labels=lambda k: i18n.column_label(k, lang),
                       notes=notes, number_formats=fmts)

        # ---- HTML summary ---------------------------------------------------------
        sections = _html_sections(rep, run, used, lang, t, charts_written, costs)
        write_html_summary(t / "summary.html", title=_tx("title", lang) + f" ({geo_name})", lang=lang,
                           sections=sections,
                           footer=f"simlib {simlib.__version__} · {n:,} draws · seed {sd} · run.json")

        inputs = {f"data/{fname}": _sha256(bundle.data_dir / fname) for fname in FILES.values()}
        inputs["data/levers.yaml"] = _sha256(bundle.data_dir / "levers.yaml")
        inputs["data/flow_assumptions.csv"] = _sha256(bundle.data_dir / "flow_assumptions.csv")
        for s in scenarios:
            inputs[f"data/scenarios/{s.path.name}"] = _sha256(s.path)
        if planner_file:
            inputs[Path(planner_file).name] = _sha256(Path(planner_file))
        record = {
            "simlib_version": simlib.__version__,
            "command": "report",
            "parameters": {"plans": plans or "all", "chart_plan": cplan, "lang": lang, "n_draws": n,
                           "data_dir": str(data_dir or "data (bundled)"),
                           "planner_file": Path(planner_file).name if planner_file else None,
                           "scenarios": scenario_names, "method": config.method, "readings": config.readings,
                           "years": [base.years[0], base.years[-1]]},
            "seed": sd,
            "inputs_sha256": dict(sorted(inputs.items())),
            "outputs": sorted(p.name for p in t.iterdir()) + ["run.json"],
        }
        (t / "run.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for p in sorted(t.iterdir()):
            dest = out / p.name
            shutil.copyfile(p, dest)
            written.append(dest)
    return written


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


def _headline_text(rep, run, used, lang: str) -> str:
    """The headline paragraphs, built from the verdict table (nothing hard-coded about the result)."""
    b = run.baseline
    geo = b.geography
    t = rep.table
    paras = []
    for ind in b.shares:
        tg = used[(used["indicator"] == ind) & (used["geography"] == geo)]
        if tg.empty:
            continue
        r = t[(t["target_id"] == tg["target_id"].iloc[0]) & (t["scenario"] == "baseline")].iloc[0]
        if r["verdict"] == F.NOT_ASSESSED:
            continue
        best = t[(t["target_id"] == r["target_id"])]["p_met"].max()
        name = i18n.t(ind, lang)
        v = i18n.verdict_label(r["verdict"], lang).lower()
        num = lambda x, d=2: i18n.fmt_number(x, lang, d)  # noqa: E731
        if lang == "vi":
            txt = (f"{name}: mục tiêu {r['as_written']} % năm {int(r['year'])} {v} (xác suất {num(r['p_met'])} theo "
                   f"kịch bản cơ sở, cao nhất {num(best)} với các đòn bẩy). Cần tăng {num(r['required_pace_pts'], 1)} "
                   f"điểm %/năm từ {num(r['last_pct'], 2)} % năm {int(r['last_year'])}; xu hướng cho "
                   f"{num(r['anticipated_pace_pts'], 1)} điểm %/năm. Dựa trên {int(r['n_points'])} điểm số liệu thực.")
        else:
            txt = (f"{name}: the {int(r['year'])} target of {r['as_written']} % is {v} (P = {num(r['p_met'])} in the "
                   f"baseline, at most {num(best)} with levers). It needs {num(r['required_pace_pts'], 1)} points a "
                   f"year from {num(r['last_pct'], 2)} % in {int(r['last_year'])}; the trend gives "
                   f"{num(r['anticipated_pace_pts'], 1)}. It rests on {int(r['n_points'])} real data point(s).")
        ceiling = b.draws.max_feasible.get(ind)
        if ceiling is not None and F.threshold(tg.iloc[0])[0] > float(np.max(ceiling)):
            txt += {"vi": " Mục tiêu cao hơn giới hạn tỷ lệ tối đa khả thi của các đòn bẩy (data/levers.yaml): "
                          "đòn bẩy không thể đưa tỷ lệ lên mức này.",
                    "en": " The target is above the levers' maximum feasible share (data/levers.yaml): levers "
                          "cannot lift the share to it."}[lang]
        paras.append(txt)
    borrowed = sum(b.evidence[(u, i)].hops > 0 for u in b.units[1:] for i in b.shares)
    if borrowed:
        paras.append({"vi": f"{borrowed} chỉ tiêu cấp huyện không có số liệu riêng: dùng xu hướng của tỉnh với độ "
                            "phân tán giả định.",
                      "en": f"{borrowed} district series have no evidence of their own: they use the province's "
                            "trend with an assumed spread."}[lang])
    return "\n\n".join(paras)


def short_ind(ind: str) -> str:
    return {"thcs_to_gdnn_sc_tc": "THCS→GDNN", "thpt_to_cao_dang": "THPT→CĐ"}.get(ind, ind)


def _html_sections(rep, run, used, lang, folder: Path, charts_written, costs) -> list[Section]:
    b = run.baseline
    geo = b.geography
    callouts = []
    for ind in b.shares:
        tg = used[(used["indicator"] == ind) & (used["geography"] == geo)]
        if tg.empty:
            continue
        thr, year = F.threshold(tg.iloc[0])[0], int(tg["year"].iloc[0])
        p = run.prob_at_least(ind, "baseline", geo, year, thr)
        ev = b.evidence[(geo, ind)]
        lbl = {"vi": f"Xác suất đạt {tg['as_written'].iloc[0]} % ({short_ind(ind)}, {year})",
               "en": f"P({tg['as_written'].iloc[0]} % {short_ind(ind)} met, {year})"}[lang]
        callouts.append((lbl, i18n.fmt_number(p, lang, 2)))
        pts = {"vi": f"Số điểm số liệu thực ({short_ind(ind)})", "en": f"Real data points ({short_ind(ind)})"}[lang]
        callouts.append((pts, str(ev.n_points)))
    verdict_text = _headline_text(rep, run, used, lang)
    summary = rep.table[(rep.table["used"]) & (rep.table["verdict"] != F.NOT_ASSESSED)]
    cols = ["plan_id", "geography_name", "indicator", "year", "as_written", "scenario", "p_met", "verdict",
            "median_pct", "q0.1_pct", "q0.9_pct", "n_points"]
    vt = summary[summary["geography"].isin([geo] + [g for g in summary["geography"] if not g.startswith(geo + ".")])]
    vt = vt[cols].copy()
    vt["verdict"] = [i18n.verdict_label(v, lang) for v in vt["verdict"]]
    vt["scenario"] = [i18n.label(s, lang) for s in vt["scenario"]]
    vt.columns = [i18n.column_label(c, lang) for c in vt.columns]
    img = lambda name: [folder / f"{name}.svg"] if name in charts_written else []  # noqa: E731
    t2030 = F.target_options(run, b.years[-1])
    t2030 = t2030[t2030["unit"] == geo][["indicator", "scenario", "reach_p50_pct", "reach_p80_pct", "n_points"]]
    t2030 = t2030.assign(scenario=[i18n.label(s, lang) for s in t2030["scenario"]])
    t2030.columns = [i18n.column_label(c, lang) for c in t2030.columns]
    caveats = {
        "vi": ("Hiệu quả của các đòn bẩy là giả định chuyên gia dựa trên nghiên cứu nước ngoài; nghiên cứu gần nhất "
               "(nông thôn Trung Quốc) không thấy tác động của tư vấn hướng nghiệp. Chi phí dùng đơn giá MINH HỌA. "
               "Số học sinh theo huyện được chia theo dân số 2019. Long An đã sáp nhập vào tỉnh Tây Ninh từ 1/7/2025."),
        "en": ("Lever effects are judgement priors from non-Vietnamese studies; the closest study (rural China) found "
               "no effect of counselling. Costs use ILLUSTRATIVE unit prices. District cohorts are split by 2019 "
               "population. Long An merged into Tây Ninh province on 1/7/2025."),
    }[lang]
    return [
        Section(_tx("headline", lang), verdict_text, callouts=callouts, images=img("p_met")),
        Section(_tx("verdicts", lang), "", table=vt.reset_index(drop=True), images=img("fan_thcs") + img("fan_thpt")),
        Section(_tx("districts", lang), "", images=img("districts_thcs") + img("districts_thpt")),
        Section(_tx("levers", lang), "", images=img("waterfall_thcs") + img("tornado_thcs")),
        Section(_tx("targets_2030", lang), "", table=t2030.reset_index(drop=True)),
        Section(_tx("evidence", lang), "", images=img("targets_vs_evidence")),
        Section(_tx("caveats", lang), caveats),
    ]
