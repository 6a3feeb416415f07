"""The indicator registry: the only place that says what an indicator means.

Everything simlib knows about an indicator is a row of ``data/indicators.csv``
(validated by :mod:`simlib.inputs.validation`): what it counts
(``destinations``), of whom (``origin``: THCS graduates, THPT graduates, or
both pooled), its unit, its names and short labels in Vietnamese and English,
whether it is a headline indicator, and how the scenario engine treats it:

``steered``
    The one indicator per origin that the engine draws from a trend fitted to
    the evidence and that levers move (today: THCS -> GDNN sơ cấp/trung cấp
    and THPT -> cao đẳng). The other destinations of that origin are scaled to
    fill the rest of the cohort.
``derived``
    Computed from the flow engine's output (intake into its destinations over
    the origin's graduates), e.g. the Decision 1705 transition rate or the
    Decision 2239 pooled VET share. It has no trend of its own; its
    uncertainty comes from the steered indicators and the flow inputs.
(empty)
    Not simulated (school shares, counts, indicators whose destinations are
    not flow tracks): targets on them are audited but get no P(met).

Adding an indicator is one row of data; no engine code names a rate indicator.

Examples
--------
>>> from simlib.inputs.bundle import load_bundle
>>> reg = registry(load_bundle().indicators)
>>> reg["thcs_to_gdnn_sc_tc"].destinations
('so_cap', 'trung_cap')
>>> [i.id for i in reg.steered()]
['thcs_to_gdnn_sc_tc', 'thpt_to_cao_dang']
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

from simlib.errors import InputError

__all__ = ["Indicator", "Registry", "IndicatorError", "registry", "ORIGINS"]

#: Origins of a flow indicator: the graduates it is a share of.
ORIGINS = ("thcs", "thpt", "thcs+thpt")


class IndicatorError(InputError):
    """An indicator id is unknown, or an indicator cannot be used as asked."""


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip()


@dataclass(frozen=True)
class Indicator:
    """One row of the registry.

    Attributes
    ----------
    id : str
        ``indicator_id``.
    kind : {"rate", "school_share", "count"}
    unit : str
        Unit of the bundled figures (``percent`` for rates; a count unit).
    name_vi, name_en : str
        Official-style names (Vietnamese as the plans write it).
    short_vi, short_en : str
        Short labels for charts and tables (fall back to the id).
    origin : str
        ``thcs``, ``thpt``, ``thcs+thpt`` (pooled denominator) or ``""``.
    destinations : tuple of str
        Flow tracks counted in the numerator.
    role : str
        ``steered``, ``derived`` or ``""`` (not simulated).
    headline : bool
        Shown first in reports unless a case says otherwise.
    weight_indicator : str
        Count indicator that weights units when aggregating (e.g. ``thcs_graduates``).
    schools_indicator : str
        Count of schools whose teachers a counselling lever pays (``thcs_schools``).
    """

    id: str
    kind: str
    unit: str
    name_vi: str
    name_en: str
    short_vi: str
    short_en: str
    origin: str
    destinations: tuple[str, ...]
    role: str
    headline: bool
    weight_indicator: str
    schools_indicator: str

    @property
    def origins(self) -> tuple[str, ...]:
        """The origins whose graduates form the denominator (``("thcs", "thpt")`` when pooled)."""
        return tuple(o for o in self.origin.split("+") if o)

    @property
    def simulated(self) -> bool:
        """True if the scenario engine gives draws of this indicator."""
        return self.role in ("steered", "derived")

    def name(self, lang: str) -> str:
        """Full name in ``lang`` (``vi`` or ``en``)."""
        return self.name_vi if lang == "vi" else self.name_en

    def short(self, lang: str) -> str:
        """Short label in ``lang`` (``vi`` or ``en``)."""
        s = self.short_vi if lang == "vi" else self.short_en
        return s or self.id


@dataclass(frozen=True)
class Registry(Mapping[str, Indicator]):
    """All indicators, by id (a read-only mapping)."""

    items_: Mapping[str, Indicator]

    def __getitem__(self, key: str) -> Indicator:
        try:
            return self.items_[key]
        except KeyError:
            raise IndicatorError(f"unknown indicator {key!r}; known indicators are listed in data/indicators.csv "
                                 f"({', '.join(self.items_)})") from None

    def get(self, key: str, default: Indicator | None = None) -> Indicator | None:  # type: ignore[override]
        return self.items_.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.items_

    def __iter__(self) -> Iterator[str]:
        return iter(self.items_)

    def __len__(self) -> int:
        return len(self.items_)

    def steered(self) -> list[Indicator]:
        """The steered indicators, one per origin at most, in file order."""
        return [i for i in self.items_.values() if i.role == "steered"]

    def steered_for(self, origin: str) -> Indicator | None:
        """The steered indicator of ``origin`` (``thcs`` or ``thpt``), or None."""
        hits = [i for i in self.steered() if i.origin == origin]
        return hits[0] if hits else None

    def simulated(self) -> list[Indicator]:
        """Steered and derived indicators, in file order."""
        return [i for i in self.items_.values() if i.simulated]

    def headline(self) -> list[Indicator]:
        """Headline indicators, in file order."""
        return [i for i in self.items_.values() if i.headline]

    def label(self, key: str, lang: str, short: bool = True) -> str:
        """Label of an indicator id in ``lang``; the id itself if it is not in the registry."""
        ind = self.items_.get(key)
        if ind is None:
            return key
        return ind.short(lang) if short else ind.name(lang)


def registry(indicators: pd.DataFrame, *, tracks: Mapping[str, tuple[str, ...]] | None = None) -> Registry:
    """Build the registry from the validated ``indicators`` table.

    Parameters
    ----------
    indicators : DataFrame
        ``Bundle.indicators`` (``data/indicators.csv`` after validation).
    tracks : mapping origin -> tuple of str, optional
        The flow engine's destinations of each origin (``{"thcs": THCS_TRACKS,
        "thpt": THPT_TRACKS}``). When given, every simulated indicator's
        destinations are checked against them.

    Raises
    ------
    IndicatorError
        Two steered indicators for one origin, a simulated indicator without
        origin or destinations, or (with ``tracks``) a destination that is not
        a track of its origin.
    """
    out: dict[str, Indicator] = {}
    for r in indicators.to_dict("records"):
        ind = Indicator(
            id=_text(r.get("indicator_id")), kind=_text(r.get("kind")), unit=_text(r.get("unit")),
            name_vi=_text(r.get("name_vi")), name_en=_text(r.get("name_en")),
            short_vi=_text(r.get("short_vi")), short_en=_text(r.get("short_en")),
            origin=_text(r.get("origin")),
            destinations=tuple(d.strip() for d in _text(r.get("destinations")).split(";") if d.strip()),
            role=_text(r.get("role")), headline=bool(r.get("headline")) if r.get("headline") is not None
            and not (isinstance(r.get("headline"), float) and pd.isna(r.get("headline"))) else False,
            weight_indicator=_text(r.get("weight_indicator")), schools_indicator=_text(r.get("schools_indicator")),
        )
        where = f"data/indicators.csv, indicator {ind.id}"
        if ind.simulated:
            if ind.origin not in ORIGINS or not ind.destinations:
                raise IndicatorError(f"{where}: role '{ind.role}' needs an origin ({', '.join(ORIGINS)}) and "
                                     "destinations")
            if ind.role == "steered" and "+" in ind.origin:
                raise IndicatorError(f"{where}: a steered indicator has one origin (thcs or thpt), not "
                                     f"'{ind.origin}'")
            if tracks is not None:
                known = set().union(*(tracks.get(o, ()) for o in ind.origins))
                bad = [d for d in ind.destinations if d not in known]
                if bad:
                    raise IndicatorError(f"{where}: destination(s) {', '.join(bad)} are not flow tracks of "
                                         f"{ind.origin} (tracks: {', '.join(sorted(known))})")
        out[ind.id] = ind
    for origin in ("thcs", "thpt"):
        st = [i.id for i in out.values() if i.role == "steered" and i.origin == origin]
        if len(st) > 1:
            raise IndicatorError(f"data/indicators.csv: {origin} has {len(st)} steered indicators "
                                 f"({', '.join(st)}); one origin has one steered indicator")
    return Registry(MappingProxyType(out))
