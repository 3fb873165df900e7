"""The ledger's read rules on hand-made order, fill and cash rows of one environment."""

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from edge_dagster.core.book import Book, CashRow, FillRow
from edge_dagster.core.exposure import Position
from edge_dagster.core.orders import Order

D = Decimal
DAY = date(2026, 4, 14)
MIDNIGHT = datetime(2026, 4, 14, tzinfo=UTC)
"""00:00 UTC of ``DAY``: where its day P&L starts."""
MARKS = {"A": (D("0.45"), D("0.47")), "B": (D("0.30"), D("0.32"))}


def _at(hours: float) -> datetime:
    return MIDNIGHT + timedelta(hours=hours)


def _order(hours: float = 10, *, count: int = 10, **changes: object) -> Order:
    """s1's resting buy of 10 YES of A (event EA) at 0.40, submitted ``hours`` after midnight."""
    placed = Order("s1", "2026-04-13", _at(hours), "EA", "A", "yes", "buy", D("0.40"), count,
                   environment="paper", status="resting", submitted_at=_at(hours))  # fmt: skip
    return replace(placed, **changes)


def _fill(order: Order, count: int, hours: float, *, price: str = "0.40", taker: bool = False,
          action: str | None = None) -> FillRow:  # fmt: skip
    return FillRow(f"{order.client_order_id}:{hours}:{count}", order.client_order_id,
                   order.strategy, order.partition_key, order.ticker, order.side,
                   action or order.action, count, D(price), D(0), taker, _at(hours))  # fmt: skip


def _cash(amount: str, hours: float, *, kind: str = "trade", strategy: str = "s1",
          ticker: str = "A", partition_key: str = "2026-04-13") -> CashRow:  # fmt: skip
    entry_id = f"{kind}:{strategy}:{partition_key}:{ticker}:{hours}:{amount}"
    return CashRow(entry_id, strategy, partition_key, ticker, kind, _at(hours), D(amount))


def _book(
    *orders: Order | tuple[Order, datetime],
    fills: Iterable[FillRow] = (),
    cash: Iterable[CashRow] = (),
) -> Book:
    """A book of ``orders`` (an order alone never closed; with a time, closed then)."""
    pairs = [o if isinstance(o, tuple) else (o, None) for o in orders]
    return Book(
        orders={o.client_order_id: (o, closed) for o, closed in pairs},
        fills={f.fill_id: f for f in fills},
        cash={c.entry_id: c for c in cash},
    )


def _ids(orders: list[Order]) -> list[str]:
    return [o.client_order_id for o in orders]


# --- resting orders -----------------------------------------------------------------------


def test_resting_orders_of_one_strategy_leave_out_the_others():
    mine, theirs = _order(), _order(strategy="s2")
    assert _ids(_book(mine, theirs).resting_orders(strategy="s1")) == [mine.client_order_id]


def test_resting_orders_of_some_events_leave_out_the_others():
    mine, other = _order(), _order(event_ticker="EB", ticker="B")
    assert _ids(_book(mine, other).resting_orders(event_tickers=["EA"])) == [mine.client_order_id]


def test_resting_orders_of_some_markets_leave_out_the_others():
    mine, other = _order(), _order(ticker="A2")
    assert _ids(_book(mine, other).resting_orders(tickers=["A"])) == [mine.client_order_id]


def test_a_pending_order_rests_now_it_may_be_live():
    pending = _order(status="pending")
    assert _ids(_book(pending).resting_orders()) == [pending.client_order_id]


def test_an_order_that_was_never_sent_never_rested():
    unsent = _order(status="unsent")
    assert _book(unsent).resting_orders(at=_at(12)) == []


def test_a_resting_order_at_a_time_carries_the_fills_booked_by_then():
    """Read at 12:00, an order filled 4 at 11:00 and 6 at 14:00 rests with 4 filled."""
    done = _order(status="executed", filled_count=10)
    fills = [_fill(done, 4, 11), _fill(done, 6, 14)]
    (then,) = _book((done, _at(14)), fills=fills).resting_orders(at=_at(12))
    assert (then.client_order_id, then.filled_count) == (done.client_order_id, 4)


def test_a_fill_at_exactly_the_time_is_booked_by_then():
    done = _order(status="executed", filled_count=10)
    fills = [_fill(done, 4, 11), _fill(done, 6, 14)]
    (then,) = _book((done, _at(14)), fills=fills).resting_orders(at=_at(11))
    assert then.filled_count == 4


def test_an_order_filled_in_full_by_the_time_no_longer_rests_though_closed_later():
    """The close may be recorded after the last fill (a later sync): the fills decide."""
    done = _order(status="executed", filled_count=10)
    book = _book((done, _at(15)), fills=[_fill(done, 10, 11)])
    assert book.resting_orders(at=_at(12)) == []


def test_resting_orders_come_oldest_submission_first():
    late, early = _order(11), _order(10, ticker="A2")
    assert _ids(_book(late, early).resting_orders()) == _ids([early, late])


