from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from edge_dagster.core.risk import (
    Position,
    ProposedOrder,
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
    max_notional_per_order=D(1_000),
    max_notional_per_market_per_day=D(1_000),
    max_notional_per_event_per_day=D(1_000),
    max_notional_per_day=D(1_000),
    max_open_positions_per_strategy=10,
    daily_loss_limit_fraction=D("0.05"),
)
STATE = RiskState(
    day=DAY,
    positions=(),
    notional_by_market={},
    notional_by_event={},
    notional_total=D(0),
    day_start_equity=D(1_000),
    realised_pnl=D(0),
    open_mark_to_bid=D(0),
    open_cost_basis=D(0),
)


def _buy(count: int = 100, price: str = "0.50", **changes) -> ProposedOrder:
    order = ProposedOrder("tsa", MARKET, EVENT, "yes", "buy", D(price), count)
    return replace(order, **changes)


def _sell(count: int = 100, **changes) -> ProposedOrder:
    return _buy(count, action="sell", **changes)


def _check(order: ProposedOrder, state: RiskState = STATE, **limits) -> RiskDecision:
    [decision] = check_orders([order], state, replace(LIMITS, **limits), NOW)
    return decision


def _losing(loss: str) -> RiskState:
    """A state whose P&L today is −loss: realised −loss/2, open positions down loss/2."""
    half = D(loss) / 2
    return replace(STATE, realised_pnl=-half, open_mark_to_bid=D(10), open_cost_basis=10 + half)


def test_order_within_every_limit_is_approved_in_full():
    assert _check(_buy()) == RiskDecision(_buy(), 100, ())


def test_max_contracts_per_order():
    decision = _check(_buy(), max_contracts_per_order=30)
    assert (decision.approved_count, decision.reasons) == (
        30,
        ("max_contracts_per_order: 100 -> 30",),
    )


def test_max_notional_per_order():
    decision = _check(_buy(), max_notional_per_order=D(20))
    assert (decision.approved_count, decision.reasons) == (
        40,
        ("max_notional_per_order: 100 -> 40",),
    )


def test_max_notional_per_market_counts_todays_spend():
    state = replace(STATE, notional_by_market={MARKET: D(35)})
    decision = _check(_buy(), state, max_notional_per_market_per_day=D(50))
    assert decision.reasons == ("max_notional_per_market_per_day: 100 -> 30",)


def test_max_notional_per_event_counts_todays_spend():
    state = replace(STATE, notional_by_event={EVENT: D(40)})
    decision = _check(_buy(), state, max_notional_per_event_per_day=D(50))
    assert decision.reasons == ("max_notional_per_event_per_day: 100 -> 20",)


def test_max_notional_per_day_counts_todays_spend():
    state = replace(STATE, notional_total=D("45.50"))
    decision = _check(_buy(), state, max_notional_per_day=D(50))
    assert decision.reasons == ("max_notional_per_day: 100 -> 9",)


def test_notional_budgets_are_prices_of_the_side_bought():
    decision = _check(_buy(side="no", price="0.20"), max_notional_per_order=D(10))
    assert decision.approved_count == 50


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


def test_earlier_orders_consume_budgets_of_later_ones():
    other = _buy(ticker="KXTSAW-26APR19-A2.50")
    decisions = check_orders(
        [_buy(), other], STATE, replace(LIMITS, max_notional_per_event_per_day=D(80)), NOW
    )
    assert [d.approved_count for d in decisions] == [100, 60]


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


def test_daily_notional_from_an_earlier_utc_day_no_longer_binds():
    state = replace(STATE, day=date(2026, 4, 13), notional_total=D(1_000))
    assert _check(_buy(), state).approved_count == 100


def test_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        kill_switch_active(STATE, LIMITS, datetime(2026, 4, 14, 13, 15))


def test_proposed_order_price_must_be_inside_zero_one():
    with pytest.raises(ValueError, match="outside"):
        _buy(price="1.00")
