"""Finding the table in a sheet: the header row under a title block, merged and two-row headers, and the rows
that are not data (totals, section headings, footnotes, a repeated header), each left out with a note.

Used by :func:`simlib.inputs.textio.read_table`.
"""

from __future__ import annotations

import functools
import re

import pandas as pd

from simlib.inputs.sheets import BiText, Grid
from simlib.inputs.textio import (
    FormulaCell, PercentCell, Problem, RawTable, ValidationError, _ranges, column_letter, fold_key, header_unit,
    is_missing,
)

__all__ = ["table_from_grid", "header_score", "province_in_title", "TOTAL_WORDS"]

_NUMERIC_TEXT = re.compile(r"^\s*[+-]?[0-9][0-9.,\s]*%?\s*$")

#: First-cell texts of rows that sum other rows; they are not data (folded, accents kept).
TOTAL_WORDS = ("tổng cộng", "cộng", "tổng", "tổng số", "toàn tỉnh", "toàn huyện", "toàn thành phố", "toàn ngành",
               "total", "grand total", "sum", "tong cong", "toan tinh", "cong")



def _is_text(v) -> bool:
    return type(v) is str and not is_missing(v) and not _looks_numeric(v)


def _looks_numeric(v) -> bool:
    t = type(v)
    if t is int or t is float or t is PercentCell:
        return True
    if t is str:
        return bool(v) and (v[0].isdigit() or v[0] in "+- ") and bool(_NUMERIC_TEXT.match(v))
    if isinstance(v, FormulaCell):
        return True
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _header_key(v) -> str:
    name, _ = header_unit(str(v))
    return fold_key(name)


def header_score(grid: Grid, header_names: set[str]) -> int:
    """The most expected column names found in one of the first rows of a sheet."""
    best = 0
    seen = 0
    for row in grid.cells:
        if not any(not is_missing(c) for c in row):
            continue
        seen += 1
        best = max(best, sum(1 for c in row if _is_text(c) and _header_key(c) in header_names))
        if seen >= 40:
            break
    return best


def _fill_merged(grid: Grid) -> None:
    cells = grid.cells
    for r1, c1, r2, c2 in grid.merged:
        if r1 >= len(cells):
            continue
        top = cells[r1][c1] if c1 < len(cells[r1]) else None
        if top is None:
            continue
        for r in range(r1, min(r2, len(cells) - 1) + 1):
            row = cells[r]
            if len(row) <= c2:
                row.extend([None] * (c2 + 1 - len(row)))
            for c in range(c1, c2 + 1):
                if row[c] is None:
                    row[c] = top


_PROVINCE_IN_TITLE = re.compile(r"\b(TỈNH|THÀNH PHỐ|TP\.?)\s+([^\n,;:–\-]+)", re.I)


def _is_vietnamese(words: list[str]) -> bool:
    """Whether most headers are written in Vietnamese (with diacritics)."""
    if not words:
        return False
    vi = sum(1 for w in words if any(not ch.isascii() and ch.isalpha() for ch in w))
    return vi * 2 >= len(words)


def _no_rows_error(label: str, sheet: str | None, notes: list, lang: str | None) -> ValidationError:
    """The refusal of a sheet or file with no non-empty row."""
    vi = lang == "vi"
    where = (f"trang tính '{sheet}' " if vi else f"sheet '{sheet}' ") if sheet else ""
    return ValidationError([Problem(label, None, None, (f"{where}không có dòng tiêu đề và không có số liệu" if vi
                                                        else f"{where}has no header row and no data").strip(),
                                    sheet=sheet, lang=lang or "en")], notes)


