"""api.weather.gov: the point forecast (for the NWS sanity check) and raw CLI products.

The API refuses requests without a ``User-Agent`` naming the caller (``NWS_USER_AGENT``). The
forecast is two hops: ``/points/{lat},{lon}`` names the grid's forecast URL in
``properties.forecast``, whose ``properties.periods`` are 12-hour day/night periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import requests

from edge_dagster.core.clock import UTC
from edge_dagster.core.nws_check import ForecastPeriod
from edge_dagster.sources.http_json import RETRY_DELAYS_SECONDS, WeatherApiError, get_json

DEFAULT_NWS_BASE_URL = "https://api.weather.gov"
DEFAULT_NWS_USER_AGENT = "edge_dagster/0.1 (Kalshi daily-high pricing; set NWS_USER_AGENT)"


@dataclass(frozen=True)
class CliProduct:
    product_id: str
    issued_at: datetime


def _temperature_f(period: dict) -> float:
    """``temperature`` is a number with ``temperatureUnit``, or a {unitCode, value} object."""
    value = period.get("temperature")
    if isinstance(value, dict):
        unit, number = value.get("unitCode", ""), value.get("value")
    else:
        unit, number = period.get("temperatureUnit", "F"), value
    if number is None:
        raise WeatherApiError(f"forecast period {period.get('name')!r} has no temperature")
    if unit in ("C", "wmoUnit:degC"):
        return float(number) * 9 / 5 + 32
    if unit not in ("F", "wmoUnit:degF"):
        raise WeatherApiError(f"forecast period {period.get('name')!r}: unknown unit {unit!r}")
    return float(number)


class NwsClient:
    def __init__(
        self,
        base_url: str = DEFAULT_NWS_BASE_URL,
        user_agent: str = DEFAULT_NWS_USER_AGENT,
        session: requests.Session | None = None,
        retry_delays: tuple[float, ...] = RETRY_DELAYS_SECONDS,
    ) -> None:
        if not user_agent.strip():
            raise ValueError("api.weather.gov requires a User-Agent: set NWS_USER_AGENT")
        self.base_url = base_url.rstrip("/")
        self.user_agent = user_agent
        self.session = session or requests.Session()
        self.retry_delays = retry_delays

    def _get(self, url: str) -> dict:
        if url.startswith("/"):
            url = self.base_url + url
        headers = {"User-Agent": self.user_agent, "Accept": "application/geo+json"}
        return get_json(self.session, url, headers=headers, retry_delays=self.retry_delays)

    def forecast_periods(self, latitude: float, longitude: float) -> list[ForecastPeriod]:
        """The 12-hour forecast periods at a point (about seven days)."""
        point = self._get(f"/points/{latitude:.4f},{longitude:.4f}")
        forecast_url = (point.get("properties") or {}).get("forecast")
        if not forecast_url:
            raise WeatherApiError(f"/points/{latitude:.4f},{longitude:.4f} names no forecast URL")
        periods = (self._get(forecast_url).get("properties") or {}).get("periods")
        if not isinstance(periods, list):
            raise WeatherApiError(f"{forecast_url} has no properties.periods list")
        try:
            return [
                ForecastPeriod(
                    name=str(p.get("name", "")),
                    start=datetime.fromisoformat(p["startTime"]),
                    end=datetime.fromisoformat(p["endTime"]),
                    is_daytime=bool(p["isDaytime"]),
                    temperature_f=_temperature_f(p),
                )
                for p in periods
            ]
        except (KeyError, TypeError, ValueError) as error:
            raise WeatherApiError(
                f"{forecast_url}: a period lacks startTime/endTime/isDaytime"
            ) from error

    def cli_products(self, location: str) -> list[CliProduct]:
        """The CLI products the API still lists for a location (``NYC``), newest first."""
        listing = self._get(f"/products/types/CLI/locations/{location}")
        try:
            return [
                CliProduct(item["id"], datetime.fromisoformat(item["issuanceTime"]).astimezone(UTC))
                for item in listing.get("@graph", [])
            ]
        except (KeyError, TypeError, ValueError) as error:
            raise WeatherApiError(f"CLI product list for {location} is malformed") from error

    def product_text(self, product_id: str) -> str:
        text = self._get(f"/products/{product_id}").get("productText")
        if not isinstance(text, str):
            raise WeatherApiError(f"/products/{product_id} has no productText")
        return text
