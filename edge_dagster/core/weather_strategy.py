"""The temperature strategy: from a city-day's bin probabilities and quotes to orders.

At a decision every market of the event is looked at on both sides. A side is bought at its
ask less ``price_improvement`` (default 0: at the ask, so the order crosses and every fill of it
pays the taker fee; a limit below the ask rests and pays the maker fee). Its net edge is

    p_side − L − fee(C, L) / C

with ``fee`` the one Kalshi formula (``core.fees.kalshi_fee``, rounded up per order) at the
intended count C. Gates (all configurable): the side's ask in [0.05, 0.95], the YES spread at
most 0.12, net edge at least 0.05 (singles, tag ``weather-single``).

The **bracket** (tag ``weather-bracket``): YES on the two adjacent bins whose shared edge is the
one nearest μ in μ's bin, each leg's net edge > 0 and the pair's ≥ 2 × the minimum edge, both
legs inside the price and spread gates; the legs share a ``bracket_id`` and one count. A bracket
takes its two tickers' YES side; singles on those tickers are left out (one order per ticker
and side).

Sizing: quarter-Kelly with the event as one bet (``core.sizing.size_event``): the singles and
the bracket (one candidate paying on either bin) are sized jointly over the event's outcome
intervals. The net edge is then re-computed at the sized count and anything that no longer
passes is dropped. Caps that depend on the account (open exposure per event ≤ 3 % of equity,
at most 10 open weather positions, no re-entry on a held ticker, the 5 % daily kill switch) are
the risk check's (``core.risk``) with :meth:`WeatherStrategyConfig.risk_limits`; both tags trade
as the one strategy ``weather`` so those caps bind them together. The NWS sanity check skips
the city-day when it disagrees (``core.nws_check``).

Which models trade: the declared reference model (``climatology_persistence``, for cities
without forecast history) is scored, never traded; any other pricing model trades only while
the walk-forward market-skill gate (``core.weather_skill``) says its Brier on the city's recent
settled days is below the market's last price on the same bins. Otherwise every row of the
decision carries the reason and nothing is ordered.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

import pandas as pd

from edge_dagster.core.fair_values import PricedContract
from edge_dagster.core.fees import fee_per_contract, kalshi_fee
from edge_dagster.core.nws_check import NwsCheck
from edge_dagster.core.orders import Order
from edge_dagster.core.prices import ONE, Side
from edge_dagster.core.risk import DEFAULT_RISK_LIMITS, RiskLimits
from edge_dagster.core.sizing import Candidate, event_outcomes, size_event
from edge_dagster.core.weather_bins import TemperatureBin
from edge_dagster.core.weather_model import REFERENCE
from edge_dagster.core.weather_skill import MarketSkill, MarketSkillConfig

STRATEGY = "weather"
SINGLE = "weather-single"
BRACKET = "weather-bracket"
BOOKS = (SINGLE, BRACKET)
"""The strategy's two books: P&L is reported per book (the order's tag)."""
REFERENCE_NOT_TRADED = f"reference model {REFERENCE}: scored, not traded"
PLACES = Decimal("0.000001")
CENT = Decimal("0.01")
OPPORTUNITY_COLUMNS = [
    "decision_time", "city", "climate_date", "event_ticker", "ticker", "strategy", "bracket_id",
    "side", "limit_price", "count", "fair_value", "net_edge", "mu", "sigma", "pricing_model",
    "fit_id", "tradable", "reason",
]  # fmt: skip


@dataclass(frozen=True)
class WeatherStrategyConfig:
    """Gates, sizing and account caps of the temperature strategy (see the module docstring)."""

    min_ask: Decimal = Decimal("0.05")
    max_ask: Decimal = Decimal("0.95")
    max_spread: Decimal = Decimal("0.12")
    min_edge: Decimal = Decimal("0.05")
    price_improvement: Decimal = Decimal(0)
    """Dollars below the ask the limit sits (0: at the ask, taker; more: rests, maker)."""
    kelly_multiplier: Decimal = Decimal("0.25")
    bankroll: Decimal = Decimal("1000")
    max_contracts_per_order: int = 100
    max_event_exposure: Decimal = Decimal("0.03")
    """Open exposure per event (city × climate date), as a fraction of current equity."""
    max_open_positions: int = 10
    daily_loss_limit_fraction: Decimal = Decimal("0.05")
    nws_max_difference_f: float = 4.0
    market_skill: MarketSkillConfig = MarketSkillConfig()
    """The trailing window of the market-skill gate (``core.weather_skill``)."""

    def risk_limits(self) -> RiskLimits:
        """The risk check's limits for weather orders: the event cap also caps each market."""
        return RiskLimits(
            max_contracts_per_order=self.max_contracts_per_order,
            max_market_exposure=self.max_event_exposure,
            max_event_exposure=self.max_event_exposure,
            max_strategy_exposure=DEFAULT_RISK_LIMITS.max_strategy_exposure,
            max_total_exposure=DEFAULT_RISK_LIMITS.max_total_exposure,
            max_open_positions_per_strategy=self.max_open_positions,
            daily_loss_limit_fraction=self.daily_loss_limit_fraction,
        )


