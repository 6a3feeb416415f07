"""The schemas of simlib's tables and of planners' files: columns, units, comparators, levels.

Each table kind (``observations``, ``targets``, ``geographies``, ``indicators``, ``plans``, ``context``) has a
:class:`Schema`: its columns (:class:`Column`: header aliases in Vietnamese and English, type, required), and its
key. Re-exported by :mod:`simlib.inputs.validation`.
"""

from __future__ import annotations

from dataclasses import dataclass

from simlib.inputs.textio import fold_key


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
    doc_vi: str = ""

    def shown(self, lang: str) -> str:
        """The column's name as a planner reads it: in Vietnamese the first Vietnamese header alias ('Nguồn')."""
        if lang == "vi":
            vi = next((a for a in self.aliases if not a.isascii()), None)
            if vi:
                return vi[:1].upper() + vi[1:]
        return self.name

    def described(self, lang: str) -> str:
        """`` (what the column holds)`` in the planner's language, or an empty string."""
        doc = self.doc_vi if lang == "vi" else self.doc
        return f" ({doc})" if doc else ""


@dataclass(frozen=True)
class Schema:
    kind: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    doc: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


_PROV = (
    Column("source", nonempty=True, doc="document or publisher the figure comes from", doc_vi="văn bản hoặc cơ quan công bố số liệu"),
    Column("url", doc="URL or file path of the source", doc_vi="đường dẫn hoặc tệp của nguồn"),
    Column("locator", doc="table, section, page or sentence within the source", doc_vi="bảng, mục, trang hoặc câu trong nguồn"),
    Column("source_date", required=False, doc="date of the source document", doc_vi="ngày của văn bản nguồn"),
)


