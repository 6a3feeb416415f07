"""Random walk with drift on the logit scale, pooled over a panel of units.

The model behind ``trends.fit(..., method="rw_drift")`` (simlib's default
trend). All quantities are on the logit scale, ``z = log(p / (1 - p))`` of a
share ``p`` (fraction 0-1); times are in years; drifts in logit units per
year.

Model
-----
For unit ``u`` (a province, a district) the latent logit share follows a
random walk whose drift is the unit's own and may itself change slowly (a
Bayesian local linear trend)::

    dz_u(t) = b_u(t) dt + q dW(t)
    b_u(t)  = mu + d_u + w V(t - t_u0),        d_u ~ N(0, tau^2)
    y_ui    = z_u(t_ui) + e_ui,                e_ui ~ N(0, r^2 + s_ui^2 [+ a^2])

with ``W``, ``V`` independent Brownian motions and ``t_u0`` the unit's first
figure.

* ``q`` (``step``): sd of the random-walk step per sqrt(year) -- how much a
  unit wanders away from its own trend line;
* ``r`` (``noise``): sd of a year's reported figure around the unit's path
  (irregular movements that do not persist, rounding, survey noise);
* ``mu`` (``drift``): the panel's common drift; ``tau`` (``spread``): how far
  units' drifts differ from it;
* ``w`` (``change``): how fast a unit's drift itself changes, logit units per
  year per sqrt(year) (``w = 0`` is a random walk with a constant drift);
* ``s_ui``: what is known about figure ``i`` itself (a range's width, a
  stated standard error, a flag, another definition; see
  :mod:`simlib.models.trends`); ``a`` (``approx``): the extra sd of figures
  flagged ``approximate``, learned when the panel has any;
* the level of each unit has a flat prior (any starting level is equally
  plausible); nothing about one unit's level is borrowed from another.

Fitting (exact, no sampling)
----------------------------
Given ``theta = (q, r, tau, w, a)`` the model is linear and Gaussian: a
unit's figures, at ``x`` years after its first, are Gaussian around
``a_u + mu x`` with covariance
``C = tau^2 x x' + q^2 min(x_i, x_j) + w^2 K(x_i, x_j) + diag(r^2 + s^2 [+ a^2])``,
``K`` the covariance of integrated Brownian motion,
``K(x, y) = m^2 (3 M - m) / 6`` (``m = min``, ``M = max``). The flat level
``a_u`` is integrated out exactly (restricted likelihood), and so is ``mu``
(Normal prior, conjugate). The marginal likelihood of the whole panel is
evaluated at points ``theta``; with the hyper-prior it gives their posterior
weights. The points are found in two stages: a coarse log-spaced product grid
of ``(q, r, tau)`` (``w`` and ``a`` at their prior medians), then grids laid
along the principal axes of the posterior of ``log theta`` (the grid strategy
of INLA, Rue, Martino & Chopin 2009, J. R. Stat. Soc. B 71(2)), whose weights
are the exact posterior densities. Every forecast is the posterior-weighted
mixture over these points, each component carrying the uncertainty of the
unit's level, of its drift (its own data plus the panel's ``mu`` with its
posterior uncertainty) and of the future path: hyper-parameter uncertainty
and parameter uncertainty are both carried.

With a rich panel the data decide ``theta`` and ``mu``; with a thin one (a
single province with two figures) the hyper-prior decides, and the forecast
says so. The hyper-prior is :class:`WalkPrior`; simlib derives it from the
national THCS->vocational history (:func:`simlib.models.trends.walk_prior`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["PARAMETERS", "WalkPrior", "WalkFit", "UnitData", "fit_walk"]

_LOG2PI = math.log(2.0 * math.pi)

#: Hyper-parameters, in the column order of :attr:`WalkFit.theta`.
PARAMETERS = ("step", "noise", "spread", "change", "approx")
_STEP, _NOISE, _SPREAD, _CHANGE, _APPROX = range(5)
# mean and sd of log|X| for X ~ N(0, s^2): log s - (gamma + log 2) / 2 and pi / sqrt(8)
_HN_LOG_SHIFT = -(0.5772156649015329 + math.log(2.0)) / 2
_HN_LOG_SD = math.pi / math.sqrt(8.0)


@dataclass(frozen=True)
class WalkPrior:
    """Hyper-prior of the random walk with drift (logit units).

    The scale parameters have half-normal priors (light upper tails, the
    usual choice for variance parameters of hierarchical models); with scale
    ``s`` the prior mean of the squared parameter is ``s^2``.

    Parameters
    ----------
    drift_mean, drift_sd : float
        Normal prior of the common drift ``mu``, logit units per year.
    step_scale : float
        Half-normal scale of the random-walk step sd ``q`` (logit per sqrt(year)).
    noise_scale : float
        Half-normal scale of the irregular sd ``r`` (logit units).
    spread_scale : float
        Half-normal scale of the between-unit drift sd ``tau`` (logit per year).
    change_scale : float
        Half-normal scale of the drift-change sd ``w`` (logit per year per
        sqrt(year)).
    approx_scale : float
        Half-normal scale of the extra sd ``a`` of figures flagged
        ``approximate`` (logit units); learned only when the panel has such
        figures, otherwise fixed at this value.
    bounds : tuple of (low, high)
        Range of each parameter in :data:`PARAMETERS` order; the posterior is
        computed inside it.
    coarse : tuple of int
        Points of the first-stage log-spaced grid of ``q``, ``r``, ``tau``.
    """

    drift_mean: float = 0.0
    drift_sd: float = 0.2
    step_scale: float = 0.3
    noise_scale: float = 0.15
    spread_scale: float = 0.1
    change_scale: float = 0.03
    approx_scale: float = 0.15
    bounds: tuple[tuple[float, float], ...] = ((0.004, 2.0), (0.004, 1.5), (0.002, 0.8), (0.001, 0.3),
                                               (0.004, 0.8))
    coarse: tuple[int, int, int] = (10, 9, 8)

    @property
    def scales(self) -> np.ndarray:
        return np.array([self.step_scale, self.noise_scale, self.spread_scale, self.change_scale,
                         self.approx_scale], float)

    def log_density(self, theta: np.ndarray, free: Sequence[int]) -> np.ndarray:
        """Log prior density of ``log theta`` over the free parameters (up to a constant).

        A half-normal density in ``x`` with scale ``s`` is, in ``log x``,
        ``log x - x^2 / (2 s^2)`` (the Jacobian ``x``).
        """
        x = theta[:, list(free)]
        s = self.scales[list(free)]
        return (np.log(x) - 0.5 * (x / s) ** 2).sum(axis=1)


@dataclass(frozen=True)
class UnitData:
    """One unit's observations on the logit scale.

    ``t`` times (years), ``y`` centres, ``s`` known sds (without the
    ``approximate`` flag's share), ``approx`` True for figures flagged
    ``approximate`` (their extra sd ``a`` is learned).
    """

    t: np.ndarray
    y: np.ndarray
    s: np.ndarray
    approx: np.ndarray

    @classmethod
    def make(cls, t, y, s, approx=None) -> "UnitData":
        t, y, s = (np.asarray(v, float) for v in (t, y, s))
        a = np.zeros(len(t), bool) if approx is None else np.asarray(approx, bool)
        o = np.argsort(t, kind="stable")
        return cls(t[o], y[o], s[o], a[o])


def _bm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Covariance of a two-sided standard Brownian motion pinned at 0: min(|a|,|b|) on the same side."""
    a = a[:, None]
    b = b[None, :]
    same = (a * b) > 0
    return np.where(same, np.minimum(np.abs(a), np.abs(b)), 0.0)


def _ibm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Covariance of two-sided integrated Brownian motion pinned at 0: m^2 (3 M - m) / 6 on the same side."""
    a = a[:, None]
    b = b[None, :]
    same = (a * b) > 0
    m = np.minimum(np.abs(a), np.abs(b))
    M = np.maximum(np.abs(a), np.abs(b))
    return np.where(same, m * m * (3.0 * M - m) / 6.0, 0.0)


def _bm_ibm(s: float, x: np.ndarray) -> np.ndarray:
    """Cov(V(s), integral_0^x V) for a standard Brownian motion V, s >= 0, x >= 0."""
    x = np.asarray(x, float)
    return np.where(x <= s, x * x / 2.0, s * x - s * s / 2.0)


@dataclass(eq=False)
class _UnitGrid:
    """Per-unit quantities at the posterior points."""

    data: UnitData
    x: np.ndarray          # (n,) years since the first observation
    L: np.ndarray          # (G, n, n) Cholesky factors of C (shared by units with the same pattern)
    Z: np.ndarray          # (G, n, 3) L^-1 [1, x, y]
    g11: np.ndarray        # (G,) 1'C^-1 1
    a_y: np.ndarray        # (G,) GLS level from y
    a_x: np.ndarray        # (G,) GLS level from x


@dataclass(eq=False)
class WalkFit:
    """Posterior of the panel model (see the module docstring).

    Attributes
    ----------
    prior : WalkPrior
    theta : numpy.ndarray
        ``(G, 5)`` posterior points of ``(q, r, tau, w, a)`` (:data:`PARAMETERS`).
    weights : numpy.ndarray
        Their posterior weights (sum to 1).
    mu_mean, mu_sd : numpy.ndarray
        Posterior of the common drift at each point.
    n_units, n_obs : int
        Units and observations the panel fit used.
    learned_approx : bool
        Whether the panel had ``approximate`` figures (``a`` learned).
    """

    prior: WalkPrior
    theta: np.ndarray
    weights: np.ndarray
    mu_mean: np.ndarray
    mu_sd: np.ndarray
    n_units: int
    n_obs: int
    learned_approx: bool = False
    units: dict = field(default_factory=dict, repr=False)

    @property
    def step(self) -> np.ndarray:
        return self.theta[:, _STEP]

    @property
    def noise(self) -> np.ndarray:
        return self.theta[:, _NOISE]

    @property
    def spread(self) -> np.ndarray:
        return self.theta[:, _SPREAD]

    @property
    def change(self) -> np.ndarray:
        return self.theta[:, _CHANGE]

    @property
    def approx(self) -> np.ndarray:
        return self.theta[:, _APPROX]

    # -- hyper-parameter summaries --------------------------------------------
    def hyper_quantiles(self, probs: Sequence[float] = (0.1, 0.5, 0.9)) -> dict[str, tuple[float, ...]]:
        """Posterior quantiles of every parameter in :data:`PARAMETERS` and of ``drift`` (mu)."""
        out = {}
        for j, name in enumerate(PARAMETERS):
            v = self.theta[:, j]
            o = np.argsort(v, kind="stable")
            cw = np.cumsum(self.weights[o])
            out[name] = tuple(float(v[o][min(int(np.searchsorted(cw, p)), len(v) - 1)]) for p in probs)
        out["drift"] = tuple(_mix_quantile(self.weights, self.mu_mean, self.mu_sd, probs))
        return out

    # -- predictions ----------------------------------------------------------
    def _unit(self, unit: str) -> _UnitGrid:
        try:
            return self.units[unit]
        except KeyError:
            raise KeyError(f"unit {unit!r} is not in the panel fit") from None

    def _target(self, ug: _UnitGrid, cstar: np.ndarray, f: np.ndarray, g: np.ndarray, V: np.ndarray):
        """Mixture components of a Gaussian target given the unit's data.

        ``cstar`` (G, n, k): covariance of the target's random part with the
        data's; ``f`` (k,): loading on the flat level; ``g`` (k,): loading on
        the common drift ``mu``; ``V`` (G, k, k): prior covariance of the
        target's random part. Returns means (G, k) and covariances (G, k, k).
        """
        W = np.linalg.solve(ug.L, cstar)                    # (G, n, k) = L^-1 c*
        cz = np.einsum("gnk,gnj->gkj", W, ug.Z)             # c*'C^-1 [1, x, y] -> (G, k, 3)
        c1, cx, cy = cz[..., 0], cz[..., 1], cz[..., 2]
        alpha = f[None, :] * ug.a_y[:, None] + cy - c1 * ug.a_y[:, None]
        gamma = g[None, :] - f[None, :] * ug.a_x[:, None] - cx + c1 * ug.a_x[:, None]
        u = f[None, :] - c1
        cov = (V - np.einsum("gnk,gnj->gkj", W, W)
               + u[:, :, None] * u[:, None, :] / ug.g11[:, None, None]
               + gamma[:, :, None] * gamma[:, None, :] * (self.mu_sd**2)[:, None, None])
        mean = alpha + gamma * self.mu_mean[:, None]
        return mean, cov

    def predictive(self, unit: str, times, extra_sd=None, approx=None, *, noise: bool = True):
        """Joint predictive of future (or past) reported values of ``unit``.

        Parameters
        ----------
        unit : str
        times : array_like
            Years (floats allowed).
        extra_sd : array_like, optional
            Known extra sd of each predicted figure (logit units), added in
            quadrature to the irregular noise.
        approx : array_like of bool, optional
            Predicted figures flagged ``approximate``: the extra sd ``a`` is
            added (per posterior point).
        noise : bool
            Include the irregular term ``r`` (a reported value); False gives
            the latent path.

        Returns
        -------
        (weights (G,), means (G, k), covariances (G, k, k))
        """
        ug = self._unit(unit)
        T = np.atleast_1d(np.asarray(times, float))
        xs = T - ug.data.t[0]
        k = len(T)
        q2, r2, t2, w2 = (self.theta[:, j] ** 2 for j in (_STEP, _NOISE, _SPREAD, _CHANGE))
        cstar = (t2[:, None, None] * (ug.x[:, None] * xs[None, :])[None]
                 + q2[:, None, None] * _bm(ug.x, xs)[None]
                 + w2[:, None, None] * _ibm(ug.x, xs)[None])
        V = (t2[:, None, None] * np.outer(xs, xs)[None] + q2[:, None, None] * _bm(xs, xs)[None]
             + w2[:, None, None] * _ibm(xs, xs)[None])
        if noise:
            V = V + r2[:, None, None] * np.eye(k)[None]
        if extra_sd is not None:
            V = V + np.diag(np.broadcast_to(np.asarray(extra_sd, float), (k,)) ** 2)[None]
        if approx is not None:
            m = np.broadcast_to(np.asarray(approx, bool), (k,)).astype(float)
            V = V + (self.approx**2)[:, None, None] * np.diag(m)[None]
        mean, cov = self._target(ug, cstar, np.ones(k), xs, V)
        return self.weights, mean, cov

    def drift(self, unit: str, at: float | None = None):
        """Posterior of the unit's drift ``b_u(at)`` as a mixture: (weights, means, sds).

        ``at`` (year) defaults to the unit's last figure: the pace it moves
        at now.
        """
        ug = self._unit(unit)
        s = float((ug.data.t.max() if at is None else at) - ug.data.t[0])
        if s < 0:
            raise ValueError("drift(at=...) must not be before the unit's first figure")
        t2, w2 = self.spread**2, self.change**2
        cstar = (t2[:, None] * ug.x[None, :] + w2[:, None] * _bm_ibm(s, ug.x)[None, :])[:, :, None]
        V = (t2 + w2 * s)[:, None, None]
        mean, cov = self._target(ug, cstar, np.zeros(1), np.ones(1), V)
        return self.weights, mean[:, 0], np.sqrt(np.maximum(cov[:, 0, 0], 1e-18))


def _mix_quantile(w, m, s, probs):
    """Quantiles of the Gaussian mixture sum_g w_g N(m_g, s_g^2) by bisection."""
    from scipy import special

    lo, hi = float(np.min(m - 9 * s)), float(np.max(m + 9 * s))
    out = []
    for p in probs:
        a, b = lo, hi
        for _ in range(60):
            mid = 0.5 * (a + b)
            if float(w @ special.ndtr((mid - m) / s)) < p:
                a = mid
            else:
                b = mid
        out.append(0.5 * (a + b))
    return out


def _pattern_terms(x, s, approx, Y, theta):
    """Cholesky factors and restricted log-likelihood pieces of the units sharing one pattern.

    ``x`` (n,) years since the first figure, ``s`` known sds, ``approx``
    flags, ``Y`` (n, k) the k units' centres, ``theta`` (G, 5). Returns the
    shared (L, Z, g11, g1x, gxx, logdet) and the per-unit (g1y, gxy, gyy)
    arrays, (G,) or (G, k).
    """
    n = len(x)
    q, r, tau, w, a = (theta[:, j] for j in range(5))
    diag = r[:, None] ** 2 + s[None, :] ** 2 + (a[:, None] ** 2) * approx[None, :]
    C = ((tau**2)[:, None, None] * np.outer(x, x)[None]
         + (q**2)[:, None, None] * np.minimum.outer(x, x)[None]
         + (w**2)[:, None, None] * _ibm(x, x)[None]
         + diag[:, :, None] * np.eye(n)[None])
    L = np.linalg.cholesky(C)
    B = np.concatenate([np.ones((n, 1)), x[:, None], Y], axis=1)  # (n, 2 + k)
    Z = np.linalg.solve(L, np.broadcast_to(B, (len(theta),) + B.shape))
    logdet = 2.0 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)
    z1, zx, zy = Z[:, :, 0], Z[:, :, 1], Z[:, :, 2:]
    g11 = np.einsum("gn,gn->g", z1, z1)
    g1x = np.einsum("gn,gn->g", z1, zx)
    gxx = np.einsum("gn,gn->g", zx, zx)
    g1y = np.einsum("gn,gnk->gk", z1, zy)
    gxy = np.einsum("gn,gnk->gk", zx, zy)
    gyy = np.einsum("gnk,gnk->gk", zy, zy)
    return L, Z, g11, g1x, gxx, logdet, g1y, gxy, gyy


def _group(units: Mapping[str, UnitData]):
    """Units grouped by observation pattern (relative times, known sds, flags), which fixes C."""
    groups: dict = {}
    for name, d in units.items():
        x = d.t - d.t[0]
        key = (tuple(np.round(x, 9)), tuple(np.round(d.s, 12)), tuple(d.approx))
        groups.setdefault(key, []).append(name)
    return groups


def _loglik(units, groups, prior, theta, *, keep_terms=False):
    """Log marginal likelihood at each point (mu integrated), the common drift's posterior, unit terms."""
    Asum = np.zeros(len(theta))
    Bsum = np.zeros(len(theta))
    ll = np.zeros(len(theta))
    terms = {}
    for key, names in groups.items():
        x = np.array(key[0])
        s = np.array(key[1])
        ap = np.array(key[2], float)
        Y = np.stack([units[nm].y for nm in names], axis=1)
        L, Z, g11, g1x, gxx, logdet, g1y, gxy, gyy = _pattern_terms(x, s, ap, Y, theta)
        n = len(x)
        Au = gxx - g1x**2 / g11                                 # (G,)
        Bu = gxy - (g1x / g11)[:, None] * g1y                   # (G, k)
        Qf = gyy - g1y**2 / g11[:, None]
        Asum += Au * len(names)
        Bsum += Bu.sum(axis=1)
        ll += -0.5 * ((n - 1) * _LOG2PI + logdet + np.log(g11)) * len(names) - 0.5 * Qf.sum(axis=1)
        if keep_terms:
            for j, nm in enumerate(names):
                Zu = np.concatenate([Z[:, :, :2], Z[:, :, 2 + j:3 + j]], axis=2)
                terms[nm] = (x, L, Zu, g11, g1x / g11, g1y[:, j] / g11)
    p0 = 1.0 / prior.drift_sd**2
    prec = Asum + p0
    mean = (Bsum + prior.drift_mean * p0) / prec
    # integrate mu ~ N(m0, s0^2) against exp(-A mu^2 / 2 + B mu)
    ll = ll - 0.5 * np.log1p(Asum / p0) + 0.5 * prec * mean**2 - 0.5 * p0 * prior.drift_mean**2
    return ll, mean, prec, terms


def _weights(logw: np.ndarray) -> np.ndarray:
    w = np.exp(logw - logw.max())
    return w / w.sum()


def _coarse_grid(prior: WalkPrior, free):
    """Starting grid: log-spaced product grid of q, r, tau; w and a at their prior medians."""
    axes = [np.geomspace(*prior.bounds[j], n) for j, n in zip((_STEP, _NOISE, _SPREAD), prior.coarse)]
    mesh = [m.ravel() for m in np.meshgrid(*axes, indexing="ij")]
    theta = np.empty((len(mesh[0]), 5))
    theta[:, 0], theta[:, 1], theta[:, 2] = mesh
    med = 0.6745 * prior.scales  # median of a half-normal
    for j in (_CHANGE, _APPROX):
        lo, hi = prior.bounds[j]
        theta[:, j] = min(max(med[j], lo), hi) if (j in free or j == _CHANGE) else prior.approx_scale
    return theta


class _LogPost:
    """Log posterior density of the free log hyper-parameters, vectorised over points (rows)."""

    def __init__(self, units, groups, prior, free, base):
        self.units, self.groups, self.prior, self.free, self.base = units, groups, prior, list(free), base

    def theta(self, lt: np.ndarray) -> np.ndarray:
        lt = np.atleast_2d(lt)
        th = np.repeat(self.base[None, :], len(lt), axis=0)
        th[:, self.free] = np.exp(lt)
        return th

    def __call__(self, lt: np.ndarray) -> np.ndarray:
        th = self.theta(lt)
        return _loglik(self.units, self.groups, self.prior, th)[0] + self.prior.log_density(th, self.free)


def _mode_and_hessian(f: _LogPost, start: np.ndarray, lo, hi, h: float = 1e-4, h2: float = 0.02):
    """Posterior mode of the log hyper-parameters (L-BFGS-B) and the Hessian there (central differences)."""
    from scipy import optimize

    d = len(start)
    eye = np.eye(d)

    def fun(v):
        pts = np.vstack([v, v + h * eye, v - h * eye])
        vals = f(pts)
        return -float(vals[0]), -(vals[1:d + 1] - vals[d + 1:]) / (2 * h)

    res = optimize.minimize(fun, start, jac=True, method="L-BFGS-B", bounds=list(zip(lo, hi)),
                            options={"maxiter": 200, "ftol": 1e-10, "gtol": 1e-6})
    m = np.asarray(res.x, float)
    pts = [m]
    for i in range(d):
        pts += [m + h2 * eye[i], m - h2 * eye[i]]
    pairs = [(i, j) for i in range(d) for j in range(i + 1, d)]
    for i, j in pairs:
        for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            pts.append(m + h2 * (si * eye[i] + sj * eye[j]))
    vals = f(np.vstack(pts))
    f0 = vals[0]
    H = np.zeros((d, d))
    for i in range(d):
        H[i, i] = (vals[1 + 2 * i] - 2 * f0 + vals[2 + 2 * i]) / h2**2
    k = 1 + 2 * d
    for i, j in pairs:
        pp, pm, mp, mm = vals[k:k + 4]
        H[i, j] = H[j, i] = (pp - pm - mp + mm) / (4 * h2**2)
        k += 4
    return m, H, float(f0)


def _principal_points(f: _LogPost, m, H, f0, lo, hi, z_n: int, z_max: float = 3.0):
    """Points along the principal axes of the posterior at its mode, stretched per side (INLA's grid).

    ``S = (-H)^-1`` (eigenvalues floored so no sd exceeds 2 log units);
    along each principal axis ``v_i`` (sd ``s_i``) and side, the stretch
    ``c`` makes the log density at ``m +/- 2 c s_i v_i`` fall by 2 below
    the mode, as a Gaussian's does at 2 sd (bounded to [0.5, 3]). Points
    ``m + sum_i c_i(sign z_i) z_i s_i v_i`` for ``z`` on a product grid of
    ``z_n`` values in ``[-z_max, z_max]``; points outside the bounds are
    dropped. Returns the points (log units) and the log of their volume
    elements (the product of the stretches used).
    """
    d = len(m)
    lam, V = np.linalg.eigh(-H)
    lam = np.maximum(lam, 0.25)  # sd at most 2 log units along any axis
    sd = 1.0 / np.sqrt(lam)
    probe = []
    for i in range(d):
        for sign in (1.0, -1.0):
            probe.append(m + sign * 2.0 * sd[i] * V[:, i])
    drops = f0 - f(np.vstack(probe))
    stretch = np.empty((d, 2))
    for i in range(d):
        for k, sign in enumerate((1.0, -1.0)):
            drop = drops[2 * i + k]
            stretch[i, k] = np.clip(math.sqrt(2.0 / drop), 0.5, 3.0) if drop > 1e-9 else 3.0
    zs = np.linspace(-z_max, z_max, z_n)
    Z = np.stack([g.ravel() for g in np.meshgrid(*([zs] * d), indexing="ij")], axis=1)
    C = np.where(Z >= 0, stretch[:, 0][None, :], stretch[:, 1][None, :])
    pts = m + (Z * C * sd[None, :]) @ V.T
    inside = np.all((pts >= lo) & (pts <= hi), axis=1)
    if not inside.any():  # pragma: no cover - the mode is inside the bounds, so its own point is
        return np.clip(pts, lo, hi), np.log(C).sum(axis=1)
    return pts[inside], np.log(C[inside]).sum(axis=1)


def fit_walk(units: Mapping[str, UnitData], prior: WalkPrior, *, keep_mass: float = 0.9999,
             passes: int = 2, z_n: int | None = None) -> WalkFit:
    """Fit the pooled random walk with drift to a panel (see the module docstring).

    Parameters
    ----------
    units : mapping str -> UnitData
        Each unit's observations (logit centres, known sds; at least one each).
    prior : WalkPrior
    keep_mass : float
        Points are kept, heaviest first, until this much posterior weight is
        covered (the rest is dropped and the weights renormalised).
    passes : int
        1: the coarse grid of ``(q, r, tau)`` only (``w``, ``a`` at their
        prior medians). 2 (default): the posterior mode of all free log
        hyper-parameters is found (L-BFGS-B from the best coarse point), and
        the posterior is evaluated on a grid along the principal axes of the
        Hessian there, stretched on each side to the posterior's own decline
        (the grid strategy of INLA).
    z_n : int, optional
        Points per principal axis over +/- 3 posterior sds (default 6 for
        four free parameters, 5 for five).

    Returns
    -------
    WalkFit
    """
    if not units:
        raise ValueError("fit_walk needs at least one unit with an observation")
    learn_a = any(bool(d.approx.any()) for d in units.values())
    free = [_STEP, _NOISE, _SPREAD, _CHANGE] + ([_APPROX] if learn_a else [])
    free = [j for j in free if prior.bounds[j][0] < prior.bounds[j][1]]  # a point range fixes it
    groups = _group(units)
    theta = _coarse_grid(prior, free)
    if passes > 1:
        f = _LogPost(units, groups, prior, free, theta[0])
        lo = np.log([prior.bounds[j][0] for j in free])
        hi = np.log([prior.bounds[j][1] for j in free])
        start = np.log(theta[np.argmax(f(np.log(theta[:, free])))][free])
        m, H, f0 = _mode_and_hessian(f, start, lo, hi)
        lt, log_vol = _principal_points(f, m, H, f0, lo, hi, z_n or (6 if len(free) <= 4 else 5))
        theta = f.theta(lt)
    else:
        log_vol = np.zeros(len(theta))
    ll, mean, prec, terms = _loglik(units, groups, prior, theta, keep_terms=True)
    w = _weights(ll + prior.log_density(theta, [f for f in free if np.ptp(theta[:, f]) > 0]) + log_vol)
    order = np.argsort(-w, kind="stable")
    cum = np.cumsum(w[order])
    keep = np.sort(order[: int(np.searchsorted(cum, keep_mass)) + 1])
    wk = w[keep] / w[keep].sum()
    out_units = {}
    for name, (x, L, Z, g11, ax_, ay) in terms.items():
        out_units[name] = _UnitGrid(units[name], x, L[keep], Z[keep], g11[keep], ay[keep], ax_[keep])
    return WalkFit(prior, theta[keep], wk, mean[keep], 1.0 / np.sqrt(prec[keep]),
                   len(units), int(sum(len(d.t) for d in units.values())), learn_a, out_units)
