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

    def to_text(self, bundle: Bundle | None = None, lang: str = "en") -> str:
        """Plain-language report, as printed by ``python -m simlib audit`` (``lang``: "en" or "vi", the case's
        language; the tables keep their English notes, for scripts)."""
        return _render_text(self, bundle, lang)


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


# The audit's words in Vietnamese (the text report; the tables keep English notes for scripts). One entry per
# sentence the checks write, in the style of simlib.inputs.validation's message table: (English, Vietnamese).
_TEXT: dict[str, tuple[str, str]] = {
    "title": ("TARGET AUDIT (rates in %, paces in percentage points per year)",
              "RÀ SOÁT CHỈ TIÊU (tỷ lệ tính bằng %, tốc độ tính bằng điểm phần trăm mỗi năm)"),
    "a": ("(a) Contradictions inside a plan", "(a) Mâu thuẫn trong cùng một kế hoạch"),
    "a_none": ("    none: no target is stated twice.", "    không có: không chỉ tiêu nào được nêu hai lần."),
    "CONTRADICTION": ("CONTRADICTION", "MÂU THUẪN"),
    "agree": ("agree", "khớp"),
    "says": ("{k} says {v} ({where})", "{k} ghi {v} ({where})"),
    "a_diff": ("      difference {d} points; simlib uses the {variant} value {v} (the table the sub-unit targets add "
               "up to)", "      chênh {d} điểm; simlib dùng giá trị của {variant} là {v} (bảng mà chỉ tiêu các đơn vị "
               "cấp dưới cộng lại khớp)"),
    "b": ("(b) Sub-unit targets weighted up, against the published aggregate",
          "(b) Chỉ tiêu của các đơn vị cấp dưới gộp lại theo trọng số, so với chỉ tiêu chung đã công bố"),
    "b_none": ("    no plan publishes both sub-unit and aggregate rate targets.",
               "    không kế hoạch nào công bố cả chỉ tiêu tỷ lệ của đơn vị cấp dưới lẫn chỉ tiêu chung."),
    "b_head": ("  {plan} | {ind} | {year}: {n} of {of} units of {parent}",
               "  {plan} | {ind} | {year}: {n} trên {of} đơn vị của {parent}"),
    "b_none_row": ("      {w} not computed: {note}", "      {w} không tính được: {note}"),
    "b_row": ("      {w} implies {imp}  vs {variant} {pub}: {d} points",
              "      {w} cho {imp}  so với {variant} {pub}: {d} điểm"),
    "c": ("(c) Gap between each target and the latest evidence",
          "(c) Khoảng cách giữa mỗi chỉ tiêu và số liệu gần nhất"),
    "c_head": ("  {plan} | {geo}{variant} | {ind} | target {target}", "  {plan} | {geo}{variant} | {ind} | chỉ tiêu {target}"),
    "c_row": ("      vs {obs} in {year} ({obs_id}, definition: {basis}): gap {gap} pts in {yl} yr = {pace} pts/yr "
              "(logit {logit}/yr), {mult}x the observed level",
              "      so với {obs} năm {year} ({obs_id}, định nghĩa: {basis}): cách {gap} điểm trong {yl} năm = {pace} "
              "điểm/năm (logit {logit}/năm), gấp {mult} lần mức đã quan sát"),
    "c_note": ("        note: {note}", "        ghi chú: {note}"),
    "c_anc": ("  {plan} | {ind} | {n} target(s) for units with no evidence of their own, compared with {geo}'s {obs} "
              "({year}, {obs_id}):",
              "  {plan} | {ind} | {n} chỉ tiêu của các đơn vị chưa có số liệu riêng, so với {obs} của {geo} "
              "({year}, {obs_id}):"),
    "c_anc_row": ("      {geo:<14} {target:<20}: gap {gap:>6} pts, {pace:>5} pts/yr",
                  "      {geo:<14} {target:<27}: cách {gap:>6} điểm, {pace:>5} điểm/năm"),
    "d": ("(d) Outlying sub-unit targets", "(d) Chỉ tiêu đơn vị cấp dưới khác thường"),
    "d_none": ("    none.", "    không có."),
    "d_row": ("  {plan} | {ind} | {year} | {geo}: {v} vs median {med} of its siblings (others {others}; robust z {z})",
              "  {plan} | {ind} | {year} | {geo}: {v} so với trung vị {med} của các đơn vị cùng cấp (các đơn vị khác "
              "{others}; z bền vững {z})"),
    "untested": ("Targets with no observation of their indicator anywhere in the data (not checked):",
                 "Chỉ tiêu mà chỉ số của nó chưa có số liệu nào trong dữ liệu (chưa kiểm tra được):"),
    "untested_row": ("  {plan}: {n} x {ind}", "  {plan}: {n} x {ind}"),
    # the notes and labels the checks write (tables), translated piece by piece for the text
    "by": ("{body} by {year}", "{body} đến năm {year}"),
    "range": ("range {lo}-{hi} %", "khoảng {lo}-{hi} %"),
    "obs_range": ("{lo} to {over}{hi} %", "{lo} đến {over}{hi} %"),
    "over": ("over ", "trên "),
    "at_least": ("at least {v} %", "ít nhất {v} %"),
    "figure_used": ("{geo} figure used", "dùng số liệu của {geo}"),
    "mismatch": ("definition mismatch: {why}", "định nghĩa không khớp: {why}"),
    "no_obs": ("no observation of this indicator here, in a parent unit or nationally: the target cannot be checked "
               "against evidence", "chưa có số liệu của chỉ số này ở đây, ở đơn vị cấp trên hay cả nước: chưa so "
               "được chỉ tiêu với bằng chứng"),
    "range_end": ("gap and pace from the range's upper end (most favourable reading)",
                  "khoảng cách và tốc độ tính từ cận trên của khoảng (cách đọc thuận lợi nhất)"),
    "later_obs": ("the observation is from the target year or later: compare directly",
                  "số liệu thuộc năm của chỉ tiêu hoặc muộn hơn: so sánh trực tiếp"),
    "w_equal": ("equal (unweighted mean)", "bằng nhau (trung bình không trọng số)"),
    "w_pop": ("population, 2019 census", "dân số, Tổng điều tra 2019"),
    "w_planner": ("{ind} (planner data, {years})", "{ind} (số liệu của địa phương, {years})"),
    "w_without": ("population, without {names}", "dân số, không tính {names}"),
    "no_census": ("no census population for these units in data/context.csv",
                  "chưa có dân số Tổng điều tra của các đơn vị này trong data/context.csv"),
    "leaves_out": ("leaves out the outlying target of {names} (see check d)",
                   "bỏ chỉ tiêu khác thường của {names} (xem mục d)"),
    "no_weight": ("no weight for {names}; aggregate not computed", "không có trọng số cho {names}; không tính được "
                  "giá trị chung"),
}
_BASIS_VI = {"same": "cùng", "narrower": "hẹp hơn", "broader": "rộng hơn", "unclear": "không rõ"}
_BASIS_NOTE_VI = {
    "narrower": "số liệu tính ít con đường hơn chỉ số của chỉ tiêu (ví dụ chỉ trung cấp) nên tỷ lệ thật có lẽ cao hơn",
    "broader": "số liệu tính nhiều con đường hơn chỉ số của chỉ tiêu nên tỷ lệ thật có lẽ thấp hơn",
    "unclear": "định nghĩa của số liệu không rõ là định nghĩa của chỉ tiêu",
}
_FLAG_NOTE_VI = {
    "ambiguous_denominator": "mẫu số không rõ ràng",
    "machine_translation": "trích từ bản dịch máy",
    "range_over_years": "một khoảng qua nhiều năm",
    "derived": "được suy ra, không phải số báo cáo",
    "alternative_reading": "cách đọc khác của một số liệu không rõ nghĩa",
    "year_ambiguous": "năm của số liệu không chắc chắn",
    "date_uncertain": "ngày của số liệu không chắc chắn",
    "approximate": "xấp xỉ",
    "component": "một thành phần của chỉ số",
}


