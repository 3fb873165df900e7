"""Daily per-city calibration and the bin probabilities it prices, per city × climate date.

Both run on what was public at their times only: a fit dated D is made at D 07:00 LST from the
window before D; a decision prices with the latest fit made by then and the latest forecast
public by then. The model that prices each decision, and the fit it used, are in every row.
"""

from collections import Counter, defaultdict
from datetime import date

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from edge_dagster.assets.weather_ingest import (
    WEATHER,
    nbm_peak_window_forecasts,
    partition_city_days,
)
from edge_dagster.assets.weather_markets import weather_market_snapshots
from edge_dagster.core.backtest_report import markdown_table
from edge_dagster.core.cities import City
from edge_dagster.core.clock import weather_decision_times
from edge_dagster.core.fair_values import BIN_SUM_TOLERANCE
from edge_dagster.core.tickers import high_temp_event_ticker
from edge_dagster.core.weather_bins import (
    LadderError,
    TemperatureBin,
    ladder_bin_count,
    rebuild_ladder,
)
from edge_dagster.core.weather_clock import calibration_time
from edge_dagster.core.weather_model import (
    CalibrationConfig,
    CityInputs,
    calibrate,
    forecasts_at,
    price_bins,
    pricing_model,
)
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.sources.weather_markets import ReplayWeatherMarkets
from edge_dagster.warehouse import replace_keyed_rows

STAGED_TABLES = {"stg_observed_highs", "stg_nbm_daily_high"}
STAGED_INPUTS = [AssetKey("stg_observed_highs"), AssetKey("stg_nbm_daily_high")]
DERIVED = "ticker_derived"


def _by_city(pairs: list[tuple[City, date]]) -> dict[City, list[date]]:
    days: dict[City, list[date]] = defaultdict(list)
    for city, day in pairs:
        days[city].append(day)
    return days


