"""Workbook and text readers: one sheet of a file as a grid of cells, with what the reader chose.

Used by :func:`simlib.inputs.textio.read_table`; nothing here writes a file.

* ``.xlsx``/``.xlsm``: values by ``python-calamine``; the active sheet, percentage number formats and formulas
  saved without a result read from the workbook's XML (openpyxl as fallback).
* ``.xls``: ``xlrd`` with ``formatting_info`` (number formats, hidden sheets, merged cells, selected sheet).
* ``.ods``: ``python-calamine`` for values and hidden sheets; ``content.xml`` for percentage and spanned cells.
* text: UTF-8 (BOM or not), UTF-16, or Windows-1258 when the bytes read as Vietnamese; the delimiter from an
  Excel ``sep=`` line or from the lines themselves.
"""

from __future__ import annotations

import csv
import io
import math
import re
import statistics
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from simlib.inputs.textio import (
    FormulaCell, PercentCell, Problem, ValidationError, fold_key, normalize_text,
)

__all__ = ["Grid", "BiText", "read_xlsx", "read_xls", "read_ods", "read_csv", "zip_kind"]


class BiText(str):
    """A note in English (the string) that also carries its Vietnamese text, chosen once the header is known."""

    vi: str

    def __new__(cls, en: str, vi: str):
        obj = super().__new__(cls, en)
        obj.vi = vi
        return obj


@dataclass
class Grid:
    """One sheet as rows of cells: ``cells[i][j]`` is at spreadsheet row ``row0 + i`` and column ``j``."""

    cells: list[list[object]]
    row0: int = 1
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r1, c1, r2, c2), 0-based inclusive
    others: list[str] = field(default_factory=list)  # other visible sheets holding data (workbooks)
    delimiter: str | None = None  # text files: the delimiter the cells were split on



def zip_kind(p: Path) -> str:
    try:
        with zipfile.ZipFile(p) as z:
            names = set(z.namelist())
    except zipfile.BadZipFile:
        return ""
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names:
        return "ods"
    return ""


def _sheet_error(label: str, sheet, names: list[str], lang: str | None) -> ValidationError:
    shown = ", ".join(f"{i + 1}: '{n}'" for i, n in enumerate(names))
    if lang == "vi":
        msg = f"không có trang tính '{sheet}'; tệp có: {shown}; chọn bằng --sheet TÊN hoặc --sheet SỐ (đếm từ 1)"
    else:
        msg = f"there is no sheet '{sheet}'; the workbook has {shown}; choose one with --sheet NAME or --sheet N (from 1)"
    return ValidationError([Problem(label, None, None, msg, lang=lang or "en")])


def _choose_sheet(label: str, sheet, names: list[str], visible: list[bool], active: int | None, has_data: list[bool],
                  lang: str | None) -> tuple[int, list[str]]:
    """Index of the sheet to read and the notes that say why."""
    notes: list[str] = []
    vi = lang == "vi"
    if sheet is not None:
        s = str(sheet).strip()
        idx = next((i for i, n in enumerate(names) if n == s), None)
        if idx is None:
            idx = next((i for i, n in enumerate(names) if fold_key(n) == fold_key(s)), None)
        if idx is None and re.fullmatch(r"\d+", s) and 1 <= int(s) <= len(names):
            idx = int(s) - 1
        if idx is None:
            raise _sheet_error(label, sheet, names, lang)
        if not visible[idx]:
            notes.append(BiText(f"sheet '{names[idx]}' is hidden in the workbook; it was read because --sheet names it",
                             f"trang tính '{names[idx]}' đang bị ẩn; đã đọc vì được chọn bằng --sheet"))
        return idx, notes
    candidates = [i for i in range(len(names)) if visible[i]]
    if not candidates:
        raise ValidationError([Problem(label, None, None, "mọi trang tính đều bị ẩn; chọn một bằng --sheet" if vi
                                       else "every sheet is hidden; choose one with --sheet NAME", lang=lang or "en")])
    idx = active if active is not None and 0 <= active < len(names) and visible[active] else candidates[0]
    others = [i for i in range(len(names)) if i != idx and has_data[i]]
    if len(names) > 1:
        act = idx == active
        en = f"read sheet '{names[idx]}' ({'the active sheet' if act else 'the first visible sheet'})"
        vi_ = f"đã đọc trang tính '{names[idx]}' ({'trang tính đang mở' if act else 'trang tính hiện đầu tiên'})"
        if others:
            en += "; other sheets also hold data: " + ", ".join(
                f"'{names[i]}'" + (" (hidden)" if not visible[i] else "") for i in others) + " — choose one with --sheet NAME"
            vi_ += "; các trang khác cũng có số liệu: " + ", ".join(
                f"'{names[i]}'" + (" (ẩn)" if not visible[i] else "") for i in others) + " — chọn bằng --sheet TÊN"
        notes.append(BiText(en, vi_))
    return idx, notes


