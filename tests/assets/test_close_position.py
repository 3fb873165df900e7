"""close_position_job: the seed dashboard's close button, through the deployment's venue, the
ledger and the risk check — on the paper venue, and against the fake exchange."""

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from edge_dagster.core.matching import Fill
from edge_dagster.core.orders import Order
from edge_dagster.kalshi import CreateOrderRequest, KalshiClient
from edge_dagster.ops.close_position import close_position_job
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.trading.ledger import Ledger
from tests.assets.test_orders import (
    DECISION,
    ORDER_PATH,
    TICKER,
    WEDNESDAY,
    demo_exchange,
    run_demo,
    seed_decision,
)
from tests.conftest import DEMO_KEY_ID
from tests.support.clock import FrozenWallClockSources

__all__ = ["demo_exchange"]  # the fixture, shared with the orders tests
EVENT = "KXTSAW-26APR19"
OTHER = f"{EVENT}-A2.50"
BOUGHT = datetime(2026, 4, 15, 14, tzinfo=UTC)
NOW = "2026-04-16T10:00:00-04:00"


def close(warehouse, deployment: str, exchange=None, wall_time: str = NOW, **config):  # noqa: ANN001, ANN201
    api_base = exchange.base_url if exchange is not None else ""
    return close_position_job.execute_in_process(
        run_config={"ops": {"close_position_op": {"config": config}}},
        resources={
            "warehouse": warehouse,
            "sources": FrozenWallClockSources(deployment=deployment, wall_time=wall_time),
            "kalshi": KalshiResource(deployment=deployment, api_base=api_base),
        },
        raise_on_error=False,
    )


def metadata(result) -> dict:  # noqa: ANN001
    (event,) = [e for e in result.all_node_events if e.event_type_value == "STEP_OUTPUT"]
    return {k: v.value for k, v in event.step_output_data.metadata.items()}


def paper_book(warehouse) -> None:  # noqa: ANN001
    """The paper account holds 10 YES of A2.45 bought at 0.45 and rests a buy of 5 A2.50 at
    0.20; A2.45 is quoted 0.50 (30 bid) / 0.53."""
    with warehouse.transaction(["orders", "fills", "cash_ledger", "market_snapshots"]) as conn:
        ledger = Ledger(conn, "paper")
        for ticker, limit, count, status in ((TICKER, "0.45", 10, "executed"),
                                             (OTHER, "0.20", 5, "resting")):  # fmt: skip
            order = ledger.record(
                Order("tsa_weekly", "2026-04-13", BOUGHT, EVENT, ticker, "yes", "buy",
                      Decimal(limit), count, status=status, submitted_at=BOUGHT,
                      filled_through=BOUGHT, updated_at=BOUGHT,
                      filled_count=count if status == "executed" else 0)
            )  # fmt: skip
            if status == "executed":
                fill = Fill(count, Decimal(limit), Decimal(0), True, BOUGHT)
                ledger.book_fills(order, [(f"{order.client_order_id}:1", fill)])
        conn.execute(
            "INSERT INTO market_snapshots (ticker, as_of, source, series_ticker, event_ticker, "
            "strike_type, status, yes_bid, yes_bid_size, yes_ask, yes_ask_size, close_time, "
            "result, fee_type, fee_multiplier) VALUES (?, ?, 'test', 'KXTSAW', ?, 'greater', "
            "'active', 0.50, 30, 0.53, 40, ?, '', 'quadratic', 1)",
            [TICKER, BOUGHT + timedelta(hours=20), EVENT, BOUGHT + timedelta(days=5)],
        )


def ledger_orders(warehouse, environment: str) -> list[tuple]:  # noqa: ANN001
    with warehouse.get_connection() as conn:
        return conn.execute(
            "SELECT ticker, action, limit_price, count, filled_count, status, tag, note "
            "FROM orders WHERE environment = ? ORDER BY submitted_at, ticker",
            [environment],
        ).fetchall()


def test_paper_sell_at_the_bid_fills_at_the_quote_and_closes_the_position(warehouse):
    paper_book(warehouse)
    result = close(warehouse, "paper", ticker=TICKER, action="sell", limit_price=0.50)
    assert result.success
    assert ledger_orders(warehouse, "paper")[-1] == (
        TICKER, "sell", Decimal("0.5000"), 10, 10, "executed", "close", "",
    )  # fmt: skip
    with warehouse.get_connection() as conn:
        cash = conn.execute(
            "SELECT kind, sum(amount) FROM cash_ledger WHERE environment = 'paper' "
            "GROUP BY ALL ORDER BY 1"
        ).fetchall()
    # bought 10 × 0.45, sold 10 × 0.50 as taker: fee ceil(0.07 × 10 × 0.5 × 0.5 = 0.175) = 0.18
    assert cash == [("fee", Decimal("-0.1800")), ("trade", Decimal("0.5000"))]
    assert "placed" in metadata(result)


