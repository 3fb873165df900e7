"""The raw TSA checks: stale, duplicated or impossible data fails them, and a failure stops the
weekly strategy run before it forecasts, prices or orders."""

from datetime import date

import pytest

from edge_dagster.assets.tsa import (
    tsa_checkpoint_raw_fresh,
    tsa_checkpoint_raw_unique_dates,
    tsa_checkpoint_raw_values_possible,
)
from edge_dagster.definitions import build_definitions
from edge_dagster.settings import Settings
from tests.assets.test_tsa_raw import AFTER_APRIL_19_PUBLISHED, APRIL, run_raw
from tests.conftest import replay_sources

INGESTED_AT = {  # the newest day public at each ingest time
    "2026-04-13": "2026-04-14T09:30:00-04:00",
    "2026-04-14": "2026-04-15T09:30:00-04:00",
    "2026-04-16": "2026-04-17T09:30:00-04:00",
    "2026-04-19": AFTER_APRIL_19_PUBLISHED,
}


def ingest(warehouse, first_month: str, newest_day: str = "2026-04-19") -> None:
    """The months ``first_month``..April 2026 as ingested when ``newest_day`` was the newest
    public day."""
    assert run_raw(warehouse, replay_sources(INGESTED_AT[newest_day]), first_month, APRIL)


@pytest.mark.parametrize(
    ("last_day", "now", "passed", "expected"),
    [
        ("2026-04-16", "2026-04-20T11:59:00-04:00", True, "2026-04-16"),  # Monday's post + 3 h
        ("2026-04-16", "2026-04-20T12:01:00-04:00", False, "2026-04-19"),  # grace over
        ("2026-04-19", "2026-04-20T12:01:00-04:00", True, "2026-04-19"),
    ],
)
def test_raw_data_must_be_as_new_as_the_publication_clock_allows(
    warehouse, last_day, now, passed, expected
):
    ingest(warehouse, APRIL, last_day)
    result = tsa_checkpoint_raw_fresh(warehouse=warehouse, sources=replay_sources(now))
    assert (result.passed, result.metadata["expected_travel_date"].text) == (passed, expected)
    assert result.metadata["newest_travel_date"].text == last_day


def test_an_empty_table_is_not_fresh(warehouse):
    result = tsa_checkpoint_raw_fresh(
        warehouse=warehouse, sources=replay_sources(AFTER_APRIL_19_PUBLISHED)
    )
    assert (result.passed, result.metadata["newest_travel_date"].text) == (False, "None")


def test_a_day_stored_twice_fails(warehouse):
    """A table restored from an export has no primary key to stop it."""
    with warehouse.get_connection() as conn:
        conn.execute(
            "CREATE TABLE tsa_checkpoint_raw AS SELECT * FROM (VALUES "
            "(DATE '2026-04-13', 2600000, TIMESTAMPTZ '2026-04-14 09:00-04', "
            "TIMESTAMPTZ '2026-04-14 09:00-04', 2600000, TIMESTAMPTZ '2026-04-14 09:00-04', 'r'),"
            "(DATE '2026-04-13', 2610000, TIMESTAMPTZ '2026-04-14 09:00-04', "
            "TIMESTAMPTZ '2026-04-14 09:00-04', 2610000, TIMESTAMPTZ '2026-04-14 09:00-04', 'r'))"
            " t(travel_date, travelers_first_published, published_at, first_seen_at, "
            "travelers_latest, latest_changed_at, source)"
        )
    result = tsa_checkpoint_raw_unique_dates(warehouse=warehouse)
    assert (result.passed, result.metadata["first"].text) == (False, "2026-04-13")


def test_real_data_passes_the_value_and_duplicate_checks(warehouse):
    ingest(warehouse, "2019-01-01")
    assert tsa_checkpoint_raw_values_possible(warehouse=warehouse).passed
    assert tsa_checkpoint_raw_unique_dates(warehouse=warehouse).passed


@pytest.mark.parametrize(
    ("update", "problem"),
    [
        ("travelers_first_published = -5", "non_positive_counts"),
        ("travelers_latest = 0", "non_positive_counts"),
        ("travelers_latest = 5000001", "counts_above_5m"),
        ("published_at = TIMESTAMPTZ '2026-04-15 23:00-04'", "published_before_day_ended"),
        ("first_seen_at = TIMESTAMPTZ '2026-04-16 08:00-04'", "times_out_of_order"),
    ],
)
def test_an_impossible_value_fails_and_names_the_day(warehouse, update, problem):
    ingest(warehouse, APRIL)
    with warehouse.get_connection() as conn:
        conn.execute(f"UPDATE tsa_checkpoint_raw SET {update} WHERE travel_date = '2026-04-15'")
    result = tsa_checkpoint_raw_values_possible(warehouse=warehouse)
    assert (
        result.passed,
        result.metadata[problem].value,
        result.metadata["first_bad_day"].text,
    ) == (
        False,
        1,
        str(date(2026, 4, 15)),
    )


def run_weekly_job(warehouse, monkeypatch, as_of: str):
    """The production ``tsa_weekly_job`` on the week of 2026-04-13, on a scratch warehouse."""
    monkeypatch.setenv("EDGE_DUCKDB_PATH", warehouse.database)
    monkeypatch.setenv("EDGE_AS_OF", as_of)
    monkeypatch.setenv("EDGE_DEPLOYMENT", "replay")
    defs = build_definitions(Settings.from_env())
    result = defs.resolve_job_def("tsa_weekly_job").execute_in_process(
        partition_key="2026-04-13", raise_on_error=False
    )
    materialized = {
        event.asset_key.to_user_string()
        for event in result.all_events
        if event.event_type_value == "ASSET_MATERIALIZATION"
    }
    return result, materialized


THURSDAY_MORNING = "2026-04-16T10:00:00-04:00"  # Tuesday's figure is public since Wednesday 09:00


def test_stale_raw_data_stops_the_weekly_run_before_it_orders(warehouse, monkeypatch):
    ingest(warehouse, "2019-01-01", "2026-04-13")  # Tuesday's figure never ingested
    result, materialized = run_weekly_job(warehouse, monkeypatch, THURSDAY_MORNING)
    assert not result.success
    assert materialized == set()  # the fair values (snapshots first) wait for tsa_daily
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failed == ["tsa_checkpoint_raw_tsa_checkpoint_raw_fresh"]
    with warehouse.get_connection() as conn:
        tables = {
            name for (name,) in conn.execute("FROM duckdb_tables() SELECT table_name").fetchall()
        }
    assert not {"market_snapshots", "tsa_forecasts", "orders"} & tables


def test_fresh_raw_data_lets_the_weekly_run_trade(warehouse, monkeypatch):
    ingest(warehouse, "2019-01-01", "2026-04-14")
    result, materialized = run_weekly_job(warehouse, monkeypatch, THURSDAY_MORNING)
    assert result.success
    assert {"tsa_daily", "tsa_fair_values", "tsa_orders"} <= materialized
