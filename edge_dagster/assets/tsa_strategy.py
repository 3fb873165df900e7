"""The TSA weekly strategy: snapshots → forecasts → fair values → desired orders, per weekly
partition. ``tsa_fair_values`` runs the first three in one asset and ``tsa_orders`` (in
``trading``) starts with the last: Dagster records events per asset and partition, so fewer
weekly assets is what makes a 225-week backtest start fast.

Every step runs at the week's decision times that have passed by "now" (EDGE_AS_OF in replay),
reading only what was public at each: the same code is the live strategy and the backtest.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import repeat

import numpy as np
import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from edge_dagster.assets.tsa_markets import (
    WEEKLY,
    partition_mondays,
    record_snapshots,
    snapshot_freshness,
)
from edge_dagster.core.backtest_report import markdown_table
from edge_dagster.core.clock import (
    EASTERN,
    latest_published_travel_date,
    tsa_order_expiry,
    tsa_taker_decision_time,
    tsa_week_decision_times,
)
from edge_dagster.core.distributions import distribution_from_dict, prob_above_each
from edge_dagster.core.fair_values import PricedContract, Problem, fair_value_problems
from edge_dagster.core.pooling import walk_forward_pooled
from edge_dagster.core.strategy import Decision, PricedMarket, StrategyConfig, desired_orders
from edge_dagster.core.tickers import (
    TSA_LEGACY_SERIES,
    TSA_SERIES,
    tsa_event_ticker,
    tsa_market_ticker,
)
from edge_dagster.core.tsa_model import MODELS, PRICING_MODEL, forecast_table
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.sources.kalshi_markets import TSA_FEE_MULTIPLIER, TSA_FEE_TYPE, MarketHistory
from edge_dagster.trading.ledger import desired_rows
from edge_dagster.warehouse import decimal_or_none, replace_rows

STRATEGY = "tsa_weekly"
# Kalshi's standard 2026 ladder; weeks without recorded markets are priced on it for scoring.
SYNTHETIC_STRIKES = [1_800_000 + 50_000 * step for step in range(21)]
FRIDAY_HORIZON = 4
TAKER_HORIZON = 5
"""``horizon`` of the Friday 15:00 UTC taker decision: the information of ``FRIDAY_HORIZON``."""


def tsa_decision(monday: date, decision_time: datetime) -> Decision:
    """The strategy's decision at ``decision_time`` of the week starting ``monday``: the Friday
    15:00 UTC one trades immediate-or-cancel; the others rest until before the next release."""
    taker = decision_time == tsa_taker_decision_time(monday)
    return Decision(
        strategy=STRATEGY,
        partition_key=str(monday),
        time=decision_time,
        event_tickers=(tsa_event_ticker(monday + timedelta(days=6)),),
        taker=taker,
        expires_at=None if taker else tsa_order_expiry(decision_time),
    )


def with_taker_decisions(table: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """Add the Friday 15:00 UTC taker decision of each week whose Friday 09:15 ET forecast
    exists and whose taker time has passed: the same forecast (no TSA figure is published in
    between), stamped with the taker decision's time and ``TAKER_HORIZON``."""
    friday = table[table["horizon"] == FRIDAY_HORIZON]
    rows = []
    for row in friday.itertuples(index=False):
        monday = pd.Timestamp(row.week_monday).date()
        taker, morning = tsa_taker_decision_time(monday), tsa_week_decision_times(monday)[-1]
        if taker > now:
            continue
        if latest_published_travel_date(taker) != latest_published_travel_date(morning):
            raise ValueError(f"a TSA figure was published between {morning} and {taker}")
        stamp = pd.Timestamp(taker).tz_convert(EASTERN)
        rows.append({**row._asdict(), "decision_time": stamp, "horizon": TAKER_HORIZON})
    if not rows:
        return table
    return pd.concat([table, pd.DataFrame(rows, columns=table.columns)], ignore_index=True)


