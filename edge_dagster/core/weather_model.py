"""Daily calibration per city, and the predictive distributions that price a city-day.

Models (each labelled in every row it produces; inputs are never mixed):

* ``emos_nbp_txn``: the live NBP bulletin, μ = a + b·TXNMN, σ = c + d·s with s = TXNSD (or
  the P10–P90 width in sds: ``stg_nbm_daily_high``). Starts from the declared prior a = 0,
  b = 1, d = 0, c = the station's day-ahead history fit's c (else ``default_live_sigma``) and
  is refitted by CRPS once ``min_pairs`` live cycles with observed highs lie in the window.
* ``emos_nbm_peak_window``: the shipped day-ahead NBM history (no spread), μ = a + b·m, σ = c.
* ``nbm_constant_sigma``: the benchmark it must beat: μ = m as issued, σ = the RMS of its
  past errors in the window.
* ``climatology_persistence``: the declared reference for cities without forecast history
  (``core/climatology.py``); never NBM.

A fit dated D is made at D 07:00 LST (once D−1's final CLI is in) from the ``window_days``
before D; a decision uses the latest fit made by then and the latest forecast public by then.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from edge_dagster.core.cities import City
from edge_dagster.core.climatology import ReferenceModel, fit_reference
from edge_dagster.core.emos import EmosCoefficients, Scores, fit_emos, score
from edge_dagster.core.weather_bins import TemperatureBin, bin_probabilities
from edge_dagster.core.weather_clock import calibration_time

NBP_EMOS = "emos_nbp_txn"
PEAK_WINDOW_EMOS = "emos_nbm_peak_window"
PEAK_WINDOW_CONSTANT_SIGMA = "nbm_constant_sigma"
REFERENCE = "climatology_persistence"
MODELS = (NBP_EMOS, PEAK_WINDOW_EMOS, PEAK_WINDOW_CONSTANT_SIGMA, REFERENCE)
PRICING_ORDER = (NBP_EMOS, PEAK_WINDOW_EMOS, REFERENCE)
"""The first of these with a forecast and a fit at a decision prices it; the rest are scored."""


@dataclass(frozen=True)
class CalibrationConfig:
    window_days: int = 60
    """Rolling window of past days (EMOS practice: 30–60 days, Gneiting et al. 2005)."""
    min_pairs: int = 30
    default_live_sigma: float = 3.0
    """°F: the shipped day-ahead history's residual sd (3.0 KAUS, 3.1 KMDW), for live priors
    of cities without that history."""


@dataclass(frozen=True)
class ModelForecast:
    """One model's predictive distribution for a city-day at a decision time."""

    model: str
    fit_id: str
    source: str
    forecast_mean: float | None
    forecast_spread: float | None
    mu: float
    sigma: float


def settlement_highs(observed: pd.DataFrame, as_of: datetime) -> pd.Series:
    """Best final observed high per climate date public at ``as_of`` (index date, °F).

    ``observed`` holds rows of ``stg_observed_highs``, whose ``source_rank`` orders sources
    for settlement; the best rank among the rows public by ``as_of`` stands.
    """
    known = observed[observed["available_at"] <= as_of]
    if known.empty:
        return pd.Series(dtype=float)
    best = known.sort_values(["climate_date", "source_rank"]).drop_duplicates("climate_date")
    return pd.Series(best["high_f"].to_numpy(float), index=list(best["climate_date"]))


def _fit_row(
    city: City,
    fit_date: date,
    fitted_at: datetime,
    model: str,
    *,
    status: str,
    params: dict,
    window: tuple[date, date],
    n_pairs: int,
    before: Scores | None,
    after: Scores | None,
    note: str = "",
) -> dict:
    coefficients = params if set("abcd") <= params.keys() else {}
    return {
        "city": city.code,
        "station": city.station,
        "fit_date": fit_date,
        "fitted_at": fitted_at,
        "model": model,
        "fit_id": f"{model}:{city.code}:{fit_date.isoformat()}",
        "status": status,
        "params": json.dumps(params, sort_keys=True),
        **{k: coefficients.get(k) for k in "abcd"},
        "n_pairs": n_pairs,
        "window_start": window[0],
        "window_end": window[1],
        "crps_before": None if before is None else before.crps,
        "crps_after": None if after is None else after.crps,
        "pit_coverage_before": None if before is None else before.pit_coverage,
        "pit_coverage_after": None if after is None else after.pit_coverage,
        "bias_before": None if before is None else before.bias,
        "bias_after": None if after is None else after.bias,
        "note": note,
    }


