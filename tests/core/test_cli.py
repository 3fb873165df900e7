"""CLI parsing on the real final CLINYC report for 2026-08-21 (``replay_data/cli_sample_*``).

The preliminary, missing and record variants are derived from its bytes in each test.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from edge_dagster.core.cli import CliFormatError, parse_cli
from edge_dagster.core.clock import UTC
from edge_dagster.settings import DEFAULT_REPLAY_DIR

SAMPLE = (DEFAULT_REPLAY_DIR / "cli_sample_knyc_2026-08-21.txt").read_text()
MAXIMUM_LINE = "  MAXIMUM         79    301 PM  96    1955  83     -4       72"


def test_the_final_central_park_report_for_august_21():
    report = parse_cli(SAMPLE)
    assert report.location == "NYC"
    assert report.climate_date == date(2026, 8, 21)
    assert (report.maximum_f, report.maximum_time, report.record) == (79, "301 PM", False)
    assert report.report == "final"
    assert report.issued_at == datetime(2026, 8, 22, 6, 26, tzinfo=UTC)  # 226 AM EDT


def test_a_same_day_report_is_preliminary():
    # Declared variant: the afternoon report of the day itself says TODAY, issued 5 PM EDT.
    text = SAMPLE.replace(" YESTERDAY  ", " TODAY      ", 1).replace(
        "226 AM EDT SAT AUG 22 2026", "500 PM EDT FRI AUG 21 2026"
    )
    report = parse_cli(text)
    assert (report.report, report.climate_date, report.maximum_f) == (
        "preliminary",
        date(2026, 8, 21),
        79,
    )
    assert report.issued_at == datetime(2026, 8, 21, 21, 0, tzinfo=UTC)


def test_mm_is_a_missing_maximum():
    text = SAMPLE.replace(
        MAXIMUM_LINE, "  MAXIMUM         MM                       83            72"
    )
    assert parse_cli(text).maximum_f is None


def test_an_r_marks_a_record():
    report = parse_cli(SAMPLE.replace("MAXIMUM         79 ", "MAXIMUM         97R"))
    assert (report.maximum_f, report.record) == (97, True)


def test_only_the_temperature_section_maximum_counts():
    # The normals section lists "MAXIMUM TEMPERATURE (F)   83"; without the observed line
    # the report is unreadable, not 83.
    with pytest.raises(CliFormatError, match="2026-08-21: no MAXIMUM line"):
        parse_cli(SAMPLE.replace(MAXIMUM_LINE, ""))


def test_a_product_that_is_not_a_cli_is_an_error():
    with pytest.raises(CliFormatError, match="not a CLI product"):
        parse_cli(SAMPLE.replace("CLINYC", "RTPNYC"))
