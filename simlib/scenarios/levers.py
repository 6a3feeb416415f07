"""Policy levers and scenarios: definitions kept as data, effects computed per draw.

Two kinds of file, both YAML:

* ``data/levers.yaml``: each lever's mechanism, the settings a scenario may
  change (with their plausible range), the priors of its effect (each with
  its source and a status: ``evidence``, ``judgement`` or ``illustrative``)
  and its cost parameters; the baseline shock of free public THPT (miễn học
  phí THPT công lập) from 2025-26; capacity utilisation; the rule that
  combines levers; the spread of districts without evidence of their own.
* ``data/scenarios/*.yaml``: a named scenario, i.e. lever settings by year.
  A planner copies one, edits it and passes its path.

Mechanisms (the formulas are code; every number in them is in the file):

``counselling``
    effect = E x fidelity x c^theta, with coverage relative to the ASCA ratio
    c = coverage x min(1, counsellors_per_school x 250 / students_per_school),
    applied ``lag`` school years after the coverage is reached.
``price``
    effect = elasticity x (support_vnd / total_cost_vnd) x coverage x s0,
    where s0 is the baseline share of that draw, unit and year.
``information``
    effect = E x intensity, intensity decaying with a half-life unless repeated.

All effects are **fractions** of the graduating cohort (0.02 = 2 percentage
points). Several levers on one indicator combine sub-additively within the
room to move M = max_feasible_share - s0::

    total = M x (1 - prod_i (1 - d_i / M))   (positive d_i; negative d_i add)

so the total never exceeds M nor the sum of the separate effects.

Vietnamese terms: THCS = lower secondary (grade 9 ends it); THPT = upper
secondary (grade 12); trung cấp = intermediate vocational level; cao đẳng =
college level; giáo viên kiêm nhiệm tư vấn hướng nghiệp = teacher holding a
concurrent career-counselling role.

Examples
--------
>>> from simlib.scenarios import levers
>>> lv = levers.load_levers()
>>> sc = levers.load_scenario("plan_as_written")
>>> sc.setting(lv, "counselling_g9", "coverage", [2024, 2025, 2026]).tolist()
[0.0, 1.0, 1.0]
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy import stats

from simlib.errors import InputError
from simlib.inputs.resources import bundled_data_dir
from simlib.models.flows import SINK, THCS_TRACKS, THPT_TRACKS

__all__ = [
    "LeverError", "Prior", "Lever", "LeverSet", "Scenario", "LeverDraws",
    "load_levers", "load_scenario", "list_scenarios", "draw_levers", "lever_effects",
    "combine", "MECHANISMS", "STATUSES", "child_rng",
]

MECHANISMS = ("counselling", "price", "information")
STATUSES = ("evidence", "judgement", "illustrative")
ASCA_RATIO = 250.0  # students per counsellor recommended by ASCA (policy_levers.md S1)
_SCENARIO_KEYS = ("name", "title_en", "title_vi", "description", "levers", "capacity", "quota", "tracks")
#: tracks a scenario may cap, by origin: every destination but not_continuing (where overflow goes last)
_CAP_TRACKS = {"thcs": tuple(t for t in THCS_TRACKS if t != SINK), "thpt": tuple(t for t in THPT_TRACKS if t != SINK)}
_DISTS = {
    "normal": ("mean", "sd"), "lognormal": ("meanlog", "sdlog"), "beta": ("a", "b"),
    "uniform": ("low", "high"), "discrete_uniform": ("values",), "fixed": ("value",),
}


class LeverError(InputError):
    """A lever or scenario file is invalid; the message names the file and the entry."""


def child_rng(seed: int, name: str) -> np.random.Generator:
    """An independent random stream for a named component (stable across runs).

    Streams are keyed by name, so adding a lever does not change the draws of
    the others (common random numbers across scenarios).
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode("utf-8"))]))


