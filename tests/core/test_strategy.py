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


def summary(orders):
    return [(o.tag, o.side, o.action, o.limit_price, o.count, o.edge) for o in orders]


def test_entries_buy_below_fair_value_and_exits_sell_above_it():
    orders = desired_orders([market(0.60, "0.40", "0.45")], StrategyConfig())
    assert summary(orders) == [
        # YES: limit = min(ask 0.45, 0.75 × 0.60) = 0.45 crosses → taker fee 0.07×0.45×0.55.
        ("entry", "yes", "buy", Decimal("0.45"), 100, Decimal("0.132675")),
        # NO: limit = min(NO ask 0.60, 0.75 × 0.40) = 0.30 rests → no maker fee on quadratic.
        ("entry", "no", "buy", Decimal("0.30"), 100, Decimal("0.100000")),
        # NO bid 0.55 beats the NO fair value 0.40 by 0.15: sell what is held.
        ("exit", "no", "sell", Decimal("0.55"), 100, Decimal("0.150000")),
    ]


def test_kelly_sizes_below_the_per_order_cap():
    orders = desired_orders([market(0.60, "0.40", "0.45")], StrategyConfig(bankroll=Decimal("100")))
    # f* = 0.132675 / 0.532675; stake = 0.25 × f* × 100 = 6.2268…; floor(6.2268 / 0.467325) = 13.
    assert [o.count for o in orders if o.tag == "entry"] == [13, 11]


def test_an_edge_below_the_threshold_places_nothing():
    # At k = 1 the limit is the fair value itself (0.50): no edge left after the threshold.
    config = StrategyConfig(limit_fraction=Decimal(1))
    assert desired_orders([market(0.50, "0.48", "0.52")], config) == []


def test_a_market_without_a_two_sided_quote_gets_no_order():
    assert desired_orders([market(0.90, None, "0.50")], StrategyConfig()) == []


def test_limits_outside_the_price_gates_are_skipped():
    config = StrategyConfig(min_price=Decimal("0.35"))
    orders = desired_orders([market(0.60, "0.40", "0.45")], config)
    assert [(o.side, o.action) for o in orders] == [("yes", "buy"), ("no", "sell")]
