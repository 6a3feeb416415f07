"""Partial pooling of a province's units (communes, wards, or a former province's districts).

One model for the units of one province and one indicator::

    logit p(u, t) = z(t) + b_u [+ c_u (t - t_ref)]
    b_u ~ N(0, tau^2),  c_u ~ N(0, tau_slope^2)
    k(u, t) ~ Binomial(n(u, t), p(u, t))

``z(t)`` is the province's location in year ``t`` (a fixed effect per year
with data, prior N(0, 10^2)); ``b_u`` is the unit's lasting difference from
its province on the logit scale and ``c_u`` (optional, ``slopes=True``) its
own pace. The between-unit spread ``tau`` is learned from the data: its
posterior on a grid, with a half-normal prior of scale ``spread_scale``
(default 0.35 logit, ``districts.spread_logit`` in the lever file, a
judgement), so that with few units the prior decides and with many the data
do. Each grid point's posterior of ``(z, b, c)`` is the Laplace
approximation at its mode (Newton iterations on the exact binomial
log-likelihood); the grid weights are the Laplace marginal likelihoods times
the prior. A unit with few or small figures is thus pulled toward its
province (shrinkage), a unit with many large figures keeps them.

What a figure counts as (:func:`binomial_rows`, documented rules)
------------------------------------------------------------------
* numerator and denominator (students): ``k`` of ``n``, 0 and ``n`` included
  (a 0-of-40 commune is information, not an error);
* a share with its denominator: ``k = share x n``;
* a share with a stated standard error ``se`` (fraction): an effective
  sample of ``n = p (1 - p) / se^2``;
* a range: its logit midpoint with the range as +/- 2 sd (as in
  :mod:`simlib.models.trends`), converted to an effective sample;
* a share without any size: the unit's graduate count for that year when
  the caller gives one (``size``), else :data:`DEFAULT_EFFECTIVE_N`
  graduates (100: a small commune's cohort; said in the summary);
* flags and definition basis add logit variance exactly as in
  :mod:`simlib.models.trends` (``approximate`` +0.15 sd, ``ambiguous_denominator``
  +0.5; ``broader``/``narrower`` +0.5, ``unclear`` +0.75), which lowers the
  effective sample: ``n' = 1 / (p (1 - p) (1 / (n p (1 - p)) + extra^2))``;
* a figure of a **former area** (the former district or commune a new
  commune was formed from, ``group=True``) speaks for the unit with an
  extra logit sd of ``spread_scale``: the new commune is one part of the
  former district, and parts differ from their whole by about the assumed
  between-unit spread.

The province in every draw
--------------------------
:meth:`UnitsResult.sample` takes the province's own draws (its trend, e.g.
:func:`simlib.models.trends.fit` on its series) and, in every draw and year,
solves for the location ``z`` such that the cohort-weighted combination of
the units equals the province::

    sum_u w(u, t) expit(z + b_u + c_u (t - t_ref)) = p_province(t)

so the province's fan is its own trend and the units are its parts (a
monotone one-dimensional equation, solved by safeguarded Newton steps to
1e-12). Units without any figure get ``b_u ~ N(0, tau^2)`` with ``tau``
drawn from its posterior: their values are the province's plus the
estimated spread, **not commune information** (``UnitsResult.information``).

Shares are fractions 0-1; effects and spreads are logit units.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg

from simlib.logit import expit, logit
from simlib.models.trends import _DEFAULT_BASIS_SD, _DEFAULT_FLAG_SD, TrendError

__all__ = ["HierarchyError", "DEFAULT_SPREAD_SCALE", "DEFAULT_SLOPE_SCALE", "DEFAULT_EFFECTIVE_N",
           "binomial_rows", "fit_units", "UnitsResult", "weighted_location", "INFORMATION"]

#: Scale of the half-normal prior on the between-unit spread tau (logit units); the lever file's judgement.
DEFAULT_SPREAD_SCALE = 0.35
#: Scale of the half-normal prior on the spread of unit paces (logit units per year).
DEFAULT_SLOPE_SCALE = 0.05
#: Graduates a share counts for when nothing gives its size (documented rule).
DEFAULT_EFFECTIVE_N = 100.0
#: Prior sd of the yearly province location (logit units): vague.
_LOCATION_SD = 10.0
#: What a unit's values rest on.
INFORMATION = ("own", "former_area", "not_commune_information")


class HierarchyError(TrendError):
    """The units' figures cannot be fitted as asked; the message says why."""


