"""EMOS calibration of a daily-high forecast: N(a + b·m, c + d·s) fitted by minimum CRPS.

Ensemble model output statistics (Gneiting et al., 2005): the forecast mean ``m`` and spread
``s`` are mapped to a normal predictive distribution whose coefficients minimise the mean
continuous ranked probability score over a rolling window of past forecast–observation pairs.
NBM's spread is known to be too narrow, so ``d`` may exceed 1 and ``c`` adds spread the model
does not see. A forecast without spread (the shipped day-ahead NBM history) fits ``a, b, c``
with ``d = 0``. CRPS of a normal has a closed form and an analytic gradient, so a fit is a
few milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2 * math.pi)
MIN_SIGMA = 0.5
"""°F. A predictive sd below half a degree would price a 2-degree bin at certainty."""
CENTRAL_LEVEL = 0.8
"""PIT coverage is the share of outcomes inside the central 80 % interval (ideal 0.8)."""


@dataclass(frozen=True)
class EmosCoefficients:
    a: float
    b: float
    c: float
    d: float = 0.0

    def mean(self, m: ArrayLike) -> np.ndarray:
        return self.a + self.b * np.asarray(m, dtype=float)

    def sd(self, s: ArrayLike) -> np.ndarray:
        return np.maximum(self.c + self.d * np.asarray(s, dtype=float), MIN_SIGMA)

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def crps_normal(mu: ArrayLike, sigma: ArrayLike, y: ArrayLike) -> np.ndarray:
    """CRPS of N(mu, sigma²) at outcome y: σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ."""
    mu, sigma, y = (np.asarray(v, dtype=float) for v in (mu, sigma, y))
    z = (y - mu) / sigma
    return sigma * (z * (2 * special.ndtr(z) - 1) + 2 * _pdf(z) - _INV_SQRT_PI)


def _pdf(z: np.ndarray) -> np.ndarray:
    return _INV_SQRT_2PI * np.exp(-0.5 * z * z)


def pit(mu: ArrayLike, sigma: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Probability integral transform Φ((y − μ)/σ): uniform on [0, 1] when calibrated."""
    mu, sigma, y = (np.asarray(v, dtype=float) for v in (mu, sigma, y))
    return special.ndtr((y - mu) / sigma)


def central_coverage(pit_values: ArrayLike, level: float = CENTRAL_LEVEL) -> float:
    """Share of PIT values inside the central ``level`` interval, bounds included."""
    values = np.asarray(pit_values, dtype=float)
    tail = (1.0 - level) / 2.0
    return float(np.mean((values >= tail) & (values <= 1.0 - tail)))


@dataclass(frozen=True)
class Scores:
    """How a predictive distribution did on a set of outcomes (°F)."""

    crps: float
    pit_coverage: float
    bias: float
    """Mean of outcome − predictive mean: positive means the forecast ran cold."""
    n: int


def score(mu: ArrayLike, sigma: ArrayLike, y: ArrayLike) -> Scores:
    mu, sigma, y = (np.asarray(v, dtype=float) for v in (mu, sigma, y))
    return Scores(
        crps=float(np.mean(crps_normal(mu, sigma, y))),
        pit_coverage=central_coverage(pit(mu, sigma, y)),
        bias=float(np.mean(y - mu)),
        n=int(y.size),
    )


def fit_emos(
    m: ArrayLike, y: ArrayLike, s: ArrayLike | None = None, start: EmosCoefficients | None = None
) -> EmosCoefficients:
    """Coefficients minimising mean CRPS of N(a + b·m, c + d·s) over the pairs (m, s, y).

    Without ``s`` the spread term is dropped (``d = 0``). The search starts at ``start`` (the
    prior), else at least squares of y on m; bounds keep σ ≥ ``MIN_SIGMA`` and ``d ≥ 0``.
    """
    m = np.asarray(m, dtype=float)
    y = np.asarray(y, dtype=float)
    if m.size != y.size or m.size < 3:
        raise ValueError("fit_emos needs at least 3 forecast–observation pairs of equal length")
    spread = s is not None
    s = np.asarray(s, dtype=float) if spread else np.zeros_like(m)
    if start is None:
        b0, a0 = np.polyfit(m, y, 1) if np.ptp(m) > 0 else (1.0, float(np.mean(y - m)))
        c0 = max(float(np.std(y - (a0 + b0 * m))), MIN_SIGMA)
        start = EmosCoefficients(float(a0), float(b0), c0, 0.0)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, b, c, d = theta if spread else (*theta, 0.0)
        mu = a + b * m
        sigma = c + d * s
        z = (y - mu) / sigma
        cdf, pdf = special.ndtr(z), _pdf(z)
        crps = sigma * (z * (2 * cdf - 1) + 2 * pdf - _INV_SQRT_PI)
        d_mu = -(2 * cdf - 1)
        d_sigma = 2 * pdf - _INV_SQRT_PI
        grad = [np.mean(d_mu), np.mean(d_mu * m), np.mean(d_sigma)]
        if spread:
            grad.append(np.mean(d_sigma * s))
        return float(np.mean(crps)), np.asarray(grad)

    x0 = [start.a, start.b, max(start.c, MIN_SIGMA)] + ([start.d] if spread else [])
    bounds = [(None, None), (None, None), (MIN_SIGMA, None)] + ([(0.0, None)] if spread else [])
    # TNC, not L-BFGS-B: the latter's BLAS calls cost ~100 ms a fit on a loaded machine.
    result = optimize.minimize(objective, x0, jac=True, method="TNC", bounds=bounds)
    a, b, c, *rest = (float(v) for v in result.x)
    return EmosCoefficients(a, b, c, rest[0] if rest else 0.0)
