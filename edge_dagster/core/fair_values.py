"""Coherence of one event's fair values at one decision time: the rules every strategy's
pricing must satisfy before any order is placed on it.

Probabilities lie in [0, 1]; a ladder of "greater than" markets never rises with the strike and
a ladder of "less than" markets never falls; an event made of bins (``between`` markets and the
two tails, as the daily-high events are) covers every whole-number outcome once and sums to 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

BIN_SUM_TOLERANCE = 1e-9
MONOTONE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class PricedContract:
    """One market's strike definition (Kalshi's ``strike_type``/floor/cap) and P(YES)."""

    ticker: str
    strike_type: str
    floor_strike: float | None
    cap_strike: float | None
    fair_yes: float


@dataclass(frozen=True)
class Problem:
    kind: str  # out_of_range | not_monotone | bins_gap | bins_overlap | bins_sum
    ticker: str
    detail: str


def whole_number_outcomes(
    strike_type: str, floor: float | None, cap: float | None
) -> tuple[float, float]:
    """The whole-number outcomes a contract pays YES on, as an inclusive [low, high] range
    (``-inf``/``inf`` for an open tail): ``less`` cap 81 is ≤ 80, ``greater`` floor 88 is ≥ 89,
    ``between`` floor 81 cap 82 is 81 or 82."""
    if strike_type not in _OUTCOME_RANGES:
        raise ValueError(f"unsupported strike_type {strike_type!r}")
    return _OUTCOME_RANGES[strike_type](floor, cap)


_OUTCOME_RANGES = {
    "less": lambda floor, cap: (-math.inf, cap - 1),
    "less_or_equal": lambda floor, cap: (-math.inf, cap),
    "between": lambda floor, cap: (floor, cap),
    "greater": lambda floor, cap: (floor + 1, math.inf),
    "greater_or_equal": lambda floor, cap: (floor, math.inf),
}


def _outcomes(contract: PricedContract) -> tuple[float, float]:
    return whole_number_outcomes(contract.strike_type, contract.floor_strike, contract.cap_strike)


def _monotone(contracts: list[PricedContract], strike: str, rising: bool) -> list[Problem]:
    ladder = sorted(contracts, key=lambda c: getattr(c, strike))
    problems = []
    for lower, upper in zip(ladder, ladder[1:], strict=False):
        step = upper.fair_yes - lower.fair_yes
        if (step < -MONOTONE_TOLERANCE) if rising else (step > MONOTONE_TOLERANCE):
            problems.append(
                Problem("not_monotone", upper.ticker, f"{lower.fair_yes} → {upper.fair_yes}")
            )
    return problems


def fair_value_problems(contracts: Sequence[PricedContract]) -> list[Problem]:
    """Everything incoherent about one event's fair values at one decision time."""
    problems = [
        Problem("out_of_range", c.ticker, str(c.fair_yes))
        for c in contracts
        if not 0.0 <= c.fair_yes <= 1.0
    ]
    if any(c.strike_type == "between" for c in contracts):
        bins = sorted(contracts, key=lambda c: _outcomes(c)[0])
        for previous, current in zip(bins, bins[1:], strict=False):
            low, previous_high = _outcomes(current)[0], _outcomes(previous)[1]
            if low <= previous_high:
                problems.append(
                    Problem("bins_overlap", current.ticker, f"overlaps {previous.ticker}")
                )
            elif low != previous_high + 1:
                problems.append(Problem("bins_gap", current.ticker, f"after {previous.ticker}"))
        if _outcomes(bins[0])[0] != -math.inf or _outcomes(bins[-1])[1] != math.inf:
            problems.append(Problem("bins_gap", bins[0].ticker, "the tails are not both listed"))
        total = math.fsum(c.fair_yes for c in contracts)
        if abs(total - 1.0) > BIN_SUM_TOLERANCE:
            problems.append(Problem("bins_sum", bins[0].ticker, f"bins sum to {total!r}"))
        return problems
    greater = [c for c in contracts if c.strike_type in ("greater", "greater_or_equal")]
    less = [c for c in contracts if c.strike_type in ("less", "less_or_equal")]
    return (
        problems
        + _monotone(greater, "floor_strike", rising=False)
        + _monotone(less, "cap_strike", rising=True)
    )
