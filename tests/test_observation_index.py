"""The grouped look-up of observations (:class:`simlib.evidence.series.ObservationIndex`) against the scan.

Every look-up of :mod:`simlib.evidence.series` that takes the index must
return exactly what the scan-based look-up returned for the table
(``tests/series_reference.py``, the code before the index): the same
observations (every field, floats compared exactly), the same rows and
counts, on the bundled library with every commune and ward of the first
provinces of the official map (new names), the merged provinces that kept
a name (their pre-merger past as a unit of its own), former districts and
communes of the old map, and rows without a year. The commune figures added
here are illustrative test rows, seeded, never real data.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

import series_reference as ref
from simlib.apps.national import national_bundle
from simlib.evidence import series as S


def _row(obs_id, geography, indicator, year, *, value_share=None, denominator=None, value=None, unit="percent",
         flags="illustrative", breakdown=None, derivation=None):
    return {"obs_id": obs_id, "geography": geography, "indicator": indicator, "year": year,
            "value_share": value_share, "denominator": denominator, "value": value, "unit": unit, "flags": flags,
            "breakdown": breakdown, "derivation": derivation, "basis": "same"}


@pytest.fixture(scope="module")
def case():
    """(observations, geographies, communes): the library, 16 new wards, illustrative rows added."""
    bundle, units = national_bundle(n_units=16)  # Hà Nội's first 16 wards: its sub-units here
    rng = np.random.default_rng(24)
    ind, w = "thcs_to_gdnn_sc_tc", "thcs_graduates"
    rows = []
    for k, u in enumerate(units[:12]):  # shares of 12 of them, some years missing; counts for half of them
        for y in (2021, 2022, 2024)[: 1 + k % 3]:
            rows.append(_row(f"t{k}.{y}", u, ind, y, value_share=float(rng.uniform(0.03, 0.3)),
                             denominator=float(rng.integers(80, 400)) if k % 4 == 0 else None))
        if k % 2:
            rows.append(_row(f"t{k}.n", u, w, 2022, value=float(rng.integers(80, 400)), unit="students"))
    rows.append(_row("t.noyear", units[0], ind, None, value_share=0.2))           # year unknown
    rows.append(_row("t.one", units[12], ind, 2021, value_share=1.0))            # 100 %, size unknown: left out
    rows.append(_row("t.zero", units[13], ind, 2021, value_share=0.0, denominator=40.0))  # 0 of 40: counts
    rows.append(_row("t.part", units[14], ind, 2021, value_share=0.9, breakdown="vocational centres"))  # a part
    rows.append(_row("t.alt", units[4], ind, 2021, value_share=0.05,
                     flags="illustrative;alternative_reading", derivation="t4.2021"))
    rows.append(_row("t.nogeo", None, ind, 2022, value_share=0.2))                # no geography
    # the old map: former districts and communes of Hà Nội (before 1/7/2025) and one after it (not used)
    for k, (area, y) in enumerate([("vn.ha_noi.ba_dinh", 2020), ("vn.ha_noi.ba_dinh", 2023),
                                   ("vn.ha_noi.hoan_kiem", 2022), ("vn.ha_noi.cau_giay", 2026),
                                   ("vn.ha_noi.ba_dinh.phuong_truc_bach", 2024)]):
        rows.append(_row(f"t.old{k}", area, ind, y, value_share=float(rng.uniform(0.05, 0.25)),
                         denominator=float(rng.integers(500, 3000))))
    # a kept-name merged province: rows of its id before and after the merger
    rows.append(_row("t.lc1", "vn.lao_cai", ind, 2022, value_share=0.11, denominator=9000.0))
    rows.append(_row("t.lc2", "vn.lao_cai", ind, 2026, value_share=0.13))
    obs = pd.concat([bundle.observations, pd.DataFrame(rows)], ignore_index=True)
    return obs, bundle.geographies, units


def _geographies_to_check(obs, geos, units):
    parents = dict(zip(geos["geo_id"], geos["parent"]))
    have = [g for g in dict.fromkeys(obs["geography"]) if isinstance(g, str)]
    out = dict.fromkeys(units[:14] + have + ["vn.ha_noi", "vn.lao_cai_pre2025", "vn.tay_ninh", "vn.nowhere"])
    for g in list(out):
        p = parents.get(g)
        while isinstance(p, str):
            out[p] = None
            p = parents.get(p)
    return list(out)


def _same_observations(a: list, b: list) -> bool:
    """Equal lists of observations, every field, floats bit for bit (NaN equal to NaN)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        for f in dataclasses.fields(x):
            u, v = getattr(x, f.name), getattr(y, f.name)
            if isinstance(u, float) and isinstance(v, float):
                if not (u == v or (math.isnan(u) and math.isnan(v))) or math.copysign(1, u) != math.copysign(1, v):
                    return False
            elif u != v or type(u) is not type(v):
                return False
    return True


