"""NWS Daily Climate Report (CLI) text → the day's observed maximum, preliminary or final.

Kalshi settles a daily-high market on the CLI's MAXIMUM for the climate day (midnight to
midnight local standard time). The office issues a preliminary report on the day itself (the
temperature section is headed ``TODAY``) and the final one after midnight (``YESTERDAY``); the
two are kept apart because only the final settles. Layout: ``tsa_nbm_formats.md`` §4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from edge_dagster.core.clock import UTC

_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "JANUARY",
            "FEBRUARY",
            "MARCH",
            "APRIL",
            "MAY",
            "JUNE",
            "JULY",
            "AUGUST",
            "SEPTEMBER",
            "OCTOBER",
            "NOVEMBER",
            "DECEMBER",
        ),  # fmt: skip
        start=1,
    )
}
_ZONE_OFFSETS = {
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10,
}  # fmt: skip
_PIL = re.compile(r"^CLI([A-Z0-9]{3})\s*$", re.MULTILINE)
_ISSUED = re.compile(
    r"^(\d{1,2})(\d{2}) (AM|PM) ([A-Z]{3,4}) [A-Z]{3} ([A-Z]{3}) (\d{1,2}) (\d{4})\s*$",
    re.MULTILINE,
)
_SUMMARY = re.compile(r"CLIMATE SUMMARY FOR ([A-Z]+) (\d{1,2}) (\d{4})")
_SECTION = re.compile(r"^TEMPERATURE \(F\)\s*\n\s*(YESTERDAY|TODAY)\b", re.MULTILINE)
_MAXIMUM = re.compile(r"^\s+MAXIMUM\s+(-?\d+|MM)(R?)(?:\s+(\d{1,4} [AP]M))?", re.MULTILINE)


class CliFormatError(ValueError):
    """A CLI product this parser cannot read safely (layout changed, section missing)."""


@dataclass(frozen=True)
class CliReport:
    location: str
    """The product's location id: ``NYC`` for CLINYC (Central Park)."""
    climate_date: date
    issued_at: datetime
    report: str
    """``final`` (issued after the climate day, section ``YESTERDAY``) or ``preliminary``."""
    maximum_f: int | None
    """None when the report says ``MM`` (missing)."""
    maximum_time: str | None
    record: bool


def _issued_at(text: str) -> datetime:
    match = _ISSUED.search(text)
    if match is None:
        raise CliFormatError("CLI product has no issuance line (e.g. '226 AM EDT SAT AUG 22 2026')")
    hour, minute, meridiem, zone, month, day, year = match.groups()
    if zone not in _ZONE_OFFSETS:
        raise CliFormatError(f"CLI issuance time zone {zone!r} is unknown")
    month_number = next((n for name, n in _MONTHS.items() if name.startswith(month)), None)
    if month_number is None:
        raise CliFormatError(f"CLI issuance month {month!r} is unknown")
    hour24 = int(hour) % 12 + (12 if meridiem == "PM" else 0)
    local = datetime(int(year), month_number, int(day), hour24, int(minute))
    return (local - timedelta(hours=_ZONE_OFFSETS[zone])).replace(tzinfo=UTC)


def parse_cli(text: str) -> CliReport:
    """Read the climate date, the report kind and the MAXIMUM of one CLI product."""
    pil = _PIL.search(text)
    if pil is None:
        raise CliFormatError("not a CLI product: no CLIxxx identifier line")
    summary = _SUMMARY.search(text)
    if summary is None or summary.group(1) not in _MONTHS:
        raise CliFormatError(f"CLI{pil.group(1)}: no 'CLIMATE SUMMARY FOR <MONTH> <D> <YYYY>'")
    climate_date = date(int(summary.group(3)), _MONTHS[summary.group(1)], int(summary.group(2)))
    section = _SECTION.search(text)
    if section is None:
        raise CliFormatError(f"CLI{pil.group(1)} {climate_date}: no TEMPERATURE (F) section")
    end = text.find("PRECIPITATION", section.end())
    maximum = _MAXIMUM.search(text, section.end(), end if end > 0 else len(text))
    if maximum is None:
        raise CliFormatError(f"CLI{pil.group(1)} {climate_date}: no MAXIMUM line")
    value, record, at = maximum.groups()
    return CliReport(
        location=pil.group(1),
        climate_date=climate_date,
        issued_at=_issued_at(text),
        report="final" if section.group(1) == "YESTERDAY" else "preliminary",
        maximum_f=None if value == "MM" else int(value),
        maximum_time=at,
        record=record == "R",
    )
