"""The orders asset: desired orders → the paper venue, or Kalshi demo/live when deployed so."""

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetExecutionContext,
    AssetsDefinition,
    Config,
    DagsterLogManager,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from edge_dagster.assets.tsa_markets import WEEKLY, decision_times_until, partition_mondays
from edge_dagster.assets.tsa_strategy import (
    STRATEGY,
    TsaStrategyConfig,
    tsa_decision,
    tsa_fair_values,
    write_desired_orders,
)
from edge_dagster.core.backtest_report import markdown_table
from edge_dagster.core.matching import FillRule, Quote
from edge_dagster.core.orders import Order
from edge_dagster.core.portfolio import MarkBook
from edge_dagster.core.reconciliation import Drift
from edge_dagster.core.risk import DEFAULT_RISK_LIMITS, RiskLimits, kill_switch_active
from edge_dagster.core.strategy import StrategyConfig
from edge_dagster.core.tickers import tsa_event_ticker
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.settings import DeploymentRefused
from edge_dagster.trading.execution import (
    DecisionOutcome,
    PaperWeek,
    execute_decision,
    replay_week,
)
from edge_dagster.trading.kalshi_venue import KalshiVenue, SyncReport, within_window
from edge_dagster.trading.ledger import LEDGER_TABLES, Ledger, Mark, orders_from_desired
from edge_dagster.trading.paper_venue import PaperVenue
from edge_dagster.warehouse import decimal_or_none, ensure_tables, fetch_row, transaction

INPUT_TABLES = ["desired_orders", "market_snapshots", "tsa_fair_values"]


