"""NOAA NBM probabilistic text bulletin (NBP, ``blend_nbptx.tHHz``): scan, parse, daily highs.

One bulletin holds every station (~9,500 blocks, ~35 MB) for one cycle. :func:`scan_bulletin`
streams it once, keeps the blocks of the stations we trade and proves the file is complete;
:func:`parse_block` reads one block by fixed columns anchored on its FHR row (values are
right-justified in 3-character fields, rows may have blank slots, so splitting on spaces would
shift values between columns); :func:`daily_highs` picks the max-temperature column of each
local date. Layout and semantics: ``shared/reference/tsa_nbm_formats.md`` §3.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from edge_dagster.core.clock import UTC

MISSING = -99
"""The bulletin's missing value (a row whose values are all missing is omitted instead)."""
LABEL_END = 7
"""Row labels (``TXNMN``, ``FHR``) sit in 1-based columns 2–7."""
FIELD_WIDTH = 3
DAILY_HIGH_ROWS = {
    "TXNMN": "mean",
    "TXNSD": "sd",
    "TXNP1": "p10",
    "TXNP2": "p25",
    "TXNP5": "p50",
    "TXNP7": "p75",
    "TXNP9": "p90",
}
"""Max/min temperature rows (°F): mean, standard deviation, 10/25/50/75/90th percentiles."""
MAX_TEMPERATURE_HOUR_UTC = 0
"""TXN values in 00Z columns are maxima; the column valid at D+1 00Z is local day D's high."""

_HEADER = re.compile(
    r"^ (?P<station>\S+) +NBM V(?P<version>\d+\.\d+) NBP GUIDANCE +"
    r"(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4}) +(?P<hour>\d{2})(?P<minute>\d{2}) UTC"
)
_HEADER_BYTES = re.compile(rb"\n (\S+) +NBM V\d+\.\d+ NBP GUIDANCE")
"""A header line, found by its preceding newline (``^`` with MULTILINE is 3× slower here)."""
_NUMBER = re.compile(r"-?\d+")


class NbmFormatError(ValueError):
    """A bulletin or block that cannot be trusted: truncated, misaligned, or not NBP."""


@dataclass(frozen=True)
class NbpBlock:
    """One station's block: its FHR columns and every element row sliced at them."""

    station: str
    version: str
    cycle: datetime
    forecast_hours: tuple[int, ...]
    rows: dict[str, tuple[int | None, ...]]

    def valid_time(self, column: int) -> datetime:
        return self.cycle + timedelta(hours=self.forecast_hours[column])


@dataclass(frozen=True)
class DailyHighGuidance:
    """NBP's daily-high distribution for one station and local date, from one cycle (°F)."""

    station: str
    version: str
    cycle: datetime
    local_date: date
    forecast_hour: int
    valid_time: datetime
    mean: int
    sd: int | None
    p10: int | None
    p25: int | None
    p50: int | None
    p75: int | None
    p90: int | None


@dataclass(frozen=True)
class BulletinScan:
    """What one pass over a bulletin found: the wanted stations' block texts and the file's
    size, hash and block count; wanted stations with no block are listed in ``missing``."""

    blocks: dict[str, str]
    missing: tuple[str, ...]
    block_count: int
    bytes_read: int
    sha256: str


def _label(line: str) -> str:
    return line[1:LABEL_END].strip()


def _field(line: str, end: int, station: str, label: str) -> str:
    """The 3-character field ending at ``end`` (0-based exclusive), checked to be aligned."""
    if end > len(line) and line[end - FIELD_WIDTH :].strip():
        raise NbmFormatError(f"{station}: row {label} ends inside the value at column {end}")
    text = line[end - FIELD_WIDTH : end]
    before = line[end - FIELD_WIDTH - 1] if end - FIELD_WIDTH - 1 < len(line) else " "
    after = line[end] if end < len(line) else " "
    if text.strip() and (before not in " |" or after not in " |"):
        raise NbmFormatError(
            f"{station}: row {label} has a value not aligned on the FHR column ending at {end}"
        )
    return text.strip()


