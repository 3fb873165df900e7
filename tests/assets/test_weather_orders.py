"""Bulletin to paper orders: the real 2026-09-28 13Z NBP sample prices hand-made KMDW markets
for 2026-09-29, the strategy ranks them and its orders fill on the paper venue only on bars
that began after them, then settle.

Declared, hand-made (no real market of that day exists): the six bins of
``test_weather_pipeline.HAND_MADE_BINS`` and their 15-minute trade bars below. At the first
decision (28 14:30Z) the calibrated forecast is the declared prior μ = 75, σ = 3 °F, so P(YES)
is T72 0.1217 · B72.5 0.1870 · B74.5 0.2576 · B76.5 0.2310 · B78.5 0.1360 · T79 0.0668; quotes
(last YES-taker print = ask, last NO-taker print = bid) in the 14:15Z bars: T72 0.24/0.26,
B72.5 0.17/0.20, B74.5 0.18/0.20, B76.5 0.14/0.16, B78.5 0.12/0.15, T79 0.05/0.08. The high
settles at 75 (B74.5 YES).

The market-skill gate needs a record: ``_seed_skill_record`` writes 30 declared, hand-made
settled CHI days before it (2026-08-28 → 09-26, each settled at 15:00Z the next day, so all
known at the first decision), priced by ``emos_nbp_txn`` at 0.7/0.3 on two bins the market
priced at 0.5/0.5, the first bin winning: model Brier 0.09 < market 0.25.
"""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta
from decimal import Decimal as D

import pandas as pd
import pytest
from dagster import materialize

from edge_dagster.assets.raw_checks import weather_market_snapshots_values_possible
from edge_dagster.assets.weather_ingest import (
    nbm_bulletins,
    nbm_peak_window_forecasts,
    observed_highs,
)
from edge_dagster.assets.weather_markets import weather_market_snapshots
from edge_dagster.assets.weather_models import weather_bin_probabilities, weather_calibration
from edge_dagster.assets.weather_strategy import weather_opportunities, weather_orders
from edge_dagster.core.clock import UTC
from edge_dagster.resources.kalshi import KalshiResource
from tests.assets.test_orders import ORDER_PATH
from tests.assets.test_weather_pipeline import EVENT, SQL, replay_2026  # noqa: F401 - fixture
from tests.conftest import replay_sources
from tests.support.clock import FrozenWallClockSources

QUOTES = {"T72": (24, 26), "B72.5": (17, 20), "B74.5": (18, 20), "B76.5": (14, 16),
          "B78.5": (12, 15), "T79": (5, 8)}  # fmt: skip
LATER_BARS = [
    # (suffix, start, volume, YES-taker volume, YES-taker min, NO-taker max) — cents
    ("B74.5", "2026-09-28T14:30:00Z", 20, 20, 20, None),  # begins at the order: fills
    ("B76.5", "2026-09-28T15:00:00Z", 40, 40, 15, None),
    ("T72", "2026-09-28T16:00:00Z", 100, 0, None, 25),  # NO takers at 0.25 ≥ 1 − 0.76
]


def _bar(ticker: str, start: str, volume, yes_volume, yes_min, no_max) -> dict:  # noqa: ANN001
    prices = [p for p in (yes_min, no_max) if p is not None]
    return {
        "ticker": ticker, "climate_date": "2026-09-29", "bar_start_utc": start,
        "n_trades": 2, "volume": volume, "open": prices[0], "high": max(prices),
        "low": min(prices), "close": prices[-1], "vwap": sum(prices) / len(prices),
        "yes_taker_volume": yes_volume, "yes_taker_min_price": yes_min,
        "yes_taker_last_price": yes_min, "no_taker_max_price": no_max,
        "no_taker_last_price": no_max, "last_trade_utc": start,
    }  # fmt: skip


@pytest.fixture
def traded_2026(replay_2026):  # noqa: ANN001, ANN201, F811
    weather = replay_2026 / "weather"
    bars = [
        _bar(f"{EVENT}-{s}", "2026-09-28T14:15:00Z", 4, 2, ask, bid)
        for s, (bid, ask) in QUOTES.items()
    ]
    bars += [_bar(f"{EVENT}-{s}", *rest) for s, *rest in LATER_BARS]
    with gzip.open(weather / "kalshi_kxhigh_trades_15min.csv.gz", "wt") as out:
        pd.DataFrame(bars).to_csv(out, index=False)
    markets = pd.read_csv(weather / "kalshi_kxhigh_markets.csv")
    markets["result"] = ["yes" if t.endswith("B74.5") else "no" for t in markets["ticker"]]
    markets.to_csv(weather / "kalshi_kxhigh_markets.csv", index=False)
    return replay_2026


