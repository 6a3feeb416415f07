"""The Word report (simlib.present.word): a báo cáo in A4, Vietnamese fonts, charts and tables, identical bytes."""

from __future__ import annotations

import shutil
import subprocess
import time

import matplotlib

matplotlib.use("Agg")

import docx  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Cm  # noqa: E402

from simlib.present import charts  # noqa: E402
from simlib.present.export import Column  # noqa: E402
from simlib.present.word import DocHeader, DocSection, write_report_docx  # noqa: E402

TABLE = pd.DataFrame({"target_id": ["t1", "t2"], "geography_name": ["Tỉnh mẫu", "Tân Hưng"], "year": [2025, 2030],
                      "p_met": [0.0041, 0.2149999], "verdict": ["very_unlikely", "unlikely"]})
COLUMNS = [Column("target_id", "id"), Column("geography_name"), Column("year", "year"), Column("p_met", "prob"),
           Column("verdict", "verdict")]


@pytest.fixture(scope="module")
def pngs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("charts")
    frame = pd.DataFrame({"label": ["baseline", "all_levers"], "p_met": [0.004, 0.55]})
    out = []
    for k in range(2):
        fig = charts.probability_bars(frame, lang="vi", title=f"Biểu đồ {k + 1}", source="thử nghiệm", width=4)
        out.append(charts.save_figure(fig, folder / f"c{k}.png", dpi=40))
    return out


def _write(path, pngs, lang="vi"):
    return write_report_docx(
        path, lang=lang, title="Đánh giá khả năng đạt các chỉ tiêu phân luồng học sinh, Tỉnh mẫu",
        subject="Số liệu đến năm học 2025-2026",
        header=DocHeader(agency_parent="UBND tỉnh Mẫu", agency="Sở Giáo dục và Đào tạo", number="Số:    /BC-SGDĐT",
                         place_date="Tỉnh mẫu, ngày    tháng    năm 2026", draft=True),
        headline=["Chỉ tiêu 40,12% năm 2025 rất khó đạt (xác suất < 0,01).", "Đoạn thứ hai."],
        key_figures=[("Xác suất đạt chỉ tiêu 40,12% (THCS, năm 2025)", "< 0,01")],
        sections=[DocSection("Đánh giá từng chỉ tiêu", paragraphs=["Bảng dưới đây..."], table=TABLE, columns=COLUMNS,
                             table_caption="Đánh giá từng chỉ tiêu",
                             images=[(pngs[0], "Xác suất đạt chỉ tiêu"), (pngs[1], "Dự báo")])],
        caveats=["Tác động của các giải pháp là giả định chuyên gia."], sources=["data/observations.csv"],
        recipients=["- Như trên;"], signature=["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"], footer_note="simlib 0.1.0")


