"""Strategy sweep: limit fraction k × edge threshold over every replay week, chosen walk-forward.

Run from the repo root: ``.venv/bin/python -m benchmarks.tsa_strategy_sweep``. Builds one fresh
DuckDB file (as of 2026-04-20 12:00 ET, like ``benchmarks.tsa_backtest``), materialises the
snapshots, forecasts and fair values of every week once, then re-materialises the desired orders
and the paper book for each combination, for both Friday-taker fill variants (the configured
cap; at most half the hour's recorded volume). The table shows every combination over all weeks
— in-sample, for reading only. The honest number is the walk-forward one: each quarter trades
the combination that did best on the weeks before it (the first quarter the default).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd
from dagster import DagsterInstance

from benchmarks.trading_runs import (
    DEFAULT,
    VOLUME_SHARE,
    build_history,
    max_drawdown,
    print_walk_forward,
    resources,
    trade,
    trading_result,
)
from edge_dagster.resources.warehouse import WarehouseResource

LIMIT_FRACTIONS = [0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95, 1.00]
EDGE_THRESHOLDS = [0.02, 0.03, 0.05]
VARIANTS = {
    "Friday taker up to the configured cap (100 contracts)": {},
    f"Friday taker at most {VOLUME_SHARE:.0%} of the hour's recorded volume": {
        "quote_volume_share": VOLUME_SHARE
    },
}


def _print_grid(rows: list[dict]) -> None:
    print(
        f"{'k':>5} {'edge':>5} {'orders':>6} {'filled':>6} {'share':>6} {'contracts':>9} "
        f"{'fees $':>8} {'P&L $':>9} {'taker $':>9} {'resting $':>9} {'max DD $':>8}"
    )
    for r in rows:
        marker = "  (default)" if (r["k"], r["edge"]) == DEFAULT else ""
        print(
            f"{r['k']:5.2f} {r['edge']:5.2f} {r['orders']:6d} {r['filled']:6d} "
            f"{100 * r['share']:5.1f}% {r['contracts']:9d} {r['fees']:8.2f} {r['pnl']:9.2f} "
            f"{r['taker']:9.2f} {r['pnl'] - r['taker']:9.2f} {r['max_dd']:8.2f}{marker}"
        )


def main() -> None:
    wall = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="edge_sweep_"))
    warehouse = WarehouseResource(database=str(folder / "edge.duckdb"))
    res = resources(warehouse)
    honest = {}
    with DagsterInstance.ephemeral() as instance:
        build_history(res, instance)
        for title, trading in VARIANTS.items():
            started = time.perf_counter()
            rows, per_choice = [], {}
            for k in LIMIT_FRACTIONS:
                for edge in EDGE_THRESHOLDS:
                    trade(res, instance, k=k, edge=edge, trading=trading)
                    result = trading_result(warehouse)
                    per_choice[(k, edge)] = result.per_week
                    rows.append(
                        {"k": k, "edge": edge, "orders": result.orders,
                         "filled": result.filled_orders, "share": result.share_filled,
                         "contracts": result.contracts, "fees": result.fees, "pnl": result.pnl,
                         "taker": result.taker_pnl, "max_dd": max_drawdown(result.per_week)}
                    )  # fmt: skip
            combos = len(LIMIT_FRACTIONS) * len(EDGE_THRESHOLDS)
            print(f"\n=== {title}: {combos} combinations in {time.perf_counter() - started:.1f} s "
                  "(desired orders + paper book of every week each)")  # fmt: skip
            print("\nevery combination over all weeks (in-sample: read, do not choose by it):")
            _print_grid(rows)
            honest[title] = print_walk_forward(pd.DataFrame(per_choice))
    print("\nhonest walk-forward P&L, both variants:")
    for title, earned in honest.items():
        print(f"  {title}: ${earned.sum():,.2f}")
    print(f"\nwall time {time.perf_counter() - wall:.1f} s; DuckDB file kept at "
          f"{folder / 'edge.duckdb'}")  # fmt: skip


if __name__ == "__main__":
    main()
