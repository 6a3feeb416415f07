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
from simlib.evidence.series import series_for
from simlib.present import charts, i18n, notes, tables
from simlib.present.export import Column, Section, Sheet, write_html_summary, write_planner_workbook
from simlib.present.i18n import t
from simlib.present.word import DocHeader, DocSection, write_report_docx


__all__ = ["history_frame", "render_language", "MAX_UNIT_PANELS", "setting_text", "sensitivity_label"]

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
        """An indicator's name; the short one when asked and the registry has one (never the bare id)."""
        text = self.reg.label(key, self.lang, short=short)
        return self.reg.label(key, self.lang, short=False) if short and text == key else text

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

    def target_of(self, target_id: str, pct=None) -> str:
        """A target of the case as its plan states it (a band ``40–45%``, at most ``≤ 5%``); ``pct`` (the
        threshold, percent) when the target is not among the case's targets."""
        rows = self.data.used[self.data.used["target_id"] == target_id]
        if not len(rows):
            return i18n.fmt_target(pct, self.lang)
        r = rows.iloc[0]
        pct_of = lambda k: None if pd.isna(r[k]) else 100.0 * float(r[k])  # noqa: E731
        return i18n.fmt_target_row(r["comparator"], pct_of("value_share"), pct_of("low_share"), pct_of("high_share"),
                                   self.lang)

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
# tables for people: workbook, page, document
# --------------------------------------------------------------------------------------------------------------
def _names(c: _Ctx) -> tuple[dict, dict]:
    inds = {k: c.ind(k, short=True) for k in c.reg}
    scs = {s.name: c.scenario(s.name) for s in c.data.scenarios}
    return inds, scs


def _people_tables(c: _Ctx) -> dict:
    """The tables as people read them: codes, parameters and the assess stage's notes in the report's language."""
    out = dict(c.data.tables)
    words = {"geo_name": c.bundle.geo_name, "indicator_name": lambda k: c.ind(k, short=True)}
    for key in ("feasibility", "targets_reachable", "capacity"):
        if key in out:
            df = out[key].copy()
            for col in ("evidence", "note", "capacity_covers"):
                if col in df:
                    df[col] = [notes.note_text(v, c.lang, **words) if isinstance(v, str) else v for v in df[col]]
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
        ind = words["indicator_name"]
        df["lever"] = [notes.lever_text(v, c.lang) for v in df["lever"]]
        if "parameter" in df:
            df["parameter"] = [notes.parameter_text(p, c.lang, indicator_name=ind) for p in df["parameter"]]
        if "distribution" in df:
            df["distribution"] = [notes.distribution_text(v, c.lang) for v in df["distribution"]]
        out["priors"] = df
    con = out.get("contributions")
    if con is not None and len(con) and "part" in con:
        out["contributions"] = con.assign(part=[notes.lever_text(v, c.lang) for v in con["part"]])
    return out


def _sheets(c: _Ctx) -> list[Sheet]:
    d = c.data
    inds, scs = _names(c)
    people = _people_tables(c)
    summary, others = tables.split_targets(people["feasibility"])
    ind_col = Column("indicator", "code", values=inds)
    sc_col = Column("scenario", "code", codes="scenario", values=scs)
    unit = [Column("unit_name"), ind_col]
    specs = {
        "targets_reachable": unit + [sc_col, Column("year", "year"), Column("reach_p50_pct", "percent"),
                                     Column("reach_p80_pct", "percent"), Column("n_points", "int"),
                                     Column("evidence", "id"), Column("unit", "id")],
        "contributions": [ind_col, sc_col, Column("year", "year"), Column("part"),
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
        "priors": [Column("lever"), Column("parameter"), Column("distribution"),
                   Column("status", "code", codes="prior"),
                   Column("source", label=t("col.source_as_written", c.lang))],
    }
    sheets = [Sheet(t("report.sheet.summary", c.lang), summary, tables.summary_columns(indicator_names=inds),
                    note=t("report.wb_note.summary", c.lang)),
              Sheet(t("report.sheet.feasibility", c.lang), people["feasibility"],
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
    alt = lambda *names: [c.captions.get(n, "") for n in names if n in c.written]  # noqa: E731 - screen readers
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
                captions=cap("p_met"), alts=alt("p_met")),
        Section(t("report.verdicts", c.lang), "", table=vt, columns=cols),
        Section(t("report.targets_defensible", c.lang, year=str(c.base.years[-1])),
                t("report.defensible_note", c.lang, year=str(c.base.years[-1])), table=reach, columns=reach_cols),
        *_planning_sections(c, mon),
        Section(units_heading, "\n\n".join(_commune_text(c)),
                table=cvt if len(cvt) else None, columns=ccols if len(cvt) else None,
                images=img(*unit_charts), captions=cap(*unit_charts), alts=alt(*unit_charts)),
        Section(t("report.details", c.lang), "\n\n".join(no_fan), images=img(*fans), captions=cap(*fans),
                alts=alt(*fans),
                page_break_before=True),
        Section(t("report.levers", c.lang), "", images=img(f"waterfall_{lever}", f"tornado_{lever}"),
                captions=cap(f"waterfall_{lever}", f"tornado_{lever}"),
                alts=alt(f"waterfall_{lever}", f"tornado_{lever}")),
        Section(t("report.evidence", c.lang), "", images=img("targets_vs_evidence"), captions=cap("targets_vs_evidence"),
                alts=alt("targets_vs_evidence")),
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
    # a portrait page: the province named by the heading, empty and all-"no" columns left to the workbook
    cols = tables.compact_columns(vt, cols, said_elsewhere=("geography_name",))
    ccols = tables.compact_columns(cvt, ccols)
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


# the charts and the words build on the context above (imported last: they import this module)
from simlib.apps.report_charts import (  # noqa: E402
    _evidence_chart,
    _fan_charts,
    _lever_charts,
    _p_met_chart,
    _sub_units,
    sensitivity_label,
    setting_text,
)
from simlib.apps.report_words import _behind, _callouts, _caveats, _headline  # noqa: E402