SCHEMAS: dict[str, Schema] = {
    "observations": Schema(
        "observations",
        (
            Column("obs_id", "id", required=False, doc="unique id (bundled data); generated from the row number if absent", doc_vi="mã duy nhất (số liệu đi kèm simlib); nếu không có, lấy theo số dòng"),
            Column("geography", "geography", nonempty=True, aliases=("địa bàn", "dia ban", "huyện", "unit", "đơn vị hành chính", "tên đơn vị", "địa phương", "xã", "phường",
                                                          "xã/phường", "xã, phường", "quận/huyện", "huyện/thị xã/thành phố",
                                                          "huyện, thị xã, thành phố", "đơn vị hành chính cấp xã", "tên xã",
                                                          "tên huyện", "tên địa bàn", "geo_id", "place", "area"),
                   doc="geo_id or name from data/geographies.csv", doc_vi="tên hoặc mã của địa bàn trong data/geographies.csv"),
            Column("indicator", "indicator", nonempty=True, aliases=("chỉ tiêu", "chi tieu", "mã chỉ tiêu", "tên chỉ tiêu", "chỉ số", "indicator_id"),
                   doc="indicator_id from data/indicators.csv, or its Vietnamese name", doc_vi="mã chỉ số trong data/indicators.csv, hoặc tên tiếng Việt của chỉ số"),
            Column("breakdown", required=False, aliases=("phân nhóm", "phân tổ", "nhóm", "chi tiết", "trường"), doc="sub-group (e.g. a level of training); empty for the total", doc_vi="nhóm chi tiết (ví dụ một trình độ đào tạo); để trống nếu là số tổng"),
            Column("period", required=False, doc="the period as the source states it", doc_vi="kỳ số liệu như nguồn ghi"),
            Column("year", "year", aliases=("năm", "nam", "school_year", "năm học", "nam hoc", "năm báo cáo"),
                   doc="reference year: the calendar year in which the school year ends ('2020-2021' is read as 2021)", doc_vi="năm tham chiếu: năm dương lịch kết thúc năm học ('2020-2021' được đọc là 2021)"),
            Column("map", required=False, aliases=("bản đồ", "ban do", "theo bản đồ", "tên theo bản đồ"),
                   doc="which map the row's place name follows: 'mới' / 'new' (since 1/7/2025) or 'cũ' / 'old' "
                       "(before); default: the map of the row's year", doc_vi="tên địa danh của dòng theo bản đồ nào: 'mới' (từ 1/7/2025) hoặc 'cũ' (trước đó); mặc định: bản đồ của năm ghi ở dòng"),
            Column("year_first", "year", required=False, doc="first year covered when a figure spans several years", doc_vi="năm đầu tiên khi số liệu gộp nhiều năm"),
            Column("value", "number", required=False, aliases=("giá trị", "gia tri", "tỷ lệ", "tỉ lệ", "ty le", "số liệu", "kết quả"),
                   doc="the figure (point value)", doc_vi="số liệu (một giá trị)"),
            Column("low", "number", required=False, aliases=("cận dưới",), doc="lower end of a range or a lower bound ('over 6 %')", doc_vi="cận dưới của khoảng, hoặc một cận dưới ('trên 6 %')"),
            Column("high", "number", required=False, aliases=("cận trên",), doc="upper end of a range", doc_vi="cận trên của khoảng"),
            Column("high_open", "bool", required=False, doc="yes when the upper end is open ('over 16 %')", doc_vi="ghi 'có' khi khoảng không có cận trên ('trên 16 %')"),
            Column("numerator", "count", required=False, aliases=("tử số", "tu so"), doc="count of students in the numerator (e.g. entrants to trung cấp)", doc_vi="số học sinh ở tử số (ví dụ số vào học trung cấp)"),
            Column("denominator", "count", required=False, aliases=("mẫu số", "mau so"), doc="count of students in the denominator (e.g. THCS graduates)", doc_vi="số học sinh ở mẫu số (ví dụ số học sinh tốt nghiệp THCS)"),
            Column("se", "number", required=False, aliases=("sai số chuẩn", "standard error"), doc="standard error of the value, same unit", doc_vi="sai số chuẩn của giá trị, cùng đơn vị"),
            Column("unit", "unit", nonempty=True, aliases=("đơn vị", "don vi", "đơn vị tính", "đvt", "don vi tinh"),
                   doc="percent, share, or a count unit (may instead be written in the value header: 'Giá trị (%)')", doc_vi="percent (%), share (0-1) hoặc một đơn vị đếm (có thể ghi trong tiêu đề cột giá trị: 'Giá trị (%)')"),
            Column("basis", "choice", required=False, choices=BASIS,
                   doc="how the figure's definition relates to the indicator's: same, broader, narrower, unclear", doc_vi="định nghĩa của số liệu so với chỉ số: same (như nhau), broader (rộng hơn), narrower (hẹp hơn), unclear (chưa rõ)"),
            Column("flags", required=False, doc="semicolon-separated caveats", doc_vi="các lưu ý, cách nhau bằng dấu chấm phẩy"),
            Column("derivation", required=False, doc="how a derived figure was computed", doc_vi="cách tính số liệu suy ra"),
            Column("source", nonempty=True, aliases=("nguồn", "nguon", "nguồn số liệu", "nguồn dữ liệu"), doc="document or publisher the figure comes from", doc_vi="văn bản hoặc cơ quan công bố số liệu"),
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
            Column("target_id", "id", required=False, doc="unique id; generated from the row if absent", doc_vi="mã duy nhất; nếu không có, tạo từ dòng"),
            Column("geography", "geography", nonempty=True, aliases=("địa bàn", "dia ban", "xã", "phường", "unit"),
                   doc="the commune, ward or province the target is for", doc_vi="xã, phường hoặc tỉnh mà chỉ tiêu đặt ra cho"),
            Column("indicator", "indicator", nonempty=True, aliases=("chỉ số", "chi so", "chỉ tiêu", "chi tieu"),
                   doc="indicator_id from data/indicators.csv", doc_vi="mã chỉ số trong data/indicators.csv"),
            Column("year", "year", nonempty=True, aliases=("năm", "nam")),
            Column("comparator", "comparator", required=False, aliases=("so sánh", "so sanh"),
                   doc=">= (default), >, <=, <, range or approx", doc_vi=">= (mặc định), >, <=, <, range (khoảng) hoặc approx (khoảng chừng)"),
            Column("value", "number", required=False, aliases=("giá trị", "gia tri", "mục tiêu", "muc tieu")),
            Column("low", "number", required=False),
            Column("high", "number", required=False),
            Column("unit", "unit", nonempty=True, aliases=("đơn vị", "don vi")),
            Column("as_written", required=False, doc="the number exactly as the plan writes it (default: value)", doc_vi="con số đúng như kế hoạch ghi (mặc định: giá trị)"),
            Column("source", nonempty=True, aliases=("nguồn", "nguon", "văn bản", "van ban"),
                   doc="the plan or decision that sets the target", doc_vi="kế hoạch hoặc quyết định đặt ra chỉ tiêu"),
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
