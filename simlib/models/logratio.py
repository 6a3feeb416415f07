"""Compositions: shares of one origin that must sum to 1, forecast jointly with additive log-ratios.

:func:`fit_composition` -> :class:`CompositionResult`. Re-exported by :mod:`simlib.models.trends`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from simlib.models.predictive import _linear_posterior, _RandomWalk
from simlib.models.priors import TrendError


# ----------------------------------------------------------------------------
# Compositions
# ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CompositionResult:
    """Joint forecast of shares that sum to 1 (additive log-ratios).

    ``log(p_k / p_ref)`` for every non-reference category ``k`` is given its
    own trend (``logit_linear``-type model with a neutral slope prior, or a
    random walk for ``naive``); draws are mapped back with the softmax, so
    every draw is a valid composition. Correlation between the log-ratios'
    forecast errors is not modelled.
    """

    categories: tuple[str, ...]
    reference: str
    method: str
    dists: tuple[object, ...]  # one per non-reference category
    n_years: int

    def sample(self, n: int, years: Iterable[int], rng: np.random.Generator) -> np.ndarray:
        """Draws of shape ``(n, len(years), n_categories)``; each row sums to 1.

        Shares are fractions strictly inside (0, 1); the last axis follows
        :attr:`categories`.
        """
        rng = np.random.default_rng(rng)
        years = np.asarray(list(years), dtype=float)
        others = [c for c in self.categories if c != self.reference]
        alr = {c: d.draw(int(n), years, rng) for c, d in zip(others, self.dists)}
        stack = np.stack(
            [alr[c] if c != self.reference else np.zeros((int(n), len(years))) for c in self.categories],
            axis=-1,
        )
        stack = np.clip(stack, -30, 30)
        return special.softmax(stack, axis=-1)

    def predict_median(self, years: Iterable[int], n: int = 4000, rng=0) -> pd.DataFrame:
        """Monte Carlo median composition per year (renormalised to sum to 1)."""
        years = list(years)
        d = np.median(self.sample(n, years, rng), axis=0)
        d = d / d.sum(axis=1, keepdims=True)
        return pd.DataFrame(d, index=pd.Index(years, name="year"), columns=list(self.categories))

    def summary(self) -> str:
        return (
            f"Composition of {len(self.categories)} shares ({', '.join(self.categories)}) "
            f"forecast jointly with additive log-ratios against '{self.reference}', method "
            f"'{self.method}', from {self.n_years} year(s) of data. Every draw sums to 1. "
            "Correlation between categories' errors is not modelled."
        )


def fit_composition(
    shares: pd.DataFrame,
    *,
    reference: str | None = None,
    method: str = "logit_linear",
    slope_sd: float = 0.2,
    step_sd: float = 0.35,
    sigma_scale: float = 0.3,
    tol: float = 1e-3,
) -> CompositionResult:
    """Fit shares of one origin that must sum to 1 (e.g. grade-9 destinations).

    Parameters
    ----------
    shares : pandas.DataFrame
        Index: years (strictly increasing integers); columns: categories;
        values: fractions in (0, 1) summing to 1 per row (within ``tol``).
    reference : str, optional
        Denominator category of the log-ratios (default: the largest on
        average).
    method : {"logit_linear", "naive"}
        Trend model for each log-ratio: straight line with slope prior
        N(0, slope_sd^2) (log-ratio units per year), or a random walk with
        step sd ``step_sd``.

    Returns
    -------
    CompositionResult
    """
    if shares is None or len(shares) == 0 or shares.shape[1] == 0:
        raise TrendError("No observations at all: the composition table is empty.")
    if shares.shape[1] < 2:
        raise TrendError("A composition needs at least two categories.")
    years = np.asarray(shares.index, dtype=float)
    if np.any(np.diff(years) <= 0):
        raise TrendError(
            "Years in the composition table are out of order or duplicated "
            f"({shares.index.tolist()}); give one row per year, in increasing order."
        )
    vals = shares.to_numpy(dtype=float)
    if np.any(~np.isfinite(vals)) or np.any(vals <= 0) or np.any(vals >= 1):
        raise TrendError("Every share in a composition must be a fraction strictly between 0 and 1.")
    if np.any(np.abs(vals.sum(axis=1) - 1) > tol):
        raise TrendError("Each year's shares must sum to 1 (they are fractions of one cohort).")
    if method not in ("logit_linear", "naive"):
        raise TrendError("fit_composition supports method='logit_linear' or 'naive'.")
    cats = tuple(str(c) for c in shares.columns)
    ref = reference if reference is not None else cats[int(np.argmax(vals.mean(axis=0)))]
    if ref not in cats:
        raise TrendError(f"Reference category {ref!r} is not a column ({cats}).")
    iref = cats.index(ref)
    dists = []
    for j, c in enumerate(cats):
        if c == ref:
            continue
        y = np.log(vals[:, j] / vals[:, iref])
        if method == "naive":
            dists.append(_RandomWalk(float(years[-1]), float(y[-1]), 0.0, step_sd))
        else:
            dists.append(_linear_posterior(years, y, np.zeros_like(y), t_ref=float(years[-1]),
                                           slope_mean=0.0, slope_sd=slope_sd,
                                           sigma_scale=sigma_scale, intercept_mean=float(y.mean())))
    return CompositionResult(cats, ref, method, tuple(dists), len(years))
