"""Charts (simlib.present.charts): both languages, byte-identical saves, no overlapping text, the geometry they claim."""

from __future__ import annotations

import html
import inspect
import itertools
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.text  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from simlib.present import charts, i18n  # noqa: E402
from simlib.present.charts import save_figure  # noqa: E402
from simlib.present.i18n import LANGS, t  # noqa: E402

YEARS = np.arange(2025, 2031)
Z = {"q0.05": -1.645, "q0.2": -0.842, "q0.35": -0.385, "q0.5": 0.0, "q0.65": 0.385, "q0.8": 0.842, "q0.95": 1.645}


def _quantiles(start=0.15, slope=0.01, sd=0.02):
    h = YEARS - 2024
    return pd.DataFrame({k: start + slope * h + z * sd * np.sqrt(h) for k, z in Z.items()}, index=YEARS)


HISTORY = pd.DataFrame({
    "year": [2018, 2022, 2024, 2023],
    "value": [0.12, np.nan, 0.1519, 0.14],
    "low": [np.nan, 0.10, np.nan, np.nan],
    "high": [np.nan, 0.16, np.nan, np.nan],
    "high_open": [False, True, False, False],
    "same_definition": [True, False, True, True],
    "year_first": [np.nan, 2021, np.nan, np.nan],
    "year_last": [np.nan, 2023, np.nan, np.nan],
    "planner": [False, False, False, True],
})
CONTRIB = pd.Series({"counselling_g9": 2.1, "tuition_support_g9": 3.4, "free_thpt": -1.8,
                     "Một giải pháp khác": -0.9, "combination": 0.4})
SENS = pd.DataFrame({"parameter": ["counselling_g9", "Độ co giãn theo học phí", "capacity", "free_thpt", "trend"],
                     "low": [29.5, 28.0, 31.0, 30.1, 3.0], "high": [33.0, 36.5, 31.0, 31.9, 74.0],
                     "low_label": ["0 GV", "−0,1", "", None, None], "high_label": ["2 GV", "−0,5", "", None, None]})
PROBS = pd.DataFrame({"label": ["baseline", "plan_as_written", "waiver_plus", "all_levers", "Đức Hòa", "Tân An"],
                      "p_met": [0.004, 0.35, 0.6, 0.91, np.nan, np.nan],
                      "verdict": ["very_unlikely", "unlikely", "possible", "likely", "not_assessed", "met"],
                      "result": [None, None, None, None, None, "41,0% năm 2025"]})
OBS = pd.DataFrame({"panel": ["a", "a", "a", "b"], "series": ["p", "p", "n", "p"], "year": [2021, 2023, 2019, 2021],
                    "year_first": [np.nan, 2021, np.nan, np.nan], "value": [0.1319, np.nan, np.nan, 0.0935],
                    "low": [np.nan, 0.10, 0.20, np.nan], "high": [np.nan, 0.16, np.nan, np.nan],
                    "high_open": [False, True, True, False], "same_definition": [True, False, False, False],
                    "derived": [False, False, False, True], "note": ["", "", "", "cách hiểu khác"]})
TARGETS = pd.DataFrame({"panel": ["a", "a", "b", "a", "a"], "plan": ["k", "q", "k", "k", "k"],
                        "year": [2025, 2025, 2025, 2025, 2025], "share": [0.4012, 0.40, 0.4581, 0.35, 0.6522],
                        "detail": ["", "", "phụ lục; thân văn bản: 45,84%", "", ""],
                        "subunit": [False, False, False, True, True], "subunit_name": ["", "", "", "A", "Tân Thạnh"]})
SOURCE = "simlib (thử nghiệm)"


