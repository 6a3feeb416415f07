"""Scenario explorer: lever settings in, fan chart and P(target met) out (JupyterLab, ipywidgets).

A planner moves three levers for one indicator and sees the fan chart and the
probability of meeting the plan's target change:

* **counselling**: share of schools with a trained (concurrent) career-
  counselling teacher and teachers per school (``counselling_g9`` for THCS,
  ``counselling_g12`` for THPT in ``data/levers.yaml``);
* **tuition support**: extra VND per supported student and year
  (``tuition_support_g9`` / ``tuition_support_g12``; coverage is the lever
  file's default, every enrolled student);
* **a seat cap**: the most students one unit can take in per year, in
  trung cấp after THCS (``{"thcs": {"trung_cap": seats}}``) or in cao đẳng
  after THPT (``{"thpt": {"cao_dang": seats}}``), times the utilisation prior.

Which levers act on which indicator comes from the lever file (the
counselling and price levers whose ``indicator`` is the one explored), and
the capped track is the indicator's largest destination in the flow
assumptions. Every setting is held from ``start_year`` (default: the run's
``as_of`` year, the first school year a plan adopted now can reach).
Counselling acts after a lag of 1-3 school years, so targets of earlier
years cannot move; the view therefore also reports P(share >= the target
level) in ``view_year`` (default: the last simulated year): "reached late".

:func:`explore` is pure (one :func:`simlib.scenarios.apply_scenario` on a
precomputed :class:`simlib.scenarios.Baseline`, about 0.1 s plus the chart
at 2,000 draws) and returns an :class:`ExplorerView`. The baseline is the
precomputed baseline's own shares, which ``apply_scenario`` reproduces bit for
bit for a scenario without levers (common random numbers).
:func:`explorer_widget` wraps it in sliders; :func:`static_view` is the same
as :func:`explore`, for committed notebook output that readers without a
kernel can see.

Everything the chart shows is labelled ILLUSTRATIVE: lever effects are
judgement priors from non-Vietnamese evidence and cost parameters are
placeholders (``data/levers.yaml``).

Examples
--------
>>> from simlib.inputs.bundle import load_bundle
>>> from simlib.scenarios.engine import RunConfig, simulate_baseline
>>> bundle = load_bundle()
>>> plan = bundle.plans.iloc[0]
>>> base = simulate_baseline(bundle, plan["geography"], RunConfig(n_draws=300, as_of=2026))
>>> v = explore(base, counselling_coverage=1.0, support_vnd=6_000_000, plan=plan["plan_id"])
>>> v.p_view >= v.p_view_baseline
True
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simlib.apps.render import history_frame
from simlib.errors import InputError
from simlib.evidence.targets import p_met, threshold, used_targets
from simlib.present import charts, i18n
from simlib.scenarios.engine import Baseline, base_destination_shares, apply_scenario
from simlib.scenarios.levers import Scenario

__all__ = [
    "ExplorerLevers", "explorer_levers", "ExplorerView", "Explorer", "build_scenario", "plan_target", "explore",
    "static_view", "explorer_widget", "default_plan",
]


class ExplorerError(InputError):
    """A setting or an indicator the explorer cannot use; the message says why."""


#: Settings the explorer's sliders move: school coverage and teachers per school; support per student (VND).
COUNSELLING_SETTINGS = ("coverage", "counsellors_per_school")
PRICE_SETTINGS = ("support_vnd",)


@dataclass(frozen=True)
class ExplorerLevers:
    """The explorer's three levers for one indicator, read from the lever file and the flow assumptions.

    Attributes
    ----------
    indicator : str
    counselling, price : str or None
        Keys of the first levers acting on the indicator that have the settings the sliders move
        (:data:`COUNSELLING_SETTINGS`, :data:`PRICE_SETTINGS`), whatever their type.
    origin, track : str
        The capped destination: the indicator's largest destination in the flow assumptions.
    """

    indicator: str
    counselling: str | None
    price: str | None
    origin: str
    track: str


def explorer_levers(base: Baseline, indicator: str) -> ExplorerLevers:
    """The counselling and price levers and the capped track of a steered indicator (from data)."""
    if indicator not in base.shares:
        raise ExplorerError(f"indicator {indicator!r} was not simulated; simulated: {', '.join(base.shares)}")
    spec = base.registry[indicator]
    on = [(key, lv) for key, lv in base.levers.levers.items() if lv.indicator == indicator]
    counselling = next((key for key, lv in on if lv.has_settings(*COUNSELLING_SETTINGS)), None)
    price = next((key for key, lv in on if lv.has_settings(*PRICE_SETTINGS)), None)
    shares = base_destination_shares(base.flow_table)[spec.origin]
    track = max(spec.destinations, key=lambda t: shares.get(t, 0.0))
    return ExplorerLevers(indicator, counselling, price, spec.origin, track)


def default_plan(base: Baseline) -> str | None:
    """The first plan (in plans.csv order) whose geography is the run's, or None."""
    plans = base.bundle.plans
    hit = plans[plans["geography"] == base.geography]
    return str(hit["plan_id"].iloc[0]) if len(hit) else None
