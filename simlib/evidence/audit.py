"""Target audit: what the plans ask, checked against themselves and the evidence.

:func:`audit` runs four checks on every plan in ``data/targets.csv``:

(a) **contradictions** inside a plan: the same indicator, unit and year given
    twice with different values (Long An: body 45,84 vs appendix total 45,81);
(b) **aggregates**: where a plan sets targets for sub-units (districts, commune
    groups) and for their parent, the parent value implied by weighting the
    sub-unit targets with every weight available (equal weights; 2019 census
    population; graduates when a planner supplies them), against the published
    aggregate, difference in percentage points;
(c) **gaps**: each rate target against the latest observation of the same
    indicator (same unit, else the nearest parent unit, else the country), in
    percentage points and as the required pace in points per year (and on the
    logit scale), with any definition mismatch spelled out;
(d) **outliers** among sibling sub-unit targets (robust z-score), e.g. one
    district asked for 20 points more than all others.

All rates in the result tables are in percent (0-100) and paces in
percentage points per year unless a column name ends in ``_logit``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simlib.errors import InputError
from simlib.evidence.series import count_series
from simlib.evidence.targets import SAME_SCOPE_VARIANTS, used_targets
from simlib.inputs.bundle import Bundle, population_weights
from simlib.logit import logit_clipped as _logit
from simlib.vocab import count_for_year

__all__ = ["AuditResult", "audit"]

BASIS_NOTE = {
    "same": "",
    "narrower": "the observation counts fewer routes than the target's indicator (e.g. trung cấp only), so the true rate is probably higher",
    "broader": "the observation counts more routes than the target's indicator, so the true rate is probably lower",
    "unclear": "the observation's definition is not clearly the target's",
}
FLAG_NOTE = {
    "ambiguous_denominator": "its denominator is ambiguous",
    "machine_translation": "quoted from a machine translation",
    "range_over_years": "a range over several years",
    "derived": "derived, not reported",
    "alternative_reading": "the alternative reading of an ambiguous figure",
    "year_ambiguous": "its year is not certain",
    "date_uncertain": "its date is uncertain",
    "approximate": "approximate",
    "component": "one component of the indicator",
}


@dataclass(frozen=True)
class AuditResult:
    """Tables produced by :func:`audit` (rates in percent, paces in points/year)."""

    contradictions: pd.DataFrame
    aggregates: pd.DataFrame
    gaps: pd.DataFrame
    outliers: pd.DataFrame
    untested: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """One long table (a ``check`` column names the section), for CSV export."""
        parts = []
        for name in ("contradictions", "aggregates", "gaps", "outliers"):
            t = getattr(self, name).copy()
            t.insert(0, "check", name)
            parts.append(t)
        return pd.concat(parts, ignore_index=True, sort=False)

    def to_text(self, bundle: Bundle | None = None) -> str:
        """Plain-language report, as printed by ``python -m simlib audit``."""
        return _render_text(self, bundle)


def audit(bundle: Bundle, *, plans: list[str] | None = None, planner_data: pd.DataFrame | None = None,
          outlier_min_pts: float = 5.0, outlier_z: float = 3.5) -> AuditResult:
    """Audit every plan's targets (or only ``plans``).

    Parameters
    ----------
    bundle : Bundle
        From :func:`simlib.inputs.bundle.load_bundle`.
    plans : list of str, optional
        Plan ids to audit; all by default (an empty list audits none).
    planner_data : DataFrame, optional
        A planner's validated observations (:func:`simlib.inputs.bundle.load_planner_file`).
        Count rows for an indicator's ``weight_indicator`` (e.g. ``thcs_graduates``
        per district) become extra weights in check (b); rate rows join the
        evidence in check (c). Default: the rows of ``bundle`` that came from a
        planner's file (a case's ``observations.csv``, ``--planner``), flagged
        ``planner_data`` by :meth:`Bundle.with_planner_data`.
    outlier_min_pts, outlier_z : float
        A sub-unit target is an outlier when it is at least ``outlier_min_pts``
        percentage points from the median of its siblings *and* its robust
        z-score (|x - median| / (1.4826 MAD)) exceeds ``outlier_z``.
    """
    targets = bundle.targets
    if plans is not None:  # None: every plan; an empty list: none (a case without targets of its own)
        unknown = sorted(set(plans) - set(bundle.plans["plan_id"]))
        if unknown:
            raise InputError(f"unknown plan id(s): {', '.join(unknown)}; known: {', '.join(bundle.plans['plan_id'])}")
        targets = targets[targets["plan_id"].isin(plans)]
    kinds = bundle.indicators.set_index("indicator_id")["kind"]
    if planner_data is None:
        # A case's own files and --planner have already joined the bundle (flagged planner_data): their counts are
        # the planner's weights (a case audited from the command line or the report reads them the same way).
        observations = bundle.observations
        planner_data = planner_rows(bundle)
    else:
        observations = bundle.with_planner_data(planner_data).observations
    outliers = _outliers(bundle, targets, outlier_min_pts, outlier_z)
    return AuditResult(
        contradictions=_contradictions(targets),
        aggregates=_aggregates(bundle, targets, kinds, planner_data, outliers),
        gaps=_gaps(bundle, used_targets(targets), kinds, observations),
        outliers=outliers,
        untested=_untested(used_targets(targets), kinds, observations),
    )


def planner_rows(bundle: Bundle) -> pd.DataFrame | None:
    """The bundle's observations that came from a planner's file (flagged ``planner_data``), or None."""
    obs = bundle.observations
    if "flags" not in obs.columns:
        return None
    sel = obs["flags"].fillna("").astype(str).str.split(";").map(lambda f: "planner_data" in f)
    return obs[sel] if sel.any() else None


# ----------------------------------------------------------------------------
# (a) contradictions
# ----------------------------------------------------------------------------


def _target_value(r) -> float:
    """The number a target asks for: the value, or a range's floor."""
    return float(r["low"]) if r["comparator"] == "range" else float(r["value"])


