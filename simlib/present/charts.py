"""Bilingual planner charts from plain pandas inputs (fan, small multiples, waterfall, tornado, probabilities).

Every function here:

* takes plain pandas objects (no other simlib types), so any module can feed it;
* takes ``lang`` (``"vi"`` or ``"en"``) for every piece of text it writes
  itself (axis labels, legends, numbers: Vietnamese uses a decimal comma);
  ``title`` and ``source`` are passed in already written in the right language;
* draws the title, units on the axes and the source line under the axes;
* with ``illustrative=True`` adds "MINH HỌA"/"ILLUSTRATIVE" to the title and
  the full warning (:func:`simlib.present.i18n.t` ``"illustrative"``) in vermillion
  at the top right;
* uses Okabe-Ito colours plus marker shape / hatching for meaning;
* follows the :mod:`simlib.present.plots` conventions: ``ax=None``, returns the
  Figure, never calls ``plt.show()``, changes rcParams only inside
  ``plt.rc_context``. Save with :func:`simlib.present.plots.save_figure`.

Layout. When a function creates its figure, the mark and the source line sit
in strips reserved at the top and bottom of the figure, and the constrained
layout is run to convergence and then frozen (``fig.get_layout_engine()`` is
a placeholder afterwards), so repeated saves are byte-identical. Call
``fig.set_layout_engine("constrained")`` if you add artists later. When you
pass ``ax=``, the mark and source are annotations tied to that Axes (wrapped
to its width) and your figure's layout engine is left alone; save with a
tight bounding box (``save_figure`` does) so the source line is kept.

Shares in inputs are fractions (0-1) unless the argument says percent.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.colors
import matplotlib.layout_engine
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simlib.present.i18n import check_lang, fmt_number, fmt_percent, label, t
from simlib.present.plots import OKABE_ITO

__all__ = [
    "FAN_COLUMNS", "VERDICT_BANDS", "fan_chart", "small_multiples", "waterfall", "tornado",
    "probability_bars", "verdict_key",
]

#: Quantile columns expected by :func:`fan_chart` and :func:`small_multiples` (fractions 0-1).
FAN_COLUMNS = ("q0.05", "q0.2", "q0.35", "q0.5", "q0.65", "q0.8", "q0.95")
#: (lower bound, verdict key) from the top: P >= 0.8 likely, >= 0.5 possible, >= 0.2 unlikely, else very unlikely.
VERDICT_BANDS = ((0.8, "likely"), (0.5, "possible"), (0.2, "unlikely"), (0.0, "very_unlikely"))

_BLUE = OKABE_ITO["blue"]
_VERMILLION = OKABE_ITO["vermillion"]
_SKY = OKABE_ITO["sky"]
_VERMILLION_LIGHT = "#E8975C"  # vermillion tint, used with hatching for decreases
_RC = {"font.size": 9, "axes.titlesize": 10, "axes.spines.top": False, "axes.spines.right": False,
       "axes.unicode_minus": True}
# (lower quantile, upper quantile, colour strength, label key): lightest (widest) first
_BANDS = (("q0.05", "q0.95", 0.25, "band_90"), ("q0.2", "q0.8", 0.5, "band_60"), ("q0.35", "q0.65", 0.8, "band_30"))
_SOURCE_WRAP = 130
# where category names are looked up (first match wins); unknown names are shown as given
_LEVER_FIRST = ("lever.", "scenario.", "")
_SCENARIO_FIRST = ("scenario.", "lever.", "")


def verdict_key(p: float) -> str:
    """Verdict key for a probability of meeting a target (see :data:`VERDICT_BANDS`); NaN -> ``not_assessed``."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "not_assessed"
    for lower, key in VERDICT_BANDS:
        if p >= lower:
            return key
    return "very_unlikely"


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------

def _shade(colour: str, strength: float) -> tuple[float, float, float]:
    """An opaque tint of ``colour`` (strength 1 = the colour, 0 = white); no alpha stacking."""
    rgb = np.array(matplotlib.colors.to_rgb(colour))
    return tuple(float(c) for c in 1 - strength * (1 - rgb))


def _auto_decimals(x: float, max_decimals: int = 2) -> int:
    """Fewest decimals (up to ``max_decimals``) that show ``x`` as it would be rounded to max_decimals."""
    if x is None or not np.isfinite(x):
        return 0
    target = round(float(x), max_decimals)
    for d in range(max_decimals + 1):
        if abs(round(float(x), d) - target) < 10 ** -(max_decimals + 3):
            return d
    return max_decimals


def _num(x: float, lang: str, max_decimals: int = 2, **kw) -> str:
    return fmt_number(x, lang, _auto_decimals(x, max_decimals), **kw)


def _pct(x: float, lang: str, max_decimals: int = 2, **kw) -> str:
    return fmt_percent(x, lang, _auto_decimals(x, max_decimals), **kw)


