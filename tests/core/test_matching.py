"""Fill-model tests on hand-made quotes and candles."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from edge_dagster.core.matching import (
    Candle,
    Fill,
    Order,
    Quote,
    QuoteMatch,
    match_against_quote,
    match_resting,
    settlement_payout,
)

D = Decimal
DECISION = datetime(2026, 4, 14, 13, 15, tzinfo=UTC)
QUOTE = Quote(yes_bid=D("0.40"), yes_bid_size=30, yes_ask=D("0.45"), yes_ask_size=25)
MAKER_FEES = "quadratic_with_maker_fees"


def _candle(hours: int, bid_high: str = "0.40", ask_low: str = "0.45") -> Candle:
    return Candle(DECISION + timedelta(hours=hours), D(bid_high), D(ask_low))


def _resting(order: Order, candles: list[Candle], cap: int = 1_000) -> tuple[Fill, ...]:
    return match_resting(order, candles, max_contracts_per_candle=cap, fee_type=MAKER_FEES)


def test_crossing_buy_yes_takes_displayed_size_at_the_ask_and_rests_the_rest():
    order = Order("yes", "buy", D("0.50"), 100, DECISION)
    match = match_against_quote(order, QUOTE, fee_type="quadratic")
    # taker fee: ceil(0.07 × 25 × 0.45 × 0.55) = ceil(0.433125) = 0.44
    assert match == QuoteMatch((Fill(25, D("0.45"), D("0.44"), False, DECISION),), 75, True)


def test_crossing_buy_no_takes_the_yes_bid_and_reports_the_no_price():
    order = Order("no", "buy", D("0.65"), 10, DECISION)  # YES ask at 0.35 ≤ bid 0.40
    match = match_against_quote(order, QUOTE, fee_type="quadratic")
    # ceil(0.07 × 10 × 0.60 × 0.40) = ceil(0.168) = 0.17
    assert match == QuoteMatch((Fill(10, D("0.60"), D("0.17"), False, DECISION),), 0, True)


def test_crossing_sell_yes_takes_the_yes_bid():
    order = Order("yes", "sell", D("0.38"), 10, DECISION)
    match = match_against_quote(order, QUOTE, fee_type="quadratic")
    assert match.fills[0].price == D("0.40")


def test_order_that_does_not_cross_rests_whole():
    order = Order("yes", "buy", D("0.44"), 100, DECISION)
    assert match_against_quote(order, QUOTE, fee_type="quadratic") == QuoteMatch((), 100, False)


def test_empty_book_side_gives_no_fill():
    order = Order("yes", "buy", D("0.50"), 100, DECISION)
    empty = Quote(yes_bid=D("0.40"), yes_bid_size=30, yes_ask=D("0.45"), yes_ask_size=0)
    assert match_against_quote(order, empty, fee_type="quadratic") == QuoteMatch((), 100, False)


def test_crossing_a_quote_of_unrecorded_size_takes_nothing_now_but_takes_liquidity():
    order = Order("yes", "buy", D("0.50"), 100, DECISION)
    unsized = Quote(yes_bid=D("0.40"), yes_bid_size=None, yes_ask=D("0.45"), yes_ask_size=None)
    assert match_against_quote(order, unsized, fee_type="quadratic") == QuoteMatch((), 100, True)


def test_a_resting_order_that_took_liquidity_pays_the_taker_fee_on_later_fills():
    order = Order("yes", "buy", D("0.45"), 10, DECISION)
    fills = match_resting(
        order, [_candle(12)], max_contracts_per_candle=1_000, fee_type="quadratic", taker=True
    )
    # ceil(0.07 × 10 × 0.45 × 0.55) = ceil(0.17325) = 0.18
    assert fills == (Fill(10, D("0.45"), D("0.18"), False, DECISION + timedelta(hours=12)),)


def test_no_fill_from_a_candle_that_ended_before_the_decision():
    order = Order("yes", "buy", D("0.42"), 10, DECISION)
    assert _resting(order, [_candle(-1, ask_low="0.30")]) == ()


def test_no_fill_from_a_candle_ending_exactly_at_the_decision():
    order = Order("yes", "buy", D("0.42"), 10, DECISION)
    assert _resting(order, [_candle(0, ask_low="0.30")]) == ()


def test_resting_buy_yes_fills_at_its_limit_when_the_ask_low_reaches_it():
    order = Order("yes", "buy", D("0.42"), 10, DECISION)
    # maker fee ceil(0.0175 × 10 × 0.42 × 0.58) = ceil(0.04263) = 0.05
    fill = Fill(10, D("0.42"), D("0.05"), True, DECISION + timedelta(hours=1))
    assert _resting(order, [_candle(1, ask_low="0.42")]) == (fill,)


def test_resting_buy_yes_waits_while_the_ask_stays_above_it():
    order = Order("yes", "buy", D("0.42"), 10, DECISION)
    assert _resting(order, [_candle(1, ask_low="0.43")]) == ()


def test_resting_buy_no_fills_when_the_yes_bid_high_reaches_one_minus_q():
    order = Order("no", "buy", D("0.55"), 10, DECISION)  # YES ask at 0.45
    [fill] = _resting(order, [_candle(1, bid_high="0.45")])
    assert (fill.count, fill.price) == (10, D("0.55"))


def test_resting_sell_yes_fills_when_the_yes_bid_high_reaches_it():
    order = Order("yes", "sell", D("0.45"), 10, DECISION)
    assert [f.count for f in _resting(order, [_candle(1, bid_high="0.45")])] == [10]


def test_resting_sell_no_fills_when_the_yes_ask_low_reaches_one_minus_q():
    order = Order("no", "sell", D("0.60"), 10, DECISION)  # YES bid at 0.40
    assert [f.count for f in _resting(order, [_candle(1, ask_low="0.40")])] == [10]


def test_partial_fills_respect_the_per_candle_cap_and_accumulate_the_order_fee():
    order = Order("yes", "buy", D("0.50"), 100, DECISION)
    candles = [_candle(3, ask_low="0.50"), _candle(1, ask_low="0.50"), _candle(2, ask_low="0.50")]
    fills = _resting(order, candles, cap=40)
    # cumulative maker fee: 40 → 0.18, 80 → 0.35, 100 → 0.44 (= one fill of 100)
    assert [(f.count, f.fee, f.time - DECISION) for f in fills] == [
        (40, D("0.18"), timedelta(hours=1)),
        (40, D("0.17"), timedelta(hours=2)),
        (20, D("0.09"), timedelta(hours=3)),
    ]


def test_resting_order_stops_once_filled():
    order = Order("yes", "buy", D("0.50"), 30, DECISION)
    fills = _resting(order, [_candle(1, ask_low="0.50"), _candle(2, ask_low="0.50")], cap=40)
    assert [f.count for f in fills] == [30]


def test_winning_contracts_pay_one_dollar_each():
    assert settlement_payout("no", 7, "no") == D(7)


def test_losing_contracts_pay_nothing():
    assert settlement_payout("yes", 7, "no") == D(0)


def test_settlement_refuses_a_non_binary_result():
    with pytest.raises(ValueError, match="'scalar'"):
        settlement_payout("yes", 7, "scalar")


def test_conservative_fills_skip_the_candle_in_progress_at_the_decision():
    order = Order("yes", "buy", D("0.42"), 10, DECISION)
    candles = [_candle(12, ask_low="0.30"), _candle(36, ask_low="0.41")]
    fills = match_resting(
        order, candles, max_contracts_per_candle=1_000, fee_type="quadratic",
        candle_length=timedelta(days=1),
    )  # fmt: skip
    # the candle ending 12 h after the decision began 12 h before it: only the next one counts
    assert fills == (Fill(10, D("0.42"), D("0"), True, DECISION + timedelta(hours=36)),)