def _others(names, visible, has_data, idx) -> list[str]:
    return [n for i, n in enumerate(names) if i != idx and visible[i] and has_data[i]]


def _excel_value(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, (int, float)):
        return v
    if hasattr(v, "year") and hasattr(v, "month"):
        # A date cell: keep the year, which is what simlib's year columns hold.
        return str(getattr(v, "year"))
    s = normalize_text(str(v))
    return s if s != "" else None


def _read_xlsx_openpyxl(p: Path, label: str, sheet, lang) -> tuple[Grid, str, list[str]]:
    """Fallback reader for a workbook python-calamine cannot open (formats, merges and sheets from openpyxl)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, data_only=True, read_only=False)
    except Exception as exc:  # zip/xml errors from a corrupt workbook
        raise ValidationError([Problem(label, None, None, f"not a readable Excel workbook ({type(exc).__name__}); "
                                                          "open it in Excel and save it again as .xlsx")]) from None
    try:
        sheets = wb.worksheets
        names = [ws.title for ws in sheets]
        visible = [ws.sheet_state == "visible" for ws in sheets]
        try:
            active = wb.index(wb.active) if wb.active is not None else None
        except (ValueError, AttributeError):
            active = None
        has_data = [ws.max_row > 1 or ws.max_column > 1 or ws.cell(1, 1).value is not None for ws in sheets]
        idx, notes = _choose_sheet(label, sheet, names, visible, active, has_data, lang)
        ws = sheets[idx]
        formulas = _xlsx_formulas_without_value(p, names[idx])
        cells: list[list[object]] = []
        for r_i, row in enumerate(ws.iter_rows()):
            out = []
            for c_i, c in enumerate(row):
                v = c.value
                if v is None:
                    f = formulas.get((r_i, c_i))
                    out.append(FormulaCell(f) if f is not None else None)
                    continue
                if isinstance(v, (int, float)) and not isinstance(v, bool) and "%" in (c.number_format or ""):
                    out.append(PercentCell(v))
                else:
                    out.append(_excel_value(v))
            cells.append(out)
        merged = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        return Grid(cells, 1, merged, _others(names, visible, has_data, idx)), names[idx], notes
    finally:
        wb.close()


def read_xlsx(p: Path, label: str, sheet, lang) -> tuple[Grid, str, list[str]]:
    """Values by python-calamine (fast); number formats, formulas and the active sheet from the workbook's XML."""
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(p))
    except Exception:
        return _read_xlsx_openpyxl(p, label, sheet, lang)
    try:
        meta = wb.sheets_metadata
        names = [m.name for m in meta]
        visible = [m.visible == pc.SheetVisibleEnum.Visible for m in meta]
        sheets = [wb.get_sheet_by_name(n) for n in names]
        has_data = [sh.height > 0 for sh in sheets]
        info = _XlsxInfo(p)
        idx, notes = _choose_sheet(label, sheet, names, visible, info.active, has_data, lang)
        ws = sheets[idx]
        rows = ws.to_python(skip_empty_area=False)
        merged = [(a[0], a[1], b[0], b[1]) for a, b in (ws.merged_cell_ranges or [])]
    finally:
        wb.close()
    xml = info.sheet_xml(names[idx])
    pct = info.percent_cells(xml)
    formulas = _xlsx_formulas_without_value(p, names[idx], xml)
    errors = _errors_in(xml)
    cells: list[list[object]] = []
    for r_i, row in enumerate(rows):
        out = []
        for c_i, v in enumerate(row):
            if v == "" or v is None:
                e = errors.get((r_i, c_i)) if errors else None
                if e is not None:  # python-calamine gives an error cell as empty: keep Excel's error value
                    out.append(e)
                    continue
                f = formulas.get((r_i, c_i)) if formulas else None
                out.append(FormulaCell(f) if f is not None else None)
            elif pct and (r_i, c_i) in pct and isinstance(v, (int, float)) and not isinstance(v, bool):
                out.append(PercentCell(v))
            elif type(v) is str:
                s = normalize_text(v)
                out.append(s if s != "" else None)
            else:
                out.append(_excel_value(v))
        cells.append(out)
    # formulas in cells beyond the values' area
    for (r_i, c_i), f in (formulas or {}).items():
        while len(cells) <= r_i:
            cells.append([])
        row = cells[r_i]
        if len(row) <= c_i:
            row.extend([None] * (c_i + 1 - len(row)))
        if row[c_i] is None:
            row[c_i] = FormulaCell(f)
    return Grid(cells, 1, merged, _others(names, visible, has_data, idx)), names[idx], notes


