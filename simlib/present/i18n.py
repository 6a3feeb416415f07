"""Words and numbers in the report's language (Vietnamese or English), from one glossary file.

Every piece of text that simlib writes for people (charts, tables, the
workbook, the Word report, the HTML page, the explorer) comes from
``glossary.csv`` in the bundled data folder (``data/glossary.csv`` in the
repository): one row per key with the Vietnamese text, the English text and
a note for reviewers. A native reviewer corrects wording there, in one place;
no code changes.

* :func:`t` gives the text of a key, filling ``{placeholders}``;
  :func:`label` translates a chart category when it is a known key and
  otherwise shows it as given; :func:`scenario_label` prefers a scenario
  file's own title; :func:`column_label` gives table headers
  (keys ``col.<column>``); :func:`code_label` translates codes such as
  verdicts (``verdict.very_unlikely``).
* Numbers follow the language's conventions (CLDR data through Babel):
  Vietnamese ``0,08``, ``10.000``, ``13.260,5``, ``40,12%``,
  ``15.000.000 đ``; English ``0.08``, ``10,000``, ``13,260.5``, ``40.12%``,
  ``VND 15,000,000``. Years are never grouped (``2025``). Rounding is half
  away from zero on the number as written (``0.075`` -> ``0,08``), as a
  person or Excel would round, not Python's half-even.

The glossary is read on first use and cached (:func:`glossary`, through
:func:`simlib.inputs.glossary.read_glossary`, where the file is opened); nothing is
read at import time. Its rules are checked when it is read: columns
``key, vi, en, note``; unique keys; both texts present; the same
``{placeholders}`` in both languages. A broken row stops with a message that
names the file, row and column.

Key namespaces: ``verdict.<code>``, ``scenario.<name>``, ``lever.<key>``,
``param.<key>``, ``track.<key>``, ``geo.<kind>``, ``ref.<decision>``,
``col.<column>``, ``report.<name>``, ``explorer.<name>``,
``workbook.<name>``, ``word.<name>``; plain keys (``target``, ``year``,
``band_90``...) are the chart vocabulary. Place names are Vietnamese in both
languages and are not in the glossary.
"""

from __future__ import annotations

import functools

import math
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from babel import numbers as _babel_numbers

from simlib.errors import InputError
from simlib.inputs.glossary import Glossary, GlossaryError, _read  # the file is read in inputs

__all__ = [
    "LANGS", "Glossary", "GlossaryError", "glossary", "glossary_path",
    "check_lang", "t", "has_label", "label", "scenario_label", "verdict_label", "code_label", "column_label",
    "fmt_number", "fmt_int", "fmt_percent", "fmt_target", "fmt_target_row", "fewest_decimals", "fmt_prob", "fmt_money", "fmt_year", "school_year",
]

#: The report languages.
LANGS = ("vi", "en")
_MINUS = "\u2212"
_DASH = "–"


def glossary_path() -> Path:
    """Path of the bundled ``glossary.csv`` (found through :func:`simlib.inputs.resources.bundled_data_dir`)."""
    from simlib.inputs import resources

    return _bundled_glossary(resources.bundled_data_dir)


@functools.lru_cache(maxsize=4)
def _bundled_glossary(finder) -> Path:
    """``glossary.csv`` in the folder ``finder()`` names, looked up once per finder (every text of a report asks:
    finding the installed package's folder each time cost a tenth of a report's tables)."""
    return finder() / "glossary.csv"


