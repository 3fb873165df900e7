"""Probability of each temperature bin of a daily-high event, with whole-degree settlement.

The CLI reports whole °F, so a bin paying on the whole outcomes [lo, hi] is the continuous
interval [lo − 0.5, hi + 0.5): ``between`` floor 81 cap 82 is P(80.5 ≤ T < 82.5), ``greater``
floor 88 (T ≥ 89) is P(T ≥ 88.5), ``less`` cap 81 (T ≤ 80) is P(T < 80.5). Pricing a bin as if it
were 1 °F wide, or on its nominal strikes, is the seed system's bug this module exists to avoid.

An event's bins must cover every outcome exactly once (``core/fair_values.py`` owns that rule);
events recorded before 2024-08 list only the markets that traded, so :func:`rebuild_ladder`
restores the untraded bins first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from edge_dagster.core.fair_values import PricedContract, fair_value_problems, whole_number_outcomes

HALF_DEGREE = 0.5
BIN_STEP = 2
"""Kalshi's ``between`` bins are two whole degrees wide (``B81.5`` = 81 or 82)."""
REBUILT = "rebuilt"


class LadderError(ValueError):
    """An event whose bins leave a gap, overlap, or cannot be restored: it is not priced."""


@dataclass(frozen=True)
class TemperatureBin:
    """One market of a daily-high event, as Kalshi defines its payout."""

    ticker: str
    strike_type: str
    floor_strike: float | None
    cap_strike: float | None
    strike_source: str = "kalshi"

    @property
    def edges(self) -> tuple[float, float]:
        """The continuous interval [lower, upper) of true temperatures that settle YES."""
        low, high = whole_number_outcomes(self.strike_type, self.floor_strike, self.cap_strike)
        return low - HALF_DEGREE, high + HALF_DEGREE


def bin_probabilities(bins: Sequence[TemperatureBin], cdf: Callable[[float], float]) -> list[float]:
    """P(YES) of every bin under the distribution ``cdf``; the bins must tile the line.

    Raises :class:`LadderError` naming the first gap, overlap or failed sum.
    """
    probabilities = []
    for contract in bins:
        lower, upper = contract.edges
        below_upper = 1.0 if upper == math.inf else cdf(upper)
        below_lower = 0.0 if lower == -math.inf else cdf(lower)
        probabilities.append(max(below_upper - below_lower, 0.0))
    priced = [
        PricedContract(b.ticker, b.strike_type, b.floor_strike, b.cap_strike, p)
        for b, p in zip(bins, probabilities, strict=True)
    ]
    problems = fair_value_problems(priced)
    if problems:
        first = problems[0]
        raise LadderError(f"{first.kind} at {first.ticker}: {first.detail}")
    return probabilities


def _bin_ticker(event_ticker: str, strike_type: str, floor: float | None, cap: float | None) -> str:
    if strike_type == "between":
        return f"{event_ticker}-B{floor + HALF_DEGREE:g}"
    return f"{event_ticker}-T{(cap if strike_type == 'less' else floor):g}"


def rebuild_ladder(
    event_ticker: str, traded: Sequence[TemperatureBin], bin_count: int
) -> list[TemperatureBin]:
    """The event's full ladder (lower tail, ``between`` bins, upper tail) from the markets that
    traded; restored markets are tagged ``strike_source="rebuilt"``.

    A traded tail fixes its end of the ladder; a missing end extends the bins to ``bin_count``
    (the event's standard number of ``between`` bins). With neither tail traded and fewer bins
    than that, where the rest lay is unknown and the event is refused.
    """
    if any(b.strike_type not in ("less", "between", "greater") for b in traded):
        unknown = next(b for b in traded if b.strike_type not in ("less", "between", "greater"))
        raise LadderError(f"{unknown.ticker}: strike type {unknown.strike_type!r} is unknown")
    middle = sorted((b for b in traded if b.strike_type == "between"), key=lambda b: b.floor_strike)
    lows = [b.cap_strike for b in traded if b.strike_type == "less"]
    highs = [b.floor_strike for b in traded if b.strike_type == "greater"]
    if len(lows) > 1 or len(highs) > 1:
        raise LadderError(f"{event_ticker}: more than one tail on one side")
    if any(b.cap_strike - b.floor_strike != BIN_STEP - 1 for b in middle):
        raise LadderError(f"{event_ticker}: a between bin is not {BIN_STEP} degrees wide")
    floors = [b.floor_strike for b in middle]
    caps = [b.cap_strike for b in middle]
    span = BIN_STEP * bin_count - 1
    if lows and highs:
        bottom, top = lows[0], highs[0]
    elif lows:
        bottom = lows[0]
        top = max([bottom + span, *caps])
    elif highs:
        top = highs[0]
        bottom = min([top - span, *floors])
    elif middle and caps[-1] - floors[0] >= span:
        bottom, top = floors[0], caps[-1]
    else:
        raise LadderError(
            f"{event_ticker}: no tail traded and {len(middle)} of {bin_count} bins: "
            "the untraded bins cannot be placed"
        )
    if (top - bottom + 1) % BIN_STEP or any((f - bottom) % BIN_STEP for f in floors):
        raise LadderError(f"{event_ticker}: traded bins are off the {BIN_STEP}-degree grid")
    if floors and (floors[0] < bottom or caps[-1] > top):
        raise LadderError(f"{event_ticker}: a traded bin lies beyond a traded tail")
    recorded = {(b.strike_type, b.floor_strike, b.cap_strike): b for b in traded}
    wanted = [("less", None, bottom)]
    wanted += [("between", f, f + BIN_STEP - 1) for f in range(int(bottom), int(top), BIN_STEP)]
    wanted.append(("greater", top, None))
    ladder = []
    for strike_type, floor, cap in wanted:
        key = (strike_type, floor, cap)
        if key in recorded:
            ladder.append(recorded[key])
        else:
            ticker = _bin_ticker(event_ticker, strike_type, floor, cap)
            ladder.append(TemperatureBin(ticker, strike_type, floor, cap, REBUILT))
    return ladder


def ladder_bin_count(complete_ladders: Mapping[date, int], day: date) -> int:
    """How many ``between`` bins an event of ``day`` had: that of the latest complete ladder
    (both tails traded) on or before ``day``, else of the earliest one after it.

    Kalshi listed three bins until 2023-12-28 and four from 2023-12-29 (every complete ladder
    of the derived file agrees), so the count is read from the data, not assumed.
    """
    if not complete_ladders:
        raise LadderError("no complete ladder to take the number of bins from")
    earlier = [d for d in complete_ladders if d <= day]
    nearest = max(earlier) if earlier else min(complete_ladders)
    return complete_ladders[nearest]
