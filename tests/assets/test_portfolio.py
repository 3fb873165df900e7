"""The portfolio on a hand-computed ledger: P&L per strategy, the daily table, drawdown, win rate
and exposure per event and city, with every figure worked out by hand below.

Ledger (ET days; marks are recorded snapshots, YES at the bid, NO at 1 − the ask):
- Mon 04-13: tsa buys 10 YES of T1 at 0.40 (fee 0.17) and 2 YES of T2 at 0.20.
  Marks at the day's end: T1 bid 0.50, T2 bid 0.25.
- Tue 04-14: tsa sells 4 T1 at 0.55 (fee 0.08); weather-single buys 5 NO of W1 at 0.30.
  Marks: T1 bid 0.45, T2 bid 0.30, W1 ask 0.60 (NO worth 0.40).
- Wed 04-15: tsa sells 2 T2 at 0.50; T1 settles NO (the 6 YES pay 0). W1 ask 0.80 (NO 0.20).
- Thu 04-16 10:00: W1 ask 0.70 (NO 0.30). The portfolio is read at 12:00.

tsa cumulative P&L: Mon −4.57 cash + 5.50 marked = 0.93; Tue −2.45 + 3.30 = 0.85;
Wed −1.45 (all closed); Thu −1.45. weather-single: Tue −1.50 + 2.00 = 0.50; Wed −0.50; Thu 0.
Account: 0 (Sun), 0.93, 1.35, −1.95, −1.45: max drawdown 1.35 − (−1.95) = 3.30, now 2.80.
Closed trades: T1 −2.05 (loss), T2 +0.60 (win): win rate 1/2.
"""

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from dagster import materialize

from edge_dagster.assets.portfolio import ledger_rows, portfolio
from edge_dagster.assets.trading import recorded_marks
from edge_dagster.core.clock import EASTERN
from edge_dagster.core.matching import Fill
from edge_dagster.core.orders import Order
from edge_dagster.core.portfolio import (
    ALL,
    MarkBook,
    drawdown,
    event_city,
    pnl_curve,
    win_rates,
)
from edge_dagster.kalshi import CreateOrderRequest, KalshiClient
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.trading.ledger import Ledger
from tests.assets.test_orders import DECISION, EVENT, TICKER, demo_exchange, run_demo, seed_decision
from tests.conftest import DEMO_KEY_ID, replay_sources
from tests.support.clock import FrozenWallClockSources

__all__ = ["demo_exchange"]  # the fixture, shared with the orders tests

TSA, WEATHER = "tsa_weekly", "weather"
SINGLE, BRACKET = "weather-single", "weather-bracket"  # the temperature strategy's books
TSA_EVENT, WEATHER_EVENT = "KXTSAW-26APR19", "KXHIGHNY-26APR16"
T1, T2, W1 = f"{TSA_EVENT}-A2.45", f"{TSA_EVENT}-A2.50", f"{WEATHER_EVENT}-B62.5"
NOW = datetime(2026, 4, 16, 12, tzinfo=EASTERN)


def utc(day: int, hour: int) -> datetime:
    return datetime(2026, 4, day, hour, tzinfo=UTC)


def trade(
    ledger, strategy, event, ticker, side, action, count, price, fee, at, tag="entry"
) -> None:  # noqa: ANN001, E501
    order = Order(strategy, "2026-04-13", at, event, ticker, side, action, Decimal(price), count,
                  tag=tag, status="executed", filled_count=count, submitted_at=at,
                  filled_through=at, updated_at=at)  # fmt: skip
    stored = ledger.record(order)
    ledger.book_fills(stored, [(f"{stored.client_order_id}:1",
                                Fill(count, Decimal(price), Decimal(fee), False, at))])  # fmt: skip


