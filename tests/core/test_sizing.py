from decimal import Decimal

from edge_dagster.core.sizing import kelly_contracts, kelly_contracts_for_side, kelly_fraction

D = Decimal


def test_kelly_fraction_p60_at_50_cents():
    assert kelly_fraction(D("0.6"), D("0.5")) == D("0.2")


def test_kelly_fraction_p30_at_20_cents():
    assert kelly_fraction(D("0.3"), D("0.2")) == D("0.125")


def test_kelly_fraction_is_zero_without_edge():
    assert kelly_fraction(D("0.4"), D("0.4")) == 0


def test_kelly_contracts_worked_example():
    # c = 0.50 + 0.0175 = 0.5175; f* = 0.0825 / 0.4825; stake = 0.5 × f* × 1000 = 85.49…
    # contracts = floor(85.49… / 0.5175) = 165
    contracts = kelly_contracts(
        D("0.6"),
        D("0.50"),
        balance=D(1000),
        kelly_multiplier=D("0.5"),
        fee_per_contract=D("0.0175"),
    )
    assert contracts == 165


def test_fee_that_eats_the_edge_sizes_to_zero():
    contracts = kelly_contracts(
        D("0.51"),
        D("0.50"),
        balance=D(1000),
        kelly_multiplier=D(1),
        fee_per_contract=D("0.0175"),
    )
    assert contracts == 0


def test_no_side_uses_one_minus_p_and_one_minus_yes_bid():
    # NO wins with 0.6 and costs 1 − 0.50 = 0.50: the worked example above, mirrored.
    contracts = kelly_contracts_for_side(
        "no",
        D("0.4"),
        yes_bid=D("0.50"),
        yes_ask=D("0.52"),
        balance=D(1000),
        kelly_multiplier=D("0.5"),
        fee_type="quadratic",
    )
    assert contracts == 165


def test_yes_side_buys_at_the_yes_ask():
    # YES wins with 0.6 and costs the 0.50 ask: the worked example above.
    contracts = kelly_contracts_for_side(
        "yes",
        D("0.6"),
        yes_bid=D("0.48"),
        yes_ask=D("0.50"),
        balance=D(1000),
        kelly_multiplier=D("0.5"),
        fee_type="quadratic",
    )
    assert contracts == 165