def test_rows_are_the_scan(case):
    """Each (geography, indicator) gives the rows, order and labels the boolean scan gives; unknown ones nothing."""
    obs, _, _ = case
    idx = S.ObservationIndex(obs)
    geos = [g for g in dict.fromkeys(obs["geography"])] + ["vn.nowhere", None]
    for g in geos:
        for i in ("thcs_to_gdnn_sc_tc", "thcs_graduates", "thpt_to_cao_dang", "gdnn_enrolment", "no_such_indicator"):
            want = obs[(obs["geography"] == g) & (obs["indicator"] == i)]
            got = idx.rows(g, i)
            assert got.index.equals(want.index) and got.equals(want) and got.dtypes.equals(want.dtypes)
            assert idx.has(g, i) == (len(want) > 0)
    kids = ["vn.lao_cai", "vn.ha_noi.ba_dinh", "vn.long_an", "vn.lao_cai"]
    want = obs[obs["geography"].isin(kids) & (obs["indicator"] == "thcs_to_gdnn_sc_tc")]
    pd.testing.assert_frame_equal(idx.rows_of(kids, "thcs_to_gdnn_sc_tc"), want, check_exact=True)
    assert idx.geographies_of("thcs_graduates") == set(obs.loc[obs["indicator"] == "thcs_graduates", "geography"]
                                                       .dropna())


def test_series_are_those_of_the_scan(case):
    """series_for (sub-units aggregated, lineage views, former units) through the index == the scan, field by field."""
    obs, geos, units = case
    idx = S.ObservationIndex(obs)
    tree = S.unit_tree(geos)
    # the indicator with the added rows, one with an alternative reading
    shares = ["thcs_to_gdnn_sc_tc", "thpt_to_cao_dang"]
    checked = nonempty = aggregated = 0
    for g in _geographies_to_check(obs, geos, units):
        for ind in shares:
            want = ref.series_for(obs, g, ind, geographies=geos, weight_indicator="thcs_graduates", tree=tree)
            got = S.series_for(idx, g, ind, geographies=geos, weight_indicator="thcs_graduates", tree=tree)
            assert _same_observations(got, want), (g, ind, got, want)
            checked += 1
            nonempty += bool(want)
            aggregated += any("aggregated_from_units" in o.flags for o in want)
            if ind == "thcs_to_gdnn_sc_tc":  # no geographies: the unit's own rows only; the other reading
                assert _same_observations(S.series_for(idx, g, ind), ref.series_for(obs, g, ind))
                assert _same_observations(S.series_for(idx, g, ind, readings="alternative"),
                                          ref.series_for(obs, g, ind, readings="alternative"))
    # the case exercises what it claims: aggregates of communes and of former provinces, empty units
    assert checked >= 60 and nonempty >= 20 and aggregated >= 3 and checked - nonempty >= 30
    ha_noi = S.series_for(idx, "vn.ha_noi", "thcs_to_gdnn_sc_tc", geographies=geos, weight_indicator="thcs_graduates")
    assert [o.year for o in ha_noi if "aggregated_from_units" in o.flags] == [2021, 2022]  # 13 and 8 of 16 wards


def test_counts_rows_and_former_areas_are_those_of_the_scan(case):
    """count_series, unit_count, unit_rows, former_area_rows and lineage_view through the index == the scan."""
    obs, geos, units = case
    idx = S.ObservationIndex(obs)
    for g in _geographies_to_check(obs, geos, units):
        pd.testing.assert_series_equal(S.count_series(idx, g, "thcs_graduates"),
                                       ref.count_series(obs, g, "thcs_graduates"), check_exact=True)
        a, b = S.unit_count(idx, g, "thcs_graduates", 2024), ref.unit_count(obs, g, "thcs_graduates", 2024)
        assert a == b or (math.isnan(a) and math.isnan(b))
        for readings in ("primary", "alternative"):
            pd.testing.assert_frame_equal(S.unit_rows(idx, g, "thcs_to_gdnn_sc_tc", readings),
                                          ref.unit_rows(obs, g, "thcs_to_gdnn_sc_tc", readings), check_exact=True)
        got = S.former_area_rows(idx, g, "thcs_to_gdnn_sc_tc")
        want = ref.former_area_rows(obs, g, "thcs_to_gdnn_sc_tc")
        assert [(a, w) for a, w, _ in got] == [(a, w) for a, w, _ in want]
        for (_, _, x), (_, _, y) in zip(got, want):
            pd.testing.assert_frame_equal(x, y, check_exact=True)
        view, old = S.lineage_view(idx, geos, g), ref.lineage_view(obs, geos, g)
        assert (view is None) == (old is None)
        if view is not None:
            pd.testing.assert_frame_equal(view[0], old[0], check_exact=True)
            pd.testing.assert_frame_equal(view[1], old[1], check_exact=True)
    assert len(S.former_area_rows(idx, units[0], "thcs_to_gdnn_sc_tc")) == 3   # Ba Đình, Hoàn Kiếm, a former ward


def test_the_index_is_a_snapshot(case):
    """Changing the table after the index is built changes nothing the index returns."""
    obs, _, units = case
    o = obs.copy()
    idx = S.ObservationIndex(o)
    before = idx.rows(units[0], "thcs_to_gdnn_sc_tc").copy()
    o.loc[o["geography"] == units[0], "value_share"] = 0.5
    pd.testing.assert_frame_equal(idx.rows(units[0], "thcs_to_gdnn_sc_tc"), before, check_exact=True)
    with pytest.raises(S.SeriesError, match="geography"):
        S.ObservationIndex(o.drop(columns=["geography"]))
