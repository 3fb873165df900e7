"""``close_position_job``: cancel what rests on a market, or sell its holding at a limit, from
the launchpad — through the deployment's venue, the ledger and the risk check."""

from datetime import datetime
from decimal import Decimal

from dagster import Config, Failure, MetadataValue, OpExecutionContext, job, op

from edge_dagster.core.matching import FillRule, Quote
from edge_dagster.core.risk import DEFAULT_RISK_LIMITS
from edge_dagster.core.strategy import StrategyConfig
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.settings import DeploymentRefused
from edge_dagster.trading.close_position import (
    CloseOutcome,
    CloseRefused,
    CloseRequest,
    close_position,
)
from edge_dagster.trading.kalshi_venue import KalshiVenue
from edge_dagster.trading.ledger import LEDGER_TABLES, Ledger
from edge_dagster.trading.paper_venue import PaperVenue
from edge_dagster.warehouse import ensure_tables

LATEST_QUOTE = """
    SELECT yes_bid, yes_bid_size, yes_ask, yes_ask_size, volume FROM market_snapshots
    WHERE ticker = ? AND as_of <= ? ORDER BY as_of DESC LIMIT 1
"""


class ClosePositionConfig(Config):
    ticker: str
    """The market, e.g. KXTSAW-26APR19-A2.45."""
    action: str = "cancel"
    """``cancel``: cancel the orders resting on it; ``sell``: sell the holding at limit_price."""
    limit_price: float | None = None
    """Price per contract of the held side (0.01–0.99), for ``sell``."""
    count: int | None = None
    """Contracts to sell per holding; empty sells all."""
    strategy: str = ""
    """Only this strategy's orders or holding; empty: every strategy's."""


def latest_quote(conn, ticker: str, at: datetime) -> Quote | None:  # noqa: ANN001 - DuckDB
    """The market's last recorded quote at or before ``at`` (what the paper venue fills on)."""
    rows = conn.execute(LATEST_QUOTE, [ticker, at]).fetchall()
    if not rows:
        return None
    bid, bid_size, ask, ask_size, volume = rows[0]
    return Quote(bid, bid_size, ask, ask_size, None if volume is None else int(volume))


def _request(config: ClosePositionConfig) -> CloseRequest:
    limit = None if config.limit_price is None else Decimal(str(config.limit_price))
    return CloseRequest(config.ticker, config.action, limit, config.count,  # type: ignore[arg-type]
                        config.strategy or None)  # fmt: skip


@op
def close_position_op(
    context: OpExecutionContext,
    config: ClosePositionConfig,
    warehouse: WarehouseResource,
    sources: DataSourcesResource,
    kalshi: KalshiResource,
) -> None:
    """Cancel or sell one market's orders or holding; refuses with one line when there is
    nothing to close."""
    if sources.deployment != kalshi.deployment:
        raise DeploymentRefused(
            f"the data sources are deployed as {sources.deployment} but the Kalshi venue as "
            f"{kalshi.deployment}: build both from one EDGE_DEPLOYMENT"
        )
    request = _request(config)
    now = sources.now()
    try:
        if kalshi.uses_paper_venue:
            with warehouse.transaction([*LEDGER_TABLES, "market_snapshots"]) as conn:
                quote = latest_quote(conn, request.ticker, now)
                marks = {} if quote is None else {request.ticker: (quote.yes_bid, quote.yes_ask)}
                venue = PaperVenue(Ledger(conn, kalshi.environment), FillRule(),
                                   StrategyConfig.bankroll)  # fmt: skip
                outcome = close_position(venue, request, now=now, quote=quote, marks=marks,
                                         limits=DEFAULT_RISK_LIMITS)  # fmt: skip
        else:
            with warehouse.get_connection() as conn:
                ensure_tables(conn, [*LEDGER_TABLES, "market_snapshots"])
                quote = latest_quote(conn, request.ticker, now)
                marks = {} if quote is None else {request.ticker: (quote.yes_bid, quote.yes_ask)}
                venue = KalshiVenue(conn, Ledger(conn, kalshi.environment), kalshi.client(),
                                    sources.now)  # fmt: skip
                venue.sync()
                outcome = close_position(venue, request, now=sources.now(), quote=None,
                                         marks=marks, limits=DEFAULT_RISK_LIMITS)  # fmt: skip
    except CloseRefused as refused:
        raise Failure(str(refused)) from None
    _report(context, kalshi.environment, outcome)


def _report(context: OpExecutionContext, environment: str, outcome: CloseOutcome) -> None:
    def lines(orders) -> str:  # noqa: ANN001
        return (
            "; ".join(
                f"{o.strategy} {o.ticker} {o.side} {o.action} {o.count - o.filled_count} left of "
                f"{o.count} at {o.limit_price} ({o.status})"
                for o in orders
            )
            or "none"
        )

    for name, orders in (("canceled", outcome.canceled), ("placed", outcome.placed),
                         ("already_resting", outcome.already_resting)):  # fmt: skip
        context.log.info(f"close_position ({environment}) {name}: {lines(orders)}")
    context.add_output_metadata(
        {
            "environment": MetadataValue.text(environment),
            "canceled": MetadataValue.text(lines(outcome.canceled)),
            "placed": MetadataValue.text(lines(outcome.placed)),
            "already_resting": MetadataValue.text(lines(outcome.already_resting)),
            "risk_cuts": MetadataValue.text("; ".join(outcome.cuts) or "none"),
        }
    )


@job(
    description="Cancel the orders resting on one market, or sell its holding at a limit "
    "price, through the deployment's venue (paper by default), the ledger and the risk check."
)
def close_position_job() -> None:
    close_position_op()
