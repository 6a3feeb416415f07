"""The row rules of each table kind, vectorised over whole columns (observations, targets, geographies...).

Internal to :func:`simlib.inputs.validation.validate_table`: a rate outside 0-100 %, a range whose low is above its
high, a count below zero, a duplicate key... each fault one problem listing its rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simlib.inputs.textio import NumberError, PercentCell, is_missing, parse_number
from simlib.inputs.messages import _g, _m
from simlib.inputs.reference import Reference
from simlib.inputs.schemas import COUNT_UNITS, RATE_UNITS, Schema, SMALL_PERCENT_FLAG
from simlib.inputs.validation import _Ctx, _number_reason, _show


# ----------------------------------------------------------------------------
# Row rules (vectorised)
# ----------------------------------------------------------------------------


def _num_arrays(col: list, n: int):
    """(values, had_percent_sign, was_percent_cell, raw) arrays from parsed number cells."""
    vals = np.full(n, np.nan)
    pct = np.zeros(n, dtype=bool)
    pcell = np.zeros(n, dtype=bool)
    textual = np.zeros(n, dtype=bool)
    raw = [None] * n
    for i, t in enumerate(col):
        if t is None:
            continue
        x, p, r = t
        vals[i] = x
        pct[i] = p
        pcell[i] = isinstance(r, PercentCell)
        textual[i] = isinstance(r, str)
        raw[i] = r
    return vals, pct, pcell, textual, raw


def _rules_observations(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool, raw_cols=None) -> pd.DataFrame:
    lang = ctx.lang
    n = len(df)
    unit = df["unit"].to_numpy(dtype=object)
    ind = df["indicator"].to_numpy(dtype=object)
    is_rate_unit = np.array([u in RATE_UNITS for u in unit], dtype=bool)
    is_count_unit = np.array([u in COUNT_UNITS for u in unit], dtype=bool)
    unit_ok = np.array([u is not None for u in unit], dtype=bool)
    unit_ok, ikind = _check_unit_kinds(ctx, ref, unit, ind, unit_ok, is_rate_unit)
    scale = np.array([RATE_UNITS.get(u, np.nan) for u in unit], dtype=float)
    share_unit = unit == "share"
    arrays = {}
    for c in ("value", "low", "high", "se"):
        vals, pct, pcell, textual, raw = _num_arrays(list(df[c]), n)
        # A percent-formatted cell stores a fraction: under unit 'share' it is that fraction.
        conv = pcell & share_unit
        vals[conv] = vals[conv] / 100.0
        bad = pct & ~pcell & share_unit & unit_ok
        ctx.add(np.flatnonzero(bad), c, _m(lang, "pct_share"))
        arrays[c] = (vals, pct, pcell, textual, raw)
    v, lo, hi, se = (arrays[c][0].copy() for c in ("value", "low", "high", "se"))
    num = np.array([np.nan if x is None else float(x) for x in df["numerator"]], dtype=float)
    den = np.array([np.nan if x is None else float(x) for x in df["denominator"]], dtype=float)
    has_num, has_den = ~np.isnan(num), ~np.isnan(den)
    both = has_num & has_den
    gt = both & (num > den)
    for i in np.flatnonzero(gt):
        ctx.add(i, "numerator", _m(lang, "num_gt_den", num=_g(num[i]), den=_g(den[i])))
    dz = both & ~gt & (den == 0)
    ctx.add(np.flatnonzero(dz), "denominator", _m(lang, "den_zero"))
    okr = both & ~gt & ~dz & is_rate_unit & unit_ok
    with np.errstate(invalid="ignore", divide="ignore"):
        implied = np.where(okr, num / den * scale, np.nan)
    fill = okr & np.isnan(v)
    v[fill] = implied[fill]
    mism = okr & ~fill & (np.abs(v - implied) > 0.0005 * np.nan_to_num(scale, nan=1.0))
    for i in np.flatnonzero(mism):
        ctx.add(i, "value", _m(lang, "value_mismatch", v=_g(v[i]), implied=f"{implied[i]:.4g}"))
    one = has_num ^ has_den
    for i in np.flatnonzero(one):
        which = "denominator" if not has_den[i] else "numerator"
        other = "numerator" if which == "denominator" else "denominator"
        ctx.add(i, which, _m(lang, "one_of_pair", which=which, other=other))
    unparsed = ctx.failed_mask("value", "low", "high", "numerator", "denominator")
    nofig = np.isnan(v) & np.isnan(lo) & np.isnan(hi) & ~both & ~unparsed
    ctx.add(np.flatnonzero(nofig), "value", _m(lang, "no_figure"))
    needs_low = ~np.isnan(hi) & np.isnan(lo) & np.isnan(v)
    ctx.add(np.flatnonzero(needs_low), "low", _m(lang, "range_needs_low"))
    lah = ~np.isnan(lo) & ~np.isnan(hi) & (lo > hi)
    for i in np.flatnonzero(lah):
        ctx.add(i, "low", _m(lang, "low_above_high", lo=_g(lo[i]), hi=_g(hi[i])))
    outside = ~np.isnan(v) & ~np.isnan(lo) & ~np.isnan(hi) & ~lah & ((v < lo) | (v > hi))
    for i in np.flatnonzero(outside):
        ctx.add(i, "value", _m(lang, "outside_range", v=_g(v[i]), lo=_g(lo[i]), hi=_g(hi[i])))
    # A 0 % or 100 % is a reported fact when the counts behind it are known: its numerator and denominator, or the
    # cohort of the same unit and year in this file (the indicator's weight indicator, e.g. thcs_graduates).
    cohort = _cohort_of_rows(df, ref, is_count_unit & unit_ok, v)
    counted = okr | (~np.isnan(cohort) & (cohort > 0))
    edge_known = is_rate_unit & unit_ok & counted & ~np.isnan(v) & ((v == 0) | (v == scale))
    from_cohort = edge_known & ~okr
    if from_cohort.any():
        num[from_cohort] = np.where(v[from_cohort] == 0, 0.0, cohort[from_cohort])
        den[from_cohort] = cohort[from_cohort]
        ctx.notes.append(_m(lang, "edge_with_cohort", rows=_rows_text(ctx, from_cohort)))
    _check_rates(ctx, v, lo, hi, den, unit, scale, is_rate_unit & unit_ok, strict, known=counted)
    _check_counts(ctx, arrays, v, lo, hi, is_count_unit & unit_ok)
    for i in np.flatnonzero(~np.isnan(se) & (se < 0)):
        ctx.add(i, "se", _m(lang, "se_neg", v=_g(se[i])))
    # A standard error of 0 says the figure is exact: an administrative count is (a count unit, or numerator and
    # denominator given); a survey estimate or a published rate alone is not.
    exact = (is_count_unit & unit_ok) | okr
    ctx.add(np.flatnonzero(~np.isnan(se) & (se == 0) & ~exact), "se", _m(lang, "se_zero"))
    _check_year_first(ctx, df)
    _check_small_percents(ctx, df, ref, unit, unit_ok, ikind, ind, v, arrays)
    return _typed_observations(df, ctx, v, lo, hi, se, scale, num, den)


def _check_unit_kinds(ctx: _Ctx, ref: Reference | None, unit, ind, unit_ok, is_rate_unit):
    """A rate indicator given in a count unit, or a count in a rate unit; (units still checkable, each row's
    indicator kind)."""
    lang = ctx.lang
    n = len(unit)
    if ref is not None:
        kinds = dict(zip(ref.indicators["indicator_id"], ref.indicators["kind"]))
        ikind = np.array([kinds.get(x) for x in ind], dtype=object)
        rate_ind = np.isin(ikind, ["rate", "school_share"])
        count_ind = ikind == "count"
        bad = rate_ind & unit_ok & ~is_rate_unit
        for u in pd.unique(unit[bad]):
            for iid in pd.unique(ind[bad & (unit == u)]):
                ctx.add(np.flatnonzero(bad & (unit == u) & (ind == iid)), "unit",
                        _m(lang, "rate_is_count", ind=iid, unit=u))
        bad2 = count_ind & is_rate_unit
        for u in pd.unique(unit[bad2]):
            for iid in pd.unique(ind[bad2 & (unit == u)]):
                ctx.add(np.flatnonzero(bad2 & (unit == u) & (ind == iid)), "unit",
                        _m(lang, "count_is_rate", ind=iid, unit=u))
        unit_ok = unit_ok & ~bad & ~bad2  # further range checks would only repeat this problem
    else:
        ikind = np.full(n, None, dtype=object)
    return unit_ok, ikind


def _check_year_first(ctx: _Ctx, df: pd.DataFrame) -> None:
    """A figure over several years whose first year is after its last."""
    lang = ctx.lang
    n = len(df)
    yf = df["year_first"].to_numpy(dtype=object)
    yy = df["year"].to_numpy(dtype=object)
    for i in range(n):
        if yf[i] is not None and yy[i] is not None and yf[i] > yy[i]:
            ctx.add(i, "year_first", _m(lang, "year_first", yf=yf[i], y=yy[i]))


def _check_small_percents(ctx: _Ctx, df: pd.DataFrame, ref, unit, unit_ok, ikind, ind, v, arrays) -> None:
    """Percent values of one indicator that are all below 1 (shares under the wrong unit) unless flagged."""
    lang = ctx.lang
    # Percent values that are all below 1 look like shares under the wrong unit (0.1521 read as 0.15 %).
    flags = df["flags"].to_numpy(dtype=object)
    confirmed = np.array([isinstance(f, str) and SMALL_PERCENT_FLAG in f for f in flags], dtype=bool)
    plain = (unit == "percent") & unit_ok & ~np.isnan(arrays["value"][0]) & ~arrays["value"][1] & ~confirmed
    if ref is not None:
        plain &= ikind == "rate"
    for iid in pd.unique(ind[plain]):
        sel = plain & (ind == iid)
        xs = v[sel]
        if sel.sum() >= 2 and np.all((xs > 0) & (xs < 1)):
            shown = ", ".join(_g(x) for x in xs[:4]) + ("…" if len(xs) > 4 else "")
            ctx.add(np.flatnonzero(sel), "value", _m(lang, "all_small", ind=iid if iid is not None else "", vals=shown))


def _typed_observations(df: pd.DataFrame, ctx: _Ctx, v, lo, hi, se, scale, num, den) -> pd.DataFrame:
    """The checked observations: numbers as float, shares (fractions) beside them, defaults filled, years Int64."""
    out = df.copy()
    out["value"], out["low"], out["high"], out["se"] = v, lo, hi, se
    out["high_open"] = np.array([bool(b) if b is not None else False for b in out["high_open"]], dtype=bool)
    out["basis"] = pd.Series([b if b is not None else "same" for b in out["basis"]], index=out.index, dtype=object)
    out["breakdown"] = pd.Series([b if b is not None else "" for b in out["breakdown"]], index=out.index, dtype=object)
    out["flags"] = pd.Series([b if b is not None else "" for b in out["flags"]], index=out.index, dtype=object)
    ids = out["obs_id"].to_numpy(dtype=object)
    if any(x is None for x in ids):
        out["obs_id"] = [oid if oid is not None else f"{ctx.file}:row{r}" for oid, r in zip(ids, out["row"])]
    for c in ("value", "low", "high", "se"):
        out[f"{c}_share"] = out[c].astype(float) / scale
    out["year"] = pd.array(list(out["year"]), dtype="Int64")
    out["year_first"] = pd.array(list(out["year_first"]), dtype="Int64")
    out["numerator"], out["denominator"] = num, den  # with counts read from the file's cohort rows (0 % / 100 %)
    return out


def _rows_text(ctx: _Ctx, mask: np.ndarray) -> str:
    from simlib.inputs.textio import _ranges

    return _ranges(tuple(sorted({ctx.rows[i] for i in np.flatnonzero(mask)})))


def _cohort_of_rows(df: pd.DataFrame, ref: Reference | None, count_rows: np.ndarray, v: np.ndarray) -> np.ndarray:
    """For each row, the count of its indicator's weight indicator (its cohort) for the same unit and year in this
    file, else NaN."""
    n = len(df)
    out = np.full(n, np.nan)
    if ref is None or "weight_indicator" not in ref.indicators.columns or not count_rows.any():
        return out
    weight = dict(zip(ref.indicators["indicator_id"], ref.indicators["weight_indicator"]))
    geo, ind, yr = (df[c].to_numpy(dtype=object) for c in ("geography", "indicator", "year"))
    counts = {(geo[i], ind[i], yr[i]): v[i] for i in np.flatnonzero(count_rows & ~np.isnan(v))}
    if not counts:
        return out
    for i in range(n):
        w = weight.get(ind[i])
        if isinstance(w, str) and w:
            out[i] = counts.get((geo[i], w, yr[i]), np.nan)
    return out


def _check_rates(ctx: _Ctx, v, lo, hi, den, unit, scale, rate_rows, strict: bool, known=None) -> None:
    """Rates lie within 0..top; planner figures strictly inside (the logit scale) unless their counts are known.

    ``known``: rows whose numerator and denominator (or cohort) are known; there a 0 % or 100 % is a reported fact
    (0 of 244 graduates) that the models read with its counts.
    """
    lang = ctx.lang
    if known is not None:
        rate_rows = rate_rows.copy()
        edge_v = ~np.isnan(v) & ((v == 0) | (v == scale))
        rate_rows_known_edge = rate_rows & known & edge_v
    else:
        rate_rows_known_edge = np.zeros(len(v), dtype=bool)
    # Rates: within 0..top, and (planner data) strictly inside it: the logit scale, the same rule the models apply.
    # The bundled tables record reported facts such as "no student went to vocational school" (0 %) for a single
    # school; they are loaded with strict=True and never modelled.
    for c, x in (("value", v), ("low", lo), ("high", hi)):
        has = rate_rows & ~np.isnan(x)
        out = has & ((x < 0) | (x > scale))
        for i in np.flatnonzero(out):
            hint = _m(lang, "looks_pct") if unit[i] == "share" and 1 < x[i] <= 100 else ""
            what = "%" if unit[i] == "percent" else _m(lang, "share_word")
            ctx.add(i, c, _m(lang, "rate_range", top=_g(scale[i]), what=what, v=_g(x[i]), hint=hint))
        edge = has & ~out & ((x == 0) | (x == scale)) & (not strict) & ~rate_rows_known_edge
        if c == "value":
            for i in np.flatnonzero(edge):
                shown = f"{_g(x[i])} %" if unit[i] == "percent" else f"{_g(x[i])} ({unit[i]})"
                example = ""
                if not np.isnan(den[i]) and den[i] > 0:
                    e = 0.5 / den[i] * scale[i]
                    if x[i] != 0:
                        e = scale[i] - e
                    example = _m(lang, "here", e=e)
                ctx.add(i, c, _m(lang, "logit_edge", v=shown, example=example))
        elif c == "low":
            ctx.add(np.flatnonzero(edge & (x == 0) & ~np.isnan(hi)), c, _m(lang, "range_low_zero"))
            lone = edge & ~((x == 0) & ~np.isnan(hi))
            for i in np.flatnonzero(lone):
                shown = f"{_g(x[i])} %" if unit[i] == "percent" else f"{_g(x[i])} ({unit[i]})"
                ctx.add(i, c, _m(lang, "logit_edge", v=shown, example=""))
        else:
            ctx.add(np.flatnonzero(edge & (x == scale)), c, _m(lang, "range_high_top"))
            ctx.add(np.flatnonzero(edge & (x == 0)), c, _m(lang, "logit_edge", v="0", example=""))


def _check_counts(ctx: _Ctx, arrays, v, lo, hi, count_rows) -> None:
    """Counts are whole and not negative, and never a percentage cell."""
    lang = ctx.lang
    # Counts: whole and not negative; a percentage cell is not a count.
    for c, x in (("value", v), ("low", lo), ("high", hi)):
        cnt = count_rows & ~np.isnan(x)
        pc = cnt & arrays[c][2]
        for i in np.flatnonzero(pc):
            ctx.add(i, c, _m(lang, "count_pct", v=_show(arrays[c][4][i])))
        cnt &= ~pc
        raw = arrays[c][4]
        textual = arrays[c][3]
        for i in np.flatnonzero(cnt & textual):
            try:
                parse_number(raw[i], integer=True)
            except NumberError as exc:
                ctx.add(i, c, _m(lang, "not_number", why=_number_reason(str(exc), lang)))
                cnt[i] = False
        for i in np.flatnonzero(cnt & (x < 0)):
            ctx.add(i, c, _m(lang, "count_neg", v=_g(x[i])))
        for i in np.flatnonzero(cnt & (x >= 0) & (np.floor(x) != x) & ~textual):
            ctx.add(i, c, _m(lang, "count_whole", v=_g(x[i])))


def _rules_targets(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool, raw_cols=None) -> pd.DataFrame:
    out = df.copy()
    vals, lows, highs = [], [], []
    kinds = dict(zip(ref.indicators["indicator_id"], ref.indicators["kind"])) if ref is not None else {}
    lang = ctx.lang

    def num(t):
        return None if t is None else t[0]

    for i, r in enumerate(df.itertuples(index=False)):
        v, lo, hi = num(r.value), num(r.low), num(r.high)
        if r.unit is not None and r.unit not in RATE_UNITS:
            ctx.add(i, "unit", _m(lang, "target_unit", v=r.unit))
        if r.comparator == "range":
            if lo is None or hi is None:
                ctx.add(i, "low", _m(lang, "range_needs_both"))
            elif lo >= hi:
                ctx.add(i, "low", _m(lang, "range_order", lo=lo, hi=hi))
            if v is not None:
                ctx.add(i, "value", _m(lang, "range_no_value"))
        elif r.comparator is not None:
            if v is None:
                ctx.add(i, "value", _m(lang, "target_needs_value", comp=r.comparator))
            if lo is not None or hi is not None:
                ctx.add(i, "low", _m(lang, "low_high_range_only"))
        for c, x in (("value", v), ("low", lo), ("high", hi)):
            if x is not None and r.unit in RATE_UNITS and not 0 <= x <= RATE_UNITS[r.unit]:
                top = RATE_UNITS[r.unit]
                hint = _m(ctx.lang, "looks_pct") if r.unit == "share" and 1 < x <= 100 else ""
                ctx.add(i, c, _m(ctx.lang, "rate_range", top=_g(top), what="%" if r.unit == "percent" else _m(lang, "share_word"),
                                 v=_g(x), hint=hint))
        if ref is not None and r.indicator is not None and kinds.get(r.indicator) == "count":
            ctx.add(i, "indicator", _m(lang, "target_count_indicator", v=r.indicator))
        vals.append(np.nan if v is None else v)
        lows.append(np.nan if lo is None else lo)
        highs.append(np.nan if hi is None else hi)
    out["value"], out["low"], out["high"] = vals, lows, highs
    scale = out["unit"].map(lambda u: RATE_UNITS.get(u, np.nan)).astype(float)
    for c in ("value", "low", "high"):
        out[f"{c}_share"] = out[c].astype(float) / scale
    out["variant"] = out["variant"].map(lambda b: b if b is not None else "")
    out["year"] = pd.array(list(out["year"]), dtype="Int64")
    return out


def _rules_geographies(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool, raw_cols=None) -> pd.DataFrame:
    ids = set(df["geo_id"].dropna())
    if df["successor"].notna().any():
        from simlib.inputs import places

        current = set(places.provinces()["geo_id"])
    else:
        current = set()
    for i, r in enumerate(df.itertuples(index=False)):
        if r.parent is not None and r.parent not in ids:
            ctx.add(i, "parent", f"parent '{r.parent}' is not a geo_id in this file")
        if r.parent is None and r.level != "country":
            ctx.add(i, "parent", "only the country has no parent")
        if r.successor is not None and r.successor not in ids and r.successor not in current:
            ctx.add(i, "successor", f"successor '{r.successor}' is neither a geo_id in this file nor one of the 34 "
                                    "provinces since 1/7/2025 (simlib.inputs.places.provinces())")
    return df


def _rules_indicators(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool, raw_cols=None) -> pd.DataFrame:
    for i, r in enumerate(df.itertuples(index=False)):
        if r.kind in ("rate", "school_share") and r.unit not in RATE_UNITS:
            ctx.add(i, "unit", "a rate indicator needs unit percent or share")
        if r.kind == "count" and r.unit in RATE_UNITS:
            ctx.add(i, "unit", "a count indicator needs a count unit")
    return df


def _rules_context(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool, raw_cols=None) -> pd.DataFrame:
    out = df.copy()
    vals = []
    for i, r in enumerate(df.itertuples(index=False)):
        v = None if r.value is None else r.value[0]
        if v is None and r.text is None:
            ctx.add(i, "value", "give a number in 'value' or a statement in 'text'")
        if v is not None and v < 0:
            ctx.add(i, "value", f"cannot be below zero (found {v:g})")
        vals.append(np.nan if v is None else v)
    out["value"] = vals
    return out


_ROW_RULES = {
    "observations": _rules_observations,
    "targets": _rules_targets,
    "case_targets": lambda df, ctx, ref, strict, **kw: _rules_targets(
        df.assign(comparator=df["comparator"].map(lambda c: c if c is not None else ">="), variant=None),
        ctx, ref, strict, **kw),
    "geographies": _rules_geographies,
    "indicators": _rules_indicators,
    "context": _rules_context,
}


def _check_duplicates(df: pd.DataFrame, schema: Schema, ctx: _Ctx, kind: str, strict: bool) -> None:
    """Rows that repeat a key. Rows whose key cells could not be read are left out (no cascade)."""
    if kind == "observations":
        ids = df["obs_id"].astype(str)
        given = ~ids.str.contains(":row", regex=False)
        if strict or given.all():
            keys = [("obs_id",)]
        else:
            keys = [schema.key]
    else:
        keys = [schema.key]
        first_id = schema.columns[0]
        if first_id.kind == "id" and (first_id.name,) != schema.key:
            keys.append((first_id.name,))
    for key in keys:
        bad = ctx.failed_mask(*key)
        if key == (schema.columns[0].name,) and not schema.columns[0].nonempty:
            # an optional id (a case's targets.csv: generated from the row when absent) is compared where given
            bad = bad | np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in df[key[0]]], dtype=bool)
        sub = df[list(key)].astype(str)[~bad]
        dup = sub.duplicated(keep=False)
        if not dup.any():
            continue
        pos = np.flatnonzero(~bad)
        groups: dict[tuple, list[int]] = {}
        for j in np.flatnonzero(dup.to_numpy()):
            groups.setdefault(tuple(sub.iloc[j]), []).append(int(pos[j]))
        for k, idxs in groups.items():
            first_row = df["row"].iloc[idxs[0]]
            vals = [df[c].iloc[idxs[0]] for c in key]
            shown = ", ".join(f"{c}={v}" for c, v in zip(key, vals) if not is_missing(v) and v is not pd.NA
                              and str(v) not in ("", "<NA>"))
            ctx.add(idxs[1:], key[0], _m(ctx.lang, "duplicate", first=first_row, keys=" + ".join(key), shown=shown))
