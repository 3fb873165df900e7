"""Where orders go: the paper exchange (default), Kalshi's demo, or Kalshi live.

Live trading needs two explicit opt-ins: ``KALSHI_ENV=live`` and ``EDGE_LIVE_CONFIRM=yes``.
Credentials are read from the environment (or AWS Secrets Manager) only when a real exchange is
used, and never enter run config, logs or metadata.
"""

import os

from dagster import ConfigurableResource, InitResourceContext

from edge_dagster.kalshi import KalshiClient
from edge_dagster.kalshi.client import DEMO_BASE_URL, PRODUCTION_BASE_URL
from edge_dagster.resources.secrets import load_credentials

KALSHI_ENVIRONMENTS = ("paper", "demo", "live")
BASE_URLS = {"demo": DEMO_BASE_URL, "live": PRODUCTION_BASE_URL}


class LiveTradingNotConfirmed(RuntimeError):
    """``KALSHI_ENV=live`` without the second opt-in."""


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