def _no_header_error(label: str, sheet: str | None, grid: Grid, notes: list, lang: str | None,
                     scan: list[int]) -> ValidationError:
    """The refusal of a sheet whose first rows name none of simlib's columns (other sheets with data named)."""
    cells = grid.cells
    vi = lang == "vi" or (lang is None and _is_vietnamese([str(c) for i in scan for c in cells[i] if _is_text(c)]))
    where = (("trang tính " if vi else "sheet ") + f"'{sheet}'") if sheet else ("tệp" if vi else "the file")
    others = ", ".join(f"'{n}'" for n in grid.others)
    if vi:
        msg = (f"{where} không có dòng tiêu đề với các cột của simlib (Địa bàn, Chỉ số, Năm, Giá trị, Đơn vị, "
               "Nguồn — xem data/template/observations_template.csv)"
               + (f"; các trang khác có số liệu: {others} — chọn bằng --sheet TÊN" if others else ""))
    else:
        msg = (f"{where} has no header row with simlib's columns (geography, indicator, year, value, unit, "
               "source, or their Vietnamese names; see data/template/observations_template.csv)"
               + (f"; other sheets hold data: {others} — choose one with --sheet NAME" if others else ""))
    final = [n.vi if vi and isinstance(n, BiText) else str(n) for n in notes]
    return ValidationError([Problem(label, None, None, msg, sheet=sheet, lang="vi" if vi else "en")], final)


def _header_row(label: str, sheet: str | None, grid: Grid, notes: list, header_names: set[str] | None,
                lang: str | None, nonempty: list[int]) -> int:
    """The header row: the first row with the most expected column names (or, with none expected, the most text
    cells), among the first 40 non-empty rows."""
    cells = grid.cells
    scan = nonempty[:40]

    def score(i: int) -> int:
        row = cells[i]
        if header_names:
            return sum(1 for c in row if _is_text(c) and _header_key(c) in header_names)
        return sum(1 for c in row if _is_text(c))

    scores = [score(i) for i in scan]
    if header_names and max(scores) == 0:
        raise _no_header_error(label, sheet, grid, notes, lang, scan)
    if header_names and max(scores) < 2:
        scores = [sum(1 for c in cells[i] if _is_text(c)) for i in scan]
    best = max(scores)
    return scan[scores.index(best)] if best > 0 else scan[0]


def _sub_header(grid: Grid, h: int, nonempty: list[int], header_names: set[str] | None) -> int | None:
    """A second header row under merged cells: text only, no numbers, and it names what the row above does not."""
    cells = grid.cells
    nxt = next((i for i in nonempty if i > h), None)
    if nxt is None:
        return None
    row2 = cells[nxt]
    texts = [c for c in row2 if not is_missing(c)]
    spans_header = any(r1 <= h <= r2 and c2 > c1 for r1, c1, r2, c2 in grid.merged) or \
        any(r1 == h and r2 > r1 for r1, c1, r2, c2 in grid.merged)
    all_text = texts and all(_is_text(c) for c in texts)
    if all_text and (spans_header or (header_names and any(_header_key(c) in header_names for c in texts))) \
            and not _is_number_row(row2):
        return nxt
    return None


def _column_names(header: list, sub_row: list | None, width: int, header_names: set[str] | None) -> list[str]:
    """One name per column: the header cell, or with a second header row the more specific of the two."""
    names: list[str] = []
    for j in range(width):
        top = header[j]
        low = sub_row[j] if sub_row is not None and j < len(sub_row) else None
        top_s = "" if is_missing(top) else str(top)
        low_s = "" if is_missing(low) else str(low)
        if sub_row is not None and low_s and top_s and low_s != top_s:
            if header_names and _header_key(low_s) in header_names:
                name = low_s
            elif header_names and _header_key(top_s) in header_names:
                name = top_s if _count_in(header, top) == 1 else f"{top_s} - {low_s}"
            else:
                name = f"{top_s} - {low_s}"
        else:
            name = low_s or top_s
        names.append(name)
    return names


def _header_note(grid: Grid, h: int, sub: int | None, nonempty: list[int], title: list[str]) -> BiText | None:
    """A note saying which row(s) were taken as the header (None when it is the file's first row)."""
    if h != nonempty[0] or grid.row0 + h != 1:
        hr = f"{grid.row0 + h}" if sub is None else f"{grid.row0 + h}-{grid.row0 + sub}"
        return BiText(f"row{'s' if sub is not None else ''} {hr} {'were' if sub is not None else 'was'} taken as "
                      "the header row" + (f" (above it, a title block: {_short(title)})" if title else ""),
                      f"dòng {hr} được lấy làm dòng tiêu đề" + (f" (phía trên là phần đầu biểu: {_short(title)})"
                                                               if title else ""))
    if sub is not None:
        return BiText(f"rows {grid.row0 + h}-{grid.row0 + sub} make a two-row header (merged cells)",
                      f"dòng {grid.row0 + h}-{grid.row0 + sub} là tiêu đề hai tầng (ô gộp)")
    return None