@dataclass(frozen=True)
class WeatherMarket:
    """One bin of the event at the decision: the model's P(YES) and the quote (None: empty)."""

    bin: TemperatureBin
    fair_yes: float
    yes_bid: Decimal | None
    yes_ask: Decimal | None
    fee_type: str
    fee_multiplier: Decimal = Decimal(1)


@dataclass(frozen=True)
class WeatherDecision:
    """One city-day event at one decision time, priced by one model's (μ, σ)."""

    city: str
    climate_date: date
    event_ticker: str
    partition_key: str
    decision_time: datetime
    mu: float
    sigma: float
    pricing_model: str
    fit_id: str
    expires_at: datetime | None = None
    """When the orders stop resting (the market's close); the next decision replaces them."""
    nws: NwsCheck | None = None
    skill: MarketSkill | None = None
    """The pricing model's record against the market then (None: no record, no trade)."""


def model_block(decision: WeatherDecision) -> str:
    """Why the decision's pricing model may not trade at all ('' when it may)."""
    if decision.pricing_model == REFERENCE:
        return REFERENCE_NOT_TRADED
    if decision.skill is None:
        return f"market-skill gate: no record of {decision.pricing_model}"
    return decision.skill.reason


@dataclass(frozen=True)
class _Side:
    """One side of one market as the gates see it."""

    market: WeatherMarket
    side: Side
    fair: Decimal
    limit: Decimal | None
    maker: bool
    problem: str
    """Why the price or spread gate fails ('' when they pass)."""

    @property
    def ticker(self) -> str:
        return self.market.bin.ticker

    def net_edge(self, count: int) -> Decimal | None:
        if self.limit is None:
            return None
        fee = kalshi_fee(
            count,
            self.limit,
            maker=self.maker,
            fee_type=self.market.fee_type,
            fee_multiplier=self.market.fee_multiplier,
        )
        return (self.fair - self.limit - fee / count).quantize(PLACES, ROUND_HALF_EVEN)

    def cost(self) -> Decimal:
        """Price plus the unrounded marginal fee: what sizing pays per contract."""
        assert self.limit is not None
        return self.limit + fee_per_contract(
            self.limit,
            maker=self.maker,
            fee_type=self.market.fee_type,
            fee_multiplier=self.market.fee_multiplier,
        )


def _side(market: WeatherMarket, side: Side, config: WeatherStrategyConfig) -> _Side:
    fair_yes = Decimal(market.fair_yes).quantize(PLACES, ROUND_HALF_EVEN)
    bid, ask = market.yes_bid, market.yes_ask
    if side == "no":
        fair_yes = ONE - fair_yes
        bid, ask = (None if ask is None else ONE - ask), (None if bid is None else ONE - bid)
    if ask is None:
        return _Side(market, side, fair_yes, None, False, "no ask")
    limit = ask - config.price_improvement
    if bid is not None:
        limit = max(limit, bid + CENT)
    limit = min(limit, ask)
    problem = ""
    if bid is None:
        problem = "one-sided quote: no spread"
    elif not config.min_ask <= ask <= config.max_ask:
        problem = f"ask {ask} outside [{config.min_ask}, {config.max_ask}]"
    elif ask - bid > config.max_spread:
        problem = f"spread {ask - bid} > {config.max_spread}"
    return _Side(market, side, fair_yes, limit, limit < ask, problem)


