"""Where data comes from (replay folder or live HTTP) and what "now" is."""

from datetime import datetime

from dagster import ConfigurableResource

from edge_dagster.kalshi import KalshiClient
from edge_dagster.kalshi.client import PRODUCTION_BASE_URL
from edge_dagster.settings import (
    DATA_SOURCES,
    DEFAULT_REPLAY_DIR,
    DEFAULT_TSA_BASE_URL,
    resolve_now,
)
from edge_dagster.sources.kalshi_markets import (
    LiveKalshiMarkets,
    MarketHistory,
    ReplayKalshiMarkets,
)
from edge_dagster.sources.tsa import LiveTsaSource, ReplayTsaSource, TsaDailySource
from edge_dagster.sources.tsa_website import TsaWebsite


class DataSourcesResource(ConfigurableResource):
    """Point-in-time sources. ``as_of`` (ISO-8601, EDGE_AS_OF) fixes "now" for replays."""

    data_source: str = "replay"
    replay_dir: str = str(DEFAULT_REPLAY_DIR)
    as_of: str = ""
    tsa_base_url: str = DEFAULT_TSA_BASE_URL
    kalshi_market_data_url: str = PRODUCTION_BASE_URL
    """Where live market data is read (public endpoints, no key): the trading environment's."""

    def setup_for_execution(self, context) -> None:  # noqa: ANN001 - Dagster's signature
        if self.data_source not in DATA_SOURCES:
            raise ValueError(f"data_source={self.data_source!r}: expected one of {DATA_SOURCES}")

    def now(self) -> datetime:
        return resolve_now(self.as_of)

    def kalshi_markets(self) -> MarketHistory:
        if self.data_source == "live":
            return LiveKalshiMarkets(KalshiClient(self.kalshi_market_data_url), self.now())
        return ReplayKalshiMarkets(self.replay_dir)

    def tsa(self) -> TsaDailySource:
        if self.data_source == "live":
            return LiveTsaSource(TsaWebsite(self.tsa_base_url))
        return ReplayTsaSource(self.replay_dir)