def calibrate(
    city: City,
    fit_date: date,
    observed: pd.DataFrame,
    peak_window: pd.DataFrame,
    nbp: pd.DataFrame,
    config: CalibrationConfig = CalibrationConfig(),
) -> tuple[list[dict], list[str]]:
    """The fits of one city dated ``fit_date`` (rows of ``weather_calibration``) and the
    reasons for any model left unfitted. Inputs are the station's rows; only what was public
    at the fit time is used."""
    fitted_at = calibration_time(fit_date, city.timezone)
    highs = settlement_highs(observed, fitted_at)
    first = fit_date - timedelta(days=config.window_days)
    window = (first, fit_date - timedelta(days=1))
    in_window = [d for d in highs.index if first <= d < fit_date]
    rows: list[dict] = []
    skipped: list[str] = []

    def fit(model: str, **kwargs: Any) -> None:
        rows.append(_fit_row(city, fit_date, fitted_at, model, window=window, **kwargs))

    history_c = None
    known = peak_window[peak_window["available_at"] <= fitted_at]
    pairs = known[known["climate_date"].isin(in_window)]
    if len(pairs) >= config.min_pairs:
        m = pairs["forecast_f"].to_numpy(float)
        y = highs.loc[list(pairs["climate_date"])].to_numpy(float)
        rms = float(np.sqrt(np.mean((y - m) ** 2)))
        raw = score(m, np.full_like(m, rms), y)
        emos = fit_emos(m, y)
        history_c = emos.c
        fit(
            PEAK_WINDOW_EMOS,
            status="fitted",
            params=emos.to_dict(),
            n_pairs=len(y),
            before=raw,
            after=score(emos.mean(m), emos.sd(0.0), y),
        )
        fit(
            PEAK_WINDOW_CONSTANT_SIGMA,
            status="fitted",
            params=EmosCoefficients(0.0, 1.0, rms).to_dict(),
            n_pairs=len(y),
            before=None,
            after=raw,
        )
    elif not peak_window.empty:
        skipped.append(f"{PEAK_WINDOW_EMOS}: {len(pairs)} pairs < {config.min_pairs}")

    prior = EmosCoefficients(0.0, 1.0, history_c or config.default_live_sigma, 0.0)
    usable = nbp[(nbp["available_at"] <= fitted_at) & nbp["local_date"].isin(in_window)]
    m = usable["txn_mean"].to_numpy(float)
    s = usable["spread_sd"].to_numpy(float)
    y = highs.loc[list(usable["local_date"])].to_numpy(float) if len(usable) else np.array([])
    source = "station day-ahead history" if history_c else "declared default"
    if len(y) >= config.min_pairs:
        live = fit_emos(m, y, s, start=prior)
        fit(
            NBP_EMOS,
            status="fitted",
            params=live.to_dict(),
            n_pairs=len(y),
            before=score(m, s, y),
            after=score(live.mean(m), live.sd(s), y),
            note=f"refit from the prior (c from the {source})",
        )
    else:
        fit(
            NBP_EMOS,
            status="prior",
            params=prior.to_dict(),
            n_pairs=len(y),
            before=score(m, s, y) if len(y) else None,
            after=score(prior.mean(m), prior.sd(s), y) if len(y) else None,
            note=f"declared prior a=0 b=1 d=0, c from the {source}: "
            f"{len(y)} live pairs < {config.min_pairs}",
        )

    known_highs = highs[[d < fit_date for d in highs.index]]
    try:
        reference = fit_reference(known_highs, in_window, config.min_pairs)
    except ValueError as error:
        skipped.append(f"{REFERENCE}: {error}")
    else:
        pairs = [(d, d - timedelta(days=1)) for d in in_window]
        pairs = [(d, p) for d, p in pairs if p in highs.index]
        y = highs.loc[[d for d, _ in pairs]].to_numpy(float)
        normal = reference.climatology.normal([d for d, _ in pairs])
        mu = np.array([reference.predict(d, p, highs[p])[0] for d, p in pairs])
        fit(
            REFERENCE,
            status="fitted",
            params=reference.to_dict(),
            n_pairs=len(y),
            before=score(normal, np.full_like(y, np.std(y - normal)), y),
            after=score(mu, np.full_like(y, reference.by_lag[1].c), y),
            note="scores at lag 1 (the day before's high known); before = climatology alone",
        )
    return rows, skipped


