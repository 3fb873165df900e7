"""The orders asset: each intent reaches the exchange once, in the environment asked for."""

from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from dagster import materialize

from edge_dagster.assets.trading import tsa_orders
from edge_dagster.core.clock import EASTERN
from edge_dagster.resources.kalshi import KalshiResource
from tests.conftest import replay_sources

EVENT = "KXTSAW-26APR19"
TICKER = "KXTSAW-26APR19-A2.45"
DECISION = datetime(2026, 4, 16, 9, 15, tzinfo=EASTERN)
ORDER_PATH = "/portfolio/events/orders"


def seed_decision(
    warehouse,
    decision: datetime = DECISION,
    limit: str | None = "0.45",
    count: int = 10,
    ticker: str = TICKER,
) -> None:
    """A priced decision, written directly: the market snapshot, its fair value and (unless
    ``limit`` is None) one buy-YES intent. The desired-orders table is the contract any
    strategy writes."""
    with warehouse.transaction(["desired_orders", "market_snapshots", "tsa_fair_values"]) as conn:
        if limit is not None:
            conn.execute(
                "INSERT INTO desired_orders VALUES ('tsa_weekly', '2026-04-13', ?, 'entry', ?, "
                "?, ?, 'yes', 'buy', ?, ?, 0.6, 0.13)",
                [decision, EVENT, EVENT, ticker, Decimal(limit), count],
            )
        conn.execute(
            "INSERT INTO market_snapshots (ticker, as_of, source, series_ticker, event_ticker, "
            "strike_type, floor_strike, status, close_time, result, fee_type, fee_multiplier) "
            "VALUES (?, ?, 'test', 'KXTSAW', ?, 'greater', 2450000, 'active', ?, '', "
            "'quadratic', 1)",
            [ticker, decision, EVENT, datetime(2026, 4, 20, 3, 59, tzinfo=EASTERN)],
        )
        conn.execute(
            "INSERT INTO tsa_fair_values (week_monday, decision_time, event_ticker, ticker, "
            "strike, synthetic_strike, model, fair_yes, fee_type, fee_multiplier) "
            "VALUES ('2026-04-13', ?, ?, ?, 2450000, false, 'holiday_aligned', 0.6, "
            "'quadratic', 1)",
            [decision, EVENT, ticker],
        )


@pytest.fixture
def demo_exchange(kalshi_exchange):
    kalshi_exchange.add_series("KXTSAW")
    kalshi_exchange.add_event(EVENT, "KXTSAW")
    kalshi_exchange.add_market(TICKER, EVENT)
    return kalshi_exchange


@pytest.fixture
def demo(demo_exchange) -> KalshiResource:
    return KalshiResource(environment="demo", api_base=demo_exchange.base_url)


def run_orders(warehouse, kalshi: KalshiResource, as_of: str, **trading: float) -> bool:
    return materialize(
        [tsa_orders],
        partition_key="2026-04-13",
        resources={"warehouse": warehouse, "sources": replay_sources(as_of), "kalshi": kalshi},
        run_config={"ops": {"tsa_orders": {"config": trading}}},
        raise_on_error=False,
    ).success


def test_a_demo_order_is_sent_once_and_recorded_with_its_environment(
    warehouse, demo_exchange, demo
):
    seed_decision(warehouse)
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


def test_a_stale_decision_never_reaches_a_real_exchange(warehouse, demo_exchange, demo):
    seed_decision(warehouse)
    assert run_orders(warehouse, demo, "2026-04-17T09:20:00-04:00")
    assert demo_exchange.requests_to("POST", ORDER_PATH) == []


def test_live_without_the_second_opt_in_refuses_to_start(
    warehouse, demo_exchange, demo, monkeypatch
):
    monkeypatch.delenv("EDGE_LIVE_CONFIRM", raising=False)
    seed_decision(warehouse)
    live = KalshiResource(environment="live", api_base=demo_exchange.base_url)
    assert not run_orders(warehouse, live, "2026-04-16T09:20:00-04:00")
    assert demo_exchange.requests == []


