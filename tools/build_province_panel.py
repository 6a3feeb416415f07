"""Build ``data/gso_panel.csv`` and ``data/province_figures.csv`` from the research table.

Source: ``shared/research/vn_province_panel_2026.csv`` (every row with its URL and quote; notes in
``vn_province_panel_2026_notes.md``). Run once by hand when the research table changes::

    python tools/build_province_panel.py ../shared/research/vn_province_panel_2026.csv data

Nothing is estimated here: rows are copied, given ids (former provinces keep ids of their own, see
``former_id``) and the current province their area belongs to (``successor``, from the official conversion
table in ``vietnamadminunits`` via :func:`simlib.inputs.places.historical_units`).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pandas as pd

from simlib.inputs import places
from simlib.inputs.textio import strip_accents

GSO_URL = "https://github.com/choisy/gso/blob/50040d2c4b4f8b8a92f6e236c3a7ebd15fc6a058/data-raw/gso_21092018.zip"
GSO_INDICATORS = {"pupils_primary": "primary_pupils", "pupils_lower_secondary": "thcs_pupils",
                  "pupils_upper_secondary": "thpt_pupils", "thpt_graduation_pass_rate": "thpt_graduation_rate"}
GSO_COLUMN = {"pupils_primary": "Primary", "pupils_lower_secondary": "Lower secondary",
              "pupils_upper_secondary": "Upper secondary"}
# GSO spellings that the slug of the official name does not give
GSO_ALIASES = {"thua_thien_hue": "hue", "ho_chi_minh_city": "ho_chi_minh", "ba_ria_vung_tau": "ba_ria_vung_tau"}
# Units that split on 1/1/2004 (Resolution 22/2003/QH11): the parent's 2002-2003 figures cover the new province too
AREA_2004 = {"lai_chau": "Điện Biên", "dak_lak": "Đắk Nông", "can_tho": "Hậu Giang"}


def slug(name: str) -> str:
    return places.slug(strip_accents(name))


def former_ids() -> dict[str, dict]:
    """slug -> {geo_id, successor, name_vi, code} for the 63 former provinces and Hà Tây."""
    hist = places.historical_units("province")
    absorbed: dict[str, int] = hist.groupby("successor").size().to_dict()
    out = {}
    for r in hist.itertuples():
        s = r.geo_id.split(".", 1)[1]
        # a former province whose id is a current province's that also took in others keeps an id of its own
        gid = f"vn.{s}_pre2025" if (r.geo_id == r.successor and absorbed.get(r.successor, 0) > 1) else r.geo_id
        out[s] = {"geo_id": gid, "successor": r.successor, "name_vi": r.name_vi, "code": r.code}
    out["ha_tay"] = {"geo_id": "vn.ha_tay", "successor": "vn.ha_noi", "name_vi": "Tỉnh Hà Tây", "code": ""}
    return out


def gso_rows(src: pd.DataFrame) -> list[dict]:
    ids = former_ids()
    rows = []
    sel = src[src["indicator"].isin(list(GSO_INDICATORS))]
    for r in sel.itertuples():
        name = r.geography
        if name.startswith("WHOLE COUNTRY"):
            geo, succ, key = "vn", "vn", "vn"
        elif "(region" in name:
            continue  # the six statistical regions are not places of simlib
        else:
            key = slug(name)
            key = GSO_ALIASES.get(key, key)
            geo, succ = ids[key]["geo_id"], ids[key]["successor"]
        ind = GSO_INDICATORS[r.indicator]
        if "nghean.gov.vn" in r.source_url:  # the provincial statistical yearbook 2017 (preliminary 2017 column)
            ref_year = int(r.year_end)
            rows.append({"obs_id": f"nso_nghe_an.{GSO_INDICATORS[r.indicator]}.{ref_year + 1}", "geography": "vn.nghe_an",
                         "successor": "vn.nghe_an", "name_source": name, "indicator": GSO_INDICATORS[r.indicator],
                         "period": f"{ref_year}-{ref_year + 1}", "year": ref_year + 1,
                         "reference_date": f"{ref_year}-09-30", "value": r.value, "unit": "students",
                         "flags": "preliminary", "source": "Cục Thống kê Nghệ An, Niên giám thống kê 2017",
                         "url": r.source_url, "locator": r.quote, "notes": r.notes})
            continue
        table, cell = r.quote.split(" | ", 1)
        entry = r.source_url.split(" :: ", 1)[1]
        flags = []
        if ind == "thpt_graduation_rate":
            first = int(r.school_year[:4])
            year, ref, period, unit = first + 1, "", r.school_year, "percent"
        else:
            ref_year = int(r.year_end)
            year, ref, period, unit = ref_year + 1, f"{ref_year}-09-30", f"{ref_year}-{ref_year + 1}", "students"
            if ref_year == 2016:
                flags.append("latest_year_may_be_preliminary")
        if key in AREA_2004 and year <= 2004 and ind != "thpt_graduation_rate" or (
                key in AREA_2004 and ind == "thpt_graduation_rate" and year <= 2004):
            flags.append("area_differs")
        if key == "ha_tay":
            flags.append("former_province_until_2008")
        row, col = cell.split(" = ")[0].split(" | ")
        locator = f"{entry.split('/', 1)[1]}: row {row}, column {col}"
        rows.append({
            "obs_id": f"gso.{geo.split('.', 1)[-1]}.{ind}.{year}", "geography": geo, "successor": succ, "name_source": name,
            "indicator": ind, "period": period, "year": year, "reference_date": ref,
            "value": r.value, "unit": unit, "flags": ";".join(flags),
            "source": "GSO PX-Web (copy: choisy/gso@50040d2)",
            "url": GSO_URL, "locator": locator,
            "notes": ("area_differs: the figure covers " + AREA_2004[key] + " too (split on 1/1/2004)")
            if "area_differs" in flags else "",
        })
    return rows


# Province figures other than the GSO table: quotas (planned intake), counts, with the research row's quote.
FIGURE_INDICATORS = {
    "grade10_public_quota": ("thpt_public_grade10_quota", "places"),
    "grade10_private_quota": ("grade10_private_quota", "places"),
    "grade10_gdtx_quota": ("grade10_gdtx_quota", "places"),
    "grade10_total_quota": ("grade10_places", "places"),
    "grade10_planned_intake_total": ("grade10_places", "places"),
    "grade10_public_quota_share_of_thcs_grads": ("grade10_public_quota_share", "percent"),
    "grade10_public_quota_share_of_grade9": ("grade10_public_quota_share", "percent"),
    "grade10_public_quota_share": ("grade10_public_quota_share", "percent"),
    "grade10_public_admission_rate_planned": ("grade10_public_quota_share", "percent"),
    "grade10_public_admission_share_planned": ("grade10_public_quota_share", "percent"),
    "grade9_pupils": ("grade9_enrolment", "students"),
    "thcs_graduates": ("thcs_graduates", "students"),
    "thcs_graduates_expected": ("thcs_graduates", "students"),
    "grade10_public_exam_registrants": ("grade10_exam_candidates", "students"),
    "grade10_public_exam_candidates": ("grade10_exam_candidates", "students"),
}
PLACE = {  # research label -> (geo_id of the area the figure covers, successor)
    "Thái Nguyên (old, pre-2025)": ("vn.thai_nguyen_pre2025", "vn.thai_nguyen"),
    "Hà Tĩnh": ("vn.ha_tinh", "vn.ha_tinh"),
    "Nghệ An": ("vn.nghe_an", "vn.nghe_an"),
    "Bình Dương (old; merged into TP.HCM 2025)": ("vn.binh_duong", "vn.ho_chi_minh"),
    "TP. Hồ Chí Minh (old, pre-merger)": ("vn.ho_chi_minh_pre2025", "vn.ho_chi_minh"),
    "Hải Dương (old; merged into Hải Phòng 2025)": ("vn.hai_duong", "vn.hai_phong"),
    "Quảng Nam (old; merged into Đà Nẵng 2025)": ("vn.quang_nam", "vn.da_nang"),
    "Hà Nội": ("vn.ha_noi", "vn.ha_noi"),
}


def figure_rows(src: pd.DataFrame) -> list[dict]:
    rows, seen = [], {}
    for r in src.itertuples():
        if r.indicator not in FIGURE_INDICATORS or r.geography not in PLACE or pd.isna(r.year_end):
            continue
        ind, unit = FIGURE_INDICATORS[r.indicator]
        geo, succ = PLACE[r.geography]
        txt = str(r.value)
        low = high = ""
        if "-" in txt:
            low, high = txt.split("-")
            txt = ""
        u = str(r.unit)
        flags = []
        if any(w in u for w in ("about", "khoảng", "approx")):
            flags.append("approximate")
        if any(w in u for w in ("more than", "trên", "over", "lower bound", "hơn")):
            low, txt, flags = txt, "", flags + ["lower_bound"]
        if "nearly" in u:
            flags.append("approximate")
        if "expected" in r.indicator:
            flags.append("expected")
        if "planned" in r.indicator or "quota" in r.indicator:
            flags.append("planned")
        # year = the school year that ends when the cohort leaves grade 9 (the grade-10 intake follows it)
        year = int(r.year_end) if ind in ("thcs_graduates", "grade9_enrolment") else int(r.year_end)
        key = f"pf.{geo.split('.', 1)[1]}.{ind}.{year}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key += f".{seen[key]}"
        rows.append({"obs_id": key, "geography": geo, "successor": succ, "name_source": r.geography,
                     "indicator": ind, "period": r.school_year, "year": year, "reference_date": "",
                     "value": txt, "low": low, "high": high, "unit": unit, "flags": ";".join(flags),
                     "source": "press (research row: shared/research/vn_province_panel_2026.csv)",
                     "url": r.source_url, "locator": str(r.quote)[:300], "notes": str(r.notes)})
    return rows


def main(src_path: str, out_dir: str) -> None:
    src = pd.read_csv(src_path, dtype=str)
    src["year_end"] = pd.to_numeric(src["year_end"], errors="coerce")
    out = Path(out_dir)
    gso = pd.DataFrame(gso_rows(src)).sort_values(["geography", "indicator", "year"])
    gso.to_csv(out / "gso_panel.csv", index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    fig = pd.DataFrame(figure_rows(src)).sort_values(["geography", "indicator", "year"])
    fig.to_csv(out / "province_figures.csv", index=False, lineterminator="\n")
    print(len(gso), "GSO rows;", len(fig), "province figures")


if __name__ == "__main__":
    main(*sys.argv[1:3])
