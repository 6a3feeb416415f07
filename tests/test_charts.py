"""Bilingual charts (simlib.present.charts) and labels (simlib.present.i18n)."""

from __future__ import annotations

import unicodedata

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.text  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from simlib.present import charts, i18n  # noqa: E402
from simlib.present.i18n import COLUMNS, LABELS, LANGS, column_label, fmt_number, t  # noqa: E402
from simlib.present.plots import save_figure  # noqa: E402

YEARS = np.arange(2025, 2031)
Z = {"q0.05": -1.645, "q0.2": -0.842, "q0.35": -0.385, "q0.5": 0.0, "q0.65": 0.385, "q0.8": 0.842, "q0.95": 1.645}
DISTRICTS = ["Long An", "Tân An", "Kiến Tường", "Tân Hưng", "Vĩnh Hưng", "Mộc Hóa", "Tân Thạnh", "Thạnh Hóa",
             "Đức Huệ", "Đức Hòa", "Bến Lức", "Thủ Thừa", "Tân Trụ", "Cần Đước", "Cần Giuộc", "Châu Thành"]


def _quantiles(start=0.15, slope=0.01, sd=0.02):
    h = YEARS - 2024
    return pd.DataFrame({k: start + slope * h + z * sd * np.sqrt(h) for k, z in Z.items()}, index=YEARS)


HISTORY = pd.DataFrame({
    "year": [2018, 2019, 2020, 2022, 2024],
    "value": [0.12, np.nan, 0.14, np.nan, 0.1519],
    "low": [np.nan, 0.10, np.nan, 0.13, np.nan],
    "high": [np.nan, 0.16, np.nan, np.nan, np.nan],
    "high_open": [False, False, False, True, False],
    "same_definition": [True, False, False, True, True],
})
CONTRIB = pd.Series({"counselling_g9": 2.1, "tuition_support_g9": 3.4, "free_thpt": -1.8,
                     "Một đòn bẩy khác": -0.9, "combination": 0.4})
SENS = pd.DataFrame({"parameter": ["counselling_g9", "Độ co giãn theo học phí", "capacity", "free_thpt"],
                     "low": [0.05, 0.02, 0.08, 0.07], "high": [0.12, 0.25, 0.08, 0.10],
                     "low_label": ["0", "−0,1", "", None], "high_label": ["1/trường", "−0,5", "", None]})
PROBS = pd.DataFrame({"label": ["baseline", "plan_as_written", "waiver_plus", "all_levers", "Đức Hòa"],
                      "p_met": [0.02, 0.35, 0.6, 0.91, np.nan]})


def _build(kind: str, lang: str, illustrative: bool = False):
    common = dict(lang=lang, title=t("thcs_to_gdnn_sc_tc", lang), source="simlib (thử nghiệm)",
                  illustrative=illustrative)
    if kind == "fan":
        return charts.fan_chart(_quantiles(), history=HISTORY,
                                targets=[(f"{t('target', lang)} Long An", 0.4012, 2025), ("QĐ 522", 0.30, None)],
                                **common)
    if kind == "small":  # 5 panels in 3 columns: exercises the hidden last panel (the CLI draws 16)
        units = ["Long An", "Tân An", "Đức Hòa", "Cần Giuộc", "Mộc Hóa"]
        panels = {n: _quantiles(0.10 + 0.01 * i, 0.005) for i, n in enumerate(units)}
        return charts.small_multiples(panels, targets={n: 0.40 for n in units},
                                      probs={n: 0.08 for n in units}, ncols=3, **common)
    if kind == "waterfall":
        return charts.waterfall(CONTRIB, baseline=15.2, total=15.2 + CONTRIB.sum(), **common)
    if kind == "tornado":
        return charts.tornado(SENS, base=0.08, **common)
    if kind == "probability":
        return charts.probability_bars(PROBS, **common)
    raise AssertionError(kind)


def _texts(fig) -> list[str]:
    return [x.get_text() for x in fig.findobj(matplotlib.text.Text) if x.get_visible() and x.get_text()]


