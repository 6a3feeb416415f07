"""The report's words: the headline, the key figures (callouts) and the caveats, in the report's language.

Internal to :mod:`simlib.apps.render`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simlib.assess.verdicts import MET, MISSED, NOT_ASSESSED, VERDICT_BANDS
from simlib.evidence.targets import threshold
from simlib.present import i18n
from simlib.present.i18n import t
from simlib.apps.render import _Ctx
from simlib.apps.report_charts import _scalable, _unit_targets


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
                unassessed.append(f"{c.ind(ind)} {c.target_of(tid, r['target_pct'])} ({int(r['year'])})")
                continue
            target = c.target_of(tid, r["target_pct"])
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
            items.append((float(v["p_met"].iloc[0]), c.bundle.geo_name(r["geography"]),
                          c.target_of(r["target_id"], 100 * threshold(r).value)))
        items.sort()
        if items:
            shown = "; ".join(t("report.commune_target_item", c.lang, name=n, target=x,
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
            kw = dict(target=c.target_of(r["target_id"], row["target_pct"]), short=c.ind(ind, short=True), year=str(int(r["year"])))
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
