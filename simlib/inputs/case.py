"""Planning cases: what one report, one feasibility run or one notebook is about.

A case is a folder with a ``case.yaml`` and, optionally, the province's own
files next to it. It says which geography the run is for, which year is
"today", which years to simulate, which units (communes, former districts),
which plans' targets are the case's own, which indicators are the headline,
and the report's language. Everything else (national evidence, levers,
flow-model defaults) comes from the bundled library (``data/``) unless the
case folder has its own file of the same kind.

``case.yaml``::

    id: my_province_2030              # letters, digits, _ (also the plan id of targets.csv)
    title_vi: "Tây Ninh: phân luồng 2026-2030"
    title_en: "Tây Ninh: streaming 2026-2030"
    geography: vn.tay_ninh            # the run's geography (geo id, or a name)
    as_of: 2026                       # "today": latest year whose graduates have streamed
    years: [2022, 2030]               # first and last simulated year
    units: plan                       # plan | children | [geo ids]
    plans: [my_province_2030]         # plans whose targets are assessed
    benchmarks: [qd1705, qd2239]      # national plans whose targets are applied to the geography as benchmarks
    headline: [thcs_to_gdnn_sc_tc, thpt_to_cao_dang]
    language: vi
    kind: plan                        # plan (forward-looking) or retrospective

Files the folder may hold (all optional; planner template format with
Vietnamese or English headers): ``observations.csv``/``.xlsx`` (rates and
counts: these join the evidence), ``targets.csv`` (the case's own targets:
geography, indicator, year, comparator, value ... source), ``scenarios/``
(scenario files), ``flow_assumptions.csv``, ``levers.yaml``.

Bundled cases live in ``data/cases/<id>/``; :func:`load_case` accepts a
bundled case id or a folder path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from simlib.errors import InputError
from simlib.inputs.resources import bundled_data_dir
from simlib.inputs.levers import lever_file
from simlib.inputs.yamlio import check_keys, key_where, read_yaml

__all__ = ["Case", "CaseError", "CaseInputs", "load_case", "list_cases", "default_case", "load_case_inputs", "CASE_FILE", "KINDS",
           "read_case_yaml"]

CASE_FILE = "case.yaml"
KINDS = ("plan", "retrospective")
_KEYS = ("id", "title_vi", "title_en", "geography", "as_of", "years", "units", "plans", "benchmarks", "headline",
         "language", "kind", "description", "scenarios", "notes", "default", "department", "signer")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class CaseError(InputError):
    """A case folder or its ``case.yaml`` cannot be used; the message names the file, the key and what to do."""


# ----------------------------------------------------------------------------
# Messages (English / Vietnamese), in the style of simlib.inputs.validation's table: a refusal names the file,
# the YAML line and the key, what was seen, why and what to do, in the case's language (``language:``;
# Vietnamese when the file does not say, or cannot be read far enough to say).
# ----------------------------------------------------------------------------
_MSG: dict[str, tuple[str, str]] = {
    "no_default": ("no bundled case is marked 'default: true'; name one with --case (bundled: {known})",
                   "không có kịch bản nào có sẵn được đánh dấu 'default: true'; hãy chọn một bằng --case (có sẵn: "
                   "{known})"),
    "no_case": ("no case {case!r}: not a folder, and not a bundled case (bundled: {known}); create one with: "
                "python -m simlib init-case --province \"<province name>\" FOLDER",
                "không có kịch bản {case!r}: không phải thư mục, cũng không phải kịch bản có sẵn (có sẵn: {known}); "
                "hãy tạo bằng: python -m simlib init-case --province \"<tên tỉnh>\" THƯ_MỤC"),
    "no_folder": ("{path}: no such case folder; create one with: python -m simlib init-case --province "
                  "\"<province name>\" {path}",
                  "{path}: không có thư mục kịch bản này; hãy tạo bằng: python -m simlib init-case --province "
                  "\"<tên tỉnh>\" {path}"),
    "no_yaml": ("{path}: the folder has no {file}; create one with: python -m simlib init-case --province "
                "\"<province name>\" {path}",
                "{path}: thư mục không có tệp {file}; hãy tạo bằng: python -m simlib init-case --province "
                "\"<tên tỉnh>\" {path}"),
    "not_mapping": ("{path}: found {seen!r} where keys such as id, geography, as_of, years were expected; write one "
                    "'key: value' per line (python -m simlib init-case writes a complete example)",
                    "{path}: thấy {seen!r} trong khi cần các khóa như id, geography, as_of, years; hãy ghi mỗi dòng "
                    "một 'khóa: giá trị' (python -m simlib init-case viết sẵn một tệp mẫu đầy đủ)"),
    "missing": ("{path}: the key '{key}' is missing; add a line such as {example}",
                "{path}: thiếu khóa '{key}'; hãy thêm một dòng như {example}"),
    "bad_id": ("{where}: found {seen!r}; an id is lower-case letters, digits and _ (it names the case's folder of "
               "outputs and its plan): write e.g. my_province_2030",
               "{where}: thấy {seen!r}; mã kịch bản chỉ gồm chữ thường không dấu, chữ số và _ (dùng để đặt tên kết "
               "quả và kế hoạch): hãy ghi ví dụ tinh_cua_toi_2030"),
    "years_shape": ("{where}: found {seen!r}; 'years' is the first and last school year simulated: write "
                    "[first, last], e.g. [2022, 2030]",
                    "{where}: thấy {seen!r}; 'years' là năm học đầu và cuối được mô phỏng: hãy ghi [đầu, cuối], ví "
                    "dụ [2022, 2030]"),
    "years_whole": ("{where}: found {seen!r}; these must be two whole years (the calendar year each school year "
                    "ends): write e.g. [2022, 2030]",
                    "{where}: thấy {seen!r}; phải là hai năm nguyên (năm dương lịch kết thúc năm học): hãy ghi ví dụ "
                    "[2022, 2030]"),
    "years_order": ("{where}: found {seen!r}: the last year {y1} is before the first {y0}; write the earlier year "
                    "first",
                    "{where}: thấy {seen!r}: năm cuối {y1} trước năm đầu {y0}; hãy ghi năm sớm hơn trước"),
    "years_bounds": ("{where}: found {seen!r}: {y} is outside {lo}-{hi}, the years simlib can simulate; write the "
                     "first and last school years simulated (the calendar year each ends), e.g. [2022, 2030]",
                     "{where}: thấy {seen!r}: năm {y} nằm ngoài khoảng {lo}-{hi} mà simlib mô phỏng được; hãy ghi "
                     "năm học đầu và cuối được mô phỏng (năm dương lịch kết thúc năm học), ví dụ [2022, 2030]"),
    "years_span": ("{where}: found {seen!r}: {n} years simulated, at most {max} (the run's memory grows with the "
                   "years); write a shorter span, e.g. [2022, 2030]",
                   "{where}: thấy {seen!r}: mô phỏng {n} năm, tối đa {max} năm (bộ nhớ cần tăng theo số năm); hãy "
                   "ghi khoảng ngắn hơn, ví dụ [2022, 2030]"),
    "as_of_whole": ("{where}: found {seen!r}; 'as_of' is 'today', the latest school year whose graduates have "
                    "streamed, a whole year: write e.g. 2026",
                    "{where}: thấy {seen!r}; 'as_of' là 'hôm nay', năm học gần nhất đã có học sinh tốt nghiệp phân "
                    "luồng, phải là một năm nguyên: hãy ghi ví dụ 2026"),
    "as_of_outside": ("{where}: found {seen!r}, outside the years simulated {y0}-{y1}; 'as_of' is 'today', the "
                      "latest school year whose graduates have streamed, and must lie within 'years': write e.g. "
                      "{example} or widen 'years'",
                      "{where}: thấy {seen!r}, nằm ngoài các năm được mô phỏng {y0}-{y1}; 'as_of' là 'hôm nay', năm "
                      "học gần nhất đã có học sinh tốt nghiệp phân luồng, và phải nằm trong 'years': hãy ghi ví dụ "
                      "{example} hoặc mở rộng 'years'"),
    "strings": ("{where}: found {seen!r}; write a list of names, e.g. [{example}]",
                "{where}: thấy {seen!r}; hãy ghi một danh sách tên, ví dụ [{example}]"),
    "units_bad": ("{where}: found {seen!r}; write plan (the units the case's targets name), children (every commune "
                  "and ward) or a list of geo ids",
                  "{where}: thấy {seen!r}; hãy ghi plan (các đơn vị có chỉ tiêu), children (mọi xã, phường) hoặc một "
                  "danh sách mã địa bàn"),
    "language_bad": ("{where}: found {seen!r}; write vi (Vietnamese) or en (English)",
                     "{where}: thấy {seen!r}; hãy ghi vi (tiếng Việt) hoặc en (tiếng Anh)"),
    "kind_bad": ("{where}: found {seen!r}; write {kinds} (plan: looking forward; retrospective: a plan judged "
                 "after the fact)",
                 "{where}: thấy {seen!r}; hãy ghi {kinds} (plan: kế hoạch sắp tới; retrospective: đánh giá một kế "
                 "hoạch đã qua)"),
    "text_bad": ("{where}: found {seen!r}; write one line of text (in quotes if it holds ':' or '#')",
                 "{where}: thấy {seen!r}; hãy ghi một dòng chữ (đặt trong ngoặc kép nếu có ':' hoặc '#')"),
    "place": ("{where}: {why}", "{where}: {why}"),
    "parents": ("{path}: parent(s) {bad} are not known places (data/geographies.csv or this file); write the "
                "province's geo id, as init-case does, e.g. vn.tay_ninh",
                "{path}: địa bàn cấp trên {bad} không có (data/geographies.csv hoặc tệp này); hãy ghi mã của tỉnh "
                "như init-case đã viết, ví dụ vn.tay_ninh"),
    "plans": ("{where}: unknown plan id(s) {bad}; known: {known}; or put the case's own targets in targets.csv next "
              "to case.yaml",
              "{where}: không có kế hoạch {bad}; các kế hoạch đã biết: {known}; hoặc ghi chỉ tiêu của chính kịch bản "
              "vào targets.csv cạnh case.yaml"),
}


def _m(lang: str, msg: str, **kw) -> str:
    en, vi = _MSG[msg]
    return (vi if lang == "vi" else en).format(**kw)


def _err(lang: str, msg: str, **kw) -> CaseError:
    """A :class:`CaseError` worded in ``lang`` (its ``lang`` attribute lets the command line say "lỗi:")."""
    exc = CaseError(_m(lang, msg, **kw))
    exc.lang = lang
    return exc


_LANG_LINE = re.compile(r"^language\s*:\s*[\"']?(vi|en)[\"']?\s*(?:#.*)?$", re.MULTILINE)


def _language_hint(path: Path) -> str:
    """The case's language as its file says (``language: en``), read before parsing; Vietnamese otherwise."""
    try:
        m = _LANG_LINE.search(path.read_bytes().decode("utf-8", "replace"))
    except OSError:
        return "vi"
    return m.group(1) if m else "vi"


