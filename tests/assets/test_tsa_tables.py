"""The TSA SQL models built by the factory, on real replayed data."""

from dagster import materialize

from edge_dagster.definitions import sql_models
from edge_dagster.resources.warehouse import WarehouseResource
from tests.assets.test_tsa_raw import AFTER_APRIL_19_PUBLISHED, APRIL, run_raw
from tests.conftest import replay_sources


def build_tables(warehouse: WarehouseResource) -> None:
    assert run_raw(warehouse, replay_sources(AFTER_APRIL_19_PUBLISHED), "2026-03-01", APRIL)
    assets = sql_models("tsa_daily", "tsa_weekly")
    assert materialize(assets, resources={"warehouse": warehouse}).success


def test_weekly_averages_match_the_settled_kalshi_weeks(warehouse):
    build_tables(warehouse)
    with warehouse.get_connection() as conn:
        weeks = conn.execute(
            "SELECT week_sunday, days_published, round(avg_travelers, 1), complete "
            "FROM tsa_weekly ORDER BY week_monday"
        ).fetchall()
    # Kalshi's recorded markets give 2,523,278.3 and 2,458,999.9 for the last two weeks.
    assert [(str(w[0]), w[1], w[2], w[3]) for w in weeks[-2:]] == [
        ("2026-04-12", 7, 2_523_278.3, True),
        ("2026-04-19", 7, 2_458_999.9, True),
    ]


def test_the_daily_model_keeps_first_published_and_latest_figures(warehouse):
    build_tables(warehouse)
    with warehouse.get_connection() as conn:
        row = conn.execute(
            "SELECT travelers, travelers_latest, revision, iso_weekday, week_monday "
            "FROM tsa_daily WHERE travel_date = DATE '2026-04-19'"
        ).fetchall()
    assert [(r[0], r[1], r[2], r[3], str(r[4])) for r in row] == [
        (2_796_984, 2_796_984, 0, 7, "2026-04-13")
    ]
