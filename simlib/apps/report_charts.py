"""The report's charts: fans, sub-unit panels, ranked communes, P(met), lever waterfall and tornado, targets
against evidence; each saved as PNG and SVG with its caption. Internal to :mod:`simlib.apps.render` (re-exports
:func:`setting_text` and :func:`sensitivity_label`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simlib.assess.verdicts import MET, MISSED, NOT_ASSESSED, VERDICT_BANDS
from simlib.evidence.targets import threshold
from simlib.present import charts, i18n
from simlib.present.i18n import t
from simlib.apps.render import MAX_UNIT_PANELS, _Ctx, history_frame
from simlib.vocab import CHART_FAN_PROBS


# --------------------------------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------------------------------
def _targets_for(c: _Ctx, ind: str, unit: str) -> list[tuple]:
    used = c.data.used
    tg = used[(used["indicator"] == ind) & (used["geography"] == unit)]
    return [(c.plan_short(r["plan_id"]), threshold(r).value, int(r["year"])) for r in tg.to_dict("records")]


#: Inches a chart may take to print at the full width of an A4 page (the page prints figures at most 235 mm tall).
PRINT_HEIGHT_IN = 9.0

#: Quantiles of every fan a report draws: the median, the 80 % interval (the interval every table gives) and 50 %.
FAN_PROBS = CHART_FAN_PROBS  # the median, the 80 % and the 50 % interval (simlib.vocab)


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
    """The report's sub-units in the fans' order (the province first, left out), found once per render."""
    cached = c.__dict__.get("_sub_units")
    if cached is None:
        cached = c.__dict__["_sub_units"] = [str(u) for u in pd.unique(c.data.report.fans["unit"])][1:]
    return list(cached)


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
    tab = c.data.report.table
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
                                        target=c.target_of(r["target_id"], 100 * threshold(r).value), scenario=c.scenario(sc))
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
    # a panel with neither a figure nor a target would be empty axes: left out (its fan chart says "no figures")
    heads = [i for i in heads if any(r["panel"] == i for r in obs_rows + tg_rows)]
    years = [int(r["year"]) for r in tg_rows] + [int(r["year"]) for r in obs_rows]
    fig = charts.targets_vs_evidence(
        pd.DataFrame(obs_rows), pd.DataFrame(tg_rows), panels=heads,
        panel_titles={i: f"{c.ind(i)} ({c.unit_label(i)})" for i in heads}, series_labels=series,
        plan_labels={p: c.plan_short(p) for p in c.data.inputs.plans}, lang=c.lang,
        title=t("report.evidence_title", c.lang), source=t("report.source_evidence_words", c.lang), today=c.today,
        first_year=min(years + [c.base.years[0]]), last_year=max(years + [c.base.years[-1]]),
        max_height=PRINT_HEIGHT_IN)
    c.save(fig, "targets_vs_evidence", t("report.evidence_title", c.lang))
