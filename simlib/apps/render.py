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
        # one "today" per report: the latest school year with results (as_of: its graduates have streamed)
        self.today = data.case.as_of + 0.5
        self.school_year = i18n.school_year(data.case.as_of)
        self.today_label = t("today", lang, school_year=self.school_year)
        self.geo = self.base.geography
        self.geo_name = self.bundle.geo_name(self.geo)
        self.written: dict[str, Path] = {}
        self.captions: dict[str, str] = {}
        self.no_chart: dict[str, str] = {}  # chart name -> the one line said instead of an empty chart

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
        """Source lines of the charts, in words (no file paths, no code names)."""
        d = self.data
        ev = "; ".join([t("report.src_library", self.lang)]
                       + [t("report.src_planner", self.lang, file=p.name) for p in d.inputs.planner_files])
        plan = ", ".join(self.plan_short(p) for p in d.inputs.plans)
        method = t(f"trend.{d.config.method}", self.lang) if i18n.has_label(f"trend.{d.config.method}") \
            else t("param.trend", self.lang)
        return {"fan": t("report.source_fan_words", self.lang, evidence=ev, plan=plan, method=method,
                         draws=self.draws, seed=self.seed),
                "short": t("report.source_short_words", self.lang, evidence=ev, plan=plan, draws=self.draws,
                           seed=self.seed),
                "levers": t("report.source_levers_words", self.lang, draws=self.draws, seed=self.seed)}

    def plan_short(self, plan_id: str) -> str:
        """A plan's short name ("QĐ 1705"); the case's own plan without one is "the province's plan", never the
        case folder's name."""
        p = self.bundle.plans
        hit = p[p["plan_id"] == plan_id]
        if len(hit) and "short" in hit and isinstance(hit["short"].iloc[0], str) and hit["short"].iloc[0] \
                and hit["short"].iloc[0] not in (plan_id, self.data.case.id):
            return str(hit["short"].iloc[0])
        if plan_id == self.data.case.id or plan_id not in self.data.case.benchmarks:
            return t("report.plan_own", self.lang)
        return plan_id

    def illustrative_inputs(self) -> list[str]:
        """What is illustrative in this run, in words (cohort, flow shares, lever prices); empty when nothing."""
        b, out = self.base, []
        info = getattr(b, "cohort_info", None)
        if not getattr(b, "cohort_known", True) or (info is not None and getattr(info, "illustrative", False)):
            out.append(t("report.illus_cohort", self.lang))
        if getattr(b, "illustrative", ()):
            out.append(t("report.illus_flows", self.lang))
        if any(getattr(lv, "illustrative_cost", False) for lv in b.levers.levers.values()):
            out.append(t("report.illus_costs", self.lang))
        return out

    def cohort_illustrative(self) -> bool:
        return t("report.illus_cohort", self.lang) in self.illustrative_inputs()

    def is_count(self, ind: str) -> bool:
        spec = self.reg.get(ind)
        return spec is not None and spec.kind == "count"

    def chart_illustrative(self, ind: str) -> bool:
        return bool(self.run.is_illustrative(ind) or (self.is_count(ind) and self.cohort_illustrative()))

    def skip(self, name: str, what: str) -> None:
        """No chart: say so in one line instead of drawing empty axes."""
        self.no_chart[name] = t("report.no_chart", self.lang, what=what)

    def save(self, fig, name: str, caption: str = "") -> None:
        charts.save_figure(fig, self.folder / f"{name}.png")
        charts.save_figure(fig, self.folder / f"{name}.svg")
        plt.close(fig)
        self.written[name] = self.folder / f"{name}.png"
        self.captions[name] = caption


# --------------------------------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------------------------------
def _targets_for(c: _Ctx, ind: str, unit: str) -> list[tuple]:
    used = c.data.used
    tg = used[(used["indicator"] == ind) & (used["geography"] == unit)]
    return [(c.plan_short(r["plan_id"]), threshold(r).value, int(r["year"])) for r in tg.to_dict("records")]


#: Quantiles of every fan a report draws: the median, the 80 % interval (the interval every table gives) and 50 %.
FAN_PROBS = (0.1, 0.25, 0.5, 0.75, 0.9)


def _fan_charts(c: _Ctx) -> None:
    src = c.sources()["fan"]
    for ind in c.data.headline():
        ev = c.base.evidence.get((c.geo, ind))
        hist = history_frame(None, series=ev.series) if ev is not None and ev.assessable else None
        q = c.run.fan(ind, c.geo, "baseline", probs=FAN_PROBS)
        title = t("report.fan_title", c.lang, ind=c.ind(ind), geo=c.geo_name)
        if q.isna().all().all():
            c.skip(f"fan_{ind}", title)
            continue
        targets = _targets_for(c, ind, c.geo)
        note = ""
        history_label = None
        if ev is not None and ev.assessable and ev.source_geography != c.geo and hist is not None and len(hist):
            src_name = _geo_word(c, ev.source_geography)
            note = t("report.fan_other_geo", c.lang, geo=c.geo_name, src=src_name)
            history_label = src_name
        low = min([float(np.nanmin(q.to_numpy()))] + [x for _, x, _ in targets])
        ylim = (max(0.0, 10.0 * np.floor((100 * low - 5) / 10)), 100.0) if low > 0.5 else None
        fig = charts.fan_chart(
            q, history=hist, targets=targets, lang=c.lang, ylim=ylim, title=title,
            subtitle=t("report.fan_subtitle", c.lang, unit=c.unit_label(ind), scenario=c.scenario("baseline")),
            note=note, source=src, illustrative=c.chart_illustrative(ind), today=c.today, today_label=c.today_label,
            ylabel=c.unit_label(ind), history_label=history_label)
        c.save(fig, f"fan_{ind}", title)
        _unit_panels(c, ind, src)
        _ranked_units(c, ind, src)