@dataclass(frozen=True)
class _Where:
    """The file, its language and the line of each top-level key: where a refusal points."""

    path: Path
    lang: str
    lines: Mapping[str, int]

    def __call__(self, key: str) -> str:
        return key_where(self.path, key, self.lines, self.lang)

    def error(self, msg: str, key: str, **kw) -> "CaseError":
        return _err(self.lang, msg, where=self(key), **kw)


@dataclass(frozen=True)
class Case:
    """A planning case (see the module docstring for the file format).

    Attributes
    ----------
    id, title_vi, title_en : str
    geography : str
        The run's geography as written in ``case.yaml`` (resolved to a geo id
        by :func:`simlib.inputs.bundle.case_bundle`).
    as_of : int
        "Today": targets of this year or earlier are judged as past.
    first_year, last_year : int
        Years simulated (calendar year the school year ends).
    units : str or tuple of str
        ``"plan"`` (the geography and every unit the case's plans set targets
        for), ``"children"`` (every child unit) or explicit geo ids.
    plans : tuple of str
        Plan ids whose targets the case assesses (the first is its own).
    benchmarks : tuple of str
        National plans whose targets are also assessed for the case's
        geography (e.g. Decision 1705's 95 % transition), as benchmarks.
    headline : tuple of str
        Indicator ids shown first.
    language : {"vi", "en"}
    kind : {"plan", "retrospective"}
    scenarios : tuple of str or None
        Scenario names to run (None: every scenario file available).
    folder : Path or None
        The case folder (None for a case built in code).
    department, signer : str
        Optional: the department issuing the Word report (e.g. "Sở Giáo dục và Đào tạo tỉnh Quảng Trị") and who
        signs it (e.g. "Nguyễn Văn A"); blank lines for the clerk when not given.
    """

    id: str
    title_vi: str
    title_en: str
    geography: str
    as_of: int
    first_year: int
    last_year: int
    units: str | tuple[str, ...] = "plan"
    plans: tuple[str, ...] = ()
    benchmarks: tuple[str, ...] = ()
    headline: tuple[str, ...] = ()
    language: str = "vi"
    kind: str = "plan"
    scenarios: tuple[str, ...] | None = None
    description: str = ""
    folder: Path | None = field(default=None, compare=False)
    department: str = ""
    signer: str = ""

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.first_year, self.last_year + 1))

    def title(self, lang: str) -> str:
        return self.title_vi if lang == "vi" else self.title_en

    def file(self, *names: str) -> Path | None:
        """The first of ``names`` that exists in the case folder (None when none or no folder)."""
        if self.folder is None:
            return None
        for n in names:
            p = self.folder / n
            if p.exists():
                return p
        return None

    @property
    def observations_file(self) -> Path | None:
        return self.file("observations.csv", "observations.xlsx", "observations.ods", "observations.xls")

    @property
    def targets_file(self) -> Path | None:
        return self.file("targets.csv", "targets.xlsx", "targets.ods", "targets.xls")

    @property
    def scenarios_dir(self) -> Path | None:
        p = self.file("scenarios")
        return p if p is not None and p.is_dir() else None

    @property
    def flow_assumptions_file(self) -> Path | None:
        return self.file("flow_assumptions.csv")

    @property
    def levers_file(self) -> Path | None:
        return self.file("levers.yaml")


