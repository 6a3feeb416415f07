"""Every simlib chart, in Vietnamese or English, laid out for a ten-second read (the one chart home).

Charts: :func:`fan_chart` (a forecast with the planner's own points and the
targets), :func:`small_multiples` (one small fan per district or commune),
:func:`waterfall` (what makes up a share), :func:`tornado` (which inputs
move it, levers on their own scale), :func:`probability_bars` (P(target met)
by scenario or unit, with met / missed for past targets) and
:func:`targets_vs_evidence` (every plan's targets against the evidence).
:func:`save_figure` writes them byte-identically.

Every function

* takes plain pandas inputs and label texts (no simlib objects, no plan ids,
  places or indicator ids in the code: the caller passes frames and names);
* writes every word it adds itself in ``lang`` (``"vi"`` or ``"en"``) from
  the glossary (:mod:`simlib.present.i18n`), and numbers in the language's
  format (``0,08`` / ``0.08``); ``title``, ``subtitle``, ``note`` and
  ``source`` come from the caller, already in ``lang``. The title should name
  the indicator and the place, the subtitle the unit (e.g. "% số học sinh tốt
  nghiệp THCS");
* uses the Okabe-Ito colours together with marker shape or hatching, so no
  meaning rests on colour alone;
* with ``illustrative=True`` writes "MINH HỌA: ..." / "ILLUSTRATIVE: ..." in
  vermillion under the title;
* returns the Figure, never calls ``plt.show()`` and never changes global
  rcParams. Figures are made without pyplot (no figure is left open).

Layout: the figure is built as a page, top to bottom: title, subtitle,
illustrative mark, the axes, the legend, the note and the source line. Text
is wrapped to the figure's width by measuring it, and the figure grows in
height instead of squeezing the axes. The axes' margins (tick labels, axis
labels) are measured once, and the positions are then fixed: saving needs
no layout pass and no tight bounding box, so identical input gives
byte-identical PNG and SVG files. When the caller passes ``ax=``, the chart
is drawn into that Axes and the caller's figure layout is left alone.

Units: shares in ``quantiles`` and ``history`` are fractions (0-1); charts
draw them in percent. Each argument says its unit.
"""

from __future__ import annotations

import functools
import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.colors
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from simlib.assess.verdicts import MET, MISSED, NOT_ASSESSED, VERDICT_BANDS, verdict
from simlib.errors import InputError
from simlib.present.i18n import check_lang, fmt_number, fmt_percent, fmt_prob, label, school_year, t
from simlib.present.safety import neutralise

__all__ = [
    "OKABE_ITO", "FAN_COLUMNS", "VERDICT_BANDS", "save_figure", "fan_chart", "small_multiples", "waterfall",
    "tornado", "probability_bars", "targets_vs_evidence", "verdict_key", "ranked_intervals",
]

#: The Okabe-Ito colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
#: Quantile columns expected by :func:`fan_chart` and :func:`small_multiples` (fractions 0-1): the median,
#: the 80 % interval (10th-90th percentile, the main band: the interval every table and text of a report gives)
#: and the 50 % interval. The older set (5, 20, 35, 50, 65, 80, 95: 90/60/30 % bands) is still drawn.
FAN_COLUMNS = ("q0.1", "q0.25", "q0.5", "q0.75", "q0.9")
_LEGACY_COLUMNS = ("q0.05", "q0.2", "q0.35", "q0.5", "q0.65", "q0.8", "q0.95")
#: Default width of a chart, inches: the text width of an A4 page with the margins of a Vietnamese
#: administrative document (21 cm - 3 cm left - 2 cm right = 16 cm), plus a little.
WIDTH_IN = 6.5

_BLUE, _VERMILLION, _SKY = OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["sky"]
_VERMILLION_LIGHT = "#E8975C"
_INK, _MUTED = "#1a1a1a", "0.35"
# (lower quantile, upper quantile, colour strength, label key): widest first
_BANDS = (("q0.1", "q0.9", 0.30, "band_80"), ("q0.25", "q0.75", 0.62, "band_50"))
_LEGACY_BANDS = (("q0.05", "q0.95", 0.22, "band_90"), ("q0.2", "q0.8", 0.45, "band_60"),
                 ("q0.35", "q0.65", 0.75, "band_30"))
_RC = {"font.family": "DejaVu Sans", "font.size": 8, "axes.titlesize": 8.5, "axes.titleweight": "bold",
       "axes.labelsize": 8, "xtick.labelsize": 7.5, "ytick.labelsize": 7.5, "axes.spines.top": False,
       "axes.spines.right": False, "axes.unicode_minus": True, "axes.edgecolor": "0.3", "axes.linewidth": 0.7,
       "xtick.color": "0.25", "ytick.color": "0.25", "legend.fontsize": 7.5, "hatch.linewidth": 0.6,
       # planner text (titles, unit names) is plain text: a '$' is a dollar sign, never math
       "text.parse_math": False, "text.usetex": False}
# text sizes (points) of the page blocks
_TITLE_PT, _SUBTITLE_PT, _MARK_PT, _NOTE_PT, _SOURCE_PT = 10.0, 8.0, 8.0, 7.5, 7.0
_DEBUG = False
# Text is measured at the dpi PNGs are saved at: Agg's hinting makes text a few per cent wider or narrower at
# other resolutions, so a layout measured at 100 dpi and saved at 200 would clip long labels.
_LAYOUT_DPI = 200
_PAD_IN = 0.08            # outer margin, inches
_GAP_IN = 0.06            # between page blocks, inches
# (series colours, series markers) and (plan colours, plan line styles) for targets_vs_evidence: by order
_SERIES_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["black"], OKABE_ITO["sky"], OKABE_ITO["purple"])
_SERIES_MARKERS = ("o", "s", "^", "v")
_PLAN_COLOURS = (OKABE_ITO["vermillion"], OKABE_ITO["green"], OKABE_ITO["purple"], OKABE_ITO["orange"],
                 OKABE_ITO["sky"])
_PLAN_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)))


def verdict_key(p: float) -> str:
    """Verdict code of a probability of meeting a target (:func:`simlib.assess.verdicts.verdict`)."""
    return verdict(p)


# ============================================================================================
# saving
# ============================================================================================

