"""The one fill rule: how an order fills on recorded prices, for every strategy and venue.

At placement an order meets the quote of its decision: where the quote's size is recorded it
takes that size as taker. An immediate-or-cancel order facing a quote of unrecorded size takes
up to a configured count at the quote price, optionally capped at a share of the volume of the
bar the quote came from — the one declared exception to "prices after the order", used for the
Friday taker decision on recorded one-hour bars. A good-till-canceled order that crosses a quote
of unrecorded size takes nothing then, and every later fill of it pays the taker fee.

After placement an order fills only on candles that *began* at or after it was placed and
*ended* by its expiry, so no price printed before the order existed (or after it lapsed) can
fill it. A resting (maker) order fills only when the market trades *through* its limit — a YES
bid at L when the ask or a trade goes below L; a print exactly at L fills nothing, because the
queue position is unknown. A taker order fills when a taker print (or the quote) reaches its
limit. Fills are capped per candle and at a share of the candle's volume where recorded.

One :class:`Candle` type carries what any recording offers: Kalshi's candlesticks (quote and
trade extremes, volume) and the temperature trade bars (trade extremes, volume, and the
taker-side prints that stand in for the ask and the bid); a missing field is ``None``. Matching
runs on the YES book (``prices.v2_order``); fills are reported in the order's own side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from edge_dagster.core.fees import incremental_fee, kalshi_fee
from edge_dagster.core.orders import Order
from edge_dagster.core.prices import Side, yes_equivalent


@dataclass(frozen=True)
class Quote:
    """Top of the YES book at a decision. A price of None is an empty side; a size of None
    was not recorded (candles and bars). ``volume``: contracts traded in the bar the quote
    was read from, where known."""

    yes_bid: Decimal | None
    yes_bid_size: int | None
    yes_ask: Decimal | None
    yes_ask_size: int | None
    volume: int | None = None


@dataclass(frozen=True)
class Candle:
    """A recorded price bar over ``[start, end)``; every price is a YES price in dollars.

    Quote side: ``yes_bid_high``/``yes_ask_low``. Trade side: ``trade_low``/``trade_high``
    and ``volume`` (contracts). Taker side, where trades record it: ``yes_taker_volume``,
    ``yes_taker_min_price`` (YES takers print at the ask) and ``no_taker_max_price`` (NO takers
    print at the bid). None = not recorded.
    """

    start: datetime
    end: datetime
    yes_bid_high: Decimal | None = None
    yes_ask_low: Decimal | None = None
    trade_low: Decimal | None = None
    trade_high: Decimal | None = None
    volume: int | None = None
    yes_taker_volume: int | None = None
    yes_taker_min_price: Decimal | None = None
    no_taker_max_price: Decimal | None = None


@dataclass(frozen=True)
class Fill:
    """One execution; ``price`` is per contract of the order's side, ``fee`` in dollars."""

    count: int
    price: Decimal
    fee: Decimal
    maker: bool
    time: datetime


@dataclass(frozen=True)
class FillRule:
    """The caps of the fill model (recordings carry no queue position and no depth)."""

    max_contracts_per_candle: int | None = 100
    """Most contracts one later candle fills for one order (None: no fixed cap)."""
    candle_volume_share: Decimal | None = Decimal(1)
    """And at most this share of the candle's volume (of the taker side for a taker order),
    where recorded; None ignores volume."""
    max_contracts_at_quote: int = 100
    """Most an immediate-or-cancel order takes from a quote of unrecorded size."""
    quote_volume_share: Decimal | None = None
    """And, when set, at most this share of the quoted bar's volume (0 where none traded)."""


@dataclass(frozen=True)
class Placement:
    """What happens when an order is placed: its taker fills at the quote, and whether it
    took liquidity of unrecorded size (then its later fills pay the taker fee)."""

    fills: tuple[Fill, ...]
    takes_liquidity: bool


def _share(volume: int | None, share: Decimal | None) -> int | None:
    if share is None or volume is None:
        return None
    return int((Decimal(max(volume, 0)) * share).to_integral_value(rounding=ROUND_FLOOR))


def _smallest(*caps: int | None) -> int:
    return min(cap for cap in caps if cap is not None)


