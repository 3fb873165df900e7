"""One JSON GET for the public weather APIs (NWS, IEM, ACIS): transient failures (connection,
429, 5xx) are retried a bounded number of times, anything else fails at once naming the URL."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import requests

TIMEOUT_SECONDS = (10, 60)
RETRY_DELAYS_SECONDS = (1.0, 4.0)
_TRANSIENT_STATUS = {429, 500, 502, 503, 504}


class WeatherApiError(RuntimeError):
    """A weather API request that did not return usable JSON; the message names the URL."""


def get_json(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    retry_delays: tuple[float, ...] = RETRY_DELAYS_SECONDS,
) -> Any:
    problem = ""
    for delay in (*retry_delays, None):
        try:
            response = session.get(url, params=params, headers=headers, timeout=TIMEOUT_SECONDS)
        except (requests.ConnectionError, requests.Timeout) as error:
            problem = error.__class__.__name__
        else:
            if response.status_code == 200:
                try:
                    return response.json()
                except ValueError:
                    raise WeatherApiError(f"GET {response.url} did not return JSON") from None
            problem = f"HTTP {response.status_code}"
            if response.status_code not in _TRANSIENT_STATUS:
                raise WeatherApiError(f"GET {response.url} returned {problem}")
        if delay is None:
            break
        time.sleep(delay)
    raise WeatherApiError(f"GET {url} failed after {len(retry_delays) + 1} attempts: {problem}")
