"""The temperature strategy's edge, gates, bracket, sizing and caps, on a declared event.

The event (KXHIGHCHI-26SEP29, hand-made): five bins with the model's P(YES)
T ≤ 69: 0.05 · 70–71: 0.30 · 72–73: 0.40 · 74–75: 0.20 · T ≥ 76: 0.05, μ = 71.8 °F (in 72–73,
nearer its lower edge 71.5, so the bracket is 70–71 + 72–73). Fees: Kalshi's quadratic
schedule (taker 0.07 · C · P · (1 − P), rounded up per order; maker 0).
"""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from edge_dagster.core.exposure import Exposure, Position
from edge_dagster.core.nws_check import nws_check
from edge_dagster.core.risk import RiskState
from edge_dagster.core.weather_bins import TemperatureBin
from edge_dagster.core.weather_skill import MarketSkill
from edge_dagster.core.weather_strategy import (
    BRACKET,
    SINGLE,
    STRATEGY,
    WeatherDecision,
    WeatherMarket,
    WeatherStrategyConfig,
    bracket_bins,
    decide,
)
from edge_dagster.trading.execution import approved

D = Decimal
EVENT = "KXHIGHCHI-26SEP29"
AT = datetime(2026, 9, 28, 14, 30, tzinfo=UTC)
# The model's record before the decision (declared): 40 settled days, Brier 0.14 < market 0.15.
SKILLED = MarketSkill("emos_nbp_txn", 40, 0.14, 0.15, 30)
DECISION = WeatherDecision(
    "CHI", date(2026, 9, 29), EVENT, "CHI|2026-09-29", AT, 71.8, 2.0,
    "emos_nbp_txn", "emos_nbp_txn:CHI:2026-09-28", skill=SKILLED,
)  # fmt: skip
BINS = [
    TemperatureBin(f"{EVENT}-T70", "less", None, 70.0),
    TemperatureBin(f"{EVENT}-B70.5", "between", 70.0, 71.0),
    TemperatureBin(f"{EVENT}-B72.5", "between", 72.0, 73.0),
    TemperatureBin(f"{EVENT}-B74.5", "between", 74.0, 75.0),
    TemperatureBin(f"{EVENT}-T75", "greater", 75.0, None),
]
FAIR = [0.05, 0.30, 0.40, 0.20, 0.05]
QUOTES = [("0.03", "0.06"), ("0.20", "0.22"), ("0.32", "0.35"), ("0.19", "0.22"), ("0.04", "0.07")]


def _markets(quotes=QUOTES, fee_type: str = "quadratic") -> list[WeatherMarket]:
    return [
        WeatherMarket(b, p, D(bid), D(ask), fee_type)
        for b, p, (bid, ask) in zip(BINS, FAIR, quotes, strict=True)
    ]


def _row(frame, ticker: str, side: str = "yes", strategy: str = SINGLE) -> dict:
    rows = frame[(frame["ticker"] == ticker) & (frame["side"] == side)]
    return rows[rows["strategy"] == strategy].iloc[0].to_dict()


def _one_bin(bid: str, ask: str, fair: float, **config) -> dict:
    market = WeatherMarket(BINS[2], fair, D(bid), D(ask), config.pop("fee_type", "quadratic"))
    _, frame = decide(replace(DECISION, mu=90.0), [market], WeatherStrategyConfig(**config))
    return _row(frame, BINS[2].ticker)


def test_net_edge_subtracts_the_taker_fee_per_contract_at_the_intended_count():
    # sized to 66 contracts (the event cap: $30 / 0.45); fee ceil(0.07·66·0.45·0.55 = 1.14345)
    # = $1.15, so 0.55 − 0.45 − 1.15/66
    row = _one_bin("0.40", "0.45", 0.55)
    assert (row["limit_price"], row["count"], row["net_edge"]) == (D("0.45"), 66, D("0.082576"))
    # one contract: the fee rounds up to 2 cents
    assert _one_bin("0.40", "0.45", 0.55, max_contracts_per_order=1)["net_edge"] == D("0.08")


