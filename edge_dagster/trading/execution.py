"""Turning a decision's desired orders into what a venue holds: risk, keep, cancel, place.

One rule for every venue (the paper venue in backtests and paper trading, the Kalshi venue on
demo and live): the risk check cuts the decision's orders against the account as it stands,
then at most one resting order per (strategy, ticker, side, action) survives — an earlier
decision's order is kept when the new decision wants exactly it (same limit, same remaining
count: its queue place survives), else canceled, and the decision's own order is placed. A
taker-only decision (immediate-or-cancel orders) leaves resting orders alone. Client order ids
derive from the intent, so a re-run, retry or backfill finds what it already placed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from edge_dagster.core.matching import Candle, Quote
from edge_dagster.core.orders import IntentKey, Order
from edge_dagster.core.prices import BookSide
from edge_dagster.core.risk import RiskLimits, RiskState, check_orders
from edge_dagster.core.strategy import Decision, risk_priority
from edge_dagster.trading.ledger import Ledger, Mark
from edge_dagster.trading.paper_venue import PaperVenue


class Venue(Protocol):
    """Where a decision's orders go: ``PaperVenue`` or ``KalshiVenue``."""

    ledger: Ledger

    def resting_orders(
        self, strategy: str, event_tickers: Sequence[str], at: datetime
    ) -> list[Order]: ...

    def risk_state(
        self, strategy: str, at: datetime, marks: Mapping[str, Mark], excluding: Iterable[str]
    ) -> RiskState: ...

    def place(self, order: Order, quote: Quote | None, at: datetime) -> Order: ...

    def cancel(self, order: Order, at: datetime, note: str = "") -> None: ...


@dataclass(frozen=True)
class DecisionOutcome:
    """What one decision did: orders placed, resting orders canceled and kept, and the risk
    check's cuts (``ticker side action: rule before -> after``)."""

    placed: int = 0
    canceled: int = 0
    kept: int = 0
    cuts: tuple[str, ...] = ()


def approved(
    orders: Sequence[Order], state: RiskState, limits: RiskLimits, at: datetime
) -> tuple[list[Order], list[str]]:
    """The orders with the counts the risk check lets through (zero counts dropped), in the
    order the check spends its budget (``risk_priority``), and the reasons for every cut."""
    ranked = sorted(orders, key=lambda o: risk_priority(o.action, o.edge))
    decisions = check_orders(ranked, state, limits, at)
    kept = [d.order.with_count(d.approved_count) for d in decisions if d.approved_count]
    cuts = [
        f"{d.order.ticker} {d.order.side} {d.order.action}: {'; '.join(d.reasons)}"
        for d in decisions
        if d.reasons
    ]
    return kept, cuts


def still_wanted(resting: Order, wanted: Order | None) -> bool:
    """Whether an earlier decision's resting order is kept: the new decision wants exactly it
    (same limit, count equal to what still rests), so its queue place survives."""
    return (
        wanted is not None
        and wanted.limit_price == resting.limit_price
        and wanted.count == resting.remaining
    )


def _other_book_side(side: BookSide) -> BookSide:
    return "ask" if side == "bid" else "bid"


def execute_decision(
    venue: Venue,
    decision: Decision,
    wanted: Sequence[Order],
    *,
    quote_at: Callable[[str], Quote | None],
    marks: Mapping[str, Mark],
    limits: RiskLimits,
    exits_only: bool = False,
) -> DecisionOutcome:
    """Make ``venue`` hold what one decision wants, each intent placed once.

    A taker decision leaves earlier resting orders alone, except those its own orders would
    trade against (an account never crosses itself): it cancels them first.

    The risk check sees the account with the strategy's resting orders in the decision's events
    left out when the decision manages them (each is either kept as wanted or replaced, so
    counting it as well would count one intent twice). ``exits_only`` (the ledger has drifted
    from the exchange): only the decision's sells go out, and resting orders are left alone.
    """
    if exits_only:
        wanted = [o for o in wanted if o.action == "sell"]
    own = venue.resting_orders(decision.strategy, decision.event_tickers, decision.time)
    # This decision's own orders (a re-run), earlier decisions' when it manages them, and any
    # resting order its own orders would trade against (same market, other side of the book).
    manages = decision.manages_resting and not exits_only
    crossing = set() if exits_only else {(o.ticker, o.book_side) for o in wanted}
    managed = [
        o
        for o in own
        if manages
        or o.decision_time == decision.time
        or (o.ticker, _other_book_side(o.book_side)) in crossing
    ]
    if not wanted and not managed:
        return DecisionOutcome()
    state = venue.risk_state(
        decision.strategy, decision.time, marks, [o.client_order_id for o in managed]
    )
    orders, cuts = approved([venue.ledger.own(o) for o in wanted], state, limits, decision.time)
    by_key: dict[IntentKey, Order] = {order.key: order for order in orders}
    kept: set[IntentKey] = set()
    canceled = 0
    note = f"replaced by the decision of {decision.time.astimezone(UTC).isoformat()}"
    for order in managed:
        if order.decision_time == decision.time:
            continue
        if still_wanted(order, by_key.get(order.key)):
            kept.add(order.key)
        else:
            venue.cancel(order, decision.time, note)
            canceled += 1
    placed = 0
    for order in orders:
        known = venue.ledger.order(order.client_order_id)
        if order.key in kept or (known is not None and known.status != "unsent"):
            continue
        venue.place(order, quote_at(order.ticker), decision.time)
        placed += 1
    return DecisionOutcome(placed, canceled, len(kept), tuple(cuts))