def parse_block(text: str) -> NbpBlock:
    """Parse one station block (header line first); every row is sliced at the FHR columns."""
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        raise NbmFormatError("empty NBP block")
    header = _HEADER.match(lines[0])
    if header is None:
        raise NbmFormatError(f"not an NBP block header: {lines[0].strip()[:60]!r}")
    station = header["station"]
    cycle = datetime(
        int(header["year"]),
        int(header["month"]),
        int(header["day"]),
        int(header["hour"]),
        int(header["minute"]),
        tzinfo=UTC,
    )
    # lines[1] names the UTC day of each column group (``TUE 29| WED 30|``): not a data row.
    labelled = {_label(line): line for line in lines[2:]}
    if "FHR" not in labelled or "UTC" not in labelled:
        raise NbmFormatError(f"{station}: block has no FHR/UTC rows (truncated or not NBP)")
    fhr_line = labelled["FHR"]
    anchors = [m.end() for m in _NUMBER.finditer(fhr_line, LABEL_END)]
    if not anchors:
        raise NbmFormatError(f"{station}: FHR row has no forecast hours")
    forecast_hours = tuple(int(_field(fhr_line, end, station, "FHR")) for end in anchors)
    rows: dict[str, tuple[int | None, ...]] = {}
    for label, line in labelled.items():
        if label == "FHR":
            continue
        values = []
        for end in anchors:
            field = _field(line, end, station, label)
            try:
                value = int(field) if field else None
            except ValueError:
                raise NbmFormatError(
                    f"{station}: row {label} has a non-numeric value {field!r} at column {end}"
                ) from None
            values.append(None if value == MISSING else value)
        rows[label] = tuple(values)
    for column, (hour, fhr) in enumerate(zip(rows["UTC"], forecast_hours, strict=True)):
        if hour != (cycle + timedelta(hours=fhr)).hour:
            raise NbmFormatError(
                f"{station}: column {column} says {hour}Z but the cycle {cycle:%Y-%m-%d %HZ} "
                f"+ FHR {fhr} is {(cycle + timedelta(hours=fhr)).hour}Z"
            )
    return NbpBlock(station, header["version"], cycle, forecast_hours, rows)


def daily_highs(block: NbpBlock) -> list[DailyHighGuidance]:
    """The daily-high distribution of each local date the block covers.

    The column valid at D+1 00Z carries local day D's maximum at US stations; a date whose
    mean is missing (−99 or blank) is left out, other missing rows come back as ``None``.
    """
    if "TXNMN" not in block.rows:
        return []
    found = []
    for column, fhr in enumerate(block.forecast_hours):
        valid = block.valid_time(column)
        mean = block.rows["TXNMN"][column]
        if valid.hour != MAX_TEMPERATURE_HOUR_UTC or mean is None:
            continue
        values = {
            name: block.rows[label][column] if label in block.rows else None
            for label, name in DAILY_HIGH_ROWS.items()
        }
        found.append(
            DailyHighGuidance(
                station=block.station,
                version=block.version,
                cycle=block.cycle,
                local_date=(valid - timedelta(days=1)).date(),
                forecast_hour=fhr,
                valid_time=valid,
                **values,
            )
        )
    return found


def _check_block_end(station: str, block: bytes) -> None:
    """A block is complete only when the blank separator line follows its last row."""
    if not block.endswith(b"\n") or block.rstrip(b"\n").rsplit(b"\n", 1)[-1].strip():
        raise NbmFormatError(
            f"bulletin truncated: the block of {station} does not end with its blank separator "
            "line (partial download?)"
        )


def scan_bulletin(chunks: Iterable[bytes], stations: Collection[str]) -> BulletinScan:
    """Stream a whole bulletin once and keep the blocks of ``stations``.

    Reads to the end even when every wanted station has been seen: only the end of the file
    proves it is complete. A wanted station listed twice is an error (which block is right?).
    """
    wanted = {s.encode() for s in stations}
    digest = hashlib.sha256()
    kept: dict[str, str] = {}
    buffer = b"\n"  # so a header on the file's first line is found like every other
    block_count = 0
    bytes_read = 0

    def keep(station: bytes, block: bytes) -> None:
        name = station.decode()
        if name in kept:
            raise NbmFormatError(f"bulletin lists station {name} twice")
        _check_block_end(name, block)
        try:
            kept[name] = block.decode("ascii")
        except UnicodeDecodeError as error:
            raise NbmFormatError(f"{name}: block is not ASCII text ({error.reason})") from None

    for chunk in chunks:
        digest.update(chunk)
        bytes_read += len(chunk)
        buffer += chunk
        # Each block runs from the newline before its header to the newline before the next.
        starts = [(m.start(), m.group(1)) for m in _HEADER_BYTES.finditer(buffer)]
        for (start, station), (end, _) in zip(starts, starts[1:], strict=False):
            block_count += 1
            if station in wanted:
                keep(station, buffer[start + 1 : end + 1])
        if starts:  # the last header's block may still be arriving: keep it for later
            buffer = buffer[starts[-1][0] :]
    last = _HEADER_BYTES.match(buffer)
    if last is None:
        raise NbmFormatError("not an NBP bulletin: no station block header found")
    block_count += 1
    _check_block_end(last.group(1).decode(), buffer)
    if last.group(1) in wanted:
        keep(last.group(1), buffer[1:])
    missing = tuple(s for s in stations if s not in kept)
    return BulletinScan(kept, missing, block_count, bytes_read, digest.hexdigest())
