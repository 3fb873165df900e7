"""Forecast scoring over every shipped city-day (issue 10 §7, forecasting half).

Runs the weather assets on a fresh DuckDB over the shipped data (observed highs and day-ahead
NBM history from 2023-01-01, markets 2023-12-25 → 2025-02-28), then scores each event's first
priced decision (the forecast public at its run + ``NBM_AVAILABILITY_MINUTES``, the markets
listed): CRPS and PIT coverage of every model, Brier of their bin probabilities, and Brier of
the market's last traded price before the decision on the same bins, per city and period, plus
reliability. KMDW/KAUS have the day-ahead NBM history; NY, Miami and Denver only the declared
climatology + persistence reference. Run with ``.venv/bin/python -m benchmarks.weather_scoring``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd
from dagster import materialize

from edge_dagster.assets.weather_ingest import (
    nbm_bulletins,
    nbm_peak_window_forecasts,
    observed_highs,
)
from edge_dagster.assets.weather_markets import weather_market_snapshots
from edge_dagster.assets.weather_models import weather_bin_probabilities, weather_calibration
from edge_dagster.core.backtest_report import markdown_table
from edge_dagster.core.weather_model import PEAK_WINDOW_EMOS, REFERENCE
from edge_dagster.core.weather_scoring import (
    MARKET,
    city_scores,
    first_decisions,
    reliability,
    scored_bins,
)
from edge_dagster.definitions import sql_models
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource

AS_OF = "2025-03-01T16:00:00Z"  # every shipped event settled; nothing later exists here
HISTORY = ("AUS|2023-01-01", "PHIL|2025-02-28")
MARKET_DAYS = ("AUS|2023-12-24", "NY|2025-02-28")
DERIVED_ERA_END = pd.Timestamp("2024-08-15").date()


def run(assets: list, resources: dict, keys: tuple[str, str], title: str) -> float:
    start = time.perf_counter()
    result = materialize(
        assets,
        resources=resources,
        tags={
            "dagster/asset_partition_range_start": keys[0],
            "dagster/asset_partition_range_end": keys[1],
        },
    )
    seconds = time.perf_counter() - start
    assert result.success, title
    print(f"  {title}: {seconds:.1f} s")
    return seconds


def price_city_days(resources: dict, days: tuple[str, str]) -> float:
    """Materialise the pricing half of the weather pipeline over ``days`` (one run per step,
    as a backfill would), after the inputs' full history; the seconds it took."""
    sql = {
        a.key.to_user_string(): a for a in sql_models("stg_observed_highs", "stg_nbm_daily_high")
    }
    print("pipeline (replay, one run per step):")
    total = run(
        [observed_highs, nbm_peak_window_forecasts, sql["stg_observed_highs"]],
        resources, HISTORY, "observed highs, day-ahead NBM history, 2023-01..2025-02",
    )  # fmt: skip
    total += run(
        [nbm_bulletins, sql["stg_nbm_daily_high"]], resources, days,
        "NBP bulletins (none shipped for these dates)",
    )  # fmt: skip
    total += run([weather_calibration], resources, days, "daily calibration")
    total += run(
        [weather_market_snapshots, weather_bin_probabilities], resources, days,
        "market snapshots + bin probabilities",
    )  # fmt: skip
    return total


def scoring_inputs(conn: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, ...]:
    """(bin probabilities, settled values, last traded prices) as the warehouse holds them."""
    probabilities = conn.execute("SELECT * FROM weather_bin_probabilities").df()
    settled = conn.execute(
        "SELECT DISTINCT event_ticker, settled_value, settled_value_source, pnl_eligible "
        "FROM weather_markets"
    ).df()
    prices = conn.execute(
        "SELECT ticker, as_of, CAST(last_price AS DOUBLE) AS last_price "
        "FROM market_snapshots WHERE last_price IS NOT NULL"
    ).df()
    return probabilities, settled, prices


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        warehouse = WarehouseResource(database=str(Path(folder) / "edge.duckdb"))
        resources = {"warehouse": warehouse, "sources": DataSourcesResource(as_of=AS_OF)}
        total = price_city_days(resources, MARKET_DAYS)
        print(f"  total {total:.0f} s")
        with warehouse.get_connection() as conn:
            probabilities, settled, prices = scoring_inputs(conn)
    bins = scored_bins(first_decisions(probabilities), settled, prices)
    bins["climate_date"] = pd.to_datetime(bins["climate_date"]).dt.date
    bins["period"] = bins["climate_date"].map(
        lambda d: "2023-12→2024-08 (ticker-derived)" if d <= DERIVED_ERA_END else "2024-08→2025-02"
    )
    columns = [
        "city", "model", "days", "crps", "pit_coverage_80", "bias", "brier_all_bins",
        "market_bins", "brier_on_market_bins", "market_brier",
    ]  # fmt: skip
    print("\nAll shipped city-days (first priced decision of each event):")
    print(markdown_table(city_scores(bins)[columns]))
    for period, group in bins.groupby("period"):
        print(f"\n{period}:")
        print(markdown_table(city_scores(group)[columns]))
    ghcn_only = bins[~bins["pnl_eligible"].astype(bool)]["event_ticker"].nunique()
    print(
        f"\n{ghcn_only} events settle on a GHCN value only (KNYC before 2024-08-16): scored, "
        "flagged out of P&L."
    )
    for model in (PEAK_WINDOW_EMOS, REFERENCE, MARKET):
        print(f"\nReliability, {model}:")
        print(markdown_table(reliability(bins, model)))


if __name__ == "__main__":
    main()