def _seed_skill_record(warehouse) -> None:  # noqa: ANN001
    """The 30 hand-made settled days of the module docstring, in the three tables the gate
    reads (bin probabilities, market definitions, snapshots)."""
    probabilities, markets, snapshots = [], [], []
    for n in range(30):
        day = datetime(2026, 8, 28, tzinfo=UTC) + timedelta(days=n)
        event = f"KXHIGHCHI-{day:%y%b%d}".upper()
        decided, settles = day - timedelta(hours=14, minutes=30), day + timedelta(hours=39)
        for floor, p in ((70.0, 0.7), (72.0, 0.3)):
            ticker = f"{event}-B{floor + 0.5}"
            probabilities.append({
                "city": "CHI", "climate_date": day.date(), "event_ticker": event,
                "decision_time": decided, "model": "emos_nbp_txn", "pricing_model": True,
                "fit_id": "hand-made", "forecast_source": "hand-made", "mu": 71.0, "sigma": 2.0,
                "ticker": ticker, "strike_type": "between", "floor_strike": floor,
                "cap_strike": floor + 1, "strike_source": "kalshi", "lower_edge": floor - 0.5,
                "upper_edge": floor + 1.5, "probability": p,
            })  # fmt: skip
            won = "yes" if floor == 70.0 else "no"
            markets.append({
                "ticker": ticker, "event_ticker": event, "series_ticker": "KXHIGHCHI",
                "city": "CHI", "climate_date": day.date(), "strike_type": "between",
                "floor_strike": floor, "cap_strike": floor + 1, "strike_source": "kalshi",
                "close_time": day, "settles_at": settles, "result": won, "settled_value": 70.0,
                "settled_value_source": "kalshi_expiration_value", "outcome": won,
                "outcome_source": "kalshi", "pnl_eligible": True,
            })  # fmt: skip
            snapshots.append({
                "ticker": ticker, "as_of": decided, "source": "hand-made",
                "series_ticker": "KXHIGHCHI", "event_ticker": event, "strike_type": "between",
                "status": "active", "last_price": 0.5, "close_time": day, "result": "",
                "fee_type": "quadratic", "fee_multiplier": 1,
            })  # fmt: skip
    tables = {"weather_bin_probabilities": probabilities, "weather_markets": markets,
              "market_snapshots": snapshots}  # fmt: skip
    with warehouse.transaction(list(tables)) as conn:
        for table, rows in tables.items():
            frame = pd.DataFrame(rows)  # noqa: F841 - read by DuckDB below
            conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")


def _price_and_trade(warehouse, traded_2026, with_record: bool = True, checks=()):  # noqa: ANN001, ANN202
    """Ingest, calibrate, then price and trade the day in one run (with ``checks``, which may
    stop it: its result is returned)."""
    sources = replay_sources("2026-09-30T16:00:00Z", traded_2026)
    resources = {"warehouse": warehouse, "sources": sources, "kalshi": KalshiResource()}
    steps = [
        ([nbm_bulletins, SQL["stg_nbm_daily_high"]], "CHI|2026-09-29", "CHI|2026-09-29"),
        ([observed_highs, nbm_peak_window_forecasts, SQL["stg_observed_highs"]],
         "CHI|2026-09-28", "CHI|2026-09-28"),
        ([weather_calibration], "CHI|2026-09-28", "CHI|2026-09-29"),
        ([weather_market_snapshots, weather_bin_probabilities, weather_opportunities,
          weather_orders, *checks], "CHI|2026-09-29", "CHI|2026-09-29"),
    ]  # fmt: skip
    if with_record:
        _seed_skill_record(warehouse)
    for assets, start, end in steps:
        result = materialize(
            assets,
            resources=resources,
            tags={
                "dagster/asset_partition_range_start": start,
                "dagster/asset_partition_range_end": end,
            },
            raise_on_error=False,
        )
        assert result.success or checks
    return result


