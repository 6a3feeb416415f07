"""Notes on an answer as language-free codes, which the present stage puts into words.

The assess tables (verdicts, capacity, target options) say *why* an answer is
what it is: "2 figures, borrowed from the province", "a past target, observed
in 2021", "the target is above the room-to-move bound". They say it as codes
with arguments, never as sentences, so a Vietnamese report holds no English
and a reviewer corrects the wording in one place (the glossary rows
``note.<code>``; :mod:`simlib.present.notes` reads them).

A note is written ``code`` or ``code(key=value, key=value)``; several notes in
one cell are joined by ``"; "``. Values are numbers (a decimal point), years,
or machine ids (geographies, indicators, observations, components); a list
of ids is joined by ``+``.

Examples
--------
>>> encode([Note("evidence_borrowed", {"n": 2, "source": "vn.long_an"}), Note("comparator_range")])
'evidence_borrowed(n=2, source=vn.long_an); comparator_range'
>>> [n.code for n in decode("past_observed(value=61.25, year=2021, obs=o1); comparator_approx")]
['past_observed', 'comparator_approx']
>>> decode("evidence_own(n=3)")[0].args
{'n': '3'}
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Note", "encode", "decode", "is_id", "CODES"]

#: Every note code the assess stage writes (the glossary has ``note.<code>`` for each; a test checks).
CODES = (
    # where the evidence of a steered indicator comes from
    "no_evidence", "evidence_own", "evidence_borrowed",
    # derived indicators (from the cohort flows)
    "derived_rests_on", "derived_no_figures", "derived_model", "derived_origin_no_evidence",
    # why a target is not judged
    "not_simulated", "not_in_run", "not_a_unit", "year_outside",
    # reading the target and the levers
    "comparator_range", "comparator_approx", "above_room", "dose_optimistic",
    # past targets and scenarios
    "past_observed", "past_estimated", "past_scenario", "scenario_early",
    # the feasible-progress check when the peer panel cannot be used
    "feasible_fallback", "feasible_none",
    # capacity
    "cap_one", "cap_known", "cap_unknown", "cap_none", "cap_covers", "cohort_unknown",
    # evidence columns that are not a geography
    "flow_model", "priors_only",
)

_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_BAD_VALUE = re.compile(r"[(),;=\s]")
_NOTE = re.compile(r"^([a-z][a-z0-9_]*)(?:\((.*)\))?$")


def is_id(value: Any) -> bool:
    """True when ``value`` can be a note's value as it is (a machine id: no spaces, commas, brackets, ``=``, ``;``).

    >>> is_id("la.2025.long_an_college_quota"), is_id("Trường A (2025)")
    (True, False)
    """
    s = str(value)
    return bool(s) and not _BAD_VALUE.search(s)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return "nan"
        return f"{v:.4f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))
    if isinstance(v, (list, tuple)):
        return "+".join(_value(x) for x in v)
    s = str(v)
    if not s or _BAD_VALUE.search(s):
        raise ValueError(f"note value {s!r}: ids only (no spaces, commas, brackets, '=' or ';')")
    return s


@dataclass(frozen=True)
class Note:
    """One note: a code (``note.<code>`` in the glossary) and its arguments.

    Attributes
    ----------
    code : str
        One of :data:`CODES`.
    args : mapping of str to value
        Numbers (counts, percent 0-100, years) or machine ids; decoded
        notes hold every value as text.
    """

    code: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if not _CODE.match(self.code):
            raise ValueError(f"note code {self.code!r}: lower-case letters, digits and '_' only")

    def encode(self) -> str:
        """``code`` or ``code(key=value, ...)``."""
        if not self.args:
            return self.code
        return f"{self.code}(" + ", ".join(f"{k}={_value(v)}" for k, v in self.args.items()) + ")"


def encode(notes: Iterable[Note]) -> str:
    """The notes of one cell, joined by ``"; "`` (empty string for none)."""
    return "; ".join(n.encode() for n in notes)


def decode(text: Any) -> list[Note]:
    """The notes of one cell (empty for an empty or missing cell).

    Raises
    ------
    ValueError
        For text that is not notes (e.g. an English sentence from an older table).
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return []
    out = []
    for part in str(text).split("; "):
        m = _NOTE.match(part.strip())
        if not m:
            raise ValueError(f"{part!r} is not a note code (code or code(key=value, ...))")
        args = {}
        for kv in (m.group(2) or "").split(", "):
            if kv:
                k, sep, v = kv.partition("=")
                if not sep:
                    raise ValueError(f"{part!r}: argument {kv!r} has no '='")
                args[k] = v
        out.append(Note(m.group(1), args))
    return out
