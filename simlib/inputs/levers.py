"""Lever and scenario files (YAML): read, check their shape, hand plain objects to the scenario stage.

Two kinds of file:

* the **lever file** (``data/levers.yaml``, or a case's own): each lever's
  type, settings, priors and costs, the baseline shocks, capacity
  utilisation, the combination bound, the quota and the new tracks;
* **scenario files** (``data/scenarios/*.yaml``): a named set of lever
  settings by year, capacity caps, a grade-10 quota, new tracks.

This module is the only place these files are opened. It checks what a
file's *shape* must be (one YAML reader, :func:`simlib.inputs.yamlio.read_yaml`;
one unknown-keys check, :func:`simlib.inputs.yamlio.check_keys`; numbers
or ``{year: number}`` mappings) and returns :class:`LeverDoc` and
:class:`ScenarioDoc`; what each lever's fields mean is checked by its type
in :mod:`simlib.scenarios` (:mod:`simlib.scenarios.lever_types`).

One rule says which lever file is the default: :func:`lever_file` (the
``levers.yaml`` of the data folder in use). The run (``plan_run``), a case
(``load_case_inputs``) and a scenario checked without a lever set all use it.

Examples
--------
>>> doc = read_scenario_file("plan_as_written")
>>> doc.name, dict(doc.levers["counselling_g9"]["coverage"])
('plan_as_written', {2025: 1.0})
>>> lever_file().name
'levers.yaml'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import re

from simlib.errors import InputError
from simlib.inputs.messages import message
from simlib.inputs.resources import bundled_data_dir
from simlib.inputs.yamlio import check_keys, read_yaml

__all__ = [
    "LeverError", "LeverDoc", "ScenarioDoc", "LEVER_FILE", "SCENARIO_KEYS", "LEVER_FILE_KEYS",
    "lever_file", "scenario_dir", "read_lever_file", "read_scenario_file", "list_scenario_files", "by_year",
]

#: The lever file's name in a data folder.
LEVER_FILE = "levers.yaml"
#: Keys a scenario file may have.
SCENARIO_KEYS = ("name", "title_en", "title_vi", "description", "levers", "capacity", "quota", "tracks")
#: Keys a lever file may have.
LEVER_FILE_KEYS = ("version", "research_note", "levers", "shocks", "capacity", "combination", "districts",
                   "quota", "tracks")
#: Bundled scenarios listed first, in this order.
_ORDER = ("baseline", "plan_as_written", "waiver_plus", "all_levers")


class LeverError(InputError):
    """A lever or scenario file is invalid; the message names the file and the entry."""


def lever_error(message_key: str, **fields: Any) -> LeverError:
    """A :class:`LeverError` from the message table, in English with its Vietnamese text (``error.text("vi")``)."""
    return LeverError(message(message_key, "en", **fields), vi=message(message_key, "vi", **fields))


def _number(v: Any, where: str) -> float:
    """A setting's number; a '%' sign or a decimal comma is refused with the number to write instead."""
    if isinstance(v, bool):
        raise lever_error("scen_number", where=where, v=repr(v))
    if isinstance(v, (int, float)):
        return float(v)
    text = str(v).strip() if v is not None else ""
    if text.endswith("%"):
        try:
            fixed = f"{float(text[:-1].strip().replace(',', '.')) / 100:g}"
        except ValueError:
            fixed = "0.70"
        raise lever_error("scen_pct_sign", where=where, v=text, fixed=fixed)
    if re.fullmatch(r"[+-]?\d+,\d+", text):
        raise lever_error("scen_decimal_comma", where=where, v=text, fixed=text.replace(",", "."))
    try:
        return float(text)
    except ValueError:
        raise lever_error("scen_number", where=where, v=repr(v)) from None


def lever_file(data_dir: str | Path | None = None) -> Path:
    """The default lever file: ``levers.yaml`` of ``data_dir`` (default the bundled ``data/``).

    The one rule for every caller (a run, a case, a scenario read alone), so a
    scenario is checked against the lever file its run uses.
    """
    return Path(data_dir if data_dir is not None else bundled_data_dir()) / LEVER_FILE


def scenario_dir(data_dir: str | Path | None = None) -> Path:
    """The folder of the scenario files of ``data_dir`` (default the bundled ``data/scenarios``)."""
    return Path(data_dir if data_dir is not None else bundled_data_dir()) / "scenarios"


