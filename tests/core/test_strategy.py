from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from edge_dagster.core.strategy import Decision, PricedMarket, StrategyConfig, desired_orders

D = Decimal
EVENT = "KXTSAW-26APR19"
AT = datetime(2026, 4, 15, 13, 15, tzinfo=UTC)
RESTING = Decision("tsa_weekly", "2026-04-13", AT, (EVENT,), expires_at=AT + timedelta(hours=23))
TAKER = Decision("tsa_weekly", "2026-04-13", AT, (EVENT,), taker=True)


def market(
    fair_yes: float, yes_bid: str | None, yes_ask: str | None, strike: str = "A2.45"
) -> PricedMarket:
    return PricedMarket(
        ticker=f"{EVENT}-{strike}",
        event_ticker=EVENT,
        fair_yes=fair_yes,
        yes_bid=None if yes_bid is None else D(yes_bid),
        yes_ask=None if yes_ask is None else D(yes_ask),
        fee_type="quadratic",
        fee_multiplier=D(1),
        floor_strike=float(strike[1:]) * 1e6,
    )


# The seed's k, so the arithmetic below does not move with the default.
CONFIG = StrategyConfig(limit_fraction=D("0.75"))


def summary(orders):
    return [(o.tag, o.side, o.action, o.limit_price, o.count, o.edge) for o in orders]


def test_exits_come_first_then_entries_buying_below_fair_value():
    orders = desired_orders([market(0.60, "0.40", "0.45")], CONFIG, RESTING)
    assert summary(orders) == [
        # NO bid 0.55 less the taker fee 0.07 × 0.55 × 0.45 beats the NO fair value 0.40.
        ("exit", "no", "sell", D("0.55"), 100, D("0.132675")),
        # YES: limit = min(ask 0.45, 0.75 × 0.60) = 0.45 crosses → taker fee 0.07×0.45×0.55.
        ("entry", "yes", "buy", D("0.45"), 100, D("0.132675")),
        # NO: min(NO ask 0.60, 0.75 × 0.40) = 0.30 is behind the NO bid 0.55: not posted.
    ]


def test_an_exit_must_beat_the_fair_value_after_the_fee_it_pays():
    # YES bid 0.46 beats fair 0.40 by 0.06 ≥ 0.05, but by 0.0426 after the 0.017388 taker fee.
    orders = desired_orders([market(0.40, "0.46", "0.47")], CONFIG, RESTING)
    assert [o for o in orders if o.tag == "exit"] == []
    wider = desired_orders([market(0.40, "0.48", "0.49")], CONFIG, RESTING)
    assert summary([o for o in wider if o.tag == "exit"]) == [
        ("exit", "yes", "sell", D("0.48"), 100, D("0.062528")),
    ]


def test_a_resting_entry_at_or_above_the_best_bid_is_posted_with_no_maker_fee():
    # NO: fair 0.50, bid 1 − 0.64 = 0.36, ask 1 − 0.60 = 0.40; limit min(0.40, 0.375) → 0.37.
    orders = desired_orders([market(0.50, "0.60", "0.64")], CONFIG, RESTING)
    assert summary(orders) == [
        ("exit", "yes", "sell", D("0.60"), 100, D("0.083200")),
        ("entry", "no", "buy", D("0.37"), 100, D("0.130000")),
    ]


def test_resting_orders_expire_when_the_decision_says_and_taker_orders_never_rest():
    [entry] = [o for o in desired_orders([market(0.50, "0.60", "0.64")], CONFIG, RESTING)
               if o.tag == "entry"]  # fmt: skip
    assert (entry.time_in_force, entry.expires_at) == ("good_till_canceled", RESTING.expires_at)
    assert (entry.strategy, entry.partition_key, entry.decision_time) == (
        "tsa_weekly",
        "2026-04-13",
        AT,
    )
    for order in desired_orders([market(0.70, "0.40", "0.45")], CONFIG, TAKER):
        assert (order.time_in_force, order.expires_at) == ("immediate_or_cancel", None)


