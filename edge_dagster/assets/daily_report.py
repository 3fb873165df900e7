"""The daily report e-mail: the warehouse as of "now", rendered by ``core.daily_report``.

Sent once per report date and recipient: ``daily_report_sent`` logs every delivery, and a
re-run of the same day sends only to recipients not logged yet.
"""

import base64
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import duckdb
from dagster import AssetExecutionContext, Config, Failure, MaterializeResult, MetadataValue, asset

from edge_dagster.assets.portfolio import day_ends, ledger_rows, portfolio
from edge_dagster.assets.trading import recorded_marks, tsa_orders
from edge_dagster.assets.tsa_strategy import tsa_fair_values
from edge_dagster.core.backtest_report import md_image
from edge_dagster.core.clock import EASTERN, at_eastern, week_monday
from edge_dagster.core.daily_report import (
    Book,
    DailyReport,
    EquityPoint,
    ForecastLine,
    OrderLine,
    Portfolio,
    PortfolioLine,
    PositionLine,
    StrikeQuote,
    TemperatureEdge,
    TsaWeekForecast,
    equity_curve_png,
    render_text,
    report_email,
)
from edge_dagster.core.portfolio import ALL, pnl_curve
from edge_dagster.resources.email import EmailDeliveryError, EmailResource
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import DUCKDB_WRITE_POOL, WarehouseResource
from edge_dagster.warehouse import decimal_or_none, ensure_tables, fetch_row

READ_TABLES = [
    "tsa_forecasts",
    "tsa_fair_values",
    "market_snapshots",
    "orders",
    "fills",
    "cash_ledger",
    "portfolio_daily",
    "portfolio_positions",
]

LATEST_FORECAST = """
    SELECT decision_time, horizon, known_days, model, forecast_avg, q10, q90, pricing_model
    FROM tsa_forecasts
    WHERE week_monday = $week AND decision_time = (
        SELECT max(decision_time) FROM tsa_forecasts
        WHERE week_monday = $week AND decision_time <= $now
    )
    ORDER BY pricing_model DESC, model
"""
STRIKES_AT = """
    SELECT ticker, strike, fair_yes, yes_bid, yes_ask, synthetic_strike FROM tsa_fair_values
    WHERE week_monday = ? AND decision_time = ? AND model = ? ORDER BY strike
"""


def read_tsa(
    conn: duckdb.DuckDBPyConnection, report_date: date, now: datetime
) -> tuple[TsaWeekForecast | None, tuple[StrikeQuote, ...]]:
    """The week's latest forecast by ``now`` (every model) and the pricing model's fair
    value against the quote for each strike at that decision."""
    week = week_monday(report_date)
    rows = conn.execute(LATEST_FORECAST, {"week": week, "now": now}).fetchall()
    if not rows:
        return None, ()
    decision_time, horizon, known_days = rows[0][:3]
    forecast = TsaWeekForecast(
        week,
        decision_time,
        horizon,
        known_days,
        tuple(
            ForecastLine(model, avg, q10, q90, pricing)
            for *_, model, avg, q10, q90, pricing in rows
        ),
    )
    pricing_model = next((line.model for line in forecast.models if line.pricing_model), None)
    strikes = conn.execute(STRIKES_AT, [week, decision_time, pricing_model]).fetchall()
    return forecast, tuple(
        StrikeQuote(ticker, strike, fair, decimal_or_none(bid), decimal_or_none(ask), synthetic)
        for ticker, strike, fair, bid, ask, synthetic in strikes
    )


