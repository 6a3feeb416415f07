"""Vietnam's administrative units, from the official map (maintained packages, not a hand-kept list).

Since 1 July 2025 Vietnam has 34 provinces and 3,321 communes, wards and
special zones; the district level was abolished (Resolution 202/2025/QH15 and
the Standing Committee's resolutions on commune-level units). This module
reads that map from two maintained packages:

* ``vietnam-provinces`` — the 34 provinces and 3,321 units with their official
  codes and ASCII code names (``tay_ninh``, ``xa_duc_hoa``);
* ``vietnamadminunits`` — the pre-2025 map (63 provinces, their districts and
  communes) and the conversion table old commune + district + province ->
  new commune / province.

Identifiers
-----------
New units: ``vn.<province>.<unit>`` from the packages' code names, e.g.
``vn.tay_ninh.xa_duc_hoa``; provinces ``vn.<province>`` (``vn.tay_ninh``).
Historical units keep the ids simlib always used: ``vn.<old province>`` and
``vn.<old province>.<district>`` (``vn.long_an``, ``vn.long_an.duc_hoa``),
old communes ``vn.<old province>.<district>.<commune>``. A historical unit
carries its successor (the new province, and for an old commune the new
commune), so its figures stay a series of its old area that aggregates to
the new province; an abolished district is never mapped onto a new commune
of the same name ("Huyện Đức Hòa" is the former district, "Xã Đức Hòa" a new
commune of Tây Ninh).

Examples
--------
>>> from simlib.inputs import places
>>> len(places.provinces())
34
>>> len(places.units("Tây Ninh"))
96
>>> print(places.resolve("Huyện Đức Hòa, Tỉnh Long An").note)  # doctest: +ELLIPSIS
Huyện Đức Hòa, Tỉnh Long An -> Tỉnh Tây Ninh (since 1/7/2025)...
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass

import pandas as pd

from simlib.errors import InputError
from simlib.inputs.textio import fold_key, strip_accents

__all__ = ["Place", "PlaceError", "provinces", "province", "units", "resolve", "historical_units", "slug",
           "MAP_CHANGE", "closest_provinces", "name_of"]

#: The day the 34-province map took effect.
MAP_CHANGE = "1/7/2025"
#: Last reference year (school year ending in that calendar year) reported on the old map.
LAST_OLD_YEAR = 2025


class PlaceError(InputError):
    """A place name that is unknown or ambiguous; the message lists the candidates."""


@dataclass(frozen=True)
class Place:
    """One administrative unit, current or historical.

    Attributes
    ----------
    geo_id : str
        simlib's id (``vn.tay_ninh.xa_duc_hoa``, ``vn.long_an.duc_hoa``).
    name_vi : str
        Full official name ("Xã Đức Hòa", "Huyện Đức Hòa", "Tỉnh Tây Ninh").
    level : str
        ``province``, ``commune``, ``ward`` or ``special_zone`` (current map);
        ``district`` or ``commune`` (historical units).
    parent : str or None
        geo_id of the parent (a province; for an old commune its district).
    code : str or None
        Official code (General Statistics Office numbering).
    current : bool
        True for units of the map in force since 1/7/2025.
    successor : str or None
        For a historical unit, the geo_id of the new province its area belongs to.
    successor_unit : str or None
        For an old commune, the geo_id of the new commune/ward it went into.
    note : str
        "Huyện Đức Hòa, Tỉnh Long An -> Tỉnh Tây Ninh (since 1/7/2025)" for historical units.
    """

    geo_id: str
    name_vi: str
    level: str
    parent: str | None
    code: str | None
    current: bool
    successor: str | None = None
    successor_unit: str | None = None
    note: str = ""

    @property
    def province_id(self) -> str:
        """geo_id of the province (current or former) the unit belongs to."""
        parts = self.geo_id.split(".")
        return ".".join(parts[:2])


@functools.lru_cache(maxsize=None)
def slug(name: str) -> str:
    """'Bà Rịa - Vũng Tàu' -> 'ba_ria_vung_tau' (ASCII, lower case, underscores)."""
    return re.sub(r"[^a-z0-9]+", "_", strip_accents(name)).strip("_")


_KINDS = [  # prefix (folded) -> kind
    ("thành phố trực thuộc trung ương", "province"), ("thành phố", "city"), ("tp.", "city"), ("tp", "city"),
    ("tỉnh", "province"), ("huyện", "district"), ("quận", "district"), ("thị xã", "district"), ("tx.", "district"),
    ("tx", "district"), ("thị trấn", "town"), ("tt.", "town"), ("tt", "town"), ("xã", "commune"),
    ("phường", "ward"), ("p.", "ward"), ("đặc khu", "special_zone"),
    ("h.", "district"), ("q.", "district"),  # office abbreviations: "H. Đức Hòa", "Q. 3"
]


@functools.lru_cache(maxsize=65536)
def _split_kind(part: str) -> tuple[str | None, str]:
    """'Huyện Đức Hòa' -> ('district', 'đức hòa') (folded name without its kind word)."""
    k = fold_key(part)
    for prefix, kind in _KINDS:
        if k.startswith(prefix + " ") or (prefix.endswith(".") and k.startswith(prefix)):
            return kind, k[len(prefix):].strip()
    return None, k


# ----------------------------------------------------------------------------
# The current map (vietnam-provinces)
# ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _current() -> tuple[pd.DataFrame, pd.DataFrame]:
    from vietnam_provinces import Province, Ward

    kinds = {"xã": "commune", "phường": "ward", "đặc khu": "special_zone"}
    provs = []
    for p in Province.iter_all():
        code = int(getattr(p.code, "value", p.code))
        base = re.sub(r"^(Thành phố|Tỉnh)\s+", "", p.name)
        provs.append({"code": f"{code:02d}", "name": p.name, "short": base, "slug": p.codename,
                      "geo_id": f"vn.{p.codename}", "kind": getattr(p.division_type, "value", str(p.division_type))})
    prov = pd.DataFrame(provs).sort_values("code", kind="stable").reset_index(drop=True)
    by_code = dict(zip(prov["code"], prov["geo_id"]))
    ws = []
    for w in Ward.iter_all():
        pcode = f"{int(getattr(w.province_code, 'value', w.province_code)):02d}"
        kind = kinds.get(getattr(w.division_type, "value", str(w.division_type)), "commune")
        parent = by_code[pcode]
        ws.append({"geo_id": f"{parent}.{w.codename}", "code": f"{int(getattr(w.code, 'value', w.code)):05d}",
                   "name_vi": w.name, "kind": kind, "parent": parent})
    units_ = pd.DataFrame(ws).sort_values(["parent", "code"], kind="stable").reset_index(drop=True)
    # Names that differ only by their diacritics ("Xã Tân Thạnh", "Xã Tân Thành") share a code name: such ids
    # get the official code, so every id names one unit.
    dup = units_["geo_id"].duplicated(keep=False)
    units_.loc[dup, "geo_id"] = units_.loc[dup, "geo_id"] + "_" + units_.loc[dup, "code"]
    prov["units"] = prov["geo_id"].map(units_["parent"].value_counts()).fillna(0).astype(int)
    return prov, units_


def provinces() -> pd.DataFrame:
    """The 34 provinces and centrally governed cities (in force since 1/7/2025).

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (official, two digits), ``name`` ("Tỉnh Tây Ninh" is
        written "Tây Ninh"; cities keep "Thành phố"), ``short`` (without the
        kind word), ``slug`` (``tay_ninh``), ``geo_id`` (``vn.tay_ninh``),
        ``kind`` and ``units`` (number of communes, wards and special zones).
    """
    return _current()[0].copy()


def closest_provinces(name: str) -> list[str]:
    """The 34 province names, the closest to ``name`` first (by letters, accents ignored)."""
    prov = _current()[0]
    target = strip_accents(_split_kind(name)[1])
    scored = sorted(prov["short"], key=lambda s: (-difflib.SequenceMatcher(None, target, strip_accents(s)).ratio(), s))
    return list(scored)


@functools.lru_cache(maxsize=1)
def _province_lookup() -> dict[str, str]:
    prov = _current()[0]
    out: dict[str, str] = {}
    for r in prov.itertuples(index=False):
        for k in (r.name, r.short, r.slug, r.geo_id, "tỉnh " + r.short, "tp " + r.short, "tp. " + r.short,
                  "thành phố " + r.short, strip_accents(r.short), r.slug.replace("_", " ")):
            out[fold_key(k)] = r.geo_id
    out[fold_key("TP HCM")] = out[fold_key("tphcm")] = out[fold_key("hcm")] = "vn.ho_chi_minh"
    out[fold_key("Thừa Thiên Huế")] = "vn.hue"
    return out


def province(name: str) -> Place:
    """The province (map since 1/7/2025) called ``name``: "Tây Ninh", "Tỉnh Tây Ninh", "tinh tay ninh", "tay_ninh", "vn.tay_ninh".

    Raises
    ------
    PlaceError
        For a former province (named with its successor) or an unknown name
        (with the list of the 34, the closest first).
    """
    lookup = _province_lookup()
    bare = re.sub(r"^(tinh|thanh pho|tp\.?)\s*", "", strip_accents(fold_key(name)))  # "tinh tay ninh", typed without accents
    geo = lookup.get(fold_key(name)) or lookup.get(fold_key(_split_kind(name)[1])) or lookup.get(fold_key(bare))
    if geo:
        prov = _current()[0].set_index("geo_id").loc[geo]
        return Place(geo, prov["name"], "province", "vn", prov["code"], True)
    old = _old_province_by_name().get(_split_kind(name)[1]) or _old_province_by_name().get(fold_key(bare))
    if old is not None:
        succ = old["successor"]
        raise PlaceError(f"'{name}' is a former province: since {MAP_CHANGE} it is part of "
                         f"{_current()[0].set_index('geo_id').loc[succ, 'name']} ({succ}); use that name")
    raise PlaceError(_unknown_province(name))


def units(province_name: str) -> pd.DataFrame:
    """Communes, wards and special zones of a province (map since 1/7/2025).

    Returns
    -------
    pandas.DataFrame
        Columns ``geo_id`` (``vn.tay_ninh.xa_duc_hoa``), ``code`` (official,
        five digits), ``name_vi`` ("Xã Đức Hòa"), ``kind`` (``commune``,
        ``ward``, ``special_zone``) and ``parent`` (the province's geo_id).
    """
    geo = province(province_name).geo_id
    u = _current()[1]
    return u[u["parent"] == geo].reset_index(drop=True)


# ----------------------------------------------------------------------------
# The old map (vietnamadminunits)
# ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _legacy() -> dict:
    """Old provinces, districts and communes with their successors (built once per process)."""
    import importlib.util
    import json
    import sqlite3
    from pathlib import Path

    # The package's own data files, read directly: importing the package would also compile its address
    # parsers (about a second) that simlib does not use.
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - dependency missing
        raise PlaceError("the package 'vietnamadminunits' is not installed; reinstall simlib")
    data = Path(list(spec.submodule_search_locations)[0]) / "data"
    conv = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    with sqlite3.connect(f"file:{data / 'dataset.db'}?mode=ro", uri=True) as con:
        rows = con.execute("SELECT DISTINCT province, district, ward, provinceShort, districtShort, provinceCode, "
                           "districtCode, wardCode, provinceKey, districtKey, wardKey FROM admin_units_legacy").fetchall()
        new = con.execute("SELECT DISTINCT provinceKey, provinceCode, wardKey, wardCode FROM admin_units").fetchall()
    prov_cur, units_cur = _current()
    code_to_geo = dict(zip(prov_cur["code"], prov_cur["geo_id"]))
    newkey_to_geo = {pk: code_to_geo[f"{int(pc):02d}"] for pk, pc, _, _ in new}
    ward_geo = dict(zip(units_cur["code"], units_cur["geo_id"]))
    newward_to_geo = {(pk, wk): ward_geo.get(f"{int(wc):05d}") for pk, _, wk, wc in new if wc}
    old_to_new_prov = {old: newkey_to_geo[newk] for newk, olds in conv["DICT_PROVINCE"].items() for old in olds}
    old_ward_to_new: dict[str, str] = {}
    for newk, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wk, olds in wards.items():
            for o in olds:
                old_ward_to_new[o] = newward_to_geo.get((newk, wk))
    for newk, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for o, options in olds.items():
            default = next((x["newWardKey"] for x in options if x.get("isDefaultNewWard")), None)
            if o not in old_ward_to_new and default:
                old_ward_to_new[o] = newward_to_geo.get((newk, default))
    provs: dict[str, dict] = {}
    districts: dict[str, dict] = {}
    communes: dict[str, dict] = {}
    from collections import namedtuple

    Row = namedtuple("Row", "province district ward provinceShort districtShort provinceCode districtCode wardCode "
                            "provinceKey districtKey wardKey")
    rows = [Row._make(r) for r in rows]
    # Names that differ only by their diacritics ("Tân Thạnh", "Tân Thành") share a slug: such ids get the code.
    d_codes: dict[str, set] = {}
    c_codes: dict[str, set] = {}
    for r in rows:
        if r.district is not None:
            d_codes.setdefault(f"{slug(r.provinceShort)}.{slug(r.districtShort)}", set()).add(r.districtCode)
        if r.ward is not None:
            c_codes.setdefault(f"{r.districtCode}.{slug(r.ward)}", set()).add(r.wardCode)
    for r in rows:
        pslug = slug(r.provinceShort)
        pid = f"vn.{pslug}"
        succ = old_to_new_prov.get(r.provinceKey)
        if pid not in provs:
            provs[pid] = {"geo_id": pid, "name_vi": r.province, "short": r.provinceShort, "level": "province",
                          "parent": "vn", "code": r.provinceCode, "successor": succ}
        if r.district is None:
            continue
        did = f"{pid}.{slug(r.districtShort)}"
        if len(d_codes[f"{pslug}.{slug(r.districtShort)}"]) > 1:
            did = f"{did}_{r.districtCode}"
        if did not in districts:
            districts[did] = {"geo_id": did, "name_vi": r.district, "short": r.districtShort, "level": "district",
                              "parent": pid, "code": r.districtCode, "successor": succ, "province": pid}
        if r.ward is None:
            continue
        cid = f"{did}.{slug(r.ward)}"
        if len(c_codes[f"{r.districtCode}.{slug(r.ward)}"]) > 1:
            cid = f"{cid}_{r.wardCode}"
        communes[cid] = {"geo_id": cid, "name_vi": r.ward, "level": "commune", "parent": did, "code": r.wardCode,
                         "successor": succ, "province": pid,
                         "successor_unit": old_ward_to_new.get(f"{r.provinceKey}_{r.districtKey}_{r.wardKey}")}
    return {"provinces": provs, "districts": districts, "communes": communes}


@functools.lru_cache(maxsize=1)
def _old_province_by_name() -> dict[str, dict]:
    out = {}
    for p in _legacy()["provinces"].values():
        for k in (p["name_vi"], p["short"], strip_accents(p["short"])):
            out[_split_kind(k)[1] if k == p["name_vi"] else fold_key(k)] = p
    return out


def historical_units(level: str | None = None) -> pd.DataFrame:
    """Units of the map before 1/7/2025 (63 provinces, their districts and communes) with their successors.

    Parameters
    ----------
    level : {"province", "district", "commune"}, optional
        Only this level (default: provinces and districts; communes are many).

    Returns
    -------
    pandas.DataFrame
        Columns ``geo_id``, ``name_vi``, ``level``, ``parent``, ``code``,
        ``successor`` (new province geo_id) and, for communes,
        ``successor_unit`` (new commune/ward geo_id).
    """
    leg = _legacy()
    levels = [level] if level else ["province", "district"]
    frames = [pd.DataFrame(list(leg[lv + "s"].values())) for lv in levels]
    df = pd.concat(frames, ignore_index=True)
    cols = ["geo_id", "name_vi", "level", "parent", "code", "successor"] + (["successor_unit"] if level == "commune" else [])
    return df[cols]


# ----------------------------------------------------------------------------
# Resolving a name as written
# ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, list[tuple[str, dict]]]:
    """folded short name -> [(tier, record)] for every unit of both maps."""
    prov_cur, units_cur = _current()
    leg = _legacy()
    idx: dict[str, list[tuple[str, dict]]] = {}

    def add(key: str, tier: str, rec: dict) -> None:
        lst = idx.setdefault(key, [])
        if all(r["geo_id"] != rec["geo_id"] or t != tier for t, r in lst):
            lst.append((tier, rec))

    for r in prov_cur.to_dict("records"):
        rec = {"geo_id": r["geo_id"], "name_vi": r["name"] if r["name"].startswith("Thành phố") else "Tỉnh " + r["short"],
               "level": "province", "parent": "vn", "code": r["code"], "current": True, "kind": "province"}
        add(fold_key(r["short"]), "new_province", rec)
    for r in units_cur.to_dict("records"):
        kind, base = _split_kind(r["name_vi"])
        rec = dict(r, level=r["kind"], current=True, kind=kind)
        add(base, "new_unit", rec)
    for p in leg["provinces"].values():
        add(fold_key(p["short"]), "old_province", dict(p, current=False, kind="province"))
    for d in leg["districts"].values():
        rec = dict(d, current=False, kind="district")
        add(fold_key(d["short"]), "old_district", rec)
        kind, base = _split_kind(d["short"])
        if kind is not None and base:  # numbered districts keep their kind in the short name: "Quận 1" -> "1"
            add(base, "old_district", rec)
    for c in leg["communes"].values():
        kind, base = _split_kind(c["name_vi"])
        add(base, "old_commune", dict(c, current=False, kind=kind))
    return idx


def _new_name(geo: str | None) -> str:
    if not geo:
        return "?"
    prov_cur, units_cur = _current()
    hit = prov_cur.loc[prov_cur["geo_id"] == geo, "name"]
    if len(hit):
        name = str(hit.iloc[0])
        return name if name.startswith("Thành phố") else "Tỉnh " + name
    hit = units_cur.loc[units_cur["geo_id"] == geo, "name_vi"]
    return str(hit.iloc[0]) if len(hit) else geo


def _place(tier: str, rec: dict) -> Place:
    if rec.get("current"):
        return Place(rec["geo_id"], rec["name_vi"], rec["level"], rec["parent"], rec["code"], True)
    succ = rec.get("successor")
    leg = _legacy()
    chain = [rec["name_vi"]]
    parent = rec.get("parent")
    while parent and parent in leg["districts"] or parent in leg["provinces"]:
        up = leg["districts"].get(parent) or leg["provinces"].get(parent)
        chain.append(up["name_vi"])
        parent = up.get("parent")
    label = ", ".join(chain)
    note = f"{label} -> {_new_name(succ)} (since {MAP_CHANGE})"
    su = rec.get("successor_unit")
    if rec["level"] == "district":
        note += "; the district level was abolished: its figures stay a historical series of the former district's " \
                f"area, counted in {_new_name(succ)}"
    elif rec["level"] == "commune" and su:
        note = f"{label} -> {_new_name(su)}, {_new_name(succ)} (since {MAP_CHANGE})"
    elif rec["level"] == "province" and succ == rec["geo_id"]:
        note = f"{label} -> {_new_name(succ)} (enlarged on {MAP_CHANGE})"
    return Place(rec["geo_id"], rec["name_vi"], rec["level"], rec["parent"], rec.get("code"), False, succ, su, note)


def _describe(tier: str, rec: dict) -> str:
    if tier in ("new_province", "new_unit"):
        where = "" if tier == "new_province" else f", {_new_name(rec['parent'])}"
        return f"{rec['name_vi']}{where} ({rec['geo_id']}, since {MAP_CHANGE})"
    leg = _legacy()
    up = leg["provinces"].get(rec.get("province") or rec.get("parent") or "", {})
    where = f", {up['name_vi']}" if up and rec["level"] != "province" else ""
    if rec["level"] == "commune":
        d = leg["districts"].get(rec["parent"], {})
        where = f", {d.get('name_vi', '')}{where}"
    return f"{rec['name_vi']}{where} ({rec['geo_id']}, until 30/6/2025)"


def _in_context(tier: str, rec: dict, ctx_new: str | None, ctx_old: str | None) -> bool:
    if ctx_new is None and ctx_old is None:
        return True
    if tier == "new_province":
        return rec["geo_id"] == ctx_new
    if tier == "new_unit":
        return rec["parent"] == ctx_new
    if tier == "old_province":
        return rec["geo_id"] == ctx_old or (ctx_old is None and rec.get("successor") == ctx_new)
    prov = rec.get("province")
    return prov == ctx_old or (ctx_old is None and rec.get("successor") == ctx_new)


def _context(ctx: str | None) -> tuple[str | None, str | None]:
    """(new province geo_id, old province geo_id or None) for a context given as a name or an id."""
    if ctx is None:
        return None, None
    look = _province_lookup()
    geo = look.get(fold_key(ctx)) or look.get(fold_key(_split_kind(ctx)[1]))
    old = _legacy()["provinces"].get(ctx) or _old_province_by_name().get(_split_kind(ctx)[1])
    if geo and old and old["geo_id"] == geo and old.get("successor") != geo:
        return old["successor"], geo
    if geo:
        return geo, None
    if old:
        return old["successor"], old["geo_id"]
    raise PlaceError(_unknown_province(ctx))


_TIER_ORDER_OLD = ("old_province", "new_province", "old_district", "old_commune", "new_unit")
_TIER_ORDER_NEW = ("new_province", "old_province", "new_unit", "old_district", "old_commune")
_KIND_TIERS = {
    "province": ("new_province", "old_province"), "city": ("new_province", "old_province", "old_district"),
    "district": ("old_district",), "town": ("old_commune",),
    "commune": ("new_unit", "old_commune"), "ward": ("new_unit", "old_commune"), "special_zone": ("new_unit",),
}


def _narrowed(parts: list[str], province: str | None) -> tuple[list[str], str | None, str | None, str | None]:
    """A trailing province (and district) of a comma-separated name narrows the search; it overrides the file's
    province. (the name's remaining parts, the province context new and old, the district asked for)."""
    ctx_new, ctx_old = _context(province) if province else (None, None)
    district_q = None
    # A trailing province (and district) narrows the search; it overrides the file's province.
    while len(parts) > 1:
        kind, base = _split_kind(parts[-1])
        try:
            if kind in (None, "province", "city") and (base in _old_province_by_name() or
                                                       fold_key(parts[-1]) in _province_lookup()
                                                       or base in _province_lookup()):
                ctx_new, ctx_old = _context(parts[-1])
                parts.pop()
                continue
        except PlaceError:
            pass
        if kind == "province":
            raise PlaceError(_unknown_province(parts[-1]))
        if kind in ("district", "city") or (kind is None and len(parts) > 1):
            district_q = base
            parts.pop()
            continue
        break
    return parts, ctx_new, ctx_old, district_q


def _by_map_of_the_year(pool: list, kind: str | None, when: int | None) -> list:
    """Candidates of a bare name (provinces first, then the map in force in ``when``) or of a name with its kind
    (the map in force in ``when``)."""
    order = _TIER_ORDER_OLD if (when is not None and when <= LAST_OLD_YEAR) else _TIER_ORDER_NEW
    if kind is None:
        # Provinces first; then, with a year, the map of that year; without one, every unit level together.
        for tiers in (("new_province", "old_province"),):
            hit = [(t, r) for t, r in pool if t in tiers]
            if hit:
                pool = hit
                break
        else:
            if when is not None:
                first_tier = next(t for t in order if any(tt == t for tt, _ in pool))
                keep = {first_tier}
                if first_tier == "new_unit":
                    # A bare name after 1/7/2025 that is both a new commune and an abolished district is never
                    # silently taken as the commune: "Đức Hòa" may be Xã Đức Hòa or the former Huyện Đức Hòa.
                    keep.add("old_district")
                pool = [(t, r) for t, r in pool if t in keep]
    elif when is not None and len({t for t, _ in pool}) > 1:
        # "Xã Phước Lý" in 2026 is the commune of the map then in force, not the old commune of that name.
        first_tier = next(t for t in order if any(tt == t for tt, _ in pool))
        pool = [(t, r) for t, r in pool if t == first_tier]
    return pool


def resolve(name: str, province: str | None = None, when: int | None = None) -> Place:
    """The unit a name refers to, on the map in force at ``when``.

    Parameters
    ----------
    name : str
        As written: "Xã Đức Hòa", "Huyện Đức Hòa, Tỉnh Long An", "Châu Thành",
        "Tây Ninh", or a geo_id. A comma-separated province (and district)
        narrows the search.
    province : str, optional
        The file's province (name or geo_id, current or former): a bare name
        is looked up there first.
    when : int, optional
        Reference year of the figure (calendar year in which the school year
        ends). Up to 2025 the old map is preferred for a bare name, from 2026
        the new one; without it, a name found on both maps is ambiguous.

    Returns
    -------
    Place
        A current unit, or a historical one with its successor and a note.

    Raises
    ------
    PlaceError
        Unknown (with close suggestions, if any) or ambiguous (with every
        candidate named).
    """
    raw = str(name).strip()
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts:
        raise PlaceError("the name is empty")
    parts, ctx_new, ctx_old, district_q = _narrowed(parts, province)
    head = parts[0]
    if head.startswith("vn.") or head == "vn":
        return _by_id(head)
    kind, base = _split_kind(head)
    idx = _index()
    found = idx.get(base, [])
    if kind in _KIND_TIERS:
        found = [(t, r) for t, r in found if t in _KIND_TIERS[kind]
                 and (kind not in ("commune", "ward", "town", "special_zone") or r.get("kind") in (kind, None)
                      or (kind == "commune" and r.get("kind") == "commune"))]
    if district_q is not None:
        leg = _legacy()
        found = [(t, r) for t, r in found if t == "old_commune"
                 and fold_key(leg["districts"].get(r["parent"], {}).get("short", "")) == district_q]
    in_ctx = [(t, r) for t, r in found if _in_context(t, r, ctx_new, ctx_old)]
    if province is not None or ctx_new is not None:
        pool = in_ctx
    else:
        pool = found
    if not pool and kind == "province":
        raise PlaceError(_unknown_province(raw))
    if not pool:
        raise PlaceError(_unknown_message(raw, base, ctx_new, ctx_old, found))
    pool = _by_map_of_the_year(pool, kind, when)
    if len(pool) > 1:
        # The same unit on both maps under one id (a province that kept its name) is one unit.
        ids = {r["geo_id"] for _, r in pool}
        if len(ids) == 1:
            pool = [next((p for p in pool if p[0].startswith("new")), pool[0])]
        elif kind is None and when is None and {t for t, _ in pool} == {"old_commune"}:
            pass
    if len(pool) == 1:
        return _place(*pool[0])
    shown = [_describe(t, r) for t, r in pool]
    more = f" and {len(shown) - 8} more" if len(shown) > 8 else ""
    hint = ("write the kind and the province, e.g. 'Xã …, Tỉnh …' for a commune since 1/7/2025 or "
            "'Huyện …, Tỉnh …' for a former district, or give the file's province (--province)")
    raise PlaceError(f"'{raw}' is ambiguous: it could be " + "; ".join(shown[:8]) + more + f"; {hint}")


def _unknown_province(name: str) -> str:
    msg = f"unknown province '{name}'"
    target = strip_accents(_split_kind(name)[1])
    old = {strip_accents(p["short"]): p for p in _legacy()["provinces"].values()}
    close = difflib.get_close_matches(target, list(old), n=1, cutoff=0.8)
    current = {strip_accents(s_) for s_ in _current()[0]["short"]}
    if close and close[0] not in current:
        p = old[close[0]]
        msg += f"; did you mean the former {p['name_vi']} (since {MAP_CHANGE} part of {_new_name(p['successor'])})?"
    return msg + "; the 34 provinces (closest first): " + ", ".join(closest_provinces(name))


def _by_id(geo: str) -> Place:
    prov_cur, units_cur = _current()
    if geo in set(prov_cur["geo_id"]):
        r = prov_cur.set_index("geo_id").loc[geo]
        return Place(geo, r["name"], "province", "vn", r["code"], True)
    hit = units_cur[units_cur["geo_id"] == geo]
    if len(hit):
        r = hit.iloc[0]
        return Place(geo, r["name_vi"], r["kind"], r["parent"], r["code"], True)
    leg = _legacy()
    for tier, table in (("old_province", "provinces"), ("old_district", "districts"), ("old_commune", "communes")):
        if geo in leg[table]:
            return _place(tier, dict(leg[table][geo], current=False))
    raise PlaceError(f"unknown geo_id '{geo}'")


def name_of(geo: str) -> str | None:
    """The Vietnamese name of a geo id on either map (``None`` when no map knows it).

    Examples
    --------
    >>> name_of("vn.quang_binh")
    'Tỉnh Quảng Bình'
    >>> name_of("vn.nowhere") is None
    True
    """
    try:
        return _by_id(geo).name_vi
    except PlaceError:
        return None


def _unknown_message(raw: str, base: str, ctx_new, ctx_old, found) -> str:
    where = ""
    if ctx_new or ctx_old:
        where = f" in {_new_name(ctx_new)}" + (f" (former {_legacy()['provinces'][ctx_old]['name_vi']})"
                                               if ctx_old else "")
    msg = f"unknown unit '{raw}'{where}"
    if found:
        elsewhere = [_describe(t, r) for t, r in found][:6]
        msg += "; a unit of that name exists elsewhere: " + "; ".join(elsewhere)
    sugg = _suggest(base, ctx_new, ctx_old)
    if sugg:
        msg += "; did you mean " + " or ".join(sugg) + "?"
    return msg


@functools.lru_cache(maxsize=256)
def _suggest_index(ctx_new, ctx_old):
    """(names without diacritics -> folded key, their NameIndex) of the units in a context (built once)."""
    from simlib.inputs.fuzzy import NameIndex

    idx = _index()
    plain: dict[str, str] = {}
    for k, lst in idx.items():
        if any(_in_context(t, r, ctx_new, ctx_old) for t, r in lst):
            plain.setdefault(strip_accents(k), k)
    return plain, NameIndex(plain)


def _suggest(base: str, ctx_new, ctx_old) -> list[str]:
    idx = _index()
    target = strip_accents(base)
    plain, names = _suggest_index(ctx_new, ctx_old)
    hits = names.close(target, n=3, cutoff=0.8)
    out: list[str] = []
    for h in hits:
        for t, r in idx[plain[h]]:
            if _in_context(t, r, ctx_new, ctx_old):
                d = f"{r['name_vi']} ({r['geo_id']})"
                if d not in out:
                    out.append(d)
    return out[:4]
