"""Coherence rules for one event's fair values: range, monotone ladders, bins that sum to 1."""

from edge_dagster.core.fair_values import PricedContract, fair_value_problems

EVENT = "KXHIGHNY-26OCT02"


def weather_bins(*fair: float) -> list[PricedContract]:
    """KXHIGHNY-26OCT02's layout (reference §7): ≤80, 81–82, 83–84, 85–86, 87–88, ≥89."""
    strikes = [
        ("T81", "less", None, 81),
        ("B81.5", "between", 81, 82),
        ("B83.5", "between", 83, 84),
        ("B85.5", "between", 85, 86),
        ("B87.5", "between", 87, 88),
        ("T88", "greater", 88, None),
    ]
    return [
        PricedContract(f"{EVENT}-{suffix}", kind, floor, cap, p)
        for (suffix, kind, floor, cap), p in zip(strikes, fair, strict=True)
    ]


def kinds(contracts: list[PricedContract]) -> list[tuple[str, str]]:
    return [(p.kind, p.ticker.rsplit("-", 1)[1]) for p in fair_value_problems(contracts)]


def test_bins_covering_every_outcome_and_summing_to_one_pass():
    assert kinds(weather_bins(0.1, 0.2, 0.3, 0.2, 0.15, 0.05)) == []


def test_bins_summing_to_one_within_1e_9_pass():
    assert kinds(weather_bins(0.1, 0.2, 0.3, 0.2, 0.15, 0.05 + 9e-10)) == []


def test_bins_off_by_more_than_1e_9_fail():
    assert kinds(weather_bins(0.1, 0.2, 0.3, 0.2, 0.15, 0.05 + 2e-9)) == [("bins_sum", "T81")]


def test_a_missing_bin_is_a_gap():
    contracts = weather_bins(0.1, 0.2, 0.3, 0.2, 0.15, 0.05)
    del contracts[2]
    assert ("bins_gap", "B85.5") in kinds(contracts)


def test_a_missing_tail_is_a_gap():
    assert ("bins_gap", "B81.5") in kinds(weather_bins(0.1, 0.2, 0.3, 0.2, 0.15, 0.05)[1:])


def test_a_probability_outside_zero_one_is_out_of_range():
    ladder = [PricedContract("KXTSAW-26APR19-A2.45", "greater", 2_450_000, None, 1.2)]
    assert kinds(ladder) == [("out_of_range", "A2.45")]


def test_a_greater_ladder_rising_with_the_strike_is_not_monotone():
    ladder = [
        PricedContract("KXTSAW-26APR19-A2.40", "greater", 2_400_000, None, 0.60),
        PricedContract("KXTSAW-26APR19-A2.45", "greater", 2_450_000, None, 0.61),
        PricedContract("KXTSAW-26APR19-A2.50", "greater", 2_500_000, None, 0.30),
    ]
    assert kinds(ladder) == [("not_monotone", "A2.45")]


def test_a_less_ladder_falling_with_the_strike_is_not_monotone():
    ladder = [
        PricedContract("X-T80", "less", None, 80, 0.40),
        PricedContract("X-T85", "less", None, 85, 0.35),
    ]
    assert kinds(ladder) == [("not_monotone", "T85")]


def test_bins_sharing_an_outcome_overlap():
    contracts = weather_bins(0.1, 0.2, 0.3, 0.2, 0.15, 0.05)
    contracts[2] = PricedContract(f"{EVENT}-B82.5", "between", 82, 83, 0.3)
    assert ("bins_overlap", "B82.5") in kinds(contracts)
