"""Charts: targets against evidence (more chart types arrive with later modules).

Conventions (see README "Charts"):

* functions take ``ax=None`` / ``fig=None``, return the Figure, never call
  ``plt.show()`` and never change global rcParams;
* colour-blind-safe Okabe-Ito colours, and marker shape (not colour alone)
  for meaning: filled = same definition as the indicator, hollow = a
  different or unclear definition;
* every figure carries a source line; target lines are labelled with the
  plan and the number as written;
* :func:`save_figure` writes byte-identical PNG/SVG files for identical input.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simlib.evidence.targets import used_targets
from simlib.inputs.bundle import Bundle

__all__ = ["OKABE_ITO", "save_figure", "plot_targets_vs_evidence"]

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
GEO_COLOURS = {"vn.long_an": OKABE_ITO["blue"], "vn": OKABE_ITO["vermillion"]}
PLAN_STYLE = {
    "long_an_2025": (OKABE_ITO["blue"], "-"),
    "qd522": (OKABE_ITO["vermillion"], "--"),
    "binh_phuoc_181": (OKABE_ITO["green"], "-."),
    "cau_ngang_103": (OKABE_ITO["purple"], ":"),
}
PLAN_LABEL = {
    "long_an_2025": "Long An",
    "qd522": "QĐ 522",
    "binh_phuoc_181": "Bình Phước",
    "cau_ngang_103": "Cầu Ngang",
}
PLAN_LEGEND = {
    "long_an_2025": "Long An plan 2025 (draft, 01/2025)",
    "qd522": "QĐ 522/QĐ-TTg national (secondary sources)",
    "binh_phuoc_181": "Bình Phước KH 181/KH-UBND",
    "cau_ngang_103": "Cầu Ngang KH 103/KH-UBND",
}
INDICATOR_TITLE = {
    "thcs_to_gdnn_sc_tc": "THCS graduates → vocational (sơ cấp / trung cấp)\n% of THCS (grade 9) graduates",
    "thpt_to_cao_dang": "THPT graduates → cao đẳng (college)\n% of THPT (grade 12) graduates",
}

_RC = {"font.size": 9, "axes.titlesize": 10, "axes.spines.top": False, "axes.spines.right": False,
       "svg.hashsalt": "simlib", "svg.fonttype": "path"}


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 150) -> Path:
    """Save a figure with no timestamps or software stamps, so reruns are byte-identical.

    The format follows the suffix (``.png``, ``.svg`` or ``.pdf``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {".png": {"Software": None}, ".svg": {"Date": None, "Creator": None},
            ".pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}}
    with plt.rc_context({"svg.hashsalt": "simlib"}):
        fig.savefig(path, dpi=dpi, metadata=meta.get(path.suffix.lower(), {}), bbox_inches="tight")
    return path


def plot_targets_vs_evidence(
    bundle: Bundle,
    *,
    indicators: tuple[str, ...] = ("thcs_to_gdnn_sc_tc", "thpt_to_cao_dang"),
    geographies: tuple[str, ...] = ("vn.long_an", "vn"),
    plans: tuple[str, ...] = ("long_an_2025", "qd522", "binh_phuoc_181"),
    first_year: int = 2005,
    last_year: int = 2026,
    fig: Figure | None = None,
) -> Figure:
    """Targets (lines at their year) against observations (points, ranges, bounds).

    One panel per indicator. Observations are drawn for ``geographies``
    (Long An and Vietnam by default), targets for ``plans``. Sub-unit targets
    (districts) appear as small grey ticks next to their province's target, so
    an outlying district is visible at a glance.

    Returns
    -------
    matplotlib.figure.Figure
    """
    with plt.rc_context(_RC):
        if fig is None:
            fig = plt.figure(figsize=(10, 4.8 * len(indicators) / 2 + 0.6), layout="constrained")
        axes = fig.subplots(1, len(indicators), squeeze=False)[0]
        obs = bundle.observations
        tg = used_targets(bundle.targets)
        all_t = bundle.targets
        for ax, ind in zip(axes, indicators):
            _draw_observations(ax, bundle, obs[(obs["indicator"] == ind) & (obs["breakdown"] == "")
                                              & obs["geography"].isin(geographies) & obs["year"].notna()])
            _draw_targets(ax, bundle, tg[(tg["indicator"] == ind) & tg["plan_id"].isin(plans)],
                          all_t[(all_t["indicator"] == ind) & all_t["plan_id"].isin(plans)])
            ax.set_title(INDICATOR_TITLE.get(ind, ind), loc="left")
            ax.set_xlim(first_year, last_year + 1.5)
            ax.set_ylim(0, 70)
            ax.set_ylabel("percent")
            ax.xaxis.set_major_locator(matplotlib.ticker.MultipleLocator(5))
            ax.xaxis.set_minor_locator(matplotlib.ticker.MultipleLocator(1))
            ax.grid(axis="y", color="0.9", linewidth=0.6)
            ax.set_axisbelow(True)
        handles = [
            plt.Line2D([], [], marker="o", ls="", color=GEO_COLOURS["vn.long_an"], label="Long An, same definition"),
            plt.Line2D([], [], marker="o", ls="", mfc="white", color=GEO_COLOURS["vn.long_an"], label="Long An, other/unclear definition"),
            plt.Line2D([], [], marker="s", ls="", mfc="white", color=GEO_COLOURS["vn"], label="Vietnam, other/unclear definition"),
            plt.Line2D([], [], marker="D", ls="", mfc="white", color="0.4", label="derived (a sum, or the other reading)"),
            plt.Line2D([], [], marker="_", ls="", color="0.55", markersize=8, label="district targets (appendix)"),
        ] + [plt.Line2D([], [], color=c, ls=ls, label=PLAN_LEGEND[p]) for p, (c, ls) in PLAN_STYLE.items() if p in plans]
        axes[0].legend(handles=handles, loc="upper left", ncol=1, frameon=False, fontsize=7)
        fig.text(0.01, 0.0, "Sources: data/observations.csv, data/targets.csv (plans in shared/plans; QĐ 522 as reported by "
                      "secondary sources). Shaded bars: a range over several years; arrow: open upper end ('over x %'). "
                      "Target lines sit at the target year.", fontsize=7, color="0.3", ha="left", va="top",
                 transform=fig.transFigure)
    return fig


def _draw_observations(ax, bundle: Bundle, obs: pd.DataFrame) -> None:
    for _, o in obs.iterrows():
        colour = GEO_COLOURS.get(o["geography"], "0.3")
        marker = "o" if o["geography"] != "vn" else "s"
        derived = "derived" in str(o["flags"]).split(";")
        if derived:
            marker = "D"
        filled = o["basis"] == "same" and not derived
        face = colour if filled else "white"
        y1 = int(o["year"])
        y0 = int(o["year_first"]) if not pd.isna(o["year_first"]) else y1
        if not math.isnan(o["value"]):
            ax.plot([y1], [o["value"]], marker=marker, ms=6, color=colour, mfc=face, ls="", zorder=4)
            label = f"{o['value']:g}"
            if "alternative_reading" in str(o["flags"]).split(";"):
                label += " (alt. reading)"
            elif derived:
                label += " (sum)"
            dy = 6 if (derived and y1 % 2) else -3
            ax.annotate(label, (y1, o["value"]), xytext=(5, dy), textcoords="offset points", fontsize=7, color=colour)
        else:
            lo = float(o["low"])
            hi = float(o["high"]) if not math.isnan(o["high"]) else lo
            xs = np.arange(y0, y1 + 1)
            for x in xs:
                ax.plot([x, x], [lo, hi], color=colour, lw=2.2, alpha=0.8, solid_capstyle="butt", zorder=3)
            if y1 > y0:
                ax.fill_between([y0 - 0.15, y1 + 0.15], lo, hi, color=colour, alpha=0.12, lw=0, zorder=2)
            if o["high_open"]:
                ax.annotate("", xy=(y1, hi + 4), xytext=(y1, hi), arrowprops=dict(arrowstyle="->", color=colour, lw=1.2))
            txt = f"{lo:g} to {'over ' if o['high_open'] else ''}{hi:g}" if hi > lo else f"over {lo:g}"
            ax.annotate(txt, (y1, hi), xytext=(6, 2), textcoords="offset points", fontsize=7, color=colour)


def _draw_targets(ax, bundle: Bundle, used: pd.DataFrame, all_rows: pd.DataFrame) -> None:
    parents = dict(zip(bundle.geographies["geo_id"], bundle.geographies["parent"]))
    main = used[used["geography"].map(lambda g: g in ("vn", "vn.long_an", "vn.binh_phuoc"))]
    placed: list[float] = []
    for _, t in main.sort_values("value").iterrows():
        colour, ls = PLAN_STYLE.get(t["plan_id"], ("0.3", "-"))
        y = float(t["low"] if t["comparator"] == "range" else t["value"])
        x = int(t["year"])
        ax.hlines(y, x - 1.2, x + 0.4, colors=colour, linestyles=ls, lw=1.6, zorder=5)
        variant = {"disadvantaged_areas": " ĐBKK areas"}.get(t["variant"], "")
        comp = {">=": "≥", ">": ">", "approx": "≈", "range": ""}[t["comparator"]]
        label = f"{PLAN_LABEL.get(t['plan_id'], t['plan_id'])}{variant} {x}: {comp}{y:g}"
        other = all_rows[(all_rows["plan_id"] == t["plan_id"]) & (all_rows["geography"] == t["geography"])
                         & (all_rows["year"] == t["year"]) & all_rows["variant"].isin(["body", "appendix"])
                         & (all_rows["variant"] != t["variant"]) & (all_rows["value"] != t["value"])]
        for _, o in other.iterrows():
            label += f" ({t['variant']}; {o['variant']}: {o['value']:g})"
        ly = y
        while any(abs(ly - p) < 2.6 for p in placed):
            ly += 2.6
        placed.append(ly)
        ax.annotate(label, (x - 1.2, ly), xytext=(-4, 0), textcoords="offset points", ha="right", va="center",
                    fontsize=7, color=colour)
    subs = all_rows[(all_rows["variant"] == "appendix") & (all_rows["geography"].map(parents) == "vn.long_an")]
    for _, s in subs.iterrows():
        ax.plot([int(s["year"]) + 0.7], [s["value"]], marker="_", ms=7, color="0.55", ls="", zorder=3)
    if len(subs):
        top = subs.loc[subs["value"].idxmax()]
        med = subs["value"].median()
        if top["value"] - med > 5:
            ax.annotate(f"{bundle.geo_name(top['geography'])} {top['as_written']}", (int(top["year"]) + 0.7, top["value"]),
                        xytext=(4, 0), textcoords="offset points", fontsize=7, color="0.35", va="center")
