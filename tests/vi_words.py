"""English in a Vietnamese document: an ASCII word that cannot be a Vietnamese syllable (issue 25).

Vietnamese is written in syllables (initial consonant, vowel nucleus, final consonant) with diacritics; a word
written with plain ASCII letters that does not parse as a syllable ("model", "capacity", "normal", "mean", "flow")
is English (or code) in a Vietnamese text. Words allowed: acronyms in capitals (THCS, GDNN), place names (the
bundled geographies and every commune and ward of the 34 provinces, some of them in minority languages: "Ea
Kar"), and a short list of product names and technical terms. File names and URLs are left out.

Used by the tests that scan every cell of every sheet of the Vietnamese workbook, the HTML page and the Word
report (tests/test_provinces_render.py, tests/test_report.py).
"""

from __future__ import annotations

import functools
import html as _html
import re
import zipfile
from pathlib import Path

_INIT = "(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|b|c|d|g|h|k|l|m|n|p|r|s|t|v|x)?"
_NUC = ("(?:uye|uya|uyu|oai|oay|oeo|uay|uoi|uou|ieu|yeu|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|uo|uu|uy|ye"
        "|a|e|i|o|u|y)")
_FIN = "(?:ch|nh|ng|c|m|n|p|t)?"
SYLLABLE = re.compile(_INIT + _NUC + _FIN)
#: English words that happen to parse as a Vietnamese syllable but never stand without diacritics in Vietnamese.
ENGLISH_SYLLABLES = frozenset({"the", "than", "then", "tha", "ban", "can", "man", "hit", "top", "net", "cap", "bin"})
#: Product names and technical terms a Vietnamese report uses as they are.
TERMS = frozenset({"simlib", "excel", "word", "csv", "logit", "log", "beta", "dirichlet", "jupyterlab", "windows",
                   "libreoffice", "html", "pdf", "python", "email", "online", "covid", "unesco", "unicef", "oecd"})
_FILES = re.compile(r"(?:https?://\S+|[\w./\\-]+\.(?:csv|yaml|yml|xlsx|xls|ods|docx|html|md|json|txt|png|svg))",
                    re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")


@functools.lru_cache(maxsize=1)
def place_words() -> frozenset[str]:
    """ASCII words of every place name simlib knows (lower case)."""
    from simlib.inputs import places
    from simlib.inputs.bundle import load_bundle

    names = list(load_bundle().geographies["name_vi"].dropna())
    names += list(places._current()[1]["name_vi"]) + list(places.provinces()["name"])
    names += list(places.historical_units()["name_vi"].dropna())
    return frozenset(w.lower() for n in names for w in _WORD.findall(str(n)) if w.isascii())


def english_words(text: str, allow: frozenset[str] = frozenset()) -> list[str]:
    """The words of ``text`` that are not Vietnamese (nor an allowed acronym, place name or term)."""
    out = []
    for w in _WORD.findall(_FILES.sub(" ", str(text))):
        if not w.isascii() or len(w) < 2 or (w.isupper() and len(w) <= 6):
            continue
        lw = w.lower()
        if lw in TERMS or lw in allow or lw in place_words():
            continue
        if lw in ENGLISH_SYLLABLES or not SYLLABLE.fullmatch(lw):
            out.append(w)
    return out


def workbook_cells(path: Path, skip_headers: tuple[str, ...] = ()):
    """(sheet, cell, text) of every string cell of every sheet, except the columns headed ``skip_headers``."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    for ws in wb.worksheets:
        rows = ws.iter_rows()
        header = next(rows, ())
        skip = {c.column for c in header if c.value in skip_headers}
        for c in header:
            if isinstance(c.value, str):
                yield ws.title, c.coordinate, c.value
        for row in rows:
            for c in row:
                if isinstance(c.value, str) and getattr(c, "column", None) not in skip:
                    yield ws.title, c.coordinate, c.value


def html_text(path: Path) -> str:
    """The text of an HTML page a reader sees or hears: visible text and the charts' accessible names (the charts'
    drawn text, styles and scripts left out)."""
    s = Path(path).read_text(encoding="utf-8")
    names = re.findall(r'\b(?:aria-label|alt|title)="([^"]*)"', s)
    s = re.sub(r"<(svg|style|script)\b.*?</\1>", " ", s, flags=re.S | re.I)
    s = re.sub(r"<[^>]+>", " ", s)
    return _html.unescape(s + "  " + "  ".join(names))


def docx_text(path: Path) -> str:
    """The text of a Word document's body."""
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    return _html.unescape(" ".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)))


def english_in_report(folder: Path, skip_headers: tuple[str, ...] = ()) -> list[tuple[str, str, str, list[str]]]:
    """Every English word of a Vietnamese report folder: (file, where, text, words)."""
    found = []
    for sheet, cell, text in workbook_cells(folder / "simlib_report.xlsx", skip_headers):
        w = english_words(text)
        if w:
            found.append(("simlib_report.xlsx", f"{sheet}!{cell}", text[:120], w))
    for name, text in (("summary.html", html_text(folder / "summary.html")),
                       ("report.docx", docx_text(folder / "report.docx"))):
        for line in re.split(r"\s{2,}|\n", text):
            w = english_words(line)
            if w:
                found.append((name, "", line[:120], w))
    return found


def id_headers(lang: str = "vi") -> tuple[str, ...]:
    """Headers of the machine-id columns (kept for matching the CSV files) and of quoted sources."""
    from simlib.present import i18n

    keys = ("target_id", "plan_id", "geography", "unit", "evidence")
    return tuple(i18n.column_label(k, lang) for k in keys) + (i18n.t("col.source_as_written", lang),)