def test_paper_orders_rematerialised_send_nothing_new(warehouse):
    seed_decision(warehouse)
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


THURSDAY = datetime(2026, 4, 16, 9, 15, tzinfo=EASTERN)
WEDNESDAY = datetime(2026, 4, 15, 9, 15, tzinfo=EASTERN)


def demo_orders(warehouse) -> list[tuple]:
    with warehouse.get_connection() as conn:
        return conn.execute(
            "SELECT decision_time, yes_price, count, filled_count, status, note FROM orders "
            "ORDER BY decision_time"
        ).fetchall()


def test_a_later_decision_cancels_the_resting_order_it_replaces(warehouse, demo_exchange, demo):
    seed_decision(warehouse, WEDNESDAY, "0.45")
    assert run_orders(warehouse, demo, "2026-04-15T09:20:00-04:00")
    seed_decision(warehouse, THURSDAY, "0.47")
    assert run_orders(warehouse, demo, "2026-04-16T09:20:00-04:00")
    (cancel,) = demo_exchange.requests_to("DELETE", f"{ORDER_PATH}/ord-1")
    assert cancel.query == {"market_ticker": [TICKER]}
    assert [o.status for o in demo_exchange.orders.values()] == ["canceled", "resting"]
    assert demo_orders(warehouse) == [
        (WEDNESDAY, Decimal("0.4500"), 10, 0, "canceled",
         "replaced by the decision of 2026-04-16T09:15:00-04:00"),
        (THURSDAY, Decimal("0.4700"), 10, 0, "resting", ""),
    ]  # fmt: skip


def test_an_unchanged_order_keeps_its_place_in_the_queue(warehouse, demo_exchange, demo):
    seed_decision(warehouse, WEDNESDAY, "0.45")
    assert run_orders(warehouse, demo, "2026-04-15T09:20:00-04:00")
    seed_decision(warehouse, THURSDAY, "0.45")
    assert run_orders(warehouse, demo, "2026-04-16T09:20:00-04:00")
    assert len(demo_exchange.requests_to("POST", ORDER_PATH)) == 1
    assert demo_exchange.requests_to("DELETE", f"{ORDER_PATH}/ord-1") == []


def test_a_decision_that_no_longer_wants_the_order_cancels_it(warehouse, demo_exchange, demo):
    seed_decision(warehouse, WEDNESDAY, "0.45")
    assert run_orders(warehouse, demo, "2026-04-15T09:20:00-04:00")
    seed_decision(warehouse, THURSDAY, limit=None)
    assert run_orders(warehouse, demo, "2026-04-16T09:20:00-04:00")
    assert [o.status for o in demo_exchange.orders.values()] == ["canceled"]


def test_an_unpriced_decision_leaves_resting_orders_alone(warehouse, demo_exchange, demo):
    seed_decision(warehouse, WEDNESDAY, "0.45")
    assert run_orders(warehouse, demo, "2026-04-15T09:20:00-04:00")
    assert run_orders(warehouse, demo, "2026-04-16T09:20:00-04:00")
    assert [o.status for o in demo_exchange.orders.values()] == ["resting"]


