"""Every environment variable the project reads, with its default, in one place.

The README's configuration table mirrors this module. Secrets (Kalshi keys) are not here:
the Kalshi resource reads them only when it needs them, so they never enter run config.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from edge_dagster.core.clock import UTC, parse_as_of
from edge_dagster.kalshi.client import DEMO_BASE_URL, PRODUCTION_BASE_URL
from edge_dagster.sources.nbm import DEFAULT_NBM_BASE_URL
from edge_dagster.sources.nws import DEFAULT_NWS_BASE_URL, DEFAULT_NWS_USER_AGENT
from edge_dagster.sources.observed_highs import DEFAULT_ACIS_BASE_URL, DEFAULT_IEM_BASE_URL

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DUCKDB_PATH = PROJECT_ROOT / "var" / "edge.duckdb"
DEFAULT_REPLAY_DIR = PROJECT_ROOT / "replay_data"
DEFAULT_TSA_BASE_URL = "https://www.tsa.gov"
DATA_SOURCES = ("replay", "live")
DEFAULT_NBM_AVAILABILITY_MINUTES = 90
DEFAULT_WEATHER_QUOTE_MAX_AGE_MINUTES = 180


def _positive_minutes(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) <= 0:
        raise ValueError(f"{name}={text!r}: expected a positive whole number of minutes")
    return int(text)


@dataclass(frozen=True)
class Settings:
    duckdb_path: str
    data_source: str
    replay_dir: str
    as_of: str
    tsa_base_url: str
    kalshi_env: str
    kalshi_api_base: str
    nbm_base_url: str = DEFAULT_NBM_BASE_URL
    nws_base_url: str = DEFAULT_NWS_BASE_URL
    nws_user_agent: str = DEFAULT_NWS_USER_AGENT
    iem_base_url: str = DEFAULT_IEM_BASE_URL
    acis_base_url: str = DEFAULT_ACIS_BASE_URL
    nbm_availability_minutes: int = DEFAULT_NBM_AVAILABILITY_MINUTES
    weather_quote_max_age_minutes: int = DEFAULT_WEATHER_QUOTE_MAX_AGE_MINUTES

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
            nbm_base_url=os.environ.get("NBM_BASE_URL", DEFAULT_NBM_BASE_URL).rstrip("/"),
            nws_base_url=os.environ.get("NWS_BASE_URL", DEFAULT_NWS_BASE_URL).rstrip("/"),
            nws_user_agent=os.environ.get("NWS_USER_AGENT", DEFAULT_NWS_USER_AGENT).strip()
            or DEFAULT_NWS_USER_AGENT,
            iem_base_url=os.environ.get("IEM_BASE_URL", DEFAULT_IEM_BASE_URL).rstrip("/"),
            acis_base_url=os.environ.get("ACIS_BASE_URL", DEFAULT_ACIS_BASE_URL).rstrip("/"),
            nbm_availability_minutes=_positive_minutes(
                "NBM_AVAILABILITY_MINUTES", DEFAULT_NBM_AVAILABILITY_MINUTES
            ),
            weather_quote_max_age_minutes=_positive_minutes(
                "WEATHER_QUOTE_MAX_AGE_MINUTES", DEFAULT_WEATHER_QUOTE_MAX_AGE_MINUTES
            ),
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
