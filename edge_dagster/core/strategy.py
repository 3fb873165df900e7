"""From fair values and quotes to desired orders: the rule every strategy shares.

Entries: buy the side whose limit price — min(current ask, k × fair value of that side), snapped
to the tick on the passive side, never behind that side's best bid — beats the fair value by the
edge threshold after fees, sized by fractional Kelly. Exits: sell a side when its bid beats the
current fair value by the exit threshold (the model's take-profit and stop-loss). Sells are
written at the per-order cap; the risk check at submission cuts them to what is actually held,
and skips them when nothing is. Orders come out in the order the risk check should spend its
budget (``risk_priority``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from edge_dagster.core.fees import fee_per_contract
from edge_dagster.core.prices import LINEAR_CENT, ONE, PriceRange, Side, snap_to_tick
from edge_dagster.core.sizing import kelly_contracts

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
    """One market at one decision time: the model's P(YES) and the quote then."""

    ticker: str
    event_ticker: str
    fair_yes: float
    yes_bid: Decimal | None
    yes_ask: Decimal | None
    fee_type: str
    fee_multiplier: Decimal
    price_ranges: tuple[PriceRange, ...] = LINEAR_CENT


@dataclass(frozen=True)
class DesiredOrder:
    ticker: str
    event_ticker: str
    tag: str
    side: Side
    action: str
    limit_price: Decimal
    count: int
    fair_value: Decimal
    edge: Decimal


def _entry(
    market: PricedMarket,
    side: Side,
    fair: Decimal,
    ask: Decimal,
    bid: Decimal,
    config: StrategyConfig,
) -> DesiredOrder | None:
    book_side = "bid" if side == "yes" else "ask"
    target = min(ask, config.limit_fraction * fair)
    yes_limit = snap_to_tick(
        target if side == "yes" else ONE - target, market.price_ranges, book_side
    )
    limit = yes_limit if side == "yes" else ONE - yes_limit
    if not config.min_price <= limit <= config.max_price:
        return None
    if limit < bid:
        # Behind the best bid the order fills only if the market falls through it (adverse
        # selection), while its notional still uses the risk budget: do not post it.
        return None
    maker = limit < ask
    fee = fee_per_contract(
        limit, maker=maker, fee_type=market.fee_type, fee_multiplier=market.fee_multiplier
    )
    edge = fair - limit - fee
    if edge < config.edge_threshold:
        return None
    count = min(
        config.max_contracts_per_order,
        kelly_contracts(
            fair,
            limit,
            balance=config.bankroll,
            kelly_multiplier=config.kelly_multiplier,
            fee_per_contract=fee,
        ),
    )
    if count < 1:
        return None
    return DesiredOrder(
        market.ticker, market.event_ticker, "entry", side, "buy", limit, count, fair, edge
    )


def _exit(
    market: PricedMarket, side: Side, fair: Decimal, bid: Decimal, config: StrategyConfig
) -> DesiredOrder | None:
    if bid <= 0 or bid - fair < config.exit_threshold:
        return None
    return DesiredOrder(
        market.ticker,
        market.event_ticker,
        "exit",
        side,
        "sell",
        bid,
        config.max_contracts_per_order,
        fair,
        bid - fair,
    )


def desired_orders(markets: list[PricedMarket], config: StrategyConfig) -> list[DesiredOrder]:
    """Entries and exits for markets with a two-sided quote; unquoted markets get none."""
    orders: list[DesiredOrder] = []
    for market in markets:
        if market.yes_bid is None or market.yes_ask is None:
            continue
        fair_yes = Decimal(market.fair_yes).quantize(PROBABILITY_PLACES, ROUND_HALF_EVEN)
        sides = (
            ("yes", fair_yes, market.yes_ask, market.yes_bid),
            ("no", ONE - fair_yes, ONE - market.yes_bid, ONE - market.yes_ask),
        )
        for side, fair, ask, bid in sides:
            entry = _entry(market, side, fair, ask, bid, config)
            exit_ = _exit(market, side, fair, bid, config)
            orders.extend(order for order in (entry, exit_) if order is not None)
    return sorted(orders, key=lambda order: risk_priority(order.action, order.edge))


def risk_priority(action: str, edge: Decimal) -> tuple[bool, Decimal]:
    """The order in which the risk check spends its budget: exits first (they free it), then
    entries by edge, best first, so a weak edge never crowds out a strong one."""
    return (action != "sell", -edge)
