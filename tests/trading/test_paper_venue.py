"""The paper venue and the ledger it feeds, on an in-memory DuckDB with hand-made prices."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest

from edge_dagster.core.exposure import Exposure, Position
from edge_dagster.core.matching import Candle, FillRule, Quote
from edge_dagster.core.orders import Order
from edge_dagster.trading.ledger import Ledger
from edge_dagster.trading.paper_venue import PaperVenue

D = Decimal
T0 = datetime(2026, 4, 14, 13, 15, tzinfo=UTC)
QUOTE = Quote(yes_bid=D("0.38"), yes_bid_size=20, yes_ask=D("0.40"), yes_ask_size=6)
DEEP = Quote(yes_bid=D("0.38"), yes_bid_size=20, yes_ask=D("0.40"), yes_ask_size=100)
UNSIZED = Quote(yes_bid=D("0.38"), yes_bid_size=None, yes_ask=D("0.40"), yes_ask_size=None)
MAKER_FEES = "quadratic_with_maker_fees"


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:")


@pytest.fixture(params=[False, True], ids=["rows-read-afresh", "rows-held"])
def venue(conn: duckdb.DuckDBPyConnection, request: pytest.FixtureRequest) -> PaperVenue:
    """Every behaviour holds whether the ledger reads its rows for each question or holds
    them through the replay (as backtests do)."""
    rule = FillRule(max_contracts_per_candle=1_000, candle_volume_share=None)
    return PaperVenue(Ledger(conn, "replay", hold_rows=request.param), rule, bankroll=D(1_000))


def _order(
    *,
    side: str = "yes",
    action: str = "buy",
    limit: str = "0.45",
    count: int = 10,
    ticker: str = "A",
    event: str = "EA",
    strategy: str = "s1",
    fee_type: str = "quadratic",
    at: datetime = T0,
    **changes: object,
) -> Order:
    order = Order(strategy, "2026-04-14", at, event, ticker, side, action, D(limit), count,
                  fee_type=fee_type)  # fmt: skip
    return replace(order, **changes)


def _candle(minutes: int, *, bid_high: str = "0.30", ask_low: str = "0.50") -> Candle:
    """An hour-long candle starting ``minutes`` after T0; the defaults cross no test limit."""
    start = T0 + timedelta(minutes=minutes)
    return Candle(start, start + timedelta(hours=1), D(bid_high), D(ask_low))


def _fills(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    return conn.execute(
        "SELECT count, price, fee, is_taker FROM fills ORDER BY filled_at, fill_id"
    ).fetchall()


def _ledger(conn: duckdb.DuckDBPyConnection, kind: str | None = None) -> list[tuple]:
    return conn.execute(
        "SELECT kind, amount FROM cash_ledger WHERE kind = coalesce(?, kind) ORDER BY entry_id",
        [kind],
    ).fetchall()


def _counts(conn: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    return tuple(
        conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        for table in ("orders", "fills", "cash_ledger")
    )


def _stored(venue: PaperVenue, order: Order) -> Order:
    return venue.ledger.order(venue.ledger.own(order).client_order_id)


def test_crossing_buy_takes_displayed_size_as_taker_and_rests_the_rest(venue, conn):
    placed = venue.place(_order(limit="0.45"), QUOTE, T0)
    assert (placed.status, placed.filled_count, placed.book_side, placed.yes_price) == (
        "resting",
        6,
        "bid",
        D("0.45"),
    )
    # ceil(0.07 × 6 × 0.40 × 0.60) = ceil(0.1008) = 0.11
    assert placed.taker_fees == D("0.11")
    assert _fills(conn) == [(6, D("0.40"), D("0.11"), True)]
    assert _ledger(conn) == [("fee", D("-0.11")), ("trade", D("-2.40"))]


def test_a_non_crossing_limit_rests_without_a_fill(venue, conn):
    placed = venue.place(_order(limit="0.35"), QUOTE, T0)
    assert (placed.status, placed.filled_count, placed.taker_fees) == ("resting", 0, D(0))
    assert _counts(conn) == (1, 0, 0)
    assert venue.ledger.resting_orders() == [_stored(venue, placed)]


def test_placing_the_same_intent_twice_places_nothing(venue, conn):
    first = venue.place(_order(limit="0.45"), QUOTE, T0)
    again = venue.place(_order(limit="0.45"), DEEP, T0 + timedelta(hours=1))
    assert again == _stored(venue, first)
    assert _counts(conn) == (1, 1, 2)


def test_an_immediate_or_cancel_order_never_rests(venue, conn):
    ioc = venue.place(_order(limit="0.45", time_in_force="immediate_or_cancel"), QUOTE, T0)
    assert (ioc.status, ioc.filled_count) == ("canceled", 6)
    assert venue.ledger.resting_orders() == []


def test_a_resting_buy_fills_at_its_limit_when_a_later_candle_goes_through_it(venue, conn):
    placed = venue.place(_order(limit="0.35"), QUOTE, T0)
    venue.advance({"A": [_candle(5, ask_low="0.34")]}, until=T0 + timedelta(hours=2))
    stored = _stored(venue, placed)
    assert (stored.status, stored.filled_count, stored.maker_fees) == ("executed", 10, D(0))
    assert stored.filled_through == T0 + timedelta(hours=2)
    assert _fills(conn) == [(10, D("0.35"), D(0), False)]
    assert _ledger(conn) == [("trade", D("-3.50"))]


def test_a_maker_fill_pays_the_maker_fee_on_maker_fee_series(venue, conn):
    venue.place(_order(limit="0.35", fee_type=MAKER_FEES), QUOTE, T0)
    venue.advance({"A": [_candle(5, ask_low="0.34")]}, until=T0 + timedelta(hours=2))
    # ceil(0.0175 × 10 × 0.35 × 0.65) = ceil(0.0398125) = 0.04
    assert _ledger(conn, "fee") == [("fee", D("-0.04"))]


@pytest.mark.parametrize("minutes", [-70, -30, -1])
def test_a_candle_that_began_before_the_order_never_fills_it(venue, conn, minutes):
    venue.place(_order(limit="0.35"), QUOTE, T0)
    venue.advance({"A": [_candle(minutes, ask_low="0.01")]}, until=T0 + timedelta(hours=2))
    assert _fills(conn) == []


def test_advancing_twice_over_the_same_candles_fills_once(venue, conn):
    venue.place(_order(limit="0.35", count=2_000), QUOTE, T0)
    candles = {"A": [_candle(5, ask_low="0.34")]}
    venue.advance(candles, until=T0 + timedelta(hours=2))
    venue.advance(candles, until=T0 + timedelta(hours=2))
    venue.advance(candles, until=T0 + timedelta(hours=3))
    assert _fills(conn) == [(1_000, D("0.35"), D(0), False)]


def test_a_resting_buy_no_fills_when_the_yes_bid_goes_above_one_minus_its_limit(venue, conn):
    venue.place(_order(side="no", limit="0.55"), QUOTE, T0)  # rests as a YES ask at 0.45
    candles = [_candle(5, bid_high="0.45"), _candle(70, bid_high="0.46")]
    venue.advance({"A": candles}, until=T0 + timedelta(hours=3))
    assert _fills(conn) == [(10, D("0.55"), D(0), False)]
    assert venue.ledger.positions() == [Position("s1", "A", "no", 10, "EA", D("5.50"))]


def test_partial_fills_respect_the_cap_and_accumulate_maker_fees_across_advances(conn):
    venue = PaperVenue(Ledger(conn, "replay"), FillRule(max_contracts_per_candle=4), D(1_000))
    placed = venue.place(_order(limit="0.35", fee_type=MAKER_FEES), QUOTE, T0)
    candles = {"A": [_candle(m, ask_low="0.34") for m in (5, 70, 135)]}
    venue.advance(candles, until=T0 + timedelta(hours=2))
    venue.advance(candles, until=T0 + timedelta(hours=4))
    # order-level fee ceil(0.0175 × n × 0.2275): n=4 → 0.02, n=8 → 0.04, n=10 → 0.04
    assert _fills(conn) == [
        (4, D("0.35"), D("0.02"), False),
        (4, D("0.35"), D("0.02"), False),
        (2, D("0.35"), D(0), False),
    ]
    stored = _stored(venue, placed)
    assert (stored.status, stored.filled_count, stored.maker_fees) == ("executed", 10, D("0.04"))


def test_an_order_expires_before_the_next_release_and_later_prices_never_fill_it(venue, conn):
    expiry = T0 + timedelta(hours=2)
    placed = venue.place(_order(limit="0.35", expires_at=expiry), QUOTE, T0)
    late = [_candle(90, ask_low="0.01"), _candle(150, ask_low="0.01")]  # end after the expiry
    venue.advance({"A": late}, until=T0 + timedelta(hours=4))
    stored = _stored(venue, placed)
    assert (stored.status, stored.note, _fills(conn)) == ("canceled", "expired", [])
    assert venue.ledger.resting_orders(at=expiry - timedelta(seconds=1)) == [stored]
    assert venue.ledger.resting_orders(at=expiry) == []


def test_a_canceled_order_stops_resting_and_never_fills(venue, conn):
    placed = venue.place(_order(limit="0.35"), QUOTE, T0)
    venue.cancel(placed, T0 + timedelta(minutes=1))
    venue.advance({"A": [_candle(5, ask_low="0.34")]}, until=T0 + timedelta(hours=2))
    assert venue.ledger.resting_orders() == []
    assert _fills(conn) == []
    assert _stored(venue, placed).status == "canceled"


def test_cancel_leaves_executed_and_canceled_orders_alone(venue):
    done = venue.place(_order(limit="0.45"), DEEP, T0)
    gone = venue.place(_order(limit="0.35", ticker="B"), QUOTE, T0)
    venue.cancel(gone, T0 + timedelta(minutes=1))
    venue.cancel(gone, T0 + timedelta(minutes=2))
    venue.cancel(done, T0 + timedelta(minutes=2))
    done, gone = _stored(venue, done), _stored(venue, gone)
    assert (done.status, done.updated_at) == ("executed", T0)
    assert (gone.status, gone.updated_at) == ("canceled", T0 + timedelta(minutes=1))


def test_settle_pays_winners_records_losers_at_zero_and_is_idempotent(venue, conn):
    venue.place(_order(limit="0.40", count=10), DEEP, T0)
    venue.place(_order(side="no", limit="0.65", count=5, strategy="s2"), DEEP, T0)
    venue.place(_order(limit="0.30", ticker="A", strategy="s3"), DEEP, T0)
    settled_at = T0 + timedelta(days=1)
    venue.settle({"A": ("yes", settled_at)})
    venue.settle({"A": ("yes", settled_at)})
    assert conn.execute(
        "SELECT entry_id, amount FROM cash_ledger WHERE kind = 'settlement' ORDER BY 1"
    ).fetchall() == [
        ("settlement:replay:A:s1:2026-04-14:yes", D(10)),
        ("settlement:replay:A:s2:2026-04-14:no", D(0)),
    ]
    assert venue.ledger.resting_orders() == []
    assert venue.ledger.positions() == []


def test_pnl_of_a_taker_round_trip_to_settlement(venue):
    placed = venue.place(_order(limit="0.40", count=10), DEEP, T0)
    venue.settle({"A": ("yes", T0 + timedelta(days=1))})
    assert placed.status == "executed"
    # 10 × $1 − 10 × 0.40 − ceil(0.07 × 10 × 0.40 × 0.60 = 0.168) = 10 − 4.00 − 0.17
    assert venue.ledger.cash() == D("5.83")
    assert venue.ledger.cash(strategy="s1", partition_key="2026-04-14") == D("5.83")
    assert venue.ledger.cash(strategy="other") == D(0)
    assert venue.ledger.equity(D(1_000)) == D("1005.83")


def test_positions_net_buys_and_sells_per_strategy_ticker_and_side_at_average_cost(venue):
    venue.place(_order(limit="0.40", count=10), DEEP, T0)
    venue.place(_order(action="sell", limit="0.38", count=4), DEEP, T0)
    venue.place(_order(side="no", limit="0.65", count=5, ticker="B"), DEEP, T0)
    venue.place(_order(limit="0.40", count=3, strategy="s2"), DEEP, T0)
    assert venue.ledger.positions() == [
        Position("s1", "A", "yes", 6, "EA", D("2.40")),
        Position("s1", "B", "no", 5, "EA", D("3.10")),
        Position("s2", "A", "yes", 3, "EA", D("1.20")),
    ]
    assert venue.ledger.positions(strategy="s2") == [Position("s2", "A", "yes", 3, "EA", D("1.20"))]


def _risk_scenario(venue: PaperVenue) -> None:
    """Yesterday: buy 10 YES of A at 0.40. Today (T0): sell 4 YES of A at the 0.38 bid, buy 5 NO
    of B at the 0.38 bid (NO 0.62, limit 0.65) and rest 20 YES of C at 0.30."""
    yesterday = datetime(2026, 4, 13, 15, tzinfo=UTC)
    venue.place(_order(limit="0.40", count=10, at=yesterday), DEEP, yesterday)
    venue.place(_order(action="sell", limit="0.38", count=4), DEEP, T0)
    venue.place(_order(side="no", limit="0.65", count=5, ticker="B", event="EB"), DEEP, T0)
    venue.place(_order(limit="0.30", count=20, ticker="C", event="EB"), DEEP, T0)


MARKS = {"A": (D("0.45"), D("0.47")), "B": (D("0.36"), D("0.40"))}


def test_the_risk_state_holds_open_exposure_equity_and_todays_pnl(venue):
    _risk_scenario(venue)
    state = venue.risk_state("s1", T0, MARKS)
    assert state.positions == (
        Position("s1", "A", "yes", 6, "EA", D("2.40")),
        Position("s1", "B", "no", 5, "EB", D("3.10")),
    )
    # positions at cost, plus the resting 20 × 0.30 of C; the sale of A only closes risk
    assert state.exposure == Exposure(
        by_market={"A": D("2.40"), "B": D("3.10"), "C": D("6.00")},
        by_event={"EA": D("2.40"), "EB": D("9.10")},
        by_strategy={"s1": D("11.50")},
        total=D("11.50"),
    )
    # 1,000 − 4.00 − 0.17 + 1.52 − 0.07 − 3.10 − 0.09 + positions at cost 5.50
    assert state.equity == D("999.59")
    assert state.day_start_equity == D("999.83")  # after yesterday's buy and its fee
    # A 6 × 0.45 + B NO 5 × (1 − 0.40)
    assert state.open_mark_to_bid == D("5.70")
    # A carried at cost 4.00 less 1.52 sold today; B bought today for 3.10
    assert state.open_cost_basis == D("5.58")
    # today's ledger −1.74 (−3.10 −0.09 +1.52 −0.07) + 5.58 − 4.00: the fees paid today
    assert state.realised_pnl == D("-0.16")
    assert state.pnl_today == D("-0.04")


def test_the_day_pnl_values_carried_positions_at_the_day_start_marks(venue):
    _risk_scenario(venue)
    start_marks = {"A": (D("0.42"), D("0.44"))}
    realised, mark, cost = venue.ledger.day_pnl("s1", date(2026, 4, 14), MARKS, start_marks)
    # A carried at 10 × 0.42 = 4.20, less 1.52 sold today; plus B 3.10
    assert (realised, mark, cost) == (D("-0.16"), D("5.70"), D("5.78"))


def test_the_risk_state_at_a_decision_ignores_later_trades_and_settlements(venue):
    venue.place(_order(limit="0.40", count=10), DEEP, T0)
    later = T0 + timedelta(hours=2)
    venue.place(_order(limit="0.40", count=7, ticker="B", event="EB", at=later), DEEP, later)
    venue.settle({"A": ("yes", T0 + timedelta(hours=3))})
    state = venue.risk_state("s1", T0 + timedelta(hours=1), {})
    assert state.positions == (Position("s1", "A", "yes", 10, "EA", D("4.00")),)
    assert state.exposure.total == D("4.00")
    # −4.00 − ceil(0.07 × 10 × 0.40 × 0.60 = 0.168): the later buy and the payout unseen
    assert venue.ledger.cash(at=T0 + timedelta(hours=1)) == D("-4.17")
    assert venue.ledger.positions(at=T0 + timedelta(hours=3)) == [
        Position("s1", "B", "yes", 7, "EB", D("2.80"))
    ]


def test_an_order_crossing_a_quote_of_unrecorded_size_fills_later_as_taker(venue, conn):
    placed = venue.place(_order(limit="0.40", count=10), UNSIZED, T0)
    assert (placed.status, placed.filled_count, placed.takes_liquidity) == ("resting", 0, True)
    venue.advance({"A": [_candle(60, ask_low="0.40")]}, T0 + timedelta(hours=3))
    # ceil(0.07 × 10 × 0.40 × 0.60 = 0.168) = 0.17, although the series charges makers nothing
    assert _fills(conn) == [(10, D("0.40"), D("0.17"), True)]
    assert _stored(venue, placed).taker_fees == D("0.17")


def test_pnl_per_strategy_is_realised_cash_and_open_positions_marked_to_the_bid(venue):
    venue.place(_order(limit="0.40", count=10), DEEP, T0)  # s1: 10 YES of A for 4.00 + 0.17
    venue.place(_order(side="no", limit="0.65", count=5, ticker="B", strategy="s2"), DEEP, T0)
    venue.settle({"B": ("no", T0 + timedelta(days=1))})  # s2's 5 NO of B win: +5.00
    pnl = venue.ledger.pnl_by_strategy({"A": (D("0.45"), D("0.47"))})
    assert [(p.strategy, p.realised, p.unrealised, p.open_cost) for p in pnl] == [
        ("s1", D("-0.17"), D("0.50"), D("4.00")),  # the fee; 10 × 0.45 − 4.00 unrealised
        ("s2", D("1.81"), D("0"), D("0")),  # 5 − 3.10 − ceil(0.07 × 5 × 0.62 × 0.38) = 0.09
    ]


def test_fills_and_settlements_read_back_with_their_event_and_payout(venue):
    placed = venue.place(_order(limit="0.40", count=10), DEEP, T0)
    venue.settle({"A": ("yes", T0 + timedelta(days=1))})
    fills = venue.ledger.fills()
    assert list(fills[["client_order_id", "event_ticker", "count"]].itertuples(index=False)) == [
        (venue.ledger.own(placed).client_order_id, "EA", 10)
    ]
    settled = venue.ledger.settlements()
    assert list(settled[["strategy", "ticker", "amount"]].itertuples(index=False)) == [
        ("s1", "A", D(10))
    ]


def _trade_a_day(venue: PaperVenue) -> None:
    """A taker fill that rests its remainder, a maker fill on a later candle, a settlement."""
    venue.place(_order(limit="0.45"), QUOTE, T0)
    venue.place(_order(limit="0.35", ticker="B"), QUOTE, T0)
    venue.advance({"B": [_candle(30, ask_low="0.34")]}, T0 + timedelta(hours=2))
    venue.settle({"A": ("yes", T0 + timedelta(days=1))})


def _rows(conn: duckdb.DuckDBPyConnection) -> list[list[tuple]]:
    return [
        conn.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
        for table in ("orders", "fills", "cash_ledger")
    ]


def test_a_batch_writes_at_its_end_the_rows_a_ledger_writing_as_it_goes_writes(conn):
    rule = FillRule(max_contracts_per_candle=1_000, candle_volume_share=None)
    _trade_a_day(PaperVenue(Ledger(conn, "replay"), rule, bankroll=D(1_000)))
    batched_conn = duckdb.connect(":memory:")
    ledger = Ledger(batched_conn, "replay", hold_rows=True)
    with ledger.batched_writes():
        _trade_a_day(PaperVenue(ledger, rule, bankroll=D(1_000)))
        assert _counts(batched_conn) == (0, 0, 0)
        # A: 6 × 0.40 taken (fee 0.11), settles YES: +6; B: 10 × 0.35 made on the candle
        assert ledger.cash() == D("-2.40") - D("0.11") + D(6) - D("3.50")
    assert _counts(batched_conn) == (2, 2, 4)
    assert _rows(batched_conn) == _rows(conn)


def test_a_batch_that_raises_writes_nothing(conn):
    ledger = Ledger(conn, "replay", hold_rows=True)
    inside = "tables are read inside batched_writes"
    with pytest.raises(RuntimeError, match=inside), ledger.batched_writes():
        PaperVenue(ledger, FillRule(), bankroll=D(1_000)).place(_order(), QUOTE, T0)
        ledger.fills()
    assert _counts(conn) == (0, 0, 0)