class _XlsxInfo:
    """What an .xlsx says about its sheets and styles, read from its XML (no cell values)."""

    NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}

    def __init__(self, p: Path):
        self.p = p
        self.active: int | None = None
        self.targets: dict[str, str] = {}
        self.percent_styles: set[int] = set()
        try:
            with zipfile.ZipFile(p) as z:
                wbx = ElementTree.fromstring(z.read("xl/workbook.xml"))
                rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
                styles = z.read("xl/styles.xml") if "xl/styles.xml" in z.namelist() else None
        except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
            return
        m, r = self.NS["m"], self.NS["r"]
        view = wbx.find(f"{{{m}}}bookViews/{{{m}}}workbookView")
        if view is not None:
            self.active = int(view.get("activeTab", "0"))
        else:
            self.active = 0
        rel = {x.get("Id"): x.get("Target") for x in rels}
        for sh in wbx.iter(f"{{{m}}}sheet"):
            t = rel.get(sh.get(f"{{{r}}}id"))
            if t:
                self.targets[sh.get("name")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
        if styles is not None:
            st = ElementTree.fromstring(styles)
            fmts = {9: "0%", 10: "0.00%"}
            for nf in st.iter(f"{{{m}}}numFmt"):
                fmts[int(nf.get("numFmtId"))] = nf.get("formatCode", "")
            xfs = st.find(f"{{{m}}}cellXfs")
            if xfs is not None:
                for i, xf in enumerate(xfs):
                    code = fmts.get(int(xf.get("numFmtId", "0")), "")
                    if "%" in code.replace("\\%", "").replace('"%"', ""):
                        self.percent_styles.add(i)

    def sheet_xml(self, name: str) -> bytes:
        t = self.targets.get(name)
        if not t:
            return b""
        try:
            with zipfile.ZipFile(self.p) as z:
                return z.read(t)
        except (KeyError, zipfile.BadZipFile):
            return b""

    def percent_cells(self, xml: bytes) -> set[tuple[int, int]]:
        if not self.percent_styles or not xml:
            return set()
        want = {str(i).encode() for i in self.percent_styles}
        out = set()
        for mt in _STYLED_CELL_RE.finditer(xml):
            if mt.group(3) in want:
                out.add((int(mt.group(2)) - 1, _col_index(mt.group(1))))
        return out


_STYLED_CELL_RE = re.compile(rb"<c r=\"([A-Z]+)(\d+)\"[^>]*?\ss=\"(\d+)\"")


def _col_index(letters: bytes) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ch - 64
    return col - 1


_CELL_RE = re.compile(rb"<c r=\"([A-Z]+)(\d+)\"[^>]*?(?:/>|>(.*?)</c>)", re.S)
_F_RE = re.compile(rb"<f[^>]*?(?:/>|>(.*?)</f>)", re.S)
_V_RE = re.compile(rb"<v>\s*[^<\s]")


def _xlsx_formulas_without_value(p: Path, sheet_name: str, xml: bytes | None = None) -> dict[tuple[int, int], str]:
    """(row, column) 0-based -> formula text, for formula cells whose saved result is missing."""
    if xml is not None:
        return _formulas_in(xml)
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    try:
        with zipfile.ZipFile(p) as z:
            wbx = ElementTree.fromstring(z.read("xl/workbook.xml"))
            rid = next((s.get(f"{{{ns['r']}}}id") for s in wbx.iter(f"{{{ns['m']}}}sheet")
                        if s.get("name") == sheet_name), None)
            rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            target = next((r.get("Target") for r in rels if r.get("Id") == rid), None)
            if target is None:
                return {}
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            xml = z.read(target)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return {}
    return _formulas_in(xml)


def _formulas_in(xml: bytes) -> dict[tuple[int, int], str]:
    if b"<f" not in xml:
        return {}
    out = {}
    for m in _CELL_RE.finditer(xml):
        body = m.group(3) or b""
        fm = _F_RE.search(body)
        if fm is None or _V_RE.search(body):
            continue
        col = 0
        for ch in m.group(1).decode():
            col = col * 26 + ord(ch) - 64
        text = (fm.group(1) or b"").decode("utf-8", "replace")
        out[(int(m.group(2)) - 1, col - 1)] = "=" + text if text else "(shared formula)"
    return out


_ERR_CELL_RE = re.compile(rb"<c r=\"([A-Z]+)(\d+)\"[^>]*?\st=\"e\"[^>]*>(.*?)</c>", re.S)
_V_TEXT_RE = re.compile(rb"<v>([^<]*)</v>")


def _errors_in(xml: bytes | None) -> dict[tuple[int, int], str]:
    """(row, column) 0-based -> Excel error value ("#DIV/0!") of cells whose saved result is an error."""
    if not xml or b't="e"' not in xml:
        return {}
    out = {}
    for m in _ERR_CELL_RE.finditer(xml):
        v = _V_TEXT_RE.search(m.group(3) or b"")
        if v is None:
            continue
        col = 0
        for ch in m.group(1).decode():
            col = col * 26 + ord(ch) - 64
        out[(int(m.group(2)) - 1, col - 1)] = v.group(1).decode("utf-8", "replace").strip()
    return out


def read_xls(p: Path, label: str, sheet, lang) -> tuple[Grid, str, list[str]]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(p), formatting_info=True, on_demand=True)
    except Exception as exc:
        raise ValidationError([Problem(label, None, None, f"not a readable Excel 97-2003 (.xls) workbook "
                                                          f"({type(exc).__name__}); open it in Excel and save as .xlsx")]) from None
    try:
        names = book.sheet_names()
        shs = [book.sheet_by_index(i) for i in range(len(names))]
        visible = [sh.visibility == 0 for sh in shs]
        active = next((i for i, sh in enumerate(shs) if sh.sheet_visible), None)
        has_data = [sh.nrows > 0 for sh in shs]
        idx, notes = _choose_sheet(label, sheet, names, visible, active, has_data, lang)
        sh = shs[idx]
        cells = []
        for r in range(sh.nrows):
            out = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                t = cell.ctype
                if t in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    out.append(None)
                elif t == xlrd.XL_CELL_NUMBER:
                    fmt = book.format_map.get(book.xf_list[cell.xf_index].format_key)
                    if fmt is not None and "%" in fmt.format_str:
                        out.append(PercentCell(cell.value))
                    else:
                        out.append(_excel_value(cell.value))
                elif t == xlrd.XL_CELL_DATE:
                    out.append(str(xlrd.xldate_as_tuple(cell.value, book.datemode)[0]))
                elif t == xlrd.XL_CELL_BOOLEAN:
                    out.append(bool(cell.value))
                elif t == xlrd.XL_CELL_ERROR:
                    out.append(xlrd.error_text_from_code.get(cell.value, "#ERROR"))
                else:
                    out.append(_excel_value(cell.value))
            cells.append(out)
        merged = [(r1, c1, r2 - 1, c2 - 1) for r1, r2, c1, c2 in sh.merged_cells]
        return Grid(cells, 1, merged, _others(names, visible, has_data, idx)), names[idx], notes
    finally:
        book.release_resources()


