"""The project's one Dagster entry point: assets, checks, jobs, schedules, sensors, resources."""

from __future__ import annotations

from dagster import AssetsDefinition, Definitions, in_process_executor

from edge_dagster.assets.daily_report import daily_report_email
from edge_dagster.assets.portfolio import portfolio
from edge_dagster.assets.raw_checks import (
    nbm_bulletins_fresh,
    nbm_bulletins_values_possible,
    observed_highs_values_possible,
    tsa_market_snapshots_values_possible,
    weather_market_snapshots_values_possible,
)
from edge_dagster.assets.reporting import tsa_backtest_report
from edge_dagster.assets.sql_models import sql_model_assets
from edge_dagster.assets.trading import tsa_orders, tsa_orders_reconciled
from edge_dagster.assets.tsa import (
    tsa_checkpoint_raw,
    tsa_checkpoint_raw_fresh,
    tsa_checkpoint_raw_unique_dates,
    tsa_checkpoint_raw_values_possible,
)
from edge_dagster.assets.tsa_strategy import (
    tsa_fair_values,
    tsa_fair_values_are_probabilities,
    tsa_fair_values_monotone_in_strike,
    tsa_market_snapshots_fresh,
)
from edge_dagster.assets.weather_ingest import (
    nbm_bulletins,
    nbm_peak_window_forecasts,
    observed_highs,
)
from edge_dagster.assets.weather_markets import (
    weather_market_snapshots,
    weather_market_snapshots_fresh,
)
from edge_dagster.assets.weather_models import (
    weather_bin_probabilities,
    weather_bin_probabilities_coherent,
    weather_calibration,
)
from edge_dagster.assets.weather_strategy import (
    weather_opportunities,
    weather_orders,
    weather_orders_reconciled,
)
from edge_dagster.errors import install_excepthook
from edge_dagster.jobs import (
    daily_report_job,
    tsa_backtest_report_job,
    tsa_ingest_job,
    tsa_tables_job,
    tsa_weekly_job,
    weather_backtest_job,
    weather_calibration_job,
    weather_pricing_job,
)
from edge_dagster.loggers import console_logger
from edge_dagster.ops.close_position import close_position_job
from edge_dagster.resources.alerts import AlertsResource
from edge_dagster.resources.email import EmailResource
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.schedules.reporting import daily_report_schedule
from edge_dagster.schedules.tsa import (
    tsa_decision_schedule,
    tsa_ingest_schedule,
    tsa_taker_schedule,
)
from edge_dagster.schedules.weather import weather_calibration_schedule, weather_trading_schedule
from edge_dagster.sensors.alerts import (
    build_trading_halt_alert_sensor,
    run_failure_alert_sensor,
    run_success_clears_alert_sensor,
)
from edge_dagster.sensors.tsa import tsa_tables_sensor
from edge_dagster.sensors.weather import nbm_cycle_sensor
from edge_dagster.settings import EmailSettings, Settings

PYTHON_ASSETS = [
    tsa_checkpoint_raw,
    tsa_fair_values,
    tsa_orders,
    tsa_backtest_report,
    daily_report_email,
    portfolio,
    nbm_bulletins,
    nbm_peak_window_forecasts,
    observed_highs,
    weather_market_snapshots,
    weather_calibration,
    weather_bin_probabilities,
    weather_opportunities,
    weather_orders,
]
PYTHON_TABLES = [key.to_user_string() for asset in PYTHON_ASSETS for key in asset.keys]
"""The tables Python assets write; SQL models may ``ref`` them."""


def sql_models(*names: str) -> list[AssetsDefinition]:
    """The SQL model assets called ``names`` (for running a few models outside a job)."""
    return [a for a in sql_model_assets(PYTHON_TABLES) if a.key.to_user_string() in names]


ASSET_CHECKS = [
    tsa_checkpoint_raw_fresh,
    tsa_checkpoint_raw_unique_dates,
    tsa_checkpoint_raw_values_possible,
    tsa_market_snapshots_fresh,
    tsa_fair_values_are_probabilities,
    tsa_fair_values_monotone_in_strike,
    weather_market_snapshots_fresh,
    weather_bin_probabilities_coherent,
    tsa_orders_reconciled,
    weather_orders_reconciled,
    nbm_bulletins_fresh,
    nbm_bulletins_values_possible,
    observed_highs_values_possible,
    tsa_market_snapshots_values_possible,
    weather_market_snapshots_values_possible,
]


def email_resource(email: EmailSettings) -> EmailResource:
    return EmailResource(
        backend=email.backend,
        sender=email.sender,
        recipients=email.recipients,
        alert_recipients=email.alert_recipients,
        outbox_dir=email.outbox_dir,
        smtp_host=email.smtp_host,
        smtp_port=email.smtp_port,
        smtp_security=email.smtp_security,
        smtp_username=email.smtp_username,
        smtp_ca_file=email.smtp_ca_file,
        smtp_timeout_seconds=email.smtp_timeout_seconds,
        region_name=email.ses_region or None,
        ses_configuration_set=email.ses_configuration_set,
    )


def build_resources(settings: Settings) -> dict[str, object]:
    email = settings.email
    mail = email_resource(email)
    return {
        "email": mail,
        "alerts": AlertsResource(state_database=email.alert_state_path, email=mail),
        "warehouse": WarehouseResource(database=settings.duckdb_path),
        "kalshi": KalshiResource(deployment=settings.deployment, api_base=settings.kalshi_api_base),
        "sources": DataSourcesResource(
            deployment=settings.deployment,
            replay_dir=settings.replay_dir,
            as_of=settings.as_of,
            tsa_base_url=settings.tsa_base_url,
            kalshi_market_data_url=settings.kalshi_market_data_url,
            nbm_base_url=settings.nbm_base_url,
            nws_base_url=settings.nws_base_url,
            nws_user_agent=settings.nws_user_agent,
            iem_base_url=settings.iem_base_url,
            acis_base_url=settings.acis_base_url,
            nbm_availability_minutes=settings.nbm_availability_minutes,
            weather_quote_max_age_minutes=settings.weather_quote_max_age_minutes,
        ),
    }


def build_definitions(settings: Settings) -> Definitions:
    return Definitions(
        assets=[*PYTHON_ASSETS, *sql_model_assets(PYTHON_TABLES)],
        asset_checks=ASSET_CHECKS,
        jobs=[
            tsa_ingest_job,
            tsa_tables_job,
            tsa_weekly_job,
            tsa_backtest_report_job,
            weather_pricing_job,
            weather_calibration_job,
            weather_backtest_job,
            daily_report_job,
            close_position_job,
        ],
        schedules=[
            tsa_ingest_schedule,
            tsa_decision_schedule,
            tsa_taker_schedule,
            weather_calibration_schedule,
            weather_trading_schedule,
            daily_report_schedule,
        ],
        sensors=[
            tsa_tables_sensor,
            nbm_cycle_sensor,
            run_failure_alert_sensor,
            run_success_clears_alert_sensor,
            build_trading_halt_alert_sensor(ASSET_CHECKS),
        ],
        resources=build_resources(settings),
        # One process per run, not one per step: each step process re-imports the code location
        # (~1.5 s), and the DuckDB single-writer pool runs the steps one at a time anyway.
        executor=in_process_executor,
        loggers={"console": console_logger},
    )


# A command that loads this module and dies of a configuration error prints its one line.
install_excepthook()
defs = build_definitions(Settings.from_env())
