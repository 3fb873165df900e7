"""The TSA backtest report: every materialised week, scored on what really happened."""

from datetime import date, timedelta

import pandas as pd
from dagster import AssetKey, MaterializeResult, MetadataValue, asset

from edge_dagster.assets.trading import tsa_orders
from edge_dagster.assets.tsa_strategy import STRATEGY, tsa_fair_values
from edge_dagster.core import backtest_report as report
from edge_dagster.core.tickers import tsa_event_ticker
from edge_dagster.core.tsa_model import PRICING_MODEL
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import DUCKDB_WRITE_POOL, WarehouseResource

# Scored like the seed's published numbers: 2023 on (2022 leans on thin post-COVID history).
SCORING_START = date(2023, 1, 1)


def kalshi_settled_results(
    sources: DataSourcesResource, event_tickers: list[str]
) -> dict[str, int]:
    """Ticker → 1/0 where Kalshi's own settlement is known by now: the events' settled
    markets, from the recorded files (200 weeks 2022-06 → 2026-04) or the API."""
    markets = sources.kalshi_markets()
    now = sources.now()
    return {
        ticker: int(result == "yes")
        for event in event_tickers
        for ticker, (result, _) in markets.settlements(event, now).items()
    }


def scored_fair_values(
    fair_values: pd.DataFrame, actual: pd.Series, settled: dict[str, int], quotes: pd.DataFrame
) -> pd.DataFrame:
    """Fair values with their outcome (Kalshi's result where known, else the weekly average
    ``actual`` against the strike) and the market quote after the same release."""
    scored = fair_values.assign(
        market_bid=quotes["yes_bid"].to_numpy(),
        market_ask=quotes["yes_ask"].to_numpy(),
        market_mid=quotes["mid"].to_numpy(),
    )
    scored["actual_avg"] = scored["week_monday"].map(actual)
    scored = scored.dropna(subset=["actual_avg"])
    by_average = (scored["actual_avg"] > scored["strike"]).astype(int)
    scored["outcome"] = scored["ticker"].map(settled).fillna(by_average).astype(int)
    scored["horizon"] = (
        scored.groupby(["week_monday", "model"])["decision_time"].rank(method="dense").astype(int)
        - 1
    )
    return scored


def weekly_truth(sources: DataSourcesResource, weekly: pd.DataFrame) -> pd.DataFrame:
    """Per week the average forecasts are scored on (``actual``): the value Kalshi settled the
    week on where known (181 weeks of 2022–2025 in the replay; ``kalshi`` true), else the
    first-published average (in replay before 2026 that is TSA's restated archive)."""
    events = {
        monday: tsa_event_ticker(monday + timedelta(days=6)) for monday in weekly["week_monday"]
    }
    settled = sources.kalshi_markets().settled_values(events.values())
    kalshi = pd.Series({m: settled.get(e) for m, e in events.items()}, dtype=float)
    archive = weekly.set_index("week_monday")["avg_travelers"]
    return pd.DataFrame({"actual": kalshi.fillna(archive), "kalshi": kalshi.notna()})


def weekly_trading(conn, environment: str) -> pd.DataFrame:  # noqa: ANN001 - DuckDB
    """Per closed week of the strategy in ``environment`` (every position settled or sold out):
    P&L after fees, fees, positions (tickers) traded and won, and fills. A week still holding an
    unsettled position is left out: its P&L is not known yet."""
    return conn.execute(
        """
        WITH own_fills AS (
            SELECT * FROM fills WHERE environment = $environment AND strategy = $strategy
        ),
        own_ledger AS (
            SELECT * FROM cash_ledger WHERE environment = $environment AND strategy = $strategy
        ),
        still_open AS (
            SELECT DISTINCT f.partition_key FROM (
                SELECT partition_key, ticker, side,
                       sum(CASE WHEN action = 'buy' THEN count ELSE -count END) AS net
                FROM own_fills GROUP BY ALL
            ) f
            WHERE f.net != 0 AND NOT EXISTS (
                SELECT 1 FROM own_ledger s WHERE s.kind = 'settlement'
                AND s.partition_key = f.partition_key AND s.ticker = f.ticker
            )
        ),
        positions AS (
            SELECT partition_key, ticker, sum(amount) AS pnl,
                   -sum(amount) FILTER (kind = 'fee') AS fees
            FROM own_ledger GROUP BY ALL
        ),
        fill_counts AS (
            SELECT partition_key, count(*) AS fills FROM own_fills GROUP BY ALL
        )
        SELECT CAST(p.partition_key AS DATE) AS week_monday,
               CAST(sum(pnl) AS DOUBLE) AS pnl,
               CAST(coalesce(sum(fees), 0) AS DOUBLE) AS fees,
               CAST(count(*) AS INTEGER) AS trades,
               CAST(count(*) FILTER (pnl > 0) AS INTEGER) AS wins,
               CAST(coalesce(any_value(f.fills), 0) AS INTEGER) AS fills
        FROM positions p LEFT JOIN fill_counts f USING (partition_key)
        WHERE p.partition_key NOT IN (SELECT partition_key FROM still_open)
        GROUP BY p.partition_key ORDER BY week_monday
        """,
        {"strategy": STRATEGY, "environment": environment},
    ).df()


