"""Paper-exchange tests on an in-memory DuckDB with hand-made quotes and candles."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest

from edge_dagster.core.matching import Candle, Quote
from edge_dagster.core.risk import Position
from edge_dagster.trading.paper_exchange import OrderRequest, PaperExchange

D = Decimal
T0 = datetime(2026, 4, 14, 13, 15, tzinfo=UTC)
QUOTE = Quote(yes_bid=D("0.38"), yes_bid_size=20, yes_ask=D("0.40"), yes_ask_size=6)
DEEP = Quote(yes_bid=D("0.38"), yes_bid_size=20, yes_ask=D("0.40"), yes_ask_size=100)
MAKER_FEES = "quadratic_with_maker_fees"


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:")


@pytest.fixture
def exchange(conn: duckdb.DuckDBPyConnection) -> PaperExchange:
    return PaperExchange(conn, max_contracts_per_candle=1_000)


def _request(
    cid: str = "o1",
    *,
    side: str = "yes",
    action: str = "buy",
    limit: str = "0.45",
    count: int = 10,
    ticker: str = "A",
    event: str = "EA",
    strategy: str = "s1",
    fee_type: str = "quadratic",
) -> OrderRequest:
    return OrderRequest(
        cid, strategy, "2026-04-14", T0, event, ticker, side, action, D(limit), count, fee_type
    )


def _candle(minutes: int, *, bid_high: str = "0.30", ask_low: str = "0.50") -> Candle:
    """A candle ending ``minutes`` after T0; the defaults cross none of the test limits."""
    return Candle(T0 + timedelta(minutes=minutes), D(bid_high), D(ask_low))


def _fills(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    return conn.execute(
        "SELECT fill_id, count, price, fee, is_taker FROM fills ORDER BY fill_id"
    ).fetchall()


def _ledger(conn: duckdb.DuckDBPyConnection, kind: str | None = None) -> list[tuple]:
    return conn.execute(
        "SELECT entry_id, amount FROM cash_ledger WHERE kind = coalesce(?, kind) ORDER BY 1",
        [kind],
    ).fetchall()


def _counts(conn: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    return tuple(
        conn.execute(f"SELECT COUNT(*) FROM {table}").fetchall()[0][0]
        for table in ("orders", "fills", "cash_ledger")
    )


def test_crossing_buy_takes_displayed_size_as_taker_and_rests_the_rest(exchange, conn):
    record = exchange.submit(_request(limit="0.45"), QUOTE, T0)
    assert (record.status, record.filled_count, record.book_side, record.yes_price) == (
        "resting",
        6,
        "bid",
        D("0.45"),
    )
    # ceil(0.07 × 6 × 0.40 × 0.60) = ceil(0.1008) = 0.11
    assert record.taker_fees == D("0.11")
    assert _fills(conn) == [("o1:1", 6, D("0.40"), D("0.11"), True)]
    assert _ledger(conn) == [("o1:1:fee", D("-0.11")), ("o1:1:trade", D("-2.40"))]


def test_non_crossing_limit_rests_without_a_fill(exchange, conn):
    record = exchange.submit(_request(limit="0.35"), QUOTE, T0)
    assert (record.status, record.filled_count, record.taker_fees) == ("resting", 0, D(0))
    assert _counts(conn) == (1, 0, 0)
    assert exchange.resting_orders() == [record]


def test_missing_quote_rests_everything(exchange):
    record = exchange.submit(_request(limit="0.45"), None, T0)
    assert (record.status, record.filled_count) == ("resting", 0)


def test_resubmitting_a_client_order_id_places_nothing(exchange, conn):
    first = exchange.submit(_request(limit="0.45"), QUOTE, T0)
    again = exchange.submit(_request(limit="0.45", count=50), DEEP, T0 + timedelta(hours=1))
    assert again == first
    assert _counts(conn) == (1, 1, 2)


def test_advance_fills_resting_buy_yes_as_maker_without_fee_on_quadratic(exchange, conn):
    exchange.submit(_request(limit="0.35"), QUOTE, T0)
    exchange.advance({"A": [_candle(5, ask_low="0.35")]}, until=T0 + timedelta(hours=1))
    record = exchange.order("o1")
    assert (record.status, record.filled_count, record.maker_fees) == ("executed", 10, D(0))
    assert record.filled_through == T0 + timedelta(hours=1)
    assert _fills(conn) == [("o1:1", 10, D("0.35"), D(0), False)]
    assert _ledger(conn) == [("o1:1:trade", D("-3.50"))]


def test_advance_charges_the_maker_fee_on_maker_fee_series(exchange, conn):
    exchange.submit(_request(limit="0.35", fee_type=MAKER_FEES), QUOTE, T0)
    exchange.advance({"A": [_candle(5, ask_low="0.35")]}, until=T0 + timedelta(hours=1))
    # ceil(0.0175 × 10 × 0.35 × 0.65) = ceil(0.0398125) = 0.04
    assert exchange.order("o1").maker_fees == D("0.04")
    assert _ledger(conn, "fee") == [("o1:1:fee", D("-0.04"))]


@pytest.mark.parametrize("minutes", [-5, 0, 5, 10])
def test_candle_ending_at_or_before_submission_never_fills(exchange, conn, minutes):
    exchange.submit(_request(limit="0.35"), QUOTE, T0 + timedelta(minutes=10))  # decided at T0
    exchange.advance({"A": [_candle(minutes, ask_low="0.01")]}, until=T0 + timedelta(hours=1))
    assert _fills(conn) == []


def test_advancing_twice_over_the_same_candles_fills_once(exchange, conn):
    exchange.submit(_request(limit="0.35", count=2_000), QUOTE, T0)
    candles = {"A": [_candle(5, ask_low="0.35")]}
    exchange.advance(candles, until=T0 + timedelta(hours=1))
    exchange.advance(candles, until=T0 + timedelta(hours=1))
    exchange.advance(candles, until=T0 + timedelta(hours=2))
    assert _fills(conn) == [("o1:1", 1_000, D("0.35"), D(0), False)]


def test_resting_buy_no_fills_when_yes_bid_high_reaches_one_minus_its_limit(exchange, conn):
    exchange.submit(_request(side="no", limit="0.55"), QUOTE, T0)  # rests as a YES ask at 0.45
    candles = [_candle(5, bid_high="0.44"), _candle(10, bid_high="0.45")]
    exchange.advance({"A": candles}, until=T0 + timedelta(hours=1))
    assert _fills(conn) == [("o1:1", 10, D("0.55"), D(0), False)]
    assert exchange.positions() == [Position("s1", "A", "no", 10)]


def test_partial_fills_respect_the_cap_and_accumulate_maker_fees_across_advances(conn):
    exchange = PaperExchange(conn, max_contracts_per_candle=4)
    exchange.submit(_request(limit="0.35", fee_type=MAKER_FEES), QUOTE, T0)
    candles = {"A": [_candle(m, ask_low="0.35") for m in (5, 10, 15)]}
    exchange.advance(candles, until=T0 + timedelta(minutes=5))
    exchange.advance(candles, until=T0 + timedelta(minutes=15))
    # order-level fee ceil(0.0175 × n × 0.2275): n=4 → 0.02, n=8 → 0.04, n=10 → 0.04
    assert _fills(conn) == [
        ("o1:1", 4, D("0.35"), D("0.02"), False),
        ("o1:2", 4, D("0.35"), D("0.02"), False),
        ("o1:3", 2, D("0.35"), D(0), False),
    ]
    record = exchange.order("o1")
    assert (record.status, record.filled_count, record.maker_fees) == ("executed", 10, D("0.04"))


def test_canceled_order_stops_resting_and_never_fills(exchange, conn):
    exchange.submit(_request(limit="0.35"), QUOTE, T0)
    exchange.cancel("o1", T0 + timedelta(minutes=1))
    exchange.advance({"A": [_candle(5, ask_low="0.35")]}, until=T0 + timedelta(hours=1))
    assert exchange.resting_orders() == []
    assert _fills(conn) == []
    assert exchange.order("o1").status == "canceled"


def test_cancel_is_a_no_op_on_executed_and_canceled_orders(exchange):
    exchange.submit(_request("done", limit="0.45"), DEEP, T0)
    exchange.submit(_request("gone", limit="0.35"), QUOTE, T0)
    exchange.cancel("gone", T0 + timedelta(minutes=1))
    exchange.cancel("gone", T0 + timedelta(minutes=2))
    exchange.cancel("done", T0 + timedelta(minutes=2))
    done, gone = exchange.order("done"), exchange.order("gone")
    assert (done.status, done.updated_at) == ("executed", T0)
    assert (gone.status, gone.updated_at) == ("canceled", T0 + timedelta(minutes=1))


def test_settle_pays_winners_records_losers_at_zero_and_is_idempotent(exchange, conn):
    exchange.submit(_request("y", limit="0.40", count=10), DEEP, T0)
    exchange.submit(_request("n", side="no", limit="0.65", count=5, strategy="s2"), DEEP, T0)
    exchange.submit(_request("r", limit="0.30"), DEEP, T0)
    settled_at = T0 + timedelta(days=1)
    exchange.settle("A", "yes", settled_at)
    exchange.settle("A", "yes", settled_at)
    assert _ledger(conn, "settlement") == [
        ("settlement:paper:A:s1:2026-04-14:yes", D(10)),
        ("settlement:paper:A:s2:2026-04-14:no", D(0)),
    ]
    assert exchange.resting_orders() == []
    assert exchange.positions() == []


def test_pnl_of_a_taker_round_trip_to_settlement(exchange):
    record = exchange.submit(_request(limit="0.40", count=10), DEEP, T0)
    exchange.settle("A", "yes", T0 + timedelta(days=1))
    assert record.status == "executed"
    # 10 × $1 − 10 × 0.40 − ceil(0.07 × 10 × 0.40 × 0.60 = 0.168) = 10 − 4.00 − 0.17
    assert exchange.pnl() == D("5.83")
    assert exchange.pnl(strategy="s1", partition_key="2026-04-14") == D("5.83")
    assert exchange.pnl(strategy="other") == D(0)


def test_positions_net_buys_and_sells_per_strategy_ticker_and_side(exchange):
    exchange.submit(_request("b", limit="0.40", count=10), DEEP, T0)
    exchange.submit(_request("s", action="sell", limit="0.38", count=4), DEEP, T0)
    exchange.submit(_request("n", side="no", limit="0.65", count=5, ticker="B"), DEEP, T0)
    exchange.submit(_request("x", limit="0.40", count=3, strategy="s2"), DEEP, T0)
    assert exchange.positions() == [
        Position("s1", "A", "yes", 6),
        Position("s1", "B", "no", 5),
        Position("s2", "A", "yes", 3),
    ]
    assert exchange.positions(strategy="s2") == [Position("s2", "A", "yes", 3)]


def _risk_scenario(exchange: PaperExchange) -> None:
    """Yesterday: buy 10 YES of A at 0.40. Today (T0): sell 4 YES of A at the 0.38 bid, buy 5 NO
    of B at the 0.38 bid (NO 0.62, limit 0.65) and rest 20 YES of C at 0.30."""
    yesterday = datetime(2026, 4, 13, 15, tzinfo=UTC)
    exchange.submit(_request("a-buy", limit="0.40", count=10), DEEP, yesterday)
    exchange.submit(_request("a-sell", action="sell", limit="0.38", count=4), DEEP, T0)
    no_b = _request("b", side="no", limit="0.65", count=5, ticker="B", event="EB")
    exchange.submit(no_b, DEEP, T0)
    exchange.submit(_request("c", limit="0.30", count=20, ticker="C", event="EB"), DEEP, T0)


MARKS = {"A": (D("0.45"), D("0.47")), "B": (D("0.36"), D("0.40"))}


def test_risk_state_from_the_tables(exchange):
    _risk_scenario(exchange)
    state = exchange.risk_state("s1", date(2026, 4, 14), MARKS, D(1_000))
    assert state.positions == (Position("s1", "A", "yes", 6), Position("s1", "B", "no", 5))
    # buys submitted today at their limit: B 5 × 0.65, C 20 × 0.30 resting; sells excluded
    assert state.notional_by_market == {"B": D("3.25"), "C": D("6.00")}
    assert state.notional_by_event == {"EB": D("9.25")}
    assert state.notional_total == D("9.25")
    assert state.day_start_equity == D(1_000)
    # A 6 × 0.45 + B NO 5 × (1 − 0.40)
    assert state.open_mark_to_bid == D("5.70")
    # A carried at cost 4.00 less 1.52 sold today; B bought today for 3.10
    assert state.open_cost_basis == D("5.58")
    # today's ledger −1.74 (−3.10 −0.09 +1.52 −0.07) + 5.58 − 4.00: the fees paid today
    assert state.realised_pnl == D("-0.16")
    assert state.pnl_today == D("-0.04")


def test_risk_state_values_carried_positions_at_day_start_marks(exchange):
    _risk_scenario(exchange)
    start_marks = {"A": (D("0.42"), D("0.44"))}
    state = exchange.risk_state("s1", date(2026, 4, 14), MARKS, D(1_000), start_marks)
    # A carried at 10 × 0.42 = 4.20, less 1.52 sold today; plus B 3.10
    assert state.open_cost_basis == D("5.78")
    assert state.realised_pnl == D("-0.16")
    # today's cash −1.74 + mark 5.70 − 00:00 value 4.20
    assert state.pnl_today == D("-0.24")


def test_risk_state_as_of_a_decision_ignores_later_trades_and_settlements(exchange):
    exchange.submit(_request("a", limit="0.40", count=10), DEEP, T0)
    exchange.submit(_request("later", limit="0.40", count=7, ticker="B", event="EB"), DEEP,
                    T0 + timedelta(hours=2))  # fmt: skip
    exchange.settle("A", "yes", T0 + timedelta(hours=3))
    state = exchange.risk_state("s1", T0.date(), {}, D(1_000), at=T0 + timedelta(hours=1))
    assert state.positions == (Position("s1", "A", "yes", 10),)
    assert state.notional_by_market == {"A": D("4.00")}
    # −4.00 − ceil(0.07 × 10 × 0.40 × 0.60 = 0.168): the later buy and the payout unseen
    assert exchange.pnl(at=T0 + timedelta(hours=1)) == D("-4.17")
    assert exchange.positions(at=T0 + timedelta(hours=3)) == [Position("s1", "B", "yes", 7)]


def test_an_order_crossing_a_quote_of_unrecorded_size_fills_later_as_taker(exchange, conn):
    unsized = Quote(yes_bid=D("0.38"), yes_bid_size=None, yes_ask=D("0.40"), yes_ask_size=None)
    record = exchange.submit(_request(limit="0.40", count=10), unsized, T0)
    assert (record.status, record.filled_count, record.takes_liquidity) == ("resting", 0, True)
    exchange.advance({"A": [_candle(60, ask_low="0.40")]}, T0 + timedelta(hours=2))
    # ceil(0.07 × 10 × 0.40 × 0.60 = 0.168) = 0.17, although the series charges makers nothing
    assert _fills(conn) == [("o1:1", 10, D("0.40"), D("0.17"), True)]
    assert exchange.order("o1").taker_fees == D("0.17")
