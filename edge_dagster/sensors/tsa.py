"""Rebuild the TSA tables whenever new TSA days land."""

from dagster import (
    AssetKey,
    DefaultSensorStatus,
    EventLogEntry,
    RunRequest,
    SensorEvaluationContext,
    asset_sensor,
)

from edge_dagster.jobs import tsa_tables_job


@asset_sensor(
    asset_key=AssetKey("tsa_checkpoint_raw"),
    job=tsa_tables_job,
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
)
def tsa_tables_sensor(context: SensorEvaluationContext, asset_event: EventLogEntry) -> RunRequest:
    """One rebuild per run that materialized the raw table (a backfill range is one run,
    and the sensor only looks at the newest event, so it asks for a single rebuild)."""
    return RunRequest(run_key=f"tsa_tables_{asset_event.run_id}")