def read_ods(p: Path, label: str, sheet, lang) -> tuple[Grid, str, list[str]]:
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(p))
    except Exception as exc:
        raise ValidationError([Problem(label, None, None, f"not a readable OpenDocument spreadsheet (.ods) "
                                                          f"({type(exc).__name__})")]) from None
    try:
        meta = wb.sheets_metadata
        names = [m.name for m in meta]
        visible = [m.visible == pc.SheetVisibleEnum.Visible for m in meta]
        has_data = []
        for n in names:
            try:
                has_data.append(wb.get_sheet_by_name(n).height > 0)
            except Exception:
                has_data.append(False)
        active = _ods_active_sheet(p, names)
        idx, notes = _choose_sheet(label, sheet, names, visible, active, has_data, lang)
        ws = wb.get_sheet_by_name(names[idx])
        rows = ws.to_python(skip_empty_area=False)
    finally:
        wb.close()
    pct, spans, errors = _ods_cell_types(p, idx)
    cells = []
    for r_i, row in enumerate(rows):
        out = []
        for c_i, v in enumerate(row):
            if isinstance(v, str) and v == "":
                # python-calamine gives a failed formula's cell as empty: keep its error value ("#DIV/0!")
                out.append(errors.get((r_i, c_i)) if errors else None)
            elif (r_i, c_i) in pct and isinstance(v, (int, float)) and not isinstance(v, bool):
                out.append(PercentCell(v))
            else:
                out.append(_excel_value(v))
        cells.append(out)
    return Grid(cells, 1, spans, _others(names, visible, has_data, idx)), names[idx], notes


