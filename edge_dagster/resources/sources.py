"""Where data comes from (replay folder or live HTTP) and what "now" is, per deployment."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext

from edge_dagster.core.clock import parse_as_of
from edge_dagster.kalshi import KalshiClient
from edge_dagster.kalshi.client import PRODUCTION_BASE_URL
from edge_dagster.settings import (
    DEFAULT_NBM_AVAILABILITY_MINUTES,
    DEFAULT_REPLAY_DIR,
    DEFAULT_TSA_BASE_URL,
    DEFAULT_WEATHER_QUOTE_MAX_AGE_MINUTES,
    data_source_of,
    refuse_unsafe,
)
from edge_dagster.sources.kalshi_markets import (
    LiveKalshiMarkets,
    MarketHistory,
    ReplayKalshiMarkets,
)
from edge_dagster.sources.nbm import (
    DEFAULT_NBM_BASE_URL,
    NbmBulletinSource,
    ReplayPeakWindowHistory,
)
from edge_dagster.sources.nws import DEFAULT_NWS_BASE_URL, DEFAULT_NWS_USER_AGENT, NwsClient
from edge_dagster.sources.observed_highs import (
    DEFAULT_ACIS_BASE_URL,
    DEFAULT_IEM_BASE_URL,
    LiveObservedHighs,
    ObservedHighSource,
    ReplayObservedHighs,
)
from edge_dagster.sources.tsa import LiveTsaSource, ReplayTsaSource, TsaDailySource
from edge_dagster.sources.tsa_website import TsaWebsite
from edge_dagster.sources.weather_markets import ReplayWeatherMarkets

REPLAY_NBM_FOLDER = "nbm"
"""Replayed NBP bulletins live under ``<replay dir>/nbm/`` in the mirror's own layout."""


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
    nbm_base_url: str = DEFAULT_NBM_BASE_URL
    nws_base_url: str = DEFAULT_NWS_BASE_URL
    nws_user_agent: str = DEFAULT_NWS_USER_AGENT
    iem_base_url: str = DEFAULT_IEM_BASE_URL
    acis_base_url: str = DEFAULT_ACIS_BASE_URL
    nbm_availability_minutes: int = DEFAULT_NBM_AVAILABILITY_MINUTES
    """A bulletin (or the shipped day-ahead run) counts as public this long after its cycle."""
    weather_quote_max_age_minutes: int = DEFAULT_WEATHER_QUOTE_MAX_AGE_MINUTES
    """Replay: a taker print older than this at a decision is no quote."""

    def setup_for_execution(self, context: InitResourceContext) -> None:
        refuse_unsafe(self.deployment, self.as_of, os.environ)

    @property
    def data_source(self) -> str:
        """``replay`` or ``live``."""
        return data_source_of(self.deployment)

    def wall_clock(self) -> datetime:
        """The real time (tests override this method to inject a clock)."""
        return datetime.now(UTC)

    @property
    def live(self) -> bool:
        return self.data_source == "live"

    @property
    def nbm_availability(self) -> timedelta:
        return timedelta(minutes=self.nbm_availability_minutes)

    def now(self) -> datetime:
        """The run's "now": the replay clock in replay when set, else the wall clock."""
        if self.deployment == "replay" and self.as_of:
            return parse_as_of(self.as_of)
        return self.wall_clock()

    def kalshi_markets(self) -> MarketHistory:
        if self.live:
            return LiveKalshiMarkets(KalshiClient(self.kalshi_market_data_url), self.now())
        return ReplayKalshiMarkets(self.replay_dir)

    def weather_markets(self) -> MarketHistory | ReplayWeatherMarkets:
        """Daily-high markets: the recorded files and their trade bars, or Kalshi's API."""
        if self.live:
            return self.kalshi_markets()
        return ReplayWeatherMarkets(
            self.replay_dir, timedelta(minutes=self.weather_quote_max_age_minutes)
        )

    def tsa(self) -> TsaDailySource:
        if self.live:
            return LiveTsaSource(TsaWebsite(self.tsa_base_url), self.wall_clock)
        return ReplayTsaSource(self.replay_dir)

    def nbm_bulletins(self) -> NbmBulletinSource:
        if self.live:
            return NbmBulletinSource(self.nbm_base_url)
        return NbmBulletinSource(str(Path(self.replay_dir) / REPLAY_NBM_FOLDER))

    def nbm_peak_window_history(self) -> ReplayPeakWindowHistory | None:
        """The shipped day-ahead NBM history; live deployments have no source for it."""
        if self.live:
            return None
        return ReplayPeakWindowHistory(self.replay_dir, self.nbm_availability)

    def nws(self) -> NwsClient:
        return NwsClient(self.nws_base_url, self.nws_user_agent)

    def observed_highs(self) -> ObservedHighSource:
        if self.live:
            return LiveObservedHighs(self.iem_base_url, self.acis_base_url, self.nws())
        return ReplayObservedHighs(self.replay_dir)