def _text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def bracket_bins(bins: Sequence[TemperatureBin], mu: float) -> tuple[int, int] | None:
    """Indices (into ``bins``) of the two adjacent bins straddling μ: μ's bin and its
    neighbour across the edge nearer μ (a tail bin's only finite edge). None without a pair."""
    order = sorted(range(len(bins)), key=lambda i: bins[i].edges[0])
    for position, i in enumerate(order):
        lower, upper = bins[i].edges
        if not lower <= mu < upper:
            continue
        down = position - 1 if position > 0 else None
        up = position + 1 if position + 1 < len(order) else None
        if down is not None and (up is None or mu - lower < upper - mu or math.isinf(upper)):
            return order[down], i
        if up is not None:
            return i, order[up]
        return None
    return None


def _row(decision: WeatherDecision, side: _Side, tag: str, bracket_id: str) -> dict:
    return {
        "decision_time": decision.decision_time,
        "city": decision.city,
        "climate_date": decision.climate_date,
        "event_ticker": decision.event_ticker,
        "ticker": side.ticker,
        "strategy": tag,
        "bracket_id": bracket_id,
        "side": side.side,
        "limit_price": side.limit,
        "count": 0,
        "fair_value": side.fair,
        "net_edge": side.net_edge(1),
        "mu": decision.mu,
        "sigma": decision.sigma,
        "pricing_model": decision.pricing_model,
        "fit_id": decision.fit_id,
        "tradable": False,
        "reason": side.problem,
    }


def _order(
    decision: WeatherDecision, side: _Side, tag: str, bracket_id: str, count: int, edge: Decimal
) -> Order:
    assert side.limit is not None
    return Order(
        strategy=STRATEGY,
        partition_key=decision.partition_key,
        decision_time=decision.decision_time,
        event_ticker=decision.event_ticker,
        ticker=side.ticker,
        side=side.side,
        action="buy",
        limit_price=side.limit,
        count=count,
        fee_type=side.market.fee_type,
        fee_multiplier=side.market.fee_multiplier,
        tag=tag,
        bracket_id=bracket_id,
        fair_value=side.fair,
        edge=edge,
        expires_at=decision.expires_at,
    )


def decide(
    decision: WeatherDecision,
    markets: Sequence[WeatherMarket],
    config: WeatherStrategyConfig = WeatherStrategyConfig(),
) -> tuple[list[Order], pd.DataFrame]:
    """The event's desired orders (before the account's risk check) and its opportunities:
    every market on both sides as a single, and the bracket's two legs, what trades first,
    then by net edge, each with why it does not trade."""
    sides = [_side(m, s, config) for m in markets for s in ("yes", "no")]
    c_max = config.max_contracts_per_order
    singles = {(s.ticker, s.side): _row(decision, s, SINGLE, "") for s in sides}
    for s in sides:
        row = singles[(s.ticker, s.side)]
        row["net_edge"] = s.net_edge(c_max)
        if not row["reason"] and row["net_edge"] < config.min_edge:
            row["reason"] = f"net edge {_text(row['net_edge'])} < {config.min_edge}"

    bracket_rows: list[dict] = []
    bracket: tuple[_Side, _Side] | None = None
    pair = bracket_bins([m.bin for m in markets], decision.mu)
    if pair is not None:
        legs = tuple(next(s for s in sides if s.market is markets[i] and s.side == "yes")
                     for i in pair)  # fmt: skip
        bracket_id = f"{decision.event_ticker}@{decision.decision_time:%Y-%m-%dT%H:%MZ}"
        bracket_rows = [_row(decision, leg, BRACKET, bracket_id) for leg in legs]
        edges = [leg.net_edge(c_max) for leg in legs]
        problem = next((leg.problem for leg in legs if leg.problem), "")
        if not problem and not all(e > 0 for e in edges):
            problem = "a leg's net edge is not positive"
        if not problem and sum(edges) < 2 * config.min_edge:
            problem = f"pair net edge {_text(sum(edges))} < {2 * config.min_edge}"
        for row, edge in zip(bracket_rows, edges, strict=True):
            row["net_edge"], row["reason"] = edge, problem
        if not problem:
            bracket = legs  # type: ignore[assignment]
            for leg in legs:
                for side in ("yes", "no"):
                    row = singles[(leg.ticker, side)]
                    row["reason"] = row["reason"] or f"leg of bracket {bracket_id}"

    if decision.nws is not None and decision.nws.skip:
        skip = (
            f"NWS high {decision.nws.nws_high_f:g} °F vs median "
            f"{decision.nws.calibrated_median_f:.1f} °F: more than "
            f"{config.nws_max_difference_f:g} °F apart"
        )
        for row in [*singles.values(), *bracket_rows]:
            row["reason"] = skip
        bracket = None
    blocked = model_block(decision)
    if blocked:
        for row in [*singles.values(), *bracket_rows]:
            row["reason"] = blocked
        bracket = None

    chosen = [s for s in sides if not singles[(s.ticker, s.side)]["reason"]]
    orders = _sized(decision, markets, chosen, bracket, bracket_rows, singles, config)
    frame = pd.DataFrame([*singles.values(), *bracket_rows], columns=OPPORTUNITY_COLUMNS)
    frame = frame.sort_values(
        ["tradable", "net_edge"], ascending=False, na_position="last", kind="stable"
    )
    return orders, frame.reset_index(drop=True)


