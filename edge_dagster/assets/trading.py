"""The orders asset: desired orders → the paper exchange, or Kalshi demo/live when asked."""

from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
from dagster import (
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from edge_dagster.assets.tsa_markets import (
    WEEKLY,
    decision_times_until,
    partition_mondays,
    tsa_market_snapshots,
)
from edge_dagster.assets.tsa_strategy import STRATEGY, tsa_desired_orders
from edge_dagster.core.matching import Quote
from edge_dagster.core.risk import DEFAULT_RISK_LIMITS, RiskLimits
from edge_dagster.core.strategy import StrategyConfig
from edge_dagster.core.tickers import tsa_event_ticker
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.sources.kalshi_markets import DAILY_CANDLE_MINUTES
from edge_dagster.trading.execution import (
    KalshiGateway,
    PaperWeek,
    approved,
    execute_paper_week,
    intents_from_rows,
)
from edge_dagster.trading.paper_exchange import PaperExchange
from edge_dagster.warehouse import decimal_or_none, fetch_row

ORDER_TABLES = ["orders", "fills", "cash_ledger"]
DAILY_CANDLE = timedelta(minutes=DAILY_CANDLE_MINUTES)


class TradingConfig(Config):
    """Risk limits and paper-book settings (defaults: ``core.risk.DEFAULT_RISK_LIMITS``)."""

    max_contracts_per_order: int = DEFAULT_RISK_LIMITS.max_contracts_per_order
    max_notional_per_order: float = float(DEFAULT_RISK_LIMITS.max_notional_per_order)
    max_notional_per_market_per_day: float = float(
        DEFAULT_RISK_LIMITS.max_notional_per_market_per_day
    )
    max_notional_per_event_per_day: float = float(
        DEFAULT_RISK_LIMITS.max_notional_per_event_per_day
    )
    max_notional_per_day: float = float(DEFAULT_RISK_LIMITS.max_notional_per_day)
    max_open_positions_per_strategy: int = DEFAULT_RISK_LIMITS.max_open_positions_per_strategy
    daily_loss_limit_fraction: float = float(DEFAULT_RISK_LIMITS.daily_loss_limit_fraction)
    bankroll_dollars: float = float(StrategyConfig.bankroll)
    max_contracts_per_candle: int = 100
    """Resting fills per daily candle in the paper book (candles record no displayed size)."""
    fill_on_later_candles_only: bool = False
    """Conservative paper fills: skip the daily candle in progress at a decision (its low may
    have printed between midnight and the decision) and fill from the next one."""

    def risk_limits(self) -> RiskLimits:
        return RiskLimits(
            max_contracts_per_order=self.max_contracts_per_order,
            max_notional_per_order=Decimal(str(self.max_notional_per_order)),
            max_notional_per_market_per_day=Decimal(str(self.max_notional_per_market_per_day)),
            max_notional_per_event_per_day=Decimal(str(self.max_notional_per_event_per_day)),
            max_notional_per_day=Decimal(str(self.max_notional_per_day)),
            max_open_positions_per_strategy=self.max_open_positions_per_strategy,
            daily_loss_limit_fraction=Decimal(str(self.daily_loss_limit_fraction)),
        )


def _snapshot_lookups(snapshots: pd.DataFrame):  # noqa: ANN202 - three closures
    by_key = {(row.ticker, row.as_of.to_pydatetime()): row for row in snapshots.itertuples()}

    def quote_at(ticker: str, at: datetime) -> Quote | None:
        row = by_key.get((ticker, at))
        if row is None or pd.isna(row.yes_bid) or pd.isna(row.yes_ask):
            return None
        return Quote(  # replayed candles carry no displayed size: None, nothing taken at once
            decimal_or_none(row.yes_bid),
            None if pd.isna(row.yes_bid_size) else int(row.yes_bid_size),
            decimal_or_none(row.yes_ask),
            None if pd.isna(row.yes_ask_size) else int(row.yes_ask_size),
        )

    def marks_at(at: datetime) -> dict[str, tuple[Decimal, Decimal]]:
        rows = snapshots[snapshots["as_of"] == pd.Timestamp(at)]
        return {
            row.ticker: (
                decimal_or_none(row.yes_bid) or Decimal(0),
                decimal_or_none(row.yes_ask) or Decimal(1),
            )
            for row in rows.itertuples()
        }

    fees = {
        row.ticker: (row.fee_type, Decimal(str(row.fee_multiplier)))
        for row in snapshots.itertuples()
    }
    return quote_at, marks_at, fees


def _strategy_decided(conn, decision_time: datetime) -> bool:  # noqa: ANN001 - DuckDB
    """Whether the strategy has priced this decision: only then may an absent desired order
    cancel a resting one (a missing run must not read as "want nothing")."""
    (priced,) = fetch_row(
        conn,
        "SELECT count(*) FROM tsa_fair_values WHERE decision_time = ? AND NOT synthetic_strike",
        [decision_time],
    )
    return priced > 0


@asset(group_name="trading", deps=[tsa_desired_orders, tsa_market_snapshots], **WEEKLY)
def tsa_orders(
    context: AssetExecutionContext,
    config: TradingConfig,
    warehouse: WarehouseResource,
    sources: DataSourcesResource,
    kalshi: KalshiResource,
) -> MaterializeResult:
    """Submit the week's desired orders through the Kalshi resource, each intent exactly once.

    Paper (the default, and every backtest): decisions replay in time order on the paper
    exchange, which fills resting orders only on prices recorded after each decision and
    settles on the market result. Demo/live: only decisions from the last 30 minutes are sent.
    """
    mondays = partition_mondays(context)
    first, last = str(mondays[0]), str(mondays[-1])
    now = sources.now()
    limits = config.risk_limits()
    tables = [*ORDER_TABLES, "desired_orders", "market_snapshots", "tsa_fair_values"]
    synced, outcome = 0, None
    with warehouse.transaction(tables) as conn:
        desired = conn.execute(
            "SELECT * FROM desired_orders WHERE strategy = ? AND partition_key BETWEEN ? AND ? "
            "ORDER BY decision_time, ticker, side, action",
            [STRATEGY, first, last],
        ).df()
        events = [tsa_event_ticker(m + timedelta(days=6)) for m in mondays]
        snapshots = conn.execute(
            "SELECT * FROM market_snapshots WHERE event_ticker IN "
            f"({', '.join('?' for _ in events)})",
            events,
        ).df()
        quote_at, marks_at, fees = _snapshot_lookups(snapshots)
        intents = intents_from_rows(desired, fees)
        (before,) = fetch_row(conn, "SELECT count(*) FROM orders")
        if kalshi.is_paper:
            # The paper book is derived data: replay the weeks from scratch, so a re-run sees
            # each decision's positions exactly as they stood then and rewrites identical rows.
            for table in ORDER_TABLES:
                conn.execute(
                    f"DELETE FROM {table} WHERE environment = 'paper' AND strategy = ? "
                    "AND partition_key BETWEEN ? AND ?",
                    [STRATEGY, first, last],
                )
            exchange = PaperExchange(
                conn,
                environment="paper",
                max_contracts_per_candle=config.max_contracts_per_candle,
                candle_length=DAILY_CANDLE if config.fill_on_later_candles_only else None,
            )
            markets = sources.kalshi_markets()
            for monday, event in zip(mondays, events, strict=True):
                week_intents = tuple(i for i in intents if i.event_ticker == event)
                tickers = tuple(
                    snapshots.loc[snapshots["event_ticker"] == event, "ticker"].unique()
                )
                if not tickers:
                    continue
                execute_paper_week(
                    exchange,
                    PaperWeek(
                        STRATEGY,
                        event,
                        tickers,
                        tuple(decision_times_until(monday, now)),
                        week_intents,
                    ),
                    now=now,
                    candles_between=markets.candles_between,
                    quote_at=quote_at,
                    settlements=lambda at, event=event: markets.settlements(event, at),
                    marks_at=marks_at,
                    limits=limits,
                    bankroll=Decimal(str(config.bankroll_dollars)),
                )
        else:
            gateway = KalshiGateway(conn, kalshi.client(), kalshi.environment)
            synced = gateway.sync(now)
            latest = max(
                (t for monday in mondays for t in decision_times_until(monday, now)), default=None
            )
            if latest is not None and _strategy_decided(conn, latest):
                current = [i for i in intents if i.decision_time == latest]
                state = gateway.risk_state(
                    STRATEGY, now, marks_at(latest), Decimal(str(config.bankroll_dollars))
                )
                outcome = gateway.execute_decision(
                    STRATEGY, events, latest, approved(current, state, limits, now), now
                )
        (after,) = fetch_row(conn, "SELECT count(*) FROM orders")
        (placed, filled, fees_paid) = fetch_row(
            conn,
            "SELECT count(*), coalesce(sum(filled_count), 0), "
            "coalesce(sum(taker_fees + maker_fees), 0) FROM orders "
            "WHERE strategy = ? AND partition_key BETWEEN ? AND ? AND environment = ?",
            [STRATEGY, first, last, kalshi.environment],
        )
    return MaterializeResult(
        metadata={
            "environment": MetadataValue.text(kalshi.environment),
            "new_orders": MetadataValue.int(after - before),
            "orders_in_partitions": MetadataValue.int(placed),
            "contracts_filled": MetadataValue.int(int(filled)),
            "fees_paid": MetadataValue.float(float(fees_paid)),
            "as_of": MetadataValue.text(now.isoformat()),
            "orders_synced_from_exchange": MetadataValue.int(synced),
            "resting_orders_canceled": MetadataValue.int(outcome.canceled if outcome else 0),
            "resting_orders_kept": MetadataValue.int(outcome.kept if outcome else 0),
        }
    )
