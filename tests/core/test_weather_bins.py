"""Bin probabilities with whole-degree settlement, checked against Kalshi's own settlements."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from scipy import stats

from edge_dagster.core.weather_bins import (
    LadderError,
    TemperatureBin,
    bin_probabilities,
    ladder_bin_count,
    rebuild_ladder,
)
from edge_dagster.settings import DEFAULT_REPLAY_DIR

WEATHER = DEFAULT_REPLAY_DIR / "weather"
EVENT = "KXHIGHNY-26OCT02"
# KXHIGHNY-26OCT02's layout (reference §7): ≤80, 81–82, 83–84, 85–86, 87–88, ≥89.
LADDER = [
    TemperatureBin(f"{EVENT}-T81", "less", None, 81),
    TemperatureBin(f"{EVENT}-B81.5", "between", 81, 82),
    TemperatureBin(f"{EVENT}-B83.5", "between", 83, 84),
    TemperatureBin(f"{EVENT}-B85.5", "between", 85, 86),
    TemperatureBin(f"{EVENT}-B87.5", "between", 87, 88),
    TemperatureBin(f"{EVENT}-T88", "greater", 88, None),
]
MU, SIGMA = 84.2, 2.7


def normal_cdf(x: float) -> float:
    return float(stats.norm.cdf(x, MU, SIGMA))


def _none(value: float) -> float | None:
    return None if pd.isna(value) else float(value)


def recorded_bins(frame: pd.DataFrame) -> list[TemperatureBin]:
    return [
        TemperatureBin(r.ticker, r.strike_type, _none(r.floor_strike), _none(r.cap_strike))
        for r in frame.itertuples()
    ]


def test_a_between_bin_spans_half_a_degree_beyond_each_strike():
    p = bin_probabilities(LADDER, normal_cdf)
    assert p[1] == pytest.approx(normal_cdf(82.5) - normal_cdf(80.5), abs=1e-15)


def test_the_tails_settle_on_the_next_whole_degree():
    p = bin_probabilities(LADDER, normal_cdf)
    assert p[0] == pytest.approx(normal_cdf(80.5), abs=1e-15)  # less cap 81: T <= 80
    assert p[-1] == pytest.approx(1 - normal_cdf(88.5), abs=1e-15)  # greater floor 88: T >= 89


def test_an_events_probabilities_sum_to_one():
    assert math.fsum(bin_probabilities(LADDER, normal_cdf)) == pytest.approx(1.0, abs=1e-12)


def test_every_shipped_market_settled_on_the_bin_of_kalshis_value():
    markets = pd.read_csv(WEATHER / "kalshi_kxhigh_markets.csv")
    value = markets.groupby("event_ticker")["expiration_value"].transform("max")
    markets = markets[value.notna()].assign(value=value[value.notna()])
    bins = recorded_bins(markets)
    paid = [b.edges[0] <= v < b.edges[1] for b, v in zip(bins, markets["value"], strict=True)]
    assert len(paid) == 5_328  # 888 events × 6 (one event has no settled value)
    assert paid == list(markets["result"] == "yes")


def test_every_shipped_ladder_tiles_the_line():
    markets = pd.read_csv(WEATHER / "kalshi_kxhigh_markets.csv")
    for _, event in markets.groupby("event_ticker"):
        assert math.fsum(bin_probabilities(recorded_bins(event), normal_cdf)) == pytest.approx(1)


def test_a_missing_bin_is_a_gap_and_the_event_is_refused():
    with pytest.raises(LadderError, match="bins_gap at KXHIGHNY-26OCT02-B85.5"):
        bin_probabilities(LADDER[:2] + LADDER[3:], normal_cdf)


def test_overlapping_bins_are_refused():
    overlapping = [*LADDER[:2], TemperatureBin(f"{EVENT}-B82.5", "between", 82, 83), *LADDER[2:]]
    with pytest.raises(LadderError, match="bins_overlap at KXHIGHNY-26OCT02-B82.5"):
        bin_probabilities(overlapping, normal_cdf)


def test_a_ladder_with_both_tails_traded_is_filled_between_them():
    traded = [LADDER[0], LADDER[2], LADDER[5]]
    ladder = rebuild_ladder(EVENT, traded, bin_count=4)
    assert [(b.ticker.rsplit("-", 1)[1], b.strike_source) for b in ladder] == [
        ("T81", "kalshi"),
        ("B81.5", "rebuilt"),
        ("B83.5", "kalshi"),
        ("B85.5", "rebuilt"),
        ("B87.5", "rebuilt"),
        ("T88", "kalshi"),
    ]
    assert [(b.strike_type, b.floor_strike, b.cap_strike) for b in ladder] == [
        (b.strike_type, b.floor_strike, b.cap_strike) for b in LADDER
    ]


def test_a_missing_lower_tail_extends_the_ladder_to_its_standard_size():
    ladder = rebuild_ladder(EVENT, [LADDER[3], LADDER[5]], bin_count=4)
    assert [b.ticker for b in ladder] == [b.ticker for b in LADDER]


def test_untraded_bins_with_no_tail_to_anchor_them_are_refused():
    with pytest.raises(LadderError, match="no tail traded and 2 of 4 bins"):
        rebuild_ladder(EVENT, LADDER[2:4], bin_count=4)


def test_a_traded_market_without_a_strike_type_is_refused():
    with pytest.raises(LadderError, match="strike type '' is unknown"):
        rebuild_ladder("HIGHNY-24JAN10", [TemperatureBin("HIGHNY-24JAN10-T53", "", None, None)], 4)


def test_the_number_of_bins_comes_from_the_latest_complete_ladder():
    complete = {date(2023, 12, 26): 3, date(2023, 12, 28): 3, date(2023, 12, 29): 4}
    assert [ladder_bin_count(complete, date(2023, 12, d)) for d in (25, 28, 29, 31)] == [3, 3, 4, 4]


def test_rebuilt_derived_ladders_agree_with_the_implied_results():
    # 2023-12 → 2024-08: only traded markets are recorded. Every rebuildable ladder must put
    # the observed high in the one recorded market whose implied result is yes (if it traded).
    derived = pd.read_csv(WEATHER / "kalshi_kxhigh_markets_derived_2023-12_2024-08.csv")
    derived["strike_type"] = derived["strike_type"].fillna("")
    priced, refused = 0, 0
    for event, markets in derived.groupby("event_ticker"):
        count = 3 if markets["climate_date"].iloc[0] <= "2023-12-28" else 4
        try:
            ladder = rebuild_ladder(event, recorded_bins(markets), count)
        except LadderError:
            refused += 1
            continue
        observed = markets["observed_high_f"].iloc[0]
        (winner,) = [b for b in ladder if b.edges[0] <= observed < b.edges[1]]
        implied = dict(zip(markets["ticker"], markets["implied_result"], strict=True))
        assert all(implied[t] == ("yes" if t == winner.ticker else "no") for t in implied)
        priced += 1
    assert (priced, refused) == (699, 6)
