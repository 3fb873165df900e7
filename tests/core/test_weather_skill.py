"""The walk-forward market-skill gate on a declared, hand-made record.

Four settled CHI days priced by ``emos_nbp_txn`` (first priced decision 09:30Z of the day
before; each result known at 15:00Z the day after), two market-priced bins each, and one bin
the market never priced (no last price: not scored). Outcome = the bin holding the settled
value (bins [70.5, 72.5) and [72.5, 74.5); settled 71 → first bin, 73 → second):

    day        settled   model p (bin1, bin2)   market last (bin1, bin2)
    2026-09-01   71       0.6, 0.3               0.5, 0.5
    2026-09-02   73       0.2, 0.7               0.4, 0.5
    2026-09-03   71       0.9, 0.1               0.7, 0.2
    2026-09-04   73       0.5, 0.4               0.3, 0.6

Squared errors per day, model: 0.25 (0.16 + 0.09), 0.13, 0.02, 0.61; market: 0.50, 0.41,
0.13, 0.25. Window of the last 3 settled days, at least 2.
"""

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from edge_dagster.core.weather_scoring import scored_bins
from edge_dagster.core.weather_skill import MarketSkillConfig, daily_scores, market_skill

MODEL = "emos_nbp_txn"
CONFIG = MarketSkillConfig(window_days=3, min_days=2)
DAYS = {
    date(2026, 9, 1): (71, (0.6, 0.3), (0.5, 0.5)),
    date(2026, 9, 2): (73, (0.2, 0.7), (0.4, 0.5)),
    date(2026, 9, 3): (71, (0.9, 0.1), (0.7, 0.2)),
    date(2026, 9, 4): (73, (0.5, 0.4), (0.3, 0.6)),
}


def _known(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=15)


def _record(days: dict = DAYS) -> pd.DataFrame:
    probabilities, settled, prices = [], [], []
    for day, (value, model, market) in days.items():
        event = f"KXHIGHCHI-{day:%y%b%d}".upper()
        decided = datetime.combine(day - timedelta(days=1), datetime.min.time(), UTC)
        decided += timedelta(hours=9, minutes=30)
        edges = [(70.5, 72.5), (72.5, 74.5), (74.5, 76.5)]
        for i, ((low, high), p) in enumerate(zip(edges, [*model, 0.0], strict=True)):
            ticker = f"{event}-B{low + 1}"
            probabilities.append({
                "city": "CHI", "climate_date": day, "event_ticker": event, "model": MODEL,
                "decision_time": decided, "ticker": ticker, "lower_edge": low,
                "upper_edge": high, "probability": p,
            })  # fmt: skip
            if i < 2:
                prices.append({"ticker": ticker, "as_of": decided, "last_price": market[i]})
        settled.append({"event_ticker": event, "settled_value": float(value),
                        "settles_at": _known(day)})  # fmt: skip
    return daily_scores(
        scored_bins(pd.DataFrame(probabilities), pd.DataFrame(settled), pd.DataFrame(prices))
    )


def test_the_briers_are_the_pooled_squared_errors_of_the_last_settled_days():
    days = _record()
    assert days["bins"].tolist() == [2, 2, 2, 2]
    assert days["model_se"].round(6).tolist() == [0.25, 0.13, 0.02, 0.61]
    assert days["market_se"].round(6).tolist() == [0.50, 0.41, 0.13, 0.25]
    # at 2026-09-05 16:00Z all four are known; the window is the last three (02, 03, 04)
    skill = market_skill(days, "CHI", MODEL, datetime(2026, 9, 5, 16, tzinfo=UTC), CONFIG)
    assert skill.days == 3
    assert skill.model_brier == pytest.approx((0.13 + 0.02 + 0.61) / 6)  # 0.126667
    assert skill.market_brier == pytest.approx((0.41 + 0.13 + 0.25) / 6)  # 0.131667
    assert skill.passes and skill.reason == ""


def test_only_days_whose_result_was_known_count():
    days = _record()
    # 2026-09-04 14:59Z: 09-03 settles at 15:00Z, so only 09-01 and 09-02 are known
    at = datetime(2026, 9, 4, 14, 59, tzinfo=UTC)
    skill = market_skill(days, "CHI", MODEL, at, CONFIG)
    assert (skill.days, skill.model_brier, skill.market_brier) == (
        2,
        pytest.approx(0.38 / 4),
        pytest.approx(0.91 / 4),
    )
    assert market_skill(days, "CHI", MODEL, at - timedelta(days=1), CONFIG).reason == (
        "market-skill gate: emos_nbp_txn has 1 settled scored days before the decision < 2"
    )


def test_the_market_wins_and_the_gate_says_both_briers():
    # the last two days (03, 04): model (0.02 + 0.61) / 4 = 0.1575, market (0.13 + 0.25) / 4
    # = 0.095
    two = MarketSkillConfig(window_days=2, min_days=2)
    skill = market_skill(_record(), "CHI", MODEL, datetime(2026, 9, 5, 16, tzinfo=UTC), two)
    assert not skill.passes
    assert skill.reason == (
        "market-skill gate: emos_nbp_txn Brier 0.1575 ≥ market 0.0950 over its last 2 settled days"
    )


def test_deleting_later_days_leaves_the_gate_unchanged():
    at = datetime(2026, 9, 4, 16, tzinfo=UTC)  # 09-01..09-03 known; 09-04 not yet
    full = market_skill(_record(), "CHI", MODEL, at, CONFIG)
    earlier = {d: v for d, v in DAYS.items() if d < date(2026, 9, 4)}
    assert market_skill(_record(earlier), "CHI", MODEL, at, CONFIG) == full
    assert full.days == 3


def test_other_cities_and_models_have_their_own_record():
    days = _record()
    at = datetime(2026, 9, 5, 16, tzinfo=UTC)
    assert market_skill(days, "AUS", MODEL, at, CONFIG).days == 0
    assert market_skill(days, "CHI", "emos_nbm_peak_window", at, CONFIG).days == 0