def _geo_word(c: _Ctx, geo: str) -> str:
    """A geography's name; the country as "Cả nước" / "Vietnam"."""
    lv = c.bundle.geographies.set_index("geo_id")["level"].get(geo)
    return t("geo.country", c.lang) if lv == "country" else c.bundle.geo_name(geo)


def _sub_units(c: _Ctx) -> list[str]:
    return list(dict.fromkeys(c.data.report.fans["unit"]))[1:]


def _own_units(c: _Ctx, ind: str) -> list[str]:
    """Sub-units with figures of their own for ``ind`` (not borrowing the province's trend)."""
    ev = c.data.plan_evidence
    return [u for u in _sub_units(c) if ind in c.base.shares and ev.get((u, ind)) is not None
            and ev[(u, ind)].hops == 0 and ev[(u, ind)].n_points > 0]


def _unit_targets(c: _Ctx, ind: str) -> pd.DataFrame:
    used = c.data.used
    return used[(used["indicator"] == ind) & (used["geography"] != c.geo)]


def _unit_panels(c: _Ctx, ind: str, src: str) -> None:
    b, used = c.base, c.data.used
    sub_t = _unit_targets(c, ind)
    tyears = sorted(int(y) for y in sub_t["year"])
    year = tyears[0] if tyears else b.years[-1]
    units_all = _sub_units(c)
    own = _own_units(c, ind)
    with_target = list(dict.fromkeys(sub_t["geography"]))
    candidates = list(dict.fromkeys(own + with_target))
    units = c.units_word()
    title = t("report.districts_title", c.lang, ind=c.ind(ind), year=str(year), units=units)
    if not units_all or not candidates:  # nothing of their own: the commune section says so once
        return
    panels, tmap, pmap = {}, {}, {}
    fans = c.data.report.fans
    tab = c.data.report.table
    for unit in candidates:
        q = fans[(fans["indicator"] == ind) & (fans["unit"] == unit)].set_index("year")
        q = q[[col for col in q.columns if col.startswith("q")]]
        if q.empty or q.isna().all().all():  # no figures: not drawn (an empty panel says nothing)
            continue
        name = c.bundle.geo_name(unit)
        panels[name] = q
        trow = used[(used["indicator"] == ind) & (used["geography"] == unit) & (used["year"] == year)]
        if len(trow):
            tmap[name] = threshold(trow.iloc[0]).value
            v = tab[(tab["target_id"] == trow["target_id"].iloc[0]) & (tab["scenario"] == "baseline")]
            pmap[name] = float(v["p_met"].iloc[0]) if len(v) else float("nan")
        if len(panels) >= MAX_UNIT_PANELS:
            break
    if not panels:
        c.skip(f"units_{ind}", title)
        return
    note = t("report.units_note2", c.lang, own=str(len(own)), tg=str(len(with_target)), m=str(len(units_all)),
             units=units, k=str(len(panels)))
    fig = charts.small_multiples(panels, targets=tmap, probs=pmap, lang=c.lang, title=title,
                                 subtitle=c.unit_label(ind), note=note, source=src,
                                 illustrative=c.chart_illustrative(ind), today=c.today, today_label=c.today_label)
    c.save(fig, f"units_{ind}", title)


def _ranked_frame(c: _Ctx, ind: str) -> pd.DataFrame:
    """One row per sub-unit with figures or a target of its own: the last year's median and 80 % interval,
    its target, its latest reported figure and P(met) (baseline), lowest median first."""
    b = c.base
    last = b.years[-1]
    own = set(_own_units(c, ind))
    tg = _unit_targets(c, ind)
    units = list(dict.fromkeys(list(own) + list(tg["geography"])))
    units = [u for u in _sub_units(c) if u in units]
    fans = c.data.report.fans
    tab = c.data.report.table
    ev = c.data.plan_evidence
    rows = []
    for u in units:
        tr = tg[tg["geography"] == u]
        year = int(tr["year"].max()) if len(tr) else last
        f = fans[(fans["indicator"] == ind) & (fans["unit"] == u) & (fans["year"] == year)]
        if f.empty or not {"q0.1", "q0.9"} <= set(f.columns):
            continue
        f = f.iloc[0]
        target = p = np.nan
        if len(tr):
            r = tr[tr["year"] == year].iloc[0]
            target = threshold(r).value
            v = tab[(tab["target_id"] == r["target_id"]) & (tab["scenario"] == "baseline")]
            p = float(v["p_met"].iloc[0]) if len(v) else np.nan
        e = ev.get((u, ind))
        obs = [o for o in (e.series if e is not None and e.hops == 0 else []) if o.value_share is not None]
        rep = max(obs, key=lambda o: o.year).value_share if obs else np.nan
        rows.append({"unit": u, "label": c.bundle.geo_name(u), "year": year, "median": f["q0.5"], "low": f["q0.1"],
                     "high": f["q0.9"], "target": target, "reported": rep, "own": u in own, "p_met": p})
    df = pd.DataFrame(rows, columns=["unit", "label", "year", "median", "low", "high", "target", "reported", "own",
                                     "p_met"])
    return df.sort_values(["median", "label"], kind="stable").reset_index(drop=True)


