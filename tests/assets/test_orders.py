"""The orders asset: each intent reaches the exchange once, in the deployment asked for, on the
real clock, and no order the exchange accepted is ever lost."""

import os
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from dagster import materialize

from edge_dagster.assets.trading import tsa_orders
from edge_dagster.core.clock import EASTERN, tsa_order_expiry
from edge_dagster.kalshi import CreateOrderRequest, KalshiClient
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.warehouse import WarehouseResource
from tests.conftest import DEMO_KEY_ID, replay_sources
from tests.support.clock import FrozenWallClockSources

EVENT = "KXTSAW-26APR19"
TICKER = "KXTSAW-26APR19-A2.45"
DECISION = datetime(2026, 4, 16, 9, 15, tzinfo=EASTERN)
THURSDAY = DECISION
WEDNESDAY = datetime(2026, 4, 15, 9, 15, tzinfo=EASTERN)
ORDER_PATH = "/portfolio/events/orders"


def seed_decision(
    warehouse,
    decision: datetime = DECISION,
    limit: str | None = "0.45",
    count: int = 10,
    ticker: str = TICKER,
    side: str = "yes",
    action: str = "buy",
) -> None:
    """A priced decision, written directly: the market snapshot, its fair value and (unless
    ``limit`` is None) one intent, resting until before the next release. The desired-orders
    table is the contract any strategy writes."""
    with warehouse.transaction(["desired_orders", "market_snapshots", "tsa_fair_values"]) as conn:
        if limit is not None:
            conn.execute(
                "INSERT INTO desired_orders (strategy, partition_key, decision_time, tag, "
                "bracket_id, event_ticker, ticker, side, action, limit_price, count, fair_value, "
                "edge, fee_type, fee_multiplier, time_in_force, expires_at) VALUES ("
                "'tsa_weekly', '2026-04-13', ?, 'entry', ?, ?, ?, ?, ?, ?, ?, 0.6, 0.13, "
                "'quadratic', 1, 'good_till_canceled', ?)",
                [decision, EVENT, EVENT, ticker, side, action, Decimal(limit), count,
                 tsa_order_expiry(decision)],
            )  # fmt: skip
        conn.execute(
            "INSERT OR IGNORE INTO market_snapshots (ticker, as_of, source, series_ticker, "
            "event_ticker, strike_type, floor_strike, status, yes_bid, yes_ask, close_time, "
            "result, fee_type, fee_multiplier) VALUES (?, ?, 'test', 'KXTSAW', ?, 'greater', "
            "2450000, 'active', 0.40, 0.50, ?, '', 'quadratic', 1)",
            [ticker, decision, EVENT, datetime(2026, 4, 20, 3, 59, tzinfo=EASTERN)],
        )
        conn.execute(
            "INSERT OR IGNORE INTO tsa_fair_values (week_monday, decision_time, event_ticker, "
            "ticker, strike, synthetic_strike, model, model_fair_yes, fair_yes, pool_weight, "
            "fee_type, fee_multiplier) VALUES ('2026-04-13', ?, ?, ?, 2450000, false, "
            "'holiday_aligned', 0.6, 0.6, 0, 'quadratic', 1)",
            [decision, EVENT, ticker],
        )


@pytest.fixture
def demo_exchange(kalshi_exchange):
    kalshi_exchange.add_series("KXTSAW")
    kalshi_exchange.add_event(EVENT, "KXTSAW")
    kalshi_exchange.add_market(TICKER, EVENT)
    return kalshi_exchange


def demo_run(warehouse, exchange, wall_time: str, deployment: str = "demo", **trading):  # noqa: ANN201
    """One run of the orders asset on a demo (or live) deployment whose wall clock reads
    ``wall_time``: the injected clock, never EDGE_AS_OF."""
    return materialize(
        [tsa_orders],
        partition_key="2026-04-13",
        resources={
            "warehouse": warehouse,
            "sources": FrozenWallClockSources(deployment=deployment, wall_time=wall_time),
            "kalshi": KalshiResource(deployment=deployment, api_base=exchange.base_url),
        },
        run_config={"ops": {"tsa_orders": {"config": trading}}},
        raise_on_error=False,
    )


def run_demo(warehouse, exchange, wall_time: str, deployment: str = "demo", **trading) -> bool:
    return demo_run(warehouse, exchange, wall_time, deployment, **trading).success


