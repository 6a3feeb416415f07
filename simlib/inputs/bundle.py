"""Load simlib's bundled tables and planners' files, validated.

The bundled files live in ``data/`` (documented in ``data/README.md``).
Every loader validates what it reads with :mod:`simlib.inputs.validation` and raises
:class:`~simlib.inputs.textio.ValidationError` (file, row, column, reason) on bad
input; nothing here ever writes to an input file.

Examples
--------
>>> from simlib.inputs import bundle as data
>>> bundle = data.load_bundle()
>>> sorted(bundle.plans["plan_id"])[:2]  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simlib.inputs.textio import Problem, ValidationError, read_table
from simlib.inputs.resources import bundled_data_dir
from simlib.inputs.validation import Reference, guess_kind, header_words, validate_table

__all__ = [
    "bundled_data_dir",
    "Bundle",
    "load_bundle",
    "load_reference",
    "load_table",
    "load_planner_file",
    "validate_file",
    "geography_names",
    "population_weights",
    "load_observations",
    "load_targets",
    "load_panel",
    "load_province_figures",
    "PANEL_FILES",
]

#: The province panel (``data/README.md``, *Province panel*): pupils by level and province (GSO) and the
#: provinces' grade-10 quotas and cohort counts (press), one tidy row per figure with its source.
PANEL_FILES = {"panel": "gso_panel.csv", "figures": "province_figures.csv"}
_PANEL_COLUMNS = ("obs_id", "geography", "successor", "name_source", "indicator", "period", "year", "value", "unit",
                  "flags", "source", "url", "locator", "notes")


FILES = {
    "geographies": "geographies.csv",
    "indicators": "indicators.csv",
    "plans": "plans.csv",
    "targets": "targets.csv",
    "observations": "observations.csv",
    "context": "context.csv",
}


@dataclass(frozen=True)
class Bundle:
    """All bundled tables, validated and typed.

    Attributes
    ----------
    geographies, indicators, plans, targets, observations, context : pandas.DataFrame
        See ``data/README.md`` for columns and units. ``targets`` and
        ``observations`` carry ``*_share`` columns (fractions 0-1) next to the
        values in their source unit.
    reference : Reference
        Lookup of geographies and indicators (used to validate planner files).
    data_dir : Path
    """

    geographies: pd.DataFrame
    indicators: pd.DataFrame
    plans: pd.DataFrame
    targets: pd.DataFrame
    observations: pd.DataFrame
    context: pd.DataFrame
    reference: Reference
    data_dir: Path
    panel: pd.DataFrame | None = None
    province_figures: pd.DataFrame | None = None

    @functools.cached_property
    def _names_vi(self) -> dict[str, str]:
        """geo id -> Vietnamese name, the first row of each id (read once: a report asks about a thousand times)."""
        g = self.geographies
        return {k: str(v) for k, v in zip(g["geo_id"][::-1], g["name_vi"][::-1])}

    def geo_name(self, geo_id: str) -> str:
        """Vietnamese name of a geography: the bundle's, else either map's (a former province), else its geo id."""
        names = self._names_vi
        if geo_id in names:
            return names[geo_id]
        from simlib.inputs.places import name_of

        return name_of(geo_id) or geo_id

    def with_planner_data(self, planner: pd.DataFrame | None) -> Bundle:
        """This bundle with a planner's validated observations added, each flagged ``planner_data``.

        The one way planner rows join the evidence (audit, trends, cohorts and
        verdicts all read the result). ``None`` or an empty table returns the
        bundle unchanged.
        """
        if planner is None or not len(planner):
            return self
        flags = planner["flags"].fillna("").astype(str) if "flags" in planner.columns else ""
        extra = planner.assign(flags=(flags + ";planner_data").str.lstrip(";") if len(planner) else flags)
        extra.attrs = {}  # the reader's notes stay with the file, not with every slice of the evidence
        obs = pd.concat([self.observations, extra], ignore_index=True, sort=False)
        obs.attrs = {}
        return dataclasses.replace(self, observations=obs)

    def children(self, geo_id: str) -> list[str]:
        return list(self.geographies.loc[self.geographies["parent"] == geo_id, "geo_id"])

    def ancestors(self, geo_id: str) -> list[str]:
        """Parent, grandparent, ... up to the country."""
        parents = dict(zip(self.geographies["geo_id"], self.geographies["parent"]))
        out, g = [], parents.get(geo_id)
        while isinstance(g, str) and g:
            out.append(g)
            g = parents.get(g)
        return out


def _path(data_dir: Path | str | None, kind: str) -> Path:
    return Path(data_dir or bundled_data_dir()) / FILES[kind]


def load_reference(data_dir: Path | str | None = None, *, province: str | None = None) -> Reference:
    """Geographies, indicators and plans: what other tables are checked against.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder (default: the bundled data).
    province : str, optional
        A province of the map in force since 1/7/2025 (name or geo_id, e.g.
        ``"Tây Ninh"`` or ``"vn.tay_ninh"``): its communes and wards (official
        codes, ids ``vn.tay_ninh.xa_duc_hoa``) are added to the geographies,
        and bare unit names in a planner's file are looked up there first.
    """
    geos = validate_table(read_table(_path(data_dir, "geographies")), "geographies")
    inds = validate_table(read_table(_path(data_dir, "indicators")), "indicators")
    ref0 = Reference.build(geos, inds)
    plans = validate_table(read_table(_path(data_dir, "plans")), "plans", ref0)
    return Reference.build(geos, inds, plans, province=province)


def load_table(kind: str, data_dir: Path | str | None = None, ref: Reference | None = None) -> pd.DataFrame:
    """Load and validate one bundled table by kind (e.g. ``'targets'``)."""
    if kind not in FILES:
        raise ValueError(f"unknown table {kind!r}; choose from {sorted(FILES)}")
    ref = ref or load_reference(data_dir)
    if kind == "geographies":
        return ref.geographies
    if kind == "indicators":
        return ref.indicators
    if kind == "plans":
        return ref.plans
    return validate_table(read_table(_path(data_dir, kind)), kind, ref, strict=True)


def load_bundle(data_dir: Path | str | None = None) -> Bundle:
    """Load every bundled table, validated. Problems in several files are reported together."""
    ref = load_reference(data_dir)
    tables, problems = {}, []
    for kind in ("targets", "observations", "context"):
        try:
            tables[kind] = load_table(kind, data_dir, ref)
        except ValidationError as exc:
            problems += exc.problems
    if problems:
        raise ValidationError(problems)
    return Bundle(ref.geographies, ref.indicators, ref.plans, tables["targets"], tables["observations"],
                  tables["context"], ref, Path(data_dir or bundled_data_dir()),
                  load_panel(data_dir, ref), load_province_figures(data_dir, ref))


def _load_panel_file(name: str, data_dir: Path | str | None, ref: Reference | None) -> pd.DataFrame | None:
    """One province-panel file, checked: columns, unique ids, numbers, years, known indicators and provinces.

    A data folder without the file (an older copy) gives None; a file with faults raises
    :class:`ValidationError` naming each row.
    """
    path = Path(data_dir or bundled_data_dir()) / name
    if not path.is_file():
        return None
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    problems = [Problem(name, None, c, f"the column '{c}' is missing: restore the header of {name}")
                for c in _PANEL_COLUMNS if c not in df.columns]
    if problems:
        raise ValidationError(problems)
    known_ind = set(ref.indicators["indicator_id"]) if ref is not None else None
    for col in ("value", "low", "high"):
        if col in df.columns:
            df[col] = pd.to_numeric(df[col].replace("", None), errors="coerce").astype(float)
    df["year"] = pd.to_numeric(df["year"], errors="coerce")
    for i, r in enumerate(df.itertuples(index=False), start=2):
        has = any(pd.notna(getattr(r, c, float("nan"))) for c in ("value", "low", "high"))
        if not has:
            problems.append(Problem(name, i, "value", f"no figure in row {r.obs_id}: give value (or low/high)"))
        if pd.isna(r.year):
            problems.append(Problem(name, i, "year", f"year '{r.year}' is not a year (write e.g. 2017)"))
        if not r.url or not r.source:
            problems.append(Problem(name, i, "url", "every figure needs its source and URL"))
        if known_ind is not None and r.indicator not in known_ind:
            problems.append(Problem(name, i, "indicator", f"unknown indicator '{r.indicator}': add it to "
                                                          "indicators.csv or fix the id"))
        if not str(r.successor).startswith("vn"):
            problems.append(Problem(name, i, "successor", f"'{r.successor}' is not a geo id of a current province"))
    dup = df["obs_id"][df["obs_id"].duplicated()]
    problems += [Problem(name, None, "obs_id", f"obs_id '{d}' is used twice: ids must be unique") for d in dup]
    if problems:
        raise ValidationError(problems)
    df["year"] = df["year"].astype(int)
    df["flags"] = df["flags"].fillna("")
    return df


def load_panel(data_dir: Path | str | None = None, ref: Reference | None = None) -> pd.DataFrame | None:
    """The GSO pupils panel (``data/gso_panel.csv``): one row per province (former map), level and year.

    Columns as in ``data/README.md`` (*Province panel*); ``value`` is in ``unit`` (``students`` for pupil
    counts on 30 September, ``percent`` for pass rates); ``year`` is the year the school year ends
    (30/9/2016 -> 2017); ``successor`` is the current province the area belongs to.
    """
    return _load_panel_file(PANEL_FILES["panel"], data_dir, ref)


def load_province_figures(data_dir: Path | str | None = None, ref: Reference | None = None
                          ) -> pd.DataFrame | None:
    """Provinces' grade-10 quotas (planned intake: an upper bound on public entry) and cohort counts.

    ``data/province_figures.csv``: ``value`` or ``low``/``high`` (a lower bound has ``low`` only and the flag
    ``lower_bound``); ``planned`` marks quotas and plans, which are not outcomes.
    """
    return _load_panel_file(PANEL_FILES["figures"], data_dir, ref)


def load_observations(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The bundled historical observations (``data/observations.csv``), validated.

    Rates keep their source unit in ``value``/``low``/``high`` (see ``unit``);
    ``value_share``, ``low_share``, ``high_share`` give them as fractions 0-1.
    """
    return load_table("observations", data_dir)


