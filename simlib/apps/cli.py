"""Command line: ``python -m simlib {validate,audit,feasibility,report,backtest}``.

Every command turns bad input into a plain message and exit status 1 (never
a traceback); ``--help`` on any command lists its options.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simlib.inputs.textio import ValidationError

__all__ = ["main"]


def _cmd_validate(args: argparse.Namespace) -> int:
    from simlib.inputs.bundle import validate_file

    df = validate_file(args.path, kind=args.kind, sheet=args.sheet, data_dir=args.data)
    from simlib.inputs.validation import guess_kind

    kind = args.kind or guess_kind(Path(args.path).name)
    print(f"OK: {len(df)} rows ({kind}) in {args.path}")
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    from simlib.evidence.audit import audit
    from simlib.inputs.bundle import load_bundle, load_planner_file

    bundle = load_bundle(args.data)
    planner = load_planner_file(args.planner, ref=bundle.reference) if args.planner else None
    result = audit(bundle, plans=args.plan or None, planner_data=planner)
    print(result.to_text(bundle))
    if args.csv:
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        result.to_frame().to_csv(args.csv, index=False, lineterminator="\n", float_format="%.4f")
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
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.csv, index=False, lineterminator="\n", float_format="%.4f")
        print(f"written: {args.csv}")
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    from simlib.assess.backtest import COLUMNS, backtest_file
    from simlib.models.trends import DEFAULT_METHOD

    method = args.method or DEFAULT_METHOD
    table = backtest_file(args.path, sheet=args.sheet, method=method, leads=args.leads, level=args.level,
                          min_train=args.min_train)
    if args.csv:  # written before printing, so a broken terminal cannot lose it
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        table[list(COLUMNS)].to_csv(args.csv, index=False, lineterminator="\n", float_format="%.4f")
    print(f"Rolling-origin backtest of '{method}' on {args.path}: {table.attrs['n_series']} series, "
          f"central {100 * args.level:g} % intervals (coverage should be near {args.level:g}); "
          "MAE in percentage points, naive = last figure.")
    print(table[list(COLUMNS)].to_string(index=False, formatters={
        "coverage": "{:.3f}".format, "mae": "{:.3f}".format, "mae_naive": "{:.3f}".format}))
    if args.csv:
        print(f"written: {args.csv}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m simlib", description="simlib: streaming targets, evidence and audits")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check a CSV or Excel file; prints OK or every problem found")
    v.add_argument("path", help="file to check (.csv or .xlsx)")
    v.add_argument("--kind", choices=["observations", "targets", "geographies", "indicators", "plans", "context"],
                   help="table kind (default: from the file name; other names use the planner template)")
    v.add_argument("--sheet", help="Excel sheet name (default: the first sheet)")
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

    b = sub.add_parser("backtest", help="how well would a trend method have forecast this history? "
                       "interval coverage and error by lead (rolling origin)")
    b.add_argument("path", help="observations in the planner template (.csv or .xlsx): geography, indicator, "
                   "year, value or low/high, unit, source; geographies and indicators are free labels")
    b.add_argument("--method", help="trend method: rw_drift (the default), naive, logit_linear, "
                   "local_linear_trend or pooled")
    b.add_argument("--leads", default="1-5", help="years ahead to score, e.g. 1-5 or 1,3,5 (default 1-5)")
    b.add_argument("--level", type=float, default=0.8, help="central interval scored, as a fraction (default 0.8)")
    b.add_argument("--min-train", type=int, default=1,
                   help="figures a series needs up to the forecast year to be forecast (default 1)")
    b.add_argument("--sheet", help="Excel sheet name (default: the first sheet)")
    b.add_argument("--csv", help="also write the table (lead, coverage, n, mae, mae_naive) to this CSV file")
    b.set_defaults(func=_cmd_backtest)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValidationError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except ValueError as exc:  # bad option values, unknown plan ids, bad lever/scenario files
        print(f"error: {exc}", file=sys.stderr)
        return 1
