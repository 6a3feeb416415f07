"""Case folders and scenario files as planners (and careless or hostile testers) write them, each with what simlib
must make of it: the words its refusal must contain, or what it must read.

``write_case_corpus(folder)`` writes every case folder and scenario file under ``folder`` and returns the
:class:`CaseFolder` list. Everything is illustrative test data: provinces and units are real, the targets and
counts are made up here and mean nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: A minimal valid case.yaml (Tây Ninh is in the bundled geographies: no units.csv needed).
BASE = ("# Kịch bản thử\n"
        "id: thu\n"
        "title_vi: \"Thử\"\n"
        "geography: vn.tay_ninh\n"
        "as_of: 2026\n"
        "years: [2022, 2030]\n"
        "units: plan\n"
        "language: vi\n")

SCENARIO = ("name: thu\n"
            "title_vi: \"Thử\"\n"
            "title_en: \"Test\"\n"
            "description: a test\n"
            "quota:\n"
            "  grade10_public_share: {2027: 0.70}\n")


@dataclass
class CaseFolder:
    """One case folder (``kind="case"``) or scenario file (``kind="scenario"``) and what simlib must make of it.

    ``refuse``: substrings of the refusal (empty: the folder must load). ``absent``: substrings that must not
    appear. ``targets``: for a folder that loads, the case's own targets as (geography, indicator, year, share);
    ``title``: its Vietnamese title as read.
    """

    name: str
    path: Path
    kind: str = "case"
    refuse: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    targets: tuple[tuple, ...] = field(default_factory=tuple)
    title: str | None = None


def _case(folder: Path, name: str, yaml_text: str | bytes, files: dict[str, str] | None = None) -> Path:
    d = folder / name
    d.mkdir(parents=True)
    data = yaml_text if isinstance(yaml_text, bytes) else yaml_text.encode("utf-8")
    (d / "case.yaml").write_bytes(data)
    for fname, text in (files or {}).items():
        (d / fname).write_text(text, encoding="utf-8")
    return d


TARGETS_HEADER = "Địa bàn,Chỉ số,Năm,So sánh,Giá trị,Đơn vị,Nguồn,Ghi chú\n"


def write_case_corpus(folder: Path) -> list[CaseFolder]:
    """Write the case folders and scenario files; return what each must give."""
    folder = Path(folder)
    out: list[CaseFolder] = []

    def refused(name, text, words, files=None, absent=()):
        out.append(CaseFolder(name, _case(folder, name, text, files), "case", tuple(words), tuple(absent)))

    # --- case.yaml: keys, YAML tricks, bytes (refused in the case's language: Vietnamese unless language: en) -------
    # Every Vietnamese refusal names the file (the folder's name is checked by the test), the YAML line, what was
    # seen, and what to do ("hãy"), with no English words.
    refused("duplicate_key", BASE + "geography: vn.lai_chau\n",
            ("case.yaml, dòng 9", "khóa 'geography' xuất hiện hai lần (dòng 4 và dòng 9)", "hãy giữ một"),
            absent=("appears", "line"))
    refused("duplicate_key_en", BASE.replace("language: vi", "language: en") + "geography: vn.lai_chau\n",
            ("case.yaml, line 9", "the key 'geography' appears twice (line 4 and line 9)", "keep one"))
    refused("duplicate_nested_key", BASE.replace("units: plan\n", "units: plan\nheadline: [a]\nheadline: [b]\n"),
            ("dòng 8", "khóa 'headline' xuất hiện hai lần",))
    bomb = BASE.replace("units: plan\n", "units: plan\ndescription: &a [x, x, x, x, x, x, x, x, x]\n"
                        "notes: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n")
    refused("alias_bomb", bomb, ("dòng 9", "bí danh *a", "neo và bí danh", "hãy ghi đầy đủ"), absent=("alias *",))
    refused("not_utf8", BASE.replace("title_vi: \"Thử\"", "title_vi: \"Th\xff\"").encode("latin-1", "replace")
            .replace(b"Th\xe1\xbb\xad", b"Thu"),
            ("dòng 3, cột 14", "không phải văn bản UTF-8 (byte 0xff)", "hãy lưu lại tệp với bảng mã UTF-8"),
            absent=("byte 4", "line ", "not UTF-8"))
    refused("not_utf8_en", (BASE.replace("language: vi", "language: en")
                            .replace("title_vi: \"Thử\"", "title_vi: \"Th\xff\"")).encode("latin-1", "replace")
            .replace(b"Th\xe1\xbb\xad", b"Thu"), ("line 3, column 14", "not UTF-8 text (byte 0xff)"),
            absent=("dòng",))
    refused("unknown_key", BASE.replace("units: plan\n", "units: plan\ngeografy: vn.lai_chau\n"),
            ("dòng 8, khóa 'geografy'", "khóa không có (có phải là 'geography'?)", "hãy sửa hoặc xóa dòng này"),
            absent=("unknown key",))
    refused("missing_key", BASE.replace("as_of: 2026\n", ""), ("thiếu khóa 'as_of'", "hãy thêm một dòng như as_of: 2026"))
    refused("bad_id", BASE.replace("id: thu", "id: Thử Nghiệm"), ("dòng 2, khóa 'id'", "thấy 'Thử Nghiệm'", "hãy ghi"))
    refused("title_is_a_list", BASE.replace("title_vi: \"Thử\"", "title_vi: [a, b]"),
            ("dòng 3, khóa 'title_vi'", "thấy ['a', 'b']", "hãy ghi một dòng chữ"))
    refused("units_bad", BASE.replace("units: plan", "units: all"), ("dòng 7, khóa 'units'", "thấy 'all'", "children"))
    refused("language_bad", BASE.replace("language: vi", "language: fr"), ("dòng 8, khóa 'language'", "thấy 'fr'"))
    refused("unknown_geography", BASE.replace("vn.tay_ninh", "Tỉnh Atlantis"),
            ("dòng 4, khóa 'geography'", "Atlantis"), absent=("unknown geography",))
    refused("unknown_plan", BASE + "plans: [kh_khong_co]\n",
            ("dòng 9, khóa 'plans'", "không có kế hoạch kh_khong_co", "targets.csv"))
    # --- years and "today": bounded, whole, within the run -------------------------------------------------------
    refused("years_absurd", BASE.replace("[2022, 2030]", "[2022, 3000]"),
            ("dòng 6, khóa 'years'", "thấy [2022, 3000]", "năm 3000 nằm ngoài khoảng 2010-2045", "hãy ghi"))
    refused("years_absurd_en", BASE.replace("[2022, 2030]", "[2022, 3000]").replace("language: vi", "language: en"),
            ("line 6, key 'years'", "3000 is outside 2010-2045",))
    refused("years_too_many", BASE.replace("[2022, 2030]", "[2010, 2045]"),
            ("dòng 6", "mô phỏng 36 năm, tối đa 25 năm"))
    refused("years_fractional", BASE.replace("[2022, 2030]", "[2022.5, 2030]"),
            ("dòng 6", "thấy [2022.5, 2030]", "phải là hai năm nguyên"))
    refused("years_reversed", BASE.replace("[2022, 2030]", "[2030, 2022]"), ("năm cuối 2022 trước năm đầu 2030",))
    refused("as_of_fractional", BASE.replace("as_of: 2026", "as_of: 2026.5"),
            ("dòng 5, khóa 'as_of'", "thấy 2026.5", "phải là một năm nguyên"))
    refused("as_of_after_horizon", BASE.replace("as_of: 2026", "as_of: 2031"),
            ("dòng 5, khóa 'as_of'", "thấy 2031, nằm ngoài các năm được mô phỏng 2022-2030", "hãy ghi ví dụ 2026"))
    refused("as_of_long_ago", BASE.replace("as_of: 2026", "as_of: 2010"),
            ("thấy 2010, nằm ngoài các năm được mô phỏng 2022-2030",))
    # --- what loads: a '$' in a title is text (charts take it as plain text: test_charts_take_planner_text...) -----
    d = _case(folder, "dollar_in_title", BASE.replace("title_vi: \"Thử\"", "title_vi: \"Chi phí 5$ $\\\\frac$\""))
    out.append(CaseFolder("dollar_in_title", d, title="Chi phí 5$ $\\frac$"))
    # --- targets.csv: several rows load; a true duplicate is refused by its rows --------------------------------
    rows = ("Tỉnh Tây Ninh,thcs_to_gdnn_sc_tc,2028,>=,25,percent,KH 12/KH-UBND,giữa kỳ\n"
            "Tỉnh Tây Ninh,thcs_to_gdnn_sc_tc,2030,>=,30,percent,KH 12/KH-UBND,\n"
            "Tỉnh Tây Ninh,thpt_to_cao_dang,2030,ít nhất,\"20,5\",percent,KH 12/KH-UBND,\n")
    d = _case(folder, "targets_several_rows", BASE, {"targets.csv": TARGETS_HEADER + rows})
    out.append(CaseFolder("targets_several_rows", d, targets=(
        ("vn.tay_ninh", "thcs_to_gdnn_sc_tc", 2028, 0.25), ("vn.tay_ninh", "thcs_to_gdnn_sc_tc", 2030, 0.30),
        ("vn.tay_ninh", "thpt_to_cao_dang", 2030, 0.205))))
    refused("targets_true_duplicate", BASE,
            ("dòng 5", "trùng với dòng 3", "geography + indicator + year"),
            {"targets.csv": TARGETS_HEADER + rows + rows.splitlines(keepends=True)[1]}, absent=("target_id",))
    # --- scenario files (read by the same safe YAML reader) -------------------------------------------------
    sdir = folder / "scenarios"
    sdir.mkdir()

    def scenario(name, text, words):
        p = sdir / f"{name}.yaml"
        p.write_text(text, encoding="utf-8")
        out.append(CaseFolder(name, p, "scenario", tuple(words)))

    scenario("scenario_ok", SCENARIO, ())
    scenario("scenario_duplicate_key", SCENARIO + "quota:\n  grade10_public_share: {2027: 0.5}\n",
             ("the key 'quota' appears twice (line 5 and line 7)",))
    scenario("scenario_alias_bomb", SCENARIO.replace("description: a test\n", "description: &a [x, x, x]\n"
                                                     "notes: [*a, *a]\n"), ("alias *a",))
    return out


if __name__ == "__main__":  # pragma: no cover
    import sys
    import tempfile

    for c in write_case_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())):
        print(f"{c.kind:9s} {c.name:30s} {'refused' if c.refuse else 'ok'}  {c.path}")
