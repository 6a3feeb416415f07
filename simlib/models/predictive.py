"""Predictive distributions of the trend fits on the logit scale: Gaussian mixtures with joint samplers.

Internal to :mod:`simlib.models.trends` (each fit method returns one of these as its predictive law).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from simlib.logit import expit as _expit
from simlib.models.drift_walk import WalkFit
from simlib.models.priors import TrendError


# ----------------------------------------------------------------------------
# Predictive distributions (logit scale): Gaussian mixtures with joint samplers
# ----------------------------------------------------------------------------


def _mixture_quantiles(w, m, s, probs):
    """Quantiles of sum_g w_g N(m_g, s_g^2) for each column; shapes (G,), (G,T).

    Components are kept, heaviest first, up to 1 - 1e-7 of the weight (the
    rest moves a CDF by less than 1e-7). Each quantile is then found by
    Newton's method from the moment-matched normal's quantile, kept inside a
    bracket that every step narrows (bisection when a step leaves it), to
    1e-9 logit units.
    """
    w = np.asarray(w, float)
    order = np.argsort(-w, kind="stable")
    n_keep = int(np.searchsorted(np.cumsum(w[order]), 1.0 - 1e-7)) + 1
    idx = np.sort(order[:n_keep])
    w, m, s = w[idx] / w[idx].sum(), m[idx], s[idx]
    probs = np.asarray(probs, float)
    P = len(probs)
    lo = np.repeat((m - 9 * s).min(axis=0)[None, :], P, axis=0)
    hi = np.repeat((m + 9 * s).max(axis=0)[None, :], P, axis=0)
    mean = w @ m
    sd = np.sqrt(np.maximum(w @ (s**2 + m**2) - mean**2, 1e-18))
    x = np.clip(mean[None, :] + sd[None, :] * special.ndtri(probs)[:, None], lo, hi)
    inv_s = 1.0 / s
    for _ in range(60):
        u = (x[:, None, :] - m[None]) * inv_s[None]
        F = np.einsum("g,pgt->pt", w, special.ndtr(u)) - probs[:, None]
        f = np.einsum("g,pgt->pt", w, np.exp(-0.5 * u * u) * inv_s[None]) / math.sqrt(2 * math.pi)
        lo = np.where(F < 0, x, lo)
        hi = np.where(F >= 0, x, hi)
        step = np.where(f > 0, F / np.where(f > 0, f, 1.0), np.inf)
        nx = x - step
        bad = ~np.isfinite(nx) | (nx <= lo) | (nx >= hi)
        nx = np.where(bad, (lo + hi) / 2, nx)
        if np.max(np.abs(nx - x)) < 1e-9:
            return nx
        x = nx
    return x


_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(40)


def _mixture_mean_expit(w, m, s):
    vals = _expit(m[..., None] + s[..., None] * _GH_X) @ (_GH_W / _GH_W.sum())
    if np.ndim(w) == 2:
        return (w * vals).sum(axis=0)
    return w @ vals


@dataclass(frozen=True, eq=False)
class _LinearPosterior:
    """Posterior of z_t = a + b (t - t_ref) + e_t as a mixture over sigma values."""

    t_ref: float
    weights: np.ndarray  # (G,)
    sigmas: np.ndarray  # (G,)
    mus: np.ndarray  # (G, 2)
    covs: np.ndarray  # (G, 2, 2)

    def marginal(self, years):
        x = np.asarray(years, float) - self.t_ref
        X = np.stack([np.ones_like(x), x], axis=1)  # (T,2)
        m = self.mus @ X.T  # (G,T)
        v = np.einsum("ti,gij,tj->gt", X, self.covs, X) + self.sigmas[:, None] ** 2
        return self.weights, m, np.sqrt(v)

    def draw(self, n, years, rng):
        x = np.asarray(years, float) - self.t_ref
        g = rng.choice(len(self.weights), size=n, p=self.weights)
        L = np.linalg.cholesky(self.covs + 1e-12 * np.eye(2))
        ab = self.mus[g] + np.einsum("nij,nj->ni", L[g], rng.standard_normal((n, 2)))
        e = rng.standard_normal((n, len(x))) * self.sigmas[g][:, None]
        return ab[:, :1] + ab[:, 1:] * x[None, :] + e

    def slope_marginal(self):
        return self.weights, self.mus[:, 1:2], np.sqrt(self.covs[:, 1, 1])[:, None]


def _linear_posterior(t, z, sd, *, t_ref, slope_mean, slope_sd, sigma_scale,
                      intercept_mean=0.0, intercept_sd=5.0, n_grid=80):
    """Exact grid posterior of the logit-linear model (see module docstring)."""
    t = np.asarray(t, float)
    z = np.asarray(z, float)
    sd = np.asarray(sd, float)
    X = np.stack([np.ones_like(t), t - t_ref], axis=1)
    m0 = np.array([intercept_mean, slope_mean])
    P0 = np.diag([1 / intercept_sd**2, 1 / slope_sd**2])
    S0 = np.diag([intercept_sd**2, slope_sd**2])
    sigmas = np.geomspace(0.005, max(3.0, 6 * sigma_scale), n_grid)
    logw = np.empty(n_grid)
    mus = np.empty((n_grid, 2))
    covs = np.empty((n_grid, 2, 2))
    prior_mean = X @ m0
    for k, sg in enumerate(sigmas):
        V = sg**2 + sd**2
        P = P0 + X.T @ (X / V[:, None])
        C = np.linalg.inv(P)
        mus[k] = C @ (P0 @ m0 + X.T @ (z / V))
        covs[k] = C
        K = X @ S0 @ X.T + np.diag(V)
        ll = stats.multivariate_normal.logpdf(z, prior_mean, K)
        # half-normal prior on sigma; log-spaced grid -> Jacobian sigma
        logw[k] = ll + stats.halfnorm.logpdf(sg, scale=sigma_scale) + math.log(sg)
    w = np.exp(logw - logw.max())
    w /= w.sum()
    return _LinearPosterior(float(t_ref), w, sigmas, mus, covs)


@dataclass(frozen=True, eq=False)
class _RandomWalk:
    """Naive: z_t = z_last + sum of N(0, step_sd^2) steps; plus measurement sd."""

    t_last: float
    z_last: float
    sd_last: float
    step_sd: float

    def marginal(self, years):
        h = np.abs(np.asarray(years, float) - self.t_last)
        s = np.sqrt(self.sd_last**2 + h * self.step_sd**2)
        return np.ones(1), np.full((1, len(h)), self.z_last), s[None, :]

    def draw(self, n, years, rng):
        years = np.asarray(years, float)
        grid_t = np.unique(np.concatenate([[self.t_last], years]))
        i0 = int(np.searchsorted(grid_t, self.t_last))
        path = np.empty((n, len(grid_t)))
        # walk forwards and backwards from the last observation
        path[:, i0] = 0.0
        for i in range(i0 + 1, len(grid_t)):
            path[:, i] = path[:, i - 1] + rng.standard_normal(n) * self.step_sd * math.sqrt(grid_t[i] - grid_t[i - 1])
        for i in range(i0 - 1, -1, -1):
            path[:, i] = path[:, i + 1] + rng.standard_normal(n) * self.step_sd * math.sqrt(grid_t[i + 1] - grid_t[i])
        base = self.z_last + rng.standard_normal((n, 1)) * self.sd_last
        idx = np.searchsorted(grid_t, years)
        return base + path[:, idx]


@dataclass(frozen=True, eq=False)
class _StateSpace:
    """Local linear trend forecasts from a fitted UnobservedComponents model."""

    res: object
    t_last: int

    def _steps(self, years):
        years = np.asarray(years)
        h = years - self.t_last
        if np.any(h < 1) or np.any(h != np.round(h)):
            raise TrendError(
                "local_linear_trend only forecasts whole years after the last observation "
                f"({self.t_last}); asked for {sorted(set(years.tolist()))}."
            )
        return h.astype(int)

    def marginal(self, years):
        h = self._steps(years)
        fc = self.res.get_forecast(steps=int(h.max()))
        m = np.asarray(fc.predicted_mean)[h - 1]
        v = np.asarray(fc.var_pred_mean)[h - 1]
        return np.ones(1), m[None, :], np.sqrt(np.maximum(v, 1e-12))[None, :]

    def draw(self, n, years, rng):
        h = self._steps(years)
        sim = np.asarray(self.res.simulate(nsimulations=int(h.max()), repetitions=n,
                                           anchor="end", rng=rng))
        sim = sim.reshape(int(h.max()), n)
        return sim[h - 1].T


@dataclass(frozen=True, eq=False)
class _WalkDist:
    """Predictive of one unit of a pooled random walk with drift (``rw_drift``)."""

    fit: WalkFit
    unit: str
    reported = True  # marginal() takes the predicted figures' own sds and approximate flags

    def marginal(self, years, obs_sd=None, approx=None):
        w, m, c = self.fit.predictive(self.unit, years, obs_sd, approx)
        return w, m, np.sqrt(np.maximum(np.diagonal(c, axis1=1, axis2=2), 1e-18))

    def draw(self, n, years, rng):
        w, m, c = self.fit.predictive(self.unit, years)
        k = m.shape[1]
        L = np.linalg.cholesky(c + 1e-10 * np.eye(k)[None])
        g = rng.choice(len(w), size=n, p=w)
        eps = rng.standard_normal((n, k))
        return m[g] + np.einsum("nij,nj->ni", L[g], eps)

    def slope_marginal(self):
        w, m, s = self.fit.drift(self.unit)
        return w, m[:, None], s[:, None]
