"""Render a computed report in one language: charts, the planner's workbook, the Word report and the HTML page.

Everything here reads a :class:`simlib.apps.report.ReportData` (computed once)
and writes files; the words come from the glossary (:mod:`simlib.present.i18n`),
the indicator names from the registry, the scenario titles from the scenario
files, so nothing names a place, a plan or an indicator.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import simlib
from simlib.assess.verdicts import MET, MISSED, NOT_ASSESSED, VERDICT_BANDS
from simlib.evidence.series import series_for
from simlib.evidence.targets import threshold
from simlib.present import charts, i18n, tables
from simlib.present.export import Column, Section, Sheet, write_html_summary, write_planner_workbook
from simlib.present.i18n import t
from simlib.present.word import DocHeader, DocSection, write_report_docx

__all__ = ["history_frame", "render_language", "MAX_UNIT_PANELS"]

#: At most this many sub-units are drawn as small multiples (those with their own data or targets first).
MAX_UNIT_PANELS = 24


def history_frame(observations: pd.DataFrame | None, geography: str = "", indicator: str = "",
                  readings: str = "primary", *, series=None) -> pd.DataFrame:
    """Observations of one series as the ``history`` table of :func:`simlib.present.charts.fan_chart`.

    Give ``series`` (e.g. an :class:`~simlib.scenarios.engine.Evidence`'s, which
    includes figures aggregated from sub-units) or the observation table with
    a geography and an indicator. Columns year (last year covered),
    year_first, year_last, value, low, high (fractions, NaN when absent),
    high_open, same_definition, planner (True for a planner's own figures).
    """
    if series is None:
        series = series_for(observations, geography, indicator, readings=readings)
    rows = [{"year": float(o.year), "year_first": float(o.year_first) if o.year_first is not None else np.nan,
             "year_last": float(o.year),
             "value": o.value_share if o.value_share is not None else np.nan,
             "low": o.low_share if o.low_share is not None else np.nan,
             "high": o.high_share if o.high_share is not None else np.nan,
             "high_open": bool(o.high_open), "same_definition": o.basis == "same",
             "planner": "planner_data" in o.flag_set}
            for o in series]
    return pd.DataFrame(rows, columns=["year", "year_first", "year_last", "value", "low", "high", "high_open",
                                       "same_definition", "planner"])


class _Ctx:
    """What every renderer needs: the data, the language, the folder, and shared words."""

    def __init__(self, data, lang: str, folder: Path):
        self.data, self.lang, self.folder = data, lang, folder
        self.run = data.run
        self.base = data.run.baseline
        self.bundle = data.inputs.bundle
        self.reg = self.base.registry
        n = data.config.n_draws
        self.draws = t("draws", lang, n=i18n.fmt_int(n, lang))
        self.seed = data.config.seed
        self.today = data.case.as_of + 0.5
        self.geo = self.base.geography
        self.geo_name = self.bundle.geo_name(self.geo)
        self.written: dict[str, Path] = {}

    # words -------------------------------------------------------------------------------------------
    def ind(self, key: str, short: bool = False) -> str:
        return self.reg.label(key, self.lang, short=short)

    def unit_label(self, key: str) -> str:
        spec = self.reg.get(key)
        origin = spec.origin if spec is not None else ""
        k = f"percent_of_{origin}_graduates"
        return t(k, self.lang) if i18n.has_label(k) else t("percent_of_graduates", self.lang)

    def scenario(self, name: str, short: bool = True) -> str:
        for s in self.data.scenarios:
            if s.name == name:
                title = s.title_vi if self.lang == "vi" else s.title_en
                if title:
                    return title.split(":")[0].strip() if short else title
        return i18n.scenario_label(name, self.lang)

    def units_word(self) -> str:
        levels = set(self.bundle.geographies.loc[self.bundle.geographies["geo_id"].isin(self.data.inputs.units[1:]),
                                                 "level"])
        return t("geo.communes" if levels & {"commune", "ward", "commune_group"} else "geo.districts", self.lang)

    def pct(self, x, d: int = 2) -> str:
        return i18n.fmt_percent(x, self.lang, d)

    def sources(self) -> dict[str, str]:
        d = self.data
        ev = ", ".join(["data/observations.csv"] + [f"{p.parent.name}/{p.name}" for p in d.inputs.planner_files])
        plan = ", ".join(self.plan_short(p) for p in d.inputs.plans)
        method = t(f"trend.{d.config.method}", self.lang) if i18n.has_label(f"trend.{d.config.method}") \
            else d.config.method
        lev = d.inputs.levers_path.name
        return {"fan": t("report.source_fan", self.lang, evidence=ev, plan=plan, method=method, levers=lev,
                         draws=self.draws, seed=self.seed),
                "short": t("report.source_short", self.lang, evidence=ev, plan=plan, levers=lev, draws=self.draws,
                           seed=self.seed),
                "levers": t("report.source_levers", self.lang, levers=lev, draws=self.draws, seed=self.seed)}

    def plan_short(self, plan_id: str) -> str:
        p = self.bundle.plans
        hit = p[p["plan_id"] == plan_id]
        if len(hit) and "short" in hit and isinstance(hit["short"].iloc[0], str) and hit["short"].iloc[0]:
            return str(hit["short"].iloc[0])
        return plan_id

    def save(self, fig, name: str) -> None:
        charts.save_figure(fig, self.folder / f"{name}.png")
        charts.save_figure(fig, self.folder / f"{name}.svg")
        plt.close(fig)
        self.written[name] = self.folder / f"{name}.png"


# --------------------------------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------------------------------
def _targets_for(c: _Ctx, ind: str, unit: str) -> list[tuple]:
    used = c.data.used
    tg = used[(used["indicator"] == ind) & (used["geography"] == unit)]
    return [(c.plan_short(r["plan_id"]), threshold(r).value, int(r["year"])) for r in tg.to_dict("records")]


def _fan_charts(c: _Ctx) -> None:
    src = c.sources()["fan"]
    for ind in c.data.headline():
        ev = c.base.evidence.get((c.geo, ind))
        hist = history_frame(None, series=ev.series) if ev is not None and ev.assessable else None
        q = c.run.fan(ind, c.geo, "baseline")
        targets = _targets_for(c, ind, c.geo)
        low = min([float(q.min().min())] + [x for _, x, _ in targets])
        ylim = (max(0.0, 10.0 * np.floor((100 * low - 5) / 10)), 100.0) if low > 0.5 else None
        fig = charts.fan_chart(
            q, history=hist, targets=targets, lang=c.lang, ylim=ylim,
            title=t("report.fan_title", c.lang, ind=c.ind(ind), geo=c.geo_name),
            subtitle=t("report.fan_subtitle", c.lang, unit=c.unit_label(ind), scenario=c.scenario("baseline")),
            source=src, illustrative=c.run.is_illustrative(ind), today=c.today, ylabel=c.unit_label(ind))
        c.save(fig, f"fan_{ind}")
        _unit_panels(c, ind, src)


def _unit_panels(c: _Ctx, ind: str, src: str) -> None:
    b, used = c.base, c.data.used
    tyears = sorted(int(y) for y in used.loc[used["indicator"] == ind, "year"])
    year = tyears[0] if tyears else b.years[-1]
    units_all = list(dict.fromkeys(c.data.report.fans["unit"]))[1:]
    ev = c.data.plan_evidence
    own = [u for u in units_all if ind in b.shares and ev.get((u, ind)) is not None and ev[(u, ind)].hops == 0]
    with_target = [u for u in units_all if ((used["geography"] == u) & (used["indicator"] == ind)).any()]
    chosen = list(dict.fromkeys(own + with_target))[:MAX_UNIT_PANELS]
    if not chosen:
        return
    panels, tmap, pmap = {}, {}, {}
    fans = c.data.report.fans
    tab = c.data.report.table
    for unit in chosen:
        name = c.bundle.geo_name(unit)
        q = fans[(fans["indicator"] == ind) & (fans["unit"] == unit)].set_index("year")
        panels[name] = q[[col for col in q.columns if col.startswith("q")]]
        trow = used[(used["indicator"] == ind) & (used["geography"] == unit) & (used["year"] == year)]
        if len(trow):
            tmap[name] = threshold(trow.iloc[0]).value
            v = tab[(tab["target_id"] == trow["target_id"].iloc[0]) & (tab["scenario"] == "baseline")]
            pmap[name] = float(v["p_met"].iloc[0]) if len(v) else float("nan")
    borrowed = sum(ev[(u, ind)].hops > 0 for u in units_all) if ind in b.shares else len(units_all)
    units = c.units_word()
    note = t("report.districts_note", c.lang, k=str(borrowed), m=str(len(units_all)), units=units)
    if len(chosen) < len(units_all):
        note += " " + t("report.units_own", c.lang, k=str(len(chosen)), m=str(len(units_all)), units=units)
    fig = charts.small_multiples(panels, targets=tmap, probs=pmap, lang=c.lang,
                                 title=t("report.districts_title", c.lang, ind=c.ind(ind), year=str(year),
                                         units=units),
                                 subtitle=c.unit_label(ind), note=note, source=src,
                                 illustrative=c.run.is_illustrative(ind), today=c.today)
    c.save(fig, f"units_{ind}")


def _p_met_title(c) -> str:
    """'Probability of meeting the 2030 targets' when the targets share one year, else without a year."""
    years = sorted({int(y) for y in c.data.used["year"].dropna()})
    if len(years) == 1:
        return t("report.p_met_title", c.lang, year=str(years[0]))
    return t("report.p_met_title_years", c.lang)


def _p_met_chart(c: _Ctx) -> None:
    b, tab = c.base, c.data.report.table
    rows = []
    for ind in c.data.headline():
        for r in c.data.used[(c.data.used["indicator"] == ind) & (c.data.used["geography"] == c.geo)].to_dict("records"):
            for sc in c.run.scenarios:
                v = tab[(tab["target_id"] == r["target_id"]) & (tab["scenario"] == sc)]
                if v.empty or v["verdict"].iloc[0] == NOT_ASSESSED:
                    continue
                v = v.iloc[0]
                result = (f"{c.pct(v['observed_pct'], 1)} ({int(r['year'])})"
                          if v["verdict"] in (MET, MISSED) else None)
                many = c.data.used.loc[c.data.used["geography"] == c.geo, "year"].nunique() > 1
                rows.append({"label": t("report.p_met_row", c.lang, short=c.ind(ind, short=True),
                                        target=c.pct(100 * threshold(r).value), scenario=c.scenario(sc))
                             + (f" ({int(r['year'])})" if many else ""),
                             "p_met": v["p_met"], "verdict": v["verdict"], "result": result})
    if not rows:
        return
    a, bb, cc = (i18n.fmt_number(x, c.lang, 1) for x, _ in VERDICT_BANDS[:3])
    fig = charts.probability_bars(pd.DataFrame(rows), lang=c.lang, title=_p_met_title(c),
                                  note=t("report.caveat_bands", c.lang, bands=t("verdict_bands_note", c.lang, a=a,
                                                                               b=bb, c=cc)),
                                  source=c.sources()["short"], illustrative=True)
    c.save(fig, "p_met")


def _lever_charts(c: _Ctx) -> None:
    sc, ind = c.data.lever_scenario, c.data.lever_indicator
    if sc is None or ind is None:
        return
    b, last = c.base, c.base.years[-1]
    contrib = c.run.contributions(ind, sc.name, c.geo, last) * 100.0
    parts = contrib.drop(labels=["trend"])
    parts = parts[parts.abs() > 1e-9]
    parts.index = [p.replace("shock:", "") for p in parts.index]
    base_mean = float(contrib["trend"])
    median = 100.0 * float(np.median(b.trend[ind][:, 0, b.year_index(last)]))
    fig = charts.waterfall(
        parts, baseline=base_mean, total=float(contrib.sum()), lang=c.lang,
        title=t("report.waterfall_title", c.lang, year=str(last), scenario=c.scenario(sc.name)),
        subtitle=t("report.waterfall_subtitle", c.lang, unit=c.unit_label(ind), draws=c.draws),
        note=t("report.baseline_explained", c.lang, value=c.pct(base_mean, 1), year=str(last), draws=c.draws,
               median=c.pct(median, 1)),
        baseline_label=t("report.waterfall_baseline", c.lang), unit_label=c.unit_label(ind),
        source=c.sources()["levers"], illustrative=True)
    c.save(fig, f"waterfall_{ind}")
    sens = c.data.tables.get("sensitivity")
    if sens is None or sens.empty:
        return
    trend = t("param.trend", c.lang)
    lab = sens.assign(parameter=[trend if p.startswith("trend") else sensitivity_label(p, c.lang)
                                 for p in sens["parameter"]],
                      low_label=[setting_text(p, v, c.lang, "low") for p, v in zip(sens["parameter"], sens["low_value"])],
                      high_label=[setting_text(p, v, c.lang, "high") for p, v in zip(sens["parameter"],
                                                                                    sens["high_value"])])
    fig = charts.tornado(lab, base=float(sens["base"].iloc[0]), lang=c.lang, separate=[trend],
                         title=t("report.tornado_title", c.lang, year=str(last), scenario=c.scenario(sc.name)),
                         subtitle=t("report.tornado_subtitle", c.lang, unit=c.unit_label(ind),
                                    value=c.pct(float(sens["base"].iloc[0]), 1)),
                         source=c.sources()["levers"], illustrative=True,
                         xlabel=t("share_year_unit", c.lang, year=str(last), unit=c.unit_label(ind)))
    c.save(fig, f"tornado_{ind}")


def setting_text(parameter: str, value: float, lang: str, end: str) -> str:
    """An uncertain input's setting in words for the tornado (``end``: low or high; the trend at its 10th/90th
    percentile), in the input's own unit: effects in percentage points, shares in percent, lags in years."""
    if parameter.startswith("trend") or not np.isfinite(value):
        return t(f"param.trend_{end}", lang) if i18n.has_label(f"param.trend_{end}") else ""
    name = parameter.rsplit(": ", 1)[-1]
    if name in ("effect_full", "effect") or parameter.startswith("shock"):
        return f"{i18n.fmt_number(100 * value, lang, 1, sign=True)} {t('pp_short', lang)}"
    if name == "fidelity" or parameter.startswith("combination"):
        return i18n.fmt_percent(100 * value, lang, 0)
    if name == "lag_years":
        return t("param.years_n", lang, n=i18n.fmt_int(value, lang)) if i18n.has_label("param.years_n") \
            else i18n.fmt_int(value, lang)
    return i18n.fmt_number(value, lang, 2)


