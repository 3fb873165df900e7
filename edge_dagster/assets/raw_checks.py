"""Checks on the raw weather and market tables: a fresh NBM cycle, no duplicate keys, no
negative or impossible values. Blocking: pricing and orders never run on data that fails them.

Duplicate keys cannot arise in a table this pipeline created (primary keys); a table restored
from an export (Parquet, CSV, a database copy) has none, so they are checked all the same.
"""

from collections.abc import Mapping
from datetime import date, timedelta

from dagster import AssetCheckExecutionContext, AssetCheckResult, asset_check
from dagster._core.errors import DagsterInvalidPropertyError
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, PARTITION_NAME_TAG

from edge_dagster.assets.tsa import check_result
from edge_dagster.assets.tsa_strategy import tsa_fair_values
from edge_dagster.assets.weather_ingest import nbm_bulletins, observed_highs
from edge_dagster.assets.weather_markets import weather_market_snapshots
from edge_dagster.core.clock import EASTERN
from edge_dagster.core.tickers import TSA_LEGACY_SERIES, TSA_SERIES
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.warehouse import fetch_row

NBM_MAX_AGE = timedelta(hours=8)
"""NBP cycles run every 6 hours (01/07/13/19Z); 8 hours allows one late cycle, not two."""
LOWEST_POSSIBLE_F, HIGHEST_POSSIBLE_F = -80, 140
"""No daily high in the seven cities comes near either bound (records: about −30 °F, 120 °F)."""


def _problems(counts: dict[str, int], first: object, what: str) -> AssetCheckResult:
    bad = {name: n for name, n in counts.items() if n}
    return check_result(
        not bad,
        f"impossible {what}: "
        + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in bad.items())
        + f" (first {first})",
        {**counts, "first_bad_row": str(first)},
    )


def newest_climate_day(run_tags: Mapping[str, str]) -> date | None:
    """The latest climate date a city × date run covers (``CHI|2024-09-16``), if partitioned."""
    key = run_tags.get(ASSET_PARTITION_RANGE_END_TAG) or run_tags.get(PARTITION_NAME_TAG)
    if not key or "|" not in key:
        return None
    return date.fromisoformat(key.rsplit("|", 1)[1])


def _run_tags(context: AssetCheckExecutionContext) -> Mapping[str, str]:
    """The run's tags; none when the check is invoked directly (tests)."""
    try:
        return context.run.tags
    except DagsterInvalidPropertyError:
        return {}


@asset_check(asset=nbm_bulletins, blocking=True)
def nbm_bulletins_fresh(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource, sources: DataSourcesResource
) -> AssetCheckResult:
    """The newest NBM cycle available by now is at most 8 hours old: a temperature price on an
    older cycle ignores a newer forecast the market already has. A run of past climate days
    only (a backtest) prices each decision on the cycles available then, so "now" does not
    apply to it."""
    now = sources.now()
    newest_day = newest_climate_day(_run_tags(context))
    if newest_day is not None and newest_day < now.astimezone(EASTERN).date():
        return AssetCheckResult(
            passed=True,
            description=f"past climate days only (newest {newest_day}): nothing open to price",
            metadata={"newest_climate_day": str(newest_day), "as_of": now.isoformat()},
        )
    with warehouse.transaction(["nbm_bulletins"]) as conn:
        (newest,) = fetch_row(
            conn, "SELECT max(cycle_time) FROM nbm_bulletins WHERE available_at <= ?", [now]
        )
    age_hours = None if newest is None else (now - newest).total_seconds() / 3600
    return check_result(
        newest is not None and now - newest <= NBM_MAX_AGE,
        f"NBM is stale: the newest cycle available by {now.isoformat()} is "
        f"{newest.isoformat() if newest else 'none'}"
        + (f", {age_hours:.1f} h old" if age_hours is not None else "")
        + f" (at most {NBM_MAX_AGE.total_seconds() / 3600:.0f} h); run nbm_bulletins or check NOAA",
        {
            "newest_cycle": str(newest),
            "as_of": now.isoformat(),
            "age_hours": age_hours if age_hours is not None else float("nan"),
            "max_age_hours": NBM_MAX_AGE.total_seconds() / 3600,
        },
    )


NBM_VALUE_PROBLEMS = """
    WITH keyed AS (
        SELECT station, local_date, cycle_time, count(*) AS n FROM nbm_bulletins GROUP BY ALL
    ), flagged AS (
        SELECT station, local_date, cycle_time,
            txn_mean NOT BETWEEN $low AND $high AS mean_impossible,
            coalesce(txn_sd < 0, false) AS negative_spread,
            coalesce(NOT (txn_p10 <= txn_p25 AND txn_p25 <= txn_p50 AND txn_p50 <= txn_p75
                AND txn_p75 <= txn_p90), false) AS quantiles_out_of_order,
            available_at < cycle_time OR valid_time < cycle_time AS before_its_cycle,
            forecast_hour < 0 AS negative_forecast_hour
        FROM nbm_bulletins
    )
    SELECT (SELECT count(*) FROM keyed WHERE n > 1),
        count(*) FILTER (mean_impossible), count(*) FILTER (negative_spread),
        count(*) FILTER (quantiles_out_of_order), count(*) FILTER (before_its_cycle),
        count(*) FILTER (negative_forecast_hour),
        min(station || ' ' || local_date || ' ' || cycle_time) FILTER (mean_impossible
            OR negative_spread OR quantiles_out_of_order OR before_its_cycle
            OR negative_forecast_hour)
    FROM flagged
"""


