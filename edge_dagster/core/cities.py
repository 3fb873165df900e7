"""The seven daily-high cities: one line each, the only place a station or time zone is named.

Each Kalshi ``KXHIGH*`` series settles on one station's NWS Daily Climate Report (CLI), whose
climate day runs midnight to midnight local *standard* time. ``latitude``/``longitude`` are the
station's, for the NWS ``/points`` forecast (reference ``kalshi_api.md`` §7,
``tsa_nbm_formats.md`` §4).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class City:
    code: str
    """The partition key and the series suffix: ``KXHIGH`` + code."""
    series: str
    name: str
    station: str
    timezone: ZoneInfo
    latitude: float
    longitude: float

    @property
    def nws_location(self) -> str:
        """The CLI product's location id: the station without its ICAO ``K`` (``CLINYC``)."""
        return self.station[1:]


EASTERN = ZoneInfo("America/New_York")
CENTRAL = ZoneInfo("America/Chicago")
MOUNTAIN = ZoneInfo("America/Denver")
PACIFIC = ZoneInfo("America/Los_Angeles")

# fmt: off
CITIES: tuple[City, ...] = (
    City("AUS", "KXHIGHAUS", "Austin (Bergstrom)", "KAUS", CENTRAL, 30.1830, -97.6799),
    City("CHI", "KXHIGHCHI", "Chicago (Midway)", "KMDW", CENTRAL, 41.7842, -87.7553),
    City("DEN", "KXHIGHDEN", "Denver (International)", "KDEN", MOUNTAIN, 39.8466, -104.6562),
    City("LAX", "KXHIGHLAX", "Los Angeles (LAX)", "KLAX", PACIFIC, 33.9381, -118.3889),
    City("MIA", "KXHIGHMIA", "Miami (International)", "KMIA", EASTERN, 25.7906, -80.3164),
    City("NY", "KXHIGHNY", "New York (Central Park)", "KNYC", EASTERN, 40.7790, -73.9692),
    City("PHIL", "KXHIGHPHIL", "Philadelphia (International)", "KPHL", EASTERN, 39.8733, -75.2268),
)
# fmt: on

CITIES_BY_CODE: dict[str, City] = {city.code: city for city in CITIES}
CITIES_BY_STATION: dict[str, City] = {city.station: city for city in CITIES}
STATIONS: tuple[str, ...] = tuple(city.station for city in CITIES)


def city(code: str) -> City:
    """The city of a partition key, e.g. ``"CHI"``; unknown codes are named in the error."""
    if code not in CITIES_BY_CODE:
        raise ValueError(f"unknown weather city {code!r}: expected one of {sorted(CITIES_BY_CODE)}")
    return CITIES_BY_CODE[code]
