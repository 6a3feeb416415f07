"""Which former units each unit of the 1/7/2025 map came from (the official conversion tables).

Since 1 July 2025 a commune or ward is formed from one or more former
communes (sometimes from part of a former commune that was divided), which
lay in former districts of former provinces; a province is formed from one
or more former provinces. The conversion tables of the maintained package
``vietnamadminunits`` (``converter_2025.json``: former province -> new
province; former commune -> new commune, with the divided communes and every
new commune they went to) give this lineage; ids are those of
:mod:`simlib.inputs.places` (``vn.thai_nguyen.phu_binh`` for the former
district, ``vn.thai_nguyen.xa_phu_binh`` for the new commune).

A province that kept the name of one of the provinces it was formed from
(Thái Nguyên + Bắc Kạn -> Thái Nguyên) has the same id before and after. Its
figures before the change are the former province's, a smaller area: they
are kept apart under :func:`pre_merger_id` (``vn.thai_nguyen_pre2025``, the
convention of ``data/geographies.csv``: ``vn.tay_ninh_pre2025``) so that
areas never mix in one series.

Examples
--------
>>> from simlib.inputs import lineage
>>> lineage.former_provinces("vn.thai_nguyen")  # doctest: +SKIP
['vn.bac_kan', 'vn.thai_nguyen']
>>> lineage.former_districts("vn.thai_nguyen.xa_phu_binh")  # doctest: +SKIP
{'vn.thai_nguyen.phu_binh': 1.0}
"""

from __future__ import annotations

import functools

import pandas as pd

__all__ = ["PRE_MERGER_SUFFIX", "LAST_OLD_YEAR", "pre_merger_id", "former_provinces", "kept_name",
           "former_communes", "former_districts", "lineage_table"]

#: Suffix of a name-keeping province's id for its area before 1/7/2025 (as in data/geographies.csv).
PRE_MERGER_SUFFIX = "_pre2025"
#: Last reference year (school year ending in that calendar year) reported on the old map.
LAST_OLD_YEAR = 2025


def pre_merger_id(geo_id: str) -> str:
    """The id of a province's area before 1/7/2025 when it kept its name through a merger.

    >>> pre_merger_id("vn.thai_nguyen")
    'vn.thai_nguyen_pre2025'
    """
    return geo_id if geo_id.endswith(PRE_MERGER_SUFFIX) else geo_id + PRE_MERGER_SUFFIX


@functools.lru_cache(maxsize=1)
def _tables() -> dict:
    """Former provinces per new province; former communes (with their district) per new unit."""
    import importlib.util
    import json
    import sqlite3
    from pathlib import Path

    from simlib.inputs import places

    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - dependency missing
        raise places.PlaceError("the package 'vietnamadminunits' is not installed; reinstall simlib")
    data = Path(list(spec.submodule_search_locations)[0]) / "data"
    conv = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    with sqlite3.connect(f"file:{data / 'dataset.db'}?mode=ro", uri=True) as con:
        old = con.execute("SELECT DISTINCT provinceKey, districtKey, wardKey, wardCode, provinceCode "
                          "FROM admin_units_legacy").fetchall()
        new = con.execute("SELECT DISTINCT provinceKey, provinceCode, wardKey, wardCode FROM admin_units").fetchall()
    prov_cur, units_cur = places._current()
    code_to_geo = dict(zip(prov_cur["code"], prov_cur["geo_id"]))
    newkey_to_geo = {pk: code_to_geo[f"{int(pc):02d}"] for pk, pc, _, _ in new}
    ward_geo = dict(zip(units_cur["code"], units_cur["geo_id"]))
    newward = {(pk, wk): ward_geo.get(f"{int(wc):05d}") for pk, _, wk, wc in new if wc}
    communes = places.historical_units("commune")
    old_provs = places.historical_units("province")
    by_code = dict(zip(communes["code"].astype(str), zip(communes["geo_id"], communes["parent"])))
    key_to_commune = {f"{pk}_{dk}_{wk}": by_code.get(str(wc)) for pk, dk, wk, wc, _ in old if wk}
    pkey_to_code = {pk: pc for pk, _, _, _, pc in old}
    oldprov_by_code = dict(zip(old_provs["code"].astype(str), old_provs["geo_id"]))
    provinces: dict[str, list[str]] = {}
    for newk, olds in conv["DICT_PROVINCE"].items():
        geo = newkey_to_geo[newk]
        provinces[geo] = sorted({oldprov_by_code.get(str(pkey_to_code.get(o))) for o in olds} - {None})
    rows = []
    for newk, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wk, olds in wards.items():
            unit = newward.get((newk, wk))
            for o in olds:
                c = key_to_commune.get(o)
                if unit and c:
                    rows.append((unit, c[0], c[1], False))
    for newk, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for o, options in olds.items():
            c = key_to_commune.get(o)
            for x in options:
                unit = newward.get((newk, x["newWardKey"]))
                if unit and c:
                    rows.append((unit, c[0], c[1], True))
    table = pd.DataFrame(rows, columns=["unit", "former_commune", "former_district", "divided"]).drop_duplicates(
        ["unit", "former_commune"]).reset_index(drop=True)
    by_unit: dict[str, tuple[list, list, list]] = {}  # one pass over the columns (a groupby of 3,300 units: 0.7 s)
    for u, c, d, v in zip(table["unit"], table["former_commune"], table["former_district"], table["divided"]):
        got = by_unit.setdefault(u, ([], [], []))
        got[0].append(c), got[1].append(d), got[2].append(bool(v))
    return {"provinces": provinces, "communes": table, "by_unit": by_unit}


def lineage_table() -> pd.DataFrame:
    """Every new unit with each former commune it was formed from.

    Returns
    -------
    pandas.DataFrame
        Columns ``unit`` (new commune/ward geo id), ``former_commune``,
        ``former_district`` (geo ids on the old map) and ``divided`` (True when
        the former commune was split between several new units).
    """
    return _tables()["communes"].copy()


def former_provinces(geo_id: str) -> list[str]:
    """The former provinces (old-map geo ids) a province of the 34 was formed from; [] for any other id."""
    return list(_tables()["provinces"].get(geo_id, ()))


def kept_name(geo_id: str) -> bool:
    """True when a province was formed from several former provinces and kept one's id (name)."""
    formers = former_provinces(geo_id)
    return len(formers) > 1 and geo_id in formers


def former_communes(geo_id: str) -> list[str]:
    """The former communes (old-map geo ids) a new commune or ward was formed from (whole or in part)."""
    return list(_tables()["by_unit"].get(geo_id, ([], [], []))[0])


def former_districts(geo_id: str) -> dict[str, float]:
    """The former districts a new commune or ward lies in, each with its share of the unit's former communes.

    A divided former commune counts as half (it gave only part of its area).
    Shares sum to 1; an empty dict for an unknown id.
    """
    _, districts, divided = _tables()["by_unit"].get(geo_id, ([], [], []))
    if not districts:
        return {}
    s: dict[str, float] = {}
    for d, dv in zip(districts, divided):
        s[d] = s.get(d, 0.0) + (0.5 if dv else 1.0)
    tot = sum(s.values())
    return {str(k): v / tot for k, v in sorted(s.items(), key=lambda kv: -kv[1])}
