"""``edge materialize``: ``dagster asset materialize`` for this project, where an error the
operator can fix (a bad variable, a missing or corrupted replay file, a refused deployment) is
one line that names it instead of a traceback.

Same options (``--select``, ``--partition`` or ``--partition-range A...B``, ``--config-json``),
the same in-process run recorded in ``$DAGSTER_HOME`` (default: the project's ``dagster_home/``,
so the UI shows it), Dagster's console log at INFO. Exit status: 0 success, 1 a run failed,
2 a configuration error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from edge_dagster.errors import PREFIX, ConfigurationError

PROJECT_DAGSTER_HOME = Path(__file__).resolve().parents[1] / "dagster_home"

CONSOLE_AT_INFO = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="edge", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    materialize = commands.add_parser("materialize", help="materialize assets in one run")
    materialize.add_argument("--select", required=True, help="asset keys, comma-separated")
    partitions = materialize.add_mutually_exclusive_group()
    partitions.add_argument("--partition", help="one partition key")
    partitions.add_argument("--partition-range", help="FIRST...LAST, run as one run")
    materialize.add_argument("--config-json", default="{}", help="run config as JSON")
    return parser


def _run_tags(partition_range: str | None) -> dict[str, str]:
    if partition_range is None:
        return {}
    first, sep, last = partition_range.partition("...")
    if not sep or not first or not last:
        raise ConfigurationError(f"--partition-range {partition_range!r}: expected FIRST...LAST")
    return {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last,
    }


def accepted_keys(partitions_def) -> str:  # noqa: ANN001 - a Dagster PartitionsDefinition
    """What a partition key of ``partitions_def`` looks like, for an error message."""
    from dagster import TimeWindowPartitionsDefinition

    keys = partitions_def.get_partition_keys()
    if not keys:
        return "it has no partitions yet"
    span = f"{keys[0]} … {keys[-1]}"
    if isinstance(partitions_def, TimeWindowPartitionsDefinition):
        cadence = partitions_def.schedule_type.value.lower()
        keyed = "" if cadence == "daily" else ", each keyed by its first day"
        return f"the partitions are {cadence}{keyed}: {span}"
    return f"the partitions are {span}"


def check_partition_keys(job, chosen: Sequence[str], select: str) -> None:  # noqa: ANN001
    """Raise ``ConfigurationError`` naming a chosen key that ``job``'s partitions lack, and
    what an accepted key looks like (a day given for a monthly asset, say)."""
    partitions_def = job.partitions_def
    if partitions_def is None:
        if chosen:
            raise ConfigurationError(f"--select {select}: not partitioned; drop the partition")
        return
    for key in chosen:
        if not partitions_def.has_partition_key(key):
            raise ConfigurationError(
                f"partition {key}: not a partition of {select}; {accepted_keys(partitions_def)}"
            )


def configuration_errors(result) -> list[str]:  # noqa: ANN001 - ExecuteInProcessResult
    """``step: message`` of every step (or resource set-up) that failed on a configuration
    error, each once."""
    from edge_dagster.loggers import serialised_configuration_error

    lines: list[str] = []
    for event in result.all_events:
        message = None if event.is_run_failure else serialised_configuration_error(event)
        line = f"{event.step_key or 'run'}: {message}"
        if message is not None and line not in lines:
            lines.append(line)
    return lines


def named_job_for(defs, keys):  # noqa: ANN001, ANN201 - Definitions, AssetKeys → JobDefinition
    """The smallest named job whose assets include ``keys``, so the run is listed under a name
    that says what it is (not Dagster's ``__ASSET_JOB``); None when no job covers them."""
    covering = [
        job
        for job in (defs.resolve_job_def(unresolved.name) for unresolved in defs.jobs or [])
        if keys <= job.asset_layer.selected_asset_keys
    ]
    return min(covering, key=lambda job: len(job.asset_layer.selected_asset_keys), default=None)


def dagster_home() -> str:
    """``$DAGSTER_HOME``, set to the project's ``dagster_home/`` when unset."""
    home = os.environ.setdefault("DAGSTER_HOME", str(PROJECT_DAGSTER_HOME))
    if not Path(home).is_dir():
        raise ConfigurationError(
            f"DAGSTER_HOME={home} is not a folder: create it, or unset DAGSTER_HOME to use "
            f"{PROJECT_DAGSTER_HOME}"
        )
    return home


def materialize(args: argparse.Namespace) -> int:
    from dagster import AssetSelection, DagsterInstance, DagsterInvalidSubsetError

    from edge_dagster.definitions import defs

    dagster_home()
    tags = _run_tags(args.partition_range)
    try:
        keys = AssetSelection.from_coercible(args.select.split(",")).resolve(
            defs.resolve_asset_graph()
        )
    except DagsterInvalidSubsetError as error:
        raise ConfigurationError(f"--select {args.select}: {error}") from None
    job = named_job_for(defs, keys) or defs.get_repository_def().get_implicit_job_def_for_assets(
        keys
    )
    if job is None:
        raise ConfigurationError(
            f"--select {args.select}: the assets must share one partitions definition"
        )
    chosen = [args.partition] if args.partition else list(tags.values())
    check_partition_keys(job, chosen, args.select)
    run_config = {**json.loads(args.config_json), **CONSOLE_AT_INFO}
    started = time.perf_counter()
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            run_config=run_config,
            instance=instance,
            partition_key=args.partition,
            asset_selection=list(keys),
            tags=tags,
            raise_on_error=False,
        )
    seconds = time.perf_counter() - started
    if result.success:
        print(f"{PREFIX}run {result.run_id} materialized {args.select} in {seconds:.1f} s")
        return 0
    culprits = configuration_errors(result)
    for line in culprits:
        print(f"{PREFIX}{line}", file=sys.stderr)
    if culprits:
        return 2
    print(f"{PREFIX}run {result.run_id} failed (the error is above)", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return materialize(args)
    except ConfigurationError as error:
        print(f"{PREFIX}{error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
