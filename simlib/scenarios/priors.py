"""Priors with their provenance, and the plausible ranges of lever settings.

A lever file gives every uncertain number as a prior (a distribution, its
``status``: ``evidence``, ``judgement`` or ``illustrative``, and its
``source``) and every setting a scenario may change with its unit, its
plausible range and its default. Draws come from named random streams
(:func:`child_rng`), so adding a lever never changes another's draws.

Examples
--------
>>> p = prior_from_spec({"dist": "uniform", "low": 0.2, "high": 0.4, "source": "x"}, "demo")
>>> p.describe(), round(p.quantile(0.5), 3)
('uniform(low=0.2, high=0.4)', 0.3)
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy import stats

from simlib.inputs.levers import lever_error

__all__ = ["Prior", "Setting", "STATUSES", "DISTRIBUTIONS", "child_rng", "prior_from_spec", "value_from_spec",
           "range_from_spec", "setting_from_spec"]

STATUSES = ("evidence", "judgement", "illustrative")
#: Distributions a prior may use, with their parameters.
DISTRIBUTIONS = {
    "normal": ("mean", "sd"), "lognormal": ("meanlog", "sdlog"), "beta": ("a", "b"),
    "uniform": ("low", "high"), "discrete_uniform": ("values",), "fixed": ("value",),
}
_DISTS = DISTRIBUTIONS


def child_rng(seed: int, name: str) -> np.random.Generator:
    """An independent random stream for a named component (stable across runs).

    Streams are keyed by name, so adding a lever does not change the draws of
    the others (common random numbers across scenarios).
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode("utf-8"))]))