#: At most this many sub-units in the ranked chart (the lowest first: those most behind).
MAX_RANKED = 40


def _ranked_units(c: _Ctx, ind: str, src: str) -> None:
    df = _ranked_frame(c, ind)
    last = c.base.years[-1]
    units = c.units_word()
    title = t("report.ranked_title", c.lang, ind=c.ind(ind), year=str(last), units=units)
    if df.empty or df["median"].isna().all():
        if _own_units(c, ind) or len(_unit_targets(c, ind)):
            c.skip(f"communes_{ind}", title)
        return
    fig = charts.ranked_intervals(df.head(MAX_RANKED), lang=c.lang, title=title,
                                  subtitle=t("report.ranked_subtitle", c.lang, unit=c.unit_label(ind)),
                                  source=src, illustrative=c.chart_illustrative(ind), xlabel=c.unit_label(ind))
    c.save(fig, f"communes_{ind}", title)


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
    c.save(fig, "p_met", _p_met_title(c))


def _scalable(gap: float, sum_parts: float) -> bool:
    """True when the levers' mean contributions can split the difference of two medians: same sign and the
    same size within a factor of two (a skewed share can move its median much more, or less, than its mean:
    then the means are shown as they are, and said to be means)."""
    return abs(sum_parts) > 1e-6 and gap * sum_parts > 0 and 0.5 <= gap / sum_parts <= 2.0


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
    j, k = b.unit_index(c.geo), b.year_index(last)
    start = 100.0 * float(np.median(b.trend[ind][:, j, k]))
    total = 100.0 * float(np.median(c.run.share(ind, sc.name)[:, j, k]))
    gap, sum_parts = total - start, float(parts.sum())
    if _scalable(gap, sum_parts):
        # one central value per answer: start and total are medians (as in the headline and the tables); the
        # levers' parts split the difference of the medians by their mean contributions
        parts = parts * (gap / sum_parts)
        base, tot = start, total
        note = t("report.waterfall_median_note", c.lang, base=c.pct(start, 1), total=c.pct(total, 1),
                 year=str(last), draws=c.draws)
        subtitle = t("report.fan_subtitle", c.lang, unit=c.unit_label(ind), scenario=c.scenario(sc.name))
    else:
        # the medians move against (or far from) the mean contributions: start and total stay the medians (one
        # central value per answer); the levers keep their mean contributions and one bar holds the rest (the skew
        # of a share near its ceiling), so that the bars still add up to the total
        base, tot = start, total
        parts = pd.concat([parts, pd.Series({t("report.waterfall_rest", c.lang): gap - sum_parts})])
        note = t("report.waterfall_rest_note", c.lang, base=c.pct(start, 1), total=c.pct(total, 1),
                 year=str(last), draws=c.draws)
        subtitle = t("report.fan_subtitle", c.lang, unit=c.unit_label(ind), scenario=c.scenario(sc.name))
    fig = charts.waterfall(
        parts, baseline=base, total=tot, lang=c.lang,
        title=t("report.waterfall_title", c.lang, year=str(last), scenario=c.scenario(sc.name)),
        subtitle=subtitle, note=note,
        baseline_label=t("report.waterfall_baseline", c.lang), unit_label=c.unit_label(ind),
        source=c.sources()["levers"], illustrative=True)
    c.save(fig, f"waterfall_{ind}", t("report.waterfall_title", c.lang, year=str(last), scenario=c.scenario(sc.name)))
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
    c.save(fig, f"tornado_{ind}", t("report.tornado_title", c.lang, year=str(last), scenario=c.scenario(sc.name)))


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
        title=t("report.evidence_title", c.lang), source=t("report.source_evidence_words", c.lang), today=c.today,
        first_year=min(years + [c.base.years[0]]), last_year=max(years + [c.base.years[-1]]))
    c.save(fig, "targets_vs_evidence", t("report.evidence_title", c.lang))


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
    paras += _commune_headline(c)
    paras += _quota_headline(c)
    paras += _lever_headline(c)
    borrowed = sum(ev.hops > 0 for (u, _), ev in c.data.plan_evidence.items() if u != c.geo)
    if borrowed:
        paras.append(t("report.headline_borrowed", c.lang, k=str(borrowed), units=c.units_word()))
    illus = c.illustrative_inputs()
    if illus:
        paras.append(t("report.illustrative_note", c.lang, what=", ".join(illus)))
    return paras


