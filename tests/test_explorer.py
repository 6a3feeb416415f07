"""Scenario explorer: pure view (P(met), fan, cost, figure) and the ipywidgets front end."""

from __future__ import annotations

import unicodedata

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from simlib.present import charts
from simlib.inputs import bundle as data
from simlib.apps import explorer as E
from simlib.scenarios import engine as S
from simlib.scenarios.levers import LeverError, Scenario

N = 300  # small Monte Carlo; the notebook uses 2,000
THCS, THPT = "thcs_to_gdnn_sc_tc", "thpt_to_cao_dang"


@pytest.fixture(scope="module")
def base():
    return S.simulate_baseline(data.load_bundle(), "vn.long_an", S.RunConfig(n_draws=N, as_of=2026))


@pytest.fixture(autouse=True)
def _no_figure_leaks():
    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before, "the explorer left pyplot figures open"


# --------------------------------------------------------------------------
# the pure view
# --------------------------------------------------------------------------
@pytest.mark.parametrize("indicator", [THCS, THPT])
def test_zero_settings_reproduce_the_baseline(base, indicator):
    v = E.explore(base, indicator=indicator)
    assert v.p_met == v.p_met_baseline and v.p_view == v.p_view_baseline
    assert v.median == v.median_baseline
    pd.testing.assert_frame_equal(v.quantiles, v.baseline_quantiles)
    assert v.cost_vnd == 0.0 and not v.capped
    # the explorer's baseline (base.shares) is what apply_scenario gives for no levers, bit for bit
    res = S.apply_scenario(base, Scenario("baseline"))
    np.testing.assert_array_equal(res.shares[indicator], base.shares[indicator])
    # and P(met) is the one a scenario run reports
    run = S.run_scenarios(base.bundle, [], baseline=base)
    assert v.p_met == run.prob_at_least(indicator, "baseline", base.geography, 2025, v.target)


def test_target_is_the_plans_used_target(base):
    v = E.explore(base)
    assert v.target == pytest.approx(0.4012) and v.target_text == "40,12"
    w = E.explore(base, indicator=THPT)
    assert w.target == pytest.approx(0.4581)  # appendix variant, as audit.used_targets keeps it
    d = E.explore(base, unit="vn.long_an.tan_an")
    assert d.target == pytest.approx(0.4021)
    assert list(v.quantiles.columns) == list(charts.FAN_COLUMNS)
    assert list(v.quantiles.index) == list(base.years)


@pytest.mark.parametrize("indicator", [THCS, THPT])
def test_more_support_never_lowers_p_met(base, indicator):
    supports = [0, 3e6, 6e6, 12e6, 24e6, 36e6]
    views = [E.explore(base, indicator=indicator, support_vnd=s, counselling_coverage=0.5) for s in supports]
    for field in ("p_met", "p_view", "median"):
        vals = [getattr(v, field) for v in views]
        assert all(b >= a for a, b in zip(vals, vals[1:])), (field, vals)
    costs = [v.cost_vnd for v in views]
    assert all(b > a for a, b in zip(costs, costs[1:]))


def test_levers_start_after_the_2025_target_year(base):
    v = E.explore(base, indicator=THPT, counselling_coverage=1.0, counsellors_per_school=4, support_vnd=36e6)
    assert v.p_met == v.p_met_baseline  # the 2025 cohort has already chosen
    assert v.p_view > v.p_view_baseline  # the THPT target level is below the levers' ceiling: it moves by 2030
    assert v.median > v.median_baseline


def test_thcs_target_above_the_levers_ceiling_cannot_be_made_likelier(base):
    # max_feasible_share for THCS is U(0.25, 0.40) in data/levers.yaml: below the 40.12 % target
    v = E.explore(base, counselling_coverage=1.0, counsellors_per_school=4, support_vnd=36e6)
    assert v.target > v.ceiling
    assert v.p_view == v.p_view_baseline and v.median > v.median_baseline
    assert "cannot raise P(met)" in v.summary()


def test_tight_seat_cap_lowers_the_thcs_median(base):
    v = E.explore(base, trung_cap_seats=500)
    assert v.capped
    assert v.median < v.median_baseline
    assert v.p_view <= v.p_view_baseline
    q, q0 = v.quantiles.loc[2027:, "q0.5"], v.baseline_quantiles.loc[2027:, "q0.5"]
    assert (q < q0).all()
    # before the start year nothing changes
    pd.testing.assert_frame_equal(v.quantiles.loc[:2025], v.baseline_quantiles.loc[:2025])
    assert v.scenario.capacity == {"vn.long_an": {"thcs": {"trung_cap": {2026: 500.0}}}}


def test_thpt_cap_is_on_cao_dang(base):
    v = E.explore(base, indicator=THPT, trung_cap_seats=500)
    assert v.scenario.capacity == {"vn.long_an": {"thpt": {"cao_dang": {2026: 500.0}}}}
    assert v.median < v.median_baseline


def test_scenario_uses_the_indicators_levers(base):
    v = E.explore(base, indicator=THPT, counselling_coverage=0.4, support_vnd=1e6, start_year=2027)
    assert set(v.scenario.settings) == {"counselling_g12", "tuition_support_g12"}
    assert v.scenario.settings["counselling_g12"]["coverage"] == {2027: 0.4}
    assert v.scenario.settings["tuition_support_g12"]["support_vnd"] == {2027: 1e6}
    assert E.static_view(base, indicator=THPT, counselling_coverage=0.4, support_vnd=1e6,
                         start_year=2027).p_view == v.p_view


