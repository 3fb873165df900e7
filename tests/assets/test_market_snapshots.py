"""Market snapshots: append-only, point in time, and blocked when a quote is too old to trade."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from dagster import materialize

from edge_dagster.assets.tsa_markets import tsa_market_snapshots, tsa_market_snapshots_fresh
from edge_dagster.core.clock import EASTERN
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from tests.conftest import replay_sources
from tests.support.clock import FrozenWallClockSources
from tests.support.fake_kalshi import FakeKalshiExchange
from tests.support.recorded_markets import serve_recorded_event

WEEK = "2026-04-13"
EVENT = "KXTSAW-26APR19"
THURSDAY = datetime(2026, 4, 16, 9, 15, tzinfo=EASTERN)


def snapshot(warehouse, sources: DataSourcesResource):  # noqa: ANN001, ANN201
    return materialize(
        [tsa_market_snapshots, tsa_market_snapshots_fresh],
        partition_key=WEEK,
        resources={"warehouse": warehouse, "sources": sources},
        raise_on_error=False,
    )


def rows_by_source(warehouse) -> dict[str, int]:  # noqa: ANN001
    with warehouse.get_connection() as conn:
        return dict(
            conn.execute("SELECT source, count(*) FROM market_snapshots GROUP BY ALL").fetchall()
        )


def check_passed(result) -> bool:  # noqa: ANN001
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation.passed


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
    result = snapshot(warehouse, replay_sources("2026-04-20T12:00:00-04:00"))
    assert rows_by_source(warehouse) == {"replay:kalshi_tsaw_markets_2026.csv": 6 * 21}
    assert check_passed(result)


def test_a_second_materialisation_appends_nothing(warehouse) -> None:
    snapshot(warehouse, replay_sources("2026-04-20T12:00:00-04:00"))
    result = snapshot(warehouse, replay_sources("2026-04-20T12:00:00-04:00"))
    (materialization,) = result.asset_materializations_for_node("tsa_market_snapshots")
    assert materialization.metadata["new_rows"].value == 0


def test_live_week_quotes_past_decisions_from_candles_and_the_current_one_from_the_book(
    warehouse, exchange: FakeKalshiExchange
) -> None:
    result = snapshot(warehouse, live_sources(exchange, THURSDAY + timedelta(seconds=20)))
    assert rows_by_source(warehouse) == {"live:candles": 3 * 21, "live:book": 21}
    assert check_passed(result)


def test_live_book_older_than_a_minute_blocks_trading(
    warehouse, exchange: FakeKalshiExchange
) -> None:
    snapshot(warehouse, live_sources(exchange, THURSDAY + timedelta(seconds=20)))
    result = snapshot(warehouse, live_sources(exchange, THURSDAY + timedelta(minutes=5)))
    assert not check_passed(result)


def test_live_past_decisions_are_history_and_pass_once_the_window_is_over(
    warehouse, exchange: FakeKalshiExchange
) -> None:
    snapshot(warehouse, live_sources(exchange, THURSDAY + timedelta(seconds=20)))
    result = snapshot(warehouse, live_sources(exchange, THURSDAY + timedelta(minutes=31)))
    assert check_passed(result)
