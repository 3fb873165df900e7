"""Temperature-market snapshots: bins as Kalshi defines them, at each NBM decision time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from dagster import MultiPartitionKey, materialize

from edge_dagster.assets.weather_markets import (
    weather_market_snapshots,
    weather_market_snapshots_fresh,
)
from edge_dagster.core.clock import UTC
from edge_dagster.resources.sources import DataSourcesResource
from tests.conftest import replay_sources
from tests.support.clock import FrozenWallClockSources
from tests.support.fake_kalshi import FakeKalshiExchange

EVENT = "KXHIGHNY-26SEP29"
PARTITION = MultiPartitionKey({"city": "NY", "date": "2026-09-29"})
DECISION = datetime(2026, 9, 29, 14, 30, tzinfo=UTC)  # 13Z NBM cycle + 90 min
# KXHIGHNY-26OCT02's layout (reference §7): two tails and four two-degree bins.
BINS = [
    ("T81", {"strike_type": "less", "cap_strike": 81, "floor_strike": None}),
    ("B81.5", {"strike_type": "between", "floor_strike": 81, "cap_strike": 82}),
    ("B83.5", {"strike_type": "between", "floor_strike": 83, "cap_strike": 84}),
    ("B85.5", {"strike_type": "between", "floor_strike": 85, "cap_strike": 86}),
    ("B87.5", {"strike_type": "between", "floor_strike": 87, "cap_strike": 88}),
    ("T88", {"strike_type": "greater", "floor_strike": 88, "cap_strike": None}),
]


@pytest.fixture
def exchange() -> Iterator[FakeKalshiExchange]:
    with FakeKalshiExchange() as fake:
        fake.add_series("KXHIGHNY")
        fake.add_event(EVENT, "KXHIGHNY")
        for suffix, strikes in BINS:
            fake.add_market(
                f"{EVENT}-{suffix}", EVENT, open_time="2026-09-28T14:00:00Z",
                close_time="2026-09-30T04:59:00Z", **strikes,
            )  # fmt: skip
            fake.add_candle(
                f"{EVENT}-{suffix}", int(datetime(2026, 9, 29, 4, tzinfo=UTC).timestamp())
            )
        yield fake


def snapshot(warehouse, sources: DataSourcesResource):  # noqa: ANN001, ANN201
    return materialize(
        [weather_market_snapshots, weather_market_snapshots_fresh],
        partition_key=PARTITION,
        resources={"warehouse": warehouse, "sources": sources},
    )


def test_live_bins_keep_kalshis_strike_semantics_at_every_decision(warehouse, exchange) -> None:
    sources = FrozenWallClockSources(
        deployment="paper",
        wall_time=(DECISION + timedelta(seconds=30)).isoformat(),
        kalshi_market_data_url=exchange.base_url,
    )
    result = snapshot(warehouse, sources)
    assert result.get_asset_check_evaluations()[0].passed
    with warehouse.get_connection() as conn:
        by_decision = conn.execute(
            "SELECT as_of, source, count(*), count(yes_ask) FROM market_snapshots "
            "GROUP BY ALL ORDER BY as_of"
        ).fetchall()
        bins = conn.execute(
            "SELECT ticker, strike_type, floor_strike, cap_strike FROM market_snapshots "
            "WHERE as_of = ? ORDER BY coalesce(floor_strike, 0), ticker",
            [DECISION],
        ).fetchall()
    day_before = datetime(2026, 9, 28, tzinfo=UTC)
    assert [(t, s, n, q) for t, s, n, q in by_decision] == [
        (day_before + timedelta(hours=2, minutes=30), "live:candles", 6, 0),  # not open yet
        (day_before + timedelta(hours=8, minutes=30), "live:candles", 6, 0),
        (day_before + timedelta(hours=14, minutes=30), "live:candles", 6, 0),
        (day_before + timedelta(hours=20, minutes=30), "live:candles", 6, 0),
        (DECISION - timedelta(hours=12), "live:candles", 6, 0),  # before the 04Z candle
        (DECISION - timedelta(hours=6), "live:candles", 6, 6),
        (DECISION, "live:book", 6, 6),
    ]
    assert bins == [
        (f"{EVENT}-T81", "less", None, 81.0),
        (f"{EVENT}-B81.5", "between", 81.0, 82.0),
        (f"{EVENT}-B83.5", "between", 83.0, 84.0),
        (f"{EVENT}-B85.5", "between", 85.0, 86.0),
        (f"{EVENT}-B87.5", "between", 87.0, 88.0),
        (f"{EVENT}-T88", "greater", 88.0, None),
    ]


def test_live_definitions_carry_kalshis_settlement_once_it_is_reported(warehouse) -> None:
    # Declared: the event settled on 84 °F (B83.5 YES) at 2026-09-30 14:00Z; read a day later.
    with FakeKalshiExchange() as fake:
        fake.add_series("KXHIGHNY")
        fake.add_event(EVENT, "KXHIGHNY")
        for suffix, strikes in BINS:
            fake.add_market(
                f"{EVENT}-{suffix}", EVENT, open_time="2026-09-28T14:00:00Z",
                close_time="2026-09-30T04:59:00Z", status="finalized",
                result="yes" if suffix == "B83.5" else "no", expiration_value="84",
                settlement_ts="2026-09-30T14:00:00Z", **strikes,
            )  # fmt: skip
        sources = FrozenWallClockSources(
            deployment="paper", wall_time="2026-10-01T12:00:00Z",
            kalshi_market_data_url=fake.base_url,
        )  # fmt: skip
        materialize(
            [weather_market_snapshots],
            partition_key=PARTITION,
            resources={"warehouse": warehouse, "sources": sources},
        )
    with warehouse.get_connection() as conn:
        rows = conn.execute(
            "SELECT DISTINCT settles_at, settled_value, settled_value_source FROM weather_markets"
        ).fetchall()
        won = conn.execute("SELECT ticker FROM weather_markets WHERE outcome = 'yes'").fetchall()
    assert rows == [(datetime(2026, 9, 30, 14, tzinfo=UTC), 84.0, "kalshi_expiration_value")]
    assert won == [(f"{EVENT}-B83.5",)]


def test_replay_lists_the_recorded_bins_from_their_open_with_trade_implied_quotes(warehouse):
    # KXHIGHCHI-25JAN16 opened 2025-01-15 15:00Z: the 02:30Z, 08:30Z and 14:30Z decisions of
    # the 15th come before it and list nothing. Its B38.5 record had no strike fields.
    partition = MultiPartitionKey({"city": "CHI", "date": "2025-01-16"})
    result = materialize(
        [weather_market_snapshots, weather_market_snapshots_fresh],
        partition_key=partition,
        resources={"warehouse": warehouse, "sources": replay_sources("2025-03-01T00:00:00Z")},
    )
    assert result.get_asset_check_evaluations()[0].passed
    with warehouse.get_connection() as conn:
        decisions = conn.execute(
            "SELECT as_of, count(*), count(yes_ask), min(source) FROM market_snapshots "
            "GROUP BY as_of ORDER BY as_of"
        ).fetchall()
        kinds = conn.execute(
            "SELECT strike_source, count(*) FROM weather_markets GROUP BY ALL"
        ).fetchall()
    assert [(t.astimezone(UTC).strftime("%d %H:%M"), n) for t, n, _, _ in decisions] == [
        ("15 20:30", 6), ("16 02:30", 6), ("16 08:30", 6), ("16 14:30", 6), ("16 20:30", 6),
    ]  # fmt: skip
    assert {source for *_, source in decisions} == {"replay:kalshi_kxhigh_trades_15min.csv.gz"}
    assert sorted(kinds) == [("kalshi", 5), ("ticker_flagged", 1)]