def _build(kind: str, lang: str, illustrative: bool = False):
    common = dict(lang=lang, title=f"{t('thcs_to_gdnn_sc_tc', lang)}, Tỉnh mẫu",
                  subtitle=t("percent_of_thcs_graduates", lang), source=SOURCE, illustrative=illustrative)
    if kind == "fan":
        return charts.fan_chart(_quantiles(), history=HISTORY, targets=[(None, 0.4012, 2025), ("QĐ 522", 0.30, None)],
                                today=2025.5, **common)
    if kind == "small":  # 5 panels in 3 columns: the last row has an empty cell
        units = ["Tỉnh mẫu", "Tân An", "Đức Hòa", "Cần Giuộc", "Mộc Hóa"]
        panels = {n: _quantiles(0.10 + 0.01 * i, 0.005) for i, n in enumerate(units)}
        probs = {n: 0.08 for n in units[:-1]} | {units[-1]: t("verdict.met", lang)}
        return charts.small_multiples(panels, targets={n: 0.40 for n in units}, probs=probs, ncols=3, today=2025.5,
                                      **common)
    if kind == "waterfall":
        return charts.waterfall(CONTRIB, baseline=15.2, total=15.2 + CONTRIB.sum(),
                                baseline_label=t("report.waterfall_baseline", lang), note="ghi chú", **common)
    if kind == "tornado":
        return charts.tornado(SENS, base=31.2, separate=["trend"], **common)
    if kind == "probability":
        return charts.probability_bars(PROBS, **common)
    if kind == "evidence":
        return charts.targets_vs_evidence(OBS, TARGETS, panel_titles={"a": "A (%)", "b": "B (%)"},
                                          series_labels={"p": "Tỉnh mẫu", "n": t("geo.country", lang)},
                                          plan_labels={"k": "KH tỉnh", "q": "QĐ 522"}, today=2025.5,
                                          first_year=2015, last_year=2027, **common)
    raise AssertionError(kind)


def _texts(fig) -> list[str]:
    return [x.get_text() for x in fig.findobj(matplotlib.text.Text) if x.get_visible() and x.get_text()]


KINDS = ["fan", "small", "waterfall", "tornado", "probability", "evidence"]
VI_EXPECTED = {
    "fan": ["Năm (năm kết thúc năm học)", "% số học sinh tốt nghiệp", "Dự báo (trung vị)", "Khoảng dự báo 30%, 60%, 90%",
            "Chỉ tiêu năm 2025: ≥40,12%", "QĐ 522: ≥30%", "Hôm nay (năm học 2024-2025)", "Số liệu do địa phương cung cấp",
            "Ước tính cho năm đã qua (trung vị)", "10 đến trên 16%", "15,2%"],
    "small": ["Đức Hòa", "Cần Giuộc", "Chỉ tiêu: 40%\nXác suất đạt: 0,08", "Chỉ tiêu: 40%\nĐã đạt", "Hôm nay (năm học 2024-2025)"],
    "waterfall": ["Xu hướng hiện tại, chưa có giải pháp mới", "Tổng cộng", "Tương tác giữa các giải pháp",
                  "Một giải pháp khác", "+2,1 điểm %", "−1,8 điểm %", "15,2%"],
    "tornado": ["Giá trị trung tâm: 31,2%", "Độ co giãn theo học phí", "36,5% (−0,5)", "Các giải pháp (thang đo riêng)",
                "Độ bất định của chính xu hướng (thang đo riêng)"],
    "probability": ["Kịch bản cơ sở", "Thực hiện đúng kế hoạch", "Rất khó đạt", "Nhiều khả năng đạt",
                    "Chưa đủ căn cứ để đánh giá", "0,91 · Nhiều khả năng đạt", "< 0,01 · Rất khó đạt",
                    "✓ Đã đạt (41,0% năm 2025)"],
    "evidence": ["KH tỉnh 2025: ≥40,12%", "QĐ 522 2025: ≥40%", "KH tỉnh 2025: ≥45,81% (phụ lục; thân văn bản: 45,84%)",
                 "13,19%", "9,35% (cách hiểu khác)", "10 đến trên 16%", "trên 20%", "Tân Thạnh: 65,22%",
                 "Chỉ tiêu: KH tỉnh", "Chỉ tiêu của các đơn vị trực thuộc (phụ lục)"],
}
EN_WORDS = {"Year", "Median", "Target", "Total", "Source", "Baseline", "Forecast (median)", "Likely"}


