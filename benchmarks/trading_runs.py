"""What the two TSA trading benchmarks share: the warehouse they build, the runs they repeat,
and how they print trading results (by year, per week, walk-forward).

Every run replays the paper book of all weeks 2022-01-03 → 2026-04-13 from scratch, as of
2026-04-20 12:00 ET (every replay week settled). P&L is the cash ledger after fees; a week's
P&L is that of the orders decided in it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from dagster import DagsterInstance, materialize

from edge_dagster.assets.trading import tsa_orders
from edge_dagster.assets.tsa import tsa_checkpoint_raw
from edge_dagster.assets.tsa_strategy import STRATEGY, TsaStrategyConfig, tsa_fair_values
from edge_dagster.core.backtest_report import walk_forward
from edge_dagster.definitions import sql_models
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.warehouse import fetch_row

AS_OF = "2026-04-20T12:00:00-04:00"
FIRST_WEEK, LAST_WEEK = "2022-01-03", "2026-04-13"
ENVIRONMENT = "replay"
WEEKS = list(pd.date_range(FIRST_WEEK, LAST_WEEK, freq="7D").date)
BLOCK_WEEKS = 13
"""Walk-forward blocks: a quarter of weeks, each traded on the choice that did best before it."""
VOLUME_SHARE = 0.5
"""The Friday-taker variant: at most this share of the hour's recorded volume."""
DEFAULT = (TsaStrategyConfig().limit_fraction, TsaStrategyConfig().edge_threshold)

OWN = f"environment = '{ENVIRONMENT}' AND strategy = '{STRATEGY}'"
STATS_SQL = f"""
SELECT
    count(*) AS orders,
    count(*) FILTER (filled_count > 0) AS filled_orders,
    coalesce(sum(filled_count), 0) AS contracts,
    count(*) FILTER (time_in_force = 'immediate_or_cancel') AS taker_orders,
    count(*) FILTER (time_in_force = 'immediate_or_cancel' AND filled_count > 0) AS taker_filled,
    count(*) FILTER (time_in_force = 'good_till_canceled') AS resting_orders,
    count(*) FILTER (time_in_force = 'good_till_canceled' AND filled_count > 0) AS resting_filled
FROM orders WHERE {OWN}
"""
# P&L of the Friday taker decision's fills: their cash plus their share of the settlement of
# the (partition, ticker, side) they belong to (the settlement pays $1 per winning contract).
TAKER_PNL_SQL = f"""
WITH own_fills AS (
    SELECT f.*, o.time_in_force FROM fills f JOIN orders o USING (client_order_id)
    WHERE f.{OWN.replace(" AND ", " AND f.")}
),
payout AS (  -- settlement ids end in the side settled (settlement:…:<partition>:<side>)
    SELECT partition_key, ticker, split_part(entry_id, ':', 6) AS side, sum(amount) AS paid
    FROM cash_ledger WHERE {OWN} AND kind = 'settlement' GROUP BY ALL
),
net AS (
    SELECT partition_key, ticker, side,
        sum(CASE WHEN action = 'buy' THEN count ELSE -count END) AS held FROM own_fills GROUP BY ALL
)
SELECT CAST(coalesce(sum(
    -(CASE WHEN f.action = 'buy' THEN f.count ELSE -f.count END) * f.price - f.fee
    + CASE WHEN n.held > 0 AND p.paid > 0
        THEN (CASE WHEN f.action = 'buy' THEN f.count ELSE -f.count END) * p.paid / n.held
        ELSE 0 END
), 0) AS DOUBLE)
FROM own_fills f JOIN net n USING (partition_key, ticker, side)
LEFT JOIN payout p USING (partition_key, ticker, side)
WHERE f.time_in_force = 'immediate_or_cancel'
"""
TOTALS_SQL = f"""
SELECT CAST(coalesce(sum(amount), 0) AS DOUBLE),
       CAST(coalesce(-sum(amount) FILTER (kind = 'fee'), 0) AS DOUBLE)
FROM cash_ledger WHERE {OWN}
"""
WEEK_PNL_SQL = f"""
SELECT CAST(partition_key AS DATE) AS week_monday, CAST(sum(amount) AS DOUBLE) AS pnl
FROM cash_ledger WHERE {OWN} GROUP BY ALL
"""


def range_tags(first: str, last: str) -> dict[str, str]:
    return {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last,
    }


def resources(warehouse: WarehouseResource) -> dict[str, object]:
    return {
        "warehouse": warehouse,
        "sources": DataSourcesResource(as_of=AS_OF),
        "kalshi": KalshiResource(),
    }


def run(assets: list, res: dict, instance: DagsterInstance, title: str = "", **kwargs):  # noqa: ANN003, ANN201
    """Materialise ``assets`` over every week (or as given in ``tags``), timed when titled."""
    kwargs.setdefault("tags", range_tags(FIRST_WEEK, LAST_WEEK))
    started = time.perf_counter()
    result = materialize(assets, resources=res, instance=instance, **kwargs)
    assert result.success, title or assets
    if title:
        print(f"{time.perf_counter() - started:7.1f} s  {title}")
    return result


