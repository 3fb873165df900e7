"""The temperature strategy's assets: opportunities (and desired orders) per city-day, then the
orders through the deployment's venue — the paper venue (replay, paper) or Kalshi (demo, live).

Thin over ``core.weather_strategy`` (edge, gates, bracket, sizing) and the money path every
strategy shares (``trading.execution``, the ledger, the venues, ``core.risk``).
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

import pandas as pd
from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset

from edge_dagster.assets.trading import (
    Snapshots,
    TradingConfig,
    build_reconciled_check,
    drift_metadata,
    kill_switch_now,
    sync_and_reconcile,
)
from edge_dagster.assets.weather_ingest import WEATHER, partition_city_days
from edge_dagster.assets.weather_markets import weather_market_snapshots
from edge_dagster.assets.weather_models import weather_bin_probabilities
from edge_dagster.core.backtest_report import markdown_table
from edge_dagster.core.cities import City
from edge_dagster.core.clock import weather_decision_times
from edge_dagster.core.matching import FillRule
from edge_dagster.core.nws_check import NwsCheck, nws_check, nws_daytime_high
from edge_dagster.core.reconciliation import Drift
from edge_dagster.core.strategy import Decision
from edge_dagster.core.tickers import high_temp_event_ticker
from edge_dagster.core.weather_bins import TemperatureBin
from edge_dagster.core.weather_scoring import scored_bins
from edge_dagster.core.weather_skill import daily_scores, market_skill
from edge_dagster.core.weather_strategy import (
    OPPORTUNITY_COLUMNS,
    STRATEGY,
    WeatherDecision,
    WeatherMarket,
    WeatherStrategyConfig,
    decide,
)
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.settings import DeploymentRefused
from edge_dagster.sources.weather_markets import ReplayWeatherMarkets
from edge_dagster.trading.execution import DecisionOutcome, execute_decision, replay_timeline
from edge_dagster.trading.kalshi_venue import (
    LIVE_DECISION_WINDOW,
    KalshiVenue,
    SyncReport,
    within_window,
)
from edge_dagster.trading.ledger import (
    LEDGER_TABLES,
    Ledger,
    Mark,
    desired_rows,
    orders_from_desired,
)
from edge_dagster.trading.paper_venue import PaperVenue
from edge_dagster.warehouse import (
    decimal_or_none,
    ensure_tables,
    fetch_row,
    replace_keyed_rows,
    replace_rows,
)

OUT_OF_PNL = "settles on a value that is not settlement grade (GHCN only): out of P&L"
DEFAULTS = WeatherStrategyConfig()
WEATHER_CANDLE_VOLUME_SHARE = 0.25
"""Paper fills take at most this share of a later 15-minute bar's volume (of its taker side
for a taker order): other traders were in those prints too."""


def _decimal(value: float) -> Decimal:
    return Decimal(str(value))


class WeatherStrategyRunConfig(Config):
    """Gates and sizing (defaults: ``core.weather_strategy.WeatherStrategyConfig``)."""

    min_ask: float = float(DEFAULTS.min_ask)
    max_ask: float = float(DEFAULTS.max_ask)
    max_spread: float = float(DEFAULTS.max_spread)
    min_edge: float = float(DEFAULTS.min_edge)
    price_improvement: float = float(DEFAULTS.price_improvement)
    """Dollars below the ask the limit sits (0: at the ask, taker fee; more: rests, maker)."""
    kelly_multiplier: float = float(DEFAULTS.kelly_multiplier)
    bankroll_dollars: float = float(DEFAULTS.bankroll)
    max_contracts_per_order: int = DEFAULTS.max_contracts_per_order
    max_event_exposure: float = float(DEFAULTS.max_event_exposure)
    nws_max_difference_f: float = DEFAULTS.nws_max_difference_f

    def strategy_config(self) -> WeatherStrategyConfig:
        return WeatherStrategyConfig(
            min_ask=_decimal(self.min_ask),
            max_ask=_decimal(self.max_ask),
            max_spread=_decimal(self.max_spread),
            min_edge=_decimal(self.min_edge),
            price_improvement=_decimal(self.price_improvement),
            kelly_multiplier=_decimal(self.kelly_multiplier),
            bankroll=_decimal(self.bankroll_dollars),
            max_contracts_per_order=self.max_contracts_per_order,
            max_event_exposure=_decimal(self.max_event_exposure),
            nws_max_difference_f=self.nws_max_difference_f,
        )


_LIMITS = DEFAULTS.risk_limits()


class WeatherTradingConfig(TradingConfig):
    """``TradingConfig`` with the temperature strategy's caps: open exposure per event (and per
    market) ≤ 3 % of equity, at most 10 open weather positions, the 5 % daily kill switch; paper
    fills at most a quarter of a later bar's volume."""

    max_market_exposure: float = float(_LIMITS.max_market_exposure)
    max_event_exposure: float = float(_LIMITS.max_event_exposure)
    max_open_positions_per_strategy: int = _LIMITS.max_open_positions_per_strategy
    daily_loss_limit_fraction: float = float(_LIMITS.daily_loss_limit_fraction)
    bankroll_dollars: float = float(DEFAULTS.bankroll)
    candle_volume_share: float | None = WEATHER_CANDLE_VOLUME_SHARE
    max_contracts_per_candle: int | None = FillRule.max_contracts_per_candle