def _behind(c: _Ctx) -> tuple[int | None, list[str], int]:
    """(year, names of the units behind the path that year, units that reported) from the monitoring table."""
    mon = c.data.tables.get("monitoring")
    if mon is None or mon.empty:
        return None, [], 0
    m = mon[mon["unit"] != c.geo]
    reported = m[m["status"].isin(["on_track", "behind", "ahead"])]
    if reported.empty:
        return None, [], 0
    year = int(reported["year"].max())
    now = reported[reported["year"] == year]
    names = list(dict.fromkeys(now.loc[now["status"] == "behind", "unit_name"].astype(str)))
    return year, names, int(now["unit"].nunique())


def _commune_headline(c: _Ctx) -> list[str]:
    """Communes' own targets with P(met), and the communes behind the Circular 16 path, named."""
    out, units = [], c.units_word()
    tab = c.data.report.table
    for ind in c.data.headline():
        tg = _unit_targets(c, ind)
        if tg.empty:
            continue
        year = int(tg["year"].max())
        items = []
        for r in tg[tg["year"] == year].to_dict("records"):
            v = tab[(tab["target_id"] == r["target_id"]) & (tab["scenario"] == "baseline")]
            if v.empty or pd.isna(v["p_met"].iloc[0]):
                continue
            items.append((float(v["p_met"].iloc[0]), c.bundle.geo_name(r["geography"]), 100 * threshold(r).value))
        items.sort()
        if items:
            shown = "; ".join(t("report.commune_target_item", c.lang, name=n, target=c.pct(x),
                                p=i18n.fmt_prob(p, c.lang)) for p, n, x in items[:8])
            more = f" (+{len(items) - 8})" if len(items) > 8 else ""
            out.append(f"{c.ind(ind)}: " + t("report.headline_commune_targets", c.lang, units=units, year=str(year),
                                               names=shown + more))
    year, names, n = _behind(c)
    if year is not None:
        if names:
            out.append(t("report.headline_behind", c.lang, units=units.capitalize(), year=str(year),
                         names=", ".join(names)))
        else:
            out.append(t("report.headline_none_behind", c.lang, units=units, year=str(year), n=str(n)))
    return out


def _quota_choice(c: _Ctx) -> float | None:
    """The quota the headline speaks of: the one a scenario of the case sets, else the lowest of the table."""
    q = c.data.tables.get("quota")
    if q is None or q.empty:
        return None
    grid = sorted(float(x) for x in q["quota_pct"].dropna())
    if not grid:
        return None
    for sc in c.data.scenarios:
        v = getattr(sc, "quota", {}).get("grade10_public_share")
        if isinstance(v, dict) and v:
            v = list(v.values())[-1]
        if isinstance(v, (int, float)) and any(abs(100 * v - g) < 1e-6 for g in grid):
            return 100 * float(v)
    return grid[0]


def _quota_headline(c: _Ctx) -> list[str]:
    """What a public grade-10 quota in the province's range changes: transition, vocational share, seats."""
    q = c.data.tables.get("quota")
    chosen = _quota_choice(c)
    if chosen is None:
        return []
    none = q[q["quota_pct"].isna()]
    row = q[(q["quota_pct"] - chosen).abs() < 1e-6]
    if none.empty or row.empty:
        return []
    a, b = row.iloc[0], none.iloc[0]

    def pct(r, k):
        return c.pct(r[f"{k}_pct"], 1) if f"{k}_pct" in r and pd.notna(r[f"{k}_pct"]) else "–"

    def seats(r, k):
        return i18n.fmt_int(round(r[f"seats_{k}"], -1), c.lang) if f"seats_{k}" in r and pd.notna(r[f"seats_{k}"]) \
            else "–"

    grid = q["quota_pct"].dropna()
    return [t("report.headline_quota", c.lang, quota=c.pct(chosen, 0), from_year=str(c.data.case.as_of + 1),
              year=str(c.base.years[-1]), trans=pct(a, "thcs_transition"), trans0=pct(b, "thcs_transition"),
              vet=pct(a, "vet_share_pooled"), vet0=pct(b, "vet_share_pooled"), thpt=seats(a, "thpt"),
              thpt0=seats(b, "thpt"), gdtx=seats(a, "gdtx"), gdtx0=seats(b, "gdtx"),
              qmin=c.pct(grid.min(), 0), qmax=c.pct(grid.max(), 0))]