# --------------------------------------------------------------------------
# priors
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Prior:
    """A prior distribution with its provenance.

    Parameters
    ----------
    dist : str
        One of ``normal``, ``lognormal``, ``beta``, ``uniform``,
        ``discrete_uniform``, ``fixed``.
    params : mapping
        The distribution's parameters (see the file header).
    lower, upper : float, optional
        Draws are clipped to [lower, upper].
    status, source : str
        Provenance: ``evidence``, ``judgement`` or ``illustrative``, and where
        the numbers come from.
    """

    dist: str
    params: Mapping[str, Any]
    lower: float | None = None
    upper: float | None = None
    status: str = "judgement"
    source: str = ""

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws (float array)."""
        p = self.params
        if self.dist == "normal":
            x = rng.normal(p["mean"], p["sd"], n)
        elif self.dist == "lognormal":
            x = rng.lognormal(p["meanlog"], p["sdlog"], n)
        elif self.dist == "beta":
            x = rng.beta(p["a"], p["b"], n)
        elif self.dist == "uniform":
            x = rng.uniform(p["low"], p["high"], n)
        elif self.dist == "discrete_uniform":
            x = rng.choice(np.asarray(p["values"], dtype=float), n)
        else:
            x = np.full(n, float(p["value"]))
        if self.lower is not None or self.upper is not None:
            x = np.clip(x, self.lower if self.lower is not None else -np.inf,
                        self.upper if self.upper is not None else np.inf)
        return x.astype(float)

    def quantile(self, q: float) -> float:
        """The q-quantile (before clipping is applied, then clipped); for tornado charts."""
        p = self.params
        if self.dist == "normal":
            x = stats.norm.ppf(q, p["mean"], p["sd"])
        elif self.dist == "lognormal":
            x = stats.lognorm.ppf(q, p["sdlog"], scale=math.exp(p["meanlog"]))
        elif self.dist == "beta":
            x = stats.beta.ppf(q, p["a"], p["b"])
        elif self.dist == "uniform":
            x = p["low"] + q * (p["high"] - p["low"])
        elif self.dist == "discrete_uniform":
            v = sorted(p["values"])
            x = v[min(len(v) - 1, int(q * len(v)))]
        else:
            x = p["value"]
        lo = self.lower if self.lower is not None else -np.inf
        hi = self.upper if self.upper is not None else np.inf
        return float(np.clip(x, lo, hi))

    def describe(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.params.items())
        clip = ""
        if self.lower is not None or self.upper is not None:
            clip = f" clipped to [{self.lower}, {self.upper}]"
        return f"{self.dist}({args}){clip}"


def _prior(spec: Any, where: str) -> Prior:
    if not isinstance(spec, Mapping) or "dist" not in spec:
        raise LeverError(f"{where}: a prior needs 'dist' (one of {', '.join(_DISTS)}) and its parameters")
    dist = spec["dist"]
    if dist not in _DISTS:
        raise LeverError(f"{where}: unknown distribution {dist!r}; use one of {', '.join(_DISTS)}")
    params = {}
    for name in _DISTS[dist]:
        if name not in spec:
            raise LeverError(f"{where}: distribution {dist} needs parameter {name!r}")
        params[name] = spec[name]
    try:
        if dist == "discrete_uniform":
            vals = [float(v) for v in params["values"]]
            if not vals:
                raise ValueError
        else:
            for k, v in params.items():
                params[k] = float(v)
    except (TypeError, ValueError):
        raise LeverError(f"{where}: parameters of {dist} must be numbers; got {dict(params)}") from None
    bad = ((dist == "normal" and params["sd"] < 0) or (dist == "lognormal" and params["sdlog"] < 0)
           or (dist == "beta" and (params["a"] <= 0 or params["b"] <= 0))
           or (dist == "uniform" and params["high"] < params["low"]))
    if bad:
        raise LeverError(f"{where}: invalid parameters for {dist}: {dict(params)}")
    status = spec.get("status", "judgement")
    if status not in STATUSES:
        raise LeverError(f"{where}: status must be one of {', '.join(STATUSES)}; got {status!r}")
    if not str(spec.get("source", "")).strip():
        raise LeverError(f"{where}: every prior needs a 'source' (where the numbers come from)")
    lower, upper = spec.get("lower"), spec.get("upper")
    return Prior(dist, MappingProxyType(params), None if lower is None else float(lower),
                 None if upper is None else float(upper), status, str(spec["source"]))


def _value(spec: Any, where: str) -> tuple[float, str, str]:
    if not isinstance(spec, Mapping) or "value" not in spec:
        raise LeverError(f"{where}: give {{value: ..., status: ..., source: ...}}")
    try:
        v = float(spec["value"])
    except (TypeError, ValueError):
        raise LeverError(f"{where}: value must be a number; got {spec['value']!r}") from None
    status = spec.get("status", "illustrative")
    if status not in STATUSES:
        raise LeverError(f"{where}: status must be one of {', '.join(STATUSES)}; got {status!r}")
    return v, status, str(spec.get("source", ""))


# --------------------------------------------------------------------------
# levers
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Setting:
    """A lever setting a scenario may change: unit, plausible range, default."""

    name: str
    unit: str
    min: float
    max: float
    default: float


@dataclass(frozen=True)
class Lever:
    """One lever: mechanism, indicator, settings, priors and cost parameters."""

    key: str
    mechanism: str
    indicator: str
    name_en: str
    name_vi: str
    description: str
    settings: Mapping[str, Setting]
    priors: Mapping[str, Prior]
    cost: Mapping[str, tuple[float, str, str]]
    half_life_years: float = 1.0

    @property
    def illustrative_cost(self) -> bool:
        """True if any cost parameter is a placeholder."""
        return any(status == "illustrative" for _, status, _ in self.cost.values())


#: Where students above a quota may go (THCS destinations other than public THPT).
OVERFLOW_DESTINATIONS: tuple[str, ...] = tuple(t for t in THCS_TRACKS if t != "thpt_public")


def check_split(split: Mapping[str, Any], where: str) -> dict[str, float]:
    """A split of displaced students over THCS destinations: known names, fractions >= 0 summing to 1."""
    if not isinstance(split, Mapping) or not split:
        raise LeverError(f"{where}: give fractions by destination, e.g. {{thpt_private: 0.4, gdtx: 0.3, "
                         "trung_cap: 0.2, not_continuing: 0.1}")
    out = {}
    for t, v in split.items():
        if t not in OVERFLOW_DESTINATIONS:
            raise LeverError(f"{where}: {t!r} is not a destination students above the quota can go to; use "
                             f"{', '.join(OVERFLOW_DESTINATIONS)}")
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise LeverError(f"{where}.{t}: a fraction 0-1; got {v!r}") from None
        if not 0.0 <= x <= 1.0:
            raise LeverError(f"{where}.{t}: a fraction 0-1; got {x:g}")
        out[str(t)] = x
    total = sum(out.values())
    if abs(total - 1.0) > 1e-6:
        raise LeverError(f"{where}: the fractions sum to {total:.4f}; they must sum to 1 (every displaced student "
                         "goes somewhere)")
    return {t: x / total for t, x in out.items()}


@dataclass(frozen=True)
class Overflow:
    """Where students above the public grade-10 quota go: a split over THCS destinations and its uncertainty.

    Parameters
    ----------
    split : mapping destination -> fraction
        Central split (fractions 0-1 summing to 1) over
        :data:`OVERFLOW_DESTINATIONS`.
    concentration : float
        Dirichlet concentration of the per-draw split around ``split``
        (larger = more certain; ``inf`` = the split exactly).
    status, source : str
        Provenance (``evidence``, ``judgement`` or ``illustrative``).
    """

    split: Mapping[str, float]
    concentration: float
    status: str
    source: str

    def draw(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Per-draw splits (arrays of length ``n`` that sum to 1 across destinations)."""
        keys = list(self.split)
        mean = np.asarray([self.split[k] for k in keys], dtype=float)
        if not math.isfinite(self.concentration):
            return {k: np.full(n, m) for k, m in zip(keys, mean)}
        alpha = np.maximum(mean * self.concentration, 1e-9)
        d = rng.dirichlet(alpha, size=n)
        d = d / d.sum(axis=1, keepdims=True)
        return {k: d[:, i] for i, k in enumerate(keys)}

    def describe(self) -> str:
        parts = ", ".join(f"{k} {v:.2f}" for k, v in self.split.items())
        return f"dirichlet({parts}; concentration {self.concentration:g})"


