"""The ledger's rules on its rows: what rested, what was held and what was paid, as of a time.

``trading.ledger`` gives this module the rows of one environment — read from the warehouse,
or held in memory through a replay — and asks it every question, so the warehouse and a
replay answer alike by construction. ``at`` reads the book as it stood then: an order rests at
``at`` when it was placed by then and closed only later, with the fills booked by then; a
market is settled from the time of its first settlement row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from edge_dagster.core.exposure import Position, average_cost
from edge_dagster.core.orders import OPEN_STATUSES, Order
from edge_dagster.core.prices import Mark, mark_value

END_OF_TIME = datetime(9000, 1, 1, tzinfo=UTC)
"""``at`` when a read should see everything in the book."""


@dataclass(frozen=True)
class FillRow:
    """One fill as the ``fills`` table holds it."""

    fill_id: str
    client_order_id: str
    strategy: str
    partition_key: str
    ticker: str
    side: str
    action: str
    count: int
    price: Decimal
    fee: Decimal
    is_taker: bool
    filled_at: datetime

    @property
    def signed(self) -> int:
        """Contracts bought (+) or sold (−)."""
        return self.count if self.action == "buy" else -self.count


@dataclass(frozen=True)
class CashRow:
    """One cash movement as the ``cash_ledger`` table holds it (trade, fee, settlement)."""

    entry_id: str
    strategy: str
    partition_key: str
    ticker: str
    kind: str
    entry_at: datetime
    amount: Decimal


@dataclass
class Book:
    """One environment's orders (each with the time it stopped resting), fills and cash rows."""

    orders: dict[str, tuple[Order, datetime | None]] = field(default_factory=dict)
    fills: dict[str, FillRow] = field(default_factory=dict)
    cash: dict[str, CashRow] = field(default_factory=dict)
    _fills_of: defaultdict[str, list[FillRow]] = field(
        default_factory=lambda: defaultdict(list), repr=False
    )

    def __post_init__(self) -> None:
        for row in self.fills.values():
            self._fills_of[row.client_order_id].append(row)

    # --- writes: the ledger mirrors its own ----------------------------------------------

    def add_order(self, order: Order) -> None:
        self.orders.setdefault(order.client_order_id, (order, None))

    def update_order(self, order: Order, closed_at: datetime | None) -> None:
        """The state ``Ledger.update`` writes; the first close time stands."""
        stored, closed = self.orders[order.client_order_id]
        state = replace(
            stored,
            status=order.status,
            count=order.count,
            filled_count=order.filled_count,
            taker_fees=order.taker_fees,
            maker_fees=order.maker_fees,
            exchange_order_id=order.exchange_order_id,
            submitted_at=order.submitted_at,
            filled_through=order.filled_through,
            updated_at=order.updated_at,
            note=order.note,
            takes_liquidity=order.takes_liquidity,
        )
        self.orders[order.client_order_id] = (state, closed if closed is not None else closed_at)

    def add_fill(self, row: FillRow) -> None:
        if row.fill_id not in self.fills:
            self.fills[row.fill_id] = row
            self._fills_of[row.client_order_id].append(row)

    def add_cash(self, row: CashRow) -> None:
        self.cash.setdefault(row.entry_id, row)

    def drop(self, owned: Callable[[str, str], bool]) -> None:
        """Delete the rows whose (strategy, partition key) is ``owned``."""
        self.orders = {
            k: v for k, v in self.orders.items() if not owned(v[0].strategy, v[0].partition_key)
        }
        self.fills = {k: f for k, f in self.fills.items() if not owned(f.strategy, f.partition_key)}
        self.cash = {k: c for k, c in self.cash.items() if not owned(c.strategy, c.partition_key)}
        self._fills_of = defaultdict(list)
        self.__post_init__()

    # --- reads ------------------------------------------------------------------------------

    def orders_where(
        self, *, strategy: str | None = None, statuses: Sequence[str] = ()
    ) -> list[Order]:
        """Orders (oldest submission first), optionally of one strategy and some statuses."""
        found = [
            order
            for order, _ in self.orders.values()
            if (strategy is None or order.strategy == strategy)
            and (not statuses or order.status in statuses)
        ]
        return sorted(found, key=lambda o: (o.submitted_at, o.client_order_id))

    def resting_orders(
        self,
        *,
        strategy: str | None = None,
        event_tickers: Sequence[str] | None = None,
        tickers: Sequence[str] | None = None,
        at: datetime | None = None,
    ) -> list[Order]:
        """Orders that rested at ``at`` (default: open now), with their fills up to then.

        Pending orders (sent to an exchange, no answer recorded) count as resting: they may
        be live.
        """
        until = at or END_OF_TIME
        events = None if event_tickers is None else set(event_tickers)
        markets = None if tickers is None else set(tickers)
        resting = []
        for order, closed_at in self.orders.values():
            if (
                order.submitted_at > until
                or (strategy is not None and order.strategy != strategy)
                or (events is not None and order.event_ticker not in events)
                or (markets is not None and order.ticker not in markets)
            ):
                continue
            if at is None:
                if order.status not in OPEN_STATUSES:
                    continue
                filled = order.filled_count
            else:
                if order.status == "unsent" or (closed_at is not None and closed_at <= at):
                    continue
                filled = sum(
                    f.count
                    for f in self._fills_of.get(order.client_order_id, ())
                    if f.filled_at <= at
                )
            if filled < order.count:
                resting.append(replace(order, filled_count=filled))
        return sorted(resting, key=lambda o: (o.submitted_at, o.client_order_id))

    def fill_count(self, client_order_id: str, *, taker: bool | None = None) -> tuple[int, int]:
        """(number of fills, contracts filled) of an order, optionally in one liquidity role."""
        rows = [
            f
            for f in self._fills_of.get(client_order_id, ())
            if taker is None or f.is_taker == taker
        ]
        return len(rows), sum(f.count for f in rows)

    def settled_at(self, at: datetime | None = None) -> dict[str, datetime]:
        """Ticker → when it settled, for the markets settled by ``at``."""
        until = at or END_OF_TIME
        first: dict[str, datetime] = {}
        for row in self.cash.values():
            settles = row.kind == "settlement" and row.entry_at <= until
            if settles and (row.ticker not in first or row.entry_at < first[row.ticker]):
                first[row.ticker] = row.entry_at
        return first

    def positions(
        self,
        *,
        strategy: str | None = None,
        partition_key: str | None = None,
        at: datetime | None = None,
    ) -> list[Position]:
        """Open contracts (buys − sells) per (strategy, ticker, side) in markets not settled by
        ``at``, with their event and cost (average buy price × open count). YES and NO of one
        market are kept apart."""
        until = at or END_OF_TIME
        settled = self.settled_at(at)
        net: defaultdict[tuple[str, str, str], int] = defaultdict(int)
        bought: defaultdict[tuple[str, str, str], int] = defaultdict(int)
        bought_cost: defaultdict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
        event: dict[tuple[str, str, str], str] = {}  # from the order of any of its fills
        for f in self.fills.values():
            if (
                f.filled_at > until
                or f.ticker in settled
                or (strategy is not None and f.strategy != strategy)
                or (partition_key is not None and f.partition_key != partition_key)
            ):
                continue
            key = (f.strategy, f.ticker, f.side)
            if key not in event and f.client_order_id in self.orders:
                event[key] = self.orders[f.client_order_id][0].event_ticker
            net[key] += f.signed
            if f.action == "buy":
                bought[key] += f.count
                bought_cost[key] += f.count * f.price
        positions = []
        for key in sorted(k for k, n in net.items() if n):
            strategy_, ticker, side = key
            cost = average_cost(bought_cost[key], bought[key], net[key])
            positions.append(Position(strategy_, ticker, side, net[key], event.get(key, ""), cost))
        return positions

    def cash_sum(
        self,
        *,
        strategy: str | None = None,
        partition_key: str | None = None,
        at: datetime | None = None,
    ) -> Decimal:
        """Sum of the cash rows up to ``at``: trades, fees and settlements."""
        until = at or END_OF_TIME
        return sum(
            (
                c.amount
                for c in self.cash.values()
                if c.entry_at <= until
                and (strategy is None or c.strategy == strategy)
                and (partition_key is None or c.partition_key == partition_key)
            ),
            Decimal(0),
        )

    def cash_strategies(self) -> list[str]:
        """The strategies with any cash row."""
        return sorted({c.strategy for c in self.cash.values()})

    def settlement_nets(self, tickers: Iterable[str]) -> list[tuple[str, str, str, str, int]]:
        """(ticker, strategy, partition key, side, net contracts) still held in ``tickers``,
        whatever the time: what their settlement pays on."""
        wanted = set(tickers)
        net: defaultdict[tuple[str, str, str, str], int] = defaultdict(int)
        for f in self.fills.values():
            if f.ticker in wanted:
                net[(f.ticker, f.strategy, f.partition_key, f.side)] += f.signed
        return [(*key, n) for key, n in sorted(net.items()) if n]

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
        settled_at = self.settled_at(at)
        start_marks = day_start_marks or {}
        start_net: defaultdict[tuple[str, str], int] = defaultdict(int)
        start_values: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
        today_cash: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for f in self.fills.values():
            if f.strategy != strategy or f.filled_at > until:
                continue
            key = (f.ticker, f.side)
            if f.filled_at >= start:
                today_cash[key] += f.signed * f.price
            elif f.ticker not in settled_at or settled_at[f.ticker] >= start:
                start_net[key] += f.signed
                marked = f.ticker in start_marks
                start_values[key] += f.signed * (
                    mark_value(f.side, start_marks[f.ticker]) if marked else f.price
                )
        start_value = {key: value for key, value in start_values.items() if start_net[key]}
        if positions is None:
            held = self.positions(strategy=strategy, at=at)
        else:
            held = [p for p in positions if p.strategy == strategy]
        ledger_today = sum(
            (
                c.amount
                for c in self.cash.values()
                if c.strategy == strategy and start <= c.entry_at < end
            ),
            Decimal(0),
        )
        open_cost = sum(
            (start_value.get((p.ticker, p.side), Decimal(0)) + today_cash[(p.ticker, p.side)]
             for p in held),
            Decimal(0),
        )  # fmt: skip
        realised = ledger_today + open_cost - sum(start_value.values(), Decimal(0))
        mark = sum((p.count * mark_value(p.side, marks.get(p.ticker)) for p in held), Decimal(0))
        return realised, mark, open_cost
