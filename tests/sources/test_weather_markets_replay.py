"""Replayed KXHIGH markets: listed from their open, quoted only from trade bars that ended by
the decision, settled on Kalshi's result or, before 2024-08, on the labelled implied result."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from edge_dagster.core.clock import UTC
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from edge_dagster.sources.kalshi_markets import SNAPSHOT_COLUMNS
from edge_dagster.sources.weather_markets import ReplayWeatherMarkets

EVENT = "KXHIGHCHI-25JAN16"
B38 = f"{EVENT}-B38.5"
OPEN = datetime(2025, 1, 15, 15, tzinfo=UTC)
# The B38.5 bars used below (cents, from kalshi_kxhigh_trades_15min.csv.gz):
#   2025-01-15 19:30 NO-taker 30 | 19:45 YES-taker 21 | 21:30 YES 24 | 21:45 YES last 29
#   23:15 NO 23 | 2025-01-16 00:30 NO last 25 | 01:30 YES 29 | 03:30 NO 25 | 03:45 NO 20


@pytest.fixture(scope="module")
def markets() -> ReplayWeatherMarkets:
    return ReplayWeatherMarkets(DEFAULT_REPLAY_DIR)


def quote(markets: ReplayWeatherMarkets, as_of: datetime) -> tuple:
    snapshot = markets.event_snapshot(EVENT, as_of).set_index("ticker")
    row = snapshot.loc[B38]
    return row["yes_bid"], row["yes_ask"], row["quote_time"]


def test_no_market_is_listed_before_its_open_time(markets):
    assert markets.event_snapshot(EVENT, OPEN - timedelta(seconds=1)).empty
    listed = markets.event_snapshot(EVENT, OPEN)
    assert list(listed.columns) == SNAPSHOT_COLUMNS and len(listed) == 6
    assert set(listed["status"]) == {"active"} and listed["yes_ask"].isna().all()


def test_a_bar_quotes_only_once_it_has_ended(markets):
    before = quote(markets, datetime(2025, 1, 16, 1, 44, 59, tzinfo=UTC))
    after = quote(markets, datetime(2025, 1, 16, 1, 45, tzinfo=UTC))
    assert before[1] is None  # the 01:30 YES print's bar ends at 01:45
    assert after == (Decimal("0.25"), Decimal("0.29"), datetime(2025, 1, 16, 0, 45, tzinfo=UTC))


def test_prints_older_than_the_maximum_age_are_no_quote(markets):
    at = datetime(2025, 1, 16, 5, tzinfo=UTC)
    assert quote(markets, at)[:2] == (Decimal("0.20"), None)
    strict = ReplayWeatherMarkets(DEFAULT_REPLAY_DIR, quote_max_age=timedelta(hours=1))
    assert quote(strict, at)[:2] == (None, None)


def test_crossed_prints_keep_the_newer_side(markets):
    # At 20:30 the NO-taker print of 30 (bar ended 19:45) is above the YES-taker print of 21
    # (bar ended 20:00): that bid no longer stands.
    assert quote(markets, datetime(2025, 1, 15, 20, 30, tzinfo=UTC)) == (
        None,
        Decimal("0.21"),
        datetime(2025, 1, 15, 20, 0, tzinfo=UTC),
    )


def test_the_last_price_and_volume_are_those_traded_by_the_decision(markets):
    row = markets.event_snapshot(EVENT, datetime(2025, 1, 16, 5, tzinfo=UTC)).set_index("ticker")
    assert (row.loc[B38, "last_price"], row.loc[B38, "volume"]) == (Decimal("0.20"), 1_540.0)


def test_results_appear_only_once_settled(markets):
    settles = datetime(2025, 1, 17, 15, tzinfo=UTC)  # expected_expiration_time
    assert markets.event_snapshot(EVENT, settles - timedelta(minutes=1))["result"].eq("").all()
    settled = markets.event_snapshot(EVENT, settles).set_index("ticker")
    assert settled.loc[B38, "result"] == "yes" and settled.loc[B38, "status"] == "finalized"
    assert markets.settlements(EVENT, settles)[B38].source == "kalshi"


def test_the_derived_era_settles_on_the_labelled_implied_result(markets):
    after = datetime(2024, 3, 20, tzinfo=UTC)
    chicago = markets.settlements("HIGHCHI-24MAR11", after)
    new_york = markets.settlements("HIGHNY-24MAR11", after)
    assert {s.source for s in chicago.values()} == {"implied:iem_cli"}
    assert all(s.pnl_eligible for s in chicago.values())
    assert {s.source for s in new_york.values()} == {"implied:ncei_ghcnd_sameeres"}
    assert not any(s.pnl_eligible for s in new_york.values())  # KNYC: GHCN only, out of P&L
    assert markets.event_snapshot("HIGHCHI-24MAR11", after)["result"].eq("").all()


def test_the_bars_for_fills_come_in_dollars_by_start(markets):
    # The interface the fill rule reads: a bar started at or after an order can fill it.
    bars = markets.bars([B38, "NOT-A-TICKER"])
    first = bars.iloc[0]
    assert (first["ticker"], first["bar_start"], first["bar_end"]) == (
        B38,
        datetime(2025, 1, 15, 19, 30, tzinfo=UTC),
        datetime(2025, 1, 15, 19, 45, tzinfo=UTC),
    )
    assert (first["low"], first["no_taker_last_price"], first["volume"]) == (0.30, 0.30, 200)
    assert bars["bar_start"].is_monotonic_increasing and set(bars["ticker"]) == {B38}
