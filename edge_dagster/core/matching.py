"""The one fill model shared by the paper exchange and the backtest.

An order first meets the quote seen at its decision time (crossing part fills as taker, the rest
rests), then the resting part fills only against candles that end after the decision, so a
backtest can never trade at a price it could not have reached. Candles carry no displayed size,
so a configurable per-candle cap stands in for queue position and depth. Matching runs on the
YES book (``prices.v2_order``); fills are reported in the order's own side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from edge_dagster.core.fees import incremental_fee, kalshi_fee
from edge_dagster.core.prices import Action, Side, v2_order, yes_equivalent


@dataclass(frozen=True)
class Order:
    """An order as the exchange sees it; ``limit_price`` is the price of ``side``."""

    side: Side
    action: Action
    limit_price: Decimal
    count: int
    decision_time: datetime


@dataclass(frozen=True)
class Quote:
    """Top of the YES book at the decision time; a size of 0 means that side is empty, None
    that it was not recorded (replayed candles)."""

    yes_bid: Decimal
    yes_bid_size: int | None
    yes_ask: Decimal
    yes_ask_size: int | None


@dataclass(frozen=True)
class Candle:
    """What the fill model reads from a recorded candle; ``end`` is the period end."""

    end: datetime
    yes_bid_high: Decimal
    yes_ask_low: Decimal


@dataclass(frozen=True)
class Fill:
    """One execution; ``price`` is per contract of the order's side, ``fee`` in dollars."""

    count: int
    price: Decimal
    fee: Decimal
    maker: bool
    time: datetime


@dataclass(frozen=True)
class QuoteMatch:
    """The taker fill at the decision time (if any), the count left to rest, and whether the
    order crossed the quote: then it takes liquidity, and where the size was not recorded its
    later fills pay the taker fee too."""

    fills: tuple[Fill, ...]
    resting: int
    crossed: bool


def match_against_quote(
    order: Order, quote: Quote, *, fee_type: str, fee_multiplier: Decimal = Decimal(1)
) -> QuoteMatch:
    """Take displayed liquidity at the quote price if the order crosses; the rest rests."""
    book_side, yes_limit = v2_order(order.side, order.action, order.limit_price)
    if book_side == "bid":
        yes_price, size, crosses = quote.yes_ask, quote.yes_ask_size, quote.yes_ask <= yes_limit
    else:
        yes_price, size, crosses = quote.yes_bid, quote.yes_bid_size, quote.yes_bid >= yes_limit
    crosses = crosses and size != 0  # an empty side offers nothing to cross
    taken = min(order.count, size) if crosses and size is not None else 0
    if taken == 0:
        return QuoteMatch((), order.count, crosses)
    price = yes_equivalent(order.side, yes_price)
    fee = kalshi_fee(taken, price, maker=False, fee_type=fee_type, fee_multiplier=fee_multiplier)
    fill = Fill(taken, price, fee, False, order.decision_time)
    return QuoteMatch((fill,), order.count - taken, crosses)


def match_resting(
    order: Order,
    candles: Iterable[Candle],
    *,
    max_contracts_per_candle: int,
    fee_type: str,
    fee_multiplier: Decimal = Decimal(1),
    taker: bool = False,
    candle_length: timedelta | None = None,
) -> tuple[Fill, ...]:
    """Fill a resting order at its limit against candles that end after its decision time.

    A YES bid at L fills when the candle's yes_ask_low ≤ L, a YES ask at L when yes_bid_high ≥ L;
    each fill pays the maker fee accumulated over the order's earlier fills, or the taker fee
    for an order that crossed the decision-time quote (``taker``): it took liquidity. With a
    ``candle_length``, a candle that began before the decision is skipped too: its low or high
    may have been printed before the order existed (the conservative reading).
    """
    book_side, yes_limit = v2_order(order.side, order.action, order.limit_price)
    fills: list[Fill] = []
    filled = 0
    for candle in sorted(candles, key=lambda c: c.end):
        if filled == order.count:
            break
        if candle.end <= order.decision_time:
            continue
        if candle_length is not None and candle.end - candle_length < order.decision_time:
            continue
        if book_side == "bid":
            crosses = candle.yes_ask_low <= yes_limit
        else:
            crosses = candle.yes_bid_high >= yes_limit
        if not crosses:
            continue
        count = min(order.count - filled, max_contracts_per_candle)
        fee = incremental_fee(
            filled,
            count,
            order.limit_price,
            maker=not taker,
            fee_type=fee_type,
            fee_multiplier=fee_multiplier,
        )
        fills.append(Fill(count, order.limit_price, fee, not taker, candle.end))
        filled += count
    return tuple(fills)


def settlement_payout(side: Side, count: int, market_result: str) -> Decimal:
    """Dollars paid at settlement: $1 per contract of the winning side, nothing otherwise."""
    if market_result not in ("yes", "no"):
        raise ValueError(f"cannot settle a binary position on result {market_result!r}")
    return Decimal(count) if side == market_result else Decimal(0)