def test_a_limit_below_the_ask_rests_and_pays_the_maker_fee():
    assert _one_bin("0.40", "0.45", 0.55, price_improvement=D("0.02"))["net_edge"] == D("0.12")
    # maker schedule at 69 contracts ($30 / 0.43): 0.0175·69·0.43·0.57 = 0.29596 → $0.30
    row = _one_bin(
        "0.40", "0.45", 0.55, price_improvement=D("0.02"), fee_type="quadratic_with_maker_fees"
    )
    assert (row["limit_price"], row["count"], row["net_edge"]) == (D("0.43"), 69, D("0.115652"))


def test_gates_on_ask_spread_and_edge():
    assert _one_bin("0.95", "0.97", 0.999)["reason"] == "ask 0.97 outside [0.05, 0.95]"
    assert _one_bin("0.30", "0.45", 0.70)["reason"] == "spread 0.15 > 0.12"
    # 0.52 − 0.45 − 0.0174 = 0.0526 passes 0.05 but not 0.06
    assert _one_bin("0.40", "0.45", 0.52)["tradable"]
    assert _one_bin("0.40", "0.45", 0.52, min_edge=D("0.06"))["reason"] == (
        "net edge 0.0526 < 0.06"
    )


def test_the_bracket_straddles_mu_across_the_nearer_edge():
    assert bracket_bins(BINS, 71.8) == (1, 2)
    assert bracket_bins(BINS, 73.2) == (2, 3)
    assert bracket_bins(BINS, 80.0) == (3, 4)  # top tail: its only finite edge
    assert bracket_bins(BINS, 60.0) == (0, 1)


def test_a_bracket_trades_both_legs_with_one_count_and_one_id_sized_within_the_event_cap():
    orders, frame = decide(DECISION, _markets())
    assert [(o.ticker, o.tag, o.limit_price, o.count) for o in orders] == [
        (f"{EVENT}-B70.5", BRACKET, D("0.22"), 52),
        (f"{EVENT}-B72.5", BRACKET, D("0.35"), 52),
    ]
    assert {o.strategy for o in orders} == {STRATEGY}
    assert {o.bracket_id for o in orders} == {f"{EVENT}@2026-09-28T14:30Z"}
    # Kelly wants 100 (capped) of the pair; 3 % of $1,000 = $30 / $0.57 → 52 contracts.
    # Edge at 52: 0.30 − 0.22 − 0.63/52 and 0.40 − 0.35 − 0.83/52
    assert [o.edge for o in orders] == [D("0.067885"), D("0.034038")]
    single = _row(frame, f"{EVENT}-B70.5")
    assert (single["tradable"], single["reason"]) == (
        False,
        f"leg of bracket {EVENT}@2026-09-28T14:30Z",
    )


def test_a_bracket_needs_each_leg_positive():
    quotes = [*QUOTES[:2], ("0.37", "0.40"), *QUOTES[3:]]  # 0.40 − 0.40 − 0.0168 < 0
    orders, frame = decide(DECISION, _markets(quotes))
    leg = _row(frame, f"{EVENT}-B72.5", strategy=BRACKET)
    assert (leg["net_edge"], leg["reason"]) == (D("-0.0168"), "a leg's net edge is not positive")
    assert [o.tag for o in orders] == [SINGLE]  # 70–71 alone still has 0.0679


def test_a_bracket_needs_twice_the_minimum_edge_then_the_strong_leg_trades_alone():
    quotes = [*QUOTES[:2], ("0.33", "0.36"), *QUOTES[3:]]  # legs 0.0679 + 0.0238
    orders, frame = decide(DECISION, _markets(quotes))
    leg = _row(frame, f"{EVENT}-B70.5", strategy=BRACKET)
    assert leg["reason"] == "pair net edge 0.0917 < 0.10"
    # alone: quarter-Kelly of p 0.30 at cost 0.232012 is 95 contracts ($20.90 < $30);
    # edge at 95: 0.30 − 0.22 − 1.15/95
    [order] = orders
    assert (order.ticker, order.tag, order.count, order.edge) == (
        f"{EVENT}-B70.5", SINGLE, 95, D("0.067895"),
    )  # fmt: skip


