"""Command line: ``python -m simlib {validate,init-case,audit,feasibility,report,backtest}``.

Every error simlib raises on purpose (bad input, a bad option, a bad data
file: :class:`simlib.errors.SimlibError`) becomes a plain message and exit
status 1, never a traceback. Anything else is a bug: the command prints
"internal error, please report" with the path of a file holding the
traceback, and exits with status 2. ``--help`` on any command lists its
options.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
import traceback
from pathlib import Path

import simlib
from simlib.errors import SimlibError
from simlib.inputs.textio import ValidationError

__all__ = ["main", "build_parser"]


def _langs(text: str) -> list[str]:
    out = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in out if x not in ("vi", "en")]
    if not out or bad:
        raise argparse.ArgumentTypeError(f"use vi, en or vi,en (got {text!r})")
    return list(dict.fromkeys(out))


class _Parser(argparse.ArgumentParser):
    """argparse with a "did you mean" for mistyped commands and options."""

    def error(self, message: str):  # noqa: D401 - argparse API
        hint = ""
        given = getattr(self, "given_args", None)
        words = [a for a in (sys.argv[1:] if given is None else given) if a.startswith("--")]
        opts = []
        for parser in [self] + [p for a in self._actions if isinstance(a, argparse._SubParsersAction)
                                for p in a.choices.values()]:
            opts += [o for a in parser._actions for o in a.option_strings if o.startswith("--") and o not in opts]
        for w in words:
            name = w.split("=", 1)[0]
            if name not in opts:
                close = difflib.get_close_matches(name, opts, n=1, cutoff=0.6)
                if close:
                    hint = f"\ndid you mean {close[0]}?"
                    break
        if "invalid choice" in message:
            sub = next((a for a in self._actions if isinstance(a, argparse._SubParsersAction)), None)
            if sub is not None:
                given = message.split("'")[1] if "'" in message else ""
                close = difflib.get_close_matches(given, list(sub.choices), n=1, cutoff=0.5)
                if close:
                    hint = f"\ndid you mean '{close[0]}'?"
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}{hint}\n")


def _stage_printer():
    """A callable printing "[elapsed] stage" lines on stderr in a terminal; None otherwise (quiet in CI, pipes)."""
    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return None
    import time

    t0 = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - t0:5.1f} s] {message}", file=sys.stderr, flush=True)

    return say


def _validate_yaml(path: Path, args: argparse.Namespace) -> int:
    """``validate`` of a YAML file: a case (``case.yaml``: the whole case, its scenarios included), a lever file,
    or a scenario (checked against its case's lever file, else the bundled one)."""
    from simlib.inputs.case import CASE_FILE, load_case, load_case_inputs
    from simlib.inputs.levers import list_scenario_files, lever_file
    from simlib.inputs.yamlio import read_yaml
    from simlib.scenarios.levers import load_levers, load_scenario

    vi = (args.lang or "vi") == "vi"
    if path.name == CASE_FILE:
        inputs = load_case_inputs(load_case(path.parent, data_dir=args.data), data_dir=args.data)
        levers = load_levers(inputs.levers_path)
        names = list_scenario_files(inputs.scenarios_dir)
        for n in names:
            load_scenario(n, levers, directory=inputs.scenarios_dir).check(levers)
        print(f"OK: {path} ({'hồ sơ' if vi else 'case'} {inputs.case.id}; {len(inputs.units)} "
              f"{'địa bàn' if vi else 'units'}, {len(names)} {'kịch bản' if vi else 'scenarios'})")
        return 0
    doc = read_yaml(path)
    if isinstance(doc, dict) and "levers" in doc and any(isinstance(v, dict) and "mechanism" in v
                                                         for v in (doc.get("levers") or {}).values()):
        levers = load_levers(path)
        print(f"OK: {path} ({'tệp giải pháp' if vi else 'lever file'}; {len(levers.levers)} "
              f"{'giải pháp' if vi else 'levers'})")
        return 0
    case_dir = path.parent.parent if path.parent.name == "scenarios" else None
    own = case_dir / "levers.yaml" if case_dir is not None else None
    levers_path = own if own is not None and own.exists() else lever_file(args.data)
    levers = load_levers(levers_path)
    load_scenario(path, levers).check(levers)
    print(f"OK: {path} ({'kịch bản, đối chiếu với' if vi else 'scenario, checked against'} {levers_path})")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from simlib.inputs.bundle import validate_file
    from simlib.inputs.validation import guess_kind

    if Path(args.path).suffix.lower() in (".yaml", ".yml"):
        return _validate_yaml(Path(args.path), args)

    df = validate_file(args.path, kind=args.kind, sheet=args.sheet, data_dir=args.data, lang=args.lang,
                       province=args.province)
    kind = df.attrs.get("kind") or args.kind or guess_kind(Path(args.path).name)
    notes = df.attrs.get("notes", ())
    vi = (args.lang or df.attrs.get("lang")) == "vi"
    sheet = df.attrs.get("sheet")
    where = f"{args.path}" + (f", {'trang tính' if vi else 'sheet'} '{sheet}'" if sheet else "")
    print(f"OK: {len(df)} {'dòng' if vi else 'rows'} ({kind}) {'trong' if vi else 'in'} {where}")
    for n in notes:
        print(f"  {'ghi chú' if vi else 'note'}: {n}")
    return 0


def _case_inputs(args: argparse.Namespace):
    from simlib.inputs.case import default_case, load_case, load_case_inputs

    case = load_case(args.case, data_dir=args.data) if args.case else default_case(args.data)
    return load_case_inputs(case, data_dir=args.data, planner_file=args.planner)


def _cmd_audit(args: argparse.Namespace) -> int:
    from simlib.evidence.audit import audit

    if args.plan:
        from simlib.inputs.bundle import load_bundle, load_planner_file

        bundle = load_bundle(args.data)
        planner = load_planner_file(args.planner, ref=bundle.reference) if args.planner else None
        plans = args.plan
        lang = "en"
    else:
        inputs = _case_inputs(args)
        bundle, planner = inputs.bundle, None
        plans = [p for p in inputs.plans if p not in inputs.case.benchmarks]
        lang = inputs.case.language  # the case's language (Vietnamese unless its case.yaml says en)
    result = audit(bundle, plans=plans, planner_data=planner)
    if args.csv:  # written before anything is printed, so a closed pipe cannot lose it
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        result.to_frame().to_csv(args.csv, index=False, lineterminator="\n", float_format="%.4f")
    print(result.to_text(bundle, lang))
    if args.csv:
        print(f"\nwritten: {args.csv}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from simlib.apps.report import run_report
    from simlib.inputs.case import default_case, load_case

    case = load_case(args.case, data_dir=args.data) if args.case else default_case(args.data)
    files = run_report(args.out, case=case, langs=args.lang, data_dir=args.data, planner_file=args.planner,
                       n_draws=args.draws, seed=args.seed, progress=_stage_printer())
    print(f"{case.id}: {len(files)} files written to {args.out}/" + (" (one folder per language)"
                                                                     if len(args.lang) > 1 else ""))
    for f in files:
        print(f"  {f}")
    return 0


def _cmd_feasibility(args: argparse.Namespace) -> int:
    import pandas as pd

    from simlib.assess.assessment import Assessment, feasibility
    from simlib.assess.verdicts import NOT_ASSESSED
    from simlib.scenarios.engine import RunConfig

    if args.plan:
        from simlib.inputs.bundle import load_bundle, load_planner_file

        bundle = load_bundle(args.data)
        if args.planner:
            bundle = bundle.with_planner_data(load_planner_file(args.planner, ref=bundle.reference))
        config = RunConfig(n_draws=args.draws, seed=args.seed, readings=args.readings, progress=None)
        rep = feasibility(bundle, plans=args.plan, scenarios=args.scenario or None, config=config,
                          as_of=args.as_of)
    else:
        inputs = _case_inputs(args)
        case = inputs.case
        as_of = args.as_of if args.as_of is not None else case.as_of
        config = RunConfig(years=case.years, n_draws=args.draws, seed=args.seed, readings=args.readings,
                           progress=None, as_of=as_of)
        rep = Assessment.from_case(inputs, config=config, scenarios=args.scenario or None, as_of=as_of,
                                   chunk_units=None).run()
    table = rep.verdicts
    if args.csv:  # written before anything is printed, so a closed pipe cannot lose it
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.csv, index=False, lineterminator="\n", float_format="%.4f")
    shown = table if args.all_rows else table[table["used"] & (table["verdict"] != NOT_ASSESSED)]
    cols = ["plan_id", "geography_name", "indicator", "year", "as_written", "timing", "scenario", "p_met", "verdict",
            "median_pct", "q0.1_pct", "q0.9_pct", "required_pace_pts", "anticipated_pace_pts", "feasible_progress"]
    with pd.option_context("display.width", 220, "display.max_rows", 5000, "display.max_columns", 30,
                           "display.max_colwidth", 40):
        print(shown[cols].to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    skipped = table[table["verdict"] == NOT_ASSESSED].drop_duplicates("target_id")
    print(f"\n{len(shown)} verdict rows ({args.draws:,} draws, seed {args.seed}, readings {args.readings}); "
          f"{len(skipped)} target(s) not assessed (see the CSV's note column).")
    if args.csv:
        print(f"written: {args.csv}")
    return 0


def _cmd_national(args: argparse.Namespace) -> int:
    import time

    from simlib.apps.national import NATIONAL_PLANS, connect, national_bundle, national_run
    from simlib.scenarios.engine import RunConfig, chunk_size
    from simlib.scenarios.levers import list_scenarios, load_levers, load_scenario

    bundle, units = national_bundle(n_units=args.units)
    levers = load_levers(bundle.data_dir / "levers.yaml")
    sdir = bundle.data_dir / "scenarios"
    scs = [load_scenario(n, levers, directory=sdir) for n in (args.scenario or list_scenarios(sdir))]
    years = tuple(range(args.as_of, args.horizon + 1))
    size = args.chunk or chunk_size(args.draws, len(years), n_scenarios=len(scs) + 1, budget_bytes=args.budget_gb * 1e9)
    config = RunConfig(years=years, n_draws=args.draws, seed=args.seed, progress=None)
    client = connect(args.scheduler) if args.scheduler else None
    t0 = time.perf_counter()
    try:
        rep = national_run(bundle, units, scenarios=scs, plans=args.plan or NATIONAL_PLANS, config=config,
                           levers=levers, as_of=args.as_of, chunk_units=size, client=client)
    finally:
        if client is not None:
            cluster = client.cluster  # a LocalCluster started by --scheduler local (None for a remote scheduler)
            client.close()
            if cluster is not None:
                cluster.close()
    wall = time.perf_counter() - t0
    if args.csv:
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        rep.table.to_csv(args.csv, index=False, lineterminator="\n", float_format="%.4f")
        rep.fans.to_csv(Path(args.csv).with_suffix(".fans.csv"), index=False, lineterminator="\n",
                        float_format="%.6f")
    print(f"national run: {len(units) + 1:,} units x {args.draws:,} draws x {len(years)} years x "
          f"{len(rep.runs['national'].scenarios)} scenarios in chunks of {size} units, "
          f"{'on ' + args.scheduler if args.scheduler else 'in this process'}: {wall:.1f} s")
    print(f"{len(rep.table):,} verdict rows, {len(rep.fans):,} fan rows, {len(rep.reach):,} reach rows")
    if args.csv:
        print(f"written: {args.csv}, {Path(args.csv).with_suffix('.fans.csv')}")
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    from simlib.assess.backtest import COLUMNS, backtest_file
    from simlib.models.trends import DEFAULT_METHOD

    method = args.method or DEFAULT_METHOD
    by = [b for part in (args.by or []) for b in part.split(",") if b]
    table = backtest_file(args.path, sheet=args.sheet, method=method, leads=args.leads, level=args.level,
                          min_train=args.min_train, by=by)
    if args.csv:  # written before printing, so a broken terminal cannot lose it
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        table[list(COLUMNS)].to_csv(args.csv, index=False, lineterminator="\n", float_format="%.4f")
    print(f"Rolling-origin backtest of '{method}' on {args.path}: {table.attrs['rows_read']} rows read, "
          f"{table.attrs['n_series']} series; labels {table.attrs['labels']}.")
    print(f"Central {100 * args.level:g} % intervals (coverage should be near {args.level:g}); "
          "MAE in percentage points, naive = last figure.")
    fmt = {"coverage": "{:.3f}".format, "mae": "{:.3f}".format, "mae_naive": "{:.3f}".format}
    for (kind, group), g in table.groupby(["by", "group"], sort=False):
        if kind != "all":
            print(f"\n{'last known figure' if kind == 'level' else 'figures known at the origin'}: {group}")
        empty = g[g["n"] == 0]
        full = g[g["n"] > 0]
        if not full.empty:
            print(full[["lead", "coverage", "n", "mae", "mae_naive"]].to_string(index=False, formatters=fmt))
        for note in empty["note"]:
            print(f"  {note}")
    if args.csv:
        print(f"written: {args.csv}")
    return 0


def _cmd_init_case(args: argparse.Namespace) -> int:
    from simlib.apps.init_case import init_case

    from simlib.inputs.places import province, units

    files = init_case(args.province, args.folder, as_of=args.as_of, horizon=args.horizon)
    name = province(args.province).name_vi
    n = len(units(name))  # the communes and wards init-case listed in units.csv (not read back)
    print(f"{args.folder}: {len(files)} files for {name} ({n} xã, phường / communes and wards)")
    for f in files:
        print(f"  {f}")
    print("Đọc README.md trong thư mục để biết cần điền gì. / Read README.md in the folder for what to fill.")
    return 0


def _draws_seed(x) -> None:
    """--draws and --seed with the engine's defaults."""
    from simlib.scenarios.run_defaults import DEFAULT_DRAWS, DEFAULT_SEED

    x.add_argument("--draws", type=int, default=DEFAULT_DRAWS, help=f"Monte Carlo draws (default {DEFAULT_DRAWS})")
    x.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")


def _case_options(x) -> None:
    """--case, --planner, --data: the options of the commands that run a case."""
    x.add_argument("--case", help="a planning case: a bundled case id (see data/cases/) or a case folder "
                                  "(default: the bundled default case)")
    x.add_argument("--planner", help="a planner's own data file (template) adding evidence and weights")
    x.add_argument("--data", help="library data folder (default: the bundled data/)")


def _add_validate(sub) -> None:
    """``simlib validate``."""
    v = sub.add_parser("validate", help="check a CSV, Excel or OpenDocument file, or a case's YAML (case.yaml, a "
                                        "scenario, a lever file); prints OK or every problem found")
    v.add_argument("path", help="file to check (.csv, .xlsx, .xls, .ods; or .yaml: case.yaml checks the whole case)")
    v.add_argument("--kind", choices=["observations", "targets", "case_targets", "geographies", "indicators",
                                      "plans", "context"],
                   help="table kind (default: from the file name; other names use the planner template)")
    v.add_argument("--sheet", help="worksheet name, or its position counting from 1 (default: the active, visible "
                                   "sheet; a hidden sheet is read only when named)")
    v.add_argument("--lang", choices=["vi", "en"], help="language of the messages (default: Vietnamese when the "
                                                        "file's header is)")
    v.add_argument("--province", help="the file's province (e.g. 'Tây Ninh'): unit names found in several provinces "
                                      "are looked up there, and its communes and wards are known")
    v.add_argument("--data", help="folder with geographies/indicators/plans to check against (default: bundled data/)")
    v.set_defaults(func=_cmd_validate)


def _add_audit(sub) -> None:
    """``simlib audit``."""
    a = sub.add_parser("audit", help="audit a case's targets against themselves and the evidence")
    _case_options(a)
    a.add_argument("--plan", action="append", help="audit these library plans instead of a case (repeatable)")
    a.add_argument("--csv", help="also write the audit tables to this CSV file")
    a.set_defaults(func=_cmd_audit)


def _add_feasibility(sub) -> None:
    """``simlib feasibility``."""
    f = sub.add_parser("feasibility", help="P(target met), pace and feasible-progress verdicts for a case's targets")
    _case_options(f)
    f.add_argument("--plan", action="append", help="assess these library plans (each on its own run) instead of a "
                                                    "case (repeatable)")
    f.add_argument("--scenario", action="append",
                   help="scenario name or path to a scenario YAML (repeatable; default: all of the case's)")
    _draws_seed(f)
    f.add_argument("--readings", choices=["primary", "alternative"], default="primary",
                   help="reading of ambiguous figures (primary: as published)")
    f.add_argument("--as-of", type=int, dest="as_of", help="'today': targets up to this year are judged as past "
                                                            "(default: the case's as_of)")
    f.add_argument("--csv", help="write every verdict row (all targets, all columns) to this CSV file")
    f.add_argument("--all-rows", action="store_true", help="print every row, including targets not assessed")
    f.set_defaults(func=_cmd_feasibility)


def _add_init_case(sub) -> None:
    """``simlib init-case``."""
    i = sub.add_parser("init-case", help="create a planning case folder for a province (its communes and wards, "
                                         "templates, scenarios)")
    i.add_argument("--province", required=True, help="one of the 34 provinces, e.g. \"Tây Ninh\"")
    i.add_argument("folder", help="the folder to create (must not exist or be empty)")
    i.add_argument("--as-of", type=int, dest="as_of", default=2026,
                   help="'today': the latest year whose graduates have streamed (default 2026)")
    i.add_argument("--horizon", type=int, default=2030, help="last year simulated (default 2030)")
    i.set_defaults(func=_cmd_init_case)


def _add_report(sub) -> None:
    """``simlib report``."""
    r = sub.add_parser("report", help="regenerate every table, chart, the Excel workbook and the HTML summary")
    _case_options(r)
    r.add_argument("--out", default="reports", help="output folder (default: reports)")
    r.add_argument("--lang", type=_langs, default=["vi"], help="vi, en or vi,en (one folder per language); "
                                                               "default vi")
    _draws_seed(r)
    r.set_defaults(func=_cmd_report)


def _add_backtest(sub) -> None:
    """``simlib backtest``."""
    b = sub.add_parser("backtest", help="how well would a trend method have forecast this history? "
                       "interval coverage and error by lead (rolling origin)")
    b.add_argument("path", help="observations in the planner template (.csv or .xlsx): geography, indicator, "
                   "year, value or low/high, unit, source; geographies and indicators are free labels")
    b.add_argument("--method", help="trend method: rw_drift (the default), naive, logit_linear, "
                   "local_linear_trend, pooled or rw_drift_bayes")
    b.add_argument("--leads", default="1-5", help="years ahead to score, e.g. 1-5 or 1,3,5 (default 1-5)")
    b.add_argument("--level", type=float, default=0.8, help="central interval scored, as a fraction (default 0.8)")
    b.add_argument("--min-train", type=int, default=1,
                   help="figures a series needs up to the forecast year to be forecast (default 1)")
    b.add_argument("--sheet", help="worksheet name, or its position counting from 1 (default: the active, visible sheet)")
    b.add_argument("--by", action="append", choices=["level", "history"],
                   help="also break the scores down by band of the last known figure (level) or by the number "
                        "of figures known at the forecast year (history); repeatable")
    b.add_argument("--csv", help="also write the table (by, group, lead, coverage, n, mae, mae_naive, note) to this "
                                 "CSV file")
    b.set_defaults(func=_cmd_backtest)


def _add_national(sub) -> None:
    """``simlib national`` (country-wide, on Dask if asked)."""
    n = sub.add_parser("national", help="the national plans for the country and every commune and ward "
                       "(3,321 units), chunk by chunk, here or on a Dask cluster (--scheduler)")
    n.add_argument("--scheduler", help="run the chunks on a Dask cluster: the scheduler's address "
                   "(tcp://host:8786), or 'local' / 'local:N' for N worker processes on this machine; "
                   "default: in this process. The numbers are the same either way")
    n.add_argument("--units", type=int, help="only the first N communes and wards (default all)")
    n.add_argument("--plan", action="append", help="plan ids to assess (default qd1705 and qd2239; repeatable)")
    n.add_argument("--scenario", action="append", help="scenario names (default every bundled scenario; repeatable)")
    _draws_seed(n)
    n.add_argument("--as-of", type=int, dest="as_of", default=2026, help="'today' and the first simulated year "
                   "(default 2026)")
    n.add_argument("--horizon", type=int, default=2030, help="last year simulated (default 2030)")
    n.add_argument("--chunk", type=int, help="units per chunk (one task); default from --budget-gb")
    n.add_argument("--budget-gb", type=float, default=2.0, dest="budget_gb",
                   help="memory of one chunk, GB (default 2)")
    n.add_argument("--csv", help="write the verdict rows to this CSV file (and the fans next to it, .fans.csv)")
    n.set_defaults(func=_cmd_national)


def build_parser() -> argparse.ArgumentParser:
    """The command line: one sub-command per job (validate, audit, feasibility, init-case, report, backtest,
    national)."""
    p = _Parser(prog="python -m simlib", description="simlib: streaming targets, evidence and audits")
    p.add_argument("--version", action="version", version=f"simlib {simlib.__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in (_add_validate, _add_audit, _add_feasibility, _add_init_case, _add_report, _add_backtest,
                _add_national):
        add(sub)
    return p


def _internal_error(exc: BaseException) -> int:
    """Write the traceback to a file and tell the user where it is (exit status 2)."""
    fd, name = tempfile.mkstemp(prefix="simlib-error-", suffix=".txt")
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write(f"simlib {simlib.__version__}, Python {sys.version.split()[0]}\n")
        fh.write("command: " + " ".join(sys.argv) + "\n\n")
        traceback.print_exception(exc, file=fh)
    print(f"internal error in simlib ({type(exc).__name__}: {exc}). This is a bug, not a problem with your files: "
          f"please report it with the file {name}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 bad input, 2 internal error).

    A closed output pipe (``... | head``) ends quietly.
    """
    parser = build_parser()
    given = list(sys.argv[1:] if argv is None else argv)
    for p in [parser] + [p for a in parser._actions if isinstance(a, argparse._SubParsersAction)
                         for p in a.choices.values()]:
        p.given_args = given  # "did you mean" looks at what was typed, also when main() is called from Python
    args = parser.parse_args(given)
    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _quiet_pipe()
    except ValidationError as exc:
        return _print_error(str(exc))
    except SimlibError as exc:
        lang = getattr(exc, "lang", None) or _planner_lang(args)
        text = exc.text(lang)
        word = "lỗi" if lang == "vi" and (getattr(exc, "lang", None) == "vi" or exc.vi) else "error"
        return _print_error(text if text.startswith(("error", "lỗi")) or "\n" in text else f"{word}: {text}")
    except KeyboardInterrupt:
        return _print_error("interrupted") and 130
    except Exception as exc:  # noqa: BLE001 - anything else is a bug: report it, with the traceback in a file
        return _internal_error(exc)


def _planner_lang(args: argparse.Namespace) -> str:
    """The language of a refusal that has both (a scenario file's): the command's ``--lang`` (the first of a
    report's), else Vietnamese, the planners' language."""
    lang = getattr(args, "lang", None)
    if isinstance(lang, (list, tuple)):
        lang = lang[0] if lang else None
    return lang if lang in ("vi", "en") else "vi"


def _print_error(text: str) -> int:
    try:
        print(text, file=sys.stderr)
    except BrokenPipeError:  # pragma: no cover - stderr closed too
        pass
    return 1


def _quiet_pipe() -> int:
    """The reader of our output went away (``| head``): stop quietly, as command-line tools do."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout is not a real file
        pass
    return 0
