"""Recorded Kalshi daily-high markets and their 15-minute trade bars, answered point in time.

Files (``replay_data/weather/``, see ``replay_data/SOURCES.md``):

* ``kalshi_kxhigh_markets.csv``: 2024-08-16 → 2025-02-28, Kalshi's own strikes, times and
  results (125 markets carry ``strike_from_ticker``: their record had no strike fields).
* ``kalshi_kxhigh_markets_derived_2023-12_2024-08.csv``: markets seen only in the trades,
  strikes derived from the ticker, no Kalshi result; the observed high's ``implied_result``
  settles them here, labelled. Its KNYC days have a GHCN value only: not settlement grade, so
  they are flagged out of P&L.
* ``kalshi_kxhigh_trades_15min.csv.gz``: every trade, in 15-minute bars with taker side.

There are no recorded quotes. At a decision the ask is the last YES-taker print and the bid the
last NO-taker print in bars that **ended** by then, each at most ``quote_max_age`` old; no
market is listed before its ``open_time``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from edge_dagster.core.clock import EASTERN, UTC
from edge_dagster.core.matching import Candle
from edge_dagster.sources.kalshi_markets import SNAPSHOT_COLUMNS

WEATHER_DIR = "weather"
MARKETS_FILE = "kalshi_kxhigh_markets.csv"
DERIVED_MARKETS_FILE = "kalshi_kxhigh_markets_derived_2023-12_2024-08.csv"
BARS_FILE = "kalshi_kxhigh_trades_15min.csv.gz"
BAR_LENGTH = timedelta(minutes=15)
DEFAULT_QUOTE_MAX_AGE = timedelta(hours=3)
# Not in the recorded files: the KXHIGH fee schedule as read from GET /series (standard
# quadratic taker fee, multiplier 1; reference kalshi_api.md §6). Declared, not recorded.
WEATHER_FEE_TYPE = "quadratic"
WEATHER_FEE_MULTIPLIER = Decimal(1)
# The derived file records no market times. Declared from the 2024-08 → 2024-10 API records of
# the same three series: open 10:00 ET the day before, close 23:59 ET on the climate date,
# settle 10:00 ET the next day (every derived trade lies inside that window).
LEGACY_OPEN = time(10, 0)
LEGACY_CLOSE = time(23, 59)
LEGACY_SETTLEMENT = time(10, 0)
SETTLEMENT_GRADE_SOURCES = ("kalshi_expiration_value", "iem_cli")

MARKET_COLUMNS = [
    "ticker", "event_ticker", "series_ticker", "climate_date", "station", "strike_type",
    "floor_strike", "cap_strike", "strike_source", "open_time", "close_time", "settles_at",
    "result", "settled_value", "settled_value_source", "outcome", "outcome_source",
    "pnl_eligible",
]  # fmt: skip
"""One row per recorded market. ``strike_source``: ``kalshi`` (the API's fields),
``ticker_flagged`` (an API record without strike fields, filled by the ticker rule) or
``ticker_derived`` (the derived file). ``outcome`` is ``result`` where Kalshi settled, else the
implied result, named by ``outcome_source``. ``settled_value`` is the high the event settled on:
Kalshi's ``expiration_value``, else the best observed high of the file, by source."""
BAR_COLUMNS = [
    "ticker", "bar_start", "bar_end", "volume", "open", "high", "low", "close",
    "yes_taker_volume", "yes_taker_min_price", "yes_taker_last_price", "no_taker_max_price",
    "no_taker_last_price",
]  # fmt: skip
"""Prices in dollars (the files hold cents)."""


@dataclass(frozen=True)
class Settlement:
    """How a market settled: Kalshi's result, or the implied one where Kalshi's is not recorded
    (``source`` says which); ``pnl_eligible`` is False where the outcome is not settlement grade."""

    result: str
    settled_at: datetime
    source: str
    pnl_eligible: bool


def _price(dollars: float) -> Decimal:
    return Decimal(str(round(float(dollars), 2)))


def _optional_price(dollars: float) -> Decimal | None:
    return None if pd.isna(dollars) else _price(dollars)


def _at_eastern(day: date, wall: time) -> pd.Timestamp:
    return pd.Timestamp(datetime.combine(day, wall, EASTERN)).tz_convert(UTC)


@dataclass(frozen=True)
class _TradeTape:
    """One market's bars as arrays, for O(log n) quotes: index i of ``last_ask``/``last_bid``
    is the latest bar at or before bar i with a YES-taker / NO-taker print (−1: none yet)."""

    end: np.ndarray
    close: np.ndarray
    cumulative_volume: np.ndarray
    ask: np.ndarray
    bid: np.ndarray
    last_ask: np.ndarray
    last_bid: np.ndarray

    @classmethod
    def of(cls, bars: pd.DataFrame) -> _TradeTape:
        index = np.arange(len(bars))

        def latest(mask: np.ndarray) -> np.ndarray:
            return np.maximum.accumulate(np.where(mask, index, -1))

        yes = bars["yes_taker_volume"].to_numpy() > 0
        no = bars["volume"].to_numpy() > bars["yes_taker_volume"].to_numpy()
        return cls(
            end=bars["bar_end"].to_numpy(dtype="datetime64[ns]"),
            close=bars["close"].to_numpy(float),
            cumulative_volume=np.cumsum(bars["volume"].to_numpy(float)),
            ask=bars["yes_taker_last_price"].to_numpy(float),
            bid=bars["no_taker_last_price"].to_numpy(float),
            last_ask=latest(yes),
            last_bid=latest(no),
        )

    def quote(self, as_of: pd.Timestamp, max_age: timedelta) -> tuple:
        """(yes_bid, yes_ask, last_price, volume, quote_time) from the bars ended by ``as_of``."""
        at = np.datetime64(as_of.tz_convert(None), "ns")
        i = int(np.searchsorted(self.end, at, side="right")) - 1
        if i < 0:
            return None, None, None, 0.0, None
        oldest = at - np.timedelta64(int(max_age.total_seconds()), "s")
        ask_bar, bid_bar = int(self.last_ask[i]), int(self.last_bid[i])
        ask_bar = ask_bar if ask_bar >= 0 and self.end[ask_bar] > oldest else -1
        bid_bar = bid_bar if bid_bar >= 0 and self.end[bid_bar] > oldest else -1
        if ask_bar >= 0 and bid_bar >= 0 and self.bid[bid_bar] > self.ask[ask_bar]:
            # Prints at different times can cross; the older one no longer stands.
            if self.end[bid_bar] < self.end[ask_bar]:
                bid_bar = -1
            else:
                ask_bar = -1
        used = [self.end[b] for b in (ask_bar, bid_bar) if b >= 0]
        return (
            _price(self.bid[bid_bar]) if bid_bar >= 0 else None,
            _price(self.ask[ask_bar]) if ask_bar >= 0 else None,
            _price(self.close[i]),
            float(self.cumulative_volume[i]),
            pd.Timestamp(min(used)).tz_localize(UTC).to_pydatetime() if used else None,
        )


class ReplayWeatherMarkets:
    """Point-in-time views over the recorded KXHIGH markets and trade bars."""

    def __init__(
        self, replay_dir: str | Path, quote_max_age: timedelta = DEFAULT_QUOTE_MAX_AGE
    ) -> None:
        self.folder = Path(replay_dir) / WEATHER_DIR
        self.quote_max_age = quote_max_age
        self._tapes: dict[str, _TradeTape | None] = {}
        self.source = f"replay:{BARS_FILE}"

    def _read(self, name: str, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
        path = self.folder / name
        if not path.exists():
            raise FileNotFoundError(
                f"{path}: weather replay file missing; set EDGE_REPLAY_DIR to a folder with "
                f"{WEATHER_DIR}/{name} (see replay_data/SOURCES.md)"
            )
        return pd.read_csv(path, dtype={column: "string" for column in text_columns})

    @cached_property
    def markets(self) -> pd.DataFrame:
        """Every recorded market as ``MARKET_COLUMNS``."""
        api = self._read(MARKETS_FILE, ("result", "strike_type", "observed_high_source"))
        event_value = api["event_ticker"].map(api.groupby("event_ticker")["expiration_value"].max())
        api_rows = pd.DataFrame(
            {
                "ticker": api["ticker"],
                "event_ticker": api["event_ticker"],
                "series_ticker": api["series_ticker"],
                "climate_date": pd.to_datetime(api["climate_date"]).dt.date,
                "station": api["station"],
                "strike_type": api["strike_type"],
                "floor_strike": api["floor_strike"],
                "cap_strike": api["cap_strike"],
                "strike_source": api["strike_from_ticker"].map(
                    {True: "ticker_flagged", False: "kalshi"}
                ),
                "open_time": pd.to_datetime(api["open_time"], utc=True),
                "close_time": pd.to_datetime(api["close_time"], utc=True),
                "settles_at": pd.to_datetime(api["expected_expiration_time"], utc=True),
                "result": api["result"].fillna(""),
                "settled_value": event_value.fillna(api["observed_high_f"]),
                "settled_value_source": event_value.notna()
                .map({True: "kalshi_expiration_value", False: None})
                .fillna(api["observed_high_source"]),
                "outcome": api["result"].fillna(""),
                "outcome_source": "kalshi",
                "pnl_eligible": True,
            }
        )
        derived = self._read(
            DERIVED_MARKETS_FILE, ("strike_type", "implied_result", "observed_high_source")
        )
        days = pd.to_datetime(derived["climate_date"]).dt.date
        derived_rows = pd.DataFrame(
            {
                "ticker": derived["ticker"],
                "event_ticker": derived["event_ticker"],
                "series_ticker": derived["series_ticker"],
                "climate_date": days,
                "station": derived["station"],
                "strike_type": derived["strike_type"].fillna(""),
                "floor_strike": derived["floor_strike"],
                "cap_strike": derived["cap_strike"],
                "strike_source": "ticker_derived",
                "open_time": [_at_eastern(d - timedelta(days=1), LEGACY_OPEN) for d in days],
                "close_time": [_at_eastern(d, LEGACY_CLOSE) for d in days],
                "settles_at": [_at_eastern(d + timedelta(days=1), LEGACY_SETTLEMENT) for d in days],
                "result": "",
                "settled_value": derived["observed_high_f"].astype(float),
                "settled_value_source": derived["observed_high_source"],
                "outcome": derived["implied_result"].fillna(""),
                "outcome_source": "implied:" + derived["observed_high_source"],
                "pnl_eligible": derived["observed_high_source"].isin(SETTLEMENT_GRADE_SOURCES),
            }
        )
        return pd.concat([api_rows, derived_rows], ignore_index=True)[MARKET_COLUMNS]

    @cached_property
    def _bars(self) -> pd.DataFrame:
        raw = self._read(BARS_FILE)
        start = pd.to_datetime(raw["bar_start_utc"], utc=True)
        prices = [
            "open", "high", "low", "close", "yes_taker_min_price", "yes_taker_last_price",
            "no_taker_max_price", "no_taker_last_price",
        ]  # fmt: skip
        bars = raw.assign(bar_start=start, bar_end=start + BAR_LENGTH)
        bars[prices] = bars[prices] / 100
        return bars[BAR_COLUMNS].sort_values(["ticker", "bar_start"]).reset_index(drop=True)

    @cached_property
    def _bar_rows(self) -> dict[str, slice]:
        """Each ticker's rows of the (ticker, start)-sorted bars."""
        tickers, first = np.unique(self._bars["ticker"].to_numpy(), return_index=True)
        last = [*first[1:], len(self._bars)][: len(first)]
        return {t: slice(int(a), int(b)) for t, a, b in zip(tickers, first, last, strict=True)}

    def _tape(self, ticker: str) -> _TradeTape | None:
        if ticker not in self._tapes:
            rows = self._bar_rows.get(ticker)
            self._tapes[ticker] = None if rows is None else _TradeTape.of(self._bars.iloc[rows])
        return self._tapes[ticker]

    @cached_property
    def _markets_by_event(self) -> dict[str, pd.DataFrame]:
        return {event: group for event, group in self.markets.groupby("event_ticker", sort=False)}

    def event_markets(self, event_ticker: str) -> pd.DataFrame:
        """The event's recorded markets (empty when none were recorded)."""
        return self._markets_by_event.get(event_ticker, self.markets.iloc[:0])

    def bars(self, tickers: Iterable[str]) -> pd.DataFrame:
        """The 15-minute bars of ``tickers`` as ``BAR_COLUMNS``, by ticker and start."""
        rows = [self._bar_rows[t] for t in dict.fromkeys(tickers) if t in self._bar_rows]
        return pd.concat([self._bars.iloc[r] for r in rows]) if rows else self._bars.iloc[:0]

    def candles_between(
        self, tickers: Iterable[str], after: datetime, until: datetime
    ) -> dict[str, list[Candle]]:
        """The bars of ``tickers`` ending in ``(after, until]`` as the fill rule reads them:
        trade extremes, volume and the taker-side prints (no quotes were recorded)."""
        bars = self.bars(tickers)
        bars = bars[
            (bars["bar_end"] > pd.Timestamp(after)) & (bars["bar_end"] <= pd.Timestamp(until))
        ]
        found: dict[str, list[Candle]] = {}
        for row in bars.itertuples(index=False):
            found.setdefault(row.ticker, []).append(
                Candle(
                    start=row.bar_start.to_pydatetime(),
                    end=row.bar_end.to_pydatetime(),
                    trade_low=_price(row.low),
                    trade_high=_price(row.high),
                    volume=int(row.volume),
                    yes_taker_volume=int(row.yes_taker_volume),
                    yes_taker_min_price=_optional_price(row.yes_taker_min_price),
                    no_taker_max_price=_optional_price(row.no_taker_max_price),
                )
            )
        return found

    def event_snapshot(self, event_ticker: str, as_of: datetime) -> pd.DataFrame:
        """The event's markets open at ``as_of`` with the quote the trades imply, as
        ``SNAPSHOT_COLUMNS`` (empty before the markets open)."""
        as_of_ts = pd.Timestamp(as_of).tz_convert(UTC)
        rows = [
            self._snapshot_row(market, as_of, as_of_ts)
            for market in self._records_by_event.get(event_ticker, [])
            if market.open_time <= as_of_ts
        ]
        return pd.DataFrame(rows, columns=SNAPSHOT_COLUMNS)

    @cached_property
    def _records_by_event(self) -> dict[str, list]:
        records: dict[str, list] = {}
        for market in self.markets.itertuples(index=False):
            records.setdefault(market.event_ticker, []).append(market)
        return records

    def _snapshot_row(self, market, as_of: datetime, as_of_ts: pd.Timestamp) -> dict:  # noqa: ANN001
        tape = self._tape(market.ticker)
        bid, ask, last, volume, quote_time = (
            tape.quote(as_of_ts, self.quote_max_age) if tape else (None, None, None, 0.0, None)
        )
        settled = as_of_ts >= market.settles_at
        return {
            "ticker": market.ticker,
            "as_of": as_of,
            "source": self.source,
            "series_ticker": market.series_ticker,
            "event_ticker": market.event_ticker,
            "strike_type": market.strike_type,
            "floor_strike": None if pd.isna(market.floor_strike) else market.floor_strike,
            "cap_strike": None if pd.isna(market.cap_strike) else market.cap_strike,
            "status": "active"
            if as_of_ts < market.close_time
            else ("finalized" if settled else "closed"),
            "yes_bid": bid,
            "yes_ask": ask,
            "yes_bid_size": None,
            "yes_ask_size": None,
            "last_price": last,
            "volume": volume,
            "open_interest": None,
            "quote_time": quote_time,
            "close_time": market.close_time.to_pydatetime(),
            "result": market.result if settled else "",
            "fee_type": WEATHER_FEE_TYPE,
            "fee_multiplier": WEATHER_FEE_MULTIPLIER,
        }

    def derived_ladder_bin_counts(self) -> dict[date, int]:
        """``between`` bins per event of the derived file, from its events whose two tails
        both traded (the only ladders it shows whole), by climate date."""
        derived = self.markets[self.markets["strike_source"] == "ticker_derived"]
        counts = {}
        for _, event in derived.groupby("event_ticker"):
            lows = event.loc[event["strike_type"] == "less", "cap_strike"]
            highs = event.loc[event["strike_type"] == "greater", "floor_strike"]
            if len(lows) == 1 and len(highs) == 1:
                counts[event["climate_date"].iloc[0]] = int((highs.iloc[0] - lows.iloc[0] + 1) // 2)
        return counts

    def settlements(self, event_ticker: str, as_of: datetime) -> dict[str, Settlement]:
        """How the event's markets settled, for those settled by ``as_of``: Kalshi's result, or
        for the derived file the implied result (labelled, P&L-eligible only when CLI-grade)."""
        markets = self.event_markets(event_ticker)
        markets = markets[
            (markets["settles_at"] <= pd.Timestamp(as_of)) & (markets["outcome"] != "")
        ]
        return {
            m.ticker: Settlement(
                m.outcome, m.settles_at.to_pydatetime(), m.outcome_source, bool(m.pnl_eligible)
            )
            for m in markets.itertuples()
        }
