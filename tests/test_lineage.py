"""History follows the area: the official conversion tables, former districts, merged provinces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simlib.evidence.series import former_area_rows, series_for, unit_rows
from simlib.inputs import lineage
from simlib.models.hierarchy import binomial_rows, fit_units

PHU_BINH_NEW = "vn.thai_nguyen.xa_phu_binh"
PHU_BINH_OLD = "vn.thai_nguyen.phu_binh"


def test_conversion_tables_name_the_former_units():
    assert lineage.former_provinces("vn.thai_nguyen") == ["vn.bac_kan", "vn.thai_nguyen"]
    assert lineage.kept_name("vn.thai_nguyen") and lineage.kept_name("vn.tay_ninh")
    assert lineage.former_provinces("vn.tay_ninh") == ["vn.long_an", "vn.tay_ninh"]
    assert lineage.former_provinces("vn.ha_noi") == ["vn.ha_noi"] and not lineage.kept_name("vn.ha_noi")
    assert lineage.former_districts(PHU_BINH_NEW) == {PHU_BINH_OLD: 1.0}
    assert all(c.startswith(PHU_BINH_OLD + ".") for c in lineage.former_communes(PHU_BINH_NEW))
    assert lineage.former_districts("vn.tay_ninh.xa_duc_hoa") == {"vn.long_an.duc_hoa": 1.0}
    assert lineage.former_districts("not.a.unit") == {} and lineage.former_provinces("vn.nowhere") == []
    assert lineage.pre_merger_id("vn.thai_nguyen") == "vn.thai_nguyen_pre2025"
    t = lineage.lineage_table()
    assert t["unit"].nunique() > 3000 and t["divided"].any()


def _geos(rows):
    cols = ["geo_id", "name_vi", "level", "parent", "successor", "valid_to"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)


def _obs(rows):
    out = []
    for i, (g, ind, y, v, unit, den) in enumerate(rows):
        share = unit == "share"
        out.append({"obs_id": f"o{i}", "geography": g, "indicator": ind, "year": y, "year_first": None,
                    "value": v, "low": None, "high": None, "unit": unit, "breakdown": "", "basis": "same",
                    "flags": "", "value_share": v if share else None, "low_share": None, "high_share": None,
                    "high_open": False, "se_share": None, "numerator": None, "denominator": den})
    return pd.DataFrame(out)


GEOS = _geos([
    ("vn", "Việt Nam", "country", None, None, None),
    ("vn.thai_nguyen", "Thái Nguyên", "province", "vn", None, None),
    ("vn.bac_kan", "Bắc Kạn", "province", "vn", "vn.thai_nguyen", "2025-06-30"),
    (PHU_BINH_OLD, "Huyện Phú Bình", "district", "vn.thai_nguyen", "vn.thai_nguyen", "2025-06-30"),
    (PHU_BINH_NEW, "Xã Phú Bình", "commune", "vn.thai_nguyen", None, None),
    ("vn.thai_nguyen.phuong_phan_dinh_phung", "Phường Phan Đình Phùng", "ward", "vn.thai_nguyen", None, None),
])


def test_a_merged_province_that_kept_its_name_combines_its_former_provinces_early():
    x = "thcs_to_gdnn_sc_tc"
    obs = _obs([("vn.thai_nguyen", x, 2023, 0.10, "share", None),
                ("vn.bac_kan", x, 2023, 0.30, "share", None),
                ("vn.thai_nguyen", "thcs_graduates", 2023, 15000, "students", None),
                ("vn.bac_kan", "thcs_graduates", 2023, 5000, "students", None),
                ("vn.thai_nguyen", x, 2026, 0.18, "share", None)])
    s = {o.year: o for o in series_for(obs, "vn.thai_nguyen", x, geographies=GEOS, weight_indicator="thcs_graduates")}
    # 2023: the former Thái Nguyên (15,000 graduates, 10 %) and Bắc Kạn (5,000, 30 %) weighted by cohorts
    assert s[2023].value_share == pytest.approx((15000 * 0.10 + 5000 * 0.30) / 20000)
    assert "aggregated_from_units" in s[2023].flag_set
    assert s[2026].value_share == pytest.approx(0.18)  # after the merger: the merged province's own figure
    # the former province keeps its own series under its own id
    pre = series_for(obs, "vn.thai_nguyen_pre2025", x, geographies=GEOS)
    assert [(o.year, o.value_share) for o in pre] == [(2023, pytest.approx(0.10))]


def test_without_the_former_provinces_figures_the_old_area_does_not_stand_for_the_new():
    x = "thcs_to_gdnn_sc_tc"
    obs = _obs([("vn.thai_nguyen", x, 2023, 0.10, "share", None),
                ("vn.thai_nguyen", "thcs_graduates", 2023, 15000, "students", None),
                ("vn.bac_kan", "thcs_graduates", 2023, 5000, "students", None)])
    s = series_for(obs, "vn.thai_nguyen", x, geographies=GEOS, weight_indicator="thcs_graduates")
    # the former Thái Nguyên covers 75 % of the merged cohort: its figure stands with the missing quarter's
    # uncertainty (a stated standard error), never as an exact figure of the whole
    assert len(s) == 1 and s[0].se_share is not None and s[0].se_share > 0


def test_a_new_commune_inside_a_former_district_rests_on_its_figures():
    x = "thcs_to_gdnn_sc_tc"
    obs = _obs([(PHU_BINH_OLD, x, y, 0.40, "share", 800) for y in (2021, 2022, 2023, 2024)]
               + [("vn.thai_nguyen.phuong_phan_dinh_phung", x, 2025, 0.10, "share", 600),
                  (PHU_BINH_NEW, x, 2026, 0.38, "share", 150)])
    areas = former_area_rows(obs, PHU_BINH_NEW, x)
    assert [(a, w, len(r)) for a, w, r in areas] == [(PHU_BINH_OLD, 1.0, 4)]
    # only rows of the old map: the new commune's own 2026 figure is not the former district's
    assert former_area_rows(obs, "vn.thai_nguyen.phuong_phan_dinh_phung", x) == [] or all(
        (r["year"] <= lineage.LAST_OLD_YEAR).all() for _, _, r in former_area_rows(
            obs, "vn.thai_nguyen.phuong_phan_dinh_phung", x))
    units = [PHU_BINH_NEW, "vn.thai_nguyen.phuong_phan_dinh_phung", "vn.thai_nguyen.xa_other"]
    figs = [binomial_rows(r, unit=PHU_BINH_NEW, group=True, group_weight=w) for _, w, r in areas]
    figs.append(binomial_rows(unit_rows(obs, "vn.thai_nguyen.phuong_phan_dinh_phung", x),
                              unit="vn.thai_nguyen.phuong_phan_dinh_phung"))
    # the province's own figures (20 % of 20,000 in 2021-2024) anchor the years only the former district reports
    prov_rows = _obs([("vn.thai_nguyen", x, y, 0.20, "share", 20000) for y in (2021, 2022, 2023, 2024)])
    figs.append(binomial_rows(prov_rows, unit="vn.thai_nguyen"))
    res = fit_units(pd.concat(figs, ignore_index=True), units, province="vn.thai_nguyen")
    assert res.information == ("former_area", "own", "not_commune_information")
    prov = np.full((2000, 1), 0.2)
    d = res.sample(2000, [2025], 0, province=prov, weights=[1, 1, 1])[:, :, 0]
    med = np.median(d, axis=0)
    # Xã Phú Bình rests on Huyện Phú Bình's 40 %: well above the province and the ward at 10 %
    assert med[0] > 0.25 > med[1]
    # without its former district it would be the province plus noise
    res0 = fit_units(pd.concat(figs[1:], ignore_index=True), units, province="vn.thai_nguyen")
    assert res0.information[0] == "not_commune_information"
    assert np.median(res0.sample(2000, [2025], 0, province=prov, weights=[1, 1, 1])[:, 0, 0]) < med[0] - 0.05


def test_zero_of_n_rows_are_kept_with_their_size():
    x = "thcs_to_gdnn_sc_tc"
    obs = _obs([("A", x, 2025, 0.0, "share", 40), ("A", x, 2024, 0.0, "share", None)])
    rows = unit_rows(obs, "A", x)
    assert len(rows) == 1 and rows.iloc[0]["denominator"] == 40  # 0 % without a size cannot be read
    s = series_for(obs, "A", x)
    assert len(s) == 1 and s[0].value_share == pytest.approx(0.5 / 41) and "edge_adjusted" in s[0].flag_set