def _partition_key(city: City, day) -> str:  # noqa: ANN001 - a date
    return f"{city.code}|{day.isoformat()}"


def _events(context: AssetExecutionContext) -> dict[str, tuple[City, object]]:
    return {
        high_temp_event_ticker(city.series, day): (city, day)
        for city, day in partition_city_days(context)
    }


def _nws_periods(sources: DataSourcesResource, cities: set[City]) -> dict[str, list]:
    """The NWS point forecast periods per city (live only: NWS forecasts are not archived, so a
    replayed decision has no NWS check)."""
    if not sources.live:
        return {}
    client = sources.nws()
    return {c.code: client.forecast_periods(c.latitude, c.longitude) for c in cities}


def _skill_record(conn, cities: list[str]) -> pd.DataFrame:  # noqa: ANN001 - DuckDB
    """The cities' scored days (``core.weather_skill.daily_scores``) from every event priced so
    far: its first priced decision, the bins the market had priced then, and how it settled
    (the gate keeps only what was settled by each decision)."""
    first = (
        "SELECT * FROM weather_bin_probabilities WHERE pricing_model AND city IN "
        "(SELECT unnest(?::VARCHAR[])) QUALIFY decision_time = min(decision_time) "
        "OVER (PARTITION BY event_ticker)"
    )
    probabilities = conn.execute(first, [cities]).df()
    settled = conn.execute(
        "SELECT event_ticker, any_value(settled_value) AS settled_value, "
        "max(settles_at) AS settles_at FROM weather_markets WHERE city IN "
        "(SELECT unnest(?::VARCHAR[])) GROUP BY event_ticker "
        "HAVING count(settles_at) = count(*) AND count(settled_value) > 0",
        [cities],
    ).df()
    prices = conn.execute(
        f"SELECT s.ticker, s.as_of, CAST(s.last_price AS DOUBLE) AS last_price "
        f"FROM market_snapshots s JOIN ({first}) p "
        "ON s.ticker = p.ticker AND s.as_of = p.decision_time WHERE s.last_price IS NOT NULL",
        [cities],
    ).df()
    return daily_scores(scored_bins(probabilities, settled, prices))


