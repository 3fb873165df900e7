"""Calibration and forecasts are point in time: nothing public after the fit or the decision
changes them. Real KMDW data (shipped observed highs and day-ahead NBM history)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from edge_dagster.core.cities import city
from edge_dagster.core.clock import UTC
from edge_dagster.core.weather_clock import calibration_time
from edge_dagster.core.weather_model import (
    NBP_EMOS,
    PEAK_WINDOW_EMOS,
    REFERENCE,
    CityInputs,
    calibrate,
    forecasts_at,
    pricing_model,
)
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from edge_dagster.sources.nbm import ReplayPeakWindowHistory
from edge_dagster.sources.observed_highs import ReplayObservedHighs

CHICAGO = city("CHI")
FIT_DATE = date(2024, 9, 14)
FITTED_AT = calibration_time(FIT_DATE, CHICAGO.timezone)  # 2024-09-14 07:00 CST = 13:00Z
RANK = {"kalshi_expiration_value": 1, "iem_cli": 3, "rcc_acis": 4}
NO_NBP = pd.DataFrame(columns=["local_date", "cycle_time", "available_at", "txn_mean", "spread_sd"])


@pytest.fixture(scope="module")
def observed() -> pd.DataFrame:
    rows = ReplayObservedHighs(DEFAULT_REPLAY_DIR).observed_highs(
        ["KMDW"], date(2023, 1, 1), date(2024, 9, 30), datetime(2026, 1, 1, tzinfo=UTC)
    )
    return rows.assign(source_rank=rows["source"].map(RANK).fillna(5))


@pytest.fixture(scope="module")
def peak_window() -> pd.DataFrame:
    return ReplayPeakWindowHistory(DEFAULT_REPLAY_DIR, timedelta(minutes=90)).forecasts(
        ["KMDW"], date(2023, 1, 1), date(2024, 9, 30), datetime(2026, 1, 1, tzinfo=UTC)
    )


def fits_by_model(rows: list[dict]) -> dict[str, dict]:
    return {row["model"]: row for row in rows}


def test_a_fit_ignores_what_was_published_after_it(observed, peak_window):
    fits, _ = calibrate(CHICAGO, FIT_DATE, observed, peak_window, NO_NBP)
    # Declared: the 13th's high restated to 120 °F one minute after the fit was made.
    late = observed.iloc[:1].assign(
        climate_date=date(2024, 9, 13), high_f=120, source_rank=0,
        available_at=pd.Timestamp(FITTED_AT + timedelta(minutes=1)),
    )  # fmt: skip
    again, _ = calibrate(CHICAGO, FIT_DATE, pd.concat([observed, late]), peak_window, NO_NBP)
    assert again == fits


def test_the_history_fit_corrects_the_cold_day_ahead_run(observed, peak_window):
    fits = fits_by_model(calibrate(CHICAGO, FIT_DATE, observed, peak_window, NO_NBP)[0])
    history = fits[PEAK_WINDOW_EMOS]
    assert history["status"] == "fitted" and history["n_pairs"] == 60
    assert history["crps_after"] < history["crps_before"]
    assert abs(history["bias_after"]) < abs(history["bias_before"])
    # The live model starts from the declared prior, its c taken from this history fit.
    live = fits[NBP_EMOS]
    assert (live["status"], live["a"], live["b"], live["d"]) == ("prior", 0.0, 1.0, 0.0)
    assert live["c"] == history["c"]


def inputs(observed, peak_window) -> CityInputs:  # noqa: ANN001
    rows = []
    for day in (date(2024, 9, 13), FIT_DATE):
        rows += calibrate(CHICAGO, day, observed, peak_window, NO_NBP)[0]
    return CityInputs(pd.DataFrame(rows), observed, peak_window, NO_NBP)


def test_a_decision_uses_the_latest_fit_and_forecast_public_by_then(observed, peak_window):
    indexed = inputs(observed, peak_window)
    event = date(2024, 9, 15)
    run_public = datetime(2024, 9, 14, 13, 30, tzinfo=UTC)  # the 14th's 12Z run + 90 min
    before = {f.model: f for f in forecasts_at(event, run_public - timedelta(seconds=1), indexed)}
    at = {f.model: f for f in forecasts_at(event, run_public, indexed)}
    assert PEAK_WINDOW_EMOS not in before and REFERENCE in before
    assert at[PEAK_WINDOW_EMOS].source == "nbm_peak_window:2024-09-14T12Z"
    assert at[PEAK_WINDOW_EMOS].fit_id == f"{PEAK_WINDOW_EMOS}:CHI:2024-09-14"
    assert before[REFERENCE].fit_id == f"{REFERENCE}:CHI:2024-09-14"  # made at 13:00Z
    assert pricing_model(list(at.values())) == PEAK_WINDOW_EMOS


def test_the_reference_persists_only_highs_already_public(observed, peak_window):
    indexed = inputs(observed, peak_window)
    # The 13th's final high is public at 07:00 CST on the 14th (13:00Z).
    early = forecasts_at(date(2024, 9, 15), datetime(2024, 9, 14, 12, 59, tzinfo=UTC), indexed)
    late = forecasts_at(date(2024, 9, 15), datetime(2024, 9, 14, 13, 0, tzinfo=UTC), indexed)
    assert [(f.source, f.fit_id) for f in early if f.model == REFERENCE] == [
        ("observed:2024-09-12", f"{REFERENCE}:CHI:2024-09-13")
    ]
    assert [(f.source, f.fit_id) for f in late if f.model == REFERENCE] == [
        ("observed:2024-09-13", f"{REFERENCE}:CHI:2024-09-14")
    ]
