"""Chart files written fast but the same: the SVG bytes matplotlib's SVG backend writes, the PNG pixels of Agg's
savefig; shared text sizes equal Agg's own; the targets-vs-evidence chart keeps its labels clear of "today" and
fits a printed A4 page when asked (issue 24)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import RendererAgg  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from PIL import Image  # noqa: E402

from simlib.present import charts  # noqa: E402
from simlib.present.chart_page import _Canvas  # noqa: E402


def _fan(lang="vi", title="Tỷ lệ học sinh tốt nghiệp THCS vào học nghề (Tây Ninh)"):
    q = pd.DataFrame({"q0.1": [0.10, 0.12, 0.14], "q0.25": [0.12, 0.14, 0.16], "q0.5": [0.15, 0.17, 0.19],
                      "q0.75": [0.18, 0.20, 0.22], "q0.9": [0.20, 0.22, 0.25]}, index=[2026, 2027, 2028])
    return charts.fan_chart(q, lang=lang, title=title, subtitle="% số học sinh tốt nghiệp THCS",
                            source="Số liệu: thử nghiệm", today=2026.5, targets=[("QĐ 1705", 0.2, 2028)])


def _matplotlib_svg(fig, path):
    with matplotlib.rc_context({"svg.hashsalt": "simlib", "svg.fonttype": "path"}):
        fig.savefig(path, format="svg", dpi=200, metadata={"Date": None, "Creator": None}, facecolor="white",
                    backend="svg")
    return path.read_bytes()


def test_svg_is_byte_for_byte_what_matplotlibs_svg_backend_writes(tmp_path):
    # twice, with other text in between: the second chart's glyphs and sizes come from the remembered ones
    for k, lang in enumerate(("vi", "en", "vi")):
        fig = _fan(lang)
        ours = charts.save_figure(fig, tmp_path / f"a{k}.svg").read_bytes()
        assert isinstance(fig.canvas, _Canvas)
        assert ours == _matplotlib_svg(fig, tmp_path / f"b{k}.svg")
        assert ours.count(b"<defs>") >= 1 and b'id="fan:median"' in ours


def test_png_has_the_pixels_of_aggs_savefig_without_alpha_or_stamp(tmp_path):
    for k, lang in enumerate(("vi", "en", "vi")):
        fig = _fan(lang)
        ours = charts.save_figure(fig, tmp_path / f"a{k}.png")
        fig.savefig(tmp_path / f"b{k}.png", dpi=200, metadata={"Software": None}, facecolor="white", backend="agg")
        a, b = Image.open(ours), Image.open(tmp_path / f"b{k}.png")
        assert a.mode == "RGB" and a.size == b.size
        assert not {k for k in a.info if k != "dpi"}  # no software stamp, no date
        assert round(a.info["dpi"][0]) == 200
        assert np.array_equal(np.asarray(a), np.asarray(b)[..., :3])
    assert (tmp_path / "a0.png").read_bytes() == (tmp_path / "a2.png").read_bytes()  # reproducible


@pytest.mark.parametrize("text, size, weight", [("2030", 7.5, "normal"), ("Hôm nay (năm học 2025-2026)", 7.0, "normal"),
                                                ("Tỷ lệ học sinh tốt nghiệp THCS", 10.0, "bold"), ("", 8.0, "normal")])
def test_shared_text_sizes_are_aggs_own(text, size, weight):
    fig = _fan()
    r = fig.canvas.get_renderer()
    prop = FontProperties(family="DejaVu Sans", size=size, weight=weight)
    assert r.get_text_width_height_descent(text, prop, False) == \
        RendererAgg.get_text_width_height_descent(r, text, prop, False)


def _tve(max_height=None, today=2026.5):
    obs = pd.DataFrame({"panel": ["a", "b"], "series": ["tn", "tn"], "year": [2021, 2021], "value": [0.13, 0.15],
                        "low": [np.nan] * 2, "high": [np.nan] * 2})
    tg = pd.DataFrame({"panel": ["a", "b", "c", "d", "d"], "plan": ["1705", "1705", "1705", "2239", "2239"],
                       "year": [2030, 2030, 2030, 2025, 2030], "share": [0.95, 0.30, 0.95, 0.40, 0.50]})
    return charts.targets_vs_evidence(obs, tg, panels=["a", "b", "c", "d"], lang="vi", title="Chỉ tiêu",
                                      panel_titles={p: "Tỷ lệ học sinh tốt nghiệp THCS tiếp tục học tập tại các cơ "
                                                       "sở GDNN đào tạo trình độ sơ cấp, trung cấp" for p in "abcd"},
                                      plan_labels={"1705": "QĐ 1705", "2239": "QĐ 2239"}, today=today,
                                      first_year=2006, last_year=2030, ylim=(0.0, 100.0), max_height=max_height)


def test_target_labels_stay_clear_of_the_today_label():
    fig = _tve()
    r = fig.canvas.get_renderer()
    for ax in fig.axes:
        today = [x for x in ax.texts if x.get_gid() == "today-label"]
        assert len(today) == 1
        box = today[0].get_window_extent(r)
        labels = [x for x in ax.texts if x.get_text().startswith("QĐ")]
        assert labels
        for lab in labels:
            assert not box.overlaps(lab.get_window_extent(r)), (lab.get_text(), ax.get_title())


def test_a_tall_targets_chart_is_made_to_fit_a_printed_page():
    tall = _tve()
    assert tall.get_figheight() > 12  # four 2.6-inch panels
    fig = _tve(max_height=9.0)
    assert fig.get_figheight() <= 9.0 + 0.3  # at the panels' floor of 1.4 inches it may pass by a little
    heights = [ax.get_window_extent().height / fig.dpi for ax in fig.axes]
    assert min(heights) >= 1.4 - 1e-6
    shown = [any(lab.get_visible() and lab.get_text() for lab in ax.get_xticklabels()) for ax in fig.axes]
    assert shown == [False, False, False, True]  # the years once, under the bottom panel


def test_svg_text_memory_is_capped_and_stays_exact(tmp_path, monkeypatch):
    """A long session never grows the remembered texts past the cap, and starting again changes no byte."""
    from simlib.present import chart_page

    monkeypatch.setattr(chart_page, "_SVG_TEXTS_KEPT", 5)
    t2p = chart_page._svg_text2path()
    for k, lang in enumerate(("vi", "en")):
        fig = _fan(lang, title=f"Biểu đồ {k}")
        ours = charts.save_figure(fig, tmp_path / f"c{k}.svg").read_bytes()
        assert ours == _matplotlib_svg(fig, tmp_path / f"m{k}.svg")
        assert len(t2p._sizes) <= 5 and len(t2p._layouts) <= 5


def _greedy_wrap(text, size, width_in, dpi, weight="normal"):
    """The word-by-word greedy wrap (every candidate line measured), as the charts wrapped before issue 24."""
    from simlib.present.chart_page import _measure

    if not text:
        return ""
    out = []
    for para in str(text).split("\n"):
        line = ""
        for w in para.split(" "):
            cand = f"{line} {w}" if line else w
            if line and _measure(cand, float(size), weight, float(dpi)) > 0.98 * width_in:
                out.append(line)
                line = w
            else:
                line = cand
        out.append(line)
    return "\n".join(out)


def test_wrap_in_a_few_probes_gives_the_word_by_word_wrap():
    """The chart texts are wrapped with a few measurements per line (a search over the candidate lines); the lines
    are the greedy wrap's, for long Vietnamese notes, single long words, double spaces and empty lines."""
    from simlib.present import i18n
    from simlib.present.chart_page import _wrap_text

    texts = sorted({v for e in i18n.glossary().texts.values() for v in e.values() if isinstance(v, str)
                    and len(v) > 60})[:60]
    texts += ["", " ", "x", "  a  b ", "a\n\nb  c", "Trường THCS Nguyễn Thị Minh Khai (Hưng Nguyên, Nghệ An) " * 4,
              "Nguồn:" + "x" * 120 + " y"]
    seen = 0
    for k, text in enumerate(texts):
        for width_in, size, weight in ((0.6, 6.5, "normal"), (1.7, 8.5, "bold"), (3.1, 7.0, "normal"),
                                       (6.3, 10.0, "bold")):
            ours = _wrap_text(None, text, size, width_in, 200, weight)
            assert ours == _greedy_wrap(text, size, width_in, 200, weight), (text, width_in)
            seen += ours.count("\n")
    assert seen > 200  # many lines were broken