def mark(conn, ticker: str, at: datetime, bid: str | None, ask: str | None) -> None:  # noqa: ANN001
    event = ticker.rsplit("-", 1)[0]
    conn.execute(
        "INSERT INTO market_snapshots (ticker, as_of, source, series_ticker, event_ticker, "
        "strike_type, status, yes_bid, yes_ask, close_time, result, fee_type, fee_multiplier) "
        "VALUES (?, ?, 'test', ?, ?, 'greater', 'active', ?, ?, ?, '', 'quadratic', 1)",
        [ticker, at, event.split("-")[0], event, bid, ask, utc(20, 4)],
    )


def write_ledger(conn) -> None:  # noqa: ANN001
    ledger = Ledger(conn, "replay")
    trade(ledger, TSA, TSA_EVENT, T1, "yes", "buy", 10, "0.40", "0.17", utc(13, 14))
    trade(ledger, TSA, TSA_EVENT, T2, "yes", "buy", 2, "0.20", "0", utc(13, 15))
    mark(conn, T1, utc(13, 20), "0.50", "0.52")
    mark(conn, T2, utc(13, 20), "0.25", "0.27")
    trade(ledger, TSA, TSA_EVENT, T1, "yes", "sell", 4, "0.55", "0.08", utc(14, 15))
    trade(ledger, WEATHER, WEATHER_EVENT, W1, "no", "buy", 5, "0.30", "0", utc(14, 16), SINGLE)
    mark(conn, T1, utc(14, 20), "0.45", "0.47")
    mark(conn, T2, utc(14, 20), "0.30", "0.32")
    mark(conn, W1, utc(14, 20), "0.58", "0.60")
    trade(ledger, TSA, TSA_EVENT, T2, "yes", "sell", 2, "0.50", "0", utc(15, 15))
    ledger.settle({T1: ("no", utc(15, 20))})
    mark(conn, W1, utc(15, 20), "0.78", "0.80")
    mark(conn, W1, utc(16, 14), "0.68", "0.70")


@pytest.fixture
def hand_ledger(warehouse):
    with warehouse.transaction(["orders", "fills", "cash_ledger", "market_snapshots"]) as conn:
        write_ledger(conn)
    return warehouse


def day_end(day: int) -> datetime:
    return datetime(2026, 4, day + 1, tzinfo=EASTERN)


def read_curve(warehouse):  # noqa: ANN201
    with warehouse.get_connection() as conn:
        fills, cash = ledger_rows(conn, "replay", NOW)
        marks = recorded_marks(conn, [T1, T2, W1], NOW)
    instants = [day_end(12), day_end(13), day_end(14), day_end(15), NOW]
    return fills, cash, pnl_curve(fills, cash, marks, instants)


def test_pnl_per_strategy_is_realised_plus_marked_to_the_bid(hand_ledger) -> None:
    _, _, points = read_curve(hand_ledger)
    table = {(p.at, p.strategy): (p.realised, p.unrealised, p.open_positions) for p in points}
    # Mon: cash −4.57 + cost 4.40 realised; marks 5.00 + 0.50 − cost 4.40 unrealised
    assert table[(day_end(13), TSA)] == (Decimal("-0.17"), Decimal("1.10"), 2)
    # Tue: 6 T1 left at cost 2.40 (average price), marked 2.70; T2 cost 0.40, marked 0.60
    assert table[(day_end(14), TSA)] == (Decimal("0.35"), Decimal("0.50"), 2)
    assert table[(day_end(14), SINGLE)] == (Decimal("0"), Decimal("0.50"), 1)
    # Wed: tsa closed out; weather's 5 NO marked at 1 − 0.80
    assert table[(day_end(15), TSA)] == (Decimal("-1.45"), Decimal("0"), 0)
    assert table[(day_end(15), SINGLE)] == (Decimal("0"), Decimal("-0.50"), 1)
    assert table[(NOW, SINGLE)] == (Decimal("0"), Decimal("0"), 1)
    account = [p.pnl for p in points if p.strategy == ALL]
    assert account == [Decimal(0), Decimal("0.93"), Decimal("1.35"), Decimal("-1.95"),
                       Decimal("-1.45")]  # fmt: skip