def sensitivity_label(parameter: str, lang: str) -> str:
    """Readable label of a :func:`simlib.assess.feasibility.sensitivity` parameter in ``lang``."""
    if parameter.startswith("trend"):
        return t("param.trend", lang)
    if parameter.startswith("combination"):
        return t("param.max_feasible", lang)
    head, _, tail = parameter.partition(": ")
    if parameter.startswith("shock"):
        return i18n.label(tail.strip(), lang)
    lever = i18n.label(head, lang)
    return f"{lever}: {i18n.label('param.' + tail, lang, ('',)) if i18n.has_label('param.' + tail) else tail}"


def _evidence_chart(c: _Ctx) -> None:
    """The case's targets (its own plans and benchmarks) against the evidence, one panel per headline indicator."""
    heads = c.data.headline()
    obs_rows, tg_rows = [], []
    country = c.bundle.geographies.loc[c.bundle.geographies["level"] == "country", "geo_id"]
    series = {}
    for ind in heads:
        ev = c.base.evidence.get((c.geo, ind))
        sources = [ev.source_geography] if ev is not None and ev.assessable else [c.geo]
        sources += [g for g in country if g not in sources]
        for geo in sources:
            hist = history_frame(None, series=ev.series) if ev is not None and geo == ev.source_geography \
                else history_frame(c.bundle.observations, geo, ind)
            for r in hist.to_dict("records"):
                obs_rows.append({"panel": ind, "series": geo, "year": r["year"], "year_first": r["year_first"],
                                 "value": r["value"], "low": r["low"], "high": r["high"], "high_open": r["high_open"],
                                 "same_definition": r["same_definition"]})
            if len(hist):
                series[geo] = c.bundle.geo_name(geo) if geo not in set(country) else t("geo.country", c.lang)
        t_ind = c.bundle.targets[(c.bundle.targets["indicator"] == ind)
                                 & c.bundle.targets["plan_id"].isin(c.data.inputs.plans)]
        used_ids = set(c.data.used["target_id"])
        for r in t_ind.to_dict("records"):
            if r["target_id"] not in used_ids:
                continue
            sub = r["geography"] != c.geo
            thr = threshold(r)
            tg_rows.append({"panel": ind, "plan": r["plan_id"], "year": int(r["year"]), "share": thr.value,
                            "comparator": r["comparator"], "high": r.get("high_share", np.nan),
                            "subunit": sub, "subunit_name": c.bundle.geo_name(r["geography"]) if sub else ""})
    if not tg_rows and not obs_rows:
        return
    years = [int(r["year"]) for r in tg_rows] + [int(r["year"]) for r in obs_rows]
    fig = charts.targets_vs_evidence(
        pd.DataFrame(obs_rows), pd.DataFrame(tg_rows), panels=heads,
        panel_titles={i: f"{c.ind(i)} ({c.unit_label(i)})" for i in heads}, series_labels=series,
        plan_labels={p: c.plan_short(p) for p in c.data.inputs.plans}, lang=c.lang,
        title=t("report.evidence_title", c.lang), source=t("report.source_evidence", c.lang), today=c.today,
        first_year=min(years + [c.base.years[0]]), last_year=max(years + [c.base.years[-1]]))
    c.save(fig, "targets_vs_evidence")


