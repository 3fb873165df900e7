"""Past one machine: the instance's storage in PostgreSQL, a webserver and a daemon as separate
services, and a backfill launched through GraphQL that the daemon runs through the run queue."""

from __future__ import annotations

import time
from collections.abc import Iterator

import duckdb
import psycopg2
import pytest

from tests.support.postgres import postgres_server
from tests.support.processes import DagsterProcess, DagsterWebserver, scratch_environment

MONTHS = ["2026-03-01", "2026-04-01"]
DAYS_HELD = 31 + 19  # March, and April to the replay clock's newest public day (the 19th)
INSTANCE_YAML = """\
storage:
  postgres:
    postgres_db:
      hostname: 127.0.0.1
      port: {port}
      username: postgres
      db_name: dagster
      # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3; dagster-postgres ships psycopg2.
      scheme: postgresql+psycopg2
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
concurrency:
  runs:
    max_concurrent_runs: 2
  pools:
    default_limit: 1
telemetry:
  enabled: false
"""
LAUNCH_BACKFILL = """
mutation ($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}"""


@pytest.fixture(scope="module")
def services(tmp_path_factory) -> Iterator[tuple[DagsterWebserver, str, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("postgres_instance")
    with postgres_server() as port:
        url = f"postgresql://postgres@127.0.0.1:{port}/dagster"
        env = scratch_environment(folder)
        (folder / "dagster_home" / "dagster.yaml").write_text(INSTANCE_YAML.format(port=port))
        daemon = DagsterProcess(["dagster-daemon", "run"], env, folder / "daemon.log")
        webserver = DagsterWebserver(env, folder / "webserver.log", command="dagster-webserver")
        try:
            webserver.wait_until_up()
            yield webserver, url, env
        finally:
            webserver.stop()
            daemon.stop()


def _launch_backfill(webserver: DagsterWebserver) -> str:
    launched = webserver.graphql(
        LAUNCH_BACKFILL,
        {
            "params": {
                "assetSelection": [{"path": ["tsa_checkpoint_raw"]}],
                "partitionNames": MONTHS,
            }
        },
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    return launched["backfillId"]


def _backfill_runs(url: str, backfill_id: str, timeout: float = 300) -> dict[str, str]:
    """Run id → status of the backfill's runs, once the daemon has launched them and they have
    finished (the backfill daemon looks at a backfill every 30 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with psycopg2.connect(url) as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT r.run_id, r.status FROM runs r JOIN run_tags t ON t.run_id = r.run_id "
                "WHERE t.key = 'dagster/backfill' AND t.value = %s",
                [backfill_id],
            )
            runs = dict(cursor.fetchall())
        if runs and all(status in ("SUCCESS", "FAILURE", "CANCELED") for status in runs.values()):
            return runs
        time.sleep(1)
    raise TimeoutError(f"the backfill's runs did not finish in {timeout} s")


def test_a_backfill_runs_through_the_queue_into_postgres_and_duckdb(services):
    webserver, url, env = services
    runs = _backfill_runs(url, _launch_backfill(webserver))
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT run_id, dagster_event_type FROM event_logs WHERE run_id = ANY(%s) "
            "AND dagster_event_type IS NOT NULL ORDER BY id",
            [list(runs)],
        )
        events: dict[str, list[str]] = {}
        for run_id, event_type in cursor.fetchall():
            events.setdefault(run_id, []).append(event_type)
        cursor.execute(
            "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' "
            "AND asset_key = %s",
            ['["tsa_checkpoint_raw"]'],
        )
        (raw_materializations,) = cursor.fetchone()

    # The range is one run (single-run backfill policy), queued, then launched by the daemon.
    assert list(runs.values()) == ["SUCCESS"]
    (run_events,) = events.values()
    run_steps = [event for event in run_events if event.startswith("PIPELINE_")]
    assert run_steps == [
        "PIPELINE_ENQUEUED", "PIPELINE_STARTING", "PIPELINE_START", "PIPELINE_SUCCESS",
    ]  # fmt: skip
    assert raw_materializations == len(MONTHS)

    with duckdb.connect(env["EDGE_DUCKDB_PATH"], read_only=True) as warehouse:
        counts = [
            warehouse.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("tsa_checkpoint_raw",)
        ]
    assert counts == [DAYS_HELD]