def default_case(data_dir: str | Path | None = None) -> Case:
    """The bundled case marked ``default: true`` in its ``case.yaml`` (what ``make report`` runs)."""
    for cid in list_cases(data_dir):
        path = Path(data_dir or bundled_data_dir()) / "cases" / cid / CASE_FILE
        doc = read_case_yaml(path) or {}
        if doc.get("default") is True:
            return load_case(cid, data_dir=data_dir)
    raise _err("vi", "no_default", known=", ".join(list_cases(data_dir)) or "-")


def list_cases(data_dir: str | Path | None = None) -> list[str]:
    """Ids of the bundled cases (folders of ``data/cases`` with a ``case.yaml``)."""
    root = Path(data_dir or bundled_data_dir()) / "cases"
    return sorted(p.parent.name for p in root.glob(f"*/{CASE_FILE}"))


def _whole(v: Any) -> bool:
    """A whole number as YAML gives it (2026 or 2026.0; not True, not 2026.5, not "2026a")."""
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    if isinstance(v, float):
        return v.is_integer()
    return isinstance(v, str) and v.strip().isdigit()


def _int(doc: Mapping, key: str, w: "_Where") -> int:
    v = doc.get(key)
    if not _whole(v):
        raise w.error("as_of_whole", key, seen=v)
    return int(v)


