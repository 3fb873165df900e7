"""The portfolio: P&L per strategy over time, the equity curve, drawdown, win rate, and
exposure per event and city.

Pure: it reads the ledger's rows (``fills``, ``cash_ledger``) and recorded marks, never a
database or a clock. P&L at an instant is the cash ledger up to then (trades, fees,
settlements) plus every open position marked to what selling it would fetch then (YES at the
bid, NO at 1 − the ask: ``core.prices.mark_value``). Realised = cash + open cost (an open
position counts at its cost); unrealised = mark − cost. A market counts as closed from its
settlement on.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pandas as pd

from edge_dagster.core.cities import CITIES_BY_CODE
from edge_dagster.core.exposure import average_cost
from edge_dagster.core.prices import Mark, mark_value

ALL = "all"
"""Strategy key of the whole account's rows."""
NO_CITY = ""
"""City of an event that has none (TSA is national)."""


def event_city(event_ticker: str) -> str:
    """The city code of a daily-high event (``KXHIGHNY-26OCT02`` → ``NY``; the series was
    ``HIGHNY`` before the KX prefix), else ``NO_CITY``."""
    series = event_ticker.split("-")[0].removeprefix("KX")
    code = series.removeprefix("HIGH")
    return code if series.startswith("HIGH") and code in CITIES_BY_CODE else NO_CITY


class MarkBook:
    """Recorded quotes per market: the mark of a market at ``at`` is its last quote recorded
    at or before ``at`` (nothing later is ever read)."""

    def __init__(self, quotes: Iterable[tuple[str, datetime, Decimal | None, Decimal | None]]):
        by_ticker: defaultdict[str, list[tuple[datetime, Mark]]] = defaultdict(list)
        for ticker, as_of, yes_bid, yes_ask in quotes:
            by_ticker[ticker].append((as_of, (yes_bid, yes_ask)))
        self._times = {t: [at for at, _ in sorted(rows, key=lambda r: r[0])]
                       for t, rows in by_ticker.items()}  # fmt: skip
        self._marks = {t: [m for _, m in sorted(rows, key=lambda r: r[0])]
                       for t, rows in by_ticker.items()}  # fmt: skip

    def at(self, ticker: str, at: datetime) -> Mark | None:
        times = self._times.get(ticker)
        if not times:
            return None
        index = bisect.bisect_right(times, at) - 1
        return self._marks[ticker][index] if index >= 0 else None

    def latest(self, at: datetime) -> dict[str, Mark]:
        """Every market's mark at ``at`` (markets first quoted later are left out)."""
        marks = {}
        for ticker in self._times:
            mark = self.at(ticker, at)
            if mark is not None:
                marks[ticker] = mark
        return marks


@dataclass(frozen=True)
class PnlPoint:
    """One strategy's (or ``ALL``'s) cumulative P&L in dollars at one instant."""

    at: datetime
    strategy: str
    realised: Decimal
    unrealised: Decimal
    open_cost: Decimal
    open_positions: int

    @property
    def pnl(self) -> Decimal:
        return self.realised + self.unrealised


@dataclass(frozen=True)
class Drawdown:
    """Peak-to-trough of a cumulative P&L series, in dollars (positive = below the peak)."""

    max_drawdown: Decimal
    current_drawdown: Decimal
    peak: Decimal


@dataclass(frozen=True)
class WinRate:
    """Closed trades (one strategy's whole history in one market, closed by settlement or by
    selling out) that made money after fees, out of all closed."""

    strategy: str
    closed: int
    wins: int

    @property
    def rate(self) -> float | None:
        return self.wins / self.closed if self.closed else None


def _rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple]:
    return list(frame[list(columns)].itertuples(index=False, name=None))