_ROW_COUNTERS = {"stt", "tt", "số tt", "so tt", "số thứ tự", "no.", "no", "#"}


def _kept_columns(names: list[str], cells, data_idx: list[int], notes: list
                  ) -> tuple[list[int], list[str], dict[str, str], dict[str, str]]:
    """Columns kept (named ones; unnamed with data are noted and ignored; an STT / TT column is a row counter):
    their positions, names, units written in the header and column letters."""
    keep: list[int] = []
    used: dict[str, int] = {}
    units: dict[str, str] = {}
    letters: dict[str, str] = {}
    final_names: list[str] = []
    for j, n in enumerate(names):
        if not n:
            has_data = any(j < len(cells[i]) and not is_missing(cells[i][j]) for i in data_idx)
            if has_data:
                notes.append(BiText(f"column {column_letter(j)} has data but no name in the header row; it was ignored",
                                    f"cột {column_letter(j)} có số liệu nhưng không có tên ở dòng tiêu đề; đã bỏ qua"))
            continue
        if fold_key(n) in _ROW_COUNTERS:
            continue
        base, unit = header_unit(n)
        base = base or n
        key = fold_key(base)
        if key in used:
            # the same header twice: keep both, the second with its letter, so the validator can compare them
            base = f"{base} ({column_letter(j)})"
        used[fold_key(base)] = j
        if unit:
            units[base] = unit
        letters[base] = column_letter(j)
        keep.append(j)
        final_names.append(base)
    return keep, final_names, units, letters


def _data_rows(label: str, sheet: str | None, grid: Grid, lang: str | None, data_idx: list[int], keep: list[int],
               final_names: list[str], header: list, header_width: int
               ) -> tuple[list[list], list[int], list[Problem], list[tuple[int, str]]]:
    """Rows of data, their row numbers, rows split by a delimiter (problems) and rows left out (totals, section
    headings, footnotes: (row, why))."""
    cells = grid.cells
    first_col = next((j for j in keep), 0)
    excluded: list[tuple[int, str]] = []
    problems: list[Problem] = []
    data_rows, row_numbers = [], []
    header_keys = {fold_key(n) for n in final_names}
    last_numeric = next((i for i in reversed(data_idx)
                         if _is_number_row([cells[i][j] for j in keep if j < len(cells[i])])), None)
    nkeep = len(keep)
    contiguous = keep == list(range(keep[0], keep[0] + nkeep)) if keep else True
    for i in data_idx:
        row = cells[i]
        if contiguous and len(row) >= (keep[-1] + 1 if keep else 0):
            vals = row[keep[0]:keep[0] + nkeep] if keep else []
        else:
            vals = [row[j] if j < len(row) else None for j in keep]
        kind = _row_kind(vals, row, keep, first_col, i, last_numeric, header_keys)
        if kind:
            first_text = next((str(v) for v in row if _is_text(v)), "")
            excluded.append((grid.row0 + i, kind + ": " + first_text[:60]))
            continue
        split = _split_row(label, sheet, grid, row, i, header_width, first_col, header, lang)
        if split is not None:
            problems.append(split)
            continue
        data_rows.append([None if v is None or (type(v) is str and len(v) <= 6 and is_missing(v)) else v
                          for v in vals])
        row_numbers.append(grid.row0 + i)
    return data_rows, row_numbers, problems, excluded