# --------------------------------------------------------------------------
# priors
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Prior:
    """A prior distribution with its provenance.

    Parameters
    ----------
    dist : str
        One of ``normal``, ``lognormal``, ``beta``, ``uniform``,
        ``discrete_uniform``, ``fixed``.
    params : mapping
        The distribution's parameters (see the file header).
    lower, upper : float, optional
        Draws are clipped to [lower, upper].
    status, source : str
        Provenance: ``evidence``, ``judgement`` or ``illustrative``, and where
        the numbers come from.
    """

    dist: str
    params: Mapping[str, Any]
    lower: float | None = None
    upper: float | None = None
    status: str = "judgement"
    source: str = ""

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws (float array)."""
        p = self.params
        if self.dist == "normal":
            x = rng.normal(p["mean"], p["sd"], n)
        elif self.dist == "lognormal":
            x = rng.lognormal(p["meanlog"], p["sdlog"], n)
        elif self.dist == "beta":
            x = rng.beta(p["a"], p["b"], n)
        elif self.dist == "uniform":
            x = rng.uniform(p["low"], p["high"], n)
        elif self.dist == "discrete_uniform":
            x = rng.choice(np.asarray(p["values"], dtype=float), n)
        else:
            x = np.full(n, float(p["value"]))
        if self.lower is not None or self.upper is not None:
            x = np.clip(x, self.lower if self.lower is not None else -np.inf,
                        self.upper if self.upper is not None else np.inf)
        return x.astype(float)

    def quantile(self, q: float) -> float:
        """The q-quantile (before clipping is applied, then clipped); for tornado charts."""
        p = self.params
        if self.dist == "normal":
            x = stats.norm.ppf(q, p["mean"], p["sd"])
        elif self.dist == "lognormal":
            x = stats.lognorm.ppf(q, p["sdlog"], scale=math.exp(p["meanlog"]))
        elif self.dist == "beta":
            x = stats.beta.ppf(q, p["a"], p["b"])
        elif self.dist == "uniform":
            x = p["low"] + q * (p["high"] - p["low"])
        elif self.dist == "discrete_uniform":
            v = sorted(p["values"])
            x = v[min(len(v) - 1, int(q * len(v)))]
        else:
            x = p["value"]
        lo = self.lower if self.lower is not None else -np.inf
        hi = self.upper if self.upper is not None else np.inf
        return float(np.clip(x, lo, hi))

    def describe(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.params.items())
        clip = ""
        if self.lower is not None or self.upper is not None:
            clip = f" clipped to [{self.lower}, {self.upper}]"
        return f"{self.dist}({args}){clip}"


def prior_from_spec(spec: Any, where: str) -> Prior:
    if not isinstance(spec, Mapping) or "dist" not in spec:
        raise lever_error("lev_prior_dist", where=where, known=", ".join(_DISTS))
    dist = spec["dist"]
    if dist not in _DISTS:
        raise lever_error("lev_unknown_dist", where=where, v=repr(dist), known=", ".join(_DISTS))
    params = {}
    for name in _DISTS[dist]:
        if name not in spec:
            raise lever_error("lev_dist_param", where=where, dist=dist, name=name)
        params[name] = spec[name]
    try:
        if dist == "discrete_uniform":
            vals = [float(v) for v in params["values"]]
            if not vals:
                raise ValueError
        else:
            for k, v in params.items():
                params[k] = float(v)
    except (TypeError, ValueError):
        raise lever_error("lev_dist_numbers", where=where, dist=dist, v=dict(params)) from None
    bad = ((dist == "normal" and params["sd"] < 0) or (dist == "lognormal" and params["sdlog"] < 0)
           or (dist == "beta" and (params["a"] <= 0 or params["b"] <= 0))
           or (dist == "uniform" and params["high"] < params["low"]))
    if bad:
        raise lever_error("lev_dist_invalid", where=where, dist=dist, v=dict(params))
    status = spec.get("status", "judgement")
    if status not in STATUSES:
        raise lever_error("lev_status", where=where, known=", ".join(STATUSES), v=repr(status))
    if not str(spec.get("source", "")).strip():
        raise lever_error("lev_prior_source", where=where)
    lower, upper = spec.get("lower"), spec.get("upper")
    return Prior(dist, MappingProxyType(params), None if lower is None else float(lower),
                 None if upper is None else float(upper), status, str(spec["source"]))


def value_from_spec(spec: Any, where: str) -> tuple[float, str, str]:
    if not isinstance(spec, Mapping) or "value" not in spec:
        raise lever_error("lev_value_spec", where=where)
    try:
        v = float(spec["value"])
    except (TypeError, ValueError):
        raise lever_error("lev_value_number", where=where, v=repr(spec["value"])) from None
    status = spec.get("status", "illustrative")
    if status not in STATUSES:
        raise lever_error("lev_status", where=where, known=", ".join(STATUSES), v=repr(status))
    return v, status, str(spec.get("source", ""))


@dataclass(frozen=True)
class Setting:
    """A lever setting a scenario may change: unit, plausible range, default."""

    name: str
    unit: str
    min: float
    max: float
    default: float
    unit_vi: str = ""




def setting_from_spec(name: str, spec: Any, where: str) -> Setting:
    """A lever setting from the lever file: ``{unit, min, max, default}`` with min <= default <= max."""
    try:
        st = Setting(name, str(spec.get("unit", "")), float(spec["min"]), float(spec["max"]), float(spec["default"]),
                     str(spec.get("unit_vi", "")))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise lever_error("lev_setting", where=where) from None
    if not st.min <= st.default <= st.max:
        raise lever_error("lev_default_range", where=where, d=f"{st.default:g}", lo=f"{st.min:g}", hi=f"{st.max:g}")
    return st


def range_from_spec(spec: Any, where: str, *, default: float) -> Setting:
    """A scenario setting's plausible range from the lever file (quota and track sections)."""
    try:
        st = Setting(where.rsplit(".", 1)[-1], str(spec.get("unit", "")), float(spec["min"]), float(spec["max"]),
                     default, str(spec.get("unit_vi", "")))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise lever_error("lev_range", where=where) from None
    if not spec.get("source"):
        raise lever_error("lev_range_source", where=where)
    return st
