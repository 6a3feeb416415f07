"""``python -m simlib init-case --province NAME FOLDER``: scaffold a planning case for any of the 34 provinces.

The folder it writes (nothing is overwritten; an existing non-empty folder is refused):

* ``case.yaml`` — the case, with Vietnamese comments: the province, "today",
  the years, the units (every commune and ward), the national benchmarks;
* ``units.csv`` — the province's communes and wards from the official map
  (``vietnam-provinces``), with their official codes;
* ``observations.csv`` — the planner's figures (Vietnamese headers, empty):
  rates and counts with their source, one row per place, indicator and year;
* ``mau_nhap_lieu_xa_phuong.csv`` — a filled-in entry sheet: one row per
  commune or ward, school year (the past five, labelled "2024-2025") and
  indicator a commune follows under Circular 16 (:data:`TEMPLATE_INDICATORS`),
  names on today's map (column "Bản đồ" = "mới"), values and sources left
  blank. Fill it and copy the rows into ``observations.csv``; unfilled rows
  are skipped;
* ``targets.csv`` — the province's own targets (Vietnamese headers, empty);
* ``scenarios/`` — the library's general scenarios and two examples of the
  new settings (the grade-10 quota, trung học nghề);
* ``README.md`` — in Vietnamese, what to fill and how to run the report.

Everything the case does not bring (national evidence, levers, flow-model
defaults) comes from the bundled library.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

from simlib.errors import InputError
from simlib.inputs import places
from simlib.inputs.resources import bundled_data_dir
from simlib.inputs.textio import read_table, strip_accents

__all__ = ["init_case", "template_rows", "OBSERVATION_HEADER", "TARGET_HEADER", "TEMPLATE_INDICATORS"]

#: Vietnamese headers of the planner template (the validator reads them; English headers work too).
#: "Chỉ số" is the indicator, "Chỉ tiêu" its numeric target (as the report says); "Năm học" takes "2024-2025";
#: "Bản đồ" says which map the row's place name follows ("mới": since 1/7/2025; "cũ": before).
OBSERVATION_HEADER = ("Địa bàn", "Chỉ số", "Năm học", "Bản đồ", "Giá trị", "Cận dưới", "Cận trên", "Tử số", "Mẫu số",
                      "Đơn vị", "Nguồn", "Ghi chú")
TARGET_HEADER = ("Địa bàn", "Chỉ số", "Năm", "So sánh", "Giá trị", "Đơn vị", "Nguồn", "Ghi chú")
#: What a commune follows each year under Circular 16/2026/TT-BGDĐT (young people after THCS and THPT), with the
#: unit of each; the template lists them for every commune and each of the past five school years.
TEMPLATE_INDICATORS = (("thcs_graduates", "students"), ("thcs_to_thpt", "percent"),
                       ("thcs_to_trung_hoc_nghe", "percent"), ("thcs_to_gdnn_sc_tc", "percent"),
                       ("thcs_not_continuing", "percent"), ("thpt_graduates", "students"),
                       ("thpt_to_cao_dang", "percent"), ("thpt_not_continuing", "percent"))
#: The template's map column: every row names today's commune or ward, whatever its year.
MAP_NEW = "mới (từ 1/7/2025)"
_GENERAL_SCENARIOS = ("baseline.yaml", "waiver_plus.yaml", "all_levers.yaml")


class CaseFolderError(InputError):
    """The case folder cannot be created where asked."""


def _csv(rows, header) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")  # Excel on Windows opens CRLF files cleanly
    w.writerow(header)
    w.writerows(rows)
    return "\ufeff" + out.getvalue()  # a BOM so Excel reads the diacritics as UTF-8


def _case_id(folder: Path, province_slug: str, horizon: int) -> str:
    stem = re.sub(r"[^a-z0-9_]+", "_", strip_accents(folder.name).lower()).strip("_")
    return stem if re.match(r"^[a-z][a-z0-9_]*$", stem or "") else f"{province_slug}_{horizon}"


def _yaml(case_id: str, name: str, geo: str, as_of: int, first: int, horizon: int) -> str:
    return f"""# Kịch bản lập kế hoạch phân luồng của tỉnh {name} (simlib).
