"""Jobs that schedules, sensors and the quick start launch (partitioning is the assets')."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

WEATHER_STRATEGY_ASSETS = ("weather_opportunities", "weather_orders")
"""The temperature strategy's assets in the stage groups ``pricing`` and ``trading``: city ×
date partitioned, so never part of a weekly TSA run."""

# The tables are rebuilt in the ingest run itself (after the raw checks): the scheduled ingest
# needs no second run, and ``tsa_tables_sensor`` skips a raw event whose tables are newer.
tsa_ingest_job = define_asset_job(
    "tsa_ingest_job",
    selection=AssetSelection.assets("tsa_checkpoint_raw", "tsa_daily", "tsa_weekly"),
    description=(
        "Fetch TSA daily figures into tsa_checkpoint_raw (one run per range of months), then "
        "rebuild tsa_daily and tsa_weekly from it."
    ),
)

tsa_tables_job = define_asset_job(
    "tsa_tables_job",
    selection=AssetSelection.assets("tsa_daily", "tsa_weekly"),
    description="Rebuild the TSA SQL models from tsa_checkpoint_raw.",
)

# The raw TSA checks run first in every strategy run and tsa_daily is rebuilt after them: a
# failed blocking check stops tsa_daily, and with it the fair values (the snapshots and
# forecasts they start with) and the orders.
tsa_weekly_job = define_asset_job(
    "tsa_weekly_job",
    selection=AssetSelection.assets("tsa_daily", "tsa_fair_values", "tsa_orders")
    | AssetSelection.checks_for_assets("tsa_checkpoint_raw"),
    description=(
        "The TSA weekly strategy for a week or a range of weeks: raw-data checks, the daily "
        "table, fair values (snapshots, forecasts, pricing), orders (desired, then placed). "
        "A range of past weeks is the backtest."
    ),
)

weather_pricing_job = define_asset_job(
    "weather_pricing_job",
    selection=AssetSelection.assets(
        "nbm_bulletins",
        "stg_nbm_daily_high",
        "weather_market_snapshots",
        "weather_bin_probabilities",
        *WEATHER_STRATEGY_ASSETS,
    ),  # fmt: skip
    description=(
        "A new NBM cycle for every open city-day event, in one run: read the bulletin once, "
        "snapshot the markets, price every bin, rank the opportunities, send the orders."
    ),
)

weather_calibration_job = define_asset_job(
    "weather_calibration_job",
    selection=AssetSelection.assets(
        "observed_highs", "stg_observed_highs", "nbm_peak_window_forecasts", "weather_calibration"
    ),
    description="The day's observed highs (final CLI), then every city's calibration for today.",
)

weather_backtest_job = define_asset_job(
    "weather_backtest_job",
    selection=AssetSelection.assets(
        "observed_highs",
        "nbm_peak_window_forecasts",
        "nbm_bulletins",
        "stg_observed_highs",
        "stg_nbm_daily_high",
        "weather_calibration",
        "weather_market_snapshots",
        "weather_bin_probabilities",
        *WEATHER_STRATEGY_ASSETS,
    ),
    description=(
        "The temperature strategy end to end over a range of city-days: inputs, calibration, "
        "bins, opportunities, paper orders. A range of past days is the backtest."
    ),
)

tsa_backtest_report_job = define_asset_job(
    "tsa_backtest_report_job",
    selection=AssetSelection.assets("tsa_backtest_report"),
    description="Score every materialised TSA week: forecast accuracy, Brier against the market, "
    "paper P&L after fees.",
)

daily_report_job = define_asset_job(
    "daily_report_job",
    selection=AssetSelection.assets("portfolio", "daily_report_email"),
    description="Refresh the portfolio, then render the daily report from the warehouse and "
    "e-mail it (once per day and recipient).",
)
