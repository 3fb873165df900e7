"""The Kalshi venue (demo or live): sends orders to the exchange and syncs the ledger from it.

Nothing here simulates: the exchange fills, and the ledger records what the exchange says.
Crash safety: each intent is recorded as ``pending`` and committed *before* it is sent, and
marked sent after, each step in its own transaction. If anything fails after the exchange
accepted an order, the pending row survives, and the next run's :meth:`KalshiVenue.sync`
finds the exchange's order by its ``client_order_id`` and adopts it, so no order is ever
orphaned. Fills join orders by the exchange's ``order_id`` (fills carry no client order id);
orders and positions nobody here can explain are reported and counted in exposure.

Real money runs on the real clock: ``clock`` is the wall clock in every demo/live deployment
(tests inject one), and only decisions at most ``LIVE_DECISION_WINDOW`` old are sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb

from edge_dagster.core.clock import LIVE_DECISION_WINDOW
from edge_dagster.core.exposure import OUTSIDE, Exposure, Position, net_yes, open_exposure
from edge_dagster.core.matching import Fill, Quote
from edge_dagster.core.orders import Order
from edge_dagster.core.reconciliation import Drift, reconcile
from edge_dagster.core.risk import RiskState
from edge_dagster.kalshi import CreateOrderRequest, ExchangeOrder, KalshiClient
from edge_dagster.trading.ledger import Ledger, Mark
from edge_dagster.warehouse import transaction

SYNC_LOOKBACK = timedelta(days=8)
"""How far back a sync lists exchange orders and fills when nothing older is open: a week's
decisions and the settlement after them."""
CLOCK_SLACK = timedelta(hours=1)
"""Margin on ``min_ts`` filters for clock skew between this machine and the exchange."""


@dataclass(frozen=True)
class SyncReport:
    """What a sync found: orders refreshed, adopted (sent but never acknowledged here, or
    recomputed from a desired order), found unsent, fills booked, and what nobody explains."""

    refreshed: int = 0
    adopted: int = 0
    unsent: int = 0
    fills_booked: int = 0
    unexplained_orders: tuple[str, ...] = ()
    unexplained_fills: tuple[str, ...] = ()
    unexplained_positions: tuple[str, ...] = ()


@dataclass
class _Exchange:
    """What the last sync read from the exchange, for the risk state."""

    outside_resting: list[ExchangeOrder] = field(default_factory=list)


def within_window(decision_time: datetime, now: datetime) -> bool:
    """Whether a real exchange may still receive this decision's orders at ``now``."""
    return timedelta(0) <= now - decision_time <= LIVE_DECISION_WINDOW


