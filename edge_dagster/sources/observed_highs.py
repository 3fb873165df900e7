"""Observed daily highs, point in time: the shipped file (replay) or the public archives (live).

Every row says which report it is (``final`` settles; ``preliminary`` is the same-day CLI) and
when it became public (``available_at``). Sources, best first for settlement:

* ``kalshi_expiration_value`` (replay only): what Kalshi settled on, public at settlement;
* ``nws_cli``: the CLI text from api.weather.gov, parsed here (recent days only; the API keeps
  a few days of products);
* ``iem_cli``: IEM's parse of the CLI (``/json/cli.py``), the history path;
* ``rcc_acis``: ACIS ``StnData maxt``;
* ``ncei_ghcnd_*``: GHCN-Daily calendar-day TMAX (replay only; not settlement grade).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

import pandas as pd
import requests

from edge_dagster.core.cities import CITIES_BY_STATION
from edge_dagster.core.cli import parse_cli
from edge_dagster.core.clock import UTC
from edge_dagster.core.weather_clock import observed_high_known_at, standard_offset
from edge_dagster.sources.http_json import WeatherApiError, get_json
from edge_dagster.sources.nws import NwsClient

OBSERVED_FILE = "weather/observed_daily_high.csv"
MARKETS_FILE = "weather/kalshi_kxhigh_markets.csv"
DEFAULT_IEM_BASE_URL = "https://mesonet.agron.iastate.edu"
DEFAULT_ACIS_BASE_URL = "https://data.rcc-acis.org"
NWS_CLI_LOOKBACK = timedelta(days=7)
COLUMNS = [
    "station", "climate_date", "source", "report", "high_f", "issued_at", "available_at", "origin",
]  # fmt: skip


class ObservedHighSource(Protocol):
    def observed_highs(
        self, stations: Collection[str], start: date, end: date, as_of: datetime
    ) -> pd.DataFrame:
        """Highs of ``stations`` for climate days ``start..end`` public at ``as_of``."""
        ...


def _known_at(station: str, day: date) -> datetime:
    return observed_high_known_at(day, CITIES_BY_STATION[station].timezone)


class ReplayObservedHighs:
    """``observed_daily_high.csv``; Kalshi's settled values become public at the event's
    recorded settlement time, every other final value the next morning (07:00 LST)."""

    def __init__(self, replay_dir: str | Path) -> None:
        self.folder = Path(replay_dir)

    def observed_highs(
        self, stations: Collection[str], start: date, end: date, as_of: datetime
    ) -> pd.DataFrame:
        path = self.folder / OBSERVED_FILE
        if not path.exists():
            raise FileNotFoundError(f"{path}: replay file missing (see replay_data/SOURCES.md)")
        raw = pd.read_csv(path)
        raw["climate_date"] = pd.to_datetime(raw["climate_date"]).dt.date
        raw = raw[
            raw["station"].isin(list(stations))
            & (raw["climate_date"] >= start)
            & (raw["climate_date"] <= end)
        ]
        markets = pd.read_csv(
            self.folder / MARKETS_FILE,
            usecols=["station", "climate_date", "expected_expiration_time"],
        ).drop_duplicates(["station", "climate_date"])
        settled = {
            (row.station, date.fromisoformat(row.climate_date)): pd.Timestamp(
                row.expected_expiration_time
            ).to_pydatetime()
            for row in markets.itertuples()
        }
        available = [
            settled.get((s, d), _known_at(s, d))
            if source == "kalshi_expiration_value"
            else _known_at(s, d)
            for s, d, source in zip(raw["station"], raw["climate_date"], raw["source"], strict=True)
        ]
        frame = pd.DataFrame(
            {
                "station": raw["station"].to_numpy(),
                "climate_date": raw["climate_date"].to_numpy(),
                "source": raw["source"].to_numpy(),
                "report": "final",
                "high_f": raw["tmax_f"].astype(int).to_numpy(),
                "issued_at": None,
                "available_at": pd.to_datetime(available, utc=True),
                "origin": f"replay:{path.name}",
            }
        )
        return frame[frame["available_at"] <= pd.Timestamp(as_of)][COLUMNS].reset_index(drop=True)


def _report_kind(station: str, day: date, issued_at: datetime) -> str:
    """A CLI issued after the climate day (local standard time) is the final one."""
    local = issued_at + standard_offset(CITIES_BY_STATION[station].timezone)
    return "final" if local.date() > day else "preliminary"


def _integer(value: object) -> int | None:
    """An archive value as an integer °F; ``M`` (missing) and blanks are None."""
    text = str(value).strip()
    if text in ("", "M", "None"):
        return None
    return int(float(text))


class LiveObservedHighs:
    """IEM's CLI archive and ACIS for history, plus the NWS CLI text for the last week."""

    def __init__(
        self,
        iem_base_url: str,
        acis_base_url: str,
        nws: NwsClient,
        session: requests.Session | None = None,
    ) -> None:
        self.iem_base_url = iem_base_url.rstrip("/")
        self.acis_base_url = acis_base_url.rstrip("/")
        self.nws = nws
        self.session = session or requests.Session()

    def observed_highs(
        self, stations: Collection[str], start: date, end: date, as_of: datetime
    ) -> pd.DataFrame:
        rows: list[dict] = []
        for station in stations:
            rows += self._iem(station, start, end)
            rows += self._acis(station, start, end)
            if as_of - datetime.combine(end, datetime.min.time(), UTC) <= NWS_CLI_LOOKBACK:
                rows += self._nws_cli(station, start, end)
        frame = pd.DataFrame(rows, columns=COLUMNS)
        if frame.empty:
            return frame
        frame["available_at"] = pd.to_datetime(frame["available_at"], utc=True)
        frame = frame[frame["available_at"] <= pd.Timestamp(as_of)]
        # A day can have several products of one kind (corrections): the latest one stands.
        key = ["station", "climate_date", "source", "report"]
        return (
            frame.sort_values("available_at")
            .drop_duplicates(key, keep="last")
            .reset_index(drop=True)
        )

    def _iem(self, station: str, start: date, end: date) -> list[dict]:
        url = f"{self.iem_base_url}/json/cli.py"
        rows = []
        for year in range(start.year, end.year + 1):
            payload = get_json(self.session, url, params={"station": station, "year": year})
            if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
                raise WeatherApiError(f"{url}?station={station}&year={year}: no results list")
            for item in payload["results"]:
                day = date.fromisoformat(item["valid"])
                high = _integer(item.get("high"))
                if not start <= day <= end or high is None:
                    continue
                product = str(item.get("link", "")).rsplit("/", 1)[-1]
                issued = _product_time(product)
                rows.append(
                    {
                        "station": station,
                        "climate_date": day,
                        "source": "iem_cli",
                        "report": _report_kind(station, day, issued) if issued else "final",
                        "high_f": high,
                        "issued_at": issued,
                        "available_at": issued or _known_at(station, day),
                        "origin": f"{url}?station={station}&year={year}",
                    }
                )
        return rows

    def _acis(self, station: str, start: date, end: date) -> list[dict]:
        url = f"{self.acis_base_url}/StnData"
        params = {
            "sid": station,
            "sdate": start.isoformat(),
            "edate": end.isoformat(),
            "elems": "maxt",
            "output": "json",
        }
        payload = get_json(self.session, url, params=params)
        if not isinstance(payload, dict) or "data" not in payload:
            raise WeatherApiError(f"{url} for {station}: {payload.get('error', 'no data list')}")
        rows = []
        for day_text, value in payload["data"]:
            high = _integer(value)
            if high is None:
                continue
            day = date.fromisoformat(day_text)
            rows.append(
                {
                    "station": station,
                    "climate_date": day,
                    "source": "rcc_acis",
                    "report": "final",
                    "high_f": high,
                    "issued_at": None,
                    "available_at": _known_at(station, day),
                    "origin": url,
                }
            )
        return rows

    def _nws_cli(self, station: str, start: date, end: date) -> list[dict]:
        location = CITIES_BY_STATION[station].nws_location
        rows = []
        issued_after = datetime.combine(start, datetime.min.time(), UTC)
        for product in self.nws.cli_products(location):
            if product.issued_at < issued_after:
                continue
            report = parse_cli(self.nws.product_text(product.product_id))
            if not start <= report.climate_date <= end or report.maximum_f is None:
                continue
            rows.append(
                {
                    "station": station,
                    "climate_date": report.climate_date,
                    "source": "nws_cli",
                    "report": report.report,
                    "high_f": report.maximum_f,
                    "issued_at": report.issued_at,
                    "available_at": report.issued_at,
                    "origin": f"{self.nws.base_url}/products/{product.product_id}",
                }
            )
        return rows


def _product_time(product_id: str) -> datetime | None:
    """IEM product ids start with the issuance time: ``202608220626-KOKX-CDUS41-CLINYC``."""
    stamp = product_id.split("-", 1)[0]
    if len(stamp) != 12 or not stamp.isdigit():
        return None
    return datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=UTC)
