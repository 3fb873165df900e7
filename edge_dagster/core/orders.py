"""The one order type, from a strategy's wish to its row in the ledger.

A strategy writes an :class:`Order` with status ``desired``; the risk check only changes its
count; a venue records it (``pending`` on a real exchange until the exchange acknowledges it,
then ``resting``, ``executed`` or ``canceled``) and fills it. Every step is ``replace`` on the
same frozen type, so no field is ever copied by hand from one order class to another.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from edge_dagster.core.prices import ONE, Action, BookSide, Side, v2_order

ORDER_NAMESPACE = uuid.UUID("6f1d5a0e-4c1b-5d2f-9a57-0c7e0d9b7a11")
TimeInForce = Literal["good_till_canceled", "immediate_or_cancel"]
OrderStatus = Literal["desired", "pending", "unsent", "resting", "executed", "canceled"]
OPEN_STATUSES = ("pending", "resting")
"""An order that may still trade: acknowledged and resting, or sent without an answer yet."""
IntentKey = tuple[str, str, str, str]
"""(strategy, ticker, side, action): at most one resting order per key."""


def client_order_id(
    environment: str, strategy: str, ticker: str, side: str, action: str, decision_time: datetime
) -> str:
    """UUIDv5 of the intent in its environment: the same decision always yields the same id,
    on any machine, and a backtest of a week never shares an id with a real run of it.

    The decision time is hashed in UTC, so a re-run under another ``TZ`` (or a DuckDB session
    in another zone) finds the order it already sent.
    """
    if not environment:
        raise ValueError("an order gets its client order id from the venue that places it")
    if decision_time.tzinfo is None:
        raise ValueError(f"decision time {decision_time} has no time zone")
    instant = decision_time.astimezone(UTC).isoformat()
    key = f"{environment}|{strategy}|{ticker}|{side}|{action}|{instant}"
    return str(uuid.uuid5(ORDER_NAMESPACE, key))


@dataclass(frozen=True)
class Order:
    """One order of one strategy at one decision; ``limit_price`` is the price of ``side``.

    The first block is what the strategy decides; the second is the ledger's state of it.
    ``expires_at`` is when the order stops resting (TSA: before the next publication, so nobody
    who reads the new figure first can pick it off); ``None`` rests until canceled.
    """

    strategy: str
    partition_key: str
    decision_time: datetime
    event_ticker: str
    ticker: str
    side: Side
    action: Action
    limit_price: Decimal
    count: int
    fee_type: str = "quadratic"
    fee_multiplier: Decimal = Decimal(1)
    tag: str = "entry"
    bracket_id: str = ""
    fair_value: Decimal = Decimal(0)
    edge: Decimal = Decimal(0)
    time_in_force: TimeInForce = "good_till_canceled"
    expires_at: datetime | None = None

    environment: str = ""
    status: OrderStatus = "desired"
    filled_count: int = 0
    taker_fees: Decimal = Decimal(0)
    maker_fees: Decimal = Decimal(0)
    exchange_order_id: str | None = None
    submitted_at: datetime | None = None
    filled_through: datetime | None = None
    """Prices up to here have been matched (paper) or synced (exchange)."""
    updated_at: datetime | None = None
    note: str = ""
    takes_liquidity: bool = False
    """Crossed a quote of unrecorded size when placed: every fill of it pays the taker fee."""

    def __post_init__(self) -> None:
        if self.side not in ("yes", "no") or self.action not in ("buy", "sell"):
            raise ValueError(f"bad side/action {self.side!r}/{self.action!r}")
        if not Decimal(0) < self.limit_price < ONE:
            raise ValueError(f"limit price {self.limit_price} outside (0, 1)")
        if self.count <= 0:
            raise ValueError(f"order count {self.count} is not positive")
        if self.time_in_force not in ("good_till_canceled", "immediate_or_cancel"):
            raise ValueError(f"unsupported time in force {self.time_in_force!r}")

    @property
    def client_order_id(self) -> str:
        return client_order_id(
            self.environment,
            self.strategy,
            self.ticker,
            self.side,
            self.action,
            self.decision_time,
        )

    @property
    def key(self) -> IntentKey:
        return (self.strategy, self.ticker, self.side, self.action)

    @property
    def remaining(self) -> int:
        return self.count - self.filled_count

    @property
    def book_side(self) -> BookSide:
        """The V2 order's side on the YES book (buying NO rests on the YES ask)."""
        return v2_order(self.side, self.action, self.limit_price)[0]

    @property
    def yes_price(self) -> Decimal:
        """The V2 order's YES price."""
        return v2_order(self.side, self.action, self.limit_price)[1]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def with_count(self, count: int) -> Order:
        return replace(self, count=count)