def test_the_temperature_books_share_a_settlement_by_the_contracts_each_held(warehouse) -> None:
    """Single buys 3 YES of W1 at 0.20, the bracket 2 YES at 0.25 (fee 0.02); W1 settles YES
    and pays the strategy's one settlement row $5: single 3.00 − 0.60, bracket 2.00 − 0.52."""
    with warehouse.transaction(["orders", "fills", "cash_ledger", "market_snapshots"]) as conn:
        ledger = Ledger(conn, "replay")
        trade(ledger, WEATHER, WEATHER_EVENT, W1, "yes", "buy", 3, "0.20", "0", utc(14, 16),
              SINGLE)  # fmt: skip
        trade(ledger, WEATHER, WEATHER_EVENT, W1, "yes", "buy", 2, "0.25", "0.02", utc(14, 17),
              BRACKET)  # fmt: skip
        ledger.settle({W1: ("yes", utc(15, 20))})
        fills, cash = ledger_rows(conn, "replay", NOW)
    points = pnl_curve(fills, cash, MarkBook([]), [NOW])
    assert {p.strategy: (p.realised, p.open_positions) for p in points} == {
        SINGLE: (Decimal("2.40"), 0),
        BRACKET: (Decimal("1.48"), 0),
        ALL: (Decimal("3.88"), 0),
    }
    assert sorted(cash.loc[cash["kind"] == "settlement", "amount"]) == [Decimal(2), Decimal(3)]


def test_drawdown_is_the_largest_fall_from_the_running_peak(hand_ledger) -> None:
    _, _, points = read_curve(hand_ledger)
    fall = drawdown([p.pnl for p in points if p.strategy == ALL])
    assert (fall.max_drawdown, fall.current_drawdown, fall.peak) == (
        Decimal("3.30"), Decimal("2.80"), Decimal("1.35"),
    )  # fmt: skip
    assert drawdown([Decimal("-1")]).max_drawdown == Decimal("1")  # a losing start counts


def test_win_rate_counts_closed_trades_that_made_money_after_fees(hand_ledger) -> None:
    fills, cash, _ = read_curve(hand_ledger)
    rates = {r.strategy: (r.closed, r.wins) for r in win_rates(fills, cash)}
    # T1 settled at −2.05, T2 sold out at +0.60; W1 is still open
    assert rates == {TSA: (2, 1), ALL: (2, 1)}


def test_cities_come_from_daily_high_events_only() -> None:
    assert [event_city(e) for e in ("KXHIGHNY-26APR16", "HIGHCHI-24OCT19", TSA_EVENT)] == [
        "NY", "CHI", "",
    ]  # fmt: skip


def test_the_portfolio_asset_writes_the_daily_table_and_reports_the_account(hand_ledger) -> None:
    result = materialize(
        [portfolio],
        resources={
            "warehouse": hand_ledger,
            "sources": replay_sources(NOW.isoformat()),
            "kalshi": KalshiResource(),
        },
    )
    (materialization,) = result.asset_materializations_for_node("portfolio")
    meta = {k: v.value for k, v in materialization.metadata.items()}
    # $1,000 bankroll; cash −1.45 (tsa) − 1.50 (weather); W1 worth 5 × 0.30
    assert meta["cash_balance_usd"] == 997.05
    assert meta["equity_usd"] == 998.55
    assert (meta["realised_pnl_usd"], meta["unrealised_pnl_usd"]) == (-1.45, 0.0)
    assert (meta["max_drawdown_usd"], meta["current_drawdown_usd"]) == (3.3, 2.8)
    assert (meta["win_rate"], meta["closed_trades"]) == (0.5, 2)
    assert (meta["open_positions"], meta["resting_orders"], meta["fills"]) == (1, 0, 5)
    assert meta["settlements"] == 1
    assert meta["exposure_usd"] == 1.5
    assert "| KXHIGHNY-26APR16 | NY | 1.50 |" in meta["exposure_by_event"]
    assert "equity curve" in meta["equity_curve"]
    with hand_ledger.get_connection() as conn:
        daily = conn.execute(
            "SELECT day, pnl_usd, day_pnl_usd, drawdown_usd, equity_usd FROM portfolio_daily "
            "WHERE strategy = 'all' ORDER BY day"
        ).fetchall()
        positions = conn.execute(
            "SELECT strategy, city, ticker, side, count, cost_usd, mark_usd, value_usd, "
            "unrealised_pnl_usd FROM portfolio_positions"
        ).fetchall()
    d = Decimal
    assert [(str(day), pnl, change, fall, equity) for day, pnl, change, fall, equity in daily] == [
        ("2026-04-12", d("0"), d("0"), d("0"), d("1000")),
        ("2026-04-13", d("0.93"), d("0.93"), d("0"), d("1000.93")),
        ("2026-04-14", d("1.35"), d("0.42"), d("0"), d("1001.35")),
        ("2026-04-15", d("-1.95"), d("-3.30"), d("3.30"), d("998.05")),
        ("2026-04-16", d("-1.45"), d("0.50"), d("2.80"), d("998.55")),
    ]
    assert positions == [
        (WEATHER, "NY", W1, "no", 5, d("1.50"), d("0.30"), d("1.50"), d("0")),
    ]


