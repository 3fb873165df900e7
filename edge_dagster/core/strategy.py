"""From fair values and quotes to desired orders: the rule every strategy shares.

Entries: a side is a candidate when its limit price beats the fair value by the edge threshold
after fees. At a resting (maker) decision the limit is min(current ask, k × fair value of that
side), snapped to the tick on the passive side and never behind that side's best bid; at a
taker decision it is the ask itself, immediate-or-cancel. One event's candidates are sized
jointly by fractional Kelly over the event's outcome intervals (``sizing.size_event``): a
ladder's strikes are one bet on one quantity. Exits: sell a side at its bid when the bid, net of
the taker fee that crossing sell pays, beats the current fair value by the exit threshold (the
model's take-profit and stop-loss). Sells are written at the per-order cap; the risk check at
submission cuts them to what is actually held, and skips them when nothing is. Orders come out
in the order the risk check should spend its budget (``risk_priority``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import groupby

from edge_dagster.core.fair_values import PricedContract
from edge_dagster.core.fees import fee_per_contract
from edge_dagster.core.orders import Order
from edge_dagster.core.prices import LINEAR_CENT, ONE, PriceRange, Side, snap_to_tick
from edge_dagster.core.sizing import Candidate, event_outcomes, size_event

PROBABILITY_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class StrategyConfig:
    """Trading parameters; the defaults are the ones the backtest supports (see README)."""

    edge_threshold: Decimal = Decimal("0.03")
    limit_fraction: Decimal = Decimal("0.65")
    """k: the most a side is bought at, as a fraction of its fair value (chosen by
    ``benchmarks.tsa_strategy_sweep``; the seed used 0.75)."""
    exit_threshold: Decimal = Decimal("0.05")
    kelly_multiplier: Decimal = Decimal("0.25")
    bankroll: Decimal = Decimal("1000")
    min_price: Decimal = Decimal("0.02")
    max_price: Decimal = Decimal("0.98")
    max_contracts_per_order: int = 100


@dataclass(frozen=True)
class PricedMarket:
    """One market at one decision time: its strike, the model's P(YES) and the quote then
    (a price of None: that side of the book is empty)."""

    ticker: str
    event_ticker: str
    fair_yes: float
    yes_bid: Decimal | None
    yes_ask: Decimal | None
    fee_type: str
    fee_multiplier: Decimal
    strike_type: str = "greater"
    floor_strike: float | None = None
    cap_strike: float | None = None
    price_ranges: tuple[PriceRange, ...] = LINEAR_CENT


@dataclass(frozen=True)
class Decision:
    """One decision of one strategy over some events. A taker decision sends
    immediate-or-cancel orders at the quote and leaves resting orders alone; a maker decision
    rests its orders until ``expires_at`` (None: until canceled) and re-decides the strategy's
    resting orders in ``event_tickers``."""

    strategy: str
    partition_key: str
    time: datetime
    event_tickers: tuple[str, ...] = ()
    taker: bool = False
    expires_at: datetime | None = None

    @property
    def manages_resting(self) -> bool:
        return not self.taker


def _sides(market: PricedMarket, fair_yes: Decimal):  # noqa: ANN202 - four-tuples
    """(side, fair value, ask, bid) of YES and NO; NO's ask is 1 − the YES bid."""
    bid, ask = market.yes_bid, market.yes_ask
    return (
        ("yes", fair_yes, ask, bid),
        (
            "no",
            ONE - fair_yes,
            None if bid is None else ONE - bid,
            None if ask is None else ONE - ask,
        ),
    )


def _entry_limit(
    market: PricedMarket,
    side: Side,
    fair: Decimal,
    ask: Decimal,
    bid: Decimal | None,
    config: StrategyConfig,
    taker: bool,
) -> Decimal | None:
    if taker:
        return ask
    book_side = "bid" if side == "yes" else "ask"
    target = min(ask, config.limit_fraction * fair)
    yes_limit = snap_to_tick(
        target if side == "yes" else ONE - target, market.price_ranges, book_side
    )
    limit = yes_limit if side == "yes" else ONE - yes_limit
    if bid is not None and limit < bid:
        # Behind the best bid the order fills only if the market falls through it (adverse
        # selection), while its cost still counts against the exposure caps: do not post it.
        return None
    return limit


