"""Bilingual (Vietnamese / English) labels and number formatting for charts and tables.

Planners read Vietnamese; reviewers may read English. Every piece of text a
chart or table generates itself goes through :func:`t` (labels),
:func:`column_label` (table headers) or :func:`fmt_number` (numbers), so the
same chart can be drawn in either language.

* ``LABELS``: key -> ``{"vi": ..., "en": ...}``. Keys are namespaced where the
  same word has two meanings: ``scenario.baseline`` ("Kịch bản cơ sở") versus
  ``baseline`` ("Cơ sở", the first bar of a waterfall); ``lever.<key>``;
  ``verdict.<key>``.
* Vietnamese strings are NFC-normalised with full diacritics (tested).
* Numbers: Vietnamese uses a decimal comma and dot thousands separators
  (``13.260,5``); English the reverse (``13,260.5``).
* Place names are Vietnamese in both languages and are not translated.
"""

from __future__ import annotations

import math
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from collections.abc import Mapping

__all__ = [
    "LANGS", "LABELS", "COLUMNS", "t", "label", "has_label", "column_label", "verdict_label",
    "fmt_number", "fmt_percent", "check_lang",
]

LANGS = ("vi", "en")

LABELS: dict[str, dict[str, str]] = {
    # --- indicators ---------------------------------------------------------------------------
    "thcs_to_gdnn_sc_tc": {
        "vi": "Tỷ lệ học sinh tốt nghiệp THCS vào học nghề (sơ cấp, trung cấp)",
        "en": "THCS graduates entering vocational education (sơ cấp / trung cấp)",
    },
    "thpt_to_cao_dang": {
        "vi": "Tỷ lệ học sinh tốt nghiệp THPT vào học cao đẳng",
        "en": "THPT graduates entering college (cao đẳng)",
    },
    # --- axes and units -----------------------------------------------------------------------
    "year": {"vi": "Năm", "en": "Year"},
    "school_year_note": {"vi": "Năm (năm kết thúc năm học)", "en": "Year (school year ending)"},
    "percent_of_graduates": {"vi": "% học sinh tốt nghiệp", "en": "% of graduates"},
    "percent": {"vi": "%", "en": "%"},
    "students": {"vi": "học sinh", "en": "students"},
    "seats": {"vi": "chỗ học", "en": "seats"},
    "percentage_points": {"vi": "điểm phần trăm", "en": "percentage points"},
    "pp_short": {"vi": "điểm %", "en": "pp"},
    "p_met": {"vi": "Xác suất đạt mục tiêu", "en": "Probability target met"},
    "p_met_value": {"vi": "Xác suất đạt: {p}", "en": "P(met) = {p}"},
    "share_2030": {"vi": "Tỷ lệ năm 2030 (%)", "en": "Share in 2030 (%)"},
    "cost_vnd": {"vi": "Chi phí (đồng)", "en": "Cost (VND)"},
    # --- chart vocabulary ---------------------------------------------------------------------
    "target": {"vi": "Mục tiêu", "en": "Target"},
    "observed": {"vi": "Số liệu quan sát", "en": "Observed"},
    "observed_same": {"vi": "Số liệu quan sát (cùng định nghĩa)", "en": "Observed (same definition)"},
    "observed_other": {"vi": "Số liệu quan sát (định nghĩa khác/chưa rõ)",
                       "en": "Observed (other/unclear definition)"},
    "range": {"vi": "Khoảng", "en": "Range"},
    "range_observed": {"vi": "Khoảng giá trị được báo cáo", "en": "Reported range"},
    "open_upper": {"vi": "Mũi tên: không có cận trên (“trên x %”)", "en": "Arrow: open upper end ('over x %')"},
    "median": {"vi": "Trung vị", "en": "Median"},
    "projection": {"vi": "Dự báo", "en": "Projection"},
    "band_30": {"vi": "30 % kết quả ở giữa", "en": "central 30 % of outcomes"},
    "band_60": {"vi": "60 % kết quả ở giữa", "en": "central 60 % of outcomes"},
    "band_90": {"vi": "90 % kết quả ở giữa", "en": "central 90 % of outcomes"},
    "fan_caption": {"vi": "Dải màu: 30/60/90 % kết quả mô phỏng ở giữa",
                    "en": "Shaded bands: central 30/60/90 % of simulated outcomes"},
    "illustrative": {
        "vi": "MINH HỌA: một số đầu vào là giả định, không phải số liệu",
        "en": "ILLUSTRATIVE: some inputs are assumptions, not data",
    },
    "illustrative_short": {"vi": "MINH HỌA", "en": "ILLUSTRATIVE"},
    "source": {"vi": "Nguồn", "en": "Source"},
    "baseline": {"vi": "Cơ sở", "en": "Baseline"},
    "total": {"vi": "Tổng", "en": "Total"},
    "increase": {"vi": "Tăng", "en": "Increase"},
    "decrease": {"vi": "Giảm", "en": "Decrease"},
    "base_case": {"vi": "Trường hợp cơ sở", "en": "Base case"},
    "low_setting": {"vi": "Tham số ở mức thấp", "en": "Parameter at low setting"},
    "high_setting": {"vi": "Tham số ở mức cao", "en": "Parameter at high setting"},
    "not_assessed_short": {"vi": "chưa đánh giá", "en": "not assessed"},
    # --- scenarios ----------------------------------------------------------------------------
    "scenario": {"vi": "Kịch bản", "en": "Scenario"},
    "scenario.baseline": {"vi": "Kịch bản cơ sở", "en": "Baseline"},
    "scenario.plan_as_written": {"vi": "Kế hoạch như văn bản", "en": "Plan as written"},
    "scenario.waiver_plus": {"vi": "Hỗ trợ học phí tăng cường (Waiver+)", "en": "Waiver+ (extra study support)"},
    "scenario.all_levers": {"vi": "Tất cả đòn bẩy chính sách", "en": "All policy levers"},
    # --- levers -------------------------------------------------------------------------------
    "lever": {"vi": "Đòn bẩy chính sách", "en": "Policy lever"},
    "lever.counselling_g9": {"vi": "Giáo viên tư vấn hướng nghiệp (lớp 9)",
                             "en": "Career-guidance counsellors (grade 9)"},
    "lever.counselling_g12": {"vi": "Giáo viên tư vấn hướng nghiệp (lớp 12)",
                              "en": "Career-guidance counsellors (grade 12)"},
    "lever.tuition_support_g9": {"vi": "Hỗ trợ học phí/chi phí học nghề (sau lớp 9)",
                                 "en": "Tuition/cost support for vocational study (after grade 9)"},
    "lever.tuition_support_g12": {"vi": "Hỗ trợ học phí/chi phí học nghề (sau lớp 12)",
                                  "en": "Tuition/cost support for vocational study (after grade 12)"},
    "lever.free_thpt": {"vi": "Miễn học phí THPT công lập (từ 2025-26)",
                        "en": "Free public THPT tuition (from 2025-26)"},
    "lever.capacity": {"vi": "Giới hạn chỉ tiêu", "en": "Capacity limit (seats)"},
    "lever.combination": {"vi": "Tương tác giữa các đòn bẩy", "en": "Interaction between levers"},
    "lever.interaction": {"vi": "Tương tác giữa các đòn bẩy", "en": "Interaction between levers"},
    "lever.ceiling": {"vi": "Giới hạn tỷ lệ tối đa khả thi", "en": "Ceiling (maximum feasible share)"},
    "lever.information_g9": {"vi": "Truyền thông hướng nghiệp lớp 9", "en": "Grade-9 information campaign"},
    "lever.trend": {"vi": "Xu hướng hiện tại", "en": "Current trend"},
    # --- uncertain parameters (tornado) ------------------------------------------------------
    "param.effect_full": {"vi": "tác động khi phủ đủ", "en": "effect at full coverage"},
    "param.fidelity": {"vi": "mức độ thực hiện", "en": "implementation fidelity"},
    "param.dose_exponent": {"vi": "độ cong liều lượng", "en": "dose-response curvature"},
    "param.lag_years": {"vi": "độ trễ (năm)", "en": "lag (years)"},
    "param.elasticity": {"vi": "độ co giãn theo giá", "en": "price elasticity"},
    "param.effect": {"vi": "tác động", "en": "effect"},
    "param.max_feasible": {"vi": "Tỷ lệ tối đa khả thi", "en": "Maximum feasible share"},
    "param.trend": {"vi": "Xu hướng (giữ nguyên hiện trạng)", "en": "Trend (business as usual)"},
    # --- flow tracks (destinations and programmes) ----------------------------------------------
    "track.thpt": {"vi": "THPT", "en": "THPT"},
    "track.thpt_public": {"vi": "THPT công lập", "en": "public THPT"},
    "track.thpt_private": {"vi": "THPT ngoài công lập", "en": "private THPT"},
    "track.gdtx": {"vi": "GDTX", "en": "GDTX (continuing education)"},
    "track.so_cap": {"vi": "sơ cấp", "en": "sơ cấp"},
    "track.trung_cap": {"vi": "trung cấp", "en": "trung cấp"},
    "track.trung_cap_thpt": {"vi": "trung cấp (sau THPT)", "en": "trung cấp (after THPT)"},
    "track.trung_hoc_nghe": {"vi": "trung học nghề", "en": "trung học nghề (vocational upper secondary)"},
    "track.cao_dang": {"vi": "cao đẳng", "en": "cao đẳng"},
    "track.dai_hoc": {"vi": "đại học", "en": "university"},
    "track.not_continuing": {"vi": "không học tiếp", "en": "not continuing"},
    # --- verdicts -----------------------------------------------------------------------------
    "verdict": {"vi": "Đánh giá", "en": "Verdict"},
    "verdict.likely": {"vi": "Có khả năng", "en": "Likely"},
    "verdict.possible": {"vi": "Có thể", "en": "Possible"},
    "verdict.unlikely": {"vi": "Khó đạt", "en": "Unlikely"},
    "verdict.very_unlikely": {"vi": "Rất khó đạt", "en": "Very unlikely"},
    "verdict.not_assessed": {"vi": "Chưa đánh giá được", "en": "Not assessed"},
    "verdict.met": {"vi": "Đã đạt", "en": "Met"},
    "verdict.missed": {"vi": "Không đạt", "en": "Missed"},
}