def glossary(path: str | Path | None = None) -> Glossary:
    """The translation table, read once per file and cached.

    Parameters
    ----------
    path : str or Path, optional
        A ``glossary.csv`` (default: the bundled one, :func:`glossary_path`).

    Returns
    -------
    Glossary

    Raises
    ------
    GlossaryError
        With file, row and column when the file breaks a rule (see module docstring).
    """
    return _read(str(Path(path) if path is not None else glossary_path()))


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is one of :data:`LANGS`; otherwise raise :class:`simlib.errors.InputError`."""
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}; expected one of {LANGS}")
    return lang


def t(key: str, lang: str = "en", **fmt) -> str:
    """The text of ``key`` in ``lang``, with ``{placeholders}`` filled from ``fmt``.

    Parameters
    ----------
    key : str
        A glossary key, e.g. ``"target_line"``.
    lang : {"vi", "en"}
    **fmt
        Values for the placeholders, already formatted (numbers through
        :func:`fmt_number` and friends).

    Raises
    ------
    simlib.errors.InputError
        For an unknown key or language, or a missing placeholder value
        (never KeyError).
    """
    check_lang(lang)
    entry = glossary().texts.get(key) if isinstance(key, str) else None
    if entry is None:
        raise InputError(f"unknown label key {key!r} (add it to glossary.csv)")
    text = entry[lang]
    if not fmt:
        return text
    try:
        return text.format(**fmt)
    except KeyError as exc:
        raise InputError(f"label {key!r} needs a value for {{{exc.args[0]}}}") from None


def has_label(key: str) -> bool:
    """True when ``key`` is in the glossary."""
    return isinstance(key, str) and key in glossary().texts


def label(key, lang: str = "en", prefixes: tuple[str, ...] = ("lever.", "scenario.", "verdict.", "")) -> str:
    """Translate ``key`` if ``prefix + key`` is a glossary key (first prefix that matches), else ``str(key)``.

    For chart categories (levers, scenarios, parameters) that may be a known
    key or a text the caller already wrote. With the default prefixes
    ``"baseline"`` is the scenario ("Kịch bản cơ sở"), not the waterfall's
    first bar ("Điểm xuất phát").
    """
    check_lang(lang)
    s = str(key)
    texts = glossary().texts
    for p in prefixes:
        if p + s in texts:
            return texts[p + s][lang]
    return s


def scenario_label(name: str, lang: str = "en", title: str | None = None) -> str:
    """Name of a scenario: its file's own title when given (``title_vi``/``title_en``), else the glossary's.

    Parameters
    ----------
    name : str
        Scenario name (file stem), e.g. ``"baseline"``.
    title : str, optional
        The scenario file's title in ``lang``; used as written when not blank.

    Returns
    -------
    str
        ``title``, else ``scenario.<name>`` from the glossary, else ``name``.
    """
    check_lang(lang)
    if title is not None and str(title).strip():
        return unicodedata.normalize("NFC", str(title).strip())
    return label(name, lang, ("scenario.", ""))


def _code(value) -> str:
    return str(value).strip().lower().replace(" ", "_").replace("-", "_")


def code_label(namespace: str, code, lang: str = "en") -> str:
    """Translate a machine code in ``namespace`` (``"verdict"``, ``"timing"``, ``"track"``...).

    The code is normalised (lower case, spaces and hyphens to ``_``), so
    ``"very unlikely"`` and ``"very_unlikely"`` are the same. Unknown codes
    raise :class:`simlib.errors.InputError`: a code shown untranslated in a
    report is a defect.
    """
    return t(f"{namespace}.{_code(code)}", lang)


def verdict_label(verdict: str, lang: str = "en") -> str:
    """Words of a verdict code (``likely`` ... ``not_assessed``, ``met``, ``missed``; any spelling)."""
    return code_label("verdict", verdict, lang)


def column_label(key: str, lang: str = "en") -> str:
    """Table header for column ``key`` (glossary ``col.<key>``); unknown columns keep their own name."""
    check_lang(lang)
    entry = glossary().texts.get(f"col.{key}")
    return entry[lang] if entry is not None else str(key)


# --------------------------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------------------------

def _finite(x) -> float | None:
    """``x`` as a float, or None for a missing value (None, NaN, pd.NA)."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        if str(x) in ("<NA>", "NaT"):
            return None
        raise InputError(f"{x!r} is not a number") from None
    return None if math.isnan(v) else v