@dataclass(frozen=True)
class LeverDoc:
    """A lever file as read: its sections as plain mappings (checked by :mod:`simlib.scenarios.levers`).

    Attributes
    ----------
    path : Path
    levers, shocks, capacity, combination, districts, quota, tracks : mapping
        The file's sections (empty when absent).
    """

    path: Path
    levers: Mapping[str, Any]
    shocks: Mapping[str, Any] = field(default_factory=dict)
    capacity: Mapping[str, Any] = field(default_factory=dict)
    combination: Mapping[str, Any] = field(default_factory=dict)
    districts: Mapping[str, Any] = field(default_factory=dict)
    quota: Mapping[str, Any] = field(default_factory=dict)
    tracks: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name


def read_lever_file(path: str | Path | None = None) -> LeverDoc:
    """Read a lever file (default :func:`lever_file`).

    Raises
    ------
    LeverError
        The file is not valid YAML, has an unknown top-level key, or has no
        ``levers:`` section; a section is not a mapping.
    """
    path = Path(path) if path is not None else lever_file()
    doc, lines = _in_both(read_yaml, path, error=LeverError, key_lines=True)
    if not isinstance(doc, Mapping) or not isinstance(doc.get("levers"), Mapping):
        raise lever_error("lev_no_levers", where=path)
    _in_both(check_keys, doc, LEVER_FILE_KEYS, path.name, ("a lever file", "tệp giải pháp"), error=LeverError,
             lines=lines)
    sections = {}
    for key in LEVER_FILE_KEYS[2:]:
        sec = doc.get(key) or {}
        if not isinstance(sec, Mapping):
            raise lever_error("lev_mapping", where=f"{path.name}: {key}")
        sections[key] = MappingProxyType(dict(sec))
    return LeverDoc(path, **sections)


def by_year(value: Any, where: str) -> float | Mapping[int, float]:
    """A setting as written: a number (every year) or ``{year: number}`` (sorted by year).

    Examples
    --------
    >>> dict(by_year({2027: 0.7, 2025: "0.5"}, "x"))
    {2025: 0.5, 2027: 0.7}
    >>> by_year("1", "x")
    1.0
    """
    if isinstance(value, Mapping):
        out = {}
        items = list(value.items())
        for i, (y, v) in enumerate(items):
            if v is None and i and isinstance(y, int) and y < 1000 and isinstance(items[i - 1][1], (int, float)):
                # YAML reads {2027: 0,7} as {2027: 0, 7: None}
                raise lever_error("scen_yaml_comma", where=where, y=items[i - 1][0], v=items[i - 1][1], k=y)
            try:
                year = int(y)
            except (TypeError, ValueError):
                raise lever_error("scen_year_number", where=where, y=repr(y), v=repr(v)) from None
            if v is None:
                raise lever_error("scen_year_number", where=where, y=y, v="(trống / empty)")
            out[year] = _number(v, f"{where}.{year}")
        if not out:
            raise lever_error("scen_no_years", where=where)
        return MappingProxyType(dict(sorted(out.items())))
    if value is None:
        raise lever_error("scen_number", where=where, v="(trống / empty)")
    return _number(value, where)


@dataclass(frozen=True)
class ScenarioDoc:
    """A scenario file as read: names and settings (numbers or ``{year: number}``), not yet checked against levers.

    Attributes
    ----------
    levers : mapping lever -> setting -> number or {year: number}
    capacity : mapping geography -> origin -> track -> number or {year: number}
    quota : mapping name -> number or {year: number}; ``overflow``: mapping destination -> value as written
    tracks : mapping track -> number or {year: number}
    """

    path: Path
    name: str
    title_en: str = ""
    title_vi: str = ""
    description: str = ""
    levers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    capacity: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    quota: Mapping[str, Any] = field(default_factory=dict)
    tracks: Mapping[str, Any] = field(default_factory=dict)


def list_scenario_files(directory: str | Path | None = None) -> list[str]:
    """Names of the scenario files of a folder (default the bundled ``data/scenarios``; baseline first)."""
    d = Path(directory) if directory is not None else scenario_dir()
    names = sorted(p.stem for p in d.glob("*.yaml"))
    return [n for n in _ORDER if n in names] + [n for n in names if n not in _ORDER]


