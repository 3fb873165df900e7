"""Live fetch of tsa.gov passenger-volume pages (HTTP only; parsing is in ``core.tsa_page``).

tsa.gov sits behind Akamai: default client user agents get 403, and the edge throws
occasional 429/5xx, so requests carry a browser User-Agent and transient failures are retried
with bounded exponential backoff. A 403/404 will not fix itself and fails at once.
See ``shared/reference/tsa_nbm_formats.md`` §1.1 and §1.7.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

import pandas as pd
import requests

from edge_dagster.core.tsa_page import (
    COLUMNS,
    parse_tsa_page,
    validate_archive_year,
    validate_current_year_page,
)

BROWSER_HEADERS = {
    "User-Agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
    ),
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.9",
}
MAX_DELAY_SECONDS = 60.0
CURRENT_YEAR_PATH = "/travel/passenger-volumes"
_RETRYABLE_EXCEPTIONS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


class TsaFetchError(RuntimeError):
    """tsa.gov did not deliver a page; the message names the URL, the status and what to do."""

    def __init__(self, message: str, *, url: str, status: int | None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


def _retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if absent/invalid."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _client_error_advice(status: int) -> str:
    if status == 403:
        return (
            "tsa.gov's edge refused this client (it blocks default user agents and many cloud "
            "IP ranges); run from another network or use a mirror/archive.org copy"
        )
    if status == 404:
        return (
            "no such page; archive pages exist only for 2019..last year — check the year "
            "and the TSA base URL"
        )
    return "the request was rejected; check the TSA base URL and the page path"


class TsaWebsite:
    """Fetches and parses the current-year and archive-year passenger-volume pages."""

    def __init__(
        self,
        base_url: str = "https://www.tsa.gov",
        *,
        session: requests.Session | None = None,
        max_attempts: int = 4,
        backoff_seconds: float = 1.0,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``sleep`` is the wait between attempts; tests pass a recorder instead of waiting."""
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
        self.base_url = base_url.rstrip("/")
        self.session = session if session is not None else requests.Session()
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.timeout = timeout
        self._sleep = sleep

    @property
    def current_year_url(self) -> str:
        return f"{self.base_url}{CURRENT_YEAR_PATH}"

    def archive_year_url(self, year: int) -> str:
        return f"{self.base_url}{CURRENT_YEAR_PATH}/{year}"

    def current_year_page(self) -> pd.DataFrame:
        """The year-to-date page, parsed (not yet checked against a 'today')."""
        url = self.current_year_url
        return parse_tsa_page(self._get(url), url)

    def archive_year_page(self, year: int) -> pd.DataFrame:
        """A closed year's page, parsed and checked to cover exactly Jan 1..Dec 31."""
        url = self.archive_year_url(year)
        frame = parse_tsa_page(self._get(url), url)
        validate_archive_year(frame, year, url)
        return frame

    def daily_figures(self, start: date, end: date, today: date) -> pd.DataFrame:
        """Published rows with ``start <= travel_date <= end``, fetching each needed page once.

        Years before ``today``'s come from archive pages, ``today``'s year from the current
        page; later years have no page yet and contribute nothing. The current page only
        contributes rows of ``today``'s year, so a page not yet rolled over in early January
        cannot duplicate archive rows.
        """
        if start > end:
            raise ValueError(f"start {start} is after end {end}")
        frames: list[pd.DataFrame] = []
        for year in range(start.year, min(end.year, today.year) + 1):
            if year < today.year:
                frames.append(self.archive_year_page(year))
                continue
            page = self.current_year_page()
            validate_current_year_page(page, today, self.current_year_url)
            frames.append(page[[day.year == year for day in page["travel_date"]]])
        if not frames:
            return pd.DataFrame(
                {
                    "travel_date": pd.Series([], dtype="object"),
                    "travelers": pd.Series([], dtype="int64"),
                }
            )
        combined = pd.concat(frames, ignore_index=True)
        in_range = [start <= day <= end for day in combined["travel_date"]]
        return combined[in_range].reset_index(drop=True)[COLUMNS]

    def _get(self, url: str) -> str:
        """GET ``url`` with retries on 429/5xx and connection errors; other failures raise now."""
        attempt = 0
        while True:
            attempt += 1
            last_try = attempt >= self.max_attempts
            try:
                response = self.session.get(url, headers=BROWSER_HEADERS, timeout=self.timeout)
            except _RETRYABLE_EXCEPTIONS as error:
                if last_try:
                    raise TsaFetchError(
                        f"{url}: no response after {attempt} attempts ({error}); check network "
                        "access to tsa.gov or the TSA base URL, then retry",
                        url=url,
                        status=None,
                    ) from error
                self._sleep(self._backoff(attempt, None))
                continue
            status = response.status_code
            if 200 <= status < 300:
                return response.text
            if status != 429 and status < 500:
                raise TsaFetchError(
                    f"{url}: HTTP {status} {response.reason} — {_client_error_advice(status)}",
                    url=url,
                    status=status,
                )
            if last_try:
                raise TsaFetchError(
                    f"{url}: HTTP {status} {response.reason} on all {attempt} attempts — tsa.gov "
                    "is overloaded or down; retry later",
                    url=url,
                    status=status,
                )
            self._sleep(self._backoff(attempt, response.headers.get("Retry-After")))

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        """Exponential delay, lengthened to the server's Retry-After, never above the cap."""
        delay = self.backoff_seconds * 2 ** (attempt - 1)
        requested = _retry_after_seconds(retry_after)
        if requested is not None:
            delay = max(delay, requested)
        return min(delay, MAX_DELAY_SECONDS)
