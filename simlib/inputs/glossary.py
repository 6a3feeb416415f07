"""The glossary file (``data/glossary.csv``): every word of the reports in both languages, read and checked.

Columns ``key, vi, en, note``; one row per key; both texts non-empty and with
the same ``{placeholders}``. :mod:`simlib.present.i18n` uses the table; this
module is where the file is opened (as every file simlib reads is opened in
:mod:`simlib.inputs`).
"""

from __future__ import annotations

import csv
import functools
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from simlib.errors import InputError

__all__ = ["Glossary", "GlossaryError", "read_glossary"]

_FIELDS = ("key", "vi", "en", "note")


class GlossaryError(InputError):
    """The glossary file cannot be used (missing, wrong columns, duplicate key, empty text, mismatched placeholders)."""


@dataclass(frozen=True)
class Glossary:
    """The translation table: key -> text per language, plus the reviewers' notes.

    Attributes
    ----------
    path : Path
        The file it was read from.
    texts : Mapping[str, Mapping[str, str]]
        ``texts[key][lang]``, NFC-normalised.
    notes : Mapping[str, str]
        ``notes[key]``: the reviewers' note ("" when none).
    """

    path: Path
    texts: Mapping[str, Mapping[str, str]]
    notes: Mapping[str, str]

    def __contains__(self, key: object) -> bool:
        return key in self.texts

    def keys(self):
        return self.texts.keys()


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:  # unbalanced braces
        raise ValueError(f"bad braces ({exc}); write {{name}} for a placeholder and {{{{ }}}} for a literal brace") \
            from None


@functools.lru_cache(maxsize=8)
def _read(path: str) -> Glossary:
    """Read and check one glossary file (cached by path; see :func:`read_glossary`)."""
    p = Path(path)
    where = p.name
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise GlossaryError(f"{p}: cannot read the glossary ({exc.strerror or exc}); reinstall simlib or pass the "
                            "path of a glossary.csv") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GlossaryError(f"{where}: not UTF-8 text (byte {exc.start}); save the file as 'CSV UTF-8'") from None
    reader = csv.reader(text.splitlines(keepends=True))
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != list(_FIELDS):
        raise GlossaryError(f"{where}, row 1: the header is {header!r}; it must be exactly "
                            f"{','.join(_FIELDS)}")
    texts: dict[str, dict[str, str]] = {}
    notes: dict[str, str] = {}
    for rownum, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(_FIELDS):
            raise GlossaryError(f"{where}, row {rownum}: {len(row)} cells, expected {len(_FIELDS)} "
                                f"({', '.join(_FIELDS)}); put text containing commas in double quotes")
        key, vi, en, note = (unicodedata.normalize("NFC", cell) for cell in row)
        if not key.strip() or key != key.strip():
            raise GlossaryError(f"{where}, row {rownum}, column key: {key!r} is empty or has spaces around it")
        if key in texts:
            raise GlossaryError(f"{where}, row {rownum}, column key: {key!r} appears twice; keep one row per key")
        for lang, value in (("vi", vi), ("en", en)):
            if not value.strip():
                raise GlossaryError(f"{where}, row {rownum}, column {lang}: the text of {key!r} is empty")
        try:
            ph_vi = _placeholders(vi)
        except ValueError as exc:
            raise GlossaryError(f"{where}, row {rownum}, column vi ({key!r}): {exc}") from None
        try:
            ph_en = _placeholders(en)
        except ValueError as exc:
            raise GlossaryError(f"{where}, row {rownum}, column en ({key!r}): {exc}") from None
        if ph_vi != ph_en:
            raise GlossaryError(f"{where}, row {rownum} ({key!r}): the placeholders differ between vi "
                                f"{sorted(ph_vi)} and en {sorted(ph_en)}; both texts must use the same {{names}}")
        texts[key] = {"vi": vi, "en": en}
        notes[key] = note
    return Glossary(p, texts, notes)



def read_glossary(path: str | Path) -> Glossary:
    """Read and check a glossary file.

    Parameters
    ----------
    path : str or Path
        A ``glossary.csv`` (UTF-8, with or without a byte-order mark).

    Returns
    -------
    Glossary
        Texts NFC-normalised; read once per path and process.

    Raises
    ------
    GlossaryError
        Missing file, wrong header, a duplicate key, an empty text or
        placeholders that differ between the languages (file and row named).
    """
    return _read(str(Path(path)))
