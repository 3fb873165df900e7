from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from edge_dagster.core.exposure import (
    OUTSIDE,
    Exposure,
    Position,
    average_cost,
    net_yes,
    open_exposure,
    resting_exposure,
)
from edge_dagster.core.orders import Order
from edge_dagster.core.risk import (
    RiskDecision,
    RiskLimits,
    RiskState,
    check_orders,
    kill_switch_active,
)

D = Decimal
DAY = date(2026, 4, 14)
NOW = datetime(2026, 4, 14, 13, 15, tzinfo=UTC)
MARKET = "KXTSAW-26APR19-A2.45"
EVENT = "KXTSAW-26APR19"

LIMITS = RiskLimits(
    max_contracts_per_order=1_000,
    max_market_exposure=D(1),
    max_event_exposure=D(1),
    max_strategy_exposure=D(1),
    max_total_exposure=D(1),
    max_open_positions_per_strategy=10,
    daily_loss_limit_fraction=D("0.05"),
)
STATE = RiskState(
    day=DAY,
    equity=D(1_000),
    positions=(),
    exposure=Exposure(),
    day_start_equity=D(1_000),
    realised_pnl=D(0),
    open_mark_to_bid=D(0),
    open_cost_basis=D(0),
)


def _buy(count: int = 100, price: str = "0.50", **changes) -> Order:
    order = Order("tsa", "2026-04-13", NOW, EVENT, MARKET, "yes", "buy", D(price), count)
    return replace(order, **changes)


def _sell(count: int = 100, **changes) -> Order:
    return _buy(count, action="sell", **changes)


def _check(order: Order, state: RiskState = STATE, **limits) -> RiskDecision:
    [decision] = check_orders([order], state, replace(LIMITS, **limits), NOW)
    return decision


def _losing(loss: str) -> RiskState:
    """A state whose P&L today is −loss: realised −loss/2, open positions down loss/2."""
    half = D(loss) / 2
    return replace(STATE, realised_pnl=-half, open_mark_to_bid=D(10), open_cost_basis=10 + half)


def _exposed(**by: dict[str, Decimal]) -> RiskState:
    return replace(
        STATE, exposure=Exposure(**by, total=sum(by.get("by_market", {}).values(), D(0)))
    )


def test_order_within_every_limit_is_approved_in_full():
    assert _check(_buy()) == RiskDecision(_buy(), 100, ())


def test_max_contracts_per_order():
    decision = _check(_buy(), max_contracts_per_order=30)
    assert (decision.approved_count, decision.reasons) == (
        30,
        ("max_contracts_per_order: 100 -> 30",),
    )


def test_market_exposure_cap_is_a_fraction_of_current_equity_less_what_is_open():
    state = _exposed(by_market={MARKET: D(35)})
    decision = _check(_buy(), state, max_market_exposure=D("0.05"))  # $50 of $1,000
    assert decision.reasons == ("max_market_exposure: 100 -> 30",)


def test_event_exposure_counts_every_open_position_and_resting_order_of_the_event():
    state = _exposed(by_event={EVENT: D(40)})
    decision = _check(_buy(), state, max_event_exposure=D("0.05"))
    assert decision.reasons == ("max_event_exposure: 100 -> 20",)


def test_strategy_exposure_cap():
    state = _exposed(by_strategy={"tsa": D(49)})
    assert _check(_buy(), state, max_strategy_exposure=D("0.05")).approved_count == 2


def test_total_exposure_cap_counts_every_strategy_and_what_is_held_outside():
    state = replace(STATE, exposure=Exposure(total=D("45.50")))
    decision = _check(_buy(), state, max_total_exposure=D("0.05"))
    assert decision.reasons == ("max_total_exposure: 100 -> 9",)


def test_exposure_caps_shrink_with_equity():
    assert _check(_buy(), replace(STATE, equity=D(400)), max_market_exposure=D("0.05")) == (
        RiskDecision(_buy(), 40, ("max_market_exposure: 100 -> 40",))
    )


def test_exposure_is_the_price_of_the_side_bought():
    assert _check(_buy(side="no", price="0.20"), max_market_exposure=D("0.01")).approved_count == 50


