"""One ``dagster dev`` for the UI tests, on an instance that holds a small real replay slice:
TSA months from 2025 with the SQL models (one run), the five weeks with recorded Kalshi markets
and candles, the report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support.processes import DagsterWebserver, run_command, scratch_environment

WEEKLY_ASSETS = "tsa_fair_values,tsa_orders"
RAW_MONTHS = ("2025-01-01", "2026-04-01")
RECORDED_WEEKS = ("2026-03-16", "2026-04-13")
REPLAY_SLICE = [
    [
        "--select",
        "tsa_checkpoint_raw,tsa_daily,tsa_weekly",
        "--partition-range",
        "...".join(RAW_MONTHS),
    ],
    ["--select", WEEKLY_ASSETS, "--partition-range", "...".join(RECORDED_WEEKS)],
    ["--select", "tsa_backtest_report"],
]
RUN_ID = re.compile(r"run ([0-9a-f-]{36}) materialized")


@dataclass
class ServedSlice:
    dev: DagsterWebserver
    run_ids: list[str]
    """The slice's runs, in order: raw months with the SQL models, weekly strategy, report."""


@pytest.fixture(scope="session")
def served_slice(tmp_path_factory) -> Iterator[ServedSlice]:
    folder = tmp_path_factory.mktemp("ui")
    env = scratch_environment(folder)
    run_ids = []
    for selection in REPLAY_SLICE:
        done = run_command(["edge", "materialize", *selection], env, timeout=600)
        assert done.returncode == 0, done.stderr
        run_ids.append(RUN_ID.search(done.stdout).group(1))
    dev = DagsterWebserver(env, folder / "dagster_dev.log")
    try:
        dev.wait_until_up()
        yield ServedSlice(dev, run_ids)
    finally:
        dev.stop()