@dataclass(frozen=True)
class PaperWeek:
    """Everything the paper venue needs to replay one event week of one strategy."""

    strategy: str
    event_ticker: str
    tickers: tuple[str, ...]
    decisions: tuple[Decision, ...]
    orders: tuple[Order, ...]


def replay_week(
    venue: PaperVenue,
    week: PaperWeek,
    *,
    now: datetime,
    candles_between: Callable[[Sequence[str], datetime, datetime], Mapping[str, Sequence[Candle]]],
    quote_at: Callable[[str, datetime], Quote | None],
    settlements: Callable[[datetime], Mapping[str, tuple[str, datetime]]],
    marks_at: Callable[[datetime], Mapping[str, Mark]],
    limits: RiskLimits,
) -> list[DecisionOutcome]:
    """Replay the week's decisions in time order on the paper venue.

    Before each decision, resting orders fill on the candles recorded since the previous one
    and lapse at their expiry; then the decision executes against the account as it stood.
    After the last decision, candles up to ``now`` fill what still rests and settled markets
    pay out.
    """
    outcomes = []
    previous: datetime | None = None  # the last decision executed
    for decision in sorted(week.decisions, key=lambda d: d.time):
        wanted = [o for o in week.orders if o.decision_time == decision.time]
        if previous is None and not wanted:
            continue  # nothing placed this week yet and nothing wanted: nothing to do
        if previous is not None:
            venue.advance(candles_between(week.tickers, previous, decision.time), decision.time)
        outcomes.append(
            execute_decision(
                venue,
                decision,
                wanted,
                quote_at=lambda ticker, at=decision.time: quote_at(ticker, at),
                marks=marks_at(decision.time),
                limits=limits,
            )
        )
        previous = decision.time
    if previous is None:
        return outcomes
    if now > previous:
        venue.advance(candles_between(week.tickers, previous, now), now)
    venue.settle(settlements(now))
    return outcomes


def replay_timeline(
    venue: PaperVenue,
    decisions: Sequence[tuple[Decision, Sequence[Order]]],
    *,
    now: datetime,
    candles_between: Callable[[Sequence[str], datetime, datetime], Mapping[str, Sequence[Candle]]],
    quote_at: Callable[[str, datetime], Quote | None],
    settlements_between: Callable[[datetime, datetime], Mapping[str, tuple[str, datetime]]],
    marks_at: Callable[[datetime], Mapping[str, Mark]],
    limits: RiskLimits,
) -> list[DecisionOutcome]:
    """Replay many events' decisions (with their desired orders) in one time order on the
    paper venue, for events that overlap in time (the temperature cities and days).

    Before each decision time, what rests fills on the candles since the previous one and the
    markets that settled in between pay out, so every decision sees the whole account — every
    event's positions, settlements and today's P&L — as it stood then. After the last decision,
    candles and settlements up to ``now`` close the book.
    """
    outcomes = []
    previous: datetime | None = None

    def advance(until: datetime) -> None:
        assert previous is not None
        tickers = sorted({o.ticker for o in venue.ledger.resting_orders()})
        venue.advance(candles_between(tickers, previous, until) if tickers else {}, until)
        venue.settle(settlements_between(previous, until))

    for decision, wanted in sorted(decisions, key=lambda pair: pair[0].time):
        if previous is not None and decision.time > previous:
            advance(decision.time)
        if previous is None and not wanted:
            continue  # nothing placed yet and nothing wanted: nothing to do
        outcomes.append(
            execute_decision(
                venue,
                decision,
                wanted,
                quote_at=lambda ticker, at=decision.time: quote_at(ticker, at),
                marks=marks_at(decision.time),
                limits=limits,
            )
        )
        previous = decision.time if previous is None else max(previous, decision.time)
    if previous is not None and now > previous:
        advance(now)
    return outcomes
