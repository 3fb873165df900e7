"""Alerts by e-mail: a failed run (one per job until a run of it succeeds again), the daily kill
switch, and a blocking check that stops orders (one per cause until it clears)."""

import re
from collections.abc import Sequence

from dagster import (
    AssetCheckKey,
    AssetChecksDefinition,
    AssetKey,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunStatusSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    run_status_sensor,
    sensor,
)
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
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


ORDERS_ASSETS = (AssetKey("tsa_orders"), AssetKey("weather_orders"))
"""Each strategy's orders asset: its latest materialisation says whether the strategy's
kill switch is on (metadata ``strategy``, ``environment``, ``kill_switch_active``)."""


def kill_switch_alert_key(environment: str, strategy: str) -> str:
    return f"kill_switch:{environment}:{strategy}"


def blocking_check_alert_key(key: AssetCheckKey) -> str:
    return f"blocking_check:{key.asset_key.to_user_string()}:{key.name}"


def trading_halt_alerts(
    instance: DagsterInstance, alerts: AlertsResource, check_keys: Sequence[AssetCheckKey]
) -> tuple[list[str], list[str]]:
    """Alert on every trading halt now in force — each strategy's daily kill switch (from its
    orders asset's metadata) and each blocking check whose latest evaluation failed — and
    clear the causes that are gone. Returns the alert keys sent and cleared (a halt already
    alerted is not sent again)."""
    sent, cleared = [], []
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(list(check_keys))
    for key in check_keys:
        record = latest.get(key)
        if record is None or record.status == AssetCheckExecutionRecordStatus.PLANNED:
            continue
        alert_key = blocking_check_alert_key(key)
        if record.status == AssetCheckExecutionRecordStatus.SUCCEEDED:
            cleared += [alert_key] if alerts.clear(alert_key) else []
            continue
        evaluation = record.evaluation
        description = (evaluation.description if evaluation else None) or "(no description)"
        body = "\n".join(
            [
                f"Blocking check {key.name} on {key.asset_key.to_user_string()} failed"
                + (f" (partition {record.partition})" if record.partition else "")
                + f" in run {record.run_id}:",
                description,
                "",
                "Everything downstream of it, orders included, is stopped until it passes.",
                "No further alert is sent for this check until it passes again.",
            ]
        )
        if alerts.alert(alert_key, f"blocking check failed, orders stopped: {key.name}", body):
            sent.append(alert_key)
    for orders_asset in ORDERS_ASSETS:
        event = instance.get_latest_materialization_event(orders_asset)
        materialization = event.asset_materialization if event is not None else None
        if materialization is None or "kill_switch_active" not in materialization.metadata:
            continue
        metadata = materialization.metadata
        environment = str(metadata["environment"].value)
        strategy = str(metadata["strategy"].value)
        alert_key = kill_switch_alert_key(environment, strategy)
        if metadata["kill_switch_active"].value:
            pnl = metadata["pnl_today_usd"].value if "pnl_today_usd" in metadata else None
            body = (
                f"The daily kill switch of {strategy} ({environment}) is on: today's P&L is "
                f"${pnl:,.2f}. New buys stop until the next UTC day; exits still go out.\n"
                f"As of {metadata['as_of'].value}, run {event.run_id}.\n\n"
                "No further alert is sent until the kill switch is off again."
            )
            if alerts.alert(alert_key, f"kill switch on: {strategy} ({environment})", body):
                sent.append(alert_key)
        elif alerts.clear(alert_key):
            cleared.append(alert_key)
    return sent, cleared


def build_trading_halt_alert_sensor(checks: Sequence[AssetChecksDefinition]) -> SensorDefinition:
    """The sensor that alerts on trading halts, watching the blocking ones of ``checks``."""
    check_keys = [spec.key for c in checks for spec in c.check_specs if spec.blocking]

    @sensor(
        name="trading_halt_alert_sensor",
        default_status=DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=60,
    )
    def trading_halt_alert_sensor(
        context: SensorEvaluationContext, alerts: AlertsResource
    ) -> SkipReason:
        """E-mail when the kill switch fires or a blocking check stops orders; once per cause
        until it clears."""
        sent, cleared = trading_halt_alerts(context.instance, alerts, check_keys)
        return SkipReason(f"alerts sent: {', '.join(sent) or 'none'}; "
                          f"cleared: {', '.join(cleared) or 'none'}")  # fmt: skip

    return trading_halt_alert_sensor
