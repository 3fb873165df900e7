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

import pandas as pd

from edge_dagster.core.clock import EASTERN, UTC
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


def _at_eastern(day: date, wall: time) -> pd.Timestamp:
    return pd.Timestamp(datetime.combine(day, wall, EASTERN)).tz_convert(UTC)


class ReplayWeatherMarkets:
    """Point-in-time views over the recorded KXHIGH markets and trade bars."""

    def __init__(
        self, replay_dir: str | Path, quote_max_age: timedelta = DEFAULT_QUOTE_MAX_AGE
    ) -> None:
        self.folder = Path(replay_dir) / WEATHER_DIR
        self.quote_max_age = quote_max_age
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
    def _bars_by_ticker(self) -> dict[str, pd.DataFrame]:
        return {ticker: group for ticker, group in self._bars.groupby("ticker", sort=False)}

    def event_markets(self, event_ticker: str) -> pd.DataFrame:
        """The event's recorded markets (empty when none were recorded)."""
        return self.markets[self.markets["event_ticker"] == event_ticker]

    def bars(self, tickers: Iterable[str]) -> pd.DataFrame:
        """The 15-minute bars of ``tickers`` as ``BAR_COLUMNS``, by ticker and start."""
        frames = [
            self._bars_by_ticker[t] for t in dict.fromkeys(tickers) if t in self._bars_by_ticker
        ]
        return pd.concat(frames) if frames else pd.DataFrame(columns=BAR_COLUMNS)

    def event_snapshot(self, event_ticker: str, as_of: datetime) -> pd.DataFrame:
        """The event's markets open at ``as_of`` with the quote the trades imply, as
        ``SNAPSHOT_COLUMNS`` (empty before the markets open)."""
        as_of_ts = pd.Timestamp(as_of).tz_convert(UTC)
        markets = self.event_markets(event_ticker)
        markets = markets[markets["open_time"] <= as_of_ts]
        rows = [self._snapshot_row(market, as_of, as_of_ts) for market in markets.itertuples()]
        return pd.DataFrame(rows, columns=SNAPSHOT_COLUMNS)

    def _snapshot_row(self, market, as_of: datetime, as_of_ts: pd.Timestamp) -> dict:  # noqa: ANN001
        bars = self._bars_by_ticker.get(market.ticker)
        ended = bars[bars["bar_end"] <= as_of_ts] if bars is not None else pd.DataFrame()
        fresh = ended[ended["bar_end"] > as_of_ts - self.quote_max_age] if len(ended) else ended
        asks = fresh[fresh["yes_taker_volume"] > 0] if len(fresh) else fresh
        bids = fresh[fresh["volume"] > fresh["yes_taker_volume"]] if len(fresh) else fresh
        ask = asks.iloc[-1] if len(asks) else None
        bid = bids.iloc[-1] if len(bids) else None
        if (
            ask is not None
            and bid is not None
            and bid["no_taker_last_price"] > ask["yes_taker_last_price"]
        ):
            # Prints at different times can cross; the older one no longer stands.
            if bid["bar_end"] < ask["bar_end"]:
                bid = None
            else:
                ask = None
        quoted = [bar["bar_end"] for bar in (ask, bid) if bar is not None]
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
            "yes_bid": None if bid is None else _price(bid["no_taker_last_price"]),
            "yes_ask": None if ask is None else _price(ask["yes_taker_last_price"]),
            "yes_bid_size": None,
            "yes_ask_size": None,
            "last_price": _price(ended["close"].iloc[-1]) if len(ended) else None,
            "volume": float(ended["volume"].sum()) if len(ended) else 0.0,
            "open_interest": None,
            "quote_time": min(quoted).to_pydatetime() if quoted else None,
            "close_time": market.close_time.to_pydatetime(),
            "result": market.result if settled else "",
            "fee_type": WEATHER_FEE_TYPE,
            "fee_multiplier": WEATHER_FEE_MULTIPLIER,
        }

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
