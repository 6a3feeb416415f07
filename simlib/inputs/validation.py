"""Schemas and checks for simlib's tables and for planners' own files.

Each table kind (``observations``, ``targets``, ``geographies``, ``indicators``,
``plans``, ``context``) has a :class:`Schema`: its columns, which must be
present and filled, and its key. :func:`validate_table` applies the schema and
the domain rules and returns a typed :class:`pandas.DataFrame` or raises
:class:`~simlib.inputs.textio.ValidationError` listing *every* problem with file,
sheet, row, column letter and header, the value seen, why, and what to do.

One rule set: an observation that the forecasting models would refuse (a rate
of exactly 0 % or 100 %, which has no logit; a standard error of 0; an upper
bound alone) is refused here first, in the same words, so ``validate``,
``audit``, ``feasibility`` and ``report`` accept the same files. How strict the
check is never depends on the file's name.

One message per cause: the same fault on many rows is one problem listing the
rows; a cell that cannot be read does not also produce the problems that
would follow from it (an unknown geography is not also a duplicate).

Messages are in Vietnamese when the file's header is (or with ``lang="vi"``).

Validation is vectorised: each distinct cell text is parsed once, and the
row rules work on whole columns (100,000 rows in well under 5 s of CPU; see
``benchmarks/bench_validate.py``).

Units
-----
Rates are stored in the unit their source used, named in the ``unit`` column
(or in the value header, "Giá trị (%)"): ``percent`` (0-100) or ``share``
(0-1). Loaded frames add ``*_share`` columns (fractions 0-1) so downstream
code never has to guess. A cell formatted as a percentage in a workbook holds
a fraction and is read as such, whatever the unit column says.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from simlib.inputs.textio import (
    FormulaCell,
    NumberError,
    PercentCell,
    Problem,
    RawTable,
    ValidationError,
    fold_key,
    is_missing,
    parse_number,
    strip_accents,
)
from simlib.inputs.layout import province_in_title

__all__ = [
    "Column",
    "Schema",
    "Reference",
    "SCHEMAS",
    "RATE_UNITS",
    "COUNT_UNITS",
    "validate_table",
    "guess_kind",
    "header_words",
]

RATE_UNITS = {"percent": 100.0, "share": 1.0}
COUNT_UNITS = ("students", "places", "institutions", "schools", "classes", "learners")
UNIT_ALIASES = {
    "%": "percent", "pct": "percent", "phần trăm": "percent", "phan tram": "percent", "percentage": "percent",
    "tỷ lệ %": "percent", "tỉ lệ %": "percent",
    "fraction": "share", "proportion": "share", "tỷ lệ (0-1)": "share",
    "học sinh": "students", "hoc sinh": "students", "student": "students", "pupils": "students", "hs": "students",
    "người": "students",
    "chỗ": "places", "chỉ tiêu": "places", "place": "places", "seats": "places",
    "trường": "schools", "school": "schools", "lớp": "classes", "class": "classes",
    "cơ sở": "institutions", "institution": "institutions", "người học": "learners", "learner": "learners",
}
BASIS = ("same", "broader", "narrower", "unclear")
COMPARATORS = {">=": ">=", "≥": ">=", "=>": ">=", ">": ">", "range": "range", "approx": "approx", "~": "approx",
               "<=": "<=", "≤": "<=", "=<": "<=", "<": "<", "ít nhất": ">=", "it nhat": ">=", "trên": ">",
               "tren": ">", "khoảng": "approx", "khoang": "approx", "không quá": "<=", "khong qua": "<=",
               "dưới": "<", "duoi": "<"}
INDICATOR_KINDS = ("rate", "school_share", "count")
LEVELS = ("country", "province", "district", "commune_group", "commune", "ward", "special_zone", "school")
TRUE_WORDS = {"yes", "y", "true", "1", "có", "co", "x"}
FALSE_WORDS = {"no", "n", "false", "0", "không", "khong"}
#: Flag a planner writes to confirm percent values that are all below 1 %.
SMALL_PERCENT_FLAG = "confirmed_small"


@dataclass(frozen=True)
class Column:
    """One column of a table schema.

    ``kind`` is one of: text, id, int, year, number, count, bool, choice,
    geography, indicator, plan, unit, comparator.
    ``required``: the header must contain it. ``nonempty``: every row needs a value.
    ``aliases``: other header spellings accepted (e.g. Vietnamese).
    """

    name: str
    kind: str = "text"
    required: bool = True
    nonempty: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class Schema:
    kind: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    doc: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


_PROV = (
    Column("source", nonempty=True, doc="document or publisher the figure comes from"),
    Column("url", doc="URL or file path of the source"),
    Column("locator", doc="table, section, page or sentence within the source"),
    Column("source_date", required=False, doc="date of the source document"),
)

SCHEMAS: dict[str, Schema] = {
    "observations": Schema(
        "observations",
        (
            Column("obs_id", "id", required=False, doc="unique id (bundled data); generated from the row number if absent"),
            Column("geography", "geography", nonempty=True, aliases=("địa bàn", "dia ban", "huyện", "unit", "đơn vị hành chính", "tên đơn vị", "địa phương", "xã", "phường",
                                                          "xã/phường", "xã, phường", "quận/huyện", "huyện/thị xã/thành phố",
                                                          "huyện, thị xã, thành phố", "đơn vị hành chính cấp xã", "tên xã",
                                                          "tên huyện", "tên địa bàn", "geo_id", "place", "area"),
                   doc="geo_id or name from data/geographies.csv"),
            Column("indicator", "indicator", nonempty=True, aliases=("chỉ tiêu", "chi tieu", "mã chỉ tiêu", "tên chỉ tiêu", "chỉ số", "indicator_id"),
                   doc="indicator_id from data/indicators.csv, or its Vietnamese name"),
            Column("breakdown", required=False, aliases=("phân nhóm", "phân tổ", "nhóm", "chi tiết", "trường"), doc="sub-group (e.g. a level of training); empty for the total"),
            Column("period", required=False, doc="the period as the source states it"),
            Column("year", "year", aliases=("năm", "nam", "school_year", "năm học", "nam hoc", "năm báo cáo"),
                   doc="reference year: the calendar year in which the school year ends ('2020-2021' is read as 2021)"),
            Column("map", required=False, aliases=("bản đồ", "ban do", "theo bản đồ", "tên theo bản đồ"),
                   doc="which map the row's place name follows: 'mới' / 'new' (since 1/7/2025) or 'cũ' / 'old' "
                       "(before); default: the map of the row's year"),
            Column("year_first", "year", required=False, doc="first year covered when a figure spans several years"),
            Column("value", "number", required=False, aliases=("giá trị", "gia tri", "tỷ lệ", "tỉ lệ", "ty le", "số liệu", "kết quả"),
                   doc="the figure (point value)"),
            Column("low", "number", required=False, aliases=("cận dưới",), doc="lower end of a range or a lower bound ('over 6 %')"),
            Column("high", "number", required=False, aliases=("cận trên",), doc="upper end of a range"),
            Column("high_open", "bool", required=False, doc="yes when the upper end is open ('over 16 %')"),
            Column("numerator", "count", required=False, aliases=("tử số", "tu so"), doc="count of students in the numerator (e.g. entrants to trung cấp)"),
            Column("denominator", "count", required=False, aliases=("mẫu số", "mau so"), doc="count of students in the denominator (e.g. THCS graduates)"),
            Column("se", "number", required=False, aliases=("sai số chuẩn", "standard error"), doc="standard error of the value, same unit"),
            Column("unit", "unit", nonempty=True, aliases=("đơn vị", "don vi", "đơn vị tính", "đvt", "don vi tinh"),
                   doc="percent, share, or a count unit (may instead be written in the value header: 'Giá trị (%)')"),
            Column("basis", "choice", required=False, choices=BASIS,
                   doc="how the figure's definition relates to the indicator's: same, broader, narrower, unclear"),
            Column("flags", required=False, doc="semicolon-separated caveats"),
            Column("derivation", required=False, doc="how a derived figure was computed"),
            Column("source", nonempty=True, aliases=("nguồn", "nguon", "nguồn số liệu", "nguồn dữ liệu"), doc="document or publisher the figure comes from"),
            Column("url", required=False),
            Column("locator", required=False),
            Column("source_date", required=False),
            Column("notes", required=False, aliases=("ghi chú", "ghi chu")),
        ),
        key=("geography", "indicator", "breakdown", "year", "year_first"),
        doc="Historical figures (bundled) or a planner's own data (template).",
    ),
    "targets": Schema(
        "targets",
        (
            Column("target_id", "id", nonempty=True),
            Column("plan_id", "plan", nonempty=True),
            Column("geography", "geography", nonempty=True),
            Column("indicator", "indicator", nonempty=True),
            Column("year", "year", nonempty=True),
            Column("comparator", "comparator", nonempty=True),
            Column("value", "number", required=True),
            Column("low", "number", required=True),
            Column("high", "number", required=True),
            Column("unit", "unit", nonempty=True),
            Column("as_written", nonempty=True, doc="the number exactly as the plan writes it"),
            Column("variant", required=False, doc="body / appendix / national / disadvantaged_areas"),
            Column("source_status", "choice", nonempty=True, choices=("primary", "secondary")),
            Column("locator", nonempty=True),
            Column("url", nonempty=True),
            Column("notes", required=False),
        ),
        key=("plan_id", "geography", "indicator", "year", "variant"),
        doc="Quantitative targets from the plans.",
    ),
    "case_targets": Schema(
        "case_targets",
        (
            Column("target_id", "id", required=False, doc="unique id; generated from the row if absent"),
            Column("geography", "geography", nonempty=True, aliases=("địa bàn", "dia ban", "xã", "phường", "unit"),
                   doc="the commune, ward or province the target is for"),
            Column("indicator", "indicator", nonempty=True, aliases=("chỉ số", "chi so", "chỉ tiêu", "chi tieu"),
                   doc="indicator_id from data/indicators.csv"),
            Column("year", "year", nonempty=True, aliases=("năm", "nam")),
            Column("comparator", "comparator", required=False, aliases=("so sánh", "so sanh"),
                   doc=">= (default), >, <=, <, range or approx"),
            Column("value", "number", required=False, aliases=("giá trị", "gia tri", "mục tiêu", "muc tieu")),
            Column("low", "number", required=False),
            Column("high", "number", required=False),
            Column("unit", "unit", nonempty=True, aliases=("đơn vị", "don vi")),
            Column("as_written", required=False, doc="the number exactly as the plan writes it (default: value)"),
            Column("source", nonempty=True, aliases=("nguồn", "nguon", "văn bản", "van ban"),
                   doc="the plan or decision that sets the target"),
            Column("locator", required=False),
            Column("url", required=False),
            Column("notes", required=False, aliases=("ghi chú", "ghi chu")),
        ),
        key=("geography", "indicator", "year"),
        doc="A case's own targets (planner template).",
    ),
    "units": Schema(
        "units",
        (
            Column("geo_id", "id", nonempty=True),
            Column("name_vi", nonempty=True),
            Column("name_en", required=False),
            Column("level", "choice", nonempty=True, choices=LEVELS),
            Column("parent", nonempty=True),
            Column("aliases", required=False),
            Column("notes", required=False),
            Column("code", required=False, doc="official code (General Statistics Office)"),
        ),
        key=("geo_id",),
        doc="A case's units (communes and wards from the official map; written by init-case).",
    ),
    "geographies": Schema(
        "geographies",
        (
            Column("geo_id", "id", nonempty=True),
            Column("name_vi", nonempty=True),
            Column("name_en", nonempty=True),
            Column("level", "choice", nonempty=True, choices=LEVELS),
            Column("parent", required=True),
            Column("aliases", required=False),
            Column("notes", required=False),
            Column("code", required=False, doc="official code (General Statistics Office)"),
            Column("successor", required=False, doc="geo_id of the province the unit belongs to since 1/7/2025"),
            Column("valid_to", required=False, doc="last day the unit existed (abolished or merged units)"),
        ),
        key=("geo_id",),
    ),
    "indicators": Schema(
        "indicators",
        (
            Column("indicator_id", "id", nonempty=True),
            Column("kind", "choice", nonempty=True, choices=INDICATOR_KINDS),
            Column("unit", "unit", nonempty=True),
            Column("name_en", nonempty=True),
            Column("name_vi", nonempty=True),
            Column("population", required=False),
            Column("destinations", required=False),
            Column("weight_indicator", required=False),
            Column("origin", "choice", required=False, choices=("thcs", "thpt", "thcs+thpt")),
            Column("role", "choice", required=False, choices=("steered", "derived")),
            Column("headline", "bool", required=False),
            Column("short_vi", required=False),
            Column("short_en", required=False),
            Column("schools_indicator", required=False),
            Column("notes", required=False),
        ),
        key=("indicator_id",),
    ),
    "plans": Schema(
        "plans",
        (
            Column("plan_id", "id", nonempty=True),
            Column("title", nonempty=True),
            Column("short", required=False, doc="a short name for charts, e.g. QĐ 522"),
            Column("issuer", nonempty=True),
            Column("geography", "geography", nonempty=True),
            Column("date", required=True),
            Column("status", "choice", nonempty=True, choices=("draft", "issued")),
            Column("document", nonempty=True),
            Column("source_status", "choice", nonempty=True, choices=("primary", "secondary")),
            Column("notes", required=False),
        ),
        key=("plan_id",),
    ),
    "context": Schema(
        "context",
        (
            Column("context_id", "id", nonempty=True),
            Column("geography", "geography", nonempty=True),
            Column("item", nonempty=True),
            Column("value", "number", required=True),
            Column("text", required=True),
            Column("unit", nonempty=True),
            Column("date", nonempty=True),
            Column("source", nonempty=True),
            Column("url", nonempty=True),
            Column("locator", nonempty=True),
            Column("notes", required=False),
        ),
        key=("context_id",),
    ),
}



def header_words(kind: str = "observations") -> set[str]:
    """Folded header names and aliases of a table kind (the reader uses them to find the header row)."""
    out = set()
    for c in SCHEMAS[kind].columns:
        out.add(fold_key(c.name))
        out.add(fold_key(c.name.replace("_", " ")))
        out.update(fold_key(a) for a in c.aliases)
    return out


# ----------------------------------------------------------------------------
# Messages (English / Vietnamese)
# ----------------------------------------------------------------------------

_MSG: dict[str, tuple[str, str]] = {
    "missing_col": ("required column '{col}' is missing{doc}; add a column with this header",
                    "thiếu cột bắt buộc '{col}'{doc}; hãy thêm một cột có tiêu đề này"),
    "empty": ("'{col}' is empty; every row needs a value here{doc}",
              "ô '{col}' để trống; mỗi dòng đều cần giá trị ở cột này{doc}"),
    "not_number": ("not a usable number: {why}", "không đọc được số: {why}"),
    "formula": ("not a usable number: {why}",
                "ô chứa công thức {formula} nhưng chưa có kết quả được lưu; mở tệp bằng Excel hoặc LibreOffice để tính, "
                "lưu lại rồi thử lại (hoặc gõ số trực tiếp)"),
    "count_neg": ("a count cannot be below zero (found {v})", "số lượng không thể âm (thấy {v})"),
    "count_whole": ("a count must be a whole number (found {v})", "số lượng phải là số nguyên (thấy {v})"),
    "count_pct": ("a count cannot be a percentage cell (found {v}); type the number of students or places",
                  "số lượng không thể là ô định dạng phần trăm (thấy {v}); hãy gõ số học sinh hoặc số chỗ"),
    "not_school_year": ("'{v}' is not a school year (expected e.g. 2020-2021)",
                        "'{v}' không phải năm học (ví dụ đúng: 2020-2021)"),
    "not_year": ("'{v}' is not a year (write e.g. 2021 or 2020-2021)", "'{v}' không phải năm (ví dụ: 2021 hoặc 2020-2021)"),
    "year_range": ("year {v} is outside 1990-2100", "năm {v} nằm ngoài khoảng 1990-2100"),
    "not_bool": ("'{v}' is not yes/no", "'{v}' không phải có/không"),
    "choice": ("'{v}' is not allowed; use one of: {choices}", "'{v}' không hợp lệ; dùng một trong: {choices}"),
    "comparator": ("'{v}' is not a comparator; use >= (at least), > (more than), <= (at most), < (less than), "
                   "range (a band low-high) or approx (about)",
                   "'{v}' không phải phép so sánh; dùng >= (ít nhất), > (trên), <= (không quá), < (dưới), "
                   "range (khoảng từ ... đến ...) hoặc approx (khoảng)"),
    "unit": ("unknown unit '{v}'; use percent (0-100), share (0-1) or one of: {counts}",
             "đơn vị '{v}' không rõ; dùng percent hoặc % (0-100), share (0-1) hoặc một trong: {counts}"),
    "unknown_plan": ("unknown plan '{v}'; known plans are in data/plans.csv: {plans}",
                     "kế hoạch '{v}' không có; các kế hoạch đã biết (data/plans.csv): {plans}"),
    "rate_is_count": ("indicator '{ind}' is a rate, so the unit must be percent or share (found '{unit}')",
                      "chỉ số '{ind}' là tỷ lệ nên đơn vị phải là percent hoặc share (thấy '{unit}')"),
    "count_is_rate": ("indicator '{ind}' is a count, so the unit must be a count unit such as students (found '{unit}')",
                      "chỉ số '{ind}' là số lượng nên đơn vị phải là đơn vị đếm như students (thấy '{unit}')"),
    "pct_share": ("the value has a % sign but the unit column says share (0-1); write the share (0.1319) or set "
                  "the unit to percent", "giá trị có dấu % nhưng cột đơn vị ghi share (0-1); ghi dạng 0,1319 hoặc đổi "
                  "đơn vị thành percent"),
    "header_unit": ("the header says the unit is {hu} but the unit column says {unit}",
                    "tiêu đề cột ghi đơn vị {hu} nhưng cột đơn vị ghi {unit}"),
    "rate_range": ("a rate must lie between 0 and {top} {what}; found {v}{hint}",
                   "tỷ lệ phải nằm trong khoảng 0 đến {top} {what}; thấy {v}{hint}"),
    "looks_pct": ("; it looks like a percent: set unit to 'percent' or divide by 100",
                  "; có vẻ là phần trăm: đổi đơn vị thành 'percent' hoặc chia cho 100"),
    "all_small": ("every {ind} value here lies between 0 and 1 ({vals}) but the unit is percent, so 0.15 would mean "
                  "0.15 %: if these are shares write unit 'share' (or format the cells as percentages); if they truly "
                  "are below 1 %, write '" + SMALL_PERCENT_FLAG + "' in the flags column",
                  "mọi giá trị {ind} ở đây đều nằm giữa 0 và 1 ({vals}) nhưng đơn vị là phần trăm, tức 0,15 nghĩa là "
                  "0,15 %: nếu đây là tỷ lệ dạng 0-1 hãy ghi đơn vị 'share' (hoặc định dạng ô là %); nếu thật sự dưới "
                  "1 %, ghi '" + SMALL_PERCENT_FLAG + "' vào cột flags"),
    "logit_edge": ("a rate of exactly {v} cannot be used as evidence: a reported 0 % or 100 % cannot go on the logit "
                   "scale, where simlib's forecasts are made -- replace it by, e.g., 0.5 / cohort size{example}",
                   "tỷ lệ đúng bằng {v} không dùng được làm bằng chứng: 0 % hoặc 100 % không đưa được lên thang logit, "
                   "nơi simlib dự báo -- hãy thay bằng, ví dụ, 0,5 / số học sinh của khóa{example}"),
    "range_low_zero": ("a range starting at 0 % is an upper bound alone ('under X %'), which says too little to use; "
                       "give a low end above 0 or a value",
                       "khoảng bắt đầu từ 0 % chỉ là cận trên ('dưới X %'), không đủ để dùng; hãy ghi cận dưới lớn hơn 0 "
                       "hoặc một giá trị"),
    "range_high_top": ("a range ending at 100 % cannot go on the logit scale; for 'over X %' leave 'high' empty",
                       "khoảng kết thúc ở 100 % không đưa được lên thang logit; với 'trên X %' hãy để trống cột 'high'"),
    "num_gt_den": ("the numerator ({num}) is larger than the denominator ({den}); a share of a group cannot exceed the "
                   "whole group", "tử số ({num}) lớn hơn mẫu số ({den}); một phần của nhóm không thể lớn hơn cả nhóm"),
    "den_zero": ("the denominator is zero", "mẫu số bằng 0"),
    "value_mismatch": ("the value {v} does not match numerator/denominator = {implied}",
                       "giá trị {v} không khớp tử số/mẫu số = {implied}"),
    "one_of_pair": ("'{which}' is empty but '{other}' is given; give both or neither",
                    "'{which}' để trống nhưng '{other}' có giá trị; ghi cả hai hoặc bỏ cả hai"),
    "no_figure": ("no figure: give a value, a low/high range, or numerator and denominator",
                  "không có số liệu: hãy ghi giá trị, khoảng cận dưới/cận trên, hoặc tử số và mẫu số"),
    "range_needs_low": ("an upper bound alone ('under X %') says too little to use; give a low end above 0 or a value",
                        "chỉ có cận trên ('dưới X %') thì không đủ để dùng; hãy ghi cận dưới lớn hơn 0 hoặc một giá trị"),
    "low_above_high": ("the low end ({lo}) is above the high end ({hi})", "cận dưới ({lo}) lớn hơn cận trên ({hi})"),
    "outside_range": ("the value {v} lies outside its own range {lo}-{hi}", "giá trị {v} nằm ngoài khoảng {lo}-{hi} của chính nó"),
    "se_neg": ("a standard error cannot be negative (found {v})", "sai số chuẩn không thể âm (thấy {v})"),
    "se_zero": ("a standard error of 0 says the figure is exact, which no survey or count is; give the real standard "
                "error or leave the cell empty", "sai số chuẩn bằng 0 nghĩa là số liệu chính xác tuyệt đối, điều không có "
                "thật; hãy ghi sai số thật hoặc để trống"),
    "year_first": ("year_first ({yf}) is after year ({y})", "year_first ({yf}) sau year ({y})"),
    "duplicate": ("duplicate of row {first}: the same {keys} ({shown}) appears twice",
                  "trùng với dòng {first}: cùng {keys} ({shown}) xuất hiện hai lần"),
    "dup_cols": ("two columns mean '{col}': {a} and {b}, and they differ (row {row}: {va} vs {vb}); keep one of them",
                 "hai cột cùng nghĩa '{col}': {a} và {b}, nhưng khác nhau (dòng {row}: {va} và {vb}); hãy giữ một cột"),
    "unknown_ind": ("unknown indicator '{v}'{sugg}; valid indicators: {known}",
                    "chỉ số '{v}' không có{sugg}; các chỉ số hợp lệ: {known}"),
    "did_you_mean": ("; did you mean {s}?", "; có phải là {s}?"),
    "diacritics": ("; did you mean {s}? (letters with diacritics must match)", "; có phải là {s}? (dấu tiếng Việt phải khớp)"),
}


def _m(lang: str, key: str, **kw) -> str:
    en, vi = _MSG[key]
    return (vi if lang == "vi" else en).format(**kw)


def _g(x: float) -> str:
    return f"{x:g}"


# ----------------------------------------------------------------------------
# Reference
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """Known geographies, indicators and plans, used to check other tables.

    Build with :func:`simlib.inputs.bundle.load_reference` (optionally for a
    province: ``load_reference(province="vn.tay_ninh")`` adds that province's
    communes and wards, and bare names are looked up there first).

    Geography names resolve, in this order: a bundled geo_id; the official map
    (:mod:`simlib.inputs.places`: the 34 provinces and 3,321 communes and
    wards since 1/7/2025, and the pre-2025 provinces, districts and communes
    with their successors), within the province context; the bundled names
    and aliases. A name found in several provinces is refused with every
    candidate named, unless the province context settles it.
    """

    geographies: pd.DataFrame
    indicators: pd.DataFrame
    plans: pd.DataFrame | None = None
    province: str | None = None
    _geo_lookup: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _ind_lookup: dict[str, str] = field(default_factory=dict, repr=False)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, geographies: pd.DataFrame, indicators: pd.DataFrame, plans: pd.DataFrame | None = None,
              province: str | None = None) -> "Reference":
        """Index the tables; ``province`` (name or geo_id) adds its current units and sets the name context."""
        if province is not None:
            from simlib.inputs import places

            new, old = places._context(province)  # a former province ("Long An", for data before 1/7/2025) too
            p = places.province(new)
            province = old or p.geo_id
            u = places.units(new)
            extra = pd.DataFrame({"geo_id": u["geo_id"], "name_vi": u["name_vi"], "name_en": u["name_vi"],
                                  "level": u["kind"], "parent": u["parent"], "aliases": None, "notes": None,
                                  "code": u["code"]})
            extra = extra[~extra["geo_id"].isin(set(geographies["geo_id"]))]
            if p.geo_id not in set(geographies["geo_id"]):
                extra = pd.concat([pd.DataFrame([{"geo_id": p.geo_id, "name_vi": p.name_vi, "name_en": p.name_vi,
                                                  "level": "province", "parent": "vn", "code": p.code}]), extra])
            geographies = pd.concat([geographies, extra], ignore_index=True)
        lookup: dict[str, set[str]] = {}
        cols = geographies.columns
        for gid, nvi, nen, al in zip(geographies["geo_id"], geographies["name_vi"], geographies["name_en"],
                                     geographies["aliases"] if "aliases" in cols else [None] * len(geographies)):
            names = [gid, nvi, nen]
            if isinstance(al, str):
                names += [a for a in al.split(";") if a.strip()]
            for n in names:
                if isinstance(n, str):
                    lookup.setdefault(fold_key(n), set()).add(gid)
        ind: dict[str, str] = {}
        for iid, nvi, nen in zip(indicators["indicator_id"], indicators["name_vi"], indicators["name_en"]):
            for n in (iid, nvi, nen):
                if isinstance(n, str):
                    ind.setdefault(fold_key(n), iid)
        return cls(geographies, indicators, plans, province, lookup, ind, {})

    # -- geographies -----------------------------------------------------------------------------------------------

    def resolve_geography(self, name: str, *, year: int | None = None, province: str | None = None,
                          lang: str = "en") -> tuple[str | None, str | None]:
        """Return (geo_id, None) or (None, reason) for a geography as written (see :meth:`locate`)."""
        gid, why, _ = self.locate(name, year=year, province=province, lang=lang)
        return gid, why

    def locate(self, name: str, *, year: int | None = None, province: str | None = None,
               lang: str = "en"):
        """(geo_id or None, reason or None, place or None) for a geography as written.

        ``place`` is a :class:`simlib.inputs.places.Place` when the unit comes
        from the official map (its ``note`` says what a historical unit became).
        """
        ctx = province or self.province
        era = None if year is None else (year <= 2025)
        key = (fold_key(name), era, ctx, lang)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        out = self._locate(name, year, ctx, lang)
        self._cache[key] = out
        return out

    def _bundled(self, gid: str) -> pd.Series:
        return self.geographies.loc[self.geographies["geo_id"] == gid].iloc[0]

    def _bundled_province(self, gid: str) -> str | None:
        parents = self._cache.setdefault("_parents", dict(zip(self.geographies["geo_id"], self.geographies["parent"])))
        g = gid
        while isinstance(g, str) and g.count(".") > 1:
            g = parents.get(g)
        return g if isinstance(g, str) and g.count(".") == 1 else None

    def _locate(self, name: str, year, ctx, lang):
        from simlib.inputs import places

        k = fold_key(name)
        bundled = self._geo_lookup.get(k, set())
        if k in {fold_key(g) for g in bundled} and len(bundled) == 1 and name.strip().startswith("vn"):
            return next(iter(bundled)), None, None
        if len(bundled) == 1:
            gid = next(iter(bundled))
            if str(self._bundled(gid).get("level")) in ("country", "commune_group", "school"):
                return gid, None, None
        try:
            place = places.resolve(name, province=ctx, when=year)
        except places.PlaceError as exc:
            msg = str(exc)
            if "is ambiguous" in msg:  # the official map knows several units of this name: the bundle cannot choose
                return None, _geo_ambiguous(name, msg, lang), None
            if len(bundled) == 1:
                return next(iter(bundled)), None, None
            if len(bundled) > 1:
                return None, (f"'{name}' is ambiguous: it could be {', '.join(sorted(bundled))}; write the geo_id"), None
            if "is ambiguous" in msg:
                return None, _geo_ambiguous(name, msg, lang), None
            if msg.startswith("unknown province"):
                if lang == "vi":
                    msg = msg.replace("unknown province", "không có tỉnh").replace("the 34 provinces (closest first)",
                                                                                    "34 tỉnh, thành (gần nhất trước)")
                return None, msg, None
            return None, self._unknown_geo(name, msg, lang), None
        gid = place.geo_id
        if gid in set(self.geographies["geo_id"]):
            return gid, None, place if not place.current else None
        return gid, None, place

    def _unknown_geo(self, name: str, places_msg: str, lang: str) -> str:
        sugg = _suggest(name, self._geo_lookup.keys(), self._display_name, lang, cache=self._cache)
        tail = places_msg.split("did you mean", 1)
        if not sugg and len(tail) == 2:
            sugg = ("; có phải là" if lang == "vi" else "; did you mean") + tail[1]
        where = ""
        head = places_msg.split(";")[0]
        m = re.search(r"' (in .*)$", head)  # "unknown unit 'X' in Tỉnh Y": the name itself may hold "in "
        if m:
            where = " " + m.group(1)
        elsewhere = ""
        if "exists elsewhere" in places_msg:
            elsewhere = "; " + places_msg.split("; ", 1)[1].split("; did you mean")[0]
        if lang == "vi":
            where, elsewhere, sugg = (_vi_places(x) for x in (where, elsewhere, sugg))
        if lang == "vi":
            return (f"địa bàn '{name}' không có{where}{elsewhere}{sugg}"
                    + ("" if sugg else " (các địa bàn hợp lệ: data/geographies.csv và các xã, phường của bản đồ hành "
                       "chính từ 1/7/2025; ghi tên kèm tỉnh, ví dụ 'Xã Đức Hòa, Tỉnh Tây Ninh', hoặc cho biết tỉnh "
                       "của tệp bằng --province)"))
        return (f"unknown geography '{name}'{where}{elsewhere}{sugg}"
                + ("" if sugg else " (known: data/geographies.csv and the communes and wards of the map since "
                   "1/7/2025; write the name with its province, e.g. 'Xã Đức Hòa, Tỉnh Tây Ninh', or give the "
                   "file's province with --province)"))

    def _display_name(self, key: str) -> str:
        ids = self._geo_lookup[key]
        gid = sorted(ids)[0]
        row = self._bundled(gid)
        return f"{row['name_vi']} ({gid})"

    # -- indicators ------------------------------------------------------------------------------------------------

    def indicator(self, name: str, lang: str = "en") -> tuple[pd.Series | None, str | None]:
        """(indicator row, None) or (None, reason): by id, Vietnamese name or English name."""
        iid = self._ind_lookup.get(fold_key(name))
        if iid is not None:
            return self.indicators.loc[self.indicators["indicator_id"] == iid].iloc[0], None
        return None, self.unknown_indicator(name, lang)

    def indicator_id(self, name: str) -> str | None:
        return self._ind_lookup.get(fold_key(name))

    def unknown_indicator(self, name: str, lang: str = "en") -> str:
        ids = list(self.indicators["indicator_id"])
        sugg = _suggest(name, [fold_key(k) for k in ids], lambda k: k, lang, cutoff=0.88)
        if not sugg:
            names = {fold_key(n): i for n, i in zip(self.indicators["name_vi"], ids)}
            close = difflib.get_close_matches(fold_key(name), list(names), n=1, cutoff=0.85)
            if close:
                sugg = _m(lang, "did_you_mean", s=names[close[0]])
        known = "; ".join(f"{i} ({n})" for i, n in zip(ids, self.indicators["name_vi"]))
        return _m(lang, "unknown_ind", v=name, sugg=sugg, known=known)


_PLACES_VI = ((" in ", " ở "), ("(former ", "(trước đây "), ("a unit of that name exists elsewhere: ",
              "có đơn vị cùng tên ở nơi khác: "), (", since 1/7/2025)", ", từ 1/7/2025)"),
              (", until 30/6/2025)", ", đến 30/6/2025)"), ("; did you mean", "; có phải là"), (" or ", " hoặc "))


def _vi_places(text: str) -> str:
    """The map's English connecting words in a Vietnamese message (names and ids stay as they are)."""
    for en, vi in _PLACES_VI:
        text = text.replace(en, vi)
    return text


