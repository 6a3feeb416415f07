"""Charts of targets: P(met) by scenario (:func:`probability_bars`), places ranked with their 80 % interval
(:func:`ranked_intervals`) and the plans' targets against the evidence (:func:`targets_vs_evidence`).
Re-exported by :mod:`simlib.present.charts`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.colors
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from simlib.assess.verdicts import MET, MISSED, NOT_ASSESSED, VERDICT_BANDS, verdict
from simlib.errors import InputError
from simlib.present.i18n import check_lang, fmt_prob, label, t
from simlib.present.chart_page import _decorate_caller_ax, _measure, _Page, _rc, _wrap_text
from simlib.present.charts import (
    _BLUE,
    _bool,
    _LAYOUT_DPI,
    _comparator_sign,
    _LangFormatter,
    _num,
    _num_or_nan,
    OKABE_ITO,
    _pct,
    _PLAN_COLOURS,
    _PLAN_STYLES,
    _SERIES_COLOURS,
    _SERIES_MARKERS,
    _shade,
    _spread_labels,
    _today_line,
    _today_text,
    _value_axis,
    _VERMILLION,
    WIDTH_IN,
    _wrap_labels,
    _year_axis,
)


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
    max_height: float | None = None,
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
    panel_height : float
        Inches of each panel's plotting area.
    max_height : float, optional
        Inches the whole chart may take (e.g. 9.0: it then prints at the full
        width of an A4 page, whose printed figures are at most 235 mm tall).
        Taller, the panels are made shorter (down to 1.4 inches) and only the
        bottom panel keeps its year labels.

    Target labels are kept clear of the "today" label at the top of a panel.

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
        grid, labels_of = [], []
        today_text = _today_text(today, None, lang)
        for panel in panels:
            ax = fig.add_axes([0.1, 0.1, 0.8, 0.3])
            grid.append([ax])
            ax.set_xlim(x0 - 0.8, x1 + 0.8)
            ax.set_ylim(*ylim)
            for _, o in obs[obs["panel"] == panel].iterrows() if len(obs) else ():
                _tve_observation(ax, o, lang, s_colour, s_marker, span, kinds)
            sub = tg[tg["panel"] == panel] if len(tg) else tg
            labels = _tve_targets(ax, sub, lang, p_colour, p_style, plan_labels or {}, span, kinds)
            labels_of.append((ax, labels))
            _today_line(ax, today, today_text, lang, sides=False)
            ax.set_title(_wrap_text(page.renderer, (panel_titles or {}).get(panel, str(panel)), 8.5, width - 1.2,
                                    fig.dpi, "bold"), loc="left", fontsize=8.5, pad=4)
            ax.set_ylabel(ylabel if ylabel is not None else t("percent_of_graduates", lang))
            _year_axis(ax.xaxis, lang, x0, x1)
            _value_axis(ax.yaxis, lang)
            ax.grid(True, axis="y", color="0.9", lw=0.5)
            ax.set_axisbelow(True)
        grid[-1][0].set_xlabel(t("school_year_note", lang))
        handles = _tve_handles(kinds, series_order, series_labels, plan_order, plan_labels, s_colour, s_marker,
                               p_colour, p_style, today, lang)
        page.add_legend(handles, max_cols=2)
        xlim = (x0 - 0.8, x1 + 0.8)
        placed = [_tve_target_labels(ax, labels, span, xlim, panel_height, width, today, today_text)
                  for ax, labels in labels_of]
        fig = page.finish(grid, [panel_height] * len(panels), hspace=0.15)
        if max_height is not None:
            fig = _tve_fit(page, grid, labels_of, placed, panel_height, max_height, span, xlim, width,
                           today, today_text)
        return fig


def _tve_handles(kinds: set, series_order: list, series_labels: Mapping | None, plan_order: list,
                 plan_labels: Mapping | None, s_colour: dict, s_marker: dict, p_colour: dict, p_style: dict,
                 today: float | None, lang: str) -> list:
    """The legend of :func:`targets_vs_evidence`: what was drawn, series, ranges, plans, sub-units, today."""
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
    return handles


def _tve_fit(page, grid: list, labels_of: list, placed: list, panel_height: float, max_height: float, span: float,
             xlim: tuple[float, float], width: float, today: float | None, today_text: str | None) -> Figure:
    """The laid-out targets chart made at most ``max_height`` inches tall (see :func:`targets_vs_evidence`)."""
    fig = page.fig
    n = len(grid)
    over = fig.get_figheight() - max_height
    if over > 0.01 and n > 1:
        # too tall for a printed page: shorter panels, the years written once under the bottom one, and the
        # labels spread again for the new height (the page's other blocks keep their measured sizes)
        for ax, _ in labels_of[:-1]:
            ax.tick_params(axis="x", labelbottom=False)
        fig = page.finish(grid, [panel_height] * n, hspace=0.15)
        over = fig.get_figheight() - max_height
        height = max(1.4, panel_height - over / n)
        for drawn in placed:
            for a in drawn:
                a.remove()
        for ax, labels in labels_of:
            _tve_target_labels(ax, labels, span, xlim, height, width, today, today_text)
        fig = page.finish(grid, [height] * n, hspace=0.15)
    return fig


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
                 span: float, kinds: set) -> list[tuple]:
    """The target lines and sub-unit ticks of a panel; returns the labels to place, (text, colour, x, y)."""
    if tg is None or not len(tg):
        return []
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
    labels = [(txt, colour, x, y) for (txt, colour), x, y in zip(texts, xs, ys)]
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
    return labels


#: Points from the top of a panel to the bottom of the "today" label's box (2 pt offset, a 7-pt line, its 0.6-em
#: padding) plus half a target label's box (6.5-pt line, 0.3-em padding) and a point of air.
_TODAY_BAND_PT = 2 + 7 * 1.2 + 2 * 0.6 * 7 + (6.5 * 1.2) / 2 + 0.3 * 6.5 + 1


def _tve_target_labels(ax, labels: list[tuple], span: float, xlim: tuple[float, float], axes_height_in: float,
                       width_in: float, today: float | None, today_text: str | None) -> list:
    """Place the target labels of a panel, spread apart and clear of the "today" label; returns the annotations."""
    if not labels:
        return []
    ylo, yhi = ax.get_ylim()
    gap = span * (6.5 * 1.8 / 72) / axes_height_in  # one line of 6.5-pt text with its box, in data units
    hi = ylo + span * 0.97
    if today is not None and today_text:
        # the panel's width is not fixed yet: the page's width less the y axis' labels, about an inch
        per_in = (xlim[1] - xlim[0]) / max(width_in - 1.0, 1.0)
        pad = 0.6 * 7 / 72
        w_today = (_measure(today_text, 7.0, "normal", _LAYOUT_DPI) + 2 * pad + 3 / 72) * per_in
        right_side = (today - xlim[0]) / (xlim[1] - xlim[0]) < 0.6  # as _today_line places it
        t_lo, t_hi = (today, today + w_today) if right_side else (today - w_today, today)
        for txt, _, x, _ in labels:
            right = x - 0.15
            left = right - (_measure(txt, 6.5, "normal", _LAYOUT_DPI) + 2 * 0.3 * 6.5 / 72) * per_in
            if left < t_hi and right > t_lo:
                hi = min(hi, yhi - span * (_TODAY_BAND_PT / 72) / axes_height_in)
                break
    ys = [y for _, _, _, y in labels]
    placed = _spread_labels(ys, gap, ylo + span * 0.03, hi)
    out = []
    for (txt, colour, x, y), ly in zip(labels, placed):
        out.append(ax.annotate(txt, xy=(x, y), xytext=(x - 0.15, ly), textcoords="data", ha="right", va="center",
                               fontsize=6.5, color=colour, zorder=8, parse_math=False,
                               arrowprops=dict(arrowstyle="-", color=colour, lw=0.5, shrinkA=0, shrinkB=0)
                               if abs(ly - y) > span * 0.01 else None,
                               bbox=dict(fc="white", ec="none", pad=0.3, alpha=0.8)))
    return out