def _t(lang: str, key: str, **kw) -> str:
    en, vi = _TEXT[key]
    return (vi if lang == "vi" else en).format(**kw)


def _num(x, lang: str, nd: int | None = None) -> str:
    """A number in the text's language (Vietnamese: decimal comma); ``nd`` fixed decimals, else ``:g``."""
    s = f"{x:g}" if nd is None else f"{x:.{nd}f}"
    return s.replace(".", ",") if lang == "vi" else s


def _vi_fragment(piece: str) -> str:
    """One English note or label the checks write, in Vietnamese (unknown text is kept as written)."""
    import re

    for code, en in FLAG_NOTE.items():
        if piece == en:
            return _FLAG_NOTE_VI[code]
    for key in ("no_obs", "range_end", "later_obs", "w_equal", "w_pop", "no_census"):
        if piece == _TEXT[key][0]:
            return _TEXT[key][1]
    if piece.startswith("definition mismatch: "):
        why = piece.removeprefix("definition mismatch: ")
        code = next((c for c, t in BASIS_NOTE.items() if t == why), None)
        return _t("vi", "mismatch", why=_BASIS_NOTE_VI.get(code, why))
    patterns = [(r"^(.+) figure used$", lambda m: _t("vi", "figure_used", geo=m[1])),
                (r"^(\w+) \(planner data, (.+)\)$", lambda m: _t("vi", "w_planner", ind=m[1], years=m[2])),
                (r"^population, without (.+)$", lambda m: _t("vi", "w_without", names=m[1])),
                (r"^leaves out the outlying target of (.+) \(see check d\)$", lambda m: _t("vi", "leaves_out", names=m[1])),
                (r"^no weight for (.+); aggregate not computed$", lambda m: _t("vi", "no_weight", names=m[1]))]
    for pat, fn in patterns:
        m = re.match(pat, piece)
        if m:
            return fn(m)
    return piece


