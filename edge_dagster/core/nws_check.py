"""The NWS sanity check: skip a city whose calibrated median disagrees with the NWS forecast.

A forecaster's daytime high for the climate date is an independent look at the same day; when
it and our calibrated median differ by more than ``max_difference_f`` something is off (a
stale bulletin, a station mix-up, a front the blend missed) and the city is not traded.
Historical NWS forecasts are not archived here, so a missing one is reported as such and the
caller decides (a backtest cannot apply the check).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

DEFAULT_MAX_DIFFERENCE_F = 4.0


@dataclass(frozen=True)
class ForecastPeriod:
    """One 12-hour period of an NWS point forecast."""

    name: str
    start: datetime
    end: datetime
    is_daytime: bool
    temperature_f: float


@dataclass(frozen=True)
class NwsCheck:
    verdict: str
    """``agree``, ``disagree`` (skip the city) or ``unavailable`` (no NWS high for the day)."""
    nws_high_f: float | None
    calibrated_median_f: float
    difference_f: float | None

    @property
    def skip(self) -> bool:
        return self.verdict == "disagree"


def nws_daytime_high(
    periods: Sequence[ForecastPeriod], climate_date: date, tz: ZoneInfo
) -> float | None:
    """The forecast high of the daytime period that starts on ``climate_date`` (local)."""
    for period in periods:
        if period.is_daytime and period.start.astimezone(tz).date() == climate_date:
            return period.temperature_f
    return None


def nws_check(
    nws_high_f: float | None,
    calibrated_median_f: float,
    max_difference_f: float = DEFAULT_MAX_DIFFERENCE_F,
) -> NwsCheck:
    """Compare the NWS high with our median; more than ``max_difference_f`` apart disagrees."""
    if nws_high_f is None:
        return NwsCheck("unavailable", None, calibrated_median_f, None)
    difference = nws_high_f - calibrated_median_f
    verdict = "disagree" if abs(difference) > max_difference_f else "agree"
    return NwsCheck(verdict, nws_high_f, calibrated_median_f, difference)
