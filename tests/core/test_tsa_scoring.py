from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from edge_dagster.core.distributions import WeeklyAverageDistribution
from edge_dagster.core.tsa_scoring import (
    ARCHIVE,
    ARCHIVE_AGREES,
    KALSHI_SETTLED,
    archive_weeks,
    binomial_band,
    coverage_table,
    pit_histogram,
    priced_markets,
    season,
    weekly_truth,
)

W1, W2, W3, W4 = date(2022, 6, 13), date(2022, 6, 20), date(2025, 4, 14), date(2026, 1, 5)


def test_the_truth_is_kalshis_settled_average_where_consistent_else_the_archive_labelled():
    markets = pd.DataFrame(
        {
            "week_monday": ["2022-06-13", "2022-06-20", "2025-04-14", "2026-01-05"],
            "result": ["yes", "no", "yes", "yes"],
            "archive_implied_result": ["yes", "no", "yes", "yes"],
            "kalshi_expiration_value": ["2299274", "", "2188786", np.nan],
            "expiration_value_consistent": ["yes", "", "no", np.nan],
        }
    )
    archive = pd.DataFrame(
        {"week_monday": [W1, W2, W3, W4], "archive_avg": [2313563.6, 2340373.1, 2466673.0, 2.6e6]}
    )

    truth = weekly_truth(markets, archive).set_index("week_monday")

    assert truth["truth"].tolist() == [2299274.0, 2340373.1, 2466673.0, 2.6e6]
    # 2022-06-20 has no printed value; KXTSAW-25APR20's printed value contradicts its results.
    assert truth["truth_source"].tolist() == [KALSHI_SETTLED, ARCHIVE_AGREES, ARCHIVE_AGREES,
                                              ARCHIVE_AGREES]  # fmt: skip


def test_a_week_whose_archive_contradicts_a_kalshi_result_is_plain_archive() -> None:
    markets = pd.DataFrame(
        {"week_monday": ["2026-01-05"] * 2, "result": ["yes", "no"],
         "archive_implied_result": ["yes", "yes"]}
    )  # fmt: skip
    archive = pd.DataFrame({"week_monday": [W4, W3], "archive_avg": [2.6e6, 2.4e6]})

    truth = weekly_truth(markets, archive).set_index("week_monday")

    assert truth.loc[W4, "truth_source"] == ARCHIVE
    assert truth.loc[W3, "truth_source"] == ARCHIVE  # no market at all


def test_archive_weeks_are_complete_monday_to_sunday_means() -> None:
    daily = pd.DataFrame(
        {"date": pd.date_range("2025-03-10", "2025-03-19").strftime("%Y-%m-%d"),
         "travelers": np.arange(10) + 100}
    )  # fmt: skip

    weeks = archive_weeks(daily)

    assert weeks.to_dict("list") == {"week_monday": [date(2025, 3, 10)], "archive_avg": [103.0]}


def test_season_follows_the_weeks_thursday() -> None:
    assert [season(date(2025, 2, 24)), season(date(2025, 5, 26)), season(date(2025, 12, 1))] == [
        "DJF",
        "MAM",
        "DJF",
    ]


def test_the_binomial_band_is_the_central_90_percent_of_hits() -> None:
    low, high = binomial_band(73, 0.8)

    assert (low, high) == (stats.binom.ppf(0.05, 73, 0.8) / 73, stats.binom.ppf(0.95, 73, 0.8) / 73)
    assert (round(low, 3), round(high, 3)) == (0.726, 0.877)


def test_coverage_is_read_off_the_pit_with_n_counted_in_weeks() -> None:
    frame = pd.DataFrame(
        {
            "model": "m",
            "regime": "ordinary",
            "monday": [W1, W1, W2, W2],
            "pit": [0.5, 0.92, 0.03, 0.7],
        }
    )

    table = coverage_table(frame, ["model", "regime"], levels=(0.5, 0.9)).set_index("level")

    # |PIT - 0.5| <= 0.25: 0.5, 0.7 -> 2 of 4; <= 0.45: 0.5, 0.92, 0.7 -> 3 of 4
    assert table["coverage"].tolist() == [0.5, 0.75]
    assert table["n_weeks"].tolist() == [2, 2]


def test_the_pit_histogram_counts_shares_per_bin() -> None:
    frame = pd.DataFrame({"regime": "holiday", "pit": [0.05, 0.06, 0.55, 0.99]})

    row = pit_histogram(frame, ["regime"], bins=2).iloc[0]

    assert (row["n"], row["0.0-0.5"], row["0.5-1.0"]) == (4, 0.5, 0.5)


def test_market_probabilities_use_kalshis_result_as_the_outcome() -> None:
    dist = WeeklyAverageDistribution(
        known_sum=0.0, remaining_forecast=7 * 2.4e6, df=4.0, scale=0.02
    )
    scored = pd.DataFrame({"monday": [W3], "week_monday": [W3], "model": ["m"],
                           "distribution": [dist]})  # fmt: skip
    markets = pd.DataFrame(
        {"week_monday": ["2025-04-14"] * 2, "ticker": ["A2.40", "A2.50"],
         "strike_travelers": [2.4e6, 2.5e6], "result": ["yes", "no"]}
    )  # fmt: skip

    priced = priced_markets(scored, markets)

    assert priced["fair_yes"].tolist() == pytest.approx([0.5, float(dist.prob_above(2.5e6))])
    assert priced["outcome"].tolist() == [1.0, 0.0]
