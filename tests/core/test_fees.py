import math
from decimal import Decimal

import pytest

from edge_dagster.core.fees import fee_per_contract, incremental_fee, kalshi_fee

D = Decimal


def test_one_contract_at_50_cents_rounds_up_to_2_cents():
    assert kalshi_fee(1, D("0.50"), maker=False, fee_type="quadratic") == D("0.02")


def test_hundred_contracts_at_50_cents_cost_175():
    assert kalshi_fee(100, D("0.50"), maker=False, fee_type="quadratic") == D("1.75")


def test_ten_contracts_at_30_cents_cost_15_cents():
    assert kalshi_fee(10, D("0.30"), maker=False, fee_type="quadratic") == D("0.15")


def test_maker_on_maker_fee_series_pays_quarter_rate():
    fee = kalshi_fee(100, D("0.50"), maker=True, fee_type="quadratic_with_maker_fees")
    assert fee == D("0.44")


def test_maker_on_combo_maker_fee_series_pays_half_rate():
    fee = kalshi_fee(100, D("0.50"), maker=True, fee_type="quadratic_with_combo_maker_fees")
    assert fee == D("0.88")


def test_maker_on_plain_quadratic_pays_nothing():
    assert kalshi_fee(100, D("0.50"), maker=True, fee_type="quadratic") == D("0.00")


def test_fee_multiplier_scales_before_rounding():
    fee = kalshi_fee(100, D("0.50"), maker=False, fee_type="quadratic", fee_multiplier=D("0.5"))
    assert fee == D("0.88")


def test_floats_overcharge_where_decimal_is_exact():
    assert math.ceil(0.07 * 100 * 0.5 * (1 - 0.5) * 100) / 100 == 1.76
    assert kalshi_fee(100, D("0.5"), maker=False, fee_type="quadratic") == D("1.75")


def test_unknown_fee_type_is_named_in_the_error():
    with pytest.raises(ValueError, match="'flat'"):
        kalshi_fee(1, D("0.50"), maker=False, fee_type="flat")


def test_partial_fills_sum_to_the_fee_of_one_fill():
    partials = [
        incremental_fee(prev, 1, D("0.50"), maker=False, fee_type="quadratic")
        for prev in range(100)
    ]
    assert sum(partials) == D("1.75")


def test_incremental_fee_charges_only_the_new_round_up():
    fee = incremental_fee(1, 1, D("0.50"), maker=False, fee_type="quadratic")
    assert fee == D("0.02")  # ceil(0.035) − ceil(0.0175) = 0.04 − 0.02


def test_fee_per_contract_is_unrounded():
    rate = fee_per_contract(D("0.50"), maker=False, fee_type="quadratic")
    assert rate == D("0.0175")
