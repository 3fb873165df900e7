"""The project's one Dagster entry point: assets, checks, jobs, schedules, sensors, resources."""

from __future__ import annotations

from dagster import Definitions

from edge_dagster.assets.sql_models import sql_model_assets
from edge_dagster.assets.tsa import tsa_checkpoint_raw
from edge_dagster.jobs import tsa_ingest_job, tsa_tables_job
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.schedules.tsa import tsa_ingest_schedule
from edge_dagster.sensors.tsa import tsa_tables_sensor
from edge_dagster.settings import Settings

PYTHON_ASSETS = [tsa_checkpoint_raw]


def build_resources(settings: Settings) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(database=settings.duckdb_path),
        "sources": DataSourcesResource(
            data_source=settings.data_source,
            replay_dir=settings.replay_dir,
            as_of=settings.as_of,
            tsa_base_url=settings.tsa_base_url,
        ),
    }


def build_definitions(settings: Settings) -> Definitions:
    python_tables = [key.to_user_string() for asset in PYTHON_ASSETS for key in asset.keys]
    return Definitions(
        assets=[*PYTHON_ASSETS, *sql_model_assets(python_tables)],
        jobs=[tsa_ingest_job, tsa_tables_job],
        schedules=[tsa_ingest_schedule],
        sensors=[tsa_tables_sensor],
        resources=build_resources(settings),
    )


defs = build_definitions(Settings.from_env())