def test_paper_sell_above_the_bid_rests_and_a_retry_places_nothing_new(warehouse):
    paper_book(warehouse)
    assert close(warehouse, "paper", ticker=TICKER, action="sell", limit_price=0.60).success
    retry = close(warehouse, "paper", wall_time="2026-04-16T10:05:00-04:00", ticker=TICKER,
                  action="sell", limit_price=0.60)  # fmt: skip
    assert retry.success
    sells = [o for o in ledger_orders(warehouse, "paper") if o[1] == "sell"]
    assert sells == [(TICKER, "sell", Decimal("0.6000"), 10, 0, "resting", "close", "")]
    assert metadata(retry)["placed"] == "none"


def test_paper_cancel_cancels_the_resting_order(warehouse):
    paper_book(warehouse)
    assert close(warehouse, "paper", ticker=OTHER, action="cancel").success
    assert ledger_orders(warehouse, "paper")[1][:6] == (
        OTHER, "buy", Decimal("0.2000"), 5, 0, "canceled",
    )  # fmt: skip


def test_nothing_to_close_fails_with_one_line(warehouse):
    paper_book(warehouse)
    result = close(warehouse, "paper", ticker=OTHER, action="sell", limit_price=0.3)
    assert not result.success
    (failure,) = [e for e in result.all_node_events if e.event_type_value == "STEP_FAILURE"]
    assert failure.step_failure_data.error.message.strip().endswith(
        f"no position in {OTHER} to sell"
    )


def test_demo_cancel_cancels_at_the_exchange_and_in_the_ledger(warehouse, demo_exchange):
    seed_decision(warehouse, DECISION, "0.45")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00")
    assert close(warehouse, "demo", demo_exchange, "2026-04-16T09:30:00-04:00", ticker=TICKER,
                 action="cancel").success  # fmt: skip
    assert len(demo_exchange.requests_to("DELETE", f"{ORDER_PATH}/ord-1")) == 1
    assert demo_exchange.orders["ord-1"].status == "canceled"
    assert ledger_orders(warehouse, "demo")[0][5:] == (
        "canceled", "entry", "canceled by close_position_job",
    )  # fmt: skip


def test_demo_sell_is_capped_by_the_position_the_exchange_reports(warehouse, demo_exchange):
    """10 YES bought on Wednesday; 6 sold by hand since: selling all sends 4."""
    demo_exchange.market_clock = lambda: (WEDNESDAY + timedelta(minutes=6)).timestamp()
    seed_decision(warehouse, WEDNESDAY, "0.45")
    assert run_demo(warehouse, demo_exchange, "2026-04-15T09:20:00-04:00")
    demo_exchange.trade_against("ord-1", "10")
    demo_exchange.set_orderbook(TICKER, yes_bids=[("0.40", "6")])
    hand = KalshiClient(demo_exchange.base_url, DEMO_KEY_ID, os.environ["KALSHI_PRIVATE_KEY_PEM"])
    hand.create_order(CreateOrderRequest(TICKER, "ask", Decimal(6), Decimal("0.40"), "by-hand",
                                         time_in_force="immediate_or_cancel"))  # fmt: skip
    result = close(warehouse, "demo", demo_exchange, "2026-04-16T09:30:00-04:00", ticker=TICKER,
                   action="sell", limit_price=0.42)  # fmt: skip
    assert result.success
    sell = demo_exchange.requests_to("POST", ORDER_PATH)[-1].body
    assert (sell["side"], sell["count"], sell["price"]) == ("ask", "4.00", "0.4200")
    assert metadata(result)["risk_cuts"] == (f"{TICKER} yes sell: sell_exceeds_position: 10 -> 4")


def test_live_without_the_second_opt_in_refuses_with_no_request(
    warehouse, demo_exchange, monkeypatch
):
    monkeypatch.delenv("EDGE_LIVE_CONFIRM", raising=False)
    result = close(warehouse, "live", demo_exchange, "2026-04-16T09:30:00-04:00", ticker=TICKER,
                   action="cancel")  # fmt: skip
    assert not result.success
    assert demo_exchange.requests == []
