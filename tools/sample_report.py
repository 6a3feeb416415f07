"""Sample charts, workbook, Word report and HTML page from synthetic inputs (a gallery and a visual check).

    python tools/sample_report.py OUT_DIR [--lang vi,en]

writes OUT_DIR/<lang>/: the six charts (PNG and SVG), simlib_report.xlsx,
report.docx and summary.html.

Everything here is synthetic (seeded, fixed numbers), labelled ILLUSTRATIVE /
MINH HỌA and names no real result: it shows what the presentation layer
draws, for the README gallery, for reviewers checking the wording, and for
tools/screenshot.py to render in a real browser.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from simlib.present import charts, i18n
from simlib.present.export import Column, Section, Sheet, write_html_summary, write_planner_workbook
from simlib.present.i18n import t
from simlib.present.word import DocHeader, DocSection, write_report_docx

YEARS = np.arange(2025, 2031)
Z = {"q0.05": -1.645, "q0.2": -0.842, "q0.35": -0.385, "q0.5": 0.0, "q0.65": 0.385, "q0.8": 0.842, "q0.95": 1.645}
UNITS = ["Tỉnh mẫu", "Tân Hưng", "Đức Hòa", "Cần Giuộc", "Mộc Hóa", "Bến Lức", "Thủ Thừa", "Châu Thành"]


def quantiles(start: float = 0.17, slope: float = 0.012, sd: float = 0.025) -> pd.DataFrame:
    """Synthetic forecast quantiles (fractions), widening with the horizon."""
    h = YEARS - 2024
    return pd.DataFrame({k: np.clip(start + slope * h + z * sd * np.sqrt(h), 0, 1) for k, z in Z.items()},
                        index=YEARS)


HISTORY = pd.DataFrame({
    "year": [2018, 2021, 2023, 2024],
    "value": [0.121, np.nan, 0.1519, 0.1630],
    "low": [np.nan, 0.10, np.nan, np.nan],
    "high": [np.nan, 0.16, np.nan, np.nan],
    "high_open": [False, False, False, False],
    "same_definition": [True, False, True, True],
    "year_first": [np.nan, 2021, np.nan, np.nan],
    "year_last": [np.nan, 2023, np.nan, np.nan],
    "planner": [False, False, False, True],
})
CONTRIB = pd.Series({"counselling_g9": 1.4, "tuition_support_g9": 3.1, "free_thpt": -2.2,
                     "information_g9": 0.6, "combination": -0.4})
SENS = pd.DataFrame({
    "parameter": ["lever.counselling_g9", "lever.tuition_support_g9", "lever.free_thpt", "lever.information_g9",
                  "trend"],
    "low": [29.8, 28.1, 30.4, 30.9, 3.0], "high": [32.9, 35.2, 31.9, 31.6, 74.0],
})


def build(out: Path, lang: str) -> dict[str, Path]:
    """Write the sample charts for one language; returns name -> PNG path."""
    src = "MINH HỌA: số liệu tổng hợp, không phải kết quả thực" if lang == "vi" else \
        "ILLUSTRATIVE: synthetic numbers, not a result"
    ind = t("thcs_to_gdnn_sc_tc", lang)
    unit = t("percent_of_thcs_graduates", lang)
    figs = {}
    figs["fan"] = charts.fan_chart(
        quantiles(), history=HISTORY, targets=[(None, 0.4012, 2025), ("QĐ 522", 0.40, None)], lang=lang,
        title=f"{ind}, Tỉnh mẫu", subtitle=t("report.fan_subtitle", lang, unit=unit,
                                             scenario=i18n.scenario_label("baseline", lang)),
        source=src, illustrative=True, today=2025.5, ylabel=unit)
    panels = {u: quantiles(0.12 + 0.015 * k, 0.006 + 0.001 * k) for k, u in enumerate(UNITS)}
    figs["districts"] = charts.small_multiples(
        panels, targets={u: 0.40 for u in UNITS}, probs={u: 0.01 * k for k, u in enumerate(UNITS)}, lang=lang,
        title=t("report.districts_title", lang, ind=ind, year="2025", units=t("geo.districts", lang)),
        subtitle=unit, note=t("report.districts_note", lang, k="5", m="7", units=t("geo.districts", lang)),
        source=src, illustrative=True, today=2025.5)
    labels = {s: i18n.scenario_label(s, lang) for s in ("baseline", "plan_as_written", "waiver_plus", "all_levers")}
    thcs, thpt = ("THCS→GDNN", "THPT→CĐ") if lang == "vi" else ("THCS→vocational", "THPT→cao đẳng")
    frame = pd.DataFrame({"label": [f"{thcs} {i18n.fmt_percent(40.12, lang, 2)}: {v}" for v in labels.values()]
                          + [f"{thpt} {i18n.fmt_percent(45.84, lang, 2)}: {labels['baseline']}"],
                          "p_met": [0.004, 0.03, 0.21, 0.55, np.nan],
                          "verdict": ["very_unlikely", "very_unlikely", "unlikely", "possible", "missed"],
                          "result": [None, None, None, None, "41,0% năm 2025" if lang == "vi" else "41.0% in 2025"]})
    figs["p_met"] = charts.probability_bars(frame, lang=lang, title=t("report.p_met_title", lang, year="2025"),
                                            note=t("report.caveat_bands", lang, bands=t(
                                                "verdict_bands_note", lang, a=i18n.fmt_number(0.8, lang, 1),
                                                b=i18n.fmt_number(0.5, lang, 1), c=i18n.fmt_number(0.2, lang, 1))),
                                            source=src, illustrative=True)
    base, total = 31.2, 31.2 + CONTRIB.sum()
    draws = t("draws", lang, n=i18n.fmt_int(10000, lang))
    figs["waterfall"] = charts.waterfall(
        CONTRIB, baseline=base, total=total, lang=lang,
        title=t("report.waterfall_title", lang, year="2030", scenario=labels["all_levers"]),
        subtitle=t("report.waterfall_subtitle", lang, unit=unit, draws=draws),
        note=t("report.baseline_explained", lang, value=i18n.fmt_percent(base, lang, 1), year="2030", draws=draws,
               median=i18n.fmt_percent(21.66, lang, 1)),
        baseline_label=t("report.waterfall_baseline", lang), unit_label=unit, source=src, illustrative=True)
    sens = SENS.assign(parameter=[p.replace("lever.", "") if p != "trend" else t("param.trend", lang)
                                  for p in SENS["parameter"]])
    figs["tornado"] = charts.tornado(
        sens, base=31.2, lang=lang, separate=[t("param.trend", lang)],
        title=t("report.tornado_title", lang, year="2030", scenario=labels["all_levers"]), subtitle=unit,
        source=src, illustrative=True, xlabel=t("share_year_unit", lang, year="2030", unit=unit))
    obs = pd.DataFrame({
        "panel": ["a", "a", "a", "a", "b", "b"], "series": ["p", "p", "vn", "p", "p", "p"],
        "year": [2021, 2023, 2019, 2021, 2021, 2021], "year_first": [np.nan, 2021, np.nan, np.nan, np.nan, np.nan],
        "value": [0.1319, np.nan, np.nan, np.nan, 0.1451, 0.0935], "low": [np.nan, 0.10, 0.2, np.nan, np.nan, np.nan],
        "high": [np.nan, 0.16, np.nan, np.nan, np.nan, np.nan], "high_open": [False, True, True, False, False, False],
        "same_definition": [True, False, False, True, False, False], "derived": [False, False, False, False, False,
                                                                                  True],
        "note": ["", "", "", "", "", t("alt_reading", lang)]}).dropna(subset=["value", "low"], how="all")
    tg = pd.DataFrame({"panel": ["a", "a", "b", "b", "a", "a", "a"], "plan": ["k", "q", "k", "q", "k", "k", "k"],
                       "year": [2025, 2025, 2025, 2025, 2025, 2025, 2025],
                       "share": [0.4012, 0.40, 0.4581, 0.45, 0.35, 0.42, 0.6522],
                       "comparator": [">=", ">=", ">=", ">=", ">=", ">=", ">="],
                       "detail": ["", "", "phụ lục; thân văn bản: 45,84%" if lang == "vi"
                                  else "appendix; body: 45.84%", "", "", "", ""],
                       "subunit": [False, False, False, False, True, True, True],
                       "subunit_name": ["", "", "", "", "Đức Hòa", "Bến Lức", "Tân Thạnh"]})
    figs["targets_vs_evidence"] = charts.targets_vs_evidence(
        obs, tg, panels=["a", "b"], panel_titles={"a": f"{ind} ({unit})", "b": f"{t('thpt_to_cao_dang', lang)} "
                                                  f"({t('percent_of_thpt_graduates', lang)})"},
        series_labels={"p": "Tỉnh mẫu", "vn": t("geo.country", lang)},
        plan_labels={"k": "Kế hoạch tỉnh mẫu" if lang == "vi" else "Sample province plan", "q": "QĐ 522"},
        lang=lang, title=t("report.evidence_title", lang), source=src, illustrative=True, today=2025.5,
        first_year=2015, last_year=2027)
    paths = {}
    for name, fig in figs.items():
        paths[name] = charts.save_figure(fig, out / lang / f"{name}.png")
        charts.save_figure(fig, out / lang / f"{name}.svg")
    return paths


#: A synthetic verdict table in the shape of simlib.assess.feasibility (a few of its columns).
SUMMARY = pd.DataFrame({
    "target_id": ["s.thcs.2025", "s.thpt.2025", "s.thcs.2030", "s.thcs.2025.d1"],
    "plan_id": ["sample_plan"] * 4,
    "geography": ["vn.sample", "vn.sample", "vn.sample", "vn.sample.d1"],
    "geography_name": ["Tỉnh mẫu", "Tỉnh mẫu", "Tỉnh mẫu", "Tân Hưng"],
    "indicator": ["thcs_to_gdnn_sc_tc", "thpt_to_cao_dang", "thcs_to_gdnn_sc_tc", "thcs_to_gdnn_sc_tc"],
    "year": [2025, 2025, 2030, 2025],
    "target_pct": [40.12, 45.84, 45.0, 38.0],
    "timing": ["past_estimated", "past_observed", "future", "past_estimated"],
    "p_met": [0.004123, np.nan, 0.2149999, 0.0777],
    "verdict": ["very_unlikely", "missed", "unlikely", "very_unlikely"],
    "observed_pct": [np.nan, 41.0, np.nan, np.nan],
    "median_pct": [18.93333, np.nan, 31.2, 20.1],
    "n_points": [3, 2, 3, 0],
})


def summary_columns(lang: str) -> list[Column]:
    """The column spec of the summary table (human columns first, ids last)."""
    names = {"thcs_to_gdnn_sc_tc": "THCS → GDNN" if lang == "vi" else "THCS → vocational",
             "thpt_to_cao_dang": "THPT → cao đẳng"}
    return [Column("geography_name"), Column("indicator", "code", values=names), Column("year", "year"),
            Column("target_pct", "percent", decimals=2), Column("timing", "code", codes="timing"),
            Column("p_met", "prob"), Column("verdict", "verdict"), Column("observed_pct", "percent"),
            Column("median_pct", "percent"), Column("n_points", "int"), Column("target_id", "id"),
            Column("plan_id", "id"), Column("geography", "id")]


def documents(out: Path, lang: str, charts_png: dict[str, Path]) -> list[Path]:
    """The sample workbook, Word report and HTML page for one language."""
    folder = out / lang
    cols = summary_columns(lang)
    draws = t("draws", lang, n=i18n.fmt_int(10000, lang))
    notes = [t("report.wb_general", lang, version="0.1.0", draws=draws, seed="20251122",
               data=t("report.wb_bundled_data", lang)), t("report.wb_illustrative_costs", lang),
             t("report.caveat_csv", lang)]
    title = t("report.title_geo", lang, geo="Tỉnh mẫu")
    xlsx = write_planner_workbook(folder / "simlib_report.xlsx", [
        Sheet(t("report.sheet.summary", lang), SUMMARY, cols, note=t("report.wb_note.summary", lang)),
        Sheet(t("report.sheet.feasibility", lang), SUMMARY, None, note=t("report.wb_note.feasibility", lang),
              freeze_columns=2),
    ], lang=lang, title=title, notes=notes)
    headline = [t("report.headline_past_estimated", lang, ind=t("thcs_to_gdnn_sc_tc", lang),
                  year="2025", target=i18n.fmt_percent(40.12, lang, 2), p=i18n.fmt_prob(0.004123, lang),
                  verdict=i18n.verdict_label("very_unlikely", lang).lower()),
                t("report.headline_past_missed", lang, ind=t("thpt_to_cao_dang", lang), year="2025",
                  target=i18n.fmt_percent(45.84, lang, 2), observed=i18n.fmt_percent(41.0, lang, 1),
                  gap=i18n.fmt_number(4.84, lang, 2))]
    caveats = [t("report.caveat_levers", lang), t("report.caveat_costs", lang),
               t("report.caveat_draws", lang, draws=draws, seed="20251122", mc=i18n.fmt_number(0.005, lang, 3))]
    header = DocHeader(agency_parent="UBND TỈNH MẪU", agency="SỞ GIÁO DỤC VÀ ĐÀO TẠO",
                       number=t("word.number_blank", lang, agency_code="SGDĐT"),
                       place_date=t("word.place_date_blank", lang, place="Tỉnh mẫu", year="2026"))
    docx_path = write_report_docx(
        folder / "report.docx", lang=lang, title=title, header=header, headline=headline,
        key_figures=[(t("report.callout_p", lang, target="40,12%" if lang == "vi" else "40.12%", short="THCS",
                        year="2025"), i18n.fmt_prob(0.004123, lang))],
        sections=[DocSection(t("report.verdicts", lang), table=SUMMARY, columns=cols,
                             table_caption=t("report.verdicts", lang),
                             images=[(charts_png["p_met"], t("report.p_met_title", lang, year="2025")),
                                     (charts_png["fan"], t("thcs_to_gdnn_sc_tc", lang))]),
                  DocSection(t("report.levers", lang), images=[(charts_png["waterfall"], t(
                      "report.waterfall_title", lang, year="2030", scenario=i18n.scenario_label("all_levers", lang)))])],
        caveats=caveats, sources=["data/observations.csv, data/targets.csv", "shared/plans/"],
        recipients=["- Như trên;" if lang == "vi" else "- As above;", "- Lưu: VT." if lang == "vi" else "- File."],
        signature=["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"] if lang == "vi" else ["FOR THE DIRECTOR"],
        footer_note=t("word.generated_by", lang, version="0.1.0"))
    sections = [
        Section(t("report.headline", lang), "\n\n".join(headline),
                callouts=[(t("report.callout_p", lang, target=i18n.fmt_percent(40.12, lang, 2), short="THCS",
                                                 year="2025"), i18n.fmt_prob(0.004123, lang)),
                          (t("report.callout_points", lang, short="THCS"), i18n.fmt_int(3, lang))],
                images=[charts_png["p_met"]]),
        Section(t("report.verdicts", lang), table=SUMMARY, columns=cols,
                note=t("report.caveat_bands", lang, bands=t("verdict_bands_note", lang, a=i18n.fmt_number(0.8, lang, 1),
                                                            b=i18n.fmt_number(0.5, lang, 1),
                                                            c=i18n.fmt_number(0.2, lang, 1)))),
        Section(t("report.details", lang), images=[charts_png["fan"], charts_png["districts"]],
                page_break_before=True),
        Section(t("report.levers", lang), images=[charts_png["waterfall"], charts_png["tornado"]]),
        Section(t("report.evidence", lang), images=[charts_png["targets_vs_evidence"]]),
        Section(t("report.caveats", lang), "\n\n".join(caveats)),
    ]
    html = write_html_summary(folder / "summary.html", title=title, lang=lang, sections=sections,
                              subtitle=t("report.subtitle", lang, year="2030", school_year="2025-2026"),
                              footer=t("report.footer", lang, version="0.1.0", draws=draws, seed="20251122"))
    return [xlsx, docx_path, html]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--lang", default="vi,en")
    a = ap.parse_args(argv)
    for lang in a.lang.split(","):
        pngs = build(a.out, lang)
        for p in [*pngs.values(), *documents(a.out, lang, pngs)]:
            print(p)


if __name__ == "__main__":
    main()
