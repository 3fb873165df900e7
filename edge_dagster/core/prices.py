"""Kalshi V2 price conventions: the YES-price order direction and tick snapping.

V2 orders carry one YES ``price`` and a ``side`` of ``bid`` or ``ask`` on the YES book, so every
NO intent must be translated; keeping that translation here means no caller re-derives it.
See ``shared/reference/kalshi_api.md`` §3.3.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Literal

Side = Literal["yes", "no"]
Action = Literal["buy", "sell"]
BookSide = Literal["bid", "ask"]
PriceRange = tuple[Decimal, Decimal, Decimal]
"""One ``price_ranges`` entry of a market: (start, end, step) in dollars."""
Mark = tuple[Decimal | None, Decimal | None]
"""(yes_bid, yes_ask) of a market in dollars; None where that side is empty."""

ONE = Decimal(1)
LINEAR_CENT: tuple[PriceRange, ...] = ((Decimal(0), ONE, Decimal("0.01")),)
TAPERED_DECI_CENT: tuple[PriceRange, ...] = (
    (Decimal(0), Decimal("0.10"), Decimal("0.001")),
    (Decimal("0.10"), Decimal("0.90"), Decimal("0.01")),
    (Decimal("0.90"), ONE, Decimal("0.001")),
)


def yes_equivalent(side: Side, price: Decimal) -> Decimal:
    """Convert between a price of ``side`` and the YES price: NO at q is YES at 1 − q.

    The map is its own inverse, so it also turns a YES price into the price of ``side``.
    """
    return price if side == "yes" else ONE - price


def mark_value(side: Side, mark: Mark | None) -> Decimal:
    """Mark-to-bid of one contract: what selling it now would fetch (YES at the bid, NO at
    1 − the YES ask; 0 with no bid)."""
    if mark is None:
        return Decimal(0)
    bid = mark[0] if side == "yes" else (None if mark[1] is None else ONE - mark[1])
    return bid or Decimal(0)


def v2_order(side: Side, action: Action, price: Decimal) -> tuple[BookSide, Decimal]:
    """(book side, YES price) of an intent priced in its own side's dollars.

    Buying NO at q is selling YES at 1 − q, so it rests on the YES ask.
    """
    buys_yes_leg = (side == "yes") == (action == "buy")
    return ("bid" if buys_yes_leg else "ask"), yes_equivalent(side, price)


def snap_to_tick(
    price: Decimal, price_ranges: Sequence[PriceRange], book_side: BookSide
) -> Decimal:
    """Snap a YES price onto the market's tick grid on the passive side, inside the valid range.

    A bid rounds down and an ask rounds up so snapping never makes an order more aggressive than
    the model asked for. 0 and 1 are grid points but not tradable prices, so the price is first
    clamped to the lowest and highest grid prices strictly between them.
    """
    ranges = sorted(price_ranges)
    lowest = ranges[0][0] + ranges[0][2]
    highest = ranges[-1][1] - ranges[-1][2]
    clamped = min(max(price, lowest), highest)
    start, _, step = next(r for r in ranges if r[0] <= clamped <= r[1])
    rounding = ROUND_FLOOR if book_side == "bid" else ROUND_CEILING
    ticks = ((clamped - start) / step).to_integral_value(rounding=rounding)
    return start + ticks * step