KINDS = ["fan", "small", "waterfall", "tornado", "probability"]
VI_EXPECTED = {
    "fan": ["Năm", "% học sinh tốt nghiệp", "Trung vị", "30 % kết quả ở giữa", "Mục tiêu Long An: 40,12 %",
            "Số liệu quan sát (định nghĩa khác/chưa rõ)", "Dự báo"],
    "small": ["Đức Hòa", "Cần Giuộc", "Xác suất đạt: 0,08", "Mục tiêu: 40 %", "Năm"],
    "waterfall": ["Cơ sở", "Tổng", "Giáo viên tư vấn hướng nghiệp (lớp 9)", "Tương tác giữa các đòn bẩy",
                  "Một đòn bẩy khác", "+2,1 điểm %", "−1,8 điểm %", "15,2 %"],
    "tornado": ["Xác suất đạt mục tiêu", "Trường hợp cơ sở: 0,08", "Độ co giãn theo học phí",
                "Miễn học phí THPT công lập (từ 2025-26)", "0,25 (−0,5)"],
    "probability": ["Kịch bản cơ sở", "Kế hoạch như văn bản", "Rất khó đạt", "Có khả năng",
                    "Chưa đánh giá được", "0,91 · Có khả năng"],
}


@pytest.mark.parametrize("kind", KINDS)
def test_chart_builds_in_both_languages_and_saves_byte_identical(kind, tmp_path):
    rc_before = dict(matplotlib.rcParams)
    for lang in LANGS:
        fig = _build(kind, lang)
        assert dict(matplotlib.rcParams) == rc_before  # no global rcParams changes
        try:
            for ext in ("png", "svg"):
                a = save_figure(fig, tmp_path / f"{kind}_{lang}_a.{ext}").read_bytes()
                b = save_figure(fig, tmp_path / f"{kind}_{lang}_b.{ext}").read_bytes()
                assert a == b, f"{kind} {lang} {ext} not byte-identical"
            texts = _texts(fig)
            joined = " | ".join(texts)
            assert t("thcs_to_gdnn_sc_tc", lang) in joined
            assert f"{t('source', lang)}: simlib (thử nghiệm)" in joined
            if lang == "vi":
                svg = (tmp_path / f"{kind}_vi_a.svg").read_text(encoding="utf-8")
                for s in VI_EXPECTED[kind]:
                    assert s in joined, s
                    assert s in svg, s  # path-mode SVG keeps each text as a comment
                assert "Year" not in texts and "Median" not in texts
        finally:
            plt.close(fig)


@pytest.mark.parametrize("kind", KINDS)
def test_illustrative_mark_only_when_flagged(kind):
    for lang in LANGS:
        mark, short = t("illustrative", lang), t("illustrative_short", lang)
        fig = _build(kind, lang, illustrative=True)
        try:
            texts = _texts(fig)
            assert mark in texts
            assert any(x.endswith(f"— {short}") for x in texts)  # title suffix
        finally:
            plt.close(fig)
        fig = _build(kind, lang, illustrative=False)
        try:
            assert not any(short in x for x in _texts(fig))
        finally:
            plt.close(fig)


def test_english_numbers_use_decimal_point():
    fig = _build("small", "en")
    try:
        texts = _texts(fig)
        assert "P(met) = 0.08" in " | ".join(texts)
    finally:
        plt.close(fig)


def _yorder(ax) -> list[str]:
    ax.figure.canvas.draw()
    ticks = sorted(zip(ax.get_yticks(), [x.get_text() for x in ax.get_yticklabels()]), reverse=True)
    return [txt for _, txt in ticks]


