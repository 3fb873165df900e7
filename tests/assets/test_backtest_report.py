"""The report: it scores every market with a two-sided quote against its mid and counts closed
weeks only."""

from datetime import date

import duckdb
import pandas as pd
import pytest
from dagster import DagsterInstance, materialize

from edge_dagster.assets.reporting import (
    kalshi_settled_results,
    tsa_backtest_report,
    weekly_trading,
    weekly_truth,
)
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from edge_dagster.warehouse import ensure_tables
from tests.assets.test_no_lookahead import LATER, WEEK, run_pipeline
from tests.conftest import replay_sources


@pytest.fixture(scope="module")
def report_metadata(tmp_path_factory):
    warehouse = WarehouseResource(database=str(tmp_path_factory.mktemp("report") / "e.duckdb"))
    run_pipeline(warehouse, LATER, DEFAULT_REPLAY_DIR)
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [tsa_backtest_report],
            resources={"warehouse": warehouse, "sources": replay_sources(LATER)},
            instance=instance,
        )
        (materialization,) = result.asset_materializations_for_node("tsa_backtest_report")
    return {key: value.value for key, value in materialization.metadata.items()}


def test_every_two_sided_quote_of_the_market_that_saw_the_same_figures_is_scored(
    report_metadata,
):
    # The week of WEEK: 21 recorded markets × 6 decision times; a market is scored at a
    # decision when its first bar closing after it closes before the next release and quotes a
    # bid above 0 and an ask below 1 (a 0/1 book's mid is 0.5 by construction).
    # In that week 19 of the 126 (market, decision) pairs meet both conditions.
    assert report_metadata["scored_market_rows"] == 19
    assert report_metadata["weeks_scored"] == 1


def test_the_report_shows_tables_and_plots(report_metadata):
    markdown = report_metadata["report"]
    assert markdown.count("data:image/png;base64,") == 3
    assert WEEK in markdown


def test_weeks_count_once_every_position_is_settled_or_sold_out():
    conn = duckdb.connect(":memory:")
    ensure_tables(conn, ["fills", "cash_ledger"])
    fills = [  # week, ticker, action, count, price
        ("2026-03-16", "A", "buy", 10, 0.40), ("2026-03-16", "A", "sell", 10, 0.60),  # sold out
        ("2026-03-23", "B", "buy", 10, 0.40),  # settled YES
        ("2026-03-30", "C", "buy", 10, 0.40),  # still open
    ]  # fmt: skip
    for n, (week, ticker, action, count, price) in enumerate(fills):
        conn.execute(
            "INSERT INTO fills VALUES (?, 'c', 'paper', 'tsa_weekly', ?, ?, 'yes', ?, ?, ?, 0, "
            "true, '2026-03-17')",
            [f"f{n}", week, ticker, action, count, price],
        )
        sign = -1 if action == "buy" else 1
        conn.execute(
            "INSERT INTO cash_ledger VALUES (?, 'paper', 'tsa_weekly', ?, '2026-03-17', 'trade', "
            "?, ?)",
            [f"t{n}", week, ticker, sign * count * price],
        )
    conn.execute(
        "INSERT INTO cash_ledger VALUES ('s', 'paper', 'tsa_weekly', '2026-03-23', '2026-03-30', "
        "'settlement', 'B', 10)"
    )
    table = weekly_trading(conn, "paper")
    rows = table[["week_monday", "pnl", "trades"]].itertuples(index=False)
    # A: −4.00 + 6.00; B: −4.00 + 10.00; C holds an unsettled position: not counted yet
    assert [(str(w.date()), p, t) for w, p, t in rows] == [
        ("2026-03-16", 2.0, 1),
        ("2026-03-23", 6.0, 1),
    ]


@pytest.mark.parametrize(("as_of", "known"), [(LATER, 1 + 21), ("2026-04-16T09:20:00-04:00", 1)])
def test_kalshi_results_are_known_only_once_the_markets_settled(as_of, known):
    settled = kalshi_settled_results(replay_sources(as_of), ["TSAW-22OCT23", "KXTSAW-26APR19"])
    assert len(settled) == known
    # Kalshi settled YES where today's restated archive says NO (2,233,568 ≤ 2.25 M)
    assert settled["TSAW-22OCT23-A2.25"] == 1
    assert settled.get("KXTSAW-26APR19-A2.45") == (1 if known > 1 else None)


def test_forecasts_are_scored_on_the_average_kalshi_settled_on_where_it_is_known():
    weekly = pd.DataFrame(
        {
            "week_monday": [date(2022, 10, 17), date(2026, 4, 13)],
            "avg_travelers": [2_233_567.9, 2_589_000.0],
        }
    )
    truth = weekly_truth(replay_sources(LATER), weekly)
    assert truth["actual"].tolist() == [2_256_506.0, 2_589_000.0]
    assert truth["kalshi"].tolist() == [True, False]
