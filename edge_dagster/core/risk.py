"""Pre-trade risk: every limit in one config-driven ``RiskLimits``, applied in one fixed order.

Buys open risk and go through every cap; sells only close risk, so they are merely kept within
what may be sold (the strategy's holding, and on a real exchange also the position the exchange
reports) and the per-order size cap — that is what lets exits through while the daily kill
switch is on. Exposure caps bind *open* exposure (``core.exposure``: positions at cost plus
resting buys at their limit) as fractions of current equity, per market, per event, per
strategy and in total, so an event cannot grow past its cap over a week of decisions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_FLOOR, Decimal

from edge_dagster.core.exposure import OUTSIDE, Exposure, Position
from edge_dagster.core.orders import Order


@dataclass(frozen=True)
class RiskLimits:
    """Risk limits, read from config; exposure caps are fractions of current equity."""

    max_contracts_per_order: int
    max_market_exposure: Decimal
    max_event_exposure: Decimal
    max_strategy_exposure: Decimal
    max_total_exposure: Decimal
    max_open_positions_per_strategy: int
    daily_loss_limit_fraction: Decimal
    """0.05 halts new orders once today's P&L is at or below −5 % of 00:00-UTC equity."""


SellKey = tuple[str, str, str]
"""(strategy, ticker, side) of a holding that may be sold."""


@dataclass(frozen=True)
class RiskState:
    """Account snapshot at a decision: holdings, open exposure, equity, and today's P&L."""

    day: date
    equity: Decimal
    """Current equity the exposure caps are fractions of (paper: starting bankroll plus the
    ledger's realised P&L; demo/live: the exchange's balance plus portfolio value)."""
    positions: tuple[Position, ...]
    exposure: Exposure
    day_start_equity: Decimal
    realised_pnl: Decimal
    open_mark_to_bid: Decimal
    open_cost_basis: Decimal
    """Cost of open positions, those carried over from before ``day`` at their 00:00-UTC
    mark-to-bid, so that mark − cost is the unrealised P&L made today."""
    sell_limits: Mapping[SellKey, int] = field(default_factory=dict)
    """Where set, the most of a holding that may be sold (a real exchange's position)."""

    @property
    def pnl_today(self) -> Decimal:
        """Realised plus mark-to-bid P&L since 00:00 UTC."""
        return self.realised_pnl + self.open_mark_to_bid - self.open_cost_basis

    def sellable(self) -> Counter[SellKey]:
        held = Counter({(p.strategy, p.ticker, p.side): p.count for p in self.positions})
        for key, limit in self.sell_limits.items():
            held[key] = min(held[key], limit)
        return held


@dataclass(frozen=True)
class RiskDecision:
    """How many contracts of ``order`` may go out, and why any were cut."""

    order: Order
    approved_count: int
    reasons: tuple[str, ...]


def _utc_day(now: datetime) -> date:
    if now.tzinfo is None:
        raise ValueError("risk checks need a timezone-aware time")
    return now.astimezone(UTC).date()


def kill_switch_active(state: RiskState, limits: RiskLimits, now: datetime) -> bool:
    """Whether today's loss has reached the limit; a snapshot of an earlier UTC day never halts."""
    if _utc_day(now) != state.day:
        return False
    return state.pnl_today <= -limits.daily_loss_limit_fraction * state.day_start_equity


def _affordable(budget: Decimal, price: Decimal) -> int:
    """Whole contracts at ``price`` that fit in what is left of a dollar budget."""
    return max(int((budget / price).to_integral_value(rounding=ROUND_FLOOR)), 0)


def check_orders(
    orders: Sequence[Order], state: RiskState, limits: RiskLimits, now: datetime
) -> list[RiskDecision]:
    """Approve, cut or reject each order, in the order given.

    Earlier orders consume exposure, holdings and position slots before later ones are checked,
    so the same inputs always give the same decisions. Within an order the rules run in the
    sequence below and stop at the first that cuts it to zero.
    """
    halted = kill_switch_active(state, limits, now)
    by_market = defaultdict(Decimal, state.exposure.by_market)
    by_event = defaultdict(Decimal, state.exposure.by_event)
    by_strategy = defaultdict(Decimal, state.exposure.by_strategy)
    total = state.exposure.total
    held = {(p.strategy, p.ticker) for p in state.positions}
    held_outside = {p.ticker for p in state.positions if p.strategy == OUTSIDE}
    sellable = state.sellable()
    open_positions = Counter(p.strategy for p in state.positions)
    equity = max(state.equity, Decimal(0))

    decisions = []
    for order in orders:
        price = order.limit_price
        if order.action == "sell":
            caps = [
                ("sell_exceeds_position", sellable[(order.strategy, order.ticker, order.side)]),
                ("max_contracts_per_order", limits.max_contracts_per_order),
            ]
        else:
            held_now = (order.strategy, order.ticker) in held or order.ticker in held_outside
            at_position_limit = (
                open_positions[order.strategy] >= limits.max_open_positions_per_strategy
            )
            used = {
                "max_market_exposure": (limits.max_market_exposure, by_market[order.ticker]),
                "max_event_exposure": (limits.max_event_exposure, by_event[order.event_ticker]),
                "max_strategy_exposure": (
                    limits.max_strategy_exposure,
                    by_strategy[order.strategy],
                ),
                "max_total_exposure": (limits.max_total_exposure, total),
            }
            caps = [
                ("kill_switch", 0 if halted else order.count),
                ("already_held", 0 if held_now else order.count),
                ("max_open_positions_per_strategy", 0 if at_position_limit else order.count),
                ("max_contracts_per_order", limits.max_contracts_per_order),
                *(
                    (rule, _affordable(fraction * equity - spent, price))
                    for rule, (fraction, spent) in used.items()
                ),
            ]

        count = order.count
        reasons: list[str] = []
        for rule, allowed in caps:
            if allowed < count:
                reasons.append(f"{rule}: {count} -> {allowed}")
                count = allowed
            if count == 0:
                break
        decisions.append(RiskDecision(order, count, tuple(reasons)))

        if count == 0:
            continue
        if order.action == "sell":
            sellable[(order.strategy, order.ticker, order.side)] -= count
        else:
            dollars = count * price
            by_market[order.ticker] += dollars
            by_event[order.event_ticker] += dollars
            by_strategy[order.strategy] += dollars
            total += dollars
            held.add((order.strategy, order.ticker))
            open_positions[order.strategy] += 1
    return decisions


DEFAULT_RISK_LIMITS = RiskLimits(
    max_contracts_per_order=100,
    max_market_exposure=Decimal("0.05"),
    max_event_exposure=Decimal("0.10"),
    max_strategy_exposure=Decimal("0.50"),
    max_total_exposure=Decimal("0.80"),
    max_open_positions_per_strategy=20,
    daily_loss_limit_fraction=Decimal("0.05"),
)