def _geo_ambiguous(name: str, msg: str, lang: str) -> str:
    if lang == "vi":
        body = msg.split("it could be ", 1)[-1].split("; write the kind")[0]
        return (f"'{name}' chưa rõ là đơn vị nào: có thể là {body}; hãy ghi rõ loại và tỉnh, ví dụ 'Xã …, Tỉnh …' "
                "(xã/phường từ 1/7/2025) hoặc 'Huyện …, Tỉnh …' (huyện cũ), hoặc cho biết tỉnh của tệp (--province)")
    return msg


def _suggest(name: str, keys, display: Callable[[str], str], lang: str = "en", cutoff: float = 0.8,
             cache: dict | None = None) -> str:
    """A did-you-mean, only when close, each suggestion once (``cache``: keeps the name index between calls)."""
    from simlib.inputs.fuzzy import NameIndex

    hit = cache.get("_suggest") if cache is not None else None
    if hit is None:
        plain: dict[str, str] = {}
        for k in keys:
            plain.setdefault(strip_accents(k), k)
        hit = (plain, NameIndex(plain))
        if cache is not None:
            cache["_suggest"] = hit
    plain, index = hit
    target = strip_accents(name)
    if target in plain:
        return _m(lang, "diacritics", s=display(plain[target]))
    close = index.close(target, n=3, cutoff=cutoff)
    shown: list[str] = []
    for c in close:
        d = display(plain[c])
        if d not in shown:
            shown.append(d)
    if shown:
        return _m(lang, "did_you_mean", s=(" hoặc " if lang == "vi" else " or ").join(shown))
    return ""