class TsaStrategyConfig(Config):
    """Run config of the strategy, so backtests can sweep it without code changes; defaults
    are ``core.strategy.StrategyConfig``'s (Dagster config takes plain floats, not Decimals)."""

    edge_threshold: float = float(StrategyConfig.edge_threshold)
    limit_fraction: float = float(StrategyConfig.limit_fraction)
    exit_threshold: float = float(StrategyConfig.exit_threshold)
    kelly_multiplier: float = float(StrategyConfig.kelly_multiplier)
    bankroll: float = float(StrategyConfig.bankroll)
    min_price: float = float(StrategyConfig.min_price)
    max_price: float = float(StrategyConfig.max_price)
    max_contracts_per_order: int = StrategyConfig.max_contracts_per_order

    def strategy_config(self) -> StrategyConfig:
        return StrategyConfig(
            edge_threshold=Decimal(str(self.edge_threshold)),
            limit_fraction=Decimal(str(self.limit_fraction)),
            exit_threshold=Decimal(str(self.exit_threshold)),
            kelly_multiplier=Decimal(str(self.kelly_multiplier)),
            bankroll=Decimal(str(self.bankroll)),
            min_price=Decimal(str(self.min_price)),
            max_price=Decimal(str(self.max_price)),
            max_contracts_per_order=self.max_contracts_per_order,
        )


def write_forecasts(
    warehouse: WarehouseResource, mondays: list[date], now: datetime
) -> dict[str, MetadataValue]:
    """Forecast each week's Mon–Sun average at each decision time by ``now``, per model, into
    ``tsa_forecasts``; returns what was written.

    (known days + forecast of the remaining days) / 7 with a predictive distribution; each
    decision reads only figures published by then.
    """
    with warehouse.get_connection() as conn:
        history = conn.execute(
            "SELECT travel_date, travelers, published_at FROM tsa_daily WHERE published_at <= ?",
            [now],
        ).df()
    table = with_taker_decisions(forecast_table(history, mondays, now), now)
    first, last = str(mondays[0]), str(mondays[-1])
    with warehouse.transaction(["tsa_forecasts"]) as conn:
        replace_rows(conn, "tsa_forecasts", table, "week_monday BETWEEN ? AND ?", [first, last])
    return {
        "forecast_rows": MetadataValue.int(len(table)),
        "weeks": MetadataValue.int(len(mondays)),
        "models": MetadataValue.text(", ".join(MODELS)),
        "pricing_model": MetadataValue.text(PRICING_MODEL),
    }


def _synthetic_ladder(event: str) -> pd.DataFrame:
    """The standard strikes of a week no market was recorded for (scored, never traded)."""
    return pd.DataFrame(
        {
            "event_ticker": event,
            "ticker": [tsa_market_ticker(event, s) for s in SYNTHETIC_STRIKES],
            "floor_strike": [float(s) for s in SYNTHETIC_STRIKES],
            "yes_bid": None,
            "yes_ask": None,
            "quote_time": None,
            "fee_type": TSA_FEE_TYPE,
            "fee_multiplier": TSA_FEE_MULTIPLIER,
        }
    )


MARKET_COLUMNS = [
    "event_ticker", "ticker", "floor_strike", "yes_bid", "yes_ask", "quote_time", "fee_type",
    "fee_multiplier",
]  # fmt: skip
"""What a fair-value row copies from the market it prices."""


