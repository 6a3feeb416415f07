"""The assess stage's notes in the report's language.

The assess tables carry notes as language-free codes (:mod:`simlib.assess.notes`:
``evidence_borrowed(n=2, source=vn.long_an)``); :func:`note_text` puts them
into words from the glossary (``note.<code>``), with numbers formatted for the
language, geographies by their names, indicators and tracks by their labels.
A cell that is not notes (a planner's own text, a data source) is shown as it is.

Examples
--------
>>> note_text("evidence_own(n=3); comparator_range", "vi")
'3 số liệu thực tế của chính địa bàn; Chỉ tiêu là một khoảng: đạt khi chạm cận dưới'
>>> note_text("past_observed(value=61.25, year=2021, obs=o1)", "en")
'A past target: 61.25 % observed in 2021'
>>> note_text("Nguồn: Sở GD&ĐT", "vi")
'Nguồn: Sở GD&ĐT'
"""

from __future__ import annotations

import re
from collections.abc import Callable

from simlib.assess.notes import decode
from simlib.present import i18n

__all__ = ["note_text", "is_note", "distribution_text", "lever_text", "parameter_text"]

_INTS = ("n", "units", "spells", "students_per_teacher", "illustrative")
_YEARS = ("year", "as_of")
_PERCENTS = ("value", "max_pct")
_GEOS = ("source", "sources", "geography")
_INDICATORS = ("indicator", "steered")


def is_note(text) -> bool:
    """True when ``text`` is notes the glossary knows (every code has a ``note.<code>`` row)."""
    try:
        notes = decode(text)
    except ValueError:
        return False
    return bool(notes) and all(i18n.has_label(f"note.{n.code}") for n in notes)


def _number(v: str, lang: str, kind: str) -> str:
    try:
        x = float(v)
    except ValueError:
        return v
    if kind == "int":
        return i18n.fmt_int(x, lang)
    if kind == "year":
        return i18n.fmt_year(x, lang)
    return i18n.fmt_number(x, lang, 1 if abs(x - round(x, 1)) < 1e-9 else 2)


def _list(v: str, name: Callable[[str], str], lang: str) -> str:
    items = [name(x) for x in v.split("+") if x and x != "none"]
    if not items:
        return "–"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + i18n.t("note.and", lang) + items[-1]


def note_text(text, lang: str, *, geo_name: Callable[[str], str] | None = None,
              indicator_name: Callable[[str], str] | None = None) -> str:
    """Notes (``code(key=value); ...``) as sentences in ``lang``, joined by ``"; "``.

    Parameters
    ----------
    text : str
        A table cell. Text that is not notes (or names a code the glossary
        does not have) is returned as it is.
    lang : {"vi", "en"}
    geo_name : callable, optional
        Geography id -> name (default: the id).
    indicator_name : callable, optional
        Indicator id -> short name in ``lang`` (default: the id).

    Returns
    -------
    str
    """
    if not is_note(text):
        return "" if text is None or (isinstance(text, float) and text != text) else str(text)
    geo = geo_name or str
    ind = indicator_name or str

    def track(x: str) -> str:
        return i18n.label(x, lang, ("track.", ""))

    out = []
    for note in decode(text):
        args: dict[str, str] = {}
        for k, v in note.args.items():
            if k in _INTS:
                args[k] = _number(v, lang, "int")
            elif k in _YEARS:
                args[k] = _number(v, lang, "year")
            elif k in _PERCENTS:
                args[k] = _number(v, lang, "pct")
            elif k in _GEOS:
                args[k] = _list(v, geo, lang)
            elif k in _INDICATORS:
                args[k] = _list(v, ind, lang)
            elif k == "priors":
                args[k] = _list(v, track, lang)
            elif k == "origin":
                args[k] = v.upper()
            else:
                args[k] = v
        if note.code in ("derived_rests_on", "derived_no_figures"):
            parts = []
            if "sources" in args:
                parts.append(i18n.t("note.part_figures", lang, n=args.get("n", "0"), sources=args["sources"]))
            if "priors" in args:
                parts.append(i18n.t("note.part_priors", lang, priors=args["priors"]))
            args["parts"] = i18n.t("note.and", lang).join(parts) or "–"
        out.append(i18n.t(f"note.{note.code}", lang, **args))
    return "; ".join(out)


