"""The one ledger: orders, fills, cash, positions, exposure, risk state and settlement.

Every venue writes here the same way — the paper venue as it simulates fills, the Kalshi venue
as it syncs from the exchange — so reports, risk checks and reconciliation read one set of
tables (``orders``, ``fills``, ``cash_ledger``) whatever the environment. Each row carries its
``environment`` (the deployment: ``replay``, ``paper``, ``demo``, ``live``). Ids are derived
(client order id, fill id, settlement key), so writing the same event twice adds nothing. The
caller owns the transaction: nothing here commits.

Reads take ``at`` (default: everything recorded) and answer as the ledger stood then: a
re-run of one week never sees a later week's trades, and an order counts as resting at ``at``
when it was placed by then and closed (filled, canceled, expired, settled) only later.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import duckdb
import pandas as pd

from edge_dagster.core.exposure import Exposure, Position, average_cost, open_exposure
from edge_dagster.core.matching import Fill, settlement_payout
from edge_dagster.core.orders import OPEN_STATUSES, Order
from edge_dagster.core.prices import Mark, mark_value
from edge_dagster.warehouse import decimal_or_none, ensure_tables, fetch_row

LEDGER_TABLES = ["orders", "fills", "cash_ledger"]
END_OF_TIME = datetime(9000, 1, 1, tzinfo=UTC)
"""``at`` when a query should read everything in the tables."""

_ORDER_FIELDS = [f.name for f in fields(Order)]
ORDER_COLUMNS = ["client_order_id", *_ORDER_FIELDS, "book_side", "yes_price", "closed_at"]
"""The ``orders`` columns the ledger reads and writes (``tables.TABLE_DDL``)."""
DESIRED_COLUMNS = [
    "strategy", "partition_key", "decision_time", "tag", "bracket_id", "event_ticker", "ticker",
    "side", "action", "limit_price", "count", "fair_value", "edge", "fee_type",
    "fee_multiplier", "time_in_force", "expires_at",
]  # fmt: skip
"""The ``desired_orders`` columns: an :class:`Order` before any venue has seen it."""


def desired_rows(orders: Iterable[Order]) -> pd.DataFrame:
    """``desired_orders`` rows of a strategy's orders (its contract with the orders asset)."""
    rows = [{column: getattr(order, column) for column in DESIRED_COLUMNS} for order in orders]
    frame = pd.DataFrame(rows, columns=DESIRED_COLUMNS)
    for column in ("fair_value", "edge"):
        frame[column] = frame[column].astype(float)
    return frame


def orders_from_desired(frame: pd.DataFrame) -> list[Order]:
    """Typed orders from ``desired_orders`` rows (as read through pandas)."""
    orders = []
    for row in frame.itertuples(index=False):
        expires = row.expires_at
        orders.append(
            Order(
                strategy=row.strategy,
                partition_key=row.partition_key,
                decision_time=pd.Timestamp(row.decision_time).to_pydatetime(),
                event_ticker=row.event_ticker,
                ticker=row.ticker,
                side=row.side,
                action=row.action,
                limit_price=decimal_or_none(row.limit_price),
                count=int(row.count),
                fee_type=row.fee_type,
                fee_multiplier=decimal_or_none(row.fee_multiplier),
                tag=row.tag,
                bracket_id=row.bracket_id,
                fair_value=Decimal(str(row.fair_value)),
                edge=Decimal(str(row.edge)),
                time_in_force=row.time_in_force,
                expires_at=None if pd.isna(expires) else pd.Timestamp(expires).to_pydatetime(),
            )
        )
    return orders


@dataclass(frozen=True)
class StrategyPnl:
    """One strategy's P&L in dollars: realised (the cash ledger: trades, fees, settlements;
    an open position counts at its cost) and unrealised (open positions marked to the bid)."""

    strategy: str
    realised: Decimal
    unrealised: Decimal
    open_cost: Decimal


def _signed(action: str, count: int) -> int:
    return count if action == "buy" else -count