# --------------------------------------------------------------------------------------------------------------
# words: headline, callouts, caveats
# --------------------------------------------------------------------------------------------------------------
def _headline(c: _Ctx) -> list[str]:
    tab, b = c.data.report.table, c.base
    paras, unassessed = [], []
    for ind in c.data.headline():
        tg = c.data.used[(c.data.used["indicator"] == ind) & (c.data.used["geography"] == c.geo)]
        for tid in tg["target_id"]:
            r = tab[(tab["target_id"] == tid) & (tab["scenario"] == "baseline")].iloc[0]
            if r["verdict"] == NOT_ASSESSED:
                unassessed.append(f"{c.ind(ind)} {c.pct(r['target_pct'])} ({int(r['year'])})")
                continue
            target = c.pct(r["target_pct"])
            kw = dict(ind=c.ind(ind), year=str(int(r["year"])), target=target)
            if r["verdict"] in (MET, MISSED):
                key = "report.headline_past_met" if r["verdict"] == MET else "report.headline_past_missed"
                txt = t(key, c.lang, observed=c.pct(r["observed_pct"], 1),
                        gap=i18n.fmt_number(abs(r["target_pct"] - r["observed_pct"]), c.lang, 2), **kw)
            elif r["timing"] == "past_estimated":
                txt = t("report.headline_past_estimated", c.lang, p=i18n.fmt_prob(r["p_met"], c.lang),
                        verdict=i18n.verdict_label(r["verdict"], c.lang).lower(), **kw)
            elif pd.isna(r.get("required_pace_pts")):
                best = tab[tab["target_id"] == tid]["p_met"].max()
                txt = t("report.headline_future_flows", c.lang,
                        verdict=i18n.verdict_label(r["verdict"], c.lang).lower(),
                        p=i18n.fmt_prob(r["p_met"], c.lang), p_best=i18n.fmt_prob(best, c.lang), **kw)
            else:
                best = tab[tab["target_id"] == tid]["p_met"].max()
                txt = t("report.headline_future", c.lang, verdict=i18n.verdict_label(r["verdict"], c.lang).lower(),
                        p=i18n.fmt_prob(r["p_met"], c.lang), p_best=i18n.fmt_prob(best, c.lang),
                        pace=i18n.fmt_number(r["required_pace_pts"], c.lang, 1),
                        last=c.pct(r["last_pct"]), last_year=str(int(r["last_year"])) if pd.notna(r["last_year"])
                        else "–", trend_pace=i18n.fmt_number(r["anticipated_pace_pts"], c.lang, 1),
                        n_points=i18n.fmt_int(r["n_points"], c.lang) if pd.notna(r["n_points"]) else "0", **kw)
            ceiling = b.draws.max_feasible.get(ind)
            if ceiling is not None and r["target_pct"] / 100.0 > float(np.max(ceiling)):
                txt += " " + t("report.headline_ceiling", c.lang)
            paras.append(txt)
    if unassessed:  # said, not dropped: the planner sees which targets need data first
        paras.append(t("report.headline_not_assessed", c.lang, targets="; ".join(unassessed)))
    paras += _defensible(c)
    paras += _own_figures(c)
    borrowed = sum(ev.hops > 0 for (u, _), ev in c.data.plan_evidence.items() if u != c.geo)
    if borrowed:
        paras.append(t("report.headline_borrowed", c.lang, k=str(borrowed), units=c.units_word()))
    return paras


