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
from edge_dagster.errors import ConfigurationError
from edge_dagster.kalshi.client import DEMO_BASE_URL, PRODUCTION_BASE_URL

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DUCKDB_PATH = PROJECT_ROOT / "var" / "edge.duckdb"
DEFAULT_REPLAY_DIR = PROJECT_ROOT / "replay_data"
DEFAULT_TSA_BASE_URL = "https://www.tsa.gov"
DATA_SOURCES = ("replay", "live")


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
            raise ConfigurationError(
                f"EDGE_DATA_SOURCE={data_source!r}: expected one of {', '.join(DATA_SOURCES)}"
            )
        as_of = os.environ.get("EDGE_AS_OF", "").strip()
        if as_of:
            parse_as_of_setting(as_of)  # fail at load time, not in the middle of a run
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


def parse_as_of_setting(as_of: str) -> datetime:
    """``EDGE_AS_OF`` as an instant, or an error that names the variable and the accepted form."""
    try:
        return parse_as_of(as_of)
    except ValueError:
        raise ConfigurationError(
            f"EDGE_AS_OF={as_of!r} is not an ISO-8601 instant: use e.g. "
            "2026-04-20T12:00:00-04:00 or 2026-04-20T12:00 (naive = America/New_York), "
            "or leave it unset for the wall clock"
        ) from None


def resolve_now(as_of: str) -> datetime:
    """The configured "now": ``as_of`` when set (replays), else the wall clock."""
    return parse_as_of_setting(as_of) if as_of else datetime.now(UTC)