def _none(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


@asset(group_name="pricing", deps=[weather_bin_probabilities, weather_market_snapshots], **WEATHER)
def weather_opportunities(
    context: AssetExecutionContext,
    config: WeatherStrategyRunConfig,
    warehouse: WarehouseResource,
    sources: DataSourcesResource,
) -> MaterializeResult:
    """Every market of each city-day at each decision, single (both sides) and bracket, with
    its net edge after the fee, μ, σ and the fit that priced it, ranked (what trades first);
    the tradable ones become the strategy's desired orders (``desired_orders``, strategy
    ``weather``, tags ``weather-single``/``weather-bracket``). A city whose NWS forecast
    disagrees with the calibrated median is skipped (live decisions only). The reference
    model never trades, and a pricing model trades only while the market-skill gate says it
    beat the market's last price on the city's recent settled days (``core.weather_skill``)."""
    strategy = config.strategy_config()
    events = _events(context)
    keys = [_partition_key(city, day) for city, day in events.values()]
    now = sources.now()
    with warehouse.transaction(
        ["weather_bin_probabilities", "market_snapshots", "weather_markets"]
    ) as conn:
        priced = conn.execute(
            "SELECT * FROM weather_bin_probabilities WHERE pricing_model "
            "AND event_ticker IN (SELECT unnest(?::VARCHAR[])) ORDER BY decision_time, lower_edge",
            [list(events)],
        ).df()
        quotes = conn.execute(
            "SELECT ticker, as_of, yes_bid, yes_ask, fee_type, fee_multiplier FROM "
            "market_snapshots WHERE event_ticker IN (SELECT unnest(?::VARCHAR[]))",
            [list(events)],
        ).df()
        definitions = conn.execute(
            "SELECT event_ticker, bool_and(pnl_eligible) AS pnl_eligible, "
            "max(close_time) AS close_time FROM weather_markets "
            "WHERE event_ticker IN (SELECT unnest(?::VARCHAR[])) GROUP BY event_ticker",
            [list(events)],
        ).df()
        record = _skill_record(conn, sorted({city.code for city, _ in events.values()}))
    by_quote = {(q.ticker, q.as_of): q for q in quotes.itertuples(index=False)}
    eligible = dict(zip(definitions["event_ticker"], definitions["pnl_eligible"], strict=True))
    closes = dict(zip(definitions["event_ticker"], definitions["close_time"], strict=True))
    periods = _nws_periods(sources, {city for city, _ in events.values()})
    orders, frames = [], []
    for (event, decision_time), group in priced.groupby(["event_ticker", "decision_time"]):
        city, day = events[event]
        at = pd.Timestamp(decision_time).to_pydatetime()
        markets = []
        for row in group.itertuples(index=False):
            quote = by_quote.get((row.ticker, decision_time))
            markets.append(
                WeatherMarket(
                    TemperatureBin(row.ticker, row.strike_type, _none(row.floor_strike),
                                   _none(row.cap_strike), row.strike_source),
                    float(row.probability),
                    None if quote is None else decimal_or_none(quote.yes_bid),
                    None if quote is None else decimal_or_none(quote.yes_ask),
                    "quadratic" if quote is None else quote.fee_type,
                    Decimal(1) if quote is None else decimal_or_none(quote.fee_multiplier),
                )
            )  # fmt: skip
        first = group.iloc[0]
        check: NwsCheck | None = None
        if city.code in periods and _fresh_for_nws(at, now):
            high = nws_daytime_high(periods[city.code], day, city.timezone)
            check = nws_check(high, float(first["mu"]), strategy.nws_max_difference_f)
        close = closes.get(event)
        decision = WeatherDecision(
            city.code, day, event, _partition_key(city, day), at, float(first["mu"]),
            float(first["sigma"]), first["model"], first["fit_id"],
            None if close is None or pd.isna(close) else pd.Timestamp(close).to_pydatetime(),
            check,
            market_skill(record, city.code, first["model"], at, strategy.market_skill),
        )  # fmt: skip
        wanted, frame = decide(decision, markets, strategy)
        if not eligible.get(event, True):
            wanted = []
            frame = frame.assign(tradable=False, reason=OUT_OF_PNL)
        orders += wanted
        frames.append(frame)
    table = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=OPPORTUNITY_COLUMNS)
    )
    for column in ("limit_price", "fair_value", "net_edge"):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    table = table.astype({"count": int, "tradable": bool})
    city_keys = pd.DataFrame(
        {
            "city": [c.code for c, _ in events.values()],
            "climate_date": [d for _, d in events.values()],
        }
    )
    with warehouse.transaction(["weather_opportunities", "desired_orders"]) as conn:
        written = replace_keyed_rows(conn, "weather_opportunities", table, city_keys)
        replace_rows(
            conn,
            "desired_orders",
            desired_rows(orders),
            "strategy = ? AND partition_key IN (SELECT unnest(?::VARCHAR[]))",
            [STRATEGY, keys],
        )
    return MaterializeResult(
        metadata={
            "opportunities": MetadataValue.int(written),
            "tradable": MetadataValue.int(int(table["tradable"].sum()) if written else 0),
            "desired_orders": MetadataValue.int(len(orders)),
            "ranked_latest_decision": MetadataValue.md(_ranked(table)),
            "nws_check": MetadataValue.text(
                "applied to live decisions of the last 30 minutes"
                if periods
                else "not applied: replayed decisions (NWS forecasts are not archived)"
            ),  # fmt: skip
            "as_of": MetadataValue.text(now.isoformat()),
        }
    )


