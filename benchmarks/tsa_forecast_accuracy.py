"""Accuracy benchmark of the TSA weekly-average forecasts on the real archive.

Run from the repo root: ``.venv/bin/python -m benchmarks.tsa_forecast_accuracy``.
Replays every week 2022-01-03 .. the last complete week at the five decision times with
publication times from the clock, then scores point accuracy, interval calibration and the
probabilities of the 2026 Kalshi ladders against their settled results — and, since 16 weeks
is a small sample, of the standard 2026 ladder applied to every scored week. Data directory:
``TSA_DATA_DIR`` (default ``/work/shared/data``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from edge_dagster.core.distributions import (
    bias,
    brier_score,
    interval_coverage,
    log_loss,
    mape,
    reliability_table,
)
from edge_dagster.core.tsa_model import MODELS, backtest_forecasts, history_from_daily

DATA_DIR = Path(os.environ.get("TSA_DATA_DIR", "/work/shared/data"))
FIRST_WEEK = date(2022, 1, 3)
SCORE_FROM = date(2023, 1, 2)
# Reference only: 2022 weeks after the COVID window, outside the scored period.
EARLY_FROM, EARLY_TO = date(2022, 3, 7), date(2022, 12, 26)
TARGET_MAPE_RATIO = 0.8
TARGET_COVERAGE = (0.76, 0.84)
HORIZON_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri")
STANDARD_LADDER = np.arange(1_800_000, 2_800_001, 50_000)


def _complete_mondays(daily: pd.DataFrame) -> list[date]:
    last_day = pd.to_datetime(daily["date"]).max().date()
    last_monday = last_day - timedelta(days=(last_day.weekday() + 1) % 7 + 6)
    return [
        FIRST_WEEK + timedelta(weeks=i) for i in range((last_monday - FIRST_WEEK).days // 7 + 1)
    ]


def _by_horizon(frame: pd.DataFrame, score: Callable[[pd.DataFrame], float]) -> pd.DataFrame:
    table = frame.groupby(["model", "horizon"]).apply(score, include_groups=False).unstack()
    table.columns = [HORIZON_NAMES[h] for h in table.columns]
    return table


def _print_table(title: str, table: pd.DataFrame, fmt: str) -> None:
    print(f"\n{title}")
    print(table.map(lambda v: format(v, fmt)).to_string())


def _interval_hit(frame: pd.DataFrame, level: float = 0.8) -> float:
    bounds = np.array([d.central_interval(level) for d in frame["distribution"]])
    return interval_coverage(bounds[:, 0], bounds[:, 1], frame["actual"])


def _log_score(frame: pd.DataFrame) -> float:
    """Mean log density of the realised average, in nats per million travelers."""
    scores = [d.log_density(a) for d, a in zip(frame["distribution"], frame["actual"], strict=True)]
    return float(np.mean(scores) + np.log(1e6))


def _market_probabilities(forecasts: pd.DataFrame, markets: pd.DataFrame) -> pd.DataFrame:
    markets = markets.assign(week_monday=pd.to_datetime(markets["week_monday"]).dt.date)
    merged = markets.merge(forecasts, left_on="week_monday", right_on="monday")
    merged["p_yes"] = [
        float(d.prob_above(s))
        for d, s in zip(merged["distribution"], merged["strike_travelers"], strict=True)
    ]
    merged["yes"] = (merged["result"] == "yes").astype(float)
    return merged


def _ladder_probabilities(forecasts: pd.DataFrame) -> pd.DataFrame:
    """The standard 21-strike ladder on every week; outcome = archive average > strike."""
    probs = np.array([d.prob_above(STANDARD_LADDER) for d in forecasts["distribution"]])
    outcome = forecasts["actual"].to_numpy()[:, None] > STANDARD_LADDER[None, :]
    return pd.DataFrame(
        {
            "model": np.repeat(forecasts["model"].to_numpy(), len(STANDARD_LADDER)),
            "horizon": np.repeat(forecasts["horizon"].to_numpy(), len(STANDARD_LADDER)),
            "p_yes": probs.ravel(),
            "yes": outcome.ravel().astype(float),
        }
    )


def main() -> None:
    started = time.perf_counter()
    daily = pd.read_csv(DATA_DIR / "tsa_checkpoint_daily.csv")
    history = history_from_daily(daily)
    mondays = _complete_mondays(daily)
    loaded = time.perf_counter()
    forecasts = backtest_forecasts(history, mondays, MODELS)
    finished = time.perf_counter()
    print(
        f"weeks {mondays[0]} .. {mondays[-1]} ({len(mondays)}) x 5 decision times x "
        f"{len(MODELS)} models = {len(forecasts)} forecasts"
    )
    print(
        f"wall time: backtest {finished - loaded:.2f} s "
        f"(+ load and clock stamping {loaded - started:.2f} s)"
    )

    scored = forecasts[forecasts["monday"] >= SCORE_FROM]
    print(
        f"\n=== Point accuracy, weeks {SCORE_FROM} .. {mondays[-1]} ({scored['monday'].nunique()})"
    )
    mapes = _by_horizon(scored, lambda g: 100 * mape(g["point"], g["actual"]))
    _print_table("MAPE of the weekly average (%)", mapes, ".3f")
    _print_table(
        "bias (%, + = forecast too high)",
        _by_horizon(scored, lambda g: 100 * bias(g["point"], g["actual"])),
        "+.3f",
    )
    ratio = mapes.loc["holiday_aligned"] / mapes.loc["baseline"]
    print("\nholiday_aligned / baseline MAPE:", "  ".join(f"{h} {r:.3f}" for h, r in ratio.items()))
    for horizon in ("Mon", "Fri"):
        met = ratio[horizon] <= TARGET_MAPE_RATIO
        print(f"target ratio <= {TARGET_MAPE_RATIO} at {horizon}: {'MET' if met else 'NOT MET'}")

    early = forecasts[(forecasts["monday"] >= EARLY_FROM) & (forecasts["monday"] <= EARLY_TO)]
    _print_table(
        f"for reference, MAPE (%) {EARLY_FROM} .. {EARLY_TO} (only 2019 references usable)",
        _by_horizon(early, lambda g: 100 * mape(g["point"], g["actual"])),
        ".3f",
    )

    print("\n=== Calibration of the predictive distribution")
    coverage = _by_horizon(scored, _interval_hit)
    _print_table("central-80 % interval coverage", coverage, ".3f")
    for model, frame in scored.groupby("model"):
        overall = _interval_hit(frame)
        verdict = "MET" if TARGET_COVERAGE[0] <= overall <= TARGET_COVERAGE[1] else "NOT MET"
        print(f"{model}: overall coverage {overall:.3f} (target 0.76-0.84: {verdict})")
    _print_table(
        "mean log score of the realised average (nats per million travelers; higher is better)",
        _by_horizon(scored, _log_score),
        ".3f",
    )

    markets = pd.read_csv(DATA_DIR / "kalshi_tsaw_markets_2026.csv")
    priced = _market_probabilities(forecasts, markets)
    print(
        f"\n=== 2026 Kalshi ladders: {markets['event_ticker'].nunique()} weeks, "
        f"{len(markets)} markets; P(avg > strike) vs settled result"
    )
    _print_table(
        "Brier score", _by_horizon(priced, lambda g: brier_score(g["p_yes"], g["yes"])), ".4f"
    )
    _print_table(
        "log loss (p clipped to [1e-4, 1 - 1e-4])",
        _by_horizon(priced, lambda g: log_loss(g["p_yes"], g["yes"])),
        ".4f",
    )
    for model, frame in priced.groupby("model"):
        print(
            f"{model}: all horizons Brier {brier_score(frame['p_yes'], frame['yes']):.4f}  "
            f"log loss {log_loss(frame['p_yes'], frame['yes']):.4f}"
        )

    ladder = _ladder_probabilities(scored)
    print(
        f"\n=== Standard ladder (1.80M..2.80M) on every scored week {SCORE_FROM} .. "
        f"{mondays[-1]}; outcome from the archive average"
    )
    _print_table(
        "Brier score", _by_horizon(ladder, lambda g: brier_score(g["p_yes"], g["yes"])), ".4f"
    )
    _print_table(
        "log loss (p clipped to [1e-4, 1 - 1e-4])",
        _by_horizon(ladder, lambda g: log_loss(g["p_yes"], g["yes"])),
        ".4f",
    )

    best = ladder[ladder["model"] == "holiday_aligned"]
    print("\nreliability, holiday_aligned, standard ladder, all horizons:")
    print(reliability_table(best["p_yes"], best["yes"]).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
