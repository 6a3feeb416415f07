"""Benchmark: the partial-pooling fit of a province's units vs statsmodels' BinomialBayesMixedGLM, same data.

Run: .venv/bin/python benchmarks/bench_hierarchy.py

Problem: 100 communes x 10 years (2016-2025), each commune 40-300 graduates a
year, true between-commune spread 0.3 logit, seeded. Timed (median of 3 runs):

* ``simlib fit_units``: the Laplace fit on a 60-point grid of the spread (the
  spread's posterior, every grid point's mode and factors), intercepts only;
* ``simlib fit_units, paces``: with a pace per commune (24 x 7 grid);
* ``simlib sample``: 10,000 draws x 100 communes x 9 years, each draw's
  communes solved to combine to the province's draw (cohort-weighted);
* ``statsmodels fit_map``: ``BinomialBayesMixedGLM.fit_map`` on the same
  figures expanded to one 0/1 row per graduate (the model takes Bernoulli
  outcomes), year dummies as fixed effects, one variance component: the
  joint posterior mode of effects and log spread, no grid (one point estimate
  of the spread, so it does less than ``fit_units``).

Printed: each time, the ratio statsmodels / simlib, and the largest
difference between the two fits' commune effects at statsmodels' spread (the
same objective: it must be ~0).
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd

from simlib.logit import expit
from simlib.models.hierarchy import fit_units


def data(U=100, Y=10, seed=20251122):
    rng = np.random.default_rng(seed)
    b = rng.normal(0, 0.3, U)
    rows = []
    for u in range(U):
        n = int(rng.integers(40, 300))
        for t in range(Y):
            k = int(rng.binomial(n, expit(-1.5 + 0.05 * t + b[u])))
            rows.append({"unit": f"u{u:03d}", "year": 2016 + t, "k": k, "n": n, "group": False})
    return pd.DataFrame(rows), [f"u{u:03d}" for u in range(U)]


def timed(fn, repeat=3):
    ts, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), out


def main() -> None:
    from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM

    figs, units = data()
    years = sorted(figs["year"].unique())
    print(f"problem: {len(units)} communes x {len(years)} years, {int(figs['n'].sum()):,} graduates")
    t_fit, res = timed(lambda: fit_units(figs, units))
    print(f"simlib fit_units (intercepts)        {t_fit:8.3f} s   spread median {res.spread_interval()[0]:.3f}")
    t_sl, _ = timed(lambda: fit_units(figs, units, slopes=True, n_grid=48), repeat=1)
    print(f"simlib fit_units (intercepts+paces)  {t_sl:8.3f} s")
    prov = np.clip(0.2 + 0.01 * np.random.default_rng(1).standard_normal((10_000, 9)), 0.01, 0.99)
    w = figs.groupby("unit")["n"].first().loc[units].to_numpy(float)
    t_s, draws = timed(lambda: res.sample(10_000, range(2022, 2031), 0, province=prov, weights=w), repeat=1)
    err = np.abs(np.einsum("nuy,u->ny", draws, w / w.sum()) - prov).max()
    print(f"simlib sample 10,000 x 100 x 9       {t_s:8.3f} s   max |weighted combination - province| {err:.1e}")

    y, X, Z = [], [], []
    ucol = {u: i for i, u in enumerate(units)}
    ycol = {yr: i for i, yr in enumerate(years)}
    for r in figs.itertuples():
        for outcome, count in ((1, int(r.k)), (0, int(r.n - r.k))):
            y.append(np.full(count, outcome))
            xr = np.zeros((count, len(years)))
            xr[:, ycol[r.year]] = 1
            X.append(xr)
            zr = np.zeros((count, len(units)))
            zr[:, ucol[r.unit]] = 1
            Z.append(zr)
    y, X, Z = np.concatenate(y).astype(float), np.vstack(X), np.vstack(Z)
    print(f"statsmodels rows (one per graduate): {len(y):,}")

    def sm_fit():
        model = BinomialBayesMixedGLM(y, X, Z, np.zeros(len(units), dtype=int), vcp_p=1.0, fe_p=10.0)
        return model.fit_map()

    t_sm, sm = timed(sm_fit, repeat=1)
    tau = float(np.exp(sm.params[len(years)]))
    same = fit_units(figs, units, spread=tau).modes[0]
    diff = np.abs(same.beta[:, 0] - sm.params[len(years) + 1:]).max()
    print(f"statsmodels fit_map                  {t_sm:8.3f} s   spread {tau:.3f}")
    print(f"ratio statsmodels / simlib fit:      {t_sm / t_fit:8.1f}x")
    print(f"max |effect difference| at statsmodels' spread: {diff:.2e} logit")


if __name__ == "__main__":
    main()
