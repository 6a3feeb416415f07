"""The main job: compute a case once, then write its tables, charts, workbook and HTML page in each language.

``python -m simlib report [--case ID|DIR] [--lang vi|en|vi,en] [--out DIR] [--data DIR] [--planner FILE]
[--draws N] [--seed S]`` writes, for each language (into ``--out`` for one
language, ``--out/<lang>/`` for several):

Tables (CSV, column keys as headers, decimal point; for scripts; the same in every language):

* ``audit.csv``, ``audit_{gaps,aggregates,contradictions,outliers}.csv``, ``audit.txt``: the target audit;
* ``feasibility.csv``: every target of the case x scenario: timing (past or
  future), P(met), verdict, observed value of a past year, median and 80 %
  interval, pace, feasible progress, notes;
* ``targets_reachable.csv``: values reachable with probability 0.5 and 0.8 in
  the case's last year, per unit and scenario;
* ``contributions.csv``, ``sensitivity.csv``, ``costs.csv``, ``capacity.csv``,
  ``seats.csv``, ``priors.csv``.

Charts (PNG for documents, SVG for print; labels in the report's language):
``targets_vs_evidence``; ``fan_<indicator>`` for each headline indicator;
``units_<indicator>`` (small multiples of the sub-units); ``p_met``;
``waterfall_<indicator>`` and ``tornado_<indicator>`` for the first headline
indicator that levers act on.

``simlib_report.xlsx`` (one sheet per table, headers in the report's
language, a README sheet), ``summary.html`` (self-contained), ``run.json``
(parameters, seed, simlib version, SHA-256 of every input file).

Inputs are validated first and files are written to a temporary folder and
moved into place only when everything succeeded: a failed run leaves nothing
partial. Identical inputs give byte-identical files.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import simlib
from simlib.errors import InputError
from simlib.apps.render import history_frame, render_language, sensitivity_label
from simlib.assess import feasibility as F
from simlib.assess.assessment import Assessment, AssessmentResult
from simlib.assess.monitoring import monitoring_table
from simlib.assess.planning import quota_options
from simlib.evidence.audit import AuditResult, audit
from simlib.evidence.targets import used_targets
from simlib.inputs.case import Case, CaseInputs, load_case, load_case_inputs
from simlib.present import i18n
from simlib.present.export import write_csv
from simlib.scenarios.engine import DEFAULT_DRAWS, DEFAULT_SEED, RunConfig, ScenarioRun
from simlib.scenarios.levers import LeverSet, Scenario

__all__ = ["ReportData", "OutputFolderError", "check_out", "compute", "render", "run_report", "history_frame", "sensitivity_label"]

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------
# compute (once per run, whatever the languages)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportData:
    """Everything a report shows, computed once.

    Attributes
    ----------
    inputs : CaseInputs
    config : RunConfig
    levers : LeverSet
    scenarios : list of Scenario
    audit : AuditResult
    report : AssessmentResult
        The assessment (:class:`simlib.assess.assessment.Assessment`): verdicts, fans, reach, evidence.
    run : ScenarioRun
        The case's run (its geography and units).
    tables : dict name -> DataFrame
        The CSV tables (machine-readable keys, fractions as percent columns named ``*_pct``).
    lever_scenario : Scenario or None
        The scenario whose lever contributions and sensitivities are shown.
    lever_indicator : str or None
        The headline indicator levers act on (waterfall, tornado).
    """

    inputs: CaseInputs
    config: RunConfig
    levers: LeverSet
    scenarios: list
    audit: AuditResult
    report: AssessmentResult
    run: ScenarioRun
    tables: dict
    lever_scenario: Scenario | None
    lever_indicator: str | None

    @property
    def case(self) -> Case:
        return self.inputs.case

    @property
    def plan_evidence(self):
        """(unit, indicator) -> Evidence for every unit of the run (not only the first chunk's)."""
        return self.report.evidence

    @functools.cached_property
    def used(self) -> pd.DataFrame:
        """The case's targets simlib uses (appendix over body), within the run's units (worked out once)."""
        b = self.inputs.bundle
        t = used_targets(b.targets[b.targets["plan_id"].isin(self.inputs.plans)])
        return t[t["geography"].isin(self.run.baseline.units)]

    def headline(self) -> list[str]:
        """Headline indicators: the case's, else the registry's, that this run simulates."""
        reg = self.run.baseline.registry
        wanted = list(self.case.headline) or [i.id for i in reg.headline()]
        return [i for i in wanted if i in self.run.simulated()]


def _lever_choice(run: ScenarioRun, scenarios: Sequence[Scenario], headline: Sequence[str]):
    """The scenario with the most active levers, and the first headline indicator they act on."""
    active = [s for s in scenarios if s.active_levers()]
    if not active:
        return None, None
    sc = max(active, key=lambda s: (len(s.active_levers()), -scenarios.index(s)))
    lv = run.baseline.levers
    acted = {lv.levers[k].indicator for k in sc.active_levers()}
    ind = next((i for i in headline if i in acted and i in run.baseline.shares), None)
    return sc, ind


def _tables(rep: AssessmentResult, run: ScenarioRun, levers: LeverSet, lever_sc, lever_ind) -> dict:
    b = run.baseline
    geo, last = b.geography, b.years[-1]
    tables = {"feasibility": rep.verdicts.copy(), "targets_reachable": rep.reach}
    rows = []
    for ind in b.shares:
        for sc in run.scenarios:
            for part, v in run.contributions(ind, sc, geo, last).items():
                rows.append({"indicator": ind, "scenario": sc, "unit": geo, "year": last, "part": part,
                             "contribution_pp": 100.0 * v})
    tables["contributions"] = pd.DataFrame(rows)
    if lever_sc is not None and lever_ind is not None:
        sens = F.sensitivity(b, lever_sc, indicator=lever_ind, unit=geo, year=last)
        tables["sensitivity"] = sens.assign(indicator=lever_ind, scenario=lever_sc.name, year=last,
                                            output="median share (%)")
    tables["costs"] = run.cost_table()
    tables["capacity"] = F.capacity_check(run, last)
    tables["seats"] = run.seats_table(units=[geo], probs=(0.1, 0.5, 0.9))  # the 80 % interval, as everywhere
    tables["priors"] = levers.priors_frame()
    return tables


#: Public grade-10 quotas the report sweeps (shares of THCS graduates; provinces use about 55-85 %, Hà Nội 2023 55.7 %).
QUOTA_GRID = (0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80)


def _planning_tables(inputs: CaseInputs, rep: AssessmentResult, run: ScenarioRun, levers: LeverSet) -> dict:
    """The quota table (what each public grade-10 quota gives) and the Circular 16 monitoring table."""
    b, case = run.baseline, inputs.case
    geo, last = b.geography, b.years[-1]
    out = {}
    setting = levers.quota.get("grade10_public_share")
    if setting is not None and case.as_of + 1 <= last:
        grid = [q for q in QUOTA_GRID if setting.min <= q <= setting.max]
        t = inputs.bundle.targets
        mine = t[t["plan_id"].isin(inputs.plans) & (t["geography"] == geo) & (t["year"] == last)]
        out["quota"] = quota_options(b.subset([geo]), grid, year=last, from_year=case.as_of + 1, targets=mine)
    own = [p for p in inputs.plans if p not in case.benchmarks]
    tg = inputs.bundle.targets[inputs.bundle.targets["plan_id"].isin(own)]
    frames = []
    for ind in sorted(set(tg["indicator"]) & set(run.simulated())):
        years = tg.loc[tg["indicator"] == ind, "year"]
        start = min(case.as_of, int(years.min())) - 1
        frames.append(monitoring_table(inputs.bundle.observations, tg, geography=geo, units=inputs.units,
                                       indicator=ind, start_year=start, as_of=case.as_of,
                                       names={u: inputs.bundle.geo_name(u) for u in inputs.units}))
    frames = [f for f in frames if len(f)]
    if frames:
        out["monitoring"] = pd.concat(frames, ignore_index=True)
    return out


def _say(progress, message: str) -> None:
    if callable(progress):
        progress(message)


def compute(case: Case | str | Path, *, data_dir: str | Path | None = None, planner_file: str | Path | None = None,
            n_draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED, progress=None) -> ReportData:
    """Validate a case's inputs, run the audit, the scenarios and the verdicts.

    Parameters
    ----------
    case : Case, bundled case id or folder
    data_dir : path, optional
        The library folder (default: the bundled ``data/``).
    planner_file : path, optional
        A planner's observations: adds evidence (a unit's own rates) and graduate counts.
    n_draws, seed : int
        Monte Carlo size and seed (recorded in ``run.json``).
    progress : callable, bool or None
        A callable gets one line per stage (the command line prints them in a
        terminal); True/None/False set the Monte Carlo progress bar (None: only in a terminal).
    """
    case = case if isinstance(case, Case) else load_case(case, data_dir=data_dir)
    lang = case.language if case.language in i18n.LANGS else "vi"
    _say(progress, i18n.t("report.progress_read", lang, case=case.id))
    inputs = load_case_inputs(case, data_dir=data_dir, planner_file=planner_file)
    bundle = inputs.bundle
    config = RunConfig(years=case.years, n_draws=int(n_draws), seed=int(seed), as_of=case.as_of,
                       progress=None if callable(progress) else progress)
    chain = Assessment.from_case(inputs, config=config)
    levers, scenarios = chain.levers, list(chain.scenarios)
    own = [p for p in inputs.plans if p not in case.benchmarks]
    planner_rows = bundle.observations[bundle.observations["flags"].fillna("").str.contains("planner_data")]
    aud = audit(bundle, plans=own, planner_data=planner_rows if len(planner_rows) else None)
    _say(progress, i18n.t("report.progress_simulate", lang, units=i18n.fmt_int(len(inputs.units), lang),
                          scenarios=str(len(scenarios)), draws=i18n.fmt_int(int(n_draws), lang)))
    rep = chain.run()
    run = rep.runs[case.id]
    reg = run.baseline.registry
    headline = [i for i in (list(case.headline) or [x.id for x in reg.headline()]) if i in run.simulated()]
    lever_sc, lever_ind = _lever_choice(run, scenarios, headline)
    _say(progress, i18n.t("report.progress_tables", lang))
    tables = _tables(rep, run, levers, lever_sc, lever_ind)
    _say(progress, i18n.t("report.progress_planning", lang))
    tables.update(_planning_tables(inputs, rep, run, levers))
    return ReportData(inputs, config, levers, scenarios, aud, rep, run, tables, lever_sc, lever_ind)


# --------------------------------------------------------------------------
# render (per language)
# --------------------------------------------------------------------------
def _csv(df: pd.DataFrame, path: Path) -> None:
    write_csv(df, path)


def _labelled(name: str, df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The quota table with an explicit row label first ("không đặt chỉ tiêu" / "no quota" for the empty quota)."""
    if name != "quota" or "quota_pct" not in df.columns:
        return df
    lab = [i18n.t("report.no_quota", lang) if pd.isna(q) else i18n.fmt_percent(q, lang, 0) for q in df["quota_pct"]]
    return df.assign(quota_label=lab)[["quota_label"] + list(df.columns)]


def _write_tables(data: ReportData, t: Path, lang: str = "en") -> None:
    aud = data.audit
    _csv(aud.to_frame(), t / "audit.csv")
    for name in ("gaps", "aggregates", "contradictions", "outliers"):
        _csv(getattr(aud, name), t / f"audit_{name}.csv")
    (t / "audit.txt").write_text(aud.to_text(data.inputs.bundle, lang) + "\n", encoding="utf-8")
    for name, df in data.tables.items():
        _csv(_labelled(name, df, lang), t / f"{name}.csv")


def _run_record(data: ReportData, langs: Sequence[str], outputs: list[str]) -> dict:
    inputs = dict(data.inputs.files)
    lib = Path(data.inputs.bundle.data_dir)
    for name in ("geographies.csv", "indicators.csv", "plans.csv", "targets.csv", "observations.csv", "context.csv"):
        inputs.setdefault(f"data/{name}", lib / name)
    inputs["levers"] = data.inputs.levers_path
    inputs["flow_assumptions"] = data.inputs.flow_assumptions_path
    for s in data.scenarios:
        if s.path is not None:
            inputs[f"scenarios/{s.path.name}"] = s.path
    return {
        "simlib_version": simlib.__version__,
        "command": "report",
        "case": data.case.id,
        "parameters": {"langs": list(langs), "n_draws": data.config.n_draws, "method": data.config.method,
                       "readings": data.config.readings, "years": [data.run.baseline.years[0],
                                                                   data.run.baseline.years[-1]],
                       "as_of": data.case.as_of, "plans": list(data.inputs.plans),
                       "scenarios": [s.name for s in data.scenarios],
                       "planner_files": [p.name for p in data.inputs.planner_files]},
        "seed": data.config.seed,
        "inputs_sha256": {k: _sha256(Path(v)) for k, v in sorted(inputs.items())},
        "outputs": sorted(outputs + ["run.json"]),
    }


def render(data: ReportData, lang: str, folder: str | Path) -> list[Path]:
    """Write every file of the report in one language into ``folder`` (created). Returns the files, by name."""
    i18n.check_lang(lang)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write_tables(data, folder, lang)
    render_language(data, lang, folder)
    return sorted(folder.iterdir())


class OutputFolderError(InputError):
    """``--out`` cannot take the report: a file, a symlink, an unwritable folder or one holding other files."""


def _previous_report(folder: Path) -> list[str] | None:
    """The files of a report simlib wrote in ``folder`` (every regular file listed in its run.json), else None."""
    rec = folder / "run.json"
    if rec.is_symlink() or not rec.is_file():
        return None
    try:
        listed = set(json.loads(rec.read_text(encoding="utf-8")).get("outputs", ()))
    except (OSError, ValueError, AttributeError):
        return None
    names = []
    for p in folder.iterdir():
        if p.is_symlink() or not p.is_file() or p.name not in listed:
            return None
        names.append(p.name)
    return names


def check_out(out: str | Path, langs: Sequence[str]) -> Path:
    """Check before any computation that ``out`` can take the report; returns it as an absolute path.

    ``out`` may be missing, an empty folder, or a folder holding a report
    simlib wrote earlier (every file listed in its ``run.json``; with several
    languages one such folder per language): that report is replaced as a
    whole. Anything else is refused, naming what is in the way: a file, a
    symbolic link (never written through), a folder holding other files (none
    is deleted), a folder one cannot write to.

    Raises
    ------
    OutputFolderError
    """
    out = Path(out)
    hint = "choose a new or empty folder with --out"
    if out.is_symlink():
        raise OutputFolderError(f"--out {out}: is a symbolic link (to {os.readlink(out)}); simlib never writes "
                                f"through a link: {hint}")
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"--out {out}: is a file, not a folder; {hint}")
    if out.is_dir():
        entries = sorted(out.iterdir())
        if entries:
            multi = len(langs) > 1 or any(p.name in ("vi", "en") and p.is_dir() for p in entries)
            ok = _previous_report(out) is not None
            if not ok and multi:
                ok = all(p.name in ("vi", "en") and p.is_dir() and not p.is_symlink()
                         and _previous_report(p) is not None for p in entries)
            if not ok:
                shown = ", ".join(p.name + ("@" if p.is_symlink() else "") for p in entries[:6])
                raise OutputFolderError(
                    f"--out {out}: the folder holds files simlib did not list in a report's run.json ({shown}"
                    f"{', ...' if len(entries) > 6 else ''}); simlib replaces only a report it wrote and deletes "
                    f"nothing else: {hint}")
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        probe = Path(tempfile.mkdtemp(prefix=".simlib-check-", dir=parent))
        probe.rmdir()
    except OSError as exc:
        raise OutputFolderError(f"--out {out}: cannot write in {parent} ({exc.strerror or exc}); {hint}") from None
    return out.absolute()


def _publish(tmp: Path, out: Path) -> None:
    """Move the finished report folder ``tmp`` to ``out`` (same parent: a rename), replacing an earlier report."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        old.rmdir()
        os.replace(out, old)
    try:
        os.replace(tmp, out)
    except OSError:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def run_report(out: str | Path = "reports", *, case: Case | str | Path, langs: Sequence[str] = ("vi",),
               data_dir: str | Path | None = None, planner_file: str | Path | None = None,
               n_draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED, progress=None,
               parallel: bool | None = None) -> list[Path]:
    """Compute a case once and write its report in each language.

    One language writes into ``out``; several write into ``out/<lang>/``.
    ``out`` is checked before anything is computed (:func:`check_out`).
    Everything is written to a temporary folder next to ``out`` and moved
    into place when all succeeded (a rename), so a failed run leaves nothing
    partial, a symbolic link is never written through and no file of an
    earlier run stays behind unlisted: ``run.json`` lists every file of its
    folder.

    ``parallel``: render the languages in parallel worker processes that
    share the computed run (forked: the computation is never repeated nor
    copied); default: when there are several languages, several cores and
    the platform can fork (not on Windows, where they are written one
    after the other). The files are the same either way.

    Returns
    -------
    list of Path
        The files written.
    """
    langs = [i18n.check_lang(x) for x in langs]
    out = check_out(out, langs)
    data = compute(case, data_dir=data_dir, planner_file=planner_file, n_draws=n_draws, seed=seed,
                   progress=progress)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        subs = {lang: tmp if len(langs) == 1 else tmp / lang for lang in langs}
        for lang in langs:
            _say(progress, i18n.t("report.progress_write", lang))
        written = _render_all(data, subs, parallel)
        for lang, sub in subs.items():
            record = _run_record(data, langs if len(langs) == 1 else [lang], [p.name for p in written[lang]])
            (sub / "run.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.chmod(0o777 & ~_umask())
        _publish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(p for p in out.rglob("*") if p.is_file())


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


def _render_child(data: ReportData, lang: str, sub: Path, conn) -> None:  # pragma: no cover - in a worker
    try:
        conn.send(("ok", [p.name for p in render(data, lang, sub)]))
    except BaseException as exc:  # sent to the parent, which raises it
        try:
            conn.send(("error", exc))
        except Exception:
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def _render_all(data: ReportData, subs: dict, parallel: bool | None) -> dict[str, list[Path]]:
    """Render each language into its folder: one after the other, or in forked processes (one per language)."""
    if parallel is None:
        parallel = len(subs) > 1 and _can_fork()
    if not parallel or len(subs) < 2:
        return {lang: render(data, lang, sub) for lang, sub in subs.items()}
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    jobs = {}
    for lang, sub in subs.items():
        here, there = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_render_child, args=(data, lang, sub, there), daemon=True)
        proc.start()
        there.close()
        jobs[lang] = (proc, here)
    out, failure = {}, None
    for lang, (proc, conn) in jobs.items():
        try:
            status, value = conn.recv()
        except EOFError:
            status, value = "error", RuntimeError(f"the {lang} report's worker process ended without a result")
        proc.join()
        if status == "ok":
            out[lang] = [subs[lang] / name for name in sorted(value)]
        elif failure is None:
            failure = value
    if failure is not None:
        raise failure
    return out


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