@pytest.mark.parametrize("kind", KINDS)
def test_chart_builds_in_both_languages_and_saves_byte_identical(kind, tmp_path):
    rc_before = dict(matplotlib.rcParams)
    n_open = len(plt.get_fignums())
    pngs = {}
    for lang in LANGS:
        fig = _build(kind, lang)
        assert dict(matplotlib.rcParams) == rc_before  # no global rcParams changes
        assert fig.get_layout_engine() is None and getattr(fig, "_simlib_fixed_layout", False)
        pos = [a.get_position().bounds for a in fig.axes]
        for ext in ("png", "svg"):
            a = save_figure(fig, tmp_path / f"{kind}_{lang}_a.{ext}", dpi=50).read_bytes()  # low dpi: fast test
            b = save_figure(fig, tmp_path / f"{kind}_{lang}_b.{ext}", dpi=50).read_bytes()
            assert a == b, f"{kind} {lang} {ext}: two saves of one figure differ"
        assert [a.get_position().bounds for a in fig.axes] == pos  # saving does not move anything
        again = save_figure(_build(kind, lang), tmp_path / f"{kind}_{lang}_c.png", dpi=50).read_bytes()
        assert again == (tmp_path / f"{kind}_{lang}_a.png").read_bytes(), f"{kind} {lang}: rebuild differs"
        pngs[lang] = again
        texts = _texts(fig)
        joined = " | ".join(texts)
        assert f"{t('source', lang)}: {SOURCE}" in joined
        assert not any(t("illustrative_short", lang) in x for x in texts)  # no mark unless flagged
        if lang == "vi":
            svg = (tmp_path / f"{kind}_vi_a.svg").read_text(encoding="utf-8")
            for s in VI_EXPECTED[kind]:
                assert s in texts or s in joined, s
                assert html.escape(s.split("\n")[0], quote=False) in svg, s  # path-mode SVG keeps texts as comments
            assert not EN_WORDS & set(texts), EN_WORDS & set(texts)
    assert pngs["vi"] != pngs["en"]  # every chart differs from its English twin
    assert len(plt.get_fignums()) == n_open  # no pyplot figure left open


def _boxes(fig):
    """Window extents of every visible, non-empty text (tick labels, legend entries, annotations, notes)."""
    r = fig.canvas.get_renderer()
    fig.draw_without_rendering()
    tick_labels, drawn = set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                tick_labels |= {id(tick.label1), id(tick.label2)}
            for tick in axis._update_ticks():  # only the ticks inside the view limits are drawn
                drawn += [lab for lab in (tick.label1, tick.label2) if lab.get_visible()]
    out = []
    for x in [x for x in fig.findobj(matplotlib.text.Text) if id(x) not in tick_labels] + drawn:
        if x.get_visible() and x.get_text().strip():
            out.append((x.get_text(), matplotlib.text.Text.get_window_extent(x, r)))  # text only, no arrow
    return out


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", KINDS)
def test_no_text_overlaps_and_nothing_is_cut_off(kind, lang):
    """Every text inside the figure and no two texts overlapping, with the illustrative mark on (the longest header)."""
    fig = _build(kind, lang, illustrative=True)
    assert any(x.replace("\n", " ") == t("illustrative", lang) for x in _texts(fig))
    boxes = _boxes(fig)
    w, h = fig.bbox.width, fig.bbox.height
    for text, bb in boxes:
        assert bb.x0 >= -0.5 and bb.y0 >= -0.5 and bb.x1 <= w + 0.5 and bb.y1 <= h + 0.5, f"cut off: {text!r}"
    overlaps = []
    for (ta, a), (tb, b) in itertools.combinations(boxes, 2):
        dx = min(a.x1, b.x1) - max(a.x0, b.x0)
        dy = min(a.y1, b.y1) - max(a.y0, b.y0)
        if dx > 1.0 and dy > 1.0:
            overlaps.append((ta, tb))
    assert overlaps == []


def test_english_numbers_use_decimal_point_and_vietnamese_a_comma():
    en, vi = " | ".join(_texts(_build("small", "en"))), " | ".join(_texts(_build("small", "vi")))
    assert "Probability met: 0.08" in en and "0,08" not in en
    assert "Xác suất đạt: 0,08" in vi and "0.08" not in vi


