"""simlib.models.assumptions: the flow-assumptions file, its checks, and the Long An flow parameters."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from simlib.models import assumptions as fa
from simlib.inputs.bundle import load_observations
from simlib.models.flows import SEAT_TRACKS, THCS_TRACKS, FlowParameterError, FlowParameters, simulate_flows
from simlib.inputs.textio import ValidationError
from conftest import DATA


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return fa.load_flow_assumptions()


@pytest.fixture(scope="module")
def observations() -> pd.DataFrame:
    return load_observations()


@pytest.fixture(scope="module")
def bundled_rows() -> list[dict[str, str]]:
    with open(DATA / "flow_assumptions.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(tmp_path, rows: list[dict[str, str]], columns: list[str] | None = None):
    columns = columns or list(rows[0])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    p = tmp_path / "flow_assumptions.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    return p


def _edit(rows, parameter, **changes):
    out = [dict(r) for r in rows]
    for r in out:
        if r["parameter"] == parameter:
            r.update(changes)
    return out


def _problems(path, observations) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        fa.load_flow_assumptions(path, observations=observations)
    return [str(p) for p in exc.value.problems]


# --------------------------------------------------------------------------
# the bundled file
# --------------------------------------------------------------------------
def test_bundled_file_loads(table):
    assert list(table.columns) == ["row", "parameter", "value", "residual", "unit", "status", "source",
                                   "obs_id", "notes"]
    assert set(fa.REQUIRED_PARAMETERS) <= set(table["parameter"])
    assert set(table["status"]) == {"observed", "illustrative"}
    assert table["parameter"].is_unique
    assert "target_thcs_share_gdnn_2025" not in set(table["parameter"])  # targets come from data/targets.csv
    assert set(table.loc[table["residual"], "parameter"]) == set(fa.RESIDUALS)
    assert fa.assumption(table, "thcs_graduates_per_year") == 21000
    assert fa.assumption(table, "thcs_share_gdnn_so_cap_trung_cap") == pytest.approx(0.1319)


def test_every_observed_row_names_its_observation(table, observations):
    # a calendar year (unit "year": a programme's first intake, set by law) is not a figure of the province:
    # it cites its law's text by URL instead of an observation
    dates = table[(table["status"] == "observed") & (table["unit"] == "year")]
    assert list(dates["parameter"]) == ["start_trung_hoc_nghe"]
    assert dates["source"].str.startswith("https://").all() and dates["notes"].str.contains("123/2025/QH15").all()
    observed = table[(table["status"] == "observed") & (table["unit"] != "year")]
    assert observed["obs_id"].notna().all()
    ids = observed["obs_id"].str.partition(":")[0]
    assert set(ids) <= set(observations["obs_id"])


def test_residual_lookup_is_refused(table):
    with pytest.raises(KeyError, match="residual"):
        fa.assumption(table, "thcs_share_thpt_public")
    with pytest.raises(KeyError, match="no parameter"):
        fa.assumption(table, "nope")


# --------------------------------------------------------------------------
# rejection rules, one small file each
# --------------------------------------------------------------------------
def test_missing_column(tmp_path, bundled_rows, observations):
    cols = [c for c in bundled_rows[0] if c != "status"]
    msgs = _problems(_write(tmp_path, bundled_rows, cols), observations)
    assert len(msgs) == 1 and "column 'status'" in msgs[0] and "missing" in msgs[0]


def test_bad_status(tmp_path, bundled_rows, observations):
    rows = _edit(bundled_rows, "thcs_share_gdtx", status="assumed")
    msgs = _problems(_write(tmp_path, rows), observations)
    assert len(msgs) == 1
    assert "row 9" in msgs[0] and "column 'status'" in msgs[0] and "'assumed'" in msgs[0]


def test_non_numeric_value(tmp_path, bundled_rows, observations):
    rows = _edit(bundled_rows, "promotion_grade10", value="ninety-seven")
    msgs = _problems(_write(tmp_path, rows), observations)
    assert len(msgs) == 1 and "column 'value'" in msgs[0] and "not a number" in msgs[0]


def test_decimal_comma_is_read(tmp_path, bundled_rows, observations):
    rows = _edit(bundled_rows, "promotion_grade10", value="0,96")
    t = fa.load_flow_assumptions(_write(tmp_path, rows), observations=observations)
    assert fa.assumption(t, "promotion_grade10") == pytest.approx(0.96)


@pytest.mark.parametrize("value, reason", [("13.19%", "without '%'"), ("1.3", "between 0 and 1")])
def test_share_must_be_a_fraction(tmp_path, bundled_rows, observations, value, reason):
    rows = _edit(bundled_rows, "thcs_share_gdtx", value=value)
    msgs = _problems(_write(tmp_path, rows), observations)
    assert len(msgs) == 1 and reason in msgs[0]


def test_residual_only_where_documented(tmp_path, bundled_rows, observations):
    rows = _edit(bundled_rows, "thcs_share_gdtx", value="residual")
    rows = _edit(rows, "thcs_share_thpt_public", value="0.6881")
    msgs = _problems(_write(tmp_path, rows), observations)
    assert len(msgs) == 2
    assert "'residual' is allowed only for" in msgs[0]
    assert "thcs_share_thpt_public" not in msgs[1] and "write 'residual'" in msgs[1]


def test_observed_row_disagreeing_with_observation(tmp_path, bundled_rows, observations):
    rows = _edit(bundled_rows, "thpt_share_cao_dang", value="0.0935")
    msgs = _problems(_write(tmp_path, rows), observations)
    assert len(msgs) == 1
    assert "la.2021.thpt_cd" in msgs[0] and "0.0935 disagrees" in msgs[0] and "0.1451" in msgs[0]


def test_observed_count_disagreeing_with_observation(tmp_path, bundled_rows, observations):
    rows = _edit(bundled_rows, "thcs_graduates_per_year", value="22000")
    msgs = _problems(_write(tmp_path, rows), observations)
    assert len(msgs) == 1 and "22000 disagrees" in msgs[0] and "21000 students" in msgs[0]


def test_range_bound_must_be_named_and_match(tmp_path, bundled_rows, observations):
    rows = _edit(bundled_rows, "thcs_share_gdnn_range_high", obs_id="la.2021_2023.thcs_vocational_range")
    msgs = _problems(_write(tmp_path, rows), observations)
    assert len(msgs) == 1 and ":low" in msgs[0]
    rows = _edit(bundled_rows, "thcs_share_gdnn_range_high", obs_id="la.2021_2023.thcs_vocational_range:low")
    msgs = _problems(_write(tmp_path, rows), observations)
    assert len(msgs) == 1 and "0.16 disagrees" in msgs[0]


def test_unknown_obs_id(tmp_path, bundled_rows, observations):
    rows = _edit(bundled_rows, "thpt_share_cao_dang", obs_id="la.2099.nothing")
    msgs = _problems(_write(tmp_path, rows), observations)
    assert len(msgs) == 1 and "no observation 'la.2099.nothing'" in msgs[0]


def test_observed_row_needs_url_and_obs_id(tmp_path, bundled_rows, observations):
    rows = _edit(bundled_rows, "thpt_share_cao_dang", source="", obs_id="")
    rows = _edit(rows, "thpt_share_cao_dang_plus_dai_hoc", obs_id="")
    msgs = _problems(_write(tmp_path, rows), observations)
    assert len(msgs) == 2
    assert "row 17" in msgs[0] and "give the obs_id" in msgs[0] and "la.2021.thpt_cd_dh" in msgs[0]
    assert "row 18" in msgs[1] and "needs its source as a URL" in msgs[1]


def test_obs_id_not_allowed_on_illustrative_rows(tmp_path, bundled_rows, observations):
    rows = _edit(bundled_rows, "thcs_share_gdtx", obs_id="la.2021.thcs_gdnn")
    msgs = _problems(_write(tmp_path, rows), observations)
    assert len(msgs) == 1 and "only for observed rows" in msgs[0]


def test_duplicate_parameter(tmp_path, bundled_rows, observations):
    rows = bundled_rows + [dict(bundled_rows[1])]
    msgs = _problems(_write(tmp_path, rows), observations)
    assert len(msgs) == 1 and "appears twice (first at row 3)" in msgs[0]


def test_missing_required_parameter(tmp_path, bundled_rows, observations):
    rows = [r for r in bundled_rows if r["parameter"] != "duration_dai_hoc"]
    msgs = _problems(_write(tmp_path, rows), observations)
    assert len(msgs) == 1 and "'duration_dai_hoc' is missing" in msgs[0]


def test_all_problems_reported_together(tmp_path, bundled_rows, observations):
    rows = _edit(bundled_rows, "thcs_share_gdtx", status="guess")
    rows = _edit(rows, "promotion_grade11", value="abc")
    assert len(_problems(_write(tmp_path, rows), observations)) == 2


# --------------------------------------------------------------------------
# flow parameters
# --------------------------------------------------------------------------
def test_hand_computed_shares(table):
    s = fa.thcs_destination_shares(table, 0.2)
    gdtx = fa.assumption(table, "thcs_share_gdtx")
    nc = fa.assumption(table, "thcs_share_not_continuing")
    assert fa.assumption(table, "thcs_trung_cap_fraction_of_gdnn") == 0.75
    assert s["trung_cap"] == pytest.approx(0.15)
    assert s["so_cap"] == pytest.approx(0.05)
    assert s["thpt_public"] == pytest.approx(1 - 0.2 - gdtx - nc)
    assert s["thpt_public"] == pytest.approx(0.62)  # 1 - 0.2 - 0.12 - 0.06 - 0 (private) - 0 (trung học nghề)
    assert s["thpt_private"] == 0 and s["trung_hoc_nghe"] == 0
    assert list(s) == list(THCS_TRACKS)
    assert sum(s.values()) == pytest.approx(1.0, abs=1e-15)
    t = fa.thpt_destination_shares(table)
    assert t == pytest.approx({"dai_hoc": 0.4992, "cao_dang": 0.1451, "trung_cap": 0.05, "not_continuing": 0.3057})


def test_default_gdnn_share_is_the_observed_central_value(table):
    p = fa.flow_parameters(table)
    assert p.thcs_shares["so_cap"] + p.thcs_shares["trung_cap"] == pytest.approx(0.1319)


def test_parameters_with_draws_sum_to_one(table):
    g = fa.draw_gdnn_share(table, np.random.default_rng(0), 50, 7)
    assert g.shape == (50, 1, 7) and g.min() >= 0.10 and g.max() <= 0.16
    p = fa.flow_parameters(table, gdnn_share=g)
    assert isinstance(p, FlowParameters)
    total = sum(np.broadcast_arrays(*p.thcs_shares.values()))
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    assert sum(p.thpt_shares.values()) == pytest.approx(1.0, abs=1e-12)
    assert p.promotion == (0.97, 0.97) and p.repetition == (0.01, 0.01, 0.01)
    assert p.durations.trung_cap == 2.0 and p.durations.dai_hoc == 4.0 and p.durations.trung_hoc_nghe == 3.0


def test_overrides_and_bad_gdnn_share(table):
    p = fa.flow_parameters(table, gdnn_share=0.4012, warm_start=False)
    assert p.warm_start is False
    with pytest.raises(FlowParameterError, match="gdnn_share"):
        fa.flow_parameters(table, gdnn_share=1.5)
    with pytest.raises(FlowParameterError, match="negative public THPT share"):
        fa.flow_parameters(table, gdnn_share=0.9)


def test_seats_table(table):
    years = list(range(2024, 2027))
    cohort = fa.cohort_from_assumptions(table, base_year=2023, years=years)
    g = fa.draw_gdnn_share(table, np.random.default_rng(1), 20, len(years))
    result = simulate_flows(cohort, fa.flow_parameters(table, gdnn_share=g))
    seats = fa.seats_table(result, ["thpt", "trung_cap"], (0.1, 0.5, 0.9))
    assert list(seats.columns) == ["track", "unit", "year", "q0.1", "q0.5", "q0.9"]
    assert seats.shape == (2 * len(years), 6)
    assert list(seats["track"].unique()) == ["thpt", "trung_cap"]
    assert (seats["q0.1"] <= seats["q0.5"]).all() and (seats["q0.5"] <= seats["q0.9"]).all()
    assert fa.seats_table(result).shape[0] == len(SEAT_TRACKS) * len(years)


# --------------------------------------------------------------------------
# the new tracks keep the Long An model's numbers
# --------------------------------------------------------------------------
def test_new_track_rows_are_illustrative_zeros_with_reasons(table):
    """Private THPT and trung học nghề enter the Long An model as illustrative 0 rows (no split known;
    the track starts in 2026-27), each with a note saying why; trung học nghề has a duration row."""
    rows = table.set_index("parameter")
    for name in ("thcs_share_thpt_private", "thcs_share_trung_hoc_nghe"):
        assert rows.loc[name, "value"] == 0 and rows.loc[name, "status"] == "illustrative"
        assert rows.loc[name, "unit"] == "fraction of THCS graduates"
    assert "no public/private split" in rows.loc["thcs_share_thpt_private", "notes"].lower()
    assert "2026-27" in rows.loc["thcs_share_trung_hoc_nghe", "notes"]
    assert rows.loc["duration_trung_hoc_nghe", "value"] == 3.0
    assert bool(rows.loc["thcs_share_thpt_public", "residual"])
    assert "thcs_share_thpt" not in rows.index  # renamed, not duplicated
    for _, r in table.iterrows():  # every row: a status and a source or a note
        assert r["status"] in fa.STATUSES and (r["source"] or r["notes"])


def test_model_numbers_unchanged_by_the_split(table):
    """With the two 0 rows, public THPT carries exactly the former THPT share (the same bits), and the
    flows put nobody in private THPT or trung học nghề."""
    g = fa.draw_gdnn_share(table, np.random.default_rng(3), 30, 4)
    s = fa.thcs_destination_shares(table, g)
    old = 1.0 - g - fa.assumption(table, "thcs_share_gdtx") - fa.assumption(table, "thcs_share_not_continuing")
    np.testing.assert_array_equal(s["thpt_public"], old)
    cohort = fa.cohort_from_assumptions(table, base_year=2023, years=range(2024, 2028))
    res = simulate_flows(cohort, fa.flow_parameters(table, gdnn_share=g))
    assert (res.track("thcs_intake", "thpt_private") == 0).all()
    assert (res.track("thcs_intake", "trung_hoc_nghe") == 0).all()
    assert (res.track("programme_enrolment", "trung_hoc_nghe") == 0).all()
    np.testing.assert_array_equal(res.track("thcs_intake", "thpt_public"), res.thcs_graduates * s["thpt_public"])


def test_trung_hoc_nghe_start_year_comes_from_the_table(table):
    """The first intake year is data (start_trung_hoc_nghe, Laws 123/124/2025/QH15), not a number in flows.py."""
    assert fa.programme_start(table) == {"trung_hoc_nghe": 2026}
    moved = table.copy()
    moved.loc[moved["parameter"] == "start_trung_hoc_nghe", "value"] = 2028.0
    assert fa.flow_parameters(moved).programme_start == {"trung_hoc_nghe": 2028}


def test_durations_come_from_the_table(table):
    """Programme durations are the table's duration_* rows (flows.Durations has no numbers of its own)."""
    moved = table.copy()
    moved.loc[moved["parameter"] == "duration_trung_hoc_nghe", "value"] = 2.5
    assert fa.flow_parameters(moved).durations.trung_hoc_nghe == 2.5
    assert fa.durations(table).cao_dang == fa.assumption(table, "duration_cao_dang")
