"""In a replay every partition family ends where it would on the replay clock, so the UI shows no
"missing" partitions after EDGE_AS_OF; on the wall clock the ends move with the day."""

from datetime import datetime, timedelta

import pytest

from edge_dagster.core.clock import EASTERN
from tests.support.processes import run_command, scratch_environment

LAST_KEYS = (
    "from edge_dagster.partitions import tsa_monthly_partitions, tsa_weekly_partitions, "
    "weather_daily_city_partitions as w\n"
    "for p in (tsa_monthly_partitions, tsa_weekly_partitions):\n"
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
        # Monday noon: TSA to the month in progress, the week in progress, weather to tomorrow.
        ("2026-04-20T12:00:00-04:00", ["2026-04-01", "2026-04-20", "2026-04-21"]),
        # Sunday night Eastern (Monday in UTC): still the week of the 13th.
        ("2026-04-20T02:00:00Z", ["2026-04-01", "2026-04-13", "2026-04-20"]),
        # The last evening of April Eastern (1 May in UTC): still April.
        ("2026-05-01T02:00:00Z", ["2026-04-01", "2026-04-27", "2026-05-01"]),
        # 1 May just after midnight Eastern: May is in progress, though none of it is public.
        ("2026-05-01T00:05:00-04:00", ["2026-05-01", "2026-04-27", "2026-05-02"]),
        # New Year's Eve: December, then January of the next year.
        ("2025-12-31T12:00:00-05:00", ["2025-12-01", "2025-12-29", "2026-01-01"]),
    ],
    ids=["monday-noon", "sunday-night", "april-night", "may-first", "new-years-eve"],
)
def test_replay_partitions_end_at_the_as_of(tmp_path, as_of, expected):
    assert last_partition_keys(tmp_path, EDGE_AS_OF=as_of) == expected


def test_without_a_replay_clock_the_partitions_run_to_today(tmp_path):
    today = datetime.now(EASTERN).date()
    keys = last_partition_keys(tmp_path, EDGE_AS_OF="")
    assert keys[0] == today.replace(day=1).isoformat()
    assert keys[2] == (today + timedelta(days=1)).isoformat()
