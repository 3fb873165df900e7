"""Run-failure alerts by e-mail, one per failing job until a run of it succeeds again."""

import re

from dagster import (
    DagsterRun,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunStatusSensorContext,
    run_failure_sensor,
    run_status_sensor,
)
from dagster._utils.error import SerializableErrorInfo

from edge_dagster.resources.alerts import AlertsResource

DAGSTER_WRAPPER_PREFIX = "dagster._core.errors."
MODULE_PATH = re.compile(r"^(?:\w+\.)+(?=\w+: )")


def run_alert_key(run: DagsterRun) -> str:
    """One cause per job; ad-hoc materialisations (Dagster's implicit ``__ASSET_JOB``) are
    told apart by the assets they selected."""
    key = f"run_failure:{run.job_name}"
    if run.job_name.startswith("__") and run.asset_selection:
        key += ":" + ",".join(sorted(k.to_user_string() for k in run.asset_selection))
    return key


def error_first_line(error: SerializableErrorInfo | None) -> str:
    """The first line of the error that says what went wrong: Dagster's wrappers ("Error
    occurred while executing op …") are skipped for the user error they carry; a line ending
    in ':' keeps the next (a failed check's name)."""
    chain = []
    while error is not None:
        chain.append(error)
        error = error.cause
    if not chain:
        return "(no error recorded)"
    chosen = next((e for e in chain if not e.message.startswith(DAGSTER_WRAPPER_PREFIX)), chain[0])
    lines = [line.strip() for line in chosen.message.splitlines() if line.strip()]
    if not lines:
        return chosen.cls_name or "(empty error message)"
    first = MODULE_PATH.sub("", lines[0])
    return f"{first} {lines[1]}" if first.endswith(":") and len(lines) > 1 else first


def run_failure_alert(
    run: DagsterRun, failed_steps: list[tuple[str, str]], run_message: str
) -> tuple[str, str]:
    """Subject and body of the alert for a failed run."""
    steps = [step for step, _ in failed_steps]
    subject = f"run failed: {run.job_name}" + (f" at {', '.join(steps)}" if steps else "")
    partition = run.tags.get("dagster/partition") or "...".join(
        v
        for v in (
            run.tags.get("dagster/asset_partition_range_start"),
            run.tags.get("dagster/asset_partition_range_end"),
        )
        if v
    )
    lines = [f"Job: {run.job_name}", f"Run: {run.run_id}"]
    if partition:
        lines.append(f"Partition: {partition}")
    lines.append("")
    if failed_steps:
        lines += [f"Failed step {step}: {message}" for step, message in failed_steps]
    else:
        lines.append(f"The run failed: {run_message}")
    lines += [
        "",
        "No further alert is sent for this job until one of its runs succeeds.",
    ]
    return subject, "\n".join(lines)


@run_failure_sensor(name="run_failure_alert_sensor", default_status=DefaultSensorStatus.RUNNING)
def run_failure_alert_sensor(context: RunFailureSensorContext, alerts: AlertsResource) -> None:
    """E-mail the failed step(s) and each error's first line; once per job until it recovers."""
    failed = [
        (event.step_key or "?", error_first_line(event.step_failure_data.error))
        for event in context.get_step_failure_events()
    ]
    run_message = (context.failure_event.message or "").strip().splitlines()
    subject, body = run_failure_alert(
        context.dagster_run, failed, run_message[0] if run_message else ""
    )
    sent = alerts.alert(run_alert_key(context.dagster_run), subject, body)
    context.log.info(f"{subject}: {'alert sent' if sent else 'already alerted, not sent again'}")


@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    name="run_success_clears_alert_sensor",
    default_status=DefaultSensorStatus.RUNNING,
)
def run_success_clears_alert_sensor(
    context: RunStatusSensorContext, alerts: AlertsResource
) -> None:
    """A successful run of a job clears its failure alert: the next failure alerts again."""
    if alerts.clear(run_alert_key(context.dagster_run)):
        context.log.info(f"cleared {run_alert_key(context.dagster_run)}")
