"""Every province renders: the full report (charts, workbook, Word, HTML) from `init-case` with no data, for all 34
provinces, and for Nghệ An (bundled former units with long names); planner text never becomes a formula.

Tiny Monte Carlo (the numbers are not checked here, only that every file is written and says what it should).
"""

from __future__ import annotations

import csv
import io
import time
import zipfile

import openpyxl
import pytest

from simlib.apps.init_case import init_case
from simlib.apps.report import compute, render
from simlib.inputs import places

DRAWS = 16  # the smallest run that still has a spread (Nghệ An below)
DRAWS_EVERY = 8  # the full report of each of the 34 provinces: the numbers are not checked there, only what is drawn


def _case(tmp_path, province: str):
    d = tmp_path / places.slug(province)
    init_case(province, d, as_of=2026)
    return d


def _charts(folder) -> set[str]:
    return {p.stem for p in folder.glob("*.png")}


def _provinces() -> list[str]:
    p = places.provinces().sort_values(["units", "short"], kind="stable")
    names = list(p["short"])
    assert len(names) == 34
    return names


#: The 34 provinces in two halves, one test class each: `make test` runs with `--dist loadscope`, which keeps a
#: class on one worker, so the two workers share the provinces (each class alternates small and large provinces).
_ALL = _provinces()
_HALVES = (_ALL[0::2], _ALL[1::2])


