"""The pooled fair value learns from the weeks already in the warehouse: a week priced in its
own run reads the earlier weeks' rows back and gets exactly what a backfill of the range gives.

Three weeks are too few for the declared 10-week minimum, so the test lowers it to one week:
then each week's weight is chosen on the weeks settled before it, and the two ways of running
agree only if the earlier weeks are read back from the table."""

import pandas as pd
from dagster import materialize

from edge_dagster.assets.tsa_strategy import tsa_fair_values
from edge_dagster.core import pooling
from edge_dagster.core.pooling import MAX_POOL_SPREAD, PRIOR_POOL_WEIGHT
from edge_dagster.definitions import sql_models
from edge_dagster.resources.warehouse import WarehouseResource
from tests.assets.test_tsa_raw import run_raw
from tests.conftest import replay_sources

AS_OF = "2026-04-20T12:00:00-04:00"
WEEKS = ["2026-03-30", "2026-04-06", "2026-04-13"]
RANGE = {
    "dagster/asset_partition_range_start": WEEKS[0],
    "dagster/asset_partition_range_end": WEEKS[-1],
}


def _resources(warehouse: WarehouseResource) -> dict:
    sources = replay_sources(AS_OF)
    assert run_raw(warehouse, sources, "2019-01-01", "2026-04-01")
    resources = {"warehouse": warehouse, "sources": sources}
    assert materialize(sql_models("tsa_daily", "tsa_weekly"), resources=resources).success
    return resources


def _fair_values(warehouse: WarehouseResource) -> pd.DataFrame:
    with warehouse.get_connection() as conn:
        return conn.execute("SELECT * FROM tsa_fair_values ORDER BY ALL").df()


def test_a_week_priced_alone_equals_the_same_week_in_a_backfill(tmp_path, monkeypatch):
    monkeypatch.setattr(pooling, "MIN_POOL_WEEKS", 1)
    backfill = WarehouseResource(database=str(tmp_path / "backfill.duckdb"))
    resources = _resources(backfill)
    assert materialize([tsa_fair_values], resources=resources, tags=RANGE).success
    weekly = WarehouseResource(database=str(tmp_path / "weekly.duckdb"))
    resources = _resources(weekly)
    for week in WEEKS:
        assert materialize([tsa_fair_values], resources=resources, partition_key=week).success

    together, one_by_one = _fair_values(backfill), _fair_values(weekly)

    taker = together[
        (together["pool_weight"] > 0) & (together["quote_time"] == together["decision_time"])
    ]
    spread = taker["yes_ask"].astype(float) - taker["yes_bid"].astype(float)
    w0 = (taker["pool_weight"] / (1 - spread / MAX_POOL_SPREAD)).round(9)
    assert set(w0[taker["week_monday"] == pd.Timestamp(WEEKS[0])]) == {PRIOR_POOL_WEIGHT}
    assert set(w0) != {PRIOR_POOL_WEIGHT}  # later weeks learnt from the earlier ones
    pd.testing.assert_frame_equal(together, one_by_one)