COLUMNS: dict[str, dict[str, str]] = {
    "target_id": {"vi": "Mã mục tiêu", "en": "Target ID"},
    "plan_id": {"vi": "Mã kế hoạch", "en": "Plan ID"},
    "geography": {"vi": "Mã địa bàn", "en": "Geography ID"},
    "geography_name": {"vi": "Địa bàn", "en": "Geography"},
    "indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "year": {"vi": "Năm", "en": "Year"},
    "target (%)": {"vi": "Mục tiêu (%)", "en": "Target (%)"},
    "scenario": {"vi": "Kịch bản", "en": "Scenario"},
    "p_met": {"vi": "Xác suất đạt", "en": "P(target met)"},
    "verdict": {"vi": "Đánh giá", "en": "Verdict"},
    "median (%)": {"vi": "Trung vị (%)", "en": "Median (%)"},
    "q0.1": {"vi": "Phân vị 10 %", "en": "10th percentile"},
    "q0.9": {"vi": "Phân vị 90 %", "en": "90th percentile"},
    "required_pace_pts": {"vi": "Tốc độ cần đạt (điểm %/năm)", "en": "Required pace (pp/year)"},
    "observed_pace_pts": {"vi": "Tốc độ quan sát (điểm %/năm)", "en": "Observed pace (pp/year)"},
    "n_points": {"vi": "Số điểm số liệu", "en": "Data points"},
    "note": {"vi": "Ghi chú", "en": "Note"},
    "lever": {"vi": "Đòn bẩy chính sách", "en": "Policy lever"},
    "effect_pp": {"vi": "Tác động (điểm %)", "en": "Effect (pp)"},
    "cost_vnd": {"vi": "Chi phí (đồng)", "en": "Cost (VND)"},
    "seats_needed": {"vi": "Số chỗ học cần", "en": "Seats needed"},
    "seats_available": {"vi": "Số chỗ học hiện có", "en": "Seats available"},
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is one of :data:`LANGS`, else raise ValueError."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
    return lang


def t(key: str, lang: str = "en", **fmt) -> str:
    """The label for ``key`` in ``lang``; ``fmt`` fills ``{placeholders}``.

    Raises ValueError (never KeyError) for an unknown key or language.
    """
    check_lang(lang)
    try:
        entry = LABELS[key]
    except (KeyError, TypeError):
        raise ValueError(f"unknown label key {key!r}") from None
    text = entry[lang]
    return text.format(**fmt) if fmt else text


def has_label(key: str) -> bool:
    return key in LABELS


def label(key, lang: str = "en", prefixes: tuple[str, ...] = ("lever.", "scenario.", "verdict.", "")) -> str:
    """Translate ``key`` if ``prefix + key`` is known (first prefix that matches), else return ``str(key)``.

    Used for chart categories (levers, scenarios, parameters) that may be
    either a known key or free text already written by the caller. With the
    default prefixes ``"baseline"`` is the scenario ("Kịch bản cơ sở"), not
    the waterfall's first bar ("Cơ sở"); pass ``prefixes`` to change that.
    """
    check_lang(lang)
    s = str(key)
    for p in prefixes:
        if p + s in LABELS:
            return LABELS[p + s][lang]
    return s


def verdict_label(verdict: str, lang: str = "en") -> str:
    """Translate a verdict word (``"very unlikely"`` or ``"very_unlikely"``, any case)."""
    key = "verdict." + str(verdict).strip().lower().replace(" ", "_").replace("-", "_")
    return t(key, lang)


def column_label(key: str, lang: str = "en") -> str:
    """Table header for column ``key``; unknown columns keep their own name."""
    check_lang(lang)
    entry = COLUMNS.get(key)
    return entry[lang] if entry is not None else str(key)


def fmt_number(x, lang: str = "en", decimals: int = 2, *, sign: bool = False, grouping: bool = True) -> str:
    """Format a number for display: ``vi`` -> ``13.260,50``; ``en`` -> ``13,260.50``.

    ``x`` may be a number or a numeric string. ``sign=True`` writes a ``+`` on
    positive values (for changes). Negative values use the minus sign ``−``.
    ``grouping=False`` drops the thousands separator (years). Missing values
    (None/NaN) are written as an en dash. Rounding is half away from zero on
    the number as written (``0.075`` -> ``0.08``, ``2.5`` -> ``3``), not
    Python's binary/half-even rounding.
    """
    check_lang(lang)
    if x is None:
        return "–"
    v = float(x)
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return ("−" if v < 0 else "") + "∞"
    decimals = max(int(decimals), 0)
    # round half away from zero on the shortest decimal form, as a person (or Excel) would: 0.075 -> 0.08
    d = abs(Decimal(repr(v))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    s = f"{d:{',' if grouping else ''}.{decimals}f}"
    is_zero = set(s.replace(",", "").replace(".", "")) == {"0"}  # rounds to zero: no "−0,00"
    if lang == "vi":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if v < 0 and not is_zero:
        s = "−" + s
    elif sign and v > 0 and not is_zero:
        s = "+" + s
    return s


def fmt_percent(x, lang: str = "en", decimals: int = 1, *, sign: bool = False) -> str:
    """``fmt_number`` followed by `` %`` (a space before the percent sign, as in the repo's charts)."""
    return fmt_number(x, lang, decimals, sign=sign) + " %"


def _assert_nfc(labels: Mapping[str, Mapping[str, str]]) -> None:  # pragma: no cover - import-time guard
    for k, entry in labels.items():
        for lang, s in entry.items():
            if unicodedata.normalize("NFC", s) != s:
                raise AssertionError(f"label {k!r} ({lang}) is not NFC-normalised")


_assert_nfc(LABELS)
_assert_nfc(COLUMNS)
