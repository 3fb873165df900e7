"""The walk-forward market-skill gate: a city's pricing model trades only where it has beaten
the market on the city's recent settled days.

At a decision time T, the record of the model that prices the decision is read from the days
whose result was known at T (every market of the event settled by T): the last
``window_days`` such days of the city, each scored as ``core.weather_scoring`` scores it — the
event's first priced decision, the bins the market had priced by then, the model's probability
and the market's last price against what settled. The model may trade only if it has at least
``min_days`` of them and its Brier over their bins is below the market's on the same bins.
A day settled after T never counts, whatever its climate date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

DAY_COLUMNS = ["city", "model", "climate_date", "settles_at", "bins", "model_se", "market_se"]


@dataclass(frozen=True)
class MarketSkillConfig:
    """The trailing window of the gate, declared (never swept against a backtest)."""

    window_days: int = 60
    """Settled days the record looks back over: the same 60 days the calibration fits on
    (``CalibrationConfig.window_days``), so the record speaks for the fit regime now trading
    rather than for a season long gone."""
    min_days: int = 30
    """Fewer settled days than this are no record: about 30 days × ~4 priced bins is the
    least that separates Brier differences of ~0.01 from noise."""


@dataclass(frozen=True)
class MarketSkill:
    """The pricing model's record against the market at one decision."""

    model: str
    days: int
    model_brier: float | None
    market_brier: float | None
    min_days: int

    @property
    def passes(self) -> bool:
        return (
            self.days >= self.min_days
            and self.model_brier is not None
            and self.market_brier is not None
            and self.model_brier < self.market_brier
        )

    @property
    def reason(self) -> str:
        """Why the model may not trade ('' when it may)."""
        if self.days < self.min_days:
            return (
                f"market-skill gate: {self.model} has {self.days} settled scored days "
                f"before the decision < {self.min_days}"
            )
        if not self.passes:
            return (
                f"market-skill gate: {self.model} Brier {self.model_brier:.4f} ≥ market "
                f"{self.market_brier:.4f} over its last {self.days} settled days"
            )
        return ""


def daily_scores(bins: pd.DataFrame) -> pd.DataFrame:
    """Per (city, model, event) with a market-priced bin: climate date, when its result was
    known (``settles_at``), the bins scored and the model's and the market's squared errors.

    ``bins``: ``core.weather_scoring.scored_bins`` rows of the events' first priced decision,
    with the event's ``settles_at``; events without a settled value are left out."""
    traded = bins.dropna(subset=["last_price", "settled_value", "settles_at"])
    traded = traded.assign(
        model_se=(traded["probability"].astype(float) - traded["outcome"]) ** 2,
        market_se=(traded["last_price"].astype(float) - traded["outcome"]) ** 2,
    )
    days = traded.groupby(["city", "model", "event_ticker"], as_index=False).agg(
        climate_date=("climate_date", "first"),
        settles_at=("settles_at", "max"),
        bins=("outcome", "size"),
        model_se=("model_se", "sum"),
        market_se=("market_se", "sum"),
    )
    return days[DAY_COLUMNS].sort_values(["city", "model", "climate_date"], ignore_index=True)


def market_skill(
    days: pd.DataFrame,
    city: str,
    model: str,
    decision_time: datetime,
    config: MarketSkillConfig = MarketSkillConfig(),
) -> MarketSkill:
    """The model's Brier and the market's over the city's last ``window_days`` days whose
    result was known at ``decision_time`` (``days`` from :func:`daily_scores`)."""
    mine = days[
        (days["city"] == city)
        & (days["model"] == model)
        & (pd.to_datetime(days["settles_at"], utc=True) <= pd.Timestamp(decision_time))
    ]
    window = mine.sort_values("climate_date").tail(config.window_days)
    if window.empty:
        return MarketSkill(model, 0, None, None, config.min_days)
    n = float(np.sum(window["bins"]))
    return MarketSkill(
        model,
        len(window),
        float(np.sum(window["model_se"]) / n),
        float(np.sum(window["market_se"]) / n),
        config.min_days,
    )
