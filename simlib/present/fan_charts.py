"""Fan charts: one unit's history and forecast (median, 80 % and 50 % intervals) with its targets, and small
multiples of the sub-units. :func:`fan_chart`, :func:`small_multiples`; re-exported by :mod:`simlib.present.charts`.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping

import matplotlib.colors
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from simlib.errors import InputError
from simlib.present.i18n import check_lang, fmt_prob, t
from simlib.present.chart_page import _decorate_caller_ax, _Page, _rc
from simlib.present.charts import (
    _anchor_from_history,
    _bool,
    _check_quantiles,
    _draw_fan,
    _draw_target_lines,
    _fan_handles,
    _LangFormatter,
    _num,
    _num_or_nan,
    OKABE_ITO,
    _pct,
    _shade,
    _target_items,
    _today_line,
    _today_text,
    _value_axis,
    _VERMILLION,
    WIDTH_IN,
    _year_axis,
)


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