def test_a_bulletin_becomes_paper_orders_that_fill_after_they_exist_and_settle(
    warehouse,  # noqa: ANN001
    traded_2026,  # noqa: ANN001
):
    _price_and_trade(warehouse, traded_2026)
    with warehouse.get_connection() as conn:
        tradable = conn.execute(
            "SELECT ticker, strategy, side, limit_price, count, net_edge, bracket_id "
            "FROM weather_opportunities WHERE tradable ORDER BY decision_time, ticker"
        ).fetchall()
        orders = conn.execute(
            "SELECT ticker, tag, side, limit_price, count, filled_count, status, note "
            "FROM orders ORDER BY ticker"
        ).fetchall()
        fills = conn.execute(
            "SELECT ticker, count, price, fee, is_taker, filled_at FROM fills ORDER BY filled_at"
        ).fetchall()
        (cash,) = conn.execute("SELECT sum(amount) FROM cash_ledger").fetchone()
    bracket = f"{EVENT}@2026-09-28T14:30Z"
    # Only the first decision has a quote (the later ones find prints older than 3 h). The
    # bracket straddles μ = 75 across 75.5 (0.046 + 0.062 ≥ 0.10); NO on T72 is a single.
    # Quarter-Kelly of the event is cut to its 3 % cap: 22 × 0.36 + 28 × 0.76 = $29.20 ≤ $30.
    assert tradable == [
        (f"{EVENT}-B74.5", "weather-bracket", "yes", D("0.20"), 22, D("0.046282"), bracket),
        (f"{EVENT}-B76.5", "weather-bracket", "yes", D("0.16"), 22, D("0.061943"), bracket),
        (f"{EVENT}-T72", "weather-single", "no", D("0.76"), 28, D("0.105470"), ""),
    ]
    # Each crossed the ask, so it fills as taker on later taker prints, a quarter of their
    # volume; the 14:15Z bars (which also print at the limits) began before the orders.
    replaced = "replaced by the decision of 2026-09-28T20:30:00+00:00"
    assert orders == [
        (f"{EVENT}-B74.5", "weather-bracket", "yes", D("0.20"), 22, 5, "canceled", replaced),
        (f"{EVENT}-B76.5", "weather-bracket", "yes", D("0.16"), 22, 10, "canceled", replaced),
        (f"{EVENT}-T72", "weather-single", "no", D("0.76"), 28, 25, "canceled", replaced),
    ]
    assert [(t.split("-")[-1], n, price, fee, taker, at.astimezone(UTC).strftime("%d %H:%M"))
            for t, n, price, fee, taker, at in fills] == [
        ("B74.5", 5, D("0.20"), D("0.06"), True, "28 14:45"),  # ceil(0.07·5·0.2·0.8)
        ("B76.5", 10, D("0.16"), D("0.10"), True, "28 15:15"),
        ("T72", 25, D("0.76"), D("0.32"), True, "28 16:15"),
    ]  # fmt: skip
    # 75 °F: B74.5 YES and T72 NO win. 5 − 1.06 − 1.70 + (25 − 19 − 0.32) = 7.92
    assert cash == D("7.92")


def test_an_impossible_quote_stops_the_weather_run_before_it_prices_or_orders(
    warehouse,  # noqa: ANN001
    traded_2026,  # noqa: ANN001
):
    """A 14:15Z bar of B72.5 recording −4 contracts traded: a size no exchange reports."""
    trades = traded_2026 / "weather" / "kalshi_kxhigh_trades_15min.csv.gz"
    bars = pd.read_csv(trades)
    bars.loc[bars["ticker"] == f"{EVENT}-B72.5", "volume"] = -4
    with gzip.open(trades, "wt") as out:
        bars.to_csv(out, index=False)
    result = _price_and_trade(
        warehouse, traded_2026, checks=[weather_market_snapshots_values_possible]
    )
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    materialized = {
        e.asset_key.to_user_string()
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    }
    assert failed == ["weather_market_snapshots_weather_market_snapshots_values_possible"]
    assert materialized == {"weather_market_snapshots"}  # no probabilities, no orders


def test_without_a_record_against_the_market_nothing_trades(warehouse, traded_2026):  # noqa: ANN001
    _price_and_trade(warehouse, traded_2026, with_record=False)
    with warehouse.get_connection() as conn:
        reasons = conn.execute(
            "SELECT DISTINCT tradable, reason FROM weather_opportunities"
        ).fetchall()
        (orders,) = conn.execute("SELECT count(*) FROM orders").fetchone()
    assert reasons == [
        (False, "market-skill gate: emos_nbp_txn has 0 settled scored days before the "
         "decision < 30"),
    ]  # fmt: skip
    assert orders == 0


TICKER = f"{EVENT}-B76.5"
DECISION = datetime(2026, 9, 28, 14, 30, tzinfo=UTC)  # the 13Z cycle + 90 min