def run_replay(warehouse, as_of: str) -> bool:
    return materialize(
        [tsa_orders],
        partition_key="2026-04-13",
        resources={
            "warehouse": warehouse,
            "sources": replay_sources(as_of),
            "kalshi": KalshiResource(),
        },  # fmt: skip
    ).success


def demo_orders(warehouse) -> list[tuple]:
    with warehouse.get_connection() as conn:
        return conn.execute(
            "SELECT decision_time, yes_price, count, filled_count, status, note FROM orders "
            "ORDER BY decision_time"
        ).fetchall()


def test_a_demo_order_is_sent_once_with_its_expiry_and_recorded_with_its_environment(
    warehouse, demo_exchange
):
    seed_decision(warehouse)
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:25:00-04:00")
    (post,) = demo_exchange.requests_to("POST", ORDER_PATH)
    # rests until 08:55 ET on Friday, five minutes before Thursday's figure is published
    assert post.body["expiration_time"] == int(
        datetime(2026, 4, 17, 8, 55, tzinfo=EASTERN).timestamp()
    )
    with warehouse.get_connection() as conn:
        rows = conn.execute(
            "SELECT environment, ticker, book_side, yes_price, count, status, exchange_order_id "
            "FROM orders"
        ).fetchall()
    assert [r[:6] for r in rows] == [("demo", TICKER, "bid", Decimal("0.4500"), 10, "resting")]
    assert rows[0][6] in demo_exchange.orders


def test_a_stale_decision_never_reaches_a_real_exchange_and_the_run_says_why(
    warehouse, demo_exchange
):
    seed_decision(warehouse)
    result = demo_run(warehouse, demo_exchange, "2026-04-16T09:50:00-04:00")
    assert demo_exchange.requests_to("POST", ORDER_PATH) == []
    (materialization,) = result.asset_materializations_for_node("tsa_orders")
    assert (
        "more than 30 minutes before the wall clock" in materialization.metadata["not_sent"].value
    )


def test_live_without_the_second_opt_in_refuses_to_start(warehouse, demo_exchange, monkeypatch):
    monkeypatch.delenv("EDGE_LIVE_CONFIRM", raising=False)
    seed_decision(warehouse)
    assert not run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00", deployment="live")
    assert demo_exchange.requests == []


def test_replayed_orders_rematerialised_rewrite_identical_rows(warehouse):
    seed_decision(warehouse)
    assert run_replay(warehouse, "2026-04-16T09:20:00-04:00")
    with warehouse.get_connection() as conn:
        first = conn.execute("SELECT * FROM orders").df()
    assert run_replay(warehouse, "2026-04-16T09:20:00-04:00")
    with warehouse.get_connection() as conn:
        second = conn.execute("SELECT * FROM orders").df()
    pd.testing.assert_frame_equal(first, second)
    assert list(first[["environment", "status", "count"]].itertuples(index=False)) == [
        ("replay", "resting", 10)
    ]