def _lever_headline(c: _Ctx) -> list[str]:
    """What the levers buy: the lever scenario's median against the baseline's, and each lever's share."""
    sc, ind = c.data.lever_scenario, c.data.lever_indicator
    if sc is None or ind is None:
        return []
    b, last = c.base, c.base.years[-1]
    j, k = b.unit_index(c.geo), b.year_index(last)
    with_ = 100 * float(np.median(c.run.share(ind, sc.name)[:, j, k]))
    without = 100 * float(np.median(c.run.share(ind, "baseline")[:, j, k]))
    contrib = c.run.contributions(ind, sc.name, c.geo, last) * 100.0
    # the levers' own parts (shocks such as free THPT are in the baseline too), splitting the difference of the
    # two medians by their mean contributions: one central value, as everywhere
    parts = contrib[[k_ for k_ in contrib.index if k_ != "trend" and not str(k_).startswith("shock:")]]
    key = "report.headline_levers_mean"
    if _scalable(with_ - without, float(parts.sum())):
        parts = parts * ((with_ - without) / float(parts.sum()))
        key = "report.headline_levers"
    parts = parts[parts.abs() > 0.05]
    words = [t("report.lever_part", c.lang, lever=i18n.label(str(k_).replace("shock:", ""), c.lang,
                                                             ("lever.", "")),
               pp=i18n.fmt_number(v, c.lang, 1, sign=True)) for k_, v in parts.items()]
    return [t(key, c.lang, scenario=c.scenario(sc.name), ind=c.ind(ind), year=str(last),
              **{"with": c.pct(with_, 1)}, without=c.pct(without, 1), parts="; ".join(words) or "–")]


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
    """Key figures: P(met) of the latest target of each headline indicator (a past one only when there is no
    future one), the defensible last-year value, the communes behind, the vocational share under the quota."""
    tab, out = c.data.report.table, []
    last = c.base.years[-1]
    reach = c.data.tables["targets_reachable"]
    for ind in c.data.headline():
        tg = c.data.used[(c.data.used["indicator"] == ind) & (c.data.used["geography"] == c.geo)]
        if len(tg):
            r = tg.sort_values("year").to_dict("records")[-1]
            row = tab[(tab["target_id"] == r["target_id"]) & (tab["scenario"] == "baseline")].iloc[0]
            kw = dict(target=c.pct(row["target_pct"]), short=c.ind(ind, short=True), year=str(int(r["year"])))
            if row["verdict"] in (MET, MISSED):
                out.append((t("report.callout_result", c.lang, **kw), c.pct(row["observed_pct"], 1)))
            elif row["verdict"] != NOT_ASSESSED:
                out.append((t("report.callout_p", c.lang, **kw), i18n.fmt_prob(row["p_met"], c.lang)))
        rr = reach[(reach["unit"] == c.geo) & (reach["indicator"] == ind) & (reach["scenario"] == "baseline")]
        ev = c.data.plan_evidence.get((c.geo, ind))
        if c.data.case.kind == "plan" and len(rr) and ev is not None and ev.assessable \
                and pd.notna(rr["reach_p50_pct"].iloc[0]):
            out.append((t("report.callout_defensible", c.lang, year=str(last), short=c.ind(ind, short=True)),
                        c.pct(rr["reach_p50_pct"].iloc[0], 1)))
        if ind in c.base.shares and (c.geo, ind) in c.base.evidence:
            out.append((t("report.callout_points", c.lang, short=c.ind(ind, short=True)),
                        i18n.fmt_int(c.base.evidence[(c.geo, ind)].n_points, c.lang)))
    year, names, n = _behind(c)
    if year is not None:
        out.append((t("report.callout_behind", c.lang, units=c.units_word().capitalize(), year=str(year)),
                    f"{len(names)}/{n}"))
    chosen = _quota_choice(c)
    q = c.data.tables.get("quota")
    if chosen is not None and "vet_share_pooled_pct" in q.columns:
        row = q[(q["quota_pct"] - chosen).abs() < 1e-6]
        if len(row):
            out.append((t("report.callout_quota", c.lang, year=str(last), quota=c.pct(chosen, 0)),
                        c.pct(row["vet_share_pooled_pct"].iloc[0], 1)))
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


#: English phrases of the assess tables -> glossary keys (the workbook of a Vietnamese report holds no English).
_PHRASES = {"flow model": "report.flow_model", "no intake capacity in the data": "report.cap_none",
            "capacity unknown": "report.cap_unknown", "known intake capacity": "report.cap_known",
            "known capacity is one institution only: a lower bound, not the province's capacity": "report.cap_one"}


def _words(value, lang: str):
    return t(_PHRASES[value], lang) if isinstance(value, str) and value in _PHRASES else value


def _people_tables(c: _Ctx) -> dict:
    """The tables as people read them: codes, parameters and phrases in the report's language."""
    out = dict(c.data.tables)
    for key in ("targets_reachable", "capacity"):
        if key in out:
            df = out[key].copy()
            for col in ("evidence", "note", "capacity_covers"):
                if col in df:
                    df[col] = df[col].map(lambda v: _words(v, c.lang))
            out[key] = df
    sens = out.get("sensitivity")
    if sens is not None and len(sens):
        out["sensitivity"] = sens.assign(
            parameter=[sensitivity_label(p, c.lang) for p in sens["parameter"]],
            low_label=[setting_text(p, v, c.lang, "low") for p, v in zip(sens["parameter"], sens["low_value"])],
            high_label=[setting_text(p, v, c.lang, "high") for p, v in zip(sens["parameter"], sens["high_value"])])
    pri = out.get("priors")
    if pri is not None and len(pri):
        df = pri.copy()
        if "parameter" in df:
            df["parameter"] = [i18n.label(f"param.{p}", c.lang, ("",)) if i18n.has_label(f"param.{p}") else p
                               for p in df["parameter"]]
        out["priors"] = df
    return out


