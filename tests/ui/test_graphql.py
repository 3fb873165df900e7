"""The UI serves the project: every asset with its group and lineage, the automation, the slice's
materialisations, and no run launched by a sensor at start-up (all read through GraphQL)."""

import time

from tests.test_definitions import EXPECTED_ASSET_GRAPH

ASSET_NODES = """{
  assetNodes {
    assetKey { path }
    groupName
    dependencyKeys { path }
    partitionStats { numMaterialized }
  }
}"""
AUTOMATION = """{
  repositoriesOrError {
    ... on RepositoryConnection {
      nodes {
        location { name }
        schedules { name scheduleState { status } }
        sensors { name sensorState { status ticks(limit: 5) { status skipReason runIds } } }
      }
    }
  }
}"""
RUNS = "{ runsOrError { ... on Runs { results { runId } } } }"


def _key(node: dict) -> str:
    return "/".join(node["assetKey"]["path"])


def test_every_asset_is_served_with_its_group_and_lineage(served_slice):
    nodes = served_slice.dev.graphql(ASSET_NODES)["assetNodes"]
    served = {
        _key(node): (node["groupName"], sorted("/".join(d["path"]) for d in node["dependencyKeys"]))
        for node in nodes
    }
    assert served == EXPECTED_ASSET_GRAPH


def test_the_slice_materialised_is_what_the_ui_counts(served_slice):
    nodes = served_slice.dev.graphql(ASSET_NODES)["assetNodes"]
    materialized = {
        _key(node): node["partitionStats"]["numMaterialized"]
        for node in nodes
        if node["partitionStats"] is not None
    }
    assert materialized["tsa_checkpoint_raw"] == 16  # the months of 2025 and 2026 to April
    for weekly in ("tsa_fair_values", "tsa_orders"):
        assert materialized[weekly] == 5


def test_schedules_and_sensors_are_served_running(served_slice):
    (location,) = served_slice.dev.graphql(AUTOMATION)["repositoriesOrError"]["nodes"]
    assert location["location"]["name"] == "edge_dagster"
    assert {s["name"]: s["scheduleState"]["status"] for s in location["schedules"]} == {
        "tsa_ingest_schedule": "RUNNING",
        "tsa_decision_schedule": "RUNNING",
        "tsa_taker_schedule": "RUNNING",
        "weather_calibration_schedule": "RUNNING",
        "weather_trading_schedule": "RUNNING",
        "daily_report_schedule": "RUNNING",
    }
    assert {s["name"]: s["sensorState"]["status"] for s in location["sensors"]} == {
        "tsa_tables_sensor": "RUNNING",
        "nbm_cycle_sensor": "RUNNING",
        "run_failure_alert_sensor": "RUNNING",
        "run_success_clears_alert_sensor": "RUNNING",
        "trading_halt_alert_sensor": "RUNNING",
    }


def test_no_sensor_launches_a_redundant_run_at_start_up(served_slice):
    dev, (raw_run, *_) = served_slice.dev, served_slice.run_ids
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        (location,) = dev.graphql(AUTOMATION)["repositoriesOrError"]["nodes"]
        (sensor,) = [s for s in location["sensors"] if s["name"] == "tsa_tables_sensor"]
        if sensor["sensorState"]["ticks"]:
            break
        time.sleep(1)
    first_tick = sensor["sensorState"]["ticks"][-1]
    assert first_tick == {
        "status": "SKIPPED",
        "skipReason": f"tsa_daily and tsa_weekly were rebuilt after run {raw_run} "
        "materialized tsa_checkpoint_raw",
        "runIds": [],
    }
    runs = dev.graphql(RUNS)["runsOrError"]["results"]
    assert sorted(run["runId"] for run in runs) == sorted(served_slice.run_ids)
