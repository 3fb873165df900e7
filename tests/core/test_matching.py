"""The one fill rule, on hand-made quotes, candles and trade bars."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from edge_dagster.core.matching import (
    Candle,
    Fill,
    FillRule,
    Placement,
    Quote,
    match_at_placement,
    match_resting,
    settlement_payout,
)
from edge_dagster.core.orders import Order

D = Decimal
PLACED = datetime(2026, 4, 14, 13, 15, tzinfo=UTC)
QUOTE = Quote(yes_bid=D("0.40"), yes_bid_size=30, yes_ask=D("0.45"), yes_ask_size=25)
MAKER_FEES = "quadratic_with_maker_fees"
RULE = FillRule(max_contracts_per_candle=1_000, candle_volume_share=None)


def order(side: str = "yes", action: str = "buy", limit: str = "0.42", count: int = 10,
          **changes: object) -> Order:  # fmt: skip
    placed = Order("s", "2026-04-13", PLACED, "E", "A", side, action, D(limit), count,
                   fee_type=MAKER_FEES, environment="replay", status="resting",
                   submitted_at=PLACED)  # fmt: skip
    return replace(placed, **changes)


def candle(start_hours: float, hours: float = 1, **prices: str | int) -> Candle:
    """A bar starting ``start_hours`` after the order was placed (negative: before it)."""
    start = PLACED + timedelta(hours=start_hours)
    values = {k: D(v) if isinstance(v, str) else v for k, v in prices.items()}
    return Candle(start, start + timedelta(hours=hours), **values)


def resting(o: Order, candles: list[Candle], rule: FillRule = RULE) -> tuple[Fill, ...]:
    return match_resting(o, candles, rule)


# --- at placement ------------------------------------------------------------------------


def test_crossing_buy_yes_takes_displayed_size_at_the_ask_and_rests_the_rest():
    placement = match_at_placement(order(limit="0.50", count=100), QUOTE, RULE, PLACED)
    # taker fee: ceil(0.07 × 25 × 0.45 × 0.55) = ceil(0.433125) = 0.44
    assert placement == Placement((Fill(25, D("0.45"), D("0.44"), False, PLACED),), False)


def test_crossing_buy_no_takes_the_yes_bid_and_reports_the_no_price():
    placement = match_at_placement(order("no", limit="0.65"), QUOTE, RULE, PLACED)
    # YES ask at 0.35 ≤ bid 0.40; ceil(0.07 × 10 × 0.60 × 0.40) = ceil(0.168) = 0.17
    assert placement.fills == (Fill(10, D("0.60"), D("0.17"), False, PLACED),)


def test_an_order_that_does_not_cross_takes_nothing():
    assert match_at_placement(order(limit="0.44"), QUOTE, RULE, PLACED) == Placement((), False)


def test_an_empty_book_side_gives_no_fill():
    empty = replace(QUOTE, yes_ask=None, yes_ask_size=None)
    assert match_at_placement(order(limit="0.50"), empty, RULE, PLACED) == Placement((), False)


def test_a_resting_order_crossing_a_quote_of_unrecorded_size_takes_nothing_but_liquidity():
    unsized = Quote(D("0.40"), None, D("0.45"), None)
    assert match_at_placement(order(limit="0.50"), unsized, RULE, PLACED) == Placement((), True)


# The Friday taker decision: the one-hour bar ending 15:00 UTC quotes 0.40 / 0.45 and traded 31
# contracts; its size is not recorded.
FRIDAY_BAR = Quote(D("0.40"), None, D("0.45"), None, volume=31)


def taker(side: str = "yes", limit: str = "0.45", count: int = 100) -> Order:
    return order(side, limit=limit, count=count, time_in_force="immediate_or_cancel",
                 fee_type="quadratic")  # fmt: skip


def test_the_friday_taker_buys_yes_at_the_bars_ask_up_to_the_configured_cap():
    placement = match_at_placement(taker(), FRIDAY_BAR, FillRule(max_contracts_at_quote=60), PLACED)
    # ceil(0.07 × 60 × 0.45 × 0.55 = 1.0395) = 1.04
    assert placement == Placement((Fill(60, D("0.45"), D("1.04"), False, PLACED),), False)


def test_the_friday_taker_buys_no_at_one_minus_the_bars_bid():
    placement = match_at_placement(taker("no", "0.60", 10), FRIDAY_BAR, FillRule(), PLACED)
    # ceil(0.07 × 10 × 0.60 × 0.40 = 0.168) = 0.17
    assert placement.fills == (Fill(10, D("0.60"), D("0.17"), False, PLACED),)


def test_the_volume_variant_caps_the_friday_taker_at_a_share_of_the_hours_volume():
    rule = FillRule(quote_volume_share=D("0.5"))
    placement = match_at_placement(taker(), FRIDAY_BAR, rule, PLACED)
    # floor(0.5 × 31) = 15; ceil(0.07 × 15 × 0.2475 = 0.259875) = 0.26
    assert placement.fills == (Fill(15, D("0.45"), D("0.26"), False, PLACED),)
    silent = replace(FRIDAY_BAR, volume=0)
    assert match_at_placement(taker(), silent, rule, PLACED) == Placement((), False)


def test_the_volume_variant_takes_nothing_from_a_bar_whose_volume_was_not_recorded():
    rule = FillRule(quote_volume_share=D("0.5"))
    unrecorded = replace(FRIDAY_BAR, volume=None)
    assert match_at_placement(taker(), unrecorded, rule, PLACED) == Placement((), False)


def test_a_taker_limit_below_the_bars_ask_takes_nothing():
    assert match_at_placement(taker(limit="0.44"), FRIDAY_BAR, FillRule(), PLACED).fills == ()


# --- after placement: only candles that began after the order, through the limit ----------


def test_no_fill_from_a_candle_that_began_before_the_order():
    # The daily candle in progress at the decision: its low may have printed before the order.
    in_progress = candle(-9, hours=24, yes_ask_low="0.19", trade_low="0.19", volume=500)
    assert resting(order(), [in_progress]) == ()


def test_the_first_candle_that_begins_after_the_order_may_fill_it():
    later = candle(0, yes_ask_low="0.41", volume=500)
    # maker fee ceil(0.0175 × 10 × 0.42 × 0.58) = ceil(0.04263) = 0.05
    assert resting(order(), [later]) == (Fill(10, D("0.42"), D("0.05"), True, later.end),)


def test_an_order_never_submitted_fills_on_no_candle():
    assert resting(order(submitted_at=None), [candle(1, trade_low="0.30", volume=50)]) == ()


def test_a_print_exactly_at_the_limit_fills_nothing():
    assert resting(order(), [candle(1, yes_ask_low="0.42", trade_low="0.42", volume=9)]) == ()


def test_a_trade_below_the_limit_fills_a_resting_bid():
    [fill] = resting(order(), [candle(1, yes_ask_low="0.45", trade_low="0.40", volume=50)])
    assert (fill.count, fill.price) == (10, D("0.42"))


def test_a_resting_buy_no_fills_when_the_bid_or_a_trade_goes_above_one_minus_its_limit():
    no = order("no", limit="0.55")  # rests as a YES ask at 0.45
    assert resting(no, [candle(1, yes_bid_high="0.45", trade_high="0.45", volume=9)]) == ()
    [fill] = resting(no, [candle(1, trade_high="0.46", volume=9)], FillRule())
    assert (fill.count, fill.price) == (9, D("0.55"))  # no more than the candle's volume


def test_a_resting_sell_yes_fills_when_the_market_trades_above_it():
    sell = order(action="sell", limit="0.45")
    assert [f.count for f in resting(sell, [candle(1, yes_bid_high="0.46", volume=50)])] == [10]


def test_a_candle_fills_no_more_than_the_cap_and_its_recorded_volume():
    rule = FillRule(max_contracts_per_candle=4, candle_volume_share=D(1))
    candles = [candle(1, trade_low="0.40", volume=3), candle(2, trade_low="0.40"),
               candle(3, trade_low="0.40", volume=0)]  # fmt: skip
    # 3 (the volume), then 4 (the cap, volume unrecorded), then nothing (nothing traded)
    assert [f.count for f in resting(order(count=100), candles, rule)] == [3, 4]


def test_nothing_fills_after_the_order_expired():
    expiring = order(expires_at=PLACED + timedelta(hours=2))
    late = candle(1, hours=2, trade_low="0.30", volume=50)  # ends an hour after the expiry
    assert resting(expiring, [late]) == ()
    assert len(resting(expiring, [candle(1, trade_low="0.30", volume=50)])) == 1


def test_partial_fills_accumulate_the_order_fee_like_kalshi():
    candles = [candle(h, trade_low="0.40", volume=1_000) for h in (3, 1, 2)]
    fills = resting(order(limit="0.50", count=100), candles, FillRule(max_contracts_per_candle=40))
    # cumulative maker fee: 40 → 0.18, 80 → 0.35, 100 → 0.44 (= one fill of 100)
    assert [(f.count, f.fee, f.time - PLACED) for f in fills] == [
        (40, D("0.18"), timedelta(hours=2)),
        (40, D("0.17"), timedelta(hours=3)),
        (20, D("0.09"), timedelta(hours=4)),
    ]


def test_a_partly_filled_order_fills_only_what_remains_and_its_fee_carries_on():
    """40 of 100 filled as maker before: 60 remain, and their fee is the order's maker fee
    on 100 less that on 40 (0.44 − 0.18 = 0.26), not a fresh round-up on 60 (0.27)."""
    part = order(limit="0.50", count=100, filled_count=40)
    bar = candle(1, trade_low="0.40", volume=1_000)
    assert match_resting(part, [bar], RULE, filled_in_role=40) == (
        Fill(60, D("0.50"), D("0.26"), True, bar.end),
    )


def test_contracts_filled_in_the_other_role_do_not_carry_the_fee_on():
    """40 of 100 taken at placement (taker): the 60 filled later as maker pay the maker fee
    on 60 alone, ceil(0.0175 × 60 × 0.50 × 0.50) = ceil(0.2625) = 0.27."""
    part = order(limit="0.50", count=100, filled_count=40)
    bar = candle(1, trade_low="0.40", volume=1_000)
    assert match_resting(part, [bar], RULE, filled_in_role=0) == (
        Fill(60, D("0.50"), D("0.27"), True, bar.end),
    )


# --- a taker order's later fills: the trade bars' taker prints ------------------------------


def test_an_order_that_took_liquidity_fills_on_a_yes_taker_print_at_or_below_its_limit():
    took = order(limit="0.45", count=50, takes_liquidity=True, fee_type="quadratic")
    bar = candle(1, trade_low="0.44", volume=40, yes_taker_volume=12,
                 yes_taker_min_price="0.45")  # fmt: skip
    rule = FillRule(candle_volume_share=D("0.5"))
    # at most half the 12 YES-taker contracts; taker fee ceil(0.07 × 6 × 0.45 × 0.55) = 0.11
    assert resting(took, [bar], rule) == (Fill(6, D("0.45"), D("0.11"), False, bar.end),)


def test_a_taker_no_order_uses_the_no_taker_prints_and_volume():
    took = order("no", limit="0.55", count=50, takes_liquidity=True)  # YES ask at 0.45
    bar = candle(1, volume=40, yes_taker_volume=12, no_taker_max_price="0.45")
    assert [f.count for f in resting(took, [bar], FillRule(candle_volume_share=D(1)))] == [28]
    assert resting(took, [replace(bar, no_taker_max_price=D("0.44"))]) == ()


def test_without_taker_prints_a_taker_order_fills_when_the_ask_reaches_its_limit():
    took = order(limit="0.45", takes_liquidity=True, fee_type="quadratic")
    [fill] = resting(took, [candle(12, hours=24, yes_ask_low="0.45", volume=100)])
    # ceil(0.07 × 10 × 0.45 × 0.55 = 0.17325) = 0.18
    assert (fill.count, fill.fee, fill.maker) == (10, D("0.18"), False)


# --- settlement ---------------------------------------------------------------------------


def test_winning_contracts_pay_one_dollar_each():
    assert settlement_payout("no", 7, "no") == D(7)


def test_losing_contracts_pay_nothing():
    assert settlement_payout("yes", 7, "no") == D(0)


def test_settlement_refuses_a_non_binary_result():
    with pytest.raises(ValueError, match="'scalar'"):
        settlement_payout("yes", 7, "scalar")
