"""The declared reference model for cities without forecast history: calibrated climatology +
persistence of the latest observed high. It is never NBM and is labelled as such everywhere.

Climatology is a two-harmonic annual cycle fitted by least squares to every observed high known
at fit time. The forecast for day D, made when the latest known high is that of day D − k, is

    T_D ~ N(clim(D) + a_k + φ_k · (T_{D−k} − clim(D − k)), c_k²)

with (a_k, φ_k, c_k) fitted by minimum CRPS (``core/emos.py``) over the rolling window, one set
per lag k (a decision the day before knows an older high than one on the day).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from edge_dagster.core.emos import EmosCoefficients, fit_emos

HARMONICS = 2
MIN_CLIMATOLOGY_DAYS = 300
"""A two-harmonic cycle needs most of a year of highs to be pinned down."""
LAGS = (1, 2, 3)
YEAR_DAYS = 365.2425
FAMILY = "climatology_persistence"


def _design(days: pd.Series | list[date]) -> np.ndarray:
    ordinal = np.array([d.toordinal() for d in days], dtype=float)
    phase = 2 * math.pi * ordinal / YEAR_DAYS
    columns = [np.ones_like(phase)]
    for k in range(1, HARMONICS + 1):
        columns += [np.cos(k * phase), np.sin(k * phase)]
    return np.column_stack(columns)


@dataclass(frozen=True)
class Climatology:
    coefficients: tuple[float, ...]

    @classmethod
    def fit(cls, highs: pd.Series) -> Climatology:
        """Least-squares annual cycle of ``highs`` (a Series of °F indexed by date)."""
        if len(highs) < MIN_CLIMATOLOGY_DAYS:
            raise ValueError(
                f"climatology needs at least {MIN_CLIMATOLOGY_DAYS} observed highs, "
                f"got {len(highs)}"
            )
        coefficients, *_ = np.linalg.lstsq(_design(list(highs.index)), highs.to_numpy(float))
        return cls(tuple(float(c) for c in coefficients))

    def normal(self, days: list[date]) -> np.ndarray:
        return _design(days) @ np.asarray(self.coefficients)


@dataclass(frozen=True)
class ReferenceModel:
    climatology: Climatology
    by_lag: Mapping[int, EmosCoefficients]

    def predict(self, day: date, last_day: date, last_high: float) -> tuple[float, float]:
        """(mean, sd) of day's high given the latest known high, that of ``last_day``."""
        lag = min(max((day - last_day).days, LAGS[0]), LAGS[-1])
        coefficients = self.by_lag[lag]
        normal_day, normal_last = self.climatology.normal([day, last_day])
        mean = normal_day + float(coefficients.mean(last_high - normal_last))
        return mean, float(coefficients.sd(0.0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": FAMILY,
            "climatology": list(self.climatology.coefficients),
            "by_lag": {str(k): v.to_dict() for k, v in self.by_lag.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReferenceModel:
        if data.get("family") != FAMILY:
            raise ValueError(f"not a {FAMILY} model: {data.get('family')!r}")
        return cls(
            Climatology(tuple(data["climatology"])),
            {int(k): EmosCoefficients(**v) for k, v in data["by_lag"].items()},
        )


def lagged_pairs(
    highs: pd.Series, climatology: Climatology, days: list[date], lag: int
) -> tuple[np.ndarray, np.ndarray]:
    """(anomaly of day − lag, anomaly of day) for each of ``days`` where both highs exist."""
    pairs = [(d - timedelta(days=lag), d) for d in days]
    pairs = [(p, d) for p, d in pairs if p in highs.index and d in highs.index]
    if not pairs:
        return np.array([]), np.array([])
    before, target = zip(*pairs, strict=True)
    x = highs.loc[list(before)].to_numpy(float) - climatology.normal(list(before))
    y = highs.loc[list(target)].to_numpy(float) - climatology.normal(list(target))
    return x, y


def fit_reference(highs: pd.Series, window: list[date], min_pairs: int) -> ReferenceModel:
    """Fit climatology on every high in ``highs`` (all known at fit time) and the persistence
    coefficients of each lag on the ``window`` days; too few pairs raise ``ValueError``."""
    climatology = Climatology.fit(highs)
    by_lag = {}
    for lag in LAGS:
        x, y = lagged_pairs(highs, climatology, window, lag)
        if len(y) < min_pairs:
            raise ValueError(f"lag {lag}: {len(y)} pairs in the window, need {min_pairs}")
        by_lag[lag] = fit_emos(x, y, start=EmosCoefficients(0.0, 0.5, float(np.std(y)) or 1.0))
    return ReferenceModel(climatology, by_lag)