def _num(x) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return v


def binomial_rows(rows: pd.DataFrame, *, unit: str | None = None, size: Mapping[int, float] | None = None,
                  group: bool = False, group_weight: float = 1.0, spread_scale: float = DEFAULT_SPREAD_SCALE,
                  default_n: float = DEFAULT_EFFECTIVE_N) -> pd.DataFrame:
    """Observation rows as binomial figures ``k`` of ``n`` (effective), by the module's rules.

    Parameters
    ----------
    rows : DataFrame
        Observation-table rows of one unit and indicator: ``year`` and any of
        ``value_share``, ``low_share``, ``high_share``, ``se_share`` (fractions 0-1),
        ``numerator``, ``denominator`` (students), ``flags``, ``basis``, ``obs_id``.
    unit : str, optional
        The unit the figures are for (default: the rows' ``geography``).
    size : mapping year -> students, optional
        The unit's graduates per year, for shares reported without a size.
    group : bool
        True for a former area's figures (extra logit sd ``spread_scale``).
    group_weight : float
        Fraction (0-1) of the new unit's former communes that lay in that area:
        the effective sample is multiplied by it.
    default_n : float
        Graduates a share counts for when nothing gives its size.

    Returns
    -------
    DataFrame
        Columns unit, year, k, n (effective students, float), share, how, obs_id, group.
    """
    out = []
    size = dict(size or {})
    for r in rows.to_dict("records"):
        y = r.get("year")
        if y is None or pd.isna(y):
            continue
        y = int(y)
        num, den = _num(r.get("numerator")), _num(r.get("denominator"))
        v, se = _num(r.get("value_share")), _num(r.get("se_share"))
        lo, hi = _num(r.get("low_share")), _num(r.get("high_share"))
        var_extra = 0.0
        if np.isfinite(num) and np.isfinite(den) and den > 0:
            p, n, how = num / den, den, "numerator/denominator"
        elif np.isfinite(v) and np.isfinite(den) and den > 0:
            p, n, how = v, den, "share x denominator"
        elif np.isfinite(v) and np.isfinite(se) and se > 0 and 0 < v < 1:
            p, n, how = v, v * (1 - v) / se ** 2, "stated standard error"
        elif not np.isfinite(v) and np.isfinite(lo) and 0 < lo < 1:
            zlo = float(logit(lo))
            zhi = float(logit(hi)) if np.isfinite(hi) and 0 < hi < 1 else zlo + 0.4
            z = 0.5 * (zlo + zhi)
            p = float(expit(z))
            sd = max((zhi - zlo) / 4.0, 1e-3)
            n, how = 1.0 / (p * (1 - p) * sd ** 2), "range as +/-2 sd"
        elif np.isfinite(v) and 0 <= v <= 1:
            s = size.get(y, float("nan"))
            if np.isfinite(s) and s > 0:
                p, n, how = v, s, "share x the unit's graduates"
            else:
                p, n, how = v, default_n, f"share without a size: counted as {default_n:g} graduates"
        else:
            continue
        p = min(max(p, 0.0), 1.0)
        flags = {f.strip() for f in str(r.get("flags") or "").split(";") if f.strip()} if isinstance(
            r.get("flags"), str) else set()
        for fl in flags:
            var_extra += _DEFAULT_FLAG_SD.get(fl, 0.0) ** 2
        basis = r.get("basis")
        if isinstance(basis, str) and basis in _DEFAULT_BASIS_SD:
            var_extra += _DEFAULT_BASIS_SD[basis] ** 2
        if group:
            var_extra += spread_scale ** 2
        if var_extra > 0:
            pa = (p * n + 0.5) / (n + 1.0)  # keeps 0-of-n finite in the conversion
            n = 1.0 / (pa * (1 - pa) * (1.0 / (n * pa * (1 - pa)) + var_extra))
            how += f"; extra logit sd {math.sqrt(var_extra):.2f}"
        n *= float(group_weight) if group else 1.0
        out.append({"unit": unit if unit is not None else r.get("geography"), "year": y, "k": p * n, "n": n,
                    "share": p, "how": how, "obs_id": str(r.get("obs_id", "")), "group": bool(group)})
    return pd.DataFrame(out, columns=["unit", "year", "k", "n", "share", "how", "obs_id", "group"])


