"""The orders asset: each intent reaches the exchange once, in the environment asked for."""

from datetime import datetime
from decimal import Decimal

import pandas as pd
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dagster import materialize

from edge_dagster.assets.trading import tsa_orders
from edge_dagster.core.clock import EASTERN
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.tables import TABLE_DDL
from tests.conftest import replay_sources
from tests.support.fake_kalshi import FakeKalshiExchange

KEY_ID = "3b4f5c1e-0a4d-4c3b-8e9f-1a2b3c4d5e6f"
EVENT = "KXTSAW-26APR19"
TICKER = "KXTSAW-26APR19-A2.45"
DECISION = datetime(2026, 4, 16, 9, 15, tzinfo=EASTERN)
ORDER_PATH = "/portfolio/events/orders"


def seed_desired_order(warehouse) -> None:
    """One buy-YES intent at 0.45 and the snapshot it was priced on, written directly: the
    desired-orders table is the contract any strategy writes."""
    with warehouse.transaction(["desired_orders", "market_snapshots"]) as conn:
        conn.execute(TABLE_DDL["desired_orders"])
        conn.execute(
            "INSERT INTO desired_orders VALUES ('tsa_weekly', '2026-04-13', ?, 'entry', ?, ?, ?, "
            "'yes', 'buy', 0.45, 10, 0.6, 0.13)",
            [DECISION, EVENT, EVENT, TICKER],
        )
        conn.execute(
            "INSERT INTO market_snapshots (ticker, as_of, source, series_ticker, event_ticker, "
            "strike_type, floor_strike, status, close_time, result, fee_type, fee_multiplier) "
            "VALUES (?, ?, 'test', 'KXTSAW', ?, 'greater', 2450000, 'active', ?, '', "
            "'quadratic', 1)",
            [TICKER, DECISION, EVENT, datetime(2026, 4, 20, 3, 59, tzinfo=EASTERN)],
        )


@pytest.fixture
def demo_exchange(monkeypatch):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    monkeypatch.setenv("KALSHI_KEY_ID", KEY_ID)
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PEM", pem)
    with FakeKalshiExchange() as fake:
        fake.register_key(KEY_ID, key.public_key())
        fake.add_series("KXTSAW")
        fake.add_event(EVENT, "KXTSAW")
        fake.add_market(TICKER, EVENT)
        yield fake


def run_orders(warehouse, kalshi: KalshiResource, as_of: str) -> bool:
    return materialize(
        [tsa_orders],
        partition_key="2026-04-13",
        resources={"warehouse": warehouse, "sources": replay_sources(as_of), "kalshi": kalshi},
        raise_on_error=False,
    ).success


def test_a_demo_order_is_sent_once_and_recorded_with_its_environment(warehouse, demo_exchange):
    seed_desired_order(warehouse)
    demo = KalshiResource(environment="demo", api_base=demo_exchange.base_url)
    assert run_orders(warehouse, demo, "2026-04-16T09:20:00-04:00")
    assert run_orders(warehouse, demo, "2026-04-16T09:25:00-04:00")
    assert len(demo_exchange.requests_to("POST", ORDER_PATH)) == 1
    with warehouse.get_connection() as conn:
        rows = conn.execute(
            "SELECT environment, ticker, book_side, yes_price, count, status, exchange_order_id "
            "FROM orders"
        ).fetchall()
    assert [r[:6] for r in rows] == [("demo", TICKER, "bid", Decimal("0.4500"), 10, "resting")]
    assert rows[0][6] in demo_exchange.orders


def test_a_stale_decision_never_reaches_a_real_exchange(warehouse, demo_exchange):
    seed_desired_order(warehouse)
    demo = KalshiResource(environment="demo", api_base=demo_exchange.base_url)
    assert run_orders(warehouse, demo, "2026-04-17T09:20:00-04:00")
    assert demo_exchange.requests_to("POST", ORDER_PATH) == []


def test_live_without_the_second_opt_in_refuses_to_start(warehouse, demo_exchange, monkeypatch):
    monkeypatch.delenv("EDGE_LIVE_CONFIRM", raising=False)
    seed_desired_order(warehouse)
    live = KalshiResource(environment="live", api_base=demo_exchange.base_url)
    assert not run_orders(warehouse, live, "2026-04-16T09:20:00-04:00")
    assert demo_exchange.requests == []


def test_paper_orders_rematerialised_send_nothing_new(warehouse):
    seed_desired_order(warehouse)
    paper = KalshiResource()
    assert run_orders(warehouse, paper, "2026-04-16T09:20:00-04:00")
    with warehouse.get_connection() as conn:
        first = conn.execute("SELECT * FROM orders").df()
    assert run_orders(warehouse, paper, "2026-04-16T09:20:00-04:00")
    with warehouse.get_connection() as conn:
        second = conn.execute("SELECT * FROM orders").df()
    pd.testing.assert_frame_equal(first, second)
    assert list(first[["environment", "status", "count"]].itertuples(index=False)) == [
        ("paper", "resting", 10)
    ]
