"""The quick start's headline (``python -m edge_dagster.summary``): what the backtest earned and
how well it forecast, what the live decision wants, where the report went, how to open the UI,
and where the time went. Everything is read back from the warehouse and the Dagster instance,
so it shows what the recorded runs produced, nothing recomputed."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from edge_dagster.cli import dagster_home
from edge_dagster.core.clock import EASTERN
from edge_dagster.errors import install_excepthook
from edge_dagster.settings import Settings

REPORT_ASSET = "tsa_backtest_report"
HEADLINE_KEYS = (
    "pnl_usd", "fees_usd", "fills", "positions", "weeks_traded", "first_week", "last_week",
    "brier_model", "brier_market", "brier_baseline", "scored_market_rows",
    "mape_monday_pct", "mape_monday_baseline_pct", "mape_friday_pct", "mape_friday_baseline_pct",
    "weeks_scored",
)  # fmt: skip
"""The report's metadata the headline reads (typed, the unit in the key)."""
LIVE_TABLES = {"tsa_forecasts", "tsa_fair_values", "desired_orders", "orders"}


@dataclass(frozen=True)
class LiveDecision:
    """The newest week's latest decision: what it wants (``orders``: one line each) or why
    nothing (of ``recorded_markets`` listed on Kalshi, ``quoted_markets`` had a quote; the
    ``synthetic_strikes`` of a week with no recorded market are priced but never traded)."""

    week_monday: str
    decision_time: str
    forecast_avg: float
    q10: float
    q90: float
    orders: tuple[str, ...]
    quoted_markets: int
    recorded_markets: int
    synthetic_strikes: int


@dataclass(frozen=True)
class Timing:
    """Wall time of the quick start's runs and the part of it spent in asset and check bodies."""

    wall_seconds: float
    work_seconds: float
    runs: int


def live_decision(conn: duckdb.DuckDBPyConnection, environment: str) -> LiveDecision | None:
    found = conn.execute(
        "SELECT CAST(week_monday AS VARCHAR), decision_time, forecast_avg, q10, q90 "
        "FROM tsa_forecasts WHERE pricing_model ORDER BY week_monday DESC, decision_time DESC "
        "LIMIT 1"
    ).fetchone()
    if found is None:
        return None
    monday, decision_time, forecast_avg, q10, q90 = found
    wanted = conn.execute(
        "SELECT action, count, side, ticker, limit_price, edge FROM desired_orders "
        "WHERE partition_key = ? AND decision_time = ? ORDER BY ticker, side",
        [monday, decision_time],
    ).fetchall()
    placed = {
        row[0]: row[1]
        for row in conn.execute(
            "SELECT ticker || side, status FROM orders "
            "WHERE partition_key = ? AND decision_time = ? AND environment = ?",
            [monday, decision_time, environment],
        ).fetchall()
    }
    orders = tuple(
        f"{action} {count} {side.upper()} {ticker} at ${limit:.2f} (edge ${edge:.3f}/contract"
        f"{', order ' + placed[ticker + side] if ticker + side in placed else ''})"
        for action, count, side, ticker, limit, edge in wanted
    )
    quoted, recorded, synthetic = conn.execute(
        "SELECT count(*) FILTER (NOT synthetic_strike AND (yes_bid IS NOT NULL "
        "OR yes_ask IS NOT NULL)), count(*) FILTER (NOT synthetic_strike), "
        "count(*) FILTER (synthetic_strike) FROM tsa_fair_values "
        "WHERE week_monday = ? AND decision_time = ? AND model = "
        "(SELECT model FROM tsa_forecasts WHERE pricing_model LIMIT 1)",
        [monday, decision_time],
    ).fetchone()
    return LiveDecision(
        week_monday=monday,
        decision_time=decision_time.astimezone(EASTERN).strftime("%Y-%m-%d %H:%M %Z"),
        forecast_avg=forecast_avg,
        q10=q10,
        q90=q90,
        orders=orders,
        quoted_markets=quoted,
        recorded_markets=recorded,
        synthetic_strikes=synthetic,
    )


def report_deliveries(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """Where the newest daily report went: an ``.eml`` path (file outbox) or a message id."""
    return conn.execute(
        "SELECT CAST(report_date AS VARCHAR), recipient, delivery FROM daily_report_sent "
        "WHERE report_date = (SELECT max(report_date) FROM daily_report_sent) ORDER BY recipient"
    ).fetchall()


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds, 1), 60)
    return f"{int(minutes)}m{rest:04.1f}s" if minutes else f"{rest:.1f} s"