def seed_demo_decision(warehouse, at: datetime = DECISION, limit: str = "0.16") -> None:  # noqa: ANN001
    """A priced decision written directly, as ``weather_opportunities`` leaves it: one bracket
    leg's intent (B76.5 YES × 22 at ``limit``), its market snapshot and its opportunity row."""
    close = datetime(2026, 9, 30, 5, 59, tzinfo=UTC)
    with warehouse.transaction(
        ["desired_orders", "market_snapshots", "weather_opportunities"]
    ) as conn:
        conn.execute(
            "INSERT INTO desired_orders (strategy, partition_key, decision_time, tag, bracket_id, "
            "event_ticker, ticker, side, action, limit_price, count, fair_value, edge, fee_type, "
            "fee_multiplier, time_in_force, expires_at) VALUES ('weather', 'CHI|2026-09-29', ?, "
            "'weather-bracket', 'b', ?, ?, 'yes', 'buy', ?, 22, 0.231, 0.062, 'quadratic', 1, "
            "'good_till_canceled', ?)",
            [at, EVENT, TICKER, D(limit), close],
        )
        conn.execute(
            "INSERT INTO market_snapshots (ticker, as_of, source, series_ticker, event_ticker, "
            "strike_type, floor_strike, cap_strike, status, yes_bid, yes_ask, close_time, result, "
            "fee_type, fee_multiplier) VALUES (?, ?, 'test', 'KXHIGHCHI', ?, 'between', 76, 77, "
            "'active', 0.14, 0.16, ?, '', 'quadratic', 1)",
            [TICKER, at, EVENT, close],
        )
        conn.execute(
            "INSERT INTO weather_opportunities VALUES (?, 'CHI', '2026-09-29', ?, ?, "
            "'weather-bracket', 'b', 'yes', ?, 22, 0.231, 0.062, 75, 3, 'emos_nbp_txn', "
            "'emos_nbp_txn:CHI:2026-09-28', true, '')",
            [at, EVENT, TICKER, D(limit)],
        )


def _demo_run(warehouse, exchange, wall_time: str):  # noqa: ANN001, ANN202
    return materialize(
        [weather_orders],
        partition_key="CHI|2026-09-29",
        resources={
            "warehouse": warehouse,
            "sources": FrozenWallClockSources(deployment="demo", wall_time=wall_time),
            "kalshi": KalshiResource(deployment="demo", api_base=exchange.base_url),
        },
        raise_on_error=False,
    )


@pytest.fixture
def weather_exchange(kalshi_exchange):  # noqa: ANN001, ANN201
    kalshi_exchange.add_series("KXHIGHCHI")
    kalshi_exchange.add_event(EVENT, "KXHIGHCHI")
    kalshi_exchange.add_market(TICKER, EVENT)
    return kalshi_exchange


def test_a_fresh_weather_decision_reaches_the_demo_exchange_once(warehouse, weather_exchange):  # noqa: ANN001
    seed_demo_decision(warehouse)
    assert _demo_run(warehouse, weather_exchange, "2026-09-28T14:40:00Z").success
    second = _demo_run(warehouse, weather_exchange, "2026-09-28T14:45:00Z")
    assert len(weather_exchange.requests_to("POST", ORDER_PATH)) == 1
    (materialization,) = second.asset_materializations_for_node("weather_orders")
    kill_switch = {k: materialization.metadata[k].value for k in ("strategy", "kill_switch_active",
                                                                  "pnl_today_usd")}  # fmt: skip
    assert kill_switch == {"strategy": "weather", "kill_switch_active": False, "pnl_today_usd": 0.0}
    with warehouse.get_connection() as conn:
        rows = conn.execute(
            "SELECT environment, ticker, tag, book_side, yes_price, count, status FROM orders"
        ).fetchall()
    assert rows == [("demo", TICKER, "weather-bracket", "bid", D("0.16"), 22, "resting")]


def test_a_stale_weather_decision_never_reaches_a_real_exchange(warehouse, weather_exchange):  # noqa: ANN001
    seed_demo_decision(warehouse)
    result = _demo_run(warehouse, weather_exchange, "2026-09-28T15:05:00Z")
    assert weather_exchange.requests_to("POST", ORDER_PATH) == []
    (materialization,) = result.asset_materializations_for_node("weather_orders")
    assert (
        "more than 30 minutes before the wall clock" in materialization.metadata["not_sent"].value
    )


def test_replay_data_with_a_demo_venue_refuses_to_run(warehouse, weather_exchange):  # noqa: ANN001
    result = materialize(
        [weather_orders],
        partition_key="CHI|2026-09-29",
        resources={
            "warehouse": warehouse,
            "sources": replay_sources("2026-09-28T14:40:00Z"),
            "kalshi": KalshiResource(deployment="demo", api_base=weather_exchange.base_url),
        },
        raise_on_error=False,
    )
    assert not result.success
    assert weather_exchange.requests == []