def match_at_placement(
    order: Order, quote: Quote | None, rule: FillRule, at: datetime
) -> Placement:
    """The fills an order gets against its decision's quote when it is placed at ``at``."""
    if quote is None:
        return Placement((), False)
    if order.book_side == "bid":
        price, size = quote.yes_ask, quote.yes_ask_size
        crosses = price is not None and price <= order.yes_price
    else:
        price, size = quote.yes_bid, quote.yes_bid_size
        crosses = price is not None and price >= order.yes_price
    if not crosses or size == 0:
        return Placement((), False)
    if size is not None:
        taken = min(order.count, size)
    elif order.time_in_force == "immediate_or_cancel":
        cap = _share(quote.volume, rule.quote_volume_share)
        if rule.quote_volume_share is not None and cap is None:
            cap = 0  # a share of an unrecorded volume is nothing
        taken = _smallest(order.count, rule.max_contracts_at_quote, cap)
    else:
        return Placement((), True)
    if taken <= 0:
        return Placement((), False)
    own_price = yes_equivalent(order.side, price)
    fee = kalshi_fee(
        taken, own_price, maker=False, fee_type=order.fee_type, fee_multiplier=order.fee_multiplier
    )
    return Placement((Fill(taken, own_price, fee, False, at),), False)


def _maker_trades_through(book_side: str, limit: Decimal, candle: Candle) -> bool:
    """Whether the market went through a resting limit: a bid fills when the ask or a trade
    goes below it, an ask when the bid or a trade goes above it."""
    if book_side == "bid":
        lows = (candle.yes_ask_low, candle.trade_low)
        return any(low is not None and low < limit for low in lows)
    highs = (candle.yes_bid_high, candle.trade_high)
    return any(high is not None and high > limit for high in highs)


def _taker_reaches(book_side: str, limit: Decimal, candle: Candle) -> bool:
    """Whether a taker at ``limit`` could have traded: a YES-taker print (else the ask) at or
    below a bid, a NO-taker print (else the bid) at or above an ask."""
    if book_side == "bid":
        price = candle.yes_taker_min_price
        price = candle.yes_ask_low if price is None else price
        return price is not None and price <= limit
    price = candle.no_taker_max_price
    price = candle.yes_bid_high if price is None else price
    return price is not None and price >= limit


def _candle_volume(book_side: str, taker: bool, candle: Candle) -> int | None:
    """The volume a fill may use: the whole candle's for a maker, the taker side's for a
    taker where recorded (YES takers lift asks, NO takers hit bids)."""
    if not taker or candle.yes_taker_volume is None or candle.volume is None:
        return candle.volume
    if book_side == "bid":
        return candle.yes_taker_volume
    return candle.volume - candle.yes_taker_volume


def candle_may_fill(order: Order, candle: Candle) -> bool:
    """Whether ``candle`` lies wholly inside the order's life: it began at or after the order
    was placed and ended by its expiry."""
    if order.submitted_at is None or candle.start < order.submitted_at:
        return False
    return order.expires_at is None or candle.end <= order.expires_at


def match_resting(
    order: Order, candles: Iterable[Candle], rule: FillRule, *, filled_in_role: int = 0
) -> tuple[Fill, ...]:
    """Fill what remains of ``order`` at its limit on the candles that may fill it.

    ``filled_in_role``: contracts the order already filled in the role of these fills (taker
    if it took liquidity, else maker), so the fee's cent round-up accumulates over the order's
    life as Kalshi charges it.
    """
    taker = order.takes_liquidity
    side, limit = order.book_side, order.yes_price
    fills: list[Fill] = []
    remaining, earlier = order.remaining, filled_in_role
    for candle in sorted(candles, key=lambda c: c.end):
        if remaining == 0:
            break
        if not candle_may_fill(order, candle):
            continue
        if taker:
            reached = _taker_reaches(side, limit, candle)
        else:
            reached = _maker_trades_through(side, limit, candle)
        if not reached:
            continue
        volume_cap = _share(_candle_volume(side, taker, candle), rule.candle_volume_share)
        count = _smallest(remaining, rule.max_contracts_per_candle, volume_cap)
        if count <= 0:
            continue
        fee = incremental_fee(
            earlier,
            count,
            order.limit_price,
            maker=not taker,
            fee_type=order.fee_type,
            fee_multiplier=order.fee_multiplier,
        )
        fills.append(Fill(count, order.limit_price, fee, not taker, candle.end))
        remaining -= count
        earlier += count
    return tuple(fills)


def settlement_payout(side: Side, count: int, market_result: str) -> Decimal:
    """Dollars paid at settlement: $1 per contract of the winning side, nothing otherwise."""
    if market_result not in ("yes", "no"):
        raise ValueError(f"cannot settle a binary position on result {market_result!r}")
    return Decimal(count) if side == market_result else Decimal(0)