# --------------------------------------------------------------------------------------------
# the lever file's priors: distributions, parameters and levers in words
# --------------------------------------------------------------------------------------------
_DIST = re.compile(r"^([a-z_]+)\((.*)\)(?: clipped to \[(\S+), (\S+)\])?$")


def _num(s: str, lang: str) -> str:
    """A number as the lever file wrote it (``0.015``, ``3.6e+07``, ``None``) in ``lang``'s format."""
    s = s.strip()
    try:
        x = float(s)
    except ValueError:
        return s
    if "e" in s.lower():
        decimals = 0 if x == int(x) else 4
    else:
        frac = s.split(".")[1].rstrip("0") if "." in s else ""
        decimals = len(frac)
    return i18n.fmt_number(x, lang, decimals)


def distribution_text(text, lang: str) -> str:
    """A prior as the lever table writes it (``normal(mean=0.02, sd=0.015) clipped to [0, 1]``) in words.

    Distributions the glossary does not have (``dist.<name>``) are shown as written.

    Examples
    --------
    >>> distribution_text("normal(mean=0.02, sd=0.015) clipped to [-0.03, 0.0]", "vi")
    'phân phối chuẩn, trung bình 0,02, độ lệch chuẩn 0,015; giới hạn trong khoảng −0,03 đến 0'
    >>> distribution_text("fixed(3.6e+07)", "en")
    'fixed at 36,000,000'
    """
    s = str(text)
    m = _DIST.match(s)
    if not m or not i18n.has_label(f"dist.{m.group(1)}"):
        return s
    name, body = m.group(1), m.group(2)
    if name == "fixed":
        args = {"value": _num(body, lang)}
    elif name == "discrete_uniform":
        vals = body.partition("=")[2].strip().strip("[]")
        args = {"values": "; ".join(_num(v, lang) for v in vals.split(","))}
    elif name == "dirichlet":
        split, _, conc = body.partition("; concentration ")
        parts = []
        for kv in split.split(", "):
            k, _, v = kv.rpartition(" ")
            parts.append(f"{i18n.label(k, lang, ('track.', ''))} {_num(v, lang)}")
        args = {"split": "; ".join(parts), "concentration": _num(conc, lang)}
    else:
        args = {}
        for kv in body.split(", "):
            k, _, v = kv.partition("=")
            args[k.strip()] = _num(v, lang)
    try:
        out = i18n.t(f"dist.{name}", lang, **args)
    except Exception:  # a parameter the glossary's wording does not name: as written
        return s
    if m.group(3) is not None:
        lo, hi = m.group(3), m.group(4)
        if lo == "None":
            out += i18n.t("dist.clip_upper", lang, upper=_num(hi, lang))
        elif hi == "None":
            out += i18n.t("dist.clip_lower", lang, lower=_num(lo, lang))
        else:
            out += i18n.t("dist.clip", lang, lower=_num(lo, lang), upper=_num(hi, lang))
    return out


def lever_text(key, lang: str, *, indicator_name: Callable[[str], str] | None = None) -> str:
    """A lever of the lever table (``counselling_g9``, ``shock:free_thpt``, ``quota``, ``combination``) in words."""
    s = str(key)
    if s.startswith("shock:"):
        s = s.partition(":")[2]
    return i18n.label(s, lang, ("lever.", ""))


def parameter_text(name, lang: str, *, indicator_name: Callable[[str], str] | None = None) -> str:
    """A prior's parameter (``effect_full``, ``cost.vnd_per_period``, ``max_feasible_share[ind]``) in words."""
    s = str(name)
    m = re.match(r"^([a-z_]+)\[([a-z0-9_]+)\]$", s)
    if m and i18n.has_label(f"param.{m.group(1)}"):
        ind = (indicator_name or str)(m.group(2))
        return f"{i18n.t(f'param.{m.group(1)}', lang)}: {ind}"
    return i18n.t(f"param.{s}", lang) if i18n.has_label(f"param.{s}") else s
