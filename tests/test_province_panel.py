"""The province panel: GSO pupils by province as bundled data, each current province's own series and cohort,
partial counts that never shrink the province (issues 19 item 3 and 20)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simlib.evidence import panel as P
from simlib.inputs import places
from simlib.inputs.bundle import load_bundle
from simlib.models.cohorts import cohort_matrix, project_cohort


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


def _cell(b, geo, ind, year):
    p = b.panel
    sel = p[(p["geography"] == geo) & (p["indicator"] == ind) & (p["year"] == year)]
    assert len(sel) == 1, (geo, ind, year)
    return float(sel["value"].iloc[0])


# cells read by hand from shared/research/vn_province_panel_2026.csv (GSO column "2016 Lower secondary" etc.,
# the 30 September 2016 stock, i.e. the school year 2016-17, year 2017 in simlib's convention)
HAND_READ = [
    ("vn.nghe_an", "thcs_pupils", 2017, 175171), ("vn.nghe_an", "thpt_pupils", 2017, 90190),
    ("vn.long_an", "thcs_pupils", 2017, 92744), ("vn.long_an", "thpt_pupils", 2017, 38309),
    ("vn.tay_ninh_pre2025", "thcs_pupils", 2017, 63245), ("vn.tay_ninh_pre2025", "thpt_pupils", 2017, 26167),
    ("vn.bac_kan", "thcs_pupils", 2017, 16968), ("vn.ha_tay", "thcs_pupils", 2008, 172459),
]


@pytest.mark.parametrize("geo,ind,year,value", HAND_READ)
def test_panel_cells_match_the_source(bundle, geo, ind, year, value):
    assert _cell(bundle, geo, ind, year) == value


def test_panel_rows_carry_source_url_locator_and_reference_date(bundle):
    p = bundle.panel
    assert len(p) > 3800 and p["obs_id"].is_unique
    assert (p["url"].str.startswith("https://")).all() and (p["locator"].str.len() > 10).all()
    row = p[p["obs_id"] == "gso.nghe_an.thcs_pupils.2017"].iloc[0]
    assert row["reference_date"] == "2016-09-30" and '"2016 Lower secondary"' in row["locator"]
    # 63 former provinces + Hà Tây + the country
    assert p["geography"].nunique() == 65


def test_merged_province_sums_its_former_provinces_including_the_one_whose_name_it_kept(bundle):
    s = P.province_series(bundle.panel, "vn.tay_ninh", "thcs_pupils").set_index("year")
    assert s.at[2017, "value"] == 92744 + 63245 and s.at[2017, "n_parts"] == 2
    assert "gso.tay_ninh_pre2025.thcs_pupils.2017" in s.at[2017, "obs_ids"] and "vn.long_an" in s.at[2017, "derivation"]
    hn = P.province_series(bundle.panel, "vn.ha_noi", "thcs_pupils").set_index("year")
    assert hn.at[2008, "value"] == 174168 + 172459  # Hà Nội and Hà Tây until 2008
    assert hn.at[2009, "n_parts"] == 1
    # Lai Châu's 2002-2003 figures still covered Điện Biên: left out, not summed
    lc = P.province_series(bundle.panel, "vn.lai_chau", "thcs_pupils")
    assert lc["year"].min() == 2005


def test_ratio_and_cohort_keep_their_arithmetic(bundle):
    r = P.enrolment_ratio(bundle.panel, "vn.nghe_an").set_index("year")
    assert r.at[2017, "value"] == pytest.approx(90190 / 175171)
    assert "90,190 / THCS 175,171" in r.at[2017, "derivation"]
    h = P.cohort_history(bundle.panel, "vn.nghe_an", bundle.province_figures).set_index("year")
    assert h.at[2017, "value"] == pytest.approx(175171 / 4)
    assert h.at[2025, "value"] == 46845 and h.at[2025, "kind"] == "published count"
    # primary pupils of 2016-17 stand for the grade-9 cohort of 2022-23
    assert h.at[2023, "value"] == pytest.approx(248925 / 5) and h.at[2023, "kind"].startswith("primary")


@pytest.mark.parametrize("geo", list(places.provinces()["geo_id"]))
def test_every_current_province_has_its_own_series_and_cohort(bundle, geo):
    n = P.own_figures(bundle.panel, geo, bundle.province_figures)
    assert n["grade9_cohort"] >= 8 and n["thpt_thcs_enrolment_ratio"] >= 20
    co = cohort_matrix(bundle.observations.iloc[0:0], bundle.context, [geo], range(2026, 2031),
                       panel=bundle.panel, figures=bundle.province_figures)
    assert co.known and not co.illustrative
    assert geo in co.projections and co.projections[geo].n_points >= 5
    hist = P.cohort_history(bundle.panel, geo, bundle.province_figures)
    latest = float(hist["value"].iloc[-1])
    # a real size: the same order as the province's latest figure, inside its interval
    assert 0.5 * latest < co.values[0, -1] < 2.5 * latest
    assert (co.low[0] <= co.values[0]).all() and (co.values[0] <= co.high[0]).all()
    ratio = P.enrolment_ratio(bundle.panel, geo)["value"]
    assert ((ratio > 0.15) & (ratio < 0.9)).all()


def test_projection_recovers_a_known_trend():
    years = np.arange(2010, 2018)
    hist = pd.DataFrame({"year": years, "value": 1000 * 1.02 ** (years - 2010)})
    pr = project_cohort(hist, [2017, 2020], n_fit=8)
    assert pr.slope == pytest.approx(np.log(1.02))
    assert pr.predict([2020])[0] == pytest.approx(1000 * 1.02 ** 10)
    assert pr.predict([2017])[0] == pytest.approx(1000 * 1.02 ** 7)  # a year with a figure keeps it


def _counts(bundle, rows):
    base = bundle.observations.iloc[0:0].copy()
    extra = pd.DataFrame([{"geography": g, "indicator": "thcs_graduates", "year": y, "value": v, "unit": "students"}
                          for g, y, v in rows])
    return pd.concat([base, extra], ignore_index=True)


def test_partial_counts_keep_the_province_figure(bundle):
    """Two of Tây Ninh's 96 communes report: the province figure stays, the others share the rest."""
    units = ["vn.tay_ninh"] + list(places.units("Tây Ninh")["geo_id"])
    years = list(range(2026, 2031))
    kw = dict(components=["vn.long_an", "vn.tay_ninh_pre2025"], panel=bundle.panel, figures=bundle.province_figures)
    before = cohort_matrix(bundle.observations, bundle.context, units, years, **kw)
    obs = pd.concat([bundle.observations, _counts(bundle, [(units[1], 2026, 600), (units[2], 2026, 450)])],
                    ignore_index=True)
    after = cohort_matrix(obs, bundle.context, units, years, **kw)
    assert after.known and before.known
    np.testing.assert_allclose(after.values[0], before.values[0])          # the province is kept
    assert after.values[0, 0] > 30000                                      # not 1,000 per unit
    assert after.values[1, 0] == 600 and after.values[2, 0] == 450          # the reporting communes
    np.testing.assert_allclose(after.values[1:, :].sum(axis=0), after.values[0])   # mass balance
    rest = (before.values[0, 0] - 1050) / 94
    assert after.values[3, 0] == pytest.approx(rest)
    assert not after.notes