@contextmanager
def machine_time_zone(zone: str):
    """Run as on a machine set to ``zone`` (DuckDB sessions take the zone of ``TZ``)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_the_same_decision_gets_one_order_id_whatever_the_machines_time_zone(tmp_path):
    ids = []
    for zone in ("America/New_York", "Asia/Tokyo"):
        with machine_time_zone(zone):
            warehouse = WarehouseResource(database=str(tmp_path / f"{zone[:4]}.duckdb"))
            seed_decision(warehouse)
            assert run_replay(warehouse, "2026-04-16T09:20:00-04:00")
            with warehouse.get_connection() as conn:
                ids.append(conn.execute("SELECT client_order_id FROM orders").fetchall())
    assert len(ids[0]) == 1
    assert ids[0] == ids[1]


def test_a_later_decision_cancels_the_resting_order_it_replaces(warehouse, demo_exchange):
    seed_decision(warehouse, WEDNESDAY, "0.45")
    assert run_demo(warehouse, demo_exchange, "2026-04-15T09:20:00-04:00")
    seed_decision(warehouse, THURSDAY, "0.47")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00")
    (cancel,) = demo_exchange.requests_to("DELETE", f"{ORDER_PATH}/ord-1")
    assert cancel.query == {"market_ticker": [TICKER]}
    assert [o.status for o in demo_exchange.orders.values()] == ["canceled", "resting"]
    assert demo_orders(warehouse) == [
        (WEDNESDAY, Decimal("0.4500"), 10, 0, "canceled",
         "replaced by the decision of 2026-04-16T13:15:00+00:00"),
        (THURSDAY, Decimal("0.4700"), 10, 0, "resting", ""),
    ]  # fmt: skip


def test_an_unchanged_order_keeps_its_place_in_the_queue(warehouse, demo_exchange):
    seed_decision(warehouse, WEDNESDAY, "0.45")
    assert run_demo(warehouse, demo_exchange, "2026-04-15T09:20:00-04:00")
    seed_decision(warehouse, THURSDAY, "0.45")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00")
    assert len(demo_exchange.requests_to("POST", ORDER_PATH)) == 1
    assert demo_exchange.requests_to("DELETE", f"{ORDER_PATH}/ord-1") == []


def test_a_decision_that_no_longer_wants_the_order_cancels_it(warehouse, demo_exchange):
    seed_decision(warehouse, WEDNESDAY, "0.45")
    assert run_demo(warehouse, demo_exchange, "2026-04-15T09:20:00-04:00")
    seed_decision(warehouse, THURSDAY, limit=None)
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00")
    assert [o.status for o in demo_exchange.orders.values()] == ["canceled"]


def test_an_unpriced_decision_leaves_resting_orders_alone(warehouse, demo_exchange):
    seed_decision(warehouse, WEDNESDAY, "0.45")
    assert run_demo(warehouse, demo_exchange, "2026-04-15T09:20:00-04:00")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00")
    assert [o.status for o in demo_exchange.orders.values()] == ["resting"]


def test_an_order_the_exchange_accepted_before_a_crash_is_adopted_and_replaced_next_day(
    warehouse, demo_exchange
):
    """Wednesday: the exchange accepts the order, the answer is lost and so is the lookup that
    would have found it: the run fails. Thursday's run knows the order (its pending row was
    committed before sending; the sync adopts the exchange's order by client order id) and
    cancels it by the usual rule, because Thursday wants another price."""
    seed_decision(warehouse, WEDNESDAY, "0.45")
    demo_exchange.disconnect_next("POST", ORDER_PATH, apply_first=True)
    # after the sync's listing and the reconciliation's
    demo_exchange.fail_next("GET", "/portfolio/orders", 403, skip=2)
    assert not run_demo(warehouse, demo_exchange, "2026-04-15T09:20:00-04:00")
    assert [o.status for o in demo_exchange.orders.values()] == ["resting"]
    assert demo_orders(warehouse) == [(WEDNESDAY, Decimal("0.4500"), 10, 0, "pending", "")]

    seed_decision(warehouse, THURSDAY, "0.47")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00")
    assert [o.status for o in demo_exchange.orders.values()] == ["canceled", "resting"]
    assert len(demo_exchange.requests_to("POST", ORDER_PATH)) == 2
    assert [row[4] for row in demo_orders(warehouse)] == ["canceled", "resting"]


def test_an_order_recorded_pending_that_never_reached_the_exchange_is_sent_again(
    warehouse, demo_exchange
):
    seed_decision(warehouse)
    demo_exchange.fail_next("POST", ORDER_PATH, 400)  # refused before it was applied
    assert not run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00")
    assert demo_exchange.orders == {}
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:22:00-04:00")
    assert [o.status for o in demo_exchange.orders.values()] == ["resting"]
    assert [row[4] for row in demo_orders(warehouse)] == ["resting"]


def test_an_order_nobody_here_placed_is_reported_and_counted_in_exposure(warehouse, demo_exchange):
    outsider = KalshiClient(
        demo_exchange.base_url, DEMO_KEY_ID, os.environ["KALSHI_PRIVATE_KEY_PEM"]
    )
    outsider.create_order(CreateOrderRequest(TICKER, "bid", Decimal(10), Decimal("0.30"), "hand"))
    seed_decision(warehouse, limit="0.45", count=100)
    result = demo_run(
        warehouse, demo_exchange, "2026-04-16T09:20:00-04:00", max_total_exposure=0.01
    )
    (materialization,) = result.asset_materializations_for_node("tsa_orders")
    assert materialization.metadata["unexplained_exchange_orders"].value == "ord-1"
    # 1 % of the $1,000 balance less the $3 resting by hand: 15 contracts at 0.45, not 22
    assert demo_exchange.orders["ord-2"].initial_count == 15


def test_fills_and_fees_are_synced_from_the_exchange_by_order_id(warehouse, demo_exchange):
    seed_decision(warehouse, DECISION, "0.45")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00")
    demo_exchange.trade_against("ord-1", "4")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:30:00-04:00")
    demo_exchange.trade_against("ord-1", "6")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:40:00-04:00")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:41:00-04:00")
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


def test_a_taker_fill_at_submission_is_synced_with_its_fee(warehouse, demo_exchange):
    demo_exchange.set_orderbook(TICKER, no_bids=[("0.56", "3")])  # YES ask 0.44 × 3
    seed_decision(warehouse, DECISION, "0.45")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:21:00-04:00")
    with warehouse.get_connection() as conn:
        fills = conn.execute("SELECT count, price, fee, is_taker FROM fills").fetchall()
    # ceil(0.07 × 3 × 0.44 × 0.56 = 0.051744) = 0.06
    assert fills == [(3, Decimal("0.4400"), Decimal("0.0600"), True)]
    assert demo_orders(warehouse)[0][3:5] == (3, "resting")


def test_a_live_sell_never_exceeds_the_position_the_exchange_reports(warehouse, demo_exchange):
    """The ledger holds 10 YES bought on Wednesday; 6 were sold by hand since, so the exchange
    reports 4. Thursday's exit (written at the per-order cap) sells 4."""
    demo_exchange.market_clock = lambda: (WEDNESDAY + timedelta(minutes=6)).timestamp()
    seed_decision(warehouse, WEDNESDAY, "0.45")
    assert run_demo(warehouse, demo_exchange, "2026-04-15T09:20:00-04:00")
    demo_exchange.trade_against("ord-1", "10")
    demo_exchange.set_orderbook(TICKER, yes_bids=[("0.40", "6")])
    outsider = KalshiClient(
        demo_exchange.base_url, DEMO_KEY_ID, os.environ["KALSHI_PRIVATE_KEY_PEM"]
    )
    outsider.create_order(CreateOrderRequest(TICKER, "ask", Decimal(6), Decimal("0.40"), "by-hand",
                                             time_in_force="immediate_or_cancel"))  # fmt: skip
    seed_decision(warehouse, THURSDAY, "0.40", count=100, action="sell")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00")
    sells = [r.body for r in demo_exchange.requests_to("POST", ORDER_PATH)][-1]
    assert (sells["side"], sells["count"]) == ("ask", "4.00")