_PROBS = tuple(float(c[1:]) for c in charts.FAN_COLUMNS)
_BASELINE_STYLE = dict(color="0.2", ls=(0, (4, 2)), lw=1.3)

def _tx(key: str, lang: str, **kw) -> str:
    """The explorer's words, from the glossary (``explorer.<key>``)."""
    return i18n.t(f"explorer.{key}", lang, **kw)


def _track(track: str, lang: str) -> str:
    return i18n.label(track, lang, ("track.", "")).lower()


def _prob(p: float, lang: str) -> str:
    return "–" if not np.isfinite(p) else i18n.fmt_prob(p, lang)


def _pct(x: float, lang: str, decimals: int = 1) -> str:
    return "–" if not np.isfinite(x) else i18n.fmt_percent(100.0 * x, lang, decimals)


def _bn(vnd: float, lang: str) -> str:
    return i18n.fmt_money(vnd, lang, billions=True)


# --------------------------------------------------------------------------------------------
# the pure part
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ExplorerView:
    """What the explorer shows for one set of lever settings (shares are fractions 0-1).

    Attributes
    ----------
    scenario : Scenario
        Built by :func:`build_scenario` from the settings.
    indicator, unit : str
    settings : dict
        The keyword settings the view was made with.
    target_year, view_year, start_year : int
    target : float
        The plan's target share for the unit and indicator in ``target_year``
        (NaN when the plan sets none); ``target_text`` as written.
    quantiles, baseline_quantiles : DataFrame
        Fan tables indexed by year, columns :data:`simlib.present.charts.FAN_COLUMNS`.
    p_met, p_met_baseline : float
        P(share >= target) in ``target_year``, scenario and baseline.
    p_view, p_view_baseline : float
        P(share >= target) in ``view_year`` (the target level reached late).
    median, median_baseline : float
        Median share in ``view_year``.
    ceiling : float
        Highest share the levers can push a draw to (the largest draw of
        ``max_feasible_share`` in ``data/levers.yaml``, a judgement prior).
        A target above it cannot be made more likely by any lever: only
        draws whose trend already reaches it meet it.
    cost_vnd : float
        Median over draws of the scenario's total lever cost for the unit,
        summed over the simulated years up to ``view_year`` (VND;
        ILLUSTRATIVE: placeholder cost parameters).
    capped : bool
        True when a seat cap is part of the scenario.
    figure : matplotlib Figure
        The fan chart, already closed in pyplot (display it with
        ``IPython.display.display`` or save it with
        :func:`simlib.present.plots.save_figure`; it does not leak open figures).
    """

    scenario: Scenario
    indicator: str
    unit: str
    lang: str
    settings: Mapping[str, Any]
    target_year: int
    view_year: int
    start_year: int
    target: float
    target_text: str
    quantiles: pd.DataFrame = field(repr=False)
    baseline_quantiles: pd.DataFrame = field(repr=False)
    p_met: float
    p_met_baseline: float
    p_view: float
    p_view_baseline: float
    median: float
    median_baseline: float
    ceiling: float
    cost_vnd: float
    capped: bool
    figure: Figure = field(repr=False)

    def summary(self, lang: str | None = None) -> str:
        """One line: P(met) in the target and view years (scenario vs baseline), median, cost."""
        return html.unescape(re.sub(r"<[^>]+>", "", _status_html(self, lang)))


