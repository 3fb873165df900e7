"""Parse tsa.gov "TSA checkpoint travel numbers" pages into a daily travelers table.

Pure (no I/O): the live fetch lives in ``edge_dagster.sources.tsa_website``. The page is a
plain HTML table whose CSS classes changed several times (views tables, rich-text tables),
so the table is found by its header texts. Every failure raises ``TsaPageError`` and
returns nothing: a half-parsed page must never reach storage, because a missing or mangled
day silently shifts weekly averages. Formats: ``shared/reference/tsa_nbm_formats.md`` §1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from bs4 import BeautifulSoup, Tag

COLUMNS = ["travel_date", "travelers"]
MAX_PLAUSIBLE_TRAVELERS = 5_000_000

_DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_NUMBER_RE = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_YEAR_RE = re.compile(r"(?:19|20)\d{2}")
_THROUGHPUT_2020 = "total traveler throughput"


class TsaPageError(ValueError):
    """The page cannot be trusted as a complete, well-formed set of daily figures."""


@dataclass(frozen=True)
class _Layout:
    """Which cell holds a row's travelers count.

    ``value_column`` is fixed for the two-column and 2020 layouts; for the wide layout it is
    None and ``year_columns`` maps header year -> column, because the other year columns
    hold same-WEEKDAY figures of earlier years, not the same date.
    """

    name: str
    value_column: int | None
    year_columns: dict[int, int]


def parse_tsa_page(html: str, url: str) -> pd.DataFrame:
    """Return ``travel_date`` (datetime.date) and ``travelers`` (int64), one row per day, ascending.

    Raises ``TsaPageError`` naming ``url`` if the page is truncated, has no (or more than one)
    data table, holds an unreadable or implausible cell, or its dates are not one contiguous
    daily run.
    """
    _require_complete_document(html, url)
    table, layout = _find_data_table(BeautifulSoup(html, "html.parser"), url)
    records = _read_rows(table, layout, url)
    if not records:
        raise TsaPageError(f"{url}: the Date table has no data rows — the page is empty or changed")
    frame = pd.DataFrame(records, columns=COLUMNS).astype({"travelers": "int64"})
    frame = frame.sort_values("travel_date", kind="stable", ignore_index=True)
    _require_unique_contiguous(frame, url)
    return frame


def validate_archive_year(df: pd.DataFrame, year: int, url: str) -> None:
    """Raise ``TsaPageError`` unless ``df`` covers exactly Jan 1..Dec 31 of ``year``, one row a day.

    An archive page is a closed year; anything less means the wrong page or a cut table.
    """
    first, last = date(year, 1, 1), date(year, 12, 31)
    expected_days = (last - first).days + 1
    dates = list(df["travel_date"])
    if not dates or dates[0] != first or dates[-1] != last or len(set(dates)) != expected_days:
        span = f"{dates[0]}..{dates[-1]} ({len(dates)} rows)" if dates else "no rows"
        raise TsaPageError(
            f"{url}: archive page for {year} covers {span}, expected {first}..{last} "
            f"({expected_days} rows) — wrong year in the URL or an incomplete archive page"
        )


def validate_current_year_page(df: pd.DataFrame, today: date, url: str) -> None:
    """Raise ``TsaPageError`` unless ``df`` looks like a year-to-date page as seen on ``today``.

    A date after ``today`` means a wrong clock or a wrong page; a run not starting Jan 1 or
    spanning two years means rows were cut or another page was served.
    """
    dates = list(df["travel_date"])
    if not dates:
        raise TsaPageError(f"{url}: the current-year page has no rows")
    if dates[-1] > today:
        raise TsaPageError(
            f"{url}: newest date {dates[-1]} lies after today ({today}) — check the "
            "clock/'today' passed in, or whether a different page was served"
        )
    if dates[0] != date(dates[0].year, 1, 1) or dates[-1].year != dates[0].year:
        raise TsaPageError(
            f"{url}: the current-year page covers {dates[0]}..{dates[-1]}, expected Jan 1 to the "
            "latest published day of one year — the table was cut or the page changed"
        )


def _require_complete_document(html: str, url: str) -> None:
    lowered = html.lower()
    if "</html>" not in lowered:
        raise TsaPageError(
            f"{url}: page is truncated (no closing </html>) — the download was cut; retry"
        )
    opened = len(re.findall(r"<table[\s>]", lowered))
    if opened > lowered.count("</table>"):
        raise TsaPageError(
            f"{url}: page is truncated (a <table> has no closing </table>) — the download "
            "was cut or the page is malformed; retry"
        )


def _cell_text(cell: Tag) -> str:
    return " ".join(cell.get_text(" ").split())


def _header_texts(table: Tag) -> list[str]:
    for row in table.find_all("tr"):
        headers = row.find_all("th")
        if headers:
            return [_cell_text(header) for header in headers]
    return []


def _layout_for(headers: list[str]) -> _Layout | None:
    """Recognise the known header sets; None means "not the data table"."""
    folded = [header.casefold() for header in headers]
    if len(folded) < 2 or folded[0] != "date":
        return None
    if folded[1:] == ["numbers"]:
        return _Layout("Date|Numbers", 1, {})
    if folded[1] == _THROUGHPUT_2020:
        return _Layout("Date|Total Traveler Throughput|…", 1, {})
    if all(_YEAR_RE.fullmatch(header) for header in folded[1:]):
        return _Layout("Date|YYYY|…", None, {int(h): i for i, h in enumerate(folded) if i > 0})
    return None


def _find_data_table(soup: BeautifulSoup, url: str) -> tuple[Tag, _Layout]:
    matches: list[tuple[Tag, _Layout]] = []
    for table in soup.find_all("table"):
        layout = _layout_for(_header_texts(table))
        if layout is not None:
            matches.append((table, layout))
    if not matches:
        raise TsaPageError(
            f"{url}: no table with headers Date/Numbers (or an older Date/year layout) — "
            "the page layout changed or an error page was served; update the parser"
        )
    if len(matches) > 1:
        raise TsaPageError(
            f"{url}: {len(matches)} tables have Date/Numbers-style headers — ambiguous; "
            "the page layout changed, update the parser"
        )
    return matches[0]


def _parse_date(text: str) -> date | None:
    match = _DATE_RE.fullmatch(text)
    if match is None:
        return None
    month, day, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _read_rows(table: Tag, layout: _Layout, url: str) -> list[tuple[date, int]]:
    records: list[tuple[date, int]] = []
    data_rows = [row for row in table.find_all("tr") if row.find("td") is not None]
    for number, row in enumerate(data_rows, start=1):
        cells = [_cell_text(cell) for cell in row.find_all(["td", "th"])]
        where = f"{url}: row {number} {cells!r}"
        travel_date = _parse_date(cells[0])
        if travel_date is None:
            raise TsaPageError(f"{where}: date {cells[0]!r} is not M/D/YYYY — the format changed")
        column = layout.value_column
        if column is None:
            column = layout.year_columns.get(travel_date.year)
            if column is None:
                raise TsaPageError(
                    f"{where}: no column headed {travel_date.year} in the {layout.name} table "
                    f"(years {sorted(layout.year_columns)}) — cannot tell which column is current"
                )
        if column >= len(cells):
            raise TsaPageError(f"{where}: row has no cell {column + 1} — the table is malformed")
        value = cells[column]
        if not _NUMBER_RE.fullmatch(value):
            raise TsaPageError(
                f"{where}: travelers cell {value!r} is not a whole number — a placeholder or "
                "changed format; do not ingest this page"
            )
        travelers = int(value.replace(",", ""))
        if not 0 < travelers < MAX_PLAUSIBLE_TRAVELERS:
            raise TsaPageError(
                f"{where}: {travelers:,} travelers is implausible (expected 1..4,999,999) — "
                "check the page by hand"
            )
        records.append((travel_date, travelers))
    return records


def _require_unique_contiguous(frame: pd.DataFrame, url: str) -> None:
    dates: list[date] = list(frame["travel_date"])
    duplicated = sorted({day for day, nxt in zip(dates, dates[1:], strict=False) if day == nxt})
    if duplicated:
        shown = ", ".join(str(day) for day in duplicated)
        raise TsaPageError(f"{url}: duplicate dates {shown} — the table repeats days")
    gaps = [
        (day, nxt)
        for day, nxt in zip(dates, dates[1:], strict=False)
        if nxt - day != timedelta(days=1)
    ]
    if gaps:
        shown = ", ".join(f"after {day} the next is {nxt}" for day, nxt in gaps)
        raise TsaPageError(
            f"{url}: dates are not one contiguous daily run ({shown}) — rows are missing"
        )