def _target_text(r) -> str:
    """'>= 40.12 % by 2025', 'range 30-40 % by 2025' (the range's floor is what must be reached)."""
    if r["comparator"] == "range":
        body = f"{r['low']:g}-{r['high']:g} %"
    else:
        body = f"{r['comparator']} {r['value']:g} %"
    return f"{body} by {int(r['year'])}"


def _contradictions(targets: pd.DataFrame) -> pd.DataFrame:
    rows = []
    t = targets[targets["variant"].isin(SAME_SCOPE_VARIANTS)]
    for key, g in t.groupby(["plan_id", "geography", "indicator", "year"], sort=True):
        if len(g) < 2:
            continue
        vals = {r["variant"] or "(none)": (_target_value(r), r["as_written"], r["locator"]) for _, r in g.iterrows()}
        nums = [v[0] for v in vals.values()]
        diff = max(nums) - min(nums)
        used = used_targets(g).iloc[0]
        rows.append({
            "plan_id": key[0], "geography": key[1], "indicator": key[2], "year": int(key[3]),
            "statements": "; ".join(f"{k} says {v[1]} ({v[2]})" for k, v in vals.items()),
            "diff_pts": round(diff, 4),
            "status": "CONTRADICTION" if diff > 1e-9 else "agree",
            "value_used": _target_value(used),
            "variant_used": used["variant"],
        })
    cols = ["plan_id", "geography", "indicator", "year", "statements", "diff_pts", "status", "value_used", "variant_used"]
    return pd.DataFrame(rows, columns=cols)


# ----------------------------------------------------------------------------
# (b) aggregates
# ----------------------------------------------------------------------------


