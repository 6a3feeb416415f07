"""The glossary (data/glossary.csv) and locale formatting (simlib.present.i18n)."""

from __future__ import annotations

import csv
import string
import unicodedata

import pytest

from simlib.assess.verdicts import VERDICTS
from simlib.errors import InputError
from simlib.inputs.resources import bundled_data_dir
from simlib.present import i18n
from simlib.present.i18n import (LANGS, GlossaryError, column_label, fmt_int, fmt_money, fmt_number, fmt_percent,
                                 fmt_prob, fmt_year, glossary, school_year, t)

# Every key of the old in-code tables (i18n.LABELS / i18n.COLUMNS before the glossary file): none may be lost.
OLD_LABEL_KEYS = [
    "thcs_to_gdnn_sc_tc", "thpt_to_cao_dang", "year", "school_year_note", "percent_of_graduates", "percent",
    "students", "seats", "percentage_points", "pp_short", "p_met", "p_met_value", "cost_vnd", "target",
    "observed", "observed_same", "observed_other", "range", "range_observed", "open_upper", "median", "projection",
    "band_30", "band_60", "band_90", "fan_caption", "illustrative", "illustrative_short", "source", "baseline",
    "total", "increase", "decrease", "base_case", "low_setting", "high_setting", "not_assessed_short", "scenario",
    "scenario.baseline", "scenario.plan_as_written", "scenario.waiver_plus", "scenario.all_levers", "lever",
    "lever.counselling_g9", "lever.counselling_g12", "lever.tuition_support_g9", "lever.tuition_support_g12",
    "lever.free_thpt", "lever.capacity", "lever.combination", "lever.interaction", "lever.ceiling",
    "lever.information_g9", "lever.trend", "param.effect_full", "param.fidelity", "param.dose_exponent",
    "param.lag_years", "param.elasticity", "param.effect", "param.max_feasible", "param.trend", "verdict",
    "verdict.likely", "verdict.possible", "verdict.unlikely", "verdict.very_unlikely", "verdict.not_assessed",
]
OLD_COLUMN_KEYS = [
    "target_id", "plan_id", "geography", "geography_name", "indicator", "year", "target (%)", "scenario", "p_met",
    "verdict", "median (%)", "q0.1", "q0.9", "required_pace_pts", "observed_pace_pts", "n_points", "note", "lever",
    "effect_pp", "cost_vnd", "seats_needed", "seats_available",
]
# Headers the issue found untranslated in the feasibility sheet and the HTML tables.
FEASIBILITY_COLUMNS = [
    "target_id", "plan_id", "geography", "geography_name", "indicator", "variant", "used", "year", "comparator",
    "as_written", "target_pct", "timing", "scenario", "p_met", "verdict", "observed_pct", "median_pct", "q0.1_pct",
    "q0.9_pct", "evidence", "n_points", "last_year", "last_pct", "required_pace_pts", "required_pace_logit",
    "anticipated_pace_pts", "observed_slope_logit", "pace_ratio", "progress_class", "anticipated_gap",
    "feasible_tau", "speed_multiple", "feasible_progress", "feasible_method", "illustrative", "note",
    "reach_p50_pct", "reach_p80_pct",
]


