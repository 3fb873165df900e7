"""The temperature strategy's backtest on real recorded Kalshi prices (issue 10 §7).

Materialises the weather assets — the same code and clock rule a live run uses — on a fresh
DuckDB over every shipped city-day (markets 2023-12-25 → 2025-02-28): a forecast counts from its
run + ``NBM_AVAILABILITY_MINUTES`` (the shipped rows are the previous day's 12Z run), no decision
before the market's ``open_time``, the quote from 15-minute bars that ended by the decision, the
strategy's orders (``weather_opportunities``) through the paper venue (``weather_orders``):
fills only from bars that began at or after the order (``core.matching``), at most a quarter of
a bar's volume, the taker fee when the limit crosses the ask (fee schedule declared: Kalshi's
standard quadratic taker fee, no maker fee — the files record none). Settlement on Kalshi's
result; for 2023-12 → 2024-08 on the implied result from the IEM CLI value (labelled); KNYC days
of that period (GHCN only) are not traded. NY, Miami and Denver are priced by the declared
climatology + persistence reference, never passed off as NBM.

Prints per city: CRPS and Brier of our bin probabilities and Brier of the market's last price on
the same bins (each event's first priced decision), reliability; and per city and strategy tag:
orders, fills, contracts, fees, P&L after fees and the maximum drawdown of its cumulative P&L;
and per city how many decisions the model rule let trade (the reference model never does; the
market-skill gate, ``core.weather_skill``, opens only on a record better than the market's).

    .venv/bin/python -m benchmarks.weather_backtest \
        [--first 'AUS|2023-12-24' --last 'NY|2025-02-28']
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.weather_scoring import AS_OF, MARKET_DAYS, price_city_days, run, scoring_inputs
from edge_dagster.assets.weather_strategy import weather_opportunities, weather_orders
from edge_dagster.core.backtest_report import markdown_table
from edge_dagster.core.weather_scoring import (
    MARKET,
    city_scores,
    first_decisions,
    reliability,
    scored_bins,
)
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource


def order_pnl(orders: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """P&L after fees of each filled buy: filled × ($1 if its side won − price) − fees, at its
    market's settlement time (the strategy never sells, so this is the ledger's cash)."""
    filled = orders[orders["filled_count"] > 0].merge(outcomes, on="ticker", how="left")
    won = (filled["side"] == filled["outcome"]).astype(float)
    price = filled["limit_price"].astype(float)
    fees = (filled["taker_fees"] + filled["maker_fees"]).astype(float)
    return filled.assign(
        pnl=filled["filled_count"] * (won - price) - fees,
        fees=fees,
        city=filled["partition_key"].str.split("|").str[0],
    )


def max_drawdown(pnl: pd.Series) -> float:
    """Largest fall of the cumulative P&L from an earlier peak (0 included as the start)."""
    cumulative = np.concatenate([[0.0], pnl.cumsum().to_numpy(float)])
    return float(np.max(np.maximum.accumulate(cumulative) - cumulative))


def trading_table(orders: pd.DataFrame, pnl: pd.DataFrame) -> pd.DataFrame:
    rows = []
    orders = orders.assign(city=orders["partition_key"].str.split("|").str[0])
    groups = [*orders.groupby(["city", "tag"]), (("all", "all"), orders)]
    for (city, tag), placed in groups:
        mine = pnl if city == "all" else pnl[(pnl["city"] == city) & (pnl["tag"] == tag)]
        mine = mine.sort_values("settles_at")
        rows.append(
            {
                "city": city,
                "strategy": tag,
                "orders": len(placed),
                "orders_filled": int((placed["filled_count"] > 0).sum()),
                "contracts": int(placed["filled_count"].sum()),
                "fees": round(float(mine["fees"].sum()), 2),
                "pnl_after_fees": round(float(mine["pnl"].sum()), 2),
                "max_drawdown": round(max_drawdown(mine["pnl"]), 2),
                "win_share": round(float((mine["pnl"] > 0).mean()), 2) if len(mine) else None,
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--first", default=MARKET_DAYS[0])
    parser.add_argument("--last", default=MARKET_DAYS[1])
    args = parser.parse_args()
    days = (args.first, args.last)
    with tempfile.TemporaryDirectory() as folder:
        warehouse = WarehouseResource(database=str(Path(folder) / "edge.duckdb"))
        resources = {
            "warehouse": warehouse,
            "sources": DataSourcesResource(as_of=AS_OF),
            "kalshi": KalshiResource(),
        }
        total = price_city_days(resources, days)
        total += run(
            [weather_opportunities, weather_orders], resources, days,
            "opportunities + orders on the paper venue",
        )  # fmt: skip
        print(f"  total {total:.0f} s")
        with warehouse.get_connection() as conn:
            probabilities, settled, prices = scoring_inputs(conn)
            outcomes = conn.execute("SELECT ticker, outcome, settles_at FROM weather_markets").df()
            orders = conn.execute(
                "SELECT * FROM orders WHERE strategy = 'weather' AND environment = 'replay'"
            ).df()
            (cash,) = conn.execute(
                "SELECT coalesce(sum(amount), 0) FROM cash_ledger WHERE strategy = 'weather'"
            ).fetchone()
            opportunities = conn.execute(
                "SELECT strategy, tradable, count(*) AS n FROM weather_opportunities GROUP BY ALL "
                "ORDER BY ALL"
            ).df()
            gates = conn.execute(
                "SELECT city, CASE WHEN reason LIKE 'reference model%' THEN 'reference: not traded'"
                " WHEN reason LIKE 'market-skill gate%' THEN 'market-skill gate closed' "
                "WHEN reason LIKE '%out of P&L' THEN 'GHCN-only day: out of P&L' "
                "ELSE 'open' END AS gate, count(DISTINCT (event_ticker, decision_time)) AS "
                "decisions FROM weather_opportunities GROUP BY ALL ORDER BY ALL"
            ).df()
    priced = probabilities[probabilities["pricing_model"]]
    bins = scored_bins(first_decisions(priced), settled, prices)
    columns = [
        "city", "model", "days", "crps", "pit_coverage_80", "brier_all_bins", "market_bins",
        "brier_on_market_bins", "market_brier",
    ]  # fmt: skip
    print("\nForecast: the pricing model at each event's first priced decision vs the market's")
    print("last price on the same bins:")
    print(markdown_table(city_scores(bins)[columns]))
    for model in sorted(bins["model"].unique()):
        print(f"\nReliability, {model}:")
        print(markdown_table(reliability(bins, model)))
    print(f"\nReliability, {MARKET}:")
    print(markdown_table(reliability(bins, MARKET)))
    print("\nOpportunities (rows by strategy and tradable):")
    print(markdown_table(opportunities))
    print("\nDecisions by the model rule (reference never trades; the market-skill gate):")
    print(markdown_table(gates))
    pnl = order_pnl(orders, outcomes)
    print("\nTrading (paper venue, fills only after the order, fees included):")
    print(markdown_table(trading_table(orders, pnl)))
    print(f"\nledger cash (P&L after fees, settled): {float(cash):.2f}")


if __name__ == "__main__":
    main()
