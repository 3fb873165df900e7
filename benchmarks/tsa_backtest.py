"""Backtest benchmark: every weekly partition 2022-01-03 → the last replay week, in one run.

Run from the repo root: ``.venv/bin/python -m benchmarks.tsa_backtest``. Builds a fresh DuckDB
file from the shipped replay data (as of 2026-04-20 12:00 ET, after the last week settled),
times each stage and prints the report's headline numbers.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from dagster import AssetKey, DagsterInstance, materialize

from edge_dagster.assets.reporting import tsa_backtest_report
from edge_dagster.assets.sql_models import sql_model_assets
from edge_dagster.assets.trading import tsa_orders
from edge_dagster.assets.tsa import tsa_checkpoint_raw
from edge_dagster.assets.tsa_markets import tsa_market_snapshots
from edge_dagster.assets.tsa_strategy import tsa_desired_orders, tsa_fair_values, tsa_forecasts
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource

AS_OF = "2026-04-20T12:00:00-04:00"
FIRST_WEEK, LAST_WEEK = "2022-01-03", "2026-04-13"
WEEKLY_ASSETS = [
    tsa_market_snapshots,
    tsa_forecasts,
    tsa_fair_values,
    tsa_desired_orders,
    tsa_orders,
]


def _range(first: str, last: str) -> dict[str, str]:
    return {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last,
    }


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="edge_backtest_"))
    resources = {
        "warehouse": WarehouseResource(database=str(folder / "edge.duckdb")),
        "sources": DataSourcesResource(as_of=AS_OF),
        "kalshi": KalshiResource(),
    }
    with DagsterInstance.ephemeral() as instance:
        stages = [
            ("ingest TSA days 2019-01-01..2026-04-19", [tsa_checkpoint_raw],
             _range("2019-01-01", "2026-04-19")),
            ("SQL models", sql_model_assets(["tsa_checkpoint_raw"]), {}),
            (f"weekly backfill {FIRST_WEEK}..{LAST_WEEK} (one run)", WEEKLY_ASSETS,
             _range(FIRST_WEEK, LAST_WEEK)),
            ("report", [tsa_backtest_report], {}),
        ]  # fmt: skip
        for title, assets, tags in stages:
            started = time.perf_counter()
            result = materialize(assets, resources=resources, tags=tags, instance=instance)
            assert result.success, title
            print(f"{time.perf_counter() - started:7.1f} s  {title}")
        event = instance.get_latest_materialization_event(AssetKey("tsa_backtest_report"))
        # Sensitivity: the candle in progress at a decision may hold prices printed before it.
        conservative = {"ops": {"tsa_orders": {"config": {"fill_on_later_candles_only": True}}}}
        for run_config in (conservative, {}):
            result = materialize(
                [tsa_orders, tsa_backtest_report], resources=resources, instance=instance,
                tags=_range(FIRST_WEEK, LAST_WEEK), run_config=run_config,
            )  # fmt: skip
            assert result.success
            if run_config:
                (report,) = result.asset_materializations_for_node("tsa_backtest_report")
                sensitivity = {k: report.metadata[k].value for k in ("paper_pnl", "paper_trades")}
    metadata = event.asset_materialization.metadata
    print("\nheadline numbers (scored weeks from 2023-01-02; MAPE of the weekly average):")
    for key, value in metadata.items():
        if key != "report":
            print(f"  {key:<28} {value.value:.4f}" if isinstance(value.value, float)
                  else f"  {key:<28} {value.value}")  # fmt: skip
    print(f"  paper_pnl, conservative fills {sensitivity['paper_pnl']:.4f} "
          f"({sensitivity['paper_trades']} trades; resting orders fill only on candles that "
          "began after the decision)")  # fmt: skip
    print(f"\nDuckDB file kept at {folder / 'edge.duckdb'}")


if __name__ == "__main__":
    main()
