from decimal import Decimal

from edge_dagster.core.fair_values import PricedContract
from edge_dagster.core.sizing import (
    Candidate,
    event_outcomes,
    kelly_contracts,
    kelly_fraction,
    size_event,
)

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


def test_kelly_contracts_round_down_never_to_the_nearest_contract():
    # f* = 0.2; stake 0.2 × 1004 = 200.80 buys 401.6 contracts at 0.50: 401, not 402
    contracts = kelly_contracts(
        D("0.6"), D("0.50"), balance=D(1004), kelly_multiplier=D(1), fee_per_contract=D(0)
    )
    assert contracts == 401


def test_fee_that_eats_the_edge_sizes_to_zero():
    contracts = kelly_contracts(
        D("0.51"),
        D("0.50"),
        balance=D(1000),
        kelly_multiplier=D(1),
        fee_per_contract=D("0.0175"),
    )
    assert contracts == 0


LADDER = event_outcomes(
    [
        PricedContract("A2.45", "greater", 2_450_000, None, 0.60),
        PricedContract("A2.50", "greater", 2_500_000, None, 0.40),
        PricedContract("A2.40", "greater", 2_400_000, None, 0.80),
    ]
)


def test_a_greater_ladder_is_one_quantity_in_intervals_between_its_strikes():
    # ≤ 2.40 M, (2.40, 2.45], (2.45, 2.50], > 2.50 M: the differences of the fair values
    assert [round(p, 9) for p in LADDER.probabilities] == [0.2, 0.2, 0.2, 0.4]
    assert LADDER.pays("A2.45", "yes") == (False, False, True, True)
    assert LADDER.pays("A2.45", "no") == (True, True, False, False)


def test_temperature_bins_are_their_own_intervals():
    bins = event_outcomes(
        [
            PricedContract("T81", "less", None, 81, 0.1),  # ≤ 80
            PricedContract("B81.5", "between", 81, 82, 0.3),
            PricedContract("B83.5", "between", 83, 84, 0.4),
            PricedContract("T84", "greater", 84, None, 0.2),  # ≥ 85
        ]
    )
    # the piece between 82 and 83 holds no whole degree: probability 0
    assert [round(p, 9) for p in bins.probabilities] == [0.1, 0.3, 0.0, 0.4, 0.2]
    assert bins.pays("B83.5", "yes") == (False, False, False, True, False)


def test_fair_values_outside_zero_and_one_count_as_certain_or_impossible():
    ladder = event_outcomes(
        [
            PricedContract("A2.40", "greater", 2_400_000, None, 1.2),  # read as 1.0
            PricedContract("A2.45", "greater", 2_450_000, None, 0.5),
        ]
    )
    assert [round(p, 9) for p in ladder.probabilities] == [0.0, 0.5, 0.5]


def test_interval_probabilities_sum_to_one_when_the_fair_values_overstate():
    bins = event_outcomes(
        [
            PricedContract("B81.5", "between", 81, 82, 0.6),
            PricedContract("B83.5", "between", 83, 84, 0.6),
        ]
    )
    assert [round(p, 9) for p in bins.probabilities] == [0.0, 0.5, 0.0, 0.5, 0.0]


def test_one_contract_alone_gets_exactly_its_fractional_kelly_stake():
    # the worked example above: p 0.6, all-in cost 0.5175, half Kelly on $1,000
    alone = Candidate((False, True), D("0.5175"), 1_000)
    assert size_event([0.4, 0.6], [alone], bankroll=D(1000), kelly_multiplier=D("0.5")) == [165]


def test_two_strikes_of_one_ladder_share_one_stake_instead_of_taking_one_each():
    yes_245 = Candidate(LADDER.pays("A2.45", "yes"), D("0.45"), 1_000)
    yes_250 = Candidate(LADDER.pays("A2.50", "yes"), D("0.28"), 1_000)
    quarter = {"bankroll": D(1000), "kelly_multiplier": D("0.25")}
    # alone each would take its own quarter-Kelly stake: 151 and 148 contracts
    assert size_event(LADDER.probabilities, [yes_245], **quarter) == [151]
    assert size_event(LADDER.probabilities, [yes_250], **quarter) == [148]
    # both win above 2.50 M: sized as one bet, $50.40 + $17.64 at risk instead of $109.39
    assert size_event(LADDER.probabilities, [yes_245, yes_250], **quarter) == [112, 63]


def test_a_contract_priced_above_its_chance_is_not_bought():
    no_240 = Candidate(LADDER.pays("A2.40", "no"), D("0.30"), 1_000)  # wins 20 %, costs 30 %
    assert size_event(LADDER.probabilities, [no_240], bankroll=D(1000),
                      kelly_multiplier=D("0.25")) == [0]  # fmt: skip


def test_the_per_order_cap_bounds_each_candidate():
    capped = Candidate((False, True), D("0.5175"), 40)
    assert size_event([0.4, 0.6], [capped], bankroll=D(1000), kelly_multiplier=D("0.5")) == [40]


def test_an_impossible_outcome_does_not_limit_a_sure_win():
    # losing everything where the chance is 0 is no risk: the cap binds, not the halving
    sure = Candidate((False, True), D("0.50"), 1_000)
    assert size_event([0.0, 1.0], [sure], bankroll=D(100), kelly_multiplier=D(1)) == [1_000]


def test_counts_are_halved_when_flooring_leaves_an_outcome_with_no_money():
    # an arbitrage pair on a $0.65 bankroll: the optimum 40 and 37.x floors to 40 and 37, which
    # leaves 0.65 − 40 × 0.44 + 37 × 0.45 = −$0.30 if the first outcome happens; halved twice
    yes = Candidate((False, True), D("0.44"), 40)
    no = Candidate((True, False), D("0.55"), 38)
    assert size_event([0.06, 0.94], [yes, no], bankroll=D("0.65"), kelly_multiplier=D(1)) == [10, 9]
