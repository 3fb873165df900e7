"""Point-in-time Kalshi market data: recorded files (replay) or the Trade API (live).

A snapshot at ``as_of`` lists an event's markets with the quote of the last recorded bar that
closed by then, and a result only once the market has settled. Bars are candles (replay: daily,
closing 00:00 ET; live: hourly) and, in replay, the real one-hour bars ending Friday 15:00 UTC
(quotes only: no resting order ever fills from them). Candles are what the paper venue fills
resting orders on (``core.matching``: only those that began after the order). Live, the decision
being traded right now — measured on the wall clock — is quoted from the current top of book.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from edge_dagster.core.clock import (
    EASTERN,
    LIVE_DECISION_WINDOW,
    UTC,
    next_tsa_release,
    tsa_published_at,
)
from edge_dagster.core.matching import Candle
from edge_dagster.core.tickers import parse_event_ticker, strike_type_for_rule
from edge_dagster.kalshi import KalshiClient
from edge_dagster.kalshi.models import Market
from edge_dagster.sources.replay_files import read_replay_csv

MARKETS_FILE = "kalshi_tsaw_markets_2026.csv"
EARLIER_MARKETS_FILE = "kalshi_tsaw_markets_2022_2025.csv"
CANDLES_FILE = "kalshi_tsaw_daily_candles_2026.csv"
FRIDAY_QUOTES_FILE = "kalshi_tsaw_friday_quotes_2022_2026.csv"
# Not in the recorded files: KXTSAW's fee schedule as read from GET /series (standard taker fee,
# no maker fee). Live mode reads the real values from the series endpoint.
TSA_FEE_TYPE = "quadratic"
TSA_FEE_MULTIPLIER = Decimal(1)
# Weekly TSA markets open Monday 10:00 ET and settle on the first 10:00 ET after Sunday's figure
# is published (rules text, reference §7); the recorded expiration time is the latest bound.
TSA_MARKET_OPEN_DELAY = timedelta(hours=10)
TSA_SETTLEMENT_DELAY = timedelta(hours=1)
# A quote from candles is the last daily candle closed by the decision time, if at most a day
# old; an older one is no quote at all (the market may have stopped trading).
QUOTE_MAX_AGE = timedelta(hours=24)
DAILY_CANDLE_MINUTES = 1440
LIVE_CANDLE_MINUTES = 60
"""Past decisions and paper fills read hourly candles live: the first hour that begins after
an order is the first that may fill it."""

SNAPSHOT_COLUMNS = [
    "ticker", "as_of", "source", "series_ticker", "event_ticker", "strike_type", "floor_strike",
    "cap_strike", "status", "yes_bid", "yes_ask", "yes_bid_size", "yes_ask_size", "last_price",
    "volume", "open_interest", "quote_time", "close_time", "result", "fee_type", "fee_multiplier",
]  # fmt: skip
MARKET_COLUMNS = [
    "ticker", "event_ticker", "series_ticker", "strike_type", "floor_strike", "cap_strike",
    "opens_at", "close_time", "settles_at", "result", "settled_value", "fee_type",
    "fee_multiplier",
]  # fmt: skip
"""One row per market, whatever the source: what a point-in-time view needs. ``settled_value``
is Kalshi's settled value (TSA: the weekly average it settled on), NaN where unknown."""
CANDLE_COLUMNS = [
    "ticker", "start", "end", "yes_bid_close", "yes_ask_close", "yes_bid_high", "yes_ask_low",
    "trade_price_low", "trade_price_high", "trade_price_close", "volume", "open_interest",
]  # fmt: skip
"""One row per recorded bar (prices as floats in dollars, NaN where not recorded)."""
RECORDED_MARKET_COLUMNS = {
    "event_ticker": "str", "week_monday": "date", "week_sunday": "date", "ticker": "str",
    "strike_travelers": "float", "rule": "str", "result": "str?", "close_time_utc": "datetime",
    "expiration_time_utc": "datetime",
}  # fmt: skip
"""The columns of the recorded markets files the replay reads, by kind (replay_files)."""
SETTLED_VALUE_COLUMNS = {"kalshi_expiration_value": "float?", "expiration_value_consistent": "str?"}
"""Kalshi's settled weekly average, recorded for the 2022–2025 markets only."""
RECORDED_BAR_COLUMNS = {
    "ticker": "str", "period_end_unix": "int", "yes_bid_close": "float?",
    "yes_ask_close": "float?", "yes_bid_high": "float?", "yes_ask_low": "float?",
    "trade_price_low": "float?", "trade_price_high": "float?", "trade_price_close": "float?",
    "volume": "float?", "open_interest": "float?",
}  # fmt: skip
"""The columns of the recorded bar files (daily candles, Friday one-hour bars), by kind."""


