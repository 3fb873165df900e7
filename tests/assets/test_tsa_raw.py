"""The raw TSA asset, by month: point-in-time reads (a month holds exactly the days public by
then), first-published figures kept, atomic writes, each month's coverage on its page."""

from datetime import date, datetime
from pathlib import Path

import pytest
from dagster import ExecuteInProcessResult, materialize

from edge_dagster.assets.tsa import tsa_checkpoint_raw
from edge_dagster.core.clock import EASTERN
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from tests.conftest import FIXTURES, replay_sources
from tests.support.clock import FrozenWallClockSources
from tests.support.http_server import ScriptedHttpServer, ScriptedResponse

SAMPLE_PAGE = (FIXTURES / "tsa_page_sample.html").read_text()
AFTER_APRIL_19_PUBLISHED = "2026-04-20T09:30:00-04:00"
APRIL = "2026-04-01"


def ingest_months(
    warehouse: WarehouseResource, sources: DataSourcesResource, first: str, last: str = ""
) -> ExecuteInProcessResult:
    """One run of the months ``first..last`` (keys are a month's first day; ``last`` defaults
    to ``first``)."""
    return materialize(
        [tsa_checkpoint_raw],
        resources={"warehouse": warehouse, "sources": sources},
        tags={
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last or first,
        },
        raise_on_error=False,
    )


def run_raw(
    warehouse: WarehouseResource, sources: DataSourcesResource, first: str, last: str = ""
) -> bool:
    return ingest_months(warehouse, sources, first, last).success


def month_pages(result: ExecuteInProcessResult) -> dict[str, dict]:
    """Each month's partition metadata, as the UI shows it (``coverage`` as its Markdown)."""
    return {
        m.partition: {key: value.value for key, value in m.metadata.items()}
        for m in result.asset_materializations_for_node("tsa_checkpoint_raw")
    }


def raw_rows(warehouse: WarehouseResource) -> list[tuple]:
    with warehouse.get_connection() as conn:
        return conn.execute("SELECT * FROM tsa_checkpoint_raw ORDER BY travel_date").fetchall()


def test_a_range_of_months_is_ingested_in_one_run_with_exact_values(warehouse):
    assert run_raw(warehouse, replay_sources(AFTER_APRIL_19_PUBLISHED), "2026-01-01", APRIL)
    rows = raw_rows(warehouse)
    assert len(rows) == 109
    travel_date, first, published_at, first_seen_at, latest, changed_at, source = rows[-1]
    assert (travel_date, first, latest) == (date(2026, 4, 19), 2_796_984, 2_796_984)
    assert published_at == first_seen_at == datetime(2026, 4, 20, 9, 0, tzinfo=EASTERN)
    assert source == "replay:tsa_checkpoint_daily.csv (scraped from the live page)"


def test_replayed_figures_before_2026_are_labelled_as_tsas_restated_archive(warehouse):
    assert run_raw(warehouse, replay_sources(AFTER_APRIL_19_PUBLISHED), "2025-12-01", "2026-01-01")
    sources = [row[6] for row in raw_rows(warehouse) if str(row[0]) in ("2025-12-31", "2026-01-01")]
    assert sources == [
        "replay:tsa_checkpoint_daily.csv (TSA restated archive, not as first published)",
        "replay:tsa_checkpoint_daily.csv (scraped from the live page)",
    ]


def test_rematerialising_a_month_twice_leaves_identical_rows(warehouse):
    sources = replay_sources(AFTER_APRIL_19_PUBLISHED)
    assert run_raw(warehouse, sources, APRIL)
    first_pass = raw_rows(warehouse)
    assert run_raw(warehouse, sources, APRIL)
    assert raw_rows(warehouse) == first_pass


def test_a_revised_value_keeps_its_first_published_figure(warehouse, tmp_path: Path):
    assert run_raw(warehouse, replay_sources(AFTER_APRIL_19_PUBLISHED), APRIL)
    revised_dir = tmp_path / "revised"
    revised_dir.mkdir()
    csv = (DEFAULT_REPLAY_DIR / "tsa_checkpoint_daily.csv").read_text()
    (revised_dir / "tsa_checkpoint_daily.csv").write_text(
        csv.replace("2026-04-14,2044781", "2026-04-14,2050000")
    )
    later = replay_sources("2026-04-20T18:00:00-04:00", revised_dir)  # still public to the 19th
    result = ingest_months(warehouse, later, APRIL)
    row = next(r for r in raw_rows(warehouse) if r[0] == date(2026, 4, 14))
    assert (row[1], row[4]) == (2_044_781, 2_050_000)
    page = month_pages(result)[APRIL]
    assert (page["days"], page["new_days"], page["revised_days"]) == (19, 0, 1)
    assert "| 13: 2,606,811 | 14: 2,044,781* | 15: 2,251,197 |" in page["coverage"]


def test_the_month_in_progress_holds_exactly_the_days_public_by_then(warehouse):
    # Saturday noon: Thursday the 16th was posted Friday 09:00 ET; Friday 17 April is not public
    # until Monday 09:00 ET, though the replay file holds it.
    result = ingest_months(warehouse, replay_sources("2026-04-18T12:00:00-04:00"), APRIL)
    assert result.success
    assert [r[0] for r in raw_rows(warehouse)] == [date(2026, 4, d) for d in range(1, 17)]
    page = month_pages(result)[APRIL]
    assert {k: page[k] for k in ("days", "new_days", "days_public", "first_day", "last_day")} == {
        "days": 16,
        "new_days": 16,
        "days_public": 16,
        "first_day": "2026-04-01",
        "last_day": "2026-04-16",
    }
    assert (
        "| 13: 2,606,811 | 14: 2,044,781 | 15: 2,251,197 | 16: 2,738,409 | 17: not public |"
        in (page["coverage"])
    )


