"""Every environment variable the project reads, with its default, in one place.

The README's configuration table mirrors this module. One switch, ``EDGE_DEPLOYMENT``, decides
where data, time and orders come from:

| deployment | data | clock | orders |
|---|---|---|---|
| ``replay`` (default) | the replay folder | ``EDGE_AS_OF`` (else the wall clock) | paper venue |
| ``paper`` | live (tsa.gov, Kalshi market data) | wall clock | paper venue |
| ``demo`` | live (Kalshi demo) | wall clock | Kalshi demo |
| ``live`` | live | wall clock | Kalshi production, only with ``EDGE_LIVE_CONFIRM=yes`` |

A configuration that would let a replay clock or replay data reach a real exchange (or that is
simply garbage) raises :class:`DeploymentRefused` when the code location loads, so no run
starts, no asset computes and no request reaches an exchange. Secrets (the Kalshi key, the
SMTP password) are not read here: only their presence is checked; ``resources.secrets`` reads
them when a run needs them, so they never enter run config.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from edge_dagster.core.clock import parse_as_of
from edge_dagster.errors import ConfigurationError
from edge_dagster.kalshi.client import DEMO_BASE_URL, PRODUCTION_BASE_URL
from edge_dagster.sources.nbm import DEFAULT_NBM_BASE_URL
from edge_dagster.sources.nws import DEFAULT_NWS_BASE_URL, DEFAULT_NWS_USER_AGENT
from edge_dagster.sources.observed_highs import DEFAULT_ACIS_BASE_URL, DEFAULT_IEM_BASE_URL

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DUCKDB_PATH = PROJECT_ROOT / "var" / "edge.duckdb"
DEFAULT_REPLAY_DIR = PROJECT_ROOT / "replay_data"
DEFAULT_TSA_BASE_URL = "https://www.tsa.gov"
DEPLOYMENTS = ("replay", "paper", "demo", "live")
PAPER_VENUE_DEPLOYMENTS = ("replay", "paper")
KALSHI_ENV_OF = {"replay": "paper", "paper": "paper", "demo": "demo", "live": "live"}
"""The retired ``KALSHI_ENV`` value each deployment implies (a leftover must agree)."""
CREDENTIAL_VARIABLES = ("KALSHI_KEY_ID", "KALSHI_PRIVATE_KEY_PATH", "KALSHI_PRIVATE_KEY_PEM")


class DeploymentRefused(ConfigurationError):  # noqa: N818 - it names what happened, as read
    """A run refuses to start: the configuration is unsafe or malformed. The message is one
    line that names the variable and the fix (the CLI can print it as it is)."""


def data_source_of(deployment: str) -> str:
    """``replay`` (the replay folder) or ``live`` (HTTP) for a deployment."""
    return "replay" if deployment == "replay" else "live"


def refuse_unsafe(deployment: str, as_of: str, environ: Mapping[str, str]) -> None:
    """Raise :class:`DeploymentRefused` unless the deployment may start as configured: a known
    deployment, ``EDGE_AS_OF`` only in replay (and a valid instant), and live trading only
    with ``EDGE_LIVE_CONFIRM=yes``. The same check runs when the code location loads and when
    a resource is set up, so a resource built by hand cannot skip it."""
    if deployment not in DEPLOYMENTS:
        raise DeploymentRefused(
            f"EDGE_DEPLOYMENT={deployment!r} is not one of {', '.join(DEPLOYMENTS)}: "
            "set it to one of those (unset means replay)"
        )
    if as_of and deployment != "replay":
        raise DeploymentRefused(
            f"EDGE_AS_OF is accepted only with EDGE_DEPLOYMENT=replay, not {deployment}: "
            f"a {deployment} deployment runs on the wall clock; unset EDGE_AS_OF"
        )
    if as_of:
        try:
            parse_as_of(as_of)
        except ValueError:
            raise DeploymentRefused(
                f"EDGE_AS_OF={as_of!r} is not an ISO-8601 instant: use e.g. "
                "2026-04-20T12:00:00-04:00 or 2026-04-20T12:00 (naive = America/New_York), "
                "or leave it unset for the wall clock"
            ) from None
    if deployment == "live" and environ.get("EDGE_LIVE_CONFIRM") != "yes":
        raise DeploymentRefused(
            "EDGE_DEPLOYMENT=live refuses to start without EDGE_LIVE_CONFIRM=yes: live orders "
            "spend real money; set both variables only when you mean it"
        )


def deployment_of(environ: Mapping[str, str]) -> str:
    """``EDGE_DEPLOYMENT``, lower-cased; ``replay`` when unset."""
    return environ.get("EDGE_DEPLOYMENT", "replay").strip().lower() or "replay"


def replay_clock(environ: Mapping[str, str]) -> datetime | None:
    """The replay's fixed "now" (``EDGE_AS_OF`` with ``EDGE_DEPLOYMENT=replay``), or None: the
    wall clock, or a configuration :meth:`Settings.from_env` refuses with its own line."""
    as_of = environ.get("EDGE_AS_OF", "").strip()
    if deployment_of(environ) != "replay" or not as_of:
        return None
    try:
        return parse_as_of(as_of)
    except ValueError:
        return None


def _refuse_disagreement(deployment: str, environ: Mapping[str, str]) -> None:
    """The variables ``EDGE_DEPLOYMENT`` replaced must agree with it where still set."""
    kalshi_env = environ.get("KALSHI_ENV", "").strip().lower()
    if kalshi_env and kalshi_env != KALSHI_ENV_OF[deployment]:
        raise DeploymentRefused(
            f"KALSHI_ENV={kalshi_env} disagrees with EDGE_DEPLOYMENT={deployment}: unset "
            "KALSHI_ENV (EDGE_DEPLOYMENT alone chooses replay, paper, demo or live)"
        )
    data_source = environ.get("EDGE_DATA_SOURCE", "").strip().lower()
    if data_source and data_source != data_source_of(deployment):
        raise DeploymentRefused(
            f"EDGE_DATA_SOURCE={data_source} disagrees with EDGE_DEPLOYMENT={deployment} (which "
            f"reads {data_source_of(deployment)} data): unset EDGE_DATA_SOURCE"
        )


def _refuse_missing_key(deployment: str, environ: Mapping[str, str]) -> None:
    if deployment not in ("demo", "live") or environ.get("KALSHI_SECRET_ARN"):
        return
    has_pem = environ.get("KALSHI_PRIVATE_KEY_PATH") or environ.get("KALSHI_PRIVATE_KEY_PEM")
    if not environ.get("KALSHI_KEY_ID") or not has_pem:
        raise DeploymentRefused(
            f"EDGE_DEPLOYMENT={deployment} needs a Kalshi key: set KALSHI_KEY_ID and "
            "KALSHI_PRIVATE_KEY_PATH (or KALSHI_PRIVATE_KEY_PEM), or KALSHI_SECRET_ARN; "
            "demo keys do not work live"
        )


DEFAULT_NBM_AVAILABILITY_MINUTES = 90
DEFAULT_WEATHER_QUOTE_MAX_AGE_MINUTES = 180


def _positive_minutes(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) <= 0:
        raise ConfigurationError(f"{name}={text!r}: expected a positive whole number of minutes")
    return int(text)


DEFAULT_OUTBOX_DIR = PROJECT_ROOT / "var" / "outbox"
DEFAULT_ALERT_STATE_PATH = PROJECT_ROOT / "var" / "alerts.duckdb"
DEFAULT_EMAIL_SENDER = "edge-dagster@localhost"
EMAIL_BACKENDS = ("file", "smtp", "ses")
SMTP_SECURITY = ("starttls", "ssl", "none")


def env_choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    """``name``'s value, lower-cased, one of ``choices`` (unset: the first)."""
    value = environ.get(name, choices[0]).strip().lower()
    if value not in choices:
        raise ConfigurationError(f"{name}={value!r}: expected one of {', '.join(choices)}")
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
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EmailSettings:
        environ = os.environ if environ is None else environ
        port = environ.get("EDGE_SMTP_PORT", "").strip()
        if port and not port.isdigit():
            raise ConfigurationError(f"EDGE_SMTP_PORT={port!r}: expected a port number")
        timeout = environ.get("EDGE_SMTP_TIMEOUT_SECONDS", "30").strip()
        try:
            timeout_seconds = float(timeout)
        except ValueError:
            raise ConfigurationError(
                f"EDGE_SMTP_TIMEOUT_SECONDS={timeout!r}: expected seconds (a number)"
            ) from None
        return cls(
            backend=env_choice(environ, "EDGE_EMAIL_BACKEND", EMAIL_BACKENDS),
            sender=environ.get("EDGE_EMAIL_FROM", DEFAULT_EMAIL_SENDER).strip(),
            recipients=environ.get("EDGE_EMAIL_TO", "").strip(),
            alert_recipients=environ.get("EDGE_ALERT_TO", "").strip(),
            outbox_dir=environ.get("EDGE_EMAIL_OUTBOX", str(DEFAULT_OUTBOX_DIR)),
            smtp_host=environ.get("EDGE_SMTP_HOST", "localhost").strip(),
            smtp_port=int(port or 0),
            smtp_security=env_choice(environ, "EDGE_SMTP_SECURITY", SMTP_SECURITY),
            smtp_username=environ.get("EDGE_SMTP_USERNAME", "").strip(),
            smtp_ca_file=environ.get("EDGE_SMTP_CA_FILE", "").strip(),
            smtp_timeout_seconds=timeout_seconds,
            ses_region=(environ.get("EDGE_SES_REGION") or environ.get("AWS_REGION") or "").strip(),
            ses_configuration_set=environ.get("EDGE_SES_CONFIGURATION_SET", "").strip(),
            alert_state_path=environ.get("EDGE_ALERT_STATE_PATH", str(DEFAULT_ALERT_STATE_PATH)),
        )