class _LangFormatter(matplotlib.ticker.Formatter):
    """Tick labels in the chart language, with the same number of decimals on every tick."""

    def __init__(self, lang: str, *, grouping: bool = True, max_decimals: int = 3):
        self.lang = lang
        self.grouping = grouping
        self.max_decimals = max_decimals
        self.decimals = 0

    def set_locs(self, locs):
        super().set_locs(locs)
        finite = [v for v in locs if np.isfinite(v)]
        self.decimals = max((_auto_decimals(v, self.max_decimals) for v in finite), default=0)

    def __call__(self, x, pos=None):
        return fmt_number(x, self.lang, self.decimals, grouping=self.grouping)


def _year_axis(axis, lang: str, nbins: int = 7) -> None:
    axis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=nbins, steps=[1, 2, 5, 10], integer=True))
    axis.set_major_formatter(_LangFormatter(lang, grouping=False, max_decimals=0))


def _value_axis(axis, lang: str) -> None:
    axis.set_major_formatter(_LangFormatter(lang))


def _new_ax(ax, figsize):
    if ax is None:
        fig = plt.figure(figsize=figsize, layout="constrained")
        return fig, fig.add_subplot(), True
    return ax.figure, ax, False


def _freeze_layout(fig: Figure, max_iter: int = 4, tol: float = 1e-6) -> None:
    """Run constrained layout to convergence, then fix the axes positions.

    Constrained layout converges only geometrically when tick labels overhang
    the axes, so every draw would move the axes by a few 1e-9 of the figure
    and repeated saves would differ in a few anti-aliased pixels. Freezing the
    converged positions makes every later save byte-identical. (To re-run the
    layout after adding artists: ``fig.set_layout_engine("constrained")``.)
    """
    engine = fig.get_layout_engine()
    if not isinstance(engine, matplotlib.layout_engine.ConstrainedLayoutEngine):
        return
    prev = None
    for _ in range(max_iter):
        engine.execute(fig)
        pos = np.array([a.get_position().bounds for a in fig.axes], dtype=float)
        if prev is not None and np.abs(pos - prev).max() < tol:
            break
        prev = pos
    fig.set_layout_engine("none")


def _title_text(title: str, lang: str, illustrative: bool) -> str:
    title = "\n".join(textwrap.wrap(title, 95)) if title else ""
    if illustrative:
        short = t("illustrative_short", lang)
        return f"{title} — {short}" if title else short
    return title


def _wrap_chars(width_in: float, fontsize: float, em: float = 0.6) -> int:
    """Roughly how many characters of ``fontsize``-pt DejaVu Sans fit in ``width_in`` inches."""
    return max(30, int(width_in * 72 / (fontsize * em)))


def _source_text(source: str, lang: str, width: int = _SOURCE_WRAP) -> str:
    if not source:
        return ""
    head = source.lstrip().lower()
    if not any(head.startswith(w.lower()) for w in ("Source", "Nguồn")):
        source = f"{t('source', lang)}: {source}"
    return "\n".join(textwrap.wrap(source, width))


_LINE_IN = 7 * 1.3 / 72  # height of one line of 7-pt text, inches
_MARK_LINE_IN = 8 * 1.3 / 72


def _figure_notes(fig: Figure, *, source: str, lang: str, illustrative: bool, legend_in: float = 0.0) -> float:
    """Reserve strips outside the constrained layout for the notes of a figure we created.

    Top strip: the illustrative mark (right-aligned, vermillion). Bottom strip:
    the source line, with ``legend_in`` inches above it for a figure legend.
    Everything is in figure coordinates inside the figure, so it neither
    feeds back into the layout (long notes cannot squeeze the axes) nor
    depends on ``bbox_inches="tight"``. Returns the height in inches of the
    source strip (the legend goes just above it).
    """
    width_in, height_in = fig.get_size_inches()
    src = _source_text(source, lang, _wrap_chars(0.97 * width_in, 7))
    n_src = src.count("\n") + 1 if src else 0
    src_in = 0.08 + n_src * _LINE_IN if src else 0.04
    bottom_in = src_in + legend_in
    top_in = 0.0
    if illustrative:
        mark = "\n".join(textwrap.wrap(t("illustrative", lang), _wrap_chars(0.97 * width_in, 8, 0.68)))
        top_in = 0.1 + (mark.count("\n") + 1) * _MARK_LINE_IN
        fig.text(0.99, 1 - 0.05 / height_in, mark, ha="right", va="top", fontsize=8, fontweight="bold",
                 color=_VERMILLION, gid="illustrative-mark")
    if src:
        fig.text(0.01, (src_in - 0.04) / height_in, src, ha="left", va="top", fontsize=7, color="0.3",
                 gid="source-line")
    fig.get_layout_engine().set(rect=(0, bottom_in / height_in, 1, 1 - (bottom_in + top_in) / height_in))
    return src_in