def build_scenario(levers: ExplorerLevers, *, unit: str, counselling_coverage: float = 0.0,
                   counsellors_per_school: float = 1.0, support_vnd: float = 0.0,
                   trung_cap_seats: float | None = None, start_year: int) -> Scenario:
    """The :class:`Scenario` of the explorer's settings, every setting held from ``start_year``.

    ``trung_cap_seats`` caps intake into the indicator's capped track
    (``levers.track``, e.g. trung cấp after THCS, cao đẳng after THPT), in
    students per year for ``unit`` (None: no cap).
    """
    start = int(start_year)
    settings = {}
    if levers.counselling:
        settings[levers.counselling] = {"coverage": {start: float(counselling_coverage)},
                                        "counsellors_per_school": float(counsellors_per_school)}
    if levers.price:
        settings[levers.price] = {"support_vnd": {start: float(support_vnd)}}
    capacity: dict = {}
    if trung_cap_seats is not None:
        seats = float(trung_cap_seats)
        if not seats > 0 or not math.isfinite(seats):
            raise ExplorerError(f"the seat cap must be a positive number of students per year; "
                                f"got {trung_cap_seats!r}")
        capacity = {unit: {levers.origin: {levers.track: {start: seats}}}}
    return Scenario("explorer", "Scenario explorer", "Khám phá kịch bản",
                    "lever settings from simlib.apps.explorer", settings, capacity)


def plan_target(bundle, unit: str, indicator: str, year: int, plan: str | None) -> tuple[float, str]:
    """(share, as written) of the plan's used target for a unit, indicator and year; (NaN, "") if none."""
    if plan is None:
        return float("nan"), ""
    tg = used_targets(bundle.targets[bundle.targets["plan_id"] == plan])
    tg = tg[(tg["geography"] == unit) & (tg["indicator"] == indicator) & (tg["year"] == int(year))]
    if tg.empty:
        return float("nan"), ""
    row = tg.iloc[0]
    return threshold(row).value, str(row["as_written"])


def _target_year(bundle, unit: str, indicator: str, plan: str | None, default: int) -> int:
    if plan is None:
        return default
    tg = bundle.targets[(bundle.targets["plan_id"] == plan) & (bundle.targets["geography"] == unit)
                        & (bundle.targets["indicator"] == indicator)]
    return int(tg["year"].min()) if len(tg) else default


def _fan(arr: np.ndarray, years) -> pd.DataFrame:
    q = np.quantile(arr, _PROBS, axis=0)
    return pd.DataFrame(q.T, index=pd.Index(list(years), name="year"), columns=list(charts.FAN_COLUMNS))


def _p(x: np.ndarray, thr: float) -> float:
    return p_met(x, thr) if np.isfinite(thr) else float("nan")


def _scenario_text(levers: ExplorerLevers, lang: str, cov: float, cps: float, support: float, seats,
                   start: int) -> str:
    parts = []
    if cov > 0 and cps > 0:
        parts.append(_tx("sc_counselling", lang, cov=i18n.fmt_percent(100 * cov, lang, 0),
                         cps=i18n.fmt_number(cps, lang, 0 if float(cps).is_integer() else 1)))
    if support > 0:
        parts.append(_tx("sc_support", lang, vnd=i18n.fmt_money(support, lang)))
    if seats is not None:
        parts.append(_tx("sc_cap", lang, track=_track(levers.track, lang), seats=i18n.fmt_int(seats, lang)))
    if not parts:
        return _tx("scenario_none", lang)
    return _tx("scenario_head", lang, start=start) + ": " + "; ".join(parts)