def guess_kind(file_name: str) -> str:
    """Table kind from a file name: 'targets.csv' -> 'targets'; anything else -> 'observations'."""
    stem = re.sub(r"\.(csv|tsv|txt|xlsx|xlsm|xls|ods)$", "", file_name.rsplit("/", 1)[-1].casefold())
    for kind in SCHEMAS:
        if stem == kind or stem.startswith(kind + "_") or stem.endswith("_" + kind):
            return kind
    return "observations"


# ----------------------------------------------------------------------------
# The validator
# ----------------------------------------------------------------------------


class _Ctx:
    """Problems of one table, grouped by cause: one Problem per (column, message) listing its rows."""

    def __init__(self, raw: RawTable, names: dict[str, str], lang: str):
        self.raw = raw
        self.file = raw.file
        self.rows = list(raw.rows)
        self.names = names
        self.lang = lang
        self.groups: dict[tuple[str | None, str], list[int]] = {}
        self.whole: list[Problem] = []
        self.failed: dict[str, np.ndarray] = {}  # column -> bool mask of cells that could not be read
        self.notes: list[str] = list(raw.notes)

    def add(self, i, column: str | None, message: str) -> None:
        idx = [int(i)] if np.isscalar(i) else [int(x) for x in i]
        if not idx:
            return
        if isinstance(message, tuple):
            message = _err_text(message, self.lang)
        self.groups.setdefault((column, message), []).extend(idx)

    def add_file(self, column: str | None, message: str, row: int | None = None, letter: str | None = None) -> None:
        self.whole.append(Problem(self.file, row, column, message, self.raw.sheet, letter, (), self.lang))

    def fail(self, column: str, mask: np.ndarray) -> None:
        cur = self.failed.get(column)
        self.failed[column] = mask if cur is None else (cur | mask)

    def failed_mask(self, *columns: str) -> np.ndarray:
        out = np.zeros(len(self.rows), dtype=bool)
        for c in columns:
            if c in self.failed:
                out |= self.failed[c]
        return out

    def problems(self) -> list[Problem]:
        out = list(self.whole)
        for (col, msg), idx in self.groups.items():
            rows = tuple(sorted({self.rows[i] for i in idx}))
            header = self.names.get(col, col) if col is not None else None
            letter = self.raw.letters.get(header) if header is not None else None
            out.append(Problem(self.file, rows[0], header, msg, self.raw.sheet, letter,
                               rows if len(rows) > 1 else (), self.lang))
        out.sort(key=lambda p: (p.row or 0, p.letter or "", p.column or ""))
        return out