def test_fan_geometry_range_spans_its_years_today_line_and_estimate():
    fig = charts.fan_chart(_quantiles(), history=HISTORY, lang="en", today=2025.5)
    ax = fig.axes[0]
    rect = [p for p in ax.patches if p.get_gid() == "history:range"][0]
    assert rect.get_x() == pytest.approx(2021) and rect.get_x() + rect.get_width() == pytest.approx(2023)
    assert rect.get_y() == pytest.approx(10) and rect.get_y() + rect.get_height() == pytest.approx(16)
    lines = {ln.get_gid(): ln for ln in ax.get_lines() if ln.get_gid()}
    assert list(lines["today-line"].get_xdata()) == [2025.5, 2025.5]
    x, y = lines["fan:estimate"].get_data()
    # the fan starts from the last exact same-definition observation (2024, 15.19 %), dashed until today
    assert x[0] == 2024 and y[0] == pytest.approx(15.19) and x[-1] == 2025.5
    xf, yf = lines["fan:median"].get_data()
    assert xf[0] == 2025.5 and list(xf[1:]) == list(YEARS[1:])
    assert yf[-1] == pytest.approx(100 * _quantiles()["q0.5"].iloc[-1])
    assert lines["fan:estimate"].get_linestyle() != lines["fan:median"].get_linestyle()


def test_fan_target_labelled_once_in_plain_words():
    for lang, expected in (("vi", "Chỉ tiêu năm 2025: ≥40,12%"), ("en", "2025 target: ≥40.12%")):
        fig = charts.fan_chart(_quantiles(), targets=[(None, 0.4012, 2025)], lang=lang)
        labels = [x.get_text() for x in fig.findobj(matplotlib.text.Text) if x.get_gid() == "target-label"]
        assert labels == [expected]
        assert not any("(40" in x for x in _texts(fig))  # no "Mục tiêu 2025 (40,12): 40,12 %"


def test_fan_refuses_bad_inputs():
    with pytest.raises(ValueError, match="q0.35"):
        charts.fan_chart(_quantiles().drop(columns="q0.35"))
    with pytest.raises(ValueError, match="vi"):
        charts.fan_chart(_quantiles(), lang="fr")
    with pytest.raises(ValueError, match="fraction"):
        charts.fan_chart(_quantiles(), targets=[("x", 40.12, 2025)])  # percent given where a fraction is expected


def _yorder(ax) -> list[str]:
    ticks = sorted(zip(ax.get_yticks(), [x.get_text() for x in ax.get_yticklabels()]), reverse=True)
    return [txt.replace("\n", " ") for _, txt in ticks]


def test_tornado_sorted_by_swing_and_trend_on_its_own_scale():
    fig = charts.tornado(SENS, base=31.2, lang="en", separate=["trend"])
    levers, trend = fig.axes
    assert _yorder(levers) == ["Độ co giãn theo học phí", "Career-guidance teachers in THCS schools (grade 9)",
                               "Free public THPT tuition (from 2025-26)", "Intake quota limit"]
    assert _yorder(trend) == ["Current trend"]
    lo, hi = levers.get_xlim()
    assert hi < 74.0 and lo > 3.0  # the trend's swing does not set the levers' scale
    assert trend.get_xlim()[0] < 3.0 and trend.get_xlim()[1] > 74.0
    bars = {p.get_gid(): p for p in levers.patches if p.get_gid()}
    low, high = bars["tornado:counselling_g9:low"], bars["tornado:counselling_g9:high"]
    assert low.get_x() == pytest.approx(31.2) and low.get_x() + low.get_width() == pytest.approx(29.5)
    assert high.get_x() + high.get_width() == pytest.approx(33.0)
    with pytest.raises(ValueError, match="not in the table"):
        charts.tornado(SENS, base=31.2, separate=["nope"])


def test_waterfall_geometry():
    baseline = 15.2
    total = baseline + CONTRIB.sum()
    fig = charts.waterfall(CONTRIB, baseline=baseline, total=total, lang="vi", title="x", source="y")
    ax = fig.axes[0]
    bars = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    b = bars["waterfall:baseline"]
    assert b.get_x() == 0 and b.get_width() == pytest.approx(baseline)
    running = baseline
    order = ["counselling_g9", "tuition_support_g9", "free_thpt", "Một giải pháp khác", "combination"]
    ys = []
    for key in order:
        p = bars[f"waterfall:{key}"]
        assert p.get_x() == pytest.approx(running)
        running += CONTRIB[key]
        assert p.get_x() + p.get_width() == pytest.approx(running)
        ys.append(p.get_y())
    assert ys == sorted(ys, reverse=True)  # drawn top to bottom, combination last
    tot = bars["waterfall:total"]
    assert tot.get_x() == 0 and tot.get_width() == pytest.approx(total)
    assert _yorder(ax)[0] == "Điểm xuất phát" and _yorder(ax)[-1] == "Tổng cộng"