#: Years a case may simulate: the first school year with figures in the library to a horizon planners use.
FIRST_YEAR, LAST_YEAR = 2010, 2045
#: At most this many years simulated (the engine's memory grows with years x draws x units).
MAX_SPAN = 25


def _check_years(w: "_Where", y0: int, y1: int, as_of: int, years: Any, as_of_raw: Any) -> None:
    """Bounds on ``years`` and ``as_of``, checked before any computation (an absurd year would run for hours)."""
    for y in (y0, y1):
        if not FIRST_YEAR <= y <= LAST_YEAR:
            raise w.error("years_bounds", "years", seen=years, y=y, lo=FIRST_YEAR, hi=LAST_YEAR)
    if y1 - y0 + 1 > MAX_SPAN:
        raise w.error("years_span", "years", seen=years, n=y1 - y0 + 1, max=MAX_SPAN)
    if not y0 <= as_of <= y1:
        raise w.error("as_of_outside", "as_of", seen=as_of_raw, y0=y0, y1=y1, example=min(max(2026, y0), y1))


def _strings(v: Any, key: str, w: "_Where", example: str = "thcs_to_gdnn_sc_tc") -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    if isinstance(v, Sequence) and all(isinstance(x, str) for x in v):
        return tuple(v)
    raise w.error("strings", key, seen=v, example=example)


