"""The daily report, every morning after the TSA update and the 09:15 ET decision."""

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from edge_dagster.core.clock import EASTERN
from edge_dagster.jobs import daily_report_job
from edge_dagster.settings import Settings


@schedule(
    job=daily_report_job,
    cron_schedule="0 10 * * *",
    execution_timezone="America/New_York",
    default_status=DefaultScheduleStatus.RUNNING,
)
def daily_report_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    """One report per day, dated by the tick (a late or retried run still reports that day)."""
    if Settings.from_env().data_source != "live":
        return SkipReason("EDGE_DEPLOYMENT=replay: replays report when materialised")
    day = context.scheduled_execution_time.astimezone(EASTERN).date().isoformat()
    return RunRequest(
        run_key=f"daily_report_{day}",
        run_config={"ops": {"daily_report_email": {"config": {"report_date": day}}}},
    )