def _decimal(value: float) -> Decimal | None:
    return None if pd.isna(value) else Decimal(str(value))


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _side_price(value: float, empty: float) -> Decimal | None:
    """A bar's closing bid or ask: None where the side was empty (bid 0, ask 1)."""
    price = _decimal(value)
    return None if price is None or price == Decimal(empty) else price


def _count(value: float) -> int | None:
    return None if pd.isna(value) else int(value)


def _settled_value(text: str) -> float:
    """Kalshi's printed settled value as a number (NaN when it is not one)."""
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return float("nan")


class MarketHistory:
    """Point-in-time views over markets and daily candles; subclasses say where they come from.

    ``source`` names the origin in every snapshot row.
    """

    source: str

    def event_markets(self, event_ticker: str) -> pd.DataFrame:
        """The event's markets as ``MARKET_COLUMNS`` (empty when the event has none)."""
        raise NotImplementedError

    def candles(self, tickers: Iterable[str]) -> pd.DataFrame:
        """Candles of ``tickers`` as ``CANDLE_COLUMNS``, sorted by ticker and end: the bars
        resting orders may fill on."""
        raise NotImplementedError

    def quote_bars(self, tickers: Iterable[str]) -> pd.DataFrame:
        """Every recorded bar of ``tickers`` a quote may come from, sorted by ticker and end."""
        return self.candles(tickers)

    def event_snapshot(self, event_ticker: str, as_of: datetime) -> pd.DataFrame:
        """The event's markets as they stood at ``as_of`` (empty when none exist)."""
        return self.event_snapshots(event_ticker, [as_of])

    def event_snapshots(self, event_ticker: str, times: Sequence[datetime]) -> pd.DataFrame:
        """The event's markets as they stood at each of ``times``, in one frame: a backfill
        reads each event's markets and bars once, not once per decision."""
        markets = self.event_markets(event_ticker)
        if markets.empty or not times:
            return pd.DataFrame(columns=SNAPSHOT_COLUMNS)
        bars = self.quote_bars(markets["ticker"])
        market_rows = list(markets.itertuples(index=False))
        ends = pd.DatetimeIndex(pd.to_datetime(bars["end"], utc=True))  # also when no bars
        tickers = bars["ticker"].to_numpy()
        return pd.DataFrame(
            [
                snapshot
                for as_of in times
                for snapshot in self._snapshot_rows(
                    event_ticker, as_of, market_rows, bars, ends, tickers
                )
            ],
            columns=SNAPSHOT_COLUMNS,
        )

    def _snapshot_rows(
        self,
        event_ticker: str,
        as_of: datetime,
        markets: list,
        bars: pd.DataFrame,
        ends: pd.DatetimeIndex,
        tickers: np.ndarray,
    ) -> list[dict]:
        """One row per market (``markets``: the event's market rows) at ``as_of``, quoted
        from the last of ``bars`` (their ``ends`` and ``tickers`` as arrays: read once per
        event) closed within ``QUOTE_MAX_AGE`` before it."""
        as_of_ts = pd.Timestamp(as_of).tz_convert(UTC)
        closed = np.flatnonzero((ends <= as_of_ts) & (ends > as_of_ts - QUOTE_MAX_AGE))
        # The last closed bar of each ticker in the frame's order (groupby().tail(1)).
        last_bar = dict(zip(tickers[closed], closed, strict=True))
        rows = []
        for market in markets:
            bar = last_bar.get(market.ticker)
            candle = None if bar is None else bars.iloc[bar]
            settled = pd.notna(market.settles_at) and as_of_ts >= market.settles_at
            rows.append(
                {
                    "ticker": market.ticker,
                    "as_of": as_of,
                    "source": self.source,
                    "series_ticker": market.series_ticker,
                    "event_ticker": event_ticker,
                    "strike_type": market.strike_type,
                    "floor_strike": market.floor_strike,
                    "cap_strike": market.cap_strike,
                    "status": _status(as_of_ts, market),
                    "yes_bid": None if candle is None else _side_price(candle["yes_bid_close"], 0),
                    "yes_ask": None if candle is None else _side_price(candle["yes_ask_close"], 1),
                    "yes_bid_size": None,
                    "yes_ask_size": None,
                    "last_price": None if candle is None else _decimal(candle["trade_price_close"]),
                    "volume": None if candle is None else float(candle["volume"]),  # the bar's
                    "open_interest": None if candle is None else float(candle["open_interest"]),
                    "quote_time": None if candle is None else candle["end"].to_pydatetime(),
                    "close_time": market.close_time.to_pydatetime(),
                    "result": market.result if settled else "",
                    "fee_type": market.fee_type,
                    "fee_multiplier": market.fee_multiplier,
                }
            )
        return rows

    def candles_between(
        self, tickers: Iterable[str], after: datetime, until: datetime
    ) -> dict[str, list[Candle]]:
        """Candles of ``tickers`` ending in ``(after, until]``, as the fill rule reads them."""
        candles = self.candles(tickers)
        wanted = candles[
            (candles["end"] > pd.Timestamp(after)) & (candles["end"] <= pd.Timestamp(until))
        ]
        return {
            ticker: [
                Candle(
                    start=row.start.to_pydatetime(),
                    end=row.end.to_pydatetime(),
                    yes_bid_high=_decimal(row.yes_bid_high),
                    yes_ask_low=_decimal(row.yes_ask_low),
                    trade_low=_decimal(row.trade_price_low),
                    trade_high=_decimal(row.trade_price_high),
                    volume=_count(row.volume),
                )
                for row in group.itertuples(index=False)
            ]
            for ticker, group in wanted.groupby("ticker")
        }

    def settlements(self, event_ticker: str, as_of: datetime) -> dict[str, tuple[str, datetime]]:
        """(result, settlement time) of the event's markets that had settled by ``as_of``."""
        markets = self.event_markets(event_ticker)
        # An event none of whose markets has settled has a column of naive NaT.
        settles_at = pd.to_datetime(markets["settles_at"], utc=True)
        settled = (
            settles_at.notna() & (markets["result"] != "") & (settles_at <= pd.Timestamp(as_of))
        )
        return {
            ticker: (result, at.to_pydatetime())
            for ticker, result, at in zip(
                markets["ticker"][settled],
                markets["result"][settled],
                settles_at[settled],
                strict=True,
            )
        }

    def settled_values(self, event_tickers: Iterable[str]) -> dict[str, float]:
        """Event → the value Kalshi settled it on (TSA: the weekly average), where known."""
        values = {}
        for event in event_tickers:
            known = self.event_markets(event)["settled_value"].dropna()
            if not known.empty:
                values[event] = float(known.iloc[0])
        return values

    def quotes_after(self, decisions: pd.DataFrame) -> pd.DataFrame:
        """Bid, ask and mid of the first recorded bar closing after each (ticker,
        decision_time) row, if it closes before the next TSA release: the market price that
        had seen the same TSA figures as the decision (a bar after the next release has seen
        more). NaN where none exists."""
        candles = self.quote_bars(decisions["ticker"].unique())
        candles = candles.dropna(subset=["yes_bid_close", "yes_ask_close"])
        candles = candles.assign(
            mid=(candles["yes_bid_close"] + candles["yes_ask_close"]) / 2
        ).sort_values("end")
        keys = decisions[["ticker", "decision_time"]].copy()
        keys["decision_time"] = pd.to_datetime(keys["decision_time"], utc=True).astype(
            "datetime64[ns, UTC]"
        )
        keys["order"] = range(len(keys))
        columns = ["ticker", "end", "yes_bid_close", "yes_ask_close", "mid"]
        matched = pd.merge_asof(
            keys.sort_values("decision_time"),
            candles[columns].astype({"end": "datetime64[ns, UTC]"}),
            left_on="decision_time",
            right_on="end",
            by="ticker",
            direction="forward",
            allow_exact_matches=False,
        )
        release = {
            t: pd.Timestamp(next_tsa_release(t.to_pydatetime()))
            for t in matched["decision_time"].unique()
        }
        too_late = matched["end"] > matched["decision_time"].map(release)
        matched.loc[too_late, ["yes_bid_close", "yes_ask_close", "mid"]] = float("nan")
        quotes = matched.sort_values("order")[["yes_bid_close", "yes_ask_close", "mid"]]
        return quotes.rename(
            columns={"yes_bid_close": "yes_bid", "yes_ask_close": "yes_ask"}
        ).reset_index(drop=True)


