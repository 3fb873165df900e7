"""The project's one Dagster entry point: assets, checks, jobs, schedules, sensors, resources."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from edge_dagster.assets.reporting import tsa_backtest_report
from edge_dagster.assets.sql_models import sql_model_assets
from edge_dagster.assets.trading import tsa_orders
from edge_dagster.assets.tsa import tsa_checkpoint_raw
from edge_dagster.assets.tsa_markets import tsa_market_snapshots, tsa_market_snapshots_fresh
from edge_dagster.assets.tsa_strategy import (
    tsa_desired_orders,
    tsa_fair_values,
    tsa_fair_values_are_probabilities,
    tsa_fair_values_monotone_in_strike,
    tsa_forecasts,
)
from edge_dagster.assets.weather_markets import (
    weather_market_snapshots,
    weather_market_snapshots_fresh,
)
from edge_dagster.errors import install_excepthook
from edge_dagster.jobs import (
    tsa_ingest_job,
    tsa_tables_job,
    tsa_weekly_job,
    weather_snapshots_job,
)
from edge_dagster.loggers import console_logger
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.schedules.tsa import tsa_ingest_schedule
from edge_dagster.schedules.weather import weather_snapshot_schedule
from edge_dagster.sensors.tsa import tsa_tables_sensor
from edge_dagster.settings import Settings

PYTHON_ASSETS = [
    tsa_checkpoint_raw,
    tsa_market_snapshots,
    tsa_forecasts,
    tsa_fair_values,
    tsa_desired_orders,
    tsa_orders,
    tsa_backtest_report,
    weather_market_snapshots,
]
ASSET_CHECKS = [
    tsa_market_snapshots_fresh,
    tsa_fair_values_are_probabilities,
    tsa_fair_values_monotone_in_strike,
    weather_market_snapshots_fresh,
]


def build_resources(settings: Settings) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(database=settings.duckdb_path),
        "kalshi": KalshiResource(
            environment=settings.kalshi_env, api_base=settings.kalshi_api_base
        ),
        "sources": DataSourcesResource(
            data_source=settings.data_source,
            replay_dir=settings.replay_dir,
            as_of=settings.as_of,
            tsa_base_url=settings.tsa_base_url,
            kalshi_market_data_url=settings.kalshi_market_data_url,
        ),
    }


def build_definitions(settings: Settings) -> Definitions:
    python_tables = [key.to_user_string() for asset in PYTHON_ASSETS for key in asset.keys]
    return Definitions(
        assets=[*PYTHON_ASSETS, *sql_model_assets(python_tables)],
        asset_checks=ASSET_CHECKS,
        jobs=[tsa_ingest_job, tsa_tables_job, tsa_weekly_job, weather_snapshots_job],
        schedules=[tsa_ingest_schedule, weather_snapshot_schedule],
        sensors=[tsa_tables_sensor],
        resources=build_resources(settings),
        # One process per run, not one per step: each step process re-imports the code location
        # (~1.5 s), and the DuckDB single-writer pool runs the steps one at a time anyway.
        executor=in_process_executor,
        loggers={"console": console_logger},
    )


# A command that loads this module and dies of a configuration error prints its one line.
install_excepthook()
defs = build_definitions(Settings.from_env())