def test_waterfall_residual_becomes_combination_bar_and_mismatch_is_refused():
    fig = charts.waterfall(pd.Series({"counselling_g9": 1.0, "free_thpt": -0.5}), baseline=10, total=11, lang="en")
    comb = {p.get_gid(): p for p in fig.axes[0].patches if p.get_gid()}["waterfall:combination"]
    assert comb.get_width() == pytest.approx(0.5) and comb.get_x() + comb.get_width() == pytest.approx(11)
    with pytest.raises(ValueError, match="total"):
        charts.waterfall(pd.Series({"a": 1.0, "combination": 0.2}), baseline=10, total=12, lang="en")


def test_probability_bars_met_and_missed_have_no_bar():
    fig = charts.probability_bars(PROBS, lang="en")
    ax = fig.axes[0]
    gids = {p.get_gid() for p in ax.patches if p.get_gid()}
    assert {"prob:baseline", "prob:all_levers"} <= gids
    assert not any(g.startswith("prob:Tân An") or g.startswith("prob:Đức Hòa") for g in gids)
    assert "✓ Met (41,0% năm 2025)" in _texts(fig)
    with pytest.raises(ValueError, match="p_met"):
        charts.probability_bars(pd.DataFrame({"label": ["a"], "p_met": [1.2]}))


def test_targets_vs_evidence_colours_by_order_and_ranges_across_years():
    fig = charts.targets_vs_evidence(OBS, TARGETS, plan_labels={"q": "QĐ 522", "k": "KH tỉnh"}, lang="vi")
    a = fig.axes[0]
    segs = [c for c in a.collections if c.get_gid() == "evidence:target"]
    colours = [matplotlib.colors.to_hex(c.get_colors()[0]) for c in segs]
    # plan_labels fixes the order: q first -> vermillion, k second -> bluish green (sorted by value: q 40 %, k 40.12 %)
    assert colours == [charts.OKABE_ITO["vermillion"].lower(), charts.OKABE_ITO["green"].lower()]
    rect = [p for p in a.patches if p.get_gid() == "evidence:range" and p.get_x() > 2020][0]
    assert rect.get_x() == pytest.approx(2021) and rect.get_x() + rect.get_width() == pytest.approx(2023)
    assert len([ln for ln in a.get_lines() if ln.get_gid() == "evidence:subunit"]) == 2


def test_no_plan_place_or_indicator_ids_in_chart_code():
    src = inspect.getsource(charts)
    for word in ("long_an", "qd522", "binh_phuoc", "cau_ngang", "thcs_to_gdnn", "thpt_to_cao_dang", '"vn', "Long An"):
        assert word not in src, word


def test_charts_accept_a_callers_axes():
    fig, ax = plt.subplots()
    try:
        hist = pd.DataFrame({"year": [2021.5, 2023], "value": [0.1, np.nan], "low": [np.nan, 0.12],
                             "high": [np.nan, np.nan]})
        out = charts.fan_chart(_quantiles(), history=hist, targets={"QĐ 522": 0.3}, ax=ax, lang="vi", source="x")
        assert out is fig
        assert "QĐ 522: ≥30%" in _texts(fig)
        assert not getattr(fig, "_simlib_fixed_layout", False)
    finally:
        plt.close(fig)


def test_long_source_is_wrapped_inside_the_figure():
    long_src = ("data/observations.csv, data/targets.csv, data/levers.yaml (giả định chuyên gia); "
                "10.000 lần mô phỏng, hạt giống ngẫu nhiên 20251122; " * 3)
    fig = charts.probability_bars(PROBS.head(2), lang="vi", title="x", source=long_src, illustrative=True)
    src = [x for x in fig.texts if x.get_gid() == "source-line"][0]
    assert src.get_text().count("\n") >= 2
    r = fig.canvas.get_renderer()
    assert src.get_window_extent(r).x1 <= fig.bbox.width