def _sheets(c: _Ctx) -> list[Sheet]:
    d = c.data
    inds, scs = _names(c)
    people = _people_tables(c)
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
        "seats": [sc_col, Column("track", "code", codes="track"), Column("year", "year"), Column("q0.1", "int"),
                  Column("q0.5", "int"), Column("q0.9", "int"), Column("unit", "id")],
        "priors": [Column("lever", "code", codes="lever"), Column("parameter"), Column("distribution"),
                   Column("status", "code", codes="prior"), Column("source")],
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
    quota = _quota_display(c, numeric=True)
    if quota is not None:
        sheets.insert(1, Sheet(t("report.sheet.quota", c.lang), quota[0], quota[1],
                               note=t("report.wb_note.quota", c.lang)))
    mon = d.tables.get("monitoring")
    if mon is not None and len(mon):
        sheets.insert(1, Sheet(t("report.sheet.monitoring", c.lang), mon, _monitoring_columns(c),
                               note=t("report.wb_note.monitoring", c.lang)))
    names = {"targets_reachable": "targets_defensible"}
    for key, cols in specs.items():
        df = people.get(key)
        if df is None or df.empty:
            continue
        k = names.get(key, key)
        sheets.append(Sheet(t(f"report.sheet.{k}", c.lang), df, [x for x in cols if x.key in df.columns],
                            note=t(f"report.wb_note.{k}", c.lang)))
    return sheets



def _quota_display(c: _Ctx, numeric: bool = False) -> tuple[pd.DataFrame, list[Column]] | None:
    """The quota table for people: one row per quota, shares (median and 80 % interval), seats by programme.

    ``numeric``: the workbook's version, every figure a number in its own cell (median, 10th and 90th
    percentile); else the page's and document's, "62,6 (31,6–76,1)" in one cell.
    """
    q = c.data.tables.get("quota")
    if q is None or q.empty:
        return None
    inds = [i for i in ("thcs_to_thpt_public", "thcs_to_gdnn_sc_tc", "thcs_to_vocational", "thcs_transition",
                        "vet_share_pooled") if f"{i}_pct" in q.columns]
    # an indicator equal to one already shown in every row (e.g. GDNN with trung học nghề while it has no
    # students) is one column, not two identical ones
    kept: list[str] = []
    for i in inds:
        if not any(np.allclose(q[f"{i}_pct"].to_numpy(float), q[f"{k}_pct"].to_numpy(float), equal_nan=True)
                   for k in kept):
            kept.append(i)
    inds = kept
    # a programme no quota changes (all zero: e.g. trung học nghề before it opens) is left out
    seats = [tr for tr in ("thpt", "trung_cap", "trung_hoc_nghe", "gdtx") if f"seats_{tr}" in q.columns
             and (q[f"seats_{tr}"].fillna(0).abs() > 0.5).any()]
    rows = []
    for r in q.to_dict("records"):
        row = {"quota": t("report.no_quota", c.lang) if pd.isna(r["quota_pct"]) else c.pct(r["quota_pct"], 0)}
        for i in inds:
            if numeric:
                row[f"{i}_pct"], row[f"{i}_q0.1_pct"], row[f"{i}_q0.9_pct"] = \
                    r[f"{i}_pct"], r[f"{i}_q0.1_pct"], r[f"{i}_q0.9_pct"]
            else:
                row[i] = (f"{i18n.fmt_number(r[f'{i}_pct'], c.lang, 1)} ({i18n.fmt_number(r[f'{i}_q0.1_pct'], c.lang, 1)}"
                          f"–{i18n.fmt_number(r[f'{i}_q0.9_pct'], c.lang, 1)})")
        for tr in seats:
            row[f"seats_{tr}"] = r[f"seats_{tr}"]
        rows.append(row)
    cols = [Column("quota", label=t("col.quota_grade10_public", c.lang))]
    for i in inds:
        if numeric:
            cols += [Column(f"{i}_pct", "percent", decimals=1, label=f"{c.ind(i, short=True)} (%)"),
                     Column(f"{i}_q0.1_pct", "percent", decimals=1, label=f"{c.ind(i, short=True)}: {t('col.low80', c.lang)}"),
                     Column(f"{i}_q0.9_pct", "percent", decimals=1, label=f"{c.ind(i, short=True)}: {t('col.high80', c.lang)}")]
        else:
            cols.append(Column(i, label=f"{c.ind(i, short=True)} (%)"))
    cols += [Column(f"seats_{tr}", "int", label=f"{t('seats', c.lang).capitalize()}: "
                                               f"{i18n.label(tr, c.lang, ('track.', ''))}") for tr in seats]
    return pd.DataFrame(rows), cols


def _monitoring_columns(c: _Ctx, compact: bool = False) -> list[Column]:
    inds, _ = _names(c)
    cols = [Column("unit_name"), Column("indicator", "code", values=inds), Column("year", "year"),
            Column("status", "code", codes="monitor", label=t("col.monitor_status", c.lang)),
            Column("actual_pct", "percent", decimals=1), Column("path_pct", "percent", decimals=1),
            Column("gap_pts", "number", decimals=1), Column("target_pct", "percent", decimals=2),
            Column("target_year", "year")]
    if compact:  # the document: what a reader needs to act on
        return cols
    return cols + [Column("baseline_pct", "percent", decimals=1), Column("baseline_year", "year"),
                   Column("source", "id"), Column("unit", "id")]


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


