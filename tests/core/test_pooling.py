import math
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from edge_dagster.core.clock import UTC
from edge_dagster.core.pooling import (
    MIN_POOL_WEEKS,
    PRIOR_POOL_WEIGHT,
    market_weight,
    poolable,
    pooled_yes_probability,
    two_sided,
    walk_forward_pool_weights,
    walk_forward_pooled,
)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_the_pooled_value_is_the_model_where_no_two_sided_quote_exists() -> None:
    model = np.array([0.07, 0.30, 0.92, 0.50])
    bid = np.array([np.nan, 0.0, 0.95, 0.40])
    ask = np.array([np.nan, 1.0, 1.0, np.nan])

    pooled = pooled_yes_probability(model, bid, ask, quote_age=0.0, weight=0.8)

    assert pooled.tolist() == model.tolist()


def test_the_pooled_value_is_the_logit_blend_with_the_weight_shrunk_for_the_spread() -> None:
    # Spread 0.04 of the 0.20 limit keeps 80 % of w₀ = 0.5: w = 0.4.
    pooled = pooled_yes_probability(0.10, 0.18, 0.22, quote_age=0.0, weight=0.5)

    expected = 1 / (1 + math.exp(-(0.6 * _logit(0.10) + 0.4 * _logit(0.20))))
    assert float(pooled) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("bid", "ask", "age", "expected"),
    [
        (0.18, 0.22, 0.0, 0.4),  # fresh, spread 0.04: 0.5 × 0.8
        (0.18, 0.22, 12.0, 0.2),  # half the 24-hour age limit
        (0.10, 0.30, 0.0, 0.0),  # spread at the limit
        (0.18, 0.22, 30.0, 0.0),  # stale
        (0.0, 0.04, 0.0, 0.0),  # no bid
    ],
)
def test_the_markets_weight_shrinks_toward_the_model_for_wide_or_stale_quotes(
    bid: float, ask: float, age: float, expected: float
) -> None:
    assert float(market_weight(0.5, bid, ask, age)) == pytest.approx(expected)


def test_a_zero_one_book_is_not_two_sided() -> None:
    assert two_sided([0.0, 0.01, 0.5, 0.3], [1.0, 0.99, 1.0, np.nan]).tolist() == [
        False,
        True,
        False,
        False,
    ]


def _pairs(weeks: int, seed: int = 3) -> pd.DataFrame:
    """Two markets a week; the market mid is informative and the model is noise."""
    rng = np.random.default_rng(seed)
    first = date(2024, 1, 1)
    rows = []
    for i in range(weeks):
        monday = first + timedelta(weeks=i)
        decision = datetime(monday.year, monday.month, monday.day, 15, tzinfo=UTC) + timedelta(4)
        for _ in range(2):
            truth = rng.uniform(0.05, 0.95)
            outcome = float(rng.uniform() < truth)
            rows.append(
                {
                    "week_monday": monday,
                    "decision_time": decision,
                    "settled_at": decision + timedelta(days=3),
                    "model_yes": rng.uniform(0.05, 0.95),
                    "yes_bid": round(truth - 0.01, 2),
                    "yes_ask": round(truth + 0.01, 2),
                    "quote_age_hours": 0.0,
                    "outcome": outcome,
                }
            )
    return pd.DataFrame(rows)


def test_the_weight_holds_the_prior_until_enough_weeks_have_settled_then_follows_them() -> None:
    pairs = _pairs(60)

    weights = walk_forward_pool_weights(pairs)

    by_week = weights.groupby(pairs["week_monday"]).first().to_numpy()
    assert np.all(by_week[:MIN_POOL_WEEKS] == PRIOR_POOL_WEIGHT)
    assert by_week[-1] > PRIOR_POOL_WEIGHT  # the mid is the better forecaster here


def test_a_weeks_weight_depends_only_on_pairs_settled_before_its_decision() -> None:
    pairs = _pairs(60)
    later = pairs["week_monday"] >= date(2024, 1, 1) + timedelta(weeks=40)
    changed = pairs.copy()
    changed.loc[later, "outcome"] = 1.0 - changed.loc[later, "outcome"]

    before = walk_forward_pool_weights(pairs)
    after = walk_forward_pool_weights(changed)

    # Week 40's decision is Friday of week 40; its outcomes settle the Monday after: weeks
    # up to 40 are decided identically.
    assert before[~later].tolist() == after[~later].tolist()
    first_later = pairs.index[later][:2]
    assert before[first_later].tolist() == after[first_later].tolist()
    assert before[later].tolist() != after[later].tolist()  # the flipped weeks do count later


