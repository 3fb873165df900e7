"""Every environment variable the project reads, with its default, in one place.

The README's configuration table mirrors this module. Secrets (the Kalshi key, the SMTP
password) are not here: ``resources.secrets`` reads them only when a run needs them, so they
never enter run config.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from edge_dagster.core.clock import UTC, parse_as_of
from edge_dagster.kalshi.client import DEMO_BASE_URL, PRODUCTION_BASE_URL

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DUCKDB_PATH = PROJECT_ROOT / "var" / "edge.duckdb"
DEFAULT_REPLAY_DIR = PROJECT_ROOT / "replay_data"
DEFAULT_TSA_BASE_URL = "https://www.tsa.gov"
DATA_SOURCES = ("replay", "live")
DEFAULT_OUTBOX_DIR = PROJECT_ROOT / "var" / "outbox"
DEFAULT_ALERT_STATE_PATH = PROJECT_ROOT / "var" / "alerts.duckdb"
DEFAULT_EMAIL_SENDER = "edge-dagster@localhost"
EMAIL_BACKENDS = ("file", "smtp", "ses")
SMTP_SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class Settings:
    duckdb_path: str
    data_source: str
    replay_dir: str
    as_of: str
    tsa_base_url: str
    kalshi_env: str
    kalshi_api_base: str

    @classmethod
    def from_env(cls) -> Settings:
        data_source = os.environ.get("EDGE_DATA_SOURCE", "replay").strip().lower()
        if data_source not in DATA_SOURCES:
            raise ValueError(f"EDGE_DATA_SOURCE={data_source!r}: expected one of {DATA_SOURCES}")
        as_of = os.environ.get("EDGE_AS_OF", "").strip()
        if as_of:
            parse_as_of(as_of)  # fail at load time, not in the middle of a run
        return cls(
            duckdb_path=os.environ.get("EDGE_DUCKDB_PATH", str(DEFAULT_DUCKDB_PATH)),
            data_source=data_source,
            replay_dir=os.environ.get("EDGE_REPLAY_DIR", str(DEFAULT_REPLAY_DIR)),
            as_of=as_of,
            tsa_base_url=os.environ.get("TSA_BASE_URL", DEFAULT_TSA_BASE_URL).rstrip("/"),
            kalshi_env=os.environ.get("KALSHI_ENV", "paper").strip().lower(),
            kalshi_api_base=os.environ.get("KALSHI_API_BASE", "").rstrip("/"),
        )

    @property
    def kalshi_market_data_url(self) -> str:
        """Live market data comes from the venue orders go to: demo's markets are its own."""
        if self.kalshi_api_base:
            return self.kalshi_api_base
        return DEMO_BASE_URL if self.kalshi_env == "demo" else PRODUCTION_BASE_URL


def resolve_now(as_of: str) -> datetime:
    """The configured "now": ``as_of`` when set (replays), else the wall clock."""
    return parse_as_of(as_of) if as_of else datetime.now(UTC)


def env_choice(name: str, choices: tuple[str, ...]) -> str:
    """``name``'s value, lower-cased, one of ``choices`` (unset: the first)."""
    value = os.environ.get(name, choices[0]).strip().lower()
    if value not in choices:
        raise ValueError(f"{name}={value!r}: expected one of {choices}")
    return value


@dataclass(frozen=True)
class EmailSettings:
    """Where the daily report and alerts go. The SMTP password is a secret: it is read by
    ``resources.secrets`` when a message is sent, never here."""

    backend: str
    sender: str
    recipients: str
    alert_recipients: str
    outbox_dir: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str
    smtp_ca_file: str
    smtp_timeout_seconds: float
    ses_region: str
    ses_configuration_set: str
    alert_state_path: str

    @classmethod
    def from_env(cls) -> EmailSettings:
        port = os.environ.get("EDGE_SMTP_PORT", "").strip()
        if port and not port.isdigit():
            raise ValueError(f"EDGE_SMTP_PORT={port!r}: expected a port number")
        timeout = os.environ.get("EDGE_SMTP_TIMEOUT_SECONDS", "30").strip()
        try:
            timeout_seconds = float(timeout)
        except ValueError:
            raise ValueError(
                f"EDGE_SMTP_TIMEOUT_SECONDS={timeout!r}: expected seconds (a number)"
            ) from None
        return cls(
            backend=env_choice("EDGE_EMAIL_BACKEND", EMAIL_BACKENDS),
            sender=os.environ.get("EDGE_EMAIL_FROM", DEFAULT_EMAIL_SENDER).strip(),
            recipients=os.environ.get("EDGE_EMAIL_TO", "").strip(),
            alert_recipients=os.environ.get("EDGE_ALERT_TO", "").strip(),
            outbox_dir=os.environ.get("EDGE_EMAIL_OUTBOX", str(DEFAULT_OUTBOX_DIR)),
            smtp_host=os.environ.get("EDGE_SMTP_HOST", "localhost").strip(),
            smtp_port=int(port or 0),
            smtp_security=env_choice("EDGE_SMTP_SECURITY", SMTP_SECURITY),
            smtp_username=os.environ.get("EDGE_SMTP_USERNAME", "").strip(),
            smtp_ca_file=os.environ.get("EDGE_SMTP_CA_FILE", "").strip(),
            smtp_timeout_seconds=timeout_seconds,
            ses_region=(
                os.environ.get("EDGE_SES_REGION") or os.environ.get("AWS_REGION") or ""
            ).strip(),
            ses_configuration_set=os.environ.get("EDGE_SES_CONFIGURATION_SET", "").strip(),
            alert_state_path=os.environ.get("EDGE_ALERT_STATE_PATH", str(DEFAULT_ALERT_STATE_PATH)),
        )
