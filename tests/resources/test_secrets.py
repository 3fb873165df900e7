"""Secrets: the Kalshi key and the SMTP password resolve from each source, and their values
never appear in logs, exception messages, run config or asset metadata."""

import json
import logging
import os
import traceback
from datetime import datetime

import boto3
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dagster import DagsterInstance, materialize
from dagster._serdes import serialize_value

from edge_dagster.assets.daily_report import daily_report_email
from edge_dagster.assets.trading import tsa_orders
from edge_dagster.core.clock import EASTERN
from edge_dagster.resources.email import EmailResource
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.secrets import (
    KalshiCredentials,
    KalshiCredentialsMissing,
    SecretUnavailable,
    load_credentials,
    smtp_password,
)
from tests.assets.test_orders import EVENT, ORDER_PATH, TICKER, seed_decision
from tests.conftest import DEMO_KEY_ID, SMTP_PASSWORD, SMTP_USERNAME
from tests.support.aws import REGION
from tests.support.clock import FrozenWallClockSources

PEM = (
    rsa.generate_private_key(public_exponent=65537, key_size=2048)
    .private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    .decode()
)
KALSHI_JSON = json.dumps({"key_id": "key-7", "private_key_pem": PEM})


def store_secret(name: str, value: str) -> str:
    return boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=name, SecretString=value
    )["ARN"]


def test_the_kalshi_key_comes_from_the_environment_a_pem_file_or_secrets_manager(aws, tmp_path):
    pem_file = tmp_path / "demo.pem"
    pem_file.write_text(PEM)
    arn = store_secret("kalshi/demo", KALSHI_JSON)
    expected = KalshiCredentials("key-7", PEM)
    assert load_credentials({"KALSHI_KEY_ID": "key-7", "KALSHI_PRIVATE_KEY_PEM": PEM}) == expected
    assert load_credentials(
        {"KALSHI_KEY_ID": "key-7", "KALSHI_PRIVATE_KEY_PATH": str(pem_file)}
    ) == (expected)
    environ = {"KALSHI_SECRET_ARN": arn, "KALSHI_KEY_ID": "ignored", "AWS_REGION": REGION}
    assert load_credentials(environ) == expected
    assert repr(expected) == "KalshiCredentials()"


def test_the_smtp_password_comes_from_the_environment_a_file_or_secrets_manager(aws, tmp_path):
    password_file = tmp_path / "smtp_password"
    password_file.write_text("from-a-file\n")
    plain = store_secret("smtp/plain", "from-secrets-manager")
    as_json = store_secret("smtp/json", json.dumps({"password": "from-json"}))
    assert smtp_password({"EDGE_SMTP_PASSWORD": "from-env"}) == "from-env"
    assert smtp_password({"EDGE_SMTP_PASSWORD_FILE": str(password_file)}) == "from-a-file"
    assert smtp_password({"EDGE_SMTP_SECRET_ARN": plain, "EDGE_SMTP_PASSWORD": "x"}) == (
        "from-secrets-manager"
    )
    assert smtp_password({"EDGE_SMTP_SECRET_ARN": as_json}) == "from-json"
    assert smtp_password({}) == ""


def test_each_missing_or_broken_secret_names_its_variable_and_never_its_value(aws, tmp_path):
    broken = store_secret("kalshi/broken", json.dumps({"key_id": "key-7", "pem": PEM}))
    not_json = store_secret("kalshi/not-json", PEM)
    cases = [
        ({}, KalshiCredentialsMissing, "set KALSHI_KEY_ID and KALSHI_PRIVATE_KEY_PATH"),
        ({"KALSHI_KEY_ID": "k", "KALSHI_PRIVATE_KEY_PATH": str(tmp_path / "none.pem")},
         SecretUnavailable, "KALSHI_PRIVATE_KEY_PATH=.*none.pem: No such file"),
        ({"KALSHI_SECRET_ARN": broken}, SecretUnavailable, "'private_key_pem' string"),
        ({"KALSHI_SECRET_ARN": not_json}, SecretUnavailable, "not a JSON object"),
        ({"KALSHI_SECRET_ARN": "kalshi/absent"}, SecretUnavailable,
         "KALSHI_SECRET_ARN=kalshi/absent: .*ResourceNotFoundException"),
    ]  # fmt: skip
    for environ, error, message in cases:
        with pytest.raises(error, match=message) as raised:
            load_credentials(environ)
        shown = "".join(traceback.format_exception(raised.value))
        assert PEM_LINE not in shown


