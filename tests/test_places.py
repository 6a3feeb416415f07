"""The official map (vietnam-provinces, vietnamadminunits) behind simlib's place names."""

from __future__ import annotations

import pytest

from simlib.inputs import places
from simlib.inputs.bundle import load_reference


def test_the_34_provinces_and_their_units_come_from_the_package():
    prov = places.provinces()
    assert len(prov) == 34 and prov["geo_id"].is_unique
    assert prov["units"].sum() == 3321
    tn = places.units("Tây Ninh")
    assert len(tn) == 96 and set(tn["parent"]) == {"vn.tay_ninh"}
    assert set(tn["kind"]) <= {"commune", "ward", "special_zone"}
    hit = tn[tn["name_vi"] == "Xã Đức Hòa"].iloc[0]
    assert hit["geo_id"] == "vn.tay_ninh.xa_duc_hoa" and len(hit["code"]) == 5


def test_every_unit_id_names_one_unit_even_when_names_differ_only_by_diacritics():
    u = places._current()[1]
    assert u["geo_id"].is_unique
    tn = u[u["parent"] == "vn.tay_ninh"]
    ids = dict(zip(tn["name_vi"], tn["geo_id"]))
    assert ids["Xã Tân Thạnh"] != ids["Xã Tân Thành"]


@pytest.mark.parametrize("name", ["Tây Ninh", "Tỉnh Tây Ninh", "tay_ninh", "vn.tay_ninh", "TÂY NINH", "Tay Ninh",
                                  "tinh tay ninh", "Tinh Tay Ninh"])
def test_province_spellings(name):
    assert places.province(name).geo_id == "vn.tay_ninh"


def test_unknown_province_lists_the_34_closest_first():
    with pytest.raises(places.PlaceError) as exc:
        places.province("Tay Ninhh")
    msg = str(exc.value)
    listed = msg.split("closest first): ", 1)[1].split(", ")
    assert listed[0] == "Tây Ninh" and len(listed) == 34 and len(set(listed)) == 34


def test_a_former_province_names_its_successor():
    with pytest.raises(places.PlaceError, match="part of Tây Ninh"):
        places.province("Long An")
    with pytest.raises(places.PlaceError, match="part of Tây Ninh"):
        places.province("tinh long an")


def test_old_district_keeps_its_id_and_gains_its_successor():
    p = places.resolve("Huyện Đức Hòa, Tỉnh Long An", when=2026)
    assert (p.geo_id, p.level, p.current, p.successor) == ("vn.long_an.duc_hoa", "district", False, "vn.tay_ninh")
    assert p.note.startswith("Huyện Đức Hòa, Tỉnh Long An -> Tỉnh Tây Ninh (since 1/7/2025)")


def test_new_commune_is_not_the_abolished_district():
    assert places.resolve("Xã Đức Hòa", province="Tây Ninh").geo_id == "vn.tay_ninh.xa_duc_hoa"
    with pytest.raises(places.PlaceError) as exc:
        places.resolve("Đức Hòa", province="vn.tay_ninh", when=2026)
    assert "vn.tay_ninh.xa_duc_hoa" in str(exc.value) and "vn.long_an.duc_hoa" in str(exc.value)
    assert places.resolve("Đức Hòa", when=2021).geo_id == "vn.long_an.duc_hoa"


def test_same_name_in_several_provinces_needs_the_province():
    with pytest.raises(places.PlaceError) as exc:
        places.resolve("Châu Thành", when=2021)
    assert "Tỉnh Long An" in str(exc.value) and "Tỉnh Trà Vinh" in str(exc.value)
    p = places.resolve("Châu Thành", province="Trà Vinh", when=2021)
    assert (p.geo_id, p.successor) == ("vn.tra_vinh.chau_thanh", "vn.vinh_long")


def test_old_commune_maps_to_its_new_commune():
    p = places.resolve("Thị trấn Hậu Nghĩa, Huyện Đức Hòa, Tỉnh Long An")
    assert p.successor == "vn.tay_ninh" and p.successor_unit == "vn.tay_ninh.xa_hau_nghia"


def test_reference_for_a_province_knows_its_communes():
    ref = load_reference(province="vn.tay_ninh")
    assert ref.province == "vn.tay_ninh"
    assert "vn.tay_ninh.xa_hau_nghia" in set(ref.geographies["geo_id"])
    gid, why = ref.resolve_geography("Hậu Nghĩa", year=2027)
    assert (gid, why) == ("vn.tay_ninh.xa_hau_nghia", None)
    plain = load_reference()
    assert "vn.tay_ninh.xa_hau_nghia" not in set(plain.geographies["geo_id"])


def test_bundle_names_a_former_province_that_only_the_old_map_knows():
    """A target written for a province merged on 1/7/2025 shows its name, not its id, in the verdict tables."""
    from simlib.inputs.bundle import load_bundle

    b = load_bundle()
    assert "vn.quang_binh" not in set(b.geographies["geo_id"])
    assert b.geo_name("vn.quang_binh") == "Tỉnh Quảng Bình"
    assert b.geo_name("vn.no_such_place") == "vn.no_such_place"
