"""The error model: a Student-t on the log error of the remaining days, fitted per horizon and
per regime from the errors knowable at the decision.

A week's log error is ``eps = log(actual remaining / forecast remaining)`` at the same
decision time. For a target week, the past weeks whose whole week was public at the decision
are weighted by exponential forgetting and restricted to the target's regime (holiday weeks
with holiday weeks, ordinary with ordinary: holiday errors are about twice as wide), falling
back to all weeks while a regime has fewer than ``MIN_REGIME_WEEKS``. Location (the bias term,
optional) and scale are the weighted maximum-likelihood fit of a t with the given degrees of
freedom, by EM (iteratively reweighted: an outlying week counts less the heavier the tail).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

MIN_CALIBRATION_WEEKS = 5
MIN_REGIME_WEEKS = 10
EM_ITERATIONS = 100


@dataclass(frozen=True)
class TailFit:
    loc: np.ndarray
    scale: np.ndarray  # NaN where fewer than MIN_CALIBRATION_WEEKS weeks were eligible
    df: float


def regime_weights(
    weights: np.ndarray,
    residuals: np.ndarray,
    target_holiday: np.ndarray,
    pool_holiday: np.ndarray,
) -> np.ndarray:
    """``weights`` ((targets, pool)) kept only on pool weeks of each target's regime, unless
    that regime has fewer than MIN_REGIME_WEEKS eligible weeks with a residual (then all
    weeks count)."""
    same = target_holiday[:, None] == pool_holiday[None, :]
    usable = (weights > 0) & np.isfinite(residuals)[None, :]
    enough = (usable & same).sum(axis=1) >= MIN_REGIME_WEEKS
    return np.where(enough[:, None] & ~same, 0.0, weights)


def fit_student_t(
    residuals: np.ndarray,
    weights: np.ndarray,
    df: float,
    with_location: bool = False,
    loc: np.ndarray | None = None,
) -> TailFit:
    """Weighted ML scale of a t(df) for each row of ``weights`` over the pool ``residuals``
    (NaN residuals carry no weight), about a location that is fitted too (``with_location``),
    given (``loc``, one per row), or 0. EM until the scale moves less than 1e-8 relative."""
    columns = np.isfinite(residuals) & (weights > 0).any(axis=0)
    e, w = residuals[columns], weights[:, columns]
    total = w.sum(axis=1)
    enough = (w > 0).sum(axis=1) >= MIN_CALIBRATION_WEEKS
    safe_total = np.where(total > 0, total, 1.0)
    fit_location = with_location and loc is None
    if loc is None:
        loc = (w @ e) / safe_total if with_location else np.zeros(len(total))
    d2 = (e[None, :] - loc[:, None]) ** 2
    var = (w * d2).sum(axis=1) / safe_total
    for _ in range(EM_ITERATIONS):
        safe_var = np.where(var > 0, var, 1.0)
        u = w * ((df + 1.0) / (df + d2 / safe_var[:, None]))
        if fit_location:
            u_total = u.sum(axis=1)
            loc = (u @ e) / np.where(u_total > 0, u_total, 1.0)
            d2 = (e[None, :] - loc[:, None]) ** 2
        updated = (u * d2).sum(axis=1) / safe_total
        converged = np.all(np.abs(updated - var) <= 1e-8 * np.maximum(var, 1e-300))
        var = updated
        if converged:
            break
    scale = np.where(enough, np.sqrt(var), np.nan)
    return TailFit(loc=loc, scale=scale, df=df)


def t_log_density(eps: np.ndarray, loc: np.ndarray, scale: np.ndarray, df: float) -> np.ndarray:
    """Log density of a t(df, loc, scale) at ``eps`` (elementwise)."""
    z = (eps - loc) / scale
    return (
        special.gammaln((df + 1) / 2)
        - special.gammaln(df / 2)
        - 0.5 * np.log(df * np.pi)
        - np.log(scale)
        - (df + 1) / 2 * np.log1p(z**2 / df)
    )
