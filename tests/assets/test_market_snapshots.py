"""Market snapshots: append-only, point in time, and blocked when a quote is too old to trade."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest

from edge_dagster.assets.tsa_markets import record_snapshots
from edge_dagster.assets.tsa_strategy import tsa_market_snapshots_fresh
from edge_dagster.core.clock import EASTERN
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from tests.conftest import replay_sources
from tests.support.clock import FrozenWallClockSources
from tests.support.fake_kalshi import FakeKalshiExchange
from tests.support.recorded_markets import serve_recorded_event

WEEK = date(2026, 4, 13)
EVENT = "KXTSAW-26APR19"
THURSDAY = datetime(2026, 4, 16, 9, 15, tzinfo=EASTERN)


def snapshot(warehouse, sources: DataSourcesResource) -> tuple[dict, bool]:  # noqa: ANN001
    """Record the week's snapshots (the first step of ``tsa_fair_values``), then check them:
    what was recorded, and whether the quotes are fresh enough to trade on."""
    recorded = record_snapshots(warehouse, sources.kalshi_markets(), [WEEK], sources.now())
    return recorded, tsa_market_snapshots_fresh(warehouse=warehouse, sources=sources).passed


def rows_by_source(warehouse) -> dict[str, int]:  # noqa: ANN001
    with warehouse.get_connection() as conn:
        return dict(
            conn.execute("SELECT source, count(*) FROM market_snapshots GROUP BY ALL").fetchall()
        )


@pytest.fixture
def exchange() -> Iterator[FakeKalshiExchange]:
    with FakeKalshiExchange() as fake:
        serve_recorded_event(fake, DEFAULT_REPLAY_DIR, EVENT, settled=False)
        yield fake


def live_sources(exchange: FakeKalshiExchange, now: datetime) -> DataSourcesResource:
    return FrozenWallClockSources(
        deployment="paper", wall_time=now.isoformat(), kalshi_market_data_url=exchange.base_url
    )


def test_replay_week_has_every_market_at_every_decision_and_passes(warehouse) -> None:
    _, fresh = snapshot(warehouse, replay_sources("2026-04-20T12:00:00-04:00"))
    assert rows_by_source(warehouse) == {"replay:kalshi_tsaw_markets_2026.csv": 6 * 21}
    assert fresh


def test_a_second_materialisation_appends_nothing(warehouse) -> None:
    snapshot(warehouse, replay_sources("2026-04-20T12:00:00-04:00"))
    recorded, _ = snapshot(warehouse, replay_sources("2026-04-20T12:00:00-04:00"))
    assert (recorded["snapshot_rows"].value, recorded["new_rows"].value) == (6 * 21, 0)


def test_live_week_quotes_past_decisions_from_candles_and_the_current_one_from_the_book(
    warehouse, exchange: FakeKalshiExchange
) -> None:
    _, fresh = snapshot(warehouse, live_sources(exchange, THURSDAY + timedelta(seconds=20)))
    assert rows_by_source(warehouse) == {"live:candles": 3 * 21, "live:book": 21}
    assert fresh


def test_live_book_older_than_a_minute_blocks_trading(
    warehouse, exchange: FakeKalshiExchange
) -> None:
    snapshot(warehouse, live_sources(exchange, THURSDAY + timedelta(seconds=20)))
    _, fresh = snapshot(warehouse, live_sources(exchange, THURSDAY + timedelta(minutes=5)))
    assert not fresh


def test_live_past_decisions_are_history_and_pass_once_the_window_is_over(
    warehouse, exchange: FakeKalshiExchange
) -> None:
    snapshot(warehouse, live_sources(exchange, THURSDAY + timedelta(seconds=20)))
    _, fresh = snapshot(warehouse, live_sources(exchange, THURSDAY + timedelta(minutes=31)))
    assert fresh
