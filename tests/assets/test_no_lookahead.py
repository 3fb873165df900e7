"""No lookahead: everything the pipeline records up to a time T — decisions, orders, fills,
positions and cash — is the same whether or not the data published after T exists anywhere
(in the replay files or already in the warehouse)."""

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from dagster import materialize

from edge_dagster.assets.trading import tsa_orders
from edge_dagster.assets.tsa_strategy import tsa_fair_values
from edge_dagster.core.clock import UTC, tsa_published_at
from edge_dagster.core.pooling import PRIOR_POOL_WEIGHT, pooled_yes_probability
from edge_dagster.core.tsa_model import PRICING_MODEL
from edge_dagster.definitions import sql_models
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from edge_dagster.trading.ledger import Ledger
from tests.assets.test_tsa_raw import APRIL, run_raw
from tests.conftest import replay_sources

WEEK = "2026-04-13"
# The Friday 15:00 UTC taker decision: Monday–Thursday known, a resting week behind it, and its
# immediate fills open a position at T.
DECISION = datetime(2026, 4, 17, 15, 0, tzinfo=UTC)
LATER = "2026-04-20T12:00:00-04:00"  # the week complete and settled


def truncated_replay(folder: Path) -> Path:
    """The replay files with every row recorded after DECISION deleted (and the results of
    markets settled after it blanked)."""
    folder.mkdir()
    tsa = pd.read_csv(DEFAULT_REPLAY_DIR / "tsa_checkpoint_daily.csv")
    published = [tsa_published_at(pd.Timestamp(d).date()) for d in tsa["date"]]
    tsa[[p <= DECISION for p in published]].to_csv(folder / "tsa_checkpoint_daily.csv", index=False)
    for bars in ("kalshi_tsaw_daily_candles_2026.csv", "kalshi_tsaw_friday_quotes_2022_2026.csv"):
        recorded = pd.read_csv(DEFAULT_REPLAY_DIR / bars)
        recorded[recorded["period_end_unix"] <= DECISION.timestamp()].to_csv(
            folder / bars, index=False
        )
    for name in ("kalshi_tsaw_markets_2022_2025.csv", "kalshi_tsaw_markets_2026.csv"):
        markets = pd.read_csv(DEFAULT_REPLAY_DIR / name)
        markets["result"] = markets["result"].where(markets["week_sunday"] < WEEK, "")
        markets.to_csv(folder / name, index=False)
    return folder


def run_pipeline(warehouse: WarehouseResource, as_of: str, replay_dir: Path):
    sources = replay_sources(as_of, replay_dir)
    assert run_raw(warehouse, sources, "2019-01-01", APRIL)  # April: the days public at as_of
    resources = {"warehouse": warehouse, "sources": sources, "kalshi": KalshiResource()}
    assert materialize(sql_models("tsa_daily", "tsa_weekly"), resources=resources).success
    weekly = [tsa_fair_values, tsa_orders]
    assert materialize(weekly, partition_key=WEEK, resources=resources).success


def decided_at(warehouse: WarehouseResource, query: str) -> pd.DataFrame:
    with warehouse.get_connection() as conn:
        return conn.execute(query, [DECISION]).df()


QUERIES = {
    "forecasts": "SELECT * FROM tsa_forecasts WHERE decision_time = ? ORDER BY model",
    "fair_values": "SELECT * FROM tsa_fair_values WHERE decision_time = ? ORDER BY model, ticker",
    "desired_orders": "SELECT * FROM desired_orders WHERE decision_time = ? ORDER BY ALL",
    "orders": (  # every order placed by then (their later fills may differ, the orders not)
        "SELECT client_order_id, ticker, side, action, limit_price, count, time_in_force, "
        "expires_at, submitted_at FROM orders WHERE decision_time <= ? ORDER BY ALL"
    ),
    "fills": "SELECT * FROM fills WHERE filled_at <= ? ORDER BY ALL",
    "cash_ledger": "SELECT * FROM cash_ledger WHERE entry_at <= ? ORDER BY ALL",
}


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("lookahead")
    full = WarehouseResource(database=str(root / "full.duckdb"))
    run_pipeline(full, LATER, DEFAULT_REPLAY_DIR)
    cut = WarehouseResource(database=str(root / "cut.duckdb"))
    run_pipeline(cut, DECISION.isoformat(), truncated_replay(root / "cut_replay"))
    return full, cut