def test_open_exposure_is_positions_at_cost_plus_resting_buys_at_their_limit():
    held = Position("tsa", MARKET, "yes", 10, EVENT, D("4.00"))
    resting = replace(_buy(20, "0.30", ticker="B"), filled_count=5)
    selling = _sell(10, price="0.60")
    exposure = open_exposure([held], [resting, selling], [("C", "EC", D("2.50"))])
    assert exposure == Exposure(
        by_market={MARKET: D("4.00"), "B": D("4.50"), "C": D("2.50")},
        by_event={EVENT: D("8.50"), "EC": D("2.50")},
        by_strategy={"tsa": D("8.50"), OUTSIDE: D("2.50")},
        total=D("11.00"),
    )


def test_a_resting_no_buy_is_exposed_at_its_no_limit():
    assert resting_exposure(_buy(10, "0.20", side="no")) == D("2.00")


def test_net_yes_counts_no_contracts_negative_across_strategies():
    held = [
        Position("tsa", MARKET, "yes", 10),
        Position("weather", MARKET, "no", 4),
        Position("tsa", "B", "no", 3),
    ]
    assert net_yes(held) == {MARKET: 6, "B": -3}


def test_average_cost_of_the_open_contracts_is_kept_to_four_places():
    assert average_cost(D("1.00"), 3, 2) == D("0.6667")  # two of three bought for $1


def test_average_cost_of_nothing_bought_is_zero():
    assert average_cost(D(0), 0, 0) == D(0)


def test_max_open_positions_per_strategy():
    state = replace(STATE, positions=(Position("tsa", "KXTSAW-26APR19-A2.50", "yes", 5),))
    decision = _check(_buy(), state, max_open_positions_per_strategy=1)
    assert decision.reasons == ("max_open_positions_per_strategy: 100 -> 0",)


def test_no_second_entry_on_a_ticker_the_strategy_holds():
    state = replace(STATE, positions=(Position("tsa", MARKET, "no", 5),))
    assert _check(_buy(), state).reasons == ("already_held: 100 -> 0",)


def test_another_strategys_holding_does_not_block_entry():
    state = replace(STATE, positions=(Position("weather", MARKET, "yes", 5),))
    assert _check(_buy(), state).approved_count == 100


def test_sell_is_cut_to_the_holding():
    state = replace(STATE, positions=(Position("tsa", MARKET, "yes", 40),))
    decision = _check(_sell(), state)
    assert (decision.approved_count, decision.reasons) == (
        40,
        ("sell_exceeds_position: 100 -> 40",),
    )


def test_sell_of_the_other_side_is_rejected():
    state = replace(STATE, positions=(Position("tsa", MARKET, "yes", 40),))
    assert _check(_sell(side="no"), state).approved_count == 0


def test_earlier_orders_consume_the_event_cap_of_later_ones():
    other = _buy(ticker="KXTSAW-26APR19-A2.50")
    decisions = check_orders(
        [_buy(), other], STATE, replace(LIMITS, max_event_exposure=D("0.08")), NOW
    )
    assert [d.approved_count for d in decisions] == [100, 60]


def test_a_position_held_outside_our_strategies_is_never_entered():
    state = replace(STATE, positions=(Position(OUTSIDE, MARKET, "yes", 3),))
    assert _check(_buy(), state).reasons == ("already_held: 100 -> 0",)


def test_a_sell_never_exceeds_the_position_the_exchange_reports():
    state = replace(
        STATE,
        positions=(Position("tsa", MARKET, "yes", 40),),
        sell_limits={("tsa", MARKET, "yes"): 15},
    )
    assert _check(_sell(), state).reasons == ("sell_exceeds_position: 100 -> 15",)


def test_earlier_entry_in_the_batch_blocks_a_second_on_the_same_ticker():
    decisions = check_orders([_buy(), _buy()], STATE, LIMITS, NOW)
    assert decisions[1].reasons == ("already_held: 100 -> 0",)


def test_kill_switch_halts_at_the_loss_limit():
    assert kill_switch_active(_losing("50"), LIMITS, NOW) is True


def test_kill_switch_stays_off_a_cent_short_of_the_limit():
    assert kill_switch_active(_losing("49.98"), LIMITS, NOW) is False


def test_kill_switch_rejects_new_orders():
    assert _check(_buy(), _losing("50")).reasons == ("kill_switch: 100 -> 0",)


