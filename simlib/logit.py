"""The logit scale, in one place: every model, pace and audit in simlib measures change on it.

``logit(p) = log(p / (1 - p))`` maps a share in (0, 1) to the real line, so a
forecast made on it can never leave (0, 1); ``expit`` is its inverse. Both
accept scalars or arrays (shares as fractions 0-1, not percent).
"""

from __future__ import annotations

from scipy import special

__all__ = ["logit", "expit", "logit_clipped"]


def logit(p):
    """log(p / (1 - p)) of a share ``p`` (fraction 0-1; 0 and 1 give -inf and +inf)."""
    return special.logit(p)


def expit(z):
    """Inverse of :func:`logit`: 1 / (1 + exp(-z)), a share (fraction 0-1)."""
    return special.expit(z)


def logit_clipped(p: float, eps: float = 1e-6) -> float:
    """:func:`logit` of ``p`` clipped to [eps, 1 - eps], for a gap that must stay finite (0 % or 100 % targets)."""
    return float(special.logit(min(max(float(p), eps), 1.0 - eps)))