def _text(v: Any, key: str, w: "_Where") -> str:
    """A one-line text value (title, department, signer): a string or a number, never a list or a mapping."""
    if v is None:
        return ""
    if isinstance(v, (Mapping, list, tuple, set)):
        raise w.error("text_bad", key, seen=v)
    return " ".join(str(v).split())


def read_case_yaml(path: Path, *, key_lines: bool = False) -> Any:
    """Parse a case's YAML safely (:func:`simlib.inputs.yamlio.read_yaml`): UTF-8 (a bad byte's line and
    column), no aliases, no duplicate keys; refusals in the case's language (Vietnamese unless ``language: en``).

    Raises
    ------
    CaseError
        Naming the file, the line and what to do.
    """
    return read_yaml(path, error=CaseError, lang=_language_hint(path), key_lines=key_lines)


def load_case(case: str | Path, *, data_dir: str | Path | None = None) -> Case:
    """Read a case: a bundled case id (``data/cases/<id>``) or a folder (or its ``case.yaml``).

    Raises
    ------
    CaseError
        Naming the file and the key: a missing folder or file, invalid YAML,
        an unknown key, a missing or malformed value, years out of order.
    """
    p = Path(case)
    if p.name == CASE_FILE:
        p = p.parent
    lang = "vi"  # until the file says otherwise
    if not p.exists() and _ID.match(str(case)):
        bundled = Path(data_dir or bundled_data_dir()) / "cases" / str(case)
        if not bundled.exists():
            raise _err(lang, "no_case", case=str(case), known=", ".join(list_cases(data_dir)) or "-")
        p = bundled
    if not p.is_dir():
        raise _err(lang, "no_folder", path=p)
    path = p / CASE_FILE
    if not path.exists():
        raise _err(lang, "no_yaml", path=p, file=CASE_FILE)
    doc, lines = read_case_yaml(path, key_lines=True)
    lang = doc.get("language") if isinstance(doc, Mapping) and doc.get("language") in ("vi", "en") else \
        _language_hint(path)
    w = _Where(path, lang, lines)
    if not isinstance(doc, Mapping):
        raise _err(lang, "not_mapping", path=path, seen=doc)
    check_keys(doc, _KEYS, path, ("a case", "một kịch bản"), error=CaseError, lang=lang, lines=lines)
    examples = {"id": "id: tinh_2030", "geography": "geography: vn.tay_ninh", "as_of": "as_of: 2026",
                "years": "years: [2022, 2030]"}
    for key in ("id", "geography", "as_of", "years"):
        if doc.get(key) in (None, ""):
            raise _err(lang, "missing", path=path, key=key, example=examples[key])
    cid = str(doc["id"])
    if not _ID.match(cid):
        raise w.error("bad_id", "id", seen=doc["id"])
    years = doc["years"]
    if not (isinstance(years, Sequence) and not isinstance(years, str) and len(years) == 2):
        raise w.error("years_shape", "years", seen=years)
    try:
        if not all(_whole(y) for y in years):
            raise ValueError
        y0, y1 = int(years[0]), int(years[1])
    except (TypeError, ValueError):
        raise w.error("years_whole", "years", seen=years) from None
    if y1 < y0:
        raise w.error("years_order", "years", seen=years, y0=y0, y1=y1)
    as_of = _int(doc, "as_of", w)
    _check_years(w, y0, y1, as_of, years, doc.get("as_of"))
    units: str | tuple[str, ...] = doc.get("units", "plan")
    if isinstance(units, str):
        if units not in ("plan", "children"):
            raise w.error("units_bad", "units", seen=units)
    else:
        if not (isinstance(units, Sequence) and all(isinstance(x, str) for x in units)):
            raise w.error("units_bad", "units", seen=units)
        units = tuple(units)
    if str(doc.get("language", "vi")) not in ("vi", "en"):
        raise w.error("language_bad", "language", seen=doc.get("language"))
    kind = str(doc.get("kind", "plan"))
    if kind not in KINDS:
        raise w.error("kind_bad", "kind", seen=doc.get("kind"), kinds=" / ".join(KINDS))
    geography = doc["geography"]
    if not isinstance(geography, (str, int)) or isinstance(geography, bool):
        raise w.error("text_bad", "geography", seen=geography)
    scenarios = doc.get("scenarios")
    texts = {k: _text(doc.get(k), k, w) for k in ("title_vi", "title_en", "description", "department", "signer")}
    return Case(
        id=cid, title_vi=texts["title_vi"] or cid, title_en=texts["title_en"] or cid,
        geography=str(geography), as_of=as_of, first_year=y0, last_year=y1, units=units,
        plans=_strings(doc.get("plans"), "plans", w, "tinh_2030"),
        benchmarks=_strings(doc.get("benchmarks"), "benchmarks", w, "qd1705, qd2239"),
        headline=_strings(doc.get("headline"), "headline", w),
        language=lang, kind=kind,
        scenarios=None if scenarios is None else _strings(scenarios, "scenarios", w, "baseline, quota_70"),
        description=texts["description"], folder=p.resolve(),
        department=texts["department"], signer=texts["signer"])


