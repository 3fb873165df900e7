"""Speed benchmark: where a user waits, beside Dagster's own floor for the same shape of work.

Run from the repo root: ``.venv/bin/python -m benchmarks.speed``. Each figure is printed with
its target (issue 12), the figure measured before the speed work (``speed_before.json``:
commit 7441bb4 on the same 2-core machine, by this script), now, and the *floor*: do-nothing
assets with the same partitions, in the same kind of instance (SQLite storage in a temporary
DAGSTER_HOME, like the project's ``dagster_home/``), run the same way. ``now − floor`` is what
the project itself costs; the floor is what only fewer partitions (or fewer partitioned
assets) can lower. The phase-2 row times a do-nothing prototype of one weekly asset.

Short commands are timed three times (the minimum is printed), long runs once: the machine is
shared, so read differences under a second on long runs as noise. ``--save FILE`` writes the
figures as JSON (that is how ``speed_before.json`` was made, on the old tree).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BEFORE = Path(__file__).with_name("speed_before.json")
AS_OF = "2026-04-20T12:00:00-04:00"
MONTHS = ("2019-01-01", "2026-04-01")  # every TSA day, 2019-01-01 .. 2026-04-19
WEEKS = ("2022-01-03", "2026-04-20")
RERUN_MONTH, RERUN_WEEK = "2026-04-01", "2026-04-13"
WEEKLY = "tsa_fair_values,tsa_orders"
NOOP_WEEKLY = "noop_weekly_1,noop_weekly_2"
"""As many do-nothing weekly assets as the project has weekly assets: like with like."""

# The floor's code location: do-nothing assets on the project's partitions, steps in-process.
FLOOR_PROJECT = """
from dagster import BackfillPolicy, Definitions, MaterializeResult, asset, in_process_executor
from edge_dagster.partitions import tsa_monthly_partitions, tsa_weekly_partitions

def noop(name, partitions, deps=()):
    @asset(name=name, partitions_def=partitions, deps=list(deps),
           backfill_policy=BackfillPolicy.single_run())
    def _noop() -> MaterializeResult:
        return MaterializeResult()
    return _noop