def _within_event_budget(
    counts: list[int], sides: list[_Side], with_bracket: bool, config: WeatherStrategyConfig
) -> list[int]:
    """Scale the counts down together (a bracket's legs keep one count) so the event costs at
    most ``max_event_exposure × bankroll``; the risk check applies the same cap on current
    equity, but cutting legs one by one there would break a bracket into unequal legs."""
    prices = [s.limit for s in sides]
    per_count = prices[: len(counts) - with_bracket]
    if with_bracket:
        per_count.append(prices[-2] + prices[-1])
    spend = sum((n * p for n, p in zip(counts, per_count, strict=True)), Decimal(0))
    budget = config.max_event_exposure * config.bankroll
    if spend <= budget:
        return counts
    return [int(n * budget / spend) for n in counts]


def _sized(
    decision: WeatherDecision,
    markets: Sequence[WeatherMarket],
    chosen: list[_Side],
    bracket: tuple[_Side, _Side] | None,
    bracket_rows: list[dict],
    singles: dict[tuple[str, str], dict],
    config: WeatherStrategyConfig,
) -> list[Order]:
    """Size the singles and the bracket jointly as one bet on the event, then keep what still
    passes its edge rule at the sized count."""
    if not chosen and bracket is None:
        return []
    outcomes = event_outcomes(
        [PricedContract(m.bin.ticker, m.bin.strike_type, m.bin.floor_strike,
                        m.bin.cap_strike, m.fair_yes) for m in markets]
    )  # fmt: skip
    c_max = config.max_contracts_per_order
    candidates = [Candidate(outcomes.pays(s.ticker, s.side), s.cost(), c_max) for s in chosen]
    if bracket is not None:
        low, high = (outcomes.pays(leg.ticker, "yes") for leg in bracket)
        either = tuple(a or b for a, b in zip(low, high, strict=True))
        candidates.append(Candidate(either, bracket[0].cost() + bracket[1].cost(), c_max))
    counts = size_event(
        outcomes.probabilities,
        candidates,
        bankroll=config.bankroll,
        kelly_multiplier=config.kelly_multiplier,
    )
    counts = _within_event_budget(counts, [*chosen, *(bracket or ())], bracket is not None, config)
    orders = []
    for s, count in zip(chosen, counts, strict=False):
        row = singles[(s.ticker, s.side)]
        if count == 0:
            row["reason"] = "Kelly size 0 (the event's other bets cover it)"
            continue
        edge = s.net_edge(count)
        row["net_edge"], row["count"] = edge, count
        if edge < config.min_edge:
            row["reason"] = f"net edge {_text(edge)} < {config.min_edge} at {count} contracts"
            continue
        row["tradable"] = True
        orders.append(_order(decision, s, SINGLE, "", count, edge))
    if bracket is not None:
        count = counts[-1]
        edges = [leg.net_edge(count) for leg in bracket] if count else []
        problem = "Kelly size 0" if not count else ""
        if not problem and not (all(e > 0 for e in edges) and sum(edges) >= 2 * config.min_edge):
            problem = f"pair net edge {_text(sum(edges))} below the rule at {count} contracts"
        for i, (row, leg) in enumerate(zip(bracket_rows, bracket, strict=True)):
            row["reason"] = problem
            if problem:
                continue
            row["net_edge"], row["count"], row["tradable"] = edges[i], count, True
            orders.append(_order(decision, leg, BRACKET, row["bracket_id"], count, edges[i]))
    return orders