@asset_check(asset=nbm_bulletins, blocking=True)
def nbm_bulletins_values_possible(warehouse: WarehouseResource) -> AssetCheckResult:
    """One row per station, day and cycle; means within −80…140 °F, spreads not negative,
    quantiles in order, nothing available or valid before its cycle ran."""
    with warehouse.transaction(["nbm_bulletins"]) as conn:
        ((*counts, first),) = conn.execute(
            NBM_VALUE_PROBLEMS, {"low": LOWEST_POSSIBLE_F, "high": HIGHEST_POSSIBLE_F}
        ).fetchall()
    names = [
        "duplicated_keys",
        "means_impossible",
        "negative_spreads",
        "quantiles_out_of_order",
        "available_before_cycle",
        "negative_forecast_hours",
    ]
    return _problems(dict(zip(names, counts, strict=True)), first, "NBM values")


OBSERVED_VALUE_PROBLEMS = """
    WITH keyed AS (
        SELECT station, climate_date, source, report, count(*) AS n FROM observed_highs
        GROUP BY ALL
    ), flagged AS (
        SELECT station, climate_date,
            high_f NOT BETWEEN $low AND $high AS high_impossible,
            available_at < CAST(climate_date AS TIMESTAMP) AS available_before_the_day
        FROM observed_highs
    )
    SELECT (SELECT count(*) FROM keyed WHERE n > 1),
        count(*) FILTER (high_impossible), count(*) FILTER (available_before_the_day),
        min(station || ' ' || climate_date) FILTER (high_impossible OR available_before_the_day)
    FROM flagged
"""


@asset_check(asset=observed_highs, blocking=True)
def observed_highs_values_possible(warehouse: WarehouseResource) -> AssetCheckResult:
    """One row per station, day, source and report; highs within −80…140 °F; no high known
    before its climate day began (that would be lookahead)."""
    with warehouse.transaction(["observed_highs"]) as conn:
        ((*counts, first),) = conn.execute(
            OBSERVED_VALUE_PROBLEMS, {"low": LOWEST_POSSIBLE_F, "high": HIGHEST_POSSIBLE_F}
        ).fetchall()
    names = ["duplicated_keys", "highs_impossible", "available_before_the_day"]
    return _problems(dict(zip(names, counts, strict=True)), first, "observed highs")


QUOTE_PROBLEMS = """
    WITH rows AS (
        SELECT * FROM market_snapshots WHERE ($tsa AND series_ticker IN ($series, $legacy))
            OR (NOT $tsa AND series_ticker NOT IN ($series, $legacy))
    ), keyed AS (SELECT ticker, as_of, count(*) AS n FROM rows GROUP BY ALL),
    flagged AS (
        SELECT ticker, as_of,
            coalesce(yes_bid NOT BETWEEN 0 AND 1, false) OR coalesce(yes_ask NOT BETWEEN 0 AND 1,
                false) OR coalesce(last_price NOT BETWEEN 0 AND 1, false) AS price_outside_0_1,
            coalesce(yes_bid > yes_ask, false) AS crossed_book,
            coalesce(yes_bid_size < 0, false) OR coalesce(yes_ask_size < 0, false)
                OR coalesce(volume < 0, false) OR coalesce(open_interest < 0, false)
                AS negative_size
        FROM rows
    )
    SELECT (SELECT count(*) FROM keyed WHERE n > 1),
        count(*) FILTER (price_outside_0_1), count(*) FILTER (crossed_book),
        count(*) FILTER (negative_size),
        min(ticker || ' ' || as_of) FILTER (price_outside_0_1 OR crossed_book OR negative_size)
    FROM flagged
"""
QUOTE_PROBLEM_NAMES = ["duplicated_keys", "prices_outside_0_1", "crossed_books", "negative_sizes"]


def quote_problems(warehouse: WarehouseResource, tsa: bool) -> AssetCheckResult:
    with warehouse.transaction(["market_snapshots"]) as conn:
        ((*counts, first),) = conn.execute(
            QUOTE_PROBLEMS, {"tsa": tsa, "series": TSA_SERIES, "legacy": TSA_LEGACY_SERIES}
        ).fetchall()
    return _problems(dict(zip(QUOTE_PROBLEM_NAMES, counts, strict=True)), first, "quotes")


@asset_check(asset=tsa_fair_values, blocking=True)
def tsa_market_snapshots_values_possible(warehouse: WarehouseResource) -> AssetCheckResult:
    """TSA quotes (``tsa_fair_values`` records them first): one per market and time, prices
    within 0…1, bid ≤ ask, no negative size. A failure stops the orders."""
    return quote_problems(warehouse, tsa=True)


@asset_check(asset=weather_market_snapshots, blocking=True)
def weather_market_snapshots_values_possible(warehouse: WarehouseResource) -> AssetCheckResult:
    """Temperature quotes: as for TSA quotes."""
    return quote_problems(warehouse, tsa=False)
