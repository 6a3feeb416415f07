"""The fan chart of one trend fit (matplotlib): observations, intervals, targets.

:func:`plot_fan` (formerly ``simlib.models.trends.plot_fan``).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np

from simlib.evidence.series import Observation
from simlib.logit import expit as _expit
from simlib.models.trends import BOE_PROBS, TrendResult
from simlib.vocab import qname as _qname


# ----------------------------------------------------------------------------
# Fan chart
# ----------------------------------------------------------------------------

_BLUE = "#0072B2"  # Okabe-Ito blue
_VERMILLION = "#D55E00"


def plot_fan(
    result: TrendResult,
    observations: Sequence[Observation] = (),
    *,
    targets: Sequence[tuple[str, float]] | Mapping[str, float] = (),
    end_year: int = 2030,
    ax=None,
    title: str | None = None,
    source: str | None = None,
    ylim: tuple[float, float] | None = None,
):
    """Bank-of-England-style fan chart of a trend forecast (y axis in percent).

    Bands are the central 30, 60 and 90 % of the predictive distribution
    (quantiles 5/20/35/65/80/95) in one colour-blind-safe hue, darkest in the
    centre, anchored at the last observation. Points are dots (hollow when on
    a different definition); ranges are vertical bars with an arrow for an
    open upper end. Targets are dashed, labelled horizontal lines.

    Parameters
    ----------
    result : TrendResult
    observations : sequence of Observation
        Shown on the chart (fractions are converted to percent).
    targets : mapping or sequence of (label, share)
        Shares as fractions.
    end_year : int
    ax : matplotlib Axes, optional
    title, source : str, optional
        ``source`` is written as a note under the axes.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
    else:
        fig = ax.figure
    used = [p for p in result.points if p.used]
    last = max(used, key=lambda p: p.t)
    t0 = last.t
    start = int(math.floor(t0)) + 1
    years = np.arange(start, end_year + 1)
    fr = result.predict(years, probs=BOE_PROBS)
    xs = np.concatenate([[t0], years])
    anchor = float(_expit(last.z))
    q = {p: 100 * np.concatenate([[anchor], fr[_qname(p)].to_numpy()]) for p in BOE_PROBS}
    med = 100 * np.concatenate([[anchor], fr["median"].to_numpy()])
    ax.axvspan(t0, end_year + 0.5, color="0.94", zorder=0, lw=0)
    # opaque shades of one hue (no alpha stacking), lighter away from the centre
    rgb = np.array(matplotlib.colors.to_rgb(_BLUE))
    bands = [(0.05, 0.95, 0.25, "90 %"), (0.20, 0.80, 0.5, "60 %"), (0.35, 0.65, 0.8, "30 %")]
    for lo, hi, strength, _ in bands:
        shade = tuple(1 - strength * (1 - rgb))
        ax.fill_between(xs, q[lo], q[hi], color=shade, lw=0, zorder=1)
    ax.plot(xs, med, color=_BLUE, lw=1.6, zorder=3)
    # observations
    for o in observations:
        hollow = o.basis != "same"
        face = "white" if hollow else "black"
        if o.value_share is not None:
            ax.plot([o.t_mid], [100 * o.value_share], "o", mfc=face, mec="black", ms=6, zorder=5)
        else:
            lo = 100 * o.low_share
            hi = 100 * (o.high_share if o.high_share is not None else o.low_share)
            ax.vlines(o.t_mid, lo, hi, color="black", lw=2.2, zorder=5)
            ax.plot([o.t_mid, o.t_mid], [lo, hi], "_", color="black", ms=10, zorder=5)
            if o.high_open or o.high_share is None:
                ax.plot([o.t_mid], [hi], "^", color="black", ms=7, zorder=5)
            if o.year_first is not None and o.year_first != o.year:
                ax.hlines([lo, hi], o.year_first, o.year, color="black", lw=0.8, ls=":", zorder=4)
    # targets
    items = list(targets.items()) if isinstance(targets, Mapping) else list(targets)
    for k, (label, val) in enumerate(items):
        ax.axhline(100 * val, color=_VERMILLION, ls="--", lw=1.2, zorder=2)
        ax.annotate(f"{label}: {100 * val:.2f} %", xy=(0.01, 100 * val), xycoords=("axes fraction", "data"),
                    xytext=(0, 3 + 11 * k), textcoords="offset points", color=_VERMILLION, fontsize=8)
    n_txt = (f"Based on {result.n_used} real observation(s): {result.n_ranges} range(s), "
             f"{result.n_other_basis} on another definition; method: {result.method}")
    ax.text(0.99, 0.98, n_txt, transform=ax.transAxes, ha="right", va="top", fontsize=8,
            bbox=dict(fc="white", ec="0.7", lw=0.5))
    ax.text(t0 + 0.1, 0.02, "Projection", transform=ax.get_xaxis_transform(), fontsize=8, color="0.4")
    handles = [Patch(color=tuple(1 - a * (1 - rgb)), label=f"central {lab}") for _, _, a, lab in bands[::-1]]
    handles += [Line2D([], [], color=_BLUE, lw=1.6, label="median"),
                Line2D([], [], marker="o", ls="", color="black", label="reported value"),
                Line2D([], [], marker="|", ls="", color="black", ms=12, mew=2, label="reported range")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 0.9), fontsize=8, frameon=False)
    ax.set_ylabel("share of graduates (%)")
    ax.set_xlabel("year (graduating school year ending)")
    if ylim is not None:
        ax.set_ylim(*ylim)
    else:
        ax.set_ylim(bottom=0)
    ax.set_xlim(min([t0] + [o.t_mid - 1 for o in observations]), end_year + 0.5)
    ax.grid(True, color="0.85", lw=0.5)
    if title:
        ax.set_title(title, fontsize=11)
    if source:
        ax.annotate("\n".join(textwrap.wrap(source, 110)), xy=(0, 0), xycoords="axes fraction",
                    xytext=(0, -34), textcoords="offset points", fontsize=7, color="0.35",
                    ha="left", va="top", annotation_clip=False)
    return fig