@dataclass(frozen=True)
class LeverSet:
    """Everything in ``data/levers.yaml``."""

    levers: Mapping[str, Lever]
    shocks: Mapping[str, Mapping[str, Any]]
    utilisation: Prior
    max_feasible: Mapping[str, Prior]
    district_spread_logit: float
    path: Path
    quota: Mapping[str, Setting] = field(default_factory=dict)
    tracks: Mapping[str, Setting] = field(default_factory=dict)
    track_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    overflow: Overflow | None = None

    def for_indicator(self, indicator: str) -> list[Lever]:
        return [lv for lv in self.levers.values() if lv.indicator == indicator]

    def priors_frame(self):
        """All priors as a table (lever, parameter, distribution, status, source)."""
        import pandas as pd
        rows = []
        for lv in self.levers.values():
            for name, p in lv.priors.items():
                rows.append((lv.key, name, p.describe(), p.status, p.source))
            for name, (v, status, src) in lv.cost.items():
                rows.append((lv.key, f"cost.{name}", f"fixed({v:g})", status, src))
        for key, sh in self.shocks.items():
            p = sh["effect"]
            rows.append((f"shock:{key}", "effect", p.describe(), p.status, p.source))
        rows.append(("capacity", "utilisation", self.utilisation.describe(), self.utilisation.status,
                     self.utilisation.source))
        for ind, p in self.max_feasible.items():
            rows.append(("combination", f"max_feasible_share[{ind}]", p.describe(), p.status, p.source))
        if self.overflow is not None:
            o = self.overflow
            rows.append(("quota", "overflow", o.describe(), o.status, o.source))
        return pd.DataFrame(rows, columns=["lever", "parameter", "distribution", "status", "source"])


_NEEDED_PRIORS = {"counselling": ("effect_full", "fidelity", "dose_exponent", "lag_years"),
                  "price": ("elasticity",), "information": ("effect",)}
_NEEDED_SETTINGS = {"counselling": ("coverage", "counsellors_per_school"),
                    "price": ("support_vnd", "coverage"), "information": ("intensity",)}
_NEEDED_COST = {"counselling": ("periods_per_week", "teaching_weeks", "vnd_per_period"),
                "price": ("total_cost_vnd",), "information": ("vnd_per_student",)}


