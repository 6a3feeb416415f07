"""The national run chunk by chunk, here and on a real dask.distributed cluster (LocalCluster, 2 workers).

The check is equality, bit for bit, with the local run the report uses
(:func:`simlib.assess.feasibility.assess_targets` with the same chunks): a
chunk's draws must depend only on the seed and its units' names, never on
which worker runs it or when.
"""

from __future__ import annotations

import pandas as pd
import pytest

from simlib.apps import cli
from simlib.apps.national import _chunk_tables, national_bundle, national_run
from simlib.assess.feasibility import assess_targets
from simlib.scenarios.engine import RunConfig, plan_run
from simlib.scenarios.levers import list_scenarios, load_levers, load_scenario

N_UNITS, CHUNK = 5, 2  # the country and 5 communes: 3 chunks of units besides the country's own


@pytest.fixture(scope="module")
def problem():
    bundle, units = national_bundle(n_units=N_UNITS)
    levers = load_levers(bundle.data_dir / "levers.yaml")
    sdir = bundle.data_dir / "scenarios"
    scs = [load_scenario(n, levers, directory=sdir) for n in list_scenarios(sdir)][:2]
    cfg = RunConfig(years=tuple(range(2026, 2031)), n_draws=40, progress=None)
    local = assess_targets(bundle, geography="vn", units=["vn", *units], plans=["qd1705", "qd2239"], scenarios=scs,
                           config=cfg, levers=levers, as_of=2026, chunk_units=CHUNK, run_id="national")
    return bundle, units, scs, cfg, levers, local


def _same(a, b):
    for name in ("table", "fans", "reach"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def test_national_bundle_adds_the_official_map():
    bundle, units = national_bundle(n_units=3)
    g = bundle.geographies.set_index("geo_id")
    assert len(units) == 3 and len(set(units)) == 3
    assert all(g.loc[u, "level"] in ("commune", "ward") for u in units)
    assert g.loc[g.loc[units[0], "parent"], "parent"] == "vn"  # commune -> province -> country


def test_dask_cluster_gives_the_local_numbers(problem):
    distributed = pytest.importorskip("distributed")
    bundle, units, scs, cfg, levers, local = problem
    # a real scheduler and 2 workers (threads in this process: starting worker processes costs seconds);
    # chunks go to whichever worker is free, results come back in chunk order
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as lc, \
            distributed.Client(lc) as client:
        remote = national_run(bundle, units, scenarios=scs, config=cfg, levers=levers, as_of=2026, chunk_units=CHUNK,
                              client=client)
        assert len(client.scheduler_info()["workers"]) == 2
    _same(local, remote)
    assert len(local.fans["unit"].unique()) == N_UNITS + 1 and local.table["p_met"].notna().any()


def test_a_chunk_sent_to_another_process_keeps_its_numbers(problem):
    """What a worker process receives (the plan and a chunk, pickled as dask does) computes the same tables."""
    pytest.importorskip("distributed")
    from distributed.protocol import deserialize, serialize

    bundle, units, scs, cfg, levers, local = problem
    main = local.runs["national"]
    plan = plan_run(bundle, "vn", main.baseline.config, levers=levers, units=["vn", *units])  # years widened
    plan2 = deserialize(*serialize(plan, serializers=["pickle"]))
    assert plan2 is not plan
    scs_all = [deserialize(*serialize(main.results[n].scenario, serializers=["pickle"])) for n in main.scenarios]
    targets = bundle.targets[bundle.targets["plan_id"].isin(["qd1705", "qd2239"])].assign(used=True)
    chunk = list(units[CHUNK:2 * CHUNK])
    a = _chunk_tables(chunk, plan, scs_all, targets, 2026, None)
    b = _chunk_tables(chunk, plan2, scs_all, targets, 2026, None)
    for x, y in zip(a, b):
        for fx, fy in zip(x, y):
            pd.testing.assert_frame_equal(fx, fy, check_exact=True)
    fan = pd.concat(a[2])
    want = local.fans[local.fans["unit"].isin(chunk)].reset_index(drop=True)
    got = fan[want.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(got.sort_values(["indicator", "unit", "year"]).reset_index(drop=True),
                                  want.sort_values(["indicator", "unit", "year"]).reset_index(drop=True),
                                  check_exact=True)


def test_cli_national_in_process_gives_the_local_numbers(problem, tmp_path, capsys):
    bundle, units, scs, cfg, levers, local = problem
    out = tmp_path / "vn.csv"
    args = ["national", "--units", str(N_UNITS), "--draws", str(cfg.n_draws), "--chunk", str(CHUNK), "--csv", str(out)]
    for sc in scs:
        args += ["--scenario", sc.name]
    code = cli.main(args)
    assert code == 0, capsys.readouterr().err
    assert "in this process" in capsys.readouterr().out
    want = local.table.to_csv(index=False, lineterminator="\n", float_format="%.4f")
    assert out.read_text(encoding="utf-8") == want
    assert (tmp_path / "vn.fans.csv").read_text(encoding="utf-8") == \
        local.fans.to_csv(index=False, lineterminator="\n", float_format="%.6f")
