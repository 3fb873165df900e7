"""Rebuild the TSA tables whenever new TSA days land."""

from dagster import (
    AssetKey,
    DefaultSensorStatus,
    EventLogEntry,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    asset_sensor,
)

from edge_dagster.jobs import tsa_tables_job

TSA_TABLES = (AssetKey("tsa_daily"), AssetKey("tsa_weekly"))


@asset_sensor(
    asset_key=AssetKey("tsa_checkpoint_raw"),
    job=tsa_tables_job,
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
)
def tsa_tables_sensor(
    context: SensorEvaluationContext, asset_event: EventLogEntry
) -> RunRequest | SkipReason:
    """One rebuild per run that materialized the raw table (a backfill range is one run,
    and the sensor only looks at the newest event, so it asks for a single rebuild).

    A sensor starting on an instance with history (``dagster dev`` after the quick start) sees
    the newest raw event as new; when both tables were rebuilt after it, it asks for nothing."""
    rebuilt = [context.instance.get_latest_materialization_event(key) for key in TSA_TABLES]
    if all(event is not None and event.timestamp > asset_event.timestamp for event in rebuilt):
        return SkipReason(
            f"tsa_daily and tsa_weekly were rebuilt after run {asset_event.run_id} "
            "materialized tsa_checkpoint_raw"
        )
    return RunRequest(run_key=f"tsa_tables_{asset_event.run_id}")
