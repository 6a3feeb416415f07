"""Command line: ``python -m simlib {validate,audit,feasibility,report}``.

Every command turns bad input into a plain message and exit status 1 (never
a traceback); ``--help`` on any command lists its options.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simlib.errors import SimlibError
from simlib.inputs.textio import ValidationError

__all__ = ["main"]


def _cmd_validate(args: argparse.Namespace) -> int:
    from simlib.inputs.bundle import validate_file
    from simlib.inputs.validation import guess_kind

    df = validate_file(args.path, kind=args.kind, sheet=args.sheet, data_dir=args.data, lang=args.lang,
                       province=args.province)
    kind = args.kind or guess_kind(Path(args.path).name)
    notes = df.attrs.get("notes", ())
    vi = (args.lang or df.attrs.get("lang")) == "vi"
    sheet = df.attrs.get("sheet")
    where = f"{args.path}" + (f", {'trang tính' if vi else 'sheet'} '{sheet}'" if sheet else "")
    print(f"OK: {len(df)} {'dòng' if vi else 'rows'} ({kind}) {'trong' if vi else 'in'} {where}")
    for n in notes:
        print(f"  {'ghi chú' if vi else 'note'}: {n}")
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    from simlib.evidence.audit import audit
    from simlib.inputs.bundle import load_bundle, load_planner_file

    bundle = load_bundle(args.data)
    planner = load_planner_file(args.planner, ref=bundle.reference) if args.planner else None
    result = audit(bundle, plans=args.plan or None, planner_data=planner)
    if args.csv:  # written before anything is printed, so a closed pipe cannot lose it
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        result.to_frame().to_csv(args.csv, index=False, lineterminator="\n", float_format="%.4f")
    print(result.to_text(bundle))
    if args.csv:
        print(f"\nwritten: {args.csv}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from simlib.apps.report import run_report

    files = run_report(args.out, data_dir=args.data, planner_file=args.planner, plans=args.plan or None,
                       lang=args.lang, n_draws=args.draws, seed=args.seed)
    print(f"written to {args.out}/:")
    for f in files:
        print(f"  {f.name}")
    return 0


def _cmd_feasibility(args: argparse.Namespace) -> int:
    import pandas as pd

    from simlib.inputs.bundle import load_bundle, load_planner_file
    from simlib.assess.feasibility import feasibility, with_planner_data
    from simlib.scenarios.engine import RunConfig

    bundle = load_bundle(args.data)
    if args.planner:
        bundle = with_planner_data(bundle, load_planner_file(args.planner, ref=bundle.reference))
    config = RunConfig(n_draws=args.draws, seed=args.seed, readings=args.readings, progress=None)
    rep = feasibility(bundle, plans=args.plan or None, scenarios=args.scenario or None, config=config)
    table = rep.table
    if args.csv:  # written before anything is printed, so a closed pipe cannot lose it
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.csv, index=False, lineterminator="\n", float_format="%.4f")
    shown = table if args.all_rows else table[table["used"] & (table["verdict"] != "not assessed")]
    cols = ["plan_id", "geography_name", "indicator", "year", "as_written", "scenario", "p_met", "verdict",
            "median_pct", "q0.1_pct", "q0.9_pct", "required_pace_pts", "anticipated_pace_pts", "feasible_progress"]
    with pd.option_context("display.width", 200, "display.max_rows", 2000, "display.max_columns", 30,
                           "display.max_colwidth", 40):
        print(shown[cols].to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    skipped = table[table["verdict"] == "not assessed"].drop_duplicates("target_id")
    print(f"\n{len(shown)} verdict rows ({args.draws} draws, seed {args.seed}, readings {args.readings}); "
          f"{len(skipped)} target(s) not assessed (no evidence on their indicator; see the CSV's note column).")
    if args.csv:
        print(f"written: {args.csv}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m simlib", description="simlib: streaming targets, evidence and audits")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check a CSV, Excel or OpenDocument file; prints OK or every problem found")
    v.add_argument("path", help="file to check (.csv, .xlsx, .xls or .ods)")
    v.add_argument("--kind", choices=["observations", "targets", "geographies", "indicators", "plans", "context"],
                   help="table kind (default: from the file name; other names use the planner template)")
    v.add_argument("--sheet", help="worksheet name, or its position counting from 1 (default: the active, visible "
                                   "sheet; a hidden sheet is read only when named)")
    v.add_argument("--lang", choices=["vi", "en"], help="language of the messages (default: Vietnamese when the "
                                                        "file's header is)")
    v.add_argument("--province", help="the file's province (e.g. 'Tây Ninh'): unit names found in several provinces "
                                      "are looked up there, and its communes and wards are known")
    v.add_argument("--data", help="folder with geographies/indicators/plans to check against (default: bundled data/)")
    v.set_defaults(func=_cmd_validate)

    a = sub.add_parser("audit", help="audit every plan's targets against themselves and the evidence")
    a.add_argument("--plan", action="append", help="plan id to audit (repeatable; default: all plans)")
    a.add_argument("--planner", help="a planner's own data file (template) adding weights and evidence")
    a.add_argument("--csv", help="also write the audit tables to this CSV file")
    a.add_argument("--data", help="data folder (default: bundled data/)")
    a.set_defaults(func=_cmd_audit)

    f = sub.add_parser("feasibility", help="P(target met), pace and feasible-progress verdicts for every target")
    f.add_argument("--plan", action="append", help="plan id (repeatable; default: all plans)")
    f.add_argument("--scenario", action="append",
                   help="scenario name in data/scenarios or path to a scenario YAML (repeatable; default: all)")
    f.add_argument("--draws", type=int, default=2000, help="Monte Carlo draws (default 2000)")
    f.add_argument("--seed", type=int, default=20251122, help="random seed (default 20251122)")
    f.add_argument("--readings", choices=["primary", "alternative"], default="primary",
                   help="reading of ambiguous figures (Long An THPT 2021: 14.51 %% primary, 9.35 %% alternative)")
    f.add_argument("--planner", help="a planner's own data file (template) adding evidence")
    f.add_argument("--csv", help="write every verdict row (all targets, all columns) to this CSV file")
    f.add_argument("--all-rows", action="store_true", help="print every row, including targets not assessed")
    f.add_argument("--data", help="data folder (default: bundled data/)")
    f.set_defaults(func=_cmd_feasibility)

    r = sub.add_parser("report", help="regenerate every table, chart, the Excel workbook and the HTML summary")
    r.add_argument("--out", default="reports", help="output folder (default: reports)")
    r.add_argument("--lang", choices=["vi", "en"], default="vi", help="language of charts, workbook and HTML "
                   "(default vi)")
    r.add_argument("--draws", type=int, default=10_000, help="Monte Carlo draws (default 10000)")
    r.add_argument("--seed", type=int, default=20251122, help="random seed (default 20251122)")
    r.add_argument("--data", help="data folder (default: bundled data/)")
    r.add_argument("--planner", help="a planner's own data file (template)")
    r.add_argument("--plan", action="append", help="plan id (repeatable; default: all plans)")
    r.set_defaults(func=_cmd_report)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run a command; bad input prints a plain message and returns 1, a closed output pipe ends quietly."""
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _quiet_pipe()
    except ValidationError as exc:
        return _print_error(str(exc))
    except SimlibError as exc:
        return _print_error(f"error: {exc}")
    except ValueError as exc:  # bad option values, unknown plan ids, bad lever/scenario files
        return _print_error(f"error: {exc}")


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