def _planner_weights(bundle: Bundle, planner_data: pd.DataFrame | None, indicator: str, children: list[str],
                     year: int) -> tuple[pd.Series | None, str]:
    if planner_data is None or not len(planner_data):
        return None, ""
    w_ind = bundle.indicators.set_index("indicator_id").loc[indicator, "weight_indicator"]
    if not isinstance(w_ind, str) or not w_ind:
        return None, ""
    d = planner_data[(planner_data["indicator"] == w_ind) & planner_data["geography"].isin(children)
                     & (planner_data["breakdown"] == "")]
    if d.empty:
        return None, ""
    picked = {g: count_for_year(count_series(d, g, w_ind).to_dict(), year) for g in dict.fromkeys(d["geography"])}
    picked = {g: vy for g, vy in picked.items() if vy[1] is not None}
    if not picked:
        return None, ""
    vals = pd.Series({g: vy[0] for g, vy in picked.items()}, dtype=float)
    years = sorted({int(vy[1]) for vy in picked.values()})
    label = f"{w_ind} (planner data, {'/'.join(map(str, years))})"
    return vals.rename(label), label


def _aggregates(bundle: Bundle, targets: pd.DataFrame, kinds: pd.Series, planner_data: pd.DataFrame | None,
                outliers: pd.DataFrame) -> pd.DataFrame:
    rows = []
    parents = dict(zip(bundle.geographies["geo_id"], bundle.geographies["parent"]))
    t = targets[targets["indicator"].map(kinds) == "rate"].copy()
    t["parent"] = t["geography"].map(parents)
    for (plan, ind, year), g in t.groupby(["plan_id", "indicator", "year"], sort=True):
        for parent, kids in g.groupby("parent"):
            published = g[g["geography"] == parent]
            if published.empty or kids.empty:
                continue
            if kids["comparator"].eq("range").any():
                continue
            vals = kids.set_index("geography")["value"].astype(float)
            units = list(vals.index)
            all_children = bundle.children(parent)
            out_geo = sorted(set(outliers.loc[(outliers["plan_id"] == plan) & (outliers["indicator"] == ind)
                                              & (outliers["year"] == year), "geography"]) & set(units))
            pop = population_weights(bundle, parent)
            # (label, weights or None, units included, note)
            schemes: list[tuple[str, pd.Series | None, list[str], str]] = [
                ("equal (unweighted mean)", pd.Series(1.0, index=units), units, ""),
                ("population, 2019 census", pop if len(pop) else None, units,
                 "" if len(pop) else "no census population for these units in data/context.csv"),
            ]
            pw, label = _planner_weights(bundle, planner_data, ind, units, int(year))
            if pw is not None:
                schemes.append((label, pw, units, ""))
            if out_geo and len(pop):
                names = ", ".join(bundle.geo_name(x) for x in out_geo)
                kept = [u for u in units if u not in out_geo]
                schemes.append((f"population, without {names}", pop, kept,
                                f"leaves out the outlying target of {names} (see check d)"))
            for wname, w, incl, note in schemes:
                implied = np.nan
                if w is not None:
                    missing = [u for u in incl if u not in w.index]
                    if missing:
                        note = f"no weight for {', '.join(bundle.geo_name(m) for m in missing)}; aggregate not computed"
                    else:
                        ww = w.loc[incl].astype(float)
                        implied = float((vals.loc[incl] * ww).sum() / ww.sum())
                for _, p in published.iterrows():
                    pv = float(p["value"])
                    rows.append({
                        "plan_id": plan, "indicator": ind, "year": int(year), "parent": parent,
                        "n_units": len(incl), "n_units_in_parent": len(all_children),
                        "weight": wname, "implied_pct": round(implied, 4) if not math.isnan(implied) else np.nan,
                        "published_variant": p["variant"], "published_pct": pv,
                        "diff_pts": round(implied - pv, 4) if not math.isnan(implied) else np.nan,
                        "note": note,
                    })
    cols = ["plan_id", "indicator", "year", "parent", "n_units", "n_units_in_parent", "weight", "implied_pct",
            "published_variant", "published_pct", "diff_pts", "note"]
    return pd.DataFrame(rows, columns=cols)


# ----------------------------------------------------------------------------
# (c) gaps
# ----------------------------------------------------------------------------


