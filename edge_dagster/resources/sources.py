"""Where data comes from (replay folder or live HTTP) and what "now" is, per deployment."""

import os
from datetime import UTC, datetime

from dagster import ConfigurableResource, InitResourceContext

from edge_dagster.core.clock import parse_as_of
from edge_dagster.kalshi import KalshiClient
from edge_dagster.kalshi.client import PRODUCTION_BASE_URL
from edge_dagster.settings import (
    DEFAULT_REPLAY_DIR,
    DEFAULT_TSA_BASE_URL,
    data_source_of,
    refuse_unsafe,
)
from edge_dagster.sources.kalshi_markets import (
    LiveKalshiMarkets,
    MarketHistory,
    ReplayKalshiMarkets,
)
from edge_dagster.sources.tsa import LiveTsaSource, ReplayTsaSource, TsaDailySource
from edge_dagster.sources.tsa_website import TsaWebsite


class DataSourcesResource(ConfigurableResource):
    """Point-in-time sources of a deployment (``settings.DEPLOYMENTS``): ``replay`` reads the
    replay folder and runs on ``as_of`` (EDGE_AS_OF) when set; every other deployment reads
    live data on the wall clock (``as_of`` is refused there)."""

    deployment: str = "replay"
    replay_dir: str = str(DEFAULT_REPLAY_DIR)
    as_of: str = ""
    tsa_base_url: str = DEFAULT_TSA_BASE_URL
    kalshi_market_data_url: str = PRODUCTION_BASE_URL
    """Where live market data is read (public endpoints, no key): the trading environment's."""

    def setup_for_execution(self, context: InitResourceContext) -> None:
        refuse_unsafe(self.deployment, self.as_of, os.environ)

    @property
    def data_source(self) -> str:
        """``replay`` or ``live``."""
        return data_source_of(self.deployment)

    def wall_clock(self) -> datetime:
        """The real time (tests override this method to inject a clock)."""
        return datetime.now(UTC)

    def now(self) -> datetime:
        """The run's "now": the replay clock in replay when set, else the wall clock."""
        if self.deployment == "replay" and self.as_of:
            return parse_as_of(self.as_of)
        return self.wall_clock()

    def kalshi_markets(self) -> MarketHistory:
        if self.data_source == "live":
            return LiveKalshiMarkets(KalshiClient(self.kalshi_market_data_url), self.now())
        return ReplayKalshiMarkets(self.replay_dir)

    def tsa(self) -> TsaDailySource:
        if self.data_source == "live":
            return LiveTsaSource(TsaWebsite(self.tsa_base_url), self.wall_clock)
        return ReplayTsaSource(self.replay_dir)