def _texts(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


def test_a4_bao_cao_with_title_block_headline_charts_and_table(tmp_path, pngs):
    d = docx.Document(str(_write(tmp_path / "report.docx", pngs)))
    sec = d.sections[0]
    def twips(emu):  # Word stores page geometry in twentieths of a point (635 EMU)
        return round(emu / 635)

    assert [twips(x) for x in (sec.page_width, sec.page_height)] == [twips(Cm(21.0)), twips(Cm(29.7))]
    assert [twips(x) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == \
        [twips(Cm(x)) for x in (2, 2, 3, 2)]
    block = d.tables[0]
    left, right = (c.text for c in block.rows[0].cells)
    assert "UBND TỈNH MẪU" in left and "SỞ GIÁO DỤC VÀ ĐÀO TẠO" in left and "Số:    /BC-SGDĐT" in left
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right and "Độc lập - Tự do - Hạnh phúc" in right
    texts = _texts(d)
    assert texts[:5] == ["DỰ THẢO", "BÁO CÁO", "Đánh giá khả năng đạt các chỉ tiêu phân luồng học sinh, Tỉnh mẫu",
                         "Số liệu đến năm học 2025-2026", "I. KẾT LUẬN CHÍNH"]
    assert texts[5].startswith("Chỉ tiêu 40,12% năm 2025 rất khó đạt")
    headings = [x for x in texts if x[:3] in ("I. ", "II.", "III", "IV.")]
    assert headings == ["I. KẾT LUẬN CHÍNH", "II. ĐÁNH GIÁ TỪNG CHỈ TIÊU", "III. LƯU Ý KHI SỬ DỤNG KẾT QUẢ",
                        "IV. NGUỒN SỐ LIỆU VÀ PHƯƠNG PHÁP"]
    assert "Hình 1. Xác suất đạt chỉ tiêu" in texts and "Hình 2. Dự báo" in texts
    assert "Bảng 1. Đánh giá từng chỉ tiêu" in texts
    assert len(d.inline_shapes) == 2
    assert d.inline_shapes[0].width == Cm(16.0)
    # the table: Vietnamese headers and values, no machine ids, the header row repeats on each page
    table = d.tables[2]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows == [["Địa bàn", "Năm", "Xác suất đạt", "Đánh giá"], ["Tỉnh mẫu", "2025", "< 0,01", "Rất khó đạt"],
                    ["Tân Hưng", "2030", "0,21", "Khó đạt"]]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert "- Tác động của các giải pháp là giả định chuyên gia." in texts
    assert d.core_properties.language == "vi" and d.core_properties.author == "simlib"


def test_every_run_is_times_new_roman_in_all_scripts(tmp_path, pngs):
    d = docx.Document(str(_write(tmp_path / "report.docx", pngs)))
    normal = d.styles["Normal"]
    fonts = normal.element.rPr.rFonts
    assert {fonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "eastAsia", "cs")} == {"Times New Roman"}
    assert normal.font.size.pt == 13
    runs = [r for p in d.paragraphs for r in p.runs if r.text.strip()]
    runs += [r for t in d.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs
             if r.text.strip()]
    assert runs and all(r.font.name == "Times New Roman" for r in runs)
    assert all(r._element.rPr.rFonts.get(qn("w:eastAsia")) == "Times New Roman" for r in runs)


def test_english_report_has_no_vietnamese_motto(tmp_path, pngs):
    d = docx.Document(str(_write(tmp_path / "en.docx", pngs, lang="en")))
    texts = _texts(d)
    assert "REPORT" in texts and "I. Key findings" in texts and "Figure 1. Xác suất đạt chỉ tiêu" in texts
    assert not any("CỘNG HÒA" in x for x in texts)
    assert [c.text for c in d.tables[-2].rows[0].cells] == ["Place", "Year", "P(target met)", "Verdict"]


def test_reruns_are_byte_identical(tmp_path, pngs):
    a = _write(tmp_path / "a.docx", pngs).read_bytes()
    time.sleep(1.1)
    b = _write(tmp_path / "b.docx", pngs).read_bytes()
    assert a == b


def test_svg_charts_and_unknown_language_are_refused(tmp_path, pngs):
    svg = tmp_path / "c.svg"
    svg.write_text("<svg/>", encoding="utf-8")
    with pytest.raises(ValueError, match="PNG"):
        write_report_docx(tmp_path / "x.docx", lang="vi", title="t", sections=[DocSection("h", images=[(svg, "c")])])
    with pytest.raises(ValueError, match="language"):
        write_report_docx(tmp_path / "x.docx", lang="fr", title="t")
    assert not (tmp_path / "x.docx").exists()


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) and poppler (pdftotext) are not installed")
def test_libreoffice_opens_the_report_with_its_headline(tmp_path, pngs):
    path = _write(tmp_path / "report.docx", pngs)
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)], check=True, capture_output=True,
                   timeout=180)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "BÁO CÁO" in text and "KẾT LUẬN CHÍNH" in text and "rất khó đạt" in text


def test_key_figures_keep_their_widths_in_libreoffice(tmp_path, pngs):
    """The key figures: a fixed layout (LibreOffice otherwise makes both columns equal), the label 12 cm and the
    figure 4 cm, both vertically centred (issue 25: the figure sat at the top of a half-page-wide cell)."""
    d = docx.Document(str(_write(tmp_path / "report.docx", pngs)))
    figures = d.tables[1]
    assert figures.rows[0].cells[1].text == "< 0,01"
    layout = figures._tbl.tblPr.find(qn("w:tblLayout"))
    assert layout is not None and layout.get(qn("w:type")) == "fixed"
    grid = [int(g.get(qn("w:w"))) for g in figures._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert grid == [round(Cm(12.0) / 635), round(Cm(4.0) / 635)]
    for cell in figures.rows[0].cells:
        v = cell._tc.tcPr.find(qn("w:vAlign"))
        assert v is not None and v.get(qn("w:val")) == "center"