def _verdict_table(c: _Ctx, communes: bool = False) -> tuple[pd.DataFrame, list[Column]]:
    """The one-row-per-target summary of the province (or, with ``communes``, of its sub-units, lowest P first)."""
    inds, _ = _names(c)
    summary, _ = tables.split_targets(c.data.tables["feasibility"])
    if communes:
        sub = summary[summary["geography"] != c.geo]
        sub = sub.sort_values(["p_met", "geography_name"], kind="stable") if "geography_name" in sub else \
            sub.sort_values("p_met", kind="stable")
        return sub.reset_index(drop=True), tables.summary_columns(indicator_names=inds)
    return summary[summary["geography"] == c.geo].reset_index(drop=True), tables.summary_columns(indicator_names=inds)


def _reach_table(c: _Ctx) -> tuple[pd.DataFrame, list[Column]]:
    inds, scs = _names(c)
    reach = c.data.tables["targets_reachable"]
    reach = reach[(reach["unit"] == c.geo) & reach["indicator"].isin(c.data.headline())
                  & reach["reach_p50_pct"].notna()].reset_index(drop=True)  # no figures: said in the headline
    cols = [Column("indicator", "code", values=inds), Column("scenario", "code", codes="scenario", values=scs),
            Column("reach_p50_pct", "percent"), Column("reach_p80_pct", "percent"), Column("n_points", "int")]
    return reach, cols


def _monitoring_display(c: _Ctx) -> pd.DataFrame | None:
    """The monitoring table for people: the latest year of each unit and indicator, behind first."""
    mon = c.data.tables.get("monitoring")
    if mon is None or mon.empty:
        return None
    last = mon.sort_values("year").groupby(["unit", "indicator"], sort=False).tail(1)
    order = {"behind": 0, "no_report": 1, "no_data": 1, "on_track": 2, "ahead": 3}
    return last.assign(_o=last["status"].map(order).fillna(4)).sort_values(["_o", "gap_pts"], kind="stable") \
        .drop(columns="_o").reset_index(drop=True)


def _commune_text(c: _Ctx) -> list[str]:
    """Lines of the commune section: the charts not drawn (one line each), or why nothing is ranked."""
    heads = c.data.headline()
    lines = [c.no_chart[k] for k in [f"communes_{i}" for i in heads] + [f"units_{i}" for i in heads]
             if k in c.no_chart]
    if _sub_units(c) and not any(f"communes_{i}" in c.written for i in heads):
        lines = [t("report.commune_none", c.lang, units=c.units_word())]
    return lines


def _html(c: _Ctx, headline: list[str], caveats: list[str]) -> None:
    img = lambda *names: [c.folder / f"{n}.svg" for n in names if n in c.written]  # noqa: E731
    cap = lambda *names: []  # noqa: E731 - a chart carries its title: no caption repeating it on the page
    heads = c.data.headline()
    vt, cols = _verdict_table(c)
    cvt, ccols = _verdict_table(c, communes=True)
    reach, reach_cols = _reach_table(c)
    lever = c.data.lever_indicator
    units_heading = t("report.communes" if c.units_word() == t("geo.communes", c.lang) else "report.districts", c.lang)
    fans = [f"fan_{i}" for i in heads]
    unit_charts = [f"communes_{i}" for i in heads] + [f"units_{i}" for i in heads]
    mon = _monitoring_display(c)
    no_fan = [c.no_chart[f] for f in fans if f in c.no_chart]
    sections = [
        Section(t("report.headline", c.lang), "\n\n".join(headline), callouts=_callouts(c), images=img("p_met"),
                captions=cap("p_met")),
        Section(t("report.verdicts", c.lang), "", table=vt, columns=cols),
        Section(t("report.targets_defensible", c.lang, year=str(c.base.years[-1])),
                t("report.defensible_note", c.lang, year=str(c.base.years[-1])), table=reach, columns=reach_cols),
        *_planning_sections(c, mon),
        Section(units_heading, "\n\n".join(_commune_text(c)),
                table=cvt if len(cvt) else None, columns=ccols if len(cvt) else None,
                images=img(*unit_charts), captions=cap(*unit_charts)),
        Section(t("report.details", c.lang), "\n\n".join(no_fan), images=img(*fans), captions=cap(*fans),
                page_break_before=True),
        Section(t("report.levers", c.lang), "", images=img(f"waterfall_{lever}", f"tornado_{lever}"),
                captions=cap(f"waterfall_{lever}", f"tornado_{lever}")),
        Section(t("report.evidence", c.lang), "", images=img("targets_vs_evidence"), captions=cap("targets_vs_evidence")),
        Section(t("report.caveats", c.lang), "\n\n".join(caveats)),
    ]
    sections = [s for s in sections if s.text or s.images or s.table is not None or s.callouts]
    write_html_summary(c.folder / "summary.html", title=t("report.title_geo", c.lang, geo=c.geo_name), lang=c.lang,
                       sections=sections, subtitle=t("report.subtitle", c.lang, year=str(c.base.years[-1]),
                                                      school_year=c.school_year),
                       footer=t("report.footer", c.lang, version=simlib.__version__, draws=c.draws, seed=c.seed))