@pytest.fixture
def own_glossary(tmp_path):
    """Write a glossary file; the cache is cleared before and after so other tests see the bundled one."""
    def write(rows, header=("key", "vi", "en", "note"), encoding="utf-8"):
        path = tmp_path / "glossary.csv"
        with open(path, "w", encoding=encoding, newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            if header:
                w.writerow(header)
            w.writerows(rows)
        return path
    i18n._read.cache_clear()
    yield write
    i18n._read.cache_clear()


# --------------------------------------------------------------------------- the file


def test_glossary_file_is_nfc_utf8_with_the_four_columns():
    path = bundled_data_dir() / "glossary.csv"
    raw = path.read_bytes()
    text = raw.decode("utf-8")  # no BOM needed, strictly UTF-8
    assert unicodedata.normalize("NFC", text) == text  # on disk, not only after loading
    rows = list(csv.reader(text.splitlines(keepends=True)))
    assert rows[0] == ["key", "vi", "en", "note"]
    keys = [r[0] for r in rows[1:]]
    assert len(keys) == len(set(keys)) > 300
    fmt = string.Formatter()
    for key, vi, en, _ in rows[1:]:
        assert vi.strip() and en.strip(), key
        assert {f for _, f, _, _ in fmt.parse(vi) if f} == {f for _, f, _, _ in fmt.parse(en) if f}, key


def test_every_old_label_and_column_moved_into_the_glossary():
    g = glossary()
    missing = [k for k in OLD_LABEL_KEYS if k not in g] + [f"col.{k}" for k in OLD_COLUMN_KEYS if f"col.{k}" not in g]
    assert missing == []
    assert set(OLD_LABEL_KEYS) <= set(i18n.LABELS) and set(OLD_COLUMN_KEYS) <= set(i18n.COLUMNS)


def test_every_verdict_code_and_feasibility_header_has_vietnamese_words():
    for code in VERDICTS:
        vi, en = i18n.verdict_label(code, "vi"), i18n.verdict_label(code, "en")
        assert vi != en and "_" not in vi
    for col in FEASIBILITY_COLUMNS:
        assert column_label(col, "vi") != col, col
        assert column_label(col, "vi") != column_label(col, "en"), col


def test_literal_translations_the_issue_named_are_gone():
    vi = " | ".join(e["vi"] for e in glossary().texts.values())
    for literal in ("kết quả ở giữa", "như văn bản", "chỗ học"):
        assert literal not in vi
    assert t("band_30", "vi") == "Khoảng dự báo 30%"
    assert t("target_line", "vi", year="2025", value="40,12%") == "Chỉ tiêu năm 2025: 40,12%"
    assert t("scenario.plan_as_written", "vi") == "Thực hiện đúng kế hoạch"


def test_official_indicator_wording_from_the_plan():
    assert t("thcs_to_gdnn_sc_tc", "vi") == ("Tỷ lệ học sinh tốt nghiệp THCS tiếp tục học tập tại các cơ sở giáo dục "
                                             "nghề nghiệp đào tạo trình độ sơ cấp, trung cấp")


def test_new_report_vocabulary_is_there():
    assert t("today", "vi", school_year=school_year(2026)) == "Hôm nay (năm học 2025-2026)"
    assert t("today", "en", school_year=school_year(2026)) == "Today (school year 2025-2026)"
    for key in ("track.trung_hoc_nghe", "track.gdtx", "quota_grade10_public", "seats_by_programme", "geo.commune",
                "geo.ward", "geo.communes", "monitor.behind", "monitor.on_track", "ref.qd1705_transition",
                "ref.qd2239_pooled", "verdict.met", "verdict.missed", "estimate", "projection", "timing.past_estimated"):
        assert t(key, "vi") and t(key, "en")
    assert t("track.trung_hoc_nghe", "vi") == "Trung học nghề"
    assert t("quota_grade10_public", "vi") == "Chỉ tiêu tuyển sinh lớp 10 công lập"
    assert "1705/QĐ-TTg" in t("ref.qd1705_transition", "vi") and "2239/QĐ-TTg" in t("ref.qd2239_pooled", "vi")


def test_scenario_label_prefers_the_scenario_files_title():
    title = "Kịch bản riêng của Sở: hai giáo viên tư vấn mỗi trường"
    assert i18n.scenario_label("custom", "vi", title=title) == title
    assert i18n.scenario_label("custom", "vi", title="  ") == "custom"
    assert i18n.scenario_label("baseline", "vi") == "Kịch bản cơ sở"
    assert i18n.scenario_label("baseline", "en", title=None) == "Baseline"
    decomposed = unicodedata.normalize("NFD", "Kịch bản")
    assert i18n.scenario_label("x", "vi", title=decomposed) == "Kịch bản"  # NFC


def test_lookups_and_errors():
    assert i18n.label("baseline", "vi") == "Kịch bản cơ sở"
    assert i18n.label("baseline", "vi", ("",)) == "Điểm xuất phát"
    assert i18n.label("some free text", "vi") == "some free text"
    assert column_label("p_met", "vi") == "Xác suất đạt" and column_label("extra_column", "vi") == "extra_column"
    assert i18n.code_label("progress", "fair progress, acceleration needed", "vi") == "Có tiến bộ, cần đẩy nhanh"
    assert i18n.code_label("feasible", "historically unprecedented", "en") == "Historically unprecedented"
    with pytest.raises(InputError, match="no_such_key"):
        t("no_such_key", "vi")
    with pytest.raises(ValueError, match="'vi', 'en'"):
        t("target", "fr")
    with pytest.raises(InputError, match="year"):
        t("target_line", "vi", value="1")
    with pytest.raises(InputError, match="verdict.maybe"):
        i18n.verdict_label("maybe", "vi")


# --------------------------------------------------------------------------- loading rules


def test_glossary_is_found_through_bundled_data_dir_and_cached(own_glossary, monkeypatch):
    path = own_glossary([("target", "Chỉ tiêu (thử)", "Target (test)", "")])
    import simlib.inputs.resources as resources

    monkeypatch.setattr(resources, "bundled_data_dir", lambda: path.parent)
    assert t("target", "vi") == "Chỉ tiêu (thử)"
    path.write_text("key,vi,en,note\ntarget,Khác,Other,\n", encoding="utf-8")
    assert t("target", "vi") == "Chỉ tiêu (thử)"  # read once, cached
    i18n._read.cache_clear()
    assert t("target", "vi") == "Khác"


@pytest.mark.parametrize("rows, header, match", [
    ([("a", "x", "y", ""), ("a", "x", "y", "")], None, r"row 3, column key: 'a' appears twice"),
    ([("a", "{n} học sinh", "{count} students", "")], None, r"row 2 \('a'\): the placeholders differ"),
    ([("a", "", "y", "")], None, r"row 2, column vi: the text of 'a' is empty"),
    ([("a", "x", "y")], None, r"row 2: 3 cells, expected 4"),
    ([("a", "x", "y", "")], ("key", "vi", "en"), r"row 1: the header"),
    ([("a", "{n học sinh", "{n students", "")], None, r"row 2, column vi \('a'\): bad braces"),
    ([(" a", "x", "y", "")], None, r"row 2, column key"),
])
def test_broken_glossary_rows_are_reported_with_file_row_and_column(own_glossary, rows, header, match):
    path = own_glossary(rows, header=header or ("key", "vi", "en", "note"))
    with pytest.raises(GlossaryError, match=match) as info:
        glossary(path)
    assert "glossary.csv" in str(info.value)
    assert isinstance(info.value, InputError)


def test_non_utf8_glossary_is_refused(own_glossary):
    path = own_glossary([("a", "Café", "Café", "")], encoding="latin-1")
    with pytest.raises(GlossaryError, match="UTF-8"):
        glossary(path)


def test_decomposed_text_is_normalised_on_load(own_glossary):
    path = own_glossary([("a", unicodedata.normalize("NFD", "Tỷ lệ"), "Share", "")])
    assert glossary(path).texts["a"]["vi"] == "Tỷ lệ"


# --------------------------------------------------------------------------- numbers


def test_numbers_exact_strings():
    assert fmt_number(0.075, "vi", 2) == "0,08" and fmt_number(0.075, "en", 2) == "0.08"  # half away from zero
    assert fmt_number(2.5, "en", 0) == "3" and fmt_number(0.125, "vi", 2) == "0,13"
    assert fmt_number(13260.5, "vi", 1) == "13.260,5" and fmt_number(13260.5, "en", 1) == "13,260.5"
    assert fmt_number(1234567.891, "vi", 2) == "1.234.567,89"
    assert fmt_number("40.12", "vi", 2) == "40,12"
    assert fmt_number(-2.5, "vi", 1) == "−2,5" and fmt_number(2.5, "en", 1, sign=True) == "+2.5"
    assert fmt_number(-0.001, "en", 2) == "0.00" and fmt_number(0.001, "en", 2, sign=True) == "0.00"
    assert fmt_number(2025, "vi", 0, grouping=False) == "2025"
    assert fmt_number(float("nan"), "vi") == "–" and fmt_number(None, "en") == "–"
    assert fmt_number(float("-inf"), "vi") == "−∞"


def test_counts_years_percent_probability_money_exact_strings():
    assert fmt_int(10000, "vi") == "10.000" and fmt_int(10000, "en") == "10,000"
    assert fmt_int(2000.5, "vi") == "2.001"
    assert fmt_year(2025, "vi") == "2025" and fmt_year(2025.0, "en") == "2025"
    assert fmt_percent(40.12, "vi", 2) == "40,12%" and fmt_percent(13.19, "en", 2) == "13.19%"
    assert fmt_percent(2.0, "vi", 1, sign=True) == "+2,0%" and fmt_percent(None, "vi") == "–"
    assert fmt_prob(0.08, "vi") == "0,08" and fmt_prob(0.08, "en") == "0.08"
    assert fmt_prob(0.0001, "vi") == "< 0,01" and fmt_prob(0.9999, "en") == "> 0.99"
    assert fmt_prob(0.0, "vi") == "0,00" and fmt_prob(1.0, "en") == "1.00"
    with pytest.raises(InputError, match="outside"):
        fmt_prob(1.2, "vi")
    assert fmt_money(15_000_000, "vi") == "15.000.000 đ"
    assert fmt_money(15_000_000, "en") == "VND 15,000,000"
    assert fmt_money(1.5e9, "vi", billions=True) == "1,5 tỷ đồng"
    assert fmt_money(1.5e9, "en", billions=True) == "VND 1.5 billion"
    assert school_year(2026) == "2025-2026"


@pytest.mark.parametrize("lang", LANGS)
def test_vietnamese_and_english_disagree_only_in_marks(lang):
    other = "en" if lang == "vi" else "vi"
    a, b = fmt_number(13260.55, lang, 2), fmt_number(13260.55, other, 2)
    assert a != b and a.replace(".", "#").replace(",", ".").replace("#", ",") == b


# ---------------------------------------------------------------- the assess stage's notes (issue 25)
def test_every_note_code_has_words_in_both_languages():
    """Each code the assess stage writes (simlib.assess.notes.CODES) has a glossary row, and a note of it with
    every argument the assess stage passes renders in both languages (no placeholder left unfilled)."""
    from simlib.assess.notes import CODES, Note, encode
    from simlib.present.notes import note_text

    args = {"n": 2, "source": "vn.long_an", "sources": ["vn.long_an", "vn.tay_ninh"], "priors": ["gdtx"],
            "steered": ["thcs_to_gdnn_sc_tc"], "illustrative": 3, "origin": "thcs", "indicator": "x",
            "geography": "vn.x", "year": 2025, "as_of": 2026, "max_pct": 35.0, "students_per_teacher": 250,
            "value": 61.25, "units": 1, "spells": 4}
    for code in CODES:
        assert i18n.has_label(f"note.{code}"), code
        for lang in LANGS:
            text = note_text(encode([Note(code, args)]), lang)
            assert "{" not in text and code not in text and text, (code, lang, text)


def test_notes_in_words_hand_case():
    """Numbers in the language's format, places by name, indicators by label, several notes in one cell."""
    from simlib.present.notes import note_text

    names = {"vn.long_an": "Long An", "vn.tay_ninh": "Tây Ninh"}.get
    cell = "evidence_borrowed(n=2, source=vn.long_an); past_observed(value=61.25, year=2021, obs=o1)"
    vi = note_text(cell, "vi", geo_name=names)
    assert vi == ("Địa bàn chưa có số liệu riêng: dùng xu hướng của Long An (2 số liệu thực tế) cộng độ chênh lệch "
                  "giữa các địa bàn; Chỉ tiêu của năm đã qua: thực tế đạt 61,25 % năm 2021")
    en = note_text("derived_rests_on(n=3, sources=vn.long_an+vn.tay_ninh, priors=gdtx+not_continuing)", "en",
                   geo_name=names)
    assert en == ("Derived from the cohort flows; rests on 3 figure(s) of Long An and Tây Ninh and the prior for "
                  "GDTX (continuing-education upper secondary) and Not continuing")
    # a planner's own text or a data source is shown as written
    assert note_text("Theo Kế hoạch 123/KH-UBND", "vi") == "Theo Kế hoạch 123/KH-UBND"


@pytest.mark.parametrize("text, vi", [
    ("normal(mean=0.02, sd=0.015)", "phân phối chuẩn, trung bình 0,02, độ lệch chuẩn 0,015"),
    ("uniform(low=0.4, high=1.0)", "phân phối đều từ 0,4 đến 1"),
    ("discrete_uniform(values=[1, 2, 3])", "chọn đều một trong các giá trị 1; 2; 3"),
    ("beta(a=8.0, b=2.0) clipped to [None, 0.9]", "phân phối beta, a = 8, b = 2; không cao hơn 0,9"),
    ("fixed(100000)", "cố định ở mức 100.000"),
    ("dirichlet(gdtx 0.40, not_continuing 0.60; concentration 10)",
     "phân phối Dirichlet, tỷ lệ trung bình: GDTX (giáo dục thường xuyên cấp THPT) 0,4; Không tiếp tục học 0,6; "
     "độ tập trung 10"),
])
def test_lever_priors_in_words(text, vi):
    from simlib.present.notes import distribution_text, lever_text, parameter_text

    assert distribution_text(text, "vi") == vi
    assert lever_text("shock:free_thpt", "vi") == i18n.t("lever.free_thpt", "vi")
    assert parameter_text("cost.vnd_per_period", "en") == "cost: VND per teaching period"
    assert parameter_text("max_feasible_share[x]", "vi", indicator_name={"x": "THCS → GDNN"}.get) \
        == "Tỷ lệ tối đa có thể đạt: THCS → GDNN"