def _own_figures(c: _Ctx) -> list[str]:
    """Which figures are the province's own (cohort, THPT/THCS ratio: the province panel) and which borrowed."""
    from simlib.evidence import panel as evidence_panel

    out, co = [], c.base.cohort_info
    pr = co.projections.get(c.geo) if co is not None else None
    if pr is not None:
        last = c.base.years[-1]
        lo, hi = pr.interval([last])
        used = pr.history[pr.history["used"]]
        out.append(t("report.headline_own_cohort", c.lang, geo=c.geo_name, year=str(last),
                     cohort=i18n.fmt_int(round(pr.predict([last])[0], -2), c.lang),
                     low=i18n.fmt_int(round(lo[0], -2), c.lang), high=i18n.fmt_int(round(hi[0], -2), c.lang),
                     n=i18n.fmt_int(pr.n_source_figures, c.lang), first=str(int(used["year"].min())),
                     last=str(int(used["year"].max()))))
    elif co is not None and co.projections and co.low is not None:  # a merged province: its former parts projected
        last = c.base.years[-1]
        out.append(t("report.headline_own_cohort_parts", c.lang, geo=c.geo_name, year=str(last),
                     cohort=i18n.fmt_int(round(co.values[0, -1], -2), c.lang),
                     low=i18n.fmt_int(round(co.low[0, -1], -2), c.lang),
                     high=i18n.fmt_int(round(co.high[0, -1], -2), c.lang),
                     parts=", ".join(c.bundle.geo_name(g) for g in co.projections),
                     n=i18n.fmt_int(sum(p.n_source_figures for p in co.projections.values()), c.lang)))
    ratio = evidence_panel.enrolment_ratio(c.bundle.panel, c.geo)
    if len(ratio):
        n = evidence_panel.own_figures(c.bundle.panel, c.geo)["thpt_thcs_enrolment_ratio"]
        out.append(t("report.headline_own_ratio", c.lang, geo=c.geo_name,
                     ratio=i18n.fmt_number(float(ratio["value"].iloc[-1]), c.lang, 2),
                     ratio_year=str(int(ratio["year"].iloc[-1])), first=str(int(ratio["year"].iloc[0])),
                     n=i18n.fmt_int(n, c.lang)))
    items = []
    for ind in c.data.headline():
        ev = c.data.plan_evidence.get((c.geo, ind))
        if ev is not None and ev.source_geography and ev.source_geography != c.geo:
            items.append(f"{c.ind(ind, short=True)} ({c.bundle.geo_name(ev.source_geography)})")
    if items and out:
        out.append(t("report.headline_borrowed_from", c.lang, items="; ".join(items)))
    return out


