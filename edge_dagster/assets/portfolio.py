"""The portfolio asset: what the account holds and what it made, per strategy.

Balance, positions, resting orders, fills and settlements come from the exchange in demo/live
(positions the ledger cannot attribute to a strategy are shown as ``outside``) and from the
ledger in paper/replay. P&L per strategy always comes from the ledger (in demo/live it mirrors
the exchange after the orders asset's sync), marked at the exchange's quotes now in demo/live
and at the last recorded snapshot otherwise. ``portfolio_daily`` holds the cumulative P&L at
the end of every ET day; ``portfolio_positions`` the positions now.
"""

import base64
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import duckdb
import pandas as pd
from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset

from edge_dagster.assets.trading import recorded_marks, tsa_orders
from edge_dagster.core.backtest_report import markdown_table, md_image
from edge_dagster.core.clock import EASTERN, at_eastern
from edge_dagster.core.daily_report import EquityPoint, equity_curve_png
from edge_dagster.core.exposure import OUTSIDE, Position, net_yes, open_exposure
from edge_dagster.core.orders import Order
from edge_dagster.core.portfolio import (
    ALL,
    MarkBook,
    PnlPoint,
    drawdown,
    event_city,
    running_drawdown,
    win_rates,
)
from edge_dagster.core.portfolio import pnl_curve as compute_pnl_curve
from edge_dagster.core.prices import Mark, mark_value
from edge_dagster.core.strategy import StrategyConfig
from edge_dagster.core.weather_strategy import BOOKS
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import DUCKDB_WRITE_POOL, WarehouseResource
from edge_dagster.trading.ledger import LEDGER_TABLES, Ledger
from edge_dagster.warehouse import insert_frame

PORTFOLIO_TABLES = ["portfolio_positions", "portfolio_daily"]
FILL_COLUMNS = ["filled_at", "strategy", "ticker", "side", "action", "count", "price"]
CASH_COLUMNS = ["entry_at", "strategy", "ticker", "kind", "amount"]


class PortfolioConfig(Config):
    bankroll_dollars: float = float(StrategyConfig.bankroll)
    """Starting equity of the paper account (demo/live: the exchange's balance)."""


@dataclass(frozen=True)
class AccountView:
    """The account now, as its source reports it."""

    source: str
    """``ledger`` (paper, replay) or ``exchange`` (demo, live)."""
    cash_balance: Decimal
    positions: tuple[Position, ...]
    marks: dict[str, Mark]
    resting: tuple[Order, ...]
    outside_resting: tuple[tuple[str, str, Decimal], ...]
    resting_count: int
    fills: int
    settlements: int
    exchange_equity: Decimal | None = None


def _frame(conn: duckdb.DuckDBPyConnection, sql: str, params: list | dict, columns: list[str]):  # noqa: ANN202
    """Rows as a frame of exact values (pandas would turn DECIMAL into float)."""
    return pd.DataFrame(conn.execute(sql, params).fetchall(), columns=columns, dtype=object)


LEDGER_BOOKS = """
    WITH booked AS (
        SELECT f.*, CASE WHEN o.tag IN (SELECT unnest($books::VARCHAR[])) THEN o.tag
                         ELSE f.strategy END AS book
        FROM fills f LEFT JOIN orders o USING (client_order_id)
        WHERE f.environment = $environment AND f.filled_at <= $now
    ), book_nets AS (
        SELECT strategy, partition_key, ticker, side, book,
               sum(CASE WHEN action = 'buy' THEN count ELSE -count END) AS net
        FROM booked GROUP BY strategy, partition_key, ticker, side, book
    ), held AS (  -- each book's share of a (strategy, partition, market, side) at settlement
        SELECT *, sum(net) OVER (PARTITION BY strategy, partition_key, ticker, side) AS total
        FROM book_nets
    )
"""
BOOK_FILLS = (
    LEDGER_BOOKS
    + """
    SELECT filled_at, book AS strategy, ticker, side, action, count, price FROM booked
"""
)
BOOK_CASH = (
    LEDGER_BOOKS
    + """
    SELECT c.entry_at, coalesce(b.book, h.book, c.strategy) AS strategy, c.ticker, c.kind,
           CASE WHEN h.book IS NULL THEN c.amount
                ELSE CAST(c.amount * h.net / h.total AS DECIMAL(14, 4)) END AS amount
    FROM cash_ledger c
    LEFT JOIN booked b ON c.kind IN ('trade', 'fee') AND c.entry_id = b.fill_id || ':' || c.kind
    LEFT JOIN held h ON c.kind = 'settlement' AND h.net != 0 AND c.entry_id = 'settlement:'
        || $environment || ':' || h.ticker || ':' || h.strategy || ':' || h.partition_key || ':'
        || h.side
    WHERE c.environment = $environment AND c.entry_at <= $now
"""
)


