"""The pooled fair value on the real Friday quotes: model, market mid and their blend.

Run from the repo root: ``.venv/bin/python -m benchmarks.tsa_pooled_fair_value``. The pairs are
the (market, Friday 15:00 UTC) rows of ``kalshi_tsaw_friday_quotes_2022_2026.csv`` with a real
two-sided quote (bid > 0, ask < 1) and a spread of at most 0.20; the quote is the close of the
hour bar ending at the decision (age 0). The model's probability is the walk-forward system's
forecast with Thursday's figure known (horizon 4, published 09:00 ET, before the bar's end).
The pooling weight of each week is chosen on the pairs settled before its decision
(``pooling.walk_forward_pool_weights``). Outcomes are Kalshi's results. Prints Brier scores by
year and overall with 90 % week-block bootstrap intervals of the differences.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.tsa_forecast_accuracy import complete_mondays, load_markets
from edge_dagster.assets.tsa_strategy import TAKER_HORIZON
from edge_dagster.core import backtest_report as report
from edge_dagster.core.pooling import (
    MAX_POOL_SPREAD,
    two_sided,
    walk_forward_pool_weights,
    walk_forward_pooled,
)
from edge_dagster.core.tsa_model import ENSEMBLE, backtest_forecasts, history_from_daily
from edge_dagster.settings import DEFAULT_REPLAY_DIR

DATA_DIR = Path(os.environ.get("EDGE_REPLAY_DIR", str(DEFAULT_REPLAY_DIR)))
QUOTES_FILE = "kalshi_tsaw_friday_quotes_2022_2026.csv"
FRIDAY_HORIZON = 4
COMPARED = (ENSEMBLE, "holiday_aligned", "baseline")


def friday_pairs(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The priced Friday pairs with the model's probabilities, the quote and the outcome."""
    quotes = pd.read_csv(data_dir / QUOTES_FILE)
    bid, ask = quotes["yes_bid_close"], quotes["yes_ask_close"]
    quotes = quotes[two_sided(bid, ask) & (ask - bid <= MAX_POOL_SPREAD)]
    markets = load_markets(data_dir)[["ticker", "result", "expiration_time_utc"]]
    pairs = quotes.merge(markets, on="ticker", how="inner", validate="one_to_one")
    pairs = pairs.assign(
        week_monday=pd.to_datetime(pairs["week_monday"]).dt.date,
        decision_time=pd.to_datetime(pairs["period_end_unix"], unit="s", utc=True),
        settled_at=pd.to_datetime(pairs["expiration_time_utc"], utc=True),
        yes_bid=pairs["yes_bid_close"],
        yes_ask=pairs["yes_ask_close"],
        quote_age_hours=0.0,
        outcome=pairs["result"].eq("yes").astype(float),
    )
    daily = pd.read_csv(data_dir / "tsa_checkpoint_daily.csv")
    forecasts = backtest_forecasts(history_from_daily(daily), complete_mondays(daily))
    friday = forecasts[forecasts["horizon"] == FRIDAY_HORIZON].sort_values("slot")
    friday = friday.drop_duplicates(["model", "monday"]).set_index(["model", "monday"])
    for model in COMPARED:
        rows = friday.loc[model].loc[pairs["week_monday"]]
        if (rows["as_of"].to_numpy() > pairs["decision_time"].to_numpy()).any():
            raise ValueError("a forecast made after its Friday decision")
        pairs[model] = [
            float(d.prob_above(s))
            for d, s in zip(rows["distribution"], pairs["strike_travelers"], strict=True)
        ]
    pairs["model_yes"] = pairs[ENSEMBLE]
    pairs["horizon"] = TAKER_HORIZON
    pairs["pool_weight"] = walk_forward_pool_weights(pairs)  # w₀, before the shrinkage
    pairs["pooled"] = walk_forward_pooled(pairs)["fair_yes"]  # what tsa_fair_values trades
    pairs["mid"] = (pairs["yes_bid"] + pairs["yes_ask"]) / 2
    pairs["year"] = [m.year for m in pairs["week_monday"]]
    return pairs.reset_index(drop=True)


def _head_to_head(pairs: pd.DataFrame, ours: str, theirs: str) -> dict[str, float | int]:
    """Brier of ``ours`` against ``theirs`` on the pairs, with the week-block bootstrap of the
    difference (``core.backtest_report.probability_scores``, its two-sided filter included)."""
    frame = pd.DataFrame(
        {
            "week_monday": pairs["week_monday"],
            "model": "x",
            "fair_yes": pairs[ours],
            "outcome": pairs["outcome"],
            "market_bid": pairs["yes_bid"],
            "market_ask": pairs["yes_ask"],
            "market_mid": pairs[theirs],
        }
    )
    return report.probability_scores(frame, model="x")


def main() -> None:
    pairs = friday_pairs()
    spread = (pairs["yes_ask"] - pairs["yes_bid"]).mean()
    print(
        f"{len(pairs)} priced Friday pairs (two-sided, spread <= {MAX_POOL_SPREAD}) in "
        f"{pairs['week_monday'].nunique()} weeks, {pairs['week_monday'].min()} .. "
        f"{pairs['week_monday'].max()}; mean spread {spread:.3f}"
    )
    rows = []
    for year, group in [*pairs.groupby("year"), ("all", pairs)]:
        row: dict[str, object] = {
            "year": year,
            "pairs": len(group),
            "weeks": group["week_monday"].nunique(),
            "w0": group["pool_weight"].mean(),
        }
        for column in ("pooled", *COMPARED, "mid"):
            row[column] = float(np.mean((group[column] - group["outcome"]) ** 2))
        for theirs in (ENSEMBLE, "mid"):
            scores = _head_to_head(group, "pooled", theirs)
            row[f"pooled-{theirs}"] = (
                f"{scores['brier_diff']:+.4f} [{scores['brier_diff_lo']:+.4f}, "
                f"{scores['brier_diff_hi']:+.4f}]"
            )
        scores = _head_to_head(group, ENSEMBLE, "mid")
        row["model-mid"] = f"{scores['brier_diff']:+.4f}"
        rows.append(row)
    table = pd.DataFrame(rows)
    print("\nBrier score per pair (lower is better); differences with 90 % week-block intervals")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    by_year = table[table["year"] != "all"]
    beat_both = (by_year["pooled"] < by_year[ENSEMBLE]) & (by_year["pooled"] < by_year["mid"])
    overall = table[table["year"] == "all"].iloc[0]
    print(
        f"\npooled below both the model and the mid: overall "
        f"{'yes' if overall['pooled'] < min(overall[ENSEMBLE], overall['mid']) else 'NO'}; "
        f"in {int(beat_both.sum())} of {len(by_year)} years "
        f"({', '.join(str(y) for y in by_year.loc[beat_both, 'year'])})"
    )
    tails = pairs[(pairs["mid"] >= 0.04) & (pairs["mid"] <= 0.22)]
    print(
        f"tail-priced pairs (mid 0.04-0.22, where trades happen): {len(tails)}; Brier pooled "
        f"{np.mean((tails['pooled'] - tails['outcome']) ** 2):.4f}, model "
        f"{np.mean((tails[ENSEMBLE] - tails['outcome']) ** 2):.4f}, mid "
        f"{np.mean((tails['mid'] - tails['outcome']) ** 2):.4f}"
    )


if __name__ == "__main__":
    main()
