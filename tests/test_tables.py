"""The report's table specs (simlib.present.tables) cover the verdict table and translate every code it can hold."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from simlib.assess import progress
from simlib.assess.feasibility import COLUMNS
from simlib.assess.verdicts import VERDICTS
from simlib.inputs.resources import bundled_data_dir
from simlib.present import i18n
from simlib.present.export import Sheet, write_planner_workbook
from simlib.present.tables import feasibility_columns, split_targets, summary_columns


def _feasibility() -> pd.DataFrame:
    rows = []
    for sc in ("baseline", "all_levers"):
        for tid, used, verdict, p in (("t1", True, "very_unlikely", 0.004), ("t1.body", False, "very_unlikely", 0.003),
                                      ("t2", True, "missed", np.nan), ("t3", True, "not_assessed", np.nan)):
            rows.append({c: np.nan for c in COLUMNS} | {
                "target_id": tid, "plan_id": "p", "geography": "vn.x", "geography_name": "Tỉnh mẫu",
                "indicator": "ind_a", "variant": "appendix" if used else "body", "used": used, "year": 2025,
                "comparator": ">=", "as_written": "40,12", "target_pct": 40.12, "timing": "past_estimated",
                "scenario": sc, "p_met": p, "verdict": verdict, "progress_class": "on track",
                "feasible_progress": "historically unprecedented", "feasible_method": "peer_panel",
                "illustrative": False, "evidence": "vn.x", "n_points": 3, "note": "n"})
    return pd.DataFrame(rows, columns=COLUMNS)


def test_specs_cover_the_verdict_table_exactly_with_ids_last():
    spec = feasibility_columns()
    assert sorted(c.key for c in spec) == sorted(COLUMNS)
    kinds = [c.kind for c in spec]
    assert kinds.index("id") == len(kinds) - 4 and set(kinds[-4:]) == {"id"}
    assert [c.key for c in spec[:3]] == ["geography_name", "indicator", "year"]
    assert set(c.key for c in summary_columns()) <= set(COLUMNS)


def test_split_targets_counts_each_target_once():
    summary, others = split_targets(_feasibility())
    assert summary["target_id"].tolist() == ["t1", "t2"]  # used and judged (met/missed included)
    assert others["target_id"].tolist() == ["t1.body", "t3"]  # the unused variant and the not-assessed target
    assert set(summary["scenario"]) == {"baseline"}
    s2, _ = split_targets(_feasibility(), scenario="all_levers")
    assert s2["scenario"].unique().tolist() == ["all_levers"]
    with pytest.raises(ValueError, match="no rows"):
        split_targets(_feasibility(), scenario="nope")


def test_every_code_the_engine_or_data_can_produce_is_translated():
    targets = pd.read_csv(bundled_data_dir() / "targets.csv")
    codes = {
        "verdict": list(VERDICTS),
        "timing": ["future", "past_observed", "past_estimated"],
        "progress": [label for _, label in progress.DEFAULT_CR_THRESHOLDS],
        "feasible": [label for _, label in progress.DEFAULT_VERDICT_BANDS]
        + [progress.UNPRECEDENTED, progress.ALREADY_REACHED, progress.NOT_ASSESSED],
        "method": ["peer_panel", "logistic_fallback", "none"],
        "comparator": list(targets["comparator"].dropna().unique()),
        "variant": list(targets["variant"].dropna().unique()),
    }
    for ns, values in codes.items():
        for v in values:
            for lang in i18n.LANGS:
                text = i18n.code_label(ns, v, lang)
                assert text and "_" not in text, (ns, v, lang)


def test_verdict_sheet_in_vietnamese_has_no_code_left(tmp_path):
    table = _feasibility()
    spec = feasibility_columns(indicator_names={"ind_a": "THCS → GDNN"}, scenario_titles={"all_levers": "Tất cả"})
    path = write_planner_workbook(tmp_path / "v.xlsx", [Sheet("Đánh giá", table, spec)], lang="vi", title="t")
    ws = openpyxl.load_workbook(path)["Đánh giá"]
    header = [c.value for c in ws[1]]
    assert not set(header) & set(COLUMNS)  # every header translated
    values = {v for row in ws.iter_rows(min_row=2, max_col=header.index("Ghi chú"), values_only=True) for v in row}
    for code in ("baseline", "all_levers", "past_estimated", "very_unlikely", "on track", "appendix", ">=",
                 "historically unprecedented", "ind_a"):
        assert code not in values, code
    assert {"Kịch bản cơ sở", "Tất cả", "Rất khó đạt", "Chưa đạt", "Đúng tiến độ", "Phụ lục", "≥",
            "THCS → GDNN"} <= values
