"""Point-in-time Kalshi market data for the TSA weekly events, replayed from recorded files.

A snapshot at ``as_of`` lists the event's markets with the quote of the last daily candle that
closed by then (candles close at 00:00 ET), and a result only once the market has expired.
Candles ending after a decision are what the paper exchange fills resting orders against.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import pandas as pd

from edge_dagster.core.clock import EASTERN, UTC, tsa_published_at
from edge_dagster.core.matching import Candle
from edge_dagster.core.tickers import parse_event_ticker, strike_type_for_rule

MARKETS_FILE = "kalshi_tsaw_markets_2026.csv"
CANDLES_FILE = "kalshi_tsaw_daily_candles_2026.csv"
# Not in the recorded files: KXTSAW's fee schedule as read from GET /series (standard taker fee,
# no maker fee). Live mode reads the real values from the series endpoint.
TSA_FEE_TYPE = "quadratic"
TSA_FEE_MULTIPLIER = Decimal(1)
# Weekly TSA markets open Monday 10:00 ET and settle on the first 10:00 ET after Sunday's figure
# is published (rules text, reference §7); the recorded expiration time is the latest bound.
TSA_MARKET_OPEN_DELAY = timedelta(hours=10)
TSA_SETTLEMENT_DELAY = timedelta(hours=1)
# A replayed quote is the last daily candle closed by the decision time, if at most a day old;
# an older one is no quote at all (the market may have stopped trading).
QUOTE_MAX_AGE = timedelta(hours=24)

SNAPSHOT_COLUMNS = [
    "ticker", "as_of", "source", "series_ticker", "event_ticker", "strike_type", "floor_strike",
    "cap_strike", "status", "yes_bid", "yes_ask", "yes_bid_size", "yes_ask_size", "last_price",
    "volume", "open_interest", "quote_time", "close_time", "result", "fee_type", "fee_multiplier",
]  # fmt: skip


def _decimal(value: float) -> Decimal | None:
    return None if pd.isna(value) else Decimal(str(value))


class ReplayKalshiMarkets:
    """Reads ``kalshi_tsaw_markets_2026.csv`` and ``kalshi_tsaw_daily_candles_2026.csv``."""

    def __init__(self, replay_dir: str | Path) -> None:
        self.replay_dir = Path(replay_dir)

    @cached_property
    def _markets(self) -> pd.DataFrame:
        markets = pd.read_csv(self.replay_dir / MARKETS_FILE)
        for column in ("close_time_utc", "expiration_time_utc"):
            markets[column] = pd.to_datetime(markets[column], utc=True)
        sunday_published = [
            pd.Timestamp(tsa_published_at(pd.Timestamp(day).date()) + TSA_SETTLEMENT_DELAY)
            for day in markets["week_sunday"]
        ]
        markets["settles_at"] = pd.Series(sunday_published, index=markets.index).dt.tz_convert(UTC)
        markets["settles_at"] = markets[["settles_at", "expiration_time_utc"]].min(axis=1)
        return markets

    @cached_property
    def _candles(self) -> pd.DataFrame:
        path = self.replay_dir / CANDLES_FILE
        candles = pd.read_csv(path) if path.exists() else pd.DataFrame(columns=["ticker"])
        candles["end"] = pd.to_datetime(candles.get("period_end_unix"), unit="s", utc=True)
        return candles.sort_values(["ticker", "end"]).reset_index(drop=True)

    def has_event(self, event_ticker: str) -> bool:
        return bool((self._markets["event_ticker"] == event_ticker).any())

    def event_snapshot(self, event_ticker: str, as_of: datetime) -> pd.DataFrame:
        """The event's markets as they stood at ``as_of`` (empty when none were recorded)."""
        markets = self._markets[self._markets["event_ticker"] == event_ticker]
        if markets.empty:
            return pd.DataFrame(columns=SNAPSHOT_COLUMNS)
        series, _ = parse_event_ticker(event_ticker)
        week_monday = pd.Timestamp(markets["week_monday"].iloc[0]).date()
        opens_at = datetime.combine(week_monday, datetime.min.time(), EASTERN)
        opens_at += TSA_MARKET_OPEN_DELAY
        as_of_ts = pd.Timestamp(as_of).tz_convert(UTC)
        closed = self._candles[
            (self._candles["end"] <= as_of_ts) & (self._candles["end"] > as_of_ts - QUOTE_MAX_AGE)
        ]
        last_candle = closed.groupby("ticker").tail(1).set_index("ticker")
        rows = []
        for market in markets.itertuples(index=False):
            candle = last_candle.loc[market.ticker] if market.ticker in last_candle.index else None
            settled = as_of_ts >= market.settles_at
            rows.append(
                {
                    "ticker": market.ticker,
                    "as_of": as_of,
                    "source": f"replay:{MARKETS_FILE}",
                    "series_ticker": series,
                    "event_ticker": event_ticker,
                    "strike_type": strike_type_for_rule(market.rule),
                    "floor_strike": float(market.strike_travelers),
                    "cap_strike": None,
                    "status": self._status(as_of_ts, opens_at, market),
                    "yes_bid": None if candle is None else _decimal(candle["yes_bid_close"]),
                    "yes_ask": None if candle is None else _decimal(candle["yes_ask_close"]),
                    "yes_bid_size": None,
                    "yes_ask_size": None,
                    "last_price": None if candle is None else _decimal(candle["trade_price_close"]),
                    "volume": None if candle is None else float(candle["volume"]),
                    "open_interest": None if candle is None else float(candle["open_interest"]),
                    "quote_time": None if candle is None else candle["end"].to_pydatetime(),
                    "close_time": market.close_time_utc.to_pydatetime(),
                    "result": market.result if settled else "",
                    "fee_type": TSA_FEE_TYPE,
                    "fee_multiplier": TSA_FEE_MULTIPLIER,
                }
            )
        return pd.DataFrame(rows, columns=SNAPSHOT_COLUMNS)

    @staticmethod
    def _status(as_of: pd.Timestamp, opens_at: datetime, market) -> str:  # noqa: ANN001
        if as_of < pd.Timestamp(opens_at):
            return "unopened"
        if as_of < market.close_time_utc:
            return "active"
        return "finalized" if as_of >= market.settles_at else "closed"

    def candles_between(
        self, tickers: Iterable[str], after: datetime, until: datetime
    ) -> dict[str, list[Candle]]:
        """Candles of ``tickers`` ending in ``(after, until]``: prices recorded after a decision."""
        wanted = self._candles[
            self._candles["ticker"].isin(list(tickers))
            & (self._candles["end"] > pd.Timestamp(after))
            & (self._candles["end"] <= pd.Timestamp(until))
        ]
        return {
            ticker: [
                Candle(
                    end=row.end.to_pydatetime(),
                    yes_bid_high=Decimal(str(row.yes_bid_high)),
                    yes_ask_low=Decimal(str(row.yes_ask_low)),
                )
                for row in group.itertuples(index=False)
            ]
            for ticker, group in wanted.groupby("ticker")
        }

    def settlements(self, event_ticker: str, as_of: datetime) -> dict[str, tuple[str, datetime]]:
        """(result, settlement time) of the event's markets that had settled by ``as_of``."""
        markets = self._markets[
            (self._markets["event_ticker"] == event_ticker)
            & (self._markets["settles_at"] <= pd.Timestamp(as_of))
        ]
        return {
            row.ticker: (row.result, row.settles_at.to_pydatetime())
            for row in markets.itertuples(index=False)
        }

    def mids_after(self, decisions: pd.DataFrame) -> pd.Series:
        """Mid of the first candle closing after each (ticker, decision_time) row: the market
        price that had seen the same TSA release as the decision. NaN where none exists."""
        candles = self._candles.dropna(subset=["yes_bid_close", "yes_ask_close"])
        candles = candles.assign(
            mid=(candles["yes_bid_close"] + candles["yes_ask_close"]) / 2
        ).sort_values("end")
        keys = decisions[["ticker", "decision_time"]].copy()
        keys["decision_time"] = pd.to_datetime(keys["decision_time"], utc=True)
        keys["order"] = range(len(keys))
        matched = pd.merge_asof(
            keys.sort_values("decision_time"),
            candles[["ticker", "end", "mid"]],
            left_on="decision_time",
            right_on="end",
            by="ticker",
            direction="forward",
            allow_exact_matches=False,
        )
        return matched.sort_values("order")["mid"].reset_index(drop=True)