def _defensible(c: _Ctx) -> list[str]:
    """For a forward-looking case: the target each headline trend indicator can defend in the last year."""
    if c.data.case.kind != "plan":
        return []
    reach, out = c.data.tables["targets_reachable"], []
    last = c.base.years[-1]
    for ind in c.data.headline():
        ev = c.data.plan_evidence.get((c.geo, ind))
        r = reach[(reach["unit"] == c.geo) & (reach["indicator"] == ind) & (reach["scenario"] == "baseline")]
        if ev is None or r.empty or not ev.assessable:
            continue
        r = r.iloc[0]
        last_obs = max((o for o in ev.series if o.value_share is not None), key=lambda o: o.year, default=None)
        out.append(t("report.headline_defensible", c.lang, ind=c.ind(ind), year=str(last),
                     p50=c.pct(r["reach_p50_pct"], 1), p80=c.pct(r["reach_p80_pct"], 1),
                     last=c.pct(100 * last_obs.value_share, 2) if last_obs else "–",
                     last_year=str(last_obs.year) if last_obs else "–", n_points=i18n.fmt_int(ev.n_points, c.lang)))
        if ev.source_geography != c.geo:  # borrowed from a wider area (e.g. the national series): say whose figures
            out[-1] += " " + t("report.headline_source_other", c.lang, geo=c.geo_name,
                               src=c.bundle.geo_name(ev.source_geography))
    return out