def _read_yaml(path: Path) -> Any:
    from simlib.inputs.yamlio import read_yaml  # no aliases, no duplicate keys, a bad byte by its line

    return read_yaml(path, error=LeverError)


def load_levers(path: str | Path | None = None) -> LeverSet:
    """Read and check ``data/levers.yaml`` (or another lever file).

    Raises
    ------
    LeverError
        Naming the file and the entry, for a missing prior, setting or cost,
        an unknown distribution or status, or a prior without a source.
    """
    path = Path(path) if path is not None else bundled_data_dir() / "levers.yaml"
    doc = _read_yaml(path)
    if not isinstance(doc, Mapping) or not isinstance(doc.get("levers"), Mapping):
        raise LeverError(f"{path}: expected a 'levers:' section")
    levers = {}
    for key, spec in doc["levers"].items():
        where = f"{path.name}: levers.{key}"
        if not isinstance(spec, Mapping):
            raise LeverError(f"{where}: expected a mapping")
        mech = spec.get("mechanism")
        if mech not in MECHANISMS:
            raise LeverError(f"{where}: mechanism must be one of {', '.join(MECHANISMS)}; got {mech!r}")
        priors = {name: _prior(p, f"{where}.priors.{name}") for name, p in (spec.get("priors") or {}).items()}
        for name in _NEEDED_PRIORS[mech]:
            if name not in priors:
                raise LeverError(f"{where}: mechanism {mech} needs a prior {name!r}")
        settings = {}
        for name, s in (spec.get("settings") or {}).items():
            try:
                st = Setting(name, str(s.get("unit", "")), float(s["min"]), float(s["max"]), float(s["default"]))
            except (KeyError, TypeError, ValueError, AttributeError):
                raise LeverError(f"{where}.settings.{name}: give unit, min, max and default (numbers)") from None
            if not st.min <= st.default <= st.max:
                raise LeverError(f"{where}.settings.{name}: default {st.default} is outside [{st.min}, {st.max}]")
            settings[name] = st
        for name in _NEEDED_SETTINGS[mech]:
            if name not in settings:
                raise LeverError(f"{where}: mechanism {mech} needs a setting {name!r}")
        cost = {name: _value(c, f"{where}.cost.{name}") for name, c in (spec.get("cost") or {}).items()}
        for name in _NEEDED_COST[mech]:
            if name not in cost:
                raise LeverError(f"{where}: mechanism {mech} needs a cost parameter {name!r}")
        if not spec.get("indicator"):
            raise LeverError(f"{where}: give the indicator the lever acts on")
        levers[key] = Lever(key, mech, str(spec["indicator"]), str(spec.get("name_en", key)),
                            str(spec.get("name_vi", key)), " ".join(str(spec.get("description", "")).split()),
                            MappingProxyType(settings), MappingProxyType(priors), MappingProxyType(cost),
                            float(spec.get("half_life_years", 1.0)))
    shocks = {}
    for key, spec in (doc.get("shocks") or {}).items():
        where = f"{path.name}: shocks.{key}"
        try:
            shocks[key] = MappingProxyType({
                "indicator": str(spec["indicator"]), "start_year": int(spec["start_year"]),
                "effect": _prior(spec["effect"], f"{where}.effect"),
                "name_en": str(spec.get("name_en", key)), "name_vi": str(spec.get("name_vi", key))})
        except (KeyError, TypeError, ValueError):
            raise LeverError(f"{where}: give indicator, start_year and effect") from None
    cap = (doc.get("capacity") or {}).get("utilisation")
    if cap is None:
        raise LeverError(f"{path.name}: capacity.utilisation prior is missing")
    comb = (doc.get("combination") or {}).get("max_feasible_share") or {}
    max_feasible = {ind: _prior(p, f"{path.name}: combination.max_feasible_share.{ind}") for ind, p in comb.items()}
    for lv in levers.values():
        if lv.indicator not in max_feasible:
            raise LeverError(f"{path.name}: combination.max_feasible_share has no entry for {lv.indicator} "
                             f"(lever {lv.key})")
    spread, _, _ = _value((doc.get("districts") or {}).get("spread_logit"), f"{path.name}: districts.spread_logit")
    quota = {}
    overflow = None
    for name, spec in (doc.get("quota") or {}).items():
        if name == "overflow":
            overflow = _overflow(spec, f"{path.name}: quota.overflow")
            continue
        quota[name] = _setting(spec, f"{path.name}: quota.{name}", default=float("nan"))
    tracks, sources = {}, {}
    for name, spec in (doc.get("tracks") or {}).items():
        where = f"{path.name}: tracks.{name}"
        if name not in THCS_TRACKS:
            raise LeverError(f"{where}: not a THCS destination; destinations: {', '.join(THCS_TRACKS)}")
        tracks[name] = _setting(spec, where, default=0.0)
        src = tuple((spec or {}).get("taken_from") or ())
        bad = [t for t in src if t not in THCS_TRACKS or t in (name, SINK)]
        if not src or bad:
            raise LeverError(f"{where}.taken_from: name the THCS destinations its students come from "
                             f"(e.g. [trung_cap, gdtx]); not usable: {bad or 'empty'}")
        sources[name] = src
    return LeverSet(MappingProxyType(levers), MappingProxyType(shocks),
                    _prior(cap, f"{path.name}: capacity.utilisation"), MappingProxyType(max_feasible),
                    spread, path, MappingProxyType(quota), MappingProxyType(tracks), MappingProxyType(sources),
                    overflow)


