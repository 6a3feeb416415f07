"""The page of a chart: header (title, subtitle, marks), axes grid, legend, note and source, laid out once.

Text is measured with the Agg renderer at the dpi PNGs are saved at, wrapped to the page width, and every block
is placed in inches so that nothing overlaps or is cut. Internal to the chart modules of :mod:`simlib.present`.
"""

from __future__ import annotations

import functools
import math
import weakref
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_agg import RendererAgg as RendererAggBase
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from simlib.errors import InputError
from simlib.present.i18n import t
from simlib.present.safety import neutralise
from simlib.present.charts import (
    _BandsHandle,
    _BandsHandler,
    _DEBUG,
    _GAP_IN,
    _INK,
    _LAYOUT_DPI,
    _MARK_PT,
    _MUTED,
    _NOTE_PT,
    _PAD_IN,
    _RC,
    _SOURCE_PT,
    _SUBTITLE_PT,
    _TITLE_PT,
    _VERMILLION,
)


# the page: header, axes grid, legend, note and source, laid out once
# ============================================================================================

@functools.lru_cache(maxsize=4096)
def _measure(text: str, size: float, weight: str, dpi: float) -> float:
    """Width of one line of DejaVu Sans text in inches at ``dpi`` (Agg's hinting), cached: the same source lines
    and labels are measured for every chart of a report."""
    prop = FontProperties(family="DejaVu Sans", size=size, weight=weight)
    return _text_metrics(text, prop, False, float(dpi), *_hinting())[0] / dpi


@functools.lru_cache(maxsize=4)
def _agg(dpi: float):
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, dpi)


def _hinting() -> tuple:
    """The settings Agg's text sizes depend on besides the text, the font and the dpi (part of the cache key)."""
    import matplotlib
    from matplotlib.backends.backend_agg import get_hinting_flag

    return get_hinting_flag(), matplotlib.rcParams["text.hinting_factor"]


@functools.lru_cache(maxsize=16384)
def _text_metrics(text: str, prop: FontProperties, ismath, dpi: float, hinting, factor) -> tuple:
    """Agg's (width, height, descent) of ``text`` in pixels at ``dpi``, measured once per process.

    Matplotlib keeps such a cache per renderer, and a chart meets three (the layout's, the PNG's after the
    figure took its final height, and the next chart's): every tick label and source line was shaped by
    FreeType again each time, a third of the time it took to draw the charts of a report. The sizes depend only
    on the text, the font, the dpi and the hinting (``hinting`` and ``factor`` are in the key for that).
    """
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg.get_text_width_height_descent(_agg(dpi), text, prop, ismath)


class _Canvas(FigureCanvasAgg):
    """An Agg canvas whose renderers share :func:`_text_metrics` (the same sizes, measured once per process)."""

    def get_renderer(self, *args, **kwargs):
        r = super().get_renderer(*args, **kwargs)
        if "get_text_width_height_descent" not in vars(r):
            r.get_text_width_height_descent = _SharedMetrics(r)
            r._get_font_height_metrics = _FontHeights(self.figure, r.dpi)
            if hasattr(RendererAggBase, "_draw_text_glyphs_and_boxes"):  # matplotlib >= 3.11 (text by libraqm)
                r.draw_text = _RememberedDrawText(r)
        return r


    def print_svg(self, filename, *, bbox_inches_restore=None, metadata=None, **_print_figure_kwargs):
        """The SVG as matplotlib's SVG backend writes it, its text shaped through :func:`_svg_text2path` (the
        other keywords print_figure passes, dpi, facecolor, edgecolor, orientation, are for other formats)."""
        import codecs

        from matplotlib import cbook
        from matplotlib.backends.backend_mixed import MixedModeRenderer
        from matplotlib.backends.backend_svg import RendererSVG

        with cbook.open_file_cm(filename, "w", encoding="utf-8") as fh:
            if not cbook.file_requires_unicode(fh):
                fh = codecs.getwriter("utf-8")(fh)
            dpi = self.figure.dpi
            self.figure.dpi = 72
            width, height = self.figure.get_size_inches()
            svg = RendererSVG(width * 72, height * 72, fh, image_dpi=dpi, metadata=metadata)
            svg._text2path = _svg_text2path()
            svg._get_font_height_metrics = _FontHeights(self.figure, 72)
            renderer = MixedModeRenderer(self.figure, width, height, dpi, svg, bbox_inches_restore=bbox_inches_restore)
            self.figure.draw(renderer)
            renderer.finalize()