def _by_week(weights: pd.Series, pairs: pd.DataFrame) -> list[float]:
    return weights.groupby(pairs["week_monday"]).first().tolist()


def test_a_week_settled_exactly_at_the_next_decision_counts_for_it() -> None:
    pairs = _pairs(60)
    at_next_decision = pairs.assign(settled_at=pairs["decision_time"] + timedelta(days=7))

    weights = walk_forward_pool_weights(at_next_decision)

    assert _by_week(weights, at_next_decision) == _by_week(walk_forward_pool_weights(pairs), pairs)


def test_a_week_counts_as_settled_only_once_its_last_pair_settles() -> None:
    pairs = _pairs(60)
    never = pairs.index % 2 == 1  # the second market of every week settles after every decision
    pairs.loc[never, "settled_at"] = datetime(2030, 1, 1, tzinfo=UTC)

    assert set(_by_week(walk_forward_pool_weights(pairs), pairs)) == {PRIOR_POOL_WEIGHT}


def test_a_week_is_decided_at_its_first_decision() -> None:
    pairs = _pairs(60)
    late = pairs.index % 2 == 1  # a second decision long after every week settled
    pairs.loc[late, "decision_time"] = datetime(2030, 1, 1, tzinfo=UTC)

    weights = _by_week(walk_forward_pool_weights(pairs), pairs)

    assert set(weights[:MIN_POOL_WEEKS]) == {PRIOR_POOL_WEIGHT}


def _priced(weeks: int) -> pd.DataFrame:
    """Friday pairs (horizon 5) plus, each week, a Tuesday row without a quote (horizon 1)."""
    pairs = _pairs(weeks).assign(horizon=5)
    tuesday = pairs.groupby("week_monday", as_index=False).first()
    tuesday = tuesday.assign(
        horizon=1,
        decision_time=tuesday["decision_time"] - timedelta(days=3),
        yes_bid=np.nan,
        yes_ask=np.nan,
        quote_age_hours=np.nan,
        model_yes=0.31,
    )
    return pd.concat([pairs, tuesday], ignore_index=True)


def test_the_pooled_fair_value_is_the_models_wherever_no_quote_exists() -> None:
    priced = _priced(30)

    pooled = walk_forward_pooled(priced)

    unquoted = priced["horizon"] == 1
    assert pooled.loc[unquoted, "fair_yes"].tolist() == [0.31] * 30
    assert pooled.loc[unquoted, "pool_weight"].tolist() == [0.0] * 30
    quoted = pooled.loc[~unquoted]
    assert (quoted["pool_weight"] > 0).all()
    expected = pooled_yes_probability(
        priced.loc[~unquoted, "model_yes"], priced.loc[~unquoted, "yes_bid"],
        priced.loc[~unquoted, "yes_ask"], 0.0,
        walk_forward_pool_weights(priced[~unquoted]),
    )  # fmt: skip
    assert quoted["fair_yes"].tolist() == expected.tolist()


def test_deleting_later_weeks_leaves_every_earlier_pooled_value_unchanged() -> None:
    priced = _priced(60)
    cut = date(2024, 1, 1) + timedelta(weeks=40)
    earlier = priced["week_monday"] < cut

    whole = walk_forward_pooled(priced)
    truncated = walk_forward_pooled(priced[earlier])

    pd.testing.assert_frame_equal(whole[earlier], truncated)
    assert whole.loc[earlier & (priced["horizon"] == 5), "pool_weight"].nunique() > 1


def test_a_quote_wider_than_the_limit_or_a_day_old_is_not_pooled() -> None:
    assert poolable(
        [0.10, 0.10, 0.10, 0.10], [0.30, 0.31, 0.20, 0.20], [0.0, 0.0, 23.9, 24.0]
    ).tolist() == [True, False, True, False]


def test_a_quote_recorded_after_the_decision_is_not_pooled() -> None:
    assert poolable([0.10], [0.20], [-0.5]).tolist() == [False]  # a negative age


def test_a_spread_of_exactly_the_limit_is_pooled() -> None:
    assert poolable([0.30], [0.50], [0.0]).tolist() == [True]  # 0.50 − 0.30 = 0.20 exactly