def _overflow(spec: Any, where: str) -> Overflow:
    """The lever file's default split of students above the quota (``quota.overflow``)."""
    if not isinstance(spec, Mapping):
        raise LeverError(f"{where}: expected split, concentration, status and source")
    split = check_split(spec.get("split"), f"{where}.split")
    try:
        conc = float(spec.get("concentration", float("inf")))
    except (TypeError, ValueError):
        raise LeverError(f"{where}.concentration: a number > 0; got {spec.get('concentration')!r}") from None
    if not conc > 0:
        raise LeverError(f"{where}.concentration: a number > 0; got {conc:g}")
    status, source = str(spec.get("status", "")), str(spec.get("source", ""))
    if status not in ("evidence", "judgement", "illustrative") or not source:
        raise LeverError(f"{where}: give status (evidence, judgement or illustrative) and source")
    return Overflow(MappingProxyType(split), conc, status, source)


def _setting(spec: Any, where: str, *, default: float) -> Setting:
    """A scenario setting's plausible range from the lever file (quota and track sections)."""
    try:
        st = Setting(where.rsplit(".", 1)[-1], str(spec.get("unit", "")), float(spec["min"]), float(spec["max"]),
                     default)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise LeverError(f"{where}: give unit, min and max (numbers)") from None
    if not spec.get("source"):
        raise LeverError(f"{where}: give the source of the plausible range")
    return st


# --------------------------------------------------------------------------
# scenarios
# --------------------------------------------------------------------------
def _by_year(value: Any, where: str) -> float | Mapping[int, float]:
    if isinstance(value, Mapping):
        out = {}
        for y, v in value.items():
            try:
                out[int(y)] = float(v)
            except (TypeError, ValueError):
                raise LeverError(f"{where}: use {{year: number}}, e.g. {{2025: 1.0}}; got {y!r}: {v!r}") from None
        if not out:
            raise LeverError(f"{where}: empty mapping of years")
        return MappingProxyType(dict(sorted(out.items())))
    try:
        return float(value)
    except (TypeError, ValueError):
        raise LeverError(f"{where}: a number or {{year: number}}; got {value!r}") from None


