from decimal import Decimal

import pytest

from edge_dagster.core.prices import (
    LINEAR_CENT,
    TAPERED_DECI_CENT,
    snap_to_tick,
    v2_order,
    yes_equivalent,
)

D = Decimal


def test_buy_yes_is_a_bid_at_p():
    assert v2_order("yes", "buy", D("0.21")) == ("bid", D("0.21"))


def test_sell_yes_is_an_ask_at_p():
    assert v2_order("yes", "sell", D("0.21")) == ("ask", D("0.21"))


def test_buy_no_is_an_ask_at_one_minus_q():
    assert v2_order("no", "buy", D("0.30")) == ("ask", D("0.70"))


def test_sell_no_is_a_bid_at_one_minus_q():
    assert v2_order("no", "sell", D("0.30")) == ("bid", D("0.70"))


def test_yes_equivalent_is_its_own_inverse():
    assert yes_equivalent("no", yes_equivalent("no", D("0.37"))) == D("0.37")


def test_bid_snaps_down_on_linear_cent():
    assert snap_to_tick(D("0.4567"), LINEAR_CENT, "bid") == D("0.45")


def test_ask_snaps_up_on_linear_cent():
    assert snap_to_tick(D("0.4512"), LINEAR_CENT, "ask") == D("0.46")


def test_price_on_the_grid_is_unchanged():
    assert snap_to_tick(D("0.45"), LINEAR_CENT, "ask") == D("0.45")


def test_tapered_uses_deci_cent_below_ten_cents():
    assert snap_to_tick(D("0.0456"), TAPERED_DECI_CENT, "bid") == D("0.045")


def test_tapered_uses_cents_in_the_middle():
    assert snap_to_tick(D("0.4567"), TAPERED_DECI_CENT, "ask") == D("0.46")


def test_tapered_uses_deci_cent_above_ninety_cents():
    assert snap_to_tick(D("0.9456"), TAPERED_DECI_CENT, "ask") == D("0.946")


def test_bid_below_the_lowest_tick_is_clamped_up():
    assert snap_to_tick(D("0.004"), LINEAR_CENT, "bid") == D("0.01")


def test_ask_above_the_highest_tick_is_clamped_down():
    assert snap_to_tick(D("0.9996"), TAPERED_DECI_CENT, "ask") == D("0.999")


@pytest.mark.parametrize("book_side", ["bid", "ask"])
def test_snapping_accepts_ranges_as_read_from_the_api(book_side):
    ranges = [(D("0.0000"), D("1.0000"), D("0.0100"))]
    assert snap_to_tick(D("0.50"), ranges, book_side) == D("0.50")