# --------------------------------------------------------------------------
# a case's inputs: the library plus the case's own files, validated
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseInputs:
    """Everything a run of a case reads, validated.

    Attributes
    ----------
    case : Case
    bundle : Bundle
        The library (``data/``) with the case's units, targets and
        observations (and any extra planner file) added.
    geography : str
        The run's geo id.
    units : list of str
        The run's units (the geography first).
    plans : list of str
        Plan ids assessed (the case's own first).
    levers_path, flow_assumptions_path, scenarios_dir : Path
        The case's own file where it has one, else the library's.
    planner_files : tuple of Path
        Planner files whose rows joined the evidence (the case's observations file and ``--planner``).
    files : dict str -> Path
        Every file read, labelled (for the hashes in ``run.json``).
    """

    case: Case
    bundle: Any
    geography: str
    units: list[str]
    plans: list[str]
    levers_path: Path
    flow_assumptions_path: Path
    scenarios_dir: Path
    planner_files: tuple[Path, ...]
    files: Mapping[str, Path]


def _case_where(case: Case) -> _Where:
    """Where a refusal about one of ``case``'s keys points (its case.yaml and the key's line, when read from a
    folder)."""
    if case.folder is None or not (case.folder / CASE_FILE).exists():
        return _Where(Path(case.id), case.language, {})
    path = case.folder / CASE_FILE
    try:
        _, lines = read_case_yaml(path, key_lines=True)
    except CaseError:
        lines = {}
    return _Where(path, case.language, lines)


