"""The live market source reads Kalshi's API and answers exactly like the replay source."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from edge_dagster.core.clock import EASTERN
from edge_dagster.kalshi import KalshiClient
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from edge_dagster.sources.kalshi_markets import (
    DAILY_CANDLE_MINUTES,
    LiveKalshiMarkets,
    ReplayKalshiMarkets,
)
from tests.support.fake_kalshi import FakeKalshiExchange
from tests.support.recorded_markets import serve_recorded_event

EVENT = "KXTSAW-26APR19"
DECISION = datetime(2026, 4, 16, 9, 15, tzinfo=EASTERN)
AFTER_WEEK = datetime(2026, 4, 20, 12, 0, tzinfo=EASTERN)


@pytest.fixture
def exchange() -> Iterator[FakeKalshiExchange]:
    with FakeKalshiExchange() as fake:
        yield fake


def live(exchange: FakeKalshiExchange, now: datetime) -> LiveKalshiMarkets:
    """The live source reading daily candles, as the recorded files hold (it reads hourly
    ones by default)."""
    client = KalshiClient(exchange.base_url, backoff_seconds=0.01)
    return LiveKalshiMarkets(client, now, candle_minutes=DAILY_CANDLE_MINUTES)


@pytest.mark.parametrize("historical", [False, True], ids=["live endpoints", "archived"])
def test_a_past_decision_matches_the_replayed_snapshot(
    exchange: FakeKalshiExchange, historical: bool
) -> None:
    serve_recorded_event(exchange, DEFAULT_REPLAY_DIR, EVENT, historical=historical)
    if historical:
        exchange.historical_cutoff = AFTER_WEEK
    from_api = live(exchange, AFTER_WEEK).event_snapshot(EVENT, DECISION)
    recorded = ReplayKalshiMarkets(DEFAULT_REPLAY_DIR).event_snapshot(EVENT, DECISION)
    pd.testing.assert_frame_equal(
        from_api.drop(columns="source"), recorded.drop(columns="source"), check_dtype=False
    )
    assert set(from_api["source"]) == {"live:candles"}
    assert from_api["yes_ask"].notna().sum() == 8  # the rest ask 1.00: no ask at all


def test_archived_event_is_read_from_the_historical_endpoints(
    exchange: FakeKalshiExchange,
) -> None:
    serve_recorded_event(exchange, DEFAULT_REPLAY_DIR, EVENT, historical=True)
    exchange.historical_cutoff = AFTER_WEEK
    live(exchange, AFTER_WEEK).event_snapshot(EVENT, DECISION)
    paths = {r.path for r in exchange.requests}
    assert "/historical/markets" in paths
    assert f"/historical/markets/{EVENT}-A2.45/candlesticks" in paths
    assert not any(p.startswith("/series/KXTSAW/markets/") for p in paths)


def test_settlements_match_the_replay_and_hide_results_before_settlement(
    exchange: FakeKalshiExchange,
) -> None:
    serve_recorded_event(exchange, DEFAULT_REPLAY_DIR, EVENT)
    source = live(exchange, AFTER_WEEK)
    replay = ReplayKalshiMarkets(DEFAULT_REPLAY_DIR)
    assert source.settlements(EVENT, AFTER_WEEK) == replay.settlements(EVENT, AFTER_WEEK)
    assert len(source.settlements(EVENT, AFTER_WEEK)) == 21
    assert source.settlements(EVENT, DECISION) == {}
    assert set(source.event_snapshot(EVENT, DECISION)["result"]) == {""}


def test_fills_see_the_same_candles_after_a_decision(exchange: FakeKalshiExchange) -> None:
    serve_recorded_event(exchange, DEFAULT_REPLAY_DIR, EVENT)
    tickers = [f"{EVENT}-A2.45", f"{EVENT}-A2.50"]
    until = DECISION + timedelta(days=2)
    assert live(exchange, AFTER_WEEK).candles_between(tickers, DECISION, until) == (
        ReplayKalshiMarkets(DEFAULT_REPLAY_DIR).candles_between(tickers, DECISION, until)
    )


def test_candles_are_never_requested_past_now(exchange: FakeKalshiExchange) -> None:
    serve_recorded_event(exchange, DEFAULT_REPLAY_DIR, EVENT)
    live(exchange, DECISION).event_snapshot(EVENT, DECISION - timedelta(days=1))
    (request, *_) = exchange.requests_to(
        "GET", f"/series/KXTSAW/markets/{EVENT}-A2.45/candlesticks"
    )
    assert int(request.query["end_ts"][0]) == int(DECISION.timestamp())


def test_the_decision_being_traded_reads_the_top_of_book_with_sizes(
    exchange: FakeKalshiExchange,
) -> None:
    exchange.add_series("KXTSAW", fee_type="quadratic_with_maker_fees", fee_multiplier="1")
    exchange.add_event(EVENT, "KXTSAW")
    exchange.add_market(f"{EVENT}-A2.45", EVENT, close_time="2026-04-20T03:59:00Z")
    exchange.add_market(
        f"{EVENT}-A2.50", EVENT, yes_ask_size_fp="0.00", floor_strike=2500000,
        close_time="2026-04-20T03:59:00Z",
    )  # fmt: skip
    now = DECISION + timedelta(minutes=2)
    snapshot = live(exchange, now).event_snapshot(EVENT, DECISION).set_index("ticker")
    top = snapshot.loc[f"{EVENT}-A2.45"]
    assert (top["source"], top["status"], top["quote_time"]) == ("live:book", "active", now)
    assert (top["yes_bid"], top["yes_ask"]) == (Decimal("0.4000"), Decimal("0.4200"))
    assert (top["yes_bid_size"], top["yes_ask_size"]) == (150, 80)
    assert (top["fee_type"], top["fee_multiplier"]) == ("quadratic_with_maker_fees", Decimal(1))
    assert snapshot.loc[f"{EVENT}-A2.50", "yes_ask"] is None  # no asks: no price
    assert snapshot.loc[f"{EVENT}-A2.50", "floor_strike"] == 2_500_000


def test_a_decision_older_than_the_live_window_is_not_quoted_from_the_book(
    exchange: FakeKalshiExchange,
) -> None:
    exchange.add_series("KXTSAW")
    exchange.add_event(EVENT, "KXTSAW")
    exchange.add_market(f"{EVENT}-A2.45", EVENT, open_time="2026-04-13T14:00:00Z",
                        close_time="2026-04-20T03:59:00Z")  # fmt: skip
    snapshot = live(exchange, DECISION + timedelta(minutes=31)).event_snapshot(EVENT, DECISION)
    assert list(snapshot["source"]) == ["live:candles"]
    assert snapshot["yes_ask"].isna().all()  # no candle recorded: no quote


def test_an_unknown_event_has_no_markets(exchange: FakeKalshiExchange) -> None:
    exchange.add_series("KXTSAW")
    exchange.add_event(EVENT, "KXTSAW")
    assert live(exchange, AFTER_WEEK).event_snapshot(EVENT, DECISION).empty


def test_market_quotes_match_the_replay(exchange: FakeKalshiExchange) -> None:
    serve_recorded_event(exchange, DEFAULT_REPLAY_DIR, EVENT)
    decisions = pd.DataFrame(
        {"ticker": [f"{EVENT}-A2.45", f"{EVENT}-A2.50"], "decision_time": [DECISION, DECISION]}
    )
    pd.testing.assert_frame_equal(
        live(exchange, AFTER_WEEK).quotes_after(decisions),
        ReplayKalshiMarkets(DEFAULT_REPLAY_DIR).quotes_after(decisions),
    )


def test_past_decisions_and_fills_read_hourly_candles_by_default(exchange: FakeKalshiExchange):
    serve_recorded_event(exchange, DEFAULT_REPLAY_DIR, EVENT)
    source = LiveKalshiMarkets(KalshiClient(exchange.base_url), AFTER_WEEK)
    ticker = f"{EVENT}-A2.45"
    candles = source.candles_between([ticker], DECISION, DECISION + timedelta(days=2))[ticker]
    (request,) = [r for r in exchange.requests if r.path.endswith(f"{ticker}/candlesticks")]
    assert request.query["period_interval"] == ["60"]
    # each candle covers the hour before its end: the first that begins after a 09:15 order is
    # the one ending at 10:15 at the earliest
    assert {c.end - c.start for c in candles} == {timedelta(hours=1)}
