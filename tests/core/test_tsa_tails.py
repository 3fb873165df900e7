import numpy as np
import pytest

from edge_dagster.core.tsa_tails import (
    MIN_REGIME_WEEKS,
    fit_student_t,
    regime_weights,
    t_log_density,
)


def _hand_made() -> tuple[np.ndarray, np.ndarray]:
    """12 holiday weeks with log errors ±3 % and 12 ordinary weeks with ±1 %."""
    holiday = np.array([True] * 12 + [False] * 12)
    residuals = np.where(holiday, 0.03, 0.01) * np.tile([1.0, -1.0], 12)
    return residuals, holiday


def test_the_scale_of_each_regime_comes_from_that_regimes_weeks() -> None:
    # A t-ML scale of residuals that are all ±c is exactly c (for any df): the fixed point of
    # σ² = Σ (df + 1) / (df + c²/σ²) c² / n is σ² = c².
    residuals, holiday = _hand_made()
    weights = regime_weights(np.ones((2, 24)), residuals, np.array([True, False]), holiday)

    fit = fit_student_t(residuals, weights, df=4.0)

    assert fit.scale.tolist() == pytest.approx([0.03, 0.01], rel=1e-9)
    assert fit.loc.tolist() == [0.0, 0.0]


def test_a_regime_with_too_few_weeks_learns_from_all_weeks() -> None:
    residuals, holiday = _hand_made()
    few = holiday.copy()
    few[MIN_REGIME_WEEKS - 1 :] = False  # only 9 holiday weeks

    weights = regime_weights(np.ones((1, 24)), residuals, np.array([True]), few)

    assert weights[0].tolist() == [1.0] * 24


def test_the_bias_term_is_the_weighted_t_location() -> None:
    residuals = np.array([0.01, 0.03, 0.01, 0.03, 0.01, 0.03])

    fit = fit_student_t(residuals, np.ones((1, 6)), df=4.0, with_location=True)

    assert fit.loc[0] == pytest.approx(0.02, abs=1e-12)
    assert fit.scale[0] == pytest.approx(0.01, rel=1e-9)


def test_fewer_than_five_weeks_give_no_scale() -> None:
    fit = fit_student_t(np.array([0.01, -0.01, 0.02, np.nan, 0.0]), np.ones((1, 5)), df=4.0)

    assert np.isnan(fit.scale[0])


def test_t_log_density_matches_scipy() -> None:
    from scipy import stats

    eps = np.array([-0.05, 0.0, 0.01])
    expected = stats.t.logpdf(eps, 3.0, loc=0.002, scale=0.015)

    assert t_log_density(eps, 0.002, 0.015, 3.0) == pytest.approx(expected)


def test_exactly_the_minimum_of_calibration_weeks_gives_a_scale() -> None:
    residuals = np.array([0.01, -0.01, 0.01, -0.01, 0.01])
    weights = np.array([[1.0] * 5, [1.0] * 4 + [0.0]])  # five weeks, then four

    scale = fit_student_t(residuals, weights, df=5.0).scale

    assert np.isfinite(scale[0]) and np.isnan(scale[1])


def test_a_regime_with_exactly_the_minimum_of_weeks_learns_from_itself_alone() -> None:
    pool_holiday = np.array([True] * MIN_REGIME_WEEKS + [False] * 3)
    weights = np.ones((1, len(pool_holiday)))

    kept = regime_weights(weights, np.zeros(len(pool_holiday)), np.array([True]), pool_holiday)

    assert kept[0].tolist() == [1.0] * MIN_REGIME_WEEKS + [0.0] * 3


def test_weeks_without_a_residual_do_not_count_towards_the_regime_minimum() -> None:
    pool_holiday = np.array([True] * MIN_REGIME_WEEKS + [False] * 3)
    residuals = np.array([np.nan] + [0.0] * (MIN_REGIME_WEEKS + 2))
    weights = np.ones((1, len(pool_holiday)))

    kept = regime_weights(weights, residuals, np.array([True]), pool_holiday)

    assert kept[0].tolist() == [1.0] * (MIN_REGIME_WEEKS + 3)  # one short: every week counts


def test_a_week_without_a_residual_carries_no_weight_in_the_fit() -> None:
    residuals = np.array([0.01, -0.01, 0.01, -0.01, 0.01, np.nan])

    with_gap = fit_student_t(residuals, np.ones((1, 6)), df=5.0).scale
    without = fit_student_t(residuals[:5], np.ones((1, 5)), df=5.0).scale

    assert with_gap.tolist() == without.tolist()