_ODS_NS = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
           "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
           "config": "urn:oasis:names:tc:opendocument:xmlns:config:1.0"}


def _ods_active_sheet(p: Path, names: list[str]) -> int | None:
    try:
        with zipfile.ZipFile(p) as z:
            if "settings.xml" not in z.namelist():
                return None
            root = ElementTree.fromstring(z.read("settings.xml"))
    except (zipfile.BadZipFile, ElementTree.ParseError):
        return None
    for item in root.iter(f"{{{_ODS_NS['config']}}}config-item"):
        if item.get(f"{{{_ODS_NS['config']}}}name") == "ActiveTable" and item.text in names:
            return names.index(item.text)
    return None


_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def _ods_cell_types(p: Path, index: int) -> tuple[set[tuple[int, int]], list[tuple[int, int, int, int]],
                                                  dict[tuple[int, int], str]]:
    """Percentage-typed cells, merged (spanned) cells and cells holding an error value (LibreOffice's
    ``calcext:value-type="error"``: a failed formula, e.g. ``#DIV/0!``) of the ``index``-th table of an .ods."""
    t = _ODS_NS["table"]
    o = _ODS_NS["office"]
    pct: set[tuple[int, int]] = set()
    spans: list[tuple[int, int, int, int]] = []
    errors: dict[tuple[int, int], str] = {}
    try:
        with zipfile.ZipFile(p) as z:
            data = z.read("content.xml")
    except (KeyError, zipfile.BadZipFile):
        return pct, spans, errors
    if b"percentage" not in data and b"spanned" not in data and b'value-type="error"' not in data:
        return pct, spans, errors
    root = ElementTree.fromstring(data)
    tables = list(root.iter(f"{{{t}}}table"))
    if index >= len(tables):
        return pct, spans, errors
    r = 0
    for row in tables[index].iter(f"{{{t}}}table-row"):
        rrep = int(row.get(f"{{{t}}}number-rows-repeated", "1"))
        c = 0
        for cell in row:
            crep = int(cell.get(f"{{{t}}}number-columns-repeated", "1"))
            if cell.get(f"{{{o}}}value-type") == "percentage" and rrep * crep < 10_000:
                for dr in range(rrep):
                    for dc in range(crep):
                        pct.add((r + dr, c + dc))
            if cell.get(f"{{{_CALCEXT}}}value-type") == "error" and crep < 10_000:
                shown = "".join("".join(x.itertext()) for x in cell.iter(f"{{{_TEXT_NS}}}p")).strip() or "#ERROR"
                for dr in range(min(rrep, 10_000)):
                    for dc in range(crep):
                        errors[(r + dr, c + dc)] = shown
            cs = int(cell.get(f"{{{t}}}number-columns-spanned", "1"))
            rs = int(cell.get(f"{{{t}}}number-rows-spanned", "1"))
            if cs > 1 or rs > 1:
                spans.append((r, c, r + rs - 1, c + cs - 1))
            c += crep
        r += rrep
    return pct, spans, errors


# ----------------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------------