def scenario_path(name_or_path: str | Path, directory: str | Path | None = None) -> Path:
    """The file of a scenario given by name (``<directory>/NAME.yaml``) or by path."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml", ".json"):
        return p
    d = Path(directory) if directory is not None else scenario_dir()
    p = d / f"{name_or_path}.yaml"
    if not p.exists():
        raise lever_error("scen_no_file", name=name_or_path, path=p, known=", ".join(list_scenario_files(d)) or "–")
    return p


#: What a scenario's capacity section holds at each depth, as a planner reads it.
_CAPACITY_SHAPES = (
    {"shape_en": "{geo_id: {thcs|thpt: {track: seats}}}", "shape_vi": "{mã địa bàn: {thcs|thpt: {loại hình: số chỗ}}}"},
    {"shape_en": "{thcs|thpt: {track: seats}}", "shape_vi": "{thcs|thpt: {loại hình: số chỗ}}"},
    {"shape_en": "{track: seats}", "shape_vi": "{loại hình: số chỗ}"},
)


def _in_both(check, *args, **kwargs):
    """``check(*args, **kwargs)`` (a reader or check of :mod:`simlib.inputs.yamlio` taking ``lang``), with its
    refusal in both languages: the lever and scenario readers do not know the report's language, so the English
    text is the error's and the Vietnamese its ``vi``."""
    try:
        return check(*args, **kwargs)
    except LeverError as en:
        try:
            check(*args, **kwargs, lang="vi")
        except LeverError as vi:
            raise LeverError(str(en), vi=str(vi)) from None
        raise


def read_scenario_file(name_or_path: str | Path, directory: str | Path | None = None) -> ScenarioDoc:
    """Read a scenario by name or path: known keys, settings as numbers or ``{year: number}``.

    Raises
    ------
    LeverError
        Naming the file and the entry: an unknown key, a section that is not
        a mapping, a value that is not a number or ``{year: number}``.
    """
    p = scenario_path(name_or_path, directory)
    doc, lines = _in_both(read_yaml, p, error=LeverError, key_lines=True)
    if not isinstance(doc, Mapping):
        raise lever_error("scen_not_mapping", where=p)
    _in_both(check_keys, doc, SCENARIO_KEYS, p.name, ("a scenario", "tệp kịch bản"), error=LeverError, lines=lines)
    settings = {}
    for key, sets in (doc.get("levers") or {}).items():
        if not isinstance(sets, Mapping):
            raise lever_error("scen_lever_settings", where=p.name, name=key)
        settings[key] = MappingProxyType({n: by_year(v, f"{p.name}: levers.{key}.{n}") for n, v in sets.items()})
    capacity = {}
    cap_doc = doc.get("capacity") or {}
    if not isinstance(cap_doc, Mapping):
        raise lever_error("scen_capacity", where=f"{p.name}: capacity", v=repr(cap_doc), **_CAPACITY_SHAPES[0])
    for geo, origins in cap_doc.items():
        if not isinstance(origins, Mapping):
            raise lever_error("scen_capacity", where=f"{p.name}: capacity.{geo}", v=repr(origins), **_CAPACITY_SHAPES[1])
        per = {}
        for origin, tracks in origins.items():
            if not isinstance(tracks, Mapping):
                raise lever_error("scen_capacity", where=f"{p.name}: capacity.{geo}.{origin}", v=repr(tracks),
                                  **_CAPACITY_SHAPES[2])
            per[str(origin)] = MappingProxyType({str(t): by_year(v, f"{p.name}: capacity.{geo}.{origin}.{t}")
                                                 for t, v in tracks.items()})
        capacity[str(geo)] = MappingProxyType(per)
    extra = {}
    for section in ("quota", "tracks"):
        sec = doc.get(section) or {}
        if not isinstance(sec, Mapping):
            raise lever_error("scen_section", where=p.name, section=section,
                              example=("grade10_public_share: {2027: 0.70}" if section == "quota"
                                       else "trung_hoc_nghe: {2027: 0.03}"))
        extra[section] = MappingProxyType({
            str(k): (v if section == "quota" and str(k) == "overflow" else by_year(v, f"{p.name}: {section}.{k}"))
            for k, v in sec.items()})
    return ScenarioDoc(p, str(doc.get("name", p.stem)), str(doc.get("title_en", "")), str(doc.get("title_vi", "")),
                       " ".join(str(doc.get("description", "")).split()), MappingProxyType(settings),
                       MappingProxyType(capacity), extra["quota"], extra["tracks"])
