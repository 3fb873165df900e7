"""The report asset on a real backtested week: it scores every priced market against the mid."""

import pytest
from dagster import DagsterInstance, materialize

from edge_dagster.assets.reporting import tsa_backtest_report
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from tests.assets.test_no_lookahead import LATER, WEEK, run_pipeline
from tests.conftest import replay_sources


@pytest.fixture(scope="module")
def report_metadata(tmp_path_factory):
    warehouse = WarehouseResource(database=str(tmp_path_factory.mktemp("report") / "e.duckdb"))
    run_pipeline(warehouse, LATER, DEFAULT_REPLAY_DIR, "2026-04-19")
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [tsa_backtest_report],
            resources={"warehouse": warehouse, "sources": replay_sources(LATER)},
            instance=instance,
        )
        (materialization,) = result.asset_materializations_for_node("tsa_backtest_report")
    return {key: value.value for key, value in materialization.metadata.items()}


def test_every_recorded_market_at_every_decision_is_scored_against_the_market(report_metadata):
    # the week of WEEK: 21 recorded markets × 5 decision times, each with a later candle
    assert report_metadata["scored_market_rows"] == 21 * 5
    assert report_metadata["weeks_scored"] == 1


def test_the_report_shows_tables_and_plots(report_metadata):
    markdown = report_metadata["report"]
    assert markdown.count("data:image/png;base64,") == 3
    assert WEEK in markdown
