"""Strategy sweep: limit fraction k × edge threshold on the weeks with recorded prices.

Run from the repo root: ``.venv/bin/python -m benchmarks.tsa_strategy_sweep``. Builds one fresh
DuckDB file (as of 2026-04-20 12:00 ET, like ``benchmarks.tsa_backtest``), materialises the
forecasts and fair values of the priced weeks once, then re-materialises only the desired orders
and the paper orders for each combination (the paper book of a partition range is replayed from
scratch on every run). Five weeks is a tiny sample: read the per-week view before the total.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd
from dagster import DagsterInstance, materialize

from benchmarks.tsa_backtest import AS_OF, _range
from edge_dagster.assets.reporting import weekly_trading
from edge_dagster.assets.sql_models import sql_model_assets
from edge_dagster.assets.trading import tsa_orders
from edge_dagster.assets.tsa import tsa_checkpoint_raw
from edge_dagster.assets.tsa_markets import tsa_market_snapshots
from edge_dagster.assets.tsa_strategy import (
    STRATEGY,
    TsaStrategyConfig,
    tsa_desired_orders,
    tsa_fair_values,
    tsa_forecasts,
)
from edge_dagster.core.backtest_report import trading_summary
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.warehouse import fetch_row

FIRST_WEEK, LAST_WEEK = "2026-03-16", "2026-04-13"  # the weeks with recorded Kalshi prices
LIMIT_FRACTIONS = [0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95, 1.00]
EDGE_THRESHOLDS = [0.02, 0.03, 0.05]
DEFAULT_EDGE = TsaStrategyConfig().edge_threshold
DEFAULT_K = TsaStrategyConfig().limit_fraction

OWN = f"environment = 'paper' AND strategy = '{STRATEGY}'"
COUNTS_SQL = f"""
SELECT
    (SELECT count(*) FROM desired_orders WHERE strategy = '{STRATEGY}' AND tag = 'entry'),
    (SELECT count(*) FROM orders WHERE {OWN}),
    (SELECT coalesce(sum(filled_count), 0) FROM orders WHERE {OWN}),
    (SELECT CAST(coalesce(-sum(amount), 0) AS DOUBLE) FROM cash_ledger
        WHERE {OWN} AND kind = 'fee'),
    (SELECT count(*) FROM cash_ledger WHERE {OWN} AND kind = 'settlement')
"""
WEEK_PNL_SQL = f"""
SELECT CAST(partition_key AS DATE) AS week_monday, CAST(sum(amount) AS DOUBLE) AS pnl
FROM cash_ledger WHERE {OWN} GROUP BY ALL
"""
# Contracts filled on orders that crossed the decision-time quote: they pay the taker fee.
TAKER_SQL = f"""
SELECT coalesce(sum(count), 0) FROM fills WHERE {OWN} AND is_taker
"""
WEEKS = list(pd.date_range(FIRST_WEEK, LAST_WEEK, freq="7D").date)


def _run(assets: list, resources: dict, instance: DagsterInstance, **kwargs: object) -> None:
    result = materialize(
        assets, resources=resources, instance=instance, tags=_range(FIRST_WEEK, LAST_WEEK),
        **kwargs,
    )  # fmt: skip
    assert result.success


def _measure(warehouse: WarehouseResource) -> tuple[dict[str, float | int], pd.Series]:
    """One combination's numbers, and its realised P&L per week (0 for a week without trades)."""
    with warehouse.get_connection() as conn:
        desired, placed, filled, fees, settled = fetch_row(conn, COUNTS_SQL)
        (taker,) = fetch_row(conn, TAKER_SQL)
        per_week = conn.execute(WEEK_PNL_SQL).df()
        weekly = weekly_trading(conn)
    per_week = (
        per_week.assign(week_monday=pd.to_datetime(per_week["week_monday"]).dt.date)
        .set_index("week_monday")["pnl"]
        .reindex(WEEKS, fill_value=0.0)
    )
    # Positions and wins as the backtest report counts them; P&L per week from the whole ledger
    # (the report leaves out a week whose positions were all sold before settlement).
    weekly["week_monday"] = pd.to_datetime(weekly["week_monday"]).dt.date
    weekly = weekly.set_index("week_monday").reindex(WEEKS, fill_value=0)
    weekly = weekly.assign(pnl=per_week).rename_axis("week_monday").reset_index()
    summary = trading_summary(weekly)
    row = {
        "desired": desired,
        "placed": placed,
        "filled": int(filled),
        "fees": fees,
        "pnl": summary["total_pnl"],
        "taker": int(taker),
        "settled": settled,
        "positions": summary["trades"],
        "win_rate": summary["win_rate"],
        "max_dd": summary["max_drawdown"],
    }
    return row, per_week


