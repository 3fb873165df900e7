"""Serve the recorded KXTSAW markets and candles from the fake exchange, in the 2026 API shape.

Lets a test compare the live market source with the replay source on the same real data.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from edge_dagster.sources.kalshi_markets import CANDLES_FILE, ReplayKalshiMarkets
from tests.support.fake_kalshi import FakeKalshiExchange, rfc3339


def _price(value: float) -> str:
    return f"{value:.4f}"


def serve_recorded_event(
    fake: FakeKalshiExchange,
    replay_dir: Path,
    event_ticker: str,
    *,
    historical: bool = False,
    settled: bool = True,
    book_at: datetime | None = None,
) -> None:
    """Add the event's series, event, markets and candles; ``settled=False`` serves the markets
    as they were while trading (active, no result yet), and ``book_at`` quotes each market's
    top of book at the close of its last candle ending by then (sizes stay the fake's)."""
    replay = ReplayKalshiMarkets(replay_dir)
    markets = replay.event_markets(event_ticker)
    series = markets["series_ticker"].iloc[0]
    fake.add_series(series)
    fake.add_event(event_ticker, series)
    candles = pd.read_csv(replay_dir / CANDLES_FILE)
    candles = candles[candles["event_ticker"] == event_ticker]
    for market in markets.itertuples(index=False):
        book = {}
        if book_at is not None:
            closed = candles[
                (candles["ticker"] == market.ticker)
                & (candles["period_end_unix"] <= book_at.timestamp())
            ]
            last = closed.sort_values("period_end_unix").iloc[-1]
            book = {
                "yes_bid_dollars": _price(last.yes_bid_close),
                "yes_ask_dollars": _price(last.yes_ask_close),
                "no_bid_dollars": _price(1 - last.yes_ask_close),
                "no_ask_dollars": _price(1 - last.yes_bid_close),
            }
        fake.add_market(
            market.ticker,
            event_ticker,
            historical=historical,
            status="finalized" if settled else "active",
            open_time=rfc3339(market.opens_at.timestamp()),
            close_time=rfc3339(market.close_time.timestamp()),
            settlement_ts=rfc3339(market.settles_at.timestamp()) if settled else None,
            result=market.result if settled else "",
            strike_type=market.strike_type,
            floor_strike=int(market.floor_strike),
            **book,
        )
    for row in candles.itertuples(index=False):
        fake.add_candle(
            row.ticker,
            int(row.period_end_unix),
            historical=historical,
            yes_bid=tuple(_price(v) for v in (row.yes_bid_open, row.yes_bid_low,
                                                row.yes_bid_high, row.yes_bid_close)),
            yes_ask=tuple(_price(v) for v in (row.yes_ask_open, row.yes_ask_low,
                                                row.yes_ask_high, row.yes_ask_close)),
            trade_close=None if pd.isna(row.trade_price_close) else _price(row.trade_price_close),
            trade_low=None if pd.isna(row.trade_price_low) else _price(row.trade_price_low),
            trade_high=None if pd.isna(row.trade_price_high) else _price(row.trade_price_high),
            volume=f"{row.volume:.2f}",
            open_interest=f"{row.open_interest:.2f}",
        )  # fmt: skip
