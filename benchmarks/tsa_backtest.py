"""Backtest benchmark: every weekly partition 2022-01-03 → the last replay week, in one run.

Run from the repo root: ``.venv/bin/python -m benchmarks.tsa_backtest``. Builds a fresh DuckDB
file from the shipped replay data (as of 2026-04-20 12:00 ET, after the last week settled),
times each stage, prints the report's headline numbers, then the paper trading results: with
the default parameters (both Friday-taker variants: the configured cap, and at most half the
hour's recorded volume), and with k and the edge threshold chosen by walk-forward on a small
grid (``benchmarks.tsa_strategy_sweep`` runs the full grid), by year and per week.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd
from dagster import AssetKey, DagsterInstance

from benchmarks.trading_runs import (
    DEFAULT,
    FIRST_WEEK,
    LAST_WEEK,
    VOLUME_SHARE,
    build_history,
    print_by_year,
    print_result,
    print_walk_forward,
    print_weeks,
    resources,
    run,
    trade,
    trading_result,
)
from edge_dagster.assets.reporting import tsa_backtest_report
from edge_dagster.assets.trading import tsa_orders
from edge_dagster.resources.warehouse import WarehouseResource

GRID = [(k, edge) for k in (0.65, 0.80, 1.00) for edge in (0.03, 0.05)]


def main() -> None:
    wall = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="edge_backtest_"))
    warehouse = WarehouseResource(database=str(folder / "edge.duckdb"))
    res = resources(warehouse)
    with DagsterInstance.ephemeral() as instance:
        build_history(res, instance)
        run([tsa_orders], res, instance,
            f"desired orders and paper orders {FIRST_WEEK}..{LAST_WEEK} (one run)")  # fmt: skip
        run([tsa_backtest_report], res, instance, "report", tags={})
        event = instance.get_latest_materialization_event(AssetKey("tsa_backtest_report"))
        default = trading_result(warehouse)
        trade(res, instance, k=float(DEFAULT[0]), edge=float(DEFAULT[1]),
              trading={"quote_volume_share": VOLUME_SHARE})  # fmt: skip
        capped = trading_result(warehouse)
        per_choice = {}
        started = time.perf_counter()
        for k, edge in GRID:
            trade(res, instance, k=k, edge=edge)
            per_choice[(k, edge)] = trading_result(warehouse).per_week
        grid_seconds = time.perf_counter() - started
    metadata = event.asset_materialization.metadata
    print("\nheadline numbers (scored weeks from 2023-01-02; MAPE of the weekly average):")
    for key, value in metadata.items():
        if key != "report":
            print(f"  {key:<28} {value.value:.4f}" if isinstance(value.value, float)
                  else f"  {key:<28} {value.value}")  # fmt: skip
    k, edge = DEFAULT
    print_result(f"paper trading, default k = {k}, edge = {edge}; the Friday taker fills up to "
                 "the configured cap (100 contracts)", default)  # fmt: skip
    print_by_year(default.per_week)
    print_result(f"the same, the Friday taker capped at {VOLUME_SHARE:.0%} of the hour's "
                 "recorded volume", capped)  # fmt: skip
    print_by_year(capped.per_week)
    print("\ndefault parameters, P&L per week traded (week, P&L $, cumulative $):")
    print_weeks(default.per_week)
    print(f"\nwalk-forward over k × edge = {GRID} ({grid_seconds:.1f} s for the grid)")
    print_walk_forward(pd.DataFrame(per_choice))
    print(f"\nwall time {time.perf_counter() - wall:.1f} s; DuckDB file kept at "
          f"{folder / 'edge.duckdb'}")  # fmt: skip


if __name__ == "__main__":
    main()