def test_tornado_sorted_by_swing_biggest_on_top():
    fig = charts.tornado(SENS, base=0.08, lang="en", title="x", source="y")
    try:
        ax = fig.axes[0]
        assert _yorder(ax) == ["Độ co giãn theo học phí", "Career-guidance counsellors (grade 9)",
                               "Free public THPT tuition (from 2025-26)", "Capacity limit (seats)"]
        bars = {p.get_gid(): p for p in ax.patches if p.get_gid()}
        low = bars["tornado:counselling_g9:low"]
        high = bars["tornado:counselling_g9:high"]
        assert low.get_x() == pytest.approx(0.08) and low.get_x() + low.get_width() == pytest.approx(0.05)
        assert high.get_x() + high.get_width() == pytest.approx(0.12)
    finally:
        plt.close(fig)


def test_waterfall_geometry():
    baseline = 15.2
    total = baseline + CONTRIB.sum()
    fig = charts.waterfall(CONTRIB, baseline=baseline, total=total, lang="vi", title="x", source="y")
    try:
        ax = fig.axes[0]
        bars = {p.get_gid(): p for p in ax.patches if p.get_gid()}
        b = bars["waterfall:baseline"]
        assert b.get_x() == 0 and b.get_width() == pytest.approx(baseline)
        running = baseline
        order = ["counselling_g9", "tuition_support_g9", "free_thpt", "Một đòn bẩy khác", "combination"]
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
        assert running == pytest.approx(total)
        assert _yorder(ax)[0] == "Cơ sở" and _yorder(ax)[-1] == "Tổng"
    finally:
        plt.close(fig)


def test_waterfall_residual_becomes_combination_bar_and_mismatch_is_refused():
    c = pd.Series({"counselling_g9": 1.0, "free_thpt": -0.5})
    fig = charts.waterfall(c, baseline=10, total=11, lang="en", title="x", source="y")
    try:
        bars = {p.get_gid(): p for p in fig.axes[0].patches if p.get_gid()}
        comb = bars["waterfall:combination"]
        assert comb.get_width() == pytest.approx(0.5)
        assert comb.get_x() + comb.get_width() == pytest.approx(11)
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="total"):
        charts.waterfall(pd.Series({"a": 1.0, "combination": 0.2}), baseline=10, total=12, lang="en")


def test_fan_starts_from_last_exact_observation():
    fig = charts.fan_chart(_quantiles(), history=HISTORY, lang="en")
    try:
        median = [ln for ln in fig.axes[0].get_lines() if ln.get_linewidth() == pytest.approx(1.6)][0]
        x, y = median.get_data()
        assert x[0] == 2024 and y[0] == pytest.approx(15.19)
        assert list(x[1:]) == list(YEARS)
        assert y[-1] == pytest.approx(100 * _quantiles()["q0.5"].iloc[-1])
    finally:
        plt.close(fig)


def test_fan_rejects_missing_quantiles_and_unknown_language():
    with pytest.raises(ValueError, match="q0.35"):
        charts.fan_chart(_quantiles().drop(columns="q0.35"))
    with pytest.raises(ValueError, match="vi"):
        charts.fan_chart(_quantiles(), lang="fr")


def test_verdict_key_bands():
    assert [charts.verdict_key(p) for p in (0.95, 0.8, 0.79, 0.5, 0.49, 0.2, 0.19, 0.0, float("nan"))] == [
        "likely", "likely", "possible", "possible", "unlikely", "unlikely", "very_unlikely", "very_unlikely",
        "not_assessed"]


# --- i18n ----------------------------------------------------------------------------------


def test_fmt_number():
    assert fmt_number(40.12, "vi", 2) == "40,12"
    assert fmt_number(40.12, "en", 2) == "40.12"
    assert fmt_number("40.12", "vi", 2) == "40,12"
    assert fmt_number(13260, "vi", 0) == "13.260"
    assert fmt_number(13260, "en", 0) == "13,260"
    assert fmt_number(1234567.891, "vi", 2) == "1.234.567,89"
    assert fmt_number(-2.5, "vi", 1) == "−2,5"
    assert fmt_number(0.075, "vi", 2) == "0,08" and fmt_number(2.5, "en", 0) == "3"  # half away from zero
    assert fmt_number(2.5, "en", 1, sign=True) == "+2.5"
    assert fmt_number(-0.001, "en", 2) == "0.00"
    assert fmt_number(2025, "vi", 0, grouping=False) == "2025"
    assert fmt_number(float("nan"), "vi") == "–"
    assert i18n.fmt_percent(40.12, "vi", 2) == "40,12 %"