def explore(base: Baseline, *, indicator: str | None = None, unit: str | None = None,
            target_year: int | None = None, view_year: int | None = None, counselling_coverage: float = 0.0,
            counsellors_per_school: float = 1.0, support_vnd: float = 0.0, trung_cap_seats: float | None = None,
            start_year: int | None = None, lang: str = "en", plan: str | None = None) -> ExplorerView:
    """Apply one set of lever settings to a precomputed baseline; fan chart and P(target met).

    Parameters
    ----------
    base : Baseline
        From :func:`simlib.scenarios.engine.simulate_baseline` (computed once).
    indicator : str, optional
        A steered indicator of the run (default: the first one).
    unit : str, optional
        geo id (default ``base.geography``).
    target_year : int, optional
        Year of the plan's target (default: the plan's first target year for
        the unit and indicator, else ``view_year``).
    view_year : int, optional
        Year of the "reached late" probability, the median and the end of the
        cost sum (default: the last simulated year).
    counselling_coverage : float
        Share of schools (0-1) with a counselling teacher beyond the trend.
    counsellors_per_school : float
        Designated teachers per school (0-4).
    support_vnd : float
        Extra support, VND per supported student and year (0-36,000,000).
    trung_cap_seats : float, optional
        Seat cap (students per year) on the indicator's capped track
        (:func:`explorer_levers`); None for no cap.
    start_year : int, optional
        First year every setting applies (default: the run's ``as_of``, else its first year).
    lang : {"en", "vi"}
    plan : str, optional
        Plan whose targets are used (default :func:`default_plan`).

    Returns
    -------
    ExplorerView
    """
    i18n.check_lang(lang)
    indicator = indicator or next(iter(base.shares))
    levers = explorer_levers(base, indicator)
    unit = unit or base.geography
    plan = plan if plan is not None else default_plan(base)
    view_year = int(view_year if view_year is not None else base.years[-1])
    target_year = int(target_year if target_year is not None
                      else _target_year(base.bundle, unit, indicator, plan, view_year))
    start_year = int(start_year if start_year is not None
                     else (base.config.as_of if base.config.as_of is not None else base.years[0]))
    j = base.unit_index(unit)
    kt, kv = base.year_index(target_year), base.year_index(view_year)
    settings = dict(counselling_coverage=float(counselling_coverage),
                    counsellors_per_school=float(counsellors_per_school), support_vnd=float(support_vnd),
                    trung_cap_seats=None if trung_cap_seats is None else float(trung_cap_seats),
                    start_year=start_year)
    scenario = build_scenario(levers, unit=unit, **settings)
    res = apply_scenario(base, scenario)
    sc = res.shares[indicator][:, j, :]
    b0 = base.shares[indicator][:, j, :]
    if np.isnan(sc).all():
        raise ExplorerError(f"{unit} has no evidence for {indicator} (nor any parent unit): nothing to explore")
    q, q0 = _fan(sc, base.years), _fan(b0, base.years)
    target, as_written = plan_target(base.bundle, unit, indicator, target_year, plan)
    ks = [k for k, y in enumerate(base.years) if y <= view_year]
    cost = sum((c[:, j, ks].sum(axis=1) for c in res.costs.values()), np.zeros(base.n))
    view = dict(
        scenario=scenario, indicator=indicator, unit=unit, lang=lang, settings=settings,
        target_year=target_year, view_year=view_year, start_year=start_year,
        target=target, target_text=as_written, quantiles=q, baseline_quantiles=q0,
        p_met=_p(sc[:, kt], target), p_met_baseline=_p(b0[:, kt], target),
        p_view=_p(sc[:, kv], target), p_view_baseline=_p(b0[:, kv], target),
        median=float(np.nanmedian(sc[:, kv])), median_baseline=float(np.nanmedian(b0[:, kv])),
        ceiling=float(np.max(base.draws.max_feasible[indicator])),
        cost_vnd=float(np.median(cost)), capped=bool(res.capped),
    )
    fig = _figure(base, view, plan, levers)
    plt.close(fig)
    return ExplorerView(**view, figure=fig)


def static_view(base: Baseline, **settings) -> ExplorerView:
    """:func:`explore` with the given settings (defaults otherwise): for committed, kernel-free notebook output."""
    return explore(base, **settings)


def _figure(base: Baseline, v: Mapping[str, Any], plan: str | None, levers: ExplorerLevers) -> Figure:
    lang, ind, unit = v["lang"], v["indicator"], v["unit"]
    ev = base.evidence[(unit, ind)]
    hist = (history_frame(None, series=ev.series)
            if ev.assessable else None)
    targets = [(None, v["target"], v["target_year"])] if np.isfinite(v["target"]) else []
    s = v["settings"]
    subtitle = _scenario_text(levers, lang, s["counselling_coverage"], s["counsellors_per_school"], s["support_vnd"],
                              s["trung_cap_seats"], s["start_year"])
    source = _tx("source", lang, plan=plan or "-", draws=i18n.t("draws", lang, n=i18n.fmt_int(base.n, lang)),
                 seed=base.config.seed)
    today = base.config.as_of + 0.5 if base.config.as_of is not None else None
    fig = charts.fan_chart(v["quantiles"], history=hist, targets=targets, lang=lang,
                           title=_tx("fan_title", lang, ind=base.registry.label(ind, lang),
                                     geo=base.bundle.geo_name(unit)),
                           subtitle=subtitle, note="\n".join(_box_lines(v)), source=source, illustrative=True,
                           today=today)
    ax = fig.axes[0]
    q0 = v["baseline_quantiles"]
    x = q0.index.to_numpy(dtype=float)
    ax.plot(x, 100 * q0["q0.5"].to_numpy(), zorder=4, **_BASELINE_STYLE)
    ax.annotate(_tx("baseline_median", lang), xy=(x[-1], 100 * q0["q0.5"].iloc[-1]), xytext=(-4, -10),
                textcoords="offset points", ha="right", va="top", fontsize=7.5, color="0.2", gid="baseline-median")
    return fig