ORDERS_SINCE = """
    SELECT decision_time, strategy, ticker, side, action, limit_price, count, filled_count, status
    FROM orders WHERE environment = ? AND decision_time >= ? AND decision_time <= ?
    ORDER BY decision_time, strategy, ticker, side, action
"""
# Net contracts per (strategy, ticker, side) held at each instant (fills before it, market not
# settled before it), the average buy price, and the mark from the last snapshot before it.
POSITIONS_AT = """
    WITH instants AS (SELECT unnest(CAST($instants AS TIMESTAMPTZ[])) AS at),
    held AS (
        SELECT i.at, f.strategy, f.ticker, f.side,
            sum(CASE WHEN f.action = 'buy' THEN f.count ELSE -f.count END) AS net,
            sum(f.count * f.price) FILTER (f.action = 'buy')
                / sum(f.count) FILTER (f.action = 'buy') AS average_price
        FROM instants i JOIN fills f ON f.environment = $env AND f.filled_at < i.at
        WHERE NOT EXISTS (
            SELECT 1 FROM cash_ledger s WHERE s.environment = $env AND s.kind = 'settlement'
            AND s.ticker = f.ticker AND s.entry_at < i.at
        )
        GROUP BY ALL HAVING net != 0
    )
    SELECT h.at, h.strategy, h.ticker, h.side, h.net, h.average_price,
        CASE WHEN h.side = 'yes' THEN m.yes_bid ELSE 1 - m.yes_ask END AS mark
    FROM held h ASOF LEFT JOIN market_snapshots m ON h.ticker = m.ticker AND h.at > m.as_of
    ORDER BY h.at, h.strategy, h.ticker, h.side
"""


def read_book(
    conn: duckdb.DuckDBPyConnection, environment: str, report_date: date, now: datetime
) -> Book:
    """Orders of the report day, positions held now (marked at the last snapshot before now),
    and the cumulative P&L at the end of every ET day from the eve of the first ledger entry to
    yesterday — the portfolio's rule (``core.portfolio.pnl_curve``) on the ledger's rows."""
    day_start = at_eastern(report_date, time())
    orders = tuple(
        OrderLine(*row)
        for row in conn.execute(ORDERS_SINCE, [environment, day_start, now]).fetchall()
    )
    positions = tuple(
        PositionLine(strategy, ticker, side, int(net), decimal_or_none(average_price), mark)
        for _, strategy, ticker, side, net, average_price, mark in conn.execute(
            POSITIONS_AT, {"instants": [now], "env": environment}
        ).fetchall()
    )
    fills, cash = ledger_rows(conn, environment, now)
    first = min([*fills["filled_at"], *cash["entry_at"]], default=None)
    days = day_ends(first, report_date)
    tickers = sorted(set(fills["ticker"]) | set(cash["ticker"]))
    points = pnl_curve(fills, cash, recorded_marks(conn, tickers, now), list(days))
    curve = tuple(EquityPoint(days[p.at], p.pnl) for p in points if p.strategy == ALL)
    return Book(orders, positions, curve)


LATEST_OPPORTUNITIES = """
    WITH latest AS (
        SELECT city, climate_date, max(decision_time) AS decision_time
        FROM weather_opportunities
        WHERE decision_time <= $now AND climate_date >= $day GROUP BY ALL
    )
    SELECT o.city, o.climate_date, o.ticker, o.strategy, o.side, o.limit_price, o.fair_value,
        o.net_edge, o.tradable, o.reason
    FROM weather_opportunities o JOIN latest l USING (city, climate_date, decision_time)
    ORDER BY o.city, o.climate_date, o.net_edge DESC, o.ticker
"""


def read_temperature(
    conn: duckdb.DuckDBPyConnection, report_date: date, now: datetime
) -> tuple[TemperatureEdge, ...] | None:
    """Every contract priced at each city-day's latest decision by ``now``, for climate days
    from the report date on; None while the temperature strategy has written no table."""
    (exists,) = fetch_row(
        conn,
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'weather_opportunities'",
    )
    if not exists:
        return None
    return tuple(
        TemperatureEdge(
            city,
            day,
            ticker,
            strategy,
            side,
            decimal_or_none(limit),
            float(fair),
            float(edge),
            bool(tradable),
            reason or "",
        )  # fmt: skip
        for city, day, ticker, strategy, side, limit, fair, edge, tradable, reason in (
            conn.execute(LATEST_OPPORTUNITIES, {"now": now, "day": report_date}).fetchall()
        )
    )


def read_portfolio(
    conn: duckdb.DuckDBPyConnection, environment: str, report_date: date
) -> Portfolio | None:
    """The portfolio asset's ``portfolio_daily`` rows of its latest day up to the report date
    (the account last), and its open positions' cost per city; None before it ever ran."""
    rows = conn.execute(
        "SELECT day, strategy, realised_pnl_usd, unrealised_pnl_usd, pnl_usd, day_pnl_usd, "
        "drawdown_usd, equity_usd FROM portfolio_daily WHERE environment = ? AND day = ("
        "SELECT max(day) FROM portfolio_daily WHERE environment = ? AND day <= ?) "
        "ORDER BY strategy = ?, strategy",
        [environment, environment, report_date, ALL],
    ).fetchall()
    if not rows:
        return None
    cities = conn.execute(
        "SELECT city, sum(cost_usd) FROM portfolio_positions WHERE environment = ? "
        "GROUP BY city ORDER BY city",
        [environment],
    ).fetchall()
    return Portfolio(
        rows[0][0],
        tuple(PortfolioLine(*row[1:]) for row in rows),
        tuple((city, Decimal(cost)) for city, cost in cities),
    )


