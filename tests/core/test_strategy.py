from dataclasses import replace
from decimal import Decimal

from edge_dagster.core.strategy import PricedMarket, StrategyConfig, desired_orders


def market(fair_yes: float, yes_bid: str | None, yes_ask: str | None) -> PricedMarket:
    return PricedMarket(
        ticker="KXTSAW-26APR19-A2.45",
        event_ticker="KXTSAW-26APR19",
        fair_yes=fair_yes,
        yes_bid=None if yes_bid is None else Decimal(yes_bid),
        yes_ask=None if yes_ask is None else Decimal(yes_ask),
        fee_type="quadratic",
        fee_multiplier=Decimal(1),
    )


# The seed's k, so the arithmetic below does not move with the default.
CONFIG = StrategyConfig(limit_fraction=Decimal("0.75"))


def summary(orders):
    return [(o.tag, o.side, o.action, o.limit_price, o.count, o.edge) for o in orders]


def test_exits_come_first_then_entries_buying_below_fair_value():
    orders = desired_orders([market(0.60, "0.40", "0.45")], CONFIG)
    assert summary(orders) == [
        # NO bid 0.55 beats the NO fair value 0.40 by 0.15: sell what is held.
        ("exit", "no", "sell", Decimal("0.55"), 100, Decimal("0.150000")),
        # YES: limit = min(ask 0.45, 0.75 × 0.60) = 0.45 crosses → taker fee 0.07×0.45×0.55.
        ("entry", "yes", "buy", Decimal("0.45"), 100, Decimal("0.132675")),
        # NO: min(NO ask 0.60, 0.75 × 0.40) = 0.30 is behind the NO bid 0.55: not posted.
    ]


def test_a_resting_entry_at_or_above_the_best_bid_is_posted_with_no_maker_fee():
    # NO: fair 0.50, bid 1 − 0.64 = 0.36, ask 1 − 0.60 = 0.40; limit min(0.40, 0.375) → 0.37.
    orders = desired_orders([market(0.50, "0.60", "0.64")], CONFIG)
    assert summary(orders) == [
        ("exit", "yes", "sell", Decimal("0.60"), 100, Decimal("0.100000")),
        ("entry", "no", "buy", Decimal("0.37"), 100, Decimal("0.130000")),
    ]


def test_a_deep_bid_on_a_nearly_settled_market_is_not_posted():
    # Fair 0.99 quoted 0.99 / 1.00: k × fair = 0.74 sits far behind the 0.99 bid.
    assert desired_orders([market(0.99, "0.99", "1.00")], CONFIG) == []


def test_exits_then_entries_are_ranked_by_edge_for_the_risk_check():
    weak, strong = market(0.55, "0.40", "0.45"), market(0.70, "0.40", "0.45")
    strong = PricedMarket(**{**strong.__dict__, "ticker": "KXTSAW-26APR19-A2.40"})
    orders = desired_orders([weak, strong], CONFIG)
    assert [(o.tag, o.ticker[-5:], o.edge) for o in orders] == [
        ("exit", "A2.40", Decimal("0.250000")),
        ("exit", "A2.45", Decimal("0.100000")),
        ("entry", "A2.40", Decimal("0.232675")),
        ("entry", "A2.45", Decimal("0.140000")),  # rests at 0.41 ≥ the 0.40 bid, no fee
    ]


def test_kelly_sizes_below_the_per_order_cap():
    orders = desired_orders(
        [market(0.60, "0.40", "0.45")], replace(CONFIG, bankroll=Decimal("100"))
    )
    # f* = 0.132675 / 0.532675; stake = 0.25 × f* × 100 = 6.2268…; floor(6.2268 / 0.467325) = 13.
    assert [o.count for o in orders if o.tag == "entry"] == [13]


def test_an_edge_below_the_threshold_places_nothing():
    # At k = 1 the limit is the fair value itself (0.50): no edge left after the threshold.
    config = StrategyConfig(limit_fraction=Decimal(1))
    assert desired_orders([market(0.50, "0.48", "0.52")], config) == []


def test_a_market_without_a_two_sided_quote_gets_no_order():
    assert desired_orders([market(0.90, None, "0.50")], CONFIG) == []


def test_limits_outside_the_price_gates_are_skipped():
    config = replace(CONFIG, max_price=Decimal("0.44"))
    orders = desired_orders([market(0.60, "0.40", "0.45")], config)
    assert [(o.side, o.action) for o in orders] == [("no", "sell")]