class KalshiVenue:
    """Orders of one strategy account on Kalshi demo or live, mirrored in the ledger."""

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        ledger: Ledger,
        client: KalshiClient,
        clock: Callable[[], datetime],
    ) -> None:
        self._conn = conn
        self.ledger = ledger
        self._client = client
        self.clock = clock
        self._seen = _Exchange()

    # --- sync -------------------------------------------------------------------------------

    def sync(self, recomputable: Iterable[Order] = ()) -> SyncReport:
        """Bring the ledger up to date with the exchange.

        Lists the exchange's resting, executed and canceled orders since the oldest order that
        may still change; refreshes each one whose ``client_order_id`` the ledger holds,
        adopts those matching a ``recomputable`` intent (a desired order whose id the exchange
        knows although the ledger never recorded it), marks pending rows the exchange never saw
        as ``unsent`` (so the decision may send them again), books new fills by ``order_id``,
        and books Kalshi's settlements of markets still held. Each order's update is its own
        transaction.
        """
        now = self.clock()
        since = self._since(now)
        candidates = {o.client_order_id: o for o in map(self.ledger.own, recomputable)}
        listed = self._client.get_orders(min_ts=int(since.timestamp()))
        refreshed = adopted = 0
        unexplained: list[str] = []
        outside: list[ExchangeOrder] = []
        seen_ids: set[str] = set()
        for remote in listed:
            cid = remote.client_order_id or ""
            local = self.ledger.order(cid) if cid else None
            if local is not None and local.environment != self.ledger.environment:
                local = None
            if local is None and cid in candidates:
                local = replace(
                    candidates[cid],
                    status="pending",
                    submitted_at=remote.created_time or now,
                    filled_through=now,
                    updated_at=now,
                    note="adopted from the exchange",
                )
                with transaction(self._conn):
                    self.ledger.record(local)
            if local is None:
                unexplained.append(remote.order_id)
                if remote.status == "resting":
                    outside.append(remote)
                continue
            seen_ids.add(cid)
            adopted += local.exchange_order_id is None
            refreshed += 1
            with transaction(self._conn):
                self._refresh(local, remote, now)
        unsent = 0
        for local in self.ledger.orders(statuses=("pending",)):
            if local.client_order_id not in seen_ids:
                with transaction(self._conn):
                    self.ledger.update(replace(local, status="unsent", updated_at=now,
                                               note="never reached the exchange"))  # fmt: skip
                unsent += 1
        booked, stray = self._sync_fills(since)
        self._sync_settlements()
        positions = self._unexplained_positions()
        self._seen = _Exchange(outside)
        return SyncReport(refreshed, adopted, unsent, booked, tuple(unexplained), stray, positions)

    def _since(self, now: datetime) -> datetime:
        """The oldest submission among orders that may still change (open, or with fills not
        yet booked), and at least ``SYNC_LOOKBACK`` back, less the clock slack."""
        (oldest,) = self._conn.execute(
            "SELECT min(o.submitted_at) FROM orders o LEFT JOIN (SELECT client_order_id, "
            "sum(count) AS booked FROM fills GROUP BY ALL) f USING (client_order_id) "
            "WHERE o.environment = ? AND (o.status IN ('pending', 'resting') "
            "OR o.filled_count > coalesce(f.booked, 0))",
            [self.ledger.environment],
        ).fetchall()[0]
        since = now - SYNC_LOOKBACK
        if oldest is not None:
            since = min(since, oldest)
        return since - CLOCK_SLACK

    def _refresh(self, local: Order, remote: ExchangeOrder, now: datetime) -> None:
        closed = remote.status in ("executed", "canceled")
        self.ledger.update(
            replace(
                local,
                status=remote.status,
                filled_count=int(remote.fill_count),
                taker_fees=remote.taker_fees,
                maker_fees=remote.maker_fees,
                exchange_order_id=remote.order_id,
                filled_through=now,
                updated_at=now,
            ),
            closed_at=(remote.last_update_time or now) if closed else None,
        )

    def _sync_fills(self, since: datetime) -> tuple[int, tuple[str, ...]]:
        """Book the exchange's fills since ``since`` onto our orders, joined by order id."""
        by_exchange_id = {
            o.exchange_order_id: o for o in self.ledger.orders() if o.exchange_order_id is not None
        }
        booked = 0
        stray: list[str] = []
        for fill in self._client.get_fills(min_ts=int(since.timestamp())):
            order = by_exchange_id.get(fill.order_id)
            if order is None:
                stray.append(fill.fill_id)
                continue
            price = fill.yes_price if order.side == "yes" else fill.no_price
            ours = Fill(int(fill.count), price, fill.fee_cost, not fill.is_taker, fill.created_time)
            with transaction(self._conn):
                booked += self.ledger.book_fills(order, [(fill.fill_id, ours)])
        return booked, tuple(stray)

    def _sync_settlements(self) -> None:
        """Book Kalshi's settlement of every market still held: the same settlement rows as
        the paper venue writes, so positions close and P&L is realised identically."""
        held = {p.ticker for p in self.ledger.positions()}
        if not held:
            return
        first_fill = self.ledger.fills()["filled_at"].min()
        for settlement in self._client.get_settlements(min_ts=int(first_fill.timestamp())):
            if settlement.ticker in held and settlement.market_result in ("yes", "no"):
                with transaction(self._conn):
                    self.ledger.settle(
                        {settlement.ticker: (settlement.market_result, settlement.settled_time)}
                    )

    def _exchange_positions(self) -> dict[str, Decimal]:
        """Net YES contracts per ticker the exchange reports (negative: NO)."""
        return {p.ticker: p.position for p in self._client.get_positions() if p.position != 0}

    def _unexplained_positions(self) -> tuple[str, ...]:
        net = net_yes(self.ledger.positions())
        return tuple(
            ticker
            for ticker, position in sorted(self._exchange_positions().items())
            if Decimal(net.get(ticker, 0)) != position
        )

    def reconcile(self, strategy: str, *, block_on_outside_positions: bool = False) -> list[Drift]:
        """What still differs from the exchange in ``strategy``'s part of the account after
        :meth:`sync` (``core.reconciliation``): reads the exchange's resting orders and
        positions afresh."""
        booked = {
            cid: int(contracts)
            for cid, contracts in self._conn.execute(
                "SELECT client_order_id, sum(count) FROM fills WHERE environment = ? GROUP BY 1",
                [self.ledger.environment],
            ).fetchall()
        }
        resting_ids = {o.order_id for o in self._client.get_orders(status="resting")}
        ledger_net = net_yes(self.ledger.positions())
        exchange_net = {t: int(n) for t, n in self._exchange_positions().items()}
        return reconcile(
            strategy,
            self.ledger.orders(),
            booked,
            resting_ids,
            ledger_net,
            exchange_net,
            block_on_outside_positions=block_on_outside_positions,
        )

    # --- decisions --------------------------------------------------------------------------

    def resting_orders(
        self, strategy: str, event_tickers: Sequence[str], at: datetime
    ) -> list[Order]:
        """The strategy's open orders in those events now (a real book has no past)."""
        return self.ledger.resting_orders(strategy=strategy, event_tickers=event_tickers)

    def risk_state(
        self,
        strategy: str,
        at: datetime,
        marks: Mapping[str, Mark],
        excluding: Iterable[str] = (),
    ) -> RiskState:
        """The account now: equity from the exchange's balance, the ledger's holdings and
        open exposure (without ``excluding``), plus what the exchange holds that the ledger
        cannot explain — positions (counted under ``OUTSIDE``, and never entered again) and
        resting orders — and the strategy's P&L today for the kill switch. Sells are capped
        at the position the exchange reports. Call :meth:`sync` first."""
        now = self.clock()
        balance = self._client.get_balance()
        equity = balance.balance + (balance.portfolio_value or Decimal(0))
        held = self.ledger.positions()
        remote = self._exchange_positions()
        ledger_net = net_yes(held)
        outside = []
        for ticker, position in remote.items():
            extra = int(position) - ledger_net.get(ticker, 0)
            if extra:
                side = "yes" if extra > 0 else "no"
                outside.append(Position(OUTSIDE, ticker, side, abs(extra)))
        sell_limits = {
            (p.strategy, p.ticker, p.side): max(
                int(remote.get(p.ticker, 0)) * (1 if p.side == "yes" else -1), 0
            )
            for p in held
        }
        outside_items = [
            (
                o.ticker,
                "",
                o.remaining_count * (o.yes_price if o.book_side == "bid" else o.no_price),
            )
            for o in self._seen.outside_resting
        ]
        skip = set(excluding)
        own = [o for o in self.ledger.resting_orders() if o.client_order_id not in skip]
        exposure: Exposure = open_exposure(held, own, outside_items)
        day = now.astimezone(UTC).date()
        realised, mark, cost = self.ledger.day_pnl(strategy, day, marks)
        return RiskState(
            day=day,
            equity=equity,
            positions=(*held, *outside),
            exposure=exposure,
            # The account's equity at 00:00 UTC is not reported: now less today's P&L.
            day_start_equity=equity - (realised + mark - cost),
            realised_pnl=realised,
            open_mark_to_bid=mark,
            open_cost_basis=cost,
            sell_limits=sell_limits,
        )

    def place(self, order: Order, quote: Quote | None, at: datetime) -> Order:
        """Send ``order`` once: recorded ``pending`` and committed, then sent, then marked with
        the exchange's answer. An order the exchange already has (same client order id) is
        never sent again; one whose expiry has passed is not sent at all."""
        now = self.clock()
        order = self.ledger.own(order)
        known = self.ledger.order(order.client_order_id)
        if known is not None and known.status != "unsent":
            return known
        pending = replace(order, status="pending", submitted_at=now, filled_through=now,
                          updated_at=now, note="")  # fmt: skip
        with transaction(self._conn):
            if known is None:
                self.ledger.record(pending)
            else:
                self.ledger.update(pending)
        good_till = order.time_in_force == "good_till_canceled"
        if good_till and order.expires_at is not None and order.expires_at <= now:
            expired = replace(pending, status="canceled", note="expired before it was sent")
            with transaction(self._conn):
                self.ledger.update(expired, closed_at=now)
            return expired
        request = CreateOrderRequest(
            ticker=order.ticker,
            side=order.book_side,
            count=order.count,
            price=order.yes_price,
            client_order_id=order.client_order_id,
            time_in_force=order.time_in_force,
            expiration_time=int(order.expires_at.timestamp())
            if good_till and order.expires_at is not None
            else None,
        )
        ack = self._client.create_order(request)
        filled, remaining = int(ack.fill_count), int(ack.remaining_count)
        status = "executed" if filled == order.count else ("resting" if remaining else "canceled")
        sent = replace(
            pending,
            status=status,
            filled_count=filled,
            taker_fees=(ack.average_fee_paid or Decimal(0)) * filled,
            exchange_order_id=ack.order_id,
            updated_at=self.clock(),
            takes_liquidity=filled > 0,
        )
        with transaction(self._conn):
            self.ledger.update(sent, closed_at=None if status == "resting" else sent.updated_at)
        return sent

    def cancel(self, order: Order, at: datetime, note: str = "") -> None:
        """Cancel a resting order at the exchange, then record it canceled."""
        if order.exchange_order_id is None:
            return
        self._client.cancel_order(order.exchange_order_id, order.ticker)
        now = self.clock()
        with transaction(self._conn):
            self.ledger.update(
                replace(order, status="canceled", updated_at=now, note=note), closed_at=now
            )
