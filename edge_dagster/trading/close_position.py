"""Closing a position by hand — the seed dashboard's close button — through the money path.

A close goes through the same venue, ledger and risk check as every strategy order: on the
paper venue in replay and paper, on Kalshi in demo and live (after a sync, so the ledger and
the exchange's position agree). ``cancel`` cancels what rests on the market; ``sell`` sells
the held contracts at a limit price, never more than the position (the exchange's, on a real
exchange). A sell is an ordinary ``Order`` tagged ``close`` in partition ``manual``: one
already resting for the same holding is not placed again, so a retried job sends nothing new.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from edge_dagster.core.matching import Quote
from edge_dagster.core.orders import Order
from edge_dagster.core.prices import Mark
from edge_dagster.core.risk import RiskLimits
from edge_dagster.trading.execution import Venue, approved

CLOSE_TAG = "close"
MANUAL_PARTITION = "manual"
"""Partition key of orders placed by hand (no strategy decision replays them)."""
CloseAction = Literal["cancel", "sell"]


class CloseRefused(ValueError):
    """The close cannot be done as asked (nothing to cancel or sell, no limit price)."""


@dataclass(frozen=True)
class CloseRequest:
    ticker: str
    action: CloseAction
    limit_price: Decimal | None = None
    """Price per contract of the held side (``sell`` only)."""
    count: int | None = None
    """Contracts to sell per holding; None sells all."""
    strategy: str | None = None
    """Only this strategy's orders or holding; None: every strategy's."""


@dataclass(frozen=True)
class CloseOutcome:
    canceled: tuple[Order, ...] = ()
    placed: tuple[Order, ...] = ()
    already_resting: tuple[Order, ...] = ()
    cuts: tuple[str, ...] = ()


def close_position(
    venue: Venue,
    request: CloseRequest,
    *,
    now: datetime,
    quote: Quote | None,
    marks: Mapping[str, Mark],
    limits: RiskLimits,
) -> CloseOutcome:
    """Cancel the market's resting orders, or sell its holdings at the limit, on ``venue``."""
    ledger = venue.ledger
    resting = [
        o
        for o in ledger.resting_orders(tickers=[request.ticker], at=now)
        if request.strategy in (None, o.strategy)
    ]
    if request.action == "cancel":
        if not resting:
            raise CloseRefused(f"nothing rests on {request.ticker} to cancel")
        for order in resting:
            venue.cancel(order, now, "canceled by close_position_job")
        return CloseOutcome(canceled=tuple(resting))
    if request.action != "sell":
        raise CloseRefused(f"unknown close action {request.action!r}: cancel or sell")
    if request.limit_price is None:
        raise CloseRefused(f"selling {request.ticker} needs a limit_price")
    held = [
        p
        for p in ledger.positions(at=now)
        if p.ticker == request.ticker and request.strategy in (None, p.strategy)
    ]
    if not held:
        raise CloseRefused(f"no position in {request.ticker} to sell")
    traded = [o for o in ledger.orders() if o.ticker == request.ticker]
    fee_type = traded[-1].fee_type if traded else "quadratic"
    fee_multiplier = traded[-1].fee_multiplier if traded else Decimal(1)
    placed, waiting, cuts = [], [], []
    for position in held:
        already = [
            o
            for o in resting
            if (o.strategy, o.side, o.action, o.tag)
            == (position.strategy, position.side, "sell", CLOSE_TAG)
        ]
        if already:
            waiting += already
            continue
        count = min(request.count or position.count, position.count)
        order = Order(
            strategy=position.strategy,
            partition_key=MANUAL_PARTITION,
            decision_time=now,
            event_ticker=position.event_ticker,
            ticker=request.ticker,
            side=position.side,
            action="sell",
            limit_price=request.limit_price,
            count=count,
            fee_type=fee_type,
            fee_multiplier=fee_multiplier,
            tag=CLOSE_TAG,
        )
        state = venue.risk_state(position.strategy, now, marks, ())
        orders, why = approved([ledger.own(order)], state, limits, now)
        cuts += why
        placed += [venue.place(o, quote, now) for o in orders]
    return CloseOutcome(placed=tuple(placed), already_resting=tuple(waiting), cuts=tuple(cuts))