def _renders_its_full_report(tmp_path, name: str, lang: str) -> None:
    """A province of the current map, from `init-case` with no data, through `compute` and `render` in one language:
    every file, every chart drawn (or one line saying why not), the province's own name on the page, in the Word
    report and on every chart of it, a fan chart with borrowed figures saying whose they are, no English in the
    Vietnamese outputs, a CSV Excel reads (byte-order mark, integer years)."""
    from vi_words import english_in_report, id_headers

    from simlib.vocab import CHART_FAN_PROBS as FAN_PROBS
    from simlib.present import i18n

    t0 = time.process_time()
    data = compute(_case(tmp_path / "cases", name), n_draws=DRAWS_EVERY)
    out = tmp_path / "out"
    files = {p.name for p in render(data, lang, out)}
    assert {"summary.html", "report.docx", "simlib_report.xlsx", "feasibility.csv"} <= files
    b, geo = data.run.baseline, data.run.baseline.geography
    geo_name = b.bundle.geo_name(geo)
    html = (out / "summary.html").read_text(encoding="utf-8")
    doc = zipfile.ZipFile(out / "report.docx").read("word/document.xml").decode("utf-8")
    assert f"<title>{i18n.t('report.title_geo', lang, geo=geo_name)}</title>" in html and geo_name in doc
    charts = _charts(out)
    lever = data.lever_indicator
    assert {"p_met", "targets_vs_evidence", f"waterfall_{lever}", f"tornado_{lever}"} <= charts, charts
    for ind in data.headline():
        title = i18n.t("report.fan_title", lang, ind=b.registry.label(ind, lang, short=False), geo=geo_name)
        if data.run.fan(ind, geo, "baseline", probs=FAN_PROBS).isna().all().all():  # nothing to draw: one line says so
            assert f"fan_{ind}" not in charts and i18n.t("report.no_chart", lang, what=title) in html, ind
            continue
        svg = (out / f"fan_{ind}.svg").read_text(encoding="utf-8")
        assert 'id="fan:median"' in svg, ind  # not an empty chart
        assert f'aria-label="{title}"' in html, ind  # under the province's own title
        ev = b.evidence.get((geo, ind))
        if 'id="history:point"' in svg and ev.source_geography != geo:  # another geography's figures: said so
            assert 'id="chart-note"' in svg, ind
    for c in charts:
        assert (out / f"{c}.png").stat().st_size > 0 and (out / f"{c}.svg").stat().st_size > 0, c
    assert html.count("<svg") >= len(charts)  # every chart inlined in the page
    assert doc.count("<pic:pic") == len(charts)  # and in the Word report
    raw = (out / "feasibility.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    years = [r["year"] for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))]
    assert years and all(y.isdigit() and len(y) == 4 for y in years), years[:5]
    wb = openpyxl.load_workbook(out / "simlib_report.xlsx", read_only=True)
    ws = wb.worksheets[0]  # the summary: years and probabilities stored as numbers
    head = [c.value for c in next(ws.iter_rows(max_row=1))]
    for row in ws.iter_rows(min_row=2, values_only=True):
        rec = dict(zip(head, row))
        assert isinstance(rec[i18n.column_label("year", lang)], int)
        p = rec[i18n.column_label("p_met", lang)]
        assert p is None or (isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p <= 1)
    if lang == "vi":
        found = english_in_report(out, id_headers(lang))
        assert not found, found[:10]
    print(f"{name} ({lang}): {time.process_time() - t0:.1f} s CPU")


class TestEveryProvinceFirstHalf:
    """Half of the 34 provinces (full report each; Vietnamese and English alternate)."""

    @pytest.mark.parametrize("name", _HALVES[0])
    def test_renders_its_full_report(self, tmp_path, name):
        _renders_its_full_report(tmp_path, name, "vi" if _HALVES[0].index(name) % 2 == 0 else "en")


class TestEveryProvinceSecondHalf:
    """The other half."""

    @pytest.mark.parametrize("name", _HALVES[1])
    def test_renders_its_full_report(self, tmp_path, name):
        _renders_its_full_report(tmp_path, name, "en" if _HALVES[1].index(name) % 2 == 0 else "vi")


def test_every_province_s_names_fit_the_charts(tmp_path):
    """All 34 provinces from `init-case`: the charts that take unit names (the commune panels and the ranked
    commune chart) are drawn with each province's longest commune or ward name (as `init-case` writes it in
    units.csv), 34 panels and rows as the report draws up to 40; a name too long for a panel is wrapped or
    shortened, never an error (issue 25: Nghệ An's long names stopped the whole report)."""
    import numpy as np
    import pandas as pd

    from simlib.present import charts

    q = pd.DataFrame({c: np.linspace(0.10, 0.30, 5) + 0.02 * i for i, c in enumerate(charts.FAN_COLUMNS)},
                     index=range(2026, 2031))
    from simlib.inputs.bundle import load_bundle

    bundled = load_bundle().geographies
    names: list[str] = []
    for name, pid in zip(places.provinces()["short"], places.provinces()["geo_id"]):
        d = _case(tmp_path, name)
        units = list(csv.DictReader(io.StringIO((d / "units.csv").read_text(encoding="utf-8-sig"))))
        own = [u["name_vi"] for u in units if u["level"] == "province"] or [name]  # (Tây Ninh's row is bundled)
        subs = [u["name_vi"] for u in units if u["level"] != "province"]
        assert len(subs) > 1, name
        # and any unit the library bundles for the province (Nghệ An's former schools and districts)
        subs += list(bundled.loc[bundled["geo_id"].str.startswith(pid + "."), "name_vi"].dropna())
        names.append(min(subs, key=lambda n: (-len(n), n)))
        assert own
    assert len(names) == 34 and max(map(len, names)) >= 20  # real names, long ones among them
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    def inside(fig) -> list[str]:
        """Unit names drawn (partly) outside the figure: a label the layout did not wrap or shorten."""
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        r, box = canvas.get_renderer(), fig.bbox
        out = []
        for x in fig.findobj(Text):
            if x.get_visible() and x.get_text()[:6] in starts:
                e = x.get_window_extent(r)
                if e.x0 < box.x0 - 1 or e.x1 > box.x1 + 1:
                    out.append(x.get_text())
        return out

    starts = {n[:6] for n in names}
    fig = charts.small_multiples({n: q for n in names}, targets={names[0]: 0.25}, lang="vi",
                                 title="Tỷ lệ học sinh tốt nghiệp THCS vào GDNN")
    assert not inside(fig)
    assert charts.save_figure(fig, tmp_path / "units.png", dpi=40).stat().st_size > 0
    frame = pd.DataFrame({"label": names, "median": 0.2, "low": 0.1, "high": 0.3, "target": 0.25, "reported": 0.18,
                          "own": [k % 2 == 0 for k in range(len(names))], "p_met": 0.4})
    fig = charts.ranked_intervals(frame, lang="vi", title="Xã, phường xếp theo dự báo")
    assert not inside(fig)
    assert charts.save_figure(fig, tmp_path / "ranked.png", dpi=40).stat().st_size > 0


@pytest.fixture(scope="module")
def nghe_an(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nghe_an")
    d = tmp / "case"
    init_case("Nghệ An", d, as_of=2026)
    # a target for a bundled former unit with a long name: it gets a panel and a row in the ranked chart
    (d / "targets.csv").write_text("Địa bàn,Chỉ tiêu,Năm,So sánh,Giá trị,Đơn vị,Nguồn,Ghi chú\n"
                                   "vn.nghe_an.thcs_nguyen_thi_minh_khai,thcs_to_gdnn_sc_tc,2030,ít nhất,30,percent,"
                                   "Kế hoạch thử,\n", encoding="utf-8")
    return compute(d, n_draws=DRAWS), tmp


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_nghe_an_renders_with_long_unit_names(nghe_an, lang):
    """Its bundled former units have names such as "Trường THCS Nguyễn Thị Minh Khai (Hưng Nguyên, Nghệ An)":
    the commune panels wrap or shorten them instead of stopping the report."""
    data, tmp = nghe_an
    names = [data.inputs.bundle.geo_name(u) for u in data.inputs.units[1:]]
    assert max(len(n) for n in names) > 45  # the case this test is about
    out = tmp / lang
    render(data, lang, out)
    charts = _charts(out)
    assert any(c.startswith("units_") for c in charts), charts
    assert any(c.startswith("communes_") for c in charts), charts
    html = (out / "summary.html").read_text(encoding="utf-8")
    doc = zipfile.ZipFile(out / "report.docx").read("word/document.xml").decode("utf-8")
    head = "Nơi nhận" if lang == "vi" else "Distribution"
    assert head in doc
    if lang == "vi":
        assert "MINH HỌA" in html and "MINH HỌA" in doc  # the cohort of a province with no data is illustrative
    # one today everywhere: the subtitle and the charts name the latest school year with results
    assert "2025-2026" in html and "2026-2027" not in html
    raw = (out / "feasibility.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel on Windows reads the diacritics


INJ = '=HYPERLINK("http://x","INJ")'


def test_planner_text_never_becomes_a_formula(tmp_path):
    """A unit named like a formula (OWASP CSV injection) is written as text in CSV, XLSX, HTML and DOCX."""
    d = _case(tmp_path, "Quảng Trị")
    rows = list(csv.reader(io.StringIO((d / "units.csv").read_text(encoding="utf-8-sig"))))
    header, first = rows[0], rows[1]
    first[header.index("name_vi")] = INJ
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    (d / "units.csv").write_text(text.getvalue(), encoding="utf-8")
    (d / "targets.csv").write_text("Địa bàn,Chỉ tiêu,Năm,So sánh,Giá trị,Đơn vị,Nguồn,Ghi chú\n"
                                   f"{first[header.index('geo_id')]},thcs_to_gdnn_sc_tc,2030,ít nhất,30,percent,"
                                   "Kế hoạch thử,\n", encoding="utf-8")
    data = compute(d, n_draws=DRAWS)
    out = tmp_path / "out"
    render(data, "vi", out)
    seen = 0
    for p in out.glob("*.csv"):
        for row in csv.reader(io.StringIO(p.read_text(encoding="utf-8-sig"))):
            assert not any(cell.startswith(("=", "+", "@")) for cell in row), (p.name, row)
            seen += sum(cell == "'" + INJ for cell in row)
    wb = openpyxl.load_workbook(out / "simlib_report.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith("="), (ws.title, cell.coordinate)
                    seen += cell.value == "'" + INJ
    html = (out / "summary.html").read_text(encoding="utf-8")
    doc = zipfile.ZipFile(out / "report.docx").read("word/document.xml").decode("utf-8")
    assert "&#x27;=HYPERLINK" in html or "'=HYPERLINK" in html
    assert ">=HYPERLINK" not in html and ">=HYPERLINK" not in doc
    assert "'=HYPERLINK" in doc or "&apos;=HYPERLINK" in doc
    assert seen >= 2  # the name reached the CSV and the workbook, neutralised
