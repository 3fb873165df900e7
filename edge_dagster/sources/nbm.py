"""NBP bulletins by cycle: streamed from the AWS open-data mirror (or NOMADS, or a folder laid
out like them), scanned once for every configured station.

``NBM_BASE_URL`` is the mirror's root; a cycle lives at
``blend.YYYYMMDD/HH/text/blend_nbptx.tHHz``. The same layout under a local folder (the replay
folder's ``nbm/``, or any path or ``file://`` URL) is read the same way, so a replay of more
cycles is a folder of downloaded bulletins.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import requests

from edge_dagster.core.nbm import (
    BulletinScan,
    DailyHighGuidance,
    daily_highs,
    parse_block,
    scan_bulletin,
)

DEFAULT_NBM_BASE_URL = "https://noaa-nbm-grib2-pds.s3.amazonaws.com"
CHUNK_BYTES = 1 << 20
TIMEOUT_SECONDS = (10, 60)
RETRY_DELAYS_SECONDS = (2, 10)


class NbmDownloadError(RuntimeError):
    """A cycle that could not be read: HTTP error, dropped connection, short body."""


class _ServerError(Exception):
    """A 5xx answer: worth another try."""


_TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    _ServerError,
)


@dataclass(frozen=True)
class ParsedBulletin:
    scan: BulletinScan
    highs: list[DailyHighGuidance]


def bulletin_path(cycle: datetime) -> str:
    return f"blend.{cycle:%Y%m%d}/{cycle:%H}/text/blend_nbptx.t{cycle:%H}z"


def parse_blocks(blocks: dict[str, str]) -> list[DailyHighGuidance]:
    """Daily highs of every kept block (a malformed block raises ``NbmFormatError``)."""
    return [high for text in blocks.values() for high in daily_highs(parse_block(text))]


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def parse_bulletin_file(path: Path, stations: Collection[str]) -> ParsedBulletin:
    scan = scan_bulletin(_file_chunks(path), stations)
    return ParsedBulletin(scan, parse_blocks(scan.blocks))


class NbmBulletinSource:
    """One NBP bulletin per cycle from ``base_url`` (HTTP(S), a folder, or ``file://``)."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        retry_delays: tuple[float, ...] = RETRY_DELAYS_SECONDS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.retry_delays = retry_delays

    @property
    def _folder(self) -> Path | None:
        if self.base_url.startswith(("http://", "https://")):
            return None
        return Path(self.base_url.removeprefix("file://"))

    def url(self, cycle: datetime) -> str:
        return f"{self.base_url}/{bulletin_path(cycle)}"

    def exists(self, cycle: datetime) -> bool:
        """Whether the cycle's bulletin is published (a HEAD request, or the file exists)."""
        folder = self._folder
        if folder is not None:
            return (folder / bulletin_path(cycle)).exists()
        try:
            response = self.session.head(self.url(cycle), timeout=TIMEOUT_SECONDS)
        except (requests.ConnectionError, requests.Timeout):
            return False
        return response.status_code == 200

    def fetch(self, cycle: datetime, stations: Collection[str]) -> BulletinScan | None:
        """Scan the cycle's bulletin for ``stations``; ``None`` when the cycle is not published
        (HTTP 404 or no file). A truncated or malformed bulletin raises ``NbmFormatError``."""
        folder = self._folder
        if folder is not None:
            path = folder / bulletin_path(cycle)
            return scan_bulletin(_file_chunks(path), stations) if path.exists() else None
        url = self.url(cycle)
        for attempt, delay in enumerate((*self.retry_delays, None), start=1):
            try:
                return self._download(url, stations)
            except _TRANSIENT as error:
                if delay is None:
                    raise NbmDownloadError(
                        f"GET {url} failed after {attempt} attempts: {error}"
                    ) from error
                time.sleep(delay)
        raise AssertionError("unreachable")

    def _download(self, url: str, stations: Collection[str]) -> BulletinScan | None:
        with self.session.get(url, stream=True, timeout=TIMEOUT_SECONDS) as response:
            if response.status_code == 404:
                return None
            if response.status_code >= 500:
                raise _ServerError(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise NbmDownloadError(f"GET {url} returned HTTP {response.status_code}")
            # urllib3 raises on a body shorter than its Content-Length (retried as transient);
            # a file that is itself cut short fails in the scan, naming the cut block.
            return scan_bulletin(response.iter_content(CHUNK_BYTES), stations)


PEAK_WINDOW_FILE = "weather/nbm_hrrr_peak_window_max_kmdw_kaus.csv"
PEAK_WINDOW_COLUMNS = [
    "station",
    "climate_date",
    "run_time",
    "available_at",
    "forecast_f",
    "source",
]


class ReplayPeakWindowHistory:
    """The shipped day-ahead NBM history (KMDW, KAUS): the max of hourly 2 m temperature over
    13–18 h local from the previous day's 12Z core run. It has no spread and is not the NBP
    bulletin, so it is calibrated on its own (``weather_calibration``), never with TXN rows.
    A row is public ``availability`` after its run."""

    def __init__(self, replay_dir: str | Path, availability: timedelta) -> None:
        self.path = Path(replay_dir) / PEAK_WINDOW_FILE
        self.availability = availability

    def forecasts(
        self, stations: Collection[str], start: date, end: date, as_of: datetime
    ) -> pd.DataFrame:
        if not self.path.exists():
            raise FileNotFoundError(
                f"{self.path}: replay file missing (see replay_data/SOURCES.md)"
            )
        raw = pd.read_csv(self.path)
        raw = raw[(raw["model"] == "nbm") & raw["station"].isin(list(stations))]
        days = pd.to_datetime(raw["climate_date"]).dt.date
        raw = raw[(days >= start) & (days <= end)]
        run_time = pd.to_datetime(raw["run_utc"], utc=True)
        frame = pd.DataFrame(
            {
                "station": raw["station"],
                "climate_date": days[raw.index],
                "run_time": run_time,
                "available_at": run_time + self.availability,
                "forecast_f": raw["peak_window_max_f"].astype(float),
                "source": f"replay:{self.path.name}",
            }
        )
        return frame[frame["available_at"] <= pd.Timestamp(as_of)][PEAK_WINDOW_COLUMNS]
