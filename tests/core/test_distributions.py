import json
import math

import numpy as np
import pytest

from edge_dagster.core.distributions import (
    WeeklyAverageDistribution,
    bias,
    brier_score,
    distribution_from_dict,
    interval_coverage,
    log_loss,
    mape,
    prob_above_each,
    quantile_each,
    reliability_table,
)

STRIKES = np.arange(1_800_000, 2_800_001, 50_000)


def _tuesday_view() -> WeeklyAverageDistribution:
    """Monday known (2.2M), six days forecast at 14M, 2 % log-error scale."""
    return WeeklyAverageDistribution(
        known_sum=2_200_000, remaining_forecast=14_000_000, df=4.0, scale=0.02
    )


def test_prob_above_is_a_non_increasing_probability_across_the_ladder() -> None:
    probs = _tuesday_view().prob_above(STRIKES)

    assert probs.shape == STRIKES.shape
    assert np.all((probs >= 0) & (probs <= 1))
    assert np.all(np.diff(probs) <= 0)


def test_prob_above_is_one_below_what_the_known_days_already_guarantee() -> None:
    dist = _tuesday_view()

    assert dist.prob_above(2_200_000 / 7) == 1.0


def test_prob_above_is_one_half_at_the_median() -> None:
    dist = _tuesday_view()

    assert dist.median == pytest.approx(16_200_000 / 7)
    assert dist.prob_above(dist.median) == pytest.approx(0.5, abs=1e-12)


def test_quantile_inverts_prob_above() -> None:
    dist = _tuesday_view()
    levels = np.array([0.05, 0.1, 0.5, 0.9, 0.95])

    assert dist.prob_above(dist.quantile(levels)) == pytest.approx(1 - levels, abs=1e-9)


def _mixed_views() -> list[WeeklyAverageDistribution]:
    """Spread views (with and without a bias term) and both kinds of point mass."""
    return [
        _tuesday_view(),
        WeeklyAverageDistribution(known_sum=0, remaining_forecast=16_100_000, df=3.0, scale=0.05),
        WeeklyAverageDistribution(
            known_sum=9_300_000, remaining_forecast=6_900_000, df=30.0, scale=0.01, loc=-0.004
        ),
        WeeklyAverageDistribution(known_sum=16_050_000, remaining_forecast=0, df=4.0, scale=0.02),
        WeeklyAverageDistribution(known_sum=2_200_000, remaining_forecast=1.4e7, df=4.0, scale=0),
    ]


def test_the_batch_functions_give_each_distributions_own_numbers_bit_for_bit() -> None:
    views = _mixed_views() * 3
    strikes = np.linspace(2_000_000, 2_600_000, len(views))

    one_at_a_time = [v.prob_above(s) for v, s in zip(views, strikes, strict=True)]
    quantiles = np.array([v.quantile([0.1, 0.5, 0.9]) for v in views])

    assert prob_above_each(views, strikes).tobytes() == np.array(one_at_a_time).tobytes()
    assert quantile_each(views, [0.1, 0.5, 0.9]).tobytes() == quantiles.tobytes()
    assert prob_above_each([], []).shape == (0,)
    with pytest.raises(ValueError, match="strictly between"):
        quantile_each(views, [0.0, 0.5])


def test_the_t_is_scipy_stats_t_bit_for_bit() -> None:
    from scipy import stats

    strikes = np.append(300_000.0, STRIKES)  # below the Tuesday view's floor, then the ladder
    for view in _mixed_views()[:3]:
        eps = view._eps(strikes)
        sf = stats.t.sf(eps, view.df, loc=view.loc, scale=view.scale)
        ppf = stats.t.ppf([0.1, 0.5, 0.9], view.df, loc=view.loc, scale=view.scale)

        assert view.prob_above(strikes).tobytes() == sf.tobytes()
        quantiles = (view.known_sum + view.remaining_forecast * np.exp(ppf)) / view.days
        assert view.quantile([0.1, 0.5, 0.9]).tobytes() == quantiles.tobytes()