@dataclass(frozen=True)
class Settings:
    duckdb_path: str
    deployment: str
    replay_dir: str
    as_of: str
    tsa_base_url: str
    kalshi_api_base: str
    email: EmailSettings
    nbm_base_url: str = DEFAULT_NBM_BASE_URL
    nws_base_url: str = DEFAULT_NWS_BASE_URL
    nws_user_agent: str = DEFAULT_NWS_USER_AGENT
    iem_base_url: str = DEFAULT_IEM_BASE_URL
    acis_base_url: str = DEFAULT_ACIS_BASE_URL
    nbm_availability_minutes: int = DEFAULT_NBM_AVAILABILITY_MINUTES
    weather_quote_max_age_minutes: int = DEFAULT_WEATHER_QUOTE_MAX_AGE_MINUTES

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and check the environment; raises :class:`DeploymentRefused`."""
        environ = os.environ if environ is None else environ
        deployment = deployment_of(environ)
        as_of = environ.get("EDGE_AS_OF", "").strip()
        refuse_unsafe(deployment, as_of, environ)
        _refuse_disagreement(deployment, environ)
        _refuse_missing_key(deployment, environ)
        return cls(
            duckdb_path=environ.get("EDGE_DUCKDB_PATH", str(DEFAULT_DUCKDB_PATH)),
            deployment=deployment,
            replay_dir=environ.get("EDGE_REPLAY_DIR", str(DEFAULT_REPLAY_DIR)),
            as_of=as_of,
            tsa_base_url=environ.get("TSA_BASE_URL", DEFAULT_TSA_BASE_URL).rstrip("/"),
            kalshi_api_base=environ.get("KALSHI_API_BASE", "").rstrip("/"),
            email=EmailSettings.from_env(environ),
            nbm_base_url=environ.get("NBM_BASE_URL", DEFAULT_NBM_BASE_URL).rstrip("/"),
            nws_base_url=environ.get("NWS_BASE_URL", DEFAULT_NWS_BASE_URL).rstrip("/"),
            nws_user_agent=environ.get("NWS_USER_AGENT", DEFAULT_NWS_USER_AGENT).strip()
            or DEFAULT_NWS_USER_AGENT,
            iem_base_url=environ.get("IEM_BASE_URL", DEFAULT_IEM_BASE_URL).rstrip("/"),
            acis_base_url=environ.get("ACIS_BASE_URL", DEFAULT_ACIS_BASE_URL).rstrip("/"),
            nbm_availability_minutes=_positive_minutes(
                environ, "NBM_AVAILABILITY_MINUTES", DEFAULT_NBM_AVAILABILITY_MINUTES
            ),
            weather_quote_max_age_minutes=_positive_minutes(
                environ, "WEATHER_QUOTE_MAX_AGE_MINUTES", DEFAULT_WEATHER_QUOTE_MAX_AGE_MINUTES
            ),
        )

    @property
    def data_source(self) -> str:
        return data_source_of(self.deployment)

    @property
    def kalshi_market_data_url(self) -> str:
        """Live market data comes from the venue orders go to: demo's markets are its own."""
        if self.kalshi_api_base:
            return self.kalshi_api_base
        return DEMO_BASE_URL if self.deployment == "demo" else PRODUCTION_BASE_URL