def _ledger_row(
    owner: Mapping[str, object], entry_id: str, kind: str, at: datetime, amount: Decimal
) -> dict[str, object]:
    return {**owner, "entry_id": entry_id, "kind": kind, "entry_at": at, "amount": amount}


def _insert_rows(
    conn: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, object]]
) -> int:
    """Insert rows (all with the same columns) in one statement, each once: a key seen before
    is skipped (ids are derived, so re-writes are no-ops). Returns how many were new."""
    if not rows:
        return 0
    columns = list(rows[0])
    slots = ", ".join(["(" + ", ".join("?" * len(columns)) + ")"] * len(rows))
    inserted = conn.execute(
        f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES {slots} RETURNING 1",
        [row[c] for row in rows for c in columns],
    ).fetchall()
    return len(inserted)


class Ledger:
    """The ledger of one environment on the warehouse tables."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, environment: str) -> None:
        ensure_tables(conn, LEDGER_TABLES)
        self._conn = conn
        self.environment = environment

    # --- orders ---------------------------------------------------------------------------

    def own(self, order: Order) -> Order:
        """``order`` as this environment's (its client order id depends on it)."""
        return replace(order, environment=self.environment)

    def record(self, order: Order) -> Order:
        """Insert ``order`` as this environment's (its status as given); a known client order
        id keeps its row and is returned unchanged."""
        stored = self.own(order)
        values = self._order_values(stored)
        if _insert_rows(self._conn, "orders", [{c: values[c] for c in ORDER_COLUMNS}]):
            return stored
        existing = self.order(stored.client_order_id)
        assert existing is not None
        return existing

    def update(self, order: Order, *, closed_at: datetime | None = None) -> None:
        """Write an order's state (status, fills, fees, times, note); ``closed_at`` marks when
        it stopped resting (executed, canceled, expired, settled)."""
        self._conn.execute(
            "UPDATE orders SET status = ?, count = ?, filled_count = ?, taker_fees = ?, "
            "maker_fees = ?, exchange_order_id = ?, submitted_at = ?, filled_through = ?, "
            "updated_at = ?, note = ?, takes_liquidity = ?, "
            "closed_at = coalesce(closed_at, ?) WHERE client_order_id = ?",
            [
                order.status,
                order.count,
                order.filled_count,
                order.taker_fees,
                order.maker_fees,
                order.exchange_order_id,
                order.submitted_at,
                order.filled_through,
                order.updated_at,
                order.note,
                order.takes_liquidity,
                closed_at,
                order.client_order_id,
            ],
        )

    def order(self, client_order_id: str) -> Order | None:
        """The stored order, in whatever environment placed it (the id is unique across all)."""
        found = self._orders("client_order_id = ?", [client_order_id])
        return found[0] if found else None

    def orders(self, *, strategy: str | None = None, statuses: Sequence[str] = ()) -> list[Order]:
        """This environment's orders, optionally of one strategy and some statuses."""
        where, params = ["environment = ?"], [self.environment]
        if strategy is not None:
            where.append("strategy = ?")
            params.append(strategy)
        if statuses:
            where.append(f"status IN ({', '.join('?' for _ in statuses)})")
            params.extend(statuses)
        return self._orders(" AND ".join(where), params)

    def resting_orders(
        self,
        *,
        strategy: str | None = None,
        event_tickers: Sequence[str] | None = None,
        tickers: Sequence[str] | None = None,
        at: datetime | None = None,
    ) -> list[Order]:
        """Orders that rested at ``at`` (default: open now), with their fills up to then.

        An order rests at ``at`` when it was placed by then and closed only later; its
        ``filled_count`` is what had filled by ``at``. Pending orders (sent to an exchange,
        no answer recorded) count as resting: they may be live.
        """
        until = at or END_OF_TIME
        where = ["o.environment = ?", "o.submitted_at <= ?"]
        params: list[object] = [self.environment, until]
        if at is None:
            where.append(f"o.status IN ({', '.join('?' for _ in OPEN_STATUSES)})")
            params.extend(OPEN_STATUSES)
        else:
            where.append("o.status != 'unsent' AND (o.closed_at IS NULL OR o.closed_at > ?)")
            params.append(at)
        if strategy is not None:
            where.append("o.strategy = ?")
            params.append(strategy)
        for column, values in (("ticker", tickers), ("event_ticker", event_tickers)):
            if values is not None:
                if not values:
                    return []
                where.append(f"o.{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        columns = ", ".join(f"o.{c}" for c in ORDER_COLUMNS)
        rows = self._conn.execute(
            f"SELECT {columns}, coalesce(f.filled, 0) FROM orders o LEFT JOIN ("
            "SELECT client_order_id, sum(count) AS filled FROM fills WHERE filled_at <= ? "
            "GROUP BY ALL) f USING (client_order_id) "
            f"WHERE {' AND '.join(where)} ORDER BY o.submitted_at, o.client_order_id",
            [until, *params],
        ).fetchall()
        resting = []
        for row in rows:
            order = self._order_from_row(row[:-1])
            filled = int(row[-1]) if at is not None else order.filled_count
            if filled < order.count:
                resting.append(replace(order, filled_count=filled))
        return resting

    def clear(self, strategy: str, first_partition: str, last_partition: str) -> None:
        """Delete a strategy's rows for a range of partitions: the paper book is derived data,
        replayed from scratch so a re-run sees each decision exactly as it stood."""
        for table in LEDGER_TABLES:
            self._conn.execute(
                f"DELETE FROM {table} WHERE environment = ? AND strategy = ? "
                "AND partition_key BETWEEN ? AND ?",
                [self.environment, strategy, first_partition, last_partition],
            )

    def clear_partitions(self, strategy: str, partition_keys: Sequence[str]) -> None:
        """Delete a strategy's rows for a list of partitions (multi-dimensional keys, such as
        the weather city × date, do not form a range of strings)."""
        for table in LEDGER_TABLES:
            self._conn.execute(
                f"DELETE FROM {table} WHERE environment = ? AND strategy = ? "
                "AND partition_key IN (SELECT unnest(?::VARCHAR[]))",
                [self.environment, strategy, list(partition_keys)],
            )

    # --- fills and cash -------------------------------------------------------------------

    def book_fills(self, order: Order, fills: Iterable[tuple[str, Fill]]) -> int:
        """Write (fill id, fill) pairs of ``order`` with their trade and fee cash rows, once
        each (a fill id seen before is skipped; a zero fee gets no cash row). Returns how many
        fills were new."""
        owner = self._owner(order.strategy, order.partition_key, order.ticker)
        fill_rows, cash_rows = [], []
        for fill_id, fill in fills:
            fill_rows.append(
                {
                    **owner,
                    "fill_id": fill_id,
                    "client_order_id": order.client_order_id,
                    "side": order.side,
                    "action": order.action,
                    "count": fill.count,
                    "price": fill.price,
                    "fee": fill.fee,
                    "is_taker": not fill.maker,
                    "filled_at": fill.time,
                }
            )
            cash = -_signed(order.action, fill.count) * fill.price
            cash_rows.append(_ledger_row(owner, f"{fill_id}:trade", "trade", fill.time, cash))
            if fill.fee:
                cash_rows.append(_ledger_row(owner, f"{fill_id}:fee", "fee", fill.time, -fill.fee))
        new = _insert_rows(self._conn, "fills", fill_rows)
        _insert_rows(self._conn, "cash_ledger", cash_rows)
        return new

    def fill_count(self, client_order_id: str, *, taker: bool | None = None) -> tuple[int, int]:
        """(number of fills, contracts filled) of an order, optionally in one liquidity role."""
        rows, contracts = fetch_row(
            self._conn,
            "SELECT count(*), coalesce(sum(count), 0) FROM fills WHERE client_order_id = ? "
            "AND is_taker = coalesce(?, is_taker)",
            [client_order_id, taker],
        )
        return int(rows), int(contracts)

    def fills(self, *, strategy: str | None = None, at: datetime | None = None) -> pd.DataFrame:
        """This environment's fills up to ``at``, oldest first, with each order's event."""
        return self._conn.execute(
            "SELECT f.*, o.event_ticker, o.exchange_order_id FROM fills f "
            "LEFT JOIN orders o USING (client_order_id) WHERE f.environment = ? "
            "AND f.strategy = coalesce(?, f.strategy) AND f.filled_at <= ? "
            "ORDER BY f.filled_at, f.fill_id",
            [self.environment, strategy, at or END_OF_TIME],
        ).df()

    # --- settlement -----------------------------------------------------------------------

    def settle(self, settlements: Mapping[str, tuple[str, datetime]]) -> None:
        """Settle each ticker on (result, settlement time): close what rests on it and pay $1
        per winning contract.

        Every open (strategy, partition_key, side) gets a ``settlement`` row, losers with amount
        0: the row is what marks the position closed for ``positions``. Entry ids are derived,
        so settling again adds nothing. A ticker nothing was traded on writes nothing.
        """
        for ticker, (result, _) in settlements.items():
            if result not in ("yes", "no"):
                raise ValueError(f"cannot settle {ticker} on result {result!r}")
        tickers = sorted(settlements)
        if not tickers:
            return
        for order in self.resting_orders(tickers=tickers):
            at = settlements[order.ticker][1]
            self.update(
                replace(order, status="canceled", updated_at=at, note="market settled"),
                closed_at=at,
            )
        nets = self._conn.execute(
            "SELECT ticker, strategy, partition_key, side, "
            "sum(CASE WHEN action = 'buy' THEN count ELSE -count END) AS net FROM fills "
            "WHERE environment = ? AND ticker IN (SELECT unnest(?::VARCHAR[])) "
            "GROUP BY ALL HAVING net != 0 ORDER BY ALL",
            [self.environment, tickers],
        ).fetchall()
        rows = []
        for ticker, strategy, partition_key, side, net in nets:
            result, at = settlements[ticker]
            owner = self._owner(strategy, partition_key, ticker)
            entry_id = f"settlement:{self.environment}:{ticker}:{strategy}:{partition_key}:{side}"
            amount = settlement_payout(side, int(net), result)
            rows.append(_ledger_row(owner, entry_id, "settlement", at, amount))
        _insert_rows(self._conn, "cash_ledger", rows)

    def settlements(self, *, strategy: str | None = None) -> pd.DataFrame:
        """Settlement rows (ticker, strategy, partition, amount paid, when)."""
        return self._conn.execute(
            "SELECT strategy, partition_key, ticker, entry_at AS settled_at, amount "
            "FROM cash_ledger WHERE environment = ? AND kind = 'settlement' "
            "AND strategy = coalesce(?, strategy) ORDER BY entry_at, ticker",
            [self.environment, strategy],
        ).df()

    # --- positions, exposure, P&L ---------------------------------------------------------

    def positions(
        self,
        *,
        strategy: str | None = None,
        partition_key: str | None = None,
        at: datetime | None = None,
    ) -> list[Position]:
        """Open contracts (buys − sells) per (strategy, ticker, side) in markets not settled by
        ``at``, with their event and cost (average buy price × open count). YES and NO of one
        market are kept apart, as they are in ``fills``."""
        until = at or END_OF_TIME
        rows = self._conn.execute(
            "SELECT f.strategy, f.ticker, f.side, any_value(o.event_ticker), "
            "sum(CASE WHEN f.action = 'buy' THEN f.count ELSE -f.count END) AS net, "
            "sum(CASE WHEN f.action = 'buy' THEN f.count ELSE 0 END), "
            "sum(CASE WHEN f.action = 'buy' THEN f.count * f.price ELSE 0 END) "
            "FROM fills f LEFT JOIN orders o USING (client_order_id) "
            "WHERE f.environment = ? AND f.strategy = coalesce(?, f.strategy) "
            "AND f.partition_key = coalesce(?, f.partition_key) AND f.filled_at <= ? "
            "AND f.ticker NOT IN (SELECT ticker FROM cash_ledger WHERE environment = ? "
            "AND kind = 'settlement' AND entry_at <= ?) "
            "GROUP BY f.strategy, f.ticker, f.side HAVING net != 0 ORDER BY ALL",
            [self.environment, strategy, partition_key, until, self.environment, until],
        ).fetchall()
        positions = []
        for strategy_, ticker, side, event, net, bought, bought_cost in rows:
            cost = average_cost(Decimal(bought_cost), int(bought), int(net))
            positions.append(Position(strategy_, ticker, side, int(net), event or "", cost))
        return positions

    def exposure(
        self,
        *,
        at: datetime | None = None,
        excluding: Iterable[str] = (),
        positions: Sequence[Position] | None = None,
    ) -> Exposure:
        """Open exposure as of ``at``: positions at cost plus resting buys at their limit,
        leaving out the resting orders whose ids are in ``excluding`` (those a decision is
        about to keep or replace). ``positions``: those of ``at``, when already read."""
        skip = set(excluding)
        resting = [o for o in self.resting_orders(at=at) if o.client_order_id not in skip]
        held = self.positions(at=at) if positions is None else positions
        return open_exposure(held, resting)

    def cash(
        self, *, strategy: str | None = None, partition_key: str | None = None, at=None
    ) -> Decimal:
        """Sum of the cash ledger as of ``at``: trades, fees and settlements."""
        (total,) = fetch_row(
            self._conn,
            "SELECT coalesce(sum(amount), 0) FROM cash_ledger WHERE environment = ? "
            "AND strategy = coalesce(?, strategy) AND partition_key = coalesce(?, partition_key) "
            "AND entry_at <= ?",
            [self.environment, strategy, partition_key, at or END_OF_TIME],
        )
        return Decimal(total)

    def equity(
        self,
        bankroll: Decimal,
        *,
        at: datetime | None = None,
        positions: Sequence[Position] | None = None,
    ) -> Decimal:
        """Starting bankroll + cash + open positions at cost: the paper account's equity.
        ``positions``: those of ``at``, when already read."""
        held = self.positions(at=at) if positions is None else positions
        return bankroll + self.cash(at=at) + sum((p.cost for p in held), Decimal(0))

    def pnl_by_strategy(
        self, marks: Mapping[str, Mark], *, at: datetime | None = None
    ) -> list[StrategyPnl]:
        """Realised and unrealised P&L per strategy; a market missing from ``marks`` is marked
        at 0 (nothing could be sold)."""
        strategies = [
            row[0]
            for row in self._conn.execute(
                "SELECT DISTINCT strategy FROM cash_ledger WHERE environment = ? ORDER BY 1",
                [self.environment],
            ).fetchall()
        ]
        results = []
        for strategy in strategies:
            held = self.positions(strategy=strategy, at=at)
            cost = sum((p.cost for p in held), Decimal(0))
            value = sum(
                (p.count * mark_value(p.side, marks.get(p.ticker)) for p in held), Decimal(0)
            )
            realised = self.cash(strategy=strategy, at=at) + cost
            results.append(StrategyPnl(strategy, realised, value - cost, cost))
        return results

    def day_pnl(
        self,
        strategy: str,
        day: date,
        marks: Mapping[str, Mark],
        day_start_marks: Mapping[str, Mark] | None = None,
        at: datetime | None = None,
        positions: Sequence[Position] | None = None,
    ) -> tuple[Decimal, Decimal, Decimal]:
        """(realised, open mark-to-bid, open cost basis) of the strategy's UTC day ``day`` as
        of ``at``, for the daily kill switch (``RiskState.pnl_today``).

        Positions held at 00:00 are valued at ``day_start_marks``, or at their fill cost where
        no start mark is given. open cost = that start value plus today's net trade cash of
        each still-open position; realised = today's ledger + open cost − the start value of
        everything held at 00:00, so realised + mark − cost is exactly today's change in cash
        plus mark-to-bid. Without lot accounting a partial sale moves the basis, not realised.
        ``positions``: all positions of ``at``, when already read.
        """
        start = datetime.combine(day, time(), UTC)
        until = at or END_OF_TIME
        end = min(start + timedelta(days=1), until + timedelta(microseconds=1))
        settled_at = dict(
            self._conn.execute(
                "SELECT ticker, min(entry_at) FROM cash_ledger WHERE environment = ? "
                "AND kind = 'settlement' AND entry_at <= ? GROUP BY ticker",
                [self.environment, until],
            ).fetchall()
        )
        start_marks = day_start_marks or {}
        start_net: defaultdict[tuple[str, str], int] = defaultdict(int)
        start_values: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
        today_cash: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for ticker, side, action, count, price, filled_at in self._conn.execute(
            "SELECT ticker, side, action, count, price, filled_at FROM fills "
            "WHERE environment = ? AND strategy = ? AND filled_at <= ?",
            [self.environment, strategy, until],
        ).fetchall():
            key, signed = (ticker, side), _signed(action, count)
            if filled_at >= start:
                today_cash[key] += signed * price
            elif ticker not in settled_at or settled_at[ticker] >= start:
                start_net[key] += signed
                marked = ticker in start_marks
                start_values[key] += signed * (
                    mark_value(side, start_marks[ticker]) if marked else price
                )
        start_value = {key: value for key, value in start_values.items() if start_net[key]}
        if positions is None:
            held = self.positions(strategy=strategy, at=at)
        else:
            held = [p for p in positions if p.strategy == strategy]
        (ledger_today,) = fetch_row(
            self._conn,
            "SELECT coalesce(sum(amount), 0) FROM cash_ledger WHERE environment = ? "
            "AND strategy = ? AND entry_at >= ? AND entry_at < ?",
            [self.environment, strategy, start, end],
        )
        open_cost = sum(
            (start_value.get((p.ticker, p.side), Decimal(0)) + today_cash[(p.ticker, p.side)]
             for p in held),
            Decimal(0),
        )  # fmt: skip
        realised = ledger_today + open_cost - sum(start_value.values(), Decimal(0))
        mark = sum((p.count * mark_value(p.side, marks.get(p.ticker)) for p in held), Decimal(0))
        return realised, mark, open_cost

    # --- rows -----------------------------------------------------------------------------

    def _owner(self, strategy: str, partition_key: str, ticker: str) -> dict[str, object]:
        """The columns fills and cash rows share."""
        return {
            "environment": self.environment,
            "strategy": strategy,
            "partition_key": partition_key,
            "ticker": ticker,
        }

    @staticmethod
    def _order_values(order: Order) -> dict[str, object]:
        values: dict[str, object] = {name: getattr(order, name) for name in _ORDER_FIELDS}
        values.update(
            client_order_id=order.client_order_id,
            book_side=order.book_side,
            yes_price=order.yes_price,
            closed_at=None,
            fair_value=float(order.fair_value),
            edge=float(order.edge),
        )
        return values

    @staticmethod
    def _order_from_row(row: Sequence[object]) -> Order:
        values = dict(zip(ORDER_COLUMNS, row, strict=True))
        for name in ("fair_value", "edge"):
            values[name] = Decimal(str(values[name]))
        return Order(**{name: values[name] for name in _ORDER_FIELDS})

    def _orders(self, where: str, params: Sequence[object]) -> list[Order]:
        rows = self._conn.execute(
            f"SELECT {', '.join(ORDER_COLUMNS)} FROM orders WHERE {where} "
            "ORDER BY submitted_at, client_order_id",
            list(params),
        ).fetchall()
        return [self._order_from_row(row) for row in rows]