def headline_lines(
    report: dict[str, float | int | str] | None,
    live: LiveDecision | None,
    deliveries: Sequence[tuple[str, str, str]],
    ui_command: str,
    timing: Timing | None,
) -> list[str]:
    """The headline a trader reads in ten seconds, one figure per line."""
    lines = []
    if report is None:
        lines.append(f"Backtest: {REPORT_ASSET} not materialised yet")
    else:
        r = report
        lines += [
            f"Backtest, TSA weekly, paper fills on recorded trades ({r['weeks_traded']} weeks "
            f"traded, {r['first_week']} → {r['last_week']}):",
            f"  P&L after fees  ${r['pnl_usd']:,.2f}  (fees ${r['fees_usd']:,.2f}; "
            f"{r['fills']} fills in {r['positions']} positions)",
            f"  Brier           model {r['brier_model']:.4f} vs market {r['brier_market']:.4f} "
            f"on the same {r['scored_market_rows']} market-decision pairs "
            f"(seed baseline {r['brier_baseline']:.4f})",
            f"  Forecast MAPE   Monday {r['mape_monday_pct']:.2f}% vs baseline "
            f"{r['mape_monday_baseline_pct']:.2f}%; Friday {r['mape_friday_pct']:.2f}% vs "
            f"{r['mape_friday_baseline_pct']:.2f}% ({r['weeks_scored']} weeks)",
        ]
    if live is None:
        lines.append("Live decision: no TSA week forecast yet")
    else:
        lines.append(
            f"Live decision, week {live.week_monday} at {live.decision_time}: forecast "
            f"{live.forecast_avg:,.0f} travelers/day (80%: {live.q10:,.0f}–{live.q90:,.0f})"
        )
        if live.orders:
            lines += [f"  wants: {order}" for order in live.orders]
        elif live.recorded_markets == 0:
            lines.append(
                "  wants: nothing — no recorded KXTSAW market for this week "
                f"({live.synthetic_strikes} synthetic strikes priced in tsa_fair_values)"
            )
        else:
            lines.append(
                f"  wants: nothing — no edge after fees ({live.quoted_markets} of "
                f"{live.recorded_markets} markets quoted)"
            )
    if not deliveries:
        lines.append("Report e-mail: none sent yet (materialise daily_report_email)")
    for report_date, recipient, delivery in deliveries:
        lines.append(f"Report e-mail {report_date} to {recipient}: {delivery}")
    lines.append(f"Open the UI on these runs: {ui_command}   → http://127.0.0.1:3000")
    if timing is not None:
        overhead = timing.wall_seconds - timing.work_seconds
        lines.append(
            f"Wall {_duration(timing.wall_seconds)} for {timing.runs} runs: work "
            f"{_duration(timing.work_seconds)} in asset and check bodies, overhead "
            f"{_duration(overhead)} (process and code-location start-up, Dagster events)"
        )
    return lines


def report_metadata() -> dict[str, float | int | str] | None:
    """The headline keys of the newest ``tsa_backtest_report`` materialisation."""
    from dagster import AssetKey, DagsterInstance

    with DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(AssetKey(REPORT_ASSET))
    if event is None or event.asset_materialization is None:
        return None
    metadata = event.asset_materialization.metadata
    if any(key not in metadata for key in HEADLINE_KEYS):
        return None  # materialised by an older version: re-materialise the report
    return {key: metadata[key].value for key in HEADLINE_KEYS}


def runs_timing(since: float) -> Timing:
    """Wall time since ``since`` (epoch seconds) and the time the runs started since then spent
    in step bodies: each step from its start to its first output (or its end)."""
    from dagster import DagsterEventType, DagsterInstance, RunsFilter

    marks = {DagsterEventType.STEP_START, DagsterEventType.STEP_OUTPUT}
    ends = {DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
    work = 0.0
    with DagsterInstance.get() as instance:
        records = instance.get_run_records(RunsFilter(created_after=_utc(since)))
        for record in records:
            started: dict[str, float] = {}
            for entry in instance.all_logs(record.dagster_run.run_id, of_type=marks | ends):
                kind = entry.dagster_event.event_type
                if kind == DagsterEventType.STEP_START:
                    started[entry.step_key] = entry.timestamp
                elif entry.step_key in started:
                    work += entry.timestamp - started.pop(entry.step_key)
    return Timing(wall_seconds=time.time() - since, work_seconds=work, runs=len(records))


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m edge_dagster.summary", description=__doc__)
    parser.add_argument(
        "--since", type=float, help="epoch seconds: time the runs started since then"
    )
    args = parser.parse_args(argv)
    install_excepthook()
    settings = Settings.from_env()
    with duckdb.connect(settings.duckdb_path, read_only=True) as conn:
        tables = {row[0] for row in conn.execute("SHOW TABLES").fetchall()}
        decided = tables >= LIVE_TABLES
        live = live_decision(conn, settings.deployment) if decided else None
        deliveries = report_deliveries(conn) if "daily_report_sent" in tables else []
    clock = f" EDGE_AS_OF={settings.as_of}" if settings.as_of else ""
    home = dagster_home()
    ui = f"DAGSTER_HOME={home}{clock} .venv/bin/dagster dev -h 127.0.0.1"
    timing = runs_timing(args.since) if args.since is not None else None
    print("\n".join(headline_lines(report_metadata(), live, deliveries, ui, timing)))


if __name__ == "__main__":
    main()
