"""Where orders go: the paper exchange (default), Kalshi's demo, or Kalshi live.

Live trading needs two explicit opt-ins: ``KALSHI_ENV=live`` and ``EDGE_LIVE_CONFIRM=yes``.
Credentials are read from the environment (or AWS Secrets Manager) only when a real exchange is
used, and never enter run config, logs or metadata.
"""

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext

from edge_dagster.kalshi import KalshiClient
from edge_dagster.kalshi.client import DEMO_BASE_URL, PRODUCTION_BASE_URL

KALSHI_ENVIRONMENTS = ("paper", "demo", "live")
BASE_URLS = {"demo": DEMO_BASE_URL, "live": PRODUCTION_BASE_URL}


class LiveTradingNotConfirmed(RuntimeError):
    """``KALSHI_ENV=live`` without the second opt-in."""


class KalshiCredentialsMissing(RuntimeError):
    """A real exchange was selected but no key was configured."""


@dataclass(frozen=True)
class KalshiCredentials:
    key_id: str = field(repr=False)
    private_key_pem: str = field(repr=False)


def load_credentials(environ: Mapping[str, str]) -> KalshiCredentials:
    """Key id + PEM from ``KALSHI_KEY_ID`` and ``KALSHI_PRIVATE_KEY_PATH``/``_PEM``, or a JSON
    secret ``{"key_id": ..., "private_key_pem": ...}`` named by ``KALSHI_SECRET_ARN``."""
    if arn := environ.get("KALSHI_SECRET_ARN"):
        from dagster_aws.secretsmanager import SecretsManagerResource
        from dagster_aws.secretsmanager.secrets import get_secrets_from_arns

        client = SecretsManagerResource(region_name=environ.get("AWS_REGION")).get_client()
        secret = json.loads(next(iter(get_secrets_from_arns(client, [arn]).values())))
        return KalshiCredentials(secret["key_id"], secret["private_key_pem"])
    key_id = environ.get("KALSHI_KEY_ID", "")
    pem = environ.get("KALSHI_PRIVATE_KEY_PEM", "")
    if not pem and environ.get("KALSHI_PRIVATE_KEY_PATH"):
        pem = Path(environ["KALSHI_PRIVATE_KEY_PATH"]).read_text()
    if not key_id or not pem:
        raise KalshiCredentialsMissing(
            "Kalshi credentials missing: set KALSHI_KEY_ID and KALSHI_PRIVATE_KEY_PATH (or "
            "KALSHI_PRIVATE_KEY_PEM), or KALSHI_SECRET_ARN; keys are per environment (demo keys "
            "do not work live)"
        )
    return KalshiCredentials(key_id, pem)


class KalshiResource(ConfigurableResource):
    """The trading venue of a run, from ``KALSHI_ENV`` (paper | demo | live)."""

    environment: str = "paper"
    api_base: str = ""
    """Overrides the environment's base URL (tests, proxies); must end in /trade-api/v2."""

    def setup_for_execution(self, context: InitResourceContext) -> None:
        if self.environment not in KALSHI_ENVIRONMENTS:
            raise ValueError(
                f"KALSHI_ENV={self.environment!r}: expected one of {KALSHI_ENVIRONMENTS}"
            )
        if self.environment == "live" and os.environ.get("EDGE_LIVE_CONFIRM") != "yes":
            raise LiveTradingNotConfirmed(
                "KALSHI_ENV=live refuses to start without EDGE_LIVE_CONFIRM=yes: live orders "
                "spend real money; set both variables only when you mean it"
            )

    @property
    def is_paper(self) -> bool:
        return self.environment == "paper"

    @property
    def base_url(self) -> str:
        return self.api_base or BASE_URLS[self.environment]

    def client(self) -> KalshiClient:
        """A signed client for demo/live; raises for paper, which never talks to Kalshi."""
        if self.is_paper:
            raise RuntimeError(
                "paper trading has no Kalshi client: orders go to the paper exchange"
            )
        credentials = load_credentials(os.environ)
        return KalshiClient(
            self.base_url,
            key_id=credentials.key_id,
            private_key=credentials.private_key_pem,
        )