def test_verdict_key_is_the_assess_rule():
    assert [charts.verdict_key(p) for p in (0.95, 0.8, 0.79, 0.5, 0.49, 0.2, 0.19, 0.0, float("nan"))] == [
        "likely", "likely", "possible", "possible", "unlikely", "unlikely", "very_unlikely", "very_unlikely",
        "not_assessed"]


def test_formatting_helpers_match_i18n():
    assert re.fullmatch(r"\d+,\d+%", charts._pct(40.12, "vi"))
    assert charts._pct(40.0, "vi") == i18n.fmt_percent(40, "vi", 0) == "40%"


# --------------------------------------------------------------------------- long names, ranked places (issue 25)

LONG = "Trường THCS Nguyễn Thị Minh Khai (Hưng Nguyên, Nghệ An)"


def test_small_multiples_shorten_long_names_instead_of_failing():
    names = [LONG, LONG + " 2", "Xã Kim Phú", "Trường THCS Phan Bội Châu và Trường THCS Lê Hồng Phong (Vinh)"]
    panels = {n: _quantiles(0.10 + 0.01 * i, 0.005) for i, n in enumerate(names)}
    fig = charts.small_multiples(panels, targets={}, lang="vi", title="t", today=2025.5)
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert len(titles) == 4
    width_in = fig.get_figwidth()
    r = fig.canvas.get_renderer()
    for ax in fig.axes:
        title = ax._left_title
        if title.get_text():
            assert title.get_text().count("\n") <= 1  # at most two lines
            # the title stays within its panel (plus the gap to the next one)
            assert title.get_window_extent(r).x1 / fig.dpi <= width_in
    assert any("…" in x for x in titles)  # the longest was shortened, not overflowing


def test_a_chart_too_narrow_names_itself_in_the_planners_language():
    panels = {"A": _quantiles()}
    with pytest.raises(ValueError, match="Biểu đồ «Tên biểu đồ»"):
        charts.small_multiples(panels, targets={}, lang="vi", title="Tên biểu đồ", width=1.2)


def test_ranked_intervals_draws_each_place_with_its_target_and_figure():
    df = pd.DataFrame({"label": ["Xã A", LONG, "Xã C"], "median": [0.1, 0.2, 0.3], "low": [0.05, 0.1, 0.2],
                       "high": [0.2, 0.3, 0.4], "target": [0.25, float("nan"), 0.35],
                       "reported": [0.12, float("nan"), float("nan")], "own": [True, False, False],
                       "p_met": [0.1, float("nan"), 0.3]})
    fig = charts.ranked_intervals(df, lang="vi", title="t")
    (ax,) = [a for a in fig.axes if a.get_gid() != "legend"][:1]
    gids = [ln.get_gid() for ln in ax.lines]
    assert gids.count("interval") == 3 and gids.count("median") == 3
    assert gids.count("target") == 2 and gids.count("reported") == 1
    # hollow dot for the places without figures of their own
    meds = [ln for ln in ax.lines if ln.get_gid() == "median"]
    assert [ln.get_markerfacecolor() == "white" for ln in meds] == [False, True, True]
    assert ax.get_xlim()[1] >= 40


def test_fan_says_whose_figures_and_draws_the_80_percent_band():
    q = pd.DataFrame({c: 0.15 + z * 0.02 for c, z in zip(charts.FAN_COLUMNS, (-1.28, -0.67, 0.0, 0.67, 1.28))},
                     index=YEARS)
    fig = charts.fan_chart(q, history=HISTORY, lang="vi", history_label="Cả nước", today=2025.5)
    texts = _texts(fig)
    assert any(x.startswith("Số liệu thực tế của Cả nước") for x in texts)
    assert "Khoảng dự báo 50%, 80%" in texts and "Hôm nay (năm học 2024-2025)" in texts
    ax = fig.axes[0]
    bands = [c for c in ax.collections if str(c.get_gid()).startswith("fan:")]
    assert sorted(c.get_gid() for c in bands) == ["fan:band_50", "fan:band_80"]
    # the 80 % band spans the 10th to the 90th percentile, in percent
    ys = bands[[c.get_gid() for c in bands].index("fan:band_80")].get_paths()[0].vertices[:, 1]
    assert min(ys) == pytest.approx(100 * (0.15 - 1.28 * 0.02)) and max(ys) == pytest.approx(100 * (0.15 + 1.28 * 0.02))