def _obs_text(o) -> str:
    if not math.isnan(o["value"]):
        return f"{o['value']:g} %"
    if not math.isnan(o["high"]):
        return f"{o['low']:g} to {'over ' if o['high_open'] else ''}{o['high']:g} %"
    return f"over {o['low']:g} %" if o["high_open"] else f"at least {o['low']:g} %"


def _obs_best_worst(o) -> tuple[float, float]:
    """(most favourable, least favourable) reading of an observation, percent."""
    if not math.isnan(o["value"]):
        return float(o["value"]), float(o["value"])
    lo = float(o["low"])
    hi = float(o["high"]) if not math.isnan(o["high"]) else lo
    return hi, lo


def _candidate_observations(bundle: Bundle, observations: pd.DataFrame, geo: str, ind: str) -> tuple[pd.DataFrame, str]:
    obs = observations[(observations["indicator"] == ind) & (observations["breakdown"] == "") & observations["year"].notna()]
    for scope_geo in [geo, *bundle.ancestors(geo)]:
        hit = obs[obs["geography"] == scope_geo]
        if len(hit):
            scope = "same unit" if scope_geo == geo else f"{bundle.geo_name(scope_geo)} figure used"
            return hit, scope
    return obs.iloc[0:0], ""


def _gaps(bundle: Bundle, targets: pd.DataFrame, kinds: pd.Series, observations: pd.DataFrame) -> pd.DataFrame:
    rows = []
    t = targets[targets["indicator"].map(kinds) == "rate"]
    for _, tg in t.iterrows():
        tv = _target_value(tg)
        base = {
            "target_id": tg["target_id"], "plan_id": tg["plan_id"], "geography": tg["geography"],
            "geography_name": bundle.geo_name(tg["geography"]), "indicator": tg["indicator"],
            "target_year": int(tg["year"]), "comparator": tg["comparator"], "target_pct": tv,
            "target_text": _target_text(tg), "variant": tg["variant"],
        }
        cand, scope = _candidate_observations(bundle, observations, tg["geography"], tg["indicator"])
        if cand.empty:
            rows.append({**base, "note": "no observation of this indicator here, in a parent unit or nationally: "
                                         "the target cannot be checked against evidence"})
            continue
        latest_year = int(cand["year"].max())
        chosen = cand[cand["year"] == latest_year]
        same = cand[cand["basis"] == "same"]
        if len(same) and int(same["year"].max()) < latest_year:
            chosen = pd.concat([same[same["year"] == same["year"].max()], chosen])
        for _, o in chosen.iterrows():
            best, worst = _obs_best_worst(o)
            years = int(tg["year"]) - int(o["year"])
            notes = []
            if scope != "same unit":
                notes.append(scope)
            if BASIS_NOTE.get(o["basis"]):
                notes.append("definition mismatch: " + BASIS_NOTE[o["basis"]])
            flags = [FLAG_NOTE[f] for f in str(o["flags"]).split(";") if f in FLAG_NOTE]
            if flags:
                notes.append("; ".join(flags))
            if not math.isnan(o["high"]) or (math.isnan(o["value"]) and o["high_open"]):
                notes.append("gap and pace from the range's upper end (most favourable reading)")
            if years <= 0:
                notes.append("the observation is from the target year or later: compare directly")
            pace = (tv - best) / years if years > 0 else np.nan
            pace_worst = (tv - worst) / years if years > 0 else np.nan
            pace_logit = (_logit(tv / 100) - _logit(best / 100)) / years if years > 0 else np.nan
            rows.append({
                **base, "obs_id": o["obs_id"], "obs_geography": o["geography"],
                "evidence_scope": "own unit" if scope == "same unit" else "ancestor", "obs_year": int(o["year"]),
                "observed": _obs_text(o), "basis": o["basis"],
                "gap_pts": round(tv - best, 2), "gap_pts_worst": round(tv - worst, 2), "years_left": years,
                "pace_pts_per_year": round(pace, 2) if not math.isnan(pace) else np.nan,
                "pace_pts_per_year_worst": round(pace_worst, 2) if not math.isnan(pace_worst) else np.nan,
                "pace_logit_per_year": round(pace_logit, 3) if not math.isnan(pace_logit) else np.nan,
                "multiple_of_observed": round(tv / best, 2) if best > 0 else np.nan,
                "note": "; ".join(notes),
            })
    cols = ["target_id", "plan_id", "geography", "geography_name", "indicator", "variant", "target_year", "comparator",
            "target_pct", "target_text",
            "obs_id", "obs_geography", "evidence_scope", "obs_year", "observed", "basis", "gap_pts", "gap_pts_worst", "years_left",
            "pace_pts_per_year", "pace_pts_per_year_worst", "pace_logit_per_year", "multiple_of_observed", "note"]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("obs_year", "years_left", "target_year"):
        out[c] = out[c].astype("Int64")
    return out


