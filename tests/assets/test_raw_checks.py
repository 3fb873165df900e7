"""Raw weather and market checks: a stale NBM cycle, duplicate keys and impossible values fail
them; good rows pass."""

from datetime import UTC, datetime

import pytest
from dagster import build_asset_check_context

from edge_dagster.assets.raw_checks import (
    nbm_bulletins_fresh,
    nbm_bulletins_values_possible,
    newest_climate_day,
    observed_highs_values_possible,
    tsa_market_snapshots_values_possible,
    weather_market_snapshots_values_possible,
)
from edge_dagster.resources.sources import DataSourcesResource
from tests.assets.test_tsa_raw_checks import THURSDAY_MORNING, ingest, run_weekly_job

CYCLE = datetime(2026, 4, 16, 7, tzinfo=UTC)
GOOD_NBM = (71, 3, 67, 69, 71, 73, 75)  # mean, sd, p10 … p90


def nbm_row(warehouse, station="KNYC", cycle=CYCLE, available_minutes=70, values=GOOD_NBM):  # noqa: ANN001
    with warehouse.transaction(["nbm_bulletins"]) as conn:
        conn.execute(
            "INSERT INTO nbm_bulletins VALUES (?, DATE '2026-04-16', ?, 'v4.2', 12, "
            "? + INTERVAL 12 HOUR, ? + to_minutes(CAST(? AS BIGINT)), ?, ?, ?, ?, ?, ?, ?)",
            [station, cycle, cycle, cycle, available_minutes, *values],
        )


def at(iso: str) -> DataSourcesResource:
    return DataSourcesResource(as_of=iso)


def fresh(warehouse, now: str):  # noqa: ANN001, ANN201
    """The freshness check of a run that is not partitioned by climate day."""
    return nbm_bulletins_fresh(build_asset_check_context(), warehouse=warehouse, sources=at(now))


@pytest.mark.parametrize(
    ("now", "passed"),
    [("2026-04-16T15:00:00+00:00", True), ("2026-04-16T15:01:00+00:00", False)],
)
def test_the_newest_nbm_cycle_must_be_at_most_8_hours_old(warehouse, now, passed):
    nbm_row(warehouse)
    result = fresh(warehouse, now)
    assert (result.passed, result.metadata["newest_cycle"].text) == (
        passed, "2026-04-16 07:00:00+00:00",
    )  # fmt: skip


def test_a_cycle_not_yet_available_does_not_count_as_fresh(warehouse):
    nbm_row(warehouse, cycle=datetime(2026, 4, 16, 1, tzinfo=UTC))
    nbm_row(warehouse, station="KMDW", available_minutes=600)  # 07Z, out at 17:00Z
    result = nbm_bulletins_fresh(
        build_asset_check_context(), warehouse=warehouse, sources=at("2026-04-16T09:30:00+00:00")
    )
    assert (result.passed, result.metadata["newest_cycle"].text) == (
        False, "2026-04-16 01:00:00+00:00",
    )  # fmt: skip
    assert result.description.startswith("NBM is stale: the newest cycle available by")


def test_an_empty_nbm_table_is_stale(warehouse):
    result = nbm_bulletins_fresh(
        build_asset_check_context(), warehouse=warehouse, sources=at("2026-04-16T09:30:00+00:00")
    )
    assert (result.passed, result.metadata["newest_cycle"].text) == (False, "None")


def test_a_run_of_past_climate_days_only_needs_no_fresh_cycle():
    tags = {"dagster/asset_partition_range_end": "CHI|2024-09-16"}
    assert newest_climate_day(tags) == datetime(2024, 9, 16).date()
    assert newest_climate_day({"dagster/partition": "2026-04-13"}) is None
    assert newest_climate_day({}) is None


def test_good_nbm_values_pass(warehouse):
    nbm_row(warehouse)
    assert nbm_bulletins_values_possible(warehouse=warehouse).passed


