"""A simulated Kalshi exchange on the warehouse tables, for paper trading and backtests.

Every order, fill and cash movement lands in ``orders``, ``fills`` and ``cash_ledger`` exactly as
live trading records them, so reports and risk read one set of tables whatever the environment.
Fills come only from ``core.matching`` (the fill model the backtest shares). Every id is derived
from the client order id, ticker or position, so replaying a partition writes nothing twice. The
caller owns the transaction: nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

import duckdb

from edge_dagster.core.fees import incremental_fee
from edge_dagster.core.matching import (
    Candle,
    Fill,
    Order,
    Quote,
    match_against_quote,
    match_resting,
    settlement_payout,
)
from edge_dagster.core.prices import ONE, Action, Side, v2_order
from edge_dagster.core.risk import Position, RiskState
from edge_dagster.warehouse import ensure_tables, fetch_row

END_OF_TIME = datetime(9000, 1, 1, tzinfo=UTC)
"""``at`` when a query should read everything in the tables."""

Mark = tuple[Decimal, Decimal]
"""(yes_bid, yes_ask) of a market, in dollars."""


@dataclass(frozen=True)
class OrderRequest:
    """What the orders asset asks for; ``limit_price`` is the price of ``side``."""

    client_order_id: str
    strategy: str
    partition_key: str
    decision_time: datetime
    event_ticker: str
    ticker: str
    side: Side
    action: Action
    limit_price: Decimal
    count: int
    fee_type: str
    fee_multiplier: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        if self.side not in ("yes", "no") or self.action not in ("buy", "sell"):
            raise ValueError(f"bad side/action {self.side!r}/{self.action!r}")
        if not Decimal(0) < self.limit_price < ONE or self.count <= 0:
            raise ValueError(f"bad limit {self.limit_price} or count {self.count}")


@dataclass(frozen=True)
class OrderRecord:
    """One ``orders`` row, field for field (the field order is the SELECT order)."""

    client_order_id: str
    environment: str
    strategy: str
    partition_key: str
    decision_time: datetime
    event_ticker: str
    ticker: str
    side: Side
    action: Action
    book_side: str
    limit_price: Decimal
    yes_price: Decimal
    count: int
    filled_count: int
    taker_fees: Decimal
    maker_fees: Decimal
    status: str
    exchange_order_id: str | None
    fee_type: str
    fee_multiplier: Decimal
    submitted_at: datetime
    filled_through: datetime
    updated_at: datetime
    note: str
    takes_liquidity: bool
    """Crossed the quote at its decision: every fill of it pays the taker fee."""


ORDER_COLUMNS = ", ".join(f.name for f in fields(OrderRecord))


def _order(order: OrderRequest | OrderRecord, count: int) -> Order:
    """The matching model's view of ``count`` contracts of a requested or recorded order."""
    return Order(order.side, order.action, order.limit_price, count, order.decision_time)


def _signed(action: str, count: int) -> int:
    return count if action == "buy" else -count


def _ledger(
    owner: Mapping[str, object], entry_id: str, kind: str, at: datetime, amount: Decimal
) -> dict[str, object]:
    return {**owner, "entry_id": entry_id, "kind": kind, "entry_at": at, "amount": amount}


def _mark_value(side: str, mark: Mark | None) -> Decimal:
    """Mark-to-bid of one contract: what selling it now would fetch (0 with no known quote)."""
    if mark is None:
        return Decimal(0)
    return mark[0] if side == "yes" else ONE - mark[1]


def insert_rows(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    rows: Iterable[Mapping[str, object]],
    or_ignore: bool = False,
) -> None:
    verb = "INSERT OR IGNORE" if or_ignore else "INSERT"
    for row in rows:
        columns, slots = ", ".join(row), ", ".join("?" * len(row))
        conn.execute(f"{verb} INTO {table} ({columns}) VALUES ({slots})", list(row.values()))


def book_fills(
    conn: duckdb.DuckDBPyConnection,
    owner: Mapping[str, object],
    client_order_id: str,
    side: str,
    action: str,
    fills: Iterable[tuple[str, Fill]],
) -> None:
    """Write (fill id, fill) pairs and their trade/fee ledger rows, once each (a fill id seen
    before is skipped); a zero fee gets no ledger row. Paper and real fills book alike."""
    fill_rows, ledger_rows = [], []
    for fill_id, fill in fills:
        fill_rows.append(
            {
                **owner,
                "fill_id": fill_id,
                "client_order_id": client_order_id,
                "side": side,
                "action": action,
                "count": fill.count,
                "price": fill.price,
                "fee": fill.fee,
                "is_taker": not fill.maker,
                "filled_at": fill.time,
            }
        )
        cash = -_signed(action, fill.count) * fill.price
        ledger_rows.append(_ledger(owner, f"{fill_id}:trade", "trade", fill.time, cash))
        if fill.fee:
            ledger_rows.append(_ledger(owner, f"{fill_id}:fee", "fee", fill.time, -fill.fee))
    insert_rows(conn, "fills", fill_rows, or_ignore=True)
    insert_rows(conn, "cash_ledger", ledger_rows, or_ignore=True)


