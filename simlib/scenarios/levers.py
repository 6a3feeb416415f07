"""Policy levers and scenarios: definitions kept as data, effects computed per draw.

The files are read by :mod:`simlib.inputs.levers` (the only module that
opens them); this module builds the objects. Two kinds of file, both YAML:

* ``data/levers.yaml``: each lever's mechanism, the settings a scenario may
  change (with their plausible range), the priors of its effect (each with
  its source and a status: ``evidence``, ``judgement`` or ``illustrative``)
  and its cost parameters; the baseline shock of free public THPT (miễn học
  phí THPT công lập) from 2025-26; capacity utilisation; the rule that
  combines levers; the spread of districts without evidence of their own.
* ``data/scenarios/*.yaml``: a named scenario, i.e. lever settings by year.
  A planner copies one, edits it and passes its path.

Each lever is an object of its type (:mod:`simlib.scenarios.lever_types`:
:class:`~simlib.scenarios.counselling.Counselling`,
:class:`~simlib.scenarios.price.PriceSupport`,
:class:`~simlib.scenarios.information.Information`,
:class:`~simlib.scenarios.quota.Quota`, :class:`~simlib.scenarios.new_tracks.NewTrack`,
:class:`~simlib.scenarios.capacity.SeatCaps`), found by its kind in
:data:`~simlib.scenarios.lever_types.LEVER_TYPES`; a scenario is resolved
once against a :class:`LeverSet` into a :class:`~simlib.scenarios.lever_types.Schedule`
(:meth:`Scenario.resolve`).

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from simlib.inputs.levers import (
    LeverDoc,
    LeverError,
    ScenarioDoc,
    lever_error,
    lever_file,
    list_scenario_files,
    read_lever_file,
    read_scenario_file,
)
# the lever types register themselves under their kind, in this order (the order error messages list them)
from simlib.scenarios import counselling as _counselling  # noqa: F401, I001
from simlib.scenarios import price as _price  # noqa: F401, I001
from simlib.scenarios import information as _information  # noqa: F401, I001
from simlib.scenarios import quota as _quota  # noqa: F401, I001
from simlib.scenarios import new_tracks as _new_tracks  # noqa: F401, I001
from simlib.scenarios import capacity as _capacity  # noqa: F401, I001
from simlib.scenarios.counselling import ASCA_RATIO
from simlib.scenarios.lever_types import LEVER_TYPES, LeverType, Schedule, ShareLever, lever_type, setting_by_year
from simlib.scenarios.priors import (
    STATUSES,
    Prior,
    Setting,
    child_rng,
    prior_from_spec,
    value_from_spec,
)
from simlib.scenarios.quota import OVERFLOW_DESTINATIONS, Overflow, Quota, check_split
from simlib.scenarios.new_tracks import NewTrack

__all__ = [
    "LeverError", "Prior", "Setting", "Lever", "LeverSet", "Scenario", "LeverDraws", "Overflow",
    "load_levers", "build_levers", "load_scenario", "scenario_from_doc", "list_scenarios", "draw_levers",
    "combine", "MECHANISMS", "STATUSES", "child_rng", "check_split", "OVERFLOW_DESTINATIONS", "ASCA_RATIO",
]

#: A lever of the ``levers:`` section (counselling, price, information, or a type registered later).
Lever = ShareLever
#: Kinds a row of ``levers:`` may name (its ``mechanism``).
MECHANISMS = tuple(k for k, c in LEVER_TYPES.items() if c.section == "levers")


# --------------------------------------------------------------------------
# the lever set
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class LeverSet:
    """Everything in a lever file, as lever objects.

    Attributes
    ----------
    levers : mapping key -> ShareLever
        The ``levers:`` rows (levers that move a steered share).
    flow_levers : mapping key -> LeverType
        The quota (``quota``), each new track (by track) and the capacity
        caps (``capacity``): levers that act on the flows.
    shocks, max_feasible, district_spread_logit, utilisation, quota, tracks, track_sources, overflow
        The baseline shocks, the combination bound, the between-unit spread,
        and views of the flow levers' fields (capacity utilisation prior,
        quota and track settings, the sources of each track, the default
        overflow split).
    """

    levers: Mapping[str, ShareLever]
    shocks: Mapping[str, Mapping[str, Any]]
    utilisation: Prior
    max_feasible: Mapping[str, Prior]
    district_spread_logit: float
    path: Path
    quota: Mapping[str, Setting] = field(default_factory=dict)
    tracks: Mapping[str, Setting] = field(default_factory=dict)
    track_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    overflow: Overflow | None = None
    flow_levers: Mapping[str, LeverType] = field(default_factory=dict)

    def for_indicator(self, indicator: str) -> list[ShareLever]:
        return [lv for lv in self.levers.values() if lv.indicator == indicator]

    def all_levers(self) -> list[LeverType]:
        """Every lever object: the ``levers:`` rows, then the flow levers."""
        return list(self.levers.values()) + list(self.flow_levers.values())

    def priors_frame(self):
        """All priors as a table (lever, parameter, distribution, status, source)."""
        import pandas as pd
        rows = [r for lv in self.levers.values() for r in lv.prior_rows()]
        for key, sh in self.shocks.items():
            p = sh["effect"]
            rows.append((f"shock:{key}", "effect", p.describe(), p.status, p.source))
        cap = self.flow_levers.get("capacity")
        rows += cap.prior_rows() if cap is not None else []
        for ind, p in self.max_feasible.items():
            rows.append(("combination", f"max_feasible_share[{ind}]", p.describe(), p.status, p.source))
        for key, lv in self.flow_levers.items():
            if key != "capacity":
                rows += lv.prior_rows()
        return pd.DataFrame(rows, columns=["lever", "parameter", "distribution", "status", "source"])


def build_levers(doc: LeverDoc) -> LeverSet:
    """Lever objects from a lever file as read (:func:`simlib.inputs.levers.read_lever_file`).

    Each row is checked by its type: a missing prior, setting or cost, an
    unknown distribution or status, a prior without a source.
    """
    name = doc.name
    levers = {}
    for key, spec in doc.levers.items():
        where = f"{name}: levers.{key}"
        if not isinstance(spec, Mapping):
            raise lever_error("lev_mapping", where=where)
        levers[key] = lever_type(spec.get("mechanism"), where).from_spec(key, spec, where)
    shocks = {}
    for key, spec in doc.shocks.items():
        where = f"{name}: shocks.{key}"
        try:
            shocks[key] = MappingProxyType({
                "indicator": str(spec["indicator"]), "start_year": int(spec["start_year"]),
                "effect": prior_from_spec(spec["effect"], f"{where}.effect"),
                "name_en": str(spec.get("name_en", key)), "name_vi": str(spec.get("name_vi", key))})
        except (KeyError, TypeError, ValueError):
            raise lever_error("lev_shock", where=where) from None
    capacity = lever_type("capacity", f"{name}: capacity", "capacity").from_spec("capacity", doc.capacity,
                                                                                f"{name}: capacity")
    comb = doc.combination.get("max_feasible_share") or {}
    max_feasible = {ind: prior_from_spec(p, f"{name}: combination.max_feasible_share.{ind}")
                    for ind, p in comb.items()}
    for lv in levers.values():
        if lv.indicator not in max_feasible:
            raise lever_error("lev_max_feasible", where=name, ind=lv.indicator, lever=lv.key)
    spread, _, _ = value_from_spec(doc.districts.get("spread_logit"), f"{name}: districts.spread_logit")
    quota: Quota = lever_type("quota", f"{name}: quota", "quota").from_spec("quota", doc.quota, f"{name}: quota")
    tracks: dict[str, NewTrack] = {}
    for key, spec in doc.tracks.items():
        where = f"{name}: tracks.{key}"
        kind = (spec or {}).get("kind", "new_track") if isinstance(spec, Mapping) else "new_track"
        tracks[key] = lever_type(kind, where, "tracks").from_spec(key, spec, where)
    flow = {"quota": quota, **tracks, "capacity": capacity}
    clash = [k for k in flow if k in levers]
    if clash:
        raise lever_error("lev_name_taken", where=name, key=clash[0])
    return LeverSet(MappingProxyType(levers), MappingProxyType(shocks), capacity.utilisation,
                    MappingProxyType(max_feasible), spread, doc.path, MappingProxyType(dict(quota.settings)),
                    MappingProxyType({k: t.setting for k, t in tracks.items()}),
                    MappingProxyType({k: t.taken_from for k, t in tracks.items()}), quota.overflow,
                    MappingProxyType(flow))


def load_levers(path: str | Path | None = None) -> LeverSet:
    """Read and check a lever file (default :func:`simlib.inputs.levers.lever_file`, ``data/levers.yaml``).

    Raises
    ------
    LeverError
        Naming the file and the entry, for a missing prior, setting or cost,
        an unknown distribution or status, or a prior without a source.
    """
    return build_levers(read_lever_file(path))


# --------------------------------------------------------------------------
# scenarios
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    """A named set of lever settings by year (and optional capacity caps, quota, new tracks).

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

    def _where(self) -> str:
        return self.path.name if self.path else self.name

    def _entries(self, levers: LeverSet) -> list[tuple[LeverType, Any]]:
        """The levers this scenario sets, each with its settings, in the order a run applies them."""
        where = self._where()
        out: list[tuple[LeverType, Any]] = []
        for key, sets in self.settings.items():
            if key not in levers.levers:
                raise lever_error("scen_unknown_lever", where=where, name=key, known=", ".join(levers.levers))
            out.append((levers.levers[key], sets))
        if self.quota:
            out.append((levers.flow_levers["quota"], self.quota))
        for key in self.tracks:
            lv = levers.flow_levers.get(key)
            if key == "quota" or key == "capacity" or lv is None:
                raise lever_error("scen_unknown_track", where=where, name=key, file=levers.path.name,
                                  known=", ".join(levers.tracks) or "-")
        out += [(lv, self.tracks[k]) for k, lv in levers.flow_levers.items() if k in self.tracks]
        if self.capacity:
            out.append((levers.flow_levers["capacity"], self.capacity))
        return out

    def check(self, levers: LeverSet) -> None:
        """Check every setting against its lever (names, plausible ranges); done once per lever set."""
        self._checked(levers)

    def _checked(self, levers: LeverSet) -> list[tuple[LeverType, Any]]:
        memo = self.__dict__.setdefault("_checked_against", {})
        hit = memo.get(id(levers))
        if hit is not None and hit[0] is levers:
            return hit[1]
        entries = self._entries(levers)
        where = self._where()
        for lever, values in entries:
            lever.check(values, where)
        memo[id(levers)] = (levers, entries)
        return entries

    def check_extra(self, levers: LeverSet) -> None:
        """Kept for callers of the former two-step check: :meth:`check` covers quota and tracks."""
        self.check(levers)

    def resolve(self, levers: LeverSet, years: Sequence[int]) -> Schedule:
        """The scenario against a lever set and years: the levers it sets with their settings, checked once."""
        memo = self.__dict__.setdefault("_schedules", {})
        ys = tuple(int(y) for y in years)
        hit = memo.get((id(levers), ys))
        if hit is not None and hit[0] is levers:
            return hit[1]
        sched = Schedule(self, ys, tuple(self._checked(levers)))
        memo[(id(levers), ys)] = (levers, sched)
        return sched

    def by_year(self, section: str, key: str, years: Iterable[int], default: float) -> np.ndarray:
        """A quota or track setting in each year (``default`` before its first year or when not set)."""
        return setting_by_year(getattr(self, section).get(key), years, default)

    def setting(self, levers: LeverSet, lever: str, name: str, years: Iterable[int]) -> np.ndarray:
        """The setting's value in each year (float array)."""
        return levers.levers[lever].setting(self.settings.get(lever, {}), name, years)

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


