"""Open exposure: what an account stands to lose, per market, event, strategy and in total.

Exposure = contracts held at their cost + contracts of resting buy orders at their limit (a
resting sell only closes risk). It persists across days: a position bought on Monday and an
order resting since Tuesday count against Wednesday's decision. Held positions and orders that
no strategy of ours can explain (placed by hand, or by an earlier deployment) are counted under
the strategy ``OUTSIDE``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from edge_dagster.core.orders import Order
from edge_dagster.core.prices import Side

COST_PLACES = Decimal("0.0001")
OUTSIDE = "outside"
"""Strategy key of exposure the ledger cannot attribute to one of our strategies."""


@dataclass(frozen=True)
class Position:
    """Contracts of one side a strategy holds in one market, and what they cost."""

    strategy: str
    ticker: str
    side: Side
    count: int
    event_ticker: str = ""
    cost: Decimal = Decimal(0)
    """Dollars paid for the open contracts (average buy price × count), fees excluded."""


def net_yes(positions: Iterable[Position]) -> dict[str, int]:
    """Net YES contracts per ticker (NO counts negative), as an exchange reports positions."""
    net: dict[str, int] = {}
    for p in positions:
        net[p.ticker] = net.get(p.ticker, 0) + (p.count if p.side == "yes" else -p.count)
    return net


def average_cost(bought_cost: Decimal, bought: int, net: int) -> Decimal:
    """Cost of ``net`` open contracts at the average buy price (``bought_cost`` paid for
    ``bought`` contracts): without lot accounting a sale takes out the average, not a lot."""
    if not bought:
        return Decimal(0)
    return (bought_cost * net / bought).quantize(COST_PLACES)


@dataclass(frozen=True)
class Exposure:
    """Open exposure in dollars by market, event and strategy, and in total."""

    by_market: Mapping[str, Decimal] = field(default_factory=dict)
    by_event: Mapping[str, Decimal] = field(default_factory=dict)
    by_strategy: Mapping[str, Decimal] = field(default_factory=dict)
    total: Decimal = Decimal(0)


def resting_exposure(order: Order) -> Decimal:
    """What a resting order adds if it fills: its remaining buy contracts at the limit."""
    return order.remaining * order.limit_price if order.action == "buy" else Decimal(0)


def open_exposure(
    positions: Iterable[Position],
    resting: Iterable[Order] = (),
    outside: Iterable[tuple[str, str, Decimal]] = (),
) -> Exposure:
    """Sum positions at cost, resting buys at their limit and ``outside`` (ticker, event,
    dollars) items into an :class:`Exposure`."""
    items = [(p.strategy, p.event_ticker, p.ticker, p.cost) for p in positions]
    items += [(o.strategy, o.event_ticker, o.ticker, resting_exposure(o)) for o in resting]
    items += [(OUTSIDE, event, ticker, dollars) for ticker, event, dollars in outside]
    by_market: defaultdict[str, Decimal] = defaultdict(Decimal)
    by_event: defaultdict[str, Decimal] = defaultdict(Decimal)
    by_strategy: defaultdict[str, Decimal] = defaultdict(Decimal)
    for strategy, event, ticker, dollars in items:
        if not dollars:
            continue
        by_market[ticker] += dollars
        by_event[event] += dollars
        by_strategy[strategy] += dollars
    return Exposure(
        dict(by_market), dict(by_event), dict(by_strategy), sum(by_market.values(), Decimal(0))
    )