def _decorate(ax, *, title: str, source: str, lang: str, illustrative: bool, own: bool) -> None:
    """Title (left, with the "illustrative" suffix), the illustrative mark and the source line.

    On a figure we created (``own``) the mark and source sit in reserved
    strips at the top right and bottom of the figure. On a caller's Axes they
    are annotations tied to that Axes (mark above the title, right-aligned;
    source under the x label), wrapped to the Axes' width.
    """
    tt = ax.set_title(_title_text(title, lang, illustrative), loc="left")
    fig = ax.figure
    if own:
        _figure_notes(fig, source=source, lang=lang, illustrative=illustrative)
        return
    width_in = max(ax.get_position().width * fig.get_figwidth(), 1.0)
    if illustrative:
        mark = "\n".join(textwrap.wrap(t("illustrative", lang), _wrap_chars(width_in, 8, 0.68)))
        ax.annotate(mark, xy=(1, 1), xycoords=("axes fraction", tt), xytext=(0, 4),
                    textcoords="offset points", ha="right", va="bottom", fontsize=8, fontweight="bold",
                    color=_VERMILLION, annotation_clip=False, gid="illustrative-mark")
    src = _source_text(source, lang, _wrap_chars(width_in, 7))
    if src:
        ax.annotate(src, xy=(0, 0), xycoords=("axes fraction", ax.xaxis.label), xytext=(0, -6),
                    textcoords="offset points", ha="left", va="top", fontsize=7, color="0.3",
                    annotation_clip=False, gid="source-line")