def test_every_label_has_both_languages_nonempty_and_nfc():
    for table in (LABELS, COLUMNS):
        for key, entry in table.items():
            assert set(entry) == set(LANGS), key
            for lang, s in entry.items():
                assert s.strip(), (key, lang)
                assert unicodedata.normalize("NFC", s) == s, (key, lang)


def test_required_labels_present():
    assert t("thcs_to_gdnn_sc_tc", "vi") == "Tỷ lệ học sinh tốt nghiệp THCS vào học nghề (sơ cấp, trung cấp)"
    assert t("thpt_to_cao_dang", "vi") == "Tỷ lệ học sinh tốt nghiệp THPT vào học cao đẳng"
    assert t("illustrative", "vi") == "MINH HỌA: một số đầu vào là giả định, không phải số liệu"
    assert t("scenario.baseline", "vi") == "Kịch bản cơ sở" and t("baseline", "vi") == "Cơ sở"
    assert t("lever.free_thpt", "vi") == "Miễn học phí THPT công lập (từ 2025-26)"
    assert i18n.verdict_label("very unlikely", "vi") == "Rất khó đạt"
    assert t("p_met_value", "vi", p=fmt_number(0.08, "vi")) == "Xác suất đạt: 0,08"
    assert i18n.label("baseline", "vi") == "Kịch bản cơ sở"
    assert i18n.label("some free text", "vi") == "some free text"


def test_unknown_key_or_language_raises_value_error():
    with pytest.raises(ValueError, match="no_such_key"):
        t("no_such_key", "vi")
    with pytest.raises(ValueError, match="'vi', 'en'"):
        t("target", "fr")
    assert column_label("p_met", "vi") == "Xác suất đạt"
    assert column_label("extra_column", "vi") == "extra_column"
    assert column_label("target (%)", "en") == "Target (%)"


def test_fan_accepts_plain_targets_and_minimal_history_on_a_given_axes():
    fig, ax = plt.subplots()
    try:
        hist = pd.DataFrame({"year": [2021.5, 2023], "value": [0.1, np.nan], "low": [np.nan, 0.12],
                             "high": [np.nan, np.nan]})
        out = charts.fan_chart(_quantiles(), history=hist, targets={"QĐ 522": 0.3}, ax=ax, ylim=None, lang="vi")
        assert out is fig
        assert "QĐ 522: 30 %" in _texts(fig)
    finally:
        plt.close(fig)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="p_met"):
        charts.probability_bars(pd.DataFrame({"label": ["a"], "p_met": [1.2]}))
    with pytest.raises(ValueError, match="missing"):
        charts.tornado(pd.DataFrame({"parameter": ["a"], "low": [np.nan], "high": [1.0]}), base=0.5)


def test_long_labels_and_long_source_do_not_squeeze_the_axes():
    """Regression: a source line anchored at the axes' left used to collapse constrained layout."""
    long_src = ("data/observations.csv, data/targets.csv, data/levers.yaml (giả định chuyên gia); "
                "200 lần mô phỏng, seed 20251122; " * 3)
    frame = pd.DataFrame({"label": [f"THCS→GDNN 40,12 %: {t('scenario.' + s, 'vi')}" for s in
                                    ("baseline", "plan_as_written", "waiver_plus", "all_levers")],
                          "p_met": [0.075, 0.075, 0.2, 0.9]})
    for fig in (charts.probability_bars(frame, lang="vi", title="x", source=long_src, illustrative=True),
                charts.waterfall(CONTRIB, baseline=15.2, total=15.2 + CONTRIB.sum(), lang="vi", source=long_src)):
        try:
            ax = fig.axes[0]
            assert ax.get_position().width > 0.3
            assert max(x.get_text().count("\n") for x in fig.texts) >= 1  # the source is wrapped
        finally:
            plt.close(fig)
