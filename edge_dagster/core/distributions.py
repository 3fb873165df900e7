"""Predictive distribution of a Mon–Sun average, and the scores used to judge it.

Kalshi's TSA contract pays on the weekly average being ABOVE a strike, so the pipeline needs
``P(avg > strike)`` for a whole ladder of strikes, stored as JSON next to each forecast. The
part of the week already published is certain; only the remaining days are uncertain, so the
distribution is built on the log-error of the *remaining* sum:

    avg = (known_sum + remaining_forecast * exp(eps)) / days,   eps ~ Student-t(df, loc, scale)

This keeps every probability consistent with the known days (the average can never fall
below ``known_sum / days``), gives closed-form survival and quantile functions, and the heavy
t tails cover weather and holiday shocks that a normal law would call impossible.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

FAMILY = "remainder_log_student_t"
CRPS_GRID = 400


def _student_t():  # noqa: ANN202 - scipy's distribution object
    """scipy.stats.t, imported on first use: scipy.stats costs ~0.5 s of every code-location
    load, and only the log score needs it."""
    from scipy import stats

    return stats.t


@dataclass(frozen=True)
class WeeklyAverageDistribution:
    """Distribution of ``(known_sum + remaining_forecast * exp(eps)) / days``.

    ``scale == 0`` or ``remaining_forecast == 0`` (nothing left to forecast) is a point mass
    at the median, so a fully published week prices strikes at exactly 0 or 1.
    """

    known_sum: float
    remaining_forecast: float
    df: float
    scale: float
    loc: float = 0.0
    days: int = 7

    def __post_init__(self) -> None:
        if self.known_sum < 0 or self.remaining_forecast < 0:
            raise ValueError("known_sum and remaining_forecast must be non-negative")
        if self.scale < 0 or self.df <= 0 or self.days <= 0:
            raise ValueError("scale must be >= 0, df and days > 0")

    @property
    def is_point_mass(self) -> bool:
        return self.scale == 0 or self.remaining_forecast == 0

    @property
    def median(self) -> float:
        return (self.known_sum + self.remaining_forecast * math.exp(self.loc)) / self.days

    def _eps(self, x: np.ndarray) -> np.ndarray:
        """Log-error of the remainder that makes the average equal ``x`` (-inf below the floor)."""
        return _eps(x, self.known_sum, self.remaining_forecast, self.days)

    def prob_above(self, x: ArrayLike) -> float | np.ndarray:
        """P(avg > x): the fair YES price of a strike ``x``; vectorised, non-increasing in x."""
        xs = np.asarray(x, dtype=float)
        if self.is_point_mass:
            out = (self.median > xs).astype(float)
        else:
            out = _prob_above(xs, *self._parameters())
        return float(out) if out.ndim == 0 else out

    def cdf(self, x: ArrayLike) -> float | np.ndarray:
        return 1.0 - self.prob_above(x)

    def quantile(self, q: ArrayLike) -> float | np.ndarray:
        qs = np.asarray(q, dtype=float)
        if np.any((qs <= 0) | (qs >= 1)):
            raise ValueError("quantile levels must lie strictly between 0 and 1")
        if self.is_point_mass:
            out = np.full(qs.shape, self.median)
        else:
            out = _quantile(qs, *self._parameters())
        return float(out) if out.ndim == 0 else out

    def central_interval(self, level: float) -> tuple[float, float]:
        tail = (1.0 - level) / 2.0
        return float(self.quantile(tail)), float(self.quantile(1.0 - tail))

    def crps(self, x: float, grid: int = CRPS_GRID) -> float:
        """Continuous ranked probability score of an observed average (travelers; lower is
        better; a point forecast's CRPS is its absolute error): twice the mean pinball loss
        over ``grid`` equally spaced quantile levels. (exp of a t has no mean, so the integral
        form diverges in the far tail; the quantile form at these levels does not.)"""
        if self.is_point_mass:
            return abs(self.median - x)
        levels = (np.arange(grid) + 0.5) / grid
        quantiles = np.asarray(self.quantile(levels))
        pinball = np.where(x < quantiles, 1.0 - levels, levels) * np.abs(x - quantiles)
        return float(2.0 * pinball.mean())

    def log_density(self, x: float) -> float:
        """Log predictive density at an observed average (the log score); per traveler."""
        if self.is_point_mass:
            raise ValueError("a point mass has no density")
        eps = float(self._eps(np.asarray(x, dtype=float)))
        if not math.isfinite(eps):
            return -math.inf
        jacobian = self.days / (x * self.days - self.known_sum)
        return float(_student_t().logpdf(eps, self.df, loc=self.loc, scale=self.scale)) + math.log(
            jacobian
        )

    def _parameters(self) -> tuple[float, float, float, float, float, int]:
        """What the array formulas read, in their order."""
        return (self.known_sum, self.remaining_forecast, self.df, self.scale, self.loc, self.days)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters (floats/ints only) for storage in DuckDB."""
        return {
            "family": FAMILY,
            "known_sum": float(self.known_sum),
            "remaining_forecast": float(self.remaining_forecast),
            "df": float(self.df),
            "scale": float(self.scale),
            "loc": float(self.loc),
            "days": int(self.days),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WeeklyAverageDistribution:
        if data.get("family") != FAMILY:
            raise ValueError(f"unknown distribution family {data.get('family')!r}")
        return cls(
            known_sum=float(data["known_sum"]),
            remaining_forecast=float(data["remaining_forecast"]),
            df=float(data["df"]),
            scale=float(data["scale"]),
            loc=float(data["loc"]),
            days=int(data["days"]),
        )


# The formulas, elementwise over arrays of parameters (a distribution's scalars broadcast):
# ``prob_above``/``quantile`` of one distribution and ``*_each`` of many share them.
def _eps(
    x: ArrayLike, known_sum: ArrayLike, remaining_forecast: ArrayLike, days: ArrayLike
) -> np.ndarray:
    remainder = x * days - known_sum
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(remainder > 0, np.log(remainder / remaining_forecast), -np.inf)


# The t's survival and quantile functions are scipy.stats.t's own arithmetic on scipy.special
# (stdtr, stdtrit), bit for bit, for a spread distribution (scale > 0, df > 0, 0 < q < 1):
# importing scipy.stats costs 0.3 s of every pricing run.
def _prob_above(
    x: ArrayLike, known_sum: ArrayLike, remaining_forecast: ArrayLike, df: ArrayLike,
    scale: ArrayLike, loc: ArrayLike, days: ArrayLike,
) -> np.ndarray:  # fmt: skip
    eps = _eps(x, known_sum, remaining_forecast, days)
    return special.stdtr(df, -((eps - loc) / scale))


def _quantile(
    q: ArrayLike, known_sum: ArrayLike, remaining_forecast: ArrayLike, df: ArrayLike,
    scale: ArrayLike, loc: ArrayLike, days: ArrayLike,
) -> np.ndarray:  # fmt: skip
    eps = special.stdtrit(df, q) * scale + loc
    return (known_sum + remaining_forecast * np.exp(eps)) / days


def _spread(distributions: Sequence[WeeklyAverageDistribution]) -> np.ndarray:
    """Which of ``distributions`` are not point masses (those go through scipy together)."""
    return np.array([not d.is_point_mass for d in distributions], dtype=bool)


def _parameter_columns(
    distributions: Sequence[WeeklyAverageDistribution], which: np.ndarray
) -> list[np.ndarray]:
    chosen = [d._parameters() for d, keep in zip(distributions, which, strict=True) if keep]
    return list(np.array(chosen, dtype=float).reshape(-1, 6).T)  # days as 7.0: the same products


def prob_above_each(distributions: Sequence[WeeklyAverageDistribution], x: ArrayLike) -> np.ndarray:
    """``distributions[i].prob_above(x[i])`` for every i, the same numbers in one scipy call
    (pricing a backfill's 69k fair values one distribution at a time cost 0.2 s)."""
    xs = np.asarray(x, dtype=float)
    spread = _spread(distributions)
    out = np.empty(len(xs))
    if spread.any():
        out[spread] = _prob_above(xs[spread], *_parameter_columns(distributions, spread))
    for i in np.flatnonzero(~spread):
        out[i] = distributions[i].prob_above(xs[i])
    return out


def quantile_each(distributions: Sequence[WeeklyAverageDistribution], q: ArrayLike) -> np.ndarray:
    """``distributions[i].quantile(q)`` as row i, the same numbers in one scipy call (5,000
    forecasts one at a time cost 0.27 s)."""
    qs = np.asarray(q, dtype=float)
    if np.any((qs <= 0) | (qs >= 1)):
        raise ValueError("quantile levels must lie strictly between 0 and 1")
    spread = _spread(distributions)
    out = np.empty((len(distributions), len(qs)))
    if spread.any():
        columns = _parameter_columns(distributions, spread)
        out[spread] = _quantile(qs[None, :], *(c[:, None] for c in columns))
    for i in np.flatnonzero(~spread):
        out[i] = distributions[i].quantile(qs)
    return out


def distribution_from_dict(data: Mapping[str, Any] | str) -> WeeklyAverageDistribution:
    """Rebuild a stored distribution from its dict or from the JSON text kept in DuckDB."""
    return WeeklyAverageDistribution.from_dict(json.loads(data) if isinstance(data, str) else data)


def _arrays(*values: ArrayLike) -> list[np.ndarray]:
    arrays = [np.asarray(v, dtype=float) for v in values]
    if len({a.shape for a in arrays}) != 1 or arrays[0].size == 0:
        raise ValueError("inputs must be non-empty and of equal shape")
    return arrays


def mape(predicted: ArrayLike, actual: ArrayLike) -> float:
    """Mean absolute percentage error, as a fraction (0.01 = 1 %)."""
    p, a = _arrays(predicted, actual)
    return float(np.mean(np.abs(p - a) / np.abs(a)))


def bias(predicted: ArrayLike, actual: ArrayLike) -> float:
    """Mean signed relative error, as a fraction; positive = forecasts too high."""
    p, a = _arrays(predicted, actual)
    return float(np.mean((p - a) / a))


def interval_coverage(lower: ArrayLike, upper: ArrayLike, actual: ArrayLike) -> float:
    """Share of outcomes inside their [lower, upper] interval (bounds inclusive)."""
    lo, hi, a = _arrays(lower, upper, actual)
    return float(np.mean((lo <= a) & (a <= hi)))


def brier_score(prob: ArrayLike, outcome: ArrayLike) -> float:
    p, o = _arrays(prob, outcome)
    return float(np.mean((p - o) ** 2))


def log_loss(prob: ArrayLike, outcome: ArrayLike, clip: float = 1e-4) -> float:
    """Mean binary cross-entropy (nats); ``prob`` is clipped to [clip, 1 - clip] so one
    confident miss costs at most ``-log(clip)`` instead of infinity."""
    p, o = _arrays(prob, outcome)
    p = np.clip(p, clip, 1.0 - clip)
    return float(-np.mean(o * np.log(p) + (1.0 - o) * np.log(1.0 - p)))


def reliability_table(prob: ArrayLike, outcome: ArrayLike, bins: int = 10) -> pd.DataFrame:
    """Predicted vs observed frequency per equal-width probability bin (empty bins dropped)."""
    p, o = _arrays(prob, outcome)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    frame = pd.DataFrame({"bin": index, "p": p, "o": o})
    grouped = frame.groupby("bin").agg(
        count=("p", "size"), mean_predicted=("p", "mean"), observed_frequency=("o", "mean")
    )
    grouped.insert(0, "bin_upper", edges[grouped.index + 1])
    grouped.insert(0, "bin_lower", edges[grouped.index])
    return grouped.reset_index(drop=True)