@dataclass(frozen=True)
class Scenario:
    """A named set of lever settings by year (and optional capacity caps).

    Parameters
    ----------
    name : str
    title_en, title_vi, description : str
    settings : mapping lever -> setting -> number or {year: number}
        A number applies to every year. A mapping by year is interpolated
        linearly between the years given, held after the last, and equal to
        the setting's default before the first (a ramp-up is written as
        ``{2025: 0.5, 2027: 1.0}``).
    capacity : mapping geography -> origin -> track -> number or {year: number}
        Intake caps in students per year (multiplied by the utilisation
        prior), e.g. ``{"vn.tay_ninh": {"thcs": {"trung_cap": 4000}}}``.
    quota : mapping name -> number or {year: number}
        ``grade10_public_share``: public grade-10 places as a share (0-1) of
        THCS graduates in every unit; no quota before the first year given.
        ``thpt_private_share``: private THPT places as a share of THCS
        graduates (a cap; none when not given). ``overflow``: where the
        students above the quota go, fractions by destination summing to 1
        (e.g. ``{thpt_private: 0.4, gdtx: 0.3, trung_cap: 0.2,
        not_continuing: 0.1}``); default: the lever file's ``quota.overflow``
        split, drawn with its uncertainty.
    tracks : mapping track -> number or {year: number}
        Share (0-1) of THCS graduates entering a new track (``trung_hoc_nghe``),
        0 before the first year given; taken from the destinations the lever
        file names (``tracks.<name>.taken_from``).
    path : Path or None
    """

    name: str
    title_en: str = ""
    title_vi: str = ""
    description: str = ""
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    capacity: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    path: Path | None = None
    quota: Mapping[str, Any] = field(default_factory=dict)
    tracks: Mapping[str, Any] = field(default_factory=dict)

    def check(self, levers: LeverSet) -> None:
        """Check lever and setting names and that every value is inside its plausible range."""
        where = self.path.name if self.path else self.name
        for key, sets in self.settings.items():
            if key not in levers.levers:
                raise LeverError(f"{where}: unknown lever {key!r}; known: {', '.join(levers.levers)}")
            lv = levers.levers[key]
            for name, v in sets.items():
                if name not in lv.settings:
                    raise LeverError(f"{where}: lever {key} has no setting {name!r}; "
                                     f"settings: {', '.join(lv.settings)}")
                st = lv.settings[name]
                vals = v.values() if isinstance(v, Mapping) else [v]
                for x in vals:
                    if not st.min <= x <= st.max:
                        raise LeverError(f"{where}: {key}.{name} = {x:g} is outside its plausible range "
                                         f"[{st.min:g}, {st.max:g}] ({st.unit})")

    def check_extra(self, levers: LeverSet) -> None:
        """Check the quota and track settings against the lever file's plausible ranges."""
        where = self.path.name if self.path else self.name
        for section, known in (("quota", levers.quota), ("tracks", levers.tracks)):
            for key, v in getattr(self, section).items():
                if section == "quota" and key == "overflow":
                    check_split(v, f"{where}: quota.overflow")
                    continue
                if key not in known:
                    raise LeverError(f"{where}: {section}.{key} is not known; the lever file ({levers.path.name}) "
                                     f"has {', '.join(known) or 'no ' + section + ' section'}")
                st = known[key]
                for x in (v.values() if isinstance(v, Mapping) else [v]):
                    if not st.min <= x <= st.max:
                        raise LeverError(f"{where}: {section}.{key} = {x:g} is outside its plausible range "
                                         f"[{st.min:g}, {st.max:g}] ({st.unit})")

    def by_year(self, section: str, key: str, years: Iterable[int], default: float) -> np.ndarray:
        """A quota or track setting in each year (``default`` before its first year or when not set)."""
        years = np.asarray(list(years), dtype=float)
        v = getattr(self, section).get(key)
        if v is None:
            return np.full(len(years), default)
        if not isinstance(v, Mapping):
            return np.full(len(years), float(v))
        ys = np.asarray(list(v.keys()), dtype=float)
        out = np.interp(years, ys, np.asarray(list(v.values()), dtype=float))
        out[years < ys[0]] = default
        return out

    def setting(self, levers: LeverSet, lever: str, name: str, years: Iterable[int]) -> np.ndarray:
        """The setting's value in each year (float array)."""
        st = levers.levers[lever].settings[name]
        years = np.asarray(list(years), dtype=float)
        v = self.settings.get(lever, {}).get(name, st.default)
        if not isinstance(v, Mapping):
            return np.full(len(years), float(v))
        ys = np.asarray(list(v.keys()), dtype=float)
        xs = np.asarray(list(v.values()), dtype=float)
        out = np.interp(years, ys, xs)
        out[years < ys[0]] = st.default
        return out

    def with_settings(self, lever: str, **values: Any) -> Scenario:
        """A copy with some settings of one lever replaced (used by the inverse solver)."""
        new = {k: dict(v) for k, v in self.settings.items()}
        new.setdefault(lever, {}).update(values)
        return dataclasses.replace(self, settings=MappingProxyType({k: MappingProxyType(v) for k, v in new.items()}))

    def with_quota(self, **values: Any) -> Scenario:
        """A copy with quota settings replaced, e.g. ``with_quota(grade10_public_share={2027: 0.7})``."""
        return dataclasses.replace(self, quota=MappingProxyType({**self.quota, **values}))

    def with_tracks(self, **values: Any) -> Scenario:
        """A copy with track settings replaced, e.g. ``with_tracks(trung_hoc_nghe={2027: 0.05})``."""
        return dataclasses.replace(self, tracks=MappingProxyType({**self.tracks, **values}))

    def active_levers(self) -> list[str]:
        return list(self.settings)


def list_scenarios(directory: str | Path | None = None) -> list[str]:
    """Names of the scenario files in ``data/scenarios`` (baseline first)."""
    d = Path(directory) if directory is not None else bundled_data_dir() / "scenarios"
    names = sorted(p.stem for p in d.glob("*.yaml"))
    order = ["baseline", "plan_as_written", "waiver_plus", "all_levers"]
    return [n for n in order if n in names] + [n for n in names if n not in order]


