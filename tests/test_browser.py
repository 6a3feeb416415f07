"""The HTML page in a real browser (headless Chromium): no horizontal overflow at A4 width, every image loaded.

Skipped when Chromium is not installed (``apt-get install -y chromium``); CI may not have it.
"""

from __future__ import annotations

import importlib.util

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from conftest import REPO  # noqa: E402
from simlib.present import charts  # noqa: E402
from simlib.present.export import Column, Section, write_html_summary  # noqa: E402
from simlib.present.i18n import t  # noqa: E402

_spec = importlib.util.spec_from_file_location("simlib_screenshot", REPO / "tools" / "screenshot.py")
shot = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shot)

try:
    shot.find_chromium()
    HAVE_CHROMIUM = True
except shot.ChromiumMissing:
    HAVE_CHROMIUM = False
pytestmark = pytest.mark.skipif(not HAVE_CHROMIUM, reason="Chromium is not installed (apt-get install -y chromium)")

YEARS = np.arange(2025, 2031)
Q = pd.DataFrame({c: 0.15 + 0.01 * (YEARS - 2024) + z * 0.02 for c, z in
                  zip(charts.FAN_COLUMNS, (-1.28, -0.67, 0.0, 0.67, 1.28))}, index=YEARS)
WIDE = pd.DataFrame({
    "geography_name": ["Thành phố Tân An", "Huyện Cần Giuộc"] * 6,
    "indicator": [t("thcs_to_gdnn_sc_tc", "vi"), t("thpt_to_cao_dang", "vi")] * 6,
    "year": [2025, 2030] * 6, "target_pct": [40.12, 45.84] * 6, "timing": ["past_estimated", "future"] * 6,
    "p_met": [0.0041, 0.215] * 6, "verdict": ["very_unlikely", "unlikely"] * 6, "median_pct": [18.9, 31.2] * 6,
    "q0.1_pct": [12.1, 22.0] * 6, "q0.9_pct": [25.3, 40.4] * 6, "n_points": [3, 0] * 6,
    "note": ["không có số liệu riêng của huyện: dùng xu hướng của tỉnh với độ phân tán giả định giữa các huyện"] * 12,
    "target_id": ["la25.thcs.rate.appendix.vn.long_an.tan_an"] * 12,
})
COLUMNS = [Column("geography_name"), Column("indicator"), Column("year", "year"), Column("target_pct", "percent", decimals=2),
           Column("timing", "code", codes="timing"), Column("p_met", "prob"), Column("verdict", "verdict"),
           Column("median_pct", "percent"), Column("q0.1_pct", "percent"), Column("q0.9_pct", "percent"),
           Column("n_points", "int"), Column("note"), Column("target_id", "id")]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A sample summary.html from synthetic sections: two charts (PNG and SVG), a wide table, callouts."""
    folder = tmp_path_factory.mktemp("page")
    fig = charts.fan_chart(Q, targets=[(None, 0.4012, 2025)], lang="vi", title=t("thcs_to_gdnn_sc_tc", "vi"),
                           source="thử nghiệm", today=2025.5)
    png = charts.save_figure(fig, folder / "fan.png", dpi=60)
    fig = charts.probability_bars(pd.DataFrame({"label": ["baseline", "all_levers"], "p_met": [0.004, 0.55]}),
                                  lang="vi", title=t("report.p_met_title", "vi", year="2025"), source="thử nghiệm")
    svg = charts.save_figure(fig, folder / "p_met.svg")
    sections = [
        Section(t("report.headline", "vi"), "Đoạn văn kết luận. " * 40,
                callouts=[(t("report.callout_p", "vi", target="40,12%", short="THCS", year="2025"), "< 0,01")] * 3,
                images=[svg]),
        Section(t("report.verdicts", "vi"), table=WIDE, columns=COLUMNS),
        Section(t("report.details", "vi"), images=[png], page_break_before=True),
    ]
    return write_html_summary(folder / "summary.html", title=t("report.title_geo", "vi", geo="Tỉnh mẫu"), lang="vi",
                              sections=sections, footer="simlib · thử nghiệm")


def test_summary_fits_a4_width_and_every_image_loads(page, tmp_path):
    rep = shot.check_page(page, screenshot=tmp_path / "summary.png")
    assert rep["window_width"] == shot.A4_WIDTH_PX
    assert rep["scroll_width"] <= rep["window_width"] and rep["overflowing"] == []
    assert len(rep["images"]) == 1 and rep["broken_images"] == []
    assert len(rep["svgs"]) == 1 and rep["empty_svgs"] == 0
    assert rep["ok"] is True
    data = (tmp_path / "summary.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_the_check_catches_overflow_and_broken_images(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"></head><body>'
                   '<table><tr><td style="white-space:nowrap">' + "Rất dài " * 200 + '</td></tr></table>'
                   '<img src="data:image/png;base64,AAAA" alt="hỏng"></body></html>', encoding="utf-8")
    rep = shot.check_page(bad)
    assert rep["ok"] is False
    assert rep["scroll_width"] > rep["window_width"]
    assert any(el["tag"] == "td" for el in rep["overflowing"])
    assert rep["broken_images"] == ["hỏng"]


def test_command_line_exit_status(page, tmp_path):
    assert shot.main([str(page), "--out", str(tmp_path)]) == 0
    assert (tmp_path / f"{page.parent.name}_summary.png").exists()