def _check_quantiles(quantiles: pd.DataFrame, name: str = "quantiles") -> pd.DataFrame:
    if not isinstance(quantiles, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame indexed by year")
    missing = [c for c in FAN_COLUMNS if c not in quantiles.columns]
    if missing:
        raise ValueError(f"{name} is missing quantile column(s) {missing}; expected {list(FAN_COLUMNS)}")
    if quantiles.empty:
        raise ValueError(f"{name} has no rows")
    q = quantiles.loc[:, list(FAN_COLUMNS)].astype(float)
    q.index = pd.Index(np.asarray(quantiles.index, dtype=float), name="year")
    return q.sort_index()


def _draw_fan(ax, q: pd.DataFrame, anchor: tuple[float, float] | None = None, lw: float = 1.6) -> tuple[float, float]:
    """Draw bands and median of ``q`` (fractions) in percent; returns (first x, last x)."""
    xs = q.index.to_numpy(dtype=float)
    cols = {c: 100 * q[c].to_numpy(dtype=float) for c in FAN_COLUMNS}
    if anchor is not None and anchor[0] < xs[0]:
        xs = np.concatenate([[anchor[0]], xs])
        cols = {c: np.concatenate([[100 * anchor[1]], v]) for c, v in cols.items()}
    ax.axvspan(xs[0], xs[-1] + 0.5, color="0.95", zorder=0, lw=0)
    for lo, hi, strength, _ in _BANDS:
        ax.fill_between(xs, cols[lo], cols[hi], color=_shade(_BLUE, strength), lw=0, zorder=1)
    ax.plot(xs, cols["q0.5"], color=_BLUE, lw=lw, zorder=3)
    return float(xs[0]), float(xs[-1])


def _fan_handles(lang: str) -> list:
    handles = [Patch(color=_shade(_BLUE, s), label=t(k, lang)) for *_, s, k in _BANDS[::-1]]
    handles.append(Line2D([], [], color=_BLUE, lw=1.6, label=t("median", lang)))
    return handles


def _bool(v) -> bool:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return False
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes")
    return bool(v)


def _anchor_from_history(history: pd.DataFrame) -> tuple[float, float] | None:
    """The last exact observation (same definition preferred) as (year, fraction)."""
    pts = history[pd.to_numeric(history["value"], errors="coerce").notna()]
    if pts.empty:
        return None
    same = pts[pts["same_definition"].map(_bool)] if "same_definition" in pts else pts
    use = same if not same.empty else pts
    row = use.loc[pd.to_numeric(use["year"]).idxmax()]
    return float(row["year"]), float(row["value"])


# --------------------------------------------------------------------------------------------
# fan chart
# --------------------------------------------------------------------------------------------

def fan_chart(
    quantiles: pd.DataFrame,
    *,
    history: pd.DataFrame | None = None,
    targets: Sequence[tuple] = (),
    lang: str = "en",
    title: str = "",
    source: str = "",
    illustrative: bool = False,
    ax=None,
    ylim: tuple[float, float] | None = (0, 100),
    ylabel: str | None = None,
) -> Figure:
    """Bank of England-style fan chart of a projected share (drawn in percent).

    Parameters
    ----------
    quantiles : DataFrame
        Indexed by year, columns :data:`FAN_COLUMNS` (fractions 0-1). Bands are
        the central 90/60/30 % in one hue (darkest in the centre), plus the median.
    history : DataFrame, optional
        Columns ``year, value, low, high, high_open, same_definition``
        (shares as fractions, NaN when absent). Points are dots (hollow when
        not on the same definition); ranges are vertical bars (hollow when
        not on the same definition) with an arrow when the upper end is open.
        The fan starts from the last exact observation (same definition
        preferred) when it is earlier than the first projected year.
    targets : sequence of (label, share) or (label, share, year or None)
        Dashed vermillion lines labelled "label: value %"; a diamond marks the
        target year when given.
    lang : "vi" or "en"
    title, source : str
        Already in ``lang``; ``source`` is prefixed with "Source:"/"Nguồn:"
        unless it starts with one of those words.
    illustrative : bool
        Stamp the "illustrative" mark (title suffix and a vermillion note).
    ax : matplotlib Axes, optional
    ylim : (low, high) in percent, or None for automatic (bottom 0).
    ylabel : str, optional
        Default "% of graduates" / "% học sinh tốt nghiệp".

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    q = _check_quantiles(quantiles)
    hist = None
    if history is not None and len(history):
        need = {"year", "value", "low", "high"}
        if not need <= set(history.columns):
            raise ValueError(f"history needs columns {sorted(need)} (plus high_open, same_definition)")
        hist = history.copy()
        for c in ("high_open", "same_definition"):
            if c not in hist:
                hist[c] = c == "same_definition"
    with plt.rc_context(_RC):
        fig, ax, own = _new_ax(ax, (8.5, 4.8))
        anchor = _anchor_from_history(hist) if hist is not None else None
        x0, x1 = _draw_fan(ax, q, anchor)
        handles = _fan_handles(lang)
        xmin = x0
        # --- history
        if hist is not None:
            span = (ylim[1] - ylim[0]) if ylim is not None else 100.0
            kinds = set()
            for _, o in hist.sort_values("year").iterrows():
                x = float(o["year"])
                xmin = min(xmin, x)
                same = _bool(o["same_definition"])
                face = "black" if same else "white"
                value = pd.to_numeric(o["value"], errors="coerce")
                low = pd.to_numeric(o["low"], errors="coerce")
                high = pd.to_numeric(o["high"], errors="coerce")
                if not pd.isna(value):
                    ax.plot([x], [100 * value], "o", mfc=face, mec="black", mew=1.2, ms=6, zorder=5)
                    kinds.add("same" if same else "other")
                elif not pd.isna(low):
                    lo = 100 * float(low)
                    hi = 100 * float(high) if not pd.isna(high) else lo
                    ax.bar([x], [max(hi - lo, 0.0)], bottom=lo, width=0.25, facecolor=face, edgecolor="black",
                           lw=1.0, zorder=5)
                    ax.plot([x - 0.2, x + 0.2], [lo, lo], color="black", lw=1.0, zorder=5)
                    kinds.add("range")
                    if _bool(o["high_open"]) or pd.isna(high):
                        ax.annotate("", xy=(x, hi + 0.06 * span), xytext=(x, hi),
                                    arrowprops=dict(arrowstyle="-|>", color="black", lw=1.2), zorder=5)
                        kinds.add("open")
            if "same" in kinds:
                handles.append(Line2D([], [], marker="o", ls="", color="black", label=t("observed_same", lang)))
            if "other" in kinds:
                handles.append(Line2D([], [], marker="o", ls="", mfc="white", mec="black",
                                      label=t("observed_other", lang)))
            if "range" in kinds:
                handles.append(Line2D([], [], marker="|", ls="", color="black", ms=12, mew=3,
                                      label=t("range_observed", lang)))
            if "open" in kinds:
                handles.append(Line2D([], [], marker="^", ls="", color="black", ms=6, label=t("open_upper", lang)))
        # --- targets
        items = list(targets.items()) if isinstance(targets, Mapping) else list(targets)
        for k, item in enumerate(items):
            lab, share, year = (tuple(item) + (None,))[:3]
            y = 100 * float(share)
            ax.axhline(y, color=_VERMILLION, ls="--", lw=1.2, zorder=2)
            if year is not None and not pd.isna(year):
                ax.plot([float(year)], [y], marker="D", ms=7, color=_VERMILLION, mec="white", ls="", zorder=6)
                x1 = max(x1, float(year))
            ax.annotate(f"{lab}: {_pct(y, lang)}", xy=(0.01, y), xycoords=("axes fraction", "data"),
                        xytext=(0, 3 + 11 * k), textcoords="offset points", color=_VERMILLION, fontsize=8)
        if items:
            handles.append(Line2D([], [], color=_VERMILLION, ls="--", marker="D", ms=5, label=t("target", lang)))
        ax.text(x0 + 0.1, 0.02, t("projection", lang), transform=ax.get_xaxis_transform(), fontsize=8, color="0.4")
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        ax.set_xlim(xmin - 0.5, x1 + 0.5)
        if ylim is not None:
            ax.set_ylim(*ylim)
        else:
            ax.set_ylim(bottom=0)
        ax.set_xlabel(t("year", lang))
        ax.set_ylabel(ylabel if ylabel is not None else t("percent_of_graduates", lang))
        _year_axis(ax.xaxis, lang)
        _value_axis(ax.yaxis, lang)
        ax.grid(True, color="0.88", lw=0.5)
        ax.set_axisbelow(True)
        _decorate(ax, title=title, source=source, lang=lang, illustrative=illustrative, own=own)
        if own:
            _freeze_layout(fig)
    return fig


# --------------------------------------------------------------------------------------------
# small multiples
# --------------------------------------------------------------------------------------------

def small_multiples(
    panels: Mapping[str, pd.DataFrame],
    *,
    targets: Mapping[str, float],
    probs: Mapping[str, float] | None = None,
    lang: str = "en",
    title: str = "",
    source: str = "",
    illustrative: bool = False,
    ncols: int = 4,
    ylim: tuple[float, float] | None = None,
) -> Figure:
    """One small fan per unit (e.g. a province and its districts), shared axes.

    Parameters
    ----------
    panels : mapping unit name -> quantile DataFrame
        As for :func:`fan_chart` (index year, :data:`FAN_COLUMNS`, fractions).
        Names are shown as given (Vietnamese with diacritics in both languages).
    targets : mapping unit name -> target share (fraction)
        Drawn as a dashed line; units without a target get none.
    probs : mapping unit name -> P(target met), optional
        Written in each panel ("P(met) = 0.08" / "Xác suất đạt: 0,08").
    ncols : int
    ylim : (low, high) in percent, optional
        Default: 0 to a round number above the highest 95 % quantile or target.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    if not panels:
        raise ValueError("panels is empty")
    qs = {name: _check_quantiles(df, f"panels[{name!r}]") for name, df in panels.items()}
    n = len(qs)
    ncols = max(1, min(int(ncols), n))
    nrows = math.ceil(n / ncols)
    if ylim is None:
        top = max(100 * float(q["q0.95"].max()) for q in qs.values())
        top = max([top] + [100 * float(v) for v in targets.values() if v is not None and not pd.isna(v)])
        ylim = (0, min(100, 10 * math.ceil(top * 1.08 / 10)) if top > 0 else 10)
    with plt.rc_context(_RC):
        width = max(2.55 * ncols, 6.0)
        ttl = "\n".join(textwrap.wrap(_title_text(title, lang, illustrative).replace("\n", " "),
                                      _wrap_chars(0.97 * width, 11)))
        mark = "\n".join(textwrap.wrap(t("illustrative", lang), _wrap_chars(0.97 * width, 8, 0.68)))
        n_ttl = ttl.count("\n") + 1 if ttl else 0
        n_mark = mark.count("\n") + 1 if illustrative else 0
        top_in = 0.12 + n_ttl * 11 * 1.3 / 72 + n_mark * _MARK_LINE_IN
        leg_cols = 6 if width >= 9 else 3
        legend_in = 0.12 + 0.2 * math.ceil(6 / leg_cols)
        src = _source_text(source, lang, _wrap_chars(0.97 * width, 7))
        src_in = 0.08 + (src.count("\n") + 1) * _LINE_IN if src else 0.04
        height = 1.95 * nrows + 0.55 + top_in + legend_in + src_in
        fig = plt.figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
        flat = axes.ravel()
        for i, (name, q) in enumerate(qs.items()):
            ax = flat[i]
            _draw_fan(ax, q, lw=1.2)
            ax.set_title(str(name), loc="left", fontsize=9)
            lines = []
            share = targets.get(name)
            if share is not None and not pd.isna(share):
                y = 100 * float(share)
                ax.axhline(y, color=_VERMILLION, ls="--", lw=1.1, zorder=2)
                lines.append(f"{t('target', lang)}: {_pct(y, lang)}")
            if probs is not None and name in probs:
                p = probs[name]
                lines.append(t("p_met_value", lang, p=fmt_number(p, lang, 2)) if not pd.isna(p)
                             else t("verdict.not_assessed", lang))
            if lines:
                ax.text(0.03, 0.96, "\n".join(lines), transform=ax.transAxes, ha="left", va="top", fontsize=7,
                        bbox=dict(fc="white", ec="0.75", lw=0.4, pad=2), zorder=7)
            ax.grid(True, color="0.88", lw=0.5)
            ax.set_axisbelow(True)
        for j in range(n, nrows * ncols):
            flat[j].set_visible(False)
            above = j - ncols
            if above >= 0:
                flat[above].xaxis.set_tick_params(labelbottom=True)
        first = flat[0]
        first.set_ylim(*ylim)
        xmin = min(q.index.min() for q in qs.values())
        xmax = max(q.index.max() for q in qs.values())
        first.set_xlim(xmin - 0.3, xmax + 0.3)
        _year_axis(first.xaxis, lang, nbins=4)
        _value_axis(first.yaxis, lang)
        for r in range(nrows):
            axes[r, 0].set_ylabel(t("percent_of_graduates", lang) if r == nrows // 2 else "")
        for c in range(ncols):
            col = [axes[r, c] for r in range(nrows) if axes[r, c].get_visible()]
            if col:
                col[-1].set_xlabel(t("year", lang))
        # header: title (left) then the illustrative note (right); footer: legend above the source line
        if ttl:
            fig.text(0.01, 1 - 0.06 / height, ttl, ha="left", va="top", fontsize=11)
        if illustrative:
            fig.text(0.99, 1 - (0.08 + n_ttl * 11 * 1.3 / 72) / height, mark, ha="right", va="top", fontsize=8,
                     fontweight="bold", color=_VERMILLION, gid="illustrative-mark")
        src_in = _figure_notes(fig, source=source, lang=lang, illustrative=False, legend_in=legend_in)
        engine = fig.get_layout_engine()
        left, bottom, w, h = engine.get()["rect"]
        engine.set(rect=(left, bottom, w, h - top_in / height))
        handles = _fan_handles(lang) + [Line2D([], [], color=_VERMILLION, ls="--", label=t("target", lang))]
        fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, src_in / height),
                   ncols=leg_cols, fontsize=7.5, frameon=False)
        _freeze_layout(fig)
    return fig