class DailyReportConfig(Config):
    report_date: str = ""
    """ISO date of the report; empty = today (ET) by the run's "now". A past date reports as
    of the end of that day."""


@asset(
    group_name="reporting",
    deps=[tsa_fair_values, tsa_orders, portfolio],
    pool=DUCKDB_WRITE_POOL,
    kinds={"duckdb", "python"},
)
def daily_report_email(
    context: AssetExecutionContext,
    config: DailyReportConfig,
    warehouse: WarehouseResource,
    sources: DataSourcesResource,
    kalshi: KalshiResource,
    email: EmailResource,
) -> MaterializeResult:
    """The morning e-mail: the TSA week's forecast and interval, fair value vs market per
    strike, temperature edges per city, today's orders, open positions, yesterday's P&L and
    the equity curve. Each recipient gets a report date once (``daily_report_sent``)."""
    now = sources.now()
    today = now.astimezone(EASTERN).date()
    report_date = date.fromisoformat(config.report_date) if config.report_date else today
    if report_date > today:
        raise Failure(f"report_date {report_date} is after today ({today} ET, as of {now})")
    as_of = min(now, at_eastern(report_date + timedelta(days=1), time()))
    sent, skipped, failed = [], [], []
    with warehouse.get_connection() as conn:
        ensure_tables(conn, [*READ_TABLES, "daily_report_sent"])
        forecast, strikes = read_tsa(conn, report_date, as_of)
        report = DailyReport(
            report_date=report_date,
            as_of=as_of,
            environment=kalshi.environment,
            tsa_forecast=forecast,
            tsa_strikes=strikes,
            temperature_edges=read_temperature(conn, report_date, as_of),
            book=read_book(conn, kalshi.environment, report_date, as_of),
            portfolio=read_portfolio(conn, kalshi.environment, report_date),
        )
        png = equity_curve_png(report.book.equity_curve) if report.book.equity_curve else None
        message = report_email(report, png)
        for recipient in email.report_recipients():
            logged = conn.execute(
                "SELECT delivery FROM daily_report_sent WHERE report_date = ? AND recipient = ?",
                [report_date, recipient],
            ).fetchall()
            if logged:
                skipped.append(recipient)
                continue
            try:
                delivery = email.send(message, recipient)
            except EmailDeliveryError as error:  # one recipient's failure stops no other
                context.log.error(f"daily report to {recipient}: {error}")
                failed.append(recipient)
                continue
            conn.execute(
                "INSERT INTO daily_report_sent VALUES (?, ?, ?, ?, ?, ?)",
                [
                    report_date,
                    recipient,
                    datetime.now(EASTERN),
                    email.backend,
                    delivery,
                    message["Subject"],
                ],
            )
            sent.append((recipient, delivery))
    if failed:
        raise Failure(
            f"the daily report {report_date} could not be sent to {', '.join(failed)} "
            f"(sent to {len(sent)}, already sent to {len(skipped)}); re-run to retry only them",
        )
    preview_md = f"```\n{render_text(report)}```"
    if png is not None:
        preview_md += "\n\n" + md_image(base64.b64encode(png).decode(), "equity curve")
    return MaterializeResult(
        metadata={
            "report_date": MetadataValue.text(str(report_date)),
            "as_of": MetadataValue.text(as_of.isoformat()),
            "environment": MetadataValue.text(kalshi.environment),
            "backend": MetadataValue.text(email.backend),
            "sent_to": MetadataValue.text(", ".join(r for r, _ in sent) or "nobody"),
            "already_sent_to": MetadataValue.text(", ".join(skipped) or "nobody"),
            "deliveries": MetadataValue.json({r: d for r, d in sent}),
            "subject": MetadataValue.text(str(message["Subject"])),
            "report": MetadataValue.md(preview_md),
        }
    )