def _fresh_for_nws(decision_time: datetime, now: datetime) -> bool:
    """Whether today's NWS forecast speaks for this decision: it was taken within the live
    decision window."""
    return now - decision_time <= LIVE_DECISION_WINDOW


def _ranked(table: pd.DataFrame, rows: int = 25) -> str:
    """The seed dashboard's scanner: the latest decision's opportunities, what trades first."""
    if table.empty:
        return "no priced decision"
    latest = table[table["decision_time"] == table["decision_time"].max()]
    columns = [
        "city", "ticker", "strategy", "side", "limit_price", "count", "fair_value", "net_edge",
        "mu", "sigma", "fit_id", "tradable", "reason",
    ]  # fmt: skip
    return markdown_table(latest[columns].head(rows))


class _LatestMarks:
    """Each ticker's latest known bid and ask at or before a time (asked in time order), so a
    position whose event has no decision now is not marked at 0."""

    def __init__(self, snapshots: pd.DataFrame) -> None:
        ordered = snapshots.sort_values("as_of")
        self._rows = list(ordered[["as_of", "ticker", "yes_bid", "yes_ask"]].itertuples(False))
        self._next = 0
        self._marks: dict[str, Mark] = {}

    def at(self, moment: datetime) -> Mapping[str, Mark]:
        stamp = pd.Timestamp(moment)
        while self._next < len(self._rows) and self._rows[self._next].as_of <= stamp:
            row = self._rows[self._next]
            bid, ask = self._marks.get(row.ticker, (None, None))
            self._marks[row.ticker] = (
                decimal_or_none(row.yes_bid) if not pd.isna(row.yes_bid) else bid,
                decimal_or_none(row.yes_ask) if not pd.isna(row.yes_ask) else ask,
            )
            self._next += 1
        return dict(self._marks)


def _decisions(
    events: Mapping[str, tuple[City, object]],
    snapshots: pd.DataFrame,
    sources: DataSourcesResource,
    now: datetime,
) -> list[Decision]:
    """Every event's decisions so far at which its markets were listed."""
    listed = set(zip(snapshots["event_ticker"], snapshots["as_of"], strict=True))
    found = []
    for event, (city, day) in events.items():
        for at in weather_decision_times(day, city.timezone, sources.nbm_availability):
            if at <= now and (event, pd.Timestamp(at)) in listed:
                found.append(Decision(STRATEGY, _partition_key(city, day), at, (event,)))
    return found


END_OF_REPLAY = datetime(2100, 1, 1, tzinfo=UTC)


def _settlements_between(markets, events: Mapping[str, object]):  # noqa: ANN001, ANN202
    """(after, until] → {ticker: (result, settled at)} of the events' markets. Replay: Kalshi's
    result, or the labelled implied one where it is settlement grade (the rest stay out of
    P&L and were never traded); live: what the exchange reports settled by ``until``."""
    replay = isinstance(markets, ReplayWeatherMarkets)
    known = [
        (s.settled_at, ticker, s.result)
        for event in (events if replay else ())
        for ticker, s in markets.settlements(event, END_OF_REPLAY).items()
        if s.pnl_eligible
    ]

    def between(after: datetime, until: datetime) -> dict[str, tuple[str, datetime]]:
        if replay:
            return {ticker: (result, at) for at, ticker, result in known if after < at <= until}
        return {
            ticker: (result, at)
            for event in events
            for ticker, (result, at) in markets.settlements(event, until).items()
            if after < at <= until
        }

    return between