def load_targets(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The bundled plan targets (``data/targets.csv``), validated; ``value_share`` etc. as fractions 0-1."""
    return load_table("targets", data_dir)


def load_planner_file(path: Path | str, *, ref: Reference | None = None, sheet: str | int | None = None,
                      kind: str = "observations", lang: str | None = None,
                      province: str | None = None) -> pd.DataFrame:
    """Read and validate a planner's own file (template: ``data/template/``).

    Parameters
    ----------
    path : path-like
        ``.csv`` (UTF-8 with or without BOM, UTF-16, Windows-1258; comma,
        semicolon or tab), ``.xlsx``/``.xlsm``, ``.xls`` or ``.ods``, with or
        without a title block above the header.
    ref : Reference, optional
        Known geographies and indicators; the bundled ones by default.
    sheet : str or int, optional
        Worksheet name or position counting from 1 (default: the active, visible sheet).
    kind : str
        Table kind; planners' data are ``observations``.
    lang : {"en", "vi"}, optional
        Language of the messages (default: Vietnamese when the file's header is).
    province : str, optional
        The file's province, for unit names found in several provinces.

    Returns
    -------
    pandas.DataFrame
        Typed observations (see :func:`simlib.inputs.validation.validate_table`);
        ``attrs["notes"]`` says what the reader did.
    """
    ref = ref or load_reference()
    raw = read_table(path, sheet=sheet, header_names=header_words(kind), lang=lang)
    return validate_table(raw, kind, ref, strict=False, lang=lang, province=province)


def validate_file(path: Path | str, *, kind: str | None = None, sheet: str | int | None = None,
                  data_dir: Path | str | None = None, lang: str | None = None,
                  province: str | None = None) -> pd.DataFrame:
    """Validate any file: a bundled table (by name) or a planner's file.

    The kind is taken from the file name (``targets.csv`` -> targets) unless
    given; anything else is checked against the planner template
    (observations). The rules are the same whatever the file is called:
    exactly those that ``audit``, ``feasibility`` and ``report`` apply to a
    planner's file, so a file that passes here is accepted there. Only a
    table of the data folder itself (``data_dir``, default the bundled one)
    is checked as the bundle loader checks it (full provenance).
    """
    name = Path(path).name
    given = kind
    kind = kind or guess_kind(name)
    root = Path(data_dir or bundled_data_dir()).resolve()
    in_bundle = Path(path).resolve().parent == root and FILES.get(kind) == name
    if given is None and kind == "targets" and not in_bundle:
        kind = "case_targets"  # a case's targets.csv (planner template), not the library's table of plans' targets
    raw = read_table(path, sheet=sheet, header_names=header_words(kind), lang=lang)
    if kind in ("geographies", "indicators"):
        df = validate_table(raw, kind, lang=lang)
    else:
        ref = load_reference(data_dir, province=province)
        df = validate_table(raw, kind, ref, strict=in_bundle, lang=lang)
    df.attrs["kind"] = kind
    return df


def geography_names(bundle: Bundle) -> dict[str, str]:
    """Map geo_id -> Vietnamese name."""
    return dict(zip(bundle.geographies["geo_id"], bundle.geographies["name_vi"]))


def population_weights(bundle: Bundle, parent: str) -> pd.Series:
    """2019-census population of each child unit of ``parent`` (persons), indexed by geo_id.

    Only units with a census figure in ``context.csv`` are included.
    """
    ctx = bundle.context
    kids = set(bundle.children(parent))
    sel = ctx[(ctx["item"] == "population_2019_census") & ctx["geography"].isin(kids)]
    return sel.set_index("geography")["value"].astype(float).rename("population_2019")


def problems_as_text(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems)