def _box_lines(v: Mapping[str, Any]) -> list[str]:
    """The probabilities, median and cost written under the chart (scenario | baseline)."""
    lang = v["lang"]
    lines = []
    if np.isfinite(v["target"]):
        lines.append(_tx("box_head", lang, thr=_pct(v["target"], lang, 2))
                     + _tx("box_year", lang, year=v["target_year"], p=_prob(v["p_met"], lang),
                           p0=_prob(v["p_met_baseline"], lang)).rstrip()
                     + ";" + _tx("box_year", lang, year=v["view_year"], p=_prob(v["p_view"], lang),
                                 p0=_prob(v["p_view_baseline"], lang)).rstrip() + _tx("box_late", lang))
    else:
        lines.append(_tx("no_target", lang, year=v["target_year"]))
    lines.append(_tx("box_median", lang, year=v["view_year"], m=_pct(v["median"], lang),
                     m0=_pct(v["median_baseline"], lang)) + " · "
                 + _tx("box_cost", lang, y0=v["start_year"], y1=v["view_year"], cost=_bn(v["cost_vnd"], lang)))
    if v["start_year"] > v["target_year"] and np.isfinite(v["target"]):
        lines.append(" ".join(_tx("box_lag", lang, start=v["start_year"], year=v["target_year"]).split()))
    if v["target"] > v["ceiling"]:
        lines.append(" ".join(_tx("box_ceiling", lang, ceil=_pct(v["ceiling"], lang, 1)).split()))
    return lines


# --------------------------------------------------------------------------------------------
# the interactive part (ipywidgets, optional dependency: extra "notebooks")
# --------------------------------------------------------------------------------------------
def _png_output(fig: Figure) -> dict:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"), "text/plain": "<Figure>"}}