def _callouts(c: _Ctx) -> list[tuple[str, str]]:
    tab, out = c.data.report.table, []
    for ind in c.data.headline():
        tg = c.data.used[(c.data.used["indicator"] == ind) & (c.data.used["geography"] == c.geo)]
        for r in tg.to_dict("records")[:1]:
            row = tab[(tab["target_id"] == r["target_id"]) & (tab["scenario"] == "baseline")].iloc[0]
            kw = dict(target=c.pct(row["target_pct"]), short=c.ind(ind, short=True), year=str(int(r["year"])))
            if row["verdict"] in (MET, MISSED):
                out.append((t("report.callout_result", c.lang, **kw), c.pct(row["observed_pct"], 1)))
            else:
                out.append((t("report.callout_p", c.lang, **kw), i18n.fmt_prob(row["p_met"], c.lang)))
            if ind in c.base.shares:
                out.append((t("report.callout_points", c.lang, short=c.ind(ind, short=True)),
                            i18n.fmt_int(c.base.evidence[(c.geo, ind)].n_points, c.lang)))
    return out


def _caveats(c: _Ctx) -> list[str]:
    n = c.data.config.n_draws
    out = [t("report.caveat_levers", c.lang)]
    if c.run.illustrative:
        out.append(t("report.caveat_costs", c.lang))
    out.append(t("report.caveat_draws", c.lang, draws=c.draws, seed=c.seed,
                 mc=i18n.fmt_number(0.5 / np.sqrt(n), c.lang, 3)))
    succ = c.bundle.geographies.set_index("geo_id")
    if "successor" in succ.columns:
        s = succ.get("successor", pd.Series(dtype=object)).get(c.geo)
        if isinstance(s, str) and s:
            out.append(t("report.caveat_merger", c.lang, old=c.geo_name, new=c.bundle.geo_name(s), date="1/7/2025"))
    a, bb, cc = (i18n.fmt_number(x, c.lang, 1) for x, _ in VERDICT_BANDS[:3])
    out.append(t("report.caveat_bands", c.lang, bands=t("verdict_bands_note", c.lang, a=a, b=bb, c=cc)))
    out.append(t("report.caveat_csv", c.lang))
    return out


# --------------------------------------------------------------------------------------------------------------
# tables for people: workbook, page, document
# --------------------------------------------------------------------------------------------------------------
def _names(c: _Ctx) -> tuple[dict, dict]:
    inds = {k: c.ind(k, short=True) for k in c.reg}
    scs = {s.name: c.scenario(s.name) for s in c.data.scenarios}
    return inds, scs


def _sheets(c: _Ctx) -> list[Sheet]:
    d = c.data
    inds, scs = _names(c)
    summary, others = tables.split_targets(d.tables["feasibility"])
    ind_col = Column("indicator", "code", values=inds)
    sc_col = Column("scenario", "code", codes="scenario", values=scs)
    unit = [Column("unit_name"), ind_col]
    specs = {
        "targets_reachable": unit + [sc_col, Column("year", "year"), Column("reach_p50_pct", "percent"),
                                     Column("reach_p80_pct", "percent"), Column("n_points", "int"),
                                     Column("evidence", "id"), Column("unit", "id")],
        "contributions": [ind_col, sc_col, Column("year", "year"), Column("part", "code", codes="lever"),
                          Column("contribution_pp", "number", decimals=2), Column("unit", "id")],
        "sensitivity": [Column("parameter"), Column("low", "percent"), Column("high", "percent"),
                        Column("base", "percent"), Column("low_label"), Column("high_label"),
                        Column("swing", "number", decimals=1), ind_col, sc_col, Column("year", "year")],
        "costs": [sc_col, Column("years"), Column("cost_vnd", "money"), Column("additional", "int"),
                  Column("share_draws_adding", "prob"), Column("cost_per_additional_q0.1", "money"),
                  Column("cost_per_additional_q0.5", "money"), Column("cost_per_additional_q0.9", "money"),
                  Column("illustrative", "bool")],
        "capacity": [sc_col, Column("year", "year"), Column("entrants_q0.5", "int"), Column("entrants_q0.9", "int"),
                     Column("capacity_known", "int"), Column("capacity_covers"), Column("p_entrants_above_known", "prob"),
                     Column("note"), Column("unit", "id")],
        "seats": [sc_col, Column("track", "code", codes="track"), Column("year", "year"), Column("q0.05", "int"),
                  Column("q0.5", "int"), Column("q0.95", "int"), Column("unit", "id")],
        "priors": [Column("lever", "code", codes="lever"), Column("parameter"), Column("distribution"),
                   Column("status"), Column("source")],
    }
    sheets = [Sheet(t("report.sheet.summary", c.lang), summary, tables.summary_columns(indicator_names=inds),
                    note=t("report.wb_note.summary", c.lang)),
              Sheet(t("report.sheet.feasibility", c.lang), d.tables["feasibility"],
                    tables.feasibility_columns(indicator_names=inds, scenario_titles=scs),
                    note=t("report.wb_note.feasibility", c.lang), freeze_columns=2)]
    if len(others):
        sheets.append(Sheet(t("report.sheet.other_targets", c.lang), others,
                            tables.feasibility_columns(indicator_names=inds, scenario_titles=scs),
                            note=t("report.wb_note.other_targets", c.lang), freeze_columns=2))
    quota = _quota_display(c)
    if quota is not None:
        sheets.insert(1, Sheet(t("report.sheet.quota", c.lang), quota[0], quota[1],
                               note=t("report.wb_note.quota", c.lang)))
    mon = d.tables.get("monitoring")
    if mon is not None and len(mon):
        sheets.insert(1, Sheet(t("report.sheet.monitoring", c.lang), mon, _monitoring_columns(c),
                               note=t("report.wb_note.monitoring", c.lang)))
    names = {"targets_reachable": "targets_defensible"}
    for key, cols in specs.items():
        df = d.tables.get(key)
        if df is None or df.empty:
            continue
        k = names.get(key, key)
        sheets.append(Sheet(t(f"report.sheet.{k}", c.lang), df, [x for x in cols if x.key in df.columns],
                            note=t(f"report.wb_note.{k}", c.lang)))
    return sheets



