"""Evidence from the province panel: each current province's own series, derived openly.

The panel (``data/gso_panel.csv``, loaded by :func:`simlib.inputs.bundle.load_panel`) holds the General
Statistics Office's pupils by level for the 63 former provinces (and Hà Tây until 2008). A current province's
figure for a year is the **sum of the figures of the former provinces whose area it holds** (the official
conversion, column ``successor``), including the one whose name it kept; a year counts only when every former
province that existed then has a figure (GSO ".." cells are absent), and figures flagged ``area_differs`` (the
2002-2003 figures of Lai Châu, Đắk Lắk and Cần Thơ, which still covered Điện Biên, Đắk Nông and Hậu Giang) are
left out. Every derived row carries its arithmetic and the ``obs_id`` of every figure it uses (``derivation``).

Derived indicators:

* ``grade9_cohort``: the THCS stock on 30 September divided by 4 (four grades): the mean size of a THCS grade,
  used as the grade-9 cohort of that school year (students); for the years after the last THCS figure, the
  primary stock divided by 5, six school years later (the mean primary grade, grade 3, reaches grade 9 six years
  on: primary pupils of 2016-17 stand for the grade-9 cohort of 2022-23), which carries the province's own
  history to 2023. Migration, dropout and repetition between the two are not in it. Recent counts of grade-9 pupils or THCS graduates
  the provinces published (``data/province_figures.csv``) are added as they are (not lower bounds).
* ``thpt_thcs_enrolment_ratio``: THPT stock / THCS stock (share). Its own indicator, **not** a destination
  share (repetition, dropout, cohort sizes and possibly GDTX are in it); see ``data/indicators.csv``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["former_provinces", "province_series", "cohort_history", "enrolment_ratio", "own_figures",
           "GRADES_THCS"]

#: Grades in lower secondary (6-9): a THCS stock divided by this is the mean grade size (students per grade).
GRADES_THCS = 4
#: Grades in primary (1-5); the mean primary grade (3) reaches grade 9 this many school years later.
GRADES_PRIMARY = 5
PRIMARY_TO_GRADE9 = 6
_HA_TAY_LAST_YEAR = 2008  # Hà Tây merged into Hà Nội on 1/8/2008: its last school year ends in 2008


def former_provinces(panel: pd.DataFrame, province: str) -> list[str]:
    """geo ids of the former provinces (and Hà Tây) whose area is in ``province`` (a current province's id)."""
    if panel is None or panel.empty:
        return []
    sel = panel.loc[(panel["successor"] == province) & (panel["geography"] != "vn"), "geography"]
    out = sorted(set(sel))
    if province == "vn":
        return ["vn"]
    return out


def province_series(panel: pd.DataFrame, province: str, indicator: str) -> pd.DataFrame:
    """A current province's yearly figure of a panel count (``thcs_pupils``, ``thpt_pupils``, ...).

    Parameters
    ----------
    panel : DataFrame
        ``Bundle.panel``.
    province : str
        geo id of a current province (``vn.tay_ninh``), or ``vn`` for the country.
    indicator : str
        A count indicator of the panel.

    Returns
    -------
    DataFrame
        Columns ``year`` (school year's end), ``value`` (students), ``n_parts`` (former provinces summed),
        ``obs_ids`` (``;``-separated), ``derivation`` (the sum in words). Empty when the province has no
        complete year.
    """
    cols = ["year", "value", "n_parts", "obs_ids", "derivation"]
    parts = former_provinces(panel, province)
    if not parts:
        return pd.DataFrame(columns=cols)
    sel = panel[panel["geography"].isin(parts) & (panel["indicator"] == indicator)
                & ~panel["flags"].str.contains("area_differs")]
    rows = []
    for year, grp in sel.groupby("year"):
        needed = [p for p in parts if not (p == "vn.ha_tay" and year > _HA_TAY_LAST_YEAR)]
        grp = grp.drop_duplicates("geography", keep="last")
        if set(grp["geography"]) != set(needed):
            continue
        terms = " + ".join(f"{int(v):,} ({g})" for g, v in zip(grp["geography"], grp["value"]))
        value = float(grp["value"].sum())
        rows.append({"year": int(year), "value": value, "n_parts": len(grp),
                     "obs_ids": ";".join(grp["obs_id"]),
                     "derivation": (f"{terms} = {value:,.0f}" if len(grp) > 1 else f"{value:,.0f} ({grp['geography'].iloc[0]})")})
    return pd.DataFrame(rows, columns=cols).sort_values("year").reset_index(drop=True) if rows else \
        pd.DataFrame(columns=cols)


def _figures_for(figures: pd.DataFrame | None, province: str, indicators: tuple[str, ...]) -> pd.DataFrame:
    """Published counts of the province (or of all its former provinces in one year), exact figures only."""
    if figures is None or figures.empty:
        return figures.iloc[0:0] if figures is not None else pd.DataFrame()
    sel = figures[(figures["successor"] == province) & figures["indicator"].isin(indicators)
                  & figures["value"].notna() & ~figures["flags"].str.contains("lower_bound")]
    # only figures that cover the whole current province: its own id, or a former province that is all of it
    return sel[sel["geography"] == province]


def cohort_history(panel: pd.DataFrame | None, province: str, figures: pd.DataFrame | None = None) -> pd.DataFrame:
    """The grade-9 cohort of a current province by year, from its own figures, each row with its arithmetic.

    Returns
    -------
    DataFrame
        ``year``, ``value`` (students), ``kind`` (``thcs_stock/4`` or the published indicator), ``obs_ids``,
        ``derivation``. A year with a published count keeps that count (it is a count of the cohort itself)
        and drops the stock-based proxy.
    """
    cols = ["year", "value", "kind", "obs_ids", "derivation"]
    rows = []
    if panel is not None and not panel.empty:
        s = province_series(panel, province, "thcs_pupils")
        for r in s.itertuples():
            rows.append({"year": r.year, "value": r.value / GRADES_THCS, "kind": f"thcs_stock/{GRADES_THCS}",
                         "obs_ids": r.obs_ids,
                         "derivation": f"THCS pupils on 30/9/{r.year - 1}: {r.derivation}; / {GRADES_THCS} grades "
                                       f"= {r.value / GRADES_THCS:,.0f}"})
        have = {r["year"] for r in rows}
        for r in province_series(panel, province, "primary_pupils").itertuples():
            y9 = r.year + PRIMARY_TO_GRADE9
            if y9 in have:
                continue
            rows.append({"year": y9, "value": r.value / GRADES_PRIMARY, "kind": f"primary_stock/{GRADES_PRIMARY}",
                         "obs_ids": r.obs_ids,
                         "derivation": f"primary pupils on 30/9/{r.year - 1}: {r.derivation}; / {GRADES_PRIMARY} "
                                       f"grades = {r.value / GRADES_PRIMARY:,.0f}, the mean primary grade (grade 3) "
                                       f"reaching grade 9 {PRIMARY_TO_GRADE9} school years later ({y9 - 1}-{y9})"})
    if figures is not None and not figures.empty:
        pub = _figures_for(figures, province, ("grade9_enrolment", "thcs_graduates"))
        for year, grp in pub.groupby("year"):
            v = float(grp["value"].mean())
            rows = [r for r in rows if r["year"] != int(year)]
            rows.append({"year": int(year), "value": v, "kind": "published count", "obs_ids": ";".join(grp["obs_id"]),
                         "derivation": (f"mean of {', '.join(f'{x:,.0f}' for x in grp['value'])} = {v:,.0f}"
                                        if len(grp) > 1 else f"{v:,.0f} as published")
                                       + f" ({', '.join(sorted(set(grp['indicator'])))})"})
    if not rows:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame(rows, columns=cols).sort_values("year").reset_index(drop=True)


def enrolment_ratio(panel: pd.DataFrame | None, province: str) -> pd.DataFrame:
    """THPT pupils / THCS pupils of a current province by year (``thpt_thcs_enrolment_ratio``, a share 0-1).

    Returns
    -------
    DataFrame
        ``year``, ``value`` (share), ``obs_ids``, ``derivation`` (``thpt / thcs = ratio`` with both sums).
    """
    cols = ["year", "value", "obs_ids", "derivation"]
    if panel is None or panel.empty:
        return pd.DataFrame(columns=cols)
    a = province_series(panel, province, "thpt_pupils").set_index("year")
    b = province_series(panel, province, "thcs_pupils").set_index("year")
    rows = []
    for y in sorted(set(a.index) & set(b.index)):
        ratio = a.at[y, "value"] / b.at[y, "value"]
        rows.append({"year": int(y), "value": ratio, "obs_ids": f"{a.at[y, 'obs_ids']};{b.at[y, 'obs_ids']}",
                     "derivation": f"THPT {a.at[y, 'value']:,.0f} / THCS {b.at[y, 'value']:,.0f} = {ratio:.4f}"})
    return pd.DataFrame(rows, columns=cols)


def own_figures(panel: pd.DataFrame | None, province: str, figures: pd.DataFrame | None = None) -> dict[str, int]:
    """How many of the province's own figures each derived series rests on (source figures, not years).

    Returns
    -------
    dict
        ``{"grade9_cohort": n, "thpt_thcs_enrolment_ratio": n}``: the number of distinct source rows.
    """
    out = {}
    for key, frame in (("grade9_cohort", cohort_history(panel, province, figures)),
                       ("thpt_thcs_enrolment_ratio", enrolment_ratio(panel, province))):
        ids = set()
        for s in frame.get("obs_ids", pd.Series(dtype=str)):
            ids.update(x for x in str(s).split(";") if x)
        out[key] = len(ids)
    return out


def ratio_summary(panel: pd.DataFrame | None, province: str) -> dict | None:
    """Latest ratio, its year, the number of years and the mean yearly change (share points), or None."""
    r = enrolment_ratio(panel, province)
    if r.empty:
        return None
    slope = float(np.polyfit(r["year"], r["value"], 1)[0]) if len(r) > 2 else float("nan")
    return {"latest": float(r["value"].iloc[-1]), "year": int(r["year"].iloc[-1]), "first_year": int(r["year"].iloc[0]),
            "n_years": len(r), "slope_per_year": slope}