def fair_value_rows(forecasts: pd.DataFrame, snapshots: pd.DataFrame) -> pd.DataFrame:
    """P(avg > strike) for each forecast row and each market listed at its decision time
    (every model's rows of a decision against the same markets).

    Built column by column from row positions into the forecasts and the markets: one frame,
    not one per decision (a backfill prices 1,345 decisions)."""
    if forecasts.empty:
        return pd.DataFrame()
    listed = snapshots.groupby("as_of").indices
    ladders = [snapshots[MARKET_COLUMNS]] if not snapshots.empty else []
    added = len(snapshots)  # synthetic ladders follow the snapshot rows
    forecast_rows, market_rows, synthetic = [], [], []
    decisions = forecasts.groupby(["week_monday", "decision_time"], sort=False).indices
    for (monday, decision_time), decided in decisions.items():
        markets = listed.get(decision_time)
        unlisted = markets is None
        if unlisted:
            ladder = _synthetic_ladder(tsa_event_ticker(monday + timedelta(days=6)))
            ladders.append(ladder[MARKET_COLUMNS])
            markets = np.arange(added, added + len(ladder))
            added += len(ladder)
        forecast_rows.append(np.repeat(decided, len(markets)))
        market_rows.append(np.tile(markets, len(decided)))
        synthetic.append(np.full(len(decided) * len(markets), unlisted))
    rows, picked = np.concatenate(forecast_rows), np.concatenate(market_rows)
    market = pd.concat(ladders, ignore_index=True) if len(ladders) > 1 else ladders[0]
    distributions = [distribution_from_dict(d) for d in forecasts["distribution"]]
    fair = prob_above_each(
        [distributions[row] for row in rows], market["floor_strike"].to_numpy()[picked]
    )

    def per_forecast(column: str) -> np.ndarray:
        return forecasts[column].to_numpy()[rows]

    def per_market(column: str) -> pd.Series:  # the dtype the ladders concatenate to
        return market[column].take(picked).reset_index(drop=True)

    return pd.DataFrame(
        {
            "week_monday": per_forecast("week_monday"),
            "decision_time": forecasts["decision_time"].array.take(rows),
            "event_ticker": per_market("event_ticker"),
            "ticker": per_market("ticker"),
            "strike": per_market("floor_strike"),
            "synthetic_strike": np.concatenate(synthetic),
            "model": per_forecast("model"),
            "horizon": per_forecast("horizon"),
            "model_fair_yes": fair,
            "fair_yes": fair,
            "pool_weight": 0.0,
            "yes_bid": per_market("yes_bid"),
            "yes_ask": per_market("yes_ask"),
            "quote_time": per_market("quote_time"),
            "fee_type": per_market("fee_type"),
            "fee_multiplier": per_market("fee_multiplier"),
        }
    )


PAST_PRICED = """
    SELECT v.week_monday, v.decision_time, f.horizon, v.event_ticker, v.ticker,
           v.model_fair_yes, v.yes_bid, v.yes_ask, v.quote_time
    FROM tsa_fair_values v JOIN tsa_forecasts f USING (week_monday, decision_time, model)
    WHERE v.model = ? AND NOT v.synthetic_strike AND v.week_monday < ?
      AND v.yes_bid IS NOT NULL AND v.yes_ask IS NOT NULL
"""
"""The pricing model's earlier quoted rows: the pairs the pooling weight learns from."""


def with_pooled_values(
    table: pd.DataFrame, past: pd.DataFrame, settlements: dict[str, tuple[str, datetime]]
) -> pd.DataFrame:
    """``table`` with the pricing model's recorded markets priced on the pooled value.

    ``fair_yes`` (what is traded) becomes the blend of the model and the quote's mid
    (``core.pooling``) with the weight chosen per horizon on the pairs of ``past`` and
    ``table`` settled before each week's decision (``settlements``: ticker → (result,
    settlement time)); ``model_fair_yes`` keeps the model's own value, and every other row
    (other models, synthetic strikes, no quote) trades on it unchanged.
    """
    if table.empty:
        return table
    priced = (table["model"] == PRICING_MODEL) & ~table["synthetic_strike"].astype(bool)
    pairs = pd.concat([past, table[priced]], ignore_index=True)
    result = pairs["ticker"].map(lambda t: settlements.get(t, ("", None))[0])
    settled_at = pairs["ticker"].map(lambda t: settlements.get(t, ("", None))[1])
    frame = pd.DataFrame(
        {
            "week_monday": pairs["week_monday"].to_numpy(),
            "decision_time": pd.to_datetime(pairs["decision_time"], utc=True),
            "horizon": pairs["horizon"].to_numpy(),
            "settled_at": pd.to_datetime(settled_at, utc=True),
            "model_yes": pairs["model_fair_yes"].astype(float),
            "yes_bid": pd.to_numeric(pairs["yes_bid"], errors="coerce").astype(float),
            "yes_ask": pd.to_numeric(pairs["yes_ask"], errors="coerce").astype(float),
            "quote_age_hours": (
                pd.to_datetime(pairs["decision_time"], utc=True)
                - pd.to_datetime(pairs["quote_time"], utc=True)
            ).dt.total_seconds()
            / 3600.0,
            "outcome": result.map({"yes": 1.0, "no": 0.0}).astype(float),
        }
    )
    pooled = walk_forward_pooled(frame).iloc[len(past) :]
    table = table.copy()
    table.loc[priced, "fair_yes"] = pooled["fair_yes"].to_numpy()
    table.loc[priced, "pool_weight"] = pooled["pool_weight"].to_numpy()
    return table