def table_from_grid(label: str, sheet: str | None, grid: Grid, notes: list[str], header_names: set[str] | None,
                     lang: str | None) -> RawTable:
    """A sheet's cells as a table: its header row found (under a title block, over a second header row), named
    columns kept, data rows kept and totals, headings and footnotes left out (each noted)."""
    _fill_merged(grid)
    cells = grid.cells
    nonempty = [i for i, r in enumerate(cells) if any(not is_missing(c) for c in r)]
    if not nonempty:
        raise _no_rows_error(label, sheet, notes, lang)
    h = _header_row(label, sheet, grid, notes, header_names, lang, nonempty)
    header = list(cells[h])
    title = list(dict.fromkeys(str(c) for i in nonempty if i < h for c in cells[i] if _is_text(c)))
    sub = _sub_header(grid, h, nonempty, header_names)
    width = max(len(cells[i]) for i in nonempty)
    header_width = max([j + 1 for r in (header, cells[sub] if sub is not None else ()) for j, c in enumerate(r)
                        if not is_missing(c)] + [1])
    width = header_width if grid.delimiter is not None else width  # a text file's longer rows: see _split_row
    header += [None] * (width - len(header))
    names = _column_names(header, cells[sub] if sub is not None else None, width, header_names)
    data_idx = [i for i in nonempty if i > (sub if sub is not None else h)]
    note = _header_note(grid, h, sub, nonempty, title)
    if note is not None:
        notes.append(note)
    keep, final_names, units, letters = _kept_columns(names, cells, data_idx, notes)
    data_rows, row_numbers, problems, excluded = _data_rows(label, sheet, grid, lang, data_idx, keep, final_names,
                                                            header, header_width)
    if excluded:
        notes.extend(_excluded_notes(excluded, lang))
    frame = pd.DataFrame(data_rows, columns=final_names, dtype=object) if data_rows else \
        pd.DataFrame({n: pd.Series([], dtype=object) for n in final_names})
    final_lang = lang or ("vi" if _is_vietnamese(final_names) else "en")
    notes = [n.vi if (final_lang == "vi" and isinstance(n, BiText)) else str(n) for n in notes]
    return RawTable(label, frame, tuple(row_numbers), tuple(problems), sheet, tuple(notes),
                    grid.row0 + (sub if sub is not None else h), letters, units, tuple(title), tuple(excluded),
                    final_lang)


def _split_row(label, sheet, grid: Grid, row, i: int, header_width: int, first_col: int, header, lang) -> Problem | None:
    """A text file's row longer than its header: a delimiter inside an unquoted value ("Xã Hòa Bình, Tỉnh X")
    shifts every cell after it. One problem for the row (not one per shifted column), or None."""
    if grid.delimiter is None or len(row) <= header_width or all(is_missing(c) for c in row[header_width:]):
        return None
    extra = len(row) - header_width
    while extra > 0 and is_missing(row[header_width + extra - 1]):
        extra -= 1
    d = grid.delimiter if grid.delimiter != "\t" else "Tab"
    joined = (grid.delimiter if grid.delimiter != "\t" else " ").join(
        "" if c is None else str(c) for c in row[first_col:first_col + extra + 1])
    vi = (lang or ("vi" if _is_vietnamese([str(c) for c in header if _is_text(c)]) else "en")) == "vi"
    msg = (f"dòng có {header_width + extra} ô nhưng dòng tiêu đề có {header_width}: dấu '{d}' trong một giá trị "
           f"không có ngoặc kép đã tách nó thành nhiều ô (có lẽ '{joined}'), nên các ô sau bị lệch cột; đặt giá trị "
           f"đó trong ngoặc kép (\"...\") hoặc bỏ dấu '{d}'" if vi else
           f"the row has {header_width + extra} cells but the header has {header_width}: a '{d}' inside an unquoted "
           f"value split it (probably '{joined}'), shifting the cells after it; put that value in quotes (\"...\") "
           f"or remove the '{d}'")
    return Problem(label, grid.row0 + i, None, msg, sheet=sheet, lang="vi" if vi else "en")


def _count_in(row, v) -> int:
    return sum(1 for c in row if c == v)


def _short(texts: list[str]) -> str:
    s = " / ".join(t for t in texts[:3])
    return s if len(s) <= 90 else s[:87] + "..."


def _is_number_row(vals) -> bool:
    return any(_looks_numeric(v) and not isinstance(v, bool) for v in vals if not is_missing(v))


