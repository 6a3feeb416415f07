"""Lever types: one class per kind of lever, a registry from the lever file's kind to the class, and the schedule.

Every lever of a lever file is an object of its type. The type owns

* its **fields** (the priors, settings and cost parameters it needs, read
  from its row of the lever file: :meth:`LeverType.from_spec`),
* its **check** of a scenario's settings (:meth:`LeverType.check`),
* its **effect** over years and draws, in one of three places of the run:
  a change of a steered share (:meth:`LeverType.effect`), a move of
  students between destinations before the flows (:meth:`LeverType.reshape`)
  or a limit of the flows (:meth:`LeverType.limits`),
* its **cost** (:meth:`LeverType.cost`, VND),
* what later stages ask of it instead of its type: its lag (:meth:`LeverType.lag_range`), the caveats a verdict on
  its indicator carries (:meth:`LeverType.caveats`) and the settings it has (:meth:`LeverType.has_settings`).

Baseline shocks (the lever file's ``shocks:``, e.g. free public THPT) are not lever types: no scenario sets them,
they are part of the business as usual every scenario shares, they have one form (an effect on a steered share from
a start year) and :mod:`simlib.scenarios.baseline` adds them without switching on any type.

:data:`LEVER_TYPES` maps a kind (the ``mechanism`` of a row of ``levers:``,
or the section ``quota``, ``tracks``, ``capacity`` of the lever file) to its
class; :func:`register` adds one. A scenario is resolved once against a
lever set (:meth:`simlib.scenarios.levers.Scenario.resolve`) into a
:class:`Schedule`: the levers it sets, each with its settings, checked. The
engine asks the schedule for effects, moves, limits and costs and never
names a lever type.

Adding a lever type is one class (a subclass of :class:`ShareLever` for a
lever that moves a steered share) registered under its kind, plus its row
in the lever file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from simlib.inputs.levers import LeverError, lever_error
from simlib.inputs.messages import message
from simlib.scenarios.priors import Prior, Setting, child_rng, prior_from_spec, setting_from_spec, value_from_spec

__all__ = ["LeverType", "ShareLever", "LEVER_TYPES", "register", "lever_type", "Schedule", "FlowLimits",
           "setting_by_year"]

#: kind -> lever class (see :func:`register`).
LEVER_TYPES: dict[str, type[LeverType]] = {}


def register(cls: type[LeverType]) -> type[LeverType]:
    """Class decorator: make ``cls`` the type of the lever file's rows of kind ``cls.kind``."""
    if not cls.kind:
        raise TypeError(f"{cls.__name__}: a lever type needs a kind")
    LEVER_TYPES[cls.kind] = cls
    return cls


def lever_type(kind: Any, where: str, section: str = "levers") -> type[LeverType]:
    """The class of a kind, or a :class:`LeverError` naming the kinds known for that section."""
    cls = LEVER_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None or cls.section != section:
        known = [k for k, c in LEVER_TYPES.items() if c.section == section]
        raise lever_error("lev_mechanism", where=where, known=", ".join(known), v=repr(kind))
    return cls


def setting_by_year(value: Any, years: Iterable[int], default: float) -> np.ndarray:
    """A setting in each year: a number every year; ``{year: number}`` interpolated, ``default`` before its first."""
    years = np.asarray(list(years), dtype=float)
    if value is None:
        return np.full(len(years), default)
    if not isinstance(value, Mapping):
        return np.full(len(years), float(value))
    ys = np.asarray(list(value.keys()), dtype=float)
    out = np.interp(years, ys, np.asarray(list(value.values()), dtype=float))
    out[years < ys[0]] = default
    return out


def _check_range(value: Any, st: Setting, what: str, where: str) -> None:
    for x in (value.values() if isinstance(value, Mapping) else [value]):
        if not st.min <= x <= st.max:
            raise LeverError(message("scen_out_of_range", "en", where=where, what=what, x=f"{x:g}", lo=f"{st.min:g}",
                                     hi=f"{st.max:g}", unit=st.unit),
                             vi=message("scen_out_of_range", "vi", where=where, what=what, x=f"{x:g}",
                                        lo=f"{st.min:g}", hi=f"{st.max:g}", unit=st.unit_vi or st.unit))