def _quota_display(c: _Ctx) -> tuple[pd.DataFrame, list[Column]] | None:
    """The quota table for people: one row per quota, shares with their 80 % interval, seats by programme."""
    q = c.data.tables.get("quota")
    if q is None or q.empty:
        return None
    rows = []
    inds = [i for i in ("thcs_to_thpt_public", "thcs_to_gdnn_sc_tc", "thcs_to_vocational", "thcs_transition",
                        "vet_share_pooled") if f"{i}_pct" in q.columns]
    seats = [t for t in ("thpt", "trung_cap", "trung_hoc_nghe", "gdtx") if f"seats_{t}" in q.columns]
    for r in q.to_dict("records"):
        row = {"quota": t("report.no_quota", c.lang) if pd.isna(r["quota_pct"]) else c.pct(r["quota_pct"], 0)}
        for i in inds:
            row[i] = (f"{c.pct(r[f'{i}_pct'], 1)} ({i18n.fmt_number(r[f'{i}_q0.1_pct'], c.lang, 1)}–"
                      f"{i18n.fmt_number(r[f'{i}_q0.9_pct'], c.lang, 1)})")
        for tr in seats:
            row[f"seats_{tr}"] = r[f"seats_{tr}"]
        rows.append(row)
    cols = [Column("quota", label=t("col.quota_grade10_public", c.lang))]
    cols += [Column(i, label=c.ind(i, short=True)) for i in inds]
    cols += [Column(f"seats_{tr}", "int", label=f"{t('seats', c.lang).capitalize()}: "
                                               f"{i18n.label(tr, c.lang, ('track.', ''))}") for tr in seats]
    return pd.DataFrame(rows), cols


def _monitoring_columns(c: _Ctx) -> list[Column]:
    inds, _ = _names(c)
    return [Column("unit_name"), Column("indicator", "code", values=inds), Column("year", "year"),
            Column("status", "code", codes="monitor", label=t("col.monitor_status", c.lang)),
            Column("actual_pct", "percent", decimals=1), Column("path_pct", "percent", decimals=1),
            Column("gap_pts", "number", decimals=1), Column("target_pct", "percent", decimals=2),
            Column("target_year", "year"), Column("baseline_pct", "percent", decimals=1),
            Column("baseline_year", "year"), Column("source", "id"), Column("unit", "id")]


def _workbook(c: _Ctx) -> None:
    d = c.data
    data_label = t("report.wb_bundled_data", c.lang)
    notes = [t("report.wb_general", c.lang, version=simlib.__version__, draws=c.draws, seed=c.seed, data=data_label)]
    notes += [t("report.wb_planner_file", c.lang, file=p.name) for p in d.inputs.planner_files]
    if d.run.illustrative:
        notes.append(t("report.wb_illustrative_costs", c.lang))
    notes.append(t("report.caveat_csv", c.lang))
    write_planner_workbook(c.folder / "simlib_report.xlsx", _sheets(c), lang=c.lang,
                           title=t("report.title_geo", c.lang, geo=c.geo_name), notes=notes)


def _verdict_table(c: _Ctx) -> tuple[pd.DataFrame, list[Column]]:
    inds, _ = _names(c)
    summary, _ = tables.split_targets(c.data.tables["feasibility"])
    return summary[summary["geography"] == c.geo].reset_index(drop=True), tables.summary_columns(indicator_names=inds)