def _say(text: str, lang: str) -> str:
    """A note or label of the tables ("; "-separated pieces) in the text's language."""
    if lang != "vi" or not text:
        return text
    return "; ".join(_vi_fragment(p) for p in str(text).split("; "))


_VARIANT_VI = {"body": "thân văn bản", "appendix": "phụ lục", "(none)": "(không ghi)"}


def _variant(v: str, lang: str) -> str:
    """A target's variant (where in the plan it is stated: body, appendix) in the text's language."""
    return _VARIANT_VI.get(v, v) if lang == "vi" else v


def _locator_words(text: str) -> str:
    """'body says 45,84 (§II.2.2, row 03)' in Vietnamese: variants and locator words (row, column)."""
    import re

    for en, vi in (("last column", "cột cuối"), ("column", "cột"), ("row", "dòng")):
        text = re.sub(rf"\b{en}\b", vi, text)
    for en, vi in _VARIANT_VI.items():
        text = re.sub(rf"(^|; ){re.escape(en)} ghi ", rf"\g<1>{vi} ghi ", text)
    return text


def _target_words(text: str, lang: str) -> str:
    """'>= 40.12 % by 2025' in the text's language ('≥ 40,12 % đến năm 2025')."""
    import re

    if lang != "vi":
        return text
    m = re.match(r"^(range (\S+)-(\S+) %|(\S+) (\S+) %) by (\d+)$", text)
    if not m:
        return text
    body = (_t("vi", "range", lo=m[2].replace(".", ","), hi=m[3].replace(".", ",")) if m[2]
            else f"{m[4]} {m[5].replace('.', ',')} %")
    return _t("vi", "by", body=body, year=m[6])


def _obs_words(text: str, lang: str) -> str:
    """'10 to over 16 %' in the text's language."""
    import re

    if lang != "vi":
        return text
    m = re.match(r"^(\S+) to (over )?(\S+) %$", text)
    if m:
        return _t("vi", "obs_range", lo=m[1].replace(".", ","), over=_t("vi", "over") if m[2] else "",
                  hi=m[3].replace(".", ","))
    m = re.match(r"^over (\S+) %$", text)
    if m:
        return f"trên {m[1].replace('.', ',')} %"
    m = re.match(r"^at least (\S+) %$", text)
    if m:
        return _t("vi", "at_least", v=m[1].replace(".", ","))
    return text.replace(".", ",")