@asset(
    group_name="reporting",
    deps=[tsa_fair_values, tsa_orders, AssetKey("tsa_weekly")],
    pool=DUCKDB_WRITE_POOL,
    kinds={"duckdb", "python"},
)
def tsa_backtest_report(
    warehouse: WarehouseResource, sources: DataSourcesResource
) -> MaterializeResult:
    """Forecast accuracy, probability scores against the market, and paper P&L after fees
    over every materialised week; tables and plots in the metadata."""
    with warehouse.get_connection() as conn:
        weekly = conn.execute(
            "SELECT week_monday, avg_travelers FROM tsa_weekly WHERE complete"
        ).df()
        forecasts = conn.execute(
            "SELECT week_monday, horizon, model, forecast_avg, q10, q90 FROM tsa_forecasts"
        ).df()
        fair_values = conn.execute(
            "SELECT week_monday, decision_time, event_ticker, ticker, strike, synthetic_strike, "
            "model, model_fair_yes AS fair_yes FROM tsa_fair_values "
            "ORDER BY week_monday, decision_time, model, strike"
        ).df()
        trading = weekly_trading(conn, sources.deployment)
    for frame in (weekly, forecasts, fair_values, trading):
        frame["week_monday"] = pd.to_datetime(frame["week_monday"]).dt.date
    truth = weekly_truth(sources, weekly)
    forecasts["actual_avg"] = forecasts["week_monday"].map(truth["actual"])
    forecasts = forecasts.dropna(subset=["actual_avg"])
    quotes = sources.kalshi_markets().quotes_after(fair_values)
    recorded_events = sorted(
        fair_values.loc[~fair_values["synthetic_strike"], "event_ticker"].unique()
    )
    settled = kalshi_settled_results(sources, recorded_events)
    scored = scored_fair_values(fair_values, truth["actual"], settled, quotes)
    scored = scored[scored["week_monday"] >= SCORING_START]

    accuracy = report.forecast_accuracy(forecasts, start=SCORING_START)
    scores = report.probability_scores(scored, model=PRICING_MODEL)
    baseline_scores = report.probability_scores(scored, model="baseline")
    reliability = report.reliability(scored, model=PRICING_MODEL)
    summary = report.trading_summary(trading)
    images = {
        "equity curve": report.equity_curve_png(trading),
        "reliability": report.reliability_png(reliability),
        "forecast vs actual": report.forecast_vs_actual_png(forecasts, PRICING_MODEL),
    }
    markdown = report.report_markdown(accuracy, scores, reliability, summary, trading, images)
    monday_mape = accuracy.set_index(["model", "horizon"])["mape_pct"]

    def rounded(value: float, digits: int = 3) -> MetadataValue:
        return MetadataValue.float(round(float(value), digits))

    # Headline first: the asset page lists metadata in this order, the report at the end.
    return MaterializeResult(
        metadata={
            "pnl_usd": MetadataValue.float(round(float(summary["total_pnl"]), 2)),
            "fees_usd": MetadataValue.float(round(float(summary["total_fees"]), 2)),
            "fills": MetadataValue.int(int(trading["fills"].sum())),
            "positions": MetadataValue.int(int(summary["trades"])),
            "weeks_traded": MetadataValue.int(int(summary["weeks"])),
            "first_week": MetadataValue.text(str(min(trading["week_monday"], default=""))),
            "last_week": MetadataValue.text(str(max(trading["week_monday"], default=""))),
            "brier_model": rounded(scores["brier_model"], 4),
            "brier_market": rounded(scores["brier_market"], 4),
            "brier_baseline": rounded(baseline_scores["brier_model"], 4),
            "scored_market_rows": MetadataValue.int(int(scores["n"])),
            "mape_monday_pct": rounded(monday_mape[(PRICING_MODEL, 0)]),
            "mape_monday_baseline_pct": rounded(monday_mape[("baseline", 0)]),
            "mape_friday_pct": rounded(monday_mape[(PRICING_MODEL, 4)]),
            "mape_friday_baseline_pct": rounded(monday_mape[("baseline", 4)]),
            "coverage_80": rounded(
                accuracy.loc[accuracy["model"] == PRICING_MODEL, "coverage_80"].mean()
            ),
            "weeks_scored": MetadataValue.int(int(forecasts["week_monday"].nunique())),
            "weeks_scored_on_kalshis_settled_average": MetadataValue.int(
                int(truth.loc[forecasts["week_monday"].unique(), "kalshi"].sum())
            ),
            "report": MetadataValue.md(markdown),
        }
    )