def test_on_demo_the_account_is_read_from_the_exchange_and_outside_positions_shown(
    warehouse, demo_exchange
) -> None:
    """The strategy holds 10 YES of A2.45 bought at 0.45 (synced); 5 YES of A2.50 were bought
    by hand at 0.30. Both markets are quoted 0.40 / 0.42 by the exchange."""
    other = "KXTSAW-26APR19-A2.50"
    demo_exchange.add_market(other, EVENT, floor_strike=2500000)
    demo_exchange.market_clock = lambda: (DECISION + timedelta(minutes=6)).timestamp()
    seed_decision(warehouse, DECISION, "0.45")
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:20:00-04:00")
    demo_exchange.trade_against("ord-1", "10")
    demo_exchange.set_orderbook(other, no_bids=[("0.70", "5")])
    outsider = KalshiClient(
        demo_exchange.base_url, DEMO_KEY_ID, os.environ["KALSHI_PRIVATE_KEY_PEM"]
    )
    outsider.create_order(CreateOrderRequest(other, "bid", Decimal(5), Decimal("0.30"), "hand",
                                             time_in_force="immediate_or_cancel"))  # fmt: skip
    assert run_demo(warehouse, demo_exchange, "2026-04-16T09:30:00-04:00")
    result = materialize(
        [portfolio],
        resources={
            "warehouse": warehouse,
            "sources": FrozenWallClockSources(
                deployment="demo", wall_time="2026-04-16T09:35:00-04:00"
            ),
            "kalshi": KalshiResource(deployment="demo", api_base=demo_exchange.base_url),
        },  # fmt: skip
    )
    (materialization,) = result.asset_materializations_for_node("portfolio")
    meta = {k: v.value for k, v in materialization.metadata.items()}
    with warehouse.get_connection() as conn:
        positions = conn.execute(
            "SELECT strategy, ticker, side, count, cost_usd, mark_usd FROM portfolio_positions "
            "ORDER BY strategy"
        ).fetchall()
    assert meta["source"] == "exchange"
    assert positions == [
        ("outside", other, "yes", 5, Decimal("1.5000"), Decimal("0.4000")),
        ("tsa_weekly", TICKER, "yes", 10, Decimal("4.5000"), Decimal("0.4000")),
    ]
    # the strategy's P&L: 10 × (0.40 − 0.45); exposure counts the outside position too
    assert meta["unrealised_pnl_usd"] == -0.5
    assert (meta["exposure_usd"], meta["outside_exposure_usd"]) == (6.0, 1.5)
    # the exchange's balance: $1,000 − 4.50 − 1.50 − the hand order's 0.08 taker fee; equity
    # adds the exchange's portfolio value (6.00)
    assert (meta["cash_balance_usd"], meta["equity_usd"]) == (993.92, 999.92)
    assert (meta["fills"], meta["resting_orders"]) == (2, 0)