def _case_units(case: Case, bundle, geo: str, plans: list[str]) -> list[str]:
    if isinstance(case.units, tuple):
        out = [geo]
        for name in case.units:
            gid, why = bundle.reference.resolve_geography(name, lang=case.language)
            if gid is None:
                raise _case_where(case).error("place", "units", why=why)
            if gid != geo:
                out.append(gid)
        return out
    if case.units == "children":
        return [geo] + bundle.children(geo)
    t = bundle.targets[bundle.targets["plan_id"].isin(plans)]
    return [geo] + [g for g in dict.fromkeys(t["geography"]) if g != geo]


def _targets_rows(case: Case, table) -> Any:
    """The case's own targets as rows of the library's targets table (plan id = case id)."""
    import pandas as pd

    rows = []
    for r in table.to_dict("records"):
        tid = r.get("target_id") or f"{case.id}.{r['geography']}.{r['indicator']}.{int(r['year'])}"
        val = r.get("value")
        written = r.get("as_written")
        if not written:
            written = (f"{r['low']:g}-{r['high']:g}" if r["comparator"] == "range" else f"{val:g}")
            written = written.replace(".", ",")
        rows.append({**{k: r.get(k) for k in ("geography", "indicator", "year", "comparator", "value", "low", "high",
                                              "unit", "value_share", "low_share", "high_share")},
                     "target_id": str(tid), "plan_id": case.id, "as_written": str(written), "variant": "",
                     "source_status": "primary", "locator": r.get("locator") or f"row {r['row']}",
                     "url": r.get("url") or str(r.get("source")), "notes": r.get("notes")})
    return pd.DataFrame(rows)


def _with_benchmarks(bundle, case: Case, geo: str):
    """National targets of the benchmark plans, copied to the case's geography (flagged in ``notes``)."""
    import dataclasses

    import pandas as pd

    t = bundle.targets
    bench = t[t["plan_id"].isin(case.benchmarks) & (t["geography"] != geo)].copy()
    name = bundle.geo_name(geo)
    bench["notes"] = [f"national target of {pid} applied to {name} as a benchmark. {n or ''}".strip()
                      for pid, n in zip(bench["plan_id"], bench["notes"])]
    bench["target_id"] = bench["target_id"] + "@" + geo
    bench["geography"] = geo
    rest = t[~t["plan_id"].isin(case.benchmarks)]  # the national originals are not the case's targets
    return dataclasses.replace(bundle, targets=pd.concat([rest, bench], ignore_index=True, sort=False))


def _with_case_units(bundle, case: Case, units_file: Path):
    """The library with the case's ``units.csv`` rows it does not list (their parents must be known places)."""
    import dataclasses

    import pandas as pd

    from simlib.inputs.textio import read_table
    from simlib.inputs.validation import Reference, validate_table

    extra = validate_table(read_table(units_file), "units", None)
    known = set(bundle.geographies["geo_id"])
    bad = sorted(set(extra["parent"]) - known - set(extra["geo_id"]))
    if bad:
        raise _err(case.language, "parents", path=units_file, bad=", ".join(bad))
    new = extra[~extra["geo_id"].isin(known)].drop(columns=["row"], errors="ignore")
    new = new.assign(name_en=new["name_en"].where(new["name_en"].notna(), new["name_vi"]))
    geos = pd.concat([bundle.geographies, new], ignore_index=True, sort=False)
    ref = Reference.build(geos, bundle.indicators, bundle.plans)
    return dataclasses.replace(bundle, geographies=geos, reference=ref)


