"""At the command line a configuration error is the one line that names the culprit."""

import shutil

import pytest

from edge_dagster.cli import main
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from tests.support.processes import run_command, scratch_environment

# The month of the newest day public at the replay clock, so the freshness check passes.
ONE_PARTITION = ["materialize", "--select", "tsa_checkpoint_raw", "--partition", "2026-04-01"]
GARBAGE_AS_OF = (
    "edge_dagster: EDGE_AS_OF='garbage' is not an ISO-8601 instant: use e.g. "
    "2026-04-20T12:00:00-04:00 or 2026-04-20T12:00 (naive = America/New_York), or leave it "
    "unset for the wall clock"
)


def test_edge_materialize_names_a_garbage_as_of_in_one_line(tmp_path):
    done = run_command(
        ["edge", *ONE_PARTITION], scratch_environment(tmp_path, EDGE_AS_OF="garbage")
    )
    assert (done.returncode, done.stderr.strip()) == (2, GARBAGE_AS_OF)


def test_dagster_asset_materialize_prints_the_same_line_instead_of_a_traceback(tmp_path):
    command = ["dagster", "asset", "materialize", "-m", "edge_dagster.definitions"]
    done = run_command(
        [*command, "--select", "tsa_checkpoint_raw", "--partition", "2026-04-01"],
        scratch_environment(tmp_path, EDGE_AS_OF="garbage"),
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == GARBAGE_AS_OF


def test_definitions_validate_reports_the_message_as_the_load_error(tmp_path):
    done = run_command(
        ["dagster", "definitions", "validate"], scratch_environment(tmp_path, EDGE_AS_OF="garbage")
    )
    assert done.returncode == 1
    assert (
        "edge_dagster.settings.DeploymentRefused: " + GARBAGE_AS_OF.removeprefix("edge_dagster: ")
        in done.stdout.splitlines()
    )


def test_a_corrupted_replay_row_fails_the_run_with_file_line_and_value(tmp_path):
    replay = tmp_path / "replay"
    shutil.copytree(DEFAULT_REPLAY_DIR, replay)
    path = replay / "tsa_checkpoint_daily.csv"
    lines = path.read_text().splitlines()
    lines[57] = "2019-02-26,22x4225"  # line 58
    path.write_text("\n".join(lines) + "\n")
    done = run_command(
        ["edge", *ONE_PARTITION], scratch_environment(tmp_path, EDGE_REPLAY_DIR=str(replay))
    )
    assert done.returncode == 2
    assert "Stack Trace" not in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"edge_dagster: tsa_checkpoint_raw: {path} line 58: travelers='22x4225' is not an int "
        f"(EDGE_REPLAY_DIR={replay})"
    )


def test_a_successful_run_says_what_it_materialized(tmp_path):
    done = run_command(["edge", *ONE_PARTITION], scratch_environment(tmp_path))
    assert done.returncode == 0, done.stderr
    (summary,) = done.stdout.strip().splitlines()
    assert (
        summary.startswith("edge_dagster: run ")
        and " materialized tsa_checkpoint_raw in " in summary
    )


MONTHS = "the partitions are monthly, each keyed by its first day: 2019-01-01 … 2026-04-01"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--select", "tsa_checkpoint_raw", "--partition", "2026-05-01"],
            f"partition 2026-05-01: not a partition of tsa_checkpoint_raw; {MONTHS}",
        ),
        (
            ["--select", "tsa_checkpoint_raw", "--partition", "2026-04-19"],
            f"partition 2026-04-19: not a partition of tsa_checkpoint_raw; {MONTHS}",
        ),
        (
            ["--select", "tsa_checkpoint_raw", "--partition-range", "2026-03-01...2026-04-19"],
            f"partition 2026-04-19: not a partition of tsa_checkpoint_raw; {MONTHS}",
        ),
        (
            ["--select", "tsa_daily", "--partition", "2026-04-01"],
            "--select tsa_daily: not partitioned; drop the partition",
        ),
        (
            ["--select", "tsa_checkpoint_raw", "--partition-range", "2026-04-01..2026-04-02"],
            "--partition-range '2026-04-01..2026-04-02': expected FIRST...LAST",
        ),
    ],
    ids=["after-the-as-of", "a-day", "a-day-ending-a-range", "unpartitioned", "malformed-range"],
)
def test_a_wrong_partition_is_one_line(tmp_path, args, message):
    done = run_command(["edge", "materialize", *args], scratch_environment(tmp_path))
    assert (done.returncode, done.stderr) == (2, f"edge_dagster: {message}\n")


def test_an_unknown_asset_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    assert main(["materialize", "--select", "tsa_checkpoint_rwa"]) == 2
    assert capsys.readouterr().err.startswith(
        "edge_dagster: --select tsa_checkpoint_rwa: AssetKey(s) ['tsa_checkpoint_rwa'] were "
        "selected, but no AssetsDefinition objects supply these keys."
    )
