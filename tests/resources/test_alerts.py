"""Alerts: sent once per cause until it clears; a failed run alerts with its step and error."""

from email import message_from_bytes, policy
from pathlib import Path

import duckdb
import pytest
from dagster import (
    DagsterEventType,
    DagsterInstance,
    build_run_status_sensor_context,
    materialize,
)

from edge_dagster.assets.tsa import tsa_checkpoint_raw
from edge_dagster.resources.alerts import AlertsResource
from edge_dagster.resources.email import EmailDeliveryError, EmailResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.sensors.alerts import run_failure_alert_sensor, run_success_clears_alert_sensor
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from tests.assets.test_tsa_raw import AFTER_APRIL_19_PUBLISHED, without_day
from tests.conftest import replay_sources


def outbox_alerts(tmp_path: Path, **email) -> AlertsResource:
    return AlertsResource(
        state_database=str(tmp_path / "alerts.duckdb"),
        email=EmailResource(outbox_dir=str(tmp_path / "outbox"), **email),
    )


def sent(tmp_path: Path) -> list:
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted((tmp_path / "outbox").glob("*.eml"))
    ]


def test_an_alert_is_sent_once_until_its_cause_clears(tmp_path):
    alerts = outbox_alerts(tmp_path)
    assert alerts.alert("kill_switch:tsa_weekly", "kill switch fired", "daily loss −$61")
    assert not alerts.alert("kill_switch:tsa_weekly", "kill switch fired", "daily loss −$75")
    assert alerts.alert("check:tsa_checkpoint_raw_fresh", "stale TSA data", "newest 04-13")
    assert [m["Subject"] for m in sent(tmp_path)] == [
        "[edge_dagster alert] kill switch fired",
        "[edge_dagster alert] stale TSA data",
    ]
    assert alerts.clear("kill_switch:tsa_weekly")
    assert not alerts.clear("kill_switch:tsa_weekly")  # already clear
    assert alerts.alert("kill_switch:tsa_weekly", "kill switch fired", "daily loss −$90")
    assert len(sent(tmp_path)) == 3
    with duckdb.connect(str(tmp_path / "alerts.duckdb")) as conn:
        state = conn.execute(
            "SELECT alert_key, active, times_raised, cleared_at IS NULL FROM alert_state "
            "ORDER BY alert_key"
        ).fetchall()
    assert state == [
        ("check:tsa_checkpoint_raw_fresh", True, 1, True),
        ("kill_switch:tsa_weekly", True, 1, True),
    ]


def test_alerts_go_to_the_alert_recipients_when_set(tmp_path):
    alerts = outbox_alerts(tmp_path, recipients="desk@x.org", alert_recipients="a@x.org, b@x.org")
    alerts.alert("k", "s", "b")
    assert [m["To"] for m in sent(tmp_path)] == ["a@x.org", "b@x.org"]
    fallback = outbox_alerts(tmp_path / "other", recipients="desk@x.org")
    fallback.alert("k", "s", "b")
    assert [m["To"] for m in sent(tmp_path / "other")] == ["desk@x.org"]


def test_an_alert_that_could_not_be_sent_is_sent_on_the_next_raise(tmp_path, smtp_server):
    refused = AlertsResource(
        state_database=str(tmp_path / "alerts.duckdb"),
        email=EmailResource(
            backend="smtp",
            recipients="a@x.org",
            smtp_host="127.0.0.1",
            smtp_port=smtp_server.port,
            smtp_ca_file="",  # the server's certificate is not trusted: the send fails
        ),
    )
    with pytest.raises(EmailDeliveryError):
        refused.alert("k", "s", "b")
    assert outbox_alerts(tmp_path).alert("k", "s", "b")


def ingest_months(instance: DagsterInstance, tmp_path: Path, replay_dir: Path) -> str:
    """Materialise the raw TSA months March–April 2026 from ``replay_dir``; it fails when a
    public day is missing there."""
    result = materialize(
        [tsa_checkpoint_raw],
        instance=instance,
        resources={
            "warehouse": WarehouseResource(database=str(tmp_path / "edge.duckdb")),
            "sources": replay_sources(AFTER_APRIL_19_PUBLISHED, replay_dir),
        },
        tags={
            "dagster/asset_partition_range_start": "2026-03-01",
            "dagster/asset_partition_range_end": "2026-04-01",
        },
        raise_on_error=False,
    )
    return result.run_id


def react(sensor, instance: DagsterInstance, run_id: str, alerts: AlertsResource) -> None:
    """Evaluate a run-status sensor on one finished run, as the daemon does."""
    (record,) = instance.all_logs(
        run_id, of_type={DagsterEventType.RUN_FAILURE, DagsterEventType.RUN_SUCCESS}
    )
    with build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id),
        dagster_event=record.dagster_event,
        resources={"alerts": alerts},
    ) as context:
        if record.dagster_event.event_type == DagsterEventType.RUN_FAILURE:
            sensor(context.for_run_failure())
        else:
            sensor(context)


def test_a_failed_run_alerts_once_with_its_step_and_error_until_it_succeeds(tmp_path):
    alerts = outbox_alerts(tmp_path / "mail")
    gap = without_day(tmp_path, "2026-04-15")
    with DagsterInstance.ephemeral() as instance:
        react(run_failure_alert_sensor, instance, ingest_months(instance, tmp_path, gap), alerts)
        react(run_failure_alert_sensor, instance, ingest_months(instance, tmp_path, gap), alerts)
        (alert,) = sent(tmp_path / "mail")
        assert alert["Subject"] == (
            "[edge_dagster alert] run failed: __ephemeral_asset_job__ at tsa_checkpoint_raw"
        )
        body = alert.get_content()
        assert "Partition: 2026-03-01...2026-04-01" in body
        assert (
            "Failed step tsa_checkpoint_raw: Failure: TSA figures for 1 of the 50 day(s) "
            "2026-03-01..2026-04-19 public by 2026-04-20T09:30:00-04:00 are missing from the "
            "source (first missing 2026-04-15"
        ) in body
        recovered = ingest_months(instance, tmp_path, DEFAULT_REPLAY_DIR)
        react(run_success_clears_alert_sensor, instance, recovered, alerts)
        react(run_failure_alert_sensor, instance, ingest_months(instance, tmp_path, gap), alerts)
    assert len(sent(tmp_path / "mail")) == 2