def validate_table(raw: RawTable, kind: str, ref: Reference | None = None, *, strict: bool = False,
                   lang: str | None = None, province: str | None = None) -> pd.DataFrame:
    """Check a raw table against its schema and the domain rules.

    Parameters
    ----------
    raw : RawTable
        From :func:`simlib.inputs.textio.read_table`.
    kind : str
        One of ``SCHEMAS``.
    ref : Reference, optional
        Known geographies/indicators/plans. Without it (``None``) geographies,
        indicators and plans are free labels: no reference checks.
    strict : bool
        Bundled-data mode: observations must carry ``obs_id``, ``basis``,
        ``url`` and ``locator`` (full provenance). Used by the bundle loader
        only; never chosen from a file's name.
    lang : {"en", "vi"}, optional
        Language of the messages (default: Vietnamese when the file's header is).
    province : str, optional
        The file's province (name or geo_id): bare unit names are looked up
        there (default: the reference's province, else the province named in
        the title block, else the one province the file's other rows share).

    Returns
    -------
    pandas.DataFrame
        Typed table (numbers as float, years as int, geographies as geo_id),
        with a ``row`` column giving each record's spreadsheet row. For
        observations also ``value_share``, ``low_share``, ``high_share``,
        ``se_share`` (fractions 0-1, rates only). ``frame.attrs["notes"]``
        says what the reader and the validator did (sheet, header row, rows
        left out, old place names mapped); ``frame.attrs["geographies"]``
        lists units from the official map that are not in the reference (a
        tuple of dicts with the geographies columns; ``pd.DataFrame(list(...))``
        makes them a table). Only plain values are kept in ``attrs``, so
        ``pd.concat`` of validated frames works.

    Raises
    ------
    ValidationError
        Listing every problem found, one per cause.
    """
    if kind not in SCHEMAS:
        raise ValueError(f"unknown table kind {kind!r}; choose from {sorted(SCHEMAS)}")
    lang = lang or raw.lang or "en"
    schema = SCHEMAS[kind]
    header_map, alias_groups = _match_header(raw.frame, schema)
    guessed = header_map.pop("\x00guessed", None)
    names = {v: k for k, v in header_map.items()}
    ctx = _Ctx(raw, names, lang)
    if guessed is not None:
        letter = raw.letters.get(guessed, "?")
        ctx.notes.append(f"cột {letter} '{guessed}' được lấy làm cột giá trị (value)" if lang == "vi" else
                         f"column {letter} '{guessed}' was taken as the value column")
    for p in raw.problems:
        ctx.whole.append(Problem(p.file, p.row, p.column, p.message, p.sheet, p.letter, p.rows, lang))
    present = set(header_map.values())
    header_unit = _header_unit(raw, header_map)
    # An office export without a unit column: each row's unit is its indicator's (data/indicators.csv), which a
    # percent-formatted cell confirms; said in a note.
    infer_unit = (kind == "observations" and not strict and ref is not None and "unit" not in present
                  and header_unit is None and "indicator" in present)
    for col in schema.columns:
        required = col.required or (strict and kind == "observations" and col.name in {"obs_id", "basis", "url", "locator"})
        if col.name == "unit" and (header_unit is not None or infer_unit):
            required = False
        if required and col.name not in present:
            ctx.add_file(col.name, _m(lang, "missing_col", col=col.name, doc=f" ({col.doc})" if col.doc else ""),
                         row=raw.header_row)
    if ctx.whole and any("missing" in p.message or "thiếu cột" in p.message for p in ctx.whole):
        raise ValidationError(ctx.problems(), ctx.notes)

    if kind == "observations" and not strict:
        raw = _drop_unfilled_rows(raw, header_map, ctx)
        ctx.raw, ctx.rows = raw, list(raw.rows)
    n = len(raw.frame)
    cols: dict[str, pd.Series] = {}
    for col in schema.columns:
        if col.name in present:
            cols[col.name] = raw.frame[names[col.name]].reset_index(drop=True)
        else:
            cols[col.name] = pd.Series([None] * n, dtype=object)
    for target, others in alias_groups.items():
        _compare_alias_columns(raw, target, names[target], others, schema.column(target), ctx)
    if header_unit is not None and "unit" not in present:
        cols["unit"] = pd.Series([header_unit] * n, dtype=object)

    typed: dict[str, object] = {}
    for col in schema.columns:
        if col.kind in ("geography", "indicator", "plan") or (infer_unit and col.name == "unit"):
            continue
        typed[col.name] = _parse_column(cols[col.name], col, ctx, kind, strict)
    if header_unit is not None and "unit" in present:
        u = typed["unit"]
        bad = np.array([x is not None and x != header_unit for x in u], dtype=bool)
        if bad.any():
            for val in pd.unique(pd.Series(u, dtype=object)[bad]):
                rows = np.flatnonzero(bad & (pd.Series(u, dtype=object) == val).to_numpy())
                ctx.add(rows, "unit", _m(lang, "header_unit", hu=header_unit, unit=val))
    years = typed.get("year")
    for col in schema.columns:
        if col.kind == "indicator":
            typed[col.name] = _parse_indicators(cols[col.name], col, ctx, ref)
        elif col.kind == "plan":
            typed[col.name] = _parse_plans(cols[col.name], col, ctx, ref)
    if infer_unit:
        typed["unit"] = _registry_units(typed["indicator"], cols, ref, ctx)
    if "map" in typed:
        years = _map_years(typed["map"], years, ctx)
    for col in schema.columns:
        if col.kind == "geography":
            typed[col.name] = _parse_geographies(cols[col.name], col, ctx, ref, years, province)

    df = pd.DataFrame({c.name: _obj(typed[c.name], n) for c in schema.columns})
    df.insert(0, "row", list(raw.rows))
    rule = _ROW_RULES.get(kind)
    if rule is not None:
        df = rule(df, ctx, ref, strict, raw_cols=cols)
    _check_duplicates(df, schema, ctx, kind, strict)
    problems = ctx.problems()
    if problems:
        raise ValidationError(problems, ctx.notes)
    if "map" in df.columns:
        df = df.drop(columns="map")
    df.attrs["notes"] = tuple(ctx.notes)
    df.attrs["geographies"] = ctx.__dict__.get("new_geographies", ())
    df.attrs["sheet"] = raw.sheet
    df.attrs["lang"] = lang
    return df


_FIGURE_COLUMNS = ("value", "low", "high", "numerator", "denominator", "se", "source")


def _drop_unfilled_rows(raw: RawTable, header_map: dict[str, str], ctx: "_Ctx") -> RawTable:
    """Leave out template rows nobody filled: no figure and no source (the name, indicator and year were printed).

    The case README says such rows are not read; one note counts them.
    """
    import dataclasses

    cols = [c for c, name in header_map.items() if name in _FIGURE_COLUMNS and c in raw.frame.columns]
    if not cols or "source" not in header_map.values() or not len(raw.frame):
        return raw
    empty = np.ones(len(raw.frame), dtype=bool)
    for c in cols:
        empty &= _missing_mask(raw.frame[c].reset_index(drop=True))
    if not empty.any():
        return raw
    keep = ~empty
    ctx.notes.append(f"{int(empty.sum())} dòng chưa điền (không có số liệu, không có nguồn) được bỏ qua"
                     if ctx.lang == "vi" else
                     f"{int(empty.sum())} rows not filled in (no figure, no source) were left out")
    return dataclasses.replace(raw, frame=raw.frame[keep].reset_index(drop=True),
                               rows=tuple(r for r, k in zip(raw.rows, keep) if k))


def _registry_units(indicators: list, cols: dict, ref: Reference, ctx: "_Ctx") -> list:
    """Each row's unit from its indicator's registry unit (no unit column in the file), with one note."""
    units = dict(zip(ref.indicators["indicator_id"], ref.indicators["unit"]))
    out = [units.get(i) if i is not None else None for i in indicators]
    vals = cols["value"].to_numpy(dtype=object) if "value" in cols else [None] * len(out)
    n_pct = sum(1 for v in vals if isinstance(v, PercentCell))
    shown = ", ".join(f"{i} -> {units[i]}" for i in dict.fromkeys(x for x in indicators if x is not None))
    if ctx.lang == "vi":
        ctx.notes.append(f"tệp không có cột đơn vị: đơn vị của mỗi dòng lấy theo chỉ số (data/indicators.csv: {shown})"
                         + (f"; {n_pct} ô định dạng phần trăm khớp với đơn vị đó" if n_pct else ""))
    else:
        ctx.notes.append(f"no unit column: each row's unit is its indicator's (data/indicators.csv: {shown})"
                         + (f"; {n_pct} percent-formatted cells agree" if n_pct else ""))
    return out


_MAP_NEW = ("mới", "moi", "new", "hiện nay", "hien nay", "từ 1/7/2025", "sau 1/7/2025", "since 1/7/2025", "2025 mới")
_MAP_OLD = ("cũ", "cu", "old", "trước 1/7/2025", "truoc 1/7/2025", "before 1/7/2025")