def _replay_paper(
    ledger: Ledger,
    config: WeatherTradingConfig,
    sources: DataSourcesResource,
    events: Mapping[str, tuple[City, object]],
    orders: list,
    snapshots: pd.DataFrame,
    now: datetime,
) -> tuple[list[DecisionOutcome], PaperVenue]:
    """Replay the partitions' decisions from scratch in one time order on the paper venue.
    Returns each decision's outcome and the venue as the replay left it."""
    with ledger.batched_writes():
        keys = sorted({_partition_key(city, day) for city, day in events.values()})
        ledger.clear_partitions(STRATEGY, keys)
        venue = PaperVenue(ledger, config.fill_rule(), Decimal(str(config.bankroll_dollars)))
        markets = sources.weather_markets()
        by_decision: dict[tuple[str, datetime], list] = {}
        for order in orders:
            by_decision.setdefault((order.event_ticker, order.decision_time), []).append(order)
        decisions = [
            (d, by_decision.get((d.event_tickers[0], d.time), []))
            for d in _decisions(events, snapshots, sources, now)
        ]
        quotes = Snapshots(snapshots)
        outcomes = replay_timeline(
            venue,
            decisions,
            now=now,
            candles_between=markets.candles_between,
            quote_at=quotes.quote_at,
            settlements_between=_settlements_between(markets, events),
            marks_at=_LatestMarks(snapshots).at,
            limits=config.risk_limits(),
        )
    return outcomes, venue


def _trade_on_kalshi(
    context: AssetExecutionContext,
    conn,  # noqa: ANN001 - DuckDB, outside any transaction: each step commits on its own
    kalshi: KalshiResource,
    sources: DataSourcesResource,
    events: Mapping[str, tuple[City, object]],
    orders: list,
    snapshots: pd.DataFrame,
    config: WeatherTradingConfig,
) -> tuple[SyncReport, list[Drift], list[DecisionOutcome], str]:
    """Sync from the exchange and reconcile, then send the latest decision of each event if it
    is at most 30 minutes old on the wall clock — only its exits while blocking drift remains
    (as ``tsa_orders`` does)."""
    venue = KalshiVenue(conn, Ledger(conn, kalshi.environment), kalshi.client(), sources.now)
    report, drift, drift_note = sync_and_reconcile(
        context, conn, venue, STRATEGY, orders, sources.now,
        block_on_outside_positions=config.block_on_outside_positions,
    )  # fmt: skip
    now = sources.now()
    decisions = _decisions(events, snapshots, sources, now)
    if not decisions:
        return report, drift, [], drift_note or "no decision time with listed markets has passed"
    latest = max(d.time for d in decisions)
    if not within_window(latest, now):
        reason = (
            f"the latest decision {latest.isoformat()} is more than 30 minutes before the wall "
            f"clock {now.isoformat()}: a real exchange only receives fresh decisions"
        )
        context.log.warning(reason)
        return report, drift, [], reason
    (priced,) = fetch_row(
        conn, "SELECT count(*) FROM weather_opportunities WHERE decision_time = ?", [latest]
    )
    if not priced:
        return report, drift, [], f"decision {latest.isoformat()} has not been priced"
    quotes, marks = Snapshots(snapshots), _LatestMarks(snapshots).at(latest)
    outcomes = [
        execute_decision(
            venue,
            decision,
            [
                o
                for o in orders
                if o.decision_time == latest and o.event_ticker in decision.event_tickers
            ],
            quote_at=lambda ticker: quotes.quote_at(ticker, latest),
            marks=marks,
            limits=config.risk_limits(),
            exits_only=bool(drift_note),
        )
        for decision in decisions
        if decision.time == latest
    ]
    return report, drift, outcomes, drift_note