def test_partial_counts_above_the_province_figure_raise_it_and_say_why(bundle):
    units = ["vn.x", "vn.x.a", "vn.x.b", "vn.x.c", "vn.x.d"]
    obs = _counts(bundle, [("vn.x", 2026, 1000), ("vn.x.a", 2026, 700), ("vn.x.b", 2026, 500)])
    co = cohort_matrix(obs, bundle.context, units, [2026])
    # the two reporting units exceed the figure: the two others keep their half of it, the province is raised
    assert co.values[3, 0] == pytest.approx(250) and co.values[4, 0] == pytest.approx(250)
    assert co.values[0, 0] == pytest.approx(1700) and co.values[0, 0] >= 1000
    assert co.notes and "never fewer" in co.notes[0]
    ok = cohort_matrix(_counts(bundle, [("vn.x", 2026, 1000), ("vn.x.a", 2026, 300)]), bundle.context,
                       units, [2026])
    assert ok.values[0, 0] == 1000 and ok.values[2, 0] == pytest.approx(700 / 3)


def test_province_figures_are_plans_or_counts_with_sources(bundle):
    f = bundle.province_figures
    q = f[f["indicator"] == "thpt_public_grade10_quota"]
    assert len(q) >= 8 and q["flags"].str.contains("planned").all()
    na = f[(f["geography"] == "vn.nghe_an") & (f["indicator"] == "thpt_public_grade10_quota") & (f["year"] == 2017)]
    assert float(na["value"].iloc[0]) == 26186


def test_init_case_nghe_an_reports_from_its_own_cohort(tmp_path):
    """End to end: a new case for Nghệ An with no planner data: THPT enrolment of the province's real size (tens of
    thousands, from its own cohort) and a headline resting on >= 5 of its own figures."""
    import re

    from simlib.apps.cli import main

    assert main(["init-case", "--province", "Nghệ An", str(tmp_path / "case")]) == 0
    assert main(["report", "--case", str(tmp_path / "case"), "--lang", "en", "--out", str(tmp_path / "out"),
                 "--draws", "100"]) == 0
    seats = pd.read_csv(tmp_path / "out" / "seats.csv")
    thpt = seats[(seats["scenario"] == "baseline") & (seats["track"] == "thpt") & (seats["unit"] == "vn.nghe_an")
                 & (seats["year"] == 2030)]["q0.5"].iloc[0]
    assert 30_000 < thpt < 200_000
    html = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    m = re.search(r"projected from (\d+) of the province&#x27;s own pupil figures", html)
    assert m and int(m.group(1)) >= 5
    m = re.search(r"THPT-to-THCS pupil ratio: [\d.]+ in \d+ \((\d+) figures of its own", html)
    assert m and int(m.group(1)) >= 5
