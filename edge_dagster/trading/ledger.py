"""The one ledger: orders, fills, cash, positions, exposure, risk state and settlement.

Every venue writes here the same way — the paper venue as it simulates fills, the Kalshi venue
as it syncs from the exchange — so reports, risk checks and reconciliation read one set of
tables (``orders``, ``fills``, ``cash_ledger``) whatever the environment. Each row carries its
``environment`` (the deployment: ``replay``, ``paper``, ``demo``, ``live``). Ids are derived
(client order id, fill id, settlement key), so writing the same event twice adds nothing. The
caller owns the transaction: nothing here commits.

Reads take ``at`` (default: everything recorded) and answer as the ledger stood then: a
re-run of one week never sees a later week's trades, and an order counts as resting at ``at``
when it was placed by then and closed (filled, canceled, expired, settled) only later. The
rules of every read live in ``core.book``; this module moves rows between it and the tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pandas as pd

from edge_dagster.core.book import END_OF_TIME, Book, CashRow, FillRow
from edge_dagster.core.exposure import Exposure, Position, open_exposure
from edge_dagster.core.matching import Fill, settlement_payout
from edge_dagster.core.orders import Order
from edge_dagster.core.prices import Mark, mark_value
from edge_dagster.warehouse import decimal_or_none, ensure_tables

LEDGER_TABLES = ["orders", "fills", "cash_ledger"]
_FILL_COLUMNS = [f.name for f in fields(FillRow)]
_CASH_COLUMNS = [f.name for f in fields(CashRow)]
_ROWS_PER_INSERT = 500
_TABLE_PLACES = Decimal("0.0001")
"""Every DECIMAL column of the ledger's tables has four places (DuckDB rounds half away from
zero); rows held in memory carry the values the tables would give back."""

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


def _insert_rows(
    conn: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, object]]
) -> int:
    """Insert rows (all with the same columns) in one statement, each once: a key seen before
    is skipped (ids are derived, so re-writes are no-ops). Returns how many were new."""
    new = 0
    for first in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[first : first + _ROWS_PER_INSERT]
        columns = list(chunk[0])
        slots = ", ".join(["(" + ", ".join("?" * len(columns)) + ")"] * len(chunk))
        new += len(
            conn.execute(
                f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES {slots} RETURNING 1",
                [row[c] for row in chunk for c in columns],
            ).fetchall()
        )
    return new


@dataclass
class _Unwritten:
    """A held ledger's rows not yet in the tables (``Ledger.batched_writes``), in the order
    they were made."""

    orders: list[str] = field(default_factory=list)
    fills: list[FillRow] = field(default_factory=list)
    cash: list[CashRow] = field(default_factory=list)


class Ledger:
    """The ledger of one environment on the warehouse tables.

    Every read is answered by ``core.book`` on the environment's rows. By default they are
    read afresh for each question, so rows another writer added, or a transaction rolled
    back, are always seen as they are. ``hold_rows``: read once and kept in step with this
    ledger's own writes — for a replay that owns the environment's rows for one transaction
    (the paper venue's backtests), where thousands of questions would otherwise each cost a
    query.
    """

    def __init__(
        self, conn: duckdb.DuckDBPyConnection, environment: str, *, hold_rows: bool = False
    ) -> None:
        ensure_tables(conn, LEDGER_TABLES)
        self._conn = conn
        self.environment = environment
        self._held = self._load() if hold_rows else None
        self._unwritten: _Unwritten | None = None

    @contextmanager
    def batched_writes(self) -> Iterator[None]:
        """Keep the new orders, fills and cash rows in the held rows and write them when the
        block ends, one statement per table: a replay makes thousands of rows, and a statement
        costs milliseconds (clears and updates of orders already in the tables run at once;
        the caller's transaction covers them). Reads inside the block see them; if the block
        raises, nothing new is written and the held rows are read again from the tables (or,
        if the transaction can no longer be read, afresh for every later question). Only for
        ``hold_rows``."""
        if self._held is None:
            raise ValueError("batched writes need a ledger that holds its rows (hold_rows)")
        if self._unwritten is not None:
            raise ValueError("batched writes do not nest: the inner block would write the outer's")
        self._unwritten = _Unwritten()
        try:
            yield
            self._write_unwritten()
        except BaseException:
            self._unwritten = None
            try:
                self._held = self._load()
            except duckdb.Error:  # the transaction is aborted: read afresh once it is over
                self._held = None
            raise

    # --- orders ---------------------------------------------------------------------------

    def own(self, order: Order) -> Order:
        """``order`` as this environment's (its client order id depends on it)."""
        return replace(order, environment=self.environment)

    def record(self, order: Order) -> Order:
        """Insert ``order`` as this environment's (its status as given); a known client order
        id keeps its row and is returned unchanged."""
        stored = self.own(order)
        if self._unwritten is not None:
            known = self.order(stored.client_order_id)
            if known is not None:
                return known
            self._held.add_order(_as_stored(stored))
            self._unwritten.orders.append(stored.client_order_id)
            return stored
        values = self._order_values(stored)
        if _insert_rows(self._conn, "orders", [{c: values[c] for c in ORDER_COLUMNS}]):
            if self._held is not None:
                self._held.add_order(_as_stored(stored))
            return stored
        existing = self.order(stored.client_order_id)
        assert existing is not None
        return existing

    def update(self, order: Order, *, closed_at: datetime | None = None) -> None:
        """Write an order's state (status, fills, fees, times, note); ``closed_at`` marks when
        it stopped resting (executed, canceled, expired, settled)."""
        if self._unwritten is not None and order.client_order_id in self._unwritten.orders:
            self._held.update_order(_as_stored(order), closed_at)  # written with its last state
            return
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
        if self._held is not None and order.client_order_id in self._held.orders:
            self._held.update_order(_as_stored(order), closed_at)

    def order(self, client_order_id: str) -> Order | None:
        """The stored order, in whatever environment placed it (the id is unique across all;
        a ledger holding its rows knows its own environment's)."""
        if self._held is not None:
            found = self._held.orders.get(client_order_id)
            return found[0] if found else None
        rows = self._conn.execute(
            f"SELECT {', '.join(ORDER_COLUMNS)} FROM orders WHERE client_order_id = ?",
            [client_order_id],
        ).fetchall()
        return self._order_from_row(rows[0]) if rows else None

    def orders(self, *, strategy: str | None = None, statuses: Sequence[str] = ()) -> list[Order]:
        """This environment's orders (oldest first), optionally of one strategy and some
        statuses."""
        return self._book().orders_where(strategy=strategy, statuses=statuses)

    def resting_orders(
        self,
        *,
        strategy: str | None = None,
        event_tickers: Sequence[str] | None = None,
        tickers: Sequence[str] | None = None,
        at: datetime | None = None,
    ) -> list[Order]:
        """Orders that rested at ``at`` (default: open now), with their fills up to then
        (``Book.resting_orders``)."""
        return self._book().resting_orders(
            strategy=strategy, event_tickers=event_tickers, tickers=tickers, at=at
        )

    def clear(self, strategy: str, first_partition: str, last_partition: str) -> None:
        """Delete a strategy's rows for a range of partitions: the paper book is derived data,
        replayed from scratch so a re-run sees each decision exactly as it stood."""
        for table in LEDGER_TABLES:
            self._conn.execute(
                f"DELETE FROM {table} WHERE environment = ? AND strategy = ? "
                "AND partition_key BETWEEN ? AND ?",
                [self.environment, strategy, first_partition, last_partition],
            )
        if self._held is not None:
            self._held.drop(lambda s, p: s == strategy and first_partition <= p <= last_partition)
            self._forget_dropped()

    def clear_partitions(self, strategy: str, partition_keys: Sequence[str]) -> None:
        """Delete a strategy's rows for a list of partitions (multi-dimensional keys, such as
        the weather city × date, do not form a range of strings)."""
        for table in LEDGER_TABLES:
            self._conn.execute(
                f"DELETE FROM {table} WHERE environment = ? AND strategy = ? "
                "AND partition_key IN (SELECT unnest(?::VARCHAR[]))",
                [self.environment, strategy, list(partition_keys)],
            )
        if self._held is not None:
            keys = set(partition_keys)
            self._held.drop(lambda s, p: s == strategy and p in keys)
            self._forget_dropped()

    # --- fills and cash -------------------------------------------------------------------

    def book_fills(self, order: Order, fills: Iterable[tuple[str, Fill]]) -> int:
        """Write (fill id, fill) pairs of ``order`` with their trade and fee cash rows, once
        each (a fill id seen before is skipped; a zero fee gets no cash row). Returns how many
        fills were new."""
        fill_rows, cash_rows = [], []
        for fill_id, fill in fills:
            row = FillRow(
                fill_id, order.client_order_id, order.strategy, order.partition_key,
                order.ticker, order.side, order.action, fill.count, fill.price, fill.fee,
                not fill.maker, fill.time,
            )  # fmt: skip
            fill_rows.append(row)
            cash = -row.signed * fill.price
            cash_rows.append(self._cash_row(order, f"{fill_id}:trade", "trade", fill.time, cash))
            if fill.fee:
                cash_rows.append(
                    self._cash_row(order, f"{fill_id}:fee", "fee", fill.time, -fill.fee)
                )
        new = self._insert_fills(fill_rows)
        self._insert_cash(cash_rows)
        return new

    def fill_count(self, client_order_id: str, *, taker: bool | None = None) -> tuple[int, int]:
        """(number of fills, contracts filled) of an order, optionally in one liquidity role."""
        return self._book().fill_count(client_order_id, taker=taker)

    def fills(self, *, strategy: str | None = None, at: datetime | None = None) -> pd.DataFrame:
        """This environment's fills up to ``at``, oldest first, with each order's event."""
        self._require_written()
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
        so settling again adds nothing. A ticker nothing rests or is held on writes nothing,
        whatever its result (a voided market the strategy never touched is no error).
        """
        tickers = sorted(settlements)
        if not tickers:
            return
        book = self._book()
        resting, nets = book.resting_orders(tickers=tickers), book.settlement_nets(tickers)
        for ticker in sorted({o.ticker for o in resting} | {net[0] for net in nets}):
            if settlements[ticker][0] not in ("yes", "no"):
                raise ValueError(f"cannot settle {ticker} on result {settlements[ticker][0]!r}")
        for order in resting:
            at = settlements[order.ticker][1]
            self.update(
                replace(order, status="canceled", updated_at=at, note="market settled"),
                closed_at=at,
            )
        rows = []
        for ticker, strategy, partition_key, side, net in nets:
            result, at = settlements[ticker]
            entry_id = f"settlement:{self.environment}:{ticker}:{strategy}:{partition_key}:{side}"
            amount = settlement_payout(side, net, result)
            rows.append(
                CashRow(entry_id, strategy, partition_key, ticker, "settlement", at, amount)
            )
        self._insert_cash(rows)

    def settlements(self, *, strategy: str | None = None) -> pd.DataFrame:
        """Settlement rows (ticker, strategy, partition, amount paid, when)."""
        self._require_written()
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
        """Open contracts per (strategy, ticker, side) in markets not settled by ``at``, with
        their event and cost (``Book.positions``)."""
        return self._book().positions(strategy=strategy, partition_key=partition_key, at=at)

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
        book = self._book()
        skip = set(excluding)
        resting = [o for o in book.resting_orders(at=at) if o.client_order_id not in skip]
        held = book.positions(at=at) if positions is None else positions
        return open_exposure(held, resting)

    def cash(
        self, *, strategy: str | None = None, partition_key: str | None = None, at=None
    ) -> Decimal:
        """Sum of the cash ledger as of ``at``: trades, fees and settlements."""
        return self._book().cash_sum(strategy=strategy, partition_key=partition_key, at=at)

    def equity(
        self,
        bankroll: Decimal,
        *,
        at: datetime | None = None,
        positions: Sequence[Position] | None = None,
    ) -> Decimal:
        """Starting bankroll + cash + open positions at cost: the paper account's equity.
        ``positions``: those of ``at``, when already read."""
        book = self._book()
        held = book.positions(at=at) if positions is None else positions
        return bankroll + book.cash_sum(at=at) + sum((p.cost for p in held), Decimal(0))

    def pnl_by_strategy(
        self, marks: Mapping[str, Mark], *, at: datetime | None = None
    ) -> list[StrategyPnl]:
        """Realised and unrealised P&L per strategy; a market missing from ``marks`` is marked
        at 0 (nothing could be sold)."""
        book = self._book()
        results = []
        for strategy in book.cash_strategies():
            held = book.positions(strategy=strategy, at=at)
            cost = sum((p.cost for p in held), Decimal(0))
            value = sum(
                (p.count * mark_value(p.side, marks.get(p.ticker)) for p in held), Decimal(0)
            )
            realised = book.cash_sum(strategy=strategy, at=at) + cost
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
        of ``at``, for the daily kill switch (``Book.day_pnl``)."""
        return self._book().day_pnl(strategy, day, marks, day_start_marks, at, positions)

    # --- rows -----------------------------------------------------------------------------

    def _book(self) -> Book:
        return self._held if self._held is not None else self._load()

    def _load(self) -> Book:
        """The environment's rows from the warehouse."""
        env = [self.environment]
        orders = self._conn.execute(
            f"SELECT {', '.join(ORDER_COLUMNS)} FROM orders WHERE environment = ? "
            "ORDER BY submitted_at, client_order_id",
            env,
        ).fetchall()
        fills = self._conn.execute(
            f"SELECT {', '.join(_FILL_COLUMNS)} FROM fills WHERE environment = ?", env
        ).fetchall()
        cash = self._conn.execute(
            f"SELECT {', '.join(_CASH_COLUMNS)} FROM cash_ledger WHERE environment = ?", env
        ).fetchall()
        closed = ORDER_COLUMNS.index("closed_at")
        return Book(
            orders={
                (order := self._order_from_row(row)).client_order_id: (order, row[closed])
                for row in orders
            },
            fills={row[0]: FillRow(*row) for row in fills},
            cash={row[0]: CashRow(*row) for row in cash},
        )

    def _insert_fills(self, rows: Sequence[FillRow]) -> int:
        rows = [replace(r, price=_in_table(r.price), fee=_in_table(r.fee)) for r in rows]
        if self._unwritten is not None:
            new = [r for r in rows if r.fill_id not in self._held.fills]
            for row in new:
                self._held.add_fill(row)
            self._unwritten.fills.extend(new)
            return len(new)
        new = _insert_rows(
            self._conn,
            "fills",
            [{"environment": self.environment, **_as_dict(r, _FILL_COLUMNS)} for r in rows],
        )
        if self._held is not None:
            for row in rows:
                self._held.add_fill(row)
        return new

    def _insert_cash(self, rows: Sequence[CashRow]) -> None:
        rows = [replace(r, amount=_in_table(r.amount)) for r in rows]
        if self._unwritten is not None:
            new = [r for r in rows if r.entry_id not in self._held.cash]
            for row in new:
                self._held.add_cash(row)
            self._unwritten.cash.extend(new)
            return
        _insert_rows(
            self._conn,
            "cash_ledger",
            [{"environment": self.environment, **_as_dict(r, _CASH_COLUMNS)} for r in rows],
        )
        if self._held is not None:
            for row in rows:
                self._held.add_cash(row)

    def _write_unwritten(self) -> None:
        unwritten, self._unwritten = self._unwritten, None
        orders = []
        for client_order_id in unwritten.orders:
            order, closed_at = self._held.orders[client_order_id]
            values = {**self._order_values(order), "closed_at": closed_at}
            orders.append({c: values[c] for c in ORDER_COLUMNS})
        _insert_rows(self._conn, "orders", orders)
        self._insert_fills(unwritten.fills)
        self._insert_cash(unwritten.cash)

    def _require_written(self) -> None:
        """A listing read from the tables would miss the rows of an open batch."""
        if self._unwritten is not None:
            raise RuntimeError("the ledger's tables are read inside batched_writes")

    def _forget_dropped(self) -> None:
        """Unwritten rows a clear deleted from the held rows are not written either."""
        if self._unwritten is None:
            return
        held = self._held
        self._unwritten.orders = [i for i in self._unwritten.orders if i in held.orders]
        self._unwritten.fills = [f for f in self._unwritten.fills if f.fill_id in held.fills]
        self._unwritten.cash = [c for c in self._unwritten.cash if c.entry_id in held.cash]

    @staticmethod
    def _cash_row(order: Order, entry_id: str, kind: str, at: datetime, amount: Decimal) -> CashRow:
        return CashRow(
            entry_id, order.strategy, order.partition_key, order.ticker, kind, at, amount
        )

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


def _as_dict(row: object, columns: Sequence[str]) -> dict[str, object]:
    return {c: getattr(row, c) for c in columns}


def _in_table(value: Decimal) -> Decimal:
    return value.quantize(_TABLE_PLACES, ROUND_HALF_UP)


def _as_stored(order: Order) -> Order:
    """``order`` as the ``orders`` table gives it back: money to four places, the fair value
    and edge through their DOUBLE columns."""
    return replace(
        order,
        limit_price=_in_table(order.limit_price),
        taker_fees=_in_table(order.taker_fees),
        maker_fees=_in_table(order.maker_fees),
        fee_multiplier=_in_table(order.fee_multiplier),
        fair_value=Decimal(str(float(order.fair_value))),
        edge=Decimal(str(float(order.edge))),
    )