def test_the_first_close_time_of_an_order_stands():
    """Closed at 12:00 and again at 15:00 (say, canceled then settled): gone from 12:00."""
    order = _order()
    book = _book(order)
    book.update_order(replace(order, status="canceled"), _at(12))
    book.update_order(replace(order, status="canceled"), _at(15))
    assert book.resting_orders(at=_at(13)) == []


# --- orders, fills, settlements -----------------------------------------------------------


def test_orders_where_without_statuses_gives_every_status_oldest_submission_first():
    canceled, resting = _order(11, status="canceled"), _order(10, ticker="A2")
    assert _ids(_book(canceled, resting).orders_where()) == _ids([resting, canceled])


def test_orders_where_of_one_strategy_leaves_out_the_others():
    mine, theirs = _order(), _order(strategy="s2")
    assert _ids(_book(mine, theirs).orders_where(strategy="s1")) == [mine.client_order_id]


def test_fill_count_without_a_role_counts_both_roles():
    order = _order()
    book = _book(order, fills=[_fill(order, 3, 11), _fill(order, 2, 12, taker=True)])
    assert book.fill_count(order.client_order_id) == (2, 5)


def test_fill_count_in_one_role_counts_only_that_roles_contracts():
    order = _order()
    book = _book(order, fills=[_fill(order, 3, 11), _fill(order, 2, 12, taker=True)])
    assert book.fill_count(order.client_order_id, taker=False) == (1, 3)


def test_a_market_is_settled_from_its_first_settlement_row_in_time_not_in_the_book():
    cash = [
        _cash("10", 15, kind="settlement", strategy="s2"),
        _cash("0", 14, kind="settlement"),
        _cash("5", 16, kind="settlement", strategy="s3"),
    ]
    assert _book(cash=cash).settled_at() == {"A": _at(14)}


def test_settlement_nets_are_buys_less_sells():
    order = _order()
    fills = [_fill(order, 10, 11), _fill(order, 4, 12, action="sell", price="0.50")]
    assert _book(order, fills=fills).settlement_nets(["A"]) == [("A", "s1", "2026-04-13", "yes", 6)]


def test_settlement_nets_leave_out_a_position_sold_in_full():
    order = _order()
    fills = [_fill(order, 10, 11), _fill(order, 10, 12, action="sell", price="0.50")]
    assert _book(order, fills=fills).settlement_nets(["A"]) == []


def test_cash_strategies_include_a_strategy_whose_only_rows_are_fees():
    cash = [_cash("-4.00", 10), _cash("-0.17", 10, kind="fee", strategy="s2")]
    assert _book(cash=cash).cash_strategies() == ["s1", "s2"]


# --- positions and cash of one partition --------------------------------------------------


def test_positions_of_one_partition_leave_out_the_others():
    week1, week2 = _order(), _order(partition_key="2026-04-20", ticker="A2")
    book = _book(week1, week2, fills=[_fill(week1, 10, 11), _fill(week2, 5, 11)])
    assert book.positions(partition_key="2026-04-13") == [
        Position("s1", "A", "yes", 10, "EA", D("4.00"))
    ]


def test_cash_of_one_partition_leaves_out_the_others():
    cash = [_cash("-4.00", 10), _cash("-2.00", 10, partition_key="2026-04-20")]
    assert _book(cash=cash).cash_sum(partition_key="2026-04-13") == D("-4.00")


# --- the day's P&L ------------------------------------------------------------------------


def test_a_fill_at_midnight_is_the_days_trade():
    """Bought at 00:00 and marked at the 0.45 bid: nothing realised, 4.50 marked on 4.00."""
    order = _order(0)
    book = _book(order, fills=[_fill(order, 10, 0)], cash=[_cash("-4.00", 0)])
    assert book.day_pnl("s1", DAY, MARKS) == (D("0.00"), D("4.50"), D("4.00"))


def test_the_day_is_the_utc_day_not_new_yorks():
    """A fee paid at 02:00 UTC (22:00 the evening before in New York) is the day's loss."""
    order = _order(2)
    cash = [_cash("-4.00", 2), _cash("-0.17", 2, kind="fee")]
    book = _book(order, fills=[_fill(order, 10, 2)], cash=cash)
    assert book.day_pnl("s1", DAY, MARKS) == (D("-0.17"), D("4.50"), D("4.00"))


def test_a_market_settled_at_midnight_was_held_at_the_days_start():
    """Bought for 4.00 the day before, paid 10 at 00:00: the day realises 6."""
    order = _order(-4)
    cash = [_cash("-4.00", -4), _cash("10", 0, kind="settlement")]
    book = _book(order, fills=[_fill(order, 10, -4)], cash=cash)
    assert book.day_pnl("s1", DAY, MARKS) == (D("6.00"), D(0), D(0))


def test_a_market_settled_the_day_before_is_not_carried_into_the_day():
    order = _order(-4)
    cash = [_cash("-4.00", -4), _cash("10", -1, kind="settlement")]
    book = _book(order, fills=[_fill(order, 10, -4)], cash=cash)
    assert book.day_pnl("s1", DAY, MARKS) == (D(0), D(0), D(0))


