"""Kalshi ticker math and strike semantics for the TSA-weekly and daily-high markets.

Tickers are ``SERIES-YYMONDD[-STRIKE]`` (``shared/reference/kalshi_api.md`` §7). Tickers name
markets; what a market pays is decided by ``strike_type``/``floor_strike``/``cap_strike`` only,
because ticker text (``T81``, ``B81.5``) does not say whether a bound is inclusive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from edge_dagster.core.cities import CITIES, City

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_EVENT_RE = re.compile(r"^([A-Z]+)-(\d{2})([A-Z]{3})(\d{2})$")

TSA_SERIES = "KXTSAW"
TSA_LEGACY_SERIES = "TSAW"
# Kalshi renamed TSAW to KXTSAW between these weeks: the settled markets of 2022–2025
# (replay_data/kalshi_tsaw_markets_2022_2025.csv) end TSAW with the week ending 2024-10-20 and
# begin KXTSAW with the week ending 2024-10-27.
KXTSAW_FIRST_WEEK_SUNDAY = date(2024, 10, 27)
TSA_STRIKE_STEP = 10_000
"""Strikes are quoted in millions with two decimals (``A2.45``), i.e. multiples of 10,000."""
_TSA_MARKET_RE = re.compile(r"^(.+)-A(\d+\.\d{2})$")


@dataclass(frozen=True)
class TsaMarket:
    """A parsed TSA market ticker."""

    series: str
    week_sunday: date
    strike_travelers: int


HIGH_TEMP_SERIES: dict[str, City] = {city.series: city for city in CITIES}
HIGH_TEMP_LEGACY_PREFIX = "KX"
KXHIGH_FIRST_EVENT_DATE = date(2024, 10, 24)
"""Daily-high events before this date carry the old tickers (``HIGHNY-24OCT19``; the series is
``KXHIGHNY`` in Kalshi's event metadata all along)."""

RULE_TO_STRIKE_TYPE: dict[str, str] = {"avg_strictly_greater_than_strike": "greater"}
"""The recorded TSAW CSV's ``rule`` column in Kalshi ``strike_type`` words."""


def format_event_ticker(series: str, day: date) -> str:
    """``SERIES-YYMONDD``; months spelled out here so the result never depends on the locale."""
    return f"{series}-{day:%y}{_MONTHS[day.month - 1]}{day:%d}"


def parse_event_ticker(ticker: str) -> tuple[str, date]:
    """(series, date) of an event ticker such as ``KXHIGHNY-26OCT02``."""
    match = _EVENT_RE.match(ticker)
    if match is None or match.group(3) not in _MONTHS:
        raise ValueError(f"not an event ticker: {ticker!r}")
    series, yy, mon, dd = match.groups()
    return series, date(2000 + int(yy), _MONTHS.index(mon) + 1, int(dd))


def tsa_event_ticker(week_sunday: date) -> str:
    """Event ticker of the Mon–Sun TSA week ending ``week_sunday``, in the series of its era."""
    if week_sunday.weekday() != 6:
        raise ValueError(f"{week_sunday} is not a Sunday")
    series = TSA_SERIES if week_sunday >= KXTSAW_FIRST_WEEK_SUNDAY else TSA_LEGACY_SERIES
    return format_event_ticker(series, week_sunday)


def tsa_market_ticker(event_ticker: str, strike_travelers: int) -> str:
    """Market ticker ``<event>-A<millions, two decimals>``, e.g. 2,450,000 → ``-A2.45``."""
    if strike_travelers <= 0 or strike_travelers % TSA_STRIKE_STEP:
        raise ValueError(f"TSA strike {strike_travelers} is not a positive multiple of 10,000")
    return f"{event_ticker}-A{Decimal(strike_travelers).scaleb(-6):.2f}"


def parse_tsa_market_ticker(ticker: str) -> TsaMarket:
    """Inverse of ``tsa_market_ticker(tsa_event_ticker(...), ...)``."""
    match = _TSA_MARKET_RE.match(ticker)
    if match is None:
        raise ValueError(f"not a TSA market ticker: {ticker!r}")
    series, week_sunday = parse_event_ticker(match.group(1))
    if series not in (TSA_SERIES, TSA_LEGACY_SERIES) or week_sunday.weekday() != 6:
        raise ValueError(f"not a TSA market ticker: {ticker!r}")
    return TsaMarket(series, week_sunday, int(Decimal(match.group(2)).scaleb(6)))


def high_temp_event_ticker(series: str, day: date) -> str:
    """Event ticker of one city-day, e.g. ``KXHIGHNY-26OCT02`` (``HIGHNY-24OCT19`` before
    2024-10-24); only the seven traded series."""
    if series not in HIGH_TEMP_SERIES:
        raise ValueError(f"unknown high-temperature series {series!r}")
    if day < KXHIGH_FIRST_EVENT_DATE:
        series = series.removeprefix(HIGH_TEMP_LEGACY_PREFIX)
    return format_event_ticker(series, day)


def strike_type_for_rule(rule: str) -> str:
    """Kalshi ``strike_type`` of a recorded CSV ``rule``."""
    if rule not in RULE_TO_STRIKE_TYPE:
        raise ValueError(f"unknown market rule {rule!r}")
    return RULE_TO_STRIKE_TYPE[rule]


def contract_pays_yes(
    strike_type: str,
    floor: Decimal | float | None,
    cap: Decimal | float | None,
    value: Decimal | float,
) -> bool:
    """Whether a market settles YES for the observed ``value``; ``between`` is inclusive."""
    if strike_type in ("greater", "greater_or_equal", "between") and floor is None:
        raise ValueError(f"strike_type {strike_type!r} needs floor_strike")
    if strike_type in ("less", "less_or_equal", "between") and cap is None:
        raise ValueError(f"strike_type {strike_type!r} needs cap_strike")
    if strike_type == "greater":
        return value > floor
    if strike_type == "greater_or_equal":
        return value >= floor
    if strike_type == "less":
        return value < cap
    if strike_type == "less_or_equal":
        return value <= cap
    if strike_type == "between":
        return floor <= value <= cap
    raise ValueError(f"unsupported strike_type {strike_type!r}")