# Sửa các dòng dưới đây rồi chạy:  python -m simlib report --case <thư mục này> --lang vi
id: {case_id}
title_vi: "{name}: phân luồng học sinh sau THCS và THPT, {as_of}-{horizon}"
title_en: "{name}: student streaming after THCS and THPT, {as_of}-{horizon}"
geography: {geo}
as_of: {as_of}            # "hôm nay": năm học gần nhất đã có kết quả phân luồng (năm kết thúc năm học)
years: [{first}, {horizon}]   # các năm được mô phỏng (năm kết thúc năm học)
units: children           # tỉnh và tất cả xã, phường (units.csv)
plans: []                 # chỉ tiêu của tỉnh: ghi vào targets.csv (mã kế hoạch = id ở trên)
benchmarks: [qd1705, qd2239]   # chỉ tiêu quốc gia dùng để đối chiếu (QĐ 1705: 95 % chuyển cấp; QĐ 2239: 50-55 % vào GDNN, tính gộp)
headline: [thcs_to_gdnn_sc_tc, thpt_to_cao_dang, thcs_transition, vet_share_pooled]
language: vi
kind: plan
"""


def _readme(name: str, n_units: int, case_id: str) -> str:
    return f"""# {name}: thư mục kịch bản lập kế hoạch (simlib)

Thư mục này do `python -m simlib init-case` tạo ra cho tỉnh {name} ({n_units} xã, phường theo danh mục đơn vị hành
chính từ ngày 1/7/2025). Mã kịch bản: `{case_id}`.

## Cần điền gì

1. **Số liệu thực tế** (`observations.csv`): mỗi dòng một địa bàn, một chỉ tiêu, một năm, kèm **nguồn** (văn bản,
   báo cáo, ngày). Tỷ lệ ghi theo phần trăm (`percent`, ví dụ `15,2`), số học sinh ghi theo `students`.
   `mau_nhap_lieu_xa_phuong.csv` đã có sẵn mọi xã, phường, năm năm học gần nhất (cột "Năm học", ví dụ
   `2024-2025`) và các chỉ số xã theo dõi theo Thông tư 16/2026/TT-BGDĐT: điền số liệu và nguồn rồi chép các dòng
   đã điền sang `observations.csv` (hoặc đổi tên tệp mẫu thành `observations.csv`). Các dòng chưa điền (không có
   số liệu, không có nguồn) được bỏ qua. Cột "Bản đồ" = `mới`: tên xã, phường theo bản đồ từ 1/7/2025, kể cả ở các
   năm học trước (số liệu tính lại cho địa bàn xã mới). Số liệu của huyện, xã cũ (trước 1/7/2025) ghi tên cũ với
   "Bản đồ" = `cũ`: được giữ làm chuỗi lịch sử của địa bàn cũ.
2. **Chỉ tiêu của tỉnh** (`targets.csv`, không bắt buộc): địa bàn, chỉ tiêu, năm, phép so sánh (`>=` = ít nhất),
   giá trị, đơn vị, văn bản giao chỉ tiêu. Thông tư 16/2026/TT-BGDĐT không áp đặt tỷ lệ: tỉnh tự đặt chỉ tiêu.
3. **Kịch bản** (`scenarios/`): sao chép một tệp, đổi `name`, tiêu đề và các thiết lập (chỉ tiêu lớp 10 công lập
   `quota`, trung học nghề `tracks`, các giải pháp `levers`).

Mã chỉ số (cột "Chỉ số") và ý nghĩa: xem `data/indicators.csv` của simlib (có tên tiếng Việt; có thể ghi tên
tiếng Việt thay cho mã). "Chỉ tiêu" là mức tỉnh đặt ra cho một chỉ số (`targets.csv`). Kiểm tra tệp trước khi
chạy: `python -m simlib validate observations.csv --province "{name}"`.

## Chạy

    python -m simlib report --case . --lang vi --out baocao

Các lệnh `python -m simlib ...` cần môi trường Python đã cài simlib. Nếu chưa kích hoạt môi trường ảo (venv), gọi
thẳng Python của nó, ví dụ với simlib ở `C:\\simlib` (Windows) hoặc `~/simlib` (Linux, macOS):

    C:\\simlib\\.venv\\Scripts\\python -m simlib report --case . --lang vi --out baocao
    ~/simlib/.venv/bin/python -m simlib report --case . --lang vi --out baocao

hoặc kích hoạt trước: `C:\\simlib\\.venv\\Scripts\\activate` (Windows), `source ~/simlib/.venv/bin/activate`
(Linux, macOS); với conda: `conda activate simlib`.