def load_scenario(name_or_path: str | Path, levers: LeverSet | None = None,
                  directory: str | Path | None = None) -> Scenario:
    """Read a scenario by name (``data/scenarios/NAME.yaml``) or by path; check it against the levers."""
    p = Path(name_or_path)
    if p.suffix not in (".yaml", ".yml", ".json"):
        d = Path(directory) if directory is not None else bundled_data_dir() / "scenarios"
        p = d / f"{name_or_path}.yaml"
        if not p.exists():
            raise LeverError(f"scenario {name_or_path!r}: no file {p}; available: "
                             f"{', '.join(list_scenarios(d)) or 'none'}")
    doc = _read_yaml(p)
    if not isinstance(doc, Mapping):
        raise LeverError(f"{p}: expected a mapping with name, title_en, title_vi, description, levers")
    unknown = [k for k in doc if k not in _SCENARIO_KEYS]
    if unknown:
        raise LeverError(f"{p.name}: unknown key(s) {', '.join(map(repr, unknown))}; a scenario has "
                         f"{', '.join(_SCENARIO_KEYS)}")
    settings = {}
    for key, sets in (doc.get("levers") or {}).items():
        if not isinstance(sets, Mapping):
            raise LeverError(f"{p.name}: levers.{key}: expected settings, e.g. coverage: {{2025: 1.0}}")
        settings[key] = MappingProxyType({n: _by_year(v, f"{p.name}: levers.{key}.{n}") for n, v in sets.items()})
    capacity = {}
    cap_doc = doc.get("capacity") or {}
    if not isinstance(cap_doc, Mapping):
        raise LeverError(f"{p.name}: capacity: expected {{geo_id: {{thcs|thpt: {{track: seats}}}}}}")
    for geo, origins in cap_doc.items():
        if not isinstance(origins, Mapping):
            raise LeverError(f"{p.name}: capacity.{geo}: expected {{thcs|thpt: {{track: seats}}}}, got {origins!r}")
        per = {}
        for origin, tracks in origins.items():
            if origin not in _CAP_TRACKS:
                raise LeverError(f"{p.name}: capacity.{geo}.{origin}: origin must be 'thcs' or 'thpt'")
            if not isinstance(tracks, Mapping):
                raise LeverError(f"{p.name}: capacity.{geo}.{origin}: expected {{track: seats}}, got {tracks!r}")
            vals = {}
            for t, v in tracks.items():
                where = f"{p.name}: capacity.{geo}.{origin}.{t}"
                if t not in _CAP_TRACKS[origin]:
                    raise LeverError(f"{where}: unknown track; {origin} tracks that can be capped: "
                                     f"{', '.join(_CAP_TRACKS[origin])}")
                vals[t] = _by_year(v, where)
                xs = vals[t].values() if isinstance(vals[t], Mapping) else [vals[t]]
                if any(x < 0 for x in xs):
                    raise LeverError(f"{where}: seats must be zero or more")
            per[origin] = MappingProxyType(vals)
        capacity[str(geo)] = MappingProxyType(per)
    extra = {}
    for section in ("quota", "tracks"):
        sec = doc.get(section) or {}
        if not isinstance(sec, Mapping):
            raise LeverError(f"{p.name}: {section}: expected {{name: number or {{year: number}}}}, e.g. "
                             + ("grade10_public_share: {2027: 0.70}" if section == "quota"
                                else "trung_hoc_nghe: {2027: 0.03}"))
        extra[section] = MappingProxyType({
            str(k): (MappingProxyType(check_split(v, f"{p.name}: quota.overflow"))
                     if section == "quota" and str(k) == "overflow" else _by_year(v, f"{p.name}: {section}.{k}"))
            for k, v in sec.items()})
    sc = Scenario(str(doc.get("name", p.stem)), str(doc.get("title_en", "")), str(doc.get("title_vi", "")),
                  " ".join(str(doc.get("description", "")).split()), MappingProxyType(settings),
                  MappingProxyType(capacity), p, extra["quota"], extra["tracks"])
    lv = levers if levers is not None else load_levers()
    sc.check(lv)
    sc.check_extra(lv)
    return sc


# --------------------------------------------------------------------------
# draws and effects
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class LeverDraws:
    """Draws of every lever's parameters (arrays of length n), shocks and combination bounds."""

    params: Mapping[str, Mapping[str, np.ndarray]]
    shocks: Mapping[str, np.ndarray]
    max_feasible: Mapping[str, np.ndarray]
    utilisation: np.ndarray
    n: int
    overflow: Mapping[str, np.ndarray] = field(default_factory=dict)


def draw_levers(levers: LeverSet, n: int, seed: int,
                fixed: Mapping[tuple[str, str], float] | None = None) -> LeverDraws:
    """Draw all lever parameters for ``n`` Monte Carlo draws.

    Each parameter has its own stream (:func:`child_rng`), so scenarios run
    with the same seed share the draws (common random numbers).

    Parameters
    ----------
    fixed : mapping (lever, parameter) -> value, optional
        Parameters held at a value instead of drawn (sensitivity analysis,
        tornado charts). ``("shock:free_thpt", "effect")``,
        ``("combination", indicator)`` and ``("capacity", "utilisation")``
        address the other priors.
    """
    fixed = dict(fixed or {})

    def get(key, name, prior):
        if (key, name) in fixed:
            return np.full(n, float(fixed[(key, name)]))
        return prior.draw(n, child_rng(seed, f"lever:{key}:{name}"))

    params = {k: MappingProxyType({name: get(k, name, p) for name, p in lv.priors.items()})
              for k, lv in levers.levers.items()}
    shocks = {k: get(f"shock:{k}", "effect", sh["effect"]) for k, sh in levers.shocks.items()}
    mf = {ind: get("combination", ind, p) for ind, p in levers.max_feasible.items()}
    util = get("capacity", "utilisation", levers.utilisation)
    overflow = (levers.overflow.draw(n, child_rng(seed, "lever:quota:overflow"))
                if levers.overflow is not None else {})
    return LeverDraws(MappingProxyType(params), MappingProxyType(shocks), MappingProxyType(mf), util, n,
                      MappingProxyType(overflow))


