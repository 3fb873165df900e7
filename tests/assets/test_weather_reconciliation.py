"""The temperature strategy reconciles after its sync as the TSA one does, against the fake
exchange: each drift the sync cannot repair fails ``weather_orders_reconciled`` and the next
decision sends no buy and no cancel. The orders: the 14:30Z decision's bracket leg (B76.5 YES
at 0.16 × 22) rests as ord-1; the 20:30Z decision wants it at 0.17, which without drift cancels
ord-1 and sends a replacement."""

from __future__ import annotations

import os
from datetime import datetime
from decimal import Decimal

from dagster import materialize

from edge_dagster.assets.weather_strategy import weather_orders, weather_orders_reconciled
from edge_dagster.core.clock import UTC
from edge_dagster.kalshi import CreateOrderRequest, KalshiClient
from edge_dagster.resources.kalshi import KalshiResource
from tests.assets.test_orders import ORDER_PATH
from tests.assets.test_weather_orders import (
    DECISION,
    TICKER,
    seed_demo_decision,
    weather_exchange,
)
from tests.conftest import DEMO_KEY_ID
from tests.support.clock import FrozenWallClockSources

__all__ = ["weather_exchange"]  # the fixture, shared with the weather orders tests
EVENING = datetime(2026, 9, 28, 20, 30, tzinfo=UTC)  # the 19Z cycle + 90 min


def run_checked(warehouse, exchange, wall_time: str, **trading):  # noqa: ANN001, ANN201
    return materialize(
        [weather_orders, weather_orders_reconciled],
        partition_key="CHI|2026-09-29",
        resources={
            "warehouse": warehouse,
            "sources": FrozenWallClockSources(deployment="demo", wall_time=wall_time),
            "kalshi": KalshiResource(deployment="demo", api_base=exchange.base_url),
        },
        run_config={"ops": {"weather_orders": {"config": trading}}},
        raise_on_error=False,
    )


def check_of(result):  # noqa: ANN001, ANN201
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def evening_after_afternoon(warehouse, exchange, drift=None, **trading):  # noqa: ANN001, ANN201
    """The afternoon's order rests; ``drift`` happens; the evening wants another price."""
    seed_demo_decision(warehouse, DECISION, "0.16")
    afternoon = run_checked(warehouse, exchange, "2026-09-28T14:40:00Z")
    assert check_of(afternoon).passed
    if drift is not None:
        drift(exchange)
    seed_demo_decision(warehouse, EVENING, "0.17")
    return run_checked(warehouse, exchange, "2026-09-28T20:40:00Z", **trading)


def hand_trade(exchange, ticker: str, count: int) -> None:  # noqa: ANN001
    """Someone buys YES by hand on the same account: an immediate order at the book's ask."""
    exchange.set_orderbook(ticker, no_bids=[("0.80", str(count))])
    hand = KalshiClient(exchange.base_url, DEMO_KEY_ID, os.environ["KALSHI_PRIVATE_KEY_PEM"])
    hand.create_order(CreateOrderRequest(ticker, "bid", Decimal(count), Decimal("0.20"), "hand",
                                         time_in_force="immediate_or_cancel"))  # fmt: skip


def test_without_drift_the_check_passes_and_the_evening_replaces_the_order(
    warehouse, weather_exchange
):
    evening = evening_after_afternoon(warehouse, weather_exchange)
    assert check_of(evening).passed
    assert check_of(evening).metadata["strategy"].value == "weather"
    assert len(weather_exchange.requests_to("POST", ORDER_PATH)) == 2
    assert len(weather_exchange.requests_to("DELETE", f"{ORDER_PATH}/ord-1")) == 1


def test_an_order_the_exchange_canceled_out_of_sight_stops_weather_orders(
    warehouse, weather_exchange
):
    def canceled_out_of_sight(exchange) -> None:  # noqa: ANN001
        del exchange.orders["ord-1"]

    evening = evening_after_afternoon(warehouse, weather_exchange, canceled_out_of_sight)
    check = check_of(evening)
    assert not check.passed
    assert check.description == (
        f"order_not_resting {TICKER}: order ord-1 (yes buy 22 at 0.1600) rests in the ledger "
        "but not at the exchange"
    )
    assert len(weather_exchange.requests_to("POST", ORDER_PATH)) == 1  # the evening sent nothing
    assert weather_exchange.requests_to("DELETE", f"{ORDER_PATH}/ord-1") == []
    (materialization,) = evening.asset_materializations_for_node("weather_orders")
    assert materialization.metadata["not_sent"].value.startswith(
        "reconciliation drift stops buys and cancels (exits only): order_not_resting"
    )
    assert materialization.metadata["blocking_drift"].value == 1
    with warehouse.get_connection() as conn:
        rows = conn.execute(
            "SELECT environment, strategy, kind, ticker, blocking FROM reconciliation_drift"
        ).fetchall()
    assert rows == [("demo", "weather", "order_not_resting", TICKER, True)]


def test_a_position_the_ledger_cannot_explain_in_a_weather_market_stops_weather_orders(
    warehouse, weather_exchange
):
    evening = evening_after_afternoon(
        warehouse, weather_exchange, lambda exchange: hand_trade(exchange, TICKER, 5)
    )
    check = check_of(evening)
    assert not check.passed
    assert check.description == (
        f"unexplained_position {TICKER}: the exchange holds +5 YES, the ledger +0"
    )
    assert len(weather_exchange.requests_to("POST", ORDER_PATH)) == 2  # the afternoon's + by hand


def test_a_weather_fill_the_ledger_never_booked_stops_weather_orders(warehouse, weather_exchange):
    """The exchange filled 4 of the afternoon's order, but its fills listing lost the fill."""

    def fill_lost(exchange) -> None:  # noqa: ANN001
        exchange.trade_against("ord-1", "4")
        exchange.fills.clear()

    evening = evening_after_afternoon(warehouse, weather_exchange, fill_lost)
    check = check_of(evening)
    assert not check.passed
    assert check.description.split("; ") == [
        f"unexplained_position {TICKER}: the exchange holds +4 YES, the ledger +0",
        f"unrecorded_fill {TICKER}: the exchange filled 4 of order ord-1, the ledger booked 0",
    ]
    assert len(weather_exchange.requests_to("POST", ORDER_PATH)) == 1
