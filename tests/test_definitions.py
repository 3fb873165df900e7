"""The code location loads, its asset graph is what we expect, and automation behaves."""

from datetime import datetime

from dagster import (
    AssetKey,
    DagsterInstance,
    Definitions,
    RunRequest,
    build_schedule_context,
    build_sensor_context,
    materialize,
)

from edge_dagster.assets.sql_models import sql_model_assets
from edge_dagster.assets.tsa import tsa_checkpoint_raw
from edge_dagster.core.clock import EASTERN, UTC
from edge_dagster.definitions import defs
from edge_dagster.partitions import WEATHER_CITIES
from edge_dagster.schedules.tsa import tsa_ingest_schedule
from edge_dagster.schedules.weather import weather_snapshot_schedule
from edge_dagster.sensors.tsa import tsa_tables_sensor
from tests.assets.test_tsa_raw import AFTER_APRIL_19_PUBLISHED
from tests.conftest import replay_sources

# Reviewed snapshot of the asset graph: an accidental change to keys, deps or groups shows here.
EXPECTED_ASSET_GRAPH = {
    "tsa_checkpoint_raw": ("ingest", []),
    "tsa_daily": ("models", ["tsa_checkpoint_raw"]),
    "tsa_weekly": ("models", ["tsa_daily"]),
    "tsa_market_snapshots": ("markets", []),
    "tsa_forecasts": ("forecast", ["tsa_daily"]),
    "tsa_fair_values": ("pricing", ["tsa_forecasts", "tsa_market_snapshots"]),
    "tsa_desired_orders": ("trading", ["tsa_fair_values"]),
    "tsa_orders": ("trading", ["tsa_desired_orders", "tsa_market_snapshots"]),
    "tsa_backtest_report": (
        "reporting",
        ["tsa_fair_values", "tsa_forecasts", "tsa_orders", "tsa_weekly"],
    ),
    "weather_market_snapshots": ("weather", []),
}


def test_definitions_load():
    Definitions.validate_loadable(defs)


def test_asset_graph_matches_the_reviewed_snapshot():
    graph = defs.resolve_asset_graph()
    snapshot = {
        key.to_user_string(): (
            graph.get(key).group_name,
            sorted(parent.to_user_string() for parent in graph.get(key).parent_keys),
        )
        for key in graph.get_all_asset_keys()
    }
    assert snapshot == EXPECTED_ASSET_GRAPH


def test_every_duckdb_writing_asset_is_in_the_single_writer_pool():
    graph = defs.resolve_asset_graph()
    pools = {key.to_user_string(): graph.get(key).pools for key in graph.materializable_asset_keys}
    assert pools == {name: {"duckdb_write"} for name in EXPECTED_ASSET_GRAPH}


def test_the_weekday_schedule_ingests_the_last_published_week_as_one_range(monkeypatch):
    monkeypatch.setenv("EDGE_DATA_SOURCE", "live")
    monday = datetime(2026, 4, 20, 9, 15, tzinfo=EASTERN)
    request = tsa_ingest_schedule.evaluate_tick(
        build_schedule_context(scheduled_execution_time=monday)
    ).run_requests[0]
    assert (
        request.run_key,
        request.partition_key_range.start,
        request.partition_key_range.end,
    ) == (
        "tsa_ingest_2026-04-19",
        "2026-04-13",
        "2026-04-19",
    )


def test_the_schedule_skips_in_replay_mode(monkeypatch):
    monkeypatch.delenv("EDGE_DATA_SOURCE", raising=False)
    data = tsa_ingest_schedule.evaluate_tick(
        build_schedule_context(scheduled_execution_time=datetime(2026, 4, 20, 9, 15))
    )
    assert data.run_requests == [] and "replay" in data.skip_message


def test_automation_that_must_run_in_production_starts_running():
    assert tsa_ingest_schedule.default_status.value == "RUNNING"
    assert tsa_tables_sensor.default_status.value == "RUNNING"


def test_new_tsa_days_trigger_one_rebuild_of_the_tables(warehouse):
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(instance=instance, definitions=defs)
        assert isinstance(tsa_tables_sensor.evaluate_tick(context).skip_message, str)
        materialize(
            [tsa_checkpoint_raw],
            instance=instance,
            resources={"warehouse": warehouse, "sources": replay_sources(AFTER_APRIL_19_PUBLISHED)},
            tags={
                "dagster/asset_partition_range_start": "2026-04-13",
                "dagster/asset_partition_range_end": "2026-04-19",
            },
        )
        requests = tsa_tables_sensor.evaluate_tick(context).run_requests
        assert len(requests) == 1 and isinstance(requests[0], RunRequest)
        assert requests[0].job_name in (None, "tsa_tables_job")
        assert instance.get_latest_materialization_event(AssetKey("tsa_checkpoint_raw"))


def test_a_sensor_starting_after_the_tables_were_rebuilt_asks_for_nothing(warehouse):
    # The quick start's history: raw days, then the tables rebuilt from them; then `dagster dev`
    # starts the sensor with no cursor.
    resources = {"warehouse": warehouse, "sources": replay_sources(AFTER_APRIL_19_PUBLISHED)}
    with DagsterInstance.ephemeral() as instance:
        raw = materialize(
            [tsa_checkpoint_raw],
            instance=instance,
            resources=resources,
            tags={
                "dagster/asset_partition_range_start": "2026-04-13",
                "dagster/asset_partition_range_end": "2026-04-19",
            },
        )
        materialize(
            sql_model_assets(["tsa_checkpoint_raw"]), instance=instance, resources=resources
        )
        tick = tsa_tables_sensor.evaluate_tick(
            build_sensor_context(instance=instance, definitions=defs)
        )
    assert tick.run_requests == []
    assert tick.skip_message == (
        f"tsa_daily and tsa_weekly were rebuilt after run {raw.run_id} "
        "materialized tsa_checkpoint_raw"
    )


def test_the_weather_schedule_snapshots_each_city_day_deciding_at_the_tick(monkeypatch):
    monkeypatch.setenv("EDGE_DATA_SOURCE", "live")
    tick = datetime(2026, 9, 28, 14, 15, tzinfo=UTC)  # the 13Z cycle + 75 min
    context = build_schedule_context(
        scheduled_execution_time=tick, repository_def=defs.get_repository_def()
    )
    requests = weather_snapshot_schedule.evaluate_tick(context).run_requests
    assert sorted(str(r.partition_key) for r in requests) == sorted(
        f"{city}|{day}" for city in WEATHER_CITIES for day in ("2026-09-28", "2026-09-29")
    )