def _per_week_table(weekly: dict[tuple[float, float], pd.Series], edge: float) -> None:
    grid = pd.DataFrame({k: weekly[(k, edge)] for k in LIMIT_FRACTIONS}).T
    print(f"{'k':>5} " + " ".join(f"{str(w):>10}" for w in WEEKS) + f" {'total':>9} {'weeks>0':>7}")
    for k, pnl in grid.iterrows():
        marker = "  (default)" if k == DEFAULT_K else ""
        print(f"{k:5.2f} " + " ".join(f"{v:10.2f}" for v in pnl)
              + f" {pnl.sum():9.2f} {int((pnl > 0).sum()):7d}{marker}")  # fmt: skip
    best = []
    for week in WEEKS:
        winners = grid.index[grid[week] >= grid[week].max() - 1e-9]
        best.append("tie" if len(winners) > 2 else ",".join(f"{k:.2f}" for k in winners))
    print(f"{'best':>5} " + " ".join(f"{b:>10}" for b in best))


def main() -> None:
    wall = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="edge_sweep_"))
    warehouse = WarehouseResource(database=str(folder / "edge.duckdb"))
    resources = {
        "warehouse": warehouse,
        "sources": DataSourcesResource(as_of=AS_OF),
        "kalshi": KalshiResource(),
    }
    rows, weekly = [], {}
    with DagsterInstance.ephemeral() as instance:
        started = time.perf_counter()
        ingest = _range("2019-01-01", "2026-04-19")
        assert materialize(
            [tsa_checkpoint_raw], resources=resources, tags=ingest, instance=instance
        ).success
        assert materialize(
            sql_model_assets(["tsa_checkpoint_raw"]), resources=resources, instance=instance
        ).success
        _run([tsa_market_snapshots, tsa_forecasts, tsa_fair_values], resources, instance)
        print(f"{time.perf_counter() - started:7.1f} s  ingest, SQL models, forecasts and fair "
              f"values {FIRST_WEEK}..{LAST_WEEK}")  # fmt: skip
        started = time.perf_counter()
        for k in LIMIT_FRACTIONS:
            for edge in EDGE_THRESHOLDS:
                config = {"limit_fraction": k, "edge_threshold": edge}
                run_config = {"ops": {"tsa_desired_orders": {"config": config}}}
                _run([tsa_desired_orders, tsa_orders], resources, instance, run_config=run_config)
                row, per_week = _measure(warehouse)
                rows.append({"k": k, "edge": edge, **row})
                weekly[(k, edge)] = per_week
        combos = len(LIMIT_FRACTIONS) * len(EDGE_THRESHOLDS)
        print(f"{time.perf_counter() - started:7.1f} s  {combos} combinations "
              "(desired orders + paper orders each)")  # fmt: skip
    table = pd.DataFrame(rows)
    print(
        f"\nper combination, weeks {FIRST_WEEK}..{LAST_WEEK}, paper book. P&L = cash_ledger sum"
        " after fees; taker = contracts filled on orders that crossed the decision-time quote"
        "\n(they pay the taker fee); positions = tickers traded (as in the report), win % over"
        " them; max DD on weekly P&L\n"
    )
    print(f"{'k':>5} {'edge':>5} {'desired':>7} {'placed':>6} {'filled':>6} {'fees $':>7} "
          f"{'P&L $':>8} {'taker':>6} {'settled':>7} {'positions':>9} "
          f"{'win %':>6} {'max DD $':>8}")  # fmt: skip
    for r in table.itertuples(index=False):
        print(f"{r.k:5.2f} {r.edge:5.2f} {r.desired:7d} {r.placed:6d} {r.filled:6d} "
              f"{r.fees:7.2f} {r.pnl:8.2f} {r.taker:6d} {r.settled:7d} "
              f"{r.positions:9d} {100 * r.win_rate:6.1f} {r.max_dd:8.2f}")  # fmt: skip
    best = table.loc[table["pnl"].idxmax()]
    print(f"\nbest P&L: k = {best.k:.2f}, edge = {best.edge:.2f}: ${best.pnl:.2f} "
          f"({int(best.filled)} contracts filled, max DD ${best.max_dd:.2f})")  # fmt: skip
    for edge in [DEFAULT_EDGE, *(e for e in EDGE_THRESHOLDS if e != DEFAULT_EDGE)]:
        note = " (default; robustness: does one k win every week?)" if edge == DEFAULT_EDGE else ""
        print(f"\nP&L $ per week at edge = {edge:.2f}{note}\n")
        _per_week_table(weekly, edge)
    print(f"\nwall time {time.perf_counter() - wall:.1f} s; DuckDB file kept at "
          f"{folder / 'edge.duckdb'}")  # fmt: skip


if __name__ == "__main__":
    main()
