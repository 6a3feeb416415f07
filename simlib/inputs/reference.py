"""What a file is checked against: the known geographies, indicators and plans (:class:`Reference`).

Also the "did you mean" suggestions (:func:`_suggest`) and :func:`guess_kind` (a table's kind from its file
name). Re-exported by :mod:`simlib.inputs.validation`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from simlib.inputs.textio import fold_key, strip_accents
from simlib.inputs.messages import _m
from simlib.inputs.schemas import SCHEMAS


# ----------------------------------------------------------------------------
# Reference
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """Known geographies, indicators and plans, used to check other tables.

    Build with :func:`simlib.inputs.bundle.load_reference` (optionally for a
    province: ``load_reference(province="vn.tay_ninh")`` adds that province's
    communes and wards, and bare names are looked up there first).

    Geography names resolve, in this order: a bundled geo_id; the official map
    (:mod:`simlib.inputs.places`: the 34 provinces and 3,321 communes and
    wards since 1/7/2025, and the pre-2025 provinces, districts and communes
    with their successors), within the province context; the bundled names
    and aliases. A name found in several provinces is refused with every
    candidate named, unless the province context settles it.
    """

    geographies: pd.DataFrame
    indicators: pd.DataFrame
    plans: pd.DataFrame | None = None
    province: str | None = None
    _geo_lookup: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _ind_lookup: dict[str, str] = field(default_factory=dict, repr=False)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, geographies: pd.DataFrame, indicators: pd.DataFrame, plans: pd.DataFrame | None = None,
              province: str | None = None) -> "Reference":
        """Index the tables; ``province`` (name or geo_id) adds its current units and sets the name context."""
        if province is not None:
            from simlib.inputs import places

            new, old = places._context(province)  # a former province ("Long An", for data before 1/7/2025) too
            p = places.province(new)
            province = old or p.geo_id
            u = places.units(new)
            extra = pd.DataFrame({"geo_id": u["geo_id"], "name_vi": u["name_vi"], "name_en": u["name_vi"],
                                  "level": u["kind"], "parent": u["parent"], "aliases": None, "notes": None,
                                  "code": u["code"]})
            extra = extra[~extra["geo_id"].isin(set(geographies["geo_id"]))]
            if p.geo_id not in set(geographies["geo_id"]):
                extra = pd.concat([pd.DataFrame([{"geo_id": p.geo_id, "name_vi": p.name_vi, "name_en": p.name_vi,
                                                  "level": "province", "parent": "vn", "code": p.code}]), extra])
            geographies = pd.concat([geographies, extra], ignore_index=True)
        lookup: dict[str, set[str]] = {}
        cols = geographies.columns
        for gid, nvi, nen, al in zip(geographies["geo_id"], geographies["name_vi"], geographies["name_en"],
                                     geographies["aliases"] if "aliases" in cols else [None] * len(geographies)):
            names = [gid, nvi, nen]
            if isinstance(al, str):
                names += [a for a in al.split(";") if a.strip()]
            for n in names:
                if isinstance(n, str):
                    lookup.setdefault(fold_key(n), set()).add(gid)
        ind: dict[str, str] = {}
        for iid, nvi, nen in zip(indicators["indicator_id"], indicators["name_vi"], indicators["name_en"]):
            for n in (iid, nvi, nen):
                if isinstance(n, str):
                    ind.setdefault(fold_key(n), iid)
        return cls(geographies, indicators, plans, province, lookup, ind, {})

    # -- geographies -----------------------------------------------------------------------------------------------

    def resolve_geography(self, name: str, *, year: int | None = None, province: str | None = None,
                          lang: str = "en") -> tuple[str | None, str | None]:
        """Return (geo_id, None) or (None, reason) for a geography as written (see :meth:`locate`)."""
        gid, why, _ = self.locate(name, year=year, province=province, lang=lang)
        return gid, why

    def locate(self, name: str, *, year: int | None = None, province: str | None = None,
               lang: str = "en"):
        """(geo_id or None, reason or None, place or None) for a geography as written.

        ``place`` is a :class:`simlib.inputs.places.Place` when the unit comes
        from the official map (its ``note`` says what a historical unit became).
        """
        ctx = province or self.province
        era = None if year is None else (year <= 2025)
        key = (fold_key(name), era, ctx, lang)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        out = self._locate(name, year, ctx, lang)
        self._cache[key] = out
        return out

    def _bundled(self, gid: str) -> pd.Series:
        return self.geographies.loc[self.geographies["geo_id"] == gid].iloc[0]

    def _bundled_province(self, gid: str) -> str | None:
        parents = self._cache.setdefault("_parents", dict(zip(self.geographies["geo_id"], self.geographies["parent"])))
        g = gid
        while isinstance(g, str) and g.count(".") > 1:
            g = parents.get(g)
        return g if isinstance(g, str) and g.count(".") == 1 else None

    def _locate(self, name: str, year, ctx, lang):
        from simlib.inputs import places

        k = fold_key(name)
        bundled = self._geo_lookup.get(k, set())
        if k in {fold_key(g) for g in bundled} and len(bundled) == 1 and name.strip().startswith("vn"):
            return next(iter(bundled)), None, None
        if len(bundled) == 1:
            gid = next(iter(bundled))
            if str(self._bundled(gid).get("level")) in ("country", "commune_group", "school"):
                return gid, None, None
        try:
            place = places.resolve(name, province=ctx, when=year)
        except places.PlaceError as exc:
            msg = str(exc)
            if "is ambiguous" in msg:  # the official map knows several units of this name: the bundle cannot choose
                return None, _geo_ambiguous(name, msg, lang), None
            if len(bundled) == 1:
                return next(iter(bundled)), None, None
            if len(bundled) > 1:
                return None, (f"'{name}' is ambiguous: it could be {', '.join(sorted(bundled))}; write the geo_id"), None
            if "is ambiguous" in msg:
                return None, _geo_ambiguous(name, msg, lang), None
            if msg.startswith("unknown province"):
                msg = msg.replace("unknown province", _m(lang, "unknown_province")).replace(
                    "the 34 provinces (closest first)", _m(lang, "the_34_provinces"))
                return None, msg, None
            return None, self._unknown_geo(name, msg, lang), None
        gid = place.geo_id
        if gid in set(self.geographies["geo_id"]):
            return gid, None, place if not place.current else None
        return gid, None, place

    def _unknown_geo(self, name: str, places_msg: str, lang: str) -> str:
        sugg = _suggest(name, self._geo_lookup.keys(), self._display_name, lang, cache=self._cache)
        tail = places_msg.split("did you mean", 1)
        if not sugg and len(tail) == 2:
            sugg = _m(lang, "did_you_mean_word") + tail[1]
        where = ""
        head = places_msg.split(";")[0]
        m = re.search(r"' (in .*)$", head)  # "unknown unit 'X' in Tỉnh Y": the name itself may hold "in "
        if m:
            where = " " + m.group(1)
        elsewhere = ""
        if "exists elsewhere" in places_msg:
            elsewhere = "; " + places_msg.split("; ", 1)[1].split("; did you mean")[0]
        if lang == "vi":
            where, elsewhere, sugg = (_vi_places(x) for x in (where, elsewhere, sugg))
        return (_m(lang, "unknown_geo", name=name, where=where, elsewhere=elsewhere, sugg=sugg)
                + ("" if sugg else _m(lang, "known_geos")))

    def _display_name(self, key: str) -> str:
        ids = self._geo_lookup[key]
        gid = sorted(ids)[0]
        row = self._bundled(gid)
        return f"{row['name_vi']} ({gid})"

    # -- indicators ------------------------------------------------------------------------------------------------

    def indicator(self, name: str, lang: str = "en") -> tuple[pd.Series | None, str | None]:
        """(indicator row, None) or (None, reason): by id, Vietnamese name or English name."""
        iid = self._ind_lookup.get(fold_key(name))
        if iid is not None:
            return self.indicators.loc[self.indicators["indicator_id"] == iid].iloc[0], None
        return None, self.unknown_indicator(name, lang)

    def indicator_id(self, name: str) -> str | None:
        return self._ind_lookup.get(fold_key(name))

    def unknown_indicator(self, name: str, lang: str = "en", listed: bool = False) -> str:
        """Why ``name`` is no indicator, with the closest ids or names; ``listed``: the valid indicators are listed
        once elsewhere (a file's notes, :meth:`known_indicators`), so the message points there instead."""
        ids = list(self.indicators["indicator_id"])
        sugg = _suggest(name, [fold_key(k) for k in ids], lambda k: k, lang, cutoff=0.88)
        if not sugg:
            names = {fold_key(n): i for n, i in zip(self.indicators["name_vi"], ids)}
            close = difflib.get_close_matches(fold_key(name), list(names), n=1, cutoff=0.85)
            if close:
                sugg = _m(lang, "did_you_mean", s=names[close[0]])
        if listed:
            return _m(lang, "unknown_ind_listed", v=name, sugg=sugg)
        return _m(lang, "unknown_ind", v=name, sugg=sugg, known=self.known_indicators())

    def known_indicators(self) -> str:
        """Every valid indicator as ``id (Vietnamese name)``, separated by semicolons."""
        return "; ".join(f"{i} ({n})" for i, n in zip(self.indicators["indicator_id"], self.indicators["name_vi"]))


_PLACES_VI = ((" in ", " ở "), ("(former ", "(trước đây "), ("a unit of that name exists elsewhere: ",
              "có đơn vị cùng tên ở nơi khác: "), ("since 1/7/2025)", "từ 1/7/2025)"),
              ("until 30/6/2025)", "đến 30/6/2025)"), ("; did you mean", "; có phải là"), (" or ", " hoặc "))


def _vi_places(text: str) -> str:
    """The map's English connecting words in a Vietnamese message (names and ids stay as they are)."""
    for en, vi in _PLACES_VI:
        text = text.replace(en, vi)
    return text


def _geo_ambiguous(name: str, msg: str, lang: str) -> str:
    if lang != "vi":  # the map's own message is English
        return msg
    body = msg.split("it could be ", 1)[-1].split("; write the kind")[0]
    return _m(lang, "ambiguous_unit", name=name, body=_vi_places(body))


def _suggest(name: str, keys, display: Callable[[str], str], lang: str = "en", cutoff: float = 0.8,
             cache: dict | None = None) -> str:
    """A did-you-mean, only when close, each suggestion once (``cache``: keeps the name index between calls)."""
    from simlib.inputs.fuzzy import NameIndex

    hit = cache.get("_suggest") if cache is not None else None
    if hit is None:
        plain: dict[str, str] = {}
        for k in keys:
            plain.setdefault(strip_accents(k), k)
        hit = (plain, NameIndex(plain))
        if cache is not None:
            cache["_suggest"] = hit
    plain, index = hit
    target = strip_accents(name)
    if target in plain:
        return _m(lang, "diacritics", s=display(plain[target]))
    close = index.close(target, n=3, cutoff=cutoff)
    shown: list[str] = []
    for c in close:
        d = display(plain[c])
        if d not in shown:
            shown.append(d)
    if shown:
        return _m(lang, "did_you_mean", s=_m(lang, "or").join(shown))
    return ""


def guess_kind(file_name: str) -> str:
    """Table kind from a file name: 'targets.csv' -> 'targets'; anything else -> 'observations'."""
    stem = re.sub(r"\.(csv|tsv|txt|xlsx|xlsm|xls|ods)$", "", file_name.rsplit("/", 1)[-1].casefold())
    for kind in SCHEMAS:
        if stem == kind or stem.startswith(kind + "_") or stem.endswith("_" + kind):
            return kind
    return "observations"
