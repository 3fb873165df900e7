"""Turning desired orders into orders, once: risk checks, client order ids, replacement.

The orders asset calls :func:`execute_paper_week` (paper trading and backtests) or
:class:`KalshiGateway` (demo/live). Both derive the client order id from the intent, so a
re-run, retry or backfill finds the order it already placed and sends nothing new.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb
import pandas as pd

from edge_dagster.core.clock import LIVE_DECISION_WINDOW
from edge_dagster.core.matching import Candle, Quote
from edge_dagster.core.matching import Fill as MatchedFill
from edge_dagster.core.risk import Position, ProposedOrder, RiskLimits, RiskState, check_orders
from edge_dagster.core.strategy import risk_priority
from edge_dagster.kalshi import KalshiClient
from edge_dagster.kalshi import OrderRequest as KalshiOrderRequest
from edge_dagster.kalshi.models import OrderAck
from edge_dagster.trading.paper_exchange import OrderRequest, PaperExchange, book_fills
from edge_dagster.warehouse import fetch_row, insert_frame

ORDER_NAMESPACE = uuid.UUID("6f1d5a0e-4c1b-5d2f-9a57-0c7e0d9b7a11")


def client_order_id(
    strategy: str, ticker: str, side: str, action: str, decision_time: datetime, leg: int = 0
) -> str:
    """UUIDv5 of the intent: the same decision always yields the same id."""
    key = f"{strategy}|{ticker}|{side}|{action}|{decision_time.isoformat()}|{leg}"
    return str(uuid.uuid5(ORDER_NAMESPACE, key))


@dataclass(frozen=True)
class Intent:
    """A desired-orders row, typed."""

    strategy: str
    partition_key: str
    decision_time: datetime
    event_ticker: str
    ticker: str
    side: str
    action: str
    limit_price: Decimal
    count: int
    fee_type: str
    fee_multiplier: Decimal
    edge: Decimal = Decimal(0)

    @property
    def client_order_id(self) -> str:
        return client_order_id(
            self.strategy, self.ticker, self.side, self.action, self.decision_time
        )


def intents_from_rows(
    desired: pd.DataFrame, fees: Mapping[str, tuple[str, Decimal]]
) -> list[Intent]:
    """Typed intents from ``desired_orders`` rows; ``fees`` maps ticker → (fee type, multiplier)."""
    return [
        Intent(
            strategy=row.strategy,
            partition_key=row.partition_key,
            decision_time=pd.Timestamp(row.decision_time).to_pydatetime(),
            event_ticker=row.event_ticker,
            ticker=row.ticker,
            side=row.side,
            action=row.action,
            limit_price=Decimal(str(row.limit_price)).quantize(Decimal("0.0001")),
            count=int(row.count),
            fee_type=fees[row.ticker][0],
            fee_multiplier=fees[row.ticker][1],
            edge=Decimal(str(row.edge)),
        )
        for row in desired.itertuples(index=False)
    ]


def approved(
    intents: Sequence[Intent], state: RiskState, limits: RiskLimits, now: datetime
) -> list[tuple[Intent, int]]:
    """Pair each intent with the count the risk check lets through (zero counts dropped);
    the check spends its budget in ``risk_priority`` order."""
    intents = sorted(intents, key=lambda i: risk_priority(i.action, i.edge))
    proposals = [
        ProposedOrder(
            i.strategy, i.ticker, i.event_ticker, i.side, i.action, i.limit_price, i.count
        )
        for i in intents
    ]
    decisions = check_orders(proposals, state, limits, now)
    return [
        (i, d.approved_count) for i, d in zip(intents, decisions, strict=True) if d.approved_count
    ]


def still_wanted(limit_price: Decimal, remaining: int, wanted: tuple[Intent, int] | None) -> bool:
    """Whether an earlier decision's resting order is kept: the new decision wants exactly it
    (same limit, count equal to what still rests), so its queue place survives. Otherwise it is
    canceled, and the new decision's order (if any) is placed. At most one resting order per
    strategy, ticker, side and action, in paper and on a real exchange alike."""
    return wanted is not None and wanted[0].limit_price == limit_price and wanted[1] == remaining


@dataclass(frozen=True)
class PaperWeek:
    """Everything the paper exchange needs for one event week."""

    strategy: str
    event_ticker: str
    tickers: tuple[str, ...]
    decision_times: tuple[datetime, ...]
    intents: tuple[Intent, ...]


def execute_paper_week(
    exchange: PaperExchange,
    week: PaperWeek,
    *,
    now: datetime,
    candles_between: Callable[[Sequence[str], datetime, datetime], Mapping[str, Sequence[Candle]]],
    quote_at: Callable[[str, datetime], Quote | None],
    settlements: Callable[[datetime], Mapping[str, tuple[str, datetime]]],
    marks_at: Callable[[datetime], Mapping[str, tuple[Decimal, Decimal]]],
    limits: RiskLimits,
    bankroll: Decimal,
) -> None:
    """Replay the week's decisions in time order against the paper exchange.

    Before each decision, resting orders fill against prices recorded since the previous one;
    then the risk check sees the positions as they stood; then the strategy's resting orders
    follow the same rule as on a real exchange (``still_wanted``: kept, or canceled and
    replaced by the decision's own order).
    After the last decision, prices up to ``now`` fill what rests and settled markets pay out.
    """
    previous: datetime | None = None
    for decision_time in week.decision_times:
        if previous is not None:
            exchange.advance(candles_between(week.tickers, previous, decision_time), decision_time)
        wanted = [i for i in week.intents if i.decision_time == decision_time]
        state = exchange.risk_state(
            week.strategy,
            decision_time.astimezone(UTC).date(),
            marks_at(decision_time),
            bankroll + exchange.pnl(week.strategy, at=decision_time),
            at=decision_time,
        )
        go = approved(wanted, state, limits, decision_time)
        by_key = {(i.ticker, i.side, i.action): (i, n) for i, n in go}
        kept: set[tuple[str, str, str]] = set()
        for resting in exchange.resting_orders(strategy=week.strategy):
            if resting.event_ticker != week.event_ticker or resting.decision_time >= decision_time:
                continue
            key = (resting.ticker, resting.side, resting.action)
            remaining = resting.count - resting.filled_count
            if still_wanted(resting.limit_price, remaining, by_key.get(key)):
                kept.add(key)
            else:
                exchange.cancel(resting.client_order_id, decision_time)
        for intent, count in go:
            if (intent.ticker, intent.side, intent.action) in kept:
                continue
            exchange.submit(
                OrderRequest(
                    client_order_id=intent.client_order_id,
                    strategy=intent.strategy,
                    partition_key=intent.partition_key,
                    decision_time=intent.decision_time,
                    event_ticker=intent.event_ticker,
                    ticker=intent.ticker,
                    side=intent.side,
                    action=intent.action,
                    limit_price=intent.limit_price,
                    count=count,
                    fee_type=intent.fee_type,
                    fee_multiplier=intent.fee_multiplier,
                ),
                quote_at(intent.ticker, decision_time),
                decision_time,
            )
        previous = decision_time
    if previous is not None and now > previous:
        exchange.advance(candles_between(week.tickers, previous, now), now)
    for ticker, (result, settled_at) in sorted(settlements(now).items()):
        exchange.settle(ticker, result, settled_at)


@dataclass(frozen=True)
class DecisionOutcome:
    """What one decision did on a real exchange."""

    sent: int
    canceled: int
    kept: int


class KalshiGateway:
    """Sends fresh decisions to Kalshi demo/live; mirrors our orders, fills and fees locally."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, client: KalshiClient, environment: str):
        self._conn = conn
        self._client = client
        self.environment = environment
        # The environment's own orders, fills and ledger, kept by the same bookkeeping as the
        # paper exchange (positions, settlement rows, risk state); it never fills anything.
        self._book = PaperExchange(conn, environment=environment, max_contracts_per_candle=0)

    def risk_state(
        self,
        strategy: str,
        now: datetime,
        marks: Mapping[str, tuple[Decimal, Decimal]],
        bankroll: Decimal,
    ) -> RiskState:
        """The strategy's risk state from its own synced book (notional, today's realised and
        mark-to-bid P&L for the kill switch), with the exchange's positions added so a ticker
        held outside the book is never entered again. Equity is the account's (or
        ``bankroll`` when the account is empty). Call :meth:`sync` first."""
        balance = self._client.get_balance()
        equity = balance.balance + (balance.portfolio_value or Decimal(0))
        state = self._book.risk_state(
            strategy, now.astimezone(UTC).date(), marks, equity if equity > 0 else bankroll, at=now
        )
        known = {p.ticker for p in state.positions}
        outside = tuple(
            Position(strategy, p.ticker, "yes" if p.position > 0 else "no", int(abs(p.position)))
            for p in self._client.get_positions()
            if p.position != 0 and p.ticker not in known
        )
        return replace(state, positions=state.positions + outside)

    def already_placed(self, client_order_ids: Sequence[str]) -> set[str]:
        if not client_order_ids:
            return set()
        rows = self._conn.execute(
            "SELECT client_order_id FROM orders WHERE client_order_id IN "
            f"({', '.join('?' for _ in client_order_ids)})",
            list(client_order_ids),
        ).fetchall()
        return {row[0] for row in rows}

    def sync(self, now: datetime) -> int:
        """Refresh, from the exchange, every order of ours that may have changed (resting, or
        with fills not yet recorded): status, filled count, fees, and its fills into ``fills``
        and ``cash_ledger``. Returns how many orders were refreshed."""
        stale = self._conn.execute(
            "SELECT o.client_order_id, o.exchange_order_id, o.strategy, o.partition_key, "
            "o.ticker, o.side, o.action FROM orders o LEFT JOIN (SELECT client_order_id, "
            "sum(count) AS recorded FROM fills GROUP BY ALL) f USING (client_order_id) "
            "WHERE o.environment = ? AND o.exchange_order_id IS NOT NULL "
            "AND (o.status = 'resting' OR o.filled_count > coalesce(f.recorded, 0))",
            [self.environment],
        ).fetchall()
        for client_id, order_id, strategy, partition_key, ticker, side, action in stale:
            order = self._client.get_order(order_id)
            owner = {
                "environment": self.environment,
                "strategy": strategy,
                "partition_key": partition_key,
                "ticker": ticker,
            }
            fills = [
                (
                    fill.fill_id,
                    MatchedFill(
                        count=int(fill.count),
                        price=fill.yes_price if side == "yes" else fill.no_price,
                        fee=fill.fee_cost,
                        maker=not fill.is_taker,
                        time=fill.created_time,
                    ),
                )
                for fill in self._client.get_fills(order_id=order_id)
            ]
            book_fills(self._conn, owner, client_id, side, action, fills)
            self._conn.execute(
                "UPDATE orders SET status = ?, filled_count = ?, taker_fees = ?, maker_fees = ?, "
                "filled_through = ?, updated_at = ? WHERE client_order_id = ?",
                [
                    order.status,
                    int(order.fill_count),
                    order.taker_fees,
                    order.maker_fees,
                    now,
                    now,
                    client_id,
                ],
            )
        self._sync_settlements()
        return len(stale)

    def _sync_settlements(self) -> None:
        """Book Kalshi's settlement of every market we still hold: the same settlement rows as
        the paper book writes, so positions close and P&L is realised identically."""
        held = {p.ticker for p in self._book.positions()}
        if not held:
            return
        (since,) = fetch_row(
            self._conn,
            "SELECT min(filled_at) FROM fills WHERE environment = ? AND ticker IN "
            f"({', '.join('?' for _ in held)})",
            [self.environment, *held],
        )
        for settlement in self._client.get_settlements(min_ts=int(since.timestamp())):
            if settlement.ticker in held and settlement.market_result in ("yes", "no"):
                self._book.settle(
                    settlement.ticker, settlement.market_result, settlement.settled_time
                )

    def execute_decision(
        self,
        strategy: str,
        event_tickers: Sequence[str],
        decision_time: datetime,
        orders: Sequence[tuple[Intent, int]],
        now: datetime,
    ) -> DecisionOutcome:
        """Make the exchange hold what one fresh decision wants, each intent sent once.

        At most one resting order per (strategy, ticker, side, action): an earlier decision's
        resting order is kept when this decision wants exactly it (same price, same remaining
        count: its queue priority survives), else canceled; then every wanted order not yet
        placed or kept is created. Call :meth:`sync` first so statuses are current.
        """
        if not timedelta(0) <= now - decision_time <= LIVE_DECISION_WINDOW:
            return DecisionOutcome(sent=0, canceled=0, kept=0)
        wanted = {(i.ticker, i.side, i.action): (i, n) for i, n in orders}
        kept: set[tuple[str, str, str]] = set()
        canceled = 0
        resting = self._conn.execute(
            "SELECT client_order_id, exchange_order_id, ticker, side, action, limit_price, "
            "count - filled_count FROM orders WHERE environment = ? AND strategy = ? "
            "AND status = 'resting' AND decision_time < ? AND event_ticker IN "
            f"({', '.join('?' for _ in event_tickers)}) ORDER BY submitted_at",
            [self.environment, strategy, decision_time, *event_tickers],
        ).fetchall()
        for client_id, order_id, ticker, side, action, limit_price, remaining in resting:
            if still_wanted(limit_price, remaining, wanted.get((ticker, side, action))):
                kept.add((ticker, side, action))
                continue
            self._client.cancel_order(order_id, ticker)
            self._conn.execute(
                "UPDATE orders SET status = 'canceled', updated_at = ?, "
                "note = 'replaced by the decision of ' || ? WHERE client_order_id = ?",
                [now, decision_time.isoformat(), client_id],
            )
            canceled += 1
        placed = self.already_placed([i.client_order_id for i, _ in orders])
        sent = 0
        for key, (intent, count) in wanted.items():
            if key in kept or intent.client_order_id in placed:
                continue
            request = KalshiOrderRequest.from_intent(
                intent.ticker,
                intent.side,
                intent.action,
                intent.limit_price,
                count,
                intent.client_order_id,
                time_in_force="good_till_canceled",
                post_only=False,
            )
            ack = self._client.create_order(request)
            self._record(intent, request, count, ack, now)
            sent += 1
        return DecisionOutcome(sent=sent, canceled=canceled, kept=len(kept))

    def _record(
        self,
        intent: Intent,
        request: KalshiOrderRequest,
        count: int,
        ack: OrderAck,
        now: datetime,
    ) -> None:
        filled = int(ack.fill_count)
        row = {
            "client_order_id": intent.client_order_id,
            "environment": self.environment,
            "strategy": intent.strategy,
            "partition_key": intent.partition_key,
            "decision_time": intent.decision_time,
            "event_ticker": intent.event_ticker,
            "ticker": intent.ticker,
            "side": intent.side,
            "action": intent.action,
            "book_side": request.side,
            "limit_price": intent.limit_price,
            "yes_price": request.price,
            "count": count,
            "filled_count": filled,
            "taker_fees": (ack.average_fee_paid or Decimal(0)) * filled,
            "maker_fees": Decimal(0),
            "status": "executed" if int(ack.remaining_count) == 0 else "resting",
            "exchange_order_id": ack.order_id,
            "fee_type": intent.fee_type,
            "fee_multiplier": intent.fee_multiplier,
            "submitted_at": now,
            "filled_through": now,
            "updated_at": now,
            "note": "",
            "takes_liquidity": filled > 0,
        }
        insert_frame(self._conn, "orders", pd.DataFrame([row]))