def save_figure(fig: Figure, path: str | Path, *, dpi: int = 200, tight: bool | None = None) -> Path:
    """Save a chart with no timestamp or software stamp: identical input gives identical bytes.

    Parameters
    ----------
    fig : Figure
    path : str or Path
        ``.png``, ``.svg`` or ``.pdf`` (the format follows the suffix). Parent
        folders are created.
    dpi : int
        Dots per inch of a PNG (200: sharp when printed at the chart's size).
    tight : bool, optional
        Crop to the drawn content. Default: not for charts laid out by this
        module (their layout is fixed; cropping would cost a second pass), yes
        for other figures, so an annotation outside the axes is kept.

    Returns
    -------
    Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {".png": {"Software": None}, ".svg": {"Date": None, "Creator": None},
            ".pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}}
    if tight is None:
        tight = not getattr(fig, "_simlib_fixed_layout", False)
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "simlib", "svg.fonttype": "path"}):
        fig.savefig(path, dpi=dpi, metadata=meta.get(path.suffix.lower(), {}),
                    bbox_inches="tight" if tight else None, facecolor="white")
    return path


# ============================================================================================
# the page: header, axes grid, legend, note and source, laid out once
# ============================================================================================

@functools.lru_cache(maxsize=4096)
def _measure(text: str, size: float, weight: str, dpi: float) -> float:
    """Width of one line of DejaVu Sans text in inches at ``dpi`` (Agg's hinting), cached: the same source lines
    and labels are measured for every chart of a report."""
    from matplotlib.backends.backend_agg import RendererAgg

    r = _agg(dpi)
    prop = FontProperties(family="DejaVu Sans", size=size, weight=weight)
    return RendererAgg.get_text_width_height_descent(r, text, prop, ismath=False)[0] / dpi


@functools.lru_cache(maxsize=4)
def _agg(dpi: float):
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, dpi)


def _wrap_text(renderer, text: str, size: float, width_in: float, dpi: float, weight: str = "normal") -> str:
    """Greedy word wrap of ``text`` to ``width_in`` inches, measuring each line (existing newlines kept)."""
    if not text:
        return ""
    weight = str(weight)

    def width(s: str) -> float:
        return _measure(s, float(size), weight, float(dpi))

    out = []
    for para in str(text).split("\n"):
        words = para.split(" ")
        line = ""
        for w in words:
            cand = f"{line} {w}" if line else w
            if line and width(cand) > 0.98 * width_in:
                out.append(line)
                line = w
            else:
                line = cand
        out.append(line)
    return "\n".join(out)


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
        FigureCanvasAgg(self.fig)
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
# small helpers
# ============================================================================================

def _shade(colour: str, strength: float) -> tuple[float, float, float]:
    """An opaque tint of ``colour`` (strength 1 = the colour, 0 = white)."""
    rgb = np.array(matplotlib.colors.to_rgb(colour))
    return tuple(float(c) for c in 1 - strength * (1 - rgb))


def _auto_decimals(x: float, max_decimals: int = 2) -> int:
    """Fewest decimals (up to ``max_decimals``) that show ``x`` as rounded to ``max_decimals``."""
    if x is None or not np.isfinite(x):
        return 0
    target = round(float(x), max_decimals)
    for d in range(max_decimals + 1):
        if abs(round(float(x), d) - target) < 10 ** -(max_decimals + 3):
            return d
    return max_decimals


def _pct(x: float, lang: str, max_decimals: int = 2, **kw) -> str:
    return fmt_percent(x, lang, _auto_decimals(x, max_decimals), **kw)


def _num(x: float, lang: str, max_decimals: int = 2, **kw) -> str:
    return fmt_number(x, lang, _auto_decimals(x, max_decimals), **kw)


class _LangFormatter(matplotlib.ticker.Formatter):
    """Tick labels in the chart's language, with one number of decimals on every tick."""

    def __init__(self, lang: str, *, grouping: bool = True, max_decimals: int = 3, suffix: str = ""):
        self.lang, self.grouping, self.max_decimals, self.suffix = lang, grouping, max_decimals, suffix
        self.decimals = 0

    def set_locs(self, locs):
        super().set_locs(locs)
        finite = [v for v in locs if np.isfinite(v)]
        self.decimals = max((_auto_decimals(v, self.max_decimals) for v in finite), default=0)

    def __call__(self, x, pos=None):
        return fmt_number(x, self.lang, self.decimals, grouping=self.grouping) + self.suffix


def _year_axis(axis, lang: str, lo: float, hi: float) -> None:
    span = hi - lo
    step = 1 if span <= 10 else 2 if span <= 20 else 5
    axis.set_major_locator(matplotlib.ticker.MultipleLocator(step))
    if step > 1:
        axis.set_minor_locator(matplotlib.ticker.MultipleLocator(1))
    axis.set_major_formatter(_LangFormatter(lang, grouping=False, max_decimals=0))


def _value_axis(axis, lang: str, nbins: int = 6, suffix: str = "") -> None:
    axis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(_LangFormatter(lang, suffix=suffix))


def _bool(v) -> bool:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return False
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes")
    return bool(v)


def _num_or_nan(v) -> float:
    x = pd.to_numeric(v, errors="coerce")
    return float(x) if not pd.isna(x) else math.nan


def _wrap_labels(fig, labels: Sequence[str], width_in: float, size: float = 7.5, max_lines: int = 3) -> list[str]:
    """Tick labels wrapped to ``width_in`` inches, at most ``max_lines`` lines (the last shortened with "…")."""
    r = fig.canvas.get_renderer()
    return [_fit_lines(r, neutralise(str(s)), size, width_in, fig.dpi, max_lines=max_lines) for s in labels]


def _check_quantiles(quantiles: pd.DataFrame, name: str = "quantiles") -> pd.DataFrame:
    if not isinstance(quantiles, pd.DataFrame):
        raise InputError(f"{name} must be a pandas DataFrame indexed by year")
    # the set most of whose columns are there: the report's (80 % and 50 % bands) or the older one
    cols = max((FAN_COLUMNS, _LEGACY_COLUMNS), key=lambda cs: (sum(c in quantiles.columns for c in cs) / len(cs)))
    missing = [c for c in cols if c not in quantiles.columns]
    if missing:
        raise InputError(f"{name} is missing quantile column(s) {missing}; expected {list(FAN_COLUMNS)} "
                         f"(or {list(_LEGACY_COLUMNS)})")
    if quantiles.empty:
        raise InputError(f"{name} has no rows")
    q = quantiles.loc[:, list(cols)].astype(float)
    q.index = pd.Index(np.asarray(quantiles.index, dtype=float), name="year")
    return q.sort_index()


def _today_line(ax, today: float | None, label_text: str | None, lang: str, *, sides: bool = True,
                fontsize: float = 7.0) -> None:
    """A dotted vertical line at ``today`` with its label at the top; "Past" / "Forecast" either side."""
    if today is None:
        return
    ax.axvline(today, color="0.15", lw=0.9, ls=(0, (1, 1.5)), zorder=4, gid="today-line")
    if label_text:
        lo, hi = ax.get_xlim()
        right_side = (today - lo) / (hi - lo) < 0.6  # late in the axis: write the label on the left of the line
        ax.annotate(label_text, xy=(today, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3 if right_side else -3, -2), textcoords="offset points",
                    ha="left" if right_side else "right", va="top", fontsize=fontsize, color="0.15",
                    bbox=dict(fc="white", ec="none", pad=0.6, alpha=0.85), zorder=8, parse_math=False,
                    gid="today-label")
    if sides:
        ax.annotate(f"← {t('past_side', lang)}", xy=(today, 0.0), xycoords=("data", "axes fraction"),
                    xytext=(-3, 3), textcoords="offset points", ha="right", va="bottom", fontsize=6.5,
                    color="0.4", zorder=8)
        ax.annotate(f"{t('future_side', lang)} →", xy=(today, 0.0), xycoords=("data", "axes fraction"),
                    xytext=(3, 3), textcoords="offset points", ha="left", va="bottom", fontsize=6.5,
                    color="0.4", zorder=8)


def _today_text(today: float | None, today_label: str | None, lang: str) -> str | None:
    if today is None:
        return None
    if today_label is not None:
        return today_label
    # the latest school year with results: today 2026.5 -> "2025-2026" (its graduates have streamed)
    return t("today", lang, school_year=school_year(int(math.floor(today))))


def _draw_fan(ax, q: pd.DataFrame, anchor: tuple[float, float] | None = None, lw: float = 1.6,
              today: float | None = None) -> tuple[float, float, bool, bool]:
    """Bands and median of ``q`` (fractions) in percent; the median is dashed before ``today``.

    Returns (first x, last x, has estimate part, has forecast part).
    """
    xs = q.index.to_numpy(dtype=float)
    cols = {c: 100 * q[c].to_numpy(dtype=float) for c in q.columns}
    if anchor is not None and anchor[0] < xs[0]:
        xs = np.concatenate([[anchor[0]], xs])
        cols = {c: np.concatenate([[100 * anchor[1]], v]) for c, v in cols.items()}
    for lo, hi, strength, key in (_BANDS if "q0.1" in q.columns else _LEGACY_BANDS):
        ax.fill_between(xs, cols[lo], cols[hi], color=_shade(_BLUE, strength), lw=0, zorder=1, gid=f"fan:{key}")
    med = cols["q0.5"]
    past = future = True
    if today is None:
        ax.plot(xs, med, color=_BLUE, lw=lw, zorder=3, gid="fan:median")
        past = False
    else:
        before = xs <= today
        after = xs >= today
        # split at today, with the interpolated value so the two parts meet
        if before.any() and after.any() and not (xs == today).any():
            yt = float(np.interp(today, xs, med))
            xb, yb = np.append(xs[before], today), np.append(med[before], yt)
            xa, ya = np.insert(xs[after], 0, today), np.insert(med[after], 0, yt)
        else:
            xb, yb, xa, ya = xs[before], med[before], xs[after], med[after]
        past, future = len(xb) > 1, len(xa) > 1
        if past:
            ax.plot(xb, yb, color=_BLUE, lw=lw, ls=(0, (3, 1.5)), zorder=3, gid="fan:estimate")
        if future:
            ax.plot(xa, ya, color=_BLUE, lw=lw, zorder=3, gid="fan:median")
    return float(xs[0]), float(xs[-1]), past, future


def _fan_handles(lang: str, past: bool, future: bool, legacy: bool = False) -> list:
    handles = []
    if future:
        handles.append(Line2D([], [], color=_BLUE, lw=1.6, label=t("forecast_median", lang)))
    if past:
        handles.append(Line2D([], [], color=_BLUE, lw=1.6, ls=(0, (3, 1.5)), label=t("estimate_median", lang)))
    handles.append(_BandsHandle(t("bands_legend", lang), _LEGACY_BANDS) if legacy
                   else _BandsHandle(t("bands_legend_80", lang), _BANDS))
    return handles


class _BandsHandle:
    """One legend entry for the three forecast bands: three swatches, darkest (narrowest interval) first."""

    def __init__(self, text: str, bands=None):
        self.text = text
        self.bands = bands if bands is not None else _BANDS

    def get_label(self) -> str:
        return self.text


class _BandsHandler:
    def legend_artist(self, legend, orig_handle, fontsize, handlebox):
        x0, y0 = handlebox.xdescent, handlebox.ydescent
        w, h = handlebox.width, handlebox.height
        artists = []
        bands = getattr(orig_handle, "bands", _BANDS)
        n = len(bands)
        for k, (*_, strength, _key) in enumerate(bands[::-1]):
            r = Rectangle((x0 + k * w / n, y0), w / n, h, facecolor=_shade(_BLUE, strength), edgecolor="none",
                          transform=handlebox.get_transform())
            handlebox.add_artist(r)
            artists.append(r)
        return artists[0]


def _anchor_from_history(history: pd.DataFrame) -> tuple[float, float] | None:
    """The last exact observation (same definition preferred) as (year, fraction)."""
    vals = pd.to_numeric(history["value"], errors="coerce")
    pts = history[vals.notna()]
    if pts.empty:
        return None
    same = pts[pts["same_definition"].map(_bool)]
    use = same if not same.empty else pts
    row = use.loc[pd.to_numeric(use["year"]).idxmax()]
    return float(row["year"]), float(row["value"])


# ============================================================================================
# targets as given by callers
# ============================================================================================

def _target_items(targets) -> list[dict]:
    """Normalise targets: (by, share[, year]) tuples, a mapping by -> share, or dicts with share/year/by."""
    if targets is None:
        return []
    if isinstance(targets, pd.DataFrame):
        items = targets.to_dict("records")
    elif isinstance(targets, Mapping):
        items = [{"by": k, "share": v} for k, v in targets.items()]
    else:
        items = list(targets)
    out = []
    for it in items:
        if isinstance(it, Mapping):
            d = {"by": it.get("by") or it.get("label"), "share": it["share"], "year": it.get("year"),
                 "comparator": it.get("comparator", ">=")}
        else:
            tup = tuple(it) + (None,)
            d = {"by": tup[0], "share": tup[1], "year": tup[2], "comparator": ">="}
        share = _num_or_nan(d["share"])
        if math.isnan(share):
            raise InputError(f"target {d['by']!r}: share {d['share']!r} is not a number (a fraction 0-1)")
        if not 0.0 <= share <= 1.0:
            raise InputError(f"target {d['by']!r}: share {share} is not a fraction in [0, 1]")
        d["share"] = share
        year = _num_or_nan(d["year"]) if d["year"] is not None else math.nan
        d["year"] = None if math.isnan(year) else int(round(year))
        d["by"] = None if d["by"] is None or (isinstance(d["by"], float) and math.isnan(d["by"])) \
            or not str(d["by"]).strip() else str(d["by"])
        out.append(d)
    return out


def _comparator_sign(comp) -> str:
    return {">=": "≥", ">": ">", "approx": "≈", "<=": "≤", "<": "<"}.get(str(comp), "")


def _target_text(item: dict, lang: str) -> str:
    value = _comparator_sign(item.get("comparator")) + _pct(100 * item["share"], lang)
    if item["year"] is None:
        return (f"{item['by']}: {value}" if item["by"] else t("target_line_noyear", lang, value=value))
    if item["by"]:
        return t("target_line_by", lang, year=str(item["year"]), by=item["by"], value=value)
    return t("target_line", lang, year=str(item["year"]), value=value)


def _spread_labels(ys: Sequence[float], min_gap: float, lo: float, hi: float) -> list[float]:
    """Positions as close as possible to ``ys`` with at least ``min_gap`` between neighbours, within [lo, hi]."""
    order = np.argsort(ys, kind="stable")
    pos = [float(ys[i]) for i in order]
    for k in range(1, len(pos)):
        pos[k] = max(pos[k], pos[k - 1] + min_gap)
    overflow = pos[-1] - hi if pos else 0.0
    if overflow > 0:
        pos = [p - overflow for p in pos]
        for k in range(len(pos) - 2, -1, -1):
            pos[k] = min(pos[k], pos[k + 1] - min_gap)
    if pos and pos[0] < lo:
        pos = [p + (lo - pos[0]) for p in pos]
    out = [0.0] * len(pos)
    for k, i in enumerate(order):
        out[i] = pos[k]
    return out


def _draw_target_lines(ax, items: list[dict], lang: str, *, xlim: tuple[float, float], ylim: tuple[float, float],
                       axes_height_in: float, fontsize: float = 7.5) -> None:
    """Dashed vermillion lines, a diamond at the target year, each labelled once at the right, spread apart."""
    if not items:
        return
    ys = [100 * it["share"] for it in items]
    span = ylim[1] - ylim[0]
    gap = span * (fontsize * 1.7 / 72) / axes_height_in  # one line of bold text with its white box, data units
    label_y = _spread_labels([y + gap * 0.45 for y in ys], gap, ylim[0] + gap * 0.5, ylim[1] - gap * 0.5)
    for it, y, ly in zip(items, ys, label_y):
        ax.axhline(y, color=_VERMILLION, ls=(0, (5, 2.5)), lw=1.1, zorder=2, gid="target-line")
        if it["year"] is not None:
            ax.plot([it["year"]], [y], marker="D", ms=6, color=_VERMILLION, mec="white", mew=0.8, ls="", zorder=6)
        ax.annotate(_target_text(it, lang), xy=(xlim[1], ly), xycoords="data", xytext=(-3, 0),
                    textcoords="offset points", ha="right", va="center", fontsize=fontsize, color=_VERMILLION,
                    fontweight="bold", bbox=dict(fc="white", ec="none", pad=0.8, alpha=0.85), zorder=9,
                    parse_math=False, gid="target-label")


# ============================================================================================
# fan chart
# ============================================================================================

def _history_frame(history: pd.DataFrame | None) -> pd.DataFrame | None:
    if history is None or not len(history):
        return None
    need = {"year", "value", "low", "high"}
    if not need <= set(history.columns):
        raise InputError(f"history needs columns {sorted(need)} (optional: high_open, same_definition, "
                         "year_first, year_last, planner)")
    h = history.copy()
    for c, default in (("high_open", False), ("same_definition", True), ("planner", False)):
        if c not in h:
            h[c] = default
    for c in ("year_first", "year_last"):
        if c not in h:
            h[c] = np.nan
    return h


def _draw_history(ax, hist: pd.DataFrame, lang: str, *, span: float, label_values: bool = True) -> tuple[set, float]:
    """Points, ranges over their years, open upper ends; returns the kinds drawn and the earliest x."""
    kinds: set[str] = set()
    xmin = math.inf
    npts = int(pd.to_numeric(hist["value"], errors="coerce").notna().sum())
    for _, o in hist.sort_values("year", kind="stable").iterrows():
        x = float(o["year"])
        same, planner = _bool(o["same_definition"]), _bool(o["planner"])
        value, low, high = _num_or_nan(o["value"]), _num_or_nan(o["low"]), _num_or_nan(o["high"])
        marker, colour = ("s", OKABE_ITO["green"]) if planner else ("o", "black")
        face = colour if same else "white"
        if not math.isnan(value):
            xmin = min(xmin, x)
            ax.plot([x], [100 * value], marker=marker, mfc=face, mec=colour, mew=1.2, ms=5.5, ls="", zorder=7,
                    gid="history:point")
            kinds.add("planner" if planner else ("same" if same else "other"))
            if label_values and npts <= 10:
                ax.annotate(_pct(100 * value, lang, 1), xy=(x, 100 * value), xytext=(0, -7),
                            textcoords="offset points", ha="center", va="top", fontsize=6.5, color="0.2",
                            zorder=8, bbox=dict(fc="white", ec="none", pad=0.3, alpha=0.8))
        elif not math.isnan(low):
            y0 = _num_or_nan(o["year_first"])
            y1 = _num_or_nan(o["year_last"])
            x0 = y0 if not math.isnan(y0) else x
            x1 = y1 if not math.isnan(y1) else x
            if x1 - x0 < 0.3:
                x0, x1 = (x0 + x1) / 2 - 0.15, (x0 + x1) / 2 + 0.15
            xmin = min(xmin, x0)
            lo = 100 * low
            hi = 100 * high if not math.isnan(high) else lo
            ax.add_patch(Rectangle((x0, lo), x1 - x0, max(hi - lo, span * 0.004), facecolor=_shade("black", 0.12)
                                   if same else "white", edgecolor="black", lw=1.0, hatch=None if same else "////",
                                   zorder=6, gid="history:range"))
            kinds.add("range_same" if same else "range_other")
            open_up = _bool(o["high_open"]) or math.isnan(high)
            if open_up:
                ax.annotate("", xy=((x0 + x1) / 2, hi + 0.07 * span), xytext=((x0 + x1) / 2, hi),
                            arrowprops=dict(arrowstyle="-|>", color="black", lw=1.1, mutation_scale=8), zorder=6)
                kinds.add("open")
            txt = (t("range_open_value", lang, low=_pct(lo, lang, 1)) if hi <= lo
                   else t("range_to_open_value", lang, low=_num(lo, lang, 1), high=_pct(hi, lang, 1)) if open_up
                   else t("range_value", lang, low=_num(lo, lang, 1), high=_pct(hi, lang, 1)))
            ax.annotate(txt, xy=(x0, hi), xytext=(0, 3), textcoords="offset points", ha="left", va="bottom",
                        fontsize=6.5, color="0.2", zorder=7, bbox=dict(fc="white", ec="none", pad=0.3, alpha=0.8))
    return kinds, xmin


def _history_handles(kinds: set, lang: str, place: str | None = None) -> list:
    h = []
    if "same" in kinds:
        h.append(Line2D([], [], marker="o", ls="", color="black", ms=5,
                        label=t("observed_same_of", lang, place=place) if place else t("observed_same", lang)))
    if "other" in kinds:
        h.append(Line2D([], [], marker="o", ls="", mfc="white", mec="black", ms=5,
                        label=t("observed_other_of", lang, place=place) if place else t("observed_other", lang)))
    if "planner" in kinds:
        h.append(Line2D([], [], marker="s", ls="", color=OKABE_ITO["green"], ms=5, label=t("observed_planner", lang)))
    if "range_same" in kinds:
        h.append(Patch(facecolor=_shade("black", 0.12), edgecolor="black", lw=0.8,
                       label=t("range_observed_same", lang)))
    if "range_other" in kinds:
        h.append(Patch(facecolor="white", edgecolor="black", lw=0.8, hatch="////",
                       label=t("range_observed_other", lang)))
    if "open" in kinds:
        h.append(Line2D([], [], marker="^", ls="", color="black", ms=5, label=t("open_upper", lang)))
    return h


def fan_chart(
    quantiles: pd.DataFrame,
    *,
    history: pd.DataFrame | None = None,
    targets=(),
    lang: str = "en",
    title: str = "",
    subtitle: str = "",
    note: str = "",
    source: str = "",
    illustrative: bool = False,
    today: float | None = None,
    today_label: str | None = None,
    ax=None,
    ylim: tuple[float, float] | None = None,
    ylabel: str | None = None,
    width: float = WIDTH_IN,
    height: float = 2.9,
    history_label: str | None = None,
) -> Figure:
    """A forecast fan with the observations, the targets and a "today" line.

    Parameters
    ----------
    quantiles : DataFrame
        Indexed by year (end of the school year), columns :data:`FAN_COLUMNS`
        (fractions 0-1). Bands: the 30 %, 60 % and 90 % forecast intervals in
        one hue (darkest in the middle); the line is the median.
    history : DataFrame, optional
        Observations, shares as fractions: columns ``year, value, low, high``
        (NaN when absent); optional ``high_open`` (no upper bound: arrow),
        ``same_definition`` (hollow marker when False), ``year_first`` and
        ``year_last`` (a range reported for several years is drawn across
        them, e.g. 2021 to 2023, not as a dot at 2022), ``planner`` (the
        planner's own figures: green squares). Values are written next to
        the points. The fan starts from the last exact observation (same
        definition preferred) when that is earlier than the first forecast.
    targets : sequence
        ``(by, share, year)`` tuples (``by``: who set it, e.g. "QĐ 522", or
        None; share a fraction; year or None), a mapping ``by -> share``, or
        dicts/a DataFrame with ``share, year, by, comparator``. Each is a
        dashed line labelled once ("Chỉ tiêu năm 2025: ≥40,12%") with a
        diamond at its year.
    lang : {"vi", "en"}
    title, subtitle, note, source : str
        In ``lang``. Title: the indicator and place; subtitle: the unit.
    illustrative : bool
        Write the "illustrative" mark under the title.
    today : float, optional
        Year position of the "today" line (e.g. 2025.5: the 2025 outcome is
        known, 2026 is not). Median before it is dashed: an estimate of a
        past year, not a forecast.
    today_label : str, optional
        Default "Hôm nay (năm học 2024-2025)" for ``today`` 2025.5: the latest school year with results,
        as the report's subtitle names it.
    ax : Axes, optional
        Draw into this Axes (the caller's figure layout is kept).
    ylim : (low, high), percent, optional
        Default: 0 to a round number above the highest band, point or target.
    ylabel : str, optional
        Default "% số học sinh tốt nghiệp" / "% of graduates".
    width, height : float
        Figure width and plot height, inches (when ``ax`` is None).
    history_label : str, optional
        Whose figures the observed points are when they are not the titled
        place's own (e.g. "Cả nước"): the legend says "Số liệu thực tế của Cả
        nước ...", so a chart never shows another geography's figures under
        this one's name unsaid.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    q = _check_quantiles(quantiles)
    hist = _history_frame(history)
    items = _target_items(targets)
    if ylim is None:
        top = 100 * float(q.iloc[:, -1].max())
        if hist is not None:
            for c in ("value", "low", "high"):
                v = pd.to_numeric(hist[c], errors="coerce").max()
                if not pd.isna(v):
                    top = max(top, 100 * float(v) * (1.12 if c == "high" else 1.0))
        top = max([top] + [100 * it["share"] for it in items])
        ylim = (0.0, min(100.0, 10 * math.ceil(top * 1.15 / 10)) if top > 0 else 10.0)
    with _rc():
        page = None
        if ax is None:
            page = _Page(width=width, lang=lang, title=title, subtitle=subtitle, illustrative=illustrative,
                         note=note, source=source)
            ax = page.fig.add_axes([0.1, 0.1, 0.8, 0.8])
        anchor = _anchor_from_history(hist) if hist is not None else None
        x0, x1, past, future = _draw_fan(ax, q, anchor, today=today)
        xmin = x0
        kinds: set = set()
        if hist is not None:
            kinds, hmin = _draw_history(ax, hist, lang, span=ylim[1] - ylim[0])
            xmin = min(xmin, hmin)
        for it in items:
            if it["year"] is not None:
                x1 = max(x1, it["year"])
                xmin = min(xmin, it["year"])
        xlim = (math.floor(xmin) - 0.6, x1 + 0.6)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax_h = height if page is not None else max(ax.get_position().height * ax.figure.get_figheight(), 1.0)
        _draw_target_lines(ax, items, lang, xlim=xlim, ylim=ylim, axes_height_in=ax_h)
        _today_line(ax, today, _today_text(today, today_label, lang), lang)
        ax.set_xlabel(t("school_year_note", lang))
        ax.set_ylabel(ylabel if ylabel is not None else t("percent_of_graduates", lang))
        _year_axis(ax.xaxis, lang, *xlim)
        _value_axis(ax.yaxis, lang)
        ax.grid(True, axis="y", color="0.9", lw=0.5)
        ax.set_axisbelow(True)
        handles = _fan_handles(lang, past, future, "q0.1" not in q.columns) + _history_handles(kinds, lang,
                                                                                               history_label)
        if items:
            handles.append(Line2D([], [], color=_VERMILLION, ls=(0, (5, 2.5)), marker="D", ms=4.5, mec="white",
                                  label=t("target", lang)))
        if page is None:
            _decorate_caller_ax(ax, title=title, subtitle=subtitle, note=note, source=source, lang=lang,
                                illustrative=illustrative, handles=handles)
            return ax.figure
        page.add_legend(handles)
        return page.finish([[ax]], [height])


# ============================================================================================
# small multiples
# ============================================================================================

def small_multiples(
    panels: Mapping[str, pd.DataFrame],
    *,
    targets: Mapping[str, float],
    probs: Mapping[str, object] | None = None,
    lang: str = "en",
    title: str = "",
    subtitle: str = "",
    note: str = "",
    source: str = "",
    illustrative: bool = False,
    today: float | None = None,
    today_label: str | None = None,
    ncols: int = 4,
    ylim: tuple[float, float] | None = None,
    ylabel: str | None = None,
    width: float = WIDTH_IN,
    panel_height: float = 1.15,
) -> Figure:
    """One small fan per place (a province and its districts or communes), on shared axes.

    Parameters
    ----------
    panels : mapping place name -> quantile DataFrame
        As for :func:`fan_chart` (index year, :data:`FAN_COLUMNS`, fractions
        0-1). Names are shown as given.
    targets : mapping place name -> target share (fraction 0-1)
        A dashed line; places without a target get none.
    probs : mapping place name -> probability (0-1) or text, optional
        Written in each panel: a number as "Xác suất đạt: 0,08", a text
        (e.g. "Đã đạt") as given.
    today : float, optional
        A thin "today" line in every panel (labelled in the legend).
    ncols : int
    ylim : (low, high), percent, optional
        Default: 0 to a round number above the highest 95 % quantile or target.
    ylabel : str, optional
        A y label on the first column (default none: say the unit in ``subtitle``).
    width, panel_height : float
        Figure width and height of one panel's plot, inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    if not panels:
        raise InputError("panels is empty")
    qs = {name: _check_quantiles(df, f"panels[{name!r}]") for name, df in panels.items()}
    n = len(qs)
    ncols = max(1, min(int(ncols), n))
    nrows = math.ceil(n / ncols)
    if ylim is None:
        top = max(100 * float(q.iloc[:, -1].max()) for q in qs.values())
        top = max([top] + [100 * float(v) for v in targets.values() if v is not None and not pd.isna(v)])
        # headroom: the two-line box at the top of each panel sits above the target line and the bands
        ylim = (0, min(100, 10 * math.ceil(top * 1.32 / 10)) if top > 0 else 10)
    with _rc():
        page = _Page(width=width, lang=lang, title=title, subtitle=subtitle, illustrative=illustrative, note=note,
                     source=source)
        fig = page.fig
        grid = [[None] * ncols for _ in range(nrows)]
        first = None
        past_any = future_any = False
        for i, (name, q) in enumerate(qs.items()):
            r, c = divmod(i, ncols)
            ax = fig.add_axes([0.1, 0.1, 0.2, 0.2], sharex=first, sharey=first)
            first = first or ax
            grid[r][c] = ax
            _, _, past, future = _draw_fan(ax, q, lw=1.2, today=today)
            past_any |= past
            future_any |= future
            ax.set_title(textwrap.fill(str(name), 30), loc="left", fontsize=7.5, pad=2)  # long unit names wrap
            lines = []
            share = targets.get(name)
            if share is not None and not pd.isna(share):
                y = 100 * float(share)
                ax.axhline(y, color=_VERMILLION, ls=(0, (4, 2)), lw=1.0, zorder=2, gid="target-line")
                lines.append(t("target_value", lang, value=_pct(y, lang)))
            if probs is not None and name in probs:
                p = probs[name]
                if isinstance(p, str):
                    lines.append(p)
                else:
                    lines.append(t("p_met_value", lang, p=fmt_prob(p, lang)) if not pd.isna(p)
                                 else t("verdict.not_assessed", lang))
            if lines:
                ax.text(0.03, 0.95, "\n".join(lines), transform=ax.transAxes, ha="left", va="top", fontsize=6.3,
                        bbox=dict(fc="white", ec="0.8", lw=0.4, pad=1.5), zorder=9, parse_math=False)
            if today is not None:
                ax.axvline(today, color="0.15", lw=0.7, ls=(0, (1, 1.5)), zorder=4, gid="today-line")
            ax.grid(True, axis="y", color="0.9", lw=0.5)
            ax.set_axisbelow(True)
            ax.tick_params(labelsize=6.5, length=2, pad=1.5)
        xmin = min(q.index.min() for q in qs.values())
        xmax = max(q.index.max() for q in qs.values())
        first.set_xlim(xmin - 0.4, xmax + 0.4)
        first.set_ylim(*ylim)
        first.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=3, integer=True))
        first.xaxis.set_major_formatter(_LangFormatter(lang, grouping=False, max_decimals=0))
        _value_axis(first.yaxis, lang, nbins=4)
        for r in range(nrows):
            for c in range(ncols):
                ax = grid[r][c]
                if ax is None:
                    continue
                below = grid[r + 1][c] if r + 1 < nrows else None
                ax.tick_params(labelbottom=below is None, labelleft=c == 0)
        if ylabel:
            grid[nrows // 2][0].set_ylabel(ylabel, fontsize=7)
        handles = _fan_handles(lang, past_any, future_any, any("q0.1" not in q.columns for q in qs.values()))
        handles.append(Line2D([], [], color=_VERMILLION, ls=(0, (4, 2)), label=t("target", lang)))
        if today is not None:
            handles.append(Line2D([], [], color="0.15", lw=0.9, ls=(0, (1, 1.5)),
                                  label=_today_text(today, today_label, lang)))
        page.add_legend(handles)
        return page.finish(grid, [panel_height] * nrows, wspace=0.08, hspace=0.06)


# ============================================================================================
# waterfall
# ============================================================================================

def waterfall(
    contributions: pd.Series,
    *,
    baseline: float,
    total: float,
    lang: str = "en",
    title: str = "",
    subtitle: str = "",
    note: str = "",
    source: str = "",
    illustrative: bool = False,
    unit_label: str | None = None,
    baseline_label: str | None = None,
    total_label: str | None = None,
    ax=None,
    atol: float = 0.05,
    width: float = WIDTH_IN,
) -> Figure:
    """What makes up a share: from a starting point, each lever's contribution, to the total.

    Parameters
    ----------
    contributions : Series
        Index: lever key (translated when it is a glossary key ``lever.<key>``)
        or a label shown as given; values in percentage points (negative
        allowed). A ``combination`` entry (interaction between levers) is
        drawn after the others. Without one, a gap ``total - baseline - sum``
        is drawn as the ``combination`` bar.
    baseline, total : float
        Percent (0-100).
    unit_label : str, optional
        x-axis label; default "% số học sinh tốt nghiệp".
    baseline_label : str, optional
        What the starting point is (e.g. "Xu hướng hiện tại, chưa có giải
        pháp mới"); default "Điểm xuất phát". Say in ``note`` how it relates
        to the medians in the tables.
    total_label : str, optional
        Default "Tổng cộng".
    atol : float
        With an explicit ``combination`` entry, ``baseline + sum`` must equal
        ``total`` within ``atol`` percentage points.

    Bars carry ``gid`` ``waterfall:baseline``, ``waterfall:<key>``,
    ``waterfall:total``; every bar is labelled with its value
    ("+2,1 điểm %"), so no legend is needed.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    contrib = pd.Series(contributions, dtype=float).dropna()
    if contrib.index.has_duplicates:
        raise InputError("contributions has duplicate levers")
    baseline, total = float(baseline), float(total)
    keys = [k for k in contrib.index if str(k) != "combination"]
    resid = total - baseline - float(contrib.sum())
    if "combination" in contrib.index:
        if abs(resid) > atol:
            raise InputError(f"baseline + contributions = {baseline + contrib.sum():.3f} but total = {total:.3f}")
        keys.append("combination")
    elif abs(resid) > 1e-9:
        contrib = pd.concat([contrib, pd.Series({"combination": resid})])
        keys.append("combination")
    pp = t("pp_short", lang)
    rows = ["baseline", *keys, "total"]
    n = len(rows)
    with _rc():
        page = None
        if ax is None:
            page = _Page(width=width, lang=lang, title=title, subtitle=subtitle, illustrative=illustrative,
                         note=note, source=source)
            ax = page.fig.add_axes([0.3, 0.1, 0.6, 0.8])
        fig = ax.figure
        ys = {r: n - 1 - i for i, r in enumerate(rows)}
        h = 0.62
        ax.barh(ys["baseline"], baseline, left=0, height=h, color="0.65", edgecolor="black", lw=0.6,
                gid="waterfall:baseline")
        ends = [baseline]
        running = baseline
        for k in keys:
            c = float(contrib[k])
            y = ys[k]
            neg = c < 0
            ax.barh(y, c, left=running, height=h, color=_VERMILLION_LIGHT if neg else _SKY, edgecolor="black",
                    lw=0.6, hatch="///" if neg else None, gid=f"waterfall:{k}")
            ax.plot([running, running], [y + 1 - h / 2, y + h / 2], color="0.3", lw=0.7, ls=":", zorder=1)
            running += c
            ends.append(running)
            ax.annotate(f"{_num(c, lang, 1, sign=True)} {pp}", xy=(max(running, running - c), y), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=7.5)
        yt = ys["total"]
        ax.plot([running, running], [yt + 1 - h / 2, yt + h / 2], color="0.3", lw=0.7, ls=":", zorder=1)
        ax.barh(yt, total, left=0, height=h, color=_BLUE, edgecolor="black", lw=0.6, gid="waterfall:total")
        ax.annotate(_pct(baseline, lang, 1), xy=(baseline, ys["baseline"]), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=7.5)
        ax.annotate(_pct(total, lang, 1), xy=(total, yt), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize=7.5, fontweight="bold")
        names = ([baseline_label or t("baseline", lang)] + [label(k, lang, ("lever.", "scenario.", "")) for k in keys]
                 + [total_label or t("total", lang)])
        ax.set_yticks([ys[r] for r in rows], _wrap_labels(fig, names, 2.3))
        hi = max([baseline, total, *ends, 0.0])
        lo = min([0.0, *ends])
        ax.set_xlim(lo, hi + 0.2 * max(hi - lo, 1e-9))
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel(unit_label if unit_label is not None else t("percent_of_graduates", lang))
        _value_axis(ax.xaxis, lang)
        ax.grid(True, axis="x", color="0.9", lw=0.5)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        if page is None:
            _decorate_caller_ax(ax, title=title, subtitle=subtitle, note=note, source=source, lang=lang,
                                illustrative=illustrative, handles=None)
            return fig
        return page.finish([[ax]], [0.3 * n + 0.1])


# ============================================================================================
# tornado
# ============================================================================================

def _value_text(v: float, lang: str, value_format: str, max_decimals: int) -> str:
    if value_format == "percent":
        return _pct(v, lang, max_decimals)
    if value_format == "prob":
        return fmt_prob(min(max(v, 0.0), 1.0), lang, max_decimals)
    return _num(v, lang, max_decimals)


def _tornado_panel(ax, s: pd.DataFrame, base: float, lang: str, value_format: str, max_decimals: int,
                   colours: tuple) -> None:
    n = len(s)
    h = 0.36
    low_c, high_c = colours
    room = [0.0, 0.0]  # the widest value label left and right of the centre line, inches
    for i, r in s.reset_index(drop=True).iterrows():
        y = n - 1 - i
        for which, dy, colour, hatch in (("low", h / 2, low_c, "...."), ("high", -h / 2, high_c, None)):
            v = float(r[which])
            ax.barh(y + dy, v - base, left=base, height=h, color=colour, edgecolor="black", lw=0.5, hatch=hatch,
                    gid=f"tornado:{r['parameter']}:{which}")
            txt = _value_text(v, lang, value_format, max_decimals)
            lab = r.get(f"{which}_label")
            if lab is not None and not pd.isna(lab) and str(lab):
                txt = f"{txt} ({lab})"
            right = v >= base
            room[right] = max(room[right], _measure(txt, 6.8, "normal", _LAYOUT_DPI) + 0.08)
            ax.annotate(txt, xy=(v, y + dy), xytext=(3 if right else -3, 0), textcoords="offset points",
                        ha="left" if right else "right", va="center", fontsize=6.8, parse_math=False)
    ax.axvline(base, color="black", lw=1.0, zorder=4)
    lo = min([base, *s["low"], *s["high"]])
    hi = max([base, *s["low"], *s["high"]])
    span = max(hi - lo, abs(base) * 0.02, 1e-9)
    # room for the value labels inside the panel (they would otherwise run into the names on the left): the
    # panel is the page's width less the names' column, about 2.6 inches
    a, b = (min(w / max(ax.figure.get_figwidth() - 2.6, 1.5), 0.4) for w in room)
    total = span / (1.0 - a - b)
    ax.set_xlim(lo - max(a * total, 0.05 * span), hi + max(b * total, 0.05 * span))
    ax.set_ylim(-0.6, n - 0.4)
    _value_axis(ax.xaxis, lang, nbins=5, suffix="%" if value_format == "percent" else "")
    ax.grid(True, axis="x", color="0.9", lw=0.5)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)


def tornado(
    sensitivity: pd.DataFrame,
    *,
    base: float,
    lang: str = "en",
    title: str = "",
    subtitle: str = "",
    note: str | None = None,
    source: str = "",
    illustrative: bool = False,
    xlabel: str | None = None,
    value_format: str = "percent",
    separate: Sequence[str] = (),
    base_label: str | None = None,
    ax=None,
    max_decimals: int = 1,
    width: float = WIDTH_IN,
) -> Figure:
    """Which inputs move the result most (one at a time); biggest swing on top.

    Parameters
    ----------
    sensitivity : DataFrame
        Columns ``parameter, low, high``: the result with the input at its
        low and its high setting, in the unit of ``value_format``; optional
        ``low_label, high_label``: the settings in words (e.g. "0 giáo viên",
        "2 giáo viên"), written after the values. Parameters that are glossary
        keys (``lever.<key>``) are translated, others shown as given.
    base : float
        The result with every input at its central value (the vertical line).
    note : str, optional
        Under the chart; default: how to read the bars (glossary
        ``sensitivity_note``); "" for none.
    xlabel : str, optional
        Default "Xác suất đạt chỉ tiêu" for ``value_format="prob"``, else
        "% số học sinh tốt nghiệp".
    value_format : {"percent", "prob", "number"}
        Unit of ``low``, ``high`` and ``base``: percent (0-100), a
        probability (0-1) or a plain number.
    separate : sequence of str
        Parameters drawn in a second panel with their own scale, e.g. the
        trend's own uncertainty, whose swing would otherwise hide the levers.
    base_label : str, optional
        Legend text of the vertical line; default "Giá trị trung tâm: 31,2%".

    Each parameter has two half-rows (low above, dotted; high below, solid),
    so neither hides the other; ``gid`` is ``tornado:<parameter>:low|high``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    need = {"parameter", "low", "high"}
    if not need <= set(sensitivity.columns):
        raise InputError(f"sensitivity needs columns {sorted(need)}")
    if value_format not in ("percent", "prob", "number"):
        raise InputError(f"value_format must be 'percent', 'prob' or 'number', not {value_format!r}")
    s = sensitivity.reset_index(drop=True).copy()
    s["low"] = pd.to_numeric(s["low"], errors="coerce")
    s["high"] = pd.to_numeric(s["high"], errors="coerce")
    if s[["low", "high"]].isna().any().any():
        raise InputError("sensitivity has missing low/high values")
    unknown = [p for p in separate if p not in set(s["parameter"])]
    if unknown:
        raise InputError(f"separate names parameters that are not in the table: {unknown}")
    s["_swing"] = (s["high"] - s["low"]).abs()
    s = s.sort_values("_swing", ascending=False, kind="mergesort").reset_index(drop=True)
    main = s[~s["parameter"].isin(list(separate))]
    extra = s[s["parameter"].isin(list(separate))]
    base = float(base)
    xlab = xlabel if xlabel is not None else t("p_met" if value_format == "prob" else "percent_of_graduates", lang)
    if note is None:
        note = t("sensitivity_note", lang)
    colours = (_shade(_SKY, 0.55), _BLUE)
    base_text = base_label or t("base_case_value", lang, value=_value_text(base, lang, value_format, max_decimals))
    handles = [Patch(facecolor=colours[0], edgecolor="black", lw=0.5, hatch="....", label=t("low_setting", lang)),
               Patch(facecolor=colours[1], edgecolor="black", lw=0.5, label=t("high_setting", lang)),
               Line2D([], [], color="black", lw=1.0, label=base_text)]
    with _rc():
        if ax is not None:
            _tornado_panel(ax, s, base, lang, value_format, max_decimals, colours)
            fig = ax.figure
            ax.set_yticks([len(s) - 1 - i for i in range(len(s))],
                          _wrap_labels(fig, [label(p, lang, ("lever.", "scenario.", "")) for p in s["parameter"]], 2.2))
            ax.set_xlabel(xlab)
            _decorate_caller_ax(ax, title=title, subtitle=subtitle, note=note, source=source, lang=lang,
                                illustrative=illustrative, handles=handles)
            return fig
        page = _Page(width=width, lang=lang, title=title, subtitle=subtitle, illustrative=illustrative, note=note,
                     source=source)
        fig = page.fig
        grid, heights = [], []
        for part, heading in ((main, "levers_panel"), (extra, "trend_panel")):
            if part.empty:
                continue
            pax = fig.add_axes([0.3, 0.1, 0.6, 0.3])
            _tornado_panel(pax, part, base, lang, value_format, max_decimals, colours)
            names = [label(p, lang, ("lever.", "scenario.", "")) for p in part["parameter"]]
            pax.set_yticks([len(part) - 1 - i for i in range(len(part))], _wrap_labels(fig, names, 2.2))
            pax.set_xlabel(xlab)
            if len(extra):
                pax.set_title(t(heading, lang), loc="left", fontsize=8, pad=4)
            grid.append([pax])
            heights.append(0.42 * len(part) + 0.1)
        page.add_legend(handles)
        return page.finish(grid, heights, hspace=0.2, min_left=1.2)


# ============================================================================================
# probability bars
# ============================================================================================

_VERDICT_SHADE = {"very_unlikely": (_VERMILLION, 0.16), "unlikely": (OKABE_ITO["orange"], 0.18),
                  "possible": (OKABE_ITO["sky"], 0.18), "likely": (OKABE_ITO["green"], 0.16)}


def probability_bars(
    frame: pd.DataFrame,
    *,
    lang: str = "en",
    title: str = "",
    subtitle: str = "",
    note: str = "",
    source: str = "",
    illustrative: bool = False,
    ax=None,
    width: float = WIDTH_IN,
) -> Figure:
    """P(target met) per scenario or place as bars over the verdict bands; past targets as met / missed.

    Parameters
    ----------
    frame : DataFrame
        Columns ``label, p_met``; rows drawn top to bottom in frame order.
        Labels that are scenario keys are translated (``baseline`` ->
        "Kịch bản cơ sở"), others shown as given (pass scenario titles).
        Optional ``verdict`` (a code): ``met`` / ``missed`` rows are drawn as
        ✓ / ✗ with the words (and ``result``, e.g. "41,0% năm 2025", when
        given) instead of a bar; a NaN ``p_met`` is "not assessed".

    The bands (P from 0.8 likely, 0.5-0.8 possible, 0.2-0.5 unlikely, under
    0.2 very unlikely) are named at the top, so colour is not needed to read them.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    if not {"label", "p_met"} <= set(frame.columns):
        raise InputError("frame needs columns label, p_met")
    f = frame.reset_index(drop=True)
    p_all = pd.to_numeric(f["p_met"], errors="coerce")
    if ((p_all < 0) | (p_all > 1)).any():
        raise InputError("p_met must be a probability in [0, 1] (or NaN when not assessed)")
    n = len(f)
    with _rc():
        page = None
        if ax is None:
            page = _Page(width=width, lang=lang, title=title, subtitle=subtitle, illustrative=illustrative,
                         note=note, source=source)
            ax = page.fig.add_axes([0.3, 0.1, 0.6, 0.8])
        fig = ax.figure
        bands = sorted(VERDICT_BANDS)  # ascending lower bounds
        edges = [(lo, bands[k + 1][0] if k + 1 < len(bands) else 1.0, code) for k, (lo, code) in enumerate(bands)]
        for lo, hi, code in edges:
            colour, strength = _VERDICT_SHADE.get(code, ("0.5", 0.1))
            ax.axvspan(lo, hi, color=_shade(colour, strength), lw=0, zorder=0)
            ax.annotate(t(f"verdict.{code}", lang), xy=((lo + hi) / 2, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=7,
                        color="0.25")
            if lo > 0:
                ax.axvline(lo, color="white", lw=1.2, zorder=0.5)
        for i, r in f.iterrows():
            y = n - 1 - i
            code = str(r.get("verdict", "") or "")
            p = pd.to_numeric(r["p_met"], errors="coerce")
            if code in (MET, MISSED):
                mark = "✓" if code == MET else "✗"
                res = r.get("result")
                txt = f"{mark} {t('verdict.' + code, lang)}" + (f" ({res})" if res is not None and not pd.isna(res)
                                                                 and str(res) else "")
                ax.text(0.01, y, txt, va="center", fontsize=7.5, fontweight="bold",
                        color=OKABE_ITO["green"] if code == MET else _VERMILLION, parse_math=False,
                        gid=f"prob:{r['label']}:{code}")
                continue
            if pd.isna(p) or code == NOT_ASSESSED:
                ax.text(0.01, y, t("verdict.not_assessed", lang), va="center", fontsize=7.5, style="italic")
                continue
            p = float(p)
            ax.barh(y, p, height=0.56, color=_BLUE, edgecolor="black", lw=0.5, zorder=2, gid=f"prob:{r['label']}")
            txt = f"{fmt_prob(p, lang)} · {t('verdict.' + verdict(p), lang)}"
            inside = p > 0.72
            ax.annotate(txt, xy=(p, y), xytext=(-4 if inside else 4, 0), textcoords="offset points",
                        ha="right" if inside else "left", va="center", fontsize=7.5,
                        color="white" if inside else "black", zorder=3)
        names = [label(v, lang, ("scenario.", "lever.", "")) for v in f["label"]]
        ax.set_yticks([n - 1 - i for i in range(n)], _wrap_labels(fig, names, 2.4))
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.6, n - 0.4)
        ax.xaxis.set_major_locator(matplotlib.ticker.MultipleLocator(0.1))
        ax.xaxis.set_major_formatter(_LangFormatter(lang, max_decimals=1))
        ax.set_xlabel(t("p_met", lang))
        ax.tick_params(axis="y", length=0)
        if page is None:
            _decorate_caller_ax(ax, title=title, subtitle=subtitle, note=note, source=source, lang=lang,
                                illustrative=illustrative, handles=None)
            return fig
        return page.finish([[ax]], [0.34 * n + 0.1])


# ============================================================================================
# ranked places: median and 80 % interval, target and reported figure
# ============================================================================================

def ranked_intervals(
    frame: pd.DataFrame,
    *,
    lang: str = "en",
    title: str = "",
    subtitle: str = "",
    note: str = "",
    source: str = "",
    illustrative: bool = False,
    xlabel: str | None = None,
    width: float = WIDTH_IN,
) -> Figure:
    """Places ranked by their forecast: median and 80 % interval, the target, the latest reported figure.

    Parameters
    ----------
    frame : DataFrame
        One row per place, drawn top to bottom in frame order (rank it first).
        Columns ``label`` (the place's name), ``median``, ``low``, ``high``
        (fractions 0-1: the median and the 10th and 90th percentiles);
        optional ``target`` (fraction, NaN for none), ``reported`` (the
        latest figure the place reported, fraction, NaN for none), ``own``
        (True when the place has figures of its own: a filled dot; False: a
        hollow dot, its forecast borrows the province's trend) and ``p_met``
        (written at the right).
    xlabel : str, optional
        Default "% số học sinh tốt nghiệp" / "% of graduates".

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    need = {"label", "median", "low", "high"}
    if not need <= set(frame.columns):
        raise InputError(f"frame needs columns {sorted(need)}")
    f = frame.reset_index(drop=True)
    if f.empty:
        raise InputError("frame has no rows")
    n = len(f)
    num = {c: pd.to_numeric(f[c], errors="coerce") if c in f else pd.Series(np.nan, index=f.index)
           for c in ("median", "low", "high", "target", "reported", "p_met")}
    own = f["own"].map(_bool) if "own" in f else pd.Series(True, index=f.index)
    top = np.nanmax(np.concatenate([100 * num[c].to_numpy(dtype=float) for c in ("high", "target", "reported")]
                                   + [[0.0]]))
    xmax = min(100.0, 10 * math.ceil(max(top, 1.0) * 1.1 / 10))
    with _rc():
        page = _Page(width=width, lang=lang, title=title, subtitle=subtitle, illustrative=illustrative, note=note,
                     source=source)
        fig = page.fig
        ax = fig.add_axes([0.3, 0.1, 0.6, 0.8])
        kinds = set()
        for i in range(n):
            y = n - 1 - i
            lo, hi, med = (100 * num[c].iloc[i] for c in ("low", "high", "median"))
            if not (np.isfinite(lo) and np.isfinite(hi) and np.isfinite(med)):
                ax.text(1, y, t("no_figures_short", lang), va="center", fontsize=7, style="italic", color="0.35")
                continue
            ax.plot([lo, hi], [y, y], color=_shade(_BLUE, 0.45), lw=4.5, solid_capstyle="butt", zorder=2,
                    gid="interval")
            filled = bool(own.iloc[i])
            kinds.add("own" if filled else "borrowed")
            ax.plot([med], [y], marker="o", ms=5, color=_BLUE, mfc=_BLUE if filled else "white", mew=1.2, zorder=4,
                    gid="median")
            tg = 100 * num["target"].iloc[i]
            if np.isfinite(tg):
                kinds.add("target")
                ax.plot([tg], [y], marker="|", ms=11, mew=2.0, color=_VERMILLION, zorder=5, gid="target")
            rp = 100 * num["reported"].iloc[i]
            if np.isfinite(rp):
                kinds.add("reported")
                ax.plot([rp], [y], marker="s", ms=4.5, color=OKABE_ITO["green"], mec="black", mew=0.4, zorder=6,
                        gid="reported")
            p = num["p_met"].iloc[i]
            if np.isfinite(p):
                ax.annotate(fmt_prob(p, lang), xy=(1.0, y), xycoords=("axes fraction", "data"), xytext=(4, 0),
                            textcoords="offset points", va="center", ha="left", fontsize=6.8, color="0.2")
        if num["p_met"].notna().any():
            ax.annotate(t("p_met_short", lang), xy=(1.0, 1.0), xycoords="axes fraction", xytext=(4, 2),
                        textcoords="offset points", va="bottom", ha="left", fontsize=6.8, color="0.2",
                        fontweight="bold")
        ax.set_yticks([n - 1 - i for i in range(n)], _wrap_labels(fig, [str(x) for x in f["label"]], 2.0, size=7,
                                                                 max_lines=2))
        ax.tick_params(axis="y", length=0, labelsize=7)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlim(0, xmax)
        _value_axis(ax.xaxis, lang)
        ax.set_xlabel(xlabel if xlabel is not None else t("percent_of_graduates", lang))
        ax.grid(True, axis="x", color="0.9", lw=0.5)
        ax.set_axisbelow(True)
        handles = [Line2D([], [], color=_shade(_BLUE, 0.45), lw=4.5, label=t("band_80", lang))]
        if "own" in kinds:
            handles.append(Line2D([], [], marker="o", ls="", color=_BLUE, ms=5, label=t("median_own", lang)))
        if "borrowed" in kinds:
            handles.append(Line2D([], [], marker="o", ls="", color=_BLUE, mfc="white", ms=5,
                                  label=t("median_borrowed", lang)))
        if "target" in kinds:
            handles.append(Line2D([], [], marker="|", ls="", color=_VERMILLION, ms=10, mew=2, label=t("target", lang)))
        if "reported" in kinds:
            handles.append(Line2D([], [], marker="s", ls="", color=OKABE_ITO["green"], mec="black", mew=0.4, ms=4.5,
                                  label=t("reported_latest", lang)))
        page.add_legend(handles)
        return page.finish([[ax]], [0.22 * n + 0.15])


# ============================================================================================
# targets against evidence
# ============================================================================================

def _by_order(values, palette):
    seen: list = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return {v: palette[k % len(palette)] for k, v in enumerate(seen)}


def targets_vs_evidence(
    observations: pd.DataFrame,
    targets: pd.DataFrame,
    *,
    panels: Sequence[str] | None = None,
    panel_titles: Mapping[str, str] | None = None,
    series_labels: Mapping[str, str] | None = None,
    plan_labels: Mapping[str, str] | None = None,
    lang: str = "en",
    title: str = "",
    subtitle: str = "",
    note: str = "",
    source: str = "",
    illustrative: bool = False,
    today: float | None = None,
    first_year: int | None = None,
    last_year: int | None = None,
    ylim: tuple[float, float] | None = None,
    ylabel: str | None = None,
    width: float = WIDTH_IN,
    panel_height: float = 2.6,
) -> Figure:
    """Every plan's targets (short lines at their year) against the observations, one panel per indicator.

    Parameters
    ----------
    observations : DataFrame
        One row per figure, shares as fractions 0-1. Columns ``panel`` (e.g.
        an indicator id), ``series`` (e.g. a place id), ``year`` (last year
        covered) and ``value`` or ``low``/``high``; optional ``year_first``
        (a range over several years is drawn across them), ``high_open``
        (arrow: "over x %"), ``same_definition`` (hollow when False),
        ``derived`` (a sum or another reading: diamond), ``note`` (a few
        words after the value, e.g. "cách hiểu khác").
    targets : DataFrame
        One row per target, shares as fractions 0-1. Columns ``panel``,
        ``plan`` and ``year``, ``share``; optional ``comparator`` (">=", ">",
        "approx", "range" with ``high``), ``detail`` (added to the label,
        e.g. "phụ lục; thân văn bản: 45,84%"), ``subunit`` (True: a district's
        or commune's target, drawn as a small grey tick), ``subunit_name``.
    panels : sequence of str, optional
        Panels in order (default: order of first appearance in ``targets``
        then ``observations``).
    panel_titles : mapping panel -> title (indicator and unit), optional
    series_labels : mapping series -> legend name, optional
        Also fixes the series order (colours and markers are assigned by order).
    plan_labels : mapping plan -> short name (in labels) , optional
        Also fixes the plan order (colours and line styles by order).
    today : float, optional
        A "today" line in every panel.
    first_year, last_year : int, optional
        x range (default: from the data).
    ylim : (low, high), percent, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    obs = observations.copy() if observations is not None else pd.DataFrame()
    tg = targets.copy() if targets is not None else pd.DataFrame()
    for name, frame, need in (("observations", obs, {"panel", "series", "year", "value", "low", "high"}),
                              ("targets", tg, {"panel", "plan", "year", "share"})):
        if len(frame) and not need <= set(frame.columns):
            raise InputError(f"{name} needs columns {sorted(need)}")
    if panels is None:
        panels = list(dict.fromkeys(list(tg.get("panel", [])) + list(obs.get("panel", []))))
    if not panels:
        raise InputError("nothing to draw: no panels")
    for c, default in (("year_first", np.nan), ("high_open", False), ("same_definition", True),
                       ("derived", False), ("note", "")):
        if len(obs) and c not in obs:
            obs[c] = default
    for c, default in (("comparator", ">="), ("detail", ""), ("subunit", False), ("subunit_name", ""),
                       ("high", np.nan)):
        if len(tg) and c not in tg:
            tg[c] = default
    series_order = list(series_labels or {}) + [s for s in obs.get("series", []) if s not in (series_labels or {})]
    plan_order = list(plan_labels or {}) + [p for p in tg.get("plan", []) if p not in (plan_labels or {})]
    s_colour = _by_order(series_order, _SERIES_COLOURS)
    s_marker = _by_order(series_order, _SERIES_MARKERS)
    p_colour = _by_order(plan_order, _PLAN_COLOURS)
    p_style = _by_order(plan_order, _PLAN_STYLES)
    years = list(pd.to_numeric(obs.get("year", pd.Series(dtype=float)), errors="coerce").dropna()) + \
        list(pd.to_numeric(tg.get("year", pd.Series(dtype=float)), errors="coerce").dropna())
    x0 = first_year if first_year is not None else (int(min(years)) if years else 2015)
    x1 = last_year if last_year is not None else (int(max(years)) if years else 2030)
    if ylim is None:
        vals = [100 * v for c in ("value", "low", "high") for v in pd.to_numeric(obs.get(c, pd.Series(dtype=float)),
                                                                                  errors="coerce").dropna()]
        vals += [100 * v for v in pd.to_numeric(tg.get("share", pd.Series(dtype=float)), errors="coerce").dropna()]
        top = max(vals) if vals else 50
        ylim = (0.0, min(100.0, 10 * math.ceil(top * 1.12 / 10)))
    span = ylim[1] - ylim[0]
    kinds: set = set()
    with _rc():
        page = _Page(width=width, lang=lang, title=title, subtitle=subtitle, illustrative=illustrative, note=note,
                     source=source)
        fig = page.fig
        grid = []
        for panel in panels:
            ax = fig.add_axes([0.1, 0.1, 0.8, 0.3])
            grid.append([ax])
            ax.set_xlim(x0 - 0.8, x1 + 0.8)
            ax.set_ylim(*ylim)
            for _, o in obs[obs["panel"] == panel].iterrows() if len(obs) else ():
                _tve_observation(ax, o, lang, s_colour, s_marker, span, kinds)
            sub = tg[tg["panel"] == panel] if len(tg) else tg
            _tve_targets(ax, sub, lang, p_colour, p_style, plan_labels or {}, span, kinds, (x0 - 0.8, x1 + 0.8),
                         panel_height)
            _today_line(ax, today, _today_text(today, None, lang), lang, sides=False)
            ax.set_title(_wrap_text(page.renderer, (panel_titles or {}).get(panel, str(panel)), 8.5, width - 1.2,
                                    fig.dpi, "bold"), loc="left", fontsize=8.5, pad=4)
            ax.set_ylabel(ylabel if ylabel is not None else t("percent_of_graduates", lang))
            _year_axis(ax.xaxis, lang, x0, x1)
            _value_axis(ax.yaxis, lang)
            ax.grid(True, axis="y", color="0.9", lw=0.5)
            ax.set_axisbelow(True)
        grid[-1][0].set_xlabel(t("school_year_note", lang))
        handles = []
        for s in series_order:
            name = (series_labels or {}).get(s, str(s))
            if ("series", s, True) in kinds:
                handles.append(Line2D([], [], marker=s_marker[s], ls="", color=s_colour[s], ms=5,
                                      label=f"{name}: {t('observed_same', lang).lower()}"))
            if ("series", s, False) in kinds:
                handles.append(Line2D([], [], marker=s_marker[s], ls="", mfc="white", mec=s_colour[s], ms=5,
                                      label=f"{name}: {t('observed_other', lang).lower()}"))
        if "derived" in kinds:
            handles.append(Line2D([], [], marker="D", ls="", mfc="white", mec="0.4", ms=5,
                                  label=t("observed_derived", lang)))
        if "range_same" in kinds:
            handles.append(Patch(facecolor=_shade("black", 0.12), edgecolor="0.3", label=t("range_observed_same", lang)))
        if "range_other" in kinds:
            handles.append(Patch(facecolor="white", edgecolor="0.3", hatch="////",
                                 label=t("range_observed_other", lang)))
        if "open" in kinds:
            handles.append(Line2D([], [], marker="^", ls="", color="black", ms=5, label=t("open_upper", lang)))
        for p in plan_order:
            if ("plan", p) in kinds:
                handles.append(Line2D([], [], color=p_colour[p], ls=p_style[p], lw=1.6,
                                      label=f"{t('target', lang)}: {(plan_labels or {}).get(p, str(p))}"))
        if "subunit" in kinds:
            handles.append(Line2D([], [], marker="_", ls="", color="0.5", ms=8, mew=1.5,
                                  label=t("subunit_targets", lang)))
        if today is not None:
            handles.append(Line2D([], [], color="0.15", lw=0.9, ls=(0, (1, 1.5)), label=_today_text(today, None, lang)))
        page.add_legend(handles, max_cols=2)
        return page.finish(grid, [panel_height] * len(panels), hspace=0.15)


def _tve_observation(ax, o, lang: str, s_colour: dict, s_marker: dict, span: float, kinds: set) -> None:
    colour = s_colour.get(o["series"], "0.3")
    derived = _bool(o["derived"])
    same = _bool(o["same_definition"]) and not derived
    marker = "D" if derived else s_marker.get(o["series"], "o")
    face = colour if same else "white"
    y1 = float(o["year"])
    yf = _num_or_nan(o["year_first"])
    y0 = yf if not math.isnan(yf) else y1
    value, low, high = _num_or_nan(o["value"]), _num_or_nan(o["low"]), _num_or_nan(o["high"])
    extra = str(o["note"]) if o["note"] is not None and not pd.isna(o["note"]) and str(o["note"]) else ""
    if not math.isnan(value):
        ax.plot([y1], [100 * value], marker=marker, ms=5.5, color=colour, mfc=face, mew=1.1, ls="", zorder=6,
                gid="evidence:point")
        kinds.add("derived" if derived else ("series", o["series"], same))
        txt = _pct(100 * value, lang, 2) + (f" ({extra})" if extra else "")
        ax.annotate(txt, (y1, 100 * value), xytext=(5, 0), textcoords="offset points", fontsize=6.5, color=colour,
                    va="center", zorder=7, parse_math=False, bbox=dict(fc="white", ec="none", pad=0.3, alpha=0.8))
        return
    if math.isnan(low):
        return
    lo = 100 * low
    hi = 100 * high if not math.isnan(high) else lo
    x0, x1 = (y0, y1) if y1 > y0 else (y1 - 0.15, y1 + 0.15)
    ax.add_patch(Rectangle((x0, lo), x1 - x0, max(hi - lo, span * 0.004), facecolor=_shade(colour, 0.18),
                           edgecolor=colour, lw=1.0, zorder=5, hatch=None if same else "////", gid="evidence:range"))
    kinds.add("range_same" if same else "range_other")
    kinds.add(("series", o["series"], same))
    open_up = _bool(o["high_open"]) or math.isnan(high)
    if open_up:
        ax.annotate("", xy=((x0 + x1) / 2, hi + 0.07 * span), xytext=((x0 + x1) / 2, hi),
                    arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.1, mutation_scale=8), zorder=6)
        kinds.add("open")
    txt = (t("range_open_value", lang, low=_pct(lo, lang, 1)) if hi <= lo
           else t("range_to_open_value", lang, low=_num(lo, lang, 1), high=_pct(hi, lang, 1)) if open_up
           else t("range_value", lang, low=_num(lo, lang, 1), high=_pct(hi, lang, 1)))
    ax.annotate(txt + (f" ({extra})" if extra else ""), xy=(x1, hi), xytext=(4, 1), textcoords="offset points",
                fontsize=6.5, color=colour, va="bottom", zorder=7, parse_math=False)


def _tve_targets(ax, tg: pd.DataFrame, lang: str, p_colour: dict, p_style: dict, plan_labels: Mapping,
                 span: float, kinds: set, xlim: tuple[float, float], axes_height_in: float) -> None:
    if tg is None or not len(tg):
        return
    sub = tg[tg["subunit"].map(_bool)]
    main = tg[~tg["subunit"].map(_bool)].copy()
    main["_y"] = [100 * float(v) for v in main["share"]]
    main = main.sort_values(["_y", "year"], kind="stable")
    texts, ys, xs = [], [], []
    for _, r in main.iterrows():
        colour, ls = p_colour[r["plan"]], p_style[r["plan"]]
        y, x = float(r["_y"]), int(r["year"])
        ax.hlines(y, x - 1.0, x + 0.35, colors=colour, linestyles=ls, lw=1.8, zorder=5, gid="evidence:target")
        comp = str(r["comparator"])
        if comp == "range" and not pd.isna(r["high"]):
            val = t("range_value", lang, low=_num(y, lang, 2), high=_pct(100 * float(r["high"]), lang, 2))
        else:
            val = _comparator_sign(comp) + _pct(y, lang, 2)
        txt = f"{plan_labels.get(r['plan'], r['plan'])} {x}: {val}"
        if r["detail"] is not None and not pd.isna(r["detail"]) and str(r["detail"]):
            txt += f" ({r['detail']})"
        texts.append((txt, colour))
        ys.append(y)
        xs.append(x - 1.0)
        kinds.add(("plan", r["plan"]))
    gap = span * (6.5 * 1.8 / 72) / axes_height_in  # one line of 6.5-pt text with its box, in data units
    placed = _spread_labels(ys, gap, span * 0.03, span * 0.97) if ys else []
    for (txt, colour), x, y, ly in zip(texts, xs, ys, placed):
        ax.annotate(txt, xy=(x, y), xytext=(x - 0.15, ly), textcoords="data", ha="right", va="center",
                    fontsize=6.5, color=colour, zorder=8, parse_math=False,
                    arrowprops=dict(arrowstyle="-", color=colour, lw=0.5, shrinkA=0, shrinkB=0)
                    if abs(ly - y) > span * 0.01 else None,
                    bbox=dict(fc="white", ec="none", pad=0.3, alpha=0.8))
    if len(sub):
        vals = [100 * float(v) for v in sub["share"]]
        for (_, s), v in zip(sub.iterrows(), vals):
            ax.plot([int(s["year"]) + 0.6], [v], marker="_", ms=7, mew=1.4, color="0.5", ls="", zorder=4,
                    gid="evidence:subunit")
        kinds.add("subunit")
        top = int(np.argmax(vals))
        med = float(np.median(vals))
        name = sub["subunit_name"].iloc[top]
        if vals[top] - med > 0.1 * span and name is not None and not pd.isna(name) and str(name):
            ax.annotate(f"{name}: {_pct(vals[top], lang, 2)}", (int(sub["year"].iloc[top]) + 0.6, vals[top]),
                        xytext=(4, 0), textcoords="offset points", fontsize=6.5, color="0.35", va="center",
                        parse_math=False)