PEM_LINE = PEM.splitlines()[5]  # a line of the key's base64 body


@pytest.fixture
def key_in_secrets_manager(aws, kalshi_exchange, monkeypatch):
    """The fake exchange knows the operator's key, which lives only in Secrets Manager."""
    secret = {"key_id": DEMO_KEY_ID, "private_key_pem": os.environ["KALSHI_PRIVATE_KEY_PEM"]}
    for name in ("KALSHI_KEY_ID", "KALSHI_PRIVATE_KEY_PEM"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("KALSHI_SECRET_ARN", store_secret("kalshi/demo", json.dumps(secret)))
    kalshi_exchange.add_series("KXTSAW")
    kalshi_exchange.add_event(EVENT, "KXTSAW")
    kalshi_exchange.add_market(TICKER, EVENT)
    return secret


def test_no_secret_reaches_logs_errors_run_config_or_metadata(
    warehouse, kalshi_exchange, key_in_secrets_manager, smtp_server, monkeypatch, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    demo = KalshiResource(deployment="demo", api_base=kalshi_exchange.base_url)
    sources = FrozenWallClockSources(deployment="demo", wall_time="2026-04-16T09:20:00-04:00")
    monkeypatch.setenv("EDGE_SMTP_SECRET_ARN", store_secret("smtp", SMTP_PASSWORD))
    smtp = EmailResource(
        backend="smtp",
        recipients="desk@edge.example",
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_username=SMTP_USERNAME,
        smtp_ca_file=str(smtp_server.ca_file),
    )
    seed_decision(warehouse, datetime(2026, 4, 16, 9, 15, tzinfo=EASTERN))
    resources = {"warehouse": warehouse, "sources": sources, "kalshi": demo, "email": smtp}
    with DagsterInstance.ephemeral() as instance:
        runs = [
            materialize([tsa_orders], partition_key="2026-04-13", resources=resources,
                        instance=instance),
            materialize([daily_report_email], resources=resources, instance=instance),
        ]  # fmt: skip
        assert len(kalshi_exchange.requests_to("POST", ORDER_PATH)) == 1  # the key was used
        assert len(smtp_server.messages) == 1  # so was the password
        # and two runs that fail: a key the exchange does not know, a password it refuses
        wrong_key = {**key_in_secrets_manager, "key_id": "not-registered"}
        monkeypatch.setenv("KALSHI_SECRET_ARN", store_secret("kalshi/wrong", json.dumps(wrong_key)))
        monkeypatch.setenv("EDGE_SMTP_SECRET_ARN", store_secret("smtp/wrong", SMTP_PASSWORD + "!"))
        with warehouse.get_connection() as conn:
            conn.execute("DELETE FROM daily_report_sent")
        runs += [
            materialize([tsa_orders], partition_key="2026-04-13", resources=resources,
                        instance=instance, raise_on_error=False),
            materialize([daily_report_email], resources=resources, instance=instance,
                        raise_on_error=False),
        ]  # fmt: skip
        assert [run.success for run in runs] == [True, True, False, False]
        recorded = [
            serialize_value(record) for run in runs for record in instance.all_logs(run.run_id)
        ] + [serialize_value(instance.get_run_by_id(run.run_id).run_config) for run in runs]
    failures = [e for run in runs for e in run.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(failures) == 2 and any("401" in str(e.step_failure_data.error) for e in failures)
    output = capfd.readouterr()
    everything = "\n".join([*recorded, caplog.text, output.out, output.err])
    pem = key_in_secrets_manager["private_key_pem"]
    body_lines = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    assert [line for line in body_lines if line in everything] == []
    assert SMTP_PASSWORD not in everything
