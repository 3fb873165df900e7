"""One deployment switch: every unsafe or malformed configuration refuses at launch, in one
line naming the variable, before any asset computes and before any request reaches an
exchange."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import materialize

from edge_dagster.assets.trading import tsa_orders
from edge_dagster.assets.tsa_strategy import tsa_fair_values
from edge_dagster.definitions import build_definitions
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.settings import PROJECT_ROOT, DeploymentRefused, Settings

KEY = {"KALSHI_KEY_ID": "k", "KALSHI_PRIVATE_KEY_PEM": "pem"}
REFUSALS = {
    "unknown deployment": ({"EDGE_DEPLOYMENT": "prod"}, "EDGE_DEPLOYMENT='prod'"),
    "replay clock on paper": (
        {"EDGE_DEPLOYMENT": "paper", "EDGE_AS_OF": "2026-04-16T09:20:00-04:00"},
        "EDGE_AS_OF is accepted only with EDGE_DEPLOYMENT=replay",
    ),
    "replay clock on demo": (
        {"EDGE_DEPLOYMENT": "demo", "EDGE_AS_OF": "2026-04-16T09:20:00-04:00", **KEY},
        "EDGE_AS_OF is accepted only with EDGE_DEPLOYMENT=replay",
    ),
    "live without the second opt-in": (
        {"EDGE_DEPLOYMENT": "live", **KEY},
        "EDGE_DEPLOYMENT=live refuses to start without EDGE_LIVE_CONFIRM=yes",
    ),
    "garbage clock": ({"EDGE_AS_OF": "next tuesday"}, "EDGE_AS_OF='next tuesday'"),
    "leftover KALSHI_ENV": (
        {"KALSHI_ENV": "live"},
        "KALSHI_ENV=live disagrees with EDGE_DEPLOYMENT=replay",
    ),
    "leftover EDGE_DATA_SOURCE": (
        {"EDGE_DEPLOYMENT": "demo", "EDGE_DATA_SOURCE": "replay", **KEY},
        "EDGE_DATA_SOURCE=replay disagrees with EDGE_DEPLOYMENT=demo",
    ),
    "demo without a key": ({"EDGE_DEPLOYMENT": "demo"}, "EDGE_DEPLOYMENT=demo needs a Kalshi key"),
}


@pytest.mark.parametrize(("environ", "says"), REFUSALS.values(), ids=REFUSALS)
def test_an_unsafe_configuration_refuses_in_one_line_naming_the_variable(environ, says):
    with pytest.raises(DeploymentRefused) as refused:
        Settings.from_env(environ)
    message = str(refused.value)
    assert says in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"EDGE_AS_OF": "2026-04-20T12:00:00-04:00", "KALSHI_ENV": "paper"},
        {"EDGE_DEPLOYMENT": "paper", "EDGE_DATA_SOURCE": "live"},
        {"EDGE_DEPLOYMENT": "demo", "KALSHI_ENV": "demo", **KEY},
        {"EDGE_DEPLOYMENT": "live", "EDGE_LIVE_CONFIRM": "yes", "KALSHI_SECRET_ARN": "arn"},
    ],
    ids=["defaults", "replay", "paper", "demo", "live"],
)
def test_a_safe_configuration_starts(environ):
    settings = Settings.from_env(environ)
    assert build_definitions(settings).resolve_asset_graph().get_all_asset_keys()


def test_the_code_location_refuses_to_load_and_nothing_reaches_the_exchange(
    kalshi_exchange, tmp_path
):
    """``dagster dev``, ``dagster asset materialize`` and the daemon all load the code location
    first: a refused configuration stops there, before any run or asset."""
    database = tmp_path / "edge.duckdb"
    environ = {
        **os.environ,
        "EDGE_DEPLOYMENT": "live",
        "KALSHI_API_BASE": kalshi_exchange.base_url,
        "EDGE_DUCKDB_PATH": str(database),
    }
    environ.pop("EDGE_LIVE_CONFIRM", None)
    loaded = subprocess.run(
        [sys.executable, "-c", "import edge_dagster.definitions"],
        env=environ,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert loaded.returncode != 0
    last_line = loaded.stderr.strip().splitlines()[-1]
    assert last_line.startswith("edge_dagster: EDGE_DEPLOYMENT=live")
    assert kalshi_exchange.requests == []
    assert not Path(database).exists()


def test_resources_built_by_hand_refuse_before_any_asset_computes(kalshi_exchange, tmp_path):
    warehouse = WarehouseResource(database=str(tmp_path / "edge.duckdb"))
    for sources, kalshi in [
        (
            DataSourcesResource(deployment="demo", as_of="2026-04-16T09:20:00-04:00"),
            KalshiResource(deployment="demo", api_base=kalshi_exchange.base_url),
        ),
        (
            DataSourcesResource(deployment="live"),
            KalshiResource(deployment="live", api_base=kalshi_exchange.base_url),
        ),
    ]:
        result = materialize(
            [tsa_fair_values, tsa_orders],
            partition_key="2026-04-13",
            resources={"warehouse": warehouse, "sources": sources, "kalshi": kalshi},
            raise_on_error=False,
        )
        assert not result.success
        assert result.asset_materializations_for_node("tsa_fair_values") == []
    assert kalshi_exchange.requests == []
    assert not (tmp_path / "edge.duckdb").exists()
