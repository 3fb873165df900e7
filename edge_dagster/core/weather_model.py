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
from scipy import special

from edge_dagster.core.cities import City
from edge_dagster.core.climatology import ReferenceModel, fit_reference
from edge_dagster.core.emos import EmosCoefficients, Scores, fit_emos, score
from edge_dagster.core.weather_bins import TemperatureBin, bin_probabilities
from edge_dagster.core.weather_clock import calibration_time

NBP_EMOS = "emos_nbp_txn"
PEAK_WINDOW_EMOS = "emos_nbm_peak_window"
PEAK_WINDOW_CONSTANT_SIGMA = "nbm_constant_sigma"
REFERENCE = "climatology_persistence"
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


class CityInputs:
    """One city's fits and inputs indexed for point-in-time lookups at many decisions.

    ``fits`` are rows of ``weather_calibration``; ``observed``, ``peak_window`` and ``nbp`` the
    station's rows of ``stg_observed_highs``, ``nbm_peak_window_forecasts`` and
    ``stg_nbm_daily_high``.
    """

    def __init__(
        self,
        fits: pd.DataFrame,
        observed: pd.DataFrame,
        peak_window: pd.DataFrame,
        nbp: pd.DataFrame,
    ) -> None:
        self._fits = {
            model: (_instants(group["fitted_at"]), list(group.itertuples(index=False)))
            for model, group in fits.sort_values("fitted_at").groupby("model")
        }
        self._params: dict[str, Any] = {}
        observed = observed.sort_values(["climate_date", "source_rank"])
        self._observed_day = np.array([d.toordinal() for d in observed["climate_date"]], dtype=int)
        self._observed_at = _instants(observed["available_at"])
        self._observed_high = observed["high_f"].to_numpy(float)
        self._peak = {
            day: list(group.sort_values("run_time").itertuples(index=False))
            for day, group in peak_window.groupby("climate_date")
        }
        self._nbp = {
            day: list(group.sort_values("cycle_time").itertuples(index=False))
            for day, group in nbp.groupby("local_date")
        }

    def fit(self, model: str, as_of: datetime) -> Any | None:
        """The latest fit of ``model`` made by ``as_of``."""
        if model not in self._fits:
            return None
        instants, rows = self._fits[model]
        i = int(np.searchsorted(instants, _instant(as_of), side="right")) - 1
        return rows[i] if i >= 0 else None

    def params(self, fit: Any) -> dict:
        if fit.fit_id not in self._params:
            self._params[fit.fit_id] = json.loads(fit.params)
        return self._params[fit.fit_id]

    def latest_high_before(self, day: date, as_of: datetime) -> tuple[date, float] | None:
        """The latest climate day before ``day`` with a final high public at ``as_of``, and
        that high from its best-ranked source public then."""
        known = (self._observed_at <= _instant(as_of)) & (self._observed_day < day.toordinal())
        if not known.any():
            return None
        last = self._observed_day[known].max()
        i = int(np.flatnonzero(known & (self._observed_day == last))[0])  # best rank first
        return date.fromordinal(int(last)), float(self._observed_high[i])

    @staticmethod
    def _latest(rows: list, as_of: datetime) -> Any | None:
        public = [r for r in rows if r.available_at <= as_of]
        return public[-1] if public else None

    def peak_window_run(self, day: date, as_of: datetime) -> Any | None:
        return self._latest(self._peak.get(day, []), as_of)

    def bulletin(self, day: date, as_of: datetime) -> Any | None:
        return self._latest(self._nbp.get(day, []), as_of)


def _instants(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values, utc=True).to_numpy(dtype="datetime64[ns]")


def _instant(moment: datetime) -> np.datetime64:
    return np.datetime64(pd.Timestamp(moment).tz_convert("UTC").tz_localize(None), "ns")


def forecasts_at(
    event_date: date, decision_time: datetime, inputs: CityInputs
) -> list[ModelForecast]:
    """Every model's distribution of the city-day's high that could be formed at the decision:
    the latest forecast public then, through the latest fit made by then."""
    found = []
    fit = inputs.fit(NBP_EMOS, decision_time)
    bulletin = inputs.bulletin(event_date, decision_time)
    if fit is not None and bulletin is not None:
        c = EmosCoefficients(**inputs.params(fit))
        found.append(
            ModelForecast(
                NBP_EMOS,
                fit.fit_id,
                f"nbp:{pd.Timestamp(bulletin.cycle_time):%Y-%m-%dT%HZ}",
                float(bulletin.txn_mean),
                float(bulletin.spread_sd),
                float(c.mean(bulletin.txn_mean)),
                float(c.sd(bulletin.spread_sd)),
            )
        )
    run = inputs.peak_window_run(event_date, decision_time)
    for model in (PEAK_WINDOW_EMOS, PEAK_WINDOW_CONSTANT_SIGMA):
        fit = inputs.fit(model, decision_time)
        if fit is not None and run is not None:
            c = EmosCoefficients(**inputs.params(fit))
            found.append(
                ModelForecast(
                    model,
                    fit.fit_id,
                    f"nbm_peak_window:{pd.Timestamp(run.run_time):%Y-%m-%dT%HZ}",
                    float(run.forecast_f),
                    None,
                    float(c.mean(run.forecast_f)),
                    float(c.sd(0.0)),
                )
            )
    fit = inputs.fit(REFERENCE, decision_time)
    latest = inputs.latest_high_before(event_date, decision_time)
    if fit is not None and latest is not None:
        last, high = latest
        mu, sigma = ReferenceModel.from_dict(inputs.params(fit)).predict(event_date, last, high)
        found.append(
            ModelForecast(
                REFERENCE, fit.fit_id, f"observed:{last.isoformat()}", high, None, mu, sigma
            )
        )
    return found


def price_bins(
    bins: Sequence[TemperatureBin], forecasts: Sequence[ModelForecast]
) -> list[tuple[ModelForecast, list[float]]]:
    """Each model's probability of every bin (``LadderError`` if the bins do not tile)."""
    priced = []
    for f in forecasts:
        cdf = lambda x, f=f: float(special.ndtr((x - f.mu) / f.sigma))  # noqa: E731
        priced.append((f, bin_probabilities(bins, cdf)))
    return priced


def pricing_model(forecasts: Sequence[ModelForecast]) -> str | None:
    available = {f.model for f in forecasts}
    return next((model for model in PRICING_ORDER if model in available), None)
