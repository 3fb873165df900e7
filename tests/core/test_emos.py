"""EMOS fits and scores: closed forms against hand computation, recovery on declared synthetic
sets (the only synthetic data in the weather tests; the shipped data has no known truth)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from edge_dagster.core.climatology import LAGS, fit_reference
from edge_dagster.core.emos import central_coverage, crps_normal, fit_emos, pit, score

# Hand computation: φ(0) = 1/√(2π) = 0.3989422804, Φ(1) = 0.8413447461, φ(1) = 0.2419707245,
# 1/√π = 0.5641895835.
CRPS_STANDARD_AT_0 = 2 * 0.3989422804 - 0.5641895835  # 0.2336949773
CRPS_STANDARD_AT_1 = 1 * (2 * 0.8413447461 - 1) + 2 * 0.2419707245 - 0.5641895835  # 0.6024413576


def test_crps_of_a_normal_matches_the_hand_computed_values():
    assert crps_normal(0, 1, 0) == pytest.approx(CRPS_STANDARD_AT_0, abs=1e-9)
    assert crps_normal(0, 1, 1) == pytest.approx(CRPS_STANDARD_AT_1, abs=1e-9)
    # CRPS scales with σ: N(10, 2²) at 12 is z = 1 at twice the scale.
    assert crps_normal(10, 2, 12) == pytest.approx(2 * CRPS_STANDARD_AT_1, abs=1e-9)


def test_pit_and_its_central_coverage():
    assert pit(0, 1, 1) == pytest.approx(0.8413447461, abs=1e-9)
    assert central_coverage([0.05, 0.1, 0.5, 0.9, 0.95]) == pytest.approx(3 / 5)


def synthetic_ensemble(n: int = 2000, seed: int = 20240101):  # noqa: ANN201
    """Declared synthetic set: the truth runs 2 °F warmer than the forecast mean m, with
    sd 1 + 1.5·s: NBM-like spread s that is too narrow by half."""
    rng = np.random.default_rng(seed)
    m = rng.uniform(40, 90, n)
    s = rng.uniform(1, 4, n)
    return m, s, m + 2.0 + (1.0 + 1.5 * s) * rng.standard_normal(n)


def test_the_fit_recovers_a_known_shift_and_widens_a_too_narrow_spread():
    m, s, y = synthetic_ensemble()
    fit = fit_emos(m, y, s)
    assert float(fit.mean(65.0)) - 65.0 == pytest.approx(2.0, abs=0.2)  # mid-range shift
    assert fit.b == pytest.approx(1.0, abs=0.02)
    assert fit.c == pytest.approx(1.0, abs=0.3)
    assert fit.d == pytest.approx(1.5, abs=0.15) and fit.d > 1


def test_calibration_improves_crps_pit_coverage_and_bias_on_the_synthetic_set():
    m, s, y = synthetic_ensemble()
    fit = fit_emos(m, y, s)
    before, after = score(m, s, y), score(fit.mean(m), fit.sd(s), y)
    assert after.crps < before.crps
    assert before.pit_coverage < 0.5 and after.pit_coverage == pytest.approx(0.8, abs=0.03)
    assert before.bias == pytest.approx(2.0, abs=0.2) and abs(after.bias) < 0.1


def test_a_forecast_without_spread_fits_a_constant_sigma():
    rng = np.random.default_rng(7)
    m = rng.uniform(30, 95, 500)
    y = m + 2.5 + 3.0 * rng.standard_normal(500)
    fit = fit_emos(m, y)
    assert (fit.d, round(fit.a), round(fit.c)) == (0.0, 2, 3)


def test_the_reference_model_recovers_an_annual_cycle_and_persistence():
    # Declared synthetic set: four years of highs = 60 + 20·cos(annual phase) plus an AR(1)
    # anomaly with coefficient 0.6 and innovation sd 4 °F (lag k: φ^k, sd 4·√Σφ^2j).
    rng = np.random.default_rng(11)
    days = [date(2022, 1, 1) + timedelta(days=k) for k in range(1461)]
    anomaly = np.zeros(len(days))
    for k in range(1, len(days)):
        anomaly[k] = 0.6 * anomaly[k - 1] + 4.0 * rng.standard_normal()
    phase = np.array([2 * math.pi * d.toordinal() / 365.2425 for d in days])
    highs = pd.Series(60 + 20 * np.cos(phase) + anomaly, index=days)
    model = fit_reference(highs, window=days[-365:], min_pairs=30)
    assert model.climatology.coefficients[0] == pytest.approx(60, abs=1.0)
    assert [model.by_lag[k].b for k in LAGS] == pytest.approx([0.6, 0.36, 0.216], abs=0.08)
    assert [model.by_lag[k].c for k in LAGS] == pytest.approx([4.0, 4.66, 4.88], abs=0.35)
    mean, sd = model.predict(days[-1] + timedelta(days=1), days[-1], float(highs.iloc[-1]))
    assert sd == pytest.approx(model.by_lag[1].c)
    assert abs(mean - (60 + 20 * math.cos(phase[-1]))) < 25