def test_round_trip_through_dict_and_json_text() -> None:
    dist = _tuesday_view()

    assert WeeklyAverageDistribution.from_dict(dist.to_dict()) == dist
    assert distribution_from_dict(json.dumps(dist.to_dict())) == dist


def test_from_dict_rejects_an_unknown_family() -> None:
    with pytest.raises(ValueError, match="unknown distribution family"):
        WeeklyAverageDistribution.from_dict(_tuesday_view().to_dict() | {"family": "normal"})


def test_a_fully_known_week_prices_strikes_at_zero_or_one() -> None:
    dist = WeeklyAverageDistribution(
        known_sum=7 * 2_412_345, remaining_forecast=0.0, df=4.0, scale=0.02
    )

    assert dist.prob_above([2_400_000, 2_412_345, 2_450_000]).tolist() == [1.0, 0.0, 0.0]
    assert dist.quantile(0.1) == 2_412_345


def test_log_density_includes_the_change_of_variable() -> None:
    dist = _tuesday_view()
    x = 2_350_000.0
    eps = math.log((7 * x - 2_200_000) / 14_000_000)
    t_logpdf = (
        math.lgamma(2.5)
        - math.lgamma(2.0)
        - 0.5 * math.log(4 * math.pi)
        - math.log(0.02)
        - 2.5 * math.log1p((eps / 0.02) ** 2 / 4)
    )

    assert dist.log_density(x) == pytest.approx(t_logpdf + math.log(7 / (7 * x - 2_200_000)))


def test_mape_and_bias_are_relative_to_the_actual() -> None:
    assert mape([110, 90, 100], [100, 100, 50]) == pytest.approx((0.1 + 0.1 + 1.0) / 3)
    assert bias([110, 90, 100], [100, 100, 50]) == pytest.approx((0.1 - 0.1 + 1.0) / 3)


def test_interval_coverage_counts_bounds_as_inside() -> None:
    assert interval_coverage([1, 1, 1, 1], [3, 3, 3, 3], [1, 2, 3, 4]) == 0.75


def test_brier_score() -> None:
    assert brier_score([0.8, 0.3, 1.0], [1, 0, 0]) == pytest.approx((0.04 + 0.09 + 1.0) / 3)


def test_log_loss() -> None:
    assert log_loss([0.8, 0.3], [1, 0]) == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2)


def test_log_loss_clips_certain_misses() -> None:
    assert log_loss([0.0, 1.0], [1, 0], clip=0.01) == pytest.approx(-math.log(0.01))


def test_reliability_table_bins_predictions() -> None:
    table = reliability_table([0.05, 0.15, 0.12, 0.95, 1.0], [0, 1, 0, 1, 1], bins=10)

    assert table.to_dict("list") == {
        "bin_lower": [0.0, 0.1, 0.9],
        "bin_upper": [0.1, 0.2, 1.0],
        "count": [1, 2, 2],
        "mean_predicted": [0.05, pytest.approx(0.135), pytest.approx(0.975)],
        "observed_frequency": [0.0, 0.5, 1.0],
    }


def test_crps_of_a_point_mass_is_the_absolute_error() -> None:
    dist = WeeklyAverageDistribution(
        known_sum=7 * 2_400_000, remaining_forecast=0.0, df=4.0, scale=0.02
    )

    assert dist.crps(2_450_000) == pytest.approx(50_000)


def test_crps_equals_the_integral_of_the_squared_cdf_gap() -> None:
    dist = _tuesday_view()
    observed = dist.median * 1.01
    xs = np.linspace(dist.median * 0.7, dist.median * 1.3, 200_001)
    integral = np.trapezoid((dist.cdf(xs) - (xs >= observed)) ** 2, xs)

    assert dist.crps(observed) == pytest.approx(integral, rel=1e-3)
