"""Fixtures shared by the asset tests: the shipped real replay data and a scratch DuckDB file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from tests.support.aws import AWS_ENVIRONMENT, local_aws
from tests.support.fake_kalshi import FakeKalshiExchange
from tests.support.smtp_server import LocalSmtpServer

FIXTURES = Path(__file__).parent / "fixtures"
DEMO_KEY_ID = "3b4f5c1e-0a4d-4c3b-8e9f-1a2b3c4d5e6f"


@pytest.fixture
def warehouse(tmp_path: Path) -> WarehouseResource:
    return WarehouseResource(database=str(tmp_path / "edge.duckdb"))


def replay_sources(as_of: str, replay_dir: Path = DEFAULT_REPLAY_DIR) -> DataSourcesResource:
    return DataSourcesResource(replay_dir=str(replay_dir), as_of=as_of)


@pytest.fixture
def kalshi_exchange(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKalshiExchange]:
    """A fake Kalshi exchange that knows a fresh key, which the environment also holds (as an
    operator sets KALSHI_KEY_ID and KALSHI_PRIVATE_KEY_PEM for demo or live)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    monkeypatch.setenv("KALSHI_KEY_ID", DEMO_KEY_ID)
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PEM", pem)
    with FakeKalshiExchange() as fake:
        fake.register_key(DEMO_KEY_ID, key.public_key())
        yield fake


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A local AWS stand-in (moto server) that boto3 reaches through the environment, with
    dummy credentials; yields its endpoint URL."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
        monkeypatch.delenv(name, raising=False)
    with local_aws() as endpoint:
        for name, value in {**AWS_ENVIRONMENT, "AWS_ENDPOINT_URL": endpoint}.items():
            monkeypatch.setenv(name, value)
        yield endpoint


SMTP_USERNAME = "reports"
SMTP_PASSWORD = "s3cret-SMTP-pa55word"


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[LocalSmtpServer]:
    """A real local SMTP server with STARTTLS and AUTH (``SMTP_USERNAME``/``SMTP_PASSWORD``)."""
    with LocalSmtpServer(tmp_path, SMTP_USERNAME, SMTP_PASSWORD) as server:
        yield server