def _optional(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class TradingConfig(Config):
    """Risk limits and fill-model caps (defaults: ``core.risk.DEFAULT_RISK_LIMITS`` and
    ``core.matching.FillRule``); exposure caps are fractions of current equity."""

    max_contracts_per_order: int = DEFAULT_RISK_LIMITS.max_contracts_per_order
    max_market_exposure: float = float(DEFAULT_RISK_LIMITS.max_market_exposure)
    max_event_exposure: float = float(DEFAULT_RISK_LIMITS.max_event_exposure)
    max_strategy_exposure: float = float(DEFAULT_RISK_LIMITS.max_strategy_exposure)
    max_total_exposure: float = float(DEFAULT_RISK_LIMITS.max_total_exposure)
    max_open_positions_per_strategy: int = DEFAULT_RISK_LIMITS.max_open_positions_per_strategy
    daily_loss_limit_fraction: float = float(DEFAULT_RISK_LIMITS.daily_loss_limit_fraction)
    bankroll_dollars: float = float(StrategyConfig.bankroll)
    """Starting equity of the paper account (demo/live use the exchange's balance)."""
    max_contracts_per_candle: int = FillRule.max_contracts_per_candle
    """Paper fills per later candle for one order (candles record no queue or depth)."""
    candle_volume_share: float | None = float(FillRule.candle_volume_share)
    """And at most this share of the candle's recorded volume (None: ignore volume)."""
    max_contracts_at_quote: int = FillRule.max_contracts_at_quote
    """Most an immediate-or-cancel order takes from a quote of unrecorded size."""
    quote_volume_share: float | None = None
    """Variant: also at most this share of the quoted bar's volume."""
    block_on_outside_positions: bool = False
    """Demo/live: a position in a market no strategy of ours trades also stops buys (it is
    always reported and counted in exposure)."""

    def risk_limits(self) -> RiskLimits:
        return RiskLimits(
            max_contracts_per_order=self.max_contracts_per_order,
            max_market_exposure=Decimal(str(self.max_market_exposure)),
            max_event_exposure=Decimal(str(self.max_event_exposure)),
            max_strategy_exposure=Decimal(str(self.max_strategy_exposure)),
            max_total_exposure=Decimal(str(self.max_total_exposure)),
            max_open_positions_per_strategy=self.max_open_positions_per_strategy,
            daily_loss_limit_fraction=Decimal(str(self.daily_loss_limit_fraction)),
        )

    def fill_rule(self) -> FillRule:
        return FillRule(
            max_contracts_per_candle=self.max_contracts_per_candle,
            candle_volume_share=_optional(self.candle_volume_share),
            max_contracts_at_quote=self.max_contracts_at_quote,
            quote_volume_share=_optional(self.quote_volume_share),
        )


class TsaOrdersConfig(TradingConfig):
    """Run config of ``tsa_orders``: the strategy's parameters (``strategy``: which orders it
    wants) beside the trading ones (what the venue may take)."""

    strategy: TsaStrategyConfig = TsaStrategyConfig()


class Snapshots:
    """Quotes and marks of the week's decisions, from ``market_snapshots``."""

    def __init__(self, snapshots: pd.DataFrame) -> None:
        self._by_key = {}
        self._marks: dict[pd.Timestamp, dict[str, Mark]] = {}
        for row in snapshots.itertuples():
            self._by_key[(row.ticker, row.as_of.to_pydatetime())] = row
            self._marks.setdefault(row.as_of, {})[row.ticker] = (
                decimal_or_none(row.yes_bid),
                decimal_or_none(row.yes_ask),
            )
        self._tickers = {
            event: tuple(group.unique())
            for event, group in snapshots.groupby("event_ticker", sort=False)["ticker"]
        }

    def quote_at(self, ticker: str, at: datetime) -> Quote | None:
        """The decision's quote; replayed bars carry no displayed size (None)."""
        row = self._by_key.get((ticker, at))
        if row is None or (pd.isna(row.yes_bid) and pd.isna(row.yes_ask)):
            return None
        return Quote(
            decimal_or_none(row.yes_bid),
            None if pd.isna(row.yes_bid_size) else int(row.yes_bid_size),
            decimal_or_none(row.yes_ask),
            None if pd.isna(row.yes_ask_size) else int(row.yes_ask_size),
            None if pd.isna(row.volume) else int(row.volume),
        )

    def marks_at(self, at: datetime) -> dict[str, Mark]:
        return self._marks.get(pd.Timestamp(at), {})

    def tickers(self, event_ticker: str) -> tuple[str, ...]:
        return self._tickers.get(event_ticker, ())


def recorded_marks(conn, tickers: list[str], now: datetime) -> MarkBook:  # noqa: ANN001
    """The recorded quotes of ``tickers`` up to ``now``."""
    if not tickers:
        return MarkBook([])
    slots = ", ".join("?" for _ in tickers)
    return MarkBook(
        conn.execute(
            f"SELECT ticker, as_of, yes_bid, yes_ask FROM market_snapshots WHERE ticker IN "
            f"({slots}) AND as_of <= ?",
            [*tickers, now],
        ).fetchall()
    )


def kill_switch_now(
    venue: PaperVenue | KalshiVenue,
    conn,  # noqa: ANN001 - DuckDB
    now: datetime,
    limits: RiskLimits,
    strategy: str,
    log: DagsterLogManager,
) -> tuple[bool, Decimal]:
    """Whether ``strategy``'s daily kill switch is on at ``now`` (logged as a warning), and
    its P&L today (open positions at their last recorded mark). Both orders assets publish
    it, and the halt alert reads it from their metadata."""
    tickers = sorted({p.ticker for p in venue.ledger.positions(at=now)})
    marks = recorded_marks(conn, tickers, now).latest(now)
    state = venue.risk_state(strategy, now, marks, ())
    halted = kill_switch_active(state, limits, now)
    if halted:
        log.warning(
            f"the daily kill switch of {strategy} is on: today's P&L "
            f"${float(state.pnl_today):,.2f}; new buys stop"
        )
    return halted, state.pnl_today


def write_drift(conn, environment: str, strategy: str, at: datetime, drift: list[Drift]) -> None:  # noqa: ANN001
    """Replace the strategy's ``reconciliation_drift`` rows in the environment with this sync's."""
    conn.execute(
        "DELETE FROM reconciliation_drift WHERE environment = ? AND strategy = ?",
        [environment, strategy],
    )
    for d in drift:
        conn.execute(
            "INSERT INTO reconciliation_drift (environment, strategy, checked_at, kind, ticker, "
            "detail, blocking) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [environment, strategy, at, d.kind, d.ticker, d.detail, d.blocking],
        )


def sync_and_reconcile(
    context: AssetExecutionContext,
    conn,  # noqa: ANN001 - DuckDB, outside any transaction: each step commits on its own
    venue: KalshiVenue,
    strategy: str,
    orders: list[Order],
    clock: Callable[[], datetime],
    *,
    block_on_outside_positions: bool,
) -> tuple[SyncReport, list[Drift], str]:
    """Sync the ledger from the exchange, reconcile the strategy's part of the account and
    record its drift (read by its blocking ``…_reconciled`` check). Returns the sync report,
    the drift, and — while blocking drift remains — why only exits may be sent ("" if none)."""
    report = venue.sync(recomputable=orders)
    drift = venue.reconcile(strategy, block_on_outside_positions=block_on_outside_positions)
    with transaction(conn):
        write_drift(conn, venue.ledger.environment, strategy, clock(), drift)
    blocking = [d.line() for d in drift if d.blocking]
    for line in blocking:
        context.log.error(f"reconciliation of {strategy}: {line}")
    note = f"reconciliation drift stops buys and cancels (exits only): {'; '.join(blocking)}"
    return report, drift, note if blocking else ""


def drift_metadata(drift: list[Drift]) -> dict[str, MetadataValue]:
    """What an orders run reports of its reconciliation (both orders assets)."""
    return {
        "reconciliation_drift": MetadataValue.text("; ".join(d.line() for d in drift) or "none"),
        "blocking_drift": MetadataValue.int(sum(d.blocking for d in drift)),
    }


def _strategy_decided(conn, decision_time: datetime) -> bool:  # noqa: ANN001 - DuckDB
    """Whether the strategy has priced this decision: only then may an absent desired order
    cancel a resting one (a missing run must not read as "want nothing")."""
    (priced,) = fetch_row(
        conn,
        "SELECT count(*) FROM tsa_fair_values WHERE decision_time = ? AND NOT synthetic_strike",
        [decision_time],
    )
    return priced > 0


def _replay_paper(
    ledger: Ledger,
    config: TradingConfig,
    sources: DataSourcesResource,
    mondays: list,
    orders: list[Order],
    snapshots: Snapshots,
    now: datetime,
) -> PaperVenue:
    """Replay the weeks from scratch on the paper venue (the book is derived data), so a re-run
    sees each decision's account exactly as it stood then and rewrites identical rows.
    Returns the venue, as the replay left it."""
    with ledger.batched_writes():
        ledger.clear(STRATEGY, str(mondays[0]), str(mondays[-1]))
        venue = PaperVenue(ledger, config.fill_rule(), Decimal(str(config.bankroll_dollars)))
        markets = sources.kalshi_markets()
        for monday in mondays:
            event = tsa_event_ticker(monday + timedelta(days=6))
            tickers = snapshots.tickers(event)
            if not tickers:
                continue
            decisions = tuple(tsa_decision(monday, t) for t in decision_times_until(monday, now))
            replay_week(
                venue,
                PaperWeek(
                    STRATEGY,
                    event,
                    tickers,
                    decisions,
                    tuple(o for o in orders if o.event_ticker == event),
                ),  # fmt: skip
                now=now,
                candles_between=markets.candles_between,
                quote_at=snapshots.quote_at,
                settlements=lambda at, event=event: markets.settlements(event, at),
                marks_at=snapshots.marks_at,
                limits=config.risk_limits(),
            )
    return venue


def _trade_on_kalshi(
    context: AssetExecutionContext,
    conn,  # noqa: ANN001 - DuckDB, outside any transaction: each step commits on its own
    kalshi: KalshiResource,
    clock: Callable[[], datetime],
    mondays: list,
    orders: list[Order],
    snapshots: Snapshots,
    config: TradingConfig,
) -> tuple[SyncReport, list[Drift], DecisionOutcome | None, str]:
    """Sync from the exchange and reconcile, then send the latest decision if it is at most 30
    minutes old on the wall clock — only its exits while blocking drift remains. Returns the
    sync report, the drift, the decision's outcome, and why nothing (or only exits) was sent."""
    venue = KalshiVenue(conn, Ledger(conn, kalshi.environment), kalshi.client(), clock)
    report, drift, drift_note = sync_and_reconcile(
        context, conn, venue, STRATEGY, orders, clock,
        block_on_outside_positions=config.block_on_outside_positions,
    )  # fmt: skip
    now = clock()
    times = [(m, t) for m in mondays for t in decision_times_until(m, now)]
    if not times:
        return report, drift, None, drift_note or "no decision time has passed"
    monday, latest = max(times, key=lambda pair: pair[1])
    if not within_window(latest, now):
        reason = (
            f"the latest decision {latest.isoformat()} is more than 30 minutes before the wall "
            f"clock {now.isoformat()}: a real exchange only receives fresh decisions"
        )
        context.log.warning(reason)
        return report, drift, None, reason
    if not _strategy_decided(conn, latest):
        return report, drift, None, f"decision {latest.isoformat()} has not been priced"
    outcome = execute_decision(
        venue,
        tsa_decision(monday, latest),
        [o for o in orders if o.decision_time == latest],
        quote_at=lambda ticker: snapshots.quote_at(ticker, latest),
        marks=snapshots.marks_at(latest),
        limits=config.risk_limits(),
        exits_only=bool(drift_note),
    )
    return report, drift, outcome, drift_note


BOOK_ORDERS = """
    SELECT partition_key,
           strftime(decision_time AT TIME ZONE 'America/New_York', '%a %H:%M') AS decided_et,
           ticker, action, side, count, CAST(limit_price AS DOUBLE) AS limit_usd, filled_count,
           CAST(taker_fees + maker_fees AS DOUBLE) AS fees_usd, status
    FROM orders WHERE strategy = $1 AND environment = $2 AND partition_key BETWEEN $3 AND $4
    ORDER BY decision_time, ticker, side, action
"""
BOOK_FILLS = """
    SELECT partition_key,
           strftime(filled_at AT TIME ZONE 'America/New_York', '%a %H:%M') AS filled_et,
           ticker, action, side, count, CAST(price AS DOUBLE) AS price_usd,
           CAST(fee AS DOUBLE) AS fee_usd, is_taker
    FROM fills WHERE strategy = $1 AND environment = $2 AND partition_key BETWEEN $3 AND $4
    ORDER BY filled_at, ticker
"""
BOOK_POSITIONS = """
    WITH net AS (
        SELECT partition_key, ticker,
               sum(CASE WHEN action = 'buy' THEN count ELSE -count END) FILTER (side = 'yes')
                   AS net_yes,
               sum(CASE WHEN action = 'buy' THEN count ELSE -count END) FILTER (side = 'no')
                   AS net_no
        FROM fills WHERE strategy = $1 AND environment = $2 AND partition_key BETWEEN $3 AND $4
        GROUP BY ALL
    ), cash AS (
        SELECT partition_key, ticker, CAST(sum(amount) AS DOUBLE) AS pnl_usd,
               bool_or(kind = 'settlement') AS settled
        FROM cash_ledger
        WHERE strategy = $1 AND environment = $2 AND partition_key BETWEEN $3 AND $4
        GROUP BY ALL
    )
    SELECT partition_key, ticker, coalesce(net_yes, 0) AS net_yes, coalesce(net_no, 0) AS net_no,
           coalesce(pnl_usd, 0) AS pnl_usd, coalesce(settled, false) AS settled
    FROM net LEFT JOIN cash USING (partition_key, ticker) ORDER BY partition_key, ticker
"""


def week_books(conn, environment: str, weeks: list[str]) -> dict[str, dict[str, MetadataValue]]:  # noqa: ANN001 - DuckDB
    """Each week's orders, fills and positions (with P&L after fees) as tables: what the
    week's partition page shows. Three queries for the whole range, split by week."""
    params = [STRATEGY, environment, weeks[0], weeks[-1]]
    frames = [conn.execute(q, params).df() for q in (BOOK_ORDERS, BOOK_FILLS, BOOK_POSITIONS)]
    by_week = [dict(tuple(f.groupby("partition_key", sort=False))) for f in frames]
    return {
        week: _week_book(
            week, *(w.get(week, f.iloc[:0]) for w, f in zip(by_week, frames, strict=True))
        )
        for week in weeks
    }


def _week_book(
    week: str, orders: pd.DataFrame, fills: pd.DataFrame, positions: pd.DataFrame
) -> dict[str, MetadataValue]:
    sections = [("Orders", orders), ("Fills", fills), ("Positions", positions)]
    book = "\n\n".join(
        f"### {title} ({len(frame)})\n\n"
        + (markdown_table(frame.drop(columns="partition_key"), ".2f") if len(frame) else "none")
        for title, frame in sections
    )
    return {
        "orders": MetadataValue.int(len(orders)),
        "orders_filled": MetadataValue.int(int((orders["filled_count"] > 0).sum())),
        "fills": MetadataValue.int(len(fills)),
        "contracts_filled": MetadataValue.int(int(fills["count"].sum())),
        "fees_usd": MetadataValue.float(round(float(fills["fee_usd"].sum()), 2)),
        "pnl_usd": MetadataValue.float(round(float(positions["pnl_usd"].sum()), 2)),
        "book": MetadataValue.md(f"## Week of {week}\n\n{book}"),
    }


@asset(group_name="trading", deps=[tsa_fair_values], **WEEKLY)
def tsa_orders(
    context: AssetExecutionContext,
    config: TsaOrdersConfig,
    warehouse: WarehouseResource,
    sources: DataSourcesResource,
    kalshi: KalshiResource,
) -> MaterializeResult:
    """Compute the week's desired orders (``tsa_strategy.write_desired_orders``), then submit
    them through the deployment's venue, each intent once.

    Replay and paper (every backtest): decisions replay in time order on the paper venue,
    which fills resting orders only on candles that began after them and before their expiry,
    and settles on the market result. Demo/live: the ledger is synced from the exchange first,
    then only a decision at most 30 minutes old on the wall clock is sent.
    """
    if sources.deployment != kalshi.deployment:
        raise DeploymentRefused(
            f"the data sources are deployed as {sources.deployment} but the Kalshi venue as "
            f"{kalshi.deployment}: build both from one EDGE_DEPLOYMENT"
        )
    mondays = partition_mondays(context)
    wanted = write_desired_orders(warehouse, mondays, config.strategy.strategy_config())
    context.add_asset_metadata({"desired_orders": MetadataValue.int(len(wanted))})
    first, last = str(mondays[0]), str(mondays[-1])
    now = sources.now()
    events = [tsa_event_ticker(m + timedelta(days=6)) for m in mondays]
    with warehouse.transaction([*LEDGER_TABLES, *INPUT_TABLES]) as conn:
        desired = conn.execute(
            "SELECT * FROM desired_orders WHERE strategy = ? AND partition_key BETWEEN ? AND ? "
            "ORDER BY decision_time, ticker, side, action",
            [STRATEGY, first, last],
        ).df()
        snapshots = Snapshots(
            conn.execute(
                "SELECT * FROM market_snapshots WHERE event_ticker IN "
                f"({', '.join('?' for _ in events)})",
                events,
            ).df()
        )
        orders = orders_from_desired(desired)
        (before,) = fetch_row(conn, "SELECT count(*) FROM orders")
        if kalshi.uses_paper_venue:
            venue = _replay_paper(Ledger(conn, kalshi.environment, hold_rows=True), config,
                                  sources, mondays, orders, snapshots, now)  # fmt: skip
            halted, pnl_today = kill_switch_now(
                venue, conn, now, config.risk_limits(), STRATEGY, context.log
            )
    report, drift, outcome, not_sent = SyncReport(), [], None, ""
    if not kalshi.uses_paper_venue:
        with warehouse.get_connection() as conn:
            ensure_tables(conn, [*LEDGER_TABLES, "reconciliation_drift"])
            report, drift, outcome, not_sent = _trade_on_kalshi(
                context, conn, kalshi, sources.now, mondays, orders, snapshots, config
            )
            venue = KalshiVenue(conn, Ledger(conn, kalshi.environment), kalshi.client(),
                                sources.now)  # fmt: skip
            halted, pnl_today = kill_switch_now(
                venue, conn, sources.now(), config.risk_limits(), STRATEGY, context.log
            )
    with warehouse.get_connection() as conn:
        (after,) = fetch_row(conn, "SELECT count(*) FROM orders")
        books = week_books(conn, kalshi.environment, [str(m) for m in mondays])
    for week, book in books.items():
        context.add_asset_metadata(book, partition_key=week)
    # Below: the run's (every partition of a range shows them); above: each week's own book.
    return MaterializeResult(
        metadata={
            "environment": MetadataValue.text(kalshi.environment),
            "strategy": MetadataValue.text(STRATEGY),
            "new_orders_in_run": MetadataValue.int(after - before),
            "as_of": MetadataValue.text(now.isoformat()),
            "orders_synced_from_exchange": MetadataValue.int(report.refreshed),
            "orders_adopted_from_exchange": MetadataValue.int(report.adopted),
            "orders_found_unsent": MetadataValue.int(report.unsent),
            "fills_booked_from_exchange": MetadataValue.int(report.fills_booked),
            "unexplained_exchange_fills": MetadataValue.int(len(report.unexplained_fills)),
            "unexplained_exchange_orders": MetadataValue.text(
                ", ".join(report.unexplained_orders) or "none"
            ),
            "unexplained_exchange_positions": MetadataValue.text(
                ", ".join(report.unexplained_positions) or "none"
            ),
            "resting_orders_canceled": MetadataValue.int(outcome.canceled if outcome else 0),
            "resting_orders_kept": MetadataValue.int(outcome.kept if outcome else 0),
            "risk_cuts": MetadataValue.text("; ".join(outcome.cuts) if outcome else "none"),
            "not_sent": MetadataValue.text(not_sent or "none"),
            "kill_switch_active": MetadataValue.bool(halted),
            "pnl_today_usd": MetadataValue.float(round(float(pnl_today), 4)),
            **drift_metadata(drift),
        }
    )


def build_reconciled_check(orders_asset: AssetsDefinition, strategy: str) -> AssetChecksDefinition:
    """The blocking check after an orders asset's sync: the ledger agrees with the exchange in
    the strategy's part of the account — no order resting in the ledger that the exchange no
    longer rests, no position in a market it trades that the fills do not explain, no fill the
    ledger never booked. While it fails, the orders asset sends exits only. Paper and replay
    pass: the ledger is the paper venue's book."""

    @asset_check(
        asset=orders_asset,
        name=f"{orders_asset.key.path[-1]}_reconciled",
        blocking=True,
        description=f"The ledger agrees with the exchange in {strategy}'s part of the account.",
    )
    def reconciled(warehouse: WarehouseResource, kalshi: KalshiResource) -> AssetCheckResult:
        if kalshi.uses_paper_venue:
            return AssetCheckResult(
                passed=True,
                metadata={"venue": MetadataValue.text("paper: the ledger is the book")},
            )
        with warehouse.get_connection() as conn:
            ensure_tables(conn, ["reconciliation_drift"])
            rows = conn.execute(
                "SELECT kind, ticker, detail, blocking FROM reconciliation_drift "
                "WHERE environment = ? AND strategy = ? ORDER BY NOT blocking, kind, ticker",
                [kalshi.environment, strategy],
            ).fetchall()
        drift = [Drift(kind, ticker, detail, blocking) for kind, ticker, detail, blocking in rows]
        blocking = [d for d in drift if d.blocking]
        return AssetCheckResult(
            passed=not blocking,
            description="; ".join(d.line() for d in blocking) or None,
            metadata={
                "strategy": MetadataValue.text(strategy),
                "blocking_drift": MetadataValue.int(len(blocking)),
                "outside_positions": MetadataValue.int(
                    sum(d.kind == "outside_position" for d in drift)
                ),
                "drift": MetadataValue.text("; ".join(d.line() for d in drift) or "none"),
            },
        )

    return reconciled


tsa_orders_reconciled = build_reconciled_check(tsa_orders, STRATEGY)