monthly_ingest = noop("noop_monthly", tsa_monthly_partitions)
weekly = [noop("noop_weekly_1", tsa_weekly_partitions)]
weekly.append(noop("noop_weekly_2", tsa_weekly_partitions, [weekly[-1]]))
defs = Definitions(assets=[monthly_ingest, *weekly], executor=in_process_executor)
"""
TARGETS = {
    "validate": 4.0,
    "rerun_dagster_cli": 10.0,
    "rerun_edge_cli": 10.0,
    "ingest": 10.0,
    "weekly": 20.0,
}
LABELS = {
    "validate": "dagster definitions validate",
    "rerun_dagster_cli": f"one month re-run: dagster asset materialize ({RERUN_MONTH})",
    "rerun_edge_cli": f"one month re-run: edge materialize ({RERUN_MONTH})",
    "rerun_week_cli": f"one week re-run, 2 assets: dagster asset materialize ({RERUN_WEEK})",
    "ingest": "all TSA history ingested (2,666 days in 88 months, one run)",
    "sql_models": "SQL models tsa_daily, tsa_weekly (no partitions)",
    "weekly": "weekly backfill of every week (225 weeks x 2 assets, one run)",
    "report": "backtest report (no partitions)",
}
PROTOTYPES = {
    "weekly_1_asset": "weekly backfill with 1 weekly-partitioned asset (225 weeks)",
}


QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
"""In-process runs log warnings only: printing thousands of event lines is not what we time."""


def _best_of(runs: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(runs))


def _command_seconds(args: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def _range_tags(first: str, last: str) -> dict[str, str]:
    return {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last,
    }


def _run_seconds(defs, selection: str, instance, tags: dict[str, str]) -> float:  # noqa: ANN001
    """One in-process run of ``selection`` with the location's resources, as ``edge
    materialize`` and ``dagster asset materialize`` run it."""
    from dagster import AssetSelection

    keys = AssetSelection.from_coercible(selection.split(",")).resolve(defs.resolve_asset_graph())
    job = defs.get_repository_def().get_implicit_job_def_for_assets(keys)
    started = time.perf_counter()
    result = job.execute_in_process(
        run_config=QUIET,
        instance=instance,
        asset_selection=list(keys),
        tags=tags,
        raise_on_error=False,
    )
    seconds = time.perf_counter() - started
    if not result.success:
        raise RuntimeError(f"run of {selection} failed")
    return seconds


def measure(folder: Path) -> dict[str, dict[str, float]]:
    """The figures of this tree ("now") and of the do-nothing assets ("floor"), in seconds."""
    home = folder / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    (folder / "floor_project.py").write_text(FLOOR_PROJECT)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EDGE_", "KALSHI_"))}
    env.update(
        DAGSTER_HOME=str(home),
        EDGE_DUCKDB_PATH=str(folder / "edge.duckdb"),
        EDGE_DATA_SOURCE="replay",
        EDGE_AS_OF=AS_OF,
        KALSHI_ENV="paper",
    )
    os.environ.update(env)
    warnings.filterwarnings("ignore")  # Dagster's beta and supersession notices
    now: dict[str, float] = {}
    floor: dict[str, float] = {}

    def timed(name: str, seconds: float, into: dict[str, float]) -> None:
        into[name] = seconds
        print(f"  {seconds:6.1f} s  {'floor: ' if into is floor else ''}{name}", flush=True)

    print("measuring (the table follows):", flush=True)
    floor_cli = [str(BIN / "dagster"), "definitions", "validate", "-f", "floor_project.py"]
    timed("validate", _best_of(3, lambda: _command_seconds(floor_cli, env, folder)), floor)
    validate = [str(BIN / "dagster"), "definitions", "validate"]
    timed("validate", _best_of(3, lambda: _command_seconds(validate, env, REPO)), now)

    from dagster import DagsterInstance

    sys.path.insert(0, str(folder))
    import floor_project  # noqa: PLC0415 - written above

    from edge_dagster.definitions import defs

    with DagsterInstance.from_config(str(home)) as instance:
        # The instance's first run creates its storage: keep that out of the first figure.
        _run_seconds(floor_project.defs, "noop_weekly_1", instance, _range_tags(WEEKS[0], WEEKS[0]))
        runs = {
            "ingest": ("tsa_checkpoint_raw", "noop_monthly", _range_tags(*MONTHS)),
            "sql_models": ("tsa_daily,tsa_weekly", None, {}),
            "weekly": (WEEKLY, NOOP_WEEKLY, _range_tags(*WEEKS)),
            "report": ("tsa_backtest_report", None, {}),
        }  # fmt: skip
        for name, (selection, floor_selection, tags) in runs.items():
            timed(name, _run_seconds(defs, selection, instance, tags), now)
            if floor_selection:
                timed(
                    name, _run_seconds(floor_project.defs, floor_selection, instance, tags), floor
                )
        prototypes = {"weekly_1_asset": ("noop_weekly_1", _range_tags(*WEEKS))}
        for name, (selection, tags) in prototypes.items():
            timed(name, _run_seconds(floor_project.defs, selection, instance, tags), floor)

    materialize = [str(BIN / "dagster"), "asset", "materialize"]
    reruns = {
        "rerun_dagster_cli": (
            [*materialize, "-m", "edge_dagster.definitions", "--select", "tsa_checkpoint_raw",
             "--partition", RERUN_MONTH],
            [*materialize, "-f", "floor_project.py", "--select", "noop_monthly",
             "--partition", RERUN_MONTH],
        ),
        "rerun_week_cli": (
            [*materialize, "-m", "edge_dagster.definitions", "--select", WEEKLY,
             "--partition", RERUN_WEEK],
            [*materialize, "-f", "floor_project.py", "--select",
             NOOP_WEEKLY, "--partition", RERUN_WEEK],
        ),
    }  # fmt: skip
    edge = BIN / "edge"
    if edge.exists():  # the wrapper command is new: the old tree has none
        reruns["rerun_edge_cli"] = (
            [
                str(edge),
                "materialize",
                "--select",
                "tsa_checkpoint_raw",
                "--partition",
                RERUN_MONTH,
            ],
            reruns["rerun_dagster_cli"][1],
        )
    for name, (command, floor_command) in reruns.items():
        timed(name, _best_of(3, lambda c=command: _command_seconds(c, env, REPO)), now)
        timed(name, _best_of(3, lambda c=floor_command: _command_seconds(c, env, folder)), floor)
    return {"now": now, "floor": floor}


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def print_table(figures: dict[str, dict[str, float]], before: dict[str, float]) -> None:
    now, floor = figures["now"], figures["floor"]
    print(f"\n{'figure':<66} {'target':>8} {'before':>8} {'now':>8} {'floor':>8}")
    for name, label in LABELS.items():
        target = f"≤ {TARGETS[name]:.0f} s" if name in TARGETS else ""
        print(
            f"{label:<66} {target:>8} {_cell(before.get(name)):>8} {_cell(now.get(name)):>8} "
            f"{_cell(floor.get(name)):>8}"
        )
    print("\nphase-2 prototypes (do-nothing floor only):")
    for name, label in PROTOTYPES.items():
        print(f"{label:<66} {'':>8} {'':>8} {'':>8} {_cell(floor.get(name)):>8}")
    per_event_ms = 1000 * floor["ingest"] / 88
    print(
        f"\nDagster's cost per partition in one run (floor of the ingest / 88 months): "
        f"{per_event_ms:.0f} ms (a planned and a materialization event, each a SQLite write)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--save", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="edge_speed_") as folder:
        figures = measure(Path(folder))
    figures["load_average"] = {"start": load_before, "end": os.getloadavg()[0]}
    if args.save:
        args.save.write_text(json.dumps(figures, indent=2) + "\n")
    before = json.loads(BEFORE.read_text())["now"] if BEFORE.exists() else {}
    print_table(figures, before)
    load = figures["load_average"]
    print(
        f"load average (1 min) on {os.cpu_count()} cores: {load['start']:.1f} at the start, "
        f"{load['end']:.1f} at the end (other processes share the machine)"
    )


if __name__ == "__main__":
    main()