def _untested(targets: pd.DataFrame, kinds: pd.Series, observations: pd.DataFrame) -> pd.DataFrame:
    """Targets whose indicator has no observation anywhere (e.g. school shares)."""
    have = set(observations["indicator"])
    t = targets[~targets["indicator"].isin(have)]
    return (t.groupby(["plan_id", "indicator"]).size().rename("n_targets").reset_index())


# ----------------------------------------------------------------------------
# (d) outliers
# ----------------------------------------------------------------------------


def _outliers(bundle: Bundle, targets: pd.DataFrame, min_pts: float, zmax: float) -> pd.DataFrame:
    rows = []
    parents = dict(zip(bundle.geographies["geo_id"], bundle.geographies["parent"]))
    t = targets[targets["comparator"] != "range"].copy()
    t["parent"] = t["geography"].map(parents)
    for (plan, ind, year, variant, parent), g in t.groupby(["plan_id", "indicator", "year", "variant", "parent"]):
        g = g[g["geography"] != parent]
        if len(g) < 5:
            continue
        x = g["value"].astype(float)
        med = float(x.median())
        mad = float((x - med).abs().median()) * 1.4826
        for _, r in g.iterrows():
            dev = float(r["value"]) - med
            z = abs(dev) / mad if mad > 0 else (math.inf if dev else 0.0)
            if abs(dev) >= min_pts and z > zmax:
                others = x.drop(index=r.name)
                rows.append({
                    "plan_id": plan, "indicator": ind, "year": int(year), "variant": variant,
                    "geography": r["geography"], "geography_name": bundle.geo_name(r["geography"]),
                    "target_pct": float(r["value"]), "siblings_median_pct": round(med, 2),
                    "siblings_range_pct": f"{others.min():g}-{others.max():g}",
                    "deviation_pts": round(dev, 2), "robust_z": round(z, 1) if math.isfinite(z) else np.inf,
                    "note": f"{bundle.geo_name(r['geography'])} is asked {dev:+.2f} points relative to the median of "
                            f"{len(g)} sibling units; check for a typing error in the plan",
                })
    cols = ["plan_id", "indicator", "year", "variant", "geography", "geography_name", "target_pct",
            "siblings_median_pct", "siblings_range_pct", "deviation_pts", "robust_z", "note"]
    return pd.DataFrame(rows, columns=cols)


# ----------------------------------------------------------------------------
# Text rendering
# ----------------------------------------------------------------------------


def _fmt(x, nd=2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{nd}f}"