# ----------------------------------------------------------------------------
# Laplace fit at one grid point
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Design:
    ti: np.ndarray   # year index of each figure
    ui: np.ndarray   # unit index (among units with figures); U for a figure of the province (location only)
    dt: np.ndarray   # year - t_ref
    k: np.ndarray
    n: np.ndarray
    T: int
    U: int
    slopes: bool

    @property
    def m(self) -> int:
        return 2 if self.slopes else 1


@dataclass(frozen=True)
class _Mode:
    """The Laplace posterior at one grid point: location (T,), unit parameters (U, m) and the block factors."""

    alpha: np.ndarray
    beta: np.ndarray
    S_chol: np.ndarray    # (T, T) lower Cholesky of the location's marginal precision
    Dinv: np.ndarray      # (U, m, m) inverse unit blocks
    Dinv_chol: np.ndarray  # (U, m, m) lower Cholesky of Dinv
    B: np.ndarray         # (T, U, m) cross terms of the Hessian


def _eta(d: _Design, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    bp = np.vstack([beta, np.zeros((1, beta.shape[1]))])  # the province's figures have no unit effect
    e = alpha[d.ti] + bp[d.ui, 0]
    if d.slopes:
        e = e + bp[d.ui, 1] * d.dt
    return e


def _logpost(d: _Design, alpha, beta, prec_u) -> float:
    e = _eta(d, alpha, beta)
    ll = np.sum(d.k * e - d.n * np.logaddexp(0.0, e))
    return float(ll - 0.5 * np.sum(alpha ** 2) / _LOCATION_SD ** 2 - 0.5 * np.sum(prec_u[None, :] * beta ** 2))


def _blocks(d: _Design, alpha, beta, prec_u):
    """Gradient and Hessian blocks: g_a (T,), g_u (U, m), A (T,), D (U, m, m), B (T, U, m)."""
    e = _eta(d, alpha, beta)
    mu = expit(e)
    r = d.k - d.n * mu
    w = d.n * mu * (1.0 - mu)
    T, U, m = d.T, d.U, d.m
    g_a = np.bincount(d.ti, r, T) - alpha / _LOCATION_SD ** 2
    A = np.bincount(d.ti, w, T) + 1.0 / _LOCATION_SD ** 2
    V = U + 1  # slot U: the province's own figures
    cell = d.ti * V + d.ui
    g_u = np.empty((U, m))
    D = np.zeros((U, m, m))
    B = np.empty((T, U, m))
    g_u[:, 0] = np.bincount(d.ui, r, V)[:U]
    D[:, 0, 0] = np.bincount(d.ui, w, V)[:U]
    B[:, :, 0] = np.bincount(cell, w, T * V).reshape(T, V)[:, :U]
    if d.slopes:
        g_u[:, 1] = np.bincount(d.ui, r * d.dt, V)[:U]
        D[:, 1, 1] = np.bincount(d.ui, w * d.dt ** 2, V)[:U]
        D[:, 0, 1] = D[:, 1, 0] = np.bincount(d.ui, w * d.dt, V)[:U]
        B[:, :, 1] = np.bincount(cell, w * d.dt, T * V).reshape(T, V)[:, :U]
    g_u -= prec_u[None, :] * beta
    D[:, np.arange(m), np.arange(m)] += prec_u[None, :]
    return g_a, g_u, A, D, B


def _solve(A, D, B, g_a, g_u):
    """Newton step of the block system and its factors (Schur complement on the location)."""
    Dinv = np.linalg.inv(D)
    BD = np.einsum("tui,uij->tuj", B, Dinv)
    S = np.diag(A) - np.einsum("tuj,suj->ts", BD, B)
    S_chol = linalg.cholesky(S, lower=True)
    rhs = g_a - np.einsum("tuj,uj->t", BD, g_u)
    s_a = linalg.cho_solve((S_chol, True), rhs)
    s_u = np.einsum("uij,uj->ui", Dinv, g_u - np.einsum("tui,t->ui", B, s_a))
    return s_a, s_u, S_chol, Dinv


def _laplace(d: _Design, tau: float, tau_s: float, alpha0: np.ndarray, beta0: np.ndarray):
    """Mode and factors at (tau, tau_s), and the Laplace log marginal likelihood."""
    prec_u = np.array([1.0 / tau ** 2] + ([1.0 / tau_s ** 2] if d.slopes else []))
    alpha, beta = alpha0.copy(), beta0.copy()
    lp = _logpost(d, alpha, beta, prec_u)
    for _ in range(100):
        g_a, g_u, A, D, B = _blocks(d, alpha, beta, prec_u)
        s_a, s_u, _, _ = _solve(A, D, B, g_a, g_u)
        t = 1.0
        while True:
            ca, cb = alpha + t * s_a, beta + t * s_u
            lpc = _logpost(d, ca, cb, prec_u)
            if lpc >= lp - 1e-10 or t < 1e-6:
                break
            t *= 0.5
        step = max(np.max(np.abs(t * s_a), initial=0.0), np.max(np.abs(t * s_u), initial=0.0))
        alpha, beta, lp_old, lp = ca, cb, lp, lpc
        if step < 1e-8 or abs(lp - lp_old) < 1e-12:
            break
    g_a, g_u, A, D, B = _blocks(d, alpha, beta, prec_u)
    _, _, S_chol, Dinv = _solve(A, D, B, g_a, g_u)
    logdet = 2.0 * np.sum(np.log(np.diag(S_chol))) + float(np.sum(np.linalg.slogdet(D)[1]))
    norm = -d.U * math.log(tau) - (d.U * math.log(tau_s) if d.slopes else 0.0)
    lml = lp + norm - 0.5 * logdet
    mode = _Mode(alpha, beta, S_chol, Dinv, np.linalg.cholesky(Dinv), B)
    return mode, lml


def _halfnormal_logpdf(x: np.ndarray, scale: float) -> np.ndarray:
    return -0.5 * (x / scale) ** 2 - math.log(scale)


# ----------------------------------------------------------------------------
# The result
# ----------------------------------------------------------------------------
def weighted_location(province: np.ndarray, d: np.ndarray, w: np.ndarray, *, tol: float = 1e-12,
                      max_iter: int = 100) -> np.ndarray:
    """The location ``z`` with ``sum_u w_u expit(z + d_u) = province`` in every draw and year.

    Parameters
    ----------
    province : ndarray (n, years)
        The province's shares (fractions strictly inside 0-1).
    d : ndarray (n, units, years)
        Each unit's difference from the location (logit units).
    w : ndarray (units, years) or (units,)
        Cohort weights; normalised to sum to 1 over units in each year.

    Returns
    -------
    ndarray (n, years)
        Logit units.

    Notes
    -----
    A safeguarded Newton iteration in each (draw, year) cell, kept inside the
    bracket the signs of the residual close; a cell stops as soon as its
    residual is below ``tol`` (only the cells still off are iterated, so a
    few slow cells do not cost a pass over all of them).
    """
    w = np.asarray(w, dtype=float)
    if w.ndim == 1:
        w = w[:, None]
    w = w / w.sum(axis=0, keepdims=True)
    n, U, Y = d.shape
    wt = np.ascontiguousarray(np.broadcast_to(w, (U, Y)).T)          # (years, units)
    P = np.clip(np.asarray(province, dtype=float), 1e-12, 1 - 1e-12).reshape(-1)  # cells in (draw, year) order
    dc = np.ascontiguousarray(np.moveaxis(d, 1, 2)).reshape(n * Y, U)  # one row of unit differences per cell
    year = np.tile(np.arange(Y), n)
    zp = np.asarray(logit(P))
    lo = zp - dc.max(axis=1)
    hi = zp - dc.min(axis=1)
    z = np.clip(zp - np.einsum("nyu,yu->ny", dc.reshape(n, Y, U), wt).reshape(-1), lo, hi)
    act = None  # every cell
    for _ in range(max_iter):
        if act is None:
            za, Pa, lo_a, hi_a = z, P, lo, hi
            s = expit(za.reshape(n, Y, 1) + dc.reshape(n, Y, U))
            f = np.einsum("nyu,yu->ny", s, wt).reshape(-1) - Pa
        else:
            wa = wt[year[act]]
            za, Pa, lo_a, hi_a = z[act], P[act], lo[act], hi[act]
            s = expit(za[:, None] + dc[act])
            f = np.einsum("cu,cu->c", s, wa) - Pa
        go = np.abs(f) >= tol
        if not go.any():
            break
        if act is None:
            act = np.flatnonzero(go)
            s, wa = s.reshape(n * Y, U)[act], wt[year[act]]
        else:
            act, s, wa = act[go], s[go], wa[go]
        za, f, lo_a, hi_a = za[go], f[go], lo_a[go], hi_a[go]
        fp = np.einsum("cu,cu->c", s * (1.0 - s), wa)
        la = np.where(f < 0, za, lo_a)
        ha = np.where(f > 0, za, hi_a)
        with np.errstate(divide="ignore", invalid="ignore"):
            znew = za - f / fp
        bad = ~np.isfinite(znew) | (znew <= la) | (znew >= ha)
        z[act] = np.where(bad, 0.5 * (la + ha), znew)
        lo[act], hi[act] = la, ha
    return z.reshape(n, Y)


@dataclass(frozen=True, eq=False)
class UnitsResult:
    """The fitted partial-pooling model of a province's units (statsmodels-like shape).

    Attributes
    ----------
    units : tuple of str
        Every unit of the province, in the order of the draws.
    indicator : str
    years_fit : tuple of int
        Years with figures (the location's fixed effects).
    information : tuple of str
        Per unit: ``own`` (figures of its own), ``former_area`` (only a former
        area's figures) or ``not_commune_information``.
    n_figures, n_former : ndarray of int (units,)
        Own figures and former-area figures per unit.
    observed : ndarray (units,)
        Pooled observed share of the unit's own figures (NaN without).
    tau_grid, tau_slope_grid, post : ndarray (G,)
        Grid of (spread, slope spread) and its posterior weights.
    """

    units: tuple[str, ...]
    indicator: str
    years_fit: tuple[int, ...]
    information: tuple[str, ...]
    n_figures: np.ndarray
    n_former: np.ndarray
    observed: np.ndarray
    slopes: bool
    t_ref: float
    spread_scale: float
    slope_scale: float
    tau_grid: np.ndarray
    tau_slope_grid: np.ndarray
    post: np.ndarray
    modes: tuple = field(repr=False)           # one _Mode per grid point
    data_units: np.ndarray = field(repr=False)  # index into units of each unit with figures
    weights: np.ndarray | None = field(default=None, repr=False)
    figures: pd.DataFrame = field(default=None, repr=False)
    fixed_spread: bool = False

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def has_data(self) -> np.ndarray:
        return np.array([i != "not_commune_information" for i in self.information])

    def effects(self, n: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Draws of the unit effects ``b`` and paces ``c`` (n, units), logit units, and the location (n, years_fit)."""
        rng = np.random.default_rng(rng)
        n = int(n)
        g = rng.choice(len(self.post), size=n, p=self.post)
        U, T, Ud, m = self.n_units, len(self.years_fit), len(self.data_units), 2 if self.slopes else 1
        b = self.tau_grid[g][:, None] * rng.standard_normal((n, U))
        c = self.tau_slope_grid[g][:, None] * rng.standard_normal((n, U)) if self.slopes else np.zeros((n, U))
        loc = np.empty((n, T))
        if Ud == 0:
            return b, c, loc
        eps_a = rng.standard_normal((n, T))
        eps_u = rng.standard_normal((n, Ud, m))
        beta = np.empty((n, Ud, m))
        for gi in np.unique(g):
            sel = g == gi
            md = self.modes[gi]
            delta = linalg.solve_triangular(md.S_chol, eps_a[sel].T, lower=True, trans="T").T  # (k, T)
            loc[sel] = md.alpha + delta
            shift = np.einsum("uij,tuj,kt->kui", md.Dinv, md.B, delta)
            beta[sel] = md.beta[None] - shift + np.einsum("uij,kuj->kui", md.Dinv_chol, eps_u[sel])
        b[:, self.data_units] = beta[:, :, 0]
        if self.slopes:
            c[:, self.data_units] = beta[:, :, 1]
        return b, c, loc

    def sample(self, n: int, years: Sequence[int], rng, *, province: np.ndarray | None = None,
               weights: np.ndarray | None = None, scale: str = "share") -> np.ndarray:
        """Joint draws (n, units, years) of every unit's share (or logit).

        Parameters
        ----------
        n : int
        years : sequence of int
        rng : numpy.random.Generator or int
        province : ndarray (n, years), optional
            The province's share draws (fractions). Each draw's units then
            combine, weighted by ``weights``, to exactly this value. Without
            it the location is the fitted yearly effect (years with figures only).
        weights : ndarray (units,) or (units, years), optional
            Cohort weights (students or shares; normalised per year). Default: the fit's, else equal.
        scale : {"share", "logit"}
        """
        if scale not in ("share", "logit"):
            raise HierarchyError(f"scale must be 'share' or 'logit'; got {scale!r}")
        rng = np.random.default_rng(rng)
        yrs = np.asarray(list(years), dtype=float)
        b, c, loc = self.effects(n, rng)
        d = b[:, :, None] + c[:, :, None] * (yrs - self.t_ref)[None, None, :]
        if province is None:
            idx = []
            for y in yrs:
                if int(y) not in self.years_fit:
                    raise HierarchyError(f"year {int(y)} has no figure: give the province's draws "
                                         f"(province=...) to sample it; years with figures: {self.years_fit}")
                idx.append(self.years_fit.index(int(y)))
            z = loc[:, idx][:, None, :] + d
        else:
            province = np.asarray(province, dtype=float)
            if province.shape != (n, len(yrs)):
                raise HierarchyError(f"province draws must have shape {(n, len(yrs))}; got {province.shape}")
            w = weights if weights is not None else self.weights
            if w is None:
                w = np.ones(self.n_units)
            w = np.asarray(w, dtype=float)
            if w.shape[0] != self.n_units:
                raise HierarchyError(f"weights must have one row per unit ({self.n_units}); got {w.shape}")
            if not (np.isfinite(w).all() and (w >= 0).all() and (w.sum(axis=0) > 0).all()):
                raise HierarchyError("weights must be finite, non-negative and not all zero")
            z = weighted_location(province, d, w)[:, None, :] + d
        return z if scale == "logit" else expit(z)

    def spread_interval(self, alpha: float = 0.2) -> tuple[float, float, float]:
        """(median, lower, upper) of the between-unit spread tau's posterior, logit units."""
        taus = np.unique(self.tau_grid)
        pw = np.array([self.post[self.tau_grid == t].sum() for t in taus])
        cdf = np.cumsum(pw)
        q = [taus[min(np.searchsorted(cdf, x), len(taus) - 1)] for x in (0.5, alpha / 2, 1 - alpha / 2)]
        return float(q[0]), float(q[1]), float(q[2])

    def summary_frame(self, n: int = 4000, rng=0) -> pd.DataFrame:
        """One row per unit: information, figures, observed share, effect median and 80 % interval (logit).

        Columns unit, information, n_figures, n_former, observed, effect_median, effect_q0.1,
        effect_q0.9, shrinkage (1 - effect / raw difference from the pooled location; NaN without figures).
        """
        b, _, loc = self.effects(n, rng)
        q = np.quantile(b, [0.5, 0.1, 0.9], axis=0)
        raw = np.asarray(logit(np.clip(self.observed, 1e-4, 1 - 1e-4))) - float(np.median(loc)) \
            if loc.size else np.full(self.n_units, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            shrink = np.where(np.isfinite(self.observed) & (np.abs(raw) > 1e-9), 1.0 - q[0] / raw, np.nan)
        return pd.DataFrame({"unit": list(self.units), "information": list(self.information),
                             "n_figures": self.n_figures, "n_former": self.n_former, "observed": self.observed,
                             "effect_median": q[0], "effect_q0.1": q[1], "effect_q0.9": q[2],
                             "shrinkage": shrink})

    def summary(self) -> str:
        """Plain-language account of the fit."""
        med, lo, hi = self.spread_interval()
        own = sum(i == "own" for i in self.information)
        former = sum(i == "former_area" for i in self.information)
        none = self.n_units - own - former
        lines = [
            f"Partial pooling of {self.n_units} unit(s) for '{self.indicator}'"
            + (" with unit paces" if self.slopes else ""),
            f"  {own} unit(s) with figures of their own, {former} with a former area's figures only, "
            f"{none} without: their values are the province's plus the estimated spread, NOT commune information.",
            f"  Years with figures: {', '.join(map(str, self.years_fit)) or 'none'}.",
            ("  Between-unit spread tau fixed at " f"{med:.3f} logit." if self.fixed_spread else
             f"  Between-unit spread tau: median {med:.3f} logit, 80 % interval {lo:.3f}-{hi:.3f} "
             f"(half-normal prior, scale {self.spread_scale:g}: with few units the prior decides)."),
            "  Every draw's units combine, weighted by their cohorts, to the province's value.",
        ]
        if self.figures is not None and len(self.figures) and "how" in self.figures.columns:
            hows = self.figures["how"].str.split(";").str[0].value_counts()
            lines.append("  Figures read as: " + "; ".join(f"{k} ({v})" for k, v in hows.items()))
        return "\n".join(lines)


def _spread_grid(spread: float | None, spread_scale: float, slope_scale: float, slopes: bool,
                 n_grid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grid of (tau, pace spread) the posterior is computed on, with the log prior of each point (log grid:
    with its Jacobian); a fixed ``spread`` is a one-point grid for tau."""
    if spread is not None:
        if not spread > 0:
            raise HierarchyError("spread must be positive (logit units)")
        taus = np.array([float(spread)])
        logprior_t = np.zeros(1)
    else:
        taus = np.geomspace(0.01, max(3.0, 6 * spread_scale), n_grid // 2 if slopes else n_grid)
        logprior_t = _halfnormal_logpdf(taus, spread_scale) + np.log(taus)  # log grid: Jacobian
    if slopes:
        tss = np.geomspace(0.002, max(0.3, 6 * slope_scale), max(6, n_grid // 8))
        logprior_s = _halfnormal_logpdf(tss, slope_scale) + np.log(tss)
    else:
        tss, logprior_s = np.array([1.0]), np.zeros(1)
    grid_t, grid_s = np.meshgrid(taus, tss, indexing="ij")
    return grid_t.ravel(), grid_s.ravel(), (logprior_t[:, None] + logprior_s[None, :]).ravel()


def _figures_per_unit(f: pd.DataFrame, uidx: Mapping[str, int], province: str | None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit: its own figures, its former area's figures and its pooled observed share (k / n, NaN if none)."""
    n_fig = np.zeros(len(uidx), dtype=int)
    n_for = np.zeros(len(uidx), dtype=int)
    observed = np.full(len(uidx), np.nan)
    if len(f):
        own = f[~f["group"].astype(bool) & (f["unit"] != province)]
        for u, grp in own.groupby("unit"):
            n_fig[uidx[u]] = len(grp)
            observed[uidx[u]] = grp["k"].sum() / grp["n"].sum()
        for u, grp in f[f["group"].astype(bool) & (f["unit"] != province)].groupby("unit"):
            n_for[uidx[u]] = len(grp)
    return n_fig, n_for, observed


def fit_units(figures: pd.DataFrame, units: Sequence[str], *, indicator: str = "", weights=None,
              slopes: bool = False, spread_scale: float = DEFAULT_SPREAD_SCALE,
              slope_scale: float = DEFAULT_SLOPE_SCALE, spread: float | None = None,
              t_ref: float | None = None, n_grid: int = 60, province: str | None = None) -> UnitsResult:
    """Fit the partial-pooling model to binomial figures of a province's units.

    Parameters
    ----------
    figures : DataFrame
        From :func:`binomial_rows` (concatenated over units): unit, year, k, n
        (students, effective), and ``group`` (True for a former area's figures).
    units : sequence of str
        Every unit of the province (those without figures included).
    indicator : str
    weights : array (units,) or (units, years), optional
        Cohort weights kept for :meth:`UnitsResult.sample`.
    slopes : bool
        Add a pace per unit (``c_u``) with a half-normal prior of scale ``slope_scale`` on its spread.
    spread_scale : float
        Scale of the half-normal prior on tau (logit units).
    spread : float, optional
        Fix tau instead of learning it (hand-computed checks; a judgement otherwise).
    t_ref : float, optional
        Reference year of the paces (default: the mean year of the figures).
    province : str, optional
        Id under which ``figures`` may hold the province's own figures: they
        inform the yearly location only (no unit effect), which anchors years
        in which few units report (a former district's years). Use them only for
        years in which no unit has a figure of its own (else the units' figures
        count twice).
    n_grid : int
        Grid points for tau (with paces: half as many, times an eighth as many for the pace spread).

    Returns
    -------
    UnitsResult
    """
    units = tuple(units)
    if len(set(units)) != len(units):
        raise HierarchyError("a unit is listed twice")
    if spread_scale <= 0 or slope_scale <= 0:
        raise HierarchyError("spread_scale and slope_scale must be positive (logit units)")
    uidx = {u: i for i, u in enumerate(units)}
    f = figures.copy() if figures is not None else pd.DataFrame(columns=["unit", "year", "k", "n", "group"])
    if "group" not in f.columns:
        f["group"] = False
    unknown = sorted(set(f["unit"]) - set(uidx) - ({province} if province is not None else set()))
    if unknown:
        raise HierarchyError(f"figures for unit(s) not in the list: {', '.join(map(str, unknown[:5]))}")
    f = f[(f["n"].astype(float) > 0)].reset_index(drop=True)
    k = f["k"].to_numpy(dtype=float)
    nn = f["n"].to_numpy(dtype=float)
    if np.any(k < -1e-9) or np.any(k > nn + 1e-9):
        raise HierarchyError("a figure has k outside 0..n")
    years_fit = tuple(sorted(int(y) for y in pd.unique(f["year"])))
    data_units_names = [u for u in units if u in set(f["unit"])]
    data_units = np.array([uidx[u] for u in data_units_names], dtype=int)
    didx = {u: i for i, u in enumerate(data_units_names)}
    if province is not None:
        didx[province] = len(data_units_names)
    tr = float(np.mean(f["year"])) if t_ref is None and len(f) else float(t_ref or 0.0)
    d = _Design(ti=np.array([years_fit.index(int(y)) for y in f["year"]], dtype=int),
                ui=np.array([didx[u] for u in f["unit"]], dtype=int),
                dt=f["year"].to_numpy(dtype=float) - tr, k=np.clip(k, 0, nn), n=nn,
                T=len(years_fit), U=len(data_units_names), slopes=bool(slopes))
    grid_t, grid_s, lp_prior = _spread_grid(spread, spread_scale, slope_scale, slopes, n_grid)
    if len(f) == 0:
        modes = (None,) * len(grid_t)
        lml = np.zeros(len(grid_t))
    else:
        alpha0 = np.empty(d.T)
        for j in range(d.T):  # the location starts at each year's pooled share
            sel = d.ti == j
            pj = (d.k[sel].sum() + 0.5) / (d.n[sel].sum() + 1.0)
            alpha0[j] = math.log(pj / (1 - pj))
        beta0 = np.zeros((d.U, d.m))
        res: dict = {}
        for gi in np.lexsort((grid_s, grid_t)):  # warm starts along the grid
            mode, m_ = _laplace(d, float(grid_t[gi]), float(grid_s[gi]), alpha0, beta0)
            res[gi] = (mode, m_)
            alpha0, beta0 = mode.alpha, mode.beta
        modes = tuple(res[gi][0] for gi in range(len(grid_t)))
        lml = np.array([res[gi][1] for gi in range(len(grid_t))])
    lw = lml + lp_prior
    post = np.exp(lw - lw.max())
    post /= post.sum()
    n_fig, n_for, observed = _figures_per_unit(f, uidx, province)
    info = tuple("own" if n_fig[i] else ("former_area" if n_for[i] else "not_commune_information")
                 for i in range(len(units)))
    w = None if weights is None else np.asarray(weights, dtype=float)
    return UnitsResult(units, indicator, years_fit, info, n_fig, n_for, observed, bool(slopes), tr,
                       float(spread_scale), float(slope_scale), grid_t, grid_s, post, modes, data_units, w,
                       f, spread is not None)