def test_impossible_nbm_values_fail_and_are_counted(warehouse):
    nbm_row(warehouse, station="KNYC", values=(150, 3, 67, 69, 71, 73, 75))
    nbm_row(warehouse, station="KMDW", values=(71, -2, 67, 69, 71, 73, 75))
    nbm_row(warehouse, station="KMIA", values=(71, 3, 67, 72, 71, 73, 75))
    result = nbm_bulletins_values_possible(warehouse=warehouse)
    counts = {k: v.value for k, v in result.metadata.items() if k != "first_bad_row"}
    assert not result.passed
    assert counts == {
        "duplicated_keys": 0,
        "means_impossible": 1,
        "negative_spreads": 1,
        "quantiles_out_of_order": 1,
        "available_before_cycle": 0,
        "negative_forecast_hours": 0,
    }
    assert result.description == (
        "impossible NBM values: 1 means impossible, 1 negative spreads, 1 quantiles out of "
        "order (first KMDW 2026-04-16 2026-04-16 07:00:00+00)"
    )


def test_a_restored_nbm_table_with_a_duplicate_key_fails(warehouse):
    nbm_row(warehouse)
    with warehouse.get_connection() as conn:
        conn.execute("CREATE TABLE copy AS SELECT * FROM nbm_bulletins UNION ALL "
                     "SELECT * FROM nbm_bulletins")  # fmt: skip
        conn.execute("DROP TABLE nbm_bulletins")
        conn.execute("ALTER TABLE copy RENAME TO nbm_bulletins")
    result = nbm_bulletins_values_possible(warehouse=warehouse)
    assert (result.passed, result.metadata["duplicated_keys"].value) == (False, 1)


def observed(warehouse, high: int, available: str = "2026-04-17 06:00:00+00") -> None:  # noqa: ANN001
    with warehouse.transaction(["observed_highs"]) as conn:
        conn.execute(
            "INSERT INTO observed_highs VALUES ('KNYC', DATE '2026-04-16', 'iem', 'final', ?, "
            "NULL, CAST(? AS TIMESTAMPTZ), 'test')",
            [high, available],
        )


@pytest.mark.parametrize(
    ("high", "available", "passed"),
    [
        (68, "2026-04-17 06:00:00+00", True),
        (168, "2026-04-17 06:00:00+00", False),  # no such high
        (68, "2026-04-15 12:00:00+00", False),  # known before the day began
    ],
)
def test_observed_highs_must_be_possible_and_known_only_after_the_day_began(
    warehouse, high, available, passed
):
    observed(warehouse, high, available)
    assert observed_highs_values_possible(warehouse=warehouse).passed is passed


def quote(warehouse, ticker: str, series: str, bid: str, ask: str, volume: float = 10) -> None:  # noqa: ANN001
    with warehouse.transaction(["market_snapshots"]) as conn:
        conn.execute(
            "INSERT INTO market_snapshots (ticker, as_of, source, series_ticker, event_ticker, "
            "strike_type, status, yes_bid, yes_ask, volume, close_time, result, fee_type, "
            "fee_multiplier) VALUES (?, ?, 'test', ?, ?, 'greater', 'active', ?, ?, ?, ?, '', "
            "'quadratic', 1)",
            [ticker, CYCLE, series, ticker.rsplit("-", 1)[0], bid, ask, volume, CYCLE],
        )


def test_crossed_or_negative_quotes_fail_the_check_of_their_own_strategy_only(warehouse):
    quote(warehouse, "KXTSAW-26APR19-A2.45", "KXTSAW", "0.40", "0.42")
    quote(warehouse, "KXHIGHNY-26APR16-B62.5", "KXHIGHNY", "0.45", "0.40")  # crossed
    quote(warehouse, "KXHIGHNY-26APR16-B64.5", "KXHIGHNY", "0.10", "0.12", volume=-1)
    assert tsa_market_snapshots_values_possible(warehouse=warehouse).passed
    result = weather_market_snapshots_values_possible(warehouse=warehouse)
    counts = {k: v.value for k, v in result.metadata.items() if k != "first_bad_row"}
    assert (result.passed, counts) == (
        False,
        {"duplicated_keys": 0, "prices_outside_0_1": 0, "crossed_books": 1, "negative_sizes": 1},
    )


def test_an_impossible_quote_stops_the_weekly_run_before_it_orders(warehouse, monkeypatch):
    ingest(warehouse, "2019-01-01", "2026-04-14")
    quote(warehouse, "KXTSAW-26APR19-A9.99", "KXTSAW", "0.60", "0.40")  # a crossed book
    result, materialized = run_weekly_job(warehouse, monkeypatch, THURSDAY_MORNING)
    assert not result.success
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failed == ["tsa_fair_values_tsa_market_snapshots_values_possible"]
    assert "tsa_fair_values" in materialized  # it records the snapshots, then prices
    assert "tsa_orders" not in materialized
