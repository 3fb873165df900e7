"""The replayed market source on the real recorded KXTSAW files."""

from datetime import datetime

import pandas as pd

from edge_dagster.core.clock import EASTERN
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from edge_dagster.sources.kalshi_markets import ReplayKalshiMarkets

TICKER = "KXTSAW-26APR19-A2.45"


def test_the_market_quote_is_the_first_candle_closing_after_each_decision() -> None:
    decisions = pd.DataFrame(
        {
            "ticker": [TICKER, TICKER, "KXTSAW-26APR19-A9.99"],
            "decision_time": pd.Series(
                [
                    datetime(2026, 4, 15, 9, 15, tzinfo=EASTERN),
                    datetime(2026, 4, 14, 9, 15, tzinfo=EASTERN),
                    datetime(2026, 4, 14, 9, 15, tzinfo=EASTERN),
                ]
            ).astype("datetime64[us, UTC]"),  # as DuckDB returns TIMESTAMPTZ
        }
    )
    quotes = ReplayKalshiMarkets(DEFAULT_REPLAY_DIR).quotes_after(decisions)
    # 04-16 00:00 candle: bid 0.84 / ask 0.85; 04-15 00:00 candle: 0.96 / 0.98; unknown: NaN
    assert quotes.round(6).iloc[:2].to_dict("list") == {
        "yes_bid": [0.84, 0.96],
        "yes_ask": [0.85, 0.98],
        "mid": [0.845, 0.97],
    }
    assert quotes.iloc[2].isna().all()
