"""The message catalogue of ``inputs``: every message of the validator in English and Vietnamese, in one table.

:data:`MESSAGES` maps a key to its (English, Vietnamese) templates; :func:`message` fills one in the planner's
language. A message that names a unit, a row or a value takes them as fields (``{rows}``, ``{v}``). The
report's words (charts, documents) live in :mod:`simlib.present.i18n` and ``data/glossary.csv``.

Examples
--------
>>> message("did_you_mean", "vi", s="'Tây Ninh'")
"; có phải là 'Tây Ninh'?"
>>> message("did_you_mean", "en", s="'Tây Ninh'")
"; did you mean 'Tây Ninh'?"
"""

from __future__ import annotations

from simlib.inputs.schemas import SMALL_PERCENT_FLAG


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