def latest_fits(fits: pd.DataFrame, as_of: datetime) -> dict[str, Any]:
    """The latest fit of each model made by ``as_of`` (rows of ``weather_calibration``)."""
    made = fits[fits["fitted_at"] <= as_of].sort_values("fitted_at")
    return {row.model: row for row in made.drop_duplicates("model", keep="last").itertuples()}


def forecasts_at(
    city: City,
    event_date: date,
    decision_time: datetime,
    fits: pd.DataFrame,
    observed: pd.DataFrame,
    peak_window: pd.DataFrame,
    nbp: pd.DataFrame,
) -> list[ModelForecast]:
    """Every model's distribution of the city-day's high that could be formed at the decision:
    the latest forecast public then, through the latest fit made by then."""
    chosen = latest_fits(fits, decision_time)
    found = []
    bulletins = nbp[(nbp["local_date"] == event_date) & (nbp["available_at"] <= decision_time)]
    if NBP_EMOS in chosen and not bulletins.empty:
        row = bulletins.sort_values("cycle_time").iloc[-1]
        c = EmosCoefficients(**json.loads(chosen[NBP_EMOS].params))
        found.append(
            ModelForecast(
                NBP_EMOS,
                chosen[NBP_EMOS].fit_id,
                f"nbp:{pd.Timestamp(row.cycle_time):%Y-%m-%dT%HZ}",
                float(row.txn_mean),
                float(row.spread_sd),
                float(c.mean(row.txn_mean)),
                float(c.sd(row.spread_sd)),
            )
        )
    runs = peak_window[
        (peak_window["climate_date"] == event_date) & (peak_window["available_at"] <= decision_time)
    ]
    if not runs.empty:
        run = runs.sort_values("run_time").iloc[-1]
        for model in (PEAK_WINDOW_EMOS, PEAK_WINDOW_CONSTANT_SIGMA):
            if model in chosen:
                c = EmosCoefficients(**json.loads(chosen[model].params))
                found.append(
                    ModelForecast(
                        model,
                        chosen[model].fit_id,
                        f"nbm_peak_window:{pd.Timestamp(run.run_time):%Y-%m-%dT%HZ}",
                        float(run.forecast_f),
                        None,
                        float(c.mean(run.forecast_f)),
                        float(c.sd(0.0)),
                    )
                )
    highs = settlement_highs(observed, decision_time)
    earlier = [d for d in highs.index if d < event_date]
    if REFERENCE in chosen and earlier:
        last = max(earlier)
        reference = ReferenceModel.from_dict(json.loads(chosen[REFERENCE].params))
        mu, sigma = reference.predict(event_date, last, float(highs[last]))
        found.append(
            ModelForecast(
                REFERENCE,
                chosen[REFERENCE].fit_id,
                f"observed:{last.isoformat()}",
                float(highs[last]),
                None,
                mu,
                sigma,
            )
        )
    return found


def price_bins(
    bins: Sequence[TemperatureBin], forecasts: Sequence[ModelForecast]
) -> list[tuple[ModelForecast, list[float]]]:
    """Each model's probability of every bin (``LadderError`` if the bins do not tile)."""
    priced = []
    for forecast in forecasts:
        distribution = stats.norm(forecast.mu, forecast.sigma)
        priced.append(
            (forecast, bin_probabilities(bins, lambda x, d=distribution: float(d.cdf(x))))
        )
    return priced


def pricing_model(forecasts: Sequence[ModelForecast]) -> str | None:
    available = {f.model for f in forecasts}
    return next((model for model in PRICING_ORDER if model in available), None)
