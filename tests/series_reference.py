"""The observation look-ups as they were before the grouped index: each unit's rows found by scanning the table.

A reference for ``tests/test_observation_index.py``: the scan-based
``series_for``, ``aggregate_children``, ``count_series``, ``unit_rows``,
``lineage_view`` and ``former_area_rows`` of :mod:`simlib.evidence.series`
(commit 3008652), copied with their docstrings left out, calling each other
and the unchanged helpers of the module (the selection rules themselves:
``observations_from_frame``, ``_edge_with_size``, ``sub_units``,
``count_value``). :class:`simlib.evidence.series.ObservationIndex` must give
exactly their results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simlib.evidence.series import (SHARE_UNITS, Observation, _edge_with_size, count_value, observations_from_frame,
                                    sub_units)
from simlib.vocab import count_for_year


def _exact_rows(observations: pd.DataFrame, geography: str, indicator: str) -> pd.DataFrame:
    o = observations
    sel = o[(o["geography"] == geography) & (o["indicator"] == indicator) & o["year"].notna()]
    if "value_share" not in sel.columns:
        return sel.iloc[0:0]
    v = pd.to_numeric(sel["value_share"], errors="coerce")
    den = pd.to_numeric(sel["denominator"], errors="coerce") if "denominator" in sel.columns else v * np.nan
    # 0 % and 100 % are figures when their size is known (0 of 40 graduates): they enter weighted means
    sel = sel[((v > 0) & (v < 1)) | (((v == 0) | (v == 1)) & (den > 0))]
    if "breakdown" in sel.columns:
        sel = sel[sel["breakdown"].isna() | (sel["breakdown"].astype(str).str.strip() == "")]
    if "flags" in sel.columns:
        sel = sel[~sel["flags"].fillna("").astype(str).str.contains("alternative_reading")]
    if "year_first" in sel.columns:
        sel = sel[sel["year_first"].isna() | (sel["year_first"] == sel["year"])]
    return sel




def count_series(observations: pd.DataFrame, geography: str, indicator: str) -> pd.Series:
    o = observations
    sel = o[(o["geography"] == geography) & (o["indicator"] == indicator) & o["year"].notna()]
    if "breakdown" in sel.columns:
        sel = sel[sel["breakdown"].isna() | (sel["breakdown"].astype(str).str.strip() == "")]
    if sel.empty:
        return pd.Series(dtype=float)
    vals = {int(r["year"]): count_value(r.get("value"), r.get("low"), r.get("high")) for r in sel.to_dict("records")}
    return pd.Series(vals, dtype=float).dropna().sort_index()


def unit_count(observations: pd.DataFrame, geography: str, indicator: str, year: int) -> float:
    return count_for_year(count_series(observations, geography, indicator).to_dict(), year)[0]


_count = unit_count


def aggregate_children(observations: pd.DataFrame, geographies: pd.DataFrame, parent: str, indicator: str, *,
                       weight_indicator: str = "", spread: float = 0.35, min_coverage: float = 0.5,
                       tree: tuple | None = None, readings: str = "primary") -> list[Observation]:
    current, former = sub_units(geographies, parent, tree=tree)
    if not current and not former:
        return []
    mine = observations[(observations["indicator"] == indicator)
                        & observations["geography"].isin(current + former)]
    if mine.empty and not former:
        return []
    out = []
    for kids in (current, former):
        if not kids:
            continue
        if kids is former:
            # a former unit (a province before a merger) counts with its own series, its districts' included
            rows = _former_rows(observations, geographies, kids, indicator, weight_indicator, spread, readings)
        else:
            present = [k for k in kids if k in set(mine["geography"])]
            if not present:
                continue
            rows = pd.concat([_exact_rows(mine, k, indicator) for k in present], ignore_index=True)
        if rows.empty:
            continue
        done = {o.year for o in out}
        for year, grp in rows.groupby("year", sort=True):
            if int(year) in done:
                continue
            agg = _aggregate_year(observations, parent, indicator, kids, int(year), grp, weight_indicator, spread,
                                  min_coverage)
            if agg is not None:
                out.append(agg)
    return sorted(out, key=lambda o: o.year)


def _former_rows(observations, geographies, former, indicator, weight_indicator, spread, readings) -> pd.DataFrame:
    recs = []
    for k in former:
        for ob in series_for(observations, k, indicator, readings=readings, geographies=geographies,
                             weight_indicator=weight_indicator, spread=spread):
            if ob.value_share is not None and ob.year_first in (None, ob.year):
                recs.append({"geography": k, "year": ob.year, "value_share": ob.value_share,
                             "denominator": np.nan, "flags": ob.flags, "basis": ob.basis})
    return pd.DataFrame(recs, columns=["geography", "year", "value_share", "denominator", "flags", "basis"])


def _aggregate_year(observations, parent, indicator, kids, year, grp, weight_indicator, spread, min_coverage):
    grp = grp.drop_duplicates("geography", keep="last")
    p = grp["value_share"].astype(float).to_numpy()
    w = pd.to_numeric(grp.get("denominator"), errors="coerce").to_numpy(dtype=float, copy=True) \
        if "denominator" in grp.columns else np.full(len(grp), np.nan)
    if weight_indicator:
        for i, g in enumerate(grp["geography"]):
            if not np.isfinite(w[i]):
                w[i] = _count(observations, g, weight_indicator, year)
    all_w = np.array([_count(observations, k, weight_indicator, year) if weight_indicator else np.nan
                      for k in kids])
    if np.isfinite(w).all() and w.sum() > 0:
        mean = float(np.sum(w * p) / np.sum(w))
        total = _count(observations, parent, weight_indicator, year) if weight_indicator else float("nan")
        if not np.isfinite(total) and np.isfinite(all_w).all():
            total = float(all_w.sum())
        cover = float(min(1.0, w.sum() / total)) if np.isfinite(total) and total > 0 else len(grp) / len(kids)
    else:
        mean = float(np.mean(p))
        cover = len(grp) / len(kids)
    if cover < min_coverage or not 0.0 < mean < 1.0:
        return None
    floor = spread * mean * (1.0 - mean)
    sd = max(float(np.std(p, ddof=1)) if len(p) > 1 else 0.0, floor)
    se = (1.0 - cover) * sd if cover < 1.0 - 1e-9 else None
    flags = {"aggregated_from_units"}
    if "flags" in grp.columns:  # the caveats of any reported figure stay with the aggregate
        for f in grp["flags"].fillna("").astype(str):
            flags |= {x.strip() for x in f.split(";") if x.strip() and x.strip() not in ("derived", "component")}
    basis = "same" if ("basis" not in grp.columns or (grp["basis"].fillna("same") == "same").all()) else "unclear"
    return Observation(obs_id=f"agg:{parent}:{indicator}:{year}", geography=parent, indicator=indicator,
                       year=year, value_share=mean, se_share=se, basis=basis, flags=";".join(sorted(flags)))


def series_for(observations: pd.DataFrame, geography: str, indicator: str, *, readings: str = "primary",
               geographies: pd.DataFrame | None = None, weight_indicator: str = "",
               spread: float = 0.35, tree: tuple | None = None) -> list[Observation]:
    if geographies is not None:
        view = lineage_view(observations, geographies, geography)
        if view is not None:
            observations, geographies = view
            tree = None
    o = observations
    sel = o[(o["geography"] == geography) & (o["indicator"] == indicator)]
    own: list[Observation] = []
    if not sel.empty:
        shares = [c for c in ("value_share", "low_share", "high_share") if c in sel.columns]
        if shares:
            edge = np.zeros(len(sel), dtype=bool)
            for c in shares:
                v = pd.to_numeric(sel[c], errors="coerce")
                edge |= ((v <= 0) | (v >= 1)).fillna(False).to_numpy()
            kept = _edge_with_size(sel[edge])
            sel = pd.concat([sel[~edge], kept], ignore_index=True) if len(kept) else sel[~edge]
        own = observations_from_frame(sel, indicator, geography, readings=readings)
    if geographies is not None:
        exact_years = {ob.year for ob in own if ob.value_share is not None and ob.year_first in (None, ob.year)}
        agg = aggregate_children(o, geographies, geography, indicator, weight_indicator=weight_indicator,
                                 spread=spread, tree=tree, readings=readings)
        own = own + [a for a in agg if a.year not in exact_years]
    return sorted(own, key=lambda ob: ob.year)




def lineage_view(observations: pd.DataFrame, geographies: pd.DataFrame, geography: str):
    from simlib.inputs import lineage

    base = geography[: -len(lineage.PRE_MERGER_SUFFIX)] if geography.endswith(lineage.PRE_MERGER_SUFFIX) \
        else geography
    ids = set(geographies["geo_id"])
    if base not in ids or not base.startswith("vn.") or base.count(".") != 1:
        return None
    if not lineage.kept_name(base):
        return None
    pre = lineage.pre_merger_id(base)
    o = observations
    move = (o["geography"] == base) & (pd.to_numeric(o["year"], errors="coerce") <= lineage.LAST_OLD_YEAR)
    obs = o.copy()
    obs.loc[move, "geography"] = pre
    geos = geographies.copy()
    if "valid_to" in geos.columns:
        old = geos["valid_to"].notna() & (geos["parent"] == base)
        geos.loc[old, "parent"] = pre
    if pre not in ids:
        row = {c: None for c in geos.columns}
        row.update({"geo_id": pre, "name_vi": f"{base} (trước 1/7/2025)", "level": "province", "parent": "vn",
                    "successor": base})
        if "valid_to" in geos.columns:
            row["valid_to"] = "2025-06-30"
        geos = pd.concat([geos, pd.DataFrame([row])], ignore_index=True)
    for former in lineage.former_provinces(base):
        if former != base and former in ids and "successor" in geos.columns:
            geos.loc[geos["geo_id"] == former, "successor"] = base
    return obs, geos


def unit_rows(observations: pd.DataFrame, geography: str, indicator: str, readings: str = "primary",
              years: tuple[int, int] | None = None) -> pd.DataFrame:
    o = observations
    sel = o[(o["geography"] == geography) & (o["indicator"] == indicator) & o["year"].notna()]
    if sel.empty:
        return sel
    if "unit" in sel.columns:
        sel = sel[sel["unit"].isna() | sel["unit"].isin(SHARE_UNITS)]
    if "breakdown" in sel.columns:
        sel = sel[sel["breakdown"].isna() | (sel["breakdown"].astype(str).str.strip() == "")]
    alt = sel["flags"].fillna("").astype(str).str.contains("alternative_reading") if "flags" in sel.columns \
        else pd.Series(False, index=sel.index)
    if readings == "primary":
        sel = sel[~alt]
    elif alt.any():
        keep = {o_.obs_id for o_ in observations_from_frame(sel, indicator, geography, readings=readings)}
        sel = sel[sel["obs_id"].astype(str).isin(keep)]
    if years is not None:
        y = pd.to_numeric(sel["year"], errors="coerce")
        sel = sel[(y >= years[0]) & (y <= years[1])]
    if "value_share" in sel.columns:
        v = pd.to_numeric(sel["value_share"], errors="coerce")
        den = pd.to_numeric(sel["denominator"], errors="coerce") if "denominator" in sel.columns else v * np.nan
        edge = ((v <= 0) | (v >= 1)).fillna(False)
        sel = sel[~edge | (den > 0)]
    return sel


def former_area_rows(observations: pd.DataFrame, geography: str, indicator: str, readings: str = "primary"
                     ) -> list[tuple[str, float, pd.DataFrame]]:
    from simlib.inputs import lineage

    out = []
    if not isinstance(geography, str) or geography.count(".") < 2:
        return out
    have = set(observations.loc[observations["indicator"] == indicator, "geography"])
    districts = lineage.former_districts(geography) if have else {}
    communes = lineage.former_communes(geography) if have else []
    for area, w in list(districts.items()) + [(c, 1.0 / len(communes)) for c in communes]:
        if area not in have:
            continue
        rows = unit_rows(observations, area, indicator, readings, years=(0, lineage.LAST_OLD_YEAR))
        if len(rows):
            out.append((area, float(w), rows))
    return out

