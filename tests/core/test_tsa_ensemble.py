import math

import numpy as np
import pytest

from edge_dagster.core.tsa_ensemble import (
    combine_log_forecasts,
    forgetting_weights,
    model_averaging_weights,
)


def test_forgetting_halves_the_weight_every_half_life_and_drops_ineligible_weeks() -> None:
    ages = np.array([[1.0, 5.0, 9.0, -1.0]])
    eligible = np.array([[True, True, False, True]])

    assert forgetting_weights(ages, eligible, half_life=4.0)[0].tolist() == pytest.approx(
        [0.5**0.25, 0.5**1.25, 0.0, 1.0]
    )


def test_model_averaging_weights_are_the_softmax_of_weighted_log_densities() -> None:
    # Member 0 scored log densities 1, 2 and member 1 scored 0, 0 on two weeks, weighted 1
    # and 0.5: evidence 1 + 1 = 2 against 0, so the weights are e² / (e² + 1) and 1 / (e² + 1).
    densities = np.array([[1.0, 2.0], [0.0, 0.0]])
    weights = np.array([[1.0, 0.5]])

    w = model_averaging_weights(densities, weights)

    assert w[0].tolist() == pytest.approx([math.e**2 / (math.e**2 + 1), 1 / (math.e**2 + 1)])


def test_model_averaging_weights_survive_log_densities_too_large_to_exponentiate() -> None:
    # evidence 1000 against 999: exp overflows, the softmax does not
    w = model_averaging_weights(np.array([[1000.0], [999.0]]), np.ones((1, 1)))

    assert w[0].tolist() == pytest.approx([math.e / (math.e + 1), 1 / (math.e + 1)])


def test_a_week_without_a_density_of_every_member_carries_no_evidence() -> None:
    densities = np.array([[1.0, 50.0], [0.0, np.nan]])

    w = model_averaging_weights(densities, np.array([[1.0, 1.0]]))

    assert w[0].tolist() == pytest.approx([math.e / (math.e + 1), 1 / (math.e + 1)])


def test_without_any_weighted_week_the_members_weigh_alike() -> None:
    densities = np.array([[1.0], [5.0], [3.0]])

    assert model_averaging_weights(densities, np.zeros((1, 1)))[0].tolist() == pytest.approx(
        [1 / 3] * 3
    )


def test_a_member_whose_recent_errors_jump_loses_its_weight_within_weeks() -> None:
    # Two members with equally good densities (−1) for 40 weeks; then member 0 scores −4 a
    # week (a 5 % miss at a 1.5 % scale). With a 26-week half-life its weight is below 5 %
    # after two weeks of the new regime.
    densities = np.full((2, 42), -1.0)
    densities[0, 40:] = -4.0
    ages = (42 - np.arange(42))[None, :].astype(float)
    weights = forgetting_weights(ages, np.ones((1, 42), bool), half_life=26.0)

    before = model_averaging_weights(densities[:, :40], weights[:, :40])
    after = model_averaging_weights(densities, weights)

    assert before[0, 0] == pytest.approx(0.5)
    assert after[0, 0] < 0.05


def test_the_combined_log_forecast_is_the_weighted_mean_renormalised_over_members_present() -> None:
    logs = np.log(np.array([[100.0, 100.0], [400.0, np.nan]]))
    w = np.array([[0.5, 0.5], [0.25, 0.75]])

    combined = combine_log_forecasts(logs, w)

    assert np.exp(combined).tolist() == pytest.approx([200.0, 100.0])
