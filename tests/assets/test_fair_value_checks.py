"""The blocking fair-value checks fail on an incoherent TSA ladder and name the market."""

from datetime import datetime

import pytest

from edge_dagster.assets.tsa_strategy import (
    tsa_fair_values_are_probabilities,
    tsa_fair_values_monotone_in_strike,
)
from edge_dagster.core.clock import EASTERN

DECISION = datetime(2026, 4, 15, 9, 15, tzinfo=EASTERN)


def store_ladder(warehouse, fair: dict[int, float]) -> None:
    with warehouse.transaction(["tsa_fair_values"]) as conn:
        for strike, p in fair.items():
            conn.execute(
                "INSERT INTO tsa_fair_values (week_monday, decision_time, event_ticker, ticker, "
                "strike, synthetic_strike, model, model_fair_yes, fair_yes, pool_weight, fee_type, "
                "fee_multiplier) VALUES ('2026-04-13', ?, 'KXTSAW-26APR19', ?, ?, false, "
                "'holiday_aligned', ?, ?, 0, 'quadratic', 1)",
                [DECISION, f"KXTSAW-26APR19-A{strike / 1e6:.2f}", strike, p, p],
            )


@pytest.mark.parametrize(
    ("check", "ladder", "first"),
    [
        (tsa_fair_values_monotone_in_strike, {2_400_000: 0.6, 2_450_000: 0.7},
         "KXTSAW-26APR19-A2.45: 0.6 → 0.7"),
        (tsa_fair_values_are_probabilities, {2_400_000: 1.5}, "KXTSAW-26APR19-A2.40: 1.5"),
    ],
)  # fmt: skip
def test_an_incoherent_ladder_fails_its_check(warehouse, check, ladder, first):
    store_ladder(warehouse, ladder)
    result = check(warehouse=warehouse)
    assert (result.passed, result.metadata["first"].text) == (False, first)


def test_a_coherent_ladder_passes_both_checks(warehouse):
    store_ladder(warehouse, {2_400_000: 0.6, 2_450_000: 0.5, 2_500_000: 0.5})
    assert tsa_fair_values_monotone_in_strike(warehouse=warehouse).passed
    assert tsa_fair_values_are_probabilities(warehouse=warehouse).passed
