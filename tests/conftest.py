"""Shared fixtures: small planner files written to tmp_path, and a tiny synthetic data folder; the order in which
`make test` hands the tests to its two xdist workers (the longest first)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
SHARED = REPO.parent / "shared"

PLANNER_HEADER = "geography,indicator,year,value,low,high,numerator,denominator,unit,source\n"

#: What each long work unit of `make test` costs, in CPU seconds (measured 2026-12-08 with a per-test log of
#: `make test`; a notebook's cost is mostly its kernel's). `make test` runs `--dist loadscope --no-loadscope-reorder`:
#: a work unit is a test class, else a module or a notebook, and the workers take them in collection order; putting
#: the longest first (longest-processing-time-first) keeps both workers busy to the end instead of leaving one to
#: finish a long unit alone. A unit not listed keeps its place after these. Only the order changes, never a test.
LONGEST_FIRST = {
    "tests/test_provinces_render.py::TestEveryProvinceFirstHalf": 260,
    "tests/test_provinces_render.py::TestEveryProvinceSecondHalf": 260,
    "tests/test_provinces_render.py": 70,
    "tests/test_report.py": 55,
    "tests/test_charts.py": 36,
    "tests/test_trends.py": 33,
    "tests/test_province_panel.py": 30,
    "tests/test_validation.py": 28,
    "tests/test_corpus_cases.py": 25,
    "notebooks/05_long_an_feasibility.ipynb": 22,
    "notebooks/06_targets_2030.ipynb": 20,
    "notebooks/08_tay_ninh_2030.ipynb": 20,
    "notebooks/07_scenario_explorer.ipynb": 20,
    "tests/test_explorer.py": 22,
    "tests/test_scenarios.py": 20,
    "tests/test_corpus.py": 16,
    "tests/test_backtest.py": 16,
    "notebooks/04_scenarios.ipynb": 12,
    "tests/test_national.py": 10,
    "tests/test_cases.py": 10,
    "tests/test_hierarchy.py": 9,
    "tests/test_flows.py": 9,
}


def _work_unit(nodeid: str) -> str:
    """The work unit of `--dist loadscope` (xdist's LoadScopeScheduling._split_scope)."""
    return nodeid.rsplit("::", 1)[0]


def pytest_collection_modifyitems(session, config, items):
    """The longest work units first (a stable sort: the tests of a unit, a notebook's cells, keep their order)."""
    order = {unit: k for k, unit in enumerate(sorted(LONGEST_FIRST, key=lambda u: -LONGEST_FIRST[u]))}
    items.sort(key=lambda it: order.get(_work_unit(it.nodeid), len(order)))


@pytest.fixture
def write(tmp_path):
    """write(name, text, encoding='utf-8') -> Path of a file in tmp_path."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        p = tmp_path / name
        p.write_bytes(text.encode(encoding))
        return p

    return _write


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the bundled data folder."""
    dst = tmp_path / "data"
    shutil.copytree(DATA, dst)
    return dst


@pytest.fixture
def tiny_data(tmp_path) -> Path:
    """A two-district province with hand-checkable targets and populations.

    District A: target 30 %, population 100; district B: target 50 %, population 300.
    Province P: appendix total 38 %, body 40 %.
    Equal weights imply 40 %; population weights imply (30*100 + 50*300) / 400 = 45 %.
    """
    d = tmp_path / "tiny"
    d.mkdir()
    shutil.copy(DATA / "indicators.csv", d / "indicators.csv")
    (d / "geographies.csv").write_text(
        "geo_id,name_vi,name_en,level,parent,aliases,notes\n"
        "vn,Việt Nam,Vietnam,country,,,\n"
        "vn.p,Tỉnh P,Province P,province,vn,,\n"
        "vn.p.a,Huyện A,District A,district,vn.p,,\n"
        "vn.p.b,Huyện B,District B,district,vn.p,,\n", encoding="utf-8")
    (d / "plans.csv").write_text(
        "plan_id,title,issuer,geography,date,status,document,source_status,notes\n"
        "p_plan,Plan P,UBND P,vn.p,2025-01,draft,test,primary,\n", encoding="utf-8")
    rows = [
        ("p.total.app", "vn.p", "38", "appendix"), ("p.total.body", "vn.p", "40", "body"),
        ("p.a", "vn.p.a", "30", "appendix"), ("p.b", "vn.p.b", "50", "appendix"),
    ]
    text = "target_id,plan_id,geography,indicator,year,comparator,value,low,high,unit,as_written,variant,source_status,locator,url,notes\n"
    for tid, g, v, var in rows:
        text += f"{tid},p_plan,{g},thcs_to_gdnn_sc_tc,2025,>=,{v},,,percent,{v},{var},primary,loc,url,\n"
    (d / "targets.csv").write_text(text, encoding="utf-8")
    (d / "observations.csv").write_text(
        "obs_id,geography,indicator,breakdown,period,year,year_first,value,low,high,high_open,se,unit,basis,flags,derivation,source,url,locator,source_date,notes\n"
        "o1,vn.p,thcs_to_gdnn_sc_tc,,2021,2021,,10,,,no,,percent,same,,,src,url,loc,,\n"
        "o2,vn.p,thcs_to_gdnn_sc_tc,,2021-2023,2023,2021,,12,18,yes,,percent,unclear,,,src,url,loc,,\n", encoding="utf-8")
    (d / "context.csv").write_text(
        "context_id,geography,item,value,text,unit,date,source,url,locator,notes\n"
        "a.pop,vn.p.a,population_2019_census,100,,persons,2019,src,url,loc,\n"
        "b.pop,vn.p.b,population_2019_census,300,,persons,2019,src,url,loc,\n", encoding="utf-8")
    return d
