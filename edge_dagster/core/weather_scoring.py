"""Scores of the bin probabilities against what settled, and against the market on the same bins.

Per city-day event, one decision is scored: the first at which its markets were listed and a
forecast was public (for the shipped history: the previous day's 12Z run + the availability
delay). Each model's continuous CRPS uses its (μ, σ) and the settled high; Brier uses every bin
of the ladder (rebuilt bins included, settled through their edges); the market comparison uses
only the bins with a trade before the decision, its last price against the model's probability
on exactly those bins.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from edge_dagster.core.distributions import reliability_table
from edge_dagster.core.emos import central_coverage, crps_normal, pit

MARKET = "market_last_price"


def first_decisions(probabilities: pd.DataFrame) -> pd.DataFrame:
    """The rows of each event's first priced decision (all models)."""
    first = probabilities.groupby("event_ticker")["decision_time"].transform("min")
    return probabilities[probabilities["decision_time"] == first]


def scored_bins(
    probabilities: pd.DataFrame, settled: pd.DataFrame, last_prices: pd.DataFrame
) -> pd.DataFrame:
    """One row per (event, decision, model, bin) with its outcome and the market's last price.

    ``settled``: event_ticker, settled_value, settled_value_source, pnl_eligible;
    ``last_prices``: ticker, as_of, last_price (dollars; missing when nothing traded yet).
    """
    frame = probabilities.merge(settled, on="event_ticker", how="inner")
    frame["outcome"] = (
        (frame["lower_edge"] <= frame["settled_value"])
        & (frame["settled_value"] < frame["upper_edge"])
    ).astype(float)
    prices = last_prices.rename(columns={"as_of": "decision_time"})
    return frame.merge(prices, on=["ticker", "decision_time"], how="left")


def city_scores(bins: pd.DataFrame) -> pd.DataFrame:
    """Per city and model: days, CRPS (°F), PIT coverage (central 80 %), Brier over every bin,
    and Brier of the model and of the market's last price on the bins the market priced."""
    events = bins.drop_duplicates(["event_ticker", "model"])
    rows = []
    for (city, model), group in bins.groupby(["city", "model"]):
        event_rows = events[(events["city"] == city) & (events["model"] == model)]
        mu, sigma, y = (event_rows[c].to_numpy(float) for c in ("mu", "sigma", "settled_value"))
        traded = group.dropna(subset=["last_price"])
        rows.append(
            {
                "city": city,
                "model": model,
                "days": len(event_rows),
                "crps": float(np.mean(crps_normal(mu, sigma, y))),
                "pit_coverage_80": central_coverage(pit(mu, sigma, y)),
                "bias": float(np.mean(y - mu)),
                "brier_all_bins": _brier(group["probability"], group["outcome"]),
                "market_bins": len(traded),
                "brier_on_market_bins": _brier(traded["probability"], traded["outcome"]),
                "market_brier": _brier(traded["last_price"].astype(float), traded["outcome"]),
            }
        )
    return pd.DataFrame(rows)


def _brier(probability: pd.Series, outcome: pd.Series) -> float:
    if probability.empty:
        return float("nan")
    return float(np.mean((probability.to_numpy(float) - outcome.to_numpy(float)) ** 2))


def reliability(bins: pd.DataFrame, model: str, bins_count: int = 10) -> pd.DataFrame:
    """Predicted vs observed frequency of ``model``'s bins, or of the market's last prices
    (``model=MARKET``) on the bins it priced."""
    if model == MARKET:
        traded = bins[bins["pricing_model"]].dropna(subset=["last_price"])
        return reliability_table(traded["last_price"].astype(float), traded["outcome"], bins_count)
    chosen = bins[bins["model"] == model]
    return reliability_table(chosen["probability"], chosen["outcome"], bins_count)
