"""The code location loads, its asset graph is what we expect, and automation behaves."""

from datetime import datetime, timedelta

import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    Definitions,
    RunRequest,
    build_schedule_context,
    build_sensor_context,
    materialize,
)

from edge_dagster.assets.tsa import tsa_checkpoint_raw
from edge_dagster.core.clock import EASTERN, UTC
from edge_dagster.definitions import defs, sql_models
from edge_dagster.partitions import WEATHER_CITIES, weather_daily_city_partitions
from edge_dagster.schedules.reporting import daily_report_schedule
from edge_dagster.schedules.tsa import (
    tsa_decision_schedule,
    tsa_ingest_schedule,
    tsa_taker_schedule,
)
from edge_dagster.schedules.weather import weather_calibration_schedule, weather_trading_schedule
from edge_dagster.sensors.alerts import run_failure_alert_sensor, run_success_clears_alert_sensor
from edge_dagster.sensors.tsa import tsa_tables_sensor
from edge_dagster.sensors.weather import latest_cycles, nbm_cycle_sensor
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from edge_dagster.sources.nbm import bulletin_path
from tests.assets.test_tsa_raw import AFTER_APRIL_19_PUBLISHED
from tests.conftest import replay_sources

# Reviewed snapshot of the asset graph: an accidental change to keys, deps or groups shows here.
EXPECTED_ASSET_GRAPH = {
    "tsa_checkpoint_raw": ("ingest", []),
    "tsa_daily": ("models", ["tsa_checkpoint_raw"]),
    "tsa_weekly": ("models", ["tsa_daily"]),
    "tsa_fair_values": ("pricing", ["tsa_daily"]),
    "tsa_orders": ("trading", ["tsa_fair_values"]),
    "tsa_backtest_report": ("reporting", ["tsa_fair_values", "tsa_orders", "tsa_weekly"]),
    "daily_report_email": ("reporting", ["portfolio", "tsa_fair_values", "tsa_orders"]),
    "portfolio": ("reporting", ["tsa_orders"]),
    "weather_market_snapshots": ("markets", []),
    "nbm_bulletins": ("ingest", []),
    "nbm_peak_window_forecasts": ("ingest", []),
    "observed_highs": ("ingest", []),
    "stg_nbm_daily_high": ("models", ["nbm_bulletins"]),
    "stg_observed_highs": ("models", ["observed_highs"]),
    "weather_calibration": (
        "forecast",
        ["nbm_peak_window_forecasts", "stg_nbm_daily_high", "stg_observed_highs"],
    ),
    "weather_bin_probabilities": (
        "pricing",
        [
            "nbm_peak_window_forecasts",
            "stg_nbm_daily_high",
            "stg_observed_highs",
            "weather_calibration",
            "weather_market_snapshots",
        ],
    ),
    "weather_opportunities": ("pricing", ["weather_bin_probabilities", "weather_market_snapshots"]),
    "weather_orders": ("trading", ["weather_market_snapshots", "weather_opportunities"]),
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


@pytest.mark.parametrize(
    ("tick", "run_key", "months"),
    [
        # Monday: Friday–Sunday are new; the last week lies in April.
        (datetime(2026, 4, 20, 9, 15), "tsa_ingest_2026-04-19", ("2026-04-01", "2026-04-01")),
        # Friday 1 May: 30 April is the newest day; nothing of May is public yet.
        (datetime(2026, 5, 1, 9, 15), "tsa_ingest_2026-04-30", ("2026-04-01", "2026-04-01")),
        # Monday 4 May: May's first three days, and April's last week for its restatements.
        (datetime(2026, 5, 4, 9, 15), "tsa_ingest_2026-05-03", ("2026-04-01", "2026-05-01")),
        # Thursday 7 May: the last week (30 April – 6 May) still reaches into April.
        (datetime(2026, 5, 7, 9, 15), "tsa_ingest_2026-05-06", ("2026-04-01", "2026-05-01")),
        # Friday 8 May: the last week is May's.
        (datetime(2026, 5, 8, 9, 15), "tsa_ingest_2026-05-07", ("2026-05-01", "2026-05-01")),
    ],
    ids=["monday", "first-of-month", "first-monday", "last-day-with-april", "may-only"],
)
def test_the_weekday_schedule_ingests_the_months_of_the_last_published_week(
    monkeypatch, tick, run_key, months
):
    monkeypatch.setenv("EDGE_DEPLOYMENT", "paper")
    request = tsa_ingest_schedule.evaluate_tick(
        build_schedule_context(scheduled_execution_time=tick.replace(tzinfo=EASTERN))
    ).run_requests[0]
    assert (
        request.run_key,
        (request.partition_key_range.start, request.partition_key_range.end),
    ) == (run_key, months)


def test_the_schedule_skips_in_replay_mode(monkeypatch):
    monkeypatch.delenv("EDGE_DEPLOYMENT", raising=False)
    data = tsa_ingest_schedule.evaluate_tick(
        build_schedule_context(scheduled_execution_time=datetime(2026, 4, 20, 9, 15))
    )
    assert data.run_requests == [] and "replay" in data.skip_message


def test_each_decision_time_runs_the_week_in_progress_five_minutes_later(monkeypatch):
    monkeypatch.setenv("EDGE_DEPLOYMENT", "paper")
    ticks = [
        (tsa_decision_schedule, datetime(2026, 4, 13, 10, 20, tzinfo=EASTERN)),
        (tsa_decision_schedule, datetime(2026, 4, 17, 9, 20, tzinfo=EASTERN)),
        (tsa_taker_schedule, datetime(2026, 4, 17, 15, 5, tzinfo=UTC)),
    ]
    requests = [
        schedule.evaluate_tick(
            build_schedule_context(
                scheduled_execution_time=tick, repository_def=defs.get_repository_def()
            )
        ).run_requests[0]
        for schedule, tick in ticks
    ]
    assert [(r.run_key, r.partition_key) for r in requests] == [
        ("tsa_decision_2026-04-13T14:20:00+00:00", "2026-04-13"),
        ("tsa_decision_2026-04-17T13:20:00+00:00", "2026-04-13"),
        ("tsa_taker_2026-04-17T15:05:00+00:00", "2026-04-13"),
    ]


def test_the_decision_schedules_fire_at_each_decision_time_plus_five_minutes():
    assert tsa_decision_schedule.cron_schedule == ["20 10 * * 1", "20 9 * * 2-5"]
    assert tsa_decision_schedule.execution_timezone == "America/New_York"
    assert (tsa_taker_schedule.cron_schedule, tsa_taker_schedule.execution_timezone) == (
        "5 15 * * 5",
        "UTC",
    )


def test_automation_that_must_run_in_production_starts_running():
    assert tsa_ingest_schedule.default_status.value == "RUNNING"
    assert tsa_decision_schedule.default_status.value == "RUNNING"
    assert tsa_taker_schedule.default_status.value == "RUNNING"
    assert tsa_tables_sensor.default_status.value == "RUNNING"
    assert daily_report_schedule.default_status.value == "RUNNING"
    assert run_failure_alert_sensor.default_status.value == "RUNNING"
    assert run_success_clears_alert_sensor.default_status.value == "RUNNING"
    assert weather_calibration_schedule.default_status.value == "RUNNING"
    assert nbm_cycle_sensor.default_status.value == "RUNNING"


def test_new_tsa_days_trigger_one_rebuild_of_the_tables(warehouse):
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(instance=instance, definitions=defs)
        assert isinstance(tsa_tables_sensor.evaluate_tick(context).skip_message, str)
        materialize(
            [tsa_checkpoint_raw],
            instance=instance,
            resources={"warehouse": warehouse, "sources": replay_sources(AFTER_APRIL_19_PUBLISHED)},
            partition_key="2026-04-01",
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
            partition_key="2026-04-01",
        )
        materialize(sql_models("tsa_daily", "tsa_weekly"), instance=instance, resources=resources)
        tick = tsa_tables_sensor.evaluate_tick(
            build_sensor_context(instance=instance, definitions=defs)
        )
    assert tick.run_requests == []
    assert tick.skip_message == (
        f"tsa_daily and tsa_weekly were rebuilt after run {raw.run_id} "
        "materialized tsa_checkpoint_raw"
    )


def test_the_daily_calibration_covers_every_city_after_the_last_cli(monkeypatch):
    monkeypatch.setenv("EDGE_DEPLOYMENT", "paper")
    tick = datetime(2026, 9, 29, 15, 5, tzinfo=UTC)  # 07:05 PST: every final CLI is in
    request = weather_calibration_schedule.evaluate_tick(
        build_schedule_context(scheduled_execution_time=tick)
    ).run_requests[0]
    keys = weather_daily_city_partitions.get_partition_keys_in_range(request.partition_key_range)
    assert len(keys) == len(WEATHER_CITIES) * 4  # yesterday's highs and three days before
    assert (request.partition_key_range.start, request.partition_key_range.end) == (
        "AUS|2026-09-26",
        "PHIL|2026-09-29",
    )


def test_the_weather_strategy_runs_every_30_minutes_over_every_open_event(monkeypatch):
    monkeypatch.setenv("EDGE_DEPLOYMENT", "paper")
    assert weather_trading_schedule.cron_schedule == "*/30 * * * *"
    tick = datetime(2026, 9, 29, 3, 30, tzinfo=UTC)  # 23:30 EDT: the 28th everywhere
    (request,) = weather_trading_schedule.evaluate_tick(
        build_schedule_context(scheduled_execution_time=tick)
    ).run_requests
    assert request.run_key == "weather_trading_20260929T0330"
    assert (request.partition_key_range.start, request.partition_key_range.end) == (
        "AUS|2026-09-28",
        "PHIL|2026-09-29",
    )


def test_a_new_nbm_cycle_prices_every_open_event_in_one_run(monkeypatch, tmp_path):
    monkeypatch.setenv("EDGE_DEPLOYMENT", "paper")
    monkeypatch.setenv("NBM_BASE_URL", str(tmp_path))  # a folder laid out like the mirror
    now = datetime.now(UTC)
    (cycle,) = latest_cycles(now - timedelta(minutes=90), count=1)
    path = tmp_path / bulletin_path(cycle)
    path.parent.mkdir(parents=True)
    path.write_bytes((DEFAULT_REPLAY_DIR / "nbm_sample.txt").read_bytes())
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(instance=instance, definitions=defs)
        (request,) = nbm_cycle_sensor.evaluate_tick(context).run_requests
        keys = weather_daily_city_partitions.get_partition_keys_in_range(
            request.partition_key_range
        )
        assert {key.split("|")[0] for key in keys} == set(WEATHER_CITIES)
        assert request.run_key == f"nbm_{cycle:%Y%m%dT%H}"
        context = build_sensor_context(instance=instance, definitions=defs, cursor=context.cursor)
        assert "already priced" in nbm_cycle_sensor.evaluate_tick(context).skip_message


def test_weather_automation_skips_in_replay_mode(monkeypatch):
    monkeypatch.delenv("EDGE_DEPLOYMENT", raising=False)
    assert "replay" in nbm_cycle_sensor.evaluate_tick(build_sensor_context()).skip_message
    tick = build_schedule_context(scheduled_execution_time=datetime(2026, 9, 29, 15, 5))
    assert "replay" in weather_calibration_schedule.evaluate_tick(tick).skip_message
    assert "replay" in weather_trading_schedule.evaluate_tick(tick).skip_message