def write_fair_values(
    warehouse: WarehouseResource, markets: MarketHistory, mondays: list[date], now: datetime
) -> pd.DataFrame:
    """Price the weeks' forecasts on the markets listed at each decision into
    ``tsa_fair_values``; returns the rows written.

    Strikes come from the market snapshot; weeks without recorded markets are priced on the
    standard ladder and flagged ``synthetic_strike`` (scored, never traded).
    """
    first, last = str(mondays[0]), str(mondays[-1])
    with warehouse.get_connection() as conn:
        forecasts = conn.execute(
            "SELECT week_monday, decision_time, horizon, model, distribution FROM tsa_forecasts "
            "WHERE week_monday BETWEEN ? AND ?",
            [first, last],
        ).df()
        snapshots = conn.execute(
            "SELECT s.* FROM market_snapshots s JOIN tsa_forecasts f "
            "ON s.as_of = f.decision_time AND f.model = ? AND f.week_monday BETWEEN ? AND ? "
            "WHERE s.series_ticker IN ('KXTSAW', 'TSAW') "
            "ORDER BY s.as_of, s.floor_strike, s.ticker",  # a join's order is not defined
            [PRICING_MODEL, first, last],
        ).df()
    with warehouse.transaction(["tsa_fair_values"]) as conn:  # the first run finds no table
        past = conn.execute(PAST_PRICED, [PRICING_MODEL, first]).df()
    forecasts["week_monday"] = pd.to_datetime(forecasts["week_monday"]).dt.date
    past["week_monday"] = pd.to_datetime(past["week_monday"]).dt.date
    table = fair_value_rows(forecasts, snapshots)
    events = set(past["event_ticker"]) | set(
        table.loc[~table["synthetic_strike"], "event_ticker"] if not table.empty else []
    )
    settlements = {
        t: s for event in sorted(events) for t, s in markets.settlements(event, now).items()
    }
    table = with_pooled_values(table, past, settlements)
    with warehouse.transaction(["tsa_fair_values"]) as conn:
        replace_rows(
            conn,
            "tsa_fair_values",
            table.drop(columns="horizon", errors="ignore"),
            "week_monday BETWEEN ? AND ?",
            [first, last],
        )
    return table


LADDER_COLUMNS = ["ticker", "synthetic_strike", "model_fair_yes", "fair_yes", "yes_bid", "yes_ask"]
"""What a week's metadata shows of the pricing model's last ladder, in this order."""


