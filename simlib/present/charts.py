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

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.colors
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from simlib.assess.verdicts import VERDICT_BANDS, verdict
from simlib.errors import InputError
from simlib.present.i18n import check_lang, fewest_decimals, fmt_number, fmt_percent, fmt_prob, label, school_year, t
from simlib.present.safety import neutralise
from simlib.vocab import CHART_FAN_PROBS, FAN_BANDS, qname


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
FAN_COLUMNS = tuple(qname(p) for p in CHART_FAN_PROBS)  # q0.1, q0.25, q0.5, q0.75, q0.9 (simlib.vocab)
_LEGACY_COLUMNS = ("q0.05", "q0.2", "q0.35", "q0.5", "q0.65", "q0.8", "q0.95")
#: Default width of a chart, inches: the text width of an A4 page with the margins of a Vietnamese
#: administrative document (21 cm - 3 cm left - 2 cm right = 16 cm), plus a little.
WIDTH_IN = 6.5

_BLUE, _VERMILLION, _SKY = OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["sky"]
_VERMILLION_LIGHT = "#E8975C"
_INK, _MUTED = "#1a1a1a", "0.35"
# (lower quantile, upper quantile, colour strength, label key): widest first
_BANDS = tuple((qname(lo), qname(hi), strength, key)
               for (lo, hi), strength, key in zip(FAN_BANDS, (0.30, 0.62), ("band_80", "band_50")))
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
    fixed = getattr(fig, "_simlib_fixed_layout", False)
    if tight is None:
        tight = not fixed
    if fixed and not tight and path.suffix.lower() == ".png":
        return _save_png(fig, path, dpi)
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "simlib", "svg.fonttype": "path"}):
        fig.savefig(path, dpi=dpi, metadata=meta.get(path.suffix.lower(), {}),
                    bbox_inches="tight" if tight else None, facecolor="white")
    return path


def _save_png(fig: Figure, path: Path, dpi: int) -> Path:
    """A laid-out chart as an RGB PNG: drawn by Agg once, compressed at zlib level 3.

    The page is opaque white, so the alpha channel ``savefig`` writes carries nothing; without it, and at level 3
    instead of 6, the file is smaller than before and written in half the time. No text chunks (no software
    stamp, no date): identical charts give identical bytes.
    """
    import PIL.Image

    from simlib.present.chart_page import _Canvas

    canvas = fig.canvas if isinstance(fig.canvas, _Canvas) else _Canvas(fig)
    old_dpi, old_face = fig.dpi, fig.get_facecolor()
    try:
        fig.dpi = dpi
        fig.set_facecolor("white")
        canvas.draw()
        size = canvas.get_width_height(physical=True)
        image = PIL.Image.frombuffer("RGBA", size, canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    finally:
        fig.dpi = old_dpi
        fig.set_facecolor(old_face)
    image.save(path, format="png", compress_level=3, dpi=(dpi, dpi))
    return path


# ============================================================================================
# small helpers
# ============================================================================================

def _shade(colour: str, strength: float) -> tuple[float, float, float]:
    """An opaque tint of ``colour`` (strength 1 = the colour, 0 = white)."""
    rgb = np.array(matplotlib.colors.to_rgb(colour))
    return tuple(float(c) for c in 1 - strength * (1 - rgb))


def _pct(x: float, lang: str, max_decimals: int = 2, **kw) -> str:
    return fmt_percent(x, lang, fewest_decimals(x, max_decimals), **kw)


def _num(x: float, lang: str, max_decimals: int = 2, **kw) -> str:
    return fmt_number(x, lang, fewest_decimals(x, max_decimals), **kw)


class _LangFormatter(matplotlib.ticker.Formatter):
    """Tick labels in the chart's language, with one number of decimals on every tick."""

    def __init__(self, lang: str, *, grouping: bool = True, max_decimals: int = 3, suffix: str = ""):
        self.lang, self.grouping, self.max_decimals, self.suffix = lang, grouping, max_decimals, suffix
        self.decimals = 0

    def set_locs(self, locs):
        super().set_locs(locs)
        finite = [v for v in locs if np.isfinite(v)]
        self.decimals = max((fewest_decimals(v, self.max_decimals) for v in finite), default=0)

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


# the page layout, the fan charts and the charts of targets build on the helpers above (imported last: they
# import this module)
from simlib.present.chart_page import _decorate_caller_ax, _fit_lines, _measure, _Page, _rc  # noqa: E402
from simlib.present.fan_charts import fan_chart, small_multiples  # noqa: E402
from simlib.present.target_charts import probability_bars, ranked_intervals, targets_vs_evidence  # noqa: E402

