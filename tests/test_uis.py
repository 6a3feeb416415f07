"""Tests for simlib.models.rates: UIS flow rates computed by hand from a small table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simlib.models.rates import FlowRateDataError, flow_rates, transition_rates


def _table(rows):
    return pd.DataFrame(rows, columns=["unit", "year", "grade", "enrolment", "repeaters"])


ROWS = [
    # unit, year, grade, enrolment E, repeaters R
    ("X", 2022, 9, 120, 4),
    ("X", 2022, 10, 100, 5),
    ("X", 2022, 11, 90, 3),
    ("X", 2022, 12, 80, 2),
    ("X", 2023, 9, 115, 6),
    ("X", 2023, 10, 110, 8),
    ("X", 2023, 11, 95, 6),
    ("X", 2023, 12, 85, 4),
]


def test_flow_rates_hand():
    """Rates for 2022 by hand.

    grade 10: p = (E11,2023 - R11,2023) / E10,2022 = (95 - 6) / 100 = 0.89;
              r = R10,2023 / E10,2022 = 8 / 100 = 0.08; d = 1 - 0.89 - 0.08 = 0.03.
    grade 11: p = (85 - 4) / 90 = 0.9; r = 6 / 90 = 0.0666...; d = 1 - 0.9 - 0.0666... = 0.0333...
    grade 9:  p = (110 - 8) / 120 = 0.85; r = 6 / 120 = 0.05; d = 0.10.
    grade 12: r = 4 / 80 = 0.05; promotion and dropout undefined (no grade 13) -> NaN.
    2023 has no following year -> no rows.
    """
    out = flow_rates(_table(ROWS)).set_index("grade")
    assert list(out.columns) == ["unit", "year", "promotion", "repetition", "dropout"]
    assert (out["year"] == 2022).all()
    assert out.loc[10, "promotion"] == pytest.approx(0.89)
    assert out.loc[10, "repetition"] == pytest.approx(0.08)
    assert out.loc[10, "dropout"] == pytest.approx(0.03)
    assert out.loc[11, "promotion"] == pytest.approx(0.9)
    assert out.loc[11, "repetition"] == pytest.approx(1 / 15)
    assert out.loc[11, "dropout"] == pytest.approx(1 / 30)
    assert out.loc[9, "promotion"] == pytest.approx(0.85)
    assert out.loc[9, "dropout"] == pytest.approx(0.10)
    assert out.loc[12, "repetition"] == pytest.approx(0.05)
    assert np.isnan(out.loc[12, "promotion"]) and np.isnan(out.loc[12, "dropout"])


def test_transition_rates_hand():
    """Grade 9 (last THCS grade) -> grade 10, 2022 by hand, without new-entrant data.

    New entrants are then the non-repeaters of grade 10 in 2023: 110 - 8 = 102.
    TR  = 102 / E9,2022 = 102 / 120 = 0.85
    ETR = 102 / (E9,2022 - R9,2023) = 102 / (120 - 6) = 0.894736...
    """
    out = transition_rates(_table(ROWS))
    assert len(out) == 1
    assert out.loc[0, "transition_rate"] == pytest.approx(102 / 120)
    assert out.loc[0, "effective_transition_rate"] == pytest.approx(102 / 114)


def test_transition_rates_use_new_entrants_filled_on_first_grade_rows_only():
    """UIS: TR = NewEntrants10,2023 / E9,2022 when new entrants are given.

    With 100 new entrants in grade 10 in 2023 (the column empty on every other row,
    including grade 10 in 2022, which no rate needs): TR = 100 / 120, ETR = 100 / 114.
    """
    t = _table(ROWS)
    t["new_entrants"] = np.where((t.grade == 10) & (t.year == 2023), 100.0, np.nan)
    out = transition_rates(t)
    assert out.loc[0, "transition_rate"] == pytest.approx(100 / 120)
    assert out.loc[0, "effective_transition_rate"] == pytest.approx(100 / 114)
    # text cells as a spreadsheet gives them, empty strings included
    t2 = t.assign(new_entrants=[("100" if (g == 10 and y == 2023) else "") for y, g in zip(t.year, t.grade)])
    assert transition_rates(t2).loc[0, "transition_rate"] == pytest.approx(100 / 120)


def test_transition_rates_new_entrants_errors():
    t = _table(ROWS)
    t["new_entrants"] = np.nan  # the column is there but the needed grade-10 2023 row is empty
    with pytest.raises(FlowRateDataError, match=r"new_entrants: missing on grade-10 rows .*\('X', 2023, 10\)"):
        transition_rates(t)
    t["new_entrants"] = np.where((t.grade == 10) & (t.year == 2023), 111.0, np.nan)
    with pytest.raises(FlowRateDataError, match="more new entrants than enrolment"):
        transition_rates(t)
    t["new_entrants"] = np.where(t.grade == 10, -1.0, np.nan)
    with pytest.raises(FlowRateDataError, match="new_entrants: negative"):
        transition_rates(t)
    t["new_entrants"] = np.where(t.grade == 10, "many", None)
    with pytest.raises(FlowRateDataError, match="new_entrants: non-numeric"):
        transition_rates(t)


def test_two_units_kept_apart():
    """A second unit with doubled counts has the same rates; rows are not mixed between units."""
    rows = ROWS + [("Y", y, g, 2 * e, 2 * r) for (_, y, g, e, r) in ROWS]
    out = flow_rates(_table(rows))
    x = out[out.unit == "X"].set_index("grade")
    y = out[out.unit == "Y"].set_index("grade")
    pd.testing.assert_frame_equal(x.drop(columns="unit"), y.drop(columns="unit"))


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda t: t.drop(columns="repeaters"), r"table: missing column\(s\) \['repeaters'\]"),
        (lambda t: t[~((t.year == 2023) & (t.grade == 11))], r"missing years/grades .*\('X', 2023, 11\)"),
        (lambda t: t.assign(year=t.year.where(t.year == 2022, 2024)), r"missing years/grades .*\('X', 2023"),
        (lambda t: t.assign(repeaters=np.where(t.grade == 10, 500, t.repeaters)), r"repeaters: more repeaters than enrolment"),
        (lambda t: t.assign(enrolment=np.where(t.grade == 9, -1, t.enrolment)), r"enrolment: negative"),
        (lambda t: t.assign(enrolment=np.where(t.grade == 9, np.nan, t.enrolment)), r"enrolment: missing or non-numeric"),
        (lambda t: pd.concat([t, t.iloc[:1]]), r"duplicate unit/year/grade"),
        (lambda t: t[t.year == 2022], r"year: unit 'X' has only one year"),
    ],
)
def test_errors(mutate, pattern):
    with pytest.raises(FlowRateDataError, match=pattern):
        flow_rates(mutate(_table(ROWS)))


def test_transition_grade_missing():
    with pytest.raises(FlowRateDataError, match=r"from_grade: grade 5 is not in the table"):
        transition_rates(_table(ROWS), from_grade=5)