# --------------------------------------------------------------------------------------------
# waterfall
# --------------------------------------------------------------------------------------------

def waterfall(
    contributions: pd.Series,
    *,
    baseline: float,
    total: float,
    lang: str = "en",
    title: str = "",
    source: str = "",
    illustrative: bool = False,
    unit_label: str | None = None,
    ax=None,
    atol: float = 0.05,
) -> Figure:
    """Lever contributions from a baseline to a total (horizontal waterfall, percent).

    Parameters
    ----------
    contributions : Series
        Index: lever key (``counselling_g9`` ...; translated when known) or a
        label (shown as is); values: contribution in percentage points
        (negative allowed). A ``combination`` entry (interaction between
        levers) is drawn as its own bar after the others. When there is no
        ``combination`` entry and ``baseline + sum != total``, the difference
        is drawn as the ``combination`` bar.
    baseline, total : float
        In percent (0-100).
    unit_label : str, optional
        x-axis label; default "% of graduates" / "% học sinh tốt nghiệp".
    atol : float
        With an explicit ``combination`` entry, ``baseline + sum`` must equal
        ``total`` within ``atol`` percentage points (ValueError otherwise).

    Bars are identifiable by ``gid``: ``waterfall:baseline``,
    ``waterfall:<key>``, ``waterfall:total``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    contrib = pd.Series(contributions, dtype=float).dropna()
    if contrib.index.has_duplicates:
        raise ValueError("contributions has duplicate levers")
    baseline, total = float(baseline), float(total)
    keys = [k for k in contrib.index if str(k) != "combination"]
    resid = total - baseline - float(contrib.sum())
    if "combination" in contrib.index:
        if abs(resid) > atol:
            raise ValueError(f"baseline + contributions = {baseline + contrib.sum():.3f} but total = {total:.3f}")
        keys.append("combination")
    elif abs(resid) > 1e-9:
        contrib = pd.concat([contrib, pd.Series({"combination": resid})])
        keys.append("combination")
    pp = t("pp_short", lang)
    rows = ["baseline", *keys, "total"]
    n = len(rows)
    with plt.rc_context(_RC):
        fig, ax, own = _new_ax(ax, (8.5, 1.3 + 0.42 * n))
        ys = {r: n - 1 - i for i, r in enumerate(rows)}
        h = 0.62
        ax.barh(ys["baseline"], baseline, left=0, height=h, color="0.6", edgecolor="black", lw=0.6,
                gid="waterfall:baseline")
        ends = [baseline]
        running = baseline
        for k in keys:
            c = float(contrib[k])
            y = ys[k]
            neg = c < 0
            ax.barh(y, c, left=running, height=h, color=_VERMILLION_LIGHT if neg else _SKY,
                    edgecolor="black", lw=0.6, hatch="///" if neg else None, gid=f"waterfall:{k}")
            ax.plot([running, running], [y + 1 - h / 2, y + h / 2], color="0.3", lw=0.8, ls=":", zorder=1)
            running += c
            ends.append(running)
            ax.annotate(f"{_num(c, lang, 2, sign=True)} {pp}", xy=(max(running, running - c), y),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
        yt = ys["total"]
        ax.plot([running, running], [yt + 1 - h / 2, yt + h / 2], color="0.3", lw=0.8, ls=":", zorder=1)
        ax.barh(yt, total, left=0, height=h, color=_BLUE, edgecolor="black", lw=0.6, gid="waterfall:total")
        ax.annotate(_pct(baseline, lang), xy=(baseline, ys["baseline"]), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8)
        ax.annotate(_pct(total, lang), xy=(total, yt), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize=8, fontweight="bold")
        ax.set_yticks([ys[r] for r in rows], [t("baseline", lang)] + [label(k, lang, _LEVER_FIRST) for k in keys]
                      + [t("total", lang)])
        hi = max([baseline, total, *ends, 0.0])
        lo = min([0.0, *ends])
        ax.set_xlim(lo, hi + 0.18 * max(hi - lo, 1e-9))
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlabel(unit_label if unit_label is not None else t("percent_of_graduates", lang))
        _value_axis(ax.xaxis, lang)
        ax.grid(True, axis="x", color="0.88", lw=0.5)
        ax.set_axisbelow(True)
        handles = [Patch(facecolor="0.6", edgecolor="black", lw=0.6, label=t("baseline", lang)),
                   Patch(facecolor=_SKY, edgecolor="black", lw=0.6, label=t("increase", lang)),
                   Patch(facecolor=_VERMILLION_LIGHT, edgecolor="black", lw=0.6, hatch="///",
                         label=t("decrease", lang)),
                   Patch(facecolor=_BLUE, edgecolor="black", lw=0.6, label=t("total", lang))]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        _decorate(ax, title=title, source=source, lang=lang, illustrative=illustrative, own=own)
        if own:
            _freeze_layout(fig)
    return fig


# --------------------------------------------------------------------------------------------
# tornado
# --------------------------------------------------------------------------------------------

def tornado(
    sensitivity: pd.DataFrame,
    *,
    base: float,
    lang: str = "en",
    title: str = "",
    source: str = "",
    illustrative: bool = False,
    xlabel: str | None = None,
    ax=None,
    max_decimals: int = 2,
) -> Figure:
    """One-at-a-time sensitivity (tornado) chart; the biggest swing is on top.

    Parameters
    ----------
    sensitivity : DataFrame
        Columns ``parameter, low, high``: the output with the parameter at its
        low and its high setting; optional ``low_label, high_label`` (the
        settings, e.g. "0 %", "20 %") written at the bar ends. Parameters are
        translated when they are known label keys, else shown as is.
    base : float
        Output in the base case (vertical line).
    xlabel : str, optional
        Default "Probability target met" / "Xác suất đạt mục tiêu".
    max_decimals : int
        Decimals for the values written on the chart.

    Bars are drawn in two half-rows per parameter (low setting above, high
    setting below) so neither hides the other; ``gid`` is
    ``tornado:<parameter>:low`` / ``:high``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    need = {"parameter", "low", "high"}
    if not need <= set(sensitivity.columns):
        raise ValueError(f"sensitivity needs columns {sorted(need)}")
    s = sensitivity.reset_index(drop=True).copy()
    s["low"] = s["low"].astype(float)
    s["high"] = s["high"].astype(float)
    if s[["low", "high"]].isna().any().any():
        raise ValueError("sensitivity has missing low/high values")
    s["_swing"] = (s["high"] - s["low"]).abs()
    s = s.sort_values("_swing", ascending=False, kind="mergesort").reset_index(drop=True)
    n = len(s)
    base = float(base)
    with plt.rc_context(_RC):
        fig, ax, own = _new_ax(ax, (8.5, 1.4 + 0.55 * max(n, 1)))
        h = 0.36
        low_c, high_c = _shade(OKABE_ITO["sky"], 0.9), _BLUE
        for i, r in s.iterrows():
            y = n - 1 - i
            for which, dy, colour, hatch in (("low", h / 2, low_c, "..."), ("high", -h / 2, high_c, None)):
                v = float(r[which])
                ax.barh(y + dy, v - base, left=base, height=h, color=colour, edgecolor="black", lw=0.5, hatch=hatch,
                        gid=f"tornado:{r['parameter']}:{which}")
                txt = _num(v, lang, max_decimals)
                lab = r.get(f"{which}_label")
                if lab is not None and not pd.isna(lab) and str(lab):
                    txt = f"{txt} ({lab})"
                right = v >= base
                ax.annotate(txt, xy=(v, y + dy), xytext=(4 if right else -4, 0), textcoords="offset points",
                            ha="left" if right else "right", va="center", fontsize=7.5)
        ax.axvline(base, color="black", lw=1.1, zorder=4)
        ax.set_yticks([n - 1 - i for i in range(n)], [label(p, lang, _LEVER_FIRST) for p in s["parameter"]])
        lo = min([base, *s["low"], *s["high"]])
        hi = max([base, *s["low"], *s["high"]])
        pad = 0.3 * max(hi - lo, 1e-9)
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlabel(xlabel if xlabel is not None else t("p_met", lang))
        _value_axis(ax.xaxis, lang)
        ax.grid(True, axis="x", color="0.88", lw=0.5)
        ax.set_axisbelow(True)
        handles = [Patch(facecolor=low_c, edgecolor="black", lw=0.5, hatch="...", label=t("low_setting", lang)),
                   Patch(facecolor=high_c, edgecolor="black", lw=0.5, label=t("high_setting", lang)),
                   Line2D([], [], color="black", lw=1.1,
                          label=f"{t('base_case', lang)}: {_num(base, lang, max_decimals)}")]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        _decorate(ax, title=title, source=source, lang=lang, illustrative=illustrative, own=own)
        if own:
            _freeze_layout(fig)
    return fig