def _round(v: float, decimals: int) -> Decimal:
    """|v| rounded half away from zero on its shortest decimal form (0.075 -> 0.08)."""
    return abs(Decimal(repr(v))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _pattern(decimals: int, grouping: bool) -> str:
    return ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals > 0 else "")


def fmt_number(x, lang: str = "en", decimals: int = 2, *, sign: bool = False, grouping: bool = True) -> str:
    """A number as people write it in ``lang``: vi ``13.260,50``, en ``13,260.50``.

    Parameters
    ----------
    x : float, int, str or None
        The value (a numeric string is accepted).
    lang : {"vi", "en"}
    decimals : int
        Digits after the decimal mark (fixed, so a column lines up).
    sign : bool
        Write ``+`` before positive values (changes).
    grouping : bool
        Thousands separators (False for years and codes).

    Returns
    -------
    str
        Negative values use the minus sign ``−``; a value that rounds to zero
        has no sign (no ``−0,00``); missing values (None/NaN) are ``–``;
        infinities ``∞``/``−∞``.
    """
    check_lang(lang)
    v = _finite(x)
    if v is None:
        return _DASH
    if math.isinf(v):
        return (_MINUS if v < 0 else "") + "∞"
    return _fmt_finite(v, lang, max(int(decimals), 0), bool(sign), bool(grouping))


@functools.lru_cache(maxsize=16384)
def _fmt_finite(v: float, lang: str, decimals: int, sign: bool, grouping: bool) -> str:
    """:func:`fmt_number` of a finite float, remembered: a report's tick labels repeat the same few hundred
    numbers (babel formats each in about 0.2 ms). -0.0 and 0.0 share an entry: both write as zero."""
    d = _round(v, decimals)
    s = _babel_numbers.format_decimal(d, format=_pattern(decimals, grouping), locale=lang,
                                      group_separator=grouping)
    if d == 0:
        return s
    if v < 0:
        return _MINUS + s
    return ("+" + s) if sign else s


def fmt_int(x, lang: str = "en", *, sign: bool = False) -> str:
    """A count (students, draws, places): vi ``10.000``, en ``10,000``; rounded half away from zero."""
    return fmt_number(x, lang, 0, sign=sign)


def fmt_year(x, lang: str = "en") -> str:
    """A year without grouping (``2025``, never ``2.025``); ``–`` when missing."""
    return fmt_number(x, lang, 0, grouping=False)


def school_year(end_year: int) -> str:
    """The school year that ends in ``end_year``: ``school_year(2026) == "2025-2026"``."""
    y = int(end_year)
    return f"{y - 1}-{y}"


def fmt_percent(x, lang: str = "en", decimals: int = 1, *, sign: bool = False) -> str:
    """A value already in percent (0-100) with the % sign: vi ``40,12%``, en ``40.12%``.

    The sign follows the CLDR percent pattern of the language (no space in
    either language, as the plans write "40,12%"). ``decimals`` is fixed.
    """
    s = fmt_number(x, lang, decimals, sign=sign)
    return s if s == _DASH else s + "%"


def fewest_decimals(x, max_decimals: int = 2) -> int:
    """Fewest decimals (up to ``max_decimals``) that show ``x`` as it reads rounded to ``max_decimals``.

    Examples
    --------
    >>> fewest_decimals(95.0), fewest_decimals(52.5), fewest_decimals(40.12), fewest_decimals(45.8149)
    (0, 1, 2, 2)
    """
    v = _finite(x)
    if v is None or math.isinf(v):
        return 0
    d = max(int(max_decimals), 0)
    while d > 0 and _round(v, d) == _round(v, d - 1):
        d -= 1
    return d


def fmt_target(x, lang: str = "en", max_decimals: int = 2) -> str:
    """A target in percent (0-100) as a plan writes it: ``95%``, ``52,5%``, ``40,12%`` (en ``40.12%``).

    Prose names a target the way the plan wrote it, so the decimals are the
    ones it needs (:func:`fewest_decimals`, at most ``max_decimals``), not a
    table column's fixed decimals ("95,00%").

    Examples
    --------
    >>> fmt_target(95.0, "vi"), fmt_target(40.12, "vi"), fmt_target(52.5, "en"), fmt_target(45.8149, "vi")
    ('95%', '40,12%', '52.5%', '45,81%')
    """
    return fmt_percent(x, lang, fewest_decimals(x, max_decimals))