def weekly_fair_value_metadata(
    table: pd.DataFrame, mondays: list[date]
) -> dict[date, dict[str, MetadataValue]]:
    """Each week's fair values: row counts, how many were pooled with the quote, and the pricing
    model's ladder at its last decision (its own value and the traded one) beside the quote.

    Counted and converted for every week at once (a backfill has 225); only each ladder's
    sort and table are per week."""
    empty = {"fair_value_rows": MetadataValue.int(0), "recorded_market_rows": MetadataValue.int(0)}
    if table.empty:
        return {monday: empty for monday in mondays}
    counts = (
        pd.DataFrame(
            {
                "recorded": ~table["synthetic_strike"],
                "pooled": table["pool_weight"] > 0,
                "decision_time": table["decision_time"],
            }
        )
        .groupby(table["week_monday"], sort=False)
        .agg(
            rows=("recorded", "size"),
            recorded=("recorded", "sum"),
            decisions=("decision_time", "nunique"),
            pooled=("pooled", "sum"),
        )
        .to_dict("index")
    )
    priced = table[table["model"] == PRICING_MODEL]
    last_time = priced.groupby("week_monday", sort=False)["decision_time"].max()
    last = priced[priced["decision_time"] == priced["week_monday"].map(last_time)]
    values = {"model_fair_yes": float, "fair_yes": float, "yes_bid": float, "yes_ask": float}
    shown = last[["strike", *LADDER_COLUMNS]].astype(values)
    ladders = dict(tuple(shown.groupby(last["week_monday"], sort=False)))
    metadata = {}
    for monday in mondays:
        count = counts.get(monday)
        if count is None:
            metadata[monday] = empty
            continue
        ladder = ladders[monday].sort_values("strike")[LADDER_COLUMNS]
        decided = pd.Timestamp(last_time[monday]).tz_convert("America/New_York")
        metadata[monday] = {
            "fair_value_rows": MetadataValue.int(int(count["rows"])),
            "recorded_market_rows": MetadataValue.int(int(count["recorded"])),
            "decisions": MetadataValue.int(int(count["decisions"])),
            "pooled_rows": MetadataValue.int(int(count["pooled"])),
            "ladder": MetadataValue.md(
                f"{PRICING_MODEL} at the last decision, {decided:%a %Y-%m-%d %H:%M} ET\n\n"
                + markdown_table(ladder, ".3f")
            ),
        }
    return metadata


@asset(group_name="pricing", deps=[AssetKey("tsa_daily")], **WEEKLY)
def tsa_fair_values(
    context: AssetExecutionContext, warehouse: WarehouseResource, sources: DataSourcesResource
) -> MaterializeResult:
    """P(weekly average > strike) for every market at every decision time, per model: the
    model's own value (``model_fair_yes``) and, for the pricing model's quoted markets, the
    value pooled with the market mid at the decision (``fair_yes``, what is traded).

    One asset, three steps in order, each writing its own table: the week's market snapshots
    (``market_snapshots``), the forecasts at each decision (``tsa_forecasts``), the fair values
    (``tsa_fair_values``). Each week's metadata is its fair values; the run's snapshot and
    forecast figures are shown on every week of the range.
    """
    mondays = partition_mondays(context)
    now = sources.now()
    markets = sources.kalshi_markets()  # one reading of the recorded markets for both steps
    recorded = record_snapshots(warehouse, markets, mondays, now)
    forecasts = write_forecasts(warehouse, mondays, now)
    table = write_fair_values(warehouse, markets, mondays, now)
    for monday, metadata in weekly_fair_value_metadata(table, mondays).items():
        context.add_asset_metadata(metadata, partition_key=str(monday))
    return MaterializeResult(metadata={**recorded, **forecasts})


def fair_value_problems_by_kind(
    warehouse: WarehouseResource, column: str
) -> dict[str, list[Problem]]:
    """Every stored TSA ladder (event × decision × model) of ``column`` through the shared
    coherence rules."""
    with warehouse.get_connection() as conn:
        rows = conn.execute(
            f"SELECT event_ticker, decision_time, model, ticker, strike, {column} AS fair_yes "
            "FROM tsa_fair_values"
        ).df()
    tickers, strikes, values = (rows[c].to_numpy() for c in ("ticker", "strike", "fair_yes"))
    ladders = rows.groupby(["event_ticker", "decision_time", "model"], sort=False).indices
    found: dict[str, list[Problem]] = {}
    for ladder in ladders.values():  # in the order the table holds them, as are their rows
        contracts = map(
            PricedContract,
            tickers[ladder],
            repeat("greater"),
            strikes[ladder].tolist(),
            repeat(None),
            values[ladder].tolist(),
        )
        for problem in fair_value_problems(list(contracts)):
            found.setdefault(problem.kind, []).append(problem)
    return found


