"""The replayed market source on the real recorded KXTSAW files."""

from datetime import datetime

import pandas as pd
import pytest

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


def test_a_mid_from_a_bar_after_the_next_release_is_not_the_market_of_that_decision() -> None:
    """Only a Friday 15:00 UTC bar is recorded in 2024: it has seen Thursday's figure, so it is
    the market of the Friday 09:15 decision, not of Thursday's (its figure came out since)."""
    ticker = "TSAW-24JAN14-A2.10"
    decisions = pd.DataFrame(
        {
            "ticker": [ticker, ticker],
            "decision_time": pd.Series(
                [
                    datetime(2024, 1, 11, 9, 15, tzinfo=EASTERN),
                    datetime(2024, 1, 12, 9, 15, tzinfo=EASTERN),
                ]
            ).astype("datetime64[us, UTC]"),
        }
    )
    mids = ReplayKalshiMarkets(DEFAULT_REPLAY_DIR).quotes_after(decisions)["mid"]
    assert pd.isna(mids[0])
    assert mids[1] == pytest.approx(0.185)  # bid 0.18 / ask 0.19 at Friday 10:00 EST


def test_the_replay_lists_every_recorded_week_with_kalshis_own_results_and_settled_average():
    markets = ReplayKalshiMarkets(DEFAULT_REPLAY_DIR)
    week = markets.event_markets("TSAW-22OCT23")
    assert set(week["series_ticker"]) == {"TSAW"}
    # today's archive says 2,233,568 ≤ 2.25 M; Kalshi settled YES on the 2,256,506 it saw
    assert (
        markets.settlements("TSAW-22OCT23", datetime(2022, 11, 1, tzinfo=EASTERN))[
            "TSAW-22OCT23-A2.25"
        ][0]
        == "yes"
    )
    # KXTSAW-25APR20 prints a value its own results contradict; 2026 records print none
    assert markets.settled_values(["TSAW-22OCT23", "KXTSAW-25APR20", "KXTSAW-26APR19"]) == {
        "TSAW-22OCT23": 2256506.0
    }