def test_fills_and_fees_are_synced_from_the_exchange(warehouse, demo_exchange, demo):
    seed_decision(warehouse, DECISION, "0.45")
    assert run_orders(warehouse, demo, "2026-04-16T09:20:00-04:00")
    demo_exchange.trade_against("ord-1", "4")
    assert run_orders(warehouse, demo, "2026-04-16T09:30:00-04:00")
    demo_exchange.trade_against("ord-1", "6")
    assert run_orders(warehouse, demo, "2026-04-16T09:40:00-04:00")
    assert run_orders(warehouse, demo, "2026-04-16T09:41:00-04:00")
    assert demo_orders(warehouse) == [(DECISION, Decimal("0.4500"), 10, 10, "executed", "")]
    with warehouse.get_connection() as conn:
        fills = conn.execute(
            "SELECT fill_id, environment, side, action, count, price, fee, is_taker FROM fills "
            "ORDER BY fill_id"
        ).fetchall()
        ledger = conn.execute(
            "SELECT kind, sum(amount) FROM cash_ledger WHERE environment = 'demo' GROUP BY ALL"
        ).fetchall()
    assert fills == [
        ("fill-1", "demo", "yes", "buy", 4, Decimal("0.4500"), Decimal("0.0000"), False),
        ("fill-2", "demo", "yes", "buy", 6, Decimal("0.4500"), Decimal("0.0000"), False),
    ]
    assert ledger == [("trade", Decimal("-4.5000"))]  # maker fills on plain quadratic: no fee


def test_a_taker_fill_at_submission_is_synced_with_its_fee(warehouse, demo_exchange, demo):
    demo_exchange.set_orderbook(TICKER, no_bids=[("0.56", "3")])  # YES ask 0.44 × 3
    seed_decision(warehouse, DECISION, "0.45")
    assert run_orders(warehouse, demo, "2026-04-16T09:20:00-04:00")
    assert run_orders(warehouse, demo, "2026-04-16T09:21:00-04:00")
    with warehouse.get_connection() as conn:
        fills = conn.execute("SELECT count, price, fee, is_taker FROM fills").fetchall()
    # ceil(0.07 × 3 × 0.44 × 0.56 = 0.051744) = 0.06
    assert fills == [(3, Decimal("0.4400"), Decimal("0.0600"), True)]
    assert demo_orders(warehouse)[0][3:5] == (3, "resting")


@pytest.mark.parametrize(("loss_limit", "orders_sent"), [(0.001, 1), (0.5, 2)])
def test_the_daily_kill_switch_halts_new_demo_orders(
    warehouse, demo_exchange, demo, loss_limit, orders_sent
):
    """Bought 10 YES at 0.45 on Wednesday; on Thursday it is marked at 0 (no bid): −$4.50
    today, over 0.1 % of equity but under 50 %."""
    other = "KXTSAW-26APR19-A2.50"
    demo_exchange.add_market(other, EVENT, floor_strike=2500000)
    demo_exchange.market_clock = lambda: (WEDNESDAY + timedelta(minutes=6)).timestamp()
    seed_decision(warehouse, WEDNESDAY, "0.45")
    assert run_orders(warehouse, demo, "2026-04-15T09:20:00-04:00")
    demo_exchange.trade_against("ord-1", "10")
    seed_decision(warehouse, THURSDAY, "0.45", ticker=other)
    limit = {"daily_loss_limit_fraction": loss_limit}
    assert run_orders(warehouse, demo, "2026-04-16T09:20:00-04:00", **limit)
    assert len(demo_exchange.requests_to("POST", ORDER_PATH)) == orders_sent


def test_kalshi_settlements_close_synced_positions_and_pay_out(warehouse, demo_exchange, demo):
    demo_exchange.market_clock = lambda: (DECISION + timedelta(minutes=6)).timestamp()
    seed_decision(warehouse, DECISION, "0.45")
    assert run_orders(warehouse, demo, "2026-04-16T09:20:00-04:00")
    demo_exchange.trade_against("ord-1", "10")
    demo_exchange.add_settlement(
        TICKER, EVENT, market_result="yes", settled_time="2026-04-20T14:00:00Z"
    )
    assert run_orders(warehouse, demo, "2026-04-20T12:00:00-04:00")
    with warehouse.get_connection() as conn:
        ledger = conn.execute(
            "SELECT kind, sum(amount) FROM cash_ledger WHERE environment = 'demo' "
            "GROUP BY ALL ORDER BY kind"
        ).fetchall()
    # 10 × $1 paid for 10 × 0.45, no maker fee on a quadratic series
    assert ledger == [("settlement", Decimal("10.0000")), ("trade", Decimal("-4.5000"))]