def _with_case_targets(bundle, case: Case, geo: str, table):
    """The library with the case's own targets (``targets.csv``) as a plan whose id is the case's."""
    import dataclasses

    import pandas as pd

    from simlib.inputs.validation import Reference

    rows = _targets_rows(case, table)
    plan = pd.DataFrame([{"plan_id": case.id, "title": case.title_vi, "issuer": "(case)", "geography": geo,
                          "date": str(case.as_of), "status": "draft", "document": case.targets_file.name,
                          "source_status": "primary", "notes": case.description or None}])
    plans_df = pd.concat([bundle.plans[bundle.plans["plan_id"] != case.id], plan], ignore_index=True, sort=False)
    targets = pd.concat([bundle.targets[bundle.targets["plan_id"] != case.id], rows], ignore_index=True,
                        sort=False)
    ref = Reference.build(bundle.geographies, bundle.indicators, plans_df)
    return dataclasses.replace(bundle, plans=plans_df, targets=targets, reference=ref)


def load_case_inputs(case: Case, *, data_dir: str | Path | None = None,
                     planner_file: str | Path | None = None, sheet: str | int | None = None) -> CaseInputs:
    """Load the library, add the case's units, targets and observations, and resolve its geography and units.

    Parameters
    ----------
    case : Case
    data_dir : path, optional
        The library folder (default: the bundled ``data/``).
    planner_file : path, optional
        An extra planner file (observations) whose rows join the evidence.
    sheet : str or int, optional
        Sheet of ``planner_file`` when it is a workbook.

    Raises
    ------
    CaseError, ValidationError
        With the file, row, column and reason.
    """
    from simlib.inputs.bundle import load_bundle, load_planner_file
    from simlib.inputs.textio import ValidationError, read_table
    from simlib.inputs.validation import validate_table

    bundle = load_bundle(data_dir)
    library = Path(bundle.data_dir)
    files: dict[str, Path] = {}
    units_file = case.file("units.csv")
    if units_file is not None:
        bundle = _with_case_units(bundle, case, units_file)
        files["case/units.csv"] = units_file
    geo, why = bundle.reference.resolve_geography(case.geography, lang=case.language)
    if geo is None:
        raise _case_where(case).error("place", "geography", why=why)
    plans = list(case.plans)
    table = validate_table(read_table(case.targets_file), "case_targets", bundle.reference) \
        if case.targets_file is not None else None
    if table is not None and len(table):
        bundle = _with_case_targets(bundle, case, geo, table)
        files["case/" + case.targets_file.name] = case.targets_file
        if case.id not in plans:
            plans.insert(0, case.id)
    unknown = [p for p in plans + list(case.benchmarks) if p not in set(bundle.plans["plan_id"])]
    if unknown:
        key = "plans" if any(u in case.plans for u in unknown) else "benchmarks"
        raise _case_where(case).error("plans", key, bad=", ".join(unknown), known=", ".join(bundle.plans["plan_id"]))
    planner_files = []
    for path in [case.observations_file, Path(planner_file) if planner_file else None]:
        if path is None:
            continue
        try:
            rows = load_planner_file(path, ref=bundle.reference, sheet=sheet if path == planner_file else None)
        except ValidationError:
            raise
        bundle = bundle.with_planner_data(rows)
        planner_files.append(path)
        files[("case/" if path == case.observations_file else "planner/") + path.name] = path
    if case.benchmarks:
        bundle = _with_benchmarks(bundle, case, geo)
        plans += [p for p in case.benchmarks if p not in plans]
    units = _case_units(case, bundle, geo, [p for p in plans if p not in case.benchmarks])
    lev = case.levers_file or lever_file(library)
    flow = case.flow_assumptions_file or library / "flow_assumptions.csv"
    sdir = case.scenarios_dir or library / "scenarios"
    if case.folder is not None:
        files["case/" + CASE_FILE] = case.folder / CASE_FILE
    return CaseInputs(case, bundle, geo, units, plans, lev, flow, sdir, tuple(planner_files), files)