def _planning_sections(c: _Ctx, mon: pd.DataFrame | None) -> list[Section]:
    out = []
    quota = _quota_display(c)
    if quota is not None:
        out.append(Section(t("report.quota", c.lang), t("report.quota_note", c.lang,
                                                          from_year=str(c.data.case.as_of + 1),
                                                          year=str(c.base.years[-1]), draws=c.draws),
                           table=quota[0], columns=quota[1]))
    if mon is not None and len(mon):
        out.append(Section(t("report.monitoring", c.lang), t("report.monitoring_note", c.lang,
                                                               tol=i18n.fmt_number(1.0, c.lang, 0)),
                           table=mon, columns=_monitoring_columns(c)))
    return out


def _word(c: _Ctx, headline: list[str], caveats: list[str]) -> None:
    vt, cols = _verdict_table(c)
    cvt, ccols = _verdict_table(c, communes=True)
    reach, reach_cols = _reach_table(c)
    heads = c.data.headline()
    pngs = lambda *names: [(c.written[n], c.captions.get(n) or n) for n in names if n in c.written]  # noqa: E731
    lever = c.data.lever_indicator
    last = str(c.base.years[-1])
    units_heading = t("report.communes" if c.units_word() == t("geo.communes", c.lang) else "report.districts", c.lang)
    sections = [
        DocSection(t("report.verdicts", c.lang), table=vt, columns=cols, table_caption=t("report.verdicts", c.lang),
                   images=pngs("p_met")),
        DocSection(t("report.targets_defensible", c.lang, year=last),
                   paragraphs=[t("report.defensible_note", c.lang, year=last)], table=reach, columns=reach_cols,
                   table_caption=t("report.targets_defensible", c.lang, year=last)),
    ]
    if _sub_units(c):
        sections.append(DocSection(units_heading, paragraphs=_commune_text(c),
                                   table=cvt if len(cvt) else None, columns=ccols if len(cvt) else None,
                                   table_caption=t("report.commune_verdicts", c.lang, units=c.units_word()),
                                   images=pngs(*[f"communes_{i}" for i in heads], *[f"units_{i}" for i in heads])))
    mon = _monitoring_display(c)
    if mon is not None and len(mon):
        year, names, n = _behind(c)
        st = mon["status"]
        summary = t("report.monitoring_word", c.lang, year=str(year if year is not None else c.data.case.as_of),
                    behind=str(int((st == "behind").sum())), on=str(int(st.isin(["on_track", "ahead"]).sum())),
                    none=str(int((~st.isin(["behind", "on_track", "ahead"])).sum())))
        sections.append(DocSection(t("report.monitoring", c.lang),
                                   paragraphs=[summary, t("report.monitoring_note", c.lang,
                                                          tol=i18n.fmt_number(1.0, c.lang, 0))],
                                   table=mon, columns=_monitoring_columns(c, compact=True),
                                   table_caption=t("report.monitoring", c.lang)))
    quota = _quota_display(c)
    if quota is not None:
        sections.append(DocSection(t("report.quota", c.lang),
                                   paragraphs=[t("report.quota_note", c.lang, from_year=str(c.data.case.as_of + 1),
                                                 year=last, draws=c.draws)],
                                   table=quota[0], columns=quota[1], table_caption=t("report.quota", c.lang)))
    no_fan = [c.no_chart[f"fan_{i}"] for i in heads if f"fan_{i}" in c.no_chart]
    sections.append(DocSection(t("report.details", c.lang), paragraphs=no_fan,
                               images=pngs(*[f"fan_{i}" for i in heads])))
    sections.append(DocSection(t("report.levers", c.lang), images=pngs(f"waterfall_{lever}", f"tornado_{lever}")))
    sections.append(DocSection(t("report.evidence", c.lang), images=pngs("targets_vs_evidence")))
    sections = [s for s in sections if s.paragraphs or s.images or s.table is not None]
    case = c.data.case
    agency = getattr(case, "department", "") or t("word.agency_default", c.lang)
    header = DocHeader(agency_parent=t("word.agency_parent", c.lang, geo=c.geo_name.upper()), agency=agency,
                       number=t("word.number_blank", c.lang, agency_code="SGDĐT"),
                       place_date=t("word.place_date_blank", c.lang, place=c.geo_name, year=str(case.as_of)))
    signer = getattr(case, "signer", "")
    signature = [t("word.signer_default", c.lang), "", "", "", signer or "……………………"]
    recipients = [t("word.recipient_ubnd", c.lang), t("word.recipient_bo", c.lang), t("word.recipient_units", c.lang),
                  t("word.archive", c.lang, unit="KHTC")]
    write_report_docx(c.folder / "report.docx", lang=c.lang, title=t("report.title_geo", c.lang, geo=c.geo_name),
                      subject=c.data.case.title(c.lang), header=header, headline=headline,
                      key_figures=_callouts(c), sections=sections, caveats=caveats,
                      sources=[t("report.source_evidence_words", c.lang), c.sources()["fan"]],
                      recipients=recipients, signature=signature,
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
