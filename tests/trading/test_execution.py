"""Replaying a week's decisions on the paper venue: the resting-order rule of a real exchange,
expiry before the next release, and exposure caps that hold across the week."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb

from edge_dagster.core.matching import Candle, FillRule, Quote
from edge_dagster.core.orders import Order
from edge_dagster.core.risk import DEFAULT_RISK_LIMITS
from edge_dagster.core.strategy import Decision
from edge_dagster.trading.execution import PaperWeek, replay_week
from edge_dagster.trading.ledger import Ledger
from edge_dagster.trading.paper_venue import PaperVenue

D = Decimal
MONDAY = datetime(2026, 4, 13, 14, 15, tzinfo=UTC)
TUESDAY = datetime(2026, 4, 14, 13, 15, tzinfo=UTC)
WEDNESDAY = TUESDAY + timedelta(days=1)
EVENT, TICKER = "KXTSAW-26APR19", "KXTSAW-26APR19-A2.45"
DAYS = (MONDAY, TUESDAY, WEDNESDAY)


def intent(at: datetime, limit: str, count: int = 10, ticker: str = TICKER) -> Order:
    return Order("tsa_weekly", "2026-04-13", at, EVENT, ticker, "yes", "buy", D(limit), count,
                 edge=D("0.1"))  # fmt: skip


def replay(
    intents: list[Order],
    candles: list[Candle] = (),
    decisions: tuple[datetime, ...] = (MONDAY, TUESDAY),
    limits=DEFAULT_RISK_LIMITS,  # noqa: ANN001
    quote: Quote | None = None,
    takers: tuple[datetime, ...] = (),
) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(":memory:")
    venue = PaperVenue(Ledger(conn, "replay"), FillRule(max_contracts_per_candle=1_000), D(1000))
    tickers = tuple(sorted({i.ticker for i in intents}))
    replay_week(
        venue,
        PaperWeek(
            "tsa_weekly",
            EVENT,
            tickers,
            tuple(
                Decision("tsa_weekly", "2026-04-13", t, (EVENT,), taker=t in takers)
                for t in decisions
            ),
            tuple(intents),
        ),  # fmt: skip
        now=decisions[-1] + timedelta(hours=20),
        candles_between=lambda tickers, after, until: {
            t: [c for c in candles if after < c.end <= until] for t in tickers
        },
        quote_at=lambda ticker, at: quote,
        settlements=lambda at: {},
        marks_at=lambda at: {},
        limits=limits,
    )
    return conn


def orders(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    return conn.execute(
        "SELECT decision_time, ticker, limit_price, count, status, filled_count FROM orders "
        "ORDER BY decision_time, ticker"
    ).fetchall()


# A candle between Monday and Tuesday whose ask went down to 0.40: it crosses neither 0.30 nor
# 0.35.
CANDLES = [Candle(MONDAY + timedelta(hours=1), MONDAY + timedelta(hours=2), yes_ask_low=D("0.40"))]


def test_a_changed_decision_cancels_the_resting_order_and_places_its_own():
    conn = replay([intent(MONDAY, "0.30"), intent(TUESDAY, "0.35")], CANDLES)
    assert [row[2:5] for row in orders(conn)] == [
        (D("0.3000"), 10, "canceled"),
        (D("0.3500"), 10, "resting"),
    ]


def test_an_unchanged_decision_keeps_the_order_and_places_no_second_one():
    conn = replay([intent(MONDAY, "0.30"), intent(TUESDAY, "0.30")], CANDLES)
    assert [row[2:5] for row in orders(conn)] == [(D("0.3000"), 10, "resting")]


def test_an_order_that_lapsed_at_its_expiry_is_not_kept_by_a_later_decision():
    expiring = replace(intent(MONDAY, "0.30"), expires_at=TUESDAY - timedelta(minutes=20))
    conn = replay([expiring, intent(TUESDAY, "0.30")], CANDLES)
    assert [row[2:5] for row in orders(conn)] == [
        (D("0.3000"), 10, "canceled"),
        (D("0.3000"), 10, "resting"),
    ]


def test_one_events_exposure_is_capped_across_the_weeks_decisions():
    """Each day the strategy buys $30 more of the event at the ask; the cap is 5 % of about
    $1,000 equity for the whole event (positions at cost + resting orders), not a budget that
    resets daily."""
    limits = replace(DEFAULT_RISK_LIMITS, max_event_exposure=D("0.05"))
    wants = [
        intent(day, "0.30", 100, f"{EVENT}-A{strike}")
        for day, strike in zip(DAYS, ("2.40", "2.45", "2.50"), strict=True)
    ]
    deep = Quote(D("0.28"), 500, D("0.30"), 500)
    conn = replay(wants, decisions=DAYS, limits=limits, quote=deep)
    # Monday holds $30 (100 × 0.30, taker fee $1.47); Tuesday has 5 % of $998.53 − $30 =
    # $19.93 left: 66 contracts; Wednesday nothing.
    assert [(row[1][-5:], row[3]) for row in orders(conn)] == [("A2.40", 100), ("A2.45", 66)]


def test_a_taker_order_first_cancels_the_resting_order_it_would_trade_against():
    """Tuesday's taker decision buys NO at 1 − the 0.60 bid; Monday's YES bid at 0.30 rests on
    that same book side's opposite: it is canceled, never crossed by the account's own order."""
    no_taker = replace(intent(TUESDAY, "0.40"), side="no", time_in_force="immediate_or_cancel")
    conn = replay(
        [intent(MONDAY, "0.30"), no_taker],
        takers=(TUESDAY,),
        quote=Quote(D("0.60"), None, D("0.62"), None),
    )
    assert [row[2:6] for row in orders(conn)] == [
        (D("0.3000"), 10, "canceled", 0),
        (D("0.4000"), 10, "executed", 10),
    ]


def test_a_taker_order_leaves_a_resting_order_on_its_own_side_alone():
    yes_taker = replace(intent(TUESDAY, "0.62"), time_in_force="immediate_or_cancel")
    conn = replay(
        [intent(MONDAY, "0.30"), yes_taker],
        takers=(TUESDAY,),
        quote=Quote(D("0.60"), None, D("0.62"), None),
    )
    assert [row[2:6] for row in orders(conn)] == [
        (D("0.3000"), 10, "resting", 0),
        (D("0.6200"), 10, "executed", 10),
    ]
