"""Pre-trade risk: every limit in one config-driven ``RiskLimits``, applied in one fixed order.

Buys open risk and go through every cap; sells only close risk, so they are merely kept within
the strategy's holding (a sell beyond it would open a position on the other side) and the
per-order size cap — that is what lets exits through while the daily kill switch is on.
Notional is contracts × the limit price of the side bought, in dollars, before fees.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_FLOOR, Decimal

from edge_dagster.core.prices import ONE, Action, Side


@dataclass(frozen=True)
class RiskLimits:
    """Risk limits, read from config. Day-scoped limits reset at 00:00 UTC."""

    max_contracts_per_order: int
    max_notional_per_order: Decimal
    max_notional_per_market_per_day: Decimal
    max_notional_per_event_per_day: Decimal
    max_notional_per_day: Decimal
    max_open_positions_per_strategy: int
    daily_loss_limit_fraction: Decimal
    """0.05 halts new orders once today's P&L is at or below −5 % of 00:00-UTC equity."""


@dataclass(frozen=True)
class ProposedOrder:
    """An order a strategy wants; ``limit_price`` is the price of ``side`` in dollars."""

    strategy: str
    ticker: str
    event_key: str
    """The market's event (a TSA week, a city-day) for the per-event budget."""
    side: Side
    action: Action
    limit_price: Decimal
    count: int

    def __post_init__(self) -> None:
        if not Decimal(0) < self.limit_price < ONE:
            raise ValueError(f"limit price {self.limit_price} outside (0, 1)")
        if self.count <= 0:
            raise ValueError(f"order count {self.count} is not positive")


@dataclass(frozen=True)
class Position:
    """Contracts of one side a strategy holds in one market."""

    strategy: str
    ticker: str
    side: Side
    count: int


@dataclass(frozen=True)
class RiskState:
    """Account snapshot; the notional and P&L figures cover the UTC day ``day``."""

    day: date
    positions: tuple[Position, ...]
    notional_by_market: Mapping[str, Decimal]
    notional_by_event: Mapping[str, Decimal]
    notional_total: Decimal
    day_start_equity: Decimal
    realised_pnl: Decimal
    open_mark_to_bid: Decimal
    open_cost_basis: Decimal
    """Cost of open positions, those carried over from before ``day`` at their 00:00-UTC
    mark-to-bid, so that mark − cost is the unrealised P&L made today."""

    @property
    def pnl_today(self) -> Decimal:
        """Realised plus mark-to-bid P&L since 00:00 UTC."""
        return self.realised_pnl + self.open_mark_to_bid - self.open_cost_basis


@dataclass(frozen=True)
class RiskDecision:
    """How many contracts of ``order`` may go out, and why any were cut."""

    order: ProposedOrder
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
    """Whole contracts at ``price`` that fit in what is left of a notional budget."""
    return max(int((budget / price).to_integral_value(rounding=ROUND_FLOOR)), 0)


def check_orders(
    orders: Sequence[ProposedOrder], state: RiskState, limits: RiskLimits, now: datetime
) -> list[RiskDecision]:
    """Approve, cut or reject each order, in the order given.

    Earlier orders consume budgets, holdings and position slots before later ones are checked,
    so the same inputs always give the same decisions. Within an order the rules run in the
    sequence below and stop at the first that cuts it to zero.
    """
    fresh = _utc_day(now) == state.day
    halted = kill_switch_active(state, limits, now)
    by_market = defaultdict(Decimal, state.notional_by_market if fresh else {})
    by_event = defaultdict(Decimal, state.notional_by_event if fresh else {})
    total = state.notional_total if fresh else Decimal(0)
    held = {(p.strategy, p.ticker) for p in state.positions}
    sellable = Counter({(p.strategy, p.ticker, p.side): p.count for p in state.positions})
    open_positions = Counter(p.strategy for p in state.positions)

    decisions = []
    for order in orders:
        price = order.limit_price
        if order.action == "sell":
            caps = [
                ("sell_exceeds_position", sellable[(order.strategy, order.ticker, order.side)]),
                ("max_contracts_per_order", limits.max_contracts_per_order),
            ]
        else:
            at_position_limit = (
                open_positions[order.strategy] >= limits.max_open_positions_per_strategy
            )
            caps = [
                ("kill_switch", 0 if halted else order.count),
                ("already_held", 0 if (order.strategy, order.ticker) in held else order.count),
                ("max_open_positions_per_strategy", 0 if at_position_limit else order.count),
                ("max_contracts_per_order", limits.max_contracts_per_order),
                ("max_notional_per_order", _affordable(limits.max_notional_per_order, price)),
                (
                    "max_notional_per_market_per_day",
                    _affordable(
                        limits.max_notional_per_market_per_day - by_market[order.ticker], price
                    ),
                ),
                (
                    "max_notional_per_event_per_day",
                    _affordable(
                        limits.max_notional_per_event_per_day - by_event[order.event_key], price
                    ),
                ),
                ("max_notional_per_day", _affordable(limits.max_notional_per_day - total, price)),
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
            notional = count * price
            by_market[order.ticker] += notional
            by_event[order.event_key] += notional
            total += notional
            held.add((order.strategy, order.ticker))
            open_positions[order.strategy] += 1
    return decisions


DEFAULT_RISK_LIMITS = RiskLimits(
    max_contracts_per_order=100,
    max_notional_per_order=Decimal("50"),
    max_notional_per_market_per_day=Decimal("100"),
    max_notional_per_event_per_day=Decimal("300"),
    max_notional_per_day=Decimal("500"),
    max_open_positions_per_strategy=20,
    daily_loss_limit_fraction=Decimal("0.05"),
)