def test_a_taker_decision_buys_at_the_ask_with_the_taker_fee():
    orders = desired_orders([market(0.70, "0.40", "0.45")], CONFIG, TAKER)
    # YES at the 0.45 ask: 0.70 − 0.45 − 0.017325; NO at 1 − 0.40 = 0.60 has no edge.
    assert [o for o in summary(orders) if o[0] == "entry"] == [
        ("entry", "yes", "buy", D("0.45"), 100, D("0.232675")),
    ]


def test_a_deep_bid_on_a_nearly_settled_market_is_not_posted():
    # Fair 0.99 quoted 0.99 / 1.00: k × fair = 0.74 sits far behind the 0.99 bid.
    assert desired_orders([market(0.99, "0.99", "1.00")], CONFIG, RESTING) == []


def test_exits_then_entries_are_ranked_by_edge_for_the_risk_check():
    # Two markets of one event: A2.40 (fair 0.70) and A2.45 (fair 0.55), both quoted 0.40 / 0.45.
    orders = desired_orders(
        [market(0.55, "0.40", "0.45"), market(0.70, "0.40", "0.45", "A2.40")], CONFIG, RESTING
    )
    assert [(o.tag, o.ticker[-5:], o.edge) for o in orders] == [
        ("exit", "A2.40", D("0.232675")),
        ("exit", "A2.45", D("0.082675")),
        ("entry", "A2.40", D("0.232675")),
        ("entry", "A2.45", D("0.140000")),  # rests at 0.41 ≥ the 0.40 bid, no fee
    ]


def test_a_ladders_strikes_are_sized_as_one_bet():
    small = replace(CONFIG, bankroll=D(200))
    a240, a245 = market(0.70, "0.40", "0.45", "A2.40"), market(0.55, "0.40", "0.45")

    def entries(markets: list[PricedMarket]) -> dict[str, int]:
        return {o.ticker[-5:]: o.count for o in desired_orders(markets, small, RESTING)
                if o.tag == "entry"}  # fmt: skip

    # Alone each would take its own quarter-Kelly stake. Together they are one bet on one
    # weekly average (A2.45 wins only where A2.40 does, at a worse price per unit of edge):
    # the event gets one stake, all of it in A2.40, instead of two.
    assert entries([a240]) == {"A2.40": 46}
    assert entries([a245]) == {"A2.45": 28}
    assert entries([a240, a245]) == {"A2.40": 46}


def test_kelly_sizes_below_the_per_order_cap():
    orders = desired_orders(
        [market(0.60, "0.40", "0.45")], replace(CONFIG, bankroll=D("100")), RESTING
    )
    # f* = 0.132675 / 0.532675; stake = 0.25 × f* × 100 = 6.2268…; floor(6.2268 / 0.467325) = 13.
    assert [o.count for o in orders if o.tag == "entry"] == [13]


def test_an_edge_below_the_threshold_places_nothing():
    # At k = 1 the limit is the fair value itself (0.50): no edge left after the threshold.
    config = StrategyConfig(limit_fraction=D(1))
    assert desired_orders([market(0.50, "0.48", "0.52")], config, RESTING) == []


def test_a_side_without_a_quote_gets_no_order_and_the_other_side_still_trades():
    # No YES bid: nothing buys NO (its ask would be 1 − the bid) and nothing sells YES.
    orders = desired_orders([market(0.90, None, "0.50")], CONFIG, RESTING)
    assert [(o.tag, o.side, o.action) for o in orders] == [
        ("exit", "no", "sell"),
        ("entry", "yes", "buy"),
    ]


def test_limits_outside_the_price_gates_are_skipped():
    config = replace(CONFIG, max_price=D("0.44"))
    orders = desired_orders([market(0.60, "0.40", "0.45")], config, RESTING)
    assert [(o.side, o.action) for o in orders] == [("no", "sell")]
