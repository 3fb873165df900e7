"""A live week end to end: tsa.gov served locally, Kalshi's market data and demo exchange by the
fake (the real KXTSAW-26APR19 markets and candles, unsettled), the strategy trading its current
decision from the book, each intent sent once."""

import re
from datetime import datetime
from decimal import Decimal

import pytest
from dagster import materialize

from edge_dagster.assets.trading import tsa_orders
from edge_dagster.assets.tsa_strategy import (
    tsa_fair_values,
    tsa_fair_values_are_probabilities,
    tsa_fair_values_monotone_in_strike,
    tsa_market_snapshots_fresh,
)
from edge_dagster.core.clock import EASTERN
from edge_dagster.definitions import sql_models
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from tests.assets.test_tsa_raw import APRIL, SAMPLE_PAGE, run_raw
from tests.conftest import replay_sources
from tests.support.clock import FrozenWallClockSources
from tests.support.fake_kalshi import FakeKalshiExchange
from tests.support.http_server import ScriptedHttpServer, ScriptedResponse
from tests.support.recorded_markets import serve_recorded_event

WEEK = "2026-04-13"
EVENT = "KXTSAW-26APR19"
THURSDAY = datetime(2026, 4, 16, 9, 20, tzinfo=EASTERN)  # five minutes after the 09:15 decision
MARKETS = 21
WEEKLY = [tsa_fair_values, tsa_orders]
CHECKS = [
    tsa_market_snapshots_fresh,
    tsa_fair_values_are_probabilities,
    tsa_fair_values_monotone_in_strike,
]


@pytest.fixture
def exchange(kalshi_exchange) -> FakeKalshiExchange:
    serve_recorded_event(
        kalshi_exchange, DEFAULT_REPLAY_DIR, EVENT, settled=False, book_at=THURSDAY
    )
    return kalshi_exchange


def page_as_of_thursday() -> str:
    """tsa.gov's 2026 page as it stood on Thursday 2026-04-16: Wednesday's row is the newest."""
    page = SAMPLE_PAGE
    for day in (19, 18, 17, 16):
        row = re.search(rf"<tr><td[^>]*>4/{day}/2026</td><td[^>]*>[\d,]+</td></tr>", page)
        assert row is not None, day
        page = page.replace(row.group(0), "")
    return page


@pytest.fixture
def history(warehouse) -> None:
    """The replayed archive to 2026-04-19, then April from tsa.gov's 2026 page (served locally)
    as it stood on Thursday morning: the days to Wednesday the 15th."""
    assert run_raw(warehouse, replay_sources("2026-04-20T12:00:00-04:00"), "2019-01-01", APRIL)
    with ScriptedHttpServer() as tsa_gov:
        tsa_gov.script("/travel/passenger-volumes", ScriptedResponse(200, page_as_of_thursday()))
        live = FrozenWallClockSources(
            deployment="demo", wall_time=THURSDAY.isoformat(), tsa_base_url=tsa_gov.base_url
        )
        assert run_raw(warehouse, live, APRIL)
    resources = {"warehouse": warehouse, "sources": live}
    assert materialize(sql_models("tsa_daily", "tsa_weekly"), resources=resources).success


def run_week(warehouse, exchange: FakeKalshiExchange) -> None:
    sources = FrozenWallClockSources(
        deployment="demo", wall_time=THURSDAY.isoformat(), kalshi_market_data_url=exchange.base_url
    )
    kalshi = KalshiResource(deployment="demo", api_base=exchange.base_url)
    result = materialize(
        [*WEEKLY, *CHECKS],
        partition_key=WEEK,
        resources={"warehouse": warehouse, "sources": sources, "kalshi": kalshi},
    )
    assert all(check.passed for check in result.get_asset_check_evaluations())


def test_the_current_decision_trades_on_the_book_and_each_intent_reaches_demo_once(
    warehouse, history, exchange
) -> None:
    run_week(warehouse, exchange)
    run_week(warehouse, exchange)
    posted = [
        r.body["client_order_id"] for r in exchange.requests_to("POST", "/portfolio/events/orders")
    ]
    with warehouse.get_connection() as conn:
        sources = dict(
            conn.execute("SELECT source, count(*) FROM market_snapshots GROUP BY ALL").fetchall()
        )
        recorded = conn.execute(
            "SELECT client_order_id, environment, decision_time FROM orders ORDER BY 1"
        ).fetchall()
        placed = conn.execute(
            "SELECT ticker, side, action, limit_price, count, status FROM orders"
        ).fetchall()
    # Monday–Wednesday rebuilt from the recorded candles, Thursday read from the book
    assert sources == {"live:candles": 3 * MARKETS, "live:book": MARKETS}
    assert posted and sorted(posted) == [r[0] for r in recorded]
    assert {(env, str(t)) for _, env, t in recorded} == {("demo", "2026-04-16 13:15:00+00:00")}
    # A2.45 was bid 0.84 with P(YES) near 0.63: buy NO at its 0.16 ask (1 − 0.84, under
    # 0.65 × its fair value); the fake's order book is empty, so the order rests.
    assert placed == [("KXTSAW-26APR19-A2.45", "no", "buy", Decimal("0.1600"), 100, "resting")]
