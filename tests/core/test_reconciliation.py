"""Each strategy reconciles its own part of the account: its orders, the markets it trades,
and positions in markets no strategy of ours trades; drift in another strategy's markets is
that strategy's to report."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from edge_dagster.core.orders import Order
from edge_dagster.core.reconciliation import Drift, reconcile

AT = datetime(2026, 4, 16, 13, 15, tzinfo=UTC)
TSA = Order("tsa_weekly", "2026-04-13", AT, "KXTSAW-26APR19", "KXTSAW-26APR19-A2.45", "yes",
            "buy", Decimal("0.45"), 10, environment="demo", status="resting",
            exchange_order_id="ord-1")  # fmt: skip
WEATHER = Order("weather", "CHI|2026-09-29", AT, "KXHIGHCHI-26SEP29", "KXHIGHCHI-26SEP29-B76.5",
                "yes", "buy", Decimal("0.16"), 22, environment="demo", status="resting",
                exchange_order_id="ord-2")  # fmt: skip
OUTSIDE = "KXHIGHNY-26SEP29-B70.5"


def drift_of(strategy: str) -> list[Drift]:
    """Both strategies' orders rest in the ledger; the exchange rests neither, holds +5 of
    the TSA market and +3 of a market nobody of ours traded."""
    return reconcile(
        strategy,
        [TSA, WEATHER],
        booked_fills={},
        exchange_resting_ids=set(),
        ledger_net={},
        exchange_net={TSA.ticker: 5, OUTSIDE: 3},
    )


def test_the_weather_strategy_sees_its_own_drift_and_the_outside_position_only():
    assert drift_of("weather") == [
        Drift("order_not_resting", WEATHER.ticker,
              "order ord-2 (yes buy 22 at 0.16) rests in the ledger but not at the exchange",
              True),
        Drift("outside_position", OUTSIDE,
              "the exchange holds +3 YES, the ledger +0 (no strategy of ours trades it)", False),
    ]  # fmt: skip


def test_the_tsa_strategy_sees_its_own_drift_and_the_outside_position_only():
    assert [(d.kind, d.ticker, d.blocking) for d in drift_of("tsa_weekly")] == [
        ("order_not_resting", TSA.ticker, True),
        ("unexplained_position", TSA.ticker, True),
        ("outside_position", OUTSIDE, False),
    ]


def test_a_fill_unbooked_on_another_strategys_order_is_not_this_strategys_drift():
    filled = replace(TSA, filled_count=4)
    drift = reconcile("weather", [filled], {}, {"ord-1"}, {}, {})
    assert drift == []
    assert [d.kind for d in reconcile("tsa_weekly", [filled], {}, {"ord-1"}, {}, {})] == [
        "unrecorded_fill"
    ]
