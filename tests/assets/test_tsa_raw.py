"""The raw TSA asset: point-in-time reads, first-published figures kept, atomic writes."""

from datetime import date, datetime
from pathlib import Path

import pytest
from dagster import materialize

from edge_dagster.assets.tsa import tsa_checkpoint_raw
from edge_dagster.core.clock import EASTERN
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from tests.conftest import FIXTURES, replay_sources
from tests.support.http_server import ScriptedHttpServer, ScriptedResponse

SAMPLE_PAGE = (FIXTURES / "tsa_page_sample.html").read_text()
AFTER_APRIL_19_PUBLISHED = "2026-04-20T09:30:00-04:00"


def run_raw(
    warehouse: WarehouseResource, sources: DataSourcesResource, first: str, last: str
) -> bool:
    result = materialize(
        [tsa_checkpoint_raw],
        resources={"warehouse": warehouse, "sources": sources},
        tags={
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last,
        },
        raise_on_error=False,
    )
    return result.success


def raw_rows(warehouse: WarehouseResource) -> list[tuple]:
    with warehouse.get_connection() as conn:
        return conn.execute("SELECT * FROM tsa_checkpoint_raw ORDER BY travel_date").fetchall()


def test_a_range_of_partitions_is_ingested_in_one_run_with_exact_values(warehouse):
    assert run_raw(warehouse, replay_sources(AFTER_APRIL_19_PUBLISHED), "2026-01-01", "2026-04-19")
    rows = raw_rows(warehouse)
    assert len(rows) == 109
    travel_date, first, published_at, first_seen_at, latest, changed_at, source = rows[-1]
    assert (travel_date, first, latest) == (date(2026, 4, 19), 2_796_984, 2_796_984)
    assert published_at == first_seen_at == datetime(2026, 4, 20, 9, 0, tzinfo=EASTERN)
    assert source == "replay:tsa_checkpoint_daily.csv (scraped from the live page)"


def test_replayed_figures_before_2026_are_labelled_as_tsas_restated_archive(warehouse):
    assert run_raw(warehouse, replay_sources(AFTER_APRIL_19_PUBLISHED), "2025-12-31", "2026-01-01")
    sources = [row[6] for row in raw_rows(warehouse)]
    assert sources == [
        "replay:tsa_checkpoint_daily.csv (TSA restated archive, not as first published)",
        "replay:tsa_checkpoint_daily.csv (scraped from the live page)",
    ]


def test_rematerialising_a_partition_twice_leaves_identical_rows(warehouse):
    sources = replay_sources(AFTER_APRIL_19_PUBLISHED)
    assert run_raw(warehouse, sources, "2026-04-06", "2026-04-19")
    first_pass = raw_rows(warehouse)
    assert run_raw(warehouse, sources, "2026-04-06", "2026-04-19")
    assert raw_rows(warehouse) == first_pass


def test_a_revised_value_keeps_its_first_published_figure(warehouse, tmp_path: Path):
    assert run_raw(warehouse, replay_sources(AFTER_APRIL_19_PUBLISHED), "2026-04-13", "2026-04-19")
    revised_dir = tmp_path / "revised"
    revised_dir.mkdir()
    csv = (DEFAULT_REPLAY_DIR / "tsa_checkpoint_daily.csv").read_text()
    (revised_dir / "tsa_checkpoint_daily.csv").write_text(
        csv.replace("2026-04-14,2044781", "2026-04-14,2050000")
    )
    later = replay_sources("2026-05-01T12:00:00-04:00", revised_dir)
    assert run_raw(warehouse, later, "2026-04-13", "2026-04-19")
    row = next(r for r in raw_rows(warehouse) if r[0] == date(2026, 4, 14))
    assert (row[1], row[4]) == (2_044_781, 2_050_000)


def test_a_figure_not_yet_published_fails_the_run_and_writes_nothing(warehouse):
    # Saturday noon: Friday 17 April is not public until Monday 09:00 ET.
    saturday = replay_sources("2026-04-18T12:00:00-04:00")
    assert run_raw(warehouse, saturday, "2026-04-13", "2026-04-16")
    before = raw_rows(warehouse)
    assert not run_raw(warehouse, saturday, "2026-04-13", "2026-04-17")
    assert raw_rows(warehouse) == before


@pytest.mark.parametrize(
    "page",
    [
        "<html><body><p>Checkpoint numbers moved.</p></body></html>",
        SAMPLE_PAGE[: SAMPLE_PAGE.index("2/14/2026")],
    ],
    ids=["no-table", "truncated"],
)
def test_a_broken_live_page_fails_the_run_and_leaves_the_table_unchanged(warehouse, page):
    assert run_raw(warehouse, replay_sources(AFTER_APRIL_19_PUBLISHED), "2026-04-13", "2026-04-19")
    before = raw_rows(warehouse)
    with ScriptedHttpServer() as server:
        server.script("/travel/passenger-volumes", ScriptedResponse(200, page))
        live = DataSourcesResource(deployment="paper", tsa_base_url=server.base_url)
        assert not run_raw(warehouse, live, "2026-04-13", "2026-04-19")
    assert raw_rows(warehouse) == before


def test_a_live_page_is_ingested_with_the_scheduled_publication_time(warehouse):
    with ScriptedHttpServer() as server:
        server.script(
            "/travel/passenger-volumes",
            ScriptedResponse(200, SAMPLE_PAGE),
        )
        live = DataSourcesResource(deployment="paper", tsa_base_url=server.base_url)
        assert run_raw(warehouse, live, "2026-04-13", "2026-04-19")
    rows = raw_rows(warehouse)
    assert [(r[0].day, r[1]) for r in rows[:2]] == [(13, 2_606_811), (14, 2_044_781)]
    assert rows[0][2] == datetime(2026, 4, 14, 9, 0, tzinfo=EASTERN)
    assert rows[0][6] == server.base_url