#: Texts whose SVG sizes and glyph layouts are kept at most (a report repeats a few hundred).
_SVG_TEXTS_KEPT = 20_000


@functools.lru_cache(maxsize=1)
def _svg_text2path():
    """One :class:`matplotlib.textpath.TextToPath` for every SVG of the process, remembering what it shaped.

    An SVG draws text as glyph outlines; matplotlib shapes each text with FreeType (and loads each of its glyphs)
    once for its size and again to draw it, in every file, although a report's charts repeat the same tick labels,
    legends and source lines: a third of the time an SVG took. Here the sizes and the glyph layout of a text are
    kept (the font is at a fixed size and unhinted for SVG, so they depend only on the text and the font), and so
    are the glyph outlines; each file still defines the glyphs it uses, in the order it first uses them, so the
    files are the same bytes as matplotlib's.
    """
    from collections import OrderedDict

    from matplotlib.textpath import TextToPath

    class _Remembering(TextToPath):
        def __init__(self):
            super().__init__()
            self._sizes: dict = {}
            self._layouts: dict = {}
            self._outlines: dict = {}

        def get_text_width_height_descent(self, s, prop, ismath):
            if ismath:
                return super().get_text_width_height_descent(s, prop, ismath)
            key = (s, prop.copy())
            out = self._sizes.get(key)
            if out is None:
                if len(self._sizes) >= _SVG_TEXTS_KEPT:  # a long JupyterLab session: start again, never grow
                    self._sizes.clear()
                out = self._sizes[key] = super().get_text_width_height_descent(s, prop, ismath)
            return out

        def get_glyphs_with_font(self, font, s, glyph_map=None, return_new_glyphs_only=False, *, features=None,
                                 language=None):
            if features is not None or language is not None or glyph_map is None or not return_new_glyphs_only:
                return super().get_glyphs_with_font(font, s, glyph_map, return_new_glyphs_only, features=features,
                                                    language=language)
            key = (font, s)
            info = self._layouts.get(key)
            if info is None:
                if len(self._layouts) >= _SVG_TEXTS_KEPT:
                    self._layouts.clear()
                info, outlines, _ = super().get_glyphs_with_font(font, s, OrderedDict(), True)
                self._outlines.update(outlines)
                info = self._layouts[key] = tuple(info)
            new = OrderedDict()
            for glyph, *_ in info:
                if glyph not in glyph_map and glyph not in new:
                    new[glyph] = self._outlines[glyph]
            return list(info), new, []

    return _Remembering()


@functools.lru_cache(maxsize=8192)
def _agg_glyphs(s: str, prop: FontProperties, dpi: float, flags, features, language) -> tuple:
    """The glyphs of ``s`` as Agg draws them at ``dpi``: (font, glyph index, x, y), shaped by FreeType once."""
    font = _agg(dpi)._prepare_font(prop)
    return tuple((item.ft_object, item.glyph_index, item.x, item.y)
                 for item in font._layout(s, flags=flags, features=features, language=language))