def _map_years(maps: list, years, ctx: "_Ctx") -> list:
    """The year each row's name is looked up on: 2026 for names of the map since 1/7/2025, 2025 for the old map."""
    yrs = list(years) if years is not None else [None] * len(maps)
    bad: dict[str, list[int]] = {}
    for i, m in enumerate(maps):
        if m is None:
            continue
        k = fold_key(str(m))
        if k.startswith(_MAP_NEW):
            yrs[i] = 2026 if yrs[i] is None or yrs[i] <= 2025 else yrs[i]
        elif k.startswith(_MAP_OLD):
            yrs[i] = 2025 if yrs[i] is None or yrs[i] > 2025 else yrs[i]
        else:
            bad.setdefault(str(m), []).append(i)
    for v, idx in bad.items():
        ctx.add(idx, "map", f"'{v}' không rõ là bản đồ nào; ghi 'mới' (tên theo bản đồ từ 1/7/2025) hoặc 'cũ' (trước "
                            "1/7/2025), hoặc để trống (theo năm của dòng)" if ctx.lang == "vi" else
                f"'{v}' is not a map; write 'new' (names of the map since 1/7/2025) or 'old' (before), or leave it "
                "empty (the map of the row's year)")
    return yrs


def _obj(values, n: int) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True).astype(object) if values.dtype != object else values.reset_index(drop=True)
    return pd.Series(list(values) if values is not None else [None] * n, dtype=object)


def _header_unit(raw: RawTable, header_map: dict[str, str]) -> str | None:
    for rawname, name in header_map.items():
        if name in ("value", "low", "high") and rawname in raw.units:
            return raw.units[rawname]
    return None


def _match_header(frame: pd.DataFrame, schema: Schema) -> tuple[dict[str, str], dict[str, list[str]]]:
    """raw header -> schema column (the first of several synonyms), and schema column -> the other synonyms."""
    by_key: dict[str, str] = {}
    for col in schema.columns:
        by_key[fold_key(col.name)] = col.name
    for col in schema.columns:
        for a in col.aliases:
            by_key.setdefault(fold_key(a), col.name)
    mapping: dict[str, str] = {}
    extra: dict[str, list[str]] = {}
    guessed = None
    for c in frame.columns:
        base = re.sub(r"\s*\([A-Z]{1,3}\)$", "", str(c))
        k = fold_key(base)
        name = by_key.get(k.replace(" ", "_")) or by_key.get(k) or by_key.get(k.replace("_", " "))
        if name in ("unit", "geography") and k in ("đơn vị", "don vi"):
            name = _unit_or_geography(frame[c])
        if not name:
            continue
        if name in mapping.values():
            extra.setdefault(name, []).append(c)
        else:
            mapping[c] = name
    figure = {"value", "low", "high", "numerator", "denominator"}
    if "value" in {col.name for col in schema.columns} and not figure & set(mapping.values()):
        # A descriptive rate header ("Tỷ lệ HS tốt nghiệp THCS vào học nghề (%)") holds the value when no
        # column is named for it; the choice is noted.
        cands = [c for c in frame.columns if c not in mapping
                 and fold_key(c).startswith(("tỷ lệ", "tỉ lệ", "giá trị", "rate", "value", "share"))]
        if len(cands) == 1:
            mapping[cands[0]] = "value"
            guessed = cands[0]
    mapping["\x00guessed"] = guessed
    return mapping, extra


def _unit_or_geography(s: pd.Series) -> str:
    """A column headed "Đơn vị" holds units of measure (%, học sinh) or administrative units: look at its cells."""
    vals = [fold_key(v) for v in s.dropna().astype(str).head(50) if not is_missing(v)]
    if not vals:
        return "unit"
    units = sum(1 for v in vals if UNIT_ALIASES.get(v, v) in RATE_UNITS or UNIT_ALIASES.get(v, v) in COUNT_UNITS)
    return "unit" if units * 2 >= len(vals) else "geography"


def _compare_alias_columns(raw: RawTable, target: str, first: str, others: list[str], col: Column, ctx: _Ctx) -> None:
    a = raw.frame[first].reset_index(drop=True)
    for other in others:
        b = raw.frame[other].reset_index(drop=True)
        differ = None
        for i, (x, y) in enumerate(zip(a, b)):
            if is_missing(x) and is_missing(y):
                continue
            if _same_cell(x, y, col):
                continue
            differ = (i, x, y)
            break
        la, lb = raw.letters.get(first, "?"), raw.letters.get(other, "?")
        if differ is None:
            ctx.notes.append(f"columns {la} '{first}' and {lb} '{other}' both mean '{target}' and hold the same "
                             f"figures; {la} was used" if ctx.lang != "vi" else
                             f"cột {la} '{first}' và {lb} '{other}' cùng nghĩa '{target}' và giống nhau; đã dùng cột {la}")
        else:
            i, x, y = differ
            ctx.add_file(target, _m(ctx.lang, "dup_cols", col=target, a=f"{la} '{first}'", b=f"{lb} '{other}'",
                                    row=raw.rows[i], va=_show(x), vb=_show(y)), row=raw.header_row)
            ctx.fail(target, np.ones(len(raw.rows), dtype=bool))


def _same_cell(x, y, col: Column) -> bool:
    if is_missing(x) or is_missing(y):
        return False
    if col.kind in ("number", "count"):
        try:
            return abs(parse_number(x)[0] - parse_number(y)[0]) < 1e-9
        except NumberError:
            return False
    return fold_key(str(x)) == fold_key(str(y))


def _show(v) -> str:
    if isinstance(v, PercentCell):
        return repr(v)
    return str(v)


_YEAR_RANGE = re.compile(r"^(\d{4})\s*[-–/]\s*(\d{2}|\d{4})$")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _missing_mask(s: pd.Series) -> np.ndarray:
    """True where a cell is empty or a placeholder ("-", "NA"); a formula without a result is not empty."""
    vals = s.to_numpy(dtype=object)
    out = np.asarray(pd.isna(vals), dtype=bool)
    idx = np.flatnonzero(~out)
    if len(idx):
        sub = vals[idx]
        out[idx] = [type(v) is str and len(v) <= 6 and is_missing(v) for v in sub]
    return out


def _unique_map(s: pd.Series, present: np.ndarray, fn) -> tuple[list, dict]:
    """Apply ``fn`` once per distinct cell; returns (values per row, {cell: result})."""
    cache: dict = {}
    out: list = [None] * len(s)
    vals = s.to_numpy(dtype=object)
    for i in np.flatnonzero(present):
        v = vals[i]
        key = (type(v).__name__, v if not isinstance(v, FormulaCell) else v.formula)
        r = cache.get(key)
        if r is None:
            r = fn(v)
            cache[key] = r
        out[i] = r
    return out, cache


def _parse_column(s: pd.Series, col: Column, ctx: _Ctx, kind: str, strict: bool):
    lang = ctx.lang
    miss = _missing_mask(s)
    needs = col.nonempty or (strict and kind == "observations" and col.name in {"obs_id", "basis", "url", "locator"})
    if needs and miss.any():
        ctx.add(np.flatnonzero(miss), col.name, _m(lang, "empty", col=col.name, doc=f" ({col.doc})" if col.doc else ""))
        ctx.fail(col.name, miss)
    present = ~miss
    k = col.kind
    if k in ("text", "id"):
        return [None if m else str(v) for v, m in zip(s.to_numpy(dtype=object), miss)]
    if k == "year":
        parsed, _ = _unique_map(s, present, _year_of)
    elif k in ("number", "count"):
        parsed, _ = _unique_map(s, present, lambda v: _number_of(v, k == "count"))
    elif k == "bool":
        parsed, _ = _unique_map(s, present, lambda v: _bool_of(v))
    elif k == "choice":
        parsed, _ = _unique_map(s, present, lambda v: _choice_of(v, col.choices))
    elif k == "comparator":
        parsed, _ = _unique_map(s, present, lambda v: _comparator_of(v))
    elif k == "unit":
        parsed, _ = _unique_map(s, present, lambda v: _unit_of(v))
    else:  # pragma: no cover
        raise AssertionError(k)
    out: list = [None] * len(s)
    errs: dict[str, list[int]] = {}
    failed = np.zeros(len(s), dtype=bool)
    for i in np.flatnonzero(present):
        ok, val, err = parsed[i]
        if ok:
            out[i] = val
        else:
            errs.setdefault(err, []).append(i)
            failed[i] = True
    formulas = [(e, idx) for e, idx in errs.items() if e[0] == "formula"]
    if formulas:  # one cause: the file was saved without calculating; show the first formula
        first = min(formulas, key=lambda t: min(t[1]))[0]
        allidx = sorted(i for _, idx in formulas for i in idx)
        for e, _ in formulas:
            del errs[e]
        errs[first] = allidx
    for err, idx in errs.items():
        ctx.add(idx, col.name, err)
    if failed.any():
        ctx.fail(col.name, failed)
    return out


_YEAR_WORDS = re.compile(r"^(?:năm học|năm|nh|school year|year)\s*:?\s*", re.I)


