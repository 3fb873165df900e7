"""NBP bulletin parsing on the real 2026-09-28 13Z excerpt (``replay_data/nbm_sample.txt``).

The V4.x, −99, misaligned and truncated variants are derived from the real bytes inside each
test (declared there): no other NBP bulletin is available to copy.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from edge_dagster.core.clock import UTC
from edge_dagster.core.nbm import NbmFormatError, daily_highs, parse_block, scan_bulletin
from edge_dagster.settings import DEFAULT_REPLAY_DIR

SAMPLE = (DEFAULT_REPLAY_DIR / "nbm_sample.txt").read_bytes()
CONFIGURED = ["KNYC", "KMDW", "KMIA", "KLAX", "KAUS", "KDEN", "KPHL"]
CYCLE = datetime(2026, 9, 28, 13, tzinfo=UTC)
FHR_35_END = 14
"""0-based exclusive end of the FHR 35 column (the 2026-09-29 high) in every row."""


def scan(data: bytes = SAMPLE, stations=CONFIGURED, chunk: int = 4096):  # noqa: ANN001, ANN201
    return scan_bulletin([data[i : i + chunk] for i in range(0, len(data), chunk)], stations)


def block_text(station: str, data: bytes = SAMPLE) -> str:
    return scan(data, [station]).blocks[station]


def high(station: str, day: date, text: str | None = None):  # noqa: ANN201
    block = parse_block(text or block_text(station))
    return next(h for h in daily_highs(block) if h.local_date == day)


def values(h) -> tuple:  # noqa: ANN001
    return (h.mean, h.sd, h.p10, h.p25, h.p50, h.p75, h.p90)


def replace_field(text: str, label: str, end: int, value: str) -> str:
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if line[1:7].strip() == label)
    line = lines[index]
    lines[index] = line[: end - 3] + value.rjust(3) + line[end:]
    return "\n".join(lines)


def test_kmdw_high_for_local_2026_09_29_from_the_13z_cycle():
    kmdw = high("KMDW", date(2026, 9, 29))
    assert values(kmdw) == (75, 2, 73, 74, 75, 77, 78)
    assert (kmdw.forecast_hour, kmdw.valid_time, kmdw.cycle, kmdw.version) == (
        35,
        datetime(2026, 9, 30, 0, tzinfo=UTC),
        CYCLE,
        "5.0",
    )


@pytest.mark.parametrize(
    ("station", "day", "expected"),
    [
        ("KLAX", date(2026, 9, 29), (82, 3, 79, 80, 82, 85, 86)),
        ("KMIA", date(2026, 9, 29), (87, 3, 84, 85, 87, 89, 90)),
        ("KMDW", date(2026, 9, 30), (75, 5, 68, 71, 75, 79, 80)),
        ("KMDW", date(2026, 10, 7), (62, 5, 57, 59, 61, 65, 68)),
        ("KSFO", date(2026, 9, 29), (77, 3, 74, 75, 78, 80, 81)),
    ],
)
def test_the_other_sample_stations_and_dates(station, day, expected):
    assert values(high(station, day)) == expected


def test_every_00z_column_is_a_local_date_high():
    highs = daily_highs(parse_block(block_text("KMDW")))
    assert [(h.local_date.day, h.forecast_hour) for h in highs] == [
        (29, 35), (30, 59), (1, 83), (2, 107), (3, 131), (4, 155), (5, 179), (6, 203), (7, 227),
    ]  # fmt: skip


def test_the_scan_keeps_configured_stations_and_reports_the_absent_ones():
    result = scan()
    assert sorted(result.blocks) == ["KLAX", "KMDW", "KMIA"]
    assert result.missing == ("KNYC", "KAUS", "KDEN", "KPHL")
    assert (result.block_count, result.bytes_read) == (4, len(SAMPLE))


@pytest.mark.parametrize("chunk", [1, 7, 100, 1 << 20])
def test_any_chunking_of_the_stream_finds_the_same_blocks(chunk):
    assert scan(chunk=chunk).blocks == scan().blocks


def test_a_v4_block_padded_to_80_columns_parses_the_same():
    # Declared variant: the real KMDW block with the V4.2 header and every line right-padded
    # with blanks to 80 columns, as V4.x bulletins are (reference §3.2).
    v4 = "\n".join(
        line.replace("NBM V5.0", "NBM V4.2").ljust(80) if line else line
        for line in block_text("KMDW").split("\n")
    )
    kmdw = high("KMDW", date(2026, 9, 29), v4)
    assert (kmdw.version, values(kmdw)) == ("4.2", (75, 2, 73, 74, 75, 77, 78))


def test_minus_99_is_missing():
    # Declared variant: the KMDW TXNSD value of the FHR 35 column replaced by −99.
    text = replace_field(block_text("KMDW"), "TXNSD", FHR_35_END, "-99")
    assert values(high("KMDW", date(2026, 9, 29), text)) == (75, None, 73, 74, 75, 77, 78)


def test_a_date_whose_mean_is_missing_is_left_out():
    text = replace_field(block_text("KMDW"), "TXNMN", FHR_35_END, "-99")
    days = [h.local_date for h in daily_highs(parse_block(text))]
    assert date(2026, 9, 29) not in days and len(days) == 8


def test_a_value_shifted_off_its_column_is_an_error_not_a_wrong_number():
    # Declared variant: the TXNMN row's FHR 35 value moved one column right ("75" → " 7 5").
    text = block_text("KMDW").replace(" TXNMN  57| 75 ", " TXNMN  57|  75", 1)
    with pytest.raises(NbmFormatError, match="KMDW: row TXNMN has a value not aligned"):
        parse_block(text)


def test_a_truncated_bulletin_fails_naming_the_cut_block():
    # Declared variant: the real file cut in the middle of the KMIA block (after 120 lines).
    cut = b"\n".join(SAMPLE.split(b"\n")[:120]) + b"\n"
    with pytest.raises(NbmFormatError, match="truncated: the block of KMIA"):
        scan(cut)


def test_a_file_cut_after_the_wanted_stations_still_fails():
    # The scan reads to the end: the wanted KLAX block is complete, the file is not.
    cut = SAMPLE[: SAMPLE.index(b" KSFO") + 400]
    with pytest.raises(NbmFormatError, match="truncated: the block of KSFO"):
        scan(cut, ["KLAX"])


def test_a_wanted_station_listed_twice_is_an_error():
    kmdw = block_text("KMDW").encode()
    with pytest.raises(NbmFormatError, match="lists station KMDW twice"):
        scan(SAMPLE + kmdw)


def test_a_page_that_is_not_a_bulletin_is_an_error():
    with pytest.raises(NbmFormatError, match="not an NBP bulletin"):
        scan(b"<html><body>503 Service Unavailable</body></html>\n")


def test_a_block_without_its_fhr_row_is_an_error():
    text = "\n".join(line for line in block_text("KMDW").split("\n") if " FHR " not in line)
    with pytest.raises(NbmFormatError, match="KMDW: block has no FHR/UTC rows"):
        parse_block(text)