def test_kill_switch_lets_exits_through():
    state = replace(_losing("50"), positions=(Position("tsa", MARKET, "yes", 100),))
    assert _check(_sell(), state).approved_count == 100


def test_kill_switch_resets_at_the_next_utc_midnight():
    midnight = datetime(2026, 4, 15, 0, 0, tzinfo=UTC)
    assert kill_switch_active(_losing("50"), LIMITS, midnight) is False


def test_kill_switch_holds_until_the_last_second_of_the_utc_day():
    last_second = datetime(2026, 4, 14, 23, 59, 59, tzinfo=UTC)
    assert kill_switch_active(_losing("50"), LIMITS, last_second) is True


def test_open_exposure_from_earlier_days_still_binds():
    state = replace(_exposed(by_event={EVENT: D(95)}), day=date(2026, 4, 13))
    assert _check(_buy(), state, max_event_exposure=D("0.10")).approved_count == 10


def test_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        kill_switch_active(STATE, LIMITS, datetime(2026, 4, 14, 13, 15))


def test_an_order_price_must_be_inside_zero_one():
    with pytest.raises(ValueError, match="outside"):
        _buy(price="1.00")


OTHER_MARKET = "KXTSAW-26APR19-A2.50"


def _batch(orders: list[Order], state: RiskState = STATE, **limits) -> list[int]:
    return [d.approved_count for d in check_orders(orders, state, replace(LIMITS, **limits), NOW)]


def test_a_market_already_over_its_cap_takes_nothing():
    state = _exposed(by_market={MARKET: D(60)})
    decision = _check(_buy(), state, max_market_exposure=D("0.05"))  # $50 cap, $60 open
    assert (decision.approved_count, decision.reasons) == (0, ("max_market_exposure: 100 -> 0",))


def test_earlier_entries_in_the_batch_take_position_slots():
    orders = [_buy(), _buy(ticker=OTHER_MARKET)]
    assert _batch(orders, max_open_positions_per_strategy=1) == [100, 0]


def test_earlier_orders_of_another_strategy_consume_the_market_cap():
    orders = [_buy(), _buy(strategy="weather")]
    assert _batch(orders, max_market_exposure=D("0.08")) == [100, 60]  # $80: $50, then $30


def test_earlier_orders_consume_the_strategy_cap():
    orders = [_buy(), _buy(ticker=OTHER_MARKET, event_ticker="KXTSAW-26APR26")]
    assert _batch(orders, max_strategy_exposure=D("0.08")) == [100, 60]


def test_earlier_orders_of_another_strategy_consume_the_total_cap():
    orders = [_buy(), _buy(strategy="weather", ticker=OTHER_MARKET, event_ticker="KXHIGH")]
    assert _batch(orders, max_total_exposure=D("0.08")) == [100, 60]


def test_a_no_buy_consumes_the_cap_at_its_no_price():
    orders = [_buy(side="no", price="0.20"), _buy(side="no", price="0.20", ticker=OTHER_MARKET)]
    assert _batch(orders, max_event_exposure=D("0.03")) == [100, 50]  # $30: $20, then $10


def test_earlier_sells_in_the_batch_consume_the_holding():
    state = replace(STATE, positions=(Position("tsa", MARKET, "yes", 40),))
    assert _batch([_sell(30), _sell(30)], state) == [30, 10]


def test_a_sell_never_exceeds_the_strategys_holding_when_the_exchange_reports_more():
    state = replace(
        STATE,
        positions=(Position("tsa", MARKET, "yes", 40),),
        sell_limits={("tsa", MARKET, "yes"): 90},
    )
    assert _check(_sell(), state).reasons == ("sell_exceeds_position: 100 -> 40",)


def test_a_sell_is_cut_to_the_per_order_cap():
    state = replace(STATE, positions=(Position("tsa", MARKET, "yes", 100),))
    decision = _check(_sell(), state, max_contracts_per_order=30)
    assert decision.reasons == ("max_contracts_per_order: 100 -> 30",)


def test_kill_switch_day_is_the_utc_day_of_a_time_in_another_zone():
    evening_in_new_york = datetime(2026, 4, 14, 20, 30, tzinfo=ZoneInfo("America/New_York"))
    assert kill_switch_active(_losing("50"), LIMITS, evening_in_new_york) is False  # 00:30 UTC