class LeverType:
    """A lever of the lever file (base class; every hook is a no-op unless the type defines it).

    Class attributes
    ----------------
    kind : str
        The lever file's name for the type (``mechanism`` of a ``levers:``
        row, or a section name).
    section : str
        Where a scenario sets it: ``levers`` (by lever key), ``quota``,
        ``tracks`` (by track) or ``capacity``.
    """

    kind: ClassVar[str] = ""
    section: ClassVar[str] = "levers"
    key: str
    #: The steered indicator whose share the lever moves (None: the lever acts on the flows).
    indicator: str | None

    def draw(self, n: int, seed: int, fixed: Mapping[tuple[str, str], float]) -> Mapping[str, np.ndarray]:
        """Draws of the lever's priors (name -> array of length ``n``); ``fixed`` holds some at a value."""
        return MappingProxyType({})

    def check(self, values: Any, where: str) -> None:
        """Refuse scenario settings the lever does not have or values outside their plausible range."""

    def first_year(self, values: Any, years: Sequence[int]) -> int | None:
        """The first year the scenario's settings ask the lever to act in (None: never)."""
        return None

    def effect(self, values: Any, params: Mapping[str, np.ndarray], base: Any) -> np.ndarray | None:
        """Separate effect on the steered share of :attr:`indicator` (fractions, (n, units, years)), or None."""
        return None

    def reshape(self, values: Any, base: Any, shares: dict) -> tuple[dict, np.ndarray | None]:
        """Move students between the destinations of THCS graduates before the flows; the cells changed."""
        return shares, None

    def limits(self, values: Any, params: Mapping[str, np.ndarray], base: Any, limits: FlowLimits) -> None:
        """Add the flow limits (seat caps, share caps, where displaced students go) the settings ask for."""

    def cost(self, values: Any, base: Any, seats: Mapping[str, np.ndarray]) -> np.ndarray | None:
        """Cost in VND per draw, unit and year ((n, units, years)), or None (no cost of its own)."""
        return None

    def prior_rows(self) -> list[tuple[str, str, str, str, str]]:
        """(lever, parameter, distribution, status, source) of every prior and cost parameter."""
        return []

    def lag_range(self) -> tuple[float, float] | None:
        """Fewest and most school years between a setting and its effect (None: the lever acts the same year)."""
        return None

    def has_settings(self, *names: str) -> bool:
        """Whether a scenario can set each of ``names`` on this lever (e.g. ``"coverage"``)."""
        return all(n in getattr(self, "settings", {}) for n in names)

    def caveats(self, base: Any) -> list[tuple[str, dict]]:
        """Notes a verdict on :attr:`indicator` carries because of this lever (e.g. an assumed dose).

        Language-free: ``(code, arguments)`` pairs; the words of a code are the
        glossary's ``note.<code>`` row (``data/glossary.csv``), put into the
        report's language by :mod:`simlib.present.notes`.
        """
        return []


@dataclass(frozen=True)
class ShareLever(LeverType):
    """A lever that moves a steered share: effect = f(settings, prior draws), combined with the others.

    Parameters
    ----------
    key : str
    mechanism : str
        Its kind.
    indicator : str
        The steered indicator it acts on.
    name_en, name_vi, description : str
    settings : mapping name -> Setting
    priors : mapping name -> Prior
    cost : mapping name -> (value, status, source)
    half_life_years : float
    """

    #: Priors, settings and cost parameters a row of this kind must give.
    PRIORS: ClassVar[tuple[str, ...]] = ()
    SETTINGS: ClassVar[tuple[str, ...]] = ()
    COST: ClassVar[tuple[str, ...]] = ()

    key: str
    mechanism: str
    indicator: str
    name_en: str
    name_vi: str
    description: str
    settings: Mapping[str, Setting]
    priors: Mapping[str, Prior]
    cost_params: Mapping[str, tuple[float, str, str]]
    half_life_years: float = 1.0

    @property
    def illustrative_cost(self) -> bool:
        """True if any cost parameter is a placeholder."""
        return any(status == "illustrative" for _, status, _ in self.cost_params.values())

    @classmethod
    def from_spec(cls, key: str, spec: Mapping, where: str) -> ShareLever:
        """The lever of a ``levers:`` row: its priors, settings and costs, each checked, the needed ones present."""
        mech = spec.get("mechanism")
        priors = {name: prior_from_spec(p, f"{where}.priors.{name}") for name, p in (spec.get("priors") or {}).items()}
        for name in cls.PRIORS:
            if name not in priors:
                raise lever_error("lev_needs", where=where, mech=mech, what_en="a prior", what_vi="phân phối tiên nghiệm", name=name)
        settings = {name: setting_from_spec(name, s, f"{where}.settings.{name}")
                    for name, s in (spec.get("settings") or {}).items()}
        for name in cls.SETTINGS:
            if name not in settings:
                raise lever_error("lev_needs", where=where, mech=mech, what_en="a setting", what_vi="thiết lập", name=name)
        cost = {name: value_from_spec(c, f"{where}.cost.{name}") for name, c in (spec.get("cost") or {}).items()}
        for name in cls.COST:
            if name not in cost:
                raise lever_error("lev_needs", where=where, mech=mech, what_en="a cost parameter", what_vi="tham số chi phí",
                                  name=name)
        if not spec.get("indicator"):
            raise lever_error("lev_indicator", where=where)
        return cls(key, str(mech), str(spec["indicator"]), str(spec.get("name_en", key)),
                   str(spec.get("name_vi", key)), " ".join(str(spec.get("description", "")).split()),
                   MappingProxyType(settings), MappingProxyType(priors), MappingProxyType(cost),
                   float(spec.get("half_life_years", 1.0)))

    def draw(self, n: int, seed: int, fixed: Mapping[tuple[str, str], float]) -> Mapping[str, np.ndarray]:
        def get(name, prior):
            if (self.key, name) in fixed:
                return np.full(n, float(fixed[(self.key, name)]))
            return prior.draw(n, child_rng(seed, f"lever:{self.key}:{name}"))
        return MappingProxyType({name: get(name, p) for name, p in self.priors.items()})

    def check(self, values: Mapping[str, Any], where: str) -> None:
        for name, v in values.items():
            if name not in self.settings:
                raise lever_error("scen_unknown_setting", where=where, lever=self.key, name=name,
                                  known=", ".join(self.settings))
            _check_range(v, self.settings[name], f"{self.key}.{name}", where)

    def setting(self, values: Mapping[str, Any], name: str, years: Iterable[int]) -> np.ndarray:
        """A setting's value in each year (its default where the scenario does not set it, or before its first year)."""
        st = self.settings[name]
        v = values.get(name, st.default)
        return setting_by_year(v, years, st.default)

    def first_year(self, values: Any, years: Sequence[int]) -> int | None:
        starts = [min(int(y) for y in v) for v in values.values() if isinstance(v, Mapping)]
        # a lever set by numbers only acts in every year; one with a {year: value} setting from its first year
        return min(starts) if starts else int(years[0])

    def lag_range(self) -> tuple[float, float] | None:
        """The range of the ``lag_years`` prior, for a type whose row gives one (school years)."""
        lag = self.priors.get("lag_years")
        return None if lag is None else (lag.quantile(0.0), lag.quantile(1.0))

    def prior_rows(self) -> list[tuple[str, str, str, str, str]]:
        rows = [(self.key, name, p.describe(), p.status, p.source) for name, p in self.priors.items()]
        rows += [(self.key, f"cost.{name}", f"fixed({v:g})", status, src)
                 for name, (v, status, src) in self.cost_params.items()]
        return rows


