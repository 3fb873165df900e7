"""Run the project's commands as a user would: a subprocess with a scratch instance and file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
REPLAY_AS_OF = "2026-04-20T12:00:00-04:00"


def scratch_environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The replay defaults with a temp DAGSTER_HOME (holding the project's dagster.yaml) and a
    temp DuckDB file, so a test never touches the developer's instance."""
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EDGE_", "KALSHI_", "DAGSTER_"))
    }
    env.update(
        DAGSTER_HOME=str(home),
        EDGE_DUCKDB_PATH=str(tmp_path / "edge.duckdb"),
        EDGE_DATA_SOURCE="replay",
        EDGE_AS_OF=REPLAY_AS_OF,
        KALSHI_ENV="paper",
    )
    env.update(overrides)
    return env


def run_command(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / args[0]), *args[1:]],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