@asset(group_name="trading", deps=[weather_opportunities, weather_market_snapshots], **WEATHER)
def weather_orders(
    context: AssetExecutionContext,
    config: WeatherTradingConfig,
    warehouse: WarehouseResource,
    sources: DataSourcesResource,
    kalshi: KalshiResource,
) -> MaterializeResult:
    """The city-days' desired weather orders through the deployment's venue, each intent once.

    Replay and paper (every backtest): all the partitions' decisions replay in one time order
    on the paper venue — resting orders fill only on 15-minute bars that began at or after
    them (a crossing order as taker on later YES/NO-taker prints, at most a share of the bar's
    volume), settled markets pay out before the next decision, and the risk check sees the
    whole account then. Demo/live: the ledger is synced from the exchange, then only a
    decision at most 30 minutes old on the wall clock is sent.
    """
    if sources.deployment != kalshi.deployment:
        raise DeploymentRefused(
            f"the data sources are deployed as {sources.deployment} but the Kalshi venue as "
            f"{kalshi.deployment}: build both from one EDGE_DEPLOYMENT"
        )
    events = _events(context)
    keys = sorted({_partition_key(city, day) for city, day in events.values()})
    now = sources.now()
    with warehouse.transaction([*LEDGER_TABLES, "desired_orders", "market_snapshots"]) as conn:
        desired = conn.execute(
            "SELECT * FROM desired_orders WHERE strategy = ? "
            "AND partition_key IN (SELECT unnest(?::VARCHAR[])) "
            "ORDER BY decision_time, ticker, side, action",
            [STRATEGY, keys],
        ).df()
        snapshots = conn.execute(
            "SELECT * FROM market_snapshots WHERE event_ticker IN (SELECT unnest(?::VARCHAR[]))",
            [list(events)],
        ).df()
        orders = orders_from_desired(desired)
        (before,) = fetch_row(conn, "SELECT count(*) FROM orders")
        outcomes: list[DecisionOutcome] = []
        if kalshi.uses_paper_venue:
            outcomes, venue = _replay_paper(
                Ledger(conn, kalshi.environment, hold_rows=True),
                config, sources, events, orders, snapshots, now,
            )  # fmt: skip
            halted, pnl_today = kill_switch_now(
                venue, conn, now, config.risk_limits(), STRATEGY, context.log
            )
    report, drift, not_sent = SyncReport(), [], ""
    if not kalshi.uses_paper_venue:
        with warehouse.get_connection() as conn:
            ensure_tables(conn, [*LEDGER_TABLES, "weather_opportunities", "reconciliation_drift"])
            report, drift, outcomes, not_sent = _trade_on_kalshi(
                context, conn, kalshi, sources, events, orders, snapshots, config
            )
            venue = KalshiVenue(conn, Ledger(conn, kalshi.environment), kalshi.client(),
                                sources.now)  # fmt: skip
            halted, pnl_today = kill_switch_now(
                venue, conn, sources.now(), config.risk_limits(), STRATEGY, context.log
            )
    with warehouse.get_connection() as conn:
        (after,) = fetch_row(conn, "SELECT count(*) FROM orders")
        placed, filled_orders, filled, fees_paid = fetch_row(
            conn,
            "SELECT count(*), count(*) FILTER (filled_count > 0), coalesce(sum(filled_count), 0),"
            " coalesce(sum(taker_fees + maker_fees), 0) FROM orders WHERE strategy = ? "
            "AND partition_key IN (SELECT unnest(?::VARCHAR[])) AND environment = ?",
            [STRATEGY, keys, kalshi.environment],
        )
        (cash,) = fetch_row(
            conn,
            "SELECT coalesce(sum(amount), 0) FROM cash_ledger WHERE strategy = ? "
            "AND partition_key IN (SELECT unnest(?::VARCHAR[])) AND environment = ?",
            [STRATEGY, keys, kalshi.environment],
        )
    cuts = [cut for outcome in outcomes for cut in outcome.cuts]
    return MaterializeResult(
        metadata={
            "environment": MetadataValue.text(kalshi.environment),
            "strategy": MetadataValue.text(STRATEGY),
            "new_orders": MetadataValue.int(after - before),
            "orders_in_partitions": MetadataValue.int(placed),
            "orders_filled": MetadataValue.int(filled_orders),
            "contracts_filled": MetadataValue.int(int(filled)),
            "fees_paid": MetadataValue.float(float(fees_paid)),
            "cash_flow_after_fees": MetadataValue.float(float(cash)),
            "as_of": MetadataValue.text(now.isoformat()),
            "orders_synced_from_exchange": MetadataValue.int(report.refreshed),
            "orders_adopted_from_exchange": MetadataValue.int(report.adopted),
            "unexplained_exchange_orders": MetadataValue.text(
                ", ".join(report.unexplained_orders) or "none"
            ),
            "risk_cuts": MetadataValue.int(len(cuts)),
            "risk_cut_examples": MetadataValue.text("\n".join(cuts[:20]) or "none"),
            "not_sent": MetadataValue.text(not_sent or "none"),
            "kill_switch_active": MetadataValue.bool(halted),
            "pnl_today_usd": MetadataValue.float(round(float(pnl_today), 4)),
            **drift_metadata(drift),
        }
    )


weather_orders_reconciled = build_reconciled_check(weather_orders, STRATEGY)
