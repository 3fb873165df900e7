"""Reconciliation: what remains different between the ledger and the exchange after a sync.

A sync adopts, refreshes and books everything it can see; whatever still differs is drift the
money path cannot explain, and trading on it would size orders on a wrong picture of the
account. Three drifts stop orders: an order the ledger holds as resting that the exchange no
longer rests, a position in a market our strategies trade that the ledger's fills do not
explain, and a fill the exchange reports on one of our orders that the ledger never booked.
A position in a market no strategy of ours ever traded is reported and counted in exposure
(``core.exposure.OUTSIDE``), and stops orders only when configured to.

Each strategy reconciles its own part of the account (its orders, the markets it trades, and
the outside positions), so drift in one strategy's markets stops that strategy only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from edge_dagster.core.orders import Order

DriftKind = Literal[
    "order_not_resting", "unexplained_position", "unrecorded_fill", "outside_position"
]


@dataclass(frozen=True)
class Drift:
    kind: DriftKind
    ticker: str
    detail: str
    blocking: bool

    def line(self) -> str:
        return f"{self.kind} {self.ticker}: {self.detail}"


def reconcile(
    strategy: str,
    orders: Iterable[Order],
    booked_fills: Mapping[str, int],
    exchange_resting_ids: set[str],
    ledger_net: Mapping[str, int],
    exchange_net: Mapping[str, int],
    *,
    block_on_outside_positions: bool = False,
) -> list[Drift]:
    """``strategy``'s drift between the two views, blocking drift first.

    ``orders``: the environment's orders of every strategy as the sync left them
    (``filled_count`` is what the exchange reported); ``booked_fills``: contracts the ledger
    booked per client order id; ``exchange_resting_ids``: the exchange's resting order ids;
    nets are YES contracts per ticker (negative: NO).
    """
    orders = list(orders)
    ours = [o for o in orders if o.strategy == strategy]
    traded = {o.ticker for o in ours}
    traded_by_others = {o.ticker for o in orders} - traded
    drifts = unrecorded_fills(ours, booked_fills)
    for order in ours:
        if (
            order.is_open
            and order.exchange_order_id
            and order.exchange_order_id not in exchange_resting_ids
        ):
            drifts.append(
                Drift("order_not_resting", order.ticker,
                      f"order {order.exchange_order_id} ({order.side} {order.action} "
                      f"{order.remaining} at {order.limit_price}) rests in the ledger but not at "
                      "the exchange", True)
            )  # fmt: skip
    for ticker in sorted(set(ledger_net) | set(exchange_net)):
        booked, held = ledger_net.get(ticker, 0), exchange_net.get(ticker, 0)
        if booked == held or ticker in traded_by_others:
            continue
        detail = f"the exchange holds {held:+d} YES, the ledger {booked:+d}"
        if ticker in traded:
            drifts.append(Drift("unexplained_position", ticker, detail, True))
        else:
            drifts.append(
                Drift("outside_position", ticker, detail + " (no strategy of ours trades it)",
                      block_on_outside_positions)
            )  # fmt: skip
    return sorted(drifts, key=lambda d: (not d.blocking, d.kind, d.ticker))


def unrecorded_fills(orders: Iterable[Order], booked: Mapping[str, int]) -> list[Drift]:
    """Orders whose exchange-reported ``filled_count`` exceeds the contracts the ledger booked."""
    drifts = []
    for order in orders:
        missing = order.filled_count - booked.get(order.client_order_id, 0)
        if missing > 0:
            drifts.append(
                Drift("unrecorded_fill", order.ticker,
                      f"the exchange filled {order.filled_count} of order "
                      f"{order.exchange_order_id}, the ledger booked "
                      f"{booked.get(order.client_order_id, 0)}", True)
            )  # fmt: skip
    return drifts
