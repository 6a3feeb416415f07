"""The self-contained HTML summary: inline CSS, tables, key figures and embedded charts, A4 printable.

:func:`write_html_summary` and :class:`Section`. Re-exported by :mod:`simlib.present.export`.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simlib.present.safety import neutralise
from simlib.present.export import _atomic_write, _is_missing
from simlib.present.planner_workbook import Column, ordered_columns


# --------------------------------------------------------------------------- HTML


@dataclass(frozen=True)
class Section:
    """One section of an HTML summary.

    Attributes
    ----------
    heading : str
        Section heading (``<h2>``).
    text : str
        Plain text; blank lines separate paragraphs.
    table : DataFrame or None
        A table shown after the text (index not shown).
    images : sequence of Path
        Charts: ``.svg`` files are inlined as markup, ``.png``, ``.jpg``,
        ``.gif`` and ``.webp`` files embedded as base64 data URIs.
    callouts : sequence of (str, str)
        Key figures as (label, value), shown as large boxes, e.g.
        ``("Xác suất đạt chỉ tiêu 40,12% (năm 2025)", "0,08")``.
    formatters : mapping of str to callable, optional
        Column name -> function turning a non-missing value into display
        text; overrides the float format for that column (ignored with
        ``columns``).
    columns : sequence of Column, optional
        How to show ``table`` (the spec the workbook uses): headers and codes
        in the page's language, numbers formatted per kind and right-aligned,
        verdicts tinted; ``id`` columns are not shown (the workbook has them).
    note : str
        Small print after the table and images (e.g. how to read a verdict).
    captions : sequence of str
        One caption per image (``<figcaption>``); default none.
    alts : sequence of str
        One accessible name per image (``aria-label``/``alt``: what a screen
        reader says), e.g. the chart's title; default the caption, else the
        file name.
    page_break_before : bool
        Start the section on a new printed page (e.g. the details after the verdicts).
    """

    heading: str
    text: str = ""
    table: pd.DataFrame | None = None
    images: Sequence[Path] = ()
    callouts: Sequence[tuple[str, str]] = ()
    formatters: Mapping[str, Callable[[Any], str]] | None = field(default=None)
    columns: Sequence["Column"] | None = None
    note: str = ""
    captions: Sequence[str] = ()
    alts: Sequence[str] = ()
    page_break_before: bool = False


# A4 portrait: 210 mm wide; with 15 mm margins the text block is 180 mm. On screen the page is as wide as the
# printed text block, so what fits the screen fits the paper; tables wrap their cells instead of scrolling.
_CSS = """\
:root { --blue: #0072B2; --orange: #E69F00; --vermillion: #D55E00; --green: #009E73;
        --ink: #1a1a1a; --muted: #555; --rule: #d0d0d0; }
* { box-sizing: border-box; }
html { background: #fff; }
body { font-family: "Noto Sans", "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); line-height: 1.45; font-size: 15px;
       width: 100%; max-width: 180mm; margin: 0 auto; padding: 12mm 0 16mm; overflow-wrap: break-word; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 0.4rem; padding-bottom: 0.4rem; border-bottom: 4px solid var(--blue); }
.subtitle { color: var(--muted); margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 0.5rem; padding-left: 0.5rem; border-left: 4px solid var(--blue); }
p { margin: 0 0 0.7rem; }
.callouts { display: flex; flex-wrap: wrap; gap: 0.6rem; margin: 0.6rem 0 1rem; }
.callout { flex: 1 1 10rem; min-width: 0; border: 1px solid var(--rule); border-top: 6px solid var(--blue); padding: 0.5rem 0.7rem; break-inside: avoid; }
.callout:nth-child(4n+2) { border-top-color: var(--orange); }
.callout:nth-child(4n+3) { border-top-color: var(--vermillion); }
.callout:nth-child(4n+4) { border-top-color: var(--green); }
.callout .value { font-size: 1.7rem; font-weight: 700; line-height: 1.2; font-variant-numeric: tabular-nums; }
.callout .label { color: var(--muted); font-size: 0.85rem; }
.table-wrap { margin: 0.6rem 0 1rem; }
table { width: 100%; border-collapse: collapse; font-size: 0.78rem; line-height: 1.3; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--rule); padding: 0.2rem 0.35rem; vertical-align: top; overflow-wrap: break-word; }
th { background: #eef4f9; text-align: left; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
tbody tr:nth-child(even) { background: #f7f7f7; }
td.v-likely, td.v-met { background: #D4EDE4; }
td.v-possible { background: #DDEFF9; }
td.v-unlikely { background: #FCEFD0; }
td.v-very_unlikely, td.v-missed { background: #F9DCCB; }
td.v-not_assessed { background: #EEEEEE; color: var(--muted); }
figure { margin: 0.8rem 0; break-inside: avoid; }
figure svg, figure img { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 0.8rem; margin-top: 0.2rem; }
.note { color: var(--muted); font-size: 0.82rem; }
footer { margin-top: 2rem; padding-top: 0.5rem; border-top: 1px solid var(--rule); color: var(--muted); font-size: 0.8rem; }
.illustrative { color: var(--vermillion); font-weight: 700; }
@page { size: A4; margin: 15mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  .lead { break-inside: avoid; page-break-inside: avoid; }
  section.page-break { break-before: page; }
  section.keep { break-inside: avoid; }
  figure, .callouts, .callout, tr, p { break-inside: avoid; page-break-inside: avoid; }
  p { orphans: 3; widows: 3; }
  figure svg, figure img { max-height: 235mm; width: auto; max-width: 100%; margin: 0 auto; }
  td.num { white-space: normal; }
  thead { display: table-header-group; }
  tbody tr:nth-child(even) { background: none; }
}
"""

_IMAGE_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp"}
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_EXTERNAL_REF = re.compile(r"""(?:\b(?:href|src)\s*=\s*["']\s*|url\(\s*["']?\s*)(?!data:)(?:[a-z][a-z0-9+.-]*:|//)""",
                           re.I)
_NUMERIC_KINDS = ("int", "number", "percent", "prob", "money", "year")


def _esc(text: object) -> str:
    return html.escape(str(neutralise(str(text))), quote=True)


def _paragraphs(text: str, indent: str = "", cls: str = "") -> list[str]:
    parts = [p.strip() for p in re.split(r"\n[ \t]*\n", str(text).replace("\r\n", "\n"))]
    attr = f' class="{cls}"' if cls else ""
    return [f"{indent}<p{attr}>{_esc(p)}</p>" for p in parts if p]


def _default_float(x: float) -> str:
    s = f"{x:.2f}"
    if s.startswith("-") and not any(c in "123456789" for c in s):
        s = s[1:]  # no "-0.00"
    return s


def _locale_float(lang: str) -> Callable[[float], str]:
    """Two decimals in the page's language (``0,08`` in Vietnamese) when simlib knows it, else ``0.08``."""
    from simlib.present import i18n

    if lang in i18n.LANGS:
        return lambda x: i18n.fmt_number(x, lang, 2)
    return _default_float


def _cell_text(v, float_format, fmt) -> tuple[str, bool]:
    """(display text, is numeric) of one value in the legacy path (no column spec)."""
    if _is_missing(v):
        return "–", False
    if fmt is not None:
        return str(fmt(v)), isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v)), False
    if isinstance(v, (float, np.floating)):
        return float_format(float(v)), True
    if isinstance(v, (int, np.integer)):
        return str(int(v)), True
    return str(v), False


def _table_html(df: pd.DataFrame, lang: str, float_format, formatters, columns) -> str:
    rows_html = []
    if columns is not None:
        cols = [c for c in ordered_columns(df, columns) if c.kind != "id"]  # ids stay in the workbook and CSV
        headers = [c.header(lang) for c in cols]
        for rec in df[[c.key for c in cols]].itertuples(index=False, name=None):
            cells = []
            for c, v in zip(cols, rec):
                classes = []
                if c.kind in _NUMERIC_KINDS:  # numbers and their dashes line up on the right
                    classes.append("num")
                if c.kind == "verdict" and not _is_missing(v):
                    classes.append("v-" + str(v).strip().lower().replace(" ", "_"))
                attr = f' class="{" ".join(classes)}"' if classes else ""
                cells.append(f"<td{attr}>{_esc(c.text(v, lang))}</td>")
            rows_html.append("<tr>" + "".join(cells) + "</tr>")
    else:
        headers = [str(c) for c in df.columns]
        for rec in df.itertuples(index=False, name=None):
            cells = []
            for col, v in zip(df.columns, rec):
                text, numeric = _cell_text(v, float_format, (formatters or {}).get(col))
                cells.append(f'<td class="num">{_esc(text)}</td>' if numeric else f"<td>{_esc(text)}</td>")
            rows_html.append("<tr>" + "".join(cells) + "</tr>")
    head = "<thead><tr>" + "".join(f"<th>{_esc(h)}</th>" for h in headers) + "</tr></thead>"
    return "\n".join(['<table class="data">', head, "<tbody>", *rows_html, "</tbody>", "</table>"])


def _svg_markup(path: Path, prefix: str) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^\ufeff?\s*<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"^\s*<!DOCTYPE[^>]*>\s*", "", text, flags=re.I)
    text = re.sub(r"^\s*<!--.*?-->\s*", "", text, flags=re.S)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)  # RDF boilerplate
    if re.search(r"<script\b|<foreignObject\b", text, re.I):
        raise ValueError(f"{path}: SVG with scripts or foreign objects is not inlined")
    if _EXTERNAL_REF.search(text):
        raise ValueError(f"{path}: SVG refers to external files; the summary must be self-contained")
    # Give every id a per-image prefix so several inlined charts cannot clash.
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r'(\bhref=")#([^"]+)"', lambda m: f'{m.group(1)}#{prefix}{m.group(2)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", text)
    return text.strip()


def _image_html(path: Path, prefix: str, caption: str | None = None, alt: str | None = None) -> str:
    path = Path(path)
    suffix = path.suffix.lower()
    alt = _esc(alt or caption or path.stem.replace("_", " "))
    cap = f"\n<figcaption>{_esc(caption)}</figcaption>" if caption else ""
    if suffix == ".svg":
        body = _svg_markup(path, prefix)
        return f'<figure role="img" aria-label="{alt}">\n{body}{cap}\n</figure>'
    mime = _IMAGE_MIME.get(suffix)
    if mime is None:
        raise ValueError(f"{path}: unsupported image type {suffix!r} (use .svg, .png, .jpg, .gif or .webp)")
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<figure>\n<img src="data:{mime};base64,{data}" alt="{alt}">{cap}\n</figure>'


def write_html_summary(
    path: str | Path,
    *,
    title: str,
    lang: str,
    sections: Sequence[Section],
    footer: str = "",
    float_format: Callable[[float], str] | None = None,
    subtitle: str = "",
) -> Path:
    """Write a self-contained page that prints on A4; byte-identical on reruns.

    Parameters
    ----------
    path : str or Path
        The ``.html`` file to write. Parent folders are created.
    title : str
        Page title, shown as ``<title>`` and ``<h1>``.
    lang : str
        Language tag of the page, e.g. ``"vi"`` or ``"en"``.
    sections : sequence of Section
        Shown in order: heading, text paragraphs, callouts, table, images,
        note. Put the verdicts first and the details after (``page_break_before``
        on the first detail section starts it on a new printed page).
    footer : str, optional
        Text at the bottom (sources, seed, "illustrative" flags); blank lines
        separate paragraphs.
    float_format : callable, optional
        Float -> display text for table cells without a column spec; default
        two decimals in the page's language (``0,08`` for ``vi``, ``0.08``
        for ``en`` and other tags).
    subtitle : str, optional
        A line under the title.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        For an invalid ``lang``, an unsupported image type, or an SVG with
        scripts or external references. Nothing is written then.

    Notes
    -----
    Everything is in the one file: inline CSS (Okabe-Ito accents), SVG
    charts inlined as markup (XML declaration and doctype removed, ids
    prefixed per image), raster images as base64 data URIs; no scripts,
    external links or timestamps. The page is 180 mm wide on screen, the
    text width of A4 with 15 mm margins (``@page``), and tables wrap their
    cells instead of scrolling, so nothing runs off a printed page. All text
    is HTML-escaped. SVG files are trusted input (matplotlib output) and are
    inlined after the checks above, not sanitised.
    """
    if not _LANG_RE.match(lang or ""):
        raise ValueError(f"lang must be a language tag such as 'vi' or 'en', not {lang!r}")
    ffmt = float_format or _locale_float(lang)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{_esc(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        "<style>",
        _CSS.rstrip("\n"),
        "</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{_esc(title)}</h1>",
    ]
    if subtitle:
        out.append(f'<p class="subtitle">{_esc(subtitle)}</p>')
    for s_i, sec in enumerate(sections, start=1):
        short = len(sec.images) <= 1 and sec.table is None and not sec.callouts and len(sec.text) < 600
        classes = (["page-break"] if sec.page_break_before else []) + (["keep"] if short else [])
        out.append(f'<section class="{" ".join(classes)}">' if classes else "<section>")
        blocks = list(_paragraphs(sec.text))
        if sec.callouts:
            blocks.append("\n".join(['<div class="callouts">']
                                    + [f'<div class="callout"><div class="value">{_esc(value)}</div>'
                                       f'<div class="label">{_esc(label)}</div></div>' for label, value in sec.callouts]
                                    + ["</div>"]))
        if sec.table is not None:
            blocks.append('<div class="table-wrap">\n' + _table_html(sec.table, lang, ffmt, sec.formatters,
                                                                      sec.columns) + "\n</div>")
        captions, alts = list(sec.captions), list(sec.alts)
        for i_i, img in enumerate(sec.images, start=1):
            cap = captions[i_i - 1] if i_i - 1 < len(captions) else None
            alt = alts[i_i - 1] if i_i - 1 < len(alts) else None
            blocks.append(_image_html(Path(img), f"s{s_i}i{i_i}-", cap, alt))
        if sec.note:
            blocks.extend(_paragraphs(sec.note, cls="note"))
        # the heading travels with its first block (never alone at the foot of a printed page)
        out.append('<div class="lead">')
        out.append(f"<h2>{_esc(sec.heading)}</h2>")
        out.extend(blocks[:1])
        out.append("</div>")
        out.extend(blocks[1:])
        out.append("</section>")
    out.append("</main>")
    if footer:
        out.append("<footer>")
        out.extend(_paragraphs(footer))
        out.append("</footer>")
    out.extend(["</body>", "</html>", ""])
    data = "\n".join(out).encode("utf-8")
    return _atomic_write(Path(path), lambda fh: fh.write(data))