@pytest.mark.parametrize(("loss_limit", "orders_sent"), [(0.0001, 1), (0.5, 2)])
def test_the_daily_kill_switch_halts_new_demo_orders(
    warehouse, demo_exchange, loss_limit, orders_sent
):
    """Bought 10 YES at 0.45 on Wednesday; on Thursday it is marked at 0.40 (the bid): −$0.50
    today, over 0.01 % of the $1,000 equity but under 50 %."""
    other = "KXTSAW-26APR19-A2.50"
    demo_exchange.add_market(other, EVENT, floor_strike=2500000)
    demo_exchange.market_clock = lambda: (WEDNESDAY + timedelta(minutes=6)).timestamp()
    seed_decision(warehouse, WEDNESDAY, "0.45")
    assert run_demo(warehouse, demo_exchange, "2026-04-15T09:20:00-04:00")
    demo_exchange.trade_against("ord-1", "10")
    seed_decision(warehouse, THURSDAY, "0.45", ticker=other)
    seed_decision(warehouse, THURSDAY, limit=None)  # A2.45 quoted at Thursday's decision too
    limit = {"daily_loss_limit_fraction": loss_limit}
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00", **limit)
    assert len(demo_exchange.requests_to("POST", ORDER_PATH)) == orders_sent


def test_kalshi_settlements_close_synced_positions_and_pay_out(warehouse, demo_exchange):
    demo_exchange.market_clock = lambda: (DECISION + timedelta(minutes=6)).timestamp()
    seed_decision(warehouse, DECISION, "0.45")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00")
    demo_exchange.trade_against("ord-1", "10")
    demo_exchange.add_settlement(
        TICKER, EVENT, market_result="yes", settled_time="2026-04-20T14:00:00Z"
    )
    assert run_demo(warehouse, demo_exchange, "2026-04-20T12:00:00-04:00")
    with warehouse.get_connection() as conn:
        ledger = conn.execute(
            "SELECT kind, sum(amount) FROM cash_ledger WHERE environment = 'demo' "
            "GROUP BY ALL ORDER BY kind"
        ).fetchall()
    # 10 × $1 paid for 10 × 0.45, no maker fee on a quadratic series
    assert ledger == [("settlement", Decimal("10.0000")), ("trade", Decimal("-4.5000"))]