def test_each_month_of_a_range_shows_its_own_days(warehouse):
    result = ingest_months(warehouse, replay_sources(AFTER_APRIL_19_PUBLISHED), "2024-02-01", APRIL)
    pages = month_pages(result)
    assert len(pages) == 27
    shown = {
        month: (pages[month]["days"], pages[month]["first_day"], pages[month]["last_day"])
        for month in ("2024-02-01", "2026-03-01", APRIL)
    }
    assert shown == {
        "2024-02-01": (29, "2024-02-01", "2024-02-29"),  # a leap year
        "2026-03-01": (31, "2026-03-01", "2026-03-31"),
        APRIL: (19, "2026-04-01", "2026-04-19"),
    }
    assert pages["2024-02-01"]["source"] == (
        "replay:tsa_checkpoint_daily.csv (TSA restated archive, not as first published)"
    )
    assert pages[APRIL]["days_read_in_run"] == 809


def without_day(tmp_path: Path, day: str) -> Path:
    """The replay folder with ``day``'s row deleted from the TSA file."""
    folder = tmp_path / f"without_{day}"
    folder.mkdir(exist_ok=True)
    lines = (DEFAULT_REPLAY_DIR / "tsa_checkpoint_daily.csv").read_text().splitlines()
    kept = [line for line in lines if not line.startswith(f"{day},")]
    assert len(kept) == len(lines) - 1
    (folder / "tsa_checkpoint_daily.csv").write_text("\n".join(kept) + "\n")
    return folder


def test_a_gap_in_the_public_days_fails_naming_it_and_writes_nothing(warehouse, tmp_path):
    assert run_raw(warehouse, replay_sources(AFTER_APRIL_19_PUBLISHED), "2026-03-01")
    before = raw_rows(warehouse)
    gap = replay_sources(AFTER_APRIL_19_PUBLISHED, without_day(tmp_path, "2026-04-08"))
    result = ingest_months(warehouse, gap, "2026-03-01", APRIL)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failure.step_failure_data.user_failure_data.description.startswith(
        "TSA figures for 1 of the 50 day(s) 2026-03-01..2026-04-19 public by "
        "2026-04-20T09:30:00-04:00 are missing from the source (first missing 2026-04-08, last "
        "2026-04-08); nothing was written."
    )
    assert raw_rows(warehouse) == before


def test_an_as_of_after_the_replay_data_ends_fails_instead_of_holding_a_short_month(warehouse):
    # The replay data ends 2026-04-19; on the 22nd the 20th and 21st are public.
    assert run_raw(warehouse, replay_sources(AFTER_APRIL_19_PUBLISHED), "2026-03-01")
    before = raw_rows(warehouse)
    assert not run_raw(warehouse, replay_sources("2026-04-22T12:00:00-04:00"), APRIL)
    assert raw_rows(warehouse) == before


def test_a_month_with_no_public_day_yet_materialises_empty(warehouse):
    # Friday 1 May 08:00 ET: 30 April is posted at 09:00.
    result = ingest_months(warehouse, replay_sources("2026-05-01T08:00:00-04:00"), "2026-05-01")
    assert result.success
    page = month_pages(result)["2026-05-01"]
    assert (page["days"], page["days_public"], page["first_day"]) == (0, 0, "none")
    assert page["coverage"].startswith("### May 2026: 0 day(s) held")


@pytest.mark.parametrize(
    "page",
    [
        "<html><body><p>Checkpoint numbers moved.</p></body></html>",
        SAMPLE_PAGE[: SAMPLE_PAGE.index("2/14/2026")],
    ],
    ids=["no-table", "truncated"],
)
def test_a_broken_live_page_fails_the_run_and_leaves_the_table_unchanged(warehouse, page):
    assert run_raw(warehouse, replay_sources(AFTER_APRIL_19_PUBLISHED), APRIL)
    before = raw_rows(warehouse)
    with ScriptedHttpServer() as server:
        server.script("/travel/passenger-volumes", ScriptedResponse(200, page))
        assert not run_raw(warehouse, live_on_april_20(server.base_url), APRIL)
    assert raw_rows(warehouse) == before


def live_on_april_20(tsa_base_url: str) -> DataSourcesResource:
    """A paper deployment reading tsa.gov (served locally) at 09:30 ET on Monday 20 April."""
    return FrozenWallClockSources(
        deployment="paper", wall_time=AFTER_APRIL_19_PUBLISHED, tsa_base_url=tsa_base_url
    )


def test_a_live_page_is_ingested_with_the_scheduled_publication_time(warehouse):
    with ScriptedHttpServer() as server:
        server.script(
            "/travel/passenger-volumes",
            ScriptedResponse(200, SAMPLE_PAGE),
        )
        assert run_raw(warehouse, live_on_april_20(server.base_url), APRIL)
    rows = raw_rows(warehouse)
    assert len(rows) == 19
    assert [(r[0].day, r[1]) for r in rows[12:14]] == [(13, 2_606_811), (14, 2_044_781)]
    assert rows[12][2] == datetime(2026, 4, 14, 9, 0, tzinfo=EASTERN)
    assert rows[12][3] == datetime(2026, 4, 20, 9, 30, tzinfo=EASTERN)  # seen when fetched
    assert rows[12][6] == server.base_url
