"""Each week of a backtest range describes itself on its partition page: its own fair values,
orders, fills and positions, not the whole range's."""

from dagster import materialize

from edge_dagster.assets.trading import tsa_orders
from edge_dagster.assets.tsa_strategy import tsa_fair_values
from edge_dagster.definitions import sql_models
from edge_dagster.resources.kalshi import KalshiResource
from tests.assets.test_no_lookahead import LATER
from tests.assets.test_tsa_raw import run_raw
from tests.conftest import replay_sources

WEEKS = ("2026-03-30", "2026-04-13")


def test_each_week_of_a_range_shows_its_own_book(warehouse):
    sources = replay_sources(LATER)
    assert run_raw(warehouse, sources, "2019-01-01", "2026-04-01")
    resources = {"warehouse": warehouse, "sources": sources, "kalshi": KalshiResource()}
    assert materialize(sql_models("tsa_daily", "tsa_weekly"), resources=resources).success
    weekly = [tsa_fair_values, tsa_orders]
    result = materialize(
        weekly,
        resources=resources,
        tags={
            "dagster/asset_partition_range_start": WEEKS[0],
            "dagster/asset_partition_range_end": WEEKS[1],
        },
    )
    books = {m.partition: m.metadata for m in result.asset_materializations_for_node("tsa_orders")}
    shown = {
        week: tuple(book[key].value for key in ("orders", "fills", "fees_usd", "pnl_usd"))
        for week, book in books.items()
    }
    # Each week's own orders, fills, fees and P&L after fees (the ledger's rows of that week).
    assert shown == {
        "2026-03-30": (5, 2, 1.58, 8.17),
        "2026-04-06": (7, 2, 0.74, -18.74),
        "2026-04-13": (8, 2, 1.34, -12.94),
    }
    book = books["2026-04-06"]["book"].value
    assert book.startswith("## Week of 2026-04-06")
    assert "### Orders (7)" in book and "### Fills (2)" in book and "KXTSAW-26APR12-" in book
    assert "KXTSAW-26APR19-" not in book
    priced = {
        m.partition: tuple(m.metadata[k].value for k in ("fair_value_rows", "recorded_market_rows"))
        for m in result.asset_materializations_for_node("tsa_fair_values")
    }
    # 21 recorded markets × 6 decisions × 4 models a week (the range holds 1,512).
    assert priced == {week: (504, 504) for week in ("2026-03-30", "2026-04-06", "2026-04-13")}
    ladders = {
        m.partition: m.metadata["ladder"].value
        for m in result.asset_materializations_for_node("tsa_fair_values")
    }
    assert ladders["2026-04-06"].startswith(
        "ensemble at the last decision, Fri 2026-04-10 11:00 ET"
    )
    # The model's own value, the traded (pooled with the mid) value, then the quote.
    line = "| KXTSAW-26APR12-A2.50 | False | 0.631 | 0.693 | 0.750 | 0.760 |"
    assert line in ladders["2026-04-06"]
    # Beside each week's own figures, the run's: what its snapshot and forecast steps wrote
    # (21 markets × 6 decisions × 3 weeks; 4 models × 6 decisions × 3 weeks).
    steps = {
        m.partition: tuple(m.metadata[k].value for k in ("snapshot_rows", "forecast_rows", "weeks"))
        for m in result.asset_materializations_for_node("tsa_fair_values")
    }
    assert steps == {week: (378, 72, 3) for week in ("2026-03-30", "2026-04-06", "2026-04-13")}
    # And the orders' first step: the three weeks' intents (20 of them became orders above).
    wanted = {
        m.metadata["desired_orders"].value
        for m in result.asset_materializations_for_node("tsa_orders")
    }
    assert wanted == {38}
