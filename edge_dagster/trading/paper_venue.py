"""The paper venue: a simulated exchange that feeds the ledger with the one fill rule.

Paper trading and every backtest go through it. Orders are placed against their decision's
quote, rest, fill on later candles, expire, and settle — all by ``core.matching`` — and every
order, fill and cash movement lands in the ledger exactly as the Kalshi venue records real
ones. Fill ids derive from the client order id, so replaying a partition writes nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, time
from decimal import Decimal

from edge_dagster.core.matching import (
    Candle,
    Fill,
    FillRule,
    Quote,
    match_at_placement,
    match_resting,
)
from edge_dagster.core.orders import Order
from edge_dagster.core.risk import RiskState
from edge_dagster.trading.ledger import Ledger, Mark


class PaperVenue:
    """Places, fills, expires and settles orders of one environment on the ledger."""

    def __init__(self, ledger: Ledger, rule: FillRule, bankroll: Decimal) -> None:
        self.ledger = ledger
        self.rule = rule
        self.bankroll = bankroll
        """Starting equity of the paper account; current equity adds the ledger's P&L."""

    def place(self, order: Order, quote: Quote | None, at: datetime) -> Order:
        """Place ``order`` once at ``at``: taker fills at the quote, then it rests (good till
        canceled, until its expiry) or its remainder is canceled (immediate or cancel). A known
        client order id returns its record and does nothing."""
        order = self.ledger.own(order)
        placement = match_at_placement(order, quote, self.rule, at)
        filled = sum(fill.count for fill in placement.fills)
        done = filled == order.count or order.time_in_force == "immediate_or_cancel"
        placed = replace(
            order,
            status="executed" if filled == order.count else ("canceled" if done else "resting"),
            filled_count=filled,
            taker_fees=sum((fill.fee for fill in placement.fills), Decimal(0)),
            submitted_at=at,
            filled_through=at,
            updated_at=at,
            takes_liquidity=placement.takes_liquidity,
            note="" if not done or filled == order.count else "immediate or cancel: rest canceled",
        )
        recorded = self.ledger.record(placed)
        if recorded != placed:
            return recorded  # placed before: its record stands
        if done:
            self.ledger.update(placed, closed_at=at)
        self._book(placed, placement.fills, already=0)
        return placed

    def resting_orders(
        self, strategy: str, event_tickers: Sequence[str], at: datetime
    ) -> list[Order]:
        """The strategy's orders in those events that rested at ``at``."""
        return self.ledger.resting_orders(strategy=strategy, event_tickers=event_tickers, at=at)

    def cancel(self, order: Order, at: datetime, note: str = "") -> None:
        """Cancel what still rests; an order already closed is left alone."""
        current = self.ledger.order(order.client_order_id)
        if current is None or current.status != "resting":
            return
        self.ledger.update(
            replace(current, status="canceled", updated_at=at, note=note), closed_at=at
        )

    def advance(self, candles_by_ticker: Mapping[str, Sequence[Candle]], until: datetime) -> None:
        """Fill resting orders on the candles of (filled_through, until], then expire those
        whose expiry has passed; ``filled_through`` moves to ``until`` so a candle never fills
        an order twice.

        A ticker in the mapping must carry every candle it has up to ``until`` (later-arriving
        ones would be skipped); an order on a ticker absent from it only expires.
        """
        for order in self.ledger.resting_orders():
            if until <= (order.filled_through or until):
                continue
            candles = [
                c
                for c in candles_by_ticker.get(order.ticker, ())
                if order.filled_through < c.end <= until
            ]
            self._fill(order, candles, until)

    def _fill(self, order: Order, candles: Sequence[Candle], until: datetime) -> None:
        taker = order.takes_liquidity
        booked, _ = self.ledger.fill_count(order.client_order_id)
        _, in_role = self.ledger.fill_count(order.client_order_id, taker=taker)
        fills = match_resting(order, candles, self.rule, filled_in_role=in_role)
        filled = order.filled_count + sum(fill.count for fill in fills)
        new_fees = sum((fill.fee for fill in fills), Decimal(0))
        expired = order.expires_at is not None and order.expires_at <= until
        status = "executed" if filled == order.count else ("canceled" if expired else "resting")
        closed_at = None
        if status == "executed":
            closed_at = fills[-1].time
        elif expired:
            closed_at = order.expires_at
        updated = replace(
            order,
            status=status,
            filled_count=filled,
            taker_fees=order.taker_fees + (new_fees if taker else 0),
            maker_fees=order.maker_fees + (0 if taker else new_fees),
            filled_through=until,
            updated_at=until,
            note="expired" if status == "canceled" else order.note,
        )
        self.ledger.update(updated, closed_at=closed_at)
        self._book(updated, fills, already=booked)

    def settle(self, settlements: Mapping[str, tuple[str, datetime]]) -> None:
        """Settle each ticker on (result, settlement time); untouched markets need nothing."""
        self.ledger.settle(settlements)

    def risk_state(
        self,
        strategy: str,
        at: datetime,
        marks: Mapping[str, Mark],
        excluding: Iterable[str] = (),
    ) -> RiskState:
        """The account as it stood at ``at``: holdings, open exposure (leaving out the resting
        orders in ``excluding``), equity at cost, and the strategy's P&L today."""
        day = at.astimezone(UTC).date()
        held = self.ledger.positions(at=at)
        realised, mark, cost = self.ledger.day_pnl(strategy, day, marks, at=at, positions=held)
        return RiskState(
            day=day,
            equity=self.ledger.equity(self.bankroll, at=at, positions=held),
            positions=tuple(held),
            exposure=self.ledger.exposure(at=at, excluding=excluding, positions=held),
            day_start_equity=self.ledger.equity(
                self.bankroll, at=datetime.combine(day, time(), UTC)
            ),
            realised_pnl=realised,
            open_mark_to_bid=mark,
            open_cost_basis=cost,
        )

    def _book(self, order: Order, fills: Iterable[Fill], already: int) -> None:
        """Book fills numbered after the order's ``already`` earlier ones (fill ids
        ``<client order id>:<n>``)."""
        numbered = (
            (f"{order.client_order_id}:{n}", fill) for n, fill in enumerate(fills, already + 1)
        )
        self.ledger.book_fills(order, numbered)
