"""Reconciliation after the sync, against the fake exchange: each drift the sync cannot repair
fails the blocking check and stops every buy and cancel of the next decision; a position in a
market no strategy trades is reported, and blocks only when configured to."""

import os
from decimal import Decimal

from dagster import materialize

from edge_dagster.assets.trading import tsa_orders, tsa_orders_reconciled
from edge_dagster.kalshi import CreateOrderRequest, KalshiClient
from edge_dagster.resources.kalshi import KalshiResource
from tests.assets.test_orders import (
    EVENT,
    ORDER_PATH,
    THURSDAY,
    TICKER,
    WEDNESDAY,
    demo_exchange,
    seed_decision,
)
from tests.conftest import DEMO_KEY_ID
from tests.support.clock import FrozenWallClockSources

__all__ = ["demo_exchange"]  # the fixture, shared with the orders tests
OTHER = "KXTSAW-26APR19-A2.60"


def run_checked(warehouse, exchange, wall_time: str, **trading):  # noqa: ANN201
    """The orders asset and its reconciliation check on demo at ``wall_time``."""
    return materialize(
        [tsa_orders, tsa_orders_reconciled],
        partition_key="2026-04-13",
        resources={
            "warehouse": warehouse,
            "sources": FrozenWallClockSources(deployment="demo", wall_time=wall_time),
            "kalshi": KalshiResource(deployment="demo", api_base=exchange.base_url),
        },
        run_config={"ops": {"tsa_orders": {"config": trading}}},
        raise_on_error=False,
    )


def check_of(result):  # noqa: ANN001, ANN201
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def hand_trade(exchange, ticker: str, count: int) -> None:  # noqa: ANN001
    """Someone buys YES by hand on the same account: an immediate order at the book's ask."""
    exchange.set_orderbook(ticker, no_bids=[("0.70", str(count))])
    hand = KalshiClient(exchange.base_url, DEMO_KEY_ID, os.environ["KALSHI_PRIVATE_KEY_PEM"])
    hand.create_order(CreateOrderRequest(ticker, "bid", Decimal(count), Decimal("0.30"), "hand",
                                         time_in_force="immediate_or_cancel"))  # fmt: skip


def thursday_after_wednesday(warehouse, exchange, drift=None, **trading):  # noqa: ANN001, ANN201
    """Wednesday's order rests; ``drift`` happens; Thursday wants another price."""
    seed_decision(warehouse, WEDNESDAY, "0.45")
    wednesday = run_checked(warehouse, exchange, "2026-04-15T09:20:00-04:00")
    assert check_of(wednesday).passed
    if drift is not None:
        drift(exchange)
    seed_decision(warehouse, THURSDAY, "0.47")
    return run_checked(warehouse, exchange, "2026-04-16T09:20:00-04:00", **trading)


def test_without_drift_the_check_passes_and_the_decision_trades(warehouse, demo_exchange):
    thursday = thursday_after_wednesday(warehouse, demo_exchange)
    assert check_of(thursday).passed
    assert len(demo_exchange.requests_to("POST", ORDER_PATH)) == 2


def test_an_order_the_exchange_canceled_out_of_sight_stops_orders(warehouse, demo_exchange):
    """The exchange canceled Wednesday's order and it left the orders listing (Kalshi moves old
    orders to its historical store): the sync cannot see it, the ledger still has it resting."""

    def canceled_out_of_sight(exchange) -> None:  # noqa: ANN001
        del exchange.orders["ord-1"]

    thursday = thursday_after_wednesday(warehouse, demo_exchange, canceled_out_of_sight)
    check = check_of(thursday)
    assert not check.passed
    assert check.description == (
        f"order_not_resting {TICKER}: order ord-1 (yes buy 10 at 0.4500) rests in the ledger "
        "but not at the exchange"
    )
    assert len(demo_exchange.requests_to("POST", ORDER_PATH)) == 1  # Thursday sent nothing
    assert demo_exchange.requests_to("DELETE", f"{ORDER_PATH}/ord-1") == []
    (materialization,) = thursday.asset_materializations_for_node("tsa_orders")
    assert materialization.metadata["not_sent"].value.startswith(
        "reconciliation drift stops buys and cancels (exits only): order_not_resting"
    )


def test_a_position_the_ledger_cannot_explain_in_a_market_we_trade_stops_orders(
    warehouse, demo_exchange
):
    thursday = thursday_after_wednesday(
        warehouse, demo_exchange, lambda exchange: hand_trade(exchange, TICKER, 5)
    )
    check = check_of(thursday)
    assert not check.passed
    assert check.description == (
        f"unexplained_position {TICKER}: the exchange holds +5 YES, the ledger +0"
    )
    assert len(demo_exchange.requests_to("POST", ORDER_PATH)) == 2  # Wednesday's + the hand one


def test_a_fill_the_ledger_never_booked_stops_orders(warehouse, demo_exchange):
    """The exchange filled 4 of Wednesday's order, but its fills listing lost the fill."""

    def fill_lost(exchange) -> None:  # noqa: ANN001
        exchange.trade_against("ord-1", "4")
        exchange.fills.clear()

    thursday = thursday_after_wednesday(warehouse, demo_exchange, fill_lost)
    check = check_of(thursday)
    assert not check.passed
    assert check.description.split("; ") == [
        f"unexplained_position {TICKER}: the exchange holds +4 YES, the ledger +0",
        f"unrecorded_fill {TICKER}: the exchange filled 4 of order ord-1, the ledger booked 0",
    ]
    assert len(demo_exchange.requests_to("POST", ORDER_PATH)) == 1


def test_a_position_outside_our_markets_is_reported_and_blocks_only_when_configured(
    warehouse, demo_exchange
):
    demo_exchange.add_market(OTHER, EVENT, floor_strike=2600000)
    thursday = thursday_after_wednesday(
        warehouse, demo_exchange, lambda exchange: hand_trade(exchange, OTHER, 3)
    )
    check = check_of(thursday)
    assert check.passed
    assert check.metadata["outside_positions"].value == 1
    assert check.metadata["drift"].value == (
        f"outside_position {OTHER}: the exchange holds +3 YES, the ledger +0 "
        "(no strategy of ours trades it)"
    )
    assert len(demo_exchange.requests_to("POST", ORDER_PATH)) == 3  # Thursday traded

    strict = run_checked(
        warehouse, demo_exchange, "2026-04-16T09:21:00-04:00", block_on_outside_positions=True
    )
    assert not check_of(strict).passed