def _station_inputs(conn, station: str, until: date) -> tuple[pd.DataFrame, ...]:  # noqa: ANN001
    """The station's staged observed highs, day-ahead history and NBP rows before ``until``."""
    missing = STAGED_TABLES - {
        name
        for (name,) in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    if missing:
        raise Failure(
            f"materialize {', '.join(sorted(missing))} first (SQL models over the weather inputs)"
        )
    observed = conn.execute(
        "SELECT climate_date, high_f, available_at, source_rank FROM stg_observed_highs "
        "WHERE station = ? AND climate_date < ?",
        [station, until],
    ).df()
    peak_window = conn.execute(
        "SELECT climate_date, run_time, available_at, forecast_f FROM nbm_peak_window_forecasts "
        "WHERE station = ? AND climate_date <= ?",
        [station, until],
    ).df()
    nbp = conn.execute(
        "SELECT local_date, cycle_time, available_at, txn_mean, spread_sd FROM stg_nbm_daily_high "
        "WHERE station = ? AND local_date <= ?",
        [station, until],
    ).df()
    for frame, column in (
        (observed, "climate_date"),
        (peak_window, "climate_date"),
        (nbp, "local_date"),
    ):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return observed, peak_window, nbp


@asset(group_name="forecast", deps=[*STAGED_INPUTS, nbm_peak_window_forecasts], **WEATHER)
def weather_calibration(
    context: AssetExecutionContext, warehouse: WarehouseResource, sources: DataSourcesResource
) -> MaterializeResult:
    """Per city and fit date, every model's fit on the rolling window before that date, made
    once the day before's final CLI is in (07:00 LST): EMOS of the day-ahead NBM history
    (a, b, c), the live NBP EMOS (declared prior, refitted as live pairs accumulate), the
    constant-σ NBM benchmark and the climatology + persistence reference. In-window CRPS, PIT
    coverage (central 80 %) and bias before and after calibration are in each row."""
    config = CalibrationConfig()
    now = sources.now()
    rows, skipped, pending = [], Counter(), 0
    pairs = partition_city_days(context)
    with warehouse.transaction(["nbm_peak_window_forecasts"]) as conn:  # live: none shipped
        for city, days in _by_city(pairs).items():
            observed, peak_window, nbp = _station_inputs(conn, city.station, max(days))
            for day in sorted(days):
                if calibration_time(day, city.timezone) > now:
                    pending += 1
                    continue
                fits, reasons = calibrate(city, day, observed, peak_window, nbp, config)
                rows += fits
                skipped.update(f"{city.code} {reason.split(':')[0]}" for reason in reasons)
    table = pd.DataFrame(rows)
    keys = pd.DataFrame({"city": [c.code for c, _ in pairs], "fit_date": [d for _, d in pairs]})
    with warehouse.transaction(["weather_calibration"]) as conn:
        written = replace_keyed_rows(conn, "weather_calibration", table, keys)
    return MaterializeResult(
        metadata={
            "rows": MetadataValue.int(written),
            "fits_by_model": MetadataValue.json(
                {}
                if table.empty
                else {
                    f"{m} {s}": int(n)
                    for (m, s), n in table.value_counts(["model", "status"]).items()
                }
            ),
            "latest_fits": MetadataValue.md(_latest_fits_table(table)),
            "models_not_fitted": MetadataValue.json(dict(skipped)),
            "fit_dates_not_reached_yet": MetadataValue.int(pending),
            "window_days": MetadataValue.int(config.window_days),
            "min_pairs": MetadataValue.int(config.min_pairs),
        }
    )


def _latest_fits_table(table: pd.DataFrame) -> str:
    if table.empty:
        return "no fits"
    latest = table.sort_values("fit_date").drop_duplicates(["city", "model"], keep="last")
    columns = [
        "city", "model", "fit_date", "status", "n_pairs", "crps_before", "crps_after",
        "pit_coverage_before", "pit_coverage_after", "bias_before", "bias_after",
    ]  # fmt: skip
    return markdown_table(latest[columns])


def _none(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


@asset(
    group_name="pricing",
    deps=[*STAGED_INPUTS, nbm_peak_window_forecasts, weather_calibration, weather_market_snapshots],
    **WEATHER,
)
def weather_bin_probabilities(
    context: AssetExecutionContext, warehouse: WarehouseResource, sources: DataSourcesResource
) -> MaterializeResult:
    """P(YES) of every bin of each city-day's event at each decision time so far, for every
    model with a forecast and a fit then; ``pricing_model`` marks the one that prices (live
    NBP EMOS, else the day-ahead history EMOS, else the climatology reference).

    The bins are the markets listed at the decision; events recorded before 2024-08 list only
    what traded, so their ladders are rebuilt first (restored bins: ``strike_source`` =
    ``rebuilt``). An event whose bins leave a gap or overlap is skipped with an error; every
    priced event sums to 1 (``core/fair_values.py``)."""
    now = sources.now()
    pairs = partition_city_days(context)
    events = {high_temp_event_ticker(city.series, day): (city, day) for city, day in pairs}
    with warehouse.transaction(
        ["market_snapshots", "weather_markets", "weather_calibration"]
    ) as conn:
        snapshots = conn.execute(
            "SELECT s.event_ticker, s.as_of, s.ticker, s.strike_type, s.floor_strike, "
            "s.cap_strike, coalesce(m.strike_source, 'kalshi') AS strike_source "
            "FROM market_snapshots s LEFT JOIN weather_markets m USING (ticker) "
            "WHERE s.event_ticker IN (SELECT unnest(?::VARCHAR[]))",
            [list(events)],
        ).df()
        fits = conn.execute(
            "SELECT city, model, fitted_at, fit_id, params FROM weather_calibration "
            "WHERE city IN (SELECT unnest(?::VARCHAR[]))",
            [sorted({c.code for c, _ in pairs})],
        ).df()
        inputs = {
            city: _station_inputs(conn, city.station, max(days))
            for city, days in _by_city(pairs).items()
        }
    markets = sources.weather_markets()
    bin_counts = (
        markets.derived_ladder_bin_counts() if isinstance(markets, ReplayWeatherMarkets) else {}
    )
    listed = {key: group for key, group in snapshots.groupby(["event_ticker", "as_of"])}
    rows, skipped, priced_by = [], [], Counter()
    indexed = {
        city: CityInputs(fits[fits["city"] == city.code], *frames)
        for city, frames in inputs.items()
    }
    for event, (city, day) in events.items():
        for decision in weather_decision_times(day, city.timezone, sources.nbm_availability):
            group = listed.get((event, pd.Timestamp(decision)))
            if decision > now or group is None:
                continue
            bins = [
                TemperatureBin(
                    r.ticker,
                    r.strike_type,
                    _none(r.floor_strike),
                    _none(r.cap_strike),
                    r.strike_source,
                )
                for r in group.itertuples()
            ]
            forecasts = forecasts_at(day, decision, indexed[city])
            if not forecasts:
                skipped.append(f"{event} {decision:%m-%dT%H:%MZ}: no forecast or fit yet")
                continue
            try:
                if any(b.strike_source == DERIVED for b in bins):
                    bins = rebuild_ladder(event, bins, ladder_bin_count(bin_counts, day))
                priced = price_bins(bins, forecasts)
            except LadderError as error:
                context.log.error(f"{event} at {decision:%Y-%m-%dT%H:%MZ} not priced: {error}")
                skipped.append(f"{event} {decision:%m-%dT%H:%MZ}: {error}")
                continue
            chosen = pricing_model(forecasts)
            priced_by[chosen] += 1
            for forecast, probabilities in priced:
                for contract, probability in zip(bins, probabilities, strict=True):
                    lower, upper = contract.edges
                    rows.append(
                        {
                            "city": city.code,
                            "climate_date": day,
                            "event_ticker": event,
                            "decision_time": decision,
                            "model": forecast.model,
                            "pricing_model": forecast.model == chosen,
                            "fit_id": forecast.fit_id,
                            "forecast_source": forecast.source,
                            "forecast_mean": forecast.forecast_mean,
                            "forecast_spread": forecast.forecast_spread,
                            "mu": forecast.mu,
                            "sigma": forecast.sigma,
                            "ticker": contract.ticker,
                            "strike_type": contract.strike_type,
                            "floor_strike": contract.floor_strike,
                            "cap_strike": contract.cap_strike,
                            "strike_source": contract.strike_source,
                            "lower_edge": lower,
                            "upper_edge": upper,
                            "probability": probability,
                        }
                    )
    table = pd.DataFrame(rows)
    keys = pd.DataFrame({"city": [c.code for c, _ in pairs], "climate_date": [d for _, d in pairs]})
    with warehouse.transaction(["weather_bin_probabilities"]) as conn:
        written = replace_keyed_rows(conn, "weather_bin_probabilities", table, keys)
    pricing_fits = (
        [] if table.empty else sorted(table.loc[table["pricing_model"], "fit_id"].unique())
    )
    return MaterializeResult(
        metadata={
            "rows": MetadataValue.int(written),
            "decisions_priced_by_model": MetadataValue.json(dict(priced_by)),
            "fits_that_priced": MetadataValue.text(", ".join(pricing_fits[:30]) or "none"),
            "events_with_rebuilt_bins": MetadataValue.int(
                0
                if table.empty
                else int(table.loc[table["strike_source"] == "rebuilt", "event_ticker"].nunique())
            ),
            "skipped": MetadataValue.int(len(skipped)),
            "skipped_examples": MetadataValue.text("\n".join(skipped[:20]) or "none"),
            "as_of": MetadataValue.text(now.isoformat()),
        }
    )


@asset_check(asset=weather_bin_probabilities, blocking=True)
def weather_bin_probabilities_coherent(warehouse: WarehouseResource) -> AssetCheckResult:
    """Every priced event (decision × model) is a probability distribution over its bins."""
    with warehouse.get_connection() as conn:
        bad_sums, out_of_range = conn.execute(
            "SELECT (SELECT count(*) FROM (SELECT 1 FROM weather_bin_probabilities "
            "GROUP BY event_ticker, decision_time, model HAVING abs(sum(probability) - 1) > ?)), "
            "(SELECT count(*) FROM weather_bin_probabilities "
            "WHERE probability < 0 OR probability > 1)",
            [BIN_SUM_TOLERANCE],
        ).fetchone()
    return AssetCheckResult(
        passed=bad_sums == 0 and out_of_range == 0,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "events_not_summing_to_one": bad_sums,
            "probabilities_out_of_range": out_of_range,
        },
    )