_VI_LETTERS = set("aăâbcdđeêghiklmnoôơpqrstuưvxyfjwz"
                  "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


def _decode(data: bytes, label: str, lang) -> tuple[str, list[str]]:
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16"), []
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    # Mostly valid UTF-8 with a few bad bytes is a damaged UTF-8 file, not a legacy encoding.
    non_ascii = sum(1 for b in data if b >= 0x80)
    lossy = data.decode("utf-8", "replace")
    good_multibyte = sum(1 for ch in lossy if ord(ch) >= 0x80 and ch != "\ufffd")
    line = data[:first_bad].count(b"\n") + 1
    if good_multibyte * 2 < non_ascii * 0.5 or good_multibyte == 0:
        try:
            text = unicodedata.normalize("NFC", data.decode("cp1258"))
        except UnicodeDecodeError:
            text = None
        if text is not None:
            letters = [ch for ch in text.casefold() if ch.isalpha()]
            if letters and all(ch in _VI_LETTERS for ch in letters):
                note = BiText("the file is not UTF-8; it was read as Windows-1258 (Vietnamese) — check that the names "
                           "below look right", "tệp không phải UTF-8; đã đọc theo bảng mã Windows-1258 (tiếng Việt) "
                           "— hãy kiểm tra tên địa danh bên dưới")
                return text, [note]
    raise ValidationError([Problem(
        label, line, None,
        "tệp không phải văn bản UTF-8 (không đọc được chữ tiếng Việt; có thể là bảng mã TCVN3/VNI). Trong Excel chọn "
        "'Save As' > 'CSV UTF-8', hoặc lưu thành .xlsx; với bảng mã cũ dùng Unikey để chuyển sang Unicode"
        if lang == "vi" else
        "the file is not UTF-8 text (Vietnamese letters cannot be read; it may be in an old TCVN3/VNI encoding). "
        "In Excel use 'Save As' > 'CSV UTF-8 (Comma delimited)', or save as .xlsx; convert old encodings to "
        "Unicode with Unikey", lang=lang or "en")]) from None


def read_csv(p: Path, label: str, lang) -> tuple[Grid, list[str]]:
    data = p.read_bytes()
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ValidationError([Problem(label, None, None, "tệp rỗng" if lang == "vi" else "the file is empty",
                                       lang=lang or "en")])
    text, notes = _decode(data, label, lang)
    text = text.lstrip("\ufeff")
    row0 = 1
    delim = None
    m = re.match(r"\s*sep=(.)\s*?(\r\n|\n|\r|$)", text)
    if m:
        delim = m.group(1)
        text = text[m.end():]
        row0 = 2
        notes.append(BiText(f"line 1 'sep={delim}' sets the delimiter", f"dòng 1 'sep={delim}' chỉ định dấu phân cách"))
    if delim is None:
        delim = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows = []
    try:
        for r in reader:
            rows.append(r)
    except csv.Error as exc:
        line = row0 + reader.line_num - 1
        start = row0 + len(rows)
        if "field larger than field limit" in str(exc):
            limit = csv.field_size_limit()
            msg = (f"một ô từ dòng {start} dài hơn {limit:,} ký tự (tới dòng {line}): không phải số liệu hay tên địa "
                   "bàn; thường do một dấu ngoặc kép (\") mở mà không đóng, nối phần còn lại của tệp vào một ô: kiểm "
                   "tra dòng này trong trình soạn thảo văn bản" if lang == "vi" else
                   f"a cell starting on line {start} is longer than {limit:,} characters (up to line {line}): no "
                   "figure or place name is; usually a quote (\") opened and never closed joins the rest of the file "
                   "into one cell: check this line in a text editor")
        else:
            msg = (f"cấu trúc CSV bị hỏng ở dòng {line} ({exc})" if lang == "vi" else
                   f"the CSV structure is broken on line {line} ({exc})")
        raise ValidationError([Problem(label, start, None, msg, lang=lang or "en")]) from None
    memo: dict[str, object] = {}

    def clean(c: str):
        v = memo.get(c, memo)
        if v is memo:
            v = normalize_text(c) or None
            if len(memo) < 500_000:
                memo[c] = v
        return v

    cells = [[clean(c) if c else None for c in r] for r in rows]
    return Grid(cells, row0, [], delimiter=delim), notes


def _count_outside_quotes(line: str, ch: str) -> int:
    n, inq = 0, False
    for c in line:
        if c == '"':
            inq = not inq
        elif c == ch and not inq:
            n += 1
    return n


def _sniff_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:60] if ln.strip()][:40]
    best, best_score = ",", (-1, -1)
    for d in (";", "\t", ","):
        counts = [_count_outside_quotes(ln, d) for ln in lines]
        nz = [c for c in counts if c > 0]
        if not nz:
            continue
        mode = statistics.mode(nz)
        score = (sum(1 for c in counts if c == mode), mode)
        if score > best_score:
            best, best_score = d, score
    return best