Báo cáo (trang HTML, bảng tính Excel, báo cáo Word, biểu đồ) nằm trong `baocao/`. `run.json` ghi lại hạt giống ngẫu
nhiên và mã băm của mọi tệp đầu vào: trích dẫn kèm các con số.
"""


def template_rows(names, as_of: int, years: int = 5) -> list[list[str]]:
    """Rows of the entry sheet: every unit x each of the ``years`` school years up to ``as_of`` x every indicator.

    Names are today's communes and wards (map column "mới"), so a figure of a past year is read as the figure of
    today's unit (recomputed for its area), never as a former unit of the same name. Values and sources are blank.
    """
    out = []
    for name in names:
        for y in range(as_of - years + 1, as_of + 1):
            for ind, unit in TEMPLATE_INDICATORS:
                out.append([name, ind, f"{y - 1}-{y}", MAP_NEW, "", "", "", "", "", unit, "", ""])
    return out


def init_case(province: str, folder: str | Path, *, as_of: int, horizon: int = 2030, first_year: int | None = None
              ) -> list[Path]:
    """Create a case folder for a province of the current (34-province) map.

    Parameters
    ----------
    province : str
        A province name in any form ("Tây Ninh", "tinh tay ninh"); a former
        province is refused with its successor named.
    folder : path
        Created; it must not exist or be empty.
    as_of : int
        "Today": the latest year whose graduates have streamed (e.g. 2026).
    horizon : int
        Last year simulated (e.g. 2030).
    first_year : int, optional
        First year simulated (default ``as_of - 4``, so the fans show recent years).

    Returns
    -------
    list of Path
        The files written.
    """
    place = places.province(province)
    if not place.current:
        raise CaseFolderError(f"'{province}' is a former province; since {places.MAP_CHANGE} it is part of "
                              f"{place.successor}: run init-case for that province")
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise CaseFolderError(f"{folder} exists and is not empty: choose a new folder (nothing was changed)")
    if horizon < as_of:
        raise CaseFolderError(f"the horizon {horizon} is before 'today' ({as_of})")
    folder.mkdir(parents=True, exist_ok=True)
    units = places.units(place.name_vi)
    prov_slug = place.geo_id.split(".", 1)[1]
    cid = _case_id(folder, prov_slug, horizon)
    first = first_year if first_year is not None else as_of - 4
    written = []

    def put(name: str, text: str) -> None:
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8", newline="")
        written.append(p)

    put("case.yaml", _yaml(cid, place.name_vi, place.geo_id, as_of, first, horizon))
    level = {"ward": "ward", "commune": "commune", "special_zone": "special_zone"}
    rows = [[r.geo_id, r.name_vi, "", level.get(r.kind, "commune"), place.geo_id, "", "", str(r.code)]
            for r in units.itertuples()]
    known = set(read_table(bundled_data_dir() / "geographies.csv").frame["geo_id"])
    if place.geo_id not in known:   # the province itself, first, when the library does not list it yet
        rows.insert(0, [place.geo_id, place.name_vi, "", "province", "vn", "",
                        "Official list of provinces from 1/7/2025 (written by init-case)", place.code or ""])
    put("units.csv", _csv(rows, ("geo_id", "name_vi", "name_en", "level", "parent", "aliases", "notes", "code"))
        .lstrip("\ufeff"))
    put("observations.csv", _csv([], OBSERVATION_HEADER))
    put("mau_nhap_lieu_xa_phuong.csv", _csv(template_rows(units["name_vi"], as_of), OBSERVATION_HEADER))
    put("targets.csv", _csv([], TARGET_HEADER))
    lib = bundled_data_dir() / "scenarios"
    for name in _GENERAL_SCENARIOS:
        if (lib / name).exists():
            (folder / "scenarios").mkdir(exist_ok=True)
            shutil.copyfile(lib / name, folder / "scenarios" / name)
            written.append(folder / "scenarios" / name)
    put("scenarios/quota_70.yaml", f"""name: quota_70
title_vi: "Chỉ tiêu lớp 10 công lập 70 %: từ năm học {as_of}-{as_of + 1}"
title_en: "Public grade-10 quota at 70 %: from the {as_of}-{as_of + 1} intake"
description: >
  Public grade-10 places for 70 % of THCS graduates in every commune from the next intake; the students above it
  go where others go (private THPT, trung học nghề, GDTX, vocational, not continuing). An example: set your quota.
quota:
  grade10_public_share: {{{as_of + 1}: 0.70}}
""")
    put("scenarios/trung_hoc_nghe.yaml", f"""name: trung_hoc_nghe
title_vi: "Trung học nghề: 2 % năm đầu, 6 % năm {horizon}"
title_en: "Trung học nghề: 2 % in the first year, 6 % in {horizon}"
description: >
  The new vocational upper-secondary level (Laws 123/2025/QH15 and 124/2025/QH15) takes 2 % of THCS graduates in
  its first intake and 6 % by {horizon}, from those who now choose trung cấp (9+), GDTX or sơ cấp. An example.
tracks:
  trung_hoc_nghe: {{{max(as_of + 1, 2027)}: 0.02, {horizon}: 0.06}}
""")
    put("README.md", _readme(place.name_vi, len(units), cid))
    return written