_SECTION = re.compile(r"^(?:[IVXLC]+|[A-Z]|[a-z]|\d+(?:\.\d+)*)[\.\)]\s+\S")
_FOOTNOTE = re.compile(r"^(?:\(?\*+\)?|ghi chú|chú thích|chú ý|lưu ý|nguồn|note|notes|source|người lập|người lập biểu|"
                       r"thủ trưởng|giám đốc|kt\.|tm\.|ngày\b|.*ngày \d|.*, ngày)", re.I)


@functools.lru_cache(maxsize=4096)
def _is_total(lead: str) -> bool:
    lead = re.sub(r"[:\.\s]+$", "", lead)
    return lead in TOTAL_WORDS or lead.startswith(("tổng cộng", "toàn tỉnh", "cộng toàn"))


@functools.lru_cache(maxsize=65536)
def _text_is_total(text: str) -> bool:
    """A cell's text (as written) starts a total row; cached: a large table repeats its names."""
    lead = fold_key(text)
    return bool(lead) and _is_total(lead)


def _row_kind(vals, row, keep, first_col, i, last_numeric, header_keys=frozenset()) -> str:
    """'' for a data row, else why it is left out: total, section, footnote or empty."""
    first_text = next((v for v in vals if _is_text(v)), None)
    if first_text is not None and _text_is_total(first_text):
        return "total"
    row_text = first_text if row is vals else next((v for v in row if _is_text(v)), None)  # "Tổng cộng" may
    if row_text is not None and row_text is not first_text and _text_is_total(row_text):  # sit in the STT column
        return "total"
    if any(_looks_numeric(v) for v in vals):
        return ""
    lead = fold_key(first_text) if first_text is not None else ""
    nonmiss = [v for v in vals if not is_missing(v)]
    if not nonmiss:
        return "empty"
    if len(nonmiss) >= 2 and sum(1 for v in nonmiss if _is_text(v) and fold_key(header_unit(str(v))[0]) in header_keys) \
            >= max(2, len(nonmiss) // 2):
        return "header"  # the header repeated above a second table
    if last_numeric is not None and i > last_numeric and (len(nonmiss) <= 2 or _FOOTNOTE.match(lead)):
        return "footnote"
    if len(nonmiss) == 1 and _FOOTNOTE.match(lead):
        return "footnote"
    if len(nonmiss) == 1 and first_text is not None and _SECTION.match(str(first_text)):
        return "section"
    return ""


def _excluded_notes(excluded: list[tuple[int, str]], lang) -> list[str]:
    out = []
    words = {"total": ("dòng tổng (không phải số liệu của một đơn vị)", "a total row (not one unit's figure)"),
             "section": ("tiêu đề mục", "a section heading"),
             "footnote": ("ghi chú / chữ ký dưới bảng", "a footnote or signature under the table"),
             "header": ("dòng tiêu đề lặp lại", "the header repeated")}
    by: dict[str, list[tuple[int, str]]] = {}
    for r, s in excluded:
        kind, text = s.split(": ", 1)
        if kind == "empty":
            continue
        by.setdefault(kind, []).append((r, text))
    for kind, items in by.items():
        vi_w, en_w = words[kind]
        rows = _ranges(tuple(r for r, _ in items))
        sample = "; ".join(f"'{t}'" for _, t in items[:2] if t)
        out.append(BiText(f"row{'s' if len(items) > 1 else ''} {rows}: {en_w}, not read as data"
                       + (f" ({sample})" if sample else ""),
                       f"dòng {rows} là {vi_w}, không đọc làm số liệu" + (f" ({sample})" if sample else "")))
    return out


def province_in_title(title: tuple[str, ...]) -> str | None:
    """The province named in a title block ('UỶ BAN NHÂN DÂN TỈNH TRÀ VINH' -> 'TRÀ VINH'), if any."""
    for t in title:
        m = _PROVINCE_IN_TITLE.search(t)
        if m:
            name = m.group(2).strip()
            name = re.split(r"\s{2,}|\bCỘNG HÒA\b|\bCỘNG HOÀ\b|\bNĂM\b|\bGIAI ĐOẠN\b", name, flags=re.I)[0].strip()
            if name:
                return name
    return None
