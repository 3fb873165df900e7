"""Parser tests against the real trimmed tsa.gov page and hand-edited variants of it.

Expected values come from shared/data/tsa_checkpoint_daily.csv. Broken pages are derived from
the real sample by one targeted string edit each, so every failure test starts from real markup.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from edge_dagster.core.tsa_page import (
    TsaPageError,
    parse_tsa_page,
    validate_archive_year,
    validate_current_year_page,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
URL = "https://www.tsa.gov/travel/passenger-volumes"
ARCHIVE_URL = "https://www.tsa.gov/travel/passenger-volumes/2025"
CELL = '<td class="text-align-center">{}</td>'
ROW_4_15 = "<tr>" + CELL.format("4/15/2026") + CELL.format("2,251,197") + "</tr>"
ROW_4_14 = "<tr>" + CELL.format("4/14/2026") + CELL.format("2,044,781") + "</tr>"


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sample_html() -> str:
    return _fixture("tsa_page_sample.html")


@pytest.fixture(scope="module")
def sample(sample_html: str) -> pd.DataFrame:
    return parse_tsa_page(sample_html, URL)


def _edit(html: str, old: str, new: str) -> str:
    """Replace exactly one occurrence, so a fixture change cannot silently void the test."""
    assert html.count(old) == 1, f"expected exactly one {old!r} in the fixture"
    return html.replace(old, new)


def _values(frame: pd.DataFrame) -> dict[date, int]:
    return dict(zip(frame["travel_date"], frame["travelers"], strict=True))


def _csv_values(first: date, last: date) -> dict[date, int]:
    """Real figures from the fixture copy of shared/data/tsa_checkpoint_daily.csv."""
    csv = pd.read_csv(FIXTURES / "tsa_checkpoint_daily_2025_2026.csv", comment="#")
    rows = zip(csv["date"], csv["travelers"], strict=True)
    values = {date.fromisoformat(day): int(travelers) for day, travelers in rows}
    return {day: travelers for day, travelers in values.items() if first <= day <= last}


def _page_error(html: str, url: str = URL) -> str:
    with pytest.raises(TsaPageError) as caught:
        parse_tsa_page(html, url)
    return str(caught.value)


# --- the real current-year page ---------------------------------------------------------


def test_real_page_has_one_row_per_day_from_jan_1_to_apr_19(sample: pd.DataFrame) -> None:
    assert len(sample) == 109
    assert sample["travel_date"].iloc[0] == date(2026, 1, 1)
    assert sample["travel_date"].iloc[-1] == date(2026, 4, 19)


def test_real_page_is_sorted_ascending_although_the_page_is_newest_first(
    sample: pd.DataFrame,
) -> None:
    assert list(sample["travel_date"]) == sorted(sample["travel_date"])


def test_real_page_known_values(sample: pd.DataFrame) -> None:
    values = _values(sample)
    assert values[date(2026, 1, 1)] == 2_334_465
    assert values[date(2026, 2, 14)] == 2_186_932
    assert values[date(2026, 4, 19)] == 2_796_984


def test_real_page_matches_the_reference_csv_on_every_row(sample: pd.DataFrame) -> None:
    assert _values(sample) == _csv_values(date(2026, 1, 1), date(2026, 4, 19))


def test_columns_are_python_dates_and_int64(sample: pd.DataFrame) -> None:
    assert list(sample.columns) == ["travel_date", "travelers"]
    assert type(sample["travel_date"].iloc[0]) is date
    assert sample["travelers"].dtype == "int64"


def test_cell_whitespace_and_nbsp_are_stripped(sample_html: str) -> None:
    html = _edit(
        sample_html,
        ROW_4_15,
        '<tr><td class="text-align-center"> 4/15/2026 \n</td>'
        '<td class="text-align-center">&nbsp;2,251,197  </td></tr>',
    )
    assert _values(parse_tsa_page(html, URL))[date(2026, 4, 15)] == 2_251_197


# --- older layouts ----------------------------------------------------------------------


def test_wide_layout_ingests_only_the_current_year_column() -> None:
    frame = parse_tsa_page(_fixture("tsa_page_wide_2023.html"), URL)
    assert _values(frame) == {
        date(2023, 7, 1): 2_588_334,
        date(2023, 7, 2): 2_529_730,
        date(2023, 7, 3): 2_288_645,
        date(2023, 7, 4): 2_007_441,
        date(2023, 7, 5): 2_492_923,
    }


def test_wide_layout_without_a_column_for_the_rows_year_fails() -> None:
    html = _edit(
        _fixture("tsa_page_wide_2023.html"), 'scope="col">2023</th>', 'scope="col">2024</th>'
    )
    message = _page_error(html)
    assert URL in message
    assert "no column headed 2023" in message


def test_2020_layout_takes_the_first_throughput_column() -> None:
    # Hand-built from the 2020 column names (reference §1.4); values are real archive figures
    # for 2020-06-23..25 and, in the comparison column, their same-weekday 2019 figures.
    html = """<html><body><table>
      <tr><th>Date</th><th>Total Traveler Throughput</th>
          <th>Total Traveler Throughput (1 Year Ago - Same Weekday)</th></tr>
      <tr><td>6/25/2020</td><td>655,228</td><td>2,711,222</td></tr>
      <tr><td>6/24/2020</td><td>525,061</td><td>2,594,661</td></tr>
      <tr><td>6/23/2020</td><td>499,884</td><td>2,506,510</td></tr>
    </table></body></html>"""
    assert _values(parse_tsa_page(html, URL)) == {
        date(2020, 6, 23): 499_884,
        date(2020, 6, 24): 525_061,
        date(2020, 6, 25): 655_228,
    }


# --- archive pages ----------------------------------------------------------------------


def test_archive_page_parses_all_365_days_of_2025() -> None:
    frame = parse_tsa_page(_fixture("tsa_page_archive_2025.html"), ARCHIVE_URL)
    values = _values(frame)
    assert len(frame) == 365
    assert values[date(2025, 1, 1)] == 2_317_817
    assert values[date(2025, 12, 31)] == 2_291_360


def test_archive_page_matches_the_reference_csv_on_every_row() -> None:
    frame = parse_tsa_page(_fixture("tsa_page_archive_2025.html"), ARCHIVE_URL)
    assert _values(frame) == _csv_values(date(2025, 1, 1), date(2025, 12, 31))


def test_validate_archive_year_accepts_the_full_year() -> None:
    frame = parse_tsa_page(_fixture("tsa_page_archive_2025.html"), ARCHIVE_URL)
    validate_archive_year(frame, 2025, ARCHIVE_URL)


def test_validate_archive_year_rejects_another_year() -> None:
    frame = parse_tsa_page(_fixture("tsa_page_archive_2025.html"), ARCHIVE_URL)
    with pytest.raises(
        TsaPageError, match=r"archive page for 2024 covers 2025-01-01\.\.2025-12-31"
    ):
        validate_archive_year(frame, 2024, ARCHIVE_URL)


def test_validate_archive_year_rejects_a_year_missing_december_31() -> None:
    frame = parse_tsa_page(_fixture("tsa_page_archive_2025.html"), ARCHIVE_URL).iloc[:-1]
    with pytest.raises(TsaPageError) as caught:
        validate_archive_year(frame, 2025, ARCHIVE_URL)
    assert ARCHIVE_URL in str(caught.value)
    assert "2025-01-01..2025-12-30 (364 rows)" in str(caught.value)


# --- current-page checks ----------------------------------------------------------------


def test_validate_current_year_page_accepts_the_page_the_day_after_its_newest_row(
    sample: pd.DataFrame,
) -> None:
    validate_current_year_page(sample, date(2026, 4, 20), URL)


def test_validate_current_year_page_rejects_a_date_after_today(sample: pd.DataFrame) -> None:
    with pytest.raises(TsaPageError) as caught:
        validate_current_year_page(sample, date(2026, 4, 18), URL)
    assert URL in str(caught.value)
    assert "newest date 2026-04-19 lies after today (2026-04-18)" in str(caught.value)


def test_validate_current_year_page_rejects_a_page_not_starting_jan_1(
    sample: pd.DataFrame,
) -> None:
    with pytest.raises(TsaPageError, match="covers 2026-01-02..2026-04-19"):
        validate_current_year_page(sample.iloc[1:], date(2026, 4, 20), URL)


# --- pages that must be refused ---------------------------------------------------------


def test_page_without_any_table_fails(sample_html: str) -> None:
    start, end = sample_html.index("<table"), sample_html.index("</table>") + len("</table>")
    message = _page_error(sample_html[:start] + "<p>Page not found</p>" + sample_html[end:])
    assert message.startswith(f"{URL}: no table with headers Date/Numbers")


def test_table_with_other_headers_is_not_the_data_table(sample_html: str) -> None:
    html = _edit(sample_html, ">Numbers</th>", ">Travelers</th>")
    assert _page_error(html).startswith(f"{URL}: no table with headers Date/Numbers")


def test_two_data_tables_are_ambiguous(sample_html: str) -> None:
    start, end = sample_html.index("<table"), sample_html.index("</table>") + len("</table>")
    table = sample_html[start:end]
    html = sample_html[:end] + table + sample_html[end:]
    assert _page_error(html).startswith(f"{URL}: 2 tables have Date/Numbers-style headers")


def test_page_cut_before_closing_html_fails(sample_html: str) -> None:
    message = _page_error(sample_html[: len(sample_html) // 2])
    assert message.startswith(f"{URL}: page is truncated (no closing </html>)")


def test_table_without_closing_tag_fails(sample_html: str) -> None:
    html = _edit(sample_html, "</tbody></table>", "</tbody>")
    assert _page_error(html).startswith(f"{URL}: page is truncated (a <table> has no closing")


def test_non_numeric_cell_fails_naming_the_row(sample_html: str) -> None:
    html = _edit(sample_html, ">2,251,197<", ">n/a<")
    message = _page_error(html)
    assert message.startswith(f"{URL}: row 5 ['4/15/2026', 'n/a']")
    assert "'n/a' is not a whole number" in message


def test_empty_number_cell_fails(sample_html: str) -> None:
    html = _edit(sample_html, ">2,251,197<", "><")
    assert "travelers cell '' is not a whole number" in _page_error(html)


def test_unparsable_date_fails_naming_the_row(sample_html: str) -> None:
    html = _edit(sample_html, ">4/15/2026<", ">April 15, 2026<")
    message = _page_error(html)
    assert message.startswith(f"{URL}: row 5 ['April 15, 2026', '2,251,197']")
    assert "is not M/D/YYYY" in message


def test_impossible_calendar_date_fails(sample_html: str) -> None:
    html = _edit(sample_html, ">4/15/2026<", ">2/30/2026<")
    assert "date '2/30/2026' is not M/D/YYYY" in _page_error(html)


@pytest.mark.parametrize("cell", ["0", "5,000,000", "12,345,678"])
def test_implausible_traveler_count_fails(sample_html: str, cell: str) -> None:
    message = _page_error(_edit(sample_html, ">2,251,197<", f">{cell}<"))
    assert message.startswith(f"{URL}: row 5 ['4/15/2026', '{cell}']")
    assert "is implausible" in message


def test_duplicate_date_fails(sample_html: str) -> None:
    html = _edit(sample_html, ROW_4_14, ROW_4_15)
    assert _page_error(html) == f"{URL}: duplicate dates 2026-04-15 — the table repeats days"


def test_missing_day_fails_as_a_gap(sample_html: str) -> None:
    html = _edit(sample_html, ROW_4_14, "")
    message = _page_error(html)
    assert message.startswith(f"{URL}: dates are not one contiguous daily run")
    assert "after 2026-04-13 the next is 2026-04-15" in message


def test_table_with_headers_but_no_rows_fails(sample_html: str) -> None:
    start = sample_html.index("<tbody>") + len("<tbody>")
    end = sample_html.index("</tbody>")
    message = _page_error(sample_html[:start] + sample_html[end:])
    assert message.startswith(f"{URL}: the Date table has no data rows")
