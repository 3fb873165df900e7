"""Kelly sizing for $1 binary contracts: one contract alone, or one event's contracts jointly.

Buying at all-in cost c with win probability p, the Kelly fraction of bankroll is
f* = (p − c) / (1 − c). Strategies scale it down (``kelly_multiplier``) because p is an estimate
and full Kelly on an over-confident p is ruinous.

The strikes of a ladder (or the bins of a temperature event) are one bet on one quantity, not
independent bets: :func:`size_event` splits the quantity into outcome intervals with their
probabilities (:func:`event_outcomes`), and chooses the contracts of every candidate jointly to
maximise the expected log wealth of a Kelly sub-bankroll of ``kelly_multiplier × bankroll``
over those intervals. Alone, one contract gets exactly the fractional Kelly stake; together,
two strikes that win in the same outcomes share one stake instead of taking one each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

import numpy as np
from scipy.optimize import minimize, nnls

from edge_dagster.core.fair_values import PricedContract
from edge_dagster.core.prices import ONE
from edge_dagster.core.tickers import contract_pays_yes

MIN_INTERVAL_PROBABILITY = 1e-12
"""Outcomes less likely than this are left out of the objective (they cannot happen)."""
BARRIER = 1e-9
"""Below this fraction of the sub-bankroll, log wealth continues as its quadratic expansion,
so the optimiser never evaluates log of a non-positive number (the optimum stays far above)."""


def kelly_fraction(p: Decimal, cost: Decimal) -> Decimal:
    """Kelly bankroll fraction for a $1 binary bought at ``cost``; 0 without a positive edge."""
    if p <= cost:
        return Decimal(0)
    return (p - cost) / (ONE - cost)


def kelly_contracts(
    p: Decimal,
    price: Decimal,
    *,
    balance: Decimal,
    kelly_multiplier: Decimal,
    fee_per_contract: Decimal,
) -> int:
    """Whole contracts to buy at ``price``: fees count as cost, so a fee-eaten edge sizes to 0."""
    cost = price + fee_per_contract
    stake = kelly_multiplier * kelly_fraction(p, cost) * balance
    return int((stake / cost).to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class EventOutcomes:
    """One quantity split into outcome intervals (in increasing order) with probabilities,
    and, per market, on which intervals its YES pays (its NO pays on the others)."""

    probabilities: tuple[float, ...]
    yes_pays: dict[str, tuple[bool, ...]]

    def pays(self, ticker: str, side: str) -> tuple[bool, ...]:
        yes = self.yes_pays[ticker]
        return yes if side == "yes" else tuple(not paid for paid in yes)


def event_outcomes(contracts: Sequence[PricedContract]) -> EventOutcomes:
    """The outcome intervals of one event's markets, from Kalshi's strike semantics.

    Works for any mix of ``greater``/``less`` ladders and ``between`` bins: the quantity's
    line is cut at every floor and cap, each piece (and each boundary point) is tested with
    ``tickers.contract_pays_yes``, and neighbouring pieces that pay alike are merged. The
    interval probabilities are those that reproduce the markets' ``fair_yes`` (a ladder's
    differences, a bin's own value), found by non-negative least squares and normalised; a
    piece no market prices (between whole-degree bins) gets 0.
    """
    if not contracts:
        return EventOutcomes((), {})
    bounds = sorted(
        {float(b) for c in contracts for b in (c.floor_strike, c.cap_strike) if b is not None}
    )
    points = [bounds[0] - 1.0]
    for low, high in zip(bounds, [*bounds[1:], bounds[-1] + 2.0], strict=True):
        points += [low, (low + high) / 2.0]

    def pattern(value: float) -> tuple[bool, ...]:
        return tuple(
            contract_pays_yes(c.strike_type, c.floor_strike, c.cap_strike, value) for c in contracts
        )

    patterns: list[tuple[bool, ...]] = []
    for point in points:
        paid = pattern(point)
        if not patterns or patterns[-1] != paid:
            patterns.append(paid)
    pays = np.array(patterns, dtype=float).T  # contracts × intervals
    fair = np.array([c.fair_yes for c in contracts], dtype=float)
    probabilities = _interval_probabilities(pays, fair)
    return EventOutcomes(
        tuple(float(p) for p in probabilities),
        {c.ticker: tuple(bool(x) for x in pays[i]) for i, c in enumerate(contracts)},
    )


def _interval_probabilities(pays: np.ndarray, fair: np.ndarray) -> np.ndarray:
    system = np.vstack([pays, np.ones(pays.shape[1])])
    target = np.concatenate([np.clip(fair, 0.0, 1.0), [1.0]])
    probabilities, _ = nnls(system, target)
    total = probabilities.sum()
    return probabilities / total if total > 0 else np.full(pays.shape[1], 1.0 / pays.shape[1])


@dataclass(frozen=True)
class Candidate:
    """A contract one could buy: pays $1 on some outcome intervals, costs ``cost`` (price plus
    fee) each, at most ``max_count`` of them."""

    pays: tuple[bool, ...]
    cost: Decimal
    max_count: int


def size_event(
    probabilities: Sequence[float],
    candidates: Sequence[Candidate],
    *,
    bankroll: Decimal,
    kelly_multiplier: Decimal,
) -> list[int]:
    """Whole contracts of each candidate, chosen jointly over one event.

    Maximises Σᵢ pᵢ · log Wᵢ, where Wᵢ is the Kelly sub-bankroll (``kelly_multiplier ×
    bankroll``) after paying for every contract and collecting $1 for each that pays in
    outcome i. Concave, so the continuous optimum is found by bounded quasi-Newton steps and
    floored to whole contracts (flooring only lowers stakes; counts are halved in the rare case
    that it leaves some possible outcome with no money). A candidate without a positive edge on
    its own may still be bought if it hedges others; one that only loses is never bought.
    """
    if not candidates:
        return []
    p = np.asarray(probabilities, dtype=float)
    live = p > MIN_INTERVAL_PROBABILITY
    p = p[live] / p[live].sum()
    base = float(kelly_multiplier * bankroll)
    if base <= 0:
        return [0] * len(candidates)
    gains = np.array(
        [[float(paid) - float(c.cost) for paid in np.asarray(c.pays)[live]] for c in candidates]
    )  # candidates × intervals: what one contract adds to the wealth of each outcome
    upper = np.array([float(c.max_count) for c in candidates])

    floor_wealth = BARRIER * base

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        wealth = base + x @ gains
        safe = np.maximum(wealth, floor_wealth)
        below = np.minimum(wealth - floor_wealth, 0.0) / floor_wealth
        utility = np.log(safe) + below - below**2 / 2
        marginal = (1.0 - below) / safe
        return -float(p @ utility), -(gains @ (p * marginal))

    result = minimize(
        objective,
        np.zeros(len(candidates)),
        jac=True,
        method="L-BFGS-B",
        bounds=list(zip(np.zeros_like(upper), upper, strict=True)),
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 500},
    )
    counts = np.floor(np.clip(result.x, 0.0, upper) + 1e-9)
    while counts.any() and np.any(base + counts @ gains <= 0):
        counts = np.floor(counts / 2)
    return [int(c) for c in counts]
