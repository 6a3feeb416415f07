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


__all__ = ["MESSAGES", "LANGS", "message"]

#: Every message of ``inputs``: key -> (English template, Vietnamese template), ``str.format`` fields.
MESSAGES: dict[str, tuple[str, str]] = {
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
    "unknown_ind_listed": ("unknown indicator '{v}'{sugg}; the valid indicators are listed in the notes below "
                           "(and in data/indicators.csv)",
                           "chỉ số '{v}' không có{sugg}; các chỉ số hợp lệ được liệt kê ở phần Ghi chú bên dưới "
                           "(và trong data/indicators.csv)"),
    "known_indicators": ("valid indicators (id and Vietnamese name): {known}",
                         "các chỉ số hợp lệ (mã và tên tiếng Việt): {known}"),
    # scenario files (a planner's YAML): the setting's place in the file is {where}
    "scen_year_number": ("{where}: write {{year: number}}, e.g. {{2027: 0.70}}; got {y}: {v}",
                         "{where}: ghi {{năm: số}}, ví dụ {{2027: 0.70}}; thấy {y}: {v}"),
    "scen_number": ("{where}: write a number or {{year: number}}, e.g. {{2027: 0.70}}; got {v}",
                    "{where}: ghi một số hoặc {{năm: số}}, ví dụ {{2027: 0.70}}; thấy {v}"),
    "scen_pct_sign": ("{where}: '{v}' has a % sign; settings are numbers in the lever file's unit (a share is "
                      "written 0-1: {fixed})",
                      "{where}: '{v}' có dấu %; thiết lập ghi bằng số theo đơn vị của tệp giải pháp (tỷ lệ ghi dạng "
                      "0-1: {fixed})"),
    "scen_decimal_comma": ("{where}: a decimal comma ({v}); in scenario files write the decimal point: {fixed}",
                           "{where}: số có dấu phẩy thập phân ({v}); trong tệp kịch bản hãy dùng dấu chấm thập "
                           "phân: {fixed}"),
    "scen_yaml_comma": ("{where}: {{{y}: {v}, {k}: ...}} looks like a decimal comma ({v},{k}); in scenario files "
                        "write the decimal point, e.g. {{2027: 0.70}}",
                        "{where}: {{{y}: {v}, {k}: ...}} có vẻ là số có dấu phẩy thập phân ({v},{k}); trong tệp kịch "
                        "bản hãy dùng dấu chấm thập phân, ví dụ {{2027: 0.70}}"),
    "scen_no_years": ("{where}: no year given; write e.g. {{2027: 0.70}}",
                      "{where}: chưa ghi năm nào; ví dụ {{2027: 0.70}}"),
    "scen_not_mapping": ("{where}: a scenario file is a list of 'key: value' lines (name, title_vi, title_en, "
                         "description, levers, quota, tracks, capacity)",
                         "{where}: tệp kịch bản gồm các dòng 'khóa: giá trị' (name, title_vi, title_en, description, "
                         "levers, quota, tracks, capacity)"),
    "scen_lever_settings": ("{where}: levers.{name}: give its settings, e.g. coverage: {{2027: 1.0}}",
                            "{where}: levers.{name}: hãy ghi các thiết lập của giải pháp, ví dụ coverage: {{2027: 1.0}}"),
    "scen_section": ("{where}: {section}: write {{name: number or {{year: number}}}}, e.g. {example}",
                     "{where}: {section}: ghi {{tên: số hoặc {{năm: số}}}}, ví dụ {example}"),
    "scen_capacity": ("{where}: expected {shape_en}; got {v}", "{where}: cần ghi dạng {shape_vi}; thấy {v}"),
    "scen_out_of_range": ("{where}: {what} = {x} is outside its plausible range [{lo}, {hi}] ({unit})",
                          "{where}: {what} = {x} nằm ngoài khoảng hợp lý [{lo}, {hi}] ({unit})"),
    "scen_unknown_lever": ("{where}: unknown lever '{name}'; the lever file has: {known}",
                           "{where}: không có giải pháp '{name}'; tệp giải pháp có: {known}"),
    "scen_unknown_setting": ("{where}: lever {lever} has no setting '{name}'; its settings: {known}",
                             "{where}: giải pháp {lever} không có thiết lập '{name}'; các thiết lập: {known}"),
    "scen_unknown_quota": ("{where}: quota.{name} is not known; the lever file ({file}) has: {known}",
                           "{where}: quota.{name} không có; tệp giải pháp ({file}) có: {known}"),
    "scen_unknown_track": ("{where}: tracks.{name} is not known; the lever file ({file}) has: {known}",
                           "{where}: tracks.{name} không có; tệp giải pháp ({file}) có: {known}"),
    "scen_split": ("{where}: give fractions by destination, e.g. {{thpt_private: 0.4, gdtx: 0.3, trung_cap: 0.2, "
                   "not_continuing: 0.1}}",
                   "{where}: ghi tỷ lệ (0-1) theo nơi đến, ví dụ {{thpt_private: 0.4, gdtx: 0.3, trung_cap: 0.2, "
                   "not_continuing: 0.1}}"),
    "scen_split_dest": ("{where}: '{t}' is not a destination students above the quota can go to; use {known}",
                        "{where}: '{t}' không phải nơi học sinh vượt chỉ tiêu có thể đến; dùng {known}"),
    "scen_fraction": ("{where}: a fraction 0-1; got {v}", "{where}: cần một tỷ lệ từ 0 đến 1; thấy {v}"),
    "scen_split_sum": ("{where}: the fractions sum to {total}; they must sum to 1 (every displaced student goes "
                       "somewhere)",
                       "{where}: tổng các tỷ lệ là {total}; tổng phải bằng 1 (mỗi học sinh vượt chỉ tiêu đều đi đâu "
                       "đó)"),
    "scen_cap_origin": ("{where}: origin must be 'thcs' or 'thpt'", "{where}: cấp phải là 'thcs' hoặc 'thpt'"),
    "scen_cap_track": ("{where}: unknown track; {origin} tracks that can be capped: {known}",
                       "{where}: loại hình không có; các loại hình sau {origin} có thể giới hạn chỗ: {known}"),
    "scen_cap_negative": ("{where}: seats must be zero or more", "{where}: số chỗ phải từ 0 trở lên"),
    "scen_cap_geo": ("{where}: capacity for unknown geography '{geo}' (geo ids are in data/geographies.csv and the "
                     "case's units.csv, e.g. '{example}')",
                     "{where}: giới hạn chỗ cho địa bàn '{geo}' không có (mã địa bàn ở data/geographies.csv và "
                     "units.csv của hồ sơ, ví dụ '{example}')"),
    "scen_no_file": ("scenario '{name}': no file {path}; the scenarios available: {known}",
                     "kịch bản '{name}': không có tệp {path}; các kịch bản hiện có: {known}"),
    "scen_flows": ("{where}: {problem}", "{where}: {problem}"),
    # the lever file (data/levers.yaml or a case's copy): the entry's place in the file is {where}
    "lev_no_levers": ("{where}: a lever file needs a 'levers:' section (one entry per lever)",
                      "{where}: tệp giải pháp cần mục 'levers:' (mỗi giải pháp một mục)"),
    "lev_mapping": ("{where}: expected 'key: value' lines under it", "{where}: cần các dòng 'khóa: giá trị' bên dưới"),
    "lev_mechanism": ("{where}: mechanism must be one of {known}; got {v}",
                      "{where}: mechanism (cơ chế tác động) phải là một trong {known}; thấy {v}"),
    "lev_needs": ("{where}: mechanism {mech} needs {what_en} '{name}'",
                  "{where}: cơ chế {mech} cần {what_vi} '{name}'"),
    "lev_indicator": ("{where}: give the indicator the lever acts on (indicator: ...)",
                      "{where}: hãy ghi chỉ số mà giải pháp tác động (indicator: ...)"),
    "lev_not_steered": ("{where}: {ind} is not an indicator the flows steer; use one of {known}",
                        "{where}: {ind} không phải chỉ số do mô hình luồng học sinh điều chỉnh; dùng một trong {known}"),
    "lev_shock": ("{where}: give indicator, start_year and effect", "{where}: hãy ghi indicator, start_year và effect"),
    "lev_max_feasible": ("{where}: combination.max_feasible_share has no entry for {ind} (lever {lever}); add one",
                         "{where}: combination.max_feasible_share thiếu mục cho {ind} (giải pháp {lever}); hãy bổ sung"),
    "lev_name_taken": ("{where}: levers.{key}: the name is taken by the {key} section; rename the lever",
                       "{where}: levers.{key}: tên này đã dùng cho mục {key}; hãy đổi tên giải pháp"),
    "lev_utilisation": ("{where}: capacity.utilisation (a prior) is missing",
                        "{where}: thiếu capacity.utilisation (một phân phối tiên nghiệm)"),
    "lev_prior_dist": ("{where}: a prior needs 'dist' (one of {known}) and its parameters",
                       "{where}: phân phối tiên nghiệm cần khóa 'dist' (một trong {known}) và các tham số của nó"),
    "lev_unknown_dist": ("{where}: unknown distribution {v}; use one of {known}",
                         "{where}: phân phối {v} không có; dùng một trong {known}"),
    "lev_dist_param": ("{where}: distribution {dist} needs the parameter '{name}'",
                       "{where}: phân phối {dist} cần tham số '{name}'"),
    "lev_dist_numbers": ("{where}: the parameters of {dist} must be numbers (a decimal point, no % sign); got {v}",
                         "{where}: tham số của {dist} phải là số (dấu chấm thập phân, không có dấu %); thấy {v}"),
    "lev_dist_invalid": ("{where}: parameters {v} cannot make a {dist} distribution (sd and sdlog at least 0, a and b "
                         "above 0, high at least low)",
                         "{where}: các tham số {v} không tạo được phân phối {dist} (sd và sdlog từ 0 trở lên, a và b "
                         "lớn hơn 0, high không nhỏ hơn low)"),
    "lev_status": ("{where}: status must be one of {known}; got {v}",
                   "{where}: status (mức căn cứ) phải là một trong {known}; thấy {v}"),
    "lev_prior_source": ("{where}: every prior needs a 'source' (where its numbers come from)",
                         "{where}: mỗi phân phối tiên nghiệm cần khóa 'source' (nguồn của các con số)"),
    "lev_value_spec": ("{where}: write {{value: ..., status: ..., source: ...}}",
                       "{where}: hãy ghi {{value: ..., status: ..., source: ...}}"),
    "lev_value_number": ("{where}: value must be a number (a decimal point, no % sign); got {v}",
                         "{where}: value phải là số (dấu chấm thập phân, không có dấu %); thấy {v}"),
    "lev_setting": ("{where}: write unit, min, max and default (min, max and default are numbers)",
                    "{where}: hãy ghi unit, min, max và default (min, max, default là số)"),
    "lev_default_range": ("{where}: default {d} is outside [{lo}, {hi}]",
                          "{where}: giá trị mặc định (default) {d} nằm ngoài [{lo}, {hi}]"),
    "lev_range": ("{where}: write unit, min and max (min and max are numbers)",
                  "{where}: hãy ghi unit, min và max (min, max là số)"),
    "lev_range_source": ("{where}: give the source of the plausible range (source: ...)",
                         "{where}: hãy ghi nguồn của khoảng hợp lý (source: ...)"),
    "lev_overflow": ("{where}: write split, concentration, status and source",
                     "{where}: hãy ghi split, concentration, status và source"),
    "lev_concentration": ("{where}.concentration: a number above 0; got {v}",
                          "{where}.concentration: cần một số lớn hơn 0; thấy {v}"),
    "lev_overflow_status": ("{where}: write status (evidence, judgement or illustrative) and source",
                            "{where}: hãy ghi status (evidence, judgement hoặc illustrative) và source (nguồn)"),
    "lev_track_dest": ("{where}: not a destination after THCS; the destinations: {known}",
                       "{where}: không phải nơi đến sau THCS; các nơi đến: {known}"),
    "lev_taken_from": ("{where}.taken_from: name the destinations after THCS its students come from (e.g. "
                       "[trung_cap, gdtx]); not usable: {v}",
                       "{where}.taken_from: hãy ghi các nơi đến sau THCS mà học sinh của loại hình này chuyển từ đó "
                       "sang (ví dụ [trung_cap, gdtx]); không dùng được: {v}"),
    "did_you_mean": ("; did you mean {s}?", "; có phải là {s}?"),
    'value_column_guessed': ("column {letter} '{col}' was taken as the value column",
        "cột {letter} '{col}' được lấy làm cột giá trị (value)"),
    'unfilled_rows': ('{n} rows not filled in (no figure, no source) were left out',
        '{n} dòng chưa điền (không có số liệu, không có nguồn) được bỏ qua'),
    'unit_from_registry': ("no unit column: each row's unit is its indicator's (data/indicators.csv: {shown})",
        'tệp không có cột đơn vị: đơn vị của mỗi dòng lấy theo chỉ số (data/indicators.csv: {shown})'),
    'unit_from_registry_pct': ('; {n} percent-formatted cells agree',
        '; {n} ô định dạng phần trăm khớp với đơn vị đó'),
    'not_a_map': ("'{v}' is not a map; write 'new' (names of the map since 1/7/2025) or 'old' (before), or leave it empty (the map of the row's year)",
        "'{v}' không rõ là bản đồ nào; ghi 'mới' (tên theo bản đồ từ 1/7/2025) hoặc 'cũ' (trước 1/7/2025), hoặc để trống (theo năm của dòng)"),
    'province_taken': ("the file's province was taken as '{name}' ({source}) to settle names found in several provinces",
        "tỉnh của tệp được lấy là '{name}' ({source}) để xác định các tên trùng"),
    'from_title': ('from the title block',
        'từ phần đầu biểu'),
    'from_other_rows': ("from the file's other rows",
        'từ các dòng khác của tệp'),
    'abolished_unit': ("'{name}' ({year}) names a unit abolished or merged on 1/7/2025: it is now part of {now}",
        "'{name}' ({year}) ghi đơn vị đã giải thể/sáp nhập ngày 1/7/2025: nay thuộc {now}"),
    'rows_prefix': ('row{s} {rows}: ',
        'dòng {rows}: '),
    'old_map_units': ('{n} unit{s} of the map before 1/7/2025 ({shown}); kept as historical series of their areas, now part of {now}',
        '{n} đơn vị theo bản đồ trước 1/7/2025 ({shown}); số liệu được giữ là chuỗi lịch sử của địa bàn cũ, nay thuộc {now}'),
    "same_name_today": (
        "'{name}' ({year}) names two different areas: the former {old} ({old_id}, until 30/6/2025{went}) and {today} "
        "since 1/7/2025 ({today_id}), another area. A row of a year before 2025-2026 is read on the map of its year "
        "(the former commune), so simlib will not choose: for figures of today's {today} (recomputed for past years) "
        "write the geo id {today_id}; for the former commune write {old_id}",
        "'{name}' ({year}) là tên của hai địa bàn khác nhau: {old} cũ ({old_id}, đến 30/6/2025{went}) và {today} từ "
        "1/7/2025 ({today_id}), một địa bàn khác. Dòng có năm trước 2025-2026 được đọc theo bản đồ của năm đó (xã "
        "cũ), nên simlib không tự chọn: nếu là số liệu của {today} hiện nay (tính lại cho các năm trước), ghi mã "
        "{today_id}; nếu là của xã cũ, ghi mã {old_id}"),
    "same_name_went": (", its area now in {went}", ", nay thuộc {went}"),
    'unknown_province': ('unknown province',
        'không có tỉnh'),
    'the_34_provinces': ('the 34 provinces (closest first)',
        '34 tỉnh, thành (gần nhất trước)'),
    'did_you_mean_word': ('; did you mean',
        '; có phải là'),
    'unknown_geo': ("unknown geography '{name}'{where}{elsewhere}{sugg}",
        "địa bàn '{name}' không có{where}{elsewhere}{sugg}"),
    'known_geos': (" (known: data/geographies.csv and the communes and wards of the map since 1/7/2025; write the name with its province, e.g. 'Xã Đức Hòa, Tỉnh Tây Ninh', or give the file's province with --province)",
        " (các địa bàn hợp lệ: data/geographies.csv và các xã, phường của bản đồ hành chính từ 1/7/2025; ghi tên kèm tỉnh, ví dụ 'Xã Đức Hòa, Tỉnh Tây Ninh', hoặc cho biết tỉnh của tệp bằng --province)"),
    'ambiguous_unit': ("'{name}' is ambiguous: it could be {body}; write the kind and the province, e.g. 'Xã …, Tỉnh …' (communes and wards since 1/7/2025) or 'Huyện …, Tỉnh …' (former districts), or give the file's province (--province)",
        "'{name}' chưa rõ là đơn vị nào: có thể là {body}; hãy ghi rõ loại và tỉnh, ví dụ 'Xã …, Tỉnh …' (xã/phường từ 1/7/2025) hoặc 'Huyện …, Tỉnh …' (huyện cũ), hoặc cho biết tỉnh của tệp (--province)"),
    'or': (' or ',
        ' hoặc '),
    'edge_with_cohort': ('row(s) {rows}: a rate of 0 % or 100 % was read with the cohort of the same unit and year in this file (numerator, denominator)',
        'dòng {rows}: tỷ lệ 0 % hoặc 100 % được đọc kèm số học sinh cùng địa bàn, cùng năm trong tệp (tử số, mẫu số)'),
    'share_word': ('(share)',
        '(tỷ lệ 0-1)'),
    'here': (' (here: {e:.4g})',
        ' (ở đây: {e:.4g})'),
    'target_unit': ("a target must be a rate: unit percent or share (found '{v}')",
        "chỉ tiêu phải là tỷ lệ: đơn vị percent hoặc share (thấy '{v}')"),
    'range_needs_both': ('a range target needs both low and high',
        'chỉ tiêu dạng khoảng cần cả cận dưới và cận trên'),
    'range_order': ('the low end ({lo:g}) must be below the high end ({hi:g})',
        'cận dưới ({lo:g}) phải nhỏ hơn cận trên ({hi:g})'),
    'range_no_value': ('a range target takes low and high, not value',
        'chỉ tiêu dạng khoảng ghi cận dưới và cận trên, không ghi giá trị'),
    'target_needs_value': ("a '{comp}' target needs a value",
        "chỉ tiêu '{comp}' cần một giá trị"),
    'low_high_range_only': ('low/high are only for range targets',
        'cận dưới/cận trên chỉ dùng cho chỉ tiêu dạng khoảng (range)'),
    'target_count_indicator': ("'{v}' is a count indicator; targets must be rates",
        "'{v}' là chỉ số đếm (số lượng); chỉ tiêu phải là tỷ lệ"),
    "diacritics": ("; did you mean {s}? (letters with diacritics must match)", "; có phải là {s}? (dấu tiếng Việt phải khớp)"),
}


#: The earlier name of :data:`MESSAGES`.
_MSG = MESSAGES

#: The languages of the catalogue, in the order of its templates.
LANGS = ("en", "vi")


def message(key: str, lang: str, **fields) -> str:
    """The message ``key`` in ``lang`` (``"vi"``, else English), its fields filled in.

    Parameters
    ----------
    key : str
        A key of :data:`MESSAGES`.
    lang : str
        ``"vi"`` or ``"en"`` (anything else reads as English).
    **fields
        The template's fields (a value, a column, rows...).
    """
    return MESSAGES[key][LANGS.index(lang) if lang in LANGS else 0].format(**fields)


def _m(lang: str, key: str, **kw) -> str:
    """:func:`message` with the language first (the validator's shorthand)."""
    return message(key, lang, **kw)


def _g(x: float) -> str:
    return f"{x:g}"