def _status(as_of: pd.Timestamp, market) -> str:  # noqa: ANN001 - a MARKET_COLUMNS row
    if pd.notna(market.opens_at) and as_of < market.opens_at:
        return "unopened"
    if as_of < market.close_time:
        return "active"
    settled = pd.notna(market.settles_at) and as_of >= market.settles_at
    return "finalized" if settled else "closed"


class ReplayKalshiMarkets(MarketHistory):
    """Reads the recorded TSAW/KXTSAW markets (2022–2026), daily candles (2026) and Friday
    15:00 UTC one-hour bars (2022–2026) of ``replay_dir``."""

    source = f"replay:{MARKETS_FILE}"

    def __init__(self, replay_dir: str | Path) -> None:
        self.replay_dir = Path(replay_dir)

    @cached_property
    def _markets(self) -> pd.DataFrame:
        recorded = pd.concat(
            [
                read_replay_csv(
                    self.replay_dir,
                    EARLIER_MARKETS_FILE,
                    RECORDED_MARKET_COLUMNS | SETTLED_VALUE_COLUMNS,
                ),
                read_replay_csv(self.replay_dir, MARKETS_FILE, RECORDED_MARKET_COLUMNS),
            ],
            ignore_index=True,
        )
        close_time = pd.to_datetime(recorded["close_time_utc"], utc=True)
        expiration = pd.to_datetime(recorded["expiration_time_utc"], utc=True)
        sunday_published = pd.Series(
            [
                pd.Timestamp(tsa_published_at(pd.Timestamp(day).date()) + TSA_SETTLEMENT_DELAY)
                for day in recorded["week_sunday"]
            ],
            index=recorded.index,
        ).dt.tz_convert(UTC)
        opens_at = pd.Series(
            [
                pd.Timestamp(
                    datetime.combine(pd.Timestamp(day).date(), datetime.min.time(), EASTERN)
                    + TSA_MARKET_OPEN_DELAY
                )
                for day in recorded["week_monday"]
            ],
            index=recorded.index,
        ).dt.tz_convert(UTC)
        settled_value = pd.Series(float("nan"), index=recorded.index)
        if "kalshi_expiration_value" in recorded:
            # Only where the printed value agrees with the event's own results.
            consistent = recorded["expiration_value_consistent"].eq("yes")
            settled_value = recorded["kalshi_expiration_value"].where(consistent)
        return pd.DataFrame(
            {
                "ticker": recorded["ticker"],
                "event_ticker": recorded["event_ticker"],
                "series_ticker": [parse_event_ticker(e)[0] for e in recorded["event_ticker"]],
                "strike_type": recorded["rule"].map(strike_type_for_rule),
                "floor_strike": recorded["strike_travelers"].astype(float),
                "cap_strike": None,
                "opens_at": opens_at,
                "close_time": close_time,
                "settles_at": pd.concat([sunday_published, expiration], axis=1).min(axis=1),
                "result": recorded["result"].fillna(""),
                "settled_value": settled_value.astype(float),
                "fee_type": TSA_FEE_TYPE,
                "fee_multiplier": TSA_FEE_MULTIPLIER,
            },
            columns=MARKET_COLUMNS,
        )

    def _bars(self, name: str, minutes: int) -> pd.DataFrame:
        recorded = read_replay_csv(self.replay_dir, name, RECORDED_BAR_COLUMNS)
        recorded["end"] = pd.to_datetime(recorded["period_end_unix"], unit="s", utc=True)
        recorded["start"] = recorded["end"] - timedelta(minutes=minutes)
        return recorded[CANDLE_COLUMNS].sort_values(["ticker", "end"]).reset_index(drop=True)

    @cached_property
    def _candles(self) -> pd.DataFrame:
        return self._bars(CANDLES_FILE, DAILY_CANDLE_MINUTES)

    @cached_property
    def _quote_bars(self) -> pd.DataFrame:
        friday = self._bars(FRIDAY_QUOTES_FILE, 60)
        frames = [frame for frame in (self._candles, friday) if not frame.empty]
        if not frames:
            return pd.DataFrame(columns=CANDLE_COLUMNS)
        bars = pd.concat(frames, ignore_index=True)
        return bars.sort_values(["ticker", "end"], kind="stable").reset_index(drop=True)

    @cached_property
    def _markets_by_event(self) -> dict[str, pd.DataFrame]:
        """A backfill snapshots each event at every decision time: split the table once."""
        return dict(tuple(self._markets.groupby("event_ticker", sort=False)))

    def event_markets(self, event_ticker: str) -> pd.DataFrame:
        return self._markets_by_event.get(event_ticker, self._markets.iloc[:0])

    def candles(self, tickers: Iterable[str]) -> pd.DataFrame:
        return self._candles[self._candles["ticker"].isin(list(tickers))]

    def quote_bars(self, tickers: Iterable[str]) -> pd.DataFrame:
        return self._quote_bars[self._quote_bars["ticker"].isin(list(tickers))]