def _year_of(v):
    s = _YEAR_WORDS.sub("", str(v).strip())
    m = _YEAR_RANGE.match(s)
    if m:
        a, b = int(m.group(1)), m.group(2)
        b = int(b) if len(b) == 4 else (a // 100) * 100 + int(b)
        if b != a + 1:
            return False, None, ("not_school_year", v)
        return True, b, None
    try:
        x, _ = parse_number(s, integer=True, rate=True)
    except NumberError:
        return False, None, ("not_year", v)
    if not 1990 <= x <= 2100:
        return False, None, ("year_range", int(x))
    return True, int(x), None


def _number_of(v, integer: bool):
    try:
        x, pct = parse_number(v, integer=integer)
    except NumberError as exc:
        if isinstance(v, FormulaCell):
            return False, None, ("formula", str(exc), str(v))
        return False, None, ("not_number", str(exc))
    if integer and x < 0:
        return False, None, ("count_neg", _g(x))
    return True, ((x, pct, v) if not integer else x), None


def _bool_of(v):
    s = fold_key(str(v))
    if s in TRUE_WORDS:
        return True, True, None
    if s in FALSE_WORDS:
        return True, False, None
    return False, None, ("not_bool", v)


def _choice_of(v, choices):
    s = fold_key(str(v))
    if s in choices:
        return True, s, None
    return False, None, ("choice", v, ", ".join(choices))


def _comparator_of(v):
    s = str(v).strip()
    s = s if s in COMPARATORS else fold_key(s)
    if s in COMPARATORS:
        return True, COMPARATORS[s], None
    return False, None, ("comparator", v)


def _unit_of(v):
    s = fold_key(str(v))
    s = UNIT_ALIASES.get(s, s)
    if s in RATE_UNITS or s in COUNT_UNITS:
        return True, s, None
    return False, None, ("unit", v)


# The parse helpers return error codes; turn them into words in the file's language.
def _err_text(code, lang: str) -> str:
    key = code[0]
    if key == "not_school_year":
        return _m(lang, key, v=code[1])
    if key == "not_year":
        return _m(lang, key, v=code[1])
    if key == "year_range":
        return _m(lang, key, v=code[1])
    if key == "formula":
        return _m(lang, key, why=code[1], formula=code[2])
    if key == "not_number":
        return _m(lang, key, why=_number_reason(code[1], lang))
    if key == "count_neg":
        return _m(lang, key, v=code[1])
    if key == "not_bool":
        return _m(lang, key, v=code[1])
    if key == "choice":
        return _m(lang, key, v=code[1], choices=code[2])
    if key == "comparator":
        return _m(lang, key, v=code[1])
    if key == "unit":
        return _m(lang, key, v=code[1], counts=", ".join(COUNT_UNITS))
    raise AssertionError(code)  # pragma: no cover


_REASONS_VI = [
    (re.compile(r"^'(.*)' is not a number$"), "'{0}' không phải là số"),
    (re.compile(r"^'(.*)' is ambiguous: it could be (.*) with a decimal mark or (.*) with a thousands separator; "
                r"write the count without separators \(e\.g\. (.*)\)$"),
     "'{0}' không rõ nghĩa: có thể là {1} (dấu thập phân) hoặc {2} (dấu phân cách hàng nghìn); hãy ghi số lượng "
     "không có dấu phân cách (ví dụ {3})"),
    (re.compile(r"^'(.*)' is not a whole number.*$"), "'{0}' không phải số nguyên (số học sinh, số chỗ phải là số "
                                                      "nguyên)"),
    (re.compile(r"^'(.*)' has misplaced thousands separators$"), "'{0}' đặt dấu phân cách hàng nghìn sai chỗ"),
    (re.compile(r"^'(.*)' is an Excel error value \((.*)\): .*$"),
     "'{0}' là giá trị lỗi của Excel ({1}): công thức của ô này bị lỗi nên không có số liệu; hãy sửa công thức trong "
     "Excel (hoặc gõ số liệu) rồi lưu lại"),
    (re.compile(r"^'(.*)' mixes separators.*$"), "'{0}' trộn dấu chấm và dấu phẩy không đọc được"),
]


def _number_reason(why: str, lang: str) -> str:
    if lang != "vi":
        return why
    for rx, vi in _REASONS_VI:
        m = rx.match(why)
        if m:
            g = list(m.groups())
            if "Excel" in vi:
                from simlib.inputs.textio import EXCEL_ERRORS

                g[1] = next((v[1] for v in EXCEL_ERRORS.values() if v[0] == g[1]), g[1])
            return vi.format(*g)
    return why


def _parse_indicators(s: pd.Series, col: Column, ctx: _Ctx, ref: Reference | None):
    miss = _missing_mask(s)
    if col.nonempty and miss.any():
        ctx.add(np.flatnonzero(miss), col.name, _m(ctx.lang, "empty", col=col.name, doc=f" ({col.doc})" if col.doc else ""))
        ctx.fail(col.name, miss)
    vals = s.to_numpy(dtype=object)
    if ref is None:
        return [None if m else str(v) for v, m in zip(vals, miss)]
    out: list = [None] * len(s)
    bad: dict[str, list[int]] = {}
    cache: dict[str, str | None] = {}
    for i in np.flatnonzero(~miss):
        v = str(vals[i])
        if v not in cache:
            cache[v] = ref.indicator_id(v)
        iid = cache[v]
        if iid is None:
            bad.setdefault(v, []).append(i)
        else:
            out[i] = iid
    failed = np.zeros(len(s), dtype=bool)
    for v, idx in bad.items():
        ctx.add(idx, col.name, ref.unknown_indicator(v, ctx.lang))
        failed[idx] = True
    ctx.fail(col.name, failed | miss)
    return out


def _parse_plans(s: pd.Series, col: Column, ctx: _Ctx, ref: Reference | None):
    miss = _missing_mask(s)
    if col.nonempty and miss.any():
        ctx.add(np.flatnonzero(miss), col.name, _m(ctx.lang, "empty", col=col.name, doc=""))
        ctx.fail(col.name, miss)
    vals = [None if m else str(v) for v, m in zip(s.to_numpy(dtype=object), miss)]
    if ref is None or ref.plans is None:
        return vals
    known = set(ref.plans["plan_id"])
    failed = np.zeros(len(s), dtype=bool)
    for v in dict.fromkeys(x for x in vals if x is not None and x not in known):
        idx = [i for i, x in enumerate(vals) if x == v]
        ctx.add(idx, col.name, _m(ctx.lang, "unknown_plan", v=v, plans=", ".join(ref.plans["plan_id"])))
        failed[idx] = True
        for i in idx:
            vals[i] = None
    ctx.fail(col.name, failed | miss)
    return vals


def _parse_geographies(s: pd.Series, col: Column, ctx: _Ctx, ref: Reference | None, years, province: str | None):
    lang = ctx.lang
    miss = _missing_mask(s)
    if col.nonempty and miss.any():
        ctx.add(np.flatnonzero(miss), col.name, _m(lang, "empty", col=col.name, doc=f" ({col.doc})" if col.doc else ""))
        ctx.fail(col.name, miss)
    vals = s.to_numpy(dtype=object)
    if ref is None:
        return [None if m else str(v) for v, m in zip(vals, miss)]
    yrs = list(years) if years is not None else [None] * len(s)
    known_years = [y for y in yrs if y is not None]
    if known_years and len(known_years) < len(yrs):
        usual = int(np.median(known_years))  # a row whose year could not be read is placed on the file's usual map
        yrs = [usual if y is None else y for y in yrs]
    pairs: dict[tuple[str, int | None], list[int]] = {}
    for i in np.flatnonzero(~miss):
        y = yrs[i]
        pairs.setdefault((str(vals[i]), y), []).append(i)
    # The file's province: given, the reference's, the title block's, or (after a first pass) its rows'.
    ctx_prov = province or ref.province
    source = None
    if ctx_prov is None:
        t = province_in_title(ctx.raw.title)
        if t:
            try:
                from simlib.inputs import places

                places._context(t)
                ctx_prov, source = t, "title"
            except Exception:
                ctx_prov = None
    results = {key: ref.locate(key[0], year=key[1], province=ctx_prov, lang=lang) for key in pairs}
    if ctx_prov is None and any(r[0] is None and "ambiguous" in (r[1] or "") or "chưa rõ" in (r[1] or "")
                                for r in results.values()):
        provs = set()
        for (name, y), r in results.items():
            if r[0] is not None:
                p = ref._bundled_province(r[0]) if r[2] is None else r[2].province_id
                if p:
                    provs.add(p)
        if len(provs) == 1:
            ctx_prov, source = provs.pop(), "rows"
            for key, r in list(results.items()):
                if r[0] is None:
                    results[key] = ref.locate(key[0], year=key[1], province=ctx_prov, lang=lang)
    if source is not None and any(r[0] is not None for r in results.values()):
        from simlib.inputs import places

        try:
            new, old = places._context(ctx_prov)
            pname = places._legacy()["provinces"][old]["name_vi"] if old else places._new_name(new)
        except places.PlaceError:  # pragma: no cover - checked when the context was taken
            pname = ctx_prov
        ctx.notes.append((f"tỉnh của tệp được lấy là '{pname}' (" + ("từ phần đầu biểu" if source == "title"
                          else "từ các dòng khác của tệp") + ") để xác định các tên trùng") if lang == "vi" else
                         (f"the file's province was taken as '{pname}' (" + ("from the title block" if source == "title"
                          else "from the file's other rows") + ") to settle names found in several provinces"))
    for key, r in list(results.items()):
        clash = _same_name_today(key[0], key[1], r[2], lang)
        if clash is not None:
            results[key] = (None, clash, None)
    out: list = [None] * len(s)
    failed = miss.copy()
    notes: dict[str, list[int]] = {}
    old_map: dict[str, dict[str, list[int]]] = {}
    new_geos: dict[str, dict] = {}
    known = set(ref.geographies["geo_id"])
    for key, idx in pairs.items():
        gid, why, place = results[key]
        if gid is None:
            ctx.add(idx, col.name, why)
            failed[idx] = True
            continue
        for i in idx:
            out[i] = gid
        if place is not None:
            if gid not in known:
                new_geos[gid] = {"geo_id": gid, "name_vi": place.name_vi, "name_en": place.name_vi,
                                 "level": place.level, "parent": place.parent, "code": place.code,
                                 "successor": place.successor,
                                 "valid_to": None if place.current else "2025-06-30"}
            if not place.current:
                y = key[1]
                if y is None or y <= 2025:
                    grp = old_map.setdefault(place.successor or "?", {})
                    grp.setdefault(place.name_vi, []).extend(ctx.rows[i] for i in idx)
                    continue
                if True:
                    tag = (f"'{key[0]}' ({y}) ghi đơn vị đã giải thể/sáp nhập ngày 1/7/2025: nay thuộc "
                           f"{place.note.split('-> ', 1)[1]}" if lang == "vi" else
                           f"'{key[0]}' ({y}) names a unit abolished or merged on 1/7/2025: it is now part of "
                           f"{place.note.split('-> ', 1)[1]}")
                notes.setdefault(tag, []).extend(ctx.rows[i] for i in idx)
    from simlib.inputs.textio import _ranges
    from simlib.inputs.places import _new_name

    for succ, units in old_map.items():
        rows = tuple(r for rs in units.values() for r in rs)
        shown = ", ".join(list(units)[:6]) + (", …" if len(units) > 6 else "")
        if lang == "vi":
            ctx.notes.append(f"dòng {_ranges(rows)}: {len(units)} đơn vị theo bản đồ trước 1/7/2025 ({shown}); số liệu "
                             f"được giữ là chuỗi lịch sử của địa bàn cũ, nay thuộc {_new_name(succ)}")
        else:
            ctx.notes.append(f"row{'s' if len(rows) > 1 else ''} {_ranges(rows)}: {len(units)} unit"
                             f"{'s' if len(units) > 1 else ''} of the map before 1/7/2025 ({shown}); kept as "
                             f"historical series of their areas, now part of {_new_name(succ)}")
    for tag, rows in notes.items():

        ctx.notes.append((f"dòng {_ranges(tuple(rows))}: " if lang == "vi" else
                          f"row{'s' if len(rows) > 1 else ''} {_ranges(tuple(rows))}: ") + tag)
    ctx.fail(col.name, failed)
    if new_geos:
        ctx.new_geographies = tuple(new_geos.values())
    return out


def _same_name_today(name: str, year, place, lang: str) -> str | None:
    """A reason to refuse a past row whose name is both a former commune and a different commune of today.

    A row copied from the template (today's communes) with an earlier year is
    read on the map of its year: "Xã Minh Hóa" in 2024 is the former Xã Minh
    Hóa, whose area went into Xã Kim Phú, not today's Xã Minh Hóa. When both
    exist and are different areas the row cannot be placed without the
    planner saying which is meant.
    """
    if place is None or place.current or year is None or year > 2025 or place.level != "commune":
        return None
    from simlib.inputs import places

    try:
        today = places.resolve(name, province=place.successor, when=2026)
    except places.PlaceError:
        return None
    if not today.current or today.geo_id == place.successor_unit:
        return None
    if places._split_kind(today.name_vi)[1] != places._split_kind(name)[1]:
        return None
    went = ""
    if place.successor_unit:
        try:
            went = places.resolve(place.successor_unit).name_vi
        except places.PlaceError:  # pragma: no cover - ids come from the map itself
            went = place.successor_unit
    if lang == "vi":
        return (f"'{name}' ({year}) là tên của hai địa bàn khác nhau: {place.name_vi} cũ ({place.geo_id}, đến "
                f"30/6/2025" + (f", nay thuộc {went}" if went else "") + f") và {today.name_vi} từ 1/7/2025 "
                f"({today.geo_id}), một địa bàn khác. Dòng có năm trước 2025-2026 được đọc theo bản đồ của năm đó "
                f"(xã cũ), nên simlib không tự chọn: nếu là số liệu của {today.name_vi} hiện nay (tính lại cho "
                f"các năm trước), ghi mã {today.geo_id}; nếu là của xã cũ, ghi mã {place.geo_id}")
    return (f"'{name}' ({year}) names two different areas: the former {place.name_vi} ({place.geo_id}, until "
            f"30/6/2025" + (f", its area now in {went}" if went else "") + f") and {today.name_vi} since 1/7/2025 "
            f"({today.geo_id}), another area. A row of a year before 2025-2026 is read on the map of its year (the "
            f"former commune), so simlib will not choose: for figures of today's {today.name_vi} (recomputed for "
            f"past years) write the geo id {today.geo_id}; for the former commune write {place.geo_id}")


# ----------------------------------------------------------------------------
# Row rules (vectorised)
# ----------------------------------------------------------------------------


def _num_arrays(col: list, n: int):
    """(values, had_percent_sign, was_percent_cell, raw) arrays from parsed number cells."""
    vals = np.full(n, np.nan)
    pct = np.zeros(n, dtype=bool)
    pcell = np.zeros(n, dtype=bool)
    textual = np.zeros(n, dtype=bool)
    raw = [None] * n
    for i, t in enumerate(col):
        if t is None:
            continue
        x, p, r = t
        vals[i] = x
        pct[i] = p
        pcell[i] = isinstance(r, PercentCell)
        textual[i] = isinstance(r, str)
        raw[i] = r
    return vals, pct, pcell, textual, raw


def _rules_observations(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool, raw_cols=None) -> pd.DataFrame:
    lang = ctx.lang
    n = len(df)
    unit = df["unit"].to_numpy(dtype=object)
    ind = df["indicator"].to_numpy(dtype=object)
    is_rate_unit = np.array([u in RATE_UNITS for u in unit], dtype=bool)
    is_count_unit = np.array([u in COUNT_UNITS for u in unit], dtype=bool)
    unit_ok = np.array([u is not None for u in unit], dtype=bool)
    if ref is not None:
        kinds = dict(zip(ref.indicators["indicator_id"], ref.indicators["kind"]))
        ikind = np.array([kinds.get(x) for x in ind], dtype=object)
        rate_ind = np.isin(ikind, ["rate", "school_share"])
        count_ind = ikind == "count"
        bad = rate_ind & unit_ok & ~is_rate_unit
        for u in pd.unique(unit[bad]):
            for iid in pd.unique(ind[bad & (unit == u)]):
                ctx.add(np.flatnonzero(bad & (unit == u) & (ind == iid)), "unit",
                        _m(lang, "rate_is_count", ind=iid, unit=u))
        bad2 = count_ind & is_rate_unit
        for u in pd.unique(unit[bad2]):
            for iid in pd.unique(ind[bad2 & (unit == u)]):
                ctx.add(np.flatnonzero(bad2 & (unit == u) & (ind == iid)), "unit",
                        _m(lang, "count_is_rate", ind=iid, unit=u))
        unit_ok = unit_ok & ~bad & ~bad2  # further range checks would only repeat this problem
    else:
        ikind = np.full(n, None, dtype=object)
    scale = np.array([RATE_UNITS.get(u, np.nan) for u in unit], dtype=float)
    share_unit = unit == "share"
    arrays = {}
    for c in ("value", "low", "high", "se"):
        vals, pct, pcell, textual, raw = _num_arrays(list(df[c]), n)
        # A percent-formatted cell stores a fraction: under unit 'share' it is that fraction.
        conv = pcell & share_unit
        vals[conv] = vals[conv] / 100.0
        bad = pct & ~pcell & share_unit & unit_ok
        ctx.add(np.flatnonzero(bad), c, _m(lang, "pct_share"))
        arrays[c] = (vals, pct, pcell, textual, raw)
    v, lo, hi, se = (arrays[c][0].copy() for c in ("value", "low", "high", "se"))
    num = np.array([np.nan if x is None else float(x) for x in df["numerator"]], dtype=float)
    den = np.array([np.nan if x is None else float(x) for x in df["denominator"]], dtype=float)
    has_num, has_den = ~np.isnan(num), ~np.isnan(den)
    both = has_num & has_den
    gt = both & (num > den)
    for i in np.flatnonzero(gt):
        ctx.add(i, "numerator", _m(lang, "num_gt_den", num=_g(num[i]), den=_g(den[i])))
    dz = both & ~gt & (den == 0)
    ctx.add(np.flatnonzero(dz), "denominator", _m(lang, "den_zero"))
    okr = both & ~gt & ~dz & is_rate_unit & unit_ok
    with np.errstate(invalid="ignore", divide="ignore"):
        implied = np.where(okr, num / den * scale, np.nan)
    fill = okr & np.isnan(v)
    v[fill] = implied[fill]
    mism = okr & ~fill & (np.abs(v - implied) > 0.0005 * np.nan_to_num(scale, nan=1.0))
    for i in np.flatnonzero(mism):
        ctx.add(i, "value", _m(lang, "value_mismatch", v=_g(v[i]), implied=f"{implied[i]:.4g}"))
    one = has_num ^ has_den
    for i in np.flatnonzero(one):
        which = "denominator" if not has_den[i] else "numerator"
        other = "numerator" if which == "denominator" else "denominator"
        ctx.add(i, which, _m(lang, "one_of_pair", which=which, other=other))
    unparsed = ctx.failed_mask("value", "low", "high", "numerator", "denominator")
    nofig = np.isnan(v) & np.isnan(lo) & np.isnan(hi) & ~both & ~unparsed
    ctx.add(np.flatnonzero(nofig), "value", _m(lang, "no_figure"))
    needs_low = ~np.isnan(hi) & np.isnan(lo) & np.isnan(v)
    ctx.add(np.flatnonzero(needs_low), "low", _m(lang, "range_needs_low"))
    lah = ~np.isnan(lo) & ~np.isnan(hi) & (lo > hi)
    for i in np.flatnonzero(lah):
        ctx.add(i, "low", _m(lang, "low_above_high", lo=_g(lo[i]), hi=_g(hi[i])))
    outside = ~np.isnan(v) & ~np.isnan(lo) & ~np.isnan(hi) & ~lah & ((v < lo) | (v > hi))
    for i in np.flatnonzero(outside):
        ctx.add(i, "value", _m(lang, "outside_range", v=_g(v[i]), lo=_g(lo[i]), hi=_g(hi[i])))
    # A 0 % or 100 % is a reported fact when the counts behind it are known: its numerator and denominator, or the
    # cohort of the same unit and year in this file (the indicator's weight indicator, e.g. thcs_graduates).
    cohort = _cohort_of_rows(df, ref, is_count_unit & unit_ok, v)
    counted = okr | (~np.isnan(cohort) & (cohort > 0))
    edge_known = is_rate_unit & unit_ok & counted & ~np.isnan(v) & ((v == 0) | (v == scale))
    from_cohort = edge_known & ~okr
    if from_cohort.any():
        num[from_cohort] = np.where(v[from_cohort] == 0, 0.0, cohort[from_cohort])
        den[from_cohort] = cohort[from_cohort]
        ctx.notes.append((f"dòng {_rows_text(ctx, from_cohort)}: tỷ lệ 0 % hoặc 100 % được đọc kèm số học sinh cùng "
                          "địa bàn, cùng năm trong tệp (tử số, mẫu số)") if lang == "vi" else
                         (f"row(s) {_rows_text(ctx, from_cohort)}: a rate of 0 % or 100 % was read with the cohort of "
                          "the same unit and year in this file (numerator, denominator)"))
    _check_rates(ctx, v, lo, hi, den, unit, scale, is_rate_unit & unit_ok, strict, known=counted)
    _check_counts(ctx, arrays, v, lo, hi, is_count_unit & unit_ok)
    for i in np.flatnonzero(~np.isnan(se) & (se < 0)):
        ctx.add(i, "se", _m(lang, "se_neg", v=_g(se[i])))
    # A standard error of 0 says the figure is exact: an administrative count is (a count unit, or numerator and
    # denominator given); a survey estimate or a published rate alone is not.
    exact = (is_count_unit & unit_ok) | okr
    ctx.add(np.flatnonzero(~np.isnan(se) & (se == 0) & ~exact), "se", _m(lang, "se_zero"))
    yf = df["year_first"].to_numpy(dtype=object)
    yy = df["year"].to_numpy(dtype=object)
    for i in range(n):
        if yf[i] is not None and yy[i] is not None and yf[i] > yy[i]:
            ctx.add(i, "year_first", _m(lang, "year_first", yf=yf[i], y=yy[i]))
    # Percent values that are all below 1 look like shares under the wrong unit (0.1521 read as 0.15 %).
    flags = df["flags"].to_numpy(dtype=object)
    confirmed = np.array([isinstance(f, str) and SMALL_PERCENT_FLAG in f for f in flags], dtype=bool)
    plain = (unit == "percent") & unit_ok & ~np.isnan(arrays["value"][0]) & ~arrays["value"][1] & ~confirmed
    if ref is not None:
        plain &= ikind == "rate"
    for iid in pd.unique(ind[plain]):
        sel = plain & (ind == iid)
        xs = v[sel]
        if sel.sum() >= 2 and np.all((xs > 0) & (xs < 1)):
            shown = ", ".join(_g(x) for x in xs[:4]) + ("…" if len(xs) > 4 else "")
            ctx.add(np.flatnonzero(sel), "value", _m(lang, "all_small", ind=iid if iid is not None else "", vals=shown))

    out = df.copy()
    out["value"], out["low"], out["high"], out["se"] = v, lo, hi, se
    out["high_open"] = np.array([bool(b) if b is not None else False for b in out["high_open"]], dtype=bool)
    out["basis"] = pd.Series([b if b is not None else "same" for b in out["basis"]], index=out.index, dtype=object)
    out["breakdown"] = pd.Series([b if b is not None else "" for b in out["breakdown"]], index=out.index, dtype=object)
    out["flags"] = pd.Series([b if b is not None else "" for b in out["flags"]], index=out.index, dtype=object)
    ids = out["obs_id"].to_numpy(dtype=object)
    if any(x is None for x in ids):
        out["obs_id"] = [oid if oid is not None else f"{ctx.file}:row{r}" for oid, r in zip(ids, out["row"])]
    for c in ("value", "low", "high", "se"):
        out[f"{c}_share"] = out[c].astype(float) / scale
    out["year"] = pd.array(list(out["year"]), dtype="Int64")
    out["year_first"] = pd.array(list(out["year_first"]), dtype="Int64")
    out["numerator"], out["denominator"] = num, den  # with counts read from the file's cohort rows (0 % / 100 %)
    return out


def _rows_text(ctx: _Ctx, mask: np.ndarray) -> str:
    from simlib.inputs.textio import _ranges

    return _ranges(tuple(sorted({ctx.rows[i] for i in np.flatnonzero(mask)})))


def _cohort_of_rows(df: pd.DataFrame, ref: Reference | None, count_rows: np.ndarray, v: np.ndarray) -> np.ndarray:
    """For each row, the count of its indicator's weight indicator (its cohort) for the same unit and year in this
    file, else NaN."""
    n = len(df)
    out = np.full(n, np.nan)
    if ref is None or "weight_indicator" not in ref.indicators.columns or not count_rows.any():
        return out
    weight = dict(zip(ref.indicators["indicator_id"], ref.indicators["weight_indicator"]))
    geo, ind, yr = (df[c].to_numpy(dtype=object) for c in ("geography", "indicator", "year"))
    counts = {(geo[i], ind[i], yr[i]): v[i] for i in np.flatnonzero(count_rows & ~np.isnan(v))}
    if not counts:
        return out
    for i in range(n):
        w = weight.get(ind[i])
        if isinstance(w, str) and w:
            out[i] = counts.get((geo[i], w, yr[i]), np.nan)
    return out


def _check_rates(ctx: _Ctx, v, lo, hi, den, unit, scale, rate_rows, strict: bool, known=None) -> None:
    """Rates lie within 0..top; planner figures strictly inside (the logit scale) unless their counts are known.

    ``known``: rows whose numerator and denominator (or cohort) are known; there a 0 % or 100 % is a reported fact
    (0 of 244 graduates) that the models read with its counts.
    """
    lang = ctx.lang
    if known is not None:
        rate_rows = rate_rows.copy()
        edge_v = ~np.isnan(v) & ((v == 0) | (v == scale))
        rate_rows_known_edge = rate_rows & known & edge_v
    else:
        rate_rows_known_edge = np.zeros(len(v), dtype=bool)
    # Rates: within 0..top, and (planner data) strictly inside it: the logit scale, the same rule the models apply.
    # The bundled tables record reported facts such as "no student went to vocational school" (0 %) for a single
    # school; they are loaded with strict=True and never modelled.
    for c, x in (("value", v), ("low", lo), ("high", hi)):
        has = rate_rows & ~np.isnan(x)
        out = has & ((x < 0) | (x > scale))
        for i in np.flatnonzero(out):
            hint = _m(lang, "looks_pct") if unit[i] == "share" and 1 < x[i] <= 100 else ""
            what = "%" if unit[i] == "percent" else ("(tỷ lệ 0-1)" if lang == "vi" else "(share)")
            ctx.add(i, c, _m(lang, "rate_range", top=_g(scale[i]), what=what, v=_g(x[i]), hint=hint))
        edge = has & ~out & ((x == 0) | (x == scale)) & (not strict) & ~rate_rows_known_edge
        if c == "value":
            for i in np.flatnonzero(edge):
                shown = f"{_g(x[i])} %" if unit[i] == "percent" else f"{_g(x[i])} ({unit[i]})"
                example = ""
                if not np.isnan(den[i]) and den[i] > 0:
                    e = 0.5 / den[i] * scale[i]
                    if x[i] != 0:
                        e = scale[i] - e
                    example = (f" (ở đây: {e:.4g})" if lang == "vi" else f" (here: {e:.4g})")
                ctx.add(i, c, _m(lang, "logit_edge", v=shown, example=example))
        elif c == "low":
            ctx.add(np.flatnonzero(edge & (x == 0) & ~np.isnan(hi)), c, _m(lang, "range_low_zero"))
            lone = edge & ~((x == 0) & ~np.isnan(hi))
            for i in np.flatnonzero(lone):
                shown = f"{_g(x[i])} %" if unit[i] == "percent" else f"{_g(x[i])} ({unit[i]})"
                ctx.add(i, c, _m(lang, "logit_edge", v=shown, example=""))
        else:
            ctx.add(np.flatnonzero(edge & (x == scale)), c, _m(lang, "range_high_top"))
            ctx.add(np.flatnonzero(edge & (x == 0)), c, _m(lang, "logit_edge", v="0", example=""))


def _check_counts(ctx: _Ctx, arrays, v, lo, hi, count_rows) -> None:
    """Counts are whole and not negative, and never a percentage cell."""
    lang = ctx.lang
    # Counts: whole and not negative; a percentage cell is not a count.
    for c, x in (("value", v), ("low", lo), ("high", hi)):
        cnt = count_rows & ~np.isnan(x)
        pc = cnt & arrays[c][2]
        for i in np.flatnonzero(pc):
            ctx.add(i, c, _m(lang, "count_pct", v=_show(arrays[c][4][i])))
        cnt &= ~pc
        raw = arrays[c][4]
        textual = arrays[c][3]
        for i in np.flatnonzero(cnt & textual):
            try:
                parse_number(raw[i], integer=True)
            except NumberError as exc:
                ctx.add(i, c, _m(lang, "not_number", why=_number_reason(str(exc), lang)))
                cnt[i] = False
        for i in np.flatnonzero(cnt & (x < 0)):
            ctx.add(i, c, _m(lang, "count_neg", v=_g(x[i])))
        for i in np.flatnonzero(cnt & (x >= 0) & (np.floor(x) != x) & ~textual):
            ctx.add(i, c, _m(lang, "count_whole", v=_g(x[i])))


def _rules_targets(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool, raw_cols=None) -> pd.DataFrame:
    out = df.copy()
    vals, lows, highs = [], [], []
    kinds = dict(zip(ref.indicators["indicator_id"], ref.indicators["kind"])) if ref is not None else {}
    vi = ctx.lang == "vi"

    def num(t):
        return None if t is None else t[0]

    for i, r in enumerate(df.itertuples(index=False)):
        v, lo, hi = num(r.value), num(r.low), num(r.high)
        if r.unit is not None and r.unit not in RATE_UNITS:
            ctx.add(i, "unit", f"chỉ tiêu phải là tỷ lệ: đơn vị percent hoặc share (thấy '{r.unit}')" if vi else
                    f"a target must be a rate: unit percent or share (found '{r.unit}')")
        if r.comparator == "range":
            if lo is None or hi is None:
                ctx.add(i, "low", "chỉ tiêu dạng khoảng cần cả cận dưới và cận trên" if vi else
                        "a range target needs both low and high")
            elif lo >= hi:
                ctx.add(i, "low", f"cận dưới ({lo:g}) phải nhỏ hơn cận trên ({hi:g})" if vi else
                        f"the low end ({lo:g}) must be below the high end ({hi:g})")
            if v is not None:
                ctx.add(i, "value", "chỉ tiêu dạng khoảng ghi cận dưới và cận trên, không ghi giá trị" if vi else
                        "a range target takes low and high, not value")
        elif r.comparator is not None:
            if v is None:
                ctx.add(i, "value", f"chỉ tiêu '{r.comparator}' cần một giá trị" if vi else
                        f"a '{r.comparator}' target needs a value")
            if lo is not None or hi is not None:
                ctx.add(i, "low", "cận dưới/cận trên chỉ dùng cho chỉ tiêu dạng khoảng (range)" if vi else
                        "low/high are only for range targets")
        for c, x in (("value", v), ("low", lo), ("high", hi)):
            if x is not None and r.unit in RATE_UNITS and not 0 <= x <= RATE_UNITS[r.unit]:
                top = RATE_UNITS[r.unit]
                hint = _m(ctx.lang, "looks_pct") if r.unit == "share" and 1 < x <= 100 else ""
                ctx.add(i, c, _m(ctx.lang, "rate_range", top=_g(top), what="%" if r.unit == "percent" else ("(tỷ lệ 0-1)" if vi else "(share)"),
                                 v=_g(x), hint=hint))
        if ref is not None and r.indicator is not None and kinds.get(r.indicator) == "count":
            ctx.add(i, "indicator", f"'{r.indicator}' là chỉ số đếm (số lượng); chỉ tiêu phải là tỷ lệ" if vi else
                    f"'{r.indicator}' is a count indicator; targets must be rates")
        vals.append(np.nan if v is None else v)
        lows.append(np.nan if lo is None else lo)
        highs.append(np.nan if hi is None else hi)
    out["value"], out["low"], out["high"] = vals, lows, highs
    scale = out["unit"].map(lambda u: RATE_UNITS.get(u, np.nan)).astype(float)
    for c in ("value", "low", "high"):
        out[f"{c}_share"] = out[c].astype(float) / scale
    out["variant"] = out["variant"].map(lambda b: b if b is not None else "")
    out["year"] = pd.array(list(out["year"]), dtype="Int64")
    return out


def _rules_geographies(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool, raw_cols=None) -> pd.DataFrame:
    ids = set(df["geo_id"].dropna())
    if df["successor"].notna().any():
        from simlib.inputs import places

        current = set(places.provinces()["geo_id"])
    else:
        current = set()
    for i, r in enumerate(df.itertuples(index=False)):
        if r.parent is not None and r.parent not in ids:
            ctx.add(i, "parent", f"parent '{r.parent}' is not a geo_id in this file")
        if r.parent is None and r.level != "country":
            ctx.add(i, "parent", "only the country has no parent")
        if r.successor is not None and r.successor not in ids and r.successor not in current:
            ctx.add(i, "successor", f"successor '{r.successor}' is neither a geo_id in this file nor one of the 34 "
                                    "provinces since 1/7/2025 (simlib.inputs.places.provinces())")
    return df


def _rules_indicators(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool, raw_cols=None) -> pd.DataFrame:
    for i, r in enumerate(df.itertuples(index=False)):
        if r.kind in ("rate", "school_share") and r.unit not in RATE_UNITS:
            ctx.add(i, "unit", "a rate indicator needs unit percent or share")
        if r.kind == "count" and r.unit in RATE_UNITS:
            ctx.add(i, "unit", "a count indicator needs a count unit")
    return df


def _rules_context(df: pd.DataFrame, ctx: _Ctx, ref: Reference | None, strict: bool, raw_cols=None) -> pd.DataFrame:
    out = df.copy()
    vals = []
    for i, r in enumerate(df.itertuples(index=False)):
        v = None if r.value is None else r.value[0]
        if v is None and r.text is None:
            ctx.add(i, "value", "give a number in 'value' or a statement in 'text'")
        if v is not None and v < 0:
            ctx.add(i, "value", f"cannot be below zero (found {v:g})")
        vals.append(np.nan if v is None else v)
    out["value"] = vals
    return out


_ROW_RULES = {
    "observations": _rules_observations,
    "targets": _rules_targets,
    "case_targets": lambda df, ctx, ref, strict, **kw: _rules_targets(
        df.assign(comparator=df["comparator"].map(lambda c: c if c is not None else ">="), variant=None),
        ctx, ref, strict, **kw),
    "geographies": _rules_geographies,
    "indicators": _rules_indicators,
    "context": _rules_context,
}


def _check_duplicates(df: pd.DataFrame, schema: Schema, ctx: _Ctx, kind: str, strict: bool) -> None:
    """Rows that repeat a key. Rows whose key cells could not be read are left out (no cascade)."""
    if kind == "observations":
        ids = df["obs_id"].astype(str)
        given = ~ids.str.contains(":row", regex=False)
        if strict or given.all():
            keys = [("obs_id",)]
        else:
            keys = [schema.key]
    else:
        keys = [schema.key]
        first_id = schema.columns[0]
        if first_id.kind == "id" and (first_id.name,) != schema.key:
            keys.append((first_id.name,))
    for key in keys:
        bad = ctx.failed_mask(*key)
        if key == (schema.columns[0].name,) and not schema.columns[0].nonempty:
            # an optional id (a case's targets.csv: generated from the row when absent) is compared where given
            bad = bad | np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in df[key[0]]], dtype=bool)
        sub = df[list(key)].astype(str)[~bad]
        dup = sub.duplicated(keep=False)
        if not dup.any():
            continue
        pos = np.flatnonzero(~bad)
        groups: dict[tuple, list[int]] = {}
        for j in np.flatnonzero(dup.to_numpy()):
            groups.setdefault(tuple(sub.iloc[j]), []).append(int(pos[j]))
        for k, idxs in groups.items():
            first_row = df["row"].iloc[idxs[0]]
            vals = [df[c].iloc[idxs[0]] for c in key]
            shown = ", ".join(f"{c}={v}" for c, v in zip(key, vals) if not is_missing(v) and v is not pd.NA
                              and str(v) not in ("", "<NA>"))
            ctx.add(idxs[1:], key[0], _m(ctx.lang, "duplicate", first=first_row, keys=" + ".join(key), shown=shown))