@pytest.mark.parametrize("table", list(QUERIES))
def test_everything_up_to_t_is_identical_without_the_data_published_after_it(both_runs, table):
    full, cut = both_runs
    with_future = decided_at(full, QUERIES[table])
    without_future = decided_at(cut, QUERIES[table])
    assert not with_future.empty
    pd.testing.assert_frame_equal(with_future, without_future)


def test_positions_and_exposure_at_t_are_identical_without_the_data_after_it(both_runs):
    held = []
    for warehouse in both_runs:
        with warehouse.get_connection() as conn:
            ledger = Ledger(conn, "replay")
            held.append((ledger.positions(at=DECISION), ledger.exposure(at=DECISION)))
    assert held[0][0]  # the week holds something at T
    assert held[0] == held[1]


def test_the_backtest_reproduces_exactly_on_a_second_run(both_runs):
    full, _ = both_runs
    tables = ["orders", "fills", "cash_ledger", "desired_orders", "tsa_fair_values"]

    def dump() -> dict[str, pd.DataFrame]:
        with full.get_connection() as conn:
            return {t: conn.execute(f"SELECT * FROM {t} ORDER BY ALL").df() for t in tables}

    first = dump()
    assert not first["fills"].empty
    run_pipeline(full, LATER, DEFAULT_REPLAY_DIR)
    second = dump()
    for table in tables:
        pd.testing.assert_frame_equal(first[table], second[table])


def test_the_pricing_model_trades_on_the_pooled_value_where_a_quote_exists(both_runs):
    full, _ = both_runs
    rows = decided_at(
        full,
        "SELECT model, ticker, yes_bid, yes_ask, quote_time, model_fair_yes, fair_yes, "
        "pool_weight FROM tsa_fair_values WHERE decision_time = ? ORDER BY model, ticker",
    )
    bid, ask = rows["yes_bid"].astype(float), rows["yes_ask"].astype(float)
    pooled = (rows["model"] == PRICING_MODEL) & (bid > 0) & (ask < 1) & (ask - bid <= 0.20)
    assert pooled.sum() >= 3  # the week's Friday bar quotes several strikes two-sided
    assert (pd.to_datetime(rows.loc[pooled, "quote_time"], utc=True) == DECISION).all()
    # One week in the warehouse: no settled pairs yet, so the declared prior weight, shrunk
    # only for the spread (the bar closes at the decision: age 0).
    expected = pooled_yes_probability(
        rows.loc[pooled, "model_fair_yes"], bid[pooled], ask[pooled], 0.0, PRIOR_POOL_WEIGHT
    )
    assert rows.loc[pooled, "fair_yes"].tolist() == pytest.approx(expected.tolist(), abs=1e-12)
    assert rows.loc[pooled, "pool_weight"].tolist() == pytest.approx(
        (PRIOR_POOL_WEIGHT * (1 - (ask[pooled] - bid[pooled]) / 0.20)).tolist(), abs=1e-12
    )
    assert (rows.loc[~pooled, "fair_yes"] == rows.loc[~pooled, "model_fair_yes"]).all()
    assert (rows.loc[~pooled, "pool_weight"] == 0).all()
    # What the strategy wants is priced on the pooled value.
    wanted = decided_at(full, "SELECT ticker, side, fair_value FROM desired_orders "
                        "WHERE decision_time = ? AND action = 'buy'")  # fmt: skip
    traded = rows[rows["model"] == PRICING_MODEL].set_index("ticker")["fair_yes"]
    assert not wanted.empty
    for order in wanted.itertuples(index=False):
        yes = traded[order.ticker] if order.side == "yes" else 1 - traded[order.ticker]
        assert float(order.fair_value) == pytest.approx(yes, abs=5e-5)