class LiveKalshiMarkets(MarketHistory):
    """Kalshi's Trade API: events, markets and candles, live and ``/historical``.

    Past decisions are rebuilt from candles (hourly by default) exactly like a replay, so a
    live-mode backfill of old weeks reads only what was public then. The decision being traded
    now — at most ``LIVE_DECISION_WINDOW`` before ``now``, which is the wall clock in every
    deployment that reads live data — is quoted from the current top of book with its sizes;
    an older decision is never stamped with today's book.
    """

    source = "live:candles"
    book_source = "live:book"

    def __init__(
        self, client: KalshiClient, now: datetime, candle_minutes: int = LIVE_CANDLE_MINUTES
    ) -> None:
        self._client = client
        self._now = now
        self._candle_minutes = candle_minutes
        self._events: dict[str, pd.DataFrame] = {}
        self._markets: dict[str, Market] = {}
        self._candles: dict[str, pd.DataFrame] = {}
        self._fees: dict[str, tuple[str, Decimal]] = {}

    @cached_property
    def _cutoff(self):  # noqa: ANN202 - HistoricalCutoff
        return self._client.get_historical_cutoff()

    def _fee(self, series_ticker: str) -> tuple[str, Decimal]:
        if series_ticker not in self._fees:
            series = self._client.get_series(series_ticker)
            self._fees[series_ticker] = (series.fee_type, series.fee_multiplier)
        return self._fees[series_ticker]

    def _fetch_event(self, event_ticker: str) -> list[Market]:
        """Live markets, or the archived ones once Kalshi has moved the event to /historical."""
        markets = list(self._client.get_event(event_ticker).markets)
        if not markets:
            markets = self._client.get_historical_markets(event_ticker=event_ticker)
        return markets

    def event_markets(self, event_ticker: str) -> pd.DataFrame:
        if event_ticker not in self._events:
            try:
                series_ticker, _ = parse_event_ticker(event_ticker)
            except ValueError:
                series_ticker = ""
            markets = self._fetch_event(event_ticker) if series_ticker else []
            fee_type, multiplier = self._fee(series_ticker) if markets else ("", Decimal(0))
            self._markets.update({m.ticker: m for m in markets})
            self._events[event_ticker] = pd.DataFrame(
                [
                    {
                        "ticker": m.ticker,
                        "event_ticker": event_ticker,
                        "series_ticker": series_ticker,
                        "strike_type": m.strike_type or "",
                        "floor_strike": _float(m.floor_strike),
                        "cap_strike": _float(m.cap_strike),
                        "opens_at": pd.Timestamp(m.open_time) if m.open_time else pd.NaT,
                        "close_time": pd.Timestamp(m.close_time),
                        "settles_at": _settled_at(m),
                        "result": m.result,
                        "settled_value": _settled_value(m.expiration_value)
                        if m.result
                        else float("nan"),
                        "fee_type": fee_type,
                        "fee_multiplier": multiplier,
                    }
                    for m in markets
                ],
                columns=MARKET_COLUMNS,
            )
        return self._events[event_ticker]

    def candles(self, tickers: Iterable[str]) -> pd.DataFrame:
        frames = [self._ticker_candles(ticker) for ticker in dict.fromkeys(tickers)]
        frames = [frame for frame in frames if not frame.empty]
        if not frames:
            return pd.DataFrame(columns=CANDLE_COLUMNS)
        return pd.concat(frames, ignore_index=True)

    def _ticker_candles(self, ticker: str) -> pd.DataFrame:
        """Candles from the market's open to now; tickers of no known market have none."""
        if ticker not in self._candles:
            event_ticker = ticker.rsplit("-", 1)[0]
            self.event_markets(event_ticker)
            market = self._markets.get(ticker)
            rows = []
            if market is not None:
                start = market.open_time or market.close_time - timedelta(days=8)
                # Trading ends at settlement (archived markets: before the historical cutoff).
                end = min(self._now, market.settlement_ts or market.close_time + timedelta(days=1))
                if start < end:
                    series_ticker, _ = parse_event_ticker(event_ticker)
                    period = timedelta(minutes=self._candle_minutes)
                    rows = [
                        {
                            "ticker": ticker,
                            "start": pd.Timestamp(candle.end_period_ts, unit="s", tz=UTC) - period,
                            "end": pd.Timestamp(candle.end_period_ts, unit="s", tz=UTC),
                            "yes_bid_close": float(candle.yes_bid.close),
                            "yes_ask_close": float(candle.yes_ask.close),
                            "yes_bid_high": float(candle.yes_bid.high),
                            "yes_ask_low": float(candle.yes_ask.low),
                            "trade_price_low": _float(candle.price.low),
                            "trade_price_high": _float(candle.price.high),
                            "trade_price_close": _float(candle.price.close),
                            "volume": float(candle.volume),
                            "open_interest": float(candle.open_interest),
                        }
                        for candle in self._client.get_candlesticks(
                            series_ticker,
                            ticker,
                            int(start.timestamp()),
                            int(end.timestamp()),
                            self._candle_minutes,
                            cutoff=self._cutoff,
                        )
                    ]
            self._candles[ticker] = pd.DataFrame(rows, columns=CANDLE_COLUMNS).sort_values("end")
        return self._candles[ticker]

    def event_snapshots(self, event_ticker: str, times: Sequence[datetime]) -> pd.DataFrame:
        """Candles for past decisions; the current book for the one being traded now."""
        past = [t for t in times if not timedelta(0) <= self._now - t <= LIVE_DECISION_WINDOW]
        frames = [super().event_snapshots(event_ticker, past)] if past else []
        frames += [self._book_snapshot(event_ticker, t) for t in times if t not in past]
        frames = [f for f in frames if not f.empty]
        return (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=SNAPSHOT_COLUMNS)
        )

    def _book_snapshot(self, event_ticker: str, as_of: datetime) -> pd.DataFrame:
        """The event's markets at the current top of book, with sizes."""
        markets = self._fetch_event(event_ticker)
        if not markets:
            return pd.DataFrame(columns=SNAPSHOT_COLUMNS)
        series_ticker, _ = parse_event_ticker(event_ticker)
        fee_type, multiplier = self._fee(series_ticker)
        return pd.DataFrame(
            [
                {
                    "ticker": m.ticker,
                    "as_of": as_of,
                    "source": self.book_source,
                    "series_ticker": series_ticker,
                    "event_ticker": event_ticker,
                    "strike_type": m.strike_type or "",
                    "floor_strike": _float(m.floor_strike),
                    "cap_strike": _float(m.cap_strike),
                    "status": m.status,
                    # An empty side of the book is no quote, not a price of 0 or 1.
                    "yes_bid": m.yes_bid if m.yes_bid_size > 0 else None,
                    "yes_ask": m.yes_ask if m.yes_ask_size > 0 else None,
                    "yes_bid_size": int(m.yes_bid_size),
                    "yes_ask_size": int(m.yes_ask_size),
                    "last_price": m.last_price,
                    "volume": float(m.volume),
                    "open_interest": float(m.open_interest),
                    "quote_time": self._now,
                    "close_time": m.close_time,
                    "result": m.result,
                    "fee_type": fee_type,
                    "fee_multiplier": multiplier,
                }
                for m in markets
            ],
            columns=SNAPSHOT_COLUMNS,
        )


def _settled_at(market: Market) -> pd.Timestamp:
    """When the market's result became public: NaT while it has none."""
    if not market.result:
        return pd.NaT
    return pd.Timestamp(market.settlement_ts or market.close_time)