class _RememberedDrawText:
    """``RendererAgg.draw_text`` with the glyph layout of each text shaped once per process (:func:`_agg_glyphs`):
    every chart of a report draws the same tick labels, legend entries and source lines."""

    def __init__(self, renderer):
        self._renderer = weakref.ref(renderer)

    def __call__(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        from matplotlib.backends.backend_agg import get_hinting_flag

        r = self._renderer()
        if ismath or r is None:
            return RendererAggBase.draw_text(r, gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        if isinstance(language, list):
            language = tuple(tuple(x) for x in language)
        glyphs = _agg_glyphs(s, prop.copy(), float(r.dpi), get_hinting_flag(),
                             tuple(features) if features is not None else None, language)
        _draw_glyphs(r, gc, x, y, angle, prop.get_size_in_points(), glyphs)


#: Glyph images kept at most (a report's charts draw a few thousand distinct ones).
_GLYPH_IMAGES_KEPT = 20_000
_glyph_images: dict = {}


def _draw_glyphs(r, gc, x: float, y: float, angle: float, size: float, glyphs) -> None:
    """Agg's ``_draw_text_glyphs_and_boxes`` (matplotlib 3.11) for plain text, each glyph image rasterised once.

    FreeType renders a glyph moved to ``pos`` (26.6 fixed point) from its outline shifted by ``pos``; a shift by
    whole pixels moves the image by whole pixels and changes none of its values (the rasteriser works on the
    outline relative to the pixel grid). So an image is kept under the glyph, its font and size, the rotation,
    the hinting and the position's fraction of a pixel, and drawn again at the new whole-pixel place: the same
    pixels as rendering it again (``tests/test_chart_files.py`` compares with matplotlib's own savefig).
    """
    from matplotlib.backends.backend_agg import get_hinting_flag
    from matplotlib.ft2font import RenderMode

    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
    mkey = tuple(matrix.ravel().tolist())
    flags = get_hinting_flag()
    anti = bool(gc.get_antialiased())
    mode = RenderMode.NORMAL if anti else RenderMode.MONO
    dpi, height = r.dpi, r.height
    for font, g, dx, dy in glyphs:  # dy is upwards
        px = round(0x40 * (x + dx * cos - dy * sin))
        py = round(0x40 * (height - y + dx * sin + dy * cos))  # FreeType's y is upwards
        key = (font, size, dpi, g, mkey, px & 0x3F, py & 0x3F, flags, anti)
        hit = _glyph_images.get(key)
        if hit is None:
            font.set_size(size, dpi)
            font._set_transform(matrix, [px, py])
            bitmap = font._render_glyph(g, flags, mode)
            buffer = bitmap.buffer
            if not anti:
                buffer *= 0xff
            if len(_glyph_images) >= _GLYPH_IMAGES_KEPT:
                _glyph_images.clear()
            hit = _glyph_images[key] = (buffer, bitmap.left - (px >> 6), bitmap.top - (py >> 6))
        buffer, left, top = hit
        # draw_text_image's y is downwards & the bitmap bottom side
        r._renderer.draw_text_image(buffer, left + (px >> 6), int(height) - (top + (py >> 6)) + buffer.shape[0], 0,
                                    gc)


#: The settings :meth:`matplotlib.font_manager.FontManager.findfont` reads besides a text's font properties.
_FONT_RC = ("font.family", "font.sans-serif", "font.serif", "font.monospace", "font.cursive", "font.fantasy",
            "font.style", "font.variant", "font.weight", "font.stretch", "font.size")


class _FontHeights:
    """A renderer's ``_get_font_height_metrics``: the ascent, descent and line gap that ``Text._get_layout``
    (matplotlib 3.11) otherwise reads from the font's tables for every text it lays out, found once per font,
    size and dpi (:func:`_font_heights`, the same arithmetic); None (matplotlib's own path) when the figure is
    not at the renderer's dpi."""

    def __init__(self, figure, dpi: float):
        self._figure = weakref.ref(figure)
        self._dpi = float(dpi)

    def __call__(self, prop):
        import matplotlib

        fig = self._figure()
        if fig is None or float(fig.dpi) != self._dpi:
            return None, None, None
        rc = matplotlib.rcParams
        key = (tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in vars(prop).items()),
               tuple(str(rc[k]) for k in _FONT_RC), self._dpi)  # the font, the settings findfont reads, the dpi
        out = _FONT_HEIGHTS.get(key)
        if out is None:
            if len(_FONT_HEIGHTS) >= 1024:
                _FONT_HEIGHTS.clear()
            out = _FONT_HEIGHTS[key] = _font_heights(prop, self._dpi)
        return out


_FONT_HEIGHTS: dict = {}


def _font_heights(prop: FontProperties, dpi: float) -> tuple:
    """``Text._get_layout``'s (min_ascent, min_descent, line_gap) of a font at ``dpi``, as it computes them."""
    from matplotlib.font_manager import fontManager, get_font

    font = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, linegap_key, ascent_key, descent_key in (('OS/2', 'sTypoLineGap', 'sTypoAscender',
                                                               'sTypoDescender'),
                                                              ('hhea', 'lineGap', 'ascent', 'descent')):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        fontsize = prop.get_size_in_points()
        units_per_em = font.get_sfnt_table('head')['unitsPerEm']
        scale = 1 / units_per_em * fontsize * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[linegap_key] * scale
    return None, None, None


class _SharedMetrics:
    """``renderer.get_text_width_height_descent`` answered from :func:`_text_metrics` (mathtext and TeX as
    Agg does it)."""

    def __init__(self, renderer):
        self._renderer = weakref.ref(renderer)

    def __call__(self, s, prop, ismath):
        r = self._renderer()
        if ismath or r is None:
            return RendererAggBase.get_text_width_height_descent(r if r is not None else _agg(_LAYOUT_DPI), s, prop,
                                                                 ismath)
        return _text_metrics(s, prop.copy(), False, float(r.dpi), *_hinting())


def _wrap_text(renderer, text: str, size: float, width_in: float, dpi: float, weight: str = "normal") -> str:
    """Greedy word wrap of ``text`` to ``width_in`` inches, measuring each line (existing newlines kept)."""
    if not text:
        return ""
    weight = str(weight)

    def width(s: str) -> float:
        return _measure(s, float(size), weight, float(dpi))

    limit = 0.98 * width_in
    out = []
    for para in str(text).split("\n"):
        words = para.split(" ")
        while True:
            cands = _line_candidates(words)
            end = _first_too_wide(cands, width, limit)
            out.append(cands[end - 1])
            if end == len(cands):
                break
            words = words[end:]
    return "\n".join(out)


def _line_candidates(words: list[str]) -> list[str]:
    """The lines a greedy wrap tries when it starts a line at ``words[0]``: the first word, then each time one
    word more (a line that is still empty takes the next word without a space)."""
    cands, line = [], ""
    for w in words:
        line = f"{line} {w}" if line else w
        cands.append(line)
    return cands


def _first_too_wide(cands: list[str], width, limit: float) -> int:
    """Index of the first candidate line a greedy wrap rejects (``width(c) > limit`` after a non-empty line), or
    ``len(cands)``; found with a few measurements instead of one per word.

    Each candidate extends the one before, so its width (the box around its glyphs, laid out left to right) never
    shrinks: the first candidate too wide is found by a search whose probes start where the widths measured so
    far say the line ends. The answer is the word-by-word greedy wrap's, whatever the probes.
    """
    lo = 0  # cands[:lo + 1] are accepted
    while lo + 1 < len(cands) and not cands[lo]:
        lo += 1  # an empty line takes the next word unmeasured
    hi = len(cands)  # cands[hi:] are rejected
    per_char = None
    while hi - lo > 1:
        if per_char:
            guess = next((j for j in range(lo + 1, hi) if len(cands[j]) * per_char > limit), hi - 1)
        else:
            guess = (lo + hi) // 2
        mid = min(max(guess, lo + 1), hi - 1)
        w = width(cands[mid])
        per_char = w / max(len(cands[mid]), 1)
        if w > limit:
            hi = mid
        else:
            lo = mid
    return hi


def _fit_lines(renderer, text: str, size: float, width_in: float, dpi: float, *, weight: str = "normal",
               max_lines: int = 2) -> str:
    """``text`` wrapped to ``width_in`` inches in at most ``max_lines`` lines, the last one shortened with "…".

    A long place name (e.g. "Trường THCS Nguyễn Thị Minh Khai (Hưng Nguyên, Nghệ An)") stays readable in a
    narrow panel; a single word longer than the width is cut too.
    """
    weight = str(weight)

    def width(s: str) -> float:
        return _measure(s, float(size), weight, float(dpi))

    text = "\n".join(" ".join(part.split()) for part in str(text).split("\n"))
    lines = _wrap_text(renderer, text, size, width_in, dpi, weight).split("\n")
    out = lines[:max_lines]
    cut = len(lines) > max_lines
    last = out[-1]
    if cut or width(last) > 0.98 * width_in:
        while last and width(last + "…") > 0.98 * width_in:
            last = last[:-1].rstrip()
        out[-1] = last + "…"
    return "\n".join(out)


def _source_text(source: str, lang: str) -> str:
    if not source:
        return ""
    head = source.lstrip().lower()
    if any(head.startswith(w.lower()) for w in (t("source", "vi"), t("source", "en"))):
        return source
    return f"{t('source', lang)}: {source}"


class _Page:
    """A figure built top to bottom at a fixed width; :meth:`finish` lays it out once."""

    def __init__(self, *, width: float, lang: str, title: str, subtitle: str, illustrative: bool, note: str,
                 source: str):
        self.fig = Figure(figsize=(width, 4.0), dpi=_LAYOUT_DPI)
        _Canvas(self.fig)
        self.renderer = self.fig.canvas.get_renderer()
        self.width = float(width)
        self.lang = lang
        self.title = title
        inner = self.width - 2 * _PAD_IN
        self.header: list = []
        self.footer: list = []
        if title:
            self._add(self.header, title, _TITLE_PT, inner, weight="bold", color=_INK, gid="chart-title")
        if subtitle:
            self._add(self.header, subtitle, _SUBTITLE_PT, inner, color="0.25", gid="chart-subtitle")
        if illustrative:
            self._add(self.header, t("illustrative", lang), _MARK_PT, inner, weight="bold", color=_VERMILLION,
                      gid="illustrative-mark")
        if note:
            self._add(self.footer, note, _NOTE_PT, inner, color="0.2", gid="chart-note")
        src = _source_text(source, lang)
        if src:
            self._add(self.footer, src, _SOURCE_PT, inner, color=_MUTED, gid="source-line")
        self.legend = None

    def _add(self, block: list, text: str, size: float, width_in: float, *, weight: str = "normal",
             color: str = _INK, gid: str | None = None) -> None:
        wrapped = _wrap_text(self.renderer, neutralise(str(text)), size, width_in, self.fig.dpi, weight)
        txt = self.fig.text(0, 0, wrapped, ha="left", va="top", fontsize=size, fontweight=weight, color=color,
                            gid=gid, parse_math=False, linespacing=1.25)
        block.append(txt)

    def _height(self, artist) -> float:
        return artist.get_window_extent(self.renderer).height / self.fig.dpi

    def add_legend(self, handles: list, *, max_cols: int | None = None) -> None:
        """A legend under the axes, with as many columns as fit the width."""
        if not handles:
            return
        inner = self.width - 2 * _PAD_IN
        ncols = min(len(handles), max_cols or len(handles))
        while True:
            leg = self.fig.legend(handles=handles, labels=[h.get_label() for h in handles], loc="upper left",
                                  bbox_to_anchor=(0, 0), ncols=ncols, frameon=False, fontsize=7.5,
                                  handlelength=2.4, columnspacing=1.2, borderaxespad=0.0, borderpad=0.0,
                                  handletextpad=0.5, handler_map={_BandsHandle: _BandsHandler()})
            w = leg.get_window_extent(self.renderer).width / self.fig.dpi
            if w <= inner or ncols == 1:
                break
            leg.remove()
            ncols -= 1
        self.legend = leg

    def finish(self, grid: Sequence[Sequence], row_heights: Sequence[float], *, wspace: float = 0.18,
               hspace: float = 0.12, min_left: float = 0.0) -> Figure:
        """Measure the axes' decorations once, size the figure and fix every position.

        Parameters
        ----------
        grid : rows of Axes (None for an empty cell)
        row_heights : inches of each row's plotting area
        wspace, hspace : inches between neighbouring cells' decorations
        min_left : inches of left margin at least (aligns charts stacked on a page)
        """
        fig, r, dpi = self.fig, self.renderer, self.fig.dpi
        nrows, ncols = len(grid), max(len(row) for row in grid)
        left = [min_left] * ncols
        right = [0.0] * ncols
        top = [0.0] * nrows
        bottom = [0.0] * nrows
        axes = [(i, j, ax) for i, row in enumerate(grid) for j, ax in enumerate(row)
                if ax is not None and ax.get_visible()]
        # widths first, without the axes titles: a title is wrapped to its cell below, so a long place name never
        # squeezes the plot (nor stops the chart)
        for i, j, ax in axes:
            titles = [x for x in (ax.title, ax._left_title, ax._right_title) if x.get_text()]
            for x in titles:
                x.set_visible(False)
            tb, bb = ax.get_tightbbox(r), ax.bbox
            for x in titles:
                x.set_visible(True)
            left[j] = max(left[j], (bb.x0 - tb.x0) / dpi)
            right[j] = max(right[j], (tb.x1 - bb.x1) / dpi)
        cell_w = (self.width - 2 * _PAD_IN - sum(left) - sum(right) - wspace * (ncols - 1)) / ncols
        if cell_w < 1.0:
            raise InputError(t("chart.too_narrow", self.lang, chart=self.title or "?"))
        for i, j, ax in axes:
            for x in (ax.title, ax._left_title, ax._right_title):
                if x.get_text():
                    x.set_text(_fit_lines(r, neutralise(x.get_text()), x.get_fontsize(), cell_w + right[j], dpi,
                                          weight=x.get_fontweight(), max_lines=2))
            tb, bb = ax.get_tightbbox(r), ax.bbox
            if _DEBUG:
                print("overhang", i, j, (bb.x0 - tb.x0) / dpi, (tb.x1 - bb.x1) / dpi, (tb.y1 - bb.y1) / dpi,
                      (bb.y0 - tb.y0) / dpi)
            top[i] = max(top[i], (tb.y1 - bb.y1) / dpi)
            bottom[i] = max(bottom[i], (bb.y0 - tb.y0) / dpi)
        head_h = sum(self._height(x) for x in self.header) + _GAP_IN * len(self.header)
        foot_h = sum(self._height(x) for x in self.footer) + _GAP_IN * len(self.footer)
        leg_h = (self._height(self.legend) + 2 * _GAP_IN) if self.legend is not None else 0.0
        body_h = sum(row_heights) + sum(top) + sum(bottom) + hspace * (nrows - 1)
        height = _PAD_IN + head_h + _GAP_IN + body_h + leg_h + foot_h + _PAD_IN
        fig.set_size_inches(self.width, height)
        # header, from the top
        y = height - _PAD_IN
        for txt in self.header:
            txt.set_position((_PAD_IN / self.width, y / height))
            y -= self._height(txt) + _GAP_IN
        y -= _GAP_IN
        # axes
        for i, row in enumerate(grid):
            y -= top[i]
            y0 = y - row_heights[i]
            x = _PAD_IN
            for j in range(ncols):
                x += left[j]
                ax = row[j] if j < len(row) else None
                if ax is not None:
                    ax.set_position([x / self.width, y0 / height, cell_w / self.width, row_heights[i] / height])
                x += cell_w + right[j] + wspace
            y = y0 - bottom[i] - hspace
        y += hspace
        # legend, note, source
        if self.legend is not None:
            y -= _GAP_IN
            self.legend.set_bbox_to_anchor((_PAD_IN / self.width, y / height), transform=fig.transFigure)
            y -= self._height(self.legend) + _GAP_IN
        for txt in self.footer:
            txt.set_position((_PAD_IN / self.width, y / height))
            y -= self._height(txt) + _GAP_IN
        fig._simlib_fixed_layout = True
        return fig


def _rc():
    import matplotlib

    return matplotlib.rc_context(_RC)


def _decorate_caller_ax(ax, *, title: str, subtitle: str, note: str, source: str, lang: str,
                        illustrative: bool, handles: list | None) -> None:
    """On a caller's Axes: title (with the subtitle and mark) above, legend at the right, note and source below."""
    lines = [x for x in (title, subtitle) if x]
    if illustrative:
        lines.append(t("illustrative", lang))
    if lines:
        ax.set_title("\n".join(lines), loc="left", fontsize=8.5)
    if handles:
        ax.legend(handles=handles, labels=[h.get_label() for h in handles], loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False, handler_map={_BandsHandle: _BandsHandler()})
    below = "\n".join(x for x in (note, _source_text(source, lang)) if x)
    if below:
        ax.annotate(below, xy=(0, 0), xycoords=("axes fraction", ax.xaxis.label), xytext=(0, -6),
                    textcoords="offset points", ha="left", va="top", fontsize=7, color=_MUTED,
                    annotation_clip=False, gid="source-line")


# ============================================================================================