def _render_text(res: AuditResult, bundle: Bundle | None, lang: str = "en") -> str:
    lang = "vi" if lang == "vi" else "en"
    name = (lambda g: bundle.geo_name(g)) if bundle is not None else (lambda g: g)
    f = (lambda x, nd=2: _fmt(x, nd).replace(".", ",")) if lang == "vi" else _fmt
    out: list[str] = [_t(lang, "title"), "", _t(lang, "a")]
    if res.contradictions.empty:
        out.append(_t(lang, "a_none"))
    for _, r in res.contradictions.iterrows():
        mark = _t(lang, "CONTRADICTION" if r["status"] == "CONTRADICTION" else "agree")
        out.append(f"  [{mark}] {r['plan_id']} | {name(r['geography'])} | {r['indicator']} | {r['year']}")
        statements = r["statements"]
        if lang == "vi":
            statements = _locator_words(statements.replace(" says ", " ghi "))
        out.append(f"      {statements}")
        if r["status"] == "CONTRADICTION":
            out.append(_t(lang, "a_diff", d=_num(r["diff_pts"], lang, 2), variant=_variant(r["variant_used"], lang),
                          v=_num(r["value_used"], lang)))
    out += ["", _t(lang, "b")]
    if res.aggregates.empty:
        out.append(_t(lang, "b_none"))
    for (plan, ind, year, parent), g in res.aggregates.groupby(["plan_id", "indicator", "year", "parent"], sort=False):
        first = g.iloc[0]
        out.append(_t(lang, "b_head", plan=plan, ind=ind, year=year, n=first["n_units"], of=first["n_units_in_parent"],
                      parent=name(parent)))
        for _, r in g.iterrows():
            w = f"{_say(r['weight'], lang):<32}"
            if math.isnan(r["implied_pct"]):
                out.append(_t(lang, "b_none_row", w=w, note=_say(r["note"], lang)))
            else:
                d = f"{r['diff_pts']:+.2f}"
                out.append(_t(lang, "b_row", w=w, imp=_num(r["implied_pct"], lang, 2),
                              variant=_variant(r["published_variant"], lang),
                              pub=_num(r["published_pct"], lang), d=d.replace(".", ",") if lang == "vi" else d))
    out += ["", _t(lang, "c")]
    g_all = res.gaps
    for (plan, ind), g in g_all.groupby(["plan_id", "indicator"], sort=False):
        own = g[g["evidence_scope"] != "ancestor"]
        anc = g[g["evidence_scope"] == "ancestor"]
        for tid, tg in own.groupby("target_id", sort=False):
            r0 = tg.iloc[0]
            variant = f" ({r0['variant']})" if r0["variant"] not in ("", "body", "appendix") else ""
            out.append(_t(lang, "c_head", plan=plan, geo=r0["geography_name"], variant=variant, ind=ind,
                          target=_target_words(r0["target_text"], lang)))
            for _, r in tg.iterrows():
                if pd.isna(r["obs_id"]):
                    out.append(f"      {_say(r['note'], lang)}")
                    continue
                basis = _BASIS_VI.get(r["basis"], r["basis"]) if lang == "vi" else r["basis"]
                out.append(_t(lang, "c_row", obs=_obs_words(r["observed"], lang), year=int(r["obs_year"]),
                              obs_id=r["obs_id"], basis=basis, gap=f(r["gap_pts"]), yl=int(r["years_left"]),
                              pace=f(r["pace_pts_per_year"]), logit=f(r["pace_logit_per_year"], 3),
                              mult=f(r["multiple_of_observed"])))
                if r["note"]:
                    out.append(_t(lang, "c_note", note=_say(r["note"], lang)))
        if len(anc):
            first_obs = anc.groupby("target_id", sort=False).head(1)
            src = first_obs.iloc[0]
            out.append(_t(lang, "c_anc", plan=plan, ind=ind, n=len(first_obs), geo=name(src["obs_geography"]),
                          obs=_obs_words(src["observed"], lang), year=int(src["obs_year"]), obs_id=src["obs_id"]))
            for _, r in first_obs.iterrows():
                out.append(_t(lang, "c_anc_row", geo=r["geography_name"], target=_target_words(r["target_text"], lang),
                              gap=f(r["gap_pts"]), pace=f(r["pace_pts_per_year"])))
    out += ["", _t(lang, "d")]
    if res.outliers.empty:
        out.append(_t(lang, "d_none"))
    for _, r in res.outliers.iterrows():
        out.append(_t(lang, "d_row", plan=r["plan_id"], ind=r["indicator"], year=r["year"], geo=r["geography_name"],
                      v=_num(r["target_pct"], lang), med=_num(r["siblings_median_pct"], lang),
                      others=r["siblings_range_pct"].replace(".", ",") if lang == "vi" else r["siblings_range_pct"],
                      z=_num(r["robust_z"], lang)))
    if len(res.untested):
        out += ["", _t(lang, "untested")]
        for _, r in res.untested.iterrows():
            out.append(_t(lang, "untested_row", plan=r["plan_id"], n=r["n_targets"], ind=r["indicator"]))
    return "\n".join(out)