class PaperExchange:
    """Orders rest, fill and settle on the warehouse tables; one instance per environment."""

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        *,
        environment: str = "paper",
        max_contracts_per_candle: int,
        candle_length: timedelta | None = None,
    ) -> None:
        ensure_tables(conn, ["orders", "fills", "cash_ledger"])
        self._conn = conn
        self.environment = environment
        self.max_contracts_per_candle = max_contracts_per_candle
        self.candle_length = candle_length
        """Set it to fill resting orders only on candles that began after their decision."""

    def submit(self, request: OrderRequest, quote: Quote | None, at: datetime) -> OrderRecord:
        """Place an order once: a known ``client_order_id`` returns its record and does nothing.

        The crossing part takes the displayed size at the quote price as taker (stamped ``at``);
        the remainder rests. Where the size was not recorded a crossing order takes nothing now
        and its later fills pay the taker fee. ``quote`` is None when no quote exists.
        """
        existing = self.order(request.client_order_id)
        if existing is not None:
            return existing
        taken: tuple[Fill, ...] = ()
        crossed = False
        if quote is not None:
            match = match_against_quote(
                _order(request, request.count),
                quote,
                fee_type=request.fee_type,
                fee_multiplier=request.fee_multiplier,
            )
            taken = tuple(replace(fill, time=at) for fill in match.fills)
            crossed = match.crossed
        filled = sum(fill.count for fill in taken)
        book_side, yes_price = v2_order(request.side, request.action, request.limit_price)
        record = OrderRecord(
            **{f.name: getattr(request, f.name) for f in fields(OrderRequest)},
            environment=self.environment,
            book_side=book_side,
            yes_price=yes_price,
            filled_count=filled,
            taker_fees=sum((fill.fee for fill in taken), Decimal(0)),
            maker_fees=Decimal(0),
            status="executed" if filled == request.count else "resting",
            exchange_order_id=None,
            submitted_at=at,
            filled_through=at,
            updated_at=at,
            note="",
            takes_liquidity=crossed,
        )
        self._insert("orders", [asdict(record)])
        self._record_fills(record, taken, already=0)
        return self._orders("client_order_id = ?", [request.client_order_id])[0]

    def order(self, client_order_id: str) -> OrderRecord | None:
        """The stored order, in whatever environment placed it (the id is unique across all)."""
        found = self._orders("client_order_id = ?", [client_order_id])
        return found[0] if found else None

    def cancel(self, client_order_id: str, at: datetime) -> None:
        """Cancel what still rests; an executed, canceled or unknown order is left alone."""
        self._conn.execute(
            "UPDATE orders SET status = 'canceled', updated_at = ? "
            "WHERE client_order_id = ? AND status = 'resting'",
            [at, client_order_id],
        )

    def resting_orders(
        self, strategy: str | None = None, ticker: str | None = None
    ) -> list[OrderRecord]:
        where, params = self._filters(strategy=strategy, ticker=ticker)
        return self._orders(f"{where} AND status = 'resting'", params)

    def advance(self, candles_by_ticker: Mapping[str, Sequence[Candle]], until: datetime) -> None:
        """Fill resting orders against the candles of (filled_through, until], then move
        filled_through to ``until`` so the same candles never fill twice.

        A ticker in the mapping must carry every candle it has up to ``until`` (later-arriving
        ones would be skipped); a ticker absent from it is left untouched.
        """
        for record in self.resting_orders():
            if record.ticker in candles_by_ticker and until > record.filled_through:
                self._advance_one(record, candles_by_ticker[record.ticker], until)

    def _advance_one(self, record: OrderRecord, candles: Sequence[Candle], until: datetime) -> None:
        window = [c for c in candles if record.filled_through < c.end <= until]
        remaining = _order(record, record.count - record.filled_count)
        taker = record.takes_liquidity
        fills = match_resting(
            remaining,
            window,
            max_contracts_per_candle=self.max_contracts_per_candle,
            candle_length=self.candle_length,
            fee_type=record.fee_type,
            fee_multiplier=record.fee_multiplier,
            taker=taker,
        )
        already, same_role_filled = fetch_row(
            self._conn,
            "SELECT COUNT(*), COALESCE(SUM(count) FILTER (WHERE is_taker = ?), 0) "
            "FROM fills WHERE client_order_id = ?",
            [taker, record.client_order_id],
        )
        # match_resting accumulates the fee round-up within one call; Kalshi does so over the
        # order's life, so each fill is charged on top of the order's earlier fills in its role.
        fee = partial(
            incremental_fee,
            price=record.limit_price,
            maker=not taker,
            fee_type=record.fee_type,
            fee_multiplier=record.fee_multiplier,
        )
        refeed = []
        for fill in fills:
            refeed.append(replace(fill, fee=fee(same_role_filled, fill.count)))
            same_role_filled += fill.count
        filled = record.filled_count + sum(fill.count for fill in refeed)
        new_fees = sum((fill.fee for fill in refeed), Decimal(0))
        self._conn.execute(
            "UPDATE orders SET filled_count = ?, taker_fees = ?, maker_fees = ?, status = ?, "
            "filled_through = ?, updated_at = ? WHERE client_order_id = ?",
            [
                filled,
                record.taker_fees + (new_fees if taker else 0),
                record.maker_fees + (0 if taker else new_fees),
                "executed" if filled == record.count else "resting",
                until,
                until,
                record.client_order_id,
            ],
        )
        self._record_fills(record, refeed, already=already)

    def settle(self, ticker: str, result: str, at: datetime) -> None:
        """Cancel what rests on ``ticker`` and pay $1 per winning contract.

        Every open (strategy, partition_key, side) gets a ``settlement`` row, losers with amount
        0: the row is what marks the position closed for ``positions`` and ``risk_state``.
        Entry ids are deterministic and inserted OR IGNORE, so settling again adds nothing.
        """
        if result not in ("yes", "no"):
            raise ValueError(f"cannot settle {ticker} on result {result!r}")
        for record in self.resting_orders(ticker=ticker):
            self.cancel(record.client_order_id, at)
        nets = self._conn.execute(
            "SELECT strategy, partition_key, side, "
            "SUM(CASE WHEN action = 'buy' THEN count ELSE -count END) AS net FROM fills "
            "WHERE environment = ? AND ticker = ? GROUP BY ALL HAVING net != 0 ORDER BY ALL",
            [self.environment, ticker],
        ).fetchall()
        for strategy, partition_key, side, net in nets:
            owner = self._owner(strategy, partition_key, ticker)
            entry_id = f"settlement:{self.environment}:{ticker}:{strategy}:{partition_key}:{side}"
            amount = settlement_payout(side, int(net), result)
            row = _ledger(owner, entry_id, "settlement", at, amount)
            self._insert("cash_ledger", [row], or_ignore=True)

    def positions(
        self,
        strategy: str | None = None,
        partition_key: str | None = None,
        at: datetime | None = None,
    ) -> list[Position]:
        """Net contracts (buys − sells) per (strategy, ticker, side) in markets not yet settled,
        as of ``at`` (default: everything in the tables).

        YES and NO of one market are kept apart, as they are in ``fills``.
        """
        where, params = self._filters(strategy=strategy, partition_key=partition_key)
        until = at or END_OF_TIME
        rows = self._conn.execute(
            "SELECT strategy, ticker, side, "
            "SUM(CASE WHEN action = 'buy' THEN count ELSE -count END) AS net "
            f"FROM fills WHERE {where} AND filled_at <= ? AND ticker NOT IN (SELECT ticker "
            "FROM cash_ledger WHERE environment = ? AND kind = 'settlement' AND entry_at <= ?) "
            "GROUP BY ALL HAVING net != 0 ORDER BY ALL",
            [*params, until, self.environment, until],
        ).fetchall()
        return [Position(s, t, side, int(net)) for s, t, side, net in rows]

    def risk_state(
        self,
        strategy: str,
        day: date,
        marks: Mapping[str, Mark],
        day_start_equity: Decimal,
        day_start_marks: Mapping[str, Mark] | None = None,
        at: datetime | None = None,
    ) -> RiskState:
        """The strategy's RiskState for the UTC day ``day`` as of ``at`` (default: the end of
        the tables), so a week re-run alone never sees later weeks' trades.

        Notional: buy orders submitted that day, filled plus still-resting contracts × limit
        price (sells only close risk, as in ``core.risk``; the event key is ``event_ticker``).
        Positions held at 00:00 are valued at ``day_start_marks``, or at their fill cost where
        no start mark is given. open_cost_basis = that start value plus today's net trade cash
        of each still-open position; realised_pnl = today's ledger + open_cost_basis − the start
        value of everything held at 00:00, so pnl_today is exactly today's change in cash plus
        mark-to-bid. Without lot accounting a partial sale moves the basis, not realised P&L.
        A market missing from ``marks`` is marked at 0.
        """
        start = datetime.combine(day, time(), UTC)
        until = at or END_OF_TIME
        end = min(start + timedelta(days=1), until + timedelta(microseconds=1))
        notional = self._conn.execute(
            "SELECT ticker, event_ticker, SUM((filled_count + CASE WHEN status = 'resting' "
            "THEN count - filled_count ELSE 0 END) * limit_price) AS notional FROM orders "
            "WHERE environment = ? AND strategy = ? AND action = 'buy' "
            "AND submitted_at >= ? AND submitted_at < ? GROUP BY ALL HAVING notional > 0",
            [self.environment, strategy, start, end],
        ).fetchall()
        by_market: defaultdict[str, Decimal] = defaultdict(Decimal)
        by_event: defaultdict[str, Decimal] = defaultdict(Decimal)
        for ticker, event_ticker, amount in notional:
            by_market[ticker] += amount
            by_event[event_ticker] += amount

        settled_at = dict(
            self._conn.execute(
                "SELECT ticker, MIN(entry_at) FROM cash_ledger WHERE environment = ? "
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
                    _mark_value(side, start_marks[ticker]) if marked else price
                )
        start_value = {key: value for key, value in start_values.items() if start_net[key]}
        positions = tuple(self.positions(strategy, at=at))
        (ledger_today,) = fetch_row(
            self._conn,
            "SELECT COALESCE(SUM(amount), 0) FROM cash_ledger WHERE environment = ? "
            "AND strategy = ? AND entry_at >= ? AND entry_at < ?",
            [self.environment, strategy, start, end],
        )
        open_keys = [(p.ticker, p.side) for p in positions]
        open_cost = sum(
            (start_value.get(key, Decimal(0)) + today_cash[key] for key in open_keys), Decimal(0)
        )
        return RiskState(
            day=day,
            positions=positions,
            notional_by_market=dict(by_market),
            notional_by_event=dict(by_event),
            notional_total=sum(by_market.values(), Decimal(0)),
            day_start_equity=day_start_equity,
            realised_pnl=ledger_today + open_cost - sum(start_value.values(), Decimal(0)),
            open_mark_to_bid=sum(
                (p.count * _mark_value(p.side, marks.get(p.ticker)) for p in positions),
                Decimal(0),
            ),
            open_cost_basis=open_cost,
        )

    def pnl(
        self,
        strategy: str | None = None,
        partition_key: str | None = None,
        at: datetime | None = None,
    ) -> Decimal:
        """Realised cash P&L as of ``at``: the ledger sum (open positions count at cost)."""
        where, params = self._filters(strategy=strategy, partition_key=partition_key)
        (total,) = fetch_row(
            self._conn,
            f"SELECT COALESCE(SUM(amount), 0) FROM cash_ledger WHERE {where} AND entry_at <= ?",
            [*params, at or END_OF_TIME],
        )
        return Decimal(total)

    def _record_fills(self, record: OrderRecord, fills: Iterable[Fill], already: int) -> None:
        owner = self._owner(record.strategy, record.partition_key, record.ticker)
        numbered = (
            (f"{record.client_order_id}:{n}", fill) for n, fill in enumerate(fills, already + 1)
        )
        book_fills(self._conn, owner, record.client_order_id, record.side, record.action, numbered)

    def _owner(self, strategy: str, partition_key: str, ticker: str) -> dict[str, object]:
        """The columns fills and ledger rows share."""
        return {
            "environment": self.environment,
            "strategy": strategy,
            "partition_key": partition_key,
            "ticker": ticker,
        }

    def _insert(self, table: str, rows: list[dict[str, object]], or_ignore: bool = False) -> None:
        insert_rows(self._conn, table, rows, or_ignore)

    def _filters(self, **equal: str | None) -> tuple[str, list[object]]:
        """A WHERE clause for this environment plus each given (non-None) column value."""
        given = {column: value for column, value in equal.items() if value is not None}
        where = " AND ".join(["environment = ?", *(f"{column} = ?" for column in given)])
        return where, [self.environment, *given.values()]

    def _orders(self, where: str, params: Sequence[object]) -> list[OrderRecord]:
        rows = self._conn.execute(
            f"SELECT {ORDER_COLUMNS} FROM orders WHERE {where} "
            "ORDER BY submitted_at, client_order_id",
            list(params),
        ).fetchall()
        return [OrderRecord(*row) for row in rows]