class Explorer:
    """The widget's state: controls, output, last view, redraw counter.

    Build it with :func:`explorer_widget` (which returns :attr:`box`, the
    VBox to display; ``box.explorer`` is this object). Every change of a
    control calls :meth:`refresh`, which runs :func:`explore`, replaces the
    picture in :attr:`output` (a PNG written straight into the Output
    widget's outputs, so no figure stays open) and the status line, and
    increments :attr:`redraws`.
    """

    def __init__(self, base: Baseline, *, lang: str = "en", **defaults):
        import ipywidgets as widgets

        i18n.check_lang(lang)
        self.base, self.lang = base, lang
        self.redraws = 0
        self.view: ExplorerView | None = None
        self.error: str | None = None
        d = {"indicator": next(iter(base.shares)), "counselling_coverage": 0.0, "counsellors_per_school": 1.0,
             "support_vnd": 0.0, "trung_cap_seats": None, **defaults}
        self.fixed = {k: v for k, v in d.items() if k not in
                      ("indicator", "counselling_coverage", "counsellors_per_school", "support_vnd", "trung_cap_seats")}
        style = {"description_width": "190px"}
        layout = widgets.Layout(width="520px")
        inds = list(base.shares)
        self.controls = {
            "indicator": widgets.ToggleButtons(options=[(base.registry.label(i, lang), i) for i in inds],
                                               value=d["indicator"], description=_tx("indicator", lang),
                                               style=style),
            "counselling_coverage": widgets.FloatSlider(
                value=d["counselling_coverage"], min=0.0, max=1.0, step=0.05, readout_format=".0%",
                description=_tx("coverage", lang), continuous_update=False, style=style, layout=layout),
            "counsellors_per_school": widgets.FloatSlider(
                value=d["counsellors_per_school"], min=0.0, max=4.0, step=0.5, readout_format=".1f",
                description=_tx("counsellors", lang), continuous_update=False, style=style, layout=layout),
            "support_vnd": widgets.IntSlider(
                value=int(d["support_vnd"]), min=0, max=36_000_000, step=500_000, readout=False,
                description=_tx("support", lang), continuous_update=False, style=style, layout=layout),
            "cap_on": widgets.Checkbox(value=d["trung_cap_seats"] is not None, description="", indent=False,
                                       layout=widgets.Layout(width="auto")),
            "trung_cap_seats": widgets.IntSlider(
                value=int(d["trung_cap_seats"] if d["trung_cap_seats"] is not None else 2000), min=500,
                max=10_000, step=100, readout_format=",d", description=_tx("seats_per_year", lang),
                continuous_update=False, disabled=d["trung_cap_seats"] is None, style=style, layout=layout),
        }
        c = self.controls
        self.support_readout = widgets.Label()
        self.cap_label = widgets.Label()
        self.status = widgets.HTML()
        self.output = widgets.Output(layout=widgets.Layout(min_height="420px"))
        self.box = widgets.VBox([
            c["indicator"],
            c["counselling_coverage"],
            c["counsellors_per_school"],
            widgets.HBox([c["support_vnd"], self.support_readout]),
            widgets.HBox([c["cap_on"], self.cap_label]),
            c["trung_cap_seats"],
            self.status,
            self.output,
        ])
        self.box.explorer = self
        for w in c.values():
            w.observe(self._changed, names="value")
        self.refresh()

    def settings(self) -> dict:
        """The current keyword arguments of :func:`explore`."""
        c = self.controls
        return {**self.fixed, "indicator": c["indicator"].value,
                "counselling_coverage": float(c["counselling_coverage"].value),
                "counsellors_per_school": float(c["counsellors_per_school"].value),
                "support_vnd": float(c["support_vnd"].value),
                "trung_cap_seats": int(c["trung_cap_seats"].value) if c["cap_on"].value else None,
                "lang": self.lang}

    def _changed(self, change) -> None:
        self.refresh()

    def refresh(self) -> ExplorerView | None:
        """Recompute and redraw with the current control values; returns the view (None on a bad setting)."""
        c, lang = self.controls, self.lang
        c["trung_cap_seats"].disabled = not c["cap_on"].value
        track = explorer_levers(self.base, c["indicator"].value).track
        self.cap_label.value = _tx("cap_on", lang, track=_track(track, lang))
        self.support_readout.value = f"{i18n.fmt_number(c['support_vnd'].value, lang, 0)} " \
                                     f"{_tx('vnd_per_year', lang)}"
        try:
            view = explore(self.base, **self.settings())
        except InputError as exc:  # e.g. a unit without evidence: say so instead of raising inside a callback
            self.error = exc.text(lang)
            self.status.value = f"<span style='color:#D55E00'>{html.escape(self.error)}</span>"
            return None
        self.error = None
        self.view = view
        self.output.outputs = (_png_output(view.figure),)
        self.status.value = _status_html(view)
        self.redraws += 1
        return view


def _status_html(view: ExplorerView, lang: str | None = None) -> str:
    lang = lang or view.lang
    kw = dict(vy=view.view_year, m=_pct(view.median, lang), m0=_pct(view.median_baseline, lang),
              y0=view.start_year, cost=_bn(view.cost_vnd, lang))
    if not np.isfinite(view.target):
        return _tx("status_no_target", lang, **kw)
    text = _tx("status", lang, thr=_pct(view.target, lang, 2),
               ty=view.target_year, p=_prob(view.p_met, lang), p0=_prob(view.p_met_baseline, lang),
               pv=_prob(view.p_view, lang), pv0=_prob(view.p_view_baseline, lang), **kw)
    if view.target > view.ceiling:
        text += _tx("status_ceiling", lang, ceil=_pct(view.ceiling, lang, 1))
    return text


def explorer_widget(base: Baseline, *, lang: str = "en", **defaults):
    """Sliders for counselling, support and a seat cap; the fan chart and P(met) redraw on every change.

    Parameters
    ----------
    base : Baseline
        Precomputed once (:func:`simlib.scenarios.simulate_baseline`).
    lang : {"en", "vi"}
        Language of the labels, the chart and the status line.
    **defaults
        Initial values of :func:`explore`'s keywords: ``indicator``,
        ``counselling_coverage``, ``counsellors_per_school``,
        ``support_vnd``, ``trung_cap_seats`` set the controls; the others
        (``unit``, ``target_year``, ``view_year``, ``start_year``, ``plan``)
        are held fixed.

    Returns
    -------
    ipywidgets.VBox
        Display it in JupyterLab. ``box.explorer`` is the :class:`Explorer`
        (controls, ``refresh()``, last ``view``, ``redraws``). Without a
        running kernel (a committed notebook) a widget shows as a
        placeholder: use :func:`static_view` for output that must be seen.
    """
    return Explorer(base, lang=lang, **defaults).box