def combine(effects: Sequence[np.ndarray], room: np.ndarray) -> np.ndarray:
    """Sub-additive combination of lever effects (fractions) within ``room`` (P7).

    Positive effects combine as ``M (1 - prod(1 - d_i / M))`` with
    ``M = max(room, 0)`` (each d_i first capped at M); negative effects add.
    With one lever and d <= M this returns d exactly.
    """
    if not effects:
        return np.zeros_like(room)
    m = np.maximum(room, 0.0)
    prod = np.ones(np.broadcast_shapes(*(e.shape for e in effects), m.shape))
    neg = np.zeros_like(prod)
    safe_m = np.where(m > 0, m, 1.0)
    for e in effects:
        pos = np.minimum(np.maximum(e, 0.0), m)
        prod = prod * (1.0 - pos / safe_m)
        neg = neg + np.minimum(e, 0.0)
    return np.where(m > 0, m * (1.0 - prod), 0.0) + neg


def _lagged(years: np.ndarray, lag: np.ndarray, setting_fn) -> np.ndarray:
    """The setting at (year - lag) for each draw's lag: shape (n, len(years))."""
    # lags are small integers: evaluate the setting on shifted years once per distinct lag
    out = np.empty((len(lag), len(years)))
    for L in np.unique(lag):
        rows = lag == L
        out[rows] = setting_fn(years - int(L))[None, :]
    return out


def lever_effects(levers: LeverSet, scenario: Scenario, draws: LeverDraws, indicator: str,
                  years: Sequence[int], baseline: np.ndarray, *, students_per_school: np.ndarray | None = None,
                  ) -> dict[str, np.ndarray]:
    """Separate effect of each active lever on one indicator (fractions; before combination).

    Parameters
    ----------
    baseline : ndarray (n, units, years)
        Baseline share s0 per draw, unit and year (fractions 0-1).
    students_per_school : ndarray (units,), optional
        For the counselling dose; default 250 x counsellors (dose factor 1).

    Returns
    -------
    dict lever -> ndarray (n, units, years)
    """
    years_arr = np.asarray(list(years), dtype=float)
    n, u, _ = baseline.shape
    out = {}
    for key in scenario.active_levers():
        lv = levers.levers[key]
        if lv.indicator != indicator:
            continue
        p = draws.params[key]
        if lv.mechanism == "counselling":
            sps = (np.full(u, ASCA_RATIO) if students_per_school is None
                   else np.asarray(students_per_school, dtype=float))                       # (u,)

            def cov(ys, key=key):
                return scenario.setting(levers, key, "coverage", ys)

            def cps_at(ys, key=key):
                return scenario.setting(levers, key, "counsellors_per_school", ys)

            # the whole dose acts `lag` years later: coverage and teachers per school of year t - lag
            lagged_cov = _lagged(years_arr, p["lag_years"], cov)                  # (n, y)
            lagged_cps = _lagged(years_arr, p["lag_years"], cps_at)               # (n, y)
            intensity = np.minimum(1.0, lagged_cps[:, None, :] * ASCA_RATIO / sps[None, :, None])  # (n, u, y)
            c = np.clip(lagged_cov[:, None, :] * intensity, 0.0, 1.0)                        # (n, u, y)
            dose = c ** p["dose_exponent"][:, None, None]
            eff = (p["effect_full"] * p["fidelity"])[:, None, None] * dose
        elif lv.mechanism == "price":
            support = scenario.setting(levers, key, "support_vnd", years_arr)
            coverage = scenario.setting(levers, key, "coverage", years_arr)
            total = lv.cost["total_cost_vnd"][0]
            rel = np.clip(support / total, 0.0, 1.0) * coverage                              # (y,)
            eff = p["elasticity"][:, None, None] * rel[None, None, :] * baseline
        else:  # information
            inten = scenario.setting(levers, key, "intensity", years_arr)
            decay = 0.5 ** (1.0 / max(lv.half_life_years, 1e-9))
            eff_int = np.zeros_like(inten)
            carry = 0.0
            # intensity is defined on consecutive years; years before the first are the default (0)
            for i, x in enumerate(inten):
                carry = max(x, carry * decay) if i else x
                eff_int[i] = min(1.0, carry)
            eff = p["effect"][:, None, None] * eff_int[None, None, :] * np.ones((1, u, 1))
        out[key] = np.broadcast_to(eff, baseline.shape).astype(float)
    return out