@dataclass
class FlowLimits:
    """What the flows may not exceed, as the schedule's levers set it.

    Attributes
    ----------
    seats : dict origin -> track -> ndarray (n, units, years)
        Intake caps in students (``inf`` where none).
    share_caps : dict track -> ndarray
        Caps on THCS destinations as a share of THCS graduates (1 where none).
    reroute : "proportional" or dict
        Where students above a share cap go (:class:`simlib.models.flows.Capacity`).
    """

    seats: dict[str, dict[str, np.ndarray]] = field(default_factory=lambda: {"thcs": {}, "thpt": {}})
    share_caps: dict[str, np.ndarray] = field(default_factory=dict)
    reroute: Any = "proportional"
    where: str = ""

    @property
    def any(self) -> bool:
        return bool(self.seats["thcs"] or self.seats["thpt"] or self.share_caps)


@dataclass(frozen=True)
class Schedule:
    """A scenario resolved against a lever set: each lever it sets, with its (checked) settings.

    Built by :meth:`simlib.scenarios.levers.Scenario.resolve`. ``entries``
    are (lever, settings) pairs in the order the run applies them: the
    scenario's ``levers:`` in its order, then quota, new tracks (in the
    lever file's order) and capacity.
    """

    scenario: Any
    years: tuple[int, ...]
    entries: tuple[tuple[LeverType, Any], ...]

    @property
    def name(self) -> str:
        return self.scenario.name

    def effects(self, base: Any) -> dict[str, dict[str, np.ndarray]]:
        """Each lever's separate effect on its steered indicator: indicator -> lever -> (n, units, years)."""
        out: dict[str, dict[str, np.ndarray]] = {ind: {} for ind in base.shares}
        for lever, values in self.entries:
            if lever.indicator not in out:
                continue
            eff = lever.effect(values, base.draws.params.get(lever.key, {}), base)
            if eff is not None:
                s0 = base.shares[lever.indicator]
                out[lever.indicator][lever.key] = np.broadcast_to(eff, s0.shape).astype(float)
        return out

    def reshape(self, base: Any, shares: dict) -> tuple[dict, np.ndarray]:
        """THCS destination shares after the levers that move students between destinations; the cells moved."""
        n, u, y = base.n, len(base.units), len(base.years)
        moved = np.zeros((n, u, y), dtype=bool)
        for lever, values in self.entries:
            shares, changed = lever.reshape(values, base, shares)
            if changed is not None:
                moved |= changed
        return shares, moved

    def limits(self, base: Any) -> FlowLimits:
        """The flow limits every lever of the schedule adds."""
        lim = FlowLimits(where=self.scenario.name)
        for lever, values in self.entries:
            lever.limits(values, base.draws.params.get(lever.key, {}), base, lim)
        return lim

    def costs(self, base: Any, seats: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Cost per lever (VND per draw, unit and year) of the levers acting on a simulated indicator."""
        out = {}
        for lever, values in self.entries:
            if lever.indicator is None or lever.indicator not in base.shares:
                continue
            c = lever.cost(values, base, seats)
            if c is not None:
                out[lever.key] = c
        return out

    def first_years(self) -> list[int]:
        """First year each lever is asked to act in."""
        return [y for y in (lv.first_year(v, self.years) for lv, v in self.entries) if y is not None]