def scenario_from_doc(doc: ScenarioDoc) -> Scenario:
    """A scenario from its file as read (:func:`simlib.inputs.levers.read_scenario_file`); the overflow split checked."""
    quota = dict(doc.quota)
    if "overflow" in quota:
        quota["overflow"] = MappingProxyType(check_split(quota["overflow"], f"{doc.path.name}: quota.overflow"))
    return Scenario(doc.name, doc.title_en, doc.title_vi, doc.description, doc.levers, doc.capacity, doc.path,
                    MappingProxyType(quota), doc.tracks)


def list_scenarios(directory: str | Path | None = None) -> list[str]:
    """Names of the scenario files in ``data/scenarios`` (baseline first)."""
    return list_scenario_files(directory)


def load_scenario(name_or_path: str | Path, levers: LeverSet | None = None,
                  directory: str | Path | None = None) -> Scenario:
    """Read a scenario by name (``data/scenarios/NAME.yaml``) or by path; check it against the levers.

    Without ``levers`` the default lever file is used (:func:`simlib.inputs.levers.lever_file`,
    the rule a run uses too); a run checks the scenario again, once, against
    the lever set it runs with (:meth:`Scenario.resolve`).
    """
    sc = scenario_from_doc(read_scenario_file(name_or_path, directory))
    sc.check(levers if levers is not None else load_levers(lever_file()))
    return sc


# --------------------------------------------------------------------------
# draws and the combination rule
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class LeverDraws:
    """Draws of every lever's parameters (arrays of length n), shocks and combination bounds.

    ``params[key]`` holds each lever's draws by parameter (the quota's by
    overflow destination, the capacity's ``utilisation``); ``utilisation``
    and ``overflow`` are those two views.
    """

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

    params = {lv.key: lv.draw(n, seed, fixed) for lv in levers.all_levers()}
    shocks = {k: get(f"shock:{k}", "effect", sh["effect"]) for k, sh in levers.shocks.items()}
    mf = {ind: get("combination", ind, p) for ind, p in levers.max_feasible.items()}
    util = params["capacity"]["utilisation"] if "capacity" in params else get("capacity", "utilisation",
                                                                              levers.utilisation)
    overflow = dict(params.get("quota", {}))
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