def _check_result(problems: list[Problem]) -> AssetCheckResult:
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "problems": len(problems),
            "first": "; ".join(f"{p.ticker}: {p.detail}" for p in problems[:5]) or "none",
        },
    )


@asset_check(asset=tsa_fair_values, blocking=True)
def tsa_fair_values_are_probabilities(warehouse: WarehouseResource) -> AssetCheckResult:
    """Every traded fair value lies in [0, 1]."""
    return _check_result(fair_value_problems_by_kind(warehouse, "fair_yes").get("out_of_range", []))


@asset_check(asset=tsa_fair_values, blocking=True)
def tsa_fair_values_monotone_in_strike(warehouse: WarehouseResource) -> AssetCheckResult:
    """For a "greater than" ladder the model's P(avg > strike) never rises with the strike
    (the pooled value follows the quotes' mids, which need not be monotone; the joint sizing
    reads interval probabilities consistent with them)."""
    problems = fair_value_problems_by_kind(warehouse, "model_fair_yes")
    return _check_result(problems.get("not_monotone", []))


@asset_check(asset=tsa_fair_values, blocking=True)
def tsa_market_snapshots_fresh(
    warehouse: WarehouseResource, sources: DataSourcesResource
) -> AssetCheckResult:
    """The TSA quotes the fair values were priced beside are fresh enough to trade on (see
    ``tsa_markets.snapshot_freshness``)."""
    return snapshot_freshness(warehouse, sources, [TSA_SERIES, TSA_LEGACY_SERIES])


PRICED = (
    "FROM tsa_fair_values WHERE week_monday BETWEEN ? AND ? AND model = ? AND NOT synthetic_strike"
)
"""The rows the strategy trades on: the pricing model's, on recorded markets."""


def write_desired_orders(
    warehouse: WarehouseResource, mondays: list[date], config: StrategyConfig
) -> pd.DataFrame:
    """What the strategy wants at each decision time of the weeks, into ``desired_orders``
    (the first step of ``tsa_orders``); returns the rows written.

    Entries with an edge after fees, sized jointly per event; exits where the bid, net of the
    taker fee, beats the fair value. Only recorded (non-synthetic) quoted markets trade;
    resting orders expire before the next TSA release, and the Friday 15:00 UTC decision
    trades immediate-or-cancel at the quote. The rows of each decision priced are replaced;
    a decision not priced keeps what ``desired_orders`` holds (the table is the contract
    with the orders step: a decision written there by hand, as the orders tests do, stays).
    """
    priced_params = [str(mondays[0]), str(mondays[-1]), PRICING_MODEL]
    with warehouse.transaction(["tsa_fair_values", "desired_orders"]) as conn:
        priced = conn.execute(
            f"SELECT * {PRICED} ORDER BY decision_time, strike", priced_params
        ).df()
        decisions: dict[tuple, list[PricedMarket]] = {}
        for m in priced.itertuples(index=False):  # one pass: per-group frames cost more
            decisions.setdefault((m.week_monday, m.decision_time), []).append(
                PricedMarket(
                    ticker=m.ticker,
                    event_ticker=m.event_ticker,
                    fair_yes=m.fair_yes,
                    yes_bid=decimal_or_none(m.yes_bid),
                    yes_ask=decimal_or_none(m.yes_ask),
                    fee_type=m.fee_type,
                    fee_multiplier=decimal_or_none(m.fee_multiplier),
                    strike_type="greater",
                    floor_strike=m.strike,
                )
            )
        orders = []
        for (monday, decision_time), markets in sorted(decisions.items()):
            decision = tsa_decision(
                pd.Timestamp(monday).date(), pd.Timestamp(decision_time).to_pydatetime()
            )
            orders.extend(desired_orders(markets, config, decision))
        table = desired_rows(orders)
        replace_rows(
            conn,
            "desired_orders",
            table,
            f"strategy = ? AND decision_time IN (SELECT decision_time {PRICED})",
            [STRATEGY, *priced_params],
        )
    return table