def _render_text(res: AuditResult, bundle: Bundle | None) -> str:
    name = (lambda g: bundle.geo_name(g)) if bundle is not None else (lambda g: g)
    out: list[str] = []
    out.append("TARGET AUDIT (rates in %, paces in percentage points per year)")
    out.append("")
    out.append("(a) Contradictions inside a plan")
    if res.contradictions.empty:
        out.append("    none: no target is stated twice.")
    for _, r in res.contradictions.iterrows():
        mark = "CONTRADICTION" if r["status"] == "CONTRADICTION" else "agree"
        out.append(f"  [{mark}] {r['plan_id']} | {name(r['geography'])} | {r['indicator']} | {r['year']}")
        out.append(f"      {r['statements']}")
        if r["status"] == "CONTRADICTION":
            out.append(f"      difference {r['diff_pts']:.2f} points; simlib uses the {r['variant_used']} value "
                       f"{r['value_used']:g} (the table the sub-unit targets add up to)")
    out.append("")
    out.append("(b) Sub-unit targets weighted up, against the published aggregate")
    if res.aggregates.empty:
        out.append("    no plan publishes both sub-unit and aggregate rate targets.")
    for (plan, ind, year, parent), g in res.aggregates.groupby(["plan_id", "indicator", "year", "parent"], sort=False):
        first = g.iloc[0]
        out.append(f"  {plan} | {ind} | {year}: {first['n_units']} of {first['n_units_in_parent']} units of {name(parent)}")
        for _, r in g.iterrows():
            if math.isnan(r["implied_pct"]):
                out.append(f"      {r['weight']:<32} not computed: {r['note']}")
            else:
                out.append(f"      {r['weight']:<32} implies {r['implied_pct']:.2f}  vs {r['published_variant']} "
                           f"{r['published_pct']:g}: {r['diff_pts']:+.2f} points")
    out.append("")
    out.append("(c) Gap between each target and the latest evidence")
    g_all = res.gaps
    for (plan, ind), g in g_all.groupby(["plan_id", "indicator"], sort=False):
        own = g[g["evidence_scope"] != "ancestor"]
        anc = g[g["evidence_scope"] == "ancestor"]
        for tid, tg in own.groupby("target_id", sort=False):
            r0 = tg.iloc[0]
            variant = f" ({r0['variant']})" if r0["variant"] not in ("", "body", "appendix") else ""
            out.append(f"  {plan} | {r0['geography_name']}{variant} | {ind} | target {r0['target_text']}")
            for _, r in tg.iterrows():
                if pd.isna(r["obs_id"]):
                    out.append(f"      {r['note']}")
                    continue
                out.append(f"      vs {r['observed']} in {int(r['obs_year'])} ({r['obs_id']}, definition: {r['basis']}): "
                           f"gap {_fmt(r['gap_pts'])} pts in {int(r['years_left'])} yr = {_fmt(r['pace_pts_per_year'])} pts/yr "
                           f"(logit {_fmt(r['pace_logit_per_year'], 3)}/yr), {_fmt(r['multiple_of_observed'])}x the observed level")
                if r["note"]:
                    out.append(f"        note: {r['note']}")
        if len(anc):
            first_obs = anc.groupby("target_id", sort=False).head(1)
            src = first_obs.iloc[0]
            out.append(f"  {plan} | {ind} | {len(first_obs)} target(s) for units with no evidence of their own, "
                       f"compared with {name(src['obs_geography'])}'s {src['observed']} ({int(src['obs_year'])}, {src['obs_id']}):")
            for _, r in first_obs.iterrows():
                out.append(f"      {r['geography_name']:<14} {r['target_text']:<20}: gap {_fmt(r['gap_pts']):>6} pts, "
                           f"{_fmt(r['pace_pts_per_year']):>5} pts/yr")
    out.append("")
    out.append("(d) Outlying sub-unit targets")
    if res.outliers.empty:
        out.append("    none.")
    for _, r in res.outliers.iterrows():
        out.append(f"  {r['plan_id']} | {r['indicator']} | {r['year']} | {r['geography_name']}: {r['target_pct']:g} "
                   f"vs median {r['siblings_median_pct']:g} of its siblings (others {r['siblings_range_pct']}; "
                   f"robust z {r['robust_z']:g})")
    if len(res.untested):
        out.append("")
        out.append("Targets with no observation of their indicator anywhere in the data (not checked):")
        for _, r in res.untested.iterrows():
            out.append(f"  {r['plan_id']}: {r['n_targets']} x {r['indicator']}")
    return "\n".join(out)