def ledger_rows(
    conn: duckdb.DuckDBPyConnection, environment: str, now: datetime
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The environment's fills and cash rows up to ``now``, labelled by book: the strategy,
    or for the temperature strategy its single or bracket book (the order's tag). A
    settlement shared by both books is split by the contracts each held."""
    params = {"environment": environment, "now": now, "books": list(BOOKS)}
    return (
        _frame(conn, BOOK_FILLS, params, FILL_COLUMNS),
        _frame(conn, BOOK_CASH, params, CASH_COLUMNS),
    )


def ledger_view(
    ledger: Ledger, marks: MarkBook, bankroll: Decimal, now: datetime, cash: pd.DataFrame
) -> AccountView:
    held = ledger.positions(at=now)
    resting = ledger.resting_orders(at=now)
    settled = set(cash.loc[cash["kind"] == "settlement", "ticker"]) if not cash.empty else set()
    return AccountView(
        source="ledger",
        cash_balance=bankroll + ledger.cash(at=now),
        positions=tuple(held),
        marks={p.ticker: m for p in held if (m := marks.at(p.ticker, now)) is not None},
        resting=tuple(resting),
        outside_resting=(),
        resting_count=len(resting),
        fills=len(ledger.fills(at=now)),
        settlements=len(settled),
    )


def exchange_view(ledger: Ledger, kalshi: KalshiResource) -> AccountView:
    """Balance, positions, resting orders, fills and settlements from the exchange; positions
    the ledger cannot explain are ``outside`` (their cost: the exchange's market exposure)."""
    client = kalshi.client()
    balance = client.get_balance()
    held = ledger.positions()
    ledger_net = net_yes(held)
    markets = {}
    outside = []
    remote = [p for p in client.get_positions() if p.position != 0]
    for position in remote:
        extra = int(position.position) - ledger_net.get(position.ticker, 0)
        market = client.get_market(position.ticker)
        markets[position.ticker] = market
        if extra:
            share = Decimal(abs(extra)) / abs(position.position)
            outside.append(
                Position(OUTSIDE, position.ticker, "yes" if extra > 0 else "no", abs(extra),
                         market.event_ticker, (position.market_exposure * share).quantize(
                             Decimal("0.0001")))
            )  # fmt: skip
    for p in held:
        if p.ticker not in markets:
            markets[p.ticker] = client.get_market(p.ticker)
    resting = client.get_orders(status="resting")
    own_ids = {o.client_order_id for o in ledger.resting_orders()}
    outside_resting = tuple(
        (o.ticker, "", o.remaining_count * (o.yes_price if o.book_side == "bid" else o.no_price))
        for o in resting
        if o.client_order_id not in own_ids
    )
    return AccountView(
        source="exchange",
        cash_balance=balance.balance,
        positions=(*held, *outside),
        marks={t: (m.yes_bid or None, m.yes_ask or None) for t, m in markets.items()},
        resting=tuple(ledger.resting_orders()),
        outside_resting=outside_resting,
        resting_count=len(resting),
        fills=len(client.get_fills()),
        settlements=len(client.get_settlements()),
        exchange_equity=balance.balance + (balance.portfolio_value or Decimal(0)),
    )


def day_ends(first: datetime | None, today: date) -> dict[datetime, date]:
    """The end (next ET midnight) of every ET day from the eve of ``first`` to yesterday."""
    if first is None:
        return {}
    day = first.astimezone(EASTERN).date() - timedelta(days=1)
    ends = {}
    while day < today:
        ends[at_eastern(day + timedelta(days=1), time())] = day
        day += timedelta(days=1)
    return ends


def daily_rows(
    environment: str, points: list[PnlPoint], days: dict[datetime, date], today: date,
    start_equity: Decimal,
) -> pd.DataFrame:  # fmt: skip
    """``portfolio_daily`` rows: cumulative P&L, the day's change and the drawdown per
    strategy; equity (start equity + P&L) on the ``ALL`` rows."""
    rows = []
    by_strategy: dict[str, list[PnlPoint]] = {}
    for point in points:
        by_strategy.setdefault(point.strategy, []).append(point)
    for strategy, series in by_strategy.items():
        pnl = [p.pnl for p in series]
        falls = running_drawdown(pnl)
        for index, point in enumerate(series):
            rows.append(
                {
                    "environment": environment,
                    "day": days.get(point.at, today),
                    "strategy": strategy,
                    "as_of": point.at,
                    "realised_pnl_usd": point.realised,
                    "unrealised_pnl_usd": point.unrealised,
                    "pnl_usd": point.pnl,
                    "day_pnl_usd": point.pnl - (pnl[index - 1] if index else Decimal(0)),
                    "drawdown_usd": falls[index],
                    "equity_usd": start_equity + point.pnl if strategy == ALL else None,
                    "open_positions": point.open_positions,
                }
            )
    return pd.DataFrame(rows)


def position_rows(environment: str, view: AccountView, now: datetime) -> pd.DataFrame:
    rows = []
    for p in view.positions:
        mark = view.marks.get(p.ticker)
        unit = mark_value(p.side, mark)
        rows.append(
            {
                "environment": environment,
                "as_of": now,
                "strategy": p.strategy,
                "event_ticker": p.event_ticker,
                "city": event_city(p.event_ticker),
                "ticker": p.ticker,
                "side": p.side,
                "count": p.count,
                "cost_usd": p.cost,
                "mark_usd": None if mark is None else unit,
                "value_usd": p.count * unit,
                "unrealised_pnl_usd": p.count * unit - p.cost,
            }
        )
    return pd.DataFrame(rows)


def _usd(value: Decimal) -> MetadataValue:
    return MetadataValue.float(round(float(value), 4))


def _table(frame: pd.DataFrame, empty: str) -> MetadataValue:
    return MetadataValue.md(markdown_table(frame, ".2f") if not frame.empty else empty)


@asset(
    group_name="reporting",
    deps=[tsa_orders],
    pool=DUCKDB_WRITE_POOL,
    kinds={"duckdb", "python"},
)
def portfolio(
    context: AssetExecutionContext,
    config: PortfolioConfig,
    warehouse: WarehouseResource,
    sources: DataSourcesResource,
    kalshi: KalshiResource,
) -> MaterializeResult:
    """Balance, positions, resting orders, fills and settlements; realised and unrealised P&L
    per strategy (marks: YES at the bid, NO at 1 − the ask); the daily P&L table; equity
    curve, drawdown, win rate and exposure per event and city."""
    now = sources.now()
    environment = kalshi.environment
    today = now.astimezone(EASTERN).date()
    bankroll = Decimal(str(config.bankroll_dollars))
    with warehouse.transaction([*LEDGER_TABLES, "market_snapshots", *PORTFOLIO_TABLES]) as conn:
        ledger = Ledger(conn, environment)
        fills, cash = ledger_rows(conn, environment, now)
        tickers = sorted(set(fills["ticker"]) | set(cash["ticker"]))
        marks = recorded_marks(conn, tickers, now)
        if kalshi.uses_paper_venue:
            view = ledger_view(ledger, marks, bankroll, now, cash)
        else:
            view = exchange_view(ledger, kalshi)
        first = min([*fills["filled_at"], *cash["entry_at"]], default=None)
        days = day_ends(first, today)
        points = compute_pnl_curve(
            fills, cash, marks, [*days, now],
            marks_now=view.marks if view.source == "exchange" else None,
        )  # fmt: skip
        total_now = next(p for p in reversed(points) if p.strategy == ALL)
        start_equity = (
            bankroll if view.exchange_equity is None else view.exchange_equity - total_now.pnl
        )
        daily = daily_rows(environment, points, days, today, start_equity)
        positions = position_rows(environment, view, now)
        for table, frame in (("portfolio_daily", daily), ("portfolio_positions", positions)):
            conn.execute(f"DELETE FROM {table} WHERE environment = ?", [environment])
            insert_frame(conn, table, frame)
    exposure = open_exposure(view.positions, view.resting, view.outside_resting)
    account = [p for p in points if p.strategy == ALL]
    fall = drawdown([p.pnl for p in account])
    rates = {r.strategy: r for r in win_rates(fills, cash)}
    now_points = [p for p in points if p.at == now]
    yesterday = daily[(daily["strategy"] == ALL) & (daily["day"] == today - timedelta(days=1))]
    by_strategy = pd.DataFrame(
        [
            {
                "strategy": p.strategy,
                "realised_usd": float(p.realised),
                "unrealised_usd": float(p.unrealised),
                "pnl_usd": float(p.pnl),
                "open_positions": p.open_positions,
                "closed_trades": rates[p.strategy].closed if p.strategy in rates else 0,
                "win_rate": (rates[p.strategy].rate if p.strategy in rates else None),
            }
            for p in now_points
        ]
    )
    by_event = pd.DataFrame(
        [
            {"event_ticker": e, "city": event_city(e) or "-", "exposure_usd": float(v)}
            for e, v in sorted(exposure.by_event.items())
        ]
    )
    by_city = (
        by_event.groupby("city", as_index=False)["exposure_usd"].sum()
        if not by_event.empty
        else by_event
    )
    equity = (
        view.exchange_equity if view.exchange_equity is not None else start_equity + total_now.pnl
    )
    metadata: dict[str, MetadataValue] = {
        "environment": MetadataValue.text(environment),
        "source": MetadataValue.text(view.source),
        "as_of": MetadataValue.text(now.isoformat()),
        "cash_balance_usd": _usd(view.cash_balance),
        "equity_usd": _usd(equity),
        "realised_pnl_usd": _usd(total_now.realised),
        "unrealised_pnl_usd": _usd(total_now.unrealised),
        "pnl_usd": _usd(total_now.pnl),
        "yesterday_pnl_usd": _usd(
            Decimal(yesterday["day_pnl_usd"].iloc[0]) if not yesterday.empty else Decimal(0)
        ),
        "max_drawdown_usd": _usd(fall.max_drawdown),
        "current_drawdown_usd": _usd(fall.current_drawdown),
        "win_rate": MetadataValue.float(
            rates[ALL].rate if ALL in rates and rates[ALL].rate is not None else float("nan")
        ),
        "closed_trades": MetadataValue.int(rates[ALL].closed if ALL in rates else 0),
        "open_positions": MetadataValue.int(len(view.positions)),
        "resting_orders": MetadataValue.int(view.resting_count),
        "fills": MetadataValue.int(view.fills),
        "settlements": MetadataValue.int(view.settlements),
        "exposure_usd": _usd(exposure.total),
        "outside_exposure_usd": _usd(exposure.by_strategy.get(OUTSIDE, Decimal(0))),
        "pnl_by_strategy": _table(by_strategy, "no trades yet"),
        "positions": _table(
            positions.drop(columns=["environment", "as_of"]).astype(
                {c: float for c in ("cost_usd", "value_usd", "unrealised_pnl_usd")}
            )
            if not positions.empty
            else positions,
            "no open positions",
        ),
        "exposure_by_event": _table(by_event, "no open exposure"),
        "exposure_by_city": _table(by_city, "no open exposure"),
        "days": MetadataValue.int(len(days)),
    }
    if days:
        curve = [EquityPoint(days[p.at], p.pnl) for p in account if p.at in days]
        png = base64.b64encode(equity_curve_png(curve)).decode()
        metadata["equity_curve"] = MetadataValue.md(md_image(png, "equity curve"))
    context.log.info(
        f"portfolio ({environment}, {view.source}): equity ${float(equity):,.2f}, "
        f"P&L ${float(total_now.pnl):,.2f}, {len(view.positions)} open positions"
    )
    return MaterializeResult(metadata=metadata)
