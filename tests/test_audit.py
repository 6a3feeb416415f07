"""The target audit on hand-computed cases and on the bundled plans."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from simlib.evidence.audit import audit
from simlib.evidence.targets import used_targets
from simlib.inputs.bundle import load_bundle, load_planner_file

from conftest import PLANNER_HEADER, REPO

B = load_bundle()
R = audit(B)


def test_long_an_body_vs_appendix_contradiction_is_found():
    c = R.contradictions.set_index(["plan_id", "indicator"]).loc[("long_an_2025", "thpt_to_cao_dang")]
    assert c["status"] == "CONTRADICTION"
    assert c["diff_pts"] == pytest.approx(0.03)
    assert "45,84" in c["statements"] and "45,81" in c["statements"]
    assert c["variant_used"] == "appendix" and c["value_used"] == pytest.approx(45.81)
    agree = R.contradictions.set_index(["plan_id", "indicator"]).loc[("long_an_2025", "thcs_to_gdnn_sc_tc")]
    assert agree["status"] == "agree"


def test_national_and_disadvantaged_variants_are_not_contradictions():
    assert not (R.contradictions["plan_id"] == "qd522").any()


def test_used_targets_prefers_the_appendix():
    u = used_targets(B.targets)
    row = u[(u["plan_id"] == "long_an_2025") & (u["geography"] == "vn.long_an") & (u["indicator"] == "thpt_to_cao_dang")]
    assert list(row["value"]) == [45.81]
    both = u[(u["plan_id"] == "qd522") & (u["indicator"] == "thcs_to_gdnn_sc_tc") & (u["year"] == 2025)]
    assert sorted(both["value"]) == [30, 40]  # national and disadvantaged areas are both kept


def test_aggregates_hand_computed(tiny_data):
    """Equal weights: (30 + 50) / 2 = 40; population: (30*100 + 50*300) / 400 = 45.

    Against the appendix total 38: +2 and +7 points; against the body 40: 0 and +5.
    """
    b = load_bundle(tiny_data)
    a = audit(b).aggregates.set_index(["weight", "published_variant"])
    assert a.loc[("equal (unweighted mean)", "appendix"), "implied_pct"] == pytest.approx(40)
    assert a.loc[("population, 2019 census", "appendix"), "implied_pct"] == pytest.approx(45)
    assert a.loc[("population, 2019 census", "appendix"), "diff_pts"] == pytest.approx(7)
    assert a.loc[("equal (unweighted mean)", "body"), "diff_pts"] == pytest.approx(0)
    assert a.loc[("population, 2019 census", "body"), "diff_pts"] == pytest.approx(5)


def test_planner_graduates_become_a_weight(tiny_data, write):
    """Graduates 400 (A) and 100 (B): (30*400 + 50*100) / 500 = 34."""
    b = load_bundle(tiny_data)
    p = write("grads.csv", PLANNER_HEADER + "vn.p.a,thcs_graduates,2024,400,,,,,students,Phòng GD\n"
                                            "vn.p.b,thcs_graduates,2024,100,,,,,students,Phòng GD\n")
    planner = load_planner_file(p, ref=b.reference)
    a = audit(b, planner_data=planner).aggregates
    row = a[a["weight"].str.startswith("thcs_graduates (planner data, 2024)") & (a["published_variant"] == "appendix")]
    assert row["implied_pct"].iloc[0] == pytest.approx(34)
    assert row["diff_pts"].iloc[0] == pytest.approx(-4)


def test_planner_weights_missing_a_unit_are_not_used_silently(tiny_data, write):
    b = load_bundle(tiny_data)
    p = write("grads.csv", PLANNER_HEADER + "vn.p.a,thcs_graduates,2024,400,,,,,students,Phòng GD\n")
    a = audit(b, planner_data=load_planner_file(p, ref=b.reference)).aggregates
    row = a[a["weight"].str.startswith("thcs_graduates")].iloc[0]
    assert math.isnan(row["implied_pct"]) and "no weight for Huyện B" in row["note"]


def test_long_an_aggregates_against_published_totals():
    a = R.aggregates.set_index(["indicator", "weight", "published_variant"])
    # THCS: the population-weighted district targets reproduce the published 40.12.
    assert a.loc[("thcs_to_gdnn_sc_tc", "population, 2019 census", "appendix"), "implied_pct"] == pytest.approx(40.12, abs=0.005)
    # THPT: neither weighting reproduces 45.81 or 45.84 (Tân Thạnh's 65.22 pulls them up).
    thpt = a.loc["thpt_to_cao_dang"]
    assert thpt.loc[("equal (unweighted mean)", "appendix"), "implied_pct"] == pytest.approx(697.98 / 15, abs=1e-3)
    assert abs(thpt.loc[("population, 2019 census", "appendix"), "diff_pts"]) > 0.3
    assert ("population, without Tân Thạnh", "appendix") in thpt.index


def test_gap_and_pace_hand_computed():
    """Long An THCS: (40.12 - 13.19) = 26.93 points over 2025 - 2021 = 4 years -> 6.7325 points/year."""
    g = R.gaps[(R.gaps["target_id"] == "la25.thcs.rate.app.total") & (R.gaps["obs_id"] == "la.2021.thcs_gdnn")].iloc[0]
    assert g["gap_pts"] == pytest.approx(26.93)
    assert g["pace_pts_per_year"] == pytest.approx(6.73, abs=0.005)
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    assert g["pace_logit_per_year"] == pytest.approx((logit(0.4012) - logit(0.1319)) / 4, abs=5e-4)
    assert g["basis"] == "same" and "definition mismatch" not in g["note"]


def test_gap_against_a_range_uses_its_upper_end_and_notes_the_mismatch():
    g = R.gaps[(R.gaps["target_id"] == "la25.thcs.rate.app.total")
               & (R.gaps["obs_id"] == "la.2021_2023.thcs_vocational_range")].iloc[0]
    assert g["gap_pts"] == pytest.approx(40.12 - 16) and g["gap_pts_worst"] == pytest.approx(40.12 - 10)
    assert g["years_left"] == 2
    assert "definition mismatch" in g["note"] and "upper end" in g["note"]


def test_both_readings_of_the_ambiguous_thpt_figure_are_shown():
    g = R.gaps[R.gaps["target_id"] == "la25.thpt.rate.app.total"]
    assert set(g["obs_id"]) == {"la.2021.thpt_cd", "la.2021.thpt_cd.alt"}
    assert g.set_index("obs_id").loc["la.2021.thpt_cd", "gap_pts"] == pytest.approx(45.81 - 14.51)


def test_district_targets_use_the_province_figure_and_say_so():
    g = R.gaps[(R.gaps["geography"] == "vn.long_an.tan_thanh") & (R.gaps["indicator"] == "thpt_to_cao_dang")
               & (R.gaps["obs_id"] == "la.2021.thpt_cd")].iloc[0]
    assert g["evidence_scope"] == "ancestor" and "Long An figure used" in g["note"]
    assert g["gap_pts"] == pytest.approx(65.22 - 14.51)


def test_targets_without_any_evidence_say_so():
    g = R.gaps[R.gaps["target_id"] == "dp2030.secondary.rate"].iloc[0]
    assert "cannot be checked" in g["note"]


def test_tan_thanh_outlier_is_flagged_and_nothing_else():
    o = R.outliers
    assert list(o["geography"]) == ["vn.long_an.tan_thanh"]
    assert o.iloc[0]["target_pct"] == 65.22 and o.iloc[0]["deviation_pts"] == pytest.approx(65.22 - 45.03)


def test_unknown_plan_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown plan id"):
        audit(B, plans=["long_an_2052"])


def test_cli_audit_prints_the_contradiction_and_the_aggregate_checks(tmp_path):
    out = tmp_path / "audit.csv"
    r = subprocess.run([sys.executable, "-m", "simlib", "audit", "--plan", "long_an_2025", "--csv", str(out)],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert "[CONTRADICTION] long_an_2025 | Long An | thpt_to_cao_dang" in r.stdout
    assert "body says 45,84" in r.stdout and "appendix says 45,81" in r.stdout
    assert "long_an_2025 | thcs_to_gdnn_sc_tc | 2025: 15 of 15 units of Long An" in r.stdout
    assert "long_an_2025 | thpt_to_cao_dang | 2025: 15 of 15 units of Long An" in r.stdout
    assert "Tân Thạnh: 65.22" in r.stdout
    assert out.read_text(encoding="utf-8").startswith("check,")


def test_cli_audit_with_a_bad_planner_file_stops_with_the_validator_message(write):
    p = write("bad.csv", PLANNER_HEADER + "Atlantis,thcs_graduates,2024,-4,,,,,students,x\n")
    r = subprocess.run([sys.executable, "-m", "simlib", "audit", "--planner", str(p)], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "row 2, column 'geography'" in r.stderr and "row 2, column 'value'" in r.stderr