def _html(c: _Ctx, headline: list[str], caveats: list[str]) -> None:
    img = lambda *names: [c.folder / f"{n}.svg" for n in names if n in c.written]  # noqa: E731
    cap = lambda *names: [n for n in names if n in c.written]  # noqa: E731
    heads = c.data.headline()
    vt, cols = _verdict_table(c)
    reach = c.data.tables["targets_reachable"]
    reach = reach[reach["unit"] == c.geo]
    inds, scs = _names(c)
    reach_cols = [Column("indicator", "code", values=inds), Column("scenario", "code", codes="scenario", values=scs),
                  Column("reach_p50_pct", "percent"), Column("reach_p80_pct", "percent"), Column("n_points", "int")]
    lever = c.data.lever_indicator
    sections = [
        Section(t("report.headline", c.lang), "\n\n".join(headline), callouts=_callouts(c), images=img("p_met")),
        Section(t("report.verdicts", c.lang), "", table=vt, columns=cols),
        Section(t("report.details", c.lang), "", images=img(*[f"fan_{i}" for i in heads]),
                page_break_before=True),
        Section(t("report.communes" if c.units_word() == t("geo.communes", c.lang) else "report.districts", c.lang),
                "", images=img(*[f"units_{i}" for i in heads])),
        Section(t("report.levers", c.lang), "", images=img(f"waterfall_{lever}", f"tornado_{lever}")),
        Section(t("report.targets_defensible", c.lang, year=str(c.base.years[-1])), "", table=reach,
                columns=reach_cols),
        *_planning_sections(c),
        Section(t("report.evidence", c.lang), "", images=img("targets_vs_evidence")),
        Section(t("report.caveats", c.lang), "\n\n".join(caveats)),
    ]
    sections = [s for s in sections if s.text or s.images or s.table is not None or s.callouts]
    write_html_summary(c.folder / "summary.html", title=t("report.title_geo", c.lang, geo=c.geo_name), lang=c.lang,
                       sections=sections, subtitle=t("report.subtitle", c.lang, year=str(c.base.years[-1]),
                                                      school_year=i18n.school_year(c.data.case.as_of)),
                       footer=t("report.footer", c.lang, version=simlib.__version__, draws=c.draws, seed=c.seed))
    del cap


def _planning_sections(c: _Ctx) -> list[Section]:
    out = []
    quota = _quota_display(c)
    if quota is not None:
        out.append(Section(t("report.quota", c.lang), t("report.quota_note", c.lang,
                                                          from_year=str(c.data.case.as_of + 1),
                                                          year=str(c.base.years[-1]), draws=c.draws),
                           table=quota[0], columns=quota[1]))
    mon = c.data.tables.get("monitoring")
    if mon is not None and len(mon):
        out.append(Section(t("report.monitoring", c.lang), t("report.monitoring_note", c.lang,
                                                               tol=i18n.fmt_number(1.0, c.lang, 0)),
                           table=mon, columns=_monitoring_columns(c)))
    return out


def _word(c: _Ctx, headline: list[str], caveats: list[str]) -> None:
    vt, cols = _verdict_table(c)
    heads = c.data.headline()
    pngs = lambda names: [(c.written[n], caption) for n, caption in names if n in c.written]  # noqa: E731
    lever = c.data.lever_indicator
    sections = [
        DocSection(t("report.verdicts", c.lang), table=vt, columns=cols, table_caption=t("report.verdicts", c.lang),
                   images=pngs([("p_met", _p_met_title(c))]
                               + [(f"fan_{i}", t("report.fan_title", c.lang, ind=c.ind(i), geo=c.geo_name))
                                  for i in heads])),
        DocSection(t("report.levers", c.lang), images=pngs([(f"waterfall_{lever}", t("report.levers", c.lang))])),
    ]
    quota = _quota_display(c)
    if quota is not None:
        sections.append(DocSection(t("report.quota", c.lang),
                                   paragraphs=[t("report.quota_note", c.lang, from_year=str(c.data.case.as_of + 1),
                                                 year=str(c.base.years[-1]), draws=c.draws)],
                                   table=quota[0], columns=quota[1], table_caption=t("report.quota", c.lang)))
    header = DocHeader(number=t("word.number_blank", c.lang, agency_code="SGDĐT"),
                       place_date=t("word.place_date_blank", c.lang, place=c.geo_name, year=str(c.data.case.as_of)))
    write_report_docx(c.folder / "report.docx", lang=c.lang, title=t("report.title_geo", c.lang, geo=c.geo_name),
                      subject=c.data.case.title(c.lang), header=header, headline=headline,
                      key_figures=_callouts(c), sections=sections, caveats=caveats,
                      sources=[t("report.source_evidence", c.lang), c.sources()["fan"]],
                      footer_note=t("word.generated_by", c.lang, version=simlib.__version__))


def render_language(data, lang: str, folder: Path) -> None:
    """Charts, workbook, Word report and HTML page of one language into ``folder`` (tables are written by the caller)."""
    c = _Ctx(data, lang, folder)
    _evidence_chart(c)
    _fan_charts(c)
    _p_met_chart(c)
    _lever_charts(c)
    headline, caveats = _headline(c), _caveats(c)
    _workbook(c)
    _word(c, headline, caveats)
    _html(c, headline, caveats)