def _entries(
    markets: Sequence[PricedMarket], config: StrategyConfig, decision: Decision
) -> list[Order]:
    """One event's entries, sized jointly over its outcome intervals."""
    proposals: list[tuple[Order, Decimal]] = []
    for market in markets:
        fair_yes = Decimal(market.fair_yes).quantize(PROBABILITY_PLACES, ROUND_HALF_EVEN)
        for side, fair, ask, bid in _sides(market, fair_yes):
            if ask is None:
                continue
            limit = _entry_limit(market, side, fair, ask, bid, config, decision.taker)
            if limit is None or not config.min_price <= limit <= config.max_price:
                continue
            fee = fee_per_contract(
                limit,
                maker=not decision.taker and limit < ask,
                fee_type=market.fee_type,
                fee_multiplier=market.fee_multiplier,
            )
            edge = fair - limit - fee
            if edge >= config.edge_threshold:
                order = _order(market, decision, "entry", side, "buy", limit, fair, edge, config)
                proposals.append((order, limit + fee))
    if not proposals:
        return []
    outcomes = event_outcomes(
        [PricedContract(m.ticker, m.strike_type, m.floor_strike, m.cap_strike, m.fair_yes)
         for m in markets]
    )  # fmt: skip
    candidates = [
        Candidate(outcomes.pays(order.ticker, order.side), cost, config.max_contracts_per_order)
        for order, cost in proposals
    ]
    counts = size_event(
        outcomes.probabilities,
        candidates,
        bankroll=config.bankroll,
        kelly_multiplier=config.kelly_multiplier,
    )
    return [order.with_count(n) for (order, _), n in zip(proposals, counts, strict=True) if n]


def _exits(market: PricedMarket, config: StrategyConfig, decision: Decision) -> list[Order]:
    fair_yes = Decimal(market.fair_yes).quantize(PROBABILITY_PLACES, ROUND_HALF_EVEN)
    exits = []
    for side, fair, _, bid in _sides(market, fair_yes):
        if bid is None or bid <= 0:
            continue
        fee = fee_per_contract(
            bid, maker=False, fee_type=market.fee_type, fee_multiplier=market.fee_multiplier
        )
        edge = bid - fee - fair
        if edge >= config.exit_threshold:
            exits.append(_order(market, decision, "exit", side, "sell", bid, fair, edge, config))
    return exits


def _order(
    market: PricedMarket,
    decision: Decision,
    tag: str,
    side: Side,
    action: str,
    limit: Decimal,
    fair: Decimal,
    edge: Decimal,
    config: StrategyConfig,
) -> Order:
    return Order(
        strategy=decision.strategy,
        partition_key=decision.partition_key,
        decision_time=decision.time,
        event_ticker=market.event_ticker,
        ticker=market.ticker,
        side=side,
        action=action,
        limit_price=limit,
        count=config.max_contracts_per_order,
        fee_type=market.fee_type,
        fee_multiplier=market.fee_multiplier,
        tag=tag,
        bracket_id=market.event_ticker,
        fair_value=fair,
        edge=edge,
        time_in_force="immediate_or_cancel" if decision.taker else "good_till_canceled",
        expires_at=None if decision.taker else decision.expires_at,
    )


def desired_orders(
    markets: Sequence[PricedMarket], config: StrategyConfig, decision: Decision
) -> list[Order]:
    """Entries and exits of one decision; a side without a quote gets none."""
    orders: list[Order] = []
    by_event = sorted(markets, key=lambda m: m.event_ticker)
    for _, event_markets in groupby(by_event, key=lambda m: m.event_ticker):
        event_markets = list(event_markets)
        orders.extend(_entries(event_markets, config, decision))
        for market in event_markets:
            orders.extend(_exits(market, config, decision))
    return sorted(orders, key=lambda order: risk_priority(order.action, order.edge))


def risk_priority(action: str, edge: Decimal) -> tuple[bool, Decimal]:
    """The order in which the risk check spends its budget: exits first (they free it), then
    entries by edge, best first, so a weak edge never crowds out a strong one."""
    return (action != "sell", -edge)