def test_a_position_closed_before_the_day_carries_no_start_value():
    """Bought at 0.40 and sold at 0.50 the day before: the day itself realised nothing."""
    order = _order(-6)
    fills = [_fill(order, 10, -6), _fill(order, 10, -5, action="sell", price="0.50")]
    cash = [_cash("-4.00", -6), _cash("5.00", -5)]
    assert _book(order, fills=fills, cash=cash).day_pnl("s1", DAY, {}) == (D(0), D(0), D(0))


def test_the_day_pnl_at_a_time_leaves_out_the_days_later_cash():
    """At 12:00 the 15:00 sale has not happened: the 10 bought at 10:00 are still open."""
    order = _order()
    fills = [_fill(order, 10, 10), _fill(order, 10, 15, action="sell", price="0.50")]
    cash = [_cash("-4.00", 10), _cash("5.00", 15)]
    book = _book(order, fills=fills, cash=cash)
    assert book.day_pnl("s1", DAY, MARKS, at=_at(12)) == (D("0.00"), D("4.50"), D("4.00"))


def test_a_no_position_carried_into_the_day_starts_at_one_minus_the_yes_ask():
    """10 NO bought at 0.55 the day before; YES ask 0.42 at 00:00: it starts the day at 5.80."""
    order = _order(-4, side="no", limit_price=D("0.55"))
    book = _book(order, fills=[_fill(order, 10, -4, price="0.55")], cash=[_cash("-5.50", -4)])
    start = {"A": (D("0.38"), D("0.42"))}
    marks = {"A": (D("0.40"), D("0.44"))}
    assert book.day_pnl("s1", DAY, marks, start) == (D("0.00"), D("5.60"), D("5.80"))


def test_a_position_partly_sold_before_the_day_starts_it_with_what_is_left():
    """Bought 10, sold 4 the day before: the 6 left start the day at the 0.42 bid, 2.52."""
    order = _order(-6)
    fills = [_fill(order, 10, -6), _fill(order, 4, -5, action="sell", price="0.50")]
    cash = [_cash("-4.00", -6), _cash("2.00", -5)]
    start = {"A": (D("0.42"), D("0.44"))}
    book = _book(order, fills=fills, cash=cash)
    assert book.day_pnl("s1", DAY, MARKS, start) == (D("0.00"), D("2.70"), D("2.52"))


def test_a_position_without_a_start_mark_starts_the_day_at_its_fill_cost():
    """Only B has a 00:00 mark: A, bought at 0.40 the day before, starts at its cost 4.00."""
    order = _order(-4)
    book = _book(order, fills=[_fill(order, 10, -4)], cash=[_cash("-4.00", -4)])
    start = {"B": (D("0.30"), D("0.32"))}
    assert book.day_pnl("s1", DAY, MARKS, start) == (D("0.00"), D("4.50"), D("4.00"))


def test_another_strategys_trades_in_the_same_market_are_not_in_the_days_pnl():
    mine, theirs = _order(), _order(11, strategy="s2", count=5)
    fills = [_fill(mine, 10, 10), _fill(theirs, 5, 11)]
    cash = [_cash("-4.00", 10), _cash("-2.00", 11, strategy="s2")]
    book = _book(mine, theirs, fills=fills, cash=cash)
    assert book.day_pnl("s1", DAY, MARKS) == (D("0.00"), D("4.50"), D("4.00"))


def test_the_day_pnl_of_given_positions_counts_only_the_strategys_own():
    order = _order()
    book = _book(order, fills=[_fill(order, 10, 10)], cash=[_cash("-4.00", 10)])
    held = [Position("s1", "A", "yes", 10, "EA", D("4.00")),
            Position("s2", "B", "yes", 5, "EB", D("1.50"))]  # fmt: skip
    assert book.day_pnl("s1", DAY, MARKS, positions=held) == (D("0.00"), D("4.50"), D("4.00"))


# --- writes -------------------------------------------------------------------------------


def test_adding_an_order_already_in_the_book_keeps_the_stored_one():
    done = _order(status="executed", filled_count=10)
    book = _book(done)
    book.add_order(_order())
    assert [o.status for o in book.orders_where()] == ["executed"]


def test_a_fill_added_twice_is_booked_once():
    order = _order()
    book = _book(order)
    book.add_fill(_fill(order, 3, 11))
    book.add_fill(_fill(order, 3, 11))
    assert book.fill_count(order.client_order_id) == (1, 3)


def test_the_first_cash_row_of_an_id_stands():
    book = _book(cash=[_cash("-4.00", 10)])
    book.add_cash(replace(_cash("-4.00", 10), amount=D("-9.00")))
    assert book.cash_sum() == D("-4.00")


def test_dropped_rows_leave_no_fills_behind():
    order = _order()
    book = _book(order, fills=[_fill(order, 3, 11)])
    book.drop(lambda strategy, partition_key: strategy == "s1")
    assert book.fill_count(order.client_order_id) == (0, 0)