# --------------------------------------------------------------------------------------------
# probability bars
# --------------------------------------------------------------------------------------------

_VERDICT_SHADE = {"very_unlikely": (_VERMILLION, 0.16), "unlikely": (OKABE_ITO["orange"], 0.16),
                  "possible": (OKABE_ITO["sky"], 0.16), "likely": (OKABE_ITO["green"], 0.16)}


def probability_bars(
    frame: pd.DataFrame,
    *,
    lang: str = "en",
    title: str = "",
    source: str = "",
    illustrative: bool = False,
    ax=None,
) -> Figure:
    """Horizontal bars of P(target met) per scenario or unit, over shaded verdict bands.

    Parameters
    ----------
    frame : DataFrame
        Columns ``label, p_met``. Labels that are scenario / lever keys are
        translated (``baseline`` -> "Kịch bản cơ sở"); others are shown as
        is. Rows are drawn top to bottom in frame order; a NaN ``p_met`` is
        written "not assessed" without a bar.

    Bands: P >= 0.8 likely, 0.5-0.8 possible, 0.2-0.5 unlikely, < 0.2 very
    unlikely (each band is named at the top, so colour is not needed to read it).

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang)
    if not {"label", "p_met"} <= set(frame.columns):
        raise ValueError("frame needs columns label, p_met")
    f = frame.reset_index(drop=True)
    p_all = pd.to_numeric(f["p_met"], errors="coerce")
    if ((p_all < 0) | (p_all > 1)).any():
        raise ValueError("p_met must be a probability in [0, 1] (or NaN when not assessed)")
    n = len(f)
    with plt.rc_context(_RC):
        fig, ax, own = _new_ax(ax, (8.5, 1.6 + 0.42 * max(n, 1)))
        edges = [(0.0, 0.2, "very_unlikely"), (0.2, 0.5, "unlikely"), (0.5, 0.8, "possible"), (0.8, 1.0, "likely")]
        for lo, hi, key in edges:
            colour, strength = _VERDICT_SHADE[key]
            ax.axvspan(lo, hi, color=_shade(colour, strength), lw=0, zorder=0)
            ax.text((lo + hi) / 2, 0.985, t(f"verdict.{key}", lang), transform=ax.get_xaxis_transform(),
                    ha="center", va="top", fontsize=7.5, color="0.25")
            if lo > 0:
                ax.axvline(lo, color="white", lw=1.2, zorder=0.5)
        for i, r in f.iterrows():
            y = n - 1 - i
            p = pd.to_numeric(r["p_met"], errors="coerce")
            if pd.isna(p):
                ax.text(0.01, y, t("verdict.not_assessed", lang), va="center", fontsize=8, style="italic")
                continue
            p = float(p)
            ax.barh(y, p, height=0.6, color=_BLUE, edgecolor="black", lw=0.5, zorder=2, gid=f"prob:{r['label']}")
            txt = f"{fmt_number(p, lang, 2)} · {t('verdict.' + verdict_key(p), lang)}"
            inside = p > 0.75
            ax.annotate(txt, xy=(p, y), xytext=(-4 if inside else 4, 0), textcoords="offset points",
                        ha="right" if inside else "left", va="center", fontsize=8,
                        color="white" if inside else "black", zorder=3)
        ax.set_yticks([n - 1 - i for i in range(n)], [label(v, lang, _SCENARIO_FIRST) for v in f["label"]])
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.7, n + 0.15)
        ax.xaxis.set_major_locator(matplotlib.ticker.MultipleLocator(0.1))
        ax.set_xlabel(t("p_met", lang))
        _value_axis(ax.xaxis, lang)
        _decorate(ax, title=title, source=source, lang=lang, illustrative=illustrative, own=own)
        if own:
            _freeze_layout(fig)
    return fig