def fmt_target_row(comparator: str, value_pct, low_pct=None, high_pct=None, lang: str = "en") -> str:
    """A target as the plan states it, in percent (0-100): a band ``40–45%``, at most ``≤ 5%``, else ``95%``.

    Parameters
    ----------
    comparator : str
        ``>=``, ``>``, ``<=``, ``<``, ``range`` or ``approx`` (``data/targets.csv``).
    value_pct, low_pct, high_pct : float or None
        The target's value, or its band's floor and ceiling, in percent.
    lang : {"vi", "en"}

    Examples
    --------
    >>> fmt_target_row("range", None, 40, 45, "vi"), fmt_target_row("<=", 5, lang="vi"), fmt_target_row(">=", 95.0)
    ('40–45%', '≤ 5%', '95%')
    >>> fmt_target_row("range", None, 52.5, 55, "vi")
    '52,5–55%'
    """
    comp = str(comparator)
    if comp == "range" and _finite(low_pct) is not None and _finite(high_pct) is not None:
        return fmt_number(low_pct, lang, fewest_decimals(low_pct)) + "–" + fmt_target(high_pct, lang)
    if comp == "range":
        return fmt_target(low_pct, lang)
    prefix = {"<=": "≤ ", "<": "< "}.get(comp, "")
    return prefix + fmt_target(value_pct, lang)


def fmt_prob(p, lang: str = "en", decimals: int = 2) -> str:
    """A probability (0-1) as a decimal: vi ``0,08``, en ``0.08``.

    A probability that is not exactly 0 or 1 but would round to it is written
    ``< 0,01`` / ``> 0,99`` (en ``< 0.01`` / ``> 0.99``), so a rare event is
    never shown as impossible or certain.

    Raises
    ------
    simlib.errors.InputError
        If ``p`` is outside [0, 1].
    """
    v = _finite(p)
    if v is None:
        return _DASH
    if not 0.0 <= v <= 1.0:
        raise InputError(f"probability {p!r} is outside [0, 1]")
    step = 10.0 ** -decimals
    if 0.0 < v and _round(v, decimals) == 0:
        return "< " + fmt_number(step, lang, decimals)
    if v < 1.0 and _round(v, decimals) == 1:
        return "> " + fmt_number(1 - step, lang, decimals)
    return fmt_number(v, lang, decimals)


def fmt_money(vnd, lang: str = "en", *, billions: bool = False, decimals: int | None = None) -> str:
    """An amount of Vietnamese dong: vi ``15.000.000 đ``, en ``VND 15,000,000``.

    Parameters
    ----------
    vnd : float
        Amount in VND (đồng).
    billions : bool
        Write it in billions: vi ``1,5 tỷ đồng``, en ``VND 1.5 billion``.
    decimals : int, optional
        Default 0 for đồng, 1 for billions.
    """
    v = _finite(vnd)
    if v is None:
        return _DASH
    if billions:
        num = fmt_number(v / 1e9, lang, 1 if decimals is None else decimals)
        return f"{num} {t('money_billion', lang)}" if lang == "vi" else f"VND {num} billion"
    num = fmt_number(v, lang, 0 if decimals is None else decimals)
    return f"{num} {t('money_suffix', lang)}" if lang == "vi" else f"{t('money_suffix', lang)} {num}"


def __getattr__(name: str):
    """``LABELS`` and ``COLUMNS`` (read-only views of the glossary) for code written before the glossary file."""
    if name == "LABELS":
        return {k: dict(v) for k, v in glossary().texts.items() if not k.startswith("col.")}
    if name == "COLUMNS":
        return {k[4:]: dict(v) for k, v in glossary().texts.items() if k.startswith("col.")}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