def test_bad_settings_raise(base):
    with pytest.raises(LeverError, match="plausible range"):
        E.explore(base, counselling_coverage=1.5)
    with pytest.raises(LeverError, match="plausible range"):
        E.explore(base, support_vnd=50e6)
    with pytest.raises(ValueError, match="seat cap"):
        E.explore(base, trung_cap_seats=0)
    with pytest.raises(ValueError, match="not simulated|knows indicators"):
        E.explore(base, indicator="thcs_schools")
    with pytest.raises(ValueError, match="not simulated"):
        E.explore(base, view_year=2040)


def _texts(fig) -> list[str]:
    """Every text drawn on a figure (titles, notes, annotations, legends), whitespace-normalised."""
    out = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and callable(a.get_text))]
    return [" ".join(x.split()) for x in out if isinstance(x, str) and x.strip()]


def test_figure_is_closed_labelled_and_illustrative(base):
    before = plt.get_fignums()
    v = E.explore(base, counselling_coverage=1.0, support_vnd=6e6)
    assert plt.get_fignums() == before
    assert isinstance(v.figure, Figure)
    ax = v.figure.axes[0]
    texts = _texts(v.figure)
    assert "Baseline median" in texts
    assert any("ILLUSTRATIVE" in x for x in texts)
    # the probabilities (scenario | baseline) for the target year and 2030 are written on the figure
    assert any("P(≥ 40.12%)" in x and "2030" in x and "reached late" in x for x in texts)
    assert len(ax.lines) >= 2  # scenario median and baseline median
    v.figure.canvas.draw()  # renders after being closed


def test_vietnamese_text(base):
    v = E.explore(base, lang="vi", support_vnd=6_000_000, trung_cap_seats=2000)
    s = v.summary()
    assert s.startswith("Xác suất tỷ lệ ≥ 40,12%") and "tỷ đồng" in s and "minh họa" in s
    flat = " ".join(_texts(v.figure))
    assert "6.000.000 đ" in flat and "2.000 chỉ tiêu trung cấp" in flat and "MINH HỌA" in flat
    for text in [s, *_texts(v.figure)]:
        assert unicodedata.normalize("NFC", text) == text
    assert v.summary("en").startswith("P(share ≥ 40.12%)")


# --------------------------------------------------------------------------
# the widget
# --------------------------------------------------------------------------
def test_widget_builds_and_redraws(base):
    widgets = pytest.importorskip("ipywidgets")
    box = E.explorer_widget(base, lang="en", support_vnd=6_000_000)
    assert isinstance(box, widgets.VBox)
    ex = box.explorer
    c = ex.controls
    assert isinstance(c["counselling_coverage"], widgets.FloatSlider)
    assert (c["counselling_coverage"].min, c["counselling_coverage"].max, c["counselling_coverage"].step) == \
        (0.0, 1.0, 0.05)
    assert (c["counsellors_per_school"].min, c["counsellors_per_school"].max) == (0.0, 4.0)
    assert (c["support_vnd"].max, c["support_vnd"].step, c["support_vnd"].value) == (36_000_000, 500_000, 6_000_000)
    assert isinstance(c["cap_on"], widgets.Checkbox) and c["trung_cap_seats"].disabled
    assert isinstance(c["indicator"], widgets.ToggleButtons)
    assert ex.output in box.children and ex.status in box.children
    assert ex.support_readout.value == "6,000,000 VND per student-year"
    # the first draw happened on construction
    assert ex.redraws == 1
    first = ex.output.outputs
    assert len(first) == 1 and "image/png" in first[0]["data"]
    status0 = ex.status.value
    # moving a slider redraws: new picture, new status line
    c["counselling_coverage"].value = 1.0
    assert ex.redraws == 2
    assert ex.output.outputs[0]["data"]["image/png"] != first[0]["data"]["image/png"]
    assert ex.status.value != status0
    assert ex.view.settings["counselling_coverage"] == 1.0
    # the seat cap: checkbox enables the slider and caps the intake
    c["cap_on"].value = True
    assert not c["trung_cap_seats"].disabled and ex.view.capped and ex.redraws == 3
    c["trung_cap_seats"].value = 500
    assert ex.view.scenario.capacity["vn.long_an"]["thcs"]["trung_cap"] == {2026: 500.0}
    # switching indicator relabels the cap and uses the THPT levers
    c["indicator"].value = THPT
    assert "cao đẳng" in ex.cap_label.value
    assert set(ex.view.scenario.settings) == {"counselling_g12", "tuition_support_g12"}
    assert ex.redraws == 5
    # calling the update directly works too
    assert ex.refresh() is ex.view and ex.redraws == 6


def test_widget_vietnamese_labels(base):
    pytest.importorskip("ipywidgets")
    box = E.explorer_widget(base, lang="vi", trung_cap_seats=3000, counselling_coverage=0.5)
    ex = box.explorer
    assert ex.controls["indicator"].description == "Chỉ số"
    assert ex.controls["trung_cap_seats"].value == 3000 and not ex.controls["trung_cap_seats"].disabled
    assert ex.cap_label.value == "Giới hạn chỉ tiêu tuyển sinh trung cấp"
    assert ex.support_readout.value == "0 đồng/học sinh/năm"
    assert "Xác suất" in ex.status.value and "tỷ đồng" in ex.status.value
    ex.controls["support_vnd"].value = 1_500_000
    assert ex.support_readout.value == "1.500.000 đồng/học sinh/năm"


def test_widget_reports_a_bad_setting_instead_of_raising(base):
    pytest.importorskip("ipywidgets")
    ex = E.explorer_widget(base, view_year=2040).explorer
    assert ex.view is None and ex.redraws == 0 and "not simulated" in ex.error
    assert "not simulated" in ex.status.value
