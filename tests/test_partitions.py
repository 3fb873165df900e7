"""In a replay every partition family ends where it would on the replay clock, so the UI shows no
"missing" partitions after EDGE_AS_OF; on the wall clock the ends move with the day."""

from datetime import datetime, timedelta

import pytest

from edge_dagster.core.clock import EASTERN
from tests.support.processes import run_command, scratch_environment

LAST_KEYS = (
    "from edge_dagster.partitions import tsa_daily_partitions, tsa_weekly_partitions, "
    "weather_daily_city_partitions as w\n"
    "for p in (tsa_daily_partitions, tsa_weekly_partitions):\n"
    "    print(p.get_last_partition_key())\n"
    "print(w.get_partitions_def_for_dimension('date').get_last_partition_key())\n"
)


def last_partition_keys(tmp_path, **environment: str) -> list[str]:
    done = run_command(
        ["python", "-c", LAST_KEYS], scratch_environment(tmp_path, **environment), timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # Monday noon: TSA days to Sunday, the week in progress, weather to tomorrow.
        ("2026-04-20T12:00:00-04:00", ["2026-04-19", "2026-04-20", "2026-04-21"]),
        # Sunday night Eastern (Monday in UTC): still the week of the 13th.
        ("2026-04-20T02:00:00Z", ["2026-04-18", "2026-04-13", "2026-04-20"]),
    ],
    ids=["monday-noon", "sunday-night"],
)
def test_replay_partitions_end_at_the_as_of(tmp_path, as_of, expected):
    assert last_partition_keys(tmp_path, EDGE_AS_OF=as_of) == expected


def test_without_a_replay_clock_the_partitions_run_to_today(tmp_path):
    today = datetime.now(EASTERN).date()
    keys = last_partition_keys(tmp_path, EDGE_AS_OF="")
    assert keys[0] == (today - timedelta(days=1)).isoformat()
    assert keys[2] == (today + timedelta(days=1)).isoformat()
