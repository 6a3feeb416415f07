"""Tests for the file-level backtest (simlib.assess.backtest), `python -m simlib backtest` and the
calibration benchmark at small size. Shares in files are percent; in the API fractions 0-1."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simlib.apps import cli
from simlib.assess import backtest as BT
from simlib.inputs.textio import ValidationError
from simlib.models import trends

ROOT = Path(__file__).resolve().parents[1]


def _write(path: Path, rows, columns=("geography", "indicator", "year", "value", "low", "high", "unit",
                                      "flags", "source")) -> Path:
    pd.DataFrame(rows, columns=list(columns)).to_csv(path, index=False)
    return path


def _hand_panel(tmp_path: Path) -> Path:
    """Two units of a free-label indicator, one with a range, plus a count row that must be ignored."""
    rows = [
        ("unit_01", "share_a", 2018, 10.0, None, None, "percent", "", "test"),
        ("unit_01", "share_a", 2019, 11.0, None, None, "percent", "", "test"),
        ("unit_01", "share_a", 2021, None, 10.0, 14.0, "percent", "", "test"),
        ("unit_01", "share_a", 2022, 13.0, None, None, "percent", "approximate", "test"),
        ("unit_02", "share_a", 2019, 30.0, None, None, "percent", "", "test"),
        ("unit_02", "share_a", 2020, 28.0, None, None, "percent", "", "test"),
        ("unit_02", "share_a", 2022, 27.5, None, None, "percent", "", "test"),
        ("unit_02", "students_a", 2022, 1200, None, None, "students", "", "test"),
    ]
    return _write(tmp_path / "panel.csv", rows)


def test_parse_leads():
    assert BT.parse_leads("1-5") == (1, 2, 3, 4, 5)
    assert BT.parse_leads("1,3, 5") == (1, 3, 5)
    assert BT.parse_leads("2") == (2,)
    assert BT.parse_leads([3, 1, 3]) == (1, 3)
    for bad in ("0-2", "5-1", "a", "1.5", ""):
        with pytest.raises(BT.BacktestInputError, match="leads"):
            BT.parse_leads(bad)


def test_naive_backtest_of_a_hand_panel(tmp_path):
    """Naive forecasts are the last figure; every scored case is worked out here.

    unit_01 origins: 2018 (10 %) -> 2019 (11 %, lead 1, error 1 pt), 2022 (13 %, lead 4, error 3 pts);
    2019 (11 %) -> 2022 (lead 3, 2 pts); 2021 (range 10-14 %, its logit midpoint 11.87 %) -> 2022
    (lead 1, 1.13 pts). The range is never scored. unit_02: 2019 (30 %) -> 2020 (lead 1, 2 pts),
    2022 (lead 3, 2.5 pts); 2020 (28 %) -> 2022 (lead 2, 0.5 pts). The count row is ignored.
    """
    frame = BT.read_history(_hand_panel(tmp_path))
    out = BT.backtest_frame(frame, method="naive", leads="1-4")
    assert list(out.columns) == ["by", "group", "lead", "coverage", "n", "mae", "mae_naive", "note"]
    mid = 100 / (1 + math.exp(-(math.log(10 / 90) + math.log(14 / 86)) / 2))
    assert out["n"].tolist() == [3, 1, 2, 1]
    assert out["mae"].tolist() == pytest.approx([(1 + (13 - mid) + 2) / 3, 0.5, (2 + 2.5) / 2, 3.0])
    assert out["mae"].tolist() == pytest.approx(out["mae_naive"].tolist())
    assert out["coverage"].between(0, 1).all()
    assert out.attrs["method"] == "naive" and out.attrs["n_series"] == 2
    # a lead nobody reaches gets n = 0, NaN and a note, not a missing row
    out5 = BT.backtest_frame(frame, method="naive", leads=(1, 5))
    assert out5["n"].tolist() == [3, 0] and math.isnan(out5.loc[1, "coverage"])
    assert out5["note"].tolist() == ["", "no case at lead 5"]


def test_breakdowns_by_level_and_history_partition_the_cases(tmp_path):
    """Level bands are those of the last figure at the origin; history bands count figures up to it.

    Hand panel, naive, leads 1-4: unit_01's origins 2018 (10 %: 5-20 % band, 1 figure), 2019 (11 %, 2
    figures), 2021 (range, midpoint 11.87 %, 3 figures); unit_02's 2019 (30 %: 20-50 %, 1 figure) and 2020
    (28 %, 2 figures). So 5-20 %: 4 cases, 20-50 %: 3; 1 figure: 2 + 2 cases, 2 figures: 1 + 1, 3 figures: 1.
    """
    frame = BT.read_history(_hand_panel(tmp_path))
    out = BT.backtest_frame(frame, method="naive", leads="1-4", by=("level", "history"))
    n = out.groupby(["by", "group"], sort=False)["n"].sum()
    assert n["level"].to_dict() == {"5-20 %": 4, "20-50 %": 3}
    assert n["history"].to_dict() == {"1 figure": 4, "2 figures": 2, "3 figures": 1}
    assert n["all"].sum() == 7
    lvl = out[(out["by"] == "level") & (out["group"] == "20-50 %")]
    assert lvl["n"].tolist() == [1, 1, 1, 0] and lvl["note"].iloc[3] == "no case at lead 4"
    assert lvl["mae"].tolist()[:3] == pytest.approx([2.0, 0.5, 2.5])
    with pytest.raises(BT.BacktestInputError, match="--by 'region'"):
        BT.backtest_frame(frame, method="naive", by="region")


def test_cli_backtest_by_level_prints_bands_and_notes_not_empty_rows(tmp_path, capsys):
    path = _hand_panel(tmp_path)
    out_csv = tmp_path / "bt.csv"
    code, out, err = _run(capsys, ["backtest", str(path), "--method", "naive", "--leads", "1-5", "--by", "level",
                                   "--csv", str(out_csv)])
    assert code == 0 and err == ""
    assert "last known figure: 5-20 %" in out and "last known figure: 20-50 %" in out
    assert "no case at lead 5" in out and "nan" not in out.lower()
    assert "labels taken as free labels" in out and "rows read" in out
    table = pd.read_csv(out_csv)
    assert set(table["by"]) == {"all", "level"}


def test_default_method_on_a_file_compares_with_naive_on_the_same_cases(tmp_path):
    frame = BT.read_history(_hand_panel(tmp_path))
    out = BT.backtest_frame(frame, leads="1-3")
    naive = BT.backtest_frame(frame, method="naive", leads="1-3")
    assert out.attrs["method"] == trends.DEFAULT_METHOD
    assert out["n"].tolist() == naive["n"].tolist()
    assert out["mae_naive"].tolist() == pytest.approx(naive["mae"].tolist())
    assert min_train_drops_cases(frame)


def min_train_drops_cases(frame) -> bool:
    one = BT.backtest_frame(frame, method="naive", leads="1-4", min_train=1)["n"].sum()
    three = BT.backtest_frame(frame, method="naive", leads="1-4", min_train=3)["n"].sum()
    return three < one


def test_backtest_errors_are_plain_messages(tmp_path):
    frame = BT.read_history(_hand_panel(tmp_path))
    with pytest.raises(BT.BacktestInputError, match="not a trend method"):
        BT.backtest_frame(frame, method="prophet")
    with pytest.raises(BT.BacktestInputError, match="fraction between 0 and 1"):
        BT.backtest_frame(frame, level=80)
    counts = _write(tmp_path / "counts.csv", [("u", "students", 2020, 5, None, None, "students", "", "x")])
    with pytest.raises(BT.BacktestInputError, match="no figure in a share unit"):
        BT.backtest_file(counts)
    bad = _write(tmp_path / "bad.csv", [("u", "x", 2020, 130, None, None, "percent", "", "x")])
    with pytest.raises(ValidationError, match=r"row 2, column 'value' \(D\): a rate must lie between 0 and 100 %; found 130"):
        BT.backtest_file(bad)


def _run(capsys, argv):
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_backtest_prints_and_writes_the_table(tmp_path, capsys):
    path = _hand_panel(tmp_path)
    out_csv = tmp_path / "sub" / "bt.csv"
    code, out, err = _run(capsys, ["backtest", str(path), "--method", "naive", "--leads", "1-4",
                                   "--level", "0.8", "--csv", str(out_csv)])
    assert code == 0 and err == ""
    table = pd.read_csv(out_csv)
    assert list(table.columns) == ["by", "group", "lead", "coverage", "n", "mae", "mae_naive", "note"]
    assert table["n"].tolist() == [3, 1, 2, 1]
    expected = BT.backtest_file(path, method="naive", leads="1-4")
    assert table["mae"].tolist() == pytest.approx(expected["mae"].round(4).tolist(), abs=1e-4)
    assert "lead" in out and "coverage" in out and "mae_naive" in out and f"written: {out_csv}" in out
    # default method, default leads
    code, out, _ = _run(capsys, ["backtest", str(path)])
    assert code == 0 and f"'{trends.DEFAULT_METHOD}'" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("geography,indicator,year,value,unit\nA,x,2020,12,percent\n", "required column 'source' is missing"),
        ("geography,indicator,year,value,unit,source\nA,x,20x0,12,percent,s\n", "is not a year"),
        ("geography,indicator,year,value,unit,source\nA,x,2020,0,percent,s\n", "cannot go on the logit scale"),
    ],
)
def test_cli_backtest_bad_files_exit_1_with_a_message(tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    code, out, err = _run(capsys, ["backtest", str(path)])
    assert code == 1 and message in err and "Traceback" not in err + out


def test_cli_backtest_missing_file_and_bad_options(tmp_path, capsys):
    code, _, err = _run(capsys, ["backtest", str(tmp_path / "nope.csv")])
    assert code == 1 and "file not found" in err
    path = _hand_panel(tmp_path)
    code, _, err = _run(capsys, ["backtest", str(path), "--method", "prophet"])
    assert code == 1 and "not a trend method" in err
    code, _, err = _run(capsys, ["backtest", str(path), "--leads", "5-1"])
    assert code == 1 and "runs backwards" in err


def test_cli_help_names_every_method_and_the_default():
    text = cli.build_parser()._subparsers._group_actions[0].choices["backtest"].format_help()
    flat = " ".join(text.split())
    for m in trends.METHODS:
        assert m in flat
    assert f"{trends.DEFAULT_METHOD} (the default)" in flat


# --------------------------------------------------------------------------- the calibration benchmark


def _bench():
    spec = importlib.util.spec_from_file_location("bench_calibration", ROOT / "benchmarks" / "bench_calibration.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_benchmark_generator_writes_valid_planner_files(tmp_path):
    bench = _bench()
    rng = np.random.default_rng(0)
    for fam in bench.FAMILIES:
        frame = bench.make_panel(rng, fam, scale=0.3)
        path = tmp_path / f"{fam}.csv"
        frame.to_csv(path, index=False)
        checked = BT.read_history(path)  # raises on any invalid row
        assert len(checked) == len(frame) and checked["geography"].str.startswith("unit_").all()
        per_unit = frame.groupby("geography").size()
        lo, hi = {"sparse": (2, 3), "smooth": (4, 10), "rough": (3, 8), "ranges": (2, 8),
                  "drift_change": (3, 9)}[fam]
        assert per_unit.between(lo, hi).all()
    ranges = bench.make_panel(np.random.default_rng(1), "ranges")
    assert ranges["low"].notna().any() and (ranges["flags"] == "approximate").any()


def test_benchmark_runs_at_small_size():
    bench = _bench()
    table = bench.main(1, seed=3, families=("sparse", "ranges"), methods=("naive", "rw_drift"),
                       leads=(1, 2), scale=0.4, quiet=True)
    assert list(table.columns) == ["family", "method", "lead", "n", "coverage", "mae", "mae_naive", "rel_mae"]
    assert set(table["family"]) == {"sparse", "ranges", "all"}
    assert set(table["method"]) == {"naive", "rw_drift"} and set(table["lead"]) == {1, 2}
    assert table["coverage"].between(0, 1).all() and (table["n"] > 0).all()
    naive = table[table["method"] == "naive"]
    assert np.allclose(naive["rel_mae"], 1.0) and np.allclose(naive["mae"], naive["mae_naive"])
    # the 'all' rows pool the families' cases
    for (m, h), g in table[table["family"] != "all"].groupby(["method", "lead"]):
        allrow = table[(table["family"] == "all") & (table["method"] == m) & (table["lead"] == h)].iloc[0]
        assert allrow["n"] == g["n"].sum()
        assert allrow["coverage"] == pytest.approx((g["coverage"] * g["n"]).sum() / g["n"].sum())


def test_benchmark_shared_misses_by_hand():
    """Origin 2010, lead 1: both units miss (a shared move); origin 2011: one of two misses.
    Misses 3, of which 2 shared (2/3); the other cell covers 1 of 2 (0.5)."""
    bench = _bench()
    cases = pd.DataFrame(dict(family="f", method="m", lead=1, origin=[2010, 2010, 2011, 2011],
                              in_level=[False, False, True, False]))
    row = bench.joint_misses(cases).iloc[0]
    assert (row["misses"], row["joint_share"], row["coverage_rest"]) == (3, pytest.approx(2 / 3), 0.5)


def test_backtest_reads_exactly_what_validate_reads_over_the_corpus(tmp_path, capsys, monkeypatch):
    """Every file of the input corpus (tests/corpus): where ``validate`` reads it, the backtest reads the same
    rows; where ``validate`` refuses it, ``python -m simlib backtest`` exits 1 with a message and no traceback
    (the only files it reads that validate refuses are those refused *only* for names outside the library's
    lists, which a backtest takes as free labels, and then its rows are those of the free-label reading)."""
    from corpus import generate as G

    from simlib.errors import SimlibError
    from simlib.inputs.bundle import validate_file

    import functools

    import simlib.inputs.bundle as B

    # the library's lists are read once (both readers load them for every file; they do not change here)
    monkeypatch.setattr(B, "load_reference", functools.cache(B.load_reference))
    cases = G.write_corpus(tmp_path)
    key = lambda df: sorted(zip(df["geography"], df["indicator"], df["year"].astype(int),  # noqa: E731
                                df["value_share"].astype(float).round(6)))
    checked = refused = 0
    for c in cases:
        if c.options.get("kind", "observations") != "observations" or c.options.get("sheet") is not None:
            continue
        path = tmp_path / c.file
        try:
            ref = validate_file(path, kind="observations")
        except SimlibError:
            ref = None
        if ref is not None:
            assert key(BT.read_history(path)) == key(ref), c.name
            checked += 1
            continue
        code, out, err = _run(capsys, ["backtest", str(path)])
        assert "Traceback" not in out + err, c.name
        if code == 0:  # read only as free labels: the names were the sole reason validate refused it
            assert "free labels" in out, c.name
        else:
            assert code == 1 and err.strip(), c.name
            refused += 1
    assert checked >= 20 and refused >= 15, (checked, refused)
