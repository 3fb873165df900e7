"""Replaying a week's decisions on the paper exchange: the resting-order rule of a real one."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb

from edge_dagster.core.matching import Candle
from edge_dagster.core.risk import DEFAULT_RISK_LIMITS
from edge_dagster.trading.execution import Intent, PaperWeek, execute_paper_week
from edge_dagster.trading.paper_exchange import PaperExchange

D = Decimal
MONDAY = datetime(2026, 4, 13, 13, 15, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)
EVENT, TICKER = "KXTSAW-26APR19", "KXTSAW-26APR19-A2.45"


def intent(at: datetime, limit: str, count: int = 10) -> Intent:
    return Intent("tsa_weekly", "2026-04-13", at, EVENT, TICKER, "yes", "buy", D(limit), count,
                  "quadratic", D(1), edge=D("0.1"))  # fmt: skip


def replay(intents: list[Intent], candles: list[Candle]) -> list[tuple]:
    conn = duckdb.connect(":memory:")
    execute_paper_week(
        PaperExchange(conn, max_contracts_per_candle=1_000),
        PaperWeek("tsa_weekly", EVENT, (TICKER,), (MONDAY, TUESDAY), tuple(intents)),
        now=TUESDAY + timedelta(hours=20),
        candles_between=lambda tickers, after, until: {
            TICKER: [c for c in candles if after < c.end <= until]
        },
        quote_at=lambda ticker, at: None,
        settlements=lambda at: {},
        marks_at=lambda at: {},
        limits=DEFAULT_RISK_LIMITS,
        bankroll=D(1000),
    )
    return conn.execute(
        "SELECT decision_time, limit_price, status, filled_count FROM orders ORDER BY 1"
    ).fetchall()


# A candle closing Tuesday 04:00 UTC whose ask touched 0.40: it crosses neither 0.30 nor 0.35.
CANDLES = [Candle(MONDAY + timedelta(hours=15), yes_bid_high=D("0.38"), yes_ask_low=D("0.40"))]


def test_a_changed_decision_cancels_the_resting_order_and_places_its_own():
    orders = replay([intent(MONDAY, "0.30"), intent(TUESDAY, "0.35")], CANDLES)
    assert orders == [(MONDAY, D("0.3000"), "canceled", 0), (TUESDAY, D("0.3500"), "resting", 0)]


def test_an_unchanged_decision_keeps_the_order_and_places_no_second_one():
    orders = replay([intent(MONDAY, "0.30"), intent(TUESDAY, "0.30")], CANDLES)
    assert orders == [(MONDAY, D("0.3000"), "resting", 0)]
