"""The pooled fair value: what the model knows and what the market knows, in one probability.

The market carries information the model lacks (airline schedules, weather, news); the model
carries the published TSA figures the market may not have priced. The pooled probability is a
logit-linear blend of the two at the decision:

    logit(p) = (1 − w) · logit(p_model) + w · logit(mid),    w = w₀ · s(spread) · a(age)

``w₀`` is chosen walk-forward (on the priced pairs settled before the decision, Brier score);
``s`` shrinks it to the model as the spread widens (linearly to zero at ``MAX_POOL_SPREAD``:
a wide book says little), ``a`` as the quote ages (linearly to zero at ``QUOTE_MAX_AGE``, the
age at which the project treats a quote as no quote at all). Where there is no two-sided quote
the pooled value is the model's. Both shrink factors are declared, not fitted: the only
recorded quotes at a decision are the Friday 15:00 UTC bars (age 0) and the 2026 daily
candles (all about 9 h old at the weekday decisions), too few ages to fit a shape on.

``w₀`` is chosen per decision horizon (``walk_forward_pooled``): how much the market knows
that the model does not depends on how many of the week's figures the model has seen.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from edge_dagster.core.walk_forward import choose_on_past

MAX_POOL_SPREAD = 0.20
QUOTE_MAX_AGE = timedelta(hours=24)
PROBABILITY_CLIP = 1e-4  # logits of 0/1 are infinite; the same clip as the log loss
POOL_WEIGHT_GRID = np.round(np.linspace(0.0, 1.0, 21), 2)
PRIOR_POOL_WEIGHT = 0.5  # no evidence yet: the model and the market count alike
MIN_POOL_WEEKS = 10  # weeks of settled priced pairs before the weight is chosen on them


def two_sided(yes_bid: ArrayLike, yes_ask: ArrayLike) -> np.ndarray:
    """A real two-sided quote: a bid above 0 and an ask below 1 (a 0/1 book's mid is 0.5 by
    construction and says nothing)."""
    bid, ask = np.asarray(yes_bid, dtype=float), np.asarray(yes_ask, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.isfinite(bid) & np.isfinite(ask) & (bid > 0) & (ask < 1) & (bid <= ask)


def market_weight(
    weight: ArrayLike, yes_bid: ArrayLike, yes_ask: ArrayLike, quote_age: ArrayLike
) -> np.ndarray:
    """The mid's weight per quote: ``weight`` shrunk for the spread and the quote's age
    (``quote_age`` in hours), 0 without a two-sided quote."""
    bid, ask = np.asarray(yes_bid, dtype=float), np.asarray(yes_ask, dtype=float)
    age = np.asarray(quote_age, dtype=float)
    limit = QUOTE_MAX_AGE.total_seconds() / 3600.0
    with np.errstate(invalid="ignore"):
        spread_factor = np.clip(1.0 - (ask - bid) / MAX_POOL_SPREAD, 0.0, 1.0)
        age_factor = np.clip(1.0 - age / limit, 0.0, 1.0)
    shrunk = np.asarray(weight, dtype=float) * spread_factor * age_factor
    return np.where(two_sided(bid, ask) & np.isfinite(age), shrunk, 0.0)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, PROBABILITY_CLIP, 1.0 - PROBABILITY_CLIP)
    return np.log(p / (1.0 - p))


def pooled_yes_probability(
    model_yes: ArrayLike,
    yes_bid: ArrayLike,
    yes_ask: ArrayLike,
    quote_age: ArrayLike,
    weight: ArrayLike,
) -> np.ndarray:
    """P(YES) pooled from the model and the quote's mid; exactly the model's where the mid's
    weight is 0 (no two-sided quote, a spread ≥ MAX_POOL_SPREAD, a stale quote, w₀ = 0)."""
    model = np.asarray(model_yes, dtype=float)
    w = market_weight(weight, yes_bid, yes_ask, quote_age)
    mid = (np.asarray(yes_bid, dtype=float) + np.asarray(yes_ask, dtype=float)) / 2.0
    with np.errstate(invalid="ignore"):
        blended = 1.0 / (1.0 + np.exp(-((1.0 - w) * _logit(model) + w * _logit(mid))))
    return np.where(w > 0, blended, model)


def walk_forward_pool_weights(pairs: pd.DataFrame) -> pd.Series:
    """``w₀`` for every (market, decision) pair, chosen on the pairs settled before it.

    ``pairs``: ``week_monday``, ``decision_time``, ``settled_at`` (when the outcome was
    known), ``model_yes``, ``yes_bid``, ``yes_ask``, ``quote_age_hours``, ``outcome``. The
    weight of a week's pairs minimises the Brier score of the pooled value over every pair
    settled before the week's decision (an expanding window: the market's information
    relative to the model's is not seasonal); with fewer than MIN_POOL_WEEKS such weeks, the
    prior PRIOR_POOL_WEIGHT.
    """
    weeks = sorted(pairs["week_monday"].unique())
    week_index = pairs["week_monday"].map({w: i for i, w in enumerate(weeks)}).to_numpy()
    outcome = pairs["outcome"].to_numpy(dtype=float)
    scores = np.zeros((len(POOL_WEIGHT_GRID), len(weeks)))
    for c, weight in enumerate(POOL_WEIGHT_GRID):
        pooled = pooled_yes_probability(
            pairs["model_yes"], pairs["yes_bid"], pairs["yes_ask"], pairs["quote_age_hours"], weight
        )
        np.add.at(scores[c], week_index, (pooled - outcome) ** 2)
    by_week = pairs.groupby("week_monday")
    decided = pd.to_datetime(by_week["decision_time"].min(), utc=True).to_numpy()
    settled = pd.to_datetime(by_week["settled_at"].max(), utc=True).to_numpy()
    known_before = settled[None, :] <= decided[:, None]
    chosen = choose_on_past(
        scores,
        known_before,
        default=int(np.flatnonzero(POOL_WEIGHT_GRID == PRIOR_POOL_WEIGHT)[0]),
        window_weeks=len(weeks),
        min_weeks=MIN_POOL_WEEKS,
    )
    return pd.Series(POOL_WEIGHT_GRID[chosen[week_index]], index=pairs.index, name="pool_weight")


def poolable(yes_bid: ArrayLike, yes_ask: ArrayLike, quote_age: ArrayLike) -> np.ndarray:
    """The pairs the pooling weight is chosen on: a two-sided quote with a spread of at most
    MAX_POOL_SPREAD and a known age below QUOTE_MAX_AGE (the others never move the value)."""
    bid, ask = np.asarray(yes_bid, dtype=float), np.asarray(yes_ask, dtype=float)
    age = np.asarray(quote_age, dtype=float)
    limit = QUOTE_MAX_AGE.total_seconds() / 3600.0
    with np.errstate(invalid="ignore"):
        return two_sided(bid, ask) & (ask - bid <= MAX_POOL_SPREAD) & (age >= 0) & (age < limit)


def walk_forward_pooled(priced: pd.DataFrame) -> pd.DataFrame:
    """The pooled P(YES) of every priced row and the mid's weight in it.

    ``priced``: the columns of ``walk_forward_pool_weights`` plus ``horizon``; ``outcome``
    and ``settled_at`` NaN/NaT where the market has not settled. ``w₀`` is chosen per horizon
    on that horizon's poolable pairs settled before each week's decision; rows that are not
    poolable keep the model's value. Returns ``pool_weight`` (the mid's weight after the
    spread and age shrinkage, 0 where the value is the model's) and ``fair_yes``.
    """
    age = priced["quote_age_hours"].to_numpy(dtype=float)
    usable = poolable(priced["yes_bid"], priced["yes_ask"], age)
    base = pd.Series(0.0, index=priced.index)
    for _, rows in priced[usable].groupby("horizon"):
        base[rows.index] = walk_forward_pool_weights(rows)
    weight = market_weight(base, priced["yes_bid"], priced["yes_ask"], age)
    fair = pooled_yes_probability(
        priced["model_yes"], priced["yes_bid"], priced["yes_ask"], age, base
    )
    return pd.DataFrame({"pool_weight": weight, "fair_yes": fair}, index=priced.index)