def test_the_nws_check_skips_the_city_day():
    decision = replace(DECISION, nws=nws_check(78.0, 71.8))
    orders, frame = decide(decision, _markets())
    assert orders == []
    assert set(frame["reason"]) == {"NWS high 78 °F vs median 71.8 °F: more than 4 °F apart"}


def test_opportunities_list_every_market_both_sides_and_the_bracket_what_trades_first():
    _, frame = decide(DECISION, _markets())
    assert len(frame) == 5 * 2 + 2
    assert list(frame["tradable"].iloc[:3]) == [True, True, False]
    assert list(frame["net_edge"].iloc[:3]) == [D("0.067885"), D("0.034038"), D("0.0679")]
    assert frame["net_edge"].iloc[2:].is_monotonic_decreasing


STATE = RiskState(
    day=AT.date(),
    equity=D(1_000),
    positions=(),
    exposure=Exposure(),
    day_start_equity=D(1_000),
    realised_pnl=D(0),
    open_mark_to_bid=D(0),
    open_cost_basis=D(0),
)
LIMITS = WeatherStrategyConfig().risk_limits()


def test_open_event_exposure_is_capped_at_three_percent_of_equity():
    orders, _ = decide(DECISION, _markets())
    # $25 already open on the event: $5 left → 22 of the first leg at 0.22, none of the second
    state = replace(STATE, exposure=Exposure(by_event={EVENT: D(25)}, total=D(25)))
    kept, cuts = approved(orders, state, LIMITS, AT)
    assert [(o.ticker, o.count) for o in kept] == [(f"{EVENT}-B70.5", 22)]
    assert len(cuts) == 2


def test_no_reentry_on_a_held_ticker_and_at_most_ten_open_positions():
    orders, _ = decide(DECISION, _markets())
    held = Position(STRATEGY, f"{EVENT}-B70.5", "yes", 10, EVENT, D("2.20"))
    kept, _ = approved(orders, replace(STATE, positions=(held,)), LIMITS, AT)
    assert [o.ticker for o in kept] == [f"{EVENT}-B72.5"]
    ten = tuple(Position(STRATEGY, f"OTHER-{i}", "yes", 1, f"E{i}", D("0.1")) for i in range(10))
    assert approved(orders, replace(STATE, positions=ten), LIMITS, AT)[0] == []


def test_the_daily_kill_switch_halts_new_weather_orders_at_five_percent():
    orders, _ = decide(DECISION, _markets())
    assert approved(orders, replace(STATE, realised_pnl=D(-50)), LIMITS, AT)[0] == []
    assert len(approved(orders, replace(STATE, realised_pnl=D("-49.99")), LIMITS, AT)[0]) == 2


def _blocked(decision: WeatherDecision) -> tuple[list, set[str], bool]:
    orders, frame = decide(decision, _markets())
    return orders, set(frame["reason"]), bool(frame["tradable"].any())


def test_the_reference_model_is_scored_never_traded():
    assert decide(DECISION, _markets())[0]  # the same event trades under a skilled model
    reference = replace(DECISION, pricing_model="climatology_persistence", skill=SKILLED)
    assert _blocked(reference) == (
        [],
        {"reference model climatology_persistence: scored, not traded"},
        False,
    )


def test_a_model_that_has_not_beaten_the_market_does_not_trade():
    worse = replace(DECISION, skill=MarketSkill("emos_nbp_txn", 60, 0.163, 0.156, 30))
    assert _blocked(worse) == ([], {
        "market-skill gate: emos_nbp_txn Brier 0.1630 ≥ market 0.1560 over its last 60 "
        "settled days"}, False)  # fmt: skip
    equal = replace(DECISION, skill=MarketSkill("emos_nbp_txn", 60, 0.15, 0.15, 30))
    assert _blocked(equal)[0] == []


def test_a_model_without_enough_settled_days_does_not_trade():
    young = replace(DECISION, skill=MarketSkill("emos_nbp_txn", 29, 0.10, 0.15, 30))
    assert _blocked(young) == ([], {
        "market-skill gate: emos_nbp_txn has 29 settled scored days before the decision < 30"
    }, False)  # fmt: skip
    assert _blocked(replace(DECISION, skill=None))[1] == {
        "market-skill gate: no record of emos_nbp_txn"
    }
