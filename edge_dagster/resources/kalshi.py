"""Where orders go, per deployment: the paper venue (replay, paper), Kalshi demo, or Kalshi live.

Live trading needs two explicit opt-ins: ``EDGE_DEPLOYMENT=live`` and ``EDGE_LIVE_CONFIRM=yes``.
Credentials are read from the environment (or AWS Secrets Manager) only when a real exchange is
used, and never enter run config, logs or metadata.
"""

import os

from dagster import ConfigurableResource, InitResourceContext

from edge_dagster.kalshi import KalshiClient
from edge_dagster.kalshi.client import DEMO_BASE_URL, PRODUCTION_BASE_URL
from edge_dagster.resources.secrets import load_credentials
from edge_dagster.settings import PAPER_VENUE_DEPLOYMENTS, refuse_unsafe

BASE_URLS = {"demo": DEMO_BASE_URL, "live": PRODUCTION_BASE_URL}


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