def build_history(res: dict, instance: DagsterInstance) -> None:
    """Ingest, SQL models, snapshots, forecasts and fair values of every week, timed."""
    run([tsa_checkpoint_raw], res, instance, "ingest TSA months 2019-01..2026-04 (to 2026-04-19)",
        tags=range_tags("2019-01-01", "2026-04-01"))  # fmt: skip
    run(sql_models("tsa_daily", "tsa_weekly"), res, instance, "SQL models", tags={})
    run([tsa_fair_values], res, instance,
        f"snapshots, forecasts, fair values {FIRST_WEEK}..{LAST_WEEK} (one run)")  # fmt: skip


def trade(
    res: dict,
    instance: DagsterInstance,
    *,
    k: float,
    edge: float,
    trading: dict | None = None,
    title: str = "",
) -> None:
    """Desired orders and the paper book of every week for one parameter choice."""
    strategy = {"limit_fraction": k, "edge_threshold": edge}
    config = {"tsa_orders": {"config": {"strategy": strategy, **(trading or {})}}}
    run([tsa_orders], res, instance, title, run_config={"ops": config})


@dataclass(frozen=True)
class TradingResult:
    """One run's trading numbers."""

    orders: int
    filled_orders: int
    contracts: int
    taker_orders: int
    taker_filled: int
    resting_orders: int
    resting_filled: int
    pnl: float
    fees: float
    taker_pnl: float
    per_week: pd.Series

    @property
    def share_filled(self) -> float:
        return self.filled_orders / self.orders if self.orders else 0.0


def trading_result(warehouse: WarehouseResource) -> TradingResult:
    with warehouse.get_connection() as conn:
        stats = conn.execute(STATS_SQL).fetchone()
        pnl, fees = fetch_row(conn, TOTALS_SQL)
        (taker_pnl,) = fetch_row(conn, TAKER_PNL_SQL)
        per_week = conn.execute(WEEK_PNL_SQL).df()
    series = (
        per_week.assign(week_monday=pd.to_datetime(per_week["week_monday"]).dt.date)
        .set_index("week_monday")["pnl"]
        .reindex(WEEKS, fill_value=0.0)
    )
    return TradingResult(*(int(v) for v in stats), pnl, fees, taker_pnl, series)


def max_drawdown(pnl: Iterable[float]) -> float:
    equity = np.concatenate([[0.0], np.cumsum(list(pnl))])
    return float(np.max(np.maximum.accumulate(equity) - equity))


def print_result(title: str, result: TradingResult) -> None:
    print(f"\n{title}")
    print(
        f"  P&L after fees ${result.pnl:,.2f} (fees ${result.fees:,.2f}; Friday taker "
        f"${result.taker_pnl:,.2f}, resting orders ${result.pnl - result.taker_pnl:,.2f}); "
        f"max drawdown ${max_drawdown(result.per_week):,.2f}"
    )
    print(
        f"  orders {result.orders}, filled {result.filled_orders} "
        f"({100 * result.share_filled:.1f} %), contracts {result.contracts}; "
        f"Friday taker {result.taker_filled}/{result.taker_orders} filled, resting "
        f"{result.resting_filled}/{result.resting_orders} filled"
    )


def print_by_year(per_week: pd.Series) -> None:
    years = pd.Series(per_week.to_numpy(), index=[w.year for w in per_week.index])
    grouped = years.groupby(level=0)
    table = pd.DataFrame(
        {
            "P&L $": grouped.sum(),
            "weeks traded": grouped.apply(lambda s: int((s != 0).sum())),
            "weeks > 0": grouped.apply(lambda s: int((s > 0).sum())),
        }
    )
    print(table.to_string(float_format=lambda v: f"{v:,.2f}"))


def print_weeks(per_week: pd.Series) -> None:
    """Every week that traded, with the cumulative P&L."""
    traded = per_week[per_week != 0]
    cumulative = per_week.cumsum()[traded.index]
    for week, pnl in traded.items():
        print(f"  {week}  {pnl:9.2f}  {cumulative[week]:9.2f}")
    print(f"  {len(traded)} weeks traded, {int((traded > 0).sum())} won")


def print_walk_forward(per_week_by_choice: pd.DataFrame, *, weekly: bool = True) -> pd.Series:
    """Choose (k, edge) per quarter on the weeks before it; print and return what it earned."""
    earned, blocks = walk_forward(per_week_by_choice, block_weeks=BLOCK_WEEKS, default=DEFAULT)
    print(f"\nwalk-forward: blocks of {BLOCK_WEEKS} weeks, each trades the (k, edge) with the best "
          f"P&L on all weeks before it (the first: the default k = {DEFAULT[0]}, edge = "
          f"{DEFAULT[1]})")  # fmt: skip
    changes = blocks[blocks["choice"] != blocks["choice"].shift()]
    for row in changes.itertuples(index=False):
        print(f"  from {row.first_week}: k = {row.choice[0]:.2f}, edge = {row.choice[1]:.2f}")
    print(f"\nhonest (walk-forward) P&L ${earned.sum():,.2f}, max drawdown "
          f"${max_drawdown(earned):,.2f}; by year:")  # fmt: skip
    print_by_year(earned)
    if weekly:
        print("\nhonest P&L per week traded (week, P&L $, cumulative $):")
        print_weeks(earned)
    return earned
