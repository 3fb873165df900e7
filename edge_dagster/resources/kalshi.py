"""Where orders go, per deployment: the paper venue (replay, paper), Kalshi demo, or Kalshi live.

Live trading needs two explicit opt-ins: ``EDGE_DEPLOYMENT=live`` and ``EDGE_LIVE_CONFIRM=yes``.
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
from edge_dagster.settings import PAPER_VENUE_DEPLOYMENTS, refuse_unsafe

BASE_URLS = {"demo": DEMO_BASE_URL, "live": PRODUCTION_BASE_URL}


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
    """The trading venue of a deployment (``settings.DEPLOYMENTS``); its name is the ledger's
    ``environment``."""

    deployment: str = "replay"
    api_base: str = ""
    """Overrides the environment's base URL (tests, proxies); must end in /trade-api/v2."""

    def setup_for_execution(self, context: InitResourceContext) -> None:
        refuse_unsafe(self.deployment, "", os.environ)

    @property
    def environment(self) -> str:
        return self.deployment

    @property
    def uses_paper_venue(self) -> bool:
        return self.deployment in PAPER_VENUE_DEPLOYMENTS

    @property
    def base_url(self) -> str:
        return self.api_base or BASE_URLS[self.deployment]

    def client(self) -> KalshiClient:
        """A signed client for demo/live; raises for the paper venue, which never talks to
        an exchange."""
        if self.uses_paper_venue:
            raise RuntimeError(
                f"the {self.deployment} deployment has no Kalshi client: orders go to the "
                "paper venue"
            )
        credentials = load_credentials(os.environ)
        return KalshiClient(
            self.base_url,
            key_id=credentials.key_id,
            private_key=credentials.private_key_pem,
        )
