"""The strategy's run config reaches the desired orders (the first step of ``tsa_orders``): k,
the edge threshold and the per-order cap chosen at launch change the intents written, with no
code change."""

from datetime import datetime
from decimal import Decimal

import pytest
from dagster import materialize

from edge_dagster.assets.trading import tsa_orders
from edge_dagster.core.clock import EASTERN
from edge_dagster.core.tsa_model import PRICING_MODEL
from edge_dagster.resources.kalshi import KalshiResource
from tests.conftest import replay_sources

EVENT = "KXTSAW-26APR19"
TICKER = "KXTSAW-26APR19-A2.45"
DECISION = datetime(2026, 4, 15, 9, 15, tzinfo=EASTERN)


def seed_fair_value(warehouse) -> None:
    """One recorded market at one decision: P(YES) 0.60, quoted 0.25 / 0.50."""
    with warehouse.transaction(["tsa_fair_values"]) as conn:
        conn.execute(
            "INSERT INTO tsa_fair_values VALUES ('2026-04-13', ?, ?, ?, 2450000, false, ?, 0.6, "
            "0.6, 0, 0.25, 0.50, ?, 'quadratic', 1)",
            [DECISION, EVENT, TICKER, PRICING_MODEL, DECISION],
        )


# YES limit = min(ask 0.50, k × 0.60), at or above the 0.25 bid; maker fee 0 on the quadratic
# series, so edge = fair − limit. NO (fair 0.40, bid 0.50) has no entry: k × 0.40 is behind its
# bid; its exit does not depend on k: bid 0.50 − taker fee 0.07 × 0.5 × 0.5 − fair 0.40 = 0.0825.
@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {},  # k = 0.65
            [
                ("entry", "yes", "buy", Decimal("0.3900"), 100, 0.21),
                ("exit", "no", "sell", Decimal("0.5000"), 100, 0.0825),
            ],
        ),
        (
            {"limit_fraction": 0.5},
            [
                ("entry", "yes", "buy", Decimal("0.3000"), 100, 0.30),
                ("exit", "no", "sell", Decimal("0.5000"), 100, 0.0825),
            ],
        ),
        (
            {"edge_threshold": 0.22, "max_contracts_per_order": 7},
            [
                ("exit", "no", "sell", Decimal("0.5000"), 7, 0.0825),
            ],
        ),
    ],
)
def test_the_run_config_sets_the_limit_prices_and_gates(warehouse, config, expected):
    seed_fair_value(warehouse)
    result = materialize(
        [tsa_orders],
        partition_key="2026-04-13",
        resources={
            "warehouse": warehouse,
            "sources": replay_sources("2026-04-20T12:00:00-04:00"),
            "kalshi": KalshiResource(),
        },
        run_config={"ops": {"tsa_orders": {"config": {"strategy": config}}}},
    )
    assert result.success
    with warehouse.get_connection() as conn:
        rows = conn.execute(
            "SELECT tag, side, action, limit_price, count, round(edge, 6) FROM desired_orders "
            "ORDER BY tag, side"
        ).fetchall()
    assert rows == expected