def pnl_curve(
    fills: pd.DataFrame,
    cash: pd.DataFrame,
    marks: MarkBook,
    instants: Sequence[datetime],
    *,
    marks_now: Mapping[str, Mark] | None = None,
) -> list[PnlPoint]:
    """Cumulative P&L per strategy and for ``ALL`` at each instant (ascending), from the
    ledger's ``fills`` (strategy, ticker, side, action, count, price, filled_at) and
    ``cash_ledger`` (strategy, ticker, kind, amount, entry_at) rows: everything at or before
    the instant counts. ``marks_now`` replaces the recorded marks at the last instant (the
    exchange's quotes now, in demo/live)."""
    fill_rows = sorted(
        _rows(fills, ["filled_at", "strategy", "ticker", "side", "action", "count", "price"])
    )
    cash_rows = sorted(_rows(cash, ["entry_at", "strategy", "ticker", "kind", "amount"]))
    strategies = sorted({r[1] for r in fill_rows} | {r[1] for r in cash_rows})
    held: dict[tuple[str, str, str], list] = {}  # (strategy, ticker, side) -> [net, bought, paid]
    cash_to_date: defaultdict[str, Decimal] = defaultdict(Decimal)
    settled: set[str] = set()
    next_fill = next_cash = 0
    points = []
    for position, at in enumerate(instants):
        while next_fill < len(fill_rows) and fill_rows[next_fill][0] <= at:
            _, strategy, ticker, side, action, count, price = fill_rows[next_fill]
            entry = held.setdefault((strategy, ticker, side), [0, 0, Decimal(0)])
            if action == "buy":
                entry[0] += int(count)
                entry[1] += int(count)
                entry[2] += int(count) * Decimal(price)
            else:
                entry[0] -= int(count)
            next_fill += 1
        while next_cash < len(cash_rows) and cash_rows[next_cash][0] <= at:
            _, strategy, ticker, kind, amount = cash_rows[next_cash]
            cash_to_date[strategy] += Decimal(amount)
            if kind == "settlement":
                settled.add(ticker)
            next_cash += 1
        last = position == len(instants) - 1 and marks_now is not None
        cost: defaultdict[str, Decimal] = defaultdict(Decimal)
        value: defaultdict[str, Decimal] = defaultdict(Decimal)
        count_open: defaultdict[str, int] = defaultdict(int)
        for (strategy, ticker, side), (net, bought, paid) in held.items():
            if not net or ticker in settled:
                continue
            mark = marks_now.get(ticker) if last else marks.at(ticker, at)
            cost[strategy] += average_cost(paid, bought, net)
            value[strategy] += net * mark_value(side, mark)
            count_open[strategy] += 1
        totals = [Decimal(0)] * 3 + [0]
        for strategy in strategies:
            realised = cash_to_date[strategy] + cost[strategy]
            unrealised = value[strategy] - cost[strategy]
            points.append(PnlPoint(at, strategy, realised, unrealised, cost[strategy],
                                   count_open[strategy]))  # fmt: skip
            totals = [totals[0] + realised, totals[1] + unrealised, totals[2] + cost[strategy],
                      totals[3] + count_open[strategy]]  # fmt: skip
        points.append(PnlPoint(at, ALL, totals[0], totals[1], totals[2], int(totals[3])))
    return points


def drawdown(pnl: Sequence[Decimal]) -> Drawdown:
    """Largest fall from a running peak of cumulative P&L, the fall now, and the peak; the
    series starts from 0 (before the first trade nothing was made or lost), so a losing first
    day already counts. Works on floats too (the backtest's weekly figures)."""
    zero = pnl[0] - pnl[0] if pnl else Decimal(0)
    peak = worst = zero
    for value in pnl:
        peak = max(peak, value)
        worst = max(worst, peak - value)
    current = peak - pnl[-1] if pnl else zero
    return Drawdown(worst, current, peak)


def running_drawdown(pnl: Sequence[Decimal]) -> list[Decimal]:
    """Drawdown at each point of a cumulative P&L series (its running peak, from 0, less it)."""
    peak = pnl[0] - pnl[0] if pnl else Decimal(0)
    result = []
    for value in pnl:
        peak = max(peak, value)
        result.append(peak - value)
    return result


def win_rates(fills: pd.DataFrame, cash: pd.DataFrame) -> list[WinRate]:
    """Per strategy and for ``ALL``: closed trades and those that made money. A trade is one
    strategy's fills and cash in one market; it is closed once the market settled or the
    strategy holds no contract of it; its P&L is its cash (trades, fees, settlement)."""
    settled = set(cash.loc[cash["kind"] == "settlement", "ticker"]) if not cash.empty else set()
    net: defaultdict[tuple[str, str, str], int] = defaultdict(int)
    for strategy, ticker, side, action, count in _rows(
        fills, ["strategy", "ticker", "side", "action", "count"]
    ):
        net[(strategy, ticker, side)] += int(count) if action == "buy" else -int(count)
    holding: defaultdict[tuple[str, str], bool] = defaultdict(bool)
    for (strategy, ticker, _), contracts in net.items():
        holding[(strategy, ticker)] |= contracts != 0
    money: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for strategy, ticker, amount in _rows(cash, ["strategy", "ticker", "amount"]):
        money[(strategy, ticker)] += Decimal(amount)
    closed = [key for key, held in holding.items() if key[1] in settled or not held]
    by_strategy: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key in closed:
        for strategy in (key[0], ALL):
            by_strategy[strategy][0] += 1
            by_strategy[strategy][1] += money[key] > 0
    return [WinRate(s, n, w) for s, (n, w) in sorted(by_strategy.items())]
