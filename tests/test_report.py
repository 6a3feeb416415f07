"""`simlib report`: files written, byte-identical reruns, nothing partial on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from simlib.report import run_report
from simlib.textio import ValidationError

from conftest import PLANNER_HEADER, REPO

EXPECTED = {"audit.csv", "audit.txt", "audit_gaps.csv", "audit_aggregates.csv", "audit_contradictions.csv",
            "audit_outliers.csv", "targets_vs_evidence.png", "targets_vs_evidence.svg", "run.json"}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    run_report(a)
    run_report(b)
    return a, b


def test_report_writes_every_file_non_empty(two_runs):
    a, _ = two_runs
    assert {p.name for p in a.iterdir()} == EXPECTED
    assert all(p.stat().st_size > 0 for p in a.iterdir())
    audit_csv = pd.read_csv(a / "audit.csv")
    assert set(audit_csv["check"]) == {"contradictions", "aggregates", "gaps", "outliers"}
    assert (a / "targets_vs_evidence.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reruns_are_byte_identical(two_runs):
    a, b = two_runs
    for name in EXPECTED:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_run_record_hashes_inputs(two_runs):
    rec = json.loads((two_runs[0] / "run.json").read_text(encoding="utf-8"))
    assert rec["simlib_version"]
    assert set(rec["inputs_sha256"]) >= {"data/targets.csv", "data/observations.csv"}
    assert all(len(h) == 64 for h in rec["inputs_sha256"].values())


def test_bad_planner_file_writes_nothing(tmp_path, write):
    bad = write("bad.csv", PLANNER_HEADER + "Atlantis,thcs_graduates,2024,12,,,,,students,x\n")
    out = tmp_path / "out"
    with pytest.raises(ValidationError, match="unknown geography 'Atlantis'"):
        run_report(out, planner_file=bad)
    assert not out.exists()


def test_cli_report(tmp_path):
    r = subprocess.run([sys.executable, "-m", "simlib", "report", "--out", str(tmp_path / "r")],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert {p.name for p in (tmp_path / "r").iterdir()} == EXPECTED
